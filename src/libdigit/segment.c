/* segment.c - where one digit ends: segmentation by recognition.
 *
 * Geometry proposes, the network decides.  seg_propose cuts every
 * component wide enough to hold two touching digits along the lines
 * that cross the least ink (straight, slanted, or a curved path that
 * follows the gap between strokes), which gives a row of pieces in
 * reading order.  seg_choose reads every run of up to SEG_SPAN
 * neighbouring pieces as one candidate digit (normalised exactly as the
 * output cells are) and keeps the partition of the pieces whose total
 * cost is least: per digit -log p(its best digit) plus priors on its
 * height and width relative to the line of digits, a cost for each cut
 * the path goes through, and for a piece left out (a speck), a cost that
 * grows with its ink.  A network with the "not one digit" class gives
 * fragments and pairs a low p(best digit) by itself.
 *
 * Bounds: at most SEG_MAX_CUTS cuts per component, at most SEG_SPAN
 * pieces per candidate, so the candidates grow linearly with the
 * pieces, and each costs a pass over its own runs. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

#define SEG_BATCH 64            /* candidates per forward pass */
#define SEG_SPAN 8              /* pieces in one candidate digit */
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

/* Costs of a path (tuned on the development numbers). */
#define COST_CUT 0.3            /* a cut the path goes through ... */
#define COST_CUT_INK 2.0        /* ... plus this times its ink / height */
#define COST_STROKE 0.5         /* ... and this for each stroke crossed
                                 * after the first (a cut through a loop) */
#define PICK_STROKE 2.0         /* choosing cuts: a second stroke costs
                                 * this many stroke widths of ink */
#define COST_SHORT 8.0          /* per unit of height below SHORT */
#define SHORT 0.6
#define COST_WIDE 6.0           /* per unit of width above WIDE */
#define WIDE 1.0
#define COST_SKIP 60.0          /* leaving out ink: per ink / height^2 */
#define CONFIDENT 0.9           /* a whole mark read this surely ... */
#define WHOLE_BONUS 3.0         /* ... costs this much less */
#define MERGE_GAP 0.3           /* pieces further apart are not joined */
#define MERGE_WIDTH 1.3         /* nor into something wider than this */



/* ------------------------------------------------------------------ */
/* Proposing cuts                                                      */

/* The height of the line of digits: the joint height of the pieces
 * with at least a quarter of the ink of the largest. */
static double line_height(const blobs *b)
{
    size_t i, top = (size_t)-1, bot = 0;
    double most = 0;

    for (i = 0; i < b->npieces; i++)
        most = b->pieces[i].ink > most ? b->pieces[i].ink : most;
    for (i = 0; i < b->npieces; i++) {
        const piece *pc = &b->pieces[i];

        if (pc->ink < 0.25 * most)
            continue;
        top = pc->y0 < top ? pc->y0 : top;
        bot = pc->y1 > bot ? pc->y1 : bot;
    }
    return bot > top ? (double)(bot - top) : 1.0;
}

typedef struct proj_ctx {
    int32_t *diff;              /* (NSLOPE, span + 1) */
    const int32_t *shift;       /* (NSLOPE, h) */
    size_t span, pad, x0, y0, h;
} proj_ctx;

static void proj_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    const proj_ctx *pj = ctx;
    const long a = (long)(x0 - pj->x0) + (long)pj->pad;
    const long z = (long)(x1 - pj->x0) + (long)pj->pad;
    size_t k;

    for (k = 0; k < NSLOPE; k++) {
        int32_t *d = pj->diff + k * (pj->span + 1);
        long sh = pj->shift[k * pj->h + (y - pj->y0)];

        d[a - sh]++;
        d[z - sh]--;
    }
}

/* The line of slope index k through column u of the middle row of a box
 * h high is at column u + shift[k * h + y] on row y. */
static void line_shifts(int32_t *shift, size_t h)
{
    const double yc = (double)(h - 1) / 2.0;
    size_t k, y;

    for (k = 0; k < NSLOPE; k++) {
        double s = ((double)k - (NSLOPE - 1) / 2.0) * SLOPE_STEP;

        for (y = 0; y < h; y++)
            shift[k * h + y] = (int32_t)lround(s * ((double)y - yc));
    }
}

