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

/* A needle without ASCII letters ("パスワード", ".7z") matches the same bytes in any case: libc's
 * memmem is far faster than a first-byte search there, whose first byte (a UTF-8 lead byte) is
 * everywhere in Japanese text. Otherwise the candidates for the first byte are found with memchr,
 * one pointer per case; each pointer only moves forward, so the search stays linear in the
 * haystack (times the needle's length) even when one case of the first letter is everywhere and
 * the other nowhere. */
const char *eg_memmem_ci(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (!hay || nlen > hlen)
        return NULL;
    bool letters = false;
    for (size_t i = 0; i < nlen && !letters; i++)
        letters = lower(needle[i]) != upper(needle[i]);
    if (!letters)
        return find_bytes(hay, hlen, needle, nlen);
    char fl = lower(needle[0]), fu = upper(needle[0]);
    const char *end = hay + (hlen - nlen) + 1; /* one past the last start */
    const char *a = memchr(hay, fl, (size_t)(end - hay));
    const char *b = fu != fl ? memchr(hay, fu, (size_t)(end - hay)) : NULL;
    while (a || b) {
        const char *c = !a ? b : !b ? a : a < b ? a : b;
        size_t j = 1;
        while (j < nlen && lower(c[j]) == lower(needle[j]))
            j++;
        if (j == nlen)
            return c;
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
