/* idx.c - the IDX reader (see idx.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "idx.h"

/* An IDX file's bytes, read plain or through gzip (told apart by the
 * gzip magic).  zlib's gzread is not used: it ignores data after the
 * gzip stream, which must be refused as a raw file's trailing bytes are. */
typedef struct source {
    FILE *f;
    const char *name;
    int gz;                     /* gzip data */
    int member_done;            /* at the end of a gzip member */
    int failed;                 /* msg holds why */
    z_stream z;
    unsigned char in[1 << 16];
    char msg[DG_ERRMAX];
} source;

/* Start reading f; 0, or -1 with s->msg. */
static int source_open(source *s, FILE *f, const char *name)
{
    int c = getc(f);

    memset(s, 0, sizeof *s);
    s->f = f;
    s->name = name;
    if (c == EOF)
        return 0;
    ungetc(c, f);
    s->gz = c == 0x1f;
    if (s->gz && inflateInit2(&s->z, 15 + 16) != Z_OK) {
        snprintf(s->msg, sizeof s->msg, "%s: out of memory", name);
        return -1;
    }
    return 0;
}

static void source_close(source *s)
{
    if (s->gz)
        inflateEnd(&s->z);
}

/* Record a failure of s; returns 0 bytes so readers stop. */
static size_t source_fail(source *s, const char *what)
{
    if (!s->failed)
        snprintf(s->msg, sizeof s->msg, "%s: %s", s->name, what);
    s->failed = 1;
    return 0;
}

/* More compressed input; 0 at the end of the file, -1 on error. */
static int source_refill(source *s)
{
    size_t k = fread(s->in, 1, sizeof s->in, s->f);

    if (k == 0)
        return ferror(s->f) ? -1 : 0;
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)k;
    return 1;
}

/* Inflate up to n bytes into buf; the count (short at the end). */
static size_t gz_read(source *s, unsigned char *buf, size_t n)
{
    s->z.next_out = buf;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out > 0 && !s->failed) {
        int rc;

        if (s->z.avail_in == 0) {
            rc = source_refill(s);
            if (rc < 0)
                return source_fail(s, strerror(errno));
            if (rc == 0 && !s->member_done)
                return source_fail(s, "truncated gzip data");
            if (rc == 0)
                break;
        }
        if (s->member_done) {
            /* Another member may follow (concatenated gzip); anything
             * else after the gzip data is refused. */
            if (s->z.next_in[0] != 0x1f
                || (s->z.avail_in > 1 && s->z.next_in[1] != 0x8b))
                return source_fail(s, "trailing garbage after the gzip "
                                   "data");
            inflateReset(&s->z);
            s->member_done = 0;
        }
        rc = inflate(&s->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            s->member_done = 1;
        else if (rc != Z_OK && (rc != Z_BUF_ERROR || s->z.avail_in > 0))
            return source_fail(s, s->z.msg != NULL ? s->z.msg
                                                   : "corrupt gzip data");
    }
    return n - s->z.avail_out;
}

/* Read up to n bytes of the file's (decompressed) data; the count, short
 * at its end or on an error (then s->failed). */
static size_t source_read(source *s, void *buf, size_t n)
{
    size_t done = 0;

    while (done < n && !s->failed) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
        size_t k = s->gz ? gz_read(s, (unsigned char *)buf + done, chunk)
                         : fread((unsigned char *)buf + done, 1, chunk, s->f);

        if (!s->gz && k < chunk && ferror(s->f))
            source_fail(s, strerror(errno));
        done += k;
        if (k < chunk)
            break;
    }
    return done;
}

/* Read and check the magic and dimensions into idx. */
static int read_header(dg_idx *idx, source *s, dg_err *e)
{
    unsigned char head[4], dims[12];
    size_t j;

    if (source_read(s, head, 4) < 4)
        return s->failed ? -1 : dg_seterr(e, "%s: truncated IDX header",
                                          s->name);
    if (head[0] != 0 || head[1] != 0)
        return dg_seterr(e, "%s: bad magic: not an IDX file", s->name);
    if (head[2] != 0x08)
        return dg_seterr(e, "%s: IDX data type 0x%02x is not unsigned byte",
                         s->name, head[2]);
    if (head[3] < 1 || head[3] > 3)
        return dg_seterr(e, "%s: IDX with %u dimensions (want 1 to 3)",
                         s->name, head[3]);
    idx->ndim = head[3];
    if (source_read(s, dims, 4 * idx->ndim) < 4 * idx->ndim)
        return s->failed ? -1 : dg_seterr(e, "%s: truncated IDX header",
                                          s->name);
    idx->count = 1;
    for (j = 0; j < idx->ndim; j++) {
        const unsigned char *p = dims + 4 * j;

        idx->dim[j] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
                      | (uint32_t)p[2] << 8 | p[3];
        if (idx->dim[j] == 0)
            return dg_seterr(e, "%s: IDX dimension %zu is zero", s->name,
                             j + 1);
        if (idx->count > DG_IDX_MAX_BYTES / idx->dim[j])
            return dg_seterr(e, "%s: IDX data too large (limit %zu bytes)",
                             s->name, DG_IDX_MAX_BYTES);
        idx->count *= idx->dim[j];
    }
    return 0;
}

/* Read the data the header announced, and nothing more. */
static int read_data(dg_idx *idx, source *s, dg_err *e)
{
    size_t cap = 0, have = 0, got, want;
    unsigned char extra;

    /* Grow with the data, so a lying header costs nothing. */
    while (have < idx->count) {
        if (have == cap) {
            size_t ncap = cap == 0 ? 1 << 20 : cap * 2;
            uint8_t *p;

            ncap = ncap > idx->count ? idx->count : ncap;
            p = realloc(idx->data, ncap);
            if (p == NULL)
                return dg_seterr(e, "%s: out of memory", s->name);
            idx->data = p;
            cap = ncap;
        }
        want = cap - have;
        got = source_read(s, idx->data + have, want);
        have += got;
        if (got < want)
            return s->failed ? -1
                   : dg_seterr(e, "%s: truncated IDX data: %zu of %zu "
                               "bytes", s->name, have, idx->count);
    }
    if (source_read(s, &extra, 1) > 0)
        return dg_seterr(e, "%s: trailing data after %zu bytes of IDX data",
                         s->name, idx->count);
    return s->failed ? -1 : 0;
}

int dg_idx_read_stream(dg_idx *idx, FILE *f, const char *name, dg_err *e)
{
    static source s;            /* (64 KiB of buffer: not on the stack) */
    int rc;

    memset(idx, 0, sizeof *idx);
    rc = source_open(&s, f, name);
    if (rc == 0)
        rc = read_header(idx, &s, e);
    if (rc == 0)
        rc = read_data(idx, &s, e);
    if (rc < 0 && s.failed)
        dg_seterr(e, "%s", s.msg);
    source_close(&s);
    if (rc < 0)
        dg_idx_free(idx);
    return rc;
}

int dg_idx_read(dg_idx *idx, const char *path, dg_err *e)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    int rc;

    memset(idx, 0, sizeof *idx);
    if (f == NULL)
        return dg_seterr(e, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return dg_seterr(e, "%s: %s", path, strerror(EISDIR));
    }
    rc = dg_idx_read_stream(idx, f, path, e);
    fclose(f);
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
