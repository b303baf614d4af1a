/*
 * The milter's callbacks and the daemon's life cycle (see milter.h). The protocol is proto.c's,
 * the sockets and threads server.c's, analysis the scanner's, policy decide.c's, parsing
 * config.c's: this file only moves a message between the MTA's steps and them.
 *
 * Threads: the server runs one thread per MTA connection and its listener in a thread of ours, so
 * that the process's main thread, which keeps SIGHUP/SIGTERM/SIGINT unblocked, receives them
 * (Linux delivers a process signal to the main thread first when it can take it) and turns them
 * into reloads or eg_mserver_stop() calls through a self-pipe.
 */
#include "milter/milter.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/strutil.h"
#include "milter/config.h"
#include "milter/decide.h"
#include "milter/policy.h"
#include "milter/ops.h"
#include "milter/proto.h"
#include "milter/server.h"
#include "milter/slots.h"
#include "milter/setup.h"
#include "milter/stats.h"
#include "state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <getopt.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPTS 1000
#define MAX_OWN_HEADERS 16

/* One configuration and the scanner built from it; refcounted so a reload never frees a scanner
 * that a running scan still uses. */
typedef struct gen {
    eg_milter_config cfg;
    eg_scanner *sc;
    int refs;
} gen;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static gen *g_cur;
static eg_state *g_state;
static eg_milter_stats g_stats;
static eg_milter_slots g_slots;
static pthread_mutex_t g_json_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *g_json;
static int g_pipe[2] = {-1, -1};
static const char *g_conf_path;
static bool g_syslog;

static gen *gen_acquire(void)
{
    pthread_mutex_lock(&g_mu);
    gen *g = g_cur;
    g->refs++;
    pthread_mutex_unlock(&g_mu);
    return g;
}

static void gen_release(gen *g)
{
    pthread_mutex_lock(&g_mu);
    bool last = --g->refs == 0;
    pthread_mutex_unlock(&g_mu);
    if (last) {
        eg_scanner_free(g->sc);
        eg_milter_config_free(&g->cfg);
        free(g);
    }
}

static eg_status gen_build(const char *path, gen **out, char *err, size_t errlen)
{
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return EG_ENOMEM;
    eg_milter_config_init(&g->cfg);
    eg_status st = path ? eg_milter_config_load(&g->cfg, path, err, errlen) : EG_OK;
    if (st == EG_OK) {
        eg_options o;
        eg_options_default(&o);
        o.limits.max_input = g->cfg.max_message_size;
        o.limits.max_cpu_ms = g->cfg.scan_timeout_ms;
        o.own_domains = (const char *const *)g->cfg.own_domains.v;
        o.n_own_domains = g->cfg.own_domains.n;
        o.ioc_files = (const char *const *)g->cfg.ioc_files.v;
        o.n_ioc_files = g->cfg.ioc_files.n;
        o.trusted_authserv_ids = (const char *const *)g->cfg.trusted_authserv_ids.v;
        o.n_trusted_authserv_ids = g->cfg.trusted_authserv_ids.n;
        o.yara_rules = g->cfg.yara_rules;
        o.data_dir = g->cfg.data_dir;
        o.known_correspondents_file = g->cfg.known_correspondents;
        st = eg_scanner_new(&o, &g->sc, err, errlen);
    }
    if (st != EG_OK) {
        eg_milter_config_free(&g->cfg);
        free(g);
        return st;
    }
    g->refs = 1;
    *out = g;
    return EG_OK;
}

/* ---- per-connection state ---- */

typedef struct own_hdr {
    char name[64];
    int count;
} own_hdr;

typedef struct conn {
    /* of the connection: kept across messages */
    char client[64];  /* the client's IP address as text; empty when the MTA gave none */
    char daemon[64];  /* {daemon_name}: which MTA listener (submission or not) */
    unsigned long nr; /* EG_SMFIP_NR_* agreed: those steps answer EG_MRET_NOREPLY */
    /* of the message */
    char *from, *auth, *msgid;
    char *rcpts[MAX_RCPTS];
    size_t n_rcpts;
    eg_buf data;
    eg_status buf_err; /* first buffering failure: EG_ELIMIT = oversize, anything else = internal */
    char *subject;
    own_hdr own[MAX_OWN_HEADERS];
    size_t n_own;
} conn;

static void msg_reset(conn *c)
{
    free(c->from);
    free(c->auth);
    free(c->msgid);
    for (size_t i = 0; i < c->n_rcpts; i++)
        free(c->rcpts[i]);
    eg_buf_free(&c->data);
    free(c->subject);
    /* the connection's properties stay; everything from `from` on is the message's */
    memset(&c->from, 0, sizeof *c - offsetof(conn, from));
}

