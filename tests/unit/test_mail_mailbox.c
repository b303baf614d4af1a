/* mbox splitting, Maildir detection, separate password mails, and the TNEF reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/mailbox.h"
#include "mail/tnef.h"
#include "mail_builder.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mbox_split_and_unescape(void **st)
{
    (void)st;
    const char *msgs[] = {"From: a@example.jp\nSubject: one\n\nFrom here on, hi\n>From quoted\n",
                          "From: b@example.jp\nSubject: two\n\nsecond\n",
                          "From: c@example.jp\nSubject: three\n\nthird"};
    size_t len;
    char *mb = eg_mb_mbox(msgs, 3, &len);
    assert_true(eg_mbox_detect((uint8_t *)mb, len));
    eg_mbox_msg *m = NULL;
    size_t n = 0;
    assert_int_equal(eg_mbox_split((uint8_t *)mb, len, 100, &m, &n), EG_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        size_t want = strlen(msgs[i]) + (i == 2 ? 1 : 0); /* the writer ends the last with \n */
        assert_int_equal(m[i].len, want);
        assert_memory_equal(m[i].data, msgs[i], strlen(msgs[i]));
    }
    assert_non_null(m[0].owned); /* the escaped lines were restored in a copy */
    assert_null(m[1].owned);
    assert_int_equal(m[0].line, 1);
    assert_int_equal(m[1].line, 8);
    eg_mbox_free(m, n);
    /* the message cap */
    assert_int_equal(eg_mbox_split((uint8_t *)mb, len, 2, &m, &n), EG_ELIMIT);
    eg_mbox_free(m, n);
    assert_false(eg_mbox_detect((const uint8_t *)"From: x\n", 8));
    assert_int_equal(eg_mbox_split((const uint8_t *)"Subject: x\n", 11, 10, &m, &n), EG_EFORMAT);
    free(mb);
}

typedef struct {
    const uint8_t *d;
    size_t n, pos, step;
} memsrc;

static long mem_read(void *ud, uint8_t *buf, size_t n)
{
    memsrc *m = ud;
    size_t k = m->n - m->pos;
    if (k > n)
        k = n;
    if (k > m->step) /* short reads, as a pipe gives them */
        k = m->step;
    memcpy(buf, m->d + m->pos, k);
    m->pos += k;
    return (long)k;
}

/* The streamed splitter finds what eg_mbox_split finds, whatever the chunk and read sizes. */
static void check_reader_matches_split(const uint8_t *mb, size_t len, size_t cap, size_t step)
{
    eg_mbox_msg *m = NULL;
    size_t n = 0;
    assert_int_equal(eg_mbox_split(mb, len, 1000, &m, &n), EG_OK);
    memsrc src = {mb, len, 0, step};
    eg_mbox_reader *r = eg_mbox_reader_new(mem_read, &src, cap);
    assert_non_null(r);
    eg_mbox_entry e;
    size_t k = 0;
    while (eg_mbox_reader_next(r, &e) == 1) {
        assert_true(k < n);
        assert_true(e.off + e.len <= len);
        uint8_t *copy = malloc(e.len + 1);
        memcpy(copy, mb + e.off, e.len);
        size_t cl = e.unescape ? eg_mbox_unescape(copy, e.len) : e.len;
        assert_int_equal(e.unescape, m[k].owned != NULL);
        assert_int_equal(cl, m[k].len);
        assert_memory_equal(copy, m[k].data, cl);
        assert_int_equal(e.line, m[k].line);
        free(copy);
        k++;
    }
    assert_int_equal(k, n);
    assert_int_equal(eg_mbox_reader_next(r, &e), 0);
    eg_mbox_reader_free(r);
    eg_mbox_free(m, n);
}

