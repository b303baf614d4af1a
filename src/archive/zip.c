/*
 * ZIP structure reader: finds the end of central directory (tolerating junk before and after),
 * walks the central directory, cross-checks every entry with its local header and flags the
 * layouts that scanners get wrong (prefixed data, name and size mismatches, overlapping and
 * out-of-order entries). When the central directory is missing or cut, entries are recovered by
 * walking local headers. Extraction lives in zip_extract.c.
 */
#include "archive/zip.h"
#include "archive/zip_internal.h"

#include "core/safe.h"
#include "core/strutil.h"
#include "core/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u

#define EOCD_LEN 22
#define MAX_EOCD_CANDIDATES 64
#define MAX_NAME_OUT 1024

static bool sig_at(const uint8_t *d, size_t len, uint64_t off, uint32_t sig)
{
    return eg_in_bounds(len, off, 4) && eg_rd32le(d + off) == sig;
}

/* CP932 name bytes to UTF-8 (malloc'd); an undecodable byte becomes '?'. Names are at most
 * 65535 bytes, and a CP932 character never takes more than 3 UTF-8 bytes per input byte. */
static char *cp932_to_utf8(const uint8_t *p, size_t n, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = n * 3 + 1;
    char *out = malloc(cap);
    if (!out) {
        iconv_close(cd);
        return NULL;
    }
    char *ip = (char *)p, *op = out;
    size_t il = n, ol = cap - 1;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == E2BIG || ol == 0)
            break;
        *op++ = '?'; /* EILSEQ or EINVAL: skip one byte */
        ol--;
        ip++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    *op = 0;
    *outlen = (size_t)(op - out); /* not strlen: a NUL inside a name must stay visible */
    iconv_close(cd);
    return out;
}

/* Name bytes to sanitised UTF-8: the UTF-8 flag or a valid UTF-8 string is taken as is, anything
 * else is read as CP932 (Japanese Windows writes names in the ANSI codepage). */
static char *decode_name(const uint8_t *p, size_t n, bool utf8_flag)
{
    /* every input byte gives at least one output byte, and the output is cut at MAX_NAME_OUT:
     * more input than this cannot show (cut at a UTF-8 character boundary) */
    if (n > 4 * MAX_NAME_OUT) {
        n = 4 * MAX_NAME_OUT;
        while (n > 0 && (p[n] & 0xC0) == 0x80)
            n--;
    }
    if (utf8_flag || eg_utf8_valid((const char *)p, n))
        return eg_utf8_sanitize((const char *)p, n, MAX_NAME_OUT, false);
    size_t ulen = 0;
    char *u = cp932_to_utf8(p, n, &ulen);
    if (!u)
        return eg_utf8_sanitize((const char *)p, n, MAX_NAME_OUT, false);
    char *s = eg_utf8_sanitize(u, ulen, MAX_NAME_OUT, false);
    free(u);
    return s;
}

/* Values of the extra fields we read. */
typedef struct extras {
    bool has_aes;
    uint16_t aes_vendor_version, aes_method;
    uint8_t aes_strength;
    const uint8_t *upath;
    size_t upath_len;
    uint32_t upath_crc;
} extras;

/* ZIP64 extra (0x0001): only the fields whose 32-bit values are 0xFFFFFFFF are present, in order.
 */
static void read_zip64(const uint8_t *p, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *off)
{
    eg_cur c = eg_cur_make(p, n);
    if (usize && *usize == 0xFFFFFFFFu) {
        uint64_t v = eg_cur_u64le(&c);
        if (!c.err)
            *usize = v;
    }
    if (csize && *csize == 0xFFFFFFFFu) {
        uint64_t v = eg_cur_u64le(&c);
        if (!c.err)
            *csize = v;
    }
    if (off && *off == 0xFFFFFFFFu) {
        uint64_t v = eg_cur_u64le(&c);
        if (!c.err)
            *off = v;
    }
}

static void read_extras(const uint8_t *p, size_t n, uint64_t *usize, uint64_t *csize, uint64_t *off,
                        extras *x, bool *zip64)
{
    eg_cur c = eg_cur_make(p, n);
    while (eg_cur_left(&c) >= 4) {
        uint16_t id = eg_cur_u16le(&c);
        uint16_t sz = eg_cur_u16le(&c);
        const uint8_t *d = eg_cur_take(&c, sz);
        if (!d)
            break;
        if (id == 0x0001) {
            read_zip64(d, sz, usize, csize, off);
            if (zip64)
                *zip64 = true;
        } else if (id == 0x9901 && sz >= 7 && x) {
            x->has_aes = true;
            x->aes_vendor_version = eg_rd16le(d);
            x->aes_strength = d[4];
            x->aes_method = eg_rd16le(d + 5);
        } else if (id == 0x7075 && sz >= 5 && d[0] == 1 && x) {
            x->upath_crc = eg_rd32le(d + 1);
            x->upath = d + 5;
            x->upath_len = sz - 5u;
        }
    }
}

