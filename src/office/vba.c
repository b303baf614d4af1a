/*
 * VBA module source analysis: auto-exec entry points, execution and download calls, obfuscation,
 * and static decoding of string expressions (literals, Chr/ChrW, &, StrReverse, Replace, LCase/
 * UCase and variables assigned from those). Findings carry the evidence line; decoded strings
 * become a text child so intel and YARA see them too.
 *
 * Nothing is executed or emulated: an expression that depends on anything else than literals
 * and already-decoded variables is left alone.
 */
#include "office/office_int.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "payload/cmdline.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 256
#define MAX_VALUE 65536
#define MAX_TOKENS 4096

/* ---------------- tokenizer ---------------- */

typedef enum { T_STR, T_NUM, T_ID, T_OP, T_OTHER } tkind;

typedef struct tok {
    tkind k;
    const char *p; /* T_ID, T_OP, T_OTHER: in the line; T_STR: unescaped copy in the arena */
    size_t n;
    double num;
} tok;

typedef struct strv {
    char *p;
    size_t n, cap; /* cap: bytes allocated at p */
} strv;

typedef struct var {
    char name[64];
    strv v;
} var;

typedef struct decoder {
    var vars[MAX_VARS];
    size_t nvars;
    eg_buf *out;
    size_t count;
    char *arena; /* unescaped string literals of the current line */
    tok toks[MAX_TOKENS];
} decoder;

