/* The notice texts: the mail in Japanese and English (headers, what to do first, evidence), header
 * injection through a sender's subject, RFC 2047 subjects, defanged links, the hook's JSON, the
 * event list parser and the rate-limit keys. */
#include "notify/notify.h"
#include "testutil.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *rcpts[] = {"<a@corp.example>", "b@corp.example"};
static const eg_notify_evidence ev[] = {
    {"INTEL.URL", 60, "Contains a listed URL", "Do not open the link",
     "url http://bad.example/x.php listed"},
    {"ZIP.ENCRYPTED", 10, "Encrypted archive", NULL, NULL},
};

static eg_notify_event event(eg_notify_kind k)
{
    eg_notify_event e = {0};
    e.kind = k;
    e.time = 1700000000;
    e.host = "gw1";
    e.queue_id = "4ABCD123";
    e.from = "<mallory@ext.example>";
    e.account = k == EG_NOTIFY_INFECTED ? "alice@corp.example" : NULL;
    e.subject = "Invoice";
    e.rcpts = rcpts;
    e.n_rcpts = 2;
    e.verdict = "suspicious";
    e.score = 70;
    e.action = "hold";
    e.rules = "INTEL.URL,ZIP.ENCRYPTED";
    e.detail = k == EG_NOTIFY_INFECTED ? "mails with encrypted archives: 3 in 600s" : NULL;
    e.ev = ev;
    e.n_ev = 2;
    return e;
}

static const char *to[] = {"admin@corp.example", "soc@corp.example"};

static char *mail(const eg_notify_event *e, eg_lang lang)
{
    eg_notify_mail_opts o = {lang, "emoguard@corp.example",    to,
                             2,    "v1 1 0011223344556677 00", "id.1@gw1"};
    return eg_notify_mail(e, &o);
}

/* The header block (up to the empty line) of a notice. */
static char *headers_of(const char *m)
{
    const char *end = strstr(m, "\n\n");
    assert_non_null(end);
    return strndup(m, (size_t)(end - m) + 1);
}

static void test_mail_en(void **unused)
{
    eg_notify_event e = event(EG_NOTIFY_HELD);
    char *m = mail(&e, EG_LANG_EN);
    assert_non_null(m);
    char *h = headers_of(m);
    assert_non_null(strstr(h, "From: emoguard@corp.example\n"));
    assert_non_null(strstr(h, "To: admin@corp.example, soc@corp.example\n"));
    assert_non_null(strstr(h, "Subject: [emoguard] mail from mallory@ext.example held\n"));
    assert_non_null(strstr(h, "Auto-Submitted: auto-generated\n"));
    assert_non_null(strstr(h, "X-Emoguard-Notice: v1 1 0011223344556677 00\n"));
    assert_non_null(strstr(h, "Message-ID: <id.1@gw1>\n"));
    free(h);
    assert_non_null(strstr(m, "What to do first:\n  1. "));
    assert_non_null(strstr(m, "Queue id: 4ABCD123"));
    assert_non_null(strstr(m, "Recipients: a@corp.example, b@corp.example (2)"));
    assert_non_null(strstr(m, "Sender: mallory@ext.example (envelope)"));
    assert_non_null(strstr(m, "- INTEL.URL (+60) Contains a listed URL"));
    assert_non_null(strstr(m, "what to do: Do not open the link"));
    assert_non_null(strstr(m, "hxxp[://]bad[.]example /x.php")); /* defanged */
    assert_null(strstr(m, "http://bad.example"));
    assert_non_null(strstr(m, "Time (UTC): 2023-11-14 22:13:20"));
    free(m);
}

/* A notice made with a real marker is recognised by the milter's check. */
static void test_notice_recognised(void **unused)
{
    uint8_t key[EG_NOTIFY_KEY_LEN];
    memset(key, 5, sizeof key);
    char marker[200];
    eg_notify_marker_make(key, 1700000000, marker, sizeof marker);
    eg_notify_event e = event(EG_NOTIFY_CAMPAIGN);
    e.detail = "same archive password to 3 recipients";
    eg_notify_mail_opts o = {EG_LANG_JA, "emoguard@corp.example", to, 2, marker, "id.2@gw1"};
    char *m = eg_notify_mail(&e, &o);
    assert_non_null(m);
    assert_true(eg_notify_is_notice(key, (const uint8_t *)m, strlen(m), 1700000100, 86400));
    free(m);
}

static void test_mail_ja(void **unused)
{
    eg_notify_event e = event(EG_NOTIFY_INFECTED);
    char subj[512];
    eg_notify_subject(&e, EG_LANG_JA, subj, sizeof subj);
    assert_string_equal(subj, "[emoguard] アカウント alice@corp.example が Emotet "
                              "型のメールを送信している可能性があります");
    char *m = mail(&e, EG_LANG_JA);
    assert_non_null(m);
    char *h = headers_of(m);
    /* non-ASCII subject: encoded words only, no raw UTF-8 in the header */
    assert_non_null(strstr(h, "Subject: =?UTF-8?B?"));
    for (const unsigned char *p = (const unsigned char *)h; *p; p++)
        assert_true(*p < 0x80);
    free(h);
    assert_non_null(strstr(m, "まず行うこと:"));
    assert_non_null(strstr(m, "ネットワークから切り離して"));
    assert_non_null(strstr(m, "アカウント: alice@corp.example ("));
    assert_non_null(strstr(m, "mails with encrypted archives: 3 in 600s"));
    free(m);
}

