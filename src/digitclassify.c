/* digitclassify - digit images in, digits out.
 *
 * Reads a stream of digit images (PGM, 28 rows high, 28k wide: k digits
 * side by side) and writes one line per image.  Cells are classified in
 * batches for speed; every image's line is written before an error on a
 * later image is reported, so what was written stays valid. */
#include <config.h>

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cascade.h"
#include "model.h"
#include "modelpath.h"
#include "net.h"
#include "tool.h"

#define BATCH 256               /* cells classified together */

enum format { FMT_DIGITS, FMT_TSV, FMT_JSON };

struct cmdline {
    const char *model;
    enum format format;
    int top;
    double min_conf;
    int info, header, threads;
    char **files;
    int nfiles;
};

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]...\n", tool_name());
    fputs("Classify digit images (PGM, 28 rows high, 28k columns for k digits,\n"
          "bright ink on black, as pnmdigitprep writes them) from the FILEs or\n"
          "standard input, one output line per image.\n"
          "\n"
          "  -m, --model=FILE         the model to use (default: $DIGIT_MODEL, else\n"
          "                           the installed default.model)\n"
          "  -f, --format=FORMAT      digits (default): the digits as one word;\n"
          "                           tsv: a header, then a row per digit with its\n"
          "                           confidence and the ten probabilities (and\n"
          "                           that of 'not one digit' if the model has it);\n"
          "                           json: one JSON object per image\n"
          "  -t, --top=K              also give the K most likely digits of each\n"
          "                           cell with their probabilities\n"
          "  -c, --min-confidence=P   print '?' for a digit whose probability is\n"
          "                           below P (0 to 1)\n"
          "      --no-header          tsv: leave out the header line\n"
          "      --info               print the model's description and exit\n"
          "  -j, --threads=N          threads to use (default 1)\n"
          "  -h, --help               display this help and exit\n"
          "  -V, --version            output version information and exit\n"
          "\n"
          "A blank cell (no ink at all) is printed as a space (in tsv as '_'); a\n"
          "cell that a model with the class 'not one digit' finds most likely to\n"
          "be none, as '?'.  In json a cell's \"digit\" is a number, or null for a\n"
          "blank cell or '?'.\n",
          stdout);
    tool_help_end();
}

enum { OPT_INFO = 256, OPT_NO_HEADER, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
    { "model", required_argument, NULL, 'm' },
    { "format", required_argument, NULL, 'f' },
    { "top", required_argument, NULL, 't' },
    { "min-confidence", required_argument, NULL, 'c' },
    { "no-header", no_argument, NULL, OPT_NO_HEADER },
    { "info", no_argument, NULL, OPT_INFO },
    { "threads", required_argument, NULL, 'j' },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 }
};

static void parse_command_line(int argc, char **argv, struct cmdline *c)
{
    int opt;

    memset(c, 0, sizeof *c);
    c->header = 1;
    while ((opt = getopt_long(argc, argv, "m:f:t:c:j:hV", longopts, NULL))
           != -1) {
        switch (opt) {
        case 'm': c->model = optarg; break;
        case 'f':
            if (strcmp(optarg, "digits") == 0)
                c->format = FMT_DIGITS;
            else if (strcmp(optarg, "tsv") == 0)
                c->format = FMT_TSV;
            else if (strcmp(optarg, "json") == 0)
                c->format = FMT_JSON;
            else
                tool_usage_error("unknown format '%s' (digits, tsv, json)",
                                 optarg);
            break;
        case 't':
            c->top = (int)tool_parse_long("--top", optarg, 1, DG_NCLASS);
            break;
        case 'c':
            c->min_conf = tool_parse_double("--min-confidence", optarg, 0, 1);
            break;
        case OPT_NO_HEADER: c->header = 0; break;
        case OPT_INFO: c->info = 1; break;
        case 'j':
            c->threads = (int)tool_parse_long("--threads", optarg, 1, 1024);
            break;
        case 'h':
        case OPT_HELP: usage(); exit(tool_finish(EXIT_OK));
        case 'V':
        case OPT_VERSION: tool_version();
        default:
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    tool_name());
            exit(EXIT_USAGE);
        }
    }
    c->files = argv + optind;
    c->nfiles = argc - optind;
    if (c->info && c->nfiles > 0)
        tool_usage_error("--info takes no FILE");
}

