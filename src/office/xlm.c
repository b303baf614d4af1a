/*
 * Excel 4.0 (XLM) macros: the BIFF8 workbook reader (.xls), the BIFF8/BIFF12 formula decoder
 * (Rgce in reverse Polish notation to readable infix text with the function tables), the BIFF12
 * macro-sheet reader (.xlsb) and the SpreadsheetML macro-sheet reader (.xlsm). Every reader
 * appends the same readable form (see office.h), which the XLM analyzer (xlm_scan.c) judges.
 *
 * Formulas are decoded here, never evaluated; cell constants of macro sheets are written too (and,
 * in a .xls that has a macro sheet, those of its worksheets) so that xlm_eval.c can follow what
 * SET.NAME / FORMULA write.
 */
#include "office/office_int.h"
#include "office/xlm_ftab.h"
#include "office/xlm_int.h"

#include "core/safe.h"
#include "core/utf8.h"

#include <ctype.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STACK_MAX 128
#define PIECE_MAX 4096
#define MAX_RECORDS 2000000u

/* ---------------- helpers ---------------- */

static void col_name(unsigned col, char *out)
{
    char tmp[8];
    int n = 0;
    col++;
    while (col && n < 7) {
        tmp[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void eg_xlm_cell_name(unsigned row, unsigned col, char *out, size_t n)
{
    char c[8];
    col_name(col & 0x3FFF, c);
    snprintf(out, n, "%s%u", c, row + 1);
}

/* "B12" -> row 11, column 1 (an A1 cell name as SpreadsheetML writes it in c/@r). */
bool eg_xlm_a1(const char *s, unsigned *row, unsigned *col)
{
    unsigned c = 0, r = 0;
    size_t i = 0;
    while (isalpha((unsigned char)s[i]) && i < 3)
        c = c * 26 + (unsigned)(toupper((unsigned char)s[i++]) - 'A' + 1);
    size_t d = i;
    while (isdigit((unsigned char)s[i]) && i - d < 7)
        r = r * 10 + (unsigned)(s[i++] - '0');
    if (!c || i == d || s[i] || !r)
        return false;
    *row = r - 1;
    *col = c - 1;
    return true;
}

/* Appends a name or text without line breaks (one formula = one line). */
void eg_xlm_put_flat(eg_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eg_buf_putc(b, (s[i] == '\n' || s[i] == '\r') ? ' ' : (uint8_t)s[i]);
}

/* UTF-16LE / Latin-1 text into UTF-8 on one line; inside a formula string literal (quoted) a
 * quote is doubled as Excel writes it, so the text can be read back unambiguously. */
static void put_u16q(eg_buf *b, const uint8_t *p, size_t nchars, bool quoted)
{
    for (size_t i = 0; i < nchars; i++) {
        unsigned cp = eg_rd16le(p + 2 * i);
        if (cp >= 0xD800 && cp < 0xE000)
            cp = 0xFFFD;
        if (cp == '\n' || cp == '\r')
            cp = ' ';
        if (quoted && cp == '"')
            eg_buf_putc(b, '"');
        char u[4];
        eg_buf_append(b, u, eg_utf8_encode(cp, u));
    }
}

static void put_latin1q(eg_buf *b, const uint8_t *p, size_t n, bool quoted)
{
    for (size_t i = 0; i < n; i++) {
        unsigned cp = p[i];
        if (cp == '\n' || cp == '\r')
            cp = ' ';
        if (quoted && cp == '"')
            eg_buf_putc(b, '"');
        char u[4];
        eg_buf_append(b, u, eg_utf8_encode(cp, u));
    }
}

static void put_u16(eg_buf *b, const uint8_t *p, size_t nchars)
{
    put_u16q(b, p, nchars, false);
}

static void put_latin1(eg_buf *b, const uint8_t *p, size_t n)
{
    put_latin1q(b, p, n, false);
}

static void const_prefix(eg_buf *b, const char *sheet, unsigned row, unsigned col)
{
    char cell[24];
    eg_xlm_cell_name(row, col, cell, sizeof cell);
    eg_xlm_put_flat(b, sheet, strlen(sheet));
    eg_buf_printf(b, "!%s: ", cell);
}

void eg_xlm_put_const_str(eg_buf *b, const char *sheet, unsigned row, unsigned col, const char *s,
                          size_t n)
{
    /* A full buffer takes nothing more, and the string goes in by runs, not by character:
     * 65 536 cells of one 128 KiB string of quotes were 8.6 billion refused appends once the
     * text had reached its cap (minutes of CPU). */
    if (b->limit && b->len >= b->limit)
        return;
    const_prefix(b, sheet, row, col);
    if (eg_buf_putc(b, '"') != EG_OK)
        return;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '"' && s[j] != '\n' && s[j] != '\r')
            j++;
        if (eg_buf_append(b, s + i, j - i) != EG_OK)
            return;
        if (j < n && eg_buf_append(b, s[j] == '"' ? "\"\"" : " ", s[j] == '"' ? 2 : 1) != EG_OK)
            return;
        i = j + 1;
    }
    eg_buf_puts(b, "\"\n");
}

void eg_xlm_put_const_num(eg_buf *b, const char *sheet, unsigned row, unsigned col, double d)
{
    const_prefix(b, sheet, row, col);
    if (d != d)
        d = 0;
    eg_buf_printf(b, "%.15g\n", d);
}

void eg_xlm_put_const_bool(eg_buf *b, const char *sheet, unsigned row, unsigned col, bool v)
{
    const_prefix(b, sheet, row, col);
    eg_buf_puts(b, v ? "TRUE\n" : "FALSE\n");
}

/* RkNumber (MS-XLS 2.5.217): 30 bits of an integer or of a double's high word, maybe / 100. */
double eg_xlm_rk(uint32_t rk)
{
    double d;
    if (rk & 2)
        d = (double)((int32_t)rk >> 2);
    else {
        uint64_t bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&d, &bits, 8);
    }
    return (rk & 1) ? d / 100 : d;
}

/* ---------------- shared strings ---------------- */

bool eg_xlm_sst_add(eg_xlm_sst *t, const char *s, size_t n)
{
    if (t->n >= (1u << 20))
        return false;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        size_t *o = realloc(t->off, cap * sizeof *o);
        if (!o)
            return false;
        t->off = o;
        t->cap = cap;
    }
    if (!t->text.limit)
        eg_office_buf_init(&t->text, 16u << 20);
    size_t at = t->text.len;
    if (eg_buf_append(&t->text, s, n) != EG_OK) {
        t->text.len = at;
        return false;
    }
    t->off[t->n++] = at;
    return true;
}

const char *eg_xlm_sst_get(const eg_xlm_sst *t, size_t i, size_t *n)
{
    if (i >= t->n || !t->text.data)
        return NULL;
    size_t end = i + 1 < t->n ? t->off[i + 1] : t->text.len;
    *n = end - t->off[i];
    return (const char *)t->text.data + t->off[i];
}

void eg_xlm_sst_free(eg_xlm_sst *t)
{
    eg_buf_free(&t->text);
    free(t->off);
    memset(t, 0, sizeof *t);
}

/* ---------------- formula decoder ---------------- */

typedef struct piece {
    char *s;
    size_t n;
} piece;

typedef struct fstack {
    piece p[STACK_MAX];
    int n;
} fstack;

static void fs_clear(fstack *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->p[i].s);
    f->n = 0;
}

static bool fs_push(fstack *f, eg_buf *b)
{
    if (f->n >= STACK_MAX) {
        eg_buf_free(b);
        return false;
    }
    size_t n;
    char *s = eg_buf_steal(b, &n);
    if (!s)
        return false;
    f->p[f->n].s = s;
    f->p[f->n].n = n;
    f->n++;
    return true;
}

