/*
 * Subject prefixes and quoted-thread parsing (thread.h). The body is read line by line; quote
 * markers ("> ", ">>") are stripped before a line is classified, so a header block quoted two
 * levels deep counts like one at the top. A header block needs a From-type line plus another
 * header line within a few lines, so that a sentence starting with "To:" in the new text does
 * not start a quote.
 */
#include "mail/thread.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "mail/sender_util.h"
#include "text/width.h"

#include <stdlib.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define MAX_LINES 20000
#define MENTION_SCAN (256u << 10)

enum { L_NONE = 0, L_FROM, L_RCPT, L_OTHER };

/* ---- subject ---- */

static size_t match_prefix_word(const char *p, int *kind)
{
    static const struct {
        const char *w;
        int fwd;
    } words[] = {{"fwd", 1},  {"fw", 1},   {"re", 0},   {"aw", 0},   {"wg", 1},
                 {"sv", 0},   {"vs", 0},   {"tr", 1},   {"rv", 1},   {"返信", 0},
                 {"転送", 1}, {"回复", 0}, {"答复", 0}, {"转发", 1}, {"antw", 0}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].w);
        if (strncasecmp(p, words[i].w, n))
            continue;
        size_t j = n;
        while (p[j] == ' ')
            j++;
        if (p[j] == '[' || p[j] == '(' || p[j] == '^') { /* RE[2]: Re(3): Re^2: */
            size_t k = j + 1;
            while (p[k] >= '0' && p[k] <= '9' && k - j < 6)
                k++;
            if (k == j + 1)
                continue;
            if (p[j] != '^') {
                if (p[k] != ']' && p[k] != ')')
                    continue;
                k++;
            }
            j = k;
            while (p[j] == ' ')
                j++;
        }
        if (p[j] == ':') {
            *kind = words[i].fwd;
            return j + 1;
        }
    }
    return 0;
}

void eg_thread_parse_subject(const char *subject, eg_thread_info *ti)
{
    ti->n_reply = ti->n_forward = 0;
    ti->prefix[0] = 0;
    ti->subject_rest = 0;
    if (!subject)
        return;
    size_t sl = strlen(subject), nl = 0;
    if (sl > 4096)
        sl = 4096;
    char *s = eg_width_normalize(subject, sl, &nl);
    if (!s)
        return;
    size_t pos = 0, plen = 0;
    for (int iter = 0; iter < 32; iter++) {
        size_t p = pos;
        while (s[p] == ' ' || s[p] == '\t')
            p++;
        size_t q = p;
        if (s[q] == '[') { /* [list-tag] before the prefix */
            const char *c = strchr(s + q, ']');
            if (!c || c - (s + q) > 64)
                break;
            q = (size_t)(c - s) + 1;
            while (s[q] == ' ')
                q++;
        }
        int kind = 0;
        size_t m = match_prefix_word(s + q, &kind);
        if (!m)
            break;
        if (kind)
            ti->n_forward++;
        else
            ti->n_reply++;
        if (plen + m + 2 < sizeof ti->prefix) {
            if (plen)
                ti->prefix[plen++] = ' ';
            memcpy(ti->prefix + plen, s + q, m);
            plen += m;
            ti->prefix[plen] = 0;
        }
        pos = q + m;
    }
    while (s[pos] == ' ' || s[pos] == '\t')
        pos++;
    /* map back to the original: count code points consumed in the normalised copy */
    size_t cps = 0;
    for (size_t i = 0; i < pos; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cps++;
    size_t o = 0;
    while (o < sl && cps) {
        o++;
        while (o < sl && ((unsigned char)subject[o] & 0xC0) == 0x80)
            o++;
        cps--;
    }
    ti->subject_rest = o;
    free(s);
}

/* ---- body ---- */

typedef struct line {
    size_t start, end; /* raw line */
    size_t cstart;     /* content after quote markers */
    unsigned depth;
    int label;
    size_t vstart; /* header value start */
} line;

static bool ci_starts(const char *p, size_t n, const char *w)
{
    /* the first byte decides for almost every line: compare it before calling out */
    if (!n || ((unsigned char)(p[0] | 0x20) != (unsigned char)(w[0] | 0x20) && p[0] != w[0]))
        return false;
    size_t l = strlen(w);
    return n >= l && !strncasecmp(p, w, l);
}

static const struct {
    const char *w;
    int cls;
} labels[] = {{"from", L_FROM},   {"差出人", L_FROM},    {"送信者", L_FROM},
              {"送信元", L_FROM}, {"発信者", L_FROM},    {"to", L_RCPT},
              {"cc", L_RCPT},     {"宛先", L_RCPT},      {"ｃｃ", L_RCPT},
              {"sent", L_OTHER},  {"date", L_OTHER},     {"subject", L_OTHER},
              {"件名", L_OTHER},  {"送信日時", L_OTHER}, {"日付", L_OTHER},
              {"日時", L_OTHER},  {"reply-to", L_OTHER}, {"返信先", L_OTHER}};

/* For each byte, the labels (bit i for labels[i]) whose first byte it passes in ci_starts' test:
 * a line is compared only with those (built before the first body). */
static uint32_t label_first[256];
_Static_assert(sizeof labels / sizeof labels[0] <= 32, "one bit of label_first per label");
static pthread_once_t label_first_once = PTHREAD_ONCE_INIT;

static void label_first_init(void)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        unsigned char w0 = (unsigned char)labels[i].w[0];
        for (unsigned b = 0; b < 256; b++)
            if ((unsigned char)(b | 0x20) == (unsigned char)(w0 | 0x20) || b == w0)
                label_first[b] |= 1u << i;
    }
}

