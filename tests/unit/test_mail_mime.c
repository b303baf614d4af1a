/* The mail analyzer end to end through the scanner: Japanese charsets, names, nested messages,
 * uuencode, TNEF, password candidates, and hostile input with bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/report.h"
#include "mail/brief.h"
#include "mail/mime_util.h"
#include "mail_builder.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const eg_object *find_obj(const eg_report *r, const char *name)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (!strcmp(eg_report_object(r, i)->name, name))
            return eg_report_object(r, i);
    return NULL;
}

static const char *evidence(const eg_report *r, const char *rule)
{
    int id = eg_rule_find(rule);
    for (size_t i = 0; i < eg_report_finding_count(r); i++)
        if (eg_report_finding(r, i)->rule == id)
            return eg_report_finding(r, i)->evidence ? eg_report_finding(r, i)->evidence : "";
    return NULL;
}

/* The text of a child is gone after the scan; capture it through the on_object hook. */
typedef struct {
    char name[64];
    char *text;
} grab;

static void on_obj(void *ud, const eg_object *o)
{
    grab *g = ud;
    if (!strcmp(o->name, g->name) && !g->text) {
        g->text = malloc(o->size + 1);
        memcpy(g->text, o->data, o->size);
        g->text[o->size] = 0;
    }
}

static eg_report *scan_grab(const char *mail, size_t len, grab *g)
{
    eg_options opt;
    eg_options_default(&opt);
    eg_scanner *sc = NULL;
    eg_global_init();
    assert_int_equal(eg_scanner_new(&opt, &sc, NULL, 0), EG_OK);
    eg_scan_input in = {.source = "test.eml", .data = (const uint8_t *)mail, .len = len,
                        .on_object = on_obj, .on_object_ud = g};
    eg_report *r = NULL;
    assert_int_equal(eg_scanner_scan(sc, &in, &r), EG_OK);
    eg_scanner_free(sc);
    return r;
}

static const char *BODY = "山田様\n\nいつもお世話になっております。㈱テスト商事の鈴木です。\n"
                          "①請求書を添付いたします。\n\nパスワード：Ｋｙ７７ｚｚ\n\nよろしくお願いいたします。\n";

static void japanese_bodies_in_every_encoding(void **st)
{
    (void)st;
    const eg_mb_charset cs[] = {EG_MB_JIS, EG_MB_SJIS, EG_MB_EUCJP, EG_MB_UTF8, EG_MB_SJIS, EG_MB_UTF8};
    const eg_mb_cte cte[] = {EG_MB_7BIT, EG_MB_8BIT, EG_MB_B64, EG_MB_QP, EG_MB_QP, EG_MB_B64};
    for (int i = 0; i < 6; i++) {
        eg_mb *m = eg_mb_new();
        eg_mb_header(m, "From", "\"Suzuki\" <suzuki@example.co.jp>");
        eg_mb_header(m, "To", "yamada@example.jp");
        eg_mb_header_text(m, "Subject", "請求書①の送付", cs[i], i % 2 ? 'Q' : 'B');
        eg_mb_text(m, BODY, cs[i], cte[i]);
        size_t len;
        char *mail = eg_mb_build(m, &len);
        grab g = {"body.txt", NULL};
        eg_report *r = scan_grab(mail, len, &g);
        assert_non_null(g.text);
        if (!strstr(g.text, "①請求書") || !strstr(g.text, "㈱テスト"))
            fail_msg("encoding %d: %s", i, g.text);
        const char *ev = evidence(r, "MAIL.PASSWORD_IN_TEXT");
        assert_non_null(ev);
        assert_non_null(strstr(ev, "Ky77zz"));
        assert_string_equal(r->passwords_summary ? strstr(r->passwords_summary, "Ky77zz") ? "ok" : r->passwords_summary : "none", "ok");
        eg_report_free(r);
        free(g.text);
        free(mail);
        eg_mb_free(m);
    }
}

