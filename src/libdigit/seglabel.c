/* seglabel.c - labels for training the class "not one digit" on the
 * candidates the segmentation really meets: after seg_choose has read a
 * number whose digits are known, the reading of least cost that spells
 * them (a forced alignment) says which candidate stands for which digit;
 * a candidate holding parts of two digits of it is "not one digit".
 * See dg_prep_label in prep.h and scripts/label-candidates. */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "prep_int.h"

/* The ink that candidates x and y share (pieces are shared whole or
 * not at all), and the ink of each. */
static void shared_ink(const blobs *b, const seg_cand *x, const seg_cand *y,
                       double *both, double *inx, double *iny)
{
    size_t lo = x->first > y->first ? x->first : y->first;
    size_t hi = x->first + x->count < y->first + y->count
                ? x->first + x->count : y->first + y->count;
    size_t k;

    *both = *inx = *iny = 0;
    for (k = lo; k < hi; k++)
        *both += b->pieces[k].ink;
    for (k = x->first; k < x->first + x->count; k++)
        *inx += b->pieces[k].ink;
    for (k = y->first; k < y->first + y->count; k++)
        *iny += b->pieces[k].ink;
}

/* The reading of least cost that spells digits[0 .. nd): into
 * path[0 .. nd) the candidate of each digit.  Returns 0, or 1 when no
 * reading spells them, -1 on error. */
static int forced_path(segment *sg, const blobs *b, size_t nout,
                       const uint8_t *digits, size_t nd, size_t *path,
                       dg_err *e)
{
    const size_t n = b->npieces, st = nd + 1;
    double *best = malloc((n + 1) * st * sizeof *best);
    size_t *back = malloc((n + 1) * st * sizeof *back);
    size_t i, j, k;
    int rc = 1;

    if (best == NULL || back == NULL) {
        free(best);
        free(back);
        return dg_seterr(e, "out of memory");
    }
    for (i = 0; i < (n + 1) * st; i++)
        best[i] = 1e300;
    best[0] = 0;
    /* best[j * st + k]: pieces [0, j) read as digits [0, k). back: the
     * candidate of digit k - 1, or NO_CUT for a piece left out. */
    for (j = 1; j <= n; j++) {
        for (k = 0; k <= nd; k++) {
            best[j * st + k] = best[(j - 1) * st + k]
                               + seg_skip_cost(sg, &b->pieces[j - 1]);
            back[j * st + k] = NO_CUT;
        }
        for (i = 0; i < sg->ncands; i++) {
            const seg_cand *c = &sg->cands[i];

            if (c->first + c->count != j)
                continue;
            for (k = 1; k <= nd; k++) {
                double p = sg->probs[i * nout + digits[k - 1]];
                double v = best[c->first * st + k - 1] - log(p + 1e-6)
                           + c->shape;

                if (v < best[j * st + k]) {
                    best[j * st + k] = v;
                    back[j * st + k] = i;
                }
            }
        }
    }
    if (best[n * st + nd] < 1e299) {
        for (j = n, k = nd; j > 0;) {
            size_t c = back[j * st + k];

            if (c == NO_CUT) {
                j--;
                continue;
            }
            path[--k] = c;
            j = sg->cands[c].first;
        }
        rc = k == 0 ? 0 : 1;
    }
    free(best);
    free(back);
    return rc;
}

long seg_label(segment *sg, const blobs *b, size_t nout,
               const uint8_t *digits, size_t nd, int *label, dg_err *e)
{
    size_t *path = malloc((nd ? nd : 1) * sizeof *path), i, k;
    long n = 0;
    int rc;

    if (path == NULL)
        return dg_seterr(e, "out of memory");
    rc = nd > 0 ? forced_path(sg, b, nout, digits, nd, path, e) : 1;
    if (rc != 0) {
        free(path);
        return rc < 0 ? -1 : 0;
    }
    for (i = 0; i < sg->ncands; i++) {
        int parts = 0;

        label[i] = -1;
        for (k = 0; k < nd; k++) {
            double both, own, its;

            if (path[k] == i) {
                label[i] = digits[k];
                break;
            }
            shared_ink(b, &sg->cands[i], &sg->cands[path[k]], &both, &own,
                       &its);
            parts += both >= 0.15 * own;
        }
        /* Parts of two digits or more: surely not one.  (A piece of a
         * single digit may look like a whole one, a 1 or a 7: those
         * examples are made elsewhere, checked against the whole.) */
        if (label[i] < 0 && parts >= 2)
            label[i] = DG_REJECT;
        n += label[i] >= 0;
    }
    free(path);
    return n;
}
