/* pnmio.c - Netpbm stream input and PGM output.
 *
 * libnetpbm reports bad input through pm_error, which would print and
 * exit; here every libnetpbm call runs under pm_setjmpbuf with a user
 * message function that captures the text, so a bad image becomes an
 * ordinary error return. */
#include <config.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <pam.h>

#include "colour.h"
#include "pnmio.h"

struct dg_pnm_reader {
    FILE *f;
    int spent;              /* an error happened: refuse further reads */
    const char *foreign;    /* another format's name, when one was seen
                             * where an image should start */
    dg_pnm_info last;
    unsigned char *raw;     /* raw rows for the fast path */
    size_t rawcap;
    dg_colour_hist hist;    /* of the colour image being read */
    size_t max_pixels;      /* larger images are reduced; 0: never */
    int keep_colours;       /* no dropout of printed lines by colour */
    int want_mask;          /* keep the mask of the pixels dropped */
    uint8_t *mask;          /* (h, w) of the last image, when want_mask */
    size_t maskcap;
    float *line, *acc;      /* reducing: one row decoded; sums of a band
                             * of rows, (w / k, channels) */
    size_t linecap, acccap;
};

/* The text of the last libnetpbm error (captured, not printed). */
static char nperr[DG_ERRMAX];

static void capture_error(const char *msg)
{
    size_t n;

    snprintf(nperr, sizeof nperr, "%s", msg);
    n = strlen(nperr);
    while (n > 0 && (nperr[n - 1] == '\n' || nperr[n - 1] == '.'))
        nperr[--n] = '\0';
}

static void drop_message(const char *msg)
{
    (void)msg;
}

void dg_pnm_init(const char *prog)
{
    int argc = 1;
    char *argv[2];

    argv[0] = (char *)prog;
    argv[1] = NULL;
    pm_init(prog, 0);
    (void)argc;
    (void)argv;
    pm_setusererrormsgfn(capture_error);
    pm_setusermessagefn(drop_message);
}

dg_pnm_reader *dg_pnm_open(FILE *f, dg_err *e)
{
    dg_pnm_reader *r = calloc(1, sizeof *r);

    if (r == NULL) {
        dg_seterr(e, "out of memory");
        return NULL;
    }
    r->f = f;
    return r;
}

void dg_pnm_close(dg_pnm_reader *r)
{
    if (r != NULL) {
        free(r->raw);
        free(r->line);
        free(r->acc);
        free(r->mask);
        free(r);
    }
}

void dg_pnm_reduce_above(dg_pnm_reader *r, size_t max_pixels)
{
    r->max_pixels = max_pixels;
}

void dg_pnm_dropout(dg_pnm_reader *r, int on)
{
    r->keep_colours = !on;
}

void dg_pnm_keep_dropout_mask(dg_pnm_reader *r, int on)
{
    r->want_mask = on;
}

const uint8_t *dg_pnm_dropout_mask(const dg_pnm_reader *r)
{
    return r->want_mask && r->last.dropped > 0 ? r->mask : NULL;
}

const dg_pnm_info *dg_pnm_last(const dg_pnm_reader *r)
{
    return &r->last;
}

/* Make room for rows [0, need) of a w-wide image whose full height is h,
 * growing geometrically (but never beyond h) so that a truncated stream
 * under a huge header costs only what it delivered. */
static int grow_rows(dg_image *im, size_t w, size_t h, size_t need,
                     size_t *cap, dg_err *e)
{
    float *p;
    size_t ncap = *cap;

    if (need <= *cap)
        return 0;
    while (ncap < need)
        ncap = ncap < 64 ? 64 : ncap * 2;
    if (ncap > h)
        ncap = h;
    p = realloc(im->px, w * ncap * sizeof *p);
    if (p == NULL)
        return dg_seterr(e, "out of memory reading a %zu-wide image", w);
    im->px = p;
    *cap = ncap;
    return 0;
}

