/*
 * Charset layer: Japanese-aware conversion of labelled or unlabelled bytes to UTF-8 (see
 * charset.h). iconv does the table work for CP932 and EUC-JP-MS; ISO-2022-JP is decoded here into
 * CP932 bytes because glibc's ISO-2022-JP converter rejects the NEC/IBM extension rows (①, ㈱)
 * that Japanese business mail is full of.
 *
 * It does not detect non-Japanese legacy charsets: unlabelled text that is neither UTF-8 nor
 * Japanese is decoded as CP932 with U+FFFD for what does not fit.
 */
#include "text/charset.h"

#include "core/buf.h"
#include "text/textbuf.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define GUESS_WINDOW 65536

static const char REPL[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* ---- labels ---------------------------------------------------------------------------- */

static bool label_in(const char *l, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(l, list[i]))
            return true;
    return false;
}

const char *eg_charset_canonical(const char *label, char *buf, size_t bufsz)
{
    static const char *const sjis[] = {
        "shift_jis",   "shift-jis",   "sjis",     "x-sjis",     "ms_kanji", "csshiftjis",
        "windows-31j", "cp932",       "ms932",    "x-ms-cp932", "ibm-943",  "s-jis",
        "shiftjis",    "x-shift-jis", "sjis-win", "sjis-open",  NULL};
    static const char *const euc[] = {
        "euc-jp", "eucjp", "x-euc-jp",  "euc-jp-ms", "eucjp-ms", "cseucpkdfmtjapanese",
        "ujis",   "x-euc", "eucjp-win", NULL};
    static const char *const jis[] = {"iso-2022-jp",   "csiso2022jp",
                                      "iso-2022-jp-1", "iso-2022-jp-2",
                                      "iso-2022-jp-3", "iso-2022-jp-ms",
                                      "jis",           "x-jis",
                                      "iso2022jp",     "cp50220",
                                      "cp50221",       "cp50222",
                                      "csiso2022jp2",  NULL};
    static const char *const utf8[] = {"utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8",
                                       NULL};
    static const char *const ascii[] = {"us-ascii", "ascii",    "ansi_x3.4-1968", "iso646-us",
                                        "us",       "iso-ir-6", "cp367",          NULL};
    static const char *const latin1[] = {"iso-8859-1", "latin1", "iso8859-1", "l1",
                                         "iso_8859-1", "cp819",  NULL};
    static const char *const none[] = {"unknown-8bit", "x-unknown",      "default", "8bit",
                                       "unknown",      "x-user-defined", NULL};
    if (!label)
        return NULL;
    char l[64];
    size_t n = 0;
    while (*label == ' ' || *label == '\t' || *label == '"' || *label == '\'')
        label++;
    for (; *label && *label != '*' && *label != '"' && *label != '\'' && *label != ' ' &&
           *label != ';' && n + 1 < sizeof l;
         label++)
        l[n++] = (char)tolower((unsigned char)*label);
    l[n] = 0;
    /* the labels nearly every mail uses, before the lists (which hold each label once) */
    if (!strcmp(l, "utf-8"))
        return "UTF-8";
    if (!strcmp(l, "iso-2022-jp"))
        return "ISO-2022-JP";
    if (n == 0 || label_in(l, none))
        return NULL;
    if (label_in(l, sjis))
        return "CP932";
    if (label_in(l, euc))
        return "EUC-JP-MS";
    if (label_in(l, jis))
        return "ISO-2022-JP";
    if (label_in(l, utf8))
        return "UTF-8";
    if (label_in(l, ascii))
        return "US-ASCII";
    if (label_in(l, latin1))
        return "WINDOWS-1252"; /* what mailers mean by it, as browsers assume */
    if (!strcmp(l, "gb2312") || !strcmp(l, "gbk") || !strcmp(l, "x-gbk"))
        return "GB18030";
    if (!strcmp(l, "ks_c_5601-1987") || !strcmp(l, "euc-kr"))
        return "CP949";
    if (!buf || bufsz == 0)
        return NULL;
    size_t i = 0;
    for (; l[i] && i + 1 < bufsz; i++)
        buf[i] = (char)toupper((unsigned char)l[i]);
    buf[i] = 0;
    return buf;
}

