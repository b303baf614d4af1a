/*
 * HTML attachments: HTML smuggling and active content. A smuggling page carries a file inside
 * itself, as a data: URI with a download attribute or as a base64 string that script turns into
 * a Blob and saves (msSaveOrOpenBlob, an <a download> click, URL.createObjectURL). The embedded
 * file is decoded and becomes a child, named as the page would save it, so the archive, image or
 * shortcut inside is analysed like any attachment. URLs of the page become IOCs; pages with
 * ActiveX or WScript code get the script checks.
 *
 * Long hex or base64 text inside an element that the page's script reads (an HTA's hidden next
 * stage, often gzip) is decoded into a child too.
 *
 * Not done here: rendering, running script, or undoing custom encryption of the blob (XOR, reversed
 * strings): such pages are reported by their smuggling code without a child.
 */
#include "payload/payload.h"

#include "core/buf.h"
#include "core/strutil.h"
#include "payload/payload_int.h"
#include "scan/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML_MAX (16u << 20) /* bytes of a page examined */
#define MAX_EMBEDDED 8
#define MIN_BLOB 64 /* base64 characters of a literal worth decoding */

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    const char *t;
    char *lc;
    size_t n;
    int children;
    bool code; /* Blob / msSaveOrOpenBlob / createObjectURL / download seen */
} hview;

static bool lhas(const hview *v, const char *s)
{
    return memmem(v->lc, v->n, s, strlen(s)) != NULL;
}

/* The value of attribute or property `key` (download=, .download =, msSaveOrOpenBlob(x, "...")),
 * searched in [from, to). Copies at most cap-1 bytes into out; "" if none. */
static void find_name(const hview *v, size_t from, size_t to, const char *key, char *out,
                      size_t cap)
{
    out[0] = 0;
    size_t kl = strlen(key);
    if (to > v->n)
        to = v->n;
    const char *h = from < to ? memmem(v->lc + from, to - from, key, kl) : NULL;
    if (!h)
        return;
    size_t i = (size_t)(h - v->lc) + kl;
    while (i < v->n && (v->t[i] == ' ' || v->t[i] == '=' || v->t[i] == ','))
        i++;
    if (i >= v->n || (v->t[i] != '"' && v->t[i] != '\''))
        return;
    char q = v->t[i++];
    size_t j = i;
    while (j < v->n && v->t[j] != q && v->t[j] != '\n' && j - i < cap - 1)
        j++;
    if (j < v->n && v->t[j] == q) {
        memcpy(out, v->t + i, j - i);
        out[j - i] = 0;
    }
}

static eg_status add_file(hview *v, const uint8_t *data, size_t n, const char *name,
                          const char *how, bool smuggled)
{
    if (v->children >= MAX_EMBEDDED || n < 32)
        return EG_OK;
    v->children++;
    eg_child c = {
        .name = name, .data = data, .size = n, .owned = false, .type = EG_T_UNKNOWN, .detail = how};
    if (smuggled)
        eg_scan_finding(v->s, v->obj, EG_R_HTML_SMUGGLING, "%s: \"%s\", %zu bytes", how, name, n);
    else
        eg_scan_finding(v->s, v->obj, EG_R_HTML_EMBEDDED_FILE, "%s: \"%s\", %zu bytes", how, name,
                        n);
    return eg_scan_add_child(v->s, v->obj, &c, NULL);
}

static bool skip_mime(const char *m, size_t n)
{
    static const char *const harmless[] = {
        "image/", "font/", "text/css", "audio/", "video/", "application/font", "application/x-font",
        NULL};
    for (size_t i = 0; harmless[i]; i++)
        if (n >= strlen(harmless[i]) && !strncmp(m, harmless[i], strlen(harmless[i])))
            return true;
    return false;
}

