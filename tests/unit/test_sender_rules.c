/*
 * Every sender rule with a Japanese and an English fixture, each checked for the two things its
 * evidence must name; and the clean cases that must stay clean (genuine reply threads, forwarded
 * mail, mailing lists, newsletters with many tracked links, mail from a partner's real domain).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sender_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eg_sender_config *cfg;

static const char *const own[] = {"example.co.jp", NULL};
static const char known[] = "# partners and their people\n"
                            "partner.co.jp\n"
                            "山田 太郎 <yamada@partner.co.jp>\n"
                            "\"Taro Yamada\" <t.yamada@partner.co.jp>\n"
                            "Acme Trading = acme-trading.com, acme.co.jp\n";

static int setup(void **st)
{
    (void)st;
    cfg = eg_sf_config(own, known, "mx.example.co.jp");
    return cfg ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    eg_sender_config_free(cfg);
    return 0;
}

/* the rule fired and its evidence names both a and b */
static void expect(const eg_sf_mail *m, const char *rule, const char *a, const char *b)
{
    eg_sender_hits h = eg_sf_eval(cfg, m);
    const char *ev = eg_sf_hit(&h, rule);
    if (!ev || (a && !strstr(ev, a)) || (b && !strstr(ev, b))) {
        printf("expected %s naming [%s] and [%s]; got:\n", rule, a ? a : "", b ? b : "");
        eg_sf_dump(&h);
    }
    assert_non_null(ev);
    if (a)
        assert_non_null(strstr(ev, a));
    if (b)
        assert_non_null(strstr(ev, b));
    eg_sender_hits_free(&h);
}

static void expect_none(const eg_sf_mail *m, const char *rule)
{
    eg_sender_hits h = eg_sf_eval(cfg, m);
    if (eg_sf_hit(&h, rule)) {
        printf("unexpected %s:\n", rule);
        eg_sf_dump(&h);
    }
    assert_null(eg_sf_hit(&h, rule));
    eg_sender_hits_free(&h);
}

/* no rule that scores: only the INFO facts may appear */
static void expect_clean(const eg_sf_mail *m)
{
    eg_sender_hits h = eg_sf_eval(cfg, m);
    int score = 0;
    for (size_t i = 0; i < h.n; i++)
        score += eg_rule_get(h.v[i].rule)->score;
    if (score) {
        printf("expected clean; got:\n");
        eg_sf_dump(&h);
    }
    assert_int_equal(score, 0);
    eg_sender_hits_free(&h);
}

/* ------------------------------------------------------------ display name */

static void display_name_address(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "山田 太郎 (yamada@partner.co.jp) <bot@somahospitalar.com.br>",
                     .subject = "請求書の件", .text = "ご確認ください。"};
    expect(&ja, "SENDER.DISPLAY_NAME_ADDRESS", "yamada@partner.co.jp", "bot@somahospitalar.com.br");
    eg_sf_mail en = {.from = "\"john.smith@contoso.com\" <mailer@relay.example.net>",
                     .subject = "Invoice", .text = "Please see attached."};
    expect(&en, "SENDER.DISPLAY_NAME_ADDRESS", "john.smith@contoso.com", "mailer@relay.example.net");
    eg_sf_mail same = {.from = "\"info@contoso.com\" <info@contoso.com>", .subject = "Hi", .text = "x"};
    expect_none(&same, "SENDER.DISPLAY_NAME_ADDRESS");
}

static void org_name_freemail(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "株式会社サンプル商事 経理部 <sample.keiri@gmail.com>",
                     .subject = "お支払いのお願い", .text = "添付の請求書をご確認ください。"};
    expect(&ja, "SENDER.ORG_NAME_FREEMAIL", "株式会社サンプル商事", "sample.keiri@gmail.com");
    eg_sf_mail isp = {.from = "有限会社テスト工業 <test-kogyo@ocn.ne.jp>", .subject = "見積", .text = "x"};
    expect(&isp, "SENDER.ORG_NAME_FREEMAIL", "有限会社テスト工業", "consumer ISP");
    eg_sf_mail en = {.from = "Contoso Corp Billing <contoso.billing@outlook.com>",
                     .subject = "Overdue invoice", .text = "Please pay today."};
    expect(&en, "SENDER.ORG_NAME_FREEMAIL", "Contoso Corp Billing", "contoso.billing@outlook.com");
    eg_sf_mail person = {.from = "Taro Suzuki <taro.suzuki@gmail.com>", .subject = "hi", .text = "x"};
    expect_none(&person, "SENDER.ORG_NAME_FREEMAIL");
}

static void org_name_hosting_seed_case(void **st)
{
    (void)st;
    /* the seed case: a health-insurance society, a hosting company's domain, a third address on
     * a .ne.jp ISP domain in the signature */
    eg_sf_mail ja = {.from = "サンプル健康保険組合 <info@relay.shared-server.net>",
                     .subject = "健康診断のご案内",
                     .text = "いつもお世話になっております。\n添付をご確認ください。\n\n"
                             "━━━━━━━━━━━━━━━━\nサンプル健康保険組合 事務局\n"
                             "メール：kenpo-office@abc.ne.jp\n━━━━━━━━━━━━━━━━\n"};
    expect(&ja, "SENDER.ORG_NAME_HOSTING", "サンプル健康保険組合", "info@relay.shared-server.net");
    expect(&ja, "SENDER.SIGNATURE_ADDRESS", "kenpo-office@abc.ne.jp", "info@relay.shared-server.net");
    eg_sf_mail en = {.from = "Northwind Logistics <noreply@s123.secureserver.net>",
                     .subject = "Shipment notice", .text = "Your parcel is held."};
    expect(&en, "SENDER.ORG_NAME_HOSTING", "Northwind Logistics", "hosting");
}

