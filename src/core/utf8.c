/*
 * UTF-8 validation and sanitising. Strict decoding (no overlongs, no surrogates, max U+10FFFF):
 * whatever a hostile file puts in a name or a macro must come out as text that cannot break JSON,
 * a terminal or a log line.
 */
#include "core/utf8.h"

#include "core/buf.h"

#include <stdlib.h>
#include <string.h>

size_t eg_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t eg_utf8_encode(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool eg_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = eg_utf8_decode(p + i, len - i, &cp);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

static bool is_bidi_control(unsigned cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
           cp == 0x200F || cp == 0x061C;
}

char *eg_utf8_sanitize(const char *s, size_t len, size_t max_bytes, bool keep_newlines)
{
    eg_buf b;
    eg_buf_init(&b, 0);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    static const char repl[] = "\xEF\xBF\xBD";
    size_t i = 0;
    bool cut = false;
    while (i < len) {
        unsigned cp;
        size_t n = eg_utf8_decode(p + i, len - i, &cp);
        char tmp[16];
        size_t tl;
        if (!n) {
            memcpy(tmp, repl, 3);
            tl = 3;
            n = 1;
        } else if ((cp < 0x20 && cp != '\t' && !(keep_newlines && cp == '\n')) || cp == 0x7F ||
                   (cp >= 0x80 && cp < 0xA0)) {
            memcpy(tmp, repl, 3);
            tl = 3;
        } else if (is_bidi_control(cp)) {
            /* show, do not obey: <U+202E> */
            static const char hx[] = "0123456789ABCDEF";
            memcpy(tmp, "<U+", 3);
            tmp[3] = hx[(cp >> 12) & 15];
            tmp[4] = hx[(cp >> 8) & 15];
            tmp[5] = hx[(cp >> 4) & 15];
            tmp[6] = hx[cp & 15];
            tmp[7] = '>';
            tl = 8;
        } else {
            memcpy(tmp, p + i, n);
            tl = n;
        }
        if (max_bytes && b.len + tl > max_bytes) {
            cut = true;
            break;
        }
        if (eg_buf_append(&b, tmp, tl) != EG_OK) {
            eg_buf_free(&b);
            return NULL;
        }
        i += n;
    }
    if (cut && eg_buf_puts(&b, "...") != EG_OK) {
        eg_buf_free(&b);
        return NULL;
    }
    return eg_buf_steal(&b, NULL);
}