/* For each column u (of the piece's box, shifted by pad) and slope k,
 * the rows in which the line through (u, yc) of slope k crosses ink:
 * sg->proj[k * span + u]; the shifts of the lines in sg->shift.
 * Returns span, or 0 on error. */
static size_t projections(segment *sg, const blobs *b, const piece *pc,
                          size_t *pad, dg_err *e)
{
    const size_t h = pc->y1 - pc->y0;
    proj_ctx pj;
    size_t k, u;

    pj.pad = (size_t)ceil(0.4 * (double)h / 2.0) + 2;
    pj.span = pc->x1 - pc->x0 + 2 * pj.pad;
    pj.x0 = pc->x0;
    pj.y0 = pc->y0;
    pj.h = h;
    if (dg_grow(&sg->proj, &sg->projcap, NSLOPE * pj.span, sizeof(float),
                e) < 0
        || dg_grow(&sg->diff, &sg->diffcap, NSLOPE * (pj.span + 1),
                   sizeof(int32_t), e) < 0
        || dg_grow(&sg->shift, &sg->shiftcap, NSLOPE * h, sizeof(int32_t),
                   e) < 0)
        return 0;
    line_shifts(sg->shift, h);
    pj.diff = sg->diff;
    pj.shift = sg->shift;
    memset(pj.diff, 0, NSLOPE * (pj.span + 1) * sizeof(int32_t));
    blobs_walk(b, pc, 1, proj_row, &pj);
    for (k = 0; k < NSLOPE; k++) {
        int32_t *d = pj.diff + k * (pj.span + 1), acc = 0;
        float *f = sg->proj + k * pj.span;

        for (u = 0; u < pj.span; u++) {
            acc += d[u];
            f[u] = (float)acc;
        }
    }
    *pad = pj.pad;
    return pj.span;
}

/* A bitmap (1 = ink) of the pixels of piece pc over its box. */
typedef struct bitmap_ctx {
    uint8_t *bm;
    size_t w, x0, y0;
} bitmap_ctx;

static void bitmap_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    bitmap_ctx *bc = ctx;

    memset(bc->bm + (y - bc->y0) * bc->w + (x0 - bc->x0), 1, x1 - x0);
}

/* The path from the top row to the bottom row of the box (bm, w x h)
 * that crosses the least ink, each row's column within reach of the
 * straight line line[y] and moving at most one column a row; written
 * into path.  Returns the ink crossed. */
