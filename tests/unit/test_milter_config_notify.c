/* The configuration keys of held mail and notices: defaults, values, and the checks that keep
 * an option-like or malformed address off sendmail's command line. */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"

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
    assert_string_equal(c.state_dir, "/var/lib/emoguard");
    assert_int_equal(c.notify_to.n, 0);
    assert_string_equal(c.notify_lang, "ja");
    assert_null(c.notify_command);
    assert_int_equal(c.notify_mask, EG_NOTIFY_ALL);
    assert_int_equal(c.notify_rate_s, 3600);
    assert_int_equal(c.notify_max_children, 2);
    eg_milter_config_free(&c);
}

static void test_values(void **unused)
{
    eg_milter_config c;
    char err[256];
    assert_int_equal(
        parse(&c,
              "state_dir = /tmp/x\nnotify_to = a@corp.example, b@corp.example\nnotify_lang = en\n"
              "notify_from = gw@corp.example\nnotify_command = \"cat >> /tmp/h\"\n"
              "notify_sendmail = /usr/sbin/sendmail -C /etc/postfix-out\n"
              "notify_events = held, infected\nnotify_rate = 0\nnotify_timeout_ms = 500\n",
              err, sizeof err),
        EG_OK);
    assert_int_equal(c.notify_to.n, 2);
    assert_string_equal(c.notify_to.v[1], "b@corp.example");
    assert_string_equal(c.notify_command, "cat >> /tmp/h");
    assert_int_equal(c.notify_mask, (1u << EG_NOTIFY_HELD) | (1u << EG_NOTIFY_INFECTED));
    assert_int_equal(c.notify_rate_s, 0);
    eg_milter_config_free(&c);
    assert_int_equal(parse(&c, "notify_events = none\n", err, sizeof err), EG_OK);
    assert_int_equal(c.notify_mask, 0);
    eg_milter_config_free(&c);
}

static void test_bad_values(void **unused)
{
    static const char *const bad[] = {
        "notify_to = -oQ/tmp/x@a\n",
        "notify_to = nobody\n",
        "notify_to = <a@b>\n",
        "notify_from = -f@a\n",
        "notify_from = a b\n",
        "notify_lang = fr\n",
        "notify_events = held, sometimes\n",
        "state_dir = relative/dir\n",
        "notify_rate = -1\n",
        "notify_max_children = 0\n",
        "notify_to = a@b\nnotify_sendmail = sendmail\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eg_milter_config c;
        char err[256] = "";
        assert_int_equal(parse(&c, bad[i], err, sizeof err), EG_EFORMAT);
        assert_true(err[0]);
        eg_milter_config_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
