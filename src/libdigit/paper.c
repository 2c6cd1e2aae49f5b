/* paper.c - light and paper: make unevenly lit paper flat before the
 * ink is looked for.  A lamp gradient, a vignette or a shadow across a
 * photographed page leaves the paper darker in places than the ink is
 * elsewhere, so no single threshold separates them.  The paper's own
 * brightness is estimated as a smooth background (a grey closing on a
 * reduced image: the brightest level in a window wider than any stroke,
 * which the ink cannot reach) and every pixel is divided by it.
 *
 * The background comes from Leptonica, the document-image library under
 * tesseract.  Paper that is already flat (a clean scan) is left exactly
 * as it was: the map is measured before it is applied. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>

#include "prep_int.h"

/* The paper's brightness after flattening (of 255): high, but with room
 * above it so that paper brighter than its estimate is not clipped. */
#define PAPER_LEVEL 235
/* Paper whose estimated brightness varies by less than this (of 255)
 * is flat already. */
#define FLAT_RANGE 24
/* The reduced image of the background estimate has about this many
 * pixels on its shorter side. */
#define MAP_SIDE 40
/* The closing window, as a fraction of the image's shorter side: wider
 * than any stroke of a digit that fills the image, narrower than the
 * light's changes. */
#define WINDOW_FRACTION 0.22

static void quiet(const char *msg)
{
    (void)msg;
}

/* Leptonica reports its errors on stderr unless told otherwise; libdigit
 * never prints.  Its failures show as NULL results, handled below. */
static void lept_quiet(void)
{
    leptSetStderrHandler(quiet);
    setMsgSeverity(L_SEVERITY_NONE);
}

/* Leptonica keeps the bytes of an 8-bit image in 32-bit words, the
 * first pixel in the most significant byte: on a little-endian machine
 * each word is the four bytes reversed. */
