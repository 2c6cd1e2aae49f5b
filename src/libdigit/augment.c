/* augment.c - random distortions of 28x28 digit images (see augment.h).
 *
 * Coordinates are pixel centres, 0..27, with y growing downwards; the
 * geometric transforms act about the image centre (13.5, 13.5).  Every
 * output pixel is found by mapping it back into the input (the inverse of
 * the composed transform) and sampling bilinearly there. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "augment.h"
#include "image.h"

#define N DG_CELL               /* side of the image */
#define NN DG_CELL_PIXELS
#define PADN (N + 2)            /* the input with a one-pixel zero frame */
#define CENTRE ((float)(N - 1) / 2.0f)
#define MAX_BLUR_RADIUS 12      /* ceil(3 * DG_AUG_MAX_BLUR) */

void dg_aug_defaults(dg_aug_opts *o)
{
    memset(o, 0, sizeof *o);
    o->elastic = (dg_aug_range){ 0.3, 30.0, 40.0 };
    o->elastic_sigma_lo = 5.0;
    o->elastic_sigma_hi = 7.0;
    o->rotate = (dg_aug_range){ 0.7, -20.0, 20.0 };
    o->shear = (dg_aug_range){ 0.5, -0.3, 0.3 };
    o->shift = (dg_aug_range){ 0.7, -3.0, 3.0 };
    o->scale = (dg_aug_range){ 0.5, 0.7, 1.3 };
    o->contrast = (dg_aug_range){ 0.5, 0.7, 1.3 };
    o->brightness = (dg_aug_range){ 0.5, 0.7, 1.3 };
    o->p_thicken = 0.3;
    o->p_thin = 0.3;
    o->blur = (dg_aug_range){ 0.3, 0.5, 1.0 };
    o->noise = (dg_aug_range){ 0.2, 25.0 / 255.0, 25.0 / 255.0 };
    o->aspect = (dg_aug_range){ 0.0, 0.75, 1.35 };
    o->slant = (dg_aug_range){ 0.0, -10.0, 25.0 };
    o->widen = (dg_aug_range){ 0.0, 1.0, 2.0 };
}

void dg_aug_none(dg_aug_opts *o)
{
    o->elastic.p = o->rotate.p = o->shear.p = o->shift.p = 0.0;
    o->scale.p = o->contrast.p = o->brightness.p = 0.0;
    o->p_thicken = o->p_thin = o->blur.p = o->noise.p = 0.0;
    o->aspect.p = o->slant.p = o->widen.p = 0.0;
}

/* Check one range: p a probability, lo <= hi, finite, and lo above min
 * (strictly when positive is set). */
static int check_range(const char *name, const dg_aug_range *r, double min,
                       int positive, dg_err *e)
{
    if (!(r->p >= 0.0 && r->p <= 1.0))
        return dg_seterr(e, "%s: probability %g is not between 0 and 1",
                         name, r->p);
    if (!isfinite(r->lo) || !isfinite(r->hi) || !(r->lo <= r->hi))
        return dg_seterr(e, "%s: range %g to %g is empty or not finite",
                         name, r->lo, r->hi);
    if (positive ? !(r->lo > min) : !(r->lo >= min))
        return dg_seterr(e, "%s: %g is too small (must be %s %g)", name,
                         r->lo, positive ? "above" : "at least", min);
    return 0;
}

