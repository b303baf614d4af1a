/*
 * Internal helpers of the mail module (not for other modules): GMime header access, address
 * lists decoded with our charset layer, transfer-decoded part bytes, and the header pre-cut
 * that keeps a 100 MB header line away from GMime.
 */
#ifndef EG_MAIL_MIME_UTIL_H
#define EG_MAIL_MIME_UTIL_H

#include "core/buf.h"
#include "mail/mail.h"

#include <gmime/gmime.h>

#define MAX_HDR_LINE (64u << 10)  /* one physical header line */
#define MAX_HDR_BLOCK (1u << 20)  /* the whole header block */
#define MAX_HDR_VALUE (16u << 10) /* one decoded header value */
#define MAX_MIME_DEPTH 64         /* multipart levels walked */

/* A copy with over-long header lines cut and an over-long header block dropped; NULL (and
 * *cut = false) when nothing needed cutting. *longest: the longest physical header line seen. */
uint8_t *eg_mime_cut_headers(const uint8_t *d, size_t len, size_t *out_len, bool *cut, size_t *longest);

const char *eg_mime_raw_header(GMimeObject *o, const char *name);
/* raw value unfolded, trimmed and sanitised; NULL when absent */
char *eg_mime_trimmed_raw(GMimeObject *o, const char *name);

/* Mailboxes of a raw address header (RFC 2047 display names decoded); *count may be 0. */
eg_addr *eg_mime_addr_list(const char *raw, size_t *count);
void eg_mime_addr_free(eg_addr *a);
void eg_mime_addr_list_free(eg_addr *a, size_t n);

/* Transfer-decoded bytes of a leaf part, malloc'd (never NULL unless ENOMEM). */
uint8_t *eg_mime_part_bytes(GMimePart *part, size_t *n);

/* Appends s to b, after a newline when b is not empty. */
void eg_mime_append_line(eg_buf *b, const char *s, size_t n);

#endif
