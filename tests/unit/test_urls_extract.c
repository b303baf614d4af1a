/* Indicator extraction from text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "text/urls.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char got[16][256];
    eg_ioc_kind kind[16];
    size_t n;
} sink;

static bool cb(void *ud, eg_ioc_kind k, const char *v, size_t n)
{
    sink *s = ud;
    if (s->n < 16) {
        snprintf(s->got[s->n], 256, "%.*s", (int)n, v);
        s->kind[s->n++] = k;
    }
    return true;
}

static void finds_urls_ips_and_addresses(void **st)
{
    (void)st;
    const char *t = "詳細は https://example.co.jp/a/b.zip?x=1。\n"
                    "C2: 192.0.2.10:8080 and 198.51.100.7, mail yamada@corp.example.jp.\n"
                    "version 1.2.3.4.5 is not an IP";
    sink s = {0};
    eg_urls_extract(t, strlen(t), cb, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.got[0], "https://example.co.jp/a/b.zip?x=1");
    assert_int_equal(s.kind[0], EG_IOC_URL);
    assert_string_equal(s.got[1], "192.0.2.10:8080");
    assert_int_equal(s.kind[1], EG_IOC_IPPORT);
    assert_string_equal(s.got[2], "198.51.100.7");
    assert_int_equal(s.kind[2], EG_IOC_IP);
    assert_string_equal(s.got[3], "yamada@corp.example.jp");
    assert_int_equal(s.kind[3], EG_IOC_EMAIL);
}

static void refangs_defanged_urls(void **st)
{
    (void)st;
    const char *t = "hxxp://evil[.]example[.]com/x.php and hxxps[:]//a(.)b/c";
    sink s = {0};
    eg_urls_extract(t, strlen(t), cb, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.got[0], "http://evil.example.com/x.php");
    assert_string_equal(s.got[1], "https://a.b/c");
}

static void defang_marker_cut_at_end_of_text(void **st)
{
    (void)st;
    /* the text is not NUL-terminated: "[." at its very end must not be read past */
    char t[16];
    memcpy(t, "http://a.b[.", 12);
    sink s = {0};
    eg_urls_extract(t, 12, cb, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.got[0], "http://a.b");
}

static void address_inside_url_is_not_reported_twice(void **st)
{
    (void)st;
    const char *t = "http://user@host.example/path";
    sink s = {0};
    eg_urls_extract(t, strlen(t), cb, &s);
    assert_int_equal(s.n, 1);
    char host[64];
    assert_true(eg_url_host(s.got[0], strlen(s.got[0]), host, sizeof host));
    assert_string_equal(host, "host.example");
    assert_true(eg_url_host("http://A.B:8080/", 16, host, sizeof host));
    assert_string_equal(host, "a.b");
    assert_false(eg_url_host("no scheme", 9, host, sizeof host));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_urls_ips_and_addresses),
        cmocka_unit_test(refangs_defanged_urls),
        cmocka_unit_test(defang_marker_cut_at_end_of_text),
        cmocka_unit_test(address_inside_url_is_not_reported_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
