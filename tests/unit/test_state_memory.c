/* The in-memory correlation store: counters, distinct-member sets, fixed TTL windows, limits,
 * argument checks and concurrent use. */
#include "state/state.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static time_t fake_now = 1000000;
static time_t fake_clock(void *ud) { (void)ud; return fake_now; }

static eg_state *mem_store(size_t max_keys)
{
    eg_state_limits l;
    eg_state_limits_default(&l);
    if (max_keys)
        l.max_keys = max_keys;
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(&l, &st), EG_OK);
    eg_state_set_clock(st, fake_clock, NULL);
    return st;
}

static void test_counter_counts(void **unused)
{
    eg_state *st = mem_store(0);
    int64_t v = 0;
    for (int i = 1; i <= 5; i++) {
        assert_int_equal(eg_state_incr(st, "acct:a@example.jp:zip", 600, &v), EG_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(eg_state_incr(st, "acct:b@example.jp:zip", 600, &v), EG_OK);
    assert_int_equal(v, 1);
    assert_string_equal(eg_state_backend(st), "memory");
    assert_false(eg_state_degraded(st));
    eg_state_free(st);
}

static void test_window_is_fixed(void **unused)
{
    eg_state *st = mem_store(0);
    int64_t v = 0;
    fake_now = 1000000;
    assert_int_equal(eg_state_incr(st, "k", 10, &v), EG_OK);
    fake_now += 9; /* updates inside the window do not extend it */
    assert_int_equal(eg_state_incr(st, "k", 10, &v), EG_OK);
    assert_int_equal(v, 2);
    fake_now += 1;
    assert_int_equal(eg_state_incr(st, "k", 10, &v), EG_OK);
    assert_int_equal(v, 1);
    eg_state_free(st);
}

static void test_set_counts_distinct(void **unused)
{
    eg_state *st = mem_store(0);
    uint64_t n = 0;
    char m[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(m, sizeof m, "user%d@example.jp", i % 250);
        assert_int_equal(eg_state_set_add(st, "hash:abc", m, 3600, &n), EG_OK);
    }
    assert_int_equal(n, 250);
    fake_now += 3600;
    assert_int_equal(eg_state_set_add(st, "hash:abc", "x@y", 3600, &n), EG_OK);
    assert_int_equal(n, 1);
    eg_state_free(st);
}

static void test_member_cap(void **unused)
{
    eg_state_limits l;
    eg_state_limits_default(&l);
    l.max_members = 10;
    eg_state *st = NULL;
    assert_int_equal(eg_state_memory_new(&l, &st), EG_OK);
    uint64_t n = 0;
    char m[32];
    for (int i = 0; i < 100; i++) {
        snprintf(m, sizeof m, "m%d", i);
        assert_int_equal(eg_state_set_add(st, "s", m, 60, &n), EG_OK);
    }
    assert_int_equal(n, 10);
    eg_state_free(st);
}

static void test_key_limit_and_sweep(void **unused)
{
    eg_state *st = mem_store(100);
    int64_t v;
    char k[32];
    fake_now = 2000000;
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(eg_state_incr(st, k, 5, &v), EG_OK);
    }
    assert_int_equal(eg_state_incr(st, "one-too-many", 5, &v), EG_ELIMIT);
    fake_now += 5; /* everything expired: the sweep makes room */
    assert_int_equal(eg_state_incr(st, "one-too-many", 5, &v), EG_OK);
    assert_int_equal(v, 1);
    eg_state_free(st);
}

static void test_bad_arguments(void **unused)
{
    eg_state *st = mem_store(0);
    int64_t v;
    uint64_t n;
    char big[EG_STATE_MAX_KEY + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(eg_state_incr(st, "", 5, &v), EG_EINVAL);
    assert_int_equal(eg_state_incr(st, NULL, 5, &v), EG_EINVAL);
    assert_int_equal(eg_state_incr(st, big, 5, &v), EG_EINVAL);
    assert_int_equal(eg_state_set_add(st, "s", big, 5, &n), EG_EINVAL);
    assert_int_equal(eg_state_set_add(st, "s", NULL, 5, &n), EG_EINVAL);
    big[EG_STATE_MAX_KEY] = 0;
    assert_int_equal(eg_state_incr(st, big, 5, &v), EG_OK);
    eg_state_free(st);
}

static eg_state *shared;
static void *worker(void *arg)
{
    char m[32];
    for (int i = 0; i < 2000; i++) {
        int64_t v;
        uint64_t n;
        eg_state_incr(shared, "c", 600, &v);
        snprintf(m, sizeof m, "%d-%d", (int)(intptr_t)arg, i % 100);
        eg_state_set_add(shared, "s", m, 600, &n);
    }
    return NULL;
}

static void test_threads(void **unused)
{
    shared = mem_store(0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int64_t v;
    uint64_t n;
    assert_int_equal(eg_state_incr(shared, "c", 600, &v), EG_OK);
    assert_int_equal(v, 8001);
    assert_int_equal(eg_state_set_add(shared, "s", "0-0", 600, &n), EG_OK);
    assert_int_equal(n, 400);
    eg_state_free(shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_counts),    cmocka_unit_test(test_window_is_fixed),
        cmocka_unit_test(test_set_counts_distinct), cmocka_unit_test(test_member_cap),
        cmocka_unit_test(test_key_limit_and_sweep), cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
