/*
 * Parser for emoguard.conf (see config.h and examples/emoguard.conf). A table maps each key to a
 * typed field, so adding a setting is one line; values are checked against their range here,
 * once, so the daemon can trust the struct. It reads no file but the one it is given.
 */
#include "milter/config.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "notify/notify.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_names[EG_ACT__COUNT] = {"accept", "tag", "hold", "tempfail", "reject", "discard"};

const char *eg_milter_action_str(eg_milter_action a)
{
    return (unsigned)a < EG_ACT__COUNT ? action_names[a] : "?";
}

eg_status eg_milter_action_parse(const char *s, eg_milter_action *out)
{
    for (int i = 0; i < EG_ACT__COUNT; i++)
        if (!strcasecmp(s, action_names[i])) {
            *out = (eg_milter_action)i;
            return EG_OK;
        }
    return EG_EFORMAT;
}

static void list_free(eg_str_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static eg_status list_add(eg_str_list *l, const char *s, size_t n)
{
    if (l->n >= EG_MCONF_MAX_LIST)
        return EG_ELIMIT;
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return EG_ENOMEM;
    l->v = v;
    if (!(v[l->n] = eg_strndup(s, n)))
        return EG_ENOMEM;
    l->n++;
    return EG_OK;
}

/* Comma- or space-separated items, appended (a key may be repeated). */
static eg_status list_parse(eg_str_list *l, const char *s)
{
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        size_t n = strcspn(s, ", \t");
        if (n) {
            eg_status st = list_add(l, s, n);
            if (st != EG_OK)
                return st;
        }
        s += n;
    }
    return EG_OK;
}

static void nets_free(eg_cidr_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Comma- or space-separated networks, appended; *bad gets the first item that is not one. */
static eg_status nets_parse(eg_cidr_list *l, const char *s, char *bad, size_t badlen)
{
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        size_t n = strcspn(s, ", \t");
        if (n) {
            char item[80];
            eg_cidr net;
            snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item - 1 ? n : sizeof item - 1),
                     s);
            if (n >= sizeof item || eg_cidr_parse(item, &net) != EG_OK) {
                snprintf(bad, badlen, "%.64s", item);
                return EG_EFORMAT;
            }
            if (l->n >= EG_MCONF_MAX_LIST)
                return EG_ELIMIT;
            eg_cidr *v = realloc(l->v, (l->n + 1) * sizeof *v);
            if (!v)
                return EG_ENOMEM;
            l->v = v;
            v[l->n++] = net;
        }
        s += n;
    }
    return EG_OK;
}

static eg_status set_str(char **dst, const char *v)
{
    char *d = *v ? eg_strdup(v) : NULL;
    if (*v && !d)
        return EG_ENOMEM;
    free(*dst);
    *dst = d;
    return EG_OK;
}