static void attachment_names_and_html(void **st)
{
    (void)st;
    const uint8_t data[] = "harmless attachment bytes";
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "a@example.jp");
    eg_mb_header(m, "Subject", "names");
    eg_mb_html(m, "<p>パスワードは<b>「Hx55aa」</b>です</p><script>x</script>", EG_MB_SJIS, EG_MB_B64);
    eg_mb_attach(m, "見積書①_2024.dat", NULL, data, sizeof data - 1, EG_MB_NAME_2231);
    eg_mb_attach(m, "請求書㈱.dat", NULL, data, sizeof data - 1, EG_MB_NAME_2047);
    eg_mb_attach(m, "plain.dat", NULL, data, sizeof data - 1, EG_MB_NAME_PLAIN);
    size_t len;
    char *mail = eg_mb_build(m, &len);
    grab g = {"body.html.txt", NULL};
    eg_report *r = scan_grab(mail, len, &g);
    const eg_object *a = find_obj(r, "見積書①_2024.dat");
    assert_non_null(a);
    assert_int_equal(a->size, sizeof data - 1);
    assert_int_equal(a->parent, 0);
    assert_non_null(find_obj(r, "請求書㈱.dat"));
    assert_non_null(find_obj(r, "plain.dat"));
    const eg_object *h = find_obj(r, "body.html");
    assert_non_null(h);
    assert_int_equal(h->type, EG_T_HTML);
    assert_non_null(g.text);
    assert_string_equal(g.text, "パスワードは「Hx55aa」です");
    assert_non_null(strstr(evidence(r, "MAIL.PASSWORD_IN_TEXT"), "Hx55aa"));
    eg_report_free(r);
    free(g.text);
    free(mail);
    eg_mb_free(m);
}

static void nested_message_uuencode_and_tnef(void **st)
{
    (void)st;
    eg_mb *inner = eg_mb_new();
    eg_mb_header(inner, "From", "inner@example.jp");
    eg_mb_header_text(inner, "Subject", "転送メール", EG_MB_JIS, 'B');
    eg_mb_text(inner, "内側の本文", EG_MB_JIS, EG_MB_7BIT);
    size_t ilen;
    char *imail = eg_mb_build(inner, &ilen);
    const uint8_t f1[] = "first file", f2[] = "second";
    eg_mb_tnef_file tf[2] = {{"報告書①.txt", f1, sizeof f1 - 1}, {"data.bin", f2, sizeof f2 - 1}};
    size_t tl;
    uint8_t *tnef = eg_mb_tnef(tf, 2, "TNEF 本文", &tl);

    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "a@example.jp");
    eg_mb_header(m, "Subject", "nest");
    eg_mb_text(m, "see below\nbegin 644 hello.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\n", EG_MB_UTF8, EG_MB_7BIT);
    char part[8192];
    snprintf(part, sizeof part, "Content-Type: message/rfc822\n\n%s", imail);
    eg_mb_part_raw(m, part);
    eg_mb_attach(m, "winmail.dat", "application/ms-tnef", tnef, tl, EG_MB_NAME_PLAIN);
    size_t len;
    char *mail = eg_mb_build(m, &len);
    grab g = {"hello.txt", NULL};
    eg_report *r = scan_grab(mail, len, &g);
    const eg_object *nm = find_obj(r, "転送メール.eml");
    assert_non_null(nm);
    assert_int_equal(nm->type, EG_T_MAIL);
    /* the nested mail was analysed in turn: its body hangs under it */
    bool inner_body = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->parent == (int32_t)nm->id && !strcmp(o->name, "body.txt"))
            inner_body = true;
    }
    assert_true(inner_body);
    assert_non_null(g.text);
    assert_string_equal(g.text, "hello world\n");
    assert_non_null(evidence(r, "MAIL.UUENCODED_ATTACHMENT"));
    const eg_object *w = find_obj(r, "winmail.dat");
    assert_non_null(w);
    assert_int_equal(w->type, EG_T_TNEF);
    const eg_object *t1 = find_obj(r, "報告書①.txt");
    assert_non_null(t1);
    assert_int_equal(t1->parent, (int32_t)w->id);
    assert_int_equal(t1->size, sizeof f1 - 1);
    assert_non_null(find_obj(r, "data.bin"));
    assert_non_null(find_obj(r, "tnef-body.txt"));
    assert_null(evidence(r, "MAIL.TNEF_MALFORMED"));
    eg_report_free(r);
    free(g.text);
    free(mail);
    free(imail);
    free(tnef);
    eg_mb_free(m);
    eg_mb_free(inner);
}

