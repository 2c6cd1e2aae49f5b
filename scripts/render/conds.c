/* conds.c - the capture conditions: how a photo, a pencil note, a ruled
 * notebook, a boxed form, a felt-marker note and a fax look, as random
 * choices of the scene's size, materials, lines and light. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "render.h"

#define DEG (M_PI / 180)

const char *const rc_conditions[] = {
    "photo", "pencil", "ruled", "boxed", "marker", "fax", NULL
};

/* Fill three channels with one value each. */
static void rgb_set(float *c, double r, double g, double b)
{
    c[0] = (float)r;
    c[1] = (float)g;
    c[2] = (float)b;
}

/* Defaults every condition starts from: white paper, black ink, flat
 * light, colour, no lines. */
static void scene_defaults(rc_scene *s)
{
    memset(s, 0, sizeof *s);
    rgb_set(s->paper_rgb, 0.96, 0.96, 0.96);
    rgb_set(s->ink_rgb, 0.1, 0.1, 0.12);
    rgb_set(s->cast, 1, 1, 1);
    s->grain = 0.01f;
    s->grain_sigma = 1.0f;
    s->exposure = 1.0f;
    s->channels = 3;
    s->noise = 0.008f;
    s->blur = 0.5f;
}

/* The layout defaults: a number of ndig digits of height h written in
 * one line, gaps from a little overlap to a third of a digit. */
static void spec_defaults(rc_layout_spec *l, int ndig, double h)
{
    memset(l, 0, sizeof *l);
    l->ndig = ndig;
    l->height = h;
    l->vary = 0.06;
    l->gap_lo = -0.05;
    l->gap_hi = 0.35;
    l->lift = 0.08;
    l->margin = h * 0.6 + 4;
}

/* A ballpoint: black or blue, a little varied. */
static void ballpoint(rc_scene *s, dg_rng *r)
{
    double j = dg_rng_range(r, -0.04, 0.04);
    if (dg_rng_chance(r, 0.5))
        rgb_set(s->ink_rgb, 0.12 + j, 0.12 + j, 0.16 + j);
    else
        rgb_set(s->ink_rgb, 0.13 + j, 0.21 + j, 0.58 + 2 * j);
}

/* Paper from white to cream, brightness b. */
static void paper(rc_scene *s, dg_rng *r, double b)
{
    double c = dg_rng_uniform(r);
    c *= c;
    rgb_set(s->paper_rgb, b, b * (1 - 0.04 * c), b * (1 - 0.17 * c));
}

/* Uneven light: a lamp gradient up to g deep, a vignette up to v. */
static void lamp(rc_scene *s, dg_rng *r, double g, double v)
{
    s->grad = (float)dg_rng_range(r, g / 5, g);
    s->grad_dir = (float)dg_rng_range(r, 0, 2 * M_PI);
    s->vignette = (float)dg_rng_range(r, v / 5, v);
}

/* A soft shadow edge across the digits. */
static void shadow(rc_scene *s, dg_rng *r, double h)
{
    const rc_number *n = &s->num;
    s->shadow = (float)dg_rng_range(r, 0.25, 0.55);
    s->shadow_w = (float)(h * dg_rng_range(r, 0.05, 0.4));
    s->shadow_x = dg_rng_range(r, n->left, n->right);
    s->shadow_y = dg_rng_range(r, n->box[0].y0, n->box[0].y1);
    s->shadow_dir = dg_rng_range(r, 0, 2 * M_PI);
}

