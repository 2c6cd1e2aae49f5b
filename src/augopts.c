/* augopts.c - the augmentation options of digitaugment and digittrain
 * (see augopts.h). */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "augopts.h"
#include "tool.h"

/* A transform as the command line names it. */
typedef struct transform {
    const char *name;
    size_t range;           /* offset of its dg_aug_range, or NO_RANGE */
    int symmetric;          /* a single value V means -V..V, else V..V */
    double unit;            /* option value * unit = library value */
    const char *meta;       /* what the range is, for --help */
} transform;

#define NO_RANGE ((size_t)-1)
#define RANGE_OF(field) offsetof(dg_aug_opts, field)

static const transform transforms[] = {
    { "elastic", RANGE_OF(elastic), 0, 1.0, "ALPHA[,ALPHA]" },
    { "rotate", RANGE_OF(rotate), 1, 1.0, "DEG|LO,HI" },
    { "shear", RANGE_OF(shear), 1, 1.0, "K|LO,HI" },
    { "shift", RANGE_OF(shift), 1, 1.0, "PX|LO,HI" },
    { "scale", RANGE_OF(scale), 0, 1.0, "F|LO,HI" },
    { "aspect", RANGE_OF(aspect), 0, 1.0, "F|LO,HI" },
    { "slant", RANGE_OF(slant), 1, 1.0, "DEG|LO,HI" },
    { "contrast", RANGE_OF(contrast), 0, 1.0, "F|LO,HI" },
    { "brightness", RANGE_OF(brightness), 0, 1.0, "F|LO,HI" },
    { "thicken", NO_RANGE, 0, 1.0, NULL },
    { "thin", NO_RANGE, 0, 1.0, NULL },
    { "widen", RANGE_OF(widen), 0, 1.0, "N|LO,HI" },
    { "blur", RANGE_OF(blur), 0, 1.0, "SIGMA[,SIGMA]" },
    { "noise", RANGE_OF(noise), 0, 1.0 / 255.0, "SIGMA[,SIGMA]" },
};
#define NTRANSFORMS (sizeof transforms / sizeof transforms[0])

/* Option codes above AUG_OPT_BASE: two plain ones, then three per
 * transform. */
enum {
    OPT_ONLY = AUG_OPT_BASE, OPT_ELASTIC_SIGMA,
    OPT_TRANSFORM_BASE          /* + 3 * index + {0: --no, 1: range, 2: p} */
};

/* Parse "V" or "LO,HI" for the option --name into r (scaled by unit); a
 * single V means -V..V when symmetric, else V..V. */
static void parse_range(const char *name, int symmetric, double unit,
                        const char *arg, dg_aug_range *r)
{
    char opt[64], buf[128];
    const char *comma = strchr(arg, ',');
    double lo, hi;

    snprintf(opt, sizeof opt, "--%s", name);
    if (comma == NULL) {
        hi = tool_parse_double(opt, arg, -1e6, 1e6);
        lo = symmetric ? -hi : hi;
        if (lo > hi) {
            double s = lo;

            lo = hi;
            hi = s;
        }
    } else {
        if ((size_t)(comma - arg) >= sizeof buf)
            tool_usage_error("invalid range for %s: '%s'", opt, arg);
        memcpy(buf, arg, (size_t)(comma - arg));
        buf[comma - arg] = '\0';
        lo = tool_parse_double(opt, buf, -1e6, 1e6);
        hi = tool_parse_double(opt, comma + 1, -1e6, 1e6);
        if (lo > hi)
            tool_usage_error("%s: range %s has its low end above its high "
                             "end", opt, arg);
    }
    r->lo = lo * unit;
    r->hi = hi * unit;
}

/* The probability field of transform i in o. */
static double *prob_of(size_t i, dg_aug_opts *o)
{
    if (transforms[i].range != NO_RANGE)
        return &((dg_aug_range *)((char *)o + transforms[i].range))->p;
    return strcmp(transforms[i].name, "thicken") == 0 ? &o->p_thicken
                                                      : &o->p_thin;
}

/* --only=LIST: every transform off but those listed, which get p 1. */
static void parse_only(const char *arg, dg_aug_opts *o)
{
    char buf[256], *tok, *save = NULL;
    size_t i;

    if (strlen(arg) >= sizeof buf)
        tool_usage_error("--only: list too long");
    strcpy(buf, arg);
    dg_aug_none(o);
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        for (i = 0; i < NTRANSFORMS; i++)
            if (strcmp(tok, transforms[i].name) == 0)
                break;
        if (i == NTRANSFORMS)
            tool_usage_error("--only: unknown transform '%s'", tok);
        *prob_of(i, o) = 1.0;
    }
    if (o->p_thicken > 0.0 && o->p_thin > 0.0)
        tool_usage_error("--only: thicken and thin exclude each other");
}

