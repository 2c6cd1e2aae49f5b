/* tool.h - what every digitfilters tool shares: exit codes, messages,
 * number parsing, the input stream over file operands, the model search
 * and the final check of standard output.  Tools talk to the user; the
 * library does not. */
#ifndef DG_TOOL_H
#define DG_TOOL_H

#include <stdio.h>

#include "image.h"
#include "pnmio.h"

enum {
    EXIT_OK = 0,            /* success */
    EXIT_DATA = 1,          /* bad data, I/O or model errors */
    EXIT_USAGE = 2          /* bad command line */
};

/* Set the program name used in messages (the basename of argv0). */
void tool_init(const char *argv0);
const char *tool_name(void);

/* "PROG: message" on standard error. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PROG: message" and "Try 'PROG --help' ..." and exit 2. */
void tool_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Print the GNU --version text: "PROG (digitfilters) VERSION", the
 * copyright and the licences; exit 0. */
void tool_version(void) __attribute__((noreturn));

/* The last lines of every --help: where to report bugs (AC_INIT's
 * address). */
void tool_help_end(void);

/* Strict number parsing for option arguments: the whole string must be a
 * number in [lo, hi]; otherwise a usage error naming the option. */
long tool_parse_long(const char *opt, const char *arg, long lo, long hi);
double tool_parse_double(const char *opt, const char *arg, double lo,
                         double hi);
unsigned long long tool_parse_seed(const char *opt, const char *arg);

/* Flush and close standard output; on failure print the reason and
 * return EXIT_DATA, else return status unchanged. */
int tool_finish(int status);

/* Open a file operand for reading, "-" meaning standard input.  Returns
 * NULL after printing a message. */
FILE *tool_open(const char *name);

/* The images of all file operands (or standard input) as one stream. */
typedef struct tool_input {
    char **names;           /* operands; none means "-" */
    int count, cur;
    FILE *f;
    dg_pnm_reader *r;
    const char *name;       /* current operand, as shown in messages */
    unsigned long index;    /* 1-based number of the image in its file */
    unsigned long total;    /* 1-based number of the image overall */
    int read_any;           /* the current file has given an image */
    int stdin_buffered;     /* standard input's buffer has been set */
    size_t max_pixels;      /* larger images are read reduced (see
                             * dg_pnm_reduce_above); 0: never */
    int keep_colours;       /* no dropout colour (see dg_pnm_dropout) */
    int dropout_mask;       /* keep its mask (dg_pnm_keep_dropout_mask) */
    int failed;             /* an operand could not be opened or read */
} tool_input;

void tool_input_init(tool_input *in, char **names, int count);

/* The next image.  Returns 1 with im filled; at the end of the last
 * operand 0, or -1 when any operand could not be opened or read to its
 * end.  Such an operand is reported ("PROG: NAME: image N: reason") and
 * the stream goes on with the next one, as cat does. */
int tool_input_next(tool_input *in, dg_image *im);

void tool_input_close(tool_input *in);

/* Name of the input position for messages: "NAME: image N". */
const char *tool_input_where(const tool_input *in);

/* The model to use: opt if given, else $DIGIT_MODEL, else FILE in
 * $DIGIT_MODEL_DIR, else the installed one (see dg_model_find).  The
 * result points to static storage. */
const char *tool_model_path(const char *opt, const char *file);

/* Use n threads (n > 0); with n == 0, OMP_NUM_THREADS if set, else
 * fallback (0: every core).  Returns the number that will be used.
 * When that is more than one and OMP_WAIT_POLICY is not set, the
 * program is first run again with OMP_WAIT_POLICY=passive (idle threads
 * sleep instead of spinning), so call this before reading or writing. */
int tool_threads(int n, int fallback);

/* True when long work should draw progress: stderr is a terminal. */
int tool_stderr_is_tty(void);

#endif