/* "From:" / "差出人：" at p; returns the label class and sets *val */
static int classify_label(const char *p, size_t n, size_t *val)
{
    size_t skip = 0;
    while (skip < n && p[skip] == '*') /* *From:* in text made from HTML bold */
        skip++;
    uint32_t maybe = skip < n ? label_first[(unsigned char)p[skip]] : 0;
    for (size_t i = 0; maybe && i < sizeof labels / sizeof labels[0]; i++) {
        if (!(maybe & (1u << i)) || !ci_starts(p + skip, n - skip, labels[i].w))
            continue;
        size_t j = skip + strlen(labels[i].w);
        while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '*'))
            j++;
        if (j < n && p[j] == ':')
            j++;
        else if (j + 3 <= n && !memcmp(p + j, "\xEF\xBC\x9A", 3))
            j += 3;
        else
            continue;
        while (j < n && p[j] == '*')
            j++;
        *val = j;
        return labels[i].cls;
    }
    return L_NONE;
}

static bool is_marker(const char *p, size_t n)
{
    static const char *const m[] = {
        "original message",   "forwarded message",    "begin forwarded message",
        "転送メッセージ",     "転送されたメッセージ", "元のメッセージ",
        "original-nachricht", "メッセージ転送",       NULL};
    if (n > 120)
        return false;
    /* every marker says "message" in one language or another: one cheap test per line first */
    if (!eg_memmem_ci(p, n, "essage", 6) &&
        !eg_memmem_ci(p, n, "メッセージ", strlen("メッセージ")) &&
        !eg_memmem_ci(p, n, "nachricht", 9))
        return false;
    for (size_t i = 0; m[i]; i++)
        if (eg_memmem_ci(p, n, m[i], strlen(m[i])))
            return true;
    return false;
}

static size_t rtrim(const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    return n;
}

/* attribution line: returns the length of the text before the "wrote:" part, or 0 */
static size_t wrote_line(const char *p, size_t n)
{
    static const char *const ends[] = {
        "wrote:",        "wrote：",        "さんは書きました:", "さんは書きました：",
        "は書きました:", "は書きました：", "書きました:",       "書きました：",
        "schrieb:",      "a écrit :",      "a écrit:",          NULL};
    n = rtrim(p, n);
    if (n > 400 || n < 2)
        return 0;
    /* every ending, and the Gmail form below, ends in ':' or a full-width '：' (EF BC 9A) */
    if (p[n - 1] != ':' && (unsigned char)p[n - 1] != 0x9A)
        return 0;
    for (size_t i = 0; ends[i]; i++) {
        size_t l = strlen(ends[i]);
        if (n > l && !strncasecmp(p + n - l, ends[i], l))
            return n - l;
    }
    /* Gmail (Japanese): "2024年1月10日(水) 10:00 山田太郎 <yamada@example.co.jp>:" */
    if (n > 2 && (p[n - 1] == ':' || (n > 4 && !memcmp(p + n - 3, "\xEF\xBC\x9A", 3)))) {
        size_t e = p[n - 1] == ':' ? n - 1 : n - 3;
        if (e && p[e - 1] == '>' && memchr(p, '@', e) && memchr(p, '<', e)) {
            for (size_t k = 0; k < e; k++)
                if (p[k] >= '0' && p[k] <= '9')
                    return e;
        }
    }
    return 0;
}

