/* segpic.c - the picture --debug writes of how a number was cut: for a
 * person, not a program.
 *
 * From top to bottom: a lattice of the candidates (one bar per
 * candidate over the columns it spans, one row of bars per number of
 * pieces joined; the darker, the cheaper; the chosen ones black), the
 * kept ink in grey with the cuts drawn as dotted lines and a black frame
 * around every chosen digit, and under each frame its reading: the
 * digit ('?' for "not one digit") and the probability in per cent.  The
 * picture is enlarged so that a line of small digits is at least
 * PIC_MIN_HEIGHT pixels high, and reduced when the scan is large. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prep_int.h"

#define PIC_MIN_HEIGHT 96
#define PIC_MAX_HEIGHT 480
#define FONT_W 5
#define FONT_H 7
#define FONT_SCALE 2
#define BAR 4                   /* lattice bar height */
#define BAR_ROWS 8              /* as SEG_SPAN */

#define PAPER 1.0f
#define INK 0.6f
#define CUTLINE 0.3f
#define FRAME 0.0f

/* 5x7 glyphs, one byte per row, bit 4 the leftmost column. */
static const struct glyph {
    char c;
    uint8_t row[FONT_H];
} font[] = {
    { '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
    { '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
    { '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
    { '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
    { '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
    { '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
    { '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
    { '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
    { '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
    { '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
    { '?', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04 } },
    { '%', { 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 } },
};

typedef struct canvas {
    dg_image *im;
    long num, den;              /* scan pixel -> picture: * num / den */
    size_t top;                 /* first row of the scan's picture */
} canvas;

static void put(dg_image *im, long x, long y, float v)
{
    if (x >= 0 && y >= 0 && (size_t)x < im->w && (size_t)y < im->h)
        im->px[(size_t)y * im->w + (size_t)x] = v;
}

static void fill(dg_image *im, long x0, long y0, long x1, long y1, float v)
{
    long x, y;

    for (y = y0; y < y1; y++)
        for (x = x0; x < x1; x++)
            put(im, x, y, v);
}

/* Draw text with its top left corner at (x, y). */
static void text(dg_image *im, long x, long y, const char *s)
{
    size_t g, r, b;

    for (; *s; s++, x += (FONT_W + 1) * FONT_SCALE)
        for (g = 0; g < sizeof font / sizeof *font; g++) {
            if (font[g].c != *s)
                continue;
            for (r = 0; r < FONT_H; r++)
                for (b = 0; b < FONT_W; b++)
                    if (font[g].row[r] & (0x10 >> b))
                        fill(im, x + (long)b * FONT_SCALE,
                             y + (long)r * FONT_SCALE,
                             x + (long)(b + 1) * FONT_SCALE,
                             y + (long)(r + 1) * FONT_SCALE, FRAME);
        }
}

static long to_pic(const canvas *cv, size_t v)
{
    return (long)v * cv->num / cv->den;
}

static void ink_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    const canvas *cv = ctx;

    fill(cv->im, to_pic(cv, x0), (long)cv->top + to_pic(cv, y),
         to_pic(cv, x1) + (cv->num > cv->den ? 0 : 1),
         (long)cv->top + to_pic(cv, y + 1) + (cv->num > cv->den ? 0 : 1),
         INK);
}

/* The dotted line of every cut. */
static void draw_cuts(const canvas *cv, const blobs *b)
{
    size_t k, y;

    for (k = 0; k < b->ncuts; k++) {
        const cut *c = &b->cuts[k];

        for (y = c->y0; y < c->y1; y++)
            if (((y - c->y0) / 2) % 2 == 0)
                put(cv->im, to_pic(cv, (size_t)b->cutx[c->off + y - c->y0]),
                    (long)cv->top + to_pic(cv, y), CUTLINE);
    }
}

/* A two-pixel frame. */
static void frame(dg_image *im, long x0, long y0, long x1, long y1)
{
    fill(im, x0 - 2, y0 - 2, x1 + 2, y0, FRAME);
    fill(im, x0 - 2, y1, x1 + 2, y1 + 2, FRAME);
    fill(im, x0 - 2, y0, x0, y1, FRAME);
    fill(im, x1, y0, x1 + 2, y1, FRAME);
}

/* The lattice: a bar per candidate over its columns, in the row of its
 * number of pieces, grey by cost; the chosen ones black. */
static void draw_lattice(const canvas *cv, const segment *sg,
                         const blobs *b)
{
    size_t i, k;

    for (i = 0; i < sg->ncands; i++) {
        const seg_cand *c = &sg->cands[i];
        size_t x0 = (size_t)-1, x1 = 0;
        float v = (float)(0.35 + 0.55 * (1.0 - exp(-c->cost / 3.0)));
        long y = (long)(c->count - 1) * (BAR + 2) + 2;

        if (!c->read)
            continue;
        for (k = c->first; k < c->first + c->count; k++) {
            x0 = b->pieces[k].x0 < x0 ? b->pieces[k].x0 : x0;
            x1 = b->pieces[k].x1 > x1 ? b->pieces[k].x1 : x1;
        }
        for (k = 0; k < sg->ncells; k++)
            if (sg->cells[k].first == c->first
                && sg->cells[k].count == c->count)
                v = FRAME;
        fill(cv->im, to_pic(cv, x0) + 1, y, to_pic(cv, x1) - 1, y + BAR, v);
    }
}

int segpic_draw(const segment *sg, const blobs *b, size_t W, size_t H,
                dg_image *pic, dg_err *e)
{
    const size_t lattice = BAR_ROWS * (BAR + 2) + 4;
    const size_t label = 2 * (FONT_H * FONT_SCALE + 4) + 4;
    canvas cv;
    size_t i, pw, ph;
    char s[16];

    cv.num = 1;
    cv.den = 1;
    if (sg->href * 1.0 < PIC_MIN_HEIGHT)
        cv.num = (long)ceil(PIC_MIN_HEIGHT / sg->href);
    else if (H > PIC_MAX_HEIGHT)
        cv.den = (long)ceil((double)H / PIC_MAX_HEIGHT);
    cv.top = lattice;
    pw = (size_t)to_pic(&cv, W) + 4;
    ph = lattice + (size_t)to_pic(&cv, H) + label;
    if (dg_image_reshape(pic, pw, ph, e) < 0)
        return -1;
    for (i = 0; i < pw * ph; i++)
        pic->px[i] = PAPER;
    cv.im = pic;
    draw_lattice(&cv, sg, b);
    blobs_walk(b, b->pieces, b->npieces, ink_row, &cv);
    draw_cuts(&cv, b);
    for (i = 0; i < sg->ncells; i++) {
        const seg_cell *c = &sg->cells[i];
        long x0 = to_pic(&cv, c->x0), x1 = to_pic(&cv, c->x1);
        long tx;

        if (c->count == 0)
            continue;
        frame(pic, x0, (long)cv.top + to_pic(&cv, c->y0), x1,
              (long)cv.top + to_pic(&cv, c->y1));
        snprintf(s, sizeof s, "%c %d%%",
                 c->digit >= 0 && c->digit <= 9 ? '0' + c->digit : '?',
                 (int)lround(100.0 * c->prob));
        tx = (x0 + x1) / 2 - (long)strlen(s) * (FONT_W + 1) * FONT_SCALE / 2;
        text(pic, tx < 0 ? 0 : tx,
             (long)(lattice + (size_t)to_pic(&cv, H)) + 4
             + (long)(i % 2) * (FONT_H * FONT_SCALE + 4), s);
    }
    return 0;
}
