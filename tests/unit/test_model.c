/* test_model.c - the model file: write/read round trip, and every kind of
 * damaged file refused with its own message. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include "model.h"
#include "net.h"
#include "tap.h"
#include "refused.h"

static dg_net make_net(void)
{
    const size_t hidden[2] = { 16, 8 };
    dg_net net;
    dg_rng r;
    dg_err e;

    dg_net_mlp(&net, 784, hidden, 2, 10, &e);
    dg_rng_seed(&r, 5);
    dg_net_init_he(&net, &r);
    net.params[net.layer[2].b + 3] = 0.125f;
    dg_meta_set(&net, "seed", "5", &e);
    dg_meta_set(&net, "note", "round trip", &e);
    return net;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void fix_crc(unsigned char *buf, size_t len)
{
    put32(buf + len - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf,
                                         (uInt)(len - 4)));
}


/* Set layer l of net to a k x k convolution of c -> oc channels on
 * side x side. */
static void conv_layer(dg_net *net, size_t l, uint32_t c, uint32_t oc,
                       uint32_t k, uint32_t side)
{
    dg_layer *ly = &net->layer[l];

    memset(ly, 0, sizeof *ly);
    ly->kind = DG_LAYER_CONV;
    ly->act = DG_ACT_RELU;
    ly->in = c * side * side;
    ly->out = oc * side * side;
    ly->geom[0] = c;
    ly->geom[1] = side;
    ly->geom[2] = k;
    ly->geom[3] = oc;
}

/* End net after n layers with a dense softmax layer to 10 classes, lay
 * it out and give it zero parameters. */
static int finish_net(dg_net *net, size_t n)
{
    dg_layer *ly = &net->layer[n];
    dg_err e;

    memset(ly, 0, sizeof *ly);
    ly->kind = DG_LAYER_DENSE;
    ly->act = DG_ACT_SOFTMAX;
    ly->in = net->layer[n - 1].out;
    ly->out = 10;
    net->nlayers = n + 1;
    if (dg_net_layout(net, &e) < 0)
        return -1;
    net->params = calloc(net->nparams, sizeof *net->params);
    net->meta = calloc(1, 1);
    return net->params != NULL && net->meta != NULL ? 0 : -1;
}

/* Encode net and check the reader refuses it with want in the message. */
static void refused_net(dg_net *net, const char *want, const char *what)
{
    unsigned char *buf;
    size_t len;
    dg_err e;

    if (dg_model_encode(net, &buf, &len, &e) < 0) {
        tap_ok(0, "%s: encode: %s", what, e.msg);
        return;
    }
    refused(buf, len, want, what);
    free(buf);
    dg_net_free(net);
}

/* Models whose running cost a small file could blow up (issue 11): the
 * 44 KB model of thirteen 1x1 poolings that took 12 GB, one of many
 * wide activations, one of too much arithmetic. */
static void check_costs(void)
{
    dg_net net;
    size_t l;

    memset(&net, 0, sizeof net);
    conv_layer(&net, 0, 1, 1024, 1, 28);
    for (l = 1; l <= 13; l++) {
        dg_layer *ly = &net.layer[l];

        ly->kind = DG_LAYER_MAXPOOL;
        ly->in = ly->out = 1024 * 28 * 28;
        ly->geom[0] = 1024;
        ly->geom[1] = 28;
        ly->geom[2] = 1;
    }
    conv_layer(&net, 14, 1024, 1, 1, 28);
    tap_ok(finish_net(&net, 15) == 0, "the 1x1-pooling model lays out");
    refused_net(&net, "pooling over 1x1 blocks does nothing",
                "thirteen 1x1 poolings");
    memset(&net, 0, sizeof net);
    for (l = 0; l < 12; l++)
        conv_layer(&net, l, l % 2 ? 1024 : 1, l % 2 ? 1 : 1024, 1, 28);
    tap_ok(finish_net(&net, 12) == 0, "the wide model lays out");
    refused_net(&net, "activations per image", "six 1024-channel layers");
    memset(&net, 0, sizeof net);
    /* 128x128x81 multiply-adds at each of 16x16 pixels: 340 million,
     * on small activations */
    conv_layer(&net, 0, 1, 128, 1, 16);
    conv_layer(&net, 1, 128, 128, 9, 16);
    tap_ok(finish_net(&net, 2) == 0, "the heavy model lays out");
    refused_net(&net, "multiply-adds per image", "a 9x9 128->128 "
                "convolution");
    memset(&net, 0, sizeof net);
    conv_layer(&net, 0, 1, 600, 1, 28);
    conv_layer(&net, 1, 600, 1, 1, 28);
    finish_net(&net, 2);
    /* at least its 470400 outputs of the 600 channels a cell */
    tap_ok(dg_model_act_floats(&net) > 470400
           && dg_model_batch(&net, 256) < 256
           && dg_model_batch(&net, 256)
              == DG_MODEL_ACT_BUDGET / dg_model_act_floats(&net),
           "a batch of wide activations is cut to fit 256 MiB (%zu of %zu "
           "floats)", dg_model_batch(&net, 256), dg_model_act_floats(&net));
    dg_net_free(&net);
    net = make_net();
    tap_ok(dg_model_batch(&net, 256) == 256, "a small net keeps its batch");
    dg_net_free(&net);
}

