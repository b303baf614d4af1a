/*
 * deploy/postfix-setup.sh against scratch Postfix configuration directories (postconf -c): emoguard
 * is added to smtpd_milters and non_smtpd_milters without losing the milters already there,
 * before OpenDKIM and after the others, once only, with nothing else changed; "{ }" groups are
 * left to the administrator; -r takes emoguard out again and leaves the other milters. Needs
 * postconf (Postfix); skipped without it.
 */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int setup(void **unused)
{
    (void)unused;
    dir = eg_test_tmpdir("postfix-setup");
    return dir ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_test_rmrf(dir);
    free(dir);
    return 0;
}

/* Writes main.cf (and an empty master.cf) and runs the script with args; returns its exit code. */
static int setup_run(const char *main_cf, const char *args, char **out)
{
    char path[700], cmd[2048];
    snprintf(path, sizeof path, "%s/main.cf", dir);
    assert_int_equal(eg_test_write_file(path, main_cf, strlen(main_cf)), 0);
    snprintf(path, sizeof path, "%s/master.cf", dir);
    assert_int_equal(eg_test_write_file(path, "", 0), 0);
    snprintf(cmd, sizeof cmd, "sh %s/deploy/postfix-setup.sh -c %s %s 2>&1", EG_SOURCE_DIR, dir,
             args);
    return eg_test_run(cmd, out, NULL);
}

static char *param(const char *name)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "postconf -c %s -h %s 2>/dev/null", dir, name);
    char *out = NULL;
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_non_null(out);
    out[strcspn(out, "\n")] = 0;
    return out;
}

static void expect(const char *name, const char *value)
{
    char *v = param(name);
    if (strcmp(v, value))
        fprintf(stderr, "%s = '%s', expected '%s'\n", name, v, value);
    assert_string_equal(v, value);
    free(v);
}

static void keeps_existing_milters(void **unused)
{
    (void)unused;
    if (!eg_test_have("postconf"))
        skip();
    char *out = NULL;
    assert_int_equal(
        setup_run("smtpd_milters = inet:localhost:11332, local:/run/opendkim/opendkim.sock\n"
                  "non_smtpd_milters = inet:localhost:11332\nmessage_size_limit = 10240000\n",
                  "", &out),
        0);
    free(out);
    /* after rspamd, before OpenDKIM (which signs the final message) */
    expect("smtpd_milters",
           "inet:localhost:11332, unix:/emoguard/milter.sock, local:/run/opendkim/opendkim.sock");
    expect("non_smtpd_milters", "inet:localhost:11332, unix:/emoguard/milter.sock");
    expect("message_size_limit", "10240000"); /* untouched */
    /* a second run changes nothing */
    char path[700];
    snprintf(path, sizeof path, "%s/main.cf", dir);
    uint8_t *before = eg_test_read_file(path, NULL);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sh %s/deploy/postfix-setup.sh -c %s 2>&1", EG_SOURCE_DIR, dir);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_non_null(strstr(out, "already there"));
    free(out);
    uint8_t *after = eg_test_read_file(path, NULL);
    assert_string_equal((char *)before, (char *)after);
    free(before);
    free(after);
}

static void empty_and_following(void **unused)
{
    (void)unused;
    if (!eg_test_have("postconf"))
        skip();
    char *out = NULL;
    assert_int_equal(
        setup_run("non_smtpd_milters = $smtpd_milters\nmilter_default_action = accept\n",
                  "inet:127.0.0.1:8899", &out),
        0);
    assert_non_null(strstr(out, "milter_default_action = accept")); /* advice, no change */
    free(out);
    expect("smtpd_milters", "inet:127.0.0.1:8899");
    expect("non_smtpd_milters", "$smtpd_milters");
    expect("milter_default_action", "accept");
}

static void dry_run_and_refusals(void **unused)
{
    (void)unused;
    if (!eg_test_have("postconf"))
        skip();
    char *out = NULL;
    assert_int_equal(setup_run("smtpd_milters = inet:localhost:11332\n", "-n", &out), 0);
    assert_non_null(strstr(out, "inet:localhost:11332, unix:/emoguard/milter.sock"));
    free(out);
    expect("smtpd_milters", "inet:localhost:11332"); /* -n changed nothing */
    assert_int_equal(
        setup_run("smtpd_milters = { inet:localhost:11332, default_action = accept }\n", "", &out),
        2);
    assert_non_null(strstr(out, "by hand"));
    free(out);
    expect("smtpd_milters", "{ inet:localhost:11332, default_action = accept }");
    assert_int_equal(setup_run("", "bogus", &out), 3);
    free(out);
}

static void remove_keeps_the_others(void **unused)
{
    (void)unused;
    if (!eg_test_have("postconf"))
        skip();
    char *out = NULL;
    assert_int_equal(
        setup_run("smtpd_milters = inet:localhost:11332, unix:/emoguard/milter.sock, "
                  "local:/run/opendkim/opendkim.sock\n"
                  "non_smtpd_milters = unix:/emoguard/milter.sock\nmessage_size_limit = 10240000\n",
                  "-r -n", &out),
        0);
    free(out);
    expect("non_smtpd_milters", "unix:/emoguard/milter.sock"); /* -n changed nothing */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sh %s/deploy/postfix-setup.sh -c %s -r 2>&1", EG_SOURCE_DIR, dir);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    free(out);
    expect("smtpd_milters", "inet:localhost:11332, local:/run/opendkim/opendkim.sock");
    expect("non_smtpd_milters", "");
    expect("message_size_limit", "10240000");
    /* again: nothing to take out */
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_non_null(strstr(out, "is not there"));
    free(out);
    expect("smtpd_milters", "inet:localhost:11332, local:/run/opendkim/opendkim.sock");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_existing_milters),
        cmocka_unit_test(empty_and_following),
        cmocka_unit_test(dry_run_and_refusals),
        cmocka_unit_test(remove_keeps_the_others),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
