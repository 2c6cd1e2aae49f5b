/* model.c - reading and writing the model file (see model.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cascade.h"
#include "conv.h"
#include "model.h"
#include "safewrite.h"

#define HEADER 20
#define LAYER_REC 32

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t v;

    memcpy(&v, &f, 4);
    put_u32(p, v);
}

static float get_f32(const unsigned char *p)
{
    uint32_t v = get_u32(p);
    float f;

    memcpy(&f, &v, 4);
    return f;
}

static uint32_t crc_of(const unsigned char *buf, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);

    while (len > 0) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;

        crc = crc32(crc, buf, chunk);
        buf += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}

/* One network's block into a malloc'd buffer. */
static int encode_one(const dg_net *net, unsigned char **bufp, size_t *lenp,
                      dg_err *e)
{
    const size_t tlen = net->meta == NULL ? 0 : strlen(net->meta);
    /* Newlines pad the text so the weights start 4-aligned in the file. */
    const size_t pad = (4 - (HEADER + LAYER_REC * net->nlayers + tlen) % 4)
                       % 4;
    const size_t mlen = tlen + pad;
    const size_t len = HEADER + LAYER_REC * net->nlayers + mlen
                       + 4 * net->nparams + 4;
    unsigned char *buf, *p;
    size_t l, j;

    if (mlen > DG_MODEL_MAX_META)
        return dg_seterr(e, "metadata too long (%zu bytes)", mlen);
    buf = calloc(1, len);
    if (buf == NULL)
        return dg_seterr(e, "out of memory encoding the model");
    memcpy(buf, DG_MODEL_MAGIC, 8);
    put_u32(buf + 8, DG_MODEL_VERSION);
    put_u32(buf + 12, (uint32_t)net->nlayers);
    put_u32(buf + 16, (uint32_t)mlen);
    p = buf + HEADER;
    for (l = 0; l < net->nlayers; l++, p += LAYER_REC) {
        put_u32(p, net->layer[l].kind);
        put_u32(p + 4, net->layer[l].act);
        put_u32(p + 8, net->layer[l].in);
        put_u32(p + 12, net->layer[l].out);
        for (j = 0; j < 4; j++)
            put_u32(p + 16 + 4 * j, net->layer[l].geom[j]);
    }
    memcpy(p, net->meta, tlen);
    memset(p + tlen, '\n', pad);
    p += mlen;
    for (j = 0; j < net->nparams; j++, p += 4)
        put_f32(p, net->params[j]);
    put_u32(p, crc_of(buf, len - 4));
    *bufp = buf;
    *lenp = len;
    return 0;
}

int dg_model_encode(const dg_net *net, unsigned char **bufp, size_t *lenp,
                    dg_err *e)
{
    unsigned char *buf = NULL, *one = NULL, *grown;
    size_t len = 0, n = 0;

    if (dg_cascade_check(net, e) < 0)
        return -1;
    for (; net != NULL; net = net->next) {
        if (encode_one(net, &one, &n, e) < 0) {
            free(buf);
            return -1;
        }
        grown = realloc(buf, len + n);
        if (grown == NULL) {
            free(one);
            free(buf);
            return dg_seterr(e, "out of memory encoding the model");
        }
        memcpy(grown + len, one, n);
        free(one);
        buf = grown;
        len += n;
    }
    *bufp = buf;
    *lenp = len;
    return 0;
}

/* Read the layer table at p (n records) into net and check it. */
static int decode_layers(dg_net *net, const unsigned char *p, size_t n,
                         dg_err *e)
{
    size_t l, j;

    for (l = 0; l < n; l++, p += LAYER_REC) {
        dg_layer *ly = &net->layer[l];

        ly->kind = get_u32(p);
        ly->act = get_u32(p + 4);
        ly->in = get_u32(p + 8);
        ly->out = get_u32(p + 12);
        for (j = 0; j < 4; j++)
            ly->geom[j] = get_u32(p + 16 + 4 * j);
    }
    net->nlayers = n;
    return dg_net_layout(net, e);
}

