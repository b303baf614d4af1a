/*
 * The CFB pre-check (src/office/cfb_check.c): well-formed files pass, each hostile layout is
 * refused with its reason, a refused file still tells that it holds macros, libgsf survives the
 * deepest tree the check lets through on a 1 MiB stack, and an agile-encrypted file with
 * spinCount 1 000 000 does not buy the scan's CPU budget. With EG_CFB_SEEDS=DIR set, the raw
 * files are written into DIR/fuzz_office_cfb/ as fuzz seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cfb_raw.h"
#include "hostile_office.h"
#include "mail_builder.h"
#include "office/office.h"
#include "office_fixtures.h"
#include "testutil.h"

#include <fcntl.h>
#include <glib.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static eg_status check_kind(const char *kind, eg_cfb_info *ci)
{
    size_t len = 0;
    uint8_t *d = eg_hx_cfb_variant(kind, &len);
    assert_non_null(d);
    eg_status st = eg_cfb_check(d, len, ci);
    free(d);
    return st;
}

static void test_valid_files_pass(void **state)
{
    (void)state;
    eg_cfb_info ci;
    assert_int_equal(check_kind("valid", &ci), EG_OK);
    assert_true(ci.vba_dir);
    assert_true(ci.macro_storage);
    assert_string_equal(ci.vba_path, "Macros/VBA");
    assert_int_equal(check_kind("valid4k", &ci), EG_OK);
    assert_true(ci.vba_dir);
    /* libgsf's own writer, with mini and regular streams */
    static uint8_t big[10000];
    memset(big, 'x', sizeof big);
    eg_fx_stream st[] = {{"Workbook", big, sizeof big},
                         {"_VBA_PROJECT_CUR/VBA/dir", (const uint8_t *)"abc", 3},
                         {"\005SummaryInformation", (const uint8_t *)"s", 1}};
    uint8_t *d;
    size_t len;
    assert_int_equal(eg_fx_cfb(st, 3, &d, &len), EG_OK);
    assert_int_equal(eg_cfb_check(d, len, &ci), EG_OK);
    assert_true(ci.vba_dir);
    assert_string_equal(ci.vba_path, "_VBA_PROJECT_CUR/VBA");
    /* cut short: the FAT or directory leaves the file */
    assert_int_not_equal(eg_cfb_check(d, len / 2, &ci), EG_OK);
    /* the mini FAT in a last sector the file holds only 12 bytes of (the FAT chains it):
     * refused with the sector named, no read of freed memory (found by fuzzing) */
    uint8_t *cut = calloc(1, len + 12);
    assert_non_null(cut);
    memcpy(cut, d, len);
    uint32_t part = (uint32_t)((len - 512) / 512), one = 1, end = 0xFFFFFFFEu, fat0;
    memcpy(&fat0, cut + 0x4C, 4);
    assert_true(512 + (size_t)fat0 * 512 + 4 * (size_t)part + 4 <= len);
    memcpy(cut + 512 + (size_t)fat0 * 512 + 4 * (size_t)part, &end, 4);
    memcpy(cut + 0x3C, &part, 4);
    memcpy(cut + 0x40, &one, 4);
    assert_int_equal(eg_cfb_check(cut, len + 12, &ci), EG_EFORMAT);
    if (!strstr(ci.reason, "mini FAT sector"))
        printf("reason: %s\n", ci.reason);
    assert_non_null(strstr(ci.reason, "mini FAT sector"));
    free(cut);
    free(d);
}

