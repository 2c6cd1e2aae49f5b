/* recipe.h - a training run as a recipe: the network it builds, the
 * seeded initialisation, the metadata that records it, the checkpoint of
 * each epoch, and the checks that let a run resume only from a checkpoint
 * of the same recipe.  dg_train (train.h) runs the epochs; a run resumed
 * from its checkpoint ends with the same model as one never interrupted,
 * because the weights, the epoch count and every random stream (derived
 * from the seed, the epoch and the item) are all the checkpoint needs. */
#ifndef DG_RECIPE_H
#define DG_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include "dg.h"
#include "net.h"

typedef struct dg_recipe {
    const size_t *hidden;       /* dense widths (nhidden) */
    size_t nhidden;
    const size_t *convs;        /* convolution channels (nconv), each with
                                 * ReLU and 2x2 pooling; none: an MLP */
    size_t nconv, kernel;       /* kernel side, odd */
    size_t nclass;              /* DG_NCLASS, or DG_MAX_CLASS with the
                                 * class "not one digit" */
    uint64_t seed;
    unsigned epochs;
    size_t batch;
    double lr;                  /* peak, cosine-annealed */
    double momentum;            /* heavy-ball momentum, 0: none */
    const char *augment;        /* what the distortions are, or NULL */
    double reject;              /* share of made-up reject examples */
    const char *train_data;     /* the names of the training sources */
    size_t train_size, validation;
} dg_recipe;

/* Build the network of r with He-initialised weights drawn from a stream
 * of r->seed of its own, and record the recipe in its metadata
 * (architecture, train_data, train_size, validation, seed, epochs, batch,
 * lr, augment, and with the reject class classes and reject).  Returns 0,
 * or -1 (nothing to free). */
int dg_recipe_build(dg_net *net, const dg_recipe *r, dg_err *e);

/* Continue net, built by dg_recipe_build, from the checkpoint at path:
 * its weights are copied into net and *done is the number of epochs it
 * holds.  A missing file is no error (*done = 0: start afresh).  A
 * checkpoint of another recipe (another number of classes, or any
 * recipe key different) or not a checkpoint at all is refused: -1 with a
 * message naming path and what differs. */
int dg_recipe_resume(dg_net *net, const char *path, unsigned *done,
                     dg_err *e);

/* With momentum, the velocity of a checkpoint lives beside it, in
 * PATH.velocity, a model file of the same network whose weights are the
 * velocity, recorded with the same epochs_done.  dg_recipe_resume_velocity
 * fills velocity (net->nparams) from the one of the checkpoint at path
 * after done epochs, or zeroes it when done is 0; a missing or mismatched
 * file is refused. */
int dg_recipe_resume_velocity(const dg_net *net, const char *path,
                              unsigned done, float *velocity, dg_err *e);

/* Save net as the checkpoint at path after epoch epochs (recorded as
 * epochs_done), through a temporary file (dg_model_save); with velocity
 * (not NULL), it first goes to PATH.velocity the same way. */
int dg_recipe_checkpoint(dg_net *net, const char *path, unsigned epoch,
                         const float *velocity, dg_err *e);

/* Add b to the bias of the class "not one digit": the training set holds
 * many more examples of it than real input does, and b is its prior
 * there.  Recorded as reject_bias.  -1 when net has no such class. */
int dg_recipe_reject_bias(dg_net *net, double b, dg_err *e);

/* dg_meta_set with a printf format. */
int dg_meta_setf(dg_net *net, dg_err *e, const char *key, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

#endif
