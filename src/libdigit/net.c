/* net.c - dense layers, activations, loss, and the network built of them. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cascade.h"
#include "conv.h"
#include "gemm.h"
#include "image.h"
#include "net.h"

/* Allocate the parameters and an empty metadata text of a laid-out net. */
static int alloc_params(dg_net *net, dg_err *e)
{
    net->params = calloc(net->nparams ? net->nparams : 1,
                         sizeof *net->params);
    net->meta = calloc(1, 1);
    if (net->params == NULL || net->meta == NULL) {
        size_t n = net->nparams;

        dg_net_free(net);
        return dg_seterr(e, "out of memory for %zu parameters", n);
    }
    return 0;
}

/* Append dense layers of the given widths, then the softmax layer. */
static int add_dense(dg_net *net, size_t in, const size_t *hidden,
                     size_t nhidden, size_t out, dg_err *e)
{
    size_t l, prev = in;

    if (net->nlayers + nhidden + 1 > DG_MAX_LAYERS)
        return dg_seterr(e, "too many layers (limit %d)", DG_MAX_LAYERS);
    for (l = 0; l <= nhidden; l++) {
        dg_layer *ly = &net->layer[net->nlayers++];
        size_t width = l < nhidden ? hidden[l] : out;

        if (width < 1 || width > DG_MAX_WIDTH || prev > DG_MAX_WIDTH)
            return dg_seterr(e, "layer width %zu out of range (1 to %d)",
                             width > DG_MAX_WIDTH ? width : prev,
                             DG_MAX_WIDTH);
        ly->kind = DG_LAYER_DENSE;
        ly->act = l < nhidden ? DG_ACT_RELU : DG_ACT_SOFTMAX;
        ly->in = (uint32_t)prev;
        ly->out = (uint32_t)width;
        prev = width;
    }
    return 0;
}

int dg_net_mlp(dg_net *net, size_t in, const size_t *hidden, size_t nhidden,
               size_t out, dg_err *e)
{
    memset(net, 0, sizeof *net);
    if (add_dense(net, in, hidden, nhidden, out, e) < 0
        || dg_net_layout(net, e) < 0)
        return -1;
    return alloc_params(net, e);
}

int dg_net_cnn(dg_net *net, size_t side, const size_t *convs, size_t nconv,
               size_t k, const size_t *hidden, size_t nhidden, size_t out,
               dg_err *e)
{
    size_t l, c = 1, h = side;

    memset(net, 0, sizeof *net);
    if (2 * nconv + nhidden + 1 > DG_MAX_LAYERS)
        return dg_seterr(e, "too many layers (limit %d)", DG_MAX_LAYERS);
    for (l = 0; l < nconv; l++) {
        dg_layer *cv = &net->layer[net->nlayers++];
        dg_layer *pl = &net->layer[net->nlayers++];

        if (h < 2 || convs[l] < 1 || convs[l] > 1024)
            return dg_seterr(e, "convolution %zu does not fit (%zu channels "
                             "on %zux%zu)", l + 1, convs[l], h, h);
        cv->kind = DG_LAYER_CONV;
        cv->act = DG_ACT_RELU;
        cv->in = (uint32_t)(c * h * h);
        cv->out = (uint32_t)(convs[l] * h * h);
        cv->geom[0] = (uint32_t)c;
        cv->geom[1] = (uint32_t)h;
        cv->geom[2] = (uint32_t)k;
        cv->geom[3] = (uint32_t)convs[l];
        c = convs[l];
        pl->kind = DG_LAYER_MAXPOOL;
        pl->act = DG_ACT_NONE;
        pl->in = cv->out;
        pl->out = (uint32_t)(c * (h / 2) * (h / 2));
        pl->geom[0] = (uint32_t)c;
        pl->geom[1] = (uint32_t)h;
        pl->geom[2] = 2;
        h /= 2;
    }
    if (add_dense(net, c * h * h, hidden, nhidden, out, e) < 0
        || dg_net_layout(net, e) < 0)
        return -1;
    return alloc_params(net, e);
}

