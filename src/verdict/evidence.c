/*
 * Evidence templates (see evidence.h): the table, the check that a Japanese template takes the
 * English one's arguments, and the formatter that writes the Japanese form from the arguments
 * the analyzer passed for the English one.
 *
 * The Japanese form is written conversion by conversion: the arguments are first read in the
 * English template's order (the only order the caller's va_list can be read in), then each
 * conversion of the Japanese template takes its argument by position. A template pair that does
 * not match gives no Japanese text rather than undefined behaviour.
 */
#include "verdict/evidence.h"

#include "core/buf.h"
#include "core/strutil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const eg_evidence_template table[] = {
#define EG_EV(en, ja) {en, ja, EG_EV_FILE, false},
#define EG_EVP(en, ja) {en, ja, EG_EV_FILE, true},
#include "rules/evidence.def"
#undef EG_EV
#undef EG_EVP
};

#define N_TEMPLATES (sizeof table / sizeof table[0])
#define MAX_ARGS 24

size_t eg_evidence_count(void)
{
    return N_TEMPLATES;
}

const eg_evidence_template *eg_evidence_at(size_t i)
{
    return i < N_TEMPLATES ? &table[i] : NULL;
}

static int find(const char *en);

const char *eg_evidence_ja(const char *en)
{
    int i = en ? find(en) : -1;
    return i >= 0 ? table[i].ja : NULL;
}

/* ---- conversions ------------------------------------------------------------------------ */

/* what va_arg reads for a conversion */
typedef enum {
    K_NONE,
    K_INT,
    K_LONG,
    K_LLONG,
    K_SIZE,
    K_INTMAX,
    K_PTRDIFF,
    K_DOUBLE,
    K_STR,
    K_PTR
} kind;

typedef struct {
    const char *start; /* the '%' */
    size_t len;        /* through the conversion character */
    int pos;           /* n of %n$, 0 when none */
    int width_pos;     /* -1 none, 0 sequential '*', n for *n$ */
    int prec_pos;
    kind k;
    char conv;
    char flags[8], width[12], prec[12], lenmod[4];
} spec;

static int digits(const char **p)
{
    int v = 0;
    while (**p >= '0' && **p <= '9' && v < 10000)
        v = v * 10 + (*(*p)++ - '0');
    return v;
}

/* Parses the conversion at *p ('%' already seen at *p). false for one this code does not know. */
static bool parse_spec(const char **pp, spec *s)
{
    const char *p = *pp + 1;
    memset(s, 0, sizeof *s);
    s->start = *pp;
    s->width_pos = s->prec_pos = -1;
    const char *q = p;
    int n = digits(&q);
    if (n && *q == '$')
        s->pos = n, p = q + 1;
    size_t fl = 0;
    while (*p && strchr("-+ #0'", *p) && fl + 1 < sizeof s->flags)
        s->flags[fl++] = *p++;
    if (*p == '*') {
        p++;
        q = p;
        n = digits(&q);
        s->width_pos = (n && *q == '$') ? (p = q + 1, n) : 0;
    } else {
        q = p;
        digits(&q);
        if ((size_t)(q - p) >= sizeof s->width)
            return false;
        memcpy(s->width, p, (size_t)(q - p));
        p = q;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            p++;
            q = p;
            n = digits(&q);
            s->prec_pos = (n && *q == '$') ? (p = q + 1, n) : 0;
        } else {
            q = p;
            digits(&q);
            if ((size_t)(q - p) + 1 >= sizeof s->prec)
                return false;
            s->prec[0] = '.';
            memcpy(s->prec + 1, p, (size_t)(q - p));
            p = q;
        }
    }
    size_t ll = 0;
    while (*p && strchr("hlzjt", *p) && ll + 1 < sizeof s->lenmod)
        s->lenmod[ll++] = *p++;
    s->conv = *p;
    if (!*p)
        return false;
    const char *lm = s->lenmod;
    switch (*p) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
        s->k = !*lm || !strcmp(lm, "h") || !strcmp(lm, "hh") ? K_INT
               : !strcmp(lm, "l")                            ? K_LONG
               : !strcmp(lm, "ll")                           ? K_LLONG
               : !strcmp(lm, "z")                            ? K_SIZE
               : !strcmp(lm, "j")                            ? K_INTMAX
               : !strcmp(lm, "t")                            ? K_PTRDIFF
                                                             : K_NONE;
        break;
    case 'f':
    case 'g':
    case 'e':
    case 'F':
    case 'G':
    case 'E': s->k = *lm ? K_NONE : K_DOUBLE; break;
    case 's': s->k = *lm ? K_NONE : K_STR; break;
    case 'p': s->k = K_PTR; break;
    default: s->k = K_NONE;
    }
    if (s->k == K_NONE)
        return false;
    s->len = (size_t)(p + 1 - *pp);
    *pp = p + 1;
    return true;
}

