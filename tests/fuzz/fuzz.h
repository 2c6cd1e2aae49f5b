/* fuzz.h - what the fuzz targets share.  Each target is one file that
 * defines LLVMFuzzerTestOneInput, the entry point libFuzzer calls with
 * one input; main.c calls it for files when a target is built without
 * libFuzzer (AFL++, or the regression run in make check).  A target must
 * never crash, hang, leak or read out of bounds, whatever the input. */
#ifndef DG_FUZZ_H
#define DG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a read-only stream (fmemopen cannot take 0 bytes: an
 * empty input is an empty temporary file). */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size)
{
    FILE *f;

    if (size > 0)
        return fmemopen((void *)data, size, "rb");
    f = tmpfile();
    return f;
}

#endif
