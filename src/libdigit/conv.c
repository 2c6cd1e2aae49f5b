/* conv.c - convolution by im2col and the matrix product, and max
 * pooling (see conv.h). */
#include <config.h>

#include <string.h>

#include "conv.h"
#include "gemm.h"

/* in (c, h, w) += the rows of col (ld floats apart) put back where
 * im2col took them; the same runs as im2col, so no tests inside. */
static void col2im_add(float *in, const float *col, size_t ld,
                       const dg_conv_geom *g)
{
    const long h = (long)g->h, w = (long)g->w, r = (long)g->k / 2;
    const size_t hw = g->h * g->w;
    size_t ci;
    long dy, dx, y, x;

    for (ci = 0; ci < g->c; ci++)
        for (dy = 0; dy < (long)g->k; dy++)
            for (dx = 0; dx < (long)g->k; dx++) {
                const float *row = col + ((ci * g->k + (size_t)dy) * g->k
                                          + (size_t)dx) * ld;
                float *dst = in + ci * hw;
                const long ox = dx - r;
                const long x0 = ox < 0 ? -ox : 0;
                const long x1 = ox > 0 ? w - ox : w;

                for (y = 0; y < h; y++) {
                    const long sy = y + dy - r;
                    float *d = dst + sy * w + ox;
                    const float *o = row + y * w;

                    if (sy < 0 || sy >= h)
                        continue;
                    for (x = x0; x < x1; x++)
                        d[x] += o[x];
                }
            }
}

#define CHUNK 16            /* samples whose patches are in cache at once */

/* Views of the backward scratch for a chunk of samples: col (CHUNK, ckk,
 * hw) for the input gradient (also the inputs turned pixel-major), the
 * patches (CHUNK * hw, ckk) as rows, res (oc, CHUNK * hw) the output
 * gradient by channel, WT (ckk, oc) and the weight gradient dwp (oc, ckk)
 * in the patches' order of inputs. */
typedef struct conv_work {
    float *col, *patch, *res, *wt, *dwp;
} conv_work;

static conv_work conv_work_of(float *scratch, size_t n,
                              const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;
    const size_t ch = n < CHUNK ? n : CHUNK;
    conv_work cw;

    cw.col = scratch;
    cw.patch = cw.col + ch * ckk * hw;
    cw.res = cw.patch + ch * hw * ckk;
    cw.wt = cw.res + ch * hw * g->oc;
    cw.dwp = cw.wt + ckk * g->oc;
    return cw;
}

/* patch (hw, k*k*c): row (y, x) holds, for dy then dx then channel, the
 * input hwc (h, w, c) at (y + dy - k/2, x + dx - k/2), zero outside.  For
 * each dy the dx run is one contiguous copy of the pixel-major input. */
static void im2row(float *patch, const float *hwc, const dg_conv_geom *g)
{
    const long h = (long)g->h, w = (long)g->w, r = (long)g->k / 2;
    const long k = (long)g->k, c = (long)g->c, run = k * c;
    long y, x, dy, t;

    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            float *row = patch + (y * w + x) * run * k;
            const long lo = x < r ? (r - x) * c : 0;
            const long hi = x + r >= w ? (w - x + r) * c : run;

            for (dy = 0; dy < k; dy++) {
                const long sy = y + dy - r;
                float *d = row + dy * run;
                const float *src = hwc + (sy * w + x - r) * c;

                if (sy < 0 || sy >= h) {
                    for (t = 0; t < run; t++)
                        d[t] = 0.0f;
                    continue;
                }
                for (t = 0; t < lo; t++)
                    d[t] = 0.0f;
                for (t = lo; t < hi; t++)
                    d[t] = src[t];
                for (t = hi; t < run; t++)
                    d[t] = 0.0f;
            }
        }
}

/* Weights (oc, c*k*k) between the file's order of inputs (channel, dy,
 * dx) and the patches' (dy, dx, channel): to_patch says which way. */
