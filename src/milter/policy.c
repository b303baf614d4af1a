/*
 * CIDR networks, address-list entries and the RFC 2047 subject tag (see policy.h). The address
 * syntax is left to inet_pton(); this file only adds the prefix, the bracket forms MTAs use and
 * the rule that host bits below the prefix are an error.
 */
#include "milter/policy.h"

#include "core/strutil.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ADDR_TEXT_MAX 64 /* longest textual address we look at ("[IPv6:...]" included) */

static eg_status parse_ip(const char *s, size_t n, eg_cidr *out)
{
    char buf[ADDR_TEXT_MAX];
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n >= 5 && !strncasecmp(s, "IPv6:", 5)) { /* Sendmail writes [IPv6:2001:db8::1] */
        s += 5;
        n -= 5;
    }
    if (n == 0 || n >= sizeof buf)
        return EG_EFORMAT;
    memcpy(buf, s, n);
    buf[n] = 0;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = 4;
        out->bits = 32;
        return EG_OK;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = 6;
        out->bits = 128;
        return EG_OK;
    }
    return EG_EFORMAT;
}

eg_status eg_cidr_parse_addr(const char *s, eg_cidr *out)
{
    if (!s)
        return EG_EFORMAT;
    return parse_ip(s, strlen(s), out);
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full))
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

eg_status eg_cidr_parse(const char *s, eg_cidr *out)
{
    if (!s)
        return EG_EFORMAT;
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    eg_status st = parse_ip(s, n, out);
    if (st != EG_OK || !slash)
        return st;
    const char *p = slash + 1;
    unsigned bits = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
        bits = bits * 10 + (unsigned)(*p - '0');
    unsigned max = out->family == 4 ? 32 : 128;
    if (!digits || *p || bits > max)
        return EG_EFORMAT;
    /* host bits set below the prefix: probably a typo, never a wider net than meant */
    uint8_t host[16];
    memcpy(host, out->addr, sizeof host);
    for (unsigned b = bits; b < max; b++)
        host[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
    if (memcmp(host, out->addr, max / 8))
        return EG_EFORMAT;
    out->bits = (uint8_t)bits;
    return EG_OK;
}

bool eg_cidr_match(const eg_cidr *net, const eg_cidr *addr)
{
    if (!net || !addr)
        return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const uint8_t *a = addr->addr;
    uint8_t fam = addr->family;
    if (fam == 6 && net->family == 4 && !memcmp(a, mapped, sizeof mapped)) {
        a += 12;
        fam = 4;
    }
    return fam == net->family && prefix_equal(net->addr, a, net->bits);
}

bool eg_cidr_list_match(const eg_cidr_list *l, const eg_cidr *addr)
{
    for (size_t i = 0; l && addr && i < l->n; i++)
        if (eg_cidr_match(&l->v[i], addr))
            return true;
    return false;
}

void eg_cidr_addr_str(const eg_cidr *a, char *out, size_t outlen)
{
    if (!outlen)
        return;
    out[0] = 0;
    if (!a || !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, out, (socklen_t)outlen))
        snprintf(out, outlen, "?");
}

/* The address without brackets, spaces and a trailing dot: start and length. */
static const char *bare(const char *addr, size_t *len)
{
    while (*addr == '<' || *addr == ' ')
        addr++;
    size_t n = strcspn(addr, ">");
    while (n && (addr[n - 1] == ' ' || addr[n - 1] == '.'))
        n--;
    *len = n;
    return addr;
}

bool eg_addr_entry_match(const char *entry, const char *addr)
{
    if (!entry || !addr || !*entry)
        return false;
    size_t n;
    const char *a = bare(addr, &n);
    const char *at = memchr(a, '@', n);
    size_t el = strlen(entry);
    if (entry[0] != '@' && memchr(entry, '@', el)) /* a whole address */
        return el == n && !strncasecmp(entry, a, n);
    if (!at)
        return false;
    const char *dom = at + 1;
    size_t dl = n - (size_t)(dom - a);
    if (entry[0] == '@') {
        entry++;
        el--;
    }
    if (entry[0] == '.') { /* the domain and its subdomains */
        if (dl == el - 1 && !strncasecmp(dom, entry + 1, dl))
            return true;
        return dl > el && !strncasecmp(dom + dl - el, entry, el);
    }
    return dl == el && !strncasecmp(dom, entry, el);
}

static bool is_ascii_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Length of the UTF-8 character starting at s (1 for a stray byte: the configuration has checked
 * the tag, this only keeps a split from running past the end). */
static size_t char_len(const unsigned char *s, size_t left)
{
    size_t n = *s < 0x80 ? 1 : *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
    return n <= left ? n : left;
}

/* Standard base64 with padding of n bytes into o (room for 4*ceil(n/3)+1); returns the end. */
static char *b64(char *o, const unsigned char *s, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? s[i + 2] : 0);
        *o++ = al[v >> 18 & 63];
        *o++ = al[v >> 12 & 63];
        *o++ = i + 1 < n ? al[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? al[v & 63] : '=';
    }
    *o = 0;
    return o;
}

#define WORD_BYTES 45 /* 45 bytes -> 60 base64 characters -> a 72-character encoded word */

/* Appends the encoded words for text[0..len) to out (which has room: see the caller). */
static char *encode_words(char *o, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    bool first = true;
    while (i < len) {
        size_t n = 0;
        while (i + n < len) {
            size_t c = char_len(s + i + n, len - i - n);
            if (n + c > WORD_BYTES)
                break;
            n += c;
        }
        if (!n) /* cannot happen with char_len <= 4 < WORD_BYTES; guards the loop */
            n = 1;
        o += sprintf(o, "%s=?UTF-8?B?", first ? "" : " ");
        o = b64(o, s + i, n);
        o += sprintf(o, "?=");
        first = false;
        i += n;
    }
    return o;
}

char *eg_subject_tagged(const char *tag, const char *subject)
{
    if (!tag)
        tag = "";
    const char *old = subject ? subject : "";
    size_t tl = strlen(tag), ol = strlen(old);
    if (is_ascii_text(tag)) {
        size_t n = tl + ol + 2;
        char *s = malloc(n);
        if (s)
            snprintf(s, n, "%s%s%s", tag, subject ? " " : "", old);
        return s;
    }
    /* Whitespace between two encoded words is not shown: when the old subject starts with one,
     * the separating space goes inside the tag's last word. */
    const char *p = old;
    while (*p == ' ' || *p == '\t')
        p++;
    bool glue = subject && !strncmp(p, "=?", 2);
    char *text = malloc(tl + 2);
    if (!text)
        return NULL;
    memcpy(text, tag, tl);
    size_t len = tl;
    if (glue)
        text[len++] = ' ';
    text[len] = 0;
    /* each word: 13 bytes of syntax and separator, 4*ceil(n/3) of base64; at most len words */
    if (len > SIZE_MAX / 32 || ol > SIZE_MAX / 2) {
        free(text);
        return NULL;
    }
    size_t cap = (len + 1) * 17 + (len / 3 + 1) * 4 + ol + 4;
    char *out = malloc(cap);
    char *o = out ? encode_words(out, text, len) : NULL;
    free(text);
    if (!o) {
        free(out);
        return NULL;
    }
    if (subject)
        o += sprintf(o, " %s", old);
    *o = 0;
    return out;
}
