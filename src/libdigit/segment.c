/* segment.c - where one digit ends: segmentation by recognition.
 *
 * Geometry proposes, the network decides.  seg_propose has cuts.c cut
 * every component wide enough to hold two touching digits, which gives
 * a row of pieces in reading order.  seg_choose reads every run of up
 * to SEG_SPAN neighbouring pieces as one candidate digit (normalised
 * exactly as the output cells are) and keeps the partition of the
 * pieces whose total cost is least: per digit -log p(its best digit)
 * plus priors on its height and width relative to the line of digits, a
 * cost for each cut the path goes through, and for a piece left out (a
 * speck), a cost that grows with its ink.  A network with the "not one
 * digit" class gives fragments and pairs a low p(best digit) by itself.
 * Only the candidates whose least possible cost could still improve the
 * best path are read.
 *
 * Bounds: at most SEG_SPAN pieces per candidate, so the candidates grow
 * linearly with the pieces, and each costs a pass over its own runs. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"
#include "prep_int.h"

#define SEG_BATCH 64            /* candidates per forward pass */
#define SEG_SPAN 8              /* pieces in one candidate digit */
#define CONFIRM_ROUNDS 4        /* paths chosen again (confirm_path) */

/* Costs of a path (tuned on the development numbers). */
#define COST_CUT 0.3            /* a cut the path goes through ... */
#define COST_CUT_INK 2.0        /* ... plus this times its ink / height */
#define COST_STROKE 0.5         /* ... and this for each stroke crossed
                                 * after the first (a cut through a loop) */
#define COST_SHORT 8.0          /* per unit of height below SHORT */
#define SHORT 0.6
#define COST_WIDE 6.0           /* per unit of width above WIDE */
#define WIDE 1.0
#define COST_SKIP 60.0          /* leaving out ink: per ink / height^2 */
#define CONFIDENT 0.9           /* a whole mark read this surely ... */
#define WHOLE_BONUS 3.0         /* ... costs this much less */
#define MERGE_GAP 0.3           /* pieces further apart are not joined */
#define MERGE_WIDTH 1.3         /* nor into something wider than this */



/* The height of the line of digits: the joint height of the pieces
 * with at least a quarter of the ink of the largest. */
static double line_height(const blobs *b)
{
    size_t i, top = (size_t)-1, bot = 0;
    double most = 0;

    for (i = 0; i < b->npieces; i++)
        most = b->pieces[i].ink > most ? b->pieces[i].ink : most;
    for (i = 0; i < b->npieces; i++) {
        const piece *pc = &b->pieces[i];

        if (pc->ink < 0.25 * most)
            continue;
        top = pc->y0 < top ? pc->y0 : top;
        bot = pc->y1 > bot ? pc->y1 : bot;
    }
    return bot > top ? (double)(bot - top) : 1.0;
}

long seg_propose(segment *sg, blobs *b, const ink_plane *p, size_t W,
                 dg_err *e)
{
    sg->href = line_height(b);
    return cut_propose(&sg->cut, b, p, W, sg->href, e);
}

/* ------------------------------------------------------------------ */
/* Choosing the digits                                                 */

/* The candidates: every run of up to SEG_SPAN neighbouring pieces that
 * is not too wide and has no wide gap inside. */