static void reorder(float *dst, const float *src, const dg_conv_geom *g,
                    int to_patch)
{
    const size_t k = g->k, c = g->c, ckk = c * k * k;
    size_t o, ci, d;

    for (o = 0; o < g->oc; o++)
        for (ci = 0; ci < c; ci++)
            for (d = 0; d < k * k; d++) {
                const size_t file = o * ckk + ci * k * k + d;
                const size_t patch = o * ckk + d * c + ci;

                if (to_patch)
                    dst[patch] = src[file];
                else
                    dst[file] = src[patch];
            }
}

/* The patches of samples s0 .. s0+cnt of in (n, c, hw) into cw->patch,
 * one row of k*k*c inputs a pixel. */
static void patches(const conv_work *cw, const float *in, size_t s0,
                    size_t cnt, const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;
    long j;

    #pragma omp parallel for schedule(static)
    for (j = 0; j < (long)cnt; j++) {
        const float *src = in + (s0 + (size_t)j) * g->c * hw;
        float *hwc = cw->col + (size_t)j * ckk * hw;

        if (g->c > 1) {
            dg_transpose(hwc, src, g->c, hw);
            src = hwc;
        }
        im2row(cw->patch + (size_t)j * hw * ckk, src, g);
    }
}

/* Floats of a forward slot: the padded input (c, h + k - 1, w + k - 1)
 * and k spare, and the result on the padded width (oc, h, w + k - 1). */
static size_t forward_slot(const dg_conv_geom *g)
{
    const size_t ph = g->h + g->k - 1, pw = g->w + g->k - 1;

    return g->c * ph * pw + g->k + g->oc * g->h * pw;
}

/* pad (c, h + k - 1, w + k - 1) = in (c, h, w) with a border of k/2
 * zeros, and k zeros after it (read, never used, by the last columns). */
static void pad_input(float *pad, const float *in, const dg_conv_geom *g)
{
    const size_t ph = g->h + g->k - 1, pw = g->w + g->k - 1, r = g->k / 2;
    size_t ci, y;

    memset(pad, 0, (g->c * ph * pw + g->k) * sizeof *pad);
    for (ci = 0; ci < g->c; ci++)
        for (y = 0; y < g->h; y++)
            memcpy(pad + (ci * ph + y + r) * pw + r,
                   in + (ci * g->h + y) * g->w, g->w * sizeof *pad);
}

/* res (rows, n): row r filled with b[r]. */
DG_CLONES
static void fill_rows(float *res, const float *b, size_t rows, size_t n)
{
    size_t r, p;

    for (r = 0; r < rows; r++)
        for (p = 0; p < n; p++)
            res[r * n + p] = b[r];
}

/* out (rows, w) = the first w columns of res (rows, pw), max(x, 0) when
 * relu. */
DG_CLONES
static void crop_rows(float *out, const float *res, size_t rows, size_t w,
                      size_t pw, int relu)
{
    size_t r, p;

    for (r = 0; r < rows; r++) {
        float *d = out + r * w;
        const float *s = res + r * pw;

        if (relu)
            for (p = 0; p < w; p++)
                d[p] = s[p] > 0.0f ? s[p] : 0.0f;
        else
            memcpy(d, s, w * sizeof *d);
    }
}

/* One sample: out (oc, h, w) = b + w . the shifted rows of its padded
 * input, computed on the padded width (the extra columns are dropped).
 * Row (ci, dy, dx) of the product starts at pad[ci][dy][dx]: the same
 * inputs in the same order as im2col's columns, without copying them.
 * relu: keep max(x, 0). */
static void conv_sample(float *out, const float *in, const float *w,
                        const float *b, const dg_conv_geom *g, int relu,
                        float *slot)
{
    const size_t ph = g->h + g->k - 1, pw = g->w + g->k - 1;
    const size_t k2 = g->k * g->k, ckk = g->c * k2, n = g->h * pw;
    float *pad = slot, *res = slot + g->c * ph * pw + g->k;
    const float *br[256];
    size_t q0, q;

    pad_input(pad, in, g);
    fill_rows(res, b, g->oc, n);
    for (q0 = 0; q0 < ckk; q0 += 256) {
        const size_t kk = ckk - q0 < 256 ? ckk - q0 : 256;

        for (q = 0; q < kk; q++) {
            const size_t ci = (q0 + q) / k2, d = (q0 + q) % k2;

            br[q] = pad + ci * ph * pw + (d / g->k) * pw + d % g->k;
        }
        dg_gemm_rows(g->oc, n, kk, w + q0, ckk, br, res, n, 1);
    }
    crop_rows(out, res, g->oc * g->h, g->w, pw, relu);
}

