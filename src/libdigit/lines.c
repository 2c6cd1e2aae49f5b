/* lines.c - printed lines: find the long straight strokes of ruled
 * paper, form boxes, comb fields, underlines and frames, and take them
 * out of the ink mask, keeping the ink where a digit's stroke crosses
 * one.
 *
 * A printed line is told from handwriting by being straight and long:
 * projected along its own direction, its few rows hold ink across most
 * of the width of all the ink, which no row through handwritten digits
 * does.  The direction is searched first (a page is rarely square to
 * the scanner): the slope whose projection is peakiest, coarse then
 * fine (skew.c).  Horizontal lines are those rows; vertical lines are
 * columns (along the same skew) that cover nearly all the height of the
 * ink, or all the gap between two horizontal lines (the sides of a
 * box).
 *
 * Removal works column by column of a line: where the ink through the
 * line reaches beyond it on both sides, a digit's stroke crosses and
 * the pixels stay; elsewhere they go.  The ticks of comb fields, and
 * the even pitch that tells a 1 from a tick or a box's side, are
 * combs.c's.
 *
 * Work: a cheap test of bands of rows decides whether to look at all;
 * the slope search (skew.c) reads a sample of the ink's columns;
 * everything else is a few passes over the pixels.  Memory: the mask once more, and
 * projections of O(width + height). */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

/* A row of a horizontal line holds ink across this fraction of the
 * width of all the ink. */
#define H_COVER 0.6
/* A vertical line covers this fraction of the ink's height, or of the
 * gap between the two horizontal lines it joins. */
#define V_COVER 0.85
#define V_GAP_COVER 0.9
/* A line is at most this thick, as a fraction of the ink's height. */
#define MAX_THICK 0.08
/* A printed line is at least this many times as long as the
 * handwriting is high; the top or bottom of a box at least BOX_SIDE
 * times (with its partner, see long_bands). */
#define LINE_LONG 2.0
#define BOX_SIDE 0.7
/* ... and runs on beyond the writing by this many times its height,
 * bare (no ink just above or below it) in this share of its columns. */
#define LINE_REACH 0.18
#define LINE_BARE 0.15
/* A line down the whole page runs on beyond the writing at both ends by
 * this many times its height. */
#define V_REACH 0.5
#define SEG_MAX 32              /* runs of a band looked at */
#define WEAK_RUN 8              /* see ink_extent */
/* A box's side is at most twice its top and bottom (two boxes' sides
 * side by side) and this much. */
#define SIDE_SLACK 2

static inline int is_ink(const uint8_t *mk, size_t W, size_t x, size_t y)
{
    return mk[y * W + x] != 0;
}

/* The bits set anywhere in row[0 .. n). */
DG_VECTORISE static uint8_t row_bits(const uint8_t *restrict row, size_t n)
{
    uint8_t acc = 0;
    size_t x;

    for (x = 0; x < n; x++)
        acc |= row[x];
    return acc;
}

/* One past the last ink of row m[0 .. W), or 0 when it has none. */
static size_t mask_end(const uint8_t *m, size_t W)
{
    size_t x = W;

#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();

    for (; x >= 16; x -= 16) {
        unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                         _mm_loadu_si128((const __m128i *)(m + x - 16)),
                         zero));

        if (z != 0xffffu)
            return x - 16 + 32 - (size_t)__builtin_clz(~z & 0xffffu);
    }
#endif
    while (x > 0 && m[x - 1] == 0)
        x--;
    return x;
}

/* Whether the run of ink of row m that starts at a counts for
 * ink_extent: it holds strong ink or is at least longrun long.  Its end
 * in *end. */
static int run_counts(const uint8_t *m, size_t a, size_t W, size_t longrun,
                      size_t *end)
{
    size_t x = mask_scan(m, a, W, 0);

    *end = x;
    return x - a >= longrun || (row_bits(m + a, x - a) & MK_STRONG);
}

/* The columns and rows that hold strong ink, or faint ink in a run of
 * an eighth of the width (at least WEAK_RUN pixels) or more along a row
 * (a faint printed line; not the paper's noise): [*x0, *x1) x [*y0,
 * *y1).  Returns 0 when there is none.  A row with strong ink counts;
 * its runs are looked at only where they would widen the extent. */
