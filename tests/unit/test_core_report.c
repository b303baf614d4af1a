/* The report's indicator list: one entry per kind and value, in the order first seen, with the
 * object that first had it, however often the same value comes again (hostile text can repeat an
 * indicator a million times; the lookup is a hash, not a walk over the list). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/report.h"

#include <stdio.h>
#include <string.h>

static void dedupes_by_kind_and_value(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("t");
    assert_non_null(r);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 1, "http://198.51.100.1/a"), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 2, "http://198.51.100.1/a"), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_DOMAIN, 3, "http://198.51.100.1/a"), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 4, "http://198.51.100.1/A"), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 5, ""), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 6, ""), EG_OK);
    assert_int_equal(eg_report_ioc_count(r), 4);
    assert_int_equal(eg_report_ioc(r, 0)->object, 1); /* the first object keeps it */
    assert_int_equal(eg_report_ioc(r, 1)->kind, EG_IOC_DOMAIN);
    assert_string_equal(eg_report_ioc(r, 2)->value, "http://198.51.100.1/A");
    assert_string_equal(eg_report_ioc(r, 3)->value, "");
    eg_report_free(r);
}

static void many_values_many_repeats(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("t");
    char v[64];
    /* 20 000 distinct values (the index grows many times), each added again 50 times */
    for (int round = 0; round < 51; round++)
        for (int i = 0; i < 20000; i++) {
            snprintf(v, sizeof v, "host%d.example", i);
            assert_int_equal(eg_report_add_ioc(r, EG_IOC_DOMAIN, (uint32_t)round, v), EG_OK);
        }
    assert_int_equal(eg_report_ioc_count(r), 20000);
    for (size_t i = 0; i < 20000; i += 997) {
        snprintf(v, sizeof v, "host%zu.example", i);
        assert_string_equal(eg_report_ioc(r, i)->value, v);
        assert_int_equal(eg_report_ioc(r, i)->object, 0);
    }
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dedupes_by_kind_and_value),
        cmocka_unit_test(many_values_many_repeats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
