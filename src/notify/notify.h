/*
 * Admin notifications: an infected internal account, a held or rejected mail, a campaign.
 *
 * - Templates (template.c): the notice mail (ja or en, with the evidence and what to do first)
 *   and the JSON object a hook command reads on stdin.
 * - Rate limiter (rate.c): at most one notice per event kind and key (account, sender, campaign)
 *   per window; memory bounded (the oldest entry gives way when the table is full).
 * - Notice marker (marker.c): the X-Emoguard-Notice header that lets the milter recognise its own
 *   notice when it comes back through the MTA: an HMAC-SHA256 with a key kept 0600 in the
 *   state directory. A recognised notice is still scanned and acted on like any mail; it only
 *   causes no further notice (no loop). A forged marker therefore gains a sender nothing but
 *   silence towards the admin, and it cannot be forged without the key.
 * - Runner (runner.c): sendmail and the hook run in child processes with a timeout, from a fixed
 *   number of worker threads fed by a bounded queue, so the milter's thread never waits on them
 *   and at most max_children children run at once.
 *
 * Everything that comes from a mail (sender, subject, evidence) is treated as hostile: it is
 * cleaned of control characters before it goes into a header, a body line or JSON, and it never
 * reaches a command line (the hook gets it on stdin only). This module knows nothing of libmilter
 * or of the scanner's report; the milter fills eg_notify_event.
 */
#ifndef EG_NOTIFY_NOTIFY_H
#define EG_NOTIFY_NOTIFY_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef enum {
    EG_NOTIFY_INFECTED = 0, /* an internal account sends Emotet-like mail (outbound alert) */
    EG_NOTIFY_HELD,         /* a mail was put into the hold queue */
    EG_NOTIFY_REJECTED,     /* a mail was rejected */
    EG_NOTIFY_CAMPAIGN,     /* the same attachment, password or URL reached many recipients */
    EG_NOTIFY__COUNT
} eg_notify_kind;

#define EG_NOTIFY_ALL ((1u << EG_NOTIFY__COUNT) - 1u)
#define EG_NOTIFY_MAX_EVIDENCE 8
#define EG_NOTIFY_MAX_RCPTS 10 /* recipients named in a notice; the rest are counted */
#define EG_NOTIFY_HEADER "X-Emoguard-Notice"

const char *eg_notify_kind_str(eg_notify_kind k); /* "infected", "held", "rejected", "campaign" */
eg_status eg_notify_kind_parse(const char *s, eg_notify_kind *out);
/* A comma/space separated list of kinds ("all" and "none" too) to a bit mask; EG_EFORMAT names
 * the first unknown word in bad (may be NULL). */
eg_status eg_notify_events_parse(const char *s, unsigned *mask, char *bad, size_t badlen);

typedef struct eg_notify_evidence {
    const char *rule; /* rule id */
    int score;
    const char *message;  /* the rule's text in the notice's language */
    const char *todo;     /* the rule's what-to-do text, may be NULL */
    const char *evidence; /* excerpt from the mail, may be NULL */
} eg_notify_evidence;

typedef struct eg_notify_event {
    eg_notify_kind kind;
    time_t time;
    const char *host; /* the gateway's name, may be NULL */
    const char *queue_id;
    const char *from;    /* envelope sender */
    const char *account; /* outbound: SASL login or sender address; may be NULL */
    const char *subject; /* may be NULL */
    const char *const *rcpts;
    size_t n_rcpts;
    const char *verdict;
    int score;
    const char *action;
    const char *rules;  /* comma-separated rule ids */
    const char *detail; /* infected: the counts that raised the alert; campaign: what repeated */
    const eg_notify_evidence *ev;
    size_t n_ev;
} eg_notify_event;

/* The key the rate limiter counts by for this event: infected -> the account, campaign -> what
 * repeated, held/rejected -> the sender and the rule ids (the same attack from the same sender). */
void eg_notify_rate_key(const eg_notify_event *e, char *out, size_t n);

/* ---- templates ---- */

typedef struct eg_notify_mail_opts {
    eg_lang lang;
    const char *from;      /* header and envelope sender of the notice */
    const char *const *to; /* admin addresses */
    size_t n_to;
    const char *marker;     /* the X-Emoguard-Notice value, NULL for none */
    const char *message_id; /* without <>; NULL: none is written (the MTA adds one) */
} eg_notify_mail_opts;