static int ink_extent(const ink_plane *p, size_t W, size_t H, size_t *x0,
                      size_t *x1, size_t *y0, size_t *y1)
{
    size_t x, y, end, longrun = W / 8 > WEAK_RUN ? W / 8 : WEAK_RUN;

    *x0 = W;
    *x1 = 0;
    *y0 = H;
    *y1 = 0;
    for (y = 0; y < H; y++) {
        const uint8_t *row = p->mk + y * W;
        uint8_t bits = row_bits(row, W);
        int any = 0;

        if (!bits)
            continue;
        /* From the left, until a run counts or starts within. */
        for (x = mask_scan(row, 0, W, 1); x < *x0;
             x = mask_scan(row, end, W, 1))
            if (run_counts(row, x, W, longrun, &end)) {
                *x0 = x;
                *x1 = end > *x1 ? end : *x1;
                any = 1;
                break;
            }
        /* From the right, until a run counts or ends within. */
        for (end = mask_end(row, W); end > *x1;
             end = mask_end(row, x)) {
            size_t a = end, e2;

            while (a > 0 && row[a - 1])
                a--;
            if (run_counts(row, a, W, longrun, &e2)) {
                *x1 = end;
                any = 1;
                break;
            }
            x = a;
        }
        /* Within: a row of strong ink counts; else a long faint run. */
        if (!any && (bits & MK_STRONG))
            any = 1;
        for (x = mask_scan(row, 0, W, 1); !any && x < W;
             x = mask_scan(row, end, W, 1))
            any = run_counts(row, x, W, longrun, &end);
        if (any) {
            *y0 = y < *y0 ? y : *y0;
            *y1 = y + 1;
        }
    }
    return *x1 > *x0;
}

/* The vertical runs of ink of a band of rows, column by column. */
typedef struct band_runs {
    uint16_t *cur;          /* the run going on at the row, or 0 */
    uint16_t *first;        /* the first run that ended, or 0 */
    uint16_t *last;         /* the last run that ended, or 0 */
    uint16_t *strong;       /* strong pixels */
} band_runs;

/* Add row[0 .. n) of the mask to the runs (the arrays of a band_runs);
 * without branches, for the compiler to vectorise. */
DG_VECTORISE static void band_row(uint16_t *restrict cur,
                                  uint16_t *restrict first,
                                  uint16_t *restrict last,
                                  uint16_t *restrict strong,
                                  const uint8_t *restrict row, size_t n)
{
    size_t x;

    for (x = 0; x < n; x++) {
        uint16_t ink = row[x] != 0, c = cur[x];
        uint16_t ended = (uint16_t)(!ink & (c != 0));

        strong[x] = (uint16_t)(strong[x] + (row[x] & MK_STRONG));
        first[x] = (uint16_t)(first[x] + (first[x] == 0) * ended * c);
        last[x] = ended ? c : last[x];
        cur[x] = (uint16_t)(ink * (c + 1));
    }
}

/* Bands of projection rows at least need high: [a, b) each, at most
 * max of them, thinner than thick.  Returns how many. */
static size_t find_bands(const uint32_t *proj, size_t n, double need,
                         size_t thick, line_band *band, size_t max)
{
    size_t i = 0, nb = 0;

    while (i < n && nb < max) {
        size_t a;

        if ((double)proj[i] < need) {
            i++;
            continue;
        }
        a = i;
        while (i < n && (double)proj[i] >= need)
            i++;
        if (i - a <= thick) {
            band[nb].a = a;
            band[nb].b = i;
            nb++;
        }
    }
    return nb;
}

/* Clear the pixels of horizontal band bd (projection rows [a, b) along
 * slope s, offset off) from the mask, except in the columns where the
 * ink through it reaches beyond it both above and below (a crossing
 * stroke). */
static void clear_hband(ink_plane *p, const uint8_t *orig, size_t W, size_t H,
                        double s, long off, const line_band *bd)
{
    size_t x;

    for (x = 0; x < W; x++) {
        long sh = dg_lround(s * (double)x) - off;
        long ya = (long)bd->a + sh, yb = (long)bd->b + sh, y;
        int above, below;

        if (yb <= 0 || ya >= (long)H)
            continue;
        ya = ya < 0 ? 0 : ya;
        yb = yb > (long)H ? (long)H : yb;
        above = ya > 0 && is_ink(orig, W, x, (size_t)ya - 1)
                && (ya < 2 || is_ink(orig, W, x, (size_t)ya - 2));
        below = yb < (long)H && is_ink(orig, W, x, (size_t)yb)
                && (yb + 1 >= (long)H || is_ink(orig, W, x, (size_t)yb + 1));
        if (above && below)
            continue;
        for (y = ya; y < yb; y++)
            p->mk[(size_t)y * W + x] = 0;
        /* The faint rims of the line go too, but never ink that goes
         * on beyond them. */
        if (ya > 0 && !(orig[((size_t)ya - 1) * W + x] & MK_STRONG)
            && !above)
            p->mk[((size_t)ya - 1) * W + x] = 0;
        if (yb < (long)H && !(orig[(size_t)yb * W + x] & MK_STRONG)
            && !below)
            p->mk[(size_t)yb * W + x] = 0;
    }
}

