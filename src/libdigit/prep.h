/* prep.h - from a scanned image to digit images (the MNIST convention).
 *
 * The steps, each an option of dg_prep_opts:
 *   paper      make unevenly lit paper (a lamp, a vignette, a shadow)
 *              even, and smooth grainy paper;
 *   polarity   decide whether the ink is dark on light paper or light on
 *              dark (from the border and the majority of the pixels, or
 *              under uneven light from what stands out locally);
 *   threshold  find the ink: Otsu's global threshold, Sauvola's local one
 *              (for uneven lighting), a fixed level, or none; faint
 *              anti-aliased edges connected to the ink are kept (hysteresis)
 *              so the output keeps grey levels;
 *   lines      take out printed lines: ruled paper, boxes, comb fields,
 *              underlines, keeping the strokes that cross them;
 *   clean-up   drop specks (components much smaller than the largest) and
 *              ruling lines or frames that touch the image edge;
 *   split      one digit, or a whole number cut into digits: geometry
 *              proposes pieces (components, cuts through touching
 *              strokes) and a network reads every run of neighbouring
 *              pieces; the reading of least cost decides where each digit
 *              ends (segmentation by recognition);
 *   normalise  crop each digit to its ink, optionally deskew by
 *              second-order moments, scale so the longer side is DG_BOX
 *              pixels (area averaging when shrinking), and place in a
 *              DG_CELL square with the intensity centre of mass at
 *              (14, 14) (pixel-index coordinates, as in MNIST).
 * Nothing here prints, exits, or keeps global state: every call is
 * independent and thread-safe. */
#ifndef DG_PREP_H
#define DG_PREP_H

#include "dg.h"
#include "image.h"

/* Larger scans are read reduced to at most this many pixels (an
 * integer factor, block means; see dg_pnm_reduce_above): a digit needs
 * no more, and memory stays bounded on any page. */
#define DG_PREP_MAX_PIXELS ((size_t)1 << 24)

typedef enum dg_ink {
    DG_INK_AUTO,            /* decide from the image */
    DG_INK_DARK,            /* dark ink on light paper (a scan) */
    DG_INK_LIGHT            /* light ink on dark ground (MNIST) */
} dg_ink;

/* One digit or a whole number. */
typedef enum dg_split {
    DG_SPLIT_AUTO,          /* as the network reads it: the network is
                             * asked only when the geometry leaves a
                             * doubt (several marks, or a wide one) */
    DG_SPLIT_NEVER,         /* one digit: all the ink in one cell */
    DG_SPLIT_ALWAYS         /* a number: one cell per digit */
} dg_split;

struct dg_net;

/* Gives the network that reads candidate digits (a digit model of 10
 * classes, or 11 with the "not one digit" class), on first use.  NULL
 * with e filled when there is none. */
typedef const struct dg_net *dg_prep_net_fn(void *ctx, dg_err *e);

/* Light and paper: uneven light (a lamp, a vignette, a shadow) made
 * flat before the ink is looked for. */
typedef enum dg_paper {
    DG_PAPER_AUTO,          /* when the paper's light is uneven */
    DG_PAPER_ALWAYS,        /* always */
    DG_PAPER_OFF            /* never: the grey levels as they are */
} dg_paper;

typedef enum dg_thresh {
    DG_THRESH_OTSU,         /* global, from the histogram */
    DG_THRESH_SAUVOLA,      /* local mean and deviation in a window */
    DG_THRESH_FIXED,        /* ink where the ink level exceeds a number */
    DG_THRESH_NONE          /* every pixel above the ground is ink */
} dg_thresh;

/* Called with each intermediate image: "grey" (the input), "upsampled"
 * (the grey enlarged, when its marks were small), "paper" (the
 * grey with its light made even, dark ink on light paper, when that was
 * done), "mask" (the
 * ink kept after clean-up, 1 = ink), "segments" (when a number was cut:
 * a picture of the pieces, the cuts and the chosen digits with their
 * readings, dark on white), "crop" (the cropped ink image before
 * scaling; "crop-N" for digit N of a number of several) and "final" (the result).
 * The images are only valid during the call. */
typedef void dg_prep_debug_fn(void *ctx, const char *stage,
                              const dg_image *im);

