/* test_prep.c - unit tests of the preprocessing stages: Otsu's
 * threshold, resampling, the geometry of the digit image (longer side 20,
 * centre of mass at 14,14), polarity, clean-up, deskew, the cuts the
 * segmentation proposes (straight, slanted, curved), reading numbers with
 * the model, and the blank-image contract.  The test images are drawn
 * here from ellipses and strokes. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "net.h"
#include "prep_int.h"
#include "tap.h"

/* The model of the source tree, for the tests that read numbers. */
static dg_net model;
static int have_model;

static const dg_net *test_net(void *ctx, dg_err *e)
{
    (void)ctx;
    if (!have_model) {
        dg_seterr(e, "no model");
        return NULL;
    }
    return &model;
}

static void load_model(void)
{
    const char *src = getenv("top_srcdir");
    char path[4096];
    dg_err e;

    snprintf(path, sizeof path, "%s/model/default.model",
             src != NULL ? src : "..");
    have_model = dg_model_load(&model, path, &e) == 0;
    if (!have_model)
        tap_diag("no model (%s): number tests skipped", e.msg);
}

/* A w x h page of grey level paper. */
static dg_image page(size_t w, size_t h, float paper)
{
    dg_image im;
    dg_err e;
    size_t i;

    if (dg_image_alloc(&im, w, h, &e) < 0) {
        printf("Bail out! %s\n", e.msg);
        exit(1);
    }
    for (i = 0; i < w * h; i++)
        im.px[i] = paper;
    return im;
}

/* Ink an elliptic ring (centre cx, cy, radii rx, ry, pen width pw). */
static void ring(dg_image *im, double cx, double cy, double rx, double ry,
                 double pw, float ink)
{
    size_t x, y;

    for (y = 0; y < im->h; y++)
        for (x = 0; x < im->w; x++) {
            double dx = ((double)x - cx) / rx, dy = ((double)y - cy) / ry;
            double r = sqrt(dx * dx + dy * dy);
            double d = fabs(r - 1.0) * (rx < ry ? rx : ry);

            if (d < pw / 2)
                im->px[y * im->w + x] = ink;
        }
}

/* Ink a straight stroke from (x0, y0) to (x1, y1), pen width pw. */
static void stroke(dg_image *im, double x0, double y0, double x1, double y1,
                   double pw, float ink)
{
    size_t x, y;
    double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;

    for (y = 0; y < im->h; y++)
        for (x = 0; x < im->w; x++) {
            double t = (((double)x - x0) * dx + ((double)y - y0) * dy) / l2;
            double px, py;

            t = t < 0 ? 0 : t > 1 ? 1 : t;
            px = x0 + t * dx - (double)x;
            py = y0 + t * dy - (double)y;
            if (px * px + py * py < pw * pw / 4)
                im->px[y * im->w + x] = ink;
        }
}

/* Bounding box side lengths of the samples > 0.02 of a cell. */
static void cell_box(const float *cell, size_t stride, size_t *bw,
                     size_t *bh)
{
    size_t x, y, x0 = DG_CELL, x1 = 0, y0 = DG_CELL, y1 = 0;

    for (y = 0; y < DG_CELL; y++)
        for (x = 0; x < DG_CELL; x++)
            if (cell[y * stride + x] > 0.02f) {
                x0 = x < x0 ? x : x0;
                x1 = x + 1 > x1 ? x + 1 : x1;
                y0 = y < y0 ? y : y0;
                y1 = y + 1 > y1 ? y + 1 : y1;
            }
    *bw = x1 > x0 ? x1 - x0 : 0;
    *bh = y1 > y0 ? y1 - y0 : 0;
}

static double mean_abs_diff(const dg_image *a, const dg_image *b)
{
    double s = 0;
    size_t i;

    if (a->w != b->w || a->h != b->h)
        return 1e9;
    for (i = 0; i < a->w * a->h; i++)
        s += fabs(a->px[i] - b->px[i]);
    return s / (double)(a->w * a->h);
}

/* The least mean_abs_diff of a and b moved by up to one pixel either
 * way: the same digit, placed a pixel apart by the rounding of its
 * centre of mass, counts as the same. */
