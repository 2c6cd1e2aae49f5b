/* scene.c - a laid-out number drawn as a capture: printed lines, paper
 * and its grain, ink, light and shadow, optics, sensor noise, and the
 * file written as PPM, PGM or PBM. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

/* The output frame: its size, and the affine map from an output pixel
 * back into the layout (u = m0 x + m1 y + m2, v = m3 x + m4 y + m5). */
typedef struct frame {
    int w, h;
    double m[6];
} frame;

/* The layout rotated by s->angle and skewed by s->shear about its centre,
 * inside a padding of s->pad. */
static void make_frame(frame *f, const rc_scene *s)
{
    double c = cos(s->angle), sn = sin(s->angle), sh = s->shear;
    double a[4] = { c, c * sh - sn, sn, sn * sh + c };   /* R * S */
    double lw = s->num.ink.w, lh = s->num.ink.h, hx = 0, hy = 0;
    for (int k = 0; k < 4; k++) {
        double x = ((k & 1) - 0.5) * lw, y = ((k >> 1) - 0.5) * lh;
        hx = fmax(hx, fabs(a[0] * x + a[1] * y));
        hy = fmax(hy, fabs(a[2] * x + a[3] * y));
    }
    f->w = (int)ceil(2 * (hx + s->pad));
    f->h = (int)ceil(2 * (hy + s->pad));
    double det = a[0] * a[3] - a[1] * a[2];
    double inv[4] = { a[3] / det, -a[1] / det, -a[2] / det, a[0] / det };
    double ox = f->w / 2.0, oy = f->h / 2.0;
    f->m[0] = inv[0];
    f->m[1] = inv[1];
    f->m[2] = lw / 2 - inv[0] * ox - inv[1] * oy;
    f->m[3] = inv[2];
    f->m[4] = inv[3];
    f->m[5] = lh / 2 - inv[2] * ox - inv[3] * oy;
}

/* Coverage of printed line colour k at layout point (u, v). */
static float line_cover(const rc_scene *s, int k, double u, double v)
{
    float best = 0;
    for (size_t i = 0; i < s->nseg; i++) {
        const rc_seg *g = &s->seg[i];
        if (g->colour != k)
            continue;
        double dx = g->x1 - g->x0, dy = g->y1 - g->y0;
        double t = ((u - g->x0) * dx + (v - g->y0) * dy)
                 / fmax(dx * dx + dy * dy, 1e-9);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double d = hypot(u - g->x0 - t * dx, v - g->y0 - t * dy);
        float c = (float)(g->width / 2 + 0.5 - d);
        if (c > best)
            best = c > 1 ? 1 : c;
    }
    return best;
}

/* The light falling on output pixel (x, y), layout point (u, v). */
static float light(const rc_scene *s, const frame *f, int x, int y,
                   double u, double v)
{
    double cx = f->w / 2.0, cy = f->h / 2.0;
    double diag = hypot(f->w, f->h) / 2;
    double px = (x - cx) / diag, py = (y - cy) / diag;
    double proj = px * cos(s->grad_dir) + py * sin(s->grad_dir);
    double l = 1 - s->grad * (proj + 1) / 2;
    l *= 1 - s->vignette * (px * px + py * py);
    if (s->shadow > 0) {
        double d = (u - s->shadow_x) * cos(s->shadow_dir)
                 + (v - s->shadow_y) * sin(s->shadow_dir);
        l *= 1 - s->shadow / (1 + exp(-d / fmax(s->shadow_w, 0.5)));
    }
    return (float)l;
}

/* Reflectance of channel c where ink covers a and the lines l[0], l[1]. */
static float reflect(const rc_scene *s, int c, float paper, float a,
                     const float l[2])
{
    float r = paper;
    for (int k = 0; k < 2; k++)
        r *= 1 - l[k] + l[k] * s->line_rgb[k][c];
    return r * (1 - a + a * s->ink_rgb[c]);
}

/* Paint every output pixel; grain is the paper texture field (unit
 * deviation). */
static void paint(const rc_scene *s, const frame *f, const rc_plane *grain,
                  rc_plane rgb[3])
{
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            size_t i = (size_t)y * f->w + x;
            double u = f->m[0] * x + f->m[1] * y + f->m[2];
            double v = f->m[3] * x + f->m[4] * y + f->m[5];
            float g = grain->v[i], l[2], a;
            a = rc_plane_sample(&s->num.ink, u - 0.5, v - 0.5);
            if (s->pencil > 0) {
                float t = 1.0f + 0.3f * s->pencil * g;
                a *= t < 0.3f ? 0.3f : t > 1 ? 1 : t;
            }
            l[0] = s->nseg ? line_cover(s, 0, u, v) : 0;
            l[1] = s->nseg ? line_cover(s, 1, u, v) : 0;
            float lit = s->exposure * light(s, f, x, y, u, v);
            for (int c = 0; c < 3; c++) {
                float paper = s->paper_rgb[c] * (1 + s->grain * g);
                rgb[c].v[i] = lit * s->cast[c] * reflect(s, c, paper, a, l);
            }
        }
}

