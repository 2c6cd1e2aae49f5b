/* cuts.c - where touching digits may be cut.
 *
 * A component wide enough to hold two digits is cut along the lines
 * that cross the least ink, ink weighed by its contrast so that the pale
 * gap between two strokes blurred into one mark is still a gap.  For
 * each slope, the projection of the ink along that slope gives the
 * columns where a line crosses little of it (pick_cuts, which also
 * counts the strokes crossed, so a cut through the middle of a loop
 * costs more); each chosen line is then bent into the curved path near
 * it that crosses the least ink (curved_path), so the cut follows the
 * gap between two leaning strokes.  The pieces are written back into
 * the blobs in reading order; which of them make one digit is
 * segment.c's to choose.
 *
 * Bounds: at most SEG_MAX_CUTS cuts per component; a pass over the
 * component's box per slope, and for each cut a curved path over a
 * band of at most 2 * MAX_REACH + 1 columns. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

#define SEG_MAX_CUTS 8          /* cuts in one component */
#define NSLOPE 9                /* slopes -0.4, -0.3, ..., 0.4 */
#define SLOPE_STEP 0.1

/* A component is looked at for touching digits when it is this wide
 * (relative to the line's height) ... */
#define CUT_MIN_WIDTH 0.55
/* ... and pieces are at least this wide. */
#define PIECE_MIN_WIDTH 0.12
/* Cuts are at least this far apart. */
#define CUT_SPACING 0.18
/* A curved cut strays at most this far from its straight line, and
 * never more than MAX_REACH pixels. */
#define CURVE_REACH 0.15
#define MAX_REACH 120
/* Ink is weighed by its contrast to this power (a stroke's dark core
 * counts, its blurred rim hardly). */
#define INK_GAMMA 3.0
/* A stroke along which the ink fills EDGE_FULL of the height, no wider
 * than EDGE_STROKE, is cut off EDGE_OFF pixels beside it; such cuts are
 * EDGE_SPACING from others and leave EDGE_MARGIN on either side. */
#define EDGE_FULL 0.8
#define EDGE_STROKE 0.25
#define EDGE_OFF 0.0
#define EDGE_SPACING 0.08
#define EDGE_MARGIN 0.06
/* A curved cut keeps this far inside its piece's box, so that it cannot
 * leave the ink by running round the end of a stroke at the edge. */
#define CURVE_MARGIN 0.06
#define PICK_STROKE 2.0         /* choosing cuts: a second stroke costs
                                 * this many stroke widths of ink */

/* The line of slope index k through column u of the middle row of a box
 * h high is at column u + shift[k * h + y] on row y. */
static void line_shifts(int32_t *shift, size_t h)
{
    const double yc = (double)(h - 1) / 2.0;
    size_t k, y;

    for (k = 0; k < NSLOPE; k++) {
        double s = ((double)k - (NSLOPE - 1) / 2.0) * SLOPE_STEP;

        for (y = 0; y < h; y++)
            shift[k * h + y] = (int32_t)dg_lround(s * ((double)y - yc));
    }
}

/* For each column u (of the piece's box, shifted by pad) and slope k,
 * the ink that the line through (u, yc) of slope k crosses, from the
 * weighted bitmap bm (w x h, 255 = full ink): ct->proj[k * span + u];
 * the shifts of the lines in ct->shift.  Returns span, or 0 on error. */
static size_t projections(cut_work *ct, const uint8_t *bm, size_t w,
                          size_t h, size_t *pad, dg_err *e)
{
    const size_t pd = (size_t)ceil(0.4 * (double)h / 2.0) + 2;
    const size_t span = w + 2 * pd;
    size_t k, x, y;

    if (dg_grow(&ct->proj, &ct->projcap, NSLOPE * span, sizeof(float),
                e) < 0
        || dg_grow(&ct->shift, &ct->shiftcap, NSLOPE * h, sizeof(int32_t),
                   e) < 0)
        return 0;
    line_shifts(ct->shift, h);
    memset(ct->proj, 0, NSLOPE * span * sizeof(float));
    for (k = 0; k < NSLOPE; k++) {
        float *f = ct->proj + k * span;

        for (y = 0; y < h; y++) {
            const uint8_t *row = bm + y * w;
            float *g = f + pd - ct->shift[k * h + y];

            for (x = 0; x < w; x++)
                g[x] += (float)row[x];
        }
        for (x = 0; x < span; x++)
            f[x] *= 1.0f / 255.0f;
    }
    *pad = pd;
    return span;
}

