/* libFuzzer target: the static XLM resolver on arbitrary readable-XLM text (cells, constants,
 * names, formulas with SET.NAME / FORMULA writes, GOTO loops), and the BIFF8 reader feeding it. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

static void sink(void *ud, eg_xlm_res_kind kind, const char *where, const char *text, size_t len)
{
    size_t *n = ud;
    *n += len + (size_t)kind + (where[0] != 0);
    (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    eg_xlm_resolve((const char *)data, size, sink, &n, NULL, NULL);
    /* the same bytes as a Workbook stream: whatever text the reader makes is resolved too */
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags;
    eg_biff8_read(data, size, &out, &flags);
    if (out.len)
        eg_xlm_resolve((const char *)out.data, out.len, sink, &n, NULL, NULL);
    eg_buf_free(&out);
    return 0;
}