static void html_meta_charset_is_used(void **st)
{
    (void)st;
    const char *mail = "From: a@example.jp\nSubject: meta\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
                       "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
                       "</head><body><p>caf\xE9 PW: Cafe99</p></body></html>\n";
    grab g = {"body.html.txt", NULL};
    eg_report *r = scan_grab(mail, strlen(mail), &g);
    assert_non_null(g.text);
    assert_string_equal(g.text, "café PW: Cafe99");
    assert_non_null(strstr(evidence(r, "MAIL.PASSWORD_IN_TEXT"), "Cafe99"));
    eg_report_free(r);
    free(g.text);
}

static void related_password_is_reported(void **st)
{
    (void)st;
    const char *mail = "From: a@example.jp\nSubject: x\n\nhello\n";
    eg_options opt;
    eg_options_default(&opt);
    eg_scanner *sc = NULL;
    eg_global_init();
    assert_int_equal(eg_scanner_new(&opt, &sc, NULL, 0), EG_OK);
    const char *pw[] = {"Sep4rate"};
    eg_scan_input in = {.source = "t.eml", .data = (const uint8_t *)mail, .len = strlen(mail),
                        .passwords = pw, .n_passwords = 1, .passwords_origin = "separate mail #2"};
    eg_report *r = NULL;
    assert_int_equal(eg_scanner_scan(sc, &in, &r), EG_OK);
    assert_string_equal(evidence(r, "MAIL.PASSWORD_FROM_RELATED"), "separate mail #2");
    assert_null(evidence(r, "MAIL.PASSWORD_IN_TEXT"));
    eg_report_free(r);
    eg_scanner_free(sc);
}

/* ---- hostile input ----------------------------------------------------------------------- */

/* Allowed growth of the peak RSS while scanning a hostile mail (KiB). AddressSanitizer keeps
 * freed memory in quarantine, so its builds get more room. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK_KB (400 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_SLACK_KB (400 * 1024)
#endif
#endif
#ifndef RSS_SLACK_KB
#define RSS_SLACK_KB (64 * 1024)
#endif

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void ten_thousand_nested_multiparts(void **st)
{
    (void)st;
    size_t depth = 10000;
    size_t cap = depth * 90 + 4096, n = 0;
    char *m = malloc(cap);
    n += (size_t)sprintf(m + n, "From: a@example.jp\nSubject: deep\nMIME-Version: 1.0\n");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(m + n, "Content-Type: multipart/mixed; boundary=\"b%zu\"\n\n--b%zu\n", i, i);
    n += (size_t)sprintf(m + n, "Content-Type: text/plain\n\nleaf\n");
    clock_t t0 = clock();
    eg_report *r = eg_test_scan(m, n, NULL);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 20);
    assert_true(eg_test_has_rule(r, "MAIL.DEEP_NESTING") || eg_test_has_rule(r, "MAIL.MALFORMED"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(m);
}

static void hundred_megabyte_header_line(void **st)
{
    (void)st;
    size_t big = 100u << 20;
    char *m = malloc(big + 256);
    size_t n = (size_t)sprintf(m, "From: a@example.jp\nSubject: ");
    memset(m + n, 'A', big - 1024);
    n += big - 1024;
    n += (size_t)sprintf(m + n, "\nTo: b@example.jp\n\nbody パスワード: Zz9911\n");
    long before = max_rss_kb();
    eg_report *r = eg_test_scan(m, n, NULL);
    long grew = max_rss_kb() - before;
    assert_true(eg_test_has_rule(r, "MAIL.HEADER_TOO_LONG"));
    printf("100 MB header line: peak RSS grew by %ld KiB\n", grew);
    assert_true(grew < RSS_SLACK_KB); /* no copy of the long line beyond the cut */
    const char *ev = evidence(r, "MAIL.PASSWORD_IN_TEXT");
    assert_non_null(ev); /* the body after the long header is still read */
    assert_non_null(strstr(ev, "Zz9911"));
    eg_report_free(r);
    free(m);
}

