/* Capped growable buffer (see buf.h). Grows geometrically; never past limit. */
#include "core/buf.h"

#include "core/safe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eg_buf_free(eg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

eg_status eg_buf_reserve(eg_buf *b, size_t extra)
{
    size_t need;
    if (eg_add_ovf(b->len, extra, &need))
        return EG_ENOMEM;
    if (b->limit && need > b->limit)
        return EG_ELIMIT;
    if (need <= b->cap && b->data) /* an empty buffer still gets storage for its NUL */
        return EG_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) {
        if (eg_mul_ovf(ncap, 2, &ncap))
            return EG_ENOMEM;
    }
    if (b->limit && ncap > b->limit)
        ncap = b->limit;
    size_t alloc;
    if (eg_add_ovf(ncap, 1, &alloc))
        return EG_ENOMEM;
    uint8_t *p = realloc(b->data, alloc);
    if (!p)
        return EG_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return EG_OK;
}

eg_status eg_buf_append(eg_buf *b, const void *p, size_t n)
{
    if (b->data && n <= b->cap - b->len) { /* fits: cap never exceeds limit */
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = 0;
        return EG_OK;
    }
    eg_status st = eg_buf_reserve(b, n);
    if (st == EG_ELIMIT && b->limit > b->len) {
        /* keep the prefix that fits: analysing a cut object beats analysing nothing */
        size_t fit = b->limit - b->len;
        if (eg_buf_reserve(b, fit) == EG_OK) {
            memcpy(b->data + b->len, p, fit);
            b->len += fit;
            b->data[b->len] = 0;
        }
        return EG_ELIMIT;
    }
    if (st != EG_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return EG_OK;
}

eg_status eg_buf_putc(eg_buf *b, uint8_t c)
{
    if (b->data && b->len < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = 0;
        return EG_OK;
    }
    return eg_buf_append(b, &c, 1);
}

eg_status eg_buf_puts(eg_buf *b, const char *s)
{
    return eg_buf_append(b, s, strlen(s));
}

eg_status eg_buf_vprintf(eg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return EG_EINVAL;
    eg_status st = eg_buf_reserve(b, (size_t)n);
    if (st != EG_OK)
        return st;
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return EG_OK;
}

eg_status eg_buf_printf(eg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_status st = eg_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

char *eg_buf_steal(eg_buf *b, size_t *len)
{
    if (!b->data && eg_buf_reserve(b, 0) != EG_OK)
        return NULL;
    b->data[b->len] = 0;
    char *r = (char *)b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return r;
}