static bool fs_push_str(fstack *f, const char *s)
{
    eg_buf b;
    eg_office_buf_init(&b, PIECE_MAX);
    eg_buf_puts(&b, s);
    return fs_push(f, &b);
}

static bool fs_binop(fstack *f, const char *op)
{
    if (f->n < 2)
        return false;
    piece r = f->p[--f->n], l = f->p[--f->n];
    eg_buf b;
    eg_office_buf_init(&b, PIECE_MAX);
    eg_buf_append(&b, l.s, l.n);
    eg_buf_puts(&b, op);
    eg_buf_append(&b, r.s, r.n);
    free(l.s), free(r.s);
    return fs_push(f, &b);
}

static bool fs_call(fstack *f, const char *name, int argc)
{
    if (argc < 0 || argc > f->n)
        return false;
    eg_buf b;
    eg_office_buf_init(&b, PIECE_MAX);
    eg_buf_puts(&b, name);
    eg_buf_putc(&b, '(');
    int base = f->n - argc;
    for (int i = 0; i < argc; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        eg_buf_append(&b, f->p[base + i].s, f->p[base + i].n);
        free(f->p[base + i].s);
    }
    f->n = base;
    eg_buf_putc(&b, ')');
    return fs_push(f, &b);
}

static void fmt_ref(eg_buf *b, uint32_t row, uint16_t col)
{
    char c[8];
    col_name(col & 0x3FFF, c);
    /* bit 14: column relative, bit 15: row relative */
    eg_buf_printf(b, "%s%s%s%u", (col & 0x4000) ? "" : "$", c, (col & 0x8000) ? "" : "$", row + 1);
}

/* "Sheet!" for a 3-D reference when EXTERNSHEET told us the sheet, "[sheet]!" otherwise */
static void sheet_prefix(eg_buf *b, const eg_xlm_names *names, uint16_t ixti)
{
    if (names && ixti < names->n_xti && names->xti[ixti]) {
        const char *nm = names->xti[ixti];
        bool plain = nm[0] && !isdigit((unsigned char)nm[0]);
        for (const char *q = nm; *q && plain; q++)
            plain =
                isalnum((unsigned char)*q) || *q == '_' || *q == '.' || (unsigned char)*q >= 0x80;
        if (plain)
            eg_xlm_put_flat(b, nm, strlen(nm));
        else { /* 'Macro 1'!A1, as Excel writes it */
            eg_buf_putc(b, '\'');
            for (const char *q = nm; *q; q++) {
                if (*q == '\'')
                    eg_buf_putc(b, '\'');
                eg_buf_putc(b, (*q == '\n' || *q == '\r') ? ' ' : (uint8_t)*q);
            }
            eg_buf_putc(b, '\'');
        }
        eg_buf_putc(b, '!');
    } else
        eg_buf_puts(b, "[sheet]!");
}

static const char *fn_name(uint16_t idx, bool cmd, char *tmp, size_t n)
{
    if (cmd) {
        if (idx < sizeof EG_XLM_CETAB / sizeof *EG_XLM_CETAB && EG_XLM_CETAB[idx])
            return EG_XLM_CETAB[idx];
        snprintf(tmp, n, "COMMAND#%u", idx);
        return tmp;
    }
    if (idx < sizeof EG_XLM_FTAB / sizeof *EG_XLM_FTAB && EG_XLM_FTAB[idx].name)
        return EG_XLM_FTAB[idx].name;
    snprintf(tmp, n, "FUNC#%u", idx);
    return tmp;
}

/* BIFF5 (Excel 5.0/95) tokens differ from BIFF8 in size: 8-bit strings without the option
 * byte, one-byte columns with the relative flags in the row, 14-byte ptgName, 24-byte ptgNameX,
 * 17- and 20-byte 3-D references. ver is 5, 8 or 12. */
static bool decode_ver(const uint8_t *rgce, size_t len, int ver, const eg_xlm_names *names,
                       eg_buf *out);

bool eg_xlm_decode_ctx(const uint8_t *rgce, size_t len, bool b12, const eg_xlm_names *names,
                       eg_buf *out)
{
    return decode_ver(rgce, len, b12 ? 12 : 8, names, out);
}

/* A BIFF5 row (flags in bits 14-15) and 8-bit column, as the BIFF8 column-with-flags form. */
static void b5_ref(eg_cur *c, uint32_t *row, uint16_t *col)
{
    uint16_t rw = eg_cur_u16le(c);
    *row = rw & 0x3FFF;
    *col = (uint16_t)(eg_cur_u8(c) | (rw & 0xC000));
}

