/* model.c - reading and writing the model file (see model.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "model.h"

#define HEADER 20
#define LAYER_REC 32

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t v;

    memcpy(&v, &f, 4);
    put_u32(p, v);
}

static float get_f32(const unsigned char *p)
{
    uint32_t v = get_u32(p);
    float f;

    memcpy(&f, &v, 4);
    return f;
}

static uint32_t crc_of(const unsigned char *buf, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);

    while (len > 0) {
        uInt chunk = len > (1u << 30) ? (1u << 30) : (uInt)len;

        crc = crc32(crc, buf, chunk);
        buf += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}

int dg_model_encode(const dg_net *net, unsigned char **bufp, size_t *lenp,
                    dg_err *e)
{
    const size_t tlen = net->meta == NULL ? 0 : strlen(net->meta);
    /* Newlines pad the text so the weights start 4-aligned in the file,
     * and a reader can use them where the file is mapped. */
    const size_t pad = (4 - (HEADER + LAYER_REC * net->nlayers + tlen) % 4)
                       % 4;
    const size_t mlen = tlen + pad;
    const size_t len = HEADER + LAYER_REC * net->nlayers + mlen
                       + 4 * net->nparams + 4;
    unsigned char *buf, *p;
    size_t l, j;

    if (mlen > DG_MODEL_MAX_META)
        return dg_seterr(e, "metadata too long (%zu bytes)", mlen);
    buf = calloc(1, len);
    if (buf == NULL)
        return dg_seterr(e, "out of memory encoding the model");
    memcpy(buf, DG_MODEL_MAGIC, 8);
    put_u32(buf + 8, DG_MODEL_VERSION);
    put_u32(buf + 12, (uint32_t)net->nlayers);
    put_u32(buf + 16, (uint32_t)mlen);
    p = buf + HEADER;
    for (l = 0; l < net->nlayers; l++, p += LAYER_REC) {
        put_u32(p, net->layer[l].kind);
        put_u32(p + 4, net->layer[l].act);
        put_u32(p + 8, net->layer[l].in);
        put_u32(p + 12, net->layer[l].out);
        for (j = 0; j < 4; j++)
            put_u32(p + 16 + 4 * j, net->layer[l].geom[j]);
    }
    memcpy(p, net->meta, tlen);
    memset(p + tlen, '\n', pad);
    p += mlen;
    for (j = 0; j < net->nparams; j++, p += 4)
        put_f32(p, net->params[j]);
    put_u32(p, crc_of(buf, len - 4));
    *bufp = buf;
    *lenp = len;
    return 0;
}

/* Read the layer table at p (n records) into net and check it. */
static int decode_layers(dg_net *net, const unsigned char *p, size_t n,
                         dg_err *e)
{
    size_t l, j;

    for (l = 0; l < n; l++, p += LAYER_REC) {
        dg_layer *ly = &net->layer[l];

        ly->kind = get_u32(p);
        ly->act = get_u32(p + 4);
        ly->in = get_u32(p + 8);
        ly->out = get_u32(p + 12);
        for (j = 0; j < 4; j++)
            ly->geom[j] = get_u32(p + 16 + 4 * j);
    }
    net->nlayers = n;
    return dg_net_layout(net, e);
}

/* Ask the kernel to map all pages of a fresh block at once: faulting
 * them in one by one is most of a small job's start-up time on some
 * virtual machines.  Only a hint; nothing happens where unsupported. */
static void prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096;
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t b = ((uintptr_t)p + len) & ~(page - 1);

    if (p != NULL && b > a)
        madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)len;
#endif
}

/* Parse and check a model; with borrow (buf mapped for the net's life,
 * writable copy-on-write) and 4-aligned little-endian weights, params
 * points into buf instead of a copy. */
