/* prep.c - from a scanned image to digit images; see prep.h.  The
 * driver: it runs the stages (prep_int.h) in order and writes the
 * cells.  Memory: what the stages hold for the largest image so far;
 * nothing grows with the length of a stream. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

/* Marks under this many pixels high are read enlarged, to about
 * UPSAMPLE_TO pixels, at most UPSAMPLE_MAX times. */
#define UPSAMPLE_BELOW 17
#define UPSAMPLE_TO 32
#define UPSAMPLE_MAX 4
/* One mark no wider than high, read this surely as one digit, is one. */
#define SURE_ASPECT 1.0
#define SURE_PROB 0.99

void dg_prep_defaults(dg_prep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ink = DG_INK_AUTO;
    o->thresh = DG_THRESH_OTSU;
    o->level = 0.5f;
    o->window = 0;
    o->k = 0.2f;
    o->deskew = 1;          /* measured: see --deskew in pnmdigitprep(1) */
    o->speck = 0.08f;
    o->split = DG_SPLIT_AUTO;
}

dg_prep_work *dg_prep_work_new(void)
{
    return calloc(1, sizeof(dg_prep_work));
}

void dg_prep_work_free(dg_prep_work *w)
{
    if (w == NULL)
        return;
    ink_free(&w->ink);
    lines_free(&w->ln);
    blobs_free(&w->bl);
    seg_free(&w->sg);
    cell_free(&w->cs);
    dg_image_free(&w->crop);
    dg_image_free(&w->big);
    dg_image_free(&w->bigtmp);
    dg_image_free(&w->dbg);
    free(w->boxes);
    free(w);
}

const dg_box *dg_prep_boxes(const dg_prep_work *w, size_t *n)
{
    *n = w->nboxes;
    return w->boxes;
}

/* Make room for n boxes, all blank until set. */
static int boxes_reset(dg_prep_work *w, size_t n, dg_err *e)
{
    w->nboxes = 0;
    if (dg_grow(&w->boxes, &w->boxcap, n, sizeof(dg_box), e) < 0)
        return -1;
    memset(w->boxes, 0, n * sizeof *w->boxes);
    w->nboxes = n;
    return 0;
}

/* Draw pieces [pc, pc + n) into w->crop and note their box as cell i. */
static int draw_cell(dg_prep_work *w, const dg_image *s,
                     const dg_prep_opts *o, const piece *pc, size_t n,
                     size_t i, dg_err *e)
{
    dg_box *b = &w->boxes[i];

    if (blobs_draw(&w->bl, &w->ink, s->w, pc, n, o->binary, &w->crop,
                   &b->x, &b->y, e) < 0)
        return -1;
    b->w = w->crop.w;
    b->h = w->crop.h;
    return 0;
}

static void mask_row(void *ctx, size_t y, size_t x0, size_t x1)
{
    dg_image *im = ctx;

    for (; x0 < x1; x0++)
        im->px[y * im->w + x0] = 1.0f;
}

/* Report the kept ink as the "mask" stage. */
static int debug_mask(dg_prep_work *w, const dg_image *s,
                      const dg_prep_opts *o, dg_err *e)
{
    if (dg_image_reshape(&w->dbg, s->w, s->h, e) < 0)
        return -1;
    memset(w->dbg.px, 0, s->w * s->h * sizeof *w->dbg.px);
    blobs_walk(&w->bl, w->bl.pieces, w->bl.npieces, mask_row, &w->dbg);
    o->debug(o->debug_ctx, "mask", &w->dbg);
    return 0;
}

/* Report the printed lines taken out as the "lines" stage: the ink
 * that stays black, what was removed grey, on white. */
static int debug_lines(dg_prep_work *w, const dg_image *s,
                       const dg_prep_opts *o, dg_err *e)
{
    size_t i, n = s->w * s->h;

    if (dg_image_reshape(&w->dbg, s->w, s->h, e) < 0)
        return -1;
    for (i = 0; i < n; i++)
        w->dbg.px[i] = w->ink.mk[i] ? 0.0f : w->ln.orig[i] ? 0.6f : 1.0f;
    o->debug(o->debug_ctx, "lines", &w->dbg);
    return 0;
}

/* All the kept ink as one digit cell. */
static int one_cell(dg_prep_work *w, const dg_image *s,
                    const dg_prep_opts *o, dg_image *out, dg_err *e)
{
    if (boxes_reset(w, 1, e) < 0
        || draw_cell(w, s, o, w->bl.pieces, w->bl.npieces, 0, e) < 0)
        return -1;
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "crop", &w->crop);
    if (dg_image_reshape(out, DG_CELL, DG_CELL, e) < 0)
        return -1;
    return cell_make(&w->cs, &w->crop, o->deskew, o->binary, out->px,
                     DG_CELL, e);
}

