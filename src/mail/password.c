/*
 * Password candidates from mail text (password.h).
 *
 * Each line is folded to a narrow form (full-width ASCII -> ASCII) with a map back to the raw
 * bytes, so labels are found once in the folded text while both the folded and the raw value
 * can be offered. Work is bounded: the first 1 MiB of text, 8 KiB per line, 64 bytes per value,
 * a fixed number of fallback tokens.
 */
#include "mail/password.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "text/width.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (1u << 20)
#define MAX_LINE 8192
#define MAX_LINES 40000
#define MAX_VALUE 64
#define MAX_RUN (4 * MAX_VALUE) /* the most of a line one value is read from */
#define MAX_NOTE 512            /* a note in brackets after a value, "(半角英数字)" */
#define MAX_TOKENS 150
#define COLON_REACH 40 /* "パスワード(半角英数字):" - how far a separator may follow a label */

/* A folded line is never longer than the raw one, so its arrays are sized by the longest line of
 * the text (at most MAX_LINE), not by MAX_LINE: most mails have short lines. */
typedef struct {
    char *n;       /* folded line, case kept */
    char *lc;      /* folded and ASCII lower-cased, for label search */
    uint16_t *map; /* folded offset -> raw offset (MAX_LINE fits) */
    size_t len;
    const char *raw;
} nline;

typedef struct {
    const char *where;
    bool many_lines;
    eg_password_fn fn;
    void *ud;
    size_t labelled;
    size_t tokens;
} ctx;

typedef struct {
    const char *s;
    bool ascii; /* needs word boundaries */
    bool weak;  /* common word or abbreviation: needs a separator before its value */
} label;

/* Longer variants first where one contains another at the same end. Labels are matched in the
 * folded text, so they are written folded: half-width "ｰ" (U+FF70) is "-" there. */
static const label labels[] = {
    {"解凍パスワード", false, false},
    {"暗号化パスワード", false, false},
    {"パスワード", false, false},
    {"ぱすわーど", false, false},
    {"ﾊﾟｽﾜ-ﾄﾞ", false, false},
    {"暗証番号", false, false},
    {"パスコード", false, false},
    {"解凍キー", false, false},
    {"解凍用キー", false, false},
    {"password", true, false},
    {"passwort", true, false},
    {"passwd", true, false},
    {"pass word", true, false},
    {"passcode", true, true},
    {"pass", true, true},
    {"pwd", true, true},
    {"p/w", true, true},
    {"pw", true, true},
    {"kennwort", true, false},
    {"mot de passe", true, false},
    {"contraseña", true, false},
    {"contrasena", true, false},
    {"senha", true, false},
    {"wachtwoord", true, false},
    {"parola", true, true},
    {"lösenord", true, false},
    {"hasło", true, false},
    {"пароль", false, false},
    {"Пароль", false, false}, /* only ASCII is case-folded */
    {"密码", false, false},
    {"密碼", false, false},
    {"비밀번호", false, false},
};

static const char *const opens[] = {"「", "『", "【", "\"", "'",  "(", "[",
                                    "<",  "〈", "《", "{",  "〔", NULL};
static const char *const closes[] = {"」", "』", "】", "\"", "'",  ")", "]",
                                     ">",  "〉", "》", "}",  "〕", NULL};

/* ---- lines ----------------------------------------------------------------------------- */

static inline char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* Bytes of a 3-byte UTF-8 character that eg_width_fold leaves alone, checked without decoding:
 * kana and kanji (leads E4-EC, EE, and E3 outside U+3000), which is most of a Japanese text. */
static bool plain_3byte(const unsigned char *s, size_t left)
{
    if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
        return false;
    return (s[0] >= 0xE4 && s[0] <= 0xEC) || s[0] == 0xEE || (s[0] == 0xE3 && s[1] != 0x80);
}