static uint64_t cur_max_size(void)
{
    pthread_mutex_lock(&g_mu);
    uint64_t m = g_cur->cfg.max_message_size;
    pthread_mutex_unlock(&g_mu);
    return m;
}

/* The steps whose callbacks only collect, and continue whatever they see, need no answer: without
 * EG_SMFIP_NR_HDR the MTA waits a round trip per header field. A failure in such a step (memory) is
 * kept in buf_err and answered at end of message by the fail-safe action, which the buffering
 * already did. The steps the milter never reads (HELO, DATA, unknown commands) are not sent.
 * Only what the MTA offers is asked for; without an allocated conn nothing is, so that connect
 * can still answer 451. */
#define NR_WANTED                                                                                  \
    (EG_SMFIP_NR_CONN | EG_SMFIP_NR_MAIL | EG_SMFIP_NR_RCPT | EG_SMFIP_NR_HDR | EG_SMFIP_NR_EOH |  \
     EG_SMFIP_NR_BODY)
#define NO_WANTED (EG_SMFIP_NOHELO | EG_SMFIP_NODATA | EG_SMFIP_NOUNKNOWN)
#define ACTIONS_NEEDED (EG_SMFIF_ADDHDRS | EG_SMFIF_CHGHDRS | EG_SMFIF_QUARANTINE)

static eg_mret cb_negotiate(eg_mctx *ctx, uint32_t actions, uint32_t steps, uint32_t *want_actions,
                            uint32_t *want_steps)
{
    /* an MTA that cannot change headers or quarantine cannot carry a verdict: the connection is
     * dropped and the MTA applies its milter default action */
    if ((actions & ACTIONS_NEEDED) != ACTIONS_NEEDED)
        return EG_MRET_CLOSE;
    conn *c = eg_mctx_app(ctx);
    *want_actions = ACTIONS_NEEDED;
    c->nr = steps & NR_WANTED;
    *want_steps = (steps & NO_WANTED) | c->nr;
    return EG_MRET_CONTINUE;
}

/* the answer of a step that found nothing to object to */
static eg_mret go_on(const conn *c, unsigned long step)
{
    return c && (c->nr & step) ? EG_MRET_NOREPLY : EG_MRET_CONTINUE;
}

static eg_mret cb_connect(eg_mctx *ctx, const char *host, const char *addr)
{
    conn *c = eg_mctx_app(ctx);
    (void)host;
    c->client[0] = c->daemon[0] = 0;
    if (addr)
        snprintf(c->client, sizeof c->client, "%s", addr);
    const char *dn = eg_mctx_symval(ctx, "{daemon_name}");
    if (dn)
        snprintf(c->daemon, sizeof c->daemon, "%s", dn);
    return go_on(c, EG_SMFIP_NR_CONN);
}

static eg_mret cb_envfrom(eg_mctx *ctx, char **argv, size_t argc)
{
    conn *c = eg_mctx_app(ctx);
    (void)argc; /* argv[0], the address, is always there */
    msg_reset(c);
    eg_buf_init(&c->data, (size_t)cur_max_size());
    c->from = eg_strdup(argv && argv[0] ? argv[0] : "");
    const char *auth = eg_mctx_symval(ctx, "{auth_authen}");
    c->auth = auth && *auth ? eg_strdup(auth) : NULL;
    if (!c->daemon[0]) { /* an MTA that sends it with MAIL rather than at connect */
        const char *dn = eg_mctx_symval(ctx, "{daemon_name}");
        if (dn)
            snprintf(c->daemon, sizeof c->daemon, "%s", dn);
    }
    if (c->from)
        return go_on(c, EG_SMFIP_NR_MAIL);
    if (!(c->nr & EG_SMFIP_NR_MAIL))
        return EG_MRET_TEMPFAIL;
    c->buf_err = EG_ENOMEM; /* no answer at MAIL: the fail-safe action at end of message */
    return EG_MRET_NOREPLY;
}

static eg_mret cb_envrcpt(eg_mctx *ctx, char **argv, size_t argc)
{
    conn *c = eg_mctx_app(ctx);
    (void)argc;
    if (c->n_rcpts >= MAX_RCPTS) /* the decision uses the first MAX_RCPTS; delivery is not limited */
        return go_on(c, EG_SMFIP_NR_RCPT);
    if (argv && argv[0] && (c->rcpts[c->n_rcpts] = eg_strdup(argv[0]))) {
        c->n_rcpts++;
        return go_on(c, EG_SMFIP_NR_RCPT);
    }
    if (!(c->nr & EG_SMFIP_NR_RCPT))
        return EG_MRET_TEMPFAIL;
    if (c->buf_err == EG_OK)
        c->buf_err = EG_ENOMEM; /* no answer at RCPT: the fail-safe action at end of message */
    return EG_MRET_NOREPLY;
}

