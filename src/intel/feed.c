/*
 * Feed parsers (see feed.h). One pass over the file: comment lines may carry the CSV header
 * (abuse.ch writes it as "# id,dateadded,url,..."), the first data line decides between a
 * known CSV header and a plain list, and every later line is read in that format. Columns are
 * found by name, never by position, so a feed that adds a column still loads, and one that
 * lost the column we need is refused with a clear message.
 */
#include "intel/feed.h"

#include "intel/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 64
#define SHOWN_WARNINGS 20 /* per kind of warning and file; the rest are counted */

const char *eg_feed_format_name(eg_feed_format f)
{
    switch (f) {
    case EG_FEED_PLAIN: return "plain list";
    case EG_FEED_FEODO: return "Feodo Tracker CSV";
    case EG_FEED_URLHAUS: return "URLhaus CSV";
    case EG_FEED_BAZAAR: return "MalwareBazaar CSV";
    case EG_FEED_MISP: return "MISP CSV";
    default: return "unknown";
    }
}

void eg_feed_limits_default(eg_feed_limits *l)
{
    l->max_bytes = 1ULL << 30; /* 1 GiB: a full MalwareBazaar dump is well under */
    l->max_record = 64 * 1024;
    l->max_entries = 20u * 1000 * 1000;
    l->max_errors = 100;
}

/* Column numbers of what we read; -1 = absent. */
typedef struct {
    int n; /* fields in the header */
    int ip, port, url, sha256, md5, sha1, type, value, to_ids;
    int note1, note2, event;
} colmap;

typedef struct {
    const eg_feed_ctx *c;
    eg_feed_stats *st;
    eg_feed_format fmt;
    colmap m;
    uint32_t line;
    bool stop, limit;
    size_t shown_dups;
    size_t misp_unmatched, misp_noids, cidr;
    char unmatched_types[120];
} parser;

