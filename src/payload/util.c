/*
 * Small decoding and matching helpers shared by the payload analyzers: base64, UTF-16LE, word
 * search in lower-cased text, token extraction. They allocate only through eg_buf (capped) and
 * never read past the lengths they are given.
 */
#include "payload/payload_int.h"

#include "core/safe.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

eg_status eg_pl_utf16le_to_utf8(const uint8_t *in, size_t len, eg_buf *out)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        unsigned cp = eg_rd16le(in + i);
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < len) {
            unsigned lo = eg_rd16le(in + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char tmp[4];
        size_t n = eg_utf8_encode(cp, tmp);
        eg_status st = eg_buf_append(out, tmp, n);
        if (st != EG_OK)
            return st;
    }
    return EG_OK;
}

bool eg_pl_looks_utf16le(const uint8_t *p, size_t len)
{
    size_t n = len < 512 ? len : 512, odd = 0, zero = 0;
    for (size_t i = 1; i < n; i += 2) {
        odd++;
        if (p[i] == 0)
            zero++;
    }
    return odd >= 2 && zero * 4 >= odd * 3;
}

int eg_pl_text_percent(const uint8_t *p, size_t len)
{
    size_t n = len < 4096 ? len : 4096, good = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r' || c == '\n' || c >= 0x80)
            good++;
    }
    return (int)(good * 100 / n);
}

char *eg_pl_lower_dup(const char *s, size_t len)
{
    char *r = malloc(len + 1);
    if (!r)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        r[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    r[len] = 0;
    return r;
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

size_t eg_pl_find_word(const char *lc, size_t len, size_t from, const char *w)
{
    size_t n = strlen(w);
    while (from < len && n <= len - from) {
        const char *p = memmem(lc + from, len - from, w, n);
        if (!p)
            break;
        size_t at = (size_t)(p - lc);
        bool ok_before = at == 0 || !is_word(lc[at - 1]);
        bool ok_after = at + n >= len || !is_word(lc[at + n]);
        if (ok_before && ok_after)
            return at;
        from = at + 1;
    }
    return (size_t)-1;
}

static bool is_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' || c == '<' ||
           c == '>' || c == '|' || c == '&' || c == '(' || c == ')' || c == ';' || c == ',' || c == '=';
}

void eg_pl_token_at(const char *s, size_t len, size_t pos, size_t *start, size_t *end)
{
    size_t a = pos < len ? pos : len, b = a;
    while (a > 0 && !is_delim(s[a - 1]))
        a--;
    while (b < len && !is_delim(s[b]))
        b++;
    *start = a;
    *end = b;
}

size_t eg_pl_out_cap(const eg_scan *s, size_t max)
{
    uint64_t b = eg_scan_budget(s);
    if (b > max)
        b = max;
    return b ? (size_t)b : 1;
}

eg_status eg_pl_append(eg_buf *b, const void *p, size_t n) { return n ? eg_buf_append(b, p, n) : EG_OK; }

eg_status eg_pl_puts(eg_buf *b, const char *s) { return eg_pl_append(b, s, strlen(s)); }
