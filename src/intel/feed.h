/*
 * Feed parsers: turn an indicator file into entries of an IOC set.
 *
 * Formats, recognised from the file itself (a header line, commented or not):
 *   - plain lists: one indicator per line (hash, URL, domain, IP, IP:port, address), '#'
 *     comments, defanged forms, hosts-file lines ("0.0.0.0 evil.example");
 *   - abuse.ch Feodo Tracker CSV (first_seen_utc,dst_ip,dst_port,... or Firstseen,DstIP,...),
 *     URLhaus CSV (id,dateadded,url,url_status,...), MalwareBazaar CSV (first_seen_utc,
 *     sha256_hash,md5_hash,sha1_hash,...), columns found by name so added columns do not break;
 *   - MISP CSV export (uuid,event_id,category,type,value,...,to_ids,...).
 * Every problem is reported through the diagnostic callback with the file name and line: errors
 * (malformed line, wrong column count, invalid value, unknown CSV header, file too large) make
 * the parse return EG_EFORMAT or EG_ELIMIT, and the caller refuses the whole feed; warnings
 * (duplicates, attributes of kinds that cannot be matched, the empty-file hash) do not.
 * It does not fetch anything and knows nothing of scans.
 */
#ifndef EG_INTEL_FEED_H
#define EG_INTEL_FEED_H

#include "intel/iocset.h"

typedef enum {
    EG_FEED_UNKNOWN = 0,
    EG_FEED_PLAIN,
    EG_FEED_FEODO,
    EG_FEED_URLHAUS,
    EG_FEED_BAZAAR,
    EG_FEED_MISP
} eg_feed_format;

const char *eg_feed_format_name(eg_feed_format f);

typedef struct eg_feed_limits {
    uint64_t max_bytes;  /* file size; larger files are refused, not cut */
    size_t max_record;   /* bytes of one line (or quoted multi-line CSV record) */
    size_t max_entries;  /* entries of the whole set (given to eg_iocset_new) */
    unsigned max_errors; /* parsing stops after this many errors */
} eg_feed_limits;

void eg_feed_limits_default(eg_feed_limits *l);

/* line 0 = the file as a whole */
typedef void (*eg_feed_diag_fn)(void *ud, const char *file, uint32_t line, bool error, const char *msg);

typedef struct eg_feed_stats {
    eg_feed_format format;
    size_t added[EG_IK__COUNT]; /* new entries by kind */
    size_t records;             /* data lines seen */
    size_t duplicates;
    size_t skipped;             /* rows deliberately not used (MISP to_ids=0, unmatched types) */
    size_t errors, warnings;
} eg_feed_stats;

typedef struct eg_feed_ctx {
    eg_iocset *set;
    uint16_t feed;                /* number stored with each entry */
    const char *name;             /* file name shown in diagnostics */
    const char *const *names;     /* names of feeds loaded before, by number (for duplicates) */
    size_t n_names;
    const eg_feed_limits *lim;
    eg_feed_diag_fn diag;         /* may be NULL */
    void *ud;
} eg_feed_ctx;

/* Parses one feed held in memory. EG_OK when there was no error (warnings allowed). */
eg_status eg_feed_parse(const eg_feed_ctx *c, const uint8_t *data, size_t len, eg_feed_stats *st);
/* Reads path (refusing files over lim->max_bytes) and parses it. */
eg_status eg_feed_load(const eg_feed_ctx *c, const char *path, eg_feed_stats *st);

/* Reads a whole regular file of at most max bytes into a malloc'd NUL-terminated buffer.
 * EG_EIO with errno-based text in err, EG_ELIMIT when larger. */
eg_status eg_feed_read_file(const char *path, uint64_t max, uint8_t **out, size_t *len, char *err,
                            size_t errlen);

#endif
