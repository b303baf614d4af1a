/*
 * XOR-encoded strings in VBA source, decoded statically when both the data and the key are
 * literals in the module. The usual shapes are
 *     d = Array(23, 45, 12, ...)            ' or "172D0C..." (hex) or "23,45,12" or a plain string
 *     For i = 0 To UBound(d): s = s & Chr(d(i) Xor 77): Next
 *     s = s & Chr(Asc(Mid(enc, i, 1)) Xor Asc(Mid(key, (i Mod Len(key)) + 1, 1)))
 *     x = Decode(Array(...), "key")         ' with Function Decode(...) ... Xor ... End Function
 * Loops are not run. Instead, data literals that the XOR code uses (on a line with Xor, through a
 * variable named on such a line, or passed to a procedure whose body has Xor) are combined with
 * the key literals found the same way; for each data item the key giving the most text-like
 * readable result is kept. Bounded: lines, candidates, key length, values XORed and output.
 */
#include "office/office_int.h"

#include "core/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DATA 64
#define MAX_KEYS 32
#define MAX_XPROCS 32
#define MAX_VALUES 65536
#define MAX_KEYLEN 64
#define MAX_LINES 200000
/* values XORed in all, per module: 32 data of 64 Ki values against 32 key strings at 64 shifts
 * would be 4 G operations; legitimate modules need a few million at most */
#define MAX_WORK (16u << 20)

typedef struct xdata {
    uint16_t *v;
    size_t n;
    char var[64]; /* the variable it is assigned to, "" when none */
    bool linked;
} xdata;

typedef struct xkey {
    bool str;
    unsigned num;
    char s[MAX_KEYLEN + 1];
    size_t n;
    char var[64];
    bool linked;
    bool weak; /* only a number somewhere on a line of the XOR code, not next to Xor */
} xkey;

typedef struct xctx {
    xdata data[MAX_DATA];
    size_t ndata;
    xkey keys[MAX_KEYS];
    size_t nkeys;
    char procs[MAX_XPROCS][64]; /* procedures whose body has Xor */
    size_t nprocs;
    bool *in_xproc; /* per line: inside one of them */
} xctx;

/* ---- lines ---- */

typedef struct line {
    const char *p;
    size_t n;
} line;

/* Logical lines (" _" continuations joined into a copy) of at most MAX_LINES; *store keeps the
 * joined copies alive. */
static line *split_lines(const char *src, size_t len, size_t *nlines, eg_buf *store)
{
    size_t cap = 1024, n = 0;
    line *v = malloc(cap * sizeof *v);
    size_t *offs = malloc(cap * sizeof *offs);
    if (!v || !offs) {
        free(v);
        free(offs);
        return NULL;
    }
    size_t i = 0;
    while (i < len && n < MAX_LINES) {
        size_t start = store->len;
        for (;;) {
            size_t a = i;
            while (i < len && src[i] != '\n' && src[i] != '\r')
                i++;
            size_t e = i;
            while (e > a && (src[e - 1] == ' ' || src[e - 1] == '\t'))
                e--;
            bool cont = e >= a + 2 && src[e - 1] == '_' && src[e - 2] == ' ';
            eg_buf_append(store, src + a, cont ? e - a - 1 : i - a);
            if (i < len && src[i] == '\r')
                i++;
            if (i < len && src[i] == '\n')
                i++;
            if (!cont || i >= len)
                break;
        }
        if (n == cap) {
            cap *= 2;
            line *nv = realloc(v, cap * sizeof *v);
            size_t *no = realloc(offs, cap * sizeof *offs);
            if (nv)
                v = nv;
            if (no)
                offs = no;
            if (!nv || !no)
                break;
        }
        offs[n] = start;
        v[n].n = store->len - start;
        n++;
    }
    for (size_t k = 0; k < n; k++) /* the store may have moved while growing */
        v[k].p = store->data ? (const char *)store->data + offs[k] : "";
    free(offs);
    *nlines = n;
    return v;
}

/* ---- words ---- */

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_';
}

