/*
 * The mail analyzer: one RFC 5322 message (GMime 3) becomes child objects (text parts as UTF-8,
 * HTML parts and their text, attachments, message/rfc822 parts, uuencoded blocks, TNEF) plus
 * findings about the message itself, and password candidates from the subject and every text.
 *
 * The decoded view of the message (eg_mail_view) is handed to the sender and thread checks
 * (sender.h), which never touch GMime.
 */
#ifndef EG_MAIL_MAIL_H
#define EG_MAIL_MAIL_H

#include "scan/scan.h"

/* A mailbox from a header, decoded (RFC 2047, Japanese charsets) and sanitised. */
typedef struct eg_addr {
    char *display; /* may be NULL */
    char *addr;    /* local@domain, lower-cased domain; may be NULL when unparsable */
    char *domain;  /* lower-cased; points into its own allocation */
} eg_addr;

typedef struct eg_header {
    char *name;  /* as written */
    char *value; /* decoded UTF-8, unfolded */
} eg_header;

typedef struct eg_mail_view {
    eg_header *headers; /* in order */
    size_t n_headers;
    eg_addr from;
    eg_addr *reply_to;
    size_t n_reply_to;
    eg_addr sender;      /* Sender: header; addr NULL if absent */
    eg_addr return_path; /* Return-Path or the envelope sender */
    eg_addr *to;
    size_t n_to;
    eg_addr *cc;
    size_t n_cc;
    char *subject;     /* decoded */
    char *message_id;
    char *in_reply_to;
    char *references;
    char *list_id;
    char *date;
    char *text;        /* all text/plain parts, UTF-8, joined by "\n" */
    char *html;        /* all text/html parts, UTF-8, joined */
    char *html_text;   /* the html turned into text */
    size_t n_attachments;
    char **attachment_names; /* decoded names */
    bool outbound;
} eg_mail_view;

eg_status eg_mail_analyze(eg_scan *s, const eg_object *obj);

/* Finds the header by name (ASCII case-insensitive); nth = 0 for the first. */
const char *eg_mail_header(const eg_mail_view *v, const char *name, size_t nth);

#endif
