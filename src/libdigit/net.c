/* net.c - dense layers, activations, loss, and the network built of them. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "net.h"

int dg_net_mlp(dg_net *net, size_t in, const size_t *hidden, size_t nhidden,
               size_t out, dg_err *e)
{
    size_t l, prev = in, off = 0;

    memset(net, 0, sizeof *net);
    if (nhidden + 1 > DG_MAX_LAYERS)
        return dg_seterr(e, "too many layers (%zu, limit %d)", nhidden + 1,
                         DG_MAX_LAYERS);
    for (l = 0; l <= nhidden; l++) {
        dg_layer *ly = &net->layer[l];
        size_t width = l < nhidden ? hidden[l] : out;

        if (width < 1 || width > DG_MAX_WIDTH)
            return dg_seterr(e, "layer width %zu out of range (1 to %d)",
                             width, DG_MAX_WIDTH);
        ly->kind = DG_LAYER_DENSE;
        ly->act = l < nhidden ? DG_ACT_RELU : DG_ACT_SOFTMAX;
        ly->in = (uint32_t)prev;
        ly->out = (uint32_t)width;
        ly->w = off;
        off += prev * width;
        ly->b = off;
        off += width;
        prev = width;
    }
    net->nlayers = nhidden + 1;
    net->nparams = off;
    net->params = calloc(off, sizeof *net->params);
    net->meta = calloc(1, 1);
    if (net->params == NULL || net->meta == NULL) {
        dg_net_free(net);
        return dg_seterr(e, "out of memory for %zu parameters", off);
    }
    return 0;
}

void dg_net_init_he(dg_net *net, dg_rng *r)
{
    size_t l, j;

    for (l = 0; l < net->nlayers; l++) {
        const dg_layer *ly = &net->layer[l];
        const double sd = sqrt(2.0 / ly->in);
        float *w = net->params + ly->w;

        for (j = 0; j < (size_t)ly->in * ly->out; j++)
            w[j] = (float)(sd * dg_rng_normal(r));
        memset(net->params + ly->b, 0, ly->out * sizeof(float));
    }
}

void dg_net_free(dg_net *net)
{
    free(net->params);
    free(net->meta);
    memset(net, 0, sizeof *net);
}

size_t dg_net_in(const dg_net *net)
{
    return net->nlayers > 0 ? net->layer[0].in : 0;
}

size_t dg_net_out(const dg_net *net)
{
    return net->nlayers > 0 ? net->layer[net->nlayers - 1].out : 0;
}

size_t dg_net_widest(const dg_net *net)
{
    size_t l, w = dg_net_in(net);

    for (l = 0; l < net->nlayers; l++)
        if (net->layer[l].out > w)
            w = net->layer[l].out;
    return w;
}

void dg_net_shape(const dg_net *net, char *buf, size_t size)
{
    size_t l, used;

    snprintf(buf, size, "%zu", dg_net_in(net));
    for (l = 0; l < net->nlayers; l++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "-%u", net->layer[l].out);
    }
}

/* Find "key=" at the start of a line of meta; return the line start. */
static const char *meta_find(const char *meta, const char *key)
{
    size_t klen = strlen(key);
    const char *p = meta;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return NULL;
}

int dg_meta_get(const dg_net *net, const char *key, char *value,
                size_t size)
{
    const char *p = net->meta == NULL ? NULL : meta_find(net->meta, key);
    const char *end;
    size_t n;

    if (p == NULL)
        return -1;
    p += strlen(key) + 1;
    end = strchr(p, '\n');
    n = end == NULL ? strlen(p) : (size_t)(end - p);
    if (size > 0) {
        if (n >= size)
            n = size - 1;
        memcpy(value, p, n);
        value[n] = '\0';
    }
    return 0;
}

int dg_meta_set(dg_net *net, const char *key, const char *value, dg_err *e)
{
    const char *old = net->meta == NULL ? "" : net->meta;
    const char *p = meta_find(old, key);
    size_t before, after_off, len;
    char *m;

    if (key[0] == '\0' || strpbrk(key, "=\n") != NULL
        || strchr(value, '\n') != NULL)
        return dg_seterr(e, "bad metadata entry '%s'", key);
    before = p == NULL ? strlen(old) : (size_t)(p - old);
    if (p == NULL) {
        after_off = before;
    } else {
        const char *end = strchr(p, '\n');

        after_off = end == NULL ? strlen(old) : (size_t)(end + 1 - old);
    }
    len = before + strlen(key) + 1 + strlen(value) + 1
          + strlen(old + after_off) + 1;
    m = malloc(len);
    if (m == NULL)
        return dg_seterr(e, "out of memory");
    memcpy(m, old, before);
    snprintf(m + before, len - before, "%s=%s\n%s", key, value,
             old + after_off);
    free(net->meta);
    net->meta = m;
    return 0;
}

/* ---- layers ---- */

void dg_dense_forward(float *out, const float *in, const float *w,
                      const float *b, size_t n, size_t i, size_t o)
{
    size_t r;

    for (r = 0; r < n; r++)
        memcpy(out + r * o, b, o * sizeof *out);
    dg_gemm(n, o, i, in, i, w, o, out, o, 1);
}