static size_t tokenize(const char *line, size_t len, tok *t, size_t max, char *arena)
{
    size_t n = 0, i = 0, a = 0;
    while (i < len && n < max) {
        unsigned char c = (unsigned char)line[i];
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (c == '\'') /* comment to end of line */
            break;
        tok *k = &t[n];
        if (c == '"') {
            size_t start = a;
            i++;
            while (i < len) {
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        arena[a++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                arena[a++] = line[i++];
            }
            k->k = T_STR;
            k->p = arena + start;
            k->n = a - start;
        } else if (isdigit(c) ||
                   (c == '&' && i + 1 < len && (line[i + 1] == 'H' || line[i + 1] == 'h'))) {
            size_t s = i;
            if (c == '&') {
                i += 2;
                unsigned long v = 0;
                while (i < len && isxdigit((unsigned char)line[i]) && i - s < 18)
                    v = v * 16 +
                        (unsigned long)(isdigit((unsigned char)line[i])
                                            ? line[i] - '0'
                                            : (tolower((unsigned char)line[i]) - 'a' + 10)),
                    i++;
                k->num = (double)v;
            } else {
                double v = 0;
                while (i < len && isdigit((unsigned char)line[i]) && i - s < 18)
                    v = v * 10 + (line[i++] - '0');
                k->num = v;
                while (i < len && isdigit((unsigned char)line[i]))
                    i++;
            }
            if (i < len && (line[i] == '&' || line[i] == '#' || line[i] == '!' || line[i] == '%'))
                i++; /* type suffix */
            k->k = T_NUM;
            k->p = line + s;
            k->n = i - s;
        } else if (isalpha(c) || c == '_' || c >= 0x80) {
            size_t s = i;
            while (i < len && (isalnum((unsigned char)line[i]) || line[i] == '_' ||
                               line[i] == '.' || (unsigned char)line[i] >= 0x80))
                i++;
            if (i < len && line[i] == '$')
                i++;
            k->k = T_ID;
            k->p = line + s;
            k->n = i - s;
        } else {
            k->k = strchr("&+-*()=,", c) ? T_OP : T_OTHER;
            k->p = line + i;
            k->n = 1;
            i++;
        }
        n++;
    }
    return n;
}

static bool tok_is(const tok *t, const char *s)
{
    size_t n = strlen(s);
    return t->n == n && !strncasecmp(t->p, s, n);
}

static bool op_is(const tok *t, char c)
{
    return t->k == T_OP && t->p[0] == c;
}

/* ---------------- evaluator ---------------- */

typedef struct ev {
    const tok *t;
    size_t n, i;
    decoder *d;
    int interesting; /* Chr, functions, variables, concatenations */
    int depth;
} ev;

static bool sv_append(strv *s, const char *p, size_t n)
{
    if (s->n + n > MAX_VALUE)
        return false;
    if (s->n + n + 1 > s->cap) { /* doubling: a long chain of short pieces copies each once */
        size_t cap = s->cap ? s->cap : 32;
        while (cap < s->n + n + 1)
            cap *= 2;
        char *q = realloc(s->p, cap);
        if (!q)
            return false;
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
    return true;
}

static bool parse_num(ev *e, double *out);

static bool parse_num_term(ev *e, double *out)
{
    if (e->i >= e->n || ++e->depth > 64)
        return false;
    const tok *t = &e->t[e->i];
    bool ok = false;
    if (t->k == T_NUM) {
        *out = t->num;
        e->i++;
        ok = true;
    } else if (op_is(t, '-')) {
        e->i++;
        ok = parse_num_term(e, out);
        *out = -*out;
    } else if (op_is(t, '(')) {
        e->i++;
        ok = parse_num(e, out) && e->i < e->n && op_is(&e->t[e->i], ')');
        e->i++;
    }
    e->depth--;
    return ok;
}

static bool parse_num(ev *e, double *out)
{
    if (!parse_num_term(e, out))
        return false;
    while (e->i < e->n && e->t[e->i].k == T_OP && strchr("+-*", e->t[e->i].p[0])) {
        char op = e->t[e->i].p[0];
        e->i++;
        double r;
        if (!parse_num_term(e, &r))
            return false;
        *out = op == '+' ? *out + r : op == '-' ? *out - r : *out * r;
    }
    return true;
}

static bool parse_expr(ev *e, strv *out);

static bool expect(ev *e, char c)
{
    if (e->i < e->n && op_is(&e->t[e->i], c)) {
        e->i++;
        return true;
    }
    return false;
}

static var *find_var(decoder *d, const char *p, size_t n)
{
    for (size_t i = 0; i < d->nvars; i++)
        if (strlen(d->vars[i].name) == n && !strncasecmp(d->vars[i].name, p, n))
            return &d->vars[i];
    return NULL;
}

static bool call_args(ev *e, strv *args, int nargs)
{
    if (!expect(e, '('))
        return false;
    for (int a = 0; a < nargs; a++) {
        if (a && !expect(e, ','))
            return false;
        if (!parse_expr(e, &args[a]))
            return false;
    }
    /* extra optional arguments (Replace's start/count/compare) are not modelled */
    return expect(e, ')');
}

static void replace_all(strv *s, const strv *from, const strv *to, strv *out)
{
    size_t i = 0;
    while (i < s->n) {
        if (from->n && i + from->n <= s->n && !memcmp(s->p + i, from->p, from->n)) {
            if (!sv_append(out, to->p ? to->p : "", to->n))
                return;
            i += from->n;
        } else {
            if (!sv_append(out, s->p + i, 1))
                return;
            i++;
        }
    }
}

static bool parse_term(ev *e, strv *out)
{
    if (e->i >= e->n || ++e->depth > 64)
        return false;
    const tok *t = &e->t[e->i];
    bool ok = false;
    if (t->k == T_STR) {
        e->i++;
        ok = sv_append(out, t->p, t->n);
    } else if (t->k == T_NUM) {
        e->i++;
        ok = sv_append(out, t->p, t->n);
    } else if (op_is(t, '(')) {
        e->i++;
        ok = parse_expr(e, out) && expect(e, ')');
    } else if (t->k == T_ID) {
        e->i++;
        if (tok_is(t, "chr") || tok_is(t, "chrw") || tok_is(t, "chr$") || tok_is(t, "chrw$") ||
            tok_is(t, "chrb") || tok_is(t, "chrb$")) {
            double v;
            if (expect(e, '(') && parse_num(e, &v) && expect(e, ')') && v >= 0 && v < 0x110000) {
                char u[8];
                size_t n = eg_utf8_encode((unsigned)v, u);
                ok = sv_append(out, u, n);
                e->interesting++;
            }
        } else if (tok_is(t, "strreverse")) {
            strv a = {0};
            if ((ok = call_args(e, &a, 1))) {
                for (size_t k = 0; k < a.n / 2; k++) {
                    char c = a.p[k];
                    a.p[k] = a.p[a.n - 1 - k];
                    a.p[a.n - 1 - k] = c;
                }
                ok = sv_append(out, a.p ? a.p : "", a.n);
                e->interesting++;
            }
            free(a.p);
        } else if (tok_is(t, "replace")) {
            strv a[3] = {{0}};
            if ((ok = call_args(e, a, 3))) {
                replace_all(&a[0], &a[1], &a[2], out);
                e->interesting++;
            }
            free(a[0].p), free(a[1].p), free(a[2].p);
        } else if (tok_is(t, "lcase") || tok_is(t, "ucase") || tok_is(t, "lcase$") ||
                   tok_is(t, "ucase$")) {
            strv a = {0};
            bool up = tolower((unsigned char)t->p[0]) == 'u';
            if ((ok = call_args(e, &a, 1))) {
                for (size_t k = 0; k < a.n; k++)
                    a.p[k] = (char)(up ? toupper((unsigned char)a.p[k])
                                       : tolower((unsigned char)a.p[k]));
                ok = sv_append(out, a.p ? a.p : "", a.n);
            }
            free(a.p);
        } else {
            var *v = find_var(e->d, t->p, t->n);
            if (v && !(e->i < e->n && op_is(&e->t[e->i], '('))) {
                ok = sv_append(out, v->v.p ? v->v.p : "", v->v.n);
                e->interesting++;
            }
        }
    }
    e->depth--;
    return ok;
}

static bool parse_expr(ev *e, strv *out)
{
    if (!parse_term(e, out))
        return false;
    while (e->i < e->n && (op_is(&e->t[e->i], '&') || op_is(&e->t[e->i], '+'))) {
        e->i++;
        if (!parse_term(e, out))
            return false;
        e->interesting++;
    }
    return true;
}

static void emit(decoder *d, const strv *v)
{
    if (v->n < 4)
        return;
    for (size_t i = 0; i < v->n; i++)
        eg_buf_putc(d->out, (v->p[i] == '\n' || v->p[i] == '\r') ? ' ' : (uint8_t)v->p[i]);
    eg_buf_putc(d->out, '\n');
    d->count++;
}

static void set_var(decoder *d, const tok *name, strv *v)
{
    var *x = find_var(d, name->p, name->n);
    if (!x) {
        if (d->nvars >= MAX_VARS || name->n >= sizeof x->name) {
            free(v->p);
            return;
        }
        x = &d->vars[d->nvars++];
        memcpy(x->name, name->p, name->n);
        x->name[name->n] = '\0';
    } else {
        free(x->v.p);
    }
    x->v = *v;
    *v = (strv){0};
}

static void decode_line(decoder *d, const char *line, size_t len)
{
    tok *toks = d->toks;
    size_t n = tokenize(line, len, toks, MAX_TOKENS, d->arena);
    size_t i = 0;
    if (n && tok_is(&toks[0], "set"))
        i = 1;
    /* assignment: name = expr */
    if (n >= i + 3 && toks[i].k == T_ID && op_is(&toks[i + 1], '=')) {
        ev e = {toks, n, i + 2, d, 0, 0};
        strv v = {0};
        if (parse_expr(&e, &v) && e.i == n) {
            if (e.interesting)
                emit(d, &v);
            set_var(d, &toks[i], &v);
            return;
        }
        free(v.p);
    }
    /* anywhere else: the longest decodable expression starting at each literal or Chr(). The
     * tokens all attempts walk are counted: a chain that fails at its end ("v&v&v&...)") would
     * otherwise be parsed again from each of its terms, quadratic in a 4096-token line. */
    size_t walked = 0;
    for (size_t k = 0; k < n && walked <= 8 * n; k++) {
        if (!(toks[k].k == T_STR ||
              (toks[k].k == T_ID &&
               (tok_is(&toks[k], "chr") || tok_is(&toks[k], "chrw") ||
                tok_is(&toks[k], "strreverse") || tok_is(&toks[k], "replace") ||
                find_var(d, toks[k].p, toks[k].n)))))
            continue;
        ev e = {toks, n, k, d, 0, 0};
        strv v = {0};
        /* a bare variable re-emits what was already shown at its assignment */
        int need = toks[k].k == T_ID && find_var(d, toks[k].p, toks[k].n) ? 2 : 1;
        bool ok = parse_expr(&e, &v);
        walked += e.i > k ? e.i - k : 1;
        if (ok && e.interesting >= need) {
            emit(d, &v);
            k = e.i - 1;
        }
        free(v.p);
    }
}

/* Calls fn for each logical line (continuations " _" joined) with its 1-based number. */
typedef void (*line_fn)(void *ud, const char *line, size_t len, size_t lineno, size_t off);

static void for_lines(const char *src, size_t len, line_fn fn, void *ud)
{
    eg_buf joined;
    eg_office_buf_init(&joined, MAX_VALUE);
    size_t i = 0, lineno = 1, start_line = 1, start_off = 0;
    while (i < len) {
        size_t a = i;
        while (i < len && src[i] != '\n' && src[i] != '\r')
            i++;
        size_t b = i;
        if (i < len && src[i] == '\r')
            i++;
        if (i < len && src[i] == '\n')
            i++;
        if (!joined.len) {
            start_line = lineno;
            start_off = a;
        }
        size_t e = b;
        while (e > a && (src[e - 1] == ' ' || src[e - 1] == '\t'))
            e--;
        bool cont = e >= a + 2 && src[e - 1] == '_' && src[e - 2] == ' ';
        eg_buf_append(&joined, src + a, cont ? e - a - 1 : b - a);
        lineno++;
        if (!cont || i >= len) {
            fn(ud, joined.data ? (const char *)joined.data : "", joined.len, start_line, start_off);
            joined.len = 0;
        }
    }
    eg_buf_free(&joined);
}

static void decode_cb(void *ud, const char *line, size_t len, size_t lineno, size_t off)
{
    decoder *d = ud;
    (void)lineno, (void)off;
    char *arena = malloc(len + 1);
    if (!arena)
        return;
    d->arena = arena;
    decode_line(d, line, len);
    free(arena);
    d->arena = NULL;
}

size_t eg_vba_decode_strings(const char *src, size_t len, eg_buf *out)
{
    eg_buf_reserve(out, 1);
    decoder *d = calloc(1, sizeof *d);
    if (!d)
        return 0;
    d->out = out;
    for_lines(src, len, decode_cb, d);
    size_t n = d->count;
    for (size_t i = 0; i < d->nvars; i++)
        free(d->vars[i].v.p);
    free(d);
    return n;
}

/* ---------------- keyword analysis ---------------- */

static const char *const AUTOEXEC_NAMES[] = {"autoopen",
                                             "autoclose",
                                             "autoexec",
                                             "autonew",
                                             "autoexit",
                                             "auto_open",
                                             "auto_close",
                                             "document_open",
                                             "document_close",
                                             "document_new",
                                             "workbook_open",
                                             "workbook_close",
                                             "workbook_activate",
                                             "workbook_beforeclose",
                                             "document_contentcontrolonenter",
                                             "presentation_open",
                                             "app_documentopen",
                                             "app_workbookopen"};
static const char *const AUTOEXEC_SUFFIXES[] = {"_layout",    "_painted",    "_click",
                                                "_change",    "_gotfocus",   "_resize",
                                                "_mousemove", "_initialize", "_activate"};

static const char *const EXEC_WORDS[] = {
    "shell",         "wscript.shell", "shell.application", "shellexecute", "shellexecutea",
    "win32_process", "winmgmts",      "powershell",        "callbyname",   "executeexcel4macro",
    "macscript",     "createprocess", "createprocessa",    "winexec",      "mshta",
    "regsvr32",      "rundll32"};
static const char *const DOWNLOAD_WORDS[] = {"urldownloadtofile",
                                             "urldownloadtofilea",
                                             "msxml2.xmlhttp",
                                             "microsoft.xmlhttp",
                                             "xmlhttp",
                                             "serverxmlhttp",
                                             "winhttp.winhttprequest",
                                             "winhttprequest",
                                             "adodb.stream",
                                             "savetofile",
                                             "downloadfile",
                                             "downloadstring",
                                             "internetexplorer.application",
                                             "invoke-webrequest",
                                             "bitsadmin",
                                             "net.webclient",
                                             "internetopenurla",
                                             "internetreadfile"};

typedef struct scan_ctx {
    eg_scan *s;
    const eg_object *obj;
    unsigned flags;
    size_t n_chr, n_replace, n_concat;
    bool strrev, long_b64, long_hex, xor_chr;
    char ev_auto[200], ev_exec[200], ev_dl[200], ev_decl[200], ev_create[200], ev_obf[200];
} scan_ctx;

static bool line_declares_auto(const char *l, size_t n, char *name, size_t namesz)
{
    const char *p = l, *e = l + n;
    static const char *const mods[] = {"private ", "public ", "friend ", "static "};
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < 4; i++) {
            size_t ml = strlen(mods[i]);
            if ((size_t)(e - p) > ml && !strncasecmp(p, mods[i], ml)) {
                p += ml;
                while (p < e && *p == ' ')
                    p++;
                again = 1;
            }
        }
    }
    if ((size_t)(e - p) > 4 && !strncasecmp(p, "sub ", 4))
        p += 4;
    else if ((size_t)(e - p) > 9 && !strncasecmp(p, "function ", 9))
        p += 9;
    else
        return false;
    while (p < e && *p == ' ')
        p++;
    size_t k = 0;
    while (p + k < e && (isalnum((unsigned char)p[k]) || p[k] == '_') && k + 1 < namesz) {
        name[k] = (char)tolower((unsigned char)p[k]);
        k++;
    }
    name[k] = '\0';
    for (size_t i = 0; i < sizeof AUTOEXEC_NAMES / sizeof *AUTOEXEC_NAMES; i++)
        if (!strcmp(name, AUTOEXEC_NAMES[i]))
            return true;
    for (size_t i = 0; i < sizeof AUTOEXEC_SUFFIXES / sizeof *AUTOEXEC_SUFFIXES; i++)
        if (eg_has_suffix_ci(name, AUTOEXEC_SUFFIXES[i]) &&
            strlen(name) > strlen(AUTOEXEC_SUFFIXES[i]))
            return true;
    return false;
}