/* Fill one grey row from a tuple row of pam (any depth >= 1); colour
 * samples are packed for dg_colour_to_grey, counted in hist. */
static inline uint8_t dg_sample8(sample v, float s8)
{
    return (uint8_t)((float)v * s8 + 0.5f);
}

static void tuples_to_grey(const struct pam *pam, tuple *row, float *out,
                           dg_colour_hist *hist)
{
    const float scale = 1.0f / (float)pam->maxval;
    int x;

    if (pam->depth >= 3) {
        const float s8 = 255.0f * scale;

        for (x = 0; x < pam->width; x++)
            dg_colour_pack(out + x, dg_sample8(row[x][0], s8),
                           dg_sample8(row[x][1], s8),
                           dg_sample8(row[x][2], s8), hist);
    } else {
        for (x = 0; x < pam->width; x++)
            out[x] = row[x][0] * scale;
    }
}

/* Raw rows are read this many bytes at a time (or one row, if longer):
 * a call to fread for each row of a small image cost more than the
 * copying. */
#define RAW_CHUNK 32768

/* Raw 8-bit PGM and PPM: read rows with fread, bypassing the tuple
 * machinery, which is several times slower.  Returns 0 or -1. */
static int read_fast(dg_pnm_reader *r, const struct pam *pam, dg_image *im,
                     size_t *cap, dg_err *e)
{
    const size_t w = (size_t)pam->width, h = (size_t)pam->height;
    const size_t ch = pam->format == RPPM_FORMAT ? 3 : 1;
    const size_t per = RAW_CHUNK / (w * ch) > 0 ? RAW_CHUNK / (w * ch) : 1;
    const float scale = 1.0f / (float)pam->maxval;
    size_t y, x, c, y1 = 0;
    dg_colour_hist odd;

    if (ch == 3)
        memset(&odd, 0, sizeof odd);
    if (r->rawcap < per * w * ch) {
        unsigned char *p = realloc(r->raw, per * w * ch);

        if (p == NULL)
            return dg_seterr(e, "out of memory");
        r->raw = p;
        r->rawcap = per * w * ch;
    }
    for (y = 0; y < h; y++) {
        const unsigned char *raw = r->raw + (y % per) * w * ch;
        float *out;

        if (y == y1) {
            size_t n = h - y < per ? h - y : per, got;

            /* The rows grow with what arrives: a header that promises
             * more than is sent costs no more than was sent. */
            if (grow_rows(im, w, h, y + n, cap, e) < 0)
                return -1;
            got = fread(r->raw, 1, n * w * ch, r->f);
            if (got != n * w * ch)
                return dg_seterr(e, "truncated raster: %zu of %zu rows",
                                 y + got / (w * ch), h);
            y1 = y + n;
        }
        out = im->px + y * w;
        if (ch == 1) {
            for (x = 0; x < w; x++)
                out[x] = raw[x] * scale;
        } else {
            const unsigned char *p = raw;

            /* Neighbours count into two histograms: paper's pixels,
             * alike, would wait on each other's counts. */
            for (x = 0; x + 1 < w; x += 2, p += 6) {
                dg_colour_pack(out + x, p[0], p[1], p[2], &r->hist);
                dg_colour_pack(out + x + 1, p[3], p[4], p[5], &odd);
            }
            if (x < w)
                dg_colour_pack(out + x, p[0], p[1], p[2], &r->hist);
        }
    }
    if (ch == 3)
        for (c = 0; c < 3; c++)
            for (x = 0; x < 256; x++)
                r->hist.h[c][x] += odd.h[c][x];
    return 0;
}

/* ---- reducing a large image while it is read ---- */

/* The least factor k with ceil(w / k) ceil(h / k) <= max (1: none). */
static size_t reduction(size_t w, size_t h, size_t max)
{
    size_t k = 1;

    if (max == 0)
        return 1;
    while (((w + k - 1) / k) * ((h + k - 1) / k) > max)
        k++;
    return k;
}

