/*
 * Indicator normal forms (see indicator.h). Pure string work on bounded inputs: every function
 * takes a length, writes into a fixed eg_ikey and refuses what does not fit instead of cutting
 * it, so a key never silently stands for a shorter indicator.
 */
#include "intel/indicator.h"

#include "core/sha256.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>

#define URL_MAX 2048

const char *eg_ikind_name(eg_ikind k)
{
    static const char *const n[EG_IK__COUNT] = {"none", "sha256", "sha1", "md5", "url",
                                                "domain", "ip", "ip-port", "email", "note"};
    return (unsigned)k < EG_IK__COUNT ? n[k] : "none";
}

static int hexval(int c)
{
    /* table-free and branch-light: feeds of a million hashes spend their load time here */
    unsigned d = (unsigned)c - '0', l = ((unsigned)c | 0x20) - 'a';
    if (d < 10)
        return (int)d;
    if (l < 6)
        return (int)l + 10;
    return -1;
}

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static void trim(const char **v, size_t *len)
{
    const char *s = *v;
    size_t n = *len;
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    *v = s;
    *len = n;
}

/* Undo the usual defanging ("hxxp", "[.]", "(.)", "[:]", "[@]") into out; false if too long. */
static bool refang(const char *v, size_t len, char *out, size_t outsz, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        char c = v[i];
        size_t skip = 1;
        if (i == 0 && len >= 4 && (v[0] == 'h' || v[0] == 'H') && (v[1] == 'x' || v[1] == 'X') &&
            (v[2] == 'x' || v[2] == 'X') && (v[3] == 'p' || v[3] == 'P')) {
            if (o + 4 > outsz)
                return false;
            memcpy(out + o, "http", 4);
            o += 4;
            i += 4;
            continue;
        }
        if (i + 2 < len && (c == '[' || c == '(') && (v[i + 2] == ']' || v[i + 2] == ')') &&
            (v[i + 1] == '.' || v[i + 1] == ':' || v[i + 1] == '@')) {
            c = v[i + 1];
            skip = 3;
        }
        if (o + 1 > outsz)
            return false;
        out[o++] = c;
        i += skip;
    }
    *outlen = o;
    return true;
}

static bool put(eg_ikey *k, const void *p, size_t n)
{
    if (n > sizeof k->k - k->len)
        return false;
    memcpy(k->k + k->len, p, n);
    k->len += n;
    return true;
}

static void start(eg_ikey *k, eg_ikind kind)
{
    k->kind = kind;
    k->k[0] = (uint8_t)kind;
    k->len = 1;
}

void eg_ikey_digest(eg_ikind kind, const uint8_t *d, size_t n, eg_ikey *out)
{
    start(out, kind);
    put(out, d, n);
}

static bool make_hash(eg_ikind kind, const char *v, size_t len, eg_ikey *out)
{
    size_t want = kind == EG_IK_SHA256 ? 64 : kind == EG_IK_SHA1 ? 40 : 32;
    if (len != want)
        return false;
    uint8_t d[32];
    for (size_t i = 0; i < want / 2; i++) {
        int a = hexval((unsigned char)v[2 * i]), b = hexval((unsigned char)v[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        d[i] = (uint8_t)(a << 4 | b);
    }
    eg_ikey_digest(kind, d, want / 2, out);
    return true;
}

/* Canonical text of an IP address (v4 dotted decimal, v6 RFC 5952 via inet_ntop). */
static bool canon_ip(const char *v, size_t len, char *out, size_t outsz, bool *v6)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return false;
    memcpy(tmp, v, len);
    tmp[len] = 0;
    unsigned char bin[16];
    if (memchr(tmp, ':', len)) {
        if (inet_pton(AF_INET6, tmp, bin) != 1 || !inet_ntop(AF_INET6, bin, out, (socklen_t)outsz))
            return false;
        *v6 = true;
        return true;
    }
    /* IPv4 by hand: inet_pton refuses leading zeros, which feeds do write ("010.001.002.003") */
    unsigned part[4], np = 0, cur = 0, digits = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? tmp[i] : '.';
        if (c >= '0' && c <= '9') {
            cur = cur * 10 + (unsigned)(c - '0');
            if (++digits > 3 || cur > 255)
                return false;
        } else if (c == '.') {
            if (!digits || np == 4)
                return false;
            part[np++] = cur;
            cur = digits = 0;
        } else {
            return false;
        }
    }
    if (np != 4)
        return false;
    snprintf(out, outsz, "%u.%u.%u.%u", part[0], part[1], part[2], part[3]);
    *v6 = false;
    return true;
}