static int load_model(const struct cmdline *c, dg_net *net)
{
    char buf[PATH_MAX];
    dg_err e;

    if (dg_model_load_digits(net, c->model, buf, sizeof buf, NULL, &e) < 0) {
        tool_error("%s", e.msg);
        return -1;
    }
    return 0;
}

/* Print s with control bytes (but newlines when lines is set) and DEL
 * as \xHH, so a model's text cannot drive the terminal. */
static void print_byte(unsigned char b, int lines)
{
    if ((b < 0x20 && !(lines && b == '\n')) || b == 0x7f || b == '\\')
        printf("\\x%02x", b);
    else
        putchar(b);
}

static void print_escaped(const char *s, int lines)
{
    for (; *s != '\0'; s++)
        print_byte((unsigned char)*s, lines);
}

/* A checksum of the weights of net alone: two trainings with one seed
 * give the same value even though their dates differ. */
static unsigned long weights_crc(const dg_net *net)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t j;

    for (j = 0; j < net->nparams; j++) {
        unsigned char b[4];
        uint32_t v;

        memcpy(&v, &net->params[j], 4);
        b[0] = (unsigned char)v;
        b[1] = (unsigned char)(v >> 8);
        b[2] = (unsigned char)(v >> 16);
        b[3] = (unsigned char)(v >> 24);
        crc = crc32(crc, b, 4);
    }
    return (unsigned long)crc;
}

/* The metadata of net, each line's key given the prefix pre. */
static void print_meta(const dg_net *net, const char *pre)
{
    const char *s = net->meta;
    int start = 1;

    for (; s != NULL && *s != '\0'; s++) {
        if (start)
            fputs(pre, stdout);
        start = *s == '\n';
        print_byte((unsigned char)*s, 1);
    }
    if (!start)
        putchar('\n');
}

static int print_info(const struct cmdline *c, const dg_net *net)
{
    char shape[128], pre[32];
    const dg_net *m;
    size_t i = 1;

    dg_net_shape(net, shape, sizeof shape);
    fputs("file=", stdout);
    print_escaped(tool_model_path(c->model, "default.model"), 0);
    printf("\nshape=%s\nparameters=%zu\nweights_crc32=%08lx\n", shape,
           net->nparams, weights_crc(net));
    if (net->next != NULL)
        printf("cascade=%zu networks\n", dg_cascade_members(net));
    print_escaped(net->meta, 1);
    /* A cascade's later networks, each with its own record. */
    for (m = net->next; m != NULL; m = m->next) {
        snprintf(pre, sizeof pre, "network%zu_", ++i);
        dg_net_shape(m, shape, sizeof shape);
        printf("%sshape=%s\n%sparameters=%zu\n%sweights_crc32=%08lx\n",
               pre, shape, pre, m->nparams, pre, weights_crc(m));
        print_meta(m, pre);
    }
    return EXIT_OK;
}

/* The images read but not yet printed, and their cells. */
struct pending {
    size_t k;                   /* classes of the model: 10, or 11 with
                                 * DG_REJECT, "not one digit" */
    float *x;                   /* (cap, 784) cells */
    float *p;                   /* (cap, k) probabilities */
    unsigned char *order;       /* (cap, k) classes, most likely first */
    unsigned char *blank;       /* (cap) the cell has no ink */
    size_t cells, cap;
    size_t batch;               /* cells classified together */
    size_t *ncell;              /* cells of each pending image (0: not a
                                 * digit image, its line says so) */
    unsigned long *number;      /* its number in the stream */
    size_t images, icap;
};

/* Queue the k cells of im (k may be 0 for an image that is not a digit
 * image) as image number of the stream; -1 when out of memory. */
