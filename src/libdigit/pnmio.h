/* pnmio.h - reading and writing Netpbm streams.  The only part of the
 * project that includes Netpbm's headers.
 *
 * A reader takes a stream of any number of PBM, PGM, PPM or PAM images
 * (plain or raw, maxval up to 65535) and hands them out one at a time as
 * grey dg_images (sample / maxval; colour converted with weights decided
 * from the image, and printed lines of a dropout colour made paper, see
 * colour.h; an alpha channel ignored).  Memory grows with the rows actually read, never
 * with what a header claims, so a lying header cannot make it allocate
 * without bound.  Errors from libnetpbm are caught and returned as
 * messages: nothing here prints or exits. */
#ifndef DG_PNMIO_H
#define DG_PNMIO_H

#include <stdint.h>
#include <stdio.h>

#include "dg.h"
#include "image.h"

/* Longest side accepted, in pixels. */
#define DG_MAX_SIDE 65536

/* Initialise libnetpbm for program name prog.  Call once, after parsing
 * options (Netpbm's own initialiser would take --version for itself). */
void dg_pnm_init(const char *prog);

typedef struct dg_pnm_reader dg_pnm_reader;

/* What the last image read was, as the file said. */
typedef struct dg_pnm_info {
    char kind[8];           /* "PBM", "PGM", "PPM", "PAM" */
    int plain;              /* plain (ASCII) format */
    unsigned maxval;
    unsigned depth;         /* samples per pixel in the file */
    unsigned scale;         /* the image was reduced this many times
                             * (1: not at all); see dg_pnm_reduce_above */
    size_t dropped;         /* pixels of a dropout colour made paper */
} dg_pnm_info;

/* Start reading the stream f (not closed by the reader). */
dg_pnm_reader *dg_pnm_open(FILE *f, dg_err *e);

/* Read the next image of the stream into im (reshaped as needed).
 * Returns 1 when an image was read, 0 at the end of the stream (nothing
 * but white space left), -1 on error (bad header, truncated raster,
 * unsupported depth, too large); after an error the reader is spent. */
int dg_pnm_read(dg_pnm_reader *r, dg_image *im, dg_err *e);

/* From now on, hand out an image of more than max_pixels pixels reduced
 * by the least whole factor k that brings it within max_pixels, each
 * pixel the mean of a k x k block, read so that the full-size image is
 * never held (0, the default: never reduce). */
void dg_pnm_reduce_above(dg_pnm_reader *r, size_t max_pixels);

/* Whether colour images have printed lines of a dropout colour (a
 * third colour beside paper and ink: light blue rules, red boxes) made
 * paper as they become grey; on by default.  See colour.h. */
void dg_pnm_dropout(dg_pnm_reader *r, int on);

/* Whether to keep, for each image, which pixels were dropped (for a
 * picture of them); off by default. */
void dg_pnm_keep_dropout_mask(dg_pnm_reader *r, int on);

/* After dg_pnm_read, with the mask kept: 1 for each pixel of the image
 * (h, w, as read) that was of a dropout colour and made paper, else 0;
 * NULL when none was.  Valid until the next read. */
const uint8_t *dg_pnm_dropout_mask(const dg_pnm_reader *r);

/* Facts about the image last read by dg_pnm_read. */
const dg_pnm_info *dg_pnm_last(const dg_pnm_reader *r);

/* After an error: the name of the other image format ("PNG", "JPEG",
 * "GIF", "TIFF", "BMP", "WebP", "gzip", "PDF") whose data were found
 * where an image should start, or NULL. */
const char *dg_pnm_foreign(const dg_pnm_reader *r);

void dg_pnm_close(dg_pnm_reader *r);

/* Write a raw PGM of maxval 255 from bytes (h, w).  Returns -1 with a
 * message when the stream reports a write error. */
int dg_pgm_write_bytes(FILE *f, const uint8_t *px, size_t w, size_t h,
                       dg_err *e);

/* Write a dg_image as a raw PGM of maxval 255 (samples in [0,1]). */
int dg_pgm_write(FILE *f, const dg_image *im, dg_err *e);

#endif
