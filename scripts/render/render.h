/* render.h - the capture-condition renderer behind scripts/render-conditions.
 *
 * Handwritten digits (from labelled IDX sets or folders of digit images)
 * are laid out as a single digit or a number, then drawn the way a person
 * photographs or scans them: on paper of some colour and grain, with
 * printed rules or boxes, under uneven light, through blur and sensor
 * noise.  Everything is drawn from one dg_rng per image, so the same seed
 * gives the same bytes.
 *
 * Coordinates: a "layout" is the unrotated number at its final pixel
 * scale; the output image maps back into it through an affine transform
 * (rotation, skew).  Ink and lines are coverages in [0, 1]; paper, ink
 * and line colours are reflectances in [0, 1] per channel. */
#ifndef RC_RENDER_H
#define RC_RENDER_H
#include <stddef.h>
#include <stdio.h>
#include "dg.h"
#include "rng.h"

#define RC_MAXDIG 8         /* digits in one number, at most */
#define RC_MAXSEG 96        /* printed line segments in one scene */

/* A float raster: (h, w), row-major. */
typedef struct rc_plane {
    int w, h;
    float *v;               /* (h, w) */
} rc_plane;

/* The digit images by label: ink coverage, trimmed to the ink. */
typedef struct rc_pool {
    rc_plane *g[10];        /* (n[d]) glyphs of digit d */
    size_t n[10], cap[10];
} rc_pool;

/* ---- pool.c: reading the digit sources ---- */
/* Add images first..last of an IDX set (MNIST layout, ink 255); last
 * RC_ALL: to the end of the set. */
#define RC_ALL ((size_t)-1)
int rc_pool_add_idx(rc_pool *p, const char *images, const char *labels,
                    size_t first, size_t last, dg_err *e);
/* Add every PNM image in dir/0 ... dir/9 (dark ink on light paper). */
int rc_pool_add_dir(rc_pool *p, const char *dir, dg_err *e);
/* Is there at least one glyph of every digit?  (0 or 1) */
int rc_pool_complete(const rc_pool *p);
/* Free every glyph; p is left empty. */
void rc_pool_free(rc_pool *p);

/* ---- plane.c: raster operations ---- */
/* Make p a w x h plane of fill (sizes 1 to 2^26 pixels). */
int rc_plane_alloc(rc_plane *p, int w, int h, float fill, dg_err *e);
/* Free p's raster; p is left empty (freeing it again is harmless). */
void rc_plane_free(rc_plane *p);
/* src resampled to height h (aspect kept), area-averaged. */
int rc_plane_scale(rc_plane *dst, const rc_plane *src, int h, float aspect,
                   dg_err *e);
/* Gaussian blur of standard deviation sigma pixels, edges clamped. */
int rc_plane_blur(rc_plane *p, float sigma, dg_err *e);
/* Bilinear sample at (x, y); 0 outside the plane. */
float rc_plane_sample(const rc_plane *p, double x, double y);
/* A smooth random field: noise blurred by sigma, scaled to unit
 * standard deviation. */
int rc_plane_field(rc_plane *p, int w, int h, float sigma, dg_rng *r,
                   dg_err *e);

/* ---- layout.c: a number from glyphs ---- */
typedef struct rc_box {
    double x0, y0, x1, y1;  /* the digit's ink box, layout pixels */
} rc_box;

typedef struct rc_layout_spec {
    int ndig;               /* digits, 1 .. RC_MAXDIG */
    double height;          /* digit height, pixels */
    double vary;            /* each digit's height varied by up to this */
    double gap_lo, gap_hi;  /* gap between ink boxes, times height */
    double lift;            /* bottoms lifted by up to this, times height */
    double margin;          /* paper round the digits, pixels */
    const double *cx;       /* or: digit i centred at cx[i] (NULL: gaps) */
    double cy;              /* with cx: the centre line of the digits */
    double jitter;          /* with cx: centres moved up to this, x height */
    double field_w, field_h;    /* with cx: the field [0,w]x[0,h] that the
                                   layout covers besides the ink */
    double thin;            /* coverage below this is paper (thin strokes) */
    double thick;           /* grow strokes by this, x height (marker) */
} rc_layout_spec;

typedef struct rc_number {
    rc_plane ink;           /* layout raster, coverage */
    int ndig;
    rc_box box[RC_MAXDIG];
    char label[RC_MAXDIG + 1];
    double ox, oy;          /* layout = field coordinates + (ox, oy) */
    double base;            /* the line the unlifted digits stand on */
    double left, right;     /* ink extent across */
} rc_number;

/* Lay out s->ndig random digits of the pool (which has every digit) as
 * spec s says, into num (its raster allocated here). */
int rc_number_make(rc_number *num, const rc_pool *pool,
                   const rc_layout_spec *s, dg_rng *r, dg_err *e);
/* Free num's raster. */
void rc_number_free(rc_number *num);

/* ---- scene.c: drawing a number as a capture ---- */
typedef struct rc_seg {
    double x0, y0, x1, y1;  /* layout pixels */
    double width;
    int colour;             /* 0: line colour, 1: second line colour */
} rc_seg;

typedef struct rc_scene {
    rc_number num;
    double angle, shear;    /* radians: rotation, horizontal skew */
    double pad;             /* extra paper round the rotated layout */
    rc_seg seg[RC_MAXSEG];
    size_t nseg;
    float line_rgb[2][3];
    float paper_rgb[3], ink_rgb[3], cast[3];
    float grain, grain_sigma;   /* paper texture: amplitude, size */
    float pencil;               /* stroke texture: 0 none .. 1 strong */
    float grad, grad_dir;       /* lamp gradient: depth, direction */
    float vignette;             /* darkening of the corners */
    float shadow, shadow_w;     /* shadow depth, edge width (pixels) */
    double shadow_x, shadow_y, shadow_dir;  /* a point on it (layout) */
    float exposure;             /* the brightest paper's value */
    float blur, noise;          /* optics (pixels), sensor (0..1) */
    int channels;               /* 3 colour, 1 grey, 0 bilevel */
    float threshold, speckle;   /* bilevel: cut, speck density */
} rc_scene;

/* Draw the scene into rgb[0..2] (allocated here; grey scenes fill all
 * three alike). */
int rc_scene_draw(const rc_scene *s, rc_plane rgb[3], dg_rng *r, dg_err *e);
/* Write the drawn scene as PPM, PGM or PBM (after s->channels). */
int rc_scene_write(FILE *f, const rc_scene *s, rc_plane rgb[3], dg_rng *r,
                   dg_err *e);

/* ---- conds.c: the capture conditions ---- */
/* Names of the conditions, NULL-terminated. */
extern const char *const rc_conditions[];
/* Set up scene s for condition cond: ndig digits (1: a single digit).
 * Returns -1 for an unknown condition. */
int rc_condition(rc_scene *s, const char *cond, int ndig,
                 const rc_pool *pool, dg_rng *r, dg_err *e);
/* The file extension of a condition's images ("ppm", "pgm", "pbm"). */
const char *rc_condition_ext(const char *cond);
/* The JPEG quality a photo goes through (0: none). */
int rc_condition_jpeg(const char *cond, dg_rng *r);
#endif
