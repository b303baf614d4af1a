/* libFuzzer target: MS-OVBA decompression of arbitrary bytes. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    eg_ovba_decompress(data, size, &out);
    eg_buf_free(&out);
    return 0;
}
