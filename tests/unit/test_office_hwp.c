/* HWP (Hangul Word Processor 5.x) documents: recognised, PostScript/EPS in BinData reported, the
 * exploit shape (a long hex string run through cvx exec) malicious, document scripts handed on;
 * a plain HWP with an image stays clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office_int.h"
#include "office_fixtures.h"

#include <stdlib.h>
#include <string.h>

static eg_report *scan_hwp(unsigned what)
{
    uint8_t *d;
    size_t len;
    assert_int_equal(eg_fx_hwp(what, &d, &len), EG_OK);
    eg_report *r = eg_fx_scan("문서.hwp", d, len, NULL, 0);
    assert_non_null(r);
    free(d);
    return r;
}

static void test_plain_hwp_clean(void **state)
{
    (void)state;
    eg_report *r = scan_hwp(0);
    assert_true(eg_report_has_rule(r, "HWP.DOCUMENT"));
    assert_false(eg_report_has_rule(r, "HWP.POSTSCRIPT"));
    assert_false(eg_report_has_rule(r, "HWP.SCRIPT"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void test_eps(void **state)
{
    (void)state;
    eg_report *r = scan_hwp(EG_FX_HWP_EPS);
    assert_true(eg_report_has_rule(r, "HWP.POSTSCRIPT"));
    assert_false(eg_report_has_rule(r, "HWP.POSTSCRIPT_EXEC"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    r = scan_hwp(EG_FX_HWP_EPS_EXEC);
    assert_true(eg_report_has_rule(r, "HWP.POSTSCRIPT_EXEC"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);
}

static void test_script(void **state)
{
    (void)state;
    eg_report *r = scan_hwp(EG_FX_HWP_SCRIPT);
    assert_true(eg_report_has_rule(r, "HWP.SCRIPT"));
    assert_true(eg_fx_has_type(r, EG_T_SCRIPT));
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

static void test_helpers(void **state)
{
    (void)state;
    unsigned f;
    uint8_t hdr[40] = "HWP Document File";
    hdr[36] = 3;
    assert_true(eg_hwp_header(hdr, sizeof hdr, &f));
    assert_int_equal(f, EG_HWP_F_COMPRESSED | EG_HWP_F_PASSWORD);
    assert_false(eg_hwp_header(hdr, 20, &f));
    uint8_t *o = NULL;
    size_t ol = 0;
    assert_int_not_equal(eg_hwp_inflate((const uint8_t *)"\xff\xff\xff", 3, 100, &o, &ol), EG_OK);
    assert_null(o);
    static const char ps[] = "%!PS\n/a <414243> def a cvx exec";
    assert_int_equal(eg_hwp_judge_ps("BIN0001.bin", (const uint8_t *)ps, sizeof ps - 1), EG_HWP_PS);
    assert_int_equal(eg_hwp_judge_ps("BIN0001.png", (const uint8_t *)"\x89PNG", 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_hwp_clean),
        cmocka_unit_test(test_eps),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
