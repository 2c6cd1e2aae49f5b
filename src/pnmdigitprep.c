/* pnmdigitprep - turn scanned digits (any PNM stream) into digit images:
 * one 28x28 PGM per input image holding one digit, or a strip of 28x28
 * cells for a whole number.  The work is dg_prep in libdigit; this file
 * holds the options, the stream loop, the model (loaded only when a
 * number must be cut) and the --debug output. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modelpath.h"
#include "prep.h"
#include "tool.h"

typedef struct cmdline {
    dg_prep_opts prep;
    const char *model;
    const char *debug_dir;
    const char *boxes;      /* --boxes: the file of where each cell was */
    int keep_colours;       /* --no-dropout */
    char **files;
    int nfiles;
} cmdline;

/* The model, loaded on first use; a failure is remembered, and counted
 * each time an image asks for it again. */
typedef struct model_source {
    const char *opt;
    int state;              /* 0 not tried, 1 loaded, -1 failed */
    unsigned long refused;  /* images given the failure */
    dg_net net;
    dg_err err;
    char buf[PATH_MAX];
} model_source;

/* Where --debug writes, and whether a write failed. */
typedef struct debug_sink {
    const char *dir;
    unsigned long image;
    int failed;
} debug_sink;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]...\n", tool_name());
    fputs(
"Turn scanned digits into digit images: each image of the PNM stream in the\n"
"FILEs (or standard input) becomes one PGM: a 28x28 cell for one digit (ink\n"
"white on black, its longer side 20 pixels, its centre of mass at the\n"
"centre), or for a whole number a strip of such cells, one per digit.\n"
"Where one digit ends is decided by reading the candidates with the model.\n"
"\n"
"  -i, --ink=WHICH        ink colour: auto (default), dark (on light paper)\n"
"                         or light (on dark ground)\n"
"  -p, --paper=WHEN       make unevenly lit paper (a lamp, a shadow, a\n"
"                         vignette) flat first: auto (default: when its\n"
"                         light is uneven), always or off\n"
"  -t, --threshold=HOW    finding the ink: otsu (default), sauvola (local,\n"
"                         for uneven lighting), a level in (0,1), or none\n"
"  -w, --window=N         sauvola window side in pixels (default: a quarter\n"
"                         of the shorter side, at least 15)\n"
"  -k, --k=K              sauvola sensitivity in (0,1) (default 0.2)\n"
"  -b, --binary           output only black and white, no grey levels\n"
"      --deskew           straighten slanted digits by their second-order\n"
"                         moments (the default)\n"
"      --no-deskew        do not\n"
"      --speck=F          drop marks smaller than F times the largest\n"
"                         (default 0.08)\n"
"      --no-upsample      read small digits (under 17 pixels high, as in\n"
"                         a fax) at their own size, not enlarged\n"
"      --keep-lines       keep printed lines (ruled paper, form boxes,\n"
"                         underlines) and frames, which are taken out;\n"
"                         implies --no-dropout\n"
"      --no-dropout       keep printed lines of a dropout colour (light\n"
"                         blue rules, red boxes under dark ink), which\n"
"                         colour images have made paper\n"
"  -s, --split            always read a whole number (default: one digit or\n"
"                         a number, as the model reads the image)\n"
"  -1, --single           always read one digit: all the ink in one cell;\n"
"                         needs no model\n"
"      --model=FILE       the model that reads the candidates (default:\n"
"                         $DIGIT_MODEL, else the installed default.model)\n"
"  -m, --max-digits=N     at most N cells (default: no limit)\n"
"      --spaces           a blank cell for a wide gap between digits\n"
"  -e, --allow-empty      a blank image gives its empty cell silently, not\n"
"                         an error (any image that gives no digit keeps\n"
"                         its slot as an empty cell; the stream goes on)\n"
"  -d, --debug=DIR        write each stage as DIR/NNNN-STAGE.pgm\n"
"      --boxes=FILE       write where each cell's digit was found in its\n"
"                         image to FILE, as TSV: image, cell, x, y, width,\n"
"                         height (image and cell as digitclassify numbers\n"
"                         them)\n"
"  -h, --help             display this help and exit\n"
"  -V, --version          output version information and exit\n"
"\n"
"Exit status: 0 on success, 1 on bad input or output, 2 on usage errors.\n",
          stdout);
    tool_help_end();
}

