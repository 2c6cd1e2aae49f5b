/* pool.c - the digit images a rendering draws from, as ink coverage
 * trimmed to the ink, by label. */
#include <config.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "image.h"
#include "pnmio.h"
#include "render.h"

/* Coverage at or below this is paper when trimming. */
#define TRIM 0.1f

/* Append glyph g (taken over) to digit d's list. */
static int pool_push(rc_pool *p, int d, rc_plane *g, dg_err *e)
{
    if (p->n[d] == p->cap[d]) {
        size_t cap = p->cap[d] ? 2 * p->cap[d] : 256;
        rc_plane *ng = realloc(p->g[d], cap * sizeof *ng);
        if (!ng)
            return dg_seterr(e, "out of memory for the digit pool");
        p->g[d] = ng;
        p->cap[d] = cap;
    }
    p->g[d][p->n[d]++] = *g;
    return 0;
}

/* Trim coverage a (h, w) to its ink into a new glyph; returns 1 when
 * made, 0 for a blank image, -1 on error. */
static int trim(rc_plane *g, const float *a, int w, int h, dg_err *e)
{
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (a[(size_t)y * w + x] > TRIM) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                y1 = y;
            }
    if (x1 < 0)
        return 0;
    if (rc_plane_alloc(g, x1 - x0 + 1, y1 - y0 + 1, 0.0f, e))
        return -1;
    for (int y = y0; y <= y1; y++)
        memcpy(g->v + (size_t)(y - y0) * g->w, a + (size_t)y * w + x0,
               (size_t)g->w * sizeof(float));
    return 1;
}

/* One IDX image (bytes, ink 255) as coverage: the same level stretch as
 * scripts/compose-numbers (25 % and darker ink, 78 % and lighter paper). */
static void idx_coverage(float *a, const uint8_t *px, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = (px[i] - 56.1f) / 135.15f;
        a[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
}

int rc_pool_add_idx(rc_pool *p, const char *images, const char *labels,
                    size_t first, size_t last, dg_err *e)
{
    dg_idx im = { 0 }, lb = { 0 };
    int rc = -1;
    if (dg_idx_read(&im, images, e) || dg_idx_read(&lb, labels, e))
        goto out;
    if (im.ndim != 3 || lb.ndim != 1 || lb.dim[0] != im.dim[0]) {
        dg_seterr(e, "%s, %s: not an image set and its labels", images,
                  labels);
        goto out;
    }
    if (last == RC_ALL && im.dim[0] > 0)
        last = im.dim[0] - 1;
    if (first > last || last >= im.dim[0]) {
        dg_seterr(e, "%s: range %zu-%zu: the set has %u images", images,
                  first, last, (unsigned)im.dim[0]);
        goto out;
    }
    size_t rows = im.dim[1], cols = im.dim[2], sz = rows * cols;
    float *a = malloc(sz * sizeof *a);
    if (!a) {
        dg_seterr(e, "out of memory");
        goto out;
    }
    rc = 0;
    for (size_t i = first; i <= last && rc == 0; i++) {
        rc_plane g;
        int d = lb.data[i], made;
        if (d > 9) {
            rc = dg_seterr(e, "%s: label %d of image %zu", labels, d, i);
            break;
        }
        idx_coverage(a, im.data + i * sz, sz);
        made = trim(&g, a, (int)cols, (int)rows, e);
        if (made < 0 || (made && pool_push(p, d, &g, e)))
            rc = -1;
    }
    free(a);
out:
    dg_idx_free(&im);
    dg_idx_free(&lb);
    return rc;
}

/* qsort order of floats, ascending. */
static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* A scanned digit (grey, 1 white) as coverage: its paper is the median,
 * its ink the darkest pixel, so grey pens and papers stretch alike. */
static int scan_coverage(float *a, const dg_image *im, dg_err *e)
{
    size_t n = im->w * im->h;
    float *s = malloc(n * sizeof *s);
    if (!s)
        return dg_seterr(e, "out of memory");
    memcpy(s, im->px, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_float);
    float paper = s[n / 2], ink = s[0], span = 0.8f * (paper - ink);
    free(s);
    for (size_t i = 0; i < n; i++) {
        float v = span > 0.05f ? (paper - im->px[i]) / span - 0.1f : 0;
        a[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return 0;
}

/* Add the first image of file path as a glyph of digit d. */
static int add_file(rc_pool *p, int d, const char *path, dg_err *e)
{
    FILE *f = fopen(path, "rb");
    dg_image im = { 0 };
    rc_plane g;
    float *a = NULL;
    int rc = -1, made;
    if (!f)
        return dg_seterr(e, "%s: cannot open", path);
    dg_pnm_reader *r = dg_pnm_open(f, e);
    if (r && dg_pnm_read(r, &im, e) == 1
        && (a = malloc(im.w * im.h * sizeof *a)) != NULL
        && scan_coverage(a, &im, e) == 0
        && (made = trim(&g, a, (int)im.w, (int)im.h, e)) >= 0)
        rc = made ? pool_push(p, d, &g, e) : 0;
    if (rc)
        dg_preerr(e, "%s", path);
    free(a);
    dg_image_free(&im);
    if (r)
        dg_pnm_close(r);
    fclose(f);
    return rc;
}

/* qsort order of C strings, by strcmp. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names of directory path, sorted (hidden ones left out), into
 * *out (n of them; NULL when none). */
static int list_dir(const char *path, char ***out, size_t *n, dg_err *e)
{
    DIR *dir = opendir(path);
    struct dirent *de;
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    *out = NULL;
    if (!dir)
        return dg_seterr(e, "%s: cannot open the directory", path);
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            char **nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof *nv);
            if (!nv)
                break;
            v = nv;
        }
        if ((v[*n] = strdup(de->d_name)) == NULL)
            break;
        ++*n;
    }
    closedir(dir);
    if (de != NULL) {
        *out = v;
        return dg_seterr(e, "%s: out of memory listing it", path);
    }
    if (v)
        qsort(v, *n, sizeof *v, cmp_str);
    *out = v;
    return 0;
}

int rc_pool_add_dir(rc_pool *p, const char *dir, dg_err *e)
{
    for (int d = 0; d < 10; d++) {
        char sub[4096], **names;
        size_t n, i;
        snprintf(sub, sizeof sub, "%s/%d", dir, d);
        int rc = list_dir(sub, &names, &n, e);
        for (i = 0; i < n && rc == 0; i++) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", sub, names[i]);
            rc = add_file(p, d, path, e);
        }
        for (i = 0; i < n; i++)
            free(names[i]);
        free(names);
        if (rc)
            return -1;
    }
    return 0;
}

int rc_pool_complete(const rc_pool *p)
{
    for (int d = 0; d < 10; d++)
        if (p->n[d] == 0)
            return 0;
    return 1;
}

void rc_pool_free(rc_pool *p)
{
    for (int d = 0; d < 10; d++) {
        for (size_t i = 0; i < p->n[d]; i++)
            rc_plane_free(&p->g[d][i]);
        free(p->g[d]);
        p->g[d] = NULL;
        p->n[d] = p->cap[d] = 0;
    }
}
