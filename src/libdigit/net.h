/* net.h - the network object every tool shares.
 *
 * A network is a chain of layers.  All parameters live in one float block
 * (params); each layer's weights and bias are named by offsets into it, and
 * a gradient block of the same size mirrors the layout, so an optimiser
 * step is one loop over nparams.  Layer kinds: dense, convolution (square
 * kernel, stride 1, zero padding keeping the size) and max pooling. 
 *
 * Each layer kind is a pair of functions: *_forward computes outputs from
 * inputs, *_backward takes the gradient of the loss with respect to the
 * outputs and ACCUMULATES the gradients of the parameters (+=) and writes
 * the gradient with respect to the inputs (when asked for).  Dense layers
 * are here; convolution and pooling in conv.h. */
#ifndef DG_NET_H
#define DG_NET_H

#include <stddef.h>
#include <stdint.h>

#include "dg.h"
#include "rng.h"

#define DG_MAX_LAYERS 16
#define DG_MAX_WIDTH 65536          /* widest layer accepted */
#define DG_NCLASS 10                /* the digits 0 to 9 */
#define DG_REJECT 10                /* class index of "not one digit" */
#define DG_MAX_CLASS 11             /* the digits and the reject class */

enum dg_layer_kind {
    DG_LAYER_DENSE = 1,
    DG_LAYER_CONV = 2,
    DG_LAYER_MAXPOOL = 3
};
enum dg_act { DG_ACT_NONE = 0, DG_ACT_RELU = 1, DG_ACT_SOFTMAX = 2 };

typedef struct dg_layer {
    uint32_t kind;              /* enum dg_layer_kind */
    uint32_t act;               /* enum dg_act applied to the output */
    uint32_t in, out;           /* input and output widths (flattened) */
    uint32_t geom[4];           /* dense: 0 0 0 0; conv: input channels,
                                 * input height, kernel side, output
                                 * channels; pool: channels, input height,
                                 * block side, 0.  (Width = in / (c*h).) */
    size_t w;                   /* offset of weights in params: dense
                                 * (in, out); conv (oc, c*k*k) */
    size_t b;                   /* offset of bias (out; conv: oc) */
} dg_layer;

typedef struct dg_net {
    size_t nlayers;
    dg_layer layer[DG_MAX_LAYERS];
    size_t nparams;
    float *params;              /* (nparams) all weights and biases */
    char *meta;                 /* "key=value\n" lines, NUL-terminated */
    void *map;                  /* when not NULL, params lives in this
                                 * private mapping of a model file */
    size_t maplen;
    struct dg_net *next;        /* the next network of a cascade
                                 * (cascade.h), owned by this one; NULL */
    float below;                /* as a later member of a cascade: read
                                 * for the cells whose best probability
                                 * so far is below this; 0 for the first */
} dg_net;

/* Build an MLP: in -> hidden[0] -> ... -> out, ReLU between dense layers
 * and softmax at the end; parameters zero.  Returns 0 or -1. */
int dg_net_mlp(dg_net *net, size_t in, const size_t *hidden, size_t nhidden,
               size_t out, dg_err *e);

/* Build a small convolutional network on a 1 x side x side input: for
 * each entry of convs a k x k convolution with that many channels, ReLU
 * and 2 x 2 max pooling; then dense layers of the hidden widths with ReLU,
 * and a softmax of out classes; parameters zero. */
int dg_net_cnn(dg_net *net, size_t side, const size_t *convs, size_t nconv,
               size_t k, const size_t *hidden, size_t nhidden, size_t out,
               dg_err *e);

/* Check the layer table of net (kinds, activations, geometry, each
 * layer's input the previous one's output, a softmax last) and lay out
 * the parameters: set every offset and nparams.  Messages for sizes that
 * do not fit together start "inconsistent sizes". */
int dg_net_layout(dg_net *net, dg_err *e);

/* He initialisation: weights N(0, 2/fan_in), biases 0, from r. */
void dg_net_init_he(dg_net *net, dg_rng *r);

/* Free net's parameters and text, and the later members of its
 * cascade. */
void dg_net_free(dg_net *net);