/* ---- guessing -------------------------------------------------------------------------- */

bool eg_charset_has_jis_escape(const uint8_t *in, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++) {
        const uint8_t *e = memchr(in + i, 0x1B, len - 2 - i);
        if (!e)
            return false;
        i = (size_t)(e - in);
        if (in[i + 1] == '$' && (in[i + 2] == 'B' || in[i + 2] == '@' || in[i + 2] == '('))
            return true;
        if (in[i + 1] == '(' && in[i + 2] == 'I')
            return true;
    }
    return false;
}

typedef struct {
    size_t err, score;
} guess_score;

static guess_score score_sjis(const uint8_t *p, size_t n)
{
    guess_score g = {0, 0};
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b < 0x80)
            continue;
        if (b >= 0xA1 && b <= 0xDF) { /* half-width katakana: valid but rare */
            continue;
        }
        if ((b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC)) {
            if (i + 1 >= n)
                break; /* cut at the window */
            uint8_t t = p[i + 1];
            if ((t >= 0x40 && t <= 0x7E) || (t >= 0x80 && t <= 0xFC)) {
                g.score += 2;
                if ((b == 0x82 && t >= 0x9F && t <= 0xF1) || (b == 0x83 && t >= 0x40 && t <= 0x96))
                    g.score++; /* kana: the bulk of real Japanese text */
                i++;
                continue;
            }
        }
        g.err++;
    }
    return g;
}

static guess_score score_euc(const uint8_t *p, size_t n)
{
    guess_score g = {0, 0};
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b < 0x80)
            continue;
        if (i + 1 >= n)
            break;
        uint8_t t = p[i + 1];
        if (b == 0x8E && t >= 0xA1 && t <= 0xDF) {
            i++;
            continue;
        }
        if (b == 0x8F && i + 2 < n && t >= 0xA1 && t <= 0xFE && p[i + 2] >= 0xA1 &&
            p[i + 2] <= 0xFE) {
            g.score += 2;
            i += 2;
            continue;
        }
        if (b >= 0xA1 && b <= 0xFE && t >= 0xA1 && t <= 0xFE) {
            g.score += 2;
            if (b == 0xA4 || b == 0xA5)
                g.score++;
            i++;
            continue;
        }
        g.err++;
    }
    return g;
}

/* UTF-8 validity, tolerating a sequence cut by the guess window */
static bool utf8_prefix_valid(const uint8_t *p, size_t n, bool cut)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        unsigned cp;
        size_t k = eg_utf8_decode(p + i, n - i, &cp);
        if (k == 0)
            return cut && n - i < 4;
        i += k;
    }
    return true;
}

const char *eg_charset_guess(const uint8_t *in, size_t len)
{
    size_t n = len < GUESS_WINDOW ? len : GUESS_WINDOW;
    if (!in || n == 0)
        return "UTF-8";
    bool high = false;
    for (size_t i = 0; i < n && !high; i++)
        high = in[i] >= 0x80;
    if (!high)
        return eg_charset_has_jis_escape(in, n) ? "ISO-2022-JP" : "UTF-8";
    if (utf8_prefix_valid(in, n, n < len))
        return "UTF-8";
    guess_score s = score_sjis(in, n), e = score_euc(in, n);
    if (e.err < s.err || (e.err == s.err && e.score > s.score))
        return "EUC-JP-MS";
    return "CP932";
}

/* ---- output helpers -------------------------------------------------------------------- */

/* Appends converted text, turning NUL bytes into U+FFFD so the result is a usable C string. */
static eg_status put_text(eg_buf *b, const char *p, size_t n, size_t *bad)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            continue;
        eg_status st = eg_text_append(b, p + start, i - start);
        if (st == EG_OK)
            st = eg_text_append(b, REPL, 3);
        if (st != EG_OK)
            return st;
        (*bad)++;
        start = i + 1;
    }
    return eg_text_append(b, p + start, n - start);
}

