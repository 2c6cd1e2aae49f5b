/* blobs.c - connected pieces of ink: runs of the ink mask, components
 * (union-find over runs, 8-connected), the clean-up that drops specks and
 * ruling lines, and the walker over the pixel rows of a region made of
 * pieces (whole components or the parts of one between cuts).
 *
 * Memory: at most one run per two pixels; components and pieces grow
 * with the ink, never with the length of a stream. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

static uint32_t find_root(run *runs, uint32_t i)
{
    uint32_t r = i;

    while (runs[r].parent != r)
        r = runs[r].parent;
    while (runs[i].parent != r) {
        uint32_t next = runs[i].parent;

        runs[i].parent = r;
        i = next;
    }
    return r;
}

static void unite(run *runs, uint32_t a, uint32_t b)
{
    a = find_root(runs, a);
    b = find_root(runs, b);
    if (a < b)
        runs[b].parent = a;
    else if (b < a)
        runs[a].parent = b;
}

/* Runs of the weak mask mk (W x H), united with the 8-connected runs of
 * the row above. */
static int find_runs(blobs *w, const uint8_t *mk, size_t W, size_t H,
                     dg_err *e)
{
    size_t y, x, prev0 = 0, prev1 = 0;

    w->nruns = 0;
    for (y = 0; y < H; y++) {
        const uint8_t *m = mk + y * W;
        size_t cur0 = w->nruns, p = prev0;

        /* A row holds at most (W + 1) / 2 runs. */
        if (dg_grow(&w->runs, &w->runcap, w->nruns + W / 2 + 1, sizeof(run),
                 e) < 0)
            return -1;
        x = 0;
        while ((x = mask_scan(m, x, W, 1)) < W) {
            run *rn = &w->runs[w->nruns];
            size_t x0 = x, q;
            uint32_t strong = 0;

            x = mask_scan(m, x, W, 0);
            for (q = x0; q < x; q++)
                strong += m[q] & MK_STRONG;
            rn->y = (uint32_t)y;
            rn->x0 = (uint32_t)x0;
            rn->x1 = (uint32_t)x;
            rn->parent = (uint32_t)w->nruns;
            rn->strong = strong;
            /* Runs above that touch [x0 - 1, x + 1). */
            while (p < prev1 && w->runs[p].x1 < x0)
                p++;
            for (q = p; q < prev1 && w->runs[q].x0 <= x; q++)
                unite(w->runs, (uint32_t)q, (uint32_t)w->nruns);
            w->nruns++;
        }
        if (y + 1 < H && w->nruns > cur0) {
            prev0 = cur0;
            prev1 = w->nruns;
        } else {
            prev0 = prev1 = w->nruns;
        }
    }
    return 0;
}

/* Number the components, gather their statistics and list their runs
 * together in w->order. */