int dg_aug_check(const dg_aug_opts *o, dg_err *e)
{
    dg_aug_range sigma = { 0.0, o->elastic_sigma_lo, o->elastic_sigma_hi };

    if (check_range("elastic", &o->elastic, 0.0, 0, e) < 0
        || check_range("elastic sigma", &sigma, 0.0, 1, e) < 0
        || check_range("rotate", &o->rotate, -HUGE_VAL, 0, e) < 0
        || check_range("shear", &o->shear, -HUGE_VAL, 0, e) < 0
        || check_range("shift", &o->shift, -HUGE_VAL, 0, e) < 0
        || check_range("scale", &o->scale, 0.0, 1, e) < 0
        || check_range("aspect", &o->aspect, 0.0, 1, e) < 0
        || check_range("slant", &o->slant, -60.0, 0, e) < 0
        || check_range("widen", &o->widen, -3.0, 0, e) < 0
        || check_range("contrast", &o->contrast, 0.0, 0, e) < 0
        || check_range("brightness", &o->brightness, 0.0, 0, e) < 0
        || check_range("blur", &o->blur, 0.0, 1, e) < 0
        || check_range("noise", &o->noise, 0.0, 0, e) < 0)
        return -1;
    if (o->slant.hi > 60.0 || o->widen.hi > 3.0)
        return dg_seterr(e, "%s: %g is too large (at most %g)",
                         o->slant.hi > 60.0 ? "slant" : "widen",
                         o->slant.hi > 60.0 ? o->slant.hi : o->widen.hi,
                         o->slant.hi > 60.0 ? 60.0 : 3.0);
    if (o->blur.hi > DG_AUG_MAX_BLUR)
        return dg_seterr(e, "blur: sigma %g is above the limit of %g",
                         o->blur.hi, DG_AUG_MAX_BLUR);
    if (!(o->p_thicken >= 0.0 && o->p_thin >= 0.0
          && o->p_thicken + o->p_thin <= 1.0))
        return dg_seterr(e, "thicken/thin: probabilities %g and %g must be "
                         "at least 0 and add up to at most 1",
                         o->p_thicken, o->p_thin);
    return 0;
}

/* ---- randomness ---- */

/* Decide a transform and draw its parameter into *v: 1 if applied. */
static int draw(dg_rng *r, const dg_aug_range *t, float *v)
{
    if (t->p <= 0.0 || !dg_rng_chance(r, t->p))
        return 0;
    *v = (float)dg_rng_range(r, t->lo, t->hi);
    return 1;
}

/* Fill f[0..n) with independent uniform values in [-1, 1), two per
 * 64-bit draw. */
static void uniform_field(dg_rng *r, float *f, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2) {
        uint64_t u = dg_rng_u64(r);

        f[i] = (float)(int32_t)(uint32_t)u * 0x1.0p-31f;
        f[i + 1] = (float)(int32_t)(uint32_t)(u >> 32) * 0x1.0p-31f;
    }
    if (i < n)
        f[i] = (float)(int32_t)(uint32_t)dg_rng_u64(r) * 0x1.0p-31f;
}

/* Add sigma times standard normal values to f[0..n), n even (Box-Muller,
 * both values of each pair used). */
static void add_noise(dg_rng *r, float *f, size_t n, float sigma)
{
    size_t i;

    for (i = 0; i + 1 < n; i += 2) {
        uint64_t u = dg_rng_u64(r);
        float u1 = (float)((u >> 40) + 1) * 0x1.0p-24f;     /* (0, 1] */
        float u2 = (float)(u & 0xffffff) * 0x1.0p-24f;       /* [0, 1) */
        float rad = sigma * sqrtf(-2.0f * logf(u1));
        float ang = 2.0f * (float)M_PI * u2;

        f[i] += rad * cosf(ang);
        f[i + 1] += rad * sinf(ang);
    }
}

/* ---- elastic distortion ---- */

/* The 1-D Gaussian filter of sigma with zero outside the image, as an
 * N x N (symmetric) matrix: the kernel is truncated at 4 sigma and
 * normalised over its full width, like scipy's gaussian_filter in
 * "constant" mode. */
