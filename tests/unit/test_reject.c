/* test_reject.c - the "not one digit" examples of reject.h: reproducible,
 * normalised like a cell of pnmdigitprep, of every kind, and never a
 * piece of a digit that is still the digit. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "image.h"
#include "net.h"
#include "reject.h"
#include "tap.h"

#define N DG_CELL
#define NN DG_CELL_PIXELS
#define NDIGITS 12

/* Made-up digits in the MNIST convention (bytes, ink 255 on 0, about 20
 * px high): a ring, a "7", a "4" and a "2", three times each, moved. */
static void put(uint8_t *im, int x, int y)
{
    if (x >= 0 && y >= 0 && x < N && y < N)
        im[y * N + x] = 255;
}

static void draw_digit(uint8_t *im, int shape, int dx)
{
    int x, y, t;

    memset(im, 0, NN);
    for (t = 0; t < 20; t++)
        for (x = 0; x < 3; x++) {
            double a = t * 2 * M_PI / 20;

            switch (shape) {
            case 0:     /* a ring, 14 wide and 20 high */
                for (y = 0; y < 3; y++)
                    put(im, 14 + dx + (int)lround(6 * cos(a)) + x - 1,
                        14 + (int)lround(9 * sin(a)) + y - 1);
                break;
            case 1:     /* a 7: a bar and a slanted stem */
                put(im, 7 + dx + (t * 14) / 20, 4 + x);
                put(im, 19 + dx - t / 3 + x, 4 + t);
                break;
            case 2:     /* a 4: an open top, a bar and a stem */
                put(im, 7 + dx + x, 4 + t / 2);
                put(im, 7 + dx + (t * 14) / 20, 14 + x);
                put(im, 17 + dx + x, 4 + t);
                break;
            default:    /* a 2: an arc, a diagonal and a base */
                put(im, 14 + dx + (int)lround(6 * cos(a / 2 + M_PI)) + x,
                    10 + (int)lround(-6 * sin(a / 2)) + (t % 2));
                put(im, 20 + dx - (t * 13) / 20 + x, 10 + t / 2 + 4);
                put(im, 7 + dx + (t * 14) / 20, 22 + x);
                break;
            }
        }
}

/* Box, ink and centre of mass of a cell. */
typedef struct shape {
    int w, h;
    double ink, cx, cy;
    int in_range;
} shape;

static shape measure(const float *c)
{
    shape s = { 0, 0, 0, 0, 0, 1 };
    int x, y, x0 = N, y0 = N, x1 = -1, y1 = -1;

    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++) {
            const float v = c[y * N + x];

            s.in_range &= v >= 0.0f && v <= 1.0f;
            if (v <= 0)
                continue;
            s.ink += v;
            s.cx += v * x;
            s.cy += v * y;
            x0 = x < x0 ? x : x0;
            y0 = y < y0 ? y : y0;
            x1 = x > x1 ? x : x1;
            y1 = y > y1 ? y : y1;
        }
    if (s.ink > 0) {
        s.cx /= s.ink;
        s.cy /= s.ink;
        s.w = x1 - x0 + 1;
        s.h = y1 - y0 + 1;
    }
    return s;
}

static void test_errors(dg_reject_gen *g, const uint8_t *digits)
{
    float out[NN];
    dg_err e;
    dg_rng r;

    dg_rng_seed(&r, 1);
    e.msg[0] = '\0';
    tap_ok(dg_reject_make(g, &r, digits, 0, out, &e) < 0
           && strstr(e.msg, "no digits") != NULL,
           "no digits to cut: an error (%s)", e.msg);
    tap_ok(dg_reject_make_kind(g, DG_REJECT_NKINDS, &r, digits, NDIGITS,
                               out, &e) < 0, "an unknown kind is refused");
    tap_ok(dg_reject_make_kind(g, DG_REJECT_SPECK, &r, digits, 0, out, &e)
           == 0 && dg_reject_kind(g) == DG_REJECT_SPECK,
           "a speck needs no digits");
}

