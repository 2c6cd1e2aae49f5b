/* montage.c - the montage of misclassified digits (see montage.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "montage.h"
#include "net.h"

/* A 5x7 glyph: seven rows of five, '#' for ink. */
typedef struct glyph {
    char c;
    const char *row[MONTAGE_GLYPH_H];
} glyph;

static const glyph font[] = {
    { '0', { ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###." } },
    { '1', { "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###." } },
    { '2', { ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####" } },
    { '3', { "#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###." } },
    { '4', { "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#." } },
    { '5', { "#####", "#....", "####.", "....#", "....#", "#...#", ".###." } },
    { '6', { "..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###." } },
    { '7', { "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..." } },
    { '8', { ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###." } },
    { '9', { ".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.." } },
    { '?', { ".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.." } },
    { '>', { ".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..." } },
    { '=', { ".....", ".....", "#####", ".....", "#####", ".....", "....." } },
    { 'A', { ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#" } },
    { 'D', { "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####." } },
    { 'E', { "#####", "#....", "#....", "####.", "#....", "#....", "#####" } },
    { 'G', { ".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".###." } },
    { 'I', { ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###." } },
    { 'N', { "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#" } },
    { 'O', { ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###." } },
    { 'R', { "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#" } },
    { 'S', { ".####", "#....", "#....", ".###.", "....#", "....#", "####." } },
    { 'T', { "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.." } },
    { 'U', { "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###." } },
    { 'W', { "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#" } },
};

/* The glyph of c, or NULL (drawn blank). */
static const glyph *glyph_of(char c)
{
    size_t i;

    for (i = 0; i < sizeof font / sizeof font[0]; i++)
        if (font[i].c == c)
            return &font[i];
    return NULL;
}

size_t montage_text_width(const char *text)
{
    const size_t n = strlen(text);

    return n ? n * (MONTAGE_GLYPH_W + 1) - 1 : 0;
}

void montage_text(uint8_t *img, size_t w, size_t x, size_t y,
                  const char *text, uint8_t v)
{
    size_t i, r, k;

    for (i = 0; text[i] != '\0'; i++) {
        const glyph *g = glyph_of(text[i]);
        const size_t x0 = x + i * (MONTAGE_GLYPH_W + 1);

        for (r = 0; g != NULL && r < MONTAGE_GLYPH_H; r++)
            for (k = 0; k < MONTAGE_GLYPH_W; k++)
                if (g->row[r][k] == '#')
                    img[(y + r) * w + x0 + k] = v;
    }
}

/* One tile at (x0, y0): the image of item i and its label. */
static void draw_tile(uint8_t *img, size_t w, size_t x0, size_t y0,
                      const dg_dataset *d, size_t i, unsigned answer)
{
    char label[4];
    size_t y;

    for (y = 0; y < DG_CELL; y++)
        memcpy(img + (y0 + 1 + y) * w + x0 + 1,
               d->x + i * DG_CELL_PIXELS + y * DG_CELL, DG_CELL);
    label[0] = (char)('0' + d->y[i]);
    label[1] = '>';
    label[2] = answer == DG_REJECT ? '?' : (char)('0' + answer);
    label[3] = '\0';
    montage_text(img, w, x0 + (MONTAGE_TW - montage_text_width(label)) / 2,
                 y0 + 1 + DG_CELL + 2, label, 255);
}

int montage_render(uint8_t **img, size_t *w, size_t *h, const dg_dataset *d,
                   const uint8_t *pred, size_t wrong)
{
    const size_t cols = MONTAGE_COLS;
    const size_t ncols = wrong < cols ? (wrong ? wrong : 1) : cols;
    const size_t rows = wrong ? (wrong + cols - 1) / cols : 1;
    const size_t legend = montage_text_width(MONTAGE_LEGEND) + 4;
    size_t i, k = 0;

    *w = ncols * MONTAGE_TW > legend ? ncols * MONTAGE_TW : legend;
    *h = MONTAGE_LEGEND_H + rows * MONTAGE_TH;
    *img = calloc(*w * *h, 1);
    if (*img == NULL)
        return -1;
    montage_text(*img, *w, 2, 2, MONTAGE_LEGEND, 255);
    for (i = 0; i < d->n; i++) {
        if (pred[i] == d->y[i])
            continue;
        draw_tile(*img, *w, (k % cols) * MONTAGE_TW,
                  MONTAGE_LEGEND_H + (k / cols) * MONTAGE_TH, d, i, pred[i]);
        k++;
    }
    return 0;
}
