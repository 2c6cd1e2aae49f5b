/* prep.c - from a scanned image to digit images; see prep.h.
 *
 * Memory: the work area holds two bytes per input pixel (the ink contrast
 * and the mask bits), the runs of the ink mask (at most one per two
 * pixels) and a crop; nothing grows with the length of a stream.  Every
 * pass over the image is O(pixels); Sauvola's local statistics come from
 * running column sums, so they cost O(width) extra memory, not an
 * integral image. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The least difference between ink and ground that counts as ink. */
#define MIN_CONTRAST 0.1f
/* Sauvola's dynamic range of the standard deviation (128 of 255). */
#define SAUVOLA_R 0.5f
/* Crops larger than this are first shrunk (area averaging) so deskewing
 * a huge scan costs no more than a small one. */
#define PRESHRINK 160

/* Splitting a number: the cost of a cut (plus its column's ink), the
 * scale of the cost of a piece wider than a digit, the widest usual
 * width/height of a digit, and the cost of a piece that looks like a 1
 * (narrow and of full height). */
#define CUT_COST 0.3
#define WIDE_SCALE 0.3
#define R0_MAX 0.7
#define ONE_COST 0.1

enum { MK_STRONG = 1, MK_WEAK = 2 };

typedef struct run {
    uint32_t y, x0, x1;     /* pixels [x0, x1) of row y */
    uint32_t parent;        /* union-find over runs; later the component */
    uint32_t strong;        /* strong (thresholded) pixels in the run */
} run;

typedef struct comp {
    size_t x0, y0, x1, y1;  /* bounding box, [x0, x1) x [y0, y1) */
    size_t pixels, strong;
    double ink;             /* sum of contrast */
    int keep;
    size_t group;           /* split: the digit group */
    size_t first, count;    /* its runs in work->order */
} comp;

/* A slanted bound: at row y, the column lx + ls * y. */
typedef struct bound {
    double x, s;
} bound;

typedef struct piece {
    size_t group;
    size_t xa, xb;          /* columns of the group that belong to it */
    bound lb, rb;           /* and only pixels in [lb, rb) of each row */
    size_t x0, y0, x1, y1;  /* bounding box of its pixels */
    double ink;
    int blank;              /* a space cell */
} piece;

struct dg_prep_work {
    uint8_t *c8, *mk;       /* (h, w) grey or contrast code; MK_ bits */
    uint8_t lut[256];       /* contrast 0..255 of a code in c8 */
    size_t pixcap;
    run *runs;
    size_t nruns, runcap;
    comp *comps;
    size_t ncomps, compcap;
    size_t *order;          /* run indices grouped by component */
    size_t ordercap;
    double *colsum, *colsq; /* (w) Sauvola's running column sums */
    size_t colcap;
    float *proj;            /* (w) split: column projection */
    uint32_t *coltop, *colbot;  /* (w) split: ink rows of each column */
    size_t projcap;
    piece *pieces;
    size_t piececap;
    dg_image crop, tmp, tmp2, tmp3, dbg;
};

/* Grow *p to hold n elements of size sz; 0 or -1 with e. */
static int grow(void *pp, size_t *cap, size_t n, size_t sz, dg_err *e)
{
    void **p = pp;
    void *q;
    size_t ncap = *cap ? *cap : 16;

    if (n <= *cap)
        return 0;
    while (ncap < n)
        ncap *= 2;
    q = realloc(*p, ncap * sz);
    if (q == NULL)
        return dg_seterr(e, "out of memory (%zu items of %zu bytes)", ncap,
                         sz);
    *p = q;
    *cap = ncap;
    return 0;
}

void dg_prep_defaults(dg_prep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ink = DG_INK_AUTO;
    o->thresh = DG_THRESH_OTSU;
    o->level = 0.5f;
    o->window = 0;
    o->k = 0.2f;
    o->deskew = 1;          /* measured: see --deskew in pnmdigitprep(1) */
    o->speck = 0.08f;
}

dg_prep_work *dg_prep_work_new(void)
{
    return calloc(1, sizeof(dg_prep_work));
}

void dg_prep_work_free(dg_prep_work *w)
{
    if (w == NULL)
        return;
    free(w->c8);
    free(w->mk);
    free(w->runs);
    free(w->comps);
    free(w->order);
    free(w->colsum);
    free(w->colsq);
    free(w->proj);
    free(w->coltop);
    free(w->colbot);
    free(w->pieces);
    dg_image_free(&w->crop);
    dg_image_free(&w->tmp);
    dg_image_free(&w->tmp2);
    dg_image_free(&w->tmp3);
    dg_image_free(&w->dbg);
    free(w);
}

/* ------------------------------------------------------------------ */
/* Histograms and global thresholds                                    */

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

/* The two loops that touch every pixel of every image are written so
 * that the compiler can vectorise them, and asked to. */
#if defined(__GNUC__) && !defined(__clang__)
#define DG_VECTORISE __attribute__((optimize("tree-vectorize")))
#else
#define DG_VECTORISE
#endif

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

/* Histograms of the quantised image q (w x h) and of its border ring,
 * over every step-th pixel of every step-th row (step 1: all pixels). */
static void grey_histograms(const uint8_t *q, size_t w, size_t h,
                            size_t step, size_t all[256], size_t border[256])
{
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
}

/* Whether the ink is dark (paper bright): the majority of the pixels
 * decides when it is clear, else the border ring does. */
