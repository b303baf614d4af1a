/*
 * `emoguard milter`: the libmilter daemon. It buffers each message (headers and body, up to
 * max_message_size), scans it at end-of-message with the same scanner and rule table as
 * `emoguard scan`, decides (decide.h) and acts: headers, subject tag, hold, reject, discard or
 * tempfail. Anything that goes wrong inside takes the on_error action (tempfail by default), so
 * no mail is lost and none passes unseen.
 *
 * Signals: SIGHUP reloads the configuration, rules and IOC feeds by building a new scanner and
 * swapping it in while running scans finish on the old one (a bad new configuration is logged and
 * the old one kept); SIGTERM/SIGINT stop accepting connections and let running sessions finish.
 * socket, redis and stats_listen changes need a restart. The entry point is eg_cmd_milter() in
 * src/cli/cli.h.
 */
#ifndef EG_MILTER_MILTER_H
#define EG_MILTER_MILTER_H

#include "cli/cli.h"

#endif
