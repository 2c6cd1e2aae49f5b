/* train.c - SGD (with momentum, if asked) with cosine annealing, and
 * evaluation (see train.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "reject.h"
#include "train.h"

/* Stream identifiers for dg_rng_seed2: one per use of randomness. */
#define STREAM_SHUFFLE UINT64_C(0x5348554600000000)
#define STREAM_AUGMENT UINT64_C(0x4155474d00000000)
#define STREAM_REJECT UINT64_C(0x52454a4300000000)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double dg_cosine_lr(double lr, size_t t, size_t T)
{
    return T == 0 ? lr : 0.5 * lr * (1.0 + cos(M_PI * (double)t / (double)T));
}

/* One training item into dst (DG_CELL_PIXELS floats) and *label: with
 * probability o->reject a fresh reject example made from the digits of
 * d (g is created on first use), else item idx of d scaled to [0, 1];
 * then augmented when asked.  item numbers the streams of the draws. */
static int fill_item(float *dst, uint8_t *label, const dg_dataset *d,
                     uint32_t idx, const dg_train_opts *o, uint64_t item,
                     dg_reject_gen **g, dg_err *e)
{
    float in[DG_CELL_PIXELS];
    float *x = o->augment == NULL ? dst : in;
    const uint8_t *src = d->x + (size_t)idx * DG_CELL_PIXELS;
    dg_rng rng;
    size_t j;

    *label = d->y[idx];
    if (o->reject > 0) {
        dg_rng_seed2(&rng, o->seed ^ STREAM_REJECT, item);
        if (dg_rng_chance(&rng, o->reject)) {
            if (*g == NULL && (*g = dg_reject_gen_new()) == NULL)
                return dg_seterr(e, "out of memory for reject examples");
            /* Made of digits only, not of the given rejects. */
            if (dg_reject_make(*g, &rng, d->x, d->ndigit ? d->ndigit : d->n,
                               x, e) < 0)
                return -1;
            *label = DG_REJECT;
            src = NULL;
        }
    }
    if (src != NULL)
        for (j = 0; j < DG_CELL_PIXELS; j++)
            x[j] = src[j] * (1.0f / 255.0f);
    if (o->augment != NULL) {
        dg_rng_seed2(&rng, o->seed ^ STREAM_AUGMENT, item);
        dg_augment(in, dst, o->augment, &rng);
    }
    return 0;
}

/* Fill the input rows and labels of a batch: items order[0..n) of d,
 * each drawn from the streams of its (epoch, position), so the batch
 * does not depend on the number of threads. */
static int fill_batch(float *x, uint8_t *labels, const dg_dataset *d,
                      const uint32_t *order, size_t n,
                      const dg_train_opts *o, unsigned epoch, size_t pos,
                      dg_err *e)
{
    int failed = 0;

    #pragma omp parallel
    {
        dg_reject_gen *g = NULL;
        dg_err err;
        long r;

        #pragma omp for schedule(static)
        for (r = 0; r < (long)n; r++) {
            if (fill_item(x + (size_t)r * DG_CELL_PIXELS, labels + r, d,
                          order[r], o, (uint64_t)epoch * d->n + pos
                          + (size_t)r, &g, &err) < 0) {
                #pragma omp critical(dg_fill_batch_error)
                {
                    if (!failed && e != NULL)
                        *e = err;
                    failed = 1;
                }
            }
        }
        dg_reject_gen_free(g);
    }
    return failed ? -1 : 0;
}

static size_t count_right(const float *p, const uint8_t *labels, size_t n,
                          size_t k)
{
    size_t r, j, right = 0;

    for (r = 0; r < n; r++) {
        size_t best = 0;

        for (j = 1; j < k; j++)
            if (p[r * k + j] > p[r * k + best])
                best = j;
        right += best == labels[r];
    }
    return right;
}

/* One epoch of SGD; stats are updated and reported after every step. */
static int run_epoch(dg_net *net, const dg_dataset *train, dg_acts *a,
                     float *grads, float *work, uint32_t *order,
                     uint8_t *labels, const dg_train_opts *o,
                     dg_train_stats *s, double t0, dg_err *e)
{
    const size_t n = train->n, steps = s->steps, total = o->epochs * steps;
    const size_t k = dg_net_out(net);
    size_t pos, j, right = 0;
    double lsum = 0.0;
    dg_rng rng;

    for (j = 0; j < n; j++)
        order[j] = (uint32_t)j;
    dg_rng_seed2(&rng, o->seed ^ STREAM_SHUFFLE, s->epoch);
    dg_rng_shuffle(&rng, order, n);
    for (pos = 0, s->step = 0; pos < n; pos += o->batch) {
        const size_t b = n - pos < o->batch ? n - pos : o->batch;
        const size_t t = (size_t)(s->epoch - 1) * steps + s->step;
        const float lr = (float)dg_cosine_lr(o->lr, t, total);
        const float *p;

        if (fill_batch(a->act[0], labels, train, order + pos, b, o, s->epoch,
                       pos, e) < 0)
            return -1;
        p = dg_net_forward(net, a, b);
        lsum += dg_cross_entropy(p, labels, b, k) * b;
        right += count_right(p, labels, b, k);
        memset(grads, 0, net->nparams * sizeof *grads);
        dg_net_backward(net, a, b, labels, grads, work);
        if (o->momentum > 0) {
            const float mu = (float)o->momentum;
            float *v = o->velocity;

            for (j = 0; j < net->nparams; j++) {
                v[j] = mu * v[j] + grads[j];
                net->params[j] -= lr * v[j];
            }
        } else
            for (j = 0; j < net->nparams; j++)
                net->params[j] -= lr * grads[j];
        s->step++;
        s->seen = pos + b;
        s->loss = lsum / s->seen;
        s->acc = (double)right / s->seen;
        s->lr = lr;
        s->elapsed = now() - t0;
        if (o->progress != NULL && o->progress(o->ctx, s, net, e) < 0)
            return -1;
    }
    return 0;
}

