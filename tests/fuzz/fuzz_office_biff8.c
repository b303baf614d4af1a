/* libFuzzer target: the BIFF8 workbook reader and the BIFF8 formula decoder. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags;
    eg_biff8_read(data, size, &out, &flags);
    out.len = 0;
    eg_xlm_formula_decode(data, size, false, &out);
    eg_buf_free(&out);
    return 0;
}
