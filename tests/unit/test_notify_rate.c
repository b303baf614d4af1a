/* The notice rate limiter, the notice marker (HMAC, age, forgery, header search, key file) and the
 * child runner (input on stdin, exit status, timeout, bounded queue). */
#include "notify/notify.h"
#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static void test_rate_window(void **unused)
{
    eg_notify_rate *r = NULL;
    assert_int_equal(eg_notify_rate_new(16, &r), EG_OK);
    time_t t = 1000;
    assert_true(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k", 60, t));
    assert_false(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k", 60, t + 59));
    assert_true(eg_notify_rate_allow(r, EG_NOTIFY_INFECTED, "k", 60, t + 1)); /* per kind */
    assert_true(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k2", 60, t + 1));    /* per key */
    assert_true(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k", 60, t + 60));    /* window over */
    assert_false(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k", 60, t + 61));
    assert_true(eg_notify_rate_allow(r, EG_NOTIFY_HELD, "k", 0, t + 61)); /* 0: no limit */
    eg_notify_rate_free(r);
}

/* A flood of distinct keys fills the table; memory stays the same and the oldest gives way. */
static void test_rate_bounded(void **unused)
{
    eg_notify_rate *r = NULL;
    assert_int_equal(eg_notify_rate_new(4, &r), EG_OK);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        assert_true(eg_notify_rate_allow(r, EG_NOTIFY_HELD, k, 3600, 5000 + i));
    }
    /* the last four are still limited */
    for (int i = 996; i < 1000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        assert_false(eg_notify_rate_allow(r, EG_NOTIFY_HELD, k, 3600, 6000));
    }
    eg_notify_rate_free(r);
    assert_int_equal(eg_notify_rate_new(0, &r), EG_EINVAL);
}

static void test_marker(void **unused)
{
    uint8_t key[EG_NOTIFY_KEY_LEN], other[EG_NOTIFY_KEY_LEN];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    char m[200];
    eg_notify_marker_make(key, 100000, m, sizeof m);
    assert_true(eg_notify_marker_check(key, m, 100000, 3600));
    assert_true(eg_notify_marker_check(key, m, 103600, 3600));
    assert_false(eg_notify_marker_check(key, m, 103601, 3600)); /* too old */
    assert_false(eg_notify_marker_check(key, m, 99000, 3600));  /* from the future */
    assert_false(eg_notify_marker_check(other, m, 100000, 3600));
    char bad[220];
    snprintf(bad, sizeof bad, "%s", m);
    bad[strlen(bad) - 1] ^= 1; /* one hex digit of the MAC */
    assert_false(eg_notify_marker_check(key, bad, 100000, 3600));
    snprintf(bad, sizeof bad, "%s x", m);
    assert_false(eg_notify_marker_check(key, bad, 100000, 3600));
    /* the time is under the MAC: a marker re-dated is refused */
    char *sp = strchr(m + 3, ' ');
    snprintf(bad, sizeof bad, "v1 100500%s", sp);
    assert_false(eg_notify_marker_check(key, bad, 100500, 3600));
    assert_false(eg_notify_marker_check(key, "", 100000, 3600));
    assert_false(eg_notify_marker_check(key, "v1", 100000, 3600));

    char msg[600];
    snprintf(msg, sizeof msg, "From: a@b\r\nx-emoguard-notice:%s\r\nSubject: s\r\n\r\nbody\r\n", m);
    assert_true(eg_notify_is_notice(key, (const uint8_t *)msg, strlen(msg), 100000, 3600));
    /* in the body it does not count */
    snprintf(msg, sizeof msg, "From: a@b\r\n\r\nX-Emoguard-Notice: %s\r\n", m);
    assert_false(eg_notify_is_notice(key, (const uint8_t *)msg, strlen(msg), 100000, 3600));
    assert_false(eg_notify_is_notice(key, (const uint8_t *)"", 0, 100000, 3600));
}

static void test_key_file(void **unused)
{
    char *d = eg_test_tmpdir("notify-key");
    char sd[600], kp[700];
    snprintf(sd, sizeof sd, "%s/state", d);
    uint8_t k1[EG_NOTIFY_KEY_LEN], k2[EG_NOTIFY_KEY_LEN];
    assert_int_equal(eg_notify_key_load(sd, k1), EG_ENOTFOUND); /* state_dir is not made here */
    struct stat sd_sb;
    assert_int_not_equal(stat(sd, &sd_sb), 0);
    assert_int_equal(mkdir(sd, 0700), 0);
    assert_int_equal(eg_notify_key_load(sd, k1), EG_OK);
    assert_int_equal(eg_notify_key_load(sd, k2), EG_OK);
    assert_memory_equal(k1, k2, sizeof k1);
    snprintf(kp, sizeof kp, "%s/notify.key", sd);
    struct stat sb;
    assert_int_equal(stat(kp, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, EG_NOTIFY_KEY_LEN);
    eg_test_write_file(kp, "short", 5);
    assert_int_equal(eg_notify_key_load(sd, k2), EG_EFORMAT);
    assert_int_equal(eg_notify_key_load("", k2), EG_EINVAL);
    eg_test_rmrf(d);
    free(d);
}

static void test_run(void **unused)
{
    char *d = eg_test_tmpdir("notify-run");
    char out[600], cmd[800];
    snprintf(out, sizeof out, "%s/out", d);
    snprintf(cmd, sizeof cmd, "cat > '%s'", out);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    assert_int_equal(eg_notify_run(argv, "hello\n", 6, 5000), 0);
    size_t n = 0;
    char *got = (char *)eg_test_read_file(out, &n);
    assert_int_equal(n, 6);
    assert_memory_equal(got, "hello\n", 6);
    free(got);
    char *fail[] = {"/bin/sh", "-c", "exit 3", NULL};
    assert_int_equal(eg_notify_run(fail, "", 0, 5000), 3);
    char *none[] = {"/nonexistent/prog", NULL};
    assert_int_equal(eg_notify_run(none, "x", 1, 5000), 127);
    /* a hook that hangs (and starts a child of its own) is killed with its group */
    char *hang[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(eg_notify_run(hang, "", 0, 300), -2);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true(b.tv_sec - a.tv_sec < 5);
    /* a child that does not read a large input does not block the writer past the timeout */
    size_t big = 4u << 20;
    char *in = calloc(1, big);
    char *noread[] = {"/bin/sh", "-c", "sleep 30", NULL};
    assert_int_equal(eg_notify_run(noread, in, big, 300), -2);
    free(in);
    eg_test_rmrf(d);
    free(d);
}

static void test_runner_queue(void **unused)
{
    char *d = eg_test_tmpdir("notify-runner");
    char cmd[800];
    snprintf(cmd, sizeof cmd, "cat >> '%s/out'", d);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    eg_notify_runner *r = NULL;
    assert_int_equal(eg_notify_runner_new(2, 3, &r), EG_OK);
    char *slow[] = {"/bin/sh", "-c", "sleep 1", NULL};
    /* two workers busy, three waiting: the sixth is refused at once */
    assert_true(eg_notify_runner_submit(r, "slow", slow, "", 0, 5000));
    assert_true(eg_notify_runner_submit(r, "slow", slow, "", 0, 5000));
    usleep(300000); /* both workers have taken one */
    for (int i = 0; i < 3; i++)
        assert_true(eg_notify_runner_submit(r, "slow", slow, "", 0, 5000));
    assert_false(eg_notify_runner_submit(r, "line", argv, "x\n", 2, 5000));
    eg_notify_runner_free(r); /* finishes what was queued */
    assert_int_equal(eg_notify_runner_new(0, 3, &r), EG_EINVAL);
    assert_int_equal(eg_notify_runner_new(1, 8, &r), EG_OK);
    assert_true(eg_notify_runner_submit(r, "line", argv, "y\n", 2, 5000));
    assert_true(eg_notify_runner_submit(r, "line", argv, "y\n", 2, 5000));
    eg_notify_runner_free(r);
    char p[700];
    snprintf(p, sizeof p, "%s/out", d);
    size_t n = 0;
    char *got = (char *)eg_test_read_file(p, &n);
    assert_non_null(got);
    assert_non_null(strstr(got, "y\ny\n"));
    free(got);
    eg_test_rmrf(d);
    free(d);
}

/* A stop sends what is queued within its wait, then drops the rest and says how many. */
static void test_runner_stop(void **unused)
{
    (void)unused;
    char *d = eg_test_tmpdir("notify-stop");
    char cmd[800];
    snprintf(cmd, sizeof cmd, "sleep 0.2; cat >> '%s/out'", d);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    eg_notify_runner *r = NULL;
    /* two quick jobs queued just before the stop are sent, not lost */
    assert_int_equal(eg_notify_runner_new(1, 8, &r), EG_OK);
    assert_true(eg_notify_runner_submit(r, "line", argv, "a\n", 2, 5000));
    assert_true(eg_notify_runner_submit(r, "line", argv, "b\n", 2, 5000));
    assert_int_equal(eg_notify_runner_stop(r, 5000), 0);
    assert_false(eg_notify_runner_submit(r, "line", argv, "c\n", 2, 5000)); /* stopped */
    eg_notify_runner_free(r);
    char p[700];
    snprintf(p, sizeof p, "%s/out", d);
    size_t n = 0;
    char *got = (char *)eg_test_read_file(p, &n);
    assert_non_null(got);
    assert_int_equal(n, 4);
    free(got);
    /* six one-second jobs on one worker and a 300 ms wait: the running one finishes, the
     * queued ones are dropped and counted, and the stop does not wait for them */
    char *slow[] = {"/bin/sh", "-c", "sleep 1", NULL};
    assert_int_equal(eg_notify_runner_new(1, 8, &r), EG_OK);
    for (int i = 0; i < 6; i++)
        assert_true(eg_notify_runner_submit(r, "slow", slow, "", 0, 5000));
    usleep(100000); /* the worker has taken the first */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long dropped = eg_notify_runner_stop(r, 300);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    eg_notify_runner_free(r);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(dropped >= 4 && dropped <= 5);
    assert_true(s < 3.0); /* one running job (1 s), not six */
    eg_test_rmrf(d);
    free(d);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the milter does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_window), cmocka_unit_test(test_rate_bounded),
        cmocka_unit_test(test_marker),      cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_run),         cmocka_unit_test(test_runner_queue),
        cmocka_unit_test(test_runner_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
