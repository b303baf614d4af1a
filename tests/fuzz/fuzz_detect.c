/* libFuzzer target: content type detection (the first thing every object meets). */
#include "scan/detect.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *detail = NULL;
    eg_detect_type(data, size, "fuzz.bin", &detail);
    eg_detect_type(data, size, NULL, NULL);
    return 0;
}
