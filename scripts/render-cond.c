/* render-cond - draw handwritten digits as one capture condition.
 *
 * Usage: render-cond -c COND -k single|number [-n COUNT] [-s SEED]
 *                    [-I IMAGES -L LABELS [-r FIRST-LAST]]... [-d DIR]...
 *                    OUTDIR
 *
 * Draws COUNT images (default 300) of condition COND (photo, pencil,
 * ruled, boxed, marker, fax) into OUTDIR as 0001.EXT, 0002.EXT, ... (PPM,
 * PGM or PBM as the condition is captured), and OUTDIR/labels.txt with
 * the digits of image N on line N.  KIND single draws one digit an image,
 * number 3 to 6 digits.  The digits come from labelled IDX sets (images
 * FIRST to LAST, counted from 0; -I, -L, -r go together and may be given
 * more than once) and from folders of digit images DIR/0 ... DIR/9 (dark
 * ink on light paper).  For a photo, OUTDIR/jpeg.txt names the JPEG
 * quality each image is to go through (scripts/render-conditions does
 * that with ImageMagick).  Image N depends on SEED, COND, KIND and N
 * only: the same seed gives the same bytes.
 *
 * A development tool behind scripts/render-conditions: draw only from
 * digits no model was trained on. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pnmio.h"
#include "render.h"

typedef struct job {
    const char *cond, *out;
    int number;             /* 0 single digits, 1 numbers */
    unsigned long count;
    unsigned long long seed;
    unsigned stream;        /* condition and kind, for the rng streams */
} job;

/* Report a usage error msg and exit 2. */
static void usage(const char *msg)
{
    fprintf(stderr, "render-cond: %s\n", msg);
    fprintf(stderr, "usage: render-cond -c COND -k single|number [-n COUNT]"
            " [-s SEED] [-I IMAGES -L LABELS [-r A-B]]... [-d DIR]..."
            " OUTDIR\n");
    exit(2);
}

/* Report e's message, after what when it is not empty, and exit 1. */
static void die(const char *what, const dg_err *e)
{
    fprintf(stderr, "render-cond: %s%s%s\n", what, *what ? ": " : "",
            e->msg);
    exit(1);
}

/* An unsigned number of the whole string s, or a usage error. */
static unsigned long long number(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        usage(what);
    return v;
}

/* Add the IDX set given by -I, -L, -r (range "A-B", or NULL: all). */
static void add_idx(rc_pool *p, const char *im, const char *lb,
                    const char *range)
{
    size_t a = 0, b = RC_ALL;
    dg_err e = { "" };
    if (!im || !lb)
        usage("-I and -L go together");
    if (range && sscanf(range, "%zu-%zu", &a, &b) != 2)
        usage("bad range: want FIRST-LAST");
    if (rc_pool_add_idx(p, im, lb, a, b, &e))
        die("", &e);
}

/* Parse the options into j and the pool. */
static void parse(int argc, char **argv, job *j, rc_pool *p)
{
    const char *im = NULL, *lb = NULL, *range = NULL, *kind = NULL;
    dg_err e = { "" };
    int c;
    while ((c = getopt(argc, argv, "c:k:n:s:I:L:r:d:")) != -1) {
        switch (c) {
        case 'c': j->cond = optarg; break;
        case 'k': kind = optarg; break;
        case 'n': j->count = number(optarg, "bad count"); break;
        case 's': j->seed = number(optarg, "bad seed"); break;
        case 'I':
            if (im)
                add_idx(p, im, lb, range);
            im = optarg;
            lb = range = NULL;
            break;
        case 'L': lb = optarg; break;
        case 'r': range = optarg; break;
        case 'd':
            if (rc_pool_add_dir(p, optarg, &e))
                die("", &e);
            break;
        default: usage("unknown option");
        }
    }
    if (im || lb || range)
        add_idx(p, im, lb, range);
    if (optind != argc - 1)
        usage("need one output directory");
    j->out = argv[optind];
    if (!j->cond || !kind)
        usage("need -c COND and -k KIND");
    if (strcmp(kind, "single") && strcmp(kind, "number"))
        usage("KIND is single or number");
    j->number = strcmp(kind, "number") == 0;
}

/* Draw image i of the job into path; its label into label, its JPEG
 * quality into *q. */
static int draw_one(const job *j, const rc_pool *p, unsigned long i,
                    const char *path, char *label, int *q, dg_err *e)
{
    dg_rng r;
    rc_scene s;
    rc_plane rgb[3] = { { 0 } };
    int rc = -1;
    dg_rng_seed2(&r, j->seed, ((uint64_t)j->stream << 32) | i);
    int ndig = j->number ? 3 + (int)dg_rng_below(&r, 4) : 1;
    *q = rc_condition_jpeg(j->cond, &r);
    if (rc_condition(&s, j->cond, ndig, p, &r, e))
        return -1;
    FILE *f = NULL;
    if (rc_scene_draw(&s, rgb, &r, e) == 0) {
        if ((f = fopen(path, "wb")) == NULL)
            dg_seterr(e, "%s: %s", path, strerror(errno));
        else if (rc_scene_write(f, &s, rgb, &r, e) == 0)
            rc = 0;
        if (f && fclose(f) && rc == 0)
            rc = dg_seterr(e, "%s: %s", path, strerror(errno));
    }
    memcpy(label, s.num.label, sizeof s.num.label);
    for (int c = 0; c < 3; c++)
        rc_plane_free(&rgb[c]);
    rc_number_free(&s.num);
    return rc;
}

/* Open OUTDIR/name for writing, or die. */
static FILE *open_out(const job *j, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", j->out, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "render-cond: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

/* Draw every image of the job, write labels.txt (and jpeg.txt). */
static void run(const job *j, const rc_pool *p)
{
    FILE *lab = open_out(j, "labels.txt"), *jq = NULL;
    dg_err e = { "" };
    for (unsigned long i = 1; i <= j->count; i++) {
        char path[4096], name[32], label[RC_MAXDIG + 1];
        int q;
        snprintf(name, sizeof name, "%04lu.%s", i, rc_condition_ext(j->cond));
        snprintf(path, sizeof path, "%s/%s", j->out, name);
        if (draw_one(j, p, i, path, label, &q, &e))
            die(path, &e);
        fprintf(lab, "%s\n", label);
        if (q) {
            jq = jq ? jq : open_out(j, "jpeg.txt");
            fprintf(jq, "%s %d\n", name, q);
        }
    }
    if (fclose(lab) || (jq && fclose(jq))) {
        fprintf(stderr, "render-cond: %s: write error\n", j->out);
        exit(1);
    }
}

/* Read the options and sources, then draw the job. */
int main(int argc, char **argv)
{
    job j = { NULL, NULL, 0, 300, 1, 0 };
    rc_pool pool;
    memset(&pool, 0, sizeof pool);
    dg_pnm_init("render-cond");
    parse(argc, argv, &j, &pool);
    int k;
    for (k = 0; rc_conditions[k]; k++)
        if (strcmp(j.cond, rc_conditions[k]) == 0)
            break;
    if (!rc_conditions[k])
        usage("COND is photo, pencil, ruled, boxed, marker or fax");
    if (!rc_pool_complete(&pool)) {
        fprintf(stderr, "render-cond: the digit sources lack some digit"
                " (every digit 0-9 is needed)\n");
        return 1;
    }
    j.stream = (unsigned)(2 * k + j.number);
    run(&j, &pool);
    rc_pool_free(&pool);
    return 0;
}