static int ink_is_dark(const size_t all[256], const size_t border[256])
{
    int t = dg_otsu(all), k;
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

/* Global threshold (Otsu, fixed or none) on the quantised grey image in
 * w->c8 with histogram ghist: contrast = ink level above the ground (the
 * median of the ground class), strong = above the threshold, weak =
 * strong or contrast above st->low.  Everything depends on the grey level
 * only, so one table lookup per pixel does it.  Returns 1 when there is
 * no ink. */
static int global_ink(dg_prep_work *w, size_t n, const dg_prep_opts *o,
                      int dark, const size_t *ghist, ink_stats *st)
{
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
        t = dg_otsu(hist);
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
static int sauvola_ink(dg_prep_work *w, const dg_image *s,
                       const dg_prep_opts *o, int dark, float *noise,
                       dg_err *e)
{
    const size_t W = s->w, H = s->h;
    size_t r, x, y, ylo = 0, yhi = 0, strong = 0, weakn = 0;
    double noise2 = 0;
    size_t win = o->window > 0 ? (size_t)o->window
                 : (W < H ? W : H) / 4;

    for (x = 0; x < 256; x++)
        w->lut[x] = (uint8_t)x;
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
        const float *row = s->px + y * W;
        double hs = 0, hq = 0;
        size_t xl = 0, xh = 0;

        for (; yhi < want_hi; yhi++)
            for (x = 0; x < W; x++) {
                double p = 1.0 - ink_of(s->px[yhi * W + x], dark);

                w->colsum[x] += p;
                w->colsq[x] += p * p;
            }
        for (; ylo < want_lo; ylo++)
            for (x = 0; x < W; x++) {
                double p = 1.0 - ink_of(s->px[ylo * W + x], dark);

                w->colsum[x] -= p;
                w->colsq[x] -= p * p;
            }
        for (x = 0; x < W; x++) {
            size_t wl = x > r ? x - r : 0, wh = x + r + 1 < W ? x + r + 1 : W;
            double n, m, sd, var, t;
            float p = 1.0f - ink_of(row[x], dark), c;

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
            w->c8[y * W + x] = (uint8_t)to_bin(c);
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
    if (strong == 0)
        return 1;
    *noise = weakn ? (float)sqrt(noise2 / (double)weakn) : 0.0f;
    return 0;
}

/* For a local threshold: the ink level (75th percentile of the strong
 * contrast) and the weak threshold (a small fraction of it, above the
 * noise); marks the weak pixels. */
static void ink_levels(dg_prep_work *w, size_t n, float noise,
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

/* ------------------------------------------------------------------ */
/* Connected components of the weak mask, by runs                      */

static uint32_t find_root(run *runs, uint32_t i)
{
    uint32_t r = i;

    while (runs[r].parent != r)
        r = runs[r].parent;
    while (runs[i].parent != r) {
        uint32_t next = runs[i].parent;

        runs[i].parent = r;
        i = next;
    }
    return r;
}

static void unite(run *runs, uint32_t a, uint32_t b)
{
    a = find_root(runs, a);
    b = find_root(runs, b);
    if (a < b)
        runs[b].parent = a;
    else if (b < a)
        runs[a].parent = b;
}

/* The first x in [x, W) where (m[x] != 0) == want, or W.  Marks are 0
 * or hold MK_WEAK (strong ink is always weak ink too). */
static inline size_t scan_row(const uint8_t *m, size_t x, size_t W,
                              int want)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    const unsigned flip = want ? 0 : 0xffffu;

    for (; x + 16 <= W; x += 16) {
        unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                         _mm_loadu_si128((const __m128i *)(m + x)), zero));

        z ^= flip;              /* bit set: not what we look for */
        if (z != 0xffffu)
            return x + (size_t)__builtin_ctz(~z & 0xffffu);
    }
#endif
    while (x < W && (m[x] != 0) != want)
        x++;
    return x;
}

/* Runs of the weak mask, united with the 8-connected runs of the row
 * above. */
static int find_runs(dg_prep_work *w, size_t W, size_t H, dg_err *e)
{
    size_t y, x, prev0 = 0, prev1 = 0;

    w->nruns = 0;
    for (y = 0; y < H; y++) {
        const uint8_t *m = w->mk + y * W;
        size_t cur0 = w->nruns, p = prev0;

        /* A row holds at most (W + 1) / 2 runs. */
        if (grow(&w->runs, &w->runcap, w->nruns + W / 2 + 1, sizeof(run),
                 e) < 0)
            return -1;
        x = 0;
        while ((x = scan_row(m, x, W, 1)) < W) {
            run *rn = &w->runs[w->nruns];
            size_t x0 = x, q;
            uint32_t strong = 0;

            x = scan_row(m, x, W, 0);
            for (q = x0; q < x; q++)
                strong += m[q] & MK_STRONG;
            rn->y = (uint32_t)y;
            rn->x0 = (uint32_t)x0;
            rn->x1 = (uint32_t)x;
            rn->parent = (uint32_t)w->nruns;
            rn->strong = strong;
            /* Runs above that touch [x0 - 1, x + 1). */
            while (p < prev1 && w->runs[p].x1 < x0)
                p++;
            for (q = p; q < prev1 && w->runs[q].x0 <= x; q++)
                unite(w->runs, (uint32_t)q, (uint32_t)w->nruns);
            w->nruns++;
        }
        if (y + 1 < H && w->nruns > cur0) {
            prev0 = cur0;
            prev1 = w->nruns;
        } else {
            prev0 = prev1 = w->nruns;
        }
    }
    return 0;
}

/* Number the components, gather their statistics and list their runs
 * together in w->order. */
static int build_components(dg_prep_work *w, dg_err *e)
{
    size_t i, n = 0;

    for (i = 0; i < w->nruns; i++) {
        uint32_t r = find_root(w->runs, (uint32_t)i);

        if (r == i)
            n++;
    }
    if (grow(&w->comps, &w->compcap, n ? n : 1, sizeof(comp), e) < 0
        || grow(&w->order, &w->ordercap, w->nruns ? w->nruns : 1,
                sizeof(size_t), e) < 0)
        return -1;
    w->ncomps = 0;
    for (i = 0; i < w->nruns; i++) {
        run *rn = &w->runs[i];

        if (rn->parent == i) {
            comp *c = &w->comps[w->ncomps];

            memset(c, 0, sizeof *c);
            c->x0 = rn->x0;
            c->y0 = rn->y;
            rn->parent = (uint32_t)w->ncomps++;
        } else {
            /* Roots come first and are already renumbered. */
            rn->parent = w->runs[w->runs[i].parent].parent;
        }
    }
    for (i = 0; i < w->nruns; i++) {
        const run *rn = &w->runs[i];
        comp *c = &w->comps[rn->parent];

        if (rn->x0 < c->x0)
            c->x0 = rn->x0;
        if (rn->x1 > c->x1)
            c->x1 = rn->x1;
        c->y1 = rn->y + 1;
        c->pixels += rn->x1 - rn->x0;
        c->strong += rn->strong;
        c->count++;
    }
    for (i = 0, n = 0; i < w->ncomps; i++) {
        w->comps[i].first = n;
        n += w->comps[i].count;
        w->comps[i].count = 0;
    }
    for (i = 0; i < w->nruns; i++) {
        comp *c = &w->comps[w->runs[i].parent];

        w->order[c->first + c->count++] = i;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Clean-up                                                            */

/* A long thin component or a frame touching the image edge. */
static int is_edge_line(const comp *c, size_t W, size_t H)
{
    size_t bw = c->x1 - c->x0, bh = c->y1 - c->y0;
    int edges = (c->x0 == 0) + (c->y0 == 0) + (c->x1 == W) + (c->y1 == H);
    size_t thinw = W / 10 > 2 ? W / 10 : 2, thinh = H / 10 > 2 ? H / 10 : 2;

    if (edges == 0)
        return 0;
    if (bw * 10 >= W * 6 && bh <= thinh)
        return 1;
    if (bh * 10 >= H * 6 && bw <= thinw)
        return 1;
    return edges >= 3 && bw * 10 >= W * 9 && bh * 10 >= H * 9
           && c->pixels * 5 < bw * bh;
}

/* Mark the components to keep: some strong ink, not a speck, and not an
 * edge line unless nothing else would be left.  Returns how many. */
static size_t select_components(dg_prep_work *w, size_t W, size_t H,
                                const dg_prep_opts *o)
{
    size_t i, largest = 0, kept = 0, lines = 0;
    size_t side = W > H ? W : H;
    size_t min_px = (side / 250) * (side / 250);

    if (min_px < 4)
        min_px = 4;
    for (i = 0; i < w->ncomps; i++)
        if (w->comps[i].strong > largest)
            largest = w->comps[i].strong;
    for (i = 0; i < w->ncomps; i++) {
        comp *c = &w->comps[i];

        c->keep = c->strong >= min_px
                  && (double)c->strong >= o->speck * (double)largest;
        if (c->keep && !o->keep_lines && is_edge_line(c, W, H)) {
            c->keep = 2;
            lines++;
        }
        kept += c->keep == 1;
    }
    for (i = 0; i < w->ncomps; i++)
        if (w->comps[i].keep == 2)
            w->comps[i].keep = kept == 0;
    return kept ? kept : lines;
}

/* Sum of contrast of each kept component (image width W). */
static void component_ink(dg_prep_work *w, size_t W)
{
    size_t i, j, x;

    for (i = 0; i < w->ncomps; i++) {
        comp *c = &w->comps[i];

        c->ink = 0;
        if (!c->keep)
            continue;
        for (j = 0; j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            const uint8_t *p = w->c8 + (size_t)rn->y * W;
            size_t acc = 0;

            for (x = rn->x0; x < rn->x1; x++)
                acc += w->lut[p[x]];
            c->ink += (double)acc / 255.0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Normalising one digit                                               */

int dg_center_of_mass(const dg_image *im, double *cx, double *cy)
{
    double m = 0, sx = 0, sy = 0;
    size_t x, y;

    for (y = 0; y < im->h; y++) {
        const float *row = im->px + y * im->w;
        double rs = 0, rx = 0;

        for (x = 0; x < im->w; x++)
            if (row[x] > 0) {
                rs += row[x];
                rx += row[x] * (double)x;
            }
        m += rs;
        sx += rx;
        sy += rs * (double)y;
    }
    if (m <= 0)
        return -1;
    *cx = sx / m;
    *cy = sy / m;
    return 0;
}

/* One axis of a resampling: output i of n takes taps from the source
 * (length sn).  Calls back through a small weight table. */
typedef struct taps {
    size_t j0, n;           /* first source index and count */
    float wt[8];            /* weights when n <= 8, else uniform area */
    float first, last, mid; /* area weights: first, last, inner taps */
} taps;

static void axis_taps(size_t i, size_t n, size_t sn, taps *t)
{
    double r = (double)sn / (double)n;

    if (r >= 1.0) {
        double a = (double)i * r, b = (double)(i + 1) * r;
        size_t j0 = (size_t)a, j1 = (size_t)ceil(b - 1e-9);

        if (j1 > sn)
            j1 = sn;
        if (j1 <= j0)
            j1 = j0 + 1;
        t->j0 = j0;
        t->n = j1 - j0;
        t->mid = (float)(1.0 / r);
        t->first = (float)(((double)j0 + 1.0 < b ? (double)j0 + 1.0 : b) - a)
                   / (float)r;
        t->last = t->n > 1 ? (float)((b - (double)(j1 - 1)) / r) : t->first;
    } else {
        double u = ((double)i + 0.5) * r - 0.5;
        double f;
        long j;

        if (u < 0)
            u = 0;
        if (u > (double)(sn - 1))
            u = (double)(sn - 1);
        j = (long)floor(u);
        f = u - (double)j;
        t->j0 = (size_t)j;
        if ((size_t)j + 1 < sn && f > 0) {
            t->n = 2;
            t->first = (float)(1.0 - f);
            t->last = (float)f;
        } else {
            t->n = 1;
            t->first = t->last = 1.0f;
        }
        t->mid = 0;
    }
}

static inline float tap_weight(const taps *t, size_t k)
{
    return k == 0 ? t->first : k + 1 == t->n ? t->last : t->mid;
}

/* The horizontal taps of up to this many output columns are tabled. */
#define TAP_TABLE 64

void dg_resample(const float *src, size_t sw, size_t sh, float *dst,
                 size_t dw, size_t dh, float *tmp)
{
    size_t x, y, k;
    taps t, tab[TAP_TABLE];

    /* Horizontal: (sh, sw) -> tmp (sh, dw), row by row. */
    if (dw <= TAP_TABLE) {
        for (x = 0; x < dw; x++)
            axis_taps(x, dw, sw, &tab[x]);
        for (y = 0; y < sh; y++) {
            const float *row = src + y * sw;
            float *out = tmp + y * dw;

            for (x = 0; x < dw; x++) {
                const taps *tx = &tab[x];
                const float *r = row + tx->j0;
                float acc = r[0] * tx->first;

                if (tx->n > 1) {
                    for (k = 1; k + 1 < tx->n; k++)
                        acc += r[k] * tx->mid;
                    acc += r[tx->n - 1] * tx->last;
                }
                out[x] = acc;
            }
        }
    } else {
        for (x = 0; x < dw; x++) {
            axis_taps(x, dw, sw, &t);
            for (y = 0; y < sh; y++) {
                const float *row = src + y * sw + t.j0;
                float acc = 0;

                for (k = 0; k < t.n; k++)
                    acc += row[k] * tap_weight(&t, k);
                tmp[y * dw + x] = acc;
            }
        }
    }
    /* Vertical: tmp (sh, dw) -> dst (dh, dw). */
    for (y = 0; y < dh; y++) {
        float *out = dst + y * dw;

        axis_taps(y, dh, sh, &t);
        for (x = 0; x < dw; x++)
            out[x] = 0;
        for (k = 0; k < t.n; k++) {
            const float *row = tmp + (t.j0 + k) * dw;
            float wt = tap_weight(&t, k);

            for (x = 0; x < dw; x++)
                out[x] += wt * row[x];
        }
    }
}

/* Whether row y of im has a sample > 0 in columns [x0, x1). */
static int row_has_ink(const dg_image *im, size_t y, size_t x0, size_t x1)
{
    const float *row = im->px + y * im->w;

    for (; x0 < x1; x0++)
        if (row[x0] > 0)
            return 1;
    return 0;
}

/* Bounding box of the samples > 0 of im; returns 0 if there are none.
 * Cheap when the box is nearly the whole image. */
static int ink_bbox(const dg_image *im, size_t *x0, size_t *y0, size_t *x1,
                    size_t *y1)
{
    size_t y, lo, hi;

    for (lo = 0; lo < im->h && !row_has_ink(im, lo, 0, im->w); lo++)
        ;
    if (lo == im->h)
        return 0;
    for (hi = im->h; !row_has_ink(im, hi - 1, 0, im->w); hi--)
        ;
    *y0 = lo;
    *y1 = hi;
    *x0 = im->w;
    *x1 = 0;
    for (y = lo; y < hi; y++) {
        const float *row = im->px + y * im->w;
        size_t x;

        for (x = 0; x < *x0 && !(row[x] > 0); x++)
            ;
        if (x == im->w)
            continue;
        *x0 = x < *x0 ? x : *x0;
        for (x = im->w; x > *x1 && !(row[x - 1] > 0); x--)
            ;
        *x1 = x > *x1 ? x : *x1;
    }
    return 1;
}

/* Reshape im to w x h, reusing its buffer, and clear it. */
static int image_zero(dg_image *im, size_t w, size_t h, dg_err *e)
{
    if (dg_image_reshape(im, w, h, e) < 0)
        return -1;
    memset(im->px, 0, w * h * sizeof *im->px);
    return 0;
}

/* Copy the box [x0, x1) x [y0, y1) of src into dst. */
static int copy_box(const dg_image *src, size_t x0, size_t y0, size_t x1,
                    size_t y1, dg_image *dst, dg_err *e)
{
    size_t y;

    if (dg_image_reshape(dst, x1 - x0, y1 - y0, e) < 0)
        return -1;
    for (y = y0; y < y1; y++)
        memcpy(dst->px + (y - y0) * dst->w, src->px + y * src->w + x0,
               (x1 - x0) * sizeof(float));
    return 0;
}

/* Shrink im (in place, through tmp) so its longer side is at most
 * PRESHRINK. */
static int preshrink(dg_image *im, dg_image *tmp, dg_image *tmp2, dg_err *e)
{
    size_t side = im->w > im->h ? im->w : im->h, nw, nh;

    if (side <= PRESHRINK)
        return 0;
    nw = (size_t)lround((double)im->w * PRESHRINK / (double)side);
    nh = (size_t)lround((double)im->h * PRESHRINK / (double)side);
    nw = nw ? nw : 1;
    nh = nh ? nh : 1;
    if (dg_image_reshape(tmp, nw, nh, e) < 0
        || dg_image_reshape(tmp2, nw, im->h, e) < 0)
        return -1;
    dg_resample(im->px, im->w, im->h, tmp->px, nw, nh, tmp2->px);
    return copy_box(tmp, 0, 0, nw, nh, im, e);
}

/* Shear im so that its second-order moments show no slant: row y moves
 * by -skew (y - cy), skew = mu11 / mu02, limited to +-1.  The result is
 * cropped to its ink. */
static int deskew(dg_image *im, dg_image *tmp, dg_err *e)
{
    double m = 0, sx = 0, sy = 0, sxy = 0, syy = 0;
    double cx, cy, mu11, mu02, skew, s0, s1, lo;
    size_t x, y, nw, x0, y0, x1, y1;

    /* Raw moments from per-row sums (float within a row, double across
     * rows), then the central ones. */
    for (y = 0; y < im->h; y++) {
        const float *row = im->px + y * im->w;
        float rs = 0, rx = 0, s4[4] = { 0, 0, 0, 0 }, x4[4] = { 0, 0, 0, 0 };
        double fy = (double)y;

        x = 0;
#ifdef __SSE2__
        {
            __m128 vs = _mm_setzero_ps(), vx = _mm_setzero_ps();
            __m128 xs = _mm_setr_ps(0, 1, 2, 3);
            const __m128 four = _mm_set1_ps(4), zero = _mm_setzero_ps();

            for (; x + 4 <= im->w; x += 4) {
                __m128 v = _mm_max_ps(_mm_loadu_ps(row + x), zero);

                vs = _mm_add_ps(vs, v);
                vx = _mm_add_ps(vx, _mm_mul_ps(v, xs));
                xs = _mm_add_ps(xs, four);
            }
            _mm_storeu_ps(s4, vs);
            _mm_storeu_ps(x4, vx);
        }
#endif
        for (; x < im->w; x++) {
            float v = row[x] > 0 ? row[x] : 0;

            rs += v;
            rx += v * (float)x;
        }
        rs += (s4[0] + s4[1]) + (s4[2] + s4[3]);
        rx += (x4[0] + x4[1]) + (x4[2] + x4[3]);
        m += rs;
        sx += rx;
        sy += rs * fy;
        sxy += rx * fy;
        syy += rs * fy * fy;
    }
    if (m <= 0)
        return 0;
    cx = sx / m;
    cy = sy / m;
    mu11 = sxy - cx * cy * m;
    mu02 = syy - cy * cy * m;
    if (mu02 <= 1e-9 * m)
        return 0;
    skew = mu11 / mu02;
    if (skew > 1)
        skew = 1;
    if (skew < -1)
        skew = -1;
    if (fabs(skew) < 0.01)
        return 0;
    s0 = -skew * (0 - cy);
    s1 = -skew * ((double)im->h - 1 - cy);
    lo = floor(s0 < s1 ? s0 : s1);
    nw = im->w + (size_t)ceil(fabs(s1 - s0)) + 2;
    if (image_zero(tmp, nw, im->h, e) < 0)
        return -1;
    for (y = 0; y < im->h; y++) {
        double sh = -skew * ((double)y - cy) - lo;  /* >= 0 */
        size_t ish = (size_t)sh;
        float f = (float)(sh - (double)ish), g = 1.0f - f;
        const float *src = im->px + y * im->w;
        float *dst = tmp->px + y * nw + ish;

        /* Each sample moves right by sh: its share g stays at x + ish,
         * f goes to x + ish + 1. */
        dst[0] = src[0] * g;
        for (x = 1; x < im->w; x++)
            dst[x] = src[x] * g + src[x - 1] * f;
        dst[im->w] = src[im->w - 1] * f;
    }
    if (!ink_bbox(tmp, &x0, &y0, &x1, &y1))
        return 0;
    return copy_box(tmp, x0, y0, x1, y1, im, e);
}

int dg_prep_cell(dg_prep_work *w, const dg_image *crop, int deskew_it,
                 int binary, float *cell, size_t stride, dg_err *e)
{
    const dg_image *im = crop;
    size_t x0, y0, x1, y1, side, nw, nh, x, y;
    double cx, cy;
    long ox, oy;
    float buf[DG_BOX * DG_BOX];
    dg_image small = { 0, 0, buf };

    for (y = 0; y < DG_CELL; y++)
        memset(cell + y * stride, 0, DG_CELL * sizeof(float));
    if (!ink_bbox(crop, &x0, &y0, &x1, &y1))
        return 0;
    /* A tight, small crop is read as it is; else a copy is cut to the
     * ink, shrunk and deskewed. */
    if (x0 != 0 || y0 != 0 || x1 != crop->w || y1 != crop->h || deskew_it
        || (crop->w > crop->h ? crop->w : crop->h) > PRESHRINK) {
        if (copy_box(crop, x0, y0, x1, y1, &w->tmp2, e) < 0
            || preshrink(&w->tmp2, &w->tmp, &w->tmp3, e) < 0
            || (deskew_it && deskew(&w->tmp2, &w->tmp, e) < 0))
            return -1;
        im = &w->tmp2;
    }
    side = im->w > im->h ? im->w : im->h;
    nw = (size_t)lround((double)im->w * DG_BOX / (double)side);
    nh = (size_t)lround((double)im->h * DG_BOX / (double)side);
    nw = nw ? nw : 1;
    nh = nh ? nh : 1;
    if (dg_image_reshape(&w->tmp3, nw, im->h, e) < 0)
        return -1;
    dg_resample(im->px, im->w, im->h, buf, nw, nh, w->tmp3.px);
    small.w = nw;
    small.h = nh;
    if (binary) {
        /* Half ink or more is ink; a stroke too thin to reach half
         * anywhere keeps every touched pixel. */
        float cut = 0.5f;
        int any = 0;

        for (x = 0; x < nw * nh; x++)
            any |= buf[x] >= cut;
        if (!any)
            cut = 1e-6f;
        for (x = 0; x < nw * nh; x++)
            buf[x] = buf[x] >= cut ? 1.0f : 0.0f;
    }
    if (dg_center_of_mass(&small, &cx, &cy) < 0)
        return 0;
    ox = lround(DG_CELL / 2.0 - cx);
    oy = lround(DG_CELL / 2.0 - cy);
    ox = ox < 0 ? 0 : ox > (long)(DG_CELL - nw) ? (long)(DG_CELL - nw) : ox;
    oy = oy < 0 ? 0 : oy > (long)(DG_CELL - nh) ? (long)(DG_CELL - nh) : oy;
    for (y = 0; y < nh; y++)
        for (x = 0; x < nw; x++) {
            float v = buf[y * nw + x];

            cell[((size_t)oy + y) * stride + (size_t)ox + x]
                = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Cutting out the ink                                                 */

#define ALL_GROUPS ((size_t)-1)

/* No bound on the left or on the right of a row. */
static const bound NO_LEFT = { -1.0, 0.0 }, NO_RIGHT = { 1e18, 0.0 };

/* Clip the columns [*a, *b) of row y to the slanted bounds lb, rb. */
static void clip_row(const bound *lb, const bound *rb, size_t y, size_t *a,
                     size_t *b)
{
    double l = ceil(lb->x + lb->s * (double)y);
    double r = ceil(rb->x + rb->s * (double)y);

    if (l > (double)*a)
        *a = l > (double)*b ? *b : (size_t)l;
    if (r < (double)*b)
        *b = r < (double)*a ? *a : (size_t)r;
}

/* Whether the bounds leave the whole of [xa, xb) for rows [y0, y1). */
static int unbounded(const bound *lb, const bound *rb, size_t xa, size_t xb,
                     size_t y0, size_t y1)
{
    size_t a = xa, b = xb, c = xa, d = xb;

    clip_row(lb, rb, y0, &a, &b);
    clip_row(lb, rb, y1 ? y1 - 1 : 0, &c, &d);
    return a == xa && b == xb && c == xa && d == xb;
}

/* Bounding box and ink of the pixels of kept components in group g (or
 * all) whose column is in [xa, xb) and within pc's slanted bounds.
 * Returns the number of pixels. */
static size_t region_box(const dg_prep_work *w, size_t W, size_t g,
                         size_t xa, size_t xb, piece *pc)
{
    size_t i, j, x, n = 0;

    pc->x0 = pc->y0 = (size_t)-1;
    pc->x1 = pc->y1 = 0;
    pc->ink = 0;
    for (i = 0; i < w->ncomps; i++) {
        const comp *c = &w->comps[i];

        if (!c->keep || (g != ALL_GROUPS && c->group != g)
            || c->x1 <= xa || c->x0 >= xb)
            continue;
        if (xa <= c->x0 && c->x1 <= xb
            && unbounded(&pc->lb, &pc->rb, c->x0, c->x1, c->y0, c->y1)) {
            /* whole: its statistics */
            n += c->pixels;
            pc->x0 = c->x0 < pc->x0 ? c->x0 : pc->x0;
            pc->x1 = c->x1 > pc->x1 ? c->x1 : pc->x1;
            pc->y0 = c->y0 < pc->y0 ? c->y0 : pc->y0;
            pc->y1 = c->y1 > pc->y1 ? c->y1 : pc->y1;
            pc->ink += c->ink * 255.0;
            continue;
        }
        for (j = 0; j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            size_t a = rn->x0 > xa ? rn->x0 : xa;
            size_t b = rn->x1 < xb ? rn->x1 : xb;
            const uint8_t *p = w->c8 + (size_t)rn->y * W;

            if (a < b)
                clip_row(&pc->lb, &pc->rb, rn->y, &a, &b);
            if (a >= b)
                continue;
            n += b - a;
            pc->x0 = a < pc->x0 ? a : pc->x0;
            pc->x1 = b > pc->x1 ? b : pc->x1;
            pc->y0 = rn->y < pc->y0 ? rn->y : pc->y0;
            pc->y1 = rn->y + 1 > pc->y1 ? rn->y + 1 : pc->y1;
            for (x = a; x < b; x++)
                pc->ink += w->lut[p[x]];
        }
    }
    pc->ink /= 255.0;
    return n;
}

/* Draw the region of pc (group g, columns [pc->xa, pc->xb)) into crop,
 * sized to its box: the contrast scaled so that level8 is full ink, or
 * 1 for strong pixels with binary. */
static int cut_region(dg_prep_work *w, size_t W, size_t g, const piece *pc,
                      int level8, int binary, dg_image *crop, dg_err *e)
{
    size_t i, j, x, cw = pc->x1 - pc->x0;
    const float scale = 1.0f / (float)(level8 > 0 ? level8 : 1);

    if (image_zero(crop, cw, pc->y1 - pc->y0, e) < 0)
        return -1;
    for (i = 0; i < w->ncomps; i++) {
        const comp *c = &w->comps[i];

        if (!c->keep || (g != ALL_GROUPS && c->group != g))
            continue;
        for (j = 0; j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            size_t a = rn->x0 > pc->xa ? rn->x0 : pc->xa;
            size_t b = rn->x1 < pc->xb ? rn->x1 : pc->xb;
            const uint8_t *cp = w->c8 + (size_t)rn->y * W;
            const uint8_t *mp = w->mk + (size_t)rn->y * W;
            float *dst = crop->px + (rn->y - pc->y0) * cw - pc->x0;

            if (a < b)
                clip_row(&pc->lb, &pc->rb, rn->y, &a, &b);

            for (x = a; x < b; x++) {
                float v = binary ? (float)(mp[x] & MK_STRONG)
                                 : (float)w->lut[cp[x]] * scale;

                dst[x] = v > 1.0f ? 1.0f : v;
            }
        }
    }
    return 0;
}

/* Report the kept ink as the "mask" stage. */
static int debug_mask(dg_prep_work *w, const dg_image *s,
                      const dg_prep_opts *o, dg_err *e)
{
    size_t i, j, x;

    if (image_zero(&w->dbg, s->w, s->h, e) < 0)
        return -1;
    for (i = 0; i < w->ncomps; i++) {
        const comp *c = &w->comps[i];

        for (j = 0; c->keep && j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];

            for (x = rn->x0; x < rn->x1; x++)
                w->dbg.px[(size_t)rn->y * s->w + x] = 1.0f;
        }
    }
    o->debug(o->debug_ctx, "mask", &w->dbg);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Splitting a number                                                  */

typedef struct grp {
    size_t x0, y0, x1, y1;
    double ink;
    int alive;
    bound lb, rb;           /* its pixels are those in [lb, rb) */
} grp;

/* Merge group b into a (boxes, ink, member components). */
static void merge_groups(dg_prep_work *w, grp *gs, size_t a, size_t b)
{
    size_t i;

    gs[a].x0 = gs[b].x0 < gs[a].x0 ? gs[b].x0 : gs[a].x0;
    gs[a].y0 = gs[b].y0 < gs[a].y0 ? gs[b].y0 : gs[a].y0;
    gs[a].x1 = gs[b].x1 > gs[a].x1 ? gs[b].x1 : gs[a].x1;
    gs[a].y1 = gs[b].y1 > gs[a].y1 ? gs[b].y1 : gs[a].y1;
    gs[a].ink += gs[b].ink;
    gs[b].alive = 0;
    for (i = 0; i < w->ncomps; i++)
        if (w->comps[i].group == b)
            w->comps[i].group = a;
}

/* Whether group g is as tall as a whole digit (href the tallest). */
static int tall_piece(const grp *g, size_t href)
{
    return 10 * (g->y1 - g->y0) >= 7 * href;
}

/* Group the kept components into digits: pieces that overlap
 * horizontally (a broken stroke, the bar of a 5) are one digit, and a
 * small fragment joins its nearest neighbour.  Returns the reference
 * digit height. */
static size_t group_components(dg_prep_work *w, grp *gs, size_t ng)
{
    size_t a, b, href = 0;
    double maxink = 0;
    int merged = 1;
    size_t ltop = (size_t)-1, lbot = 0;

    /* The height of the line of ink: when every digit is broken, no
     * piece is as tall as it. */
    for (a = 0; a < ng; a++)
        if (gs[a].alive) {
            ltop = gs[a].y0 < ltop ? gs[a].y0 : ltop;
            lbot = gs[a].y1 > lbot ? gs[a].y1 : lbot;
        }
    href = lbot > ltop ? lbot - ltop : 0;
    while (merged) {
        merged = 0;
        for (a = 0; a < ng; a++)
            for (b = 0; gs[a].alive && b < ng; b++) {
                size_t lo, hi, wa, wb;

                if (b == a || !gs[b].alive)
                    continue;
                lo = gs[a].x0 > gs[b].x0 ? gs[a].x0 : gs[b].x0;
                hi = gs[a].x1 < gs[b].x1 ? gs[a].x1 : gs[b].x1;
                wa = gs[a].x1 - gs[a].x0;
                wb = gs[b].x1 - gs[b].x0;
                /* Two pieces of full height are two digits side by side
                 * (a slanted 1 beside a 5), not one broken digit. */
                if (tall_piece(&gs[a], href) && tall_piece(&gs[b], href))
                    continue;
                if (hi > lo && 2 * (hi - lo) >= (wa < wb ? wa : wb)) {
                    merge_groups(w, gs, a, b);
                    merged = 1;
                }
            }
    }
    href = 0;
    for (a = 0; a < ng; a++)
        if (gs[a].alive) {
            href = gs[a].y1 - gs[a].y0 > href ? gs[a].y1 - gs[a].y0 : href;
            maxink = gs[a].ink > maxink ? gs[a].ink : maxink;
        }
    for (a = 0; a < ng; a++) {
        size_t best = ng, bestgap = (size_t)-1;

        if (!gs[a].alive || 20 * (gs[a].y1 - gs[a].y0) >= 7 * href
            || gs[a].ink >= 0.2 * maxink)
            continue;
        for (b = 0; b < ng; b++) {
            size_t gap;

            if (b == a || !gs[b].alive)
                continue;
            gap = gs[b].x0 >= gs[a].x1 ? gs[b].x0 - gs[a].x1
                  : gs[a].x0 >= gs[b].x1 ? gs[a].x0 - gs[b].x1 : 0;
            if (gap < bestgap) {
                bestgap = gap;
                best = b;
            }
        }
        if (best < ng && 10 * bestgap <= 3 * href)
            merge_groups(w, gs, best, a);
        else
            gs[a].alive = 0;    /* a stray mark between digits */
    }
    return href ? href : 1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_piece(const void *a, const void *b)
{
    const piece *p = a, *q = b;
    size_t cp = p->x0 + p->x1, cq = q->x0 + q->x1;

    return cp < cq ? -1 : cp > cq;
}

/* How unlike one digit a piece is whose width is r times its height,
 * when a digit's is usually r0 (0: just like one).  Wider is worse than
 * narrower: narrow digits (a 1) are common, digits twice as wide are
 * not. */
static double width_cost(double r, double r0)
{
    double d;

    if (r < 0.08)
        return 1e9;
    if (r <= r0) {
        d = (r0 - r) / 0.5;
        return 0.5 * d * d;
    }
    d = (r - r0) / WIDE_SCALE;
    return 2.0 * d * d;
}

/* The usual width/height of one digit in this image: the median over the
 * groups shaped like one digit (0.35 to 0.95), else 0.6. */
static double digit_aspect(const grp *gs, size_t ng)
{
    double *r = malloc((ng ? ng : 1) * sizeof *r), med = 0.6;
    size_t a, n = 0, i, j;

    if (r == NULL)
        return med;
    for (a = 0; a < ng; a++) {
        double q = (double)(gs[a].x1 - gs[a].x0)
                   / (double)(gs[a].y1 - gs[a].y0);

        if (gs[a].alive && q >= 0.35 && q <= 0.95)
            r[n++] = q;
    }
    for (i = 1; i < n; i++)         /* few groups: insertion sort */
        for (j = i; j > 0 && r[j - 1] > r[j]; j--) {
            double t = r[j];

            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    if (n >= 2)
        med = r[n / 2];
    free(r);
    /* With few groups the median is unreliable (a 1 and two touching
     * digits give 0.75): keep it to the usual range of one digit. */
    return med < 0.5 ? 0.5 : med > R0_MAX ? R0_MAX : med;
}

/* Column projection of group g's ink into w->proj[gg->x0 .. gg->x1),
 * and the top and bottom ink row of each column into w->coltop and
 * w->colbot. */
static int group_projection(dg_prep_work *w, size_t W, const grp *gg,
                            size_t g, dg_err *e)
{
    size_t i, j, x, cap = w->projcap;

    if (grow(&w->proj, &w->projcap, W + 1, sizeof(float), e) < 0)
        return -1;
    if (w->projcap != cap || w->coltop == NULL) {
        free(w->coltop);
        free(w->colbot);
        w->coltop = malloc(w->projcap * sizeof *w->coltop);
        w->colbot = malloc(w->projcap * sizeof *w->colbot);
        if (w->coltop == NULL || w->colbot == NULL)
            return dg_seterr(e, "out of memory");
    }
    memset(w->proj + gg->x0, 0, (gg->x1 - gg->x0) * sizeof(float));
    for (x = gg->x0; x < gg->x1; x++) {
        w->coltop[x] = UINT32_MAX;
        w->colbot[x] = 0;
    }
    for (i = 0; i < w->ncomps; i++) {
        const comp *c = &w->comps[i];

        for (j = 0; c->keep && c->group == g && j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            const uint8_t *p = w->c8 + (size_t)rn->y * W;
            size_t a = rn->x0, b = rn->x1;

            clip_row(&gg->lb, &gg->rb, rn->y, &a, &b);
            for (x = a; x < b; x++) {
                w->proj[x] += w->lut[p[x]];
                w->coltop[x] = rn->y < w->coltop[x] ? rn->y : w->coltop[x];
                w->colbot[x] = rn->y + 1 > w->colbot[x] ? rn->y + 1
                               : w->colbot[x];
            }
        }
    }
    return 0;
}


/* How unlike a digit a piece is whose ink spans the fraction f of the
 * height of its group: a piece much shorter is a fragment. */
static double height_cost(double f)
{
    double d = (0.65 - f) / 0.25;

    return f >= 0.65 ? 0 : 3.0 * d * d;
}

/* Append the pieces of group g: cut where the sum of the costs is least,
 * each cut costing a constant plus the ink of its column (so digits part
 * where they barely touch), each piece costing width_cost (so the pieces
 * are digit-shaped).  Found by dynamic programming over the columns. */
static int cut_group(dg_prep_work *w, size_t W, const grp *gg, size_t g,
                     double r0, size_t *np, dg_err *e)
{
    const size_t width = gg->x1 - gg->x0;
    const double h = (double)(gg->y1 - gg->y0);
    const size_t span = (size_t)(2.5 * h) + 1;
    size_t x, p, *from = malloc((width + 1) * sizeof *from), k, *cuts;
    double *best = malloc((width + 1) * sizeof *best);
    float maxp = 0;

    if (from == NULL || best == NULL) {
        free(from);
        free(best);
        return dg_seterr(e, "out of memory");
    }
    if (group_projection(w, W, gg, g, e) < 0) {
        free(from);
        free(best);
        return -1;
    }
    for (x = gg->x0; x < gg->x1; x++)
        maxp = w->proj[x] > maxp ? w->proj[x] : maxp;
    best[0] = 0;
    from[0] = 0;
    for (x = 1; x <= width; x++) {
        uint32_t top = UINT32_MAX, bot = 0;

        best[x] = 1e300;
        from[x] = 0;
        /* From the nearest start back, so the ink extent of the piece
         * [p, x) grows one column at a time. */
        for (p = x; p-- > (x > span ? x - span : 0);) {
            double c, f, r;

            top = w->coltop[gg->x0 + p] < top ? w->coltop[gg->x0 + p] : top;
            bot = w->colbot[gg->x0 + p] > bot ? w->colbot[gg->x0 + p] : bot;
            f = bot > top ? (double)(bot - top) / h : 0;
            r = (double)(x - p) / h;
            /* A narrow piece of full height may well be a 1. */
            c = best[p] + (r < 0.35 && f >= 0.85 ? ONE_COST
                           : width_cost(r, r0) + height_cost(f));

            if (p > 0)
                c += CUT_COST + 2.0 * w->proj[gg->x0 + p] / (maxp > 0 ? maxp : 1);
            if (c < best[x]) {
                best[x] = c;
                from[x] = p;
            }
        }
    }
    /* Walk back from the end; reuse best as the list of cuts. */
    cuts = from;
    for (k = 0, x = width; x > 0; x = from[x])
        best[k++] = (double)x;
    free(from);
    (void)cuts;
    for (p = 0; k-- > 0; p = (size_t)best[k]) {
        piece *pc;

        if (grow(&w->pieces, &w->piececap, *np + 1, sizeof(piece), e) < 0) {
            free(best);
            return -1;
        }
        pc = &w->pieces[*np];
        pc->group = g;
        pc->blank = 0;
        pc->lb = gg->lb;
        pc->rb = gg->rb;
        if (region_box(w, W, g, gg->x0 + p, gg->x0 + (size_t)best[k], pc)
            > 0) {
            pc->xa = gg->x0 + p;
            pc->xb = gg->x0 + (size_t)best[k];
            (*np)++;
        }
    }
    free(best);
    return 0;
}

/* Draw the pixels of group g (within its bounds) into bm, a bitmap of
 * its box, mirrored left to right when flip is set. */
static void group_bitmap(const dg_prep_work *w, const grp *gg, size_t g,
                         int flip, uint8_t *bm)
{
    const size_t ww = gg->x1 - gg->x0;
    size_t i, j, x;

    for (i = 0; i < w->ncomps; i++) {
        const comp *c = &w->comps[i];

        for (j = 0; c->keep && c->group == g && j < c->count; j++) {
            const run *rn = &w->runs[w->order[c->first + j]];
            size_t a = rn->x0 > gg->x0 ? rn->x0 : gg->x0;
            size_t b = rn->x1 < gg->x1 ? rn->x1 : gg->x1;
            uint8_t *row = bm + (rn->y - gg->y0) * ww;

            if (rn->y < gg->y0 || rn->y >= gg->y1 || a >= b)
                continue;
            clip_row(&gg->lb, &gg->rb, rn->y, &a, &b);
            for (x = a; x < b; x++)
                row[flip ? ww - 1 - (x - gg->x0) : x - gg->x0] = 1;
        }
    }
}

/* The column of the straight line from column t (top row) to column b
 * (bottom row) at row y of hh. */
static inline size_t line_at(size_t t, size_t b, size_t y, size_t hh)
{
    return (size_t)lround((double)t + ((double)b - (double)t) * (double)y
                          / (double)(hh - 1));
}

/* In bitmap bm (ww x hh), the straight stroke nearest the left end that
 * has ink on the most rows; *t and *b its top and bottom columns.
 * Returns the rows with ink. */
static size_t find_stroke(const uint8_t *bm, size_t ww, size_t hh,
                          size_t reach, size_t *t, size_t *b)
{
    size_t tt, bb, y, most = 0;

    for (tt = 1; tt < reach; tt++)
        for (bb = 1; bb < reach; bb++) {
            size_t hits = 0;

            for (y = 0; y < hh; y++) {
                const uint8_t *p = bm + y * ww + line_at(tt, bb, y, hh);

                hits += p[-1] | p[0] | p[1];
            }
            if (hits > most) {
                most = hits;
                *t = tt;
                *b = bb;
            }
        }
    return most;
}

/* Peel a 1 off the left (or with right, the right) end of group g: a
 * straight stroke of nearly the whole height at that end, with hardly
 * any ink beyond it, touching the rest in few rows, the rest as large as
 * a digit.  Appends the 1 as a piece and bounds the group to the rest by
 * a line along the stroke (a slanted cut).  Returns 1 when it peeled, 0
 * when not, -1 on error. */
static int peel_one(dg_prep_work *w, size_t W, grp *gg, size_t g,
                    int right, size_t *np, dg_err *e)
{
    const size_t ww = gg->x1 - gg->x0, hh = gg->y1 - gg->y0;
    size_t reach = (hh * 4) / 10, t = 0, b = 0, y, x, hits;
    size_t inner[4096], nin = 0, outer = 0, contact = 0, total = 0;
    size_t rest = 0, rx0 = (size_t)-1, rx1 = 0, ry0 = (size_t)-1, ry1 = 0;
    double dr, c0, c1, base, slope;
    bound cut;
    uint8_t *bm;
    piece *pc, probe;

    if (hh < 12 || hh > 4096 || 10 * ww < 7 * hh)
        return 0;
    reach = reach + 2 < ww ? reach : ww - 2;
    bm = calloc(ww * hh, 1);
    if (bm == NULL)
        return dg_seterr(e, "out of memory");
    group_bitmap(w, gg, g, right, bm);
    hits = find_stroke(bm, ww, hh, reach, &t, &b);
    if (10 * hits < 9 * hh) {
        free(bm);
        return 0;
    }
    /* The stroke's inner edge (exclusive) on each row, beyond the line. */
    for (y = 0; y < hh; y++) {
        const uint8_t *row = bm + y * ww;
        size_t l = line_at(t, b, y, hh);

        if (!row[l])
            continue;
        for (x = l; x < ww && row[x]; x++)
            ;
        inner[nin++] = x - l;
    }
    if (nin < hh / 2) {
        free(bm);
        return 0;
    }
    qsort(inner, nin, sizeof *inner, cmp_size);
    dr = (double)inner[nin / 2];
    for (y = 0; y < hh; y++) {
        const uint8_t *row = bm + y * ww;
        double l = (double)line_at(t, b, y, hh);

        for (x = 0; x < ww; x++) {
            if (!row[x])
                continue;
            total++;
            if ((double)x < l - dr - 1)
                outer++;
            else if ((double)x >= l + dr) {
                rest++;
                rx0 = x < rx0 ? x : rx0;
                rx1 = x + 1 > rx1 ? x + 1 : rx1;
                ry0 = y < ry0 ? y : ry0;
                ry1 = y + 1 > ry1 ? y + 1 : ry1;
            }
        }
        x = line_at(t, b, y, hh);
        if (row[x] && x + (size_t)dr + 1 < ww && row[x + (size_t)dr + 1])
            contact++;
    }
    free(bm);
    if (rest == 0 || 100 * outer > 3 * total || 10 * rest < 4 * total
        || 100 * (rx1 - rx0) < 35 * hh || 100 * (ry1 - ry0) < 65 * hh
        || 100 * contact > 15 * hh || 100 * dr > 12.0 * (double)hh)
        return 0;
    /* The cut: the line moved to the stroke's inner edge. */
    c0 = (double)t + dr;
    c1 = (double)b + dr;
    slope = (c1 - c0) / (double)(hh - 1);
    base = right ? (double)gg->x1 - c0 : (double)gg->x0 + c0;
    slope = right ? -slope : slope;
    cut.x = base - slope * (double)gg->y0;
    cut.s = slope;
    if (grow(&w->pieces, &w->piececap, *np + 1, sizeof(piece), e) < 0)
        return -1;
    pc = &w->pieces[*np];
    pc->group = g;
    pc->blank = 0;
    pc->xa = gg->x0;
    pc->xb = gg->x1;
    pc->lb = right ? cut : gg->lb;
    pc->rb = right ? gg->rb : cut;
    if (region_box(w, W, g, pc->xa, pc->xb, pc) == 0)
        return 0;
    probe = *pc;
    probe.lb = right ? gg->lb : cut;
    probe.rb = right ? cut : gg->rb;
    if (region_box(w, W, g, gg->x0, gg->x1, &probe) == 0)
        return 0;
    (*np)++;
    gg->lb = probe.lb;
    gg->rb = probe.rb;
    gg->x0 = probe.x0;
    gg->x1 = probe.x1;
    gg->y0 = probe.y0;
    gg->y1 = probe.y1;
    return 1;
}

/* After every gap much wider than the others, insert a blank piece.
 * np is updated. */
static int insert_spaces(dg_prep_work *w, size_t *np, size_t href,
                         dg_err *e)
{
    size_t i, n = *np, nsp = 0, *gaps;
    piece *all;
    double med;

    if (n < 2)
        return 0;
    gaps = malloc((n - 1) * sizeof *gaps);
    if (gaps == NULL)
        return dg_seterr(e, "out of memory");
    for (i = 0; i + 1 < n; i++) {
        long gap = (long)w->pieces[i + 1].x0 - (long)w->pieces[i].x1;

        gaps[i] = gap > 0 ? (size_t)gap : 0;
    }
    qsort(gaps, n - 1, sizeof *gaps, cmp_size);
    med = (double)gaps[(n - 1) / 2];
    free(gaps);
    all = malloc((2 * n) * sizeof *all);
    if (all == NULL)
        return dg_seterr(e, "out of memory");
    for (i = 0; i < n; i++) {
        all[i + nsp] = w->pieces[i];
        if (i + 1 < n) {
            long gap = (long)w->pieces[i + 1].x0 - (long)w->pieces[i].x1;

            if ((double)gap > 2.0 * med + 0.6 * (double)href) {
                nsp++;
                memset(&all[i + nsp], 0, sizeof *all);
                all[i + nsp].blank = 1;
            }
        }
    }
    if (grow(&w->pieces, &w->piececap, n + nsp, sizeof(piece), e) < 0) {
        free(all);
        return -1;
    }
    memcpy(w->pieces, all, (n + nsp) * sizeof *all);
    free(all);
    *np = n + nsp;
    return 0;
}

/* Cut the kept ink into digits and write one cell for each (and for
 * each space) into the strip out. */
static int split_number(dg_prep_work *w, const dg_image *s,
                        const dg_prep_opts *o, int level8, dg_image *out,
                        dg_err *e)
{
    size_t W = s->w, i, a, ng = 0, np = 0, href;
    double r0;
    grp *gs = malloc((w->ncomps ? w->ncomps : 1) * sizeof *gs);
    char stage[32];

    if (gs == NULL)
        return dg_seterr(e, "out of memory");
    for (i = 0; i < w->ncomps; i++) {
        comp *c = &w->comps[i];

        c->group = (size_t)-1;
        if (!c->keep)
            continue;
        gs[ng].x0 = c->x0;
        gs[ng].y0 = c->y0;
        gs[ng].x1 = c->x1;
        gs[ng].y1 = c->y1;
        gs[ng].ink = c->ink;
        gs[ng].alive = 1;
        gs[ng].lb = NO_LEFT;
        gs[ng].rb = NO_RIGHT;
        c->group = ng++;
    }
    href = group_components(w, gs, ng);
    r0 = digit_aspect(gs, ng);
    for (a = 0; a < ng; a++)
        /* Only at the left end: a stroke at the right end is as often
         * the stem of a 4 or a 9 as a 1. */
        if (gs[a].alive && (peel_one(w, W, &gs[a], a, 0, &np, e) < 0
                            || cut_group(w, W, &gs[a], a, r0, &np, e) < 0)) {
            free(gs);
            return -1;
        }
    free(gs);
    qsort(w->pieces, np, sizeof *w->pieces, cmp_piece);
    while (o->max_digits > 0 && np > (size_t)o->max_digits) {
        size_t least = 0;

        for (i = 1; i < np; i++)
            if (w->pieces[i].ink < w->pieces[least].ink)
                least = i;
        memmove(&w->pieces[least], &w->pieces[least + 1],
                (np - least - 1) * sizeof *w->pieces);
        np--;
    }
    if (np == 0)
        return dg_seterr(e, "no ink found (blank image)");
    if (o->spaces && insert_spaces(w, &np, href, e) < 0)
        return -1;
    if (dg_image_reshape(out, DG_CELL * np, DG_CELL, e) < 0)
        return -1;
    memset(out->px, 0, out->w * out->h * sizeof *out->px);
    for (i = 0; i < np; i++) {
        const piece *pc = &w->pieces[i];

        if (pc->blank)
            continue;
        if (cut_region(w, W, pc->group, pc, level8, o->binary, &w->crop, e)
            < 0)
            return -1;
        if (o->debug != NULL) {
            snprintf(stage, sizeof stage, "crop-%zu", i + 1);
            o->debug(o->debug_ctx, stage, &w->crop);
        }
        if (dg_prep_cell(w, &w->crop, o->deskew, o->binary,
                         out->px + DG_CELL * i, out->w, e) < 0)
            return -1;
    }
    return 0;
}

/* Find and clean the ink of s into w (runs and kept components).
 * Returns 1 when there is none, 0 when there is, -1 on error; sets
 * *level8 to the contrast of full ink. */
static int find_ink(dg_prep_work *w, const dg_image *s,
                    const dg_prep_opts *o, int *level8, dg_err *e)
{
    size_t ghist[256], bhist[256], n = s->w * s->h, oldcap = w->pixcap;
    size_t step;
    int dark, blank;
    float noise = 0;
    ink_stats st;

    if (grow(&w->c8, &w->pixcap, n, 1, e) < 0)
        return -1;
    if (w->mk == NULL || w->pixcap != oldcap) {
        uint8_t *q = realloc(w->mk, w->pixcap);

        if (q == NULL)
            return dg_seterr(e, "out of memory");
        w->mk = q;
    }
    quantise(s->px, w->c8, n);
    /* The global statistics need no more than a quarter of a large image;
     * if that sample shows no ink, every pixel is looked at. */
    step = n >= 8192 && s->w >= 16 && s->h >= 16 ? 2 : 1;
    for (;;) {
        grey_histograms(w->c8, s->w, s->h, step, ghist, bhist);
        dark = o->ink == DG_INK_AUTO ? ink_is_dark(ghist, bhist)
               : o->ink == DG_INK_DARK;
        if (o->thresh == DG_THRESH_SAUVOLA) {
            blank = sauvola_ink(w, s, o, dark, &noise, e);
            if (blank == 0)
                ink_levels(w, n, noise, &st);
        } else {
            blank = global_ink(w, n, o, dark, ghist, &st);
        }
        if (blank != 1 || step == 1)
            break;
        step = 1;
    }
    if (blank != 0)
        return blank;
    *level8 = to_bin(st.level);
    if (find_runs(w, s->w, s->h, e) < 0 || build_components(w, e) < 0)
        return -1;
    if (select_components(w, s->w, s->h, o) == 0)
        return 1;
    component_ink(w, s->w);
    return 0;
}

int dg_prep_run(dg_prep_work *w, const dg_image *s, const dg_prep_opts *o,
                dg_image *out, dg_err *e)
{
    int level8 = 255, rc;
    piece all;

    if (s->w == 0 || s->h == 0 || s->px == NULL)
        return dg_seterr(e, "empty image");
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "grey", s);
    rc = find_ink(w, s, o, &level8, e);
    if (rc < 0)
        return -1;
    if (rc == 0 && o->debug != NULL && debug_mask(w, s, o, e) < 0)
        return -1;
    if (rc == 1) {
        if (!o->allow_empty)
            return dg_seterr(e, "no ink found (blank image)");
        if (dg_image_reshape(out, DG_CELL, DG_CELL, e) < 0)
            return -1;
        memset(out->px, 0, DG_CELL_PIXELS * sizeof *out->px);
    } else if (o->split) {
        if (split_number(w, s, o, level8, out, e) < 0)
            return -1;
    } else {
        all.xa = 0;
        all.xb = s->w;
        all.lb = NO_LEFT;
        all.rb = NO_RIGHT;
        region_box(w, s->w, ALL_GROUPS, 0, s->w, &all);
        if (cut_region(w, s->w, ALL_GROUPS, &all, level8, o->binary,
                       &w->crop, e) < 0)
            return -1;
        if (o->debug != NULL)
            o->debug(o->debug_ctx, "crop", &w->crop);
        if (dg_image_reshape(out, DG_CELL, DG_CELL, e) < 0
            || dg_prep_cell(w, &w->crop, o->deskew, o->binary, out->px,
                            DG_CELL, e) < 0)
            return -1;
    }
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "final", out);
    return 0;
}

int dg_prep(const dg_image *scan, const dg_prep_opts *o, dg_image *out,
            dg_err *e)
{
    dg_prep_work *w = dg_prep_work_new();
    int rc;

    if (w == NULL)
        return dg_seterr(e, "out of memory");
    rc = dg_prep_run(w, scan, o, out, e);
    dg_prep_work_free(w);
    return rc;
}
