/* idx.c - the IDX reader (see idx.h). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "idx.h"

/* Read exactly n bytes or report how many came. */
static int read_full(gzFile g, void *buf, size_t n, size_t *got)
{
    size_t done = 0;

    while (done < n) {
        unsigned chunk = n - done > (1u << 30) ? (1u << 30)
                                               : (unsigned)(n - done);
        int k = gzread(g, (char *)buf + done, chunk);

        if (k <= 0)
            break;
        done += (size_t)k;
    }
    *got = done;
    return done == n ? 0 : -1;
}

static int read_body(dg_idx *idx, gzFile g, const char *path, dg_err *e)
{
    unsigned char head[4], dims[12];
    size_t got, cap = 0, have = 0, j;
    char extra;

    if (read_full(g, head, 4, &got) < 0)
        return dg_seterr(e, "%s: truncated IDX header", path);
    if (head[0] != 0 || head[1] != 0)
        return dg_seterr(e, "%s: bad magic: not an IDX file", path);
    if (head[2] != 0x08)
        return dg_seterr(e, "%s: IDX data type 0x%02x is not unsigned byte",
                         path, head[2]);
    if (head[3] < 1 || head[3] > 3)
        return dg_seterr(e, "%s: IDX with %u dimensions (want 1 to 3)",
                         path, head[3]);
    idx->ndim = head[3];
    if (read_full(g, dims, 4 * idx->ndim, &got) < 0)
        return dg_seterr(e, "%s: truncated IDX header", path);
    idx->count = 1;
    for (j = 0; j < idx->ndim; j++) {
        const unsigned char *p = dims + 4 * j;

        idx->dim[j] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
                      | (uint32_t)p[2] << 8 | p[3];
        if (idx->dim[j] == 0)
            return dg_seterr(e, "%s: IDX dimension %zu is zero", path, j + 1);
        if (idx->count > DG_IDX_MAX_BYTES / idx->dim[j])
            return dg_seterr(e, "%s: IDX data too large (limit %zu bytes)",
                             path, DG_IDX_MAX_BYTES);
        idx->count *= idx->dim[j];
    }
    /* Grow with the data, so a lying header costs nothing. */
    while (have < idx->count) {
        size_t want = idx->count - have, ncap;
        uint8_t *p;

        if (have == cap) {
            ncap = cap == 0 ? 1 << 20 : cap * 2;
            ncap = ncap > idx->count ? idx->count : ncap;
            p = realloc(idx->data, ncap);
            if (p == NULL)
                return dg_seterr(e, "%s: out of memory", path);
            idx->data = p;
            cap = ncap;
        }
        want = cap - have;
        read_full(g, idx->data + have, want, &got);
        have += got;
        if (got < want)
            return dg_seterr(e, "%s: truncated IDX data: %zu of %zu bytes",
                             path, have, idx->count);
    }
    if (gzread(g, &extra, 1) > 0)
        return dg_seterr(e, "%s: trailing data after %zu bytes of IDX data",
                         path, idx->count);
    return 0;
}

int dg_idx_read(dg_idx *idx, const char *path, dg_err *e)
{
    gzFile g;
    int rc, errnum;
    const char *msg;

    memset(idx, 0, sizeof *idx);
    g = gzopen(path, "rb");
    if (g == NULL)
        return dg_seterr(e, "%s: %s", path,
                         errno ? strerror(errno) : "cannot open");
    gzbuffer(g, 1 << 17);
    rc = read_body(idx, g, path, e);
    msg = gzerror(g, &errnum);
    if (rc == 0 && errnum != Z_OK && errnum != Z_BUF_ERROR)
        rc = dg_seterr(e, "%s: %s", path, msg);
    else if (rc < 0 && errnum != Z_OK && errnum != Z_BUF_ERROR)
        dg_seterr(e, "%s: corrupt gzip data (%s)", path, msg);
    gzclose(g);
    if (rc < 0)
        dg_idx_free(idx);
    return rc;
}

void dg_idx_free(dg_idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

int dg_idx_transpose(dg_idx *idx, dg_err *e)
{
    const size_t rows = idx->dim[1], cols = idx->dim[2];
    uint8_t *tmp;
    size_t i, r, c;

    if (idx->ndim != 3)
        return dg_seterr(e, "only 3-dimensional IDX sets can be transposed");
    tmp = malloc(rows * cols);
    if (tmp == NULL)
        return dg_seterr(e, "out of memory");
    for (i = 0; i < idx->dim[0]; i++) {
        uint8_t *im = idx->data + i * rows * cols;

        memcpy(tmp, im, rows * cols);
        /* Stored (cols, rows); upright is (rows, cols). */
        for (r = 0; r < rows; r++)
            for (c = 0; c < cols; c++)
                im[r * cols + c] = tmp[c * rows + r];
    }
    free(tmp);
    return 0;
}

int dg_idx_is_emnist(const char *path)
{
    const char *base = strrchr(path, '/');
    const char *p;

    base = base == NULL ? path : base + 1;
    for (p = base; *p != '\0'; p++)
        if (strncasecmp(p, "emnist", 6) == 0)
            return 1;
    return 0;
}
