/* apiread.c - the public API of digitfilters.h: preparing and reading
 * one image (df_prepare, df_read), as pnmdigitprep | digitclassify do. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "api.h"

#define BATCH 32                /* cells read by one forward pass */

/* What a df_result keeps between calls. */
typedef struct result_priv {
    dg_prep_work *work;
    dg_image scan, strip;       /* the input as floats; the cells */
    size_t cap;                 /* cells the arrays of r hold */
} result_priv;

/* The private part of r, made on first use; NULL with e. */
static result_priv *priv_of(df_result *r, dg_err *e)
{
    result_priv *p = r->priv;

    if (p != NULL)
        return p;
    p = calloc(1, sizeof *p);
    if (p != NULL && (p->work = dg_prep_work_new()) == NULL) {
        free(p);
        p = NULL;
    }
    if (p == NULL)
        dg_seterr(e, "out of memory");
    r->priv = p;
    return p;
}

/* im as a dg_image of floats (0 black .. 1 white) in s; 0 or -1 with e. */
static int to_scan(const df_image *im, dg_image *s, dg_err *e)
{
    const size_t size = im->format == DF_FLOAT ? sizeof(float) : 1;
    size_t x, y, stride;

    if (im->pixels == NULL || im->width == 0 || im->height == 0)
        return dg_seterr(e, "empty image (no pixels, or a 0 size)");
    if (im->width > DG_MAX_PIXELS || im->height > DG_MAX_PIXELS / im->width)
        return dg_seterr(e, "image too large (%zux%zu, limit %zu pixels)",
                         im->width, im->height, DG_MAX_PIXELS);
    stride = im->stride ? im->stride : im->width * size;
    if (im->format != DF_GREY8 && im->format != DF_FLOAT)
        return dg_seterr(e, "unknown pixel format %d", (int)im->format);
    if (stride < im->width * size)
        return dg_seterr(e, "stride %zu is less than a row (%zu bytes)",
                         stride, im->width * size);
    if (dg_image_reshape(s, im->width, im->height, e) < 0)
        return -1;
    for (y = 0; y < im->height; y++) {
        const unsigned char *row = (const unsigned char *)im->pixels
                                   + y * stride;
        float *dst = s->px + y * im->width;

        for (x = 0; x < im->width; x++) {
            float v;

            if (im->format == DF_GREY8)
                v = row[x] / 255.0f;
            else
                memcpy(&v, row + x * sizeof v, sizeof v);
            dst[x] = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
        }
    }
    return 0;
}

/* The df_prepare callback that gives prep the model's network. */
static const struct dg_net *model_net(void *ctx, dg_err *e)
{
    (void)e;
    return &((const df_model *)ctx)->net;
}

/* o (NULL: the defaults) as prep's options, reading with m if any. */
static void prep_opts(const df_model *m, const df_options *o,
                      dg_prep_opts *p)
{
    df_options d;

    if (o == NULL) {
        df_options_init(&d);
        o = &d;
    }
    dg_prep_defaults(p);
    p->ink = o->ink == DF_INK_DARK ? DG_INK_DARK
             : o->ink == DF_INK_LIGHT ? DG_INK_LIGHT : DG_INK_AUTO;
    p->split = o->split == DF_SPLIT_NEVER ? DG_SPLIT_NEVER
               : o->split == DF_SPLIT_ALWAYS ? DG_SPLIT_ALWAYS
               : DG_SPLIT_AUTO;
    p->max_digits = o->max_digits > 0 ? o->max_digits : 0;
    p->spaces = o->spaces != 0;
    p->deskew = o->deskew != 0;
    p->speck = o->speck;
    p->keep_lines = o->keep_lines != 0;
    p->net = m != NULL ? model_net : NULL;
    p->net_ctx = (void *)m;
}

/* Room for n cells in r; 0 or -1 with e. */
static int reserve(df_result *r, result_priv *p, size_t n, dg_err *e)
{
    df_digit *d;
    float *c;
    char *t;

    if (n <= p->cap)
        return 0;
    d = realloc(r->digits, n * sizeof *d);
    if (d != NULL)
        r->digits = d;
    c = realloc(r->cells, n * DG_CELL_PIXELS * sizeof *c);
    if (c != NULL)
        r->cells = c;
    t = realloc(r->text, n + 1);
    if (t != NULL)
        r->text = t;
    if (d == NULL || c == NULL || t == NULL)
        return dg_seterr(e, "out of memory");
    p->cap = n;
    return 0;
}

