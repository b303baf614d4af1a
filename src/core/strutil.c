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

/* A needle without ASCII letters ("パスワード", ".7z") matches the same bytes in any case: libc's
 * memmem is far faster than a first-byte search there, whose first byte (a UTF-8 lead byte) is
 * everywhere in Japanese text. Otherwise candidates for the first byte are found with memchr
 * (both cases): the byte loop runs only where the first byte matched. */
const char *eg_memmem_ci(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (nlen > hlen)
        return NULL;
    bool letters = false;
    for (size_t i = 0; i < nlen && !letters; i++)
        letters = lower(needle[i]) != upper(needle[i]);
    if (!letters)
        return memmem(hay, hlen, needle, nlen);
    char fl = lower(needle[0]), fu = upper(needle[0]);
    const char *p = hay, *end = hay + (hlen - nlen) + 1; /* one past the last start */
    while (p < end) {
        const char *a = memchr(p, fl, (size_t)(end - p));
        const char *b = fu != fl ? memchr(p, fu, (size_t)((a ? a : end) - p)) : NULL;
        const char *c = b ? b : a;
        if (!c)
            return NULL;
        size_t j = 1;
        while (j < nlen && lower(c[j]) == lower(needle[j]))
            j++;
        if (j == nlen)
            return c;
        p = c + 1;
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
