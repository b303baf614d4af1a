/*
 * End to end: two gateways that share Redis send one notice per event, not one each. A private
 * Postfix on loopback with two smtpd listeners, each in front of its own emoguard milter (two
 * processes, two state directories, two hooks), both with `redis` pointing at one private
 * redis-server. The same held event (same sender, same rules) through the first gateway and then
 * the second gives one hook call in all, and the second milter logs the notice as suppressed; a
 * new sender afterwards is notified again (the shared count is per key). With Redis stopped, each
 * gateway counts for itself again: the second gateway notifies for a third sender the first one
 * already notified. Needs root (Postfix) and redis-server; skipped otherwise.
 */
#include "milter_harness.h"
#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char *dir;
static eg_mh_postfix pf;
static pid_t redis;
static int redis_port;
static char conf[2][600], mlog[2][600], hook[2][600];
static bool ready;

static bool write_conf(int i, int milter_port)
{
    char state[600], c[4096], ioc[700];
    snprintf(conf[i], sizeof conf[i], "%s/gw%d.conf", dir, i);
    snprintf(mlog[i], sizeof mlog[i], "%s/gw%d.log", dir, i);
    snprintf(hook[i], sizeof hook[i], "%s/hook%d.jsonl", dir, i);
    snprintf(state, sizeof state, "%s/state%d", dir, i);
    snprintf(ioc, sizeof ioc, "%s/ioc.txt", dir);
    mkdir(state, 0700);
    int n = snprintf(c, sizeof c,
                     "socket = inet:%d@127.0.0.1\nlog = stderr\nlog_level = info\n"
                     "ioc_file = %s\naction_suspicious = hold\nstate_dir = %s\n"
                     "redis = 127.0.0.1:%d\nredis_retry = 1\n"
                     "notify_command = \"cat >> %s\"\nnotify_events = held\n"
                     "notify_rate = 3600\nnotify_timeout_ms = 20000\n",
                     milter_port, ioc, state, redis_port, hook[i]);
    return n > 0 && (size_t)n < sizeof c && eg_test_write_file(conf[i], c, (size_t)n) == 0;
}

static int setup(void **unused)
{
    (void)unused;
    if (geteuid() != 0)
        return 0;
    dir = eg_test_tmpdir("milter-notify-shared");
    if (!dir)
        return -1;
    chmod(dir, 0755);
    const char *ioc = "http://bad.eg-test.invalid/payload.php\n";
    char p[700];
    snprintf(p, sizeof p, "%s/ioc.txt", dir);
    eg_test_write_file(p, ioc, strlen(ioc));
    redis_port = eg_mh_free_port();
    redis = eg_mh_redis_start(dir, redis_port);
    if (redis <= 0) {
        fprintf(stderr, "cannot start redis-server\n");
        return 0;
    }
    snprintf(pf.dir, sizeof pf.dir, "%s/postfix", dir);
    mkdir(pf.dir, 0755);
    pf.smtp1 = eg_mh_free_port();
    pf.smtp2 = eg_mh_free_port();
    pf.relay = eg_mh_free_port();
    pf.milter1 = eg_mh_free_port();
    pf.milter2 = eg_mh_free_port();
    if (!write_conf(0, pf.milter1) || !write_conf(1, pf.milter2))
        return -1;
    if (eg_mh_milter_start(conf[0], mlog[0], pf.milter1) <= 0 ||
        eg_mh_milter_start(conf[1], mlog[1], pf.milter2) <= 0) {
        fprintf(stderr, "cannot start the milters (%s)\n", EG_BINARY);
        return 0;
    }
    if (!eg_mh_postfix_start(&pf)) {
        fprintf(stderr, "cannot start Postfix in %s\n", pf.dir);
        return 0;
    }
    ready = true;
    return 0;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_mh_cleanup_all();
    if (dir && !getenv("EG_KEEP_TMP"))
        eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void need(void)
{
    if (geteuid() != 0)
        skip();
    if (!ready) {
        eg_mh_dump_logs(mlog[0], mlog[1], &pf);
        fail_msg("the test environment (Redis, Postfix, two milters) did not start");
    }
}

/* A mail with a URL from the IOC feed (suspicious: held) from sender through gateway gw. */
static void send_held(int gw, const char *sender)
{
    char tok[64], m[2048], reply[2048];
    eg_mh_token(tok, sizeof tok, "shared");
    snprintf(m, sizeof m,
             "From: <%s>\r\nTo: <user@test.example>\r\nSubject: %s\r\n"
             "Message-ID: <%s@ext.example>\r\n\r\n"
             "Please check the invoice at http://bad.eg-test.invalid/payload.php today.\r\n",
             sender, tok, tok);
    const char *r[1] = {"user@test.example"};
    int code = eg_smtp_send(gw ? pf.smtp2 : pf.smtp1, sender, r, 1, m, reply, sizeof reply);
    if (code != 250)
        fprintf(stderr, "reply: %s\n", reply);
    assert_int_equal(code, 250);
}

static void test_one_notice_for_two_gateways(void **unused)
{
    (void)unused;
    need();
    send_held(0, "mallory@ext.example");
    assert_true(eg_test_wait_in_file(hook[0], "\"event\":\"held\"", 1, 20000));
    send_held(1, "mallory@ext.example");
    assert_true(eg_test_wait_in_file(mlog[1], "held notice suppressed", 1, 20000));
    sleep(2); /* a notice the second gateway wrongly queued would be in its hook by now */
    assert_int_equal(eg_test_count_in_file(hook[0], "\"event\":\"held\""), 1);
    assert_int_equal(eg_test_count_in_file(hook[1], "\"event\":\"held\""), 0);
    /* another sender is another key: notified (here through the second gateway) */
    send_held(1, "trudy@other.example");
    assert_true(eg_test_wait_in_file(hook[1], "trudy@other.example", 1, 20000));
    assert_int_equal(eg_test_count_in_file(hook[0], "trudy@other.example"), 0);
}

static void test_each_counts_without_redis(void **unused)
{
    (void)unused;
    need();
    send_held(0, "oscar@third.example");
    assert_true(eg_test_wait_in_file(hook[0], "oscar@third.example", 1, 20000));
    assert_true(eg_mh_stop(redis, SIGTERM) >= 0);
    redis = 0;
    /* the same event at the other gateway: Redis is gone, so its own table decides */
    send_held(1, "oscar@third.example");
    assert_true(eg_test_wait_in_file(hook[1], "oscar@third.example", 1, 20000));
    assert_true(eg_test_count_in_file(mlog[1], "using in-memory state") >= 1 ||
                eg_test_count_in_file(mlog[1], "redis") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_notice_for_two_gateways),
        cmocka_unit_test(test_each_counts_without_redis),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
