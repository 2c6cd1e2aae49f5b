/* cell.c - one cropped region of ink -> one 28x28 digit cell: crop to
 * the ink, optionally deskew by second-order moments, scale the longer
 * side to DG_BOX (area averaging when shrinking), and place the
 * intensity centre of mass at (14, 14) (pixel-index coordinates, as in
 * MNIST). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Crops larger than this are first shrunk (area averaging) so deskewing
 * a huge scan costs no more than a small one. */
#define PRESHRINK 160

int dg_center_of_mass(const dg_image *im, double *cx, double *cy)
{
    double m = 0, sx = 0, sy = 0;
    size_t x, y;

    for (y = 0; y < im->h; y++) {
        const float *row = im->px + y * im->w;
        double rs = 0, rx = 0;

        for (x = 0; x < im->w; x++)
            if (row[x] > 0) {
                rs += row[x];
                rx += row[x] * (double)x;
            }
        m += rs;
        sx += rx;
        sy += rs * (double)y;
    }
    if (m <= 0)
        return -1;
    *cx = sx / m;
    *cy = sy / m;
    return 0;
}

/* One axis of a resampling: output i of n takes taps from the source
 * (length sn).  Calls back through a small weight table. */
typedef struct taps {
    size_t j0, n;           /* first source index and count */
    float wt[8];            /* weights when n <= 8, else uniform area */
    float first, last, mid; /* area weights: first, last, inner taps */
} taps;

static void axis_taps(size_t i, size_t n, size_t sn, taps *t)
{
    double r = (double)sn / (double)n;

    if (r >= 1.0) {
        double a = (double)i * r, b = (double)(i + 1) * r;
        size_t j0 = (size_t)a, j1 = (size_t)ceil(b - 1e-9);

        if (j1 > sn)
            j1 = sn;
        if (j1 <= j0)
            j1 = j0 + 1;
        t->j0 = j0;
        t->n = j1 - j0;
        t->mid = (float)(1.0 / r);
        t->first = (float)(((double)j0 + 1.0 < b ? (double)j0 + 1.0 : b) - a)
                   / (float)r;
        t->last = t->n > 1 ? (float)((b - (double)(j1 - 1)) / r) : t->first;
    } else {
        double u = ((double)i + 0.5) * r - 0.5;
        double f;
        long j;

        if (u < 0)
            u = 0;
        if (u > (double)(sn - 1))
            u = (double)(sn - 1);
        j = (long)floor(u);
        f = u - (double)j;
        t->j0 = (size_t)j;
        if ((size_t)j + 1 < sn && f > 0) {
            t->n = 2;
            t->first = (float)(1.0 - f);
            t->last = (float)f;
        } else {
            t->n = 1;
            t->first = t->last = 1.0f;
        }
        t->mid = 0;
    }
}

static inline float tap_weight(const taps *t, size_t k)
{
    return k == 0 ? t->first : k + 1 == t->n ? t->last : t->mid;
}

/* The horizontal taps of up to this many output columns are tabled. */
#define TAP_TABLE 64

void dg_resample(const float *src, size_t sw, size_t sh, float *dst,
                 size_t dw, size_t dh, float *tmp)
{
    size_t x, y, k;
    taps t, tab[TAP_TABLE];

    /* Horizontal: (sh, sw) -> tmp (sh, dw), row by row. */
    if (dw <= TAP_TABLE) {
        for (x = 0; x < dw; x++)
            axis_taps(x, dw, sw, &tab[x]);
        for (y = 0; y < sh; y++) {
            const float *row = src + y * sw;
            float *out = tmp + y * dw;

            for (x = 0; x < dw; x++) {
                const taps *tx = &tab[x];
                const float *r = row + tx->j0;
                float acc = r[0] * tx->first;

                if (tx->n > 1) {
                    for (k = 1; k + 1 < tx->n; k++)
                        acc += r[k] * tx->mid;
                    acc += r[tx->n - 1] * tx->last;
                }
                out[x] = acc;
            }
        }
    } else {
        for (x = 0; x < dw; x++) {
            axis_taps(x, dw, sw, &t);
            for (y = 0; y < sh; y++) {
                const float *row = src + y * sw + t.j0;
                float acc = 0;

                for (k = 0; k < t.n; k++)
                    acc += row[k] * tap_weight(&t, k);
                tmp[y * dw + x] = acc;
            }
        }
    }
    /* Vertical: tmp (sh, dw) -> dst (dh, dw). */
    for (y = 0; y < dh; y++) {
        float *out = dst + y * dw;

        axis_taps(y, dh, sh, &t);
        for (x = 0; x < dw; x++)
            out[x] = 0;
        for (k = 0; k < t.n; k++) {
            const float *row = tmp + (t.j0 + k) * dw;
            float wt = tap_weight(&t, k);

            for (x = 0; x < dw; x++)
                out[x] += wt * row[x];
        }
    }
}

