/*
 * The correlation store's two backends behind one handle: plain memory, or Redis (hiredis) with an
 * embedded memory store that answers while Redis is unreachable. One connection, serialised by a
 * mutex: every operation is one short EVAL on a loopback or LAN server, so a pool would add code
 * without adding much throughput at mail rates. Each Lua script sets the TTL only when the key has
 * none, which gives the fixed windows state.h promises even with several gateways writing.
 */
#include "state/internal.h"

#include "core/log.h"
#include "core/strutil.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eg_state {
    bool is_redis;
    eg_mem *mem; /* the memory backend, or the Redis fallback */
    pthread_mutex_t mu;
    redisContext *rc;
    bool degraded;
    time_t retry_at;
    char *host, *prefix, *password;
    int port;
    unsigned timeout_ms, retry_s;
};

static const char INCR_LUA[] =
    "local v=redis.call('INCR',KEYS[1]) "
    "if redis.call('TTL',KEYS[1])<0 then redis.call('EXPIRE',KEYS[1],ARGV[1]) end return v";
static const char SADD_LUA[] =
    "redis.call('SADD',KEYS[1],ARGV[1]) "
    "if redis.call('TTL',KEYS[1])<0 then redis.call('EXPIRE',KEYS[1],ARGV[2]) end "
    "return redis.call('SCARD',KEYS[1])";

void eg_state_limits_default(eg_state_limits *l)
{
    l->max_keys = 200000;
    l->max_members = 100000;
}

eg_status eg_state_memory_new(const eg_state_limits *limits, eg_state **out)
{
    eg_state *st = calloc(1, sizeof *st);
    if (!st)
        return EG_ENOMEM;
    eg_status s = eg_mem_new(limits, &st->mem);
    if (s != EG_OK) {
        free(st);
        return s;
    }
    pthread_mutex_init(&st->mu, NULL);
    *out = st;
    return EG_OK;
}

static void redis_drop(eg_state *st, const char *why_in)
{
    char why[160]; /* why_in may point into the context freed below */
    snprintf(why, sizeof why, "%s", why_in);
    if (st->rc) {
        redisFree(st->rc);
        st->rc = NULL;
    }
    st->retry_at = time(NULL) + (time_t)st->retry_s;
    if (!st->degraded)
        eg_log(EG_LOG_WARN, "state: redis %s:%d unavailable (%s); using in-memory state, retrying every %us",
               st->host, st->port, why, st->retry_s);
    st->degraded = true;
}