static eg_status utf8_copy(const uint8_t *in, size_t len, eg_buf *b, size_t *bad)
{
    size_t i = 0, run = 0;
    while (i < len) {
        /* eight ASCII bytes without NUL at a time: most of any text, even a Japanese one */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, in + i, 8);
            if ((w & 0x8080808080808080ull) ||
                ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
                break;
            i += 8;
            run += 8;
        }
        if (i >= len)
            break;
        unsigned cp;
        size_t k = in[i] < 0x80 ? (in[i] ? 1 : 0) : eg_utf8_decode(in + i, len - i, &cp);
        if (k) {
            i += k;
            run += k;
            continue;
        }
        eg_status st = eg_text_append(b, in + i - run, run);
        if (st == EG_OK)
            st = eg_text_append(b, REPL, 3);
        if (st != EG_OK)
            return st;
        (*bad)++;
        i++;
        run = 0;
    }
    return eg_text_append(b, in + len - run, run);
}

/* Replaces NUL bytes written at b->data[from..] by U+FFFD (rare: only when the input has them). */
static eg_status fix_nuls(eg_buf *b, size_t from, size_t *bad)
{
    if (!memchr(b->data + from, 0, b->len - from))
        return EG_OK;
    size_t n = b->len - from;
    uint8_t *tmp = malloc(n);
    if (!tmp)
        return EG_ENOMEM;
    memcpy(tmp, b->data + from, n);
    b->len = from;
    eg_status st = put_text(b, (const char *)tmp, n, bad);
    free(tmp);
    return st;
}

/* iconv straight into the output buffer, which grows as needed up to its limit. */
static eg_status iconv_copy(iconv_t cd, const uint8_t *in, size_t len, eg_buf *b, size_t *bad)
{
    char *ip = (char *)in;
    size_t left = len;
    size_t start = b->len;
    size_t want = len + len / 2 + 16; /* CP932 and EUC: 2 bytes become 3 */
    if (b->limit && want > b->limit - b->len)
        want = b->limit - b->len;
    eg_status st = want ? eg_buf_reserve(b, want) : EG_OK;
    while (st == EG_OK) {
        size_t room = b->cap - b->len;
        if (room < 8) {
            if (b->limit && b->cap >= b->limit) {
                st = EG_ELIMIT;
                break;
            }
            size_t more = b->cap / 2 + 64;
            if (b->limit && more > b->limit - b->len)
                more = b->limit - b->len;
            if ((st = eg_buf_reserve(b, more)) != EG_OK)
                break;
            room = b->cap - b->len;
        }
        char *op = (char *)b->data + b->len;
        size_t oleft = room;
        size_t r = left ? iconv(cd, &ip, &left, &op, &oleft) : iconv(cd, NULL, NULL, &op, &oleft);
        int e = errno;
        b->len += room - oleft;
        b->data[b->len] = 0;
        if (r != (size_t)-1) {
            if (!left)
                break; /* input done; the reset above flushed any shift state */
            continue;
        }
        if (e == E2BIG) {
            if (room - oleft == 0 && room >= 8) { /* no progress with room: grow */
                if ((st = eg_buf_reserve(b, room * 2)) != EG_OK)
                    break;
            }
            continue;
        }
        /* EILSEQ or EINVAL (cut sequence): one replacement per byte, then resynchronise */
        if ((st = eg_text_append(b, REPL, 3)) != EG_OK)
            break;
        (*bad)++;
        ip++;
        left--;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (!left)
            break;
    }
    if (st == EG_ENOMEM)
        return st;
    eg_status st2 = fix_nuls(b, start, bad);
    return st2 != EG_OK ? st2 : st;
}

/* ---- ISO-2022-JP ----------------------------------------------------------------------- */

enum { JIS_ASCII, JIS_KANA, JIS_0208, JIS_OTHER2 };

