/* fuzz_idx.c - the IDX reader (plain or gzip) on any bytes. */
#include <config.h>

#include "fuzz.h"
#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fuzz_stream(data, size);
    dg_idx idx;
    dg_err e;
    size_t j, sum = 0;

    if (f == NULL)
        return 0;
    if (dg_idx_read_stream(&idx, f, "input", &e) == 0) {
        /* Every byte the header announced is there to read. */
        for (j = 0; j < idx.count; j++)
            sum += idx.data[j];
        if (idx.ndim == 3 && dg_idx_transpose(&idx, &e) < 0)
            __builtin_trap();
        dg_idx_free(&idx);
    }
    fclose(f);
    return (int)(sum & 0);
}
