/* fuzz_pnm.c - the PNM stream reader and the preparation of what it
 * reads: every image of the input through dg_prep_run, cutting numbers
 * with a small fixed network. */
#include <config.h>

#include "fuzz.h"
#include "fuzz_net.h"
#include "prep.h"

#define MAX_PREP_PIXELS (1u << 16)      /* larger images are only read */

/* The network for prep's candidates. */
static const struct dg_net *get_net(void *ctx, dg_err *e)
{
    const dg_net *net = fuzz_net();

    (void)ctx;
    if (net == NULL)
        dg_seterr(e, "no network");
    return net;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fuzz_stream(data, size);
    static dg_prep_work *work;
    dg_image im = { 0, 0, NULL }, out = { 0, 0, NULL };
    dg_pnm_reader *r;
    dg_prep_opts o;
    dg_err e;
    int n = 0;

    fuzz_pnm_init();
    if (work == NULL)
        work = dg_prep_work_new();
    if (f == NULL || work == NULL || (r = dg_pnm_open(f, &e)) == NULL) {
        if (f != NULL)
            fclose(f);
        return 0;
    }
    dg_prep_defaults(&o);
    o.net = get_net;
    /* Alternate the ways a scan is read, by the image's place. */
    while (dg_pnm_read(r, &im, &e) > 0) {
        o.split = n % 3 == 0 ? DG_SPLIT_AUTO : n % 3 == 1 ? DG_SPLIT_ALWAYS
                                                          : DG_SPLIT_NEVER;
        o.deskew = n % 2;
        if (im.w * im.h <= MAX_PREP_PIXELS)
            dg_prep_run(work, &im, &o, &out, &e);
        n++;
    }
    dg_pnm_close(r);
    fclose(f);
    dg_image_free(&im);
    dg_image_free(&out);
    return 0;
}