/* Decode the next row of the raster into r->line: ch samples a pixel in
 * [0, 1] (ch 3 for colour, else 1).  Under libnetpbm's error jump. */
static int decode_row(dg_pnm_reader *r, const struct pam *pam, tuple *row,
                      size_t ch, size_t y, dg_err *e)
{
    const size_t w = (size_t)pam->width;
    const float scale = 1.0f / (float)pam->maxval;
    size_t x, c;

    if (row == NULL) {              /* raw 8-bit PGM or PPM */
        if (fread(r->raw, 1, w * ch, r->f) != w * ch)
            return dg_seterr(e, "truncated raster: %zu of %d rows", y,
                             pam->height);
        for (x = 0; x < w * ch; x++)
            r->line[x] = r->raw[x] * scale;
        return 0;
    }
    pnm_readpamrow(pam, row);
    for (x = 0; x < w; x++)
        for (c = 0; c < ch; c++)
            r->line[x * ch + c] = row[x][c] * scale;
    return 0;
}

/* Write the averages of the band of rows summed in r->acc (rows of it,
 * of a w-wide image reduced by k into ow columns) as output row out. */
static void emit_band(dg_pnm_reader *r, size_t w, size_t ow, size_t k,
                      size_t ch, size_t rows, float *out)
{
    size_t ox, c;

    for (ox = 0; ox < ow; ox++) {
        size_t cols = ox + 1 < ow ? k : w - ox * k;
        float n = (float)(cols * rows), v[3];

        for (c = 0; c < ch; c++)
            v[c] = r->acc[ox * ch + c] / n;
        if (ch == 3)
            dg_colour_pack(out + ox, dg_to_byte(v[0]), dg_to_byte(v[1]),
                           dg_to_byte(v[2]), &r->hist);
        else
            out[ox] = v[0];
    }
    memset(r->acc, 0, ow * ch * sizeof *r->acc);
}

/* Read the raster reduced k times (each output pixel the mean of a k x k
 * block), so a huge page never exists at full size in memory. */
static int read_reduced(dg_pnm_reader *r, const struct pam *pam,
                        dg_image *im, tuple **rowp, size_t k, size_t *cap,
                        dg_err *e)
{
    const size_t w = (size_t)pam->width, h = (size_t)pam->height;
    const size_t ow = (w + k - 1) / k, oh = (h + k - 1) / k;
    const size_t ch = pam->depth >= 3 ? 3 : 1;
    size_t y, x, c, band = 0;

    if (dg_grow(&r->line, &r->linecap, w * ch, sizeof *r->line, e) < 0
        || dg_grow(&r->acc, &r->acccap, ow * ch, sizeof *r->acc, e) < 0
        || dg_grow(&r->raw, &r->rawcap, w * ch, 1, e) < 0)
        return -1;
    memset(r->acc, 0, ow * ch * sizeof *r->acc);
    if (!((pam->format == RPGM_FORMAT || pam->format == RPPM_FORMAT)
          && pam->maxval <= 255))
        *rowp = pnm_allocpamrow(pam);
    for (y = 0; y < h; y++) {
        if (decode_row(r, pam, *rowp, ch, y, e) < 0)
            return -1;
        for (x = 0; x < w; x++)
            for (c = 0; c < ch; c++)
                r->acc[(x / k) * ch + c] += r->line[x * ch + c];
        if (++band == k || y + 1 == h) {
            if (grow_rows(im, ow, oh, y / k + 1, cap, e) < 0)
                return -1;
            emit_band(r, w, ow, k, ch, band, im->px + (y / k) * ow);
            band = 0;
        }
    }
    if (*rowp != NULL) {
        pnm_freepamrow(*rowp);
        *rowp = NULL;
    }
    im->w = ow;
    im->h = oh;
    return 0;
}

