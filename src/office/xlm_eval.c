/*
 * Static resolution of Excel 4.0 macros. The readers (xlm.c) turn every container into the same
 * text: cell constants, decoded formulas and defined names. This file reads that text back and
 * follows the macro the way Excel would run it, as far as constants allow: from the Auto_Open
 * cells (then every cell not reached) down each column, through GOTO / RUN / RETURN / HALT,
 * keeping the values that SET.NAME, SET.VALUE, FORMULA, FORMULA.FILL and FORMULA.ARRAY write.
 * Expressions are evaluated from constants, CHAR/CODE, &, arithmetic, comparisons, MID / LEFT /
 * RIGHT / LEN / SUBSTITUTE / REPT / CONCATENATE / LOWER / UPPER, IF / AND / OR / NOT, EVALUATE,
 * references to cells holding constants or written values, and defined names. Anything else
 * (GET.WORKSPACE, file and window functions, DLL calls) is unknown, and so is everything that
 * depends on it: the resolver never guesses a value.
 *
 * What it reports (through the callback): names set to computed strings, formulas and values
 * written into cells, and calls of EXEC / CALL / REGISTER / FOPEN / FWRITE and registered DLL
 * functions whose arguments had to be computed, each with the computed argument strings.
 *
 * Bounded: evaluation steps, cell executions (in total and per cell), cells, names, string
 * length (Excel's own 32767 characters), expression depth, call stack, and the caller's stop
 * callback (the scan's CPU budget).
 */
#include "office/office.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CELLS 65536u
#define MAX_NAMES 4096u
#define MAX_SHEETS 256
#define MAX_STR 32767u
#define MAX_STEPS 400000ul
#define MAX_EXEC 20000u
#define MAX_RUNS_PER_CELL 32u
#define MAX_DEPTH 48
#define MAX_ARGS 32
#define MAX_CALLSTACK 64
#define MAX_REPORTS 4096u
#define MAX_FILL 256u
#define MAX_HELD (64u << 20)
#define SEEN_SLOTS 8192u
#define NAME_SLOTS 8192u

/* ---------------- values ---------------- */

typedef enum { V_NONE, V_MISSING, V_NUM, V_STR, V_BOOL, V_ERR, V_REF } vkind;

typedef struct ref {
    int sheet;
    uint32_t r1, c1, r2, c2;
} ref;

typedef struct val {
    vkind k;
    bool derived; /* computed, not a literal written in the formula */
    double d;     /* V_NUM, V_BOOL (0/1) */
    char *s;      /* V_STR: malloc'd, NUL-terminated */
    size_t n;
    ref r; /* V_REF */
} val;

static val v_none(void)
{
    return (val){.k = V_NONE};
}

static void v_free(val *v)
{
    free(v->s);
    *v = v_none();
}

static val v_num(double d)
{
    return (val){.k = V_NUM, .d = d, .derived = true};
}

static val v_bool(bool b)
{
    return (val){.k = V_BOOL, .d = b ? 1 : 0, .derived = true};
}

static val v_err(void)
{
    return (val){.k = V_ERR, .derived = true};
}

static val v_str(const char *s, size_t n, bool derived)
{
    if (n > MAX_STR)
        n = MAX_STR;
    val v = {.k = V_STR, .derived = derived};
    v.s = malloc(n + 1);
    if (!v.s)
        return v_none();
    if (n)
        memcpy(v.s, s, n);
    v.s[n] = '\0';
    v.n = n;
    return v;
}

static val v_copy(const val *v)
{
    if (v->k == V_STR)
        return v_str(v->s, v->n, v->derived);
    return *v;
}

/* ---------------- tables ---------------- */

struct res;
/* May v be kept in a cell or a name? The bytes kept over the whole run are bounded, so written
 * values cannot pile up (each cell or name holds 32 767 characters at most). */
static bool hold(struct res *R, const val *v);

typedef struct rcell {
    int sheet;
    uint32_t row, col;
    char *f; /* formula text without '=', NULL for a constant */
    val v;   /* the constant, or the last value the formula gave */
    bool has_v, written, computing;
    unsigned runs;
} rcell;

typedef struct rname {
    char *name;
    char *f; /* the workbook's formula for it, evaluated on use */
    val v;
    bool has_v, computing;
} rname;

typedef enum { C_NONE, C_GOTO, C_RUN, C_RETURN, C_HALT } ctlk;

typedef struct ctl {
    ctlk k;
    ref to;
} ctl;

typedef struct res {
    char *sheets[MAX_SHEETS];
    int nsheets;
    rcell *cells;
    size_t ncells, capcells;
    uint32_t *hash; /* cell index + 1 */
    size_t hmask;
    rname *names;
    size_t nnames;
    uint32_t nhash[NAME_SLOTS];
    char *registered[64]; /* aliases given to DLL functions by REGISTER */
    size_t nregistered;
    uint64_t seen[SEEN_SLOTS];
    size_t reports;
    unsigned long steps;
    unsigned execs;
    size_t held; /* string bytes ever kept in cells and names */
    bool limit, stopped;
    eg_xlm_res_fn fn;
    void *ud;
    bool (*stop)(void *);
    void *stop_ud;
} res;

static bool hold(res *R, const val *v)
{
    if (v->k != V_STR)
        return true;
    if (R->held + v->n > MAX_HELD) {
        R->limit = true;
        return false;
    }
    R->held += v->n;
    return true;
}

static uint64_t fnv(const char *s, size_t n, bool fold)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        h = (h ^ (fold ? (unsigned char)tolower(c) : c)) * 1099511628211ull;
    }
    return h;
}

static int sheet_find(res *R, const char *s, size_t n, bool create)
{
    for (int i = 0; i < R->nsheets; i++)
        if (strlen(R->sheets[i]) == n && !strncasecmp(R->sheets[i], s, n))
            return i;
    if (!create || R->nsheets >= MAX_SHEETS)
        return -1;
    char *c = strndup(s, n);
    if (!c)
        return -1;
    R->sheets[R->nsheets] = c;
    return R->nsheets++;
}

static size_t cell_slot(const res *R, int sheet, uint32_t row, uint32_t col)
{
    uint64_t h = ((uint64_t)(unsigned)sheet * 0x9E3779B97F4A7C15ull) ^
                 ((uint64_t)row * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)col * 0x165667B19E3779F9ull);
    h ^= h >> 29;
    return (size_t)h & R->hmask;
}

static rcell *cell_get(res *R, int sheet, uint32_t row, uint32_t col, bool create)
{
    size_t i = cell_slot(R, sheet, row, col);
    for (;;) {
        uint32_t k = R->hash[i];
        if (!k)
            break;
        rcell *c = &R->cells[k - 1];
        if (c->sheet == sheet && c->row == row && c->col == col)
            return c;
        i = (i + 1) & R->hmask;
    }
    if (!create || R->ncells >= R->capcells) {
        if (create)
            R->limit = true;
        return NULL;
    }
    rcell *c = &R->cells[R->ncells++];
    memset(c, 0, sizeof *c);
    c->sheet = sheet;
    c->row = row;
    c->col = col;
    R->hash[i] = (uint32_t)R->ncells;
    return c;
}