/* w occurs in l as a whole word, outside string literals and comments */
static bool has_word(const char *l, size_t n, const char *w)
{
    size_t wl = strlen(w);
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        if (l[i] == '"') {
            in_str = !in_str;
            continue;
        }
        if (in_str)
            continue;
        if (l[i] == '\'')
            return false;
        if (i + wl <= n && (i == 0 || !ident_char((unsigned char)l[i - 1])) &&
            !strncasecmp(l + i, w, wl) && (i + wl == n || !ident_char((unsigned char)l[i + wl])))
            return true;
    }
    return false;
}

/* "name = ..." or "Set name = ..." / "Const name = ..." at the start of l: the name */
static bool assigned_var(const char *l, size_t n, char *var, size_t vsz, size_t *rhs)
{
    size_t i = 0;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    static const char *const pre[] = {"set ",          "const ", "private const ",
                                      "public const ", "dim ",   "let "};
    for (size_t k = 0; k < sizeof pre / sizeof *pre; k++)
        if (n - i > strlen(pre[k]) && !strncasecmp(l + i, pre[k], strlen(pre[k]))) {
            i += strlen(pre[k]);
            break;
        }
    size_t a = i;
    while (i < n && ident_char((unsigned char)l[i]))
        i++;
    size_t b = i;
    if (b == a || b - a >= vsz)
        return false;
    while (i < n && l[i] == ' ')
        i++;
    if (i < n && !strncasecmp(l + i, "as ", 3)) { /* Const k As String = "..." */
        i += 3;
        while (i < n && (ident_char((unsigned char)l[i]) || l[i] == ' '))
            i++;
    }
    if (i >= n || l[i] != '=')
        return false;
    memcpy(var, l + a, b - a);
    var[b - a] = '\0';
    *rhs = i + 1;
    return true;
}

/* ---- literals ---- */

static bool parse_int(const char *p, size_t n, size_t *used, unsigned long *v)
{
    size_t i = 0;
    unsigned long x = 0;
    if (n >= 2 && p[0] == '&' && (p[1] == 'H' || p[1] == 'h')) {
        i = 2;
        size_t a = i;
        while (i < n && isxdigit((unsigned char)p[i]) && i - a < 8)
            x = x * 16 + (unsigned long)(isdigit((unsigned char)p[i])
                                             ? p[i] - '0'
                                             : (tolower((unsigned char)p[i]) - 'a' + 10)),
            i++;
        if (i == a)
            return false;
    } else {
        size_t a = i;
        while (i < n && isdigit((unsigned char)p[i]) && i - a < 9)
            x = x * 10 + (unsigned long)(p[i++] - '0');
        if (i == a)
            return false;
    }
    if (i < n && (p[i] == '&' || p[i] == '%' || p[i] == '#' || p[i] == '!' || p[i] == '^'))
        i++; /* type suffix */
    *used = i;
    *v = x;
    return true;
}

static void add_data(xctx *x, uint16_t *v, size_t n, const char *var, bool linked)
{
    if (n < 4 || x->ndata >= MAX_DATA) {
        free(v);
        return;
    }
    xdata *d = &x->data[x->ndata++];
    d->v = v;
    d->n = n;
    snprintf(d->var, sizeof d->var, "%s", var ? var : "");
    d->linked = linked;
}

/* Array(1, 2, &H3 ...) starting at p (just after "Array(") */
static void array_literal(xctx *x, const char *p, size_t n, const char *var, bool linked)
{
    uint16_t *v = malloc(MAX_VALUES * sizeof *v);
    if (!v)
        return;
    size_t k = 0, i = 0;
    for (;;) {
        while (i < n && p[i] == ' ')
            i++;
        size_t used;
        unsigned long num;
        if (i >= n || !parse_int(p + i, n - i, &used, &num) || num > 0xFFFF || k >= MAX_VALUES)
            break;
        v[k++] = (uint16_t)num;
        i += used;
        while (i < n && p[i] == ' ')
            i++;
        if (i < n && p[i] == ',') {
            i++;
            continue;
        }
        if (i < n && p[i] == ')') {
            add_data(x, v, k, var, linked);
            return;
        }
        break;
    }
    free(v);
}