static int list_candidates(segment *sg, const blobs *b, dg_err *e)
{
    size_t i, j;

    /* How many pieces each component was cut into. */
    if (dg_grow(&sg->npart, &sg->npartcap, b->ncomps ? b->ncomps : 1,
                sizeof(size_t), e) < 0)
        return -1;
    memset(sg->npart, 0, b->ncomps * sizeof(size_t));
    for (i = 0; i < b->npieces; i++)
        sg->npart[b->pieces[i].comp]++;
    sg->ncands = 0;
    for (i = 0; i < b->npieces; i++) {
        size_t x0 = b->pieces[i].x0, x1 = b->pieces[i].x1;
        int one = 1;

        for (j = i; j < b->npieces && j < i + SEG_SPAN; j++) {
            const piece *pc = &b->pieces[j];
            seg_cand *c;

            /* The parts of one mark may always be joined again, however
             * wide it is (a flat 0); other marks only when near. */
            if (j > i) {
                one = one && pc->comp == b->pieces[i].comp;
                if (!one
                    && (double)pc->x0 > (double)x1 + MERGE_GAP * sg->href)
                    break;
                x0 = pc->x0 < x0 ? pc->x0 : x0;
                x1 = pc->x1 > x1 ? pc->x1 : x1;
                if (!one && (double)(x1 - x0) > MERGE_WIDTH * sg->href)
                    break;
            }
            if (dg_grow(&sg->cands, &sg->candcap, sg->ncands + 1,
                        sizeof(seg_cand), e) < 0)
                return -1;
            c = &sg->cands[sg->ncands++];
            c->first = i;
            c->count = j - i + 1;
            c->digit = -1;
            c->prob = 0;
            c->shape = c->cost = c->bound = 0;
            c->read = c->asked = 0;
        }
    }
    return 0;
}

/* The box of pieces [first, first + count). */
static void cand_box(const blobs *b, size_t first, size_t count,
                     size_t *x0, size_t *y0, size_t *x1, size_t *y1)
{
    size_t k;

    *x0 = *y0 = (size_t)-1;
    *x1 = *y1 = 0;
    for (k = first; k < first + count; k++) {
        const piece *pc = &b->pieces[k];

        *x0 = pc->x0 < *x0 ? pc->x0 : *x0;
        *y0 = pc->y0 < *y0 ? pc->y0 : *y0;
        *x1 = pc->x1 > *x1 ? pc->x1 : *x1;
        *y1 = pc->y1 > *y1 ? pc->y1 : *y1;
    }
}

/* What a candidate costs beyond -log p: its shape against the line's
 * height, and the cut it starts at. */
static double shape_cost(const segment *sg, const blobs *b,
                         const seg_cand *c, int whole)
{
    size_t x0, y0, x1, y1;
    double hr, wr, cost = 0;
    const piece *first = &b->pieces[c->first];

    cand_box(b, c->first, c->count, &x0, &y0, &x1, &y1);
    hr = (double)(y1 - y0) / sg->href;
    wr = (double)(x1 - x0) / sg->href;
    if (hr < SHORT)
        cost += COST_SHORT * (SHORT - hr);
    if (wr > WIDE && !whole)
        cost += COST_WIDE * (wr - WIDE);
    if (first->lcut != NO_CUT) {
        const cut *k = &b->cuts[first->lcut];

        cost += COST_CUT + COST_CUT_INK * k->ink / sg->href
                + COST_STROKE * (double)(k->strokes > 1 ? k->strokes - 1 : 0);
    }
    return cost;
}

/* Whether candidate c is exactly one mark: all the pieces of one
 * component, and nothing else. */
static int whole_mark(const segment *sg, const blobs *b, const seg_cand *c)
{
    size_t k, mark = b->pieces[c->first].comp;

    for (k = c->first + 1; k < c->first + c->count; k++)
        if (b->pieces[k].comp != mark)
            return 0;
    return sg->npart[mark] == c->count;
}

/* The probability of digit best of the probabilities pr (nout) as the
 * segmentation weighs it: with the class "not one digit" at the prior
 * of the training set, as it was before digittrain --reject-bias moved
 * it for single cells.  Among candidates, pieces and pairs are as common
 * as in training; among the cells written, they are rare. */
static double seg_prob(const segment *sg, const float *pr, int best,
                       size_t nout)
{
    double rej;

    if (nout <= DG_REJECT)
        return pr[best];
    rej = pr[DG_REJECT];
    return pr[best] / (1.0 - rej + sg->reject_weight * rej);
}

