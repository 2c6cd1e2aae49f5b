/* montage.h - the picture of misclassified digits that digittrain
 * --evaluate --misclassified writes: legible at 1x, with a legend. */
#ifndef DG_MONTAGE_H
#define DG_MONTAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#define MONTAGE_COLS 20         /* tiles to a row */
#define MONTAGE_TW 30           /* tile width: a 1-pixel frame, 28, 1 */
#define MONTAGE_TH 40           /* tile height: 1, 28, 2, a label of 7, 2 */
#define MONTAGE_LEGEND_H 11     /* the legend's strip on top */
#define MONTAGE_GLYPH_W 5       /* glyphs are 5x7, one blank column apart */
#define MONTAGE_GLYPH_H 7
#define MONTAGE_LEGEND "TRUE>ANSWER  ?=NOT ONE DIGIT"

/* Width in pixels of text in the montage's font. */
size_t montage_text_width(const char *text);

/* Draw text (digits, '?', '>', '=', ' ' and the legend's capitals) into
 * img (w pixels wide) with its top left corner at (x, y), in grey v; other
 * characters are drawn as blanks.  The caller makes sure it fits. */
void montage_text(uint8_t *img, size_t w, size_t x, size_t y,
                  const char *text, uint8_t v);

/* The montage of the items of d whose prediction pred differs from the
 * label (wrong of them), in the order of d: the legend, then MONTAGE_COLS
 * tiles to a row, each the 28x28 image with the label "T>A" (true digit,
 * answer; '?' for "not one digit") centred below it, in white.  Without
 * errors, the legend over one empty tile.  *img is malloc'ed, (*h, *w);
 * returns 0, or -1 when out of memory. */
int montage_render(uint8_t **img, size_t *w, size_t *h, const dg_dataset *d,
                   const uint8_t *pred, size_t wrong);

#endif
