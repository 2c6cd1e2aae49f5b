/* fuzz_strip.c - reading digit images as digitclassify and digitaugment
 * do: a PNM stream whose images must be 28 rows high and 28k wide; each
 * good one is classified cell by cell and augmented. */
#include <config.h>

#include <string.h>

#include "augment.h"
#include "fuzz.h"
#include "fuzz_net.h"

#define MAX_CELLS 64            /* cells of one image looked at */

/* Classify and augment the k cells of the strip im. */
static void use_strip(const dg_image *im, size_t k, dg_acts *a)
{
    const dg_net *net = fuzz_net();
    float in[DG_CELL_PIXELS], out[DG_CELL_PIXELS];
    dg_aug_opts o;
    dg_rng r;
    size_t c, y;

    dg_aug_defaults(&o);
    dg_rng_seed(&r, k);
    for (c = 0; c < k && c < MAX_CELLS; c++) {
        for (y = 0; y < DG_CELL; y++)
            memcpy(in + y * DG_CELL, im->px + y * im->w + c * DG_CELL,
                   DG_CELL * sizeof *in);
        memcpy(a->act[0], in, sizeof in);
        dg_net_forward(net, a, 1);
        dg_augment(in, out, &o, &r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fuzz_stream(data, size);
    dg_image im = { 0, 0, NULL };
    dg_pnm_reader *r;
    dg_acts a;
    dg_err e;

    fuzz_pnm_init();
    if (f == NULL || fuzz_net() == NULL
        || dg_acts_alloc(&a, fuzz_net(), 1, &e) < 0) {
        if (f != NULL)
            fclose(f);
        return 0;
    }
    r = dg_pnm_open(f, &e);
    while (r != NULL && dg_pnm_read(r, &im, &e) > 0)
        if (im.h == DG_CELL && im.w % DG_CELL == 0 && im.w > 0)
            use_strip(&im, im.w / DG_CELL, &a);
    dg_pnm_close(r);
    fclose(f);
    dg_acts_free(&a);
    dg_image_free(&im);
    return 0;
}
