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
    bool plain; /* assigned a literal or an outside string as it is: reading it decodes nothing */
    size_t nlen;
    char name[160];
    strv v;
} var;

#define MAX_FUNCS 512
#define MAX_PARAMS 6
#define MAX_LOCALS 32
#define MAX_CALL_DEPTH 3
#define MAX_BODY 256       /* statements of a function body that is evaluated */
#define CALL_BUDGET 100000 /* tokens evaluated inside user functions, per module */
#define NAMESET 8192

/* A user Function whose straight-line body can be evaluated: its parameters and where its body
 * lies in the definitions' source. */
typedef struct func {
    size_t nlen;
    char name[160];
    char params[MAX_PARAMS][160];
    int nparams;
    size_t body_off, body_len;
} func;

/* What the pre-pass collects from the definitions' source, once per project. */
struct eg_vba_defs {
    const char *src; /* the source the functions and assignments were collected from */
    size_t len;
    func *funcs; /* grown as functions are found, up to MAX_FUNCS: most projects have a few */
    size_t nfuncs, capfuncs;
    func *open; /* the function whose header the pre-pass saw last */
    uint64_t
        assigned[NAMESET]; /* hashes of every name assigned, declared as parameter or procedure */
    size_t nassigned;
    tok *toks;
};

typedef struct frame {
    var vars[MAX_LOCALS];
    size_t n;
    const func *f;
} frame;

typedef struct decoder {
    var vars[MAX_VARS];
    size_t nvars;
    eg_buf *out;
    size_t count;
    char *arena; /* unescaped string literals of the current line */
    tok toks[MAX_TOKENS];
    const eg_vba_ctx *ctx;
    const eg_vba_defs *df; /* functions and assigned names of the project (or the module) */
    eg_vba_defs *own_df;   /* built here when the context brings none */
    frame frames[MAX_CALL_DEPTH];
    tok *call_toks[MAX_CALL_DEPTH];
    const char *doc; /* the document's text, when known */
    size_t doc_len;
    frame *fr;
    int call_depth;
    size_t budget;
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
    int external; /* a UserForm control's string was read */
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

static uint64_t name_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint64_t)tolower((unsigned char)p[i]);
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

static void nameset_add(eg_vba_defs *d, const char *p, size_t n)
{
    if (d->nassigned >= NAMESET / 2)
        return; /* full: nothing more is taken for Empty (see is_assigned) */
    uint64_t h = name_hash(p, n);
    for (size_t k = h % NAMESET;; k = (k + 1) % NAMESET) {
        if (d->assigned[k] == h)
            return;
        if (!d->assigned[k]) {
            d->assigned[k] = h;
            d->nassigned++;
            return;
        }
    }
}

static bool is_assigned(const eg_vba_defs *d, const char *p, size_t n)
{
    if (d->nassigned >= NAMESET / 2)
        return true;
    uint64_t h = name_hash(p, n);
    for (size_t k = h % NAMESET; d->assigned[k]; k = (k + 1) % NAMESET)
        if (d->assigned[k] == h)
            return true;
    return false;
}

/* "VBA.ChrW", "Strings.Replace": the library prefix is dropped */
static void strip_lib(const char **p, size_t *n)
{
    if (*n < 5 || !memchr(*p, '.', *n))
        return; /* the common case: no library prefix */
    static const char *const libs[] = {"vba.",        "strings.",          "interaction.",
                                       "conversion.", "keycodeconstants.", "constants."};
    for (size_t k = 0; k < sizeof libs / sizeof *libs; k++) {
        size_t l = strlen(libs[k]);
        if (*n > l && !strncasecmp(*p, libs[k], l)) {
            *p += l;
            *n -= l;
        }
    }
}

static bool is_name(const tok *t, const char *const *names, size_t n)
{
    const char *p = t->p;
    size_t l = t->n;
    strip_lib(&p, &l);
    if (!l || l > 16)
        return false; /* no built-in name is longer */
    char c0 = (char)tolower((unsigned char)p[0]);
    for (size_t k = 0; k < n; k++) /* names are lower case */
        if (names[k][0] == c0 && strlen(names[k]) == l && !strncasecmp(p, names[k], l))
            return true;
    return false;
}

