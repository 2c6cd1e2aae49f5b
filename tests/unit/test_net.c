/* test_net.c - numerical gradient checks of every layer kind, the loss and
 * the whole network; the matrix product against a plain triple loop; the
 * cosine schedule; reproducibility of training. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "gemm.h"
#include "net.h"
#include "rng.h"
#include "train.h"
#include "tap.h"

static void fill(float *v, size_t n, dg_rng *r, double scale)
{
    size_t j;

    for (j = 0; j < n; j++)
        v[j] = (float)(scale * dg_rng_normal(r));
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    size_t j;

    for (j = 0; j < n; j++)
        s += (double)a[j] * b[j];
    return s;
}

/* Relative difference, guarded for values near zero. */
static double reldiff(double a, double b)
{
    return fabs(a - b) / fmax(1e-6, fmax(fabs(a), fabs(b)));
}

/* dg_gemm takes four rows at a time over the entries where any of them
 * is non-zero; a row alone goes over its own non-zeros.  Each element
 * must be the same float either way (the same sum in the same order):
 * rows of different sparsity, one of zeros, k longer than one gathering
 * of entries, and a row left over. */
static void test_gemm_grouping(dg_rng *r)
{
    const size_t m = 11, n = 70, k = 1100;
    float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
    float *c = malloc(m * n * sizeof *c), *c1 = malloc(m * n * sizeof *c1);
    size_t i, p, differ = 0;

    fill(a, m * k, r, 1.0);
    fill(b, k * n, r, 1.0);
    for (i = 0; i < m; i++)
        for (p = 0; p < k; p++)
            if (i == 2 || (p * (i + 3)) % (i + 2) != 0)
                a[i * k + p] = 0.0f;
    dg_gemm(m, n, k, a, k, b, n, c, n, 0);
    for (i = 0; i < m; i++)
        dg_gemm(1, n, k, a + i * k, k, b, n, c1 + i * n, n, 0);
    for (i = 0; i < m * n; i++)
        differ += memcmp(&c[i], &c1[i], sizeof *c) != 0;
    tap_ok(differ == 0, "gemm gives the same bits four rows at a time as "
           "one at a time (%zu of %zu differ)", differ, m * n);
    free(a);
    free(b);
    free(c);
    free(c1);
}

static void test_gemm(dg_rng *r)
{
    const size_t m = 37, n = 83, k = 129;
    float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
    float *c = malloc(m * n * sizeof *c), *t = malloc(k * m * sizeof *t);
    double worst = 0.0;
    size_t i, j, p;

    fill(a, m * k, r, 1.0);
    fill(b, k * n, r, 1.0);
    for (i = 0; i < m * k; i += 3)
        a[i] = 0.0f;                /* zeros are skipped: check that too */
    dg_gemm(m, n, k, a, k, b, n, c, n, 0);
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = 0.0;

            for (p = 0; p < k; p++)
                s += (double)a[i * k + p] * b[p * n + j];
            worst = fmax(worst, fabs(s - c[i * n + j]));
        }
    tap_ok(worst < 1e-3, "gemm matches the triple loop (max error %g)",
           worst);
    dg_gemm(m, n, k, a, k, b, n, c, n, 1);
    worst = 0.0;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double s = 0.0;

            for (p = 0; p < k; p++)
                s += (double)a[i * k + p] * b[p * n + j];
            worst = fmax(worst, fabs(2 * s - c[i * n + j]));
        }
    tap_ok(worst < 2e-3, "gemm accumulates into C (max error %g)", worst);
    dg_transpose(t, a, m, k);
    tap_ok(t[5 * m + 7] == a[7 * k + 5] && t[(k - 1) * m + m - 1]
           == a[(m - 1) * k + k - 1], "transpose moves (i,j) to (j,i)");
    free(a);
    free(b);
    free(c);
    free(t);
}

/* A layer under a gradient check: L(in, w, b) = sum(forward * R), a
 * dense layer (n, i) -> (n, o), or a convolution of geometry g. */
