/*
 * SYLK (.slk): the text spreadsheet format Excel still opens. A record per line (CR, LF or CRLF),
 * fields separated by ';' (";;" is a literal ';'), the record type first:
 *   ID;P...          header (detection sniffs "ID;P" at offset 0)
 *   O;...;E;...      options; an E field makes the sheet a macro sheet
 *   C;Xn;Yn;Kv;Ef    a cell: column, row (each kept from the record before when left out), value,
 *                    formula (R1C1 text, e.g. EXEC("calc.exe"))
 *   F;...;Xn;Yn      formatting (it moves the current cell too)
 *   NN;Nname;Eexpr   a defined name (Auto_Open pointing at R1C1)
 * It is turned into the same readable XLM text as the binary readers produce (docs/office.md), so
 * the XLM analyzer judges it: sheet line, names, formulas, constants.
 *
 * It does not convert relative R1C1 references or evaluate anything.
 */
#include "office/office_int.h"
#include "office/xlm_int.h"

#include "core/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 2000000u
#define MAX_FIELD 32768
#define MAX_FIELDS 64

typedef struct sy_field {
    char key;
    const char *v; /* raw, ";;" not yet collapsed */
    size_t n;
} sy_field;

/* Splits one record into fields (the record type is fields[0] with key 0). */
static size_t split(const char *l, size_t n, sy_field *f, size_t max)
{
    size_t nf = 0, a = 0;
    for (size_t i = 0; i <= n && nf < max; i++) {
        if (i < n && l[i] == ';' && i + 1 < n && l[i + 1] == ';') {
            i++;
            continue;
        }
        if (i == n || l[i] == ';') {
            if (nf == 0)
                f[nf++] = (sy_field){0, l + a, i - a};
            else if (i > a)
                f[nf++] = (sy_field){l[a], l + a + 1, i - a - 1};
            a = i + 1;
        }
    }
    return nf;
}

/* A field's text with ";;" collapsed, NUL-terminated (cut at outsz). */
static size_t unescape(const sy_field *f, char *out, size_t outsz)
{
    size_t k = 0;
    for (size_t i = 0; i < f->n && k + 1 < outsz; i++) {
        out[k++] = f->v[i];
        if (f->v[i] == ';' && i + 1 < f->n && f->v[i + 1] == ';')
            i++;
    }
    out[k] = '\0';
    return k;
}

static unsigned num(const sy_field *f)
{
    unsigned v = 0;
    for (size_t i = 0; i < f->n && isdigit((unsigned char)f->v[i]) && v < 10000000u; i++)
        v = v * 10 + (unsigned)(f->v[i] - '0');
    return v;
}

/* "R12C3" (absolute) as "$C$12"; anything else is copied as it is. */
static void put_expr(eg_buf *b, const char *sheet, const char *e)
{
    unsigned r = 0, c = 0;
    int used = 0;
    if ((e[0] == 'R' || e[0] == 'r') && sscanf(e + 1, "%u%*[Cc]%u%n", &r, &c, &used) == 2 &&
        e[1 + used] == '\0' && r >= 1 && c >= 1) {
        char cell[24];
        eg_xlm_cell_name(r - 1, c - 1, cell, sizeof cell);
        eg_xlm_put_flat(b, sheet, strlen(sheet));
        eg_buf_putc(b, '!');
        eg_buf_putc(b, '$');
        const char *d = cell;
        while (*d && isalpha((unsigned char)*d))
            eg_buf_putc(b, (uint8_t)*d++);
        eg_buf_putc(b, '$');
        eg_buf_puts(b, d);
        return;
    }
    eg_xlm_put_flat(b, e, strlen(e));
}

/* Functions that only run on a macro sheet or run code: their presence makes a SYLK file an
 * Excel 4.0 macro carrier even without the macro-sheet option. */
static bool macro_call(const char *e)
{
    static const char *const f[] = {"EXEC(",   "CALL(",    "REGISTER(", "RUN(",
                                    "HALT(",   "FORMULA(", "SET.NAME(", "GOTO(",
                                    "RETURN(", "ALERT(",   "FOPEN(",    "FWRITE"};
    size_t n = strlen(e);
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (eg_memmem_ci(e, n, f[i], strlen(f[i])))
            return true;
    return false;
}

