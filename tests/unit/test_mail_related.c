/* A password ZIP (`zip -P`) in one mail and its password in a separate mail of the same mbox
 * and of the same Maildir: `emoguard scan` opens the archive with the second mail's password
 * and says where it came from. Without the second mail, the archive stays closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_tools.h"
#include "mail_builder.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *FROM = "\"佐藤 次郎\" <sato@example.co.jp>", *TO = "kimura@example.jp";

static char *archive_mail(const uint8_t *zip, size_t zlen)
{
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", FROM);
    eg_mb_header(m, "To", TO);
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:00:00 +0900");
    eg_mb_header(m, "Message-ID", "<ppap-1@example.co.jp>");
    eg_mb_header_text(m, "Subject", "見積書の送付", EG_MB_JIS, 'B');
    eg_mb_text(m, "見積書をお送りします。パスワードは別途お送りします。", EG_MB_JIS, EG_MB_7BIT);
    eg_mb_attach(m, "見積書.zip", "application/zip", zip, zlen, EG_MB_NAME_2231);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

static char *password_mail(void)
{
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", FROM);
    eg_mb_header(m, "To", TO);
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:01:30 +0900");
    eg_mb_header_text(m, "Subject", "【パスワード通知】見積書の送付", EG_MB_JIS, 'B');
    eg_mb_text(m, "先ほどお送りしたファイルの解凍パスワードです。\n\nパスワード：Ｍｉｔｓｕ８８\n",
               EG_MB_SJIS, EG_MB_B64);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

static char *run_json(const char *path)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' scan --format json --lang en --no-color '%s' 2>/dev/null",
             EG_BINARY, path);
    char *out = NULL;
    size_t n = 0;
    int rc = eg_test_run(cmd, &out, &n);
    assert_true(rc >= 0 && rc <= 2);
    assert_non_null(out);
    return out;
}

/* The JSON line of the mail whose source ends with suffix. */
static char *line_of(char *out, const char *suffix)
{
    for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
        char key[256];
        snprintf(key, sizeof key, "%s\"", suffix);
        if (strstr(l, key))
            return l;
    }
    return NULL;
}

static void related_password_opens_the_archive(void **st)
{
    (void)st;
    if (!eg_test_have("zip"))
        skip();
    char *dir = eg_test_tmpdir("related");
    const char *doc = "見積金額: 1,234,000円 (harmless text)\n";
    eg_tf_file f = {"quote.txt", doc, strlen(doc)};
    size_t zlen;
    uint8_t *zip = eg_tf_make(dir, &f, 1, "zip -q -P Mitsu88 out.zip quote.txt", "out.zip", &zlen);
    assert_non_null(zip);
    char *a = archive_mail(zip, zlen), *p = password_mail();

    /* an mbox holding both */
    const char *msgs[] = {a, p};
    size_t mlen;
    char *mb = eg_mb_mbox(msgs, 2, &mlen);
    char path[4096];
    snprintf(path, sizeof path, "%s/inbox.mbox", dir);
    assert_int_equal(eg_test_write_file(path, mb, mlen), 0);
    char *out = run_json(path);
    char *l = line_of(out, "#1");
    if (!l)
        fail_msg("no report for #1 in: %s", out);
    assert_non_null(strstr(l, "MAIL.PASSWORD_FROM_RELATED"));
    assert_non_null(strstr(l, "separate mail #2"));
    /* the entry was opened with that password, and the object says where it came from */
    assert_non_null(strstr(l, "\"password\":\"Mitsu88\""));
    char *po = strstr(l, "\"password_origin\":\"");
    assert_non_null(po);
    assert_non_null(strstr(po, "separate mail #2"));
    free(out);

    /* the archive mail alone: no password, the archive stays closed */
    snprintf(path, sizeof path, "%s/alone.eml", dir);
    assert_int_equal(eg_test_write_file(path, a, strlen(a)), 0);
    out = run_json(path);
    assert_null(strstr(out, "MAIL.PASSWORD_FROM_RELATED"));
    assert_null(strstr(out, "\"password\":\"Mitsu88\""));
    free(out);

    /* a Maildir holding both */
    snprintf(path, sizeof path, "%s/Maildir", dir);
    assert_int_equal(eg_mb_maildir(path, msgs, 2), 0);
    out = run_json(path);
    assert_non_null(strstr(out, "MAIL.PASSWORD_FROM_RELATED"));
    assert_non_null(strstr(out, "\"password\":\"Mitsu88\""));
    free(out);

    free(mb);
    free(a);
    free(p);
    free(zip);
    eg_test_rmrf(dir);
    free(dir);
}