static void fold_line(nline *L, const char *raw, size_t rlen)
{
    if (rlen > MAX_LINE)
        rlen = MAX_LINE;
    L->raw = raw;
    const unsigned char *u = (const unsigned char *)raw;
    size_t i = 0, n = 0;
    while (i < rlen) {
        if (u[i] < 0x80) {
            L->map[n] = (uint16_t)i;
            L->n[n++] = raw[i++];
            continue;
        }
        if (plain_3byte(u + i, rlen - i)) {
            for (size_t j = 0; j < 3; j++) {
                L->map[n] = (uint16_t)(i + j);
                L->n[n++] = raw[i + j];
            }
            i += 3;
            continue;
        }
        unsigned cp;
        size_t k = eg_utf8_decode(u + i, rlen - i, &cp);
        if (k == 0) {
            L->map[n] = (uint16_t)i;
            L->n[n++] = raw[i++];
            continue;
        }
        unsigned f = eg_width_fold(cp);
        if (f != cp) {
            L->map[n] = (uint16_t)i;
            L->n[n++] = (char)f;
        } else {
            for (size_t j = 0; j < k; j++) {
                L->map[n] = (uint16_t)(i + j);
                L->n[n++] = raw[i + j];
            }
        }
        i += k;
    }
    L->map[n] = (uint16_t)i;
    L->n[n] = 0;
    L->len = n;
    for (size_t j = 0; j <= n; j++)
        L->lc[j] = ascii_lower(L->n[j]);
}

static bool starts(const char *s, size_t len, size_t p, const char *w)
{
    size_t n = strlen(w);
    return p <= len && n <= len - p && !memcmp(s + p, w, n);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static size_t skip_spaces(const nline *L, size_t p)
{
    while (p < L->len && is_space(L->n[p]))
        p++;
    return p;
}

static int bracket_open(const nline *L, size_t p)
{
    unsigned char c = (unsigned char)L->n[p];
    if (c != 0xE3 && !strchr("\"'([<{", c))
        return -1;
    for (int i = 0; opens[i]; i++)
        if ((unsigned char)opens[i][0] == c &&
            (!opens[i][1] ||
             (p + 2 < L->len && opens[i][1] == L->n[p + 1] && opens[i][2] == L->n[p + 2])))
            return i;
    return -1;
}

/* ---- emitting -------------------------------------------------------------------------- */

static bool has_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isalnum((unsigned char)s[i]))
            return true;
    return false;
}

static bool all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* Trims trailing punctuation and polite endings, and leading quotes, from [*a, *b). */
static void trim_value(const nline *L, size_t *a, size_t *b)
{
    static const char *const tails[] = {"でございます", "になります", "となります", "です", "。",
                                        "、",           "」",         "』",         "】",   "〉",
                                        "》",           "〕",         "…",          NULL};
    bool changed = true;
    while (changed && *b > *a) {
        changed = false;
        char c = L->n[*b - 1];
        if (strchr(".,;:!?)]}>\"'([{<", c) && c) {
            (*b)--;
            changed = true;
            continue;
        }
        for (int i = 0; tails[i]; i++) {
            size_t n = strlen(tails[i]);
            if (*b - *a >= n && !memcmp(L->n + *b - n, tails[i], n)) {
                *b -= n;
                changed = true;
                break;
            }
        }
    }
    while (*a < *b && strchr("\"'([{<", L->n[*a]) && L->n[*a])
        (*a)++;
}

