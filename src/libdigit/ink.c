/* ink.c - find the ink: decide the polarity, threshold (Otsu, Sauvola,
 * fixed or none) and keep the faint edges connected to the ink
 * (hysteresis).  The result is a contrast code per pixel (w->c8 through
 * w->lut) and a mask of strong and weak ink; see prep_int.h.
 *
 * Memory: two bytes per input pixel; Sauvola's local statistics come
 * from running column sums, O(width), not an integral image.  Every pass
 * is O(pixels). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The least difference between ink and ground that counts as ink. */
#define MIN_CONTRAST 0.1f
/* Paper whose clean side spreads this many grey levels (a robust
 * deviation) is grainy: pencil on rough paper, a dark photo. */
#define GRAINY 4
#define GRAIN_RATIO 8
/* Faint ink on grainy paper lies this many deviations of the paper
 * beyond its median. */
#define SPARSE_SIGMAS 4
/* Paper whose grey levels span fewer than this many (of 255) is taken
 * as evenly lit without estimating its light. */
#define FLAT_SPREAD 16
/* ... or, noisy, whose level is the same (within FLAT_TILE_SPREAD) in
 * each of FLAT_TILES x FLAT_TILES tiles, under ink FLAT_CONTRAST levels
 * darker. */
#define FLAT_TILES 4
#define FLAT_TILE_SPREAD 8
#define FLAT_CONTRAST 120
/* Sauvola's dynamic range of the standard deviation (128 of 255). */
#define SAUVOLA_R 0.5f

static inline int to_bin(float v)
{
    int b = (int)(v * 255.0f + 0.5f);

    return b < 0 ? 0 : b > 255 ? 255 : b;
}

int dg_otsu(const size_t hist[256])
{
    uint64_t total = 0, sum = 0, wb = 0, sb = 0;
    double bnum = -1, bden = 1;
    int t, bt = -1;

    for (t = 0; t < 256; t++) {
        total += hist[t];
        sum += (uint64_t)t * hist[t];
    }
    if (total == 0)
        return -1;
    /* The between-class variance wb wf (mb - mf)^2 is
     * (sb total - sum wb)^2 / (wb wf total^2); compared as fractions,
     * without dividing.  An empty bin repeats its predecessor's value, so
     * it can never be a strictly better split and is skipped. */
    for (t = 0; t < 255; t++) {
        double d, num, den;

        if (hist[t] == 0)
            continue;
        wb += hist[t];
        sb += (uint64_t)t * hist[t];
        if (wb == total)
            break;
        d = (double)sb * (double)total - (double)sum * (double)wb;
        num = d * d;
        den = (double)wb * (double)(total - wb);
        if (num * bden > bnum * den) {
            bnum = num;
            bden = den;
            bt = t;
        }
    }
    if (bt < 0) {               /* a single occupied bin */
        for (t = 0; t < 256 && hist[t] == 0; t++)
            ;
        bt = t;
    }
    return bt;
}

/* Median bin of hist over bins [lo, hi]; lo if they are empty. */
static int hist_median(const size_t *hist, int lo, int hi)
{
    size_t n = 0, acc = 0;
    int b;

    for (b = lo; b <= hi; b++)
        n += hist[b];
    for (b = lo; b <= hi; b++) {
        acc += hist[b];
        if (2 * acc >= n && n > 0)
            return b;
    }
    return lo;
}

/* q = round(255 px), clamped to 0..255.  With SSE2 the saturating packs
 * do the clamping, sixteen pixels at a time. */
DG_VECTORISE static void quantise(const float *restrict px,
                                  uint8_t *restrict q, size_t n)
{
    size_t i = 0;

#ifdef __SSE2__
    const __m128 k255 = _mm_set1_ps(255.0f), half = _mm_set1_ps(0.5f);

    for (; i + 16 <= n; i += 16) {
        __m128i a = _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(
                        _mm_loadu_ps(px + i), k255), half));
        __m128i b = _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(
                        _mm_loadu_ps(px + i + 4), k255), half));
        __m128i c = _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(
                        _mm_loadu_ps(px + i + 8), k255), half));
        __m128i d = _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(
                        _mm_loadu_ps(px + i + 12), k255), half));

        _mm_storeu_si128((__m128i *)(q + i),
                         _mm_packus_epi16(_mm_packs_epi32(a, b),
                                          _mm_packs_epi32(c, d)));
    }
