/* combs.c - the ticks of comb fields and the pitch of boxes: short
 * straight strokes standing on (or hanging from) a printed line at even
 * spacing, which lines.c takes out with the line, and the rule that
 * tells a 1 written between two of them (or between two sides of joined
 * boxes) from one more tick or side.
 *
 * Rows of the page follow the slope s that lines.c found: a band of
 * projection rows [a, b) lies at image rows a + round(s x) - off in
 * column x. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prep_int.h"

/* The length of the run of ink in orig going from row y (inclusive) in
 * direction dir (-1 up, +1 down) in column x. */
static size_t tick_run(const uint8_t *orig, size_t W, size_t H, size_t x,
                       long y, int dir)
{
    size_t len = 0;

    for (; y >= 0 && y < (long)H && orig[(size_t)y * W + x]; y += dir)
        len++;
    return len;
}

int mask_ink_in(const uint8_t *mk, size_t W, size_t H, long x0, long x1,
                long y)
{
    long x;

    if (y < 0 || y >= (long)H)
        return 0;
    for (x = x0 < 0 ? 0 : x0; x < x1 && x < (long)W; x++)
        if (mk[(size_t)y * W + (size_t)x])
            return 1;
    return 0;
}

/* A tick found: columns [x0, x1) standing on the line at row edge (of
 * the first column), reaching len rows in direction dir. */
typedef struct tick {
    size_t x0, x1, len;
    long edge;
} tick;

/* Whether t (going in direction dir) stands alone in orig: no ink a
 * column away from it halfway along, nor just beyond its end.  (The
 * column next to it may hold its faint rim.) */
static int tick_alone(const uint8_t *orig, size_t W, size_t H, int dir,
                      const tick *t)
{
    const long mid = t->edge + dir * (long)(t->len / 2);
    const long end = t->edge + dir * (long)(t->len + 1);
    const long x0 = (long)t->x0, x1 = (long)t->x1;

    return x1 > x0
           && !mask_ink_in(orig, W, H, x0 - 3, x0 - 1, mid)
           && !mask_ink_in(orig, W, H, x1 + 1, x1 + 3, mid)
           && !mask_ink_in(orig, W, H, x0 - 1, x1 + 1, end);
}

/* Clear tick t (standing on row base, going in direction dir) from p's
 * mask: its columns' ink in orig from the line on. */
