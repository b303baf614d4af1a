/*
 * Helpers shared by the mail analyzer and the batch summary (mime_util.h): the header pre-cut
 * (bounds a header before GMime sees it, keeps the MIME structure and address fields wherever
 * they stand, repairs lines GMime would refuse), raw header access, address lists,
 * transfer-decoded part bytes. Findings are the callers' business: the pre-cut only says what it
 * did (eg_hdr_cut); it never touches the body.
 */
#include "mail/mime_util.h"

#include "core/base64.h"
#include "core/strutil.h"
#include "text/textbuf.h"
#include "core/utf8.h"
#include "text/header.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- header pre-cut -------------------------------------------------------------------- */

#define CUT_FIELD_MAX MAX_HDR_LINE  /* one field, all its folded lines together */
#define CUT_KEY_BUDGET (256u << 10) /* the fields kept past MAX_HDR_BLOCK, all together */
#define MALFORMED_PREFIX "X-Malformed-Line: "

/* Fields kept whatever stands before them: the MIME structure (Content-Type with its boundary,
 * MIME-Version, Content-Transfer-Encoding ...) and who sent the mail to whom. Dropping them would
 * turn a multipart mail with an attachment into one text part. */
static bool key_field(const uint8_t *name, size_t n)
{
    static const char *const keys[] = {"mime-version",
                                       "content-type",
                                       "content-transfer-encoding",
                                       "content-disposition",
                                       "from",
                                       "sender",
                                       "reply-to",
                                       "to",
                                       "cc",
                                       "subject",
                                       "date",
                                       "message-id",
                                       "in-reply-to",
                                       "references",
                                       "return-path",
                                       NULL};
    for (size_t k = 0; keys[k]; k++)
        if (strlen(keys[k]) == n && !strncasecmp((const char *)name, keys[k], n))
            return true;
    return false;
}

static bool ftext(uint8_t c)
{
    return c >= 0x21 && c <= 0x7E && c != ':';
}

/* a control byte GMime or a reader should never meet in a header; ESC, SO and SI belong to raw
 * ISO-2022-JP (SO/SI: half-width kana from old Japanese mailers), which is common enough */
static bool ctl_byte(uint8_t c)
{
    return (c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != 0x1B && c != 0x0E &&
            c != 0x0F) ||
           c == 0x7F;
}

/* One physical line of the header: [s, e) without the '\n'. Where the field name ends (the colon),
 * or 0 when the line is not a field start (a continuation) and SIZE_MAX when it is neither. */
static size_t field_colon(const uint8_t *d, size_t s, size_t e, bool first)
{
    if (!first && (d[s] == ' ' || d[s] == '\t'))
        return 0;
    const uint8_t *c = memchr(d + s, ':', e - s);
    if (!c || c == d + s)
        return SIZE_MAX;
    size_t colon = (size_t)(c - d), ne = colon;
    while (ne > s && (d[ne - 1] == ' ' || d[ne - 1] == '\t')) /* obsolete WSP before ':' */
        ne--;
    return ne > s ? colon : SIZE_MAX;
}

static size_t name_end(const uint8_t *d, size_t s, size_t colon)
{
    while (colon > s && (d[colon - 1] == ' ' || d[colon - 1] == '\t'))
        colon--;
    return colon;
}

static void note_name(char *dst, size_t dstsz, const uint8_t *p, size_t n)
{
    if (dst[0])
        return;
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (dst[i] == 0)
            dst[i] = '?';
}

