/* `emoguard hostcheck --hosts DIR --format json|csv|html` end to end on a generated fleet
 * (tests/fixtures/host_fleet_fixtures.c): one entry per PC with its state, findings and numbered
 * steps; hostile host names stay text (HTML escaped, CSV formula guard); the HTML page loads
 * nothing; files.csv times in ISO 8601 work and a bad row costs only that row. The page in a
 * real browser is test_host_fleet_chromium.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_fixtures.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("hostfleet");
    if (!tmp)
        return -1;
    char p[4096];
    snprintf(p, sizeof p, "%s/fleet", tmp);
    if (eg_hf_fleet_dir(p) != EG_HF_FLEET_N)
        return -1;
    snprintf(p, sizeof p, "%s/reports", tmp);
    return mkdir(p, 0755);
}

static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

static int run(const char *opts, char **out, size_t *len)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd,
             "LANG=C '%s' hostcheck --hosts '%s/fleet' --output '%s/reports' %s 2>/dev/null",
             EG_BINARY, tmp, tmp, opts);
    return eg_test_run(cmd, out, len);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static json_t *host_by_dir(json_t *hosts, const char *dir)
{
    size_t i;
    json_t *h;
    json_array_foreach(hosts, i, h)
    {
        if (!strcmp(json_string_value(json_object_get(h, "directory")), dir))
            return h;
    }
    return NULL;
}

static int has_rule(json_t *h, const char *rule)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(h, "findings"), i, f)
    {
        if (!strcmp(json_string_value(json_object_get(f, "rule")), rule))
            return 1;
    }
    return 0;
}

static void json_document(void **st)
{
    (void)st;
    char *out = NULL;
    size_t len;
    assert_int_equal(run("--format json", &out, &len), 1); /* the worst PC is infected */
    json_error_t e;
    json_t *doc = json_loads(out, 0, &e);
    if (!doc)
        fail_msg("not JSON: %s at line %d", e.text, e.line);
    assert_string_equal(json_string_value(json_object_get(doc, "schema")),
                        "emoguard-hostcheck-fleet");
    assert_int_equal(json_integer_value(json_object_get(doc, "schema_version")), 1);
    json_t *hosts = json_object_get(doc, "hosts");
    assert_int_equal(json_array_size(hosts), EG_HF_FLEET_N);
    json_t *sum = json_object_get(doc, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "hosts")), EG_HF_FLEET_N);
    assert_int_equal(json_integer_value(json_object_get(sum, "infected")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "artifacts")), 2);
    assert_int_equal(json_integer_value(json_object_get(sum, "clean")), 2);
    assert_int_equal(json_integer_value(json_object_get(sum, "error")), 1);

    json_t *h = host_by_dir(hosts, "pc02");
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "hostname")), "PC02");
    assert_string_equal(json_string_value(json_object_get(h, "state")), "infected");
    assert_true(json_is_null(json_object_get(h, "stages")));
    json_t *f0 = json_array_get(json_object_get(h, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f0, "severity")), "infected");
    assert_non_null(json_string_value(json_object_get(f0, "evidence")));
    assert_non_null(json_string_value(json_object_get(f0, "message")));
    assert_int_equal(json_array_size(json_object_get(h, "steps")), 6);
    assert_int_equal(json_integer_value(json_object_get(h, "actions_step")), 3);
    assert_true(json_array_size(json_object_get(h, "actions")) >= 2);
    const char *a0 = json_string_value(json_array_get(json_object_get(h, "actions"), 0));
    assert_non_null(strstr(a0, "kill process"));

    /* ISO 8601 times drive the 7-day rule; the two bad rows were skipped, not the host */
    h = host_by_dir(hosts, "pc03");
    assert_string_equal(json_string_value(json_object_get(h, "state")), "artifacts");
    assert_true(has_rule(h, "HOST.V5_TIMESTOMP_FILE"));
    assert_true(has_rule(h, "HOST.LOADER_PERSIST"));
    const char *w = json_string_value(json_array_get(json_object_get(h, "warnings"), 0));
    assert_non_null(w);
    assert_non_null(strstr(w, "1 rows could not be read and were skipped (first at line 5: Size"));
    w = json_string_value(json_array_get(json_object_get(h, "warnings"), 1));
    assert_non_null(strstr(w, "1 times could not be read (first at line 8)"));

    h = host_by_dir(hosts, "pc04");
    assert_string_equal(json_string_value(json_object_get(h, "hostname")),
                        "<script>alert(1)</script>");
    assert_null(strstr(out, "<script>")); /* escaped as \u003c in the raw text */

    h = host_by_dir(hosts, "pc01");
    assert_string_equal(json_string_value(json_object_get(h, "state")), "clean");
    assert_int_equal(json_array_size(json_object_get(h, "steps")), 0);
    assert_int_equal(json_array_size(json_object_get(h, "findings")), 0);

    h = host_by_dir(hosts, "pc06");
    assert_string_equal(json_string_value(json_object_get(h, "state")), "error");
    assert_int_equal(json_integer_value(json_object_get(h, "exit_code")), 3);
    assert_non_null(
        strstr(json_string_value(json_object_get(h, "error")), "unterminated quoted field"));
    assert_int_equal(json_array_size(json_object_get(h, "steps")), 1);
    json_decref(doc);
    free(out);

    /* --audit adds the four stages per PC; Japanese steps with --lang ja */
    assert_int_equal(run("--format json --audit --lang ja", &out, &len), 1);
    doc = json_loads(out, 0, &e);
    assert_non_null(doc);
    assert_true(json_is_true(json_object_get(doc, "audit")));
    h = host_by_dir(json_object_get(doc, "hosts"), "pc01");
    json_t *stages = json_object_get(h, "stages");
    assert_int_equal(json_array_size(stages), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(stages, 3), "stage")), 4);
    assert_non_null(json_string_value(json_object_get(json_array_get(stages, 0), "state")));
    h = host_by_dir(json_object_get(doc, "hosts"), "pc02");
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(h, "steps"), 0)),
                           "ネットワークから切り離して"));
    json_decref(doc);
    free(out);
}

