/*
 * Bombs are paid once per mail: the hostile case of 50 small ZIP bombs (bzip2 entries of 1 GiB of
 * zeros) must be scanned well within the CPU budget, with every bomb still reported. Before,
 * each bomb was decoded to the 64 MiB object limit and the mail ran into LIMIT.TIME.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "testutil.h"
#include "verdict/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const eg_hostile_case *find_case(const char *name)
{
    for (const eg_hostile_case *c = eg_hostile_archive; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fifty_bombs_cost_one(void **state)
{
    (void)state;
    const eg_hostile_case *c = find_case("mail-50-zip-bombs");
    assert_non_null(c);
    size_t len;
    uint8_t *mail = c->make(&len);
    assert_non_null(mail);
    double t0 = cpu_now();
    eg_report *r = eg_test_scan(mail, len, NULL);
    double spent = cpu_now() - t0;
    free(mail);
    assert_non_null(r);
    size_t bombs = 0;
    for (size_t i = 0; i < eg_report_finding_count(r); i++)
        if (eg_report_finding(r, i)->rule == EG_R_ARCHIVE_BOMB)
            bombs++;
    printf("50 bombs: %.2f s CPU, %zu bomb findings\n", spent, bombs);
    bool timed_out = eg_report_has_rule(r, "LIMIT.TIME");
    eg_verdict v = eg_report_verdict(r);
    eg_report_free(r);
    assert_false(timed_out);
    assert_int_equal(bombs, 50);
    assert_true(v >= EG_VERDICT_SUSPICIOUS);
    /* a tenth of the default 30 s budget, with room for a sanitizer build */
    assert_true(spent < 10.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifty_bombs_cost_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
