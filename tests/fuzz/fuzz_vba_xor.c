/* libFuzzer target: the XOR string decoder of VBA sources and the other static VBA decoding. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf out, keys;
    eg_buf_init(&out, 1u << 20);
    eg_buf_init(&keys, 1u << 20);
    eg_vba_xor_decode((const char *)data, size, &out, &keys);
    out.len = 0;
    eg_vba_decode_strings((const char *)data, size, &out);
    eg_buf_free(&out);
    eg_buf_free(&keys);
    return 0;
}