/* First pass: where the header ends, its longest line, and whether anything in it is odd. */
static size_t survey(const uint8_t *d, size_t len, eg_hdr_cut *info)
{
    size_t i = 0, hend = len, field_s = 0, field_ne = 0;
    bool first = true;
    while (i < len) {
        const uint8_t *nl = memchr(d + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - d) : len;
        size_t l = e - i;
        if (l == 0 || (l == 1 && d[i] == '\r')) {
            hend = i;
            break;
        }
        if (l > info->longest)
            info->longest = l;
        /* a leading mbox "From " line is GMime's to skip */
        if (!(first && i == 0 && l >= 5 && !memcmp(d, "From ", 5))) {
            size_t colon = field_colon(d, i, e, first);
            size_t vs = i;
            if (colon == SIZE_MAX) {
                info->odd_lines++;
                note_name(info->odd_name, sizeof info->odd_name, d + i, l < 40 ? l : 40);
            } else if (colon) {
                field_s = i;
                field_ne = name_end(d, i, colon);
                for (size_t k = i; k < field_ne; k++)
                    if (!ftext(d[k])) {
                        info->odd_names++;
                        note_name(info->odd_name, sizeof info->odd_name, d + i, field_ne - i);
                        break;
                    }
                vs = colon + 1;
            }
            /* control bytes: only where the cut keeps them, so a 100 MB line costs 64 KiB here */
            size_t ve = l > MAX_HDR_LINE ? i + MAX_HDR_LINE : e;
            for (size_t k = vs; k < ve; k++) {
                if (ctl_byte(d[k])) {
                    info->ctl_bytes++;
                    if (field_ne > field_s)
                        note_name(info->ctl_field, sizeof info->ctl_field, d + field_s,
                                  field_ne - field_s);
                }
            }
        }
        first = false;
        i = nl ? e + 1 : len;
    }
    info->block = hend;
    return hend;
}

/* Appends one physical line, made parseable: a line that is no field gets a field name, bytes
 * outside ftext in a name become '_', control bytes in a value become spaces. */
static void put_line(eg_buf *o, const uint8_t *d, size_t s, size_t e, bool first)
{
    size_t l = e - s;
    if (l > MAX_HDR_LINE) {
        l = MAX_HDR_LINE;
        e = s + l;
    }
    if (first && s == 0 && l >= 5 && !memcmp(d, "From ", 5)) {
        eg_text_append(o, d, l);
        eg_buf_putc(o, '\n');
        return;
    }
    size_t colon = field_colon(d, s, e, first);
    size_t vs = s;
    if (colon == SIZE_MAX) {
        eg_buf_puts(o, MALFORMED_PREFIX);
    } else if (colon) {
        size_t ne = name_end(d, s, colon);
        for (size_t k = s; k < ne; k++)
            eg_buf_putc(o, ftext(d[k]) ? d[k] : '_');
        vs = ne;
    }
    for (size_t k = vs; k < e; k++)
        eg_buf_putc(o, ctl_byte(d[k]) ? ' ' : d[k]);
    eg_buf_putc(o, '\n');
}

/* Second pass: the header rewritten field by field. Every field is charged to the ordinary
 * budget (MAX_HDR_BLOCK), key fields (key_field) first to their own (CUT_KEY_BUDGET), so that they
 * are kept wherever they stand; a field keeps at most CUT_FIELD_MAX bytes of its folded lines. */
static void rewrite(eg_buf *o, const uint8_t *d, size_t hend, eg_hdr_cut *info)
{
    size_t i = 0, field_bytes = 0, plain_used = 0, key_used = 0;
    bool keep = true, key = false, first = true;
    while (i < hend) {
        const uint8_t *nl = memchr(d + i, '\n', hend - i);
        size_t e = nl ? (size_t)(nl - d) : hend;
        size_t l = e - i, kept = (l > MAX_HDR_LINE ? MAX_HDR_LINE : l) + 1;
        if (l > MAX_HDR_LINE)
            info->line_cut = true;
        size_t colon = field_colon(d, i, e, first);
        if (colon != 0 || first) { /* a new field (a malformed line is kept as one) */
            key = colon != SIZE_MAX && colon != 0 && key_field(d + i, name_end(d, i, colon) - i);
            field_bytes = 0;
            keep = true;
        } else if (keep && field_bytes + kept > CUT_FIELD_MAX) {
            keep = false; /* the rest of an over-long folded field */
            info->field_cut = true;
        }
        if (keep) {
            if (key && key_used + kept <= CUT_KEY_BUDGET) {
                key_used += kept;
            } else if (plain_used + kept <= MAX_HDR_BLOCK) {
                plain_used += kept;
            } else {
                keep = false;
                info->block_cut = true;
                if (field_bytes == 0)
                    info->fields_dropped++;
            }
        }
        if (keep) {
            put_line(o, d, i, e, first);
            field_bytes += kept;
        }
        first = false;
        i = nl ? e + 1 : hend;
    }
}

