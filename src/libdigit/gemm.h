/* gemm.h - the matrix products of the network.
 *
 * dg_gemm computes four rows of C at a time: the entries of k where any
 * of the four rows of A is non-zero are gathered first, then the rows of
 * C are accumulated from the matching rows of B in register-sized tiles,
 * every load of B serving all four (a row left over is done alone, over
 * its own non-zeros).  Digit images are mostly background and ReLU
 * outputs mostly zero, so skipping zeros does a third or less of the
 * dense work, and the inner loop is a plain multiply-add the compiler
 * vectorises.  A zero of one row among the gathered entries adds exactly
 * nothing, so each element is the sum over its row's non-zeros in order
 * of k however the rows are grouped.  Groups of rows are shared among
 * OpenMP threads; each is summed by one thread in that fixed order, so
 * results do not depend on the number of threads. */
#ifndef DG_GEMM_H
#define DG_GEMM_H

#include <stddef.h>

/* A loop worth a version for each vector width: the best one the machine
 * has is chosen when the library is loaded. */
#ifdef HAVE_TARGET_CLONES
#define DG_CLONES __attribute__((target_clones("avx512f", "avx2,fma", \
                                                "default")))
#else
#define DG_CLONES
#endif

/* C (m, n) = A (m, k) . B (k, n)   (accumulate: C += A . B).
 * lda, ldb, ldc are the row strides in floats. */
void dg_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda,
             const float *b, size_t ldb, float *c, size_t ldc,
             int accumulate);

/* The same product when A has few zeros and B is small (weights): four
 * rows of C at a time, in tiles of 16 columns held in eight vector
 * accumulators, share every load of B.  Each element of C is summed by
 * one thread over k in order: the result does not depend on the number
 * of threads. */
void dg_gemm_dense(size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc,
                   int accumulate);

/* dg_gemm_dense with row q of B at brows[q] (any addresses): a
 * convolution names the shifted rows of its padded input this way
 * instead of copying them into columns. */
void dg_gemm_rows(size_t m, size_t n, size_t k, const float *a, size_t lda,
                  const float *const *brows, float *c, size_t ldc,
                  int accumulate);

/* T (cols, rows) = transpose of S (rows, cols). */
void dg_transpose(float *t, const float *s, size_t rows, size_t cols);

#endif
