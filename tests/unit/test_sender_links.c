/* Link collection from text and HTML, link classification, lure phrases, and the sender
 * configuration files (known correspondents, data directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/links.h"
#include "sender_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void anchors_and_text_urls(void **st)
{
    (void)st;
    const char *html = "<p>x</p><A HREF = \"https://a.example.jp/p?x=1&amp;y=2\" target=_blank>"
                       "<span>&#x8ACB;求書</span>\n  (PDF)</a>"
                       "<a name=top>no href</a><a href=mailto:x@y.jp>mail</a>"
                       "<a href='http://198.51.100.7:8080/d/i.xlsm'>http://files.example.jp/i.xlsm</a>";
    const char *text = "see https://b.example.com/x and hxxp://c[.]example[.]net/y";
    eg_links l;
    assert_int_equal(eg_links_collect(text, strlen(text), html, strlen(html), &l), EG_OK);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[0].url, "https://a.example.jp/p?x=1&y=2");
    assert_string_equal(l.v[0].host, "a.example.jp");
    assert_string_equal(l.v[0].text, "請求書 (PDF)");
    assert_int_equal(l.v[0].port, -1);
    assert_string_equal(l.v[1].host, "198.51.100.7");
    assert_int_equal(l.v[1].port, 8080);
    assert_string_equal(l.v[1].text, "http://files.example.jp/i.xlsm");
    assert_string_equal(l.v[2].url, "https://b.example.com/x");
    assert_null(l.v[2].text);
    assert_string_equal(l.v[3].host, "c.example.net");
    eg_links_free(&l);
}

static void link_limit(void **st)
{
    (void)st;
    size_t cap = (EG_LINKS_MAX + 10) * 40;
    char *t = malloc(cap);
    size_t o = 0;
    for (int i = 0; i < EG_LINKS_MAX + 10; i++)
        o += (size_t)snprintf(t + o, cap - o, "http://h%d.example/ ", i);
    eg_links l;
    assert_int_equal(eg_links_collect(t, o, NULL, 0, &l), EG_OK);
    assert_int_equal(l.n, EG_LINKS_MAX);
    assert_true(l.truncated);
    eg_links_free(&l);
    free(t);
}

static void ip_hosts(void **st)
{
    (void)st;
    assert_true(eg_link_host_is_ip("192.0.2.1"));
    assert_true(eg_link_host_is_ip("0xb907d607"));
    assert_true(eg_link_host_is_ip("3221225985"));
    assert_true(eg_link_host_is_ip("0300.0.02.01"));
    assert_true(eg_link_host_is_ip("[2001:db8::1]"));
    assert_false(eg_link_host_is_ip("2022.example.jp"));
    assert_false(eg_link_host_is_ip("1.2.3.4.5"));
    assert_false(eg_link_host_is_ip(""));
}

static void file_extensions(void **st)
{
    (void)st;
    assert_string_equal(eg_link_file_ext("https://x.example/wp-content/a/Invoice.DOC"), "doc");
    assert_string_equal(eg_link_file_ext("https://x.example/f/form.one?dl=1#top"), "one");
    assert_string_equal(eg_link_file_ext("http://x.example/a.b/c.iso"), "iso");
    assert_null(eg_link_file_ext("https://x.example/report.pdf"));
    assert_null(eg_link_file_ext("https://x.example/page?file=a.zip"));
    assert_null(eg_link_file_ext("https://files.zip"));
    assert_null(eg_link_file_ext("https://x.example/dir.zip/"));
}

static void visible_text_hosts(void **st)
{
    (void)st;
    char h[256];
    assert_true(eg_link_text_host("https://www.Bank.example.jp/login", h, sizeof h));
    assert_string_equal(h, "www.bank.example.jp");
    assert_true(eg_link_text_host(" www.example.com/path ", h, sizeof h));
    assert_string_equal(h, "www.example.com");
    assert_true(eg_link_text_host("<example.co.jp>", h, sizeof h));
    assert_string_equal(h, "example.co.jp");
    assert_false(eg_link_text_host("詳しくはこちら", h, sizeof h));
    assert_false(eg_link_text_host("Read more", h, sizeof h));
    assert_false(eg_link_text_host("version 1.2", h, sizeof h));
    assert_false(eg_link_text_host("report.pdf is here", h, sizeof h));
}

static void lure_phrases(void **st)
{
    (void)st;
    bool f[EG_LURE__COUNT];
    const char *p[EG_LURE__COUNT];
    const char *t = "「編集を有効にする」を押してから、下記のリンクからご確認ください。";
    eg_lure_scan(t, strlen(t), f, p);
    assert_true(f[EG_LURE_ENABLE_MACRO]);
    assert_string_equal(p[EG_LURE_ENABLE_MACRO], "編集を有効");
    assert_true(f[EG_LURE_VIEW_LINK]);
    assert_false(f[EG_LURE_ARCHIVE_PASSWORD]);
    const char *e = "Please ENABLE MACROS. Zip password: 1234";
    eg_lure_scan(e, strlen(e), f, p);
    assert_true(f[EG_LURE_ENABLE_MACRO]);
    assert_true(f[EG_LURE_ARCHIVE_PASSWORD]);
    assert_false(f[EG_LURE_VIEW_LINK]);
    eg_lure_scan("", 0, f, p);
    assert_false(f[EG_LURE_ENABLE_MACRO]);
}

static void config_files(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("sender");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/known.txt", dir);
    const char *known = "# known correspondents\r\nfabrikam.de\r\nAnna Schmidt <anna@fabrikam.de>\r\n"
                        "高橋 三郎 = third.co.jp, third-group.jp\r\n";
    assert_int_equal(eg_test_write_file(path, known, strlen(known)), 0);
    eg_options o;
    eg_options_default(&o);
    o.data_dir = EG_SOURCE_DIR "/data";
    o.known_correspondents_file = path;
    eg_sender_config *c = NULL;
    char err[256] = "";
    assert_int_equal(eg_sender_config_new(&o, &c, err, sizeof err), EG_OK);
    /* the name is known from third.co.jp and third-group.jp: a third domain is flagged, the two
     * are not */
    eg_sf_mail m = {.from = "高橋 三郎 <takahashi@third-group.jp>", .subject = "x", .text = "x"};
    eg_sender_hits h = eg_sf_eval(c, &m);
    assert_null(eg_sf_hit(&h, "SENDER.KNOWN_NAME_OTHER_DOMAIN"));
    eg_sender_hits_free(&h);
    m.from = "高橋三郎 <takahashi@elsewhere.example>";
    h = eg_sf_eval(c, &m);
    assert_non_null(eg_sf_hit(&h, "SENDER.KNOWN_NAME_OTHER_DOMAIN"));
    eg_sender_hits_free(&h);
    m.from = "Schmidt, Anna <anna.s@mail-x.example>";
    h = eg_sf_eval(c, &m);
    assert_non_null(strstr(eg_sf_hit(&h, "SENDER.KNOWN_NAME_OTHER_DOMAIN"), "fabrikam.de"));
    eg_sender_hits_free(&h);
    eg_sender_config_free(c);
    /* files named explicitly must exist */
    o.known_correspondents_file = "/nonexistent/known.txt";
    assert_int_equal(eg_sender_config_new(&o, &c, err, sizeof err), EG_EIO);
    assert_non_null(strstr(err, "/nonexistent/known.txt"));
    assert_null(c);
    o.known_correspondents_file = NULL;
    o.data_dir = dir; /* no list files there */
    assert_int_equal(eg_sender_config_new(&o, &c, err, sizeof err), EG_EIO);
    assert_non_null(strstr(err, "freemail.txt"));
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(anchors_and_text_urls),
        cmocka_unit_test(link_limit),
        cmocka_unit_test(ip_hosts),
        cmocka_unit_test(file_extensions),
        cmocka_unit_test(visible_text_hosts),
        cmocka_unit_test(lure_phrases),
        cmocka_unit_test(config_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
