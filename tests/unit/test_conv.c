/* test_conv.c - the blocked products against a plain triple loop, the
 * convolution against a direct sum for several kernel sides, gradient
 * checks of convolution and pooling geometries test_net.c does not take,
 * results independent of the number of threads, and a tiny convolutional
 * network whose loss falls under a few steps of SGD. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "conv.h"
#include "gemm.h"
#include "net.h"
#include "rng.h"
#include "tap.h"

/* v (n) = scale * N(0, 1) draws from r. */
static void fill(float *v, size_t n, dg_rng *r, double scale)
{
    size_t j;

    for (j = 0; j < n; j++)
        v[j] = (float)(scale * dg_rng_normal(r));
}

/* Largest |C - A.B| (+ C0 when accumulating) over C (m, n). */
static double gemm_error(size_t m, size_t n, size_t k, const float *a,
                         const float *b, const float *c0, const float *c)
{
    double worst = 0.0;
    size_t i, j, p;

    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = c0 != NULL ? c0[i * n + j] : 0.0;

            for (p = 0; p < k; p++)
                s += (double)a[i * k + p] * b[p * n + j];
            worst = fmax(worst, fabs(s - c[i * n + j]));
        }
    return worst;
}

/* dg_gemm_dense and dg_gemm_rows on shapes that reach every kernel: full
 * tiles, a 16-column tile, a packed tail, rows left over, a k longer
 * than the tail packing and than one chunk of row pointers. */
static void test_dense_products(dg_rng *r)
{
    static const size_t shape[][3] = {
        { 8, 64, 9 }, { 7, 53, 19 }, { 32, 196, 144 }, { 5, 21, 300 },
        { 4, 40, 1100 }, { 1, 3, 2 }
    };
    size_t s, q;

    for (s = 0; s < sizeof shape / sizeof shape[0]; s++) {
        const size_t m = shape[s][0], n = shape[s][1], k = shape[s][2];
        float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
        float *c = malloc(m * n * sizeof *c), *c0 = malloc(m * n * sizeof *c);
        const float **br = malloc(k * sizeof *br);
        double e1, e2;

        fill(a, m * k, r, 1.0);
        fill(b, k * n, r, 1.0);
        fill(c0, m * n, r, 1.0);
        dg_gemm_dense(m, n, k, a, k, b, n, c, n, 0);
        e1 = gemm_error(m, n, k, a, b, NULL, c);
        memcpy(c, c0, m * n * sizeof *c);
        for (q = 0; q < k; q++)
            br[q] = b + q * n;
        dg_gemm_rows(m, n, k, a, k, br, c, n, 1);
        e2 = gemm_error(m, n, k, a, b, c0, c);
        tap_ok(e1 < 1e-3 * sqrt((double)k) && e2 < 1e-3 * sqrt((double)k),
               "dense product %zux%zux%zu matches the triple loop (max "
               "error %g, accumulating %g)", m, n, k, e1, e2);
        free(a);
        free(b);
        free(c);
        free(c0);
        free(br);
    }
}

/* out (n, oc, h, w) of in (n, c, h, w) by the definition: zero padding,
 * weights (oc, c, k, k). */
static void conv_direct(double *out, const float *in, const float *w,
                        const float *b, size_t n, const dg_conv_geom *g)
{
    const long h = (long)g->h, wd = (long)g->w, k = (long)g->k, r = k / 2;
    size_t s, o, ci;
    long y, x, dy, dx;

    for (s = 0; s < n; s++)
        for (o = 0; o < g->oc; o++)
            for (y = 0; y < h; y++)
                for (x = 0; x < wd; x++) {
                    double v = b[o];

                    for (ci = 0; ci < g->c; ci++)
                        for (dy = 0; dy < k; dy++)
                            for (dx = 0; dx < k; dx++) {
                                const long sy = y + dy - r, sx = x + dx - r;

                                if (sy < 0 || sy >= h || sx < 0 || sx >= wd)
                                    continue;
                                v += (double)w[((o * g->c + ci) * k + dy) * k
                                               + dx]
                                     * in[((s * g->c + ci) * h + sy) * wd
                                          + sx];
                            }
                    out[((s * g->oc + o) * h + y) * wd + x] = v;
                }
}

/* The convolution equals the definition for kernel sides 1, 3 and 5, on
 * a batch larger than the runs the threads share, and its fused ReLU is
 * max(x, 0) of the same values. */
