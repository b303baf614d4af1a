/*
 * Exposure check (see exposure.h). Rows are validated whether or not they concern the
 * organisation, so a damaged feed is noticed even when none of its rows would have matched.
 * Accounts are kept in a small open-addressing table by address; the report is sorted once at
 * the end.
 */
#include "intel/exposure.h"

#include "core/strutil.h"
#include "intel/csv.h"
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/iocset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RECORD 8192
#define MAX_ERRORS 100
#define MAX_FILE_BYTES (1ULL << 30)

#define MAX_SOURCES 256
#define MORE_SOURCES "(more sources)"

typedef struct {
    eg_exposure_account pub;
    eg_exposure_source *src;
    size_t n_src, cap_src;
} account;

struct eg_exposure {
    char **domains;
    size_t n_domains;
    account *acc;
    size_t n_acc, cap_acc;
    uint32_t *tab; /* account index + 1 */
    size_t tab_mask;
    eg_iocset *rows_seen; /* exact rows, for duplicate warnings */
    size_t rows, matched;
    bool sorted;
};

static uint64_t strhash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

eg_status eg_exposure_new(const char *const *domains, size_t n_domains, eg_exposure **out)
{
    *out = NULL;
    if (!n_domains)
        return EG_EINVAL;
    eg_exposure *e = calloc(1, sizeof *e);
    if (!e)
        return EG_ENOMEM;
    e->domains = calloc(n_domains, sizeof *e->domains);
    e->tab_mask = 255;
    e->tab = calloc(e->tab_mask + 1, sizeof *e->tab);
    if (!e->domains || !e->tab || eg_iocset_new(0, &e->rows_seen) != EG_OK) {
        eg_exposure_free(e);
        return EG_ENOMEM;
    }
    for (size_t i = 0; i < n_domains; i++) {
        const char *d = domains[i];
        while (*d == '@' || *d == '*' || *d == '.')
            d++;
        eg_ikey k;
        if (!eg_ikey_make(EG_IK_DOMAIN, d, strlen(d), &k)) {
            eg_exposure_free(e);
            return EG_EINVAL;
        }
        char buf[300];
        eg_ikey_format(&k, buf, sizeof buf);
        if (!(e->domains[e->n_domains++] = eg_strdup(buf))) {
            eg_exposure_free(e);
            return EG_ENOMEM;
        }
    }
    *out = e;
    return EG_OK;
}

void eg_exposure_free(eg_exposure *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_domains; i++)
        free(e->domains[i]);
    free(e->domains);
    for (size_t i = 0; i < e->n_acc; i++) {
        account *a = &e->acc[i];
        for (size_t j = 0; j < a->n_src; j++) {
            free((char *)a->src[j].source);
            free((char *)a->src[j].first_seen);
            free((char *)a->src[j].last_seen);
            free((char *)a->src[j].where);
        }
        free(a->src);
        free((char *)a->pub.address);
    }
    free(e->acc);
    free(e->tab);
    eg_iocset_free(e->rows_seen);
    free(e);
}

static bool ours(const eg_exposure *e, const char *addr)
{
    const char *at = strrchr(addr, '@');
    if (!at)
        return false;
    const char *d = at + 1;
    size_t dl = strlen(d);
    for (size_t i = 0; i < e->n_domains; i++) {
        size_t ol = strlen(e->domains[i]);
        if (dl == ol && !strcmp(d, e->domains[i]))
            return true;
        if (dl > ol && d[dl - ol - 1] == '.' && !strcmp(d + dl - ol, e->domains[i]))
            return true;
    }
    return false;
}

static eg_status grow_tab(eg_exposure *e)
{
    size_t nm = (e->tab_mask + 1) * 2 - 1;
    uint32_t *nt = calloc(nm + 1, sizeof *nt);
    if (!nt)
        return EG_ENOMEM;
    for (size_t i = 0; i < e->n_acc; i++) {
        size_t j = strhash(e->acc[i].pub.address) & nm;
        while (nt[j])
            j = (j + 1) & nm;
        nt[j] = (uint32_t)i + 1;
    }
    free(e->tab);
    e->tab = nt;
    e->tab_mask = nm;
    return EG_OK;
}

static account *get_account(eg_exposure *e, const char *addr)
{
    size_t j = strhash(addr) & e->tab_mask;
    while (e->tab[j]) {
        account *a = &e->acc[e->tab[j] - 1];
        if (!strcmp(a->pub.address, addr))
            return a;
        j = (j + 1) & e->tab_mask;
    }
    if (e->n_acc == e->cap_acc) {
        size_t nc = e->cap_acc ? e->cap_acc * 2 : 16;
        account *na = realloc(e->acc, nc * sizeof *na);
        if (!na)
            return NULL;
        e->acc = na;
        e->cap_acc = nc;
    }
    account *a = &e->acc[e->n_acc];
    memset(a, 0, sizeof *a);
    if (!(a->pub.address = eg_strdup(addr)))
        return NULL;
    e->tab[j] = (uint32_t)++e->n_acc;
    e->sorted = false;
    if (e->n_acc * 2 > e->tab_mask && grow_tab(e) != EG_OK)
        return NULL;
    return &e->acc[e->n_acc - 1];
}