static void test_every_kind_has_text(void **unused)
{
    for (int k = 0; k < EG_NOTIFY__COUNT; k++)
        for (int l = 0; l < 2; l++) {
            eg_notify_event e = event((eg_notify_kind)k);
            char *m = mail(&e, l ? EG_LANG_JA : EG_LANG_EN);
            assert_non_null(m);
            assert_non_null(strstr(m, "  3. "));
            free(m);
        }
}

/* A subject or sender with CR/LF must not add a header or a line to the notice. */
static void test_no_injection(void **unused)
{
    eg_notify_event e = event(EG_NOTIFY_HELD);
    e.from = "<x@ext.example>\r\nBcc: victim@example.com";
    e.subject = "hi\nX-Injected: yes\r\n\r\nbody";
    e.ev = (eg_notify_evidence[]){{"R.X", 1, "m", NULL, "a\nX-Injected2: yes"}};
    e.n_ev = 1;
    char *m = mail(&e, EG_LANG_EN);
    assert_non_null(m);
    assert_null(strstr(m, "\nBcc:"));
    assert_null(strstr(m, "\nX-Injected"));
    char *h = headers_of(m);
    assert_null(strstr(h, "victim"));
    free(h);
    free(m);
    char *j = eg_notify_json(&e);
    assert_non_null(j);
    assert_int_equal(strchr(j, '\n') - j, (long)strlen(j) - 1); /* one line */
    free(j);
}

static void test_json(void **unused)
{
    eg_notify_event e = event(EG_NOTIFY_INFECTED);
    e.subject = "\"quoted\" \\ and \xff invalid";
    char *j = eg_notify_json(&e);
    assert_non_null(j);
    json_error_t err;
    json_t *o = json_loads(j, 0, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "event")), "infected");
    assert_string_equal(json_string_value(json_object_get(o, "account")), "alice@corp.example");
    assert_string_equal(json_string_value(json_object_get(o, "queue_id")), "4ABCD123");
    assert_int_equal(json_integer_value(json_object_get(o, "score")), 70);
    assert_int_equal(json_array_size(json_object_get(o, "evidence")), 2);
    json_t *ev0 = json_array_get(json_object_get(o, "evidence"), 0);
    /* the hook gets the link as found (for tickets and blocklists) */
    assert_non_null(
        strstr(json_string_value(json_object_get(ev0, "evidence")), "http://bad.example/x.php"));
    assert_int_equal(json_array_size(json_object_get(o, "rcpts")), 2);
    json_decref(o);
    free(j);
}

static void test_events_parse(void **unused)
{
    unsigned m = 0;
    char bad[64] = "";
    assert_int_equal(eg_notify_events_parse("held, infected", &m, bad, sizeof bad), EG_OK);
    assert_int_equal(m, (1u << EG_NOTIFY_HELD) | (1u << EG_NOTIFY_INFECTED));
    assert_int_equal(eg_notify_events_parse("all", &m, bad, sizeof bad), EG_OK);
    assert_int_equal(m, EG_NOTIFY_ALL);
    assert_int_equal(eg_notify_events_parse("none", &m, bad, sizeof bad), EG_OK);
    assert_int_equal(m, 0);
    assert_int_equal(eg_notify_events_parse("held,bogus", &m, bad, sizeof bad), EG_EFORMAT);
    assert_string_equal(bad, "bogus");
}

static void test_rate_keys(void **unused)
{
    char a[256], b[256];
    eg_notify_event e = event(EG_NOTIFY_INFECTED);
    eg_notify_rate_key(&e, a, sizeof a);
    assert_string_equal(a, "alice@corp.example");
    e = event(EG_NOTIFY_HELD);
    eg_notify_rate_key(&e, a, sizeof a);
    e.rules = "OTHER.RULE";
    eg_notify_rate_key(&e, b, sizeof b);
    assert_string_not_equal(a, b); /* another attack from the same sender is another event */
}

static void test_defang(void **unused)
{
    char *d = eg_notify_defang("see HTTPS://evil.example.com/a.b?x=1 and ftp://h.example");
    assert_string_equal(d, "see HxxPS[://]evil[.]example[.]com /a.b?x=1 and ftp[://]h[.]example");
    free(d);
    d = eg_notify_defang("");
    assert_string_equal(d, "");
    free(d);
}

/* Every notice, in both languages, quoting the evidence of a lure mail (a listed link, "enable
 * content", a password): scanned like any mail, it must come out clean, or the admin's notices
 * would be held at their own gateway. */
