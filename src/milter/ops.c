/*
 * The milter's operations after the action (see ops.h): the held-mail record, the hold reason in
 * emoguard's log, and the admin notices. Policy (what is held or rejected) is decided in
 * decide.c; templates, rate limiting, the notice marker and the child processes live in
 * src/notify; the record file in src/quarantine. This file only connects them.
 */
#include "milter/ops.h"

#include "core/log.h"
#include "core/sha256.h"
#include "core/strutil.h"
#include "notify/notify.h"
#include "quarantine/quarantine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOTICE_MAX_AGE_S (7u * 86400) /* a notice older than this is treated as any mail */
#define RATE_ENTRIES 4096
#define QUEUE_MAX 64
#define MAX_ARGS 32

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static eg_notify_runner *g_runner;
static eg_notify_rate *g_rate;
static uint8_t g_key[EG_NOTIFY_KEY_LEN];
static char g_key_dir[4096]; /* the state_dir the key was read from; "" = none */
static time_t g_key_fail_logged;

void eg_milter_ops_hold_reason(const eg_milter_decision *d, char *out, size_t n)
{
    snprintf(out, n, "emoguard: %s score %d %.180s", eg_verdict_str(d->verdict), d->score,
             d->alert ? "outbound alert" : d->reasons);
}

/* The findings of the report, one per rule, highest score first. */
static size_t collect_evidence(const eg_report *r, eg_lang lang, eg_notify_evidence *ev, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; r && i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        const eg_rule *ru = f ? eg_rule_get(f->rule) : NULL;
        if (!ru)
            continue;
        size_t k = 0;
        while (k < n && strcmp(ev[k].rule, ru->id))
            k++;
        if (k < n)
            continue;
        eg_notify_evidence x = {ru->id, ru->score, lang == EG_LANG_JA ? ru->text_ja : ru->text_en,
                                lang == EG_LANG_JA ? ru->advice_ja : ru->advice_en, f->evidence};
        /* insert by score, keeping the max highest */
        size_t pos = n;
        while (pos > 0 && ev[pos - 1].score < x.score)
            pos--;
        if (pos >= max)
            continue;
        size_t last = n < max ? n : max - 1;
        memmove(&ev[pos + 1], &ev[pos], (last - pos) * sizeof *ev);
        ev[pos] = x;
        if (n < max)
            n++;
    }
    return n;
}

static void record_hold(const eg_milter_config *cfg, const eg_milter_msg *m, const char *subject,
                        const eg_report *r, const eg_milter_decision *d, const char *reason)
{
    if (!eg_qrec_valid_id(m->queue_id) || !strcmp(m->queue_id, "NOQUEUE")) {
        eg_log(EG_LOG_WARN, "%s: held, but the queue id is not usable: no record", m->queue_id);
        return;
    }
    eg_qrec *q = calloc(1, sizeof *q);
    if (!q) {
        eg_log(EG_LOG_ERR, "%s: no memory for the held-mail record", m->queue_id);
        return;
    }
    snprintf(q->queue_id, sizeof q->queue_id, "%s", m->queue_id);
    q->time = (int64_t)time(NULL);
    eg_qrec_set(q->from, sizeof q->from, m->from);
    eg_qrec_set(q->subject, sizeof q->subject, subject);
    for (size_t i = 0; i < m->n_rcpts && q->n_rcpts < EG_QREC_MAX_RCPTS; i++)
        eg_qrec_set(q->rcpts[q->n_rcpts++], sizeof q->rcpts[0], m->rcpts[i]);
    q->rcpts_total = m->n_rcpts > UINT32_MAX ? UINT32_MAX : (uint32_t)m->n_rcpts;
    eg_qrec_set(q->verdict, sizeof q->verdict, eg_verdict_str(d->verdict));
    q->score = d->score;
    eg_qrec_set(q->action, sizeof q->action, eg_milter_action_str(d->action));
    if (d->outbound)
        eg_qrec_set(q->account, sizeof q->account, d->account);
    eg_qrec_set(q->reason, sizeof q->reason, reason);
    eg_qrec_set(q->rules, sizeof q->rules, d->reasons);
    eg_notify_evidence ev[EG_QREC_MAX_FINDINGS];
    size_t n = collect_evidence(r, EG_LANG_EN, ev, EG_QREC_MAX_FINDINGS);
    for (size_t i = 0; i < n; i++) {
        eg_qrec_set(q->findings[i].rule, sizeof q->findings[i].rule, ev[i].rule);
        q->findings[i].score = ev[i].score;
        eg_qrec_set(q->findings[i].evidence, sizeof q->findings[i].evidence, ev[i].evidence);
    }
    q->n_findings = n;
    eg_status st = eg_qrec_store(cfg->state_dir, q);
    if (st != EG_OK)
        eg_log(EG_LOG_ERR, "%s: cannot write the held-mail record in %s/held: %s", m->queue_id,
               cfg->state_dir,
               st == EG_ELIMIT      ? "too many records (run emoguard quarantine list to prune)"
               : st == EG_ENOTFOUND ? "state_dir does not exist"
               : st == EG_EIO       ? "write failed"
                                    : "bad record");
    free(q);
}

