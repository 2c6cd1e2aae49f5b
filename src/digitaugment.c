/* digitaugment - write random distortions of digit images.
 *
 * Reads a stream of digit images (PGM, 28 rows high; a 28k-wide strip is
 * k cells) and writes N random variants of each, every cell distorted on
 * its own.  The transforms and their defaults are those of libdigit's
 * augment.h; each one can be switched off, tuned or forced here. */
#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "augment.h"
#include "augopts.h"
#include "tool.h"

/* Option codes of this tool's own options. */
enum { OPT_SEED = 256, OPT_INCLUDE_ORIGINAL };

typedef struct options {
    long count;
    int include_original;
    unsigned long long seed;
    int verbose, quiet;
    dg_aug_opts aug;
} options;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]...\n", tool_name());
    fputs("Write random distortions of digit images (PGM, 28 rows high; a\n"
          "strip 28*k wide is k cells, each distorted on its own).  With no\n"
          "FILE, or when FILE is -, read standard input.\n\n"
          "  -n, --count=N           variants per input image (default 1)\n"
          "      --include-original  write each input image before its "
          "variants\n"
          "      --seed=N            random seed (default 0); same seed, "
          "same bytes\n"
          "  -v, --verbose           report progress and a summary on "
          "standard error\n"
          "  -q, --quiet             no progress even on a terminal\n"
          "  -h, --help              display this help and exit\n"
          "  -V, --version           output version information and exit\n"
          "\n", stdout);
    aug_help(stdout);
    fputs("\nExit status: 0 success, 1 bad input or write error, 2 usage "
          "error.\n", stdout);
    tool_help_end();
}

static void parse_args(int argc, char **argv, options *op)
{
    static struct option longopts[7 + AUG_NLONGOPTS + 1] = {
        { "count", required_argument, NULL, 'n' },
        { "include-original", no_argument, NULL, OPT_INCLUDE_ORIGINAL },
        { "seed", required_argument, NULL, OPT_SEED },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
    };
    size_t k;
    int c;
    dg_err e;

    k = 7 + aug_longopts(longopts + 7);
    longopts[k] = (struct option){ NULL, 0, NULL, 0 };

    memset(op, 0, sizeof *op);
    op->count = 1;
    dg_aug_defaults(&op->aug);
    while ((c = getopt_long(argc, argv, "n:vqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            op->count = tool_parse_long("--count", optarg, 0, 1000000);
            break;
        case OPT_INCLUDE_ORIGINAL:
            op->include_original = 1;
            break;
        case OPT_SEED:
            op->seed = tool_parse_seed("--seed", optarg);
            break;
        case 'v':
            op->verbose = 1;
            op->quiet = 0;
            break;
        case 'q':
            op->quiet = 1;
            op->verbose = 0;
            break;
        case 'h':
            usage();
            exit(tool_finish(EXIT_OK));
        case 'V':
            tool_version();
        default:
            if (c >= AUG_OPT_BASE) {
                aug_option(c, optarg, &op->aug);
                break;
            }
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    tool_name());
            exit(EXIT_USAGE);
        }
    }
    if (dg_aug_check(&op->aug, &e) < 0)
        tool_usage_error("%s", e.msg);
}

/* Progress on standard error: a line redrawn in place on a terminal,
 * plain lines otherwise (only with --verbose). */
typedef struct progress {
    int on, tty, shown;
    time_t last;
    unsigned long in, out;
} progress;

static void progress_show(progress *p, int final)
{
    time_t now;

    if (!p->on)
        return;
    now = time(NULL);
    if (!final && now - p->last < 1)
        return;
    p->last = now;
    p->shown = 1;
    if (p->tty)
        fprintf(stderr, "\r%s: %lu images in, %lu out%s", tool_name(), p->in,
                p->out, final ? "\n" : "");
    else
        fprintf(stderr, "%s: %lu images in, %lu out\n", tool_name(), p->in,
                p->out);
}

/* Write the float image im (w x 28) as bytes through buf. */
static int write_image(const dg_image *im, uint8_t *buf)
{
    size_t i, n = im->w * im->h;
    dg_err e;

    for (i = 0; i < n; i++)
        buf[i] = dg_to_byte(im->px[i]);
    if (dg_pgm_write_bytes(stdout, buf, im->w, im->h, &e) < 0
        || ferror(stdout)) {
        tool_error("write error on standard output");
        return -1;
    }
    return 0;
}

