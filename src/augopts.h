/* augopts.h - the command-line options of the augmentation transforms,
 * shared by digitaugment and digittrain --augment.
 *
 * For each transform T there are --no-T, --p-T=P and (when T has a
 * parameter) --T=V|LO,HI; besides, --only=LIST and --elastic-sigma=S[,S].
 * A tool appends these to its own long options and hands every option
 * code at or above AUG_OPT_BASE to aug_option. */
#ifndef DG_AUGOPTS_H
#define DG_AUGOPTS_H

#include <getopt.h>
#include <stdio.h>

#include "augment.h"

#define AUG_OPT_BASE 1024

/* How many struct option entries aug_longopts writes at most. */
#define AUG_NLONGOPTS 48

/* Write the augmentation options into opts (room for AUG_NLONGOPTS);
 * returns how many were written.  The names live in static storage. */
size_t aug_longopts(struct option *opts);

/* Apply one parsed augmentation option to o (usage error and exit 2 on
 * a bad value). */
void aug_option(int code, const char *arg, dg_aug_opts *o);

/* "elastic 0.3 30,40 sigma 5,7, rotate 0.7 -20,20, ..." into buf: the
 * transforms that can happen, for a model's metadata. */
void aug_describe(const dg_aug_opts *o, char *buf, size_t size);

/* The help text of the augmentation options. */
void aug_help(FILE *f);

#endif