static void emit(ctx *c, const nline *L, size_t a, size_t b, int prio, const char *origin)
{
    size_t ua = a, ub = b;
    trim_value(L, &a, &b);
    /* "S3cret!": trailing punctuation may belong to the password; offer it after the trimmed form
     */
    if (prio < EG_PW_BRACKETED && ub > b && ub - ua <= MAX_VALUE && all_ascii(L->n + ua, ub - ua) &&
        has_alnum(L->n + ua, ub - ua) && b > a)
        c->fn(c->ud, L->n + a, ub - a, prio + 3, origin);
    if (b <= a || b - a > MAX_VALUE || !has_alnum(L->n + a, b - a))
        return;
    c->fn(c->ud, L->n + a, b - a, prio, origin);
    size_t ra = L->map[a], rb = L->map[b];
    if (rb - ra != b - a || memcmp(L->raw + ra, L->n + a, b - a))
        c->fn(c->ud, L->raw + ra, rb - ra, prio + 1, origin); /* the form as typed */
    if (!all_ascii(L->n + a, b - a)) {
        /* "abc123（半角）" -> also "abc123" */
        size_t e = a;
        while (e < b && (unsigned char)L->n[e] < 0x80 && !is_space(L->n[e]))
            e++;
        size_t a2 = a, e2 = e;
        trim_value(L, &a2, &e2);
        if (e2 > a2 + 2 && has_alnum(L->n + a2, e2 - a2))
            c->fn(c->ud, L->n + a2, e2 - a2, prio + 2, origin);
    }
    if (prio < EG_PW_BRACKETED)
        c->labelled++;
}

/* Value at p on a line: bracketed content or the run up to the next space. A line can hold a
 * label every few bytes, so the work per value is bounded by MAX_RUN, not by the line: a longer
 * run is cut there (emit drops it: it cannot trim down to MAX_VALUE). */
static bool take_value(const nline *L, size_t p, size_t *a, size_t *b)
{
    p = skip_spaces(L, p);
    if (p >= L->len)
        return false;
    size_t lim = L->len - p > MAX_RUN ? p + MAX_RUN : L->len;
    int bi = bracket_open(L, p);
    if (bi >= 0) {
        size_t s = p + strlen(opens[bi]), cn = strlen(closes[bi]);
        size_t w = s < L->len ? L->len - s : 0;
        if (w > MAX_VALUE + cn)
            w = MAX_VALUE + cn;
        const char *e = memmem(L->n + s, w, closes[bi], cn);
        if (e && (size_t)(e - L->n) > s && (size_t)(e - L->n) - s <= MAX_VALUE) {
            *a = s;
            *b = (size_t)(e - L->n);
            return true;
        }
    }
    size_t e = p, checked = p; /* brackets up to checked hold ASCII only */
    while (e < lim && !is_space(L->n[e]) && !starts(L->n, L->len, e, "、") &&
           !starts(L->n, L->len, e, "。")) {
        if (L->n[e] == '(' && e > p && e >= checked) {
            /* "abc123(半角英数字)": a note in brackets ends the value; a '(' inside a bracket
             * already found ASCII closes at the same ')', so it needs no second look */
            size_t w = L->len - e > MAX_NOTE ? MAX_NOTE : L->len - e;
            const char *cl = memchr(L->n + e, ')', w);
            if (cl && !all_ascii(L->n + e, (size_t)(cl - (L->n + e))))
                break;
            checked = cl ? (size_t)(cl - L->n) : e + w;
        }
        e++;
    }
    *a = p;
    *b = e;
    return e > p;
}