/* Copy the strip's cells and the driver's boxes into r. */
static int take_cells(df_result *r, result_priv *p, dg_err *e)
{
    const size_t n = p->strip.w / DG_CELL;
    size_t i, y, nbox;
    const dg_box *box = dg_prep_boxes(p->work, &nbox);

    if (reserve(r, p, n, e) < 0)
        return -1;
    memset(r->digits, 0, n * sizeof *r->digits);
    for (i = 0; i < n; i++) {
        for (y = 0; y < DG_CELL; y++)
            memcpy(r->cells + i * DG_CELL_PIXELS + y * DG_CELL,
                   p->strip.px + y * p->strip.w + i * DG_CELL,
                   DG_CELL * sizeof(float));
        r->digits[i].digit = -1;
        r->digits[i].ch = ' ';
        if (i < nbox) {
            r->digits[i].box.x = box[i].x;
            r->digits[i].box.y = box[i].y;
            r->digits[i].box.width = box[i].w;
            r->digits[i].box.height = box[i].h;
        }
        r->text[i] = ' ';
    }
    r->text[n] = '\0';
    r->count = n;
    return 0;
}

long df_prepare(const df_model *m, const df_image *im, const df_options *o,
                df_result *r)
{
    dg_prep_opts po;
    result_priv *p;
    dg_err e;

    r->count = 0;
    if ((p = priv_of(r, &e)) == NULL || to_scan(im, &p->scan, &e) < 0)
        return dg_api_fail(&e);
    prep_opts(m, o, &po);
    if (dg_prep_run(p->work, &p->scan, &po, &p->strip, &e) < 0
        || take_cells(r, p, &e) < 0)
        return dg_api_fail(&e);
    return (long)r->count;
}

/* Fill digit d from the k probabilities q of its cell. */
static void read_cell(df_digit *d, const float *q, size_t k, float minconf,
                      int blank)
{
    size_t j, best = 0, top = 0;

    for (j = 0; j < k; j++) {
        if (j < DG_NCLASS && q[j] > q[best])
            best = j;
        if (q[j] > q[top])
            top = j;
    }
    if (blank)
        return;
    for (j = 0; j < DG_NCLASS; j++)
        d->prob[j] = q[j];
    d->reject = k > DG_REJECT ? q[DG_REJECT] : 0.0f;
    d->digit = (int)best;
    d->confidence = q[best];
    d->ch = top == DG_REJECT || q[best] < minconf ? '?'
            : (char)('0' + best);
}

/* Read every cell of r with net. */
static int read_cells(const dg_net *net, df_result *r, float minconf,
                      dg_err *e)
{
    const size_t k = dg_net_out(net);
    size_t pos, i, j;
    dg_acts acts;

    if (dg_acts_alloc(&acts, net, BATCH, e) < 0)
        return -1;
    for (pos = 0; pos < r->count; pos += BATCH) {
        const size_t b = r->count - pos < BATCH ? r->count - pos : BATCH;
        const float *q;

        memcpy(acts.act[0], r->cells + pos * DG_CELL_PIXELS,
               b * DG_CELL_PIXELS * sizeof(float));
        q = dg_net_forward(net, &acts, b);
        for (i = 0; i < b; i++) {
            const float *cell = r->cells + (pos + i) * DG_CELL_PIXELS;
            int blank = 1;

            for (j = 0; j < DG_CELL_PIXELS && blank; j++)
                blank = cell[j] <= 0.0f;
            read_cell(&r->digits[pos + i], q + i * k, k, minconf, blank);
            r->text[pos + i] = r->digits[pos + i].ch;
        }
    }
    dg_acts_free(&acts);
    return 0;
}

long df_read(const df_model *m, const df_image *im, const df_options *o,
             df_result *r)
{
    dg_err e;

    if (m == NULL) {
        r->count = 0;
        dg_seterr(&e, "no model to read the digits with");
        return dg_api_fail(&e);
    }
    if (df_prepare(m, im, o, r) < 0)
        return -1;
    if (read_cells(&m->net, r, o != NULL ? o->min_confidence : 0, &e) < 0)
        return dg_api_fail(&e);
    return (long)r->count;
}

void df_result_free(df_result *r)
{
    result_priv *p = r->priv;

    if (p != NULL) {
        dg_prep_work_free(p->work);
        dg_image_free(&p->scan);
        dg_image_free(&p->strip);
        free(p);
    }
    free(r->digits);
    free(r->cells);
    free(r->text);
    memset(r, 0, sizeof *r);
}
