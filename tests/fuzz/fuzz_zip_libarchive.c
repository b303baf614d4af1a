/*
 * libFuzzer target for the libarchive path of the archive module (the reader behind unsupported
 * ZIP methods and 7z/RAR/tar/ISO/cab): hostile bytes must end in a status, within the output cap.
 */
#include "archive/archive.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_status st = eg_archive_la_extract(data, size, "a.txt", "pw", 1u << 16, &out, &olen);
    if (olen > (1u << 16) || (st != EG_OK && st != EG_ELIMIT && st != EG_EFORMAT && out))
        abort();
    free(out);
    return 0;
}
