/*
 * Values a JScript or VBScript builds at run time out of string pieces, recovered without running
 * it: assignments of literals, of other variables, of concatenations (+ &, +=), of array and
 * object literals and of elements looked up in them (a[3], o.k, o["k"]) are followed in order,
 * as a straight-line program. What the script then hands to eval / Execute / ExecuteGlobal /
 * new Function / execScript, and the ProgID it gives new ActiveXObject / CreateObject / GetObject
 * when that is not a literal, is reported with its recovered value.
 *
 * Not done: branches, loops, functions and string methods (Replace, split/reverse/join, Mid) are
 * not evaluated; an expression using one is unknown and its variable is left alone. Everything
 * is bounded: variables, elements, bytes per value and in all, tokens examined.
 */
#include "payload/payload_int.h"

#include "core/buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VARS 512
#define MAX_ITEMS 4096       /* elements of one array or object */
#define MAX_VALUE (1u << 20) /* bytes of one value */
#define MAX_TOTAL (8u << 20) /* bytes of all values together */
#define MAX_TOKENS 2000000u
#define MAX_WORK                                                                                   \
    (64u << 20) /* bytes copied while evaluating: x = x & "a" repeated is quadratic                \
                 */
#define NAME_MAX_LEN 63

typedef enum { TK_END, TK_STR, TK_ID, TK_NUM, TK_EOL, TK_P } tkind;

typedef struct {
    tkind k;
    size_t s, e; /* the token's text (for TK_STR: decoded into val) */
    char p;      /* TK_P: the punctuation character ('+' also for "+=") */
    bool pluseq; /* TK_P '+' written as "+=" / "&=" */
    char *val;   /* TK_STR: decoded literal */
    size_t vlen;
} token;

typedef struct {
    char key[NAME_MAX_LEN + 1];
    char *v;
    size_t n;
} item;

typedef struct {
    char name[NAME_MAX_LEN + 1];
    bool list;   /* array or object: items; else a string in items[0] */
    item *items; /* for a string: one item with an empty key */
    size_t n_items;
} var;

typedef struct {
    const char *t;
    size_t n, i;
    bool vbs;
    token cur;
    unsigned tokens;
    size_t work;
    var *vars;
    size_t n_vars;
    size_t total;
    eg_pl_eval *out;
    eg_buf *rec;
} ev;

static bool idc(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
           (!first && c >= '0' && c <= '9');
}

/* ---- tokens ---- */

static void tok_free(token *k)
{
    free(k->val);
    k->val = NULL;
}

static char hexv(char c)
{
    if (c >= '0' && c <= '9')
        return (char)(c - '0');
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 10) : -1;
}

/* A string literal from the quote at ev->i: "" doubles a quote in VBScript, JScript has
 * backslash escapes (\x41 and \u0041 for ASCII kept, others dropped). */
static void lex_string(ev *e, token *k)
{
    char q = e->t[e->i++];
    eg_buf b;
    eg_buf_init(&b, MAX_VALUE);
    while (e->i < e->n) {
        char c = e->t[e->i];
        if (c == '\n')
            break;
        if (c == q) {
            if (e->vbs && e->i + 1 < e->n && e->t[e->i + 1] == q) {
                eg_buf_putc(&b, (uint8_t)q);
                e->i += 2;
                continue;
            }
            e->i++;
            break;
        }
        if (c == '\\' && !e->vbs && e->i + 1 < e->n) {
            char x = e->t[e->i + 1];
            e->i += 2;
            int v = -1;
            if (x == 'x' && e->i + 2 <= e->n && hexv(e->t[e->i]) >= 0 &&
                hexv(e->t[e->i + 1]) >= 0) {
                v = hexv(e->t[e->i]) * 16 + hexv(e->t[e->i + 1]);
                e->i += 2;
            } else if (x == 'u' && e->i + 4 <= e->n) {
                int u = 0;
                bool ok = true;
                for (int j = 0; j < 4; j++) {
                    char h = hexv(e->t[e->i + j]);
                    ok = ok && h >= 0;
                    u = u * 16 + (h < 0 ? 0 : h);
                }
                if (ok) {
                    v = u < 0x80 ? u : -1;
                    e->i += 4;
                }
            } else if (x == 'n') {
                v = '\n';
            } else if (x == 't') {
                v = '\t';
            } else if (x == 'r') {
                v = '\r';
            } else {
                v = (unsigned char)x;
            }
            if (v >= 0)
                eg_buf_putc(&b, (uint8_t)v);
            continue;
        }
        eg_buf_putc(&b, (uint8_t)c);
        e->i++;
    }
    k->k = TK_STR;
    k->vlen = b.len;
    k->val = eg_buf_steal(&b, NULL);
    if (!k->val) {
        k->val = calloc(1, 1);
        k->vlen = 0;
    }
}

