/* label-candidates - cells for training the "not one digit" class on the
 * candidates the segmentation really meets.
 *
 * Usage: label-candidates [-m MODEL] [-r N] [-s SEED] NUMBERS TRUTH OUTDIR
 *
 * NUMBERS is a PNM stream of numbers and TRUTH its truth, one line per
 * image, the number last on the line (as scripts/numbers-test -o writes
 * truth.txt).  Every number is read as pnmdigitprep reads it, with MODEL
 * (default: as pnmdigitprep finds it); the candidate digits are labelled
 * by the reading of least cost that spells the true number
 * (dg_prep_label) and written as 28x28 PGM cells: those that stand for a
 * digit D into OUTDIR/D/, the others, at most N a number (default 6,
 * drawn with SEED), into OUTDIR/reject/, which is where digittrain
 * --extra looks for examples of "not one digit".  Files are named after
 * NUMBERS, so several sets can go into one OUTDIR.  Numbers that no
 * reading spells are counted and left out.
 *
 * A development tool: the numbers must be made of training digits only
 * (never of the development slices or of a test set). */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "net.h"
#include "modelpath.h"
#include "pnmio.h"
#include "prep.h"
#include "rng.h"


typedef struct sink {
    const char *dir;
    const char *tag;                    /* file names: TAG-NNNNNNNN.pgm */
    unsigned long count[DG_REJECT + 1];
    float (*rejects)[DG_CELL_PIXELS];   /* this number's, to draw from */
    size_t nrej, rejcap;
    int failed;
} sink;

static const dg_net *the_net(void *ctx, dg_err *e)
{
    (void)e;
    return ctx;
}

static void write_cell(sink *s, const float *cell, int label)
{
    char path[PATH_MAX];
    dg_image im = { DG_CELL, DG_CELL, (float *)cell };
    dg_err e;
    FILE *f;
    char sub[16];

    if (label == DG_REJECT)
        strcpy(sub, "reject");
    else
        snprintf(sub, sizeof sub, "%d", label);
    snprintf(path, sizeof path, "%s/%s/%s-%08lu.pgm", s->dir, sub, s->tag,
             s->count[label]++);
    f = fopen(path, "wb");
    if (f == NULL || dg_pgm_write(f, &im, &e) < 0 || fclose(f) != 0) {
        fprintf(stderr, "label-candidates: %s: cannot write\n", path);
        s->failed = 1;
    }
}

/* Whether cell, written as bytes and read back, is one digit to the
 * preprocessing digittrain --extra gives it. */
static int is_example(const float *cell)
{
    static dg_image im, out;
    static float px[DG_CELL_PIXELS];
    dg_prep_opts o;
    dg_err e;
    size_t i;

    for (i = 0; i < DG_CELL_PIXELS; i++)
        px[i] = (float)lrintf(cell[i] * 255.0f) / 255.0f;
    im.w = im.h = DG_CELL;
    im.px = px;
    dg_prep_defaults(&o);
    return dg_prep(&im, &o, &out, &e) == 0 && out.w == DG_CELL
           && out.h == DG_CELL;
}

static void take(void *ctx, const float *cell, int label)
{
    sink *s = ctx;
    float most = 0, sum = 0;
    size_t i;

    /* A cell of faint ink alone is no example. */
    for (i = 0; i < DG_CELL_PIXELS; i++) {
        most = cell[i] > most ? cell[i] : most;
        sum += cell[i];
    }
    if (most < 0.5f || sum < 3.0f)
        return;
    /* A digit that digittrain would find blank would stop its training
     * (a blank "not one digit" it skips itself). */
    if (label != DG_REJECT) {
        if (is_example(cell))
            write_cell(s, cell, label);
        return;
    }
    if (s->nrej == s->rejcap) {
        size_t cap = s->rejcap ? 2 * s->rejcap : 64;
        void *q = realloc(s->rejects, cap * sizeof *s->rejects);

        if (q == NULL) {
            s->failed = 1;
            return;
        }
        s->rejects = q;
        s->rejcap = cap;
    }
    memcpy(s->rejects[s->nrej++], cell, sizeof *s->rejects);
}

