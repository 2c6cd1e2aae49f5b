/* digitfilters.h - read handwritten digits from images in your own
 * program: the public API of libdigit, the library behind the
 * digitfilters tools (pnmdigitprep, digitclassify).
 *
 *   cc prog.c $(pkg-config --cflags --libs digitfilters)
 *
 * Every function that can fail returns NULL or -1 and leaves a one-line
 * message for df_error().  Nothing here prints or exits.  A df_model may
 * be shared by threads; a df_result is used by one thread at a time.
 * See libdigit(3). */
#ifndef DIGITFILTERS_H
#define DIGITFILTERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DF_CELL 28              /* a digit cell is DF_CELL x DF_CELL */
#define DF_NDIGITS 10           /* the digits 0 to 9 */

/* A digit model (see digitmodel(5)). */
typedef struct df_model df_model;

/* How the pixels of a df_image are stored. */
enum df_format {
    DF_GREY8,                   /* unsigned char, 0 black .. 255 white */
    DF_FLOAT                    /* float, 0 black .. 1 white */
};

/* An image to read: a scan or photo of one digit or one number, grey. */
typedef struct df_image {
    const void *pixels;         /* the top left pixel */
    enum df_format format;
    size_t width, height;       /* in pixels */
    size_t stride;              /* bytes from one row to the next; 0:
                                 * rows are packed */
} df_image;

enum df_ink {
    DF_INK_AUTO,                /* decide from the image */
    DF_INK_DARK,                /* dark ink on light paper (a scan) */
    DF_INK_LIGHT                /* light ink on dark ground */
};

enum df_split {
    DF_SPLIT_AUTO,              /* one digit or a number, as the model
                                 * reads it */
    DF_SPLIT_NEVER,             /* always one digit */
    DF_SPLIT_ALWAYS             /* always a number */
};

/* How to prepare an image: pnmdigitprep's options (pnmdigitprep(1)). */
typedef struct df_options {
    enum df_ink ink;
    enum df_split split;
    int max_digits;             /* at most this many digits; 0: any */
    int spaces;                 /* a blank cell for a wide gap */
    int deskew;                 /* shear each digit upright */
    float speck;                /* drop marks with fewer ink pixels than
                                 * this fraction of the largest one */
    int keep_lines;             /* keep ruling lines touching the edge */
    float min_confidence;       /* df_read: a digit less likely than this
                                 * is read as '?' */
} df_options;

/* Where a digit was found: its ink's box in the image, in pixels. */
typedef struct df_box {
    size_t x, y, width, height;
} df_box;

/* One digit cell of a reading. */
typedef struct df_digit {
    char ch;                    /* '0' to '9'; '?' when the model finds it
                                 * is not one digit or it is below
                                 * min_confidence; ' ' for a blank cell */
    int digit;                  /* the most likely digit, -1 if blank */
    float confidence;           /* its probability (0 if blank) */
    float prob[DF_NDIGITS];     /* the probability of each digit */
    float reject;               /* that of "not one digit" (0 when the
                                 * model has no such class) */
    df_box box;                 /* all 0 for a blank cell */
} df_digit;

/* What df_prepare and df_read give.  Start it zeroed; it is reused by
 * later calls and freed with df_result_free. */
typedef struct df_result {
    size_t count;               /* digit cells, in reading order */
    df_digit *digits;           /* (count); df_prepare fills only box */
    float *cells;               /* (count, DF_CELL, DF_CELL) the normalised
                                 * digit images, ink 1 on 0 */
    char *text;                 /* df_read: the count characters ch, and
                                 * a NUL */
    void *priv;                 /* the library's own */
} df_result;

/* Load the model at path; NULL path: the default model, found as the
 * tools find it ($DIGIT_MODEL, else default.model in $DIGIT_MODEL_DIR,
 * else the installed one).  NULL on failure. */
df_model *df_model_load(const char *path);

void df_model_free(df_model *m);

/* Fill o with the defaults of pnmdigitprep and digitclassify. */
void df_options_init(df_options *o);

/* Prepare im as pnmdigitprep does: the digit cells and their boxes in
 * r.  m (may be NULL: then no number is cut) reads the candidate digits
 * when a number must be cut.  o NULL: the defaults.  Returns the number
 * of cells, or -1 (a blank image is an error: "no ink found"). */
long df_prepare(const df_model *m, const df_image *im, const df_options *o,
                df_result *r);

/* Prepare im and read every cell with m: r holds the digits, their
 * probabilities and boxes, and the text.  Returns the number of cells,
 * or -1. */
long df_read(const df_model *m, const df_image *im, const df_options *o,
             df_result *r);

void df_result_free(df_result *r);

/* The message of this thread's last failure, one line. */
const char *df_error(void);

/* The library's version, as "0.1.0". */
const char *df_version(void);

#ifdef __cplusplus
}
#endif

#endif
