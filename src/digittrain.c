/* digittrain - train a digit model, or evaluate one on a labelled set.
 *
 *   digittrain --train=PREFIX [--test=PREFIX] [OPTIONS] -o MODEL
 *   digittrain --evaluate=MODEL --test=PREFIX [--misclassified=FILE]
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "augment.h"
#include "augopts.h"
#include "montage.h"
#include "recipe.h"
#include "progress.h"
#include "dataset.h"
#include "cascade.h"
#include "model.h"
#include "net.h"
#include "prep.h"
#include "reject.h"
#include "tool.h"
#include "train.h"

#define MAX_HIDDEN (DG_MAX_LAYERS - 1)
/* The share of each batch --reject replaces by reject examples. */
#define DEFAULT_REJECT 0.1
/* Stream of the reject examples made from the validation slice. */
#define STREAM_VAL_REJECT UINT64_C(0x56414c52454a4300)

#define MAX_SOURCES 8           /* --train and --extra each */

struct cmdline {
    const char *train[MAX_SOURCES], *extra[MAX_SOURCES];
    size_t ntrain, nextra;
    const char *test, *output, *checkpoint, *evaluate;
    const char *misclassified;
    const char *join[DG_CASCADE_MAX];   /* --join: the networks of a cascade */
    size_t njoin;
    double below[DG_CASCADE_MAX - 1];   /* --below: when each later one
                                         * is read */
    size_t nbelow;
    int orient;                 /* DG_ORIENT_* */
    size_t hidden[MAX_HIDDEN], nhidden;
    size_t convs[2], nconv, kernel;
    unsigned epochs;
    size_t batch;
    double lr;
    double momentum;            /* --momentum, 0: plain SGD */
    double reject;              /* --reject: share of reject examples, or 0 */
    double reject_bias;         /* --reject-bias: added to the reject
                                 * class's bias after training */
    unsigned long long seed;
    size_t validation;
    unsigned extra_repeat;
    int resume, augment, threads, quiet, verbose, aug_options;
    dg_aug_opts aug;            /* the distortions of --augment */
    char command[1024];
};

static void usage(void)
{
    printf("Usage: %s [OPTION]... --train=PREFIX -o MODEL\n"
           "  or:  %s --evaluate=MODEL --test=PREFIX [OPTION]...\n", tool_name(),
           tool_name());
    fputs("Train a digit classifier on labelled IDX data (MNIST, EMNIST) and\n"
          "custom digit folders, or score a model on a labelled IDX set.\n"
          "\n"
          "Data:\n"
          "      --train=PREFIX      training set PREFIX-images-idx3-ubyte[.gz]\n"
          "                          and PREFIX-labels-idx1-ubyte[.gz];\n"
          "                          may be given up to 8 times\n"
          "      --test=PREFIX       test set, only reported, never used to choose\n"
          "      --emnist            images are stored transposed (EMNIST)\n"
          "      --no-emnist         images are upright (MNIST); default: EMNIST\n"
          "                          when the file name says so\n"
          "      --validation=N      hold back the last N items of the first\n"
          "                          --train set to monitor (default 0)\n"
          "      --extra=DIR         add custom digits DIR/0 ... DIR/9 (any PNM),\n"
          "                          preprocessed like pnmdigitprep; with\n"
          "                          --reject also DIR/reject, examples of\n"
          "                          \"not one digit\"; up to 8 times\n"
          "      --extra-repeat=N    use each custom digit N times (default 1)\n"
          "Recipe:\n"
          "      --hidden=W1,W2,...  hidden layer widths (default 256,128)\n"
          "      --conv=C1,C2,...    start with convolutions of C1, C2, ...\n"
          "                          channels, each followed by ReLU and 2x2\n"
          "                          max pooling (default: none, an MLP)\n"
          "      --kernel=K          convolution kernel side, odd (default 3)\n"
          "      --epochs=N          passes over the training set (default 20)\n"
          "      --batch=N           mini-batch size (default 128)\n"
          "      --lr=RATE           peak learning rate, cosine-annealed to 0\n"
          "                          over the run (default 0.5)\n"
          "      --momentum=M        heavy-ball momentum in [0, 1) (default 0:\n"
          "                          plain SGD); a checkpoint keeps the\n"
          "                          velocity beside it, in FILE.velocity\n"
          "      --seed=N            seed of every random choice (default 1)\n"
          "      --augment           train on fresh random distortions every\n"
          "                          epoch, tuned by the options of\n"
          "                          digitaugment(1) (--p-thin=0.1, --no-noise,\n"
          "                          --rotate=15 ...; see there)\n"
          "      --reject[=FRACTION]  add an 11th class, \"not one digit\": fresh\n"
          "                          examples of it (pieces of digits, two\n"
          "                          digits, specks...) replace about FRACTION\n"
          "                          of every batch (default 0.1)\n"
          "      --reject-bias=B     with --reject, add B to the bias of the\n"
          "                          class \"not one digit\" after training:\n"
          "                          its prior in real input (default 0)\n"
          "Output:\n"
          "  -o, --output=MODEL      write the trained model here (- for\n"
          "                          standard output)\n"
          "      --checkpoint=FILE   save the model after every epoch\n"
          "      --resume            continue from --checkpoint if it exists\n"
          "Evaluation:\n"
          "      --evaluate=MODEL    score MODEL on --test: accuracy and confusion\n"
          "                          matrix on standard output\n"
          "      --misclassified=FILE  with --evaluate, write a montage PGM of\n"
          "                          the misclassified digits\n"
          "Joining (no training):\n"
          "      --join=MODEL        a network of the cascade written to -o, in\n"
          "                          the order given (2 to 4 times): the first\n"
          "                          reads every cell, each later one only the\n"
          "                          cells read so far with a best probability\n"
          "                          below --below, and the answers of those\n"
          "                          that read a cell are combined\n"
          "      --below=P[,P...]    that probability, in (0, 1]: one for every\n"
          "                          later network, or one for each (default\n"
          "                          0.99)\n"
          "General:\n"
          "  -j, --threads=N         threads to use (default: all cores)\n"
          "  -q, --quiet             no progress or summaries on stderr\n"
          "  -v, --verbose           progress even when stderr is not a terminal\n"
          "  -h, --help              display this help and exit\n"
          "  -V, --version           output version information and exit\n",
          stdout);
    tool_help_end();
}

