/* dataset.c - loading labelled digit sets (see dataset.h). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "idx.h"
#include "net.h"
#include "image.h"
#include "pnmio.h"

/* Find PREFIX-<what>[.gz], or the other common spelling with a '.' for
 * the first '-' of what (train-images.idx3-ubyte), copying the path into
 * buf. */
static int find_file(char *buf, size_t size, const char *prefix,
                     const char *what, dg_err *e)
{
    static const char *const suffix[] = { ".gz", "" };
    char alt[64];
    const char *dash = strchr(what, '-');
    size_t s;
    struct stat st;

    snprintf(alt, sizeof alt, "%.*s.%s", (int)(dash - what), what, dash + 1);
    for (s = 0; s < 2; s++) {
        snprintf(buf, size, "%s-%s%s", prefix, what, suffix[s]);
        if (stat(buf, &st) == 0)
            return 0;
        snprintf(buf, size, "%s-%s%s", prefix, alt, suffix[s]);
        if (stat(buf, &st) == 0)
            return 0;
    }
    return dg_seterr(e, "%s-%s[.gz]: no such file", prefix, what);
}

int dg_dataset_load_idx(dg_dataset *d, const char *prefix, int orient,
                        int *transposed, dg_err *e)
{
    char ipath[PATH_MAX], lpath[PATH_MAX];
    dg_idx im, lb;
    size_t j;
    int tr;

    memset(d, 0, sizeof *d);
    if (find_file(ipath, sizeof ipath, prefix, "images-idx3-ubyte", e) < 0
        || find_file(lpath, sizeof lpath, prefix, "labels-idx1-ubyte", e) < 0)
        return -1;
    if (dg_idx_read(&im, ipath, e) < 0)
        return -1;
    if (im.ndim != 3 || im.dim[1] != 28 || im.dim[2] != 28) {
        /* (The message is made before the header is freed.) */
        dg_seterr(e, "%s: images are not 28x28 (ndim %u, %ux%u)", ipath,
                  im.ndim, im.dim[1], im.dim[2]);
        dg_idx_free(&im);
        return -1;
    }
    if (dg_idx_read(&lb, lpath, e) < 0) {
        dg_idx_free(&im);
        return -1;
    }
    if (lb.ndim != 1 || lb.dim[0] != im.dim[0]) {
        dg_seterr(e, "%s: %u labels for %u images", lpath, lb.dim[0],
                  im.dim[0]);
        goto fail;
    }
    for (j = 0; j < lb.count; j++) {
        if (lb.data[j] > 9) {
            dg_seterr(e, "%s: label %zu is %u, not a digit", lpath, j + 1,
                      lb.data[j]);
            goto fail;
        }
    }
    tr = orient == DG_ORIENT_EMNIST
         || (orient == DG_ORIENT_AUTO && dg_idx_is_emnist(ipath));
    if (tr && dg_idx_transpose(&im, e) < 0)
        goto fail;
    if (transposed != NULL)
        *transposed = tr;
    d->n = im.dim[0];
    d->x = im.data;
    d->y = lb.data;
    return 0;
fail:
    dg_idx_free(&im);
    dg_idx_free(&lb);
    return -1;
}

static int push(dg_dataset *d, size_t *cap, const dg_image *cell,
                unsigned label, dg_err *e)
{
    size_t j;

    if (d->n == *cap) {
        size_t ncap = *cap == 0 ? 256 : *cap * 2;
        uint8_t *x = realloc(d->x, ncap * DG_CELL_PIXELS);
        uint8_t *y;

        if (x == NULL)
            return dg_seterr(e, "out of memory");
        d->x = x;
        y = realloc(d->y, ncap);
        if (y == NULL)
            return dg_seterr(e, "out of memory");
        d->y = y;
        *cap = ncap;
    }
    for (j = 0; j < DG_CELL_PIXELS; j++)
        d->x[d->n * DG_CELL_PIXELS + j] = dg_to_byte(cell->px[j]);
    d->y[d->n++] = (uint8_t)label;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted; *n gets the count. */
static char **list_dir(const char *dir, size_t *n, dg_err *e)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t cap = 0;

    *n = 0;
    if (dp == NULL) {
        dg_seterr(e, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            char **nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);

            if (nv == NULL)
                break;
            v = nv;
        }
        v[*n] = strdup(de->d_name);
        if (v[*n] == NULL)
            break;
        (*n)++;
    }
    closedir(dp);
    if (v != NULL)
        qsort(v, *n, sizeof *v, by_name);
    return v;
}

static void free_list(char **v, size_t n)
{
    while (n > 0)
        free(v[--n]);
    free(v);
}

