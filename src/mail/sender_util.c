/*
 * Text helpers for the sender checks (sender_util.h): address scanning, name keys, hit lists.
 */
#include "mail/sender_util.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "text/width.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool local_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr(".!#$%&'*+/=?^_`{|}~-", c));
}

static bool dom_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

bool eg_sutil_next_addr(const char *s, size_t len, size_t from, char out[EG_ADDR_MAX + 1],
                        size_t *start, size_t *end)
{
    for (size_t i = from; i < len; i++) {
        if (s[i] != '@')
            continue;
        size_t a = i;
        while (a > from && local_char((unsigned char)s[a - 1]) && i - a < 64)
            a--;
        while (a < i && (s[a] == '.' || s[a] == '\'')) /* quotes and dots cannot start it */
            a++;
        size_t b = i + 1;
        while (b < len && dom_char((unsigned char)s[b]) && b - i < 254)
            b++;
        while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
            b--;
        if (a == i || b == i + 1 || !memchr(s + i + 1, '.', b - i - 1))
            continue;
        size_t n = b - a;
        if (n > EG_ADDR_MAX)
            continue;
        memcpy(out, s + a, n);
        out[n] = 0;
        for (size_t k = i - a + 1; k < n; k++)
            if (out[k] >= 'A' && out[k] <= 'Z')
                out[k] = (char)(out[k] + 32);
        *start = a;
        *end = b;
        return true;
    }
    return false;
}

const char *eg_sutil_addr_domain(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at ? at + 1 : "";
}

/* honorifics and titles a Japanese or English writer adds to a name */
static const char *const honorifics[] = {"様", "さん", "殿", "氏", "先生", NULL};

static bool is_sep(const char *p, size_t *n)
{
    switch ((unsigned char)*p) {
    case ' ':
    case '\t':
    case ',':
    case '/':
    case '"':
    case '\'': *n = 1; return true;
    /* the Japanese ones: ・ (E3 83 BB), 、 (E3 80 81), the ideographic space (E3 80 80) */
    case 0xE3:
        if ((p[1] == '\x83' && p[2] == '\xBB') ||
            (p[1] == '\x80' && (p[2] == '\x81' || p[2] == '\x80'))) {
            *n = 3;
            return true;
        }
        return false;
    default: return false;
    }
}

/* skips a bracketed affiliation: (ABC株式会社) （営業部） [Sales] 【総務】 */
static size_t bracket_len(const char *p)
{
    static const char *const pairs[][2] = {
        {"(", ")"}, {"（", "）"}, {"[", "]"}, {"【", "】"}, {"<", ">"}};
    /* only these bytes can open one: （ is EF BC 88, 【 E3 80 90 */
    unsigned char c = (unsigned char)*p;
    if (c != '(' && c != '[' && c != '<' && c != 0xEF && c != 0xE3)
        return 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t ol = strlen(pairs[i][0]);
        if (!strncmp(p, pairs[i][0], ol)) {
            const char *c = strstr(p + ol, pairs[i][1]);
            return c ? (size_t)(c - p) + strlen(pairs[i][1]) : strlen(p);
        }
    }
    return 0;
}

static int cmp_tok(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void eg_sutil_name_key(const char *name, size_t len, eg_name_key *k)
{
    k->ordered[0] = k->sorted[0] = 0;
    if (!name || !len)
        return;
    if (len > 512)
        len = 512;
    size_t nl = 0;
    char *norm = eg_width_normalize(name, len, &nl);
    if (!norm)
        return;
    char toks[16][64];
    size_t nt = 0, tl = 0;
    for (size_t i = 0; i <= nl;) {
        size_t bl = i < nl ? bracket_len(norm + i) : 0, sl = 0;
        if (i == nl || bl || is_sep(norm + i, &sl)) {
            if (tl && nt < 16) {
                toks[nt][tl] = 0;
                nt++;
            }
            tl = 0;
            if (i == nl)
                break;
            i += bl ? bl : sl;
            continue;
        }
        char c = norm[i++];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != '.' && tl + 1 < sizeof toks[0] && nt < 16)
            toks[nt][tl++] = c;
    }
    free(norm);
    /* a trailing honorific, on its own or glued to the last token */
    if (nt) {
        for (size_t h = 0; honorifics[h]; h++) {
            size_t hl = strlen(honorifics[h]), ll = strlen(toks[nt - 1]);
            if (ll >= hl && !strcmp(toks[nt - 1] + ll - hl, honorifics[h])) {
                toks[nt - 1][ll - hl] = 0;
                if (!toks[nt - 1][0])
                    nt--;
                break;
            }
        }
    }
    char *ptr[16];
    size_t o = 0;
    for (size_t i = 0; i < nt; i++) {
        ptr[i] = toks[i];
        size_t l = strlen(toks[i]);
        if (o + l < sizeof k->ordered) {
            memcpy(k->ordered + o, toks[i], l);
            o += l;
        }
    }
    k->ordered[o] = 0;
    qsort(ptr, nt, sizeof ptr[0], cmp_tok);
    o = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t l = strlen(ptr[i]);
        if (o + l < sizeof k->sorted) {
            memcpy(k->sorted + o, ptr[i], l);
            o += l;
        }
    }
    k->sorted[o] = 0;
}