static int build_components(blobs *w, dg_err *e)
{
    size_t i, n = 0;

    for (i = 0; i < w->nruns; i++) {
        uint32_t r = find_root(w->runs, (uint32_t)i);

        if (r == i)
            n++;
    }
    if (dg_grow(&w->comps, &w->compcap, n ? n : 1, sizeof(comp), e) < 0
        || dg_grow(&w->order, &w->ordercap, w->nruns ? w->nruns : 1,
                sizeof(size_t), e) < 0)
        return -1;
    w->ncomps = 0;
    for (i = 0; i < w->nruns; i++) {
        run *rn = &w->runs[i];

        if (rn->parent == i) {
            comp *c = &w->comps[w->ncomps];

            memset(c, 0, sizeof *c);
            c->x0 = rn->x0;
            c->y0 = rn->y;
            rn->parent = (uint32_t)w->ncomps++;
        } else {
            /* Roots come first and are already renumbered. */
            rn->parent = w->runs[w->runs[i].parent].parent;
        }
    }
    for (i = 0; i < w->nruns; i++) {
        const run *rn = &w->runs[i];
        comp *c = &w->comps[rn->parent];

        if (rn->x0 < c->x0)
            c->x0 = rn->x0;
        if (rn->x1 > c->x1)
            c->x1 = rn->x1;
        c->y1 = rn->y + 1;
        c->pixels += rn->x1 - rn->x0;
        c->strong += rn->strong;
        c->count++;
    }
    for (i = 0, n = 0; i < w->ncomps; i++) {
        w->comps[i].first = n;
        n += w->comps[i].count;
        w->comps[i].count = 0;
    }
    for (i = 0; i < w->nruns; i++) {
        comp *c = &w->comps[w->runs[i].parent];

        w->order[c->first + c->count++] = i;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Clean-up                                                            */

/* A long thin component or a frame touching the image edge. */
static int is_edge_line(const comp *c, size_t W, size_t H)
{
    size_t bw = c->x1 - c->x0, bh = c->y1 - c->y0;
    int edges = (c->x0 == 0) + (c->y0 == 0) + (c->x1 == W) + (c->y1 == H);
    size_t thinw = W / 10 > 2 ? W / 10 : 2, thinh = H / 10 > 2 ? H / 10 : 2;

    if (edges == 0)
        return 0;
    if (bw * 10 >= W * 6 && bh <= thinh)
        return 1;
    if (bh * 10 >= H * 6 && bw <= thinw)
        return 1;
    return edges >= 3 && bw * 10 >= W * 9 && bh * 10 >= H * 9
           && c->pixels * 5 < bw * bh;
}

/* Mark the components to keep: some strong ink, not a speck, and not an
 * edge line unless nothing else would be left.  A speck is judged
 * against the marks, never the page: fewer strong pixels than o->speck
 * of the largest mark, or than a square of a twelfth of its longer side
 * (dust beside a digit), at least 4 pixels of the scan as read.
 * Returns how many. */
static size_t select_components(blobs *w, size_t W, size_t H,
                                const dg_prep_opts *o)
{
    size_t i, largest = 0, big = 0, kept = 0, lines = 0, side, min_px;

    for (i = 0; i < w->ncomps; i++)
        if (w->comps[i].strong > largest) {
            largest = w->comps[i].strong;
            big = i;
        }
    side = 0;
    if (w->ncomps > 0) {
        const comp *c = &w->comps[big];

        side = c->x1 - c->x0 > c->y1 - c->y0 ? c->x1 - c->x0
               : c->y1 - c->y0;
    }
    min_px = (side / 12) * (side / 12);
    /* At least 4 pixels of the scan as read (a speck enlarged is still
     * a speck). */
    if (min_px < 4 * (w->scale > 1 ? w->scale * w->scale : 1))
        min_px = 4 * (w->scale > 1 ? w->scale * w->scale : 1);
    for (i = 0; i < w->ncomps; i++) {
        comp *c = &w->comps[i];

        c->keep = c->strong >= min_px
                  && (double)c->strong >= o->speck * (double)largest;
        if (c->keep && !o->keep_lines && is_edge_line(c, W, H)) {
            c->keep = 2;
            lines++;
        }
        kept += c->keep == 1;
    }
    for (i = 0; i < w->ncomps; i++)
        if (w->comps[i].keep == 2)
            w->comps[i].keep = kept == 0;
    return kept ? kept : lines;
}

/* Sum of contrast of each kept component (image width W). */
static void component_ink(blobs *w, const ink_plane *ip, size_t W)
{
    size_t i, j, x;

    for (i = 0; i < w->ncomps; i++) {
        comp *c = &w->comps[i];

        c->ink = 0;
        if (!c->keep)
            continue;
        for (j = 0; j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            const uint8_t *p = ip->c8 + (size_t)rn->y * W;
            size_t acc = 0;

            for (x = rn->x0; x < rn->x1; x++)
                acc += ip->lut[p[x]];
            c->ink += (double)acc / 255.0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Normalising one digit                                               */

long blobs_find(blobs *b, const ink_plane *p, size_t W, size_t H,
                const dg_prep_opts *o, dg_err *e)
{
    size_t kept;

    b->ncuts = b->ncutx = b->npieces = 0;
    if (find_runs(b, p->mk, W, H, e) < 0 || build_components(b, e) < 0)
        return -1;
    kept = select_components(b, W, H, o);
    if (kept > 0)
        component_ink(b, p, W);
    return (long)kept;
}

static int cmp_piece(const void *a, const void *b)
{
    const piece *p = a, *q = b;
    size_t cp = p->x0 + p->x1, cq = q->x0 + q->x1;

    if (cp != cq)
        return cp < cq ? -1 : 1;
    return p->comp < q->comp ? -1 : p->comp > q->comp;
}

void blobs_sort(blobs *b)
{
    qsort(b->pieces, b->npieces, sizeof *b->pieces, cmp_piece);
}

int blobs_pieces(blobs *b, dg_err *e)
{
    size_t i;

    b->npieces = 0;
    for (i = 0; i < b->ncomps; i++) {
        const comp *c = &b->comps[i];
        piece *pc;

        if (!c->keep)
            continue;
        if (dg_grow(&b->pieces, &b->piececap, b->npieces + 1,
                    sizeof(piece), e) < 0)
            return -1;
        pc = &b->pieces[b->npieces++];
        pc->comp = i;
        pc->lcut = pc->rcut = NO_CUT;
        pc->x0 = c->x0;
        pc->y0 = c->y0;
        pc->x1 = c->x1;
        pc->y1 = c->y1;
        pc->pixels = c->pixels;
        pc->ink = c->ink;
    }
    blobs_sort(b);
    return 0;
}

/* The column of cut k at row y (k a real cut, y in its rows). */
static inline size_t cut_at(const blobs *b, size_t k, size_t y)
{
    const cut *c = &b->cuts[k];
    int32_t x;

    if (y < c->y0)
        y = c->y0;
    if (y >= c->y1)
        y = c->y1 - 1;
    x = b->cutx[c->off + (y - c->y0)];
    return x < 0 ? 0 : (size_t)x;
}

void blobs_walk(const blobs *b, const piece *pc, size_t n, row_fn *fn,
                void *ctx)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        const comp *c = &b->comps[pc[i].comp];

        for (j = 0; j < c->count; j++) {
            const run *rn = &b->runs[b->order[c->first + j]];
            size_t a = rn->x0, z = rn->x1;

            if (pc[i].lcut != NO_CUT) {
                size_t l = cut_at(b, pc[i].lcut, rn->y);

                a = l > a ? l : a;
            }
            if (pc[i].rcut != NO_CUT) {
                size_t r = cut_at(b, pc[i].rcut, rn->y);

                z = r < z ? r : z;
            }
            if (a < z)
                fn(ctx, rn->y, a, z);
        }
    }
}

typedef struct measure_ctx {
    const ink_plane *p;
    size_t W;
    piece *pc;
    size_t ink;
} measure_ctx;

static void measure_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    measure_ctx *m = ctx;
    const uint8_t *row = m->p->c8 + y * m->W;
    piece *pc = m->pc;
    size_t x;

    pc->pixels += x1 - x0;
    pc->x0 = x0 < pc->x0 ? x0 : pc->x0;
    pc->x1 = x1 > pc->x1 ? x1 : pc->x1;
    pc->y0 = y < pc->y0 ? y : pc->y0;
    pc->y1 = y + 1 > pc->y1 ? y + 1 : pc->y1;
    for (x = x0; x < x1; x++)
        m->ink += m->p->lut[row[x]];
}

void blobs_measure(const blobs *b, const ink_plane *p, size_t W,
                   piece *pc)
{
    measure_ctx m = { p, W, pc, 0 };

    pc->x0 = pc->y0 = (size_t)-1;
    pc->x1 = pc->y1 = 0;
    pc->pixels = 0;
    blobs_walk(b, pc, 1, measure_row, &m);
    pc->ink = (double)m.ink / 255.0;
    if (pc->pixels == 0)
        pc->x0 = pc->y0 = pc->x1 = pc->y1 = 0;
}

typedef struct draw_ctx {
    const ink_plane *p;
    size_t W, x0, y0;
    int binary;
    float scale;
    dg_image *crop;
} draw_ctx;

static void draw_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    draw_ctx *d = ctx;
    const uint8_t *cp = d->p->c8 + y * d->W, *mp = d->p->mk + y * d->W;
    float *dst = d->crop->px + (y - d->y0) * d->crop->w - d->x0;
    size_t x;

    for (x = x0; x < x1; x++) {
        float v = d->binary ? (float)(mp[x] & MK_STRONG)
                            : (float)d->p->lut[cp[x]] * d->scale;

        dst[x] = v > 1.0f ? 1.0f : v;
    }
}

int blobs_draw(const blobs *b, const ink_plane *p, size_t W,
               const piece *pc, size_t n, int binary, dg_image *crop,
               size_t *x0, size_t *y0, dg_err *e)
{
    draw_ctx d;
    size_t i, bx0 = (size_t)-1, by0 = (size_t)-1, bx1 = 0, by1 = 0;

    for (i = 0; i < n; i++)
        if (pc[i].pixels > 0) {
            bx0 = pc[i].x0 < bx0 ? pc[i].x0 : bx0;
            by0 = pc[i].y0 < by0 ? pc[i].y0 : by0;
            bx1 = pc[i].x1 > bx1 ? pc[i].x1 : bx1;
            by1 = pc[i].y1 > by1 ? pc[i].y1 : by1;
        }
    if (bx1 <= bx0 || by1 <= by0)
        bx0 = by0 = 0, bx1 = by1 = 1;
    if (dg_image_reshape(crop, bx1 - bx0, by1 - by0, e) < 0)
        return -1;
    memset(crop->px, 0, crop->w * crop->h * sizeof *crop->px);
    d.p = p;
    d.W = W;
    d.x0 = bx0;
    d.y0 = by0;
    d.binary = binary;
    d.scale = 1.0f / (float)(p->level8 > 0 ? p->level8 : 1);
    d.crop = crop;
    blobs_walk(b, pc, n, draw_row, &d);
    if (x0 != NULL)
        *x0 = bx0;
    if (y0 != NULL)
        *y0 = by0;
    return 0;
}

size_t blobs_new_cut(blobs *b, size_t y0, size_t y1, dg_err *e)
{
    cut *c;

    if (dg_grow(&b->cuts, &b->cutcap, b->ncuts + 1, sizeof(cut), e) < 0
        || dg_grow(&b->cutx, &b->cutxcap, b->ncutx + (y1 - y0),
                   sizeof(int32_t), e) < 0)
        return NO_CUT;
    c = &b->cuts[b->ncuts];
    c->y0 = y0;
    c->y1 = y1;
    c->off = b->ncutx;
    c->ink = 0;
    b->ncutx += y1 - y0;
    return b->ncuts++;
}

void blobs_free(blobs *b)
{
    free(b->runs);
    free(b->comps);
    free(b->order);
    free(b->cuts);
    free(b->cutx);
    free(b->pieces);
    memset(b, 0, sizeof *b);
}
