/* test_model.c - the model file: write/read round trip, and every kind of
 * damaged file refused with its own message. */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "model.h"
#include "net.h"
#include "tap.h"

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

/* Decode a damaged copy; pass if refused with a message containing want. */
static void refused(const unsigned char *buf, size_t len, const char *want,
                    const char *what)
{
    dg_net net;
    dg_err e;
    int rc;

    e.msg[0] = '\0';
    rc = dg_model_decode(&net, buf, len, &e);
    tap_ok(rc < 0 && strstr(e.msg, want) != NULL, "%s refused: \"%s\"", what,
           e.msg);
    if (rc == 0)
        dg_net_free(&net);
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
