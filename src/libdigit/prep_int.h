/* prep_int.h - what the stages of preprocessing share (private to
 * libdigit; the public API is prep.h).
 *
 * The stages, one file each, in the order the driver (prep.c) runs them
 * (colour.c, before them, makes grey of a colour scan as it is read; a
 * scan whose marks are small is enlarged by the driver and read again):
 *   ink.c      grey image -> ink contrast codes and an ink mask: polarity,
 *              grain, threshold; it calls
 *   paper.c    light and paper: uneven light made even (Leptonica)
 *   lines.c    ink mask -> the same without printed lines; with
 *   combs.c    the ticks of comb fields and the pitch of boxes
 *   blobs.c    ink mask -> runs and connected components, clean-up, and
 *              the one walker over the pixel rows of a region
 *   segment.c  components -> the digits, chosen by the network among
 *              runs of pieces (writes no cells); it calls
 *   cuts.c     wide components -> pieces, cut where digits may touch
 *   seglabel.c for training: the candidates of a number of known digits,
 *              labelled
 *   cell.c     one cropped region -> a 28x28 digit cell
 *   segpic.c   the --debug picture of the candidates and the chosen path
 * They talk through the work area below, each owning its own fields. */
#ifndef DG_PREP_INT_H
#define DG_PREP_INT_H

#include "net.h"
#include "prep.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The loops over every pixel are written so that the compiler can
 * vectorise them, and it is asked to. */
#if defined(__GNUC__) && !defined(__clang__)
#define DG_VECTORISE __attribute__((optimize("tree-vectorize")))
#else
#define DG_VECTORISE
#endif

/* lround(x), half away from zero, inline: the stages round in their
 * inner loops, where the library call costs more than the rest.  For
 * |x| < 2^52 (every coordinate here) x - trunc(x) is exact, so the
 * result is lround's. */
static inline long dg_lround(double x)
{
    long i = (long)x;
    double f = x - (double)i;

    return f >= 0.5 ? i + 1 : f <= -0.5 ? i - 1 : i;
}

/* ---- ink.c: the contrast image and the mask ---- */

enum { MK_STRONG = 1, MK_WEAK = 2 };

/* The first x in [x, W) where (m[x] != 0) == want, or W, in a row m of
 * the mask (ink.c); sixteen pixels at a time with SSE2. */
static inline size_t mask_scan(const uint8_t *m, size_t x, size_t W,
                              int want)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    const unsigned flip = want ? 0 : 0xffffu;

    for (; x + 16 <= W; x += 16) {
        unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                         _mm_loadu_si128((const __m128i *)(m + x)), zero));

        z ^= flip;              /* bit set: not what we look for */
        if (z != 0xffffu)
            return x + (size_t)__builtin_ctz(~z & 0xffffu);
    }
#endif
    while (x < W && (m[x] != 0) != want)
        x++;
    return x;
}

typedef struct ink_plane {
    uint8_t *c8;            /* (h, w) quantised grey, then a code that
                             * lut maps to ink contrast 0..255 */
    uint8_t *mk;            /* (h, w) MK_ bits */
    uint8_t lut[256];
    size_t pixcap;
    double *colsum, *colsq; /* (w) Sauvola's running column sums */
    size_t colcap;
    uint8_t *sv;            /* (h, w) Sauvola's contrast codes */
    size_t svcap;
    int flattened;          /* paper.c flattened the light of c8 */
    int smoothed;           /* c8 was smoothed (grainy paper) */
    int level8;             /* contrast that counts as full ink */
} ink_plane;

/* Find the ink of s into p.  Returns 1 when there is none, 0 when there
 * is, -1 on error. */
int ink_find(ink_plane *p, const dg_image *s, const dg_prep_opts *o,
             dg_err *e);
void ink_free(ink_plane *p);

/* ---- paper.c: light and paper ---- */

/* Make the paper of the grey image c8 (w x h; ink dark when dark, else
 * light) evenly lit, when its light is uneven or force is set.  Returns 1
 * when c8 was changed (it then holds dark ink on paper of one level,
 * whatever the ink was before), 0 when the paper was flat already (c8
 * untouched), -1 on error. */
int paper_flatten(uint8_t *c8, size_t w, size_t h, int dark, int force,
                  dg_err *e);

/* The polarity of the grey image c8 (w x h) under uneven light: which
 * way the pixels that stand out from their neighbourhood go (ink is the
 * few that do).  1: dark ink, 0: light ink, 2: no clear answer, -1 on
 * error. */
int paper_polarity(const uint8_t *c8, size_t w, size_t h, dg_err *e);

/* ---- lines.c: printed lines ---- */

#define LINES_MAX 64            /* lines of each direction at most */