#define IS(t, ...)                                                                                 \
    is_name((t), (const char *const[]){__VA_ARGS__},                                               \
            sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* wdKeyA..Z, vbKeyA..Z, wdKey0..9, vbKey0..9: key codes that are character codes */
static bool key_const(const char *p, size_t n, double *out)
{
    strip_lib(&p, &n);
    if (n != 6 || (strncasecmp(p, "wdkey", 5) && strncasecmp(p, "vbkey", 5)))
        return false;
    char c = p[5];
    if (isalpha((unsigned char)c))
        *out = toupper((unsigned char)c);
    else if (isdigit((unsigned char)c))
        *out = c;
    else
        return false;
    return true;
}

static const char *str_const(const char *p, size_t n)
{
    static const struct {
        const char *name, *val;
    } k[] = {{"vbcrlf", "\r\n"}, {"vbnewline", "\r\n"}, {"vbcr", "\r"},     {"vblf", "\n"},
             {"vbtab", "\t"},    {"vbnullstring", ""},  {"vbnullchar", ""}, {"vbback", "\b"}};
    strip_lib(&p, &n);
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        if (strlen(k[i].name) == n && !strncasecmp(p, k[i].name, n))
            return k[i].val;
    return NULL;
}

static bool parse_num(ev *e, double *out);
static var *find_var(decoder *d, const char *p, size_t n);
static bool expect(ev *e, char c);
static bool parse_expr(ev *e, strv *out);

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
    } else if (t->k == T_ID && key_const(t->p, t->n, out)) {
        e->i++;
        ok = true;
    } else if (t->k == T_ID && !(e->i + 1 < e->n && op_is(&e->t[e->i + 1], '('))) {
        /* a variable holding a number (a function's numeric parameter), a form's number */
        var *v = find_var(e->d, t->p, t->n);
        const char *vp = v ? v->v.p : NULL;
        size_t vn = v ? v->v.n : 0;
        const eg_vba_ctx *c = e->d->ctx;
        if (!v && c && c->lookup && memchr(t->p, '.', t->n))
            vp = c->lookup(c->ud, t->p, t->n, &vn);
        if (vp && vn && vn < 18) {
            char tmp[20], *end;
            memcpy(tmp, vp, vn);
            tmp[vn] = '\0';
            double x = strtod(tmp, &end);
            if (end == tmp + vn && x > -1e15 && x < 1e15) {
                *out = x;
                e->i++;
                ok = true;
            }
        }
    } else if (IS(t, "len") && e->i + 1 < e->n && op_is(&e->t[e->i + 1], '(')) {
        e->i++;
        strv a = {0};
        ok = expect(e, '(') && parse_expr(e, &a) && expect(e, ')');
        if (ok) /* characters, not UTF-8 bytes */
        {
            size_t chars = 0;
            for (size_t k = 0; k < a.n; k++)
                chars += ((unsigned char)a.p[k] & 0xC0) != 0x80;
            *out = (double)chars;
        }
        free(a.p);
    } else if (IS(t, "int", "fix", "clng", "cint") && e->i + 1 < e->n &&
               op_is(&e->t[e->i + 1], '(')) {
        e->i++;
        ok = expect(e, '(') && parse_num(e, out) && expect(e, ')');
        if (ok)
            *out = (double)(long long)*out;
    }
    e->depth--;
    return ok;
}

static bool parse_num(ev *e, double *out)
{
    if (!parse_num_term(e, out))
        return false;
    while (e->i < e->n && ((e->t[e->i].k == T_OP && strchr("+-*", e->t[e->i].p[0])) ||
                           (e->t[e->i].k == T_OTHER && e->t[e->i].p[0] == '/'))) {
        char op = e->t[e->i].p[0];
        e->i++;
        double r;
        if (!parse_num_term(e, &r))
            return false;
        if (op == '/' && r == 0)
            return false;
        *out = op == '+' ? *out + r : op == '-' ? *out - r : op == '*' ? *out * r : *out / r;
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

static var *find_in(var *v, size_t n, const char *p, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].nlen == len && !strncasecmp(v[i].name, p, len))
            return &v[i];
    return NULL;
}

static var *find_var(decoder *d, const char *p, size_t n)
{
    var *v = d->fr ? find_in(d->fr->vars, d->fr->n, p, n) : NULL;
    return v ? v : find_in(d->vars, d->nvars, p, n);
}

static const func *find_func(const decoder *d, const char *p, size_t n)
{
    const char *dot = memrchr(p, '.', n);
    if (dot) { /* Module1.Decode */
        n -= (size_t)(dot + 1 - p);
        p = dot + 1;
    }
    for (size_t i = 0; i < d->df->nfuncs; i++)
        if (d->df->funcs[i].nlen == n && !strncasecmp(d->df->funcs[i].name, p, n))
            return &d->df->funcs[i];
    return NULL;
}

/* nargs arguments, then optional ones that are parsed and ignored (Replace's start/count/
 * compare, Split's limit); *got is how many were given (NULL: all nargs required). */
static bool call_args_opt(ev *e, strv *args, int nargs, int *got)
{
    if (!expect(e, '('))
        return false;
    int a = 0;
    for (; a < nargs; a++) {
        if (a && !expect(e, ','))
            break;
        if (!parse_expr(e, &args[a]))
            return false;
    }
    if (got)
        *got = a;
    else if (a < nargs)
        return false;
    while (expect(e, ',')) {
        strv x = {0};
        bool ok = parse_expr(e, &x);
        free(x.p);
        if (!ok)
            return false;
    }
    return expect(e, ')');
}