static void mbox_reader_streams(void **st)
{
    (void)st;
    const char *msgs[] = {"From: a@example.jp\nSubject: one\n\nFrom here on, hi\n>From quoted\n",
                          "From: b@example.jp\r\nSubject: two\r\n\r\nsecond\r\n\r\n", "", "\n",
                          "From: c@example.jp\nSubject: three\n\nthird"};
    size_t len;
    char *mb = eg_mb_mbox(msgs, 5, &len);
    size_t caps[] = {256, 300, 1u << 16}, steps[] = {1, 7, 1u << 20};
    for (size_t c = 0; c < 3; c++)
        for (size_t s = 0; s < 3; s++)
            check_reader_matches_split((uint8_t *)mb, len, caps[c], steps[s]);
    free(mb);
    /* no final newline, and a blank-line ending */
    const char *raw[] = {"From x@y Mon Jul  1 10:00:00 2024\nSubject: a\n\nbody",
                         "From x@y Mon Jul  1 10:00:00 2024\nA: b\n\n\n\nFrom x@y 10:00\nB: c\n\n"};
    for (int i = 0; i < 2; i++)
        check_reader_matches_split((const uint8_t *)raw[i], strlen(raw[i]), 256, 3);
    /* a line longer than the buffer is skipped whole, offsets stay right */
    size_t big = 5000;
    char *lm = malloc(big + 200);
    int w = snprintf(lm, 200, "From x@y Mon Jul  1 10:00:00 2024\nSubject: long\n\n");
    memset(lm + w, 'A', big);
    strcpy(lm + w + big, "\nFrom x@y Mon Jul  1 10:01:00 2024\nSubject: next\n\nok\n");
    check_reader_matches_split((uint8_t *)lm, strlen(lm), 256, 100);
    free(lm);
    /* not an mbox */
    memsrc src = {(const uint8_t *)"Subject: x\n", 11, 0, 100};
    eg_mbox_reader *r = eg_mbox_reader_new(mem_read, &src, 256);
    eg_mbox_entry e;
    assert_int_equal(eg_mbox_reader_next(r, &e), -1);
    eg_mbox_reader_free(r);
    assert_null(eg_mbox_reader_new(mem_read, &src, 10));
}

static void maildir_detection(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("maildir");
    char md[4096];
    snprintf(md, sizeof md, "%s/Inbox", dir);
    const char *msgs[] = {"From: a@example.jp\n\nx\n", "From: b@example.jp\n\ny\n"};
    assert_int_equal(eg_mb_maildir(md, msgs, 2), 0);
    assert_true(eg_maildir_detect(md));
    assert_false(eg_maildir_detect(dir));
    eg_test_rmrf(dir);
    free(dir);
}

