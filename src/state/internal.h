/* Internal to src/state: the memory store that both the memory backend and the Redis fallback use. */
#ifndef EG_STATE_INTERNAL_H
#define EG_STATE_INTERNAL_H

#include "state/state.h"

typedef struct eg_mem eg_mem;

eg_status eg_mem_new(const eg_state_limits *lim, eg_mem **out);
void eg_mem_free(eg_mem *m);
eg_status eg_mem_incr(eg_mem *m, const char *key, uint32_t ttl_s, int64_t *out);
eg_status eg_mem_set_add(eg_mem *m, const char *key, const char *member, uint32_t ttl_s, uint64_t *out);
void eg_mem_set_clock(eg_mem *m, time_t (*now)(void *ud), void *ud);

#endif
