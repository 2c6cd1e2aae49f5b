/* modelpath.h - which model file a program uses, and loading it as a
 * digit model: one lookup for every tool and for programs that link
 * libdigit. */
#ifndef DG_MODELPATH_H
#define DG_MODELPATH_H

#include "dg.h"
#include "net.h"

/* The model file to use: opt if not NULL, else $DIGIT_MODEL if set and
 * not empty, else NAME in $DIGIT_MODEL_DIR if set and not empty (the
 * test harness points it at the source tree's model/), else NAME in the
 * installed data directory.  The result is opt, getenv's string or buf
 * (of size size). */
const char *dg_model_find(const char *opt, const char *name, char *buf,
                          size_t size);

/* Load the model dg_model_find gives and check that it reads digit
 * cells.  On failure e says which file and why ("cannot load the model
 * PATH: reason", with a hint when no file was named).  *path (if not
 * NULL) gets the file's name, valid while buf is. */
int dg_model_load_digits(dg_net *net, const char *opt, char *buf,
                         size_t size, const char **path, dg_err *e);

#endif