void eg_milter_config_init(eg_milter_config *c)
{
    memset(c, 0, sizeof *c);
    c->socket = eg_strdup("inet:8891@127.0.0.1");
    c->timeout_s = 120;
    c->max_scans = 4;
    c->action[EG_VERDICT_CLEAN] = EG_ACT_ACCEPT;
    c->action[EG_VERDICT_SUSPICIOUS] = EG_ACT_TAG;
    c->action[EG_VERDICT_MALICIOUS] = EG_ACT_REJECT;
    c->on_error = EG_ACT_TEMPFAIL;
    c->on_oversize = EG_ACT_TEMPFAIL;
    c->on_timeout = EG_ACT_TEMPFAIL;
    c->max_message_size = 50u * 1024 * 1024;
    /* a gateway scans every mail: a third of the CLI's 30 s budget per mail, so that a mail
     * built to be slow ties up a scan slot for at most 10 s (LIMIT.TIME, on_timeout) */
    c->scan_timeout_ms = 10000;
    c->socket_mode = 0660;
    c->add_headers = true;
    c->subject_tag = eg_strdup("[SUSPICIOUS]");
    c->outbound_reject_text_en =
        eg_strdup("Your mail was not sent because it looks like Emotet-style malware. "
                  "Do not send it again; call your IT team and quote this line.");
    c->outbound_reject_text_ja =
        eg_strdup("マルウェア (Emotet 型) の疑いがあるため、このメールは送信されませんでした。"
                  "再送せず、この行を添えて情報システム部門に連絡してください。");
    c->outbound_tempfail_text_en =
        eg_strdup("Your mail was not sent yet because it could not be checked now. "
                  "Please send it again in a few minutes.");
    c->outbound_tempfail_text_ja =
        eg_strdup("現在メールを検査できないため、このメールはまだ送信されていません。"
                  "数分後にもう一度送信してください。");
    c->allow_action = EG_ACT_TAG;
    c->reject_text_en = eg_strdup("Message rejected: it carries Emotet-style malware. Ask your mail administrator "
                                  "and quote this line if you think this is wrong.");
    c->reject_text_ja = eg_strdup("マルウェア (Emotet 型) を含むメールのため受信を拒否しました。"
                                  "誤判定と思われる場合はこの行を添えて管理者にご連絡ください。");
    c->suspicious_score = 30;
    c->malicious_score = 80;
    c->outbound_enabled = true;
    c->outbound_window_s = 600;
    c->outbound_threshold = 3;
    c->outbound_max_rcpts = 100;
    c->outbound_alert_action = EG_ACT_TAG;
    list_parse(&c->prefix_encrypted, "ZIP.ENCRYPTED");
    list_parse(&c->prefix_macro, "VBA.,XLM.");
    list_parse(&c->prefix_hijack, "MAIL.THREAD,SENDER.");
    c->campaign_enabled = true;
    c->campaign_window_s = 3600;
    c->campaign_threshold = 20;
    c->campaign_score = 20;
    c->redis_port = 6379;
    c->redis_prefix = eg_strdup("emoguard:");
    c->redis_timeout_ms = 200;
    c->redis_retry_s = 10;
    c->state_max_keys = 200000;
    c->log_target = eg_strdup("syslog");
    c->log_level = eg_strdup("info");
    c->state_dir = eg_strdup("/var/lib/emoguard");
    c->notify_from = eg_strdup("emoguard");
    c->notify_lang = eg_strdup("ja");
    c->notify_sendmail = eg_strdup("/usr/sbin/sendmail");
    list_parse(&c->notify_events, "infected,held,rejected,campaign");
    c->notify_mask = EG_NOTIFY_ALL;
    c->notify_rate_s = 3600;
    c->notify_timeout_ms = 30000;
    c->notify_max_children = 2;
    c->notify_sender_held = true;
}

void eg_milter_config_free(eg_milter_config *c)
{
    char **strs[] = {&c->socket,
                     &c->pid_file,
                     &c->socket_group,
                     &c->subject_tag,
                     &c->reject_text_en,
                     &c->reject_text_ja,
                     &c->outbound_reject_text_en,
                     &c->outbound_reject_text_ja,
                     &c->outbound_tempfail_text_en,
                     &c->outbound_tempfail_text_ja,
                     &c->yara_rules,
                     &c->data_dir,
                     &c->known_correspondents,
                     &c->redis_host,
                     &c->redis_prefix,
                     &c->redis_password,
                     &c->log_target,
                     &c->log_level,
                     &c->json_log,
                     &c->stats_listen,
                     &c->state_dir,
                     &c->notify_from,
                     &c->notify_lang,
                     &c->notify_command,
                     &c->notify_sendmail};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    eg_str_list *lists[] = {&c->own_domains,        &c->ioc_files,     &c->trusted_authserv_ids,
                            &c->prefix_encrypted,   &c->prefix_macro,  &c->prefix_hijack,
                            &c->submission_daemons, &c->allow_senders, &c->allow_recipients,
                            &c->allow_auth_users,   &c->notify_to,     &c->notify_events};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        list_free(lists[i]);
    nets_free(&c->local_networks);
    nets_free(&c->allow_networks);
    for (size_t i = 0; i < c->n_domains; i++)
        free(c->domains[i].domain);
    free(c->domains);
    c->domains = NULL;
    c->n_domains = 0;
}

