/* Verdict precision on routine mail (issue 18): mailed macros warn, an organisation spoofed from a
 * free-mail or hosting address with a signature elsewhere is suspicious, and bulk-mail habits
 * alone stay clean while a payload or a sender mismatch gives them weight. Mails are built by
 * tests/fixtures (sender_fixtures, office_fixtures) and scanned whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/report.h"
#include "core/strutil.h"
#include "office_fixtures.h"
#include "sender_fixtures.h"
#include "testutil.h"
#include "verdict/rules.h"
#include "verdict/verdict.h"

#include <stdlib.h>
#include <string.h>

static eg_report *scan(const eg_sf_mail *m)
{
    size_t len = 0;
    char *eml = eg_sf_eml(m, &len);
    assert_non_null(eml);
    eg_options o;
    eg_options_default(&o);
    o.data_dir = EG_SOURCE_DIR "/data";
    eg_report *r = eg_test_scan_opts(eml, len, &o);
    free(eml);
    assert_non_null(r);
    return r;
}

static void expect_verdict(eg_report *r, eg_verdict v)
{
    if (eg_report_verdict(r) != v)
        eg_test_dump(r);
    assert_int_equal(eg_report_verdict(r), v);
}

/* ------------------------------------------------------------ mailed macros */

static const char harmless_src[] =
    "Attribute VB_Name = \"Module1\"\r\nSub Total()\r\n"
    "    Range(\"B2\").Value = Range(\"B1\").Value * 2\r\nEnd Sub\r\n";
/* a document module with attributes only: the project an old workbook keeps with no code */
static const char empty_src[] =
    "Attribute VB_Name = \"ThisWorkbook\"\r\nAttribute VB_Base = "
    "\"0{00020819-0000-0000-C000-000000000046}\"\r\nAttribute VB_Exposed = True\r\n"
    "Option Explicit\r\n\r\n' nothing here\r\n";

/* a .xlsm whose only macro fills a cell: no auto-exec, no shell, no download */
static uint8_t *harmless_xlsm_src(const char *src, bool document, size_t *len)
{
    eg_fx_module m = {
        .name = document ? "ThisWorkbook" : "Module1", .source = src, .document = document};
    uint8_t *bin = NULL;
    size_t bl = 0;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_BIN, &m, 1, 1252, NULL, 0, &bin, &bl), EG_OK);
    eg_fx_part p[] = {
        {"[Content_Types].xml",
         "<Types><Override PartName=\"/xl/workbook.xml\" "
         "ContentType=\"application/vnd.ms-excel.sheet.macroEnabled.main+xml\"/></Types>",
         0},
        {"xl/workbook.xml",
         "<workbook><sheets><sheet name=\"Sheet1\" r:id=\"rId1\" "
         "xmlns:r=\"r\"/></sheets></workbook>",
         0},
        {"xl/vbaProject.bin", (const char *)bin, bl}};
    uint8_t *z = NULL;
    assert_int_equal(eg_fx_zip_stored(p, 3, &z, len), EG_OK);
    free(bin);
    return z;
}

static uint8_t *harmless_xlsm(size_t *len)
{
    return harmless_xlsm_src(harmless_src, false, len);
}