/* The argument kinds of a template in call order (an int for each '*'). -1 on an unknown or
 * mixed conversion. */
static int arg_kinds(const char *f, kind *out, size_t max, bool allow_pos, char *why, size_t wl)
{
    int n = 0;
    bool any_pos = false, any_seq = false;
    kind bypos[MAX_ARGS + 1] = {K_NONE};
    int maxpos = 0;
    for (const char *p = f; *p;) {
        if (*p != '%') {
            p++;
            continue;
        }
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        spec s;
        if (!parse_spec(&p, &s)) {
            snprintf(why, wl, "unknown conversion in \"%s\"", f);
            return -1;
        }
        if (s.pos) {
            any_pos = true;
            if (!allow_pos || s.pos > MAX_ARGS || s.width_pos == 0 || s.prec_pos == 0) {
                snprintf(why, wl, "positional conversion not allowed in \"%s\"", f);
                return -1;
            }
            int slots[3] = {s.width_pos, s.prec_pos, s.pos};
            kind ks[3] = {K_INT, K_INT, s.k};
            for (int i = 0; i < 3; i++) {
                if (slots[i] <= 0)
                    continue;
                if (bypos[slots[i]] != K_NONE && bypos[slots[i]] != ks[i]) {
                    snprintf(why, wl, "argument %d used with two types in \"%s\"", slots[i], f);
                    return -1;
                }
                bypos[slots[i]] = ks[i];
                if (slots[i] > maxpos)
                    maxpos = slots[i];
            }
            continue;
        }
        any_seq = true;
        if (s.width_pos > 0 || s.prec_pos > 0) {
            snprintf(why, wl, "mixed positional and sequential in \"%s\"", f);
            return -1;
        }
        if (s.width_pos == 0 && (size_t)n < max)
            out[n++] = K_INT;
        if (s.prec_pos == 0 && (size_t)n < max)
            out[n++] = K_INT;
        if ((size_t)n >= max) {
            snprintf(why, wl, "too many arguments in \"%s\"", f);
            return -1;
        }
        out[n++] = s.k;
    }
    if (any_pos && any_seq) {
        snprintf(why, wl, "mixed positional and sequential in \"%s\"", f);
        return -1;
    }
    if (any_pos) {
        for (int i = 1; i <= maxpos; i++) {
            if (bypos[i] == K_NONE) {
                snprintf(why, wl, "argument %d not used in \"%s\"", i, f);
                return -1;
            }
            out[i - 1] = bypos[i];
        }
        n = maxpos;
    }
    return n;
}

bool eg_evidence_specs_match(const char *en, const char *ja, char *why, size_t wl)
{
    char dummy[8];
    if (!why)
        why = dummy, wl = sizeof dummy;
    *why = 0;
    kind ke[MAX_ARGS], kj[MAX_ARGS];
    int ne = arg_kinds(en, ke, MAX_ARGS, false, why, wl);
    if (ne < 0)
        return false;
    int nj = arg_kinds(ja, kj, MAX_ARGS, true, why, wl);
    if (nj < 0)
        return false;
    if (ne != nj) {
        snprintf(why, wl, "%d arguments in English, %d in Japanese", ne, nj);
        return false;
    }
    for (int i = 0; i < ne; i++)
        if (ke[i] != kj[i]) {
            snprintf(why, wl, "argument %d has another type in Japanese", i + 1);
            return false;
        }
    return true;
}

/* ---- the index, built once ------------------------------------------------------------- */

/* Every finding looks up its template and most %s arguments are tried against the pieces: a
 * linear search with the formats parsed again per call cost about a twentieth of a whole scan.
 * What does not change per call is worked out once: a hash of each English form, whether the
 * pair matches, the English form's argument kinds, and each piece's literal text before its
 * first and after its last conversion. */

#define HASH_SLOTS 2048u /* a power of two, at least twice the number of templates */
_Static_assert(HASH_SLOTS >= 2 * (sizeof table / sizeof table[0]), "grow HASH_SLOTS");