/* After the first failure nothing more is kept: the message takes a fail-safe action at the end.
 * Running out of memory is not "oversize": on_oversize may be set to reject, and a 5xx for our
 * own trouble would lose a legitimate mail. */
static void append(conn *c, const void *p, size_t n)
{
    if (c->buf_err == EG_OK)
        c->buf_err = eg_buf_append(&c->data, p, n);
}

static eg_mret cb_header(eg_mctx *ctx, const char *name, const char *value)
{
    conn *c = eg_mctx_app(ctx);
    /* Headers that claim to be ours are removed at the end: a sender must not pre-set a verdict. */
    if (!strncasecmp(name, "X-Emoguard-", 11)) {
        size_t i = 0;
        while (i < c->n_own && strcasecmp(c->own[i].name, name))
            i++;
        if (i == c->n_own && c->n_own < MAX_OWN_HEADERS && strlen(name) < sizeof c->own[0].name)
            snprintf(c->own[c->n_own++].name, sizeof c->own[0].name, "%s", name);
        if (i < c->n_own)
            c->own[i].count++;
    }
    if (!strcasecmp(name, "Subject") && !c->subject)
        c->subject = eg_strdup(value);
    if (!strcasecmp(name, "Message-ID") && !c->msgid)
        c->msgid = eg_strndup(value, strnlen(value, 200));
    append(c, name, strlen(name));
    append(c, ": ", 2);
    append(c, value, strlen(value));
    append(c, "\r\n", 2);
    return go_on(c, EG_SMFIP_NR_HDR);
}

static eg_mret cb_eoh(eg_mctx *ctx)
{
    conn *c = eg_mctx_app(ctx);
    append(c, "\r\n", 2);
    return go_on(c, EG_SMFIP_NR_EOH);
}

static eg_mret cb_body(eg_mctx *ctx, const uint8_t *chunk, size_t len)
{
    conn *c = eg_mctx_app(ctx);
    append(c, chunk, len);
    return go_on(c, EG_SMFIP_NR_BODY);
}

/* ---- end of message ---- */

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static void json_str(eg_buf *b, const char *s)
{
    eg_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            eg_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            eg_buf_printf(b, "\\u%04x", *p);
        else
            eg_buf_putc(b, *p);
    }
    eg_buf_putc(b, '"');
}

static void json_log(const char *qid, const conn *c, const eg_milter_decision *d, const char *why,
                     const eg_report *r, double ms)
{
    pthread_mutex_lock(&g_json_mu);
    FILE *f = g_json;
    if (!f) {
        pthread_mutex_unlock(&g_json_mu);
        return;
    }
    eg_buf b;
    eg_buf_init(&b, 16u << 20);
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eg_buf_printf(&b, "{\"time\":\"%s\",\"queue_id\":", ts);
    json_str(&b, qid);
    eg_buf_puts(&b, ",\"message_id\":");
    json_str(&b, c->msgid);
    eg_buf_puts(&b, ",\"client\":");
    json_str(&b, c->client);
    eg_buf_puts(&b, ",\"daemon\":");
    json_str(&b, c->daemon);
    eg_buf_puts(&b, ",\"from\":");
    json_str(&b, c->from);
    eg_buf_puts(&b, ",\"rcpts\":[");
    for (size_t i = 0; i < c->n_rcpts; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        json_str(&b, c->rcpts[i]);
    }
    eg_buf_printf(&b, "],\"outbound\":%s,\"direction\":\"%s\",\"account\":",
                  d->outbound ? "true" : "false", eg_milter_dir_str(d->dir));
    json_str(&b, d->account);
    eg_buf_printf(&b, ",\"verdict\":\"%s\",\"score\":%d,\"action\":\"%s\",\"rules\":", eg_verdict_str(d->verdict),
                  d->score, eg_milter_action_str(d->action));
    json_str(&b, d->reasons);
    eg_buf_printf(&b, ",\"ms\":%.1f", ms);
    if (why) {
        eg_buf_puts(&b, ",\"error\":");
        json_str(&b, why);
    }
    if (d->allowlist[0]) {
        eg_buf_puts(&b, ",\"allowlist\":");
        json_str(&b, d->allowlist);
    }
    if (d->alert) {
        eg_buf_puts(&b, ",\"outbound_alert\":");
        json_str(&b, d->alert_text);
    }
    if (d->campaign) {
        eg_buf_puts(&b, ",\"campaign\":");
        json_str(&b, d->campaign_text);
    }
    char *rj = r ? eg_report_json(r, EG_LANG_EN) : NULL;
    if (rj) {
        size_t n = strlen(rj);
        while (n && (rj[n - 1] == '\n' || rj[n - 1] == '\r'))
            rj[--n] = 0;
        eg_buf_puts(&b, ",\"report\":");
        eg_buf_puts(&b, rj);
        free(rj);
    }
    eg_buf_puts(&b, "}\n");
    fwrite(b.data, 1, b.len, f);
    fflush(f);
    pthread_mutex_unlock(&g_json_mu);
    eg_buf_free(&b);
}

