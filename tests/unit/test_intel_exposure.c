/* Exposure check: grouping by account, domain matching, merging of sources and dates, and
 * refusal of damaged feeds with file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intel/exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char diag_text[4096];
static int n_err, n_warn;

static void on_diag(void *ud, const char *file, uint32_t line, bool error, const char *msg)
{
    (void)ud;
    error ? n_err++ : n_warn++;
    size_t o = strlen(diag_text);
    snprintf(diag_text + o, sizeof diag_text - o, "%s:%u:%s:%s\n", file, line, error ? "E" : "W",
             msg);
}

static eg_status feed(eg_exposure *e, const char *name, const char *text)
{
    diag_text[0] = 0;
    n_err = n_warn = 0;
    return eg_exposure_parse(e, name, (const uint8_t *)text, strlen(text), on_diag, NULL);
}

static void grouped_by_account(void **st)
{
    (void)st;
    const char *doms[] = {"corp.example.jp", "@Group.Example.co.jp"};
    eg_exposure *e;
    assert_int_equal(eg_exposure_new(doms, 2, &e), EG_OK);
    assert_int_equal(
        feed(e, "leak.csv",
             "# botnet data, generated\n"
             "address,source,first_seen,last_seen\n"
             "taro@corp.example.jp,emotet-spam-sender,2022-03-01,2022-03-05\n"
             "Taro@CORP.example.JP,emotet-spam-sender,2022-02-20 10:00:00,2022-03-02\n"
             "taro@corp.example.jp,outlook-address-book,2021-12-01,2021-12-01\n"
             "hanako@tokyo.corp.example.jp,emotet-spam-recipient,2022-04-01,\n"
             "someone@notcorp.example.jp,emotet-spam-sender,2022-03-01,2022-03-01\n"
             "x@corp.example.jp.evil.example,emotet-spam-sender,2022-03-01,2022-03-01\n"
             "jiro@group.example.co.jp,\"stolen, credentials\",,\n"
             "other@example.com,emotet-spam-sender,2022-03-01,2022-03-01\n"),
        EG_OK);
    assert_int_equal(n_err, 0);
    size_t rows, matched;
    eg_exposure_totals(e, &rows, &matched);
    assert_int_equal(rows, 8);
    assert_int_equal(matched, 5);
    assert_int_equal(eg_exposure_count(e), 3);
    const eg_exposure_account *a = eg_exposure_get(e, 0);
    assert_string_equal(a->address, "hanako@tokyo.corp.example.jp");
    assert_int_equal(a->n_sources, 1);
    assert_string_equal(a->sources[0].first_seen, "2022-04-01");
    assert_string_equal(a->sources[0].last_seen, "");
    a = eg_exposure_get(e, 1);
    assert_string_equal(a->address, "jiro@group.example.co.jp");
    assert_string_equal(a->sources[0].source, "stolen, credentials");
    a = eg_exposure_get(e, 2);
    assert_string_equal(a->address, "taro@corp.example.jp");
    assert_int_equal(a->n_sources, 2);
    assert_string_equal(a->sources[0].source, "emotet-spam-sender");
    assert_string_equal(a->sources[0].first_seen, "2022-02-20 10:00:00");
    assert_string_equal(a->sources[0].last_seen, "2022-03-05");
    assert_string_equal(a->sources[0].where, "leak.csv:3");
    assert_int_equal(a->sources[0].rows, 2);
    assert_string_equal(a->sources[1].source, "outlook-address-book");

    /* a second feed without a header, fewer columns, adds to the same accounts */
    assert_int_equal(
        feed(e, "plain.csv", "taro@corp.example.jp,spam-2023\nsaburo@corp.example.jp\n"), EG_OK);
    assert_int_equal(eg_exposure_count(e), 4);
    a = eg_exposure_get(e, 3);
    assert_string_equal(a->address, "taro@corp.example.jp");
    assert_int_equal(a->n_sources, 3);
    eg_exposure_free(e);
}

