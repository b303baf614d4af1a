/*
 * Links and lure phrases of a mail body: URLs from the text and from HTML anchors (with the
 * anchor's visible text, so that "https://bank.example.jp" shown over an href to another host
 * can be seen), the parts of a link that matter (host, IP-literal forms including the hex,
 * octal and integer spellings, explicit port, punycode labels, a direct file download by
 * extension), and phrases that push the reader to enable macros, open an archive with the
 * password below, or view a document through a link, in Japanese and English.
 *
 * Pure and bounded: at most EG_LINKS_MAX links and EG_LINKS_MAX_TEXT bytes of each input.
 */
#ifndef EG_MAIL_LINKS_H
#define EG_MAIL_LINKS_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stddef.h>

#define EG_LINKS_MAX 256
#define EG_LINKS_MAX_TEXT (2u << 20)

typedef struct eg_link {
    char *url;      /* as found (entities decoded), sanitised */
    char host[256]; /* lower-case, without userinfo and port; "" when none */
    int port;       /* explicit port, -1 when none */
    char *text;     /* visible anchor text (tags dropped, trimmed), NULL for text URLs */
} eg_link;

typedef struct eg_links {
    eg_link *v;
    size_t n, cap;
    bool truncated;
} eg_links;

eg_status eg_links_collect(const char *text, size_t tlen, const char *html, size_t hlen,
                           eg_links *out);
void eg_links_free(eg_links *l);

/* true for 192.0.2.1, [2001:db8::1], 0xc0000201, 3221225985, 0300.0.02.01 and mixes */
bool eg_link_host_is_ip(const char *host);
/* The risky download extension of the URL's path ("doc", "zip", "one" ...), or NULL. */
const char *eg_link_file_ext(const char *url);
/* A host named in a visible anchor text ("https://a.example/x", "www.a.example", "a.example.jp"),
 * lower-cased into out; false when the text does not read as an address of a site. */
bool eg_link_text_host(const char *text, char *out, size_t outsz);

typedef enum {
    EG_LURE_ENABLE_MACRO = 0, /* enable content / editing / macros */
    EG_LURE_ARCHIVE_PASSWORD, /* open the attached archive with the password below */
    EG_LURE_VIEW_LINK,        /* view / download the document from the link below */
    EG_LURE__COUNT
} eg_lure_kind;

/* The first lure phrase of each kind in UTF-8 text: found[k] is set and phrase[k] points to a
 * static string naming it. */
void eg_lure_scan(const char *text, size_t len, bool found[EG_LURE__COUNT],
                  const char *phrase[EG_LURE__COUNT]);
/* The same for the kinds whose bit (1u << kind) is set in want; the others stay not found. */
void eg_lure_scan_kinds(const char *text, size_t len, unsigned want, bool found[EG_LURE__COUNT],
                        const char *phrase[EG_LURE__COUNT]);

#endif