static eg_status add_party(eg_thread_info *ti, const char *name, size_t nlen, const char *addr)
{
    while (nlen && (*name == ' ' || *name == '"' || *name == '\'' || *name == '\t')) {
        name++;
        nlen--;
    }
    while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '"' || name[nlen - 1] == '\'' ||
                    name[nlen - 1] == ',' || name[nlen - 1] == '\t' || name[nlen - 1] == '\r'))
        nlen--;
    if ((!nlen && !addr) || ti->n_parties >= EG_THREAD_MAX_PARTIES)
        return EG_OK;
    for (size_t i = 0; i < ti->n_parties; i++) { /* already known */
        const eg_thread_party *q = &ti->parties[i];
        if (addr && q->addr && !strcmp(q->addr, addr) && (!nlen || q->name))
            return EG_OK;
        if (!addr && !q->addr && q->name && strlen(q->name) == nlen && !memcmp(q->name, name, nlen))
            return EG_OK;
    }
    if (!ti->parties) {
        ti->parties = calloc(EG_THREAD_MAX_PARTIES, sizeof *ti->parties);
        if (!ti->parties)
            return EG_ENOMEM;
    }
    eg_thread_party *np = &ti->parties[ti->n_parties];
    np->name = nlen ? eg_utf8_sanitize(name, nlen, 200, false) : NULL;
    np->addr = addr ? eg_strdup(addr) : NULL;
    if ((nlen && !np->name) || (addr && !np->addr)) {
        free(np->name);
        free(np->addr);
        np->name = np->addr = NULL;
        return EG_ENOMEM;
    }
    ti->n_parties++;
    return EG_OK;
}

/* "Name <addr>; Other, Name <addr2>" or "Name [mailto:addr]" or "Name" */
static eg_status parse_value(eg_thread_info *ti, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && p[e] != ';')
            e++;
        char addr[EG_ADDR_MAX + 1];
        size_t as, ae, from = i;
        unsigned found = 0;
        eg_status st = EG_OK;
        while (from < e && eg_sutil_next_addr(p, e, from, addr, &as, &ae)) {
            size_t nstart = i;
            if (found) { /* later addresses of a comma list: name after the previous one */
                nstart = from;
                while (nstart < as && (p[nstart] == '>' || p[nstart] == ']' || p[nstart] == ',' ||
                                       p[nstart] == ' '))
                    nstart++;
            }
            size_t nend = as;
            /* the name ends at '<', "[mailto:" or '(' before the address */
            for (size_t k = nstart; k < as; k++)
                if (p[k] == '<' || p[k] == '[' || p[k] == '(') {
                    nend = k;
                    break;
                }
            bool bare = nend == as && (as == nstart); /* the address alone */
            st = add_party(ti, p + nstart, bare ? 0 : nend - nstart, addr);
            if (st != EG_OK)
                return st;
            found++;
            from = ae;
        }
        if (!found) {
            st = add_party(ti, p + i, e - i, NULL);
            if (st != EG_OK)
                return st;
        }
        i = e + 1;
    }
    return EG_OK;
}

static bool stop_token(const char *t, size_t n)
{
    static const char *const w[] = {"at", "am", "pm", "on", "に", "午前", "午後", "日", NULL};
    for (size_t i = 0; w[i]; i++)
        if (strlen(w[i]) == n && !strncasecmp(t, w[i], n))
            return true;
    for (size_t i = 0; i < n; i++)
        if ((t[i] >= '0' && t[i] <= '9') || t[i] == ',' || t[i] == ':' || t[i] == '/' ||
            t[i] == ')' || t[i] == '(')
            return true;
    return false;
}

/* the name right before position end: up to 4 tokens, stopping at dates, times and "at" */
static eg_status wrote_party(eg_thread_info *ti, const char *p, size_t n)
{
    char addr[EG_ADDR_MAX + 1];
    size_t as = 0, ae = 0;
    bool has = eg_sutil_next_addr(p, n, 0, addr, &as, &ae);
    size_t end = n;
    if (has) {
        end = as;
        for (size_t k = as; k > 0; k--)
            if (p[k - 1] == '<' || p[k - 1] == '[' || p[k - 1] == '(') {
                end = k - 1;
                break;
            }
    }
    end = rtrim(p, end);
    size_t start = end;
    for (int tok = 0; tok < 4 && start > 0;) {
        size_t te = start;
        while (te > 0 && (p[te - 1] == ' ' || p[te - 1] == '"'))
            te--;
        size_t ts = te;
        while (ts > 0 && p[ts - 1] != ' ' && p[ts - 1] != ',' && p[ts - 1] != '"')
            ts--;
        if (ts == te || stop_token(p + ts, te - ts))
            break;
        start = ts;
        tok++;
    }
    return add_party(ti, p + start, end > start ? end - start : 0, has ? addr : NULL);
}

