/* image.c - allocation of dg_image. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "image.h"

int dg_image_alloc(dg_image *im, size_t w, size_t h, dg_err *e)
{
    im->w = im->h = 0;
    im->px = NULL;
    return dg_image_reshape(im, w, h, e) < 0 ? -1
        : (memset(im->px, 0, w * h * sizeof *im->px), 0);
}

int dg_image_reshape(dg_image *im, size_t w, size_t h, dg_err *e)
{
    float *p;

    if (w == 0 || h == 0)
        return dg_seterr(e, "image has no pixels (%zux%zu)", w, h);
    if (w > DG_MAX_PIXELS || h > DG_MAX_PIXELS / w)
        return dg_seterr(e, "image too large (%zux%zu, limit %zu pixels)",
                         w, h, DG_MAX_PIXELS);
    if (im->px != NULL && w * h <= im->w * im->h) {
        im->w = w;
        im->h = h;
        return 0;
    }
    p = realloc(im->px, w * h * sizeof *p);
    if (p == NULL)
        return dg_seterr(e, "out of memory for a %zux%zu image", w, h);
    im->px = p;
    im->w = w;
    im->h = h;
    return 0;
}

void dg_image_free(dg_image *im)
{
    free(im->px);
    im->px = NULL;
    im->w = im->h = 0;
}
