/* recipe.c - building, recording, checkpointing and resuming a training
 * run (see recipe.h). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "model.h"
#include "recipe.h"
#include "rng.h"

/* The stream of the initial weights, apart from every other of the seed. */
#define STREAM_INIT UINT64_C(0x494e4954)

int dg_meta_setf(dg_net *net, dg_err *e, const char *key, const char *fmt,
                 ...)
{
    char buf[2400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return dg_meta_set(net, key, buf, e);
}

/* The recipe's keys in net's metadata. */
static int recipe_meta(dg_net *net, const dg_recipe *r, dg_err *e)
{
    char shape[128];

    dg_net_shape(net, shape, sizeof shape);
    if (dg_meta_setf(net, e, "architecture", "%s %s relu softmax",
                     r->nconv ? "cnn" : "mlp", shape) < 0
        || dg_meta_setf(net, e, "train_data", "%s",
                        r->train_data ? r->train_data : "") < 0
        || dg_meta_setf(net, e, "train_size", "%zu", r->train_size) < 0
        || dg_meta_setf(net, e, "validation", "%zu", r->validation) < 0
        || dg_meta_setf(net, e, "seed", "%llu",
                        (unsigned long long)r->seed) < 0
        || dg_meta_setf(net, e, "epochs", "%u", r->epochs) < 0
        || dg_meta_setf(net, e, "batch", "%zu", r->batch) < 0
        || dg_meta_setf(net, e, "lr", "%g cosine", r->lr) < 0
        || (r->momentum > 0
            && dg_meta_setf(net, e, "momentum", "%g", r->momentum) < 0)
        || dg_meta_setf(net, e, "augment", "%s",
                        r->augment ? r->augment : "no") < 0)
        return -1;
    if (r->reject > 0
        && (dg_meta_setf(net, e, "classes", "%zu", dg_net_out(net)) < 0
            || dg_meta_setf(net, e, "reject", "%g", r->reject) < 0))
        return -1;
    return 0;
}

int dg_recipe_build(dg_net *net, const dg_recipe *r, dg_err *e)
{
    dg_rng rng;

    if ((r->nconv > 0
         ? dg_net_cnn(net, DG_CELL, r->convs, r->nconv, r->kernel, r->hidden,
                      r->nhidden, r->nclass, e)
         : dg_net_mlp(net, DG_CELL_PIXELS, r->hidden, r->nhidden, r->nclass,
                      e)) < 0)
        return -1;
    dg_rng_seed2(&rng, r->seed, STREAM_INIT);
    dg_net_init_he(net, &rng);
    if (recipe_meta(net, r, e) < 0) {
        dg_net_free(net);
        return -1;
    }
    return 0;
}

/* The keys a resumed run must agree on, and what a model without a key
 * means (NULL: every model has it); classes and reject are written only
 * with the reject class. */
static const char *const recipe_keys[][2] = {
    { "architecture", NULL }, { "train_size", NULL }, { "validation", NULL },
    { "seed", NULL }, { "epochs", NULL }, { "batch", NULL }, { "lr", NULL },
    { "augment", NULL }, { "classes", "10" }, { "reject", "no" },
    { "momentum", "0" },
    { NULL, NULL }
};

/* The value of recipe key k in net, or its default when net has none;
 * 0, or -1 when absent without a default. */
static int recipe_value(const dg_net *net, size_t k, char *v, size_t size)
{
    if (dg_meta_get(net, recipe_keys[k][0], v, size) == 0)
        return 0;
    if (recipe_keys[k][1] == NULL)
        return -1;
    snprintf(v, size, "%s", recipe_keys[k][1]);
    return 0;
}

/* 0 if checkpoint ck (from path) continues the recipe of net. */
static int same_recipe(const dg_net *ck, const dg_net *net, const char *path,
                       dg_err *e)
{
    char a[256], b[256];
    size_t k;

    if (dg_net_out(ck) != dg_net_out(net))
        return dg_seterr(e, "%s has %zu classes, not %zu%s", path,
                         dg_net_out(ck), dg_net_out(net),
                         dg_net_has_reject(net) ? " (--reject)"
                                                : " (no --reject)");
    for (k = 0; recipe_keys[k][0] != NULL; k++) {
        a[0] = b[0] = '\0';
        if (recipe_value(ck, k, a, sizeof a) < 0
            || recipe_value(net, k, b, sizeof b) < 0 || strcmp(a, b) != 0)
            return dg_seterr(e, "%s was made with %s=%s, not %s", path,
                             recipe_keys[k][0], a, b);
    }
    if (dg_meta_get(ck, "epochs_done", a, sizeof a) < 0
        || ck->nparams != net->nparams || ck->next != NULL)
        return dg_seterr(e, "%s is not a checkpoint of this run", path);
    return 0;
}

int dg_recipe_resume(dg_net *net, const char *path, unsigned *done,
                     dg_err *e)
{
    dg_net ck;
    char v[64];

    *done = 0;
    if (access(path, F_OK) != 0)
        return 0;
    if (dg_model_load(&ck, path, e) < 0)
        return -1;
    if (same_recipe(&ck, net, path, e) < 0) {
        dg_net_free(&ck);
        return -1;
    }
    dg_meta_get(&ck, "epochs_done", v, sizeof v);
    memcpy(net->params, ck.params, net->nparams * sizeof *net->params);
    dg_net_free(&ck);
    *done = (unsigned)strtoul(v, NULL, 10);
    return 0;
}

/* PATH.velocity into buf (size); -1 when too long. */
static int velocity_path(const char *path, char *buf, size_t size,
                         dg_err *e)
{
    if ((size_t)snprintf(buf, size, "%s.velocity", path) >= size)
        return dg_seterr(e, "%s: name too long", path);
    return 0;
}

int dg_recipe_checkpoint(dg_net *net, const char *path, unsigned epoch,
                         const float *velocity, dg_err *e)
{
    if (dg_meta_setf(net, e, "epochs_done", "%u", epoch) < 0)
        return dg_preerr(e, "checkpoint");
    if (velocity != NULL) {
        char vpath[4096];
        float *weights = net->params;
        int rc;

        if (velocity_path(path, vpath, sizeof vpath, e) < 0)
            return dg_preerr(e, "checkpoint");
        /* The same network, its weights the velocity: written as a model
         * (checked, complete or absent), then the weights put back. */
        net->params = (float *)velocity;
        rc = dg_model_save(net, vpath, e);
        net->params = weights;
        if (rc < 0)
            return dg_preerr(e, "checkpoint");
    }
    if (dg_model_save(net, path, e) < 0)
        return dg_preerr(e, "checkpoint");
    return 0;
}

int dg_recipe_resume_velocity(const dg_net *net, const char *path,
                              unsigned done, float *velocity, dg_err *e)
{
    char vpath[4096], a[64], b[64];
    dg_net v;

    if (done == 0) {
        memset(velocity, 0, net->nparams * sizeof *velocity);
        return 0;
    }
    if (velocity_path(path, vpath, sizeof vpath, e) < 0)
        return -1;
    if (dg_model_load(&v, vpath, e) < 0)
        return -1;
    snprintf(b, sizeof b, "%u", done);
    if (v.nparams != net->nparams
        || dg_meta_get(&v, "epochs_done", a, sizeof a) < 0
        || strcmp(a, b) != 0) {
        dg_net_free(&v);
        return dg_seterr(e, "%s is not the velocity of %s after %u epochs",
                         vpath, path, done);
    }
    memcpy(velocity, v.params, net->nparams * sizeof *velocity);
    dg_net_free(&v);
    return 0;
}

int dg_recipe_reject_bias(dg_net *net, double b, dg_err *e)
{
    const dg_layer *l = &net->layer[net->nlayers - 1];

    if (!dg_net_has_reject(net))
        return dg_seterr(e, "the model has no class 'not one digit'");
    net->params[l->b + DG_REJECT] += (float)b;
    return dg_meta_setf(net, e, "reject_bias", "%g", b);
}