/* Geometry of a convolution or pooling layer from its table entry. */
static dg_conv_geom geom_of(const dg_layer *ly)
{
    dg_conv_geom g;

    g.c = ly->geom[0];
    g.h = ly->geom[1];
    g.w = g.c && g.h ? ly->in / (g.c * g.h) : 0;
    g.k = ly->geom[2];
    g.oc = ly->geom[3];
    return g;
}

/* Check one layer's own sizes; returns its parameter count or -1. */
static long check_layer(const dg_layer *ly, size_t l, dg_err *e)
{
    const dg_conv_geom g = geom_of(ly);

    if (ly->in < 1 || ly->in > DG_MAX_WIDTH * 16 || ly->out < 1
        || ly->out > DG_MAX_WIDTH * 16)
        return dg_seterr(e, "inconsistent sizes: layer %zu is %ux%u", l + 1,
                         ly->in, ly->out);
    switch (ly->kind) {
    case DG_LAYER_DENSE:
        if (ly->geom[0] | ly->geom[1] | ly->geom[2] | ly->geom[3])
            return dg_seterr(e, "layer %zu: dense layer with reserved fields "
                             "not zero", l + 1);
        if (ly->in > DG_MAX_WIDTH || ly->out > DG_MAX_WIDTH)
            return dg_seterr(e, "inconsistent sizes: layer %zu is %ux%u "
                             "(widths 1 to %d)", l + 1, ly->in, ly->out,
                             DG_MAX_WIDTH);
        return (long)ly->in * ly->out + ly->out;
    case DG_LAYER_CONV:
        if (g.c < 1 || g.c > 1024 || g.h < 1 || g.k < 1 || g.k > 9
            || g.k % 2 == 0 || g.oc < 1 || g.oc > 1024
            || ly->in % (g.c * g.h) != 0 || g.w < 1
            || ly->out != g.oc * g.h * g.w)
            return dg_seterr(e, "inconsistent sizes: convolution layer %zu "
                             "(%ux%u, geometry %u %u %u %u)", l + 1, ly->in,
                             ly->out, ly->geom[0], ly->geom[1], ly->geom[2],
                             ly->geom[3]);
        if (ly->act == DG_ACT_SOFTMAX)
            return dg_seterr(e, "layer %zu: bad activation", l + 1);
        return (long)(g.oc * g.c * g.k * g.k + g.oc);
    case DG_LAYER_MAXPOOL:
        if (g.c < 1 || g.h < 1 || g.k < 1 || g.k > 8 || ly->geom[3] != 0
            || ly->in % (g.c * g.h) != 0 || g.h % g.k || g.w % g.k
            || ly->out != g.c * (g.h / g.k) * (g.w / g.k))
            return dg_seterr(e, "inconsistent sizes: pooling layer %zu "
                             "(%ux%u, geometry %u %u %u %u)", l + 1, ly->in,
                             ly->out, ly->geom[0], ly->geom[1], ly->geom[2],
                             ly->geom[3]);
        if (ly->act != DG_ACT_NONE)
            return dg_seterr(e, "layer %zu: bad activation", l + 1);
        return 0;
    default:
        return dg_seterr(e, "layer %zu: unknown layer kind %u", l + 1,
                         ly->kind);
    }
}

