/*
 * Overflow-safe arithmetic and a bounds-checked reader for hostile bytes.
 *
 * Every parser reads file structures through eg_cur: a cursor over a borrowed buffer whose reads
 * never go past the end. A failed read sets a sticky error flag and returns zeros, so a parser can
 * read a whole record and check cur.err once, instead of checking every field.
 * Nothing here allocates.
 */
#ifndef EG_CORE_SAFE_H
#define EG_CORE_SAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* true on overflow; *r is only meaningful when false is returned */
static inline bool eg_add_ovf(size_t a, size_t b, size_t *r) { return __builtin_add_overflow(a, b, r); }
static inline bool eg_mul_ovf(size_t a, size_t b, size_t *r) { return __builtin_mul_overflow(a, b, r); }
static inline bool eg_add64_ovf(uint64_t a, uint64_t b, uint64_t *r) { return __builtin_add_overflow(a, b, r); }

/* Is [off, off+n) inside a buffer of len bytes? Never overflows. */
static inline bool eg_in_bounds(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

static inline uint16_t eg_rd16le(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t eg_rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t eg_rd64le(const uint8_t *p)
{
    return (uint64_t)eg_rd32le(p) | ((uint64_t)eg_rd32le(p + 4) << 32);
}
static inline uint16_t eg_rd16be(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t eg_rd32be(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

typedef struct eg_cur {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool err; /* sticky: set by any read past the end */
} eg_cur;

static inline eg_cur eg_cur_make(const uint8_t *p, size_t len)
{
    eg_cur c = {p, len, 0, false};
    return c;
}
static inline size_t eg_cur_left(const eg_cur *c) { return c->err ? 0 : c->len - c->off; }
static inline bool eg_cur_has(const eg_cur *c, size_t n) { return !c->err && n <= c->len - c->off; }

/* Returns a pointer to n bytes and advances, or NULL (and sets err). */
static inline const uint8_t *eg_cur_take(eg_cur *c, size_t n)
{
    if (!eg_cur_has(c, n)) {
        c->err = true;
        return NULL;
    }
    const uint8_t *r = c->p + c->off;
    c->off += n;
    return r;
}
static inline bool eg_cur_skip(eg_cur *c, size_t n) { return eg_cur_take(c, n) != NULL; }
static inline bool eg_cur_seek(eg_cur *c, uint64_t off)
{
    if (c->err || off > c->len) {
        c->err = true;
        return false;
    }
    c->off = (size_t)off;
    return true;
}
static inline uint8_t eg_cur_u8(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 1);
    return p ? p[0] : 0;
}
static inline uint16_t eg_cur_u16le(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 2);
    return p ? eg_rd16le(p) : 0;
}
static inline uint32_t eg_cur_u32le(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 4);
    return p ? eg_rd32le(p) : 0;
}
static inline uint64_t eg_cur_u64le(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 8);
    return p ? eg_rd64le(p) : 0;
}
static inline uint16_t eg_cur_u16be(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 2);
    return p ? eg_rd16be(p) : 0;
}
static inline uint32_t eg_cur_u32be(eg_cur *c)
{
    const uint8_t *p = eg_cur_take(c, 4);
    return p ? eg_rd32be(p) : 0;
}

#endif