/* Encryption kind and real method from flags, method and the AES extra. */
static void set_encryption(eg_zip_entry *e, const extras *x)
{
    if (!(e->flags & 1u)) {
        e->enc = EG_ZIP_ENC_NONE;
        if (e->method == 99 && x->has_aes) /* AES extra without the flag: still AES */
            e->enc = EG_ZIP_ENC_AES;
        else
            return;
    } else if (e->flags & (1u << 6)) {
        e->enc = EG_ZIP_ENC_OTHER; /* PKWARE strong encryption */
        return;
    } else if (e->method == 99) {
        e->enc = x->has_aes ? EG_ZIP_ENC_AES : EG_ZIP_ENC_OTHER;
    } else {
        e->enc = EG_ZIP_ENC_ZIPCRYPTO;
        return;
    }
    if (e->enc == EG_ZIP_ENC_AES) {
        e->method = x->aes_method;
        e->aes_version = x->aes_vendor_version;
        e->aes_bits = x->aes_strength == 1   ? 128
                      : x->aes_strength == 2 ? 192
                      : x->aes_strength == 3 ? 256
                                             : 0;
        if (e->aes_bits == 0 || (e->aes_version != 1 && e->aes_version != 2))
            e->enc = EG_ZIP_ENC_OTHER;
    }
}

static bool ends_with_slash(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && (s[n - 1] == '/' || s[n - 1] == '\\');
}

static eg_status push_entry(eg_zip *z, const eg_zip_entry *e)
{
    if (z->n == z->cap) {
        size_t nc = z->cap ? z->cap * 2 : 16, bytes;
        if (eg_mul_ovf(nc, sizeof *z->e, &bytes))
            return EG_ENOMEM;
        eg_zip_entry *ne = realloc(z->e, bytes);
        if (!ne)
            return EG_ENOMEM;
        z->e = ne;
        z->cap = nc;
    }
    z->e[z->n++] = *e;
    return EG_OK;
}

static void free_entry(eg_zip_entry *e)
{
    free(e->name);
    free(e->local_name);
}

static size_t lh_slot(const eg_zip *z, uint64_t off)
{
    uint64_t h = off * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & z->lh_mask;
}

/* The entry already read from the local header at off, or NULL. */
static const eg_zip_entry *lh_find(const eg_zip *z, uint64_t off)
{
    if (!z->lh_slots)
        return NULL;
    for (size_t j = lh_slot(z, off); z->lh_slots[j]; j = (j + 1) & z->lh_mask)
        if (z->e[z->lh_slots[j] - 1].local_offset == off)
            return &z->e[z->lh_slots[j] - 1];
    return NULL;
}

/* Remembers entry i (just pushed, local header read) under its local offset; the index stays at
 * most half full. On ENOMEM nothing is remembered: only the cache is lost. */
static void lh_remember(eg_zip *z, size_t i)
{
    size_t cap = z->lh_slots ? z->lh_mask + 1 : 0;
    if (!cap || (z->n + 1) * 2 > cap) {
        size_t ncap = cap ? cap * 2 : 64;
        uint32_t *v = calloc(ncap, sizeof *v);
        if (!v)
            return;
        uint32_t *old = z->lh_slots;
        z->lh_slots = v;
        z->lh_mask = ncap - 1;
        for (size_t k = 0; old && k < cap; k++)
            if (old[k]) {
                size_t j = lh_slot(z, z->e[old[k] - 1].local_offset);
                while (v[j])
                    j = (j + 1) & z->lh_mask;
                v[j] = old[k];
            }
        free(old);
    }
    size_t j = lh_slot(z, z->e[i].local_offset);
    while (z->lh_slots[j]) {
        if (z->e[z->lh_slots[j] - 1].local_offset == z->e[i].local_offset)
            return;
        j = (j + 1) & z->lh_mask;
    }
    z->lh_slots[j] = (uint32_t)(i + 1);
}

/* Reads the local header of e (already filled from the central directory) and cross-checks. A
 * header read before for another record is not decoded again (its name may be 64 KiB of bytes
 * that iconv rejects one by one, and 65 535 records may point at it). */
