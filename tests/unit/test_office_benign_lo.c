/* Benign spreadsheets made by LibreOffice Calc (headless soffice, converting a generated flat ODF
 * spreadsheet) must stay clean: an .xls (BIFF8 with a shared-string table long enough to span
 * CONTINUE records, Japanese text, formulas, a hidden sheet) and an .xlsx. soffice is required
 * (libreoffice-calc-nogui, installed by `make deps-test`): without it the test fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/buf.h"
#include "office/office.h"
#include "office_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *g_dir;

/* A flat ODF spreadsheet: a visible Japanese invoice sheet with 400 rows of distinct strings,
 * numbers and a SUM formula, and a hidden list sheet. */
static void write_fods(const char *path)
{
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(
        &b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<office:document xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
        "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
        "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
        "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "
        "xmlns:of=\"urn:oasis:names:tc:opendocument:xmlns:of:1.2\" office:version=\"1.2\" "
        "office:mimetype=\"application/vnd.oasis.opendocument.spreadsheet\">\n"
        "<office:automatic-styles><style:style style:name=\"ta1\" style:family=\"table\">"
        "<style:table-properties table:display=\"true\"/></style:style>"
        "<style:style style:name=\"ta2\" style:family=\"table\"><style:table-properties "
        "table:display=\"false\"/>"
        "</style:style></office:automatic-styles>\n"
        "<office:body><office:spreadsheet>\n<table:table table:name=\"請求書\" "
        "table:style-name=\"ta1\">\n"
        "<table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>品名</text:p></table:table-cell>"
        "<table:table-cell office:value-type=\"string\"><text:p>説明</text:p></table:table-cell>"
        "<table:table-cell "
        "office:value-type=\"string\"><text:p>金額</text:p></table:table-cell></"
        "table:table-row>\n");
    for (int i = 1; i <= 400; i++)
        eg_buf_printf(&b,
                      "<table:table-row><table:table-cell "
                      "office:value-type=\"string\"><text:p>商品 %d</text:p></table:table-cell>"
                      "<table:table-cell office:value-type=\"string\"><text:p>Item %d description, "
                      "delivered to the Osaka office</text:p>"
                      "</table:table-cell><table:table-cell office:value-type=\"float\" "
                      "office:value=\"%d\"><text:p>%d</text:p>"
                      "</table:table-cell></table:table-row>\n",
                      i, i, i * 150, i * 150);
    eg_buf_puts(
        &b,
        "<table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>合計</text:p></table:table-cell>"
        "<table:table-cell/><table:table-cell table:formula=\"of:=SUM([.C2:.C401])\" "
        "office:value-type=\"float\" "
        "office:value=\"12030000\"><text:p>12030000</text:p></table:table-cell></table:table-row>\n"
        "</table:table>\n<table:table table:name=\"Lists\" table:style-name=\"ta2\">\n"
        "<table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>東京</text:p></table:table-cell></table:table-row>\n"
        "<table:table-row><table:table-cell "
        "office:value-type=\"string\"><text:p>大阪</text:p></table:table-cell></table:table-row>\n"
        "</table:table>\n</office:spreadsheet></office:body></office:document>\n");
    assert_int_equal(eg_test_write_file(path, b.data, b.len), 0);
    eg_buf_free(&b);
}

/* Converts book.fods into fmt with a private profile and HOME (works as root and in parallel). */
static uint8_t *convert(const char *fmt, size_t *len)
{
    char cmd[4096], out[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && HOME='%s/home' timeout 300 soffice "
             "'-env:UserInstallation=file://%s/profile' --headless "
             "--norestore --nolockcheck --convert-to %s --outdir '%s/out' '%s/book.fods' "
             ">'%s/soffice.log' 2>&1",
             g_dir, g_dir, g_dir, fmt, g_dir, g_dir, g_dir);
    int rc = eg_test_run(cmd, NULL, NULL);
    snprintf(out, sizeof out, "%s/out/book.%s", g_dir, fmt);
    uint8_t *d = eg_test_read_file(out, len);
    if (!d) {
        char log[1100];
        snprintf(log, sizeof log, "%s/soffice.log", g_dir);
        size_t ll;
        uint8_t *l = eg_test_read_file(log, &ll);
        print_error("soffice --convert-to %s failed (exit %d): %s\n", fmt, rc,
                    l ? (char *)l : "(no log)");
        free(l);
        fail_msg("LibreOffice could not write book.%s", fmt);
    }
    return d;
}

