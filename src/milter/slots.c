/*
 * Bounded waiting for a scan slot (see slots.h): a mutex, a condition variable on the monotonic
 * clock and a counter. A semaphore with sem_timedwait would wait on the wall clock, which an NTP
 * step can move by minutes.
 */
#include "milter/slots.h"

#include <errno.h>
#include <time.h>

eg_status eg_milter_slots_init(eg_milter_slots *s, unsigned n)
{
    if (!s || n == 0)
        return EG_EINVAL;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return EG_ENOMEM;
    bool ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&s->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return EG_ENOMEM;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        pthread_cond_destroy(&s->cv);
        return EG_ENOMEM;
    }
    s->free_slots = s->total = n;
    return EG_OK;
}

void eg_milter_slots_destroy(eg_milter_slots *s)
{
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

static struct timespec deadline_after(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

bool eg_milter_slots_acquire(eg_milter_slots *s, unsigned timeout_ms)
{
    struct timespec until = deadline_after(timeout_ms);
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    /* spurious wake-ups loop; a timeout ends the wait unless a slot came free at that moment */
    while (s->free_slots == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->cv, &s->mu, &until);
    bool got = s->free_slots > 0;
    if (got)
        s->free_slots--;
    pthread_mutex_unlock(&s->mu);
    return got;
}

void eg_milter_slots_release(eg_milter_slots *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->free_slots < s->total) /* a stray release must not create slots */
        s->free_slots++;
    pthread_mutex_unlock(&s->mu);
    pthread_cond_signal(&s->cv);
}

unsigned eg_milter_slots_free(eg_milter_slots *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned n = s->free_slots;
    pthread_mutex_unlock(&s->mu);
    return n;
}