/* The whole notice mail (headers + UTF-8 body, CRLF-free LF lines as sendmail reads them);
 * malloc'd, NULL on ENOMEM. */
char *eg_notify_mail(const eg_notify_event *e, const eg_notify_mail_opts *o);
/* The notice to the sender of an outbound mail that was held (o->to[0] is that sender): the
 * mail has not been sent, what to do if they did not write it (an infected PC), the queue id to
 * give the IT department, and the rules' texts (no excerpts of the mail). */
char *eg_notify_sender_mail(const eg_notify_event *e, const eg_notify_mail_opts *o);
/* The subject line alone (UTF-8, not encoded), for tests and logs. */
void eg_notify_subject(const eg_notify_event *e, eg_lang lang, char *out, size_t n);
/* Links made harmless for the notice mail ("hxxp[://]host[.]example /path"); malloc'd. */
char *eg_notify_defang(const char *s);
/* One JSON object and a newline for the hook; malloc'd, NULL on ENOMEM. */
char *eg_notify_json(const eg_notify_event *e);

/* ---- rate limiter ---- */

typedef struct eg_notify_rate eg_notify_rate;
eg_status eg_notify_rate_new(size_t max_entries, eg_notify_rate **out);
void eg_notify_rate_free(eg_notify_rate *r);
/* true when no notice of this kind and key was let through in the last window_s seconds (and
 * counts this one); false when it falls inside the window. window_s = 0: always true. */
bool eg_notify_rate_allow(eg_notify_rate *r, eg_notify_kind kind, const char *key,
                          uint32_t window_s, time_t now);

/* ---- notice marker ---- */

#define EG_NOTIFY_KEY_LEN 32
/* Reads <state_dir>/notify.key, creating it (0600, random) when missing; state_dir must exist
 * (EG_ENOTFOUND). */
eg_status eg_notify_key_load(const char *state_dir, uint8_t key[EG_NOTIFY_KEY_LEN]);
/* "v1 <unix time> <nonce> <hmac>" into out (at least 128 bytes). */
void eg_notify_marker_make(const uint8_t key[EG_NOTIFY_KEY_LEN], time_t now, char *out, size_t n);
/* Is value a marker made with key, no older than max_age_s (and not from the future)? */
bool eg_notify_marker_check(const uint8_t key[EG_NOTIFY_KEY_LEN], const char *value, time_t now,
                            uint32_t max_age_s);
/* Finds the marker header in a message's header block (up to the first empty line) and checks it.
 */
bool eg_notify_is_notice(const uint8_t key[EG_NOTIFY_KEY_LEN], const uint8_t *msg, size_t len,
                         time_t now, uint32_t max_age_s);

/* ---- runner ---- */

/* Runs argv (argv[0] a path) with input on its stdin, stdout to /dev/null, stderr inherited, in
 * its own process group; kills the group after timeout_ms. Returns the exit status (0..255),
 * -1 when it could not start, -2 on timeout. Blocks the calling thread: the milter calls it only
 * through eg_notify_runner_submit. SIGPIPE must be ignored by the process. */
int eg_notify_run(char *const argv[], const char *input, size_t len, unsigned timeout_ms);

typedef struct eg_notify_runner eg_notify_runner;
/* max_children worker threads (each runs one child at a time), at most max_queue jobs waiting. */
eg_status eg_notify_runner_new(unsigned max_children, unsigned max_queue, eg_notify_runner **out);
/* Takes no more jobs and lets the workers run what is queued for up to wait_ms; jobs still
 * waiting then are dropped (each logged), a running child keeps its own timeout. Returns how
 * many were dropped. The milter calls it at shutdown, so that a notice queued just before a
 * stop is still sent. */
unsigned long eg_notify_runner_stop(eg_notify_runner *r, unsigned wait_ms);
/* Stops (finishing every queued job, each still bounded by its timeout) and frees. */
void eg_notify_runner_free(eg_notify_runner *r);
/* Queues a job; argv (NULL-terminated) and its strings and input are copied. what names it in
 * the log. false when the queue is full or memory ran out: the job is dropped (and logged). */
bool eg_notify_runner_submit(eg_notify_runner *r, const char *what, char *const argv[],
                             const char *input, size_t len, unsigned timeout_ms);
/* Jobs finished so far and how many of them failed (for tests and logs). */
void eg_notify_runner_counts(eg_notify_runner *r, unsigned long *done, unsigned long *failed);

#endif