/* The reading of the probabilities pr (nout): the likeliest digit in
 * *best, and that digit or DG_REJECT when "not one digit" is likelier. */
static int reading(const float *pr, size_t nout, int *best)
{
    size_t k;
    int b = 0;

    for (k = 1; k < 10 && k < nout; k++)
        if (pr[k] > pr[b])
            b = (int)k;
    *best = b;
    return nout > DG_REJECT && pr[DG_REJECT] > pr[b] ? DG_REJECT : b;
}

/* Make sg->reader the first network of net and sg->acts ready for its
 * batches. */
static int use_net(segment *sg, const dg_net *net, dg_err *e)
{
    char v[64];

    if (sg->acts_net == net)
        return 0;
    dg_acts_free(&sg->acts);
    dg_acts_free(&sg->whole);
    sg->acts_net = NULL;
    sg->reader = dg_cascade_first(net);
    if (dg_acts_alloc(&sg->acts, &sg->reader, SEG_BATCH, e) < 0
        || dg_acts_alloc(&sg->whole, net, SEG_BATCH, e) < 0)
        return -1;
    sg->acts_net = net;
    /* Undo the bias digittrain --reject-bias added after training. */
    sg->reject_weight = dg_meta_get(net, "reject_bias", v, sizeof v) == 0
                        ? exp(-atof(v)) : 1.0;
    return 0;
}

int seg_read_cell(segment *sg, const dg_net *net, const float *cell,
                  double *prob, dg_err *e)
{
    const float *pr;
    int best, digit;

    if (use_net(sg, net, e) < 0)
        return -1;
    memcpy(sg->whole.act[0], cell, DG_CELL_PIXELS * sizeof *cell);
    pr = dg_net_forward(net, &sg->whole, 1);
    digit = reading(pr, dg_net_out(net), &best);
    *prob = pr[best];
    return digit;
}

/* What reads the candidates: the ink they are drawn from, the network,
 * and the scratch of a cell. */
typedef struct reader {
    segment *sg;
    const blobs *b;
    const ink_plane *p;
    size_t W;
    cell_scratch *cs;
    const dg_net *net;
    const dg_prep_opts *o;
    dg_image *crop;
} reader;

/* The least that candidate c can cost, before it is read: its shape
 * (with the bonus of a confident whole mark, which it may earn) and the
 * least -log p the network can give. */
static double cost_bound(const segment *sg, const blobs *b,
                         const seg_cand *c)
{
    const double least_p = -log(1.0 / (sg->reject_weight < 1.0
                                       ? sg->reject_weight : 1.0) + 1e-6);

    if (whole_mark(sg, b, c))
        return least_p + shape_cost(sg, b, c, 1) - WHOLE_BONUS;
    return least_p + shape_cost(sg, b, c, 0);
}

/* Candidate k read as the probabilities pr: its reading and cost. */
static void score(reader *r, size_t k, const float *pr)
{
    segment *sg = r->sg;
    const size_t nout = dg_net_out(r->net);
    seg_cand *c = &sg->cands[k];
    int best, whole;

    memcpy(sg->probs + k * nout, pr, nout * sizeof *pr);
    c->digit = reading(pr, nout, &best);
    c->prob = pr[best];
    c->read = 1;
    /* A whole mark read confidently as one digit, however wide (a 7
     * with a long bar), is cut only when its pieces read clearly
     * better. */
    whole = c->digit != DG_REJECT && c->prob >= CONFIDENT
            && whole_mark(sg, r->b, c);
    c->shape = shape_cost(sg, r->b, c, whole) - (whole ? WHOLE_BONUS : 0);
    c->cost = -log(seg_prob(sg, pr, best, nout) + 1e-6) + c->shape;
}

