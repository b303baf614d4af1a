/*
 * The milter's decision: correlation through the state store, then the action. Keys in the store
 * carry a short kind prefix and a SHA-256 of the user-controlled value, so an attacker cannot make
 * keys long or collide them with another kind.
 */
#include "milter/decide.h"

#include "core/log.h"
#include "core/report.h"
#include "core/sha256.h"
#include "core/strutil.h"
#include "verdict/rules.h"
#include "verdict/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAMPAIGN_ITEMS 16 /* store operations per message stay bounded */
#define MAX_RCPT_OPS 256

eg_milter_action eg_milter_failure_action(const eg_milter_config *c, eg_milter_failure f)
{
    return f == EG_FAIL_OVERSIZE ? c->on_oversize : c->on_error;
}

unsigned eg_milter_slot_timeout_ms(const eg_milter_config *c)
{
    return c->slot_timeout_ms ? c->slot_timeout_ms : c->scan_timeout_ms;
}

const char *eg_milter_dir_str(eg_milter_dir d)
{
    static const char *const names[] = {"in", "auth", "submission", "local_network"};
    return (unsigned)d < sizeof names / sizeof names[0] ? names[d] : "?";
}

static bool in_list_ci(const eg_str_list *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++)
        if (!strcasecmp(l->v[i], s))
            return true;
    return false;
}

eg_milter_dir eg_milter_direction(const eg_milter_config *c, const eg_milter_msg *m)
{
    if (m->auth_user && *m->auth_user)
        return EG_DIR_AUTH;
    if (m->daemon_name && *m->daemon_name && in_list_ci(&c->submission_daemons, m->daemon_name))
        return EG_DIR_SUBMISSION;
    eg_cidr a;
    if (m->client_addr && eg_cidr_parse_addr(m->client_addr, &a) == EG_OK &&
        eg_cidr_list_match(&c->local_networks, &a))
        return EG_DIR_LOCAL_NETWORK;
    return EG_DIR_IN;
}

bool eg_milter_is_outbound(const eg_milter_config *c, const eg_milter_msg *m)
{
    return eg_milter_direction(c, m) != EG_DIR_IN;
}

static bool entry_in(const eg_str_list *l, const char *addr, const char **hit)
{
    for (size_t i = 0; addr && i < l->n; i++)
        if (eg_addr_entry_match(l->v[i], addr)) {
            *hit = l->v[i];
            return true;
        }
    return false;
}

bool eg_milter_allowlisted(const eg_milter_config *c, const eg_milter_msg *m, char *out,
                           size_t outlen)
{
    const char *hit = NULL;
    out[0] = 0;
    if (entry_in(&c->allow_senders, m->from, &hit)) {
        snprintf(out, outlen, "allow_senders=%s", hit);
        return true;
    }
    if (m->auth_user && *m->auth_user && in_list_ci(&c->allow_auth_users, m->auth_user)) {
        snprintf(out, outlen, "allow_auth_users=%s", m->auth_user);
        return true;
    }
    eg_cidr a;
    for (size_t i = 0; m->client_addr && i < c->allow_networks.n; i++)
        if (eg_cidr_parse_addr(m->client_addr, &a) == EG_OK &&
            eg_cidr_match(&c->allow_networks.v[i], &a)) {
            char net[64];
            eg_cidr_addr_str(&c->allow_networks.v[i], net, sizeof net);
            snprintf(out, outlen, "allow_networks=%s/%u", net, c->allow_networks.v[i].bits);
            return true;
        }
    /* a recipient allowlist (abuse@, a malware lab) must not let the same mail through to others */
    if (m->n_rcpts && c->allow_recipients.n) {
        const char *first = NULL;
        for (size_t i = 0; i < m->n_rcpts; i++) {
            if (!entry_in(&c->allow_recipients, m->rcpts[i], &hit))
                return false;
            if (!first)
                first = hit;
        }
        snprintf(out, outlen, "allow_recipients=%s", first);
        return true;
    }
    return false;
}

/* Is addr ("<a@b>" or "a@b") an address in one of own_domains? */
static bool own_domain_addr(const eg_milter_config *c, const char *addr)
{
    return addr && *addr && strchr(addr, '@') && eg_milter_domain_in(&c->own_domains, addr);
}