static void gauss_matrix(float g[N][N], double sigma)
{
    int radius = (int)(4.0 * sigma + 0.5);
    float k[N];
    double sum = 1.0;
    int i, j;

    for (i = 0; i < N; i++) {
        double v = i <= radius ? exp(-0.5 * i * i / (sigma * sigma)) : 0.0;

        k[i] = (float)v;
        if (i > 0 && i <= radius)
            sum += 2.0 * v;
    }
    /* Taps beyond the image still count in the normalisation. */
    for (i = N; i <= radius; i++)
        sum += 2.0 * exp(-0.5 * i * i / (sigma * sigma));
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            g[i][j] = k[i > j ? i - j : j - i] / (float)sum;
}

/* out = a * b for N x N row-major matrices (no aliasing): the inner loop
 * runs along rows so that the compiler can vectorise it. */
static void matmul(float *restrict out, const float *restrict a,
                   const float *restrict b)
{
    int x, y, i;

    for (y = 0; y < N; y++) {
        float acc[N];       /* one output row, kept in registers */

        for (x = 0; x < N; x++)
            acc[x] = 0.0f;
        for (i = 0; i < N; i++) {
            const float w = a[y * N + i];
            const float *restrict row = b + i * N;

            for (x = 0; x < N; x++)
                acc[x] += w * row[x];
        }
        memcpy(out + y * N, acc, sizeof acc);
    }
}

/* f = G f G (smooth rows, then columns; G is symmetric); tmp is scratch
 * of NN floats. */
static void smooth2d(float *f, const float g[N][N], float *tmp)
{
    matmul(tmp, f, &g[0][0]);
    matmul(f, &g[0][0], tmp);
}

/* Draw a displacement field (dx, dy) of alpha * smoothed uniform noise. */
static void elastic_field(dg_rng *r, float alpha, float sigma, float *dx,
                          float *dy)
{
    float g[N][N];
    float tmp[NN];
    int i;

    gauss_matrix(g, sigma);
    uniform_field(r, dx, NN);
    uniform_field(r, dy, NN);
    smooth2d(dx, g, tmp);
    smooth2d(dy, g, tmp);
    for (i = 0; i < NN; i++) {
        dx[i] *= alpha;
        dy[i] *= alpha;
    }
}

/* ---- geometry ---- */

/* Bilinear sample of the zero-framed image pad at (sx, sy) in image
 * coordinates; 0 outside. */
static inline float sample(const float *pad, float sx, float sy)
{
    int x0, y0;
    float fx, fy;
    const float *p;

    if (!(sx > -1.0f && sx < (float)N && sy > -1.0f && sy < (float)N))
        return 0.0f;
    /* sx + 1 > 0, so truncation is floor (and cheaper than floorf). */
    x0 = (int)(sx + 1.0f) - 1;
    y0 = (int)(sy + 1.0f) - 1;
    fx = sx - (float)x0;
    fy = sy - (float)y0;
    p = pad + (y0 + 1) * PADN + (x0 + 1);
    return (p[0] * (1.0f - fx) + p[1] * fx) * (1.0f - fy)
           + (p[PADN] * (1.0f - fx) + p[PADN + 1] * fx) * fy;
}

/* out(p) = in(centre + m * (p + d(p) - centre - t)), where m is the 2x2
 * inverse of the composed linear map (row-major) and d the optional
 * displacement field. */
static void warp(const float *in, float *out, const float m[4],
                 const float t[2], const float *dx, const float *dy)
{
    float pad[PADN * PADN];
    int x, y;

    memset(pad, 0, sizeof pad);
    for (y = 0; y < N; y++)
        memcpy(pad + (y + 1) * PADN + 1, in + y * N, N * sizeof *in);
    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++) {
            int i = y * N + x;
            float u = (float)x - CENTRE - t[0];
            float v = (float)y - CENTRE - t[1];

            if (dx != NULL) {
                u += dx[i];
                v += dy[i];
            }
            out[i] = sample(pad, CENTRE + m[0] * u + m[1] * v,
                            CENTRE + m[2] * u + m[3] * v);
        }
}

