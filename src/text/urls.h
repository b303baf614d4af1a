/*
 * Indicator extraction from text: URLs (http, https, ftp, hxxp and [.]-defanged forms), bare
 * IPv4 addresses (with optional :port), and mail addresses. Pure functions, no allocation
 * beyond what the callback copies; bounded by the input length.
 */
#ifndef EG_TEXT_URLS_H
#define EG_TEXT_URLS_H

#include "emoguard/emoguard.h"

#include <stddef.h>

/* Calls cb for each indicator found, in order; value is not NUL-terminated. Stops early when
 * cb returns false. Returns the number reported. */
size_t eg_urls_extract(const char *text, size_t len,
                       bool (*cb)(void *ud, eg_ioc_kind kind, const char *value, size_t vlen), void *ud);

/* Host part of a URL (lower-cased, without userinfo and port) into out; false if none. */
bool eg_url_host(const char *url, size_t len, char *out, size_t outsz);

#endif