static void diag(parser *p, uint32_t line, bool error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag(parser *p, uint32_t line, bool error, const char *fmt, ...)
{
    if (error) {
        p->st->errors++;
        if (p->st->errors >= p->c->lim->max_errors)
            p->stop = true;
    } else {
        p->st->warnings++;
    }
    if (!p->c->diag)
        return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->c->diag(p->c->ud, p->c->name, line, error, msg);
}

static int col(const eg_csv_field *f, int nf, const char *const *names)
{
    for (int i = 0; i < nf; i++)
        for (const char *const *n = names; *n; n++)
            if (eg_csv_is(&f[i], *n))
                return i;
    return -1;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Recognises a header row; fills p->m and returns the format or EG_FEED_UNKNOWN. */
static eg_feed_format header(parser *p, const eg_csv_field *f, int nf)
{
    colmap m;
    memset(&m, -1, sizeof m);
    m.n = nf;
    m.sha256 = col(f, nf, NAMES("sha256_hash"));
    m.ip = col(f, nf, NAMES("dst_ip", "dstip", "ip_address"));
    m.url = col(f, nf, NAMES("url"));
    m.type = col(f, nf, NAMES("type"));
    m.value = col(f, nf, NAMES("value"));
    eg_feed_format fmt = EG_FEED_UNKNOWN;
    if (m.sha256 >= 0) {
        fmt = EG_FEED_BAZAAR;
        m.md5 = col(f, nf, NAMES("md5_hash"));
        m.sha1 = col(f, nf, NAMES("sha1_hash"));
        m.note1 = col(f, nf, NAMES("signature"));
    } else if (m.ip >= 0) {
        fmt = EG_FEED_FEODO;
        m.port = col(f, nf, NAMES("dst_port", "dstport", "port"));
        m.note1 = col(f, nf, NAMES("malware"));
    } else if (m.url >= 0 && col(f, nf, NAMES("urlhaus_link", "url_status", "threat", "dateadded")) >= 0) {
        fmt = EG_FEED_URLHAUS;
        m.note1 = col(f, nf, NAMES("threat"));
        m.note2 = col(f, nf, NAMES("tags"));
    } else if (m.type >= 0 && m.value >= 0 && col(f, nf, NAMES("uuid", "event_id", "category")) >= 0) {
        fmt = EG_FEED_MISP;
        m.to_ids = col(f, nf, NAMES("to_ids"));
        m.event = col(f, nf, NAMES("event_id"));
        m.note1 = col(f, nf, NAMES("category"));
        m.note2 = col(f, nf, NAMES("comment"));
    }
    if (fmt != EG_FEED_UNKNOWN)
        p->m = m;
    return fmt;
}

static bool field_blank(const eg_csv_field *f)
{
    return f->len == 0 || eg_csv_is(f, "n/a") || eg_csv_is(f, "none") || eg_csv_is(f, "null");
}

static const char *feed_name(const parser *p, uint16_t feed)
{
    if (feed == p->c->feed)
        return p->c->name;
    return feed < p->c->n_names && p->c->names[feed] ? p->c->names[feed] : "another feed";
}

static bool empty_file_hash(const eg_ikey *k)
{
    static const uint8_t e256[4] = {0xe3, 0xb0, 0xc4, 0x42}, e1[4] = {0xda, 0x39, 0xa3, 0xee},
                         e5[4] = {0xd4, 0x1d, 0x8c, 0xd9};
    static const char full256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      full1[] = "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                      full5[] = "d41d8cd98f00b204e9800998ecf8427e";
    const char *full = NULL;
    if (k->kind == EG_IK_SHA256 && !memcmp(k->k + 1, e256, 4))
        full = full256;
    else if (k->kind == EG_IK_SHA1 && !memcmp(k->k + 1, e1, 4))
        full = full1;
    else if (k->kind == EG_IK_MD5 && !memcmp(k->k + 1, e5, 4))
        full = full5;
    if (!full)
        return false;
    eg_ikey e;
    return eg_ikey_make(k->kind, full, strlen(full), &e) && e.len == k->len && !memcmp(e.k, k->k, e.len);
}

/* Adds one key; derived keys (the IP of an IP:port) are not reported as duplicates. */
static eg_status add(parser *p, const eg_ikey *k, const char *note, size_t note_len, bool derived)
{
    if (empty_file_hash(k)) {
        diag(p, p->line, false, "%s of an empty file: ignored (it would match every empty attachment)",
             eg_ikind_name(k->kind));
        return EG_OK;
    }
    bool dup;
    eg_ioc_hit first;
    eg_status st = eg_iocset_add(p->c->set, k, p->c->feed, p->line, note, note_len, &dup, &first);
    if (st == EG_ELIMIT) {
        diag(p, p->line, true, "more than %zu indicators loaded: limit reached", p->c->lim->max_entries);
        p->stop = p->limit = true;
        return st;
    }
    if (st != EG_OK) {
        diag(p, p->line, true, "%s", eg_status_str(st));
        p->stop = true;
        return st;
    }
    if (!dup) {
        p->st->added[k->kind]++;
    } else if (!derived) {
        p->st->duplicates++;
        if (p->shown_dups++ < SHOWN_WARNINGS) {
            char v[80];
            eg_ikey_format(k, v, sizeof v);
            diag(p, p->line, false, "duplicate %s %s (first at %s:%u)", eg_ikind_name(k->kind), v,
                 feed_name(p, first.feed), first.line);
        } else {
            p->st->warnings++;
        }
    }
    return EG_OK;
}

static void bad_value(parser *p, const char *what, const char *v, size_t len)
{
    char ex[80];
    eg_csv_excerpt(v, len, ex, sizeof ex);
    diag(p, p->line, true, "not a valid %s: '%s'", what, ex);
}

static void add_typed(parser *p, eg_ikind kind, const eg_csv_field *f, const char *note, size_t nl,
                      bool required)
{
    eg_ikey k;
    if (field_blank(f)) {
        if (required)
            diag(p, p->line, true, "empty %s field", eg_ikind_name(kind));
        return;
    }
    if (!eg_ikey_make(kind, f->p, f->len, &k)) {
        bad_value(p, eg_ikind_name(kind), f->p, f->len);
        return;
    }
    add(p, &k, note, nl, false);
}

/* "a" or "a (b)" from up to two remark columns. */
static size_t note_of(const parser *p, const eg_csv_field *f, int a, int b, char *out, size_t outsz)
{
    size_t o = 0;
    out[0] = 0;
    if (a >= 0 && !field_blank(&f[a]))
        o = (size_t)snprintf(out, outsz, "%.*s", (int)(f[a].len > 80 ? 80 : f[a].len), f[a].p);
    if (b >= 0 && !field_blank(&f[b]) && o < outsz)
        o += (size_t)snprintf(out + o, outsz - o, o ? " (%.*s)" : "%.*s",
                              (int)(f[b].len > 80 ? 80 : f[b].len), f[b].p);
    return o < outsz ? o : outsz - 1;
}

static void row_feodo(parser *p, const eg_csv_field *f)
{
    char note[200];
    size_t nl = note_of(p, f, p->m.note1, -1, note, sizeof note);
    eg_ikey ip;
    if (field_blank(&f[p->m.ip]) || !eg_ikey_make(EG_IK_IP, f[p->m.ip].p, f[p->m.ip].len, &ip)) {
        bad_value(p, "IP address", f[p->m.ip].p, f[p->m.ip].len);
        return;
    }
    if (p->m.port >= 0 && !field_blank(&f[p->m.port])) {
        char buf[96], ipt[64];
        eg_ikey_format(&ip, ipt, sizeof ipt);
        int n = snprintf(buf, sizeof buf, strchr(ipt, ':') ? "[%s]:%.*s" : "%s:%.*s", ipt,
                         (int)(f[p->m.port].len > 8 ? 8 : f[p->m.port].len), f[p->m.port].p);
        eg_ikey ipp;
        if (!eg_ikey_make(EG_IK_IPPORT, buf, (size_t)n, &ipp)) {
            bad_value(p, "port", f[p->m.port].p, f[p->m.port].len);
            return;
        }
        if (add(p, &ipp, note, nl, false) != EG_OK)
            return;
        add(p, &ip, note, nl, true); /* a C2 address is bad on any port */
        return;
    }
    add(p, &ip, note, nl, false);
}

static void row_urlhaus(parser *p, const eg_csv_field *f)
{
    char note[200];
    size_t nl = note_of(p, f, p->m.note1, p->m.note2, note, sizeof note);
    add_typed(p, EG_IK_URL, &f[p->m.url], note, nl, true);
}

static void row_bazaar(parser *p, const eg_csv_field *f)
{
    char note[200];
    size_t nl = note_of(p, f, p->m.note1, -1, note, sizeof note);
    add_typed(p, EG_IK_SHA256, &f[p->m.sha256], note, nl, true);
    if (p->m.sha1 >= 0)
        add_typed(p, EG_IK_SHA1, &f[p->m.sha1], note, nl, false);
    if (p->m.md5 >= 0)
        add_typed(p, EG_IK_MD5, &f[p->m.md5], note, nl, false);
}

static void remember_type(parser *p, const eg_csv_field *t)
{
    p->misp_unmatched++;
    size_t have = strlen(p->unmatched_types);
    char name[40];
    eg_csv_excerpt(t->p, t->len > 30 ? 30 : t->len, name, sizeof name);
    if (strstr(p->unmatched_types, name) || have + strlen(name) + 3 >= sizeof p->unmatched_types)
        return;
    snprintf(p->unmatched_types + have, sizeof p->unmatched_types - have, "%s%s", have ? ", " : "", name);
}

/* The part after '|' of a composite MISP value ("file.doc|<md5>"). */
static eg_csv_field after_bar(const eg_csv_field *v)
{
    eg_csv_field r = *v;
    const char *b = memchr(v->p, '|', v->len);
    if (b) {
        r.p = b + 1;
        r.len = v->len - (size_t)(b + 1 - v->p);
    }
    return r;
}

static eg_csv_field before_bar(const eg_csv_field *v)
{
    eg_csv_field r = *v;
    const char *b = memchr(v->p, '|', v->len);
    if (b)
        r.len = (size_t)(b - v->p);
    return r;
}

static void row_misp(parser *p, const eg_csv_field *f)
{
    const eg_csv_field *t = &f[p->m.type], *v = &f[p->m.value];
    if (p->m.to_ids >= 0) {
        const eg_csv_field *ti = &f[p->m.to_ids];
        if (eg_csv_is(ti, "0") || eg_csv_is(ti, "false")) {
            p->misp_noids++;
            p->st->skipped++;
            return;
        }
    }
    char note[240];
    size_t nl = 0;
    if (p->m.event >= 0 && !field_blank(&f[p->m.event]))
        nl = (size_t)snprintf(note, sizeof note, "MISP event %.*s ", (int)(f[p->m.event].len > 20 ? 20 : f[p->m.event].len),
                              f[p->m.event].p);
    nl += note_of(p, f, p->m.note1, p->m.note2, note + nl, sizeof note - nl);
    eg_csv_field a = after_bar(v), b = before_bar(v);
    if (eg_csv_is(t, "md5") || eg_csv_is(t, "filename|md5") || eg_csv_is(t, "malware-sample"))
        add_typed(p, EG_IK_MD5, eg_csv_is(t, "md5") ? v : &a, note, nl, true);
    else if (eg_csv_is(t, "sha1") || eg_csv_is(t, "filename|sha1"))
        add_typed(p, EG_IK_SHA1, eg_csv_is(t, "sha1") ? v : &a, note, nl, true);
    else if (eg_csv_is(t, "sha256") || eg_csv_is(t, "filename|sha256"))
        add_typed(p, EG_IK_SHA256, eg_csv_is(t, "sha256") ? v : &a, note, nl, true);
    else if (eg_csv_is(t, "url") || eg_csv_is(t, "link"))
        add_typed(p, EG_IK_URL, v, note, nl, true);
    else if (eg_csv_is(t, "domain") || eg_csv_is(t, "hostname"))
        add_typed(p, EG_IK_DOMAIN, v, note, nl, true);
    else if (eg_csv_is(t, "hostname|port"))
        add_typed(p, EG_IK_DOMAIN, &b, note, nl, true);
    else if (eg_csv_is(t, "domain|ip")) {
        add_typed(p, EG_IK_DOMAIN, &b, note, nl, true);
        add_typed(p, EG_IK_IP, &a, note, nl, true);
    } else if (eg_csv_is(t, "ip-src") || eg_csv_is(t, "ip-dst")) {
        eg_csv_field ipf = *v;
        const char *sl = memchr(v->p, '/', v->len);
        if (sl) {
            size_t pl = v->len - (size_t)(sl + 1 - v->p);
            bool host = (pl == 2 && !memcmp(sl + 1, "32", 2)) || (pl == 3 && !memcmp(sl + 1, "128", 3));
            if (!host) {
                p->cidr++;
                p->st->skipped++;
                return;
            }
            ipf.len = (size_t)(sl - v->p);
        }
        add_typed(p, EG_IK_IP, &ipf, note, nl, true);
    } else if (eg_csv_is(t, "ip-src|port") || eg_csv_is(t, "ip-dst|port")) {
        char buf[96];
        eg_ikey ipp, ip;
        if (!eg_ikey_make(EG_IK_IP, b.p, b.len, &ip)) {
            bad_value(p, "IP address", b.p, b.len);
            return;
        }
        char ipt[64];
        eg_ikey_format(&ip, ipt, sizeof ipt);
        int n = snprintf(buf, sizeof buf, strchr(ipt, ':') ? "[%s]:%.*s" : "%s:%.*s", ipt,
                         (int)(a.len > 8 ? 8 : a.len), a.p);
        if (!eg_ikey_make(EG_IK_IPPORT, buf, (size_t)n, &ipp)) {
            bad_value(p, "port", a.p, a.len);
            return;
        }
        if (add(p, &ipp, note, nl, false) == EG_OK)
            add(p, &ip, note, nl, true);
    } else if (eg_csv_is(t, "email") || eg_csv_is(t, "email-src") || eg_csv_is(t, "email-dst") ||
               eg_csv_is(t, "email-reply-to") || eg_csv_is(t, "whois-registrant-email"))
        add_typed(p, EG_IK_EMAIL, v, note, nl, true);
    else {
        remember_type(p, t);
        p->st->skipped++;
    }
}

static void plain_line(parser *p, const char *s, size_t n)
{
    /* an inline comment starts at '#' preceded by white space */
    for (size_t i = 1; i < n; i++)
        if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
            n = i;
            break;
        }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    const char *ws = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t') {
            ws = s + i;
            break;
        }
    if (ws) {
        /* hosts-file form: "0.0.0.0 evil.example" */
        size_t first = (size_t)(ws - s);
        const char *rest = ws;
        while (rest < s + n && (*rest == ' ' || *rest == '\t'))
            rest++;
        bool sink = (first == 7 && !memcmp(s, "0.0.0.0", 7)) || (first == 9 && !memcmp(s, "127.0.0.1", 9)) ||
                    (first == 2 && !memcmp(s, "::", 2));
        size_t rn = (size_t)(s + n - rest);
        if (!sink || memchr(rest, ' ', rn) || memchr(rest, '\t', rn)) {
            char ex[80];
            eg_csv_excerpt(s, n, ex, sizeof ex);
            diag(p, p->line, true, "more than one value on a line: '%s'", ex);
            return;
        }
        s = rest;
        n = rn;
    }
    eg_ikey k;
    if (!eg_ikey_guess(s, n, &k)) {
        if (memchr(s, ',', n)) {
            char ex[80];
            eg_csv_excerpt(s, n, ex, sizeof ex);
            diag(p, p->line, true, "a comma in a plain list (a CSV file without a known header?): '%s'", ex);
            return;
        }
        bad_value(p, "hash, URL, domain, IP address or mail address", s, n);
        return;
    }
    add(p, &k, NULL, 0, false);
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static void comment_line(parser *p, const char *s, size_t n, char *scratch)
{
    if (p->fmt != EG_FEED_UNKNOWN)
        return;
    while (n && (*s == '#' || *s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (!memchr(s, ',', n))
        return;
    eg_csv_field f[MAX_FIELDS];
    const char *err;
    int nf = eg_csv_split(s, n, scratch, f, MAX_FIELDS, &err);
    if (nf > 1)
        p->fmt = header(p, f, nf);
}

static void data_line(parser *p, const char *s, size_t n, char *scratch)
{
    p->st->records++;
    if (p->fmt == EG_FEED_UNKNOWN || p->fmt == EG_FEED_PLAIN) {
        if (p->fmt == EG_FEED_UNKNOWN && memchr(s, ',', n)) {
            eg_csv_field f[MAX_FIELDS];
            const char *err;
            int nf = eg_csv_split(s, n, scratch, f, MAX_FIELDS, &err);
            if (nf > 1 && (p->fmt = header(p, f, nf)) != EG_FEED_UNKNOWN) {
                p->st->records--; /* the header is not data */
                return;
            }
            eg_ikey k;
            if (eg_ikey_guess(s, n, &k)) { /* a URL with a comma in its path or query */
                p->fmt = EG_FEED_PLAIN;
                plain_line(p, s, n);
                return;
            }
            diag(p, p->line, true,
                 "CSV without a recognised header (expected Feodo Tracker, URLhaus, MalwareBazaar or "
                 "MISP columns)");
            p->stop = true; /* every following line would give the same error */
            return;
        }
        p->fmt = EG_FEED_PLAIN;
        plain_line(p, s, n);
        return;
    }
    eg_csv_field f[MAX_FIELDS];
    const char *err;
    int nf = eg_csv_split(s, n, scratch, f, MAX_FIELDS, &err);
    if (nf < 0) {
        diag(p, p->line, true, "malformed CSV: %s", err);
        return;
    }
    if (nf != p->m.n) {
        diag(p, p->line, true, "%d fields where the header has %d", nf, p->m.n);
        return;
    }
    switch (p->fmt) {
    case EG_FEED_FEODO: row_feodo(p, f); break;
    case EG_FEED_URLHAUS: row_urlhaus(p, f); break;
    case EG_FEED_BAZAAR: row_bazaar(p, f); break;
    case EG_FEED_MISP: row_misp(p, f); break;
    default: break;
    }
}

static void summary_warnings(parser *p)
{
    if (p->shown_dups > SHOWN_WARNINGS)
        diag(p, 0, false, "%zu duplicate indicators in all (%d shown)", p->st->duplicates, SHOWN_WARNINGS);
    if (p->misp_unmatched)
        diag(p, 0, false, "%zu MISP attributes of types that are not matched were skipped (%s)",
             p->misp_unmatched, p->unmatched_types);
    if (p->misp_noids)
        diag(p, 0, false, "%zu MISP attributes with to_ids=0 were skipped", p->misp_noids);
    if (p->cidr)
        diag(p, 0, false, "%zu MISP network ranges (CIDR) were skipped: only single addresses are matched",
             p->cidr);
}

eg_status eg_feed_parse(const eg_feed_ctx *c, const uint8_t *data, size_t len, eg_feed_stats *st)
{
    eg_feed_stats dummy;
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof *st);
    parser p = {.c = c, .st = st};
    char *scratch = malloc(c->lim->max_record + 1);
    if (!scratch)
        return EG_ENOMEM;
    eg_csv r;
    eg_csv_init(&r, data, len, c->lim->max_record);
    const char *rec;
    size_t n;
    bool toolong;
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        r.pos = 3; /* UTF-8 byte order mark from spreadsheet exports */
    while (!p.stop && eg_csv_next(&r, &rec, &n, &p.line, &toolong)) {
        if (toolong) {
            diag(&p, p.line, true, "line longer than %zu bytes", c->lim->max_record);
            continue;
        }
        if (memchr(rec, 0, n)) {
            diag(&p, p.line, true, "binary data (NUL byte): not a text feed");
            p.stop = true;
            break;
        }
        const char *s = rec;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        if (is_blank(s, n))
            continue;
        if (*s == '#' || *s == ';' || (n >= 2 && s[0] == '/' && s[1] == '/'))
            comment_line(&p, s, n, scratch);
        else
            data_line(&p, s, n, scratch);
    }
    free(scratch);
    st->format = p.fmt == EG_FEED_UNKNOWN ? EG_FEED_PLAIN : p.fmt;
    summary_warnings(&p);
    if (p.stop && st->errors >= c->lim->max_errors && c->diag)
        c->diag(c->ud, c->name, 0, true, "too many errors: stopped reading");
    size_t added = 0;
    for (int k = 0; k < EG_IK__COUNT; k++)
        added += st->added[k];
    if (!st->errors && !added && !st->duplicates)
        diag(&p, 0, false, "no indicators in this file");
    if (!st->errors)
        return EG_OK;
    return p.limit ? EG_ELIMIT : EG_EFORMAT;
}

eg_status eg_feed_read_file(const char *path, uint64_t max, uint8_t **out, size_t *len, char *err,
                            size_t errlen)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return EG_EIO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "not a regular file");
        close(fd);
        return EG_EIO;
    }
    if ((uint64_t)sb.st_size > max || (uint64_t)sb.st_size >= SIZE_MAX) {
        snprintf(err, errlen, "file is %llu bytes, larger than the limit of %llu bytes",
                 (unsigned long long)sb.st_size, (unsigned long long)max);
        close(fd);
        return EG_ELIMIT;
    }
    size_t sz = (size_t)sb.st_size, got = 0;
    uint8_t *b = malloc(sz + 1);
    if (!b) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return EG_ENOMEM;
    }
    while (got < sz) {
        ssize_t r = read(fd, b + got, sz - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                break; /* shrank while reading: use what is there */
            snprintf(err, errlen, "read error: %s", strerror(errno));
            free(b);
            close(fd);
            return EG_EIO;
        }
        got += (size_t)r;
    }
    close(fd);
    b[got] = 0;
    *out = b;
    *len = got;
    return EG_OK;
}

eg_status eg_feed_load(const eg_feed_ctx *c, const char *path, eg_feed_stats *st)
{
    uint8_t *data;
    size_t len;
    char err[200];
    eg_status s = eg_feed_read_file(path, c->lim->max_bytes, &data, &len, err, sizeof err);
    if (s != EG_OK) {
        if (st) {
            memset(st, 0, sizeof *st);
            st->errors = 1;
        }
        if (c->diag)
            c->diag(c->ud, c->name, 0, true, err);
        return s;
    }
    s = eg_feed_parse(c, data, len, st);
    free(data);
    return s;
}
