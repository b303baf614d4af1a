/* The milter configuration parser: defaults, every value type, [domain] overrides, quoting and
 * comments, error messages with line numbers, limits, and the example file shipped in examples/. */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static eg_status parse(eg_milter_config *c, const char *text, char *err, size_t errlen)
{
    eg_milter_config_init(c);
    return eg_milter_config_parse(c, text, strlen(text), err, errlen);
}

static void test_defaults(void **unused)
{
    eg_milter_config c;
    char err[256];
    assert_int_equal(parse(&c, "", err, sizeof err), EG_OK);
    assert_string_equal(c.socket, "inet:8891@127.0.0.1");
    assert_int_equal(c.action[EG_VERDICT_CLEAN], EG_ACT_ACCEPT);
    assert_int_equal(c.action[EG_VERDICT_SUSPICIOUS], EG_ACT_TAG);
    assert_int_equal(c.action[EG_VERDICT_MALICIOUS], EG_ACT_REJECT);
    assert_int_equal(c.on_error, EG_ACT_TEMPFAIL); /* fail-safe by default */
    assert_int_equal(c.on_oversize, EG_ACT_TEMPFAIL);
    assert_int_equal(c.on_timeout, EG_ACT_TEMPFAIL);
    assert_int_equal(c.scan_timeout_ms, 10000); /* the gateway's CPU budget, under the CLI's 30 s */
    assert_true(c.add_headers);
    assert_null(c.redis_host);
    assert_null(c.stats_listen);
    assert_int_equal(c.prefix_macro.n, 2);
    assert_string_equal(c.prefix_macro.v[0], "VBA.");
    assert_string_equal(c.prefix_encrypted.v[0], "ZIP.ENCRYPTED");
    eg_milter_config_free(&c);
}

static void test_values(void **unused)
{
    eg_milter_config c;
    char err[256];
    const char *text = "# comment\n"
                       "socket = unix:/run/emoguard/milter.sock\r\n"
                       "  action_malicious = HOLD   # trailing comment\n"
                       "action_suspicious=accept\n"
                       "max_message_size = 25M\n"
                       "add_headers = no\n"
                       "own_domains = example.co.jp, example.com\n"
                       "own_domains = example.net\n"
                       "subject_tag = \"[要注意]\"\n"
                       "reject_text_ja = \"#で始まらない \\\"引用\\\" 文\"\n"
                       "outbound_rules_macro = VBA.AUTO XLM.\n"
                       "redis = 127.0.0.1:6380\n"
                       "campaign_threshold = 5\n"
                       "stats_listen = 127.0.0.1:9795\n";
    /* a Japanese subject tag is UTF-8 text; the milter sends it RFC 2047 encoded */
    assert_int_equal(parse(&c, text, err, sizeof err), EG_OK);
    assert_string_equal(c.subject_tag, "[要注意]");
    eg_milter_config_free(&c);
    char *ok = strdup(text);
    char *tag = strstr(ok, "[要注意]");
    memcpy(tag, "[WARN]", 6);
    memmove(tag + 6, tag + strlen("[要注意]"), strlen(tag + strlen("[要注意]")) + 1);
    assert_int_equal(parse(&c, ok, err, sizeof err), EG_OK);
    free(ok);
    assert_string_equal(c.socket, "unix:/run/emoguard/milter.sock");
    assert_int_equal(c.action[EG_VERDICT_MALICIOUS], EG_ACT_HOLD);
    assert_int_equal(c.action[EG_VERDICT_SUSPICIOUS], EG_ACT_ACCEPT);
    assert_int_equal(c.max_message_size, 25u * 1024 * 1024);
    assert_false(c.add_headers);
    assert_int_equal(c.own_domains.n, 3);
    assert_string_equal(c.own_domains.v[2], "example.net");
    assert_string_equal(c.subject_tag, "[WARN]");
    assert_string_equal(c.reject_text_ja, "#で始まらない \"引用\" 文");
    assert_int_equal(c.prefix_macro.n, 2); /* replaced, not appended */
    assert_string_equal(c.prefix_macro.v[0], "VBA.AUTO");
    assert_string_equal(c.redis_host, "127.0.0.1:6380");
    assert_int_equal(c.campaign_threshold, 5);
    assert_string_equal(c.stats_listen, "127.0.0.1:9795");
    eg_milter_config_free(&c);
}