typedef enum {
    K_STR,
    K_UINT,
    K_INT,
    K_BOOL,
    K_ACTION,
    K_LIST,
    K_SIZE,
    K_ASCII,
    K_LISTSET,
    K_MODE,
    K_UTF8, /* valid UTF-8 without control characters, at most max bytes */
    K_NETS, /* CIDR networks, appended (a key may be repeated) */
    K_GONE  /* a removed key: an error that names what replaced it */
} key_type;

typedef struct {
    const char *name;
    key_type type;
    size_t off;
    long long min, max;
} key_def;

#define F(f) offsetof(eg_milter_config, f)
static const key_def keys[] = {
    {"socket", K_STR, F(socket), 0, 0},
    {"timeout", K_UINT, F(timeout_s), 1, 86400},
    {"max_scans", K_UINT, F(max_scans), 1, 1024},
    {"pid_file", K_STR, F(pid_file), 0, 0},
    {"socket_mode", K_MODE, F(socket_mode), 0, 0777},
    {"socket_group", K_STR, F(socket_group), 0, 0},
    {"action_clean", K_ACTION, F(action[EG_VERDICT_CLEAN]), 0, 0},
    {"action_suspicious", K_ACTION, F(action[EG_VERDICT_SUSPICIOUS]), 0, 0},
    {"action_malicious", K_ACTION, F(action[EG_VERDICT_MALICIOUS]), 0, 0},
    {"on_error", K_ACTION, F(on_error), 0, 0},
    {"on_oversize", K_ACTION, F(on_oversize), 0, 0},
    {"on_timeout", K_ACTION, F(on_timeout), 0, 0},
    {"max_message_size", K_SIZE, F(max_message_size), 1024, (long long)1 << 40},
    {"scan_timeout_ms", K_UINT, F(scan_timeout_ms), 10, 3600000},
    {"slot_timeout_ms", K_UINT, F(slot_timeout_ms), 0, 3600000},
    {"add_headers", K_BOOL, F(add_headers), 0, 0},
    {"subject_tag", K_UTF8, F(subject_tag), 0, 200},
    {"reject_text_en", K_ASCII, F(reject_text_en), 0, 0},
    {"reject_text_ja", K_STR, F(reject_text_ja), 0, 0},
    {"outbound_reject_text_en", K_ASCII, F(outbound_reject_text_en), 0, 0},
    {"outbound_reject_text_ja", K_STR, F(outbound_reject_text_ja), 0, 0},
    {"outbound_tempfail_text_en", K_ASCII, F(outbound_tempfail_text_en), 0, 0},
    {"outbound_tempfail_text_ja", K_STR, F(outbound_tempfail_text_ja), 0, 0},
    {"local_networks", K_NETS, F(local_networks), 0, 0},
    {"submission_daemons", K_LIST, F(submission_daemons), 0, 0},
    {"allow_senders", K_LIST, F(allow_senders), 0, 0},
    {"allow_recipients", K_LIST, F(allow_recipients), 0, 0},
    {"allow_auth_users", K_LIST, F(allow_auth_users), 0, 0},
    {"allow_networks", K_NETS, F(allow_networks), 0, 0},
    {"allow_action", K_ACTION, F(allow_action), 0, 0},
    {"suspicious_score", K_INT, F(suspicious_score), 1, 100000},
    {"malicious_score", K_INT, F(malicious_score), 1, 100000},
    {"own_domains", K_LIST, F(own_domains), 0, 0},
    {"ioc_file", K_LIST, F(ioc_files), 0, 0},
    {"trusted_authserv_ids", K_LIST, F(trusted_authserv_ids), 0, 0},
    {"yara_rules", K_STR, F(yara_rules), 0, 0},
    {"data_dir", K_STR, F(data_dir), 0, 0},
    {"known_correspondents", K_STR, F(known_correspondents), 0, 0},
    {"outbound", K_BOOL, F(outbound_enabled), 0, 0},
    {"outbound_own_domains", K_GONE, 0, 0, 0},
    {"outbound_window", K_UINT, F(outbound_window_s), 1, 30 * 86400},
    {"outbound_threshold", K_UINT, F(outbound_threshold), 1, 1000000},
    {"outbound_max_rcpts", K_UINT, F(outbound_max_rcpts), 1, 10000000},
    {"outbound_alert_action", K_ACTION, F(outbound_alert_action), 0, 0},
    {"outbound_rules_encrypted", K_LISTSET, F(prefix_encrypted), 0, 0},
    {"outbound_rules_macro", K_LISTSET, F(prefix_macro), 0, 0},
    {"outbound_rules_hijack", K_LISTSET, F(prefix_hijack), 0, 0},
    {"campaign", K_BOOL, F(campaign_enabled), 0, 0},
    {"campaign_window", K_UINT, F(campaign_window_s), 1, 30 * 86400},
    {"campaign_threshold", K_UINT, F(campaign_threshold), 2, 10000000},
    {"campaign_score", K_INT, F(campaign_score), 0, 1000},
    {"redis", K_STR, F(redis_host), 0, 0},
    {"redis_prefix", K_STR, F(redis_prefix), 0, 0},
    {"redis_password", K_STR, F(redis_password), 0, 0},
    {"redis_timeout_ms", K_UINT, F(redis_timeout_ms), 10, 60000},
    {"redis_retry", K_UINT, F(redis_retry_s), 1, 3600},
    {"state_max_keys", K_SIZE, F(state_max_keys), 100, 100000000},
    {"log", K_STR, F(log_target), 0, 0},
    {"log_level", K_STR, F(log_level), 0, 0},
    {"json_log", K_STR, F(json_log), 0, 0},
    {"stats_listen", K_STR, F(stats_listen), 0, 0},
    {"log_passwords", K_BOOL, F(log_passwords), 0, 0},
    {"state_dir", K_STR, F(state_dir), 0, 0},
    {"notify_to", K_LIST, F(notify_to), 0, 0},
    {"notify_from", K_ASCII, F(notify_from), 0, 0},
    {"notify_lang", K_STR, F(notify_lang), 0, 0},
    {"notify_command", K_STR, F(notify_command), 0, 0},
    {"notify_sendmail", K_STR, F(notify_sendmail), 0, 0},
    {"notify_events", K_LISTSET, F(notify_events), 0, 0},
    {"notify_rate", K_UINT, F(notify_rate_s), 0, 30 * 86400},
    {"notify_timeout_ms", K_UINT, F(notify_timeout_ms), 100, 600000},
    {"notify_max_children", K_UINT, F(notify_max_children), 1, 64},
    {"notify_sender_held", K_BOOL, F(notify_sender_held), 0, 0},
};
#undef F

