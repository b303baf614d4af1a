/*
 * Header value decoding: RFC 2047 words, raw Japanese bytes, RFC 2231 parameters (header.h).
 *
 * GMime decodes words too, but through glibc iconv, which turns ① into noise; here every byte run
 * goes through our charset layer instead. Parsing is lenient like real mail readers (unknown
 * encodings and junk are kept as text) and linear in the input.
 */
#include "text/header.h"

#include "core/base64.h"

#include "core/buf.h"
#include "text/textbuf.h"
#include "core/strutil.h"
#include "text/charset.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD 4096    /* encoded text of one word */
#define MAX_CHARSET 48   /* charset label in a word */
#define MAX_SECTIONS 128 /* RFC 2231 continuations */

/* ---- small decoders -------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Appends decoded bytes of a B or Q word; returns false when the text was malformed. */
static bool word_decode(char enc, const char *t, size_t n, eg_buf *b)
{
    bool ok = true;
    if (enc == 'B') {
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n; i++) {
            if (t[i] == '=')
                break;
            int v = eg_base64_value((unsigned char)t[i]);
            if (v < 0) {
                ok = false;
                continue;
            }
            acc = (acc << 6) | (unsigned)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                eg_buf_putc(b, (uint8_t)(acc >> bits));
                acc &= (1u << bits) - 1;
            }
        }
        return ok;
    }
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '_') {
            eg_buf_putc(b, ' ');
        } else if (t[i] == '=' && i + 2 < n && hexval((unsigned char)t[i + 1]) >= 0 &&
                   hexval((unsigned char)t[i + 2]) >= 0) {
            eg_buf_putc(b, (uint8_t)(hexval((unsigned char)t[i + 1]) * 16 + hexval((unsigned char)t[i + 2])));
            i += 2;
        } else {
            if (t[i] == '=')
                ok = false;
            eg_buf_putc(b, (uint8_t)t[i]);
        }
    }
    return ok;
}

/* Parses "=?charset?E?text?=" at p; fills the parts and returns its length, 0 if not a word. */
static size_t word_parse(const char *p, size_t n, const char **cs, size_t *csn, char *enc,
                         const char **txt, size_t *txtn)
{
    if (n < 8 || p[0] != '=' || p[1] != '?')
        return 0;
    size_t i = 2;
    while (i < n && p[i] != '?' && i - 2 < MAX_CHARSET && !isspace((unsigned char)p[i]))
        i++;
    if (i >= n || p[i] != '?' || i == 2)
        return 0;
    *cs = p + 2;
    *csn = i - 2;
    if (i + 2 >= n || p[i + 2] != '?')
        return 0;
    char e = (char)toupper((unsigned char)p[i + 1]);
    if (e != 'B' && e != 'Q')
        return 0;
    *enc = e;
    size_t t0 = i + 3, j = t0;
    while (j + 1 < n && !(p[j] == '?' && p[j + 1] == '=') && j - t0 < MAX_WORD &&
           !isspace((unsigned char)p[j]))
        j++;
    if (j + 1 >= n || p[j] != '?' || p[j + 1] != '=')
        return 0;
    *txt = p + t0;
    *txtn = j - t0;
    return j + 2;
}

/* ---- RFC 2047 -------------------------------------------------------------------------- */

typedef struct {
    eg_buf *out;
    eg_buf seg;
    bool seg_enc;
    char cs[MAX_CHARSET + 1];
    eg_header_info *info;
    eg_status st;
} hdr_state;

static bool has_8bit_or_esc(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80 || p[i] == 0x1B)
            return true;
    return false;
}

static void flush_seg(hdr_state *h)
{
    if (h->seg.len == 0)
        return;
    const uint8_t *p = h->seg.data;
    size_t n = h->seg.len;
    if (!h->seg_enc && !has_8bit_or_esc(p, n)) {
        eg_status st = eg_text_append(h->out, p, n);
        if (st != EG_OK)
            h->st = st;
    } else {
        if (!h->seg_enc)
            h->info->raw_8bit = true;
        eg_charset_info ci;
        char *u = NULL;
        size_t un = 0;
        eg_status st = eg_charset_to_utf8(h->seg_enc ? h->cs : NULL, p, n, 0, &u, &un, &ci);
        if (ci.unknown_label)
            h->info->unknown_charset = true;
        if (ci.bad_bytes)
            h->info->bad_word = true;
        if (u) {
            eg_status st2 = eg_text_append(h->out, u, un);
            if (st2 != EG_OK)
                h->st = st2;
        }
        if (st == EG_ENOMEM)
            h->st = st;
        free(u);
    }
    h->seg.len = 0;
}

