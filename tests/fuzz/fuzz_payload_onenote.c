/* libFuzzer target: OneNote sections (embedded file stores, name pairing, lure search). The
 * section GUID is forced at offset 0. */
#include "fuzz_payload_common.h"

#include <string.h>

static const uint8_t magic[16] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                                  0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16 || size > (2u << 20))
        return 0;
    uint8_t *p = malloc(size);
    if (!p)
        return 0;
    memcpy(p, data, size);
    memcpy(p, magic, 16);
    fz_scan(p, size, "fuzz.one");
    free(p);
    return 0;
}