static void test_conv_direct(dg_rng *r)
{
    static const dg_conv_geom geo[] = {
        { 1, 28, 28, 3, 16 }, { 5, 7, 9, 5, 6 }, { 3, 6, 5, 1, 4 }
    };
    const size_t n = 37;
    size_t t, j;

    for (t = 0; t < sizeof geo / sizeof geo[0]; t++) {
        const dg_conv_geom *g = &geo[t];
        const size_t nin = n * g->c * g->h * g->w;
        const size_t nout = n * g->oc * g->h * g->w;
        const size_t nw = g->oc * g->c * g->k * g->k;
        float *in = malloc(nin * 4), *w = malloc(nw * 4), *b = malloc(g->oc * 4);
        float *out = malloc(nout * 4), *outr = malloc(nout * 4);
        float *scratch = malloc(dg_conv_forward_scratch(n, g) * 4);
        double *want = malloc(nout * sizeof *want), worst = 0.0;
        int relu_ok = 1;

        fill(in, nin, r, 1.0);
        fill(w, nw, r, 0.5);
        fill(b, g->oc, r, 0.5);
        for (j = 0; j < nin; j += 2)
            in[j] = 0.0f;
        dg_conv_forward(out, in, w, b, n, g, 0, scratch);
        dg_conv_forward(outr, in, w, b, n, g, 1, scratch);
        conv_direct(want, in, w, b, n, g);
        for (j = 0; j < nout; j++) {
            worst = fmax(worst, fabs(want[j] - out[j]));
            relu_ok &= outr[j] == (out[j] > 0.0f ? out[j] : 0.0f);
        }
        tap_ok(worst < 1e-4, "conv %zux%zux%zu k%zu -> %zu: equals the "
               "definition (max error %g)", g->c, g->h, g->w, g->k, g->oc,
               worst);
        tap_ok(relu_ok, "conv k%zu: the fused ReLU is max(x, 0)", g->k);
        free(in);
        free(w);
        free(b);
        free(out);
        free(outr);
        free(scratch);
        free(want);
    }
}

/* Gradient of L = sum(R * conv(in)) along random directions of the
 * weights, bias and input, for a 5x5 kernel on a non-square input. */
static void test_conv5_grad(dg_rng *r)
{
    const dg_conv_geom g = { 3, 6, 7, 5, 4 };
    const size_t n = 2, nin = n * 3 * 42, nout = n * 4 * 42, nw = 4 * 3 * 25;
    float *in = malloc(nin * 4), *w = malloc(nw * 4), b[4];
    float *R = malloc(nout * 4), *out = malloc(nout * 4);
    float *dw = calloc(nw, 4), db[4] = { 0 }, *din = malloc(nin * 4);
    float *fs = malloc(dg_conv_forward_scratch(n, &g) * 4);
    float *bs = malloc(dg_conv_scratch(n, &g) * 4);
    float *const v[3] = { w, b, in };
    const float *const grad[3] = { dw, db, din };
    const size_t nv[3] = { nw, 4, nin };
    static const char *const name[3] = { "weight", "bias", "input" };
    const float eps = 1e-2f;
    size_t k, j;

    fill(in, nin, r, 1.0);
    fill(w, nw, r, 0.3);
    fill(b, 4, r, 0.3);
    fill(R, nout, r, 1.0);
    dg_conv_backward(din, dw, db, R, in, w, n, &g, bs);
    for (k = 0; k < 3; k++) {
        float *dir = malloc(nv[k] * 4), *save = malloc(nv[k] * 4);
        double lp = 0.0, lm = 0.0, ana = 0.0, num;

        fill(dir, nv[k], r, 1.0);
        memcpy(save, v[k], nv[k] * 4);
        for (j = 0; j < nv[k]; j++)
            v[k][j] = save[j] + eps * dir[j];
        dg_conv_forward(out, in, w, b, n, &g, 0, fs);
        for (j = 0; j < nout; j++)
            lp += (double)out[j] * R[j];
        for (j = 0; j < nv[k]; j++)
            v[k][j] = save[j] - eps * dir[j];
        dg_conv_forward(out, in, w, b, n, &g, 0, fs);
        for (j = 0; j < nout; j++)
            lm += (double)out[j] * R[j];
        memcpy(v[k], save, nv[k] * 4);
        for (j = 0; j < nv[k]; j++)
            ana += (double)grad[k][j] * dir[j];
        num = (lp - lm) / (2 * eps);
        tap_ok(fabs(num - ana) < 1e-3 * fmax(1.0, fabs(ana)),
               "conv 5x5: %s gradient (numerical %.5f, analytic %.5f)",
               name[k], num, ana);
        free(dir);
        free(save);
    }
    free(in);
    free(w);
    free(R);
    free(out);
    free(dw);
    free(din);
    free(fs);
    free(bs);
}

