/*
 * The batch summary of one raw message (brief.h), kept apart from the analyzer so that the front
 * end can pair mails without pulling in the scan-time checks.
 */
#include "mail/brief.h"

#include "core/buf.h"
#include "text/textbuf.h"
#include "core/strutil.h"
#include "mail/mime_util.h"
#include "text/charset.h"
#include "text/header.h"
#include "text/html.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

/* ---- brief (batch pairing) ------------------------------------------------------------- */

#define BRIEF_TEXT_MAX (1u << 20)

static void brief_text(GMimeObject *o, unsigned depth, eg_buf *out)
{
    if (!o || depth > MAX_MIME_DEPTH || out->len >= BRIEF_TEXT_MAX)
        return;
    if (GMIME_IS_MULTIPART(o)) {
        int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
        for (int i = 0; i < n; i++)
            brief_text(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1, out);
        return;
    }
    if (!GMIME_IS_PART(o))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
    if (!type || strcasecmp(type, "text") || (cd && g_mime_content_disposition_is_attachment(cd)))
        return;
    bool html = sub && !strcasecmp(sub, "html");
    if (sub && !html && strcasecmp(sub, "plain"))
        return;
    size_t n;
    uint8_t *raw = eg_mime_part_bytes(GMIME_PART(o), &n);
    if (!raw)
        return;
    char *u = NULL;
    size_t un = 0;
    const char *ctr = eg_mime_raw_header(o, "Content-Type");
    char *cs = ctr ? eg_header_param(ctr, strlen(ctr), "charset", 64, NULL) : NULL;
    eg_charset_to_utf8(cs, raw, n, BRIEF_TEXT_MAX, &u, &un, NULL);
    free(cs);
    free(raw);
    if (u && html) {
        char *t = NULL;
        size_t tn = 0;
        eg_html_to_text(u, un, BRIEF_TEXT_MAX, &t, &tn);
        free(u);
        u = t;
        un = tn;
    }
    if (u)
        eg_mime_append_line(out, u, un);
    free(u);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void brief_rcpts(eg_mail_brief *b, GMimeObject *o)
{
    static const char *const hdrs[] = {"To", "Cc"};
    for (int h = 0; h < 2; h++) {
        size_t n;
        eg_addr *l = eg_mime_addr_list(eg_mime_raw_header(o, hdrs[h]), &n);
        for (size_t i = 0; i < n; i++) {
            if (!l[i].addr)
                continue;
            char **p = realloc(b->rcpts, (b->n_rcpts + 1) * sizeof *p);
            if (!p)
                break;
            b->rcpts = p;
            eg_ascii_lower(l[i].addr);
            b->rcpts[b->n_rcpts++] = l[i].addr;
            l[i].addr = NULL;
        }
        eg_mime_addr_list_free(l, n);
    }
    if (b->n_rcpts > 1)
        qsort(b->rcpts, b->n_rcpts, sizeof *b->rcpts, cmp_str);
}

/* A MIME name/filename parameter anywhere in the raw message (";" then optional space, then
 * "name=", "name*", "filename=" or "filename*"), which is how attachments are named. Text such as
 * <meta name="..."> in an HTML body does not count. */
static bool has_name_param(const char *d, size_t n)
{
    const char *p = d, *end = d + n;
    while ((p = eg_memmem_ci(p, (size_t)(end - p), "name", 4)) != NULL) {
        const char *after = p + 4;
        const char *q = p;
        if (q - d >= 4 && !strncasecmp(q - 4, "file", 4))
            q -= 4;
        p = after;
        if (after >= end || (*after != '=' && *after != '*'))
            continue;
        while (q > d && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n'))
            q--;
        if (q > d && q[-1] == ';')
            return true;
    }
    return false;
}

eg_status eg_mail_brief_read(const uint8_t *d, size_t len, bool want_text, eg_mail_brief *b)
{
    memset(b, 0, sizeof *b);
    b->date = INT64_MIN;
    if (!d || !len)
        return EG_EFORMAT;
    size_t scan = len < (8u << 20) ? len : (8u << 20);
    b->has_attachment = has_name_param((const char *)d, scan) ||
                        eg_memmem_ci((const char *)d, scan, "message/rfc822", 14);
    size_t n = len;
    if (!want_text) { /* the header block is enough */
        const uint8_t *e = memmem(d, len, "\n\n", 2), *e2 = memmem(d, len, "\n\r\n", 3);
        if (e2 && (!e || e2 < e))
            e = e2;
        if (e)
            n = (size_t)(e - d) + 1;
        /* no cap here: the pre-cut below bounds what GMime sees and keeps From/To/Subject
         * wherever they stand, also behind a megabyte of other fields */
    }
    size_t cn = 0;
    eg_hdr_cut hc;
    uint8_t *copy = eg_mime_cut_headers(d, n, &cn, &hc);
    GMimeStream *st =
        g_mime_stream_mem_new_with_buffer(copy ? (char *)copy : (const char *)d, copy ? cn : n);
    free(copy);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    GMimeParserOptions *po = g_mime_parser_options_new();
    g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    GMimeMessage *m = g_mime_parser_construct_message(p, po);
    g_mime_parser_options_free(po);
    g_object_unref(p);
    g_object_unref(st);
    if (!m)
        return EG_EFORMAT;
    GMimeObject *o = GMIME_OBJECT(m);
    size_t c;
    eg_addr *from = eg_mime_addr_list(eg_mime_raw_header(o, "From"), &c);
    if (c && from[0].addr) {
        b->from = from[0].addr;
        eg_ascii_lower(b->from);
        from[0].addr = NULL;
    }
    eg_mime_addr_list_free(from, c);
    brief_rcpts(b, o);
    const char *rs = eg_mime_raw_header(o, "Subject");
    char *subj = NULL;
    if (rs)
        eg_header_decode(rs, strlen(rs), MAX_HDR_VALUE, &subj, NULL);
    b->subject = subj ? subj : eg_strdup("");
    b->message_id = eg_mime_trimmed_raw(o, "Message-ID");
    b->in_reply_to = eg_mime_trimmed_raw(o, "In-Reply-To");
    b->references = eg_mime_trimmed_raw(o, "References");
    char *date = eg_mime_trimmed_raw(o, "Date");
    if (date) {
        GDateTime *dt = g_mime_utils_header_decode_date(date);
        if (dt) {
            b->date = g_date_time_to_unix(dt);
            g_date_time_unref(dt);
        }
        free(date);
    }
    if (want_text) {
        eg_buf t;
        eg_buf_init(&t, BRIEF_TEXT_MAX);
        brief_text(g_mime_message_get_mime_part(m), 0, &t);
        b->text = eg_buf_steal(&t, NULL);
        eg_buf_free(&t);
    }
    g_object_unref(m);
    if (!b->subject) {
        eg_mail_brief_free(b);
        return EG_ENOMEM;
    }
    return EG_OK;
}

void eg_mail_brief_free(eg_mail_brief *b)
{
    free(b->from);
    for (size_t i = 0; i < b->n_rcpts; i++)
        free(b->rcpts[i]);
    free(b->rcpts);
    free(b->subject);
    free(b->message_id);
    free(b->in_reply_to);
    free(b->references);
    free(b->text);
    memset(b, 0, sizeof *b);
    b->date = INT64_MIN;
}
