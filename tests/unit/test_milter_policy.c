/* The milter's policy pieces without an MTA: CIDR networks (IPv4, IPv6, mapped, bad input),
 * address-list entries, allowlists that cap the action but keep the verdict, [recipient]
 * overrides, the RFC 2047 subject tag (decoded back with the project's own header decoder),
 * the spoofing finding for an own-domain sender from outside and password redaction. */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/decide.c"
#include "../../src/milter/policy.c"
#include "archive_zipw.h"
#include "mail_builder.h"
#include "text/header.h"
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

static bool in_net(const char *net, const char *addr)
{
    eg_cidr n, a;
    assert_int_equal(eg_cidr_parse(net, &n), EG_OK);
    assert_int_equal(eg_cidr_parse_addr(addr, &a), EG_OK);
    return eg_cidr_match(&n, &a);
}

static void test_cidr_ipv4(void **unused)
{
    assert_true(in_net("192.0.2.0/24", "192.0.2.255"));
    assert_false(in_net("192.0.2.0/24", "192.0.3.0"));
    assert_true(in_net("10.0.0.0/8", "10.255.1.2"));
    assert_true(in_net("172.16.0.0/12", "172.31.255.255"));
    assert_false(in_net("172.16.0.0/12", "172.32.0.0"));
    assert_true(in_net("198.51.100.7", "198.51.100.7")); /* a bare address is a /32 */
    assert_false(in_net("198.51.100.7", "198.51.100.8"));
    assert_true(in_net("0.0.0.0/0", "203.0.113.1"));
    assert_true(in_net("192.0.2.128/25", "192.0.2.200"));
    assert_false(in_net("192.0.2.128/25", "192.0.2.127"));
    assert_true(in_net("10.0.0.0/8", "::ffff:10.9.8.7")); /* IPv4-mapped client */
    assert_false(in_net("10.0.0.0/8", "::ffff:11.9.8.7"));
    assert_true(in_net("192.0.2.0/24", "[192.0.2.9]"));
}

