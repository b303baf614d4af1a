/* UTF-8 sanitiser and buffer/cursor helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/safe.h"
#include "core/strutil.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

static void sanitize_keeps_valid_japanese(void **st)
{
    (void)st;
    const char *s = "請求書①のパスワード";
    char *r = eg_utf8_sanitize(s, strlen(s), 0, false);
    assert_string_equal(r, s);
    free(r);
}

static void sanitize_replaces_invalid_and_controls(void **st)
{
    (void)st;
    const char in[] = "a\x82\xA0"
                      "b\x1B[31mc\r\nd"; /* SJIS bytes, ESC, CR LF */
    char *r = eg_utf8_sanitize(in, sizeof in - 1, 0, false);
    assert_string_equal(r, "a\xEF\xBF\xBD\xEF\xBF\xBD"
                           "b\xEF\xBF\xBD[31mc\xEF\xBF\xBD\xEF\xBF\xBD"
                           "d");
    assert_true(eg_utf8_valid(r, strlen(r)));
    free(r);
    r = eg_utf8_sanitize("x\ny", 3, 0, true);
    assert_string_equal(r, "x\ny");
    free(r);
}

static void sanitize_shows_bidi_overrides(void **st)
{
    (void)st;
    const char *s = "invoice\xE2\x80\xAEgpj.exe"; /* U+202E */
    char *r = eg_utf8_sanitize(s, strlen(s), 0, false);
    assert_string_equal(r, "invoice<U+202E>gpj.exe");
    free(r);
}

static void sanitize_rejects_overlong_and_surrogates(void **st)
{
    (void)st;
    assert_false(eg_utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
    assert_false(eg_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    assert_false(eg_utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_true(eg_utf8_valid("\xF0\x9F\x98\x80", 4));
}

static void sanitize_cuts_at_limit_on_char_boundary(void **st)
{
    (void)st;
    const char *s = "ああああ"; /* 12 bytes */
    char *r = eg_utf8_sanitize(s, strlen(s), 7, false);
    assert_string_equal(r, "ああ...");
    free(r);
}

/* printable ASCII is copied in runs: a run cut by the limit, one that ends exactly at it, and
 * runs around other characters */
static void sanitize_ascii_runs(void **st)
{
    (void)st;
    char *r = eg_utf8_sanitize("abcdefghij", 10, 4, false);
    assert_string_equal(r, "abcd...");
    free(r);
    r = eg_utf8_sanitize("abcd", 4, 4, false);
    assert_string_equal(r, "abcd");
    free(r);
    r = eg_utf8_sanitize("ab\x01"
                         "cdあef",
                         10, 0, false);
    assert_string_equal(r, "ab\xEF\xBF\xBD"
                           "cdあef");
    free(r);
    r = eg_utf8_sanitize("abあcd", 7, 5, false);
    assert_string_equal(r, "abあ...");
    free(r);
    r = eg_utf8_sanitize("abcあ", 6, 5, false);
    assert_string_equal(r, "abc...");
    free(r);
}

static void buf_respects_limit_and_keeps_prefix(void **st)
{
    (void)st;
    eg_buf b;
    eg_buf_init(&b, 10);
    assert_int_equal(eg_buf_append(&b, "hello", 5), EG_OK);
    assert_int_equal(eg_buf_append(&b, " world!", 7), EG_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "hello worl", 10);
    assert_int_equal(b.data[10], 0);
    eg_buf_free(&b);
    eg_buf_init(&b, 0); /* appending nothing to a new buffer still leaves a valid string */
    assert_int_equal(eg_buf_append(&b, "", 0), EG_OK);
    assert_non_null(b.data);
    assert_int_equal(b.data[0], 0);
    assert_int_equal(eg_buf_printf(&b, "%d-%s", 42, "x"), EG_OK);
    size_t n;
    char *s = eg_buf_steal(&b, &n);
    assert_string_equal(s, "42-x");
    assert_int_equal(n, 4);
    free(s);
}

static void cursor_is_sticky_on_overrun(void **st)
{
    (void)st;
    const uint8_t d[] = {1, 0, 2, 0, 0, 0, 9};
    eg_cur c = eg_cur_make(d, sizeof d);
    assert_int_equal(eg_cur_u16le(&c), 1);
    assert_int_equal(eg_cur_u32le(&c), 2);
    assert_int_equal(eg_cur_u32le(&c), 0); /* only 1 byte left */
    assert_true(c.err);
    assert_int_equal(eg_cur_u8(&c), 0); /* stays failed */
    assert_false(eg_in_bounds(10, 8, 3));
    assert_true(eg_in_bounds(10, 8, 2));
    assert_false(eg_in_bounds(10, UINT64_MAX, 2));
    size_t r;
    assert_true(eg_add_ovf(SIZE_MAX, 1, &r));
    assert_true(eg_mul_ovf(SIZE_MAX / 2 + 1, 2, &r));
}

static void strutil_helpers(void **st)
{
    (void)st;
    assert_string_equal(eg_path_ext("a/b.c/INVOICE.PDF.exe"), "exe");
    assert_string_equal(eg_path_ext("dir.x/noext"), "");
    assert_true(eg_has_suffix_ci("Doc.XLSM", ".xlsm"));
    const char *h = "xxAutoOpenxx";
    assert_ptr_equal(eg_memmem_ci(h, strlen(h), "AUTOOPEN", 8), h + 2);
    assert_ptr_equal(eg_memmem_ci(h, strlen(h), "openXX", 6), h + 6); /* at the very end */
    assert_null(eg_memmem_ci(h, strlen(h), "openxxx", 7));
    assert_null(eg_memmem_ci(h, 9, "open", 4)); /* bounded by hlen */
    const char *mixed = "aAaAab";
    assert_ptr_equal(eg_memmem_ci(mixed, 6, "AAB", 3), mixed + 3);
    const char *num = "12-34";
    assert_ptr_equal(eg_memmem_ci(num, 5, "-3", 2), num + 2); /* non-letters */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sanitize_keeps_valid_japanese),
        cmocka_unit_test(sanitize_replaces_invalid_and_controls),
        cmocka_unit_test(sanitize_shows_bidi_overrides),
        cmocka_unit_test(sanitize_rejects_overlong_and_surrogates),
        cmocka_unit_test(sanitize_cuts_at_limit_on_char_boundary),
        cmocka_unit_test(sanitize_ascii_runs),
        cmocka_unit_test(buf_respects_limit_and_keeps_prefix),
        cmocka_unit_test(cursor_is_sticky_on_overrun),
        cmocka_unit_test(strutil_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