static double shifted_diff(const dg_image *a, const dg_image *b)
{
    double best = 1e9;
    int dx, dy;

    if (a->w != b->w || a->h != b->h)
        return best;
    for (dy = -1; dy <= 1; dy++)
        for (dx = -1; dx <= 1; dx++) {
            double s = 0;
            long x, y;

            for (y = 0; y < (long)a->h; y++)
                for (x = 0; x < (long)a->w; x++) {
                    long u = x + dx, v = y + dy;
                    float q = u >= 0 && v >= 0 && u < (long)a->w
                              && v < (long)a->h ? b->px[v * (long)a->w + u]
                                                : 0.0f;

                    s += fabs(a->px[y * (long)a->w + x] - q);
                }
            s /= (double)(a->w * a->h);
            best = s < best ? s : best;
        }
    return best;
}

static void test_otsu(void)
{
    size_t hist[256] = { 0 };
    int t;

    hist[50] = 700;
    hist[49] = 100;
    hist[200] = 300;
    hist[205] = 50;
    t = dg_otsu(hist);
    tap_ok(t >= 50 && t < 200, "otsu splits a bimodal histogram (t=%d)", t);
    memset(hist, 0, sizeof hist);
    tap_ok(dg_otsu(hist) == -1, "otsu of an empty histogram is -1");
}

static void test_resample(void)
{
    float src[12 * 9], dst[4 * 3], tmp[4 * 9], sum = 0;
    size_t i;

    for (i = 0; i < 12 * 9; i++)
        src[i] = (float)(i % 12 < 6);           /* left half ink */
    dg_resample(src, 12, 9, dst, 4, 3, tmp);
    for (i = 0; i < 12; i++)
        sum += dst[i];
    tap_ok(fabsf(sum - 6.0f) < 1e-4f && fabsf(dst[0] - 1) < 1e-5f
           && fabsf(dst[3]) < 1e-5f,
           "area averaging keeps the mean (sum %g)", sum);
    for (i = 0; i < 12 * 9; i++)
        src[i] = (float)(i % 3 == 0);           /* a thin column in 3 */
    dg_resample(src, 12, 9, dst, 4, 3, tmp);
    tap_ok(fabsf(dst[5] - 1.0f / 3.0f) < 1e-5f,
           "a thin stroke shrinks to a faint one, not to nothing (%g)",
           dst[5]);
}

static void test_geometry(void)
{
    dg_image scan = page(112, 112, 0.92f), out = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    double cx, cy;
    size_t bw, bh;
    int rc;

    dg_prep_defaults(&o);
    ring(&scan, 50, 60, 18, 30, 7, 0.1f);
    rc = dg_prep(&scan, &o, &out, &e);
    tap_ok(rc == 0 && out.w == DG_CELL && out.h == DG_CELL,
           "a ring becomes one 28x28 cell");
    cell_box(out.px, DG_CELL, &bw, &bh);
    tap_ok(bh == DG_BOX, "longer side is %d px (%zu)", DG_BOX, bh);
    tap_ok(bw >= 12 && bw <= 15, "aspect kept: width %zu for 37/67", bw);
    dg_center_of_mass(&out, &cx, &cy);
    tap_ok(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5,
           "centre of mass at (14,14) within 0.5 px (%.2f, %.2f)", cx, cy);
    dg_image_free(&scan);

    /* A tall thin "1": stays thin. */
    scan = page(112, 112, 0.9f);
    stroke(&scan, 56, 20, 56, 92, 6, 0.05f);
    rc = dg_prep(&scan, &o, &out, &e);
    cell_box(out.px, DG_CELL, &bw, &bh);
    tap_ok(rc == 0 && bh == DG_BOX && bw <= 4,
           "a thin 1 stays thin (%zux%zu)", bw, bh);
    dg_center_of_mass(&out, &cx, &cy);
    tap_ok(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5,
           "a 1 is centred too (%.2f, %.2f)", cx, cy);
    dg_image_free(&scan);

    /* A wide flat mark: its width becomes 20. */
    scan = page(200, 90, 0.9f);
    ring(&scan, 100, 45, 60, 20, 6, 0.1f);
    rc = dg_prep(&scan, &o, &out, &e);
    cell_box(out.px, DG_CELL, &bw, &bh);
    tap_ok(rc == 0 && bw == DG_BOX && bh < 10,
           "a wide mark is 20 wide (%zux%zu)", bw, bh);
    dg_image_free(&scan);
    dg_image_free(&out);
}

