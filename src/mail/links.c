/*
 * Links and lure phrases (links.h). HTML anchors are found with a small tag scanner rather than
 * a DOM: an anchor is "<a" + attributes up to '>', its href taken from the attributes (quoted or
 * not), its visible text everything up to "</a" with tags dropped. That is all a reader's eye
 * sees of a link, which is what the checks compare.
 */
#include "mail/links.h"

#include "core/strutil.h"
#include "core/utf8.h"
#include "text/urls.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANCHOR_TEXT_MAX 512

static eg_status push(eg_links *l, const char *url, size_t ulen, const char *text, size_t tlen)
{
    if (l->n >= EG_LINKS_MAX) {
        l->truncated = true;
        return EG_OK;
    }
    if (l->n == l->cap) { /* grows 8, 16 ... EG_LINKS_MAX: most mails have a few links */
        size_t nc = l->cap ? l->cap * 2 : 8;
        if (nc > EG_LINKS_MAX)
            nc = EG_LINKS_MAX;
        eg_link *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return EG_ENOMEM;
        l->v = nv;
        l->cap = nc;
    }
    eg_link *k = &l->v[l->n];
    memset(k, 0, sizeof *k);
    k->url = eg_utf8_sanitize(url, ulen, 2048, false);
    if (!k->url)
        return EG_ENOMEM;
    if (text) {
        k->text = eg_utf8_sanitize(text, tlen, ANCHOR_TEXT_MAX, false);
        if (!k->text) {
            free(k->url);
            return EG_ENOMEM;
        }
    }
    if (!eg_url_host(k->url, strlen(k->url), k->host, sizeof k->host))
        k->host[0] = 0;
    /* explicit port: after the host in the authority */
    k->port = -1;
    const char *a = strstr(k->url, "://");
    if (a) {
        a += 3;
        size_t al = strcspn(a, "/?#");
        const char *at = NULL;
        for (size_t i = 0; i < al; i++)
            if (a[i] == '@')
                at = a + i;
        const char *h = at ? at + 1 : a;
        size_t hl = al - (size_t)(h - a);
        const char *colon = NULL;
        if (hl && h[0] == '[') {
            const char *rb = memchr(h, ']', hl);
            if (rb && (size_t)(rb - h) + 1 < hl && rb[1] == ':')
                colon = rb + 1;
        } else {
            colon = memchr(h, ':', hl);
        }
        if (colon) {
            long port = 0;
            size_t i = 1;
            while ((size_t)(colon - h) + i < hl && colon[i] >= '0' && colon[i] <= '9' &&
                   port < 100000)
                port = port * 10 + (colon[i++] - '0');
            if (i > 1)
                k->port = (int)port;
        }
    }
    l->n++;
    return EG_OK;
}

typedef struct {
    eg_links *l;
    eg_status st;
} text_ud;

static bool text_cb(void *ud, eg_ioc_kind kind, const char *v, size_t n)
{
    text_ud *t = ud;
    if (kind != EG_IOC_URL)
        return true;
    t->st = push(t->l, v, n, NULL, 0);
    return t->st == EG_OK && !t->l->truncated;
}

/* minimal entity decoding for hrefs and anchor texts: the named five and numeric ones */
static size_t decode_entities(const char *in, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outsz;) {
        if (in[i] == '&') {
            static const struct {
                const char *e;
                char c;
            } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},
                        {"&quot;", '"'}, {"&apos;", '\''}, {"&nbsp;", ' '}};
            bool done = false;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t el = strlen(ents[k].e);
                if (i + el <= n && !strncasecmp(in + i, ents[k].e, el)) {
                    out[o++] = ents[k].c;
                    i += el;
                    done = true;
                    break;
                }
            }
            if (done)
                continue;
            if (i + 2 < n && in[i + 1] == '#') {
                size_t j = i + 2;
                unsigned cp = 0;
                bool hex = j < n && (in[j] == 'x' || in[j] == 'X');
                if (hex)
                    j++;
                size_t d0 = j;
                while (j < n && j - d0 < 7) {
                    char c = in[j];
                    int v = c >= '0' && c <= '9'          ? c - '0'
                            : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                            : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                          : -1;
                    if (v < 0)
                        break;
                    cp = cp * (hex ? 16 : 10) + (unsigned)v;
                    j++;
                }
                if (j > d0 && cp > 0 && cp <= 0x10FFFF) {
                    if (j < n && in[j] == ';')
                        j++;
                    o += eg_utf8_encode(cp, out + o);
                    i = j;
                    continue;
                }
            }
        }
        out[o++] = in[i++];
    }
    out[o] = 0;
    return o;
}

