/*
 * 7z header bounds check (see sevenzip.h). The structure (7-Zip's 7zFormat.txt): a 32-byte
 * signature header whose NextHeaderOffset/Size point at the header; an encoded header starts with
 * kEncodedHeader (0x17) followed by StreamsInfo: PackInfo (0x06), then UnpackInfo (0x07) with its
 * folders (0x0B) and their CodersUnpackSize (0x0C). Every number uses 7z's variable-length
 * encoding. Anything unexpected ends the check with EG_OK: the check only refuses what it has
 * positively read as too large.
 */
#include "archive/sevenzip.h"

#include "core/safe.h"

#include <stdlib.h>

#define K_END 0x00
#define K_PACK_INFO 0x06
#define K_UNPACK_INFO 0x07
#define K_SIZE 0x09
#define K_FOLDER 0x0B
#define K_CODERS_UNPACK_SIZE 0x0C
#define K_ENCODED_HEADER 0x17
#define K_HEADER 0x01
#define K_ARCHIVE_PROPERTIES 0x02
#define K_ADDITIONAL_STREAMS 0x03
#define K_MAIN_STREAMS 0x04
#define K_FILES_INFO 0x05
#define K_SUBSTREAMS_INFO 0x08
#define K_CRC 0x0A
#define K_NUM_UNPACK_STREAM 0x0D
#define MAX_ITEMS 64 /* folders, coders, streams: an encoded header has one or two */

static const uint8_t SIG[6] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};

bool eg_7z_detect(const uint8_t *data, size_t len)
{
    return len >= 32 && !memcmp(data, SIG, 6);
}

/* 7z NUMBER: the first byte's leading one bits count the extra little-endian bytes */
static uint64_t num(eg_cur *c)
{
    uint8_t first = eg_cur_u8(c);
    uint8_t mask = 0x80;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        if (!(first & mask))
            return v | ((uint64_t)(first & (mask - 1)) << (8 * i));
        v |= (uint64_t)eg_cur_u8(c) << (8 * i);
        mask >>= 1;
    }
    return v;
}

/* Skips PackInfo up to its kEnd; false when it holds something we do not walk (CRCs). */
static bool skip_pack_info(eg_cur *c)
{
    num(c); /* PackPos */
    uint64_t n = num(c);
    if (n > MAX_ITEMS)
        return false;
    for (int guard = 0; guard < 4 && !c->err; guard++) {
        uint8_t id = eg_cur_u8(c);
        if (id == K_END)
            return true;
        if (id != K_SIZE)
            return false;
        for (uint64_t i = 0; i < n; i++)
            num(c);
    }
    return false;
}

/* Reads the folders; returns the number of unpack sizes that follow (sum of coder outputs). */
static uint64_t folders_outputs(eg_cur *c, uint64_t nfolders)
{
    uint64_t outs = 0;
    for (uint64_t f = 0; f < nfolders && !c->err; f++) {
        uint64_t ncoders = num(c), in_total = 0, out_total = 0;
        if (ncoders == 0 || ncoders > MAX_ITEMS)
            return 0;
        for (uint64_t k = 0; k < ncoders && !c->err; k++) {
            uint8_t flag = eg_cur_u8(c);
            eg_cur_skip(c, flag & 0x0F); /* codec id */
            uint64_t in = 1, out = 1;
            if (flag & 0x10) {
                in = num(c);
                out = num(c);
            }
            if (flag & 0x20)
                eg_cur_skip(c, (size_t)num(c)); /* properties */
            if (in > MAX_ITEMS || out > MAX_ITEMS)
                return 0;
            in_total += in;
            out_total += out;
        }
        if (out_total == 0)
            return 0;
        for (uint64_t b = 0; b + 1 < out_total && !c->err; b++) { /* bind pairs */
            num(c);
            num(c);
        }
        uint64_t packed = in_total - (out_total - 1);
        if (packed > 1)
            for (uint64_t p = 0; p < packed && !c->err; p++)
                num(c);
        outs += out_total;
    }
    return c->err ? 0 : outs;
}