/* Floats one image needs through net: every layer's output and the
 * largest convolution's column buffer; *macs gets its multiply-adds. */
static size_t per_image(const dg_net *net, double *macs)
{
    size_t l, total = dg_net_in(net), cols = 0;

    *macs = 0.0;
    for (l = 0; l < net->nlayers; l++) {
        const dg_layer *ly = &net->layer[l];
        dg_conv_geom g;

        total += ly->out;
        if (ly->kind == DG_LAYER_DENSE)
            *macs += (double)ly->in * ly->out;
        if (ly->kind != DG_LAYER_CONV)
            continue;
        g.c = ly->geom[0];
        g.h = ly->geom[1];
        g.w = ly->in / (g.c * g.h);
        g.k = ly->geom[2];
        g.oc = ly->geom[3];
        if (dg_conv_forward_scratch(1, &g) > cols)
            cols = dg_conv_forward_scratch(1, &g);
        *macs += (double)g.oc * g.c * g.k * g.k * g.h * g.w;
    }
    return total + cols;
}

size_t dg_model_act_floats(const dg_net *net)
{
    double macs;

    return per_image(net, &macs);
}

size_t dg_model_batch(const dg_net *net, size_t want)
{
    const size_t per = dg_model_act_floats(net);
    const size_t fit = per > 0 ? DG_MODEL_ACT_BUDGET / per : want;

    return want < fit ? want : fit > 0 ? fit : 1;
}

/* What a laid-out net may cost to run (digitmodel(5), LIMITS): no
 * pooling that does nothing, and bounded memory and work per image, so
 * a small hostile file cannot make a reader allocate gigabytes. */
static int check_cost(const dg_net *net, dg_err *e)
{
    double macs;
    size_t l, act = per_image(net, &macs);

    for (l = 0; l < net->nlayers; l++)
        if (net->layer[l].kind == DG_LAYER_MAXPOOL
            && net->layer[l].geom[2] < 2)
            return dg_seterr(e, "layer %zu: pooling over 1x1 blocks does "
                             "nothing", l + 1);
    if (act > DG_MODEL_MAX_ACT)
        return dg_seterr(e, "too costly: %zu activations per image (limit "
                         "%u)", act, DG_MODEL_MAX_ACT);
    if (macs > DG_MODEL_MAX_MACS)
        return dg_seterr(e, "too costly: %.0f multiply-adds per image "
                         "(limit %u)", macs, DG_MODEL_MAX_MACS);
    return 0;
}

/* The header's counts and the layer table of buf, checked. */
static int decode_head(dg_net *net, const unsigned char *buf, size_t len,
                       size_t *mlenp, dg_err *e)
{
    size_t n, mlen;
    uint32_t version;

    if (len < 8 || memcmp(buf, DG_MODEL_MAGIC, 8) != 0)
        return dg_seterr(e, "bad magic: not a digitfilters model");
    if (len < HEADER)
        return dg_seterr(e, "truncated: %zu bytes, shorter than the header",
                         len);
    version = get_u32(buf + 8);
    if (version != DG_MODEL_VERSION)
        return dg_seterr(e, "unsupported format version %u (this build "
                         "reads version %d)", version, DG_MODEL_VERSION);
    n = get_u32(buf + 12);
    mlen = get_u32(buf + 16);
    if (n < 1 || n > DG_MAX_LAYERS)
        return dg_seterr(e, "inconsistent sizes: %zu layers (1 to %d)", n,
                         DG_MAX_LAYERS);
    if (mlen > DG_MODEL_MAX_META)
        return dg_seterr(e, "inconsistent sizes: metadata of %zu bytes",
                         mlen);
    if (len < HEADER + LAYER_REC * n)
        return dg_seterr(e, "truncated: %zu bytes, the layer table needs "
                         "%zu", len, (size_t)(HEADER + LAYER_REC * n));
    if (decode_layers(net, buf + HEADER, n, e) < 0 || check_cost(net, e) < 0)
        return -1;
    *mlenp = mlen;
    return 0;
}