/* One option of a transform: --no-T, --T=RANGE or --p-T=P. */
static void transform_option(int code, const char *arg, dg_aug_opts *o)
{
    size_t i = (size_t)(code - OPT_TRANSFORM_BASE) / 3;
    int kind = (code - OPT_TRANSFORM_BASE) % 3;
    char opt[64];

    if (kind == 0) {
        *prob_of(i, o) = 0.0;
    } else if (kind == 1) {
        const transform *t = &transforms[i];

        parse_range(t->name, t->symmetric, t->unit, arg,
                    (dg_aug_range *)((char *)o + t->range));
    } else {
        snprintf(opt, sizeof opt, "--p-%s", transforms[i].name);
        *prob_of(i, o) = tool_parse_double(opt, arg, 0.0, 1.0);
    }
}

/* --elastic-sigma=S[,S] */
static void parse_sigma(const char *arg, dg_aug_opts *o)
{
    dg_aug_range r;

    parse_range("elastic-sigma", 0, 1.0, arg, &r);
    o->elastic_sigma_lo = r.lo;
    o->elastic_sigma_hi = r.hi;
}

size_t aug_longopts(struct option *opts)
{
    static char names[3 * NTRANSFORMS][32];
    static const char *const fmt[3] = { "no-%s", "%s", "p-%s" };
    size_t i, k = 0;
    int kind;

    opts[k++] = (struct option){ "only", required_argument, NULL, OPT_ONLY };
    opts[k++] = (struct option){ "elastic-sigma", required_argument, NULL,
                                 OPT_ELASTIC_SIGMA };
    for (i = 0; i < NTRANSFORMS; i++) {
        for (kind = 0; kind < 3; kind++) {
            char *nm = names[3 * i + kind];

            if (kind == 1 && transforms[i].range == NO_RANGE)
                continue;
            snprintf(nm, sizeof names[0], fmt[kind], transforms[i].name);
            opts[k++] = (struct option){
                nm, kind == 0 ? no_argument : required_argument, NULL,
                OPT_TRANSFORM_BASE + 3 * (int)i + kind };
        }
    }
    return k;
}

void aug_option(int code, const char *arg, dg_aug_opts *o)
{
    if (code == OPT_ONLY)
        parse_only(arg, o);
    else if (code == OPT_ELASTIC_SIGMA)
        parse_sigma(arg, o);
    else
        transform_option(code, arg, o);
}

void aug_help(FILE *f)
{
    size_t i;

    fputs("Transforms (default probability and range):\n"
          "  elastic 0.3 30,40   rotate 0.7 -20,20   shear 0.5 -0.3,0.3\n"
          "  shift 0.7 -3,3      scale 0.5 0.7,1.3   contrast 0.5 0.7,1.3\n"
          "  brightness 0.5 0.7,1.3   thicken 0.3   thin 0.3\n"
          "  blur 0.3 0.5,1   noise 0.2 25 (grey levels of 255)\n"
          "  off unless given a probability: aspect 0.75,1.35 (width\n"
          "  factor), slant -10,25 (degrees of lean), widen 1,2 (passes\n"
          "  of 3x3 dilation; negative: erosion)\n\n"
          "      --only=LIST         apply just the comma-separated "
          "transforms of\n"
          "                          LIST, each to every variant "
          "(probability 1)\n"
          "      --elastic-sigma=S[,S]  smoothness of the elastic field, px "
          "(5,7)\n"
          "For each transform T:\n"
          "      --no-T              never apply T\n"
          "      --p-T=P             apply T with probability P\n"
          "      --T=RANGE           draw T's parameter from RANGE:", f);
    for (i = 0; i < NTRANSFORMS; i++)
        if (transforms[i].meta != NULL)
            fprintf(f, "%s\n          --%s=%s", i == 0 ? "" : ",",
                    transforms[i].name, transforms[i].meta);
    fputs("\n"
          "A single value V means -V..V for rotate, shear, slant and shift,\n"
          "and exactly V for the others.  Options apply in order:\n"
          "--only=rotate --p-rotate=0.5 rotates half of the variants.\n", f);
}

void aug_describe(const dg_aug_opts *o, char *buf, size_t size)
{
    size_t i, used = 0;

    buf[0] = '\0';
    for (i = 0; i < NTRANSFORMS && used < size; i++) {
        const transform *t = &transforms[i];
        double p = *prob_of(i, (dg_aug_opts *)o);
        int n;

        if (p <= 0.0)
            continue;
        if (t->range == NO_RANGE) {
            n = snprintf(buf + used, size - used, "%s%s %g", used ? ", " : "",
                         t->name, p);
        } else {
            const dg_aug_range *r =
                (const dg_aug_range *)((const char *)o + t->range);

            n = snprintf(buf + used, size - used, "%s%s %g %g,%g",
                         used ? ", " : "", t->name, p, r->lo / t->unit,
                         r->hi / t->unit);
            if (n > 0 && strcmp(t->name, "elastic") == 0)
                n += snprintf(buf + used + n, size - used - (size_t)n,
                              " sigma %g,%g", o->elastic_sigma_lo,
                              o->elastic_sigma_hi);
        }
        used += n > 0 ? (size_t)n : 0;
    }
    if (used == 0)
        snprintf(buf, size, "none");
}