/* Headers and the subject tag for a delivered message. Outbound mail leaves as the employee wrote
 * it: no verdict headers, no subject tag (the recipient outside is not ours to warn, and our
 * headers would tell an attacker what the gateway sees); X-Emoguard-* headers the client wrote
 * are removed either way. */
static void add_headers(eg_mctx *ctx, conn *c, const eg_milter_config *cfg,
                        const eg_milter_decision *d)
{
    for (size_t i = 0; i < c->n_own; i++)
        for (int k = c->own[i].count; k >= 1; k--)
            eg_mctx_chgheader(ctx, c->own[i].name, (uint32_t)k, NULL);
    if (d->outbound) /* and so the outbound alert is in the log and the metrics only */
        return;
    if (cfg->add_headers) {
        char v[64];
        eg_mctx_addheader(ctx, "X-Emoguard-Verdict", eg_verdict_str(d->verdict));
        snprintf(v, sizeof v, "%d", d->score);
        eg_mctx_addheader(ctx, "X-Emoguard-Score", v);
        if (d->reasons[0])
            eg_mctx_addheader(ctx, "X-Emoguard-Reasons", d->reasons);
        if (d->campaign)
            eg_mctx_addheader(ctx, "X-Emoguard-Campaign", d->campaign_text);
    }
    if (d->action == EG_ACT_TAG && cfg->subject_tag) {
        char *s = eg_subject_tagged(cfg->subject_tag, c->subject);
        if (s) {
            if (c->subject)
                eg_mctx_chgheader(ctx, "Subject", 1, s);
            else
                eg_mctx_addheader(ctx, "Subject", s);
            free(s);
        }
    }
}

/* The SMTP reply's text: English, and Japanese as a second line when configured; without a text
 * the MTA's own wording for the code class. */
static void reply(eg_mctx *ctx, const char *rcode, const char *xcode, const char *en,
                  const char *ja)
{
    const char *lines[] = {en, ja};
    if (ja && eg_mctx_setreply(ctx, rcode, xcode, lines, 2))
        return;
    if (en)
        eg_mctx_setreply(ctx, rcode, xcode, lines, 1);
}

static eg_mret act(eg_mctx *ctx, conn *c, const eg_milter_config *cfg, const eg_milter_decision *d)
{
    atomic_fetch_add(&g_stats.actions[d->action], 1);
    switch (d->action) {
    case EG_ACT_ACCEPT:
    case EG_ACT_TAG:
        add_headers(ctx, c, cfg, d);
        return EG_MRET_ACCEPT;
    case EG_ACT_HOLD: {
        add_headers(ctx, c, cfg, d);
        char why[320]; /* shown in the hold queue (postcat, mailq): for whoever releases it */
        snprintf(why, sizeof why, "emoguard: %s%.60s score %d %.160s",
                 d->outbound ? "outbound mail of " : "", d->outbound ? d->account : "", d->score,
                 d->alert ? "outbound alert" : d->reasons);
        eg_mctx_quarantine(ctx, why);
        return EG_MRET_ACCEPT;
    }
    case EG_ACT_TEMPFAIL:
        if (d->outbound)
            reply(ctx, "451", "4.7.1", cfg->outbound_tempfail_text_en,
                  cfg->outbound_tempfail_text_ja);
        else
            reply(ctx, "451", "4.7.1", "Message could not be checked now, please try again later",
                  NULL);
        return EG_MRET_TEMPFAIL;
    case EG_ACT_REJECT: {
        const char *en = d->outbound ? cfg->outbound_reject_text_en : cfg->reject_text_en;
        const char *ja = d->outbound ? cfg->outbound_reject_text_ja : cfg->reject_text_ja;
        reply(ctx, "550", "5.7.1", en, ja);
        return EG_MRET_REJECT;
    }
    case EG_ACT_DISCARD:
    default:
        return EG_MRET_DISCARD;
    }
}

/* Appends " key=value" with the value cut to max bytes and anything but printable ASCII as '?':
 * addresses and Message-IDs are the sender's text, and a log line must stay one line. */
static void log_kv(eg_buf *b, const char *key, const char *v, size_t max)
{
    eg_buf_printf(b, " %s=", key);
    if (!v || !*v) {
        eg_buf_putc(b, '-');
        return;
    }
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && n < max; p++, n++)
        eg_buf_putc(b, *p > 0x20 && *p < 0x7f ? (char)*p : '?');
    if (v[n])
        eg_buf_puts(b, "...");
}