/* Whether row y of im has a sample > 0 in columns [x0, x1). */
static int row_has_ink(const dg_image *im, size_t y, size_t x0, size_t x1)
{
    const float *row = im->px + y * im->w;

    for (; x0 < x1; x0++)
        if (row[x0] > 0)
            return 1;
    return 0;
}

/* Bounding box of the samples > 0 of im; returns 0 if there are none.
 * Cheap when the box is nearly the whole image. */
static int ink_bbox(const dg_image *im, size_t *x0, size_t *y0, size_t *x1,
                    size_t *y1)
{
    size_t y, lo, hi;

    for (lo = 0; lo < im->h && !row_has_ink(im, lo, 0, im->w); lo++)
        ;
    if (lo == im->h)
        return 0;
    for (hi = im->h; !row_has_ink(im, hi - 1, 0, im->w); hi--)
        ;
    *y0 = lo;
    *y1 = hi;
    *x0 = im->w;
    *x1 = 0;
    for (y = lo; y < hi; y++) {
        const float *row = im->px + y * im->w;
        size_t x;

        for (x = 0; x < *x0 && !(row[x] > 0); x++)
            ;
        if (x == im->w)
            continue;
        *x0 = x < *x0 ? x : *x0;
        for (x = im->w; x > *x1 && !(row[x - 1] > 0); x--)
            ;
        *x1 = x > *x1 ? x : *x1;
    }
    return 1;
}

/* Reshape im to w x h, reusing its buffer, and clear it. */
static int image_zero(dg_image *im, size_t w, size_t h, dg_err *e)
{
    if (dg_image_reshape(im, w, h, e) < 0)
        return -1;
    memset(im->px, 0, w * h * sizeof *im->px);
    return 0;
}

/* Copy the box [x0, x1) x [y0, y1) of src into dst. */
static int copy_box(const dg_image *src, size_t x0, size_t y0, size_t x1,
                    size_t y1, dg_image *dst, dg_err *e)
{
    size_t y;

    if (dg_image_reshape(dst, x1 - x0, y1 - y0, e) < 0)
        return -1;
    for (y = y0; y < y1; y++)
        memcpy(dst->px + (y - y0) * dst->w, src->px + y * src->w + x0,
               (x1 - x0) * sizeof(float));
    return 0;
}

/* Shrink im (in place, through tmp) so its longer side is at most
 * PRESHRINK. */
static int preshrink(dg_image *im, dg_image *tmp, dg_image *tmp2, dg_err *e)
{
    size_t side = im->w > im->h ? im->w : im->h, nw, nh;

    if (side <= PRESHRINK)
        return 0;
    nw = (size_t)lround((double)im->w * PRESHRINK / (double)side);
    nh = (size_t)lround((double)im->h * PRESHRINK / (double)side);
    nw = nw ? nw : 1;
    nh = nh ? nh : 1;
    if (dg_image_reshape(tmp, nw, nh, e) < 0
        || dg_image_reshape(tmp2, nw, im->h, e) < 0)
        return -1;
    dg_resample(im->px, im->w, im->h, tmp->px, nw, nh, tmp2->px);
    return copy_box(tmp, 0, 0, nw, nh, im, e);
}

/* Shear im so that its second-order moments show no slant: row y moves
 * by -skew (y - cy), skew = mu11 / mu02, limited to +-1.  The result is
 * cropped to its ink. */
static int deskew(dg_image *im, dg_image *tmp, dg_err *e)
{
    double m = 0, sx = 0, sy = 0, sxy = 0, syy = 0;
    double cx, cy, mu11, mu02, skew, s0, s1, lo;
    size_t x, y, nw, x0, y0, x1, y1;

    /* Raw moments from per-row sums (float within a row, double across
     * rows), then the central ones. */
    for (y = 0; y < im->h; y++) {
        const float *row = im->px + y * im->w;
        float rs = 0, rx = 0, s4[4] = { 0, 0, 0, 0 }, x4[4] = { 0, 0, 0, 0 };
        double fy = (double)y;

        x = 0;
#ifdef __SSE2__
        {
            __m128 vs = _mm_setzero_ps(), vx = _mm_setzero_ps();
            __m128 xs = _mm_setr_ps(0, 1, 2, 3);
            const __m128 four = _mm_set1_ps(4), zero = _mm_setzero_ps();

            for (; x + 4 <= im->w; x += 4) {
                __m128 v = _mm_max_ps(_mm_loadu_ps(row + x), zero);

                vs = _mm_add_ps(vs, v);
                vx = _mm_add_ps(vx, _mm_mul_ps(v, xs));
                xs = _mm_add_ps(xs, four);
            }
            _mm_storeu_ps(s4, vs);
            _mm_storeu_ps(x4, vx);
        }
#endif
        for (; x < im->w; x++) {
            float v = row[x] > 0 ? row[x] : 0;

            rs += v;
            rx += v * (float)x;
        }
        rs += (s4[0] + s4[1]) + (s4[2] + s4[3]);
        rx += (x4[0] + x4[1]) + (x4[2] + x4[3]);
        m += rs;
        sx += rx;
        sy += rs * fy;
        sxy += rx * fy;
        syy += rs * fy * fy;
    }
    if (m <= 0)
        return 0;
    cx = sx / m;
    cy = sy / m;
    mu11 = sxy - cx * cy * m;
    mu02 = syy - cy * cy * m;
    if (mu02 <= 1e-9 * m)
        return 0;
    skew = mu11 / mu02;
    if (skew > 1)
        skew = 1;
    if (skew < -1)
        skew = -1;
    if (fabs(skew) < 0.01)
        return 0;
    s0 = -skew * (0 - cy);
    s1 = -skew * ((double)im->h - 1 - cy);
    lo = floor(s0 < s1 ? s0 : s1);
    nw = im->w + (size_t)ceil(fabs(s1 - s0)) + 2;
    if (image_zero(tmp, nw, im->h, e) < 0)
        return -1;
    for (y = 0; y < im->h; y++) {
        double sh = -skew * ((double)y - cy) - lo;  /* >= 0 */
        size_t ish = (size_t)sh;
        float f = (float)(sh - (double)ish), g = 1.0f - f;
        const float *src = im->px + y * im->w;
        float *dst = tmp->px + y * nw + ish;

        /* Each sample moves right by sh: its share g stays at x + ish,
         * f goes to x + ish + 1. */
        dst[0] = src[0] * g;
        for (x = 1; x < im->w; x++)
            dst[x] = src[x] * g + src[x - 1] * f;
        dst[im->w] = src[im->w - 1] * f;
    }
    if (!ink_bbox(tmp, &x0, &y0, &x1, &y1))
        return 0;
    return copy_box(tmp, x0, y0, x1, y1, im, e);
}