static char *clean_copy(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        n = max;
    char *o = eg_strndup(s, n);
    for (size_t i = 0; o && o[i]; i++) /* evidence is ASCII here: addresses and an IP */
        if ((unsigned char)o[i] < 0x20 || (unsigned char)o[i] > 0x7e)
            o[i] = '?';
    return o;
}

bool eg_milter_spoof_check(const eg_milter_config *c, eg_report *r, const eg_milter_msg *m)
{
    if (!r || !c->own_domains.n || eg_milter_direction(c, m) != EG_DIR_IN)
        return false;
    const eg_mail_info *mi = eg_report_mail(r);
    const char *hdr = mi ? mi->from_addr : NULL;
    const char *which = own_domain_addr(c, m->from) ? m->from
                        : own_domain_addr(c, hdr)   ? hdr
                                                    : NULL;
    if (!which)
        return false;
    /* what the sender wrote is made printable ASCII before it goes into either text */
    char *addr = clean_copy(which, 200);
    char *cl = clean_copy(m->client_addr ? m->client_addr : "?", 64);
    char ev[400], evj[512];
    snprintf(ev, sizeof ev, "%s \"%s\" from client %s (not authenticated, not a local network)",
             which == m->from ? "envelope sender" : "From", addr ? addr : "?", cl ? cl : "?");
    snprintf(evj, sizeof evj, "%s「%s」がクライアント %s から (認証なし、社内ネットワーク外)",
             which == m->from ? "エンベロープ送信者" : "From: ", addr ? addr : "?", cl ? cl : "?");
    free(addr);
    free(cl);
    char *e = eg_strdup(ev), *ej = eg_strdup(evj);
    if (!e) {
        free(ej);
        return false;
    }
    if (eg_report_add_finding_ja(r, EG_R_SENDER_OWN_DOMAIN_FROM_OUTSIDE, 0, e, ej) != EG_OK)
        return false;
    eg_verdict_compute(r);
    return true;
}

/* Replaces every occurrence of secret in *s (malloc'd) with "***". */
static void mask_in(char **s, const char *secret)
{
    size_t sl = strlen(secret);
    if (!*s || sl < 3) /* shorter ones would mask ordinary words of the evidence */
        return;
    char *hit = strstr(*s, secret);
    if (!hit)
        return;
    size_t n = strlen(*s);
    char *o = malloc(n + 1 + 3 * (n / sl + 1)); /* "***" is at most 3 bytes per match */
    if (!o) {
        free(*s);
        *s = eg_strdup("(redacted)");
        return;
    }
    size_t w = 0;
    for (const char *p = *s; *p;) {
        if (!strncmp(p, secret, sl)) {
            memcpy(o + w, "***", 3);
            w += 3;
            p += sl;
        } else {
            o[w++] = *p++;
        }
    }
    o[w] = 0;
    free(*s);
    *s = o;
}

#define MAX_SECRETS 64

static void add_secret(char **v, size_t *n, const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '"'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '"'))
        len--;
    if (len >= 3 && *n < MAX_SECRETS && (v[*n] = eg_strndup(s, len)))
        (*n)++;
}