static bool call_args(ev *e, strv *args, int nargs)
{
    return call_args_opt(e, args, nargs, NULL);
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

#define ARRAY_SEP '\x1F' /* elements of a Split() result, until Join() */

static bool run_func(ev *e, const func *f, strv *args, int nargs, strv *out);

/* ActiveDocument.Content(.Text), .Range(.Text), .StoryRanges(1), .StoryRanges.Item(1): the
 * document's main text when the analyzer could read it (a call's arguments are parsed and
 * ignored). */
static bool doc_text(ev *e, const tok *t, bool call, strv *out)
{
    static const char *const tails[] = {".content",
                                        ".content.text",
                                        ".range",
                                        ".range.text",
                                        ".storyranges",
                                        ".storyranges.item",
                                        ".content.formattedtext",
                                        ".range.formattedtext"};
    const eg_vba_ctx *c = e->d->ctx;
    if (!c || !c->lookup)
        return false;
    bool hit = false;
    for (size_t k = 0; k < sizeof tails / sizeof *tails && !hit; k++) {
        size_t l = strlen(tails[k]);
        hit = t->n > l && !strncasecmp(t->p + t->n - l, tails[k], l);
    }
    size_t vl = 0;
    const char *v = hit ? c->lookup(c->ud, "\001document", 9, &vl) : NULL;
    if (!v)
        return false;
    if (call) {
        double x;
        if (!expect(e, '(') || !parse_num(e, &x) || !expect(e, ')'))
            return false;
        if (e->i < e->n && e->t[e->i].k == T_ID && tok_is(&e->t[e->i], ".text"))
            e->i++;
    }
    e->interesting++;
    return sv_append(out, v, vl);
}

/* Form.Control.Prop (or Form.Control: its Value or Caption) from the project's UserForms. */
static bool form_value(ev *e, const tok *t, strv *out)
{
    const eg_vba_ctx *c = e->d->ctx;
    if (!c || !c->lookup || !memchr(t->p, '.', t->n) || t->n > 300)
        return false;
    char key[320];
    size_t n = t->n;
    memcpy(key, t->p, n);
    key[n] = '\0';
    size_t dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += key[i] == '.';
    size_t vl = 0;
    const char *v = NULL;
    if (dots == 2) {
        if (n > 5 && !strcasecmp(key + n - 5, ".text"))
            memcpy(key + n - 4, "value", 6), n++;
        v = c->lookup(c->ud, key, n, &vl);
    } else if (dots == 1) {
        static const char *const props[] = {".value", ".caption"};
        for (size_t k = 0; k < 2 && !v; k++) {
            snprintf(key + t->n, sizeof key - t->n, "%s", props[k]);
            v = c->lookup(c->ud, key, strlen(key), &vl);
        }
    }
    if (!v)
        return false;
    /* not "interesting" alone: a control's text as it is (a label's caption) is no decoded
     * string, what the macro makes of it is; it goes to the plain strings (command lines) */
    e->external = 1;
    return sv_append(out, v, vl);
}

static bool parse_term(ev *e, strv *out)
{
    if (e->i >= e->n || ++e->depth > 64)
        return false;
    const tok *t = &e->t[e->i];
    bool ok = false;
    const char *sc;
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
        bool call = e->i < e->n && op_is(&e->t[e->i], '(');
        if (IS(t, "chr", "chrw", "chr$", "chrw$", "chrb", "chrb$")) {
            double v;
            if (expect(e, '(') && parse_num(e, &v) && expect(e, ')') && v >= 0 && v < 0x110000) {
                char u[8];
                size_t n = eg_utf8_encode((unsigned)v, u);
                ok = sv_append(out, u, n);
                e->interesting++;
            }
        } else if (IS(t, "strreverse")) {
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
        } else if (IS(t, "replace", "replace$")) {
            strv a[3] = {{0}};
            if ((ok = call_args(e, a, 3))) {
                replace_all(&a[0], &a[1], &a[2], out);
                e->interesting++;
            }
            free(a[0].p), free(a[1].p), free(a[2].p);
        } else if (IS(t, "split")) {
            strv a[2] = {{0}};
            int got = 0;
            if ((ok = call_args_opt(e, a, 2, &got) && got >= 1)) {
                strv sep = {.p = (char *)" ", .n = 1}, mark = {.p = (char *)"\x1F", .n = 1};
                replace_all(&a[0], got == 2 ? &a[1] : &sep, &mark, out);
                e->interesting++;
            }
            free(a[0].p), free(a[1].p);
        } else if (IS(t, "join")) {
            strv a[2] = {{0}};
            int got = 0;
            if ((ok = call_args_opt(e, a, 2, &got) && got >= 1)) {
                strv sep = {.p = (char *)" ", .n = 1}, mark = {.p = (char *)"\x1F", .n = 1};
                replace_all(&a[0], &mark, got == 2 ? &a[1] : &sep, out);
                e->interesting++;
            }
            free(a[0].p), free(a[1].p);
        } else if (IS(t, "lcase", "ucase", "lcase$", "ucase$")) {
            strv a = {0};
            const char *p = t->p;
            size_t l = t->n;
            strip_lib(&p, &l);
            bool up = tolower((unsigned char)p[0]) == 'u';
            if ((ok = call_args(e, &a, 1))) {
                for (size_t k = 0; k < a.n; k++)
                    a.p[k] = (char)(up ? toupper((unsigned char)a.p[k])
                                       : tolower((unsigned char)a.p[k]));
                ok = sv_append(out, a.p ? a.p : "", a.n);
            }
            free(a.p);
        } else if (IS(t, "trim", "ltrim", "rtrim", "trim$", "ltrim$", "rtrim$", "cstr")) {
            strv a = {0};
            const char *p = t->p;
            size_t l = t->n;
            strip_lib(&p, &l);
            char k0 = (char)tolower((unsigned char)p[0]);
            if ((ok = call_args(e, &a, 1))) {
                size_t b = 0, z = a.n;
                if (k0 != 'c') {
                    while (k0 != 'r' && b < z && a.p[b] == ' ')
                        b++;
                    while (k0 != 'l' && z > b && a.p[z - 1] == ' ')
                        z--;
                }
                ok = sv_append(out, a.p ? a.p + b : "", z - b);
            }
            free(a.p);
        } else if (IS(t, "mid", "mid$", "left", "left$", "right", "right$")) {
            const char *p = t->p;
            size_t l = t->n;
            strip_lib(&p, &l);
            char k0 = (char)tolower((unsigned char)p[0]);
            strv a = {0};
            double x = 0, y = -1;
            bool good = expect(e, '(') && parse_expr(e, &a) && expect(e, ',') && parse_num(e, &x);
            if (good && k0 == 'm' && expect(e, ','))
                good = parse_num(e, &y);
            good = good && expect(e, ')');
            if (good && x >= 0 && x <= MAX_VALUE) {
                size_t from = 0, cnt = a.n;
                if (k0 == 'm') {
                    from = x >= 1 ? (size_t)x - 1 : 0;
                    if (from > a.n)
                        from = a.n;
                    cnt = a.n - from;
                    if (y >= 0 && (size_t)y < cnt)
                        cnt = (size_t)y;
                } else if (k0 == 'l') {
                    cnt = (size_t)x < a.n ? (size_t)x : a.n;
                } else {
                    cnt = (size_t)x < a.n ? (size_t)x : a.n;
                    from = a.n - cnt;
                }
                ok = sv_append(out, a.p ? a.p + from : "", cnt);
                e->interesting++;
            }
            free(a.p);
        } else if ((sc = str_const(t->p, t->n)) != NULL && !call) {
            ok = sv_append(out, sc, strlen(sc));
        } else {
            var *v = find_var(e->d, t->p, t->n);
            const func *f = v ? NULL : find_func(e->d, t->p, t->n);
            if (v && !call) {
                ok = sv_append(out, v->v.p ? v->v.p : "", v->v.n);
                if (!v->plain)
                    e->interesting++;
            } else if (f && (call || !f->nparams)) {
                strv a[MAX_PARAMS] = {{0}};
                int got = 0;
                if (!call || call_args_opt(e, a, f->nparams, &got))
                    ok = run_func(e, f, a, got, out);
                for (int k = 0; k < MAX_PARAMS; k++)
                    free(a[k].p);
            } else if (!call && form_value(e, t, out)) {
                ok = true;
            } else if (!v && !f && doc_text(e, t, call, out)) {
                ok = true;
            } else if (!call && !v && !memchr(t->p, '.', t->n) &&
                       !is_assigned(e->d->df, t->p, t->n)) {
                ok = true; /* never assigned anywhere: Empty, "" in a concatenation */
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
        size_t before = out->n;
        if (!parse_term(e, out))
            return false;
        if (before && out->n > before) /* joining an Empty decodes nothing */
            e->interesting++;
    }
    return true;
}

static void emit(decoder *d, const strv *v)
{
    if (v->n < 4 || d->fr || memchr(v->p, ARRAY_SEP, v->n))
        return; /* a Split() array is shown once joined */
    /* a piece of the document's own text is no decoded string: only what a macro made of it
     * (junk removed, characters mapped) is, so a manual that mentions PowerShell stays prose */
    if (d->doc && v->n >= 8 && memmem(d->doc, d->doc_len, v->p, v->n))
        return;
    for (size_t i = 0; i < v->n; i++) {
        char c = v->p[i];
        eg_buf_putc(d->out, (c == '\n' || c == '\r' || c == ARRAY_SEP) ? ' ' : (uint8_t)c);
    }
    eg_buf_putc(d->out, '\n');
    d->count++;
}

/* A control's string used as it is: kept apart, for the command-line analysis only. */
static void emit_plain(decoder *d, const strv *v)
{
    eg_buf *o = d->ctx ? d->ctx->plain : NULL;
    if (!o || v->n < 4 || d->fr)
        return;
    for (size_t i = 0; i < v->n; i++) {
        char c = v->p[i];
        eg_buf_putc(o, (c == '\n' || c == '\r' || c == ARRAY_SEP) ? ' ' : (uint8_t)c);
    }
    eg_buf_putc(o, '\n');
}

static void set_var(decoder *d, const tok *name, strv *v, bool plain)
{
    var *tab = d->fr ? d->fr->vars : d->vars;
    size_t *n = d->fr ? &d->fr->n : &d->nvars;
    size_t max = d->fr ? MAX_LOCALS : MAX_VARS;
    var *x = find_in(tab, *n, name->p, name->n);
    if (!x) {
        if (*n >= max || name->n >= sizeof x->name) {
            free(v->p);
            *v = (strv){0};
            return;
        }
        x = &tab[(*n)++];
        memcpy(x->name, name->p, name->n);
        x->name[name->n] = '\0';
        x->nlen = name->n;
        x->v = (strv){0};
    } else {
        free(x->v.p);
    }
    x->v = *v;
    x->plain = plain;
    *v = (strv){0};
}

static bool decodable_start(decoder *d, const tok *t)
{
    if (t->k == T_STR)
        return true;
    if (t->k != T_ID)
        return false;
    return IS(t, "chr", "chrw", "chr$", "chrw$", "strreverse", "replace", "split", "join") ||
           find_var(d, t->p, t->n) || find_func(d, t->p, t->n) ||
           (d->ctx && d->ctx->lookup && memchr(t->p, '.', t->n));
}

/* One statement: an assignment is evaluated and kept; elsewhere, the longest decodable
 * expression starting at each literal, variable or call. */
static void decode_tokens(decoder *d, tok *toks, size_t n)
{
    size_t i = 0;
    if (n && (tok_is(&toks[0], "set") || tok_is(&toks[0], "let") || tok_is(&toks[0], "const")))
        i = 1;
    if (n >= i + 3 && toks[i].k == T_ID && op_is(&toks[i + 1], '=')) {
        ev e = {toks, n, i + 2, d, 0, 0, 0};
        strv v = {0};
        if (parse_expr(&e, &v) && e.i == n) {
            if (e.interesting)
                emit(d, &v);
            else if (e.external)
                emit_plain(d, &v);
            set_var(d, &toks[i], &v, !e.interesting);
            return;
        }
        free(v.p);
    }
    if (d->fr)
        return; /* inside a function only assignments matter */
    /* The tokens all attempts walk are counted: a chain that fails at its end ("v&v&v&...)")
     * would otherwise be parsed again from each of its terms, quadratic in a 4096-token line. */
    size_t walked = 0;
    for (size_t k = 0; k < n && walked <= 8 * n; k++) {
        if (!decodable_start(d, &toks[k]))
            continue;
        ev e = {toks, n, k, d, 0, 0, 0};
        strv v = {0};
        /* a bare variable re-emits what was already shown at its assignment */
        int need = toks[k].k == T_ID && find_var(d, toks[k].p, toks[k].n) ? 2 : 1;
        bool ok = parse_expr(&e, &v);
        walked += e.i > k ? e.i - k : 1;
        if (ok && e.interesting >= need) {
            emit(d, &v);
            k = e.i - 1;
        } else if (ok && e.external && !e.interesting) {
            emit_plain(d, &v);
            k = e.i - 1;
        }
        free(v.p);
    }
}

/* The statements of a line: split at ':' outside strings (not ":=" named arguments). */
static void decode_statements(decoder *d, const char *line, size_t len, tok *toks, char *arena)
{
    size_t a = 0;
    bool in_str = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] == '"')
            in_str = !in_str;
        if (i < len && (in_str || line[i] != ':' || (i + 1 < len && line[i + 1] == '=')))
            continue;
        if (i < len && line[i] == '\'')
            break;
        size_t n = tokenize(line + a, i - a, toks, MAX_TOKENS, arena);
        if (d->fr) {
            if (d->budget < n) {
                d->budget = 0;
                return;
            }
            d->budget -= n;
        }
        decode_tokens(d, toks, n);
        a = i + 1;
    }
}

