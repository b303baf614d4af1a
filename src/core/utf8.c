/*
 * UTF-8 validation and sanitising. Strict decoding (no overlongs, no surrogates, max U+10FFFF):
 * whatever a hostile file puts in a name or a macro must come out as text that cannot break JSON,
 * a terminal or a log line.
 */
#include "core/utf8.h"

#include "core/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The output is written straight into one allocation sized for the worst case (an invalid
 * byte grows to 3 bytes, a 3-byte bidi control to 8), capped by max_bytes: this runs on every
 * string of every report, so it must not cost a buffer call per character. */
char *eg_utf8_sanitize(const char *s, size_t len, size_t max_bytes, bool keep_newlines)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    size_t room; /* bytes of output allowed before "..." */
    if (len > (SIZE_MAX - 16) / 3)
        return NULL;
    room = 3 * len;
    if (max_bytes && room > max_bytes)
        room = max_bytes;
    char *out = malloc(room + 4); /* + "..." + NUL */
    if (!out)
        return NULL;
    static const char repl[] = "\xEF\xBF\xBD";
    static const char hx[] = "0123456789ABCDEF";
    size_t i = 0, o = 0;
    bool cut = false;
    while (i < len) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F) { /* the common case: a run of printable ASCII, copied whole */
            size_t e = i + 1;
            while (e < len && p[e] >= 0x20 && p[e] < 0x7F)
                e++;
            size_t k = e - i <= room - o ? e - i : room - o;
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
            if (i < e) { /* the next byte would not fit */
                cut = true;
                break;
            }
            continue;
        }
        unsigned cp;
        size_t n = eg_utf8_decode(p + i, len - i, &cp);
        char tmp[8];
        const char *src = tmp;
        size_t tl;
        if (!n) {
            src = repl;
            tl = 3;
            n = 1;
        } else if ((cp < 0x20 && cp != '\t' && !(keep_newlines && cp == '\n')) || cp == 0x7F ||
                   (cp >= 0x80 && cp < 0xA0)) {
            src = repl;
            tl = 3;
        } else if (is_bidi_control(cp)) {
            /* show, do not obey: <U+202E> */
            memcpy(tmp, "<U+", 3);
            tmp[3] = hx[(cp >> 12) & 15];
            tmp[4] = hx[(cp >> 8) & 15];
            tmp[5] = hx[(cp >> 4) & 15];
            tmp[6] = hx[cp & 15];
            tmp[7] = '>';
            tl = 8;
        } else {
            src = (const char *)p + i;
            tl = n;
        }
        if (o + tl > room) {
            cut = true;
            break;
        }
        memcpy(out + o, src, tl);
        o += tl;
        i += n;
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
    return out;
}
