/* reject.c - "not one digit" cells made from training digits; see
 * reject.h.
 *
 * Digits are drawn at their own scale (MNIST digits are about 20 px
 * high, strokes 2 to 3 px) on a canvas of CW x CH floats, then the
 * canvas goes through dg_prep_cell, which crops it to its ink, deskews it
 * and scales its longer side to DG_BOX: so sizes below are in pixels of a
 * training digit, and only shapes and proportions survive. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "net.h"
#include "prep.h"
#include "reject.h"

#define CW 80           /* the canvas: two digits, a gap and margins */
#define CH 40
#define MARGIN 4        /* where the first piece's box starts */
#define BASE 30         /* the baseline of a pair */
#define TRIES 24        /* random draws before a kind gives way to a stub */

/* A sample above this counts as ink when shapes are measured. */
#define INK 0.3f
/* A fragment keeps at least this share of its digit's ink, so that it
 * is more than a speck ... */
#define KEEP_MIN 0.15
/* ... and at most this share: it is clearly not the whole digit. */
#define KEEP_MAX 0.70
/* The least mean width (px) of the rows of a digit cut lengthwise, and
 * of a top or bottom part: narrower, it is a stroke, and a piece of a
 * stroke is a 1 again. */
#define MIN_SPAN 6.0
/* A normalised fragment whose rows are narrower than this on average,
 * and whose row centres stray less than ONE_WANDER px (standard
 * deviation), is one straight stroke: a 1. */
#define ONE_SPAN 4.5
#define ONE_WANDER 1.5
/* The most a normalised fragment may overlap the normalised whole digit
 * (sum of minima over sum of maxima): more, and it is the same digit. */
#define LIKE_MAX 0.5

/* Kinds drawn by dg_reject_make, in thousandths; they add up to 1000. */
static const unsigned kind_weight[DG_REJECT_NKINDS] = {
    300, 250, 250, 100, 100
};

typedef struct glyph {
    float px[DG_CELL_PIXELS];   /* (DG_CELL, DG_CELL) ink 1 on 0 */
    int x0, y0, x1, y1;         /* ink box, [x0, x1) x [y0, y1) */
    double mass;                /* sum of the samples */
} glyph;

struct dg_reject_gen {
    dg_prep_work *work;
    float canvas[CW * CH];      /* (CH, CW) what is normalised */
    float layer[CW * CH];       /* (CH, CW) the second digit of a pair */
    float whole[DG_CELL_PIXELS];    /* a fragment's digit, normalised */
    glyph a, b;
    int kind;
};

dg_reject_gen *dg_reject_gen_new(void)
{
    dg_reject_gen *g = calloc(1, sizeof *g);

    if (g == NULL)
        return NULL;
    g->work = dg_prep_work_new();
    if (g->work == NULL) {
        free(g);
        return NULL;
    }
    g->kind = -1;
    return g;
}

void dg_reject_gen_free(dg_reject_gen *g)
{
    if (g == NULL)
        return;
    dg_prep_work_free(g->work);
    free(g);
}

int dg_reject_kind(const dg_reject_gen *g)
{
    return g->kind;
}

/* ---- glyphs: one digit, its box and its ink ---- */

/* Recompute the box and the mass of gl; 0 if it has no ink. */
static int glyph_measure(glyph *gl)
{
    int x, y;

    gl->x0 = DG_CELL;
    gl->y0 = DG_CELL;
    gl->x1 = 0;
    gl->y1 = 0;
    gl->mass = 0;
    for (y = 0; y < DG_CELL; y++)
        for (x = 0; x < DG_CELL; x++) {
            const float v = gl->px[y * DG_CELL + x];

            if (v <= 0)
                continue;
            gl->mass += v;
            gl->x0 = x < gl->x0 ? x : gl->x0;
            gl->y0 = y < gl->y0 ? y : gl->y0;
            gl->x1 = x + 1 > gl->x1 ? x + 1 : gl->x1;
            gl->y1 = y + 1 > gl->y1 ? y + 1 : gl->y1;
        }
    return gl->mass > 0;
}

/* Load a random one of the n digits into gl; 0 if it is blank. */
static int glyph_pick(glyph *gl, dg_rng *r, const uint8_t *digits, size_t n)
{
    const uint8_t *src = digits + dg_rng_below(r, n) * DG_CELL_PIXELS;
    size_t j;

    for (j = 0; j < DG_CELL_PIXELS; j++)
        gl->px[j] = src[j] * (1.0f / 255.0f);
    return glyph_measure(gl);
}