static void test_polarity(void)
{
    dg_image dark = page(96, 96, 0.95f), light = page(96, 96, 0.05f);
    dg_image a = { 0, 0, NULL }, b = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    double d;

    dg_prep_defaults(&o);
    ring(&dark, 48, 48, 16, 26, 6, 0.15f);
    ring(&light, 48, 48, 16, 26, 6, 0.85f);
    tap_ok(dg_prep(&dark, &o, &a, &e) == 0 && dg_prep(&light, &o, &b, &e) == 0,
           "dark and light ink both read");
    d = mean_abs_diff(&a, &b);
    tap_ok(d < 0.01, "auto polarity: same digit either way (diff %.4f)", d);
    o.ink = DG_INK_LIGHT;
    tap_ok(dg_prep(&dark, &o, &b, &e) == 0 && mean_abs_diff(&a, &b) > 0.05,
           "--ink=light on a dark-ink scan reads the paper instead");
    dg_image_free(&dark);
    dg_image_free(&light);
    dg_image_free(&a);
    dg_image_free(&b);
}

/* A large page is sampled for its statistics: ink that the sample
 * misses must still be found, and the sampled result must match what a
 * small page of the same drawing gives. */
static void test_sampling(void)
{
    dg_image scan = page(160, 160, 0.9f), out = { 0, 0, NULL };
    dg_image cell = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    size_t y, x, bw, bh;
    int rc;

    dg_prep_defaults(&o);
    for (y = 40; y < 120; y++)      /* a hair line in an odd column */
        for (x = 81; x < 82; x++)
            scan.px[y * 160 + x] = 0.1f;
    rc = dg_prep(&scan, &o, &out, &e);
    tap_ok(rc == 0, "ink missed by the sample is still found (%s)",
           rc == 0 ? "ok" : e.msg);
    bw = bh = 0;
    if (rc == 0)
        cell_box(out.px, DG_CELL, &bw, &bh);
    tap_ok(rc == 0 && bh == DG_BOX, "and normalised (box %zux%zu)", bw, bh);
    for (y = 0; y < 160 * 160; y++)
        scan.px[y] = 0.9f + 0.05f * (float)((y * 7919) % 7) / 7.0f;
    ring(&scan, 80, 80, 30, 45, 9, 0.15f);
    o.deskew = 0;
    rc = dg_prep(&scan, &o, &out, &e);
    o.thresh = DG_THRESH_FIXED;     /* the level Otsu should find */
    o.level = 0.5f;
    rc |= dg_prep(&scan, &o, &cell, &e);
    tap_ok(rc == 0 && mean_abs_diff(&out, &cell) < 0.01,
           "sampled Otsu agrees with a fixed mid level (diff %.4f)",
           mean_abs_diff(&out, &cell));
    dg_image_free(&scan);
    dg_image_free(&out);
    dg_image_free(&cell);
}

static void test_blank(void)
{
    dg_image scan = page(64, 64, 0.9f), out = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    size_t i;
    int zero = 1;

    dg_prep_defaults(&o);
    for (i = 0; i < 64 * 64; i++)   /* faint paper texture only */
        scan.px[i] = 0.9f + 0.02f * (float)((i * 7919) % 5) / 5.0f;
    e.msg[0] = '\0';
    tap_ok(dg_prep(&scan, &o, &out, &e) == -1
           && strstr(e.msg, "no ink") != NULL,
           "a blank page is an error: %s", e.msg);
    o.allow_empty = 1;
    tap_ok(dg_prep(&scan, &o, &out, &e) == 0 && out.w == DG_CELL,
           "allow_empty gives a cell");
    for (i = 0; i < DG_CELL_PIXELS; i++)
        zero &= out.px[i] == 0;
    tap_ok(zero, "and the cell is empty");
    dg_image_free(&scan);
    dg_image_free(&out);
}

