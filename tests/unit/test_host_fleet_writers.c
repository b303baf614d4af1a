/* The fleet writers (src/host/fleet.c) on hand-made PCs: every character that starts a
 * spreadsheet formula is defused in the CSV (ASCII and full-width), quotes are doubled, HTML
 * special characters become entities, JSON strings stay valid with quotes, backslashes and
 * invalid UTF-8 in the input, and the per-PC limit on findings is counted, not silently lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/fleet.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *render(const eg_fleet *f, char fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    eg_status st = fmt == 'j'   ? eg_fleet_write_json(m, f)
                   : fmt == 'c' ? eg_fleet_write_csv(m, f)
                                : eg_fleet_write_html(m, f);
    assert_int_equal(st, EG_OK);
    fclose(m);
    return buf;
}

/* A PC with no snapshot: an error PC named name (its error text is name too). */
static void add_error_pc(eg_fleet *f, const char *name)
{
    assert_int_equal(eg_fleet_add(f, name, NULL, NULL, NULL, name), EG_OK);
}

static void csv_formula_guard(void **st)
{
    (void)st;
    eg_fleet *f;
    assert_int_equal(eg_fleet_new(EG_LANG_EN, false, "2022-04-22 00:00:00", &f), EG_OK);
    static const char *const names[] = {
        "=1+2",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\xEF\xBC\x9D\x31+2", /* full-width equals sign, then "1+2" */
        "plain \"quoted\" name",
        "a=b",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        add_error_pc(f, names[i]);
    char *csv = render(f, 'c');
    assert_non_null(strstr(csv, "\r\n\"'=1+2\",\"'=1+2\",\"error\","));
    assert_non_null(strstr(csv, "\r\n\"'+1\","));
    assert_non_null(strstr(csv, "\r\n\"'-1\","));
    assert_non_null(strstr(csv, "\r\n\"'@SUM(A1)\","));
    assert_non_null(strstr(csv, "\r\n\"'\tx\","));
    assert_non_null(strstr(csv, "\r\n\"'\xEF\xBC\x9D"
                                "1+2\","));
    assert_non_null(strstr(csv, "\r\n\"plain \"\"quoted\"\" name\","));
    assert_non_null(strstr(csv, "\r\n\"a=b\",")); /* only the first character matters */
    /* the error column (last) is guarded too */
    assert_non_null(strstr(csv, ",\"'=1+2\"\r\n"));
    free(csv);
    eg_fleet_free(f);
}

static void html_and_json_escaping(void **st)
{
    (void)st;
    eg_fleet *f;
    assert_int_equal(eg_fleet_new(EG_LANG_JA, false, "2022-04-22 00:00:00", &f), EG_OK);
    add_error_pc(f, "<img src=x onerror=alert(1)>&'\"");
    add_error_pc(f, "back\\slash \"q\" \xFF\xFE bad utf-8");
    char *html = render(f, 'h');
    assert_null(strstr(html, "<img"));
    assert_non_null(strstr(html, "&lt;img src=x onerror=alert(1)&gt;&amp;&#39;&quot;"));
    assert_non_null(strstr(html, "<html lang=\"ja\">"));
    assert_non_null(strstr(html, "エラー</span>"));
    free(html);
    char *js = render(f, 'j');
    json_error_t e;
    json_t *doc = json_loads(js, 0, &e);
    if (!doc)
        fail_msg("not JSON: %s", e.text);
    json_t *h1 = json_array_get(json_object_get(doc, "hosts"), 1);
    const char *name = json_string_value(json_object_get(h1, "hostname"));
    assert_non_null(name);
    assert_non_null(strstr(name, "back\\slash \"q\" "));
    assert_null(strstr(name, "\xFF")); /* invalid bytes were replaced */
    assert_string_equal(json_string_value(json_object_get(doc, "lang")), "ja");
    json_decref(doc);
    free(js);
    eg_fleet_free(f);
}

static void findings_beyond_the_limit_are_counted(void **st)
{
    (void)st;
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_host_set_str(&s->hostname, "PC-MANY"), EG_OK);
    eg_host_findings h = {0};
    size_t n = EG_FLEET_MAX_ITEMS + 7;
    h.hits = calloc(n, sizeof *h.hits);
    assert_non_null(h.hits);
    for (size_t i = 0; i < n; i++) {
        h.hits[i].rule = 0;
        h.hits[i].level = EG_HLVL_NOTE;
        h.hits[i].proc = h.hits[i].file = h.hits[i].reg = h.hits[i].svc = h.hits[i].task = -1;
    }
    h.nhits = n;
    h.dropped = 3;
    h.result = EG_HOST_CLEAN;
    eg_fleet *f;
    assert_int_equal(eg_fleet_new(EG_LANG_EN, false, "", &f), EG_OK);
    assert_int_equal(eg_fleet_add(f, "many", s, &h, NULL, NULL), EG_OK);
    assert_int_equal(f->hosts[0].nitems, EG_FLEET_MAX_ITEMS);
    assert_int_equal(f->hosts[0].items_dropped, 7 + 3);
    assert_int_equal(f->hosts[0].count[EG_HLVL_NOTE], n);
    char *js = render(f, 'j');
    assert_non_null(strstr(js, "\"findings_not_shown\":10,"));
    free(js);
    eg_fleet_free(f);
    free(h.hits);
    eg_host_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_formula_guard),
        cmocka_unit_test(html_and_json_escaping),
        cmocka_unit_test(findings_beyond_the_limit_are_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
