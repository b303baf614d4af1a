/* Shared inside src/office: XLM decoding pieces used by the BIFF8, BIFF12 and OOXML readers. */
#ifndef EG_OFFICE_XLM_INT_H
#define EG_OFFICE_XLM_INT_H

#include "core/buf.h"
#include "core/safe.h"

#include <stdbool.h>

typedef struct eg_xlm_names {
    char **v; /* defined names in order (ptgName index - 1) */
    size_t n;
    const char **xti; /* sheet name per EXTERNSHEET entry (ptgRef3d ixti), NULL = unknown */
    size_t n_xti;
} eg_xlm_names;

bool eg_xlm_names_add(eg_xlm_names *n, const char *s);
void eg_xlm_names_free(eg_xlm_names *n);
bool eg_xlm_decode_ctx(const uint8_t *rgce, size_t len, bool b12, const eg_xlm_names *names, eg_buf *out);
void eg_xlm_cell_name(unsigned row, unsigned col, char *out, size_t n);
void eg_xlm_put_flat(eg_buf *b, const char *s, size_t n);
bool eg_b12_record(eg_cur *c, uint32_t *id, uint32_t *size);
bool eg_b12_wstr(eg_cur *c, eg_buf *b);
eg_status eg_biff12_sheet_read_ctx(const uint8_t *bin, size_t len, const char *sheet, const eg_xlm_names *names,
                                   eg_buf *out, unsigned *flags);

#endif
