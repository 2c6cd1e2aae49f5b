/* layout.c - a single digit or a number laid out from glyphs: random
 * digits of random writers, heights, gaps and lifts, drawn as one ink
 * coverage raster. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* Pick digit i: its label, its glyph scaled to its height, and its box
 * in field coordinates (placed after the box of digit i-1, or at the
 * centre the spec gives). */
static int place_digit(rc_number *num, rc_plane *g, int i,
                       const rc_pool *pool, const rc_layout_spec *s,
                       dg_rng *r, dg_err *e)
{
    int d = (int)dg_rng_below(r, 10);
    const rc_plane *src = &pool->g[d][dg_rng_below(r, pool->n[d])];
    double h = s->height * (1 + s->vary * dg_rng_range(r, -1, 1));
    float aspect = (float)dg_rng_range(r, 0.9, 1.1);
    if (rc_plane_scale(g, src, (int)lround(h < 4 ? 4 : h), aspect, e))
        return -1;
    rc_box *b = &num->box[i];
    num->label[i] = (char)('0' + d);
    if (s->cx) {
        double x = s->cx[i] + s->jitter * s->height * dg_rng_range(r, -1, 1);
        double y = s->cy + s->jitter * s->height * dg_rng_range(r, -1, 1);
        b->x0 = floor(x - g->w / 2.0);
        b->y0 = floor(y - g->h / 2.0);
    } else {
        double gap = dg_rng_range(r, s->gap_lo, s->gap_hi) * s->height;
        double lift = dg_rng_uniform(r) * s->lift * s->height;
        b->x0 = i ? floor(num->box[i - 1].x1 + gap) : 0;
        if (i && b->x0 <= num->box[i - 1].x0)
            b->x0 = num->box[i - 1].x0 + 1;
        b->y0 = floor(-lift - g->h);
    }
    b->x1 = b->x0 + g->w;
    b->y1 = b->y0 + g->h;
    return 0;
}

/* The shift that puts the boxes (and the field, with cx) inside a margin,
 * and the raster size: sets num->ox, oy and returns the size in *w, *h. */
static void frame(rc_number *num, const rc_layout_spec *s, int *w, int *h)
{
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    if (s->cx) {
        x0 = y0 = 0;
        x1 = s->field_w;
        y1 = s->field_h;
    }
    for (int i = 0; i < num->ndig; i++) {
        const rc_box *b = &num->box[i];
        x0 = fmin(x0, b->x0);
        y0 = fmin(y0, b->y0);
        x1 = fmax(x1, b->x1);
        y1 = fmax(y1, b->y1);
    }
    num->ox = ceil(s->margin) - x0;
    num->oy = ceil(s->margin) - y0;
    *w = (int)ceil(x1 - x0 + 2 * ceil(s->margin));
    *h = (int)ceil(y1 - y0 + 2 * ceil(s->margin));
}

/* Paste glyph g at (x, y) of the raster, the darker ink winning. */
static void paste(rc_plane *dst, const rc_plane *g, int x, int y)
{
    for (int j = 0; j < g->h; j++)
        for (int i = 0; i < g->w; i++) {
            int xx = x + i, yy = y + j;
            if (xx < 0 || yy < 0 || xx >= dst->w || yy >= dst->h)
                continue;
            float *d = &dst->v[(size_t)yy * dst->w + xx];
            float v = g->v[(size_t)j * g->w + i];
            if (v > *d)
                *d = v;
        }
}

/* Thin (cut faint coverage) or thicken (blur, then a low cut) strokes. */
static int stroke_weight(rc_plane *a, const rc_layout_spec *s, dg_err *e)
{
    size_t n = (size_t)a->w * a->h;
    float lo = 0, span = 1;
    if (s->thick > 0) {
        if (rc_plane_blur(a, (float)(s->thick * s->height), e))
            return -1;
        lo = 0.08f;
        span = 0.3f;
    } else if (s->thin > 0) {
        lo = (float)s->thin;
        span = 1 - lo;
    }
    if (lo == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        float v = (a->v[i] - lo) / span;
        a->v[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return 0;
}

int rc_number_make(rc_number *num, const rc_pool *pool,
                   const rc_layout_spec *s, dg_rng *r, dg_err *e)
{
    rc_plane g[RC_MAXDIG] = { { 0 } };
    int w, h, i, rc = -1;
    memset(num, 0, sizeof *num);
    if (s->ndig < 1 || s->ndig > RC_MAXDIG)
        return dg_seterr(e, "%d digits: 1 to %d", s->ndig, RC_MAXDIG);
    num->ndig = s->ndig;
    for (i = 0; i < s->ndig; i++)
        if (place_digit(num, &g[i], i, pool, s, r, e))
            goto out;
    frame(num, s, &w, &h);
    if (rc_plane_alloc(&num->ink, w, h, 0.0f, e))
        goto out;
    num->left = 1e9;
    num->right = -1e9;
    for (i = 0; i < s->ndig; i++) {
        rc_box *b = &num->box[i];
        b->x0 += num->ox;
        b->x1 += num->ox;
        b->y0 += num->oy;
        b->y1 += num->oy;
        paste(&num->ink, &g[i], (int)b->x0, (int)b->y0);
        num->left = fmin(num->left, b->x0);
        num->right = fmax(num->right, b->x1);
    }
    num->base = num->oy;
    rc = stroke_weight(&num->ink, s, e);
out:
    for (i = 0; i < s->ndig; i++)
        rc_plane_free(&g[i]);
    return rc;
}

void rc_number_free(rc_number *num)
{
    rc_plane_free(&num->ink);
}