/* A parameter that is not a finite number is refused even when the
 * checksum is right: it would print "nan" as a confidence. */
static void check_finite(const unsigned char *buf, size_t len,
                         size_t first_param)
{
    unsigned char *bad = malloc(len);
    const uint32_t nan = 0x7fc00000u, inf = 0x7f800000u;

    memcpy(bad, buf, len);
    put32(bad + first_param + 8, nan);
    fix_crc(bad, len);
    refused(bad, len, "parameter 3 is not a finite number", "a NaN weight");
    memcpy(bad, buf, len);
    put32(bad + len - 8, inf);
    fix_crc(bad, len);
    refused(bad, len, "not a finite number", "an infinite bias");
    free(bad);
}


/* A regular file of mode m at path? */
static int is_file(const char *path, mode_t m)
{
    struct stat st;

    return lstat(path, &st) == 0 && S_ISREG(st.st_mode)
           && (st.st_mode & 07777) == m;
}

/* Make an empty file at path whose change time is age seconds ago. */
static void make_aged(const char *path, long age)
{
    struct timeval tv[2];
    FILE *f = fopen(path, "w");

    if (f != NULL)
        fclose(f);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age;
    tv[1] = tv[0];
    utimes(path, tv);
}

/* Where a model is saved (issue 11): links are followed and kept,
 * non-regular files refused and left alone, modes kept or taken from
 * the umask, stale temporaries removed. */
static void check_save_targets(const dg_net *net, const char *dir)
{
    char p[4][128];
    struct stat st;
    dg_net back;
    dg_err e;
    mode_t old;

    snprintf(p[0], sizeof p[0], "%s/real.model", dir);
    snprintf(p[1], sizeof p[1], "%s/link.model", dir);
    tap_ok(dg_model_save(net, p[0], &e) == 0 && symlink("real.model", p[1])
           == 0 && chmod(p[0], 0640) == 0 && dg_model_save(net, p[1], &e)
           == 0, "save through a symbolic link: %s", e.msg);
    tap_ok(lstat(p[1], &st) == 0 && S_ISLNK(st.st_mode) && is_file(p[0], 0640),
           "the link is kept, its target replaced with its mode 0640");
    snprintf(p[2], sizeof p[2], "%s/dangling.model", dir);
    snprintf(p[3], sizeof p[3], "%s/new.model", dir);
    old = umask(077);
    tap_ok(symlink("new.model", p[2]) == 0 && dg_model_save(net, p[2], &e)
           == 0 && is_file(p[3], 0600), "a dangling link's target is "
           "created, mode 0666 less the umask 077");
    umask(old);
    snprintf(p[2], sizeof p[2], "%s/fifo", dir);
    tap_ok(mkfifo(p[2], 0600) == 0 && dg_model_save(net, p[2], &e) < 0
           && strstr(e.msg, "is a FIFO") != NULL && lstat(p[2], &st) == 0
           && S_ISFIFO(st.st_mode), "a FIFO is refused and kept: \"%s\"",
           e.msg);
    snprintf(p[2], sizeof p[2], "%s/sub", dir);
    tap_ok(mkdir(p[2], 0700) == 0 && dg_model_save(net, p[2], &e) < 0
           && strstr(e.msg, "is a directory") != NULL && lstat(p[2], &st)
           == 0 && S_ISDIR(st.st_mode), "a directory is refused and kept: "
           "\"%s\"", e.msg);
    tap_ok(dg_model_load(&back, p[2], &e) < 0
           && strstr(e.msg, "Is a directory") != NULL,
           "loading a directory says so: \"%s\"", e.msg);
    rmdir(p[2]);
    snprintf(p[2], sizeof p[2], "%s/fifo", dir);
    /* Opening a FIFO for reading blocks until a writer comes: the loader
     * must refuse it first (the alarm turns a hang into a failure). */
    alarm(20);
    tap_ok(dg_model_load(&back, p[2], &e) < 0
           && strstr(e.msg, "not a regular file") != NULL,
           "loading a FIFO is refused without blocking: \"%s\"", e.msg);
    alarm(0);
    snprintf(p[2], sizeof p[2], "%s/.real.model.dgtmp-old123", dir);
    snprintf(p[3], sizeof p[3], "%s/.real.model.dgtmp-new123", dir);
    make_aged(p[2], 2 * 3600);
    make_aged(p[3], 60);
    tap_ok(dg_model_save(net, p[0], &e) == 0 && access(p[2], F_OK) != 0
           && errno == ENOENT && access(p[3], F_OK) == 0, "a temporary two "
           "hours old is removed, one a minute old kept");
    unlink(p[3]);
    snprintf(p[2], sizeof p[2], "%s/fifo", dir);
    unlink(p[2]);
    snprintf(p[2], sizeof p[2], "%s/dangling.model", dir);
    unlink(p[2]);
    snprintf(p[2], sizeof p[2], "%s/new.model", dir);
    unlink(p[2]);
    unlink(p[1]);
    unlink(p[0]);
}