/* A band of rows (or columns) [a, b) in a projection along the skew. */
typedef struct line_band {
    size_t a, b;
} line_band;

typedef struct lines_work {
    uint32_t *proj;         /* a projection, O(W + H) */
    size_t projcap;
    uint8_t *orig;          /* (h, w) the mask before removal */
    size_t origcap;
    long *shift;            /* (w) per column: off - round(slope x) */
    size_t shiftcap;
    uint8_t *cols;          /* the columns the slope search reads */
    size_t colscap;
    uint16_t *proj16;       /* its projections */
    size_t proj16cap;
    double slope;           /* the page's rows: y = y0 + slope x */
    line_band hb[LINES_MAX], vb[LINES_MAX];
    size_t vy0[LINES_MAX], vy1[LINES_MAX];  /* rows of each vertical */
    size_t nh, nv;
} lines_work;

/* skew.c.  Skews searched: up to about 6 degrees either way. */
#define SKEW_MAX 0.105

/* Projection of the ink of p in every step-th column along slope s into
 * proj (room for H + 2 off rows); sh (room for W) is left holding the
 * slope's shifts, off - round(s x) per column.  Returns the sum of
 * squares, the peakiness that the search maximises. */
double skew_project(const ink_plane *p, size_t W, size_t H, double s,
                    size_t step, long off, uint32_t *proj, long *sh);

/* The slope of the rows of p (off: the projection's margin, at least
 * SKEW_MAX W + 1), using lw's proj, shift, cols and proj16 as scratch;
 * proj and shift must have room for H + 2 off and W. */
double skew_find(lines_work *lw, const ink_plane *p, size_t W, size_t H,
                 long off);

/* combs.c.  The ticks of a comb field are TICK_MIN to TICK_MAX of the
 * handwriting's height long (forms print them up to nearly its height;
 * a digit standing alone on the line is taller). */
#define TICK_MIN 0.12
#define TICK_MAX 0.9

/* Take out of p's mask the ticks of a comb field standing on (or
 * hanging from) the horizontal line bd (projection rows along slope s,
 * offset off) against handwriting hw high: short straight vertical
 * strokes, TICK_MIN to TICK_MAX of hw long, at most the line's thickness
 * + 3 wide, alone in orig (the mask before), their far end free, at the
 * field's pitch.  A digit touching the line is taller, or wider, or goes
 * on sideways, or a 1 stands between two ticks. */
void comb_clear_ticks(ink_plane *p, const uint8_t *orig, size_t W,
                      size_t H, double s, long off, const line_band *bd,
                      size_t hw);

/* Whether a tick as comb_clear_ticks takes out stands on (or hangs
 * from) band bd, on the same side, within 3 columns of both ends of its
 * run [x0, x1): the bottom (or top) of a comb field of one cell.  A
 * digit's bar ends without, or in strokes that go on. */
int comb_ends(const ink_plane *p, size_t W, size_t H, double s, long off,
              const line_band *bd, size_t x0, size_t x1, size_t hw);

/* Whether row y of the mask mk (W x H) has ink in columns [x0, x1)
 * (clipped to the image). */
int mask_ink_in(const uint8_t *mk, size_t W, size_t H, long x0, long x1,
                long y);

/* Of n marks at columns pos[0 .. n) (in order, n <= LINES_MAX), flag in
 * drop those that stand between two others much closer than the pitch
 * (the median gap), where together the two gaps make one pitch: a 1
 * written in a box of a joined row, or on a comb field, among the sides
 * or ticks.  (Separate boxes alternate wide and narrow gaps, so no side
 * has two narrow ones.)  Fewer than 4 marks or out of order: none. */
void off_pitch(const long *pos, size_t n, int *drop);

/* Take the printed lines (ruled paper, boxes, underlines, frames) out
 * of p's mask (W x H), keeping the pixels where a digit's stroke crosses
 * one.  Returns how many lines were removed, or -1 with e. */
int lines_remove(lines_work *lw, ink_plane *p, size_t W, size_t H,
                 dg_err *e);
void lines_free(lines_work *lw);

/* ---- blobs.c: runs, components, regions ---- */

typedef struct run {
    uint32_t y, x0, x1;     /* pixels [x0, x1) of row y */
    uint32_t parent;        /* union-find over runs; later the component */
    uint32_t strong;        /* strong (thresholded) pixels in the run */
} run;

typedef struct comp {
    size_t x0, y0, x1, y1;  /* bounding box, [x0, x1) x [y0, y1) */
    size_t pixels, strong;
    double ink;             /* sum of contrast (kept components) */
    int keep;
    size_t first, count;    /* its runs in blobs->order */
} comp;

/* A cut through a component: at row y of [y0, y1), the column
 * x[y - y0]; pixels left of it (x < column) are on its left. */
