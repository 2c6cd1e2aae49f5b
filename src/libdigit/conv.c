/* conv.c - convolution by im2col and the matrix product, and max
 * pooling (see conv.h). */
#include <config.h>

#include <string.h>

#include "conv.h"
#include "gemm.h"

/* col (c*k*k, h*w): row (ci, dy, dx) holds the input shifted by
 * (dy - k/2, dx - k/2), zero outside.  Each output row is a zero run, a
 * copied run and a zero run, so the inner loops have no tests. */
static void im2col(float *col, const float *in, const dg_conv_geom *g)
{
    const long h = (long)g->h, w = (long)g->w, r = (long)g->k / 2;
    const size_t hw = g->h * g->w;
    size_t ci;
    long dy, dx, y;

    for (ci = 0; ci < g->c; ci++)
        for (dy = 0; dy < (long)g->k; dy++)
            for (dx = 0; dx < (long)g->k; dx++) {
                float *row = col + ((ci * g->k + (size_t)dy) * g->k
                                    + (size_t)dx) * hw;
                const float *src = in + ci * hw;
                const long ox = dx - r;         /* source x = x + ox */
                const long x0 = ox < 0 ? -ox : 0;
                const long x1 = ox > 0 ? w - ox : w;

                for (y = 0; y < h; y++) {
                    const long sy = y + dy - r;
                    float *o = row + y * w;
                    const float *s = src + sy * w + ox;
                    long x;

                    if (sy < 0 || sy >= h || x1 <= x0) {
                        for (x = 0; x < w; x++)
                            o[x] = 0.0f;
                        continue;
                    }
                    for (x = 0; x < x0; x++)
                        o[x] = 0.0f;
                    for (x = x0; x < x1; x++)
                        o[x] = s[x];
                    for (x = x1; x < w; x++)
                        o[x] = 0.0f;
                }
            }
}

/* in (c, h, w) += the rows of col put back where im2col took them. */
static void col2im_add(float *in, const float *col, const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w, r = g->k / 2;
    size_t ci, dy, dx, y, x;

    for (ci = 0; ci < g->c; ci++)
        for (dy = 0; dy < g->k; dy++)
            for (dx = 0; dx < g->k; dx++) {
                const float *row = col + ((ci * g->k + dy) * g->k + dx) * hw;
                float *dst = in + ci * hw;

                for (y = 0; y < g->h; y++) {
                    const long sy = (long)y + (long)dy - (long)r;

                    if (sy < 0 || sy >= (long)g->h)
                        continue;
                    for (x = 0; x < g->w; x++) {
                        const long sx = (long)x + (long)dx - (long)r;

                        if (sx >= 0 && sx < (long)g->w)
                            dst[sy * g->w + sx] += row[y * g->w + x];
                    }
                }
            }
}

void dg_conv_forward(float *out, const float *in, const float *w,
                     const float *b, size_t n, const dg_conv_geom *g,
                     float *cols)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;
    long s;

    #pragma omp parallel for schedule(static)
    for (s = 0; s < (long)n; s++) {
        float *o = out + (size_t)s * g->oc * hw;
        float *col = cols + (size_t)s * ckk * hw;
        size_t oc, p;

        im2col(col, in + (size_t)s * g->c * hw, g);
        for (oc = 0; oc < g->oc; oc++)
            for (p = 0; p < hw; p++)
                o[oc * hw + p] = b[oc];
        dg_gemm(g->oc, hw, ckk, w, ckk, col, hw, o, hw, 1);
    }
}

size_t dg_conv_forward_scratch(size_t n, const dg_conv_geom *g)
{
    return n * g->c * g->k * g->k * g->h * g->w;
}

size_t dg_conv_scratch(size_t n, const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;

    /* D (oc, n*hw), CT (n*hw, ckk), WT (ckk, oc), one col per sample. */
    return g->oc * n * hw + n * hw * ckk + ckk * g->oc + n * ckk * hw;
}

