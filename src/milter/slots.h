/*
 * Scan slots: at most max_scans scans run at once, the others wait for a free slot, but only for a
 * bounded time. A message that cannot get a slot in time takes the fail-safe action (on_error,
 * tempfail by default) instead of piling up until the MTA's own timeout hits: a backlog must end
 * in a clear 4xx, never in a silent accept or a dropped session.
 *
 * Waiting uses the monotonic clock, so a wall-clock jump cannot shorten or stretch it. This module
 * does not know about messages or actions; it only counts.
 */
#ifndef EG_MILTER_SLOTS_H
#define EG_MILTER_SLOTS_H

#include "emoguard/emoguard.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct eg_milter_slots {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned free_slots;
    unsigned total;
} eg_milter_slots;

/* n >= 1 slots, all free. */
eg_status eg_milter_slots_init(eg_milter_slots *s, unsigned n);
void eg_milter_slots_destroy(eg_milter_slots *s);
/* Takes a slot, waiting at most timeout_ms (0: do not wait). false when none came free in time. */
bool eg_milter_slots_acquire(eg_milter_slots *s, unsigned timeout_ms);
/* Gives back a slot taken with eg_milter_slots_acquire() and wakes one waiter. */
void eg_milter_slots_release(eg_milter_slots *s);
/* Slots free right now (for tests and metrics; may change at once). */
unsigned eg_milter_slots_free(eg_milter_slots *s);

#endif