/* data:<mime>;base64,<data> in the page. */
static eg_status data_uris(hview *v)
{
    size_t at = 0;
    while (at < v->n && v->children < MAX_EMBEDDED) {
        const char *h = memmem(v->lc + at, v->n - at, "data:", 5);
        if (!h)
            break;
        size_t i = (size_t)(h - v->lc) + 5, ms = i;
        at = i;
        while (i < v->n && i - ms < 100 && v->lc[i] != ';' && v->lc[i] != ',' && v->lc[i] != '"')
            i++;
        size_t me = i;
        const char *b64 =
            i < v->n ? memmem(v->lc + i, v->n - i < 40 ? v->n - i : 40, "base64,", 7) : NULL;
        if (!b64 || skip_mime(v->lc + ms, me - ms))
            continue;
        size_t ds = (size_t)(b64 - v->lc) + 7;
        eg_buf out;
        eg_buf_init(&out, eg_pl_out_cap(v->s, HTML_MAX));
        size_t used = 0;
        eg_base64_decode(v->t + ds, v->n - ds, &out, &used);
        at = ds + used;
        if (out.len >= 32) {
            /* the enclosing tag: a download attribute makes the browser save it */
            size_t tag = ms;
            while (tag > 0 && v->t[tag] != '<' && ms - tag < 2000)
                tag--;
            size_t tend = at;
            while (tend < v->n && v->t[tend] != '>' && tend - at < 2000)
                tend++;
            char name[256];
            find_name(v, tag, tend, "download", name, sizeof name);
            bool dl = name[0] || eg_memmem_ci(v->t + tag, tend - tag, " download", 9);
            char label[160];
            snprintf(label, sizeof label, "data: URI (%.*s)", (int)(me - ms < 60 ? me - ms : 60),
                     v->t + ms);
            eg_status st =
                add_file(v, out.data, out.len, name[0] ? name : "[data URI]", label, dl || v->code);
            eg_buf_free(&out);
            if (st != EG_OK)
                return st;
        } else {
            eg_buf_free(&out);
        }
    }
    return EG_OK;
}