static void keep(char *dst, size_t dsz, size_t lineno, const char *l, size_t n)
{
    if (dst[0])
        return;
    if (n > 160)
        n = 160;
    snprintf(dst, dsz, "line %zu: %.*s", lineno, (int)n, l);
}

/* A line in lower case with the set of letters a-z it holds: a word needing a letter the line
 * lacks is not searched at all (each line is tested for some forty words). */
typedef struct lcline {
    char *s;
    size_t n;
    uint32_t letters;
} lcline;

static uint32_t letters_of(const char *s, size_t n)
{
    uint32_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            m |= 1u << (s[i] - 'a');
    return m;
}

static bool lc_make(lcline *L, const char *l, size_t n)
{
    L->s = malloc(n + 1);
    if (!L->s)
        return false;
    for (size_t i = 0; i < n; i++)
        L->s[i] = (char)tolower((unsigned char)l[i]);
    L->s[n] = '\0';
    L->n = n;
    L->letters = letters_of(L->s, n);
    return true;
}

/* Where w (lower case; wmask its letters, 0 to have them counted) may occur in L: NULL when a
 * letter of w is missing from the line. */
static const char *lc_find_m(const lcline *L, const char *w, size_t wl, uint32_t wmask)
{
    if ((wmask ? wmask : letters_of(w, wl)) & ~L->letters)
        return NULL;
    return memmem(L->s, L->n, w, wl);
}