static eg_status check_local(eg_zip *z, eg_zip_entry *e, const uint8_t *cd_name, size_t cd_name_len)
{
    const uint8_t *d = z->data;
    size_t len = z->len;
    eg_cur c = eg_cur_make(d, len);
    if (!sig_at(d, len, e->local_offset, SIG_LOCAL) || !eg_cur_seek(&c, e->local_offset + 4)) {
        e->local_bad = true;
        return EG_OK;
    }
    const eg_zip_entry *prev = lh_find(z, e->local_offset);
    eg_cur_skip(&c, 2); /* version needed */
    uint16_t lflags = eg_cur_u16le(&c);
    eg_cur_skip(&c, 2 + 2 + 2 + 4); /* method, time, date, crc */
    uint64_t lcs = eg_cur_u32le(&c);
    uint64_t lus = eg_cur_u32le(&c);
    uint16_t nlen = eg_cur_u16le(&c);
    uint16_t xlen = eg_cur_u16le(&c);
    const uint8_t *lname = eg_cur_take(&c, nlen);
    const uint8_t *lx = eg_cur_take(&c, xlen);
    if (c.err) {
        e->local_bad = true;
        return EG_OK;
    }
    if (prev) {
        lcs = prev->local_csize;
        lus = prev->local_usize;
    } else {
        read_extras(lx, xlen, &lus, &lcs, NULL, NULL, NULL);
    }
    e->local_csize = lcs;
    e->local_usize = lus;
    e->data_offset = c.off;
    if (nlen != cd_name_len || memcmp(lname, cd_name, nlen) != 0) {
        e->name_mismatch = true;
    }
    e->local_name =
        prev ? eg_strdup(prev->local_name) : decode_name(lname, nlen, (lflags & 0x800u) != 0);
    if (!e->local_name)
        return EG_ENOMEM;
    bool descriptor = (lflags & 8u) != 0;
    if (!descriptor || lcs != 0 || lus != 0) {
        if (lcs != e->csize || (lus != e->usize && !(e->enc == EG_ZIP_ENC_AES && lus == 0)))
            e->size_mismatch = true;
    }
    return EG_OK;
}

/* One central-directory record at c; fills e. */
static eg_status read_central(eg_zip *z, eg_cur *c, int64_t shift, eg_zip_entry *e)
{
    memset(e, 0, sizeof *e);
    if (eg_cur_u32le(c) != SIG_CENTRAL)
        return EG_EFORMAT;
    eg_cur_skip(c, 4); /* versions */
    e->flags = eg_cur_u16le(c);
    e->method = eg_cur_u16le(c);
    e->mod_time = eg_cur_u16le(c);
    e->mod_date = eg_cur_u16le(c);
    e->crc = eg_cur_u32le(c);
    e->csize = eg_cur_u32le(c);
    e->usize = eg_cur_u32le(c);
    uint16_t nlen = eg_cur_u16le(c), xlen = eg_cur_u16le(c), clen = eg_cur_u16le(c);
    eg_cur_skip(c, 2 + 2 + 4); /* disk, internal attrs, external attrs */
    uint64_t off = eg_cur_u32le(c);
    const uint8_t *name = eg_cur_take(c, nlen);
    const uint8_t *x = eg_cur_take(c, xlen);
    eg_cur_skip(c, clen);
    if (c->err)
        return EG_EFORMAT;
    extras ex = {0};
    bool z64 = false;
    read_extras(x, xlen, &e->usize, &e->csize, &off, &ex, &z64);
    if (z64)
        z->info.zip64 = true;
    /* apply the prefix shift without wrapping */
    if (shift >= 0) {
        if (eg_add64_ovf(off, (uint64_t)shift, &e->local_offset))
            e->local_offset = UINT64_MAX;
    } else {
        uint64_t s = (uint64_t)(-shift);
        e->local_offset = off >= s ? off - s : UINT64_MAX;
    }
    set_encryption(e, &ex);
    bool utf8 = (e->flags & 0x800u) != 0;
    if (!utf8 && ex.upath && (uint32_t)crc32(0, name, nlen) == ex.upath_crc &&
        eg_utf8_valid((const char *)ex.upath, ex.upath_len)) {
        e->name = eg_utf8_sanitize((const char *)ex.upath, ex.upath_len, MAX_NAME_OUT, false);
        e->unicode_extra = true;
    } else {
        e->name = decode_name(name, nlen, utf8);
    }
    if (!e->name)
        return EG_ENOMEM;
    e->is_dir = ends_with_slash(e->name) && e->usize == 0;
    eg_status st = check_local(z, e, name, nlen);
    if (st != EG_OK) {
        free_entry(e);
        return st;
    }
    if (e->local_bad)
        e->data_offset = 0;
    return EG_OK;
}

