/* `emoguard intel check|match|exposure`: exit codes and output, run as the real binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intel_feeds.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(char **out, const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && LANG=C '%s' intel %s 2>&1", dir, EG_BINARY, args);
    size_t len;
    *out = NULL;
    int rc = eg_test_run(cmd, out, &len);
    if (!*out)
        *out = strdup("");
    return rc;
}

static int setup(void **st)
{
    (void)st;
    dir = eg_test_tmpdir("intel-cli");
    const char *urls[] = {"http://drop.example/a/b.doc", "http://203.0.113.8:8080/c"};
    free(eg_fx_urlhaus(dir, "urlhaus.csv", urls, 2));
    free(eg_fx_yara_rules(dir, "t.yar"));
    free(eg_fx_write(dir, "feed.txt", "evil.example\n198.51.100.7\n"));
    free(eg_fx_write(dir, "bad.txt", "ok.example\nthis line is wrong\n"));
    free(eg_fx_write(dir, "sample.bin", "xx EG-TEST-MARKER-7f3a xx"));
    free(eg_fx_write(dir, "leak.csv",
                     "address,source,first_seen,last_seen\n"
                     "taro@corp.example.jp,emotet-spam-sender,2022-03-01,2022-03-05\n"
                     "other@example.com,emotet-spam-sender,2022-03-01,2022-03-05\n"));
    free(eg_fx_write(dir, "leak-bad.csv", "address,source\ntaro@corp.example.jp\n"));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void check(void **st)
{
    (void)st;
    char *o;
    assert_int_equal(run(&o, "check urlhaus.csv t.yar feed.txt"), 0);
    assert_non_null(strstr(o, "urlhaus.csv: ok, URLhaus CSV, 2 indicators (2 url)"));
    assert_non_null(strstr(o, "t.yar: ok, YARA rules, 3 rules compiled"));
    assert_non_null(strstr(o, "feed.txt: ok, plain list, 2 indicators"));
    free(o);
    assert_int_equal(run(&o, "check feed.txt bad.txt"), 1);
    assert_non_null(strstr(o, "bad.txt:2: error: more than one value on a line"));
    assert_non_null(strstr(o, "bad.txt: REFUSED"));
    free(o);
    assert_int_equal(run(&o, "check --rules %s/rules", EG_SOURCE_DIR), 0);
    assert_non_null(strstr(o, "rules compiled"));
    free(o);
}

static void match(void **st)
{
    (void)st;
    char *o;
    assert_int_equal(run(&o, "match --ioc feed.txt --ioc urlhaus.csv https://www.evil.example/x 198.51.100.7:443 "
                            "HTTP://DROP.example:80/a/b.doc good.example"),
                     1);
    assert_non_null(strstr(o, "https://www.evil.example/x\tMATCH\tdomain evil.example\tfeed.txt:1\tplain list"));
    assert_non_null(strstr(o, "198.51.100.7:443\tMATCH\tip 198.51.100.7\tfeed.txt:2"));
    assert_non_null(strstr(o, "\tMATCH\turl http://drop.example/a/b.doc\turlhaus.csv:7\tURLhaus CSV\tmalware_download"));
    assert_non_null(strstr(o, "good.example\tno match"));
    free(o);
    assert_int_equal(run(&o, "match --ioc feed.txt good.example"), 0);
    free(o);
    assert_int_equal(run(&o, "match --rules t.yar --file sample.bin"), 1);
    assert_non_null(strstr(o, "sample.bin\tYARA\tTest_Marker\tt.yar\ttest marker"));
    free(o);
    assert_int_equal(run(&o, "match --ioc bad.txt good.example"), 4);
    assert_non_null(strstr(o, "bad.txt:2"));
    free(o);
    assert_int_equal(run(&o, "match --ioc feed.txt"), 3);
    free(o);
}

static void exposure(void **st)
{
    (void)st;
    char *o;
    assert_int_equal(run(&o, "exposure --domains corp.example.jp,corp2.example.jp --feed leak.csv --lang en"), 1);
    assert_non_null(strstr(o, "Accounts exposed: 1"));
    assert_non_null(strstr(o, "taro@corp.example.jp\n"));
    assert_non_null(strstr(o, "emotet-spam-sender  first seen: 2022-03-01  last seen: 2022-03-05"));
    assert_non_null(strstr(o, "change this account's password"));
    assert_null(strstr(o, "other@example.com"));
    free(o);
    assert_int_equal(run(&o, "exposure --domains corp.example.jp --feed leak.csv --lang ja"), 1);
    assert_non_null(strstr(o, "パスワードを直ちに変更"));
    free(o);
    assert_int_equal(run(&o, "exposure --domains corp.example.jp --feed leak.csv --format json"), 1);
    json_error_t je;
    json_t *j = json_loads(o, 0, &je);
    assert_non_null(j);
    json_t *acc = json_array_get(json_object_get(j, "accounts"), 0);
    assert_string_equal(json_string_value(json_object_get(acc, "address")), "taro@corp.example.jp");
    json_t *src = json_array_get(json_object_get(acc, "sources"), 0);
    assert_string_equal(json_string_value(json_object_get(src, "last_seen")), "2022-03-05");
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 2);
    json_decref(j);
    free(o);
    assert_int_equal(run(&o, "exposure --domains nobody.example.jp --feed leak.csv"), 0);
    free(o);
    assert_int_equal(run(&o, "exposure --domains corp.example.jp --feed leak-bad.csv"), 4);
    assert_non_null(strstr(o, "leak-bad.csv:2: error: 1 fields where the header has 2"));
    free(o);
    assert_int_equal(run(&o, "exposure --feed leak.csv"), 3);
    free(o);
    assert_int_equal(run(&o, "%s", ""), 3);
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check),
        cmocka_unit_test(match),
        cmocka_unit_test(exposure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
