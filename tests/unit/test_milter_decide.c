/* The milter's decision logic without an MTA: outbound detection, rule categories with
 * configurable prefixes, per-account correlation over the memory store, verdict thresholds and a
 * full decision on a scanned message. */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"
#include "../../src/milter/decide.c"
#include "core/buf.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void conf(eg_milter_config *c, const char *text)
{
    char err[256];
    eg_milter_config_init(c);
    if (eg_milter_config_parse(c, text, strlen(text), err, sizeof err) != EG_OK)
        fail_msg("%s", err);
}

/* The direction comes from the client: SMTP AUTH, a submission listener or a local network;
 * an own-domain envelope sender from anywhere else is inbound. */
static void test_outbound_detection(void **unused)
{
    eg_milter_config c;
    conf(&c, "own_domains = corp.example\nlocal_networks = 10.0.0.0/8, 2001:db8:1::/48\n"
             "submission_daemons = ORIGINATING, smtps\n");
    eg_milter_msg m = {0};
    m.from = "<hanako@Corp.Example>";
    m.client_addr = "203.0.113.7";
    assert_false(eg_milter_is_outbound(&c, &m)); /* the envelope alone never makes it outbound */
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_IN);
    m.auth_user = "taro";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_AUTH);
    m.auth_user = "";
    m.daemon_name = "originating"; /* daemon names compare case-insensitively */
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_SUBMISSION);
    m.daemon_name = "mx.corp.example";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_IN);
    m.client_addr = "10.20.30.40";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_LOCAL_NETWORK);
    m.client_addr = "::ffff:10.1.1.1"; /* IPv4 client on a dual-stack listener */
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_LOCAL_NETWORK);
    m.client_addr = "2001:db8:1:ff::25";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_LOCAL_NETWORK);
    m.client_addr = "2001:db8:2::25";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_IN);
    m.client_addr = "not an address";
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_IN);
    m.client_addr = NULL;
    assert_int_equal(eg_milter_direction(&c, &m), EG_DIR_IN);
    eg_milter_config_free(&c);
    /* no local network by default; outbound = no turns off correlation, not the direction */
    conf(&c, "outbound = no\n");
    m.client_addr = "127.0.0.1";
    assert_false(eg_milter_is_outbound(&c, &m));
    eg_milter_config_free(&c);
    conf(&c, "outbound = no\nlocal_networks = 127.0.0.0/8 ::1\n");
    m.client_addr = "127.0.0.1";
    assert_true(eg_milter_is_outbound(&c, &m));
    m.client_addr = "::1";
    assert_true(eg_milter_is_outbound(&c, &m));
    m.client_addr = "192.0.2.1";
    assert_false(eg_milter_is_outbound(&c, &m));
    eg_milter_config_free(&c);
}

static void test_categories(void **unused)
{
    eg_milter_config c;
    conf(&c, "");
    const char *a[] = {"ZIP.ENCRYPTED_AES", "MAIL.BODY_PASSWORD"};
    const char *b[] = {"XLM.AUTO_OPEN", "SENDER.DISPLAY_NAME_SPOOF"};
    const char *n[] = {"NAME.DOUBLE_EXTENSION", NULL};
    assert_int_equal(eg_milter_categories(&c, a, 2), EG_CAT_ENCRYPTED);
    assert_int_equal(eg_milter_categories(&c, b, 2), EG_CAT_MACRO | EG_CAT_HIJACK);
    assert_int_equal(eg_milter_categories(&c, n, 2), 0);
    eg_milter_config_free(&c);
    conf(&c, "outbound_rules_hijack = NAME.\n"); /* prefixes are configurable */
    assert_int_equal(eg_milter_categories(&c, n, 2), EG_CAT_HIJACK);
    assert_int_equal(eg_milter_categories(&c, b, 2), EG_CAT_MACRO);
    eg_milter_config_free(&c);
}

static void test_account_correlation(void **unused)
{
    eg_milter_config c;
    conf(&c, "outbound_threshold = 3\noutbound_max_rcpts = 4\n");
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(NULL, &st), EG_OK);
    const char *r1[] = {"<a@x.example>"}, *r2[] = {"<A@X.example>", "<b@x.example>"};
    eg_milter_decision d;
    for (int i = 1; i <= 3; i++) {
        memset(&d, 0, sizeof d);
        eg_milter_outbound_check(&c, st, "taro@corp.example", EG_CAT_ENCRYPTED, r1, 1, &d);
        assert_int_equal(d.alert, i == 3);
    }
    assert_non_null(strstr(d.alert_text, "mails with encrypted archives: 3 in 600s"));
    /* another account is counted apart; recipients are case-insensitive */
    memset(&d, 0, sizeof d);
    eg_milter_outbound_check(&c, st, "jiro@corp.example", EG_CAT_MACRO, r2, 2, &d);
    assert_false(d.alert);
    const char *r3[] = {"<c@x.example>", "<d@x.example>"};
    memset(&d, 0, sizeof d);
    eg_milter_outbound_check(&c, st, "jiro@corp.example", 0, r3, 2, &d);
    assert_true(d.alert);
    assert_string_equal(d.alert_text, "distinct recipients: 4 in 600s");
    eg_state_free(st);
    eg_milter_config_free(&c);
}