/* One variant of the strip src into dst (same size): every cell
 * augmented on its own. */
static void augment_strip(const dg_image *src, dg_image *dst,
                          const dg_aug_opts *o, dg_rng *r)
{
    float cell_in[DG_CELL_PIXELS], cell_out[DG_CELL_PIXELS];
    size_t k, y, cells = src->w / DG_CELL;

    for (k = 0; k < cells; k++) {
        for (y = 0; y < DG_CELL; y++)
            memcpy(cell_in + y * DG_CELL, src->px + y * src->w + k * DG_CELL,
                   DG_CELL * sizeof *cell_in);
        dg_augment(cell_in, cell_out, o, r);
        for (y = 0; y < DG_CELL; y++)
            memcpy(dst->px + y * dst->w + k * DG_CELL, cell_out + y * DG_CELL,
                   DG_CELL * sizeof *cell_out);
    }
}

/* All output for one input image. */
static int augment_image(const options *op, const dg_image *im,
                         unsigned long index, dg_image *var, uint8_t **buf,
                         progress *pg)
{
    dg_rng r;
    dg_err e;
    uint8_t *b;
    long v;

    if (dg_image_reshape(var, im->w, im->h, &e) < 0) {
        tool_error("%s", e.msg);
        return -1;
    }
    b = realloc(*buf, im->w * im->h);
    if (b == NULL) {
        tool_error("out of memory");
        return -1;
    }
    *buf = b;
    /* One stream per input image: its variants do not depend on what the
     * images before it drew. */
    dg_rng_seed2(&r, op->seed, index);
    if (op->include_original) {
        if (write_image(im, b) < 0)
            return -1;
        pg->out++;
    }
    for (v = 0; v < op->count; v++) {
        augment_strip(im, var, &op->aug, &r);
        if (write_image(var, b) < 0)
            return -1;
        pg->out++;
        if ((pg->out & 1023) == 0)
            progress_show(pg, 0);
    }
    return 0;
}

/* What a bad input image gives: as many empty 28x28 cells as a good
 * one gives images, so output i*N still starts the variants of input
 * i. */
static int write_empty(const options *op, progress *pg)
{
    static const uint8_t blank[DG_CELL_PIXELS];
    long v, n = op->count + (op->include_original ? 1 : 0);
    dg_err e;

    for (v = 0; v < n; v++) {
        if (dg_pgm_write_bytes(stdout, blank, DG_CELL, DG_CELL, &e) < 0) {
            tool_error("write error on standard output");
            return -1;
        }
        pg->out++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options op;
    tool_input in;
    dg_image im = { 0, 0, NULL }, var = { 0, 0, NULL };
    uint8_t *buf = NULL;
    progress pg;
    int rc, status = EXIT_OK;

    tool_init(argv[0]);
    parse_args(argc, argv, &op);
    dg_pnm_init(tool_name());

    memset(&pg, 0, sizeof pg);
    pg.tty = tool_stderr_is_tty();
    pg.on = op.verbose || (pg.tty && !op.quiet);
    pg.last = time(NULL);

    tool_input_init(&in, argv + optind, argc - optind);
    while ((rc = tool_input_next(&in, &im)) > 0) {
        pg.in++;
        if (im.h != DG_CELL || im.w % DG_CELL != 0 || im.w == 0) {
            /* Its slots are kept and the stream goes on; exit 1 at the
             * end. */
            tool_error("%s: image is %zux%zu, not a digit image (28 rows "
                       "high, 28*k wide); make one with pnmdigitprep",
                       tool_input_where(&in), im.w, im.h);
            status = EXIT_DATA;
            if (write_empty(&op, &pg) < 0)
                break;
            continue;
        }
        if (augment_image(&op, &im, in.total - 1, &var, &buf, &pg) < 0) {
            status = EXIT_DATA;
            break;
        }
    }
    if (rc < 0)
        status = EXIT_DATA;
    if (op.verbose || pg.shown)
        progress_show(&pg, 1);
    tool_input_close(&in);
    dg_image_free(&im);
    dg_image_free(&var);
    free(buf);
    return tool_finish(status);
}