/* A string literal as data: hex digits, a list of decimal numbers, or its own characters. */
static void string_literal(xctx *x, const char *s, size_t n, const char *var, bool linked)
{
    uint16_t *v = malloc((n + 1) * sizeof *v);
    if (!v)
        return;
    size_t hex = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        hex += isxdigit((unsigned char)s[i]) != 0;
    if (n >= 8 && hex == n && n % 2 == 0) {
        for (size_t i = 0; i < n; i += 2) {
            char h[3] = {s[i], s[i + 1], 0};
            v[k++] = (uint16_t)strtoul(h, NULL, 16);
        }
        add_data(x, v, k, var, linked);
        return;
    }
    /* "23,45,12" / "23 45 12" / "23|45|12" */
    size_t i = 0;
    bool list = true;
    while (i < n && list) {
        size_t used;
        unsigned long num;
        if (!parse_int(s + i, n - i, &used, &num) || num > 0xFFFF || s[i] == '&') {
            list = false;
            break;
        }
        v[k++] = (uint16_t)num;
        i += used;
        if (i < n && strchr(",;| .-", s[i]))
            i++;
        else if (i < n)
            list = false;
    }
    if (list && k >= 4) {
        add_data(x, v, k, var, linked);
        return;
    }
    k = 0;
    for (size_t j = 0; j < n; j++)
        v[k++] = (unsigned char)s[j];
    add_data(x, v, k, var, linked);
}

static void add_key_num(xctx *x, unsigned num, const char *var, bool linked, bool weak)
{
    if (x->nkeys >= MAX_KEYS || num == 0 || num > 0xFFFF)
        return;
    for (size_t i = 0; i < x->nkeys; i++)
        if (!x->keys[i].str && x->keys[i].num == num && !strcmp(x->keys[i].var, var ? var : "")) {
            x->keys[i].weak &= weak;
            return;
        }
    xkey *k = &x->keys[x->nkeys++];
    memset(k, 0, sizeof *k);
    k->num = num;
    snprintf(k->var, sizeof k->var, "%s", var ? var : "");
    k->linked = linked;
    k->weak = weak;
}

static void add_key_str(xctx *x, const char *s, size_t n, const char *var, bool linked)
{
    if (x->nkeys >= MAX_KEYS || !n || n > MAX_KEYLEN)
        return;
    xkey *k = &x->keys[x->nkeys++];
    memset(k, 0, sizeof *k);
    k->str = true;
    memcpy(k->s, s, n);
    k->n = n;
    snprintf(k->var, sizeof k->var, "%s", var ? var : "");
    k->linked = linked;
}

/* ---- reading the module ---- */

static bool xor_linked(const xctx *x, const line *L, size_t i)
{
    if (x->in_xproc && x->in_xproc[i])
        return true;
    if (has_word(L[i].p, L[i].n, "xor"))
        return true;
    for (size_t k = 0; k < x->nprocs; k++)
        if (has_word(L[i].p, L[i].n, x->procs[k]))
            return true;
    return false;
}

/* "Sub Name(" / "Private Function Name(" -> Name; "End Sub" / "End Function" -> 1; else 0 */
static int proc_line(const char *l, size_t len, char *name, size_t nsz)
{
    size_t k = 0;
    while (k < len && (l[k] == ' ' || l[k] == '\t'))
        k++;
    const char *p = l + k;
    size_t m = len - k;
    static const char *const mods[] = {"private ", "public ", "friend ", "static "};
    for (size_t j = 0; j < 4; j++)
        if (m > strlen(mods[j]) && !strncasecmp(p, mods[j], strlen(mods[j])))
            p += strlen(mods[j]), m -= strlen(mods[j]);
    size_t kw = m > 4 && !strncasecmp(p, "sub ", 4)        ? 4
                : m > 9 && !strncasecmp(p, "function ", 9) ? 9
                                                           : 0;
    if (kw) {
        size_t a = kw, b = a;
        while (b < m && ident_char((unsigned char)p[b]) && b - a < nsz - 1)
            b++;
        memcpy(name, p + a, b - a);
        name[b - a] = '\0';
        return 2;
    }
    if (m >= 7 && !strncasecmp(p, "end ", 4) &&
        (!strncasecmp(p + 4, "sub", 3) || !strncasecmp(p + 4, "function", 8)))
        return 1;
    return 0;
}