typedef struct layer_case {
    const dg_conv_geom *g;      /* NULL: dense */
    size_t n, i, o;
    float *in, *w, *b, *out, *cols;
    const float *R;
    size_t nin, nw, nb, nout;
} layer_case;

static double layer_loss(const layer_case *c)
{
    if (c->g != NULL)
        dg_conv_forward(c->out, c->in, c->w, c->b, c->n, c->g, 0, c->cols);
    else
        dg_dense_forward(c->out, c->in, c->w, c->b, c->n, c->i, c->o);
    return dot(c->out, c->R, c->nout);
}

/* Central difference of the loss as v (nv floats, one of the case's
 * arrays) moves along dir; v is restored. */
static double central_diff(const layer_case *c, float *v, const float *dir,
                           size_t nv, float eps)
{
    float *save = malloc(nv * sizeof *save);
    double lp, lm;
    size_t j;

    memcpy(save, v, nv * sizeof *save);
    for (j = 0; j < nv; j++)
        v[j] = save[j] + eps * dir[j];
    lp = layer_loss(c);
    for (j = 0; j < nv; j++)
        v[j] = save[j] - eps * dir[j];
    lm = layer_loss(c);
    memcpy(v, save, nv * sizeof *save);
    free(save);
    return (lp - lm) / (2 * eps);
}

/* The weight, bias and input gradients a backward pass gave for c,
 * each checked along a random direction. */
static void check_layer_grads(const char *what, const layer_case *c,
                              const float *dw, const float *db,
                              const float *din, dg_rng *r)
{
    static const char *const name[3] = { "weight", "bias", "input" };
    float *const v[3] = { c->w, c->b, c->in };
    const float *const g[3] = { dw, db, din };
    const size_t nv[3] = { c->nw, c->nb, c->nin };
    const float eps = 1e-2f;
    size_t k;

    for (k = 0; k < 3; k++) {
        float *dir = malloc(nv[k] * sizeof *dir);
        double num, ana;

        fill(dir, nv[k], r, 1.0);
        num = central_diff(c, v[k], dir, nv[k], eps);
        ana = dot(g[k], dir, nv[k]);
        tap_ok(reldiff(num, ana) < 1e-3, "%s: %s gradient (numerical %.6f, "
               "analytic %.6f)", what, name[k], num, ana);
        free(dir);
    }
}

/* Dense layer: L = sum(out * R).  Checks dW, db and din along random
 * directions against central differences. */
static void test_dense_grad(dg_rng *r)
{
    const size_t n = 5, i = 7, o = 4;
    float in[5 * 7], w[7 * 4], b[4], out[5 * 4], R[5 * 4];
    float dw[7 * 4] = { 0 }, db[4] = { 0 }, din[5 * 7], scratch[64];
    float first[7 * 4];
    layer_case c = { NULL, n, i, o, in, w, b, out, NULL, R,
                     n * i, i * o, o, n * o };

    fill(in, sizeof in / 4, r, 1.0);
    fill(w, sizeof w / 4, r, 0.5);
    fill(b, 4, r, 0.5);
    fill(R, sizeof R / 4, r, 1.0);
    dg_dense_backward(din, dw, db, R, in, w, n, i, o, scratch);
    check_layer_grads("dense", &c, dw, db, din, r);

    /* Backward accumulates: a second call doubles the weight gradient. */
    memcpy(first, dw, sizeof dw);
    dg_dense_backward(NULL, dw, db, R, in, w, n, i, o, scratch);
    tap_ok(fabs(dw[3] - 2 * first[3]) < 1e-5
           && fabs(dw[11] - 2 * first[11]) < 1e-5,
           "dense: backward accumulates into the gradients");
}

