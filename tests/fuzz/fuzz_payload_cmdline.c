/* libFuzzer target: the command-line analyser, fed as a batch file (the whole text is one
 * command text: carets, variables, PowerShell layers, base64). */
#include "fuzz_payload_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (256u << 10))
        return 0;
    static const char head[] = "@echo off\r\n";
    uint8_t *p = malloc(size + sizeof head);
    if (!p)
        return 0;
    memcpy(p, head, sizeof head - 1);
    for (size_t i = 0; i < size; i++)
        p[sizeof head - 1 + i] = data[i] ? data[i] : ' '; /* stays text */
    fz_scan(p, size + sizeof head - 1, "fuzz.bat");
    free(p);
    return 0;
}