/* Procedures (Sub/Function) whose body has Xor: their lines and the calls to them are the XOR
 * code, whose literals are the candidates. */
static void find_procs(xctx *x, const line *L, size_t n)
{
    char cur[64] = "";
    for (size_t i = 0; i < n; i++) {
        char nm[64];
        int t = proc_line(L[i].p, L[i].n, nm, sizeof nm);
        if (t == 2)
            memcpy(cur, nm, sizeof cur);
        else if (t == 1)
            cur[0] = '\0';
        else if (cur[0] && has_word(L[i].p, L[i].n, "xor") && x->nprocs < MAX_XPROCS) {
            bool known = false;
            for (size_t j = 0; j < x->nprocs; j++)
                known |= !strcasecmp(x->procs[j], cur);
            if (!known)
                snprintf(x->procs[x->nprocs++], sizeof x->procs[0], "%s", cur);
        }
    }
    x->in_xproc = calloc(n ? n : 1, sizeof *x->in_xproc);
    if (!x->in_xproc)
        return;
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        char nm[64];
        int t = proc_line(L[i].p, L[i].n, nm, sizeof nm);
        if (t == 2) {
            in = false;
            for (size_t j = 0; j < x->nprocs; j++)
                in |= !strcasecmp(x->procs[j], nm);
        } else if (t == 1)
            in = false;
        else
            x->in_xproc[i] = in;
    }
}

/* Numbers next to Xor ("Xor 77", "Xor &H4D", "77 Xor") and their variables ("Xor k"). */
static void keys_near_xor(xctx *x, const char *l, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++) {
        if (strncasecmp(l + i, "xor", 3) || (i && ident_char((unsigned char)l[i - 1])) ||
            (i + 3 < n && ident_char((unsigned char)l[i + 3])))
            continue;
        size_t j = i + 3;
        while (j < n && (l[j] == ' ' || l[j] == '('))
            j++;
        size_t used;
        unsigned long num;
        if (parse_int(l + j, n - j, &used, &num))
            add_key_num(x, (unsigned)num, NULL, true, false);
        /* a number just before */
        size_t e = i;
        while (e > 0 && (l[e - 1] == ' ' || l[e - 1] == ')'))
            e--;
        size_t s = e;
        while (s > 0 && (isxdigit((unsigned char)l[s - 1]) || l[s - 1] == '&' || l[s - 1] == 'H' ||
                         l[s - 1] == 'h'))
            s--;
        if (s < e && (s == 0 || !ident_char((unsigned char)l[s - 1])) &&
            parse_int(l + s, e - s, &used, &num) && used == e - s)
            add_key_num(x, (unsigned)num, NULL, true, false);
    }
}