static void test_errors_name_the_line(void **unused)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"a = 1\n", "line 1: unknown key 'a'"},
        {"\n\naction_clean = maybe\n", "line 3: action_clean"},
        {"max_scans = 0\n", "line 1: max_scans"},
        {"max_scans = 12abc\n", "line 1"},
        {"timeout = 99999999999999999999999\n", "line 1"},
        {"add_headers = perhaps\n", "yes or no"},
        {"socket\n", "expected 'key = value'"},
        {"[domain ]\n", "bad domain"},
        {"[zone x]\n", "only [domain NAME]"},
        {"[domain a.example]\nsocket = x\n", "line 2"},
        {"[domain a.example]\n[domain A.example]\n", "twice"},
        {"subject_tag = \"abc\n", "unterminated"},
        {"max_message_size = 5X\n", "max_message_size"},
        {"suspicious_score = 90\nmalicious_score = 80\n", "suspicious_score must be below"},
        {"log = file\n", "log must be"},
        {"socket =\n", "socket must not be empty"},
        {"subject_tag = \"a\" b\n", "after the closing quote"},
        {"outbound_own_domains = yes\n", "local_networks, submission_daemons"},
        {"local_networks = 10.0.0.0/8, 10.0.0.1/8\n",
         "'10.0.0.1/8' is not an IPv4 or IPv6 network"},
        {"local_networks = 192.168.1.0/33\n", "not an IPv4 or IPv6 network"},
        {"allow_networks = 2001:db8::/129\n", "allow_networks"},
        {"allow_networks = example.jp\n", "allow_networks"},
        {"[recipient example.jp]\n", "bad address"},
        {"[recipient a@b@c]\n", "bad address"},
        {"[recipient a@b.example]\n[recipient A@B.example]\n", "twice"},
        {"[recipient a@b.example]\nallow_action = accept\n", "only action_"},
        {"subject_tag = \"\xe3\x80\"\n", "UTF-8"},
        {"allow_action = maybe\n", "allow_action"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eg_milter_config c;
        char err[256];
        assert_int_not_equal(parse(&c, cases[i].text, err, sizeof err), EG_OK);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].want);
        eg_milter_config_free(&c);
    }
}

static void test_limits(void **unused)
{
    eg_milter_config c;
    char err[256];
    char *line = malloc(EG_MCONF_MAX_LINE + 64);
    memset(line, 'x', EG_MCONF_MAX_LINE + 10);
    memcpy(line, "socket = ", 9);
    line[EG_MCONF_MAX_LINE + 10] = 0;
    assert_int_equal(parse(&c, line, err, sizeof err), EG_ELIMIT);
    eg_milter_config_free(&c);
    free(line);
    eg_milter_config_init(&c);
    assert_int_equal(eg_milter_config_parse(&c, "socket = a\0b\n", 13, err, sizeof err), EG_EFORMAT);
    assert_non_null(strstr(err, "NUL"));
    eg_milter_config_free(&c);
    eg_buf b;
    eg_buf_init(&b, 0);
    for (int i = 0; i < EG_MCONF_MAX_LIST + 1; i++)
        eg_buf_printf(&b, "own_domains = d%d.example\n", i);
    assert_int_equal(parse(&c, (char *)b.data, err, sizeof err), EG_ELIMIT);
    eg_milter_config_free(&c);
    eg_buf_free(&b);
}

static void test_domain_overrides(void **unused)
{
    eg_milter_config c;
    char err[256];
    const char *text = "action_malicious = reject\naction_suspicious = tag\n"
                       "[domain @Sales.Example.jp]\naction_malicious = hold\n"
                       "[domain lab.example.jp]\naction_suspicious = accept\naction_malicious = discard\n";
    assert_int_equal(parse(&c, text, err, sizeof err), EG_OK);
    assert_int_equal(c.n_domains, 2);
    assert_string_equal(c.domains[0].domain, "sales.example.jp");
    const char *sales[] = {"<a@SALES.example.jp>"};
    const char *lab[] = {"<b@lab.example.jp>"};
    const char *other[] = {"<c@other.example>"};
    const char *mixed[] = {"<a@sales.example.jp>", "<c@other.example>"};
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, sales, 1), EG_ACT_HOLD);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, sales, 1), EG_ACT_TAG); /* not overridden */
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_SUSPICIOUS, lab, 1), EG_ACT_ACCEPT);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, lab, 1), EG_ACT_DISCARD);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, other, 1), EG_ACT_REJECT);
    /* several domains: the most drastic action wins */
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, mixed, 2), EG_ACT_REJECT);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_CLEAN, mixed, 2), EG_ACT_ACCEPT);
    assert_int_equal(eg_milter_config_action(&c, EG_VERDICT_MALICIOUS, NULL, 0), EG_ACT_REJECT);
    eg_milter_config_free(&c);
}