/* The rows of band bd that the line itself fills: where digits sit on
 * a line, their edges swell its band.  In the columns where the band's
 * ink touches nothing above or below it (the line alone), the median
 * first and last inked rows; bd unchanged when there are none. */
static line_band line_rows(const ink_plane *p, size_t W, size_t H,
                           double s, long off, const line_band *bd)
{
    size_t tops[64] = { 0 }, bots[64] = { 0 }, n = 0, acc, x;
    size_t thick = bd->b - bd->a, k, mt = 0, mb = thick - 1;
    line_band t = *bd;

    if (thick > 64)
        return t;
    for (x = 0; x < W; x++) {
        long sh = dg_lround(s * (double)x) - off;
        long ya = (long)bd->a + sh, yb = (long)bd->b + sh, y;
        long first = -1, last = -1;

        if (ya < 1 || yb + 1 > (long)H || is_ink(p->mk, W, x, (size_t)ya - 1)
            || is_ink(p->mk, W, x, (size_t)yb))
            continue;
        for (y = ya; y < yb; y++)
            if (is_ink(p->mk, W, x, (size_t)y)) {
                if (first < 0)
                    first = y - ya;
                last = y - ya;
            }
        if (first < 0)
            continue;
        tops[first]++;
        bots[last]++;
        n++;
    }
    if (n == 0)
        return t;
    for (acc = 0, k = 0; k < thick; k++)
        if ((acc += tops[k]) * 2 >= n) {
            mt = k;
            break;
        }
    for (acc = 0, k = 0; k < thick; k++)
        if ((acc += bots[k]) * 2 >= n) {
            mb = k;
            break;
        }
    if (mb >= mt) {
        t.a = bd->a + mt;
        t.b = bd->a + mb + 1;
    }
    return t;
}

/* The same for a vertical band: columns [a, b) (at row 0) sheared with
 * the page, x = col - s * y. */
static void clear_vband(ink_plane *p, const uint8_t *orig, size_t W,
                        double s, size_t y0, size_t y1,
                        const line_band *bd)
{
    size_t y;

    for (y = y0; y < y1; y++) {
        long sh = -dg_lround(s * (double)y);
        long xa = (long)bd->a + sh, xb = (long)bd->b + sh, x;
        int left, right;

        if (xb <= 0 || xa >= (long)W)
            continue;
        xa = xa < 0 ? 0 : xa;
        xb = xb > (long)W ? (long)W : xb;
        left = xa > 1 && is_ink(orig, W, (size_t)xa - 1, y)
               && is_ink(orig, W, (size_t)xa - 2, y);
        right = xb + 1 < (long)W && is_ink(orig, W, (size_t)xb, y)
                && is_ink(orig, W, (size_t)xb + 1, y);
        if (left && right)
            continue;
        for (x = xa; x < xb; x++)
            p->mk[y * W + (size_t)x] = 0;
        if (xa > 0 && !(orig[y * W + (size_t)xa - 1] & MK_STRONG) && !left)
            p->mk[y * W + (size_t)xa - 1] = 0;
        if (xb < (long)W && !(orig[y * W + (size_t)xb] & MK_STRONG)
            && !right)
            p->mk[y * W + (size_t)xb] = 0;
    }
}

/* Projection of the strong ink in rows [y0, y1) onto columns along the
 * page's skew (x + s y), offset by off. */
static void project_cols(const ink_plane *p, size_t W, size_t y0,
                         size_t y1, double s, long off, uint32_t *proj,
                         size_t n)
{
    size_t x, y;

    memset(proj, 0, n * sizeof *proj);
    for (y = y0; y < y1; y++) {
        const uint8_t *row = p->mk + y * W;
        long sh = dg_lround(s * (double)y) + off;

        for (x = 0; x < W; x++)
            if (row[x])
                proj[(long)x + sh]++;
    }
}

/* Vertical lines in rows [y0, y1): columns covering cover of it, at
 * most thick wide.  Adds them to lw->vb, to be cleared in rows [cy0,
 * cy1) (which hold [y0, y1)). */
