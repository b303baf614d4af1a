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
    assert_true(eg_domain_lookalike("examp1e.co.jp", "example.co.jp"));  /* 1 for l */
    assert_true(eg_domain_lookalike("exarnple.co.jp", "example.co.jp")); /* rn for m */
    assert_true(eg_domain_lookalike("exampie.co.jp", "example.co.jp"));  /* i for l */
    assert_true(eg_domain_lookalike("exmaple.co.jp", "example.co.jp"));  /* swap */
    assert_true(eg_domain_lookalike("example-co.jp", "example.co.jp"));  /* one edit */
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
    eg_sutil_name_key("山田　太郎（株式会社サンプル）", strlen("山田　太郎（株式会社サンプル）"),
                      &b);
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

/* The banded edit distance against the full table, on random near-equal strings (edits of a
 * random name) and unrelated ones, for every cap the lookalike check uses and more. */
static size_t full_osa(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    static size_t d[EG_DOMAIN_MAX + 1][EG_DOMAIN_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t v = d[i - 1][j] + 1, cost = a[i - 1] != b[j - 1];
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void edit_distance_banded(void **st)
{
    (void)st;
    char a[EG_DOMAIN_MAX + 1], b[EG_DOMAIN_MAX + 1];
    for (int round = 0; round < 20000; round++) {
        size_t la = 1 + next() % (round % 10 == 0 ? 240 : 20);
        for (size_t i = 0; i < la; i++)
            a[i] = (char)('a' + next() % 4); /* few letters: many near matches */
        a[la] = 0;
        memcpy(b, a, la + 1);
        size_t lb = la;
        for (int e = (int)(next() % 5); e > 0; e--) {
            size_t at = lb ? next() % lb : 0;
            switch (next() % 4) {
            case 0: b[at] = (char)('a' + next() % 4); break;
            case 1:
                if (lb + 1 < sizeof b) {
                    memmove(b + at + 1, b + at, lb - at + 1);
                    b[at] = (char)('a' + next() % 4);
                    lb++;
                }
                break;
            case 2:
                if (lb > 1) {
                    memmove(b + at, b + at + 1, lb - at);
                    lb--;
                }
                break;
            default:
                if (at + 1 < lb) {
                    char t = b[at];
                    b[at] = b[at + 1];
                    b[at + 1] = t;
                }
            }
        }
        if (round % 7 == 0) { /* unrelated */
            lb = 1 + next() % 20;
            for (size_t i = 0; i < lb; i++)
                b[i] = (char)('a' + next() % 4);
            b[lb] = 0;
        }
        size_t full = full_osa(a, b);
        for (size_t cap = 0; cap <= 4; cap++) {
            size_t want = full <= cap ? full : cap + 1;
            if (eg_domain_edit_distance(a, b, cap) != want)
                fail_msg("\"%s\" \"%s\" cap %zu: %zu, want %zu", a, b, cap,
                         eg_domain_edit_distance(a, b, cap), want);
        }
    }
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
        cmocka_unit_test(edit_distance_banded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