static void test_relu_grad(dg_rng *r)
{
    float x[40], y[40], R[40], d[40], dx[40], xp[40], xm[40];
    const float eps = 1e-3f;
    double num, ana;
    size_t j;

    fill(x, 40, r, 1.0);
    for (j = 0; j < 40; j++)        /* keep away from the kink at 0 */
        x[j] += x[j] >= 0 ? 0.1f : -0.1f;
    fill(R, 40, r, 1.0);
    fill(d, 40, r, 1.0);
    memcpy(y, x, sizeof y);
    dg_relu_forward(y, 40);
    tap_ok(y[0] == (x[0] > 0 ? x[0] : 0) && y[7] == (x[7] > 0 ? x[7] : 0),
           "relu: max(x, 0)");
    memcpy(dx, R, sizeof dx);
    dg_relu_backward(dx, y, 40);
    for (j = 0; j < 40; j++) {
        xp[j] = x[j] + eps * d[j];
        xm[j] = x[j] - eps * d[j];
    }
    dg_relu_forward(xp, 40);
    dg_relu_forward(xm, 40);
    num = (dot(xp, R, 40) - dot(xm, R, 40)) / (2 * eps);
    ana = dot(dx, d, 40);
    tap_ok(reldiff(num, ana) < 1e-3, "relu: gradient (numerical %.6f, "
           "analytic %.6f)", num, ana);
}

static void test_softmax_ce_grad(dg_rng *r)
{
    const size_t n = 6, k = 10;
    float z[60], p[60], dz[60], d[60], zp[60], zm[60];
    uint8_t labels[6] = { 0, 3, 9, 5, 5, 1 };
    const float eps = 1e-3f;
    double num, ana, sum = 0.0;
    size_t j;

    fill(z, 60, r, 2.0);
    fill(d, 60, r, 1.0);
    memcpy(p, z, sizeof p);
    dg_softmax_forward(p, n, k);
    for (j = 0; j < k; j++)
        sum += p[k + j];
    tap_ok(fabs(sum - 1.0) < 1e-6, "softmax: rows sum to 1 (%.9f)", sum);
    dg_softmax_ce_backward(dz, p, labels, n, k);
    for (j = 0; j < n * k; j++) {
        zp[j] = z[j] + eps * d[j];
        zm[j] = z[j] - eps * d[j];
    }
    dg_softmax_forward(zp, n, k);
    dg_softmax_forward(zm, n, k);
    num = (dg_cross_entropy(zp, labels, n, k)
           - dg_cross_entropy(zm, labels, n, k)) / (2 * eps);
    ana = dot(dz, d, n * k);
    tap_ok(reldiff(num, ana) < 2e-3, "softmax + cross-entropy: gradient "
           "(numerical %.6f, analytic %.6f)", num, ana);
    /* A huge logit must not overflow. */
    z[0] = 1000.0f;
    z[1] = -1000.0f;
    dg_softmax_forward(z, 1, k);
    tap_ok(fabs(z[0] - 1.0f) < 1e-6 && z[1] == 0.0f && !isnan(z[2]),
           "softmax: stable for large logits");
}

/* Convolution: L = sum(out * R); weights, bias and input gradients. */
static void test_conv_grad(dg_rng *r)
{
    const dg_conv_geom g = { 2, 5, 6, 3, 4 };   /* 2x5x6 in, 3x3, 4 out */
    const size_t n = 3, hw = 30, nin = n * 2 * hw, nout = n * 4 * hw;
    const size_t nw = 4 * 2 * 9;
    float *in = malloc(nin * 4), *w = malloc(nw * 4), b[4];
    float *R = malloc(nout * 4), *out = malloc(nout * 4);
    float *dw = calloc(nw, 4), db[4] = { 0 }, *din = malloc(nin * 4);
    float *cols = malloc(dg_conv_forward_scratch(n, &g) * 4);
    float *scratch = malloc(dg_conv_scratch(n, &g) * 4);
    layer_case c = { &g, n, 0, 0, in, w, b, out, cols, R, nin, nw, 4, nout };

    fill(in, nin, r, 1.0);
    fill(w, nw, r, 0.5);
    fill(b, 4, r, 0.5);
    fill(R, nout, r, 1.0);
    dg_conv_forward(out, in, w, b, n, &g, 0, cols);
    {
        /* One output by hand: sample 1, channel 2, pixel (0, 0): the
         * kernel's top row and left column fall outside (zero). */
        double v = b[2];
        size_t ci, dy, dx;

        for (ci = 0; ci < 2; ci++)
            for (dy = 1; dy < 3; dy++)
                for (dx = 1; dx < 3; dx++)
                    v += w[2 * 18 + ci * 9 + dy * 3 + dx]
                         * in[1 * 60 + ci * 30 + (dy - 1) * 6 + (dx - 1)];
        tap_ok(fabs(v - out[1 * 120 + 2 * 30]) < 1e-4,
               "conv: a corner output equals the sum by hand");
    }
    dg_conv_backward(din, dw, db, R, in, w, n, &g, scratch);
    check_layer_grads("conv", &c, dw, db, din, r);
    free(in);
    free(w);
    free(R);
    free(out);
    free(dw);
    free(din);
    free(cols);
    free(scratch);
}

