/* plane.c - float rasters for the renderer: allocation, resampling,
 * blur, random fields. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* The largest plane made, in pixels: far beyond any rendering. */
#define MAX_PIXELS ((size_t)1 << 26)

int rc_plane_alloc(rc_plane *p, int w, int h, float fill, dg_err *e)
{
    p->v = NULL;
    p->w = p->h = 0;
    if (w < 1 || h < 1 || (size_t)w * h > MAX_PIXELS)
        return dg_seterr(e, "bad raster size %dx%d", w, h);
    p->v = malloc((size_t)w * h * sizeof *p->v);
    if (!p->v)
        return dg_seterr(e, "out of memory for a %dx%d raster", w, h);
    p->w = w;
    p->h = h;
    for (size_t i = 0; i < (size_t)w * h; i++)
        p->v[i] = fill;
    return 0;
}

void rc_plane_free(rc_plane *p)
{
    free(p->v);
    p->v = NULL;
    p->w = p->h = 0;
}

float rc_plane_sample(const rc_plane *p, double x, double y)
{
    double fx = floor(x), fy = floor(y);
    int x0 = (int)fx, y0 = (int)fy;
    float tx = (float)(x - fx), ty = (float)(y - fy), c[4];
    if (x < -1 || y < -1 || x >= p->w || y >= p->h)
        return 0.0f;
    for (int k = 0; k < 4; k++) {
        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
        c[k] = xx < 0 || yy < 0 || xx >= p->w || yy >= p->h
             ? 0.0f : p->v[(size_t)yy * p->w + xx];
    }
    return (c[0] * (1 - tx) + c[1] * tx) * (1 - ty)
         + (c[2] * (1 - tx) + c[3] * tx) * ty;
}

int rc_plane_scale(rc_plane *dst, const rc_plane *src, int h, float aspect,
                   dg_err *e)
{
    double f = (double)h / src->h;
    int w = (int)lround(src->w * f * aspect);
    if (w < 1)
        w = 1;
    if (rc_plane_alloc(dst, w, h, 0.0f, e))
        return -1;
    double sx = (double)src->w / w, sy = (double)src->h / h;
    int nx = (int)ceil(sx), ny = (int)ceil(sy);   /* samples per pixel */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int j = 0; j < ny; j++)
                for (int i = 0; i < nx; i++)
                    acc += rc_plane_sample(src,
                        (x + (i + 0.5) / nx) * sx - 0.5,
                        (y + (j + 0.5) / ny) * sy - 0.5);
            dst->v[(size_t)y * w + x] = acc / (nx * ny);
        }
    return 0;
}

/* Convolve n samples at stride st of v with kernel k (2r+1 taps), edges
 * clamped, through the scratch line t (n). */
static void blur_line(float *v, size_t n, size_t st, const float *k, int r,
                      float *t)
{
    for (size_t i = 0; i < n; i++)
        t[i] = v[i * st];
    for (size_t i = 0; i < n; i++) {
        float acc = 0;
        for (int j = -r; j <= r; j++) {
            long m = (long)i + j;
            m = m < 0 ? 0 : m >= (long)n ? (long)n - 1 : m;
            acc += k[j + r] * t[m];
        }
        v[i * st] = acc;
    }
}

int rc_plane_blur(rc_plane *p, float sigma, dg_err *e)
{
    if (sigma < 0.2f)
        return 0;
    int r = (int)ceilf(3 * sigma);
    size_t n = (size_t)(p->w > p->h ? p->w : p->h);
    float *k = malloc((2 * r + 1 + n) * sizeof *k), sum = 0;
    if (!k)
        return dg_seterr(e, "out of memory for a blur");
    for (int j = -r; j <= r; j++)
        sum += k[j + r] = expf(-0.5f * j * j / (sigma * sigma));
    for (int j = 0; j <= 2 * r; j++)
        k[j] /= sum;
    float *t = k + 2 * r + 1;
    for (int y = 0; y < p->h; y++)
        blur_line(p->v + (size_t)y * p->w, p->w, 1, k, r, t);
    for (int x = 0; x < p->w; x++)
        blur_line(p->v + x, p->h, p->w, k, r, t);
    free(k);
    return 0;
}

int rc_plane_field(rc_plane *p, int w, int h, float sigma, dg_rng *r,
                   dg_err *e)
{
    if (rc_plane_alloc(p, w, h, 0.0f, e))
        return -1;
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++)
        p->v[i] = (float)dg_rng_normal(r);
    if (rc_plane_blur(p, sigma, e))
        return -1;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (double)p->v[i] * p->v[i];
    float scale = ss > 0 ? (float)(1 / sqrt(ss / n)) : 0;
    for (size_t i = 0; i < n; i++)
        p->v[i] *= scale;
    return 0;
}
