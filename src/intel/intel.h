/*
 * Intel: IOC sets (hashes, URLs, domains, IPs) and YARA rules, loaded once per scanner and shared
 * read-only by all threads. The scanner calls eg_intel_object() for every object (hash lookups and
 * YARA over its bytes) and eg_intel_ioc() for every indicator an analyzer records.
 *
 * Loading is all or nothing: a feed with any error (malformed line, wrong columns, invalid value,
 * unknown format, file over the size limit) or a rule file that does not compile makes the load
 * fail with file:line in err, and no intel is built. Warnings (duplicates, MISP attributes that
 * cannot be matched) are logged with file and line and do not stop the load. The milter keeps its
 * old scanner when a reload fails, so a broken feed never silently weakens the filter.
 *
 * Matching: hashes exactly (SHA-256 from the object; SHA-1 and MD5 computed only when a feed has
 * them); URLs in normal form (scheme and host lower case, default port and fragment dropped);
 * a URL's host also against domains (the host and each parent domain) or IPs; IP:port also
 * against the bare IP; an address also against its domain. Nothing is fetched or resolved.
 *
 * Threads: lookups and YARA scans on one eg_intel run concurrently without locks. Loading and
 * freeing may happen in any thread, also while another eg_intel is in use (a reload on SIGHUP):
 * libyara's global state is reference-counted. An eg_intel must not be freed while a scan still
 * uses it.
 */
#ifndef EG_INTEL_INTEL_H
#define EG_INTEL_INTEL_H

#include "scan/scan.h"

typedef struct eg_intel eg_intel;

/* Loads opt->ioc_files and opt->yara_rules. *out is NULL-free: an empty intel is valid.
 * err receives file:line and the reason on failure. */
eg_status eg_intel_load(const eg_options *opt, eg_intel **out, char *err, size_t errlen);
void eg_intel_free(eg_intel *in);
void eg_intel_object(const eg_intel *in, eg_scan *s, const eg_object *obj);
void eg_intel_ioc(const eg_intel *in, eg_scan *s, const eg_object *obj, eg_ioc_kind kind, const char *value);

/* ---- for the command line, tests and benchmarks ------------------------------------------ */

/* Every error and warning of a load, with file and line (0 = the file as a whole). */
typedef void (*eg_intel_diag_fn)(void *ud, const char *file, uint32_t line, bool error, const char *msg);

/* eg_intel_load with the diagnostics handed to diag instead of the log (diag may be NULL). */
eg_status eg_intel_load_ex(const char *const *feeds, size_t n_feeds, const char *yara_rules,
                           eg_intel_diag_fn diag, void *ud, eg_intel **out, char *err, size_t errlen);

typedef struct eg_intel_match {
    const char *kind;   /* kind of the entry that matched: sha256 sha1 md5 url domain ip ip-port email */
    const char *value;  /* that entry, readable (the parent domain, the bare IP ...) */
    const char *feed;   /* file it came from */
    uint32_t line;      /* line in that file */
    const char *format; /* feed format */
    const char *note;   /* remark from the feed (malware family, threat, MISP event) or NULL */
} eg_intel_match;

typedef void (*eg_intel_match_fn)(void *ud, const eg_intel_match *m);

/* Looks up one indicator of a known kind; returns the number of matches. */
size_t eg_intel_lookup_ioc(const eg_intel *in, eg_ioc_kind kind, const char *value, eg_intel_match_fn cb,
                           void *ud);
/* Looks up a value of any kind (hash, URL, domain, IP, IP:port, address), classified from its
 * form. Returns the number of matches; *valid false when the value is none of these. */
size_t eg_intel_lookup_value(const eg_intel *in, const char *value, bool *valid, eg_intel_match_fn cb,
                             void *ud);
/* Looks up the hashes of a buffer (SHA-256, and SHA-1/MD5 when feeds hold them). */
size_t eg_intel_lookup_bytes(const eg_intel *in, const uint8_t *data, size_t len, eg_intel_match_fn cb,
                             void *ud);

typedef struct eg_intel_yara_hit {
    const char *rule, *file, *tags, *meta;
    eg_severity severity;
    bool has_severity;
} eg_intel_yara_hit;
typedef void (*eg_intel_yara_fn)(void *ud, const eg_intel_yara_hit *h);
/* YARA over a buffer; obj (may be NULL) supplies the eg_* external variables. */
eg_status eg_intel_yara(const eg_intel *in, const uint8_t *data, size_t len, const eg_object *obj,
                        int timeout_s, eg_intel_yara_fn cb, void *ud);

/* Counts for messages: indicators by kind name ("sha256", "url" ...), all indicators, rules. */
size_t eg_intel_count(const eg_intel *in, const char *kind);
size_t eg_intel_indicators(const eg_intel *in);
size_t eg_intel_rules(const eg_intel *in);

#endif