static void vertical_lines(lines_work *lw, const ink_plane *p, size_t W,
                           size_t y0, size_t y1, size_t cy0, size_t cy1,
                           double s, double cover, size_t thick)
{
    long off = dg_lround(SKEW_MAX * (double)(y1 + 1)) + 1;
    size_t n = W + 2 * (size_t)off, nb, i;

    project_cols(p, W, y0, y1, s, off, lw->proj, n);
    nb = find_bands(lw->proj, n, cover * (double)(y1 - y0), thick,
                    lw->vb + lw->nv, LINES_MAX - lw->nv);
    for (i = lw->nv; i < lw->nv + nb; i++) {
        /* back to columns at row 0: x = col - off - s y */
        lw->vb[i].a = lw->vb[i].a >= (size_t)off ? lw->vb[i].a - off : 0;
        lw->vb[i].b = lw->vb[i].b >= (size_t)off ? lw->vb[i].b - off : 0;
        lw->vy0[i] = cy0;
        lw->vy1[i] = cy1;
    }
    lw->nv += nb;
}

/* Of the vertical lines lw->vb[from ..] found between the horizontal
 * lines top and bot, keep those that meet both: a box's side does, a 1
 * written in the box seldom. */
static void keep_sides(lines_work *lw, const ink_plane *p, size_t W,
                       size_t H, long off, const line_band *top,
                       const line_band *bot, size_t from)
{
    size_t i, n = from;

    for (i = from; i < lw->nv; i++) {
        long y_t = (long)top->b - 1, y_b = (long)bot->a, x, xb, yt, yb;
        int meets;

        /* the side's middle column where it meets each line */
        x = (long)(lw->vb[i].a + lw->vb[i].b) / 2;
        yt = y_t + dg_lround(lw->slope * (double)x) - off;
        x -= dg_lround(lw->slope * (double)yt);
        yt = y_t + dg_lround(lw->slope * (double)x) - off;
        yb = y_b + dg_lround(lw->slope * (double)x) - off;
        /* two rows into the gap from each line: beyond a line's
         * blurred edge, where only a side joining it has ink */
        xb = x - dg_lround(lw->slope * (double)(yb - yt));
        meets = mask_ink_in(p->mk, W, H, x - 1, x + 2, yt + 2)
                && mask_ink_in(p->mk, W, H, xb - 1, xb + 2, yb - 2);
        if (meets) {
            lw->vb[n] = lw->vb[i];
            lw->vy0[n] = lw->vy0[i];
            lw->vy1[n] = lw->vy1[i];
            n++;
        }
    }
    lw->nv = n;
}

/* Of the sides lw->vb[from ..] of a row of boxes, drop those off the
 * boxes' pitch (off_pitch). */
static void drop_between(lines_work *lw, size_t from)
{
    size_t n = lw->nv - from, i, k;
    long pos[LINES_MAX];
    int drop[LINES_MAX];

    for (i = 0; i < n; i++)
        pos[i] = (long)(lw->vb[from + i].a + lw->vb[from + i].b) / 2;
    off_pitch(pos, n, drop);
    for (i = 0, k = from; i < n; i++) {
        if (drop[i])
            continue;
        lw->vb[k] = lw->vb[from + i];
        lw->vy0[k] = lw->vy0[from + i];
        lw->vy1[k] = lw->vy1[from + i];
        k++;
    }
    lw->nv = k;
}

/* Column x of a row shifted by rs, clipped to [0, W). */
static inline size_t sheared(size_t x, long rs, size_t W)
{
    long c = (long)x + rs;

    return c < 0 ? 0 : c >= (long)W ? W - 1 : (size_t)c;
}

/* The height of the handwriting: the rows from the first to the last
 * that hold strong ink outside the candidate bands (rows along slope s,
 * offset off) and outside the columns (leaning with the page, a pixel
 * either way) inked down nearly all the ink's height [y0, y1) (a
 * vertical line), which are [*wy0, *wy1); its columns in [*wx0, *wx1),
 * not counting short strokes that touch a band.  Uses lw->proj (room for 3 W
 * words) as scratch; lw->shift holds the shifts of slope s and off. */
