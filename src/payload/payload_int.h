/*
 * Helpers shared by the payload analyzers (lnk, onenote, scripts, pe, padding, cmdline). Not part
 * of the module's promise to others: nothing outside src/payload includes this.
 */
#ifndef EG_PAYLOAD_INT_H
#define EG_PAYLOAD_INT_H

#include "core/buf.h"
#include "emoguard/emoguard.h"
#include "core/base64.h"
#include "scan/scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* eg_buf_append that treats n == 0 as a no-op (eg_buf_append writes the terminator into a buffer
 * that may not be allocated yet when nothing is appended). */
eg_status eg_pl_append(eg_buf *b, const void *p, size_t n);
eg_status eg_pl_puts(eg_buf *b, const char *s);

/* Decodes base64 (standard or URL alphabet, white space skipped, padding optional) into out,
 * stopping at the first byte outside the alphabet; *used gets the input bytes consumed.
 * EG_ELIMIT when out's limit is reached (what was decoded stays). */

/* UTF-16LE to UTF-8 (unpaired surrogates become U+FFFD); an odd trailing byte is dropped. */
eg_status eg_pl_utf16le_to_utf8(const uint8_t *in, size_t len, eg_buf *out);

/* true when at least 3/4 of the odd bytes of the first 512 bytes are zero (UTF-16LE ASCII) */
bool eg_pl_looks_utf16le(const uint8_t *p, size_t len);

/* Share of printable ASCII / UTF-8 / white space bytes, in percent, over the first 4 KiB. */
int eg_pl_text_percent(const uint8_t *p, size_t len);

/* ASCII lower-case copy (malloc'd, NUL-terminated); NULL on ENOMEM. */
char *eg_pl_lower_dup(const char *s, size_t len);

/* Finds word w (lower case) in lc (already lower case) at or after from, where w stands as a
 * word: the bytes before and after are not [a-z0-9_]. Returns the offset or (size_t)-1. */
size_t eg_pl_find_word(const char *lc, size_t len, size_t from, const char *w);

/* The token around offset pos: bounded by white space, quotes and shell punctuation. */
void eg_pl_token_at(const char *s, size_t len, size_t pos, size_t *start, size_t *end);

/* The script checks (downloaders, executors, command strings, obfuscation) on text that holds
 * HTML-application or inline script code (scripts.c). */
/* Script Encoder tables (scripts.c): the plain byte for encoded byte enc (0x09, 0x20..0x7F) in
 * column col (0..2), and the column used for the idx-th ASCII byte of a block. */
unsigned char eg_pl_vbe_plain(int col, unsigned char enc);
int eg_pl_vbe_column(unsigned idx);

/* An output cap for a decoder: min(eg_scan_budget, max), at least 1 (an eg_buf limit of 0 would
 * mean "unlimited"). */
size_t eg_pl_out_cap(const eg_scan *s, size_t max);

void eg_pl_script_checks(eg_scan *s, const eg_object *obj, const char *t, size_t n);
/* Hex or base64 payloads in elements the page's script reads (html.c); also for HTAs read as
 * scripts. */
eg_status eg_pl_html_element_payloads(eg_scan *s, const eg_object *obj, const char *t, size_t n);

/* What a script computes before it runs code or creates an object (script_eval.c). */
typedef struct {
    int sinks; /* eval / Execute / ExecuteGlobal / new Function / execScript on a computed value */
    char sink[32];     /* the first such call */
    char sink_arg[64]; /* its argument as written */
    char *code;        /* the value recovered for it (malloc'd, not NUL-terminated) or NULL */
    size_t code_len;
    int progids;         /* ActiveXObject / CreateObject / GetObject with a computed ProgID */
    char progid_arg[64]; /* the first one's argument as written */
    char progid[128];    /* ... and its recovered value, "" if unknown */
    int values;          /* assembled values written to `recovered` */
    bool stopped;        /* the token or copy budget ran out before the end */
} eg_pl_eval;

/* Follows the script's string assignments in order and writes every value assembled from
 * several pieces to `recovered` as one quoted line. vbs: VBScript lexing (' comments, ""). */
void eg_pl_script_eval(const char *t, size_t n, bool vbs, eg_buf *recovered, eg_pl_eval *out);
void eg_pl_eval_free(eg_pl_eval *o);

/* OneNote revision store (onestore.c): which FileDataStoreObject (by offset in the section)
 * carries which EmbeddedFileName, read from the file node lists. */
typedef struct eg_one_ref {
    uint64_t stp;  /* offset of the FileDataStoreObject */
    char *name;    /* EmbeddedFileName of the node that holds it (UTF-8), NULL when none does */
    char *ext;     /* extension stored with the file data declaration, NULL when absent */
    uint32_t jcid; /* 0x00080036 embedded file, 0x00080039 picture; 0 when not declared */
} eg_one_ref;

typedef struct eg_one_map {
    eg_one_ref *v;
    size_t n, names; /* entries, entries with a name */
    bool walked;     /* every list was read to its end */
    char why[128];   /* when !walked: where the walk stopped (what was read before is kept) */
} eg_one_map;

/* Walks the section's revision store. EG_OK with walked false when the store is damaged or
 * exceeds a limit; EG_ENOMEM only when nothing could be allocated. */
eg_status eg_one_store_map(eg_scan *s, const eg_object *obj, eg_one_map *out);
const eg_one_ref *eg_one_map_find(const eg_one_map *m, uint64_t stp);
void eg_one_map_free(eg_one_map *m);

#endif
