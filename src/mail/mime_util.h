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

/* What the header pre-cut found and did. */
typedef struct eg_hdr_cut {
    bool copied;           /* a rewritten copy was returned */
    size_t longest;        /* the longest physical header line */
    size_t block;          /* bytes of the header block */
    bool line_cut;         /* a line over MAX_HDR_LINE was cut */
    bool field_cut;        /* a field's folded lines past MAX_HDR_LINE were dropped */
    bool block_cut;        /* fields were dropped to keep the block under its bounds */
    size_t fields_dropped; /* ... how many */
    size_t odd_lines;      /* lines that are neither a field nor a continuation */
    size_t odd_names;      /* field names with bytes outside RFC 5322 ftext (8-bit, control) */
    size_t ctl_bytes;      /* control bytes (NUL, 0x01-0x1F but TAB/CR/LF/ESC/SO/SI, DEL) */
    char odd_name[48];     /* the first odd name or line, raw bytes (sanitise before showing) */
    char ctl_field[48];    /* the first field holding control bytes */
} eg_hdr_cut;

/* A copy of the message GMime can parse as a mail, or NULL (with info->copied false) when the
 * header needs nothing. Over-long lines are cut to MAX_HDR_LINE, one field to MAX_HDR_LINE over
 * all its folded lines; ordinary fields are kept in order up to MAX_HDR_BLOCK, while the MIME
 * structure and address fields (Content-*, MIME-Version, From, To, Subject ...) are kept wherever
 * they stand (within 256 KiB more), so a megabyte of X- headers cannot drop the boundary. Lines
 * GMime would refuse are made parseable: bytes outside ftext in a name become '_', a line that is
 * no field becomes "X-Malformed-Line: ...", control bytes in values become spaces. The body is
 * copied unchanged. */
uint8_t *eg_mime_cut_headers(const uint8_t *d, size_t len, size_t *out_len, eg_hdr_cut *info);

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