void dg_conv_forward(float *out, const float *in, const float *w,
                     const float *b, size_t n, const dg_conv_geom *g,
                     int relu, float *scratch)
{
    const size_t hw = g->h * g->w, slots = n < CHUNK ? n : CHUNK;
    long t;

    /* Slot t serves a fixed run of samples, whatever the threads. */
    #pragma omp parallel for schedule(static)
    for (t = 0; t < (long)slots; t++) {
        const size_t s0 = (size_t)t * n / slots;
        const size_t s1 = ((size_t)t + 1) * n / slots;
        float *slot = scratch + (size_t)t * forward_slot(g);
        size_t s;

        for (s = s0; s < s1; s++)
            conv_sample(out + s * g->oc * hw, in + s * g->c * hw, w, b, g,
                        relu, slot);
    }
}

size_t dg_conv_forward_scratch(size_t n, const dg_conv_geom *g)
{
    return (n < CHUNK ? n : CHUNK) * forward_slot(g);
}

size_t dg_conv_scratch(size_t n, const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;

    return (n < CHUNK ? n : CHUNK) * hw * (2 * ckk + g->oc)
           + 2 * ckk * g->oc;
}

/* db (oc) += the sums of dout (n, oc, hw) over samples and pixels. */
static void bias_grad(float *db, const float *dout, size_t n,
                      const dg_conv_geom *g)
{
    const size_t hw = g->h * g->w;
    size_t oc, s, p;

    for (oc = 0; oc < g->oc; oc++)
        for (s = 0; s < n; s++) {
            const float *d = dout + (s * g->oc + oc) * hw;
            float sum = 0.0f;

            for (p = 0; p < hw; p++)
                sum += d[p];
            db[oc] += sum;
        }
}

void dg_conv_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, size_t n,
                      const dg_conv_geom *g, float *scratch)
{
    const size_t hw = g->h * g->w, ckk = g->c * g->k * g->k;
    const conv_work cw = conv_work_of(scratch, n, g);
    size_t s0, j, o;

    bias_grad(db, dout, n, g);
    dg_transpose(cw.wt, w, g->oc, ckk);
    reorder(cw.dwp, dw, g, 1);
    for (s0 = 0; s0 < n; s0 += CHUNK) {
        const size_t cnt = n - s0 < CHUNK ? n - s0 : CHUNK;
        long jj;

        patches(&cw, in, s0, cnt, g);
        for (o = 0; o < g->oc; o++)
            for (j = 0; j < cnt; j++)
                memcpy(cw.res + (o * cnt + j) * hw,
                       dout + ((s0 + j) * g->oc + o) * hw, hw * sizeof *dout);
        /* Every weight's gradient summed over samples in order, one row
         * of it a thread; dout is mostly zeros (ReLU, pooling), which
         * dg_gemm skips. */
        dg_gemm(g->oc, ckk, cnt * hw, cw.res, cnt * hw, cw.patch, ckk,
                cw.dwp, ckk, 1);
        if (din == NULL)
            continue;
        #pragma omp parallel for schedule(static)
        for (jj = 0; jj < (long)cnt; jj++) {
            const size_t s = s0 + (size_t)jj;
            float *col = cw.col + (size_t)jj * ckk * hw;
            float *di = din + s * g->c * hw;

            dg_gemm_dense(ckk, hw, g->oc, cw.wt, g->oc,
                          dout + s * g->oc * hw, hw, col, hw, 0);
            memset(di, 0, g->c * hw * sizeof *di);
            col2im_add(di, col, hw, g);
        }
    }
    reorder(dw, cw.dwp, g, 0);
}

/* The common 2 x 2 case, in a form the compiler vectorises. */
DG_CLONES
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