static const char *lc_find(const lcline *L, const char *w, size_t wl)
{
    return lc_find_m(L, w, wl, 0);
}

/* w are lower-case words */
static const char *find_word_m(const lcline *L, const char *w, uint32_t wmask)
{
    size_t wl = strlen(w);
    const char *l = L->s, *p = lc_find_m(L, w, wl, wmask);
    size_t n = L->n;
    for (; p; p = memmem(p, (size_t)(l + n - p), w, wl)) {
        bool before = p == l || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool after = p + wl == l + n || !(isalnum((unsigned char)p[wl]) || p[wl] == '_');
        if (before && after)
            return p;
        p++;
    }
    return NULL;
}

static const char *find_word_lc(const lcline *L, const char *w)
{
    return find_word_m(L, w, 0);
}

/* masks: the letters of each word, filled on first use (any thread may fill a slot; they all
 * write the same value) */
static bool any_word(const lcline *L, const char *const *w, _Atomic uint32_t *masks, size_t nw)
{
    for (size_t i = 0; i < nw; i++) {
        uint32_t m = atomic_load_explicit(&masks[i], memory_order_relaxed);
        if (!m) {
            m = letters_of(w[i], strlen(w[i]));
            atomic_store_explicit(&masks[i], m, memory_order_relaxed);
        }
        if (find_word_m(L, w[i], m))
            return true;
    }
    return false;
}

