/*
 * UTF-8 sanitiser. Every string that reaches a report (names, evidence, headers, macro text)
 * passes through eg_utf8_sanitize: invalid sequences become U+FFFD, control characters other
 * than tab become U+FFFD too (so an ESC or a CR cannot rewrite a terminal or a log line), and
 * bidi override characters (U+202A-U+202E, U+2066-U+2069) are shown as <U+202E> so a
 * right-to-left trick is visible instead of active.
 */
#ifndef EG_CORE_UTF8_H
#define EG_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a malloc'd sanitised copy of at most max_bytes of output (0 = unlimited); a cut string
 * ends with "...". keep_newlines keeps \n (for multi-line evidence). NULL only on ENOMEM. */
char *eg_utf8_sanitize(const char *s, size_t len, size_t max_bytes, bool keep_newlines);
bool eg_utf8_valid(const char *s, size_t len);
/* Decodes one code point at s (len bytes left); returns bytes used (0 when invalid). */
/* (inline: it runs once per character of every text the scanner reads) */
static inline size_t eg_utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* kana and kanji: leads E1-EC and EE-EF can be neither overlong nor surrogates, so two
     * continuation bytes are all there is to check */
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && len >= 3 && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80) {
        *cp = ((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
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
/* Appends the UTF-8 encoding of cp to out (at least 4 bytes free); returns bytes written. */
size_t eg_utf8_encode(unsigned cp, char *out);

#endif
