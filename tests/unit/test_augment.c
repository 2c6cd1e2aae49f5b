/* test_augment.c - each transform of augment.h does what it says. */
#include <config.h>

#include <math.h>
#include <string.h>
#include <time.h>

#include "augment.h"
#include "image.h"
#include "tap.h"

#define N DG_CELL
#define NN DG_CELL_PIXELS

/* A test digit: a rough "7" of full-ink strokes, 3 px wide. */
static void draw_seven(float *im)
{
    int x, y;

    memset(im, 0, NN * sizeof *im);
    for (y = 6; y < 9; y++)
        for (x = 8; x < 21; x++)
            im[y * N + x] = 1.0f;
    for (y = 9; y < 23; y++)
        for (x = 0; x < 3; x++)
            im[y * N + 19 - (y - 9) / 2 + x] = 1.0f;
}

static double ink(const float *im)
{
    double s = 0.0;
    int i;

    for (i = 0; i < NN; i++)
        s += im[i];
    return s;
}

/* Intensity centre of mass. */
static void centre_of_mass(const float *im, double *cx, double *cy)
{
    double s = 0.0, sx = 0.0, sy = 0.0;
    int x, y;

    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++) {
            s += im[y * N + x];
            sx += x * im[y * N + x];
            sy += y * im[y * N + x];
        }
    *cx = sx / s;
    *cy = sy / s;
}

/* Spread of the ink along x and y (second central moments). */
static void spread(const float *im, double *vx, double *vy)
{
    double cx, cy, s = 0.0, mx = 0.0, my = 0.0;
    int x, y;

    centre_of_mass(im, &cx, &cy);
    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++) {
            double w = im[y * N + x];

            s += w;
            mx += w * (x - cx) * (x - cx);
            my += w * (y - cy) * (y - cy);
        }
    *vx = mx / s;
    *vy = my / s;
}

static int in_range(const float *im)
{
    int i;

    for (i = 0; i < NN; i++)
        if (!(im[i] >= 0.0f && im[i] <= 1.0f))
            return 0;
    return 1;
}

/* Options with only the given range forced, applied with probability 1. */
static dg_aug_opts only(void)
{
    dg_aug_opts o;

    dg_aug_defaults(&o);
    dg_aug_none(&o);
    return o;
}

static void test_options(void)
{
    dg_aug_opts o;
    dg_err e;

    dg_aug_defaults(&o);
    tap_ok(dg_aug_check(&o, &e) == 0, "defaults pass dg_aug_check");
    tap_ok(o.rotate.p == 0.7 && o.rotate.lo == -20 && o.rotate.hi == 20
           && o.elastic.p == 0.3 && o.elastic.lo == 30 && o.elastic.hi == 40
           && o.elastic_sigma_lo == 5 && o.elastic_sigma_hi == 7
           && o.shift.hi == 3 && o.shear.hi == 0.3 && o.scale.lo == 0.7
           && o.p_thicken == 0.3 && o.p_thin == 0.3 && o.noise.p == 0.2
           && fabs(o.noise.hi * 255.0 - 25.0) < 1e-9 && o.blur.hi == 1.0,
           "defaults are the original recipe");
    o.rotate.p = 1.5;
    tap_ok(dg_aug_check(&o, &e) < 0 && strstr(e.msg, "rotate") != NULL,
           "a probability above 1 is refused, naming the transform");
    dg_aug_defaults(&o);
    o.scale.lo = 1.2;
    o.scale.hi = 1.1;
    tap_ok(dg_aug_check(&o, &e) < 0, "an empty range is refused");
    dg_aug_defaults(&o);
    o.scale.lo = 0.0;
    tap_ok(dg_aug_check(&o, &e) < 0, "a scale of 0 is refused");
    dg_aug_defaults(&o);
    o.p_thicken = o.p_thin = 0.6;
    tap_ok(dg_aug_check(&o, &e) < 0, "thicken + thin above 1 is refused");
    dg_aug_defaults(&o);
    o.blur.hi = DG_AUG_MAX_BLUR * 2;
    tap_ok(dg_aug_check(&o, &e) < 0, "a huge blur is refused");
    dg_aug_defaults(&o);
    o.shift.hi = NAN;
    tap_ok(dg_aug_check(&o, &e) < 0, "NaN is refused");
}

