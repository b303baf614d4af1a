/*
 * A light summary of one raw message for batch-level work (pairing an archive mail with its
 * separate password mail): sender, recipients, subject, dates, thread ids, whether it carries
 * attachments, and on request its decoded text. It needs no scan context; the header-only form
 * parses just the header block, so a batch of thousands of mails stays cheap.
 */
#ifndef EG_MAIL_BRIEF_H
#define EG_MAIL_BRIEF_H

#include "emoguard/emoguard.h"

#include <stdint.h>

typedef struct eg_mail_brief {
    char *from;      /* lower-cased address, NULL when absent */
    char **rcpts;    /* To and Cc addresses, lower-cased and sorted */
    size_t n_rcpts;
    char *subject;   /* decoded, "" when absent */
    char *message_id, *in_reply_to, *references; /* raw, may be NULL */
    int64_t date;    /* Unix time; INT64_MIN when absent or unparsable */
    bool has_attachment;
    char *text;      /* plain text and HTML text, only when asked for */
} eg_mail_brief;

eg_status eg_mail_brief_read(const uint8_t *data, size_t len, bool want_text, eg_mail_brief *out);
void eg_mail_brief_free(eg_mail_brief *b);

#endif
