/*
 * Indicator values: classification and normal form.
 *
 * Feeds and mails write the same indicator in many ways (upper-case hex, "hxxp://", "evil[.]com",
 * an explicit ":80", a trailing dot). Everything that goes into an IOC set or is looked up in one
 * first becomes a key here: one byte saying what it is, then the canonical bytes (binary digests
 * for hashes, lower-case host names, numeric-canonical IP addresses). Two spellings of one
 * indicator give the same key; nothing here allocates or looks anything up.
 */
#ifndef EG_INTEL_INDICATOR_H
#define EG_INTEL_INDICATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    EG_IK_NONE = 0,
    EG_IK_SHA256,
    EG_IK_SHA1,
    EG_IK_MD5,
    EG_IK_URL,
    EG_IK_DOMAIN,
    EG_IK_IP,
    EG_IK_IPPORT,
    EG_IK_EMAIL,
    EG_IK_NOTE, /* not an indicator: interned feed remarks share the set's storage */
    EG_IK__COUNT
} eg_ikind;

/* Longest key: kind byte + the longest indicator accepted (URLs are cut nowhere: longer ones
 * are refused). */
#define EG_IKEY_MAX 2100

typedef struct eg_ikey {
    eg_ikind kind;
    size_t len; /* bytes used in k, including the kind byte */
    uint8_t k[EG_IKEY_MAX];
} eg_ikey;

const char *eg_ikind_name(eg_ikind k);

/* Classifies a free-standing value (a line of a plain list, a value given on the command line)
 * and builds its key. Returns false when it is none of the known kinds. */
bool eg_ikey_guess(const char *v, size_t len, eg_ikey *out);
/* Builds the key of a value whose kind is known (CSV column, MISP type); false when invalid. */
bool eg_ikey_make(eg_ikind kind, const char *v, size_t len, eg_ikey *out);
/* Key of a binary digest (32, 20 or 16 bytes). */
void eg_ikey_digest(eg_ikind kind, const uint8_t *d, size_t n, eg_ikey *out);

/* Readable form of a key (hex for digests), NUL-terminated, cut to outsz. */
void eg_ikey_format(const eg_ikey *key, char *out, size_t outsz);

/* Host part of a URL key (lower-case, without port) and whether it is an IP literal. */
bool eg_ikey_url_host(const eg_ikey *url, char *host, size_t hostsz, bool *is_ip, unsigned *port);

#endif
