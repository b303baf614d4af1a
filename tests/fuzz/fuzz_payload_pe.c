/* libFuzzer target: PE summary (headers, sections, export directory) and the padding check. */
#include "fuzz_payload_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1u << 20))
        return 0;
    uint8_t *p = malloc(size);
    if (!p)
        return 0;
    memcpy(p, data, size);
    p[0] = 'M';
    p[1] = 'Z';
    fz_scan(p, size, "fuzz.dat");
    free(p);
    return 0;
}