/* Mean width of the rows of gl that have ink: from the first to the last
 * sample above INK. */
static double row_span(const glyph *gl)
{
    double sum = 0;
    int x, y, rows = 0;

    for (y = gl->y0; y < gl->y1; y++) {
        int lo = -1, hi = -1;

        for (x = gl->x0; x < gl->x1; x++)
            if (gl->px[y * DG_CELL + x] > INK) {
                lo = lo < 0 ? x : lo;
                hi = x;
            }
        if (lo >= 0) {
            sum += hi - lo + 1;
            rows++;
        }
    }
    return rows ? sum / rows : 0.0;
}

/* Keep the part of gl on one side of a line through its box.  Lengthwise
 * (across == 0) the line is x = x0 + frac * width + slant * (y - middle),
 * and first keeps the left part; across, y = y0 + frac * height +
 * slant * (x - middle), and first keeps the top.  Returns glyph_measure. */
static int glyph_cut(glyph *gl, int across, double frac, double slant,
                     int first)
{
    const double w = gl->x1 - gl->x0, h = gl->y1 - gl->y0;
    const double xm = gl->x0 + w / 2, ym = gl->y0 + h / 2;
    int x, y;

    for (y = 0; y < DG_CELL; y++)
        for (x = 0; x < DG_CELL; x++) {
            const double px = x + 0.5, py = y + 0.5;
            const double at = across ? py : px;
            const double line = across ? gl->y0 + frac * h + slant * (px - xm)
                                : gl->x0 + frac * w + slant * (py - ym);

            if ((at < line) != first)
                gl->px[y * DG_CELL + x] = 0;
        }
    return glyph_measure(gl);
}

/* Sample of gl at (u, v) in pixel-index coordinates, bilinear, 0 outside. */
static float glyph_sample(const glyph *gl, double u, double v)
{
    const int x = (int)floor(u), y = (int)floor(v);
    const float fx = (float)(u - x), fy = (float)(v - y);
    float s[4];
    int k;

    for (k = 0; k < 4; k++) {
        const int xx = x + (k & 1), yy = y + (k >> 1);

        s[k] = xx < 0 || yy < 0 || xx >= DG_CELL || yy >= DG_CELL ? 0.0f
               : gl->px[yy * DG_CELL + xx];
    }
    return (s[0] * (1 - fx) + s[1] * fx) * (1 - fy)
           + (s[2] * (1 - fx) + s[3] * fx) * fy;
}

/* Draw gl into c (CH, CW) scaled by s, the top left corner of its box at
 * (ox, oy); the larger of the two samples wins where they meet. */
static void glyph_draw(float *c, const glyph *gl, double ox, double oy,
                       double s)
{
    const double bw = (gl->x1 - gl->x0) * s, bh = (gl->y1 - gl->y0) * s;
    const int xa = (int)floor(ox) - 1, ya = (int)floor(oy) - 1;
    const int xb = (int)ceil(ox + bw) + 1, yb = (int)ceil(oy + bh) + 1;
    int x, y;

    for (y = ya < 0 ? 0 : ya; y < yb && y < CH; y++)
        for (x = xa < 0 ? 0 : xa; x < xb && x < CW; x++) {
            const float v = glyph_sample(gl, gl->x0 + (x + 0.5 - ox) / s - 0.5,
                                         gl->y0 + (y + 0.5 - oy) / s - 0.5);

            if (v > c[y * CW + x])
                c[y * CW + x] = v;
        }
}

/* ---- the canvas ---- */

/* Normalise the canvas into out as pnmdigitprep normalises a cell;
 * 1 if the cell has ink, 0 if not, -1 on error. */
static int normalise(dg_reject_gen *g, float *out, dg_err *e)
{
    const dg_image im = { CW, CH, g->canvas };
    size_t j;

    if (dg_prep_cell(g->work, &im, 1, 0, out, DG_CELL, e) < 0)
        return -1;
    for (j = 0; j < DG_CELL_PIXELS; j++)
        if (out[j] > 0)
            return 1;
    return 0;
}

/* How much two cells look alike: the sum of the smaller samples over the
 * sum of the larger ones, 0 (nothing shared) to 1 (the same). */