static void public_body_domain(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "京都府山城南保健所 <hokenjo@mail.clinic-example.com>",
                     .subject = "感染予防対策について", .text = "別添の通知をご確認ください。"};
    expect(&ja, "SENDER.PUBLIC_BODY_DOMAIN", "保健所", "not a .jp domain");
    eg_sf_mail ja2 = {.from = "厚生労働省 <mhlw-info@yahoo.co.jp>", .subject = "通知", .text = "x"};
    expect(&ja2, "SENDER.PUBLIC_BODY_DOMAIN", "厚生労働省", "mhlw-info@yahoo.co.jp");
    eg_sf_mail en = {.from = "Ministry of Finance <mof.notice@gmail.com>", .subject = "Tax refund",
                     .text = "Open the form."};
    expect(&en, "SENDER.PUBLIC_BODY_DOMAIN", "Ministry of Finance", "free mail");
    eg_sf_mail real = {.from = "京都府山城南保健所 <hokenjo@pref.kyoto.lg.jp>", .subject = "通知", .text = "x"};
    expect_none(&real, "SENDER.PUBLIC_BODY_DOMAIN");
    eg_sf_mail name = {.from = "伊藤 省吾 <shogo@gmail.com>", .subject = "x", .text = "x"};
    expect_none(&name, "SENDER.PUBLIC_BODY_DOMAIN");
}

static void org_name_unrelated(void **st)
{
    (void)st;
    eg_sf_mail en = {.from = "Contoso Bank <alerts@mailer.randomhost.com.br>", .subject = "Account locked",
                     .text = "Verify now."};
    expect(&en, "SENDER.ORG_NAME_UNRELATED", "Contoso Bank", "randomhost.com.br");
    eg_sf_mail ja = {.from = "Contoso株式会社 営業部 <eigyo@zzz-mailer.jp>", .subject = "ご案内", .text = "x"};
    expect(&ja, "SENDER.ORG_NAME_UNRELATED", "Contoso株式会社", "zzz-mailer.jp");
    eg_sf_mail ok = {.from = "Contoso Bank <alerts@contoso-bank.com>", .subject = "x", .text = "x"};
    expect_none(&ok, "SENDER.ORG_NAME_UNRELATED");
}

static void lookalike_domain(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "総務部 <soumu@examp1e.co.jp>", .to = "user@example.co.jp",
                     .subject = "至急：振込先変更のお知らせ", .text = "振込先が変わりました。"};
    expect(&ja, "SENDER.LOOKALIKE_DOMAIN", "examp1e.co.jp", "example.co.jp");
    eg_sf_mail en = {.from = "IT desk <it@exarnple.co.jp>", .subject = "Password expiry",
                     .text = "Reset your password."};
    expect(&en, "SENDER.LOOKALIKE_DOMAIN", "exarnple.co.jp", "example.co.jp");
    eg_sf_mail partner = {.from = "Yamada <yamada@partnar.co.jp>", .subject = "Invoice", .text = "x"};
    expect(&partner, "SENDER.LOOKALIKE_DOMAIN", "partnar.co.jp", "partner.co.jp");
    /* the recipient's own domain counts even when no own domain is configured */
    eg_sf_mail rcpt = {.from = "Support <support@c0ntoso-corp.com>", .to = "me@contoso-corp.com",
                       .subject = "x", .text = "x"};
    expect(&rcpt, "SENDER.LOOKALIKE_DOMAIN", "c0ntoso-corp.com", "contoso-corp.com");
}

static void recipient_name_other_address(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "鈴木 花子 <suzuki.h@somahospitalar.com.br>",
                     .to = "鈴木 花子 <suzuki@example.co.jp>", .subject = "Re: 資料", .text = "ご確認ください。"};
    expect(&ja, "SENDER.RECIPIENT_NAME_OTHER_ADDRESS", "suzuki@example.co.jp", "suzuki.h@somahospitalar.com.br");
    eg_sf_mail en = {.from = "Sato, Jiro <jsato@mail-z.example>",
                     .to = "team@example.co.jp", .cc = "Jiro Sato <sato@example.co.jp>", .subject = "Form", .text = "x"};
    expect(&en, "SENDER.RECIPIENT_NAME_OTHER_ADDRESS", "sato@example.co.jp", "jsato@mail-z.example");
    /* the recipient writing to themselves from a private account with the same local part */
    eg_sf_mail self = {.from = "Jiro Sato <sato@home-isp.example>", .to = "Jiro Sato <sato@example.co.jp>",
                       .subject = "note to self", .text = "x"};
    expect_none(&self, "SENDER.RECIPIENT_NAME_OTHER_ADDRESS");
    self.attachments = "invoice.doc";
    expect(&self, "SENDER.RECIPIENT_NAME_OTHER_ADDRESS", "sato@example.co.jp", "sato@home-isp.example");
    /* a colleague from the same domain is not */
    eg_sf_mail ok = {.from = "Jiro Sato <jiro.sato@mail.example.co.jp>", .to = "Jiro Sato <sato@example.co.jp>",
                     .subject = "note to self", .text = "x"};
    expect_none(&ok, "SENDER.RECIPIENT_NAME_OTHER_ADDRESS");
}