#define N_EXEC (sizeof EXEC_WORDS / sizeof *EXEC_WORDS)
#define N_DOWNLOAD (sizeof DOWNLOAD_WORDS / sizeof *DOWNLOAD_WORDS)
static _Atomic uint32_t exec_masks[N_EXEC], download_masks[N_DOWNLOAD];

static bool is_exec(const lcline *L)
{
    return any_word(L, EXEC_WORDS, exec_masks, N_EXEC) || lc_find(L, "cmd /c", 6) ||
           lc_find(L, "cmd.exe", 7) || lc_find(L, "cmd /k", 6);
}

static void check_literals(scan_ctx *c, const char *l, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (l[i] != '"') {
            i++;
            continue;
        }
        size_t a = ++i;
        while (i < n && l[i] != '"')
            i++;
        size_t len = i - a;
        i++;
        /* a piece of a concatenation is judged whole, among the decoded strings */
        size_t before = a - 1, after = i;
        while (before > 0 && l[before - 1] == ' ')
            before--;
        while (after < n && l[after] == ' ')
            after++;
        bool piece = (before > 0 && (l[before - 1] == '&' || l[before - 1] == '+')) ||
                     (after < n && (l[after] == '&' || l[after] == '+'));
        if (len >= 100) {
            size_t b64 = 0, hex = 0;
            for (size_t k = a; k < a + len; k++) {
                unsigned char ch = (unsigned char)l[k];
                b64 += isalnum(ch) || ch == '+' || ch == '/' || ch == '=';
                hex += isxdigit(ch) != 0;
            }
            if (hex == len)
                c->long_hex = true;
            else if (b64 == len)
                c->long_b64 = true;
        }
        if (!piece && len >= 8 && eg_office_looks_like_cmd(l + a, len))
            eg_cmdline_analyze(c->s, c->obj, l + a, len, "VBA string");
    }
}