typedef struct cut {
    size_t y0, y1;
    size_t off;             /* x[] starts at blobs->cutx + off */
    double ink;             /* ink pixels the cut crosses */
    size_t strokes;         /* separate strokes it crosses */
} cut;

#define NO_CUT ((size_t)-1)

/* A piece of ink: a kept component, or the part of one between two
 * cuts.  Statistics are of the piece's own pixels. */
typedef struct piece {
    size_t comp;
    size_t lcut, rcut;      /* cut indices or NO_CUT */
    size_t x0, y0, x1, y1;  /* bounding box */
    size_t pixels;
    double ink;
} piece;

typedef struct blobs {
    run *runs;
    size_t nruns, runcap;
    comp *comps;
    size_t ncomps, compcap;
    size_t *order;          /* run indices grouped by component */
    size_t ordercap;
    cut *cuts;
    size_t ncuts, cutcap;
    int32_t *cutx;          /* the columns of every cut */
    size_t ncutx, cutxcap;
    piece *pieces;          /* in reading order */
    size_t npieces, piececap;
    size_t scale;           /* the scan was enlarged this many times
                             * (0 or 1: not at all) */
} blobs;

/* Runs and components of the weak ink of p (W x H), and which of them to
 * keep (not specks, not ruling lines).  Returns the number kept (0: no
 * ink), or -1 on error. */
long blobs_find(blobs *b, const ink_plane *p, size_t W, size_t H,
                const dg_prep_opts *o, dg_err *e);

/* One piece per kept component, in reading order (by the centre of the
 * box).  0 or -1. */
int blobs_pieces(blobs *b, dg_err *e);

/* Put b->pieces in reading order again (after some were cut). */
void blobs_sort(blobs *b);

/* Call fn for every run of pixels of the pieces pc[0 .. n): row y,
 * columns [x0, x1), clipped to each piece's cuts. */
typedef void row_fn(void *ctx, size_t y, size_t x0, size_t x1);
void blobs_walk(const blobs *b, const piece *pc, size_t n, row_fn *fn,
                void *ctx);

/* Statistics of piece pc (box, pixels, ink) from its pixels; with W the
 * width of the plane p. */
void blobs_measure(const blobs *b, const ink_plane *p, size_t W,
                   piece *pc);

/* Draw pieces pc[0 .. n) into crop, sized to their joint box: contrast
 * scaled so that p->level8 is full ink, or 1 for strong ink with binary.
 * *x0, *y0 (if not NULL) get the box's corner. */
int blobs_draw(const blobs *b, const ink_plane *p, size_t W,
               const piece *pc, size_t n, int binary, dg_image *crop,
               size_t *x0, size_t *y0, dg_err *e);

/* A new cut of rows [y0, y1) with room for its columns; returns its
 * index (its columns at b->cutx + b->cuts[i].off), or NO_CUT with e. */
size_t blobs_new_cut(blobs *b, size_t y0, size_t y1, dg_err *e);

void blobs_free(blobs *b);


/* ---- cell.c: one digit cell ---- */

typedef struct cell_scratch {
    dg_image tmp, tmp2, tmp3;
} cell_scratch;

int cell_make(cell_scratch *cs, const dg_image *crop, int deskew,
              int binary, float *cell, size_t stride, dg_err *e);
void cell_free(cell_scratch *cs);

/* ---- cuts.c: where touching digits may be cut ---- */

/* Scratch of cut_propose, grown to the largest piece and kept. */
typedef struct cut_work {
    double href;            /* height of the line of digits */
    uint8_t (*weights)[256];    /* [full][contrast]: the weight of ink
                                 * of each contrast when full ink is
                                 * contrast full, filled ... */
    uint8_t weights_done[256];  /* ... for the fulls marked here */
    float *proj;            /* (nslope, span) projections of a piece */
    size_t projcap;
    int32_t *shift;         /* (nslope, height) the lines' columns */
    size_t shiftcap;
    uint8_t *bm, *step;     /* a piece's ink (h, w); the curved
                             * path's back steps (h, window) */
    double *pathcost, *line;    /* (h, window) its costs; (h) its line */
    size_t bmcap, stepcap, pathcostcap, linecap;
    struct cut_pick *picks; /* the cuts a piece might take */
    size_t pickcap;
} cut_work;

/* Whether piece i of b, alone on its line, is wide enough that
 * cut_propose would look for cuts in it. */
int cut_may_cut(const blobs *b, size_t i);

/* Cut the components of b at least CUT_MIN_WIDTH times the line height
 * href wide into pieces where digits may touch (straight, slanted and
 * curved cuts), and sort the pieces.  Returns how many components were
 * cut, or -1. */
long cut_propose(cut_work *ct, blobs *b, const ink_plane *p, size_t W,
                 double href, dg_err *e);