int dg_train(dg_net *net, const dg_dataset *train, const dg_dataset *val,
             const dg_train_opts *o, dg_err *e)
{
    dg_acts a;
    float *grads = NULL, *work = NULL;
    uint32_t *order = NULL;
    uint8_t *labels = NULL;
    dg_train_stats s;
    const double t0 = now();
    int rc = -1;

    if (train->n == 0 || o->batch == 0 || o->epochs == 0)
        return dg_seterr(e, "nothing to train on");
    if (dg_net_check_digits(net, e) < 0)
        return -1;
    if (net->next != NULL)
        return dg_seterr(e, "a cascade of networks is not trained whole: "
                         "train each network, then join them");
    if (!(o->momentum >= 0 && o->momentum < 1))
        return dg_seterr(e, "the momentum must be in [0, 1)");
    if (o->momentum > 0 && o->velocity == NULL)
        return dg_seterr(e, "momentum needs a velocity buffer");
    if (!(o->reject >= 0 && o->reject < 1))
        return dg_seterr(e, "the share of reject examples must be in [0, 1)");
    if (o->reject > 0 && !dg_net_has_reject(net))
        return dg_seterr(e, "reject examples need a model of %d classes",
                         DG_MAX_CLASS);
    if (dg_acts_alloc(&a, net, o->batch, e) < 0)
        return -1;
    grads = malloc(net->nparams * sizeof *grads);
    work = malloc(dg_net_work_size(net, o->batch) * sizeof *work);
    order = malloc(train->n * sizeof *order);
    labels = malloc(o->batch);
    if (grads == NULL || work == NULL || order == NULL || labels == NULL) {
        dg_seterr(e, "out of memory for training");
        goto done;
    }
    memset(&s, 0, sizeof s);
    s.epochs = o->epochs;
    s.steps = (train->n + o->batch - 1) / o->batch;
    for (s.epoch = o->first_epoch + 1; s.epoch <= o->epochs; s.epoch++) {
        s.epoch_done = 0;
        s.has_val = 0;
        if (run_epoch(net, train, &a, grads, work, order, labels, o, &s, t0,
                      e) < 0)
            goto done;
        if (val != NULL && val->n > 0) {
            if (dg_evaluate(net, val, NULL, &s.val_acc, &s.val_loss, e) < 0)
                goto done;
            s.has_val = 1;
        }
        s.epoch_done = 1;
        s.elapsed = now() - t0;
        if (o->progress != NULL && o->progress(o->ctx, &s, net, e) < 0)
            goto done;
    }
    rc = 0;
done:
    dg_acts_free(&a);
    free(grads);
    free(work);
    free(order);
    free(labels);
    return rc;
}

int dg_evaluate(const dg_net *net, const dg_dataset *d, uint8_t *pred,
                double *acc, double *loss, dg_err *e)
{
    const size_t batch = dg_model_batch(net, 500), k = dg_net_out(net);
    size_t pos, r, j, right = 0;
    double lsum = 0.0;
    dg_acts a;

    if (dg_net_check_digits(net, e) < 0)
        return -1;
    if (dg_acts_alloc(&a, net, batch, e) < 0)
        return -1;
    for (pos = 0; pos < d->n; pos += batch) {
        const size_t b = d->n - pos < batch ? d->n - pos : batch;
        const float *p;

        for (j = 0; j < b * DG_CELL_PIXELS; j++)
            a.act[0][j] = d->x[pos * DG_CELL_PIXELS + j] * (1.0f / 255.0f);
        p = dg_net_forward(net, &a, b);
        lsum += dg_cross_entropy(p, d->y + pos, b, k) * b;
        for (r = 0; r < b; r++) {
            size_t best = 0;

            for (j = 1; j < k; j++)
                if (p[r * k + j] > p[r * k + best])
                    best = j;
            right += best == d->y[pos + r];
            if (pred != NULL)
                pred[pos + r] = (uint8_t)best;
        }
    }
    dg_acts_free(&a);
    if (acc != NULL)
        *acc = d->n ? (double)right / d->n : 0.0;
    if (loss != NULL)
        *loss = d->n ? lsum / d->n : 0.0;
    return 0;
}