typedef struct call_ctx {
    decoder *d;
    tok *toks;
    size_t stmts;
} call_ctx;

static void for_lines(const char *src, size_t len,
                      void (*fn)(void *, const char *, size_t, size_t, size_t), void *ud);

static void call_line(void *ud, const char *line, size_t len, size_t lineno, size_t off)
{
    call_ctx *c = ud;
    (void)lineno, (void)off;
    if (!c->d->budget || ++c->stmts > MAX_BODY)
        return;
    char *arena = malloc(len + 1);
    if (!arena)
        return;
    decode_statements(c->d, line, len, c->toks, arena);
    free(arena);
}

/* Evaluates a user function's body with the arguments bound to its parameters; the result is
 * what it assigns to its own name. Bounded by call depth and a token budget per module. */
static bool run_func(ev *e, const func *f, strv *args, int nargs, strv *out)
{
    decoder *d = e->d;
    if (d->call_depth >= MAX_CALL_DEPTH || d->budget < 16)
        return false;
    d->budget -= 16; /* every call costs, even one with an empty body */
    /* one frame and one token array per call depth, made once per module */
    int lvl = d->call_depth;
    if (!d->call_toks[lvl] && !(d->call_toks[lvl] = malloc(MAX_TOKENS * sizeof(tok))))
        return false;
    tok *toks = d->call_toks[lvl];
    frame *fr = &d->frames[lvl];
    fr->n = 0;
    fr->f = f;
    for (int k = 0; k < f->nparams && k < MAX_LOCALS; k++) {
        snprintf(fr->vars[k].name, sizeof fr->vars[k].name, "%s", f->params[k]);
        fr->vars[k].nlen = strlen(fr->vars[k].name);
        fr->vars[k].plain = false;
        if (k < nargs) {
            fr->vars[k].v = args[k];
            args[k] = (strv){0};
        }
        fr->n++;
    }
    frame *saved = d->fr;
    d->fr = fr;
    d->call_depth++;
    call_ctx cc = {d, toks, 0};
    for_lines(d->df->src + f->body_off, f->body_len, call_line, &cc);
    d->call_depth--;
    d->fr = saved;
    var *r = find_in(fr->vars, fr->n, f->name, strlen(f->name));
    bool ok = r != NULL;
    if (ok)
        ok = sv_append(out, r->v.p ? r->v.p : "", r->v.n);
    for (size_t k = 0; k < fr->n; k++) {
        free(fr->vars[k].v.p);
        fr->vars[k].v = (strv){0};
    }
    fr->n = 0;
    if (ok)
        e->interesting++;
    return ok;
}

