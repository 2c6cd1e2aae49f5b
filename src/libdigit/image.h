/* image.h - grey images as libdigit passes them around.
 *
 * A dg_image is a w x h raster of floats, row-major, one sample per pixel,
 * holding the file's sample divided by its maxval: 0 is black, 1 is white.
 * (In a digit image of the MNIST convention, ink is bright, so ink is 1.)
 * Colour images are converted to grey when read; see pnmio.h. */
#ifndef DG_IMAGE_H
#define DG_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dg.h"

/* The largest image any tool accepts, in pixels; beyond it a header is
 * refused before anything is allocated.  (A 16384 x 16384 scan fits.) */
#define DG_MAX_PIXELS ((size_t)1 << 28)

/* The digit-image contract between the tools (DESIGN.md). */
#define DG_CELL 28          /* a cell is DG_CELL x DG_CELL */
#define DG_BOX 20           /* the longer side of the digit's box */
#define DG_CELL_PIXELS (DG_CELL * DG_CELL)

typedef struct dg_image {
    size_t w, h;
    float *px;              /* (h, w) */
} dg_image;

/* Allocate a zeroed w x h image.  Refuses 0 sizes and more than
 * DG_MAX_PIXELS pixels. */
int dg_image_alloc(dg_image *im, size_t w, size_t h, dg_err *e);

/* Resize im to w x h (contents undefined), reusing its buffer when it is
 * large enough. */
int dg_image_reshape(dg_image *im, size_t w, size_t h, dg_err *e);

void dg_image_free(dg_image *im);

/* Convert a float sample in [0, 1] to a byte, rounding and clamping. */
static inline uint8_t dg_to_byte(float v)
{
    v = v * 255.0f + 0.5f;
    return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)v;
}

#endif