static int pending_add(struct pending *q, const dg_image *im, size_t k,
                       unsigned long number)
{
    size_t c, y;

    if (q->cells + k > q->cap) {
        size_t cap = q->cap ? q->cap : q->batch;
        float *x, *p;
        unsigned char *b, *o;

        while (cap < q->cells + k)
            cap *= 2;
        x = realloc(q->x, cap * DG_CELL_PIXELS * sizeof *x);
        if (x != NULL)
            q->x = x;
        p = realloc(q->p, cap * q->k * sizeof *p);
        if (p != NULL)
            q->p = p;
        b = realloc(q->blank, cap);
        if (b != NULL)
            q->blank = b;
        o = realloc(q->order, cap * q->k);
        if (o != NULL)
            q->order = o;
        if (x == NULL || p == NULL || b == NULL || o == NULL)
            return -1;
        q->cap = cap;
    }
    if (q->images == q->icap) {
        size_t icap = q->icap ? q->icap * 2 : 64;
        size_t *n = realloc(q->ncell, icap * sizeof *n);
        unsigned long *num;

        if (n != NULL)
            q->ncell = n;
        num = realloc(q->number, icap * sizeof *num);
        if (num != NULL)
            q->number = num;
        if (n == NULL || num == NULL)
            return -1;
        q->icap = icap;
    }
    for (c = 0; c < k; c++) {
        float *dst = q->x + (q->cells + c) * DG_CELL_PIXELS;
        int ink = 0;

        for (y = 0; y < DG_CELL; y++) {
            const float *src = im->px + y * im->w + c * DG_CELL;
            size_t x;

            for (x = 0; x < DG_CELL; x++) {
                dst[y * DG_CELL + x] = src[x];
                ink |= src[x] > 0.0f;
            }
        }
        q->blank[q->cells + c] = !ink;
    }
    q->cells += k;
    q->ncell[q->images] = k;
    q->number[q->images++] = number;
    return 0;
}

/* Indices of the k probabilities of one cell, most likely first. */
static void rank(const float *p, unsigned char *order, size_t k)
{
    size_t i, j;

    for (i = 0; i < k; i++)
        order[i] = (unsigned char)i;
    for (i = 1; i < k; i++)
        for (j = i; j > 0 && p[order[j]] > p[order[j - 1]]; j--) {
            unsigned char t = order[j];

            order[j] = order[j - 1];
            order[j - 1] = t;
        }
}

/* The most likely digit of a cell (never the reject class). */
static int best_digit(const unsigned char *order)
{
    return order[0] == DG_REJECT ? order[1] : order[0];
}

/* The answer for a cell: a space when blank, '?' when the model finds it
 * is not one digit or the best digit is below --min-confidence, else the
 * digit. */
static char cell_char(const struct cmdline *c, const float *p, int blank,
                      const unsigned char *order)
{
    if (blank)
        return ' ';
    if (order[0] == DG_REJECT || p[best_digit(order)] < c->min_conf)
        return '?';
    return (char)('0' + best_digit(order));
}

/* The --top digits of a cell as digit:probability pairs, most likely
 * first; the reject class is not a digit and is left out. */
static void print_top(const struct cmdline *c, const float *p,
                      const unsigned char *order, int blank)
{
    int i, n = 0;

    for (i = 0; n < c->top; i++) {
        if (order[i] == DG_REJECT)
            continue;
        printf("%s%d:%.4f", n++ ? "," : "", order[i],
               blank ? 0.0 : (double)p[order[i]]);
    }
}

