/* idx.h - IDX files (MNIST, EMNIST), gzip-compressed or plain.
 *
 * Only unsigned-byte IDX files of 1 to 3 dimensions are read (all that
 * the digit sets use).  The reader checks the magic, the dimensions, and
 * that the data are exactly as long as the header says; memory grows with
 * the data actually read, up to DG_IDX_MAX_BYTES. */
#ifndef DG_IDX_H
#define DG_IDX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dg.h"

#define DG_IDX_MAX_BYTES ((size_t)1 << 31)

typedef struct dg_idx {
    unsigned ndim;
    uint32_t dim[3];
    size_t count;           /* product of the dimensions */
    uint8_t *data;          /* (count) */
} dg_idx;

/* Read path (gzip or plain, told apart by content).  Data after the
 * gzip stream (other than a further gzip member) is refused, as data
 * after the announced size is. */
int dg_idx_read(dg_idx *idx, const char *path, dg_err *e);

/* The same from an open stream f, named name in messages (not closed).
 * Not reentrant: it uses one static buffer. */
int dg_idx_read_stream(dg_idx *idx, FILE *f, const char *name, dg_err *e);

void dg_idx_free(dg_idx *idx);

/* Transpose every (rows, cols) image of an (n, rows, cols) set in place:
 * EMNIST stores its images transposed relative to MNIST. */
int dg_idx_transpose(dg_idx *idx, dg_err *e);

/* Does the file name say EMNIST (case-insensitive "emnist")? */
int dg_idx_is_emnist(const char *path);

#endif