void eg_milter_redact_passwords(eg_report *r)
{
    if (!r)
        return;
    char *sec[MAX_SECRETS];
    size_t ns = 0;
    for (size_t i = 0; i < r->n_objects; i++)
        if (r->objects[i]->password)
            add_secret(sec, &ns, r->objects[i]->password, strlen(r->objects[i]->password));
    if (r->passwords_summary) { /* "pw1, pw2, pw3" */
        const char *p = r->passwords_summary;
        add_secret(sec, &ns, p, strlen(p));
        for (const char *q; (q = strstr(p, ", ")); p = q + 2)
            add_secret(sec, &ns, p, (size_t)(q - p));
        add_secret(sec, &ns, p, strlen(p));
    }
    for (size_t i = 0; i < r->n_findings; i++) { /* "password" origin (ja: 「password」) */
        if (r->findings[i].rule != EG_R_MAIL_PASSWORD_IN_TEXT)
            continue;
        const char *e = r->findings[i].evidence;
        const char *o = e && e[0] == '"' ? e + 1 : NULL, *cl = o ? strstr(o, "\" ") : NULL;
        if (o && cl && cl > o)
            add_secret(sec, &ns, o, (size_t)(cl - o));
        e = r->findings[i].evidence_ja;
        o = e ? strstr(e, "「") : NULL;
        cl = o ? strstr(o, "」") : NULL;
        if (o && cl)
            add_secret(sec, &ns, o + 3, (size_t)(cl - o - 3));
    }
    for (size_t i = 0; i < r->n_objects; i++)
        if (r->objects[i]->password) {
            free(r->objects[i]->password);
            r->objects[i]->password = eg_strdup("(redacted)");
        }
    if (r->passwords_summary) {
        free(r->passwords_summary);
        r->passwords_summary = eg_strdup("(redacted)");
    }
    /* longest first, so a password that contains a shorter one is masked whole */
    for (size_t i = 1; i < ns; i++)
        for (size_t j = i; j > 0 && strlen(sec[j]) > strlen(sec[j - 1]); j--) {
            char *t = sec[j];
            sec[j] = sec[j - 1];
            sec[j - 1] = t;
        }
    for (size_t k = 0; k < ns; k++) {
        for (size_t i = 0; i < r->n_findings; i++) {
            mask_in(&r->findings[i].evidence, sec[k]);
            mask_in(&r->findings[i].evidence_ja, sec[k]);
        }
        if (r->mail)
            mask_in(&r->mail->subject, sec[k]);
        free(sec[k]);
    }
}

static bool has_prefix_in(const eg_str_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strncmp(id, l->v[i], strlen(l->v[i])))
            return true;
    return false;
}

unsigned eg_milter_categories(const eg_milter_config *c, const char *const *ids, size_t n)
{
    unsigned cats = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i])
            continue;
        if (has_prefix_in(&c->prefix_encrypted, ids[i]))
            cats |= EG_CAT_ENCRYPTED;
        if (has_prefix_in(&c->prefix_macro, ids[i]))
            cats |= EG_CAT_MACRO;
        if (has_prefix_in(&c->prefix_hijack, ids[i]))
            cats |= EG_CAT_HIJACK;
    }
    return cats;
}

static void hashed_key(char *out, size_t outlen, const char *kind, const char *value)
{
    uint8_t h[32];
    char hex[65];
    eg_sha256((const uint8_t *)value, strlen(value), h);
    eg_hex(h, 16, hex); /* 128 bits are plenty for a counting key */
    snprintf(out, outlen, "%s:%s", kind, hex);
}

/* The member for a recipient: lower-cased, brackets dropped, hashed. */
static void rcpt_member(char *out, size_t outlen, const char *rcpt)
{
    char tmp[EG_STATE_MAX_KEY];
    const char *s = rcpt;
    while (*s == '<' || *s == ' ')
        s++;
    size_t n = strcspn(s, ">");
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    eg_ascii_lower(tmp);
    hashed_key(out, outlen, "r", tmp);
}

static void appendf(char *buf, size_t len, const char *fmt, const char *a, unsigned long long x,
                    uint32_t w)
{
    size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, fmt, a, x, w);
}

void eg_milter_outbound_check(const eg_milter_config *c, eg_state *st, const char *account,
                              unsigned cats, const char *const *rcpts, size_t n_rcpts,
                              eg_milter_decision *d)
{
    static const struct {
        unsigned bit;
        const char *kind, *what;
    } cat[] = {{EG_CAT_ENCRYPTED, "oe", "mails with encrypted archives"},
               {EG_CAT_MACRO, "om", "mails with macro documents"},
               {EG_CAT_HIJACK, "oh", "hijacked-reply mails"}};
    char key[128], member[128];
    uint32_t w = c->outbound_window_s;
    for (size_t i = 0; i < sizeof cat / sizeof cat[0]; i++) {
        if (!(cats & cat[i].bit))
            continue;
        int64_t v = 0;
        hashed_key(key, sizeof key, cat[i].kind, account);
        eg_status s = eg_state_incr(st, key, w, &v);
        if (s != EG_OK) {
            eg_log(EG_LOG_WARN, "state: %s", eg_status_str(s));
            continue;
        }
        if (v >= (int64_t)c->outbound_threshold) {
            d->alert = true;
            appendf(d->alert_text, sizeof d->alert_text, "%s: %llu in %us; ", cat[i].what,
                    (unsigned long long)v, w);
        }
    }
    uint64_t card = 0;
    hashed_key(key, sizeof key, "or", account);
    for (size_t i = 0; i < n_rcpts && i < MAX_RCPT_OPS; i++) {
        rcpt_member(member, sizeof member, rcpts[i]);
        if (eg_state_set_add(st, key, member, w, &card) != EG_OK)
            break;
    }
    if (card >= c->outbound_max_rcpts) {
        d->alert = true;
        appendf(d->alert_text, sizeof d->alert_text, "%s: %llu in %us; ", "distinct recipients",
                (unsigned long long)card, w);
    }
    size_t n = strlen(d->alert_text);
    if (n >= 2 && d->alert_text[n - 2] == ';')
        d->alert_text[n - 2] = 0;
}