static bool decode_ver(const uint8_t *rgce, size_t len, int ver, const eg_xlm_names *names,
                       eg_buf *out)
{
    bool b12 = ver == 12, b5 = ver == 5;
    eg_buf_reserve(out, 1);
    fstack *f = calloc(1, sizeof *f);
    if (!f)
        return false;
    eg_cur c = eg_cur_make(rgce, len);
    bool ok = true;
    char tmp[48];
    while (ok && eg_cur_left(&c) > 0) {
        uint8_t ptg = eg_cur_u8(&c);
        uint8_t base = ptg < 0x20 ? ptg : (uint8_t)((ptg & 0x1F) | 0x20);
        static const char *const ops[] = {NULL, NULL, NULL, "+",  "-", "*",  "/", "^", "&",
                                          "<",  "<=", "=",  ">=", ">", "<>", " ", ",", ":"};
        if (ptg >= 0x03 && ptg <= 0x11) {
            ok = fs_binop(f, ops[ptg]);
            continue;
        }
        eg_buf b;
        eg_office_buf_init(&b, PIECE_MAX);
        switch (base) {
        case 0x01: /* ptgExp: shared formula reference */
        case 0x02:
            eg_cur_skip(&c, 4);
            ok = fs_push_str(f, "<shared>");
            break;
        case 0x12:
        case 0x13:
        case 0x14: {
            if (f->n < 1) {
                ok = false;
                break;
            }
            piece x = f->p[--f->n];
            eg_buf_puts(&b, ptg == 0x12 ? "+" : ptg == 0x13 ? "-" : "");
            eg_buf_append(&b, x.s, x.n);
            if (ptg == 0x14)
                eg_buf_putc(&b, '%');
            free(x.s);
            ok = fs_push(f, &b);
            break;
        }
        case 0x15: {
            if (f->n < 1) {
                ok = false;
                break;
            }
            piece x = f->p[--f->n];
            eg_buf_putc(&b, '(');
            eg_buf_append(&b, x.s, x.n);
            eg_buf_putc(&b, ')');
            free(x.s);
            ok = fs_push(f, &b);
            break;
        }
        case 0x16: ok = fs_push_str(f, ""); break;
        case 0x17: { /* ptgStr */
            eg_buf_putc(&b, '"');
            if (b12) {
                uint16_t n = eg_cur_u16le(&c);
                const uint8_t *p = eg_cur_take(&c, (size_t)n * 2);
                if (p)
                    put_u16q(&b, p, n, true);
            } else if (b5) {
                uint8_t n = eg_cur_u8(&c);
                const uint8_t *p = eg_cur_take(&c, n);
                if (p)
                    put_latin1q(&b, p, n, true);
            } else {
                uint8_t n = eg_cur_u8(&c), hb = eg_cur_u8(&c);
                const uint8_t *p = eg_cur_take(&c, (size_t)n * ((hb & 1) ? 2 : 1));
                if (p) {
                    if (hb & 1)
                        put_u16q(&b, p, n, true);
                    else
                        put_latin1q(&b, p, n, true);
                }
            }
            eg_buf_putc(&b, '"');
            ok = !c.err && fs_push(f, &b);
            break;
        }
        case 0x19: { /* ptgAttr */
            uint8_t t = eg_cur_u8(&c);
            uint16_t d = eg_cur_u16le(&c);
            if (t & 0x04)
                eg_cur_skip(&c, ((size_t)d + 1) * 2);
            if (t & 0x10)
                ok = fs_call(f, "SUM", 1);
            break;
        }
        case 0x1C:
            eg_cur_skip(&c, 1);
            ok = fs_push_str(f, "#ERR");
            break;
        case 0x1D: ok = fs_push_str(f, eg_cur_u8(&c) ? "TRUE" : "FALSE"); break;
        case 0x1E:
            eg_buf_printf(&b, "%u", eg_cur_u16le(&c));
            ok = fs_push(f, &b);
            break;
        case 0x1F: {
            const uint8_t *p = eg_cur_take(&c, 8);
            double d = 0;
            if (p)
                memcpy(&d, p, 8);
            eg_buf_printf(&b, "%.15g", d);
            ok = fs_push(f, &b);
            break;
        }
        case 0x20:
            eg_cur_skip(&c, b12 ? 14 : 7);
            ok = fs_push_str(f, "{array}");
            break;
        case 0x21: { /* ptgFunc */
            uint16_t idx = eg_cur_u16le(&c);
            int argc = idx < sizeof EG_XLM_FTAB / sizeof *EG_XLM_FTAB && EG_XLM_FTAB[idx].name
                           ? EG_XLM_FTAB[idx].argc
                           : -1;
            ok = !c.err && fs_call(f, fn_name(idx, false, tmp, sizeof tmp), argc);
            break;
        }
        case 0x22: { /* ptgFuncVar */
            uint8_t argc = eg_cur_u8(&c);
            uint16_t tab = eg_cur_u16le(&c);
            bool cmd = (tab & 0x8000) != 0;
            int n = argc & 0x7F;
            if (!cmd && (tab & 0x7FFF) == 255 && n >= 1 && f->n >= n) {
                /* user-defined / add-in function: the first argument is its name */
                int base = f->n - n;
                piece nm = f->p[base];
                memmove(&f->p[base], &f->p[base + 1], sizeof(piece) * (size_t)(n - 1));
                f->n--;
                char name[96];
                snprintf(name, sizeof name, "%.*s", (int)(nm.n > 90 ? 90 : nm.n), nm.s);
                free(nm.s);
                ok = fs_call(f, name, n - 1);
            } else {
                ok = !c.err && fs_call(f, fn_name(tab & 0x7FFF, cmd, tmp, sizeof tmp), n);
            }
            break;
        }
        case 0x23: { /* ptgName */
            uint32_t idx = b5 ? eg_cur_u16le(&c) : eg_cur_u32le(&c);
            if (b5)
                eg_cur_skip(&c, 12);
            if (names && idx >= 1 && idx <= names->n && names->v[idx - 1])
                eg_buf_puts(&b, names->v[idx - 1]);
            else
                eg_buf_printf(&b, "NAME#%u", idx);
            ok = fs_push(f, &b);
            break;
        }
        case 0x24:
        case 0x2A:
        case 0x2C: { /* ptgRef, ptgRefErr, ptgRefN */
            uint32_t row;
            uint16_t col;
            if (b5)
                b5_ref(&c, &row, &col);
            else {
                row = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                col = eg_cur_u16le(&c);
            }
            if (base == 0x2A)
                eg_buf_puts(&b, "#REF!");
            else
                fmt_ref(&b, row, col);
            ok = !c.err && fs_push(f, &b);
            break;
        }
        case 0x25:
        case 0x2B:
        case 0x2D: { /* ptgArea */
            uint32_t r1, r2;
            uint16_t c1, c2;
            if (b5) {
                uint16_t a = eg_cur_u16le(&c), z = eg_cur_u16le(&c);
                c1 = (uint16_t)(eg_cur_u8(&c) | (a & 0xC000));
                c2 = (uint16_t)(eg_cur_u8(&c) | (z & 0xC000));
                r1 = a & 0x3FFF, r2 = z & 0x3FFF;
            } else {
                r1 = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                r2 = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                c1 = eg_cur_u16le(&c), c2 = eg_cur_u16le(&c);
            }
            if (base == 0x2B)
                eg_buf_puts(&b, "#REF!");
            else {
                fmt_ref(&b, r1, c1);
                eg_buf_putc(&b, ':');
                fmt_ref(&b, r2, c2);
            }
            ok = !c.err && fs_push(f, &b);
            break;
        }
        case 0x26:
        case 0x27:
        case 0x28: /* ptgMemArea/Err/NoMem: sub-expression follows inline */
            eg_cur_skip(&c, 6);
            break;
        case 0x29: eg_cur_skip(&c, 2); break;
        case 0x39: { /* ptgNameX */
            uint32_t idx;
            if (b5) { /* ixals, 8 reserved, index, 12 reserved */
                eg_cur_skip(&c, 10);
                idx = eg_cur_u16le(&c);
                eg_cur_skip(&c, 12);
            } else {
                eg_cur_u16le(&c);
                idx = eg_cur_u32le(&c);
            }
            if (names && idx >= 1 && idx <= names->n && names->v[idx - 1])
                eg_buf_puts(&b, names->v[idx - 1]);
            else
                eg_buf_printf(&b, "EXTNAME#%u", idx);
            ok = !c.err && fs_push(f, &b);
            break;
        }
        case 0x3A:
        case 0x3C: { /* ptgRef3d */
            uint32_t row;
            uint16_t col;
            if (b5) { /* ixals, 8 reserved, itabFirst, itabLast, row, col */
                eg_cur_skip(&c, 10);
                uint16_t first = eg_cur_u16le(&c);
                eg_cur_u16le(&c);
                sheet_prefix(&b, names, first);
                b5_ref(&c, &row, &col);
            } else {
                sheet_prefix(&b, names, eg_cur_u16le(&c));
                row = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                col = eg_cur_u16le(&c);
            }
            fmt_ref(&b, row, col);
            ok = !c.err && fs_push(f, &b);
            break;
        }
        case 0x3B:
        case 0x3D: {
            uint32_t r1, r2;
            uint16_t c1, c2;
            if (b5) {
                eg_cur_skip(&c, 10);
                uint16_t first = eg_cur_u16le(&c);
                eg_cur_u16le(&c);
                sheet_prefix(&b, names, first);
                uint16_t a = eg_cur_u16le(&c), z = eg_cur_u16le(&c);
                c1 = (uint16_t)(eg_cur_u8(&c) | (a & 0xC000));
                c2 = (uint16_t)(eg_cur_u8(&c) | (z & 0xC000));
                r1 = a & 0x3FFF, r2 = z & 0x3FFF;
            } else {
                sheet_prefix(&b, names, eg_cur_u16le(&c));
                r1 = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                r2 = b12 ? eg_cur_u32le(&c) : eg_cur_u16le(&c);
                c1 = eg_cur_u16le(&c), c2 = eg_cur_u16le(&c);
            }
            fmt_ref(&b, r1, c1);
            eg_buf_putc(&b, ':');
            fmt_ref(&b, r2, c2);
            ok = !c.err && fs_push(f, &b);
            break;
        }
        default:
            ok = false; /* unknown token: the rest cannot be aligned */
            break;
        }
        eg_buf_free(&b);
        if (c.err)
            ok = false;
    }
    if (f->n >= 1) {
        for (int i = 0; i < f->n; i++) {
            if (i)
                eg_buf_putc(out, ' ');
            eg_buf_append(out, f->p[i].s, f->p[i].n);
        }
    }
    if (!ok)
        eg_buf_puts(out, f->n ? " <undecodable>" : "<undecodable>");
    fs_clear(f);
    free(f);
    return ok;
}