/* The ink of the pixels of piece pc over its box, from 0 off the piece
 * to 255 for full ink, through the weight of each contrast. */
typedef struct bitmap_ctx {
    uint8_t *bm;
    const uint8_t *weight;
    const ink_plane *p;
    size_t w, x0, y0, W;
} bitmap_ctx;

static void bitmap_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    bitmap_ctx *bc = ctx;
    uint8_t *dst = bc->bm + (y - bc->y0) * bc->w - bc->x0;
    const uint8_t *c8 = bc->p->c8 + y * bc->W;
    size_t x;

    for (x = x0; x < x1; x++)
        dst[x] = bc->weight[bc->p->lut[c8[x]]];
}

/* The weight of each contrast: (contrast / full ink)^INK_GAMMA, so the
 * pale rim of a stroke and the pale gap between two strokes that blur
 * into one mark count for little. */
static void ink_weights(uint8_t weight[256], int full)
{
    int v;

    full = full > 0 ? full : 1;
    for (v = 0; v < 256; v++)
        weight[v] = v >= full ? 255
                    : (uint8_t)dg_lround(255.0 * pow((double)v / full,
                                                     INK_GAMMA));
}

/* The path from the top row to the bottom row of the box (bm, w x h)
 * that crosses the least ink, each row's column within reach of the
 * straight line line[y] and moving at most one column a row; written
 * into path.  Returns the ink crossed. */
static double curved_path(const uint8_t *bm, size_t w, size_t h, long lo,
                          const double *line, size_t reach, double *cost,
                          uint8_t *step, int32_t *path)
{
    const size_t nx = 2 * reach + 1;
    size_t y, i;
    double best;
    long prev = 0;

    for (y = 0; y < h; y++) {
        const long base = dg_lround(line[y]) - (long)reach;
        const double *above = cost + (y - (y > 0)) * nx;

        for (i = 0; i < nx; i++) {
            long x = base + (long)i;
            double c = (x < lo || x > (long)w - 1 - lo) ? 1e6
                       : (double)bm[y * w + (size_t)x] * (1.0 / 255.0);
            double from = 1e300;
            int d, arg = 0;

            c += 0.02 * fabs((double)x - line[y]);
            if (y == 0) {
                cost[i] = c;
                continue;
            }
            /* The previous row's window may sit a column off. */
            for (d = -1; d <= 1; d++) {
                long px = x + d - prev;
                double v;

                if (px < 0 || px >= (long)nx)
                    continue;
                v = above[px] + 0.05 * (d != 0);
                if (v < from) {
                    from = v;
                    arg = (int)px;
                }
            }
            cost[y * nx + i] = c + from;
            step[y * nx + i] = (uint8_t)arg;
        }
        prev = base;
    }
    best = cost[(h - 1) * nx];
    i = 0;
    for (y = 1; y < nx; y++)
        if (cost[(h - 1) * nx + y] < best) {
            best = cost[(h - 1) * nx + y];
            i = y;
        }
    for (y = h; y-- > 0;) {
        path[y] = (int32_t)(dg_lround(line[y]) - (long)reach + (long)i);
        if (y > 0)
            i = step[y * nx + i];
    }
    return best;
}

/* A proposed cut through the middle row at column u (box coordinates)
 * with slope s, the ink it crosses, and what it costs to choose. */
typedef struct cut_pick {
    double u, s, ink, cost;
} cut_pick;

/* How many separate strokes of bm (w x h) the line through column u of
 * the middle row with the shifts sh (h) crosses. */
static size_t count_strokes(const uint8_t *bm, size_t w, size_t h, long u,
                            const int32_t *sh)
{
    size_t y, n = 0;
    int in = 0;

    for (y = 0; y < h; y++) {
        long x = u + sh[y];
        int on = x >= 0 && x < (long)w && bm[y * w + (size_t)x] > 127;

        n += on && !in;
        in = on;
    }
    return n;
}

static int cmp_pick(const void *a, const void *b)
{
    const cut_pick *p = a, *q = b;

    if (p->cost != q->cost)
        return p->cost < q->cost ? -1 : 1;
    return p->u < q->u ? -1 : p->u > q->u;
}

