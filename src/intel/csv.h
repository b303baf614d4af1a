/*
 * A small CSV reader for feeds: records (lines, or several lines when a quoted field holds a
 * newline) and their fields (RFC 4180 quoting, spaces around separators ignored, as
 * MalwareBazaar writes ", "). Bounded: records longer than the limit are skipped and reported,
 * fields are capped in number. No allocation: fields point into the record or a caller's
 * scratch buffer at least as long as the record.
 */
#ifndef EG_INTEL_CSV_H
#define EG_INTEL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eg_csv_field {
    const char *p;
    size_t len;
} eg_csv_field;

typedef struct eg_csv {
    const char *d;
    size_t len, pos;
    uint32_t line; /* line number of the next record */
    size_t max_record;
} eg_csv;

static inline void eg_csv_init(eg_csv *r, const void *d, size_t len, size_t max_record)
{
    r->d = (const char *)d;
    r->len = len;
    r->pos = 0;
    r->line = 1;
    r->max_record = max_record;
}

/* Next record without its line end; false at the end of data. *toolong: the record was longer
 * than max_record and has been skipped (rec is then its first max_record bytes). */
bool eg_csv_next(eg_csv *r, const char **rec, size_t *len, uint32_t *line, bool *toolong);

/* Splits a record; returns the number of fields, or -1 with *err set. scratch >= len bytes. */
int eg_csv_split(const char *rec, size_t len, char *scratch, eg_csv_field *f, int maxf, const char **err);

/* Field equal to s, ASCII case-insensitively. */
bool eg_csv_is(const eg_csv_field *f, const char *s);

/* Copy of at most 60 printable bytes of s for a message ('?' for controls). */
void eg_csv_excerpt(const char *s, size_t len, char *out, size_t outsz);

#endif