/* Score the candidates idx[0 .. n) from the n cells read in sg->acts. */
static void score_batch(reader *r, const size_t *idx, size_t n)
{
    segment *sg = r->sg;
    const float *prob = dg_net_forward(&sg->reader, &sg->acts, n);
    const size_t nout = dg_net_out(r->net);
    size_t i;

    for (i = 0; i < n; i++) {
        const float *pr = prob + i * nout;
        seg_cand *c = &sg->cands[idx[i]];

        /* The candidate of all the ink, when there are others, is read
         * by the whole model, which asks its later networks when the
         * first is unsure (cascade.h): whether one digit is cut in two
         * hangs on that reading. */
        if (r->net->next != NULL && c->first == 0
            && c->count == r->b->npieces && c->count > 1) {
            /* The first network's answer is pr: only the later ones
             * are left to read. */
            float *q = sg->whole.act[r->net->nlayers];

            memcpy(sg->whole.act[0], sg->acts.act[0] + i * DG_CELL_PIXELS,
                   DG_CELL_PIXELS * sizeof *pr);
            memcpy(q, pr, nout * sizeof *pr);
            dg_cascade_forward(r->net, &sg->whole, 1, q);
            pr = q;
            c->asked = 1;
        }
        score(r, idx[i], pr);
    }
}

/* The cell of candidate c, normalised as the written cells are, into
 * cell (DG_CELL_PIXELS). */
static int draw_cand(reader *r, const seg_cand *c, float *cell, dg_err *e)
{
    if (blobs_draw(r->b, r->p, r->W, r->b->pieces + c->first, c->count,
                   r->o->binary, r->crop, NULL, NULL, e) < 0)
        return -1;
    return cell_make(r->cs, r->crop, r->o->deskew, r->o->binary, cell,
                     DG_CELL, e);
}

/* Classify the candidates idx[0 .. n), SEG_BATCH at a time. */
static int read_list(reader *r, const size_t *idx, size_t n, dg_err *e)
{
    segment *sg = r->sg;
    size_t i, m = 0;

    for (i = 0; i < n; i++) {
        if (draw_cand(r, &sg->cands[idx[i]],
                      sg->acts.act[0] + m * DG_CELL_PIXELS, e) < 0)
            return -1;
        if (++m == SEG_BATCH) {
            score_batch(r, idx + i + 1 - m, m);
            m = 0;
        }
    }
    if (m > 0)
        score_batch(r, idx + n - m, m);
    return 0;
}

/* Classify every candidate not read yet. */
static int read_rest(reader *r, dg_err *e)
{
    segment *sg = r->sg;
    size_t i, n = 0;

    if (dg_grow(&sg->order, &sg->ordercap, sg->ncands ? sg->ncands : 1,
                sizeof(size_t), e) < 0)
        return -1;
    for (i = 0; i < sg->ncands; i++)
        if (!sg->cands[i].read)
            sg->order[n++] = i;
    return read_list(r, sg->order, n, e);
}

/* (Measured: a part of a cut mark costs no more to leave out than a
 * mark; the stray end of a stroke is one.) */
double seg_skip_cost(const segment *sg, const piece *pc)
{
    return COST_SKIP * pc->ink / (sg->href * sg->href);
}

/* Among the candidates ending at piece j (at most SEG_SPAN, one for
 * each first piece i), into ends, cheapest first by the least each can
 * cost on a path, in lb.  Returns how many. */
static size_t ending_at(const segment *sg, size_t j, size_t *ends,
                        double *lb)
{
    size_t i, n = 0, a, k;

    for (i = j > SEG_SPAN ? j - SEG_SPAN : 0; i < j; i++) {
        k = sg->start[i] + (j - i - 1);
        if (k >= sg->start[i + 1])
            continue;           /* that run was not a candidate */
        ends[n] = k;
        lb[n] = sg->best[i] + sg->cands[k].bound;
        for (a = n++; a > 0 && lb[a - 1] > lb[a]; a--) {
            double t = lb[a];
            size_t u = ends[a];

            lb[a] = lb[a - 1], ends[a] = ends[a - 1];
            lb[a - 1] = t, ends[a - 1] = u;
        }
    }
    return n;
}

