/* libFuzzer target: the shell link parser, then the whole LNK analysis (arguments through the
 * command-line analyser, appended data as a child). The header magic is forced so every input
 * reaches the parser. */
#include "fuzz_payload_common.h"
#include "payload/payload.h"

#include <string.h>

static const uint8_t magic[20] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 20 || size > (1u << 20))
        return 0;
    uint8_t *p = malloc(size);
    if (!p)
        return 0;
    memcpy(p, data, size);
    memcpy(p, magic, 20);
    eg_lnk *l = NULL;
    if (eg_lnk_parse(p, size, &l) == EG_OK) {
        char *tf;
        eg_lnk_target(l, &tf);
        free(tf);
        eg_lnk_free(l);
    }
    fz_scan(p, size, "fuzz.lnk");
    free(p);
    return 0;
}
