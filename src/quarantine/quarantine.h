/*
 * Held-mail records: what emoguard decided about each mail it put into Postfix's hold queue
 * (verdict, score, decisive rules and their evidence), one small text file per queue id under
 * <state_dir>/held/, so that `emoguard quarantine list|show` can say why a mail is held long after
 * the milter's log has rotated.
 *
 * Files are written 0600 into a 0700 directory, atomically (temporary file + rename), are bounded
 * in size (EG_QREC_MAX_BYTES; every field is cut to its limit), and the directory holds at most
 * EG_QREC_MAX_FILES records. A record file is read as hostile input (another local user's mistake
 * or a damaged disk): the parser checks every length and never trusts the file name's queue id.
 *
 * This module does not talk to Postfix (postfix.c in this folder does) and knows nothing of
 * libmilter or of the scanner's report: the milter fills the struct.
 */
#ifndef EG_QUARANTINE_QUARANTINE_H
#define EG_QUARANTINE_QUARANTINE_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_QREC_MAX_BYTES 16384 /* one record file */
#define EG_QREC_MAX_LINE 1024   /* one line of it */
#define EG_QREC_MAX_FILES 20000 /* records in the directory */
#define EG_QREC_ID_MAX 32       /* queue id length (Postfix long ids are 15-20) */
#define EG_QREC_MAX_RCPTS 16
#define EG_QREC_MAX_FINDINGS 12

typedef struct eg_qrec_finding {
    char rule[64];
    int score;
    char evidence[256];
} eg_qrec_finding;

typedef struct eg_qrec {
    char queue_id[EG_QREC_ID_MAX + 1];
    int64_t time; /* when it was held, Unix seconds */
    char from[256];
    char subject[256];
    char rcpts[EG_QREC_MAX_RCPTS][256];
    size_t n_rcpts;
    uint32_t rcpts_total; /* the envelope's count, when more than were kept */
    char verdict[16];
    int score;
    char action[16];
    char account[256]; /* outbound: the account, else empty */
    char reason[256];  /* the hold reason text given to the MTA */
    char rules[512];   /* comma-separated rule ids, highest score first */
    eg_qrec_finding findings[EG_QREC_MAX_FINDINGS];
    size_t n_findings;
} eg_qrec;

/* A Postfix queue id: 1..EG_QREC_ID_MAX letters and digits. Anything else is refused everywhere,
 * because the id becomes a file name and an argument of postsuper. */
bool eg_qrec_valid_id(const char *id);

/* Copies s into dst (cap bytes) for a record field: control characters become spaces, so a value
 * is always one line, and the copy is cut on a UTF-8 boundary. */
void eg_qrec_set(char *dst, size_t cap, const char *s);

/* The record as text (malloc'd, *len bytes, at most EG_QREC_MAX_BYTES). EG_EINVAL for a bad id. */
eg_status eg_qrec_format(const eg_qrec *r, char **out, size_t *len);
/* Parses a record file's text. EG_EFORMAT when it is not a record (wrong first line, no or bad
 * queue id, a line too long), EG_ELIMIT when larger than EG_QREC_MAX_BYTES. Unknown keys are
 * skipped (a newer version may add some); repeated lists stop at their limit. */
eg_status eg_qrec_parse(const char *text, size_t len, eg_qrec *out);

/* Writes <state_dir>/held/<id> (creating held/ 0700; state_dir must exist: EG_ENOTFOUND).
 * EG_ELIMIT when the directory already holds EG_QREC_MAX_FILES records. */
eg_status eg_qrec_store(const char *state_dir, const eg_qrec *r);
/* Reads one record; EG_ENOTFOUND when there is none for the id; EG_EFORMAT when its id differs. */
eg_status eg_qrec_load(const char *state_dir, const char *id, eg_qrec *out);
/* Removes one record; EG_ENOTFOUND when there was none. */
eg_status eg_qrec_remove(const char *state_dir, const char *id);
/* Removes the records whose queue id `exists` says is gone (also stale temporary files);
 * *removed counts them (may be NULL). */
eg_status eg_qrec_prune(const char *state_dir, bool (*exists)(const char *id, void *ud), void *ud,
                        size_t *removed);
/* The queue ids that have a record (malloc'd array of malloc'd strings). */
eg_status eg_qrec_ids(const char *state_dir, char ***ids, size_t *n);
void eg_qrec_ids_free(char **ids, size_t n);

#endif