static void envelope_recipients_count(void **st)
{
    (void)st;
    /* Bcc: the recipient's domain is only in the envelope */
    eg_sf_mail m = {.from = "経理 <keiri@fabr1kam-jp.com>", .to = "undisclosed-recipients:;",
                    .subject = "請求書", .text = "ご確認ください。"};
    eg_mail_view *v = eg_sf_view(&m);
    eg_sender_hits h = {0};
    assert_int_equal(eg_sender_evaluate(cfg, v, &h), EG_OK);
    assert_null(eg_sf_hit(&h, "SENDER.LOOKALIKE_DOMAIN"));
    eg_sender_hits_free(&h);
    const char *rcpts[] = {"<sato@fabrikam-jp.com>", "user@gmail.com"};
    assert_int_equal(eg_sender_evaluate_rcpts(cfg, v, rcpts, 2, &h), EG_OK);
    const char *ev = eg_sf_hit(&h, "SENDER.LOOKALIKE_DOMAIN");
    assert_non_null(ev);
    assert_non_null(strstr(ev, "fabr1kam-jp.com"));
    assert_non_null(strstr(ev, "fabrikam-jp.com"));
    eg_sender_hits_free(&h);
    eg_sf_view_free(v);
}

static void known_name_other_domain(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "山田 太郎 <yamada.taro@somahospitalar.com.br>", .subject = "資料送付",
                     .text = "資料をお送りします。"};
    expect(&ja, "SENDER.KNOWN_NAME_OTHER_DOMAIN", "partner.co.jp", "yamada.taro@somahospitalar.com.br");
    eg_sf_mail en = {.from = "Yamada Taro <tyamada@mail-box.example.org>", .subject = "Documents",
                     .text = "Here you go."};
    expect(&en, "SENDER.KNOWN_NAME_OTHER_DOMAIN", "partner.co.jp", "tyamada@mail-box.example.org");
    eg_sf_mail real = {.from = "山田太郎 <yamada@partner.co.jp>", .subject = "資料", .text = "x"};
    expect_none(&real, "SENDER.KNOWN_NAME_OTHER_DOMAIN");
}

/* ------------------------------------------------------------ headers */

static void own_domain_unauthenticated(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "総務部 <soumu@example.co.jp>", .subject = "【重要】給与明細",
                     .text = "添付をご確認ください。",
                     .headers = "Authentication-Results: mx.example.co.jp; spf=fail smtp.mailfrom=example.co.jp; "
                                "dkim=none; dmarc=fail (p=none) header.from=example.co.jp"};
    expect(&ja, "SENDER.OWN_DOMAIN_UNAUTHENTICATED", "soumu@example.co.jp", "dmarc=fail");
    eg_sf_mail en = {.from = "CEO <ceo@example.co.jp>", .subject = "Urgent wire", .text = "Pay now.",
                     .headers = "Authentication-Results: mx.example.co.jp; spf=softfail smtp.mailfrom=x.example"};
    expect(&en, "SENDER.OWN_DOMAIN_UNAUTHENTICATED", "ceo@example.co.jp", "spf=softfail");
    /* the same claim written by somebody else's server is not read */
    eg_sf_mail forged = en;
    forged.headers = "Authentication-Results: mx.attacker.example; spf=fail; dmarc=fail";
    expect_none(&forged, "SENDER.OWN_DOMAIN_UNAUTHENTICATED");
    eg_sf_mail ok = en;
    ok.headers = "Authentication-Results: mx.example.co.jp; spf=pass smtp.mailfrom=example.co.jp; dkim=pass header.d=example.co.jp";
    expect_none(&ok, "SENDER.OWN_DOMAIN_UNAUTHENTICATED");
}

static void auth_fail(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "営業 <sales@vendor-x.co.jp>", .subject = "注文書", .text = "ご確認ください。",
                     .headers = "Authentication-Results: mx.example.co.jp;\n dkim=fail header.d=vendor-x.co.jp; dmarc=fail header.from=vendor-x.co.jp"};
    /* folded header values arrive unfolded in the view; the fixture's '\n' splits headers, so
     * write it on one line */
    ja.headers = "Authentication-Results: mx.example.co.jp; dkim=fail header.d=vendor-x.co.jp; dmarc=fail header.from=vendor-x.co.jp";
    expect(&ja, "SENDER.AUTH_FAIL", "sales@vendor-x.co.jp", "dmarc=fail");
    eg_sf_mail en = {.from = "Sales <sales@vendor-y.com>", .subject = "PO", .text = "x",
                     .headers = "Authentication-Results: mx.example.co.jp; spf=fail smtp.mailfrom=vendor-y.com; dkim=none; arc=none"};
    expect(&en, "SENDER.AUTH_FAIL", "sales@vendor-y.com", "spf=fail");
    eg_sf_mail dkim_ok = en;
    dkim_ok.headers = "Authentication-Results: mx.example.co.jp; spf=softfail; dkim=pass header.d=vendor-y.com";
    expect_none(&dkim_ok, "SENDER.AUTH_FAIL");
}

static void reply_to(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "経理部 <keiri@vendor-x.co.jp>", .reply_to = "vendor.keiri@gmail.com",
                     .subject = "振込先変更", .text = "ご返信ください。"};
    expect(&ja, "SENDER.REPLY_TO_FREEMAIL", "keiri@vendor-x.co.jp", "vendor.keiri@gmail.com");
    eg_sf_mail en = {.from = "CFO <cfo@vendor-y.com>", .reply_to = "cfo.private@outlook.com",
                     .subject = "Wire transfer", .text = "Reply asap."};
    expect(&en, "SENDER.REPLY_TO_FREEMAIL", "cfo@vendor-y.com", "cfo.private@outlook.com");
    eg_sf_mail ja2 = {.from = "経理部 <keiri@vendor-x.co.jp>", .reply_to = "keiri@other-y.com",
                      .subject = "請求書", .text = "x"};
    expect(&ja2, "SENDER.REPLY_TO_OTHER_DOMAIN", "keiri@vendor-x.co.jp", "keiri@other-y.com");
    eg_sf_mail en2 = {.from = "Sales <sales@vendor-y.com>", .reply_to = "sales@crm-z.net",
                      .subject = "Offer", .text = "x"};
    expect(&en2, "SENDER.REPLY_TO_OTHER_DOMAIN", "sales@vendor-y.com", "sales@crm-z.net");
    eg_sf_mail same = {.from = "Sales <sales@vendor-y.com>", .reply_to = "team@mail.vendor-y.com",
                       .subject = "Offer", .text = "x"};
    expect_none(&same, "SENDER.REPLY_TO_OTHER_DOMAIN");
}

