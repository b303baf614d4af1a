/*
 * The sender checks through the whole scanner: generated .eml files go through the mail
 * analyzer (GMime, RFC 2047 headers) into the view, and the findings land on the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_zipw.h"
#include "sender_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const own[] = {"example.co.jp", NULL};
static const char *const trusted[] = {"mx.example.co.jp", NULL};

static eg_report *scan(const eg_sf_mail *m)
{
    size_t len = 0;
    char *eml = eg_sf_eml(m, &len);
    assert_non_null(eml);
    eg_options o;
    eg_options_default(&o);
    o.data_dir = EG_SOURCE_DIR "/data";
    o.own_domains = own;
    o.n_own_domains = 1;
    o.trusted_authserv_ids = trusted;
    o.n_trusted_authserv_ids = 1;
    eg_report *r = eg_test_scan_opts(eml, len, &o);
    free(eml);
    assert_non_null(r);
    return r;
}

static void hijacked_reply_japanese(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "山田 太郎 <yamada.t@somahospitalar.com.br>", .to = "鈴木 花子 <suzuki@example.co.jp>",
                    .subject = "RE: RE: 見積書の件", .in_reply_to = "<r1@example.co.jp>",
                    .text = "早急に確認お願いします。\n\n山田 太郎 <yamada@partner.co.jp>\n\n"
                            "差出人: 山田 太郎 <yamada@partner.co.jp>\n送信日時: 2022年3月1日 10:00\n"
                            "宛先: 鈴木 花子 <suzuki@example.co.jp>\n件名: 見積書の件\n\n承知しました。\n",
                    .attachments = "2022-03-01_1137.xlsm"};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "SENDER.QUOTED_NAME_OTHER_ADDRESS"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "SENDER.QUOTED_NAME_OTHER_ADDRESS"));
    assert_true(eg_report_has_rule(r, "SENDER.SIGNATURE_ADDRESS"));
    assert_true(eg_report_has_rule(r, "MAIL.THREAD_NEW_ATTACHMENT"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    /* the evidence names the quoted address and the real sender */
    bool named = false;
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, "SENDER.QUOTED_NAME_OTHER_ADDRESS") && f->evidence &&
            strstr(f->evidence, "yamada@partner.co.jp") && strstr(f->evidence, "yamada.t@somahospitalar.com.br"))
            named = true;
    }
    assert_true(named);
    eg_report_free(r);
}