typedef struct {
    bool ok;   /* the Japanese form takes the English form's arguments */
    int nargs; /* argument kinds of the English form, in call order */
    kind kinds[MAX_ARGS];
    size_t lead;      /* literal bytes before the first conversion (all of them when none) */
    const char *tail; /* literal text after the last conversion; NULL when none */
    size_t tail_len;
    bool tail_plain; /* the tail holds no '%' */
    bool bad_piece;  /* a conversion this code does not parse: never matches */
} tinfo;

static tinfo info[sizeof table / sizeof table[0]];
static uint16_t slots[HASH_SLOTS]; /* template index + 1; 0 = empty */
/* pieces by the first byte of their leading words, and those that start with a conversion; each
 * list in table order */
static uint16_t by_byte_idx[sizeof table / sizeof table[0]], lead0[sizeof table / sizeof table[0]];
static uint16_t by_byte_at[257]; /* pieces starting with byte b: by_byte_idx[at[b] .. at[b+1]) */
static size_t n_lead0;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void piece_shape(const char *t, tinfo *ti)
{
    const char *c = strchr(t, '%');
    ti->lead = c ? (size_t)(c - t) : strlen(t);
    ti->tail = NULL;
    for (const char *p = t; (p = strchr(p, '%'));) {
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        spec sp;
        if (!parse_spec(&p, &sp)) {
            ti->bad_piece = true;
            return;
        }
        ti->tail = p;
    }
    if (ti->tail) {
        ti->tail_len = strlen(ti->tail);
        ti->tail_plain = !strchr(ti->tail, '%');
    }
}

static void build_index(void)
{
    for (size_t i = 0; i < N_TEMPLATES; i++) {
        tinfo *ti = &info[i];
        char why[8];
        ti->ok = eg_evidence_specs_match(table[i].en, table[i].ja, NULL, 0);
        ti->nargs =
            ti->ok ? arg_kinds(table[i].en, ti->kinds, MAX_ARGS, false, why, sizeof why) : -1;
        if (ti->nargs < 0)
            ti->ok = false;
        if (table[i].piece) {
            piece_shape(table[i].en, ti);
            if (ti->lead == 0)
                lead0[n_lead0++] = (uint16_t)i;
            else
                by_byte_at[(uint8_t)table[i].en[0] + 1]++;
        }
        /* the first of equal English forms wins, as a search in table order would find */
        uint32_t h = hash_str(table[i].en) & (HASH_SLOTS - 1);
        while (slots[h] && strcmp(table[slots[h] - 1].en, table[i].en))
            h = (h + 1) & (HASH_SLOTS - 1);
        if (!slots[h])
            slots[h] = (uint16_t)(i + 1);
    }
    for (int b = 0; b < 256; b++)
        by_byte_at[b + 1] += by_byte_at[b];
    uint16_t fill[256];
    memcpy(fill, by_byte_at, sizeof fill);
    for (size_t i = 0; i < N_TEMPLATES; i++)
        if (table[i].piece && info[i].lead)
            by_byte_idx[fill[(uint8_t)table[i].en[0]]++] = (uint16_t)i;
}

static int find(const char *en)
{
    pthread_once(&index_once, build_index);
    for (uint32_t h = hash_str(en) & (HASH_SLOTS - 1); slots[h]; h = (h + 1) & (HASH_SLOTS - 1))
        if (!strcmp(table[slots[h] - 1].en, en))
            return slots[h] - 1;
    return -1;
}

/* ---- formatting ------------------------------------------------------------------------- */

typedef union {
    int i;
    long l;
    long long ll;
    size_t z;
    intmax_t j;
    ptrdiff_t t;
    double d;
    const char *s;
    void *p;
} arg;

/* appends src to the format being built in f (room for cap bytes, always NUL-terminated) */
static void fmt_cat(char *f, size_t *n, size_t cap, const char *src)
{
    size_t l = strlen(src);
    if (*n + l >= cap)
        l = cap - 1 - *n;
    memcpy(f + *n, src, l);
    *n += l;
    f[*n] = 0;
}

