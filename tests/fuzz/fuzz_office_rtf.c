/* libFuzzer target: the RTF object reader (destinations, \'hh, \bin, nesting) and the
 * Ole10Native reader over every object it finds and over the input itself. */
#include "office/office_int.h"

#include <stddef.h>
#include <stdint.h>

static void on_object(void *ud, const uint8_t *d, size_t len, const char *objclass,
                      size_t anomalies)
{
    (void)ud;
    (void)objclass;
    (void)anomalies;
    eg_ole10native o;
    eg_ole10native_parse(d, len, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_rtf_stats st;
    eg_rtf_objects(data, size, 1u << 20, on_object, NULL, &st);
    eg_ole10native o;
    if (eg_ole10native_parse(data, size, &o) == EG_OK && o.data && o.data_len) {
        volatile uint8_t x = o.data[o.data_len - 1];
        (void)x;
    }
    return 0;
}