static bool parse_port(const char *p, size_t n, unsigned *port)
{
    unsigned v = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *port = v;
    return true;
}

/* Splits "ip:port" or "[v6]:port". */
static bool make_ipport(const char *v, size_t len, eg_ikey *out)
{
    const char *ip = v, *port;
    size_t iplen, plen;
    if (len && v[0] == '[') {
        const char *rb = memchr(v, ']', len);
        if (!rb || (size_t)(rb - v) + 2 > len || rb[1] != ':')
            return false;
        ip = v + 1;
        iplen = (size_t)(rb - v) - 1;
        port = rb + 2;
    } else {
        const char *c = memrchr(v, ':', len);
        if (!c || memchr(v, ':', (size_t)(c - v)))
            return false; /* bare IPv6 without brackets has no unambiguous port */
        iplen = (size_t)(c - v);
        port = c + 1;
    }
    plen = len - (size_t)(port - v);
    char canon[64], buf[80];
    bool v6;
    unsigned pn;
    if (!canon_ip(ip, iplen, canon, sizeof canon, &v6) || !parse_port(port, plen, &pn))
        return false;
    int n = snprintf(buf, sizeof buf, v6 ? "[%s]:%u" : "%s:%u", canon, pn);
    start(out, EG_IK_IPPORT);
    return put(out, buf, (size_t)n);
}

static bool make_ip(const char *v, size_t len, eg_ikey *out)
{
    char canon[64];
    bool v6;
    if (len >= 2 && v[0] == '[' && v[len - 1] == ']') {
        v++;
        len -= 2;
    }
    if (!canon_ip(v, len, canon, sizeof canon, &v6))
        return false;
    start(out, EG_IK_IP);
    return put(out, canon, strlen(canon));
}

/* A DNS name: labels of letters, digits, '-' and '_' (or UTF-8 bytes of an IDN), at least two
 * labels, a last label that is not all digits. Writes the lower-case form. */
static bool canon_domain(const char *v, size_t len, char *out, size_t *outlen)
{
    if (len >= 2 && v[0] == '*' && v[1] == '.') {
        v += 2;
        len -= 2;
    }
    if (len && v[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return false;
    size_t lab = 0, dots = 0, last_start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '.') {
            if (lab == 0)
                return false;
            dots++;
            lab = 0;
            last_start = i + 1;
            out[i] = '.';
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c >= 0x80))
            return false;
        if (++lab > 63)
            return false;
        out[i] = lower((char)c);
    }
    if (lab == 0 || dots == 0)
        return false;
    bool digits = true;
    for (size_t i = last_start; i < len; i++)
        if (out[i] < '0' || out[i] > '9')
            digits = false;
    if (digits)
        return false;
    *outlen = len;
    return true;
}

static bool make_domain(const char *v, size_t len, eg_ikey *out)
{
    char d[256];
    size_t n;
    if (!canon_domain(v, len, d, &n))
        return false;
    start(out, EG_IK_DOMAIN);
    return put(out, d, n);
}

