/*
 * From a scan report to what the gateway does with the message: campaign correlation (the same
 * attachment hash, ZIP password or URL reaching many recipients), outbound correlation (one
 * account sending many mails with encrypted archives, macros or hijacked replies, or to unusually
 * many recipients) and the per-verdict action with per-domain overrides. Also the message's
 * direction (by its client, never by its envelope), the allowlists, the spoofing finding for an
 * own-domain sender arriving from outside and the password redaction for the logs. No milter
 * protocol here, so it can be tested without an MTA.
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
    const char *client_addr; /* textual IP address of the SMTP client; NULL when unknown */
    const char *daemon_name; /* the MTA's {daemon_name} macro; NULL when not sent */
} eg_milter_msg;

/* Why a message is outbound; EG_DIR_IN when it is not. */
typedef enum { EG_DIR_IN = 0, EG_DIR_AUTH, EG_DIR_SUBMISSION, EG_DIR_LOCAL_NETWORK } eg_milter_dir;
const char *eg_milter_dir_str(eg_milter_dir d); /* "in", "auth", "submission", "local_network" */

typedef struct eg_milter_decision {
    eg_verdict verdict; /* after correlation */
    int score;          /* report score + correlation points */
    eg_milter_action action;
    bool outbound;
    eg_milter_dir dir;
    char allowlist[160]; /* "allow_senders=a@b", ... when an allowlist lowered or capped the action
                          */
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

/* The message's direction: outbound when the client authenticated (SMTP AUTH), connected through
 * a daemon in submission_daemons or from local_networks, in that order. The envelope sender is
 * never looked at: anyone on the Internet can write an own-domain address there. */
eg_milter_dir eg_milter_direction(const eg_milter_config *c, const eg_milter_msg *m);
bool eg_milter_is_outbound(const eg_milter_config *c, const eg_milter_msg *m);

/* The allowlist entry the message matches, as "allow_senders=taro@example.jp" in out (empty when
 * none): the envelope sender, every recipient, the client network or the SMTP AUTH login. */
bool eg_milter_allowlisted(const eg_milter_config *c, const eg_milter_msg *m, char *out,
                           size_t outlen);

/* An inbound message whose envelope sender or From address is in own_domains: adds
 * SENDER.OWN_DOMAIN_FROM_OUTSIDE to the report and recomputes its verdict. true when added. */
bool eg_milter_spoof_check(const eg_milter_config *c, eg_report *r, const eg_milter_msg *m);

/* Replaces archive passwords and password candidates in the report (objects, the candidate
 * summary, finding evidence, the decoded subject) with "(redacted)" / "***", for logs. */
void eg_milter_redact_passwords(eg_report *r);

/* Which outbound categories the rule ids fall into (prefix match, EG_CAT_* bits). */
unsigned eg_milter_categories(const eg_milter_config *c, const char *const *rule_ids, size_t n);

/* Counts this message for the account; sets d->alert and d->alert_text when a threshold is
 * reached. State errors are logged and leave d->alert unchanged. */
void eg_milter_outbound_check(const eg_milter_config *c, eg_state *st, const char *account, unsigned cats,
                              const char *const *rcpts, size_t n_rcpts, eg_milter_decision *d);

/* The whole decision for a scanned message: verdict and correlation, the action for its
 * recipients, the outbound alert and last the allowlist cap (which never changes the verdict). */
void eg_milter_decide(const eg_milter_config *c, eg_state *st, const eg_report *r, const eg_milter_msg *m,
                      eg_milter_decision *d);

/* The verdict a score reaches with the configured thresholds, never below `floor`. */
eg_verdict eg_milter_verdict_for(const eg_milter_config *c, int score, eg_verdict floor);

#endif
