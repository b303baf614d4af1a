/*
 * What the milter does after it has acted on a message: keep a record of a held mail for
 * `emoguard quarantine`, log the hold reason (Postfix ignores the reason text of a milter's
 * quarantine request and logs only "milter triggers HOLD action"), and queue admin notices
 * (src/notify) for an infected account, a held or rejected mail or a campaign. Never blocks the
 * calling thread on a child process: notices run in the notify runner's workers.
 */
#ifndef EG_MILTER_OPS_H
#define EG_MILTER_OPS_H

#include "milter/config.h"
#include "milter/decide.h"
#include "state/state.h"

#include <stddef.h>
#include <stdint.h>

/* Called once per message at the end of end-of-message, after the action. msg/len is the
 * buffered message (headers first) or NULL; subject the raw Subject value or NULL; r may be NULL
 * (the message could not be scanned). st is the shared state (Redis) for the notice rate limit,
 * or NULL. */
void eg_milter_ops_eom(const eg_milter_config *cfg, eg_state *st, const eg_milter_msg *m,
                       const char *subject, const uint8_t *msg, size_t len, const eg_report *r,
                       const eg_milter_decision *d);

/* Is msg a notice this gateway wrote (a valid X-Emoguard-Notice marker, made with the key in
 * state_dir)? Such a mail comes from the gateway's own sendmail with an own-domain sender, so
 * it is not a spoofed one; it is still scanned and acted on. False when notices are off. */
bool eg_milter_ops_is_own_notice(const eg_milter_config *cfg, const uint8_t *msg, size_t len);

/* The reason text given with a hold (also written to the record and the log). */
void eg_milter_ops_hold_reason(const eg_milter_decision *d, char *out, size_t n);

/* At shutdown: notices still queued are sent for up to wait_ms (then dropped and logged);
 * frees the runner and the rate table. */
void eg_milter_ops_shutdown(unsigned wait_ms);

#endif