#endif
    for (; i < n; i++) {
        float v = px[i] * 255.0f + 0.5f;

        v = v > 0.0f ? v : 0.0f;
        v = v < 255.0f ? v : 255.0f;
        q[i] = (uint8_t)(int)v;
    }
}

/* mk = MK_STRONG where (q ^ flip) > ts, MK_WEAK where it is > tw. */
DG_VECTORISE static void mark(const uint8_t *restrict q,
                              uint8_t *restrict mk, size_t n, uint8_t flip,
                              uint8_t ts, uint8_t tw)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint8_t u = q[i] ^ flip;

        mk[i] = (uint8_t)((u > ts) * MK_STRONG | (u > tw) * MK_WEAK);
    }
}

/* The grey histograms of an image, and Otsu's threshold of the whole
 * one as read and reversed (255 - grey), each found when first asked
 * for: the stages below ask for the same one several times. */
typedef struct grey_hist {
    size_t all[256];        /* every pixel looked at */
    size_t border[256];     /* those of the border ring */
    int otsu[2];            /* [reversed], or -2 while not yet found */
} grey_hist;

static int hist_otsu(grey_hist *g, int reversed)
{
    if (g->otsu[reversed] == -2) {
        size_t rev[256];
        int k;

        for (k = 0; reversed && k < 256; k++)
            rev[k] = g->all[255 - k];
        g->otsu[reversed] = dg_otsu(reversed ? rev : g->all);
    }
    return g->otsu[reversed];
}

/* Histograms of the quantised image q (w x h) and of its border ring,
 * over every step-th pixel of every step-th row (step 1: all pixels). */
static void grey_histograms(const uint8_t *q, size_t w, size_t h,
                            size_t step, grey_hist *g)
{
    size_t *all = g->all, *border = g->border;
    size_t b = w < h ? w / 20 : h / 20, x, y;
    uint32_t h2[2][256], hb[256];

    if (b < 1)
        b = 1;
    memset(h2, 0, sizeof h2);
    memset(hb, 0, sizeof hb);
    for (y = 0; y < h; y += step) {
        const uint8_t *row = q + y * w;

        /* Two interleaved histograms halve the store-to-load chains. */
        for (x = 0; x + step < w; x += 2 * step) {
            h2[0][row[x]]++;
            h2[1][row[x + step]]++;
        }
        for (; x < w; x += step)
            h2[0][row[x]]++;
        if (y < b || y + b >= h) {
            for (x = 0; x < w; x += step)
                hb[row[x]]++;
        } else {
            for (x = 0; x < b && x < w; x += step) {
                hb[row[x]]++;
                hb[row[w - 1 - x]]++;
            }
        }
    }
    for (x = 0; x < 256; x++) {
        all[x] = (size_t)h2[0][x] + h2[1][x];
        border[x] = hb[x];
    }
    g->otsu[0] = g->otsu[1] = -2;
}

/* Whether the ink is dark (paper bright): the majority of the pixels
 * decides when it is clear, else the border ring does. */
static int ink_is_dark(grey_hist *g)
{
    const size_t *all = g->all, *border = g->border;
    int t = hist_otsu(g, 0), k;
    size_t n = 0, bright = 0, bn = 0, bbright = 0;

    for (k = 0; k < 256; k++) {
        n += all[k];
        bn += border[k];
        if (k > t) {
            bright += all[k];
            bbright += border[k];
        }
    }
    if (bright * 100 >= n * 65)
        return 1;
    if (bright * 100 <= n * 35)
        return 0;
    return 2 * bbright >= bn;
}

/* ------------------------------------------------------------------ */
/* Finding the ink: contrast image and strong mask                     */