static void test_identity_and_seed(const float *seven)
{
    float a[NN], b[NN];
    dg_aug_opts o = only();
    dg_rng r;
    int i, same = 1, differ = 0;

    dg_rng_seed(&r, 1);
    dg_augment(seven, a, &o, &r);
    tap_ok(memcmp(a, seven, sizeof a) == 0,
           "all transforms off: an exact copy");

    dg_aug_defaults(&o);
    for (i = 0; i < 50; i++) {
        dg_rng_seed2(&r, 7, (uint64_t)i);
        dg_augment(seven, a, &o, &r);
        dg_rng_seed2(&r, 7, (uint64_t)i);
        dg_augment(seven, b, &o, &r);
        same &= memcmp(a, b, sizeof a) == 0;
        dg_rng_seed2(&r, 8, (uint64_t)i);
        dg_augment(seven, b, &o, &r);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    tap_ok(same, "the same rng state gives the same bytes");
    tap_ok(differ >= 45, "another seed gives other images (%d of 50)",
           differ);
}

static void test_shift(const float *seven)
{
    float out[NN], edge[NN];
    dg_aug_opts o = only();
    dg_rng r;
    double cx0, cy0, cx, cy;
    int x, y, wrapped = 0;

    dg_rng_seed(&r, 3);
    o.shift = (dg_aug_range){ 1.0, 2.0, 2.0 };
    dg_augment(seven, out, &o, &r);
    centre_of_mass(seven, &cx0, &cy0);
    centre_of_mass(out, &cx, &cy);
    tap_ok(fabs(cx - cx0 - 2.0) < 1e-4 && fabs(cy - cy0 - 2.0) < 1e-4,
           "a shift of (2, 2) moves the centre of mass by (%.3f, %.3f)",
           cx - cx0, cy - cy0);
    tap_ok(fabs(ink(out) - ink(seven)) < 1e-3,
           "a shift that keeps the ink inside keeps all of it");

    o.shift = (dg_aug_range){ 1.0, -1.5, -1.5 };
    dg_augment(seven, out, &o, &r);
    centre_of_mass(out, &cx, &cy);
    tap_ok(fabs(cx - cx0 + 1.5) < 1e-3 && fabs(cy - cy0 + 1.5) < 1e-3,
           "a fractional shift of (-1.5, -1.5) moves it by (%.3f, %.3f)",
           cx - cx0, cy - cy0);

    /* Ink in the last three columns, shifted right by 3: it must leave
     * the image, not come back on the left. */
    memset(edge, 0, sizeof edge);
    for (y = 4; y < 24; y++)
        for (x = N - 3; x < N; x++)
            edge[y * N + x] = 1.0f;
    o.shift = (dg_aug_range){ 1.0, 3.0, 3.0 };
    dg_augment(edge, out, &o, &r);
    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++)
            wrapped += out[y * N + x] != 0.0f;
    tap_ok(wrapped == 0, "ink shifted out of the border disappears "
           "(%d pixels reappeared)", wrapped);
}

static void test_rotate(void)
{
    float bar[NN], out[NN];
    dg_aug_opts o = only();
    dg_rng r;
    double vx0, vy0, vx, vy, cx, cy;
    int x, y;

    memset(bar, 0, sizeof bar);
    for (y = 13; y < 15; y++)
        for (x = 4; x < 24; x++)
            bar[y * N + x] = 1.0f;
    dg_rng_seed(&r, 5);
    o.rotate = (dg_aug_range){ 1.0, 90.0, 90.0 };
    dg_augment(bar, out, &o, &r);
    spread(bar, &vx0, &vy0);
    spread(out, &vx, &vy);
    centre_of_mass(out, &cx, &cy);
    tap_ok(vx0 > 10 * vy0 && vy > 10 * vx,
           "rotating by 90 degrees turns a horizontal bar vertical "
           "(spread x %.1f y %.1f -> x %.1f y %.1f)", vx0, vy0, vx, vy);
    tap_ok(fabs(cx - 13.5) < 0.01 && fabs(cy - 13.5) < 0.01,
           "rotation is about the centre");

    /* A dot right of the centre goes up under a positive rotation. */
    memset(bar, 0, sizeof bar);
    bar[13 * N + 22] = bar[14 * N + 22] = 1.0f;
    dg_augment(bar, out, &o, &r);
    centre_of_mass(out, &cx, &cy);
    tap_ok(fabs(cx - 13.5) < 0.6 && cy < 6.0,
           "a positive angle turns counter-clockwise (%.1f, %.1f)", cx, cy);
}

static void test_scale_shear(const float *seven)
{
    float out[NN];
    dg_aug_opts o = only();
    dg_rng r;
    double vx0, vy0, vx, vy;

    dg_rng_seed(&r, 9);
    o.scale = (dg_aug_range){ 1.0, 0.5, 0.5 };
    dg_augment(seven, out, &o, &r);
    spread(seven, &vx0, &vy0);
    spread(out, &vx, &vy);
    tap_ok(fabs(sqrt(vx / vx0) - 0.5) < 0.08
           && fabs(sqrt(vy / vy0) - 0.5) < 0.08,
           "scale 0.5 halves the spread (x %.2f, y %.2f)", sqrt(vx / vx0),
           sqrt(vy / vy0));

    o = only();
    o.shear = (dg_aug_range){ 1.0, 0.3, 0.3 };
    dg_augment(seven, out, &o, &r);
    tap_ok(memcmp(out, seven, sizeof out) != 0 && in_range(out)
           && fabs(ink(out) - ink(seven)) < 0.1 * ink(seven),
           "a shear moves the ink and keeps its amount");
}

