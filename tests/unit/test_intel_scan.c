/* Intel through the scanner: feed and YARA matches become findings on the right objects, and a
 * bad feed stops the scanner from being built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/sha256.h"
#include "emoguard/emoguard.h"
#include "intel_feeds.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MAIL[] = "From: sender@outside.example\r\n"
                           "To: taro@corp.example.jp\r\n"
                           "Subject: invoice\r\n"
                           "Message-ID: <1@outside.example>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=us-ascii\r\n"
                           "\r\n"
                           "Please download http://drop.example/inv/x.doc today.\r\n"
                           "ref EG-TEST-MARKER-7f3a\r\n";

/* a plain text file: the text analyzer records its URLs, which are matched against the feeds */
static const char TEXT[] = "Please download http://drop.example/inv/x.doc or write to bad@spam.example today.\r\n";

static const eg_finding *find_rule(const eg_report *r, const char *id)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, id))
            return f;
    }
    return NULL;
}

static void findings_from_feeds_and_rules(void **st)
{
    (void)st;
    eg_global_init();
    char *dir = eg_test_tmpdir("intel-scan");
    uint8_t h[32];
    char hex[65], feed[400];
    eg_sha256((const uint8_t *)MAIL, sizeof MAIL - 1, h);
    eg_hex(h, 32, hex);
    snprintf(feed, sizeof feed, "# generated\n%s\nhttp://drop.example/inv/x.doc\nspam.example\n", hex);
    char *fpath = eg_fx_write(dir, "feed.txt", feed);
    char *rpath = eg_fx_yara_rules(dir, "t.yar");
    const char *feeds[] = {fpath};
    eg_options opt;
    eg_options_default(&opt);
    opt.ioc_files = feeds;
    opt.n_ioc_files = 1;
    opt.yara_rules = rpath;
    eg_report *r = eg_test_scan_opts(MAIL, sizeof MAIL - 1, &opt);
    assert_non_null(r);
    const eg_finding *f = find_rule(r, "INTEL.HASH");
    if (!f)
        eg_test_dump(r);
    assert_non_null(f);
    assert_int_equal(f->object, 0);
    assert_non_null(strstr(f->evidence, "feed.txt\":2"));
    f = find_rule(r, "INTEL.YARA_CRITICAL");
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "Test_Marker"));
    assert_non_null(strstr(f->evidence, "tags: test marker"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);

    r = eg_test_scan_opts(TEXT, sizeof TEXT - 1, &opt);
    assert_non_null(r);
    f = find_rule(r, "INTEL.URL");
    if (!f)
        eg_test_dump(r);
    assert_non_null(f);
    assert_non_null(strstr(f->evidence, "http://drop.example/inv/x.doc"));
    assert_non_null(strstr(f->evidence, "feed.txt\":3"));
    f = find_rule(r, "INTEL.DOMAIN");
    assert_non_null(f);
    assert_non_null(strstr(
        f->evidence, "\"bad@spam.example\" (domain \"spam.example\") listed in \"feed.txt\":4"));
    assert_null(find_rule(r, "INTEL.HASH"));
    eg_report_free(r);

    /* the same mail without intel has none of these findings */
    eg_options_default(&opt);
    r = eg_test_scan_opts(MAIL, sizeof MAIL - 1, &opt);
    assert_non_null(r);
    assert_null(find_rule(r, "INTEL.HASH"));
    assert_null(find_rule(r, "INTEL.URL"));
    assert_null(find_rule(r, "INTEL.YARA_CRITICAL"));
    eg_report_free(r);
    free(fpath);
    free(rpath);
    eg_test_rmrf(dir);
    free(dir);
}

static void bad_feed_stops_the_scanner(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel-scan");
    char *good = eg_fx_write(dir, "good.txt", "evil.example\n");
    char *bad = eg_fx_write(dir, "bad.csv", "# id,dateadded,url,url_status,threat\n\"1\",\"2022-01-01\",\"http://a.example/\"\n");
    const char *feeds[] = {good, bad};
    eg_options opt;
    eg_options_default(&opt);
    opt.ioc_files = feeds;
    opt.n_ioc_files = 2;
    eg_scanner *sc = (eg_scanner *)1;
    char err[512] = "";
    assert_int_not_equal(eg_scanner_new(&opt, &sc, err, sizeof err), EG_OK);
    assert_non_null(strstr(err, "bad.csv:2: 3 fields where the header has 5"));
    /* and a good set loads again afterwards (nothing global was left half built) */
    opt.n_ioc_files = 1;
    assert_int_equal(eg_scanner_new(&opt, &sc, err, sizeof err), EG_OK);
    eg_scanner_free(sc);
    free(good);
    free(bad);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(findings_from_feeds_and_rules),
        cmocka_unit_test(bad_feed_stops_the_scanner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