/* The path of least cost over the pieces: every piece in one chosen
 * candidate, or left out.  Candidates come grouped by their first
 * piece, with counts 1, 2, ... in each group.  A candidate is read only
 * when the least it could cost would still better the best path to its
 * end so far: the path is the one reading every candidate would give,
 * at a fraction of the network's work (most runs of pieces start in the
 * middle of a digit, where every path is already dear).  With all, every
 * candidate has been read and every one is weighed. */
static int best_path(reader *r, int all, dg_err *e)
{
    segment *sg = r->sg;
    const size_t n = r->b->npieces;
    size_t i, j, q, m, ends[SEG_SPAN], todo[SEG_SPAN];
    double lb[SEG_SPAN];

    if (dg_grow(&sg->best, &sg->bestcap, n + 1, sizeof(double), e) < 0
        || dg_grow(&sg->from, &sg->fromcap, n + 1, sizeof(size_t), e) < 0
        || dg_grow(&sg->take, &sg->takecap, n + 1, sizeof(size_t), e) < 0
        || dg_grow(&sg->start, &sg->startcap, n + 1, sizeof(size_t), e) < 0)
        return -1;
    for (i = 0, j = 0; i <= n; i++) {
        while (j < sg->ncands && sg->cands[j].first < i)
            j++;
        sg->start[i] = j;
    }
    sg->best[0] = 0;
    for (j = 1; j <= n; j++) {
        sg->best[j] = sg->best[j - 1]
                      + seg_skip_cost(sg, &r->b->pieces[j - 1]);
        sg->from[j] = j - 1;
        sg->take[j] = NO_CUT;
        m = ending_at(sg, j, ends, lb);
        for (q = 0; q < m && (all || lb[q] < sg->best[j]); q++) {
            const seg_cand *c = &sg->cands[ends[q]];
            double cost;

            if (!c->read) {
                /* The cheapest alone, which sets a bound; then all the
                 * others still under it at once. */
                size_t t, nt = 0;

                for (t = q; t < m && (t == q || q > 0)
                            && lb[t] < sg->best[j]; t++)
                    if (!sg->cands[ends[t]].read)
                        todo[nt++] = ends[t];
                if (read_list(r, todo, nt, e) < 0)
                    return -1;
            }
            cost = sg->best[c->first] + c->cost;
            if (cost < sg->best[j]) {
                sg->best[j] = cost;
                sg->from[j] = c->first;
                sg->take[j] = ends[q];
            }
        }
    }
    return 0;
}

/* The cells of the chosen path are the cells written, and digitclassify
 * reads them with the whole model, whose later networks are asked about
 * the cells the first was unsure of.  Ask them now, and choose the path
 * again with their answers: they may find a chosen cell two touching
 * digits, or not the digit the first network read, and then the path
 * through the cuts wins.  A path has few cells, each is asked once, and
 * most are sure already, so this costs far less than asking about every
 * candidate (which the measures in model/README weigh). */
static int confirm_path(reader *r, dg_err *e)
{
    segment *sg = r->sg;
    const size_t nout = dg_net_out(r->net);
    float *p = sg->whole.act[r->net->nlayers];
    size_t round, j, i, n;

    if (r->net->next == NULL)
        return 0;
    if (dg_grow(&sg->order, &sg->ordercap, SEG_BATCH, sizeof(size_t), e) < 0)
        return -1;
    for (round = 0; round < CONFIRM_ROUNDS; round++) {
        n = 0;
        for (j = r->b->npieces; j > 0 && n < SEG_BATCH; j = sg->from[j]) {
            const size_t k = sg->take[j];
            seg_cand *c;
            const float *pr;

            if (k == NO_CUT || sg->cands[k].asked)
                continue;
            c = &sg->cands[k];
            c->asked = 1;
            pr = sg->probs + k * nout;
            if (!dg_cascade_asks(r->net, pr))
                continue;
            if (draw_cand(r, c, sg->whole.act[0] + n * DG_CELL_PIXELS, e) < 0)
                return -1;
            memcpy(p + n * nout, pr, nout * sizeof *pr);
            sg->order[n++] = k;
        }
        if (n == 0)
            break;
        dg_cascade_forward(r->net, &sg->whole, n, p);
        for (i = 0; i < n; i++)
            score(r, sg->order[i], p + i * nout);
        if (best_path(r, 0, e) < 0)
            return -1;
    }
    return 0;
}

