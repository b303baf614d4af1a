/*
 * eg_buf: a growable byte buffer with a hard cap.
 *
 * Every decoder that produces output of unknown size writes into an eg_buf whose cap is the limit
 * that applies (object bytes, header length ...). Growth is overflow-checked; going past the cap
 * returns EG_ELIMIT and keeps what was written, so the caller can still analyse a truncated
 * prefix. The data is always NUL-terminated (not counted in len), so text can be used as a C
 * string.
 */
#ifndef EG_CORE_BUF_H
#define EG_CORE_BUF_H

#include "emoguard/emoguard.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eg_buf {
    uint8_t *data;
    size_t len;
    size_t cap;   /* allocated, not counting the NUL */
    size_t limit; /* 0 = no limit beyond SIZE_MAX */
} eg_buf;

static inline void eg_buf_init(eg_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit;
}
void eg_buf_free(eg_buf *b);
eg_status eg_buf_reserve(eg_buf *b, size_t extra);
eg_status eg_buf_append(eg_buf *b, const void *p, size_t n);
eg_status eg_buf_putc(eg_buf *b, uint8_t c);
eg_status eg_buf_puts(eg_buf *b, const char *s);
eg_status eg_buf_printf(eg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
eg_status eg_buf_vprintf(eg_buf *b, const char *fmt, va_list ap);
/* Hands the data over (NUL-terminated, never NULL on EG_OK) and resets the buffer. */
char *eg_buf_steal(eg_buf *b, size_t *len);

#endif