static void parse_threshold(dg_prep_opts *o, const char *arg)
{
    if (strcmp(arg, "otsu") == 0)
        o->thresh = DG_THRESH_OTSU;
    else if (strcmp(arg, "sauvola") == 0)
        o->thresh = DG_THRESH_SAUVOLA;
    else if (strcmp(arg, "none") == 0)
        o->thresh = DG_THRESH_NONE;
    else {
        o->thresh = DG_THRESH_FIXED;
        o->level = (float)tool_parse_double("--threshold", arg, 0.001,
                                            0.999);
    }
}

static void parse_ink(dg_prep_opts *o, const char *arg)
{
    if (strcmp(arg, "auto") == 0)
        o->ink = DG_INK_AUTO;
    else if (strcmp(arg, "dark") == 0)
        o->ink = DG_INK_DARK;
    else if (strcmp(arg, "light") == 0)
        o->ink = DG_INK_LIGHT;
    else
        tool_usage_error("invalid value for --ink: '%s' (want auto, dark "
                         "or light)", arg);
}

static void parse_paper(dg_prep_opts *o, const char *arg)
{
    if (strcmp(arg, "auto") == 0)
        o->paper = DG_PAPER_AUTO;
    else if (strcmp(arg, "always") == 0)
        o->paper = DG_PAPER_ALWAYS;
    else if (strcmp(arg, "off") == 0)
        o->paper = DG_PAPER_OFF;
    else
        tool_usage_error("invalid value for --paper: '%s' (want auto, "
                         "always or off)", arg);
}

static void parse_cmdline(int argc, char **argv, cmdline *cl)
{
    enum { OPT_DESKEW = 256, OPT_NO_DESKEW, OPT_SPECK, OPT_KEEP_LINES,
           OPT_NO_DROPOUT, OPT_NO_UPSAMPLE,
           OPT_SPACES, OPT_MODEL, OPT_BOXES };
    static const struct option longopts[] = {
        { "ink", required_argument, NULL, 'i' },
        { "paper", required_argument, NULL, 'p' },
        { "threshold", required_argument, NULL, 't' },
        { "window", required_argument, NULL, 'w' },
        { "k", required_argument, NULL, 'k' },
        { "binary", no_argument, NULL, 'b' },
        { "deskew", no_argument, NULL, OPT_DESKEW },
        { "no-deskew", no_argument, NULL, OPT_NO_DESKEW },
        { "speck", required_argument, NULL, OPT_SPECK },
        { "keep-lines", no_argument, NULL, OPT_KEEP_LINES },
        { "no-dropout", no_argument, NULL, OPT_NO_DROPOUT },
        { "no-upsample", no_argument, NULL, OPT_NO_UPSAMPLE },
        { "split", no_argument, NULL, 's' },
        { "single", no_argument, NULL, '1' },
        { "model", required_argument, NULL, OPT_MODEL },
        { "max-digits", required_argument, NULL, 'm' },
        { "spaces", no_argument, NULL, OPT_SPACES },
        { "allow-empty", no_argument, NULL, 'e' },
        { "debug", required_argument, NULL, 'd' },
        { "boxes", required_argument, NULL, OPT_BOXES },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    dg_prep_opts *o = &cl->prep;
    int c;

    memset(cl, 0, sizeof *cl);
    dg_prep_defaults(o);
    while ((c = getopt_long(argc, argv, "i:p:t:w:k:bs1m:ed:hV", longopts, NULL))
           != -1) {
        switch (c) {
        case 'i': parse_ink(o, optarg); break;
        case 'p': parse_paper(o, optarg); break;
        case 't': parse_threshold(o, optarg); break;
        case 'w':
            o->window = (int)tool_parse_long("--window", optarg, 3, 65535);
            break;
        case 'k':
            o->k = (float)tool_parse_double("--k", optarg, 0.0, 1.0);
            break;
        case 'b': o->binary = 1; break;
        case OPT_DESKEW: o->deskew = 1; break;
        case OPT_NO_DESKEW: o->deskew = 0; break;
        case OPT_SPECK:
            o->speck = (float)tool_parse_double("--speck", optarg, 0.0, 1.0);
            break;
        case OPT_KEEP_LINES: o->keep_lines = 1; cl->keep_colours = 1; break;
        case OPT_NO_DROPOUT: cl->keep_colours = 1; break;
        case OPT_NO_UPSAMPLE: o->no_upsample = 1; break;
        case 's': o->split = DG_SPLIT_ALWAYS; break;
        case '1': o->split = DG_SPLIT_NEVER; break;
        case OPT_MODEL: cl->model = optarg; break;
        case 'm':
            o->max_digits = (int)tool_parse_long("--max-digits", optarg, 1,
                                                 100000);
            break;
        case OPT_SPACES: o->spaces = 1; break;
        case 'e': o->allow_empty = 1; break;
        case 'd': cl->debug_dir = optarg; break;
        case OPT_BOXES: cl->boxes = optarg; break;
        case 'h': usage(); exit(tool_finish(EXIT_OK));
        case 'V': tool_version();
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    tool_name());
            exit(EXIT_USAGE);
        }
    }
    if ((o->max_digits > 0 || o->spaces) && o->split == DG_SPLIT_NEVER)
        tool_usage_error("--max-digits and --spaces do not go with "
                         "--single");
    if (cl->debug_dir != NULL && cl->debug_dir[0] == '\0')
        tool_usage_error("--debug needs a directory name");
    if (cl->boxes != NULL
        && (cl->boxes[0] == '\0' || strcmp(cl->boxes, "-") == 0))
        tool_usage_error("--boxes needs a file name (standard output "
                         "carries the images)");
    cl->files = argv + optind;
    cl->nfiles = argc - optind;
}