/* Where the central directory is, as the end records tell it. */
typedef struct cd_loc {
    uint64_t eocd;   /* position of the EOCD record */
    uint64_t cd_end; /* where the central directory should end (EOCD or ZIP64 EOCD) */
    uint64_t cd_off; /* declared offset */
    uint64_t cd_size;
    uint64_t entries;
    uint64_t tail_end; /* end of the EOCD record and its comment */
    uint16_t comment_len;
    bool zip64;
} cd_loc;

static void read_zip64_end(const uint8_t *d, size_t len, cd_loc *L)
{
    if (L->eocd < 20 || !sig_at(d, len, L->eocd - 20, SIG_LOC64))
        return;
    uint64_t rec = eg_rd64le(d + L->eocd - 20 + 8);
    /* the ZIP64 EOCD normally sits right before the locator; junk in front shifts it */
    uint64_t guess = L->eocd >= 20 + 56 ? L->eocd - 20 - 56 : UINT64_MAX;
    uint64_t at = sig_at(d, len, rec, SIG_EOCD64) ? rec : guess;
    if (at == UINT64_MAX || !sig_at(d, len, at, SIG_EOCD64) || !eg_in_bounds(len, at, 56))
        return;
    L->zip64 = true;
    L->entries = eg_rd64le(d + at + 32);
    L->cd_size = eg_rd64le(d + at + 40);
    L->cd_off = eg_rd64le(d + at + 48);
    L->cd_end = at;
}

/* Validates an EOCD candidate and computes the prefix shift. */
static bool try_eocd(const uint8_t *d, size_t len, uint64_t pos, cd_loc *L, int64_t *shift)
{
    memset(L, 0, sizeof *L);
    if (!eg_in_bounds(len, pos, EOCD_LEN))
        return false;
    const uint8_t *p = d + pos;
    if (eg_rd16le(p + 4) != 0 || eg_rd16le(p + 6) != 0) /* multi-disk: not followed */
        return false;
    L->eocd = pos;
    L->entries = eg_rd16le(p + 10);
    L->cd_size = eg_rd32le(p + 12);
    L->cd_off = eg_rd32le(p + 16);
    L->comment_len = eg_rd16le(p + 20);
    L->cd_end = pos;
    L->tail_end = pos + EOCD_LEN + L->comment_len;
    if (L->tail_end > len)
        L->tail_end = len;
    read_zip64_end(d, len, L);
    if (L->entries == 0 && L->cd_size == 0) {
        *shift = 0;
        return true;
    }
    if (L->cd_size > L->cd_end)
        return false;
    uint64_t actual = L->cd_end - L->cd_size;
    if (sig_at(d, len, L->cd_off, SIG_CENTRAL) && L->cd_off + L->cd_size <= L->cd_end) {
        *shift = 0;
        return true;
    }
    if (sig_at(d, len, actual, SIG_CENTRAL)) {
        /* both fit in int64 since they are below len */
        *shift = (int64_t)actual - (int64_t)(L->cd_off <= len ? L->cd_off : len);
        if (L->cd_off > len)
            return false;
        L->cd_off = actual;
        return true;
    }
    return false;
}

static bool find_eocd(const uint8_t *d, size_t len, cd_loc *L, int64_t *shift)
{
    if (len < EOCD_LEN)
        return false;
    int tried = 0;
    for (size_t pos = len - EOCD_LEN + 1; pos-- > 0 && tried < MAX_EOCD_CANDIDATES;) {
        if (d[pos] != 'P' || eg_rd32le(d + pos) != SIG_EOCD)
            continue;
        tried++;
        if (try_eocd(d, len, pos, L, shift))
            return true;
    }
    return false;
}