static void mailed_macro_is_suspicious(void **st)
{
    (void)st;
    size_t zl = 0;
    uint8_t *x = harmless_xlsm(&zl);
    eg_sf_mail m = {.from = "山田 太郎 <yamada@partner.co.jp>",
                    .to = "suzuki@example.co.jp",
                    .subject = "集計表",
                    .text = "集計表をお送りします。\n",
                    .attachments = "集計表.xlsm",
                    .attachment_data = x,
                    .attachment_len = zl};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "VBA.MACRO"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_false(eg_report_has_rule(r, "VBA.AUTOEXEC"));
    assert_true(eg_report_has_rule(r, "COMBO.MAILED_MACRO"));
    expect_verdict(r, EG_VERDICT_SUSPICIOUS); /* warned, not rejected */
    eg_report_free(r);

    /* the same workbook scanned on its own (not mailed) is judged by the macro alone */
    r = eg_test_scan(x, zl, NULL);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_false(eg_report_has_rule(r, "COMBO.MAILED_MACRO"));
    eg_report_free(r);
    free(x);

    /* a VBA project with no code at all (attributes, Option, comments) is not a macro */
    x = harmless_xlsm_src(empty_src, true, &zl);
    m.attachment_data = x;
    m.attachment_len = zl;
    r = scan(&m);
    if (!eg_report_has_rule(r, "VBA.MACRO") || eg_report_has_rule(r, "COMBO.MAILED_MACRO"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "VBA.MACRO"));
    assert_false(eg_report_has_rule(r, "COMBO.MAILED_MACRO"));
    expect_verdict(r, EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(x);
}

/* ------------------------------------------------------------ organisation spoof */

static const char kenpo_sig[] =
    "いつもお世話になっております。\n保険証の更新について添付をご確認ください。\n\n"
    "━━━━━━━━━━━━━━━━\n明星産業健康保険組合 事務局\n"
    "〒100-0001 東京都千代田区\nメール：kenpo@myojo-sangyo.co.jp\n"
    "━━━━━━━━━━━━━━━━\n";

static void org_spoof_from_hosting_with_signature(void **st)
{
    (void)st;
    /* a customer's subdomain on a shared rental server */
    eg_sf_mail m = {.from = "明星産業健康保険組合 <kenpo01@user4711.xsrv.jp>",
                    .to = "suzuki@example.co.jp",
                    .subject = "保険証の更新について",
                    .text = kenpo_sig};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "SENDER.ORG_SPOOF_SIGNATURE"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "SENDER.ORG_SPOOF_SIGNATURE"));
    assert_true(eg_report_has_rule(r, "SENDER.SIGNATURE_ADDRESS"));
    expect_verdict(r, EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);

    /* from free mail */
    m.from = "明星産業健康保険組合 <myojo.kenpo@gmail.com>";
    r = scan(&m);
    assert_true(eg_report_has_rule(r, "SENDER.ORG_SPOOF_SIGNATURE"));
    expect_verdict(r, EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);

    /* from the organisation's own domain: nothing to say */
    m.from = "明星産業健康保険組合 <kenpo@myojo-sangyo.co.jp>";
    r = scan(&m);
    assert_false(eg_report_has_rule(r, "SENDER.ORG_SPOOF_SIGNATURE"));
    expect_verdict(r, EG_VERDICT_CLEAN);
    eg_report_free(r);

    /* a person's name on free mail with a signature elsewhere is not an organisation claim */
    m.from = "山田 太郎 <taro.yamada@gmail.com>";
    r = scan(&m);
    assert_false(eg_report_has_rule(r, "SENDER.ORG_SPOOF_SIGNATURE"));
    eg_report_free(r);
}

/* ------------------------------------------------------------ bulk-mail habits */

static const char news_html[] =
    "<p>Autumn newsletter</p>"
    "<p>Read more: <a href=\"https://bit.ly/3xAbCdE\">https://bit.ly/3xAbCdE</a></p>"
    "<p>Our archive: <a href=\"http://192.0.2.44/archive/\">http://192.0.2.44/archive/</a></p>"
    "<p><a "
    "href=\"https://click.mailer-example.net/t?u=1\">https://www.contoso-news.example/autumn</a></"
    "p>"
    "<p>--<br>Contoso News desk<br>Mail: desk@contoso-news.example</p>";