static int decode(dg_net *net, unsigned char *buf, size_t len, int borrow,
                  dg_err *e)
{
    size_t n, mlen, tlen, want, j;
    uint32_t version;
    const unsigned char *p;

    memset(net, 0, sizeof *net);
    if (len < 8 || memcmp(buf, DG_MODEL_MAGIC, 8) != 0)
        return dg_seterr(e, "bad magic: not a digitfilters model");
    if (len < HEADER)
        return dg_seterr(e, "truncated: %zu bytes, shorter than the header",
                         len);
    version = get_u32(buf + 8);
    if (version != DG_MODEL_VERSION)
        return dg_seterr(e, "unsupported format version %u (this build "
                         "reads version %d)", version, DG_MODEL_VERSION);
    n = get_u32(buf + 12);
    mlen = get_u32(buf + 16);
    if (n < 1 || n > DG_MAX_LAYERS)
        return dg_seterr(e, "inconsistent sizes: %zu layers (1 to %d)", n,
                         DG_MAX_LAYERS);
    if (mlen > DG_MODEL_MAX_META)
        return dg_seterr(e, "inconsistent sizes: metadata of %zu bytes",
                         mlen);
    if (len < HEADER + LAYER_REC * n)
        return dg_seterr(e, "truncated: %zu bytes, the layer table needs "
                         "%zu", len, (size_t)(HEADER + LAYER_REC * n));
    if (decode_layers(net, buf + HEADER, n, e) < 0)
        return -1;
    want = HEADER + LAYER_REC * n + mlen + 4 * net->nparams + 4;
    if (len < want)
        return dg_seterr(e, "truncated: %zu bytes, expected %zu", len, want);
    if (len > want)
        return dg_seterr(e, "wrong length: %zu bytes, expected %zu "
                         "(trailing data)", len, want);
    if (crc_of(buf, len - 4) != get_u32(buf + len - 4))
        return dg_seterr(e, "checksum mismatch: the file is damaged");
    p = buf + HEADER + LAYER_REC * n;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    borrow = borrow && ((uintptr_t)(p + mlen) & 3) == 0;
#else
    borrow = 0;
#endif
    if (!borrow) {
        net->params = malloc(net->nparams * sizeof *net->params);
        prefault(net->params, net->nparams * sizeof *net->params);
    }
    net->meta = malloc(mlen + 1);
    if ((!borrow && net->params == NULL) || net->meta == NULL) {
        dg_net_free(net);
        return dg_seterr(e, "out of memory loading the model");
    }
    memcpy(net->meta, p, mlen);
    net->meta[mlen] = '\0';
    if (strlen(net->meta) != mlen) {
        dg_net_free(net);
        return dg_seterr(e, "metadata contains a NUL byte");
    }
    /* The writer pads the text with newlines to align the weights. */
    for (tlen = mlen; tlen > 0 && net->meta[tlen - 1] == '\n'
         && (tlen == 1 || net->meta[tlen - 2] == '\n'); tlen--)
        net->meta[tlen - 1] = '\0';
    p += mlen;
    if (borrow) {
        net->params = (float *)(void *)p;
        return 0;
    }
    for (j = 0; j < net->nparams; j++, p += 4)
        net->params[j] = get_f32(p);
    return 0;
}

int dg_model_decode(dg_net *net, const unsigned char *buf, size_t len,
                    dg_err *e)
{
    return decode(net, (unsigned char *)buf, len, 0, e);
}



int dg_model_save(const dg_net *net, const char *path, dg_err *e)
{
    unsigned char *buf;
    size_t len, plen = strlen(path);
    char *tmp = malloc(plen + 16);
    const char *slash = strrchr(path, '/');
    FILE *f = NULL;
    int fd, ok;

    if (tmp == NULL)
        return dg_seterr(e, "out of memory");
    if (dg_model_encode(net, &buf, &len, e) < 0) {
        free(tmp);
        return -1;
    }
    /* The temporary file lives beside path so the rename is atomic. */
    if (slash == NULL)
        snprintf(tmp, plen + 16, ".%s.XXXXXX", path);
    else
        snprintf(tmp, plen + 16, "%.*s/.%s.XXXXXX", (int)(slash - path),
                 path, slash + 1);
    fd = mkstemp(tmp);
    if (fd < 0) {
        dg_seterr(e, "%s: cannot create a temporary file: %s", path,
                  strerror(errno));
        free(buf);
        free(tmp);
        return -1;
    }
    fchmod(fd, 0644);
    f = fdopen(fd, "wb");
    ok = f != NULL && fwrite(buf, 1, len, f) == len && fflush(f) == 0
         && fsync(fileno(f)) == 0;
    if (!ok)
        dg_seterr(e, "%s: write error: %s", path, strerror(errno));
    if (f != NULL ? fclose(f) != 0 : close(fd) != 0) {
        if (ok)
            dg_seterr(e, "%s: write error: %s", path, strerror(errno));
        ok = 0;
    }
    if (ok && rename(tmp, path) != 0) {
        dg_seterr(e, "%s: cannot rename the temporary file: %s", path,
                  strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(tmp);
    free(buf);
    free(tmp);
    return ok ? 0 : -1;
}

int dg_model_load(dg_net *net, const char *path, dg_err *e)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *buf;
    void *map;
    size_t len;
    int rc;

    memset(net, 0, sizeof *net);
    if (f == NULL)
        return dg_seterr(e, "%s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return dg_seterr(e, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > DG_MODEL_MAX_BYTES) {
        fclose(f);
        return dg_seterr(e, "%s: too large for a model (%lld bytes)", path,
                         (long long)st.st_size);
    }
    len = (size_t)st.st_size;
    /* Mapped whole, pages populated in one go; read as a fallback. */
    map = len > 0 ? mmap(NULL, len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_POPULATE, fileno(f), 0)
                  : MAP_FAILED;
    if (map != MAP_FAILED) {
        fclose(f);
        rc = decode(net, map, len, 1, e);
        if (rc == 0 && (unsigned char *)net->params > (unsigned char *)map
            && (unsigned char *)net->params < (unsigned char *)map + len) {
            net->map = map;             /* the weights live in the map */
            net->maplen = len;
        } else {
            munmap(map, len);
        }
    } else {
        buf = malloc(len > 0 ? len : 1);
        if (buf == NULL) {
            fclose(f);
            return dg_seterr(e, "%s: out of memory", path);
        }
        if (fread(buf, 1, len, f) != len) {
            free(buf);
            fclose(f);
            return dg_seterr(e, "%s: read error", path);
        }
        fclose(f);
        rc = dg_model_decode(net, buf, len, e);
        free(buf);
    }
    if (rc < 0)
        return dg_preerr(e, "%s", path);
    return 0;
}