/* The ink level in [0, 1] of grey g. */
static inline float ink_of(float g, int dark)
{
    return dark ? 1.0f - g : g;
}

typedef struct ink_stats {
    float level;            /* ink contrast that maps to full ink */
    float low;              /* weak (hysteresis) contrast threshold */
    size_t strong;          /* strong pixels */
} ink_stats;

/* Robust spread (1.4826 MAD) of bins [lo, hi] around centre c. */
static float hist_mad(const size_t *hist, int lo, int hi, int c)
{
    size_t dev[256] = { 0 };
    int b;

    for (b = lo; b <= hi; b++)
        dev[b > c ? b - c : c - b] += hist[b];
    return 1.4826f * (float)hist_median(dev, 0, 255) / 255.0f;
}

/* The spread of the paper of an ink-level histogram on its clean side
 * (the levels at or below the median, away from the ink), as a robust
 * deviation (1.4826 MAD); the median in *med. */
static double clean_spread(const size_t hist[256], int *med)
{
    size_t dev[256] = { 0 };
    int k;

    *med = hist_median(hist, 0, 255);
    for (k = 0; k <= *med; k++)
        dev[*med - k] += hist[k];
    return 1.4826 * hist_median(dev, 0, 255);
}

/* Otsu's threshold t of the ink-level histogram hist, or a stricter one
 * where Otsu split the paper itself.  When the ink is a thin faint
 * stroke on grainy paper (pencil), the paper's grain is the widest
 * spread in the histogram and Otsu cuts through it: its ink class is
 * large (a fifth of the image or more) or hardly darker than the paper.
 * Then the paper's own spread is measured on its clean side (the pixels
 * lighter than the median, where no ink is) and ink is what lies beyond
 * SPARSE_SIGMAS of it, at least MIN_CONTRAST; the stricter of the two
 * thresholds wins, so an image Otsu splits well is never changed. */
static int sparse_ink(const size_t hist[256], int t)
{
    size_t n = 0, ink = 0, inksum = 0;
    int k, med, t2, sd;

    for (k = 0; k < 256; k++) {
        n += hist[k];
        if (k > t) {
            ink += hist[k];
            inksum += (size_t)k * hist[k];
        }
    }
    if (n == 0 || ink == 0)
        return t;
    med = hist_median(hist, 0, 255);
    if (5 * ink < n && (double)inksum / (double)ink - med
                       >= 2.0 * MIN_CONTRAST * 255.0)
        return t;
    sd = (int)(clean_spread(hist, &med) + 0.5);
    t2 = med + (SPARSE_SIGMAS * sd > MIN_CONTRAST * 255
                ? SPARSE_SIGMAS * sd : (int)(MIN_CONTRAST * 255));
    return t2 > t && t2 < 255 ? t2 : t;
}

/* Global threshold (Otsu, fixed or none) on the quantised grey image in
 * w->c8 with histograms g: contrast = ink level above the ground (the
 * median of the ground class), strong = above the threshold, weak =
 * strong or contrast above st->low.  Everything depends on the grey level
 * only, so one table lookup per pixel does it.  Returns 1 when there is
 * no ink. */