static void damaged_feeds_are_errors(void **st)
{
    (void)st;
    const char *doms[] = {"corp.example.jp"};
    eg_exposure *e;
    assert_int_equal(eg_exposure_new(doms, 1, &e), EG_OK);
    assert_int_equal(feed(e, "bad.csv",
                          "address,source,first_seen,last_seen\n"
                          "taro@corp.example.jp,src,2022-03-01,2022-03-02\n"
                          "not an address,src,2022-03-01,2022-03-02\n"
                          "hanako@corp.example.jp,src,03/01/2022,2022-03-02\n"
                          "jiro@corp.example.jp,src\n"
                          "taro@corp.example.jp,src,2022-03-01,2022-03-02\n"
                          "\"unterminated@corp.example.jp,src,,\n"),
                     EG_EFORMAT);
    assert_int_equal(n_err, 4);
    assert_non_null(strstr(diag_text, "bad.csv:3:E:not a mail address"));
    assert_non_null(strstr(diag_text, "bad.csv:4:E:dates must be YYYY-MM-DD"));
    assert_non_null(strstr(diag_text, "bad.csv:5:E:2 fields where the header has 4"));
    assert_non_null(strstr(diag_text, "bad.csv:6:W:duplicate row (first at line 2)"));
    assert_non_null(strstr(diag_text, "bad.csv:7:E:malformed CSV"));
    /* the values are checked, not only the shape */
    assert_int_equal(
        feed(e, "dates.csv",
             "address,source,first_seen,last_seen\n"
             "a1@corp.example.jp,src,2022-13-45,\n"
             "a2@corp.example.jp,src,2022-02-30,\n"
             "a3@corp.example.jp,src,2022-03-01T25:99,\n"
             "a4@corp.example.jp,src,2022-03-01 10:00:61,\n"
             "a5@corp.example.jp,src,2022-03-01T10:00:00+99:00,\n"
             "ok1@corp.example.jp,src,2024-02-29,2022-03-01T23:59:59Z\n"
             "ok2@corp.example.jp,src,2022-03-01 10:00:00 +0900,2022-03-01T10:00:00.123+09:00\n"),
        EG_EFORMAT);
    assert_int_equal(n_err, 5);
    assert_non_null(strstr(diag_text, "dates.csv:2:E:dates must be"));
    assert_non_null(strstr(diag_text, "dates.csv:3:E:dates must be"));
    assert_non_null(strstr(diag_text, "dates.csv:4:E:dates must be"));
    assert_null(strstr(diag_text, "dates.csv:7:"));
    assert_null(strstr(diag_text, "dates.csv:8:"));
    /* without a header, more than four columns is an error */
    assert_int_equal(feed(e, "wide.csv", "a@corp.example.jp,s,2022-01-01,2022-01-02,extra\n"),
                     EG_EFORMAT);
    assert_non_null(strstr(diag_text, "wide.csv:1:E:5 fields"));
    static const char bin[] = "a@corp.example.jp\n\0\0\0";
    diag_text[0] = 0;
    assert_int_equal(
        eg_exposure_parse(e, "bin.csv", (const uint8_t *)bin, sizeof bin - 1, on_diag, NULL),
        EG_EFORMAT);
    assert_non_null(strstr(diag_text, "binary data"));
    eg_exposure_free(e);

    const char *bad[] = {"not a domain!"};
    assert_int_equal(eg_exposure_new(bad, 1, &e), EG_EINVAL);
    assert_int_equal(eg_exposure_new(bad, 0, &e), EG_EINVAL);
}

/* One address with 50 000 sources: the first 256 are kept apart, the rest are merged into one
 * "(more sources)" entry with their row count and dates (each row once walked all the sources
 * before it: quadratic). */
static void many_sources_one_address(void **st)
{
    (void)st;
    const char *doms[] = {"corp.example.jp"};
    eg_exposure *e;
    assert_int_equal(eg_exposure_new(doms, 1, &e), EG_OK);
    size_t cap = 50000 * 64 + 64, n = 0;
    char *t = malloc(cap);
    n += (size_t)snprintf(t, cap, "address,source,first_seen,last_seen\n");
    for (int i = 0; i < 50000; i++)
        n +=
            (size_t)snprintf(t + n, cap - n, "taro@corp.example.jp,s%d,2022-%02d-01,2022-%02d-02\n",
                             i, 1 + i % 12, 1 + i % 12);
    diag_text[0] = 0;
    assert_int_equal(eg_exposure_parse(e, "big.csv", (const uint8_t *)t, n, on_diag, NULL), EG_OK);
    assert_int_equal(eg_exposure_count(e), 1);
    const eg_exposure_account *a = eg_exposure_get(e, 0);
    assert_int_equal(a->n_sources, 257);
    assert_string_equal(a->sources[0].source, "s0");
    assert_string_equal(a->sources[255].source, "s255");
    assert_string_equal(a->sources[256].source, "(more sources)");
    assert_int_equal(a->sources[256].rows, 50000 - 256);
    assert_string_equal(a->sources[256].first_seen, "2022-01-01");
    assert_string_equal(a->sources[256].last_seen, "2022-12-02");
    eg_exposure_free(e);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grouped_by_account),
        cmocka_unit_test(damaged_feeds_are_errors),
        cmocka_unit_test(many_sources_one_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