static size_t writing_height(lines_work *lw, const ink_plane *p, size_t W,
                             size_t y0, size_t y1, double s, long off,
                             const line_band *band, size_t nb, size_t *wx0,
                             size_t *wx1, size_t *wy0, size_t *wy1)
{
    uint32_t *col = lw->proj, *top = col + W, *bot = top + W;
    size_t x, y, k, first = SIZE_MAX, last = 0, hw;
    size_t full = (size_t)(V_COVER * (double)(y1 - y0));

    memset(col, 0, W * sizeof *col);
    for (x = 0; x < W; x++) {
        top[x] = UINT32_MAX;
        bot[x] = 0;
    }
    /* Columns lean with the page: pixel (x, y) is in column x + s (y -
     * y0), counted where it lands (clipped). */
    for (y = y0; y < y1; y++) {
        long rs = dg_lround(s * (double)(y - y0));

        for (x = 0; x < W; x++)
            col[sheared(x, rs, W)] += p->mk[y * W + x] & MK_STRONG;
    }
    for (y = y0; y < y1; y++) {
        const uint8_t *row = p->mk + y * W;
        long rs = dg_lround(s * (double)(y - y0));
        int any = 0;

        for (x = 0; x < W; x++) {
            long pr;
            size_t c = sheared(x, rs, W);
            int inband = 0;

            if (!(row[x] & MK_STRONG) || col[c] >= full
                || (c > 0 && col[c - 1] >= full)
                || (c + 1 < W && col[c + 1] >= full))
                continue;
            pr = (long)y + lw->shift[x];   /* set for s by the caller */
            for (k = 0; k < nb && !inband; k++)
                inband = pr + 1 >= (long)band[k].a && pr <= (long)band[k].b;
            if (inband)
                continue;
            any = 1;
            top[x] = (uint32_t)y < top[x] ? (uint32_t)y : top[x];
            bot[x] = (uint32_t)y;
        }
        if (any) {
            first = y < first ? y : first;
            last = y;
        }
    }
    hw = first <= last ? last - first + 1 : 0;
    *wy0 = first <= last ? first : y0;
    *wy1 = first <= last ? last + 1 : y0;
    /* The writing's columns: not those of short strokes standing on a
     * band (the ticks of a comb field). */
    *wx0 = W;
    *wx1 = 0;
    for (x = 0; x < W; x++) {
        long sh = dg_lround(s * (double)x) - off;
        int touches = 0;

        if (top[x] == UINT32_MAX)
            continue;
        for (k = 0; k < nb && !touches; k++)
            touches = (long)bot[x] + 3 >= (long)band[k].a + sh
                      && (long)top[x] <= (long)band[k].b + sh + 2;
        if (touches && (double)(bot[x] - top[x] + 1) < TICK_MAX * (double)hw)
            continue;
        *wx0 = x < *wx0 ? x : *wx0;
        *wx1 = x + 1;
    }
    return hw;
}

/* The runs of ink along band bd (projection rows along slope s, offset
 * off), gaps of up to the band's thickness + 2 bridged, of at least min
 * columns: into seg[0 .. max) as [x0, x1) pairs.  Returns how many; the
 * longest in longest[0 .. 2) (its columns). */
static size_t band_segments(const ink_plane *p, size_t W, size_t H,
                            double s, long off, const line_band *bd,
                            size_t min, size_t (*seg)[2], size_t max,
                            size_t longest[2])
{
    size_t x, len = 0, gap = 0, n = 0, start = 0;
    size_t maxgap = (bd->b - bd->a) + 2;

    longest[0] = longest[1] = 0;
    for (x = 0; x <= W; x++) {
        int ink = 0;

        if (x < W) {
            long sh = dg_lround(s * (double)x) - off, y;

            for (y = (long)bd->a + sh; y < (long)bd->b + sh && !ink; y++)
                ink = y >= 0 && y < (long)H && p->mk[(size_t)y * W + x];
        }
        if (ink) {
            if (len == 0)
                start = x;
            len += gap + 1;
            gap = 0;
            continue;
        }
        if (len > 0 && ++gap <= maxgap && x < W)
            continue;
        if (len > longest[1] - longest[0]) {
            longest[0] = start;
            longest[1] = start + len;
        }
        if (len >= min && n < max) {
            seg[n][0] = start;
            seg[n][1] = start + len;
            n++;
        }
        len = gap = 0;
    }
    return n;
}

/* Whether some column within 3 of x is inked over V_GAP_COVER of the
 * rows between bands top and bot (projection rows along slope s, offset
 * off): the side of a box. */
static int side_near(const ink_plane *p, size_t W, size_t H, double s,
                     long off, const line_band *top, const line_band *bot,
                     size_t x)
{
    size_t c = x > 3 ? x - 3 : 0;

    for (; c <= x + 3 && c < W; c++) {
        long sh = dg_lround(s * (double)c) - off, y;
        long a = (long)top->b + sh, b = (long)bot->a + sh;
        size_t inked = 0;

        if (a < 0 || b > (long)H || b <= a)
            continue;
        /* The side leans with the page: at row y it is s (y - a) to
         * the left of c (within a pixel). */
        for (y = a; y < b; y++) {
            long cx = (long)c - dg_lround(s * (double)(y - a));

            inked += mask_ink_in(p->mk, W, H, cx - 1, cx + 2, y);
        }
        if ((double)inked >= V_GAP_COVER * (double)(b - a))
            return 1;
    }
    return 0;
}

/* Columns where runs a[0 .. na) of band top and b[0 .. nb) of band bot
 * lie over each other with a box's sides joining them at both ends. */
