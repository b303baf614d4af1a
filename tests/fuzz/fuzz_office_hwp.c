/* libFuzzer target: the HWP helpers (FileHeader, raw inflate of a stream, PostScript judgement).
 * The whole-document path (cfb.c -> hwp.c) is reached through fuzz_office_cfb. */
#include "office/office_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned f;
    eg_hwp_header(data, size, &f);
    uint8_t *o = NULL;
    size_t ol = 0;
    eg_hwp_inflate(data, size, 1u << 20, &o, &ol);
    if (o)
        eg_hwp_judge_ps("BIN0001.eps", o, ol);
    free(o);
    eg_hwp_judge_ps("x", data, size);
    return 0;
}
