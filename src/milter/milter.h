/*
 * `emoguard milter`: the milter daemon (protocol in proto.h, sockets in server.h). It buffers each
 * message (headers and body, up to max_message_size), scans it at end-of-message with the same
 * scanner and rule table as `emoguard scan`, decides (decide.h) and acts: headers, subject tag,
 * hold, reject, discard or tempfail. Anything that goes wrong inside (no memory to buffer the
 * message, a scanner error) takes the on_error action, tempfail by default, and so does a message
 * that finds none of the max_scans scan slots free within slot_timeout_ms (slots.h); a message over
 * max_message_size takes on_oversize. No mail is lost and none passes unseen.
 *
 * Signals: SIGHUP reloads the configuration, rules and IOC feeds by building a new scanner and
 * swapping it in while running scans finish on the old one (a bad new configuration is logged and
 * the old one kept); SIGTERM/SIGINT stop accepting connections, close those between messages and
 * let messages in progress finish (server.h). socket, redis, stats_listen and max_scans changes need a restart. The entry point is
 * eg_cmd_milter() in src/cli/cli.h.
 */
#ifndef EG_MILTER_MILTER_H
#define EG_MILTER_MILTER_H

#include "cli/cli.h"

#endif