/* Splits an RFC 4180 document into records; returns the record count, -1 when malformed.
 * fields[r][c] of the first rows are copied out (for the checks). */
static int parse_csv(const char *p, size_t len, char cells[8][16][2048], int *ncols)
{
    int rec = 0, col = 0;
    size_t i = 0, k = 0;
    bool inq = false;
    while (i < len) {
        char c = p[i++];
        if (inq) {
            if (c == '"' && i < len && p[i] == '"')
                i++;
            else if (c == '"') {
                inq = false;
                continue;
            }
        } else if (c == '"') {
            inq = true;
            continue;
        } else if (c == ',' || c == '\r') {
            if (rec < 8 && col < 16)
                cells[rec][col][k] = 0;
            k = 0;
            col++;
            if (c == '\r') {
                if (i >= len || p[i] != '\n')
                    return -1; /* every record ends with CRLF */
                i++;
                ncols[rec < 8 ? rec : 7] = col;
                rec++;
                col = 0;
            }
            continue;
        } else if (c == '\n')
            return -1; /* a bare LF outside quotes */
        if (rec < 8 && col < 16 && k + 1 < 2048)
            cells[rec][col][k++] = c;
    }
    return inq || col ? -1 : rec;
}

static void csv_document(void **st)
{
    (void)st;
    char *out = NULL;
    size_t len;
    assert_int_equal(run("--format csv", &out, &len), 1);
    assert_true(len > 3);
    assert_memory_equal(out, "\xEF\xBB\xBF", 3);
    static char cells[8][16][2048];
    int ncols[8] = {0};
    assert_int_equal(parse_csv(out + 3, len - 3, cells, ncols), 1 + EG_HF_FLEET_N);
    assert_string_equal(cells[0][0], "hostname");
    assert_string_equal(cells[0][2], "state");
    for (int r = 1; r < 7; r++)
        assert_int_equal(ncols[r], ncols[0]);
    assert_string_equal(cells[1][0], "PC01");
    assert_string_equal(cells[1][2], "clean");
    assert_string_equal(cells[2][2], "infected");
    assert_string_not_equal(cells[2][3], "0");                     /* infected hits */
    assert_non_null(strstr(cells[2][6], "HOST."));                 /* findings */
    assert_non_null(strstr(cells[2][7], "1. Disconnect this PC")); /* numbered steps */
    assert_non_null(strstr(cells[2][7], "\n   - kill process"));
    assert_string_equal(cells[4][0], "<script>alert(1)</script>");
    /* the formula host name is defused with a leading apostrophe */
    assert_string_equal(cells[5][0], "'=cmd|' /C calc'!A0");
    assert_non_null(strstr(out, "\"'=cmd|' /C calc'!A0\""));
    assert_string_equal(cells[6][2], "error");
    assert_non_null(strstr(cells[6][8], "unterminated quoted field"));
    free(out);

    assert_int_equal(run("--format csv --audit --lang ja", &out, &len), 1);
    assert_int_equal(parse_csv(out + 3, len - 3, cells, ncols), 1 + EG_HF_FLEET_N);
    assert_string_equal(cells[0][0], "ホスト名");
    assert_string_equal(cells[0][6], "段階1");
    assert_int_equal(ncols[0], 13);
    free(out);
}