static char *other_mail(int i)
{
    char from[64], subj[64];
    snprintf(from, sizeof from, "user%d@example.net", i);
    snprintf(subj, sizeof subj, "weekly report %d", i);
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", from);
    eg_mb_header(m, "To", TO);
    eg_mb_header(m, "Date", "Mon, 1 Jul 2024 10:00:30 +0900");
    eg_mb_header(m, "Subject", subj);
    eg_mb_text(m, "Nothing to see here.\n", EG_MB_UTF8, EG_MB_7BIT);
    char *r = eg_mb_build(m, NULL);
    eg_mb_free(m);
    return r;
}

/* An mbox of: before[], the archive mail, gap other mails, then after[] */
static char *run_mbox(const char *dir, const char *name, char **msgs, size_t n, const char *jobs)
{
    size_t mlen;
    char *mb = eg_mb_mbox((const char **)msgs, n, &mlen);
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(eg_test_write_file(path, mb, mlen), 0);
    free(mb);
    snprintf(cmd, sizeof cmd, "'%s' scan -j %s --format json --lang en --no-color '%s' 2>/dev/null",
             EG_BINARY, jobs, path);
    char *out = NULL;
    size_t on = 0;
    int rc = eg_test_run(cmd, &out, &on);
    assert_true(rc >= 0 && rc <= 2);
    assert_non_null(out);
    return out;
}

/* The streamed batch: the password mail may stand before the archive mail, with other mails
 * between, and workers in parallel; past LINK_SPAN (64 inputs) it is not looked for. */
static void related_password_before_and_among_others(void **st)
{
    (void)st;
    if (!eg_test_have("zip"))
        skip();
    char *dir = eg_test_tmpdir("related2");
    const char *doc = "見積金額: 1,234,000円 (harmless text)\n";
    eg_tf_file f = {"quote.txt", doc, strlen(doc)};
    size_t zlen;
    uint8_t *zip = eg_tf_make(dir, &f, 1, "zip -q -P Mitsu88 out.zip quote.txt", "out.zip", &zlen);
    assert_non_null(zip);
    enum { GAP = 20, FAR = 100 };
    char *msgs[FAR + 2];
    /* password mail first (sent 90 s after the archive mail), 20 others, the archive mail */
    msgs[0] = password_mail();
    for (int i = 0; i < GAP; i++)
        msgs[1 + i] = other_mail(i);
    msgs[GAP + 1] = archive_mail(zip, zlen);
    for (int j = 0; j < 2; j++) {
        char *out = run_mbox(dir, "before.mbox", msgs, GAP + 2, j ? "2" : "1");
        char *l = line_of(out, "#22");
        if (!l)
            fail_msg("no report for #22 in: %s", out);
        assert_non_null(strstr(l, "MAIL.PASSWORD_FROM_RELATED"));
        assert_non_null(strstr(l, "separate mail #1"));
        assert_non_null(strstr(l, "\"password\":\"Mitsu88\""));
        free(out);
    }
    /* the other order, too far apart: the archive stays closed */
    char *pw = msgs[0];
    msgs[0] = msgs[GAP + 1];
    for (int i = GAP; i < FAR; i++)
        msgs[1 + i] = other_mail(i);
    msgs[FAR + 1] = pw;
    char *out = run_mbox(dir, "far.mbox", msgs, FAR + 2, "2");
    char *l = line_of(out, "#1");
    assert_non_null(l);
    assert_null(strstr(l, "MAIL.PASSWORD_FROM_RELATED"));
    assert_non_null(strstr(l, "ARCHIVE.NOT_OPENED"));
    free(out);
    /* within the span in that order: opened */
    char *near[GAP + 2];
    memcpy(near, msgs, (GAP + 1) * sizeof *near);
    near[GAP + 1] = pw;
    out = run_mbox(dir, "after.mbox", near, GAP + 2, "2");
    l = line_of(out, "#1");
    assert_non_null(l);
    assert_non_null(strstr(l, "separate mail #22"));
    assert_non_null(strstr(l, "\"password\":\"Mitsu88\""));
    free(out);
    for (int i = 0; i < FAR + 1; i++)
        free(msgs[i]);
    free(pw);
    free(zip);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(related_password_opens_the_archive),
        cmocka_unit_test(related_password_before_and_among_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
