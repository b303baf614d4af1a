/*
 * IOC set: open-addressing hash table (see iocset.h). Growth doubles the slot array and
 * re-inserts from the dense entry array, so entries never move and entry numbers stay valid.
 * The hash is our own 64-bit multiply-xorshift over 8-byte words; feeds are administrator
 * input, and a probe for a key a mail supplies stops at the first empty slot, which at a load
 * of at most one half is near.
 */
#include "intel/iocset.h"

#include "core/safe.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t off;  /* key bytes in the arena */
    uint16_t len;  /* key length including the kind byte */
    uint16_t feed;
    uint32_t line;
    uint32_t note; /* entry number + 1 of the interned remark, 0 = none */
} entry;

struct eg_iocset {
    entry *e;
    size_t n, cap, max;
    uint8_t *arena;
    size_t alen, acap;
    uint64_t *slots; /* (tag << 32) | (entry number + 1); 0 = empty */
    size_t mask;
    size_t by_kind[EG_IK__COUNT];
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_key(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0x9fb21c651e98df25ULL;
    return mix(h);
}

eg_status eg_iocset_new(size_t max_entries, eg_iocset **out)
{
    *out = NULL;
    eg_iocset *s = calloc(1, sizeof *s);
    if (!s)
        return EG_ENOMEM;
    s->max = max_entries ? max_entries : 0x7fffffff;
    if (s->max > 0x7fffffff)
        s->max = 0x7fffffff;
    s->mask = 1023;
    s->slots = calloc(s->mask + 1, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return EG_ENOMEM;
    }
    *out = s;
    return EG_OK;
}

void eg_iocset_free(eg_iocset *s)
{
    if (!s)
        return;
    free(s->e);
    free(s->arena);
    free(s->slots);
    free(s);
}

static const uint8_t *key_of(const eg_iocset *s, const entry *e) { return s->arena + e->off; }

/* Slot index holding key, or the empty slot where it would go. */
static size_t probe(const eg_iocset *s, const uint8_t *k, size_t n, uint64_t h, bool *found)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & s->mask;
    for (;;) {
        uint64_t v = s->slots[i];
        if (!v) {
            *found = false;
            return i;
        }
        if ((uint32_t)(v >> 32) == tag) {
            const entry *e = &s->e[(uint32_t)v - 1];
            if (e->len == n && !memcmp(key_of(s, e), k, n)) {
                *found = true;
                return i;
            }
        }
        i = (i + 1) & s->mask;
    }
}

static eg_status grow_slots(eg_iocset *s)
{
    size_t nslots;
    if (eg_mul_ovf(s->mask + 1, 2, &nslots) || nslots > SIZE_MAX / sizeof(uint64_t))
        return EG_ENOMEM;
    uint64_t *ns = calloc(nslots, sizeof *ns);
    if (!ns)
        return EG_ENOMEM;
    free(s->slots);
    s->slots = ns;
    s->mask = nslots - 1;
    for (size_t j = 0; j < s->n; j++) {
        const entry *e = &s->e[j];
        uint64_t h = hash_key(key_of(s, e), e->len);
        size_t i = (size_t)h & s->mask;
        while (s->slots[i]) /* keys are unique: the first empty slot is the place */
            i = (i + 1) & s->mask;
        s->slots[i] = (h >> 32 << 32) | (uint64_t)(j + 1);
    }
    return EG_OK;
}

static eg_status reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return EG_OK;
    size_t nc = *cap ? *cap : 64, bytes;
    while (nc < need)
        if (eg_mul_ovf(nc, 2, &nc))
            return EG_ENOMEM;
    if (eg_mul_ovf(nc, elem, &bytes))
        return EG_ENOMEM;
    void *np = realloc(*p, bytes);
    if (!np)
        return EG_ENOMEM;
    *p = np;
    *cap = nc;
    return EG_OK;
}