typedef struct {
    char *err;
    size_t errlen;
    unsigned line;
} pctx;

static eg_status fail(pctx *p, eg_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static eg_status fail(pctx *p, eg_status st, const char *fmt, ...)
{
    if (p->err && p->errlen) {
        int n = snprintf(p->err, p->errlen, "line %u: ", p->line);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < p->errlen)
            vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return st;
}

static bool parse_ll(const char *v, long long *out, bool size_suffix)
{
    errno = 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v)
        return false;
    if (size_suffix && *end) {
        long long mul = 1;
        switch (*end) {
        case 'k': case 'K': mul = 1024; break;
        case 'm': case 'M': mul = 1024 * 1024; break;
        case 'g': case 'G': mul = 1024LL * 1024 * 1024; break;
        default: return false;
        }
        end++;
        if (__builtin_mul_overflow(x, mul, &x))
            return false;
    }
    if (*end)
        return false;
    *out = x;
    return true;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(v, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool printable_ascii(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
            return false;
    return true;
}

static bool no_controls(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return false;
    return true;
}

static eg_status set_key(eg_milter_config *c, const key_def *k, const char *v, pctx *p)
{
    char *base = (char *)c + k->off;
    long long x = 0;
    eg_status st = EG_OK;
    switch (k->type) {
    case K_ASCII:
        if (!printable_ascii(v))
            return fail(p, EG_EFORMAT, "%s must be printable ASCII (it goes into headers or SMTP)", k->name);
        return set_str((char **)base, v);
    case K_GONE:
        return fail(p, EG_EFORMAT,
                    "%s was removed: the envelope sender no longer makes a mail outbound; use "
                    "local_networks, submission_daemons and SMTP AUTH (see docs/deployment.md)",
                    k->name);
    case K_UTF8:
        if (!no_controls(v) || !eg_utf8_valid(v, strlen(v)) || strlen(v) > (size_t)k->max)
            return fail(p, EG_EFORMAT,
                        "%s must be UTF-8 text without control characters, at most %lld bytes",
                        k->name, k->max);
        return set_str((char **)base, v);
    case K_NETS: {
        char bad[80] = "";
        st = nets_parse((eg_cidr_list *)base, v, bad, sizeof bad);
        if (st == EG_EFORMAT)
            return fail(
                p, st,
                "%s: '%s' is not an IPv4 or IPv6 network (like 192.0.2.0/24 or 2001:db8::/32)",
                k->name, bad);
        if (st == EG_ELIMIT)
            return fail(p, st, "%s: more than %u entries", k->name, EG_MCONF_MAX_LIST);
        return st;
    }
    case K_STR:
        if (!no_controls(v))
            return fail(p, EG_EFORMAT, "%s contains control characters", k->name);
        return set_str((char **)base, v);
    case K_UINT:
    case K_INT:
    case K_SIZE:
        if (!parse_ll(v, &x, k->type == K_SIZE) || x < k->min || x > k->max)
            return fail(p, EG_EFORMAT, "%s: '%s' is not a number from %lld to %lld", k->name, v, k->min, k->max);
        if (k->type == K_UINT)
            *(unsigned *)base = (unsigned)x;
        else if (k->type == K_INT)
            *(int *)base = (int)x;
        else if (k->off == offsetof(eg_milter_config, state_max_keys))
            *(size_t *)base = (size_t)x;
        else
            *(uint64_t *)base = (uint64_t)x;
        return EG_OK;
    case K_MODE: { /* octal permission bits, as chmod takes them: "0660", "660" */
        char *end = NULL;
        errno = 0;
        unsigned long m = strtoul(v, &end, 8);
        if (errno || end == v || *end || *v == '-' || *v == '+' || m > (unsigned long)k->max)
            return fail(p, EG_EFORMAT, "%s: '%s' is not an octal mode from 0 to 0777", k->name, v);
        *(unsigned *)base = (unsigned)m;
        return EG_OK;
    }
    case K_BOOL:
        if (!parse_bool(v, (bool *)base))
            return fail(p, EG_EFORMAT, "%s: '%s' is not yes or no", k->name, v);
        return EG_OK;
    case K_ACTION:
        if (eg_milter_action_parse(v, (eg_milter_action *)base) != EG_OK)
            return fail(p, EG_EFORMAT, "%s: '%s' is not accept, tag, hold, tempfail, reject or discard", k->name, v);
        return EG_OK;
    case K_LISTSET: /* a prefix list replaces the defaults */
        list_free((eg_str_list *)base);
        /* fall through */
    case K_LIST:
        if (!no_controls(v))
            return fail(p, EG_EFORMAT, "%s contains control characters", k->name);
        st = list_parse((eg_str_list *)base, v);
        if (st == EG_ELIMIT)
            return fail(p, st, "%s: more than %u entries", k->name, EG_MCONF_MAX_LIST);
        return st;
    }
    return EG_EINTERNAL;
}

static eg_status domain_key(eg_milter_domain *d, const char *key, const char *v, pctx *p)
{
    static const char *const names[3] = {"action_clean", "action_suspicious", "action_malicious"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(key, names[i])) {
            if (eg_milter_action_parse(v, &d->action[i]) != EG_OK)
                return fail(p, EG_EFORMAT, "%s: '%s' is not an action", key, v);
            d->set[i] = true;
            return EG_OK;
        }
    return fail(p, EG_EFORMAT,
                "'%s' is not allowed in a [domain] or [recipient] section (only action_*)", key);
}

static eg_status section(eg_milter_config *c, char *s, pctx *p)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != ']')
        return fail(p, EG_EFORMAT, "section header must end with ']'");
    s[n - 1] = 0;
    s++;
    while (isspace((unsigned char)*s))
        s++;
    bool rcpt = !strncmp(s, "recipient", 9) && isspace((unsigned char)s[9]);
    if (!rcpt && (strncmp(s, "domain", 6) || !isspace((unsigned char)s[6])))
        return fail(p, EG_EFORMAT, "only [domain NAME] and [recipient ADDRESS] sections exist");
    s += rcpt ? 9 : 6;
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    if (rcpt && *s == '<' && e > s + 1 && e[-1] == '>') {
        *--e = 0;
        s++;
    }
    if (!rcpt && *s == '@')
        s++;
    char *at = strchr(s, '@');
    if (rcpt && (!at || at == s || !at[1] || strchr(at + 1, '@') || strpbrk(s, " \t,<>") ||
                 !printable_ascii(s)))
        return fail(p, EG_EFORMAT,
                    "bad address in section header (like [recipient taro@example.co.jp])");
    if (!rcpt && (!*s || strpbrk(s, " \t@,") || !printable_ascii(s)))
        return fail(p, EG_EFORMAT, "bad domain name in section header");
    if (c->n_domains >= EG_MCONF_MAX_DOMAINS)
        return fail(p, EG_ELIMIT, "more than %u [domain] and [recipient] sections",
                    EG_MCONF_MAX_DOMAINS);
    for (size_t i = 0; i < c->n_domains; i++)
        if (!strcasecmp(c->domains[i].domain, s))
            return fail(p, EG_EFORMAT, "%s %s appears twice", rcpt ? "recipient" : "domain", s);
    eg_milter_domain *d = realloc(c->domains, (c->n_domains + 1) * sizeof *d);
    if (!d)
        return EG_ENOMEM;
    c->domains = d;
    memset(&d[c->n_domains], 0, sizeof *d);
    if (!(d[c->n_domains].domain = eg_strdup(s)))
        return EG_ENOMEM;
    eg_ascii_lower(d[c->n_domains].domain);
    c->n_domains++;
    return EG_OK;
}