static int setup(void **state)
{
    (void)state;
    if (!eg_test_have("soffice")) {
        print_error(
            "soffice (LibreOffice) is required for this test: install libreoffice-calc-nogui "
            "(`make deps-test` does)\n");
        return -1; /* fails the group: the test is not skipped */
    }
    g_dir = eg_test_tmpdir("lo");
    if (!g_dir)
        return -1;
    char p[1100];
    snprintf(p, sizeof p, "%s/book.fods", g_dir);
    write_fods(p);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g_dir) {
        eg_test_rmrf(g_dir);
        free(g_dir);
    }
    return 0;
}

static void assert_clean(const eg_report *r)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_rule *rule = eg_rule_get(eg_report_finding(r, i)->rule);
        if (rule->severity > EG_SEV_INFO || rule->score > 0) {
            eg_fx_dump(r);
            fail_msg("finding above INFO on a benign LibreOffice file: %s", rule->id);
        }
    }
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
}

static void test_lo_xls_clean(void **state)
{
    (void)state;
    size_t len;
    uint8_t *xls = convert("xls", &len);
    eg_report *r = eg_fx_scan("book.xls", xls, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_clean(r);
    /* it was really read: the Workbook stream, its hidden sheet */
    assert_true(eg_fx_has_type(r, EG_T_BIFF8));
    assert_true(eg_report_has_rule(r, "OFFICE.HIDDEN_SHEET"));
    assert_false(eg_fx_has_type(r, EG_T_XLM));
    /* the BIFF8 reader on the Workbook stream itself: sheet names from UTF-16, no macro sheet */
    const char *wb = eg_fx_captured(EG_T_BIFF8);
    size_t wblen = 0;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (eg_report_object(r, i)->type == EG_T_BIFF8)
            wblen = (size_t)eg_report_object(r, i)->size;
    assert_true(wblen > 0);
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags = 0;
    assert_int_equal(eg_biff8_read((const uint8_t *)wb, wblen, &out, &flags), EG_OK);
    assert_non_null(strstr((char *)out.data, "' sheet \"請求書\" type=worksheet state=visible\n"));
    assert_non_null(strstr((char *)out.data, "' sheet \"Lists\" type=worksheet state=hidden\n"));
    assert_false(flags & (EG_XLM_F_MACROSHEET | EG_XLM_F_FORMULAS | EG_XLM_F_ENCRYPTED));
    assert_true(flags & EG_XLM_F_HIDDEN_SHEET);
    /* the same stream with "Lists" retyped as a macro sheet: now the cell constants of every
     * sheet are read, through LibreOffice's own SST, which spans CONTINUE records here */
    uint8_t *mod = malloc(wblen);
    assert_non_null(mod);
    memcpy(mod, wb, wblen);
    bool retyped = false;
    size_t prev = 0, continued = 0;
    for (size_t off = 0; off + 4 <= wblen;) {
        size_t type = mod[off] | (mod[off + 1] << 8), rl = mod[off + 2] | (mod[off + 3] << 8);
        if (off + 4 + rl > wblen)
            break;
        if (type == 0x003C && (prev == 0x00FC || prev == 0x003C))
            continued++;
        prev = type;
        if (type == 0x0085 && rl >= 13 && !memcmp(mod + off + 4 + 8, "Lists", 5)) {
            mod[off + 4 + 5] = 1;
            retyped = true;
        }
        off += 4 + rl;
    }
    assert_true(retyped);
    assert_true(continued >= 1); /* the SST really goes on in CONTINUE records */
    out.len = 0;
    assert_int_equal(eg_biff8_read(mod, wblen, &out, &flags), EG_OK);
    const char *t = (const char *)out.data;
    assert_true(flags & EG_XLM_F_MACROSHEET);
    assert_non_null(strstr(t, "請求書!A1: \"品名\"\n"));
    assert_non_null(
        strstr(t, "請求書!B401: \"Item 400 description, delivered to the Osaka office\"\n"));
    assert_non_null(strstr(t, "請求書!A401: \"商品 400\"\n"));
    assert_non_null(strstr(t, "請求書!C401: 60000\n"));
    assert_non_null(strstr(t, "Lists!A2: \"大阪\"\n"));
    /* the cached result of a worksheet formula */
    assert_non_null(strstr(t, "請求書!C402: 12030000\n"));
    free(mod);
    eg_buf_free(&out);
    eg_report_free(r);
    free(xls);
}

static void test_lo_xlsx_clean(void **state)
{
    (void)state;
    size_t len;
    uint8_t *x = convert("xlsx", &len);
    eg_report *r = eg_fx_scan("book.xlsx", x, len, NULL, 0);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_clean(r);
    assert_true(eg_fx_has_type(r, EG_T_OOXML));
    assert_true(eg_report_has_rule(r, "OFFICE.HIDDEN_SHEET"));
    eg_report_free(r);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lo_xls_clean),
        cmocka_unit_test(test_lo_xlsx_clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
