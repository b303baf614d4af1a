/*
 * libFuzzer target for the MIME base64 decoder (src/core/base64.c): never writes past
 * eg_base64_mime_room(), and gives the same bytes as GMime's decoder run over the whole input in
 * one step (the decoder it replaces on the scan's path).
 */
#include "core/base64.h"

#include <gmime/gmime.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t room = eg_base64_mime_room(size);
    uint8_t *ours = malloc(room), *theirs = malloc(room + 8);
    if (!ours || !theirs)
        abort();
    size_t n = eg_base64_decode_mime(data, size, ours);
    if (n > room)
        abort();
    int state = 0;
    guint32 save = 0;
    size_t m = g_mime_encoding_base64_decode_step(data, size, theirs, &state, &save);
    if (m != n || memcmp(ours, theirs, n) != 0)
        abort();
    free(ours);
    free(theirs);
    return 0;
}
