/*
 * Header values as a reader sees them: unfolding, RFC 2047 encoded words (B and Q, any charset,
 * adjacent words joined before conversion so that a character split across two words survives),
 * raw ISO-2022-JP escapes and raw 8-bit text (charset guessed), and MIME parameters with RFC 2231
 * continuations, charsets and percent-encoding (plus the common non-standard RFC 2047 words inside
 * quoted parameter values).
 *
 * All conversion goes through the charset layer (charset.h), so CP932 extension characters are
 * kept. Output is UTF-8, capped by the caller. It does not parse addresses or dates.
 */
#ifndef EG_TEXT_HEADER_H
#define EG_TEXT_HEADER_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct eg_header_info {
    bool unknown_charset; /* an encoded word named a charset we could not use */
    bool bad_word;        /* an encoded word was malformed (bad base64, bad bytes) */
    bool raw_8bit;        /* raw 8-bit or ISO-2022-JP bytes outside encoded words */
} eg_header_info;

/* Decodes a raw header value into *out (malloc'd UTF-8, NUL-terminated, at most max_out bytes;
 * 0 = no cap). EG_ELIMIT when cut (the prefix is still returned). info may be NULL. */
eg_status eg_header_decode(const char *raw, size_t len, size_t max_out, char **out,
                           eg_header_info *info);

/* The decoded value of parameter name (ASCII case-insensitive) in a raw Content-Type or
 * Content-Disposition value; NULL when absent or on ENOMEM. RFC 2231 forms (name*, name*0,
 * name*0*) win over the plain one. */
char *eg_header_param(const char *raw, size_t len, const char *name, size_t max_out,
                      eg_header_info *info);

#endif
