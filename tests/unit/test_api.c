/* test_api.c - the public API of digitfilters.h without a model: image
 * formats and strides, the boxes prep reports, and the error messages. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "digitfilters.h"
#include "tap.h"

#define W 90
#define H 60
#define PAD 6                   /* bytes of padding after each row */

/* A dark "L" on white paper: ink in columns [30, 50), rows [10, 50),
 * with its foot in rows [44, 50) out to column 62. */
static int is_ink(size_t x, size_t y)
{
    return (x >= 30 && x < 36 && y >= 10 && y < 50)
           || (x >= 30 && x < 62 && y >= 44 && y < 50);
}

static void draw(unsigned char *g, float *f)
{
    size_t x, y;

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            g[y * (W + PAD) + x] = is_ink(x, y) ? 20 : 235;
            f[y * W + x] = is_ink(x, y) ? 0.08f : 0.92f;
        }
}

static int same_box(const df_box *b, size_t x, size_t y, size_t w, size_t h)
{
    return b->x == x && b->y == y && b->width == w && b->height == h;
}

int main(void)
{
    static unsigned char grey[H * (W + PAD)];
    static float fl[H * W];
    df_image im = { grey, DF_GREY8, W, H, W + PAD };
    df_result r, r2;
    df_options o;
    long n;

    memset(&r, 0, sizeof r);
    memset(&r2, 0, sizeof r2);
    draw(grey, fl);
    df_options_init(&o);
    o.split = DF_SPLIT_NEVER;
    tap_ok(o.deskew == 1 && o.ink == DF_INK_AUTO, "defaults are prep's");

    n = df_prepare(NULL, &im, &o, &r);
    tap_ok(n == 1 && r.count == 1, "one cell (got %ld: %s)", n,
           n < 0 ? df_error() : "");
    tap_ok(n == 1 && same_box(&r.digits[0].box, 30, 10, 32, 40),
           "its box is the ink's, in the image's pixels (%zu,%zu %zux%zu)",
           r.digits[0].box.x, r.digits[0].box.y, r.digits[0].box.width,
           r.digits[0].box.height);
    tap_ok(n == 1 && r.text[0] == ' ' && r.text[1] == '\0',
           "prepare alone reads nothing");

    /* the same image as packed floats gives the same cell */
    im.pixels = fl;
    im.format = DF_FLOAT;
    im.stride = 0;
    n = df_prepare(NULL, &im, &o, &r2);
    tap_ok(n == 1 && memcmp(r.cells, r2.cells,
                            DF_CELL * DF_CELL * sizeof(float)) == 0
           && same_box(&r2.digits[0].box, 30, 10, 32, 40),
           "floats and bytes with a stride give the same cell and box");

    /* the errors say what is wrong */
    im.stride = W;              /* bytes: less than a row of floats */
    n = df_prepare(NULL, &im, &o, &r2);
    tap_ok(n == -1 && r2.count == 0 && strstr(df_error(), "stride") != NULL,
           "a short stride is refused (%s)", df_error());
    im.pixels = NULL;
    tap_ok(df_prepare(NULL, &im, &o, &r2) == -1
           && strstr(df_error(), "empty image") != NULL,
           "no pixels is refused (%s)", df_error());
    im.pixels = fl;
    im.stride = 0;
    memset(fl, 0, sizeof fl);
    tap_ok(df_prepare(NULL, &im, &o, &r2) == -1
           && strstr(df_error(), "no ink") != NULL,
           "a blank image is an error (%s)", df_error());
    tap_ok(df_read(NULL, &im, &o, &r2) == -1
           && strstr(df_error(), "model") != NULL,
           "reading needs a model (%s)", df_error());
    o.split = DF_SPLIT_ALWAYS;
    draw(grey, fl);
    tap_ok(df_prepare(NULL, &im, &o, &r2) == -1
           && strstr(df_error(), "model") != NULL,
           "cutting a number needs a model (%s)", df_error());
    tap_ok(df_model_load("/nonexistent/x.model") == NULL
           && strstr(df_error(), "/nonexistent/x.model") != NULL,
           "a model that cannot be loaded is named (%s)", df_error());
    tap_ok(strcmp(df_version(), PACKAGE_VERSION) == 0, "df_version");

    df_result_free(&r);
    df_result_free(&r2);
    tap_ok(r.digits == NULL && r.priv == NULL && r.count == 0,
           "a freed result is zeroed");
    df_result_free(&r);         /* and can be freed again */
    return tap_done();
}
