/* test_cascade.c - a cascade of networks: which cells the later network
 * reads, how the answers combine, the file round trip, and the files and
 * joins refused. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"
#include "model.h"
#include "net.h"
#include "recipe.h"
#include "tap.h"
#include "refused.h"

#define ROWS 40

static dg_net make_net(size_t hid, size_t classes, uint64_t seed)
{
    const size_t hidden[1] = { hid };
    dg_net net;
    dg_rng r;
    dg_err e;

    dg_net_mlp(&net, 784, hidden, 1, classes, &e);
    dg_rng_seed(&r, seed);
    dg_net_init_he(&net, &r);
    /* Large last-layer weights: some cells sure, some not. */
    for (size_t j = 0; j < hid * classes; j++)
        net.params[net.layer[1].w + j] *= 3.0f;
    return net;
}

static void fill_cells(float *x, size_t n, uint64_t seed)
{
    dg_rng r;

    dg_rng_seed(&r, seed);
    for (size_t i = 0; i < n * 784; i++)
        x[i] = (float)dg_rng_uniform(&r);
}

/* Probabilities of net alone (a plain forward) for the n cells x. */
static void read_alone(const dg_net *net, const float *x, size_t n,
                       float *p)
{
    dg_net one = dg_cascade_first(net);
    dg_acts a;
    dg_err e;

    dg_acts_alloc(&a, &one, n, &e);
    memcpy(a.act[0], x, n * 784 * sizeof *x);
    memcpy(p, dg_net_forward(&one, &a, n), n * dg_net_out(net) * sizeof *p);
    dg_acts_free(&a);
}

static float row_max(const float *p, size_t k)
{
    float m = p[0];

    for (size_t j = 1; j < k; j++)
        m = p[j] > m ? p[j] : m;
    return m;
}

static void check_reading(void)
{
    dg_net a = make_net(12, 11, 1), b = make_net(20, 11, 2), ac;
    float x[ROWS * 784], pa[ROWS * 11], pb[ROWS * 11];
    const double below = 0.9;
    size_t i, asked = 0, bad_same = 0, bad_mean = 0;
    dg_acts acts;
    const float *p;
    dg_err e;

    fill_cells(x, ROWS, 3);
    read_alone(&a, x, ROWS, pa);
    read_alone(&b, x, ROWS, pb);
    tap_ok(dg_cascade_append(&a, &b, below, &e) == 0, "join two networks");
    tap_ok(b.params == NULL && b.next == NULL,
           "the joined network is moved into the cascade");
    tap_ok(dg_cascade_members(&a) == 2, "two members");
    tap_ok(dg_acts_alloc(&acts, &a, ROWS, &e) == 0 && acts.next != NULL,
           "buffers for both members");
    memcpy(acts.act[0], x, sizeof x);
    p = dg_net_forward(&a, &acts, ROWS);
    for (i = 0; i < ROWS; i++) {
        const float *q = p + i * 11, *r = pa + i * 11, *s = pb + i * 11;
        double sum = 0, l[11];
        size_t k;

        if (row_max(r, 11) >= below) {
            bad_same += memcmp(q, r, 11 * sizeof *q) != 0;
            continue;
        }
        asked++;
        for (k = 0; k < 11; k++)
            sum += (l[k] = sqrt((double)r[k] * s[k]));
        for (k = 0; k < 11; k++)
            bad_mean += fabs(q[k] - l[k] / sum) > 1e-5;
    }
    tap_diag("%zu of %d cells read by the second network", asked, ROWS);
    tap_ok(asked > 0 && asked < ROWS,
           "the second network reads some cells, not all");
    tap_ok(bad_same == 0,
           "a cell the first is sure of keeps the first one's answer");
    tap_ok(bad_mean == 0,
           "a cell read by both gets their normalised geometric mean");
    dg_acts_free(&acts);

    /* The first member alone, as pnmdigitprep reads candidates. */
    ac = dg_cascade_first(&a);
    tap_ok(ac.next == NULL && ac.params == a.params,
           "dg_cascade_first is the first network alone");

    /* Round trip through the file format. */
    {
        unsigned char *buf;
        size_t len;
        dg_net back;

        tap_ok(dg_model_encode(&a, &buf, &len, &e) == 0, "encode a cascade");
        tap_ok(dg_model_decode(&back, buf, len, &e) == 0
               && dg_cascade_members(&back) == 2
               && fabsf(back.next->below - (float)below) < 1e-6f
               && back.next->nparams == a.next->nparams
               && memcmp(back.next->params, a.next->params,
                         a.next->nparams * sizeof(float)) == 0,
               "decode it: two networks, the threshold and the weights");
        dg_net_free(&back);
        free(buf);
    }
    dg_net_free(&a);
}