/* Length of a recognised escape sequence at p (0 = unknown) and the state it selects. */
static size_t jis_escape(const uint8_t *p, size_t n, int *state)
{
    if (n >= 3 && p[1] == '(') {
        if (p[2] == 'B' || p[2] == 'J' || p[2] == 'H') {
            *state = JIS_ASCII;
            return 3;
        }
        if (p[2] == 'I') {
            *state = JIS_KANA;
            return 3;
        }
    }
    if (n >= 3 && p[1] == '$' && (p[2] == 'B' || p[2] == '@')) {
        *state = JIS_0208;
        return 3;
    }
    if (n >= 3 && p[1] == '$' && p[2] == 'A') { /* GB2312 (ISO-2022-JP-2) */
        *state = JIS_OTHER2;
        return 3;
    }
    if (n >= 4 && p[1] == '$' && p[2] == '(') {
        /* JIS X 0213 planes are supersets of JIS X 0208 for what CP932 can show */
        *state = (p[3] == 'Q' || p[3] == 'O' || p[3] == 'B') ? JIS_0208 : JIS_OTHER2;
        return 4;
    }
    if (n >= 3 && p[1] == '&' && p[2] == '@') /* JIS C 6226 revision marker: no state change */
        return 3;
    if (n >= 3 && p[1] == '.') /* G2 designation (ISO-2022-JP-2): ignored */
        return 3;
    return 0;
}

static void jis_to_sjis(uint8_t j1, uint8_t j2, uint8_t *s)
{
    unsigned s1 = ((unsigned)(j1 - 0x21) >> 1) + 0x81;
    if (s1 > 0x9F)
        s1 += 0x40;
    unsigned s2 = (j1 & 1) ? j2 + 0x1Fu + (j2 >= 0x60) : j2 + 0x7Eu;
    s[0] = (uint8_t)s1;
    s[1] = (uint8_t)s2;
}

eg_status eg_iso2022jp_to_cp932(const uint8_t *in, size_t len, size_t max_out, uint8_t **out,
                                size_t *out_len, size_t *bad)
{
    *bad = 0;
    *out = NULL;
    /* escapes vanish, every other byte maps to one byte: the output is never longer */
    size_t cap = (max_out && max_out < len) ? max_out : len;
    uint8_t *o = malloc(cap + 1);
    if (!o)
        return EG_ENOMEM;
    size_t n = 0;
    int state = JIS_ASCII;
    bool shifted = false; /* SO/SI kana */
    eg_status st = EG_OK;
    for (size_t i = 0; i < len;) {
        uint8_t c = in[i];
        if (n + 2 > cap && max_out && cap == max_out) {
            st = EG_ELIMIT; /* the caller's cap, not the end of the input */
            break;
        }
        if (c == 0x1B) {
            size_t k = jis_escape(in + i, len - i, &state);
            if (k) {
                i += k;
                continue;
            }
            if (n < cap)
                o[n++] = '?';
            (*bad)++;
            i++;
            continue;
        }
        if (c == 0x0E || c == 0x0F) {
            shifted = c == 0x0E;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            /* every line must end in ASCII; broken mailers forget ESC ( B */
            if (state != JIS_KANA)
                state = JIS_ASCII;
            if (n < cap)
                o[n++] = c;
            i++;
            continue;
        }
        if ((state == JIS_0208 || state == JIS_OTHER2) && c >= 0x21 && c <= 0x7E) {
            bool pair = i + 1 < len && in[i + 1] >= 0x21 && in[i + 1] <= 0x7E;
            if (pair && state == JIS_0208 && n + 2 <= cap) {
                jis_to_sjis(c, in[i + 1], o + n);
                n += 2;
            } else {
                if (n < cap)
                    o[n++] = '?';
                (*bad)++;
            }
            i += pair ? 2 : 1;
            continue;
        }
        if ((state == JIS_KANA || shifted) && c >= 0x21 && c <= 0x5F) {
            if (n < cap)
                o[n++] = (uint8_t)(c + 0x80);
            i++;
            continue;
        }
        /* 8-bit bytes are passed on: mailers sometimes put raw Shift_JIS in "ISO-2022-JP" */
        if (n < cap)
            o[n++] = c;
        i++;
    }
    o[n] = 0;
    *out = o;
    *out_len = n;
    return st;
}

/* ---- entry point ----------------------------------------------------------------------- */

static bool all_7bit(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80)
            return false;
    return true;
}

/* glibc loads a gconv module on iconv_open and unloads it on the last iconv_close, which made
 * every converted part cost a dlopen/dlclose (most of the time of a small mail). One descriptor
 * per common charset is opened once and never used or closed: it only keeps its module loaded. */
static iconv_t g_pins[9];