eg_status eg_xlm_formula_decode(const uint8_t *rgce, size_t len, bool biff12, eg_buf *out)
{
    return eg_xlm_decode_ctx(rgce, len, biff12, NULL, out) ? EG_OK : EG_EFORMAT;
}

/* ---------------- BIFF8 workbook ---------------- */

#define MAX_SHEETS 1024
#define MAX_NAMES 4096

typedef struct b8sheet {
    uint32_t pos;
    uint8_t state, type;
    char name[256];
} b8sheet;

static const char *state_name(unsigned st)
{
    return st == 1 ? "hidden" : st == 2 ? "veryHidden" : "visible";
}

static const char *type_name(unsigned t)
{
    return t == 1 ? "macro" : t == 2 ? "chart" : t == 6 ? "vbmodule" : "worksheet";
}

/* ShortXLUnicodeString / XLUnicodeStringNoCch into UTF-8 */
static void b8_string(eg_cur *c, size_t cch, char *out, size_t outsz, bool b5)
{
    uint8_t hb = b5 ? 0 : eg_cur_u8(c); /* BIFF5: 8-bit characters, no option byte */
    const uint8_t *p = eg_cur_take(c, cch * ((hb & 1) ? 2 : 1));
    eg_buf b;
    eg_office_buf_init(&b, outsz - 1);
    if (p) {
        if (hb & 1)
            put_u16(&b, p, cch);
        else
            put_latin1(&b, p, cch);
    }
    size_t n = b.len < outsz - 1 ? b.len : outsz - 1;
    if (b.data)
        memcpy(out, b.data, n);
    out[n] = '\0';
    eg_buf_free(&b);
}

void eg_xlm_names_free(eg_xlm_names *n)
{
    eg_xlm_sst_free(&n->sst);
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

bool eg_xlm_names_add(eg_xlm_names *n, const char *s)
{
    if (n->n >= MAX_NAMES)
        return false;
    char **v = realloc(n->v, (n->n + 1) * sizeof *v);
    if (!v)
        return false;
    n->v = v;
    n->v[n->n] = strdup(s);
    if (!n->v[n->n])
        return false;
    n->n++;
    return true;
}

static void b8_name(eg_cur *rc, eg_buf *out, unsigned *flags, eg_xlm_names *names, bool b5)
{
    uint16_t grbit = eg_cur_u16le(rc);
    eg_cur_u8(rc); /* chKey */
    uint8_t cch = eg_cur_u8(rc);
    uint16_t cce = eg_cur_u16le(rc);
    eg_cur_skip(rc, 2);
    uint16_t itab = eg_cur_u16le(rc);
    eg_cur_skip(rc, 4);
    char name[300];
    bool builtin = (grbit & 0x0020) != 0;
    b8_string(rc, cch, name, sizeof name, b5);
    if (builtin) {
        static const char *const bn[] = {
            "Consolidate_Area", "Auto_Open",       "Auto_Close",   "Extract",        "Database",
            "Criteria",         "Print_Area",      "Print_Titles", "Recorder",       "Data_Form",
            "Auto_Activate",    "Auto_Deactivate", "Sheet_Title",  "_FilterDatabase"};
        unsigned char k = (unsigned char)name[0];
        if (k < sizeof bn / sizeof *bn)
            snprintf(name, sizeof name, "%s", bn[k]);
    }
    eg_xlm_names_add(names, name);
    if (!strncasecmp(name, "auto_open", 9))
        *flags |= EG_XLM_F_AUTO_OPEN;
    eg_buf_puts(out, "' name \"");
    eg_xlm_put_flat(out, name, strlen(name));
    eg_buf_printf(out, "\"%s%s%s = ", builtin ? " builtin" : "", (grbit & 1) ? " hidden" : "",
                  (grbit & 0x0008) ? " macro" : "");
    (void)itab;
    const uint8_t *f = eg_cur_take(rc, cce);
    if (f)
        decode_ver(f, cce, b5 ? 5 : 8, names, out);
    eg_buf_putc(out, '\n');
}

/* Shared formulas (SHRFMLA, MS-XLS 2.4.260): a FORMULA whose whole rgce is ptgExp uses the
 * formula of a SHRFMLA record whose cell range holds the cell. The record follows the FORMULA of
 * the range's first cell (after its STRING, if any); the other cells come later. Builders of XLM
 * droppers fill whole columns with one shared =CHAR(n)-style formula, so without this the cells
 * that a FORMULA(A1&A2&...) concatenation reads stay unknown. Relative references inside the
 * shared formula are not rebased (ptgRefN/ptgAreaN are not decoded). */
#define MAX_SHARED 512
typedef struct b8shared {
    uint16_t r0, r1;
    uint8_t c0, c1;
    const uint8_t *rgce;
    uint16_t cce;
} b8shared;
typedef struct b8shtab {
    b8shared e[MAX_SHARED];
    size_t n;
} b8shtab;

static bool shrfmla_parse(const uint8_t *d, size_t rlen, b8shared *e)
{
    if (rlen < 10)
        return false;
    e->r0 = eg_rd16le(d);
    e->r1 = eg_rd16le(d + 2);
    e->c0 = d[4];
    e->c1 = d[5];
    e->cce = eg_rd16le(d + 8);
    if ((size_t)e->cce > rlen - 10)
        return false;
    e->rgce = d + 10;
    return true;
}

static const b8shared *shared_for(const b8shtab *t, uint16_t row, uint16_t col)
{
    for (size_t i = t->n; i-- > 0;)
        if (row >= t->e[i].r0 && row <= t->e[i].r1 && col >= t->e[i].c0 && col <= t->e[i].c1)
            return &t->e[i];
    return NULL;
}

/* Looks at the next two records after the FORMULA for the SHRFMLA of its range. */
static void shared_ahead(const uint8_t *wb, size_t len, size_t off, b8shtab *t)
{
    for (int k = 0; k < 2 && off + 4 <= len; k++) {
        uint16_t type = eg_rd16le(wb + off), rl = eg_rd16le(wb + off + 2);
        if ((size_t)rl > len - off - 4)
            return;
        if (type == 0x04BC) {
            if (t->n < MAX_SHARED && shrfmla_parse(wb + off + 4, rl, &t->e[t->n]))
                t->n++;
            return;
        }
        if (type != 0x0207)
            return;
        off += 4 + (size_t)rl;
    }
}

static void b8_formula(eg_cur *rc, const char *sheet, eg_buf *out, const eg_xlm_names *names,
                       bool b5, const b8shtab *shared)
{
    uint16_t row = eg_cur_u16le(rc), col = eg_cur_u16le(rc);
    eg_cur_skip(rc, 2 + 8 + 2 + 4);
    uint16_t cce = eg_cur_u16le(rc);
    const uint8_t *f = eg_cur_take(rc, cce);
    if (!f)
        return;
    const b8shared *sh;
    if (shared && cce == 5 && (f[0] == 0x01) && (sh = shared_for(shared, row, col))) {
        f = sh->rgce;
        cce = sh->cce;
    }
    char cell[24];
    eg_xlm_cell_name(row, col, cell, sizeof cell);
    eg_xlm_put_flat(out, sheet, strlen(sheet));
    eg_buf_printf(out, "!%s: =", cell);
    decode_ver(f, cce, b5 ? 5 : 8, names, out);
    eg_buf_putc(out, '\n');
}

/* SST (MS-XLS 2.4.265) and its CONTINUE records. A string's characters may go on in the next
 * record, which then starts with a new fHighByte byte; headers, formatting runs and phonetic data
 * simply go on. */
#define MAX_SEGS 8192
#define MAX_CONSTS 65536u

typedef struct segs {
    const uint8_t *p[MAX_SEGS];
    size_t len[MAX_SEGS];
    size_t n, i, off;
} segs;

static bool sg_avail(segs *g)
{
    while (g->i < g->n && g->off >= g->len[g->i]) {
        g->i++;
        g->off = 0;
    }
    return g->i < g->n;
}

static bool sg_bytes(segs *g, uint8_t *out, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (!sg_avail(g))
            return false;
        out[k] = g->p[g->i][g->off++];
    }
    return true;
}

