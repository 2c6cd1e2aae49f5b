/* seeds.c - write the seed corpus of the fuzz targets: small valid
 * inputs of every kind each target reads, one file each, into
 * DIR/pnm, DIR/strip, DIR/model and DIR/idx (the directories must
 * exist).  Made by a program rather than kept as binary files. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cascade.h"
#include "model.h"
#include "net.h"
#include "rng.h"

static const char *dir;

/* Write len bytes to DIR/name; exit 1 on failure. */
static void put(const char *name, const void *buf, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void put_text(const char *name, const char *text)
{
    put(name, text, strlen(text));
}

/* A raw PGM w x h with a bar of ink (bright when bright, else dark on
 * white) in each 28-wide cell, appended to buf at *len. */
static void pgm(unsigned char *buf, size_t *len, int w, int h, int bright)
{
    int x, y;

    *len += (size_t)sprintf((char *)buf + *len, "P5\n%d %d\n255\n", w, h);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            buf[(*len)++] = (unsigned char)((x % 28 >= 12 && x % 28 <= 15
                                             && y >= 4 && y < h - 4)
                                            == bright ? 255 : 0);
}

static void pnm_seeds(void)
{
    static unsigned char b[1 << 16];
    size_t n = 0;

    put_text("pnm/plain.pbm", "P1\n6 4\n0 1 1 0 0 0\n0 1 0 0 1 0\n"
             "0 1 1 1 1 0\n0 0 0 0 1 0\n");
    put("pnm/raw.pbm", "P4\n8 3\n\x18\x3c\x18", 10);
    put_text("pnm/plain.pgm", "P2\n4 3\n15\n0 15 15 0\n15 0 0 15\n"
             "0 15 15 0\n");
    put_text("pnm/plain.ppm", "P3\n2 2\n255\n255 0 0 0 0 255\n"
             "0 0 0 255 255 255\n");
    put("pnm/raw.ppm", "P6\n2 1\n255\n\xff\x00\x00\x10\x20\x30", 17);
    put("pnm/16bit.pgm", "P5\n2 1\n65535\n\xff\xff\x00\x01", 17);
    put_text("pnm/alpha.pam", "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\n"
             "TUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n\x80\xff\x10\xff");
    pgm(b, &n, 40, 36, 0);
    put("pnm/digit.pgm", b, n);
    n = 0;
    pgm(b, &n, 84, 40, 0);
    put("pnm/number.pgm", b, n);
    pgm(b, &n, 28, 28, 1);
    put("pnm/stream.pgm", b, n);
}

static void strip_seeds(void)
{
    static unsigned char b[1 << 14];
    size_t n = 0;

    pgm(b, &n, 28, 28, 1);
    put("strip/cell.pgm", b, n);
    n = 0;
    pgm(b, &n, 56, 28, 1);
    put("strip/two.pgm", b, n);
    n = 0;
    pgm(b, &n, 30, 28, 1);
    put("strip/odd.pgm", b, n);
}

/* Encode net into DIR/name and free it. */
static void put_net(const char *name, dg_net *net)
{
    unsigned char *buf;
    size_t len;
    dg_rng r;
    dg_err e;

    dg_rng_seed(&r, 3);
    dg_net_init_he(net, &r);
    if (dg_meta_set(net, "architecture", "seed", &e) < 0
        || dg_model_encode(net, &buf, &len, &e) < 0) {
        fprintf(stderr, "seeds: %s\n", e.msg);
        exit(1);
    }
    put(name, buf, len);
    free(buf);
    dg_net_free(net);
}

static void model_seeds(void)
{
    const size_t one = 1, convs[1] = { 1 };
    dg_net net;
    dg_err e;

    if (dg_net_mlp(&net, 784, &one, 1, 11, &e) == 0)
        put_net("model/mlp.model", &net);
    if (dg_net_cnn(&net, 28, convs, 1, 3, NULL, 0, 10, &e) == 0)
        put_net("model/cnn.model", &net);
    /* A cascade: two networks one after another (cascade.h). */
    if (dg_net_mlp(&net, 784, &one, 1, 11, &e) == 0) {
        dg_net second;
        dg_rng r;

        if (dg_net_cnn(&second, 28, convs, 1, 3, NULL, 0, 11, &e) == 0) {
            dg_rng_seed(&r, 4);
            dg_net_init_he(&second, &r);
            if (dg_cascade_append(&net, &second, 0.9, &e) < 0) {
                fprintf(stderr, "seeds: %s\n", e.msg);
                exit(1);
            }
        }
        put_net("model/cascade.model", &net);
    }
}

static void idx_seeds(void)
{
    static unsigned char b[2 * 784 + 16];
    unsigned char gz[4096];
    uLongf glen = sizeof gz;
    size_t j;

    memcpy(b, "\0\0\x08\x03\0\0\0\x02\0\0\0\x1c\0\0\0\x1c", 16);
    for (j = 0; j < 2 * 784; j++)
        b[16 + j] = (unsigned char)(j % 28 == 14 ? 255 : 0);
    put("idx/images.idx", b, sizeof b);
    put("idx/labels.idx", "\0\0\x08\x01\0\0\0\x03\x01\x07\x09", 11);
    put("idx/matrix.idx", "\0\0\x08\x02\0\0\0\x02\0\0\0\x02\x01\x02\x03\x04",
        16);
    /* The same images gzipped, as MNIST is distributed. */
    {
        z_stream z;

        memset(&z, 0, sizeof z);
        deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        z.next_in = b;
        z.avail_in = sizeof b;
        z.next_out = gz;
        z.avail_out = (uInt)glen;
        deflate(&z, Z_FINISH);
        glen = sizeof gz - z.avail_out;
        deflateEnd(&z);
    }
    put("idx/images.idx.gz", gz, glen);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: seeds DIR\n", stderr);
        return 2;
    }
    dir = argv[1];
    pnm_seeds();
    strip_seeds();
    model_seeds();
    idx_seeds();
    return 0;
}