static char *archive_mail(const char *from, const char *to, const char *date, const char *subject)
{
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", to);
    eg_mb_header(m, "Date", date);
    eg_mb_header(m, "Message-ID", "<arch-1@example.co.jp>");
    eg_mb_header_text(m, "Subject", subject, EG_MB_JIS, 'B');
    eg_mb_text(m, "資料を送付します。パスワードは別途お送りします。", EG_MB_JIS, EG_MB_7BIT);
    const uint8_t zip[] = "PK\x03\x04 not really";
    eg_mb_attach(m, "資料.zip", "application/zip", zip, sizeof zip - 1, EG_MB_NAME_2231);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

static char *password_mail(const char *from, const char *to, const char *date, const char *subject,
                           const char *body)
{
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", to);
    eg_mb_header(m, "Date", date);
    eg_mb_header_text(m, "Subject", subject, EG_MB_JIS, 'B');
    eg_mb_text(m, body, EG_MB_SJIS, EG_MB_B64);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

static void separate_password_mail_is_linked(void **st)
{
    (void)st;
    const char *from = "Sato <sato@example.co.jp>", *to = "kimura@example.jp, ito@example.jp";
    char *a = archive_mail(from, to, "Mon, 1 Jul 2024 10:00:00 +0900", "見積書の送付");
    char *other = password_mail("x@example.net", to, "Mon, 1 Jul 2024 10:01:00 +0900", "パスワード",
                                "パスワード：Wrong111");
    char *p = password_mail(
        "\"佐藤\" <SATO@example.co.jp>", "ito@example.jp, Kimura@example.jp",
        "Mon, 1 Jul 2024 10:02:00 +0900", "【パスワード通知】見積書の送付",
        "先ほどのメールの解凍パスワードをお知らせします。\n\nパスワード：Ｒｉｇｈｔ２２２\n");
    const uint8_t *data[] = {(uint8_t *)a, (uint8_t *)other, (uint8_t *)p};
    size_t len[] = {strlen(a), strlen(other), strlen(p)};
    eg_password_link *l = NULL;
    size_t nl = 0;
    assert_int_equal(eg_mailbox_link_passwords(data, len, 3, &l, &nl), EG_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(l[0].target, 0);
    assert_int_equal(l[0].source, 2);
    assert_true(l[0].n_passwords >= 1);
    assert_string_equal(l[0].passwords[0], "Right222");
    assert_non_null(strstr(l[0].origin, "#3"));
    assert_non_null(strstr(l[0].origin, "見積書の送付"));
    eg_password_links_free(l, nl);
    free(p);

    /* too late (a day after), other recipients, or no subject/thread link: no pairing */
    const char *bad[][4] = {
        {to, "Tue, 2 Jul 2024 10:02:00 +0900", "パスワード 見積書の送付", "パスワード：Late333"},
        {"kimura@example.jp", "Mon, 1 Jul 2024 10:02:00 +0900", "パスワード 見積書の送付",
         "パスワード：Few444"},
        {to, "Mon, 1 Jul 2024 10:02:00 +0900", "ご連絡", "パスワード：Unlinked555"},
    };
    for (int i = 0; i < 3; i++) {
        p = password_mail(from, bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
        data[2] = (uint8_t *)p;
        len[2] = strlen(p);
        assert_int_equal(eg_mailbox_link_passwords(data, len, 3, &l, &nl), EG_OK);
        if (nl)
            fail_msg("case %d linked %s", i, l[0].passwords[0]);
        eg_password_links_free(l, nl);
        free(p);
    }
    /* a thread link (In-Reply-To) is enough without the subject */
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", to);
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:03:00 +0900");
    eg_mb_header(m, "In-Reply-To", "<arch-1@example.co.jp>");
    eg_mb_header(m, "Subject", "pw");
    eg_mb_text(m, "Password: Thread666", EG_MB_UTF8, EG_MB_7BIT);
    p = eg_mb_build(m, NULL);
    eg_mb_free(m);
    data[2] = (uint8_t *)p;
    len[2] = strlen(p);
    assert_int_equal(eg_mailbox_link_passwords(data, len, 3, &l, &nl), EG_OK);
    assert_int_equal(nl, 1);
    assert_string_equal(l[0].passwords[0], "Thread666");
    eg_password_links_free(l, nl);
    free(p);

    /* an HTML password mail: <meta name=...> is not an attachment name */
    m = eg_mb_new();
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", to);
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:04:00 +0900");
    eg_mb_header_text(m, "Subject", "Re: 見積書の送付", EG_MB_UTF8, 'B');
    eg_mb_html(m,
               "<html><head><meta name=\"viewport\" "
               "content=\"w\"></head><body><p>パスワード：Html777</p></body></html>",
               EG_MB_UTF8, EG_MB_QP);
    p = eg_mb_build(m, NULL);
    eg_mb_free(m);
    data[2] = (uint8_t *)p;
    len[2] = strlen(p);
    assert_int_equal(eg_mailbox_link_passwords(data, len, 3, &l, &nl), EG_OK);
    assert_int_equal(nl, 1);
    assert_string_equal(l[0].passwords[0], "Html777");
    eg_password_links_free(l, nl);
    free(p);
    free(a);
    free(other);
}

static void tnef_reader(void **st)
{
    (void)st;
    const uint8_t f1[] = "abc", f2[] = "0123456789";
    eg_mb_tnef_file files[] = {{"請求書①.xlsm", f1, 3}, {"b.txt", f2, 10}};
    size_t len;
    uint8_t *t = eg_mb_tnef(files, 2, "本文", &len);
    eg_tnef tn;
    assert_int_equal(eg_tnef_parse(t, len, 100, &tn), EG_OK);
    assert_false(tn.malformed);
    assert_int_equal(tn.n_files, 2);
    assert_string_equal(tn.files[0].name, "請求書①.xlsm");
    assert_int_equal(tn.files[0].len, 3);
    assert_memory_equal(tn.files[1].data, f2, 10);
    assert_int_equal(tn.codepage, 932);
    eg_tnef_free(&tn);
    /* the file cap */
    assert_int_equal(eg_tnef_parse(t, len, 1, &tn), EG_OK);
    assert_int_equal(tn.n_files, 1);
    assert_true(tn.malformed);
    eg_tnef_free(&tn);
    /* every truncation: never a crash, malformed once a record is cut */
    for (size_t cut = 0; cut < len; cut++) {
        eg_status s = eg_tnef_parse(t, cut, 100, &tn);
        if (cut < 6)
            assert_int_equal(s, EG_EFORMAT);
        else
            assert_int_equal(s, EG_OK);
        eg_tnef_free(&tn);
    }
    /* a flipped byte in a record breaks its checksum */
    t[len - 20] ^= 0x55;
    assert_int_equal(eg_tnef_parse(t, len, 100, &tn), EG_OK);
    assert_true(tn.malformed);
    eg_tnef_free(&tn);
    free(t);
}

/* The example of MS-OXRTFCP section 4.1: "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n" */
static const uint8_t LZFU[] = {0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a,
                               0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00,
                               0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
                               0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77,
                               0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0};
static const char RTF_PLAIN[] = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";

static void tnef_compressed_rtf(void **st)
{
    (void)st;
    uint8_t *o;
    size_t n;
    assert_int_equal(eg_tnef_rtf_decompress(LZFU, sizeof LZFU, 0, &o, &n), EG_OK);
    assert_int_equal(n, strlen(RTF_PLAIN));
    assert_memory_equal(o, RTF_PLAIN, n);
    free(o);
    assert_int_equal(eg_tnef_rtf_decompress(LZFU, sizeof LZFU, 10, &o, &n), EG_ELIMIT);
    assert_int_equal(n, 10);
    free(o);
    for (size_t cut = 0; cut < sizeof LZFU; cut++) { /* truncated: never past the input */
        eg_status s = eg_tnef_rtf_decompress(LZFU, cut, 0, &o, &n);
        assert_true(cut < 16 ? s == EG_EFORMAT : (s == EG_OK && n <= strlen(RTF_PLAIN)));
        free(o);
    }
    uint8_t mela[16 + 5] = {17,  0, 0, 0, 5, 0,   0,    0,   'M', 'E', 'L',
                            'A', 0, 0, 0, 0, '{', '\\', 'r', 't', '}'};
    assert_int_equal(eg_tnef_rtf_decompress(mela, sizeof mela, 0, &o, &n), EG_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(o, "{\\rt}", 5);
    free(o);
    mela[8] = 'X';
    assert_int_equal(eg_tnef_rtf_decompress(mela, sizeof mela, 0, &o, &n), EG_EUNSUPPORTED);

    /* through the scanner: the RTF body becomes a child of winmail.dat */
    size_t tl;
    uint8_t *t = eg_mb_tnef_rtf(NULL, 0, NULL, LZFU, sizeof LZFU, &tl);
    eg_tnef tn;
    assert_int_equal(eg_tnef_parse(t, tl, 10, &tn), EG_OK);
    assert_int_equal(tn.rtf_len, sizeof LZFU);
    eg_tnef_free(&tn);
    eg_report *r = eg_test_scan(t, tl, NULL);
    bool found = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *ob = eg_report_object(r, i);
        if (!strcmp(ob->name, "tnef-body.rtf")) {
            found = true;
            assert_int_equal(ob->size, strlen(RTF_PLAIN));
            assert_int_equal(ob->type, EG_T_RTF);
        }
    }
    assert_true(found);
    eg_report_free(r);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mbox_split_and_unescape),
        cmocka_unit_test(mbox_reader_streams),
        cmocka_unit_test(maildir_detection),
        cmocka_unit_test(separate_password_mail_is_linked),
        cmocka_unit_test(tnef_reader),
        cmocka_unit_test(tnef_compressed_rtf),
    };
    eg_global_init(); /* GMime */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