static bool b64c(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

/* Script string literals of base64, joined across "..." + "..." pieces. */
static eg_status blob_literals(hview *v, const char *name)
{
    for (size_t i = 0; i < v->n && v->children < MAX_EMBEDDED; i++) {
        char q = v->t[i];
        if (q != '"' && q != '\'' && q != '`')
            continue;
        size_t j = i + 1;
        while (j < v->n && b64c(v->t[j]))
            j++;
        if (j >= v->n || v->t[j] != q || j - i - 1 < MIN_BLOB) {
            i = j < v->n && v->t[j] == q ? j : i;
            continue;
        }
        /* gather the pieces of a split literal */
        eg_buf joined;
        eg_buf_init(&joined, eg_pl_out_cap(v->s, HTML_MAX) * 2);
        size_t k = i;
        for (;;) {
            eg_pl_append(&joined, v->t + k + 1, j - k - 1);
            size_t m = j + 1;
            while (m < v->n &&
                   (v->t[m] == ' ' || v->t[m] == '\n' || v->t[m] == '\r' || v->t[m] == '\t'))
                m++;
            if (m >= v->n || v->t[m] != '+')
                break;
            m++;
            while (m < v->n &&
                   (v->t[m] == ' ' || v->t[m] == '\n' || v->t[m] == '\r' || v->t[m] == '\t'))
                m++;
            if (m >= v->n || v->t[m] != q)
                break;
            size_t e = m + 1;
            while (e < v->n && b64c(v->t[e]))
                e++;
            if (e >= v->n || v->t[e] != q)
                break;
            k = m;
            j = e;
        }
        eg_buf out;
        eg_buf_init(&out, eg_pl_out_cap(v->s, HTML_MAX));
        if (joined.data)
            eg_base64_decode((const char *)joined.data, joined.len, &out, NULL);
        eg_buf_free(&joined);
        i = j;
        eg_status st = EG_OK;
        if (out.len >= 48) {
            /* what the page would save: binaries and active text (script, HTA, HTML); images and
             * plain text are page assets, their URLs are still collected */
            eg_type t = eg_detect_type(out.data, out.len, name[0] == '[' ? NULL : name, NULL);
            bool text = eg_pl_text_percent(out.data, out.len) >= 95;
            if (t != EG_T_IMAGE && (!text || t == EG_T_SCRIPT || t == EG_T_HTML))
                st = add_file(v, out.data, out.len, name, "base64 blob in script", true);
            else if (text)
                eg_scan_iocs_from_text(v->s, v->obj, (const char *)out.data, out.len);
        }
        eg_buf_free(&out);
        if (st != EG_OK)
            return st;
        if (eg_scan_timed_out(v->s, v->obj))
            return EG_ETIME;
    }
    return EG_OK;
}

/* Text of an element that is one long run of hex or base64 (white space allowed), read by script
 * in the page (getElementById(..).innerText and the like): HTAs hide their next stage there, often
 * gzip-compressed. The decoded bytes become a child (a gzip one is opened by the archive reader).
 */
#define MIN_ELEMENT 256
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static eg_status element_payloads(hview *v)
{
    if (!lhas(v, "getelementbyid") && !lhas(v, "innertext") && !lhas(v, "innerhtml") &&
        !lhas(v, "textcontent") && !lhas(v, "getelementsbytagname"))
        return EG_OK;
    int found = 0;
    bool sink = lhas(v, "eval(") || lhas(v, "new function(") || lhas(v, "execute") ||
                lhas(v, "execscript") || lhas(v, ".run(");
    for (size_t i = 0; i < v->n && found < 4 && v->children < MAX_EMBEDDED; i++) {
        if (v->t[i] != '>')
            continue;
        size_t j = i + 1, sig = 0, hex = 0, words = 0;
        bool in_word = false;
        while (j < v->n && v->t[j] != '<') {
            char c = v->t[j];
            if (c == ' ' || c == '\r' || c == '\n' || c == '\t') {
                in_word = false;
                j++;
                continue;
            }
            if (!b64c(c))
                break;
            words += !in_word;
            in_word = true;
            sig++;
            hex += hexval(c) >= 0;
            j++;
        }
        /* encoded data comes in long runs (lines of 64 or more); prose without punctuation is
         * made of short words and is no payload */
        if (j >= v->n || v->t[j] != '<' || sig < MIN_ELEMENT || sig / (words ? words : 1) < 40) {
            i = j > i ? j - 1 : i;
            continue;
        }
        eg_buf out;
        eg_buf_init(&out, eg_pl_out_cap(v->s, HTML_MAX));
        const char *how;
        if (hex == sig && sig % 2 == 0) {
            how = "hex in an element";
            int hi = -1;
            for (size_t k = i + 1; k < j; k++) {
                int d = hexval(v->t[k]);
                if (d < 0)
                    continue;
                if (hi < 0) {
                    hi = d;
                } else {
                    eg_buf_putc(&out, (uint8_t)(hi * 16 + d));
                    hi = -1;
                }
            }
        } else {
            how = "base64 in an element";
            eg_base64_decode(v->t + i + 1, j - i - 1, &out, NULL);
        }
        eg_status st = EG_OK;
        if (out.len >= 48 && out.data) {
            bool gz = out.data[0] == 0x1F && out.data[1] == 0x8B;
            bool text = eg_pl_text_percent(out.data, out.len) >= 95;
            eg_type t = eg_detect_type(out.data, out.len, NULL, NULL);
            if (gz || t == EG_T_SCRIPT || t == EG_T_HTML || t == EG_T_PE || t == EG_T_ZIP ||
                t == EG_T_ARCHIVE || t == EG_T_CFB || t == EG_T_OOXML || t == EG_T_LNK ||
                (!text && t != EG_T_IMAGE)) {
                found++;
                v->children++;
                eg_scan_finding(v->s, v->obj, EG_R_HTML_ELEMENT_PAYLOAD, "%s%s: %zu bytes", how,
                                gz ? " (gzip)" : "", out.len);
                eg_child c = {.name = gz ? "[element payload].gz" : "[element payload]",
                              .data = out.data,
                              .size = out.len,
                              .owned = false,
                              .type = EG_T_UNKNOWN,
                              .detail = how};
                st = eg_scan_add_child(v->s, v->obj, &c, NULL);
            } else if (text && sink) {
                /* text the page turns into code (junk removed first, as Ursnif's 2020 page
                 * does before new Function): read as a script */
                found++;
                v->children++;
                eg_scan_finding(v->s, v->obj, EG_R_HTML_ELEMENT_PAYLOAD,
                                "%s: %zu bytes of text, and the page runs code it builds", how,
                                out.len);
                eg_child c = {.name = "[element payload]",
                              .data = out.data,
                              .size = out.len,
                              .owned = false,
                              .type = EG_T_SCRIPT,
                              .detail = how};
                st = eg_scan_add_child(v->s, v->obj, &c, NULL);
            } else if (text) {
                eg_scan_iocs_from_text(v->s, v->obj, (const char *)out.data, out.len);
            }
        }
        eg_buf_free(&out);
        if (st != EG_OK)
            return st;
        i = j - 1;
    }
    return EG_OK;
}

eg_status eg_pl_html_element_payloads(eg_scan *s, const eg_object *obj, const char *t, size_t n)
{
    if (n > HTML_MAX)
        n = HTML_MAX;
    hview v = {s, obj, t, eg_pl_lower_dup(t, n), n, 0, false};
    if (!v.lc)
        return EG_ENOMEM;
    eg_status st = element_payloads(&v);
    free(v.lc);
    return st == EG_ELIMIT ? EG_OK : st;
}

/* A page whose content is produced at run time from text the script decodes (the HTML packers
 * and "source protectors" malspam pages hide behind: eval(unescape('%..')), document.write of
 * atob(..), the p,a,c,k,e,d packer). Looked for as call shapes in the lower-cased page, white
 * space after the opening parenthesis allowed. */
static bool packed_page(hview *v)
{
    static const char *const sink[] = {"eval(", "document.write(", "document.writeln(",
                                       "new function(", "settimeout("};
    static const char *const dec[] = {"unescape(", "atob(", "decodeuricomponent(",
                                      "string.fromcharcode(", "function(p,a,c,k,e,"};
    for (size_t i = 0; i < sizeof sink / sizeof *sink; i++) {
        size_t sl = strlen(sink[i]);
        for (const char *p = v->lc; (p = memmem(p, v->n - (size_t)(p - v->lc), sink[i], sl));
             p += sl) {
            const char *q = p + sl;
            const char *end = v->lc + v->n;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
                q++;
            for (size_t k = 0; k < sizeof dec / sizeof *dec; k++) {
                size_t dl = strlen(dec[k]);
                if ((size_t)(end - q) >= dl && !memcmp(q, dec[k], dl)) {
                    eg_scan_finding(v->s, v->obj, EG_R_HTML_PACKED_PAGE, "\"%.*s%.*s\"", (int)sl,
                                    sink[i], (int)dl, dec[k]);
                    return true;
                }
            }
        }
    }
    return false;
}

eg_status eg_payload_analyze_html(eg_scan *s, const eg_object *obj)
{
    size_t n = obj->size > HTML_MAX ? HTML_MAX : (size_t)obj->size;
    if (!obj->data || !n)
        return EG_OK;
    hview v = {s, obj,  (const char *)obj->data, eg_pl_lower_dup((const char *)obj->data, n), n,
               0, false};
    if (!v.lc)
        return EG_ENOMEM;
    static const char *const code[] = {"mssaveoropenblob",
                                       "mssaveblob",
                                       "createobjecturl",
                                       "new blob(",
                                       ".download=",
                                       ".download =",
                                       "setattribute(\"download\"",
                                       "setattribute('download'",
                                       NULL};
    const char *which = NULL;
    for (size_t i = 0; code[i] && !which; i++)
        if (lhas(&v, code[i]))
            which = code[i];
    v.code = which != NULL;
    eg_status st = data_uris(&v);
    if (st == EG_OK)
        st = element_payloads(&v);
    if (st == EG_OK && v.code) {
        char name[256];
        find_name(&v, 0, v.n, ".download", name, sizeof name);
        if (!name[0]) {
            const char *m = memmem(v.lc, v.n, "mssaveoropenblob(", 17);
            if (m) {
                const char *comma =
                    memchr(m, ',', v.n - (size_t)(m - v.lc) < 200 ? v.n - (size_t)(m - v.lc) : 200);
                if (comma)
                    find_name(&v, (size_t)(comma - v.lc), (size_t)(comma - v.lc) + 1, ",", name,
                              sizeof name);
            }
        }
        int before = v.children;
        st = blob_literals(&v, name[0] ? name : "[smuggled file]");
        bool decoder = lhas(&v, "atob(") || lhas(&v, "base64") || lhas(&v, "charcodeat") ||
                       lhas(&v, "uint8array");
        if (v.children == before && decoder)
            eg_scan_finding(s, obj, EG_R_HTML_SMUGGLING_CODE,
                            "script builds a file in the browser (\"%s\")%s%s%s", which,
                            name[0] ? ", saved as \"" : "", name, name[0] ? "\"" : "");
    }
    bool packed = packed_page(&v);
    if (packed || lhas(&v, "<hta:application") || lhas(&v, "activexobject") ||
        lhas(&v, "wscript.shell") || lhas(&v, "createobject(") ||
        lhas(&v, "language=\"vbscript\"") || lhas(&v, "language=vbscript"))
        eg_pl_script_checks(s, obj, v.t, v.n);
    eg_scan_iocs_from_text(s, obj, v.t, v.n);
    free(v.lc);
    return st == EG_ELIMIT ? EG_OK : st;
}
