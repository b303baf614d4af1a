/* libFuzzer target: the UserForm stream reader (MS-OFORMS 'f' and 'o' streams). The first two
 * bytes give the length of the 'f' part; the rest is the 'o' stream. */
#include "office/office_int.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void sink(void *ud, const char *control, const char *prop, const char *val, size_t vlen)
{
    size_t *n = ud;
    *n += (control ? strlen(control) : 0) + strlen(prop) + vlen;
    if (vlen)
        *n += (unsigned char)val[vlen - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t flen = (size_t)data[0] | ((size_t)data[1] << 8);
    data += 2;
    size -= 2;
    if (flen > size)
        flen = size;
    size_t n = 0;
    eg_oform_parse(data, flen, data + flen, size - flen, 932, sink, &n);
    eg_oform_parse(data, size, NULL, 0, 1252, sink, &n);
    return 0;
}