static void test_hostile_layouts_refused(void **state)
{
    (void)state;
    static const struct {
        const char *kind, *reason;
    } cases[] = {
        {"difat-loop", "DIFAT chain loops"},
        {"fat-loop", "directory chain loops"},
        {"sector-shift", "sector shift 10"},
        {"mini-shift", "mini sector shift 9"},
        {"dir-cycle", "reached twice"},
        {"huge-counts", "FAT sectors in a file of"},
        {"short-stream", "of 8000 bytes in 10 sectors"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        eg_cfb_info ci;
        eg_status st = check_kind(cases[i].kind, &ci);
        if (st == EG_OK || !strstr(ci.reason, cases[i].reason))
            printf("%s: %s \"%s\"\n", cases[i].kind, eg_status_str(st), ci.reason);
        assert_int_not_equal(st, EG_OK);
        assert_non_null(strstr(ci.reason, cases[i].reason));
    }
}

static void test_deep_chain(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = eg_hx_cfb_sibling_chain(40000, &len);
    assert_non_null(d);
    eg_cfb_info ci;
    assert_int_equal(eg_cfb_check(d, len, &ci), EG_EFORMAT);
    assert_non_null(strstr(ci.reason, "links deep"));
    /* the walk went on to the end of the chain and saw the macro storage there */
    assert_true(ci.depth >= 40000);
    assert_true(ci.vba_dir);
    free(d);
    /* one link under the bound passes, one over does not (root + chain + Macros/VBA/dir) */
    d = eg_hx_cfb_sibling_chain(EG_CFB_MAX_DEPTH - 3, &len);
    assert_int_equal(eg_cfb_check(d, len, &ci), EG_OK);
    assert_int_equal(ci.depth, EG_CFB_MAX_DEPTH);
    free(d);
    d = eg_hx_cfb_sibling_chain(EG_CFB_MAX_DEPTH - 2, &len);
    assert_int_equal(eg_cfb_check(d, len, &ci), EG_EFORMAT);
    free(d);
}

/* The root's siblings: libgsf walks them with its recursion and leaks them (found by a
 * 10-minute fuzz run), so any sibling of the root is refused, a long chain of them too; the same
 * file without them passes and still names its macro storage. */
static void test_root_siblings_refused(void **state)
{
    (void)state;
    static const uint32_t depth[] = {0, 1, 3, 40000};
    for (size_t i = 0; i < sizeof depth / sizeof *depth; i++) {
        size_t len;
        uint8_t *d = eg_hx_cfb_root_sibling_chain(depth[i], &len);
        assert_non_null(d);
        eg_cfb_info ci;
        eg_status st = eg_cfb_check(d, len, &ci);
        free(d);
        assert_true(ci.vba_dir);
        if (!depth[i]) {
            assert_int_equal(st, EG_OK);
            continue;
        }
        assert_int_equal(st, EG_EFORMAT);
        assert_non_null(strstr(ci.reason, "root entry has siblings"));
    }
}

/* The deepest tree the check lets through, scanned (libgsf's recursion included) on a thread
 * with a 1 MiB stack: an eighth of what `scan` workers get. */
static void *scan_deepest(void *arg)
{
    (void)arg;
    size_t len;
    uint8_t *d = eg_hx_cfb_sibling_chain(EG_CFB_MAX_DEPTH - 3, &len);
    eg_report *r = eg_test_scan(d, len, NULL);
    free(d);
    return r;
}

static void test_deepest_allowed_survives_small_stack(void **state)
{
    (void)state;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1u << 20);
    pthread_t th;
    assert_int_equal(pthread_create(&th, &a, scan_deepest, NULL), 0);
    pthread_attr_destroy(&a);
    void *res = NULL;
    pthread_join(th, &res);
    eg_report *r = res;
    assert_non_null(r);
    assert_false(eg_report_has_rule(r, "OFFICE.CFB_MALFORMED"));
    /* libgsf read the whole chain: the macro storage at its end was reached and reported */
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    eg_report_free(r);
}

