/* ASCII-only string helpers; locale-independent on purpose (mail headers are ASCII-cased). */
#include "core/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

char *eg_strndup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    if (n)
        memcpy(r, s, n);
    r[n] = 0;
    return r;
}

char *eg_strdup(const char *s)
{
    return s ? eg_strndup(s, strlen(s)) : NULL;
}

static inline char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
}

/* Exact search: libc's memmem where there is one (glibc's is fast); the Windows build's C
 * library has none, so there a memchr-driven loop does it. */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
#if defined(__GLIBC__)
    return memmem(hay, hlen, needle, nlen);
#else
    const char *end = hay + (hlen - nlen) + 1; /* nlen <= hlen here */
    for (const char *p = hay; p < end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (!memcmp(p, needle, nlen))
            return p;
    }
    return NULL;
#endif
}

/* How common a byte is in mail text (higher = more common): letters by English frequency, from
 * z q j x (rarest) to a t e, spaces and bytes above 0x7F (Japanese text) most common, digits and
 * other punctuation rare. Only used to pick which byte of a needle to look for; any choice gives
 * the same answer. */
static const unsigned char letter_rank[128] = {
    ['z'] = 10, ['Z'] = 10, ['q'] = 11, ['Q'] = 11, ['j'] = 12, ['J'] = 12, ['x'] = 13, ['X'] = 13,
    ['k'] = 14, ['K'] = 14, ['v'] = 15, ['V'] = 15, ['b'] = 16, ['B'] = 16, ['p'] = 17, ['P'] = 17,
    ['g'] = 18, ['G'] = 18, ['w'] = 19, ['W'] = 19, ['y'] = 20, ['Y'] = 20, ['f'] = 21, ['F'] = 21,
    ['m'] = 22, ['M'] = 22, ['c'] = 23, ['C'] = 23, ['u'] = 24, ['U'] = 24, ['l'] = 25, ['L'] = 25,
    ['d'] = 26, ['D'] = 26, ['r'] = 27, ['R'] = 27, ['h'] = 28, ['H'] = 28, ['s'] = 29, ['S'] = 29,
    ['n'] = 30, ['N'] = 30, ['i'] = 31, ['I'] = 31, ['o'] = 32, ['O'] = 32, ['a'] = 33, ['A'] = 33,
    ['t'] = 34, ['T'] = 34, ['e'] = 35, ['E'] = 35, [' '] = 40, ['0'] = 8,  ['1'] = 8,  ['2'] = 8,
    ['3'] = 8,  ['4'] = 8,  ['5'] = 8,  ['6'] = 8,  ['7'] = 8,  ['8'] = 8,  ['9'] = 8,  ['.'] = 30,
    ['/'] = 30, [','] = 25, ['-'] = 20, [':'] = 20};
static inline unsigned commonness(unsigned char c)
{
    return c >= 0x80 ? 40 : letter_rank[c] ? letter_rank[c] : 4;
}

/* The same for byte i of a needle, which may be UTF-8: lead bytes (E3 begins every kana) and the
 * second byte of a character (81-83 after E3) are everywhere in Japanese text; the last byte of a
 * multibyte character spreads over 64 values and is the rarest. */
static unsigned needle_rank(const char *needle, size_t nlen, size_t i)
{
    unsigned char c = (unsigned char)needle[i];
    if (c < 0x80)
        return commonness(c);
    if (c >= 0xC0)
        return 40;
    bool last = i + 1 == nlen || ((unsigned char)needle[i + 1] & 0xC0) != 0x80;
    return last ? 12 : 30;
}

/* Exact search anchored on the needle's rarest byte (needle_rank): memchr for it and compare
 * around each hit. A needle whose anchor is everywhere in the haystack would make this
 * quadratic, so after a budget of failed candidates the rest goes to find_bytes (linear). */
static const char *find_anchored(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    size_t k = 0;
    for (size_t i = 1; i < nlen; i++)
        if (needle_rank(needle, nlen, i) < needle_rank(needle, nlen, k))
            k = i;
    const char *end = hay + (hlen - nlen) + k + 1; /* one past the last anchor; nlen <= hlen */
    size_t budget = 64 + hlen / 16;
    for (const char *c = hay + k; c < end; c++) {
        c = memchr(c, needle[k], (size_t)(end - c));
        if (!c)
            return NULL;
        if (!memcmp(c - k, needle, nlen))
            return c - k;
        if (--budget == 0) { /* starts before c + 1 - k are ruled out */
            const char *from = c + 1 - k;
            size_t left = (size_t)(hay + hlen - from);
            return left >= nlen ? find_bytes(from, left, needle, nlen) : NULL;
        }
    }
    return NULL;
}

/* A needle without ASCII letters ("パスワード", ".7z") matches the same bytes in any case: it is
 * found exactly (find_anchored; never through its first byte, a UTF-8 lead byte that is everywhere
 * in Japanese text). Otherwise the search anchors on the needle's rarest byte (the "b" of
 * "enable", not its "e", which is in every English line): its candidates are found with memchr,
 * one pointer per case; each pointer only moves forward, so the search stays linear in
 * the haystack (times the needle's length) even when one case of the byte is everywhere and the
 * other nowhere. Candidates come in increasing order, so the first match is the leftmost. */
const char *eg_memmem_ci(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (!hay || nlen > hlen)
        return NULL;
    bool letters = false;
    size_t k = 0; /* the anchor: the rarest byte of the needle */
    for (size_t i = 0; i < nlen; i++) {
        letters |= lower(needle[i]) != upper(needle[i]);
        if (commonness((unsigned char)needle[i]) < commonness((unsigned char)needle[k]))
            k = i;
    }
    if (!letters)
        return nlen >= 3 ? find_anchored(hay, hlen, needle, nlen)
                         : find_bytes(hay, hlen, needle, nlen);
    char fl = lower(needle[k]), fu = upper(needle[k]);
    /* the anchor of a match starting at s lies at s + k, s from hay to hay + hlen - nlen */
    const char *lo = hay + k, *end = hay + (hlen - nlen) + k + 1; /* one past the last anchor */
    const char *a = memchr(lo, fl, (size_t)(end - lo));
    const char *b = fu != fl ? memchr(lo, fu, (size_t)(end - lo)) : NULL;
    while (a || b) {
        const char *c = !a ? b : !b ? a : a < b ? a : b;
        const char *st = c - k;
        size_t j = 0;
        while (j < nlen && lower(st[j]) == lower(needle[j]))
            j++;
        if (j == nlen)
            return st;
        if (c == a)
            a = c + 1 < end ? memchr(c + 1, fl, (size_t)(end - c - 1)) : NULL;
        else
            b = c + 1 < end ? memchr(c + 1, fu, (size_t)(end - c - 1)) : NULL;
    }
    return NULL;
}

bool eg_has_suffix_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return b <= a && strncasecmp(s + a - b, suffix, b) == 0;
}

bool eg_has_prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void eg_ascii_lower(char *s)
{
    for (; *s; s++)
        *s = lower(*s);
}

const char *eg_path_ext(const char *name)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const char *dot = strrchr(base, '.');
    return (dot && dot[1]) ? dot + 1 : "";
}
