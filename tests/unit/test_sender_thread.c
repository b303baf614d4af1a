/* Reply prefixes and quoted-thread parsing in English and Japanese client formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/thread.h"

#include <string.h>

static void subject_prefixes(void **st)
{
    (void)st;
    eg_thread_info ti = {0};
    const char *en = "Re: Re: Postpone this week's meeting";
    eg_thread_parse_subject(en, &ti);
    assert_int_equal(ti.n_reply, 2);
    assert_int_equal(ti.n_forward, 0);
    assert_string_equal(ti.prefix, "Re: Re:");
    assert_string_equal(en + ti.subject_rest, "Postpone this week's meeting");
    const char *ja = "ＲＥ：転送: 返信：【至急】請求書の件";
    eg_thread_parse_subject(ja, &ti);
    assert_int_equal(ti.n_reply, 2);
    assert_int_equal(ti.n_forward, 1);
    assert_string_equal(ja + ti.subject_rest, "【至急】請求書の件");
    eg_thread_parse_subject("[ml:0123] RE[2]: FW: Fwd: report", &ti);
    assert_int_equal(ti.n_reply, 1);
    assert_int_equal(ti.n_forward, 2);
    eg_thread_parse_subject("Reminder: meeting", &ti);
    assert_int_equal(ti.n_reply + ti.n_forward, 0);
    assert_int_equal(ti.subject_rest, 0);
    const char *empty = "RE: ";
    eg_thread_parse_subject(empty, &ti);
    assert_int_equal(ti.n_reply, 1);
    assert_string_equal(empty + ti.subject_rest, "");
    eg_thread_parse_subject(NULL, &ti);
    assert_int_equal(ti.n_reply, 0);
}

static const char *find_party(const eg_thread_info *ti, const char *addr)
{
    for (size_t i = 0; i < ti->n_parties; i++)
        if (ti->parties[i].addr && !strcmp(ti->parties[i].addr, addr))
            return ti->parties[i].name ? ti->parties[i].name : "";
    return NULL;
}

static void outlook_english_block(void **st)
{
    (void)st;
    const char *t = "Please see the attached.\n\nBest regards\n\n"
                    "-----Original Message-----\n"
                    "From: Yamada, Taro [mailto:yamada@partner.co.jp]\n"
                    "Sent: Monday, March 14, 2022 10:00 AM\n"
                    "To: Suzuki Hanako <suzuki@example.jp>; Sato Jiro <sato@example.jp>\n"
                    "Cc: Ito <ito@example.jp>, Kato Ken <kato@example.jp>, mori@example.jp\n"
                    "Subject: meeting\n\nHello.\n";
    eg_thread_info ti = {0};
    assert_int_equal(eg_thread_parse_body(t, strlen(t), &ti), EG_OK);
    assert_true(ti.has_quote);
    assert_string_equal(t + ti.quote_start, strstr(t, "-----Original"));
    assert_string_equal(find_party(&ti, "yamada@partner.co.jp"), "Yamada, Taro");
    assert_string_equal(find_party(&ti, "suzuki@example.jp"), "Suzuki Hanako");
    assert_string_equal(find_party(&ti, "sato@example.jp"), "Sato Jiro");
    assert_string_equal(find_party(&ti, "ito@example.jp"), "Ito");
    assert_string_equal(find_party(&ti, "kato@example.jp"), "Kato Ken");
    assert_string_equal(find_party(&ti, "mori@example.jp"), "");
    assert_false(ti.quote_attachment);
    eg_thread_info_free(&ti);
}

static void outlook_japanese_block_with_attachment(void **st)
{
    (void)st;
    const char *t = "お世話になっております。\nご確認ください。\n\n"
                    "差出人: 山田 太郎 <yamada@partner.co.jp>\n"
                    "送信日時: 2022年3月14日 10:00\n"
                    "宛先: 鈴木 花子 <suzuki@example.jp>\n"
                    "件名: 見積書の件\n\n見積書を添付いたします。\n";
    eg_thread_info ti = {0};
    assert_int_equal(eg_thread_parse_body(t, strlen(t), &ti), EG_OK);
    assert_true(ti.has_quote);
    assert_string_equal(t + ti.quote_start, strstr(t, "差出人"));
    assert_string_equal(find_party(&ti, "yamada@partner.co.jp"), "山田 太郎");
    assert_string_equal(find_party(&ti, "suzuki@example.jp"), "鈴木 花子");
    assert_true(ti.quote_attachment);
    eg_thread_info_free(&ti);
}

static void attribution_lines(void **st)
{
    (void)st;
    const char *t = "ok\n\nOn Mon, Mar 14, 2022 at 10:00 AM Taro Yamada <yamada@partner.co.jp> wrote:\n"
                    "> hello\n>\n"
                    "> 2022/03/10 9:15 に 佐藤 次郎 さんは書きました:\n>> 了解です\n"
                    ">> 2022年3月9日(水) 18:02 高橋 三郎 <takahashi@third.co.jp>:\n>>> 資料です\n";
    eg_thread_info ti = {0};
    assert_int_equal(eg_thread_parse_body(t, strlen(t), &ti), EG_OK);
    assert_true(ti.has_quote);
    assert_string_equal(t + ti.quote_start, strstr(t, "On Mon"));
    assert_string_equal(find_party(&ti, "yamada@partner.co.jp"), "Taro Yamada");
    assert_string_equal(find_party(&ti, "takahashi@third.co.jp"), "高橋 三郎");
    bool sato = false;
    for (size_t i = 0; i < ti.n_parties; i++)
        if (ti.parties[i].name && !strcmp(ti.parties[i].name, "佐藤 次郎") && !ti.parties[i].addr)
            sato = true;
    assert_true(sato);
    eg_thread_info_free(&ti);
}

static void forwarded_block_thunderbird_japanese(void **st)
{
    (void)st;
    const char *t = "転送します。\n\n-------- 転送メッセージ --------\n件名: 	資料\n日付: 	Mon, 14 Mar 2022\n"
                    "差出人: 	高橋 <takahashi@third.co.jp>\n宛先: 	me@example.jp\n\n本文\n";
    eg_thread_info ti = {0};
    assert_int_equal(eg_thread_parse_body(t, strlen(t), &ti), EG_OK);
    assert_true(ti.has_quote);
    assert_string_equal(t + ti.quote_start, strstr(t, "--------"));
    assert_non_null(find_party(&ti, "takahashi@third.co.jp"));
    assert_non_null(find_party(&ti, "me@example.jp"));
    eg_thread_info_free(&ti);
}

static void plain_text_has_no_thread(void **st)
{
    (void)st;
    const char *t = "To: all staff\nThe meeting moves to Friday.\nFrom: the office, with thanks.\n";
    eg_thread_info ti = {0};
    assert_int_equal(eg_thread_parse_body(t, strlen(t), &ti), EG_OK);
    /* "To:" and "From:" are 2 lines apart, so they read like a block: parties found, but no
     * address means nothing to compare */
    for (size_t i = 0; i < ti.n_parties; i++)
        assert_null(ti.parties[i].addr);
    eg_thread_info_free(&ti);
    const char *u = "Hello,\nthe file is ready.\nRegards\n";
    eg_thread_info tu = {0};
    assert_int_equal(eg_thread_parse_body(u, strlen(u), &tu), EG_OK);
    assert_false(tu.has_quote);
    assert_int_equal(tu.quote_start, strlen(u));
    assert_int_equal(tu.n_parties, 0);
    eg_thread_info_free(&tu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subject_prefixes),
        cmocka_unit_test(outlook_english_block),
        cmocka_unit_test(outlook_japanese_block_with_attachment),
        cmocka_unit_test(attribution_lines),
        cmocka_unit_test(forwarded_block_thunderbird_japanese),
        cmocka_unit_test(plain_text_has_no_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