static void test_cleanup(void)
{
    dg_image clean = page(112, 112, 0.9f), dirty, a = { 0, 0, NULL },
             b = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    size_t k;

    dg_prep_defaults(&o);
    ring(&clean, 56, 56, 16, 26, 6, 0.1f);
    dirty = page(112, 112, 0.9f);
    memcpy(dirty.px, clean.px, 112 * 112 * sizeof(float));
    for (k = 0; k < 12; k++) {          /* specks in the margins */
        size_t x = 3 + (k * 37) % 20, y = 5 + (k * 53) % 100;

        dirty.px[y * 112 + x] = 0.1f;
        dirty.px[y * 112 + x + 1] = 0.1f;
    }
    dg_prep(&clean, &o, &a, &e);
    tap_ok(dg_prep(&dirty, &o, &b, &e) == 0 && mean_abs_diff(&a, &b) < 1e-6,
           "specks are ignored");
    stroke(&dirty, 0, 104, 111, 104, 2, 0.1f);
    tap_ok(dg_prep(&dirty, &o, &b, &e) == 0 && mean_abs_diff(&a, &b) < 1e-6,
           "a ruling line along the page is ignored");
    o.keep_lines = 1;
    tap_ok(dg_prep(&dirty, &o, &b, &e) == 0 && mean_abs_diff(&a, &b) > 0.01,
           "unless keep_lines");
    dg_image_free(&clean);
    dg_image_free(&dirty);
    dg_image_free(&a);
    dg_image_free(&b);
}

/* mu11 / mu02 of a cell: its slant. */
static double cell_skew(const dg_image *im)
{
    double cx, cy, a = 0, b = 0;
    size_t x, y;

    dg_center_of_mass(im, &cx, &cy);
    for (y = 0; y < im->h; y++)
        for (x = 0; x < im->w; x++) {
            double v = im->px[y * im->w + x];

            a += v * ((double)x - cx) * ((double)y - cy);
            b += v * ((double)y - cy) * ((double)y - cy);
        }
    return a / b;
}

static void test_deskew(void)
{
    dg_image scan = page(112, 112, 0.9f), out = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    double before, after;

    dg_prep_defaults(&o);
    tap_ok(o.deskew == 1, "deskew by default");
    stroke(&scan, 70, 15, 40, 95, 7, 0.1f);     /* a slanted 1 */
    o.deskew = 0;
    dg_prep(&scan, &o, &out, &e);
    before = cell_skew(&out);
    o.deskew = 1;
    dg_prep(&scan, &o, &out, &e);
    after = cell_skew(&out);
    tap_ok(fabs(before) > 0.2 && fabs(after) < 0.05,
           "deskew straightens a slanted stroke (%.3f -> %.3f)", before,
           after);
    dg_image_free(&scan);
    dg_image_free(&out);
}

static void test_split(void)
{
    dg_image scan = page(260, 100, 0.9f), out = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    int rc;

    dg_prep_defaults(&o);
    o.split = DG_SPLIT_ALWAYS;
    o.net = test_net;
    ring(&scan, 40, 50, 18, 30, 6, 0.1f);
    stroke(&scan, 100, 20, 100, 80, 6, 0.1f);
    ring(&scan, 160, 50, 18, 30, 6, 0.1f);
    ring(&scan, 195, 50, 18, 30, 6, 0.1f);     /* touches the one before */
    rc = dg_prep(&scan, &o, &out, &e);
    tap_ok(rc == 0 && out.w == 4 * DG_CELL && out.h == DG_CELL,
           "split: separate and touching digits give 4 cells (%zu)",
           out.w / DG_CELL);
    stroke(&scan, 230, 10, 230, 38, 6, 0.1f);   /* a 1 ... */
    stroke(&scan, 230, 46, 230, 90, 6, 0.1f);   /* ... with a broken stroke */
    rc = dg_prep(&scan, &o, &out, &e);
    tap_ok(rc == 0 && out.w == 5 * DG_CELL,
           "split: a broken stroke stays one digit (%zu cells)",
           out.w / DG_CELL);
    o.max_digits = 3;
    tap_ok(dg_prep(&scan, &o, &out, &e) == 0 && out.w == 3 * DG_CELL,
           "max_digits limits the cells");
    dg_image_free(&scan);
    dg_image_free(&out);
}

