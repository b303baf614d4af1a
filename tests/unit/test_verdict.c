/* Verdict scoring, floors and decisive combinations; the rule table's integrity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/report.h"
#include "core/strutil.h"
#include "verdict/rules.h"
#include "verdict/verdict.h"

#include <stdlib.h>
#include <string.h>

static eg_object *obj(uint32_t id, int32_t parent, uint32_t flags)
{
    eg_object *o = calloc(1, sizeof *o);
    o->id = id;
    o->parent = parent;
    o->flags = flags;
    o->name = eg_strdup("x");
    return o;
}

static void add(eg_report *r, const char *rule, uint32_t object)
{
    int idx = eg_rule_find(rule);
    assert_true(idx >= 0);
    eg_report_add_finding(r, idx, object, NULL);
}

static void empty_report_is_clean(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    eg_verdict_compute(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    assert_int_equal(eg_report_score(r), 0);
    eg_report_free(r);
}

static void rule_counts_once_and_limits_are_suspicious(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    eg_report_add_object(r, obj(1, 0, 0));
    add(r, "NAME.TYPE_MISMATCH", 0);
    add(r, "NAME.TYPE_MISMATCH", 1);
    eg_verdict_compute(r);
    assert_int_equal(eg_report_score(r), eg_rule_get(eg_rule_find("NAME.TYPE_MISMATCH"))->score);
    eg_report_free(r);

    r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    add(r, "LIMIT.FINDINGS", 0); /* low score, but what was not inspected is never clean */
    eg_verdict_compute(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void high_floor_and_critical(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    add(r, "NAME.RTLO", 0); /* HIGH */
    eg_verdict_compute(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void password_archive_with_active_content_is_malicious(void **st)
{
    (void)st;
    /* mail -> zip entry decrypted -> object with a MEDIUM+ active rule */
    int active = -1;
    for (size_t i = 0; i < eg_rule_count(); i++) {
        const eg_rule *ru = eg_rule_get((int)i);
        const char *p[] = {"VBA.", "XLM.", "LNK.", "SCRIPT.", "PE.", "CMD.", "ONE."};
        for (size_t k = 0; k < 7; k++)
            if (!strncmp(ru->id, p[k], strlen(p[k])) && ru->severity >= EG_SEV_MEDIUM &&
                ru->severity < EG_SEV_CRITICAL && ru->score < EG_SCORE_MALICIOUS)
                active = (int)i;
    }
    if (active < 0)
        skip(); /* no active-content rule of that kind in this build's table */
    eg_report *r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    eg_report_add_object(r, obj(1, 0, 0));
    eg_report_add_object(r, obj(2, 1, EG_OBJ_ENCRYPTED | EG_OBJ_DECRYPTED));
    eg_report_add_finding(r, active, 2, NULL);
    eg_verdict_compute(r);
    assert_true(eg_report_has_rule(r, "COMBO.PASSWORD_ARCHIVE_ACTIVE"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    eg_report_free(r);

    /* the same finding outside any decrypted archive: no combination */
    r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, 0));
    eg_report_add_object(r, obj(1, 0, 0));
    eg_report_add_finding(r, active, 1, NULL);
    eg_verdict_compute(r);
    assert_false(eg_report_has_rule(r, "COMBO.PASSWORD_ARCHIVE_ACTIVE"));
    eg_report_free(r);
}

static void rule_table_is_sound(void **st)
{
    (void)st;
    assert_true(eg_rule_count() > 10);
    for (size_t i = 0; i < eg_rule_count(); i++) {
        const eg_rule *a = eg_rule_get((int)i);
        assert_non_null(strchr(a->id, '.'));
        assert_true(strlen(a->text_ja) > 0);
        assert_true(strlen(a->text_en) > 0);
        assert_true(a->score >= 0 && a->score <= 100);
        for (size_t k = i + 1; k < eg_rule_count(); k++)
            assert_string_not_equal(a->id, eg_rule_get((int)k)->id);
        assert_int_equal(eg_rule_find(a->id), (int)i);
    }
    assert_int_equal(eg_rule_find("NO.SUCH_RULE"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_report_is_clean),
        cmocka_unit_test(rule_counts_once_and_limits_are_suspicious),
        cmocka_unit_test(high_floor_and_critical),
        cmocka_unit_test(password_archive_with_active_content_is_malicious),
        cmocka_unit_test(rule_table_is_sound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
