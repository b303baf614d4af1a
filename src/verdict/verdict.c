/*
 * Scoring and decisive combinations (see verdict.h). Combinations look at rule ids by prefix so
 * that analyzers can add rules without touching this file; only a new kind of combination needs
 * a line here.
 */
#include "verdict/verdict.h"

#include "core/strutil.h"
#include "verdict/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool rule_has_prefix(int rule, const char *prefix)
{
    const eg_rule *r = eg_rule_get(rule);
    return r && !strncmp(r->id, prefix, strlen(prefix));
}

/* first finding whose rule id starts with prefix and whose severity is at least min */
static const eg_finding *find_prefix(const eg_report *r, const char *prefix, eg_severity min)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const eg_rule *ru = eg_rule_get(r->findings[i].rule);
        if (rule_has_prefix(r->findings[i].rule, prefix) && ru->severity >= min)
            return &r->findings[i];
    }
    return NULL;
}

/* The outermost object that was decrypted with a password and contains object id, or -1. */
static int32_t decrypted_ancestor(const eg_report *r, uint32_t id)
{
    int32_t found = -1;
    for (int32_t cur = (int32_t)id; cur >= 0 && (size_t)cur < r->n_objects;) {
        const eg_object *o = r->objects[cur];
        /* Office's built-in default password is not a password someone had to be told */
        if ((o->flags & EG_OBJ_DECRYPTED) && !(o->password && !strcmp(o->password, "VelvetSweatshop")))
            found = cur;
        cur = o->parent;
    }
    return found;
}

static bool has_rule_on(const eg_report *r, eg_rule_id rule, uint32_t object)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].rule == (int)rule && r->findings[i].object == object)
            return true;
    return false;
}

/* An encrypted archive (ZIP, 7z, RAR) that stayed closed. An archive opened with a password is
 * judged by what is inside, like any other archive: its encryption alone is not an argument in
 * the combinations (a genuine PPAP reply holding a clean workbook is not a hijacked thread). */
static const eg_finding *encrypted_archive(const eg_report *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const eg_finding *f = &r->findings[i];
        if (f->rule == EG_R_ARCHIVE_NOT_OPENED || f->rule == EG_R_ARCHIVE_ENCRYPTED_NAMES)
            return f;
    }
    return NULL;
}

/* a line of VBA that does something: not blank, not an Attribute line, a comment or Option */
static bool vba_code_line(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    if (n == 0 || *p == '\'')
        return false;
    static const char *const quiet[] = {"Attribute ", "Rem ", "Option ", NULL};
    for (size_t k = 0; quiet[k]; k++)
        if (n >= strlen(quiet[k]) && !strncasecmp(p, quiet[k], strlen(quiet[k])))
            return false;
    return !(n == 3 && !strncasecmp(p, "Rem", 3));
}

/* 1: some VBA module holds code; 0: every module was read and holds only attributes (an empty
 * project Excel or Word left behind, not a macro); -1: cannot tell (no source read, or the
 * bytes are gone), which counts as a macro. */
static int vba_code(const eg_report *r)
{
    bool seen = false, unknown = false;
    for (size_t i = 0; i < r->n_objects; i++) {
        const eg_object *o = r->objects[i];
        if (o->type != EG_T_VBA_SOURCE)
            continue;
        if (!o->data || (o->flags & EG_OBJ_TRUNCATED)) {
            unknown = true;
            continue;
        }
        seen = true;
        const char *t = (const char *)o->data;
        size_t len = (size_t)o->size;
        for (size_t a = 0; a < len;) {
            const char *nl = memchr(t + a, '\n', len - a);
            size_t e = nl ? (size_t)(nl - t) : len;
            if (vba_code_line(t + a, e - a))
                return 1;
            a = e + 1;
        }
    }
    return seen && !unknown ? 0 : -1;
}