static void return_path_and_sender(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "山本 <yamamoto@vendor-x.co.jp>", .return_path = "bounce@mailer-z.net",
                     .sender = "agent@mailer-z.net", .subject = "お知らせ", .text = "x"};
    expect(&ja, "SENDER.RETURN_PATH_OTHER_DOMAIN", "yamamoto@vendor-x.co.jp", "bounce@mailer-z.net");
    expect(&ja, "SENDER.SENDER_HEADER_OTHER_DOMAIN", "yamamoto@vendor-x.co.jp", "agent@mailer-z.net");
    eg_sf_mail en = {.from = "Bob <bob@vendor-y.com>", .return_path = "srs@relay-q.org",
                     .sender = "Bob via relay <bob@relay-q.org>", .subject = "Hello", .text = "x"};
    expect(&en, "SENDER.RETURN_PATH_OTHER_DOMAIN", "bob@vendor-y.com", "srs@relay-q.org");
    expect(&en, "SENDER.SENDER_HEADER_OTHER_DOMAIN", "bob@vendor-y.com", "bob@relay-q.org");
}

static void message_id(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "info@sender-a.com", .to = "user@example.co.jp",
                     .message_id = "<12345.2019123456789@example.co.jp>", .subject = "請求書",
                     .text = "下記URLからダウンロードしてください。"};
    expect(&ja, "SENDER.MESSAGE_ID_RECIPIENT_DOMAIN", "example.co.jp", "info@sender-a.com");
    eg_sf_mail en = {.from = "billing@sender-b.com", .to = "joe@contoso-corp.com",
                     .message_id = "<884412349910112341.abcdef0123456789@contoso-corp.com>",
                     .subject = "Invoice", .text = "Download below."};
    expect(&en, "SENDER.MESSAGE_ID_RECIPIENT_DOMAIN", "contoso-corp.com", "billing@sender-b.com");
    eg_sf_mail relay = en;
    relay.message_id = "<20220314.1234@mx1.contoso-corp.com>"; /* our relay added it */
    expect_none(&relay, "SENDER.MESSAGE_ID_RECIPIENT_DOMAIN");
    eg_sf_mail it = {.from = "Ufficio <ufficio@azienda-italia.it>",
                     .message_id = "<20220314103117.DWAT525.msl11.plala.or.jp@[124.102.139.87]>",
                     .subject = "Re: ordine", .text = "In allegato."};
    expect(&it, "SENDER.MESSAGE_ID_FOREIGN_HOST", "[124.102.139.87]", "ufficio@azienda-italia.it");
    eg_sf_mail ja2 = {.from = "田中 <tanaka@vendor-x.co.jp>", .message_id = "<1646700000.abcdefghijklmnopqrstuv@ocn-mail.ocn.ne.jp>",
                      .subject = "資料", .text = "x"};
    expect(&ja2, "SENDER.MESSAGE_ID_FOREIGN_HOST", "ocn-mail.ocn.ne.jp", "tanaka@vendor-x.co.jp");
    eg_sf_mail ok = {.from = "田中 <tanaka@vendor-x.co.jp>", .message_id = "<abc@mx1.vendor-x.co.jp>",
                     .subject = "資料", .text = "x"};
    expect_none(&ok, "SENDER.MESSAGE_ID_FOREIGN_HOST");
}

static void signature_address(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "山田 太郎 <bot@somahospitalar.com.br>", .subject = "Re: 見積書",
                     .text = "よろしくお願いします。\n\n株式会社パートナー 営業部\n山田 太郎\n"
                             "Ｅメール：yamada@partner.co.jp\nTEL：03-1234-5678\n"};
    expect(&ja, "SENDER.SIGNATURE_ADDRESS", "yamada@partner.co.jp", "bot@somahospitalar.com.br");
    eg_sf_mail en = {.from = "Taro Yamada <t.yamada@mailbox-z.example>", .subject = "Re: quote",
                     .text = "Please find attached.\n\n--\nTaro Yamada\nPartner Co., Ltd.\n"
                             "t.yamada@partner.co.jp | +81 3 1234 5678\n"};
    expect(&en, "SENDER.SIGNATURE_ADDRESS", "t.yamada@partner.co.jp", "t.yamada@mailbox-z.example");
    /* Unit 42 layout: the impersonated name and real address on their own line above the quote */
    eg_sf_mail u42 = {.from = "Maria Lopes <maria.l@somahospitalar.com.br>",
                      .subject = "Re: Re: Postpone this week's meeting",
                      .html = "<p>Re: Postpone this week's meeting</p><br><br>"
                              "<p>Maria Lopes &lt;maria.lopes@outlook.com&gt;</p>"
                              "<pre>&gt; On Mon, Aug 31, 2020 at 9:12 AM Maria Lopes &lt;maria.lopes@outlook.com&gt; wrote:\n"
                              "&gt; Can we move the meeting?</pre>"};
    expect(&u42, "SENDER.SIGNATURE_ADDRESS", "maria.lopes@outlook.com", "maria.l@somahospitalar.com.br");
    /* the sender's own address in the signature is fine */
    eg_sf_mail ok = {.from = "山田 太郎 <yamada@partner.co.jp>", .subject = "見積書",
                     .text = "よろしくお願いします。\n--\n山田 太郎\nメール: yamada@partner.co.jp\n"};
    expect_none(&ok, "SENDER.SIGNATURE_ADDRESS");
}