static void next(ev *e)
{
    token *k = &e->cur;
    tok_free(k);
    memset(k, 0, sizeof *k);
    if (++e->tokens > MAX_TOKENS || e->work > MAX_WORK) {
        e->out->stopped = true;
        k->k = TK_END;
        return;
    }
    for (;;) {
        while (e->i < e->n && (e->t[e->i] == ' ' || e->t[e->i] == '\t' || e->t[e->i] == '\r'))
            e->i++;
        if (e->i >= e->n) {
            k->k = TK_END;
            return;
        }
        char c = e->t[e->i];
        /* VBScript line continuation: " _" at a line end */
        if (e->vbs && c == '_' &&
            (e->i + 1 >= e->n || e->t[e->i + 1] == '\r' || e->t[e->i + 1] == '\n')) {
            while (e->i < e->n && e->t[e->i] != '\n')
                e->i++;
            if (e->i < e->n)
                e->i++;
            continue;
        }
        if ((e->vbs && c == '\'') ||
            (!e->vbs && c == '/' && e->i + 1 < e->n && e->t[e->i + 1] == '/')) {
            while (e->i < e->n && e->t[e->i] != '\n')
                e->i++;
            continue;
        }
        if (!e->vbs && c == '/' && e->i + 1 < e->n && e->t[e->i + 1] == '*') {
            const char *end = memmem(e->t + e->i + 2, e->n - e->i - 2, "*/", 2);
            e->i = end ? (size_t)(end - e->t) + 2 : e->n;
            continue;
        }
        break;
    }
    k->s = e->i;
    char c = e->t[e->i];
    if (c == '\n') {
        k->k = TK_EOL;
        e->i++;
    } else if (c == '"' || (!e->vbs && (c == '\'' || c == '`'))) {
        lex_string(e, k);
    } else if (idc(c, true)) {
        while (e->i < e->n && idc(e->t[e->i], false))
            e->i++;
        k->k = TK_ID;
    } else if (c >= '0' && c <= '9') {
        while (e->i < e->n && e->t[e->i] >= '0' && e->t[e->i] <= '9')
            e->i++;
        k->k = TK_NUM;
    } else {
        k->k = TK_P;
        k->p = c;
        e->i++;
        if ((c == '+' || c == '&') && e->i < e->n && e->t[e->i] == '=') {
            k->pluseq = true;
            k->p = '+';
            e->i++;
        } else if (c == '&') {
            k->p = '+'; /* VBScript concatenation */
        } else if (c == '=' && e->i < e->n && e->t[e->i] == '=') {
            k->p = '~'; /* comparison, not assignment */
            while (e->i < e->n && e->t[e->i] == '=')
                e->i++;
        }
    }
    k->e = e->i;
}

static bool is_id(const ev *e, const char *w)
{
    size_t l = strlen(w);
    return e->cur.k == TK_ID && e->cur.e - e->cur.s == l && !strncasecmp(e->t + e->cur.s, w, l);
}

static bool is_p(const ev *e, char p)
{
    return e->cur.k == TK_P && e->cur.p == p;
}

/* ---- variables ---- */

static var *find_var(ev *e, const char *name, size_t len)
{
    if (len > NAME_MAX_LEN)
        return NULL;
    for (size_t i = 0; i < e->n_vars; i++)
        if (strlen(e->vars[i].name) == len && !strncasecmp(e->vars[i].name, name, len))
            return &e->vars[i];
    return NULL;
}