static size_t count_lc(const lcline *L, const char *w)
{
    size_t k = 0, wl = strlen(w), n = L->n;
    const char *l = L->s, *p = lc_find(L, w, wl);
    for (; p; p = memmem(p, (size_t)(l + n - p), w, wl)) {
        k++;
        p += wl;
    }
    return k;
}

static void analyze_cb(void *ud, const char *l, size_t n, size_t lineno, size_t off)
{
    scan_ctx *c = ud;
    (void)off;
    while (n && (*l == ' ' || *l == '\t'))
        l++, n--;
    if (!n || *l == '\'' || (n >= 4 && !strncasecmp(l, "rem ", 4)) ||
        (n >= 10 && !strncasecmp(l, "attribute ", 10)))
        return;
    char name[80];
    if (line_declares_auto(l, n, name, sizeof name)) {
        c->flags |= EG_VBA_F_AUTOEXEC;
        keep(c->ev_auto, sizeof c->ev_auto, lineno, l, n);
    }
    lcline lc;
    if (!lc_make(&lc, l, n))
        return;
    if (is_exec(&lc)) {
        c->flags |= EG_VBA_F_EXEC;
        keep(c->ev_exec, sizeof c->ev_exec, lineno, l, n);
    }
    if (any_word(&lc, DOWNLOAD_WORDS, download_masks, N_DOWNLOAD)) {
        c->flags |= EG_VBA_F_DOWNLOAD;
        keep(c->ev_dl, sizeof c->ev_dl, lineno, l, n);
    }
    if (find_word_lc(&lc, "declare") && find_word_lc(&lc, "lib")) {
        c->flags |= EG_VBA_F_DECLARE;
        keep(c->ev_decl, sizeof c->ev_decl, lineno, l, n);
    }
    if (find_word_lc(&lc, "createobject") || find_word_lc(&lc, "getobject")) {
        c->flags |= EG_VBA_F_CREATEOBJECT;
        keep(c->ev_create, sizeof c->ev_create, lineno, l, n);
    }
    size_t chr = count_lc(&lc, "chr(") + count_lc(&lc, "chrw(") + count_lc(&lc, "chr$(") +
                 count_lc(&lc, "chrb(");
    c->n_chr += chr;
    if (chr >= 5)
        keep(c->ev_obf, sizeof c->ev_obf, lineno, l, n);
    if (find_word_lc(&lc, "strreverse")) {
        c->strrev = true;
        keep(c->ev_obf, sizeof c->ev_obf, lineno, l, n);
    }
    c->n_replace += count_lc(&lc, "replace(");
    if (find_word_lc(&lc, "xor") && (lc_find(&lc, "chr", 3) || lc_find(&lc, "asc", 3))) {
        c->xor_chr = true; /* characters computed with XOR */
        keep(c->ev_obf, sizeof c->ev_obf, lineno, l, n);
    }
    free(lc.s);
    check_literals(c, l, n);
}

