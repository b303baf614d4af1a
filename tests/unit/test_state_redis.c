/* The Redis correlation store against a real redis-server on a private loopback port: shared
 * counts between two stores, fixed TTL windows, fallback to memory when Redis stops and recovery
 * when it comes back. */
#include "milter_harness.h"
#include "state/state.h"
#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char *dir;
static int port;
static pid_t redis;

static int setup(void **unused)
{
    if (!eg_test_have("redis-server"))
        return 0;
    dir = eg_test_tmpdir("state-redis");
    port = eg_mh_free_port();
    redis = eg_mh_redis_start(dir, port);
    return 0;
}

static int teardown(void **unused)
{
    eg_mh_cleanup_all();
    if (dir)
        eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static eg_state *store(const char *prefix)
{
    eg_state_redis_opts o = {0};
    o.host = "127.0.0.1";
    o.port = port;
    o.prefix = prefix;
    o.retry_s = 1;
    o.timeout_ms = 300;
    eg_state *st = NULL;
    assert_int_equal(eg_state_redis_new(&o, NULL, &st), EG_OK);
    return st;
}

static void need_redis(void)
{
    if (!eg_test_have("redis-server"))
        fail_msg("redis-server is not installed (scripts/debian-packages.txt lists it)");
    assert_true(redis > 0);
}

static void test_shared_between_stores(void **unused)
{
    need_redis();
    eg_state *a = store("t1:"), *b = store("t1:");
    assert_string_equal(eg_state_backend(a), "redis");
    int64_t v = 0;
    uint64_t n = 0;
    assert_int_equal(eg_state_incr(a, "acct", 60, &v), EG_OK);
    assert_int_equal(eg_state_incr(b, "acct", 60, &v), EG_OK);
    assert_int_equal(v, 2);
    assert_int_equal(eg_state_set_add(a, "h", "r1", 60, &n), EG_OK);
    assert_int_equal(eg_state_set_add(b, "h", "r2", 60, &n), EG_OK);
    assert_int_equal(eg_state_set_add(b, "h", "r1", 60, &n), EG_OK);
    assert_int_equal(n, 2);
    eg_state *c = store("other:"); /* the prefix separates deployments */
    assert_int_equal(eg_state_incr(c, "acct", 60, &v), EG_OK);
    assert_int_equal(v, 1);
    eg_state_free(a);
    eg_state_free(b);
    eg_state_free(c);
}

static void test_ttl_window(void **unused)
{
    need_redis();
    eg_state *a = store("t2:");
    int64_t v = 0;
    assert_int_equal(eg_state_incr(a, "k", 1, &v), EG_OK);
    assert_int_equal(eg_state_incr(a, "k", 1, &v), EG_OK);
    assert_int_equal(v, 2);
    usleep(2100 * 1000);
    assert_int_equal(eg_state_incr(a, "k", 1, &v), EG_OK);
    assert_int_equal(v, 1);
    eg_state_free(a);
}

static void test_fallback_and_recovery(void **unused)
{
    need_redis();
    eg_state *a = store("t3:");
    int64_t v = 0;
    assert_int_equal(eg_state_incr(a, "k", 60, &v), EG_OK);
    assert_false(eg_state_degraded(a));
    eg_mh_stop(redis, SIGTERM);
    redis = 0;
    /* Redis is gone: answers come from memory, the store says so */
    assert_int_equal(eg_state_incr(a, "k", 60, &v), EG_OK);
    assert_int_equal(v, 1);
    assert_true(eg_state_degraded(a));
    assert_string_equal(eg_state_backend(a), "memory (redis unavailable)");
    assert_int_equal(eg_state_incr(a, "k", 60, &v), EG_OK);
    assert_int_equal(v, 2);
    redis = eg_mh_redis_start(dir, port);
    assert_true(redis > 0);
    usleep(1200 * 1000); /* retry interval */
    assert_int_equal(eg_state_incr(a, "k", 60, &v), EG_OK);
    assert_false(eg_state_degraded(a));
    assert_int_equal(v, 1); /* a fresh Redis: its own count starts again */
    eg_state_free(a);
}

static void test_unreachable_at_start(void **unused)
{
    eg_state_redis_opts o = {0};
    o.host = "127.0.0.1";
    o.port = eg_mh_free_port(); /* nothing listens there */
    o.retry_s = 30;
    eg_state *st = NULL;
    assert_int_equal(eg_state_redis_new(&o, NULL, &st), EG_OK);
    assert_true(eg_state_degraded(st));
    uint64_t n = 0;
    assert_int_equal(eg_state_set_add(st, "s", "m", 60, &n), EG_OK);
    assert_int_equal(n, 1);
    eg_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_between_stores),
        cmocka_unit_test(test_ttl_window),
        cmocka_unit_test(test_fallback_and_recovery),
        cmocka_unit_test(test_unreachable_at_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