/* The runner, the rate table and the notice key, made on first use. The key is re-read when
 * state_dir changes with a reload. false: no key (notice mails are then not sent). */
static bool ensure(const eg_milter_config *cfg, uint8_t key[EG_NOTIFY_KEY_LEN])
{
    pthread_mutex_lock(&g_mu);
    if (!g_runner && eg_notify_runner_new(cfg->notify_max_children, QUEUE_MAX, &g_runner) != EG_OK)
        g_runner = NULL;
    if (!g_rate && eg_notify_rate_new(RATE_ENTRIES, &g_rate) != EG_OK)
        g_rate = NULL;
    if (strcmp(g_key_dir, cfg->state_dir)) {
        if (eg_notify_key_load(cfg->state_dir, g_key) == EG_OK) {
            snprintf(g_key_dir, sizeof g_key_dir, "%s", cfg->state_dir);
        } else {
            g_key_dir[0] = 0;
            time_t now = time(NULL);
            if (now - g_key_fail_logged > 300) {
                g_key_fail_logged = now;
                eg_log(EG_LOG_ERR,
                       "notify: cannot read or create %s/notify.key: notice mails are not sent "
                       "(without it a notice could not be told from other mail)",
                       cfg->state_dir);
            }
        }
    }
    bool ok = g_key_dir[0] != 0;
    if (ok)
        memcpy(key, g_key, EG_NOTIFY_KEY_LEN); /* a copy: a reload may change g_key */
    pthread_mutex_unlock(&g_mu);
    return ok;
}

/* notify_sendmail split on spaces (no shell), then -i -f FROM -- TO... */
static size_t sendmail_argv_to(const eg_milter_config *cfg, char *buf, size_t buflen, char **argv,
                               const char *const *to, size_t n_to)
{
    snprintf(buf, buflen, "%s", cfg->notify_sendmail);
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < MAX_ARGS - 8;
         t = strtok_r(NULL, " \t", &save))
        argv[n++] = t;
    argv[n++] = "-i";
    argv[n++] = "-f";
    argv[n++] = cfg->notify_from;
    argv[n++] = "--";
    for (size_t i = 0; i < n_to && n < MAX_ARGS - 1; i++)
        argv[n++] = (char *)to[i];
    argv[n] = NULL;
    return n;
}

static size_t sendmail_argv(const eg_milter_config *cfg, char *buf, size_t buflen, char **argv)
{
    return sendmail_argv_to(cfg, buf, buflen, argv, (const char *const *)cfg->notify_to.v,
                            cfg->notify_to.n);
}

/* Queues a job under g_mu, so that a stop (which takes the runner away under the same lock
 * before draining it) never meets a submit in progress; submitting does not wait for children. */