size_t dg_net_in(const dg_net *net);
size_t dg_net_out(const dg_net *net);
size_t dg_net_widest(const dg_net *net);

/* 0 if net classifies digit images: DG_CELL_PIXELS inputs, and either
 * DG_NCLASS outputs (the digits) or DG_MAX_CLASS (the digits, then the
 * class DG_REJECT, "not one digit"); else -1 with "not a digit model
 * (takes I inputs, gives O classes)". */
int dg_net_check_digits(const dg_net *net, dg_err *e);

/* Whether net has the class DG_REJECT ("not one digit") after the ten
 * digits: DG_MAX_CLASS outputs. */
int dg_net_has_reject(const dg_net *net);

/* "784-256-128-10" (or "784-c8-p-c16-p-128-10") into buf. */
void dg_net_shape(const dg_net *net, char *buf, size_t size);

/* Metadata: set (replacing) or get a key.  Values are single lines;
 * newlines and '=' in keys are refused.  get returns 0 and copies the
 * value, or -1 when the key is absent. */
int dg_meta_set(dg_net *net, const char *key, const char *value, dg_err *e);
int dg_meta_get(const dg_net *net, const char *key, char *value,
                size_t size);

/* ---- layers ---- */

/* out (n, o) = in (n, i) . w (i, o) + b (o) */
void dg_dense_forward(float *out, const float *in, const float *w,
                      const float *b, size_t n, size_t i, size_t o);

/* dw (i, o) += in^T . dout; db (o) += column sums of dout;
 * din (n, i) = dout . w^T unless din is NULL.
 * scratch: at least max(i*n, o*i) floats. */
void dg_dense_backward(float *din, float *dw, float *db, const float *dout,
                       const float *in, const float *w, size_t n, size_t i,
                       size_t o, float *scratch);

/* y = max(x, 0) in place, count values. */
void dg_relu_forward(float *x, size_t count);

/* dx *= (y > 0), where y is the ReLU's output. */
void dg_relu_backward(float *dx, const float *y, size_t count);

/* Row-wise softmax of x (n, k) in place (max-subtracted, exact to float). */
void dg_softmax_forward(float *x, size_t n, size_t k);

/* Mean cross-entropy of probabilities p (n, k) against labels. */
double dg_cross_entropy(const float *p, const uint8_t *labels, size_t n,
                        size_t k);

/* Gradient of the mean cross-entropy with respect to the logits, through
 * the softmax: dlogits (n, k) = (p - onehot(label)) / n. */
void dg_softmax_ce_backward(float *dlogits, const float *p,
                            const uint8_t *labels, size_t n, size_t k);

/* ---- whole network ---- */

/* Activation buffers for a batch of up to `batch` rows: act[0] is the
 * input (batch, in), act[l+1] the output of layer l. */
typedef struct dg_acts {
    size_t batch;
    float *act[DG_MAX_LAYERS + 1];
    float *scratch;             /* convolution columns */
    struct dg_acts *next;       /* the buffers of a cascade's next
                                 * member, or NULL */
    size_t *rows;               /* (batch) with a next member: the rows
                                 * it is asked about */
    unsigned char *nread;       /* (batch) with a next member: how many
                                 * members read each row */
} dg_acts;

/* Buffers for net and every later member of its cascade. */
int dg_acts_alloc(dg_acts *a, const dg_net *net, size_t batch, dg_err *e);
void dg_acts_free(dg_acts *a);

/* Forward n <= a->batch rows from a->act[0] through net, and through
 * the later members of its cascade for the rows they are asked about
 * (cascade.h); returns the output buffer (n, out): class
 * probabilities. */
const float *dg_net_forward(const dg_net *net, dg_acts *a, size_t n);

/* Backward after dg_net_forward: accumulate parameter gradients into
 * grads (nparams, same layout as params) for the mean cross-entropy of
 * the batch against labels.  work: dg_net_work_size floats. */
void dg_net_backward(const dg_net *net, const dg_acts *a, size_t n,
                     const uint8_t *labels, float *grads, float *work);
size_t dg_net_work_size(const dg_net *net, size_t batch);

#endif