static char *dupn(const eg_csv_field *f)
{
    return eg_strndup(f ? f->p : "", f ? f->len : 0);
}

static int cmpf(const char *a, const eg_csv_field *f)
{
    size_t al = strlen(a), n = al < f->len ? al : f->len;
    int c = memcmp(a, f->p, n);
    return c ? c : (al < f->len ? -1 : al > f->len ? 1 : 0);
}

static eg_status add_row(eg_exposure *e, const char *addr, const eg_csv_field *src,
                         const eg_csv_field *first, const eg_csv_field *last, const char *where)
{
    account *a = get_account(e, addr);
    if (!a)
        return EG_ENOMEM;
    static const eg_csv_field none = {"", 0};
    if (!src)
        src = &none;
    eg_exposure_source *s = NULL;
    for (size_t i = 0; i < a->n_src; i++)
        if (!cmpf(a->src[i].source, src))
            s = &a->src[i];
    /* sources per account are kept up to MAX_SOURCES; the rows of any further source are merged
     * into one "(more sources)" entry, so a feed of one address with a million sources cannot
     * make each row a walk over all the others */
    static const eg_csv_field more = {MORE_SOURCES, sizeof MORE_SOURCES - 1};
    if (!s && a->n_src >= MAX_SOURCES) {
        src = &more;
        if (a->n_src > MAX_SOURCES)
            s = &a->src[MAX_SOURCES];
    }
    if (!s) {
        if (a->n_src == a->cap_src) {
            size_t nc = a->cap_src ? a->cap_src * 2 : 4;
            eg_exposure_source *ns = realloc(a->src, nc * sizeof *ns);
            if (!ns)
                return EG_ENOMEM;
            a->src = ns;
            a->cap_src = nc;
        }
        s = &a->src[a->n_src];
        memset(s, 0, sizeof *s);
        s->source = dupn(src);
        s->first_seen = dupn(first);
        s->last_seen = dupn(last);
        s->where = eg_strdup(where);
        if (!s->source || !s->first_seen || !s->last_seen || !s->where)
            return EG_ENOMEM;
        a->n_src++;
    } else {
        /* ISO dates compare as strings; an unknown date never replaces a known one */
        if (first && first->len && (!s->first_seen[0] || cmpf(s->first_seen, first) > 0)) {
            free((char *)s->first_seen);
            if (!(s->first_seen = dupn(first)))
                return EG_ENOMEM;
        }
        if (last && last->len && cmpf(s->last_seen, last) < 0) {
            free((char *)s->last_seen);
            if (!(s->last_seen = dupn(last)))
                return EG_ENOMEM;
        }
    }
    s->rows++;
    a->pub.sources = a->src;
    a->pub.n_sources = a->n_src;
    return EG_OK;
}

static int two_digits(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* a calendar date: month 1-12, day within that month (leap years counted) */
static bool real_day(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap ? 1 : 0);
}

/* " HH:MM[:SS[.fff]]" or "THH:MM..." followed by an optional zone (Z, UTC, +09:00, +0900) */
static bool valid_time(const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (p[0] != 'T' && p[0] != ' ')
        return false;
    p++, n--;
    if (n < 5 || !all_digits(p, 2) || p[2] != ':' || !all_digits(p + 3, 2))
        return false;
    if (two_digits(p) > 23 || two_digits(p + 3) > 59)
        return false;
    size_t i = 5;
    if (i < n && p[i] == ':') {
        if (n - i < 3 || !all_digits(p + i + 1, 2) || two_digits(p + i + 1) > 60) /* leap second */
            return false;
        i += 3;
        if (i < n && p[i] == '.') {
            size_t j = i + 1;
            while (j < n && p[j] >= '0' && p[j] <= '9')
                j++;
            if (j == i + 1)
                return false;
            i = j;
        }
    }
    while (i < n && p[i] == ' ')
        i++;
    const char *z = p + i;
    size_t zl = n - i;
    if (zl == 0 || (zl == 1 && z[0] == 'Z') || (zl == 3 && !memcmp(z, "UTC", 3)))
        return true;
    if (z[0] != '+' && z[0] != '-')
        return false;
    if (zl == 3 && all_digits(z + 1, 2))
        return two_digits(z + 1) <= 14;
    if (zl == 5 && all_digits(z + 1, 4))
        return two_digits(z + 1) <= 14 && two_digits(z + 3) <= 59;
    if (zl == 6 && all_digits(z + 1, 2) && z[3] == ':' && all_digits(z + 4, 2))
        return two_digits(z + 1) <= 14 && two_digits(z + 4) <= 59;
    return false;
}