eg_status eg_header_decode(const char *raw, size_t len, size_t max_out, char **out,
                           eg_header_info *info)
{
    eg_header_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    *out = NULL;
    if (!raw)
        len = 0;
    bool cut_in = false;
    if (max_out && len / 4 > max_out) { /* nothing past this can fit in the output */
        len = max_out * 4;
        cut_in = true;
    }
    eg_buf ob;
    eg_buf_init(&ob, max_out);
    hdr_state h = {.out = &ob, .info = info, .st = EG_OK};
    eg_buf_init(&h.seg, 0);
    eg_buf gap; /* whitespace after an encoded word: dropped if another word follows */
    eg_buf_init(&gap, 0);
    size_t i = 0;
    while (i < len && h.st == EG_OK) {
        char c = raw[i];
        if (c == '\r' || c == '\n') { /* unfolding */
            i++;
            continue;
        }
        const char *cs, *txt;
        size_t csn, txtn;
        char enc;
        size_t wl = c == '=' ? word_parse(raw + i, len - i, &cs, &csn, &enc, &txt, &txtn) : 0;
        if (wl) {
            char csbuf[MAX_CHARSET + 1];
            memcpy(csbuf, cs, csn);
            csbuf[csn] = 0;
            if (!h.seg_enc || strcasecmp(csbuf, h.cs)) {
                if (!h.seg_enc && gap.len)
                    eg_text_append(&h.seg, gap.data, gap.len);
                flush_seg(&h);
                h.seg_enc = true;
                memcpy(h.cs, csbuf, csn + 1);
            }
            gap.len = 0;
            if (!word_decode(enc, txt, txtn, &h.seg))
                info->bad_word = true;
            i += wl;
            continue;
        }
        if (h.seg_enc) {
            if (c == ' ' || c == '\t') {
                eg_buf_putc(&gap, (uint8_t)c);
                i++;
                continue;
            }
            flush_seg(&h);
            h.seg_enc = false;
            if (gap.len)
                eg_text_append(&h.seg, gap.data, gap.len);
            gap.len = 0;
        }
        eg_buf_putc(&h.seg, (uint8_t)c);
        i++;
    }
    if (h.st == EG_OK)
        flush_seg(&h);
    eg_buf_free(&h.seg);
    eg_buf_free(&gap);
    if (h.st == EG_ENOMEM) {
        eg_buf_free(&ob);
        return EG_ENOMEM;
    }
    size_t n;
    char *d = eg_buf_steal(&ob, &n);
    if (!d) {
        eg_buf_free(&ob);
        return EG_ENOMEM;
    }
    if (h.st == EG_ELIMIT || cut_in)
        eg_charset_cut_tail(d, n);
    *out = d;
    return (h.st == EG_ELIMIT || cut_in) ? EG_ELIMIT : EG_OK;
}

/* ---- RFC 2231 parameters --------------------------------------------------------------- */

typedef struct {
    char *val;
    bool ext;
} section;

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Reads a parameter value (quoted or token) into a malloc'd string; advances *pp. */
static char *read_value(const char **pp, const char *end)
{
    const char *p = skip_ws(*pp, end);
    eg_buf b;
    eg_buf_init(&b, 0);
    if (p < end && *p == '"') {
        p++;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (*p != '\r' && *p != '\n')
                eg_buf_putc(&b, (uint8_t)*p);
            p++;
        }
        if (p < end)
            p++;
        while (p < end && *p != ';')
            p++;
    } else {
        while (p < end && *p != ';') {
            if (*p != '\r' && *p != '\n')
                eg_buf_putc(&b, (uint8_t)*p);
            p++;
        }
        while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
            b.len--;
    }
    *pp = p;
    return eg_buf_steal(&b, NULL);
}