static size_t boxed_overlap(const ink_plane *p, size_t W, size_t H,
                            double s, long off, const line_band *top,
                            const line_band *bot, size_t (*a)[2], size_t na,
                            size_t (*b)[2], size_t nb)
{
    size_t i, j, sum = 0;

    for (i = 0; i < na; i++)
        for (j = 0; j < nb; j++) {
            size_t lo = a[i][0] > b[j][0] ? a[i][0] : b[j][0];
            size_t hi = a[i][1] < b[j][1] ? a[i][1] : b[j][1];

            if (hi > lo && side_near(p, W, H, s, off, top, bot, lo)
                && side_near(p, W, H, s, off, top, bot, hi - 1))
                sum += hi - lo;
        }
    return sum;
}

/* The share of the columns of the run [x0, x1) of band bd in which the
 * band holds ink and the rows just above and below it hold none: where
 * a printed line runs bare.  A ruled line runs bare but where digits
 * touch or cross it; a row of digits' bars and waists, lined up, is
 * crossed by their strokes all along. */
static double bare_share(const ink_plane *p, size_t W, size_t H, double s,
                         long off, const line_band *bd, size_t x0,
                         size_t x1)
{
    size_t x, bare = 0;

    for (x = x0; x < x1 && x < W; x++) {
        long sh = dg_lround(s * (double)x) - off, y;
        long a = (long)bd->a + sh, b = (long)bd->b + sh;
        int ink = 0, out = 0;

        for (y = a; y < b && !ink; y++)
            ink = y >= 0 && y < (long)H && p->mk[(size_t)y * W + x];
        out = (a - 1 >= 0 && a - 1 < (long)H
               && p->mk[(size_t)(a - 1) * W + x])
              || (b >= 0 && b < (long)H && p->mk[(size_t)b * W + x]);
        bare += ink && !out;
    }
    return x1 > x0 ? (double)bare / (double)(x1 - x0) : 0;
}

/* Which candidate bands cand[0 .. nb) are printed lines against
 * handwriting hw high, in columns [wx0, wx1); their flags in keep.  A
 * line: one run LINE_LONG times hw long that reaches LINE_REACH hw beyond
 * the writing on one side at least, or the image's edge, or spans the
 * whole writing, and runs bare in LINE_BARE of its columns (bare_share).
 * Boxes: two bands, at least half of hw apart, whose
 * runs of at least BOX_SIDE hw lie over each other, joined at both ends
 * by sides (the tops and bottoms of boxes, one box or a row of them),
 * for most of the length of each; a digit's bar has no such partner.
 * The line of a comb field of one cell: a run of BOX_SIDE hw with a
 * tick at both ends.  Lines (not boxes nor combs) only when lines is
 * set (maybe_lines found room for one). */
static void long_bands(const ink_plane *p, size_t W, size_t H, double s,
                       long off, const line_band *cand, size_t nb,
                       size_t hw, size_t wx0, size_t wx1, int lines,
                       int *keep)
{
    size_t seg[LINES_MAX][SEG_MAX][2], nseg[LINES_MAX], total[LINES_MAX];
    size_t i, j, k, longest[2], reach = (size_t)(LINE_REACH * (double)hw);

    for (i = 0; i < nb; i++) {
        nseg[i] = band_segments(p, W, H, s, off, &cand[i],
                                (size_t)(BOX_SIDE * (double)hw), seg[i],
                                SEG_MAX, longest);
        /* A line runs on beyond the writing, or to the image's edge;
         * the bars of digits in a row end within it. */
        keep[i] = lines && (double)(longest[1] - longest[0])
                  >= LINE_LONG * (double)hw
                  && (longest[0] + reach <= wx0 || longest[0] == 0
                      || longest[1] >= wx1 + reach || longest[1] == W
                      || (longest[0] <= wx0 && longest[1] >= wx1));
        if (keep[i] && bare_share(p, W, H, s, off, &cand[i], longest[0],
                                  longest[1]) < LINE_BARE)
            keep[i] = 0;
        if (!keep[i] && nseg[i] > 0)
            keep[i] = comb_ends(p, W, H, s, off, &cand[i], longest[0],
                                longest[1], hw);
        for (total[i] = 0, k = 0; k < nseg[i]; k++)
            total[i] += seg[i][k][1] - seg[i][k][0];
    }
    for (i = 0; i < nb; i++)
        for (j = i + 1; j < nb; j++) {
            size_t ov, most = total[i] > total[j] ? total[i] : total[j];

            if (2 * (cand[j].a - cand[i].b) < hw || most == 0)
                continue;
            ov = boxed_overlap(p, W, H, s, off, &cand[i], &cand[j], seg[i],
                               nseg[i], seg[j], nseg[j]);
            if (ov * 10 >= most * 8) {
                keep[i] = 1;
                keep[j] = 1;
            }
        }
}

