/*
 * emoguard public API.
 *
 * A scanner takes one mail (or any file) as bytes and returns a report: the tree of objects that
 * were taken apart, the findings on them, a score and a verdict. Nothing is executed and nothing
 * is written to disk; the report owns copies of everything it shows.
 *
 * A scanner is built once (options, IOC sets, YARA rules) and may then be used from many threads
 * at once: each eg_scanner_scan() call has its own state.
 */
#ifndef EMOGUARD_H
#define EMOGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EG_VERSION "0.1.0"
#define EG_JSON_SCHEMA_VERSION 2

/* One error enum, returned by every fallible function; results go through out-parameters. */
typedef enum {
    EG_OK = 0,
    EG_ENOMEM,       /* allocation failed or would overflow */
    EG_EFORMAT,      /* input is malformed */
    EG_ELIMIT,       /* a configured limit was reached */
    EG_EIO,          /* reading a file failed */
    EG_EINVAL,       /* bad argument from the caller */
    EG_ECRYPTO,      /* decryption failed (wrong key, bad MAC) */
    EG_EPASSWORD,    /* no candidate password opened it */
    EG_EUNSUPPORTED, /* a valid but unsupported variant */
    EG_ENOTFOUND,    /* looked-up item does not exist */
    EG_ETIME,        /* the scan's time budget ran out */
    EG_EINTERNAL     /* a bug or a library failure */
} eg_status;

const char *eg_status_str(eg_status st);

typedef enum { EG_VERDICT_CLEAN = 0, EG_VERDICT_SUSPICIOUS = 1, EG_VERDICT_MALICIOUS = 2 } eg_verdict;
const char *eg_verdict_str(eg_verdict v);

typedef enum { EG_LANG_EN = 0, EG_LANG_JA = 1 } eg_lang;

typedef enum { EG_SEV_INFO = 0, EG_SEV_LOW, EG_SEV_MEDIUM, EG_SEV_HIGH, EG_SEV_CRITICAL } eg_severity;
const char *eg_severity_str(eg_severity s);

/* Object types, detected from content (never from the name alone). */
typedef enum {
    EG_T_UNKNOWN = 0, /* also "detect it" when a child is added */
    EG_T_MAIL,        /* RFC 5322 message */
    EG_T_TEXT,        /* plain text (UTF-8 after decoding) */
    EG_T_HTML,
    EG_T_ZIP,
    EG_T_OOXML,       /* ZIP with [Content_Types].xml */
    EG_T_CFB,         /* OLE2 compound file: .doc .xls .ppt .msi, encrypted OOXML */
    EG_T_RTF,
    EG_T_PDF,
    EG_T_LNK,
    EG_T_ONENOTE,
    EG_T_PE,
    EG_T_SCRIPT,      /* js, vbs, ps1, bat, hta, wsf ... */
    EG_T_IMAGE,
    EG_T_ARCHIVE,     /* 7z, rar, gzip, tar, iso, img, cab: read through libarchive */
    EG_T_TNEF,        /* winmail.dat */
    EG_T_VBA_PROJECT, /* a vbaProject.bin or VBA storage handed on as bytes */
    EG_T_VBA_SOURCE,  /* decompressed VBA module source (UTF-8) */
    EG_T_XLM,         /* Excel 4.0 macro formulas as readable text (UTF-8) */
    EG_T_BIFF8,       /* a Workbook stream */
    EG_T_XML,
    EG_T_REGF,
    EG_T_BINARY,      /* anything else */
    EG_T_SYLK,        /* SYLK spreadsheet text (.slk): ID;P header, C;...;E formula records */
    EG_T__COUNT
} eg_type;

const char *eg_type_name(eg_type t);

/* Object flags. */
enum {
    EG_OBJ_ENCRYPTED = 1u << 0, /* the container entry was encrypted */
    EG_OBJ_DECRYPTED = 1u << 1, /* ... and we opened it */
    EG_OBJ_TRUNCATED = 1u << 2, /* content cut at a limit */
    EG_OBJ_PADDED = 1u << 3,    /* long zero/junk runs collapsed; size_true holds the real size */
    EG_OBJ_NOT_OPENED = 1u << 4 /* encrypted or unsupported: content not inspected */
};

/* Limits for one scan. Hitting one is a LIMIT.* finding (suspicious at least), never a silent
 * clean. */
typedef struct eg_limits {
    uint64_t max_input;        /* bytes of one mail or file */
    uint32_t max_objects;      /* objects in one report */
    uint32_t max_depth;        /* nesting of objects (mail -> zip -> docm -> vba = 3) */
    uint64_t max_object_bytes; /* decoded/decompressed bytes of one object */
    uint64_t max_total_bytes;  /* decoded bytes in one scan, all objects together */
    uint32_t max_ratio;        /* compression ratio beyond which a bomb is reported */
    uint32_t max_password_tries;
    uint32_t max_cpu_ms;       /* CPU time of one scan */
    uint32_t max_findings;
} eg_limits;

void eg_limits_default(eg_limits *l);

typedef struct eg_options {
    eg_limits limits;
    const char *const *passwords; /* extra password candidates (--password) */
    size_t n_passwords;
    const char *const *own_domains; /* the organisation's own mail domains */
    size_t n_own_domains;
    const char *known_correspondents_file; /* optional: partner domains and known names */
    const char *const *trusted_authserv_ids; /* Authentication-Results read only from these */
    size_t n_trusted_authserv_ids;
    const char *data_dir;   /* domain lists (free-mail, ISP, hosting); NULL = built-in path */
    const char *const *ioc_files;
    size_t n_ioc_files;
    const char *yara_rules; /* file or directory; NULL = none */
} eg_options;

void eg_options_default(eg_options *o);

typedef struct eg_object eg_object;