/* A phone photo under a desk lamp, JPEG-compressed afterwards. */
static int photo(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
                 dg_err *e)
{
    rc_layout_spec l;
    double h = dg_rng_range(r, 25.5, 113);     /* 24-120 px, varied */
    spec_defaults(&l, ndig, h);
    l.margin = h * dg_rng_range(r, 0.3, 1.0) + 8;
    l.thin = fmin(0.05 + (h - 24) / 250, 0.45);
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    s->angle = dg_rng_range(r, -6, 6) * DEG;
    s->pad = h * dg_rng_range(r, 0, 0.6);
    paper(s, r, dg_rng_range(r, 0.92, 1.0));
    ballpoint(s, r);
    if (dg_rng_chance(r, 0.4)) {
        double w = dg_rng_range(r, -1, 1);
        rgb_set(s->cast, 1 + 0.07 * w, 1, 1 - 0.1 * w);
    }
    lamp(s, r, 0.5, 0.5);
    if (dg_rng_chance(r, 0.75))
        shadow(s, r, h);
    s->exposure = (float)dg_rng_range(r, 0.9, 1.05);
    s->blur = (float)dg_rng_range(r, 0.4, 1.0);
    s->blur += (float)(h * dg_rng_range(r, 0, 0.012));
    s->noise = (float)dg_rng_range(r, 0.006, 0.016);
    s->grain_sigma = 1.5f;
    return 0;
}

/* Faint pencil on grainy paper, scanned in grey. */
static int pencil(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
                  dg_err *e)
{
    rc_layout_spec l;
    double h = dg_rng_range(r, 28, 72);
    spec_defaults(&l, ndig, h);
    l.thin = dg_rng_range(r, 0.05, 0.2);
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    double b = dg_rng_range(r, 0.78, 0.95);
    /* the stroke core; texture, blur and light leave 40-90 levels */
    double d = dg_rng_range(r, 50, 110) / 255;
    rgb_set(s->paper_rgb, b, b, b);
    rgb_set(s->ink_rgb, 1 - d / b, 1 - d / b, 1 - d / b);
    s->channels = 1;
    s->angle = dg_rng_range(r, -3, 3) * DEG;
    s->grain = (float)dg_rng_range(r, 0.02, 0.045);
    s->grain_sigma = (float)dg_rng_range(r, 0.6, 1.2);
    s->pencil = 1;
    lamp(s, r, 0.15, 0.15);
    s->blur = (float)dg_rng_range(r, 0.3, 0.7);
    s->noise = (float)dg_rng_range(r, 0.004, 0.01);
    return 0;
}

/* Add a segment of colour k, width w, to the scene. */
static void seg(rc_scene *s, double x0, double y0, double x1, double y1,
                double w, int k)
{
    if (s->nseg == RC_MAXSEG)
        return;
    rc_seg g = { x0, y0, x1, y1, w, k };
    s->seg[s->nseg++] = g;
}

/* Notebook rules across the whole page, one just under the digits, and
 * sometimes a red margin line. */
static void rules(rc_scene *s, dg_rng *r, double h)
{
    const rc_number *n = &s->num;
    double step = h * dg_rng_range(r, 1.2, 1.7), w = dg_rng_range(r, 0.8, 2.2);
    double y = n->base + h * dg_rng_range(r, -0.1, 0.03), far = 1e5;
    if (dg_rng_chance(r, 0.75)) {
        double c0 = dg_rng_range(r, 0.5, 0.7), c1 = dg_rng_range(r, 0.72, 0.85);
        rgb_set(s->line_rgb[0], c0, c1, dg_rng_range(r, 0.9, 0.98));
    } else {
        double g = dg_rng_range(r, 0.62, 0.8);
        rgb_set(s->line_rgb[0], g, g, g);
    }
    for (int k = -4; k <= 4; k++)
        seg(s, -far, y + k * step, far, y + k * step, w, 0);
    if (dg_rng_chance(r, 0.35)) {
        double x = n->left - h * dg_rng_range(r, -0.1, 0.9);
        rgb_set(s->line_rgb[1], 0.93, dg_rng_range(r, 0.4, 0.55), 0.45);
        seg(s, x, -far, x, far, dg_rng_range(r, 1, 2.2), 1);
    }
}