static rname *name_get(res *R, const char *s, size_t n, bool create)
{
    size_t i = (size_t)fnv(s, n, true) & (NAME_SLOTS - 1);
    for (;;) {
        uint32_t k = R->nhash[i];
        if (!k)
            break;
        rname *x = &R->names[k - 1];
        if (strlen(x->name) == n && !strncasecmp(x->name, s, n))
            return x;
        i = (i + 1) & (NAME_SLOTS - 1);
    }
    if (!create || R->nnames >= MAX_NAMES)
        return NULL;
    char *c = strndup(s, n);
    if (!c)
        return NULL;
    rname *x = &R->names[R->nnames++];
    memset(x, 0, sizeof *x);
    x->name = c;
    R->nhash[i] = (uint32_t)R->nnames;
    return x;
}

static void cell_name(const res *R, int sheet, uint32_t row, uint32_t col, char *out, size_t n)
{
    char c[16];
    int k = 0;
    char tmp[8];
    uint32_t x = col + 1;
    while (x && k < 7) {
        tmp[k++] = (char)('A' + (x - 1) % 26);
        x = (x - 1) / 26;
    }
    for (int i = 0; i < k; i++)
        c[i] = tmp[k - 1 - i];
    c[k] = '\0';
    snprintf(out, n, "%s!%s%u", sheet >= 0 && sheet < R->nsheets ? R->sheets[sheet] : "?", c,
             row + 1);
}

/* ---------------- reporting ---------------- */

static void report(res *R, eg_xlm_res_kind kind, const char *where, const char *text, size_t n)
{
    if (R->reports >= MAX_REPORTS || !n)
        return;
    uint64_t h =
        fnv(text, n, false) ^ ((uint64_t)kind << 56) ^ fnv(where, strlen(where), false) * 31;
    if (!h)
        h = 1;
    size_t i = (size_t)h & (SEEN_SLOTS - 1);
    for (size_t probe = 0; probe < SEEN_SLOTS; probe++) {
        if (R->seen[i] == h)
            return;
        if (!R->seen[i]) {
            R->seen[i] = h;
            break;
        }
        i = (i + 1) & (SEEN_SLOTS - 1);
    }
    R->reports++;
    R->fn(R->ud, kind, where, text, n);
}

/* ---------------- text helpers ---------------- */

static void put_num(eg_buf *b, double d)
{
    if (d == floor(d) && fabs(d) < 1e15)
        eg_buf_printf(b, "%.0f", d);
    else
        eg_buf_printf(b, "%.15g", d);
}

/* The text form of a value (as & sees it); false when it is not known. */
static bool as_text(const val *v, eg_buf *b)
{
    switch (v->k) {
    case V_STR: eg_buf_append(b, v->s, v->n); return true;
    case V_NUM: put_num(b, v->d); return true;
    case V_BOOL: eg_buf_puts(b, v->d ? "TRUE" : "FALSE"); return true;
    case V_MISSING: return true;
    default: return false;
    }
}

static bool as_num(const val *v, double *d)
{
    switch (v->k) {
    case V_NUM:
    case V_BOOL: *d = v->d; return isfinite(*d);
    case V_MISSING: *d = 0; return true;
    case V_STR: {
        if (!v->n || v->n > 64)
            return false;
        char *e;
        *d = strtod(v->s, &e);
        while (*e == ' ')
            e++;
        return *e == '\0' && isfinite(*d);
    }
    default: return false;
    }
}

/* Appends v as it would be written in a formula ("" doubled inside strings). */
static void put_literal(eg_buf *b, const val *v)
{
    if (v->k == V_STR) {
        eg_buf_putc(b, '"');
        for (size_t i = 0; i < v->n; i++) {
            if (v->s[i] == '"')
                eg_buf_putc(b, '"');
            eg_buf_putc(b, (uint8_t)v->s[i]);
        }
        eg_buf_putc(b, '"');
    } else if (v->k == V_MISSING)
        ;
    else if (!as_text(v, b))
        eg_buf_putc(b, '?');
}

