/* tool.c - the shared behaviour of the digitfilters tools. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "modelpath.h"
#include "tool.h"

static const char *progname = "digitfilters";

void tool_init(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');

    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    progname = slash != NULL ? slash + 1 : argv0;
    /* libtool-style wrappers prefix "lt-"; messages should not show it. */
    if (strncmp(progname, "lt-", 3) == 0)
        progname += 3;
}

const char *tool_name(void)
{
    return progname;
}

void tool_error(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void tool_usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
    exit(EXIT_USAGE);
}

void tool_version(void)
{
    printf("%s (%s) %s\n", progname, PACKAGE_NAME, PACKAGE_VERSION);
    fputs("Copyright (C) 2026 the digitfilters authors.\n"
          "License MIT: <https://opensource.org/licenses/MIT>.\n"
          "This is free software: you are free to change and redistribute "
          "it.\n"
          "There is NO WARRANTY, to the extent permitted by law.\n"
          "The models are trained on MNIST (CC BY-SA 3.0); see the README "
          "beside them.\n", stdout);
    exit(tool_finish(EXIT_OK));
}

void tool_help_end(void)
{
    printf("\nReport bugs to: <%s>\n", PACKAGE_BUGREPORT);
}

long tool_parse_long(const char *opt, const char *arg, long lo, long hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0)
        tool_usage_error("invalid number for %s: '%s'", opt, arg);
    if (v < lo || v > hi)
        tool_usage_error("%s must be between %ld and %ld, not %ld", opt, lo,
                         hi, v);
    return v;
}

double tool_parse_double(const char *opt, const char *arg, double lo,
                         double hi)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(arg, &end);
    if (end == arg || *end != '\0' || errno != 0 || v != v)
        tool_usage_error("invalid number for %s: '%s'", opt, arg);
    if (v < lo || v > hi)
        tool_usage_error("%s must be between %g and %g, not %g", opt, lo, hi,
                         v);
    return v;
}

unsigned long long tool_parse_seed(const char *opt, const char *arg)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(arg, &end, 10);
    if (end == arg || *end != '\0' || errno != 0 || arg[0] == '-')
        tool_usage_error("invalid seed for %s: '%s' (want 0 to %llu)", opt,
                         arg, ULLONG_MAX);
    return v;
}

int tool_finish(int status)
{
    /* A write error may have been hidden in the buffer until now. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        tool_error("write error on standard output: %s", strerror(errno));
        fclose(stdout);
        return EXIT_DATA;
    }
    if (fclose(stdout) != 0) {
        tool_error("write error on standard output: %s", strerror(errno));
        return EXIT_DATA;
    }
    return status;
}

FILE *tool_open(const char *name)
{
    struct stat st;
    FILE *f;

    if (strcmp(name, "-") == 0)
        return stdin;
    f = fopen(name, "rb");
    if (f == NULL) {
        tool_error("%s: %s", name, strerror(errno));
    } else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        /* (Reading it would fail later with a less helpful reason.) */
        tool_error("%s: %s", name, strerror(EISDIR));
        fclose(f);
        f = NULL;
    }
    return f;
}

void tool_input_init(tool_input *in, char **names, int count)
{
    static char *dash[] = { "-", NULL };

    memset(in, 0, sizeof *in);
    in->names = count > 0 ? names : dash;
    in->count = count > 0 ? count : 1;
    in->cur = -1;
}

static void close_current(tool_input *in)
{
    dg_pnm_close(in->r);
    in->r = NULL;
    if (in->f != NULL && in->f != stdin)
        fclose(in->f);
    in->f = NULL;
}

const char *tool_input_where(const tool_input *in)
{
    static char buf[PATH_MAX + 64];

    snprintf(buf, sizeof buf, "%s: image %lu",
             in->name == NULL ? "-" : in->name, in->index);
    return buf;
}

/* Open the next operand: 1 when open, 0 when none is left, -1 after
 * printing why this one cannot be read. */
static int open_next(tool_input *in)
{
    dg_err e;

    if (in->cur + 1 >= in->count)
        return 0;
    in->cur++;
    in->name = strcmp(in->names[in->cur], "-") == 0
               ? "(standard input)" : in->names[in->cur];
    in->index = 0;
    in->read_any = 0;
    in->f = tool_open(in->names[in->cur]);
    if (in->f == NULL)
        return -1;
    /* Streams of many small images: fewer, larger reads.  (Only before
     * the first read of a stream.) */
    if (in->f != stdin || !in->stdin_buffered)
        setvbuf(in->f, NULL, _IOFBF, 1 << 17);
    in->stdin_buffered |= in->f == stdin;
    in->r = dg_pnm_open(in->f, &e);
    if (in->r == NULL) {
        tool_error("%s: %s", in->name, e.msg);
        close_current(in);
        return -1;
    }
    return 1;
}

