/*
 * The milter's listener and sessions: one listening socket (unix or TCP, the socket specs
 * libmilter takes), one thread per MTA connection with an explicit 8 MiB stack, each reading what
 * the MTA sent in one call and handing it to the protocol engine (proto.h), writing the answers
 * in one call. No analysis here: the engine's callbacks do it.
 *
 * Limits: at most EG_MSERVER_MAX_SESSIONS connections at once (one more is closed at once, and
 * the MTA applies its milter default action); a connection silent for timeout_s seconds is
 * closed; a read buffer grows to one packet (EG_MPROTO_MAX_PACKET) at most.
 * Stopping: eg_mserver_stop() (async-signal-safe) stops accepting; connections between messages
 * close at once, a message being received or scanned is finished, and eg_mserver_run() returns
 * when all are done or after EG_MSERVER_STOP_GRACE_S seconds.
 */
#ifndef EG_MILTER_SERVER_H
#define EG_MILTER_SERVER_H

#include "emoguard/emoguard.h"
#include "milter/proto.h"

#include <stdatomic.h>
#include <stddef.h>

#define EG_MSERVER_MAX_SESSIONS 1000
#define EG_MSERVER_STOP_GRACE_S 20

typedef struct eg_mserver eg_mserver;

/* What the server counts, for the metrics. */
typedef struct eg_mserver_counters {
    atomic_int open;       /* connections now */
    atomic_ullong refused; /* closed at once: too many, or no memory or thread for them */
    atomic_ullong dropped; /* ended by a protocol error, a failed write or the timeout */
} eg_mserver_counters;

typedef struct eg_mserver_opts {
    const eg_mproto_cbs *cbs;
    eg_mserver_counters *counters; /* may be NULL */
    void *(*app_new)(void);        /* a session's application state; NULL refuses the connection */
    void (*app_free)(void *);      /* after the session's close callback */
    unsigned timeout_s;            /* silence on a connection before it is dropped; 0 = never */
} eg_mserver_opts;

/* Checks a socket spec without opening anything: "unix:PATH", "local:PATH", a bare absolute or
 * relative PATH, "inet:PORT", "inet:PORT@HOST", "inet6:PORT", "inet6:PORT@HOST". */
eg_status eg_mserver_check_spec(const char *spec, char *err, size_t errlen);

/* Opens and listens. A unix socket's stale file (a socket, nothing else) is removed first; the
 * new one is made with the process umask. */
eg_status eg_mserver_open(const char *spec, eg_mserver **out, char *err, size_t errlen);

/* Accepts and serves until eg_mserver_stop(); 0 on a clean stop, 1 when accepting failed, 2 when
 * sessions were still running after the grace (the caller should end the process without freeing
 * what they use). */
int eg_mserver_run(eg_mserver *s, const eg_mserver_opts *o);

void eg_mserver_stop(eg_mserver *s);

/* Closes the listener (removing a unix socket's file) and frees, unless sessions still run. NULL
 * is fine. */
void eg_mserver_close(eg_mserver *s);

#endif