/* A cheap test that spares most images the search: whether some band
 * of rows, tall enough to hold a line at any skew searched, is crossed
 * by a thin run of ink (at most thick rows: the topmost or the lowest
 * run of the column in the band) in enough columns: H_COVER of the
 * strong ink's width, and LINE_LONG times as many as the rest of the
 * writing is high: 2, a line may be there; else BOX_SIDE times as many
 * (the top or bottom of a single box is that short): 1, only boxes and
 * combs may be; else 0.  (A curved stroke runs down a band, a line
 * across.)  Uses lw->proj (room for 2 W words) as scratch.  Never 0 for
 * an image that has a line, nor below 2 for one with a long line. */
static int maybe_lines(lines_work *lw, const ink_plane *p, size_t W,
                       size_t x0, size_t x1, size_t y0, size_t y1,
                       size_t thick)
{
    size_t r = (size_t)(SKEW_MAX * (double)(x1 - x0)) + thick + 1;
    size_t y, x, first = SIZE_MAX, last = 0, best = 0, n = x1 - x0;
    size_t widest = 0, hw;
    band_runs br;

    if (r > 65535)
        return 1;               /* too tall a band to count: search */
    br.cur = (uint16_t *)lw->proj;
    br.first = br.cur + n;
    br.last = br.first + n;
    br.strong = br.last + n;
    for (y = y0; y < y1; y += r) {
        size_t ye = y + r < y1 ? y + r : y1, cov = 0, yy, any = 0;

        memset(br.cur, 0, 4 * n * sizeof *br.cur);
        for (yy = y; yy < ye; yy++)
            band_row(br.cur, br.first, br.last, br.strong,
                     p->mk + yy * W + x0, n);
        /* The writing is strong ink; a column inked down the whole band
         * (a vertical line, or a digit's stem) says nothing of its
         * height. */
        size_t inked = 0;

        for (x = 0; x < n; x++) {
            size_t f = br.first[x] ? br.first[x] : br.cur[x];
            size_t l = br.cur[x] ? br.cur[x] : br.last[x];

            cov += (f > 0 && f <= thick) || (l > 0 && l <= thick);
            any += br.strong[x] > 0 && br.strong[x] < ye - y;
            inked += f > 0;
        }
        widest = inked > widest ? inked : widest;
        if ((double)cov >= H_COVER * (double)n) {
            best = cov > best ? cov : best;
        } else if (any > 0) {
            first = y < first ? y : first;
            last = ye;
        }
    }
    /* The writing is at least one band high.  Or: a line that digits
     * sit on is no thin run where they touch it, but a band inked
     * across LINE_LONG times the height of all the strong ink (faint
     * lines are not strong) may still hold one. */
    hw = first == SIZE_MAX || last - first < r ? r : last - first;
    if ((best > 0 && (double)best >= LINE_LONG * (double)hw)
        || (double)widest >= LINE_LONG * (double)(y1 - y0))
        return 2;
    return best > 0 && (double)best >= BOX_SIDE * (double)hw;
}

/* The sides of boxes between each two horizontal lines lw->hb found (a
 * gap at least half the writing's height hw), printed about as thin as
 * those lines (two sides of boxes side by side at most; a 1 written in
 * a box is thicker), meeting both lines, at the boxes' pitch: into
 * lw->vb.  [x0, x1): the ink's columns. */
static void box_sides(lines_work *lw, const ink_plane *p, size_t W,
                      size_t H, long off, size_t x0, size_t x1, size_t hw,
                      size_t thick)
{
    size_t i, nv;

    for (i = 0; i + 1 < lw->nh; i++) {
        /* The rows between the two lines at both ends of the ink: the
         * sides are sought where both ends have them, and cleared
         * wherever either has. */
        long d0 = dg_lround(lw->slope * (double)x0) - off;
        long d1 = dg_lround(lw->slope * (double)x1) - off;
        long a0 = (long)lw->hb[i].b + d0, a1 = (long)lw->hb[i].b + d1;
        long b0 = (long)lw->hb[i + 1].a + d0, b1 = (long)lw->hb[i + 1].a + d1;
        long a = a0 > a1 ? a0 : a1, b = b0 < b1 ? b0 : b1;
        long ca = a0 < a1 ? a0 : a1, cb = b0 > b1 ? b0 : b1;
        size_t side = lw->hb[i].b - lw->hb[i].a;

        if (lw->hb[i + 1].b - lw->hb[i + 1].a > side)
            side = lw->hb[i + 1].b - lw->hb[i + 1].a;
        if (ca < 0 || cb > (long)H || 2 * (b - a) < (long)hw)
            continue;
        nv = lw->nv;
        vertical_lines(lw, p, W, (size_t)a, (size_t)b, (size_t)ca,
                       (size_t)cb, lw->slope, V_GAP_COVER,
                       2 * side + SIDE_SLACK < thick
                       ? 2 * side + SIDE_SLACK : thick);
        keep_sides(lw, p, W, H, off, &lw->hb[i], &lw->hb[i + 1], nv);
        drop_between(lw, nv);
    }
}

