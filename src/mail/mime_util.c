/*
 * Helpers shared by the mail analyzer and the batch summary (mime_util.h): header pre-cutting,
 * raw header access, address lists, transfer-decoded part bytes.
 */
#include "mail/mime_util.h"

#include "core/strutil.h"
#include "text/textbuf.h"
#include "core/utf8.h"
#include "text/header.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Copies the message with over-long header lines cut and an over-long header block dropped, so
 * GMime never holds a 100 MB header. Returns NULL (and *cut = false) when nothing needs cutting. */
uint8_t *eg_mime_cut_headers(const uint8_t *d, size_t len, size_t *out_len, bool *cut, size_t *longest)
{
    *cut = false;
    *longest = 0;
    size_t hend = len, i = 0, line = 0;
    bool need = false;
    while (i < len) {
        const uint8_t *nl = memchr(d + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - d) : len;
        size_t l = e - i;
        if (l > *longest)
            *longest = l;
        if (l > MAX_HDR_LINE || e > MAX_HDR_BLOCK)
            need = true;
        if (l == 0 || (l == 1 && d[i] == '\r')) {
            hend = i;
            break;
        }
        i = nl ? e + 1 : len;
        line++;
        if (need && i > MAX_HDR_BLOCK)
            break;
    }
    if (!need)
        return NULL;
    *cut = true;
    if (hend == len) { /* find the real end of the header block past the cut point */
        const uint8_t *b = memmem(d, len, "\n\n", 2);
        const uint8_t *b2 = memmem(d, len, "\n\r\n", 3);
        if (b2 && (!b || b2 < b))
            b = b2;
        hend = b ? (size_t)(b - d) + 1 : len;
    }
    eg_buf o;
    eg_buf_init(&o, 0);
    i = 0;
    while (i < hend && o.len < MAX_HDR_BLOCK) {
        const uint8_t *nl = memchr(d + i, '\n', hend - i);
        size_t e = nl ? (size_t)(nl - d) : hend;
        size_t l = e - i;
        eg_text_append(&o, d + i, l > MAX_HDR_LINE ? MAX_HDR_LINE : l);
        eg_buf_putc(&o, '\n');
        i = e + 1;
    }
    eg_buf_putc(&o, '\n');
    if (hend < len) {
        size_t body = hend + (d[hend] == '\r' ? 2 : 1);
        if (body > len)
            body = len;
        if (eg_text_append(&o, d + body, len - body) != EG_OK) {
            eg_buf_free(&o);
            return NULL;
        }
    }
    return (uint8_t *)eg_buf_steal(&o, out_len);
}

void eg_mime_addr_free(eg_addr *a)
{
    free(a->display);
    free(a->addr);
    a->display = a->addr = a->domain = NULL;
}

void eg_mime_addr_list_free(eg_addr *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        eg_mime_addr_free(&a[i]);
    free(a);
}

/* Fills one mailbox from raw "Display <local@domain>" or "local@domain (comment)". */
static void addr_from_piece(const char *p, size_t n, eg_addr *out)
{
    memset(out, 0, sizeof *out);
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    if (!n)
        return;
    const char *lt = NULL, *gt = NULL;
    bool q = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' && (i == 0 || p[i - 1] != '\\'))
            q = !q;
        else if (!q && p[i] == '<')
            lt = p + i;
        else if (!q && p[i] == '>' && lt)
            gt = p + i;
    }
    eg_buf disp, addr;
    eg_buf_init(&disp, 4096);
    eg_buf_init(&addr, 1024);
    if (lt) {
        const char *ae = gt ? gt : p + n;
        const char *as = lt + 1;
        const char *colon = memchr(as, ':', (size_t)(ae - as)); /* drop a source route */
        if (colon)
            as = colon + 1;
        for (const char *c = as; c < ae; c++)
            if (!isspace((unsigned char)*c))
                eg_buf_putc(&addr, (uint8_t)*c);
        for (const char *c = p; c < lt; c++) {
            if (*c == '"')
                continue;
            if (*c == '\\' && c + 1 < lt)
                c++;
            eg_buf_putc(&disp, (uint8_t)*c);
        }
    } else {
        int depth = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '(')
                depth++;
            else if (p[i] == ')' && depth)
                depth--;
            else if (depth)
                eg_buf_putc(&disp, (uint8_t)p[i]);
            else if (!isspace((unsigned char)p[i]) && p[i] != '"')
                eg_buf_putc(&addr, (uint8_t)p[i]);
        }
    }
    if (disp.len) {
        char *dec = NULL;
        eg_header_decode((char *)disp.data, disp.len, MAX_HDR_VALUE, &dec, NULL);
        if (dec) {
            size_t a = 0, m = strlen(dec);
            while (a < m && isspace((unsigned char)dec[a]))
                a++;
            while (m > a && isspace((unsigned char)dec[m - 1]))
                m--;
            if (m > a)
                out->display = eg_utf8_sanitize(dec + a, m - a, 1024, false);
            free(dec);
        }
    }
    const char *at = addr.len ? memrchr(addr.data, '@', addr.len) : NULL;
    if (at && at != (const char *)addr.data && (size_t)(at - (const char *)addr.data) + 1 < addr.len) {
        char *a = eg_utf8_sanitize((char *)addr.data, addr.len, 512, false);
        if (a) {
            char *d = strrchr(a, '@');
            if (d) {
                eg_ascii_lower(d + 1);
                out->addr = a;
                out->domain = d + 1;
            } else {
                free(a);
            }
        }
    } else if (addr.len && !out->display) {
        out->display = eg_utf8_sanitize((char *)addr.data, addr.len, 1024, false);
    }
    eg_buf_free(&disp);
    eg_buf_free(&addr);
}

