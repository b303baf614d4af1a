/*
 * Shared inside src/office only: helpers one analyzer file offers another. Nothing here is part
 * of the module's promise to the rest of the program (that is office.h).
 */
#ifndef EG_OFFICE_INT_H
#define EG_OFFICE_INT_H

#include "office/office.h"

/* eg_buf_init plus a first allocation, so a zero-length append into a fresh buffer never touches
 * a NULL data pointer. */
static inline void eg_office_buf_init(eg_buf *b, size_t limit)
{
    eg_buf_init(b, limit);
    eg_buf_reserve(b, 1);
}

/* The cap for one output buffer: the scan's remaining budget, at most max, never 0 (an eg_buf
 * limit of 0 would mean "unlimited"). */
static inline size_t eg_office_cap(eg_scan *s, size_t max)
{
    uint64_t b = eg_scan_budget(s);
    size_t c = b < max ? (size_t)b : max;
    return c ? c : 1;
}

/* Per-project facts gathered across the modules of one VBA project or the formulas of one
 * workbook, so a combination (auto-exec in one module, Shell in another) is seen. Keyed by the
 * id of the object that holds the project. Returns the updated flags. */
unsigned eg_office_project_flags(eg_scan *s, uint32_t project_id, unsigned add);

/* Base64 decode (standard alphabet, whitespace skipped); malloc'd, NULL when not base64. */
uint8_t *eg_office_b64_decode(const char *in, size_t len, size_t *outlen);

/* Command-like text (powershell, cmd, mshta, regsvr32 ...)? */
bool eg_office_looks_like_cmd(const char *s, size_t len);

/* Lure scan of a part or stream, recorded as findings on obj. */
void eg_office_lure_findings(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len);

/* CFB: decryption of an ECMA-376 EncryptionInfo/EncryptedPackage pair. On success *out is the
 * decrypted package (malloc'd) and *pw the password that opened it (static or from the scan). */
typedef struct eg_office_pw {
    const char *value;
    const char *origin;
    bool is_default; /* VelvetSweatshop */
} eg_office_pw;
eg_status eg_office_decrypt(eg_scan *s, const eg_object *obj, const uint8_t *info, size_t info_len,
                            const uint8_t *pkg, size_t pkg_len, uint8_t **out, size_t *out_len,
                            eg_office_pw *pw);
/* The same with one given password, no scan (tests, fuzzing). */
eg_status eg_office_decrypt_with(const uint8_t *info, size_t info_len, const uint8_t *pkg,
                                 size_t pkg_len, const char *password, size_t max_out, uint8_t **out,
                                 size_t *out_len);

#endif