/* Command lines, URLs and keywords in decoded strings count like the source itself. */
static void analyze_decoded(scan_ctx *c, const char *dec, size_t len)
{
    size_t i = 0, shown = 0;
    while (i < len) {
        size_t a = i;
        while (i < len && dec[i] != '\n')
            i++;
        size_t n = i - a;
        i++;
        if (!n)
            continue;
        const char *l = dec + a;
        if (shown++ < 8)
            eg_scan_finding(c->s, c->obj, EG_R_VBA_DECODED, "%.*s", (int)(n > 240 ? 240 : n), l);
        lcline lc;
        if (!lc_make(&lc, l, n))
            break;
        if (is_exec(&lc)) {
            c->flags |= EG_VBA_F_EXEC;
            if (!c->ev_exec[0])
                snprintf(c->ev_exec, sizeof c->ev_exec, "decoded: %.*s", (int)(n > 160 ? 160 : n),
                         l);
        }
        bool dl = any_word(&lc, DOWNLOAD_WORDS, download_masks, N_DOWNLOAD);
        free(lc.s);
        if (dl) {
            c->flags |= EG_VBA_F_DOWNLOAD;
            if (!c->ev_dl[0])
                snprintf(c->ev_dl, sizeof c->ev_dl, "decoded: %.*s", (int)(n > 160 ? 160 : n), l);
        }
        if (eg_office_looks_like_cmd(l, n))
            eg_cmdline_analyze(c->s, c->obj, l, n, "VBA decoded string");
    }
}

/* One finding per XOR-decoded string (the first eight), naming the key that opened it. */
static void report_xor(scan_ctx *c, const char *dec, size_t dlen, const char *keys, size_t klen)
{
    size_t i = 0, j = 0, shown = 0;
    while (i < dlen && j < klen && shown < 8) {
        const char *d = dec + i, *de = memchr(d, '\n', dlen - i);
        const char *k = keys + j, *ke = memchr(k, '\n', klen - j);
        size_t dn = de ? (size_t)(de - d) : dlen - i, kn = ke ? (size_t)(ke - k) : klen - j;
        eg_scan_finding(c->s, c->obj, EG_R_VBA_DECODED, "XOR key %.*s: %.*s",
                        (int)(kn > 70 ? 70 : kn), k, (int)(dn > 200 ? 200 : dn), d);
        i += dn + 1;
        j += kn + 1;
        shown++;
    }
}

/* Long Base64 literals: decoded when they are text (UTF-16LE PowerShell or plain). */
static void decode_b64_literals(const char *src, size_t len, eg_buf *out)
{
    size_t i = 0;
    while (i < len) {
        if (src[i] != '"') {
            i++;
            continue;
        }
        size_t a = ++i;
        while (i < len && src[i] != '"' && src[i] != '\n')
            i++;
        size_t n = i - a;
        i++;
        if (n < 64)
            continue;
        size_t dl;
        uint8_t *d = eg_office_b64_decode(src + a, n, &dl);
        if (!d)
            continue;
        bool u16 = dl >= 8 && d[1] == 0 && d[3] == 0;
        size_t printable = 0;
        for (size_t k = 0; k < dl; k += u16 ? 2 : 1)
            printable += d[k] >= 0x20 && d[k] < 0x7F;
        if (printable * (u16 ? 2 : 1) >= dl * 9 / 10) {
            for (size_t k = 0; k < dl; k += u16 ? 2 : 1)
                eg_buf_putc(out, (d[k] >= 0x20 && d[k] < 0x7F) ? d[k] : ' ');
            eg_buf_putc(out, '\n');
        }
        free(d);
    }
}

