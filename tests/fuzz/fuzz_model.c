/* fuzz_model.c - the model loader: dg_model_decode on any bytes, and a
 * forward pass of whatever it accepts.  Built for fuzzing with
 * -DDG_FUZZ_NO_CRC so that damaged files get past the checksum to the
 * checks behind it; built without it (make check), the target gives the
 * input a right checksum itself (when it is not right already), so a
 * kept input reaches the same code. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "model.h"
#include "net.h"

/* Decode data into net as the fuzzing build does: past the checksum. */
static int decode(dg_net *net, const uint8_t *data, size_t size, dg_err *e)
{
#ifdef DG_FUZZ_NO_CRC
    return dg_model_decode(net, data, size, e);
#else
    uint8_t *copy;
    uint32_t crc;
    int rc;

    /* A file whose checksums hold (a cascade's blocks each have one)
     * is read as it is. */
    if (dg_model_decode(net, data, size, e) == 0)
        return 0;
    copy = malloc(size ? size : 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, data, size);
    if (size >= 4) {
        crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), copy, (uInt)(size - 4));
        copy[size - 4] = (uint8_t)crc;
        copy[size - 3] = (uint8_t)(crc >> 8);
        copy[size - 2] = (uint8_t)(crc >> 16);
        copy[size - 1] = (uint8_t)(crc >> 24);
    }
    rc = dg_model_decode(net, copy, size, e);
    free(copy);
    return rc;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dg_net net;
    dg_acts a;
    dg_err e;
    const float *p;
    size_t j, k;

    if (decode(&net, data, size, &e) < 0)
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