/* A notebook page with light blue or grey rules. */
static int ruled(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
                 dg_err *e)
{
    rc_layout_spec l;
    double h = dg_rng_range(r, 24, 64);
    spec_defaults(&l, ndig, h);
    l.lift = 0.06;
    l.margin = h * dg_rng_range(r, 0.6, 1.2);
    l.thin = 0.1;
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    rules(s, r, h);
    s->angle = dg_rng_range(r, -3, 3) * DEG;
    paper(s, r, dg_rng_range(r, 0.93, 1.0));
    ballpoint(s, r);
    lamp(s, r, 0.25, 0.2);
    s->blur = (float)dg_rng_range(r, 0.3, 0.8);
    return 0;
}

/* Box geometry of a form field, in field coordinates. */
typedef struct field {
    int style;              /* 0 separate boxes, 1 joined boxes, 2 comb */
    double bw, bh, gap, tick, w;
} field;

/* The printed lines of field f for n cells, shifted by (ox, oy). */
static void field_lines(rc_scene *s, const field *f, int n, double ox,
                        double oy)
{
    double pitch = f->bw + f->gap, right = ox + n * pitch - f->gap;
    if (f->style == 2) {
        seg(s, ox, oy + f->bh, right, oy + f->bh, f->w, 0);
        for (int i = 0; i <= n; i++)
            seg(s, ox + i * pitch, oy + f->bh - f->tick, ox + i * pitch,
                oy + f->bh, f->w, 0);
        return;
    }
    for (int i = 0; i < n; i++) {
        double x0 = ox + i * pitch, x1 = x0 + f->bw;
        if (f->style == 0 || i == 0)
            seg(s, x0, oy, x0, oy + f->bh, f->w, 0);
        seg(s, x1, oy, x1, oy + f->bh, f->w, 0);
        seg(s, x0, oy, x1, oy, f->w, 0);
        seg(s, x0, oy + f->bh, x1, oy + f->bh, f->w, 0);
    }
}

/* Choose a field for digits of height h: sizes, style, line colour. */
static void field_pick(rc_scene *s, field *f, dg_rng *r, double h)
{
    int tight = dg_rng_chance(r, 0.25);
    f->style = (int)dg_rng_below(r, 3);
    f->bw = h * (tight ? dg_rng_range(r, 0.8, 1.0) : dg_rng_range(r, 1.0, 1.4));
    f->bh = h * (tight ? dg_rng_range(r, 0.92, 1.05) : dg_rng_range(r, 1.1, 1.5));
    f->gap = f->style == 0 ? h * dg_rng_range(r, 0.12, 0.4) : 0;
    f->tick = f->bh * dg_rng_range(r, 0.25, 0.6);
    f->w = dg_rng_range(r, 1, 2.5);
    if (dg_rng_chance(r, 0.7)) {
        double g = dg_rng_range(r, 0.15, 0.45);
        rgb_set(s->line_rgb[0], g, g, g);
    } else if (dg_rng_chance(r, 0.5))
        rgb_set(s->line_rgb[0], 0.95, 0.55, 0.55);
    else
        rgb_set(s->line_rgb[0], 0.6, 0.75, 0.95);
}

/* A form field: one printed box per digit (separate, joined or a comb). */
static int boxed(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
                 dg_err *e)
{
    rc_layout_spec l;
    field f;
    double h = dg_rng_range(r, 24, 64), cx[RC_MAXDIG];
    spec_defaults(&l, ndig, h);
    field_pick(s, &f, r, h);
    for (int i = 0; i < ndig; i++)
        cx[i] = i * (f.bw + f.gap) + f.bw / 2;
    l.cx = cx;
    l.cy = f.style == 2 ? f.bh - h * dg_rng_range(r, 0.5, 0.6) : f.bh / 2;
    l.jitter = 0.1;
    l.field_w = ndig * (f.bw + f.gap) - f.gap;
    l.field_h = f.bh;
    l.margin = h * dg_rng_range(r, 0.4, 0.9) + f.w;
    l.thin = 0.1;
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    field_lines(s, &f, ndig, s->num.ox, s->num.oy);
    s->angle = dg_rng_range(r, -2.5, 2.5) * DEG;
    paper(s, r, dg_rng_range(r, 0.93, 1.0));
    ballpoint(s, r);
    lamp(s, r, 0.2, 0.15);
    s->blur = (float)dg_rng_range(r, 0.3, 0.8);
    return 0;
}