eg_status eg_sylk_read(const uint8_t *d, size_t len, const char *sheet, eg_buf *out,
                       unsigned *flags)
{
    eg_buf_reserve(out, 1);
    *flags = 0;
    if (len < 4 || memcmp(d, "ID;", 3))
        return EG_EFORMAT;
    eg_buf body, names;
    eg_office_buf_init(&body, out->limit ? out->limit : (16u << 20));
    eg_office_buf_init(&names, 1u << 20);
    char *v = malloc(MAX_FIELD);
    if (!v) {
        eg_buf_free(&body);
        eg_buf_free(&names);
        return EG_ENOMEM;
    }
    const char *t = (const char *)d;
    unsigned x = 1, y = 1, records = 0;
    bool macro_opt = false, macro_fn = false, auto_open = false;
    eg_status st = EG_OK;
    size_t i = 0;
    while (i < len) {
        size_t a = i;
        while (i < len && t[i] != '\r' && t[i] != '\n')
            i++;
        size_t n = i - a;
        while (i < len && (t[i] == '\r' || t[i] == '\n'))
            i++;
        if (++records > MAX_RECORDS) {
            st = EG_ELIMIT;
            break;
        }
        sy_field f[MAX_FIELDS];
        size_t nf = split(t + a, n, f, MAX_FIELDS);
        if (!nf)
            continue;
        const sy_field *type = &f[0];
        bool is_c = type->n == 1 && type->v[0] == 'C', is_f = type->n == 1 && type->v[0] == 'F';
        bool is_o = type->n == 1 && type->v[0] == 'O',
             is_nn = type->n == 2 && !memcmp(type->v, "NN", 2);
        const sy_field *k = NULL, *e = NULL, *nm = NULL;
        for (size_t j = 1; j < nf; j++) {
            if ((is_c || is_f) && f[j].key == 'X')
                x = num(&f[j]);
            else if ((is_c || is_f) && f[j].key == 'Y')
                y = num(&f[j]);
            else if (f[j].key == 'K')
                k = &f[j];
            else if (f[j].key == 'E')
                e = &f[j];
            else if (f[j].key == 'N')
                nm = &f[j];
        }
        if (is_o && e)
            macro_opt = true;
        if (is_nn && nm) {
            unescape(nm, v, MAX_FIELD);
            char name[256];
            snprintf(name, sizeof name, "%s", v);
            if (!strncasecmp(name, "auto_open", 9))
                auto_open = true;
            eg_buf_puts(&names, "' name \"");
            eg_xlm_put_flat(&names, name, strlen(name));
            eg_buf_puts(&names, "\" = ");
            if (e) {
                unescape(e, v, MAX_FIELD);
                put_expr(&names, sheet, v);
            }
            eg_buf_putc(&names, '\n');
        }
        if (is_c && x >= 1 && y >= 1) {
            if (e) {
                unescape(e, v, MAX_FIELD);
                if (macro_call(v))
                    macro_fn = true;
                char cell[24];
                eg_xlm_cell_name(y - 1, x - 1, cell, sizeof cell);
                eg_xlm_put_flat(&body, sheet, strlen(sheet));
                eg_buf_printf(&body, "!%s: =", cell);
                eg_xlm_put_flat(&body, v, strlen(v));
                eg_buf_putc(&body, '\n');
            } else if (k && k->n) {
                size_t kn = unescape(k, v, MAX_FIELD);
                if (v[0] == '"' && kn >= 2 && v[kn - 1] == '"')
                    eg_xlm_put_const_str(&body, sheet, y - 1, x - 1, v + 1, kn - 2);
                else if (isdigit((unsigned char)v[0]) || v[0] == '-')
                    eg_xlm_put_const_num(&body, sheet, y - 1, x - 1, strtod(v, NULL));
            }
        }
        if (body.limit && body.len >= body.limit) {
            st = EG_ELIMIT;
            break;
        }
    }
    if (macro_opt || macro_fn || auto_open) {
        *flags |= EG_XLM_F_MACROSHEET;
        if (auto_open)
            *flags |= EG_XLM_F_AUTO_OPEN;
        eg_buf_puts(out, "' sheet \"");
        eg_xlm_put_flat(out, sheet, strlen(sheet));
        eg_buf_puts(out, "\" type=macro state=visible\n");
    } else {
        eg_buf_puts(out, "' sheet \"");
        eg_xlm_put_flat(out, sheet, strlen(sheet));
        eg_buf_puts(out, "\" type=worksheet state=visible\n");
    }
    if (names.len)
        eg_buf_append(out, names.data, names.len);
    if (body.len)
        eg_buf_append(out, body.data, body.len);
    if (body.len)
        *flags |= EG_XLM_F_FORMULAS;
    eg_buf_free(&body);
    eg_buf_free(&names);
    free(v);
    return st;
}

eg_status eg_office_analyze_sylk(eg_scan *s, const eg_object *obj)
{
    eg_buf out;
    eg_office_buf_init(&out, eg_office_cap(s, 16u << 20));
    unsigned flags = 0;
    char sheet[64];
    const char *base = obj->name ? strrchr(obj->name, '/') : NULL;
    base = base ? base + 1 : obj->name ? obj->name : "SYLK";
    snprintf(sheet, sizeof sheet, "%.*s", (int)strcspn(base, ".;'\"!"), base);
    if (!sheet[0])
        snprintf(sheet, sizeof sheet, "SYLK");
    eg_status st = eg_sylk_read(obj->data, (size_t)obj->size, sheet, &out, &flags);
    if (st == EG_ELIMIT)
        eg_scan_finding(s, obj, EG_R_LIMIT_BYTES, "SYLK records beyond the limit were not read");
    else if (st != EG_OK) {
        eg_buf_free(&out);
        return st;
    }
    /* Excel opens any text starting with "ID;P" as SYLK (a CSV too): its addresses, and DDE
     * formulas (read in the rebuilt "=formula" lines), are looked at whatever the sheet is */
    eg_scan_iocs_from_text(s, obj, (const char *)obj->data, (size_t)obj->size);
    if (out.len)
        eg_office_dde_formulas(s, obj, (const char *)out.data, out.len, "SYLK formula");
    if (flags & EG_XLM_F_MACROSHEET) {
        eg_child ch = {.name = "Excel 4.0 macros",
                       .data = out.data,
                       .size = out.len,
                       .owned = true,
                       .type = EG_T_XLM,
                       .detail = "decoded XLM formulas (SYLK)"};
        eg_scan_add_child(s, obj, &ch, NULL); /* the buffer is the scan's now, added or not */
        return EG_OK;
    }
    eg_buf_free(&out);
    return EG_OK;
}
