/* test_image.c - PNM stream input and PGM output (pnmio), and image
 * allocation limits. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "pnmio.h"
#include "tap.h"

/* A reader over the bytes of s (len bytes). */
static FILE *stream(const void *s, size_t len)
{
    FILE *f = tmpfile();

    fwrite(s, 1, len, f);
    rewind(f);
    return f;
}

static int read_all(const void *s, size_t len, dg_image *im, int *count,
                    dg_err *e)
{
    FILE *f = stream(s, len);
    dg_pnm_reader *r = dg_pnm_open(f, e);
    int rc;

    *count = 0;
    while ((rc = dg_pnm_read(r, im, e)) > 0)
        (*count)++;
    dg_pnm_close(r);
    fclose(f);
    return rc;
}

/* A 5x3 PGM read with at most 6 pixels: reduced twice, to 3x2, each
 * pixel the mean of its block (partial at the edges). */
static void test_reduce(void)
{
    static const unsigned char pgm[] = "P5\n5 3\n255\n"
        "\x00\x00\xff\xff\x10" "\x00\x00\xff\xff\x10"
        "\x80\x80\x00\x00\x30";
    static const char pbm[] = "P1\n4 2\n1 1 0 0\n1 1 0 1\n";
    FILE *f = stream(pgm, sizeof pgm - 1);
    dg_pnm_reader *r = dg_pnm_open(f, NULL);
    dg_image im = { 0, 0, NULL };
    dg_err e;
    int rc;

    dg_pnm_reduce_above(r, 6);
    rc = dg_pnm_read(r, &im, &e);
    tap_ok(rc == 1 && im.w == 3 && im.h == 2
           && dg_pnm_last(r)->scale == 2, "reduce: 5x3 over 6 pixels is "
           "read as 3x2 (%zux%zu)", im.w, im.h);
    tap_ok(rc == 1 && im.px[0] == 0.0f && im.px[1] == 1.0f
           && fabsf(im.px[2] - 16 / 255.0f) < 1e-6
           && fabsf(im.px[3] - 128 / 255.0f) < 1e-6 && im.px[4] == 0.0f
           && fabsf(im.px[5] - 48 / 255.0f) < 1e-6,
           "reduce: each pixel the mean of its block");
    dg_pnm_close(r);
    fclose(f);
    f = stream(pbm, sizeof pbm - 1);
    r = dg_pnm_open(f, NULL);
    dg_pnm_reduce_above(r, 2);
    rc = dg_pnm_read(r, &im, &e);
    tap_ok(rc == 1 && im.w == 2 && im.h == 1 && im.px[0] == 0.0f
           && fabsf(im.px[1] - 0.75f) < 1e-6, "reduce: a PBM's blocks "
           "become grey (%f)", im.px[1]);
    dg_pnm_close(r);
    fclose(f);
    dg_image_free(&im);
}

