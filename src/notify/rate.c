/*
 * The notice rate limiter (see notify.h): one entry per event kind and key, holding when the
 * window of its last notice ends. The table has a fixed size chosen at creation; when it is full
 * the entry whose window ends first gives way, so a flood of distinct keys costs memory never,
 * only (at worst) a repeated notice. Keys are stored as SHA-256 digests: the table holds no
 * addresses. It is per process: several gateways each limit their own notices.
 */
#include "notify/notify.h"

#include "core/sha256.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t digest[16];
    time_t until; /* 0 = free */
} entry;

struct eg_notify_rate {
    pthread_mutex_t mu;
    entry *e;
    size_t n;
};

eg_status eg_notify_rate_new(size_t max_entries, eg_notify_rate **out)
{
    if (max_entries == 0 || max_entries > (1u << 20))
        return EG_EINVAL;
    eg_notify_rate *r = calloc(1, sizeof *r);
    if (!r || !(r->e = calloc(max_entries, sizeof *r->e))) {
        free(r);
        return EG_ENOMEM;
    }
    r->n = max_entries;
    pthread_mutex_init(&r->mu, NULL);
    *out = r;
    return EG_OK;
}

void eg_notify_rate_free(eg_notify_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->e);
    free(r);
}

bool eg_notify_rate_allow(eg_notify_rate *r, eg_notify_kind kind, const char *key,
                          uint32_t window_s, time_t now)
{
    if (window_s == 0)
        return true;
    uint8_t full[32];
    const char *k = eg_notify_kind_str(kind);
    size_t kl = strlen(k), vl = key ? strnlen(key, 4096) : 0;
    uint8_t buf[4200];
    memcpy(buf, k, kl);
    buf[kl] = 0; /* "held"+"x" differs from "heldx" */
    if (vl)
        memcpy(buf + kl + 1, key, vl);
    eg_sha256(buf, kl + 1 + vl, full);
    pthread_mutex_lock(&r->mu);
    entry *hit = NULL, *victim = NULL;
    for (size_t i = 0; i < r->n; i++) {
        entry *e = &r->e[i];
        if (e->until && !memcmp(e->digest, full, sizeof e->digest)) {
            hit = e;
            break;
        }
        if (!victim || e->until < victim->until)
            victim = e; /* a free or expired entry has the smallest end */
    }
    bool allow = !hit || hit->until <= now;
    if (allow) {
        entry *e = hit ? hit : victim;
        memcpy(e->digest, full, sizeof e->digest);
        e->until = now + (time_t)window_s;
    }
    pthread_mutex_unlock(&r->mu);
    return allow;
}