/* Copy the metadata text of mlen bytes at p into net, without the
 * newlines the writer padded it with. */
static int decode_meta(dg_net *net, const unsigned char *p, size_t mlen,
                       dg_err *e)
{
    size_t tlen;

    net->meta = malloc(mlen + 1);
    if (net->meta == NULL)
        return dg_seterr(e, "out of memory loading the model");
    memcpy(net->meta, p, mlen);
    net->meta[mlen] = '\0';
    if (strlen(net->meta) != mlen)
        return dg_seterr(e, "metadata contains a NUL byte");
    for (tlen = mlen; tlen > 0 && net->meta[tlen - 1] == '\n'
         && (tlen == 1 || net->meta[tlen - 2] == '\n'); tlen--)
        net->meta[tlen - 1] = '\0';
    return 0;
}

/* The parameters at p into net->params; every one must be finite. */
static int decode_params(dg_net *net, const unsigned char *p, dg_err *e)
{
    size_t j;

    net->params = malloc((net->nparams ? net->nparams : 1)
                         * sizeof *net->params);
    if (net->params == NULL)
        return dg_seterr(e, "out of memory loading the model");
    for (j = 0; j < net->nparams; j++, p += 4) {
        net->params[j] = get_f32(p);
        if (!isfinite(net->params[j]))
            return dg_seterr(e, "parameter %zu is not a finite number",
                             j + 1);
    }
    return 0;
}

/* Parse and check the network whose block starts buf (len bytes left
 * in the file); *used gets the block's length.  A longer rest is the
 * next network of a cascade when it starts with the magic. */
static int decode_one(dg_net *net, const unsigned char *buf, size_t len,
                      size_t *used, dg_err *e)
{
    size_t mlen = 0, want;
    const unsigned char *p;

    memset(net, 0, sizeof *net);
    if (decode_head(net, buf, len, &mlen, e) < 0)
        return -1;
    want = HEADER + LAYER_REC * net->nlayers + mlen + 4 * net->nparams + 4;
    if (len < want)
        return dg_seterr(e, "truncated: %zu bytes, expected %zu", len, want);
    if (len > want && (len - want < 8
                       || memcmp(buf + want, DG_MODEL_MAGIC, 8) != 0))
        return dg_seterr(e, "wrong length: %zu bytes, expected %zu "
                         "(trailing data)", len, want);
#ifndef DG_FUZZ_NO_CRC
    /* (Fuzzing builds skip this check so that damaged files reach the
     * checks after it.) */
    if (crc_of(buf, want - 4) != get_u32(buf + want - 4))
        return dg_seterr(e, "checksum mismatch: the file is damaged");
#endif
    p = buf + HEADER + LAYER_REC * net->nlayers;
    if (decode_meta(net, p, mlen, e) < 0
        || decode_params(net, p + mlen, e) < 0) {
        dg_net_free(net);
        return -1;
    }
    *used = want;
    return 0;
}

/* The threshold of a cascade's later member, from its metadata. */
static int decode_below(dg_net *m, size_t i, dg_err *e)
{
    char v[64], *end;
    double b;

    if (dg_meta_get(m, "cascade_below", v, sizeof v) < 0)
        return dg_seterr(e, "network %zu of the cascade has no "
                         "cascade_below", i);
    b = strtod(v, &end);
    if (end == v || *end != '\0' || !(b > 0 && b <= 1))
        return dg_seterr(e, "network %zu of the cascade: cascade_below "
                         "'%s' is not in (0, 1]", i, v);
    m->below = (float)b;
    return 0;
}

/* Parse and check a model of len bytes at buf: one network, or the
 * members of a cascade one after another. */