static void test_domain_in(void **unused)
{
    eg_str_list l = {0};
    assert_int_equal(list_parse(&l, "example.co.jp, @corp.example"), EG_OK);
    assert_true(eg_milter_domain_in(&l, "<taro@Example.CO.JP>"));
    assert_true(eg_milter_domain_in(&l, "x@corp.example"));
    assert_false(eg_milter_domain_in(&l, "x@sub.example.co.jp"));
    assert_false(eg_milter_domain_in(&l, "x@example.co.jp.evil"));
    assert_false(eg_milter_domain_in(&l, NULL));
    list_free(&l);
}

static void test_example_file_parses(void **unused)
{
    eg_milter_config c;
    char err[512];
    eg_milter_config_init(&c);
    eg_status st = eg_milter_config_load(&c, EG_SOURCE_DIR "/examples/emoguard.conf", err, sizeof err);
    if (st != EG_OK)
        fail_msg("%s", err);
    assert_int_equal(c.on_error, EG_ACT_TEMPFAIL);
    assert_int_equal(c.scan_timeout_ms, 10000); /* the example shows the default */
    eg_milter_config_free(&c);
    /* the CPU budget per mail: set, and refused out of range with the line number */
    assert_int_equal(parse(&c, "scan_timeout_ms = 2500\n", err, sizeof err), EG_OK);
    assert_int_equal(c.scan_timeout_ms, 2500);
    eg_milter_config_free(&c);
    assert_int_not_equal(parse(&c, "\nscan_timeout_ms = 5\n", err, sizeof err), EG_OK);
    assert_non_null(strstr(err, "line 2"));
    eg_milter_config_free(&c);
    eg_milter_config_init(&c);
    assert_int_equal(eg_milter_config_load(&c, "/nonexistent/emoguard.conf", err, sizeof err), EG_EIO);
    assert_non_null(strstr(err, "/nonexistent/emoguard.conf"));
    eg_milter_config_free(&c);
}

/* socket_mode is octal permission bits; socket_group a name, a number or "none" */
static void test_socket_permissions(void **unused)
{
    eg_milter_config c;
    char err[256];
    assert_int_equal(parse(&c, "", err, sizeof err), EG_OK);
    assert_int_equal(c.socket_mode, 0660);
    assert_null(c.socket_group); /* postfix when that group exists */
    eg_milter_config_free(&c);
    assert_int_equal(parse(&c, "socket_mode = 0640\nsocket_group = mail\n", err, sizeof err), EG_OK);
    assert_int_equal(c.socket_mode, 0640);
    assert_string_equal(c.socket_group, "mail");
    eg_milter_config_free(&c);
    assert_int_equal(parse(&c, "socket_mode = 600\n", err, sizeof err), EG_OK);
    assert_int_equal(c.socket_mode, 0600);
    eg_milter_config_free(&c);
    static const char *const bad[] = {"socket_mode = 0888\n", "socket_mode = 01000\n", "socket_mode = rw\n",
                                      "socket_mode = -1\n", "socket_mode = \n", "socket_mode = 0660x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(&c, bad[i], err, sizeof err), EG_EFORMAT);
        assert_non_null(strstr(err, "socket_mode"));
        eg_milter_config_free(&c);
    }
}

static void test_action_names(void **unused)
{
    eg_milter_action a;
    for (int i = 0; i < EG_ACT__COUNT; i++) {
        assert_int_equal(eg_milter_action_parse(eg_milter_action_str((eg_milter_action)i), &a), EG_OK);
        assert_int_equal(a, i);
    }
    assert_int_equal(eg_milter_action_parse("quarantine", &a), EG_EFORMAT);
    assert_string_equal(eg_milter_action_str((eg_milter_action)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors_name_the_line), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_domain_overrides),  cmocka_unit_test(test_domain_in),
        cmocka_unit_test(test_example_file_parses), cmocka_unit_test(test_action_names),
        cmocka_unit_test(test_socket_permissions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