static void test_notices_scan_clean(void **unused)
{
    eg_global_init();
    char *dir = eg_test_tmpdir("notify-scan");
    char feed[700];
    snprintf(feed, sizeof feed, "%s/feed.txt", dir);
    const char *f = "http://bad.example/x.php\nhttp://drop.eg-test.invalid/inv/doc.php\n";
    eg_test_write_file(feed, f, strlen(f));
    const char *feeds[] = {feed};
    eg_options opt;
    eg_options_default(&opt);
    opt.ioc_files = feeds;
    opt.n_ioc_files = 1;
    const eg_notify_evidence lure[] = {
        {"INTEL.URL", 60, "Contains a URL listed in a threat-intelligence feed",
         "Do not open the link",
         "url http://drop.eg-test.invalid/inv/doc.php listed in feed.txt:2"},
        {"LURE.ENABLE_MACRO", 20, "The text asks the reader to enable macros, content or editing",
         "Do not enable content", "text \"Please enable content to view\""},
        {"MAIL.PASSWORD_IN_TEXT", 5, "A password is given in the text: パスワードは以下",
         "Ask the sender", "Password: Ab12cd34 / パスワード: Ab12cd34"},
        {"ZIP.ENCRYPTED", 10, "Encrypted ZIP archive", NULL, "invoice.zip"},
    };
    for (int k = 0; k < EG_NOTIFY__COUNT; k++)
        for (int l = 0; l < 2; l++) {
            eg_notify_event e = event((eg_notify_kind)k);
            e.ev = lure;
            e.n_ev = 4;
            e.subject = "Invoice http://drop.eg-test.invalid/inv/doc.php";
            e.detail = k == EG_NOTIFY_CAMPAIGN ? "same URL to 25 recipients" : e.detail;
            eg_notify_mail_opts o = {
                l ? EG_LANG_JA : EG_LANG_EN, "emoguard@corp.example", to, 2, NULL, NULL};
            char *m = eg_notify_mail(&e, &o);
            assert_non_null(m);
            eg_report *r = eg_test_scan_opts(m, strlen(m), &opt);
            assert_non_null(r);
            if (eg_report_verdict(r) != EG_VERDICT_CLEAN) {
                fprintf(stderr, "%s/%s notice:\n%s\n", eg_notify_kind_str(e.kind), l ? "ja" : "en",
                        m);
                eg_test_dump(r);
            }
            assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
            eg_report_free(r);
            free(m);
        }
    eg_test_rmrf(dir);
    free(dir);
}

/* The held outbound mail's sender: told it was not sent, the queue id, the rules' texts, no
 * excerpt of the mail, the subject cleaned and defanged, one recipient header; and it scans
 * clean in both languages. */
static void test_sender_notice(void **unused)
{
    (void)unused;
    eg_global_init();
    const char *sender[] = {"alice@corp.example"};
    for (int l = 0; l < 2; l++) {
        eg_notify_event e = event(EG_NOTIFY_HELD);
        e.from = "<alice@corp.example>";
        e.subject = "Invoice\r\nBcc: x@evil.example http://drop.eg-test.invalid/a.php";
        eg_notify_mail_opts o = {l ? EG_LANG_JA : EG_LANG_EN,
                                 "emoguard@corp.example",
                                 sender,
                                 1,
                                 "v1 1 0011223344556677 00",
                                 "id.2@gw1"};
        char *m = eg_notify_sender_mail(&e, &o);
        assert_non_null(m);
        char *h = headers_of(m);
        assert_non_null(strstr(h, "To: alice@corp.example\n"));
        assert_null(strstr(h, "Bcc:"));
        assert_non_null(strstr(h, EG_NOTIFY_HEADER ": v1 "));
        assert_non_null(strstr(h, "Auto-Submitted: auto-generated"));
        free(h);
        assert_non_null(strstr(m, "4ABCD123"));
        assert_non_null(strstr(m, "Contains a listed URL"));
        assert_null(strstr(m, "listed\n"));    /* the excerpt is not there */
        assert_null(strstr(m, "http://drop")); /* defanged */
        assert_non_null(strstr(m, "a@corp.example"));
        assert_non_null(strstr(m, l ? "まだ送信されていません" : "has not been sent"));
        assert_non_null(strstr(m, l ? "ネットワークから切り離し" : "take it off the network"));
        eg_report *r = eg_test_scan(m, strlen(m), NULL);
        assert_non_null(r);
        if (eg_report_verdict(r) != EG_VERDICT_CLEAN) {
            fprintf(stderr, "%s\n", m);
            eg_test_dump(r);
        }
        assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
        eg_report_free(r);
        free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_en),       cmocka_unit_test(test_notice_recognised),
        cmocka_unit_test(test_mail_ja),       cmocka_unit_test(test_every_kind_has_text),
        cmocka_unit_test(test_no_injection),  cmocka_unit_test(test_json),
        cmocka_unit_test(test_events_parse),  cmocka_unit_test(test_rate_keys),
        cmocka_unit_test(test_defang),        cmocka_unit_test(test_notices_scan_clean),
        cmocka_unit_test(test_sender_notice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