static void test_pool_grad(dg_rng *r)
{
    const size_t n = 2, c = 3, h = 4, w = 6, nin = n * c * h * w;
    const size_t nout = nin / 4;
    float in[144], out[36], R[36], din[144], d[144], p[144], m[144];
    const float eps = 1e-3f;
    double num, ana;
    size_t j;

    fill(in, nin, r, 1.0);
    fill(R, nout, r, 1.0);
    fill(d, nin, r, 1.0);
    dg_maxpool_forward(out, in, n, c, h, w, 2);
    tap_ok(out[0] == fmaxf(fmaxf(in[0], in[1]), fmaxf(in[6], in[7])),
           "maxpool: the maximum of a 2x2 block");
    dg_maxpool_backward(din, R, in, n, c, h, w, 2);
    for (j = 0; j < nin; j++) {
        p[j] = in[j] + eps * d[j];
        m[j] = in[j] - eps * d[j];
    }
    dg_maxpool_forward(out, p, n, c, h, w, 2);
    num = dot(out, R, nout);
    dg_maxpool_forward(out, m, n, c, h, w, 2);
    num = (num - dot(out, R, nout)) / (2 * eps);
    ana = dot(din, d, nin);
    tap_ok(reldiff(num, ana) < 1e-3, "maxpool: input gradient (numerical "
           "%.6f, analytic %.6f)", num, ana);
}

/* Random non-zero biases for every layer that has them: with zero ones a
 * sample whose inputs to a layer are all zero sits exactly on the ReLU's
 * kink, where the central difference is not the derivative. */
static void random_biases(dg_net *net, dg_rng *r)
{
    size_t l;

    for (l = 0; l < net->nlayers; l++)
        if (net->layer[l].kind != DG_LAYER_MAXPOOL)
            fill(net->params + net->layer[l].b,
                 net->layer[l].kind == DG_LAYER_CONV ? net->layer[l].geom[3]
                 : net->layer[l].out, r, 0.3);
}

/* The whole network: gradient of the mean loss of n random inputs along a
 * random direction in parameter space. */
static void check_loss_grad(dg_net *net, size_t n, const uint8_t *labels,
                            dg_rng *r, const char *what)
{
    dg_acts a;
    dg_err e;
    float *g, *work, *d, *save;
    const float eps = 1e-3f;
    double lp, lm, num, ana;
    size_t j;

    dg_net_init_he(net, r);
    random_biases(net, r);
    dg_acts_alloc(&a, net, n, &e);
    g = calloc(net->nparams, sizeof *g);
    d = malloc(net->nparams * sizeof *d);
    save = malloc(net->nparams * sizeof *save);
    work = malloc(dg_net_work_size(net, n) * sizeof *work);
    fill(a.act[0], n * dg_net_in(net), r, 1.0);
    fill(d, net->nparams, r, 1.0);
    dg_net_forward(net, &a, n);
    dg_net_backward(net, &a, n, labels, g, work);
    memcpy(save, net->params, net->nparams * sizeof *save);
    for (j = 0; j < net->nparams; j++)
        net->params[j] = save[j] + eps * d[j];
    lp = dg_cross_entropy(dg_net_forward(net, &a, n), labels, n, 10);
    for (j = 0; j < net->nparams; j++)
        net->params[j] = save[j] - eps * d[j];
    lm = dg_cross_entropy(dg_net_forward(net, &a, n), labels, n, 10);
    num = (lp - lm) / (2 * eps);
    ana = dot(g, d, net->nparams);
    tap_ok(reldiff(num, ana) < 1e-2, "%s: gradient of the loss (numerical "
           "%.6f, analytic %.6f)", what, num, ana);
    free(g);
    free(d);
    free(save);
    free(work);
    dg_acts_free(&a);
}

