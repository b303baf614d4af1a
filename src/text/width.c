/* Full-width -> ASCII normalisation (width.h). One pass, output never longer than the input. */
#include "text/width.h"

#include "core/utf8.h"

#include <stdlib.h>

unsigned eg_width_fold(unsigned cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFF01 + 0x21;
    switch (cp) {
    case 0x3000: /* ideographic space */
        return ' ';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2212: case 0xFF70:
        return '-';
    case 0x2018: case 0x2019:
        return '\'';
    case 0x201C: case 0x201D:
        return '"';
    case 0xFFE5: /* full-width yen */
        return '\\';
    default:
        return cp;
    }
}

char *eg_width_normalize(const char *s, size_t len, size_t *out_len)
{
    char *o = malloc(len + 1);
    if (!o)
        return NULL;
    size_t i = 0, n = 0;
    while (i < len) {
        unsigned cp;
        size_t k = eg_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (k == 0) {
            o[n++] = s[i++];
            continue;
        }
        unsigned f = eg_width_fold(cp);
        if (f == cp) {
            for (size_t j = 0; j < k; j++)
                o[n++] = s[i + j];
        } else {
            o[n++] = (char)f; /* every folded form is ASCII */
        }
        i += k;
    }
    o[n] = 0;
    if (out_len)
        *out_len = n;
    return o;
}