/* Walk the path back into sg->cells, in reading order. */
static int path_cells(reader *r, dg_err *e)
{
    segment *sg = r->sg;
    const blobs *b = r->b;
    size_t j, k = 0;

    sg->ncells = 0;
    for (j = b->npieces; j > 0; j = sg->from[j])
        k += sg->take[j] != NO_CUT;
    if (k == 0 && sg->ncands > 0) {
        /* All ink left out: there is ink, so the best candidate it is. */
        size_t i, least = 0;

        if (read_rest(r, e) < 0)
            return -1;
        for (i = 1; i < sg->ncands; i++)
            if (sg->cands[i].cost < sg->cands[least].cost)
                least = i;
        for (j = b->npieces; j > 0; j--)
            sg->from[j] = j - 1, sg->take[j] = NO_CUT;
        j = sg->cands[least].first + sg->cands[least].count;
        sg->take[j] = least;
        sg->from[j] = sg->cands[least].first;
        for (i = sg->cands[least].first; i > 0; i--)
            sg->from[i] = i - 1;
        k = 1;
    }
    if (dg_grow(&sg->cells, &sg->cellcap, k ? k : 1, sizeof(seg_cell), e)
        < 0)
        return -1;
    sg->ncells = k;
    for (j = b->npieces; j > 0; j = sg->from[j]) {
        const seg_cand *c;
        seg_cell *cl;

        if (sg->take[j] == NO_CUT)
            continue;
        c = &sg->cands[sg->take[j]];
        cl = &sg->cells[--k];
        cl->first = c->first;
        cl->count = c->count;
        cl->digit = c->digit;
        cl->prob = c->prob;
        cand_box(b, c->first, c->count, &cl->x0, &cl->y0, &cl->x1, &cl->y1);
    }
    return 0;
}

int seg_choose(segment *sg, blobs *b, const ink_plane *p, size_t W,
               cell_scratch *cs, const dg_net *net, const dg_prep_opts *o,
               dg_image *crop, int all, dg_err *e)
{
    reader r;
    size_t i;

    r.sg = sg;
    r.b = b;
    r.p = p;
    r.W = W;
    r.cs = cs;
    r.net = net;
    r.o = o;
    r.crop = crop;
    if (list_candidates(sg, b, e) < 0
        || dg_grow(&sg->probs, &sg->probcap,
                   (sg->ncands ? sg->ncands : 1) * dg_net_out(net),
                   sizeof(float), e) < 0
        || use_net(sg, net, e) < 0)
        return -1;
    for (i = 0; i < sg->ncands; i++)
        sg->cands[i].bound = cost_bound(sg, b, &sg->cands[i]);
    if ((all && read_rest(&r, e) < 0) || best_path(&r, all, e) < 0
        || confirm_path(&r, e) < 0)
        return -1;
    return path_cells(&r, e);
}

void seg_free(segment *sg)
{
    free(sg->cands);
    free(sg->best);
    free(sg->from);
    free(sg->take);
    free(sg->start);
    free(sg->cells);
    free(sg->probs);
    free(sg->npart);
    free(sg->order);
    cut_free(&sg->cut);
    dg_acts_free(&sg->acts);
    dg_acts_free(&sg->whole);
    memset(sg, 0, sizeof *sg);
}