static void clear_var(ev *e, var *v)
{
    for (size_t i = 0; i < v->n_items; i++) {
        e->total -= v->items[i].n;
        free(v->items[i].v);
    }
    free(v->items);
    v->items = NULL;
    v->n_items = 0;
}

static var *get_var(ev *e, const char *name, size_t len)
{
    var *v = find_var(e, name, len);
    if (v || len > NAME_MAX_LEN || e->n_vars >= MAX_VARS)
        return v;
    v = &e->vars[e->n_vars++];
    memset(v, 0, sizeof *v);
    memcpy(v->name, name, len);
    v->name[len] = 0;
    return v;
}

/* A value being computed: known or not. */
typedef struct {
    bool known;
    int terms;
    eg_buf b;
    size_t *work;
} val;

static void val_init(val *x, ev *e)
{
    x->known = true;
    x->terms = 0;
    x->work = &e->work;
    eg_buf_init(&x->b, MAX_VALUE);
}

static void val_add(val *x, const char *p, size_t n)
{
    x->terms++;
    *x->work += n;
    if (eg_buf_append(&x->b, p, n) != EG_OK)
        x->known = false;
}

static const item *lookup(const var *v, const char *key, size_t klen, long idx)
{
    if (!v || !v->list)
        return NULL;
    if (idx >= 0)
        return (size_t)idx < v->n_items ? &v->items[idx] : NULL;
    for (size_t i = 0; i < v->n_items; i++)
        if (strlen(v->items[i].key) == klen && !strncmp(v->items[i].key, key, klen))
            return &v->items[i];
    return NULL;
}

static void expr(ev *e, val *x);
static bool call_site(ev *e, bool after_new);

/* ---- string functions and methods ---- */