eg_status eg_7z_check_header(const uint8_t *data, size_t len, uint64_t max_unpack,
                             uint64_t *declared)
{
    if (!eg_7z_detect(data, len))
        return EG_OK;
    uint64_t off = eg_rd64le(data + 12), size = eg_rd64le(data + 20);
    /* a header outside the file: libarchive would size buffers from these numbers first */
    if (off > len || size > len || !eg_in_bounds(len, 32 + off, size)) {
        if (declared)
            *declared = size;
        return EG_EFORMAT;
    }
    if (size == 0)
        return EG_OK;
    eg_cur c = eg_cur_make(data + 32 + off, (size_t)size);
    if (eg_cur_u8(&c) != K_ENCODED_HEADER || eg_cur_u8(&c) != K_PACK_INFO || !skip_pack_info(&c))
        return EG_OK;
    if (eg_cur_u8(&c) != K_UNPACK_INFO || eg_cur_u8(&c) != K_FOLDER)
        return EG_OK;
    uint64_t nfolders = num(&c);
    if (nfolders == 0 || nfolders > MAX_ITEMS || eg_cur_u8(&c) != 0 /* not external */)
        return EG_OK;
    uint64_t outs = folders_outputs(&c, nfolders);
    if (!outs || eg_cur_u8(&c) != K_CODERS_UNPACK_SIZE)
        return EG_OK;
    for (uint64_t i = 0; i < outs && !c.err; i++) {
        uint64_t v = num(&c);
        if (!c.err && v > max_unpack) {
            if (declared)
                *declared = v;
            return EG_ELIMIT;
        }
    }
    return EG_OK;
}

/* ---- declared counts of a plain header ---------------------------------------------------- */

typedef struct cnt {
    eg_cur c;
    uint64_t max, hdr_len;
    const char *what;
    uint64_t declared;
    bool refused, bail; /* bail: a structure this walk does not follow; libarchive judges it */
} cnt;

/* A count is refused past the fixed cap, or past what the header's bytes could describe at one
 * bit each (the densest 7z encoding, the emptyStream vector). */
static bool count_ok(cnt *k, uint64_t v, const char *what)
{
    if (k->c.err)
        return false;
    if (v > k->max || v > 8 * k->hdr_len + 64) {
        k->refused = true;
        k->what = what;
        k->declared = v;
        return false;
    }
    return true;
}

/* kCRC body: AllAreDefined, or a bit vector, then four bytes per defined digest. */
static void skip_digests(cnt *k, uint64_t n, uint8_t *defined)
{
    uint64_t ndef = n;
    if (eg_cur_u8(&k->c) == 0) {
        ndef = 0;
        uint8_t byte = 0;
        for (uint64_t i = 0; i < n && !k->c.err; i++) {
            if (i % 8 == 0)
                byte = eg_cur_u8(&k->c);
            bool bit = (byte >> (7 - i % 8)) & 1;
            if (defined)
                defined[i] = bit;
            ndef += bit;
        }
    } else if (defined) {
        memset(defined, 1, (size_t)n);
    }
    if (ndef > eg_cur_left(&k->c) / 4)
        k->bail = true;
    else
        eg_cur_skip(&k->c, (size_t)(ndef * 4));
}

static void pack_info(cnt *k)
{
    num(&k->c); /* PackPos */
    uint64_t n = num(&k->c);
    if (!count_ok(k, n, "pack streams"))
        return;
    for (int guard = 0; guard < 4 && !k->c.err && !k->bail; guard++) {
        uint8_t id = eg_cur_u8(&k->c);
        if (id == K_END)
            return;
        if (id == K_SIZE)
            for (uint64_t i = 0; i < n && !k->c.err; i++)
                num(&k->c);
        else if (id == K_CRC)
            skip_digests(k, n, NULL);
        else
            k->bail = true;
    }
    k->bail = true;
}

/* UnpackInfo; returns the number of folders (their CRC-defined flags in *crc, malloc'd). */
static uint64_t unpack_info(cnt *k, uint8_t **crc)
{
    if (eg_cur_u8(&k->c) != K_FOLDER) {
        k->bail = true;
        return 0;
    }
    uint64_t nf = num(&k->c);
    if (!count_ok(k, nf, "folders"))
        return 0;
    if (eg_cur_u8(&k->c) != 0) { /* external: folders stored elsewhere */
        k->bail = true;
        return 0;
    }
    uint64_t outs = nf ? folders_outputs(&k->c, nf) : 0;
    if ((nf && !outs) || eg_cur_u8(&k->c) != K_CODERS_UNPACK_SIZE) {
        k->bail = true;
        return 0;
    }
    for (uint64_t i = 0; i < outs && !k->c.err; i++)
        num(&k->c);
    *crc = calloc(nf ? (size_t)nf : 1, 1);
    if (!*crc) {
        k->bail = true;
        return 0;
    }
    for (int guard = 0; guard < 4 && !k->c.err && !k->bail; guard++) {
        uint8_t id = eg_cur_u8(&k->c);
        if (id == K_END)
            return nf;
        if (id == K_CRC)
            skip_digests(k, nf, *crc);
        else
            k->bail = true;
    }
    k->bail = true;
    return nf;
}