static bool sg_skip(segs *g, size_t n)
{
    while (n) {
        if (!sg_avail(g))
            return false;
        size_t k = g->len[g->i] - g->off;
        if (k > n)
            k = n;
        g->off += k;
        n -= k;
    }
    return true;
}

static void b8_sst_string(segs *g, eg_buf *s, size_t cch, bool hb)
{
    size_t left = cch;
    while (left && g->i < g->n) {
        if (g->off >= g->len[g->i]) { /* continued in the next record, behind a new flag byte */
            g->i++;
            g->off = 0;
            if (g->i >= g->n || !g->len[g->i])
                return;
            hb = g->p[g->i][g->off++] & 1;
            continue;
        }
        size_t cs = hb ? 2 : 1, avail = (g->len[g->i] - g->off) / cs;
        if (!avail) { /* half a character: malformed, go on with the next record */
            g->off = g->len[g->i];
            continue;
        }
        size_t k = left < avail ? left : avail;
        if (hb)
            put_u16(s, g->p[g->i] + g->off, k);
        else
            put_latin1(s, g->p[g->i] + g->off, k);
        g->off += k * cs;
        left -= k;
    }
}

static void b8_sst(segs *g, eg_xlm_sst *t)
{
    uint8_t h[8];
    if (!sg_bytes(g, h, 8))
        return;
    uint32_t unique = eg_rd32le(h + 4);
    eg_buf s;
    eg_office_buf_init(&s, 1u << 17);
    for (uint32_t i = 0; i < unique && i < (1u << 20); i++) {
        uint8_t hd[3], x[4];
        if (!sg_bytes(g, hd, 3))
            break;
        size_t cch = eg_rd16le(hd), runs = 0, ext = 0;
        if ((hd[2] & 0x08) && sg_bytes(g, x, 2))
            runs = eg_rd16le(x);
        if ((hd[2] & 0x04) && sg_bytes(g, x, 4))
            ext = eg_rd32le(x);
        s.len = 0;
        b8_sst_string(g, &s, cch, hd[2] & 1);
        if (!eg_xlm_sst_add(t, s.data ? (const char *)s.data : "", s.len))
            break;
        if (!sg_skip(g, runs * 4 + ext))
            break;
    }
    eg_buf_free(&s);
}

/* The SST record at d and the CONTINUE records that follow it in the stream at next. */
static void b8_read_sst(const uint8_t *d, size_t rlen, const uint8_t *wb, size_t len, size_t next,
                        eg_xlm_sst *t)
{
    segs *g = calloc(1, sizeof *g);
    if (!g)
        return;
    g->p[0] = d;
    g->len[0] = rlen;
    g->n = 1;
    while (g->n < MAX_SEGS && next + 4 <= len && eg_rd16le(wb + next) == 0x003C) {
        size_t n = eg_rd16le(wb + next + 2);
        if (n > len - next - 4)
            break;
        g->p[g->n] = wb + next + 4;
        g->len[g->n++] = n;
        next += 4 + n;
    }
    b8_sst(g, t);
    free(g);
}

/* A constant cell of a sheet (LABELSST, LABEL, NUMBER, RK, MULRK, BOOLERR). */
static void b8_const(uint16_t type, eg_cur *rc, const char *sheet, const eg_xlm_sst *sst,
                     eg_buf *out, unsigned *n, bool b5)
{
    uint16_t row = eg_cur_u16le(rc), col = eg_cur_u16le(rc);
    if (type == 0x00BD) { /* MULRK: (ixfe, rk) pairs, then colLast */
        while (eg_cur_left(rc) >= 8 && *n < MAX_CONSTS) {
            eg_cur_u16le(rc);
            eg_xlm_put_const_num(out, sheet, row, col++, eg_xlm_rk(eg_cur_u32le(rc)));
            (*n)++;
        }
        return;
    }
    eg_cur_u16le(rc); /* ixfe */
    if (rc->err)
        return;
    (*n)++;
    switch (type) {
    case 0x00FD: { /* LABELSST */
        size_t sl;
        const char *str = eg_xlm_sst_get(sst, eg_cur_u32le(rc), &sl);
        if (str && !rc->err)
            eg_xlm_put_const_str(out, sheet, row, col, str, sl);
        break;
    }
    case 0x0204: { /* LABEL */
        uint16_t cch = eg_cur_u16le(rc);
        uint8_t hb = b5 ? 0 : eg_cur_u8(rc);
        const uint8_t *p = eg_cur_take(rc, (size_t)cch * ((hb & 1) ? 2 : 1));
        if (!p)
            break;
        eg_buf t;
        eg_office_buf_init(&t, 1u << 17);
        if (hb & 1)
            put_u16(&t, p, cch);
        else
            put_latin1(&t, p, cch);
        eg_xlm_put_const_str(out, sheet, row, col, (const char *)t.data, t.len);
        eg_buf_free(&t);
        break;
    }
    case 0x0203: { /* NUMBER */
        const uint8_t *p = eg_cur_take(rc, 8);
        double d;
        if (p) {
            memcpy(&d, p, 8);
            eg_xlm_put_const_num(out, sheet, row, col, d);
        }
        break;
    }
    case 0x027E: /* RK */
        if (eg_cur_has(rc, 4))
            eg_xlm_put_const_num(out, sheet, row, col, eg_xlm_rk(eg_cur_u32le(rc)));
        break;
    case 0x0205: { /* BOOLERR: booleans only */
        uint8_t v = eg_cur_u8(rc), err = eg_cur_u8(rc);
        if (!rc->err && !err)
            eg_xlm_put_const_bool(out, sheet, row, col, v != 0);
        break;
    }
    default: break;
    }
}

/* The sheets by stream position, to find the sheet a BOF record opens without a walk over all
 * of them at each BOF (2 000 000 records x 1024 sheets). */
typedef struct b8pos {
    uint32_t pos;
    uint16_t idx;
} b8pos;