/* Max pooling of 3x3 blocks (the general path): input gradient. */
static void test_pool3_grad(dg_rng *r)
{
    const size_t n = 2, c = 2, h = 6, w = 9, nin = n * c * h * w;
    const size_t nout = nin / 9;
    float in[216], out[24], R[24], din[216], d[216], p[216];
    const float eps = 1e-3f;
    double lp = 0.0, lm = 0.0, ana = 0.0, num;
    size_t j;

    fill(in, nin, r, 1.0);
    fill(R, nout, r, 1.0);
    fill(d, nin, r, 1.0);
    dg_maxpool_backward(din, R, in, n, c, h, w, 3);
    for (j = 0; j < nin; j++)
        p[j] = in[j] + eps * d[j];
    dg_maxpool_forward(out, p, n, c, h, w, 3);
    for (j = 0; j < nout; j++)
        lp += (double)out[j] * R[j];
    for (j = 0; j < nin; j++)
        p[j] = in[j] - eps * d[j];
    dg_maxpool_forward(out, p, n, c, h, w, 3);
    for (j = 0; j < nout; j++)
        lm += (double)out[j] * R[j];
    for (j = 0; j < nin; j++)
        ana += (double)din[j] * d[j];
    num = (lp - lm) / (2 * eps);
    tap_ok(fabs(num - ana) < 1e-3 * fmax(1.0, fabs(ana)),
           "maxpool 3x3: input gradient (numerical %.5f, analytic %.5f)",
           num, ana);
}

/* A CNN on 1x12x12 inputs: two convolutions of 4 and 8 channels with
 * pooling, 16 hidden, 10 classes; He-initialised from seed 3. */
static int tiny_cnn(dg_net *net)
{
    const size_t convs[2] = { 4, 8 }, hidden[1] = { 16 };
    dg_rng r;
    dg_err e;

    if (dg_net_cnn(net, 12, convs, 2, 3, hidden, 1, 10, &e) < 0)
        return -1;
    dg_rng_seed(&r, 3);
    dg_net_init_he(net, &r);
    return 0;
}

/* Inputs of a toy task: class c is a bright bar in row c of a 12x12
 * image, with noise. */
static void toy_batch(float *x, uint8_t *labels, size_t n, dg_rng *r)
{
    size_t s, j;

    fill(x, n * 144, r, 0.1);
    for (s = 0; s < n; s++) {
        labels[s] = (uint8_t)(s % 10);
        for (j = 0; j < 12; j++)
            x[s * 144 + (labels[s] + 1) * 12 + j] += 1.0f;
    }
}

/* Steps of SGD at rate lr on one batch; returns the loss before each
 * step in loss[steps].  grads and work sized for net and n. */
static void sgd_steps(dg_net *net, dg_acts *a, const uint8_t *labels,
                      size_t n, unsigned steps, float lr, float *grads,
                      float *work, double *loss)
{
    unsigned t;
    size_t j;

    for (t = 0; t < steps; t++) {
        loss[t] = dg_cross_entropy(dg_net_forward(net, a, n), labels, n, 10);
        memset(grads, 0, net->nparams * sizeof *grads);
        dg_net_backward(net, a, n, labels, grads, work);
        for (j = 0; j < net->nparams; j++)
            net->params[j] -= lr * grads[j];
    }
}

/* The tiny CNN learns: its loss after 30 steps is well below the first.
 * With OpenMP, one thread and two give the same weights bit for bit. */
static void test_cnn_learns(dg_rng *r)
{
    const size_t n = 40;
    const unsigned steps = 30;
    dg_net net;
    dg_acts a;
    dg_err e;
    uint8_t labels[40];
    float *grads, *work, *first;
    double loss[30];

    if (!tap_ok(tiny_cnn(&net) == 0 && dg_acts_alloc(&a, &net, n, &e) == 0,
                "tiny cnn built"))
        return;
    grads = malloc(net.nparams * sizeof *grads);
    work = malloc(dg_net_work_size(&net, n) * sizeof *work);
    first = malloc(net.nparams * sizeof *first);
    toy_batch(a.act[0], labels, n, r);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    sgd_steps(&net, &a, labels, n, steps, 0.1f, grads, work, loss);
    tap_ok(loss[0] > 2.0 && loss[steps - 1] < 0.5 * loss[0],
           "tiny cnn: the loss falls under SGD (%.4f -> %.4f)", loss[0],
           loss[steps - 1]);
    memcpy(first, net.params, net.nparams * sizeof *first);
    dg_net_free(&net);
    tiny_cnn(&net);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    sgd_steps(&net, &a, labels, n, steps, 0.1f, grads, work, loss);
    tap_ok(memcmp(first, net.params, net.nparams * sizeof *first) == 0,
           "tiny cnn: the same weights with one thread and with two");
    free(grads);
    free(work);
    free(first);
    dg_acts_free(&a);
    dg_net_free(&net);
}

int main(void)
{
    dg_rng r;

    dg_rng_seed(&r, 7);
    test_dense_products(&r);
    test_conv_direct(&r);
    test_conv5_grad(&r);
    test_pool3_grad(&r);
    test_cnn_learns(&r);
    return tap_done();
}