/* Calls fn for each logical line (continuations " _" joined) with its 1-based number and the
 * offset where it starts. */
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

/* ---- pre-pass: the names that get a value somewhere, and the user functions ---- */

static bool skip_word(const tok *t, size_t n, size_t *i, const char *w)
{
    if (*i < n && tok_is(&t[*i], w)) {
        (*i)++;
        return true;
    }
    return false;
}

/* Room for one more function, growing the array; the open function's pointer moves with it. */
static bool funcs_room(eg_vba_defs *d)
{
    if (d->nfuncs < d->capfuncs)
        return true;
    size_t cap = d->capfuncs ? d->capfuncs * 2 : 8;
    if (cap > MAX_FUNCS)
        cap = MAX_FUNCS;
    size_t open_at = d->open ? (size_t)(d->open - d->funcs) : 0;
    func *nf = realloc(d->funcs, cap * sizeof *nf);
    if (!nf)
        return false;
    d->funcs = nf;
    d->capfuncs = cap;
    if (d->open)
        d->open = nf + open_at;
    return true;
}

static void prepass_stmt(eg_vba_defs *d, tok *t, size_t n, size_t line_off, size_t line_end)
{
    size_t i = 0;
    while (skip_word(t, n, &i, "public") || skip_word(t, n, &i, "private") ||
           skip_word(t, n, &i, "friend") || skip_word(t, n, &i, "static"))
        ;
    bool is_func = i < n && tok_is(&t[i], "function");
    if (is_func || (i < n && tok_is(&t[i], "sub")) || (i < n && tok_is(&t[i], "property"))) {
        i++;
        if (i < n && (tok_is(&t[i], "get") || tok_is(&t[i], "let") || tok_is(&t[i], "set")))
            i++;
        if (i >= n || t[i].k != T_ID)
            return;
        const tok *name = &t[i++];
        nameset_add(d, name->p, name->n);
        func *f = NULL;
        if (is_func && d->nfuncs < MAX_FUNCS && name->n < sizeof f->name && funcs_room(d)) {
            f = &d->funcs[d->nfuncs];
            memset(f, 0, sizeof *f);
            memcpy(f->name, name->p, name->n);
            f->nlen = name->n;
            f->body_off = line_end;
        }
        /* parameters: the first identifier of each comma-separated part */
        bool want = true;
        for (; i < n; i++) {
            if (op_is(&t[i], ','))
                want = true;
            else if (t[i].k == T_ID && want && !tok_is(&t[i], "byval") && !tok_is(&t[i], "byref") &&
                     !tok_is(&t[i], "optional") && !tok_is(&t[i], "paramarray")) {
                nameset_add(d, t[i].p, t[i].n);
                if (f && f->nparams < MAX_PARAMS && t[i].n < sizeof f->params[0]) {
                    memcpy(f->params[f->nparams], t[i].p, t[i].n);
                    f->params[f->nparams][t[i].n] = '\0';
                    f->nparams++;
                }
                want = false;
            }
        }
        if (f) {
            d->nfuncs++;
            d->open = f;
        }
        return;
    }
    if (i + 1 < n && tok_is(&t[i], "end") && tok_is(&t[i + 1], "function")) {
        if (d->open && line_off >= d->open->body_off)
            d->open->body_len = line_off - d->open->body_off;
        d->open = NULL;
        return;
    }
    (void)(skip_word(t, n, &i, "set") || skip_word(t, n, &i, "let") ||
           skip_word(t, n, &i, "const") || skip_word(t, n, &i, "for") ||
           skip_word(t, n, &i, "redim") || skip_word(t, n, &i, "dim"));
    if (i + 1 < n && t[i].k == T_ID && (op_is(&t[i + 1], '=') || op_is(&t[i + 1], '(')))
        nameset_add(d, t[i].p, t[i].n);
}