eg_verdict eg_milter_verdict_for(const eg_milter_config *c, int score, eg_verdict floor)
{
    eg_verdict v = EG_VERDICT_CLEAN;
    if (score >= c->malicious_score)
        v = EG_VERDICT_MALICIOUS;
    else if (score >= c->suspicious_score)
        v = EG_VERDICT_SUSPICIOUS;
    return v > floor ? v : floor;
}

static bool campaign_type(eg_type t)
{
    switch (t) {
    case EG_T_TEXT:
    case EG_T_HTML:
    case EG_T_IMAGE:
    case EG_T_XML:
    case EG_T_MAIL:
    case EG_T_UNKNOWN: return false;
    default: return true;
    }
}

/* One value seen by many recipients within the window: a campaign. */
static bool campaign_item(const eg_milter_config *c, eg_state *st, const char *kind,
                          const char *value, const eg_milter_msg *m, uint64_t *card)
{
    char key[128], member[128];
    hashed_key(key, sizeof key, kind, value);
    *card = 0;
    for (size_t i = 0; i < m->n_rcpts && i < MAX_RCPT_OPS; i++) {
        rcpt_member(member, sizeof member, m->rcpts[i]);
        if (eg_state_set_add(st, key, member, c->campaign_window_s, card) != EG_OK)
            return false;
    }
    return *card >= c->campaign_threshold;
}

static void campaign_check(const eg_milter_config *c, eg_state *st, const eg_report *r,
                           const eg_milter_msg *m, eg_milter_decision *d)
{
    int items = 0;
    uint64_t card = 0;
    char hex[65];
    for (size_t i = 0; i < eg_report_object_count(r) && items < MAX_CAMPAIGN_ITEMS; i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->depth < 1)
            continue;
        if (campaign_type(o->type)) {
            items++;
            eg_hex(o->sha256, 32, hex);
            if (campaign_item(c, st, "ch", hex, m, &card) && !d->campaign) {
                d->campaign = true;
                snprintf(d->campaign_text, sizeof d->campaign_text,
                         "attachment sha256 %.16s... to %llu recipients", hex,
                         (unsigned long long)card);
            }
        }
        if (o->password && *o->password && items < MAX_CAMPAIGN_ITEMS) {
            items++;
            if (campaign_item(c, st, "cp", o->password, m, &card) && !d->campaign) {
                d->campaign = true;
                snprintf(d->campaign_text, sizeof d->campaign_text,
                         "same archive password to %llu recipients", (unsigned long long)card);
            }
        }
    }
    /* URLs of harmless newsletters reach many people; only mails with findings take part */
    if (eg_report_score(r) <= 0)
        return;
    for (size_t i = 0; i < eg_report_ioc_count(r) && items < MAX_CAMPAIGN_ITEMS; i++) {
        const eg_ioc *ioc = eg_report_ioc(r, i);
        if (ioc->kind != EG_IOC_URL || !ioc->value)
            continue;
        items++;
        if (campaign_item(c, st, "cu", ioc->value, m, &card) && !d->campaign) {
            d->campaign = true;
            snprintf(d->campaign_text, sizeof d->campaign_text, "same URL to %llu recipients",
                     (unsigned long long)card);
        }
    }
}

