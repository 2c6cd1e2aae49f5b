/* fuzz_net.h - a small fixed network for the targets that read images
 * with one: 784-16-11, He-initialised from a fixed seed, so that every
 * run of a target behaves the same on the same input. */
#ifndef DG_FUZZ_NET_H
#define DG_FUZZ_NET_H

#include "net.h"
#include "pnmio.h"
#include "rng.h"

/* The network, built on first use; NULL if it could not be. */
static const dg_net *fuzz_net(void)
{
    static dg_net net;
    static int state;           /* 0 not built, 1 built, -1 failed */
    const size_t hidden[1] = { 16 };
    dg_rng r;
    dg_err e;

    if (state == 0) {
        state = dg_net_mlp(&net, DG_CELL_PIXELS, hidden, 1, DG_MAX_CLASS,
                           &e) == 0 ? 1 : -1;
        if (state > 0) {
            dg_rng_seed(&r, 11);
            dg_net_init_he(&net, &r);
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
