/*
 * Indicator extraction: a single forward pass over the text. URLs start at a scheme
 * (http/https/ftp and the defanged hxxp/hxxps) and end at white space, quotes, angle brackets or
 * non-ASCII; defanged "[.]" and "(.)" are restored. Bare IPv4 addresses need four octets in range
 * and no digits or dots around them. Mail addresses need a dotted domain. The same bytes are
 * never reported twice as different kinds (an address inside a URL stays part of the URL).
 */
#include "text/urls.h"

#include "core/buf.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define URL_MAX 2048

static bool url_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '\'' && c != '`' &&
           c != '{' && c != '}' && c != '|' && c != '\\' && c != '^';
}

/* scheme at text[i]? returns its length, sets *defanged */
static size_t scheme_at(const char *t, size_t len, size_t i, bool *defanged)
{
    static const struct {
        const char *s;
        bool def;
    } sch[] = {{"https://", false}, {"http://", false},   {"ftp://", false},  {"hxxps://", true},
               {"hxxp://", true},   {"hxxps[:]//", true}, {"hxxp[:]//", true}};
    /* every scheme's second letter is t or x ("http", "ftp", "hxxp") */
    if (i + 1 >= len || ((t[i + 1] | 0x20) != 't' && (t[i + 1] | 0x20) != 'x'))
        return 0;
    for (size_t k = 0; k < sizeof sch / sizeof sch[0]; k++) {
        size_t n = strlen(sch[k].s);
        if (i + n <= len && !strncasecmp(t + i, sch[k].s, n)) {
            *defanged = sch[k].def;
            return n;
        }
    }
    return 0;
}

/* Is the literal s at t[j] (within len)? t is not NUL-terminated. */
static bool lit_at(const char *t, size_t len, size_t j, const char *s)
{
    size_t n = strlen(s);
    return j <= len && n <= len - j && !memcmp(t + j, s, n);
}

/* Copies a URL, re-fanging, into out; returns its end index in t. */
static size_t take_url(const char *t, size_t len, size_t i, size_t slen, bool defanged, eg_buf *out)
{
    out->len = 0;
    const char *scheme =
        (t[i + 3] == 'p' || t[i + 3] == 'P') && (t[i + 4] == 's' || t[i + 4] == 'S') ? "https://"
        : (t[i] == 'f' || t[i] == 'F')                                               ? "ftp://"
                                                                                     : "http://";
    if (defanged || slen != strlen(scheme))
        eg_buf_puts(out, scheme);
    else
        eg_buf_append(out, t + i, slen);
    size_t j = i + slen;
    while (j < len && out->len < URL_MAX) {
        if (lit_at(t, len, j, "[.]") || lit_at(t, len, j, "(.)")) {
            eg_buf_putc(out, '.');
            j += 3;
            continue;
        }
        if (lit_at(t, len, j, "[dot]")) {
            eg_buf_putc(out, '.');
            j += 5;
            continue;
        }
        if (!url_char((unsigned char)t[j]))
            break;
        eg_buf_putc(out, (uint8_t)t[j]);
        j++;
    }
    /* trailing punctuation belongs to the sentence, not the URL */
    while (out->len > 0 && strchr(".,;:!?)]['(", out->data[out->len - 1]))
        out->len--;
    return j;
}

static bool octet(const char *t, size_t len, size_t *j)
{
    size_t k = *j, v = 0, n = 0;
    while (k < len && isdigit((unsigned char)t[k]) && n < 4) {
        v = v * 10 + (size_t)(t[k] - '0');
        k++;
        n++;
    }
    if (n == 0 || n > 3 || v > 255)
        return false;
    *j = k;
    return true;
}

/* IPv4 (optionally :port) at i; returns end or 0 */
static size_t ip_at(const char *t, size_t len, size_t i, bool *port)
{
    if (i > 0 && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '.'))
        return 0;
    size_t j = i;
    for (int k = 0; k < 4; k++) {
        if (!octet(t, len, &j))
            return 0;
        if (k < 3) {
            if (j >= len || t[j] != '.')
                return 0;
            j++;
        }
    }
    if (j < len && (isalnum((unsigned char)t[j]) ||
                    (t[j] == '.' && j + 1 < len && isdigit((unsigned char)t[j + 1]))))
        return 0;
    *port = false;
    if (j + 1 < len && t[j] == ':' && isdigit((unsigned char)t[j + 1])) {
        size_t k = j + 1, n = 0;
        while (k < len && isdigit((unsigned char)t[k]) && n < 6) {
            k++;
            n++;
        }
        if (n <= 5) {
            *port = true;
            j = k;
        }
    }
    return j;
}

