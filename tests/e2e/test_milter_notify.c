/*
 * End to end: held mail and admin notices with a private Postfix on loopback and one emoguard
 * milter (the harness of test_milter_postfix). Postfix hands both SMTP mail and locally
 * submitted mail (non_smtpd_milters, so the notices come back through the milter) to it.
 *
 * Checks: a suspicious mail is held, with the hold reason in emoguard's log (Postfix logs only
 * "milter triggers HOLD action"); `emoguard quarantine list` and `show` give its queue id,
 * verdict, score and rules (and the headers); `release` delivers it at once; `delete` removes it
 * and its record; records are 0600; the admin gets a notice mail through Postfix's sendmail and
 * the hook gets JSON; a second identical event in the rate window sends nothing; three Emotet-like
 * mails from a SASL account make an "infected" notice; the notice itself passes the milter
 * without a further notice; a mail with a valid marker is still held (scanned and acted on) but
 * causes no notice, and one with a forged marker does. Needs root (Postfix); skipped otherwise.
 */
#include "archive_zipw.h"
#include "mail_builder.h"
#include "milter_harness.h"
#include "notify/notify.h"
#include "quarantine/quarantine.h"
#include "testutil.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static char *dir;
static eg_mh_postfix pf;
static pid_t milter;
static char conf[600], mlog[600], state[600], hook[600];
static bool ready;