static int cmp_b8pos(const void *x, const void *y)
{
    const b8pos *a = x, *b = y;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The last sheet declared at pos, or NULL; ord (MAX_SHEETS entries) is re-sorted when sheets were
 * added since the last call (*nord is how many it holds). */
static b8sheet *sheet_at(b8sheet *sheets, size_t nsheets, b8pos *ord, size_t *nord, uint32_t pos)
{
    if (*nord != nsheets) {
        for (size_t i = 0; i < nsheets; i++)
            ord[i] = (b8pos){sheets[i].pos, (uint16_t)i};
        qsort(ord, nsheets, sizeof *ord, cmp_b8pos);
        *nord = nsheets;
    }
    size_t lo = 0, hi = nsheets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ord[mid].pos <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && ord[lo - 1].pos == pos ? &sheets[ord[lo - 1].idx] : NULL;
}

eg_status eg_biff8_read(const uint8_t *wb, size_t len, eg_buf *out, unsigned *flags)
{
    eg_buf_reserve(out, 1);
    *flags = 0;
    b8sheet *sheets = calloc(MAX_SHEETS, sizeof *sheets);
    b8pos *ord = malloc(MAX_SHEETS * sizeof *ord);
    if (!sheets || !ord) {
        free(sheets);
        free(ord);
        return EG_ENOMEM;
    }
    size_t nsheets = 0, nord = 0;
    eg_xlm_names names = {0};
    eg_cur c = eg_cur_make(wb, len);
    const b8sheet *cur = NULL;         /* the substream we are in; NULL = globals */
    bool seen_bof = false, b5 = false; /* b5: an Excel 5.0/95 (BIFF5) workbook */
    unsigned records = 0, consts = 0;
    b8shtab *shared = calloc(1, sizeof *shared);
    bool pending_str = false; /* a worksheet formula's string result comes in the next STRING */
    uint16_t pending_row = 0, pending_col = 0;
    eg_status st = EG_OK;
    while (eg_cur_left(&c) >= 4) {
        if (++records > MAX_RECORDS) {
            st = EG_ELIMIT;
            break;
        }
        size_t recpos = c.off;
        uint16_t type = eg_cur_u16le(&c), rlen = eg_cur_u16le(&c);
        const uint8_t *d = eg_cur_take(&c, rlen);
        if (!d)
            break;
        eg_cur rc = eg_cur_make(d, rlen);
        switch (type) {
        case 0x0809: /* BOF */
            if (shared)
                shared->n = 0; /* shared formulas belong to one sheet */
            if (seen_bof) {
                cur = recpos <= UINT32_MAX ? sheet_at(sheets, nsheets, ord, &nord, (uint32_t)recpos)
                                           : NULL;
                if (rlen >= 4 && eg_rd16le(d + 2) == 0x0040 && cur && cur->type != 1) {
                    /* BOF says macro sheet even though BOUNDSHEET did not */
                    *flags |= EG_XLM_F_MACROSHEET;
                    ((b8sheet *)cur)->type = 1;
                }
            }
            if (!seen_bof && rlen >= 2 && eg_rd16le(d) == 0x0500)
                b5 = true;
            seen_bof = true;
            break;
        case 0x002F: /* FILEPASS: the rest is encrypted */ *flags |= EG_XLM_F_ENCRYPTED; goto done;
        case 0x0085: { /* BOUNDSHEET */
            if (nsheets >= MAX_SHEETS)
                break;
            b8sheet *sh = &sheets[nsheets];
            sh->pos = eg_cur_u32le(&rc);
            sh->state = eg_cur_u8(&rc) & 3;
            sh->type = eg_cur_u8(&rc);
            uint8_t cch = eg_cur_u8(&rc);
            b8_string(&rc, cch, sh->name, sizeof sh->name, b5);
            if (rc.err && !sh->name[0])
                break;
            nsheets++;
            if (sh->type == 1) {
                *flags |= EG_XLM_F_MACROSHEET;
                if (sh->state == 1)
                    *flags |= EG_XLM_F_HIDDEN_MACRO;
                if (sh->state == 2)
                    *flags |= EG_XLM_F_VERYHIDDEN_MACRO;
            } else if (sh->state && sh->type == 0) {
                *flags |= EG_XLM_F_HIDDEN_SHEET;
            }
            eg_buf_puts(out, "' sheet \"");
            eg_xlm_put_flat(out, sh->name, strlen(sh->name));
            eg_buf_printf(out, "\" type=%s state=%s\n", type_name(sh->type), state_name(sh->state));
            break;
        }
        case 0x0017: /* EXTERNSHEET: XTI entries, itabFirst names the sheet */
            if (!cur && !names.xti && !b5) { /* BIFF5's EXTERNSHEET names a sheet per record */
                uint16_t n = eg_cur_u16le(&rc);
                if (n && n <= 4096 && (names.xti = calloc(n, sizeof *names.xti))) {
                    names.n_xti = n;
                    for (uint16_t i = 0; i < n && !rc.err; i++) {
                        eg_cur_u16le(&rc);
                        uint16_t first = eg_cur_u16le(&rc);
                        eg_cur_u16le(&rc);
                        if (!rc.err && first < nsheets)
                            names.xti[i] = sheets[first].name;
                    }
                }
            }
            break;
        case 0x0018: /* NAME (Lbl) */
            if (!cur)
                b8_name(&rc, out, flags, &names, b5);
            break;
        case 0x0006: /* FORMULA */
            if (cur && cur->type == 1) {
                if (shared && rlen == 27 && d[22] == 0x01 &&
                    !shared_for(shared, eg_rd16le(d), eg_rd16le(d + 2)))
                    shared_ahead(wb, len, c.off, shared);
                b8_formula(&rc, cur->name, out, &names, b5, shared);
                *flags |= EG_XLM_F_FORMULAS;
            } else if (cur && (*flags & EG_XLM_F_MACROSHEET) && consts < MAX_CONSTS && rlen >= 14) {
                /* a worksheet formula next to a macro sheet: its cached result is what a macro
                 * reads (a string result follows in a STRING record) */
                uint16_t row = eg_rd16le(d), col = eg_rd16le(d + 2);
                consts++;
                if (eg_rd16le(d + 12) != 0xFFFF) {
                    double v;
                    memcpy(&v, d + 6, 8);
                    eg_xlm_put_const_num(out, cur->name, row, col, v);
                } else if (d[6] == 0) {
                    pending_str = true;
                    pending_row = row;
                    pending_col = col;
                    break; /* keep the pending string for the next record */
                } else if (d[6] == 1)
                    eg_xlm_put_const_bool(out, cur->name, row, col, d[8] != 0);
            }
            pending_str = false;
            break;
        case 0x04BC: /* SHRFMLA not already taken by shared_ahead */
            if (shared && cur && cur->type == 1 && shared->n < MAX_SHARED &&
                !(shared->n && shared->e[shared->n - 1].rgce == d + 10) &&
                shrfmla_parse(d, rlen, &shared->e[shared->n]))
                shared->n++;
            break;
        case 0x0207: /* STRING: the cached text of the formula before */
            if (pending_str && cur) {
                uint16_t cch = eg_cur_u16le(&rc);
                uint8_t hb = b5 ? 0 : eg_cur_u8(&rc);
                const uint8_t *p = eg_cur_take(&rc, (size_t)cch * ((hb & 1) ? 2 : 1));
                if (p) {
                    eg_buf t;
                    eg_office_buf_init(&t, 1u << 17);
                    if (hb & 1)
                        put_u16(&t, p, cch);
                    else
                        put_latin1(&t, p, cch);
                    eg_xlm_put_const_str(out, cur->name, pending_row, pending_col,
                                         (const char *)t.data, t.len);
                    eg_buf_free(&t);
                }
            }
            pending_str = false;
            break;
        case 0x00FC: /* SST: kept only when a macro sheet may refer to it */
            if (!cur && (*flags & EG_XLM_F_MACROSHEET) && !names.sst.n)
                b8_read_sst(d, rlen, wb, len, c.off, &names.sst);
            break;
        case 0x00FD:
        case 0x0204:
        case 0x0203:
        case 0x027E:
        case 0x00BD:
        case 0x0205:
            /* constants of macro sheets, and of worksheets next to a macro sheet */
            if (cur && (*flags & EG_XLM_F_MACROSHEET) && consts < MAX_CONSTS)
                b8_const(type, &rc, cur->name, &names.sst, out, &consts, b5);
            break;
        default: break;
        }
        if (out->limit && out->len >= out->limit) {
            st = EG_ELIMIT;
            break;
        }
    }
done:
    free(shared);
    free(names.xti);
    eg_xlm_names_free(&names);
    free(sheets);
    free(ord);
    if (!seen_bof)
        return EG_EFORMAT;
    return st;
}

/* ---------------- BIFF12 ---------------- */

bool eg_b12_record(eg_cur *c, uint32_t *id, uint32_t *size)
{
    uint8_t b = eg_cur_u8(c);
    *id = b & 0x7F;
    if (b & 0x80)
        *id |= (uint32_t)(eg_cur_u8(c) & 0x7F) << 7;
    *size = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t s = eg_cur_u8(c);
        *size |= (uint32_t)(s & 0x7F) << (7 * i);
        if (!(s & 0x80))
            break;
    }
    return !c->err;
}