static void test_cidr_ipv6(void **unused)
{
    assert_true(in_net("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(in_net("2001:db8::/32", "2001:db9::1"));
    assert_true(in_net("::1", "::1"));
    assert_false(in_net("::1", "::2"));
    assert_true(in_net("fe80::/10", "febf::1"));
    assert_false(in_net("fe80::/10", "fec0::1"));
    assert_true(in_net("2001:db8::/33", "2001:db8:7fff::1"));
    assert_false(in_net("2001:db8::/33", "2001:db8:8000::1"));
    assert_true(in_net("2001:db8::/32", "[IPv6:2001:db8::25]"));
    assert_false(in_net("::/0", "192.0.2.1")); /* families never mix (but for mapped IPv4) */
    assert_false(in_net("0.0.0.0/0", "2001:db8::1"));
    char s[64];
    eg_cidr a;
    assert_int_equal(eg_cidr_parse_addr("2001:DB8:0:0::1", &a), EG_OK);
    eg_cidr_addr_str(&a, s, sizeof s);
    assert_string_equal(s, "2001:db8::1");
}

static void test_cidr_bad_input(void **unused)
{
    static const char *const bad[] = {
        "",
        "/24",
        "192.0.2.0/",
        "192.0.2.0/33",
        "192.0.2.0/-1",
        "192.0.2.0/24x",
        "192.0.2.1/24", /* host bits below the prefix */
        "10.0.0.0/08000",
        "256.0.0.0/8",
        "192.0.2",
        "2001:db8::/129",
        "2001:db8::1/64",
        "2001:db8:::1",
        "example.jp",
        "[192.0.2.0/24",
        "192.0.2.0 /24",
        "1.2.3.4.5",
        "0x7f.0.0.1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"};
    eg_cidr n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (eg_cidr_parse(bad[i], &n) == EG_OK)
            fail_msg("'%s' parsed as a network", bad[i]);
    assert_int_not_equal(eg_cidr_parse(NULL, &n), EG_OK);
    assert_int_not_equal(eg_cidr_parse_addr("10.0.0.0/8", &n), EG_OK); /* an address, not a net */
    assert_int_not_equal(eg_cidr_parse_addr("", &n), EG_OK);
    assert_false(eg_cidr_match(NULL, &n));
    eg_cidr_list empty = {0};
    assert_false(eg_cidr_list_match(&empty, &n));
}

static void test_addr_entries(void **unused)
{
    assert_true(eg_addr_entry_match("Taro@Example.JP", "<taro@example.jp>"));
    assert_false(eg_addr_entry_match("taro@example.jp", "<jiro@example.jp>"));
    assert_false(eg_addr_entry_match("taro@example.jp", "<taro@example.jp.evil.example>"));
    assert_true(eg_addr_entry_match("example.jp", "<a@EXAMPLE.jp>"));
    assert_true(eg_addr_entry_match("@example.jp", "a@example.jp"));
    assert_false(eg_addr_entry_match("example.jp", "<a@mail.example.jp>")); /* no subdomains */
    assert_false(eg_addr_entry_match("example.jp", "<a@badexample.jp>"));
    assert_true(eg_addr_entry_match(".example.jp", "<a@mail.example.jp>"));
    assert_true(eg_addr_entry_match(".example.jp", "<a@example.jp>"));
    assert_false(eg_addr_entry_match(".example.jp", "<a@badexample.jp>"));
    assert_false(eg_addr_entry_match("example.jp", "<>"));         /* the null sender */
    assert_false(eg_addr_entry_match("example.jp", "example.jp")); /* no '@': not an address */
    assert_false(eg_addr_entry_match("", "<a@example.jp>"));
    assert_false(eg_addr_entry_match(NULL, "<a@example.jp>"));
}

static char *decoded(const char *raw)
{
    char *out = NULL;
    assert_int_equal(eg_header_decode(raw, strlen(raw), 0, &out, NULL), EG_OK);
    return out;
}

static void test_subject_tag_rfc2047(void **unused)
{
    /* ASCII tags go in as written */
    char *s = eg_subject_tagged("[SUSPICIOUS]", "invoice");
    assert_string_equal(s, "[SUSPICIOUS] invoice");
    free(s);
    s = eg_subject_tagged("[SUSPICIOUS]", NULL);
    assert_string_equal(s, "[SUSPICIOUS]");
    free(s);
    /* Japanese: encoded words of UTF-8 that decode back to the tag, then the old subject */
    s = eg_subject_tagged("【要注意】", "請求書の件");
    assert_non_null(strstr(s, "=?UTF-8?B?"));
    for (const char *p = s; *p; p++) /* the header value is ASCII up to the old subject */
        if (!strncmp(p, " 請求書", strlen(" 請求書")))
            break;
        else
            assert_true((unsigned char)*p < 0x80);
    char *d = decoded(s);
    assert_string_equal(d, "【要注意】 請求書の件");
    free(d);
    free(s);
    /* an encoded old subject: the space must survive between the two encoded words */
    char *old = eg_mb_encoded_words("請求書", EG_MB_JIS, 'B', 0);
    s = eg_subject_tagged("【要注意】", old);
    free(old);
    d = decoded(s);
    assert_string_equal(d, "【要注意】 請求書");
    free(d);
    free(s);
    s = eg_subject_tagged("【要注意】", NULL);
    d = decoded(s);
    assert_string_equal(d, "【要注意】");
    free(d);
    free(s);
    /* a long tag: several words, none over 75 characters, no character split between words */
    char tag[201] = "";
    for (int i = 0; i < 22; i++)
        strcat(tag, "注意"); /* 132 bytes */
    strcat(tag, "x");
    s = eg_subject_tagged(tag, "hello");
    int words = 0;
    for (char *w = strstr(s, "=?UTF-8?B?"); w; w = strstr(w, "=?UTF-8?B?")) {
        char *e = strstr(w + 10, "?=");
        assert_non_null(e);
        assert_true(e + 2 - w <= 75);
        words++;
        w = e + 2;
    }
    assert_true(words >= 3);
    d = decoded(s);
    char want[260];
    snprintf(want, sizeof want, "%s hello", tag);
    assert_string_equal(d, want);
    free(d);
    free(s);
}

static eg_report *scan(const char *mail)
{
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    assert_non_null(r);
    return r;
}

static void test_allowlists_cap_action_keep_verdict(void **unused)
{
    static const char mail[] =
        "From: <x@partner.example>\r\nTo: <a@corp.example>\r\nSubject: hi\r\n\r\nhello\r\n";
    eg_report *r = scan(mail);
    eg_milter_config c;
    conf(&c, "action_clean = reject\nallow_senders = partner.example\nallow_action = accept\n");
    const char *rc[] = {"<a@corp.example>", "<b@corp.example>"};
    eg_milter_msg m = {"Q", "<x@Partner.Example>", NULL, rc, 2, "198.51.100.1", NULL};
    eg_milter_decision d;
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_ACCEPT);
    assert_string_equal(d.allowlist, "allow_senders=partner.example");
    assert_int_equal(d.verdict, EG_VERDICT_CLEAN); /* untouched by the allowlist */
    m.from = "<x@other.example>";
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_REJECT);
    assert_string_equal(d.allowlist, "");
    eg_milter_config_free(&c);
    /* recipients: only when every recipient is on the list */
    conf(&c, "action_clean = reject\nallow_recipients = abuse@corp.example\n");
    const char *one[] = {"<Abuse@corp.example>"};
    m.rcpts = one;
    m.n_rcpts = 1;
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_TAG); /* the default allow_action */
    const char *two[] = {"<abuse@corp.example>", "<ceo@corp.example>"};
    m.rcpts = two;
    m.n_rcpts = 2;
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_REJECT);
    eg_milter_config_free(&c);
    /* networks and SMTP AUTH logins; a milder action stays as it was */
    conf(&c, "action_clean = reject\nallow_networks = 192.0.2.0/24, "
             "2001:db8::/32\nallow_auth_users = robot\n"
             "allow_action = hold\n");
    m.client_addr = "192.0.2.77";
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_HOLD);
    assert_string_equal(d.allowlist, "allow_networks=192.0.2.0/24");
    m.client_addr = "2001:db8::9";
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_string_equal(d.allowlist, "allow_networks=2001:db8::/32");
    m.client_addr = "203.0.113.1";
    m.auth_user = "ROBOT";
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_HOLD);
    assert_string_equal(d.allowlist, "allow_auth_users=ROBOT");
    m.auth_user = NULL;
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_REJECT);
    eg_milter_config_free(&c);
    conf(&c, "action_clean = accept\nallow_networks = 203.0.113.0/24\nallow_action = hold\n");
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_int_equal(d.action, EG_ACT_ACCEPT); /* an allowlist never raises */
    eg_milter_config_free(&c);
    eg_report_free(r);
}

