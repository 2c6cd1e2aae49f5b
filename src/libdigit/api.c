/* api.c - the public API of digitfilters.h: models, options, errors.
 * Reading images is in apiread.c. */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "modelpath.h"

/* The last failure of each thread, for df_error. */
static _Thread_local char last_error[DG_ERRMAX];

int dg_api_fail(const dg_err *e)
{
    memcpy(last_error, e->msg, sizeof last_error);
    last_error[sizeof last_error - 1] = '\0';
    return -1;
}

const char *df_error(void)
{
    return last_error;
}

const char *df_version(void)
{
    return PACKAGE_VERSION;
}

df_model *df_model_load(const char *path)
{
    char buf[PATH_MAX];
    df_model *m = calloc(1, sizeof *m);
    dg_err e;

    if (m == NULL) {
        dg_seterr(&e, "out of memory");
        dg_api_fail(&e);
        return NULL;
    }
    if (dg_model_load_digits(&m->net, path, buf, sizeof buf, NULL, &e) < 0) {
        dg_api_fail(&e);
        free(m);
        return NULL;
    }
    return m;
}

void df_model_free(df_model *m)
{
    if (m == NULL)
        return;
    dg_net_free(&m->net);
    free(m);
}

void df_options_init(df_options *o)
{
    dg_prep_opts p;

    dg_prep_defaults(&p);
    memset(o, 0, sizeof *o);
    o->ink = DF_INK_AUTO;
    o->split = DF_SPLIT_AUTO;
    o->max_digits = p.max_digits;
    o->spaces = p.spaces;
    o->deskew = p.deskew;
    o->speck = p.speck;
    o->keep_lines = p.keep_lines;
    o->min_confidence = 0.0f;
}