static void clear_tick(ink_plane *p, const uint8_t *orig, size_t W,
                       size_t H, double s, long off, long base, int dir,
                       const tick *t)
{
    size_t c;

    for (c = t->x0; c < t->x1; c++) {
        long y = base + dg_lround(s * (double)c) - off;

        for (; y >= 0 && y < (long)H && orig[(size_t)y * W + c]; y += dir)
            p->mk[(size_t)y * W + c] = 0;
    }
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

void off_pitch(const long *pos, size_t n, int *drop)
{
    long gap[LINES_MAX], sorted[LINES_MAX], pitch;
    size_t i;

    for (i = 0; i < n; i++)
        drop[i] = 0;
    if (n < 4 || n > LINES_MAX)
        return;
    for (i = 0; i + 1 < n; i++) {
        if (pos[i + 1] < pos[i])
            return;
        gap[i] = sorted[i] = pos[i + 1] - pos[i];
    }
    qsort(sorted, n - 1, sizeof *sorted, cmp_long);
    pitch = sorted[(n - 1) / 2];
    for (i = 1; i + 1 < n; i++)
        drop[i] = 4 * gap[i - 1] < 3 * pitch && 4 * gap[i] < 3 * pitch
                  && 4 * labs(gap[i - 1] + gap[i] - pitch) < pitch;
}

/* How long a tick of a comb field is, in pixels, against handwriting hw
 * high: [*lo, *hi]. */
static void tick_range(size_t hw, size_t *lo, size_t *hi)
{
    *lo = (size_t)(TICK_MIN * (double)hw);
    *lo = *lo < 3 ? 3 : *lo;
    *hi = (size_t)(TICK_MAX * (double)hw);
}

/* Called with each tick scan_ticks finds; nonzero stops the scan. */
typedef int (*tick_fn)(void *ctx, const tick *t);

/* The ticks standing on row base (going in direction dir; rows along
 * slope s, offset off) in columns [from, to) of mk: runs of columns
 * whose ink from the line is lo to hi rows long, at most wmax wide,
 * each handed to fn, left to right. */
static void scan_ticks(const uint8_t *mk, size_t W, size_t H, double s,
                       long off, long base, int dir, size_t lo, size_t hi,
                       size_t wmax, long from, long to, tick_fn fn,
                       void *ctx)
{
    tick t = { 0, 0, 0, 0 };
    long x;

    for (x = from; x <= to; x++) {
        long edge = base + dg_lround(s * (double)x) - off;
        size_t len = 0;

        if (x >= 0 && x < (long)W && x < to && edge >= 0 && edge < (long)H)
            len = tick_run(mk, W, H, (size_t)x, edge, dir);
        if (len >= lo && len <= hi) {
            if (t.x1 != (size_t)x) {
                t.x0 = (size_t)x;
                t.len = 0;
                t.edge = edge;
            }
            t.x1 = (size_t)x + 1;
            t.len = len > t.len ? len : t.len;
            continue;
        }
        if (t.x1 == (size_t)x && t.x1 - t.x0 <= wmax && fn(ctx, &t))
            return;
    }
}

/* comb_clear_ticks' list: the ticks that stand alone, LINES_MAX at most. */
typedef struct tick_list {
    const uint8_t *orig;
    size_t W, H, n;
    int dir;
    tick t[LINES_MAX];
} tick_list;

static int list_tick(void *ctx, const tick *t)
{
    tick_list *l = ctx;

    if (l->n < LINES_MAX && tick_alone(l->orig, l->W, l->H, l->dir, t))
        l->t[l->n++] = *t;
    return 0;
}

void comb_clear_ticks(ink_plane *p, const uint8_t *orig, size_t W,
                      size_t H, double s, long off, const line_band *bd,
                      size_t hw)
{
    size_t lo, hi, i;
    tick_list l;
    long pos[LINES_MAX];
    int drop[LINES_MAX];

    tick_range(hw, &lo, &hi);
    l.orig = orig;
    l.W = W;
    l.H = H;
    for (l.dir = -1; l.dir <= 1; l.dir += 2) {
        long base = l.dir < 0 ? (long)bd->a - 1 : (long)bd->b;

        l.n = 0;
        scan_ticks(orig, W, H, s, off, base, l.dir, lo, hi,
                   (bd->b - bd->a) + 3, 0, (long)W, list_tick, &l);
        for (i = 0; i < l.n; i++)
            pos[i] = (long)(l.t[i].x0 + l.t[i].x1) / 2;
        /* A 1 standing on the line between two ticks is no tick. */
        off_pitch(pos, l.n, drop);
        for (i = 0; i < l.n; i++)
            if (!drop[i])
                clear_tick(p, orig, W, H, s, off, base, l.dir, &l.t[i]);
    }
}

/* comb_ends' question: whether the first tick found stands alone. */
typedef struct first_tick {
    const uint8_t *mk;
    size_t W, H;
    int dir, alone;
} first_tick;

static int first_alone(void *ctx, const tick *t)
{
    first_tick *f = ctx;

    f->alone = tick_alone(f->mk, f->W, f->H, f->dir, t);
    return 1;
}

int comb_ends(const ink_plane *p, size_t W, size_t H, double s, long off,
              const line_band *bd, size_t x0, size_t x1, size_t hw)
{
    size_t lo, hi;
    first_tick f;

    if (x1 <= x0)
        return 0;
    tick_range(hw, &lo, &hi);
    f.mk = p->mk;
    f.W = W;
    f.H = H;
    for (f.dir = -1; f.dir <= 1; f.dir += 2) {
        long base = f.dir < 0 ? (long)bd->a - 1 : (long)bd->b;
        int found = 0, end;

        /* The first tick within 3 columns of each end: alone? */
        for (end = 0; end < 2; end++) {
            long e = end == 0 ? (long)x0 : (long)x1 - 1;

            f.alone = 0;
            scan_ticks(p->mk, W, H, s, off, base, f.dir, lo, hi,
                       (bd->b - bd->a) + 3, e - 3, e + 4, first_alone, &f);
            found += f.alone;
        }
        if (found == 2)
            return 1;
    }
    return 0;
}
