/* libFuzzer target: the SYLK (.slk) reader. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags;
    eg_sylk_read(data, size, "Sheet", &out, &flags);
    eg_buf_free(&out);
    return 0;
}