/* One tsv row or json object for cell i of an image. */
static void print_cell(const struct cmdline *c, const struct pending *q,
                       size_t cell, size_t i, unsigned long number)
{
    const float *p = q->p + cell * q->k;
    const unsigned char *order = q->order + cell * q->k;
    const int blank = q->blank[cell];
    const double conf = blank ? 0.0 : (double)p[best_digit(order)];
    const double rej = blank || q->k <= DG_REJECT ? 0.0 : (double)p[DG_REJECT];
    const char ch = cell_char(c, p, blank, order);
    int d;

    if (c->format == FMT_TSV) {
        /* A blank cell is a visible token, so every row has its fields
         * for column -t and awk. */
        printf("%lu\t%zu\t%c\t%.6f", number, i + 1, blank ? '_' : ch,
               conf);
        for (d = 0; d < DG_NCLASS; d++)
            printf("\t%.6f", blank ? 0.0 : (double)p[d]);
        if (q->k > DG_REJECT)
            printf("\t%.6f", rej);
        if (c->top > 0) {
            putchar('\t');
            print_top(c, p, order, blank);
        }
        putchar('\n');
        return;
    }
    /* "digit" is a number, as in "top"; null when there is none (a blank
     * cell, or '?'). */
    if (ch >= '0' && ch <= '9')
        printf("%s{\"digit\":%d,", i ? "," : "", ch - '0');
    else
        printf("%s{\"digit\":null,", i ? "," : "");
    printf("\"confidence\":%.6f,\"probabilities\":[", conf);
    for (d = 0; d < DG_NCLASS; d++)
        printf("%s%.6f", d ? "," : "", blank ? 0.0 : (double)p[d]);
    putchar(']');
    if (q->k > DG_REJECT)
        printf(",\"reject\":%.6f", rej);
    if (c->top > 0) {
        int n = 0;

        printf(",\"top\":[");
        for (d = 0; n < c->top; d++)
            if (order[d] != DG_REJECT)
                printf("%s{\"digit\":%d,\"p\":%.6f}", n++ ? "," : "",
                       order[d], blank ? 0.0 : (double)p[order[d]]);
        putchar(']');
    }
    putchar('}');
}

/* The line of an image that is not a digit image: '?' in place of its
 * digits, so that line N still answers image N. */
static void print_not_digits(const struct cmdline *c, const struct pending *q,
                             unsigned long number)
{
    int d;

    if (c->format == FMT_DIGITS) {
        puts("?");
    } else if (c->format == FMT_JSON) {
        printf("{\"image\":%lu,\"digits\":\"?\",\"cells\":[],\"error\":"
               "\"not a digit image\"}\n", number);
    } else {
        printf("%lu\t0\t?\t%.6f", number, 0.0);
        for (d = 0; d < DG_NCLASS + (q->k > DG_REJECT); d++)
            printf("\t%.6f", 0.0);
        puts(c->top > 0 ? "\t" : "");
    }
}

static void print_image(const struct cmdline *c, const struct pending *q,
                        size_t first, size_t k, unsigned long number)
{
    size_t i;

    if (k == 0) {
        print_not_digits(c, q, number);
        return;
    }
    if (c->format == FMT_JSON)
        printf("{\"image\":%lu,\"digits\":\"", number);
    for (i = 0; i < k && c->format != FMT_TSV; i++)
        putchar(cell_char(c, q->p + (first + i) * q->k, q->blank[first + i],
                          q->order + (first + i) * q->k));
    if (c->format == FMT_DIGITS) {
        for (i = 0; i < k && c->top > 0; i++) {
            putchar(i ? ' ' : '\t');
            print_top(c, q->p + (first + i) * q->k,
                      q->order + (first + i) * q->k, q->blank[first + i]);
        }
        putchar('\n');
        return;
    }
    if (c->format == FMT_JSON)
        printf("\",\"cells\":[");
    for (i = 0; i < k; i++)
        print_cell(c, q, first + i, i, number);
    if (c->format == FMT_JSON)
        printf("]}\n");
}

/* Classify every pending cell and print every pending image. */
static void flush_pending(const struct cmdline *c, const dg_net *net,
                          dg_acts *a, struct pending *q)
{
    size_t pos, first = 0, i;

    for (pos = 0; pos < q->cells; pos += q->batch) {
        const size_t b = q->cells - pos < q->batch ? q->cells - pos
                                                   : q->batch;

        memcpy(a->act[0], q->x + pos * DG_CELL_PIXELS,
               b * DG_CELL_PIXELS * sizeof(float));
        memcpy(q->p + pos * q->k, dg_net_forward(net, a, b),
               b * q->k * sizeof(float));
    }
    for (i = 0; i < q->cells; i++)
        rank(q->p + i * q->k, q->order + i * q->k, q->k);
    for (i = 0; i < q->images; i++) {
        print_image(c, q, first, q->ncell[i], q->number[i]);
        first += q->ncell[i];
    }
    q->cells = 0;
    q->images = 0;
}