static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d != NULL && (de = readdir(d)) != NULL)
        n += strncmp(de->d_name, ".m.model.", 9) == 0;
    if (d != NULL)
        closedir(d);
    return n;
}

int main(void)
{
    dg_net net = make_net(), back;
    unsigned char *buf, *bad;
    size_t len;
    dg_err e = { "" };
    char dir[] = "/tmp/dgmodelXXXXXX", path[64], v[32];

    tap_ok(dg_model_encode(&net, &buf, &len, &e) == 0, "encode");
    {
        const size_t text = 20 + 3 * 32 + strlen(net.meta);
        const size_t body = len - 4 * net.nparams - 4;

        tap_ok(body >= text && body - text < 4 && body % 4 == 0,
               "length is header + layers + metadata padded to 4 + weights "
               "+ CRC (%zu)", len);
    }
    tap_ok(memcmp(buf, "DGMODEL", 8) == 0 && buf[8] == 1,
           "magic and version 1 at the start");
    tap_ok(dg_model_decode(&back, buf, len, &e) == 0, "decode: %s",
           e.msg);
    tap_ok(back.nparams == net.nparams && memcmp(back.params, net.params,
           net.nparams * sizeof(float)) == 0, "weights round trip bit-exact");
    tap_ok(strcmp(back.meta, net.meta) == 0
           && dg_meta_get(&back, "note", v, sizeof v) == 0
           && strcmp(v, "round trip") == 0, "metadata round trips");
    tap_ok(back.nlayers == 3 && back.layer[0].in == 784
           && back.layer[1].out == 8 && back.layer[2].act == DG_ACT_SOFTMAX,
           "layer table round trips");
    dg_net_free(&back);

    bad = malloc(len + 8);
    memcpy(bad, buf, len);
    refused(bad, len - 1, "truncated", "truncated by one byte");
    refused(bad, 12, "truncated", "cut inside the header");
    refused(bad, 0, "bad magic", "empty file");
    bad[0] = 'X';
    refused(bad, len, "bad magic", "wrong magic");
    memcpy(bad, buf, len);
    put32(bad + 8, 2);
    refused(bad, len, "version 2", "wrong version");
    memcpy(bad, buf, len);
    bad[len / 2] ^= 0x10;
    refused(bad, len, "checksum", "a flipped bit in the weights");
    memcpy(bad, buf, len);
    put32(bad + 20 + 32 + 8, 17);           /* layer 2 takes 17, not 16 */
    fix_crc(bad, len);
    refused(bad, len, "inconsistent sizes", "layer 2 inputs != layer 1 "
            "outputs");
    memcpy(bad, buf, len);
    put32(bad + 12, 5000);
    refused(bad, len, "inconsistent sizes", "absurd layer count");
    memcpy(bad, buf, len);
    put32(bad + 20 + 8, 0);
    refused(bad, len, "inconsistent sizes", "zero-width layer");
    memcpy(bad, buf, len);
    put32(bad + 20, 9);
    refused(bad, len, "unknown layer kind", "unknown layer kind");
    memcpy(bad, buf, len);
    memset(bad + len, 0, 8);
    refused(bad, len + 8, "trailing", "trailing bytes");
    free(bad);
    check_finite(buf, len, len - 4 - 4 * net.nparams);
    check_costs();

    tap_ok(mkdtemp(dir) != NULL, "temporary directory");
    snprintf(path, sizeof path, "%s/m.model", dir);
    tap_ok(dg_model_save(&net, path, &e) == 0, "save: %s", e.msg);
    tap_ok(dg_model_load(&back, path, &e) == 0
           && memcmp(back.params, net.params, net.nparams * 4) == 0
           && strcmp(back.meta, net.meta) == 0,
           "load gives back what was saved");
    dg_net_free(&back);
    {
        /* An empty metadata text, padded on writing, comes back empty. */
        dg_net bare = make_net();

        bare.meta[0] = '\0';
        tap_ok(dg_model_save(&bare, path, &e) == 0
               && dg_model_load(&back, path, &e) == 0
               && back.meta[0] == '\0', "empty metadata round trips");
        dg_net_free(&back);
        dg_net_free(&bare);
    }
    net.params[0] = 42.0f;
    tap_ok(dg_model_save(&net, path, &e) == 0
           && dg_model_load(&back, path, &e) == 0 && back.params[0] == 42.0f,
           "saving over a model replaces it");
    dg_net_free(&back);
    tap_ok(count_temp_files(dir) == 0, "no temporary file left behind");
    check_save_targets(&net, dir);
    snprintf(path, sizeof path, "%s/missing/m.model", dir);
    tap_ok(dg_model_save(&net, path, &e) < 0 && strstr(e.msg, "missing"),
           "save into a missing directory fails: \"%s\"", e.msg);
    tap_ok(dg_model_load(&back, path, &e) < 0
           && strstr(e.msg, "No such file") != NULL,
           "load of a missing file fails: \"%s\"", e.msg);
    snprintf(path, sizeof path, "%s/m.model", dir);
    unlink(path);
    rmdir(dir);
    free(buf);
    dg_net_free(&net);
    return tap_done();
}
