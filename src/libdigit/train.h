/* train.h - the training recipe and evaluation.
 *
 * Mini-batch SGD on the mean cross-entropy, learning rate following a
 * cosine from lr down to 0 over all the steps of the run, the training set
 * reshuffled every epoch.  Every random choice (shuffle, augmentation,
 * reject examples) comes from a stream derived from (seed, epoch, item),
 * so a run is bit-for-bit reproducible, independent of the number of
 * threads, and a run resumed from a checkpoint ends with the same model
 * as one that was never interrupted. */
#ifndef DG_TRAIN_H
#define DG_TRAIN_H

#include <stdint.h>

#include "augment.h"
#include "dataset.h"
#include "net.h"

typedef struct dg_train_stats {
    unsigned epoch, epochs;     /* current epoch, 1-based; total */
    size_t step, steps;         /* step within the epoch, 1-based; total */
    size_t seen;                /* items seen this epoch */
    double loss, acc;           /* running means over this epoch */
    double lr;                  /* learning rate of the last step */
    double elapsed;             /* seconds since dg_train started */
    int epoch_done;             /* set on the call that ends an epoch */
    int has_val;                /* val_loss and val_acc are valid */
    double val_loss, val_acc;
} dg_train_stats;

/* Called after every step and at the end of every epoch (epoch_done).
 * A return below 0 stops training with that as an error (the callback
 * fills e itself, e.g. when a checkpoint cannot be written). */
typedef int (*dg_train_cb)(void *ctx, const dg_train_stats *s,
                           const dg_net *net, dg_err *e);

typedef struct dg_train_opts {
    unsigned epochs;            /* total epochs of the run */
    unsigned first_epoch;       /* epochs already done (resume), else 0 */
    size_t batch;
    double lr;                  /* peak learning rate */
    double momentum;            /* in [0, 1): heavy-ball momentum; 0 is
                                 * plain SGD */
    float *velocity;            /* (nparams) with momentum: the running
                                 * step, zero at the start of a run and
                                 * kept by the caller across a resume */
    uint64_t seed;
    const dg_aug_opts *augment; /* fresh variants every epoch, or NULL */
    double reject;              /* in [0, 1): the chance that an item of a
                                 * batch is replaced by a fresh "not one
                                 * digit" example (reject.h) made from the
                                 * training digits, labelled DG_REJECT;
                                 * needs a net with that class.  0: none */
    dg_train_cb progress;
    void *ctx;
} dg_train_opts;

/* Train net in place on train; report val (may be empty) each epoch. */
int dg_train(dg_net *net, const dg_dataset *train, const dg_dataset *val,
             const dg_train_opts *o, dg_err *e);

/* Classify d: predictions into pred (n) if not NULL; returns accuracy in
 * *acc and mean cross-entropy in *loss (either may be NULL).  With a
 * model of DG_MAX_CLASS classes a prediction may be DG_REJECT, which is
 * wrong for an item labelled with a digit. */
int dg_evaluate(const dg_net *net, const dg_dataset *d, uint8_t *pred,
                double *acc, double *loss, dg_err *e);

/* Learning rate at global step t of T under the cosine schedule. */
double dg_cosine_lr(double lr, size_t t, size_t T);

#endif
