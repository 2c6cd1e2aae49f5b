/* colour.h - how a colour image becomes grey, decided from the image.
 *
 * One fixed weighting (Rec. 601 luma) loses coloured ink: a red pen is
 * about as bright as grey paper in luma.  Here each channel is weighted
 * by the square of the contrast it shows between paper and ink (its
 * bright and dark ends), so the channels where the ink is dark count
 * most: black ink weighs them alike, a red pen is read in green and
 * blue, a blue pen in red and green.
 *
 * Printed lines in a dropout colour (light blue rules, red margins and
 * form boxes under dark ink) are made paper here: a pixel that is not
 * dark and shows a hue, relative to the paper, that none of the dark
 * pixels (the inks) show, is of a third colour, and it becomes the
 * paper, lit as brightly as the pixel's brightest channel says
 * (dg_colour_to_grey's dropout).  Lines of an ink's own hue, and grey
 * ones, stay.
 *
 * While an image is read, each pixel's three 8-bit samples are packed
 * into the 32 bits of its float (dg_colour_pack), so the decision costs
 * no memory beyond the grey image; dg_colour_to_grey then replaces the
 * packed pixels by their grey, in place. */
#ifndef DG_COLOUR_H
#define DG_COLOUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image.h"

/* Per-channel histograms of the samples packed so far. */
typedef struct dg_colour_hist {
    uint32_t h[3][256];
} dg_colour_hist;

/* Store the samples r, g, b (0..255) in *px and count them in hist. */
static inline void dg_colour_pack(float *px, uint8_t r, uint8_t g,
                                  uint8_t b, dg_colour_hist *hist)
{
    uint32_t v = (uint32_t)r | (uint32_t)g << 8 | (uint32_t)b << 16;

    memcpy(px, &v, sizeof v);
    hist->h[0][r]++;
    hist->h[1][g]++;
    hist->h[2][b]++;
}

/* The weights (summing to 1) that make grey from the channels of an
 * image with histograms hist. */
void dg_colour_weights(const dg_colour_hist *hist, float w[3]);

/* Replace every packed pixel of im by its grey in [0, 1], with the
 * weights that hist decides; with dropout, pixels of a third colour
 * (no ink's hue, not dark) become paper.  Returns how many pixels were
 * dropped; when some were and mask is not NULL, mask (w * h) holds 1
 * for each of them and 0 elsewhere. */
size_t dg_colour_to_grey(dg_image *im, const dg_colour_hist *hist,
                         int dropout, uint8_t *mask);

#endif