static void prepass_cb(void *ud, const char *line, size_t len, size_t lineno, size_t off)
{
    eg_vba_defs *d = ud;
    (void)lineno;
    char *arena = malloc(len + 1);
    if (!arena)
        return;
    /* where the next line starts: past this one's line break in the source */
    const char *src = d->src;
    size_t end = off, total = d->len;
    while (end < total && src[end] != '\n')
        end++;
    if (end < total)
        end++;
    size_t a = 0;
    bool in_str = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] == '"')
            in_str = !in_str;
        if (i < len && (in_str || line[i] != ':' || (i + 1 < len && line[i + 1] == '=')))
            continue;
        size_t n = tokenize(line + a, i - a, d->toks, MAX_TOKENS, arena);
        prepass_stmt(d, d->toks, n, off, end);
        a = i + 1;
    }
    free(arena);
}

static void decode_cb(void *ud, const char *line, size_t len, size_t lineno, size_t off)
{
    decoder *d = ud;
    (void)lineno, (void)off;
    char *arena = malloc(len + 1);
    if (!arena)
        return;
    d->arena = arena;
    decode_statements(d, line, len, d->toks, arena);
    free(arena);
    d->arena = NULL;
}

eg_vba_defs *eg_vba_defs_build(const char *src, size_t len)
{
    eg_vba_defs *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->toks = malloc(MAX_TOKENS * sizeof *d->toks);
    if (!d->toks) {
        eg_vba_defs_free(d);
        return NULL;
    }
    d->src = src;
    d->len = len;
    for_lines(src, len, prepass_cb, d);
    for (size_t i = 0; i < d->nfuncs; i++)
        if (d->funcs[i].body_len == 0)
            d->funcs[i].body_off = len; /* no End Function: not evaluated */
    free(d->toks);
    d->toks = NULL;
    return d;
}

void eg_vba_defs_free(eg_vba_defs *d)
{
    if (!d)
        return;
    free(d->funcs);
    free(d->toks);
    free(d);
}

size_t eg_vba_decode_strings_ctx(const char *src, size_t len, const eg_vba_ctx *ctx, eg_buf *out)
{
    eg_buf_reserve(out, 1);
    decoder *d = calloc(1, sizeof *d);
    if (!d)
        return 0;
    d->out = out;
    d->ctx = ctx;
    d->df = ctx ? ctx->defs : NULL;
    if (!d->df && !(d->df = d->own_df = eg_vba_defs_build(src, len))) {
        free(d);
        return 0;
    }
    d->budget = CALL_BUDGET;
    if (ctx && ctx->lookup)
        d->doc = ctx->lookup(ctx->ud, "\001document", 9, &d->doc_len);
    for_lines(src, len, decode_cb, d);
    size_t n = d->count;
    for (size_t i = 0; i < d->nvars; i++)
        free(d->vars[i].v.p);
    for (int i = 0; i < MAX_CALL_DEPTH; i++)
        free(d->call_toks[i]);
    eg_vba_defs_free(d->own_df);
    free(d);
    return n;
}