/* Removes surrounding quotes; inside them \" and \\ are the only escapes. */
static eg_status unquote(char *v, pctx *p)
{
    size_t n = strlen(v);
    if (n == 0 || v[0] != '"')
        return EG_OK;
    if (n < 2 || v[n - 1] != '"')
        return fail(p, EG_EFORMAT, "unterminated quote");
    char *w = v;
    for (size_t i = 1; i < n - 1; i++) {
        if (v[i] == '\\' && i + 1 < n - 1 && (v[i + 1] == '"' || v[i + 1] == '\\'))
            i++;
        else if (v[i] == '"')
            return fail(p, EG_EFORMAT, "stray quote inside a quoted value");
        *w++ = v[i];
    }
    *w = 0;
    return EG_OK;
}

static eg_status parse_line(eg_milter_config *c, char *s, bool *in_domain, pctx *p)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    if (!*s || *s == '#' || *s == ';')
        return EG_OK;
    if (*s == '[') {
        *in_domain = true;
        return section(c, s, p);
    }
    char *eq = strchr(s, '=');
    if (!eq)
        return fail(p, EG_EFORMAT, "expected 'key = value'");
    char *k = s, *ke = eq;
    while (ke > k && isspace((unsigned char)ke[-1]))
        ke--;
    *ke = 0;
    char *v = eq + 1;
    while (isspace((unsigned char)*v))
        v++;
    /* a '#' starts a comment only after whitespace and outside quotes */
    if (*v == '"') {
        char *q = v + 1;
        while (*q && *q != '"')
            q += (*q == '\\' && q[1]) ? 2 : 1;
        if (*q == '"') {
            char *after = q + 1;
            while (isspace((unsigned char)*after))
                after++;
            if (*after && *after != '#')
                return fail(p, EG_EFORMAT, "text after the closing quote");
            q[1] = 0;
        }
    } else {
        for (char *h = v; (h = strchr(h, '#')); h++)
            if (h > v && isspace((unsigned char)h[-1])) {
                *h = 0;
                char *ve = h;
                while (ve > v && isspace((unsigned char)ve[-1]))
                    *--ve = 0;
                break;
            }
    }
    eg_status st = unquote(v, p);
    if (st != EG_OK)
        return st;
    if (!*k)
        return fail(p, EG_EFORMAT, "empty key");
    if (*in_domain)
        return domain_key(&c->domains[c->n_domains - 1], k, v, p);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(k, keys[i].name))
            return set_key(c, &keys[i], v, p);
    return fail(p, EG_EFORMAT, "unknown key '%.64s'", k);
}

