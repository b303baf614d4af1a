/*
 * Base64 decoding for hostile text: the standard and the URL-safe alphabets, white space skipped,
 * decoding stops at '=' padding or at the first byte outside the alphabet (reported through
 * *used, so callers can tell "all of it was base64" from "base64 followed by something else").
 * Output goes to a capped eg_buf. Encoding is not needed by the analyzers (OpenSSL's is used in
 * tests).
 */
#ifndef EG_CORE_BASE64_H
#define EG_CORE_BASE64_H

#include "core/buf.h"

/* MIME transfer decoding (RFC 2045 6.8) of a whole part at once: characters outside the
 * standard alphabet are skipped; the first '=' ends the data (a group of two or three digits
 * before it gives its one or two bytes; nothing after it is read); without '=', a group cut short
 * at the end gives nothing. These are the bytes GMime 3.2's decoder gives for the part, which it
 * replaces on the scan's path. out must have room for eg_base64_mime_room(len) bytes; returns how
 * many were written. No allocation, one pass. */
size_t eg_base64_mime_room(size_t len);
size_t eg_base64_decode_mime(const uint8_t *in, size_t len, uint8_t *out);

/* value of one base64 character, -1 when it is not one */
int eg_base64_value(unsigned char c);
/* Appends the decoded bytes to out. *used (may be NULL) receives how many input bytes were
 * consumed, padding included. EG_ELIMIT when out's cap was reached. */
eg_status eg_base64_decode(const char *in, size_t len, eg_buf *out, size_t *used);

#endif
