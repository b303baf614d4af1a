/* Lenient base64 decoder shared by the analyzers (see base64.h). */
#include "core/base64.h"

int eg_base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

eg_status eg_base64_decode(const char *in, size_t len, eg_buf *out, size_t *used)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t i = 0;
    eg_status st = EG_OK;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            while (i < len && (in[i] == '=' || in[i] == '\r' || in[i] == '\n'))
                i++;
            break;
        }
        int v = eg_base64_value(c);
        if (v < 0)
            break;
        acc = ((acc << 6) | (uint32_t)v) & 0xFFFFFFu; /* only the low bits still matter */
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            st = eg_buf_putc(out, (uint8_t)(acc >> bits));
            if (st != EG_OK)
                break;
        }
    }
    if (used)
        *used = i;
    return st;
}