/* Thick felt-marker strokes; in a number the digits touch: their ink
 * boxes from overlapping by 8 % of the height to 2 % apart, before the
 * strokes are thickened.  (Overlaps of up to 20 % made a third of the
 * numbers hard for a person to read.) */
static int marker(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
                  dg_err *e)
{
    static const float inks[4][3] = {
        { 0.08f, 0.08f, 0.1f }, { 0.08f, 0.16f, 0.5f },
        { 0.78f, 0.1f, 0.12f }, { 0.1f, 0.42f, 0.2f } };
    rc_layout_spec l;
    double h = dg_rng_range(r, 32, 96), pick = dg_rng_uniform(r);
    spec_defaults(&l, ndig, h);
    l.thick = dg_rng_range(r, 0.025, 0.05);
    l.gap_lo = -0.08;
    l.gap_hi = 0.02;
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    memcpy(s->ink_rgb, inks[pick < 0.45 ? 0 : pick < 0.7 ? 1 : pick < 0.85
                            ? 2 : 3], sizeof s->ink_rgb);
    s->angle = dg_rng_range(r, -4, 4) * DEG;
    paper(s, r, dg_rng_range(r, 0.93, 1.0));
    lamp(s, r, 0.2, 0.2);
    s->blur = (float)dg_rng_range(r, 0.4, 1.0);
    return 0;
}

/* A fax: small digits, bilevel, specks, a little skew. */
static int fax(rc_scene *s, int ndig, const rc_pool *p, dg_rng *r,
               dg_err *e)
{
    rc_layout_spec l;
    double h = dg_rng_range(r, 10.5, 16);      /* 10-16 px, varied */
    spec_defaults(&l, ndig, h);
    l.margin = h * dg_rng_range(r, 0.5, 1.5) + 4;
    l.vary = 0.02;
    if (rc_number_make(&s->num, p, &l, r, e))
        return -1;
    s->angle = dg_rng_range(r, -2.5, 2.5) * DEG;
    s->shear = dg_rng_range(r, -0.04, 0.04);
    s->channels = 0;
    s->blur = (float)dg_rng_range(r, 0.3, 0.6);
    s->noise = 0.05f;
    s->threshold = (float)dg_rng_range(r, 0.45, 0.62);
    s->speckle = (float)dg_rng_range(r, 0.001, 0.006);
    return 0;
}

int rc_condition(rc_scene *s, const char *cond, int ndig,
                 const rc_pool *pool, dg_rng *r, dg_err *e)
{
    static int (*const make[])(rc_scene *, int, const rc_pool *, dg_rng *,
                               dg_err *) = {
        photo, pencil, ruled, boxed, marker, fax };
    scene_defaults(s);
    for (int i = 0; rc_conditions[i]; i++)
        if (strcmp(cond, rc_conditions[i]) == 0)
            return make[i](s, ndig, pool, r, e);
    return dg_seterr(e, "unknown condition '%s'", cond);
}

const char *rc_condition_ext(const char *cond)
{
    if (strcmp(cond, "pencil") == 0)
        return "pgm";
    if (strcmp(cond, "fax") == 0)
        return "pbm";
    return "ppm";
}

int rc_condition_jpeg(const char *cond, dg_rng *r)
{
    if (strcmp(cond, "photo") != 0)
        return 0;
    return 50 + (int)dg_rng_below(r, 36);
}
