/*
 * Mail containers: mbox files (From_ lines, >From unescaping) and Maildir folders, plus the
 * batch-level link between an archive mail and a separate password mail sent shortly after it
 * (same sender, same recipients, subject or thread link), so that the archive can be opened with
 * the second mail's password and the report can say where it came from.
 *
 * Functions over memory; directory walking stays in the front end. eg_mailbox_link_passwords
 * parses headers with GMime, so eg_global_init() must have run.
 */
#ifndef EG_MAIL_MAILBOX_H
#define EG_MAIL_MAILBOX_H

#include "emoguard/emoguard.h"

typedef struct eg_mbox_msg {
    const uint8_t *data; /* points into the mbox buffer, or into owned */
    size_t len;
    uint8_t *owned;      /* malloc'd copy when >From lines were unescaped; free() it */
    size_t line;         /* 1-based line of its From_ line in the mbox */
} eg_mbox_msg;

/* true when the buffer starts like an mbox ("From " separator line) */
bool eg_mbox_detect(const uint8_t *data, size_t len);
/* Splits an mbox. At most max_msgs messages (EG_ELIMIT past that, with the first max_msgs
 * returned). *msgs is malloc'd; free each owned and then the array with eg_mbox_free. */
eg_status eg_mbox_split(const uint8_t *data, size_t len, size_t max_msgs, eg_mbox_msg **msgs, size_t *n);
void eg_mbox_free(eg_mbox_msg *msgs, size_t n);

/* true when dir has cur/ and new/ subfolders */
bool eg_maildir_detect(const char *dir);

/* A password for message `target` found in message `source` of the same batch. */
typedef struct eg_password_link {
    size_t target;
    size_t source;
    char **passwords; /* UTF-8 candidates from the source mail, best first */
    size_t n_passwords;
    char *origin;     /* e.g. "separate mail #3: Subject 「パスワードのお知らせ」" */
} eg_password_link;

/* Looks across a batch of raw messages for separate password mails. *links is malloc'd; free with
 * eg_password_links_free. Bounded: headers only for the pairing, bodies only of the candidates. */
eg_status eg_mailbox_link_passwords(const uint8_t *const *data, const size_t *len, size_t n,
                                    eg_password_link **links, size_t *nlinks);
void eg_password_links_free(eg_password_link *links, size_t n);

#endif
