/* libFuzzer target: the BIFF12 macro-sheet reader, the worksheet constants reader (cached formula
 * values) and the BIFF12 formula decoder. */
#include "office/office.h"
#include "office/xlm_int.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_buf out;
    eg_buf_init(&out, 1u << 20);
    unsigned flags = 0;
    eg_biff12_sheet_read(data, size, "Macro1", &out, &flags);
    out.len = 0;
    eg_biff12_sheet_consts(data, size, "Sheet1", NULL, &out);
    out.len = 0;
    eg_xlm_formula_decode(data, size, true, &out);
    eg_buf_free(&out);
    return 0;
}
