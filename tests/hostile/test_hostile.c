/*
 * Every hostile case of tests/fixtures/hostile_*.c, scanned in-process with default options: the
 * scan must finish (no crash, hang or runaway memory: the suite also runs under ASan+UBSan), reach
 * at least the case's verdict and hold its rule. What could not be inspected is never clean.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static void run_case(void **state)
{
    const eg_hostile_case *c = *state;
    size_t len = 0;
    uint8_t *data = c->make(&len);
    assert_non_null(data);
    eg_report *r = eg_test_scan(data, len, NULL);
    free(data);
    assert_non_null(r);
    eg_verdict v = eg_report_verdict(r);
    int ok = v >= c->min_verdict && (!c->rule || eg_report_has_rule(r, c->rule)) &&
             (!c->rule_not || !eg_report_has_rule(r, c->rule_not));
    if (!ok) {
        printf("case %s: verdict %s, want at least %s; rule %s %s\n", c->name, eg_verdict_str(v),
               eg_verdict_str(c->min_verdict), c->rule ? c->rule : "-",
               c->rule && !eg_report_has_rule(r, c->rule) ? "missing" : "ok");
        eg_test_dump(r);
    }
    eg_report_free(r);
    assert_true(ok);
}

int main(void)
{
    size_t n = 0;
    for (size_t t = 0; eg_hostile_tables[t]; t++)
        for (const eg_hostile_case *c = eg_hostile_tables[t]; c->name; c++)
            n++;
    if (n == 0) {
        fprintf(stderr, "no hostile cases\n");
        return 1;
    }
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    size_t i = 0;
    for (size_t t = 0; eg_hostile_tables[t]; t++)
        for (const eg_hostile_case *c = eg_hostile_tables[t]; c->name; c++, i++) {
            tests[i].name = c->name;
            tests[i].test_func = run_case;
            tests[i].initial_state = (void *)c;
        }
    int rc = _cmocka_run_group_tests("hostile", tests, n, NULL, NULL);
    free(tests);
    return rc;
}