static eg_status walk_central(eg_zip *z, const cd_loc *L, int64_t shift, uint32_t max_entries)
{
    eg_cur c = eg_cur_make(z->data, L->cd_end);
    if (!eg_cur_seek(&c, L->cd_off))
        return EG_EFORMAT;
    uint64_t cd_stop = L->cd_off + L->cd_size;
    if (cd_stop > L->cd_end)
        cd_stop = L->cd_end;
    while (c.off + 46 <= cd_stop && sig_at(z->data, z->len, c.off, SIG_CENTRAL)) {
        if (z->n >= max_entries) {
            z->info.entries_capped = true;
            break;
        }
        eg_zip_entry e;
        eg_status st = read_central(z, &c, shift, &e);
        if (st == EG_EFORMAT) {
            z->info.truncated = true;
            break;
        }
        if (st != EG_OK)
            return st;
        st = push_entry(z, &e);
        if (st != EG_OK) {
            free_entry(&e);
            return st;
        }
        if (!e.local_bad)
            lh_remember(z, z->n - 1);
    }
    if (z->n < L->entries && !z->info.entries_capped)
        z->info.truncated = true;
    return EG_OK;
}

/* No usable central directory: recover entries from local headers, front to back. */
static eg_status walk_local(eg_zip *z, uint32_t max_entries)
{
    const uint8_t *d = z->data;
    size_t len = z->len, pos = 0;
    z->info.truncated = true;
    while (pos + 30 <= len) {
        const uint8_t *hit = memmem(d + pos, len - pos, "PK\003\004", 4);
        if (!hit)
            break;
        pos = (size_t)(hit - d);
        if (z->n >= max_entries) {
            z->info.entries_capped = true;
            break;
        }
        eg_cur c = eg_cur_make(d, len);
        eg_cur_seek(&c, pos + 4);
        eg_zip_entry e;
        memset(&e, 0, sizeof e);
        eg_cur_skip(&c, 2);
        e.flags = eg_cur_u16le(&c);
        e.method = eg_cur_u16le(&c);
        e.mod_time = eg_cur_u16le(&c);
        e.mod_date = eg_cur_u16le(&c);
        e.crc = eg_cur_u32le(&c);
        e.csize = eg_cur_u32le(&c);
        e.usize = eg_cur_u32le(&c);
        uint16_t nlen = eg_cur_u16le(&c), xlen = eg_cur_u16le(&c);
        const uint8_t *name = eg_cur_take(&c, nlen);
        const uint8_t *x = eg_cur_take(&c, xlen);
        if (c.err)
            break;
        extras ex = {0};
        read_extras(x, xlen, &e.usize, &e.csize, NULL, &ex, NULL);
        set_encryption(&e, &ex);
        e.local_offset = pos;
        e.data_offset = c.off;
        e.local_csize = e.csize;
        e.local_usize = e.usize;
        /* with a data descriptor the size is unknown: the data run to the next header */
        size_t next = len;
        const uint8_t *nh = memmem(d + c.off, len - c.off, "PK\003\004", 4);
        if (nh)
            next = (size_t)(nh - d);
        if ((e.flags & 8u) && e.csize == 0)
            e.csize = next - c.off;
        e.name = decode_name(name, nlen, (e.flags & 0x800u) != 0);
        e.local_name = e.name ? strdup(e.name) : NULL;
        if (!e.name || !e.local_name) {
            free_entry(&e);
            return EG_ENOMEM;
        }
        e.is_dir = ends_with_slash(e.name) && e.usize == 0;
        eg_status st = push_entry(z, &e);
        if (st != EG_OK) {
            free_entry(&e);
            return st;
        }
        pos = e.csize < next - c.off ? c.off + (size_t)e.csize : next;
        if (pos <= (size_t)(hit - d))
            pos = (size_t)(hit - d) + 4;
    }
    return EG_OK;
}

static int cmp_span(const void *a, const void *b)
{
    const eg_zip_entry *x = *(eg_zip_entry *const *)a, *y = *(eg_zip_entry *const *)b;
    return x->local_offset < y->local_offset ? -1 : x->local_offset > y->local_offset;
}

/* Span of an entry in the file: local header to end of data. */
static uint64_t span_end(const eg_zip_entry *e)
{
    uint64_t end;
    if (e->local_bad || eg_add64_ovf(e->data_offset, e->csize, &end))
        return e->local_offset + 1;
    return end;
}

