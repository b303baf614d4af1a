/* The milter's fail-safe pieces without an MTA: which action each failure takes (on_error /
 * on_oversize, tempfail by default), the slot_timeout_ms setting, and the scan slots themselves
 * (bounded wait on a busy gateway, hand-over to a waiter, never more than max_scans at once). */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"
#include "../../src/milter/decide.c"
#include "../../src/milter/slots.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static void conf(eg_milter_config *c, const char *text)
{
    char err[256];
    eg_milter_config_init(c);
    if (eg_milter_config_parse(c, text, strlen(text), err, sizeof err) != EG_OK)
        fail_msg("%s", err);
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_failures_tempfail_by_default(void **unused)
{
    eg_milter_config c;
    conf(&c, "");
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_OVERSIZE), EG_ACT_TEMPFAIL);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_BUFFER), EG_ACT_TEMPFAIL);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_NO_SLOT), EG_ACT_TEMPFAIL);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_SCAN), EG_ACT_TEMPFAIL);
    eg_milter_config_free(&c);
}

/* on_error covers our own trouble (memory, slots, scanner); on_oversize only the size limit. */
static void test_failures_take_their_configured_action(void **unused)
{
    eg_milter_config c;
    conf(&c, "on_error = hold\non_oversize = reject\n");
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_OVERSIZE), EG_ACT_REJECT);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_BUFFER), EG_ACT_HOLD);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_NO_SLOT), EG_ACT_HOLD);
    assert_int_equal(eg_milter_failure_action(&c, EG_FAIL_SCAN), EG_ACT_HOLD);
    eg_milter_config_free(&c);
}

static void test_slot_timeout_setting(void **unused)
{
    eg_milter_config c;
    conf(&c, "scan_timeout_ms = 7000\n");
    assert_int_equal(c.slot_timeout_ms, 0);
    assert_int_equal(eg_milter_slot_timeout_ms(&c), 7000); /* 0 follows scan_timeout_ms */
    eg_milter_config_free(&c);
    conf(&c, "scan_timeout_ms = 7000\nslot_timeout_ms = 250\n");
    assert_int_equal(eg_milter_slot_timeout_ms(&c), 250);
    eg_milter_config_free(&c);
    char err[256];
    eg_milter_config_init(&c);
    const char *bad = "\nslot_timeout_ms = 3600001\n";
    assert_int_equal(eg_milter_config_parse(&c, bad, strlen(bad), err, sizeof err), EG_EFORMAT);
    assert_non_null(strstr(err, "line 2: slot_timeout_ms"));
    eg_milter_config_free(&c);
    eg_milter_config_init(&c);
    bad = "slot_timeout_ms = -5\n";
    assert_int_equal(eg_milter_config_parse(&c, bad, strlen(bad), err, sizeof err), EG_EFORMAT);
    eg_milter_config_free(&c);
}

static void test_slots_bad_init(void **unused)
{
    eg_milter_slots s;
    assert_int_equal(eg_milter_slots_init(&s, 0), EG_EINVAL);
}

/* max_scans = 1 and the slot taken: the next message gives up after the timeout, not before and
 * not much later. */
static void test_slot_wait_times_out_when_busy(void **unused)
{
    eg_milter_slots s;
    assert_int_equal(eg_milter_slots_init(&s, 1), EG_OK);
    assert_true(eg_milter_slots_acquire(&s, 0));
    assert_int_equal(eg_milter_slots_free(&s), 0);
    double t0 = mono_ms();
    assert_false(eg_milter_slots_acquire(&s, 150));
    double waited = mono_ms() - t0;
    assert_true(waited >= 145.0);
    assert_true(waited < 3000.0);
    assert_false(eg_milter_slots_acquire(&s, 0)); /* 0 = do not wait */
    eg_milter_slots_release(&s);
    assert_true(eg_milter_slots_acquire(&s, 0));
    eg_milter_slots_release(&s);
    eg_milter_slots_release(&s); /* a stray release does not add a slot */
    assert_int_equal(eg_milter_slots_free(&s), 1);
    eg_milter_slots_destroy(&s);
}

typedef struct {
    eg_milter_slots *s;
    unsigned hold_ms;
    atomic_int *running, *peak, *got;
} worker;

static void *hold_then_release(void *arg)
{
    worker *w = arg;
    usleep(w->hold_ms * 1000u);
    eg_milter_slots_release(w->s);
    return NULL;
}

/* A waiter gets the slot as soon as the running scan gives it back. */
static void test_slot_handed_to_waiter(void **unused)
{
    eg_milter_slots s;
    assert_int_equal(eg_milter_slots_init(&s, 1), EG_OK);
    assert_true(eg_milter_slots_acquire(&s, 0));
    worker w = {&s, 200, NULL, NULL, NULL};
    pthread_t th;
    double t0 = mono_ms();
    assert_int_equal(pthread_create(&th, NULL, hold_then_release, &w), 0);
    assert_true(eg_milter_slots_acquire(&s, 10000));
    double waited = mono_ms() - t0;
    pthread_join(th, NULL);
    assert_true(waited >= 150.0);
    assert_true(waited < 5000.0);
    assert_int_equal(eg_milter_slots_free(&s), 0);
    eg_milter_slots_release(&s);
    eg_milter_slots_destroy(&s);
}

static void *scan_like(void *arg)
{
    worker *w = arg;
    if (!eg_milter_slots_acquire(w->s, 20000))
        return NULL;
    atomic_fetch_add(w->got, 1);
    int now = atomic_fetch_add(w->running, 1) + 1;
    int p = atomic_load(w->peak);
    while (now > p && !atomic_compare_exchange_weak(w->peak, &p, now))
        ;
    usleep(w->hold_ms * 1000u);
    atomic_fetch_sub(w->running, 1);
    eg_milter_slots_release(w->s);
    return NULL;
}

/* Eight scans through two slots: all run, never more than two at once. */
static void test_slots_bound_concurrency(void **unused)
{
    eg_milter_slots s;
    assert_int_equal(eg_milter_slots_init(&s, 2), EG_OK);
    atomic_int running = 0, peak = 0, got = 0;
    worker w = {&s, 60, &running, &peak, &got};
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, scan_like, &w), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&got), 8);
    assert_int_equal(atomic_load(&peak), 2);
    assert_int_equal(eg_milter_slots_free(&s), 2);
    eg_milter_slots_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failures_tempfail_by_default),
        cmocka_unit_test(test_failures_take_their_configured_action),
        cmocka_unit_test(test_slot_timeout_setting),
        cmocka_unit_test(test_slots_bad_init),
        cmocka_unit_test(test_slot_wait_times_out_when_busy),
        cmocka_unit_test(test_slot_handed_to_waiter),
        cmocka_unit_test(test_slots_bound_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
