/* fuzz_model.c - the model loader: dg_model_decode on any bytes, and a
 * forward pass of whatever it accepts.  Built for fuzzing with
 * -DDG_FUZZ_NO_CRC so that damaged files get past the checksum to the
 * checks behind it. */
#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "model.h"
#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dg_net net;
    dg_acts a;
    dg_err e;
    const float *p;
    size_t j, k;

    if (dg_model_decode(&net, data, size, &e) < 0)
        return 0;
    /* What it accepts must run in bounded memory and time. */
    if (dg_acts_alloc(&a, &net, 2, &e) == 0) {
        for (j = 0; j < 2 * dg_net_in(&net); j++)
            a.act[0][j] = (float)(j % 7) / 7.0f;
        p = dg_net_forward(&net, &a, 2);
        k = dg_net_out(&net);
        for (j = 0; j < 2 * k; j++)
            if (!(p[j] >= 0.0f && p[j] <= 1.0f))
                __builtin_trap();       /* a probability out of [0, 1] */
        dg_acts_free(&a);
    }
    dg_net_free(&net);
    return 0;
}