/* m = a * m for 2x2 row-major matrices. */
static void premul(float m[4], const float a[4])
{
    float r[4];

    r[0] = a[0] * m[0] + a[1] * m[2];
    r[1] = a[0] * m[1] + a[1] * m[3];
    r[2] = a[2] * m[0] + a[3] * m[2];
    r[3] = a[2] * m[1] + a[3] * m[3];
    memcpy(m, r, sizeof r);
}

/* The geometric transforms of how people write differ, slant and
 * aspect, into the inverse map m; 1 if either was drawn.  They come
 * after the original's, whose draws they leave alone. */
static int people(float m[4], const dg_aug_opts *o, dg_rng *r)
{
    float deg, a;
    int any = 0;

    if (draw(r, &o->slant, &deg)) {
        float inv[4] = { 1.0f, -tanf(deg * (float)M_PI / 180.0f), 0.0f,
                         1.0f };

        premul(m, inv);
        any = 1;
    }
    if (draw(r, &o->aspect, &a)) {
        float inv[4] = { 1.0f / a, 0.0f, 0.0f, 1.0f };

        premul(m, inv);
        any = 1;
    }
    return any;
}

/* Draw the geometric transforms and resample in into out once.  Returns 0
 * (and leaves out alone) when none was drawn. */
static int geometry(const float *in, float *out, const dg_aug_opts *o,
                    dg_rng *r)
{
    float dx[NN], dy[NN];
    float alpha = 0.0f, deg, k, s, m[4] = { 1, 0, 0, 1 }, t[2] = { 0, 0 };
    int any = 0, elastic = 0;

    if (draw(r, &o->elastic, &alpha)) {
        float sigma = (float)dg_rng_range(r, o->elastic_sigma_lo,
                                          o->elastic_sigma_hi);

        elastic_field(r, alpha, sigma, dx, dy);
        any = elastic = 1;
    }
    /* The forward map is rotate * shear * scale; m is its inverse,
     * built as scale^-1 * shear^-1 * rotate^-1. */
    if (draw(r, &o->rotate, &deg)) {
        float a = deg * (float)M_PI / 180.0f;
        float inv[4] = { cosf(a), -sinf(a), sinf(a), cosf(a) };

        premul(m, inv);
        any = 1;
    }
    if (draw(r, &o->shear, &k)) {
        float inv[4] = { 1.0f, -k, 0.0f, 1.0f };

        premul(m, inv);
        any = 1;
    }
    if (draw(r, &o->shift, &t[0])) {
        t[1] = (float)dg_rng_range(r, o->shift.lo, o->shift.hi);
        any = 1;
    }
    if (draw(r, &o->scale, &s)) {
        float inv[4] = { 1.0f / s, 0.0f, 0.0f, 1.0f / s };

        premul(m, inv);
        any = 1;
    }
    any |= people(m, o, r);
    if (any)
        warp(in, out, m, t, elastic ? dx : NULL, elastic ? dy : NULL);
    return any;
}

/* ---- grey-level operations ---- */

static inline float max2(float a, float b)
{
    return a > b ? a : b;
}

static inline float min2(float a, float b)
{
    return a < b ? a : b;
}

/* 3x3 grey dilation (want_max) or erosion of f, pixels outside the image
 * ignored (the frame is filled with the neutral value). */
static void morph3(float *f, int want_max)
{
    float pad[PADN * PADN], tmp[PADN * N];
    const float fill = want_max ? 0.0f : 1.0f;
    int x, y;

    for (x = 0; x < PADN * PADN; x++)
        pad[x] = fill;
    for (y = 0; y < N; y++)
        memcpy(pad + (y + 1) * PADN + 1, f + y * N, N * sizeof *f);
    /* Rows of the framed image (all PADN of them), then columns. */
    for (y = 0; y < PADN; y++) {
        const float *p = pad + y * PADN;

        for (x = 0; x < N; x++)
            tmp[y * N + x] = want_max ? max2(max2(p[x], p[x + 1]), p[x + 2])
                                      : min2(min2(p[x], p[x + 1]), p[x + 2]);
    }
    for (y = 0; y < N; y++) {
        const float *t = tmp + y * N;

        for (x = 0; x < N; x++)
            f[y * N + x] = want_max
                ? max2(max2(t[x], t[x + N]), t[x + 2 * N])
                : min2(min2(t[x], t[x + N]), t[x + 2 * N]);
    }
}

