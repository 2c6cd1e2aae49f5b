/* gemm.c - zero-skipping row-by-row matrix product (see gemm.h). */
#include <config.h>

#include <string.h>

#include "gemm.h"

#ifdef HAVE_TARGET_CLONES
#define DG_CLONES __attribute__((target_clones("avx512f", "avx2,fma", \
                                                "default")))
#else
#define DG_CLONES
#endif

#define TILE 64             /* floats of C kept in registers */

/* Sixteen floats; the compiler maps it onto whatever vectors the target
 * has (one AVX-512 register, two AVX ones, four SSE ones).  The unaligned
 * variant is for loads and stores at any float boundary. */
typedef float v16 __attribute__((vector_size(64)));
typedef v16 v16u __attribute__((aligned(4)));

/* c (n) += sum over q of val[q] * B row idx[q]  (B rows ldb apart). */
DG_CLONES
static void row_accumulate(size_t n, size_t nnz, const unsigned *idx,
                           const float *val, const float *b, size_t ldb,
                           float *c)
{
    size_t j = 0, q, t;

    for (; j + TILE <= n; j += TILE) {
        v16 a0 = *(const v16u *)(c + j), a1 = *(const v16u *)(c + j + 16);
        v16 a2 = *(const v16u *)(c + j + 32), a3 = *(const v16u *)(c + j + 48);

        for (q = 0; q < nnz; q++) {
            const float *bp = b + (size_t)idx[q] * ldb + j;
            const v16 a = { val[q], val[q], val[q], val[q], val[q], val[q],
                            val[q], val[q], val[q], val[q], val[q], val[q],
                            val[q], val[q], val[q], val[q] };

            a0 += a * *(const v16u *)bp;
            a1 += a * *(const v16u *)(bp + 16);
            a2 += a * *(const v16u *)(bp + 32);
            a3 += a * *(const v16u *)(bp + 48);
        }
        *(v16u *)(c + j) = a0;
        *(v16u *)(c + j + 16) = a1;
        *(v16u *)(c + j + 32) = a2;
        *(v16u *)(c + j + 48) = a3;
    }
    for (; j < n; j += 16) {
        const size_t w = n - j < 16 ? n - j : 16;
        float acc[16];

        memcpy(acc, c + j, w * sizeof *acc);
        for (q = 0; q < nnz; q++) {
            const float a = val[q];
            const float *bp = b + (size_t)idx[q] * ldb + j;

            for (t = 0; t < w; t++)
                acc[t] += a * bp[t];
        }
        memcpy(c + j, acc, w * sizeof *acc);
    }
}

/* One row of C from one row of A, k long, gathered 512 non-zeros at a time. */
static void gemm_row(size_t n, size_t k, const float *arow, const float *b,
                     size_t ldb, float *crow)
{
    unsigned idx[512];
    float val[512];
    size_t p = 0;

    while (p < k) {
        size_t nnz = 0;

        /* Branch-free: write every entry, advance only past non-zeros. */
        for (; p < k && nnz < 512; p++) {
            idx[nnz] = (unsigned)p;
            val[nnz] = arow[p];
            nnz += arow[p] != 0.0f;
        }
        if (nnz > 0)
            row_accumulate(n, nnz, idx, val, b, ldb, crow);
    }
}

void dg_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda,
             const float *b, size_t ldb, float *c, size_t ldc,
             int accumulate)
{
    long i;

    #pragma omp parallel for schedule(static) if (m * n * k > 200000)
    for (i = 0; i < (long)m; i++) {
        float *crow = c + (size_t)i * ldc;

        if (!accumulate)
            memset(crow, 0, n * sizeof *crow);
        gemm_row(n, k, a + (size_t)i * lda, b, ldb, crow);
    }
}

void dg_transpose(float *t, const float *s, size_t rows, size_t cols)
{
    size_t i0, j0, i, j;
    const size_t bs = 32;

    for (i0 = 0; i0 < rows; i0 += bs)
        for (j0 = 0; j0 < cols; j0 += bs)
            for (i = i0; i < i0 + bs && i < rows; i++)
                for (j = j0; j < j0 + bs && j < cols; j++)
                    t[j * rows + i] = s[i * cols + j];
}