/* XLWideString: cch (4 bytes) + UTF-16LE */
bool eg_b12_wstr(eg_cur *c, eg_buf *b)
{
    eg_buf_reserve(b, 1);
    uint32_t n = eg_cur_u32le(c);
    if (n == 0xFFFFFFFFu)
        return true;
    if (n > 32767) {
        c->err = true;
        return false;
    }
    const uint8_t *p = eg_cur_take(c, (size_t)n * 2);
    if (p)
        put_u16(b, p, n);
    return p != NULL;
}

/* BIFF12 shared formulas (BrtShrFmla, id 427: RfX of four u32, then cce and rgce), used by cells
 * whose formula is only PtgExp; the record follows the first cell of its range, as in BIFF8. */
typedef struct b12shared {
    uint32_t r0, r1, c0, c1, cce;
    const uint8_t *rgce;
} b12shared;
typedef struct b12shtab {
    b12shared e[MAX_SHARED];
    size_t n;
} b12shtab;

static void b12_shared_add(b12shtab *t, const uint8_t *d, size_t size)
{
    if (!t || t->n >= MAX_SHARED || size < 20)
        return;
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].rgce == d + 20)
            return;
    b12shared *e = &t->e[t->n];
    e->r0 = eg_rd32le(d);
    e->r1 = eg_rd32le(d + 4);
    e->c0 = eg_rd32le(d + 8);
    e->c1 = eg_rd32le(d + 12);
    e->cce = eg_rd32le(d + 16);
    if (e->cce > size - 20)
        return;
    e->rgce = d + 20;
    t->n++;
}

static const b12shared *b12_shared_for(const b12shtab *t, uint32_t row, uint32_t col)
{
    for (size_t i = t ? t->n : 0; i-- > 0;)
        if (row >= t->e[i].r0 && row <= t->e[i].r1 && col >= t->e[i].c0 && col <= t->e[i].c1)
            return &t->e[i];
    return NULL;
}

/* The record after a PtgExp cell, when it is the BrtShrFmla of that cell's range. */
static void b12_shared_ahead(const eg_cur *c, b12shtab *t)
{
    eg_cur n = *c;
    uint32_t id, size;
    if (!eg_b12_record(&n, &id, &size) || id != 427)
        return;
    const uint8_t *d = eg_cur_take(&n, size);
    if (d)
        b12_shared_add(t, d, size);
}

/* A BIFF12 sheet part: formulas (unless consts_only) and cell constants (65 536 at most). */
static eg_status b12_sheet(const uint8_t *bin, size_t len, const char *sheet,
                           const eg_xlm_names *names, eg_buf *out, unsigned *flags,
                           bool consts_only)
{
    eg_buf_reserve(out, 1);
    eg_cur c = eg_cur_make(bin, len);
    uint32_t row = 0;
    unsigned records = 0, consts = 0;
    b12shtab *shared = consts_only ? NULL : calloc(1, sizeof *shared);
    eg_status st = EG_OK;
    while (eg_cur_left(&c) > 0) {
        uint32_t id, size;
        if (!eg_b12_record(&c, &id, &size) || ++records > MAX_RECORDS)
            break;
        const uint8_t *d = eg_cur_take(&c, size);
        if (!d) {
            st = EG_EFORMAT;
            break;
        }
        eg_cur rc = eg_cur_make(d, size);
        if (id == 427) { /* BrtShrFmla */
            b12_shared_add(shared, d, size);
            continue;
        }
        if (id == 0) { /* BrtRowHdr */
            row = eg_cur_u32le(&rc);
            continue;
        }
        if (id >= 2 && id <= 7) { /* BrtCellRk, Error, Bool, Real, St, Isst: constants */
            if (++consts > MAX_CONSTS)
                continue;
            uint32_t col = eg_cur_u32le(&rc);
            eg_cur_skip(&rc, 4);
            if (id == 2 && eg_cur_has(&rc, 4))
                eg_xlm_put_const_num(out, sheet, row, col, eg_xlm_rk(eg_cur_u32le(&rc)));
            else if (id == 4 && eg_cur_has(&rc, 1))
                eg_xlm_put_const_bool(out, sheet, row, col, eg_cur_u8(&rc) != 0);
            else if (id == 5 && eg_cur_has(&rc, 8)) {
                double v;
                memcpy(&v, eg_cur_take(&rc, 8), 8);
                eg_xlm_put_const_num(out, sheet, row, col, v);
            } else if (id == 6) {
                eg_buf t;
                eg_office_buf_init(&t, 1u << 17);
                if (eg_b12_wstr(&rc, &t))
                    eg_xlm_put_const_str(out, sheet, row, col, (const char *)t.data, t.len);
                eg_buf_free(&t);
            } else if (id == 7 && names && eg_cur_has(&rc, 4)) {
                size_t sl;
                const char *str = eg_xlm_sst_get(&names->sst, eg_cur_u32le(&rc), &sl);
                if (str)
                    eg_xlm_put_const_str(out, sheet, row, col, str, sl);
            }
            if (out->limit && out->len >= out->limit) {
                st = EG_ELIMIT;
                break;
            }
            continue;
        }
        if (id < 8 || id > 11)
            continue;
        if (consts_only) { /* a worksheet formula: its cached value, as Excel computed it */
            uint32_t col = eg_cur_u32le(&rc);
            eg_cur_skip(&rc, 4);
            if (++consts > MAX_CONSTS)
                continue;
            if (id == 8) {
                eg_buf t;
                eg_office_buf_init(&t, 1u << 17);
                if (eg_b12_wstr(&rc, &t))
                    eg_xlm_put_const_str(out, sheet, row, col, (const char *)t.data, t.len);
                eg_buf_free(&t);
            } else if (id == 9 && eg_cur_has(&rc, 8)) {
                double v;
                memcpy(&v, eg_cur_take(&rc, 8), 8);
                eg_xlm_put_const_num(out, sheet, row, col, v);
            } else if (id == 10 && eg_cur_has(&rc, 1))
                eg_xlm_put_const_bool(out, sheet, row, col, eg_cur_u8(&rc) != 0);
            continue;
        }
        uint32_t col = eg_cur_u32le(&rc);
        eg_cur_skip(&rc, 4);
        if (id == 8) {
            eg_buf junk;
            eg_office_buf_init(&junk, 1 << 20);
            eg_b12_wstr(&rc, &junk);
            eg_buf_free(&junk);
        } else
            eg_cur_skip(&rc, id == 9 ? 8 : 1);
        eg_cur_skip(&rc, 2);
        uint32_t cce = eg_cur_u32le(&rc);
        const uint8_t *f = eg_cur_take(&rc, cce);
        if (!f)
            continue;
        if (shared && cce == 5 && f[0] == 0x01) {
            const b12shared *sh = b12_shared_for(shared, row, col);
            if (!sh) {
                b12_shared_ahead(&c, shared);
                sh = b12_shared_for(shared, row, col);
            }
            if (sh) {
                f = sh->rgce;
                cce = sh->cce;
            }
        }
        char cell[24];
        eg_xlm_cell_name(row, col, cell, sizeof cell);
        eg_xlm_put_flat(out, sheet, strlen(sheet));
        eg_buf_printf(out, "!%s: =", cell);
        eg_xlm_decode_ctx(f, cce, true, names, out);
        eg_buf_putc(out, '\n');
        *flags |= EG_XLM_F_FORMULAS;
        if (out->limit && out->len >= out->limit) {
            st = EG_ELIMIT;
            break;
        }
    }
    free(shared);
    return st;
}