static void test_refused_file_still_reports_macros(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = eg_hx_cfb_variant("dir-cycle", &len);
    eg_report *r = eg_test_scan(d, len, NULL);
    free(d);
    assert_true(eg_report_has_rule(r, "OFFICE.CFB_MALFORMED"));
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    /* a file the check passes but libgsf refuses (an unused FAT entry holds a sector number past
     * the FAT: "Inconsistent block allocation table") was a low PARSE.ERROR, clean; now it is
     * OFFICE.CFB_MALFORMED and suspicious */
    d = eg_hx_cfb_variant("valid", &len);
    uint32_t fat = (uint32_t)d[0x4C] | (uint32_t)d[0x4D] << 8;
    eg_fx_put32(d + ((size_t)fat + 1) * 512 + 4 * 100, 0x00ABCDEF);
    eg_cfb_info ci;
    assert_int_equal(eg_cfb_check(d, len, &ci), EG_OK);
    r = eg_test_scan(d, len, NULL);
    free(d);
    if (!eg_fx_finding_with(r, "OFFICE.CFB_MALFORMED", "libgsf refused it"))
        eg_test_dump(r);
    assert_true(eg_fx_finding_with(r, "OFFICE.CFB_MALFORMED", "libgsf refused it"));
    /* and the macro storage the check saw is reported as not read */
    assert_true(eg_fx_finding_with(r, "VBA.MACRO", "not read"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void test_agile_spincount_capped(void **state)
{
    (void)state;
    size_t len;
    uint8_t *mail = eg_hx_agile_spin_mail(&len);
    assert_non_null(mail);
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    eg_report *r = eg_test_scan(mail, len, NULL);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    free(mail);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_non_null(r);
    bool capped = eg_fx_finding_with(r, "OFFICE.ENCRYPTED", "spinCount 1000000") &&
                  eg_fx_finding_with(r, "OFFICE.ENCRYPTED", "2 of ");
    if (!capped || s > 10)
        eg_test_dump(r);
    assert_true(capped);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    printf("agile: %.2f s of CPU\n", s);
    /* two candidates of a million rounds each, not nine (CPU time: the machine may be busy) */
    assert_true(s < 5);
    eg_report_free(r);
}

/* libgsf logs under "libgsf" and its sub-domains; none of it may reach stderr (the milter's
 * journal) */
static void test_libgsf_logs_silenced(void **state)
{
    (void)state;
    char *dir = eg_test_tmpdir("gsflog");
    char path[4096];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    static const char *const domains[] = {"libgsf", "libgsf:msole", "libgsf:zip",
                                          "libgsf:open_pkg"};
    for (size_t i = 0; i < sizeof domains / sizeof *domains; i++) {
        g_log(domains[i], G_LOG_LEVEL_WARNING, "test warning");
        g_log(domains[i], G_LOG_LEVEL_CRITICAL, "test critical");
    }
    /* libgsf's core logs without a domain */
    g_log(NULL, G_LOG_LEVEL_WARNING, "test warning");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t n = 0;
    uint8_t *got = eg_test_read_file(path, &n);
    if (n)
        printf("stderr: %.*s\n", (int)n, (const char *)got);
    free(got);
    eg_test_rmrf(dir);
    free(dir);
    assert_int_equal(n, 0);
}

/* 65 536 cells of one 64 Ki-quote shared string beside a macro sheet: the XLM text and its
 * resolution must stay within the CPU budget (30 s by default), and well under it. */
static double scan_seconds(uint8_t *x, size_t len, eg_report **r)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    *r = eg_test_scan(x, len, NULL);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    free(x);
    return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void test_xlm_quote_cells_bounded(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        size_t len;
        uint8_t *x = k ? eg_hx_xlsm_quote_cells(131072, 65536, &len)
                       : eg_hx_xls_quote_cells(65535, 65536, &len);
        assert_non_null(x);
        eg_report *r;
        double s = scan_seconds(x, len, &r);
        printf("%s: scan took %.2f s\n", k ? "xlsm" : "xls", s);
        if (getenv("EG_DUMP"))
            eg_test_dump(r);
        assert_true(eg_report_has_rule(r, "XLM.MACRO_SHEET"));
        /* the text reached its cap: said, not silently cut */
        assert_true(eg_report_has_rule(r, "LIMIT.BYTES"));
        assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
        /* under the 30 s budget by far, and without needing it (it was minutes) */
        assert_false(eg_report_has_rule(r, "LIMIT.TIME"));
        assert_true(s < 10);
        eg_report_free(r);
    }
}

static void on_res(void *ud, eg_xlm_res_kind kind, const char *where, const char *text, size_t len)
{
    (void)ud, (void)kind, (void)where, (void)text, (void)len;
}

static bool stop_after(void *ud)
{
    int *calls = ud;
    return ++*calls > 2;
}

/* The resolver asks the clock while it reads cells, not only while it evaluates: text of
 * constants alone (nothing to evaluate) still ends with EG_ETIME once the budget is gone. */
static void test_xlm_resolver_checks_clock_while_reading(void **state)
{
    (void)state;
    eg_buf t;
    eg_buf_init(&t, 0);
    for (int i = 1; i <= 4000; i++)
        eg_buf_printf(&t, "S!A%d: \"\"\"\"\"\"\n", i);
    int calls = 0;
    eg_status st = eg_xlm_resolve((const char *)t.data, t.len, on_res, NULL, stop_after, &calls);
    eg_buf_free(&t);
    assert_int_equal(st, EG_ETIME);
}

static void write_seed(const char *dir, const char *name, const uint8_t *d, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/fuzz_office_cfb", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/fuzz_office_cfb/%s", dir, name);
    assert_int_equal(eg_test_write_file(path, d, n), 0);
}

static void test_write_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("EG_CFB_SEEDS");
    if (!dir)
        skip();
    static const char *const kinds[] = {"valid",      "valid4k",   "fat-loop",    "sector-shift",
                                        "mini-shift", "dir-cycle", "huge-counts", "short-stream"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t len;
        uint8_t *d = eg_hx_cfb_variant(kinds[i], &len);
        write_seed(dir, kinds[i], d, len);
        free(d);
    }
    size_t len;
    uint8_t *d = eg_hx_cfb_sibling_chain(300, &len);
    write_seed(dir, "sibling-chain-300", d, len);
    free(d);
    d = eg_hx_cfb_root_sibling_chain(3, &len);
    write_seed(dir, "root-siblings", d, len);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_files_pass),
        cmocka_unit_test(test_hostile_layouts_refused),
        cmocka_unit_test(test_deep_chain),
        cmocka_unit_test(test_root_siblings_refused),
        cmocka_unit_test(test_deepest_allowed_survives_small_stack),
        cmocka_unit_test(test_refused_file_still_reports_macros),
        cmocka_unit_test(test_agile_spincount_capped),
        cmocka_unit_test(test_libgsf_logs_silenced),
        cmocka_unit_test(test_xlm_quote_cells_bounded),
        cmocka_unit_test(test_xlm_resolver_checks_clock_while_reading),
        cmocka_unit_test(test_write_seeds),
    };
    eg_global_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
