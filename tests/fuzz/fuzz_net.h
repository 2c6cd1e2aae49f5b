/* fuzz_net.h - a small fixed model for the targets that read images
 * with one: a cascade (cascade.h) of 784-16-11 and 784-8-11, each
 * He-initialised from a fixed seed, the second asked below 0.999 (most
 * cells, as the first is seldom that sure), so that the paths of a
 * cascade are fuzzed too and every run of a target behaves the same on
 * the same input. */
#ifndef DG_FUZZ_NET_H
#define DG_FUZZ_NET_H

#include "cascade.h"
#include "net.h"
#include "pnmio.h"
#include "rng.h"

/* The model, built on first use; NULL if it could not be. */
static const dg_net *fuzz_net(void)
{
    static dg_net net;
    static int state;           /* 0 not built, 1 built, -1 failed */
    const size_t hidden[1] = { 16 }, small[1] = { 8 };
    dg_net second;
    dg_rng r;
    dg_err e;

    if (state == 0) {
        state = dg_net_mlp(&net, DG_CELL_PIXELS, hidden, 1, DG_MAX_CLASS,
                           &e) == 0 ? 1 : -1;
        if (state > 0) {
            dg_rng_seed(&r, 11);
            dg_net_init_he(&net, &r);
            if (dg_net_mlp(&second, DG_CELL_PIXELS, small, 1, DG_MAX_CLASS,
                           &e) < 0)
                state = -1;
        }
        if (state > 0) {
            dg_rng_seed(&r, 12);
            dg_net_init_he(&second, &r);
            if (dg_cascade_append(&net, &second, 0.999, &e) < 0) {
                dg_net_free(&second);
                state = -1;
            }
        }
    }
    return state > 0 ? &net : NULL;
}

/* libnetpbm set up once, its messages captured (pnmio.c). */
static void fuzz_pnm_init(void)
{
    static int done;

    if (!done) {
        dg_pnm_init("fuzz");
        done = 1;
    }
}

#endif
