/*
 * The milter's decision: correlation through the state store, then the action. Keys in the store
 * carry a short kind prefix and a SHA-256 of the user-controlled value, so an attacker cannot make
 * keys long or collide them with another kind.
 */
#include "milter/decide.h"

#include "core/log.h"
#include "core/sha256.h"
#include "core/strutil.h"

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

bool eg_milter_is_outbound(const eg_milter_config *c, const eg_milter_msg *m)
{
    if (!c->outbound_enabled)
        return false;
    if (m->auth_user && *m->auth_user)
        return true;
    return c->outbound_own_domains && eg_milter_domain_in(&c->own_domains, m->from);
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

static void appendf(char *buf, size_t len, const char *fmt, const char *a, unsigned long long x, uint32_t w)
{
    size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, fmt, a, x, w);
}

void eg_milter_outbound_check(const eg_milter_config *c, eg_state *st, const char *account, unsigned cats,
                              const char *const *rcpts, size_t n_rcpts, eg_milter_decision *d)
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
            appendf(d->alert_text, sizeof d->alert_text, "%s: %llu in %us; ", cat[i].what, (unsigned long long)v, w);
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
    case EG_T_TEXT: case EG_T_HTML: case EG_T_IMAGE: case EG_T_XML: case EG_T_MAIL: case EG_T_UNKNOWN:
        return false;
    default:
        return true;
    }
}

/* One value seen by many recipients within the window: a campaign. */
static bool campaign_item(const eg_milter_config *c, eg_state *st, const char *kind, const char *value,
                          const eg_milter_msg *m, uint64_t *card)
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

static void campaign_check(const eg_milter_config *c, eg_state *st, const eg_report *r, const eg_milter_msg *m,
                           eg_milter_decision *d)
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
                snprintf(d->campaign_text, sizeof d->campaign_text, "attachment sha256 %.16s... to %llu recipients",
                         hex, (unsigned long long)card);
            }
        }
        if (o->password && *o->password && items < MAX_CAMPAIGN_ITEMS) {
            items++;
            if (campaign_item(c, st, "cp", o->password, m, &card) && !d->campaign) {
                d->campaign = true;
                snprintf(d->campaign_text, sizeof d->campaign_text, "same archive password to %llu recipients",
                         (unsigned long long)card);
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
            snprintf(d->campaign_text, sizeof d->campaign_text, "same URL to %llu recipients", (unsigned long long)card);
        }
    }
}

/* Distinct rule ids, highest score first, as "A,B,C" (rule ids are ASCII by construction). */
static void reasons(const eg_report *r, char *out, size_t outlen, const char **ids, size_t *n_ids, size_t max_ids)
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
                                        eg_rule_get(eg_rule_find(ids[j - 1]))->score; j--) {
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

void eg_milter_decide(const eg_milter_config *c, eg_state *st, const eg_report *r, const eg_milter_msg *m,
                      eg_milter_decision *d)
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
    d->outbound = eg_milter_is_outbound(c, m);
    if (d->outbound && st) {
        account_of(m, d->account, sizeof d->account);
        unsigned cats = eg_milter_categories(c, ids, n_ids);
        eg_milter_outbound_check(c, st, d->account, cats, m->rcpts, m->n_rcpts, d);
        if (d->alert && c->outbound_alert_action >= EG_ACT_HOLD && c->outbound_alert_action > d->action)
            d->action = c->outbound_alert_action;
    }
}