static void test_verdict_thresholds(void **unused)
{
    eg_milter_config c;
    conf(&c, "suspicious_score = 30\nmalicious_score = 80\n");
    assert_int_equal(eg_milter_verdict_for(&c, 29, EG_VERDICT_CLEAN), EG_VERDICT_CLEAN);
    assert_int_equal(eg_milter_verdict_for(&c, 30, EG_VERDICT_CLEAN), EG_VERDICT_SUSPICIOUS);
    assert_int_equal(eg_milter_verdict_for(&c, 80, EG_VERDICT_CLEAN), EG_VERDICT_MALICIOUS);
    assert_int_equal(eg_milter_verdict_for(&c, 0, EG_VERDICT_MALICIOUS), EG_VERDICT_MALICIOUS);
    eg_milter_config_free(&c);
}

static void test_decide_on_scanned_mail(void **unused)
{
    static const char mail[] = "From: <hanako@corp.example>\r\nTo: <p@partner.example>\r\nSubject: minutes\r\n"
                               "Message-ID: <1@corp.example>\r\n\r\nHello, the minutes follow.\r\n";
    eg_report *r = eg_test_scan(mail, sizeof mail - 1, NULL);
    assert_non_null(r);
    eg_milter_config c;
    conf(&c, "own_domains = corp.example\nlocal_networks = 10.0.0.0/8\noutbound_max_rcpts = 2\n"
             "[domain partner.example]\naction_clean = hold\n");
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(NULL, &st), EG_OK);
    const char *rc[] = {"<p@partner.example>", "<q@partner.example>"};
    eg_milter_msg m = {"Q1", "<Hanako@corp.example>", NULL, rc, 2, "10.1.2.3", NULL};
    eg_milter_decision d;
    eg_milter_decide(&c, st, r, &m, &d);
    assert_int_equal(d.verdict, EG_VERDICT_CLEAN);
    assert_int_equal(d.action, EG_ACT_HOLD); /* domain override */
    assert_true(d.outbound);
    assert_string_equal(d.account, "hanako@corp.example");
    assert_true(d.alert); /* two recipients reach outbound_max_rcpts = 2 */
    eg_milter_config_free(&c);
    /* outbound mail is never tagged: a tag action is an accept */
    conf(&c, "local_networks = 10.0.0.0/8\naction_clean = tag\n");
    eg_milter_decide(&c, st, r, &m, &d);
    assert_true(d.outbound);
    assert_int_equal(d.action, EG_ACT_ACCEPT);
    eg_milter_config_free(&c);
    /* the same envelope from outside (not a local network, no SASL) is inbound: no alert */
    conf(&c, "own_domains = corp.example\nlocal_networks = 10.0.0.0/8\noutbound_max_rcpts = 1\n");
    m.client_addr = "198.51.100.20";
    eg_milter_decide(&c, st, r, &m, &d);
    assert_false(d.outbound);
    assert_false(d.alert);
    assert_int_equal(d.action, EG_ACT_ACCEPT);
    eg_milter_config_free(&c);
    eg_state_free(st);
    eg_report_free(r);
}

static void test_campaign_same_attachment(void **unused)
{
    static const char mail[] =
        "From: <a@ext.example>\r\nTo: <x@corp.example>\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "See attachment.\r\n--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n--b--\r\n";
    eg_report *r = eg_test_scan(mail, sizeof mail - 1, NULL);
    assert_non_null(r);
    bool has_child = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        has_child |= eg_report_object(r, i)->depth >= 1 && campaign_type(eg_report_object(r, i)->type);
    if (!has_child) {
        eg_test_dump(r);
        fail_msg("the scanner did not report the attachment as an object");
    }
    eg_milter_config c;
    conf(&c, "campaign_threshold = 3\ncampaign_score = 35\n");
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(NULL, &st), EG_OK);
    const char *rc[3][1] = {{"<u1@corp.example>"}, {"<u2@corp.example>"}, {"<U1@corp.example>"}};
    eg_milter_decision d;
    for (int i = 0; i < 3; i++) { /* u1 twice: two distinct recipients, no campaign yet */
        eg_milter_msg m = {"Q", "<a@ext.example>", NULL, rc[i], 1, NULL, NULL};
        eg_milter_decide(&c, st, r, &m, &d);
        assert_false(d.campaign);
    }
    const char *r4[] = {"<u3@corp.example>"};
    eg_milter_msg m = {"Q", "<a@ext.example>", NULL, r4, 1, NULL, NULL};
    eg_milter_decide(&c, st, r, &m, &d);
    assert_true(d.campaign);
    assert_non_null(strstr(d.campaign_text, "3 recipients"));
    assert_int_equal(d.score, eg_report_score(r) + 35);
    assert_true(d.verdict >= EG_VERDICT_SUSPICIOUS);
    assert_int_equal(d.action, d.verdict == EG_VERDICT_MALICIOUS ? EG_ACT_REJECT : EG_ACT_TAG);
    eg_milter_config_free(&c);
    eg_state_free(st);
    eg_report_free(r);
}

