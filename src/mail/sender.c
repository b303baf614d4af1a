/*
 * Who sent it: the sender, thread and link checks of sender.h, judged the way a careful reader
 * would. Each check compares two things (the display name and the address, From and Reply-To,
 * the quoted correspondent and the real sender, a link's text and its target) and says both in
 * its evidence. The checks are pure functions of the view and the configuration; only
 * eg_sender_check talks to the scan.
 *
 * Deliberately quiet on bulk mail (List-Id, List-Unsubscribe, Precedence: bulk): mailing lists
 * rewrite senders and newsletters route every link through a tracker, and neither is what a
 * hijacked thread looks like.
 */
#include "mail/sender.h"

#include "core/log.h"
#include "core/strutil.h"
#include "mail/links.h"
#include "mail/sender_config.h"
#include "mail/sender_lists.h"
#include "mail/thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_OWN_COMPARE 5000     /* own + partner domains compared for one domain */
#define MAX_LOOKALIKE_WORK 20000 /* ... and for all domains of one message */
#define MAX_PER_RULE 3           /* evidence lines per link rule: the score counts once anyway */

/* ---------------------------------------------------------------- helpers */

typedef struct ctx {
    eg_sender_config *c;
    const eg_mail_view *v;
    eg_sender_hits *h;
    const char *from;     /* address or NULL */
    const char *from_dom; /* "" when none */
    const char *display;  /* NULL when none */
    bool bulk;
    bool own_from; /* From is one of our own domains */
    bool partner_from;
    eg_domain_set rcpt; /* recipients' own domains (inbound), for lookalikes */
    const char *body;   /* the text the reader sees */
    size_t body_len;
    eg_thread_info ti;
    eg_links links;
    unsigned per_rule[EG_R__COUNT];
    struct {
        char host[128];
        const char *result;
    } judged[32]; /* lookalike answers per host already judged */
    size_t n_judged;
    size_t work;
} ctx;

static const char *header(const eg_mail_view *v, const char *name, size_t nth)
{
    for (size_t i = 0; v->headers && i < v->n_headers; i++)
        if (v->headers[i].name && !strcasecmp(v->headers[i].name, name) && nth-- == 0)
            return v->headers[i].value;
    return NULL;
}

