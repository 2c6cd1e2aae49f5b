/* conv.h - convolution and max-pooling layers.
 *
 * Activations of these layers are (n, channels, height, width) per batch,
 * row-major, which is also the flat (n, channels*height*width) view a
 * dense layer takes.  A convolution is square, stride 1, zero-padded so
 * the output keeps the input's size; pooling takes the maximum of each
 * size x size block, stride size.  Like the dense layer, each backward
 * ACCUMULATES into the parameter gradients and writes the input gradient
 * when asked for; both are exact regardless of the number of threads. */
#ifndef DG_CONV_H
#define DG_CONV_H

#include <stddef.h>

typedef struct dg_conv_geom {
    size_t c, h, w;             /* input channels, height, width */
    size_t k;                   /* kernel side (odd) */
    size_t oc;                  /* output channels */
} dg_conv_geom;

/* out (n, oc, h, w) = w (oc, c*k*k) * im2col(in) + b (oc), then
 * max(x, 0) when relu.  Each sample is one blocked matrix product
 * (dg_gemm_rows) of the weights by the k*k shifted rows of each channel
 * of its zero-padded input, named by pointer rather than copied into
 * columns; the batch is shared among threads in fixed runs.
 * scratch: dg_conv_forward_scratch(n, g) floats. */
void dg_conv_forward(float *out, const float *in, const float *w,
                     const float *b, size_t n, const dg_conv_geom *g,
                     int relu, float *scratch);
size_t dg_conv_forward_scratch(size_t n, const dg_conv_geom *g);

/* dw (oc, c*k*k) += sum over samples; db (oc) += sums of dout;
 * din (n, c, h, w) = gradient for the input unless NULL.
 * scratch: dg_conv_scratch(n, g) floats. */
void dg_conv_backward(float *din, float *dw, float *db, const float *dout,
                      const float *in, const float *w, size_t n,
                      const dg_conv_geom *g, float *scratch);
size_t dg_conv_scratch(size_t n, const dg_conv_geom *g);

/* out (n, c, h/s, w/s) = maxima of s x s blocks of in (n, c, h, w). */
void dg_maxpool_forward(float *out, const float *in, size_t n, size_t c,
                        size_t h, size_t w, size_t s);

/* din = dout routed to the first maximum of each block (others 0). */
void dg_maxpool_backward(float *din, const float *dout, const float *in,
                         size_t n, size_t c, size_t h, size_t w, size_t s);

#endif
