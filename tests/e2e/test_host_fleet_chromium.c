/* The fleet HTML page of `hostcheck --hosts --format html` in a real browser: Debian's Chromium
 * in headless mode renders it (one <tr> per PC in the DOM after the page's script ran, sorting
 * by a click on a column heading, triggered through the page's "#sort=N" fragment, and a host
 * named "<script>" still text) and takes a 1200x800 screenshot that must be a real picture: the
 * PNG is decoded here (zlib, the filters undone) and must hold many colours, among them the
 * state colours of the infected, artifacts, clean and error badges. Skipped only when chromium
 * is not installed (scripts/debian-packages-test.txt installs it for `make check`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static char *tmp;
static const char *browser;

static int setup(void **st)
{
    (void)st;
    browser = eg_test_have("chromium")           ? "chromium"
              : eg_test_have("chromium-browser") ? "chromium-browser"
                                                 : NULL;
    if (!browser)
        return 0;
    tmp = eg_test_tmpdir("hostfleetweb");
    if (!tmp)
        return -1;
    char p[4096], cmd[16384];
    snprintf(p, sizeof p, "%s/fleet", tmp);
    if (eg_hf_fleet_dir(p) != EG_HF_FLEET_N)
        return -1;
    snprintf(
        cmd, sizeof cmd,
        "'%s' hostcheck --hosts '%s/fleet' --output '%s' --format html --lang en > '%s/fleet.html' "
        "2>/dev/null",
        EG_BINARY, tmp, tmp, tmp);
    char *out = NULL;
    size_t len;
    int rc = eg_test_run(cmd, &out, &len);
    free(out);
    return rc == 1 ? 0 : -1; /* the fleet holds an infected PC */
}

