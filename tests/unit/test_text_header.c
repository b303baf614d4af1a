/* Header decoding: RFC 2047 words in Japanese charsets, raw JIS and 8-bit headers, RFC 2231,
 * and HTML-to-text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail_builder.h"
#include "text/header.h"
#include "text/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dec(const char *raw, eg_header_info *hi)
{
    char *o = NULL;
    assert_int_equal(eg_header_decode(raw, strlen(raw), 0, &o, hi), EG_OK);
    assert_non_null(o);
    return o;
}

static void encoded_words_in_every_charset(void **st)
{
    (void)st;
    const char *subj = "【至急】請求書①の送付について ㈱テスト";
    const eg_mb_charset cs[] = {EG_MB_JIS, EG_MB_SJIS, EG_MB_EUCJP, EG_MB_UTF8};
    for (int i = 0; i < 4; i++) {
        for (int e = 0; e < 2; e++) {
            /* chunks of 7 bytes split characters (and JIS escapes) across words */
            char *w = eg_mb_encoded_words(subj, cs[i], e ? 'Q' : 'B', 7);
            eg_header_info hi;
            char *o = dec(w, &hi);
            assert_string_equal(o, subj);
            assert_false(hi.bad_word);
            free(o);
            free(w);
        }
    }
}

static void words_and_text_mix(void **st)
{
    (void)st;
    char *o = dec("Re: =?UTF-8?B?44GC?= =?UTF-8?Q?=E3=81=84?=  x =?utf-8?q?a_b?=", NULL);
    /* space between two words is dropped, kept between a word and text */
    assert_string_equal(o, "Re: あい  x a b");
    free(o);
    o = dec("=?ISO-2022-JP?B?GyRCJCIbKEI=?=\r\n =?ISO-2022-JP?B?GyRCJCQbKEI=?=", NULL);
    assert_string_equal(o, "あい");
    free(o);
    /* broken words stay text */
    o = dec("=?UTF-8?X?abc?= =?UTF-8?B?", NULL);
    assert_string_equal(o, "=?UTF-8?X?abc?= =?UTF-8?B?");
    free(o);
}

static void raw_japanese_headers(void **st)
{
    (void)st;
    size_t n;
    uint8_t *b = eg_mb_encode("山田①太郎", EG_MB_JIS, &n);
    char raw[128];
    memcpy(raw, b, n);
    raw[n] = 0;
    eg_header_info hi;
    char *o = dec(raw, &hi);
    assert_string_equal(o, "山田①太郎");
    assert_true(hi.raw_8bit);
    free(o);
    free(b);
    b = eg_mb_encode("見積書㈱", EG_MB_SJIS, &n);
    memcpy(raw, "x ", 2);
    memcpy(raw + 2, b, n);
    raw[n + 2] = 0;
    o = dec(raw, &hi);
    assert_string_equal(o, "x 見積書㈱");
    free(o);
    free(b);
}

static void unknown_charset_in_word(void **st)
{
    (void)st;
    eg_header_info hi;
    char *o = dec("=?x-bogus?B?44GC?=", &hi);
    assert_true(hi.unknown_charset);
    assert_string_equal(o, "あ");
    free(o);
}

static void rfc2231_parameters(void **st)
{
    (void)st;
    /* continuations, charset, percent-encoding; the extended form wins over the plain one */
    const char *cd = "attachment; filename=\"fallback.zip\";\n filename*0*=UTF-8''%E8%AB%8B%E6%B1%82;\n"
                     " filename*1*=%E6%9B%B8.zip";
    char *v = eg_header_param(cd, strlen(cd), "filename", 0, NULL);
    assert_string_equal(v, "請求書.zip");
    free(v);
    const char *ct = "application/zip; NAME*=iso-2022-jp'ja'%1B%24B%40A5a%3Dq%1B%28B.zip";
    v = eg_header_param(ct, strlen(ct), "name", 0, NULL);
    assert_string_equal(v, "請求書.zip");
    free(v);
    /* RFC 2047 inside a quoted value, and a ';' inside quotes */
    char *w = eg_mb_encoded_words("見積①.xlsm", EG_MB_JIS, 'B', 0);
    char buf[512];
    snprintf(buf, sizeof buf, "attachment; x=\"a;b\"; filename=\"%s\"", w);
    v = eg_header_param(buf, strlen(buf), "filename", 0, NULL);
    assert_string_equal(v, "見積①.xlsm");
    free(v);
    free(w);
    v = eg_header_param(buf, strlen(buf), "x", 0, NULL);
    assert_string_equal(v, "a;b");
    free(v);
    assert_null(eg_header_param(buf, strlen(buf), "name", 0, NULL));
    /* a gap in the sections ends the value */
    const char *gap = "attachment; filename*0=\"ab\"; filename*2=\"cd\"";
    v = eg_header_param(gap, strlen(gap), "filename", 0, NULL);
    assert_string_equal(v, "ab");
    free(v);
}

static void huge_header_is_capped(void **st)
{
    (void)st;
    size_t n = 8u << 20;
    char *big = malloc(n + 1);
    memset(big, 'A', n);
    big[n] = 0;
    char *o = NULL;
    assert_int_equal(eg_header_decode(big, n, 4096, &o, NULL), EG_ELIMIT);
    assert_int_equal(strlen(o), 4096);
    free(o);
    free(big);
}

static void html_to_text(void **st)
{
    (void)st;
    const char *h = "<html><head><title>t</title><style>p{}</style></head><body>"
                    "<p>パスワード：&lt;Ab&amp;12&gt;</p><script>var x='<p>no</p>';</script>"
                    "<div>line&nbsp;two&#x21;&#65;</div><!-- hidden <p> comment -->"
                    "<table><tr><td>a</td><td>b</td></tr></table><pre>x\n  y</pre>&bogus; 1 < 2</body></html>";
    char *t = NULL;
    size_t n;
    assert_int_equal(eg_html_to_text(h, strlen(h), 0, &t, &n), EG_OK);
    assert_string_equal(t, "パスワード：<Ab&12>\nline two!A\na b\nx\n  y\n&bogus; 1 < 2");
    free(t);
    /* unclosed constructs end cleanly */
    const char *bad = "abc<script>never closed";
    assert_int_equal(eg_html_to_text(bad, strlen(bad), 0, &t, &n), EG_OK);
    assert_string_equal(t, "abc");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encoded_words_in_every_charset),
        cmocka_unit_test(words_and_text_mix),
        cmocka_unit_test(raw_japanese_headers),
        cmocka_unit_test(unknown_charset_in_word),
        cmocka_unit_test(rfc2231_parameters),
        cmocka_unit_test(huge_header_is_capped),
        cmocka_unit_test(html_to_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