size_t eg_vba_decode_strings(const char *src, size_t len, eg_buf *out)
{
    return eg_vba_decode_strings_ctx(src, len, NULL, out);
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
    /* call shapes judged once the whole module is seen */
    bool xml_load, xsl_transform;
    unsigned inject; /* INJ_* seen in Declare lines */
    char ev_create_call[200], ev_inject[200], ev_xsl[200], ev_progid[200];
    char hidden[32][64]; /* variables set to 0 / vbHide / False */
    size_t nhidden;
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
    snprintf(dst, dsz, "line %zu: \"%.*s\"", lineno, (int)n, l);
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

enum { INJ_ALLOC = 1, INJ_WRITE = 2, INJ_RUN = 4 };

/* Declared APIs (the name or the Alias string) that together run shellcode: memory allocated,
 * code copied into it, and a thread or a callback that jumps to it, or a function pointer that
 * gets called: DispCallFunc, or GetProcAddress whose results a loader writes into a fake COM
 * vtable in the allocated memory (the "VBA native code loader" of 2021 xlsb droppers). */
static unsigned inject_kind(const lcline *L)
{
    static const char *const alloc[] = {"virtualalloc", "ntallocatevirtualmemory", "heapalloc",
                                        "heapcreate"};
    static const char *const write[] = {"rtlmovememory", "writeprocessmemory", "copymemory",
                                        "ntwritevirtualmemory", "rtlcopymemory"};
    static const char *const run[] = {
        "createthread",        "createremotethread",  "enumdateformats",  "enumsystemlocales",
        "enumsystemcodepages", "enumtimeformats",     "enumcalendarinfo", "callwindowproc",
        "queueuserapc",        "enumwindows",         "enumchildwindows", "enumfontfamilies",
        "ntcreatethreadex",    "rtlcreateuserthread", "dispcallfunc",     "getprocaddress",
        "setwindowshookex"};
    unsigned k = 0;
    for (size_t i = 0; i < sizeof alloc / sizeof *alloc; i++)
        if (lc_find(L, alloc[i], strlen(alloc[i])))
            k |= INJ_ALLOC;
    for (size_t i = 0; i < sizeof write / sizeof *write; i++)
        if (lc_find(L, write[i], strlen(write[i])))
            k |= INJ_WRITE;
    for (size_t i = 0; i < sizeof run / sizeof *run; i++)
        if (lc_find(L, run[i], strlen(run[i])))
            k |= INJ_RUN;
    return k;
}

/* ".Create " / ".Create(" : the Create method of a Win32_Process object, whatever way its
 * ProgID was built (not CreateObject, CreateTextFile ...). */
static bool create_call(const lcline *L)
{
    const char *end = L->s + L->n;
    for (const char *p = lc_find(L, "create", 6); p;
         p = memmem(p + 1, (size_t)(end - p - 1), "create", 6)) {
        char nx = p + 6 < end ? p[6] : '\0';
        if (nx != ' ' && nx != '(')
            continue;
        const char *q = p; /* ". Create(" after a line continuation */
        while (q > L->s && q[-1] == ' ')
            q--;
        if (q > L->s && q[-1] == '.')
            return true;
    }
    return false;
}

/* ".Run x, 0" / ".Run(x, vbHide)" / ".Run x, False": a command run with its window hidden. */
static bool hidden_value(const char *v)
{
    return (v[0] == '0' && (v[1] == '\0' || v[1] == ',' || v[1] == ')' || v[1] == ' ')) ||
           !strncmp(v, "vbhide", 6) || !strncmp(v, "false", 5);
}

/* ".Run x, 0" / ".Run(x, vbHide)" / ".Run x, False", or a variable the module set to one of
 * those (hidden: its names, lower case, one per NUL-terminated slot). */
static bool hidden_run(const lcline *L, const char (*hidden)[64], size_t nhidden)
{
    const char *p = find_word_lc(L, "run");
    if (!p || p == L->s || p[-1] != '.')
        return false;
    const char *comma = memchr(p, ',', (size_t)(L->s + L->n - p));
    if (!comma)
        return false;
    comma++;
    while (*comma == ' ')
        comma++;
    if (hidden_value(comma))
        return true;
    size_t n = 0;
    while (isalnum((unsigned char)comma[n]) || comma[n] == '_')
        n++;
    for (size_t i = 0; n && i < nhidden; i++)
        if (strlen(hidden[i]) == n && !memcmp(hidden[i], comma, n))
            return true;
    return false;
}

/* "name = 0" (or vbHide, False): remembered for the window style of a later .Run */
static void note_hidden(scan_ctx *c, const lcline *L)
{
    const char *s = L->s, *e = s + L->n;
    size_t n = 0;
    while (s + n < e && (isalnum((unsigned char)s[n]) || s[n] == '_'))
        n++;
    const char *q = s + n;
    while (q < e && *q == ' ')
        q++;
    if (!n || n >= 64 || q >= e || *q != '=' || c->nhidden >= 32)
        return;
    q++;
    while (q < e && *q == ' ')
        q++;
    const char *t = e;
    while (t > q && t[-1] == ' ')
        t--;
    if (t - q == 1 ? *q == '0'
                   : ((t - q == 6 && !strncmp(q, "vbhide", 6)) ||
                      (t - q == 5 && !strncmp(q, "false", 5)))) {
        memcpy(c->hidden[c->nhidden], s, n);
        c->hidden[c->nhidden][n] = '\0';
        c->nhidden++;
    }
}

/* CreateObject(Form.Control.Tag), GetObject(ActiveDocument.…): a ProgID read from a control or
 * the document rather than written in the code. */
static bool hidden_progid(const lcline *L)
{
    static const char *const calls[] = {"createobject(", "getobject("};
    static const char *const props[] = {".tag",
                                        ".caption",
                                        ".value",
                                        ".text",
                                        ".controltiptext",
                                        ".groupname",
                                        ".content",
                                        ".range",
                                        ".storyranges",
                                        ".paragraphs",
                                        ".cells",
                                        ".comments",
                                        ".builtindocumentproperties",
                                        ".customdocumentproperties"};
    for (size_t k = 0; k < 2; k++) {
        const char *p = lc_find(L, calls[k], strlen(calls[k]));
        if (!p)
            continue;
        p += strlen(calls[k]);
        const char *e = memchr(p, ')', (size_t)(L->s + L->n - p));
        size_t n = e ? (size_t)(e - p) : (size_t)(L->s + L->n - p);
        if (memchr(p, '"', n))
            continue;
        for (size_t i = 0; i < sizeof props / sizeof *props; i++)
            if (memmem(p, n, props[i], strlen(props[i])))
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
        unsigned k = inject_kind(&lc);
        if (k & ~c->inject)
            keep(c->ev_inject, sizeof c->ev_inject, lineno, l, n);
        c->inject |= k;
    }
    if (find_word_lc(&lc, "showwindow"))
        c->flags |= EG_VBA_F_SHOWWINDOW;
    if (create_call(&lc)) {
        c->flags |= EG_VBA_F_CREATE_CALL;
        keep(c->ev_create_call, sizeof c->ev_create_call, lineno, l, n);
    }
    note_hidden(c, &lc);
    if (hidden_run(&lc, c->hidden, c->nhidden) || lc_find(&lc, ".shellexecute", 13) ||
        lc_find(&lc, ".exec(", 6) || lc_find(&lc, ".exec ", 6)) {
        c->flags |= EG_VBA_F_EXEC;
        keep(c->ev_exec, sizeof c->ev_exec, lineno, l, n);
    }
    /* an HTTP request by call shape, whatever object it was made on */
    if ((lc_find(&lc, ".open \"get\"", 11) || lc_find(&lc, ".open(\"get\"", 11) ||
         lc_find(&lc, ".responsebody", 13)) &&
        !(c->flags & EG_VBA_F_DOWNLOAD)) {
        c->flags |= EG_VBA_F_DOWNLOAD;
        keep(c->ev_dl, sizeof c->ev_dl, lineno, l, n);
    }
    if (lc_find(&lc, ".load ", 6) || lc_find(&lc, ".load(", 6) || lc_find(&lc, ".loadxml", 8))
        c->xml_load = true;
    if (lc_find(&lc, ".transformnode", 14)) {
        c->xsl_transform = true;
        keep(c->ev_xsl, sizeof c->ev_xsl, lineno, l, n);
    }
    if (hidden_progid(&lc))
        keep(c->ev_progid, sizeof c->ev_progid, lineno, l, n);
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
            eg_scan_finding(c->s, c->obj, EG_R_VBA_DECODED, "\"%.*s\"", (int)(n > 240 ? 240 : n),
                            l);
        lcline lc;
        if (!lc_make(&lc, l, n))
            break;
        if (is_exec(&lc)) {
            c->flags |= EG_VBA_F_EXEC;
            if (!c->ev_exec[0])
                snprintf(c->ev_exec, sizeof c->ev_exec, "decoded: \"%.*s\"",
                         (int)(n > 160 ? 160 : n), l);
        }
        bool dl = any_word(&lc, DOWNLOAD_WORDS, download_masks, N_DOWNLOAD);
        free(lc.s);
        if (dl) {
            c->flags |= EG_VBA_F_DOWNLOAD;
            if (!c->ev_dl[0])
                snprintf(c->ev_dl, sizeof c->ev_dl, "decoded: \"%.*s\"", (int)(n > 160 ? 160 : n),
                         l);
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
        eg_scan_finding(c->s, c->obj, EG_R_VBA_DECODED, "XOR key %.*s: \"%.*s\"",
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

typedef struct lookup_ud {
    eg_scan *s;
    uint32_t project;
} lookup_ud;

static const char *form_lookup(void *ud, const char *key, size_t klen, size_t *vlen)
{
    lookup_ud *l = ud;
    return eg_office_vba_project_lookup(l->s, l->project, key, klen, vlen);
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
    uint32_t project = obj->parent >= 0 ? (uint32_t)obj->parent : obj->id;
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
    lookup_ud lu = {s, project};
    eg_buf plain;
    eg_office_buf_init(&plain, 1u << 20);
    eg_vba_ctx vctx = {form_lookup, &lu, eg_office_vba_project_defs(s, project), &plain};
    size_t ndec = eg_vba_decode_strings_ctx(src, len, &vctx, &dec);
    decode_b64_literals(src, len, &dec);
    /* control strings used as they are: command lines and indicators only */
    for (size_t i = 0; i < plain.len;) {
        const char *l = (const char *)plain.data + i, *e = memchr(l, '\n', plain.len - i);
        size_t n = e ? (size_t)(e - l) : plain.len - i;
        if (n >= 8 && eg_office_looks_like_cmd(l, n))
            eg_cmdline_analyze(s, obj, l, n, "VBA form control string");
        i += n + 1;
    }
    if (plain.len)
        eg_scan_iocs_from_text(s, obj, (const char *)plain.data, plain.len);
    eg_buf_free(&plain);
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
    /* call shapes that execute whatever the decoded ProgID: Win32_Process.Create with a hidden
     * window (ShowWindow set on the startup object), shellcode through declared APIs, XSL with
     * script loaded and transformed */
    /* the Create call and the ShowWindow setting may sit in different modules */
    unsigned seen = eg_office_project_flags(
        s, project, c->flags & (EG_VBA_F_CREATE_CALL | EG_VBA_F_SHOWWINDOW));
    if ((seen & EG_VBA_F_CREATE_CALL) && (seen & EG_VBA_F_SHOWWINDOW) &&
        (c->flags & (EG_VBA_F_CREATE_CALL | EG_VBA_F_SHOWWINDOW))) {
        c->flags |= EG_VBA_F_EXEC;
        if (!c->ev_exec[0] || strncmp(c->ev_exec, "line", 4))
            snprintf(c->ev_exec, sizeof c->ev_exec, "%.150s (process started with ShowWindow set)",
                     c->ev_create_call[0] ? c->ev_create_call : "Create call in another module");
    }
    if ((c->inject & (INJ_ALLOC | INJ_WRITE | INJ_RUN)) == (INJ_ALLOC | INJ_WRITE | INJ_RUN)) {
        c->flags |= EG_VBA_F_EXEC;
        eg_scan_finding(s, obj, EG_R_VBA_INJECTION, "%s", c->ev_inject);
        if (!c->ev_exec[0])
            snprintf(c->ev_exec, sizeof c->ev_exec, "%s", c->ev_inject);
    }
    if (c->xsl_transform && c->xml_load) {
        c->flags |= EG_VBA_F_EXEC;
        eg_scan_finding(s, obj, EG_R_VBA_XSL_TRANSFORM, "%s", c->ev_xsl);
        if (!c->ev_exec[0])
            snprintf(c->ev_exec, sizeof c->ev_exec, "%s", c->ev_xsl);
    }
    if (c->ev_progid[0]) {
        c->flags |= EG_VBA_F_OBFUSCATED | EG_VBA_F_CREATEOBJECT;
        eg_scan_finding(s, obj, EG_R_VBA_HIDDEN_PROGID, "%s", c->ev_progid);
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