static void pct_decode(const char *s, eg_buf *b)
{
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '%' && hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0) {
            eg_buf_putc(b, (uint8_t)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
            i += 2;
        } else {
            eg_buf_putc(b, (uint8_t)s[i]);
        }
    }
}

/* Joins RFC 2231 pieces: the first extended piece may start with charset'lang'. */
static char *join_sections(section *sec, size_t nsec, size_t max_out, eg_header_info *info)
{
    eg_buf bytes;
    eg_buf_init(&bytes, 0);
    char cs[MAX_CHARSET + 1] = "";
    for (size_t k = 0; k < nsec; k++) {
        if (!sec[k].val)
            break; /* a gap ends the value, as RFC 2231 says */
        const char *v = sec[k].val;
        if (sec[k].ext && k == 0) {
            const char *a1 = strchr(v, '\'');
            const char *a2 = a1 ? strchr(a1 + 1, '\'') : NULL;
            if (a1 && a2) {
                size_t n = (size_t)(a1 - v) < MAX_CHARSET ? (size_t)(a1 - v) : MAX_CHARSET;
                memcpy(cs, v, n);
                cs[n] = 0;
                v = a2 + 1;
            }
        }
        if (sec[k].ext)
            pct_decode(v, &bytes);
        else
            eg_text_append(&bytes, v, strlen(v));
    }
    char *u = NULL;
    eg_charset_info ci;
    eg_charset_to_utf8(cs[0] ? cs : NULL, bytes.data, bytes.len, max_out, &u, NULL, &ci);
    if (ci.unknown_label)
        info->unknown_charset = true;
    eg_buf_free(&bytes);
    return u;
}

char *eg_header_param(const char *raw, size_t len, const char *name, size_t max_out,
                      eg_header_info *info)
{
    eg_header_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (!raw || !name)
        return NULL;
    const char *p = raw, *end = raw + len;
    size_t nl = strlen(name);
    /* skip the type or disposition itself, respecting quotes */
    bool q = false;
    while (p < end && (q || *p != ';')) {
        if (*p == '"')
            q = !q;
        p++;
    }
    char *plain = NULL, *star = NULL;
    section *sec = calloc(MAX_SECTIONS, sizeof *sec);
    if (!sec)
        return NULL;
    size_t nsec = 0;
    while (p < end) {
        p = skip_ws(p + 1, end); /* past ';' */
        const char *a = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p >= end || *p != '=')
            continue;
        const char *ae = p;
        while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
            ae--;
        p++;
        char *val = read_value(&p, end);
        if (!val)
            break;
        size_t an = (size_t)(ae - a);
        bool mine = an >= nl && !strncasecmp(a, name, nl);
        if (mine && an == nl && !plain) {
            plain = val;
        } else if (mine && an == nl + 1 && a[nl] == '*' && !star) {
            star = val;
        } else if (mine && an > nl + 1 && a[nl] == '*' && isdigit((unsigned char)a[nl + 1])) {
            size_t idx = 0, j = nl + 1;
            while (j < an && isdigit((unsigned char)a[j]) && idx < MAX_SECTIONS)
                idx = idx * 10 + (size_t)(a[j++] - '0');
            bool ext = j < an && a[j] == '*';
            if (idx < MAX_SECTIONS && !sec[idx].val && (j == an || (ext && j + 1 == an))) {
                sec[idx].val = val;
                sec[idx].ext = ext;
                if (idx + 1 > nsec)
                    nsec = idx + 1;
            } else {
                free(val);
            }
        } else {
            free(val);
        }
    }
    char *res = NULL;
    if (star) {
        section one = {star, true};
        res = join_sections(&one, 1, max_out, info);
    } else if (nsec && sec[0].val) {
        res = join_sections(sec, nsec, max_out, info);
    } else if (plain) {
        /* RFC 2047 words inside a quoted value are not standard but very common */
        eg_header_decode(plain, strlen(plain), max_out, &res, info);
    }
    for (size_t k = 0; k < nsec; k++)
        free(sec[k].val);
    free(sec);
    free(plain);
    free(star);
    return res;
}