static int global_ink(ink_plane *w, size_t n, const dg_prep_opts *o,
                      int dark, grey_hist *g, ink_stats *st)
{
    const size_t *ghist = g->all;
    size_t hist[256], chist[256] = { 0 }, inksum = 0, inkn = 0, acc = 0;
    uint8_t lutc[256];
    int t, k, bg, low8, tw;
    float noise;

    for (k = 0; k < 256; k++)
        hist[k] = ghist[dark ? 255 - k : k];
    if (o->thresh == DG_THRESH_FIXED) {
        t = (int)(o->level * 255.0f);
        bg = hist_median(hist, 0, t);
    } else if (o->thresh == DG_THRESH_NONE) {
        for (t = 0, k = 1; k < 256; k++)
            if (hist[k] > hist[t])
                t = k;
        bg = t;
    } else {
        t = hist_otsu(g, dark);
        t = sparse_ink(hist, t);
        bg = hist_median(hist, 0, t);
    }
    for (k = t + 1; k < 256; k++) {
        inksum += (size_t)k * hist[k];
        inkn += hist[k];
        chist[k > bg ? k - bg : 0] += hist[k];
    }
    if (inkn == 0 || (float)inksum / (float)inkn - (float)bg
                     < MIN_CONTRAST * 255.0f)
        return 1;
    noise = hist_mad(hist, 0, t, bg);
    for (k = 0; k < 256; k++) {
        acc += chist[k];
        if (4 * acc >= 3 * inkn)
            break;
    }
    st->strong = inkn;
    st->level = (float)(k < 1 ? 1 : k) / 255.0f;
    st->low = 0.05f * st->level + 3.0f * noise;
    low8 = o->thresh == DG_THRESH_NONE ? 255
           : st->low >= 1.0f ? 255 : to_bin(st->low);
    for (k = 0; k < 256; k++) {
        int v = dark ? 255 - k : k, c = v > bg ? v - bg : 0;

        lutc[k] = (uint8_t)c;
    }
    memcpy(w->lut, lutc, sizeof lutc);
    /* Strong and weak are thresholds on the ink level v = q ^ flip. */
    tw = bg + low8 < t ? bg + low8 : t;
    mark(w->c8, w->mk, n, dark ? 0xff : 0, (uint8_t)t,
         (uint8_t)(tw > 255 ? 255 : tw));
    return 0;
}

/* Sauvola's local threshold on the paper-bright image p: ink where
 * p < m (1 + k (s / R - 1)) and m - p >= MIN_CONTRAST, m and s the mean
 * and deviation in a window around the pixel; contrast = 1 - p / m.
 * Returns 1 when there is no ink, -1 on error. */
static int sauvola_ink(ink_plane *w, const dg_image *s,
                       const dg_prep_opts *o, int dark, float *noise,
                       dg_err *e)
{
    const size_t W = s->w, H = s->h;
    const uint8_t flip = dark ? 0 : 0xff;
    size_t r, x, y, ylo = 0, yhi = 0, strong = 0, weakn = 0;
    double noise2 = 0;
    size_t win = o->window > 0 ? (size_t)o->window
                 : (W < H ? W : H) / 4;

    if (dg_grow(&w->sv, &w->svcap, W * H, 1, e) < 0)
        return -1;
    if (win < 15)
        win = 15;
    r = win / 2;
    if (w->colcap < W + 1) {
        free(w->colsum);
        free(w->colsq);
        w->colcap = 0;
        w->colsum = malloc((W + 1) * sizeof(double));
        w->colsq = malloc((W + 1) * sizeof(double));
        if (w->colsum == NULL || w->colsq == NULL)
            return dg_seterr(e, "out of memory");
        w->colcap = W + 1;
    }
    memset(w->colsum, 0, W * sizeof(double));
    memset(w->colsq, 0, W * sizeof(double));
    for (y = 0; y < H; y++) {
        size_t want_hi = y + r + 1 < H ? y + r + 1 : H;
        size_t want_lo = y > r ? y - r : 0;
        const uint8_t *row = w->c8 + y * W;
        double hs = 0, hq = 0;
        size_t xl = 0, xh = 0;

        for (; yhi < want_hi; yhi++)
            for (x = 0; x < W; x++) {
                double p = (w->c8[yhi * W + x] ^ flip) / 255.0;

                w->colsum[x] += p;
                w->colsq[x] += p * p;
            }
        for (; ylo < want_lo; ylo++)
            for (x = 0; x < W; x++) {
                double p = (w->c8[ylo * W + x] ^ flip) / 255.0;

                w->colsum[x] -= p;
                w->colsq[x] -= p * p;
            }
        for (x = 0; x < W; x++) {
            size_t wl = x > r ? x - r : 0, wh = x + r + 1 < W ? x + r + 1 : W;
            double n, m, sd, var, t;
            float p = (float)(row[x] ^ flip) / 255.0f, c;

            for (; xh < wh; xh++) {
                hs += w->colsum[xh];
                hq += w->colsq[xh];
            }
            for (; xl < wl; xl++) {
                hs -= w->colsum[xl];
                hq -= w->colsq[xl];
            }
            n = (double)(wh - wl) * (double)(yhi - ylo);
            m = hs / n;
            var = hq / n - m * m;
            sd = var > 0 ? sqrt(var) : 0;
            t = m * (1.0 + o->k * (sd / SAUVOLA_R - 1.0));
            c = m > 0.02 ? 1.0f - p / (float)m : 0.0f;
            w->sv[y * W + x] = (uint8_t)to_bin(c);
            if (p < t && m - p >= MIN_CONTRAST) {
                w->mk[y * W + x] = MK_STRONG;
                strong++;
            } else {
                w->mk[y * W + x] = 0;
                if (c > 0)
                    noise2 += (double)c * c;
                weakn++;
            }
        }
    }
    /* The contrast codes replace the grey levels only now: the window
     * read the grey of rows already passed. */
    memcpy(w->c8, w->sv, W * H);
    for (x = 0; x < 256; x++)
        w->lut[x] = (uint8_t)x;
    if (strong == 0)
        return 1;
    *noise = weakn ? (float)sqrt(noise2 / (double)weakn) : 0.0f;
    return 0;
}