static int setup(void **unused)
{
    if (geteuid() != 0)
        return 0;
    dir = eg_test_tmpdir("milter-notify");
    if (!dir)
        return -1;
    chmod(dir, 0755);
    snprintf(pf.dir, sizeof pf.dir, "%s/postfix", dir);
    char p[2000];
    snprintf(p, sizeof p, "mkdir -p '%s'", pf.dir);
    if (system(p) != 0)
        return -1;
    pf.smtp1 = eg_mh_free_port();
    pf.smtp2 = eg_mh_free_port();
    pf.relay = eg_mh_free_port();
    pf.milter1 = eg_mh_free_port();
    pf.milter2 = eg_mh_free_port(); /* nothing listens: smtp2 is not used here */
    snprintf(conf, sizeof conf, "%s/emoguard.conf", dir);
    snprintf(mlog, sizeof mlog, "%s/milter.log", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    mkdir(state, 0700); /* as the package or systemd's StateDirectory would */
    snprintf(hook, sizeof hook, "%s/hook.jsonl", dir);
    const char *ioc = "http://bad.eg-test.invalid/payload.php\n";
    snprintf(p, sizeof p, "%s/ioc.txt", dir);
    eg_test_write_file(p, ioc, strlen(ioc));
    char c[8192];
    snprintf(
        c, sizeof c,
        "socket = inet:%d@127.0.0.1\nlog = stderr\nlog_level = info\n"
        "own_domains = corp.example, tag.test.example\nioc_file = %s/ioc.txt\n"
        "action_suspicious = hold\naction_malicious = hold\n"
        "outbound_threshold = 3\noutbound_window = 600\n"
        "state_dir = %s\n"
        "notify_to = admin@test.example\nnotify_from = emoguard@corp.example\nnotify_lang = en\n"
        "notify_sendmail = /usr/sbin/sendmail -C %s\n"
        "notify_command = \"cat >> %s\"\n"
        "notify_events = infected, held, rejected, campaign\n"
        "notify_rate = 3600\nnotify_timeout_ms = 20000\n"
        "campaign_threshold = 3\n"
        "[domain reject.test.example]\naction_clean = reject\naction_suspicious = reject\n",
        pf.milter1, dir, state, pf.dir, hook);
    if (strlen(c) + 1 >= sizeof c)
        return -1; /* a cut configuration would test something else */
    eg_test_write_file(conf, c, strlen(c));
    milter = eg_mh_milter_start(conf, mlog, pf.milter1);
    if (milter <= 0) {
        fprintf(stderr, "cannot start the milter (%s)\n", EG_BINARY);
        return 0;
    }
    snprintf(pf.sasl_user, sizeof pf.sasl_user, "alice");
    snprintf(pf.sasl_pass, sizeof pf.sasl_pass, "eg-test-pass");
    if (!eg_mh_postfix_start(&pf)) {
        fprintf(stderr, "cannot start Postfix in %s\n", pf.dir);
        return 0;
    }
    /* locally submitted mail (the notices, through sendmail) goes through the milter too */
    snprintf(p, sizeof p,
             "postconf -c '%s' -e 'non_smtpd_milters = inet:127.0.0.1:%d' && postfix -c '%s' "
             "reload >/dev/null 2>&1",
             pf.dir, pf.milter1, pf.dir);
    if (system(p) != 0) {
        fprintf(stderr, "cannot set non_smtpd_milters\n");
        return 0;
    }
    sleep(1);
    ready = true;
    return 0;
}

static int teardown(void **unused)
{
    eg_mh_cleanup_all();
    if (dir && !getenv("EG_KEEP_TMP"))
        eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void need(void)
{
    if (geteuid() != 0)
        skip();
    if (!ready) {
        eg_mh_dump_logs(mlog, mlog, &pf);
        fail_msg("the test environment (Postfix, milter) did not start");
    }
}

static char *read_text(const char *path)
{
    size_t n = 0;
    uint8_t *b = eg_test_read_file(path, &n);
    return (char *)b;
}

/* The queue ids in the hold queue (Postfix names the files by queue id). */
static int held_ids(char ids[][64], int max)
{
    char p[700];
    snprintf(p, sizeof p, "%s/queue/hold", pf.dir);
    DIR *d = opendir(p);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max)
        if (e->d_name[0] != '.')
            snprintf(ids[n++], 64, "%.63s", e->d_name);
    if (d)
        closedir(d);
    return n;
}

/* The held queue id whose milter log line names token's subject... simpler: the one not in before.
 */
static bool new_held_id(char before[][64], int nb, char *out, int timeout_ms)
{
    for (int t = 0; t <= timeout_ms; t += 100) {
        char now[64][64];
        int n = held_ids(now, 64);
        for (int i = 0; i < n; i++) {
            bool old = false;
            for (int k = 0; k < nb && !old; k++)
                old = !strcmp(now[i], before[k]);
            if (!old) {
                snprintf(out, 64, "%.63s", now[i]);
                return true;
            }
        }
        usleep(100000);
    }
    return false;
}

/* Runs `emoguard quarantine ARGS`; output (malloc'd) and exit code. */
static char *quarantine(const char *args, int *rc)
{
    char cmd[3000], out[700];
    snprintf(out, sizeof out, "%s/q.out", dir);
    snprintf(cmd, sizeof cmd, "'%s' quarantine -c '%s' -C '%s' %s >'%s' 2>&1", EG_BINARY, conf,
             pf.dir, args, out);
    int st = system(cmd);
    *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    char *t = read_text(out);
    return t ? t : strdup("");
}

static char *ioc_mail(const char *from, const char *to, const char *subject, const char *extra)
{
    size_t n = 2048;
    char *m = malloc(n);
    snprintf(m, n,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@ext.example>\r\n%s\r\n"
             "Please check the invoice at http://bad.eg-test.invalid/payload.php today.\r\n",
             from, to, subject, subject, extra ? extra : "");
    return m;
}

static int send1(const char *from, const char *to, const char *msg)
{
    const char *r[1] = {to};
    char reply[2048];
    int code = eg_smtp_send(pf.smtp1, from, r, 1, msg, reply, sizeof reply);
    if (code != 250)
        fprintf(stderr, "reply: %s\n", reply);
    return code;
}

static char *wait_delivered(const char *needle, int timeout_ms)
{
    char *got = NULL;
    for (int t = 0; t <= timeout_ms && !(got = eg_mh_find_delivered(&pf, needle)); t += 100)
        usleep(100000);
    return got;
}

static char held_qid[64]; /* the first held mail, used by the quarantine tests in order */
static char held_tok[64];

static void test_held_and_notified(void **unused)
{
    need();
    char before[64][64];
    int nb = held_ids(before, 64);
    eg_mh_token(held_tok, sizeof held_tok, "held");
    char *m = ioc_mail("mallory@ext.example", "user@test.example", held_tok, NULL);
    assert_int_equal(send1("mallory@ext.example", "user@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, held_qid, 20000));
    /* the reason is in emoguard's line; Postfix logs its own words without it */
    char want[200];
    snprintf(want, sizeof want, "%s: held: reason=\"emoguard: suspicious score", held_qid);
    assert_true(eg_test_wait_in_file(mlog, want, 1, 10000));
    char maillog[700];
    snprintf(maillog, sizeof maillog, "%s/maillog", pf.dir);
    snprintf(want, sizeof want, "%s: milter-hold: END-OF-MESSAGE", held_qid);
    assert_true(eg_test_wait_in_file(maillog, want, 1, 10000));
    /* the record: 0600, with verdict, score and rules */
    char rec[900];
    snprintf(rec, sizeof rec, "%s/held/%s", state, held_qid);
    struct stat sb;
    assert_int_equal(stat(rec, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    eg_qrec r;
    assert_int_equal(eg_qrec_load(state, held_qid, &r), EG_OK);
    assert_string_equal(r.verdict, "suspicious");
    assert_non_null(strstr(r.rules, "INTEL.URL"));
    /* the admin's notice mail arrives (through sendmail and the milter) and the hook got JSON */
    char *notice = wait_delivered("[emoguard] mail from mallory@ext.example held", 30000);
    assert_non_null(notice);
    assert_non_null(strstr(notice, held_qid));
    assert_non_null(strstr(notice, "INTEL.URL"));
    assert_non_null(strstr(notice, "What to do first"));
    assert_non_null(strstr(notice, "hxxp[://]bad[.]eg-test[.]invalid /payload.php")); /* defanged */
    assert_null(strstr(notice, "X-Emoguard-Notice:")); /* our headers are removed on delivery */
    free(notice);
    assert_true(eg_test_wait_in_file(hook, "\"event\":\"held\"", 1, 10000));
    char *h = read_text(hook);
    assert_non_null(strstr(h, held_qid));
    assert_non_null(
        strstr(h, "http://bad.eg-test.invalid/payload.php")); /* as found, for tickets */
    free(h);
    /* the notice passed through the milter (scanned) without a further notice */
    assert_true(eg_test_wait_in_file(mlog, "emoguard notice: scanned", 1, 10000) ||
                eg_test_count_in_file(mlog, "from=<emoguard@corp.example>") >= 1 ||
                eg_test_count_in_file(mlog, "from=emoguard@corp.example") >= 1);
    assert_int_equal(eg_test_count_in_file(hook, "\"event\":\"held\""), 1);
}

static void test_same_event_in_window_sends_nothing(void **unused)
{
    need();
    char before[64][64], qid[64], t[64];
    int nb = held_ids(before, 64);
    char *m = ioc_mail("mallory@ext.example", "user@test.example",
                       eg_mh_token(t, sizeof t, "again"), NULL);
    assert_int_equal(send1("mallory@ext.example", "user@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000));
    char want[200];
    snprintf(want, sizeof want, "%s: held notice suppressed", qid);
    assert_true(eg_test_wait_in_file(mlog, want, 1, 10000));
    sleep(3);
    assert_int_equal(eg_test_count_in_file(hook, "\"event\":\"held\""), 1);
    assert_int_equal(eg_mh_count_delivered(&pf, "[emoguard] mail from mallory@ext.example held"),
                     1);
}

static void test_quarantine_list_and_show(void **unused)
{
    need();
    assert_true(held_qid[0]);
    int rc = -1;
    char *out = quarantine("list", &rc);
    assert_int_equal(rc, 0);
    char *line = strstr(out, held_qid);
    assert_non_null(line);
    char *eol = strchr(line, '\n');
    if (eol)
        *eol = 0;
    assert_non_null(strstr(line, "suspicious"));
    assert_non_null(strstr(line, "INTEL.URL"));
    eg_qrec r;
    assert_int_equal(eg_qrec_load(state, held_qid, &r), EG_OK);
    char score[16];
    snprintf(score, sizeof score, " %d ", r.score);
    assert_non_null(strstr(line, score));
    free(out);
    char args[200];
    snprintf(args, sizeof args, "show %s", held_qid);
    out = quarantine(args, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "Verdict:    suspicious"));
    assert_non_null(strstr(out, "INTEL.URL"));
    assert_non_null(strstr(out, "Reason:     emoguard: suspicious score"));
    char subj[120];
    snprintf(subj, sizeof subj, "Subject: %s", held_tok); /* the held mail's own headers */
    assert_non_null(strstr(out, subj));
    free(out);
    out = quarantine("list --json", &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"verdict\":\"suspicious\""));
    free(out);
    out = quarantine("show NOSUCHID1", &rc);
    assert_int_not_equal(rc, 0);
    free(out);
}

static void test_quarantine_release_delivers(void **unused)
{
    need();
    assert_true(held_qid[0]);
    char mid[128]; /* the held mail's own Message-ID: the notice quotes its subject, not this */
    snprintf(mid, sizeof mid, "<%s@ext.example>", held_tok);
    assert_int_equal(eg_mh_count_delivered(&pf, mid), 0);
    int rc = -1;
    char args[200];
    snprintf(args, sizeof args, "release %s", held_qid);
    char *out = quarantine(args, &rc);
    if (rc != 0)
        fprintf(stderr, "%s", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "released"));
    free(out);
    /* delivered at once, not at the next queue run (queue_run_delay is 1s here, so wait less) */
    char *got = wait_delivered(mid, 20000);
    assert_non_null(got);
    free(got);
    eg_qrec r;
    assert_int_equal(eg_qrec_load(state, held_qid, &r), EG_ENOTFOUND);
}

static void test_quarantine_delete(void **unused)
{
    need();
    char before[64][64], qid[64], t[64];
    int nb = held_ids(before, 64);
    char *m =
        ioc_mail("eve@ext2.example", "user@test.example", eg_mh_token(t, sizeof t, "del"), NULL);
    assert_int_equal(send1("eve@ext2.example", "user@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000));
    eg_qrec r;
    for (int i = 0; i < 50 && eg_qrec_load(state, qid, &r) != EG_OK; i++)
        usleep(100000);
    assert_int_equal(eg_qrec_load(state, qid, &r), EG_OK);
    int rc = -1;
    char args[200];
    snprintf(args, sizeof args, "delete %s", qid);
    char *out = quarantine(args, &rc);
    assert_int_equal(rc, 0);
    free(out);
    assert_int_equal(eg_qrec_load(state, qid, &r), EG_ENOTFOUND);
    char p[900];
    snprintf(p, sizeof p, "%s/queue/hold/%s", pf.dir, qid);
    struct stat sb;
    assert_int_not_equal(stat(p, &sb), 0);
    out = quarantine("list", &rc);
    assert_null(strstr(out, qid));
    free(out);
    /* a record whose mail is gone is pruned by list */
    eg_qrec fake = {0};
    snprintf(fake.queue_id, sizeof fake.queue_id, "GONE12345");
    snprintf(fake.verdict, sizeof fake.verdict, "suspicious");
    assert_int_equal(eg_qrec_store(state, &fake), EG_OK);
    out = quarantine("list", &rc);
    free(out);
    assert_int_equal(eg_qrec_load(state, "GONE12345", &r), EG_ENOTFOUND);
}

/* A PPAP-style mail: an AES-encrypted ZIP with the password in the body (ZIP.ENCRYPTED). */
static char *ppap_mail(const char *from, const char *to, const char *subject)
{
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {0};
    o.name = "請求書.txt";
    o.method = 8;
    o.aes = "Ab12cd34";
    const char *txt = "invoice: 3 items, total 120,000 JPY\n";
    eg_zw_add(w, &o, txt, strlen(txt));
    size_t zl = 0;
    uint8_t *z = eg_zw_finish(w, &zl);
    char *b = eg_mb_base64(z, zl, true);
    free(z);
    size_t n = strlen(b) + 1024;
    char *m = malloc(n);
    snprintf(m, n,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: "
             "<%s@corp.example>\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: "
             "text/plain; charset=utf-8\r\n\r\n"
             "Please find the invoice attached. Password: Ab12cd34\r\n--b\r\n"
             "Content-Type: application/zip; name=\"invoice.zip\"\r\nContent-Transfer-Encoding: "
             "base64\r\n\r\n%s\r\n--b--\r\n",
             from, to, subject, subject, b);
    free(b);
    return m;
}

static int send_auth(const char *from, const char *to, const char *msg)
{
    eg_smtp s;
    char line[512];
    if (!eg_smtp_open(&s, pf.smtp1))
        return -1;
    int code = eg_smtp_auth(&s, "alice", "eg-test-pass");
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
    if (code != 250)
        fprintf(stderr, "reply: %s\n", s.last);
    eg_smtp_close(&s);
    return code;
}

static void test_infected_account_notice(void **unused)
{
    need();
    char t[4][64];
    for (int i = 0; i < 3; i++) {
        char *m = ppap_mail("alice@corp.example", "partner@test.example",
                            eg_mh_token(t[i], sizeof t[i], "ppap"));
        assert_int_equal(send_auth("alice@corp.example", "partner@test.example", m), 250);
        free(m);
    }
    const char *subj =
        "[emoguard] account alice@eg-test.invalid is probably sending Emotet-like mail";
    char *notice = wait_delivered(subj, 30000);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "mails with encrypted archives: 3"));
    assert_non_null(strstr(notice, "Take the PC of this account off the network"));
    assert_non_null(strstr(notice, "ZIP.ENCRYPTED"));
    free(notice);
    assert_true(eg_test_wait_in_file(hook, "\"event\":\"infected\"", 1, 10000));
    char *h = read_text(hook);
    assert_non_null(strstr(h, "\"account\":\"alice@eg-test.invalid\""));
    free(h);
    /* a fourth in the window: the alert is raised again, the notice is not */
    char *m = ppap_mail("alice@corp.example", "partner@test.example",
                        eg_mh_token(t[3], sizeof t[3], "ppap"));
    assert_int_equal(send_auth("alice@corp.example", "partner@test.example", m), 250);
    free(m);
    char *got = wait_delivered(t[3], 20000);
    assert_non_null(got);
    free(got);
    /* outbound mail carries no header of ours: the alert is in the log */
    assert_true(
        eg_test_wait_in_file(mlog, "outbound alert: account alice@eg-test.invalid", 2, 10000));
    assert_true(eg_test_wait_in_file(mlog, "infected notice suppressed", 1, 10000));
    sleep(3);
    assert_int_equal(eg_test_count_in_file(hook, "\"event\":\"infected\""), 1);
    assert_int_equal(eg_mh_count_delivered(&pf, subj), 1);
}

/* A held mail that carries a valid marker is scanned and held like any other, only without a
 * notice; a forged marker changes nothing. */
static void test_marker_only_silences_notice(void **unused)
{
    need();
    uint8_t key[EG_NOTIFY_KEY_LEN];
    assert_int_equal(eg_notify_key_load(state, key), EG_OK);
    char path[700];
    snprintf(path, sizeof path, "%s/notify.key", state);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char marker[200], hdr[300], before[64][64], qid[64], t[64];
    eg_notify_marker_make(key, time(NULL), marker, sizeof marker);
    snprintf(hdr, sizeof hdr, "%s: %s\r\n", EG_NOTIFY_HEADER, marker);
    int nb = held_ids(before, 64);
    char *m = ioc_mail("oscar@ext3.example", "user@test.example",
                       eg_mh_token(t, sizeof t, "marked"), hdr);
    assert_int_equal(send1("oscar@ext3.example", "user@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000)); /* still scanned and held */
    char want[200];
    snprintf(want, sizeof want, "%s: emoguard notice: scanned (verdict=suspicious action=hold)",
             qid);
    assert_true(eg_test_wait_in_file(mlog, want, 1, 10000));
    /* forged: the same shape, a wrong MAC */
    char forged[300];
    snprintf(forged, sizeof forged, "%s: v1 %ld 0011223344556677 %064d\r\n", EG_NOTIFY_HEADER,
             (long)time(NULL), 0);
    nb = held_ids(before, 64);
    m = ioc_mail("trudy@ext4.example", "user@test.example", eg_mh_token(t, sizeof t, "forged"),
                 forged);
    assert_int_equal(send1("trudy@ext4.example", "user@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000));
    char *notice = wait_delivered("[emoguard] mail from trudy@ext4.example held", 30000);
    assert_non_null(notice);
    free(notice);
    sleep(2);
    assert_int_equal(eg_test_count_in_file(hook, "oscar@ext3.example"), 0);
    assert_int_equal(eg_mh_count_delivered(&pf, "mail from oscar@ext3.example held"), 0);
}

static void test_rejected_notice(void **unused)
{
    need();
    char t[64];
    size_t n = 1024;
    char *m = malloc(n);
    snprintf(m, n,
             "From: <bob@ext5.example>\r\nTo: <user@reject.test.example>\r\nSubject: "
             "%s\r\n\r\nhello\r\n",
             eg_mh_token(t, sizeof t, "rej"));
    const char *r[1] = {"user@reject.test.example"};
    char reply[2048];
    assert_int_equal(eg_smtp_send(pf.smtp1, "bob@ext5.example", r, 1, m, reply, sizeof reply), 550);
    free(m);
    char *notice = wait_delivered("[emoguard] mail from bob@ext5.example rejected", 30000);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "Nothing reached the recipients"));
    free(notice);
    assert_true(eg_test_wait_in_file(hook, "\"event\":\"rejected\"", 1, 10000));
}

/* The same attachment to three recipients (campaign_threshold = 3): a campaign notice. */
static void test_campaign_notice(void **unused)
{
    need();
    char t[64];
    char *m = ppap_mail("wave@ext6.example", "c1@test.example", eg_mh_token(t, sizeof t, "camp"));
    const char *r[3] = {"c1@test.example", "c2@test.example", "c3@test.example"};
    char reply[2048];
    assert_int_equal(eg_smtp_send(pf.smtp1, "wave@ext6.example", r, 3, m, reply, sizeof reply),
                     250);
    free(m);
    char *notice = wait_delivered("[emoguard] campaign:", 30000);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "Event: campaign"));
    assert_non_null(strstr(notice, "to 3 recipients"));
    free(notice);
    assert_true(eg_test_wait_in_file(hook, "\"event\":\"campaign\"", 1, 10000));
    /* every notice so far came back through the milter and was scanned clean (links and lure
     * words are defanged), so none was held at its own gateway */
    sleep(2);
    int notices = eg_test_count_in_file(mlog, " from=emoguard@corp.example nrcpt=");
    assert_true(notices >= 6);
    /* written on the gateway (127.0.0.1, not in local_networks here): inbound, and with a
     * valid marker not a spoofed own-domain sender */
    assert_int_equal(
        eg_test_count_in_file(mlog, " from=emoguard@corp.example nrcpt=1 rcpts=admin@test.example "
                                    "dir=in verdict=clean "),
        notices);
    assert_int_equal(eg_test_count_in_file(mlog, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"), 0);
}

/* An employee's outbound mail that is held: the employee (an own-domain sender) is told it was not
 * sent, once; the notice passes the milter without a further notice. A held mail from an outside
 * sender gets no such notice (test_held_and_notified's mail: no sender notice in the log). */
static void test_sender_told_of_held_outbound(void **unused)
{
    need();
    char before[64][64], qid[64], t[64];
    int nb = held_ids(before, 64);
    char *m = ioc_mail("bob@tag.test.example", "partner@test.example",
                       eg_mh_token(t, sizeof t, "outheld"), NULL);
    assert_int_equal(send_auth("bob@tag.test.example", "partner@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000));
    char want[200];
    snprintf(want, sizeof want, "%s: sender notice queued", qid);
    assert_true(eg_test_wait_in_file(mlog, want, 1, 10000));
    char *notice = wait_delivered("Your mail was held and has not been sent", 30000);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "To: bob@tag.test.example"));
    assert_non_null(strstr(notice, qid));
    assert_non_null(strstr(notice, t)); /* the subject, so the employee knows which mail */
    assert_null(strstr(notice, "http://bad.eg-test.invalid")); /* not the link itself */
    free(notice);
    /* outside senders are never told (no backscatter): none of the earlier held mails was */
    assert_int_equal(eg_test_count_in_file(mlog, "sender notice queued"), 1);
    /* a second held mail from bob within notify_rate: no second notice */
    nb = held_ids(before, 64);
    m = ioc_mail("bob@tag.test.example", "partner@test.example",
                 eg_mh_token(t, sizeof t, "outheld2"), NULL);
    assert_int_equal(send_auth("bob@tag.test.example", "partner@test.example", m), 250);
    free(m);
    assert_true(new_held_id(before, nb, qid, 20000));
    snprintf(want, sizeof want, "%s: sender notice suppressed", qid);
    assert_true(eg_test_wait_in_file(mlog, want, 1, 10000));
    sleep(2);
    assert_int_equal(eg_mh_count_delivered(&pf, "Your mail was held and has not been sent"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_and_notified),
        cmocka_unit_test(test_same_event_in_window_sends_nothing),
        cmocka_unit_test(test_quarantine_list_and_show),
        cmocka_unit_test(test_quarantine_release_delivers),
        cmocka_unit_test(test_quarantine_delete),
        cmocka_unit_test(test_infected_account_notice),
        cmocka_unit_test(test_marker_only_silences_notice),
        cmocka_unit_test(test_rejected_notice),
        cmocka_unit_test(test_campaign_notice),
        cmocka_unit_test(test_sender_told_of_held_outbound),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