static double likeness(const float *a, const float *b)
{
    double lo = 0, hi = 0;
    size_t j;

    for (j = 0; j < DG_CELL_PIXELS; j++) {
        lo += a[j] < b[j] ? a[j] : b[j];
        hi += a[j] > b[j] ? a[j] : b[j];
    }
    return hi > 0 ? lo / hi : 1.0;
}

/* Whether a normalised cell is one straight upright stroke (a 1): its
 * rows narrow and their centres in a line. */
static int one_like(const float *c)
{
    double span = 0, mid = 0, mid2 = 0;
    int x, y, rows = 0;

    for (y = 0; y < DG_CELL; y++) {
        int lo = -1, hi = -1;

        for (x = 0; x < DG_CELL; x++)
            if (c[y * DG_CELL + x] > INK) {
                lo = lo < 0 ? x : lo;
                hi = x;
            }
        if (lo < 0)
            continue;
        span += hi - lo + 1;
        mid += (lo + hi) / 2.0;
        mid2 += (lo + hi) / 2.0 * (lo + hi) / 2.0;
        rows++;
    }
    if (rows == 0)
        return 0;
    span /= rows;
    mid /= rows;
    return span < ONE_SPAN && mid2 / rows - mid * mid < ONE_WANDER * ONE_WANDER;
}

/* Sum of the samples of c (CH, CW) in the columns [xa, xb). */
static double column_mass(const float *c, int xa, int xb)
{
    double s = 0;
    int x, y;

    for (y = 0; y < CH; y++)
        for (x = xa < 0 ? 0 : xa; x < xb && x < CW; x++)
            s += c[y * CW + x];
    return s;
}

/* Draw a filled ellipse of level v, centre (cx, cy) and radii rx, ry,
 * with an anti-aliased edge about a pixel wide. */
static void draw_blob(float *c, double cx, double cy, double rx, double ry,
                      double v)
{
    const double rmin = rx < ry ? rx : ry;
    int x, y;

    for (y = (int)(cy - ry - 2); y <= (int)(cy + ry + 2); y++)
        for (x = (int)(cx - rx - 2); x <= (int)(cx + rx + 2); x++) {
            const double dx = (x + 0.5 - cx) / rx, dy = (y + 0.5 - cy) / ry;
            double k = (1.0 - sqrt(dx * dx + dy * dy)) * rmin + 0.5;

            if (x < 0 || y < 0 || x >= CW || y >= CH)
                continue;
            k = k < 0 ? 0 : k > 1 ? 1 : k;
            if (k * v > c[y * CW + x])
                c[y * CW + x] = (float)(k * v);
        }
}

/* Draw a straight stroke of level v, thickness t and length len (plus
 * round caps) centred at (cx, cy), at angle a (radians) from the x axis. */
static void draw_stroke(float *c, double cx, double cy, double len,
                        double t, double a, double v)
{
    const double ux = cos(a), uy = sin(a), reach = len / 2 + t + 1;
    int x, y;

    for (y = (int)(cy - reach); y <= (int)(cy + reach); y++)
        for (x = (int)(cx - reach); x <= (int)(cx + reach); x++) {
            const double px = x + 0.5 - cx, py = y + 0.5 - cy;
            double s = px * ux + py * uy, d, k;

            if (x < 0 || y < 0 || x >= CW || y >= CH)
                continue;
            s = s < -len / 2 ? -len / 2 : s > len / 2 ? len / 2 : s;
            d = hypot(px - s * ux, py - s * uy);
            k = t / 2 - d + 0.5;
            k = k < 0 ? 0 : k > 1 ? 1 : k;
            if (k * v > c[y * CW + x])
                c[y * CW + x] = (float)(k * v);
        }
}

/* ---- the kinds: each returns 1 (made), 0 (try again) or -1 ---- */

static int make_fragment(dg_reject_gen *g, dg_rng *r, const uint8_t *digits,
                         size_t n, float *out, dg_err *e)
{
    const int across = dg_rng_chance(r, 0.3), first = dg_rng_chance(r, 0.5);
    const double frac = dg_rng_range(r, 0.25, 0.65);
    const double slant = dg_rng_chance(r, 0.5) ? dg_rng_range(r, -0.4, 0.4)
                         : 0.0;
    int rc;

    if (!glyph_pick(&g->a, r, digits, n)
        || (!across && row_span(&g->a) < MIN_SPAN))
        return 0;
    g->b = g->a;
    if (!glyph_cut(&g->a, across, frac, slant, first)
        || g->a.mass < KEEP_MIN * g->b.mass || g->a.mass > KEEP_MAX * g->b.mass
        || (across && row_span(&g->a) < MIN_SPAN))
        return 0;
    memset(g->canvas, 0, sizeof g->canvas);
    glyph_draw(g->canvas, &g->b, MARGIN, MARGIN, 1.0);
    if ((rc = normalise(g, g->whole, e)) <= 0)
        return rc;
    memset(g->canvas, 0, sizeof g->canvas);
    glyph_draw(g->canvas, &g->a, MARGIN, MARGIN, 1.0);
    if ((rc = normalise(g, out, e)) <= 0)
        return rc;
    return likeness(out, g->whole) <= LIKE_MAX && !one_like(out);
}