/* ------------------------------------------------------------ thread */

static const char quote_ja[] = "\n\n差出人: 山田 太郎 <yamada@partner.co.jp>\n送信日時: 2022年3月1日 10:00\n"
                               "宛先: 鈴木 花子 <suzuki@example.co.jp>\n件名: 見積書の件\n\n"
                               "お見積りの件、承知しました。\n";
static const char quote_en[] = "\n\nOn Tue, Mar 1, 2022 at 10:00 AM Taro Yamada <t.yamada@partner.co.jp> wrote:\n"
                               "> Thanks for the quote.\n> Regards\n";

static void not_in_thread_and_quoted_name(void **st)
{
    (void)st;
    char ja_text[1024], en_text[1024];
    snprintf(ja_text, sizeof ja_text, "ご確認ください。%s", quote_ja);
    snprintf(en_text, sizeof en_text, "See the file.%s", quote_en);
    eg_sf_mail ja = {.from = "佐々木 <sasaki@unrelated-shop.jp>", .subject = "RE: 見積書の件",
                     .in_reply_to = "<q1@partner.co.jp>", .text = ja_text};
    expect(&ja, "SENDER.NOT_IN_THREAD", "sasaki@unrelated-shop.jp", "yamada@partner.co.jp");
    eg_sf_mail en = {.from = "Tom Brown <tom@unrelated-shop.com>", .subject = "Re: quote",
                     .in_reply_to = "<q2@partner.co.jp>", .text = en_text};
    expect(&en, "SENDER.NOT_IN_THREAD", "tom@unrelated-shop.com", "t.yamada@partner.co.jp");
    eg_sf_mail ja2 = {.from = "山田 太郎 <info@somahospitalar.com.br>", .subject = "RE: 見積書の件",
                      .in_reply_to = "<q1@partner.co.jp>", .text = ja_text};
    expect(&ja2, "SENDER.QUOTED_NAME_OTHER_ADDRESS", "yamada@partner.co.jp", "info@somahospitalar.com.br");
    expect_none(&ja2, "SENDER.NOT_IN_THREAD"); /* one signal, one score */
    eg_sf_mail en2 = {.from = "Taro Yamada <t.yamada@somahospitalar.com.br>", .subject = "Re: Re: quote",
                      .in_reply_to = "<q2@partner.co.jp>", .text = en_text, .attachments = "Mes_G697449.doc"};
    expect(&en2, "SENDER.QUOTED_NAME_OTHER_ADDRESS", "t.yamada@partner.co.jp", "t.yamada@somahospitalar.com.br");
    /* the same person (same name, same personal local part) writing from another account of
     * theirs, bringing nothing: neither a quoted-name spoof nor a stranger in the thread */
    eg_sf_mail self = {.from = "Taro Yamada <t.yamada@home-mail.example>", .subject = "Re: quote",
                       .in_reply_to = "<q2@partner.co.jp>", .text = en_text};
    expect_none(&self, "SENDER.QUOTED_NAME_OTHER_ADDRESS");
    expect_none(&self, "SENDER.NOT_IN_THREAD");
    /* ... but a role address is nobody in particular */
    char role_text[1024];
    snprintf(role_text, sizeof role_text,
             "See the file.\n\nOn Tue, Mar 1, 2022 at 10:00 AM Sales <info@partner.co.jp> wrote:\n> Thanks.\n");
    eg_sf_mail role = {.from = "Sales <info@somahospitalar.com.br>", .subject = "Re: quote",
                       .in_reply_to = "<q2@partner.co.jp>", .text = role_text};
    expect(&role, "SENDER.QUOTED_NAME_OTHER_ADDRESS", "info@partner.co.jp", "info@somahospitalar.com.br");
}