static bool mentions_attachment(const char *p, size_t n)
{
    static const char *const w[] = {"添付",       "attach",   "<<",   "≪",    ".zip",
                                    ".xls",       ".doc",     ".pdf", ".lzh", ".7z",
                                    "パスワード", "password", NULL};
    for (size_t i = 0; w[i]; i++)
        if (eg_memmem_ci(p, n, w[i], strlen(w[i])))
            return true;
    return false;
}

static size_t split_lines(const char *t, size_t len, line *ls, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        const char *nl = memchr(t + i, '\n', len - i); /* memchr: lines are long, most bytes text */
        size_t e = nl ? (size_t)(nl - t) : len;
        line *l = &ls[n++];
        l->start = i;
        l->end = e;
        size_t c = i;
        unsigned depth = 0;
        while (c < e && (t[c] == '>' || t[c] == ' ' || t[c] == '\t')) {
            if (t[c] == '>')
                depth++;
            c++;
        }
        /* "> " is a quote marker only when it comes first; "　" indents are spaces */
        while (c + 3 <= e && !memcmp(t + c, "\xE3\x80\x80", 3))
            c += 3;
        l->cstart = c;
        l->depth = depth;
        l->vstart = 0;
        l->label = classify_label(t + c, e - c, &l->vstart);
        l->vstart += c;
        i = e + 1;
    }
    return n;
}

eg_status eg_thread_parse_body(const char *text, size_t len, eg_thread_info *ti)
{
    ti->has_quote = false;
    ti->quote_start = len;
    ti->quote_attachment = false;
    if (!text || !len)
        return EG_OK;
    if (len > EG_THREAD_MAX_TEXT)
        len = EG_THREAD_MAX_TEXT;
    size_t want = 1;
    for (const char *q = text; want < MAX_LINES && (q = memchr(q, '\n', len - (size_t)(q - text)));
         q++)
        want++;
    pthread_once(&label_first_once, label_first_init);
    line *ls = malloc(want * sizeof *ls);
    if (!ls)
        return EG_ENOMEM;
    size_t n = split_lines(text, len, ls, want);
    size_t first = n; /* first line of the quoted thread */
    eg_status st = EG_OK;
    /* every forward marker says "message" in one language or another: when the whole text never
     * does, no line needs the per-line marker search */
    bool markers = eg_memmem_ci(text, len, "essage", 6) ||
                   memmem(text, len, "メッセージ", strlen("メッセージ")) ||
                   eg_memmem_ci(text, len, "nachricht", 9);
    for (size_t i = 0; i < n && st == EG_OK; i++) {
        const line *l = &ls[i];
        const char *c = text + l->cstart;
        size_t cn = l->end - l->cstart;
        if (l->depth > 0 && cn > 0 && i < first)
            first = i;
        if (markers && i < first && is_marker(c, cn))
            first = i;
        size_t w = wrote_line(c, cn);
        if (w) {
            if (i < first)
                first = i;
            size_t off = 0;
            if (ci_starts(c, w, "on "))
                off = 3;
            st = wrote_party(ti, c + off, w - off);
            continue;
        }
        if (l->label != L_FROM)
            continue;
        size_t lo = i >= 5 ? i - 5 : 0, hi = i + 6 < n ? i + 6 : n;
        bool block = false;
        for (size_t j = lo; j < hi; j++)
            if (j != i && ls[j].label != L_NONE)
                block = true;
        if (!block)
            continue;
        for (size_t j = lo; j < hi && st == EG_OK; j++) {
            if (ls[j].label != L_NONE && j < first)
                first = j;
            if (ls[j].label == L_FROM || ls[j].label == L_RCPT) {
                st = parse_value(ti, text + ls[j].vstart, ls[j].end - ls[j].vstart);
            }
        }
    }
    if (first < n) {
        ti->has_quote = true;
        ti->quote_start = ls[first].start;
        /* the latest messages of a thread come first; a mention deeper than this says nothing
         * about what this reply brings */
        size_t ql = len - ti->quote_start;
        ti->quote_attachment =
            mentions_attachment(text + ti->quote_start, ql > MENTION_SCAN ? MENTION_SCAN : ql);
    }
    free(ls);
    return st;
}

void eg_thread_info_free(eg_thread_info *ti)
{
    for (size_t i = 0; i < ti->n_parties; i++) {
        free(ti->parties[i].name);
        free(ti->parties[i].addr);
    }
    free(ti->parties);
    ti->parties = NULL;
    ti->n_parties = 0;
}