/* Overlaps (sweep over entries sorted by offset), out-of-order entries and the prefix size. */
static eg_status check_layout(eg_zip *z)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < z->n; i++) {
        if (i > 0 && z->e[i].local_offset < prev)
            z->info.out_of_order++;
        prev = z->e[i].local_offset;
    }
    if (z->n == 0)
        return EG_OK;
    size_t bytes;
    if (eg_mul_ovf(z->n, sizeof(eg_zip_entry *), &bytes))
        return EG_ENOMEM;
    eg_zip_entry **v = malloc(bytes);
    if (!v)
        return EG_ENOMEM;
    for (size_t i = 0; i < z->n; i++)
        v[i] = &z->e[i];
    qsort(v, z->n, sizeof *v, cmp_span);
    eg_zip_entry *owner = NULL;
    uint64_t max_end = 0;
    for (size_t i = 0; i < z->n; i++) {
        eg_zip_entry *e = v[i];
        if (e->local_bad)
            continue;
        if (owner && e->local_offset < max_end) {
            e->overlaps = true;
            owner->overlaps = true;
        }
        uint64_t end = span_end(e);
        if (!owner || end > max_end) {
            max_end = end;
            owner = e;
        }
    }
    uint64_t first = UINT64_MAX;
    for (size_t i = 0; i < z->n; i++) {
        if (!v[i]->local_bad) {
            first = v[i]->local_offset;
            break;
        }
    }
    free(v);
    for (size_t i = 0; i < z->n; i++)
        z->info.overlapping += z->e[i].overlaps;
    if (first != UINT64_MAX)
        z->info.prefix_bytes = first;
    return EG_OK;
}

eg_status eg_zip_open(const uint8_t *data, size_t len, const eg_zip_limits *lim, eg_zip **out)
{
    if (!out || (!data && len))
        return EG_EINVAL;
    *out = NULL;
    eg_zip *z = calloc(1, sizeof *z);
    if (!z)
        return EG_ENOMEM;
    z->data = data;
    z->len = len;
    uint32_t max_entries = lim && lim->max_entries ? lim->max_entries : 65535;
    cd_loc L;
    int64_t shift = 0;
    eg_status st;
    if (find_eocd(data, len, &L, &shift)) {
        z->info.zip64 = L.zip64;
        z->info.declared_entries = L.entries;
        z->info.trailing_bytes = len - L.tail_end;
        z->info.comment = eg_utf8_sanitize((const char *)data + L.eocd + EOCD_LEN,
                                           L.tail_end - (L.eocd + EOCD_LEN), 512, true);
        if (!z->info.comment) {
            eg_zip_free(z);
            return EG_ENOMEM;
        }
        st = walk_central(z, &L, shift, max_entries);
        if (st == EG_OK && z->n == 0 && L.entries > 0)
            st = walk_local(z, max_entries);
    } else {
        st = walk_local(z, max_entries);
        if (st == EG_OK && z->n == 0) {
            eg_zip_free(z);
            return EG_EFORMAT;
        }
    }
    for (size_t i = 0; i < z->n && !z->info.cd_encrypted; i++)
        if (z->e[i].flags & (1u << 13))
            z->info.cd_encrypted = true;
    if (st == EG_OK)
        st = check_layout(z);
    if (st != EG_OK) {
        eg_zip_free(z);
        return st;
    }
    *out = z;
    return EG_OK;
}

void eg_zip_free(eg_zip *z)
{
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++)
        free_entry(&z->e[i]);
    free(z->e);
    free(z->lh_slots);
    free(z->info.comment);
    free(z);
}

const eg_zip_info *eg_zip_get_info(const eg_zip *z)
{
    return &z->info;
}
size_t eg_zip_count(const eg_zip *z)
{
    return z ? z->n : 0;
}
const eg_zip_entry *eg_zip_entry_at(const eg_zip *z, size_t i)
{
    return z && i < z->n ? &z->e[i] : NULL;
}

eg_status eg_zip_find(const eg_zip *z, const char *name, size_t *idx)
{
    if (!z || !name)
        return EG_EINVAL;
    for (size_t i = 0; i < z->n; i++) {
        if (strcasecmp(z->e[i].name, name) == 0) {
            if (idx)
                *idx = i;
            return EG_OK;
        }
    }
    return EG_ENOTFOUND;
}

bool eg_zip_method_supported(uint16_t method)
{
    return method == 0 || method == 8;
}

const char *eg_zip_method_name(uint16_t method, char *buf, size_t bufsz)
{
    switch (method) {
    case 0: return "stored";
    case 1: return "shrink";
    case 6: return "implode";
    case 8: return "deflate";
    case 9: return "deflate64";
    case 12: return "bzip2";
    case 14: return "lzma";
    case 93: return "zstd";
    case 95: return "xz";
    case 96: return "jpeg";
    case 97: return "wavpack";
    case 98: return "ppmd";
    case 99: return "aes";
    default:
        if (buf && bufsz) {
            snprintf(buf, bufsz, "method %u", (unsigned)method);
            return buf;
        }
        return "unknown";
    }
}
