/* colour.c - colour to grey, decided from the image; see colour.h. */
#include <config.h>

#include <math.h>

#include "colour.h"

/* The dropout colours.  Colours are taken relative to the paper's
 * (each channel over the paper's), so that mixing with the paper and
 * the light falling on it change a colour's brightness and how strongly
 * it shows, never its hue: q = c / paper, m its mean, and its chroma the
 * opponent pair (q0 - q1, (q0 + q1 - 2 q2) / sqrt 3).
 *
 * The ink is the darkest INK_SHARE of the pixels (at least INK_MIN);
 * "dark" is anything below halfway from the ink's m to the paper's.
 * The hues with a chroma of at least CHROMA (a blue pen, a red marker;
 * never black ink's faint tint) among the darkest HUE_DARKEST of the
 * pixels (at least HUE_MIN; the ink, not paper in a shadow) are the
 * inks' hues: a hue bin of HUE_BINS holding HUE_SHARE of those darkest
 * pixels (not the edges of black ink crossing a red line).  A pixel
 * that is not dark, has a chroma of at least CHROMA and a hue more than
 * HUE_NEAR bins from every ink's is of a dropout colour. */
#define INK_SHARE 0.002
#define INK_MIN 16
#define CHROMA 0.1f
#define HUE_BINS 36
#define HUE_SHARE 0.1
#define HUE_DARKEST 0.02
#define HUE_MIN 64
#define HUE_NEAR 1
/* Only an image with THIRD_SHARE of its pixels (and THIRD_MIN) of a
 * dropout colour gets the pass that drops them; the pixels of images of
 * more than SAMPLE_ABOVE pixels are sampled to find out. */
#define THIRD_SHARE 0.002
#define THIRD_MIN 20
#define SAMPLE_ABOVE 65536
#define SAMPLE 4
/* A printed colour takes some light in every channel: its brightest
 * channel shows at least LIT_SHARE of the paper's light under it. */
#define LIT_SHARE 0.8f

/* The sample at which the running count of hist reaches frac of n. */
static int percentile(const uint32_t hist[256], size_t n, double frac)
{
    size_t acc = 0;
    int k;

    for (k = 0; k < 256; k++) {
        acc += hist[k];
        if ((double)acc >= frac * (double)n)
            return k;
    }
    return 255;
}

/* The paper's level in channel k of hist (n pixels): the channel's
 * bright end, its 80th percentile (paper covers most of a page). */
static int paper_level(const dg_colour_hist *hist, int k, size_t n)
{
    return percentile(hist->h[k], n, 0.80);
}

/* The paper is the bright end of a channel (paper_level) and the ink
 * its dark end (the 1st percentile). */
void dg_colour_weights(const dg_colour_hist *hist, float w[3])
{
    double c[3], sum = 0;
    size_t n = 0;
    int k;

    for (k = 0; k < 256; k++)
        n += hist->h[0][k];
    for (k = 0; k < 3; k++) {
        double d = n == 0 ? 1
                   : paper_level(hist, k, n)
                     - percentile(hist->h[k], n, 0.01);

        c[k] = d > 1 ? d * d : 1;
        sum += c[k];
    }
    for (k = 0; k < 3; k++)
        w[k] = (float)(c[k] / sum);
}

static inline void unpack(const float *px, float c[3])
{
    uint32_t v;

    memcpy(&v, px, sizeof v);
    c[0] = (float)(v & 0xff);
    c[1] = (float)(v >> 8 & 0xff);
    c[2] = (float)(v >> 16 & 0xff);
}

/* What the dropout test needs: 1 / the paper's colour, the level below
 * which a pixel is dark, and the hue bins of the inks (with their
 * neighbours). */
typedef struct dropout_test {
    float inv[3], dark;
    uint8_t ink_hue[HUE_BINS];
} dropout_test;

/* The colour c relative to the paper: its mean m and chroma (u, v). */
static inline void relative(const dropout_test *t, const float c[3],
                            float *m, float *u, float *v)
{
    const float q0 = c[0] * t->inv[0], q1 = c[1] * t->inv[1],
                q2 = c[2] * t->inv[2];

    *m = (q0 + q1 + q2) * (1.0f / 3.0f);
    *u = q0 - q1;
    *v = (q0 + q1 - 2.0f * q2) * 0.57735027f;
}

static int hue_bin(float u, float v)
{
    int b = (int)floorf((atan2f(v, u) + (float)M_PI)
                        * (HUE_BINS / (2.0f * (float)M_PI)));

    return b < 0 ? 0 : b >= HUE_BINS ? HUE_BINS - 1 : b;
}

/* From every step-th row and column of the packed image im: t->dark
 * (halfway from the ink's level to the paper's, whose channel sums to
 * psum) and the sum r + g + b below which a pixel is among the darkest
 * HUE_DARKEST.  Returns that sum; *sampled is how many pixels were
 * looked at. */