static bool local_char(unsigned char c)
{
    return isalnum(c) || strchr("._%+-!#$&'*/=?^`{|}~", c);
}
static bool dom_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.';
}

/* mail address around the '@' at i; sets [*s, *e) */
static bool addr_at(const char *t, size_t len, size_t i, size_t lo, size_t *s, size_t *e)
{
    size_t a = i;
    while (a > lo && local_char((unsigned char)t[a - 1]) && i - a < 64)
        a--;
    size_t b = i + 1, dots = 0;
    while (b < len && dom_char((unsigned char)t[b]) && b - i < 255) {
        if (t[b] == '.')
            dots++;
        b++;
    }
    while (b > i + 1 && t[b - 1] == '.') {
        b--;
        dots--;
    }
    if (a == i || dots == 0 || b == i + 1)
        return false;
    *s = a;
    *e = b;
    return true;
}

/* Bytes where an indicator can start or hinge: a scheme's first letter, a digit, '@'. */
static const bool cand[256] = {
    ['h'] = true, ['H'] = true, ['f'] = true, ['F'] = true, ['@'] = true,
    ['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true,
    ['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true,
};

/* The first candidate byte at or after i (len when none). Most bytes cannot start anything:
 * eight bytes of UTF-8 multibyte text (no candidate is above 0x7F) are passed in one test,
 * ASCII four table looks at a time, the rest one by one. */
static size_t skip_plain(const char *t, size_t len, size_t i)
{
    const uint64_t high = 0x8080808080808080ull;
    while (len - i >= 8) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        if ((w & high) == high) {
            i += 8;
            continue;
        }
        const unsigned char *u = (const unsigned char *)t + i;
        if (cand[u[0]] | cand[u[1]] | cand[u[2]] | cand[u[3]])
            break;
        i += 4;
    }
    while (i < len && !cand[(unsigned char)t[i]])
        i++;
    return i;
}

size_t eg_urls_extract(const char *t, size_t len,
                       bool (*cb)(void *ud, eg_ioc_kind kind, const char *value, size_t vlen),
                       void *ud)
{
    eg_buf u;
    eg_buf_init(&u, URL_MAX + 16);
    size_t count = 0, lo = 0; /* lo: nothing before it may be reused (inside a URL) */
    for (size_t i = 0; i < len; i++) {
        i = skip_plain(t, len, i);
        if (i >= len)
            break;
        bool def, port;
        size_t sl = (t[i] == 'h' || t[i] == 'H' || t[i] == 'f' || t[i] == 'F')
                        ? scheme_at(t, len, i, &def)
                        : 0;
        if (sl) {
            size_t end = take_url(t, len, i, sl, def, &u);
            if (u.len > sl + 1) {
                count++;
                if (!cb(ud, EG_IOC_URL, (const char *)u.data, u.len))
                    break;
            }
            i = end > i ? end - 1 : i;
            lo = end;
            continue;
        }
        if (isdigit((unsigned char)t[i]) && i >= lo) {
            size_t end = ip_at(t, len, i, &port);
            if (end) {
                count++;
                if (!cb(ud, port ? EG_IOC_IPPORT : EG_IOC_IP, t + i, end - i))
                    break;
                i = end - 1;
                continue;
            }
        }
        if (t[i] == '@' && i >= lo) {
            size_t s, e;
            if (addr_at(t, len, i, lo, &s, &e)) {
                count++;
                if (!cb(ud, EG_IOC_EMAIL, t + s, e - s))
                    break;
                i = e - 1;
                lo = e;
            }
        }
    }
    eg_buf_free(&u);
    return count;
}

bool eg_url_host(const char *url, size_t len, char *out, size_t outsz)
{
    const char *p = memmem(url, len, "://", 3);
    if (!p || outsz == 0)
        return false;
    size_t i = (size_t)(p - url) + 3, start = i, end;
    while (i < len && url[i] != '/' && url[i] != '?' && url[i] != '#')
        i++;
    end = i;
    for (size_t k = start; k < end; k++) /* drop userinfo: user:pass@host */
        if (url[k] == '@')
            start = k + 1;
    size_t hend = end;
    if (start < end && url[start] == '[') { /* IPv6 literal */
        const char *rb = memchr(url + start, ']', end - start);
        hend = rb ? (size_t)(rb - url) + 1 : end;
    } else {
        for (size_t k = start; k < end; k++)
            if (url[k] == ':') {
                hend = k;
                break;
            }
    }
    size_t n = hend - start;
    if (n == 0 || n >= outsz)
        return false;
    for (size_t k = 0; k < n; k++)
        out[k] = (char)tolower((unsigned char)url[start + k]);
    out[n] = 0;
    return true;
}
