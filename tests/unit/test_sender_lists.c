/* Domain lists, registrable domains, lookalikes, punycode and name keys of the sender checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/sender_lists.h"
#include "mail/sender_util.h"

#include <string.h>

static void domain_set_matches_subdomains_and_ignores_junk(void **st)
{
    (void)st;
    eg_domain_set s = {0};
    const char *list = "# comment\n  OCN.ne.jp   # trailing comment\n*.plala.or.jp\n\n.example.\n"
                       "bad!domain extra\nxn--80ak6aa92e.com\n";
    assert_int_equal(eg_domain_set_parse(&s, list, strlen(list)), EG_OK);
    assert_string_equal(eg_domain_set_match(&s, "ocn.ne.jp"), "ocn.ne.jp");
    assert_string_equal(eg_domain_set_match(&s, "mail.ace.OCN.ne.jp"), "ocn.ne.jp");
    assert_string_equal(eg_domain_set_match(&s, "msl11.plala.or.jp"), "plala.or.jp");
    assert_string_equal(eg_domain_set_match(&s, "example"), "example");
    assert_null(eg_domain_set_match(&s, "notocn.ne.jp"));
    assert_null(eg_domain_set_match(&s, "ne.jp"));
    assert_null(eg_domain_set_match(&s, "bad"));
    assert_int_equal(s.n, 4);
    eg_domain_set_free(&s);
}

static void shipped_lists_load(void **st)
{
    (void)st;
    eg_domain_set s = {0};
    assert_int_equal(eg_domain_set_load(&s, EG_SOURCE_DIR "/data/freemail.txt"), EG_OK);
    assert_non_null(eg_domain_set_match(&s, "gmail.com"));
    assert_non_null(eg_domain_set_match(&s, "yahoo.co.jp"));
    eg_domain_set_free(&s);
    assert_int_equal(eg_domain_set_load(&s, EG_SOURCE_DIR "/data/isp-jp.txt"), EG_OK);
    assert_non_null(eg_domain_set_match(&s, "ab.auone-net.jp"));
    eg_domain_set_free(&s);
    assert_int_equal(eg_domain_set_load(&s, "/nonexistent/list.txt"), EG_EIO);
}

static void registrable_domains(void **st)
{
    (void)st;
    assert_string_equal(eg_domain_registrable("mail.example.co.jp"), "example.co.jp");
    assert_string_equal(eg_domain_registrable("example.co.jp"), "example.co.jp");
    assert_string_equal(eg_domain_registrable("a.b.example.com"), "example.com");
    assert_string_equal(eg_domain_registrable("somahospitalar.com.br"), "somahospitalar.com.br");
    assert_string_equal(eg_domain_registrable("www.city.kyoto.lg.jp"), "city.kyoto.lg.jp");
    assert_string_equal(eg_domain_registrable("pref.kyoto.lg.jp"), "pref.kyoto.lg.jp");
    assert_string_equal(eg_domain_registrable("example.jp"), "example.jp");
    assert_string_equal(eg_domain_registrable("localhost"), "localhost");
    assert_true(eg_domain_same_org("sub.example.co.jp", "EXAMPLE.co.jp"));
    assert_false(eg_domain_same_org("example.co.jp", "other.co.jp"));
    assert_false(eg_domain_same_org("a.co.jp", "b.co.jp"));
}

static void lookalikes(void **st)
{
    (void)st;
    assert_true(eg_domain_lookalike("examp1e.co.jp", "example.co.jp"));   /* 1 for l */
    assert_true(eg_domain_lookalike("exarnple.co.jp", "example.co.jp"));  /* rn for m */
    assert_true(eg_domain_lookalike("exampie.co.jp", "example.co.jp"));   /* i for l */
    assert_true(eg_domain_lookalike("exmaple.co.jp", "example.co.jp"));   /* swap */
    assert_true(eg_domain_lookalike("example-co.jp", "example.co.jp"));   /* one edit */
    assert_true(eg_domain_lookalike("example.co.jp.mail-check.com", "example.co.jp"));
    assert_true(eg_domain_lookalike("example-co-jp.com", "example.co.jp"));
    /* Cyrillic а and о in punycode: xn--exmple-4nf.com is "exаmple.com" */
    assert_true(eg_domain_lookalike("xn--exmple-4nf.com", "example.com"));
    assert_false(eg_domain_lookalike("mail.example.co.jp", "example.co.jp"));
    assert_false(eg_domain_lookalike("sample.co.jp", "example.co.jp"));
    assert_false(eg_domain_lookalike("abd.jp", "abc.jp")); /* too short to judge */
    assert_false(eg_domain_lookalike("partner.co.jp", "example.co.jp"));
    assert_false(eg_domain_lookalike("", "example.co.jp"));
}

static void punycode(void **st)
{
    (void)st;
    char out[256];
    assert_true(eg_domain_to_unicode("xn--wgv71a119e.jp", out, sizeof out));
    assert_string_equal(out, "日本語.jp");
    assert_true(eg_domain_to_unicode("www.xn--exmple-4nf.com", out, sizeof out));
    assert_string_equal(out, "www.ex\xD0\xB0mple.com");
    assert_false(eg_domain_to_unicode("xn--!!!.com", out, sizeof out));
    assert_false(eg_domain_to_unicode("xn--wgv71a119e.jp", out, 4));
}

static void name_keys(void **st)
{
    (void)st;
    eg_name_key a, b;
    eg_sutil_name_key("山田 太郎", strlen("山田 太郎"), &a);
    eg_sutil_name_key("山田太郎 様", strlen("山田太郎 様"), &b);
    assert_true(eg_sutil_name_equal(&a, &b));
    eg_sutil_name_key("山田　太郎（株式会社サンプル）", strlen("山田　太郎（株式会社サンプル）"), &b);
    assert_true(eg_sutil_name_equal(&a, &b));
    eg_sutil_name_key("Yamada, Taro", 12, &a);
    eg_sutil_name_key("\"Taro Yamada\"", 13, &b);
    assert_true(eg_sutil_name_equal(&a, &b));
    eg_sutil_name_key("Taro Suzuki", 11, &b);
    assert_false(eg_sutil_name_equal(&a, &b));
    eg_sutil_name_key("", 0, &b);
    assert_false(eg_sutil_name_equal(&a, &b));
}

static void addresses_in_text(void **st)
{
    (void)st;
    const char *t = "担当：山田 <Yamada@Partner.CO.JP>、mail: a.b@x, end: 'q@z.example.com'.";
    char addr[EG_ADDR_MAX + 1];
    size_t s, e;
    assert_true(eg_sutil_next_addr(t, strlen(t), 0, addr, &s, &e));
    assert_string_equal(addr, "Yamada@partner.co.jp");
    assert_true(eg_sutil_next_addr(t, strlen(t), e, addr, &s, &e)); /* a.b@x has no dotted domain */
    assert_string_equal(addr, "q@z.example.com");
    assert_false(eg_sutil_next_addr(t, strlen(t), e, addr, &s, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domain_set_matches_subdomains_and_ignores_junk),
        cmocka_unit_test(shipped_lists_load),
        cmocka_unit_test(registrable_domains),
        cmocka_unit_test(lookalikes),
        cmocka_unit_test(punycode),
        cmocka_unit_test(name_keys),
        cmocka_unit_test(addresses_in_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
