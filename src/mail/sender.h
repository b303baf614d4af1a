/*
 * Sender, thread and link checks over a decoded message (eg_mail_view): display name vs address,
 * header consistency (From, Reply-To, Return-Path, Sender, Message-ID, Authentication-Results from
 * trusted authserv-ids), signature addresses, reply-chain hijack, links and lure phrases. Domain
 * lists (free mail, Japanese consumer ISPs, hosting, URL shorteners) and organisation words come
 * from editable data files (data/, format in docs/sender.md); own domains, the known
 * correspondents file and the trusted authserv-ids from eg_options.
 *
 * No GMime here: everything works on the view's strings. The checks are pure
 * (eg_sender_evaluate returns (rule, evidence) pairs); eg_sender_check records them as findings
 * on the message object. What it deliberately does not do: DNS lookups, its own SPF/DKIM
 * verification (it reads what a trusted server wrote), or learning correspondents.
 */
#ifndef EG_MAIL_SENDER_H
#define EG_MAIL_SENDER_H

#include "mail/mail.h"
#include "mail/sender_util.h"

typedef struct eg_sender_config eg_sender_config;

/* The data directory used when opt->data_dir is NULL: $EMOGUARD_DATA_DIR when set, else the
 * installed <datadir>/emoguard/data; a build that may run from its tree falls back to the source
 * tree's data/ while that installed directory does not exist. */
const char *eg_sender_default_data_dir(void);
/* Loads the domain lists from opt->data_dir (the default above when NULL), own domains, trusted
 * authserv-ids and the known correspondents file. A list file missing from the default data
 * directory is logged and left empty; a missing file the options name explicitly (data_dir,
 * known_correspondents_file) is EG_EIO with a message in err. */
eg_status eg_sender_config_new(const eg_options *opt, eg_sender_config **out, char *err,
                               size_t errlen);
/* Adds known-correspondent lines (the file format) from memory. */
eg_status eg_sender_config_add_known(eg_sender_config *c, const char *text, size_t len);
void eg_sender_config_free(eg_sender_config *c);

/* All checks on one message; hits are appended to out (free with eg_sender_hits_free). */
eg_status eg_sender_evaluate(eg_sender_config *c, const eg_mail_view *v, eg_sender_hits *out);
/* The same, with the envelope recipients (SMTP RCPT TO, "user@example.jp" or "<...>") counted
 * as recipients too: a Bcc'd recipient's domain appears in no header. */
eg_status eg_sender_evaluate_rcpts(eg_sender_config *c, const eg_mail_view *v,
                                   const char *const *rcpts, size_t n_rcpts, eg_sender_hits *out);

/* Runs the checks (with the scan input's envelope recipients for the top-level message) and
 * records each hit with eg_scan_finding on msg. The configuration is loaded once per scan (kept
 * with eg_scan_set_data). */
void eg_sender_check(eg_scan *s, const eg_object *msg, const eg_mail_view *v);

#endif