/* Keep at most max cells: drop the faintest (least ink) first. */
static void keep_strongest(segment *sg, const blobs *b, size_t max)
{
    while (sg->ncells > max) {
        size_t i, k, least = 0;
        double leastink = -1;

        for (i = 0; i < sg->ncells; i++) {
            double ink = 0;

            for (k = 0; k < sg->cells[i].count; k++)
                ink += b->pieces[sg->cells[i].first + k].ink;
            if (leastink < 0 || ink < leastink) {
                leastink = ink;
                least = i;
            }
        }
        memmove(&sg->cells[least], &sg->cells[least + 1],
                (sg->ncells - least - 1) * sizeof *sg->cells);
        sg->ncells--;
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* After every gap much wider than the others (more than twice the
 * median and 0.6 of the line's height), insert a blank cell. */
static int insert_spaces(segment *sg, dg_err *e)
{
    size_t i, n = sg->ncells, *gaps;
    double med;

    if (n < 2)
        return 0;
    gaps = malloc((n - 1) * sizeof *gaps);
    if (gaps == NULL)
        return dg_seterr(e, "out of memory");
    for (i = 0; i + 1 < n; i++)
        gaps[i] = sg->cells[i + 1].x0 > sg->cells[i].x1
                  ? sg->cells[i + 1].x0 - sg->cells[i].x1 : 0;
    qsort(gaps, n - 1, sizeof *gaps, cmp_size);
    med = (double)gaps[(n - 1) / 2];
    free(gaps);
    for (i = 0; i + 1 < sg->ncells; i++) {
        const seg_cell *a = &sg->cells[i], *b = &sg->cells[i + 1];
        double gap = b->x0 > a->x1 ? (double)(b->x0 - a->x1) : 0;

        if (a->count == 0 || b->count == 0
            || gap <= 2.0 * med + 0.6 * sg->href)
            continue;
        if (dg_grow(&sg->cells, &sg->cellcap, sg->ncells + 1,
                    sizeof(seg_cell), e) < 0)
            return -1;
        memmove(&sg->cells[i + 2], &sg->cells[i + 1],
                (sg->ncells - i - 1) * sizeof *sg->cells);
        memset(&sg->cells[i + 1], 0, sizeof *sg->cells);
        sg->ncells++;
        i++;
    }
    return 0;
}

/* Write the chosen cells of the number into the strip out. */
static int write_cells(dg_prep_work *w, const dg_image *s,
                       const dg_prep_opts *o, dg_image *out, dg_err *e)
{
    const segment *sg = &w->sg;
    size_t i;
    char stage[32];

    if (dg_image_reshape(out, DG_CELL * sg->ncells, DG_CELL, e) < 0
        || boxes_reset(w, sg->ncells, e) < 0)
        return -1;
    memset(out->px, 0, out->w * out->h * sizeof *out->px);
    for (i = 0; i < sg->ncells; i++) {
        const seg_cell *c = &sg->cells[i];

        if (c->count == 0)
            continue;
        if (draw_cell(w, s, o, w->bl.pieces + c->first, c->count, i, e) < 0)
            return -1;
        if (o->debug != NULL) {
            if (sg->ncells == 1)
                snprintf(stage, sizeof stage, "crop");
            else
                snprintf(stage, sizeof stage, "crop-%zu", i + 1);
            o->debug(o->debug_ctx, stage, &w->crop);
        }
        if (cell_make(&w->cs, &w->crop, o->deskew, o->binary,
                      out->px + DG_CELL * i, out->w, e) < 0)
            return -1;
    }
    return 0;
}

/* Whether the one piece of w->bl, a mark no wider than SURE_ASPECT times
 * its height, is read by the network as one digit with probability
 * SURE_PROB or more: then that is the cell, in out, and 1; 2 when out
 * holds the cell but the reading is not that sure; 0 when the mark is
 * too wide to be tried (out holds nothing of use); -1 on error.  Most
 * single digits wide enough to be two end here, for one reading instead
 * of a search for cuts and a reading of every candidate. */
static int sure_single(dg_prep_work *w, const dg_image *s,
                       const dg_prep_opts *o, const dg_net *net,
                       dg_image *out, dg_err *e)
{
    const piece *pc = &w->bl.pieces[0];
    dg_prep_opts quiet = *o;
    double p;
    int digit;

    if ((double)(pc->x1 - pc->x0) > SURE_ASPECT * (double)(pc->y1 - pc->y0))
        return 0;
    /* The crop is shown only if it is the answer. */
    quiet.debug = NULL;
    if (one_cell(w, s, &quiet, out, e) < 0)
        return -1;
    digit = seg_read_cell(&w->sg, net, out->px, &p, e);
    if (digit < 0)
        return -1;
    if (digit == DG_REJECT || p < SURE_PROB)
        return 2;
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "crop", &w->crop);
    return 1;
}

/* One digit or a number: propose the pieces; when the geometry leaves
 * a doubt (or a number is wanted), let the network choose the digits. */
static int read_ink(dg_prep_work *w, const dg_image *s,
                    const dg_prep_opts *o, dg_image *out, dg_err *e)
{
    const dg_net *net;
    long doubt;
    int made = 0;           /* out holds the cell of the whole mark */

    if (o->split == DG_SPLIT_NEVER
        || (o->split == DG_SPLIT_AUTO && o->net == NULL))
        return one_cell(w, s, o, out, e);
    /* One mark wide enough to be two digits: first read whole. */
    if (o->split == DG_SPLIT_AUTO && w->bl.npieces == 1
        && cut_may_cut(&w->bl, 0)) {
        int rc;

        if ((net = o->net(o->net_ctx, e)) == NULL)
            return -1;
        rc = sure_single(w, s, o, net, out, e);
        if (rc < 0 || rc == 1)
            return rc < 0 ? -1 : 0;
        made = rc == 2;
    }
    doubt = seg_propose(&w->sg, &w->bl, &w->ink, s->w, e);
    if (doubt < 0)
        return -1;
    if (o->split == DG_SPLIT_AUTO && doubt == 0 && w->bl.npieces == 1) {
        /* Nothing to cut: the cell is the whole mark's, made already
         * unless the mark was too wide to try (or a picture is due). */
        if (made && o->debug == NULL)
            return 0;
        return one_cell(w, s, o, out, e);
    }
    net = o->net != NULL ? o->net(o->net_ctx, e) : NULL;
    if (net == NULL)
        return o->net != NULL ? -1
               : dg_seterr(e, "no model to read the number with");
    if (seg_choose(&w->sg, &w->bl, &w->ink, s->w, &w->cs, net, o,
                   &w->crop, o->debug != NULL, e) < 0)
        return -1;
    if (o->debug != NULL) {
        if (segpic_draw(&w->sg, &w->bl, s->w, s->h, &w->dbg, e) < 0)
            return -1;
        o->debug(o->debug_ctx, "segments", &w->dbg);
    }
    if (o->max_digits > 0)
        keep_strongest(&w->sg, &w->bl, (size_t)o->max_digits);
    if (w->sg.ncells == 0)
        return dg_seterr(e, "no ink found (blank image)");
    if (o->spaces && insert_spaces(&w->sg, e) < 0)
        return -1;
    return write_cells(w, s, o, out, e);
}

/* The kept ink of s as pieces in reading order (one a mark): returns
 * how many marks, 0 when there is no ink, -1 on error. */
static long find_pieces(dg_prep_work *w, const dg_image *s,
                        const dg_prep_opts *o, dg_err *e)
{
    long kept;
    int rc = ink_find(&w->ink, s, o, e);

    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (!o->keep_lines) {
        rc = lines_remove(&w->ln, &w->ink, s->w, s->h, e);
        if (rc < 0 || (rc > 0 && o->debug != NULL
                       && debug_lines(w, s, o, e) < 0))
            return -1;
    }
    kept = blobs_find(&w->bl, &w->ink, s->w, s->h, o, e);
    if (kept > 0 && blobs_pieces(&w->bl, e) < 0)
        return -1;
    return kept;
}

/* The factor by which a scan whose marks are small (the tallest under
 * UPSAMPLE_BELOW pixels, as in a fax) is enlarged, so that the stages
 * that follow strokes and cut between them see them whole: 1 for none. */
static size_t upsample_factor(const dg_prep_work *w, const dg_image *s)
{
    size_t i, tall = 0, f;

    for (i = 0; i < w->bl.npieces; i++) {
        size_t h = w->bl.pieces[i].y1 - w->bl.pieces[i].y0;

        tall = h > tall ? h : tall;
    }
    if (tall == 0 || tall >= UPSAMPLE_BELOW)
        return 1;
    f = (UPSAMPLE_TO + tall - 1) / tall;
    f = f > UPSAMPLE_MAX ? UPSAMPLE_MAX : f;
    while (f > 1 && s->w * f * s->h * f > DG_PREP_MAX_PIXELS)
        f--;
    return f;
}

/* w->big = s enlarged f times (linear interpolation). */
static int upsample(dg_prep_work *w, const dg_image *s, size_t f,
                    dg_err *e)
{
    if (dg_image_reshape(&w->big, s->w * f, s->h * f, e) < 0
        || dg_image_reshape(&w->bigtmp, s->w * f, s->h, e) < 0)
        return -1;
    dg_resample(s->px, s->w, s->h, w->big.px, s->w * f, s->h * f,
                w->bigtmp.px);
    return 0;
}

/* The boxes of a run on a scan enlarged f times, in the scan's pixels. */
static void shrink_boxes(dg_prep_work *w, size_t f)
{
    size_t i;

    for (i = 0; i < w->nboxes; i++) {
        dg_box *b = &w->boxes[i];
        size_t x1 = (b->x + b->w + f - 1) / f, y1 = (b->y + b->h + f - 1) / f;

        b->x /= f;
        b->y /= f;
        b->w = b->w ? x1 - b->x : 0;
        b->h = b->h ? y1 - b->y : 0;
    }
}

int dg_prep_run(dg_prep_work *w, const dg_image *s, const dg_prep_opts *o,
                dg_image *out, dg_err *e)
{
    long kept;
    size_t f = 1;

    w->nboxes = 0;
    if (s->w == 0 || s->h == 0 || s->px == NULL)
        return dg_seterr(e, "empty image");
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "grey", s);
    w->bl.scale = 1;
    kept = find_pieces(w, s, o, e);
    if (kept > 0 && !o->no_upsample
        && (f = upsample_factor(w, s)) > 1) {
        if (upsample(w, s, f, e) < 0)
            return -1;
        s = &w->big;
        w->bl.scale = f;
        if (o->debug != NULL)
            o->debug(o->debug_ctx, "upsampled", s);
        kept = find_pieces(w, s, o, e);
    }
    if (kept < 0)
        return -1;
    if (kept == 0) {
        if (!o->allow_empty)
            return dg_seterr(e, "no ink found (blank image)");
        if (dg_image_reshape(out, DG_CELL, DG_CELL, e) < 0
            || boxes_reset(w, 1, e) < 0)
            return -1;
        memset(out->px, 0, DG_CELL_PIXELS * sizeof *out->px);
    } else {
        if (o->debug != NULL && debug_mask(w, s, o, e) < 0)
            return -1;
        if (read_ink(w, s, o, out, e) < 0)
            return -1;
    }
    if (f > 1)
        shrink_boxes(w, f);
    if (o->debug != NULL)
        o->debug(o->debug_ctx, "final", out);
    return 0;
}

/* Give fn the cell and label of every labelled candidate. */
static int give_labels(dg_prep_work *w, const dg_image *s,
                       const dg_prep_opts *o, const int *label,
                       dg_prep_label_fn *fn, void *ctx, dg_err *e)
{
    float cell[DG_CELL_PIXELS];
    size_t i;

    for (i = 0; i < w->sg.ncands; i++) {
        const seg_cand *c = &w->sg.cands[i];

        if (label[i] < 0)
            continue;
        if (blobs_draw(&w->bl, &w->ink, s->w, w->bl.pieces + c->first,
                       c->count, o->binary, &w->crop, NULL, NULL, e) < 0
            || cell_make(&w->cs, &w->crop, o->deskew, o->binary, cell,
                         DG_CELL, e) < 0)
            return -1;
        fn(ctx, cell, label[i]);
    }
    return 0;
}

long dg_prep_label(dg_prep_work *w, const dg_image *s,
                   const dg_prep_opts *o, const uint8_t *digits, size_t nd,
                   dg_prep_label_fn *fn, void *ctx, dg_err *e)
{
    const dg_net *net;
    long kept, n;
    int *label;

    if (s->w == 0 || s->h == 0 || s->px == NULL)
        return dg_seterr(e, "empty image");
    if (o->net == NULL)
        return dg_seterr(e, "no model to read the number with");
    w->bl.scale = 1;
    kept = find_pieces(w, s, o, e);
    if (kept <= 0)
        return kept;
    if (seg_propose(&w->sg, &w->bl, &w->ink, s->w, e) < 0
        || (net = o->net(o->net_ctx, e)) == NULL
        || seg_choose(&w->sg, &w->bl, &w->ink, s->w, &w->cs, net, o,
                      &w->crop, 1, e) < 0)
        return -1;
    label = malloc((w->sg.ncands ? w->sg.ncands : 1) * sizeof *label);
    if (label == NULL)
        return dg_seterr(e, "out of memory");
    n = seg_label(&w->sg, &w->bl, dg_net_out(net), digits, nd, label, e);
    if (n > 0 && give_labels(w, s, o, label, fn, ctx, e) < 0)
        n = -1;
    free(label);
    return n;
}

int dg_prep(const dg_image *scan, const dg_prep_opts *o, dg_image *out,
            dg_err *e)
{
    dg_prep_work *w = dg_prep_work_new();
    int rc;

    if (w == NULL)
        return dg_seterr(e, "out of memory");
    rc = dg_prep_run(w, scan, o, out, e);
    dg_prep_work_free(w);
    return rc;
}
