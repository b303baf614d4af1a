/* Executables (hand-made PE headers) and padded files: summary, disguised DLLs, signature
 * presence, overlay, and files inflated with zeros past 100 MB. */
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

static eg_report *scan_named_opts(const void *data, size_t len, const char *name, const eg_options *opt)
{
    eg_report_free(eg_test_scan("x", 1, NULL)); /* global init */
    eg_scanner *sc = NULL;
    char err[200];
    assert_int_equal(eg_scanner_new(opt, &sc, err, sizeof err), EG_OK);
    eg_scan_input in = {.source = name, .data = data, .len = len};
    eg_report *r = NULL;
    assert_int_equal(eg_scanner_scan(sc, &in, &r), EG_OK);
    eg_scanner_free(sc);
    return r;
}

static eg_report *scan_named(const void *data, size_t len, const char *name)
{
    eg_options opt;
    eg_options_default(&opt);
    return scan_named_opts(data, len, name, &opt);
}

static const char *evidence_of(const eg_report *r, const char *rule)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, rule))
            return f->evidence ? f->evidence : "";
    }
    return NULL;
}

static void expect(const eg_report *r, const char *rule, const char *in_evidence)
{
    const char *ev = evidence_of(r, rule);
    if (!ev || (in_evidence && !strstr(ev, in_evidence))) {
        eg_test_dump(r);
        fail_msg("%s with \"%s\" missing", rule, in_evidence ? in_evidence : "");
    }
}

static void exe_summary(void **st)
{
    (void)st;
    eg_test_pe spec = {.signed_image = true};
    size_t n;
    uint8_t *p = eg_test_pe_build(&spec, &n);
    eg_report *r = scan_named(p, n, "setup.exe");
    expect(r, "PE.EXECUTABLE", "EXE x86, built 2023-03-07, signature present, not verified");
    assert_null(evidence_of(r, "PE.DISGUISED"));
    assert_null(evidence_of(r, "PE.OVERLAY"));
    eg_report_free(r);
    /* the certificate table cut off: not called signed */
    r = scan_named(p, n - 8, "setup.exe");
    expect(r, "PE.EXECUTABLE", "signature directory points outside the file");
    eg_report_free(r);
    /* no certificate table at all */
    eg_test_pe plain = {.signed_image = false};
    size_t pn;
    uint8_t *pp = eg_test_pe_build(&plain, &pn);
    r = scan_named(pp, pn, "setup.exe");
    expect(r, "PE.EXECUTABLE", "EXE x86, built 2023-03-07, unsigned");
    eg_report_free(r);
    free(pp);
    free(p);
}

static void disguised_dll(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = true, .x64 = true, .dll_name = "loader.dll",
                       .exports = {"DllRegisterServer", "DllUnregisterServer", "Control_RunDLL", NULL}};
    size_t n;
    uint8_t *p = eg_test_pe_build(&spec, &n);
    eg_report *r = scan_named(p, n, "Vdfe.ooccxx");
    expect(
        r, "PE.EXECUTABLE",
        "DLL x64, built 2023-03-07, unsigned, exports: \"DllRegisterServer, DllUnregisterServer, "
        "Control_RunDLL\" (internal name \"loader.dll\")");
    expect(r, "PE.DISGUISED", "DllRegisterServer");
    eg_report_free(r);
    r = scan_named(p, n, "cbun.zia");
    expect(r, "PE.DISGUISED", "cbun.zia");
    eg_report_free(r);
    r = scan_named(p, n, "x.dll");
    assert_null(evidence_of(r, "PE.DISGUISED"));
    eg_report_free(r);
    free(p);
}

static void mz_only_and_truncated(void **st)
{
    (void)st;
    uint8_t dos[128] = {'M', 'Z'};
    eg_report *r = scan_named(dos, sizeof dos, "a.com");
    expect(r, "PE.EXECUTABLE", "without a PE header");
    eg_report_free(r);
    eg_test_pe spec = {.dll = true, .dll_name = "a.dll", .exports = {"Start", NULL}, .signed_image = true};
    size_t n;
    uint8_t *p = eg_test_pe_build(&spec, &n);
    for (size_t k = 2; k < n; k += 5) {
        r = scan_named(p, k, "a.dll");
        assert_non_null(r);
        assert_non_null(evidence_of(r, "PE.EXECUTABLE"));
        eg_report_free(r);
    }
    free(p);
}

/* A DLL with 9 MB of zeros after it: mostly padding, reported with the content size. */
static void padded_dll(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = true, .dll_name = "a.dll", .exports = {"DllRegisterServer", NULL},
                       .overlay_zeros = 9u << 20};
    size_t n;
    uint8_t *p = eg_test_pe_build(&spec, &n);
    eg_report *r = scan_named(p, n, "a.dll");
    expect(r, "PAD.PADDED", "true size 9.0 MB, content 579 bytes");
    assert_null(evidence_of(r, "PAD.INFLATED"));
    assert_null(evidence_of(r, "PE.OVERLAY")); /* the padding is not counted as an overlay */
    expect(r, "PE.EXECUTABLE", "exports: \"DllRegisterServer");
    eg_report_free(r);
    free(p);
}

/* Past 100 MB: inflated (as Emotet's 500 MB files). Limits raised so the file is read whole. */
static void inflated_dll(void **st)
{
    (void)st;
    eg_test_pe spec = {.dll = true, .overlay_zeros = (size_t)101 << 20};
    size_t n;
    uint8_t *p = eg_test_pe_build(&spec, &n);
    assert_non_null(p);
    eg_options opt;
    eg_options_default(&opt);
    opt.limits.max_input = 256u << 20;
    opt.limits.max_object_bytes = 256u << 20;
    opt.limits.max_total_bytes = 512u << 20;
    eg_report *r = scan_named_opts(p, n, "Invoice.dll", &opt);
    expect(r, "PAD.INFLATED", "true size 101.0 MB, content 416 bytes");
    expect(r, "PE.EXECUTABLE", "DLL x86");
    assert_int_not_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exe_summary),  cmocka_unit_test(disguised_dll), cmocka_unit_test(mz_only_and_truncated),
        cmocka_unit_test(padded_dll),   cmocka_unit_test(inflated_dll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
