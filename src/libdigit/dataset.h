/* dataset.h - labelled digit sets in memory: 28x28 bytes and a label each.
 *
 * Sources: an IDX pair PREFIX-images-idx3-ubyte[.gz] and
 * PREFIX-labels-idx1-ubyte[.gz] (MNIST, EMNIST), and folders of custom
 * digits DIR/0/ ... DIR/9/ holding PNM images of any kind, which go
 * through the same preprocessing as pnmdigitprep. */
#ifndef DG_DATASET_H
#define DG_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "dg.h"
#include "prep.h"

typedef struct dg_dataset {
    size_t n;
    uint8_t *x;             /* (n, 784) ink 255 on 0, upright */
    uint8_t *y;             /* (n) labels 0..9, or DG_REJECT */
    size_t ndigit;          /* after dg_dataset_digits_first: the items
                             * [0, ndigit) are digits; 0: not known */
} dg_dataset;

/* Orientation of IDX images on loading. */
enum { DG_ORIENT_AUTO = -1, DG_ORIENT_MNIST = 0, DG_ORIENT_EMNIST = 1 };

/* Load an IDX pair.  orient: DG_ORIENT_AUTO un-transposes when the images
 * file name says EMNIST; DG_ORIENT_EMNIST always; DG_ORIENT_MNIST never.
 * *transposed (may be NULL) tells what was done. */
int dg_dataset_load_idx(dg_dataset *d, const char *prefix, int orient,
                        int *transposed, dg_err *e);

/* Load DIR/0 ... DIR/9 and DIR/reject (examples of "not one digit",
 * labelled DG_REJECT, for a model with that class); missing class
 * folders are allowed, an empty set is not.  Every image of every file,
 * in name order, goes through dg_prep with the given options (single
 * digits). */
int dg_dataset_load_folder(dg_dataset *d, const char *dir,
                           const dg_prep_opts *po, dg_err *e);

/* Append `repeat` copies of s to d. */
int dg_dataset_append(dg_dataset *d, const dg_dataset *s, unsigned repeat,
                      dg_err *e);

/* Move the last n items of d into v (a held-back validation slice). */
int dg_dataset_split_tail(dg_dataset *d, dg_dataset *v, size_t n,
                          dg_err *e);

/* Move the items labelled DG_REJECT after the digits, keeping the order
 * within each; sets d->ndigit and returns it. */
size_t dg_dataset_digits_first(dg_dataset *d);

void dg_dataset_free(dg_dataset *d);

#endif