/* A slanted 1 whose top touches the bar of a 7, their columns
 * overlapping: no vertical cut parts them, a slanted one does. */
static void test_split_slanted(void)
{
    dg_image scan = page(110, 100, 0.9f), out = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    size_t bw1 = 0, bh1 = 0, bw2 = 0, bh2 = 0;
    int rc;

    dg_prep_defaults(&o);
    o.split = DG_SPLIT_ALWAYS;
    o.net = test_net;
    stroke(&scan, 58, 14, 42, 86, 6, 0.1f);     /* the 1 */
    stroke(&scan, 56, 17, 100, 17, 6, 0.1f);    /* the bar of the 7 */
    stroke(&scan, 100, 17, 74, 86, 6, 0.1f);    /* its stem */
    rc = dg_prep(&scan, &o, &out, &e);
    if (rc == 0 && out.w == 2 * DG_CELL) {
        cell_box(out.px, out.w, &bw1, &bh1);
        cell_box(out.px + DG_CELL, out.w, &bw2, &bh2);
    }
    tap_ok(rc == 0 && out.w == 2 * DG_CELL,
           "split: a slanted 1 touching a 7 gives 2 cells (%zu)",
           out.w / DG_CELL);
    tap_ok(bh1 == DG_BOX && bw1 <= 10 && bw2 >= 10,
           "split: cut along the 1 (widths %zu and %zu)", bw1, bw2);
    dg_image_free(&scan);
    dg_image_free(&out);
}


/* The pieces and cuts the segmentation proposes for scan: ink, blobs,
 * pieces and seg_propose, as the driver runs them. */
static long propose(dg_prep_work *w, const dg_image *scan)
{
    dg_prep_opts o;
    dg_err e;

    dg_prep_defaults(&o);
    if (ink_find(&w->ink, scan, &o, &e) != 0
        || blobs_find(&w->bl, &w->ink, scan->w, scan->h, &o, &e) <= 0
        || blobs_pieces(&w->bl, &e) < 0)
        return -1;
    return seg_propose(&w->sg, &w->bl, &w->ink, scan->w, &e);
}

/* The column of cut k of w at row y (y within its rows). */
static long cut_col(const dg_prep_work *w, size_t k, size_t y)
{
    const cut *c = &w->bl.cuts[k];

    return w->bl.cutx[c->off + y - c->y0];
}

/* The cut of w that crosses the least ink between columns lo and hi at
 * its middle row, or NO_CUT. */
static size_t cut_near(const dg_prep_work *w, long lo, long hi)
{
    size_t k, best = NO_CUT;

    for (k = 0; k < w->bl.ncuts; k++) {
        const cut *c = &w->bl.cuts[k];
        long x = cut_col(w, k, (c->y0 + c->y1) / 2);

        if (x >= lo && x <= hi
            && (best == NO_CUT || c->ink < w->bl.cuts[best].ink))
            best = k;
    }
    return best;
}

/* Show the cuts of w (when a check fails). */
static void show_cuts(const dg_prep_work *w)
{
    size_t k;

    for (k = 0; k < w->bl.ncuts; k++) {
        const cut *c = &w->bl.cuts[k];

        tap_diag("cut %zu: columns %ld, %ld, %ld; ink %.1f, %zu strokes", k,
                 cut_col(w, k, c->y0), cut_col(w, k, (c->y0 + c->y1) / 2),
                 cut_col(w, k, c->y1 - 1), c->ink, c->strokes);
    }
}

/* Candidate pieces: a component as wide as two digits is cut where they
 * touch, straight down when they touch side by side, on a slant along
 * a leaning stroke; a narrow one is left whole. */
