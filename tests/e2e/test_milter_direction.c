/*
 * End to end, the milter's policy with a private Postfix on loopback: the direction of a mail
 * comes from its client (SMTP AUTH, the submission listener's {daemon_name}, local_networks =
 * 127.0.0.2, reached by binding our client to that loopback address), never from its envelope.
 * Checks: a forged own-domain sender from outside gets SENDER.OWN_DOMAIN_FROM_OUTSIDE and never
 * an outbound alert; an authenticated account sending three PPAP mails raises the alert; outbound
 * mail leaves with no subject tag and no X-Emoguard-* headers (also ones the client wrote); a
 * Japanese subject tag arrives RFC 2047 encoded and decodes to the configured text; an
 * allowlisted sender's malicious mail is delivered but logged as malicious; the per-mail log
 * line has its fields and no archive password; an employee's rejected mail is worded for them
 * (en + ja). Needs root (Postfix); skipped otherwise.
 */
#include "archive_zipw.h"
#include "core/sha256.h"
#include "mail_builder.h"
#include "milter_harness.h"
#include "testutil.h"
#include "text/header.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define PPAP_PASSWORD "Pw7hQ2xZk9"
#define LOCAL_CLIENT "127.0.0.2"

static char *dir;
static eg_mh_postfix pf;
static pid_t milter;
static char conf[600], logf[600], jsonf[600];
static bool ready;

/* The harmless attachment whose hash the IOC feed lists: a match is INTEL.HASH (critical). */
static const char listed_file[] = "harmless text standing in for a listed payload (emoguard e2e)\n";