/* Draw g->a into g->canvas and g->b into g->layer side by side: heights
 * scaled by 0.9 to 1.1, gap -3 to +6 px between their boxes, bottoms on
 * the baseline +-2 px.  *ax, *aw, *bx, *bw: where the boxes lie. */
static void draw_pair(dg_reject_gen *g, dg_rng *r, double *ax, double *aw,
                      double *bx, double *bw)
{
    const double sa = dg_rng_range(r, 0.9, 1.1), sb = dg_rng_range(r, 0.9, 1.1);
    const double gap = dg_rng_range(r, -3.0, 6.0);
    const double ja = dg_rng_range(r, -2.0, 2.0), jb = dg_rng_range(r, -2.0, 2.0);
    const glyph *a = &g->a, *b = &g->b;

    memset(g->canvas, 0, sizeof g->canvas);
    memset(g->layer, 0, sizeof g->layer);
    *ax = MARGIN;
    *aw = (a->x1 - a->x0) * sa;
    *bx = *ax + *aw + gap;
    *bw = (b->x1 - b->x0) * sb;
    glyph_draw(g->canvas, a, *ax, BASE - (a->y1 - a->y0) * sa + ja, sa);
    glyph_draw(g->layer, b, *bx, BASE - (b->y1 - b->y0) * sb + jb, sb);
}

static int make_pair(dg_reject_gen *g, dg_rng *r, const uint8_t *digits,
                     size_t n, float *out, dg_err *e)
{
    double ax, aw, bx, bw;
    size_t j;

    if (!glyph_pick(&g->a, r, digits, n) || !glyph_pick(&g->b, r, digits, n))
        return 0;
    draw_pair(g, r, &ax, &aw, &bx, &bw);
    for (j = 0; j < CW * CH; j++)
        if (g->layer[j] > g->canvas[j])
            g->canvas[j] = g->layer[j];
    return normalise(g, out, e);
}

/* The columns from 30-70 % of the first digit's box to 20-60 % of the
 * second's; each digit must give a real part, neither the whole. */
static int make_straddle(dg_reject_gen *g, dg_rng *r, const uint8_t *digits,
                         size_t n, float *out, dg_err *e)
{
    const double fa = dg_rng_range(r, 0.3, 0.7), fb = dg_rng_range(r, 0.2, 0.6);
    double ax, aw, bx, bw, ma, mb;
    int xa, xb, x, y;

    if (!glyph_pick(&g->a, r, digits, n) || !glyph_pick(&g->b, r, digits, n))
        return 0;
    draw_pair(g, r, &ax, &aw, &bx, &bw);
    xa = (int)lround(ax + fa * aw);
    xb = (int)lround(bx + fb * bw);
    if (xb - xa < 4)
        return 0;
    ma = column_mass(g->canvas, xa, xb) / column_mass(g->canvas, 0, CW);
    mb = column_mass(g->layer, xa, xb) / column_mass(g->layer, 0, CW);
    if (ma < 0.2 || ma > 0.85 || mb < 0.1 || mb > KEEP_MAX)
        return 0;
    for (y = 0; y < CH; y++)
        for (x = 0; x < CW; x++) {
            float *c = &g->canvas[y * CW + x];
            const float l = g->layer[y * CW + x];

            *c = x < xa || x >= xb ? 0.0f : l > *c ? l : *c;
        }
    return normalise(g, out, e);
}

