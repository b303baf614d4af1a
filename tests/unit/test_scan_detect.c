/* Content-based type detection and name checks' building blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scan/detect.h"
#include "scan/names.h"

#include <string.h>

static eg_type det(const void *d, size_t n, const char *name, const char **detail)
{
    return eg_detect_type(d, n, name, detail);
}

static void magic_types(void **st)
{
    (void)st;
    const char *detail;
    uint8_t cfb[16] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    assert_int_equal(det(cfb, sizeof cfb, "a.txt", NULL), EG_T_CFB);
    uint8_t lnk[76] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    assert_int_equal(det(lnk, sizeof lnk, NULL, NULL), EG_T_LNK);
    uint8_t one[32] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                       0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};
    assert_int_equal(det(one, sizeof one, NULL, NULL), EG_T_ONENOTE);
    uint8_t pe[0x100] = {'M', 'Z'};
    pe[0x3C] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    pe[0x80 + 22] = 0x02;
    pe[0x80 + 23] = 0x21; /* IMAGE_FILE_DLL */
    assert_int_equal(det(pe, sizeof pe, "x.ocx", &detail), EG_T_PE);
    assert_string_equal(detail, "DLL");
    assert_int_equal(det("%PDF-1.7\n", 9, NULL, NULL), EG_T_PDF);
    assert_int_equal(det("{\\rtf1\\ansi", 11, NULL, NULL), EG_T_RTF);
    assert_int_equal(det("7z\xBC\xAF\x27\x1C\0\4", 8, NULL, &detail), EG_T_ARCHIVE);
    assert_string_equal(detail, "7z");
    assert_int_equal(det("\x89PNG\r\n\x1A\n....", 12, NULL, NULL), EG_T_IMAGE);
}

static void zip_vs_ooxml(void **st)
{
    (void)st;
    const char *detail = NULL;
    const char z[] = "PK\3\4....payload.doc....PK\1\2";
    assert_int_equal(det(z, sizeof z - 1, NULL, NULL), EG_T_ZIP);
    const char o[] = "PK\3\4..[Content_Types].xml....xl/vbaProject.bin..";
    assert_int_equal(det(o, sizeof o - 1, NULL, &detail), EG_T_OOXML);
    assert_string_equal(detail, "macro-enabled");
    const char poly[] = "GIF89a-junk-PK\3\4..[Content_Types].xml..word/..PK\5\6";
    assert_int_equal(det(poly, sizeof poly - 1, NULL, NULL), EG_T_OOXML);
}

static void text_kinds(void **st)
{
    (void)st;
    const char *mail = "Received: from x\r\nFrom: a@b.jp\r\nSubject: hi\r\n\r\nbody";
    assert_int_equal(det(mail, strlen(mail), NULL, NULL), EG_T_MAIL);
    const char *mbox = "From a@b Mon Jan  1 00:00:00 2024\nFrom: a@b.jp\nTo: c@d.jp\n\nx";
    assert_int_equal(det(mbox, strlen(mbox), NULL, NULL), EG_T_MAIL);
    assert_int_equal(det("<!DOCTYPE html><html>", 21, NULL, NULL), EG_T_HTML);
    assert_int_equal(det("Set o = CreateObject(\"WScript.Shell\")", 37, "readme.txt", NULL), EG_T_SCRIPT);
    assert_int_equal(det("hello", 5, "a.vbs", NULL), EG_T_SCRIPT);
    assert_int_equal(det("#@~^AAAA==", 10, NULL, NULL), EG_T_SCRIPT);
    assert_int_equal(det("ただのテキストです。\n", 31, NULL, NULL), EG_T_TEXT);
    assert_int_equal(det("a:b\nnot a header line\n", 22, NULL, NULL), EG_T_TEXT);
    uint8_t bin[64] = {1, 2, 0, 4};
    assert_int_equal(det(bin, sizeof bin, NULL, NULL), EG_T_BINARY);
    assert_int_equal(det(NULL, 0, NULL, NULL), EG_T_BINARY);
}

static void names(void **st)
{
    (void)st;
    assert_int_equal(eg_detect_type_from_name("請求書.XLSM"), EG_T_OOXML);
    assert_int_equal(eg_detect_type_from_name("noext"), EG_T_UNKNOWN);
    assert_true(eg_name_ext_is_executable("LNK"));
    assert_true(eg_name_ext_is_executable("one"));
    assert_false(eg_name_ext_is_executable("pdf"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(magic_types),
        cmocka_unit_test(zip_vs_ooxml),
        cmocka_unit_test(text_kinds),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
