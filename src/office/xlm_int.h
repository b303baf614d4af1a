/* Shared inside src/office: XLM decoding pieces used by the BIFF8, BIFF12 and OOXML readers. */
#ifndef EG_OFFICE_XLM_INT_H
#define EG_OFFICE_XLM_INT_H

#include "core/buf.h"
#include "core/safe.h"

#include <stdbool.h>

/* A shared-string table (BIFF8 SST, xl/sharedStrings.xml, xl/sharedStrings.bin): UTF-8 texts. */
typedef struct eg_xlm_sst {
    eg_buf text;
    size_t *off; /* start of string i in text; it ends where i + 1 starts */
    size_t n, cap;
} eg_xlm_sst;

bool eg_xlm_sst_add(eg_xlm_sst *t, const char *s, size_t n);
/* string i, or NULL */
const char *eg_xlm_sst_get(const eg_xlm_sst *t, size_t i, size_t *n);
void eg_xlm_sst_free(eg_xlm_sst *t);

typedef struct eg_xlm_names {
    char **v; /* defined names in order (ptgName index - 1) */
    size_t n;
    const char **xti; /* sheet name per EXTERNSHEET entry (ptgRef3d ixti), NULL = unknown */
    size_t n_xti;
    eg_xlm_sst sst; /* the workbook's shared strings (cell constants) */
} eg_xlm_names;

bool eg_xlm_names_add(eg_xlm_names *n, const char *s);
void eg_xlm_names_free(eg_xlm_names *n);
bool eg_xlm_decode_ctx(const uint8_t *rgce, size_t len, bool b12, const eg_xlm_names *names,
                       eg_buf *out);
void eg_xlm_cell_name(unsigned row, unsigned col, char *out, size_t n);
bool eg_xlm_a1(const char *s, unsigned *row, unsigned *col);
void eg_xlm_put_flat(eg_buf *b, const char *s, size_t n);
/* Cell constants, one line each: Sheet!B1: "text" (quotes doubled) / Sheet!B2: 42 / TRUE */
void eg_xlm_put_const_str(eg_buf *b, const char *sheet, unsigned row, unsigned col, const char *s,
                          size_t n);
void eg_xlm_put_const_num(eg_buf *b, const char *sheet, unsigned row, unsigned col, double d);
void eg_xlm_put_const_bool(eg_buf *b, const char *sheet, unsigned row, unsigned col, bool v);
double eg_xlm_rk(uint32_t rk);
/* The cell constants of an ordinary worksheet next to a macro sheet (the cached values of its
 * formulas count as constants: Excel computed them), SpreadsheetML or BIFF12. */
eg_status eg_xlm_xml_sheet_consts(const uint8_t *xml, size_t len, const char *sheet,
                                  const eg_xlm_names *names, eg_buf *out);
eg_status eg_biff12_sheet_consts(const uint8_t *bin, size_t len, const char *sheet,
                                 const eg_xlm_names *names, eg_buf *out);
/* A SpreadsheetML macro sheet with the workbook's shared strings (names may be NULL). */
eg_status eg_xlm_xml_sheet_read_ctx(const uint8_t *xml, size_t len, const char *sheet,
                                    const eg_xlm_names *names, eg_buf *out, unsigned *flags);
bool eg_b12_record(eg_cur *c, uint32_t *id, uint32_t *size);
bool eg_b12_wstr(eg_cur *c, eg_buf *b);
eg_status eg_biff12_sheet_read_ctx(const uint8_t *bin, size_t len, const char *sheet,
                                   const eg_xlm_names *names, eg_buf *out, unsigned *flags);

#endif