/* The dg_prep_opts net callback: load the model the first time a number
 * must be cut. */
static const struct dg_net *get_model(void *ctx, dg_err *e)
{
    model_source *m = ctx;

    if (m->state == 0)
        m->state = dg_model_load_digits(&m->net, m->opt, m->buf,
                                        sizeof m->buf, NULL, &m->err) < 0
                   ? -1 : 1;
    if (m->state < 0) {
        *e = m->err;
        m->refused++;
        return NULL;
    }
    return &m->net;
}

/* The --debug callback: write the stage as DIR/NNNN-STAGE.pgm. */
static void write_stage(void *ctx, const char *stage, const dg_image *im)
{
    debug_sink *d = ctx;
    char path[PATH_MAX];
    FILE *f;
    dg_err e;

    if (d->failed)
        return;
    snprintf(path, sizeof path, "%s/%04lu-%s.pgm", d->dir, d->image, stage);
    f = fopen(path, "wb");
    if (f == NULL) {
        tool_error("%s: %s", path, strerror(errno));
        d->failed = 1;
        return;
    }
    if (dg_pgm_write(f, im, &e) < 0 || fclose(f) != 0) {
        tool_error("%s: write error", path);
        d->failed = 1;
    }
}

/* The --debug picture of the dropout colour: the pixels of scan that
 * were made paper (mask) in grey, the rest of the image black where it
 * is dark and white elsewhere, as the lines picture shows ink and lines.
 * pic is reshaped. */
static void write_dropout(debug_sink *d, const dg_image *scan,
                          const uint8_t *mask, dg_image *pic)
{
    dg_err e;
    size_t i, n = scan->w * scan->h;

    if (dg_image_reshape(pic, scan->w, scan->h, &e) < 0) {
        tool_error("%s", e.msg);
        d->failed = 1;
        return;
    }
    for (i = 0; i < n; i++)
        pic->px[i] = mask[i] ? 0.6f : scan->px[i] < 0.5f ? 0.0f : 1.0f;
    write_stage(d, "dropout", pic);
}

/* An empty (all black) cell into out: what a blank image gives. */
static int empty_cell(dg_image *out, dg_err *e)
{
    if (dg_image_reshape(out, DG_CELL, DG_CELL, e) < 0)
        return -1;
    memset(out->px, 0, DG_CELL_PIXELS * sizeof *out->px);
    return 0;
}

/* The --boxes rows of image number image: one per cell of its output
 * (a failed image: one row of zeros), in the pixels of the image as
 * given: k times those of a page read reduced k times.  Returns
 * fprintf's status. */
static int write_boxes(FILE *f, unsigned long image, const dg_image *out,
                       const dg_prep_work *w, int failed, size_t k)
{
    size_t i, n = 0, cells = out->w / DG_CELL;
    const dg_box *b = failed ? NULL : dg_prep_boxes(w, &n);
    int rc = 0;

    for (i = 0; i < cells && rc >= 0; i++)
        rc = i < n ? fprintf(f, "%lu\t%zu\t%zu\t%zu\t%zu\t%zu\n", image,
                             i + 1, b[i].x * k, b[i].y * k, b[i].w * k,
                             b[i].h * k)
                   : fprintf(f, "%lu\t%zu\t0\t0\t0\t0\n", image, i + 1);
    return rc;
}