static void put_one(eg_buf *b, const spec *s, const arg *a, int width, int prec, bool quoted)
{
    /* A bare %s, the most common by far, needs no format of its own; the others get one built
     * by hand (four snprintf calls per argument were a tenth of the work of a finding). */
    bool bare = !s->flags[0] && s->width_pos < 0 && !s->width[0] && s->prec_pos < 0 && !s->prec[0];
    if (bare && s->k == K_STR) {
        const char *v = a->s ? a->s : "(null)";
        char *t = quoted ? NULL : eg_evidence_translate(v); /* see the K_STR case below */
        eg_buf_puts(b, t ? t : v);
        free(t);
        return;
    }
    char f[48] = "%", num[16];
    size_t fn = 1;
    fmt_cat(f, &fn, sizeof f, s->flags);
    if (s->width_pos >= 0) {
        snprintf(num, sizeof num, "%d", width);
        fmt_cat(f, &fn, sizeof f, num);
    } else {
        fmt_cat(f, &fn, sizeof f, s->width);
    }
    if (s->prec_pos >= 0) {
        snprintf(num, sizeof num, ".%d", prec);
        fmt_cat(f, &fn, sizeof f, num);
    } else {
        fmt_cat(f, &fn, sizeof f, s->prec);
    }
    fmt_cat(f, &fn, sizeof f, s->lenmod);
    char conv[2] = {s->conv, 0};
    fmt_cat(f, &fn, sizeof f, conv);
    switch (s->k) {
    case K_INT: eg_buf_printf(b, f, a->i); break;
    case K_LONG: eg_buf_printf(b, f, a->l); break;
    case K_LLONG: eg_buf_printf(b, f, a->ll); break;
    case K_SIZE: eg_buf_printf(b, f, a->z); break;
    case K_INTMAX: eg_buf_printf(b, f, a->j); break;
    case K_PTRDIFF: eg_buf_printf(b, f, a->t); break;
    case K_DOUBLE: eg_buf_printf(b, f, a->d); break;
    case K_PTR: eg_buf_printf(b, f, a->p); break;
    case K_STR: {
        /* a project phrase passed as an argument is written in Japanese too; what the template
         * quotes is the mail's and stays as it is */
        const char *v = a->s ? a->s : "(null)";
        /* an argument with a precision may be a buffer without a NUL (%.*s): never read past
         * its precision, so never translated */
        char *t = quoted || s->prec_pos >= 0 || s->prec[0] ? NULL : eg_evidence_translate(v);
        eg_buf_printf(b, f, t ? t : v);
        free(t);
        break;
    }
    default: break;
    }
}

char *eg_evidence_vformat_ja(const char *en_fmt, va_list ap)
{
    int ti = en_fmt ? find(en_fmt) : -1;
    if (ti < 0 || !info[ti].ok)
        return NULL;
    const char *ja = table[ti].ja;
    const kind *ks = info[ti].kinds;
    int n = info[ti].nargs;
    arg args[MAX_ARGS];
    va_list aq;
    va_copy(aq, ap);
    for (int i = 0; i < n; i++) {
        switch (ks[i]) {
        case K_INT: args[i].i = va_arg(aq, int); break;
        case K_LONG: args[i].l = va_arg(aq, long); break;
        case K_LLONG: args[i].ll = va_arg(aq, long long); break;
        case K_SIZE: args[i].z = va_arg(aq, size_t); break;
        case K_INTMAX: args[i].j = va_arg(aq, intmax_t); break;
        case K_PTRDIFF: args[i].t = va_arg(aq, ptrdiff_t); break;
        case K_DOUBLE: args[i].d = va_arg(aq, double); break;
        case K_STR: args[i].s = va_arg(aq, const char *); break;
        case K_PTR: args[i].p = va_arg(aq, void *); break;
        default: args[i].p = NULL;
        }
    }
    va_end(aq);
    eg_buf b;
    eg_buf_init(&b, 4096);
    int next = 0;
    bool quoted = false;
    for (const char *p = ja; *p;) {
        if (!strncmp(p, "「", 3) || !strncmp(p, "」", 3)) {
            quoted = p[2] == "「"[2];
            eg_buf_append(&b, p, 3);
            p += 3;
            continue;
        }
        if (*p != '%') {
            eg_buf_append(&b, p++, 1);
            continue;
        }
        if (p[1] == '%') {
            eg_buf_append(&b, "%", 1);
            p += 2;
            continue;
        }
        spec s;
        if (!parse_spec(&p, &s))
            break; /* cannot happen: the pair was checked */
        int width = 0, prec = 0;
        if (s.width_pos >= 0) {
            int k = s.width_pos ? s.width_pos - 1 : next++;
            width = k < n ? args[k].i : 0;
        }
        if (s.prec_pos >= 0) {
            int k = s.prec_pos ? s.prec_pos - 1 : next++;
            prec = k < n ? args[k].i : 0;
        }
        int k = s.pos ? s.pos - 1 : next++;
        if (k >= n)
            break;
        put_one(&b, &s, &args[k], width, prec, quoted);
    }
    char *r = eg_buf_steal(&b, NULL);
    eg_buf_free(&b);
    return r;
}

