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
    uint8_t *owned; /* malloc'd copy when >From lines were unescaped; free() it */
    size_t line;    /* 1-based line of its From_ line in the mbox */
} eg_mbox_msg;

/* true when the buffer starts like an mbox ("From " separator line) */
bool eg_mbox_detect(const uint8_t *data, size_t len);
/* Splits an mbox. At most max_msgs messages (EG_ELIMIT past that, with the first max_msgs
 * returned). *msgs is malloc'd; free each owned and then the array with eg_mbox_free. */
eg_status eg_mbox_split(const uint8_t *data, size_t len, size_t max_msgs, eg_mbox_msg **msgs,
                        size_t *n);
void eg_mbox_free(eg_mbox_msg *msgs, size_t n);
/* Removes one '>' from every ">From " / ">>From " line in place; returns the new length. */
size_t eg_mbox_unescape(uint8_t *p, size_t n);

/* Streaming mbox splitter: the same messages as eg_mbox_split, found while the file is read in
 * chunks, so an mbox of any size costs one buffer. Only positions are returned; the caller reads
 * a message's bytes when it needs them (and unescapes them when told). A line longer than the
 * buffer is judged by its first bufcap bytes. */
typedef struct eg_mbox_reader eg_mbox_reader;
typedef struct eg_mbox_entry {
    uint64_t off, len; /* the message's bytes in the mbox (From_ line and separator excluded) */
    bool unescape;     /* holds >From lines: pass its bytes through eg_mbox_unescape */
    size_t line;       /* 1-based line of its From_ line */
} eg_mbox_entry;
/* read: like read(2) (0 at the end, -1 on error). bufcap: at least 256. */
eg_mbox_reader *eg_mbox_reader_new(long (*read)(void *ud, uint8_t *buf, size_t n), void *ud,
                                   size_t bufcap);
/* 1: *e is the next message; 0: no more; -1: read error or not an mbox. */
int eg_mbox_reader_next(eg_mbox_reader *r, eg_mbox_entry *e);
void eg_mbox_reader_free(eg_mbox_reader *r);

/* true when dir has cur/ and new/ subfolders */
bool eg_maildir_detect(const char *dir);

/* A password for message `target` found in message `source` of the same batch. */
typedef struct eg_password_link {
    size_t target;
    size_t source;
    char **passwords; /* UTF-8 candidates from the source mail, best first */
    size_t n_passwords;
    char *origin; /* e.g. "separate mail #3: Subject 「パスワードのお知らせ」" */
} eg_password_link;

/* Looks across a batch of raw messages for separate password mails. *links is malloc'd; free with
 * eg_password_links_free. Bounded: headers only for the pairing, bodies only of the candidates. */
eg_status eg_mailbox_link_passwords(const uint8_t *const *data, const size_t *len, size_t n,
                                    eg_password_link **links, size_t *nlinks);
void eg_password_links_free(eg_password_link *links, size_t n);

/* The same pairing, one pair at a time, for a front end that streams its batch (briefs from
 * eg_mail_brief_read without text; ti and si are positions in the batch). */
struct eg_mail_brief;
/* true when s may be t's password mail: t has attachments, s none, same sender and recipients,
 * sent shortly after; *dist ranks candidates (smaller is closer). */
bool eg_mailbox_pair_candidate(const struct eg_mail_brief *t, size_t ti,
                               const struct eg_mail_brief *s, size_t si, int64_t *dist);
/* Reads candidate s's text (sdata) and returns the link when thread or subject ties the two and s
 * holds passwords: EG_OK with *out filled (its members are malloc'd: move them or free
 * them), EG_ENOTFOUND when there is no link. */
eg_status eg_mailbox_link_pair(const struct eg_mail_brief *t, size_t ti,
                               const struct eg_mail_brief *s, size_t si, const uint8_t *sdata,
                               size_t slen, eg_password_link *out);

#endif