/* Splits a raw address list at top-level commas; groups ("name: a, b;") are flattened. */
eg_addr *eg_mime_addr_list(const char *raw, size_t *count)
{
    *count = 0;
    if (!raw)
        return NULL;
    size_t n = strlen(raw);
    if (n > MAX_HDR_VALUE)
        n = MAX_HDR_VALUE;
    eg_addr *list = NULL;
    size_t cap = 0, cnt = 0, start = 0;
    bool q = false;
    int angle = 0, paren = 0;
    for (size_t i = 0; i <= n && cnt < 500; i++) {
        char c = i < n ? raw[i] : ',';
        if (q) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == '"')
                q = false;
            if (i < n)
                continue;
        }
        if (c == '"' && i < n) {
            q = true;
            continue;
        }
        if (c == '(')
            paren++;
        else if (c == ')' && paren)
            paren--;
        else if (c == '<')
            angle++;
        else if (c == '>' && angle)
            angle--;
        if (paren || angle)
            continue;
        if (c == ':' && i < n) { /* group name */
            start = i + 1;
            continue;
        }
        if (c != ',' && c != ';')
            continue;
        eg_addr a;
        addr_from_piece(raw + start, i - start, &a);
        start = i + 1;
        if (!a.addr && !a.display)
            continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 4;
            eg_addr *nl = realloc(list, nc * sizeof *nl);
            if (!nl) {
                eg_mime_addr_free(&a);
                break;
            }
            list = nl;
            cap = nc;
        }
        list[cnt++] = a;
    }
    *count = cnt;
    return list;
}

const char *eg_mime_raw_header(GMimeObject *o, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
    return h ? g_mime_header_get_raw_value(h) : NULL;
}

char *eg_mime_trimmed_raw(GMimeObject *o, const char *name)
{
    const char *r = eg_mime_raw_header(o, name);
    if (!r)
        return NULL;
    size_t n = strlen(r);
    if (n > MAX_HDR_VALUE)
        n = MAX_HDR_VALUE;
    eg_buf b;
    eg_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        if (r[i] != '\r' && r[i] != '\n')
            eg_buf_putc(&b, (uint8_t)r[i]);
    size_t a = 0, e = b.len;
    while (a < e && isspace(b.data[a]))
        a++;
    while (e > a && isspace(b.data[e - 1]))
        e--;
    char *s = eg_utf8_sanitize(b.data ? (char *)b.data + a : "", e - a, MAX_HDR_VALUE, false);
    eg_buf_free(&b);
    return s;
}

void eg_mime_append_line(eg_buf *b, const char *s, size_t n)
{
    if (b->len)
        eg_buf_putc(b, '\n');
    eg_text_append(b, s, n);
}

/* Transfer-decoded bytes of a part (malloc'd, may be empty). */
uint8_t *eg_mime_part_bytes(GMimePart *part, size_t *n)
{
    *n = 0;
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *ms = g_mime_stream_mem_new();
    if (!ms)
        return NULL;
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
    if (dw)
        g_mime_data_wrapper_write_to_stream(dw, ms);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
    g_object_unref(ms);
    if (!arr)
        return NULL;
    *n = arr->len;
    uint8_t *d = malloc(arr->len ? arr->len : 1);
    if (d && arr->len)
        memcpy(d, arr->data, arr->len);
    g_byte_array_free(arr, TRUE);
    return d;
}

