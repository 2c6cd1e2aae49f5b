/* err.c - filling error records. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dg.h"

int dg_seterr(dg_err *e, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int dg_preerr(dg_err *e, const char *fmt, ...)
{
    char pre[DG_ERRMAX], old[DG_ERRMAX];
    va_list ap;

    if (e == NULL)
        return -1;
    memcpy(old, e->msg, sizeof old);
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    /* Both parts cut to fit: the message is one line of bounded size. */
    pre[DG_ERRMAX / 2] = '\0';
    old[DG_ERRMAX / 2 - 3] = '\0';
    strcpy(e->msg, pre);
    strcat(e->msg, ": ");
    strcat(e->msg, old);
    return -1;
}