/* The blocks of a and b one after another, into *buf. */
static size_t concat(const dg_net *a, const dg_net *b, unsigned char **buf)
{
    unsigned char *x, *y;
    size_t lx, ly;
    dg_err e;

    dg_model_encode(a, &x, &lx, &e);
    dg_model_encode(b, &y, &ly, &e);
    *buf = malloc(lx + ly);
    memcpy(*buf, x, lx);
    memcpy(*buf + lx, y, ly);
    free(x);
    free(y);
    return lx + ly;
}

static void check_refused(void)
{
    dg_net a = make_net(8, 11, 4), b = make_net(8, 11, 5),
           ten = make_net(8, 10, 6), c;
    unsigned char *buf;
    size_t len;
    dg_err e;

    /* A second block without its threshold. */
    len = concat(&a, &b, &buf);
    refused(buf, len, "has no cascade_below", "a network without threshold");
    free(buf);
    dg_meta_set(&b, "cascade_below", "1.5", &e);
    len = concat(&a, &b, &buf);
    refused(buf, len, "is not in (0, 1]", "a threshold above 1");
    free(buf);
    /* Different classes. */
    dg_meta_set(&ten, "cascade_below", "0.9", &e);
    len = concat(&a, &ten, &buf);
    refused(buf, len, "gives 10 classes", "networks of different classes");
    free(buf);
    /* A damaged second block names it. */
    dg_meta_set(&b, "cascade_below", "0.9", &e);
    len = concat(&a, &b, &buf);
    buf[len - 10] ^= 0x40;
    refused(buf, len, "network 2 of the cascade: checksum mismatch",
            "a damaged second network");
    /* Garbage after the first block is still trailing data. */
    {
        unsigned char *one;
        size_t n;

        dg_model_encode(&a, &one, &n, &e);
        memcpy(buf, one, n);
        memset(buf + n, 'x', len - n);
        refused(buf, len, "trailing data", "bytes after a network");
        free(one);
    }
    free(buf);

    /* Joins refused. */
    tap_ok(dg_cascade_append(&a, &ten, 0.9, &e) < 0
           && strstr(e.msg, "do not fit together") != NULL
           && ten.params != NULL,
           "joining networks of different classes is refused: \"%s\"",
           e.msg);
    tap_ok(dg_cascade_append(&a, &b, 0, &e) < 0 && b.params != NULL,
           "a threshold of 0 is refused: \"%s\"", e.msg);
    c = make_net(8, 11, 7);
    tap_ok(dg_cascade_append(&a, &b, 0.5, &e) == 0
           && dg_cascade_append(&a, &c, 0.5, &e) == 0,
           "three networks joined");
    for (int i = 0; i < 2; i++) {
        dg_net d = make_net(8, 11, 8 + i);
        int rc = dg_cascade_append(&a, &d, 0.5, &e);

        if (i == 0)
            tap_ok(rc == 0, "a fourth network joined");
        else
            tap_ok(rc < 0 && strstr(e.msg, "at most") != NULL,
                   "a fifth is refused: \"%s\"", e.msg);
        if (rc < 0)
            dg_net_free(&d);
    }
    dg_net_free(&a);
    dg_net_free(&ten);
}

/* dg_cascade_asks: asked when the best probability is below the
 * threshold of some later member, never for a plain network. */
static void check_asks(void)
{
    dg_net net = make_net(8, 10, 31), second = make_net(8, 10, 32),
           third = make_net(8, 10, 33);
    float p[10] = { 0 };
    dg_err e;

    p[3] = 0.95f;
    p[5] = 0.05f;
    tap_ok(!dg_cascade_asks(&net, p), "asks: a plain network asks nobody");
    tap_ok(dg_cascade_append(&net, &second, 0.9, &e) == 0
           && dg_cascade_append(&net, &third, 0.99, &e) == 0,
           "asks: a cascade of three");
    tap_ok(dg_cascade_asks(&net, p), "asks: 0.95 is below the third's 0.99");
    p[3] = 0.995f;
    p[5] = 0.005f;
    tap_ok(!dg_cascade_asks(&net, p), "asks: 0.995 is above both");
    p[3] = 0.5f;
    p[5] = 0.5f;
    tap_ok(dg_cascade_asks(&net, p), "asks: 0.5 is below both");
    dg_net_free(&net);
}

int main(void)
{
    check_reading();
    check_asks();
    check_refused();
    return tap_done();
}