static void hijacked_reply_english_html(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "Maria Lopes <maria.l@somahospitalar.com.br>", .to = "joe@example.co.jp",
                    .subject = "Re: Re: Postpone this week's meeting",
                    .html = "<html><body><p>Re: Postpone this week's meeting</p><br><br>"
                            "<p>Maria Lopes &lt;maria.lopes@outlook.com&gt;</p><pre><!-- Converted from text/plain format -->\n"
                            "&gt; On Mon, Aug 31, 2020 at 9:12 AM Maria Lopes &lt;maria.lopes@outlook.com&gt; wrote:\n"
                            "&gt; Can we postpone the meeting this week?\n</pre></body></html>",
                    .attachments = "Mes_G697449.doc"};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "SENDER.QUOTED_NAME_OTHER_ADDRESS"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "SENDER.QUOTED_NAME_OTHER_ADDRESS"));
    assert_true(eg_report_has_rule(r, "THREAD.NO_REFERENCES"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void encoded_display_name_seed_case(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "サンプル健康保険組合 <info@relay.shared-server.net>", .to = "user@example.co.jp",
                    .subject = "健康診断のご案内",
                    .text = "添付をご確認ください。\n━━━━━━━━━━━━━━━━\nサンプル健康保険組合\n"
                            "メール：kenpo-office@abc.ne.jp\n━━━━━━━━━━━━━━━━\n"};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "SENDER.ORG_NAME_HOSTING"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "SENDER.ORG_NAME_HOSTING"));
    assert_true(eg_report_has_rule(r, "SENDER.SIGNATURE_ADDRESS"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

static void genuine_reply_stays_clean(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "山田 太郎 <yamada@partner.co.jp>", .to = "鈴木 花子 <suzuki@example.co.jp>",
                    .subject = "RE: 見積書の件", .message_id = "<r2@mx.partner.co.jp>",
                    .in_reply_to = "<r1@example.co.jp>", .references = "<r1@example.co.jp>",
                    .text = "鈴木様\n\n承知いたしました。\n\n--\n山田 太郎\nメール：yamada@partner.co.jp\n\n"
                            "差出人: 鈴木 花子 <suzuki@example.co.jp>\n送信日時: 2022年3月1日 10:00\n"
                            "宛先: 山田 太郎 <yamada@partner.co.jp>\n件名: 見積書の件\n\nご確認ください。\n",
                    .headers = "Authentication-Results: mx.example.co.jp; spf=pass smtp.mailfrom=partner.co.jp; "
                               "dkim=pass header.d=partner.co.jp; dmarc=pass header.from=partner.co.jp"};
    eg_report *r = scan(&m);
    if (eg_report_verdict(r) != EG_VERDICT_CLEAN)
        eg_test_dump(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    assert_true(eg_report_has_rule(r, "THREAD.REPLY"));
    assert_false(eg_report_has_rule(r, "SENDER.NOT_IN_THREAD"));
    eg_report_free(r);
}

static void forged_own_domain_with_trusted_results(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "Payroll <payroll@example.co.jp>", .to = "staff@example.co.jp", .subject = "Salary statement",
                    .text = "Open the attached statement.",
                    .headers = "Authentication-Results: mx.example.co.jp; spf=fail smtp.mailfrom=example.co.jp; "
                               "dkim=none; dmarc=fail header.from=example.co.jp"};
    eg_report *r = scan(&m);
    assert_true(eg_report_has_rule(r, "SENDER.OWN_DOMAIN_UNAUTHENTICATED"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

/* an AES-256 ZIP holding a harmless text, password "Ab12xy" */
static uint8_t *password_zip(size_t *len)
{
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {.name = "見積書.txt", .method = 8, .aes = "Ab12xy", .utf8_flag = true};
    const char body[] = "見積書の内容です。\n";
    eg_zw_add(w, &o, body, sizeof body - 1);
    return eg_zw_finish(w, len);
}

static bool has_combo(eg_report *r) { return eg_report_has_rule(r, "COMBO.REPLY_WITH_PAYLOAD"); }

/* the verdict's combination: a reply that brings an encrypted archive that could not be opened
 * into a thread that had none is raised; the same archive opened with the password in the body is
 * judged by its (harmless) content: a genuine PPAP reply stays clean; in a thread that already
 * exchanged password ZIPs (PPAP) the combination is not raised either */
static void reply_bringing_encrypted_archive(void **st)
{
    (void)st;
    size_t zlen = 0;
    uint8_t *zip = password_zip(&zlen);
    assert_non_null(zip);
    eg_sf_mail m = {.from = "山田 太郎 <yamada@partner.co.jp>", .to = "鈴木 花子 <suzuki@example.co.jp>",
                    .subject = "RE: 打合せの件", .in_reply_to = "<t1@example.co.jp>", .references = "<t1@example.co.jp>",
                    .text = "ご確認ください。\nパスワードは別途お送りします。\n\n"
                            "差出人: 鈴木 花子 <suzuki@example.co.jp>\n送信日時: 2022年3月1日 10:00\n"
                            "宛先: 山田 太郎 <yamada@partner.co.jp>\n件名: 打合せの件\n\n来週の打合せ、よろしくお願いします。\n",
                    .attachments = "2022-03-01_1137.zip", .attachment_data = zip, .attachment_len = zlen};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "ARCHIVE.NOT_OPENED") || !has_combo(r))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "ZIP.ENCRYPTED"));
    assert_true(eg_report_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_true(eg_report_has_rule(r, "MAIL.THREAD_NEW_ATTACHMENT"));
    assert_true(has_combo(r));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);

    /* the password is in the body: the archive is opened and its content is clean */
    m.text = "ご確認ください。\nパスワード：Ab12xy\n\n"
             "差出人: 鈴木 花子 <suzuki@example.co.jp>\n送信日時: 2022年3月1日 10:00\n"
             "宛先: 山田 太郎 <yamada@partner.co.jp>\n件名: 打合せの件\n\n来週の打合せ、よろしくお願いします。\n";
    r = scan(&m);
    if (has_combo(r) || eg_report_verdict(r) != EG_VERDICT_CLEAN)
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "ZIP.ENCRYPTED"));
    assert_false(eg_report_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_false(has_combo(r));
    assert_false(eg_report_has_rule(r, "COMBO.SPOOF_WITH_PAYLOAD"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);

    /* PPAP thread: the quoted mail already carried a password ZIP */
    m.text = "再送いたします。\nパスワード：Ab12xy\n\n"
             "差出人: 鈴木 花子 <suzuki@example.co.jp>\n送信日時: 2022年3月1日 10:00\n"
             "宛先: 山田 太郎 <yamada@partner.co.jp>\n件名: 打合せの件\n\n"
             "資料を添付いたします。解凍パスワードは別途お送りします。\n";
    r = scan(&m);
    assert_true(eg_report_has_rule(r, "ZIP.ENCRYPTED"));
    assert_false(eg_report_has_rule(r, "MAIL.THREAD_NEW_ATTACHMENT"));
    assert_false(has_combo(r));
    eg_report_free(r);
    free(zip);
}

int main(void)
{
    eg_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hijacked_reply_japanese),
        cmocka_unit_test(hijacked_reply_english_html),
        cmocka_unit_test(encoded_display_name_seed_case),
        cmocka_unit_test(genuine_reply_stays_clean),
        cmocka_unit_test(forged_own_domain_with_trusted_results),
        cmocka_unit_test(reply_bringing_encrypted_archive),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    eg_global_shutdown();
    return rc;
}