static double curved_path(const uint8_t *bm, size_t w, size_t h,
                          const double *line, size_t reach, double *cost,
                          uint8_t *step, int32_t *path)
{
    const size_t nx = 2 * reach + 1;
    size_t y, i;
    double best;
    long prev = 0;

    for (y = 0; y < h; y++) {
        const long base = lround(line[y]) - (long)reach;
        const double *above = cost + (y - (y > 0)) * nx;

        for (i = 0; i < nx; i++) {
            long x = base + (long)i;
            double c = (x < 0 || x >= (long)w) ? 0.0
                       : (double)bm[y * w + (size_t)x];
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
        path[y] = (int32_t)(lround(line[y]) - (long)reach + (long)i);
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
        int on = x >= 0 && x < (long)w && bm[y * w + (size_t)x];

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

/* Choose up to SEG_MAX_CUTS cuts of piece pc (bitmap bm of its box):
 * among the lines that cross locally the least ink (per slope, a minimum
 * of the projection), the cheapest, where crossing a second stroke costs
 * as much as PICK_STROKE stroke widths sw of ink (two digits touch at one
 * place; a cut through a loop crosses it twice); at least CUT_SPACING of
 * the line apart, leaving PIECE_MIN_WIDTH on either side.  Returns how
 * many, in picks, left to right. */
static size_t pick_cuts(segment *sg, const piece *pc, const uint8_t *bm,
                        double sw, size_t span, size_t pad, cut_pick *picks,
                        dg_err *e)
{
    const size_t w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
    const double margin = PIECE_MIN_WIDTH * sg->href;
    const double spacing = CUT_SPACING * sg->href;
    const double lim = 0.7 * (double)h;
    size_t u, k, n = 0, m = 0, i, j;
    cut_pick *all;

    if (dg_grow(&sg->picks, &sg->pickcap, NSLOPE * span, sizeof(cut_pick),
                e) < 0)
        return (size_t)-1;
    all = sg->picks;
    for (k = 0; k < NSLOPE; k++) {
        const float *pr = sg->proj + k * span;
        double s = ((double)k - (NSLOPE - 1) / 2.0) * SLOPE_STEP;

        for (u = pad; u < pad + w; u++) {
            double x = (double)(u - pad);
            size_t st;

            if (x < margin || x > (double)w - margin || pr[u] > lim
                || pr[u] > pr[u - 1] || pr[u] > pr[u + 1]
                || (u >= 2 && pr[u] > pr[u - 2])
                || (u + 2 < span && pr[u] > pr[u + 2]))
                continue;
            st = count_strokes(bm, w, h, (long)(u - pad), sg->shift + k * h);
            all[m].u = x;
            all[m].s = s;
            all[m].ink = pr[u];
            all[m].cost = pr[u] + 0.5 * fabs(s)
                          + PICK_STROKE * sw * (double)(st > 1 ? st - 1 : 0);
            m++;
        }
    }
    qsort(all, m, sizeof *all, cmp_pick);
    for (i = 0; i < m && n < SEG_MAX_CUTS; i++) {
        int near = 0;

        for (j = 0; j < n && !near; j++)
            near = fabs(all[i].u - picks[j].u) < spacing;
        if (!near)
            picks[n++] = all[i];
    }
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
        col = lround(cw->line[y]);
        straight += col >= 0 && col < (long)w ? cw->bm[y * w + (size_t)col]
                    : 0;
    }
    curved = curved_path(cw->bm, w, h, cw->line, reach, cw->cost, cw->step,
                         x);
    if (curved >= straight - 0.5)       /* not clearly better: straight */
        for (y = 0; y < h; y++)
            x[y] = (int32_t)lround(cw->line[y]);
    c->ink = curved < straight - 0.5 ? curved : straight;
    c->strokes = 0;
    for (y = 0, in = 0; y < h; y++) {
        int on = x[y] >= 0 && x[y] < (int32_t)w
                 && cw->bm[y * w + (size_t)x[y]];

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
static int propose_piece(segment *sg, blobs *b, const ink_plane *p,
                         size_t W, size_t i, curve_work *cw, dg_err *e)
{
    const piece *pc = &b->pieces[i];
    const size_t w = pc->x1 - pc->x0, h = pc->y1 - pc->y0;
    cut_pick picks[SEG_MAX_CUTS];
    size_t span, pad, n, reach;
    double sw;
    bitmap_ctx bc;

    if ((double)w < CUT_MIN_WIDTH * sg->href || (double)h < 0.4 * sg->href)
        return 0;
    span = projections(sg, b, pc, &pad, e);
    if (span == 0)
        return -1;
    /* The reach is bounded so a step fits in a byte. */
    reach = (size_t)(CURVE_REACH * sg->href) + 1;
    reach = reach < MAX_REACH ? reach : MAX_REACH;
    if (dg_grow(&sg->bm, &sg->bmcap, w * h, 1, e) < 0
        || dg_grow(&sg->step, &sg->stepcap, h * (2 * reach + 1), 1, e) < 0
        || dg_grow(&sg->pathcost, &sg->pathcostcap, h * (2 * reach + 1),
                   sizeof(double), e) < 0
        || dg_grow(&sg->line, &sg->linecap, h, sizeof(double), e) < 0)
        return -1;
    cw->bm = sg->bm;
    cw->step = sg->step;
    cw->cost = sg->pathcost;
    cw->line = sg->line;
    memset(cw->bm, 0, w * h);
    bc.bm = cw->bm;
    bc.w = w;
    bc.x0 = pc->x0;
    bc.y0 = pc->y0;
    blobs_walk(b, pc, 1, bitmap_row, &bc);
    /* The stroke width: the mean length of the component's runs. */
    sw = (double)b->comps[pc->comp].pixels
         / (double)(b->comps[pc->comp].count ? b->comps[pc->comp].count : 1);
    n = pick_cuts(sg, pc, cw->bm, sw, span, pad, picks, e);
    if (n == (size_t)-1)
        return -1;
    if (n == 0)
        return 0;
    return cut_piece(b, p, W, i, picks, n, reach, cw, e) < 0 ? -1 : 1;
}

int seg_may_cut(const blobs *b, size_t i)
{
    const piece *pc = &b->pieces[i];

    return (double)(pc->x1 - pc->x0)
           >= CUT_MIN_WIDTH * (double)(pc->y1 - pc->y0);
}

long seg_propose(segment *sg, blobs *b, const ink_plane *p, size_t W,
                 dg_err *e)
{
    size_t i, n = b->npieces;
    long ncut = 0;

    sg->href = line_height(b);
    for (i = 0; i < n; i++) {
        curve_work cw;
        int rc = propose_piece(sg, b, p, W, i, &cw, e);

        if (rc < 0)
            return -1;
        ncut += rc;
    }
    if (ncut > 0)
        blobs_sort(b);
    return ncut;
}

/* ------------------------------------------------------------------ */
/* Choosing the digits                                                 */

/* The candidates: every run of up to SEG_SPAN neighbouring pieces that
 * is not too wide and has no wide gap inside. */
static int list_candidates(segment *sg, const blobs *b, dg_err *e)
{
    size_t i, j;

    /* How many pieces each component was cut into. */
    if (dg_grow(&sg->npart, &sg->npartcap, b->ncomps ? b->ncomps : 1,
                sizeof(size_t), e) < 0)
        return -1;
    memset(sg->npart, 0, b->ncomps * sizeof(size_t));
    for (i = 0; i < b->npieces; i++)
        sg->npart[b->pieces[i].comp]++;
    sg->ncands = 0;
    for (i = 0; i < b->npieces; i++) {
        size_t x0 = b->pieces[i].x0, x1 = b->pieces[i].x1;
        int one = 1;

        for (j = i; j < b->npieces && j < i + SEG_SPAN; j++) {
            const piece *pc = &b->pieces[j];
            seg_cand *c;

            /* The parts of one mark may always be joined again, however
             * wide it is (a flat 0); other marks only when near. */
            if (j > i) {
                one = one && pc->comp == b->pieces[i].comp;
                if (!one
                    && (double)pc->x0 > (double)x1 + MERGE_GAP * sg->href)
                    break;
                x0 = pc->x0 < x0 ? pc->x0 : x0;
                x1 = pc->x1 > x1 ? pc->x1 : x1;
                if (!one && (double)(x1 - x0) > MERGE_WIDTH * sg->href)
                    break;
            }
            if (dg_grow(&sg->cands, &sg->candcap, sg->ncands + 1,
                        sizeof(seg_cand), e) < 0)
                return -1;
            c = &sg->cands[sg->ncands++];
            c->first = i;
            c->count = j - i + 1;
            c->digit = -1;
            c->prob = 0;
            c->shape = c->cost = c->bound = 0;
            c->read = 0;
        }
    }
    return 0;
}

/* The box of pieces [first, first + count). */
static void cand_box(const blobs *b, size_t first, size_t count,
                     size_t *x0, size_t *y0, size_t *x1, size_t *y1)
{
    size_t k;

    *x0 = *y0 = (size_t)-1;
    *x1 = *y1 = 0;
    for (k = first; k < first + count; k++) {
        const piece *pc = &b->pieces[k];

        *x0 = pc->x0 < *x0 ? pc->x0 : *x0;
        *y0 = pc->y0 < *y0 ? pc->y0 : *y0;
        *x1 = pc->x1 > *x1 ? pc->x1 : *x1;
        *y1 = pc->y1 > *y1 ? pc->y1 : *y1;
    }
}

/* What a candidate costs beyond -log p: its shape against the line's
 * height, and the cut it starts at. */
static double shape_cost(const segment *sg, const blobs *b,
                         const seg_cand *c, int whole)
{
    size_t x0, y0, x1, y1;
    double hr, wr, cost = 0;
    const piece *first = &b->pieces[c->first];

    cand_box(b, c->first, c->count, &x0, &y0, &x1, &y1);
    hr = (double)(y1 - y0) / sg->href;
    wr = (double)(x1 - x0) / sg->href;
    if (hr < SHORT)
        cost += COST_SHORT * (SHORT - hr);
    if (wr > WIDE && !whole)
        cost += COST_WIDE * (wr - WIDE);
    if (first->lcut != NO_CUT) {
        const cut *k = &b->cuts[first->lcut];

        cost += COST_CUT + COST_CUT_INK * k->ink / sg->href
                + COST_STROKE * (double)(k->strokes > 1 ? k->strokes - 1 : 0);
    }
    return cost;
}

/* Whether candidate c is exactly one mark: all the pieces of one
 * component, and nothing else. */
static int whole_mark(const segment *sg, const blobs *b, const seg_cand *c)
{
    size_t k, mark = b->pieces[c->first].comp;

    for (k = c->first + 1; k < c->first + c->count; k++)
        if (b->pieces[k].comp != mark)
            return 0;
    return sg->npart[mark] == c->count;
}

/* The probability of digit best of the probabilities pr (nout) as the
 * segmentation weighs it: with the class "not one digit" at the prior
 * of the training set, as it was before digittrain --reject-bias moved
 * it for single cells.  Among candidates, pieces and pairs are as common
 * as in training; among the cells written, they are rare. */
static double seg_prob(const segment *sg, const float *pr, int best,
                       size_t nout)
{
    double rej;

    if (nout <= DG_REJECT)
        return pr[best];
    rej = pr[DG_REJECT];
    return pr[best] / (1.0 - rej + sg->reject_weight * rej);
}

/* The reading of the probabilities pr (nout): the likeliest digit in
 * *best, and that digit or DG_REJECT when "not one digit" is likelier. */
static int reading(const float *pr, size_t nout, int *best)
{
    size_t k;
    int b = 0;

    for (k = 1; k < 10 && k < nout; k++)
        if (pr[k] > pr[b])
            b = (int)k;
    *best = b;
    return nout > DG_REJECT && pr[DG_REJECT] > pr[b] ? DG_REJECT : b;
}

/* Make sg->acts ready for batches of net. */
static int use_net(segment *sg, const dg_net *net, dg_err *e)
{
    char v[64];

    if (sg->acts_net == net)
        return 0;
    dg_acts_free(&sg->acts);
    sg->acts_net = NULL;
    if (dg_acts_alloc(&sg->acts, net, SEG_BATCH, e) < 0)
        return -1;
    sg->acts_net = net;
    /* Undo the bias digittrain --reject-bias added after training. */
    sg->reject_weight = dg_meta_get(net, "reject_bias", v, sizeof v) == 0
                        ? exp(-atof(v)) : 1.0;
    return 0;
}

int seg_read_cell(segment *sg, const dg_net *net, const float *cell,
                  double *prob, dg_err *e)
{
    const float *pr;
    int best, digit;

    if (use_net(sg, net, e) < 0)
        return -1;
    memcpy(sg->acts.act[0], cell, DG_CELL_PIXELS * sizeof *cell);
    pr = dg_net_forward(net, &sg->acts, 1);
    digit = reading(pr, dg_net_out(net), &best);
    *prob = pr[best];
    return digit;
}

/* What reads the candidates: the ink they are drawn from, the network,
 * and the scratch of a cell. */
typedef struct reader {
    segment *sg;
    const blobs *b;
    const ink_plane *p;
    size_t W;
    cell_scratch *cs;
    const dg_net *net;
    const dg_prep_opts *o;
    dg_image *crop;
} reader;

/* The least that candidate c can cost, before it is read: its shape
 * (with the bonus of a confident whole mark, which it may earn) and the
 * least -log p the network can give. */
static double cost_bound(const segment *sg, const blobs *b,
                         const seg_cand *c)
{
    const double least_p = -log(1.0 / (sg->reject_weight < 1.0
                                       ? sg->reject_weight : 1.0) + 1e-6);

    if (whole_mark(sg, b, c))
        return least_p + shape_cost(sg, b, c, 1) - WHOLE_BONUS;
    return least_p + shape_cost(sg, b, c, 0);
}

/* Score the candidates idx[0 .. n) from the n cells read in sg->acts. */
static void score_batch(reader *r, const size_t *idx, size_t n)
{
    segment *sg = r->sg;
    const float *prob = dg_net_forward(r->net, &sg->acts, n);
    const size_t nout = dg_net_out(r->net);
    size_t i;

    for (i = 0; i < n; i++) {
        const float *pr = prob + i * nout;
        seg_cand *c = &sg->cands[idx[i]];
        int best, whole;

        memcpy(sg->probs + idx[i] * nout, pr, nout * sizeof *pr);
        c->digit = reading(pr, nout, &best);
        c->prob = pr[best];
        c->read = 1;
        /* A whole mark read confidently as one digit, however wide (a
         * 7 with a long bar), is cut only when its pieces read clearly
         * better. */
        whole = c->digit != DG_REJECT && c->prob >= CONFIDENT
                && whole_mark(sg, r->b, c);
        c->shape = shape_cost(sg, r->b, c, whole)
                   - (whole ? WHOLE_BONUS : 0);
        c->cost = -log(seg_prob(sg, pr, best, nout) + 1e-6) + c->shape;
    }
}

/* Classify the candidates idx[0 .. n), SEG_BATCH at a time. */
static int read_list(reader *r, const size_t *idx, size_t n, dg_err *e)
{
    segment *sg = r->sg;
    size_t i, m = 0;

    for (i = 0; i < n; i++) {
        const seg_cand *c = &sg->cands[idx[i]];

        if (blobs_draw(r->b, r->p, r->W, r->b->pieces + c->first, c->count,
                       r->o->binary, r->crop, NULL, NULL, e) < 0
            || cell_make(r->cs, r->crop, r->o->deskew, r->o->binary,
                         sg->acts.act[0] + m * DG_CELL_PIXELS, DG_CELL, e)
               < 0)
            return -1;
        if (++m == SEG_BATCH) {
            score_batch(r, idx + i + 1 - m, m);
            m = 0;
        }
    }
    if (m > 0)
        score_batch(r, idx + n - m, m);
    return 0;
}

/* Classify every candidate not read yet. */
static int read_rest(reader *r, dg_err *e)
{
    segment *sg = r->sg;
    size_t i, n = 0;

    if (dg_grow(&sg->order, &sg->ordercap, sg->ncands ? sg->ncands : 1,
                sizeof(size_t), e) < 0)
        return -1;
    for (i = 0; i < sg->ncands; i++)
        if (!sg->cands[i].read)
            sg->order[n++] = i;
    return read_list(r, sg->order, n, e);
}

/* (Measured: a part of a cut mark costs no more to leave out than a
 * mark; the stray end of a stroke is one.) */
double seg_skip_cost(const segment *sg, const piece *pc)
{
    return COST_SKIP * pc->ink / (sg->href * sg->href);
}

/* Among the candidates ending at piece j (at most SEG_SPAN, one for
 * each first piece i), into ends, cheapest first by the least each can
 * cost on a path, in lb.  Returns how many. */
static size_t ending_at(const segment *sg, size_t j, size_t *ends,
                        double *lb)
{
    size_t i, n = 0, a, k;

    for (i = j > SEG_SPAN ? j - SEG_SPAN : 0; i < j; i++) {
        k = sg->start[i] + (j - i - 1);
        if (k >= sg->start[i + 1])
            continue;           /* that run was not a candidate */
        ends[n] = k;
        lb[n] = sg->best[i] + sg->cands[k].bound;
        for (a = n++; a > 0 && lb[a - 1] > lb[a]; a--) {
            double t = lb[a];
            size_t u = ends[a];

            lb[a] = lb[a - 1], ends[a] = ends[a - 1];
            lb[a - 1] = t, ends[a - 1] = u;
        }
    }
    return n;
}

/* The path of least cost over the pieces: every piece in one chosen
 * candidate, or left out.  Candidates come grouped by their first
 * piece, with counts 1, 2, ... in each group.  A candidate is read only
 * when the least it could cost would still better the best path to its
 * end so far: the path is the one reading every candidate would give,
 * at a fraction of the network's work (most runs of pieces start in the
 * middle of a digit, where every path is already dear).  With all, every
 * candidate has been read and every one is weighed. */
static int best_path(reader *r, int all, dg_err *e)
{
    segment *sg = r->sg;
    const size_t n = r->b->npieces;
    size_t i, j, q, m, ends[SEG_SPAN], todo[SEG_SPAN];
    double lb[SEG_SPAN];

    if (dg_grow(&sg->best, &sg->bestcap, n + 1, sizeof(double), e) < 0
        || dg_grow(&sg->from, &sg->fromcap, n + 1, sizeof(size_t), e) < 0
        || dg_grow(&sg->take, &sg->takecap, n + 1, sizeof(size_t), e) < 0
        || dg_grow(&sg->start, &sg->startcap, n + 1, sizeof(size_t), e) < 0)
        return -1;
    for (i = 0, j = 0; i <= n; i++) {
        while (j < sg->ncands && sg->cands[j].first < i)
            j++;
        sg->start[i] = j;
    }
    sg->best[0] = 0;
    for (j = 1; j <= n; j++) {
        sg->best[j] = sg->best[j - 1]
                      + seg_skip_cost(sg, &r->b->pieces[j - 1]);
        sg->from[j] = j - 1;
        sg->take[j] = NO_CUT;
        m = ending_at(sg, j, ends, lb);
        for (q = 0; q < m && (all || lb[q] < sg->best[j]); q++) {
            const seg_cand *c = &sg->cands[ends[q]];
            double cost;

            if (!c->read) {
                /* The cheapest alone, which sets a bound; then all the
                 * others still under it at once. */
                size_t t, nt = 0;

                for (t = q; t < m && (t == q || q > 0)
                            && lb[t] < sg->best[j]; t++)
                    if (!sg->cands[ends[t]].read)
                        todo[nt++] = ends[t];
                if (read_list(r, todo, nt, e) < 0)
                    return -1;
            }
            cost = sg->best[c->first] + c->cost;
            if (cost < sg->best[j]) {
                sg->best[j] = cost;
                sg->from[j] = c->first;
                sg->take[j] = ends[q];
            }
        }
    }
    return 0;
}

/* Walk the path back into sg->cells, in reading order. */
static int path_cells(reader *r, dg_err *e)
{
    segment *sg = r->sg;
    const blobs *b = r->b;
    size_t j, k = 0;

    sg->ncells = 0;
    for (j = b->npieces; j > 0; j = sg->from[j])
        k += sg->take[j] != NO_CUT;
    if (k == 0 && sg->ncands > 0) {
        /* All ink left out: there is ink, so the best candidate it is. */
        size_t i, least = 0;

        if (read_rest(r, e) < 0)
            return -1;
        for (i = 1; i < sg->ncands; i++)
            if (sg->cands[i].cost < sg->cands[least].cost)
                least = i;
        for (j = b->npieces; j > 0; j--)
            sg->from[j] = j - 1, sg->take[j] = NO_CUT;
        j = sg->cands[least].first + sg->cands[least].count;
        sg->take[j] = least;
        sg->from[j] = sg->cands[least].first;
        for (i = sg->cands[least].first; i > 0; i--)
            sg->from[i] = i - 1;
        k = 1;
    }
    if (dg_grow(&sg->cells, &sg->cellcap, k ? k : 1, sizeof(seg_cell), e)
        < 0)
        return -1;
    sg->ncells = k;
    for (j = b->npieces; j > 0; j = sg->from[j]) {
        const seg_cand *c;
        seg_cell *cl;

        if (sg->take[j] == NO_CUT)
            continue;
        c = &sg->cands[sg->take[j]];
        cl = &sg->cells[--k];
        cl->first = c->first;
        cl->count = c->count;
        cl->digit = c->digit;
        cl->prob = c->prob;
        cand_box(b, c->first, c->count, &cl->x0, &cl->y0, &cl->x1, &cl->y1);
    }
    return 0;
}

int seg_choose(segment *sg, blobs *b, const ink_plane *p, size_t W,
               cell_scratch *cs, const dg_net *net, const dg_prep_opts *o,
               dg_image *crop, int all, dg_err *e)
{
    reader r;
    size_t i;

    r.sg = sg;
    r.b = b;
    r.p = p;
    r.W = W;
    r.cs = cs;
    r.net = net;
    r.o = o;
    r.crop = crop;
    if (list_candidates(sg, b, e) < 0
        || dg_grow(&sg->probs, &sg->probcap,
                   (sg->ncands ? sg->ncands : 1) * dg_net_out(net),
                   sizeof(float), e) < 0
        || use_net(sg, net, e) < 0)
        return -1;
    for (i = 0; i < sg->ncands; i++)
        sg->cands[i].bound = cost_bound(sg, b, &sg->cands[i]);
    if ((all && read_rest(&r, e) < 0) || best_path(&r, all, e) < 0)
        return -1;
    return path_cells(&r, e);
}

void seg_free(segment *sg)
{
    free(sg->cands);
    free(sg->best);
    free(sg->from);
    free(sg->take);
    free(sg->start);
    free(sg->cells);
    free(sg->proj);
    free(sg->diff);
    free(sg->probs);
    free(sg->picks);
    free(sg->shift);
    free(sg->npart);
    free(sg->bm);
    free(sg->step);
    free(sg->pathcost);
    free(sg->line);
    free(sg->order);
    dg_acts_free(&sg->acts);
    memset(sg, 0, sizeof *sg);
}