static void test_net_grad(dg_rng *r)
{
    const size_t hidden[2] = { 9, 7 };
    const uint8_t labels[4] = { 1, 7, 3, 0 };
    dg_net net;
    dg_err e;

    if (!tap_ok(dg_net_mlp(&net, 12, hidden, 2, 10, &e) == 0,
                "mlp 12-9-7-10 built"))
        return;
    tap_ok(net.nparams == 12 * 9 + 9 + 9 * 7 + 7 + 7 * 10 + 10,
           "parameter count is the sum of the layers (%zu)", net.nparams);
    check_loss_grad(&net, 4, labels, r, "network");
    dg_net_free(&net);
}

static void test_cnn_grad(dg_rng *r)
{
    const size_t convs[2] = { 3, 4 }, hidden[1] = { 6 };
    const uint8_t labels[3] = { 4, 0, 9 };
    dg_net net;
    dg_err e;

    if (!tap_ok(dg_net_cnn(&net, 8, convs, 2, 3, hidden, 1, 10, &e) == 0,
                "cnn 1x8x8 c3 p c4 p 6 10 built"))
        return;
    tap_ok(net.nparams == (3 * 9 + 3) + (4 * 27 + 4) + (16 * 6 + 6)
           + (6 * 10 + 10), "cnn parameter count (%zu)", net.nparams);
    check_loss_grad(&net, 3, labels, r, "cnn");
    dg_net_free(&net);
}
static void test_schedule(void)
{
    tap_ok(dg_cosine_lr(0.5, 0, 100) == 0.5, "cosine: starts at the peak");
    tap_ok(fabs(dg_cosine_lr(0.5, 50, 100) - 0.25) < 1e-12,
           "cosine: half the peak half way");
    tap_ok(fabs(dg_cosine_lr(0.5, 100, 100)) < 1e-12, "cosine: ends at 0");
}

static void test_meta(void)
{
    const size_t hidden[1] = { 3 };
    dg_net net;
    dg_err e;
    char v[64];

    dg_net_mlp(&net, 4, hidden, 1, 10, &e);
    dg_meta_set(&net, "seed", "7", &e);
    dg_meta_set(&net, "epochs", "20", &e);
    dg_meta_set(&net, "seed", "8", &e);
    tap_ok(dg_meta_get(&net, "seed", v, sizeof v) == 0 && strcmp(v, "8") == 0
           && strstr(net.meta, "seed=7") == NULL,
           "metadata: set replaces a key");
    tap_ok(dg_meta_get(&net, "epochs", v, sizeof v) == 0
           && strcmp(v, "20") == 0, "metadata: other keys kept");
    tap_ok(dg_meta_get(&net, "epoch", v, sizeof v) < 0,
           "metadata: a prefix of a key is not the key");
    tap_ok(dg_meta_set(&net, "a=b", "1", &e) < 0
           && dg_meta_set(&net, "k", "two\nlines", &e) < 0,
           "metadata: '=' in keys and newlines in values refused");
    dg_net_free(&net);
}

int main(void)
{
    dg_rng r;

    dg_rng_seed(&r, 42);
    test_gemm(&r);
    test_gemm_grouping(&r);
    test_dense_grad(&r);
    test_relu_grad(&r);
    test_softmax_ce_grad(&r);
    test_net_grad(&r);
    test_conv_grad(&r);
    test_pool_grad(&r);
    test_cnn_grad(&r);
    test_schedule();
    test_meta();
    return tap_done();
}