static int dark_levels(const dg_image *im, size_t step, double psum,
                       dropout_test *t, size_t *sampled)
{
    uint32_t sums[766];
    size_t x, y, n = 0, want, acc = 0;
    double sum = 0;
    int cut;

    memset(sums, 0, sizeof sums);
    for (y = 0; y < im->h; y += step)
        for (x = 0; x < im->w; x += step) {
            float c[3];

            unpack(im->px + y * im->w + x, c);
            sums[(int)(c[0] + c[1] + c[2])]++;
            n++;
        }
    /* The ink's level: the mean of the darkest pixels. */
    want = (size_t)(INK_SHARE * (double)n);
    want = want < INK_MIN ? INK_MIN : want;
    for (cut = 0; cut < 766 && acc < want; cut++) {
        acc += sums[cut];
        sum += (double)cut * sums[cut];
    }
    t->dark = psum > 0 && acc > 0
              ? (float)(0.5 * (1.0 + sum / (double)acc / psum)) : 0.0f;
    want = (size_t)(HUE_DARKEST * (double)n);
    want = want < HUE_MIN ? HUE_MIN : want;
    for (cut = 0, acc = 0; cut < 766 && acc < want; cut++)
        acc += sums[cut];
    *sampled = n;
    return cut;
}

/* Set t up for the packed image im with histograms hist.  Returns
 * whether im holds enough of a dropout colour to be worth a pass: the
 * work is done on every SAMPLE-th row and column of a large image. */
static int dropout_setup(const dg_image *im, const dg_colour_hist *hist,
                         dropout_test *t)
{
    const size_t n = im->w * im->h;
    const size_t step = n > SAMPLE_ABOVE ? SAMPLE : 1;
    size_t count[HUE_BINS] = { 0 }, light[HUE_BINS] = { 0 };
    size_t x, y, dark = 0, third = 0, sampled;
    double psum = 0;
    int k, cut;

    for (k = 0; k < 3; k++) {
        float p = (float)paper_level(hist, k, n);

        psum += p;
        t->inv[k] = p > 0 ? 1.0f / p : 0.0f;
    }
    cut = dark_levels(im, step, psum, t, &sampled);
    /* The hues of the darkest pixels, and of the light coloured ones. */
    for (y = 0; y < im->h; y += step)
        for (x = 0; x < im->w; x += step) {
            float c[3], m, u, v;

            int darkest;

            unpack(im->px + y * im->w + x, c);
            darkest = c[0] + c[1] + c[2] < (float)cut;
            dark += (size_t)darkest;
            relative(t, c, &m, &u, &v);
            if (u * u + v * v < CHROMA * CHROMA)
                continue;
            if (darkest)
                count[hue_bin(u, v)]++;
            else if (m >= t->dark)
                light[hue_bin(u, v)]++;
        }
    memset(t->ink_hue, 0, sizeof t->ink_hue);
    for (k = 0; k < HUE_BINS; k++) {
        int d;

        if (count[k] < 2 || (double)count[k] < HUE_SHARE * (double)dark)
            continue;
        for (d = -HUE_NEAR; d <= HUE_NEAR; d++)
            t->ink_hue[(k + d + HUE_BINS) % HUE_BINS] = 1;
    }
    for (k = 0; k < HUE_BINS; k++)
        third += t->ink_hue[k] ? 0 : light[k];
    return (double)third >= THIRD_SHARE * (double)sampled
           && third * step * step >= THIRD_MIN;
}

/* Whether colour c is a dropout colour under t; if so, *lit is how
 * brightly the paper under it is lit (its brightest channel's share of
 * the paper's, over LIT_SHARE). */
static int dropout_colour(const dropout_test *t, const float c[3],
                          float *lit)
{
    float m, u, v, most = 0;
    int k;

    relative(t, c, &m, &u, &v);
    if (m < t->dark || u * u + v * v < CHROMA * CHROMA
        || t->ink_hue[hue_bin(u, v)])
        return 0;
    for (k = 0; k < 3; k++) {
        float r = c[k] * t->inv[k];

        most = r > most ? r : most;
    }
    most /= LIT_SHARE;
    *lit = most < 1.0f ? most : 1.0f;
    return 1;
}

/* Replace the packed pixels of im by their grey, with weights w; with
 * t, pixels of a dropout colour become the paper (of grey paper_grey)
 * as lit there.  Returns how many were. */
static size_t to_grey(dg_image *im, const float w[3], const dropout_test *t,
                      float paper_grey, uint8_t *mask)
{
    float *px = im->px;
    size_t i, n = im->w * im->h, dropped = 0;

    if (t == NULL) {            /* the plain loop, which vectorises */
        for (i = 0; i < n; i++) {
            float c[3];

            unpack(px + i, c);
            px[i] = (w[0] * c[0] + w[1] * c[1] + w[2] * c[2])
                    * (1.0f / 255.0f);
        }
        return 0;
    }
    for (i = 0; i < n; i++) {
        float c[3], lit;

        int third;

        unpack(px + i, c);
        third = dropout_colour(t, c, &lit);
        if (third) {
            px[i] = paper_grey * lit;
            dropped++;
        } else
            px[i] = (w[0] * c[0] + w[1] * c[1] + w[2] * c[2])
                    * (1.0f / 255.0f);
        if (mask != NULL)
            mask[i] = (uint8_t)third;
    }
    return dropped;
}

size_t dg_colour_to_grey(dg_image *im, const dg_colour_hist *hist,
                         int dropout, uint8_t *mask)
{
    float w[3], paper_grey = 0;
    dropout_test t;
    int k;

    dg_colour_weights(hist, w);
    if (!dropout || !dropout_setup(im, hist, &t))
        return to_grey(im, w, NULL, 0.0f, NULL);
    for (k = 0; k < 3; k++)
        paper_grey += t.inv[k] > 0 ? w[k] / t.inv[k] : 0.0f;
    return to_grey(im, w, &t, paper_grey * (1.0f / 255.0f), mask);
}