static void test_strokes(const float *seven)
{
    float out[NN];
    dg_aug_opts o = only();
    dg_rng r;
    double base = ink(seven), thick, thin;

    dg_rng_seed(&r, 11);
    o.p_thicken = 1.0;
    dg_augment(seven, out, &o, &r);
    thick = ink(out);
    o.p_thicken = 0.0;
    o.p_thin = 1.0;
    dg_augment(seven, out, &o, &r);
    thin = ink(out);
    tap_ok(thick > 1.5 * base, "thickening adds ink (%.0f -> %.0f)", base,
           thick);
    tap_ok(thin < 0.7 * base && thin > 0.0,
           "thinning removes ink (%.0f -> %.0f)", base, thin);
}

/* Column (x) of the centre of mass of rows y0 .. y1 of im. */
static double rows_cx(const float *im, int y0, int y1)
{
    double s = 0.0, m = 0.0;
    int x, y;

    for (y = y0; y <= y1; y++)
        for (x = 0; x < N; x++) {
            s += im[y * N + x];
            m += im[y * N + x] * x;
        }
    return s > 0.0 ? m / s : 0.0;
}

/* The transforms of how people write differ: aspect changes the width
 * alone, slant leans the top against the bottom, widen adds ink beyond
 * one thickening; all three are off by default. */
static void test_people(const float *seven)
{
    float out[NN], base[NN];
    dg_aug_opts o = only(), d;
    dg_rng r;
    double vx0, vy0, vx, vy, lean0, lean, thick;

    dg_aug_defaults(&d);
    tap_ok(d.aspect.p == 0.0 && d.slant.p == 0.0 && d.widen.p == 0.0,
           "aspect, slant and widen are off by default");
    dg_rng_seed(&r, 13);
    o.aspect = (dg_aug_range){ 1.0, 0.6, 0.6 };
    dg_augment(seven, out, &o, &r);
    spread(seven, &vx0, &vy0);
    spread(out, &vx, &vy);
    tap_ok(fabs(sqrt(vx / vx0) - 0.6) < 0.08 && fabs(vy / vy0 - 1.0) < 0.05,
           "aspect 0.6 narrows the width only (x %.2f, y %.2f)",
           sqrt(vx / vx0), sqrt(vy / vy0));
    o = only();
    o.slant = (dg_aug_range){ 1.0, 20.0, 20.0 };
    dg_augment(seven, out, &o, &r);
    lean0 = rows_cx(seven, 0, 13) - rows_cx(seven, 14, 27);
    lean = rows_cx(out, 0, 13) - rows_cx(out, 14, 27);
    /* The halves' centres are 7 to 14 rows apart: tan(20) of that. */
    tap_ok(fabs(lean - lean0) > 7.0 * tan(20.0 * M_PI / 180.0)
           && fabs(lean - lean0) < 14.0 * tan(20.0 * M_PI / 180.0),
           "slant 20 degrees leans the top against the bottom (%.2f px)",
           lean - lean0);
    o = only();
    o.p_thicken = 1.0;
    dg_augment(seven, base, &o, &r);
    thick = ink(base);
    o.widen = (dg_aug_range){ 1.0, 2.0, 2.0 };
    dg_augment(seven, out, &o, &r);
    tap_ok(ink(out) > 1.3 * thick && in_range(out),
           "widen 2 adds ink after thickening (%.0f -> %.0f)", thick,
           ink(out));
    o.widen = (dg_aug_range){ 1.0, -1.0, -1.0 };
    o.p_thicken = 0.0;
    dg_augment(seven, out, &o, &r);
    tap_ok(ink(out) < 0.7 * ink(seven), "widen -1 thins the strokes");
}

static void test_intensity(const float *seven)
{
    float out[NN];
    dg_aug_opts o = only();
    dg_rng r;
    int i, background = 0, max_ok = 1;

    dg_rng_seed(&r, 13);
    o.noise = (dg_aug_range){ 1.0, 25.0 / 255, 25.0 / 255 };
    dg_augment(seven, out, &o, &r);
    for (i = 0; i < NN; i++)
        background += seven[i] == 0.0f && out[i] > 0.0f;
    tap_ok(background > 100 && in_range(out),
           "noise lights up the background (%d pixels), clamped", background);

    o = only();
    o.brightness = (dg_aug_range){ 1.0, 0.5, 0.5 };
    dg_augment(seven, out, &o, &r);
    for (i = 0; i < NN; i++)
        max_ok &= fabsf(out[i] - 0.5f * seven[i]) < 1e-6f;
    tap_ok(max_ok, "brightness 0.5 halves every pixel");

    o = only();
    o.contrast = (dg_aug_range){ 1.0, 0.5, 0.5 };
    dg_augment(seven, out, &o, &r);
    tap_ok(out[0] > 0.0f && out[14 * N + 16] < 1.0f
           && fabs(ink(out) - ink(seven)) < 0.01,
           "contrast 0.5 pulls ink and paper towards the mean");

    o = only();
    o.blur = (dg_aug_range){ 1.0, 1.0, 1.0 };
    dg_augment(seven, out, &o, &r);
    tap_ok(fabs(ink(out) - ink(seven)) < 0.01 * ink(seven)
           && out[7 * N + 7] > 0.05f,
           "blur spreads the ink and keeps its amount");
}