void dg_dense_backward(float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, size_t n, size_t i,
                       size_t o, float *scratch)
{
    size_t r, j;

    for (r = 0; r < n; r++)
        for (j = 0; j < o; j++)
            db[j] += dout[r * o + j];
    dg_transpose(scratch, in, n, i);                    /* (i, n) */
    dg_gemm(i, o, n, scratch, n, dout, o, dw, o, 1);
    if (din != NULL) {
        dg_transpose(scratch, w, i, o);                 /* (o, i) */
        dg_gemm(n, i, o, dout, o, scratch, i, din, i, 0);
    }
}

void dg_relu_forward(float *x, size_t count)
{
    size_t j;

    for (j = 0; j < count; j++)
        x[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

void dg_relu_backward(float *dx, const float *y, size_t count)
{
    size_t j;

    for (j = 0; j < count; j++)
        dx[j] = y[j] > 0.0f ? dx[j] : 0.0f;
}

void dg_softmax_forward(float *x, size_t n, size_t k)
{
    size_t r, j;

    for (r = 0; r < n; r++) {
        float *row = x + r * k;
        float mx = row[0], sum = 0.0f;

        for (j = 1; j < k; j++)
            mx = row[j] > mx ? row[j] : mx;
        for (j = 0; j < k; j++) {
            row[j] = expf(row[j] - mx);
            sum += row[j];
        }
        for (j = 0; j < k; j++)
            row[j] /= sum;
    }
}

double dg_cross_entropy(const float *p, const uint8_t *labels, size_t n,
                        size_t k)
{
    double sum = 0.0;
    size_t r;

    for (r = 0; r < n; r++) {
        double q = p[r * k + labels[r]];

        sum -= log(q > 1e-30 ? q : 1e-30);
    }
    return n > 0 ? sum / (double)n : 0.0;
}

void dg_softmax_ce_backward(float *dlogits, const float *p,
                            const uint8_t *labels, size_t n, size_t k)
{
    const float inv = 1.0f / (float)n;
    size_t r, j;

    for (r = 0; r < n; r++) {
        for (j = 0; j < k; j++)
            dlogits[r * k + j] = p[r * k + j] * inv;
        dlogits[r * k + labels[r]] -= inv;
    }
}

/* ---- whole network ---- */

int dg_acts_alloc(dg_acts *a, const dg_net *net, size_t batch, dg_err *e)
{
    size_t l;

    memset(a, 0, sizeof *a);
    a->batch = batch;
    a->act[0] = malloc(batch * dg_net_in(net) * sizeof(float));
    for (l = 0; l < net->nlayers; l++)
        a->act[l + 1] = malloc(batch * net->layer[l].out * sizeof(float));
    for (l = 0; l <= net->nlayers; l++) {
        if (a->act[l] == NULL) {
            dg_acts_free(a);
            return dg_seterr(e, "out of memory for activations");
        }
    }
    return 0;
}

void dg_acts_free(dg_acts *a)
{
    size_t l;

    for (l = 0; l <= DG_MAX_LAYERS; l++)
        free(a->act[l]);
    memset(a, 0, sizeof *a);
}

const float *dg_net_forward(const dg_net *net, dg_acts *a, size_t n)
{
    size_t l;

    for (l = 0; l < net->nlayers; l++) {
        const dg_layer *ly = &net->layer[l];
        float *out = a->act[l + 1];

        dg_dense_forward(out, a->act[l], net->params + ly->w,
                         net->params + ly->b, n, ly->in, ly->out);
        if (ly->act == DG_ACT_RELU)
            dg_relu_forward(out, n * ly->out);
        else if (ly->act == DG_ACT_SOFTMAX)
            dg_softmax_forward(out, n, ly->out);
    }
    return a->act[net->nlayers];
}

size_t dg_net_work_size(const dg_net *net, size_t batch)
{
    size_t l, scratch = 0;

    for (l = 0; l < net->nlayers; l++) {
        size_t i = net->layer[l].in, o = net->layer[l].out;
        size_t s = i * batch > o * i ? i * batch : o * i;

        scratch = s > scratch ? s : scratch;
    }
    return 2 * batch * dg_net_widest(net) + scratch;
}

void dg_net_backward(const dg_net *net, const dg_acts *a, size_t n,
                     const uint8_t *labels, float *grads, float *work)
{
    const size_t wide = a->batch * dg_net_widest(net);
    float *dcur = work, *dprev = work + wide, *scratch = work + 2 * wide;
    size_t l = net->nlayers;

    dg_softmax_ce_backward(dcur, a->act[l], labels, n, dg_net_out(net));
    while (l-- > 0) {
        const dg_layer *ly = &net->layer[l];
        float *t;

        /* The last layer's softmax is folded into the loss gradient. */
        if (ly->act == DG_ACT_RELU)
            dg_relu_backward(dcur, a->act[l + 1], n * ly->out);
        dg_dense_backward(l > 0 ? dprev : NULL, grads + ly->w, grads + ly->b,
                          dcur, a->act[l], net->params + ly->w, n, ly->in,
                          ly->out, scratch);
        t = dcur;
        dcur = dprev;
        dprev = t;
    }
}