static void read_module(xctx *x, const line *L, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *l = L[i].p;
        size_t len = L[i].n;
        bool linked = xor_linked(x, L, i);
        if (has_word(l, len, "xor"))
            keys_near_xor(x, l, len);
        char var[64] = "";
        size_t rhs = 0;
        bool assign = assigned_var(l, len, var, sizeof var, &rhs);
        /* literals on the line */
        for (size_t k = 0; k < len; k++) {
            if (l[k] == '\'')
                break;
            if (l[k] == '"') {
                size_t a = ++k;
                while (k < len && l[k] != '"')
                    k++;
                size_t sl = k - a;
                /* a bare literal assigned to a variable, or any literal on a linked line */
                bool whole = assign && a == rhs + 1 + (size_t)(l[rhs] == ' ') && k + 1 >= len;
                if (sl >= 4 && (linked || whole))
                    string_literal(x, l + a, sl, whole ? var : NULL, linked);
                if (sl >= 1 && sl <= MAX_KEYLEN && (linked || whole))
                    add_key_str(x, l + a, sl, whole ? var : NULL, linked);
            } else if ((k == 0 || !ident_char((unsigned char)l[k - 1])) && len - k > 6 &&
                       !strncasecmp(l + k, "array(", 6)) {
                array_literal(x, l + k + 6, len - k - 6, assign ? var : NULL, linked);
                const char *close = memchr(l + k, ')', len - k);
                k = close ? (size_t)(close - l) : len;
            } else if (linked &&
                       (k == 0 || (!ident_char((unsigned char)l[k - 1]) && l[k - 1] != '.')) &&
                       (isdigit((unsigned char)l[k]) || l[k] == '&')) {
                /* a number on a line of the XOR code, e.g. the key argument of Decode(Array(...),
                 * 77) */
                size_t used;
                unsigned long num;
                if (parse_int(l + k, len - k, &used, &num) &&
                    (k + used == len || !ident_char((unsigned char)l[k + used]))) {
                    add_key_num(x, (unsigned)num, NULL, true, true);
                    k += used - 1;
                }
            }
        }
        /* k = 77 : a numeric key by name */
        if (assign && rhs < len) {
            size_t j = rhs;
            while (j < len && l[j] == ' ')
                j++;
            size_t used;
            unsigned long num;
            if (parse_int(l + j, len - j, &used, &num) && j + used == len)
                add_key_num(x, (unsigned)num, var, false, false);
        }
    }
    /* variables named where the XOR happens link what was assigned to them */
    for (size_t i = 0; i < n; i++) {
        if (!xor_linked(x, L, i))
            continue;
        for (size_t d = 0; d < x->ndata; d++)
            if (x->data[d].var[0] && has_word(L[i].p, L[i].n, x->data[d].var))
                x->data[d].linked = true;
        for (size_t k = 0; k < x->nkeys; k++)
            if (x->keys[k].var[0] && has_word(L[i].p, L[i].n, x->keys[k].var))
                x->keys[k].linked = true;
    }
}

/* ---- decoding ---- */

static bool readable(const uint16_t *v, size_t n)
{
    size_t good = 0, letters = 0, alnum = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = v[i];
        if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\r' || c == '\n')
            good++;
        if (c < 0x80 && isalpha(c))
            letters++;
        if (c < 0x80 && isalnum(c))
            alnum++;
    }
    /* text, command lines and URLs: printable, mostly letters and digits, some letters */
    return good * 100 >= n * 97 && alnum * 100 >= n * 50 && letters * 100 >= n * 15;
}

/* How much of it looks like words, paths, URLs or command lines (per mille). */
static unsigned textlike(const uint16_t *v, size_t n)
{
    size_t good = 0;
    for (size_t i = 0; i < n; i++)
        good += v[i] < 0x80 && (isalnum(v[i]) || (v[i] && strchr(" ./:\\-_,=$%'\"()@", v[i])));
    return n ? (unsigned)(good * 1000 / n) : 0;
}

static bool same_as_data(const uint16_t *a, const xdata *d)
{
    return !memcmp(a, d->v, d->n * sizeof *a);
}

static bool emit(eg_buf *out, eg_buf *keys, const uint16_t *v, size_t n, const xkey *k)
{
    size_t start = out->len;
    for (size_t i = 0; i < n; i++)
        eg_buf_putc(out, (v[i] == '\n' || v[i] == '\r' || v[i] < 0x20 || v[i] > 0x7E)
                             ? ' '
                             : (uint8_t)v[i]);
    /* the same text from another candidate pair is shown once */
    const char *base = (const char *)out->data;
    for (const char *p = base; p < base + start;) {
        const char *e = memchr(p, '\n', (size_t)(base + start - p));
        size_t ln = e ? (size_t)(e - p) : (size_t)(base + start - p);
        if (ln == out->len - start && !memcmp(p, base + start, ln)) {
            out->len = start;
            return false;
        }
        p += ln + 1;
    }
    eg_buf_putc(out, '\n');
    if (keys) {
        if (k->str)
            eg_buf_printf(keys, "\"%.*s\"\n", (int)k->n, k->s);
        else
            eg_buf_printf(keys, "%u (0x%X)\n", k->num, k->num);
    }
    return true;
}

