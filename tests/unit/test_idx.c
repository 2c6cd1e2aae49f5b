/* test_idx.c - the IDX reader on small files made here: plain and gzip,
 * EMNIST un-transposing, and damaged files refused. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "idx.h"
#include "tap.h"

static char dir[] = "/tmp/dgidxXXXXXX";

/* An (n, rows, cols) image file where pixel (r, c) of image i holds
 * i * 16 + r * cols + c (mod 256); written plain or gzipped. */
static void write_images(const char *name, unsigned n, unsigned rows,
                         unsigned cols, int gz, long cut, int extra)
{
    unsigned char head[16] = { 0, 0, 8, 3 };
    char path[256];
    size_t len = 16 + (size_t)n * rows * cols, j;
    unsigned char *buf = malloc(len + 1);

    head[4 + 3] = (unsigned char)n;
    head[8 + 3] = (unsigned char)rows;
    head[12 + 3] = (unsigned char)cols;
    memcpy(buf, head, 16);
    for (j = 0; j < (size_t)n * rows * cols; j++)
        buf[16 + j] = (unsigned char)((j / (rows * cols)) * 16
                                      + j % (rows * cols));
    buf[len] = 0;
    len = cut >= 0 ? (size_t)cut : len + (extra ? 1 : 0);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");

        gzwrite(g, buf, (unsigned)len);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");

        fwrite(buf, 1, len, f);
        fclose(f);
    }
    free(buf);
}

static void write_labels(const char *name, unsigned n, unsigned bad)
{
    unsigned char buf[64] = { 0, 0, 8, 1, 0, 0, 0, 0 };
    char path[256];
    unsigned j;
    FILE *f;

    buf[7] = (unsigned char)n;
    for (j = 0; j < n; j++)
        buf[8 + j] = (unsigned char)(j % 10);
    if (bad)
        buf[8] = 11;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    fwrite(buf, 1, 8 + n, f);
    fclose(f);
}

static void refused(const char *name, const char *want)
{
    char path[256];
    dg_idx idx;
    dg_err e;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    e.msg[0] = '\0';
    tap_ok(dg_idx_read(&idx, path, &e) < 0 && strstr(e.msg, want) != NULL,
           "%s refused: \"%s\"", name, e.msg);
}

int main(void)
{
    char path[256], prefix[256];
    dg_idx idx;
    dg_dataset d;
    dg_err e;
    int tr;

    if (mkdtemp(dir) == NULL)
        return 1;
    write_images("a-images-idx3-ubyte", 3, 4, 5, 0, -1, 0);
    snprintf(path, sizeof path, "%s/a-images-idx3-ubyte", dir);
    tap_ok(dg_idx_read(&idx, path, &e) == 0 && idx.ndim == 3
           && idx.dim[0] == 3 && idx.dim[1] == 4 && idx.dim[2] == 5
           && idx.count == 60, "plain idx3: dimensions read");
    tap_ok(idx.data[20 + 7] == 16 + 7, "plain idx3: data in order");
    dg_idx_free(&idx);

    write_images("b-images-idx3-ubyte.gz", 3, 4, 5, 1, -1, 0);
    snprintf(path, sizeof path, "%s/b-images-idx3-ubyte.gz", dir);
    tap_ok(dg_idx_read(&idx, path, &e) == 0 && idx.count == 60
           && idx.data[59] == 32 + 19, "gzip idx3 read the same");
    tap_ok(dg_idx_transpose(&idx, &e) == 0, "transpose");
    /* Read as transposed, upright pixel (r, c) is stored at c * 4 + r:
     * (1, 2) comes from index 9, which holds 9. */
    tap_ok(idx.data[1 * 5 + 2] == 9, "transpose: (r,c) comes from (c,r)");
    dg_idx_free(&idx);

    tap_ok(dg_idx_is_emnist("data/emnist-digits-train-images-idx3-ubyte.gz")
           && !dg_idx_is_emnist("emnist/mnist/train-images-idx3-ubyte"),
           "EMNIST recognised by the file name only");

    write_images("t-images-idx3-ubyte", 3, 4, 5, 0, 40, 0);
    refused("t-images-idx3-ubyte", "truncated");
    write_images("x-images-idx3-ubyte", 3, 4, 5, 0, -1, 1);
    refused("x-images-idx3-ubyte", "trailing");
    write_images("h-images-idx3-ubyte", 3, 4, 5, 0, 10, 0);
    refused("h-images-idx3-ubyte", "truncated IDX header");
    write_images("g-images-idx3-ubyte.gz", 3, 4, 5, 1, 40, 0);
    refused("g-images-idx3-ubyte.gz", "truncated");
    {
        FILE *f;

        snprintf(path, sizeof path, "%s/junk", dir);
        f = fopen(path, "wb");
        fputs("hello, world\n", f);
        fclose(f);
        refused("junk", "bad magic");
        snprintf(path, sizeof path, "%s/huge", dir);
        f = fopen(path, "wb");
        fwrite("\0\0\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x10",
               1, 16, f);
        fclose(f);
        refused("huge", "too large");
    }
    refused("nonexistent", "No such file");

    /* A labelled pair of 28x28 images, loaded as a dataset. */
    write_images("s-images-idx3-ubyte.gz", 12, 28, 28, 1, -1, 0);
    write_labels("s-labels-idx1-ubyte", 12, 0);
    snprintf(prefix, sizeof prefix, "%s/s", dir);
    tap_ok(dg_dataset_load_idx(&d, prefix, DG_ORIENT_AUTO, &tr, &e) == 0
           && d.n == 12 && d.y[11] == 1 && !tr,
           "dataset: PREFIX finds .gz images and plain labels");
    dg_dataset_free(&d);
    tap_ok(dg_dataset_load_idx(&d, prefix, DG_ORIENT_EMNIST, &tr, &e) == 0
           && tr && d.x[1 * 28 + 2] == (unsigned char)(2 * 28 + 1),
           "dataset: --emnist un-transposes");
    dg_dataset_free(&d);
    write_labels("s-labels-idx1-ubyte", 11, 0);
    tap_ok(dg_dataset_load_idx(&d, prefix, DG_ORIENT_AUTO, &tr, &e) < 0
           && strstr(e.msg, "11 labels for 12 images") != NULL,
           "dataset: label count mismatch refused: \"%s\"", e.msg);
    write_labels("s-labels-idx1-ubyte", 12, 1);
    tap_ok(dg_dataset_load_idx(&d, prefix, DG_ORIENT_AUTO, &tr, &e) < 0
           && strstr(e.msg, "not a digit") != NULL,
           "dataset: label 11 refused: \"%s\"", e.msg);
    snprintf(prefix, sizeof prefix, "%s/none", dir);
    tap_ok(dg_dataset_load_idx(&d, prefix, DG_ORIENT_AUTO, &tr, &e) < 0
           && strstr(e.msg, "no such file") != NULL,
           "dataset: missing files named: \"%s\"", e.msg);

    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