int cell_make(cell_scratch *w, const dg_image *crop, int deskew_it,
              int binary, float *cell, size_t stride, dg_err *e)
{
    const dg_image *im = crop;
    size_t x0, y0, x1, y1, side, nw, nh, x, y;
    double cx, cy;
    long ox, oy;
    float buf[DG_BOX * DG_BOX];
    dg_image small = { 0, 0, buf };

    for (y = 0; y < DG_CELL; y++)
        memset(cell + y * stride, 0, DG_CELL * sizeof(float));
    if (!ink_bbox(crop, &x0, &y0, &x1, &y1))
        return 0;
    /* A tight, small crop is read as it is; else a copy is cut to the
     * ink, shrunk and deskewed. */
    if (x0 != 0 || y0 != 0 || x1 != crop->w || y1 != crop->h || deskew_it
        || (crop->w > crop->h ? crop->w : crop->h) > PRESHRINK) {
        if (copy_box(crop, x0, y0, x1, y1, &w->tmp2, e) < 0
            || preshrink(&w->tmp2, &w->tmp, &w->tmp3, e) < 0
            || (deskew_it && deskew(&w->tmp2, &w->tmp, e) < 0))
            return -1;
        im = &w->tmp2;
    }
    side = im->w > im->h ? im->w : im->h;
    nw = (size_t)lround((double)im->w * DG_BOX / (double)side);
    nh = (size_t)lround((double)im->h * DG_BOX / (double)side);
    nw = nw ? nw : 1;
    nh = nh ? nh : 1;
    if (dg_image_reshape(&w->tmp3, nw, im->h, e) < 0)
        return -1;
    dg_resample(im->px, im->w, im->h, buf, nw, nh, w->tmp3.px);
    small.w = nw;
    small.h = nh;
    if (binary) {
        /* Half ink or more is ink; a stroke too thin to reach half
         * anywhere keeps every touched pixel. */
        float level = 0.5f;
        int any = 0;

        for (x = 0; x < nw * nh; x++)
            any |= buf[x] >= level;
        if (!any)
            level = 1e-6f;
        for (x = 0; x < nw * nh; x++)
            buf[x] = buf[x] >= level ? 1.0f : 0.0f;
    }
    if (dg_center_of_mass(&small, &cx, &cy) < 0)
        return 0;
    ox = lround(DG_CELL / 2.0 - cx);
    oy = lround(DG_CELL / 2.0 - cy);
    ox = ox < 0 ? 0 : ox > (long)(DG_CELL - nw) ? (long)(DG_CELL - nw) : ox;
    oy = oy < 0 ? 0 : oy > (long)(DG_CELL - nh) ? (long)(DG_CELL - nh) : oy;
    for (y = 0; y < nh; y++)
        for (x = 0; x < nw; x++) {
            float v = buf[y * nw + x];

            cell[((size_t)oy + y) * stride + (size_t)ox + x]
                = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    return 0;
}

int dg_prep_cell(dg_prep_work *w, const dg_image *crop, int deskew_it,
                 int binary, float *cell, size_t stride, dg_err *e)
{
    return cell_make(&w->cs, crop, deskew_it, binary, cell, stride, e);
}

void cell_free(cell_scratch *cs)
{
    dg_image_free(&cs->tmp);
    dg_image_free(&cs->tmp2);
    dg_image_free(&cs->tmp3);
}
