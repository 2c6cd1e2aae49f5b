/* progress.c - the progress display of digittrain (see progress.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"

#define MIN_COLUMNS 20
#define MIN_BAR 5
#define MAX_BAR 60

int progress_columns(int fd)
{
    struct winsize ws;
    const char *env = getenv("COLUMNS");
    long n = 0;

    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        n = ws.ws_col;
    else if (env != NULL && *env != '\0') {
        char *end;

        n = strtol(env, &end, 10);
        if (*end != '\0' || n <= 0)
            n = 0;
    }
    if (n == 0)
        n = 80;
    return n < MIN_COLUMNS ? MIN_COLUMNS : n > 4096 ? 4096 : (int)n;
}

/* The figures after the bar; level 0 has them all, 1 drops the learning
 * rate (the epoch line has it), 2 the elapsed time too. */
static void figures(char *buf, size_t size, const dg_train_stats *s,
                    double frac, double eta, int level)
{
    int n = snprintf(buf, size, "%3.0f%% loss %.4f acc %6.2f%%",
                     100.0 * frac, s->loss, 100.0 * s->acc);

    if (level < 1 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " lr %.4f", s->lr);
    if (level < 2 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " %5.1fs", s->elapsed);
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " ETA %4.1fs", eta);
}

void progress_format(char *buf, size_t size, const dg_train_stats *s,
                     double epoch_start, int columns)
{
    const double frac = s->steps ? (double)s->step / s->steps : 1.0;
    const double eta = s->step ? (s->elapsed - epoch_start) / s->step
                                 * (s->steps - s->step) : 0.0;
    char head[64], tail[128], bar[MAX_BAR + 3];
    const size_t room = size > (size_t)columns ? (size_t)columns - 1
                                               : size - 1;
    size_t used = 0;
    int width = 0, level, j;

    snprintf(head, sizeof head, "epoch %u/%u ", s->epoch, s->epochs);
    /* Drop figures until a bar of MIN_BAR fits, or none is left. */
    for (level = 0; level < 3; level++) {
        figures(tail, sizeof tail, s, frac, eta, level);
        used = strlen(head) + strlen(tail) + 3;
        if (room >= used + MIN_BAR)
            break;
    }
    if (room >= used + MIN_BAR)
        width = (int)(room - used) > MAX_BAR ? MAX_BAR : (int)(room - used);
    bar[0] = '\0';
    if (width > 0) {
        const int fill = (int)(frac * width + 0.5);

        bar[0] = '[';
        for (j = 0; j < width; j++)
            bar[1 + j] = j < fill ? '#' : '.';
        bar[1 + width] = ']';
        bar[2 + width] = '\0';
    }
    snprintf(buf, room + 1, "%s%s%s%s", head, bar, width ? " " : "", tail);
}

void progress_bar(FILE *f, const dg_train_stats *s, double epoch_start,
                  int columns)
{
    char line[4100];

    progress_format(line, sizeof line, s, epoch_start, columns);
    fprintf(f, "\r%s", line);
}

void progress_epoch(FILE *f, const dg_train_stats *s, int tty, int columns)
{
    if (tty)
        fprintf(f, "\r%*s\r", columns - 1, "");
    fprintf(f, "epoch %u/%u: loss %.4f train %.2f%%", s->epoch, s->epochs,
            s->loss, 100.0 * s->acc);
    if (s->has_val)
        fprintf(f, " val %.2f%% (loss %.4f)", 100.0 * s->val_acc,
                s->val_loss);
    fprintf(f, " lr %.4f %.1fs\n", s->lr, s->elapsed);
}
