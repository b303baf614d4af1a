/* libFuzzer target: the VBA dir stream parser, on raw bytes and on their decompression. */
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_vba_dir *d = NULL;
    if (eg_vba_dir_parse(data, size, &d) == EG_OK)
        eg_vba_dir_free(d);
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    eg_status st = eg_ovba_decompress(data, size, &out);
    if ((st == EG_OK || st == EG_ELIMIT) && out.data && eg_vba_dir_parse(out.data, out.len, &d) == EG_OK) {
        for (size_t i = 0; i < d->n_modules; i++) {
            size_t n;
            free(eg_office_codepage_to_utf8((const uint8_t *)d->modules[i].name, strlen(d->modules[i].name),
                                            d->codepage, &n));
        }
        eg_vba_dir_free(d);
    }
    eg_buf_free(&out);
    return 0;
}
