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

#define K_END 0x00
#define K_PACK_INFO 0x06
#define K_UNPACK_INFO 0x07
#define K_SIZE 0x09
#define K_FOLDER 0x0B
#define K_CODERS_UNPACK_SIZE 0x0C
#define K_ENCODED_HEADER 0x17
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

eg_status eg_7z_check_header(const uint8_t *data, size_t len, uint64_t max_unpack, uint64_t *declared)
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