static int make_dirs(const char *dir)
{
    char sub[PATH_MAX];
    int c;

    mkdir(dir, 0777);
    for (c = 0; c <= DG_REJECT; c++) {
        if (c == DG_REJECT)
            snprintf(sub, sizeof sub, "%s/reject", dir);
        else
            snprintf(sub, sizeof sub, "%s/%d", dir, c);
        if (mkdir(sub, 0777) < 0 && errno != EEXIST) {
            fprintf(stderr, "label-candidates: %s: %s\n", sub,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The number at the end of a truth line, as digit values. */
static size_t parse_truth(const char *line, uint8_t *digits, size_t max)
{
    const char *end = line + strlen(line), *p;
    size_t n = 0;

    while (end > line && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    for (p = end; p > line && p[-1] >= '0' && p[-1] <= '9'; p--)
        ;
    for (; p < end && n < max; p++)
        digits[n++] = (uint8_t)(*p - '0');
    return n;
}

int main(int argc, char **argv)
{
    const char *model = NULL;
    unsigned long per = 6, seed = 1, spelled = 0, missed = 0;
    char buf[PATH_MAX], line[256];
    dg_net net;
    dg_err e;
    dg_rng rng;
    dg_prep_opts o;
    dg_prep_work *w;
    dg_pnm_reader *r;
    dg_image scan = { 0, 0, NULL };
    sink s;
    FILE *nf, *tf;
    int c, rc;

    while ((c = getopt(argc, argv, "m:r:s:")) != -1)
        switch (c) {
        case 'm': model = optarg; break;
        case 'r': per = strtoul(optarg, NULL, 10); break;
        case 's': seed = strtoul(optarg, NULL, 10); break;
        default: return 2;
        }
    if (argc - optind != 3) {
        fprintf(stderr, "usage: label-candidates [-m MODEL] [-r N] "
                "[-s SEED] NUMBERS TRUTH OUTDIR\n");
        return 2;
    }
    if (dg_model_load_digits(&net, model, buf, sizeof buf, NULL, &e) < 0) {
        fprintf(stderr, "label-candidates: %s\n", e.msg);
        return 1;
    }
    nf = fopen(argv[optind], "rb");
    tf = fopen(argv[optind + 1], "r");
    if (nf == NULL || tf == NULL || make_dirs(argv[optind + 2]) < 0) {
        fprintf(stderr, "label-candidates: cannot open the input\n");
        return 1;
    }
    memset(&s, 0, sizeof s);
    s.dir = argv[optind + 2];
    s.tag = strrchr(argv[optind], '/') != NULL
            ? strrchr(argv[optind], '/') + 1 : argv[optind];
    dg_rng_seed(&rng, seed);
    dg_prep_defaults(&o);
    o.split = DG_SPLIT_ALWAYS;
    o.net = the_net;
    o.net_ctx = &net;
    w = dg_prep_work_new();
    r = dg_pnm_open(nf, &e);
    while (w != NULL && r != NULL && !s.failed
           && (rc = dg_pnm_read(r, &scan, &e)) > 0
           && fgets(line, sizeof line, tf) != NULL) {
        uint8_t digits[64];
        size_t nd = parse_truth(line, digits, sizeof digits), k;
        long n;

        s.nrej = 0;
        n = dg_prep_label(w, &scan, &o, digits, nd, take, &s, &e);
        if (n < 0) {
            fprintf(stderr, "label-candidates: %s\n", e.msg);
            return 1;
        }
        spelled += n > 0;
        missed += n == 0;
        /* At most per rejects of this number, drawn at random. */
        for (k = 0; k < s.nrej && k < per; k++) {
            size_t j = k + (size_t)dg_rng_below(&rng, s.nrej - k);
            float t[DG_CELL_PIXELS];

            memcpy(t, s.rejects[j], sizeof t);
            memcpy(s.rejects[j], s.rejects[k], sizeof t);
            write_cell(&s, t, DG_REJECT);
        }
    }
    fprintf(stderr, "label-candidates: %lu numbers labelled, %lu not "
            "spelled by any reading; %lu rejects, digits", spelled, missed,
            s.count[DG_REJECT]);
    for (c = 0; c < DG_REJECT; c++)
        fprintf(stderr, " %lu", s.count[c]);
    fputc('\n', stderr);
    dg_prep_work_free(w);
    dg_pnm_close(r);
    dg_image_free(&scan);
    free(s.rejects);
    dg_net_free(&net);
    return s.failed ? 1 : 0;
}