static void submit(const char *what, char *const argv[], const char *input, unsigned timeout_ms)
{
    pthread_mutex_lock(&g_mu);
    if (g_runner)
        eg_notify_runner_submit(g_runner, what, argv, input, strlen(input), timeout_ms);
    pthread_mutex_unlock(&g_mu);
}

static void send_notice(const eg_milter_config *cfg, const eg_notify_event *e, const uint8_t *key)
{
    eg_lang lang = !strcmp(cfg->notify_lang, "en") ? EG_LANG_EN : EG_LANG_JA;
    char what[32];
    snprintf(what, sizeof what, "%s notice", eg_notify_kind_str(e->kind));
    if (cfg->notify_to.n && key) {
        char marker[160], mid[128], host[128] = "localhost";
        eg_notify_marker_make(key, e->time, marker, sizeof marker);
        if (gethostname(host, sizeof host - 1) != 0 || !host[0] || strpbrk(host, " <>@"))
            snprintf(host, sizeof host, "localhost");
        snprintf(mid, sizeof mid, "emoguard.%s.%s.%ld@%s", eg_notify_kind_str(e->kind), e->queue_id,
                 (long)e->time, host);
        eg_notify_mail_opts o = {
            lang, cfg->notify_from, (const char *const *)cfg->notify_to.v, cfg->notify_to.n, marker,
            mid};
        char *mail = eg_notify_mail(e, &o);
        char buf[1024], *argv[MAX_ARGS];
        sendmail_argv(cfg, buf, sizeof buf, argv);
        if (mail)
            submit(what, argv, mail, cfg->notify_timeout_ms);
        free(mail);
    }
    if (cfg->notify_command) {
        char *json = eg_notify_json(e);
        char *argv[] = {"/bin/sh", "-c", cfg->notify_command, NULL};
        if (json)
            submit(what, argv, json, cfg->notify_timeout_ms);
        free(json);
    }
}

/* One notice per kind and key per window. With Redis (several gateways sharing state) the
 * count is kept there, so that the gateways together send one notice, not one each; without it,
 * or while Redis cannot be reached, in this process's table. The Redis key carries a hash of the
 * rate key, not the addresses themselves. */
static bool rate_allow(eg_state *st, const eg_notify_event *e, const char *rkey, unsigned window,
                       time_t now)
{
    if (window == 0) /* notify_rate = 0: every one is sent */
        return true;
    if (st && !strcmp(eg_state_backend(st), "redis")) {
        uint8_t h[32];
        char hex[65], k[128];
        eg_sha256((const uint8_t *)rkey, strlen(rkey), h);
        eg_hex(h, 16, hex);
        snprintf(k, sizeof k, "notify:%s:%s", eg_notify_kind_str(e->kind), hex);
        int64_t n = 0;
        if (eg_state_incr(st, k, window, &n) == EG_OK && !strcmp(eg_state_backend(st), "redis"))
            return n == 1;
    }
    return !g_rate || eg_notify_rate_allow(g_rate, e->kind, rkey, window, now);
}

/* The held outbound mail's sender is told it was not sent (eg_notify_sender_mail), once per
 * sender per notify_rate window, through the same sendmail and runner as the admin notices. */
