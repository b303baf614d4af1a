/*
 * Domain lists and domain arithmetic for the sender checks: sets of domains loaded from editable
 * data files (free mail, Japanese consumer ISPs, hosting, URL shorteners, own and partner
 * domains), the "registrable" part of a domain (the name an organisation actually holds, e.g.
 * example.co.jp from mail.example.co.jp), and lookalike comparison of two domains.
 *
 * The registrable part is a small built-in approximation of the public suffix list (generic
 * second levels under two-letter country codes, *.lg.jp), good enough to compare mail domains;
 * it is not a full PSL. File format: docs/sender.md.
 */
#ifndef EG_MAIL_SENDER_LISTS_H
#define EG_MAIL_SENDER_LISTS_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>

#define EG_DOMAIN_MAX 253
#define EG_LIST_MAX_ENTRIES 200000
#define EG_LIST_MAX_FILE (16u << 20)

/* A sorted set of lower-case domains; a domain matches when it or one of its parents is listed. */
typedef struct eg_domain_set {
    char **v;
    size_t n, cap;
    bool sorted;
} eg_domain_set;

/* Adds one domain (lower-cased, leading "*." or "." and a trailing "." dropped). Empty or
 * over-long values are ignored (EG_OK); EG_ELIMIT past EG_LIST_MAX_ENTRIES. */
eg_status eg_domain_set_add(eg_domain_set *set, const char *domain, size_t len);
/* Adds every domain of a list text: one per line, '#' starts a comment, blanks ignored. Only the
 * first whitespace-separated word of a line is used. */
eg_status eg_domain_set_parse(eg_domain_set *set, const char *text, size_t len);
/* Reads a regular file of at most EG_LIST_MAX_FILE bytes (the rest is ignored) into a malloc'd
 * NUL-terminated buffer; EG_EIO when it cannot be read. */
eg_status eg_list_read_file(const char *path, char **out, size_t *len);
/* Reads a list file (at most EG_LIST_MAX_FILE bytes); EG_EIO when it cannot be read. */
eg_status eg_domain_set_load(eg_domain_set *set, const char *path);
/* Sorts and removes duplicates; called automatically by the first match. */
void eg_domain_set_finish(eg_domain_set *set);
/* The listed entry that domain equals or lies under, or NULL. */
const char *eg_domain_set_match(eg_domain_set *set, const char *domain);
void eg_domain_set_free(eg_domain_set *set);

/* The registrable part of a lower-case domain (a suffix of it; the domain itself when short). */
const char *eg_domain_registrable(const char *domain);
/* true when both domains have the same registrable part (ASCII case-insensitive). */
bool eg_domain_same_org(const char *a, const char *b);

/* true when domain a looks made to pass for b without being it: same skeleton after homoglyph
 * folding (0/o, 1/l, rn/m, vv/w, cl/d, Cyrillic and Greek look-alikes after punycode decoding),
 * one edit away (two for long names), or b used as a subdomain of another registrable domain. */
bool eg_domain_lookalike(const char *a, const char *b);
/* Optimal string alignment distance (substitution, insertion, deletion, adjacent transposition)
 * between a and b when at most cap, else cap + 1; strings over EG_DOMAIN_MAX give cap + 1. */
size_t eg_domain_edit_distance(const char *a, const char *b, size_t cap);

/* Decodes a punycode ("xn--") label sequence into UTF-8 in out; false when a label is invalid or
 * out is too small. Labels without the prefix are copied. */
bool eg_domain_to_unicode(const char *domain, char *out, size_t outsz);

#endif