static bool make_email(const char *v, size_t len, eg_ikey *out)
{
    if (len > 7 && !strncasecmp(v, "mailto:", 7)) {
        v += 7;
        len -= 7;
    }
    const char *at = memrchr(v, '@', len);
    if (!at)
        return false;
    size_t ll = (size_t)(at - v);
    if (ll == 0 || ll > 64)
        return false;
    for (size_t i = 0; i < ll; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == '@' || c == '<' || c == '>' || c == ',' || c == '"' || c == 0x7f)
            return false;
    }
    char d[256];
    size_t dn;
    if (!canon_domain(at + 1, len - ll - 1, d, &dn))
        return false;
    start(out, EG_IK_EMAIL);
    for (size_t i = 0; i < ll; i++) {
        char c = lower(v[i]);
        put(out, &c, 1);
    }
    put(out, "@", 1);
    return put(out, d, dn);
}

static unsigned default_port(const char *scheme, size_t n)
{
    if (n == 4 && !memcmp(scheme, "http", 4))
        return 80;
    if (n == 5 && !memcmp(scheme, "https", 5))
        return 443;
    if (n == 3 && !memcmp(scheme, "ftp", 3))
        return 21;
    return 0;
}

/* scheme://[userinfo@]host[:port][/path][?query][#fragment] -> scheme://host[:port]/path?query
 * with scheme and host in lower case, the default port and the fragment dropped. */
