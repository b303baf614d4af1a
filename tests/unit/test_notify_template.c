/* The notice texts: the mail in Japanese and English (headers, what to do first, evidence), header
 * injection through a sender's subject, RFC 2047 subjects, defanged links, the hook's JSON, the
 * event list parser and the rate-limit keys. */
#include "notify/notify.h"

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
    assert_non_null(strstr(h, "Subject: [emoguard] mail held from mallory@ext.example\n"));
    assert_non_null(strstr(h, "Auto-Submitted: auto-generated\n"));
    assert_non_null(strstr(h, "X-Emoguard-Notice: v1 1 0011223344556677 00\n"));
    assert_non_null(strstr(h, "Message-ID: <id.1@gw1>\n"));
    free(h);
    assert_non_null(strstr(m, "What to do first:\n  1. "));
    assert_non_null(strstr(m, "Queue id: 4ABCD123"));
    assert_non_null(strstr(m, "Recipients: a@corp.example, b@corp.example"));
    assert_non_null(strstr(m, "- INTEL.URL (+60) Contains a listed URL"));
    assert_non_null(strstr(m, "what to do: Do not open the link"));
    assert_non_null(strstr(m, "hxxp[://]bad[.]example /x.php")); /* defanged */
    assert_null(strstr(m, "http://bad.example"));
    assert_non_null(strstr(m, "Time (UTC): 2023-11-14 22:13:20"));
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
    assert_non_null(strstr(m, "アカウント: alice@corp.example"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_en),
        cmocka_unit_test(test_mail_ja),
        cmocka_unit_test(test_every_kind_has_text),
        cmocka_unit_test(test_no_injection),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_events_parse),
        cmocka_unit_test(test_rate_keys),
        cmocka_unit_test(test_defang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