/* Add to picks (n of them) the candidates cand (m of them, sorted by
 * cost) that are at least spacing from every pick, cheapest first, up to
 * SEG_MAX_CUTS in all.  Returns the new n. */
static size_t keep_spaced(const cut_pick *cand, size_t m, double spacing,
                          cut_pick *picks, size_t n)
{
    size_t i, j;

    for (i = 0; i < m && n < SEG_MAX_CUTS; i++) {
        int near = 0;

        for (j = 0; j < n && !near; j++)
            near = fabs(cand[i].u - picks[j].u) < spacing;
        if (!near)
            picks[n++] = cand[i];
    }
    return n;
}

/* Beside a tall straight stroke (a 1 written against its neighbour):
 * the lines along which the ink is nearly the whole height, in runs no
 * wider than a stroke; a cut is proposed just outside each side of such
 * a run, unless a chosen cut is near.  Adds to picks (n of them), using
 * tmp as scratch; returns the new n. */
static size_t edge_cuts(cut_work *ct, size_t w, size_t h, const uint8_t *bm,
                        size_t span, size_t pad, cut_pick *tmp,
                        cut_pick *picks, size_t n)
{
    const double full = EDGE_FULL * (double)h;
    const double margin = EDGE_MARGIN * ct->href;
    size_t k, u, m = 0, j;

    for (k = 0; k < NSLOPE; k++) {
        const float *pr = ct->proj + k * span;
        double s = ((double)k - (NSLOPE - 1) / 2.0) * SLOPE_STEP;
        size_t a = 0;
        int in = 0;

        /* The pad columns at either end hold no ink, so every run both
         * starts and ends inside the span. */
        for (u = 1; u < span; u++) {
            int on = pr[u] >= full, was = in;
            size_t b, mid, top;
            double x;

            if (on && !in)
                a = u;
            in = on;
            if (on || !was)
                continue;
            b = u;              /* the run is [a, b) */
            if ((double)(b - a) > EDGE_STROKE * ct->href)
                continue;
            top = a;
            for (mid = a; mid < b; mid++)
                top = pr[mid] > pr[top] ? mid : top;
            if (count_strokes(bm, w, h, (long)(top - pad),
                              ct->shift + k * h) != 1)
                continue;
            for (j = 0; j < 2; j++) {
                x = j == 0 ? (double)b - (double)pad + EDGE_OFF
                           : (double)a - (double)pad - 1.0 - EDGE_OFF;
                if (x < margin || x > (double)w - margin)
                    continue;
                tmp[m].u = x;
                tmp[m].s = s;
                tmp[m].ink = pr[top];
                tmp[m].cost = -pr[top];
                m++;
            }
        }
    }
    qsort(tmp, m, sizeof *tmp, cmp_pick);
    return keep_spaced(tmp, m, EDGE_SPACING * ct->href, picks, n);
}

/* Choose up to SEG_MAX_CUTS cuts of piece pc (bitmap bm of its box):
 * among the lines that cross locally the least ink (per slope, a minimum
 * of the projection), the cheapest, where crossing a second stroke costs
 * as much as PICK_STROKE stroke widths sw of ink (two digits touch at one
 * place; a cut through a loop crosses it twice); at least CUT_SPACING of
 * the line apart, leaving PIECE_MIN_WIDTH on either side.  Returns how
 * many, in picks, left to right. */