int dg_net_layout(dg_net *net, dg_err *e)
{
    size_t l, off = 0;

    if (net->nlayers < 1 || net->nlayers > DG_MAX_LAYERS)
        return dg_seterr(e, "inconsistent sizes: %zu layers (1 to %d)",
                         net->nlayers, DG_MAX_LAYERS);
    for (l = 0; l < net->nlayers; l++) {
        dg_layer *ly = &net->layer[l];
        long np = check_layer(ly, l, e);

        if (np < 0)
            return -1;
        if (ly->act > DG_ACT_SOFTMAX
            || (ly->act == DG_ACT_SOFTMAX) != (l + 1 == net->nlayers))
            return dg_seterr(e, "layer %zu: bad activation %u", l + 1,
                             ly->act);
        if (l > 0 && ly->in != net->layer[l - 1].out)
            return dg_seterr(e, "inconsistent sizes: layer %zu takes %u "
                             "inputs but layer %zu gives %u", l + 1, ly->in,
                             l, net->layer[l - 1].out);
        ly->w = off;
        ly->b = off + (size_t)np - (np > 0 ? (ly->kind == DG_LAYER_CONV
                                               ? ly->geom[3] : ly->out) : 0);
        off += (size_t)np;
    }
    if (net->layer[net->nlayers - 1].kind != DG_LAYER_DENSE)
        return dg_seterr(e, "the last layer is not dense");
    net->nparams = off;
    return 0;
}

void dg_net_init_he(dg_net *net, dg_rng *r)
{
    size_t l, j;

    for (l = 0; l < net->nlayers; l++) {
        const dg_layer *ly = &net->layer[l];
        const dg_conv_geom g = geom_of(ly);
        const size_t fan_in = ly->kind == DG_LAYER_CONV ? g.c * g.k * g.k
                              : ly->in;
        const size_t nw = ly->kind == DG_LAYER_CONV ? g.oc * fan_in
                          : ly->kind == DG_LAYER_DENSE
                          ? (size_t)ly->in * ly->out : 0;
        const double sd = sqrt(2.0 / fan_in);
        float *w = net->params + ly->w;

        for (j = 0; j < nw; j++)
            w[j] = (float)(sd * dg_rng_normal(r));
        for (j = ly->w + nw; j < (l + 1 < net->nlayers
                                  ? net->layer[l + 1].w : net->nparams); j++)
            net->params[j] = 0.0f;
    }
}