static eg_status hit(ctx *x, eg_rule_id rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static eg_status hit(ctx *x, eg_rule_id rule, const char *fmt, ...)
{
    if (x->per_rule[rule] >= MAX_PER_RULE)
        return EG_OK;
    char ev[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    size_t before = x->h->n;
    eg_status st = eg_sender_hits_add(x->h, rule, "%s", ev);
    if (x->h->n > before)
        x->per_rule[rule]++;
    return st == EG_ELIMIT ? EG_OK : st;
}

static bool same_org(const char *a, const char *b)
{
    return a && b && *a && *b && eg_domain_same_org(a, b);
}

/* Two addresses with the same personal local part ("craig@home.example" and
 * "craig@work.example") under the same name, in a mail that brings no attachment: one person
 * writing from another account of theirs, not a hijacked account (which keeps its owner's local
 * part). Role names (info, sales ...) and very short local parts say nothing about a person; a
 * mail with an attachment keeps the finding, since that is what a forgery would deliver. */
static bool same_person_local(const eg_mail_view *v, const char *a, const char *b)
{
    if (v->n_attachments)
        return false;
    static const char *const roles[] = {
        "info",     "admin",     "support",    "contact", "office", "mail", "sales", "noreply",
        "no-reply", "webmaster", "postmaster", "service", "help",   "user", "test",  NULL};
    const char *aa = a ? strrchr(a, '@') : NULL, *bb = b ? strrchr(b, '@') : NULL;
    if (!aa || !bb)
        return false;
    size_t la = (size_t)(aa - a), lb = (size_t)(bb - b);
    if (la != lb || la < 3 || strncasecmp(a, b, la))
        return false;
    for (size_t i = 0; roles[i]; i++)
        if (strlen(roles[i]) == la && !strncasecmp(a, roles[i], la))
            return false;
    return true;
}

static const char *category(eg_sender_config *c, const char *dom, const char **which)
{
    const char *m;
    if ((m = eg_domain_set_match(&c->freemail, dom))) {
        *which = "free mail";
        return m;
    }
    if ((m = eg_domain_set_match(&c->isp, dom))) {
        *which = "consumer ISP";
        return m;
    }
    if ((m = eg_domain_set_match(&c->hosting, dom))) {
        *which = "hosting";
        return m;
    }
    *which = NULL;
    return NULL;
}

static bool ascii_word_at(const char *s, size_t len, size_t i, size_t n)
{
    /* "Co" in "Acme Co., Ltd." but not in "partner.co.jp": a word never starts after a dot, '@',
     * a hyphen or a digit */
    bool lb =
        i == 0 || !((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= 'A' && s[i - 1] <= 'Z') ||
                    (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.' || s[i - 1] == '@' ||
                    s[i - 1] == '-' || s[i - 1] == '_');
    bool rb = i + n >= len ||
              !((s[i + n] >= 'a' && s[i + n] <= 'z') || (s[i + n] >= 'A' && s[i + n] <= 'Z'));
    return lb && rb;
}

/* the organisation word the display name carries: EG_W_PUBLIC beats EG_W_ORG */
static int org_kind(eg_sender_config *c, const char *name, const char **word, bool *ascii)
{
    int best = 0;
    size_t len = strlen(name);
    size_t tl = len;
    while (tl && (name[tl - 1] == ' ' || name[tl - 1] == '"'))
        tl--;
    for (size_t i = 0; i < c->n_words; i++) {
        const eg_org_word *w = &c->words[i];
        size_t n = strlen(w->w);
        bool is_ascii = (unsigned char)w->w[0] < 0x80;
        bool found = false;
        if (w->suffix) {
            found = tl > n && !memcmp(name + tl - n, w->w, n);
        } else if (is_ascii) {
            for (const char *p = name; (p = eg_memmem_ci(p, len - (size_t)(p - name), w->w, n));
                 p++)
                if (ascii_word_at(name, len, (size_t)(p - name), n)) {
                    found = true;
                    break;
                }
        } else {
            found = strstr(name, w->w) != NULL;
        }
        if (found && w->kind > best) {
            best = w->kind;
            *word = w->w;
            *ascii = is_ascii;
        }
    }
    return best;
}

/* ---------------------------------------------------------------- display name */

static eg_status check_display(ctx *x)
{
    if (!x->display || !*x->display || !x->from)
        return EG_OK;
    const char *d = x->display;
    size_t dl = strlen(d);
    char addr[EG_ADDR_MAX + 1];
    size_t as, ae;
    eg_status st = EG_OK;
    if (!x->bulk && eg_sutil_next_addr(d, dl, 0, addr, &as, &ae) && strcasecmp(addr, x->from) &&
        !same_org(eg_sutil_addr_domain(addr), x->from_dom)) {
        st = hit(x, EG_R_SENDER_DISPLAY_NAME_ADDRESS, "display name \"%.120s\" vs address \"%s\"",
                 d, x->from);
        if (st != EG_OK)
            return st;
    }
    if (x->own_from || x->partner_from || x->bulk)
        return EG_OK; /* lists put the poster's name in front of the list's address */
    const char *word = NULL, *cat = NULL;
    bool ascii = false;
    int kind = org_kind(x->c, d, &word, &ascii);
    category(x->c, x->from_dom, &cat);
    if (kind == EG_W_PUBLIC) {
        size_t fl = strlen(x->from_dom);
        bool jp = fl > 3 && !strcmp(x->from_dom + fl - 3, ".jp");
        bool foreign = !ascii && !jp; /* a Japanese public body writes from a .jp domain */
        if (cat || foreign)
            return hit(x, EG_R_SENDER_PUBLIC_BODY_DOMAIN,
                       "name \"%.120s\" (\"%s\") vs address \"%s\" (%s)", d, word, x->from,
                       cat ? cat : "not a .jp domain");
        return EG_OK;
    }
    if (kind == EG_W_ORG && cat) {
        eg_rule_id r =
            !strcmp(cat, "hosting") ? EG_R_SENDER_ORG_NAME_HOSTING : EG_R_SENDER_ORG_NAME_FREEMAIL;
        return hit(x, r, "name \"%.120s\" (\"%s\") vs address \"%s\" (%s)", d, word, x->from, cat);
    }
    if (kind == EG_W_ORG) {
        /* a Latin-letter organisation name ("Contoso Bank", "Contoso株式会社"): some word of
         * it should appear in the domain; names in kanji or kana cannot be compared */
        char tok[64];
        bool any = false, seen = false;
        for (size_t i = 0; i < dl && !seen;) {
            while (i < dl && !((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= 'A' && d[i] <= 'Z')))
                i++;
            size_t j = i;
            while (j < dl && ((d[j] >= 'a' && d[j] <= 'z') || (d[j] >= 'A' && d[j] <= 'Z')))
                j++;
            if (j - i >= 3 && j - i < sizeof tok) {
                memcpy(tok, d + i, j - i);
                tok[j - i] = 0;
                eg_ascii_lower(tok);
                bool form = false;
                for (size_t k = 0; k < x->c->n_words; k++)
                    if (!strcasecmp(x->c->words[k].w, tok) || !strcasecmp(tok, "the") ||
                        !strcasecmp(tok, "and"))
                        form = true;
                if (!form) {
                    any = true;
                    if (strstr(x->from_dom, tok))
                        seen = true;
                }
            }
            i = j;
        }
        if (any && !seen)
            return hit(x, EG_R_SENDER_ORG_NAME_UNRELATED, "name \"%.120s\" vs domain \"%s\"", d,
                       x->from_dom);
    }
    return EG_OK;
}

static eg_status check_known(ctx *x)
{
    if (!x->display || !x->from || !x->c->n_known)
        return EG_OK;
    eg_name_key k;
    eg_sutil_name_key(x->display, strlen(x->display), &k);
    const eg_known_corr *match = NULL;
    for (size_t i = 0; i < x->c->n_known; i++) {
        if (!eg_sutil_name_equal(&k, &x->c->known[i].key))
            continue;
        if (same_org(x->c->known[i].domain, x->from_dom))
            return EG_OK; /* one of the domains this name uses */
        if (!match)
            match = &x->c->known[i];
    }
    if (match)
        return hit(x, EG_R_SENDER_KNOWN_NAME_OTHER_DOMAIN,
                   "name \"%.120s\" usually writes from \"%s\", this mail from \"%s\"", x->display,
                   match->domain, x->from);
    return EG_OK;
}

/* the display name of a recipient (To/Cc) on the sender's external address: Emotet borrows
 * the names in the stolen address book, the recipient's own among them */
static eg_status check_recipient_name(ctx *x)
{
    if (!x->display || !x->from || x->bulk || x->v->outbound)
        return EG_OK;
    eg_name_key dk;
    eg_sutil_name_key(x->display, strlen(x->display), &dk);
    const eg_addr *lists[] = {x->v->to, x->v->cc};
    size_t counts[] = {x->v->to ? x->v->n_to : 0, x->v->cc ? x->v->n_cc : 0};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < counts[l] && i < 256; i++) {
            const eg_addr *r = &lists[l][i];
            if (!r->display || !r->addr || !r->domain || same_org(r->domain, x->from_dom))
                continue;
            eg_name_key rk;
            eg_sutil_name_key(r->display, strlen(r->display), &rk);
            if (eg_sutil_name_equal(&dk, &rk) && !same_person_local(x->v, r->addr, x->from))
                return hit(x, EG_R_SENDER_RECIPIENT_NAME_OTHER_ADDRESS,
                           "name \"%.120s\": recipient \"%s\" vs From \"%s\"", x->display, r->addr,
                           x->from);
        }
    }
    return EG_OK;
}

/* a domain that passes for one of ours or a partner's: returns the imitated one. Each
 * host is judged once per message, and the comparisons of one message share
 * MAX_LOOKALIKE_WORK, so a newsletter with 256 links against a long partner list stays cheap. */
static const char *lookalike_of(ctx *x, const char *dom)
{
    if (!dom || !*dom)
        return NULL;
    for (size_t i = 0; i < x->n_judged; i++)
        if (!strcmp(x->judged[i].host, dom))
            return x->judged[i].result;
    eg_domain_set *sets[] = {&x->c->own, &x->rcpt, &x->c->partners};
    const char *result = NULL;
    bool member = false;
    for (size_t s = 0; s < 3 && !member; s++) {
        eg_domain_set_finish(sets[s]);
        if (eg_domain_set_match(sets[s], dom))
            member = true; /* it is one of them */
    }
    size_t budget = MAX_OWN_COMPARE;
    for (size_t s = 0; s < 3 && !member && !result; s++)
        for (size_t i = 0; i < sets[s]->n && budget && x->work < MAX_LOOKALIKE_WORK && !result;
             i++) {
            budget--;
            x->work++;
            if (eg_domain_lookalike(dom, sets[s]->v[i]))
                result = sets[s]->v[i];
        }
    if (x->n_judged < sizeof x->judged / sizeof x->judged[0] &&
        strlen(dom) < sizeof x->judged[0].host) {
        snprintf(x->judged[x->n_judged].host, sizeof x->judged[0].host, "%s", dom);
        x->judged[x->n_judged++].result = result;
    }
    return result;
}

/* ---------------------------------------------------------------- headers */

static eg_status check_headers(ctx *x)
{
    const eg_mail_view *v = x->v;
    eg_status st = EG_OK;
    if (!x->from)
        return EG_OK;
    const char *la = lookalike_of(x, x->from_dom);
    if (la && (st = hit(x, EG_R_SENDER_LOOKALIKE_DOMAIN, "sender domain \"%s\" vs \"%s\"",
                        x->from_dom, la)))
        return st;
    for (size_t i = 0; v->reply_to && i < v->n_reply_to; i++) {
        const eg_addr *r = &v->reply_to[i];
        if (!r->addr || !r->domain || same_org(r->domain, x->from_dom) ||
            eg_domain_set_match(&x->c->own, r->domain) ||
            eg_domain_set_match(&x->c->partners, r->domain))
            continue; /* replies going to a domain we know are fine */
        const char *cat = NULL, *fcat = NULL;
        category(x->c, r->domain, &cat);
        category(x->c, x->from_dom, &fcat);
        if (cat && strcmp(cat, "hosting") && !fcat)
            st = hit(x, EG_R_SENDER_REPLY_TO_FREEMAIL, "From \"%s\" vs Reply-To \"%s\" (%s)",
                     x->from, r->addr, cat);
        else if (!x->bulk)
            st = hit(x, EG_R_SENDER_REPLY_TO_OTHER_DOMAIN, "From \"%s\" vs Reply-To \"%s\"",
                     x->from, r->addr);
        if (st != EG_OK)
            return st;
    }
    if (!x->bulk && v->return_path.addr && v->return_path.domain && *v->return_path.domain &&
        !same_org(v->return_path.domain, x->from_dom) &&
        (st = hit(x, EG_R_SENDER_RETURN_PATH_OTHER_DOMAIN, "From \"%s\" vs envelope sender \"%s\"",
                  x->from, v->return_path.addr)))
        return st;
    if (!x->bulk && v->sender.addr && v->sender.domain &&
        !same_org(v->sender.domain, x->from_dom) &&
        (st = hit(x, EG_R_SENDER_SENDER_HEADER_OTHER_DOMAIN, "From \"%s\" vs Sender \"%s\"",
                  x->from, v->sender.addr)))
        return st;
    /* Message-ID host */
    const char *mid = v->message_id;
    const char *at = mid ? strrchr(mid, '@') : NULL;
    if (at && !x->own_from && !v->outbound) {
        char host[256];
        size_t n = strcspn(at + 1, ">");
        if (n > 0 && n < sizeof host) {
            memcpy(host, at + 1, n);
            host[n] = 0;
            eg_ascii_lower(host);
            const char *icat = NULL;
            category(x->c, host, &icat);
            /* exactly the recipient's domain, as Emotet wrote it; a relay of ours that adds a
             * missing Message-ID uses its own host name (mx1.example.co.jp) instead */
            const char *mo = eg_domain_set_match(&x->c->own, host),
                       *mr = eg_domain_set_match(&x->rcpt, host);
            if (host[0] != '[' && !same_org(host, x->from_dom) &&
                ((mo && !strcmp(mo, host)) || (mr && !strcmp(mr, host))))
                st = hit(x, EG_R_SENDER_MESSAGE_ID_RECIPIENT_DOMAIN,
                         "Message-ID host \"%s\" vs From \"%s\"", host, x->from);
            else if ((host[0] == '[' || (icat && !strcmp(icat, "consumer ISP"))) &&
                     !same_org(host, x->from_dom))
                st = hit(x, EG_R_SENDER_MESSAGE_ID_FOREIGN_HOST,
                         "Message-ID host \"%s\" vs From \"%s\"", host, x->from);
            if (st != EG_OK)
                return st;
        }
    }
    return EG_OK;
}

/* result of one method in an Authentication-Results value: "pass", "fail" ... ("" when absent) */
static void method_result(const char *val, const char *method, char *out, size_t outsz,
                          bool *any_pass)
{
    size_t ml = strlen(method), vl = strlen(val);
    for (const char *p = val; (p = eg_memmem_ci(p, vl - (size_t)(p - val), method, ml)); p += ml) {
        if ((p > val && p[-1] != ' ' && p[-1] != ';' && p[-1] != '\t' && p[-1] != '\n') ||
            p[ml] != '=')
            continue;
        const char *r = p + ml + 1;
        size_t n = 0;
        while (r[n] && r[n] != ' ' && r[n] != ';' && r[n] != '\t' && r[n] != '(' && n + 1 < outsz)
            n++;
        if (!strncasecmp(r, "pass", 4) && n == 4)
            *any_pass = true;
        if (!out[0] || strncasecmp(out, "pass", 4)) { /* keep a pass once seen */
            memcpy(out, r, n);
            out[n] = 0;
            eg_ascii_lower(out);
        }
    }
}

static eg_status check_auth(ctx *x)
{
    if (!x->c->n_authserv || !x->from)
        return EG_OK;
    char spf[16] = "", dkim[16] = "", dmarc[16] = "", arc[16] = "", id[128] = "";
    bool dkim_pass = false, dummy = false, trusted = false;
    for (size_t nth = 0; nth < 64; nth++) {
        const char *val = header(x->v, "Authentication-Results", nth);
        if (!val)
            break;
        while (*val == ' ' || *val == '\t')
            val++;
        size_t n = strcspn(val, "; \t");
        bool ok = false;
        for (size_t i = 0; i < x->c->n_authserv; i++)
            if (strlen(x->c->authserv[i]) == n && !strncasecmp(val, x->c->authserv[i], n))
                ok = true;
        if (!ok)
            continue; /* anyone can write this header: only our own servers count */
        trusted = true;
        snprintf(id, sizeof id, "%.*s", (int)(n < 100 ? n : 100), val);
        method_result(val + n, "spf", spf, sizeof spf, &dummy);
        method_result(val + n, "dkim", dkim, sizeof dkim, &dkim_pass);
        method_result(val + n, "dmarc", dmarc, sizeof dmarc, &dummy);
        method_result(val + n, "arc", arc, sizeof arc, &dummy);
    }
    if (!trusted)
        return EG_OK;
    bool spf_bad = !strcmp(spf, "fail") || !strcmp(spf, "softfail");
    bool fail =
        !strcmp(dmarc, "fail") || (spf_bad && !dkim_pass) || (!strcmp(arc, "fail") && !dkim_pass);
    char summary[128];
    snprintf(summary, sizeof summary, "spf=%s dkim=%s dmarc=%s%s%s", spf[0] ? spf : "none",
             dkim_pass ? "pass"
             : dkim[0] ? dkim
                       : "none",
             dmarc[0] ? dmarc : "none", arc[0] ? " arc=" : "", arc);
    if (x->own_from && !x->v->outbound && (fail || (strcmp(spf, "pass") && !dkim_pass)))
        return hit(x, EG_R_SENDER_OWN_DOMAIN_UNAUTHENTICATED,
                   "From \"%s\" (own domain) vs \"%s\": \"%s\"", x->from, id, summary);
    if (fail)
        return hit(x, EG_R_SENDER_AUTH_FAIL, "From \"%s\" vs \"%s\": \"%s\"", x->from, id, summary);
    return EG_OK;
}

/* ---------------------------------------------------------------- signature */

static bool mail_label(const char *p, size_t n)
{
    static const char *const labels[] = {"mail",       "e-mail",  "email",    "e mail",
                                         "メール",     "eメール", "ｅメール", "Ｅメール",
                                         "電子メール", "mailto",  "ﾒｰﾙ",      NULL};
    while (n && (*p == ' ' || *p == '\t' || *p == '[' || *p == '(' || *p == '<' || *p == '*' ||
                 !strncmp(p, "\xE3\x80\x80", 3) || !strncmp(p, "■", 3) || !strncmp(p, "●", 3) ||
                 !strncmp(p, "◆", 3) || !strncmp(p, "【", 3))) {
        size_t s = ((unsigned char)*p >= 0x80) ? 3 : 1;
        if (s > n)
            return false;
        p += s;
        n -= s;
    }
    for (size_t i = 0; labels[i]; i++) {
        size_t l = strlen(labels[i]);
        if (n >= l && !strncasecmp(p, labels[i], l)) {
            const char *q = p + l;
            size_t r = n - l;
            while (r &&
                   (*q == ' ' || *q == ']' || *q == ')' || *q == '>' || !strncmp(q, "】", 3))) {
                size_t s = ((unsigned char)*q >= 0x80) ? 3 : 1;
                if (s > r)
                    return false;
                q += s;
                r -= s;
            }
            return r && (*q == ':' || !strncmp(q, "：", 3) || *q == '@' || *q == '=');
        }
    }
    return false;
}

static bool separator_line(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\r'))
        n--;
    if (n == 3 && !memcmp(p, "-- ", 3))
        return true;
    if (n == 2 && !memcmp(p, "--", 2))
        return true;
    if (n < 6)
        return false;
    /* a run of one drawing character: ------, ======, ******, ━━━, ───, ＝＝＝, ■■■ */
    size_t cl = ((unsigned char)p[0] >= 0x80) ? 3 : 1;
    if (cl == 1 && !strchr("-=*_~+#", p[0]))
        return false;
    for (size_t i = 0; i + cl <= n; i += cl)
        if (memcmp(p + i, p, cl))
            return false;
    return n % cl == 0;
}

/* a line that is only "Name <addr>" or "Name addr" */
static bool name_addr_line(const char *p, size_t n, size_t as, size_t ae)
{
    for (size_t i = ae; i < n; i++)
        if (p[i] != ' ' && p[i] != '>' && p[i] != ')' && p[i] != ']' && p[i] != '\r')
            return false;
    return as > 0 && as < 80;
}

static eg_status check_signature(ctx *x)
{
    if (!x->from || !x->body || x->bulk || x->v->outbound)
        return EG_OK; /* our own staff's mail names whom it likes */
    const char *t = x->body;
    size_t end = x->ti.has_quote ? x->ti.quote_start : x->body_len;
    bool in_sig = false;
    for (size_t i = 0; i < end;) {
        const char *nl = memchr(t + i, '\n', end - i);
        size_t e = nl ? (size_t)(nl - t) : end;
        const char *p = t + i;
        size_t n = e - i;
        if (separator_line(p, n))
            in_sig = true;
        i = e + 1;
        if (!memchr(p, '@', n)) /* no address on this line: nothing more to look at */
            continue;
        char addr[EG_ADDR_MAX + 1];
        size_t as, ae, from = 0;
        bool label = mail_label(p, n);
        while (eg_sutil_next_addr(p, n, from, addr, &as, &ae)) {
            from = ae;
            bool counts = in_sig || label || name_addr_line(p, n, as, ae);
            const char *d = eg_sutil_addr_domain(addr);
            if (!counts || !strcasecmp(addr, x->from) || same_org(d, x->from_dom) ||
                eg_domain_set_match(&x->c->own, d) || eg_domain_set_match(&x->rcpt, d))
                continue;
            eg_status st = hit(x, EG_R_SENDER_SIGNATURE_ADDRESS,
                               "signature address \"%s\" vs From \"%s\"", addr, x->from);
            if (st != EG_OK)
                return st;
        }
    }
    return EG_OK;
}

/* An organisation (or public body) named in the display name, an address on a free-mail, ISP or
 * hosting domain, and a signature giving an address on another domain: the impersonation the
 * Emotet seeds used. Each part alone is common; together they name a forgery. */
static eg_status check_org_spoof(ctx *x)
{
    if (!x->per_rule[EG_R_SENDER_SIGNATURE_ADDRESS] || !x->display)
        return EG_OK;
    if (!x->per_rule[EG_R_SENDER_ORG_NAME_FREEMAIL] && !x->per_rule[EG_R_SENDER_ORG_NAME_HOSTING] &&
        !x->per_rule[EG_R_SENDER_PUBLIC_BODY_DOMAIN])
        return EG_OK;
    const char *word = NULL, *cat = NULL;
    bool ascii = false;
    if (!org_kind(x->c, x->display, &word, &ascii) || !category(x->c, x->from_dom, &cat))
        return EG_OK; /* a public body on a foreign but not free domain: its own rule says so */
    return hit(x, EG_R_SENDER_ORG_SPOOF_SIGNATURE,
               "name \"%.120s\" (\"%s\") from \"%s\" (%s), signature on another domain", x->display,
               word, x->from, cat);
}

/* ---------------------------------------------------------------- thread */

static bool risky_attachment(const char *name, const char **ext)
{
    static const char *const safe[] = {"png", "jpg", "jpeg", "gif", "bmp",
                                       "ics", "vcf", "txt",  NULL};
    if (!name)
        return false;
    *ext = eg_path_ext(name);
    for (size_t i = 0; safe[i]; i++)
        if (!strcasecmp(*ext, safe[i]))
            return false;
    return true;
}

static bool id_in(const char *refs, const char *id)
{
    /* compare the bracketed ids: "<a@b>" inside the References list */
    const char *lt = strchr(id, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (!lt || !gt)
        return strstr(refs, id) != NULL;
    return memmem(refs, strlen(refs), lt, (size_t)(gt - lt) + 1) != NULL;
}

static eg_status check_thread(ctx *x)
{
    const eg_mail_view *v = x->v;
    eg_thread_info *ti = &x->ti;
    bool reply = ti->n_reply > 0, fwd = ti->n_forward > 0;
    eg_status st = EG_OK;
    if (reply || fwd) {
        st = hit(x, EG_R_THREAD_REPLY, "subject prefix \"%.60s\"; In-Reply-To %s; quoted thread %s",
                 ti->prefix, v->in_reply_to && *v->in_reply_to ? "present" : "absent",
                 ti->has_quote ? "present" : "absent");
        if (st != EG_OK)
            return st;
        const char *rest = v->subject + ti->subject_rest;
        bool empty = !*rest;
        bool to_addr = false;
        for (size_t i = 0; v->to && i < v->n_to && !empty; i++)
            if (v->to[i].addr && !strcasecmp(rest, v->to[i].addr))
                to_addr = true;
        if (empty || to_addr)
            st = hit(x, EG_R_THREAD_SUBJECT_ODD, "subject \"%.150s\" vs %s", v->subject,
                     empty ? "nothing after the prefix" : "the recipient's address");
        if (st != EG_OK)
            return st;
    }
    bool irt = v->in_reply_to && *v->in_reply_to, refs = v->references && *v->references;
    if (reply && !irt && !refs &&
        (st = hit(x, EG_R_THREAD_NO_REFERENCES, "subject \"%.150s\" vs no In-Reply-To/References",
                  v->subject)))
        return st;
    if (irt && refs && !id_in(v->references, v->in_reply_to) &&
        (st =
             hit(x, EG_R_THREAD_REFERENCES_MISMATCH,
                 "In-Reply-To \"%.120s\" vs References \"%.150s\"", v->in_reply_to, v->references)))
        return st;
    /* attachments a reply brings into a thread that showed none */
    if ((reply || (irt && !fwd)) && !ti->quote_attachment) {
        for (size_t i = 0; v->attachment_names && i < v->n_attachments; i++) {
            const char *ext = NULL;
            if (risky_attachment(v->attachment_names[i], &ext)) {
                st = hit(x, EG_R_THREAD_NEW_ATTACHMENT,
                         "reply brings \"%.120s\" vs quoted thread %s", v->attachment_names[i],
                         ti->has_quote ? "without attachments" : "absent");
                break;
            }
        }
        if (st != EG_OK)
            return st;
    }
    if (!x->from || !ti->n_parties)
        return EG_OK;
    /* a quoted correspondent's name on another address */
    eg_name_key dk;
    eg_sutil_name_key(x->display, x->display ? strlen(x->display) : 0, &dk);
    bool dom_seen = false, any_addr = false;
    for (size_t i = 0; i < ti->n_parties; i++) {
        const eg_thread_party *p = &ti->parties[i];
        if (p->addr) {
            any_addr = true;
            if (!strcasecmp(p->addr, x->from) ||
                same_org(eg_sutil_addr_domain(p->addr), x->from_dom))
                dom_seen = true;
        }
    }
    bool person_seen = false; /* the same person quoted with another of their addresses */
    for (size_t i = 0; i < ti->n_parties && dk.ordered[0] && !dom_seen; i++) {
        const eg_thread_party *p = &ti->parties[i];
        if (!p->name || !p->addr)
            continue;
        eg_name_key pk;
        eg_sutil_name_key(p->name, strlen(p->name), &pk);
        if (eg_sutil_name_equal(&dk, &pk) && same_person_local(x->v, p->addr, x->from)) {
            person_seen = true;
        } else if (eg_sutil_name_equal(&dk, &pk)) {
            st = hit(x, EG_R_SENDER_QUOTED_NAME_OTHER_ADDRESS,
                     "name \"%.120s\": quoted as \"%s\" vs From \"%s\"", x->display, p->addr,
                     x->from);
            if (st != EG_OK)
                return st;
        }
    }
    /* the quoted-name finding already says the sender is not in the thread: one signal, one score
     */
    if (reply && any_addr && !dom_seen && !person_seen && !x->own_from && !x->partner_from &&
        !x->bulk && !eg_sender_hits_has(x->h, EG_R_SENDER_QUOTED_NAME_OTHER_ADDRESS)) {
        char list[200] = "";
        size_t o = 0;
        for (size_t i = 0, k = 0; i < ti->n_parties && k < 3; i++) {
            if (!ti->parties[i].addr)
                continue;
            int w =
                snprintf(list + o, sizeof list - o, "%s\"%s\"", k ? ", " : "", ti->parties[i].addr);
            if (w < 0 || (size_t)w >= sizeof list - o)
                break;
            o += (size_t)w;
            k++;
        }
        return hit(x, EG_R_SENDER_NOT_IN_THREAD, "From \"%s\" vs quoted %s", x->from, list);
    }
    return EG_OK;
}

/* ---------------------------------------------------------------- links and lures */

static eg_status check_links(ctx *x)
{
    eg_status st = EG_OK;
    for (size_t i = 0; i < x->links.n && st == EG_OK; i++) {
        const eg_link *l = &x->links.v[i];
        const char *h = l->host;
        if (!*h)
            continue;
        if (eg_link_host_is_ip(h))
            st = hit(x, EG_R_LINK_IP_HOST, "\"%.150s\" (host \"%s\")", l->url, h);
        if (st == EG_OK && l->port >= 0 && l->port != 80 && l->port != 443)
            st = hit(x, EG_R_LINK_UNUSUAL_PORT, "\"%.150s\" (port %d)", l->url, l->port);
        if (st == EG_OK && strstr(h, "xn--")) {
            char uni[1024];
            if (!eg_domain_to_unicode(h, uni, sizeof uni))
                snprintf(uni, sizeof uni, "(invalid punycode)");
            st = hit(x, EG_R_LINK_PUNYCODE, "host \"%.100s\" shows as \"%.100s\"", h, uni);
        }
        const char *la = NULL;
        if (st == EG_OK && !eg_link_host_is_ip(h) && (la = lookalike_of(x, h)))
            st = hit(x, EG_R_LINK_LOOKALIKE_DOMAIN, "link host \"%s\" vs \"%s\"", h, la);
        const char *ext = eg_link_file_ext(l->url);
        if (st == EG_OK && ext)
            st = hit(x, EG_R_LINK_FILE_DOWNLOAD, "\"%.200s\" (.%s file)", l->url, ext);
        const char *sh = eg_domain_set_match(&x->c->shorteners, h);
        if (st == EG_OK && sh)
            st = hit(x, EG_R_LINK_SHORTENER, "\"%.150s\" (%s)", l->url, sh);
        char shown[256];
        if (st == EG_OK && !x->bulk && l->text && eg_link_text_host(l->text, shown, sizeof shown) &&
            !same_org(shown, h))
            st = hit(x, EG_R_LINK_TEXT_HREF_MISMATCH, "shows \"%.120s\", goes to \"%.120s\"", shown,
                     h);
    }
    return st;
}

static bool has_archive_attachment(const eg_mail_view *v)
{
    static const char *const arc[] = {"zip", "7z", "rar", "lzh", "lha", "gz", "tgz", "cab", NULL};
    for (size_t i = 0; v->attachment_names && i < v->n_attachments; i++) {
        const char *ext = v->attachment_names[i] ? eg_path_ext(v->attachment_names[i]) : "";
        for (size_t k = 0; arc[k]; k++)
            if (!strcasecmp(ext, arc[k]))
                return true;
    }
    return false;
}

static eg_status check_lures(ctx *x)
{
    if (!x->body)
        return EG_OK;
    size_t n = x->ti.has_quote ? x->ti.quote_start : x->body_len;
    bool found[EG_LURE__COUNT];
    const char *phrase[EG_LURE__COUNT];
    /* a kind whose finding needs what the mail lacks (an archive, a link) is not looked for */
    unsigned want = 1u << EG_LURE_ENABLE_MACRO;
    if (has_archive_attachment(x->v))
        want |= 1u << EG_LURE_ARCHIVE_PASSWORD;
    if (x->links.n)
        want |= 1u << EG_LURE_VIEW_LINK;
    eg_lure_scan_kinds(x->body, n, want, found, phrase);
    eg_status st = EG_OK;
    const char *att = x->v->n_attachments && x->v->attachment_names && x->v->attachment_names[0]
                          ? x->v->attachment_names[0]
                          : NULL;
    if (found[EG_LURE_ENABLE_MACRO])
        st = hit(x, EG_R_LURE_ENABLE_MACRO, "text \"%s\" vs %s%.120s", phrase[EG_LURE_ENABLE_MACRO],
                 att ? "attachment " : "no attachment", att ? att : "");
    if (st == EG_OK && found[EG_LURE_ARCHIVE_PASSWORD] && has_archive_attachment(x->v))
        st = hit(x, EG_R_LURE_ARCHIVE_PASSWORD, "text \"%s\" with an archive attached",
                 phrase[EG_LURE_ARCHIVE_PASSWORD]);
    if (st == EG_OK && found[EG_LURE_VIEW_LINK] && x->links.n)
        st = hit(x, EG_R_LURE_VIEW_DOCUMENT_LINK, "text \"%s\" vs link \"%.150s\"",
                 phrase[EG_LURE_VIEW_LINK], x->links.v[0].url);
    return st;
}

/* ---------------------------------------------------------------- driver */

static bool is_bulk(const eg_mail_view *v)
{
    if (v->list_id && *v->list_id)
        return true;
    if (header(v, "List-Id", 0) || header(v, "List-Unsubscribe", 0))
        return true;
    const char *prec = header(v, "Precedence", 0);
    return prec && (eg_memmem_ci(prec, strlen(prec), "bulk", 4) ||
                    eg_memmem_ci(prec, strlen(prec), "list", 4));
}

static eg_status add_rcpts(ctx *x, const eg_addr *a, size_t n)
{
    const char *cat;
    for (size_t i = 0; a && i < n; i++) {
        if (!a[i].domain || !*a[i].domain || category(x->c, a[i].domain, &cat))
            continue; /* a free-mail recipient's domain is nobody's own */
        eg_status st = eg_domain_set_add(&x->rcpt, a[i].domain, strlen(a[i].domain));
        if (st != EG_OK)
            return st == EG_ELIMIT ? EG_OK : st;
    }
    return EG_OK;
}

static eg_status add_env_rcpts(ctx *x, const char *const *rcpts, size_t n)
{
    const char *cat;
    for (size_t i = 0; rcpts && i < n && i < 1000; i++) {
        const char *at = rcpts[i] ? strrchr(rcpts[i], '@') : NULL;
        if (!at)
            continue;
        char dom[EG_DOMAIN_MAX + 1];
        size_t dl = strcspn(at + 1, "> \t");
        if (dl == 0 || dl > EG_DOMAIN_MAX)
            continue;
        memcpy(dom, at + 1, dl);
        dom[dl] = 0;
        eg_ascii_lower(dom);
        if (category(x->c, dom, &cat))
            continue;
        eg_status st = eg_domain_set_add(&x->rcpt, dom, dl);
        if (st != EG_OK)
            return st == EG_ELIMIT ? EG_OK : st;
    }
    return EG_OK;
}

eg_status eg_sender_evaluate(eg_sender_config *c, const eg_mail_view *v, eg_sender_hits *out)
{
    return eg_sender_evaluate_rcpts(c, v, NULL, 0, out);
}

eg_status eg_sender_evaluate_rcpts(eg_sender_config *c, const eg_mail_view *v,
                                   const char *const *rcpts, size_t n_rcpts, eg_sender_hits *out)
{
    if (!c || !v || !out)
        return EG_EINVAL;
    /* on the stack (some KiB): a heap block this size costs the allocator a pass over its free
     * lists on every mail */
    ctx xs = {0}, *x = &xs;
    x->c = c;
    x->v = v;
    x->h = out;
    x->from = v->from.addr && *v->from.addr ? v->from.addr : NULL;
    x->from_dom = v->from.domain ? v->from.domain : (x->from ? eg_sutil_addr_domain(x->from) : "");
    x->display = v->from.display && *v->from.display ? v->from.display : NULL;
    x->bulk = is_bulk(v);
    x->own_from = *x->from_dom && eg_domain_set_match(&c->own, x->from_dom);
    x->partner_from = *x->from_dom && eg_domain_set_match(&c->partners, x->from_dom);
    x->body = v->text && *v->text ? v->text : v->html_text;
    x->body_len = x->body ? strlen(x->body) : 0;
    eg_status st = EG_OK;
    if (!v->outbound) {
        st = add_rcpts(x, v->to, v->n_to);
        if (st == EG_OK)
            st = add_rcpts(x, v->cc, v->n_cc);
        if (st == EG_OK)
            st = add_env_rcpts(x, rcpts, n_rcpts);
    }
    if (st == EG_OK) {
        eg_thread_parse_subject(v->subject, &x->ti);
        st = eg_thread_parse_body(x->body, x->body_len, &x->ti);
    }
    if (st == EG_OK)
        st = eg_links_collect(x->body, x->body_len, v->html, v->html ? strlen(v->html) : 0,
                              &x->links);
    if (st == EG_OK)
        st = check_display(x);
    if (st == EG_OK)
        st = check_known(x);
    if (st == EG_OK)
        st = check_recipient_name(x);
    if (st == EG_OK)
        st = check_headers(x);
    if (st == EG_OK)
        st = check_auth(x);
    if (st == EG_OK)
        st = check_signature(x);
    if (st == EG_OK)
        st = check_org_spoof(x);
    if (st == EG_OK)
        st = check_thread(x);
    if (st == EG_OK)
        st = check_links(x);
    if (st == EG_OK)
        st = check_lures(x);
    eg_thread_info_free(&x->ti);
    eg_links_free(&x->links);
    eg_domain_set_free(&x->rcpt);
    return st;
}

static void free_config(void *p)
{
    eg_sender_config_free(p);
}

static const int config_tag;

static eg_status create_config(const eg_options *opt, void **out)
{
    char err[512] = "";
    eg_sender_config *c = NULL;
    eg_status st = eg_sender_config_new(opt, &c, err, sizeof err);
    if (st != EG_OK)
        eg_log(EG_LOG_WARN, "sender checks skipped: %s", err[0] ? err : "configuration failed");
    *out = c;
    return st;
}

/* private, loopback and link-local addresses name nobody outside */
static bool public_ipv4(const char *ip)
{
    unsigned a = 0, b = 0;
    if (sscanf(ip, "%3u.%3u.", &a, &b) != 2)
        return strchr(ip, ':') != NULL && strncmp(ip, "::1", 4) && strncasecmp(ip, "fe80:", 5);
    return !(a == 10 || a == 127 || a == 0 || (a == 169 && b == 254) ||
             (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168));
}

/* The header indicators, offered to intel like those found in the text: the addresses of From,
 * Reply-To, Return-Path and Sender (a listed address or, through it, its domain) and the sending
 * hosts and addresses of the Received headers. The sender checks compare these; the feeds may
 * list them. */
static void header_iocs(eg_scan *s, const eg_object *msg, const eg_mail_view *v)
{
    const eg_addr *one[] = {&v->from, &v->return_path, &v->sender};
    for (size_t i = 0; i < sizeof one / sizeof *one; i++)
        if (one[i]->addr && one[i]->domain && *one[i]->domain)
            eg_scan_ioc(s, msg, EG_IOC_EMAIL, one[i]->addr, strlen(one[i]->addr));
    for (size_t i = 0; v->reply_to && i < v->n_reply_to && i < 16; i++)
        if (v->reply_to[i].addr && v->reply_to[i].domain && *v->reply_to[i].domain)
            eg_scan_ioc(s, msg, EG_IOC_EMAIL, v->reply_to[i].addr, strlen(v->reply_to[i].addr));
    char host[256], ip[64];
    for (size_t nth = 0; nth < 32; nth++) { /* relays add a few; a mail with hundreds is forged */
        const char *rv = header(v, "Received", nth);
        if (!rv)
            break;
        if (!eg_sutil_received_from(rv, host, sizeof host, ip, sizeof ip))
            continue;
        if (host[0] && strcmp(host, "localhost") && strcmp(host, "localhost.localdomain"))
            eg_scan_ioc(s, msg, EG_IOC_DOMAIN, host, strlen(host));
        if (ip[0] && public_ipv4(ip))
            eg_scan_ioc(s, msg, EG_IOC_IP, ip, strlen(ip));
    }
}

void eg_sender_check(eg_scan *s, const eg_object *msg, const eg_mail_view *v)
{
    header_iocs(s, msg, v);
    /* the lists are read from files once per scanner, not once per mail */
    eg_sender_config *c = eg_scan_shared(s, &config_tag, create_config, free_config);
    if (!c)
        return;
    if (eg_scan_timed_out(s, msg))
        return;
    /* the envelope recipients belong to the top-level message only (Bcc is nowhere else) */
    const eg_scan_input *in = eg_scan_input_of(s);
    bool top = msg && msg->parent < 0;
    eg_sender_hits h = {0};
    eg_status st = eg_sender_evaluate_rcpts(c, v, top && in ? in->rcpts : NULL,
                                            top && in ? in->n_rcpts : 0, &h);
    for (size_t i = 0; i < h.n; i++)
        eg_scan_finding(s, msg, h.v[i].rule, "%s", h.v[i].evidence);
    if (st != EG_OK)
        eg_log(EG_LOG_WARN, "sender checks incomplete: %s", eg_status_str(st));
    eg_sender_hits_free(&h);
}