static void test_elastic(const float *seven)
{
    float out[NN];
    dg_aug_opts o = only();
    dg_rng r;
    double cx0, cy0, cx, cy, moved = 0.0;
    int i;

    dg_rng_seed(&r, 17);
    o.elastic.p = 1.0;
    centre_of_mass(seven, &cx0, &cy0);
    for (i = 0; i < 20; i++) {
        dg_augment(seven, out, &o, &r);
        centre_of_mass(out, &cx, &cy);
        moved += fabs(cx - cx0) + fabs(cy - cy0);
        if (!in_range(out) || memcmp(out, seven, sizeof out) == 0
            || fabs(ink(out) - ink(seven)) > 0.3 * ink(seven))
            break;
    }
    tap_ok(i == 20, "elastic distortion changes the image, keeps the ink");
    tap_ok(moved / 20 < 3.0, "elastic distortion is local (centre moves "
           "%.2f px on average)", moved / 20);
}

/* Many variants with the defaults and with extreme settings: always
 * finite and in [0, 1]; also a rough timing. */
static void test_bounds_and_speed(const float *seven)
{
    float out[NN];
    dg_aug_opts o;
    dg_rng r;
    int i, ok = 1, count = 20000;
    clock_t t0;
    double us;

    dg_aug_defaults(&o);
    dg_rng_seed(&r, 19);
    t0 = clock();
    for (i = 0; i < count; i++) {
        dg_augment(seven, out, &o, &r);
        ok &= in_range(out);
    }
    us = (double)(clock() - t0) / CLOCKS_PER_SEC * 1e6 / count;
    tap_ok(ok, "%d variants with the defaults stay in [0, 1]", count);
    tap_diag("dg_augment with the defaults: %.2f us per image", us);

    o.rotate = (dg_aug_range){ 1.0, -1000.0, 1000.0 };
    o.scale = (dg_aug_range){ 1.0, 0.01, 100.0 };
    o.shift = (dg_aug_range){ 1.0, -1000.0, 1000.0 };
    o.shear = (dg_aug_range){ 1.0, -50.0, 50.0 };
    o.elastic = (dg_aug_range){ 1.0, 0.0, 10000.0 };
    o.contrast = (dg_aug_range){ 1.0, 0.0, 100.0 };
    o.blur = (dg_aug_range){ 1.0, 0.01, DG_AUG_MAX_BLUR };
    o.noise = (dg_aug_range){ 1.0, 0.0, 10.0 };
    for (i = 0; i < 2000; i++) {
        dg_augment(seven, out, &o, &r);
        ok &= in_range(out);
    }
    tap_ok(ok, "extreme settings stay finite and in [0, 1]");
}

/* The same variants whether made one after the other or by several
 * threads at once, each image with its own rng stream (as digittrain
 * does). */
static void test_threads(const float *seven)
{
    enum { COUNT = 256 };
    static float serial[COUNT][NN], parallel[COUNT][NN];
    dg_aug_opts o;
    int i;

    dg_aug_defaults(&o);
    for (i = 0; i < COUNT; i++) {
        dg_rng r;

        dg_rng_seed2(&r, 42, (uint64_t)i);
        dg_augment(seven, serial[i], &o, &r);
    }
#pragma omp parallel for schedule(dynamic, 7)
    for (i = 0; i < COUNT; i++) {
        dg_rng r;

        dg_rng_seed2(&r, 42, (uint64_t)i);
        dg_augment(seven, parallel[i], &o, &r);
    }
    tap_ok(memcmp(serial, parallel, sizeof serial) == 0,
           "threads give the same variants as one thread");
}

int main(void)
{
    float seven[NN];

    draw_seven(seven);
    test_options();
    test_identity_and_seed(seven);
    test_shift(seven);
    test_rotate();
    test_scale_shear(seven);
    test_strokes(seven);
    test_people(seven);
    test_intensity(seven);
    test_elastic(seven);
    test_bounds_and_speed(seven);
    test_threads(seven);
    return tap_done();
}