/* Distinct rule ids, highest score first, as "A,B,C" (rule ids are ASCII by construction). */
static void reasons(const eg_report *r, char *out, size_t outlen, const char **ids, size_t *n_ids,
                    size_t max_ids)
{
    *n_ids = 0;
    for (size_t i = 0; i < eg_report_finding_count(r) && *n_ids < max_ids; i++) {
        const eg_rule *rule = eg_rule_get(eg_report_finding(r, i)->rule);
        if (!rule)
            continue;
        bool dup = false;
        for (size_t j = 0; j < *n_ids && !dup; j++)
            dup = !strcmp(ids[j], rule->id);
        if (!dup)
            ids[(*n_ids)++] = rule->id;
    }
    for (size_t i = 1; i < *n_ids; i++) /* insertion sort by score, stable */
        for (size_t j = i; j > 0 && eg_rule_get(eg_rule_find(ids[j]))->score >
                                        eg_rule_get(eg_rule_find(ids[j - 1]))->score;
             j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    out[0] = 0;
    size_t used = 0;
    for (size_t i = 0; i < *n_ids && i < 8; i++) {
        int w = snprintf(out + used, outlen - used, "%s%s", i ? "," : "", ids[i]);
        if (w < 0 || (size_t)w >= outlen - used) {
            out[used] = 0;
            break;
        }
        used += (size_t)w;
    }
}

static void account_of(const eg_milter_msg *m, char *out, size_t outlen)
{
    const char *a = m->auth_user && *m->auth_user ? m->auth_user : (m->from ? m->from : "");
    while (*a == '<')
        a++;
    size_t n = strcspn(a, ">");
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++) /* it goes into headers and logs: printable ASCII only */
        out[i] = (a[i] > 0x20 && a[i] < 0x7f) ? a[i] : '?';
    out[n] = 0;
    eg_ascii_lower(out);
}

void eg_milter_decide(const eg_milter_config *c, eg_state *st, const eg_report *r,
                      const eg_milter_msg *m, eg_milter_decision *d)
{
    memset(d, 0, sizeof *d);
    const char *ids[256];
    size_t n_ids = 0;
    reasons(r, d->reasons, sizeof d->reasons, ids, &n_ids, sizeof ids / sizeof ids[0]);
    d->score = eg_report_score(r);
    d->verdict = eg_report_verdict(r);
    if (st && c->campaign_enabled && m->n_rcpts) {
        campaign_check(c, st, r, m, d);
        if (d->campaign) {
            d->score += c->campaign_score;
            d->verdict = eg_milter_verdict_for(c, d->score, d->verdict);
        }
    }
    d->action = eg_milter_config_action(c, d->verdict, m->rcpts, m->n_rcpts);
    /* A scan cut short by its time budget saw only part of the message: unless what it saw is
     * already decisive, let the sender retry (a later attempt may run on a less busy gateway). */
    if (d->verdict != EG_VERDICT_MALICIOUS && eg_report_has_rule(r, "LIMIT.TIME"))
        d->action = c->on_timeout;
    d->dir = eg_milter_direction(c, m);
    d->outbound = d->dir != EG_DIR_IN;
    if (d->outbound) /* the log names the account of every outbound mail */
        account_of(m, d->account, sizeof d->account);
    if (d->outbound && c->outbound_enabled && st) {
        unsigned cats = eg_milter_categories(c, ids, n_ids);
        eg_milter_outbound_check(c, st, d->account, cats, m->rcpts, m->n_rcpts, d);
        if (d->alert && c->outbound_alert_action >= EG_ACT_HOLD &&
            c->outbound_alert_action > d->action)
            d->action = c->outbound_alert_action;
    }
    /* outbound mail is never tagged (add_headers): say what really happens to it */
    if (d->outbound && d->action == EG_ACT_TAG)
        d->action = EG_ACT_ACCEPT;
    /* last: an allowlist caps the action, whatever raised it; the verdict and reasons stay as
     * they are, so the log still shows a malicious mail that was let through */
    if (eg_milter_allowlisted(c, m, d->allowlist, sizeof d->allowlist) &&
        d->action > c->allow_action)
        d->action = c->allow_action;
}
