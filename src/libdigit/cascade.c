/* cascade.c - several networks read one after another (see cascade.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"
#include "recipe.h"

/* Probabilities are floored here before their logarithm is taken, so
 * that two members each sure of a different class still combine. */
#define PROB_FLOOR 1e-30f

size_t dg_cascade_members(const dg_net *net)
{
    size_t n = 0;

    for (; net != NULL; net = net->next)
        n++;
    return n;
}

dg_net dg_cascade_first(const dg_net *net)
{
    dg_net v = *net;

    v.next = NULL;
    return v;
}

int dg_cascade_check(const dg_net *net, dg_err *e)
{
    const dg_net *m;
    size_t i = 1;

    if (dg_cascade_members(net) > DG_CASCADE_MAX)
        return dg_seterr(e, "a cascade of %zu networks (at most %d)",
                         dg_cascade_members(net), DG_CASCADE_MAX);
    for (m = net->next; m != NULL; m = m->next) {
        i++;
        if (dg_net_in(m) != dg_net_in(net) || dg_net_out(m) != dg_net_out(net))
            return dg_seterr(e, "network %zu of the cascade takes %zu "
                             "inputs and gives %zu classes, the first %zu "
                             "and %zu", i, dg_net_in(m), dg_net_out(m),
                             dg_net_in(net), dg_net_out(net));
        if (!(m->below > 0 && m->below <= 1))
            return dg_seterr(e, "network %zu of the cascade: threshold "
                             "cascade_below must be in (0, 1]", i);
    }
    return 0;
}

int dg_cascade_append(dg_net *net, dg_net *member, double below, dg_err *e)
{
    dg_net *copy, **tail;

    if (member->next != NULL)
        return dg_seterr(e, "a cascade cannot be a member of another");
    if (!(below > 0 && below <= 1))
        return dg_seterr(e, "threshold %g is not in (0, 1]", below);
    if (dg_net_in(member) != dg_net_in(net)
        || dg_net_out(member) != dg_net_out(net))
        return dg_seterr(e, "the networks do not fit together (%zu inputs "
                         "and %zu classes against %zu and %zu)",
                         dg_net_in(member), dg_net_out(member),
                         dg_net_in(net), dg_net_out(net));
    if (dg_cascade_members(net) >= DG_CASCADE_MAX)
        return dg_seterr(e, "a cascade holds at most %d networks",
                         DG_CASCADE_MAX);
    if (dg_meta_setf(member, e, "cascade_below", "%g", below) < 0)
        return -1;
    copy = malloc(sizeof *copy);
    if (copy == NULL)
        return dg_seterr(e, "out of memory");
    *copy = *member;
    copy->below = (float)below;
    for (tail = &net->next; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = copy;
    memset(member, 0, sizeof *member);
    return 0;
}

static float row_max(const float *p, size_t k)
{
    float m = p[0];
    size_t j;

    for (j = 1; j < k; j++)
        m = p[j] > m ? p[j] : m;
    return m;
}

/* p (k) = the normalised geometric mean of p, weighed as c members'
 * answer, and q, one more member's. */
static void combine(float *p, const float *q, size_t k, unsigned c)
{
    double l[DG_MAX_CLASS], top = -HUGE_VAL, sum = 0;
    size_t j;

    for (j = 0; j < k; j++) {
        l[j] = (c * log(p[j] > PROB_FLOOR ? p[j] : PROB_FLOOR)
                + log(q[j] > PROB_FLOOR ? q[j] : PROB_FLOOR)) / (c + 1);
        top = l[j] > top ? l[j] : top;
    }
    for (j = 0; j < k; j++)
        sum += (l[j] = exp(l[j] - top));
    for (j = 0; j < k; j++)
        p[j] = (float)(l[j] / sum);
}

int dg_cascade_asks(const dg_net *net, const float *p)
{
    const float top = row_max(p, dg_net_out(net));
    const dg_net *m;

    for (m = net->next; m != NULL; m = m->next)
        if (top < m->below)
            return 1;
    return 0;
}

void dg_cascade_forward(const dg_net *net, dg_acts *a, size_t n, float *p)
{
    const size_t in = dg_net_in(net), k = dg_net_out(net);
    const dg_net *m;
    dg_acts *ma;
    size_t r, j;

    memset(a->nread, 1, n);
    for (m = net->next, ma = a->next; m != NULL && ma != NULL;
         m = m->next, ma = ma->next) {
        dg_net one = dg_cascade_first(m);
        const float *q;
        size_t cnt = 0;

        for (r = 0; r < n; r++)
            if (row_max(p + r * k, k) < m->below) {
                memcpy(ma->act[0] + cnt * in, a->act[0] + r * in,
                       in * sizeof *a->act[0]);
                a->rows[cnt++] = r;
            }
        if (cnt == 0)
            continue;
        q = dg_net_forward(&one, ma, cnt);
        for (j = 0; j < cnt; j++) {
            r = a->rows[j];
            combine(p + r * k, q + j * k, k, a->nread[r]++);
        }
    }
}