/* Notices: the addresses go to sendmail's command line, so they must look like addresses and
 * never like options. */
static eg_status validate_notify(eg_milter_config *c, pctx *p)
{
    if (!c->state_dir || c->state_dir[0] != '/')
        return fail(p, EG_EFORMAT, "state_dir must be an absolute path");
    const char *lang = c->notify_lang ? c->notify_lang : "";
    if (strcmp(lang, "ja") && strcmp(lang, "en"))
        return fail(p, EG_EFORMAT, "notify_lang must be ja or en");
    for (size_t i = 0; i < c->notify_to.n; i++) {
        const char *a = c->notify_to.v[i];
        if (a[0] == '-' || !strchr(a, '@') || !printable_ascii(a) || strpbrk(a, "<>\"\\;"))
            return fail(p, EG_EFORMAT, "notify_to: '%.64s' is not a mail address", a);
    }
    if (!c->notify_from || c->notify_from[0] == '-' || strpbrk(c->notify_from, " <>\"\\;,"))
        return fail(p, EG_EFORMAT, "notify_from must be one address without <> or spaces");
    if (c->notify_to.n && (!c->notify_sendmail || c->notify_sendmail[0] != '/'))
        return fail(p, EG_EFORMAT, "notify_sendmail must be an absolute path when notify_to is set");
    unsigned mask = 0;
    char bad[64] = "";
    for (size_t i = 0; i < c->notify_events.n; i++) {
        unsigned m = 0;
        if (eg_notify_events_parse(c->notify_events.v[i], &m, bad, sizeof bad) != EG_OK)
            return fail(p, EG_EFORMAT, "notify_events: '%s' is not infected, held, rejected, campaign, all or none",
                        bad);
        mask = !strcasecmp(c->notify_events.v[i], "none") ? 0 : mask | m;
    }
    c->notify_mask = mask;
    return EG_OK;
}

