/* libFuzzer target: the PowerPoint record walk (ExOleObjStg, VBAInfoAtom, persist directory) and
 * the inflation of every storage it finds, with the input as the "PowerPoint Document" stream. */
#include "office/office_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_ppt_objects o;
    eg_office_ppt_find(data, size, &o);
    for (size_t i = 0; i < o.n; i++) {
        const uint8_t *stg;
        size_t n;
        uint8_t *owned = NULL;
        eg_office_ppt_storage(data, size, o.off[i], 1u << 20, &stg, &n, &owned);
        free(owned);
    }
    return 0;
}
