/* api.h - what the two files of the public API (api.c, apiread.c)
 * share; the API itself is digitfilters.h. */
#ifndef DG_API_H
#define DG_API_H

#include "digitfilters.h"
#include "dg.h"
#include "net.h"
#include "prep.h"

struct df_model {
    dg_net net;
};

/* Keep e's message as this thread's df_error; returns -1. */
int dg_api_fail(const dg_err *e);

#endif