static int make_speck(dg_reject_gen *g, dg_rng *r, float *out, dg_err *e)
{
    const int blobs = 1 + (int)dg_rng_below(r, 3);
    int i;

    memset(g->canvas, 0, sizeof g->canvas);
    for (i = 0; i < blobs; i++) {
        const double dx = i ? dg_rng_range(r, -3.0, 3.0) : 0.0;
        const double dy = i ? dg_rng_range(r, -3.0, 3.0) : 0.0;
        const double rx = dg_rng_range(r, 0.7, 2.5);
        const double ry = dg_rng_range(r, 0.7, 2.5);

        draw_blob(g->canvas, CW / 2 + dx, CH / 2 + dy, rx, ry,
                  dg_rng_range(r, 0.6, 1.0));
    }
    return normalise(g, out, e);
}

/* A horizontal stroke of any length, or a vertical one so short for its
 * thickness that it cannot pass for a 1; tilted up to 12 degrees. */
static int make_stub(dg_reject_gen *g, dg_rng *r, float *out, dg_err *e)
{
    const int upright = dg_rng_chance(r, 0.4);
    const double t = dg_rng_range(r, 1.5, 3.5);
    const double len = upright ? t * dg_rng_range(r, 0.5, 1.5)
                       : dg_rng_range(r, 5.0, 16.0);
    const double tilt = dg_rng_range(r, -12.0, 12.0) * M_PI / 180.0;

    memset(g->canvas, 0, sizeof g->canvas);
    draw_stroke(g->canvas, CW / 2, CH / 2, len, t,
                tilt + (upright ? M_PI / 2 : 0.0), dg_rng_range(r, 0.7, 1.0));
    return normalise(g, out, e);
}

/* ---- the entry points ---- */

int dg_reject_make_kind(dg_reject_gen *g, int kind, dg_rng *r,
                        const uint8_t *digits, size_t n, float *out,
                        dg_err *e)
{
    int t, rc = 0;

    if (kind < 0 || kind >= DG_REJECT_NKINDS)
        return dg_seterr(e, "unknown kind of reject example %d", kind);
    if (n == 0 && kind <= DG_REJECT_STRADDLE)
        return dg_seterr(e, "no digits to make reject examples from");
    for (t = 0; t < TRIES && rc == 0; t++) {
        switch (kind) {
        case DG_REJECT_FRAGMENT:
            rc = make_fragment(g, r, digits, n, out, e); break;
        case DG_REJECT_PAIR: rc = make_pair(g, r, digits, n, out, e); break;
        case DG_REJECT_STRADDLE:
            rc = make_straddle(g, r, digits, n, out, e); break;
        case DG_REJECT_SPECK: rc = make_speck(g, r, out, e); break;
        default: rc = make_stub(g, r, out, e); break;
        }
    }
    if (rc == 0) {
        /* The digits do not allow this kind: a stub always works. */
        kind = DG_REJECT_STUB;
        while (rc == 0)
            rc = make_stub(g, r, out, e);
    }
    if (rc < 0)
        return -1;
    g->kind = kind;
    return 0;
}

int dg_reject_make(dg_reject_gen *g, dg_rng *r, const uint8_t *digits,
                   size_t n, float *out, dg_err *e)
{
    unsigned pick = (unsigned)dg_rng_below(r, 1000);
    int kind = 0;

    if (n == 0)
        return dg_seterr(e, "no digits to make reject examples from");
    while (pick >= kind_weight[kind]) {
        pick -= kind_weight[kind];
        kind++;
    }
    return dg_reject_make_kind(g, kind, r, digits, n, out, e);
}

int dg_reject_set(dg_dataset *d, const dg_dataset *from, size_t count,
                  uint64_t seed, dg_err *e)
{
    dg_reject_gen *g = dg_reject_gen_new();
    float cell[DG_CELL_PIXELS];
    size_t i, j;
    dg_rng r;

    memset(d, 0, sizeof *d);
    d->x = malloc(count * DG_CELL_PIXELS + 1);
    d->y = malloc(count + 1);
    if (g == NULL || d->x == NULL || d->y == NULL) {
        dg_reject_gen_free(g);
        dg_dataset_free(d);
        return dg_seterr(e, "out of memory for %zu reject examples", count);
    }
    for (i = 0; i < count; i++) {
        dg_rng_seed2(&r, seed, i);
        if (dg_reject_make(g, &r, from->x, from->n, cell, e) < 0) {
            dg_reject_gen_free(g);
            dg_dataset_free(d);
            return -1;
        }
        for (j = 0; j < DG_CELL_PIXELS; j++)
            d->x[i * DG_CELL_PIXELS + j] = dg_to_byte(cell[j]);
        d->y[i] = DG_REJECT;
    }
    d->n = count;
    dg_reject_gen_free(g);
    return 0;
}
