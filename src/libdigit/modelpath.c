/* modelpath.c - which model file to use; see modelpath.h. */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "modelpath.h"

/* True when the running program lives in this package's build tree. */
static int in_build_tree(void)
{
    char exe[PATH_MAX], dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (n <= 0)
        return 0;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return 0;
    *slash = '\0';
    if (realpath(DG_ABS_BUILDDIR, dir) == NULL)
        return 0;
    return strcmp(exe, dir) == 0;
}

const char *dg_model_find(const char *opt, const char *name, char *buf,
                          size_t size)
{
    const char *env = getenv("DIGIT_MODEL");

    if (opt != NULL)
        return opt;
    if (env != NULL && env[0] != '\0')
        return env;
    if (in_build_tree()) {
        snprintf(buf, size, "%s/model/%s", DG_ABS_SRCDIR, name);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    snprintf(buf, size, "%s/%s", DG_PKGDATADIR, name);
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