eg_status eg_office_analyze_vba_source(eg_scan *s, const eg_object *obj)
{
    const char *src = (const char *)obj->data;
    size_t len = (size_t)obj->size;
    scan_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return EG_ENOMEM;
    c->s = s;
    c->obj = obj;
    for_lines(src, len, analyze_cb, c);
    eg_scan_iocs_from_text(s, obj, src, len);

    eg_buf dec;
    eg_office_buf_init(&dec, eg_office_cap(s, 4u << 20));
    /* XOR-decoded strings first, so the per-module cap on shown strings does not hide them */
    eg_buf keys;
    eg_office_buf_init(&keys, 1u << 20);
    size_t nxor = eg_vba_xor_decode(src, len, &dec, &keys);
    report_xor(c, (const char *)dec.data, dec.len, (const char *)keys.data, keys.len);
    eg_buf_free(&keys);
    size_t ndec = eg_vba_decode_strings(src, len, &dec);
    decode_b64_literals(src, len, &dec);
    if (dec.len) {
        analyze_decoded(c, (const char *)dec.data, dec.len);
        eg_scan_iocs_from_text(s, obj, (const char *)dec.data, dec.len);
        eg_child ch = {.name = "decoded strings",
                       .data = dec.data,
                       .size = dec.len,
                       .type = EG_T_TEXT,
                       .detail = "statically decoded VBA strings"};
        eg_scan_add_child(s, obj, &ch, NULL);
    }
    eg_buf_free(&dec);

    if (c->n_chr >= 10 || c->strrev || c->n_replace >= 3 || c->long_b64 || c->long_hex ||
        ndec >= 5 || nxor || c->xor_chr) {
        c->flags |= EG_VBA_F_OBFUSCATED;
        eg_scan_finding(
            s, obj, EG_R_VBA_OBFUSCATION,
            "%zu Chr() calls, %zu Replace(), StrReverse: %s, long Base64/hex: %s, XOR: %s%s%s",
            c->n_chr, c->n_replace, c->strrev ? "yes" : "no",
            (c->long_b64 || c->long_hex) ? "yes" : "no",
            nxor         ? "decoded"
            : c->xor_chr ? "yes"
                         : "no",
            c->ev_obf[0] ? "; " : "", c->ev_obf);
    }
    if (c->flags & EG_VBA_F_AUTOEXEC)
        eg_scan_finding(s, obj, EG_R_VBA_AUTOEXEC, "%s", c->ev_auto);
    if (c->flags & EG_VBA_F_EXEC)
        eg_scan_finding(s, obj, EG_R_VBA_EXECUTION, "%s", c->ev_exec);
    if (c->flags & EG_VBA_F_DOWNLOAD)
        eg_scan_finding(s, obj, EG_R_VBA_DOWNLOAD, "%s", c->ev_dl);
    if (c->flags & EG_VBA_F_DECLARE)
        eg_scan_finding(s, obj, EG_R_VBA_DECLARE, "%s", c->ev_decl);
    if (c->flags & EG_VBA_F_CREATEOBJECT)
        eg_scan_finding(s, obj, EG_R_VBA_CREATEOBJECT, "%s", c->ev_create);

    /* the project is the parent: auto-exec in ThisDocument and Shell in Module1 combine */
    uint32_t project = obj->parent >= 0 ? (uint32_t)obj->parent : obj->id;
    unsigned all = eg_office_project_flags(s, project, c->flags);
    if ((all & EG_VBA_F_AUTOEXEC) && (all & (EG_VBA_F_EXEC | EG_VBA_F_DOWNLOAD)))
        eg_scan_finding(s, obj, EG_R_VBA_AUTOEXEC_EXECUTION, "%s%s%s",
                        c->ev_auto[0] ? c->ev_auto : "auto-exec in another module", " / ",
                        c->ev_exec[0] ? c->ev_exec
                        : c->ev_dl[0] ? c->ev_dl
                                      : "execution in another module");
    free(c);
    return EG_OK;
}