uint8_t *eg_mime_cut_headers(const uint8_t *d, size_t len, size_t *out_len, eg_hdr_cut *info)
{
    memset(info, 0, sizeof *info);
    *out_len = 0;
    size_t hend = survey(d, len, info);
    bool big = info->longest > MAX_HDR_LINE || hend > MAX_HDR_BLOCK;
    if (!big && !info->odd_lines && !info->odd_names && !info->ctl_bytes)
        return NULL;
    eg_buf o;
    eg_buf_init(&o, 0);
    rewrite(&o, d, hend, info);
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
    info->copied = true;
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
    if (at && at != (const char *)addr.data &&
        (size_t)(at - (const char *)addr.data) + 1 < addr.len) {
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

/* The part's content as the parser left it: a window into the mail GMime holds in memory (a
 * mail parsed from a memory stream keeps its parts as bounded views of that one buffer), so the
 * bytes can be read where they are. False when the content lives anywhere else. */
static bool content_window(GMimeDataWrapper *dw, const uint8_t **p, size_t *n)
{
    GMimeStream *st = g_mime_data_wrapper_get_stream(dw);
    if (!st || !GMIME_IS_STREAM_MEM(st))
        return false;
    GByteArray *a = GMIME_STREAM_MEM(st)->buffer;
    if (!a)
        return false;
    gint64 start = st->bound_start, end = st->bound_end;
    if (end < 0 || end > (gint64)a->len)
        end = (gint64)a->len; /* unbounded: to the end of the buffer */
    if (start < 0 || start > end)
        return false;
    *p = a->data + start;
    *n = (size_t)(end - start);
    return true;
}

/* Through GMime's filters: quoted-printable, uuencode, or content not in a window. */
static uint8_t *decode_with_gmime(GMimeDataWrapper *dw, size_t *n)
{
    GMimeStream *ms = g_mime_stream_mem_new();
    if (!ms)
        return NULL;
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(ms), FALSE);
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

/* Transfer-decoded bytes of a part (malloc'd, may be empty). Base64 and the identity encodings,
 * nearly every attachment, are read straight from the parsed mail in one pass: GMime's
 * byte-at-a-time decoder into a growing array and the copy out of it were a quarter of the CPU of
 * scanning a mail with a 100 KB attachment. */
uint8_t *eg_mime_part_bytes(GMimePart *part, size_t *n)
{
    *n = 0;
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    if (!dw)
        return malloc(1);
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(dw);
    const uint8_t *p;
    size_t len;
    bool identity = enc == GMIME_CONTENT_ENCODING_DEFAULT || enc == GMIME_CONTENT_ENCODING_7BIT ||
                    enc == GMIME_CONTENT_ENCODING_8BIT || enc == GMIME_CONTENT_ENCODING_BINARY;
    if ((!identity && enc != GMIME_CONTENT_ENCODING_BASE64) || !content_window(dw, &p, &len))
        return decode_with_gmime(dw, n);
    uint8_t *d = malloc(identity ? (len ? len : 1) : eg_base64_mime_room(len));
    if (!d)
        return NULL;
    if (identity) {
        if (len)
            memcpy(d, p, len);
        *n = len;
    } else {
        *n = eg_base64_decode_mime(p, len, d);
    }
    return d;
}
