/*
 * An IOC set: a hash table of indicator keys (see indicator.h) with, for each, where it came
 * from (feed number and line) and an optional remark (malware family, threat, MISP event).
 *
 * Open addressing with linear probing over 64-bit slots (32 bits of hash tag, 32 bits of entry
 * number), kept at most half full, so a lookup that misses usually costs one cache line and a
 * hit two. Keys live in one arena; remarks are interned, as a million MalwareBazaar rows carry
 * only a few hundred family names. Built by one thread, then read-only: lookups from any number
 * of threads need no lock.
 */
#ifndef EG_INTEL_IOCSET_H
#define EG_INTEL_IOCSET_H

#include "emoguard/emoguard.h"
#include "intel/indicator.h"

typedef struct eg_iocset eg_iocset;

typedef struct eg_ioc_hit {
    uint16_t feed;    /* feed number given to eg_iocset_add */
    uint32_t line;    /* line in that feed */
    const char *note; /* remark or NULL; valid while the set lives */
} eg_ioc_hit;

/* Entries and arena bytes at most (a feed past them is refused with EG_ELIMIT). */
eg_status eg_iocset_new(size_t max_entries, eg_iocset **out);
void eg_iocset_free(eg_iocset *s);

/* Adds key. When the key is already present, returns EG_OK with *dup set and *first (if not
 * NULL) describing the earlier entry; the earlier entry is kept. */
eg_status eg_iocset_add(eg_iocset *s, const eg_ikey *key, uint16_t feed, uint32_t line,
                        const char *note, size_t note_len, bool *dup, eg_ioc_hit *first);
bool eg_iocset_find(const eg_iocset *s, const eg_ikey *key, eg_ioc_hit *hit);

size_t eg_iocset_count(const eg_iocset *s, eg_ikind kind);
size_t eg_iocset_total(const eg_iocset *s);
size_t eg_iocset_memory(const eg_iocset *s); /* bytes held, for the benchmark and logs */

#endif