enum {
    OPT_TRAIN = 256, OPT_TEST, OPT_EMNIST, OPT_NO_EMNIST, OPT_VALIDATION,
    OPT_EXTRA, OPT_EXTRA_REPEAT, OPT_HIDDEN, OPT_EPOCHS, OPT_BATCH, OPT_LR,
    OPT_MOMENTUM,
    OPT_SEED, OPT_AUGMENT, OPT_CHECKPOINT, OPT_RESUME, OPT_EVALUATE,
    OPT_MISCLASSIFIED, OPT_CONV, OPT_KERNEL, OPT_REJECT, OPT_REJECT_BIAS,
    OPT_JOIN, OPT_BELOW, OPT_HELP,
    OPT_VERSION
};

static const struct option base_longopts[] = {
    { "train", required_argument, NULL, OPT_TRAIN },
    { "test", required_argument, NULL, OPT_TEST },
    { "emnist", no_argument, NULL, OPT_EMNIST },
    { "no-emnist", no_argument, NULL, OPT_NO_EMNIST },
    { "validation", required_argument, NULL, OPT_VALIDATION },
    { "extra", required_argument, NULL, OPT_EXTRA },
    { "extra-repeat", required_argument, NULL, OPT_EXTRA_REPEAT },
    { "hidden", required_argument, NULL, OPT_HIDDEN },
    { "conv", required_argument, NULL, OPT_CONV },
    { "kernel", required_argument, NULL, OPT_KERNEL },
    { "epochs", required_argument, NULL, OPT_EPOCHS },
    { "batch", required_argument, NULL, OPT_BATCH },
    { "lr", required_argument, NULL, OPT_LR },
    { "momentum", required_argument, NULL, OPT_MOMENTUM },
    { "seed", required_argument, NULL, OPT_SEED },
    { "augment", no_argument, NULL, OPT_AUGMENT },
    { "reject", optional_argument, NULL, OPT_REJECT },
    { "reject-bias", required_argument, NULL, OPT_REJECT_BIAS },
    { "output", required_argument, NULL, 'o' },
    { "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
    { "resume", no_argument, NULL, OPT_RESUME },
    { "evaluate", required_argument, NULL, OPT_EVALUATE },
    { "join", required_argument, NULL, OPT_JOIN },
    { "below", required_argument, NULL, OPT_BELOW },
    { "misclassified", required_argument, NULL, OPT_MISCLASSIFIED },
    { "threads", required_argument, NULL, 'j' },
    { "quiet", no_argument, NULL, 'q' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 }
};

/* The comma-separated items of arg for option opt, copied into buf
 * (LIST_BUF bytes): at most max of them into item, the limit named by
 * what when passed.  Returns the count (0 for an empty string). */
#define LIST_BUF 256
static size_t split_list(const char *opt, const char *arg, char *buf,
                         char **item, size_t max, const char *what)
{
    char *tok, *save = NULL;
    size_t n = 0;

    if (strlen(arg) >= LIST_BUF)
        tool_usage_error("%s: list too long", opt);
    snprintf(buf, LIST_BUF, "%s", arg);
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == max)
            tool_usage_error("%s: at most %zu %s", opt, max, what);
        item[n++] = tok;
    }
    return n;
}

