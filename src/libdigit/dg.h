/* dg.h - what every part of libdigit shares: the error record.
 *
 * libdigit never prints and never exits.  A function that can fail returns
 * 0 on success and -1 on failure, and on failure fills the caller's dg_err
 * with a one-line message (no program name, no newline) that a tool can
 * print after its own name. */
#ifndef DG_H
#define DG_H

#include <stddef.h>
#include <stdint.h>

#define DG_ERRMAX 512

typedef struct dg_err {
    char msg[DG_ERRMAX];
} dg_err;

/* Format a message into e (if e is not NULL).  Always returns -1 so that
 * "return dg_seterr(e, ...);" reads naturally. */
int dg_seterr(dg_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix e's message with a formatted context, as in "image 3: <old>". */
int dg_preerr(dg_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grow the array *pp (capacity *cap elements of sz bytes) to hold at
 * least n, doubling; 0, or -1 with e (*pp kept) when memory runs out. */
int dg_grow(void *pp, size_t *cap, size_t n, size_t sz, dg_err *e);

#endif