static int decode(dg_net *net, const unsigned char *buf, size_t len,
                  dg_err *e)
{
    dg_net **tail = &net->next;
    size_t used, at, i = 1;
    double macs = 0, one;

    if (decode_one(net, buf, len, &used, e) < 0)
        return -1;
    per_image(net, &macs);
    for (at = used; at < len; at += used) {
        if (++i > DG_CASCADE_MAX) {
            dg_net_free(net);
            return dg_seterr(e, "a cascade of more than %d networks",
                             DG_CASCADE_MAX);
        }
        *tail = malloc(sizeof **tail);
        if (*tail == NULL) {
            dg_net_free(net);
            return dg_seterr(e, "out of memory loading the model");
        }
        if (decode_one(*tail, buf + at, len - at, &used, e) < 0) {
            free(*tail);
            *tail = NULL;
            dg_net_free(net);
            return dg_preerr(e, "network %zu of the cascade", i);
        }
        per_image(*tail, &one);
        macs += one;
        if (decode_below(*tail, i, e) < 0) {
            dg_net_free(net);
            return -1;
        }
        tail = &(*tail)->next;
    }
    if (macs > DG_MODEL_MAX_MACS) {
        dg_net_free(net);
        return dg_seterr(e, "too costly: %.0f multiply-adds per image "
                         "(limit %u)", macs, DG_MODEL_MAX_MACS);
    }
    if (dg_cascade_check(net, e) < 0) {
        dg_net_free(net);
        return -1;
    }
    return 0;
}

int dg_model_decode(dg_net *net, const unsigned char *buf, size_t len,
                    dg_err *e)
{
    return decode(net, buf, len, e);
}



int dg_model_save(const dg_net *net, const char *path, dg_err *e)
{
    unsigned char *buf;
    size_t len;
    int rc = 0;

    if (dg_model_encode(net, &buf, &len, e) < 0)
        return -1;
    if (strcmp(path, "-") != 0) {
        rc = dg_replace_file(path, buf, len, e);
    } else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
        rc = dg_seterr(e, "standard output: write error: %s",
                       strerror(errno));
    }
    free(buf);
    return rc;
}

/* Open path for reading without blocking on a FIFO, and check it is a
 * regular file of a model's size; its length goes to *len.  Returns
 * the descriptor or -1. */
static int open_model(const char *path, size_t *len, dg_err *e)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return dg_seterr(e, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        dg_seterr(e, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dg_seterr(e, "%s: %s", path, S_ISDIR(st.st_mode)
                         ? strerror(EISDIR) : "not a regular file");
    }
    if ((unsigned long long)st.st_size > DG_MODEL_MAX_BYTES) {
        close(fd);
        return dg_seterr(e, "%s: too large for a model (%lld bytes, limit "
                         "%zu)", path, (long long)st.st_size,
                         DG_MODEL_MAX_BYTES);
    }
    *len = (size_t)st.st_size;
    return fd;
}

/* Read up to cap bytes of fd into buf; the count, or -1 with errno. */
static ssize_t read_upto(int fd, unsigned char *buf, size_t cap)
{
    size_t got = 0;

    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int dg_model_load(dg_net *net, const char *path, dg_err *e)
{
    unsigned char *buf;
    size_t len = 0;
    ssize_t got;
    int fd, rc;

    /* The whole file is read into memory (not mapped): a model replaced
     * or truncated while a job runs must not kill the job. */
    memset(net, 0, sizeof *net);
    fd = open_model(path, &len, e);
    if (fd < 0)
        return -1;
    buf = malloc(len + 1);
    if (buf == NULL) {
        close(fd);
        return dg_seterr(e, "%s: out of memory", path);
    }
    /* One byte more than the size: a file growing meanwhile shows. */
    got = read_upto(fd, buf, len + 1);
    close(fd);
    if (got < 0)
        rc = dg_seterr(e, "read error: %s", strerror(errno));
    else if ((size_t)got > len)
        rc = dg_seterr(e, "the file grew while being read");
    else
        rc = decode(net, buf, (size_t)got, e);
    free(buf);
    if (rc < 0)
        return dg_preerr(e, "%s", path);
    return 0;
}
