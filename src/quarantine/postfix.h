/*
 * Postfix's queue through its own tools, for `emoguard quarantine`: postqueue -j to list,
 * postcat to show headers, postsuper -H / postqueue -i to release, postsuper -d to delete.
 * Each tool is run directly (no shell) with a validated queue id and an optional configuration
 * directory (-c), its output read up to a bound. This module never writes Postfix's files itself.
 */
#ifndef EG_QUARANTINE_POSTFIX_H
#define EG_QUARANTINE_POSTFIX_H

#include "quarantine/quarantine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_PFQ_MAX_OUTPUT (64u << 20) /* postqueue -j output read at most */
#define EG_PFQ_MAX_ENTRIES 100000

typedef struct eg_pfq_entry {
    char queue_id[EG_QREC_ID_MAX + 1];
    char queue_name[16]; /* hold, active, deferred, incoming, maildrop */
    int64_t arrival_time;
    uint64_t size;
    char sender[256];
    char rcpt[256]; /* the first recipient */
    uint32_t n_rcpts;
} eg_pfq_entry;

/* Parses postqueue -j output (one JSON object per line); lines that are not objects with a valid
 * queue id are skipped. */
eg_status eg_pfq_parse(const char *text, size_t len, eg_pfq_entry **out, size_t *n);
/* Runs postqueue -j (config_dir may be NULL). */
eg_status eg_pfq_list(const char *config_dir, eg_pfq_entry **out, size_t *n, char *err,
                      size_t errlen);
/* postcat -h -q ID: the queue file's headers (malloc'd, at most 1 MiB). */
eg_status eg_pfq_headers(const char *config_dir, const char *id, char **out, char *err,
                         size_t errlen);
/* postsuper -H ID, then postqueue -i ID (deliver at once). */
eg_status eg_pfq_release(const char *config_dir, const char *id, char *err, size_t errlen);
/* postsuper -d ID. */
eg_status eg_pfq_delete(const char *config_dir, const char *id, char *err, size_t errlen);

#endif