eg_status eg_biff12_sheet_read(const uint8_t *bin, size_t len, const char *sheet, eg_buf *out,
                               unsigned *flags)
{
    return eg_biff12_sheet_read_ctx(bin, len, sheet, NULL, out, flags);
}

eg_status eg_biff12_sheet_read_ctx(const uint8_t *bin, size_t len, const char *sheet,
                                   const eg_xlm_names *names, eg_buf *out, unsigned *flags)
{
    return b12_sheet(bin, len, sheet, names, out, flags, false);
}

eg_status eg_biff12_sheet_consts(const uint8_t *bin, size_t len, const char *sheet,
                                 const eg_xlm_names *names, eg_buf *out)
{
    unsigned flags = 0;
    return b12_sheet(bin, len, sheet, names, out, &flags, true);
}

/* ---------------- SpreadsheetML macro sheet ---------------- */

typedef struct xml_sheet {
    eg_buf *out;
    const char *sheet;
    const eg_xlm_names *names;
    unsigned *flags;
    char cell[24];
    char type[16];
    bool in_f, in_v, in_is, in_t, in_rph, has_f;
    bool consts_only; /* a worksheet: constants and the cached values of its formulas */
    unsigned consts;
    eg_buf f, v;
    XML_Parser
        parser; /* stopped once out is full: the rest of the sheet would be read for nothing */
} xml_sheet;

static void XMLCALL xs_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    xml_sheet *x = ud;
    const char *l = strrchr(name, ':');
    l = l ? l + 1 : name;
    if (!strcmp(l, "c")) {
        x->cell[0] = x->type[0] = '\0';
        x->has_f = false;
        x->v.len = 0;
        for (size_t i = 0; at[i] && at[i + 1]; i += 2) {
            if (!strcmp(at[i], "r"))
                snprintf(x->cell, sizeof x->cell, "%s", at[i + 1]);
            else if (!strcmp(at[i], "t"))
                snprintf(x->type, sizeof x->type, "%s", at[i + 1]);
        }
    } else if (!strcmp(l, "f")) {
        x->in_f = true;
        x->f.len = 0;
    } else if (!strcmp(l, "v"))
        x->in_v = true;
    else if (!strcmp(l, "is"))
        x->in_is = true;
    else if (!strcmp(l, "rPh"))
        x->in_rph = true;
    else if (!strcmp(l, "t") && x->in_is)
        x->in_t = true;
}

static void XMLCALL xs_text(void *ud, const XML_Char *s, int n)
{
    xml_sheet *x = ud;
    if (n <= 0)
        return;
    if (x->in_f)
        eg_buf_append(&x->f, s, (size_t)n);
    else if (x->in_v || (x->in_t && !x->in_rph))
        eg_buf_append(&x->v, s, (size_t)n);
}

/* The constant of a cell without a formula: shared string, inline string, number or boolean. */
static void xs_constant(xml_sheet *x)
{
    unsigned row, col;
    if (!x->cell[0] || !x->v.len || !eg_xlm_a1(x->cell, &row, &col) || ++x->consts > MAX_CONSTS)
        return;
    const char *v = (const char *)x->v.data;
    if (!strcmp(x->type, "s")) {
        size_t sl;
        char *e;
        unsigned long i = strtoul(v, &e, 10);
        const char *str = x->names && e != v ? eg_xlm_sst_get(&x->names->sst, i, &sl) : NULL;
        if (str)
            eg_xlm_put_const_str(x->out, x->sheet, row, col, str, sl);
    } else if (!strcmp(x->type, "inlineStr") || !strcmp(x->type, "str"))
        eg_xlm_put_const_str(x->out, x->sheet, row, col, v, x->v.len);
    else if (!strcmp(x->type, "b"))
        eg_xlm_put_const_bool(x->out, x->sheet, row, col, v[0] == '1');
    else if (!x->type[0] || !strcmp(x->type, "n")) {
        char *e;
        double d = strtod(v, &e);
        if (e != v)
            eg_xlm_put_const_num(x->out, x->sheet, row, col, d);
    }
}

static void XMLCALL xs_end(void *ud, const XML_Char *name)
{
    xml_sheet *x = ud;
    const char *l = strrchr(name, ':');
    l = l ? l + 1 : name;
    if (!strcmp(l, "v"))
        x->in_v = false;
    else if (!strcmp(l, "is"))
        x->in_is = false;
    else if (!strcmp(l, "rPh"))
        x->in_rph = false;
    else if (!strcmp(l, "t"))
        x->in_t = false;
    else if (!strcmp(l, "c")) {
        if (!x->has_f)
            xs_constant(x);
        if (x->out->limit && x->out->len >= x->out->limit)
            XML_StopParser(x->parser, XML_FALSE);
    }
    if (strcmp(l, "f") || !x->in_f)
        return;
    x->in_f = false;
    if (x->consts_only)
        return;
    x->has_f = true;
    eg_xlm_put_flat(x->out, x->sheet, strlen(x->sheet));
    eg_buf_printf(x->out, "!%s: =", x->cell[0] ? x->cell : "?");
    eg_xlm_put_flat(x->out, x->f.data ? (const char *)x->f.data : "", x->f.len);
    eg_buf_putc(x->out, '\n');
    *x->flags |= EG_XLM_F_FORMULAS;
}

eg_status eg_xlm_xml_sheet_read(const uint8_t *xml, size_t len, const char *sheet, eg_buf *out,
                                unsigned *flags)
{
    return eg_xlm_xml_sheet_read_ctx(xml, len, sheet, NULL, out, flags);
}

static eg_status xml_sheet_read(const uint8_t *xml, size_t len, const char *sheet,
                                const eg_xlm_names *names, eg_buf *out, unsigned *flags,
                                bool consts_only)
{
    eg_buf_reserve(out, 1);
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p)
        return EG_ENOMEM;
    xml_sheet x = {
        .out = out, .sheet = sheet, .names = names, .flags = flags, .consts_only = consts_only};
    eg_office_buf_init(&x.f, 1 << 16);
    eg_office_buf_init(&x.v, 1 << 17);
    x.parser = p;
    XML_SetUserData(p, &x);
    XML_SetElementHandler(p, xs_start, xs_end);
    XML_SetCharacterDataHandler(p, xs_text);
    eg_status st = EG_OK;
    size_t off = 0;
    /* fed in pieces: XML_Parse takes an int length */
    do {
        size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
        if (XML_Parse(p, (const char *)xml + off, (int)n, off + n == len) == XML_STATUS_ERROR) {
            st = XML_GetErrorCode(p) == XML_ERROR_ABORTED ? EG_ELIMIT : EG_EFORMAT;
            break;
        }
        off += n;
    } while (off < len);
    XML_ParserFree(p);
    eg_buf_free(&x.f);
    eg_buf_free(&x.v);
    return st;
}

eg_status eg_xlm_xml_sheet_read_ctx(const uint8_t *xml, size_t len, const char *sheet,
                                    const eg_xlm_names *names, eg_buf *out, unsigned *flags)
{
    return xml_sheet_read(xml, len, sheet, names, out, flags, false);
}

eg_status eg_xlm_xml_sheet_consts(const uint8_t *xml, size_t len, const char *sheet,
                                  const eg_xlm_names *names, eg_buf *out)
{
    unsigned flags = 0;
    return xml_sheet_read(xml, len, sheet, names, out, &flags, true);
}
