/* colour.c - colour to grey, decided from the image; see colour.h. */
#include <config.h>

#include "colour.h"

/* The sample at which the running count of hist reaches frac of n. */
static int percentile(const uint32_t hist[256], size_t n, double frac)
{
    size_t acc = 0;
    int k;

    for (k = 0; k < 256; k++) {
        acc += hist[k];
        if ((double)acc >= frac * (double)n)
            return k;
    }
    return 255;
}

/* The paper is the bright end of a channel (its 80th percentile: paper
 * covers most of a page) and the ink its dark end (the 1st). */
void dg_colour_weights(const dg_colour_hist *hist, float w[3])
{
    double c[3], sum = 0;
    size_t n = 0;
    int k;

    for (k = 0; k < 256; k++)
        n += hist->h[0][k];
    for (k = 0; k < 3; k++) {
        double d = n == 0 ? 1
                   : percentile(hist->h[k], n, 0.80)
                     - percentile(hist->h[k], n, 0.01);

        c[k] = d > 1 ? d * d : 1;
        sum += c[k];
    }
    for (k = 0; k < 3; k++)
        w[k] = (float)(c[k] / sum);
}

void dg_colour_to_grey(dg_image *im, const dg_colour_hist *hist)
{
    float w[3], *px = im->px;
    size_t i, n = im->w * im->h;

    dg_colour_weights(hist, w);
    for (i = 0; i < n; i++) {
        uint32_t v;

        memcpy(&v, px + i, sizeof v);
        px[i] = (w[0] * (float)(v & 0xff) + w[1] * (float)(v >> 8 & 0xff)
                 + w[2] * (float)(v >> 16 & 0xff)) * (1.0f / 255.0f);
    }
}
