/*
 * The milter's configuration file: "key = value" lines, '#' comments, and "[domain NAME]" sections
 * that override the per-verdict actions for recipients in one domain. Unknown keys, bad values and
 * over-long files are errors with the line number: a typo in a mail gateway's policy must stop the
 * start (or a reload, which then keeps the old configuration), never be ignored.
 *
 * Every key, its default and its meaning are documented in examples/emoguard.conf. This module only
 * parses and validates; it does not open sockets, files or Redis.
 *
 * "[recipient ADDR]" sections override the actions for one recipient address and win over the
 * recipient's [domain] section, which wins over the global action_* keys.
 */
#ifndef EG_MILTER_CONFIG_H
#define EG_MILTER_CONFIG_H

#include "emoguard/emoguard.h"
#include "milter/policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_MCONF_MAX_BYTES (1u << 20) /* config file size */
#define EG_MCONF_MAX_LIST 256         /* entries in one list (domains, prefixes, files) */
#define EG_MCONF_MAX_DOMAINS 1024     /* [domain] sections */
#define EG_MCONF_MAX_LINE 4096

/* Ordered from least to most drastic: with several recipient domains the most drastic wins. */
typedef enum {
    EG_ACT_ACCEPT = 0, /* deliver, with X-Emoguard-* headers when add_headers is on */
    EG_ACT_TAG,        /* deliver, headers + subject tag */
    EG_ACT_HOLD,       /* deliver to the MTA's hold queue (the milter protocol's quarantine) */
    EG_ACT_TEMPFAIL,   /* 4xx: the sender retries later */
    EG_ACT_REJECT,     /* 5xx with a Japanese and English text */
    EG_ACT_DISCARD,    /* accept and drop silently */
    EG_ACT__COUNT
} eg_milter_action;

const char *eg_milter_action_str(eg_milter_action a);
eg_status eg_milter_action_parse(const char *s, eg_milter_action *out);

typedef struct eg_str_list {
    char **v;
    size_t n;
} eg_str_list;

typedef struct eg_milter_domain {
    char *domain; /* lower case, no leading '@'; with an '@' inside: one recipient */
    bool set[3];                  /* which verdicts this section overrides */
    eg_milter_action action[3];   /* by eg_verdict */
} eg_milter_domain;

typedef struct eg_milter_config {
    /* daemon */
    char *socket;        /* listening socket spec, e.g. "inet:8891@127.0.0.1" (server.h) */
    unsigned timeout_s;  /* silence from the MTA before a connection is dropped */
    unsigned max_scans;  /* scans running at once; more wait (worker slots) */
    char *pid_file;      /* NULL = none */
    unsigned socket_mode; /* permissions of a unix socket, set after the milter creates it */
    char *socket_group;   /* its group; NULL = postfix when that group exists; "none" = as created */
    /* policy */
    eg_milter_action action[3]; /* by eg_verdict */
    eg_milter_action on_error;  /* scan failed, no memory, or no scan slot within slot_timeout_ms */
    eg_milter_action on_oversize;
    eg_milter_action on_timeout; /* the scan ran out of CPU time (LIMIT.TIME), unless malicious */
    uint64_t max_message_size;
    uint32_t scan_timeout_ms;
    uint32_t slot_timeout_ms; /* longest wait for a free scan slot; 0 = scan_timeout_ms */
    bool add_headers;
    char *subject_tag; /* UTF-8; sent RFC 2047 encoded when not plain ASCII */
    char *reject_text_en, *reject_text_ja;
    /* what the employee reads when outbound mail is refused (their mail program shows it) */
    char *outbound_reject_text_en, *outbound_reject_text_ja;
    char *outbound_tempfail_text_en, *outbound_tempfail_text_ja;
    eg_milter_domain *domains;
    size_t n_domains;
    int suspicious_score, malicious_score; /* used when correlation adds points */
    /* scanner */
    eg_str_list own_domains, ioc_files, trusted_authserv_ids;
    char *yara_rules, *data_dir, *known_correspondents;
    /* direction: a mail is outbound when its client authenticated, connected through a
     * submission daemon ({daemon_name} in submission_daemons) or from local_networks; the
     * envelope sender never decides it */
    eg_cidr_list local_networks;
    eg_str_list submission_daemons;
    /* allowlists: a match lowers the action to allow_action at most; verdict and log stay */
    eg_str_list allow_senders, allow_recipients, allow_auth_users;
    eg_cidr_list allow_networks;
    eg_milter_action allow_action;
    /* outbound */
    bool outbound_enabled;
    uint32_t outbound_window_s;
    uint32_t outbound_threshold; /* mails of one category per account per window */
    uint32_t outbound_max_rcpts; /* distinct recipients per account per window */
    eg_milter_action outbound_alert_action;
    eg_str_list prefix_encrypted, prefix_macro, prefix_hijack;
    /* campaign correlation */
    bool campaign_enabled;
    uint32_t campaign_window_s;
    uint32_t campaign_threshold; /* distinct recipients of one hash / password / URL */
    int campaign_score;
    /* state */
    char *redis_host; /* NULL = memory */
    int redis_port;
    char *redis_prefix, *redis_password;
    unsigned redis_timeout_ms, redis_retry_s;
    size_t state_max_keys;
    /* operations */
    char *log_target; /* "syslog" or "stderr" */
    char *log_level;  /* error, warning, info, debug */
    char *json_log;   /* path; NULL = none */
    char *stats_listen; /* "127.0.0.1:9795"; NULL = off */
    bool log_passwords; /* archive passwords in the JSON log; off: redacted */
    /* held-mail records and admin notices (src/quarantine, src/notify; docs/notify.md) */
    char *state_dir;          /* records of held mail, the notice key */
    eg_str_list notify_to;    /* admin addresses; empty = no notice mail */
    char *notify_from;        /* envelope and header sender of notices */
    char *notify_lang;        /* "ja" or "en" */
    char *notify_command;     /* hook run by /bin/sh -c with JSON on stdin; NULL = none */
    char *notify_sendmail;    /* sendmail program and options, split on spaces, no shell */
    eg_str_list notify_events; /* kinds that notify (notify_mask is computed from it) */
    unsigned notify_mask;      /* 1 << eg_notify_kind */
    unsigned notify_rate_s;    /* one notice per kind and key per this many seconds; 0 = all */
    unsigned notify_timeout_ms; /* sendmail or hook killed after this */
    unsigned notify_max_children; /* children at once (restart to change) */
    bool notify_sender_held; /* tell the own-domain sender of a held outbound mail */
} eg_milter_config;

void eg_milter_config_init(eg_milter_config *c); /* defaults */
void eg_milter_config_free(eg_milter_config *c);

/* Parses text (need not be NUL-terminated) over the defaults already in *c. On error err holds
 * "line N: what" and *c must still be freed. */
eg_status eg_milter_config_parse(eg_milter_config *c, const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file (defaults first). */
eg_status eg_milter_config_load(eg_milter_config *c, const char *path, char *err, size_t errlen);

/* The action for a verdict and a set of recipients: the most drastic among the recipients'
 * overrides ([recipient] first, then [domain]) and the global default. */
eg_milter_action eg_milter_config_action(const eg_milter_config *c, eg_verdict v, const char *const *rcpts,
                                         size_t n_rcpts);

/* true when the domain of addr (after the last '@', any <> stripped) is in the list. */
bool eg_milter_domain_in(const eg_str_list *l, const char *addr);

#endif
