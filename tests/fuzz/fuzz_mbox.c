/*
 * libFuzzer target for the streamed mbox splitter (eg_mbox_reader): the input is read in short
 * chunks through a small buffer, and every message it reports must be the one eg_mbox_split finds
 * in the whole buffer (same bytes after unescaping, same line), as long as no line is longer
 * than the buffer (such a line is judged by its head only, by design).
 */
#include "mail/mailbox.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CAP 256

typedef struct {
    const uint8_t *d;
    size_t n, pos, step;
} src;

static long rd(void *ud, uint8_t *buf, size_t n)
{
    src *s = ud;
    size_t k = s->n - s->pos;
    if (k > n)
        k = n;
    if (k > s->step)
        k = s->step;
    memcpy(buf, s->d + s->pos, k);
    s->pos += k;
    return (long)k;
}

static bool long_line(const uint8_t *d, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = d[i] == '\n' ? 0 : run + 1;
        if (run >= CAP)
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = 1 + data[0] % 64;
    data++;
    size--;
    eg_mbox_msg *m = NULL;
    size_t n = 0;
    eg_status st = eg_mbox_split(data, size, 100000, &m, &n);
    bool compare = st == EG_OK && !long_line(data, size);
    src s = {data, size, 0, step};
    eg_mbox_reader *r = eg_mbox_reader_new(rd, &s, CAP);
    if (!r)
        abort();
    eg_mbox_entry e;
    size_t k = 0;
    int got;
    while ((got = eg_mbox_reader_next(r, &e)) == 1) {
        if (e.off > size || e.len > size - e.off)
            abort();
        if (compare) {
            if (k >= n)
                abort();
            uint8_t *c = malloc(e.len + 1);
            if (!c)
                abort();
            memcpy(c, data + e.off, e.len);
            size_t cl = e.unescape ? eg_mbox_unescape(c, e.len) : e.len;
            if (cl != m[k].len || memcmp(c, m[k].data, cl) || e.line != m[k].line ||
                e.unescape != (m[k].owned != NULL))
                abort();
            free(c);
        }
        k++;
    }
    if (compare && (got != 0 || k != n))
        abort();
    if (st == EG_EFORMAT && got != -1)
        abort();
    eg_mbox_reader_free(r);
    eg_mbox_free(m, n);
    return 0;
}
