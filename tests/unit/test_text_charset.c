/* Charset layer: CP932 extensions through every Japanese encoding, guessing, caps, bad bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail_builder.h"
#include "text/charset.h"
#include "text/width.h"

#include <stdlib.h>
#include <string.h>

static const char *JP = "請求書①のパスワード：㈱山田商事 ｶﾀｶﾅ Ab12";

static char *conv(const char *label, const uint8_t *b, size_t n, eg_charset_info *ci)
{
    char *u = NULL;
    size_t un = 0;
    assert_int_equal(eg_charset_to_utf8(label, b, n, 0, &u, &un, ci), EG_OK);
    assert_non_null(u);
    assert_int_equal(strlen(u), un);
    return u;
}

static void roundtrip(eg_mb_charset cs, const char *label)
{
    size_t n;
    uint8_t *b = eg_mb_encode(JP, cs, &n);
    assert_non_null(b);
    eg_charset_info ci;
    char *u = conv(label, b, n, &ci);
    assert_string_equal(u, JP);
    assert_int_equal(ci.bad_bytes, 0);
    free(u);
    free(b);
}

static void labelled_japanese_keeps_cp932_extensions(void **st)
{
    (void)st;
    roundtrip(EG_MB_JIS, "iso-2022-jp");
    roundtrip(EG_MB_JIS, "ISO-2022-JP");
    roundtrip(EG_MB_SJIS, "shift_jis");
    roundtrip(EG_MB_SJIS, "x-sjis");
    roundtrip(EG_MB_SJIS, "windows-31j");
    roundtrip(EG_MB_EUCJP, "euc-jp");
    roundtrip(EG_MB_UTF8, "utf-8");
}

static void unlabelled_japanese_is_guessed(void **st)
{
    (void)st;
    const eg_mb_charset cs[] = {EG_MB_JIS, EG_MB_SJIS, EG_MB_EUCJP, EG_MB_UTF8};
    const char *want[] = {"ISO-2022-JP", "CP932", "EUC-JP-MS", "UTF-8"};
    const char *text = "いつもお世話になっております。添付ファイルのパスワードをお送りします。";
    for (int i = 0; i < 4; i++) {
        size_t n;
        uint8_t *b = eg_mb_encode(text, cs[i], &n);
        assert_string_equal(eg_charset_guess(b, n), want[i]);
        eg_charset_info ci;
        char *u = conv(NULL, b, n, &ci);
        assert_string_equal(u, text);
        assert_true(ci.guessed);
        free(u);
        free(b);
    }
}

static void jis_state_machine_details(void **st)
{
    (void)st;
    /* 0x2D21 is ① (NEC row 13): glibc's ISO-2022-JP rejects it */
    const uint8_t in[] = "a\x1B$B-!\x1B(Bb\x1B(I1\x1B(Bc";
    uint8_t *o;
    size_t n, bad;
    assert_int_equal(eg_iso2022jp_to_cp932(in, sizeof in - 1, 0, &o, &n, &bad), EG_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(o, "a\x87\x40" "b\xB1" "c", 6);
    assert_int_equal(bad, 0);
    free(o);
    /* a line without the closing ESC ( B goes back to ASCII at the line end */
    const uint8_t in2[] = "\x1B$B$\"\nabc";
    char *u = conv("iso-2022-jp", in2, sizeof in2 - 1, NULL);
    assert_string_equal(u, "あ\nabc");
    free(u);
    /* unknown escape and odd trailing byte: replaced, never dropped silently */
    const uint8_t in3[] = "x\x1B%Gy\x1B$B$";
    eg_charset_info ci;
    u = conv("iso-2022-jp", in3, sizeof in3 - 1, &ci);
    assert_true(ci.bad_bytes >= 2);
    assert_non_null(strstr(u, "x?%Gy"));
    free(u);
}

static void bad_bytes_become_replacement(void **st)
{
    (void)st;
    const uint8_t in[] = "ok\xFF\xFEok\x00z";
    eg_charset_info ci;
    char *u = conv("utf-8", in, sizeof in - 1, &ci);
    assert_string_equal(u, "ok\xEF\xBF\xBD\xEF\xBF\xBDok\xEF\xBF\xBDz");
    assert_int_equal(ci.bad_bytes, 3);
    free(u);
    const uint8_t sj[] = "\x82\xA0\x82"; /* あ then a cut lead byte */
    u = conv("shift_jis", sj, sizeof sj - 1, &ci);
    assert_string_equal(u, "あ\xEF\xBF\xBD");
    free(u);
}

static void unknown_label_is_guessed_and_reported(void **st)
{
    (void)st;
    size_t n;
    uint8_t *b = eg_mb_encode("お見積書を送付します", EG_MB_SJIS, &n);
    eg_charset_info ci;
    char *u = conv("x-no-such-charset", b, n, &ci);
    assert_true(ci.unknown_label);
    assert_string_equal(u, "お見積書を送付します");
    assert_string_equal(ci.used, "CP932");
    free(u);
    free(b);
    /* a lying ASCII label over ISO-2022-JP bytes */
    b = eg_mb_encode("請求書", EG_MB_JIS, &n);
    u = conv("us-ascii", b, n, &ci);
    assert_string_equal(u, "請求書");
    assert_true(ci.guessed);
    free(u);
    free(b);
}

static void output_cap_cuts_on_character_boundary(void **st)
{
    (void)st;
    const char *t = "ああああ"; /* 12 bytes of UTF-8 */
    char *u = NULL;
    size_t n = 0;
    assert_int_equal(eg_charset_to_utf8("utf-8", (const uint8_t *)t, strlen(t), 7, &u, &n, NULL), EG_ELIMIT);
    assert_int_equal(n, 6);
    assert_string_equal(u, "ああ");
    free(u);
}

static void canonical_names(void **st)
{
    (void)st;
    char buf[64];
    assert_string_equal(eg_charset_canonical("Shift_JIS", buf, sizeof buf), "CP932");
    assert_string_equal(eg_charset_canonical("\"euc-jp\"", buf, sizeof buf), "EUC-JP-MS");
    assert_string_equal(eg_charset_canonical("iso-2022-jp*ja", buf, sizeof buf), "ISO-2022-JP");
    assert_string_equal(eg_charset_canonical("koi8-r", buf, sizeof buf), "KOI8-R");
    assert_null(eg_charset_canonical("unknown-8bit", buf, sizeof buf));
    assert_null(eg_charset_canonical(NULL, buf, sizeof buf));
}

static void width_folds_full_width(void **st)
{
    (void)st;
    const char *s = "ＰＷ：ａｂｃ１２３　（半角）";
    size_t n;
    char *o = eg_width_normalize(s, strlen(s), &n);
    assert_string_equal(o, "PW:abc123 (半角)");
    assert_int_equal(n, strlen(o));
    free(o);
    assert_int_equal(eg_width_fold(0xFF21), 'A');
    assert_int_equal(eg_width_fold(0x3042), 0x3042);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labelled_japanese_keeps_cp932_extensions),
        cmocka_unit_test(unlabelled_japanese_is_guessed),
        cmocka_unit_test(jis_state_machine_details),
        cmocka_unit_test(bad_bytes_become_replacement),
        cmocka_unit_test(unknown_label_is_guessed_and_reported),
        cmocka_unit_test(output_cap_cuts_on_character_boundary),
        cmocka_unit_test(canonical_names),
        cmocka_unit_test(width_folds_full_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