static bool as_num(const val *a, long *out)
{
    if (!a->known || !a->b.len || a->b.len > 9)
        return false;
    long v = 0;
    for (size_t i = 0; i < a->b.len; i++) {
        char c = (char)a->b.data[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

/* Up to 3 arguments after '(' up to ')'; false when one is not understood. */
static bool args(ev *e, val *a, int *na)
{
    *na = 0;
    next(e); /* '(' */
    if (is_p(e, ')')) {
        next(e);
        return true;
    }
    for (;;) {
        if (*na == 3)
            return false;
        val_init(&a[*na], e);
        expr(e, &a[*na]);
        (*na)++;
        if (!a[*na - 1].known)
            return false;
        if (is_p(e, ',')) {
            next(e);
            continue;
        }
        if (!is_p(e, ')'))
            return false;
        next(e);
        return true;
    }
}

static void set_val(val *x, const char *p, size_t n)
{
    x->b.len = 0;
    if (eg_buf_append(&x->b, p, n) != EG_OK)
        x->known = false;
    *x->work += n;
    if (x->terms < 2)
        x->terms = 2; /* transformed: an assembled value */
}

/* every `from` in x replaced by `to` (all of them, or the first only) */
static void replace_in(val *x, const val *from, const val *to, bool all)
{
    size_t fl = from->b.len, n = x->b.len;
    if (!fl) {
        return;
    }
    eg_buf o;
    eg_buf_init(&o, MAX_VALUE);
    const char *p = x->b.data ? (const char *)x->b.data : "";
    const char *f = (const char *)from->b.data;
    size_t i = 0;
    bool done = false;
    while (i < n) {
        if (!done && i + fl <= n && !memcmp(p + i, f, fl)) {
            eg_buf_append(&o, to->b.data ? to->b.data : (const uint8_t *)"", to->b.len);
            i += fl;
            done = !all;
            continue;
        }
        eg_buf_putc(&o, (uint8_t)p[i++]);
    }
    set_val(x, o.data ? (const char *)o.data : "", o.len);
    eg_buf_free(&o);
}

static void reverse_val(val *x)
{
    for (size_t i = 0, j = x->b.len; x->b.data && i + 1 < j; i++, j--) {
        uint8_t c = x->b.data[i];
        x->b.data[i] = x->b.data[j - 1];
        x->b.data[j - 1] = c;
    }
    *x->work += x->b.len;
    if (x->terms < 2)
        x->terms = 2;
}

static void slice_val(val *x, long from, long len)
{
    long n = (long)x->b.len;
    if (from < 0)
        from = 0;
    if (from > n)
        from = n;
    if (len < 0 || from + len > n)
        len = n - from;
    memmove(x->b.data ? x->b.data : (uint8_t *)"", x->b.data ? x->b.data + from : (uint8_t *)"",
            (size_t)len);
    x->b.len = (size_t)len;
    if (x->terms < 2)
        x->terms = 2;
}

static void case_val(val *x, bool upper)
{
    for (size_t i = 0; i < x->b.len; i++) {
        uint8_t c = x->b.data[i];
        if (upper && c >= 'a' && c <= 'z')
            x->b.data[i] = (uint8_t)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            x->b.data[i] = (uint8_t)(c + 32);
    }
}

static void free_args(val *a, int na)
{
    for (int i = 0; i < na; i++)
        eg_buf_free(&a[i].b);
}

/* VBScript StrReverse(s), Replace(s, a, b), LCase/UCase(s), Mid(s, n[, m]), Left(s, n),
 * Right(s, n). Returns false when the name is none of them. */
static bool vbs_function(ev *e, val *x)
{
    static const char *const fn[] = {"strreverse", "replace", "lcase", "ucase",
                                     "mid",        "left",    "right", NULL};
    int f = -1;
    for (int i = 0; fn[i]; i++)
        if (is_id(e, fn[i]))
            f = i;
    if (f < 0)
        return false;
    next(e);
    if (!is_p(e, '(')) {
        x->known = false;
        return true;
    }
    val a[3];
    int na = 0;
    bool ok = args(e, a, &na);
    long n1 = 0, n2 = -1;
    if (ok && na >= 1) {
        *x = a[0];
        a[0].b.data = NULL; /* moved */
        x->known = true;
        if (f == 0 && na == 1)
            reverse_val(x);
        else if (f == 1 && na == 3)
            replace_in(x, &a[1], &a[2], true);
        else if ((f == 2 || f == 3) && na == 1)
            case_val(x, f == 3);
        else if (f == 4 && na >= 2 && as_num(&a[1], &n1) && (na == 2 || as_num(&a[2], &n2)))
            slice_val(x, n1 - 1, na == 3 ? n2 : -1);
        else if (f == 5 && na == 2 && as_num(&a[1], &n1))
            slice_val(x, 0, n1);
        else if (f == 6 && na == 2 && as_num(&a[1], &n1))
            slice_val(x, (long)x->b.len - n1, n1);
        else
            x->known = false;
    } else {
        x->known = false;
    }
    free_args(a, na);
    return true;
}

/* .split(a) [.reverse()] .join(b), .replace("a", "b") (first only, as JScript does with a
 * string), .substr(s, l), .substring(s, e), .slice(s, e), .charAt(i), .toLowerCase(),
 * .toUpperCase() on a known value */
static void js_methods(ev *e, val *x)
{
    val sep;
    bool split = false, rev = false;
    for (int guard = 0; guard < 16 && x->known && is_p(e, '.'); guard++) {
        next(e);
        if (e->cur.k != TK_ID) {
            x->known = false;
            break;
        }
        size_t ms = e->cur.s, ml = e->cur.e - e->cur.s;
        next(e);
        if (!is_p(e, '(')) {
            x->known = false;
            break;
        }
        val a[3];
        int na = 0;
        if (!args(e, a, &na)) {
            free_args(a, na);
            x->known = false;
            break;
        }
#define M(w) (ml == strlen(w) && !strncmp(e->t + ms, w, ml))
        long n1 = 0, n2 = -1;
        if (M("split") && na == 1 && !split) {
            sep = a[0];
            a[0].b.data = NULL;
            split = true;
        } else if (M("reverse") && na == 0 && split) {
            rev = !rev;
        } else if (M("join") && na <= 1 && split) {
            /* parts of x by sep, in order or reversed, joined with the argument */
            eg_buf o;
            eg_buf_init(&o, MAX_VALUE);
            const char *p = x->b.data ? (const char *)x->b.data : "";
            size_t n = x->b.len, sl = sep.b.len;
            const char *j = na ? (a[0].b.data ? (const char *)a[0].b.data : "") : ",";
            size_t jl = na ? a[0].b.len : 1;
            size_t cnt = 0, starts[4096 + 1];
            size_t i = 0;
            starts[cnt++] = 0;
            while (i < n && cnt < 4096) {
                if (sl && i + sl <= n && !memcmp(p + i, sep.b.data, sl)) {
                    i += sl;
                    starts[cnt++] = i;
                } else if (!sl) {
                    starts[cnt++] = ++i;
                } else {
                    i++;
                }
            }
            if (!sl && cnt > 1)
                cnt--; /* "abc".split("") has n parts */
            if (i < n && cnt >= 4096) {
                x->known = false;
            } else {
                for (size_t k = 0; k < cnt; k++) {
                    size_t idx = rev ? cnt - 1 - k : k;
                    size_t b0 = starts[idx];
                    size_t b1 = idx + 1 < cnt ? starts[idx + 1] - sl : n;
                    if (!sl)
                        b1 = b0 + 1 <= n ? b0 + 1 : n;
                    if (k)
                        eg_buf_append(&o, j, jl);
                    eg_buf_append(&o, p + b0, b1 > b0 ? b1 - b0 : 0);
                }
                set_val(x, o.data ? (const char *)o.data : "", o.len);
            }
            eg_buf_free(&o);
            eg_buf_free(&sep.b);
            split = rev = false;
        } else if (M("replace") && na == 2 && !split) {
            replace_in(x, &a[0], &a[1], false);
        } else if ((M("substr") || M("substring") || M("slice")) && na >= 1 && !split &&
                   as_num(&a[0], &n1) && (na == 1 || as_num(&a[1], &n2))) {
            long len = na == 1 ? -1 : (M("substr") ? n2 : n2 - n1);
            slice_val(x, n1, len < 0 && na == 2 ? 0 : len);
        } else if (M("charAt") && na == 1 && !split && as_num(&a[0], &n1)) {
            slice_val(x, n1, 1);
        } else if ((M("toLowerCase") || M("toUpperCase")) && na == 0 && !split) {
            case_val(x, M("toUpperCase"));
        } else {
            x->known = false;
        }
#undef M
        free_args(a, na);
    }
    if (split) { /* split without join: a list, not a string */
        eg_buf_free(&sep.b);
        x->known = false;
    }
}

/* primary: literal | number | name | name[index] | name.key | name["key"] | ( expr ) | a string
 * function; then JScript string methods */
static void primary(ev *e, val *x)
{
    if (e->cur.k == TK_STR) {
        val_add(x, e->cur.val, e->cur.vlen);
        next(e);
        return;
    }
    if (e->cur.k == TK_NUM) {
        val_add(x, e->t + e->cur.s, e->cur.e - e->cur.s);
        next(e);
        return;
    }
    if (is_p(e, '(')) {
        next(e);
        expr(e, x);
        if (is_p(e, ')'))
            next(e);
        else
            x->known = false;
        return;
    }
    if (e->cur.k != TK_ID) {
        x->known = false;
        return;
    }
    /* a call whose argument may be computed: Set o = CreateObject(x), y = eval(z), new ... */
    bool after_new = false;
    if (is_id(e, "new")) {
        next(e);
        after_new = true;
    }
    if (e->cur.k == TK_ID && call_site(e, after_new)) {
        x->known = false;
        return;
    }
    if (after_new || e->cur.k != TK_ID) {
        x->known = false;
        return;
    }
    if (e->vbs && vbs_function(e, x))
        return;
    var *v = find_var(e, e->t + e->cur.s, e->cur.e - e->cur.s);
    next(e);
    const item *it = v && !v->list && v->n_items == 1 ? &v->items[0] : NULL;
    bool ok = v != NULL;
    for (int depth = 0; depth < 4; depth++) {
        if (is_p(e, '[') || (is_p(e, '(') && v && v->list)) { /* VBScript indexes with () */
            char close = is_p(e, '[') ? ']' : ')';
            next(e);
            long idx = -1;
            const char *key = NULL;
            size_t klen = 0;
            if (e->cur.k == TK_NUM) {
                idx = 0; /* the text is not NUL-terminated: no strtol */
                for (size_t d = e->cur.s; d < e->cur.e && idx < (long)MAX_ITEMS; d++)
                    idx = idx * 10 + (e->t[d] - '0');
            } else if (e->cur.k == TK_STR) {
                key = e->cur.val;
                klen = e->cur.vlen;
            } else {
                ok = false;
            }
            const item *f = ok ? lookup(v, key, klen, idx) : NULL;
            next(e);
            if (!is_p(e, close))
                ok = false;
            else
                next(e);
            it = f;
            ok = ok && f;
            v = NULL;
        } else if (is_p(e, '.') && v && v->list) {
            next(e);
            if (e->cur.k != TK_ID) {
                ok = false;
                break;
            }
            it = lookup(v, e->t + e->cur.s, e->cur.e - e->cur.s, -1);
            ok = ok && it;
            v = NULL;
            next(e);
        } else {
            break;
        }
    }
    if (is_p(e, '(')) /* a call: not evaluated */
        ok = false;
    if (ok && it)
        val_add(x, it->v, it->n);
    else
        x->known = false;
}

static void term(ev *e, val *x)
{
    val t;
    val_init(&t, e);
    primary(e, &t);
    if (t.known && !e->vbs && is_p(e, '.'))
        js_methods(e, &t);
    else if (t.known && is_p(e, '.'))
        t.known = false; /* a VBScript property or method */
    if (t.known) {
        val_add(x, t.b.data ? (const char *)t.b.data : "", t.b.len);
        x->terms += t.terms > 1 ? t.terms - 1 : 0;
    } else {
        x->known = false;
    }
    eg_buf_free(&t.b);
}

static void expr(ev *e, val *x)
{
    term(e, x);
    while (x->known && is_p(e, '+') && !e->cur.pluseq) {
        next(e);
        while (e->cur.k == TK_EOL) /* a concatenation continued on the next line (JScript) */
            next(e);
        term(e, x);
    }
}

static char *dup_val(ev *e, const char *p, size_t n, size_t *out_n)
{
    if (e->total + n > MAX_TOTAL)
        return NULL;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, p, n);
    d[n] = 0;
    e->total += n;
    *out_n = n;
    return d;
}

/* [a, b, ...] / new Array(a, b) / Array(a, b) / { k: v, "k": v } */
static void list_literal(ev *e, var *v, char close, bool object)
{
    clear_var(e, v);
    v->list = true;
    v->items = calloc(64, sizeof *v->items);
    size_t cap = v->items ? 64 : 0;
    next(e);
    while (e->cur.k != TK_END && !is_p(e, close) && v->n_items < MAX_ITEMS) {
        while (e->cur.k == TK_EOL)
            next(e);
        if (is_p(e, close))
            break;
        char key[NAME_MAX_LEN + 1] = "";
        if (object) {
            if (e->cur.k == TK_ID || e->cur.k == TK_NUM) {
                size_t l = e->cur.e - e->cur.s;
                if (l <= NAME_MAX_LEN) {
                    memcpy(key, e->t + e->cur.s, l);
                    key[l] = 0;
                }
            } else if (e->cur.k == TK_STR && e->cur.vlen <= NAME_MAX_LEN) {
                memcpy(key, e->cur.val, e->cur.vlen);
                key[e->cur.vlen] = 0;
            }
            next(e);
            if (!is_p(e, ':'))
                return;
            next(e);
        }
        val x;
        val_init(&x, e);
        expr(e, &x);
        if (v->n_items == cap) {
            item *ni = cap ? realloc(v->items, cap * 2 * sizeof *ni) : NULL;
            if (!ni) {
                eg_buf_free(&x.b);
                return;
            }
            memset(ni + cap, 0, cap * sizeof *ni);
            v->items = ni;
            cap *= 2;
        }
        item *it = &v->items[v->n_items++];
        memcpy(it->key, key, sizeof key);
        it->v =
            x.known ? dup_val(e, x.b.data ? (const char *)x.b.data : "", x.b.len, &it->n) : NULL;
        if (!it->v) {
            it->v = calloc(1, 1);
            it->n = 0;
        }
        eg_buf_free(&x.b);
        while (e->cur.k == TK_EOL)
            next(e);
        if (is_p(e, ','))
            next(e);
        else if (!is_p(e, close))
            return;
    }
}

static void record(ev *e, const char *p, size_t n)
{
    if (n < 4 || !e->rec)
        return;
    e->work += n;
    eg_buf_putc(e->rec, '"');
    for (size_t i = 0; i < n; i++) /* one line per value: the literal scanner stops at a newline */
        eg_buf_putc(e->rec, (uint8_t)(p[i] == '\n' || p[i] == '"' ? ' ' : p[i]));
    eg_buf_puts(e->rec, "\"\n");
    e->out->values++;
}

/* name = expr | name += expr | name = [..] | name = {..} | name = new Array(..) */
static void assignment(ev *e, size_t ns, size_t nl)
{
    bool add = e->cur.pluseq;
    next(e); /* the '=' or '+=' */
    var *v = get_var(e, e->t + ns, nl);
    if (!v)
        return;
    if (!add && (is_p(e, '[') || is_p(e, '{'))) {
        list_literal(e, v, is_p(e, '[') ? ']' : '}', is_p(e, '{'));
        return;
    }
    if (!add && is_id(e, "new")) {
        next(e);
        if (!is_id(e, "Array")) { /* new ActiveXObject(x), new Function(x): a call site */
            if (e->cur.k == TK_ID)
                call_site(e, true);
            clear_var(e, v);
            return;
        }
    }
    if (!add && is_id(e, "Array")) {
        next(e);
        if (is_p(e, '('))
            list_literal(e, v, ')', false);
        return;
    }
    val x;
    val_init(&x, e);
    if (add && v->n_items == 1 && !v->list)
        val_add(&x, v->items[0].v, v->items[0].n);
    else if (add)
        x.known = false;
    expr(e, &x);
    bool end = e->cur.k != TK_P || strchr(";)},:", e->cur.p);
    if (x.known && end) { /* the whole right-hand side was understood */
        const char *p = x.b.data ? (const char *)x.b.data : "";
        clear_var(e, v);
        v->list = false;
        v->items = calloc(1, sizeof *v->items);
        if (v->items) {
            v->items[0].v = dup_val(e, p, x.b.len, &v->items[0].n);
            v->n_items = v->items[0].v ? 1 : 0;
        }
        if (x.terms > 1)
            record(e, p, x.b.len);
    } else if (!x.known) {
        clear_var(e, v); /* unknown now: an older value would mislead */
    }
    eg_buf_free(&x.b);
}

static void copy_name(char *dst, size_t cap, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* eval(x) / Execute x / ExecuteGlobal(x) / new Function(x) / execScript(x) and
 * new ActiveXObject(x) / CreateObject(x) / GetObject(x), x not a plain literal */
static bool call_site(ev *e, bool after_new)
{
    static const char *const sinks[] = {"eval", "execute", "executeglobal", "execscript", NULL};
    static const char *const progs[] = {"createobject", "getobject", NULL};
    int kind = 0;
    char name[32];
    copy_name(name, sizeof name, e->t + e->cur.s, e->cur.e - e->cur.s);
    size_t b = e->cur.s;
    while (b > 0 && (e->t[b - 1] == ' ' || e->t[b - 1] == '\t'))
        b--;
    bool method =
        b > 0 && e->t[b - 1] == '.'; /* db.execute(q) is no sink; WScript.CreateObject is */
    for (size_t i = 0; sinks[i] && !method; i++)
        if (is_id(e, sinks[i]))
            kind = 1;
    if (after_new && is_id(e, "Function"))
        kind = 1;
    for (size_t i = 0; progs[i]; i++)
        if (is_id(e, progs[i]))
            kind = 2;
    if (after_new && is_id(e, "ActiveXObject"))
        kind = 2;
    if (!kind)
        return false;
    next(e);
    bool paren = is_p(e, '(');
    if (!paren && !(e->vbs && kind == 1 && (e->cur.k == TK_ID || e->cur.k == TK_STR)))
        return true; /* a word only: a property or a function named like this */
    if (paren)
        next(e);
    size_t as = e->cur.s;
    bool literal = e->cur.k == TK_STR;
    val x;
    val_init(&x, e);
    expr(e, &x);
    /* new Function("a", "b", body): the code is the last argument */
    for (int more = 0; paren && kind == 1 && is_p(e, ',') && more < 32; more++) {
        next(e);
        eg_buf_free(&x.b);
        as = e->cur.s;
        literal = e->cur.k == TK_STR;
        val_init(&x, e);
        expr(e, &x);
    }
    size_t ae = e->cur.s > as ? e->cur.s : as;
    if (literal && x.terms == 1) {
        eg_buf_free(&x.b);
        return true;
    }
    eg_pl_eval *o = e->out;
    const char *p = x.b.data ? (const char *)x.b.data : "";
    if (kind == 1) {
        if (!o->sinks++) {
            copy_name(o->sink, sizeof o->sink, name, strlen(name));
            copy_name(o->sink_arg, sizeof o->sink_arg, e->t + as, ae - as);
            if (x.known && x.b.len) {
                o->code = malloc(x.b.len);
                if (o->code) {
                    memcpy(o->code, p, x.b.len);
                    o->code_len = x.b.len;
                }
            }
        }
    } else {
        if (!o->progids++) {
            copy_name(o->progid_arg, sizeof o->progid_arg, e->t + as, ae - as);
            if (x.known)
                copy_name(o->progid, sizeof o->progid, p, x.b.len);
        }
        if (x.known)
            record(e, p, x.b.len);
    }
    eg_buf_free(&x.b);
    return true;
}

void eg_pl_script_eval(const char *t, size_t n, bool vbs, eg_buf *recovered, eg_pl_eval *out)
{
    memset(out, 0, sizeof *out);
    ev e = {.t = t, .n = n, .vbs = vbs, .out = out, .rec = recovered};
    e.vars = calloc(MAX_VARS, sizeof *e.vars);
    if (!e.vars)
        return;
    next(&e);
    bool stmt = true, after_new = false;
    while (e.cur.k != TK_END) {
        if (e.cur.k == TK_EOL || is_p(&e, ';') || is_p(&e, '{') || is_p(&e, '}') || is_p(&e, ':') ||
            is_p(&e, ')')) {
            stmt = true;
            after_new = false;
            next(&e);
            continue;
        }
        if (e.cur.k == TK_ID) {
            if (call_site(&e, after_new)) {
                after_new = false;
                stmt = false;
                continue;
            }
            after_new = is_id(&e, "new");
            if (stmt &&
                (is_id(&e, "var") || is_id(&e, "let") || is_id(&e, "const") || is_id(&e, "dim") ||
                 is_id(&e, "set") || is_id(&e, "public") || is_id(&e, "private"))) {
                next(&e);
                continue;
            }
            size_t ns = e.cur.s, nl = e.cur.e - e.cur.s;
            next(&e);
            if (stmt && (is_p(&e, '=') || (is_p(&e, '+') && e.cur.pluseq))) {
                assignment(&e, ns, nl);
                stmt = false;
                continue;
            }
            if (!is_p(&e, ','))
                stmt = false;
            continue;
        }
        stmt = is_p(&e, ',') ? stmt : false;
        next(&e);
    }
    tok_free(&e.cur);
    for (size_t i = 0; i < e.n_vars; i++)
        clear_var(&e, &e.vars[i]);
    free(e.vars);
}

void eg_pl_eval_free(eg_pl_eval *o)
{
    free(o->code);
    o->code = NULL;
}
