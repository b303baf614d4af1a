/*
 * HTML-to-text (html.h): a single forward pass with no DOM, so hostile markup (unclosed tags,
 * comments, megabytes of attributes) costs linear time and no memory beyond the output.
 */
#include "text/html.h"

#include "core/buf.h"
#include "text/textbuf.h"
#include "core/strutil.h"
#include "core/utf8.h"
#include "text/charset.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    eg_buf b;
    char last; /* last byte written, for collapsing whitespace */
    int newlines;
    eg_status st;
} html_out;

static void out_bytes(html_out *o, const char *p, size_t n)
{
    if (n == 0 || o->st != EG_OK)
        return;
    o->st = eg_text_append(&o->b, p, n);
    o->last = p[n - 1];
    o->newlines = 0;
}

static void out_space(html_out *o)
{
    if (o->last && o->last != ' ' && o->last != '\n')
        out_bytes(o, " ", 1);
}

static void out_newline(html_out *o)
{
    if (o->newlines >= 1 || o->st != EG_OK)
        return;
    while (o->b.len && o->b.data[o->b.len - 1] == ' ')
        o->b.len--; /* no trailing blanks on a line */
    if (o->b.len == 0)
        return;
    o->st = eg_buf_putc(&o->b, '\n');
    o->last = '\n';
    o->newlines++;
}

static bool name_is(const char *n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(n, list[i]))
            return true;
    return false;
}

/* Skips from p (just after '<') past the closing '>' of a tag, honouring quoted attributes. */
static size_t skip_tag(const char *h, size_t len, size_t i)
{
    char q = 0;
    for (; i < len; i++) {
        if (q) {
            if (h[i] == q)
                q = 0;
        } else if (h[i] == '"' || h[i] == '\'') {
            q = h[i];
        } else if (h[i] == '>') {
            return i + 1;
        }
    }
    return len;
}

static size_t entity(const char *h, size_t len, size_t i, html_out *o)
{
    static const struct {
        const char *n;
        unsigned cp;
    } named[] = {{"amp", '&'},     {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
                 {"apos", '\''},   {"nbsp", ' '},     {"copy", 0xA9},    {"reg", 0xAE},
                 {"yen", 0xA5},    {"ensp", ' '},     {"emsp", ' '},     {"thinsp", ' '},
                 {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"laquo", 0xAB},
                 {"raquo", 0xBB},  {"middot", 0xB7},  {"times", 0xD7},   {"trade", 0x2122}};
    size_t j = i + 1;
    while (j < len && j - i < 12 && h[j] != ';' && !isspace((unsigned char)h[j]) && h[j] != '&' &&
           h[j] != '<')
        j++;
    size_t nlen = j - i - 1;
    bool semi = j < len && h[j] == ';';
    unsigned cp = 0;
    bool ok = false;
    if (nlen >= 2 && h[i + 1] == '#') {
        bool hex = h[i + 2] == 'x' || h[i + 2] == 'X';
        size_t k = i + 2 + (hex ? 1 : 0);
        unsigned long v = 0;
        ok = k < j;
        for (; k < j && ok; k++) {
            int c = (unsigned char)h[k];
            int d = isdigit(c) ? c - '0' : (hex && isxdigit(c)) ? (tolower(c) - 'a' + 10) : -1;
            if (d < 0 || v > 0x10FFFF)
                ok = false;
            else
                v = v * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (ok)
            cp = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : (unsigned)v;
    } else {
        for (size_t k = 0; k < sizeof named / sizeof named[0] && !ok; k++) {
            if (strlen(named[k].n) == nlen && !memcmp(named[k].n, h + i + 1, nlen)) {
                cp = named[k].cp;
                ok = true;
            }
        }
    }
    if (!ok) {
        out_bytes(o, "&", 1);
        return i + 1;
    }
    if (cp == ' ') {
        out_space(o);
    } else {
        char u[4];
        out_bytes(o, u, eg_utf8_encode(cp, u));
    }
    return semi ? j + 1 : j;
}

eg_status eg_html_to_text(const char *h, size_t len, size_t max_out, char **out, size_t *out_len)
{
    static const char *const block[] = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5",
                                        "h6", "table", "blockquote", "pre", "hr", "ul", "ol", "dl",
                                        "dt", "dd", "section", "article", "header", "footer",
                                        "form", "address", "center", "tbody", "thead", NULL};
    static const char *const skip[] = {"script", "style", "head", "title", "noscript", NULL};
    html_out o = {.st = EG_OK};
    eg_buf_init(&o.b, max_out);
    int in_pre = 0;
    size_t i = 0;
    while (i < len && o.st == EG_OK) {
        char c = h[i];
        if (c == '<') {
            if (i + 3 < len && !memcmp(h + i, "<!--", 4)) {
                const char *e = memmem(h + i + 4, len - i - 4, "-->", 3);
                i = e ? (size_t)(e - h) + 3 : len;
                continue;
            }
            size_t j = i + 1;
            bool close = j < len && h[j] == '/';
            if (close)
                j++;
            char name[16];
            size_t nn = 0;
            while (j < len && isalnum((unsigned char)h[j]) && nn + 1 < sizeof name)
                name[nn++] = (char)tolower((unsigned char)h[j++]);
            name[nn] = 0;
            if (nn == 0 && !(j < len && (h[j] == '!' || h[j] == '?'))) {
                out_bytes(&o, "<", 1); /* a lone '<' in text */
                i++;
                continue;
            }
            i = skip_tag(h, len, j);
            if (!close && name_is(name, skip)) {
                /* drop everything up to the matching end tag */
                char endtag[20];
                size_t el = (size_t)snprintf(endtag, sizeof endtag, "</%s", name);
                const char *e = eg_memmem_ci(h + i, len - i, endtag, el);
                i = e ? skip_tag(h, len, (size_t)(e - h) + el) : len;
                continue;
            }
            if (!strcmp(name, "pre"))
                in_pre = close ? 0 : 1;
            if (name_is(name, block))
                out_newline(&o);
            else if (!strcmp(name, "td") || !strcmp(name, "th"))
                out_space(&o);
            continue;
        }
        if (c == '&') {
            i = entity(h, len, i, &o);
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
            if (in_pre && c == '\n')
                out_newline(&o);
            else if (in_pre && c != '\r')
                out_bytes(&o, " ", 1);
            else if (!in_pre)
                out_space(&o);
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && h[j] != '<' && h[j] != '&' && h[j] != ' ' && h[j] != '\t' && h[j] != '\r' &&
               h[j] != '\n' && h[j] != '\f')
            j++;
        out_bytes(&o, h + i, j - i);
        i = j;
    }
    while (o.b.len && (o.b.data[o.b.len - 1] == ' ' || o.b.data[o.b.len - 1] == '\n'))
        o.b.len--;
    if (o.st == EG_ENOMEM) {
        eg_buf_free(&o.b);
        return EG_ENOMEM;
    }
    size_t n;
    char *d = eg_buf_steal(&o.b, &n);
    if (!d)
        return EG_ENOMEM;
    if (o.st == EG_ELIMIT)
        n = eg_charset_cut_tail(d, n);
    if (out_len)
        *out_len = n;
    *out = d;
    return o.st;
}