/* Every image of the file at path, preprocessed, into d. */
static int load_file(dg_dataset *d, size_t *cap, const char *path,
                     unsigned label, const dg_prep_opts *po, dg_err *e)
{
    FILE *f = fopen(path, "rb");
    dg_pnm_reader *r;
    dg_image scan = { 0, 0, NULL }, cell = { 0, 0, NULL };
    unsigned long k = 0;
    int rc = 0;

    if (f == NULL)
        return dg_seterr(e, "%s: %s", path, strerror(errno));
    r = dg_pnm_open(f, e);
    while (r != NULL && (rc = dg_pnm_read(r, &scan, e)) > 0) {
        k++;
        /* A reject example that leaves no ink teaches nothing: skipped. */
        if (dg_prep(&scan, po, &cell, e) < 0) {
            if (label == DG_REJECT)
                continue;
            rc = -1;
            break;
        }
        if (label == DG_REJECT && cell.w == 0 && cell.h == 0)
            continue;
        if (cell.w != DG_CELL || cell.h != DG_CELL) {
            dg_seterr(e, "preprocessing gave %zux%zu, not one digit",
                      cell.w, cell.h);
            rc = -1;
            break;
        }
        if ((rc = push(d, cap, &cell, label, e)) < 0)
            break;
    }
    if (rc < 0)
        dg_preerr(e, "%s: image %lu", path, k + (rc < 0 && k == 0));
    else if (k == 0)
        rc = dg_seterr(e, "%s: no image in file", path);
    dg_pnm_close(r);
    fclose(f);
    dg_image_free(&scan);
    dg_image_free(&cell);
    return r == NULL ? -1 : rc < 0 ? -1 : 0;
}

int dg_dataset_load_folder(dg_dataset *d, const char *dir,
                           const dg_prep_opts *po, dg_err *e)
{
    char sub[PATH_MAX], path[PATH_MAX];
    size_t cap = 0, n, j;
    unsigned c;
    struct stat st;

    memset(d, 0, sizeof *d);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return dg_seterr(e, "%s: not a directory", dir);
    for (c = 0; c <= DG_REJECT; c++) {
        char **names;

        if (c == DG_REJECT)
            snprintf(sub, sizeof sub, "%s/reject", dir);
        else
            snprintf(sub, sizeof sub, "%s/%u", dir, c);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        names = list_dir(sub, &n, e);
        if (names == NULL && n > 0)
            goto fail;
        for (j = 0; j < n; j++) {
            if (snprintf(path, sizeof path, "%s/%s", sub, names[j])
                >= (int)sizeof path || stat(path, &st) != 0
                || !S_ISREG(st.st_mode))
                continue;
            if (load_file(d, &cap, path, c, po, e) < 0) {
                free_list(names, n);
                goto fail;
            }
        }
        free_list(names, n);
    }
    if (d->n == 0)
        return dg_seterr(e, "%s: no images in %s/0 ... %s/9", dir, dir, dir);
    return 0;
fail:
    dg_dataset_free(d);
    return -1;
}

size_t dg_dataset_digits_first(dg_dataset *d)
{
    size_t i, k = 0, r = 0, nrej = 0;
    uint8_t *rx;

    for (i = 0; i < d->n; i++)
        nrej += d->y[i] == DG_REJECT;
    rx = nrej ? malloc(nrej * DG_CELL_PIXELS) : NULL;
    if (nrej == 0 || rx == NULL) {
        /* Nothing to move (or no memory: the digits are counted as far
         * as the first reject, which keeps the contract). */
        for (k = 0; k < d->n && d->y[k] != DG_REJECT; k++)
            ;
        d->ndigit = k;
        return k;
    }
    for (i = 0; i < d->n; i++) {
        if (d->y[i] == DG_REJECT) {
            memcpy(rx + r++ * DG_CELL_PIXELS, d->x + i * DG_CELL_PIXELS,
                   DG_CELL_PIXELS);
            continue;
        }
        if (i != k) {
            memcpy(d->x + k * DG_CELL_PIXELS, d->x + i * DG_CELL_PIXELS,
                   DG_CELL_PIXELS);
            d->y[k] = d->y[i];
        }
        k++;
    }
    memcpy(d->x + k * DG_CELL_PIXELS, rx, nrej * DG_CELL_PIXELS);
    memset(d->y + k, DG_REJECT, nrej);
    free(rx);
    d->ndigit = k;
    return k;
}

int dg_dataset_append(dg_dataset *d, const dg_dataset *s, unsigned repeat,
                      dg_err *e)
{
    size_t n = d->n + s->n * repeat, r;
    uint8_t *x, *y;

    if (repeat == 0 || s->n == 0)
        return 0;
    x = realloc(d->x, n * DG_CELL_PIXELS);
    if (x == NULL)
        return dg_seterr(e, "out of memory");
    d->x = x;
    y = realloc(d->y, n);
    if (y == NULL)
        return dg_seterr(e, "out of memory");
    d->y = y;
    for (r = 0; r < repeat; r++) {
        memcpy(d->x + d->n * DG_CELL_PIXELS, s->x, s->n * DG_CELL_PIXELS);
        memcpy(d->y + d->n, s->y, s->n);
        d->n += s->n;
    }
    return 0;
}

int dg_dataset_split_tail(dg_dataset *d, dg_dataset *v, size_t n, dg_err *e)
{
    memset(v, 0, sizeof *v);
    if (n == 0)
        return 0;
    if (n >= d->n)
        return dg_seterr(e, "validation slice of %zu leaves no training "
                         "data (%zu items)", n, d->n);
    v->x = malloc(n * DG_CELL_PIXELS);
    v->y = malloc(n);
    if (v->x == NULL || v->y == NULL) {
        dg_dataset_free(v);
        return dg_seterr(e, "out of memory");
    }
    d->n -= n;
    memcpy(v->x, d->x + d->n * DG_CELL_PIXELS, n * DG_CELL_PIXELS);
    memcpy(v->y, d->y + d->n, n);
    v->n = n;
    return 0;
}

void dg_dataset_free(dg_dataset *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