static size_t pick_cuts(cut_work *ct, const piece *pc, const uint8_t *bm,
                        double sw, size_t span, size_t pad, cut_pick *picks,
                        dg_err *e)
{
    const size_t w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
    const double margin = PIECE_MIN_WIDTH * ct->href;
    const double spacing = CUT_SPACING * ct->href;
    const double lim = 0.7 * (double)h;
    size_t u, k, n = 0, m = 0, i, j;
    cut_pick *all;

    /* Room for both kinds of candidate: at most one valley per column
     * and slope, and at most two edge cuts per run of full columns, which
     * are at least two columns apart. */
    if (dg_grow(&ct->picks, &ct->pickcap, 2 * NSLOPE * span,
                sizeof(cut_pick), e) < 0)
        return (size_t)-1;
    all = ct->picks;
    for (k = 0; k < NSLOPE; k++) {
        const float *pr = ct->proj + k * span;
        double s = ((double)k - (NSLOPE - 1) / 2.0) * SLOPE_STEP;

        for (u = pad; u < pad + w; u++) {
            double x = (double)(u - pad);
            size_t st;

            if (x < margin || x > (double)w - margin || pr[u] > lim
                || pr[u] > pr[u - 1] || pr[u] > pr[u + 1]
                || (u >= 2 && pr[u] > pr[u - 2])
                || (u + 2 < span && pr[u] > pr[u + 2]))
                continue;
            st = count_strokes(bm, w, h, (long)(u - pad), ct->shift + k * h);
            all[m].u = x;
            all[m].s = s;
            all[m].ink = pr[u];
            all[m].cost = pr[u] + 0.5 * fabs(s)
                          + PICK_STROKE * sw * (double)(st > 1 ? st - 1 : 0);
            m++;
        }
    }
    qsort(all, m, sizeof *all, cmp_pick);
    n = keep_spaced(all, m, spacing, picks, 0);
    n = edge_cuts(ct, w, h, bm, span, pad, all + m, picks, n);
    for (i = 1; i < n; i++)             /* few: insertion sort by u */
        for (j = i; j > 0 && picks[j - 1].u > picks[j].u; j--) {
            cut_pick t = picks[j];

            picks[j] = picks[j - 1];
            picks[j - 1] = t;
        }
    return n;
}

/* Scratch for the curved paths of one piece: views of the segment's
 * buffers, which grow with the largest piece and are kept. */
typedef struct curve_work {
    uint8_t *bm, *step;
    double *cost, *line;
    long lo;
} curve_work;

/* Make the cut of pick p through piece pc (box w x h, bitmap cw->bm):
 * the straight line, or the curved path near it when that crosses less
 * ink.  Columns are kept at or right of those of cut prev (the cut
 * before it, or NO_CUT).  Returns the new cut's index or NO_CUT with e. */
static size_t make_cut(blobs *b, const piece *pc, const cut_pick *p,
                       size_t reach, curve_work *cw, size_t prev,
                       dg_err *e)
{
    const size_t w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
    const double yc = (double)(h - 1) / 2.0;
    size_t k, y;
    int32_t *x;
    const int32_t *before;
    int in;
    double straight = 0, curved;
    cut *c;

    k = blobs_new_cut(b, pc->y0, pc->y1, e);
    if (k == NO_CUT)
        return NO_CUT;
    /* Only now: a new cut may move every cut's columns. */
    c = &b->cuts[k];
    x = b->cutx + c->off;
    before = prev == NO_CUT ? NULL : b->cutx + b->cuts[prev].off;
    for (y = 0; y < h; y++) {
        long col;

        cw->line[y] = p->u + p->s * ((double)y - yc);
        col = dg_lround(cw->line[y]);
        straight += col >= 0 && col < (long)w
                    ? cw->bm[y * w + (size_t)col] * (1.0 / 255.0) : 0;
    }
    curved = curved_path(cw->bm, w, h, cw->lo, cw->line, reach, cw->cost,
                         cw->step, x);
    if (curved >= straight - 0.5)       /* not clearly better: straight */
        for (y = 0; y < h; y++)
            x[y] = (int32_t)dg_lround(cw->line[y]);
    c->ink = curved < straight - 0.5 ? curved : straight;
    c->strokes = 0;
    for (y = 0, in = 0; y < h; y++) {
        int on = x[y] >= 0 && x[y] < (int32_t)w
                 && cw->bm[y * w + (size_t)x[y]] > 127;

        c->strokes += on && !in;
        in = on;
        x[y] += (int32_t)pc->x0;
        if (before != NULL && x[y] < before[y])
            x[y] = before[y];
    }
    return k;
}

/* Cut piece number i of b (a whole component) at the picks, replacing
 * it by its parts, left to right, at the end of b->pieces. */
static int cut_piece(blobs *b, const ink_plane *p, size_t W, size_t i,
                     const cut_pick *picks, size_t n, size_t reach,
                     curve_work *cw, dg_err *e)
{
    const piece whole = b->pieces[i];
    size_t k, prev = NO_CUT, cuts[SEG_MAX_CUTS];
    int placed = 0;

    for (k = 0; k < n; k++) {
        cuts[k] = make_cut(b, &whole, &picks[k], reach, cw, prev, e);
        if (cuts[k] == NO_CUT)
            return -1;
        prev = cuts[k];
    }
    for (k = 0; k <= n; k++) {
        piece part = whole;

        part.lcut = k > 0 ? cuts[k - 1] : NO_CUT;
        part.rcut = k < n ? cuts[k] : NO_CUT;
        blobs_measure(b, p, W, &part);
        if (part.pixels == 0)
            continue;
        if (!placed) {          /* the first part takes the whole's place */
            b->pieces[i] = part;
            placed = 1;
            continue;
        }
        if (dg_grow(&b->pieces, &b->piececap, b->npieces + 1,
                    sizeof(piece), e) < 0)
            return -1;
        b->pieces[b->npieces++] = part;
    }
    return 0;
}