static eg_status validate(eg_milter_config *c, pctx *p)
{
    if (!c->socket)
        return fail(p, EG_EFORMAT, "socket must not be empty");
    if (c->suspicious_score >= c->malicious_score)
        return fail(p, EG_EFORMAT, "suspicious_score must be below malicious_score");
    if (strcmp(c->log_target ? c->log_target : "", "syslog") && strcmp(c->log_target ? c->log_target : "", "stderr"))
        return fail(p, EG_EFORMAT, "log must be syslog or stderr");
    const char *lv = c->log_level ? c->log_level : "";
    if (strcmp(lv, "error") && strcmp(lv, "warning") && strcmp(lv, "info") && strcmp(lv, "debug"))
        return fail(p, EG_EFORMAT, "log_level must be error, warning, info or debug");
    if (!c->subject_tag && c->action[EG_VERDICT_SUSPICIOUS] == EG_ACT_TAG)
        return fail(p, EG_EFORMAT, "subject_tag is empty but action_suspicious is tag");
    if (!c->reject_text_en)
        return fail(p, EG_EFORMAT, "reject_text_en must not be empty");
    if (!c->outbound_reject_text_en || !c->outbound_tempfail_text_en)
        return fail(p, EG_EFORMAT,
                    "outbound_reject_text_en and outbound_tempfail_text_en must not be empty");
    return validate_notify(c, p);
}