/* A scan cut short by its CPU budget takes on_timeout unless it is already malicious. */
static void test_timeout_takes_on_timeout(void **unused)
{
    eg_buf b;
    eg_buf_init(&b, 0);
    eg_buf_puts(&b, "From: <a@ext.example>\r\nTo: <x@corp.example>\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
    unsigned x = 12345;
    for (int part = 0; part < 40; part++) {
        eg_buf_printf(&b, "--b\r\nContent-Type: application/octet-stream; name=\"p%d.bin\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n", part);
        for (int line = 0; line < 1500; line++) {
            char l[80];
            for (int k = 0; k < 76; k++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                l[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[x & 63];
            }
            l[76] = 0;
            eg_buf_printf(&b, "%s\r\n", l);
        }
    }
    eg_buf_puts(&b, "--b--\r\n");
    eg_options o;
    eg_options_default(&o);
    o.limits.max_cpu_ms = 1;
    eg_report *r = eg_test_scan_opts(b.data, b.len, &o);
    eg_buf_free(&b);
    assert_non_null(r);
    if (!eg_report_has_rule(r, "LIMIT.TIME"))
        fail_msg("a 4.5 MB mail with 40 parts did not exceed 1 ms of CPU");
    eg_milter_config c;
    conf(&c, "action_suspicious = tag\naction_malicious = reject\n");
    const char *rc[] = {"<x@corp.example>"};
    eg_milter_msg m = {"Q", "<a@ext.example>", NULL, rc, 1, NULL, NULL};
    eg_milter_decision d;
    eg_milter_decide(&c, NULL, r, &m, &d);
    if (d.verdict == EG_VERDICT_MALICIOUS)
        assert_int_equal(d.action, EG_ACT_REJECT);
    else
        assert_int_equal(d.action, EG_ACT_TEMPFAIL);
    eg_milter_config_free(&c);
    conf(&c, "on_timeout = hold\n");
    eg_milter_decide(&c, NULL, r, &m, &d);
    if (d.verdict != EG_VERDICT_MALICIOUS)
        assert_int_equal(d.action, EG_ACT_HOLD);
    eg_milter_config_free(&c);
    eg_report_free(r);
}

/* The outbound alert's hold option overrides a milder action, never a stronger one. */
static void test_alert_action_hold(void **unused)
{
    static const char mail[] = "From: <k@corp.example>\r\nTo: <p@partner.example>\r\nSubject: hi\r\n\r\nhello\r\n";
    eg_report *r = eg_test_scan(mail, sizeof mail - 1, NULL);
    assert_non_null(r);
    eg_milter_config c;
    conf(&c, "own_domains = corp.example\noutbound_max_rcpts = 1\noutbound_alert_action = hold\n");
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(NULL, &st), EG_OK);
    const char *rc[] = {"<p@partner.example>"};
    eg_milter_msg m = {"Q", "<k@corp.example>", "k", rc, 1, "198.51.100.20", NULL};
    eg_milter_decision d;
    eg_milter_decide(&c, st, r, &m, &d);
    assert_true(d.alert);
    assert_int_equal(d.action, EG_ACT_HOLD);
    eg_milter_config_free(&c);
    conf(&c, "own_domains = corp.example\noutbound_max_rcpts = 1\noutbound_alert_action = hold\n"
             "action_clean = reject\n");
    eg_milter_decide(&c, st, r, &m, &d);
    assert_true(d.alert);
    assert_int_equal(d.action, EG_ACT_REJECT);
    eg_milter_config_free(&c);
    eg_state_free(st);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbound_detection), cmocka_unit_test(test_categories),
        cmocka_unit_test(test_account_correlation), cmocka_unit_test(test_verdict_thresholds),
        cmocka_unit_test(test_decide_on_scanned_mail), cmocka_unit_test(test_campaign_same_attachment),
        cmocka_unit_test(test_timeout_takes_on_timeout), cmocka_unit_test(test_alert_action_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