/* The best key found so far for one data item. */
typedef struct best {
    unsigned score; /* textlike() of the decoded text; to beat */
    const xkey *key;
    size_t shift;
} best;

static void xor_with(const xdata *d, const xkey *k, size_t shift, uint16_t *tmp)
{
    if (!k->str)
        for (size_t i = 0; i < d->n; i++)
            tmp[i] = d->v[i] ^ (uint16_t)k->num;
    else
        for (size_t i = 0; i < d->n; i++)
            tmp[i] = d->v[i] ^ (unsigned char)k->s[(i + shift) % k->n];
}

/* Tries key k (a key string at every shift: it may be lined up with the data from any of its
 * positions) and keeps it in b when it reads better than anything before. */
static void try_key(const xdata *d, const xkey *k, uint16_t *tmp, best *b, size_t *work)
{
    size_t shifts = k->str ? k->n : 1;
    for (size_t shift = 0; shift < shifts && *work <= MAX_WORK && b->score < 1000; shift++) {
        *work += d->n;
        xor_with(d, k, shift, tmp);
        if (!readable(tmp, d->n) || same_as_data(tmp, d))
            continue;
        unsigned t = textlike(tmp, d->n);
        if (t > b->score) {
            b->score = t;
            b->key = k;
            b->shift = shift;
        }
    }
}

/* 0: nothing readable; 1: decoded and emitted; 2: decoded, already shown. Every key is tried and
 * the one whose text reads best wins (a random key string can give printable junk; the real
 * key gives words, paths and URLs); on equal scores, keys written next to Xor come first. */
static int decode_data(const xctx *x, const xdata *d, uint16_t *tmp, eg_buf *out, eg_buf *keys,
                       size_t *work)
{
    /* data that reads as text already must come out reading better, and is only tried with a
     * key written next to Xor */
    bool plain = readable(d->v, d->n);
    best b = {plain ? textlike(d->v, d->n) : 0, NULL, 0};
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < x->nkeys; k++) {
            const xkey *key = &x->keys[k];
            /* a key string that is the data itself is no key */
            if (!key->linked || key->weak != (pass == 1) || (key->weak && plain) ||
                (key->str && key->n == d->n))
                continue;
            try_key(d, key, tmp, &b, work);
        }
    if (!b.key)
        return 0;
    xor_with(d, b.key, b.shift, tmp);
    return emit(out, keys, tmp, d->n, b.key) ? 1 : 2;
}

size_t eg_vba_xor_decode(const char *src, size_t len, eg_buf *out, eg_buf *keys)
{
    eg_buf_reserve(out, 1);
    if (keys)
        eg_buf_reserve(keys, 1);
    if (!eg_memmem_ci(src, len, "xor", 3))
        return 0;
    xctx *x = calloc(1, sizeof *x);
    eg_buf store;
    eg_office_buf_init(&store, len + 1);
    size_t nl = 0;
    line *L = x ? split_lines(src, len, &nl, &store) : NULL;
    size_t found = 0;
    if (L) {
        find_procs(x, L, nl);
        read_module(x, L, nl);
        uint16_t *tmp = malloc(MAX_VALUES * sizeof *tmp);
        size_t work = 0; /* data in the order written: the first are tried first */
        for (size_t d = 0; tmp && d < x->ndata && work <= MAX_WORK; d++)
            if (x->data[d].linked)
                found += decode_data(x, &x->data[d], tmp, out, keys, &work) == 1;
        free(tmp);
    }
    if (x) {
        for (size_t d = 0; d < x->ndata; d++)
            free(x->data[d].v);
        free(x->in_xproc);
    }
    free(L);
    free(x);
    eg_buf_free(&store);
    return found;
}