static void thread_facts(void **st)
{
    (void)st;
    char ja_text[1024], en_text[1024];
    snprintf(ja_text, sizeof ja_text, "ご確認ください。%s", quote_ja);
    snprintf(en_text, sizeof en_text, "See the file.%s", quote_en);
    eg_sf_mail ja = {.from = "山田 太郎 <yamada@partner.co.jp>", .subject = "返信: 見積書の件",
                     .in_reply_to = "<q1@partner.co.jp>", .references = "<q1@partner.co.jp>",
                     .text = ja_text, .attachments = "image001.png,2022-03-01_1137.zip"};
    expect(&ja, "THREAD.REPLY", "返信:", "present");
    expect(&ja, "MAIL.THREAD_NEW_ATTACHMENT", "2022-03-01_1137.zip", "without attachments");
    eg_sf_mail en = {.from = "Taro Yamada <t.yamada@partner.co.jp>", .subject = "RE: quote",
                     .in_reply_to = "<q2@partner.co.jp>", .text = en_text, .attachments = "Mes_G697449.doc"};
    expect(&en, "MAIL.THREAD_NEW_ATTACHMENT", "Mes_G697449.doc", "without attachments");
    expect(&en, "THREAD.REPLY", "RE:", "quoted thread present");
    /* the quoted thread already carried an attachment */
    char had[1024];
    snprintf(had, sizeof had, "再送します。%s見積書を添付します。\n", quote_ja);
    eg_sf_mail again = ja;
    again.text = had;
    expect_none(&again, "MAIL.THREAD_NEW_ATTACHMENT");
    /* no reply headers */
    eg_sf_mail noref = {.from = "a@vendor-x.co.jp", .subject = "Re: 見積書の件", .text = ja_text};
    expect(&noref, "THREAD.NO_REFERENCES", "Re: 見積書の件", "In-Reply-To");
    eg_sf_mail noref_en = {.from = "a@vendor-y.com", .subject = "RE: Invoice", .text = en_text};
    expect(&noref_en, "THREAD.NO_REFERENCES", "RE: Invoice", "In-Reply-To");
    eg_sf_mail fwd = {.from = "a@vendor-y.com", .subject = "FW: Invoice", .text = "fyi"};
    expect_none(&fwd, "THREAD.NO_REFERENCES");
    eg_sf_mail mism = {.from = "a@vendor-y.com", .subject = "Re: x", .in_reply_to = "<a1@vendor-y.com>",
                       .references = "<z9@other.example>", .text = "x"};
    expect(&mism, "THREAD.REFERENCES_MISMATCH", "<a1@vendor-y.com>", "<z9@other.example>");
    eg_sf_mail mism_ja = {.from = "a@vendor-x.co.jp", .subject = "返信：打合せ", .in_reply_to = "<b1@vendor-x.co.jp>",
                          .references = "<c2@vendor-x.co.jp> <c3@vendor-x.co.jp>", .text = "承知しました"};
    expect(&mism_ja, "THREAD.REFERENCES_MISMATCH", "<b1@vendor-x.co.jp>", "<c2@vendor-x.co.jp>");
    eg_sf_mail odd = {.from = "a@vendor-y.com", .to = "user@example.co.jp", .subject = "Fwd: user@example.co.jp",
                      .text = "x"};
    expect(&odd, "THREAD.SUBJECT_ODD", "Fwd: user@example.co.jp", "recipient's address");
    eg_sf_mail odd_ja = {.from = "a@vendor-x.co.jp", .subject = "返信：", .text = "ご確認ください"};
    expect(&odd_ja, "THREAD.SUBJECT_ODD", "返信：", "nothing after the prefix");
}

/* ------------------------------------------------------------ links and lures */

static void links(void **st)
{
    (void)st;
    eg_sf_mail mis_ja = {.from = "info@vendor-x.co.jp", .subject = "ログインのお願い",
                         .html = "<p>下記よりログインしてください。</p>"
                                 "<a href=\"http://evil-login.example.net/x\">https://www.bank-example.co.jp/login</a>"};
    expect(&mis_ja, "LINK.TEXT_HREF_MISMATCH", "www.bank-example.co.jp", "evil-login.example.net");
    eg_sf_mail mis_en = {.from = "info@vendor-y.com", .subject = "Verify",
                         .html = "<a class=x href='https://collect.example.org/p?id=1'>\n  <b>www.contoso-bank.com</b></a>"};
    expect(&mis_en, "LINK.TEXT_HREF_MISMATCH", "www.contoso-bank.com", "collect.example.org");
    eg_sf_mail ip = {.from = "info@vendor-x.co.jp", .subject = "請求書",
                     .text = "請求書はこちら http://0xb907d607/fer/fe1.html と http://192.0.2.15/inv"};
    expect(&ip, "LINK.IP_HOST", "0xb907d607", "http://0xb907d607/fer/fe1.html");
    eg_sf_mail ip_en = {.from = "info@vendor-y.com", .subject = "Invoice", .text = "Get it: http://3221225985/x"};
    expect(&ip_en, "LINK.IP_HOST", "3221225985", "http://3221225985/x");
    eg_sf_mail port = {.from = "info@vendor-x.co.jp", .subject = "資料", .text = "資料: http://files.vendor-x.co.jp:8080/a"};
    expect(&port, "LINK.UNUSUAL_PORT", "8080", "files.vendor-x.co.jp");
    eg_sf_mail port_en = {.from = "info@vendor-y.com", .subject = "Docs",
                          .html = "<a href=\"https://docs.vendor-y.com:4443/d\">open</a>"};
    expect(&port_en, "LINK.UNUSUAL_PORT", "4443", "docs.vendor-y.com");
    eg_sf_mail puny = {.from = "info@vendor-x.co.jp", .subject = "確認", .text = "こちら https://xn--exmple-4nf.com/login"};
    expect(&puny, "LINK.PUNYCODE", "xn--exmple-4nf.com", "ex\xD0\xB0mple.com");
    eg_sf_mail puny_en = {.from = "info@vendor-y.com", .subject = "Check", .html = "<a href=\"https://xn--pypal-4ve.com/\">PayPal</a>"};
    expect(&puny_en, "LINK.PUNYCODE", "xn--pypal-4ve.com", "shows as");
    eg_sf_mail la = {.from = "info@vendor-x.co.jp", .subject = "社内ポータル", .text = "ログイン: https://portal.examp1e.co.jp/login"};
    expect(&la, "LINK.LOOKALIKE_DOMAIN", "portal.examp1e.co.jp", "example.co.jp");
    eg_sf_mail la_en = {.from = "info@vendor-y.com", .subject = "Portal", .html = "<a href=\"https://partnar.co.jp/s\">portal</a>"};
    expect(&la_en, "LINK.LOOKALIKE_DOMAIN", "partnar.co.jp", "partner.co.jp");
    eg_sf_mail dl = {.from = "info@vendor-x.co.jp", .subject = "請求書",
                     .text = "請求書: https://compromised.example.org/wp-content/uploads/Invoice_0315.doc"};
    expect(&dl, "LINK.FILE_DOWNLOAD", "Invoice_0315.doc", ".doc file");
    eg_sf_mail dl_en = {.from = "info@vendor-y.com", .subject = "Form",
                        .html = "<a href=\"https://site.example.org/f/Form%20-%20Mar%2003.zip?x=1\">Download</a>"};
    expect(&dl_en, "LINK.FILE_DOWNLOAD", "Mar%2003.zip", ".zip file");
    eg_sf_mail sh = {.from = "info@vendor-x.co.jp", .subject = "案内", .text = "詳細 https://bit.ly/3AbCdEf"};
    expect(&sh, "LINK.SHORTENER", "https://bit.ly/3AbCdEf", "bit.ly");
    eg_sf_mail sh_en = {.from = "info@vendor-y.com", .subject = "Info", .html = "<a href=\"https://tinyurl.com/y8abc\">here</a>"};
    expect(&sh_en, "LINK.SHORTENER", "tinyurl.com/y8abc", "tinyurl.com");
}

