/* augment.h - random distortions of digit images, for training data.
 *
 * dg_augment() turns one 28x28 digit image (ink 1 on 0) into a random
 * variant.  Each transform is applied with its own probability and draws
 * its parameter uniformly from its own range; the defaults are those of
 * the original recipe.  The geometric transforms (elastic distortion,
 * rotation, shear, slant, scale, aspect, shift) are composed into one map, so the image
 * is resampled once, bilinearly, with zero outside the image (nothing
 * wraps around the border).  Then, in this order: stroke thickening or
 * thinning, widening, Gaussian blur, contrast, brightness, Gaussian noise; the
 * result is clamped to [0, 1].
 *
 * Everything random comes from the dg_rng the caller passes: the same
 * state and options give the same image, bit for bit.  There is no
 * global state and no allocation, so threads may augment concurrently
 * with one dg_rng each. */
#ifndef DG_AUGMENT_H
#define DG_AUGMENT_H

#include "dg.h"
#include "rng.h"

/* One transform: applied with probability p, its parameter drawn
 * uniformly from [lo, hi]. */
typedef struct dg_aug_range {
    double p;
    double lo, hi;
} dg_aug_range;

typedef struct dg_aug_opts {
    /* Simard-style elastic distortion: uniform random displacements in
     * [-1, 1] per pixel, smoothed by a Gaussian of sigma pixels (drawn from
     * [elastic_sigma_lo, elastic_sigma_hi]), scaled by alpha pixels (drawn
     * from [elastic.lo, elastic.hi]). */
    dg_aug_range elastic;
    double elastic_sigma_lo, elastic_sigma_hi;
    dg_aug_range rotate;        /* degrees, positive is counter-clockwise */
    dg_aug_range shear;         /* horizontal: x += k * (y - centre) */
    dg_aug_range shift;         /* pixels, x and y drawn independently */
    dg_aug_range scale;         /* factor about the centre */
    dg_aug_range aspect;        /* width factor about the centre, height
                                 * kept: squeezed or stretched digits */
    dg_aug_range slant;         /* degrees of lean: x += tan(a) * (y -
                                 * centre), on top of shear */
    dg_aug_range contrast;      /* factor about the image's mean */
    dg_aug_range brightness;    /* factor */
    double p_thicken;           /* 3x3 grey maximum (dilation) */
    double p_thin;              /* 3x3 grey minimum (erosion); exclusive
                                   with thickening: one or neither */
    dg_aug_range widen;         /* stroke width: round(v) more 3x3 grey
                                 * dilations (v > 0) or erosions (v < 0),
                                 * after thickening or thinning */
    dg_aug_range blur;          /* Gaussian, sigma in pixels */
    dg_aug_range noise;         /* additive Gaussian, sigma in 0..1 units */
} dg_aug_opts;

/* Largest blur sigma dg_aug_check accepts (the kernel lives on the
 * stack). */
#define DG_AUG_MAX_BLUR 4.0

/* Fill o with the original recipe: elastic p 0.3 alpha 30-40 sigma 5-7,
 * rotation p 0.7 +-20 degrees, shear p 0.5 +-0.3, shift p 0.7 +-3 px,
 * scale p 0.5 0.7-1.3, contrast and brightness p 0.5 0.7-1.3, thickening
 * and thinning p 0.3 each, blur p 0.3 sigma 0.5-1.0, noise p 0.2 sigma
 * 25/255.  The transforms added for how people write differ, aspect
 * (0.75-1.35), slant (-10 to 25 degrees) and widen (1-2 passes), are
 * off (probability 0), so the original recipe draws exactly as before. */
void dg_aug_defaults(dg_aug_opts *o);

/* Turn every transform off (all probabilities 0); ranges are kept. */
void dg_aug_none(dg_aug_opts *o);

/* Check that o makes sense: probabilities in [0, 1], p_thicken + p_thin
 * at most 1, lo <= hi everywhere, positive scales and sigmas, finite
 * values, a blur sigma at most DG_AUG_MAX_BLUR.  Returns 0, or -1 with a
 * message naming the bad field. */
int dg_aug_check(const dg_aug_opts *o, dg_err *e);

/* Write one random variant of the 28x28 digit in (floats 0..1, ink 1 on
 * 0, row-major) to out (which may not alias in), drawing randomness only
 * from r.  o must pass dg_aug_check.  Thread-safe, no globals, no heap
 * allocation.  With every probability 0, out is an exact copy of in. */
void dg_augment(const float *in, float *out, const dg_aug_opts *o,
                dg_rng *r);

#endif