char *eg_evidence_format_ja(const char *en_fmt, ...)
{
    va_list ap;
    va_start(ap, en_fmt);
    char *r = eg_evidence_vformat_ja(en_fmt, ap);
    va_end(ap);
    return r;
}

/* ---- text already written in English ---------------------------------------------------- */

#define MAX_STEPS 4000     /* backtracking work for one match */
#define MAX_NEST 3         /* pieces inside pieces */
#define MAX_TRANSLATE 2048 /* longest text read back (a shortcut's target with its arguments) */

typedef struct {
    const char *at[MAX_ARGS];
    size_t len[MAX_ARGS];
    int n;
    unsigned steps;
} caps;

/* Matches text against a template's shape: literal text exactly, a number conversion a run of
 * digits, a string conversion as little text as lets the rest match. */
static bool match_from(const char *t, const char *x, caps *c)
{
    if (++c->steps > MAX_STEPS)
        return false;
    while (*t && *t != '%') {
        if (*t != *x)
            return false;
        t++, x++;
    }
    if (!*t)
        return !*x;
    if (t[1] == '%')
        return *x == '%' && match_from(t + 2, x + 1, c);
    spec s;
    const char *after = t;
    if (!parse_spec(&after, &s) || c->n >= MAX_ARGS || s.width_pos >= 0)
        return false;
    int slot = c->n++;
    if (s.prec_pos >= 0) { /* "%.*s": the precision is an argument of its own */
        c->at[slot] = "";
        c->len[slot] = 0;
        if (c->n >= MAX_ARGS)
            return c->n--, false;
        slot = c->n++;
    }
    size_t lim = strlen(x);
    if (s.k == K_STR) {
        for (size_t l = 0; l <= lim; l++) {
            c->at[slot] = x, c->len[slot] = l;
            int keep = c->n;
            if (match_from(after, x + l, c))
                return true;
            c->n = keep;
            if (c->steps > MAX_STEPS)
                break;
        }
    } else if (s.k != K_DOUBLE && s.k != K_PTR) {
        size_t l = (*x == '-') ? 1 : 0;
        bool hex = strchr("xX", s.conv) != NULL;
        while (l < lim && ((x[l] >= '0' && x[l] <= '9') || (hex && strchr("abcdefABCDEF", x[l]))))
            l++;
        if (l && !(l == 1 && *x == '-')) {
            c->at[slot] = x, c->len[slot] = l;
            if (match_from(after, x + l, c))
                return true;
        }
    }
    c->n = s.prec_pos >= 0 ? slot - 1 : slot;
    return false;
}

static char *translate(const char *en, int nest);

/* A cheap test before the match: the text starts with the template's words before its first
 * conversion and ends with those after its last one. */
static bool may_match(size_t i, const char *x, size_t xl)
{
    const tinfo *ti = &info[i];
    if (ti->bad_piece || ti->lead > xl || memcmp(table[i].en, x, ti->lead))
        return false;
    if (!ti->tail || !ti->tail_plain)
        return true;
    return ti->tail_len <= xl && !memcmp(x + xl - ti->tail_len, ti->tail, ti->tail_len);
}

/* ja with each conversion replaced by the text captured for it; unquoted captures that are
 * themselves project text are translated too */
static char *render(const char *ja, const caps *c, int nest)
{
    eg_buf b;
    eg_buf_init(&b, 4096);
    int next = 0;
    bool quoted = false;
    for (const char *p = ja; *p;) {
        if (!strncmp(p, "「", 3) || !strncmp(p, "」", 3)) {
            quoted = p[2] == "「"[2];
            eg_buf_append(&b, p, 3);
            p += 3;
            continue;
        }
        if (*p != '%' || p[1] == '%') {
            eg_buf_append(&b, p, 1);
            p += *p == '%' ? 2 : 1;
            continue;
        }
        spec s;
        if (!parse_spec(&p, &s))
            break;
        if (s.prec_pos >= 0 && !s.pos)
            next++; /* the precision's slot */
        int k = s.pos ? s.pos - 1 : next++;
        if (k >= c->n)
            break;
        char *sub = NULL;
        if (!quoted && s.k == K_STR && c->len[k]) {
            char *v = eg_strndup(c->at[k], c->len[k]);
            sub = v ? translate(v, nest + 1) : NULL;
            free(v);
        }
        if (sub)
            eg_buf_puts(&b, sub);
        else
            eg_buf_append(&b, c->at[k], c->len[k]);
        free(sub);
    }
    char *r = eg_buf_steal(&b, NULL);
    eg_buf_free(&b);
    return r;
}

