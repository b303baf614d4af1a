/*
 * Reading a reply thread the way a person does: the subject's reply and forward prefixes (RE:,
 * Re:, FW:, Fwd:, AW:, WG:, 返信:, 転送:, RE[2]:, stacked and after a [list-tag]), and the quoted
 * conversation in the body: header blocks in the common English and Japanese client formats
 * (From/Sent/To/Cc/Subject, 差出人/送信日時/宛先/件名, forwarded-message blocks), attribution
 * lines ("On ... NAME <addr> wrote:", "... NAME さんは書きました:", Gmail's "... NAME <addr>:")
 * and "> " quoting, turned into the list of quoted correspondents.
 *
 * It also tells where the new text ends and the quoted thread begins, and whether the quoted
 * part mentions attachments (so a reply that brings the first attachment into a thread can be
 * told apart). Pure and bounded: at most EG_THREAD_MAX_TEXT bytes of text are read.
 */
#ifndef EG_MAIL_THREAD_H
#define EG_MAIL_THREAD_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>

#define EG_THREAD_MAX_TEXT (1u << 20)
#define EG_THREAD_MAX_PARTIES 64

typedef struct eg_thread_party {
    char *name; /* as written (sanitised), may be NULL */
    char *addr; /* lower-cased domain, may be NULL */
} eg_thread_party;

typedef struct eg_thread_info {
    /* subject */
    unsigned n_reply;   /* Re:, 返信: ... */
    unsigned n_forward; /* Fw:, Fwd:, 転送: ... */
    char prefix[64];    /* the prefixes as written, e.g. "Re: Re:" (cut) */
    size_t subject_rest; /* offset of the subject after the prefixes */
    /* body */
    bool has_quote;          /* a quoted thread was found */
    size_t quote_start;      /* offset in the text where it begins (text length when none) */
    bool quote_attachment;   /* the quoted part mentions an attachment */
    eg_thread_party *parties;
    size_t n_parties;
} eg_thread_info;

/* Subject prefixes; ti must be zeroed first (or come from a previous call on the same ti). */
void eg_thread_parse_subject(const char *subject, eg_thread_info *ti);
/* Quoted thread of a body text. EG_ENOMEM only; parties past EG_THREAD_MAX_PARTIES are dropped. */
eg_status eg_thread_parse_body(const char *text, size_t len, eg_thread_info *ti);
void eg_thread_info_free(eg_thread_info *ti);

#endif