void dg_net_free(dg_net *net)
{
    if (net->next != NULL) {
        dg_net_free(net->next);
        free(net->next);
    }
    if (net->map != NULL)
        munmap(net->map, net->maplen);
    else
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

int dg_net_check_digits(const dg_net *net, dg_err *e)
{
    const size_t k = dg_net_out(net);

    if (dg_net_in(net) != DG_CELL_PIXELS
        || (k != DG_NCLASS && k != DG_MAX_CLASS))
        return dg_seterr(e, "not a digit model (takes %zu inputs, gives %zu "
                         "classes)", dg_net_in(net), dg_net_out(net));
    return 0;
}

int dg_net_has_reject(const dg_net *net)
{
    return dg_net_out(net) == DG_MAX_CLASS;
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
        const dg_layer *ly = &net->layer[l];

        used = strlen(buf);
        if (ly->kind == DG_LAYER_CONV)
            snprintf(buf + used, size - used, "-c%ux%u", ly->geom[2],
                     ly->geom[3]);
        else if (ly->kind == DG_LAYER_MAXPOOL)
            snprintf(buf + used, size - used, "-p%u", ly->geom[2]);
        else
            snprintf(buf + used, size - used, "-%u", ly->out);
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
        /* Logits that overflowed (a model of huge weights) give no
         * answer rather than NaN probabilities. */
        if (!(sum >= 1.0f && sum <= (float)k)) {
            for (j = 0; j < k; j++)
                row[j] = 1.0f / (float)k;
            continue;
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
    size_t l, cols = 0;

    memset(a, 0, sizeof *a);
    a->batch = batch;
    a->act[0] = malloc(batch * dg_net_in(net) * sizeof(float));
    for (l = 0; l < net->nlayers; l++) {
        const dg_conv_geom g = geom_of(&net->layer[l]);

        a->act[l + 1] = malloc(batch * net->layer[l].out * sizeof(float));
        if (net->layer[l].kind == DG_LAYER_CONV
            && dg_conv_forward_scratch(batch, &g) > cols)
            cols = dg_conv_forward_scratch(batch, &g);
    }
    a->scratch = malloc((cols ? cols : 1) * sizeof(float));
    for (l = 0; l <= net->nlayers; l++) {
        if (a->act[l] == NULL || a->scratch == NULL) {
            dg_acts_free(a);
            return dg_seterr(e, "out of memory for activations");
        }
    }
    if (net->next == NULL)
        return 0;
    a->next = malloc(sizeof *a->next);
    a->rows = malloc(batch * sizeof *a->rows);
    a->nread = malloc(batch);
    if (a->next == NULL || a->rows == NULL || a->nread == NULL
        || dg_acts_alloc(a->next, net->next, batch, e) < 0) {
        free(a->next);
        a->next = NULL;
        dg_acts_free(a);
        return dg_seterr(e, "out of memory for activations");
    }
    return 0;
}

void dg_acts_free(dg_acts *a)
{
    size_t l;

    for (l = 0; l <= DG_MAX_LAYERS; l++)
        free(a->act[l]);
    free(a->scratch);
    if (a->next != NULL) {
        dg_acts_free(a->next);
        free(a->next);
    }
    free(a->rows);
    free(a->nread);
    memset(a, 0, sizeof *a);
}

const float *dg_net_forward(const dg_net *net, dg_acts *a, size_t n)
{
    size_t l;

    for (l = 0; l < net->nlayers; l++) {
        const dg_layer *ly = &net->layer[l];
        const dg_conv_geom g = geom_of(ly);
        float *out = a->act[l + 1];

        if (ly->kind == DG_LAYER_CONV)
            dg_conv_forward(out, a->act[l], net->params + ly->w,
                            net->params + ly->b, n, &g,
                            ly->act == DG_ACT_RELU, a->scratch);
        else if (ly->kind == DG_LAYER_MAXPOOL)
            dg_maxpool_forward(out, a->act[l], n, g.c, g.h, g.w, g.k);
        else
            dg_dense_forward(out, a->act[l], net->params + ly->w,
                             net->params + ly->b, n, ly->in, ly->out);
        if (ly->act == DG_ACT_RELU && ly->kind != DG_LAYER_CONV)
            dg_relu_forward(out, n * ly->out);
        else if (ly->act == DG_ACT_SOFTMAX)
            dg_softmax_forward(out, n, ly->out);
    }
    if (net->next != NULL)
        dg_cascade_forward(net, a, n, a->act[net->nlayers]);
    return a->act[net->nlayers];
}

size_t dg_net_work_size(const dg_net *net, size_t batch)
{
    size_t l, scratch = 0;

    for (l = 0; l < net->nlayers; l++) {
        const dg_conv_geom g = geom_of(&net->layer[l]);
        size_t i = net->layer[l].in, o = net->layer[l].out;
        size_t s = i * batch > o * i ? i * batch : o * i;

        if (net->layer[l].kind == DG_LAYER_CONV)
            s = dg_conv_scratch(batch, &g);
        else if (net->layer[l].kind == DG_LAYER_MAXPOOL)
            s = 0;
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
        const dg_conv_geom g = geom_of(ly);
        float *t;

        /* The last layer's softmax is folded into the loss gradient. */
        if (ly->act == DG_ACT_RELU)
            dg_relu_backward(dcur, a->act[l + 1], n * ly->out);
        if (ly->kind == DG_LAYER_CONV)
            dg_conv_backward(l > 0 ? dprev : NULL, grads + ly->w,
                             grads + ly->b, dcur, a->act[l],
                             net->params + ly->w, n, &g, scratch);
        else if (ly->kind == DG_LAYER_MAXPOOL)
            dg_maxpool_backward(dprev, dcur, a->act[l], n, g.c, g.h, g.w,
                                g.k);
        else
            dg_dense_backward(l > 0 ? dprev : NULL, grads + ly->w,
                              grads + ly->b, dcur, a->act[l],
                              net->params + ly->w, n, ly->in, ly->out,
                              scratch);
        t = dcur;
        dcur = dprev;
        dprev = t;
    }
}