/* For a local threshold: the ink level (75th percentile of the strong
 * contrast) and the weak threshold (a small fraction of it, above the
 * noise); marks the weak pixels. */
static void ink_levels(ink_plane *w, size_t n, float noise,
                       ink_stats *st)
{
    size_t hist[256] = { 0 }, i, acc = 0;
    int k, low8;

    st->strong = 0;
    for (i = 0; i < n; i++)
        if (w->mk[i] & MK_STRONG) {
            hist[w->lut[w->c8[i]]]++;
            st->strong++;
        }
    for (k = 0; k < 256; k++) {
        acc += hist[k];
        if (4 * acc >= 3 * st->strong)
            break;
    }
    st->level = (float)(k < 1 ? 1 : k) / 255.0f;
    st->low = 0.05f * st->level + 3.0f * noise;
    low8 = st->low >= 1.0f ? 255 : to_bin(st->low);
    for (i = 0; i < n; i++)
        if ((w->mk[i] & MK_STRONG) || w->lut[w->c8[i]] > low8)
            w->mk[i] |= MK_WEAK;
}

/* The grey level below which a 20th of the n counts of hist lie (lo) and
 * below which 19 20ths do (hi), from level t + 1 on. */
static void paper_span(const size_t *hist, int t, int *lo, int *hi)
{
    size_t n = 0, acc = 0;
    int k;

    *lo = *hi = -1;
    for (k = t + 1; k < 256; k++)
        n += hist[k];
    for (k = t + 1; k < 256 && n > 0; k++) {
        acc += hist[k];
        if (*lo < 0 && 20 * acc >= n)
            *lo = k;
        if (*hi < 0 && 20 * acc >= 19 * n)
            *hi = k;
    }
}

/* Whether the paper of the w x h image c8 (ink dark when dark) is evenly
 * lit though noisy: the median paper level (levels beyond t, paper
 * bright) of each of FLAT_TILES x FLAT_TILES tiles that is mostly paper
 * lies within FLAT_TILE_SPREAD of the others'.  A lamp's gradient, a
 * vignette or a shadow moves some tiles' paper; a scanner's noise moves
 * none. */
static int tiles_look_flat(const uint8_t *c8, size_t w, size_t h, int dark,
                           int t)
{
    size_t hist[256], tx, ty, x, y;
    int lo = 256, hi = -1;

    if (w < 2 * FLAT_TILES || h < 2 * FLAT_TILES)
        return 0;
    for (ty = 0; ty < FLAT_TILES; ty++)
        for (tx = 0; tx < FLAT_TILES; tx++) {
            size_t x0 = tx * w / FLAT_TILES, x1 = (tx + 1) * w / FLAT_TILES;
            size_t y0 = ty * h / FLAT_TILES, y1 = (ty + 1) * h / FLAT_TILES;
            size_t n = 0;
            int k;

            memset(hist, 0, sizeof hist);
            for (y = y0; y < y1; y++)
                for (x = x0; x < x1; x++)
                    hist[dark ? c8[y * w + x] : 255 - c8[y * w + x]]++;
            for (k = t + 1; k < 256; k++)
                n += hist[k];
            if (2 * n < (x1 - x0) * (y1 - y0))
                continue;           /* mostly ink: says little */
            k = hist_median(hist, t + 1, 255);
            lo = k < lo ? k : lo;
            hi = k > hi ? k : hi;
        }
    return hi >= 0 && hi - lo < FLAT_TILE_SPREAD;
}