static void test_recipient_overrides(void **unused)
{
    eg_milter_config c;
    conf(&c, "action_suspicious = tag\n[domain corp.example]\naction_suspicious = hold\n"
             "[recipient <ciso@corp.example>]\naction_suspicious = accept\n"
             "[recipient lab@corp.example]\naction_malicious = hold\n");
    const char *ciso[] = {"<CISO@corp.example>"}, *other[] = {"<taro@corp.example>"},
               *lab[] = {"<lab@corp.example>"},
               *both[] = {"<ciso@corp.example>", "<taro@corp.example>"};
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, ciso, 1), EG_ACT_ACCEPT);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, other, 1), EG_ACT_HOLD);
    /* a recipient section that does not set this verdict falls back to the domain's */
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, lab, 1), EG_ACT_HOLD);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, lab, 1), EG_ACT_HOLD);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, other, 1), EG_ACT_REJECT);
    /* several recipients: the most drastic */
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, both, 2), EG_ACT_HOLD);
    eg_milter_config_free(&c);
}

static void test_spoof_from_outside(void **unused)
{
    static const char mail[] =
        "From: \"Sato\" <sato@corp.example>\r\nTo: <a@corp.example>\r\nSubject: hi\r\n"
        "Message-ID: <1@corp.example>\r\n\r\nhello\r\n";
    eg_milter_config c;
    conf(&c, "own_domains = corp.example\nlocal_networks = 10.0.0.0/8\n");
    const char *rc[] = {"<a@corp.example>"};
    eg_milter_msg m = {"Q", "<bounce@mailer.example>", NULL, rc, 1, "203.0.113.50", NULL};
    /* From header in an own domain, from an outside client */
    eg_report *r = scan(mail);
    assert_true(eg_milter_spoof_check(&c, r, &m));
    assert_true(eg_report_has_rule(r, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_milter_decision d;
    eg_milter_decide(&c, NULL, r, &m, &d);
    assert_false(d.outbound);
    assert_non_null(strstr(d.reasons, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
    eg_report_free(r);
    /* the envelope sender alone is enough too */
    static const char other[] =
        "From: <x@ext.example>\r\nTo: <a@corp.example>\r\nSubject: hi\r\n\r\nhello\r\n";
    r = scan(other);
    m.from = "<sato@CORP.example>";
    assert_true(eg_milter_spoof_check(&c, r, &m));
    eg_report_free(r);
    /* from a local network, authenticated or from a submission listener: no finding */
    r = scan(mail);
    m.client_addr = "10.0.0.8";
    assert_false(eg_milter_spoof_check(&c, r, &m));
    m.client_addr = "203.0.113.50";
    m.auth_user = "sato";
    assert_false(eg_milter_spoof_check(&c, r, &m));
    assert_false(eg_report_has_rule(r, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
    eg_report_free(r);
    eg_milter_config_free(&c);
    /* without own_domains nothing is known to be spoofed */
    conf(&c, "");
    m.auth_user = NULL;
    r = scan(mail);
    assert_false(eg_milter_spoof_check(&c, r, &m));
    eg_report_free(r);
    eg_milter_config_free(&c);
}

static char *ppap_mail(const char *pw)
{
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {0};
    o.name = "見積書.txt";
    o.method = 8;
    o.aes = pw;
    const char *txt = "quotation: 3 items, total 120,000 JPY\n";
    eg_zw_add(w, &o, txt, strlen(txt));
    size_t zl = 0;
    uint8_t *z = eg_zw_finish(w, &zl);
    char *b = eg_mb_base64(z, zl, true);
    free(z);
    size_t n = strlen(b) + 1024;
    char *m = malloc(n);
    snprintf(m, n,
             "From: <a@ext.example>\r\nTo: <b@corp.example>\r\nSubject: quote (password %s)\r\n"
             "Message-ID: <p1@ext.example>\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n\r\nThe quotation is attached. Password: "
             "%s\r\n--b\r\n"
             "Content-Type: application/zip; name=\"quote.zip\"\r\nContent-Transfer-Encoding: "
             "base64\r\n\r\n"
             "%s\r\n--b--\r\n",
             pw, pw, b);
    free(b);
    return m;
}

/* A PPAP mail: encrypted ZIP, password in the body. After redaction no byte of the password is
 * left in the JSON the milter logs. */
static void test_redact_passwords(void **unused)
{
    const char *pw = "Xq7Rk29pLm";
    char *m = ppap_mail(pw);
    eg_report *r = scan(m);
    free(m);
    char *j = eg_report_json(r, EG_LANG_EN);
    assert_non_null(strstr(j, pw)); /* the report knows it ... */
    free(j);
    eg_milter_redact_passwords(r);
    j = eg_report_json(r, EG_LANG_EN);
    if (strstr(j, pw))
        fail_msg("password left in %s", j);
    assert_non_null(strstr(j, "(redacted)"));
    free(j);
    eg_report_free(r);
    eg_milter_redact_passwords(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr_ipv4),
        cmocka_unit_test(test_cidr_ipv6),
        cmocka_unit_test(test_cidr_bad_input),
        cmocka_unit_test(test_addr_entries),
        cmocka_unit_test(test_subject_tag_rfc2047),
        cmocka_unit_test(test_allowlists_cap_action_keep_verdict),
        cmocka_unit_test(test_recipient_overrides),
        cmocka_unit_test(test_spoof_from_outside),
        cmocka_unit_test(test_redact_passwords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