/* YYYY-MM-DD, optionally followed by a time and zone ("2022-03-01 10:00:00", "...T10:00:00Z").
 * The values are checked, not only the shape: 2022-13-45, 2022-02-30 and T25:99 are refused. */
static bool valid_date(const eg_csv_field *f)
{
    if (f->len == 0)
        return true;
    if (f->len < 10 || f->len > 40)
        return false;
    const char *p = f->p;
    if (!all_digits(p, 4) || p[4] != '-' || !all_digits(p + 5, 2) || p[7] != '-' ||
        !all_digits(p + 8, 2))
        return false;
    int y = two_digits(p) * 100 + two_digits(p + 2);
    if (y < 1900 || !real_day(y, two_digits(p + 5), two_digits(p + 8)))
        return false;
    return valid_time(p + 10, f->len - 10);
}

typedef struct {
    eg_exposure *e;
    const char *name;
    eg_exposure_diag_fn diag;
    void *ud;
    uint32_t line;
    size_t errors;
    int c_addr, c_src, c_first, c_last, n_cols; /* -1 = absent; n_cols 0 = no header */
    bool header_done;
} xparser;

static void xdiag(xparser *p, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void xdiag(xparser *p, bool error, const char *fmt, ...)
{
    if (error)
        p->errors++;
    if (!p->diag)
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->diag(p->ud, p->name, p->line, error, msg);
}

static int find_col(const eg_csv_field *f, int nf, const char *const *names)
{
    for (int i = 0; i < nf; i++)
        for (const char *const *n = names; *n; n++)
            if (eg_csv_is(&f[i], *n))
                return i;
    return -1;
}

#define XNAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static bool try_header(xparser *p, const eg_csv_field *f, int nf)
{
    int a = find_col(
        f, nf, XNAMES("address", "email", "mail", "account", "email_address", "mail_address"));
    if (a < 0)
        return false;
    p->c_addr = a;
    p->c_src = find_col(f, nf, XNAMES("source", "feed", "origin", "dataset"));
    p->c_first =
        find_col(f, nf, XNAMES("first_seen", "firstseen", "first seen", "first_seen_utc", "first"));
    p->c_last =
        find_col(f, nf, XNAMES("last_seen", "lastseen", "last seen", "last_seen_utc", "last"));
    p->n_cols = nf;
    p->header_done = true;
    return true;
}

static void row(xparser *p, const eg_csv_field *f, int nf)
{
    if (!p->header_done) {
        p->header_done = true;
        eg_ikey k;
        if (!eg_ikey_make(EG_IK_EMAIL, f[0].p, f[0].len, &k) && try_header(p, f, nf))
            return;
        p->c_addr = 0;
        p->c_src = 1;
        p->c_first = 2;
        p->c_last = 3;
    }
    if (p->n_cols ? nf != p->n_cols : nf > 4) {
        xdiag(p, true,
              p->n_cols ? "%d fields where the header has %d"
                        : "%d fields; expected address, source, "
                          "first seen, last seen",
              nf, p->n_cols);
        return;
    }
    p->e->rows++;
    const eg_csv_field *src = p->c_src >= 0 && p->c_src < nf ? &f[p->c_src] : NULL;
    const eg_csv_field *first = p->c_first >= 0 && p->c_first < nf ? &f[p->c_first] : NULL;
    const eg_csv_field *last = p->c_last >= 0 && p->c_last < nf ? &f[p->c_last] : NULL;
    eg_ikey k;
    const eg_csv_field *a = &f[p->c_addr];
    if (!eg_ikey_make(EG_IK_EMAIL, a->p, a->len, &k)) {
        char ex[80];
        eg_csv_excerpt(a->p, a->len, ex, sizeof ex);
        xdiag(p, true, "not a mail address: '%s'", ex);
        return;
    }
    if ((first && !valid_date(first)) || (last && !valid_date(last))) {
        xdiag(p, true, "dates must be YYYY-MM-DD (optionally with a time)");
        return;
    }
    char addr[300];
    eg_ikey_format(&k, addr, sizeof addr);
    if (!ours(p->e, addr))
        return;
    p->e->matched++;
    /* exact duplicate rows are reported once */
    char rowkey[1200];
    int n = snprintf(rowkey, sizeof rowkey, "%s\x1f%.*s\x1f%.*s\x1f%.*s", addr,
                     src ? (int)(src->len > 300 ? 300 : src->len) : 0, src ? src->p : "",
                     first ? (int)first->len : 0, first ? first->p : "", last ? (int)last->len : 0,
                     last ? last->p : "");
    eg_ikey rk;
    bool dup = false;
    eg_ioc_hit h;
    if (n > 0 && eg_ikey_make(EG_IK_NOTE, rowkey, (size_t)n, &rk))
        eg_iocset_add(p->e->rows_seen, &rk, 0, p->line, NULL, 0, &dup, &h);
    if (dup) {
        xdiag(p, false, "duplicate row (first at line %u)", h.line);
        return;
    }
    char where[400];
    snprintf(where, sizeof where, "%s:%u", p->name, p->line);
    if (add_row(p->e, addr, src, first, last, where) != EG_OK)
        xdiag(p, true, "out of memory");
}

eg_status eg_exposure_parse(eg_exposure *e, const char *name, const uint8_t *data, size_t len,
                            eg_exposure_diag_fn diag, void *ud)
{
    xparser p = {.e = e,
                 .name = name,
                 .diag = diag,
                 .ud = ud,
                 .c_addr = 0,
                 .c_src = -1,
                 .c_first = -1,
                 .c_last = -1};
    char *scratch = malloc(MAX_RECORD + 1);
    if (!scratch)
        return EG_ENOMEM;
    eg_csv r;
    eg_csv_init(&r, data, len, MAX_RECORD);
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        r.pos = 3;
    const char *rec;
    size_t n;
    bool toolong;
    while (p.errors < MAX_ERRORS && eg_csv_next(&r, &rec, &n, &p.line, &toolong)) {
        if (toolong) {
            xdiag(&p, true, "line longer than %d bytes", MAX_RECORD);
            continue;
        }
        if (memchr(rec, 0, n)) {
            xdiag(&p, true, "binary data (NUL byte): not a CSV file");
            break;
        }
        while (n && (*rec == ' ' || *rec == '\t')) {
            rec++;
            n--;
        }
        if (!n)
            continue;
        eg_csv_field f[16];
        const char *err;
        bool comment = *rec == '#';
        if (comment) {
            while (n && (*rec == '#' || *rec == ' ')) {
                rec++;
                n--;
            }
            if (p.header_done || !memchr(rec, ',', n))
                continue;
        }
        int nf = eg_csv_split(rec, n, scratch, f, 16, &err);
        if (comment) {
            if (nf > 1)
                try_header(&p, f, nf);
            continue;
        }
        if (nf < 0) {
            xdiag(&p, true, "malformed CSV: %s", err);
            continue;
        }
        row(&p, f, nf);
    }
    free(scratch);
    if (p.errors >= MAX_ERRORS)
        xdiag(&p, true, "too many errors: stopped reading");
    return p.errors ? EG_EFORMAT : EG_OK;
}

eg_status eg_exposure_load(eg_exposure *e, const char *path, eg_exposure_diag_fn diag, void *ud)
{
    uint8_t *data;
    size_t len;
    char err[200];
    eg_status st = eg_feed_read_file(path, MAX_FILE_BYTES, &data, &len, err, sizeof err);
    if (st != EG_OK) {
        if (diag)
            diag(ud, path, 0, true, err);
        return st;
    }
    st = eg_exposure_parse(e, path, data, len, diag, ud);
    free(data);
    return st;
}

static int cmp_acc(const void *a, const void *b)
{
    return strcmp(((const account *)a)->pub.address, ((const account *)b)->pub.address);
}

size_t eg_exposure_count(const eg_exposure *e)
{
    return e ? e->n_acc : 0;
}

const eg_exposure_account *eg_exposure_get(const eg_exposure *ce, size_t i)
{
    eg_exposure *e = (eg_exposure *)ce;
    if (!e || i >= e->n_acc)
        return NULL;
    if (!e->sorted) {
        /* the table is not used after reporting starts; rebuild it so later parses still work */
        qsort(e->acc, e->n_acc, sizeof *e->acc, cmp_acc);
        memset(e->tab, 0, (e->tab_mask + 1) * sizeof *e->tab);
        for (size_t j = 0; j < e->n_acc; j++) {
            size_t k = strhash(e->acc[j].pub.address) & e->tab_mask;
            while (e->tab[k])
                k = (k + 1) & e->tab_mask;
            e->tab[k] = (uint32_t)j + 1;
        }
        e->sorted = true;
    }
    return &e->acc[i].pub;
}

void eg_exposure_totals(const eg_exposure *e, size_t *rows, size_t *matched)
{
    *rows = e ? e->rows : 0;
    *matched = e ? e->matched : 0;
}