static void test_proposals(void)
{
    dg_image two = page(160, 100, 0.9f), lean = page(140, 100, 0.9f),
             one = page(100, 100, 0.9f);
    dg_prep_work *w = dg_prep_work_new();
    size_t k;
    long n, top, bot;

    ring(&two, 50, 50, 18, 30, 6, 0.1f);
    ring(&two, 88, 50, 18, 30, 6, 0.1f);       /* touches at x = 69 */
    n = propose(w, &two);
    k = cut_near(w, 64, 74);
    if (!tap_ok(n == 1 && w->bl.npieces >= 2 && k != NO_CUT,
                "two touching rings are cut (%ld, %zu pieces)", n,
                w->bl.npieces))
        show_cuts(w);
    if (k != NO_CUT) {
        const cut *c = &w->bl.cuts[k];

        top = cut_col(w, k, c->y0);
        bot = cut_col(w, k, c->y1 - 1);
        tap_ok(labs(top - bot) <= 4,
               "... straight down where they touch (%ld to %ld)", top, bot);
    } else {
        tap_ok(0, "... straight down where they touch");
    }
    stroke(&lean, 58, 14, 34, 86, 6, 0.1f);     /* two leaning 1s ... */
    stroke(&lean, 78, 14, 54, 86, 6, 0.1f);
    stroke(&lean, 34, 86, 54, 86, 6, 0.1f);     /* ... joined at the foot */
    n = propose(w, &lean);
    k = cut_near(w, 50, 62);
    if (n == 1 && k != NO_CUT) {
        const cut *c = &w->bl.cuts[k];

        top = cut_col(w, k, c->y0 + 4);
        bot = cut_col(w, k, c->y1 - 4);
        if (!tap_ok(top - bot >= 12 && c->strokes == 1,
                    "leaning digits are cut along their slant (%ld at the "
                    "top, %ld at the bottom)", top, bot))
            show_cuts(w);
    } else {
        tap_ok(0, "leaning digits are cut along their slant (%ld)", n);
        show_cuts(w);
    }
    stroke(&one, 50, 15, 50, 85, 6, 0.1f);
    tap_ok(propose(w, &one) == 0 && w->bl.npieces == 1,
           "a narrow mark is not cut");
    dg_prep_work_free(w);
    dg_image_free(&two);
    dg_image_free(&lean);
    dg_image_free(&one);
}

/* Counts of the labels dg_prep_label gives. */
typedef struct label_count {
    int digit[DG_MAX_CLASS];
} label_count;

static void count_label(void *ctx, const float *cell, int label)
{
    label_count *lc = ctx;
    size_t i;
    int ink = 0;

    for (i = 0; i < DG_CELL_PIXELS; i++)
        ink |= cell[i] > 0.5f;
    if (label >= 0 && label < DG_MAX_CLASS && ink)
        lc->digit[label]++;
}

/* Labels for training: a number of known digits gives each of its digits
 * once, the candidate joining two of them as "not one digit", and
 * nothing when no reading spells the digits. */
static void test_label(void)
{
    dg_image scan = page(200, 100, 0.9f);
    dg_prep_opts o;
    dg_prep_work *w = dg_prep_work_new();
    const uint8_t right[] = { 0, 1, 0 }, wrong[] = { 7, 7, 7, 7, 7, 7, 7 };
    label_count lc;
    dg_err e;
    long n;

    if (!have_model) {
        tap_ok(1, "# SKIP labels: no model");
        dg_prep_work_free(w);
        dg_image_free(&scan);
        return;
    }
    dg_prep_defaults(&o);
    o.net = test_net;
    ring(&scan, 40, 50, 18, 30, 6, 0.1f);       /* close together, so */
    stroke(&scan, 72, 20, 72, 80, 6, 0.1f);     /* that two of them make */
    ring(&scan, 106, 50, 18, 30, 6, 0.1f);      /* candidates too */
    memset(&lc, 0, sizeof lc);
    n = dg_prep_label(w, &scan, &o, right, 3, count_label, &lc, &e);
    tap_ok(n >= 4 && lc.digit[0] == 2 && lc.digit[1] == 1
           && lc.digit[DG_REJECT] >= 1,
           "label: 0, 1, 0 and pairs as not one digit (%ld: %d %d %d)", n,
           lc.digit[0], lc.digit[1], lc.digit[DG_REJECT]);
    memset(&lc, 0, sizeof lc);
    n = dg_prep_label(w, &scan, &o, wrong, 7, count_label, &lc, &e);
    tap_ok(n == 0, "label: seven digits cannot be read in three marks");
    dg_prep_work_free(w);
    dg_image_free(&scan);
}

