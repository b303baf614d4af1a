/*
 * YARA rules through libyara: compiled once from a file or a directory of *.yar / *.yara
 * files, then scanned over object bytes by any number of threads at once (each scan has its own
 * YR_SCANNER; the compiled YR_RULES are shared read-only).
 *
 * libyara's global state (yr_initialize / yr_finalize) is reference-counted here under a mutex,
 * so scanners can be built and freed from any thread, e.g. a milter reloading on SIGHUP while
 * the old scanner still serves mail.
 *
 * Rules may use these external variables, set per object:
 *   eg_type (string, e.g. "vba-source", "lnk", "xlm"), eg_name (string), eg_depth (integer),
 *   eg_decrypted (boolean: the object came out of an encrypted container).
 * It does not decide scores: a match reports the rule's name, tags and meta, and the meta
 * "severity" (info, low, medium, high, critical) if the rule sets one.
 */
#ifndef EG_INTEL_YRULES_H
#define EG_INTEL_YRULES_H

#include "emoguard/emoguard.h"

typedef struct eg_yrules eg_yrules;

/* line 0 = no line */
typedef void (*eg_yrules_diag_fn)(void *ud, const char *file, uint32_t line, bool error, const char *msg);

/* Compiles path (file or directory). Errors and warnings go to diag with file and line; the
 * first error is also written to err. Any compile error refuses the whole set. */
eg_status eg_yrules_load(const char *path, eg_yrules **out, eg_yrules_diag_fn diag, void *ud, char *err,
                         size_t errlen);
void eg_yrules_free(eg_yrules *y);
size_t eg_yrules_count(const eg_yrules *y); /* rules compiled */

typedef struct eg_yrules_match {
    const char *rule;
    const char *ns;   /* namespace: the rule file's name */
    const char *tags; /* space-separated, "" if none */
    const char *meta; /* "key=value, ..." cut to a few hundred bytes */
    eg_severity severity;
    bool has_severity;
} eg_yrules_match;

typedef void (*eg_yrules_match_fn)(void *ud, const eg_yrules_match *m);

/* Scans data. timeout_s > 0 bounds the scan. EG_ETIME when it ran out, EG_ELIMIT when YARA
 * gave up on too many matches (matches found so far are still reported). */
eg_status eg_yrules_scan(const eg_yrules *y, const uint8_t *data, size_t len, const eg_object *obj,
                         int timeout_s, eg_yrules_match_fn cb, void *ud);

/* Library init/fini with reference counting (also used by eg_yrules_load/free). */
eg_status eg_yara_acquire(void);
void eg_yara_release(void);

#endif