/* Whether the paper of the w x h image c8, of grey histograms g, looks
 * evenly lit already: the paper class (beyond Otsu's threshold, on the
 * paper's side) spans few grey levels between its 5th and 95th
 * percentiles, or its level is the same all over the image (noise
 * widens the span, not the level).  A cheap test that spares a clean
 * scan the estimate of paper.c. */
static int paper_looks_flat(const uint8_t *c8, size_t w, size_t h,
                            grey_hist *g, int dark)
{
    size_t hist[256];
    int t, k, lo, hi;

    for (k = 0; k < 256; k++)
        hist[k] = g->all[dark ? k : 255 - k];   /* paper bright */
    t = hist_otsu(g, !dark);
    paper_span(hist, t, &lo, &hi);
    if (lo < 0)
        return 0;
    if (hi - lo < FLAT_SPREAD)
        return 1;
    /* Noisy paper: the estimate can be spared only where the ink is
     * dark against it, the medians of the two classes far apart
     * (flattening also stretches faint ink). */
    return hist_median(hist, t + 1, 255) - hist_median(hist, 0, t)
           >= FLAT_CONTRAST
           && tiles_look_flat(c8, w, h, dark, t);
}

/* Whether the paper of an image with grey histograms g (ink dark
 * when dark) is grainy against its ink: the spread of its clean side
 * (the levels beyond the median, away from the ink) is GRAINY levels or
 * more, and the ink stands out by no more than GRAIN_RATIO times it. */
static int grainy(grey_hist *g, int dark)
{
    size_t hist[256], acc = 0;
    int k, med, t;
    double sd, inksum = 0;

    for (k = 0; k < 256; k++)
        hist[k] = g->all[dark ? 255 - k : k];   /* ink level */
    sd = clean_spread(hist, &med);
    if (sd < GRAINY)
        return 0;
    /* Grain matters against faint ink only: the ink's contrast (the
     * mean of Otsu's ink class above the median) within GRAIN_RATIO
     * deviations. */
    t = hist_otsu(g, dark);
    for (k = t + 1; k < 256; k++) {
        acc += hist[k];
        inksum += (double)k * hist[k];
    }
    return acc == 0 || inksum / (double)acc - med <= GRAIN_RATIO * sd;
}

/* c8 (w x h) = its 3 x 3 mean (the border replicated). */
static int smooth3(uint8_t *c8, size_t w, size_t h, dg_err *e)
{
    uint16_t *rows = malloc(3 * w * sizeof *rows);
    size_t x, y, k;

    if (rows == NULL)
        return dg_seterr(e, "out of memory");
    /* rows[k] holds the horizontal 3-sums of row y - 1 + k. */
    for (y = 0; y < h; y++) {
        for (k = 0; k < 3; k++) {
            size_t yy = y + k == 0 ? 0 : y + k - 1 >= h ? h - 1 : y + k - 1;
            const uint8_t *r = c8 + yy * w;
            uint16_t *o = rows + k * w;

            if (k < 2 && y > 0)
                continue;       /* kept from the row before */
            for (x = 0; x < w; x++)
                o[x] = (uint16_t)(r[x > 0 ? x - 1 : 0] + r[x]
                                  + r[x + 1 < w ? x + 1 : w - 1]);
        }
        for (x = 0; x < w; x++)
            c8[y * w + x] = (uint8_t)((rows[x] + rows[w + x]
                                       + rows[2 * w + x] + 4) / 9);
        /* slide: row y becomes the row above of row y + 1 */
        memmove(rows, rows + w, 2 * w * sizeof *rows);
    }
    free(rows);
    return 0;
}