/* "256,128" into v (at most max entries, each in [1, hi]); an empty
 * string means none.  Returns the count. */
static size_t parse_list(const char *opt, const char *arg, size_t *v,
                         size_t max, long hi)
{
    char buf[LIST_BUF], *item[LIST_BUF];
    size_t i, n = split_list(opt, arg, buf, item, max, "layers");

    for (i = 0; i < n; i++)
        v[i] = (size_t)tool_parse_long(opt, item[i], 1, hi);
    return n;
}

/* "0.98,0.9" into v (at least one, at most DG_CASCADE_MAX - 1
 * thresholds, each in (0, 1]).  Returns the count. */
static size_t parse_below(const char *arg, double *v)
{
    char buf[LIST_BUF], *item[DG_CASCADE_MAX - 1];
    size_t i, n = split_list("--below", arg, buf, item, DG_CASCADE_MAX - 1,
                             "thresholds");

    if (n == 0)
        tool_usage_error("--below: no threshold given");
    for (i = 0; i < n; i++) {
        v[i] = tool_parse_double("--below", item[i], 0, 1);
        if (!(v[i] > 0))
            tool_usage_error("--below must be above 0");
    }
    return n;
}

static void set_defaults(struct cmdline *c)
{
    memset(c, 0, sizeof *c);
    dg_aug_defaults(&c->aug);
    c->orient = DG_ORIENT_AUTO;
    c->hidden[0] = 256;
    c->hidden[1] = 128;
    c->nhidden = 2;
    c->kernel = 3;
    c->epochs = 20;
    c->batch = 128;
    c->lr = 0.5;
    c->below[0] = 0.99;
    c->seed = 1;
    c->extra_repeat = 1;
}

/* The options that go together in each mode: joining, evaluating,
 * training. */
static void check_modes(const struct cmdline *c)
{
    if (c->nbelow > 0 && c->njoin == 0)
        tool_usage_error("--below goes with --join");
    if (c->njoin > 0) {
        if (c->njoin < 2)
            tool_usage_error("--join: a cascade needs two networks or more");
        if (c->nbelow > 1 && c->nbelow != c->njoin - 1)
            tool_usage_error("--below: %zu thresholds for %zu later "
                             "network%s (give one, or one for each)",
                             c->nbelow, c->njoin - 1,
                             c->njoin == 2 ? "" : "s");
        if (c->output == NULL)
            tool_usage_error("no output: give -o MODEL");
        if (c->ntrain > 0 || c->nextra > 0 || c->evaluate != NULL
            || c->test != NULL || c->checkpoint != NULL || c->resume
            || c->augment || c->reject > 0 || c->reject_bias != 0)
            tool_usage_error("--join does not train or evaluate: give only "
                             "the networks, --below and -o");
    } else if (c->evaluate != NULL) {
        if (c->test == NULL)
            tool_usage_error("--evaluate needs --test=PREFIX");
        if (c->ntrain > 0 || c->output != NULL)
            tool_usage_error("--evaluate does not train: drop --train and -o");
        if (c->reject > 0 || c->reject_bias != 0)
            tool_usage_error("--evaluate does not train: drop --reject");
    } else {
        if (c->reject_bias != 0 && c->reject <= 0)
            tool_usage_error("--reject-bias needs --reject");
        if (c->ntrain == 0 && c->nextra == 0)
            tool_usage_error("no training data: give --train=PREFIX or "
                             "--extra=DIR");
        if (c->output == NULL)
            tool_usage_error("no output: give -o MODEL");
        if (c->resume && c->checkpoint == NULL)
            tool_usage_error("--resume needs --checkpoint=FILE");
        if (c->checkpoint != NULL && strcmp(c->checkpoint, "-") == 0)
            tool_usage_error("--checkpoint needs a file, not standard "
                             "output");
        if (c->misclassified != NULL)
            tool_usage_error("--misclassified goes with --evaluate");
    }
}

/* The command line into c->command, recorded in the model's metadata. */
static void record_command(int argc, char **argv, struct cmdline *c)
{
    size_t used = 0;
    int i;

    for (i = 0; i < argc && used + 2 < sizeof c->command; i++) {
        int n = snprintf(c->command + used, sizeof c->command - used, "%s%s",
                         i ? " " : "", i ? argv[i] : tool_name());

        used += n > 0 ? (size_t)n : 0;
    }
    if (used >= sizeof c->command)
        c->command[sizeof c->command - 1] = '\0';
}