/* Connects (caller holds mu); on failure the store stays or becomes degraded. */
static bool redis_connect(eg_state *st)
{
    struct timeval tv = {(time_t)(st->timeout_ms / 1000), (suseconds_t)((st->timeout_ms % 1000) * 1000)};
    redisContext *c = st->host[0] == '/' ? redisConnectUnixWithTimeout(st->host, tv)
                                         : redisConnectWithTimeout(st->host, st->port, tv);
    if (!c || c->err) {
        char why[160];
        snprintf(why, sizeof why, "%s", c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        redis_drop(st, why);
        return false;
    }
    redisSetTimeout(c, tv);
    st->rc = c;
    if (st->password) {
        redisReply *r = redisCommand(c, "AUTH %s", st->password);
        bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (r)
            freeReplyObject(r);
        if (!ok) {
            redis_drop(st, "AUTH failed");
            return false;
        }
    }
    if (st->degraded)
        eg_log(EG_LOG_WARN, "state: redis %s:%d reachable again; shared state restored", st->host, st->port);
    st->degraded = false;
    return true;
}

eg_status eg_state_redis_new(const eg_state_redis_opts *o, const eg_state_limits *limits, eg_state **out)
{
    if (!o || !o->host || !*o->host)
        return EG_EINVAL;
    eg_state *st = NULL;
    eg_status s = eg_state_memory_new(limits, &st);
    if (s != EG_OK)
        return s;
    st->is_redis = true;
    st->host = eg_strdup(o->host);
    st->prefix = eg_strdup(o->prefix ? o->prefix : "emoguard:");
    st->password = o->password && *o->password ? eg_strdup(o->password) : NULL;
    st->port = o->port > 0 ? o->port : 6379;
    st->timeout_ms = o->timeout_ms ? o->timeout_ms : 200;
    st->retry_s = o->retry_s ? o->retry_s : 10;
    if (!st->host || !st->prefix || (o->password && *o->password && !st->password)) {
        eg_state_free(st);
        return EG_ENOMEM;
    }
    pthread_mutex_lock(&st->mu);
    redis_connect(st);
    pthread_mutex_unlock(&st->mu);
    *out = st;
    return EG_OK;
}

void eg_state_free(eg_state *st)
{
    if (!st)
        return;
    if (st->rc)
        redisFree(st->rc);
    eg_mem_free(st->mem);
    free(st->host);
    free(st->prefix);
    free(st->password);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/* Runs a script; returns true with *val set when Redis answered an integer. Caller holds mu. */
static bool redis_eval(eg_state *st, const char *script, const char *key, const char *member,
                       uint32_t ttl_s, long long *val)
{
    if (!st->rc) {
        if (time(NULL) < st->retry_at || !redis_connect(st))
            return false;
    }
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%u", ttl_s ? ttl_s : 1);
    size_t plen = strlen(st->prefix), klen = strlen(key);
    char full[EG_STATE_MAX_KEY + 256];
    if (plen + klen >= sizeof full)
        return false;
    memcpy(full, st->prefix, plen);
    memcpy(full + plen, key, klen + 1);
    redisReply *r = member ? redisCommand(st->rc, "EVAL %s 1 %s %s %s", script, full, member, ttl)
                           : redisCommand(st->rc, "EVAL %s 1 %s %s", script, full, ttl);
    if (!r) {
        redis_drop(st, st->rc->errstr[0] ? st->rc->errstr : "connection lost");
        return false;
    }
    bool ok = r->type == REDIS_REPLY_INTEGER;
    if (ok)
        *val = r->integer;
    else
        redis_drop(st, r->type == REDIS_REPLY_ERROR && r->str ? r->str : "unexpected reply");
    freeReplyObject(r);
    return ok;
}

static eg_status check_args(const char *key, const char *member, bool need_member)
{
    if (!key || !*key || strlen(key) > EG_STATE_MAX_KEY)
        return EG_EINVAL;
    if (need_member && (!member || strlen(member) > EG_STATE_MAX_KEY))
        return EG_EINVAL;
    return EG_OK;
}

eg_status eg_state_incr(eg_state *st, const char *key, uint32_t ttl_s, int64_t *out)
{
    eg_status s = check_args(key, NULL, false);
    if (s != EG_OK || !st->is_redis)
        return s != EG_OK ? s : eg_mem_incr(st->mem, key, ttl_s, out);
    long long v = 0;
    pthread_mutex_lock(&st->mu);
    bool ok = redis_eval(st, INCR_LUA, key, NULL, ttl_s, &v);
    pthread_mutex_unlock(&st->mu);
    if (ok) {
        *out = v;
        return EG_OK;
    }
    return eg_mem_incr(st->mem, key, ttl_s, out);
}

eg_status eg_state_set_add(eg_state *st, const char *key, const char *member, uint32_t ttl_s, uint64_t *out)
{
    eg_status s = check_args(key, member, true);
    if (s != EG_OK || !st->is_redis)
        return s != EG_OK ? s : eg_mem_set_add(st->mem, key, member, ttl_s, out);
    long long v = 0;
    pthread_mutex_lock(&st->mu);
    bool ok = redis_eval(st, SADD_LUA, key, member, ttl_s, &v);
    pthread_mutex_unlock(&st->mu);
    if (ok) {
        *out = v < 0 ? 0 : (uint64_t)v;
        return EG_OK;
    }
    return eg_mem_set_add(st->mem, key, member, ttl_s, out);
}

const char *eg_state_backend(eg_state *st)
{
    if (!st->is_redis)
        return "memory";
    pthread_mutex_lock(&st->mu);
    bool d = st->degraded;
    pthread_mutex_unlock(&st->mu);
    return d ? "memory (redis unavailable)" : "redis";
}

bool eg_state_degraded(eg_state *st)
{
    if (!st->is_redis)
        return false;
    pthread_mutex_lock(&st->mu);
    bool d = st->degraded;
    pthread_mutex_unlock(&st->mu);
    return d;
}

void eg_state_set_clock(eg_state *st, time_t (*now)(void *ud), void *ud) { eg_mem_set_clock(st->mem, now, ud); }