/* Report the flattened grey plane c8 (w x h) as the "paper" stage. */
static int debug_paper(const uint8_t *c8, size_t w, size_t h,
                       const dg_prep_opts *o, dg_err *e)
{
    dg_image im = { 0, 0, NULL };
    size_t i;

    if (dg_image_alloc(&im, w, h, e) < 0)
        return -1;
    for (i = 0; i < w * h; i++)
        im.px[i] = (float)c8[i] / 255.0f;
    o->debug(o->debug_ctx, "paper", &im);
    dg_image_free(&im);
    return 0;
}

/* ------------------------------------------------------------------ */

int ink_find(ink_plane *w, const dg_image *s, const dg_prep_opts *o,
             dg_err *e)
{
    grey_hist g;
    size_t n = s->w * s->h, oldcap = w->pixcap;
    size_t step;
    int dark, blank;
    float noise = 0;
    ink_stats st;

    if (dg_grow(&w->c8, &w->pixcap, n, 1, e) < 0)
        return -1;
    if (w->mk == NULL || w->pixcap != oldcap) {
        uint8_t *q = realloc(w->mk, w->pixcap);

        if (q == NULL)
            return dg_seterr(e, "out of memory");
        w->mk = q;
    }
    quantise(s->px, w->c8, n);
    w->flattened = 0;
    w->smoothed = 0;
    /* The global statistics need no more than a quarter of a large image;
     * if that sample shows no ink, every pixel is looked at. */
    step = n >= 8192 && s->w >= 16 && s->h >= 16 ? 2 : 1;
    for (;;) {
        grey_histograms(w->c8, s->w, s->h, step, &g);
        dark = o->ink == DG_INK_AUTO ? ink_is_dark(&g)
               : o->ink == DG_INK_DARK;
        if (o->paper != DG_PAPER_OFF && !w->flattened
            && (o->paper == DG_PAPER_ALWAYS
                || !paper_looks_flat(w->c8, s->w, s->h, &g, dark))) {
            int rc = o->ink != DG_INK_AUTO ? 2
                     : paper_polarity(w->c8, s->w, s->h, e);

            /* Under uneven light the majority and the border mislead:
             * the ink is what stands out from its neighbourhood. */
            if (rc < 0)
                return -1;
            if (rc != 2)
                dark = rc;
            rc = paper_flatten(w->c8, s->w, s->h, dark,
                               o->paper == DG_PAPER_ALWAYS, e);

            if (rc < 0)
                return -1;
            if (rc == 1) {
                w->flattened = 1;
                if (o->debug != NULL
                    && debug_paper(w->c8, s->w, s->h, o, e) < 0)
                    return -1;
                grey_histograms(w->c8, s->w, s->h, step, &g);
                dark = 1;
            }
        }
        if (!w->smoothed && grainy(&g, dark)) {
            /* Grain is finer than a stroke: smooth it away before the
             * threshold, or faint strokes drown and grains become
             * specks. */
            if (smooth3(w->c8, s->w, s->h, e) < 0
                || smooth3(w->c8, s->w, s->h, e) < 0)
                return -1;
            w->smoothed = 1;
            grey_histograms(w->c8, s->w, s->h, step, &g);
        }
        if (o->thresh == DG_THRESH_SAUVOLA) {
            blank = sauvola_ink(w, s, o, dark, &noise, e);
            if (blank == 0)
                ink_levels(w, n, noise, &st);
        } else {
            blank = global_ink(w, n, o, dark, &g, &st);
        }
        if (blank != 1 || step == 1)
            break;
        step = 1;
    }
    if (blank != 0)
        return blank;
    w->level8 = to_bin(st.level);
    return 0;
}

void ink_free(ink_plane *w)
{
    free(w->c8);
    free(w->mk);
    free(w->colsum);
    free(w->colsq);
    free(w->sv);
    memset(w, 0, sizeof *w);
}