static bool decoration_only(const nline *L)
{
    for (size_t i = 0; i < L->len; i++) {
        char c = L->n[i];
        if (is_space(c) || strchr("-=_*~#", c))
            continue;
        if (starts(L->n, L->len, i, "─") || starts(L->n, L->len, i, "━") ||
            starts(L->n, L->len, i, "ー")) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

/* ---- labels ---------------------------------------------------------------------------- */

static bool boundary_ok(const nline *L, size_t s, size_t e)
{
    if (s > 0 && isalnum((unsigned char)L->lc[s - 1]))
        return false;
    return e >= L->len || !isalpha((unsigned char)L->lc[e]);
}

/* Position after separators, connecting particles and closing brackets following a label. */
static size_t skip_seps(const nline *L, size_t p)
{
    static const char *const seps[] = {":",   "=",    "-",    "|",   ">",  "→", "は",
                                       "、",  ",",    "】",   "」",  "』", ")", "]",
                                       "is ", "ist ", "est ", "es ", "é ", NULL};
    for (bool again = true; again;) {
        again = false;
        p = skip_spaces(L, p);
        for (int i = 0; seps[i]; i++) {
            if (starts(L->lc, L->len, p, seps[i])) {
                p += strlen(seps[i]);
                again = true;
                break;
            }
        }
    }
    return p;
}

static bool follow_marker(const nline *L, size_t p)
{
    static const char *const m[] = {"下記",  "以下",   "次の", "次に",
                                    "below", "follow", "通り", NULL};
    for (int i = 0; m[i]; i++)
        if (memmem(L->lc + p, L->len - p, m[i], strlen(m[i])))
            return true;
    return false;
}

static bool ascii_marker_first(const nline *L, size_t p)
{
    static const char *const m[] = {"below", "as follow", "follow", "the following", NULL};
    for (int i = 0; m[i]; i++)
        if (starts(L->lc, L->len, p, m[i]))
            return true;
    return false;
}

static void on_label(ctx *c, const nline *L, size_t ls, size_t le, bool weak, size_t lineno,
                     const char *const *lines, const size_t *lens, size_t nlines, nline *next)
{
    char lab[96];
    size_t ra = L->map[ls], rb = L->map[le];
    int ln = (int)(rb - ra < 60 ? rb - ra : 60);
    char origin[192];
    if (c->many_lines)
        snprintf(origin, sizeof origin, "%s: line %zu (\"%.*s\")", c->where, lineno + 1, ln,
                 L->raw + ra);
    else
        snprintf(origin, sizeof origin, "%s (\"%.*s\")", c->where, ln, L->raw + ra);
    snprintf(lab, sizeof lab, "%.*s", ln, L->raw + ra);

    size_t p = skip_spaces(L, le);
    /* a separator shortly after the label ("パスワード（半角英数）：") wins, unless a bracketed
     * value closes before it */
    size_t lim = le + COLON_REACH < L->len ? le + COLON_REACH : L->len;
    for (size_t k = le; k < lim; k++) {
        if (L->n[k] == ':' || L->n[k] == '=') {
            int bi = bracket_open(L, p);
            const char *cl =
                bi >= 0 ? memmem(L->n + p + strlen(opens[bi]), L->len - p - strlen(opens[bi]),
                                 closes[bi], strlen(closes[bi]))
                        : NULL;
            bool value_first = cl && (size_t)(cl - L->n) > k; /* the ':' is inside 「ab:cd」 */
            if (!value_first)
                p = k + 1;
            break;
        }
    }
    size_t before = p;
    p = skip_seps(L, p);
    if (weak && p == before && p == skip_spaces(L, le))
        return; /* "pass rate": a weak label needs a separator */
    size_t a, b;
    if (p < L->len && has_alnum(L->n + p, L->len - p) && !ascii_marker_first(L, p) &&
        take_value(L, p, &a, &b)) {
        emit(c, L, a, b, EG_PW_LABELLED, origin);
        return;
    }
    if (p < L->len && !follow_marker(L, p))
        return; /* "パスワードは別途お送りします": no value here */
    /* the value on the next non-empty line */
    for (size_t j = lineno + 1; j < nlines && j <= lineno + 4; j++) {
        fold_line(next, lines[j], lens[j]);
        if (next->len == 0 || skip_spaces(next, 0) >= next->len || decoration_only(next))
            continue;
        if (take_value(next, 0, &a, &b)) {
            char o2[256];
            if (c->many_lines)
                snprintf(o2, sizeof o2, "%s: line %zu (below %s on line %zu)", c->where, j + 1, lab,
                         lineno + 1);
            else
                snprintf(o2, sizeof o2, "%s (below %s)", c->where, lab);
            emit(c, next, a, b, EG_PW_NEXT_LINE, o2);
        }
        break;
    }
}

/* Labels by their first byte, so that each position of a line tries only the few labels that
 * can start there (Japanese text would otherwise try all of them at every character). */
#define N_LABELS (sizeof labels / sizeof labels[0])
static uint8_t by_first[256][N_LABELS];
static uint8_t by_first_n[256];
static pthread_once_t by_first_once = PTHREAD_ONCE_INIT;

static bool start_byte[256]; /* raw bytes that may begin a label, before folding */
/* The first characters of labels that take three UTF-8 bytes (kana, kanji, full-width forms):
 * bit (b2 & 0x3F) of first3[b0 - 0xE0][b1 & 0x3F]. Nearly every character of a Japanese text
 * begins with a lead byte some label also begins with; this answers for it in one look. */
static uint64_t first3[16][64];
/* What one raw byte says about a line (built from start_byte): */
enum {
    B_NONE,  /* cannot start a label */
    B_LABEL, /* may start an ASCII label */
    B_LEAD3, /* leads a three-byte character (E0-EE): first3 answers */
    B_LOOK   /* anything else that may start a label: label_char_at answers */
};
static uint8_t byte_class[256];

static void by_first_init(void)
{
    for (size_t i = 0; i < N_LABELS; i++) {
        const unsigned char *u = (const unsigned char *)labels[i].s;
        unsigned char c = u[0];
        by_first[c][by_first_n[c]++] = (uint8_t)i;
        start_byte[c] = true;
        if (c >= 'a' && c <= 'z')
            start_byte[c - 32] = true;
        if (c >= 0xE0 && c <= 0xEF && u[1] >= 0x80 && u[1] <= 0xBF && u[2] >= 0x80 && u[2] <= 0xBF)
            first3[c - 0xE0][u[1] & 0x3F] |= 1ull << (u[2] & 0x3F);
    }
    for (unsigned b = 0; b < 256; b++)
        byte_class[b] = (b >= 0xE0 && b <= 0xEE)                      ? B_LEAD3
                        : (b == 0xEF || (b >= 0x80 && start_byte[b])) ? B_LOOK
                        : start_byte[b]                               ? B_LABEL
                                                                      : B_NONE;
}

/* Is the first character of some label at u? (u[0] is a byte of start_byte, >= 0x80) */
static bool label_char_at(const unsigned char *u, size_t left)
{
    if (u[0] == 0xEF) { /* a full-width letter folds to ASCII */
        unsigned cp;
        size_t cl = eg_utf8_decode(u, left, &cp);
        unsigned f = cl ? eg_width_fold(cp) : cp;
        if (cl && f != cp)
            return f < 0x80 && start_byte[f];
    }
    if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        if (left < 3 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
            return false;
        return (first3[u[0] - 0xE0][u[1] & 0x3F] >> (u[2] & 0x3F)) & 1;
    }
    for (size_t k = 0; k < by_first_n[u[0]]; k++) {
        const char *s = labels[by_first[u[0]][k]].s;
        /* compare up to the first character's end: a lead byte says how long it is */
        size_t cl = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
        if (cl <= left && (unsigned char)s[1] == u[1] && (cl < 3 || (unsigned char)s[2] == u[2]) &&
            !memcmp(s, u, cl))
            return true;
    }
    return false;
}

/* Can an ASCII label start at u (u[0] an ASCII byte of start_byte)? Compared on the raw bytes,
 * ASCII-lowercased, up to 8 bytes of each label: an ASCII raw byte is itself in the folded line,
 * so one that differs from the label rules the label out; a byte above 0x7F may fold to anything
 * (a full-width letter) and is taken as a possible match. Most English lines hold a "p", "c" or
 * "s" but no label, and need not be folded. */
static bool ascii_label_at(const unsigned char *u, size_t left)
{
    unsigned char c = (unsigned char)ascii_lower((char)u[0]);
    for (size_t k = 0; k < by_first_n[c]; k++) {
        const unsigned char *s = (const unsigned char *)labels[by_first[c][k]].s;
        size_t j = 1;
        for (; j < 8 && s[j]; j++) {
            if (j >= left)
                break;
            if (u[j] >= 0x80 || (unsigned char)ascii_lower((char)u[j]) != s[j])
                break;
        }
        if (j == 8 || !s[j] || (j < left && u[j] >= 0x80))
            return true;
    }
    return false;
}

/* Can a label start anywhere on this raw line? Folding a line costs far more than this look at
 * its bytes, and most lines of a Japanese text have no label's first character at all. */
static bool line_may_have_label(const char *raw, size_t len)
{
    const unsigned char *u = (const unsigned char *)raw;
    if (len > MAX_LINE)
        len = MAX_LINE;
    for (size_t i = 0; i < len; i++) {
        unsigned cl = byte_class[u[i]];
        if (cl == B_NONE)
            continue;
        if (cl == B_LEAD3) { /* kana, kanji: what label_char_at does for them, inline */
            if (len - i < 3 || (u[i + 1] & 0xC0) != 0x80 || (u[i + 2] & 0xC0) != 0x80)
                continue;
            if ((first3[u[i] - 0xE0][u[i + 1] & 0x3F] >> (u[i + 2] & 0x3F)) & 1)
                return true;
            i += 2; /* continuation bytes never begin a label */
            continue;
        }
        if (cl == B_LABEL ? ascii_label_at(u + i, len - i) : label_char_at(u + i, len - i))
            return true;
        /* a whole three-byte character (EF: full-width forms) that starts no label: its
         * continuation bytes need no look of their own */
        if (u[i] == 0xEF && len - i >= 3 && (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80)
            i += 2;
    }
    return false;
}

/* Longest label starting exactly at p (0 when none). */
static size_t label_at(const nline *L, size_t p, bool *weak)
{
    unsigned char c = (unsigned char)L->lc[p];
    size_t best = 0;
    for (size_t k = 0; k < by_first_n[c]; k++) {
        size_t i = by_first[c][k];
        const char *s = labels[i].s;
        if (p + 1 >= L->len || s[1] != L->lc[p + 1])
            continue;
        size_t n = strlen(s);
        if (n > best && starts(L->lc, L->len, p, s) &&
            (!labels[i].ascii || boundary_ok(L, p, p + n))) {
            best = n;
            *weak = labels[i].weak;
        }
    }
    return best;
}

static void scan_labels(ctx *c, nline *L, size_t lineno, const char *const *lines,
                        const size_t *lens, size_t nlines, nline *next)
{
    size_t pos = 0;
    while (pos < L->len) {
        bool weak = false;
        size_t n = label_at(L, pos, &weak);
        if (!n) {
            pos++;
            continue;
        }
        on_label(c, L, pos, pos + n, weak, lineno, lines, lens, nlines, next);
        pos += n;
    }
}

/* ---- fallbacks ------------------------------------------------------------------------- */

static void scan_brackets(ctx *c, const nline *L, size_t lineno)
{
    char origin[96];
    snprintf(origin, sizeof origin, "%s: line %zu (in brackets)", c->where, lineno + 1);
    for (size_t p = 0; p < L->len; p++) {
        int bi = bracket_open(L, p);
        if (bi < 0 || bi == 3 || bi == 4) /* plain quotes are too ambiguous to pair */
            continue;
        size_t s = p + strlen(opens[bi]);
        const char *e = memmem(L->n + s, L->len - s, closes[bi], strlen(closes[bi]));
        if (!e)
            continue;
        size_t en = (size_t)(e - L->n);
        if (en - s >= 3 && en - s <= 32 && all_ascii(L->n + s, en - s) &&
            !memchr(L->n + s, ' ', en - s))
            emit(c, L, s, en, EG_PW_BRACKETED, origin);
    }
}

static bool looks_like_password(const char *s, size_t n)
{
    bool digit = false, alpha = false, upper = false, lower = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        digit |= isdigit(ch) != 0;
        alpha |= isalpha(ch) != 0;
        upper |= isupper(ch) != 0;
        lower |= islower(ch) != 0;
    }
    return digit || (upper && lower) || n >= 8 || (!alpha && !digit);
}

static void scan_tokens(ctx *c, const nline *L, size_t lineno)
{
    char origin[96];
    snprintf(origin, sizeof origin, "%s: line %zu (any word)", c->where, lineno + 1);
    size_t p = 0;
    while (p < L->len && c->tokens < MAX_TOKENS) {
        while (p < L->len && ((unsigned char)L->n[p] >= 0x80 || (unsigned char)L->n[p] <= ' '))
            p++;
        size_t s = p;
        while (p < L->len && (unsigned char)L->n[p] > ' ' && (unsigned char)L->n[p] < 0x80)
            p++;
        size_t a = s, b = p;
        trim_value(L, &a, &b);
        if (b - a < 3 || b - a > 32 || !has_alnum(L->n + a, b - a))
            continue;
        if (memmem(L->n + a, b - a, "://", 3) || memchr(L->n + a, '@', b - a) ||
            eg_memmem_ci(L->n + a, b - a, "www.", 4))
            continue;
        int prio = looks_like_password(L->n + a, b - a) ? EG_PW_TOKEN : EG_PW_TOKEN_WEAK;
        c->fn(c->ud, L->n + a, b - a, prio, origin);
        c->tokens++;
    }
}

/* ---- entry ----------------------------------------------------------------------------- */

size_t eg_password_extract(const char *text, size_t len, const char *where, bool fallback,
                           eg_password_fn fn, void *ud)
{
    if (!text || !fn)
        return 0;
    pthread_once(&by_first_once, by_first_init);
    if (len > MAX_TEXT)
        len = MAX_TEXT;
    size_t nl = 1;
    for (const char *q = text; nl < MAX_LINES && (q = memchr(q, '\n', len - (size_t)(q - text)));
         q++)
        nl++;
    const char **lines = malloc(nl * sizeof *lines);
    size_t *lens = malloc(nl * sizeof *lens);
    if (!lines || !lens) {
        free(lines);
        free(lens);
        return 0;
    }
    size_t n = 0, s = 0, longest = 0;
    while (n < nl && s <= len) {
        const char *nlp = memchr(text + s, '\n', len - s);
        size_t i = nlp ? (size_t)(nlp - text) : len;
        size_t e = i;
        if (e > s && text[e - 1] == '\r')
            e--;
        lines[n] = text + s;
        lens[n++] = e - s;
        if (e - s > longest)
            longest = e - s;
        s = i + 1;
    }
    if (longest > MAX_LINE)
        longest = MAX_LINE;
    /* two lines (the current one and the one below a label), each n + lc + map */
    size_t per = (longest + 1) * (2 + sizeof(uint16_t));
    char *mem = malloc(2 * per);
    if (!mem) {
        free(lines);
        free(lens);
        return 0;
    }
    nline L[2];
    for (int k = 0; k < 2; k++) {
        char *base = mem + (size_t)k * per;
        L[k].map = (uint16_t *)(void *)base; /* first, so it stays 2-byte aligned */
        L[k].n = base + (longest + 1) * sizeof(uint16_t);
        L[k].lc = L[k].n + longest + 1;
        L[k].len = 0;
        L[k].raw = NULL;
    }
    ctx c = {.where = where ? where : "text", .many_lines = n > 1, .fn = fn, .ud = ud};
    for (size_t i = 0; i < n; i++) {
        if (!fallback && !line_may_have_label(lines[i], lens[i]))
            continue;
        fold_line(&L[0], lines[i], lens[i]);
        scan_labels(&c, &L[0], i, lines, lens, n, &L[1]);
        if (fallback) {
            scan_brackets(&c, &L[0], i);
            scan_tokens(&c, &L[0], i);
        }
    }
    free(lines);
    free(lens);
    free(mem);
    return c.labelled;
}