static void parse_command_line(int argc, char **argv, struct cmdline *c)
{
    static struct option longopts[sizeof base_longopts
                                  / sizeof base_longopts[0]
                                  + AUG_NLONGOPTS];
    const size_t nbase = sizeof base_longopts / sizeof base_longopts[0] - 1;
    int opt;
    size_t k;
    dg_err e;

    memcpy(longopts, base_longopts, sizeof base_longopts);
    k = nbase + aug_longopts(longopts + nbase);
    longopts[k] = (struct option){ NULL, 0, NULL, 0 };
    set_defaults(c);
    while ((opt = getopt_long(argc, argv, "o:j:qvhV", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_TRAIN:
            if (c->ntrain == MAX_SOURCES)
                tool_usage_error("too many --train sources (limit %d)",
                                 MAX_SOURCES);
            c->train[c->ntrain++] = optarg;
            break;
        case OPT_TEST: c->test = optarg; break;
        case OPT_EMNIST: c->orient = DG_ORIENT_EMNIST; break;
        case OPT_NO_EMNIST: c->orient = DG_ORIENT_MNIST; break;
        case OPT_VALIDATION:
            c->validation = (size_t)tool_parse_long("--validation", optarg, 0,
                                                    100000000);
            break;
        case OPT_EXTRA:
            if (c->nextra == MAX_SOURCES)
                tool_usage_error("too many --extra folders (limit %d)",
                                 MAX_SOURCES);
            c->extra[c->nextra++] = optarg;
            break;
        case OPT_EXTRA_REPEAT:
            c->extra_repeat = (unsigned)tool_parse_long("--extra-repeat",
                                                        optarg, 0, 1000);
            break;
        case OPT_HIDDEN:
            c->nhidden = parse_list("--hidden", optarg, c->hidden,
                                    MAX_HIDDEN, 16384);
            break;
        case OPT_CONV:
            /* Each convolution halves the side: 28, 14, 7. */
            c->nconv = parse_list("--conv", optarg, c->convs, 2, 256);
            break;
        case OPT_KERNEL:
            c->kernel = (size_t)tool_parse_long("--kernel", optarg, 1, 9);
            if (c->kernel % 2 == 0)
                tool_usage_error("--kernel must be odd, not %zu", c->kernel);
            break;
        case OPT_EPOCHS:
            c->epochs = (unsigned)tool_parse_long("--epochs", optarg, 1,
                                                  100000);
            break;
        case OPT_BATCH:
            c->batch = (size_t)tool_parse_long("--batch", optarg, 1, 65536);
            break;
        case OPT_MOMENTUM:
            c->momentum = tool_parse_double("--momentum", optarg, 0.0,
                                            0.999);
            break;
        case OPT_LR:
            c->lr = tool_parse_double("--lr", optarg, 1e-9, 100.0);
            break;
        case OPT_SEED: c->seed = tool_parse_seed("--seed", optarg); break;
        case OPT_AUGMENT: c->augment = 1; break;
        case OPT_REJECT:
            c->reject = optarg == NULL ? DEFAULT_REJECT
                        : tool_parse_double("--reject", optarg, 0.001, 0.9);
            break;
        case OPT_REJECT_BIAS:
            c->reject_bias = tool_parse_double("--reject-bias", optarg,
                                               -50.0, 50.0);
            break;
        case 'o': c->output = optarg; break;
        case OPT_CHECKPOINT: c->checkpoint = optarg; break;
        case OPT_RESUME: c->resume = 1; break;
        case OPT_EVALUATE: c->evaluate = optarg; break;
        case OPT_JOIN:
            if (c->njoin == DG_CASCADE_MAX)
                tool_usage_error("--join: at most %d networks",
                                 DG_CASCADE_MAX);
            c->join[c->njoin++] = optarg;
            break;
        case OPT_BELOW:
            c->nbelow = parse_below(optarg, c->below);
            break;
        case OPT_MISCLASSIFIED: c->misclassified = optarg; break;
        case 'j':
            c->threads = (int)tool_parse_long("--threads", optarg, 1, 1024);
            break;
        case 'q': c->quiet = 1; break;
        case 'v': c->verbose = 1; break;
        case 'h':
        case OPT_HELP: usage(); exit(tool_finish(EXIT_OK));
        case 'V':
        case OPT_VERSION: tool_version();
        default:
            if (opt >= AUG_OPT_BASE) {
                aug_option(opt, optarg, &c->aug);
                c->aug_options = 1;
                break;
            }
            fprintf(stderr, "Try '%s --help' for more information.\n",
                    tool_name());
            exit(EXIT_USAGE);
        }
    }
    if (optind < argc)
        tool_usage_error("unexpected operand '%s'", argv[optind]);
    if (c->aug_options && !c->augment)
        tool_usage_error("distortion options need --augment");
    if (dg_aug_check(&c->aug, &e) < 0)
        tool_usage_error("%s", e.msg);
    check_modes(c);
    record_command(argc, argv, c);
}

/* ---- progress ---- */

struct progress {
    const struct cmdline *c;
    int tty;
    int columns;                /* of the terminal, for the bar */
    double last_draw;
    double epoch_start;         /* elapsed when the last epoch ended */
    dg_net *net;                /* the net being trained, for checkpoints */
    const float *velocity;      /* its velocity with --momentum, else NULL */
};

static int on_progress(void *ctx, const dg_train_stats *s, const dg_net *net,
                       dg_err *e)
{
    struct progress *p = ctx;

    (void)net;
    if (s->epoch_done) {
        p->epoch_start = s->elapsed;
        if (!p->c->quiet)
            progress_epoch(stderr, s, p->tty, p->columns);
        if (p->c->checkpoint != NULL)
            return dg_recipe_checkpoint(p->net, p->c->checkpoint, s->epoch,
                                        p->velocity, e);
        return 0;
    }
    if (p->tty && !p->c->quiet && (s->elapsed - p->last_draw > 0.1
                                   || s->step == s->steps)) {
        p->last_draw = s->elapsed;
        progress_bar(stderr, s, p->epoch_start, p->columns);
    }
    return 0;
}

/* ---- data ---- */

/* Append every --train source to train: the validation slice is the
 * tail of the first (MNIST's development slice in the shipped recipe),
 * the others are trained on whole. */
static int load_train(const struct cmdline *c, dg_dataset *train,
                      dg_dataset *val, dg_err *e)
{
    size_t i;
    int tr;

    for (i = 0; i < c->ntrain; i++) {
        dg_dataset d;

        if (dg_dataset_load_idx(&d, c->train[i], c->orient, &tr, e) < 0)
            return -1;
        if (c->verbose)
            fprintf(stderr, "%s: %s: %zu items%s\n", tool_name(),
                    c->train[i], d.n, tr ? " (EMNIST, un-transposed)" : "");
        if (i == 0 && dg_dataset_split_tail(&d, val, c->validation, e) < 0) {
            dg_dataset_free(&d);
            return -1;
        }
        if (train->n == 0) {
            dg_dataset_free(train);
            *train = d;
            continue;
        }
        if (dg_dataset_append(train, &d, 1, e) < 0) {
            dg_dataset_free(&d);
            return -1;
        }
        dg_dataset_free(&d);
    }
    return 0;
}

/* Append the custom digits of every --extra folder to train. */
static int load_extra(const struct cmdline *c, dg_dataset *train,
                      dg_err *e)
{
    dg_prep_opts po;
    size_t i;

    dg_prep_defaults(&po);
    for (i = 0; i < c->nextra; i++) {
        dg_dataset extra;

        if (dg_dataset_load_folder(&extra, c->extra[i], &po, e) < 0)
            return -1;
        if (c->verbose)
            fprintf(stderr, "%s: %s: %zu custom digits, used %u times\n",
                    tool_name(), c->extra[i], extra.n, c->extra_repeat);
        if (dg_dataset_append(train, &extra, c->extra_repeat, e) < 0) {
            dg_dataset_free(&extra);
            return -1;
        }
        dg_dataset_free(&extra);
    }
    if (dg_dataset_digits_first(train) < train->n && c->reject <= 0)
        return dg_seterr(e, "%s/reject: examples of \"not one digit\" need "
                         "--reject", c->extra[c->nextra - 1]);
    return 0;
}

static int load_data(const struct cmdline *c, dg_dataset *train,
                     dg_dataset *val, dg_dataset *test)
{
    dg_err e;
    int tr;

    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    memset(test, 0, sizeof *test);
    if (load_train(c, train, val, &e) < 0 || load_extra(c, train, &e) < 0)
        goto fail;
    if (c->test != NULL
        && dg_dataset_load_idx(test, c->test, c->orient, &tr, &e) < 0)
        goto fail;
    return 0;
fail:
    tool_error("%s", e.msg);
    dg_dataset_free(train);
    dg_dataset_free(val);
    dg_dataset_free(test);
    return -1;
}

/* ---- metadata ---- */

static int set_meta(dg_net *net, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_meta(dg_net *net, const char *key, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    dg_err e;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (dg_meta_set(net, key, buf, &e) < 0) {
        tool_error("%s", e.msg);
        return -1;
    }
    return 0;
}

/* "A + B + C": the --train sources, then the --extra folders. */
static const char *sources(const struct cmdline *c, char *buf, size_t size)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < c->ntrain + c->nextra && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i ? " + " : "",
                         i < c->ntrain ? c->train[i]
                                       : c->extra[i - c->ntrain]);

        used += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

/* ---- evaluation ---- */

/* Write the montage of the misclassified items of d (montage.h) to
 * path; 0, or -1 after a message. */
static int write_montage(const char *path, const dg_dataset *d,
                         const uint8_t *pred, size_t wrong)
{
    uint8_t *img;
    size_t w, h;
    FILE *f;
    dg_err e;
    int rc;

    if (montage_render(&img, &w, &h, d, pred, wrong) < 0) {
        tool_error("out of memory for the montage");
        return -1;
    }
    f = fopen(path, "wb");
    if (f == NULL) {
        tool_error("%s: %s", path, strerror(errno));
        free(img);
        return -1;
    }
    rc = dg_pgm_write_bytes(f, img, w, h, &e);
    free(img);
    if (fclose(f) != 0 || rc < 0) {
        tool_error("%s: write error", path);
        return -1;
    }
    return 0;
}

/* The report of --evaluate: the counts, then the confusion matrix of
 * conf (true digit, answer), with a column '?' for a model with the
 * reject class (k answers). */
static void print_report(const struct cmdline *c, const dg_dataset *test,
                         size_t conf[DG_NCLASS][DG_MAX_CLASS], size_t k,
                         size_t wrong, double acc, double loss)
{
    size_t i, j, rejected = 0;

    for (i = 0; i < DG_NCLASS && k > DG_NCLASS; i++)
        rejected += conf[i][DG_REJECT];
    printf("model\t%s\nset\t%s\nitems\t%zu\naccuracy\t%.2f%%\n"
           "errors\t%zu\nloss\t%.4f\n", c->evaluate, c->test, test->n,
           100.0 * acc, wrong, loss);
    if (k > DG_NCLASS)
        printf("rejected\t%zu\n", rejected);
    printf("\ntrue\\pred");
    for (j = 0; j < k; j++) {
        if (j == DG_REJECT)
            printf("\t?");
        else
            printf("\t%zu", j);
    }
    printf("\trecall\n");
    for (i = 0; i < DG_NCLASS; i++) {
        size_t row = 0;

        printf("%zu", i);
        for (j = 0; j < k; j++) {
            printf("\t%zu", conf[i][j]);
            row += conf[i][j];
        }
        printf("\t%.2f%%\n", row ? 100.0 * conf[i][i] / row : 0.0);
    }
}

/* Load the digit model at path into net, saying why not; a cascade
 * only when cascade is set (a network to join must be one network). */
static int load_digit_model(const char *path, dg_net *net, int cascade)
{
    dg_err e;

    if (dg_model_load(net, path, &e) < 0) {
        tool_error("%s", e.msg);
        return -1;
    }
    if (dg_net_check_digits(net, &e) < 0 || (!cascade && net->next != NULL
        && dg_seterr(&e, "already a cascade: join its networks") < 0)) {
        tool_error("%s: %s", path, e.msg);
        dg_net_free(net);
        return -1;
    }
    return 0;
}

static int evaluate(const struct cmdline *c)
{
    dg_dataset train, val, test;
    dg_net net;
    dg_err e;
    uint8_t *pred;
    size_t conf[DG_NCLASS][DG_MAX_CLASS] = { { 0 } }, i, wrong = 0;
    double acc, loss;
    int rc = EXIT_DATA;

    /* Before the data are loaded: they may take a while. */
    if (load_digit_model(c->evaluate, &net, 1) < 0)
        return EXIT_DATA;
    if (load_data(c, &train, &val, &test) < 0) {
        dg_net_free(&net);
        return EXIT_DATA;
    }
    pred = malloc(test.n);
    if (pred == NULL || dg_evaluate(&net, &test, pred, &acc, &loss, &e) < 0) {
        tool_error("%s", pred == NULL ? "out of memory" : e.msg);
        goto done;
    }
    for (i = 0; i < test.n; i++) {
        conf[test.y[i]][pred[i]]++;
        wrong += pred[i] != test.y[i];
    }
    print_report(c, &test, conf, dg_net_out(&net), wrong, acc, loss);
    rc = EXIT_OK;
    if (c->misclassified != NULL
        && write_montage(c->misclassified, &test, pred, wrong) < 0)
        rc = EXIT_DATA;
done:
    free(pred);
    dg_dataset_free(&test);
    dg_dataset_free(&train);
    dg_dataset_free(&val);
    dg_net_free(&net);
    return rc;
}

/* ---- training ---- */

/* The share of the items of d that net answers with the reject class. */
static int rejected_share(const dg_net *net, const dg_dataset *d,
                          double *share, dg_err *e)
{
    uint8_t *pred = malloc(d->n + 1);
    size_t i, n = 0;

    if (pred == NULL)
        return dg_seterr(e, "out of memory");
    if (dg_evaluate(net, d, pred, NULL, NULL, e) < 0) {
        free(pred);
        return -1;
    }
    for (i = 0; i < d->n; i++)
        n += pred[i] == DG_REJECT;
    free(pred);
    *share = d->n ? (double)n / d->n : 0.0;
    return 0;
}

/* How the reject class of net does on the validation slice: the share
 * of its digits answered "not one digit" (validation_rejected), and the
 * share of reject examples made from them, as many as there are digits,
 * that are recognised (validation_reject_recall).  Into the metadata,
 * and a line on stderr. */
static int reject_meta(dg_net *net, const struct cmdline *c,
                       const dg_dataset *val)
{
    dg_dataset rs;
    double rejected = 0, recall = 0;
    dg_err e;

    if (rejected_share(net, val, &rejected, &e) < 0
        || dg_reject_set(&rs, val, val->n, c->seed ^ STREAM_VAL_REJECT,
                         &e) < 0) {
        tool_error("%s", e.msg);
        return -1;
    }
    if (dg_evaluate(net, &rs, NULL, &recall, NULL, &e) < 0) {
        tool_error("%s", e.msg);
        dg_dataset_free(&rs);
        return -1;
    }
    dg_dataset_free(&rs);
    if (!c->quiet)
        fprintf(stderr, "%s: validation: %.2f%% of %zu digits answered "
                "'not one digit'; %.2f%% of %zu reject examples "
                "recognised\n", tool_name(), 100.0 * rejected, val->n,
                100.0 * recall, val->n);
    return set_meta(net, "validation_rejected", "%.2f%%", 100.0 * rejected)
        | set_meta(net, "validation_reject_recall", "%.2f%%", 100.0 * recall);
}

/* The recipe of the command line c, training on tr; aug and data hold
 * the texts it points to. */
static void recipe_of(const struct cmdline *c, const dg_dataset *tr,
                      dg_recipe *r, char *aug, size_t augsize, char *data,
                      size_t datasize)
{
    memset(r, 0, sizeof *r);
    r->hidden = c->hidden;
    r->nhidden = c->nhidden;
    r->convs = c->convs;
    r->nconv = c->nconv;
    r->kernel = c->kernel;
    r->nclass = c->reject > 0 ? DG_MAX_CLASS : DG_NCLASS;
    r->seed = c->seed;
    r->epochs = c->epochs;
    r->batch = c->batch;
    r->lr = c->lr;
    r->momentum = c->momentum;
    aug_describe(&c->aug, aug, augsize);
    r->augment = c->augment ? aug : NULL;
    r->reject = c->reject;
    r->train_data = sources(c, data, datasize);
    r->train_size = tr->n;
    r->validation = c->validation;
}

/* After training: what the run was and what it scored, into net's
 * metadata.  seconds: the wall time of the training (a resumed run:
 * since resuming), as dg_train reported it at the end of the last
 * epoch. */
static int record_run(dg_net *net, const struct cmdline *c, double seconds,
                      const dg_dataset *val, const dg_dataset *test)
{
    char date[64];
    double acc, loss;
    time_t t = time(NULL);
    dg_err e;

    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    if (set_meta(net, "train_seconds", "%.1f", seconds) < 0
        || set_meta(net, "threads", "%d", tool_threads(0, 0)) < 0
        || set_meta(net, "date", "%s", date) < 0
        || set_meta(net, "program", "%s %s", tool_name(), PACKAGE_VERSION) < 0
        || set_meta(net, "command", "%s", c->command) < 0)
        return -1;
    if (val->n > 0 && dg_evaluate(net, val, NULL, &acc, &loss, &e) == 0)
        set_meta(net, "validation_accuracy", "%.2f%%", 100.0 * acc);
    if (c->reject > 0 && val->n > 0 && reject_meta(net, c, val) < 0)
        return -1;
    if (test->n > 0) {
        if (dg_evaluate(net, test, NULL, &acc, &loss, &e) < 0) {
            tool_error("%s", e.msg);
            return -1;
        }
        set_meta(net, "test_data", "%s", c->test);
        set_meta(net, "test_accuracy", "%.2f%%", 100.0 * acc);
        if (!c->quiet)
            fprintf(stderr, "%s: test accuracy %.2f%% on %zu items "
                    "(loss %.4f)\n", tool_name(), 100.0 * acc, test->n, loss);
    }
    return 0;
}

static int train(const struct cmdline *c)
{
    dg_dataset tr, val, test;
    dg_net net;
    dg_err e;
    dg_recipe r;
    dg_train_opts o;
    struct progress p;
    unsigned done = 0;
    float *velocity = NULL;
    char aug[600], data[2048];
    int rc = EXIT_DATA;

    if (load_data(c, &tr, &val, &test) < 0)
        return EXIT_DATA;
    recipe_of(c, &tr, &r, aug, sizeof aug, data, sizeof data);
    if (dg_recipe_build(&net, &r, &e) < 0) {
        tool_error("%s", e.msg);
        goto free_data;
    }
    if (c->resume && dg_recipe_resume(&net, c->checkpoint, &done, &e) < 0) {
        tool_error("cannot resume: %s", e.msg);
        goto done;
    }
    if (c->momentum > 0) {
        velocity = calloc(net.nparams, sizeof *velocity);
        if (velocity == NULL) {
            tool_error("out of memory for the velocity");
            goto done;
        }
        if (c->resume && dg_recipe_resume_velocity(&net, c->checkpoint, done,
                                                   velocity, &e) < 0) {
            tool_error("cannot resume: %s", e.msg);
            goto done;
        }
    }
    if (done >= c->epochs && !c->quiet)
        fprintf(stderr, "%s: %s: all %u epochs already done\n", tool_name(),
                c->checkpoint, c->epochs);
    memset(&o, 0, sizeof o);
    o.epochs = c->epochs;
    o.first_epoch = done;
    o.batch = c->batch;
    o.lr = c->lr;
    o.momentum = c->momentum;
    o.velocity = velocity;
    o.seed = c->seed;
    o.augment = c->augment ? &c->aug : NULL;
    o.reject = c->reject;
    o.progress = on_progress;
    o.ctx = &p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.tty = tool_stderr_is_tty() || c->verbose;
    p.columns = progress_columns(STDERR_FILENO);
    p.net = &net;
    p.velocity = velocity;
    if (done < c->epochs && dg_train(&net, &tr, &val, &o, &e) < 0) {
        tool_error("%s", e.msg);
        goto done;
    }
    if (c->reject_bias != 0
        && dg_recipe_reject_bias(&net, c->reject_bias, &e) < 0) {
        tool_error("--reject-bias: %s", e.msg);
        goto done;
    }
    if (record_run(&net, c, p.epoch_start, &val, &test) < 0)
        goto done;
    if (dg_model_save(&net, c->output, &e) < 0) {
        tool_error("%s", e.msg);
        goto done;
    }
    rc = EXIT_OK;
done:
    dg_net_free(&net);
    free(velocity);
free_data:
    dg_dataset_free(&tr);
    dg_dataset_free(&val);
    dg_dataset_free(&test);
    return rc;
}

/* --join: the networks into one cascade, written to -o. */
static int join(const struct cmdline *c)
{
    dg_net net, m;
    dg_err e;
    size_t i;
    int rc = EXIT_OK;

    if (load_digit_model(c->join[0], &net, 0) < 0)
        return EXIT_DATA;
    for (i = 1; i < c->njoin && rc == EXIT_OK; i++) {
        if (load_digit_model(c->join[i], &m, 0) < 0) {
            rc = EXIT_DATA;
        } else if (dg_cascade_append(&net, &m,
                                     c->below[c->nbelow > 1 ? i - 1 : 0],
                                     &e) < 0) {
            tool_error("%s: %s", c->join[i], e.msg);
            dg_net_free(&m);
            rc = EXIT_DATA;
        }
    }
    if (rc == EXIT_OK && dg_model_save(&net, c->output, &e) < 0) {
        tool_error("%s", e.msg);
        rc = EXIT_DATA;
    }
    dg_net_free(&net);
    return rc;
}

int main(int argc, char **argv)
{
    struct cmdline c;

    tool_init(argv[0]);
    parse_command_line(argc, argv, &c);
    dg_pnm_init(tool_name());
    tool_threads(c.threads, 0);
    return tool_finish(c.njoin > 0 ? join(&c)
                       : c.evaluate != NULL ? evaluate(&c) : train(&c));
}