void cut_free(cut_work *ct);

/* ---- segment.c: where one digit ends ---- */

/* A chosen digit: pieces [first, first + count) of the blobs, or a space
 * (count 0); the network's best digit (DG_REJECT when none) and its
 * probability. */
typedef struct seg_cell {
    size_t first, count;
    int digit;
    float prob;
    size_t x0, y0, x1, y1;  /* box of its ink */
} seg_cell;

/* A candidate the segmentation looked at, kept for the debug picture.
 * Until it is read (read = 0), only bound is known. */
typedef struct seg_cand {
    size_t first, count;
    int digit;
    float prob;
    double shape;           /* what its shape and cut add to -log p */
    double cost;
    double bound;           /* the least cost it can have */
    int read;               /* whether the network has read it */
    int asked;              /* whether the later networks of a cascade
                             * have been asked about it too */
} seg_cand;

typedef struct segment {
    double href;            /* height of the line of digits */
    seg_cand *cands;
    size_t ncands, candcap;
    double *best;           /* (npieces + 1) path costs */
    size_t *from, *take;    /* (npieces + 1) back pointers */
    size_t *start;          /* (npieces + 1) first candidate of a piece */
    size_t bestcap, fromcap, takecap, startcap;
    seg_cell *cells;
    size_t ncells, cellcap;
    size_t *npart;          /* (ncomps) pieces of each component */
    size_t npartcap;
    float *probs;           /* (ncands, classes) what the network read */
    size_t probcap;
    size_t *order;          /* (ncands) candidates to read */
    size_t ordercap;
    cut_work cut;           /* cuts.c's scratch, for seg_propose */
    dg_acts acts;           /* buffers for reader alone */
    const dg_net *acts_net; /* the model acts was made for */
    dg_net reader;          /* its first network alone (cascade.h): the
                             * candidates are many, so the fast first
                             * network reads them */
    dg_acts whole;          /* buffers for the whole model, a batch:
                             * seg_read_cell and the cells of a path */
    double reject_weight;   /* "not one digit" weighs this much more in
                             * the segmentation than in the model */
} segment;

/* Find the height of the line of digits and cut its wide components
 * (cut_propose).  Returns how many pieces might be two digits or more
 * (0: the geometry leaves no doubt), or -1. */
long seg_propose(segment *sg, blobs *b, const ink_plane *p, size_t W,
                 dg_err *e);

/* Choose the digits: classify candidate runs of consecutive pieces
 * with net and keep the path of least cost into sg->cells.  Only the
 * candidates that could be on that path are read, unless all (for the
 * debug picture and for labelling every candidate). */
int seg_choose(segment *sg, blobs *b, const ink_plane *p, size_t W,
               cell_scratch *cs, const dg_net *net, const dg_prep_opts *o,
               dg_image *crop, int all, dg_err *e);

/* The model's reading of one cell (DG_CELL x DG_CELL), by every
 * network of a cascade (one cell costs little): the best digit, or
 * DG_REJECT when "not one digit" weighs more, with the digit's
 * probability in *prob; -1 on error. */
int seg_read_cell(segment *sg, const dg_net *net, const float *cell,
                  double *prob, dg_err *e);

/* What leaving piece pc out of a reading costs: its ink against the
 * line's height squared (a speck is cheap to drop, a digit is not). */
double seg_skip_cost(const segment *sg, const piece *pc);

/* seglabel.c.  For training: after seg_choose, label every candidate by
 * the reading of least cost that spells digits[0 .. nd): the digit it
 * stands for on that reading; DG_REJECT when it holds parts of two
 * digits of it or more (each at least 15 % of its ink); else -1 (a
 * piece of one digit, which may look like a whole digit in isolation:
 * no label).
 * label has room for sg->ncands.  Returns how many were labelled (0: no
 * reading spells the digits), or -1. */
long seg_label(segment *sg, const blobs *b, size_t nout,
               const uint8_t *digits, size_t nd, int *label, dg_err *e);

void seg_free(segment *sg);

/* ---- segpic.c: the debug picture ---- */

/* Draw the picture of the candidates and the chosen cells of sg over
 * the kept ink into pic (white paper, dark ink). */
int segpic_draw(const segment *sg, const blobs *b, size_t W, size_t H,
                dg_image *pic, dg_err *e);

/* ---- the work area ---- */

struct dg_prep_work {
    ink_plane ink;
    lines_work ln;
    blobs bl;
    segment sg;
    cell_scratch cs;
    dg_image crop, dbg;
    dg_box *boxes;          /* (nboxes) where each cell of the last run
                             * came from; see dg_prep_boxes */
    size_t nboxes, boxcap;
    dg_image big, bigtmp;   /* a small scan enlarged, and scratch */
};

#endif
