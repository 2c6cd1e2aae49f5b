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

/* Whether t is a tick (tick_alone), then clear it from p's mask. */
static void clear_tick(ink_plane *p, const uint8_t *orig, size_t W,
                       size_t H, double s, long off, long base, int dir,
                       const tick *t)
{
    size_t c;

    if (!tick_alone(orig, W, H, dir, t))
        return;
    for (c = t->x0; c < t->x1; c++) {
        long y = base + lround(s * (double)c) - off;

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

void comb_clear_ticks(ink_plane *p, const uint8_t *orig, size_t W,
                      size_t H, double s, long off, const line_band *bd,
                      size_t hw)
{
    size_t lo = (size_t)(TICK_MIN * (double)hw);
    size_t hi = (size_t)(TICK_MAX * (double)hw);
    size_t wmax = (bd->b - bd->a) + 3, x, n, i;
    tick found[LINES_MAX];
    long pos[LINES_MAX];
    int dir, drop[LINES_MAX];

    if (lo < 3)
        lo = 3;
    for (dir = -1; dir <= 1; dir += 2) {
        long base = dir < 0 ? (long)bd->a - 1 : (long)bd->b;
        tick t = { 0, 0, 0, 0 };

        for (x = 0, n = 0; x <= W; x++) {
            size_t len = 0;
            long edge = base + lround(s * (double)x) - off;

            if (x < W && edge >= 0 && edge < (long)H)
                len = tick_run(orig, W, H, x, edge, dir);
            if (len >= lo && len <= hi) {
                if (t.x1 != x) {
                    t.x0 = x;
                    t.len = 0;
                    t.edge = edge;
                }
                t.x1 = x + 1;
                t.len = len > t.len ? len : t.len;
                continue;
            }
            if (t.x1 == x && t.x1 - t.x0 <= wmax
                && tick_alone(orig, W, H, dir, &t) && n < LINES_MAX) {
                pos[n] = (long)(t.x0 + t.x1) / 2;
                found[n++] = t;
            }
        }
        /* A 1 standing on the line between two ticks is no tick. */
        off_pitch(pos, n, drop);
        for (i = 0; i < n; i++)
            if (!drop[i])
                clear_tick(p, orig, W, H, s, off, base, dir, &found[i]);
    }
}

int comb_ends(const ink_plane *p, size_t W, size_t H, double s, long off,
              const line_band *bd, size_t x0, size_t x1, size_t hw)
{
    size_t lo = (size_t)(TICK_MIN * (double)hw);
    size_t hi = (size_t)(TICK_MAX * (double)hw);
    size_t wmax = (bd->b - bd->a) + 3;
    int dir;

    lo = lo < 3 ? 3 : lo;
    if (x1 <= x0)
        return 0;
    for (dir = -1; dir <= 1; dir += 2) {
        long base = dir < 0 ? (long)bd->a - 1 : (long)bd->b;
        int found = 0, end;

        for (end = 0; end < 2; end++) {
            long e = end == 0 ? (long)x0 : (long)x1 - 1, c;
            tick t = { 0, 0, 0, 0 };

            /* The tick's columns near the end, then whether alone. */
            for (c = e - 3; c <= e + 4; c++) {
                long edge = base + lround(s * (double)c) - off;
                size_t len = 0;

                if (c >= 0 && c < (long)W && c <= e + 3 && edge >= 0
                    && edge < (long)H)
                    len = tick_run(p->mk, W, H, (size_t)c, edge, dir);
                if (len >= lo && len <= hi) {
                    if (t.x1 != (size_t)c) {
                        t.x0 = (size_t)c;
                        t.len = 0;
                        t.edge = edge;
                    }
                    t.x1 = (size_t)c + 1;
                    t.len = len > t.len ? len : t.len;
                } else if (t.x1 == (size_t)c && t.x1 - t.x0 <= wmax) {
                    found += tick_alone(p->mk, W, H, dir, &t);
                    break;
                }
            }
        }
        if (found == 2)
            return 1;
    }
    return 0;
}
