/* err.c - filling error records; growing arrays. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

int dg_grow(void *pp, size_t *cap, size_t n, size_t sz, dg_err *e)
{
    void **p = pp;
    void *q;
    size_t ncap = *cap ? *cap : 16;

    if (n <= *cap)
        return 0;
    if (sz == 0 || n > SIZE_MAX / 2 / sz)
        return dg_seterr(e, "out of memory (%zu items of %zu bytes)", n, sz);
    while (ncap < n)
        ncap *= 2;
    q = realloc(*p, ncap * sz);
    if (q == NULL)
        return dg_seterr(e, "out of memory (%zu items of %zu bytes)", ncap,
                         sz);
    *p = q;
    *cap = ncap;
    return 0;
}