eg_status eg_milter_config_parse(eg_milter_config *c, const char *text, size_t len, char *err, size_t errlen)
{
    pctx p = {err, errlen, 0};
    if (err && errlen)
        err[0] = 0;
    if (len > EG_MCONF_MAX_BYTES)
        return fail(&p, EG_ELIMIT, "file larger than %u bytes", EG_MCONF_MAX_BYTES);
    char line[EG_MCONF_MAX_LINE + 1];
    bool in_domain = false;
    size_t i = 0;
    while (i < len) {
        p.line++;
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t n = j - i;
        if (n && text[i + n - 1] == '\r')
            n--;
        if (n > EG_MCONF_MAX_LINE)
            return fail(&p, EG_ELIMIT, "line longer than %u bytes", EG_MCONF_MAX_LINE);
        if (memchr(text + i, 0, n))
            return fail(&p, EG_EFORMAT, "NUL byte");
        memcpy(line, text + i, n);
        line[n] = 0;
        eg_status st = parse_line(c, line, &in_domain, &p);
        if (st != EG_OK)
            return st == EG_ENOMEM ? fail(&p, st, "out of memory") : st;
        i = j + 1;
    }
    p.line = 0;
    eg_status st = validate(c, &p);
    if (st != EG_OK && err && errlen) { /* validation errors are not tied to a line */
        const char *m = strchr(err, ':');
        if (m)
            memmove(err, m + 2, strlen(m + 2) + 1);
    }
    return st;
}

eg_status eg_milter_config_load(eg_milter_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EG_EIO;
    }
    char *buf = malloc(EG_MCONF_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return EG_ENOMEM;
    }
    size_t n = fread(buf, 1, EG_MCONF_MAX_BYTES + 1, f);
    bool bad = ferror(f);
    fclose(f);
    eg_status st;
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        st = EG_EIO;
    } else {
        char e2[512];
        st = eg_milter_config_parse(c, buf, n, e2, sizeof e2);
        if (st != EG_OK)
            snprintf(err, errlen, "%s: %s", path, e2);
    }
    free(buf);
    return st;
}

static const char *domain_of(const char *addr, size_t *len)
{
    const char *at = strrchr(addr, '@');
    const char *d = at ? at + 1 : addr;
    size_t n = strlen(d);
    while (n && (d[n - 1] == '>' || d[n - 1] == ' '))
        n--;
    *len = n;
    return d;
}

bool eg_milter_domain_in(const eg_str_list *l, const char *addr)
{
    if (!addr)
        return false;
    size_t n;
    const char *d = domain_of(addr, &n);
    for (size_t i = 0; i < l->n; i++) {
        const char *x = l->v[i][0] == '@' ? l->v[i] + 1 : l->v[i];
        if (strlen(x) == n && !strncasecmp(x, d, n))
            return true;
    }
    return false;
}

eg_milter_action eg_milter_config_action(const eg_milter_config *c, eg_verdict v, const char *const *rcpts,
                                         size_t n_rcpts)
{
    if ((unsigned)v > EG_VERDICT_MALICIOUS)
        v = EG_VERDICT_MALICIOUS;
    eg_milter_action best = EG_ACT_ACCEPT;
    bool any_default = n_rcpts == 0;
    for (size_t r = 0; r < n_rcpts; r++) {
        size_t n;
        const char *d = domain_of(rcpts[r], &n);
        const eg_milter_domain *hit = NULL;
        for (size_t i = 0; i < c->n_domains && !hit; i++) /* the recipient's own section first */
            if (strchr(c->domains[i].domain, '@') && c->domains[i].set[v] &&
                eg_addr_entry_match(c->domains[i].domain, rcpts[r]))
                hit = &c->domains[i];
        for (size_t i = 0; i < c->n_domains && !hit; i++)
            if (!strchr(c->domains[i].domain, '@') && strlen(c->domains[i].domain) == n &&
                !strncasecmp(c->domains[i].domain, d, n))
                hit = &c->domains[i];
        if (hit && hit->set[v]) {
            if (hit->action[v] > best)
                best = hit->action[v];
        } else {
            any_default = true;
        }
    }
    if (any_default && c->action[v] > best)
        best = c->action[v];
    return best;
}