static void describe(dg_pnm_info *info, const struct pam *pam)
{
    int type = PAM_FORMAT_TYPE(pam->format);

    snprintf(info->kind, sizeof info->kind, "%s",
             type == PBM_TYPE ? "PBM" : type == PGM_TYPE ? "PGM"
             : type == PPM_TYPE ? "PPM" : "PAM");
    info->plain = pam->format == PBM_FORMAT || pam->format == PGM_FORMAT
                  || pam->format == PPM_FORMAT;
    info->maxval = (unsigned)pam->maxval;
    info->depth = pam->depth;
    info->dropped = 0;
}

/* The part that runs under libnetpbm's error jump.  Everything it
 * allocates is reachable from r or im, so a longjmp leaks nothing. */
static int read_image(dg_pnm_reader *r, dg_image *im, tuple **rowp,
                      dg_err *e)
{
    struct pam pam;
    size_t cap = 0, w, h, y, k;

    /* (Netpbm's PAM_STRUCT_SIZE does this through a null pointer, which
     * is undefined behaviour.) */
    pnm_readpaminit(r->f, &pam, offsetof(struct pam, tuple_type)
                                + sizeof pam.tuple_type);
    describe(&r->last, &pam);
    w = (size_t)pam.width;
    h = (size_t)pam.height;
    if (w > DG_MAX_SIDE || h > DG_MAX_SIDE || w * h > DG_MAX_PIXELS)
        return dg_seterr(e, "image too large (%zux%zu, limit %dx%d and "
                         "%zu pixels)", w, h, DG_MAX_SIDE, DG_MAX_SIDE,
                         DG_MAX_PIXELS);
    if (pam.depth < 1 || pam.depth > 4)
        return dg_seterr(e, "unsupported PAM depth %u (want 1 to 4)",
                         pam.depth);
    /* Reuse the buffer of the previous image: it holds at least its
     * w * h pixels, that is this many rows of the new width. */
    cap = im->px != NULL ? im->w * im->h / w : 0;
    im->w = im->h = 0;
    memset(&r->hist, 0, sizeof r->hist);
    k = reduction(w, h, r->max_pixels);
    r->last.scale = (unsigned)k;
    if (k > 1) {
        cap = im->px != NULL ? im->w * im->h / ((w + k - 1) / k) : 0;
        im->w = im->h = 0;
        if (read_reduced(r, &pam, im, rowp, k, &cap, e) < 0)
            return -1;
    } else if ((pam.format == RPGM_FORMAT || pam.format == RPPM_FORMAT)
               && pam.maxval <= 255) {
        if (read_fast(r, &pam, im, &cap, e) < 0)
            return -1;
    } else {
        *rowp = pnm_allocpamrow(&pam);
        for (y = 0; y < h; y++) {
            if (grow_rows(im, w, h, y + 1, &cap, e) < 0)
                return -1;
            pnm_readpamrow(&pam, *rowp);
            tuples_to_grey(&pam, *rowp, im->px + y * w, &r->hist);
        }
        pnm_freepamrow(*rowp);
        *rowp = NULL;
    }
    if (k == 1) {
        im->w = w;
        im->h = h;
    }
    if (pam.depth >= 3) {
        uint8_t *mask = NULL;

        if (r->want_mask && !r->keep_colours) {
            if (r->maskcap < im->w * im->h) {
                uint8_t *m = realloc(r->mask, im->w * im->h);

                if (m == NULL)
                    return dg_seterr(e, "out of memory");
                r->mask = m;
                r->maskcap = im->w * im->h;
            }
            mask = r->mask;
        }
        r->last.dropped = dg_colour_to_grey(im, &r->hist, !r->keep_colours,
                                            mask);
    }
    return 0;
}

/* Name the image format whose signature starts sig (n bytes), or
 * NULL: what people give a PNM filter by mistake. */