/* Whether the ink's rows [y0, y1) may hold a line down the whole page
 * beside the writing's rows [wy0, wy1) (hw high; empty when there is no
 * writing beside the lines): the ink is much higher than the writing
 * and runs on beyond it at both ends, as lines do.  (The stem of a lone
 * 4 is as high as the ink, and the writing beside it, measured without
 * its crossbar, is short; but the ink does not run on above the
 * writing.) */
static int down_the_page(size_t y0, size_t y1, size_t wy0, size_t wy1,
                         size_t hw)
{
    const double reach = V_REACH * (double)hw;

    if ((double)(y1 - y0) < LINE_LONG * (double)hw)
        return 0;
    return wy1 <= wy0
           || ((double)wy0 >= (double)y0 + reach
               && (double)y1 >= (double)wy1 + reach);
}

int lines_remove(lines_work *lw, ink_plane *p, size_t W, size_t H,
                 dg_err *e)
{
    size_t x0, x1, y0, y1, n, i, thick, hw, nb, wx0, wx1, wy0, wy1;
    int level;
    line_band cand[LINES_MAX];
    int keep[LINES_MAX];
    long off, offh;

    lw->nh = lw->nv = 0;
    if (W < 16 || H < 16 || !ink_extent(p, W, H, &x0, &x1, &y0, &y1))
        return 0;
    off = dg_lround(SKEW_MAX * (double)W) + 1;
    offh = dg_lround(SKEW_MAX * (double)H) + 1;
    n = (3 * W > H ? 3 * W : H) + 2 * (size_t)(off > offh ? off : offh);
    if (dg_grow(&lw->proj, &lw->projcap, n + 2, sizeof *lw->proj, e) < 0)
        return -1;
    thick = (size_t)(MAX_THICK * (double)(y1 - y0)) + 2;
    level = maybe_lines(lw, p, W, x0, x1, y0, y1, thick);
    if (level == 0)
        return 0;
    if (dg_grow(&lw->orig, &lw->origcap, W * H, 1, e) < 0)
        return -1;
    if (dg_grow(&lw->shift, &lw->shiftcap, W, sizeof *lw->shift, e) < 0)
        return -1;
    lw->slope = skew_find(lw, p, W, H, off);
    skew_project(p, W, H, lw->slope, 1, off, lw->proj, lw->shift);
    n = H + 2 * (size_t)off;
    nb = find_bands(lw->proj, n, H_COVER * (double)(x1 - x0), thick, cand,
                    LINES_MAX);
    if (nb == 0)
        return 0;
    hw = writing_height(lw, p, W, y0, y1, lw->slope, off, cand, nb, &wx0,
                        &wx1, &wy0, &wy1);
    if (hw < 4)
        hw = 4;
    long_bands(p, W, H, lw->slope, off, cand, nb, hw, wx0, wx1, level > 1,
               keep);
    for (i = 0; i < nb; i++)
        if (keep[i])
            lw->hb[lw->nh++] = line_rows(p, W, H, lw->slope, off, &cand[i]);
    /* Vertical lines: the sides of boxes, and lines down the whole
     * page. */
    box_sides(lw, p, W, H, off, x0, x1, hw, thick);
    if (down_the_page(y0, y1, wy0, wy1, hw))
        vertical_lines(lw, p, W, y0, y1, y0, y1, lw->slope, V_COVER, thick);
    if (lw->nh == 0 && lw->nv == 0)
        return 0;
    memcpy(lw->orig, p->mk, W * H);
    for (i = 0; i < lw->nh; i++) {
        clear_hband(p, lw->orig, W, H, lw->slope, off, &lw->hb[i]);
        comb_clear_ticks(p, lw->orig, W, H, lw->slope, off, &lw->hb[i],
                         hw);
    }
    for (i = 0; i < lw->nv; i++)
        clear_vband(p, lw->orig, W, lw->slope, lw->vy0[i], lw->vy1[i],
                    &lw->vb[i]);
    return (int)(lw->nh + lw->nv);
}

void lines_free(lines_work *lw)
{
    free(lw->proj);
    free(lw->orig);
    free(lw->shift);
    free(lw->cols);
    free(lw->proj16);
    memset(lw, 0, sizeof *lw);
}