static void lures(void **st)
{
    (void)st;
    eg_sf_mail mac = {.from = "info@vendor-x.co.jp", .subject = "請求書",
                      .text = "添付ファイルを開き、「コンテンツの有効化」をクリックしてください。", .attachments = "請求書.xls"};
    expect(&mac, "LURE.ENABLE_MACRO", "コンテンツの有効化", "attachment 請求書.xls");
    eg_sf_mail mac_en = {.from = "info@vendor-y.com", .subject = "Invoice",
                         .text = "If the document is blank, click Enable Editing and then Enable Content."};
    expect(&mac_en, "LURE.ENABLE_MACRO", "enable", "no attachment");
    eg_sf_mail pw = {.from = "info@vendor-x.co.jp", .subject = "資料送付",
                     .text = "添付ファイルをご確認ください。\n解凍パスワード：4432", .attachments = "資料.zip"};
    expect(&pw, "LURE.ARCHIVE_PASSWORD", "解凍パスワード", "archive attached");
    eg_sf_mail pw_en = {.from = "info@vendor-y.com", .subject = "Documents",
                        .text = "The file is protected. The password is below.\nPass: 826", .attachments = "message 14032022.zip"};
    expect(&pw_en, "LURE.ARCHIVE_PASSWORD", "password is below", "archive attached");
    eg_sf_mail pw_noarc = pw;
    pw_noarc.attachments = NULL;
    expect_none(&pw_noarc, "LURE.ARCHIVE_PASSWORD");
    eg_sf_mail view = {.from = "info@vendor-x.co.jp", .subject = "請求書のご送付",
                       .text = "下記URLから請求書をダウンロードしてご確認ください。\nhttps://docs.vendor-x.co.jp/inv/8812"};
    expect(&view, "LURE.VIEW_DOCUMENT_LINK", "下記URLから", "https://docs.vendor-x.co.jp/inv/8812");
    eg_sf_mail view_en = {.from = "info@vendor-y.com", .subject = "Statement",
                          .html = "<p>Click here to view the document.</p><a href=\"https://share.vendor-y.com/d/1\">Statement</a>"};
    expect(&view_en, "LURE.VIEW_DOCUMENT_LINK", "click here to view", "https://share.vendor-y.com/d/1");
}

/* ------------------------------------------------------------ clean cases */

static void clean_genuine_reply_threads(void **st)
{
    (void)st;
    char ja_text[2048];
    snprintf(ja_text, sizeof ja_text,
             "鈴木様\n\nお世話になっております。\n承知いたしました。\n\n--\n株式会社パートナー\n山田 太郎\n"
             "メール：yamada@partner.co.jp\n%s",
             quote_ja);
    eg_sf_mail ja = {.from = "山田 太郎 <yamada@partner.co.jp>", .to = "鈴木 花子 <suzuki@example.co.jp>",
                     .subject = "RE: RE: 見積書の件", .message_id = "<r2@mx.partner.co.jp>",
                     .in_reply_to = "<r1@example.co.jp>", .references = "<r0@partner.co.jp> <r1@example.co.jp>",
                     .return_path = "yamada@partner.co.jp", .text = ja_text,
                     .headers = "Authentication-Results: mx.example.co.jp; spf=pass smtp.mailfrom=partner.co.jp; dkim=pass header.d=partner.co.jp; dmarc=pass"};
    expect_clean(&ja);
    /* an unknown correspondent replying in their own thread, with the attachment the thread
     * talked about */
    eg_sf_mail en = {.from = "Anna Schmidt <anna@fabrikam.de>", .to = "Jiro Sato <sato@example.co.jp>",
                     .subject = "Re: Minutes", .in_reply_to = "<m1@example.co.jp>", .references = "<m1@example.co.jp>",
                     .message_id = "<m2@mail.fabrikam.de>",
                     .text = "Hi Jiro,\n\nthe minutes are attached.\n\nBest,\nAnna\n\n"
                             "On Tue, Mar 1, 2022 at 10:00 AM Jiro Sato <sato@example.co.jp> wrote:\n"
                             "> Anna, could you send the minutes as a PDF attachment?\n"
                             ">\n> On Mon, Feb 28, 2022, Anna Schmidt <anna@fabrikam.de> wrote:\n>> Meeting went well.\n",
                     .attachments = "minutes.pdf"};
    expect_clean(&en);
}