static void huge_folded_header_block(void **st)
{
    (void)st;
    /* 20 MB of short folded lines: no single line is long, the block is */
    size_t lines = 200000, n = 0;
    char *m = malloc(lines * 101 + 512);
    n += (size_t)sprintf(m, "From: a@example.jp\nTo: b@example.jp\nSubject: x\n");
    for (size_t i = 0; i < lines; i++) {
        memcpy(m + n, " ", 1);
        memset(m + n + 1, 'q', 99);
        m[n + 100] = '\n';
        n += 101;
    }
    n += (size_t)sprintf(m + n, "\nパスワード：Fold2024\n");
    long before = max_rss_kb();
    eg_report *r = eg_test_scan(m, n, NULL);
    long grew = max_rss_kb() - before;
    printf("folded header block: peak RSS grew by %ld KiB\n", grew);
    assert_true(grew < RSS_SLACK_KB);
    assert_true(eg_test_has_rule(r, "MAIL.HEADER_TOO_LONG"));
    const char *ev = evidence(r, "MAIL.PASSWORD_IN_TEXT");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "Fold2024"));
    eg_report_free(r);
    free(m);
}

/* Declares the input a mail, as the milter and the mailbox front ends do. */
static eg_report *scan_declared(const void *mail, size_t len)
{
    eg_options opt;
    eg_options_default(&opt);
    eg_scanner *sc = NULL;
    eg_global_init();
    assert_int_equal(eg_scanner_new(&opt, &sc, NULL, 0), EG_OK);
    eg_scan_input in = {.source = "queue-1", .data = mail, .len = len, .is_mail = true};
    eg_report *r = NULL;
    assert_int_equal(eg_scanner_scan(sc, &in, &r), EG_OK);
    eg_scanner_free(sc);
    return r;
}

/* A header GMime would refuse (its first line no field, a name with a space and a control byte,
 * NUL in a value) is repaired and reported; the mail is still read as one, attachment included. */