static int setup(void **unused)
{
    if (geteuid() != 0)
        return 0;
    dir = eg_test_tmpdir("milter-direction");
    if (!dir)
        return -1;
    chmod(dir, 0755); /* Postfix's users must reach the directories below */
    snprintf(pf.dir, sizeof pf.dir, "%s/postfix", dir);
    mkdir(pf.dir, 0755);
    pf.smtp1 = eg_mh_free_port();
    pf.smtp2 = eg_mh_free_port();
    pf.relay = eg_mh_free_port();
    pf.submit = eg_mh_free_port();
    pf.milter1 = pf.milter2 = eg_mh_free_port();
    uint8_t h[32];
    char hex[65], p[700], buf[4096];
    eg_sha256((const uint8_t *)listed_file, strlen(listed_file), h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(buf, sizeof buf, "%s\n", hex);
    snprintf(p, sizeof p, "%s/ioc.txt", dir);
    eg_test_write_file(p, buf, strlen(buf));
    snprintf(conf, sizeof conf, "%s/d.conf", dir);
    snprintf(logf, sizeof logf, "%s/d.log", dir);
    snprintf(jsonf, sizeof jsonf, "%s/d.json", dir);
    snprintf(buf, sizeof buf,
             "socket = inet:%d@127.0.0.1\n"
             "log = stderr\nlog_level = info\n"
             "json_log = %s\n"
             "own_domains = corp.example\n"
             "local_networks = " LOCAL_CLIENT "/32\n"
             "submission_daemons = ORIGINATING\n"
             "subject_tag = \"【要注意】\"\n"
             "ioc_file = %s/ioc.txt\n"
             "allow_senders = trusted@partner.example\nallow_action = accept\n"
             "outbound_threshold = 3\n"
             "[domain tag.test.example]\naction_clean = tag\n",
             pf.milter1, jsonf, dir);
    assert_int_equal(eg_test_write_file(conf, buf, strlen(buf)), 0);
    milter = eg_mh_milter_start(conf, logf, pf.milter1);
    if (milter <= 0) {
        fprintf(stderr, "cannot start the milter (%s)\n", EG_BINARY);
        return 0;
    }
    snprintf(pf.sasl_user, sizeof pf.sasl_user, "alice");
    snprintf(pf.sasl_pass, sizeof pf.sasl_pass, "eg-test-pass");
    if (!eg_mh_postfix_start(&pf) || !eg_mh_wait_port(pf.submit, 15000)) {
        fprintf(stderr, "cannot start Postfix in %s\n", pf.dir);
        return 0;
    }
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
        skip(); /* a private Postfix needs root: it switches to the postfix user */
    if (!ready) {
        eg_mh_dump_logs(logf, logf, &pf);
        fail_msg("the test environment (Postfix, milter) did not start");
    }
    eg_mh_set_client_addr(NULL);
}

static const char *token(char *buf, size_t n)
{
    return eg_mh_token(buf, n, "egdir");
}

static char *plain_mail(const char *from, const char *to, const char *subject, const char *extra,
                        const char *body)
{
    size_t n = strlen(from) + strlen(to) + strlen(subject) * 2 + strlen(extra) + strlen(body) + 256;
    char *m = malloc(n);
    snprintf(
        m, n,
        "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@eg-test.invalid>\r\n%s\r\n%s\r\n",
        from, to, subject, subject, extra, body);
    return m;
}

/* Emotet-like and PPAP-like at once: an AES ZIP with the password in the body (ZIP.ENCRYPTED). */
static char *ppap_mail(const char *from, const char *to, const char *subject)
{
    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {0};
    o.name = "請求書.txt";
    o.method = 8;
    o.aes = PPAP_PASSWORD;
    const char *txt = "invoice: 2 items, total 48,000 JPY\n";
    eg_zw_add(w, &o, txt, strlen(txt));
    size_t zl = 0;
    uint8_t *z = eg_zw_finish(w, &zl);
    char *b = eg_mb_base64(z, zl, true);
    free(z);
    size_t n = strlen(b) + 1024;
    char *m = malloc(n);
    snprintf(m, n,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: "
             "<%s@eg-test.invalid>\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: "
             "text/plain; charset=utf-8\r\n\r\n"
             "The invoice is attached. Password: " PPAP_PASSWORD "\r\n--b\r\n"
             "Content-Type: application/zip; name=\"invoice.zip\"\r\nContent-Transfer-Encoding: "
             "base64\r\n\r\n%s\r\n"
             "--b--\r\n",
             from, to, subject, subject, b);
    free(b);
    return m;
}

static int send1(int port, const char *from, const char *to, const char *msg, char *reply,
                 size_t rl)
{
    const char *r[1] = {to};
    return eg_smtp_send(port, from, r, 1, msg, reply, rl);
}

static int send_auth_reply(int port, const char *from, const char *to, const char *msg, char *reply,
                           size_t rl)
{
    eg_smtp s;
    char line[512];
    if (!eg_smtp_open(&s, port))
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
    if (reply)
        snprintf(reply, rl, "%s", s.last);
    eg_smtp_close(&s);
    return code;
}

static int send_auth(int port, const char *from, const char *to, const char *msg)
{
    char reply[2048];
    int code = send_auth_reply(port, from, to, msg, reply, sizeof reply);
    if (code != 250)
        fprintf(stderr, "reply: %s\n", reply);
    return code;
}

static char *wait_delivered(const char *tok)
{
    char *got = NULL;
    for (int i = 0; i < 200 && !got; i++) {
        got = eg_mh_find_delivered(&pf, tok);
        if (!got)
            usleep(100000);
    }
    if (!got)
        eg_mh_dump_logs(logf, logf, &pf);
    return got;
}

/* The line of a file containing needle (malloc'd), waiting up to 10 s for the milter to log it. */
static char *wait_line(const char *path, const char *needle)
{
    for (int i = 0; i < 100; i++) {
        size_t n = 0;
        char *f = (char *)eg_test_read_file(path, &n);
        char *hit = f ? strstr(f, needle) : NULL;
        if (hit) {
            char *s = hit;
            while (s > f && s[-1] != '\n')
                s--;
            size_t l = strcspn(s, "\n");
            char *line = strndup(s, l);
            free(f);
            return line;
        }
        free(f);
        usleep(100000);
    }
    fail_msg("no line with '%s' in %s", needle, path);
    return NULL;
}

/* The raw value of the first header `name` in a delivered mail, unfolded (malloc'd). */
static char *header_of(const char *mail, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = mail; p && *p && strncmp(p, "\r\n", 2) && *p != '\n';
         p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *e = v;
            while (*e && !(*e == '\n' && e[1] != ' ' && e[1] != '\t'))
                e++;
            char *out = malloc((size_t)(e - v) + 1), *o = out;
            for (; v < e; v++)
                if (*v != '\r' && *v != '\n')
                    *o++ = *v;
            *o = 0;
            char *s = out;
            while (*s == ' ' || *s == '\t')
                s++;
            memmove(out, s, strlen(s) + 1);
            return out;
        }
    }
    return NULL;
}

/* The message boundary: headers end at the first empty line. */
static bool headers_contain(const char *mail, const char *needle)
{
    const char *end = strstr(mail, "\n\n");
    const char *end2 = strstr(mail, "\r\n\r\n");
    if (!end || (end2 && end2 < end))
        end = end2;
    const char *hit = strstr(mail, needle);
    return hit && (!end || hit < end);
}

