/*
 * The milter's counters and the local HTTP endpoint that serves them in Prometheus text format
 * (GET /metrics). Counters are lock-free atomics bumped from the milter threads. The endpoint is
 * meant for 127.0.0.1 or a management network: it has no authentication and serves nothing else.
 */
#ifndef EG_MILTER_STATS_H
#define EG_MILTER_STATS_H

#include "milter/config.h"
#include "milter/server.h"
#include "state/state.h"

#include <stdatomic.h>

typedef struct eg_milter_stats {
    atomic_ullong messages[3];             /* by eg_verdict */
    atomic_ullong actions[EG_ACT__COUNT];  /* by action taken */
    atomic_ullong errors, oversize, outbound, outbound_alerts, campaign_hits;
    atomic_ullong reloads, reload_failures;
    atomic_ullong scan_us_sum, scan_count;
    atomic_int scans_running;
    eg_mserver_counters conn; /* the MTA connections (server.h) */
} eg_milter_stats;

/* Renders the counters; malloc'd. st may be NULL. */
char *eg_milter_stats_render(eg_milter_stats *s, eg_state *st);

typedef struct eg_stats_server eg_stats_server;
/* listen is "HOST:PORT" (IPv4 or [IPv6]). */
eg_status eg_stats_server_start(const char *listen, eg_milter_stats *s, eg_state *st, eg_stats_server **out,
                                char *err, size_t errlen);
void eg_stats_server_stop(eg_stats_server *srv);

#endif