int rc_scene_draw(const rc_scene *s, rc_plane rgb[3], dg_rng *r, dg_err *e)
{
    frame f;
    rc_plane grain = { 0 };
    int c;
    make_frame(&f, s);
    for (c = 0; c < 3; c++)
        rgb[c].v = NULL;
    if (rc_plane_field(&grain, f.w, f.h, s->grain_sigma, r, e))
        return -1;
    for (c = 0; c < 3; c++)
        if (rc_plane_alloc(&rgb[c], f.w, f.h, 0.0f, e))
            goto fail;
    paint(s, &f, &grain, rgb);
    for (c = 0; c < 3; c++)
        if (rc_plane_blur(&rgb[c], s->blur, e))
            goto fail;
    rc_plane_free(&grain);
    return 0;
fail:
    rc_plane_free(&grain);
    for (c = 0; c < 3; c++)
        rc_plane_free(&rgb[c]);
    return -1;
}

/* A sample in [0, 1] plus noise, as a byte. */
static unsigned char byte(float v, float noise, dg_rng *r)
{
    v = 255 * (v + noise * (float)dg_rng_normal(r)) + 0.5f;
    return v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)v;
}

/* Bilevel: dark below the threshold, then specks of dirt (some two
 * pixels across); bits (h, w) set for black. */
static void bilevel(unsigned char *bits, const rc_scene *s,
                    const rc_plane rgb[3], dg_rng *r)
{
    int w = rgb[0].w, h = rgb[0].h;
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) {
        float g = 0.299f * rgb[0].v[i] + 0.587f * rgb[1].v[i]
                + 0.114f * rgb[2].v[i];
        g += s->noise * (float)dg_rng_normal(r);
        bits[i] = g < s->threshold;
    }
    size_t specks = (size_t)(s->speckle * n + 0.5);
    for (size_t k = 0; k < specks; k++) {
        size_t i = dg_rng_below(r, n);
        bits[i] = 1;
        if (dg_rng_chance(r, 0.3) && (i + 1) % w != 0)
            bits[i + 1] = 1;
        if (dg_rng_chance(r, 0.2) && i + w < n)
            bits[i + w] = 1;
    }
}

/* Write bits (h, w; 1 black) as a raw PBM. */
static int write_pbm(FILE *f, const unsigned char *bits, int w, int h)
{
    size_t rowb = ((size_t)w + 7) / 8;
    unsigned char *row = malloc(rowb);
    if (!row)
        return -1;
    fprintf(f, "P4\n%d %d\n", w, h);
    for (int y = 0; y < h; y++) {
        memset(row, 0, rowb);
        for (int x = 0; x < w; x++)
            if (bits[(size_t)y * w + x])
                row[x / 8] |= (unsigned char)(0x80 >> (x % 8));
        fwrite(row, 1, rowb, f);
    }
    free(row);
    return 0;
}

int rc_scene_write(FILE *f, const rc_scene *s, rc_plane rgb[3], dg_rng *r,
                   dg_err *e)
{
    int w = rgb[0].w, h = rgb[0].h, ch = s->channels;
    size_t n = (size_t)w * h;
    unsigned char *px = malloc(n * (ch == 3 ? 3 : 1));
    if (!px)
        return dg_seterr(e, "out of memory for a %dx%d image", w, h);
    if (ch == 0) {
        bilevel(px, s, rgb, r);
        if (write_pbm(f, px, w, h))
            ch = -1;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (ch == 3)
                for (int c = 0; c < 3; c++)
                    px[3 * i + c] = byte(rgb[c].v[i], s->noise, r);
            else
                px[i] = byte(0.299f * rgb[0].v[i] + 0.587f * rgb[1].v[i]
                             + 0.114f * rgb[2].v[i], s->noise, r);
        }
        fprintf(f, "P%d\n%d %d\n255\n", ch == 3 ? 6 : 5, w, h);
        fwrite(px, ch, n, f);
    }
    free(px);
    if (ch < 0)
        return dg_seterr(e, "out of memory for a %dx%d image", w, h);
    return ferror(f) ? dg_seterr(e, "write error") : 0;
}
