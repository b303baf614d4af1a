/*
 * Small pieces of the milter's policy that need exact matching rules of their own: client
 * networks in CIDR notation (local_networks, allow_networks), address lists (allowlists and
 * [recipient ADDR] sections: a full address or a bare domain) and the subject tag, which may be
 * Japanese and then goes into the header as RFC 2047 encoded words.
 *
 * Pure functions over strings and bytes: no sockets, no milter protocol, no configuration file.
 */
#ifndef EG_MILTER_POLICY_H
#define EG_MILTER_POLICY_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One network: family 4 or 6, the address bytes (IPv4 in the first 4) and the prefix length. */
typedef struct eg_cidr {
    uint8_t family;
    uint8_t bits;
    uint8_t addr[16];
} eg_cidr;

typedef struct eg_cidr_list {
    eg_cidr *v;
    size_t n;
} eg_cidr_list;

/* "192.0.2.0/24", "10.1.2.3" (a /32), "2001:db8::/32", "::1"; host bits set below the prefix
 * are refused (a typo like 10.0.0.1/8 should not silently widen). EG_EFORMAT when not a network. */
eg_status eg_cidr_parse(const char *s, eg_cidr *out);
/* Parses a textual client address (IPv4, IPv6, IPv6 with an IPv4 tail or "[...]" brackets, as
 * MTAs write them) into a host network (/32 or /128). */
eg_status eg_cidr_parse_addr(const char *s, eg_cidr *out);
/* Does the network contain the address? IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4
 * networks, as a dual-stack listener reports IPv4 clients that way. */
bool eg_cidr_match(const eg_cidr *net, const eg_cidr *addr);
bool eg_cidr_list_match(const eg_cidr_list *l, const eg_cidr *addr);
/* The address as text ("192.0.2.1", "2001:db8::1"); out needs 46 bytes. */
void eg_cidr_addr_str(const eg_cidr *a, char *out, size_t outlen);

/* Does an entry match an address? An entry with '@' ("taro@corp.example") is a whole address,
 * compared case-insensitively; one starting with '@' or without it ("partner.example") is a
 * domain and matches that domain only, not its subdomains; ".partner.example" matches the
 * subdomains as well as the domain itself. addr may carry <> brackets. */
bool eg_addr_entry_match(const char *entry, const char *addr);

/* The new Subject value: tag, a space, then the old value (NULL = no Subject). A tag of printable
 * ASCII goes in as written; any other tag (valid UTF-8, checked by the configuration) is sent as
 * RFC 2047 "B" encoded words of UTF-8, each at most 75 characters and split only between
 * characters, so every reader decodes it back to the configured text. malloc'd; NULL on ENOMEM. */
char *eg_subject_tagged(const char *tag, const char *subject);

#endif