/* Find and make the cuts of the whole piece i, if it is wide enough.
 * Returns 1 when it was cut, 0 when not, -1 on error. */
static int propose_piece(cut_work *ct, blobs *b, const ink_plane *p,
                         size_t W, size_t i, curve_work *cw, dg_err *e)
{
    const piece *pc = &b->pieces[i];
    const size_t w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
    cut_pick picks[SEG_MAX_CUTS];
    size_t span, pad, n, reach;
    double sw;
    bitmap_ctx bc;

    if ((double)w < CUT_MIN_WIDTH * ct->href || (double)h < 0.4 * ct->href)
        return 0;
    /* The reach is bounded so a step fits in a byte. */
    reach = (size_t)(CURVE_REACH * ct->href) + 1;
    reach = reach < MAX_REACH ? reach : MAX_REACH;
    if (dg_grow(&ct->bm, &ct->bmcap, w * h, 1, e) < 0
        || dg_grow(&ct->step, &ct->stepcap, h * (2 * reach + 1), 1, e) < 0
        || dg_grow(&ct->pathcost, &ct->pathcostcap, h * (2 * reach + 1),
                   sizeof(double), e) < 0
        || dg_grow(&ct->line, &ct->linecap, h, sizeof(double), e) < 0)
        return -1;
    cw->bm = ct->bm;
    cw->step = ct->step;
    cw->cost = ct->pathcost;
    cw->line = ct->line;
    cw->lo = (long)(CURVE_MARGIN * ct->href);
    memset(cw->bm, 0, w * h);
    bc.bm = cw->bm;
    bc.weight = ct->weights[p->level8];
    bc.p = p;
    bc.w = w;
    bc.x0 = pc->x0;
    bc.y0 = pc->y0;
    bc.W = W;
    blobs_walk(b, pc, 1, bitmap_row, &bc);
    span = projections(ct, cw->bm, w, h, &pad, e);
    if (span == 0)
        return -1;
    /* The stroke width: the mean length of the component's runs. */
    sw = (double)b->comps[pc->comp].pixels
         / (double)(b->comps[pc->comp].count ? b->comps[pc->comp].count : 1);
    n = pick_cuts(ct, pc, cw->bm, sw, span, pad, picks, e);
    if (n == (size_t)-1)
        return -1;
    if (n == 0)
        return 0;
    return cut_piece(b, p, W, i, picks, n, reach, cw, e) < 0 ? -1 : 1;
}

int cut_may_cut(const blobs *b, size_t i)
{
    const piece *pc = &b->pieces[i];

    return (double)(pc->x1 - pc->x0)
           >= CUT_MIN_WIDTH * (double)(pc->y1 - pc->y0);
}

long cut_propose(cut_work *ct, blobs *b, const ink_plane *p, size_t W,
                 double href, dg_err *e)
{
    size_t i, n = b->npieces;
    long ncut = 0;

    ct->href = href;
    /* A stream's images share a few levels of full ink: each table is
     * made once. */
    if (ct->weights == NULL
        && (ct->weights = malloc(256 * sizeof *ct->weights)) == NULL)
        return dg_seterr(e, "out of memory");
    if (!ct->weights_done[p->level8]) {
        ink_weights(ct->weights[p->level8], p->level8);
        ct->weights_done[p->level8] = 1;
    }
    for (i = 0; i < n; i++) {
        curve_work cw;
        int rc = propose_piece(ct, b, p, W, i, &cw, e);

        if (rc < 0)
            return -1;
        ncut += rc;
    }
    if (ncut > 0)
        blobs_sort(b);
    return ncut;
}

void cut_free(cut_work *ct)
{
    free(ct->weights);
    free(ct->proj);
    free(ct->shift);
    free(ct->picks);
    free(ct->bm);
    free(ct->step);
    free(ct->pathcost);
    free(ct->line);
    memset(ct, 0, sizeof *ct);
}