static void clean_forwarded_mail(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "鈴木 花子 <suzuki@example.co.jp>", .to = "sato@example.co.jp",
                     .subject = "FW: セミナーのご案内", .outbound = false,
                     .text = "佐藤さん\n参考までに転送します。\n\n-----Original Message-----\n"
                             "From: 高橋 三郎 <takahashi@third.co.jp>\nSent: Tuesday, March 1, 2022 9:00 AM\n"
                             "To: suzuki@example.co.jp\nSubject: セミナーのご案内\n\n"
                             "セミナーのご案内です。\n---\n高橋 三郎\nメール: takahashi@third.co.jp\n",
                     .headers = "Authentication-Results: mx.example.co.jp; spf=pass smtp.mailfrom=example.co.jp; dkim=pass header.d=example.co.jp; dmarc=pass"};
    expect_clean(&ja);
    eg_sf_mail en = {.from = "Jiro Sato <sato@example.co.jp>", .to = "team@example.co.jp",
                     .subject = "Fwd: Conference schedule",
                     .text = "FYI\n\n---------- Forwarded message ---------\n"
                             "From: Events Team <events@conf-example.org>\nDate: Mon, Feb 28, 2022 at 5:00 PM\n"
                             "Subject: Conference schedule\nTo: <sato@example.co.jp>\n\n"
                             "See the schedule at https://www.conf-example.org/schedule\n"};
    expect_clean(&en);
}

static void clean_mailing_list(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "\"yamada@partner.co.jp via 技術ML\" <tech-ml@googlegroups.com>",
                     .reply_to = "yamada@partner.co.jp", .sender = "tech-ml@googlegroups.com",
                     .return_path = "tech-ml+bncBC@googlegroups.com", .list_id = "<tech-ml.googlegroups.com>",
                     .subject = "[tech-ml:0123] Re: ビルド手順", .in_reply_to = "<x1@partner.co.jp>",
                     .text = "ビルド手順を更新しました。\n\n--\n山田 太郎 yamada@partner.co.jp\n"
                             "---\nこのメールは Google グループのグループ「技術ML」に登録しているユーザーに送られています。\n"
                             "https://groups.google.com/d/optout\n"};
    expect_clean(&ja);
    eg_sf_mail en = {.from = "Dev List <dev@lists.project.example>", .reply_to = "dev@lists.project.example",
                     .return_path = "dev-bounces@lists.project.example", .list_id = "Project dev <dev.lists.project.example>",
                     .subject = "Re: [dev] release plan", .in_reply_to = "<z@contoso.example>",
                     .text = "Sounds good.\n\nOn Mon, Feb 28, 2022 at 5:00 PM Mark <mark@contoso.example> wrote:\n> plan attached\n"};
    expect_clean(&en);
}

static void clean_newsletter(void **st)
{
    (void)st;
    static char html[64 * 1024];
    size_t o = 0;
    o += (size_t)snprintf(html + o, sizeof html - o, "<html><body><h1>今月のお知らせ / Monthly news</h1>");
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(html + o, sizeof html - o,
                              "<p><a href=\"https://click.news-mailer.example/ls/click?upn=%08d-abcdef&amp;u=%d\">"
                              "%s</a></p>",
                              i * 7919, i, i % 2 ? "https://www.shop-example.jp/sale" : "詳しくはこちら / Read more");
    snprintf(html + o, sizeof html - o,
             "<img src=\"https://open.news-mailer.example/o/1.gif\"><a href=\"https://click.news-mailer.example/unsub?u=1\">配信停止</a></body></html>");
    eg_sf_mail m = {.from = "ショップ例 <news@shop-example.jp>", .reply_to = "support@shop-example.jp",
                    .return_path = "bounce-123@news-mailer.example", .subject = "【ショップ例】今月のお知らせ",
                    .message_id = "<abc.123@news-mailer.example>", .html = html,
                    .headers = "List-Unsubscribe: <https://click.news-mailer.example/unsub?u=1>\nPrecedence: bulk"};
    expect_clean(&m);
}

static void clean_partner_real_domain(void **st)
{
    (void)st;
    eg_sf_mail ja = {.from = "株式会社パートナー 山田 太郎 <yamada@partner.co.jp>", .to = "suzuki@example.co.jp",
                     .subject = "請求書送付のご案内", .message_id = "<p1@mx.partner.co.jp>",
                     .text = "いつもお世話になっております。\n3月分の請求書を送付いたします。\n\n"
                             "━━━━━━━━━━━━━━━━\n株式会社パートナー 経理部\nメール：keiri@partner.co.jp\n"
                             "━━━━━━━━━━━━━━━━\n",
                     .attachments = "請求書_202203.pdf"};
    expect_clean(&ja);
    eg_sf_mail en = {.from = "Acme Trading Sales <sales@acme-trading.com>", .to = "sato@example.co.jp",
                     .subject = "Quotation", .reply_to = "orders@acme.co.jp",
                     .text = "Dear Mr. Sato,\nplease find our quotation attached.\n--\nAcme Trading Co., Ltd.\n"
                             "E-mail: sales@acme-trading.com\n",
                     .attachments = "quotation.pdf"};
    expect_clean(&en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(display_name_address),
        cmocka_unit_test(org_name_freemail),
        cmocka_unit_test(org_name_hosting_seed_case),
        cmocka_unit_test(public_body_domain),
        cmocka_unit_test(org_name_unrelated),
        cmocka_unit_test(lookalike_domain),
        cmocka_unit_test(recipient_name_other_address),
        cmocka_unit_test(envelope_recipients_count),
        cmocka_unit_test(known_name_other_domain),
        cmocka_unit_test(own_domain_unauthenticated),
        cmocka_unit_test(auth_fail),
        cmocka_unit_test(reply_to),
        cmocka_unit_test(return_path_and_sender),
        cmocka_unit_test(message_id),
        cmocka_unit_test(signature_address),
        cmocka_unit_test(not_in_thread_and_quoted_name),
        cmocka_unit_test(thread_facts),
        cmocka_unit_test(links),
        cmocka_unit_test(lures),
        cmocka_unit_test(clean_genuine_reply_threads),
        cmocka_unit_test(clean_forwarded_mail),
        cmocka_unit_test(clean_mailing_list),
        cmocka_unit_test(clean_newsletter),
        cmocka_unit_test(clean_partner_real_domain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