void dg_conv_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, size_t n,
                      const dg_conv_geom *g, float *scratch)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;
    float *D = scratch;                         /* (oc, n*hw) */
    float *CT = D + g->oc * n * hw;             /* (n*hw, ckk) */
    float *WT = CT + n * hw * ckk;              /* (ckk, oc) */
    float *cols = WT + ckk * g->oc;             /* (n, ckk, hw) */
    size_t oc, s, p;
    long si;

    for (oc = 0; oc < g->oc; oc++)
        for (s = 0; s < n; s++) {
            const float *d = dout + (s * g->oc + oc) * hw;
            float sum = 0.0f;

            memcpy(D + (oc * n + s) * hw, d, hw * sizeof *D);
            for (p = 0; p < hw; p++)
                sum += d[p];
            db[oc] += sum;
        }
    #pragma omp parallel for schedule(static)
    for (si = 0; si < (long)n; si++) {
        float *col = cols + (size_t)si * ckk * hw;

        im2col(col, in + (size_t)si * g->c * hw, g);
        dg_transpose(CT + (size_t)si * hw * ckk, col, ckk, hw);
    }
    /* Every weight's gradient summed over the batch in one fixed order. */
    dg_gemm(g->oc, ckk, n * hw, D, n * hw, CT, ckk, dw, ckk, 1);
    if (din == NULL)
        return;
    dg_transpose(WT, w, g->oc, ckk);
    #pragma omp parallel for schedule(static)
    for (si = 0; si < (long)n; si++) {
        float *col = cols + (size_t)si * ckk * hw;
        float *di = din + (size_t)si * g->c * hw;

        dg_gemm(ckk, hw, g->oc, WT, g->oc, dout + (size_t)si * g->oc * hw,
                hw, col, hw, 0);
        memset(di, 0, g->c * hw * sizeof *di);
        col2im_add(di, col, g);
    }
}

/* The common 2 x 2 case, in a form the compiler vectorises. */
static void maxpool2(float *out, const float *in, size_t planes, size_t h,
                     size_t w)
{
    const size_t oh = h / 2, ow = w / 2;
    size_t plane, y, x;

    for (plane = 0; plane < planes; plane++)
        for (y = 0; y < oh; y++) {
            const float *a = in + (plane * h + 2 * y) * w, *b = a + w;
            float *o = out + (plane * oh + y) * ow;

            for (x = 0; x < ow; x++) {
                const float m0 = a[2 * x] > a[2 * x + 1] ? a[2 * x]
                                                         : a[2 * x + 1];
                const float m1 = b[2 * x] > b[2 * x + 1] ? b[2 * x]
                                                         : b[2 * x + 1];

                o[x] = m0 >= m1 ? m0 : m1;
            }
        }
}

void dg_maxpool_forward(float *out, const float *in, size_t n, size_t c,
                        size_t h, size_t w, size_t s)
{
    const size_t oh = h / s, ow = w / s;
    size_t plane, y, x, i, j;

    if (s == 2) {
        maxpool2(out, in, n * c, h, w);
        return;
    }
    for (plane = 0; plane < n * c; plane++) {
        const float *src = in + plane * h * w;
        float *dst = out + plane * oh * ow;

        for (y = 0; y < oh; y++)
            for (x = 0; x < ow; x++) {
                float m = src[y * s * w + x * s];

                for (i = 0; i < s; i++)
                    for (j = 0; j < s; j++) {
                        const float v = src[(y * s + i) * w + x * s + j];

                        m = v > m ? v : m;
                    }
                dst[y * ow + x] = m;
            }
    }
}

void dg_maxpool_backward(float *din, const float *dout, const float *in,
                         size_t n, size_t c, size_t h, size_t w, size_t s)
{
    const size_t oh = h / s, ow = w / s;
    size_t plane, y, x, i, j;

    memset(din, 0, n * c * h * w * sizeof *din);
    for (plane = 0; plane < n * c; plane++) {
        const float *src = in + plane * h * w;
        float *dst = din + plane * h * w;
        const float *d = dout + plane * oh * ow;

        for (y = 0; y < oh; y++)
            for (x = 0; x < ow; x++) {
                size_t best = y * s * w + x * s;

                for (i = 0; i < s; i++)
                    for (j = 0; j < s; j++) {
                        const size_t at = (y * s + i) * w + x * s + j;

                        if (src[at] > src[best])
                            best = at;
                    }
                dst[best] += d[y * ow + x];
            }
    }
}