static inline uint32_t word_of(const uint8_t *b)
{
    uint32_t v;

    memcpy(&v, b, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* A Leptonica 8-bit image of c8 (w x h), inverted when invert. */
static PIX *to_pix(const uint8_t *c8, size_t w, size_t h, int invert)
{
    PIX *p = pixCreateNoInit((l_int32)w, (l_int32)h, 8);
    l_uint32 *data;
    l_int32 wpl;
    size_t x, y;
    uint8_t flip = invert ? 0xff : 0;
    uint32_t flip4 = invert ? 0xffffffffu : 0;

    if (p == NULL)
        return NULL;
    data = pixGetData(p);
    wpl = pixGetWpl(p);
    for (y = 0; y < h; y++) {
        l_uint32 *line = data + y * (size_t)wpl;
        const uint8_t *row = c8 + y * w;

        for (x = 0; x + 4 <= w; x += 4)
            line[x / 4] = word_of(row + x) ^ flip4;
        for (; x < w; x++)
            SET_DATA_BYTE(line, x, row[x] ^ flip);
    }
    return p;
}

/* The lowest and highest value of the 8-bit image p. */
static void pix_range(PIX *p, int *lo, int *hi)
{
    l_uint32 *data = pixGetData(p);
    l_int32 wpl = pixGetWpl(p), w = pixGetWidth(p), h = pixGetHeight(p);
    l_int32 x, y;

    *lo = 255;
    *hi = 0;
    for (y = 0; y < h; y++) {
        const l_uint32 *line = data + y * wpl;

        for (x = 0; x < w; x++) {
            int v = (int)GET_DATA_BYTE(line, x);

            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
        }
    }
}

/* The closing's reduction and window (in reduced pixels, odd) for an
 * image whose shorter side is side pixels. */
static void map_geometry(size_t side, l_int32 *red, l_int32 *size)
{
    size_t r = side / MAP_SIDE, s;

    r = r < 2 ? 2 : r > 16 ? 16 : r;
    s = (size_t)(WINDOW_FRACTION * (double)side / (double)r);
    s |= 1;
    *red = (l_int32)r;
    *size = (l_int32)(s < 3 ? 3 : s);
}

/* The median (the element of rank n / 2) of v[0 .. n), n > 0, by
 * Wirth's selection: partitions around a pivot, keeping the side that
 * holds that rank (v is reordered). */
static uint32_t median_u32(uint32_t *v, size_t n)
{
    size_t lo = 0, hi = n - 1, k = n / 2;

    while (lo < hi) {
        uint32_t x = v[k];
        size_t i = lo, j = hi;

        do {
            while (v[i] < x)
                i++;
            while (x < v[j])
                j--;
            if (i <= j) {
                uint32_t t = v[i];

                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        } while (i <= j);
        if (j < k)
            lo = i;
        if (k < i)
            hi = j;
    }
    return v[k];
}

/* Blocks of the polarity test: about this many on the shorter side.
 * (Blocks of at least 8 pixels, or fewer on a long strip, were tried
 * for speed: 5 of 300 fresh shadowed photos of single digits then got
 * the wrong polarity.) */
#define POL_BLOCKS 24
/* A pixel this far (of 255) from its neighbourhood's mean stands out. */
#define POL_DEVIATION 28

/* col[x] += row[x] over n columns. */
DG_VECTORISE static void add_row(uint32_t *restrict col,
                                 const uint8_t *restrict row, size_t n)
{
    size_t x;

    for (x = 0; x < n; x++)
        col[x] += row[x];
}

/* How many of row[0 .. n) lie below lo[x] (*neg) and above hi[x]
 * (*pos). */
DG_VECTORISE static void count_out(const uint8_t *restrict row,
                                   const int16_t *restrict lo,
                                   const int16_t *restrict hi, size_t n,
                                   size_t *neg, size_t *pos)
{
    uint32_t nb = 0, pb = 0;
    size_t x;

    for (x = 0; x < n; x++) {
        nb += (int16_t)row[x] < lo[x];
        pb += (int16_t)row[x] > hi[x];
    }
    *neg += nb;
    *pos += pb;
}

int paper_polarity(const uint8_t *c8, size_t w, size_t h, dg_err *e)
{
    size_t r = (w < h ? w : h) / POL_BLOCKS, bw, bh, x, y;
    size_t neg = 0, pos = 0;
    uint32_t *sum, *col;
    int16_t *lo, *hi;
    float *mean;

    if (r < 2)
        r = 2;
    bw = (w + r - 1) / r;
    bh = (h + r - 1) / r;
    sum = calloc(bw * bh, sizeof *sum);
    mean = malloc(bw * bh * sizeof *mean);
    col = malloc(w * sizeof *col);
    lo = malloc(2 * w * sizeof *lo);
    if (sum == NULL || mean == NULL || col == NULL || lo == NULL) {
        free(sum);
        free(mean);
        free(col);
        free(lo);
        return dg_seterr(e, "out of memory");
    }
    hi = lo + w;
    /* Each band of r rows: its column sums, then their blocks'. */
    for (y = 0; y < h; y += r) {
        size_t y1 = y + r < h ? y + r : h, yy, bx;
        uint32_t *brow = sum + (y / r) * bw;

        memset(col, 0, w * sizeof *col);
        for (yy = y; yy < y1; yy++)
            add_row(col, c8 + yy * w, w);
        for (bx = 0; bx < bw; bx++) {
            size_t x1 = bx * r + r < w ? bx * r + r : w;
            uint32_t acc = 0;

            for (x = bx * r; x < x1; x++)
                acc += col[x];
            brow[bx] = acc;
        }
    }
    for (y = 0; y < bh; y++)
        for (x = 0; x < bw; x++) {
            size_t cw = x + 1 < bw ? r : w - x * r;
            size_t ch = y + 1 < bh ? r : h - y * r;

            sum[y * bw + x] = (uint32_t)((sum[y * bw + x] + cw * ch / 2)
                                         / (cw * ch));
        }
    /* The paper around each block: the median of the block means of its
     * 5 x 5 neighbourhood (ink covers fewer than half of them). */
    for (y = 0; y < bh; y++)
        for (x = 0; x < bw; x++) {
            uint32_t v[25];
            size_t yy, xx, n = 0;

            for (yy = y > 1 ? y - 2 : 0; yy <= y + 2 && yy < bh; yy++)
                for (xx = x > 1 ? x - 2 : 0; xx <= x + 2 && xx < bw; xx++)
                    v[n++] = sum[yy * bw + xx];
            mean[y * bw + x] = (float)median_u32(v, n);
        }
    /* Every other row is enough for a count; each band's bounds are
     * spread over its columns first. */
    for (y = 0; y < h; y += 2) {
        if (y % r < 2) {
            const float *mrow = mean + (y / r) * bw;

            for (x = 0; x < w; x++) {
                lo[x] = (int16_t)((int)mrow[x / r] - POL_DEVIATION);
                hi[x] = (int16_t)((int)mrow[x / r] + POL_DEVIATION);
            }
        }
        count_out(c8 + y * w, lo, hi, w, &neg, &pos);
    }
    free(sum);
    free(mean);
    free(col);
    free(lo);
    if (neg > 2 * pos)
        return 1;
    if (pos > 2 * neg)
        return 0;
    return 2;
}

/* row[x] = min(255, (row[x] ^ flip) f[x] / 256) over n columns. */
DG_VECTORISE static void scale_row(uint8_t *restrict row,
                                   const uint16_t *restrict f, size_t n,
                                   uint8_t flip)
{
    size_t x;

    for (x = 0; x < n; x++) {
        uint32_t v = ((uint32_t)(uint8_t)(row[x] ^ flip) * f[x]) >> 8;

        row[x] = (uint8_t)(v < 255 ? v : 255);
    }
}

/* Normalise c8 (w x h; read inverted when invert) by the inverse of
 * the paper's light, inv: 16-bit factors, 256 for 1, each covering a
 * red x red tile (the last ones reach on to the edge).  Each pixel
 * becomes its level times its tile's factor over 256, at most 255: the
 * product pixApplyInvBackgroundGrayMap makes, done here in place,
 * without the copies into and out of Leptonica's image. */
static int apply_inverse(uint8_t *c8, size_t w, size_t h, int invert,
                         PIX *inv, size_t red, dg_err *e)
{
    const l_uint32 *data = pixGetData(inv);
    size_t wpl = (size_t)pixGetWpl(inv);
    size_t mw = (size_t)pixGetWidth(inv), mh = (size_t)pixGetHeight(inv);
    uint8_t flip = invert ? 0xff : 0;
    uint16_t *f;
    size_t x, y;

    if (mw == 0 || mh == 0)
        return dg_seterr(e, "cannot flatten the paper's light");
    if ((f = malloc(w * sizeof *f)) == NULL)
        return dg_seterr(e, "out of memory");
    for (y = 0; y < h; y++) {
        uint8_t *row = c8 + y * w;

        if (y % red == 0) {
            size_t my = y / red < mh ? y / red : mh - 1;
            const l_uint32 *line = data + my * wpl;
            size_t mx;

            for (x = 0, mx = 0; x < w; mx += mx + 1 < mw) {
                uint16_t v = (uint16_t)GET_DATA_TWO_BYTES(line, mx);
                size_t x1 = mx + 1 < mw && x + red < w ? x + red : w;

                for (; x < x1; x++)
                    f[x] = v;
            }
        }
        scale_row(row, f, w, flip);
    }
    free(f);
    return 1;
}

int paper_flatten(uint8_t *c8, size_t w, size_t h, int dark, int force,
                  dg_err *e)
{
    PIX *src, *map = NULL, *inv = NULL;
    l_int32 red, size;
    int lo, hi, rc = 0;

    if (w < 8 || h < 8)
        return 0;
    lept_quiet();
    map_geometry(w < h ? w : h, &red, &size);
    src = to_pix(c8, w, h, !dark);
    if (src == NULL)
        return dg_seterr(e, "out of memory");
    if (pixGetBackgroundGrayMapMorph(src, NULL, red, size, &map) != 0
        || map == NULL) {
        pixDestroy(&src);
        return dg_seterr(e, "cannot estimate the paper's light");
    }
    pix_range(map, &lo, &hi);
    if (hi - lo < FLAT_RANGE && !force)
        goto done;
    inv = pixGetInvBackgroundMap(map, PAPER_LEVEL, 0, 0);
    rc = inv != NULL ? apply_inverse(c8, w, h, !dark, inv, (size_t)red, e)
         : dg_seterr(e, "cannot flatten the paper's light");
done:
    pixDestroy(&inv);
    pixDestroy(&map);
    pixDestroy(&src);
    return rc;
}
