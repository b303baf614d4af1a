/* libFuzzer target: scripts and HTML (classification, Script Encoder decoding, string joins,
 * the evaluation of assembled values in script_eval.c, hex literals, .url shortcuts, scriptlets,
 * XSL, CHM headers, smuggling and element payloads). The first byte picks the file name (or none:
 * type by content), the rest is the content. */
#include "fuzz_payload_common.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"f.vbs", "f.vbe",  "f.js",  "f.jse", "f.wsf", "f.hta",
                                        "f.ps1", "f.html", "f.url", "f.sct", "f.xsl", "f"};
    enum { N_NAMES = sizeof names / sizeof names[0] };
    if (size < 1 || size > (512u << 10))
        return 0;
    const char *name = names[data[0] % N_NAMES];
    uint8_t *p = malloc(size);
    if (!p)
        return 0;
    size_t n = size - 1;
    for (size_t i = 0; i < n; i++)
        p[i] = data[1 + i] ? data[1 + i] : ' ';
    if (data[0] % N_NAMES == 7 && n >= 6)
        memcpy(p, "<html>", 6); /* HTML is detected by content */
    if (data[0] % N_NAMES == 8 && n >= 20)
        memcpy(p, "[InternetShortcut]\n", 19);
    fz_scan(p, n, name);
    free(p);
    return 0;
}
