/* skew.c - the slope of a page's rows: the slope along which the
 * projection of the ink is peakiest, searched coarse then fine, up to
 * SKEW_MAX either way.  Printed lines (lines.c) are found along it.
 *
 * Work: the coarse search reads a sample of at most SAMPLE_COLS columns
 * of the ink per slope, the fine one twice as many, from a copy of
 * those columns when it is small enough. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "prep_int.h"

#define COARSE_STEPS 21         /* slopes of the coarse search */
#define FINE_STEPS 9            /* slopes of the fine search around it */
/* The coarse search samples this many columns at most, the fine one
 * twice as many: a line is long, its peak shows in a sample. */
#define SAMPLE_COLS 64
/* The search reads those columns from a copy when they hold at most
 * this many pixels, else from the mask. */
#define COLS_MAX ((size_t)1 << 22)

/* sh[x] = off - round(s x) for the columns x < W: added to a row y, the
 * row of the projection along slope s that (x, y) falls in. */
static void set_shifts(long *sh, size_t W, double s, long off)
{
    size_t x;

    for (x = 0; x < W; x++)
        sh[x] = off - dg_lround(s * (double)x);
}

/* Projection of the ink of p in every step-th column along slope s into
 * proj (room for H + 2 off rows); sh (room for W) is left holding the
 * slope's shifts.  Returns the sum of squares, the peakiness that the
 * search maximises. */
double skew_project(const ink_plane *p, size_t W, size_t H, double s,
                    size_t step, long off, uint32_t *proj, long *sh)
{
    size_t x, y, rows = H + 2 * (size_t)off;
    double ss = 0;

    set_shifts(sh, W, s, off);
    memset(proj, 0, rows * sizeof *proj);
    /* Run by run of ink: the paper between adds nothing. */
    for (y = 0; y < H; y++) {
        const uint8_t *row = p->mk + y * W;
        uint32_t *py = proj + y;

        for (x = mask_scan(row, 0, W, 1); x < W;) {
            size_t end = mask_scan(row, x, W, 0);

            for (x = (x + step - 1) / step * step; x < end; x += step)
                py[sh[x]]++;
            x = mask_scan(row, end, W, 1);
        }
    }
    for (y = 0; y < rows; y++)
        ss += (double)proj[y] * proj[y];
    return ss;
}

/* The peakiness of the projection along slope s of the ink in every
 * step-th column: from the columns in lw->cols when ncols of them are
 * there (ncols > 0), else from the mask.  Each column adds to the
 * projection as a whole, shifted: a loop the compiler vectorises. */
DG_VECTORISE static double peakiness(lines_work *lw, const ink_plane *p,
                                     size_t W, size_t H, double s,
                                     size_t step, long off, size_t ncols)
{
    size_t k, y, rows = H + 2 * (size_t)off;
    uint16_t *proj = lw->proj16;
    double ss = 0;

    if (ncols == 0)
        return skew_project(p, W, H, s, step, off, lw->proj, lw->shift);
    memset(proj, 0, rows * sizeof *proj);
    for (k = 0; k < ncols; k++) {
        uint16_t *dst = proj + off - dg_lround(s * (double)(k * step));
        const uint8_t *src = lw->cols + k * H;

        for (y = 0; y < H; y++)
            dst[y] += src[y];
    }
    for (y = 0; y < rows; y++)
        ss += (double)proj[y] * proj[y];
    return ss;
}

/* Copy every step-th column of the ink of p into lw->cols (0 or 1 a
 * pixel, a column after another) when they hold at most COLS_MAX pixels
 * and at most 65,535 columns (the projection counts in 16 bits); returns
 * how many columns, or 0 to read the mask instead. */
static size_t collect_cols(lines_work *lw, const ink_plane *p, size_t W,
                           size_t H, size_t step, long off)
{
    size_t ncols = (W + step - 1) / step, k, y;

    if (ncols > 65535 || ncols * H > COLS_MAX
        || dg_grow(&lw->cols, &lw->colscap, ncols * H, 1, NULL) < 0
        || dg_grow(&lw->proj16, &lw->proj16cap, H + 2 * (size_t)off,
                   sizeof *lw->proj16, NULL) < 0)
        return 0;
    for (y = 0; y < H; y++) {
        const uint8_t *row = p->mk + y * W;

        for (k = 0; k < ncols; k++)
            lw->cols[k * H + y] = row[k * step] != 0;
    }
    return ncols;
}

/* The slope of the page's rows: the peakiest projection, coarse then
 * fine. */
double skew_find(lines_work *lw, const ink_plane *p, size_t W, size_t H,
                 long off)
{
    size_t step = W > SAMPLE_COLS ? W / SAMPLE_COLS : 1;
    size_t fine = W > 2 * SAMPLE_COLS ? W / (2 * SAMPLE_COLS) : 1;
    double best = 0, bestss = -1, lo, d;
    size_t n;
    int i;

    n = collect_cols(lw, p, W, H, step, off);
    for (i = 0; i < COARSE_STEPS; i++) {
        double s = -SKEW_MAX + 2 * SKEW_MAX * i / (COARSE_STEPS - 1);
        double ss = peakiness(lw, p, W, H, s, step, off, n);

        /* Ties go to the slope nearest level. */
        if (ss > bestss || (ss == bestss && fabs(s) < fabs(best))) {
            bestss = ss;
            best = s;
        }
    }
    d = 2 * SKEW_MAX / (COARSE_STEPS - 1);
    lo = best - d;
    bestss = -1;
    if (fine != step)
        n = collect_cols(lw, p, W, H, fine, off);
    for (i = 0; i < FINE_STEPS; i++) {
        double s = lo + 2 * d * i / (FINE_STEPS - 1);
        double ss;

        if (fabs(s) > SKEW_MAX)    /* the projection has room for no more */
            continue;
        ss = peakiness(lw, p, W, H, s, fine, off, n);
        if (ss > bestss || (ss == bestss && fabs(s) < fabs(best))) {
            bestss = ss;
            best = s;
        }
    }
    return best;
}