static void substreams_info(cnt *k, uint64_t nf, const uint8_t *crc)
{
    uint64_t *nsub = calloc(nf ? (size_t)nf : 1, sizeof *nsub);
    if (!nsub) {
        k->bail = true;
        return;
    }
    for (uint64_t f = 0; f < nf; f++)
        nsub[f] = 1;
    uint8_t id = eg_cur_u8(&k->c);
    if (id == K_NUM_UNPACK_STREAM) {
        uint64_t total = 0;
        for (uint64_t f = 0; f < nf && !k->c.err; f++) {
            nsub[f] = num(&k->c);
            if (!count_ok(k, nsub[f], "substreams") || eg_add64_ovf(total, nsub[f], &total) ||
                !count_ok(k, total, "substreams"))
                goto out;
        }
        id = eg_cur_u8(&k->c);
    }
    if (id == K_SIZE) {
        for (uint64_t f = 0; f < nf && !k->c.err; f++)
            for (uint64_t i = 1; i < nsub[f] && !k->c.err; i++)
                num(&k->c);
        id = eg_cur_u8(&k->c);
    }
    for (int guard = 0; guard < 4 && id != K_END && !k->c.err && !k->bail; guard++) {
        if (id != K_CRC) {
            k->bail = true;
            goto out;
        }
        uint64_t nd = 0;
        for (uint64_t f = 0; f < nf; f++)
            if (nsub[f] != 1 || !crc || !crc[f])
                nd += nsub[f];
        skip_digests(k, nd, NULL);
        id = eg_cur_u8(&k->c);
    }
    if (id != K_END)
        k->bail = true;
out:
    free(nsub);
}

static void streams_info(cnt *k)
{
    uint8_t id = eg_cur_u8(&k->c);
    uint8_t *crc = NULL;
    uint64_t nf = 0;
    if (id == K_PACK_INFO) {
        pack_info(k);
        id = eg_cur_u8(&k->c);
    }
    if (id == K_UNPACK_INFO && !k->refused && !k->bail) {
        nf = unpack_info(k, &crc);
        id = eg_cur_u8(&k->c);
    }
    if (id == K_SUBSTREAMS_INFO && !k->refused && !k->bail) {
        substreams_info(k, nf, crc);
        id = eg_cur_u8(&k->c);
    }
    if (id != K_END)
        k->bail = true;
    free(crc);
}

eg_status eg_7z_check_counts(const uint8_t *data, size_t len, uint64_t max_count, const char **what,
                             uint64_t *declared)
{
    if (!eg_7z_detect(data, len))
        return EG_OK;
    uint64_t off = eg_rd64le(data + 12), size = eg_rd64le(data + 20);
    if (off > len || size > len || !eg_in_bounds(len, 32 + off, size) || size == 0)
        return EG_OK; /* eg_7z_check_header reports these */
    cnt k = {.c = eg_cur_make(data + 32 + off, (size_t)size), .max = max_count, .hdr_len = size};
    if (eg_cur_u8(&k.c) != K_HEADER)
        return EG_OK;
    uint8_t id = eg_cur_u8(&k.c);
    if (id == K_ARCHIVE_PROPERTIES) {
        for (int guard = 0; guard < 64 && !k.c.err; guard++) {
            if (eg_cur_u8(&k.c) == 0)
                break;
            uint64_t n = num(&k.c);
            if (n > eg_cur_left(&k.c))
                return EG_OK;
            eg_cur_skip(&k.c, (size_t)n);
        }
        id = eg_cur_u8(&k.c);
    }
    if (id == K_ADDITIONAL_STREAMS) {
        streams_info(&k);
        id = eg_cur_u8(&k.c);
    }
    if (id == K_MAIN_STREAMS && !k.refused && !k.bail) {
        streams_info(&k);
        id = eg_cur_u8(&k.c);
    }
    if (id == K_FILES_INFO && !k.refused && !k.bail)
        count_ok(&k, num(&k.c), "files");
    if (!k.refused)
        return EG_OK;
    if (what)
        *what = k.what;
    if (declared)
        *declared = k.declared;
    return EG_ELIMIT;
}