static void test_sauvola(void)
{
    dg_image scan = page(120, 120, 0.9f), even = page(120, 120, 0.9f);
    dg_image a = { 0, 0, NULL }, b = { 0, 0, NULL };
    dg_prep_opts o;
    dg_err e;
    size_t x, y;

    dg_prep_defaults(&o);
    ring(&even, 60, 60, 18, 30, 7, 0.3f);
    memcpy(scan.px, even.px, 120 * 120 * sizeof(float));
    for (y = 0; y < 120; y++)       /* light falls off to the right */
        for (x = 0; x < 120; x++)
            scan.px[y * 120 + x] *= 1.0f - 0.75f * (float)x / 119.0f;
    o.paper = DG_PAPER_OFF;         /* the light as it falls */
    o.thresh = DG_THRESH_SAUVOLA;
    if (dg_prep(&even, &o, &a, &e) < 0 || dg_prep(&scan, &o, &b, &e) < 0)
        tap_diag("%s", e.msg);
    tap_ok(shifted_diff(&a, &b) < 0.03,
           "sauvola reads through uneven light (diff %.4f)",
           shifted_diff(&a, &b));
    o.thresh = DG_THRESH_OTSU;
    if (dg_prep(&scan, &o, &b, &e) < 0)
        tap_diag("%s", e.msg);
    tap_ok(shifted_diff(&a, &b) > 0.03,
           "where otsu does not (diff %.4f)", shifted_diff(&a, &b));
    o.paper = DG_PAPER_AUTO;        /* the default: the light made even */
    if (dg_prep(&scan, &o, &b, &e) < 0)
        tap_diag("%s", e.msg);
    tap_ok(shifted_diff(&a, &b) < 0.03,
           "otsu reads through it on paper made even (diff %.4f)",
           shifted_diff(&a, &b));
    dg_image_free(&scan);
    dg_image_free(&even);
    dg_image_free(&a);
    dg_image_free(&b);
}

static int stages_seen;

static void count_stage(void *ctx, const char *stage, const dg_image *im)
{
    (void)ctx;
    if (im->w == 0 || im->px == NULL)
        return;
    stages_seen |= strcmp(stage, "grey") == 0 ? 1
                   : strcmp(stage, "mask") == 0 ? 2
                   : strcmp(stage, "crop") == 0 ? 4
                   : strcmp(stage, "final") == 0 ? 8 : 0;
}

static void test_debug_and_reuse(void)
{
    dg_image scan = page(80, 80, 0.9f), a = { 0, 0, NULL },
             b = { 0, 0, NULL };
    dg_prep_opts o;
    dg_prep_work *w = dg_prep_work_new();
    dg_err e;

    dg_prep_defaults(&o);
    ring(&scan, 40, 40, 12, 20, 5, 0.1f);
    o.debug = count_stage;
    dg_prep_run(w, &scan, &o, &a, &e);
    tap_ok(stages_seen == 15, "debug reports grey, mask, crop and final");
    o.debug = NULL;
    dg_prep_run(w, &scan, &o, &b, &e);
    dg_prep_run(w, &scan, &o, &b, &e);
    tap_ok(mean_abs_diff(&a, &b) == 0, "a reused work area gives the same");
    dg_prep_work_free(w);
    dg_image_free(&scan);
    dg_image_free(&a);
    dg_image_free(&b);
}

int main(void)
{
    test_otsu();
    test_resample();
    test_geometry();
    test_polarity();
    test_blank();
    test_sampling();
    test_cleanup();
    test_deskew();
    load_model();
    test_proposals();
    test_split();
    test_split_slanted();
    test_label();
    test_sauvola();
    test_debug_and_reuse();
    if (have_model)
        dg_net_free(&model);
    return tap_done();
}