static void notify_sender(const eg_milter_config *cfg, eg_state *st, const eg_milter_msg *m,
                          const char *subject, const eg_report *r, time_t now,
                          const uint8_t key[EG_NOTIFY_KEY_LEN])
{
    eg_lang lang = !strcmp(cfg->notify_lang, "en") ? EG_LANG_EN : EG_LANG_JA;
    eg_notify_evidence ev[EG_NOTIFY_MAX_EVIDENCE];
    eg_notify_event e = {0};
    e.kind = EG_NOTIFY_HELD;
    e.time = now;
    e.queue_id = m->queue_id;
    e.from = m->from;
    e.subject = subject;
    e.rcpts = m->rcpts;
    e.n_rcpts = m->n_rcpts;
    e.ev = ev;
    e.n_ev = collect_evidence(r, lang, ev, EG_NOTIFY_MAX_EVIDENCE);
    char rkey[600];
    snprintf(rkey, sizeof rkey, "to-sender:%s", m->from);
    if (!rate_allow(st, &e, rkey, cfg->notify_rate_s, now)) {
        eg_log(EG_LOG_INFO,
               "%s: sender notice suppressed: one was sent to this sender within notify_rate (%us)",
               m->queue_id, cfg->notify_rate_s);
        return;
    }
    char marker[160], mid[128], host[128] = "localhost", to[320];
    eg_notify_marker_make(key, now, marker, sizeof marker);
    if (gethostname(host, sizeof host - 1) != 0 || !host[0] || strpbrk(host, " <>@"))
        snprintf(host, sizeof host, "localhost");
    snprintf(mid, sizeof mid, "emoguard.sender.%s.%ld@%s", m->queue_id, (long)now, host);
    /* the envelope sender as Postfix gave it, without the angle brackets */
    snprintf(to, sizeof to, "%s", m->from + (m->from[0] == '<'));
    to[strcspn(to, ">")] = 0;
    const char *tov[1] = {to};
    eg_notify_mail_opts o = {lang, cfg->notify_from, tov, 1, marker, mid};
    char *mail = eg_notify_sender_mail(&e, &o);
    char buf[1024], *argv[MAX_ARGS];
    sendmail_argv_to(cfg, buf, sizeof buf, argv, tov, 1);
    eg_log(EG_LOG_INFO, "%s: sender notice queued (mail to the sender of the held outbound mail)",
           m->queue_id);
    if (mail)
        submit("sender notice", argv, mail, cfg->notify_timeout_ms);
    free(mail);
}

