/*
 * Domain sets loaded from the editable lists in data/, the registrable part of a domain, and
 * lookalike comparison (see sender_lists.h). Everything is ASCII-lowered first: mail domains are
 * case-insensitive, and an internationalised name arrives as punycode.
 */
#include "mail/sender_lists.h"

#include "core/strutil.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static char low(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static bool domain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

eg_status eg_domain_set_add(eg_domain_set *set, const char *d, size_t len)
{
    while (len && (*d == '*' || *d == '.')) {
        d++;
        len--;
    }
    while (len && d[len - 1] == '.')
        len--;
    if (len == 0 || len > EG_DOMAIN_MAX)
        return EG_OK;
    if (set->n >= EG_LIST_MAX_ENTRIES)
        return EG_ELIMIT;
    if (set->n == set->cap) {
        size_t nc = set->cap ? set->cap * 2 : 64;
        char **nv = realloc(set->v, nc * sizeof *nv);
        if (!nv)
            return EG_ENOMEM;
        set->v = nv;
        set->cap = nc;
    }
    char *s = eg_strndup(d, len);
    if (!s)
        return EG_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        s[i] = low(s[i]);
        if (!domain_char(s[i])) { /* not a domain: ignore the line rather than match garbage */
            free(s);
            return EG_OK;
        }
    }
    set->v[set->n++] = s;
    set->sorted = false;
    return EG_OK;
}

eg_status eg_domain_set_parse(eg_domain_set *set, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t a = i;
        while (a < e && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
            a++;
        size_t b = a;
        while (b < e && text[b] != ' ' && text[b] != '\t' && text[b] != '\r' && text[b] != '#')
            b++;
        if (b > a && text[a] != '#') {
            eg_status st = eg_domain_set_add(set, text + a, b - a);
            if (st != EG_OK)
                return st;
        }
        i = e + 1;
    }
    return EG_OK;
}

eg_status eg_list_read_file(const char *path, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return EG_EIO;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return EG_EIO;
    }
    size_t want = sb.st_size > (off_t)EG_LIST_MAX_FILE ? EG_LIST_MAX_FILE : (size_t)sb.st_size;
    char *buf = malloc(want + 1);
    if (!buf) {
        fclose(f);
        return EG_ENOMEM;
    }
    size_t n = fread(buf, 1, want, f);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return EG_EIO;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return EG_OK;
}

eg_status eg_domain_set_load(eg_domain_set *set, const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    eg_status st = eg_list_read_file(path, &buf, &n);
    if (st != EG_OK)
        return st;
    st = eg_domain_set_parse(set, buf, n);
    free(buf);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void eg_domain_set_finish(eg_domain_set *set)
{
    if (set->sorted)
        return;
    if (set->n)
        qsort(set->v, set->n, sizeof *set->v, cmp_str);
    size_t w = 0;
    for (size_t r = 0; r < set->n; r++) {
        if (w && !strcmp(set->v[w - 1], set->v[r]))
            free(set->v[r]);
        else
            set->v[w++] = set->v[r];
    }
    set->n = w;
    set->sorted = true;
}

const char *eg_domain_set_match(eg_domain_set *set, const char *domain)
{
    if (!domain || !*domain || !set->n)
        return NULL;
    eg_domain_set_finish(set);
    char d[EG_DOMAIN_MAX + 1];
    size_t len = strlen(domain);
    if (len > EG_DOMAIN_MAX)
        return NULL;
    for (size_t i = 0; i <= len; i++)
        d[i] = low(domain[i]);
    for (const char *p = d; p && *p;) {
        const char *key = p;
        char **hit = bsearch(&key, set->v, set->n, sizeof *set->v, cmp_str);
        if (hit)
            return *hit;
        p = strchr(p, '.');
        if (p)
            p++;
    }
    return NULL;
}

void eg_domain_set_free(eg_domain_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i]);
    free(set->v);
    memset(set, 0, sizeof *set);
}

/* Generic second levels under two-letter country codes: co.jp, ne.jp, com.br, co.uk ... */
static bool generic_second_level(const char *l, size_t n)
{
    static const char *const sl[] = {"co",  "ne",  "or",  "ac",  "go",  "gr",   "ed",  "ad",
                                     "com", "net", "org", "edu", "gov", "ltd",  "plc", "gob",
                                     "mil", "nic", "nom", "int", "biz", "info", NULL};
    for (size_t i = 0; sl[i]; i++)
        if (strlen(sl[i]) == n && !strncmp(sl[i], l, n))
            return true;
    return false;
}

