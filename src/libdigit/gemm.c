/* gemm.c - zero-skipping row-by-row matrix product (see gemm.h). */
#include <config.h>

#include <string.h>

#include "gemm.h"


#define TILE 64             /* floats of C kept in registers */

/* Eight floats: one AVX register, two SSE ones (and half an AVX-512 one).
 * A wider vector than the machine's own is kept in memory by the
 * compiler between operations, which made the AVX2 kernels several times
 * slower.  The unaligned variant is for loads and stores at any float
 * boundary. */
typedef float v8 __attribute__((vector_size(32)));
typedef v8 v8u __attribute__((aligned(4)));

/* A multiply-add is rounded twice (no fused multiply-add) in every
 * function here, whatever the compiler or the machine it is built for:
 * each version of the kernels (one for each vector width), and the
 * plain loops beside them, give the same bits, so a model trains to the
 * same weights on any x86-64 and rows give the same sums alone or four
 * at a time. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* c (n) += sum over q of val[q] * B row idx[q]  (B rows ldb apart). */
DG_CLONES
static void row_accumulate(size_t n, size_t nnz, const unsigned *idx,
                           const float *val, const float *b, size_t ldb,
                           float *c)
{
    size_t j = 0, q, t, u;

    for (; j + TILE <= n; j += TILE) {
        v8 acc[TILE / 8];

        for (u = 0; u < TILE / 8; u++)
            acc[u] = *(const v8u *)(c + j + 8 * u);
        for (q = 0; q < nnz; q++) {
            const float *bp = b + (size_t)idx[q] * ldb + j;
            const float a = val[q];

            for (u = 0; u < TILE / 8; u++)
                acc[u] += a * *(const v8u *)(bp + 8 * u);
        }
        for (u = 0; u < TILE / 8; u++)
            *(v8u *)(c + j + 8 * u) = acc[u];
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

#define CTILE 32            /* columns of a one-row block */
#define TAIL_K 256          /* longest k whose column tail is packed */
#define KCHUNK 1024         /* rows of B named at a time by dg_gemm_dense */

/* C rows 0..3, columns j..j+16: c += A (4, k) . B (k, j..j+16), row q
 * of B at br[q].  Eight accumulators hide the latency of the
 * multiply-adds; every load of B serves four rows. */
DG_CLONES
static void block4x16(size_t k, const float *a, size_t lda,
                      const float *const *br, size_t j, float *c, size_t ldc)
{
    v8 s[4][2];
    size_t q, r;

    for (r = 0; r < 4; r++) {
        s[r][0] = *(const v8u *)(c + r * ldc);
        s[r][1] = *(const v8u *)(c + r * ldc + 8);
    }
    for (q = 0; q < k; q++) {
        const v8 b0 = *(const v8u *)(br[q] + j);
        const v8 b1 = *(const v8u *)(br[q] + j + 8);

        for (r = 0; r < 4; r++) {
            const float ar = a[r * lda + q];

            s[r][0] += ar * b0;
            s[r][1] += ar * b1;
        }
    }
    for (r = 0; r < 4; r++) {
        *(v8u *)(c + r * ldc) = s[r][0];
        *(v8u *)(c + r * ldc + 8) = s[r][1];
    }
}

/* Four rows, the last w < 16 columns from j: B's and C's copied into
 * zero-padded tiles, so the vector kernel serves them too. */
static void tail4(size_t w, size_t k, const float *a, size_t lda,
                  const float *const *br, size_t j, float *c, size_t ldc)
{
    float bt[TAIL_K * 16], ct[4 * 16];
    const float *btr[TAIL_K];
    size_t q, i;

    for (q = 0; q < k; q++) {
        memcpy(bt + q * 16, br[q] + j, w * sizeof *bt);
        memset(bt + q * 16 + w, 0, (16 - w) * sizeof *bt);
        btr[q] = bt + q * 16;
    }
    for (i = 0; i < 4; i++) {
        memcpy(ct + i * 16, c + i * ldc, w * sizeof *ct);
        memset(ct + i * 16 + w, 0, (16 - w) * sizeof *ct);
    }
    block4x16(k, a, lda, btr, 0, ct, 16);
    for (i = 0; i < 4; i++)
        memcpy(c + i * ldc, ct + i * 16, w * sizeof *ct);
}

/* One row of C, columns j..j+w (w <= CTILE): c += A row . B, in the same
 * order over k as block4x16. */
static void block1(size_t k, size_t w, const float *a,
                   const float *const *br, size_t j, float *c)
{
    float acc[CTILE];
    size_t q, t;

    memcpy(acc, c, w * sizeof *acc);
    for (q = 0; q < k; q++)
        for (t = 0; t < w; t++)
            acc[t] += a[q] * br[q][j + t];
    memcpy(c, acc, w * sizeof *acc);
}

/* Rows (at most 4) of C from the same rows of A. */
static void dense_rows(size_t rows, size_t n, size_t k, const float *a,
                       size_t lda, const float *const *br, float *c,
                       size_t ldc)
{
    size_t j = 0, i;

    if (rows == 4) {
        for (; j + 16 <= n; j += 16)
            block4x16(k, a, lda, br, j, c + j, ldc);
        if (j < n && k <= TAIL_K) {
            tail4(n - j, k, a, lda, br, j, c + j, ldc);
            return;
        }
    }
    for (i = 0; i < rows; i++) {
        size_t jj;

        for (jj = j; jj < n; jj += CTILE)
            block1(k, n - jj < CTILE ? n - jj : CTILE, a + i * lda, br, jj,
                   c + i * ldc + jj);
    }
}

#define GATHER4 256         /* entries of A gathered at a time, 4 rows */

/* Four rows of C from four rows of A: the entries of k where any of the
 * four is non-zero, gathered GATHER4 at a time (their values, and the
 * rows of B they name), then the dense kernel over them.  A row's zeros
 * among them add exactly nothing, so each row is summed over its
 * non-zeros in the order gemm_row sums them. */
static void gemm_rows4(size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc)
{
    const float *br[GATHER4];
    float val[4 * GATHER4];
    size_t p = 0, j, r, q;

    while (p < k) {
        size_t nnz = 0;

        for (; p < k && nnz < GATHER4; p++) {
            const float v0 = a[p], v1 = a[lda + p], v2 = a[2 * lda + p];
            const float v3 = a[3 * lda + p];

            br[nnz] = b + p * ldb;
            val[nnz] = v0;
            val[GATHER4 + nnz] = v1;
            val[2 * GATHER4 + nnz] = v2;
            val[3 * GATHER4 + nnz] = v3;
            nnz += (v0 != 0.0f) | (v1 != 0.0f) | (v2 != 0.0f)
                   | (v3 != 0.0f);
        }
        if (nnz == 0)
            continue;
        for (j = 0; j + 16 <= n; j += 16)
            block4x16(nnz, val, GATHER4, br, j, c + j, ldc);
        for (r = 0; j < n && r < 4; r++)
            for (q = 0; q < nnz; q++) {
                const float v = val[r * GATHER4 + q];
                size_t t;

                if (v != 0.0f)
                    for (t = j; t < n; t++)
                        c[r * ldc + t] += v * br[q][t];
            }
    }
}

void dg_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda,
             const float *b, size_t ldb, float *c, size_t ldc,
             int accumulate)
{
    const size_t nblock = (m + 3) / 4;
    long t;

    #pragma omp parallel for schedule(static) if (m * n * k > 200000)
    for (t = 0; t < (long)nblock; t++) {
        const size_t i0 = (size_t)t * 4;
        const size_t rows = m - i0 < 4 ? m - i0 : 4;
        size_t i;

        if (!accumulate)
            for (i = i0; i < i0 + rows; i++)
                memset(c + i * ldc, 0, n * sizeof *c);
        if (rows == 4)
            gemm_rows4(n, k, a + i0 * lda, lda, b, ldb, c + i0 * ldc, ldc);
        else
            for (i = i0; i < i0 + rows; i++)
                gemm_row(n, k, a + i * lda, b, ldb, c + i * ldc);
    }
}

void dg_gemm_rows(size_t m, size_t n, size_t k, const float *a, size_t lda,
                  const float *const *brows, float *c, size_t ldc,
                  int accumulate)
{
    const size_t nblock = (m + 3) / 4;
    long t;

    #pragma omp parallel for schedule(static) if (m * n * k > 200000)
    for (t = 0; t < (long)nblock; t++) {
        const size_t i = (size_t)t * 4;
        const size_t rows = m - i < 4 ? m - i : 4;
        size_t r;

        if (!accumulate)
            for (r = 0; r < rows; r++)
                memset(c + (i + r) * ldc, 0, n * sizeof *c);
        dense_rows(rows, n, k, a + i * lda, lda, brows, c + i * ldc, ldc);
    }
}

void dg_gemm_dense(size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc,
                   int accumulate)
{
    const float *br[KCHUNK] = { NULL };
    size_t q0, q;

    if (k == 0 && !accumulate)
        dg_gemm_rows(m, n, 0, a, lda, br, c, ldc, 0);
    /* Chunks of k summed one after the other: the same order as one. */
    for (q0 = 0; q0 < k; q0 += KCHUNK) {
        const size_t kk = k - q0 < KCHUNK ? k - q0 : KCHUNK;

        for (q = 0; q < kk; q++)
            br[q] = b + (q0 + q) * ldb;
        dg_gemm_rows(m, n, kk, a + q0, lda, br, c, ldc,
                     accumulate || q0 > 0);
    }
}

void dg_transpose(float *t, const float *s, size_t rows, size_t cols)
{
    const size_t bs = 16;
    size_t i0, j0, i, j;

    for (i0 = 0; i0 < rows; i0 += bs) {
        const size_t i1 = rows - i0 < bs ? rows : i0 + bs;

        for (j0 = 0; j0 < cols; j0 += bs) {
            const size_t j1 = cols - j0 < bs ? cols : j0 + bs;

            for (j = j0; j < j1; j++)
                for (i = i0; i < i1; i++)
                    t[j * rows + i] = s[i * cols + j];
        }
    }
}