static void bulk_habits_alone_stay_clean(void **st)
{
    (void)st;
    eg_sf_mail m = {.from = "Contoso News <news@mailer-example.net>",
                    .reply_to = "desk@contoso-reply.example",
                    .to = "suzuki@example.co.jp",
                    .subject = "Autumn newsletter",
                    .html = news_html};
    eg_report *r = scan(&m);
    if (!eg_report_has_rule(r, "LINK.SHORTENER") || eg_report_verdict(r) != EG_VERDICT_CLEAN)
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "LINK.SHORTENER"));
    assert_true(eg_report_has_rule(r, "LINK.IP_HOST"));
    assert_true(eg_report_has_rule(r, "LINK.TEXT_HREF_MISMATCH"));
    assert_true(eg_report_has_rule(r, "SENDER.SIGNATURE_ADDRESS"));
    assert_true(eg_report_has_rule(r, "SENDER.REPLY_TO_OTHER_DOMAIN"));
    expect_verdict(r, EG_VERDICT_CLEAN);
    assert_true(eg_report_score(r) < EG_SCORE_SUSPICIOUS);
    eg_report_free(r);

    /* the same habits with an executable attachment count in full */
    m.attachments = "autumn_news.exe";
    r = scan(&m);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);

    /* ... and with a sender that is not who it claims (an address in the display name) */
    m.attachments = NULL;
    m.from = "\"desk@contoso-news.example\" <news@mailer-example.net>";
    r = scan(&m);
    if (!eg_report_has_rule(r, "SENDER.DISPLAY_NAME_ADDRESS"))
        eg_test_dump(r);
    assert_true(eg_report_has_rule(r, "SENDER.DISPLAY_NAME_ADDRESS"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    assert_true(eg_report_score(r) >= 25 + 25 + 25 + 25 + 10 + 10);
    eg_report_free(r);
}

/* the cap at report level: habits never carry a verdict over a line by themselves */
static eg_object *obj(uint32_t id, int32_t parent, eg_type t)
{
    eg_object *o = calloc(1, sizeof *o);
    o->id = id;
    o->parent = parent;
    o->type = t;
    o->name = eg_strdup("m");
    return o;
}

static void add(eg_report *r, const char *rule)
{
    int idx = eg_rule_find(rule);
    assert_true(idx >= 0);
    eg_report_add_finding(r, idx, 0, NULL);
}

static void habit_cap_in_the_score(void **st)
{
    (void)st;
    const char *habits[] = {"SENDER.SIGNATURE_ADDRESS", "SENDER.REPLY_TO_OTHER_DOMAIN",
                            "LINK.SHORTENER",           "LINK.IP_HOST",
                            "LINK.TEXT_HREF_MISMATCH",  "SENDER.RETURN_PATH_OTHER_DOMAIN"};
    eg_report *r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, EG_T_MAIL));
    for (size_t i = 0; i < sizeof habits / sizeof *habits; i++)
        add(r, habits[i]);
    eg_verdict_compute(r);
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    assert_int_equal(eg_report_score(r), EG_SCORE_SUSPICIOUS - 1);
    eg_report_free(r);

    /* one habit alone scores what it is worth */
    r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, EG_T_MAIL));
    add(r, "LINK.SHORTENER");
    eg_verdict_compute(r);
    assert_int_equal(eg_report_score(r), eg_rule_get(eg_rule_find("LINK.SHORTENER"))->score);
    eg_report_free(r);

    /* with a closed encrypted archive the habits count */
    r = eg_report_new("t");
    eg_report_add_object(r, obj(0, -1, EG_T_MAIL));
    add(r, "SENDER.SIGNATURE_ADDRESS");
    add(r, "LINK.IP_HOST");
    add(r, "ARCHIVE.NOT_OPENED");
    eg_verdict_compute(r);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    assert_true(eg_report_score(r) >= 25 + 25 + 30);
    eg_report_free(r);
}

int main(void)
{
    eg_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mailed_macro_is_suspicious),
        cmocka_unit_test(org_spoof_from_hosting_with_signature),
        cmocka_unit_test(bulk_habits_alone_stay_clean),
        cmocka_unit_test(habit_cap_in_the_score),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    eg_global_shutdown();
    return rc;
}