/* The tsv header line: the columns print_cell writes. */
static void print_tsv_header(const struct cmdline *c, const dg_net *net)
{
    int d;

    printf("image\tcell\tdigit\tconfidence");
    for (d = 0; d < DG_NCLASS; d++)
        printf("\tp%d", d);
    printf("%s%s\n", dg_net_has_reject(net) ? "\treject" : "",
           c->top > 0 ? "\ttop" : "");
}

/* True when the border of a digit image is mostly light: dark ink on
 * white, the polarity of a scan, where digit images have bright ink on
 * black (their border is always black).  Such an image is read as a
 * confident but meaningless digit, so the user is told. */
static int looks_inverted(const dg_image *im)
{
    double sum = 0;
    size_t x, y;

    for (x = 0; x < im->w; x++)
        sum += im->px[x] + im->px[(im->h - 1) * im->w + x];
    for (y = 1; y + 1 < im->h; y++)
        sum += im->px[y * im->w] + im->px[y * im->w + im->w - 1];
    return sum > 0.5 * (double)(2 * im->w + 2 * (im->h - 2));
}

/* Read the stream and print a line per image.  An image that is not a
 * digit image keeps its line ('?'), is reported, and the stream goes
 * on; the status is then EXIT_DATA. */
static int classify(const struct cmdline *c, const dg_net *net)
{
    struct pending q;
    tool_input in;
    dg_image im = { 0, 0, NULL };
    dg_acts a;
    dg_err e;
    int rc, status = EXIT_OK;
    unsigned long inverted = 0;

    memset(&q, 0, sizeof q);
    q.k = dg_net_out(net);
    /* Fewer cells at a time for a model of wide activations. */
    q.batch = dg_model_batch(net, BATCH);
    if (dg_acts_alloc(&a, net, q.batch, &e) < 0) {
        tool_error("%s", e.msg);
        return EXIT_DATA;
    }
    if (c->format == FMT_TSV && c->header)
        print_tsv_header(c, net);
    tool_input_init(&in, c->files, c->nfiles);
    while ((rc = tool_input_next(&in, &im)) > 0) {
        size_t k = im.w / DG_CELL;

        if (im.h != DG_CELL || im.w % DG_CELL != 0 || k == 0) {
            flush_pending(c, net, &a, &q);
            tool_error("%s: %zux%zu is not a digit image (%d rows, a "
                       "multiple of %d columns); run it through "
                       "pnmdigitprep first", tool_input_where(&in), im.w,
                       im.h, DG_CELL, DG_CELL);
            status = EXIT_DATA;
            k = 0;
        }
        if (k > 0 && looks_inverted(&im) && inverted++ == 0)
            tool_error("warning: %s: the border is white, as in dark ink on "
                       "white paper; digit images have bright ink on black "
                       "(pass scans through pnmdigitprep, or invert with "
                       "pnminvert)", tool_input_where(&in));
        if (pending_add(&q, &im, k, in.total) < 0) {
            flush_pending(c, net, &a, &q);
            tool_error("%s: out of memory", tool_input_where(&in));
            status = EXIT_DATA;
            break;
        }
        if (q.cells >= q.batch || k == 0)
            flush_pending(c, net, &a, &q);
    }
    flush_pending(c, net, &a, &q);
    if (inverted > 1)
        tool_error("warning: %lu images in all had a white border",
                   inverted);
    if (rc < 0)
        status = EXIT_DATA;
    tool_input_close(&in);
    dg_image_free(&im);
    dg_acts_free(&a);
    free(q.x);
    free(q.p);
    free(q.blank);
    free(q.order);
    free(q.ncell);
    free(q.number);
    return status;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    dg_net net;
    int status;

    tool_init(argv[0]);
    parse_command_line(argc, argv, &c);
    dg_pnm_init(tool_name());
    /* One thread unless asked: a pipeline's other stages want the other
     * cores more than these small batches do. */
    tool_threads(c.threads, 1);
    if (load_model(&c, &net) < 0)
        return tool_finish(EXIT_DATA);
    status = c.info ? print_info(&c, &net) : classify(&c, &net);
    dg_net_free(&net);
    return tool_finish(status);
}
