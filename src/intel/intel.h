/*
 * Intel: IOC sets (hashes, URLs, domains, IPs) and YARA rules, loaded once per scanner and shared
 * read-only by all threads. The scanner calls eg_intel_object() for every object (hash lookups and
 * YARA over its bytes) and eg_intel_ioc() for every indicator an analyzer records.
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

#endif
