/*
 * Tar header walk (see tar.h). Headers are 512-byte blocks: name[100] at 0, size[12] at 124
 * (octal, or base-256 when the first byte has bit 7 set), checksum[8] at 148, type at 156, and
 * in ustar a prefix[155] at 345. Data follow in 512-byte blocks. Every offset is checked against
 * the buffer; a size is never used before it is checked.
 */
#include "archive/tar.h"

#include <stdio.h>
#include <string.h>

#define BLOCK 512u

static bool zero_block(const uint8_t *b)
{
    for (size_t i = 0; i < BLOCK; i++)
        if (b[i])
            return false;
    return true;
}

/* Octal field (spaces and NULs around the digits), or GNU base-256; false when neither. */
static bool field_num(const uint8_t *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return false; /* negative or too large */
        for (size_t i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = (v << 8) | f[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    bool any = false;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return false;
        v = (v << 3) | (uint64_t)(f[i] - '0');
        any = true;
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != 0)
            return false;
    *out = v;
    return any;
}

static bool checksum_ok(const uint8_t *h)
{
    uint64_t want;
    if (!field_num(h + 148, 8, &want))
        return false;
    uint64_t sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

bool eg_tar_type_regular(char type)
{
    return type == '0' || type == 0 || type == '7';
}

static void copy_field(char *dst, size_t cap, const uint8_t *f, size_t n)
{
    size_t k = 0;
    while (k < n && f[k])
        k++;
    if (k >= cap)
        k = cap - 1;
    memcpy(dst, f, k);
    dst[k] = 0;
}

size_t eg_tar_walk(const uint8_t *data, size_t len, size_t max_items, eg_tar_cb cb, void *ud)
{
    size_t off = 0, n = 0;
    char longname[256] = "";
    while (n < max_items && len - off >= BLOCK) {
        const uint8_t *h = data + off;
        if (zero_block(h) || !checksum_ok(h))
            break;
        uint64_t size;
        if (!field_num(h + 124, 12, &size))
            break;
        off += BLOCK;
        size_t avail = size < (uint64_t)(len - off) ? (size_t)size : len - off;
        eg_tar_item it = {.type = (char)h[156], .size = size, .data = data + off, .avail = avail};
        if (it.type == 'L') { /* GNU long name: the data name the next entry */
            copy_field(longname, sizeof longname, data + off, avail);
        } else if (it.type != 'K' && it.type != 'x' && it.type != 'g') {
            if (longname[0]) {
                snprintf(it.name, sizeof it.name, "%s", longname);
                longname[0] = 0;
            } else {
                char name[101], prefix[156];
                copy_field(name, sizeof name, h, 100);
                copy_field(prefix, sizeof prefix, h + 345, 155);
                size_t pl = 0;
                if (!memcmp(h + 257, "ustar", 5) && prefix[0]) {
                    pl = strlen(prefix); /* at most 155: room for '/' and the name's 100 */
                    memcpy(it.name, prefix, pl);
                    it.name[pl++] = '/';
                }
                memcpy(it.name + pl, name, strlen(name) + 1);
            }
            n++;
            if (!cb(ud, &it))
                break;
        }
        /* skip the data, rounded up to whole blocks, without overflowing */
        uint64_t skip = size + (BLOCK - 1);
        if (skip < size)
            break;
        skip -= skip % BLOCK;
        if (skip > (uint64_t)(len - off))
            break;
        off += (size_t)skip;
    }
    return n;
}
