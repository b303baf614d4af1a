/*
 * Exposure check: which of an organisation's mail addresses appear in leak or botnet-spam data
 * (addresses Emotet stole from address books and mail clients, or used as senders and
 * recipients of its spam), grouped by account with the sources and when they were seen.
 *
 * Input feeds are CSV: address, source, first seen, last seen (a header naming these columns
 * is optional; without one the columns are taken in that order, and source and dates may be
 * left out). '#' lines are comments. As with IOC feeds, any malformed line is an error with
 * file and line and the caller refuses the result; exact duplicate rows are warnings.
 * Matching is by domain: an address matches when its domain is one of the given domains or a
 * subdomain of one. Nothing is looked up on the network.
 */
#ifndef EG_INTEL_EXPOSURE_H
#define EG_INTEL_EXPOSURE_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eg_exposure eg_exposure;

typedef void (*eg_exposure_diag_fn)(void *ud, const char *file, uint32_t line, bool error, const char *msg);

/* domains: the organisation's domains (at least one). */
eg_status eg_exposure_new(const char *const *domains, size_t n_domains, eg_exposure **out);
void eg_exposure_free(eg_exposure *e);

/* Adds one feed; EG_EFORMAT when it had errors (reported through diag). */
eg_status eg_exposure_parse(eg_exposure *e, const char *name, const uint8_t *data, size_t len,
                            eg_exposure_diag_fn diag, void *ud);
eg_status eg_exposure_load(eg_exposure *e, const char *path, eg_exposure_diag_fn diag, void *ud);

typedef struct eg_exposure_source {
    const char *source;     /* "" when the feed gave none */
    const char *first_seen; /* earliest first-seen over its rows, "" if unknown */
    const char *last_seen;  /* latest last-seen, "" if unknown */
    const char *where;      /* "file:line" of its first row */
    size_t rows;
} eg_exposure_source;

typedef struct eg_exposure_account {
    const char *address; /* lower case */
    const eg_exposure_source *sources;
    size_t n_sources;
} eg_exposure_account;

/* Accounts found so far, sorted by address; pointers stay valid until the next parse or free.
 * rows: data rows read, matched: rows about the organisation's domains. */
size_t eg_exposure_count(const eg_exposure *e);
const eg_exposure_account *eg_exposure_get(const eg_exposure *e, size_t i);
void eg_exposure_totals(const eg_exposure *e, size_t *rows, size_t *matched);

#endif