static bool make_url(const char *v, size_t len, eg_ikey *out)
{
    if (len > URL_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
            return false;
    size_t sl = 0;
    while (sl < len && ((v[sl] >= 'a' && v[sl] <= 'z') || (v[sl] >= 'A' && v[sl] <= 'Z') ||
                        (sl > 0 && ((v[sl] >= '0' && v[sl] <= '9') || v[sl] == '+' || v[sl] == '-' ||
                                    v[sl] == '.'))))
        sl++;
    if (sl == 0 || sl > 16 || len - sl < 3 || memcmp(v + sl, "://", 3))
        return false;
    char scheme[17];
    for (size_t i = 0; i < sl; i++)
        scheme[i] = lower(v[i]);
    const char *a = v + sl + 3, *end = v + len;
    const char *ae = a;
    while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
        ae++;
    const char *at = memrchr(a, '@', (size_t)(ae - a));
    const char *h = at ? at + 1 : a;
    const char *he, *portp = NULL;
    if (h < ae && *h == '[') {
        const char *rb = memchr(h, ']', (size_t)(ae - h));
        if (!rb)
            return false;
        he = rb + 1;
        if (he < ae) {
            if (*he != ':')
                return false;
            portp = he + 1;
        }
    } else {
        const char *c = memchr(h, ':', (size_t)(ae - h));
        he = c ? c : ae;
        if (c)
            portp = c + 1;
    }
    unsigned port = 0;
    if (portp && portp < ae && !parse_port(portp, (size_t)(ae - portp), &port))
        return false;
    char host[256];
    size_t hn;
    bool v6 = false;
    if (he > h && (*h == '[' || (h[0] >= '0' && h[0] <= '9' && canon_ip(h, (size_t)(he - h), host, sizeof host, &v6)))) {
        if (*h == '[' && !canon_ip(h + 1, (size_t)(he - h) - 2, host, sizeof host, &v6))
            return false;
        hn = strlen(host);
    } else if (!canon_domain(h, (size_t)(he - h), host, &hn)) {
        /* single-label hosts ("localhost", intranet names) are valid in URLs */
        if (he == h || (size_t)(he - h) > 63 || memchr(h, '.', (size_t)(he - h)))
            return false;
        hn = (size_t)(he - h);
        for (size_t i = 0; i < hn; i++) {
            char c = lower(h[i]);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return false;
            host[i] = c;
        }
    }
    const char *pe = memchr(ae, '#', (size_t)(end - ae));
    if (!pe)
        pe = end;
    start(out, EG_IK_URL);
    put(out, scheme, sl);
    put(out, "://", 3);
    if (v6)
        put(out, "[", 1);
    put(out, host, hn);
    if (v6)
        put(out, "]", 1);
    if (port && port != default_port(scheme, sl)) {
        char pb[8];
        int n = snprintf(pb, sizeof pb, ":%u", port);
        put(out, pb, (size_t)n);
    }
    if (ae == pe || *ae != '/')
        put(out, "/", 1);
    return put(out, ae, (size_t)(pe - ae));
}

bool eg_ikey_make(eg_ikind kind, const char *v, size_t len, eg_ikey *out)
{
    char buf[URL_MAX + 16];
    size_t n;
    trim(&v, &len);
    if (len == 0 || !refang(v, len, buf, sizeof buf, &n))
        return false;
    switch (kind) {
    case EG_IK_SHA256:
    case EG_IK_SHA1:
    case EG_IK_MD5: return make_hash(kind, buf, n, out);
    case EG_IK_URL: return make_url(buf, n, out);
    case EG_IK_DOMAIN: return make_domain(buf, n, out);
    case EG_IK_IP: return make_ip(buf, n, out);
    case EG_IK_IPPORT: return make_ipport(buf, n, out);
    case EG_IK_EMAIL: return make_email(buf, n, out);
    case EG_IK_NOTE:
        start(out, EG_IK_NOTE);
        return put(out, v, len);
    default: return false;
    }
}

bool eg_ikey_guess(const char *v, size_t len, eg_ikey *out)
{
    char buf[URL_MAX + 16];
    size_t n;
    trim(&v, &len);
    if (len == 0 || !refang(v, len, buf, sizeof buf, &n))
        return false;
    if (make_hash(EG_IK_SHA256, buf, n, out) || make_hash(EG_IK_SHA1, buf, n, out) ||
        make_hash(EG_IK_MD5, buf, n, out))
        return true;
    if (memmem(buf, n, "://", 3))
        return make_url(buf, n, out);
    if (memchr(buf, '@', n) && !memchr(buf, '/', n))
        return make_email(buf, n, out);
    if (make_ip(buf, n, out) || make_ipport(buf, n, out) || make_domain(buf, n, out))
        return true;
    /* "host/path" without a scheme, as some lists write download locations */
    const char *sl = memchr(buf, '/', n);
    if (sl && sl > buf) {
        char u[URL_MAX + 32];
        if (n + 7 >= sizeof u)
            return false;
        memcpy(u, "http://", 7);
        memcpy(u + 7, buf, n);
        return make_url(u, n + 7, out);
    }
    return false;
}

void eg_ikey_format(const eg_ikey *key, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    size_t body = key->len ? key->len - 1 : 0;
    if (key->kind == EG_IK_SHA256 || key->kind == EG_IK_SHA1 || key->kind == EG_IK_MD5) {
        char hex[65];
        eg_hex(key->k + 1, body, hex);
        snprintf(out, outsz, "%s", hex);
        return;
    }
    if (body >= outsz)
        body = outsz - 1;
    memcpy(out, key->k + 1, body);
    out[body] = 0;
}

bool eg_ikey_url_host(const eg_ikey *url, char *host, size_t hostsz, bool *is_ip, unsigned *port)
{
    if (url->kind != EG_IK_URL)
        return false;
    const char *s = (const char *)url->k + 1, *end = (const char *)url->k + url->len;
    const char *p = memmem(s, (size_t)(end - s), "://", 3);
    if (!p)
        return false;
    const char *h = p + 3, *he;
    *port = 0;
    if (h < end && *h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb)
            return false;
        h++;
        he = rb;
        *is_ip = true;
        p = rb + 1;
    } else {
        he = h;
        while (he < end && *he != ':' && *he != '/')
            he++;
        p = he;
        char tmp[64];
        bool v6;
        *is_ip = canon_ip(h, (size_t)(he - h), tmp, sizeof tmp, &v6);
    }
    if (p < end && *p == ':') {
        const char *q = p + 1, *qe = q;
        while (qe < end && *qe != '/')
            qe++;
        parse_port(q, (size_t)(qe - q), port);
    }
    size_t n = (size_t)(he - h);
    if (n == 0 || n >= hostsz)
        return false;
    memcpy(host, h, n);
    host[n] = 0;
    return true;
}