static void add_combo(eg_report *r, eg_rule_id rule, uint32_t object, const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 8;
    char *ev = malloc(n);
    if (!ev)
        return;
    snprintf(ev, n, "%s + %s", a, b);
    if (!eg_report_has_finding(r, rule, object, ev))
        eg_report_add_finding(r, rule, object, ev);
    else
        free(ev);
}

static const char *rule_id(int idx) { return eg_rule_get(idx)->id; }

static void combinations(eg_report *r)
{
    /* active content (macro, script, shortcut, executable) that reached the reader through an
     * archive opened with a password written in the same mail: the Emotet delivery itself */
    static const char *const active[] = {"VBA.", "XLM.", "LNK.", "ONE.", "SCRIPT.", "PE.", "CMD.",
                                         "HTML.SMUGGLING", "OFFICE.DDE", "OOXML.REMOTE",
                                         "OOXML.EXTERNAL", "RTF.", NULL};
    size_t n = r->n_findings; /* combinations added below are not themselves inputs */
    for (size_t i = 0; i < n; i++) {
        const eg_finding *f = &r->findings[i];
        const eg_rule *ru = eg_rule_get(f->rule);
        if (ru->severity < EG_SEV_MEDIUM)
            continue;
        for (size_t k = 0; active[k]; k++) {
            if (!rule_has_prefix(f->rule, active[k]))
                continue;
            /* one combination per decrypted entry, on the entry, naming the first reason */
            int32_t anc = decrypted_ancestor(r, f->object);
            if (anc >= 0 && !has_rule_on(r, EG_R_COMBO_PASSWORD_ARCHIVE_ACTIVE, (uint32_t)anc))
                add_combo(r, EG_R_COMBO_PASSWORD_ARCHIVE_ACTIVE, (uint32_t)anc,
                          r->objects[anc]->name, ru->id);
            break;
        }
    }
    /* a reply (hijacked thread or not) that brings active content or an encrypted archive */
    const eg_finding *reply = find_prefix(r, "MAIL.THREAD", EG_SEV_INFO);
    if (reply) {
        const eg_finding *act = NULL;
        for (size_t k = 0; active[k] && !act; k++)
            act = find_prefix(r, active[k], EG_SEV_MEDIUM);
        if (!act)
            act = encrypted_archive(r);
        if (act)
            add_combo(r, EG_R_COMBO_REPLY_WITH_PAYLOAD, act->object, rule_id(reply->rule),
                      rule_id(act->rule));
    }
    /* any VBA or XLM macro in a mailed document: Office blocks macros from the internet, and
     * the advice is never to enable them in a mailed file, so the user is warned (suspicious)
     * even when the macro shows nothing dangerous */
    if (r->n_objects && r->objects[0]->type == EG_T_MAIL) {
        const eg_finding *m = find_prefix(r, "XLM.", EG_SEV_INFO);
        for (size_t i = 0; i < n && !m; i++) {
            int rule = r->findings[i].rule;
            if (rule_has_prefix(rule, "VBA.") && rule != EG_R_VBA_DECODED &&
                (rule != EG_R_VBA_MACRO || vba_code(r) != 0))
                m = &r->findings[i];
        }
        if (m && !has_rule_on(r, EG_R_COMBO_MAILED_MACRO, m->object))
            add_combo(r, EG_R_COMBO_MAILED_MACRO, m->object, r->objects[0]->name, rule_id(m->rule));
    }
    /* the sender is not who it claims, and the mail carries an encrypted archive or active
     * content */
    const eg_finding *spoof = find_prefix(r, "SENDER.", EG_SEV_MEDIUM);
    if (spoof) {
        const eg_finding *act = encrypted_archive(r);
        for (size_t k = 0; active[k] && !act; k++)
            act = find_prefix(r, active[k], EG_SEV_MEDIUM);
        if (act)
            add_combo(r, EG_R_COMBO_SPOOF_WITH_PAYLOAD, act->object, rule_id(spoof->rule),
                      rule_id(act->rule));
    }
}

/* Habits of newsletters and bulk senders that Emotet shares with ordinary mail: a signature
 * address on another domain, Reply-To or envelope sender elsewhere, link shorteners, links to a
 * bare IP or an unusual port, link text that differs from its target. */