static const char *format_of(const unsigned char *sig, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *name;
    } known[] = {
        { "\x89PNG", 4, "PNG" }, { "\xff\xd8\xff", 3, "JPEG" },
        { "GIF8", 4, "GIF" }, { "II*\0", 4, "TIFF" }, { "MM\0*", 4, "TIFF" },
        { "BM", 2, "BMP" }, { "RIFF", 4, "WebP" }, { "\x1f\x8b", 2, "gzip" },
        { "%PDF", 4, "PDF" }
    };
    size_t i;

    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (n >= known[i].len && memcmp(sig, known[i].magic, known[i].len)
            == 0)
            return known[i].name;
    return NULL;
}

/* Where an image should start: refuse, in words a user can act on, a
 * file of another image format.  Returns 0 when the next byte may start
 * a Netpbm header (it is left unread), else -1. */
static int check_signature(dg_pnm_reader *r, dg_err *e)
{
    unsigned char sig[4];
    int c = getc(r->f);
    size_t n = 0;

    if (c == 'P' || c == EOF) {
        if (c != EOF)
            ungetc(c, r->f);
        return 0;
    }
    /* Not Netpbm whatever follows: the stream is spent, so read on. */
    sig[n++] = (unsigned char)c;
    while (n < sizeof sig && (c = getc(r->f)) != EOF)
        sig[n++] = (unsigned char)c;
    r->spent = 1;
    r->foreign = format_of(sig, n);
    if (r->foreign != NULL)
        return dg_seterr(e, "not a PNM image but %s data", r->foreign);
    return dg_seterr(e, "not a valid PNM image (bad magic number 0x%02x%02x)",
                     sig[0], n > 1 ? sig[1] : 0);
}

const char *dg_pnm_foreign(const dg_pnm_reader *r)
{
    return r->foreign;
}

int dg_pnm_read(dg_pnm_reader *r, dg_image *im, dg_err *e)
{
    jmp_buf jb, *saved;
    tuple *volatile row = NULL;
    int eof = 0, rc;

    if (r->spent)
        return dg_seterr(e, "stream already failed");
    if (setjmp(jb) != 0) {
        pm_setjmpbuf(saved);
        if (row != NULL)
            pnm_freepamrow(row);
        r->spent = 1;
        if (strstr(nperr, "EOF") != NULL || strstr(nperr, "premature") != NULL)
            return dg_seterr(e, "truncated image (%s)", nperr);
        return dg_seterr(e, "not a valid PNM image (%s)", nperr);
    }
    pm_setjmpbufsave(&jb, &saved);
    pnm_nextimage(r->f, &eof);
    if (eof) {
        pm_setjmpbuf(saved);
        return 0;
    }
    if (check_signature(r, e) < 0) {
        pm_setjmpbuf(saved);
        return -1;
    }
    rc = read_image(r, im, (tuple **)&row, e);
    pm_setjmpbuf(saved);
    if (rc < 0) {
        r->spent = 1;
        return -1;
    }
    return 1;
}

int dg_pgm_write_bytes(FILE *f, const uint8_t *px, size_t w, size_t h,
                       dg_err *e)
{
    if (fprintf(f, "P5\n%zu %zu\n255\n", w, h) < 0
        || fwrite(px, 1, w * h, f) != w * h || ferror(f))
        return dg_seterr(e, "write error");
    return 0;
}

int dg_pgm_write(FILE *f, const dg_image *im, dg_err *e)
{
    uint8_t buf[4096];
    size_t n = im->w * im->h, i = 0;

    if (fprintf(f, "P5\n%zu %zu\n255\n", im->w, im->h) < 0)
        return dg_seterr(e, "write error");
    while (i < n) {
        size_t k = n - i < sizeof buf ? n - i : sizeof buf, j;

        for (j = 0; j < k; j++)
            buf[j] = dg_to_byte(im->px[i + j]);
        if (fwrite(buf, 1, k, f) != k)
            return dg_seterr(e, "write error");
        i += k;
    }
    return ferror(f) ? dg_seterr(e, "write error") : 0;
}
