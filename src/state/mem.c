/*
 * The in-memory correlation store: a chained hash table of keys, each a counter or a set of member
 * hashes, with an absolute expiry time. Expired keys are swept every few thousand operations and
 * whenever the table is full, so memory stays bounded by max_keys and max_members. Sets keep 64-bit
 * hashes of their members, not the members: the store only needs to count distinct values.
 */
#include "state/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_entry {
    struct mem_entry *next;
    time_t expires;
    int64_t count;
    uint64_t *slots; /* open addressing; 0 = empty */
    size_t n_slots, n_members;
    char key[];
} mem_entry;

struct eg_mem {
    pthread_mutex_t mu;
    mem_entry **buckets;
    size_t n_buckets, n_keys;
    eg_state_limits lim;
    time_t (*now)(void *ud);
    void *now_ud;
    uint64_t ops;
    time_t full_swept; /* when a full table was last swept for room */
};

#define SWEEP_EVERY 4096

static uint64_t hash64(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a, then a final mix so low bits spread */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

static time_t mem_now(eg_mem *m)
{
    return m->now ? m->now(m->now_ud) : time(NULL);
}

eg_status eg_mem_new(const eg_state_limits *lim, eg_mem **out)
{
    eg_mem *m = calloc(1, sizeof *m);
    if (!m)
        return EG_ENOMEM;
    if (lim)
        m->lim = *lim;
    else
        eg_state_limits_default(&m->lim);
    if (m->lim.max_keys == 0)
        m->lim.max_keys = 1;
    if (m->lim.max_members == 0)
        m->lim.max_members = 1;
    m->n_buckets = 64;
    while (m->n_buckets < m->lim.max_keys && m->n_buckets < ((size_t)1 << 24))
        m->n_buckets <<= 1;
    m->buckets = calloc(m->n_buckets, sizeof *m->buckets);
    if (!m->buckets) {
        free(m);
        return EG_ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return EG_OK;
}

static void entry_free(mem_entry *e)
{
    free(e->slots);
    free(e);
}

void eg_mem_free(eg_mem *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_buckets; i++) {
        mem_entry *e = m->buckets[i];
        while (e) {
            mem_entry *n = e->next;
            entry_free(e);
            e = n;
        }
    }
    free(m->buckets);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void eg_mem_set_clock(eg_mem *m, time_t (*now)(void *ud), void *ud)
{
    pthread_mutex_lock(&m->mu);
    m->now = now;
    m->now_ud = ud;
    pthread_mutex_unlock(&m->mu);
}

static void sweep(eg_mem *m, time_t now)
{
    for (size_t i = 0; i < m->n_buckets; i++) {
        mem_entry **pp = &m->buckets[i];
        while (*pp) {
            mem_entry *e = *pp;
            if (e->expires <= now) {
                *pp = e->next;
                entry_free(e);
                m->n_keys--;
            } else {
                pp = &e->next;
            }
        }
    }
}

/* Finds or creates the live entry for key; caller holds the lock. */
static eg_status lookup(eg_mem *m, const char *key, uint32_t ttl_s, mem_entry **out)
{
    time_t now = mem_now(m);
    if (++m->ops % SWEEP_EVERY == 0)
        sweep(m, now);
    size_t b = hash64(key) & (m->n_buckets - 1);
    for (mem_entry **pp = &m->buckets[b]; *pp; pp = &(*pp)->next) {
        mem_entry *e = *pp;
        if (strcmp(e->key, key))
            continue;
        if (e->expires > now) {
            *out = e;
            return EG_OK;
        }
        *pp = e->next; /* expired: start a new window */
        entry_free(e);
        m->n_keys--;
        break;
    }
    if (m->n_keys >= m->lim.max_keys) {
        /* a full table is swept for room at most once a second: a sweep walks every entry under
         * the lock all milter threads share, and a flood of new senders would do it per mail */
        if (now != m->full_swept) {
            sweep(m, now);
            m->full_swept = now;
        }
        if (m->n_keys >= m->lim.max_keys)
            return EG_ELIMIT;
    }
    size_t klen = strlen(key);
    mem_entry *e = calloc(1, sizeof *e + klen + 1);
    if (!e)
        return EG_ENOMEM;
    memcpy(e->key, key, klen + 1);
    e->expires = now + (time_t)(ttl_s ? ttl_s : 1);
    e->next = m->buckets[b];
    m->buckets[b] = e;
    m->n_keys++;
    *out = e;
    return EG_OK;
}

static eg_status check_key(const char *key)
{
    if (!key || !*key || strlen(key) > EG_STATE_MAX_KEY)
        return EG_EINVAL;
    return EG_OK;
}

eg_status eg_mem_incr(eg_mem *m, const char *key, uint32_t ttl_s, int64_t *out)
{
    eg_status st = check_key(key);
    if (st != EG_OK)
        return st;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = NULL;
    st = lookup(m, key, ttl_s, &e);
    if (st == EG_OK) {
        if (e->count < INT64_MAX)
            e->count++;
        *out = e->count;
    }
    pthread_mutex_unlock(&m->mu);
    return st;
}

static void slot_insert(uint64_t *slots, size_t n, uint64_t h)
{
    size_t i = h & (n - 1);
    while (slots[i] && slots[i] != h)
        i = (i + 1) & (n - 1);
    slots[i] = h;
}

static eg_status set_grow(mem_entry *e)
{
    size_t n = e->n_slots ? e->n_slots * 2 : 8;
    uint64_t *s = calloc(n, sizeof *s);
    if (!s)
        return EG_ENOMEM;
    for (size_t i = 0; i < e->n_slots; i++)
        if (e->slots[i])
            slot_insert(s, n, e->slots[i]);
    free(e->slots);
    e->slots = s;
    e->n_slots = n;
    return EG_OK;
}

/* true when h was not yet in the set; caller ensures space */
static bool set_put(mem_entry *e, uint64_t h)
{
    size_t i = h & (e->n_slots - 1);
    while (e->slots[i]) {
        if (e->slots[i] == h)
            return false;
        i = (i + 1) & (e->n_slots - 1);
    }
    e->slots[i] = h;
    return true;
}

eg_status eg_mem_set_add(eg_mem *m, const char *key, const char *member, uint32_t ttl_s,
                         uint64_t *out)
{
    eg_status st = check_key(key);
    if (st == EG_OK && (!member || strlen(member) > EG_STATE_MAX_KEY))
        st = EG_EINVAL;
    if (st != EG_OK)
        return st;
    pthread_mutex_lock(&m->mu);
    mem_entry *e = NULL;
    st = lookup(m, key, ttl_s, &e);
    /* At the member cap the set stops growing but keeps answering its size: past that number the
     * exact count does not change any decision. */
    if (st == EG_OK && e->n_members < m->lim.max_members) {
        if ((e->n_members + 1) * 2 > e->n_slots)
            st = set_grow(e);
        if (st == EG_OK && set_put(e, hash64(member)))
            e->n_members++;
    }
    if (st == EG_OK)
        *out = e->n_members;
    pthread_mutex_unlock(&m->mu);
    return st;
}