const char *eg_domain_registrable(const char *domain)
{
    if (!domain)
        return NULL;
    size_t len = strlen(domain);
    /* label starts, from the right */
    const char *starts[5];
    size_t k = 0;
    for (size_t i = len; i > 0 && k < 5; i--)
        if (domain[i - 1] == '.')
            starts[k++] = domain + i;
    /* starts[0] = last label, starts[1] = second-to-last ... */
    if (k == 0)
        return domain;
    size_t tld_len = strlen(starts[0]);
    size_t want = 2; /* labels */
    if (tld_len == 2 && k >= 1) {
        const char *sl = k >= 2 ? starts[1] : domain;
        size_t sl_len = (size_t)(starts[0] - 1 - sl);
        if (generic_second_level(sl, sl_len))
            want = 3;
        else if (sl_len == 2 && !strncasecmp(sl, "lg", 2) && !strcasecmp(starts[0], "jp"))
            want = 4; /* city.kyoto.lg.jp: the body is city.kyoto */
    }
    if (k >= want)
        return starts[want - 1];
    return domain;
}

bool eg_domain_same_org(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    return !strcasecmp(eg_domain_registrable(a), eg_domain_registrable(b));
}

/* ---- punycode (RFC 3492, decoding only) ---- */

static unsigned adapt(unsigned delta, unsigned numpoints, bool first)
{
    delta = first ? delta / 700 : delta / 2;
    delta += delta / numpoints;
    unsigned k = 0;
    while (delta > ((36 - 1) * 26) / 2) {
        delta /= 36 - 1;
        k += 36;
    }
    return k + (36 * delta) / (delta + 38);
}

static int digit_of(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0' + 26;
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    return -1;
}

#define PUNY_MAX 64
/* decodes one label body (without "xn--") into code points */
static bool puny_decode(const char *in, size_t len, unsigned *out, size_t *outn)
{
    size_t b = 0;
    for (size_t j = 0; j < len; j++)
        if (in[j] == '-')
            b = j;
    size_t n_out = 0;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)in[j] >= 0x80 || n_out >= PUNY_MAX)
            return false;
        out[n_out++] = (unsigned char)in[j];
    }
    unsigned n = 128, bias = 72;
    unsigned long long i = 0;
    for (size_t in_pos = b > 0 ? b + 1 : 0; in_pos < len;) {
        unsigned long long oldi = i, w = 1;
        for (unsigned k = 36;; k += 36) {
            if (in_pos >= len)
                return false;
            int d = digit_of(in[in_pos++]);
            if (d < 0)
                return false;
            i += (unsigned long long)d * w;
            if (i > 0x10FFFFull * (PUNY_MAX + 1))
                return false;
            unsigned t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if ((unsigned)d < t)
                break;
            w *= 36 - t;
            if (w > 0x10FFFFull * (PUNY_MAX + 1))
                return false;
        }
        bias = adapt((unsigned)(i - oldi), (unsigned)n_out + 1, oldi == 0);
        n += (unsigned)(i / (n_out + 1));
        i %= n_out + 1;
        if (n > 0x10FFFF || n_out >= PUNY_MAX)
            return false;
        memmove(out + i + 1, out + i, (n_out - (size_t)i) * sizeof *out);
        out[i++] = n;
        n_out++;
    }
    *outn = n_out;
    return true;
}

bool eg_domain_to_unicode(const char *domain, char *out, size_t outsz)
{
    size_t o = 0;
    const char *p = domain;
    while (*p) {
        const char *e = strchr(p, '.');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 4 && !strncasecmp(p, "xn--", 4)) {
            unsigned cps[PUNY_MAX];
            size_t ncp = 0;
            if (!puny_decode(p + 4, n - 4, cps, &ncp))
                return false;
            for (size_t j = 0; j < ncp; j++) {
                if (o + 5 > outsz)
                    return false;
                o += eg_utf8_encode(cps[j], out + o);
            }
        } else {
            if (o + n + 1 > outsz)
                return false;
            for (size_t j = 0; j < n; j++)
                out[o++] = low(p[j]);
        }
        if (!e)
            break;
        if (o + 2 > outsz)
            return false;
        out[o++] = '.';
        p = e + 1;
    }
    if (o >= outsz)
        return false;
    out[o] = 0;
    return true;
}

/* ---- lookalikes ---- */

