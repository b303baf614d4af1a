/* Type detection of active text and of pages real samples disguise: scriptlets and XSL with
 * script (any case, behind junk), HTML after white space and padded with control bytes, scripts
 * scanned bare (no extension) recognised by their idioms, Internet shortcuts and CHM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scan/detect.h"

#include <stdlib.h>
#include <string.h>

static eg_type det(const char *s, const char *name, const char **detail)
{
    return eg_detect_type((const uint8_t *)s, strlen(s), name, detail);
}

static void scriptlets_and_xsl(void **st)
{
    (void)st;
    const char *detail = NULL;
    assert_int_equal(
        det("<?XML version=\"1.0\"?>\n<SCRIPTLET>\n<script language=\"JScript\">x</script>"
            "</SCRIPTLET>",
            NULL, &detail),
        EG_T_SCRIPT);
    assert_string_equal(detail, "scriptlet");
    assert_int_equal(det("<?xml version=\"1.0\"?><package><component id=\"a\"><script>x</script>"
                         "</component></package>",
                         "a.dat", &detail),
                     EG_T_SCRIPT);
    assert_int_equal(
        det("<?xml version='1.0'?><stylesheet xmlns:ms=\"urn:schemas-microsoft-com:xslt\">"
            "<ms:script language=\"JScript\">x</ms:script></stylesheet>",
            "f.xsl", &detail),
        EG_T_SCRIPT);
    assert_string_equal(detail, "xsl with script");
    /* an XML document without script stays XML */
    assert_int_equal(det("<?XML version=\"1.0\"?><Workbook><Worksheet/></Workbook>", NULL, NULL),
                     EG_T_XML);
    /* <scriptleT behind kilobytes of UTF-8 junk */
    size_t pad = 4000;
    char *b = malloc(pad * 3 + 64);
    assert_non_null(b);
    for (size_t i = 0; i < pad; i++)
        memcpy(b + 3 * i, "\xE2\x94\x81", 3);
    strcpy(b + pad * 3, "\n<scriptleT\n><script language='vbs'>x</script>");
    assert_int_equal(det(b, "wia.dms", &detail), EG_T_SCRIPT);
    assert_string_equal(detail, "scriptlet");
    free(b);
}

static void html_after_white_space(void **st)
{
    (void)st;
    char page[600];
    memset(page, 0, sizeof page);
    size_t n = 0;
    for (int i = 0; i < 80; i++, n += 2)
        memcpy(page + n, "\r\n", 2);
    memcpy(page + n, "<html><head><script>var a='", 27);
    n += 27;
    for (int i = 0; i < 200; i++) /* control bytes that fail the text test */
        page[n++] = (char)(i % 2 ? 0x7F : 0x18);
    memcpy(page + n, "';</script></head></html>", 25);
    n += 25;
    assert_int_equal(eg_detect_type((const uint8_t *)page, n, NULL, NULL), EG_T_HTML);
    assert_int_equal(eg_detect_type((const uint8_t *)page, n, "pp.html", NULL), EG_T_HTML);
    /* an .hta keeps going to the script analyzer */
    assert_int_equal(eg_detect_type((const uint8_t *)page, n, "x.hta", NULL), EG_T_SCRIPT);
    assert_int_equal(det("  \t\r\n<HTA:APPLICATION id=a/><script>x</script>", NULL, NULL),
                     EG_T_HTML);
}

static void bare_scripts(void **st)
{
    (void)st;
    assert_int_equal(det("$p = \"$env:TEMP\\a.txt\"\nWrite-Output $p\n", NULL, NULL), EG_T_SCRIPT);
    assert_int_equal(det("$b = [convert]::FromBase64String($s)\n", "blob", NULL), EG_T_SCRIPT);
    assert_int_equal(det("On Error Resume Next\r\nx = 1\r\n", NULL, NULL), EG_T_SCRIPT);
    assert_int_equal(det("var s = String.fromCharCode(104, 105);\n", NULL, NULL), EG_T_SCRIPT);
    assert_int_equal(det("@echo off\r\nset a=1\r\n", NULL, NULL), EG_T_SCRIPT);
    /* prose stays text */
    assert_int_equal(
        det("Dear customer,\nplease find the invoice attached.\nRegards\n", NULL, NULL), EG_T_TEXT);
}

static void shortcuts_and_chm(void **st)
{
    (void)st;
    const char *detail = NULL;
    assert_int_equal(det("[InternetShortcut]\r\nURL=https://www.example.jp/\r\n", NULL, &detail),
                     EG_T_SCRIPT);
    assert_string_equal(detail, "internet shortcut");
    assert_int_equal(det("\xEF\xBB\xBF[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,9\r\n"
                         "[InternetShortcut]\r\nURL=file://192.0.2.1/s/a.vbs\r\n",
                         NULL, &detail),
                     EG_T_SCRIPT);
    assert_int_equal(det("URL=https://x.example/\r\n", "a.url", NULL), EG_T_SCRIPT);
    uint8_t chm[0x60] = {'I', 'T', 'S', 'F', 3, 0, 0, 0, 0x60};
    assert_int_equal(eg_detect_type(chm, sizeof chm, NULL, &detail), EG_T_SCRIPT);
    assert_string_equal(detail, "compiled HTML help (CHM)");
    uint8_t notchm[0x60] = {'I', 'T', 'S', 'F', 99};
    assert_int_not_equal(eg_detect_type(notchm, sizeof notchm, NULL, NULL), EG_T_SCRIPT);
    assert_int_equal(eg_detect_type_from_name("help.chm"), EG_T_SCRIPT);
    assert_int_equal(eg_detect_type_from_name("a.url"), EG_T_SCRIPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scriptlets_and_xsl),
        cmocka_unit_test(html_after_white_space),
        cmocka_unit_test(bare_scripts),
        cmocka_unit_test(shortcuts_and_chm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
