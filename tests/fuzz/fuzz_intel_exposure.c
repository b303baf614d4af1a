/* libFuzzer target: leak/botnet-spam CSV parsing for the exposure check, then the report walk. */
#include "intel/exposure.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *doms[] = {"corp.example.jp", "b.example"};
    eg_exposure *e;
    if (eg_exposure_new(doms, 2, &e) != EG_OK)
        return 0;
    eg_exposure_parse(e, "fuzz", data, size, NULL, NULL);
    /* a second pass over the same data exercises merging into existing accounts */
    eg_exposure_parse(e, "fuzz2", data, size, NULL, NULL);
    size_t total = 0;
    for (size_t i = 0; i < eg_exposure_count(e); i++) {
        const eg_exposure_account *a = eg_exposure_get(e, i);
        for (size_t j = 0; j < a->n_sources; j++)
            total += strlen(a->sources[j].source) + strlen(a->sources[j].first_seen) +
                     strlen(a->sources[j].last_seen) + a->sources[j].rows;
    }
    eg_exposure_free(e);
    return total == (size_t)-1;
}
