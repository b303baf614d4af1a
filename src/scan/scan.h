/*
 * The scan context: everything an analyzer may see and do while one mail is being scanned.
 *
 * An analyzer is a function  eg_status fn(eg_scan *s, const eg_object *obj)  registered for one
 * object type in src/scan/dispatch.c. It reads obj->data/obj->size (borrowed, alive until the
 * scan ends), and answers only through this interface:
 *   - eg_scan_add_child(): an object found inside (a MIME part, a ZIP entry, a VBA module);
 *     the scanner detects its type (unless given), hashes it and dispatches it later;
 *   - eg_scan_finding(): a rule that matched, with short evidence;
 *   - eg_scan_ioc(): a URL, domain, IP or address seen in the content (matched against intel);
 *   - password candidates: only the mail analyzer adds them, archive and office read them.
 * Analyzers never call each other and never keep pointers into the context after returning.
 * Returning an error other than EG_OK is recorded as PARSE.ERROR (EG_EFORMAT) or a LIMIT.*
 * finding (EG_ELIMIT, EG_ETIME); the scan always goes on with the next object.
 */
#ifndef EG_SCAN_SCAN_H
#define EG_SCAN_SCAN_H

#include "emoguard/emoguard.h"
#include "verdict/rules.h"

#include <stdarg.h>

typedef struct eg_scan eg_scan;

typedef eg_status (*eg_analyzer_fn)(eg_scan *s, const eg_object *obj);

/* A child to add. data is copied unless owned is true, in which case the scan takes the malloc'd
 * buffer (and frees it even when adding fails). */
typedef struct eg_child {
    const char *name; /* any bytes: sanitised by the scanner; NULL = "(unnamed)" */
    const uint8_t *data;
    size_t size;
    bool owned;
    eg_type type;       /* EG_T_UNKNOWN = detect from content */
    uint32_t flags;     /* EG_OBJ_* */
    uint64_t size_true; /* 0 = same as size */
    const char *password;
    const char *password_origin;
    const char *detail;
    /* SHA-256 of the object as sent when the bytes given are not all of it (a padded member with
     * its zero runs removed): becomes the object's sha256, and the hash of the bytes given its
     * content_sha256. NULL = the bytes given are the object. */
    const uint8_t *sha256_sent;
} eg_child;

/* Returns EG_ELIMIT (and records LIMIT.DEPTH/LIMIT.OBJECTS/LIMIT.BYTES once) when the child would
 * break a limit; the analyzer should then stop producing children. child_id may be NULL. */
eg_status eg_scan_add_child(eg_scan *s, const eg_object *parent, const eg_child *c, uint32_t *child_id);

/* Records a finding on obj (NULL = the root). evidence is printf-style, sanitised and cut to
 * about 300 bytes; NULL for none. The same rule with the same evidence on the same object is
 * recorded once. */
void eg_scan_finding(eg_scan *s, const eg_object *obj, eg_rule_id rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void eg_scan_vfinding(eg_scan *s, const eg_object *obj, eg_rule_id rule, const char *fmt, va_list ap);
/* true when obj (or the root if NULL) or any object already has the rule */
bool eg_scan_has_finding(const eg_scan *s, eg_rule_id rule);

/* An indicator seen in obj's content; deduplicated, matched against the loaded IOC sets. */
void eg_scan_ioc(eg_scan *s, const eg_object *obj, eg_ioc_kind kind, const char *value, size_t len);
/* Extracts URLs, IP addresses and mail addresses from text and records them as IOCs. */
void eg_scan_iocs_from_text(eg_scan *s, const eg_object *obj, const char *text, size_t len);

const eg_limits *eg_scan_limits(const eg_scan *s);
const eg_options *eg_scan_options(const eg_scan *s);
const eg_scan_input *eg_scan_input_of(const eg_scan *s);
/* The mail analyzer records which mail the report is about (the root mail only; taken over,
 * freed when obj is not the root). */
void eg_scan_set_mail_info(eg_scan *s, const eg_object *obj, eg_mail_info *mi);

/* Decoded-bytes budget of the whole scan: charge n bytes produced for obj. EG_ELIMIT (and
 * LIMIT.BYTES once) when the scan's total would pass max_total_bytes. */
eg_status eg_scan_charge(eg_scan *s, const eg_object *obj, uint64_t n);
/* The largest output an analyzer may produce for one child right now: min(max_object_bytes,
 * what is left of max_total_bytes). */
uint64_t eg_scan_budget(const eg_scan *s);
/* true once the CPU budget is spent (records LIMIT.TIME once). Cheap: call it in loops. */
bool eg_scan_timed_out(eg_scan *s, const eg_object *obj);

/* Password candidates, best first. */
typedef struct eg_password {
    char *value;  /* as found (UTF-8) */
    char *origin; /* "body: line 12 (パスワード：)", "subject", "--password", "related mail ..." */
    int priority; /* lower = tried earlier; 0 labelled, 50 labelled next line, 100 fallback token */
} eg_password;

void eg_scan_add_password(eg_scan *s, const char *value, size_t len, int priority, const char *origin);
size_t eg_scan_password_count(const eg_scan *s);
const eg_password *eg_scan_password_at(const eg_scan *s, size_t i);
/* Counts one password try against max_password_tries; false (and LIMIT.PASSWORD once) when spent. */
bool eg_scan_password_try(eg_scan *s, const eg_object *obj);

/* Per-scan scratch that outlives one analyzer call (e.g. the mail analyzer remembers the
 * thread facts for later checks). Keyed by a static tag's address. */
void *eg_scan_get_data(const eg_scan *s, const void *tag);
eg_status eg_scan_set_data(eg_scan *s, const void *tag, void *data, void (*free_fn)(void *));

/* Data shared by every scan of one scanner, such as lists loaded from files: built once, on
 * first use, by create() under the scanner's lock; read-only afterwards (threads share it); freed
 * with the scanner. NULL when create() failed (it is tried again next time). Never for per-mail
 * state: that goes in eg_scan_set_data(). */
void *eg_scan_shared(eg_scan *s, const void *tag, eg_status (*create)(const eg_options *opt, void **out),
                     void (*free_fn)(void *));

/* Object lookup within this scan (parent chain walks, e.g. "is this inside an encrypted zip"). */
const eg_object *eg_scan_object(const eg_scan *s, uint32_t id);

#endif