bool eg_sutil_name_equal(const eg_name_key *a, const eg_name_key *b)
{
    if (!a->ordered[0] || !b->ordered[0])
        return false;
    return !strcmp(a->ordered, b->ordered) || !strcmp(a->sorted, b->sorted);
}

eg_status eg_sender_hits_add(eg_sender_hits *h, eg_rule_id rule, const char *fmt, ...)
{
    char raw[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *ev = eg_utf8_sanitize(raw, strlen(raw), 300, false);
    if (!ev)
        return EG_ENOMEM;
    for (size_t i = 0; i < h->n; i++) {
        if (h->v[i].rule == rule && !strcmp(h->v[i].evidence, ev)) {
            free(ev);
            return EG_OK;
        }
    }
    if (h->n >= EG_SENDER_MAX_HITS) {
        free(ev);
        return EG_ELIMIT;
    }
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 8;
        eg_sender_hit *nv = realloc(h->v, nc * sizeof *nv);
        if (!nv) {
            free(ev);
            return EG_ENOMEM;
        }
        h->v = nv;
        h->cap = nc;
    }
    h->v[h->n].rule = rule;
    h->v[h->n].evidence = ev;
    h->n++;
    return EG_OK;
}

bool eg_sender_hits_has(const eg_sender_hits *h, eg_rule_id rule)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].rule == rule)
            return true;
    return false;
}

void eg_sender_hits_free(eg_sender_hits *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i].evidence);
    free(h->v);
    memset(h, 0, sizeof *h);
}

/* ---------------------------------------------------------------- Received */

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* "[203.0.113.5]", "[IPv6:2001:db8::1]": copies the address when it has only address characters */
static bool bracket_ip(const char *p, size_t n, char *ip, size_t ipsz)
{
    if (n >= 5 && !strncasecmp(p, "IPv6:", 5))
        p += 5, n -= 5;
    if (n == 0 || n >= ipsz || n > 45)
        return false;
    bool colon = memchr(p, ':', n) != NULL, dot = memchr(p, '.', n) != NULL;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool hex = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!((c >= '0' && c <= '9') || c == '.' || (colon && (c == ':' || hex))))
            return false; /* IPv4: digits and dots; IPv6: hex digits, colons (and a dotted tail) */
    }
    if (!dot && !colon)
        return false;
    memcpy(ip, p, n);
    ip[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (ip[i] >= 'A' && ip[i] <= 'Z')
            ip[i] = (char)(ip[i] - 'A' + 'a');
    return true;
}

bool eg_sutil_received_from(const char *value, char *host, size_t hostsz, char *ip, size_t ipsz)
{
    if (!value || !host || !ip || hostsz == 0 || ipsz == 0)
        return false;
    host[0] = ip[0] = 0;
    size_t len = strnlen(value, 2048);
    size_t i = 0;
    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    if (len - i < 5 || strncasecmp(value + i, "from", 4) ||
        (value[i + 4] != ' ' && value[i + 4] != '\t'))
        return false;
    i += 5;
    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    size_t hs = i;
    if (i < len && value[i] == '[') {
        size_t e = i + 1;
        while (e < len && value[e] != ']' && e - i < 64)
            e++;
        if (e < len && value[e] == ']')
            bracket_ip(value + i + 1, e - i - 1, ip, ipsz);
        i = e;
    } else {
        while (i < len && host_char(value[i]))
            i++;
        size_t hl = i - hs;
        /* a host name: dotted, not starting or ending with a dot, fits */
        if (hl > 2 && hl < hostsz && memchr(value + hs, '.', hl) && value[hs] != '.' &&
            value[i - 1] != '.') {
            memcpy(host, value + hs, hl);
            host[hl] = 0;
            for (size_t k = 0; k < hl; k++)
                if (host[k] >= 'A' && host[k] <= 'Z')
                    host[k] = (char)(host[k] - 'A' + 'a');
            bool digits_only = true; /* "203.0.113.5" written bare is an address, not a name */
            for (size_t k = 0; k < hl; k++)
                if (!((host[k] >= '0' && host[k] <= '9') || host[k] == '.'))
                    digits_only = false;
            if (digits_only) {
                if (!ip[0] && hl < ipsz)
                    memcpy(ip, host, hl + 1);
                host[0] = 0;
            }
        }
    }
    /* the first bracketed address of the "from" clause, before "by" */
    for (; i < len && !ip[0]; i++) {
        if ((value[i] == ' ' || value[i] == '\t') && i + 3 < len &&
            !strncasecmp(value + i + 1, "by", 2) && (value[i + 3] == ' ' || value[i + 3] == '\t'))
            break;
        if (value[i] == '[') {
            size_t e = i + 1;
            while (e < len && value[e] != ']' && e - i < 64)
                e++;
            if (e < len && value[e] == ']' && bracket_ip(value + i + 1, e - i - 1, ip, ipsz))
                break;
            i = e < len ? e : len;
        }
    }
    return true;
}