static int teardown(void **st)
{
    (void)st;
    if (tmp)
        eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

/* Runs headless Chromium on the page (fragment appended to the URL) with extra options. */
static int chromium(const char *opts, const char *fragment, char **out)
{
    char cmd[16384];
    size_t len;
    snprintf(cmd, sizeof cmd,
             "HOME='%s' timeout 180 %s --headless --no-sandbox --disable-gpu --no-first-run "
             "--disable-extensions --user-data-dir='%s/profile' --window-size=1200,800 %s "
             "'file://%s/fleet.html%s' 2>/dev/null",
             tmp, browser, tmp, opts, tmp, fragment);
    return eg_test_run(cmd, out, &len);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void dom_has_one_row_per_pc(void **st)
{
    (void)st;
    if (!browser)
        skip();
    char *dom = NULL;
    assert_int_equal(chromium("--dump-dom", "", &dom), 0);
    assert_non_null(dom);
    assert_int_equal(count(dom, "<tr class=\"host "), EG_HF_FLEET_N);
    assert_int_equal(count(dom, "<script"), 1); /* the hostile host name made no element */
    assert_non_null(strstr(dom, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(dom, "<body data-sorted")); /* nothing sorted yet */
    free(dom);
}

/* Position of the row of the PC named name in the dumped DOM. */
static size_t row_pos(const char *dom, const char *name)
{
    char key[256];
    snprintf(key, sizeof key, "<td class=\"pc\" data-v=\"%s\">", name);
    const char *p = strstr(dom, key);
    assert_non_null(p);
    return (size_t)(p - dom);
}

static void click_sorts(void **st)
{
    (void)st;
    if (!browser)
        skip();
    char *dom = NULL;
    /* the State column, worst first: the infected PC moves to the top, clean ones down */
    assert_int_equal(chromium("--dump-dom", "#sort=1", &dom), 0);
    assert_non_null(strstr(dom, "data-sorted=\"1-asc\""));
    assert_non_null(strstr(dom, "aria-sort=\"ascending\""));
    const char *first = strstr(dom, "<tr class=\"host ");
    assert_non_null(first);
    assert_true(!strncmp(first, "<tr class=\"host st-infected\"", 28));
    assert_true(row_pos(dom, "pc06") < row_pos(dom, "PC03")); /* error before artifacts */
    assert_true(row_pos(dom, "PC03") < row_pos(dom, "PC01")); /* artifacts before clean */
    assert_int_equal(count(dom, "<tr class=\"host "), EG_HF_FLEET_N);
    free(dom);
    /* two clicks on the PC column: by name, descending */
    assert_int_equal(chromium("--dump-dom", "#sort=0-desc", &dom), 0);
    assert_non_null(strstr(dom, "data-sorted=\"0-desc\""));
    assert_true(row_pos(dom, "PC03") < row_pos(dom, "PC02"));
    assert_true(row_pos(dom, "PC02") < row_pos(dom, "PC01"));
    free(dom);
}

/* ---- a small PNG reader: 8-bit RGB or RGBA, not interlaced (what Chromium writes) ---------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decodes into *rgb (3 bytes a pixel); 0 on success. */
static int png_decode(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h, uint8_t **rgb)
{
    if (n < 33 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) || memcmp(d + 12, "IHDR", 4))
        return -1;
    *w = be32(d + 16), *h = be32(d + 20);
    int depth = d[24], ctype = d[25], interlace = d[28];
    if (depth != 8 || (ctype != 2 && ctype != 6) || interlace || *w > 8000 || *h > 8000)
        return -1;
    size_t bpp = ctype == 6 ? 4 : 3, stride = *w * bpp, raw_len = (stride + 1) * *h;
    uint8_t *idat = malloc(n), *raw = malloc(raw_len);
    size_t ilen = 0;
    for (size_t off = 8; off + 12 <= n;) {
        uint32_t clen = be32(d + off);
        if (clen > n - off - 12)
            break;
        if (!memcmp(d + off + 4, "IDAT", 4)) {
            memcpy(idat + ilen, d + off + 8, clen);
            ilen += clen;
        }
        off += 12 + (size_t)clen;
    }
    uLongf out_len = (uLongf)raw_len;
    int zr = uncompress(raw, &out_len, idat, (uLong)ilen);
    free(idat);
    if (zr != Z_OK || out_len != raw_len) {
        free(raw);
        return -1;
    }
    uint8_t *px = malloc(stride * *h);
    for (uint32_t y = 0; y < *h; y++) {
        const uint8_t *src = raw + y * (stride + 1) + 1;
        uint8_t *row = px + (size_t)y * stride, *up = y ? row - stride : NULL;
        int f = src[-1];
        for (size_t x = 0; x < stride; x++) {
            int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0,
                c = (x >= bpp && up) ? up[x - bpp] : 0, v = src[x];
            switch (f) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: free(raw), free(px); return -1;
            }
            row[x] = (uint8_t)v;
        }
    }
    free(raw);
    *rgb = malloc((size_t)*w * *h * 3);
    for (size_t i = 0; i < (size_t)*w * *h; i++)
        memcpy(*rgb + i * 3, px + i * bpp, 3);
    free(px);
    return 0;
}

static size_t pixels_near(const uint8_t *rgb, size_t npx, uint32_t colour)
{
    int r = colour >> 16, g = (colour >> 8) & 0xFF, b = colour & 0xFF;
    size_t n = 0;
    for (size_t i = 0; i < npx; i++)
        n += abs(rgb[i * 3] - r) <= 3 && abs(rgb[i * 3 + 1] - g) <= 3 &&
             abs(rgb[i * 3 + 2] - b) <= 3;
    return n;
}

static void screenshot_is_a_picture(void **st)
{
    (void)st;
    if (!browser)
        skip();
    char opt[4400], png[4200], *out = NULL;
    snprintf(png, sizeof png, "%s/fleet.png", tmp);
    snprintf(opt, sizeof opt, "--screenshot='%s'", png);
    assert_int_equal(chromium(opt, "", &out), 0);
    free(out);
    size_t len = 0;
    uint8_t *data = eg_test_read_file(png, &len);
    assert_non_null(data);
    uint32_t w, h;
    uint8_t *rgb = NULL;
    assert_int_equal(png_decode(data, len, &w, &h, &rgb), 0);
    free(data);
    assert_int_equal(w, 1200);
    assert_int_equal(h, 800);
    size_t npx = (size_t)w * h;
    /* not blank: text, borders and badges give many colours */
    static uint8_t seen[1u << 15];
    memset(seen, 0, sizeof seen);
    size_t distinct = 0;
    for (size_t i = 0; i < npx; i++) {
        unsigned k = (unsigned)(rgb[i * 3] >> 3) << 10 | (unsigned)(rgb[i * 3 + 1] >> 3) << 5 |
                     (unsigned)(rgb[i * 3 + 2] >> 3);
        distinct += !seen[k];
        seen[k] = 1;
    }
    assert_true(distinct >= 50);
    assert_true(pixels_near(rgb, npx, 0xFFFFFF) > npx / 4); /* the page background */
    /* each state's badge is drawn in its colour: 1 infected, 2 artifacts, 2 clean, 1 error */
    assert_true(pixels_near(rgb, npx, 0xC62828) > 500);
    assert_true(pixels_near(rgb, npx, 0xE65100) > 1000);
    assert_true(pixels_near(rgb, npx, 0x2E7D32) > 1000);
    assert_true(pixels_near(rgb, npx, 0x6A1B9A) > 500);
    free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dom_has_one_row_per_pc),
        cmocka_unit_test(click_sorts),
        cmocka_unit_test(screenshot_is_a_picture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
