/* Content-based type detection and name checks' building blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scan/detect.h"
#include "scan/names.h"

#include <stdio.h>
#include <stdlib.h>
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

/* looks_mail / looks_text edges: what an attacker puts in a header or body must not turn a mail
 * into text or binary, and ordinary text must stay text. */
static void mail_edges(void **st)
{
    (void)st;
    char m[4096];
    /* a 92-character field name (legal: RFC 5322 has no limit below the 998-byte line) */
    int k = snprintf(m, sizeof m, "X-%s: 1\nFrom: a@b.jp\nTo: c@d.jp\n\nbody",
                     "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXY"
                     "ZABCDEFGHIJKL");
    assert_int_equal(det(m, (size_t)k, NULL, NULL), EG_T_MAIL);
    /* a field name of 900 characters, and a first line of 200 KB */
    memcpy(m, "X-", 2);
    memset(m + 2, 'q', 898);
    k = 900 + snprintf(m + 900, sizeof m - 900, ": v\nFrom: a@b.jp\nSubject: s\n\nx");
    assert_int_equal(det(m, (size_t)k, NULL, NULL), EG_T_MAIL);
    size_t big = 200000;
    char *b = malloc(big + 64);
    memcpy(b, "Subject: ", 9);
    memset(b + 9, 'A', big);
    size_t bn = 9 + big + (size_t)sprintf(b + 9 + big, "\nFrom: a@b.jp\n\nx");
    assert_int_equal(det(b, bn, NULL, NULL), EG_T_MAIL);
    free(b);
    /* UTF-8 and control bytes in a field name are odd, not "not a mail" */
    const char *u = "X-請求: 2026\nFrom: a@b.jp\nTo: c@d.jp\n\nx";
    assert_int_equal(det(u, strlen(u), NULL, NULL), EG_T_MAIL);
    const char c[] = "X-\x01\x02: y\nFrom: a@b.jp\nTo: c@d.jp\n\nx";
    assert_int_equal(det(c, sizeof c - 1, NULL, NULL), EG_T_MAIL);
    /* obsolete white space before the colon */
    const char *ws = "From : a@b.jp\nSubject\t: s\n\nx";
    assert_int_equal(det(ws, strlen(ws), NULL, NULL), EG_T_MAIL);
    /* a NUL in the preamble and 200 control bytes in a value: looks_text alone says binary */
    char n[1024];
    k = snprintf(n, sizeof n, "From: a@b.jp\nTo: c@d.jp\nX-Pad: ");
    memset(n + k, 0x01, 200);
    k += 200;
    k += snprintf(n + k, sizeof n - (size_t)k,
                  "\nContent-Type: multipart/mixed; boundary=z\n\npre");
    n[k++] = 0;
    k += snprintf(n + k, sizeof n - (size_t)k, "\n--z\n\nhi\n--z--\n");
    assert_int_equal(det(n, (size_t)k, NULL, NULL), EG_T_MAIL);
    /* ... while text with the same bytes and no header stays binary */
    uint8_t t[512];
    memset(t, 'a', sizeof t);
    t[100] = 0;
    assert_int_equal(det(t, sizeof t, NULL, NULL), EG_T_BINARY);
    /* many fields none of which is known: a header block all the same */
    char *many = malloc(300 * 16 + 16);
    size_t mn = 0;
    for (int i = 0; i < 300; i++)
        mn += (size_t)sprintf(many + mn, "Zz-%04d: v\n", i);
    mn += (size_t)sprintf(many + mn, "\nbody");
    assert_int_equal(det(many, mn, NULL, NULL), EG_T_MAIL);
    free(many);
    /* not mails: prose with a colon, key: value text, known fields only after a blank line, a
     * header-like start followed by prose */
    const char *p1 = "Hello world: this is text\nFrom: a@b.jp\n";
    assert_int_equal(det(p1, strlen(p1), NULL, NULL), EG_T_TEXT);
    const char *p2 = "Note: see below\n  indented: not a field\n\nFrom: a@b.jp\nTo: c@d.jp\n";
    assert_int_equal(det(p2, strlen(p2), NULL, NULL), EG_T_TEXT);
    const char *p3 = "name: value\nother: value\n\nmore text here\n";
    assert_int_equal(det(p3, strlen(p3), NULL, NULL), EG_T_TEXT);
    const char *p4 = "From: a@b.jp\nTo: c@d.jp\nand then prose without a blank line\n";
    assert_int_equal(det(p4, strlen(p4), NULL, NULL), EG_T_TEXT);
}

/* The root (a scan's input) is a mail whenever it starts with a header block, whatever magic a
 * header or the body holds; children keep the ordinary order. */
static void root_type(void **st)
{
    (void)st;
    const char *pdf = "From: a@b.jp\nSubject: %PDF-1.7\nTo: c@d.jp\n\nx";
    assert_int_equal(eg_detect_root_type((const uint8_t *)pdf, strlen(pdf), NULL, NULL), EG_T_MAIL);
    assert_int_equal(det(pdf, strlen(pdf), NULL, NULL), EG_T_PDF);
    /* "ustar" at offset 257 (a tar header) inside a header value */
    char tar[1024];
    int k = snprintf(tar, sizeof tar, "From: a@b.jp\nTo: c@d.jp\nX-P: ");
    memset(tar + k, 'a', 257 - (size_t)k);
    k = 257 + snprintf(tar + 257, sizeof tar - 257, "ustar\n\nbody\n");
    assert_int_equal(eg_detect_root_type((const uint8_t *)tar, (size_t)k, NULL, NULL), EG_T_MAIL);
    /* a mail carrying a raw ZIP in a binary part: ends with PK\5\6 like a polyglot */
    char z[256];
    k = snprintf(z, sizeof z, "From: a@b.jp\nTo: c@d.jp\n\nPK\3\4 data PK\5\6 end");
    assert_int_equal(eg_detect_root_type((const uint8_t *)z, (size_t)k, NULL, NULL), EG_T_MAIL);
    /* a file named as another type is sniffed as usual: JScript labels look like a header */
    const char *js = "from:1\nto:1\n\nvar s=new ActiveXObject(\"WScript.Shell\");\n";
    assert_int_equal(eg_detect_root_type((const uint8_t *)js, strlen(js), "inv.js", NULL),
                     EG_T_SCRIPT);
    assert_int_equal(eg_detect_root_type((const uint8_t *)js, strlen(js), "inv.txt", NULL),
                     EG_T_MAIL);
    assert_int_equal(eg_detect_root_type((const uint8_t *)pdf, strlen(pdf), "a.eml", NULL),
                     EG_T_MAIL);
    /* anything else is detected as usual */
    const char *detail = NULL;
    assert_int_equal(eg_detect_root_type((const uint8_t *)"7z\xBC\xAF\x27\x1C\0\4", 8, NULL, &detail),
                     EG_T_ARCHIVE);
    assert_string_equal(detail, "7z");
    assert_int_equal(eg_detect_root_type((const uint8_t *)"plain words\n", 12, NULL, NULL), EG_T_TEXT);
    assert_int_equal(eg_detect_root_type(NULL, 0, NULL, NULL), EG_T_BINARY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(magic_types),
        cmocka_unit_test(zip_vs_ooxml),
        cmocka_unit_test(text_kinds),
        cmocka_unit_test(names),
        cmocka_unit_test(mail_edges),
        cmocka_unit_test(root_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
