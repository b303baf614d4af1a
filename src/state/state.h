/*
 * Correlation store: windowed counters and windowed sets shared by the milter's threads and, with
 * the Redis backend, by several gateways.
 *
 * Two operations are all the correlation needs:
 *   - eg_state_incr:    "this account sent its 5th mail with an encrypted archive in 10 minutes"
 *   - eg_state_set_add: "this attachment hash has now reached 40 distinct recipients"
 * Both use a fixed window: the TTL starts when the key is created and is not extended by later
 * updates, so a steady trickle still expires.
 *
 * Backends: memory (default, per process, bounded number of keys) and Redis (hiredis). When Redis
 * cannot be reached the Redis store answers from an embedded memory store, logs that once, and
 * tries to reconnect every retry interval; it logs again when Redis is back. Counts made during an
 * outage stay in memory and are not merged into Redis later.
 *
 * Every function is thread-safe. Keys and members are opaque strings of at most EG_STATE_MAX_KEY
 * bytes (longer ones are EG_EINVAL); callers hash user-controlled values. This module does not
 * decide what is suspicious: it only counts.
 */
#ifndef EG_STATE_STATE_H
#define EG_STATE_STATE_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define EG_STATE_MAX_KEY 512

typedef struct eg_state eg_state;

typedef struct eg_state_limits {
    size_t max_keys;    /* memory: keys kept at most (default 200000) */
    size_t max_members; /* memory: members counted per set at most (default 100000) */
} eg_state_limits;

void eg_state_limits_default(eg_state_limits *l);

/* limits may be NULL (defaults). */
eg_status eg_state_memory_new(const eg_state_limits *limits, eg_state **out);

typedef struct eg_state_redis_opts {
    const char *host;       /* "127.0.0.1" or a unix socket path starting with '/' */
    int port;               /* ignored for unix sockets */
    unsigned timeout_ms;    /* connect and command timeout (default 200) */
    const char *prefix;     /* prepended to every key (default "emoguard:") */
    unsigned retry_s;       /* seconds between reconnect attempts while down (default 10) */
    const char *password;   /* AUTH when set */
} eg_state_redis_opts;

/* Never fails because Redis is down: the store then starts in fallback mode (and says so). */
eg_status eg_state_redis_new(const eg_state_redis_opts *o, const eg_state_limits *limits, eg_state **out);

void eg_state_free(eg_state *st);

/* Adds 1 to the counter; *out receives the new value. */
eg_status eg_state_incr(eg_state *st, const char *key, uint32_t ttl_s, int64_t *out);
/* Adds member to the set; *out receives the number of distinct members. */
eg_status eg_state_set_add(eg_state *st, const char *key, const char *member, uint32_t ttl_s,
                           uint64_t *out);

/* "memory", "redis" or "memory (redis unavailable)"; static string. */
const char *eg_state_backend(eg_state *st);
/* true while a Redis store answers from memory. */
bool eg_state_degraded(eg_state *st);

/* Tests: replace the clock used for TTLs (memory backend, also inside the Redis fallback). */
void eg_state_set_clock(eg_state *st, time_t (*now)(void *ud), void *ud);

#endif