int main(void)
{
    static const unsigned char pgm[] = "P5\n3 2\n255\n\x00\x80\xff\x10\x20\x30";
    static const char plain[] = "P2\n2 2\n15\n0 15\n5 10\n";
    /* red ink, white paper, grey */
    static const unsigned char ppm[] = "P6\n3 1\n255\n\xff\x00\x00"
                                       "\xff\xff\xff\x80\x80\x80";
    static const unsigned char bw[] = "P6\n2 1\n255\n\x40\x40\x40"
                                      "\xff\xff\xff";
    static const char pbm[] = "P1\n3 1\n1 0 1\n";
    static const unsigned char deep[] = "P5\n2 1\n65535\n\xff\xff\x80\x00";
    static const char pam[] = "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\n"
                              "TUPLTYPE RGB\nENDHDR\n\x00\xa0\x00"
                              "\xff\xff\xff";
    unsigned char two[2 * (sizeof pgm - 1)];
    dg_image im = { 0, 0, NULL };
    dg_err e;
    int n, rc;
    FILE *f;
    char *buf;
    size_t len;

    dg_pnm_init("test_image");
    rc = read_all(pgm, sizeof pgm - 1, &im, &n, &e);
    tap_ok(rc == 0 && n == 1 && im.w == 3 && im.h == 2, "raw PGM: one 3x2 "
           "image");
    tap_ok(im.px[0] == 0.0f && fabsf(im.px[1] - 128 / 255.0f) < 1e-6
           && im.px[2] == 1.0f, "raw PGM: samples / maxval");

    rc = read_all(plain, sizeof plain - 1, &im, &n, &e);
    tap_ok(rc == 0 && n == 1 && im.px[1] == 1.0f
           && fabsf(im.px[2] - 5 / 15.0f) < 1e-6, "plain PGM with maxval 15");

    /* Colour becomes grey by weights decided from the image: the
     * channels where the ink is dark count. */
    rc = read_all(ppm, sizeof ppm - 1, &im, &n, &e);
    tap_ok(rc == 0 && im.px[0] < 0.15f && im.px[1] > 0.99f,
           "PPM: red ink on white is dark, not its luma 0.299 (%f %f)",
           im.px[0], im.px[1]);
    tap_ok(rc == 0 && fabsf(im.px[2] - 128 / 255.0f) < 1e-3,
           "PPM: grey stays its level (%f)", im.px[2]);
    rc = read_all(bw, sizeof bw - 1, &im, &n, &e);
    tap_ok(rc == 0 && fabsf(im.px[0] - 64 / 255.0f) < 1e-3
           && im.px[1] > 0.99f, "PPM: black ink weighs the channels alike "
           "(%f)", im.px[0]);

    rc = read_all(pam, sizeof pam - 1, &im, &n, &e);
    tap_ok(rc == 0 && im.px[0] < 0.05f && im.px[1] > 0.99f, "PAM RGB: "
           "green ink on white is dark, not its luma 0.36 (%f)", im.px[0]);

    rc = read_all(pbm, sizeof pbm - 1, &im, &n, &e);
    tap_ok(rc == 0 && im.w == 3 && im.px[0] == 0.0f && im.px[1] == 1.0f,
           "PBM: black (1 in the file) is 0, white is 1");

    rc = read_all(deep, sizeof deep - 1, &im, &n, &e);
    tap_ok(rc == 0 && im.px[0] == 1.0f
           && fabsf(im.px[1] - 32768 / 65535.0f) < 1e-6, "16-bit PGM");

    memcpy(two, pgm, sizeof pgm - 1);
    memcpy(two + sizeof pgm - 1, pgm, sizeof pgm - 1);
    two[sizeof pgm - 1 + 11] = 0x42;
    rc = read_all(two, sizeof two, &im, &n, &e);
    tap_ok(rc == 0 && n == 2 && fabsf(im.px[0] - 0x42 / 255.0f) < 1e-6,
           "a stream of two images gives both, in order");

    rc = read_all(pgm, sizeof pgm - 3, &im, &n, &e);
    tap_ok(rc < 0 && n == 0 && strstr(e.msg, "truncated") != NULL,
           "truncated raster refused: \"%s\"", e.msg);
    rc = read_all(two, sizeof two - 2, &im, &n, &e);
    tap_ok(rc < 0 && n == 1, "truncated second image: the first is read, "
           "then an error");
    rc = read_all("hello world\n", 12, &im, &n, &e);
    tap_ok(rc < 0 && n == 0 && strstr(e.msg, "not a valid PNM") != NULL,
           "garbage refused: \"%s\"", e.msg);
    rc = read_all("P5\n100000 100000\n255\n", 21, &im, &n, &e);
    tap_ok(rc < 0 && strstr(e.msg, "too large") != NULL,
           "a 100000x100000 header refused before allocating: \"%s\"",
           e.msg);
    rc = read_all("P5\n16000 16000\n255\n\x01\x02", 21, &im, &n, &e);
    tap_ok(rc < 0 && strstr(e.msg, "truncated") != NULL,
           "a large header with two bytes of data: truncated, not a "
           "256 MB allocation (\"%s\")", e.msg);
    rc = read_all("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 5\nMAXVAL 255\nENDHDR\n"
                  "\1\2\3\4\5", 48, &im, &n, &e);
    tap_ok(rc < 0 && strstr(e.msg, "depth") != NULL,
           "PAM of depth 5 refused: \"%s\"", e.msg);
    rc = read_all("", 0, &im, &n, &e);
    tap_ok(rc == 0 && n == 0, "an empty stream has no images");
    {
        static const char junk[] = "P5\n3 2\n255\n\x00\x80\xff\x10\x20\x30junk";

        rc = read_all(junk, sizeof junk - 1, &im, &n, &e);
    }
    tap_ok(rc < 0 && n == 1, "junk after an image is an error on the next");

    f = open_memstream(&buf, &len);
    dg_image_reshape(&im, 2, 1, &e);
    im.px[0] = 0.0f;
    im.px[1] = 0.5f;
    rc = dg_pgm_write(f, &im, &e);
    fclose(f);
    tap_ok(rc == 0 && len == 13 && memcmp(buf, "P5\n2 1\n255\n\x00\x80", 13)
           == 0, "PGM output: header and rounded bytes");
    free(buf);

    f = fopen("/dev/full", "w");
    if (f != NULL) {
        setvbuf(f, NULL, _IONBF, 0);
        tap_ok(dg_pgm_write(f, &im, &e) < 0, "a write to /dev/full fails");
        fclose(f);
    }
    dg_image_free(&im);
    tap_ok(dg_image_alloc(&im, 0, 5, &e) < 0
           && dg_image_alloc(&im, (size_t)1 << 20, (size_t)1 << 20, &e) < 0,
           "images of no pixels or beyond the limit refused");
    dg_image_free(&im);
    test_reduce();
    return tap_done();
}
