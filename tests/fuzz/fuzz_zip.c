/*
 * libFuzzer target for the ZIP reader: open any bytes, then extract every entry with a fixed
 * password, a small output cap and zero-run collapsing, so structure parsing, ZipCrypto, AES and
 * inflate all see hostile input.
 */
#include "archive/zip.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_zip *z = NULL;
    eg_zip_limits lim = {.max_entries = 256};
    if (eg_zip_open(data, size, &lim, &z) != EG_OK)
        return 0;
    const eg_zip_info *in = eg_zip_get_info(z);
    (void)in;
    for (size_t i = 0; i < eg_zip_count(z); i++) {
        const eg_zip_entry *e = eg_zip_entry_at(z, i);
        if (!e || !e->name)
            abort();
        uint8_t *out = NULL;
        size_t olen = 0;
        eg_zip_extract_result r;
        eg_zip_extract_opts o = {.password = "pw", .max_out = 1u << 16, .max_count = 1u << 20,
                                 .collapse_zero_runs = (i & 1) != 0};
        eg_status st = eg_zip_extract(z, i, &o, &out, &olen, &r);
        if (olen > o.max_out || (out == NULL) != (olen == 0))
            abort();
        (void)st;
        free(out);
    }
    size_t idx;
    eg_zip_find(z, "[Content_Types].xml", &idx);
    eg_zip_free(z);
    return 0;
}
