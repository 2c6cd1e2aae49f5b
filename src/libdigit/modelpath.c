/* modelpath.c - which model file to use; see modelpath.h. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "modelpath.h"

const char *dg_model_find(const char *opt, const char *name, char *buf,
                          size_t size)
{
    const char *env = getenv("DIGIT_MODEL");
    const char *dir = getenv("DIGIT_MODEL_DIR");

    if (opt != NULL)
        return opt;
    if (env != NULL && env[0] != '\0')
        return env;
    if (dir == NULL || dir[0] == '\0')
        dir = DG_PKGDATADIR;
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

int dg_model_load_digits(dg_net *net, const char *opt, char *buf,
                         size_t size, const char **path, dg_err *e)
{
    const char *p = dg_model_find(opt, "default.model", buf, size);
    const char *env = getenv("DIGIT_MODEL");
    char msg[DG_ERRMAX];

    if (path != NULL)
        *path = p;
    if (dg_model_load(net, p, e) < 0) {
        /* The loader's message names the file. */
        dg_preerr(e, "cannot load the model");
        if (opt == NULL && (env == NULL || env[0] == '\0')) {
            memcpy(msg, e->msg, sizeof msg);
            msg[DG_ERRMAX - 48] = '\0';
            dg_seterr(e, "%s (give one with --model or DIGIT_MODEL)", msg);
        }
        return -1;
    }
    if (dg_net_check_digits(net, e) < 0) {
        dg_net_free(net);
        return dg_preerr(e, "%s", p);
    }
    return 0;
}