static bool http_like(const char *u)
{
    return eg_has_prefix_ci(u, "http://") || eg_has_prefix_ci(u, "https://") ||
           eg_has_prefix_ci(u, "ftp://") || eg_has_prefix_ci(u, "hxxp");
}

/* the href value inside the attributes [a, e) */
static bool find_href(const char *h, size_t a, size_t e, size_t *vs, size_t *ve)
{
    for (size_t i = a; i + 5 <= e; i++) {
        if (strncasecmp(h + i, "href", 4) ||
            (i > a && h[i - 1] != ' ' && h[i - 1] != '\t' && h[i - 1] != '\n' && h[i - 1] != '\r' &&
             h[i - 1] != '"' && h[i - 1] != '\''))
            continue;
        size_t j = i + 4;
        while (j < e && (h[j] == ' ' || h[j] == '\t' || h[j] == '\n' || h[j] == '\r'))
            j++;
        if (j >= e || h[j] != '=')
            continue;
        j++;
        while (j < e && (h[j] == ' ' || h[j] == '\t' || h[j] == '\n' || h[j] == '\r'))
            j++;
        if (j < e && (h[j] == '"' || h[j] == '\'')) {
            char q = h[j++];
            size_t k = j;
            while (k < e && h[k] != q)
                k++;
            *vs = j;
            *ve = k;
        } else {
            size_t k = j;
            while (k < e && h[k] != ' ' && h[k] != '\t' && h[k] != '\n' && h[k] != '>')
                k++;
            *vs = j;
            *ve = k;
        }
        return true;
    }
    return false;
}

/* end of a tag starting at i ('<'), honouring quoted attribute values */
static size_t tag_end(const char *h, size_t n, size_t i)
{
    char q = 0;
    for (size_t k = i + 1; k < n; k++) {
        if (q) {
            if (h[k] == q)
                q = 0;
        } else if (h[k] == '"' || h[k] == '\'') {
            q = h[k];
        } else if (h[k] == '>') {
            return k;
        }
    }
    return n;
}

static eg_status anchors(const char *h, size_t n, eg_links *l)
{
    char url[4096], text[ANCHOR_TEXT_MAX * 2];
    for (size_t i = 0; i + 2 < n && !l->truncated; i++) {
        if (h[i] != '<' || (h[i + 1] != 'a' && h[i + 1] != 'A') ||
            (h[i + 2] != ' ' && h[i + 2] != '\t' && h[i + 2] != '\n' && h[i + 2] != '\r'))
            continue;
        size_t te = tag_end(h, n, i);
        size_t vs, ve;
        if (te >= n || !find_href(h, i + 2, te, &vs, &ve)) {
            i = te;
            continue;
        }
        size_t ulen = decode_entities(h + vs, ve - vs, url, sizeof url);
        size_t us = 0;
        while (us < ulen && (url[us] == ' ' || url[us] == '\t' || url[us] == '\n'))
            us++;
        /* visible text up to </a>, tags dropped, white space collapsed */
        /* the text is cut at 8 KiB, so "</a" is looked for no further (a search to the end for
         * every anchor is quadratic in a page of unclosed anchors) */
        size_t win = n - te > 8192 + 3 ? 8192 + 3 : n - te;
        const char *close = eg_memmem_ci(h + te, win, "</a", 3);
        size_t ce = close ? (size_t)(close - h) : n;
        if (ce - te > 8192)
            ce = te + 8192;
        char raw[8192 + 1];
        size_t rn = 0;
        bool space = false;
        for (size_t k = te + 1; k < ce;) {
            if (h[k] == '<') {
                k = tag_end(h, ce, k) + 1;
                continue;
            }
            char c = h[k++];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                space = rn > 0;
                continue;
            }
            if (space && rn < sizeof raw - 1)
                raw[rn++] = ' ';
            space = false;
            if (rn < sizeof raw - 1)
                raw[rn++] = c;
        }
        size_t tn = decode_entities(raw, rn, text, sizeof text);
        if (http_like(url + us)) {
            eg_status st = push(l, url + us, ulen - us, text, tn);
            if (st != EG_OK)
                return st;
        }
        i = ce > i ? ce - 1 : i;
    }
    return EG_OK;
}