static void html_page(void **st)
{
    (void)st;
    char *out = NULL;
    size_t len;
    assert_int_equal(run("--format html", &out, &len), 1);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "<!DOCTYPE html>"));
    assert_non_null(strstr(out, "<html lang=\"en\">"));
    /* self-contained: no URL, no resource reference of any kind */
    assert_null(strstr(out, "http://"));
    assert_null(strstr(out, "https://"));
    assert_null(strstr(out, "//"));
    assert_null(strstr(out, "src="));
    assert_null(strstr(out, "href="));
    assert_null(strstr(out, "url("));
    assert_null(strstr(out, "@import"));
    assert_non_null(strstr(out, "default-src 'none'"));
    /* one row per PC, the state coloured */
    assert_int_equal(count(out, "<tr class=\"host "), EG_HF_FLEET_N);
    assert_int_equal(count(out, "<tr class=\"host st-infected\">"), 1);
    assert_int_equal(count(out, "<tr class=\"host st-error\">"), 1);
    assert_int_equal(count(out, "class=\"badge s-clean\""), 2);
    /* the hostile host name is text: our own script element is the only one */
    assert_int_equal(count(out, "<script"), 1);
    assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* expandable details with the evidence and numbered steps */
    assert_int_equal(count(out, "<details>"), EG_HF_FLEET_N);
    assert_non_null(strstr(out, "<ol class=\"steps\"><li>Disconnect this PC"));
    assert_non_null(strstr(out, "HOST.V5_TIMESTOMP_FILE"));
    assert_non_null(strstr(out, "unterminated quoted field"));
    free(out);

    assert_int_equal(run("--format html --lang ja --audit", &out, &len), 1);
    assert_non_null(strstr(out, "<html lang=\"ja\">"));
    assert_non_null(strstr(out, "感染</span>"));
    assert_non_null(strstr(out, "段階4 LSASS"));
    assert_non_null(strstr(out, "ネットワークから切り離して"));
    assert_null(strstr(out, "//"));
    free(out);
}

static void formats_need_hosts(void **st)
{
    (void)st;
    char cmd[8192], *out = NULL;
    size_t len;
    snprintf(cmd, sizeof cmd, "'%s' hostcheck --dir '%s/fleet/pc01' --format html 2>&1", EG_BINARY,
             tmp);
    assert_int_equal(eg_test_run(cmd, &out, &len), 3);
    assert_non_null(strstr(out, "are for --hosts"));
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' hostcheck --hosts '%s/fleet' --format xml 2>&1", EG_BINARY,
             tmp);
    assert_int_equal(eg_test_run(cmd, &out, &len), 3);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_document),
        cmocka_unit_test(csv_document),
        cmocka_unit_test(html_page),
        cmocka_unit_test(formats_need_hosts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