/* ASCII letter that a non-ASCII code point passes for in a domain, or 0 */
static char confusable(unsigned cp)
{
    static const struct {
        unsigned cp;
        char c;
    } t[] = {{0x0430, 'a'}, {0x0435, 'e'}, {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'},
             {0x0443, 'y'}, {0x0445, 'x'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0455, 's'},
             {0x04BB, 'h'}, {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'}, {0x0251, 'a'},
             {0x03BF, 'o'}, {0x03B1, 'a'}, {0x03BD, 'v'}, {0x0131, 'i'}, {0x0261, 'g'},
             {0x00E0, 'a'}, {0x00E1, 'a'}, {0x00E9, 'e'}, {0x00ED, 'i'}, {0x00F3, 'o'},
             {0x00F6, 'o'}, {0x00FC, 'u'}, {0x0578, 'n'}, {0x057D, 'u'}, {0x0D20, 'o'}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].cp == cp)
            return t[i].c;
    return 0;
}

/* The shape a reader sees: homoglyphs folded, so that examp1e.co.jp and exarnple.co.jp both
 * become examlle.co.jp-like strings equal to the real one's skeleton. */
static void skeleton(const char *domain, char *out, size_t outsz)
{
    char uni[EG_DOMAIN_MAX * 4 + 8];
    if (!eg_domain_to_unicode(domain, uni, sizeof uni))
        snprintf(uni, sizeof uni, "%s", domain);
    char tmp[EG_DOMAIN_MAX * 2 + 8];
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)uni;
    size_t len = strlen(uni);
    for (size_t i = 0; i < len && o + 1 < sizeof tmp;) {
        unsigned cp;
        size_t n = eg_utf8_decode(p + i, len - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        i += n;
        char c = cp < 0x80 ? low((char)cp) : confusable(cp);
        if (!c)
            c = '?';
        if (c == '0')
            c = 'o';
        else if (c == '1' || c == 'i')
            c = 'l';
        tmp[o++] = c;
    }
    tmp[o] = 0;
    size_t w = 0;
    for (size_t i = 0; tmp[i] && w + 1 < outsz; i++) {
        if (tmp[i] == 'r' && tmp[i + 1] == 'n') {
            out[w++] = 'm';
            i++;
        } else if (tmp[i] == 'v' && tmp[i + 1] == 'v') {
            out[w++] = 'w';
            i++;
        } else if (tmp[i] == 'c' && tmp[i + 1] == 'l') {
            out[w++] = 'd';
            i++;
        } else {
            out[w++] = tmp[i];
        }
    }
    out[w] = 0;
}

/* Optimal string alignment distance, capped: returns cap+1 when larger. Only the band of cells
 * within cap of the diagonal is computed (a cell outside it is more than cap away), so two
 * 250-character names cost 250 x (2 cap + 1) cells, not 250 x 250. */
size_t eg_domain_edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > EG_DOMAIN_MAX || lb > EG_DOMAIN_MAX)
        return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    const size_t inf = cap + 1; /* stands for any value past cap */
    size_t rows[3][EG_DOMAIN_MAX + 2];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j <= cap ? j : inf;
    for (size_t i = 1; i <= la; i++) {
        size_t lo = i > cap ? i - cap : 1, hi = i + cap < lb ? i + cap : lb;
        cur[lo - 1] = lo == 1 && i <= cap ? i : inf; /* left of the band */
        if (hi + 1 <= lb)
            cur[hi + 1] = inf; /* right of it, read by the next row */
        size_t rowmin = cur[lo - 1];
        for (size_t j = lo; j <= hi; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > cap)
            return cap + 1;
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > cap ? cap + 1 : prev[lb];
}

static size_t first_label_len(const char *d)
{
    const char *dot = strchr(d, '.');
    return dot ? (size_t)(dot - d) : strlen(d);
}

bool eg_domain_lookalike(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return false;
    const char *ra = eg_domain_registrable(a), *rb = eg_domain_registrable(b);
    if (!strcasecmp(ra, rb))
        return false;
    /* b used as a label run inside a: example.co.jp.mail-check.com */
    size_t lb = strlen(rb), la = strlen(a);
    for (const char *p = a; p && *p; p = strchr(p, '.'), p = p ? p + 1 : NULL) {
        if ((size_t)(a + la - p) > lb && !strncasecmp(p, rb, lb) && p[lb] == '.')
            return true;
    }
    /* b's dots turned into hyphens or dropped: example-co-jp.com, examplecojp.net */
    char flat_b[EG_DOMAIN_MAX + 1], flat_a[EG_DOMAIN_MAX + 1];
    size_t fb = 0, fa = 0;
    for (size_t i = 0; rb[i] && fb < EG_DOMAIN_MAX; i++)
        if (rb[i] != '.' && rb[i] != '-')
            flat_b[fb++] = low(rb[i]);
    flat_b[fb] = 0;
    size_t na = first_label_len(ra);
    for (size_t i = 0; i < na && fa < EG_DOMAIN_MAX; i++)
        if (ra[i] != '-')
            flat_a[fa++] = low(ra[i]);
    flat_a[fa] = 0;
    if (strchr(rb, '.') && first_label_len(rb) >= 4 && !strcmp(flat_a, flat_b))
        return true;
    char sa[EG_DOMAIN_MAX * 2 + 8], sb[EG_DOMAIN_MAX * 2 + 8];
    skeleton(ra, sa, sizeof sa);
    skeleton(rb, sb, sizeof sb);
    if (!strcmp(sa, sb))
        return true;
    size_t name_len = first_label_len(rb);
    size_t cap = name_len >= 10 ? 2 : name_len >= 5 ? 1 : 0;
    if (cap == 0)
        return false;
    char la_[EG_DOMAIN_MAX + 1], lb_[EG_DOMAIN_MAX + 1];
    snprintf(la_, sizeof la_, "%s", ra);
    snprintf(lb_, sizeof lb_, "%s", rb);
    eg_ascii_lower(la_);
    eg_ascii_lower(lb_);
    return eg_domain_edit_distance(la_, lb_, cap) <= cap;
}