eg_status eg_links_collect(const char *text, size_t tlen, const char *html, size_t hlen,
                           eg_links *out)
{
    memset(out, 0, sizeof *out);
    if (html && hlen) {
        eg_status st = anchors(html, hlen > EG_LINKS_MAX_TEXT ? EG_LINKS_MAX_TEXT : hlen, out);
        if (st != EG_OK)
            return st;
    }
    if (text && tlen && !out->truncated) {
        text_ud t = {out, EG_OK};
        eg_urls_extract(text, tlen > EG_LINKS_MAX_TEXT ? EG_LINKS_MAX_TEXT : tlen, text_cb, &t);
        if (t.st != EG_OK)
            return t.st;
    }
    return EG_OK;
}

void eg_links_free(eg_links *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].url);
        free(l->v[i].text);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool ip_part(const char *p, size_t n)
{
    if (n == 0 || n > 12)
        return false;
    size_t i = 0;
    if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (i = 2; i < n; i++)
            if (!strchr("0123456789abcdefABCDEF", p[i]))
                return false;
        return true;
    }
    for (; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

bool eg_link_host_is_ip(const char *host)
{
    if (!host || !*host)
        return false;
    if (host[0] == '[')
        return true;
    size_t parts = 0;
    const char *p = host;
    while (true) {
        const char *d = strchr(p, '.');
        size_t n = d ? (size_t)(d - p) : strlen(p);
        if (!ip_part(p, n) || ++parts > 4)
            return false;
        if (!d)
            break;
        p = d + 1;
    }
    return true;
}

const char *eg_link_file_ext(const char *url)
{
    static const char *const ext[] = {
        "doc", "docm", "dot", "dotm", "xls", "xlsm",         "xlsb",   "xla",  "xlam", "xll",
        "ppt", "pptm", "zip", "rar",  "7z",  "one",          "onepkg", "lnk",  "js",   "jse",
        "vbs", "vbe",  "wsf", "hta",  "iso", "img",          "vhd",    "vhdx", "exe",  "scr",
        "msi", "bat",  "cmd", "ps1",  "jar", "appinstaller", "msix",   "appx", "cab",  NULL};
    const char *a = strstr(url, "://");
    if (!a)
        return NULL;
    a += 3;
    size_t pl = strcspn(a, "?#");
    const char *slash = memchr(a, '/', pl);
    if (!slash)
        return NULL;
    const char *last = slash;
    for (const char *q = slash; q < a + pl; q++)
        if (*q == '/')
            last = q;
    const char *dot = NULL;
    for (const char *q = last; q < a + pl; q++)
        if (*q == '.')
            dot = q;
    if (!dot)
        return NULL;
    size_t el = (size_t)(a + pl - dot - 1);
    for (size_t i = 0; ext[i]; i++)
        if (strlen(ext[i]) == el && !strncasecmp(dot + 1, ext[i], el))
            return ext[i];
    return NULL;
}

bool eg_link_text_host(const char *text, char *out, size_t outsz)
{
    if (!text)
        return false;
    while (*text == ' ' || *text == '<' || *text == '[' || *text == '(')
        text++;
    size_t n = strlen(text);
    while (n &&
           (text[n - 1] == ' ' || text[n - 1] == '>' || text[n - 1] == ']' || text[n - 1] == ')'))
        n--;
    if (n == 0 || n > 2048)
        return false;
    if (eg_has_prefix_ci(text, "http://") || eg_has_prefix_ci(text, "https://"))
        return eg_url_host(text, n, out, outsz);
    /* "www.example.jp/path" or "example.co.jp": a dotted name with a letter TLD and no spaces */
    size_t hl = 0;
    while (hl < n && text[hl] != '/' && text[hl] != '?' && text[hl] != ':')
        hl++;
    if (hl == 0 || hl >= outsz)
        return false;
    size_t dots = 0, last_dot = 0;
    for (size_t i = 0; i < hl; i++) {
        char c = text[i];
        if (c == '.') {
            dots++;
            last_dot = i;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-')) {
            return false;
        }
    }
    if (!dots || hl - last_dot < 3)
        return false;
    for (size_t i = last_dot + 1; i < hl; i++)
        if (!((text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z')))
            return false;
    for (size_t i = 0; i < hl; i++)
        out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] + 32) : text[i];
    out[hl] = 0;
    return true;
}

void eg_lure_scan(const char *text, size_t len, bool found[EG_LURE__COUNT],
                  const char *phrase[EG_LURE__COUNT])
{
    eg_lure_scan_kinds(text, len, (1u << EG_LURE__COUNT) - 1, found, phrase);
}

void eg_lure_scan_kinds(const char *text, size_t len, unsigned want, bool found[EG_LURE__COUNT],
                        const char *phrase[EG_LURE__COUNT])
{
    /* Each phrase carries a stem it contains; a text without the stem cannot hold the phrase,
     * so most phrases are never searched for (a handful of stems instead of every phrase). Each
     * stem is looked for once, whatever number of phrases share it. */
    enum {
        S_ENABLE_JA,
        S_RELEASE_JA,
        S_ENABLE,
        S_PASSWORD_JA,
        S_PASSWORD,
        S_URL,
        S_LINK_JA,
        S_DOWNLOAD_JA,
        S_CLICK,
        S_DOWNLOAD,
        S_VIEW,
        S__COUNT
    };
    static const char *const stems[S__COUNT] = {
        [S_ENABLE_JA] = "有効",    [S_RELEASE_JA] = "解除",
        [S_ENABLE] = "enable",     [S_PASSWORD_JA] = "パスワード",
        [S_PASSWORD] = "password", [S_URL] = "URL",
        [S_LINK_JA] = "リンク",    [S_DOWNLOAD_JA] = "ダウンロード",
        [S_CLICK] = "click",       [S_DOWNLOAD] = "download",
        [S_VIEW] = "view",
    };
    static const struct {
        eg_lure_kind k;
        unsigned char stem;
        const char *p;
    } lures[] = {
        {EG_LURE_ENABLE_MACRO, S_ENABLE_JA, "コンテンツの有効化"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE_JA, "コンテンツを有効"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE_JA, "編集を有効"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE_JA, "マクロを有効"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE_JA, "マクロの有効化"},
        {EG_LURE_ENABLE_MACRO, S_RELEASE_JA, "保護ビューを解除"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE, "enable content"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE, "enable editing"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE, "enable macro"},
        {EG_LURE_ENABLE_MACRO, S_ENABLE, "enable the macro"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "パスワードは以下"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "パスワードは下記"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "下記のパスワード"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "以下のパスワード"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "解凍パスワード"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD_JA, "パスワードを入力して"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "password below"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "password is below"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "password to open"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "zip password"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "archive password"},
        {EG_LURE_ARCHIVE_PASSWORD, S_PASSWORD, "password for the attach"},
        {EG_LURE_VIEW_LINK, S_URL, "下記URLから"},
        {EG_LURE_VIEW_LINK, S_URL, "以下のURLから"},
        {EG_LURE_VIEW_LINK, S_URL, "下記のURL"},
        {EG_LURE_VIEW_LINK, S_LINK_JA, "下記リンク"},
        {EG_LURE_VIEW_LINK, S_LINK_JA, "下記のリンク"},
        {EG_LURE_VIEW_LINK, S_LINK_JA, "以下のリンク"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD_JA, "こちらからダウンロード"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD_JA, "下記よりダウンロード"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD_JA, "ダウンロードしてご確認"},
        {EG_LURE_VIEW_LINK, S_CLICK, "click here to view"},
        {EG_LURE_VIEW_LINK, S_CLICK, "click the link below"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD, "download the document"},
        {EG_LURE_VIEW_LINK, S_VIEW, "view the document"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD, "download your invoice"},
        {EG_LURE_VIEW_LINK, S_VIEW, "view your invoice"},
        {EG_LURE_VIEW_LINK, S_DOWNLOAD, "link below to download"},
    };
    for (size_t k = 0; k < EG_LURE__COUNT; k++) {
        found[k] = false;
        phrase[k] = NULL;
    }
    if (!text)
        return;
    if (len > EG_LINKS_MAX_TEXT)
        len = EG_LINKS_MAX_TEXT;
    signed char has[S__COUNT] = {0}; /* 1 stem in the text, -1 not, 0 not looked for yet */
    for (size_t i = 0; i < sizeof lures / sizeof lures[0]; i++) {
        if (found[lures[i].k] || !(want & (1u << lures[i].k)))
            continue;
        unsigned st = lures[i].stem;
        if (!has[st])
            has[st] = eg_memmem_ci(text, len, stems[st], strlen(stems[st])) ? 1 : -1;
        if (has[st] < 0)
            continue;
        if (eg_memmem_ci(text, len, lures[i].p, strlen(lures[i].p))) {
            found[lures[i].k] = true;
            phrase[lures[i].k] = lures[i].p;
        }
    }
}
