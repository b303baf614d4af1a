/*
 * eg_buf_append for text code that often appends empty runs: an empty append is a no-op here,
 * even on a buffer that has not allocated yet.
 */
#ifndef EG_TEXT_TEXTBUF_H
#define EG_TEXT_TEXTBUF_H

#include "core/buf.h"

static inline eg_status eg_text_append(eg_buf *b, const void *p, size_t n)
{
    return n ? eg_buf_append(b, p, n) : EG_OK;
}

#endif