static void test_seed(dg_reject_gen *g, const uint8_t *digits)
{
    float a[NN], b[NN];
    dg_reject_gen *h = dg_reject_gen_new();
    dg_err e;
    dg_rng r;
    int i, same = 1, differ = 0;

    for (i = 0; i < 200; i++) {
        dg_rng_seed2(&r, 5, (uint64_t)i);
        dg_reject_make(g, &r, digits, NDIGITS, a, &e);
        dg_rng_seed2(&r, 5, (uint64_t)i);
        dg_reject_make(h, &r, digits, NDIGITS, b, &e);
        same &= memcmp(a, b, sizeof a) == 0;
        dg_rng_seed2(&r, 6, (uint64_t)i);
        dg_reject_make(h, &r, digits, NDIGITS, b, &e);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    tap_ok(same, "the same rng state gives the same cell, whatever the "
           "generator");
    tap_ok(differ >= 190, "another seed gives other cells (%d of 200)",
           differ);
    dg_reject_gen_free(h);
}

/* Every cell, of every kind, is a normalised cell: values in [0, 1], the
 * longer side of the ink 20 px (19 when its edge samples are faint), the
 * centre of mass at (14, 14) within the rounding of the placement. */
static void test_cells(dg_reject_gen *g, const uint8_t *digits)
{
    const int per = 300;
    int count[DG_REJECT_NKINDS] = { 0 }, made[DG_REJECT_NKINDS] = { 0 };
    int k, i, range = 1, side = 1, centred = 0;
    double worst = 0;
    float out[NN];
    dg_err e;
    dg_rng r;

    for (i = 0; i < 2000; i++) {
        dg_rng_seed2(&r, 9, (uint64_t)i);
        if (dg_reject_make(g, &r, digits, NDIGITS, out, &e) == 0)
            count[dg_reject_kind(g)]++;
    }
    tap_ok(abs(count[0] - 600) < 90 && abs(count[1] - 500) < 90
           && abs(count[2] - 500) < 90 && abs(count[3] - 200) < 60
           && abs(count[4] - 200) < 60,
           "the kinds are drawn 30/25/25/10/10 %% (%d %d %d %d %d of 2000)",
           count[0], count[1], count[2], count[3], count[4]);
    for (k = 0; k < DG_REJECT_NKINDS; k++)
        for (i = 0; i < per; i++) {
            shape s;
            int longer;

            dg_rng_seed2(&r, 10 + k, (uint64_t)i);
            if (dg_reject_make_kind(g, k, &r, digits, NDIGITS, out, &e) < 0)
                continue;
            made[dg_reject_kind(g)] += dg_reject_kind(g) == k;
            s = measure(out);
            longer = s.w > s.h ? s.w : s.h;
            range &= s.in_range && s.ink > 0;
            side &= longer >= 19 && longer <= DG_BOX;
            worst = fmax(worst, hypot(s.cx - 14, s.cy - 14));
            centred += hypot(s.cx - 14, s.cy - 14) <= 0.75;
        }
    for (k = 0; k < DG_REJECT_NKINDS; k++)
        tap_ok(made[k] >= per * 9 / 10, "kind %d is made as asked "
               "(%d of %d)", k, made[k], per);
    tap_ok(range, "every sample is in [0, 1] and every cell has ink");
    tap_ok(side, "the longer side of the ink is %d px", DG_BOX);
    tap_ok(centred >= per * DG_REJECT_NKINDS * 95 / 100 && worst < 3.0,
           "the centre of mass is at (14, 14): %d of %d within 0.75 px, "
           "the worst %.2f px away", centred, per * DG_REJECT_NKINDS,
           worst);
}

/* A piece of a 1 is a 1 again: from 1s alone, upright or slanted, no
 * fragment can be made, and a stub is made instead. */
static void test_no_whole_digit(dg_reject_gen *g)
{
    uint8_t ones[2 * NN];
    float out[NN];
    int i, x, y, stubs = 0;
    dg_err e;
    dg_rng r;

    memset(ones, 0, sizeof ones);
    for (y = 4; y < 24; y++)
        for (x = 0; x < 3; x++) {
            ones[y * N + 13 + x] = 255;
            ones[NN + y * N + 19 - y / 2 + x] = 255;
        }
    for (i = 0; i < 100; i++) {
        dg_rng_seed2(&r, 11, (uint64_t)i);
        dg_reject_make_kind(g, DG_REJECT_FRAGMENT, &r, ones, 2, out, &e);
        stubs += dg_reject_kind(g) == DG_REJECT_STUB;
    }
    tap_ok(stubs == 100, "no fragment is cut from 1s (%d of 100 fell "
           "back to a stub)", stubs);
}

/* Two digits side by side make a cell wider than high. */
static void test_pair(dg_reject_gen *g, const uint8_t *digits)
{
    float out[NN];
    int i, wide = 0;
    dg_err e;
    dg_rng r;

    for (i = 0; i < 100; i++) {
        shape s;

        dg_rng_seed2(&r, 12, (uint64_t)i);
        dg_reject_make_kind(g, DG_REJECT_PAIR, &r, digits, NDIGITS, out, &e);
        s = measure(out);
        wide += s.w == DG_BOX && s.h < DG_BOX;
    }
    tap_ok(wide >= 95, "two digits side by side make a wide cell "
           "(%d of 100)", wide);
}

static void test_set(const uint8_t *digits)
{
    dg_dataset from = { NDIGITS, (uint8_t *)digits, NULL }, a, b;
    dg_err e;
    size_t i;
    int labels = 1;

    tap_ok(dg_reject_set(&a, &from, 50, 3, &e) == 0 && a.n == 50,
           "a set of 50 reject examples");
    for (i = 0; i < a.n; i++)
        labels &= a.y[i] == DG_REJECT;
    tap_ok(labels, "every label is DG_REJECT (%d)", DG_REJECT);
    dg_reject_set(&b, &from, 50, 3, &e);
    tap_ok(memcmp(a.x, b.x, 50 * NN) == 0, "the same seed, the same set");
    dg_dataset_free(&b);
    dg_reject_set(&b, &from, 50, 4, &e);
    tap_ok(memcmp(a.x, b.x, 50 * NN) != 0, "another seed, another set");
    dg_dataset_free(&a);
    dg_dataset_free(&b);
}

int main(void)
{
    uint8_t digits[NDIGITS * NN];
    dg_reject_gen *g = dg_reject_gen_new();
    int i;

    for (i = 0; i < NDIGITS; i++)
        draw_digit(digits + i * NN, i % 4, i / 4 - 1);
    tap_ok(g != NULL && dg_reject_kind(g) == -1, "a new generator");
    test_errors(g, digits);
    test_seed(g, digits);
    test_cells(g, digits);
    test_no_whole_digit(g);
    test_pair(g, digits);
    test_set(digits);
    dg_reject_gen_free(g);
    return tap_done();
}