static void pin_modules(void)
{
    /* GMime's own header decoding opens the plain Japanese converters too */
    static const char *const cs[] = {"CP932",       "EUC-JP-MS",  "WINDOWS-1252",
                                     "UTF-16LE",    "ISO-8859-1", "SHIFT_JIS",
                                     "ISO-2022-JP", "EUC-JP",     "UTF-7"};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
        g_pins[i] = iconv_open("UTF-8", cs[i]);
}

static eg_status convert_with(const char *cs, const uint8_t *in, size_t len, eg_buf *b, size_t *bad,
                              bool *unknown)
{
    if (!strcmp(cs, "UTF-8") || !strcmp(cs, "US-ASCII"))
        return utf8_copy(in, len, b, bad);
    if (!strcmp(cs, "ISO-2022-JP")) {
        uint8_t *sj = NULL;
        size_t sjn = 0, jbad = 0;
        size_t cap = b->limit ? b->limit : 0; /* CP932 is never longer than its UTF-8 */
        eg_status st = eg_iso2022jp_to_cp932(in, len, cap, &sj, &sjn, &jbad);
        if (!sj)
            return st;
        *bad += jbad;
        eg_status st2 = convert_with("CP932", sj, sjn, b, bad, unknown);
        free(sj);
        return st2 != EG_OK ? st2 : st;
    }
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) {
        *unknown = true;
        return convert_with(eg_charset_guess(in, len), in, len, b, bad, unknown);
    }
    eg_status st = iconv_copy(cd, in, len, b, bad);
    iconv_close(cd);
    return st;
}

eg_status eg_charset_to_utf8(const char *label, const uint8_t *in, size_t len, size_t max_out,
                             char **out, size_t *out_len, eg_charset_info *info)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pin_modules);
    eg_charset_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!in || !len) { /* no pointer arithmetic on NULL below */
        in = (const uint8_t *)"";
        len = 0;
    }
    char lbuf[64];
    const char *cs = eg_charset_canonical(label, lbuf, sizeof lbuf);
    size_t win = len < GUESS_WINDOW ? len : GUESS_WINDOW;
    if (!cs) {
        info->guessed = true;
        cs = eg_charset_guess(in, len);
    } else if (strcmp(cs, "ISO-2022-JP") && eg_charset_has_jis_escape(in, win) &&
               all_7bit(in, win)) {
        info->guessed = true; /* the label lies: the bytes are ISO-2022-JP */
        cs = "ISO-2022-JP";
    } else if (!strcmp(cs, "US-ASCII") && !all_7bit(in, win)) {
        info->guessed = true;
        cs = eg_charset_guess(in, len);
    }
    eg_buf b;
    eg_buf_init(&b, max_out);
    bool unknown = false;
    eg_status st = convert_with(cs, in, len, &b, &info->bad_bytes, &unknown);
    if (unknown) {
        info->unknown_label = true;
        info->guessed = true;
        cs = eg_charset_guess(in, len);
    }
    static const char *const known[] = {"UTF-8",   "US-ASCII",  "ISO-2022-JP",
                                        "CP932",   "EUC-JP-MS", "WINDOWS-1252",
                                        "GB18030", "CP949",     NULL};
    info->used = "other";
    for (size_t i = 0; known[i]; i++)
        if (!strcmp(cs, known[i]))
            info->used = known[i];
    if (st == EG_ENOMEM) {
        eg_buf_free(&b);
        return st;
    }
    size_t n;
    char *d = eg_buf_steal(&b, &n);
    if (!d) {
        eg_buf_free(&b);
        return EG_ENOMEM;
    }
    /* a cut may split a UTF-8 sequence: drop the partial tail */
    if (st == EG_ELIMIT)
        n = eg_charset_cut_tail(d, n);
    *out = d;
    if (out_len)
        *out_len = n;
    return st;
}

size_t eg_charset_cut_tail(char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && n - k < 4 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && (unsigned char)s[k - 1] >= 0xC0) {
        unsigned cp;
        if (!eg_utf8_decode((const unsigned char *)s + k - 1, n - (k - 1), &cp))
            n = k - 1;
    }
    s[n] = 0;
    return n;
}
