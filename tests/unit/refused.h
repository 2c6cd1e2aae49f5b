/* refused.h - the unit tests' check that a damaged model file is refused
 * for the right reason (included after tap.h and model.h). */
#ifndef DG_REFUSED_H
#define DG_REFUSED_H

#include <string.h>

/* Decode a damaged copy; pass if refused with a message containing want. */
static void refused(const unsigned char *buf, size_t len, const char *want,
                    const char *what)
{
    dg_net net;
    dg_err e;
    int rc;

    e.msg[0] = '\0';
    rc = dg_model_decode(&net, buf, len, &e);
    tap_ok(rc < 0 && strstr(e.msg, want) != NULL, "%s refused: \"%s\"", what,
           e.msg);
    if (rc == 0)
        dg_net_free(&net);
}

#endif