/* Create the --debug directory if it does not exist. */
static int make_debug_dir(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0777) == 0)
        return 0;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    tool_error("%s: cannot create directory: %s", dir,
               errno == EEXIST ? "not a directory" : strerror(errno));
    return -1;
}

int main(int argc, char **argv)
{
    cmdline cl;
    tool_input in;
    dg_image scan = { 0, 0, NULL }, out = { 0, 0, NULL },
             pic = { 0, 0, NULL };
    dg_prep_work *work;
    debug_sink sink = { NULL, 0, 0 };
    static model_source model;
    FILE *boxes = NULL;
    int status = EXIT_OK, rc, failed;
    unsigned long refused, unsaid = 0;
    dg_err e;

    tool_init(argv[0]);
    parse_cmdline(argc, argv, &cl);
    dg_pnm_init(tool_name());
    /* Candidates are read in small batches: one thread unless asked. */
    tool_threads(0, 1);
    model.opt = cl.model;
    cl.prep.net = get_model;
    cl.prep.net_ctx = &model;
    if (cl.debug_dir != NULL) {
        if (make_debug_dir(cl.debug_dir) < 0)
            return tool_finish(EXIT_DATA);
        sink.dir = cl.debug_dir;
        cl.prep.debug = write_stage;
        cl.prep.debug_ctx = &sink;
    }
    if (cl.boxes != NULL) {
        boxes = fopen(cl.boxes, "w");
        if (boxes == NULL || fputs("image\tcell\tx\ty\twidth\theight\n",
                                   boxes) < 0) {
            tool_error("%s: %s", cl.boxes, strerror(errno));
            return tool_finish(EXIT_DATA);
        }
    }
    work = dg_prep_work_new();
    if (work == NULL) {
        tool_error("out of memory");
        return tool_finish(EXIT_DATA);
    }
    tool_input_init(&in, cl.files, cl.nfiles);
    in.max_pixels = DG_PREP_MAX_PIXELS;
    in.keep_colours = cl.keep_colours;
    in.dropout_mask = cl.debug_dir != NULL;
    while ((rc = tool_input_next(&in, &scan)) > 0) {
        sink.image = in.total;
        if (cl.debug_dir != NULL && dg_pnm_dropout_mask(in.r) != NULL)
            write_dropout(&sink, &scan, dg_pnm_dropout_mask(in.r), &pic);
        refused = model.refused;
        failed = dg_prep_run(work, &scan, &cl.prep, &out, &e) < 0;
        if (failed) {
            /* The image's slot is kept (an empty cell), so output N still
             * answers input N, and the stream goes on; exit 1 at the end.
             * A model that cannot be loaded is said once, and the images
             * that needed it after that are counted. */
            if (model.refused > refused && refused > 0)
                unsaid++;
            else
                tool_error("%s: %s", tool_input_where(&in), e.msg);
            status = EXIT_DATA;
            if (empty_cell(&out, &e) < 0) {
                tool_error("%s", e.msg);
                break;
            }
        }
        if (sink.failed) {
            status = EXIT_DATA;
            break;
        }
        if (dg_pgm_write(stdout, &out, &e) < 0) {
            tool_error("write error on standard output: %s",
                       strerror(errno));
            status = EXIT_DATA;
            break;
        }
        if (boxes != NULL
            && write_boxes(boxes, in.total, &out, work, failed,
                           dg_pnm_last(in.r)->scale) < 0) {
            tool_error("%s: write error: %s", cl.boxes, strerror(errno));
            status = EXIT_DATA;
            break;
        }
    }
    if (boxes != NULL && fclose(boxes) != 0) {
        tool_error("%s: write error: %s", cl.boxes, strerror(errno));
        status = EXIT_DATA;
    }
    if (unsaid > 0)
        tool_error("%lu more image%s needed the model and %s left empty",
                   unsaid, unsaid == 1 ? "" : "s",
                   unsaid == 1 ? "was" : "were");
    if (rc < 0)
        status = EXIT_DATA;
    tool_input_close(&in);
    dg_prep_work_free(work);
    if (model.state > 0)
        dg_net_free(&model.net);
    dg_image_free(&scan);
    dg_image_free(&out);
    dg_image_free(&pic);
    return tool_finish(status);
}
