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

/* One lookup per character, stored as value + 1 so that the default 0 of a designated
 * initialiser means "not a digit" (skipped): the standard alphabet 1..64, '=' 0x41 (a zero digit
 * that also marks padding). After subtracting one, the top two bits say "not a plain digit". */
static const uint8_t mime_tab[256] = {
    ['A'] = 1,  ['B'] = 2,    ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,    ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16,   ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23,   ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30,   ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37,   ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44,   ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51,   ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58,   ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
    ['/'] = 64, ['='] = 0x41,
};
#define MIME_V(c) ((uint8_t)(mime_tab[(unsigned char)(c)] - 1u)) /* 0..63, 0x40 '=', 0xff other */

size_t eg_base64_mime_room(size_t len)
{
    return len / 4 * 3 + 3;
}

size_t eg_base64_decode_mime(const uint8_t *in, size_t len, uint8_t *out)
{
    const uint8_t *p = in, *end = in + len;
    uint8_t *o = out;
    uint32_t acc = 0;
    int n = 0; /* digits in acc */
    while (p < end) {
        /* Fast path: whole groups of four plain digits, which is all an encoder writes between
         * line breaks. Any other byte leaves it for the careful loop below. */
        while (n == 0 && end - p >= 4) {
            uint8_t a = MIME_V(p[0]), b = MIME_V(p[1]), c = MIME_V(p[2]), d = MIME_V(p[3]);
            if ((a | b | c | d) & 0xC0)
                break;
            uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
            o[0] = (uint8_t)(v >> 16);
            o[1] = (uint8_t)(v >> 8);
            o[2] = (uint8_t)v;
            o += 3;
            p += 4;
        }
        if (p >= end)
            break;
        uint8_t v = MIME_V(*p++);
        if (v == 0xff)
            continue;
        if (v == 0x40) {
            /* The end of the data: a group of two or three digits gives its one or two bytes,
             * less than two digits give none, and nothing after the '=' is read. */
            if (n >= 2) {
                acc <<= 6 * (4 - n);
                *o++ = (uint8_t)(acc >> 16);
                if (n == 3)
                    *o++ = (uint8_t)(acc >> 8);
            }
            return (size_t)(o - out);
        }
        acc = acc << 6 | v;
        if (++n == 4) {
            o[0] = (uint8_t)(acc >> 16);
            o[1] = (uint8_t)(acc >> 8);
            o[2] = (uint8_t)acc;
            o += 3;
            n = 0;
            acc = 0;
        }
    }
    return (size_t)(o - out); /* a group cut short without '=' gives nothing */
}
