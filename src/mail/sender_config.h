/*
 * The sender checks' configuration inside (sender.h keeps it opaque): the domain lists, the
 * organisation words and the known correspondents, loaded once per scanner by sender_config.c
 * and read by the checks in sender.c. Nothing else includes this.
 */
#ifndef EG_MAIL_SENDER_CONFIG_H
#define EG_MAIL_SENDER_CONFIG_H

#include "mail/sender.h"
#include "mail/sender_lists.h"

enum { EG_W_ORG = 1, EG_W_PUBLIC = 2 }; /* organisation word kinds */

typedef struct eg_org_word {
    int kind;
    bool suffix; /* "*省": the name ends with it */
    char *w;
} eg_org_word;

typedef struct eg_known_corr {
    eg_name_key key;
    char *name;
    char *domain;
} eg_known_corr;

struct eg_sender_config {
    eg_domain_set freemail, isp, hosting, shorteners, own, partners;
    eg_org_word *words;
    size_t n_words;
    eg_known_corr *known;
    size_t n_known, cap_known;
    char **authserv;
    size_t n_authserv;
};

#endif