/* Report a read error of the current operand; a file of another image
 * format is told how to convert it. */
static void report_read_error(const tool_input *in, const dg_err *e)
{
    const char *fmt = dg_pnm_foreign(in->r);
    const char *file = in->f == stdin ? "FILE" : in->name;

    if (fmt == NULL || in->index > 1 || strcmp(fmt, "PDF") == 0) {
        tool_error("%s: %s", tool_input_where(in), e->msg);
    } else if (strcmp(fmt, "gzip") == 0) {
        tool_error("%s: %s; decompress it first: zcat %s | %s", in->name,
                   e->msg, file, progname);
    } else {
        tool_error("%s: %s; convert it first: anytopnm %s | %s, or convert "
                   "%s pgm:- | %s", in->name, e->msg, file, progname, file,
                   progname);
    }
}

int tool_input_next(tool_input *in, dg_image *im)
{
    dg_err e;
    int rc;

    for (;;) {
        if (in->r == NULL) {
            rc = open_next(in);
            if (rc == 0)
                return in->failed ? -1 : 0;
            if (rc < 0) {
                in->failed = 1;
                continue;
            }
            dg_pnm_reduce_above(in->r, in->max_pixels);
            dg_pnm_dropout(in->r, !in->keep_colours);
            dg_pnm_keep_dropout_mask(in->r, in->dropout_mask);
        }
        in->index++;
        rc = dg_pnm_read(in->r, im, &e);
        if (rc > 0) {
            in->total++;
            in->read_any = 1;
            return 1;
        }
        /* A file that cannot be read further is left for the next, as
         * cat does; the caller learns of it at the end. */
        if (rc < 0) {
            report_read_error(in, &e);
            in->failed = 1;
        } else if (!in->read_any) {
            tool_error("%s: no image in input (empty file?)", in->name);
            in->failed = 1;
        }
        close_current(in);
    }
}

void tool_input_close(tool_input *in)
{
    close_current(in);
}

const char *tool_model_path(const char *opt, const char *file)
{
    static char buf[PATH_MAX];

    return dg_model_find(opt, file, buf, sizeof buf);
}

int tool_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

#ifdef _OPENMP
/* The arguments this process was started with (from /proc), as a NULL-
 * terminated array in one allocation; NULL if they cannot be read. */
static char **own_argv(void)
{
    FILE *f = fopen("/proc/self/cmdline", "rb");
    char *buf = NULL, **argv, *p;
    size_t len = 0, cap = 0, n = 0, i;

    if (f == NULL)
        return NULL;
    for (;;) {
        char *nb = cap - len < 4096 ? realloc(buf, cap += 65536) : buf;

        if (nb == NULL || ferror(f))
            break;
        buf = nb;
        i = fread(buf + len, 1, cap - len, f);
        len += i;
        if (i == 0)
            break;
    }
    fclose(f);
    if (len == 0 || buf[len - 1] != '\0') {
        free(buf);
        return NULL;
    }
    for (i = 0; i < len; i++)
        n += buf[i] == '\0';
    argv = malloc((n + 1) * sizeof *argv + len);
    if (argv != NULL) {
        p = memcpy((char *)(argv + n + 1), buf, len);
        for (i = 0; i < n; i++, p += strlen(p) + 1)
            argv[i] = p;
        argv[n] = NULL;
    }
    free(buf);
    return argv;
}

/* libgomp reads OMP_WAIT_POLICY once, as it is loaded, and by default
 * its idle threads spin: on a machine whose cores are busy with other
 * work that costs ten times the run (measured in make bench).  So when
 * several threads will run and the user has not chosen a policy, the
 * program runs itself again with OMP_WAIT_POLICY=passive.  Called before
 * anything is read or written.  Returns only when that cannot be done. */
static void rerun_passive(void)
{
    char **argv;

    if (getenv("OMP_WAIT_POLICY") != NULL
        || setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
        return;
    argv = own_argv();
    if (argv != NULL) {
        fflush(NULL);
        execv("/proc/self/exe", argv);
        free(argv);
    }
    unsetenv("OMP_WAIT_POLICY");
}
#endif

int tool_threads(int n, int fallback)
{
#ifdef _OPENMP
    if (n > 0)
        omp_set_num_threads(n);
    else if (getenv("OMP_NUM_THREADS") == NULL && fallback > 0)
        omp_set_num_threads(fallback);
    if (omp_get_max_threads() > 1)
        rerun_passive();
    return omp_get_max_threads();
#else
    (void)n;
    (void)fallback;
    return 1;
#endif
}