static void test_forged_own_domain_from_outside_no_outbound_alert(void **unused)
{
    need();
    char t[3][64];
    for (int i = 0; i < 3; i++) { /* three would alert if the envelope made it outbound */
        char *m = ppap_mail("ceo@corp.example", "staff@test.example", token(t[i], sizeof t[i]));
        int code = send1(pf.smtp1, "ceo@corp.example", "staff@test.example", m, NULL, 0);
        free(m);
        assert_int_equal(code, 250); /* suspicious: tagged and delivered */
    }
    for (int i = 0; i < 3; i++) {
        char *line = wait_line(logf, t[i]);
        assert_non_null(strstr(line, " dir=in "));
        assert_non_null(strstr(line, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
        assert_null(strstr(line, "OUTBOUND-ALERT"));
        free(line);
    }
    size_t n = 0;
    char *log = (char *)eg_test_read_file(logf, &n);
    assert_null(strstr(log, "outbound alert: account ceo@corp.example"));
    free(log);
    /* inbound, so the recipient sees the finding */
    char *got = wait_delivered(t[0]);
    assert_non_null(got);
    char *reasons = header_of(got, "X-Emoguard-Reasons");
    assert_non_null(reasons);
    assert_non_null(strstr(reasons, "SENDER.OWN_DOMAIN_FROM_OUTSIDE"));
    free(reasons);
    free(got);
}

static void test_authenticated_account_three_ppap_alerts(void **unused)
{
    need();
    char t[3][64];
    for (int i = 0; i < 3; i++) {
        char *m = ppap_mail("alice@corp.example", "partner@test.example", token(t[i], sizeof t[i]));
        assert_int_equal(send_auth(pf.smtp1, "alice@corp.example", "partner@test.example", m), 250);
        free(m);
    }
    for (int i = 0; i < 3; i++) {
        char *line = wait_line(logf, t[i]);
        assert_non_null(strstr(line, " dir=out via=auth account=alice@eg-test.invalid "));
        assert_non_null(strstr(line, "ZIP.ENCRYPTED"));
        if (i < 2)
            assert_null(strstr(line, "OUTBOUND-ALERT"));
        else
            assert_non_null(strstr(line, "OUTBOUND-ALERT"));
        free(line);
    }
    char *alert = wait_line(logf, "outbound alert: account alice@eg-test.invalid");
    assert_non_null(strstr(alert, "mails with encrypted archives: 3"));
    free(alert);
    char *j = wait_line(jsonf, t[2]);
    assert_non_null(strstr(j, "\"outbound\":true,\"direction\":\"auth\""));
    assert_non_null(strstr(j, "\"outbound_alert\":\"mails with encrypted archives: 3"));
    free(j);
    for (int i = 0; i < 3; i++) { /* delivered as written: the alert is for the IT team */
        char *got = wait_delivered(t[i]);
        assert_non_null(got);
        assert_false(headers_contain(got, "X-Emoguard"));
        free(got);
    }
}

/* Outbound by local network and by the submission listener: no tag even where the recipient's
 * domain says tag, no verdict headers, and the X-Emoguard-* headers the client wrote are gone. */
static void test_outbound_untagged_and_stripped(void **unused)
{
    need();
    const char *forged =
        "X-Emoguard-Verdict: clean\r\nX-Emoguard-Score: 0\r\nX-EMOGUARD-Reasons: none\r\n";
    char t1[64], t2[64], t3[64];
    eg_mh_set_client_addr(LOCAL_CLIENT);
    char *m = plain_mail("bob@corp.example", "x@tag.test.example", token(t1, sizeof t1), forged,
                         "minutes\r\n");
    assert_int_equal(send1(pf.smtp1, "bob@corp.example", "x@tag.test.example", m, NULL, 0), 250);
    free(m);
    eg_mh_set_client_addr(NULL);
    m = plain_mail("bob@corp.example", "x@tag.test.example", token(t2, sizeof t2), forged,
                   "minutes\r\n");
    assert_int_equal(send1(pf.submit, "bob@corp.example", "x@tag.test.example", m, NULL, 0), 250);
    free(m);
    /* the same from outside: inbound, tagged, with our headers only */
    m = plain_mail("carol@ext.example", "x@tag.test.example", token(t3, sizeof t3), forged,
                   "minutes\r\n");
    assert_int_equal(send1(pf.smtp1, "carol@ext.example", "x@tag.test.example", m, NULL, 0), 250);
    free(m);
    const char *toks[2] = {t1, t2};
    for (int i = 0; i < 2; i++) {
        char *got = wait_delivered(toks[i]);
        assert_non_null(got);
        assert_false(headers_contain(got, "X-Emoguard"));
        assert_false(headers_contain(got, "X-EMOGUARD"));
        char *subj = header_of(got, "Subject");
        assert_string_equal(subj, toks[i]);
        free(subj);
        free(got);
    }
    char *line = wait_line(logf, t1);
    assert_non_null(strstr(line, " dir=out via=local_network "));
    assert_non_null(strstr(line, " action=accept ")); /* tag means accept for outbound mail */
    assert_non_null(strstr(line, " client=" LOCAL_CLIENT " "));
    free(line);
    line = wait_line(logf, t2);
    assert_non_null(strstr(line, " daemon=ORIGINATING "));
    assert_non_null(strstr(line, " dir=out via=submission "));
    free(line);
    char *got = wait_delivered(t3);
    assert_non_null(got);
    char *v = header_of(got, "X-Emoguard-Verdict");
    assert_string_equal(v, "clean"); /* ours, not the client's */
    free(v);
    assert_null(strstr(got, "X-EMOGUARD-Reasons"));
    assert_null(strstr(got, "X-Emoguard-Score: 0\r\nX-EMOGUARD"));
    int scores = 0;
    for (const char *p = got; (p = strstr(p, "X-Emoguard-Score:")); p++)
        scores++;
    assert_int_equal(scores, 1);
    free(got);
}

static void test_japanese_subject_tag_encoded(void **unused)
{
    need();
    char t[64];
    char *m =
        plain_mail("sato@ext.example", "y@tag.test.example", token(t, sizeof t), "", "hello\r\n");
    assert_int_equal(send1(pf.smtp1, "sato@ext.example", "y@tag.test.example", m, NULL, 0), 250);
    free(m);
    char *got = wait_delivered(t);
    assert_non_null(got);
    char *raw = header_of(got, "Subject");
    assert_non_null(raw);
    assert_non_null(strstr(raw, "=?UTF-8?B?"));
    for (const char *p = raw; *p; p++)
        assert_true((unsigned char)*p < 0x80); /* encoded, not raw 8-bit */
    char *dec = NULL;
    assert_int_equal(eg_header_decode(raw, strlen(raw), 0, &dec, NULL), EG_OK);
    char want[128];
    snprintf(want, sizeof want, "【要注意】 %s", t);
    assert_string_equal(dec, want);
    free(dec);
    free(raw);
    free(got);
}

static char *listed_mail(const char *from, const char *subject)
{
    char *b = eg_mb_base64((const uint8_t *)listed_file, strlen(listed_file), true);
    size_t n = strlen(b) + 1024;
    char *m = malloc(n);
    snprintf(
        m, n,
        "From: <%s>\r\nTo: <u@test.example>\r\nSubject: %s\r\nMessage-ID: <%s@eg-test.invalid>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\n"
        "Content-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: "
        "base64\r\n\r\n"
        "%s\r\n--b--\r\n",
        from, subject, subject, b);
    free(b);
    return m;
}

static void test_allowlisted_malicious_delivered_but_logged(void **unused)
{
    need();
    char t1[64], t2[64], reply[2048];
    char *m = listed_mail("other@partner.example", token(t1, sizeof t1));
    int code = send1(pf.smtp1, "other@partner.example", "u@test.example", m, reply, sizeof reply);
    free(m);
    if (code != 550)
        fprintf(stderr, "reply: %s\n", reply);
    assert_int_equal(code, 550); /* the control: the listed hash is malicious and rejected */
    m = listed_mail("trusted@partner.example", token(t2, sizeof t2));
    assert_int_equal(send1(pf.smtp1, "trusted@partner.example", "u@test.example", m, NULL, 0), 250);
    free(m);
    char *got = wait_delivered(t2);
    assert_non_null(got);
    free(got);
    char *line = wait_line(logf, t2);
    assert_non_null(strstr(line, " verdict=malicious "));
    assert_non_null(strstr(line, " action=accept "));
    assert_non_null(strstr(line, "INTEL.HASH"));
    assert_non_null(strstr(line, " allowlisted=allow_senders=trusted@partner.example"));
    free(line);
    char *j = wait_line(jsonf, t2);
    assert_non_null(strstr(j, "\"verdict\":\"malicious\""));
    assert_non_null(strstr(j, "\"action\":\"accept\""));
    assert_non_null(strstr(j, "\"allowlist\":\"allow_senders=trusted@partner.example\""));
    free(j);
}

/* A malicious mail from an employee is refused with words for the employee, in English and
 * Japanese; the same mail from outside gets the text for an outside sender. */
static void test_outbound_reject_worded_for_employee(void **unused)
{
    need();
    char t1[64], t2[64], reply[2048];
    char *m = listed_mail("alice@corp.example", token(t1, sizeof t1));
    assert_int_equal(
        send_auth_reply(pf.smtp1, "alice@corp.example", "u@test.example", m, reply, sizeof reply),
        550);
    free(m);
    assert_non_null(strstr(reply, "Your mail was not sent because"));
    assert_non_null(strstr(reply, "このメールは送信されませんでした"));
    m = listed_mail("mallory@ext.example", token(t2, sizeof t2));
    assert_int_equal(
        send1(pf.smtp1, "mallory@ext.example", "u@test.example", m, reply, sizeof reply), 550);
    free(m);
    assert_non_null(strstr(reply, "Message rejected"));
    assert_null(strstr(reply, "Your mail was not sent"));
}

/* One line per mail with queue id, Message-ID, client, envelope, verdict, action and rules; the
 * PPAP password of the earlier mails is in neither log. */
static void test_log_line_fields_no_password(void **unused)
{
    need();
    char t[64];
    char *m = ppap_mail("dave@ext.example", "e@test.example", token(t, sizeof t));
    assert_int_equal(send1(pf.smtp1, "dave@ext.example", "e@test.example", m, NULL, 0), 250);
    free(m);
    char *got = wait_delivered(t);
    assert_non_null(got);
    assert_non_null(strstr(got, PPAP_PASSWORD)); /* the mail itself is untouched */
    free(got);
    char needle[128];
    snprintf(needle, sizeof needle, "msgid=<%s@eg-test.invalid>", t);
    char *line = wait_line(logf, needle);
    assert_null(strstr(line, "NOQUEUE"));
    const char *fields[] = {": msgid=<",
                            " client=127.0.0.1 ",
                            " from=<dave@ext.example> ",
                            " nrcpt=1 ",
                            " rcpts=<e@test.example> ",
                            " dir=in ",
                            " verdict=",
                            " score=",
                            " action=",
                            " rules=",
                            "ZIP.ENCRYPTED",
                            " ms="};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!strstr(line, fields[i]))
            fail_msg("'%s' not in: %s", fields[i], line);
    /* the queue id comes first: "emoguard: info: QUEUEID: msgid=..." */
    char *q = strstr(line, ": msgid=<");
    assert_true(q > line && q[-1] != ' ');
    free(line);
    size_t n = 0;
    char *all = (char *)eg_test_read_file(logf, &n);
    assert_null(strstr(all, PPAP_PASSWORD));
    free(all);
    all = (char *)eg_test_read_file(jsonf, &n);
    assert_non_null(strstr(all, "ZIP.ENCRYPTED"));
    assert_null(strstr(all, PPAP_PASSWORD));
    assert_non_null(strstr(all, "(redacted)"));
    free(all);
}

/* The milter exits 0 on SIGTERM; under the sanitizer build that also means no leak and no
 * runtime error in the paths above (the log is checked for sanitizer reports too). */
static void test_graceful_stop_clean_log(void **unused)
{
    need();
    int st = eg_mh_stop(milter, SIGTERM);
    milter = 0;
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    size_t n = 0;
    char *log = (char *)eg_test_read_file(logf, &n);
    assert_non_null(log);
    assert_null(strstr(log, "runtime error"));
    assert_null(strstr(log, "Sanitizer"));
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forged_own_domain_from_outside_no_outbound_alert),
        cmocka_unit_test(test_authenticated_account_three_ppap_alerts),
        cmocka_unit_test(test_outbound_untagged_and_stripped),
        cmocka_unit_test(test_japanese_subject_tag_encoded),
        cmocka_unit_test(test_allowlisted_malicious_delivered_but_logged),
        cmocka_unit_test(test_outbound_reject_worded_for_employee),
        cmocka_unit_test(test_log_line_fields_no_password),
        cmocka_unit_test(test_graceful_stop_clean_log),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
