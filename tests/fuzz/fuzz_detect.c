/* libFuzzer target: content type detection (the first thing every object meets), and the root
 * type of a scan's input (mail first). */
#include "scan/detect.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *detail = NULL;
    eg_detect_type(data, size, "fuzz.bin", &detail);
    eg_detect_type(data, size, NULL, NULL);
    eg_detect_root_type(data, size, "fuzz", &detail);
    return 0;
}