void eg_milter_ops_eom(const eg_milter_config *cfg, eg_state *st, const eg_milter_msg *m,
                       const char *subject, const uint8_t *msg, size_t len, const eg_report *r,
                       const eg_milter_decision *d)
{
    if (d->action == EG_ACT_HOLD) {
        char reason[256];
        eg_milter_ops_hold_reason(d, reason, sizeof reason);
        eg_log(EG_LOG_INFO, "%s: held: reason=\"%s\"", m->queue_id, reason);
        record_hold(cfg, m, subject, r, d, reason);
    }
    unsigned kinds = 0;
    if (d->alert)
        kinds |= 1u << EG_NOTIFY_INFECTED;
    if (d->campaign)
        kinds |= 1u << EG_NOTIFY_CAMPAIGN;
    if (d->action == EG_ACT_HOLD)
        kinds |= 1u << EG_NOTIFY_HELD;
    if (d->action == EG_ACT_REJECT)
        kinds |= 1u << EG_NOTIFY_REJECTED;
    kinds &= cfg->notify_mask;
    if (!cfg->notify_to.n && !cfg->notify_command)
        kinds = 0;
    /* an employee whose outbound mail was held got a 250 and believes it sent: tell them, but
     * only at an address of ours (never backscatter to a forged outside sender) */
    bool to_sender = d->action == EG_ACT_HOLD && d->outbound && cfg->notify_sender_held &&
                     m->from && strchr(m->from, '@') &&
                     eg_milter_domain_in(&cfg->own_domains, m->from);
    if (!kinds && !to_sender)
        return;
    uint8_t key[EG_NOTIFY_KEY_LEN];
    bool have_key = ensure(cfg, key);
    time_t now = time(NULL);
    if (have_key && msg && eg_notify_is_notice(key, msg, len, now, NOTICE_MAX_AGE_S)) {
        /* our own notice came back: it was scanned and acted on; it must not cause another */
        eg_log(EG_LOG_INFO,
               "%s: emoguard notice: scanned (verdict=%s action=%s), no further notice",
               m->queue_id, eg_verdict_str(d->verdict), eg_milter_action_str(d->action));
        return;
    }
    const char *mk = msg ? eg_memmem_ci((const char *)msg, len < 65536 ? len : 65536,
                                        EG_NOTIFY_HEADER ":", strlen(EG_NOTIFY_HEADER) + 1)
                         : NULL;
    if (mk) {
        char shown[160];
        size_t avail = len - (size_t)(mk - (const char *)msg);
        eg_qrec_set(shown, avail + 1 < sizeof shown ? avail + 1 : sizeof shown,
                    mk); /* one line, cut */
        shown[strcspn(shown, "\r\n")] = 0;
        eg_log(EG_LOG_WARN,
               "%s: carries a notice marker that is not valid (forged, expired or another key), "
               "treated as any mail: %s",
               m->queue_id, shown);
    }
    eg_lang lang = !strcmp(cfg->notify_lang, "en") ? EG_LANG_EN : EG_LANG_JA;
    eg_notify_evidence ev[EG_NOTIFY_MAX_EVIDENCE];
    size_t n_ev = collect_evidence(r, lang, ev, EG_NOTIFY_MAX_EVIDENCE);
    char host[128] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    for (int k = 0; k < EG_NOTIFY__COUNT; k++) {
        if (!(kinds & (1u << k)))
            continue;
        eg_notify_event e = {0};
        e.kind = (eg_notify_kind)k;
        e.time = now;
        e.host = host;
        e.queue_id = m->queue_id;
        e.from = m->from;
        e.account = d->outbound ? d->account : NULL;
        e.subject = subject;
        e.rcpts = m->rcpts;
        e.n_rcpts = m->n_rcpts;
        e.verdict = eg_verdict_str(d->verdict);
        e.score = d->score;
        e.action = eg_milter_action_str(d->action);
        e.rules = d->reasons;
        e.detail = k == EG_NOTIFY_INFECTED   ? d->alert_text
                   : k == EG_NOTIFY_CAMPAIGN ? d->campaign_text
                                             : NULL;
        e.ev = ev;
        e.n_ev = n_ev;
        char rkey[1024];
        eg_notify_rate_key(&e, rkey, sizeof rkey);
        if (!rate_allow(st, &e, rkey, cfg->notify_rate_s, now)) {
            eg_log(
                EG_LOG_INFO,
                "%s: %s notice suppressed: one was sent for the same key within notify_rate (%us)",
                m->queue_id, eg_notify_kind_str(e.kind), cfg->notify_rate_s);
            continue;
        }
        eg_log(EG_LOG_INFO, "%s: %s notice queued (mail to %zu admin%s%s)", m->queue_id,
               eg_notify_kind_str(e.kind), have_key ? cfg->notify_to.n : 0,
               (have_key ? cfg->notify_to.n : 0) == 1 ? "" : "s",
               cfg->notify_command ? ", hook" : "");
        send_notice(cfg, &e, have_key ? key : NULL);
    }
    if (to_sender && have_key)
        notify_sender(cfg, st, m, subject, r, now, key);
}

bool eg_milter_ops_is_own_notice(const eg_milter_config *cfg, const uint8_t *msg, size_t len)
{
    if (!msg || (!cfg->notify_to.n && !cfg->notify_command && !cfg->notify_sender_held))
        return false;
    if (!eg_memmem_ci((const char *)msg, len < 65536 ? len : 65536, EG_NOTIFY_HEADER ":",
                      strlen(EG_NOTIFY_HEADER) + 1))
        return false; /* the common case: no marker, no key file touched */
    uint8_t key[EG_NOTIFY_KEY_LEN];
    return ensure(cfg, key) && eg_notify_is_notice(key, msg, len, time(NULL), NOTICE_MAX_AGE_S);
}

void eg_milter_ops_shutdown(unsigned wait_ms)
{
    pthread_mutex_lock(&g_mu);
    eg_notify_runner *r = g_runner;
    eg_notify_rate *rate = g_rate;
    g_runner = NULL;
    g_rate = NULL;
    pthread_mutex_unlock(&g_mu);
    if (r) {
        unsigned long dropped = eg_notify_runner_stop(r, wait_ms);
        if (dropped)
            eg_log(EG_LOG_WARN,
                   "notify: %lu notice(s) not sent: still waiting %u ms after the stop", dropped,
                   wait_ms);
        eg_notify_runner_free(r);
    }
    eg_notify_rate_free(rate);
}