/* Evidence made of parts joined by " | " (a shortcut's target, arguments, icon ...): each part
 * is translated by itself; a part without a Japanese form stays as it is. NULL when no part
 * has one. */
static char *segments(const char *en, int nest)
{
    static const char sep[] = " | ";
    if (!strstr(en, sep))
        return NULL;
    eg_buf b;
    eg_buf_init(&b, 8192);
    bool any = false;
    for (const char *p = en; p;) {
        const char *q = strstr(p, sep);
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char *part = eg_strndup(p, n);
        char *t = part ? translate(part, nest + 1) : NULL;
        any |= t != NULL;
        eg_buf_puts(&b, t ? t : part ? part : "");
        free(t);
        free(part);
        if (q)
            eg_buf_puts(&b, " | ");
        p = q ? q + strlen(sep) : NULL;
    }
    char *r = any ? eg_buf_steal(&b, NULL) : NULL;
    eg_buf_free(&b);
    return r;
}

/* A list of quoted values ("a.exe", "b.js"), as the archive analyzers write the names they
 * could not open: 「a.exe」、「b.js」. NULL when en is not one. */
static char *quoted_list(const char *en)
{
    size_t n = strlen(en);
    if (n < 2 || en[0] != '"' || en[n - 1] != '"')
        return NULL;
    eg_buf b;
    eg_buf_init(&b, 8192);
    eg_buf_puts(&b, "「");
    for (const char *p = en + 1; p < en + n - 1; p++) {
        if (!strncmp(p, "\", \"", 4) && p + 4 <= en + n - 1) {
            eg_buf_puts(&b, "」、「");
            p += 3;
        } else
            eg_buf_append(&b, p, 1);
    }
    eg_buf_puts(&b, "」");
    char *r = eg_buf_steal(&b, NULL);
    eg_buf_free(&b);
    return r;
}

static char *translate(const char *en, int nest)
{
    if (!en || !*en || nest > MAX_NEST)
        return NULL;
    char *list = strstr(en, "\", \"") ? quoted_list(en) : NULL;
    if (list)
        return list;
    const char *ja = eg_evidence_ja(en);
    if (ja && !strchr(en, '%'))
        return eg_strdup(ja);
    /* of the pieces that fit, the one that explains most of the text by its own words: "subject
     * \"%s\" vs no In-Reply-To/References" rather than "subject \"%s\" vs %s" */
    size_t best = N_TEMPLATES, best_fixed = 0, enl = strlen(en);
    caps bc = {.n = 0};
    /* the pieces that can fit: those whose words start as en does and those that start with a
     * conversion, merged in table order */
    const uint16_t *a = by_byte_idx + by_byte_at[(uint8_t)en[0]],
                   *a_end = by_byte_idx + by_byte_at[(uint8_t)en[0] + 1], *z = lead0,
                   *z_end = lead0 + n_lead0;
    while (a < a_end || z < z_end) {
        /* render() only puts captured text into the Japanese form, so a pair whose types differ
         * (the unit test forbids it) could not read past anything: no check per call here */
        size_t i = (z == z_end || (a < a_end && *a < *z)) ? *a++ : *z++;
        caps c = {.n = 0};
        if (!may_match(i, en, enl) || !match_from(table[i].en, en, &c))
            continue;
        size_t captured = 0;
        for (int k = 0; k < c.n; k++)
            captured += c.len[k];
        size_t fixed = strlen(en) - captured;
        if (best == N_TEMPLATES || fixed > best_fixed)
            best = i, best_fixed = fixed, bc = c;
    }
    if (best < N_TEMPLATES)
        return render(table[best].ja, &bc, nest);
    return segments(en, nest);
}

char *eg_evidence_translate(const char *en)
{
    /* evidence written ahead is short; longer text is content, not ours */
    if (!en || strnlen(en, MAX_TRANSLATE + 1) > MAX_TRANSLATE)
        return NULL;
    return translate(en, 0);
}
