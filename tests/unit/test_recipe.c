/* test_recipe.c - the training recipe in libdigit: the network it builds
 * and records, seeded initialisation, checkpoints that resume only the
 * same recipe, and the prior of "not one digit". */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "net.h"
#include "recipe.h"
#include "tap.h"

static const size_t hidden[1] = { 8 }, convs[1] = { 2 };

/* A small CNN recipe with the reject class. */
static dg_recipe small(void)
{
    dg_recipe r;

    memset(&r, 0, sizeof r);
    r.hidden = hidden;
    r.nhidden = 1;
    r.convs = convs;
    r.nconv = 1;
    r.kernel = 3;
    r.nclass = DG_MAX_CLASS;
    r.seed = 11;
    r.epochs = 4;
    r.batch = 16;
    r.lr = 0.1;
    r.augment = "rotate 0.7 -20,20";
    r.reject = 0.1;
    r.train_data = "made up";
    r.train_size = 100;
    return r;
}

static void test_build(void)
{
    dg_recipe r = small();
    dg_net a, b;
    dg_err e;
    char v[128];

    tap_ok(dg_recipe_build(&a, &r, &e) == 0 && dg_recipe_build(&b, &r, &e)
           == 0, "a recipe builds its network");
    tap_ok(a.nparams == b.nparams
           && memcmp(a.params, b.params, a.nparams * sizeof *a.params) == 0,
           "the same seed gives the same initial weights");
    tap_ok(dg_meta_get(&a, "architecture", v, sizeof v) == 0
           && strcmp(v, "cnn 784-c3x2-p2-8-11 relu softmax") == 0,
           "the architecture is recorded (%s)", v);
    tap_ok(dg_meta_get(&a, "classes", v, sizeof v) == 0 && strcmp(v, "11")
           == 0 && dg_meta_get(&a, "augment", v, sizeof v) == 0
           && strcmp(v, "rotate 0.7 -20,20") == 0,
           "classes and distortions are recorded");
    dg_net_free(&b);
    r.seed = 12;
    dg_recipe_build(&b, &r, &e);
    tap_ok(memcmp(a.params, b.params, a.nparams * sizeof *a.params) != 0,
           "another seed gives other weights");
    dg_net_free(&a);
    dg_net_free(&b);
}

static void test_resume(const char *dir)
{
    dg_recipe r = small();
    dg_net a, b;
    dg_err e;
    char path[512];
    unsigned done = 9;
    int rc;

    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    dg_recipe_build(&a, &r, &e);
    dg_recipe_build(&b, &r, &e);
    tap_ok(dg_recipe_resume(&b, path, &done, &e) == 0 && done == 0,
           "no checkpoint yet: start afresh");
    a.params[3] += 1.0f;
    tap_ok(dg_recipe_checkpoint(&a, path, 2, NULL, &e) == 0, "checkpoint written");
    rc = dg_recipe_resume(&b, path, &done, &e);
    tap_ok(rc == 0 && done == 2
           && memcmp(a.params, b.params, a.nparams * sizeof *a.params) == 0,
           "resuming takes the weights and the epochs done (%u)", done);
    dg_net_free(&b);
    r.lr = 0.2;
    dg_recipe_build(&b, &r, &e);
    tap_ok(dg_recipe_resume(&b, path, &done, &e) < 0
           && strstr(e.msg, "lr=0.1 cosine, not 0.2 cosine") != NULL,
           "another recipe is refused (%s)", e.msg);
    dg_net_free(&b);
    r = small();
    r.nclass = DG_NCLASS;
    r.reject = 0;
    dg_recipe_build(&b, &r, &e);
    tap_ok(dg_recipe_resume(&b, path, &done, &e) < 0
           && strstr(e.msg, "has 11 classes, not 10") != NULL,
           "another number of classes is refused (%s)", e.msg);
    tap_ok(dg_recipe_reject_bias(&b, -2.0, &e) < 0,
           "no reject class: no prior to set");
    tap_ok(dg_recipe_reject_bias(&a, -2.0, &e) == 0
           && a.params[a.layer[a.nlayers - 1].b + DG_REJECT] == -2.0f,
           "the prior of not one digit goes into its bias");
    unlink(path);
    dg_net_free(&a);
    dg_net_free(&b);
}

int main(void)
{
    char dir[] = "/tmp/test_recipe.XXXXXX";

    if (mkdtemp(dir) == NULL)
        return 99;
    test_build();
    test_resume(dir);
    rmdir(dir);
    return tap_done();
}