/* Per-message input. Only data/len are required. */
typedef struct eg_scan_input {
    const char *source; /* path, "-", "mbox:path#12", or a queue id */
    const uint8_t *data;
    size_t len;
    const char *const *passwords; /* candidates from a related mail (a separate password mail) */
    size_t n_passwords;
    const char *passwords_origin; /* where those came from, shown in the report */
    const char *envelope_from;
    const char *const *rcpts;
    size_t n_rcpts;
    const char *auth_user; /* SASL login when the sender authenticated */
    bool outbound;
    /* The caller knows the input is a mail (the milter, an mbox or Maildir entry, a .eml file):
     * it is parsed as one whatever its bytes look like; a header too odd or too large to parse
     * is a finding, never a reason to scan the mail as plain text. */
    bool is_mail;
    /* Hook for analysts (--extract): called for every object while its bytes are alive. */
    void (*on_object)(void *ud, const eg_object *obj);
    void *on_object_ud;
} eg_scan_input;

struct eg_object {
    uint32_t id;
    int32_t parent; /* -1 for the root */
    uint32_t depth;
    char *name;     /* sanitised UTF-8 */
    eg_type type;
    const uint8_t *data; /* valid only during the scan; NULL in a finished report */
    uint64_t size;       /* bytes analysed */
    uint64_t size_true;  /* declared or real size when different (padding, truncation) */
    uint8_t sha256[32];         /* the object as sent (a padded member: all of it) */
    uint8_t content_sha256[32]; /* what was analysed, when has_content_sha256 (padding removed) */
    bool has_content_sha256;
    uint32_t flags;
    char *password;        /* password that opened it, when EG_OBJ_DECRYPTED */
    char *password_origin; /* where the password came from */
    char *detail;          /* short type detail, e.g. "xlsm, macro-enabled" */
};

typedef struct eg_finding {
    int rule;        /* index into the rule table: eg_rule_get() */
    uint32_t object; /* object id */
    char *evidence;  /* sanitised UTF-8, short; English (values from the mail in "...") */
    /* the same evidence from its template's Japanese form (values in 「...」); NULL when the
     * template has none (see src/verdict/evidence.h) */
    char *evidence_ja;
} eg_finding;

typedef struct eg_rule {
    const char *id; /* stable, e.g. "ZIP.ENCRYPTED" */
    int score;
    eg_severity severity;
    const char *text_ja, *text_en;
    const char *advice_ja, *advice_en;
} eg_rule;

size_t eg_rule_count(void);
const eg_rule *eg_rule_get(int idx);
int eg_rule_find(const char *id); /* -1 if unknown */

typedef enum { EG_IOC_URL = 0, EG_IOC_DOMAIN, EG_IOC_IP, EG_IOC_IPPORT, EG_IOC_EMAIL } eg_ioc_kind;
const char *eg_ioc_kind_str(eg_ioc_kind k);

typedef struct eg_ioc {
    eg_ioc_kind kind;
    uint32_t object;
    char *value;
} eg_ioc;

typedef struct eg_report eg_report;

/* Which mail a report is about: the outer message's header facts as the mail analyzer read them
 * (decoded, sanitised, cut). Absent (NULL) when the input was not parsed as a mail. */
typedef struct eg_mail_info {
    char *from_display; /* decoded display name of the first From mailbox; may be NULL */
    char *from_addr;    /* local@domain; may be NULL when unparsable */
    char *to;           /* the To mailboxes, "Name <a@b>, c@d", cut; may be NULL */
    char *subject;      /* decoded; may be NULL */
    char *date;         /* as written; may be NULL */
    char *message_id;   /* as written, with its angle brackets; may be NULL */
    uint64_t size;      /* bytes of the mail */
} eg_mail_info;

eg_verdict eg_report_verdict(const eg_report *r);
int eg_report_score(const eg_report *r);
const char *eg_report_source(const eg_report *r);
size_t eg_report_object_count(const eg_report *r);
const eg_object *eg_report_object(const eg_report *r, size_t i);
size_t eg_report_finding_count(const eg_report *r);
const eg_finding *eg_report_finding(const eg_report *r, size_t i);
size_t eg_report_ioc_count(const eg_report *r);
const eg_ioc *eg_report_ioc(const eg_report *r, size_t i);
bool eg_report_has_rule(const eg_report *r, const char *rule_id);
const eg_mail_info *eg_report_mail(const eg_report *r); /* NULL when not a mail */
void eg_report_free(eg_report *r);

/* One JSON object on one line (JSON Lines), malloc'd, see docs/json-schema.md. */
char *eg_report_json(const eg_report *r, eg_lang lang);
/* The report for people, malloc'd: which mail, the verdict, numbered steps, the decisive findings,
 * the object tree. color: ANSI colours for a terminal. */
char *eg_report_text(const eg_report *r, eg_lang lang, bool color);

typedef struct eg_text_options {
    eg_lang lang;
    bool color;
    bool verbose;        /* also list info-level findings */
    const char *contact; /* who to call in the steps; NULL = the language's default
                            ("情報システム部門", "your IT department") */
} eg_text_options;
char *eg_report_text_opt(const eg_report *r, const eg_text_options *o);

typedef struct eg_scanner eg_scanner;

/* Once per process, before any thread scans (initialises GMime and OpenSSL). */
eg_status eg_global_init(void);
void eg_global_shutdown(void);

/* err (may be NULL) receives a message for the user when loading options fails. */
eg_status eg_scanner_new(const eg_options *opt, eg_scanner **out, char *err, size_t errlen);
void eg_scanner_free(eg_scanner *s);
eg_status eg_scanner_scan(eg_scanner *s, const eg_scan_input *in, eg_report **out);


#ifdef __cplusplus
}
#endif
#endif