/* Inserts without the duplicate report; returns the entry number in *idx. */
static eg_status insert(eg_iocset *s, const uint8_t *k, size_t n, uint16_t feed, uint32_t line,
                        uint32_t note, bool *dup, size_t *idx)
{
    uint64_t h = hash_key(k, n);
    bool found;
    size_t i = probe(s, k, n, h, &found);
    if (found) {
        *dup = true;
        *idx = (uint32_t)s->slots[i] - 1;
        return EG_OK;
    }
    *dup = false;
    if (s->n >= s->max || n > UINT16_MAX || s->alen > UINT32_MAX - n)
        return EG_ELIMIT;
    eg_status st = reserve((void **)&s->e, &s->cap, s->n + 1, sizeof(entry));
    if (st == EG_OK)
        st = reserve((void **)&s->arena, &s->acap, s->alen + n, 1);
    if (st != EG_OK)
        return st;
    entry *e = &s->e[s->n];
    e->off = (uint32_t)s->alen;
    e->len = (uint16_t)n;
    e->feed = feed;
    e->line = line;
    e->note = note;
    memcpy(s->arena + s->alen, k, n);
    s->alen += n;
    *idx = s->n++;
    s->slots[i] = (h >> 32 << 32) | (uint64_t)s->n;
    if (k[0] < EG_IK__COUNT)
        s->by_kind[k[0]]++;
    if (s->n * 2 > s->mask + 1)
        return grow_slots(s);
    return EG_OK;
}

eg_status eg_iocset_add(eg_iocset *s, const eg_ikey *key, uint16_t feed, uint32_t line,
                        const char *note, size_t note_len, bool *dup, eg_ioc_hit *first)
{
    uint32_t nref = 0;
    if (note && note_len) {
        eg_ikey nk;
        if (note_len > 200)
            note_len = 200; /* a remark is shown in evidence, which is short anyway */
        nk.kind = EG_IK_NOTE;
        nk.k[0] = EG_IK_NOTE;
        memcpy(nk.k + 1, note, note_len);
        nk.k[note_len + 1] = 0; /* stored NUL-terminated so it can be handed out as a string */
        nk.len = note_len + 2;
        bool d;
        size_t ni;
        eg_status st = insert(s, nk.k, nk.len, 0, 0, 0, &d, &ni);
        if (st != EG_OK)
            return st;
        nref = (uint32_t)ni + 1;
    }
    size_t idx;
    eg_status st = insert(s, key->k, key->len, feed, line, nref, dup, &idx);
    if (st == EG_OK && *dup && first) {
        const entry *e = &s->e[idx];
        first->feed = e->feed;
        first->line = e->line;
        first->note = e->note ? (const char *)key_of(s, &s->e[e->note - 1]) + 1 : NULL;
    }
    return st;
}

bool eg_iocset_find(const eg_iocset *s, const eg_ikey *key, eg_ioc_hit *hit)
{
    if (!s || key->len == 0)
        return false;
    bool found;
    size_t i = probe(s, key->k, key->len, hash_key(key->k, key->len), &found);
    if (!found)
        return false;
    if (hit) {
        const entry *e = &s->e[(uint32_t)s->slots[i] - 1];
        hit->feed = e->feed;
        hit->line = e->line;
        hit->note = e->note ? (const char *)key_of(s, &s->e[e->note - 1]) + 1 : NULL;
    }
    return true;
}

size_t eg_iocset_count(const eg_iocset *s, eg_ikind kind)
{
    return s && (unsigned)kind < EG_IK__COUNT ? s->by_kind[kind] : 0;
}

size_t eg_iocset_total(const eg_iocset *s)
{
    return s ? s->n - s->by_kind[EG_IK_NOTE] : 0;
}

size_t eg_iocset_memory(const eg_iocset *s)
{
    return s ? sizeof *s + s->cap * sizeof(entry) + s->acap + (s->mask + 1) * sizeof(uint64_t) : 0;
}