/* Separable Gaussian blur of f with sigma (<= DG_AUG_MAX_BLUR), zero
 * outside the image. */
static void blur(float *f, float sigma)
{
    enum { R = MAX_BLUR_RADIUS, W = N + 2 * MAX_BLUR_RADIUS };
    float k[2 * R + 1], sum = 0.0f;
    float rows[N * W], cols[W * N];
    int radius = (int)ceilf(3.0f * sigma), x, y, j;

    if (radius > R)
        radius = R;
    for (j = -radius; j <= radius; j++) {
        k[j + radius] = expf(-0.5f * (float)(j * j) / (sigma * sigma));
        sum += k[j + radius];
    }
    for (j = 0; j <= 2 * radius; j++)
        k[j] /= sum;
    /* Horizontal pass: each row framed by radius zeros on both sides. */
    memset(rows, 0, sizeof rows);
    for (y = 0; y < N; y++)
        memcpy(rows + y * W + radius, f + y * N, N * sizeof *f);
    memset(cols, 0, sizeof cols);
    for (y = 0; y < N; y++)
        for (x = 0; x < N; x++) {
            const float *p = rows + y * W + x;
            float v = 0.0f;

            for (j = 0; j <= 2 * radius; j++)
                v += k[j] * p[j];
            cols[(y + radius) * N + x] = v;
        }
    /* Vertical pass over the result, framed by radius zero rows. */
    for (y = 0; y < N; y++) {
        float *o = f + y * N;

        for (x = 0; x < N; x++)
            o[x] = 0.0f;
        for (j = 0; j <= 2 * radius; j++) {
            const float w = k[j];
            const float *c = cols + (y + j) * N;

            for (x = 0; x < N; x++)
                o[x] += w * c[x];
        }
    }
}

static void clamp01(float *f)
{
    int i;

    for (i = 0; i < NN; i++)
        f[i] = f[i] < 0.0f ? 0.0f : f[i] > 1.0f ? 1.0f : f[i];
}

/* Contrast c about the image's mean, then clamp. */
static void contrast(float *f, float c)
{
    float mean = 0.0f;
    int i;

    for (i = 0; i < NN; i++)
        mean += f[i];
    mean /= (float)NN;
    for (i = 0; i < NN; i++)
        f[i] = mean + (f[i] - mean) * c;
    clamp01(f);
}

void dg_augment(const float *in, float *out, const dg_aug_opts *o,
                dg_rng *r)
{
    float v;

    if (!geometry(in, out, o, r))
        memcpy(out, in, NN * sizeof *out);
    if (o->p_thicken > 0.0 || o->p_thin > 0.0) {
        double u = dg_rng_uniform(r);

        if (u < o->p_thicken)
            morph3(out, 1);
        else if (u < o->p_thicken + o->p_thin)
            morph3(out, 0);
    }
    if (draw(r, &o->widen, &v)) {
        const int passes = (int)lrintf(fabsf(v));
        int i;

        for (i = 0; i < passes; i++)
            morph3(out, v > 0.0f);
    }
    if (draw(r, &o->blur, &v))
        blur(out, v);
    if (draw(r, &o->contrast, &v))
        contrast(out, v);
    if (draw(r, &o->brightness, &v)) {
        int i;

        for (i = 0; i < NN; i++)
            out[i] *= v;
    }
    if (draw(r, &o->noise, &v))
        add_noise(r, out, NN, v);
    clamp01(out);
}