/* The one line per mail: who sent it from where, to whom, what was found and what was done.
 * No archive passwords here: evidence is not logged, only rule ids. */
static void log_line(const char *qid, const conn *c, const eg_milter_decision *d, const char *why, double ms,
                     double wait_ms, double scan_ms, double cpu_ms)
{
    eg_buf b;
    eg_buf_init(&b, 8192);
    eg_buf_puts(&b, qid);
    eg_buf_putc(&b, ':');
    log_kv(&b, "msgid", c->msgid, 200);
    log_kv(&b, "client", c->client, 64);
    if (c->daemon[0])
        log_kv(&b, "daemon", c->daemon, 64);
    log_kv(&b, "from", c->from, 200);
    eg_buf_printf(&b, " nrcpt=%zu rcpts=", c->n_rcpts);
    for (size_t i = 0; i < c->n_rcpts && i < 5; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        for (const unsigned char *p = (const unsigned char *)c->rcpts[i];
             *p && p - (const unsigned char *)c->rcpts[i] < 200; p++)
            eg_buf_putc(&b, *p > 0x20 && *p < 0x7f ? (char)*p : '?');
    }
    if (c->n_rcpts > 5)
        eg_buf_puts(&b, ",...");
    eg_buf_printf(&b, " dir=%s", d->outbound ? "out" : "in");
    if (d->outbound)
        eg_buf_printf(&b, " via=%s", eg_milter_dir_str(d->dir));
    if (d->outbound && d->account[0])
        log_kv(&b, "account", d->account, 200);
    eg_buf_printf(&b, " verdict=%s score=%d action=%s rules=%s", eg_verdict_str(d->verdict),
                  d->score, eg_milter_action_str(d->action), d->reasons[0] ? d->reasons : "-");
    if (d->allowlist[0])
        log_kv(&b, "allowlisted", d->allowlist, 160);
    if (why)
        eg_buf_printf(&b, " error=%s", why);
    if (d->campaign)
        eg_buf_printf(&b, " campaign=\"%s\"", d->campaign_text);
    if (d->alert)
        eg_buf_puts(&b, " OUTBOUND-ALERT");
    /* where the time went: waiting for a scan slot, scanning (the rest is the decision, the
     * state store and the answer), and of the scan how much on a CPU: a scan far longer than its
     * CPU time waited for a core (a busy machine), not for emoguard */
    eg_buf_printf(&b, " ms=%.1f wait=%.1f scan=%.1f cpu=%.1f", ms, wait_ms, scan_ms, cpu_ms);
    eg_log(EG_LOG_INFO, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
    eg_buf_free(&b);
    if (d->alert)
        eg_log(EG_LOG_WARN, "%s: outbound alert: account %s is probably sending from an infected PC (%s); rules=%s",
               qid, d->account, d->alert_text, d->reasons[0] ? d->reasons : "-");
}

static eg_mret cb_eom(eg_mctx *ctx)
{
    conn *c = eg_mctx_app(ctx);
    double t0 = now_ms();
    const char *q = eg_mctx_symval(ctx, "i");
    char qid[64];
    snprintf(qid, sizeof qid, "%s", q && *q ? q : "NOQUEUE");
    gen *g = gen_acquire();
    eg_milter_decision d;
    memset(&d, 0, sizeof d);
    const char *why = NULL;
    eg_report *r = NULL;
    double wait_ms = 0, scan_ms = 0, cpu_ms = 0, w0 = now_ms();
    eg_milter_msg m = {qid,
                       c->from,
                       c->auth,
                       (const char *const *)c->rcpts,
                       c->n_rcpts,
                       c->client[0] ? c->client : NULL,
                       c->daemon[0] ? c->daemon : NULL};
    d.dir = eg_milter_direction(&g->cfg, &m); /* also for the fail-safe paths: their wording */
    d.outbound = d.dir != EG_DIR_IN;
    if (c->buf_err == EG_ELIMIT) {
        why = "message larger than max_message_size";
        d.action = eg_milter_failure_action(&g->cfg, EG_FAIL_OVERSIZE);
        atomic_fetch_add(&g_stats.oversize, 1);
    } else if (c->buf_err != EG_OK) {
        why = c->buf_err == EG_ENOMEM ? "cannot buffer the message: out of memory" : "cannot buffer the message";
        d.action = eg_milter_failure_action(&g->cfg, EG_FAIL_BUFFER);
        atomic_fetch_add(&g_stats.errors, 1);
    } else if (!eg_milter_slots_acquire(&g_slots, eg_milter_slot_timeout_ms(&g->cfg))) {
        why = "no scan slot free within slot_timeout_ms";
        d.action = eg_milter_failure_action(&g->cfg, EG_FAIL_NO_SLOT);
        atomic_fetch_add(&g_stats.errors, 1);
    } else {
        wait_ms = now_ms() - w0;
        atomic_fetch_add(&g_stats.scans_running, 1);
        eg_scan_input in = {0};
        in.source = qid;
        in.data = c->data.data ? c->data.data : (const uint8_t *)"";
        in.len = c->data.len;
        in.envelope_from = c->from;
        in.rcpts = (const char *const *)c->rcpts;
        in.n_rcpts = c->n_rcpts;
        in.auth_user = c->auth;
        in.outbound = eg_milter_is_outbound(&g->cfg, &m);
        in.is_mail = true; /* what the MTA hands over is a mail, whatever its bytes look like */
        double s0 = now_ms(), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
        eg_status st = eg_scanner_scan(g->sc, &in, &r);
        scan_ms = now_ms() - s0;
        cpu_ms = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        atomic_fetch_add(&g_stats.scan_us_sum, (unsigned long long)(scan_ms * 1000.0));
        atomic_fetch_add(&g_stats.scan_count, 1);
        atomic_fetch_sub(&g_stats.scans_running, 1);
        eg_milter_slots_release(&g_slots);
        if (st != EG_OK || !r) {
            why = st != EG_OK ? eg_status_str(st) : "scanner returned no report";
            d.action = eg_milter_failure_action(&g->cfg, EG_FAIL_SCAN);
            atomic_fetch_add(&g_stats.errors, 1);
        } else {
            /* our own notice leaves the gateway's sendmail with an own-domain sender */
            if (!eg_milter_ops_is_own_notice(&g->cfg, c->data.data, c->data.len))
                eg_milter_spoof_check(&g->cfg, r, &m);
            eg_milter_decide(&g->cfg, g_state, r, &m, &d);
            if (!g->cfg.log_passwords) /* after the decision: campaign correlation hashes them */
                eg_milter_redact_passwords(r);
            atomic_fetch_add(&g_stats.messages[d.verdict], 1);
            if (d.outbound)
                atomic_fetch_add(&g_stats.outbound, 1);
            if (d.alert)
                atomic_fetch_add(&g_stats.outbound_alerts, 1);
            if (d.campaign)
                atomic_fetch_add(&g_stats.campaign_hits, 1);
        }
    }
    if (why)
        snprintf(d.reasons, sizeof d.reasons, "-");
    eg_mret rc = act(ctx, c, &g->cfg, &d);
    double ms = now_ms() - t0;
    log_line(qid, c, &d, why, ms, wait_ms, scan_ms, cpu_ms);
    json_log(qid, c, &d, why, r, ms);
    eg_milter_ops_eom(&g->cfg, g_state, &m, c->subject, c->data.data, c->data.len, r, &d); /* records, notices */
    eg_report_free(r);
    gen_release(g);
    msg_reset(c);
    return rc;
}

static void cb_abort(eg_mctx *ctx) { msg_reset(eg_mctx_app(ctx)); }

/* The connection ends, or the MTA starts a new one on the same socket: what was agreed at
 * negotiation (nr) stays, the rest goes. */
static void cb_close(eg_mctx *ctx)
{
    conn *c = eg_mctx_app(ctx);
    msg_reset(c);
    c->client[0] = c->daemon[0] = 0;
}

static void *conn_new(void) { return calloc(1, sizeof(conn)); }

static void conn_free(void *p)
{
    msg_reset(p);
    free(p);
}

static const eg_mproto_cbs g_cbs = {
    .negotiate = cb_negotiate,
    .connect = cb_connect,
    .envfrom = cb_envfrom,
    .envrcpt = cb_envrcpt,
    .header = cb_header,
    .eoh = cb_eoh,
    .body = cb_body,
    .eom = cb_eom,
    .abort = cb_abort,
    .close = cb_close,
};

/* ---- daemon life cycle ---- */

static void syslog_sink(eg_log_level lvl, const char *line) { syslog((int)lvl, "%s", line); }

static eg_log_level level_of(const char *s)
{
    if (!strcmp(s, "error"))
        return EG_LOG_ERR;
    if (!strcmp(s, "warning"))
        return EG_LOG_WARN;
    if (!strcmp(s, "debug"))
        return EG_LOG_DEBUG;
    return EG_LOG_INFO;
}

static void json_reopen(const eg_milter_config *cfg)
{
    pthread_mutex_lock(&g_json_mu);
    if (g_json)
        fclose(g_json);
    g_json = NULL;
    if (cfg->json_log) {
        int fd = open(cfg->json_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        g_json = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (!g_json) {
            eg_log(EG_LOG_ERR, "json_log %s: %s", cfg->json_log, strerror(errno));
            if (fd >= 0)
                close(fd);
        }
    }
    pthread_mutex_unlock(&g_json_mu);
}

static bool same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static void reload(void)
{
    char err[512] = "";
    gen *g = NULL;
    eg_status st = gen_build(g_conf_path, &g, err, sizeof err);
    if (st != EG_OK) {
        atomic_fetch_add(&g_stats.reload_failures, 1);
        eg_log(EG_LOG_ERR, "reload failed, keeping the running configuration: %s", err[0] ? err : eg_status_str(st));
        return;
    }
    pthread_mutex_lock(&g_mu);
    gen *old = g_cur;
    g_cur = g;
    pthread_mutex_unlock(&g_mu);
    if (!same_str(old->cfg.socket, g->cfg.socket) || !same_str(old->cfg.redis_host, g->cfg.redis_host) ||
        !same_str(old->cfg.stats_listen, g->cfg.stats_listen) || old->cfg.max_scans != g->cfg.max_scans)
        eg_log(EG_LOG_WARN, "reload: socket, redis, stats_listen and max_scans changes take effect after a restart");
    eg_log_set_level(level_of(g->cfg.log_level));
    json_reopen(&g->cfg);
    gen_release(old);
    atomic_fetch_add(&g_stats.reloads, 1);
    eg_log(EG_LOG_INFO, "configuration reloaded from %s", g_conf_path);
}

static void on_signal(int sig)
{
    char c = sig == SIGHUP ? 'h' : 'q';
    int e = errno;
    if (write(g_pipe[1], &c, 1) < 0) { /* nothing else is safe to do here */
    }
    errno = e;
}

static eg_mserver *g_server;

typedef struct run_arg {
    eg_mserver_opts opts;
    int rc;
} run_arg;

static void *milter_thread(void *arg)
{
    run_arg *ra = arg;
    ra->rc = eg_mserver_run(g_server, &ra->opts);
    char c = 'x';
    if (write(g_pipe[1], &c, 1) < 0) {
    }
    return NULL;
}

static eg_status open_state(const eg_milter_config *cfg, eg_state **out)
{
    eg_state_limits lim;
    eg_state_limits_default(&lim);
    lim.max_keys = cfg->state_max_keys;
    if (!cfg->redis_host)
        return eg_state_memory_new(&lim, out);
    eg_state_redis_opts o = {0};
    char host[256];
    snprintf(host, sizeof host, "%s", cfg->redis_host);
    o.port = cfg->redis_port;
    char *colon = host[0] == '/' ? NULL : strrchr(host, ':');
    if (colon) {
        *colon = 0;
        o.port = atoi(colon + 1);
    }
    o.host = host;
    o.prefix = cfg->redis_prefix;
    o.password = cfg->redis_password;
    o.timeout_ms = cfg->redis_timeout_ms;
    o.retry_s = cfg->redis_retry_s;
    eg_status st = eg_state_redis_new(&o, &lim, out);
    if (st == EG_OK && !eg_state_degraded(*out))
        eg_log(EG_LOG_INFO, "state: redis %s:%d", host, o.port);
    return st;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: emoguard milter [-c FILE] [-f] [-t]\n"
               "  -c, --config=FILE   configuration (default /etc/emoguard/emoguard.conf)\n"
               "  -f, --foreground    log to stderr instead of the configured log (the milter\n"
               "                      never forks; systemd or the caller runs it in the background)\n"
               "  -t, --test          check the configuration, load the scanner, lists, rules and\n"
               "                      feeds, then exit\n"
               "  -h, --help          this help\n"
               "signals: HUP reloads configuration, rules and IOC feeds; TERM stops gracefully\n");
}

/* How long a stop waits for queued notices: twice one notice's timeout, at most 30 s. */
static unsigned shutdown_notify_wait(const eg_milter_config *cfg)
{
    unsigned long w = 2ul * cfg->notify_timeout_ms;
    return w > 30000 ? 30000u : (unsigned)w;
}

static int serve(gen *g, bool foreground)
{
    const eg_milter_config *cfg = &g->cfg;
    char serr[512] = "";
    if (eg_mserver_open(cfg->socket, &g_server, serr, sizeof serr) != EG_OK) {
        eg_log(EG_LOG_ERR, "cannot listen: %s", serr);
        return 1;
    }
    if (eg_milter_socket_apply(cfg, serr, sizeof serr) != EG_OK || /* before anything is accepted */
        pipe2(g_pipe, O_CLOEXEC) != 0) {
        eg_log(EG_LOG_ERR, "%s", serr[0] ? serr : strerror(errno));
        eg_mserver_close(g_server);
        g_server = NULL;
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* inherited by the milter threads only */
    pthread_t th;
    run_arg ra = {{&g_cbs, &g_stats.conn, conn_new, conn_free, cfg->timeout_s}, 0};
    int prc = pthread_create(&th, NULL, milter_thread, &ra);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc)
        return 1;
    eg_log(EG_LOG_INFO, "emoguard %s milter listening on %s (state: %s)", EG_VERSION, cfg->socket,
           eg_state_backend(g_state));
    bool stopping = false;
    for (;;) {
        char c;
        ssize_t n = read(g_pipe[0], &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || c == 'x')
            break;
        if (c == 'h')
            reload();
        else if (!stopping) {
            stopping = true;
            eg_log(EG_LOG_INFO, "stopping: finishing running sessions");
            eg_mserver_stop(g_server);
        }
    }
    pthread_join(th, NULL);
    (void)foreground;
    int mrc = ra.rc;
    if (mrc == 2) { /* sessions past the grace still use the scanner and the state: leave now */
        eg_log(EG_LOG_WARN,
               "stopped with busy connections; their MTAs apply the milter default action");
        _exit(1);
    }
    eg_mserver_close(g_server);
    g_server = NULL;
    return mrc;
}

int eg_cmd_milter(int argc, char **argv)
{
    const char *conf = "/etc/emoguard/emoguard.conf";
    bool foreground = false, test = false;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "c:fth")) != -1) {
        switch (opt) {
        case 'c': conf = optarg; break;
        case 'f': foreground = true; break;
        case 't': test = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 3;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 3;
    }
    g_conf_path = conf;
    eg_log_set_level(EG_LOG_INFO);
    if (eg_global_init() != EG_OK) {
        fprintf(stderr, "emoguard: initialisation failed\n");
        return 1;
    }
    char err[512] = "";
    gen *g = NULL;
    eg_status st = gen_build(conf, &g, err, sizeof err);
    if (st == EG_OK && (st = eg_milter_preflight(&g->cfg, err, sizeof err)) != EG_OK) {
        gen_release(g); /* what the first mail needs is missing: say so now, not run weaker */
        g = NULL;
    }
    if (st != EG_OK) {
        fprintf(stderr, "emoguard: %s\n", err[0] ? err : eg_status_str(st));
        eg_global_shutdown();
        return 3;
    }
    if (test) {
        printf("emoguard: %s OK\n", conf);
        gen_release(g);
        eg_global_shutdown();
        return 0;
    }
    g_syslog = !foreground && !strcmp(g->cfg.log_target, "syslog");
    if (g_syslog) {
        openlog("emoguard", LOG_PID | LOG_NDELAY, LOG_MAIL);
        eg_log_set_sink(syslog_sink);
    }
    eg_log_set_level(level_of(g->cfg.log_level));
    g_cur = g;
    int rc = 1;
    eg_stats_server *srv = NULL;
    bool slots = eg_milter_slots_init(&g_slots, g->cfg.max_scans) == EG_OK;
    if (!slots || open_state(&g->cfg, &g_state) != EG_OK) {
        eg_log(EG_LOG_ERR, "cannot set up scan slots or state store");
        goto out;
    }
    json_reopen(&g->cfg);
    if (g->cfg.stats_listen &&
        eg_stats_server_start(g->cfg.stats_listen, &g_stats, g_state, &srv, err, sizeof err) != EG_OK) {
        eg_log(EG_LOG_ERR, "%s", err);
        goto out;
    }
    if (g->cfg.pid_file) {
        FILE *pf = fopen(g->cfg.pid_file, "w");
        if (pf) {
            fprintf(pf, "%ld\n", (long)getpid());
            fclose(pf);
        } else {
            eg_log(EG_LOG_WARN, "pid_file %s: %s", g->cfg.pid_file, strerror(errno));
        }
    }
    rc = serve(g, foreground);
    /* notices queued by the last mails still go out, within a bound systemd's stop timeout
     * (90 s by default) leaves room for */
    eg_milter_ops_shutdown(shutdown_notify_wait(&g_cur->cfg));
    eg_log(EG_LOG_INFO, "stopped");
    if (g_cur->cfg.pid_file)
        unlink(g_cur->cfg.pid_file);
out:
    eg_stats_server_stop(srv);
    pthread_mutex_lock(&g_json_mu);
    if (g_json)
        fclose(g_json);
    g_json = NULL;
    pthread_mutex_unlock(&g_json_mu);
    eg_state_free(g_state);
    g_state = NULL;
    if (slots)
        eg_milter_slots_destroy(&g_slots);
    gen_release(g_cur);
    g_cur = NULL;
    eg_global_shutdown();
    if (g_syslog)
        closelog();
    return rc;
}