typedef struct dg_prep_opts {
    dg_ink ink;
    dg_paper paper;
    dg_thresh thresh;
    float level;            /* DG_THRESH_FIXED: ink level in (0, 1) */
    int window;             /* Sauvola window side in pixels; 0: automatic */
    float k;                /* Sauvola's k (sensitivity), in (0, 1) */
    int binary;             /* output only 0 and 1 instead of grey levels */
    int deskew;             /* shear upright by second-order moments */
    float speck;            /* drop components with fewer ink pixels than
                             * this fraction of the largest one */
    int keep_lines;         /* keep ruling lines/frames touching the edge */
    dg_split split;         /* one digit, a number, or as read */
    dg_prep_net_fn *net;    /* the reader of candidates; NULL: none,
                             * then DG_SPLIT_AUTO reads one digit and
                             * DG_SPLIT_ALWAYS fails */
    void *net_ctx;
    int max_digits;         /* a number: at most this many cells; 0: no
                             * limit */
    int spaces;             /* a number: a blank cell for a wide gap */
    int allow_empty;        /* blank image gives an empty cell, not -1 */
    int no_upsample;        /* read small digits at their own size */
    dg_prep_debug_fn *debug;    /* NULL: no stages reported */
    void *debug_ctx;
} dg_prep_opts;

/* Fill o with the defaults of pnmdigitprep. */
void dg_prep_defaults(dg_prep_opts *o);

/* Turn one scanned image (0 black .. 1 white, any size) into a digit
 * image: DG_CELL x DG_CELL (ink 1 on 0), or for a number a strip of k
 * cells, DG_CELL*k x DG_CELL.  out is reshaped as needed (start it zeroed
 * or from an earlier call).  Returns 0, or -1 with e filled (e.g. "no ink
 * found (blank image)"). */
int dg_prep(const dg_image *scan, const dg_prep_opts *o, dg_image *out,
            dg_err *e);

/* Reusable scratch memory for a stream of images: dg_prep_run with a work
 * area does the same as dg_prep without allocating for every image.  A
 * work area must not be shared between threads at the same time. */
typedef struct dg_prep_work dg_prep_work;

dg_prep_work *dg_prep_work_new(void);
void dg_prep_work_free(dg_prep_work *w);
int dg_prep_run(dg_prep_work *w, const dg_image *scan,
                const dg_prep_opts *o, dg_image *out, dg_err *e);

/* Where a cell's digit was found in the scan: the box of the ink it was
 * made from, in the scan's pixels (x, y of the top left corner).  A
 * blank cell (a space, or a blank image) has w == h == 0. */
typedef struct dg_box {
    size_t x, y, w, h;
} dg_box;

/* The boxes of the cells of w's last successful dg_prep_run, one per
 * cell in the order of the cells (*n of them); valid until w is used
 * again or freed. */
const dg_box *dg_prep_boxes(const dg_prep_work *w, size_t *n);

/* For training a model's "not one digit" class on the candidates the
 * segmentation really meets: read scan as a number known to be
 * digits[0 .. nd) (values 0 to 9), with o's network, and call fn with
 * the cell of every candidate digit and its label: the digit it stands
 * for on the reading of least cost that spells the number, or DG_REJECT
 * (net.h) when it is unlike every digit of that reading.  Returns how
 * many were given, 0 when no reading spells the number (or the image is
 * blank), -1 on error. */
typedef void dg_prep_label_fn(void *ctx, const float *cell, int label);

long dg_prep_label(dg_prep_work *w, const dg_image *scan,
                   const dg_prep_opts *o, const uint8_t *digits, size_t nd,
                   dg_prep_label_fn *fn, void *ctx, dg_err *e);

/* ---- building blocks, exposed for tests and for other tools ---- */

/* Otsu's threshold of a 256-bin histogram: the bin t that best separates
 * bins [0, t] from (t, 255].  Returns -1 if the histogram is empty. */
int dg_otsu(const size_t hist[256]);

/* Index-coordinate intensity centre of mass of im (x = column index).
 * Returns -1 if im has no ink (all samples <= 0). */
int dg_center_of_mass(const dg_image *im, double *cx, double *cy);

/* Resample src (sw x sh floats) into dst (dw x dh): area averaging along
 * an axis that shrinks, linear interpolation along one that grows. */
void dg_resample(const float *src, size_t sw, size_t sh, float *dst,
                 size_t dw, size_t dh, float *tmp);

/* Normalise one cropped ink image (ink > 0 on 0, any size) into a
 * DG_CELL x DG_CELL cell at cell (row-major, stride stride): deskew if
 * asked, scale the longer side to DG_BOX, centre the mass at (14, 14).
 * Uses and grows the scratch buffers of w.  Returns 0 or -1 with e. */
int dg_prep_cell(dg_prep_work *w, const dg_image *crop, int deskew,
                 int binary, float *cell, size_t stride, dg_err *e);

#endif