static bool bulk_habit(int rule)
{
    switch (rule) {
    case EG_R_SENDER_SIGNATURE_ADDRESS:
    case EG_R_SENDER_REPLY_TO_OTHER_DOMAIN:
    case EG_R_SENDER_RETURN_PATH_OTHER_DOMAIN:
    case EG_R_SENDER_SENDER_HEADER_OTHER_DOMAIN:
    case EG_R_LINK_SHORTENER:
    case EG_R_LINK_IP_HOST:
    case EG_R_LINK_UNUSUAL_PORT:
    case EG_R_LINK_TEXT_HREF_MISMATCH: return true;
    default: return false;
    }
}

/* What gives bulk-mail habits weight: something executable (active content, an executable or
 * padded file, a file download link, an intel match), something encrypted that stayed closed, or
 * a sender or thread that does not match. */
static bool habit_context(const eg_report *r)
{
    static const char *const payload[] = {"VBA.",
                                          "XLM.",
                                          "LNK.",
                                          "ONE.",
                                          "SCRIPT.",
                                          "PE.",
                                          "CMD.",
                                          "HTML.",
                                          "RTF.",
                                          "NAME.",
                                          "OOXML.",
                                          "OFFICE.",
                                          "COMBO.",
                                          "INTEL.",
                                          "PAD.",
                                          "LINK.FILE_DOWNLOAD",
                                          "LURE.ENABLE_MACRO",
                                          NULL};
    if (encrypted_archive(r))
        return true;
    for (size_t i = 0; i < r->n_findings; i++) {
        int rule = r->findings[i].rule;
        const eg_rule *ru = eg_rule_get(rule);
        if (!ru || bulk_habit(rule) || ru->score <= 0)
            continue;
        for (size_t k = 0; payload[k]; k++)
            if (rule_has_prefix(rule, payload[k]))
                return true;
        if (ru->severity >= EG_SEV_MEDIUM &&
            (rule_has_prefix(rule, "SENDER.") || rule_has_prefix(rule, "THREAD.") ||
             rule_has_prefix(rule, "MAIL.THREAD")))
            return true;
    }
    return false;
}

void eg_verdict_compute(eg_report *r)
{
    combinations(r);
    bool seen[EG_R__COUNT] = {0};
    int score = 0, habits = 0;
    eg_severity worst = EG_SEV_INFO;
    bool limit = false;
    for (size_t i = 0; i < r->n_findings; i++) {
        int rule = r->findings[i].rule;
        const eg_rule *ru = eg_rule_get(rule);
        if (!ru)
            continue;
        if (ru->severity > worst)
            worst = ru->severity;
        if (rule_has_prefix(rule, "LIMIT."))
            limit = true;
        if (!seen[rule]) {
            seen[rule] = true;
            if (bulk_habit(rule))
                habits += ru->score;
            else
                score += ru->score;
        }
    }
    /* alone or together, bulk-mail habits do not carry a mail over a verdict line that the
     * other findings did not reach; with a payload, encryption or a sender mismatch they count */
    if (habits > 0 && !habit_context(r)) {
        int lim = score >= EG_SCORE_MALICIOUS    ? score + habits
                  : score >= EG_SCORE_SUSPICIOUS ? EG_SCORE_MALICIOUS - 1
                                                 : EG_SCORE_SUSPICIOUS - 1;
        score = score + habits > lim ? (lim > score ? lim : score) : score + habits;
    } else {
        score += habits;
    }
    if (score < 0)
        score = 0;
    r->score = score;
    if (score >= EG_SCORE_MALICIOUS || worst >= EG_SEV_CRITICAL)
        r->verdict = EG_VERDICT_MALICIOUS;
    else if (score >= EG_SCORE_SUSPICIOUS || worst >= EG_SEV_HIGH || limit)
        r->verdict = EG_VERDICT_SUSPICIOUS;
    else
        r->verdict = EG_VERDICT_CLEAN;
}
