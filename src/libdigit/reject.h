/* reject.h - examples of the class "not one digit", made on the fly.
 *
 * A model of DG_MAX_CLASS classes (net.h) has, after the ten digits, the
 * class DG_REJECT: the cell does not hold one whole digit.  The cells a
 * segmentation cuts out of a number include pieces of digits, two digits
 * at once, half a digit with a piece of the next, specks and stubs of
 * lines; dg_reject_make draws one such cell from training digits.  It
 * renders the pieces on a small canvas (ink 1 on 0) and normalises the
 * canvas exactly as pnmdigitprep normalises a candidate cell
 * (dg_prep_cell, deskewed, grey levels kept), so the network meets
 * rejects in the form the segmentation will show them.
 *
 * A cell that would still be one whole digit is not made: a fragment is
 * cut only from a digit wide enough to lose something by the cut, keeps
 * 15 to 70 % of its ink, and must look unlike the whole digit once both
 * are normalised, and unlike a 1 (a piece of a 1 is still a 1).
 *
 * Everything random comes from the caller's dg_rng: the same state and
 * the same digits give the same cell, bit for bit.  A generator holds
 * only scratch memory; threads need one each. */
#ifndef DG_REJECT_H
#define DG_REJECT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "dg.h"
#include "rng.h"

enum dg_reject_kind {
    DG_REJECT_FRAGMENT,     /* part of one digit: a vertical or slanted
                             * cut at 25-65 % of its width, or its top or
                             * bottom part */
    DG_REJECT_PAIR,         /* two whole digits side by side: gap -3 to
                             * +6 px, heights +-10 %, baselines +-2 px */
    DG_REJECT_STRADDLE,     /* the second half of a digit and the first
                             * piece of the next */
    DG_REJECT_SPECK,        /* one to three small blobs */
    DG_REJECT_STUB,         /* a short straight stroke, horizontal or a
                             * stubby vertical one */
    DG_REJECT_NKINDS
};

typedef struct dg_reject_gen dg_reject_gen;

/* A generator (scratch memory only), or NULL when out of memory. */
dg_reject_gen *dg_reject_gen_new(void);
void dg_reject_gen_free(dg_reject_gen *g);

/* Make one random "not one digit" cell into out (DG_CELL x DG_CELL,
 * row-major, ink 1 on 0, normalised like a cell of pnmdigitprep) from
 * the n digit images of digits ((n, DG_CELL_PIXELS) bytes, ink 255 on 0,
 * upright: a dg_dataset's x), drawing every random choice from r.  The
 * kind is drawn too: fragments 30 %, pairs 25 %, straddles 25 %, specks
 * 10 %, stubs 10 %.  Returns 0, or -1 with e (no digits, or out of
 * memory). */
int dg_reject_make(dg_reject_gen *g, dg_rng *r, const uint8_t *digits,
                   size_t n, float *out, dg_err *e);

/* The same with the kind chosen by the caller (an enum dg_reject_kind).
 * When the digits do not allow that kind (say every try at a fragment
 * stays too close to a whole digit, or every digit is blank), a stub is
 * made instead; dg_reject_kind tells which. */
int dg_reject_make_kind(dg_reject_gen *g, int kind, dg_rng *r,
                        const uint8_t *digits, size_t n, float *out,
                        dg_err *e);

/* The kind of the last cell g made (-1 before the first). */
int dg_reject_kind(const dg_reject_gen *g);

/* A labelled set of count reject cells (as bytes, every label
 * DG_REJECT) made from the digits of from, item i from the stream
 * (seed, i) of dg_rng_seed2: for measuring how well a model tells them
 * apart.  d is overwritten; free it with dg_dataset_free. */
int dg_reject_set(dg_dataset *d, const dg_dataset *from, size_t count,
                  uint64_t seed, dg_err *e);

#endif
