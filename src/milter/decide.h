/*
 * From a scan report to what the gateway does with the message: campaign correlation (the same
 * attachment hash, ZIP password or URL reaching many recipients), outbound correlation (one
 * account sending many mails with encrypted archives, macros or hijacked replies, or to unusually
 * many recipients) and the per-verdict action with per-domain overrides. No libmilter here, so it
 * can be tested without an MTA.
 */
#ifndef EG_MILTER_DECIDE_H
#define EG_MILTER_DECIDE_H

#include "milter/config.h"
#include "state/state.h"

enum { EG_CAT_ENCRYPTED = 1u << 0, EG_CAT_MACRO = 1u << 1, EG_CAT_HIJACK = 1u << 2 };

typedef struct eg_milter_msg {
    const char *queue_id;
    const char *from;      /* envelope sender */
    const char *auth_user; /* SASL login or NULL */
    const char *const *rcpts;
    size_t n_rcpts;
} eg_milter_msg;

typedef struct eg_milter_decision {
    eg_verdict verdict; /* after correlation */
    int score;          /* report score + correlation points */
    eg_milter_action action;
    bool outbound;
    char account[256];  /* outbound: SASL login or sender address */
    char reasons[512];  /* ASCII, comma-separated rule ids, highest score first */
    bool alert;         /* outbound: probably an infected PC behind this account */
    char alert_text[512];
    bool campaign;
    char campaign_text[256];
} eg_milter_decision;

/* What went wrong when a message could not be scanned. */
typedef enum {
    EG_FAIL_OVERSIZE, /* larger than max_message_size */
    EG_FAIL_BUFFER,   /* the milter could not keep the message (out of memory) */
    EG_FAIL_NO_SLOT,  /* no scan slot came free within the slot timeout */
    EG_FAIL_SCAN      /* eg_scanner_scan() returned an error */
} eg_milter_failure;

/* The fail-safe action for a failure: on_oversize for an oversize message, on_error for the rest
 * (both tempfail by default, so the sender retries and nothing passes unseen). */
eg_milter_action eg_milter_failure_action(const eg_milter_config *c, eg_milter_failure f);

/* How long a message waits for a scan slot: slot_timeout_ms, or scan_timeout_ms when that is 0. */
unsigned eg_milter_slot_timeout_ms(const eg_milter_config *c);

/* Is this message outbound (authenticated, or from an own domain when so configured)? */
bool eg_milter_is_outbound(const eg_milter_config *c, const eg_milter_msg *m);

/* Which outbound categories the rule ids fall into (prefix match, EG_CAT_* bits). */
unsigned eg_milter_categories(const eg_milter_config *c, const char *const *rule_ids, size_t n);

/* Counts this message for the account; sets d->alert and d->alert_text when a threshold is
 * reached. State errors are logged and leave d->alert unchanged. */
void eg_milter_outbound_check(const eg_milter_config *c, eg_state *st, const char *account, unsigned cats,
                              const char *const *rcpts, size_t n_rcpts, eg_milter_decision *d);

/* The whole decision for a scanned message. */
void eg_milter_decide(const eg_milter_config *c, eg_state *st, const eg_report *r, const eg_milter_msg *m,
                      eg_milter_decision *d);

/* The verdict a score reaches with the configured thresholds, never below `floor`. */
eg_verdict eg_milter_verdict_for(const eg_milter_config *c, int score, eg_verdict floor);

#endif