static void odd_header_is_repaired(void **st)
{
    (void)st;
    static const char m[] = "this line is no header field\n"
                            "Bad Name\x01: x\n"
                            "X-Nul: a\0b\n"
                            "From: a@example.net\nTo: b@example.jp\nSubject: s\nMIME-Version: 1.0\n"
                            "Content-Type: multipart/mixed; boundary=zz\n\n"
                            "--zz\nContent-Type: text/plain\n\nパスワード：Odd2026\n"
                            "--zz\nContent-Type: application/octet-stream; name=\"a.bin\"\n\nxyz\n"
                            "--zz--\n";
    eg_report *r = scan_declared(m, sizeof m - 1);
    assert_int_equal(eg_report_object(r, 0)->type, EG_T_MAIL);
    assert_true(eg_test_has_rule(r, "MAIL.HEADER_MALFORMED"));
    assert_false(eg_test_has_rule(r, "INPUT.NOT_MAIL"));
    assert_non_null(find_obj(r, "a.bin"));
    assert_non_null(strstr(evidence(r, "MAIL.PASSWORD_IN_TEXT"), "Odd2026"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    /* undeclared, the same bytes do not start with a header block: sniffed as text */
    r = eg_test_scan(m, sizeof m - 1, NULL);
    assert_true(eg_test_has_rule(r, "INPUT.NOT_MAIL"));
    eg_report_free(r);
}

/* 1.2 MB of fields before From, Content-Type and the boundary: the cut keeps them, for the
 * analyzer and for the batch summary (pairing of password mails). Repeated key fields cannot
 * grow the copy without bound either. */
static void big_header_keeps_structure(void **st)
{
    (void)st;
    size_t cap = 4u << 20, n = 0;
    char *m = malloc(cap);
    for (unsigned i = 0; n < 1200000; i++)
        n += (size_t)sprintf(m + n, "Zz-Trace-%07u: relay.example.net ok\n", i);
    n += (size_t)sprintf(m + n,
                         "From: Sales <sales@example.net>\nTo: b@example.jp\nSubject: big\n"
                         "MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=\"q1\"\n\n"
                         "--q1\nContent-Type: text/plain\n\nhello\n"
                         "--q1\nContent-Type: application/octet-stream; name=\"x.bin\"\n\nxyz\n"
                         "--q1--\n");
    eg_report *r = scan_declared(m, n);
    assert_true(eg_test_has_rule(r, "MAIL.HEADER_TOO_LARGE"));
    assert_non_null(find_obj(r, "x.bin"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    eg_mail_brief b;
    assert_int_equal(eg_mail_brief_read((const uint8_t *)m, n, false, &b), EG_OK);
    assert_non_null(b.from);
    assert_string_equal(b.from, "sales@example.net");
    assert_non_null(strstr(b.subject, "big"));
    eg_mail_brief_free(&b);
    /* 3 MB of Content-Type lines: the key-field budget is bounded too */
    n = 0;
    n += (size_t)sprintf(m, "From: a@example.net\n");
    while (n < (3u << 20))
        n += (size_t)sprintf(m + n, "Content-Type: text/plain; charset=us-ascii\n");
    n += (size_t)sprintf(m + n, "\nbody\n");
    r = scan_declared(m, n);
    assert_true(eg_test_has_rule(r, "MAIL.HEADER_TOO_LARGE"));
    eg_report_free(r);
    size_t cn = 0;
    eg_hdr_cut hc;
    uint8_t *c = eg_mime_cut_headers((const uint8_t *)m, n, &cn, &hc);
    assert_non_null(c);
    assert_true(hc.block_cut && hc.fields_dropped > 0);
    assert_true(cn <= MAX_HDR_BLOCK + (256u << 10) + 16); /* ordinary + key budget + body */
    free(c);
    free(m);
}

static void unknown_charset_truncated_and_empty(void **st)
{
    (void)st;
    size_t n;
    uint8_t *sj = eg_mb_encode("パスワード：Ab12cd", EG_MB_SJIS, &n);
    char m[512];
    int k = snprintf(m, sizeof m,
                     "From: a@example.jp\nSubject: t\nMIME-Version: 1.0\nContent-Type: text/plain; "
                     "charset=x-klingon\n\n");
    memcpy(m + k, sj, n);
    eg_report *r = eg_test_scan(m, (size_t)k + n, NULL);
    assert_true(eg_test_has_rule(r, "MAIL.UNKNOWN_CHARSET"));
    assert_non_null(strstr(evidence(r, "MAIL.PASSWORD_IN_TEXT"), "Ab12cd"));
    eg_report_free(r);
    free(sj);

    const char *trunc = "From: a@example.jp\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n"
                        "--zz\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nQUJD";
    r = eg_test_scan(trunc, strlen(trunc), NULL);
    assert_true(eg_test_has_rule(r, "MAIL.MALFORMED"));
    eg_report_free(r);

    const char *nob = "From: a@example.jp\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\nno boundary\n";
    r = eg_test_scan(nob, strlen(nob), NULL);
    assert_true(eg_test_has_rule(r, "MAIL.MALFORMED"));
    eg_report_free(r);

    r = eg_test_scan("Subject: \n\n", 11, NULL);
    assert_non_null(r);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(japanese_bodies_in_every_encoding),
        cmocka_unit_test(attachment_names_and_html),
        cmocka_unit_test(nested_message_uuencode_and_tnef),
        cmocka_unit_test(html_meta_charset_is_used),
        cmocka_unit_test(related_password_is_reported),
        cmocka_unit_test(ten_thousand_nested_multiparts),
        cmocka_unit_test(hundred_megabyte_header_line),
        cmocka_unit_test(huge_folded_header_block),
        cmocka_unit_test(unknown_charset_truncated_and_empty),
        cmocka_unit_test(odd_header_is_repaired),
        cmocka_unit_test(big_header_keeps_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
