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
size_t eg_utf8_decode(const unsigned char *s, size_t len, unsigned *cp);
/* Appends the UTF-8 encoding of cp to out (at least 4 bytes free); returns bytes written. */
size_t eg_utf8_encode(unsigned cp, char *out);

#endif