/* UTF-8 aware character counting and slicing (strings come from the readers as UTF-8). */
static size_t u8_len(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static size_t u8_off(const char *s, size_t n, size_t chars)
{
    size_t i = 0;
    while (i < n && chars) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

static void put_cp(eg_buf *b, unsigned cp)
{
    if (cp < 0x80)
        eg_buf_putc(b, (uint8_t)cp);
    else if (cp < 0x800) {
        eg_buf_putc(b, (uint8_t)(0xC0 | (cp >> 6)));
        eg_buf_putc(b, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        eg_buf_putc(b, (uint8_t)(0xE0 | (cp >> 12)));
        eg_buf_putc(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        eg_buf_putc(b, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

static val buf_val(eg_buf *b)
{
    val v = v_str(b->data ? (const char *)b->data : "", b->len, true);
    eg_buf_free(b);
    return v;
}

/* ---------------- the evaluator ---------------- */

typedef struct px {
    res *R;
    const char *p, *e;
    int sheet;
    uint32_t row, col;
    bool live;        /* writes (SET.NAME, FORMULA ...) take effect */
    bool flow;        /* GOTO / RUN / HALT take effect */
    bool all_derived; /* the formula itself was written at run time */
    int depth;
    ctl *ctl;
    bool bad;
} px;

static val eval_formula(res *R, const char *f, size_t n, int sheet, uint32_t row, uint32_t col,
                        bool live, bool flow, bool all_derived, int depth, ctl *ctl);

static void skip_ws(px *p)
{
    while (p->p < p->e && (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' || *p->p == '\r'))
        p->p++;
}

static bool peek(px *p, char c)
{
    skip_ws(p);
    return p->p < p->e && *p->p == c;
}

static bool take(px *p, char c)
{
    if (!peek(p, c))
        return false;
    p->p++;
    return true;
}

static bool step(px *p)
{
    res *R = p->R;
    if (++R->steps > MAX_STEPS) {
        R->limit = true;
        p->bad = true;
        return false;
    }
    if (!(R->steps & 1023) && R->stop && R->stop(R->stop_ud)) {
        R->stopped = true;
        p->bad = true;
        return false;
    }
    if (R->stopped) {
        p->bad = true;
        return false;
    }
    return true;
}

/* The value behind a reference (a cell constant, a written value or, for a formula cell not run
 * yet, its value computed without side effects). */
static val cell_value(px *p, int sheet, uint32_t row, uint32_t col)
{
    rcell *c = cell_get(p->R, sheet, row, col, false);
    if (!c)
        return v_none();
    if (!c->has_v && c->f && !c->computing && p->depth < MAX_DEPTH) {
        c->computing = true;
        val v = eval_formula(p->R, c->f, strlen(c->f), sheet, row, col, false, false, c->written,
                             p->depth + 1, NULL);
        c->computing = false;
        if (v.k == V_REF) { /* =B1 in a cell: one level deeper, so chains of them are bounded */
            px deeper = *p;
            deeper.depth++;
            val w = cell_value(&deeper, v.r.sheet, v.r.r1, v.r.c1);
            v_free(&v);
            v = w;
        }
        if (v.k != V_NONE && hold(p->R, &v)) {
            c->v = v;
            c->has_v = true;
        } else
            v_free(&v);
    }
    if (!c->has_v)
        return v_none();
    val v = v_copy(&c->v);
    v.derived = true;
    return v;
}

static void deref(px *p, val *v)
{
    if (v->k != V_REF)
        return;
    val w = cell_value(p, v->r.sheet, v->r.r1, v->r.c1);
    *v = w;
}

static val name_value(px *p, rname *x)
{
    if (!x->has_v && x->f && !x->computing && p->depth < MAX_DEPTH) {
        x->computing = true;
        val v = eval_formula(p->R, x->f, strlen(x->f), p->sheet, p->row, p->col, false, false,
                             false, p->depth + 1, NULL);
        x->computing = false;
        if (v.k != V_NONE && hold(p->R, &v)) {
            x->v = v;
            x->has_v = true;
        } else
            v_free(&v);
    }
    if (!x->has_v)
        return v_none();
    val v = v_copy(&x->v);
    v.derived = true;
    return v;
}

static bool is_ident(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '\\' || c == '?' || c >= 0x80;
}

/* A1 reference in s[0..n): optional $, 1-3 letters, optional $, digits. */
static bool parse_a1(const char *s, size_t n, uint32_t *row, uint32_t *col)
{
    size_t i = 0;
    if (i < n && s[i] == '$')
        i++;
    size_t a = i;
    uint32_t c = 0;
    while (i < n && isalpha((unsigned char)s[i]) && i - a < 3)
        c = c * 26 + (uint32_t)(toupper((unsigned char)s[i++]) - 'A' + 1);
    if (i == a)
        return false;
    if (i < n && s[i] == '$')
        i++;
    size_t d = i;
    uint32_t r = 0;
    while (i < n && isdigit((unsigned char)s[i]) && i - d < 7)
        r = r * 10 + (uint32_t)(s[i++] - '0');
    if (i == d || i != n || r == 0 || r > 1048576 || c > 16384)
        return false;
    *row = r - 1;
    *col = c - 1;
    return true;
}

/* R1C1 at p->p (R, R5, R[-1], then C, C3, C[2]); relative parts count from the current cell. */
static bool parse_r1c1(px *p, uint32_t *row, uint32_t *col)
{
    const char *s = p->p, *e = p->e;
    long v[2];
    for (int part = 0; part < 2; part++) {
        char want = part ? 'C' : 'R';
        if (s >= e || toupper((unsigned char)*s) != want)
            return false;
        s++;
        long base = part ? (long)p->col : (long)p->row;
        if (s < e && *s == '[') {
            s++;
            bool neg = s < e && *s == '-';
            if (neg)
                s++;
            long k = 0;
            const char *d = s;
            while (s < e && isdigit((unsigned char)*s) && s - d < 7)
                k = k * 10 + (*s++ - '0');
            if (s == d || s >= e || *s != ']')
                return false;
            s++;
            v[part] = base + (neg ? -k : k);
        } else if (s < e && isdigit((unsigned char)*s)) {
            long k = 0;
            const char *d = s;
            while (s < e && isdigit((unsigned char)*s) && s - d < 7)
                k = k * 10 + (*s++ - '0');
            v[part] = k - 1;
        } else
            v[part] = base;
    }
    if (s < e && (is_ident((unsigned char)*s) || *s == '(' || *s == '!' || *s == '#'))
        return false;
    if (v[0] < 0 || v[0] >= 1048576 || v[1] < 0 || v[1] >= 16384)
        return false;
    *row = (uint32_t)v[0];
    *col = (uint32_t)v[1];
    p->p = s;
    return true;
}

/* A reference after an optional sheet prefix; a following ":ref" makes it a range. */
static bool parse_ref_at(px *p, int sheet, val *out)
{
    uint32_t r1, c1;
    if (!parse_r1c1(p, &r1, &c1)) {
        const char *a = p->p;
        while (p->p < p->e && (is_ident((unsigned char)*p->p) || *p->p == '$'))
            p->p++;
        if (!parse_a1(a, (size_t)(p->p - a), &r1, &c1)) {
            p->p = a;
            return false;
        }
    }
    *out = (val){.k = V_REF, .derived = true, .r = {sheet, r1, c1, r1, c1}};
    const char *save = p->p;
    if (p->p < p->e && *p->p == ':') {
        p->p++;
        uint32_t r2, c2;
        bool ok = parse_r1c1(p, &r2, &c2);
        if (!ok) {
            const char *a = p->p;
            while (p->p < p->e && (is_ident((unsigned char)*p->p) || *p->p == '$'))
                p->p++;
            ok = parse_a1(a, (size_t)(p->p - a), &r2, &c2);
        }
        if (ok) {
            out->r.r2 = r2;
            out->r.c2 = c2;
        } else
            p->p = save;
    }
    return true;
}

static val parse_expr(px *p);
static val call_fn(px *p, const char *name, size_t nlen);

static val parse_string(px *p)
{
    eg_buf b;
    eg_buf_init(&b, MAX_STR);
    eg_buf_reserve(&b, 1);
    p->p++;
    bool closed = false;
    while (p->p < p->e) {
        if (*p->p == '"') {
            if (p->p + 1 < p->e && p->p[1] == '"') {
                eg_buf_putc(&b, '"');
                p->p += 2;
                continue;
            }
            p->p++;
            closed = true;
            break;
        }
        eg_buf_putc(&b, (uint8_t)*p->p++);
    }
    if (!closed)
        p->bad = true;
    val v = v_str(b.data ? (const char *)b.data : "", b.len, p->all_derived);
    eg_buf_free(&b);
    return v;
}

static val parse_primary(px *p)
{
    if (!step(p))
        return v_none();
    skip_ws(p);
    if (p->p >= p->e) {
        p->bad = true;
        return v_none();
    }
    char ch = *p->p;
    if (ch == '(') {
        p->p++;
        val v = parse_expr(p);
        if (!take(p, ')'))
            p->bad = true;
        return v;
    }
    if (ch == '"')
        return parse_string(p);
    if (isdigit((unsigned char)ch) ||
        (ch == '.' && p->p + 1 < p->e && isdigit((unsigned char)p->p[1]))) {
        char tmp[64];
        size_t k = 0;
        while (p->p < p->e && k < sizeof tmp - 1 &&
               (isdigit((unsigned char)*p->p) || *p->p == '.' || *p->p == 'e' || *p->p == 'E' ||
                ((*p->p == '+' || *p->p == '-') && k && (tmp[k - 1] == 'e' || tmp[k - 1] == 'E'))))
            tmp[k++] = *p->p++;
        tmp[k] = '\0';
        val v = v_num(strtod(tmp, NULL));
        v.derived = p->all_derived;
        return v;
    }
    if (ch == '#') { /* #REF!, #N/A, #ERR ... */
        p->p++;
        while (p->p < p->e &&
               (isalnum((unsigned char)*p->p) || *p->p == '/' || *p->p == '!' || *p->p == '?'))
            p->p++;
        return v_err();
    }
    if (ch == '{') {
        const char *q = memchr(p->p, '}', (size_t)(p->e - p->p));
        if (!q) {
            p->bad = true;
            return v_none();
        }
        p->p = q + 1;
        return v_none();
    }
    int sheet = p->sheet;
    if (ch == '\'' || ch == '[') { /* 'Sheet name'!A1 or [sheet]!A1 */
        char close = ch == '\'' ? '\'' : ']';
        eg_buf nm;
        eg_buf_init(&nm, 512);
        eg_buf_reserve(&nm, 1);
        p->p++;
        while (p->p < p->e) {
            if (*p->p == close) {
                if (close == '\'' && p->p + 1 < p->e && p->p[1] == '\'') {
                    eg_buf_putc(&nm, '\'');
                    p->p += 2;
                    continue;
                }
                break;
            }
            eg_buf_putc(&nm, (uint8_t)*p->p++);
        }
        if (p->p >= p->e || p->p + 1 >= p->e || p->p[1] != '!') {
            eg_buf_free(&nm);
            p->bad = true;
            return v_none();
        }
        p->p += 2;
        if (ch == '\'')
            sheet = sheet_find(p->R, (const char *)nm.data, nm.len, true);
        eg_buf_free(&nm);
        val v;
        if (!parse_ref_at(p, sheet, &v)) {
            p->bad = true;
            return v_none();
        }
        return v;
    }
    if (!is_ident((unsigned char)ch) && ch != '$') {
        p->bad = true;
        return v_none();
    }
    /* R1C1 with brackets is not an identifier: try it first (unless it names something) */
    {
        const char *save = p->p;
        uint32_t r, c;
        if (toupper((unsigned char)ch) == 'R' && parse_r1c1(p, &r, &c)) {
            size_t n = (size_t)(p->p - save);
            if (!name_get(p->R, save, n, false)) {
                p->p = save;
                val v;
                if (parse_ref_at(p, sheet, &v))
                    return v;
            }
            p->p = save;
        }
    }
    const char *a = p->p;
    while (p->p < p->e &&
           (is_ident((unsigned char)*p->p) || *p->p == '$' || (p->p > a && *p->p == '#')))
        p->p++;
    size_t n = (size_t)(p->p - a);
    if (p->p < p->e && *p->p == '!') { /* Sheet!A1 */
        p->p++;
        sheet = sheet_find(p->R, a, n, true);
        val v;
        if (!parse_ref_at(p, sheet, &v)) {
            p->bad = true;
            return v_none();
        }
        return v;
    }
    if (peek(p, '('))
        return call_fn(p, a, n);
    if ((n == 4 && !strncasecmp(a, "TRUE", 4)) || (n == 5 && !strncasecmp(a, "FALSE", 5))) {
        val v = v_bool(n == 4);
        v.derived = p->all_derived;
        return v;
    }
    rname *x = name_get(p->R, a, n, false);
    if (x)
        return name_value(p, x);
    p->p = a;
    val v;
    if (parse_ref_at(p, sheet, &v))
        return v;
    p->p = a + n;
    return v_none(); /* a name nothing defines */
}

static val parse_postfix(px *p)
{
    val v = parse_primary(p);
    while (!p->bad && take(p, '%')) {
        deref(p, &v);
        double d;
        bool ok = as_num(&v, &d);
        v_free(&v);
        v = ok ? v_num(d / 100) : v_none();
    }
    return v;
}

static val parse_unary(px *p)
{
    if (++p->depth > MAX_DEPTH) {
        p->bad = true;
        p->depth--;
        return v_none();
    }
    val v;
    if (take(p, '-') || (peek(p, '+') && (p->p++, true))) {
        bool neg = p->p[-1] == '-';
        v = parse_unary(p);
        if (neg) {
            deref(p, &v);
            double d;
            bool ok = as_num(&v, &d);
            v_free(&v);
            v = ok ? v_num(-d) : v_none();
        }
    } else
        v = parse_postfix(p);
    p->depth--;
    return v;
}

static val arith(px *p, val *l, val *r, char op)
{
    deref(p, l);
    deref(p, r);
    double a, b;
    val out = v_none();
    if (l->k == V_ERR || r->k == V_ERR)
        out = v_err();
    else if (as_num(l, &a) && as_num(r, &b)) {
        switch (op) {
        case '+': out = v_num(a + b); break;
        case '-': out = v_num(a - b); break;
        case '*': out = v_num(a * b); break;
        case '/': out = b == 0 ? v_err() : v_num(a / b); break;
        case '^': out = v_num(pow(a, b)); break;
        }
        if (out.k == V_NUM && !isfinite(out.d))
            out = v_err();
    } else if ((l->k == V_STR && !as_num(l, &a)) || (r->k == V_STR && !as_num(r, &b)))
        out = v_err(); /* #VALUE! */
    v_free(l);
    v_free(r);
    return out;
}

static val parse_pow(px *p)
{
    val l = parse_unary(p);
    while (!p->bad && take(p, '^')) {
        val r = parse_unary(p);
        l = arith(p, &l, &r, '^');
    }
    return l;
}

static val parse_mul(px *p)
{
    val l = parse_pow(p);
    while (!p->bad && (peek(p, '*') || peek(p, '/'))) {
        char op = *p->p++;
        val r = parse_pow(p);
        l = arith(p, &l, &r, op);
    }
    return l;
}

static val parse_add(px *p)
{
    val l = parse_mul(p);
    while (!p->bad && (peek(p, '+') || peek(p, '-'))) {
        char op = *p->p++;
        val r = parse_mul(p);
        l = arith(p, &l, &r, op);
    }
    return l;
}

static val parse_concat(px *p)
{
    val l = parse_add(p);
    while (!p->bad && take(p, '&')) {
        val r = parse_add(p);
        deref(p, &l);
        deref(p, &r);
        eg_buf b;
        eg_buf_init(&b, MAX_STR);
        eg_buf_reserve(&b, 1);
        val out;
        if (l.k == V_ERR || r.k == V_ERR)
            out = v_err();
        else if (as_text(&l, &b) && as_text(&r, &b))
            out = v_str(b.data ? (const char *)b.data : "", b.len, true);
        else
            out = v_none();
        eg_buf_free(&b);
        v_free(&l);
        v_free(&r);
        l = out;
    }
    return l;
}

static int compare(const val *l, const val *r, bool *ok)
{
    double a, b;
    *ok = true;
    if ((l->k == V_NUM || l->k == V_BOOL || l->k == V_MISSING) &&
        (r->k == V_NUM || r->k == V_BOOL || r->k == V_MISSING) && as_num(l, &a) && as_num(r, &b))
        return a < b ? -1 : a > b;
    if (l->k == V_STR && r->k == V_STR) {
        int c = strcasecmp(l->s, r->s);
        return c < 0 ? -1 : c > 0;
    }
    *ok = false;
    return 0;
}

static val parse_expr(px *p)
{
    if (++p->depth > MAX_DEPTH) {
        p->bad = true;
        p->depth--;
        return v_none();
    }
    val l = parse_concat(p);
    while (!p->bad) {
        skip_ws(p);
        if (p->p >= p->e)
            break;
        int op = 0; /* 1 =, 2 <>, 3 <, 4 <=, 5 >, 6 >= */
        if (*p->p == '=')
            op = 1, p->p++;
        else if (*p->p == '<' && p->p + 1 < p->e && p->p[1] == '>')
            op = 2, p->p += 2;
        else if (*p->p == '<' && p->p + 1 < p->e && p->p[1] == '=')
            op = 4, p->p += 2;
        else if (*p->p == '<')
            op = 3, p->p++;
        else if (*p->p == '>' && p->p + 1 < p->e && p->p[1] == '=')
            op = 6, p->p += 2;
        else if (*p->p == '>')
            op = 5, p->p++;
        else
            break;
        val r = parse_concat(p);
        deref(p, &l);
        deref(p, &r);
        bool ok;
        int c = compare(&l, &r, &ok);
        v_free(&l);
        v_free(&r);
        if (!ok)
            l = v_none();
        else
            l = v_bool(op == 1   ? c == 0
                       : op == 2 ? c != 0
                       : op == 3 ? c < 0
                       : op == 4 ? c <= 0
                       : op == 5 ? c > 0
                                 : c >= 0);
    }
    p->depth--;
    return l;
}

/* One argument: an expression, or missing when the list goes straight on. */
static val parse_arg(px *p)
{
    if (peek(p, ',') || peek(p, ')'))
        return (val){.k = V_MISSING};
    return parse_expr(p);
}

/* ---------------- functions ---------------- */

static bool name_is(const char *u, const char *w)
{
    return !strcmp(u, w);
}

static void free_args(val *a, int n)
{
    for (int i = 0; i < n; i++)
        v_free(&a[i]);
}

/* A text argument: its string, or NULL when unknown. */
static const char *targ(px *p, val *v, eg_buf *tmp)
{
    deref(p, v);
    tmp->len = 0;
    eg_buf_reserve(tmp, 1);
    if (!as_text(v, tmp))
        return NULL;
    return tmp->data ? (const char *)tmp->data : "";
}

static bool narg(px *p, val *v, double *d)
{
    deref(p, v);
    return as_num(v, d);
}

static void set_cell_formula(res *R, rcell *c, const val *t)
{
    if (!hold(R, t))
        return;
    if (t->k == V_STR && t->n && t->s[0] == '=') {
        char *f = strndup(t->s + 1, t->n - 1);
        if (!f)
            return;
        free(c->f);
        c->f = f;
        c->written = true;
        c->runs = 0;
        v_free(&c->v);
        c->has_v = false;
    } else {
        free(c->f);
        c->f = NULL;
        v_free(&c->v);
        c->v = v_copy(t);
        c->has_v = true;
    }
}

/* FORMULA, FORMULA.FILL, FORMULA.ARRAY, SET.VALUE: what is written where. */
static void do_write(px *p, val *a, int n, bool formula)
{
    if (n < 1)
        return;
    val target = n >= 2 ? a[1] : (val){.k = V_NONE};
    val t = v_copy(&a[0]);
    deref(p, &t);
    if (t.k == V_NONE || t.k == V_MISSING || t.k == V_REF) {
        v_free(&t);
        return;
    }
    char where[300];
    if (target.k == V_REF) {
        uint32_t r2 = target.r.r2 < target.r.r1 ? target.r.r1 : target.r.r2;
        uint32_t c2 = target.r.c2 < target.r.c1 ? target.r.c1 : target.r.c2;
        unsigned filled = 0;
        for (uint32_t r = target.r.r1; r <= r2 && filled < MAX_FILL; r++)
            for (uint32_t c = target.r.c1; c <= c2 && filled < MAX_FILL; c++, filled++) {
                rcell *cell = cell_get(p->R, target.r.sheet, r, c, true);
                if (!cell)
                    break;
                set_cell_formula(p->R, cell, &t);
            }
        cell_name(p->R, target.r.sheet, target.r.r1, target.r.c1, where, sizeof where);
    } else
        snprintf(where, sizeof where, "(active cell)");
    if (t.k == V_STR && (t.derived || (formula && t.n && t.s[0] == '='))) {
        eg_buf b;
        eg_buf_init(&b, MAX_STR + 64);
        as_text(&t, &b);
        report(p->R, EG_XLM_RES_WRITE, where, b.data ? (const char *)b.data : "", b.len);
        eg_buf_free(&b);
    }
    v_free(&t);
}

static bool is_command(const char *u, const res *R)
{
    static const char *const cmds[] = {"EXEC",
                                       "CALL",
                                       "REGISTER",
                                       "REGISTER.ID",
                                       "FOPEN",
                                       "FWRITE",
                                       "FWRITELN",
                                       "SHELL",
                                       "FILE.COPY",
                                       "URLDOWNLOADTOFILEA",
                                       "URLDOWNLOADTOFILE",
                                       "SHELLEXECUTEA",
                                       "SHELLEXECUTE",
                                       "WINEXEC",
                                       "CREATEPROCESSA"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(u, cmds[i]))
            return true;
    for (size_t i = 0; i < R->nregistered; i++)
        if (!strcasecmp(u, R->registered[i]))
            return true;
    return false;
}

/* A command whose arguments had to be computed: the call rebuilt with their values, and each
 * computed string argument on its own. */
static void report_command(px *p, const char *name, val *a, int n)
{
    bool derived = p->all_derived;
    for (int i = 0; i < n; i++) {
        deref(p, &a[i]);
        if (a[i].derived && (a[i].k == V_STR || a[i].k == V_NUM))
            derived = true;
    }
    if (!derived)
        return;
    char where[300];
    cell_name(p->R, p->sheet, p->row, p->col, where, sizeof where);
    eg_buf b;
    eg_buf_init(&b, 2 * MAX_STR);
    eg_buf_puts(&b, name);
    eg_buf_putc(&b, '(');
    for (int i = 0; i < n; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        put_literal(&b, &a[i]);
    }
    eg_buf_putc(&b, ')');
    report(p->R, EG_XLM_RES_CALL, where, (const char *)b.data, b.len);
    eg_buf_free(&b);
    for (int i = 0; i < n; i++)
        if (a[i].k == V_STR && (a[i].derived || p->all_derived) && a[i].n >= 3)
            report(p->R, EG_XLM_RES_ARG, where, a[i].s, a[i].n);
}

static val fn_text(px *p, const char *u, val *a, int n)
{
    eg_buf t0, t1, t2, o;
    eg_buf_init(&t0, MAX_STR);
    eg_buf_init(&t1, MAX_STR);
    eg_buf_init(&t2, MAX_STR);
    eg_buf_init(&o, MAX_STR);
    eg_buf_reserve(&o, 1);
    val out = v_none();
    const char *s;
    double d, d2;
    if (name_is(u, "CHAR") && n >= 1 && narg(p, &a[0], &d)) {
        if (d >= 1 && d < 256) {
            put_cp(&o, (unsigned)d);
            out = buf_val(&o);
        } else
            out = v_err();
    } else if (name_is(u, "CODE") && n >= 1 && (s = targ(p, &a[0], &t0))) {
        unsigned char c = (unsigned char)s[0];
        if (!t0.len)
            out = v_err();
        else if (c < 0x80)
            out = v_num(c);
        else if ((c & 0xE0) == 0xC0 && t0.len >= 2)
            out = v_num(((c & 0x1F) << 6) | ((unsigned char)s[1] & 0x3F));
    } else if (name_is(u, "LEN") && n >= 1 && (s = targ(p, &a[0], &t0))) {
        out = v_num((double)u8_len(s, t0.len));
    } else if ((name_is(u, "MID") && n >= 3) ||
               ((name_is(u, "LEFT") || name_is(u, "RIGHT")) && n >= 1)) {
        bool mid = u[0] == 'M';
        double start = 1, cnt = 1;
        s = targ(p, &a[0], &t0);
        bool ok = s != NULL;
        if (mid)
            ok = ok && narg(p, &a[1], &start) && narg(p, &a[2], &cnt);
        else if (n >= 2 && a[1].k != V_MISSING)
            ok = ok && narg(p, &a[1], &cnt);
        if (ok) {
            if (start < 1 || cnt < 0 || start > MAX_STR + 1)
                out = v_err();
            else {
                size_t len = u8_len(s, t0.len), st = (size_t)start - 1,
                       k = cnt > MAX_STR ? MAX_STR : (size_t)cnt;
                if (!mid && u[0] == 'R')
                    st = k >= len ? 0 : len - k;
                size_t b0 = u8_off(s, t0.len, st), b1 = u8_off(s, t0.len, st + k);
                eg_buf_append(&o, s + b0, b1 - b0);
                out = buf_val(&o);
            }
        }
    } else if (name_is(u, "CONCATENATE")) {
        bool ok = true;
        for (int i = 0; i < n && ok; i++) {
            deref(p, &a[i]);
            ok = as_text(&a[i], &o);
        }
        if (ok)
            out = buf_val(&o);
    } else if ((name_is(u, "LOWER") || name_is(u, "UPPER")) && n >= 1 &&
               (s = targ(p, &a[0], &t0))) {
        for (size_t i = 0; i < t0.len; i++)
            eg_buf_putc(&o, (uint8_t)(u[0] == 'L' ? tolower((unsigned char)s[i])
                                                  : toupper((unsigned char)s[i])));
        out = buf_val(&o);
    } else if (name_is(u, "SUBSTITUTE") && n >= 3 && (s = targ(p, &a[0], &t0)) &&
               targ(p, &a[1], &t1) && targ(p, &a[2], &t2)) {
        double inst = 0;
        if (n < 4 || a[3].k == V_MISSING || narg(p, &a[3], &inst)) {
            const char *from = (const char *)t1.data, *to = (const char *)t2.data;
            size_t seen = 0;
            for (size_t i = 0; i < t0.len;) {
                if (t1.len && i + t1.len <= t0.len && !memcmp(s + i, from, t1.len) &&
                    (!inst || ++seen == (size_t)inst)) {
                    eg_buf_append(&o, to, t2.len);
                    i += t1.len;
                } else if (t1.len && i + t1.len <= t0.len && !memcmp(s + i, from, t1.len)) {
                    eg_buf_append(&o, s + i, t1.len);
                    i += t1.len;
                } else
                    eg_buf_putc(&o, (uint8_t)s[i++]);
            }
            out = buf_val(&o);
        }
    } else if (name_is(u, "REPT") && n >= 2 && (s = targ(p, &a[0], &t0)) && narg(p, &a[1], &d)) {
        if (d < 0)
            out = v_err();
        else {
            /* the count is bounded by what fits, not by d: an empty text or a count past 2^53
             * would otherwise never end the loop */
            size_t times = t0.len ? MAX_STR / t0.len : 0;
            if (d < (double)times)
                times = (size_t)d;
            for (size_t i = 0; i < times; i++)
                eg_buf_append(&o, s, t0.len);
            out = buf_val(&o);
        }
    } else if (name_is(u, "VALUE") && n >= 1) {
        deref(p, &a[0]);
        out = as_num(&a[0], &d) ? v_num(d) : v_err();
    } else if ((name_is(u, "INT") || name_is(u, "ABS") || name_is(u, "TRUNC")) && n >= 1 &&
               narg(p, &a[0], &d)) {
        out = v_num(u[0] == 'I' ? floor(d) : u[0] == 'A' ? fabs(d) : trunc(d));
    } else if (name_is(u, "MOD") && n >= 2 && narg(p, &a[0], &d) && narg(p, &a[1], &d2)) {
        out = d2 == 0 ? v_err() : v_num(d - d2 * floor(d / d2));
    } else if (name_is(u, "ROUND") && n >= 2 && narg(p, &a[0], &d) && narg(p, &a[1], &d2) &&
               fabs(d2) <= 15) {
        double m = pow(10, floor(d2));
        out = v_num(round(d * m) / m);
    } else if (name_is(u, "SUM")) {
        double sum = 0;
        bool ok = true;
        for (int i = 0; i < n && ok; i++) {
            if (a[i].k == V_MISSING)
                continue;
            if (a[i].k == V_REF && (a[i].r.r1 != a[i].r.r2 || a[i].r.c1 != a[i].r.c2))
                ok = false; /* ranges are not summed */
            else if ((ok = narg(p, &a[i], &d)))
                sum += d;
        }
        if (ok)
            out = v_num(sum);
    } else if ((name_is(u, "AND") || name_is(u, "OR")) && n >= 1) {
        bool and_ = u[0] == 'A', acc = and_, ok = true;
        for (int i = 0; i < n && ok; i++) {
            ok = narg(p, &a[i], &d);
            acc = and_ ? acc && d != 0 : acc || d != 0;
        }
        if (ok)
            out = v_bool(acc);
    } else if (name_is(u, "NOT") && n >= 1 && narg(p, &a[0], &d)) {
        out = v_bool(d == 0);
    } else if (name_is(u, "TRUE") || name_is(u, "FALSE")) {
        out = v_bool(u[0] == 'T');
    } else if (name_is(u, "FORMULA.CONVERT") && n >= 1) {
        deref(p, &a[0]);
        out = v_copy(&a[0]);
    }
    eg_buf_free(&t0);
    eg_buf_free(&t1);
    eg_buf_free(&t2);
    eg_buf_free(&o);
    return out;
}

/* IF(cond, then, else): only the branch the condition picks runs; an unknown condition runs both
 * for their writes but lets neither change the flow. */
static val fn_if(px *p)
{
    val c = parse_arg(p);
    deref(p, &c);
    double d;
    int pick = as_num(&c, &d) ? (d != 0 ? 1 : 2) : 0;
    v_free(&c);
    bool live = p->live, flow = p->flow;
    val out = v_none();
    for (int branch = 1; branch <= 2 && !p->bad; branch++) {
        if (!take(p, ','))
            break;
        p->live = live && (!pick || pick == branch);
        p->flow = flow && pick == branch;
        val v = parse_arg(p);
        if (pick == branch)
            out = v;
        else
            v_free(&v);
    }
    p->live = live;
    p->flow = flow;
    while (!p->bad && take(p, ',')) { /* surplus arguments */
        val v = parse_arg(p);
        v_free(&v);
    }
    if (!take(p, ')'))
        p->bad = true;
    if (pick == 1 && out.k == V_NONE)
        out = v_bool(true);
    if (pick == 2 && out.k == V_NONE)
        out = v_bool(false);
    return out;
}

static val call_fn(px *p, const char *name, size_t nlen)
{
    char u[72];
    if (nlen >= 6 && !strncasecmp(name, "_xlfn.", 6))
        name += 6, nlen -= 6;
    size_t k = 0;
    for (; k < nlen && k < sizeof u - 1; k++)
        u[k] = (char)toupper((unsigned char)name[k]);
    u[k] = '\0';
    p->p++; /* '(' */
    if (++p->depth > MAX_DEPTH) {
        p->bad = true;
        p->depth--;
        return v_none();
    }
    if (name_is(u, "IF")) {
        val v = fn_if(p);
        p->depth--;
        return v;
    }
    val a[MAX_ARGS];
    int n = 0;
    if (!peek(p, ')')) {
        for (;;) {
            val v = parse_arg(p);
            if (n < MAX_ARGS)
                a[n++] = v;
            else
                v_free(&v);
            if (p->bad || !take(p, ','))
                break;
        }
    }
    if (!take(p, ')'))
        p->bad = true;
    p->depth--;
    val out = v_none();
    if (p->bad) {
        free_args(a, n);
        return out;
    }
    res *R = p->R;
    if (name_is(u, "SET.NAME") && n >= 1) {
        eg_buf t;
        eg_buf_init(&t, 256);
        const char *nm = targ(p, &a[0], &t);
        if (nm && t.len && p->live) {
            rname *x = name_get(R, nm, t.len, true);
            if (x) {
                v_free(&x->v);
                x->has_v = false;
                if (n >= 2 && a[1].k != V_MISSING) {
                    /* SET.NAME with a reference keeps the reference; its value is read on use */
                    if (hold(R, &a[1])) {
                        x->v = v_copy(&a[1]);
                        x->has_v = x->v.k != V_NONE;
                    }
                    val shown = v_copy(&a[1]);
                    deref(p, &shown);
                    if (shown.k == V_STR && shown.derived)
                        report(R, EG_XLM_RES_NAME, x->name, shown.s, shown.n);
                    v_free(&shown);
                }
            }
        }
        eg_buf_free(&t);
        out = v_bool(true);
    } else if ((name_is(u, "FORMULA") || name_is(u, "FORMULA.FILL") ||
                name_is(u, "FORMULA.ARRAY")) &&
               n >= 1) {
        if (p->live)
            do_write(p, a, n, true);
        out = v_bool(true);
    } else if (name_is(u, "SET.VALUE") && n >= 2) {
        if (p->live && a[0].k == V_REF) {
            val sw[2] = {a[1], a[0]};
            do_write(p, sw, 2, false);
        }
        out = v_bool(true);
    } else if (name_is(u, "EVALUATE") && n >= 1) {
        eg_buf t;
        eg_buf_init(&t, MAX_STR);
        const char *f = targ(p, &a[0], &t);
        if (f && p->depth < MAX_DEPTH) {
            size_t fl = t.len;
            if (fl && f[0] == '=')
                f++, fl--;
            out = eval_formula(R, f, fl, p->sheet, p->row, p->col, p->live, p->flow, true,
                               p->depth + 1, p->ctl);
        }
        eg_buf_free(&t);
    } else if ((name_is(u, "GOTO") || name_is(u, "RUN")) && n >= 1) {
        if (p->flow && p->ctl && a[0].k == V_REF) {
            p->ctl->k = u[0] == 'G' ? C_GOTO : C_RUN;
            p->ctl->to = a[0].r;
        }
    } else if (name_is(u, "RETURN") || name_is(u, "HALT") || name_is(u, "CLOSE") ||
               name_is(u, "QUIT")) {
        if (p->flow && p->ctl)
            p->ctl->k = u[0] == 'R' ? C_RETURN : C_HALT;
    } else if (is_command(u, R) || strstr(u, "URLDOWNLOAD")) {
        if (name_is(u, "REGISTER") && n >= 4 &&
            R->nregistered < sizeof R->registered / sizeof *R->registered) {
            eg_buf t;
            eg_buf_init(&t, 256);
            const char *alias = targ(p, &a[3], &t);
            if (alias && t.len && t.len < 64) {
                char *c = strndup(alias, t.len);
                if (c)
                    R->registered[R->nregistered++] = c;
            }
            eg_buf_free(&t);
        }
        report_command(p, u, a, n);
    } else {
        out = fn_text(p, u, a, n);
    }
    free_args(a, n);
    return out;
}

static val eval_formula(res *R, const char *f, size_t n, int sheet, uint32_t row, uint32_t col,
                        bool live, bool flow, bool all_derived, int depth, ctl *c)
{
    px p = {.R = R,
            .p = f,
            .e = f + n,
            .sheet = sheet,
            .row = row,
            .col = col,
            .live = live,
            .flow = flow,
            .all_derived = all_derived,
            .depth = depth,
            .ctl = c};
    val v = parse_expr(&p);
    skip_ws(&p);
    if (p.bad || p.p != p.e) {
        /* a formula that cannot be read to its end gives no value (its writes stand) */
        v_free(&v);
        return v_none();
    }
    return v;
}

/* ---------------- running ---------------- */

static bool budget_ok(res *R)
{
    return !R->limit && !R->stopped && R->execs < MAX_EXEC && R->steps < MAX_STEPS;
}

static void exec_cell(res *R, rcell *c, ctl *k)
{
    R->execs++;
    c->runs++;
    char *f = strdup(c->f);
    if (!f)
        return;
    val v = eval_formula(R, f, strlen(f), c->sheet, c->row, c->col, true, true, c->written, 0, k);
    free(f);
    if (v.k == V_REF) {
        px p = {.R = R, .sheet = c->sheet, .row = c->row, .col = c->col};
        deref(&p, &v);
    }
    /* the cell may have been rewritten by its own formula: look it up again */
    rcell *now = cell_get(R, c->sheet, c->row, c->col, false);
    if (now && now->f && hold(R, &v)) {
        v_free(&now->v);
        now->v = v;
        now->has_v = v.k != V_NONE;
    } else
        v_free(&v);
}

/* The next formula cell down the column (blank cells are passed over, 256 rows at most). */
static rcell *next_down(res *R, int sheet, uint32_t row, uint32_t col)
{
    for (uint32_t r = row + 1; r <= row + 256 && r < 1048576; r++) {
        rcell *c = cell_get(R, sheet, r, col, false);
        if (c && c->f)
            return c;
    }
    return NULL;
}

static rcell *at_or_below(res *R, ref to)
{
    rcell *c = cell_get(R, to.sheet, to.r1, to.c1, false);
    if (c && c->f)
        return c;
    return to.r1 ? next_down(R, to.sheet, to.r1, to.c1) : next_down(R, to.sheet, 0, to.c1);
}

static void run_from(res *R, rcell *start)
{
    struct {
        int sheet;
        uint32_t row, col;
    } stack[MAX_CALLSTACK];
    int sp = 0;
    rcell *cur = start;
    while (cur && budget_ok(R)) {
        /* a cell the macro overwrote with a constant no longer runs */
        if (!cur->f || cur->runs >= MAX_RUNS_PER_CELL)
            break;
        if (R->stop && R->stop(R->stop_ud)) {
            R->stopped = true;
            break;
        }
        int sheet = cur->sheet;
        uint32_t row = cur->row, col = cur->col;
        ctl k = {C_NONE, {0}};
        exec_cell(R, cur, &k);
        switch (k.k) {
        case C_GOTO: cur = at_or_below(R, k.to); break;
        case C_RUN:
            if (sp < MAX_CALLSTACK) {
                stack[sp].sheet = sheet;
                stack[sp].row = row;
                stack[sp].col = col;
                sp++;
                cur = at_or_below(R, k.to);
            } else
                cur = NULL;
            break;
        case C_RETURN:
            if (sp) {
                sp--;
                cur = next_down(R, stack[sp].sheet, stack[sp].row, stack[sp].col);
            } else
                cur = NULL;
            break;
        case C_HALT: cur = NULL; break;
        default: cur = next_down(R, sheet, row, col);
        }
    }
}

/* ---------------- reading the text ---------------- */

/* "Sheet!A12: ..." -> sheet, cell and the rest; the first '!' followed by a cell and ": " wins. */
static bool split_cell_line(const char *l, size_t n, size_t *sheet_len, uint32_t *row,
                            uint32_t *col, size_t *rest)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i] != '!')
            continue;
        size_t j = i + 1, a = j;
        while (j < n && isalpha((unsigned char)l[j]) && j - a < 3)
            j++;
        size_t d = j;
        while (j < n && isdigit((unsigned char)l[j]) && j - d < 7)
            j++;
        if (j == a || d == a || j == d || j + 1 >= n || l[j] != ':' || l[j + 1] != ' ')
            continue;
        if (!parse_a1(l + a, j - a, row, col))
            continue;
        *sheet_len = i;
        *rest = j + 2;
        return true;
    }
    return false;
}

static void read_constant(res *R, rcell *c, const char *s, size_t n)
{
    px p = {.R = R, .p = s, .e = s + n};
    if (n && s[0] == '"') {
        val v = parse_string(&p);
        if (!p.bad) {
            c->v = v;
            c->has_v = true;
        } else
            v_free(&v);
    } else if (n == 4 && !strncmp(s, "TRUE", 4))
        c->v = v_bool(true), c->has_v = true;
    else if (n == 5 && !strncmp(s, "FALSE", 5))
        c->v = v_bool(false), c->has_v = true;
    else if (n && n < 64) {
        char tmp[64];
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *e;
        double d = strtod(tmp, &e);
        if (e != tmp && *e == '\0' && isfinite(d))
            c->v = v_num(d), c->has_v = true;
    }
    c->v.derived = true;
}

/* "' name "X" builtin hidden = formula" */
static void read_name(res *R, const char *l, size_t n, rcell ***autos, size_t *nautos)
{
    const char *q1 = memchr(l, '"', n);
    if (!q1)
        return;
    const char *q2 = memchr(q1 + 1, '"', (size_t)(l + n - q1 - 1));
    if (!q2)
        return;
    const char *eq = NULL;
    for (const char *x = q2; x + 2 < l + n; x++)
        if (x[0] == ' ' && x[1] == '=' && x[2] == ' ') {
            eq = x + 3;
            break;
        }
    size_t nl = (size_t)(q2 - q1 - 1);
    const char *nm = q1 + 1;
    if (nl > 6 && !strncasecmp(nm, "_xlnm.", 6))
        nm += 6, nl -= 6;
    rname *x = name_get(R, nm, nl, true);
    if (!x || !eq)
        return;
    size_t fl = (size_t)(l + n - eq);
    free(x->f);
    x->f = fl ? strndup(eq, fl) : NULL;
    if (nl >= 9 && !strncasecmp(nm, "auto_open", 9) && x->f) {
        /* strndup stops at a NUL inside the line */
        px p = {.R = R, .p = x->f, .e = x->f + strlen(x->f), .sheet = 0};
        val v = parse_expr(&p);
        if (v.k == V_REF && !p.bad) {
            rcell *c = cell_get(R, v.r.sheet, v.r.r1, v.r.c1, false);
            if (!c || !c->f)
                c = at_or_below(R, v.r);
            rcell **grown = c ? realloc(*autos, (*nautos + 1) * sizeof **autos) : NULL;
            if (grown) {
                *autos = grown;
                (*autos)[(*nautos)++] = c;
            }
        }
        v_free(&v);
    }
}

static int by_position(const void *a, const void *b, void *ud)
{
    const res *R = ud;
    const rcell *x = &R->cells[*(const uint32_t *)a], *y = &R->cells[*(const uint32_t *)b];
    if (x->sheet != y->sheet)
        return x->sheet < y->sheet ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static void res_free(res *R)
{
    for (int i = 0; i < R->nsheets; i++)
        free(R->sheets[i]);
    for (size_t i = 0; i < R->ncells; i++) {
        free(R->cells[i].f);
        v_free(&R->cells[i].v);
    }
    for (size_t i = 0; i < R->nnames; i++) {
        free(R->names[i].name);
        free(R->names[i].f);
        v_free(&R->names[i].v);
    }
    for (size_t i = 0; i < R->nregistered; i++)
        free(R->registered[i]);
    free(R->cells);
    free(R->hash);
    free(R->names);
    free(R);
}

eg_status eg_xlm_resolve(const char *xlm, size_t len, eg_xlm_res_fn fn, void *ud,
                         bool (*stop)(void *), void *stop_ud)
{
    res *R = calloc(1, sizeof *R);
    if (!R)
        return EG_ENOMEM;
    R->fn = fn;
    R->ud = ud;
    R->stop = stop;
    R->stop_ud = stop_ud;
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += xlm[i] == '\n';
    size_t want = lines + 1024 < MAX_CELLS ? lines + 1024 : MAX_CELLS, hs = 1024;
    while (hs < want * 2)
        hs <<= 1;
    R->capcells = want;
    R->hmask = hs - 1;
    /* cells and names are cleared as they are added and none past ncells/nnames is read: not
     * zeroed here (the name table alone is over 200 KB) */
    R->cells = malloc(want * sizeof *R->cells);
    R->hash = calloc(hs, sizeof *R->hash);
    R->names = malloc(MAX_NAMES * sizeof *R->names);
    uint32_t *order = calloc(want, sizeof *order);
    rcell **autos = NULL;
    size_t nautos = 0;
    if (!R->cells || !R->hash || !R->names || !order) {
        free(order);
        res_free(R);
        return EG_ENOMEM;
    }
    /* pass 0: formulas (they come first when cells run short), pass 1: constants, pass 2: names,
     * which may point at cells */
    size_t nline = 0;
    for (int pass = 0; pass < 3 && !R->stopped; pass++) {
        size_t i = 0;
        while (i < len) {
            /* reading the cells is per-line work over text of up to 16 MiB: it checks the clock
             * as evaluation does */
            if (!(++nline & 255) && R->stop && R->stop(R->stop_ud)) {
                R->stopped = true;
                break;
            }
            size_t a = i;
            while (i < len && xlm[i] != '\n')
                i++;
            const char *l = xlm + a;
            size_t n = i - a;
            i++;
            if (n >= 2 && l[0] == '\'' && l[1] == ' ') {
                if (pass == 2 && n > 8 && !strncmp(l, "' name \"", 8))
                    read_name(R, l, n, &autos, &nautos);
                else if (pass == 0 && n > 9 && !strncmp(l, "' sheet \"", 9)) {
                    const char *q = memchr(l + 9, '"', n - 9);
                    if (q)
                        sheet_find(R, l + 9, (size_t)(q - l - 9), true);
                }
                continue;
            }
            size_t sl, rest;
            uint32_t row, col;
            if (pass == 2 || !split_cell_line(l, n, &sl, &row, &col, &rest))
                continue;
            bool formula = rest < n && l[rest] == '=';
            if (formula != (pass == 0))
                continue;
            int sheet = sheet_find(R, l, sl, true);
            rcell *c = sheet >= 0 ? cell_get(R, sheet, row, col, true) : NULL;
            if (!c)
                continue;
            free(c->f);
            c->f = NULL;
            v_free(&c->v);
            c->has_v = false;
            if (formula)
                c->f = strndup(l + rest + 1, n - rest - 1);
            else
                read_constant(R, c, l + rest, n - rest);
        }
    }
    /* cells that did not fit are lost, but what was read still runs */
    bool truncated = R->limit;
    R->limit = false;
    size_t nform = 0;
    for (size_t i = 0; i < R->ncells; i++)
        if (R->cells[i].f)
            order[nform++] = (uint32_t)i;
    qsort_r(order, nform, sizeof *order, by_position, R);
    /* the Auto_Open entry points first, then every formula cell the flow did not reach */
    for (size_t i = 0; i < nautos && budget_ok(R); i++)
        run_from(R, autos[i]);
    for (size_t i = 0; i < nform && budget_ok(R); i++) {
        rcell *c = &R->cells[order[i]];
        if (c->f && !c->runs)
            run_from(R, c);
    }
    /* formulas written into cells that were empty before, in the order they were written */
    for (size_t i = 0; i < R->ncells && budget_ok(R); i++) {
        rcell *c = &R->cells[i];
        if (c->f && !c->runs)
            run_from(R, c);
    }
    eg_status st = R->stopped ? EG_ETIME
                   : (truncated || R->limit || R->execs >= MAX_EXEC || R->steps >= MAX_STEPS)
                       ? EG_ELIMIT
                       : EG_OK;
    free(autos);
    free(order);
    res_free(R);
    return st;
}
