/*
 * Evidence templates: the English printf format an analyzer passes to eg_scan_finding() is the
 * template's id, and the tables in rules/evidence_<area>.def give each one its Japanese form
 * with the same conversions (same types; in the same order, or reordered with %n$).
 *
 *   EG_EV("%s: expands to %s%llu bytes", "「%s」: 展開すると %s%llu バイト")
 *
 * A finding keeps both texts: the English one (JSON "evidence", stable for parsers) and the
 * Japanese one (text reports in --lang ja, JSON "evidence_ja"). Values quoted from the mail stand
 * in "..." in English and 「...」 in Japanese. A table entry without conversions is also a phrase:
 * an unquoted %s argument that is exactly such a phrase (", cut short", "no candidate password
 * opened it") is written in Japanese, so call sites keep their ternaries; an EG_EVP entry is a
 * piece: evidence built ahead in English (a kept source line, a hit of the sender checks) is
 * recognised by its shape and written again from the piece's Japanese form.
 *
 * It does not decide what is evidence, and does not translate what comes from the mail.
 */
#ifndef EG_VERDICT_EVIDENCE_H
#define EG_VERDICT_EVIDENCE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct eg_evidence_template {
    const char *en, *ja;
    const char *where; /* the .def file it is in, for test messages */
    bool piece;        /* EG_EVP: a piece of evidence written before the finding (see below) */
} eg_evidence_template;

size_t eg_evidence_count(void);
const eg_evidence_template *eg_evidence_at(size_t i);

/* The Japanese form of an English template or phrase, NULL when there is none. */
const char *eg_evidence_ja(const char *en);

/* The Japanese evidence for en_fmt and its arguments (malloc'd, not yet sanitised); NULL when
 * en_fmt has no Japanese template, the two do not match, or memory runs out. ap is not used up
 * (the caller's va_list is copied). */
char *eg_evidence_vformat_ja(const char *en_fmt, va_list ap);
char *eg_evidence_format_ja(const char *en_fmt, ...);

/* Japanese for text already written in English: a phrase of the table, or text that has the
 * shape of a piece (EG_EVP: an English format an analyzer uses to build part of its evidence
 * ahead, "line %u: \"%s\""), whose parts are put into the piece's Japanese form. malloc'd;
 * NULL when nothing fits. Used for %s arguments, object details and password origins. */
char *eg_evidence_translate(const char *en);

/* true when ja takes the same arguments as en (count and types, %n$ allowed in ja); else false
 * with a reason in why. */
bool eg_evidence_specs_match(const char *en, const char *ja, char *why, size_t why_len);

#endif
