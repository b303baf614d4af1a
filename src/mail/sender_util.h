/*
 * Small text helpers shared by the sender, thread and link checks: finding mail addresses in
 * free text, comparable keys for personal names (width-folded, spaces, honorifics and bracketed
 * affiliations dropped, token order ignored), and a growable list of (rule, evidence) hits.
 *
 * Pure functions over UTF-8 strings; nothing here touches the scan context.
 */
#ifndef EG_MAIL_SENDER_UTIL_H
#define EG_MAIL_SENDER_UTIL_H

#include "verdict/rules.h"

#include <stdbool.h>
#include <stddef.h>

#define EG_ADDR_MAX 320

/* Finds the next mail address in s[from, len); copies it (domain lower-cased) into out and
 * returns true with [*start, *end) its position. Needs a dotted domain. */
bool eg_sutil_next_addr(const char *s, size_t len, size_t from, char out[EG_ADDR_MAX + 1],
                        size_t *start, size_t *end);
/* The domain part of an address ("" when none). */
const char *eg_sutil_addr_domain(const char *addr);

/* A comparable key for a personal name: two keys per name (tokens in order, tokens sorted), so
 * "山田 太郎" = "山田太郎" and "Yamada, Taro" = "Taro Yamada". NULL-safe; keys are empty when the
 * name has nothing comparable. */
typedef struct eg_name_key {
    char ordered[128];
    char sorted[128];
} eg_name_key;
void eg_sutil_name_key(const char *name, size_t len, eg_name_key *k);
bool eg_sutil_name_equal(const eg_name_key *a, const eg_name_key *b);

/* The sending host of one Received header value: "from mail.example.com (helo [203.0.113.5])
 * by ...". host gets the dotted name after "from" (lower-cased; "" when it is a bracketed
 * address, a bare word such as "localhost", or not a host name), ip the first bracketed IPv4 or
 * IPv6 address before "by" ("" when none). Returns false when the value has no "from" clause.
 * Reads at most the first 2 KiB of the value. */
bool eg_sutil_received_from(const char *value, char *host, size_t hostsz, char *ip, size_t ipsz);

/* (rule, evidence) results of the pure checks, in the order found. */
typedef struct eg_sender_hit {
    eg_rule_id rule;
    char *evidence; /* sanitised UTF-8 */
} eg_sender_hit;

typedef struct eg_sender_hits {
    eg_sender_hit *v;
    size_t n, cap;
} eg_sender_hits;

#define EG_SENDER_MAX_HITS 64

/* Adds a hit with printf-style evidence (sanitised, cut to about 300 bytes). Duplicates (same
 * rule and evidence) are dropped; EG_ELIMIT past EG_SENDER_MAX_HITS. */
eg_status eg_sender_hits_add(eg_sender_hits *h, eg_rule_id rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool eg_sender_hits_has(const eg_sender_hits *h, eg_rule_id rule);
void eg_sender_hits_free(eg_sender_hits *h);

#endif
