/* Small string helpers that the C library lacks (ASCII case-insensitive, length-bounded). */
#ifndef EG_CORE_STRUTIL_H
#define EG_CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

char *eg_strndup(const char *s, size_t n); /* NUL-terminated copy; NULL on ENOMEM */
char *eg_strdup(const char *s);            /* NULL in -> NULL out */
/* ASCII case-insensitive memmem */
const char *eg_memmem_ci(const char *hay, size_t hlen, const char *needle, size_t nlen);
bool eg_has_suffix_ci(const char *s, const char *suffix);
bool eg_has_prefix_ci(const char *s, const char *prefix);
void eg_ascii_lower(char *s);
/* the extension after the last dot of the last path component, without the dot; "" if none */
const char *eg_path_ext(const char *name);

#endif
