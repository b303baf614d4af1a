/*
 * The mail analyzer (mail.h): GMime gives the MIME structure and transfer decoding; everything
 * that touches charsets goes through our own layer (src/text), because glibc iconv loses the
 * CP932 extension characters in Japanese mail.
 *
 * A message becomes children: inline text parts as UTF-8 text, HTML parts (and their text),
 * attachments with decoded names, message/rfc822 parts as mails, uuencoded blocks as files.
 * Multipart containers are not objects: their leaves hang directly under the message, so deep
 * MIME nesting does not eat the object depth budget. The decoded view goes to the sender checks,
 * the texts to the password extractor.
 *
 * Bounds: header lines are cut, and lines GMime would refuse repaired, before GMime sees them
 * (eg_mime_cut_headers: MAX_HDR_LINE, MAX_HDR_BLOCK; each cut or repair is a finding), MIME nesting
 * is walked to MAX_MIME_DEPTH, decoded bytes are charged to the scan budget, and the walk stops at
 * the first refused child or when the scan's time is up.
 */
#include "mail/mail.h"

#include "core/buf.h"
#include "text/textbuf.h"
#include "core/strutil.h"
#include "core/utf8.h"
#include "mail/mime_util.h"
#include "mail/password.h"
#include "mail/sender.h"
#include "text/charset.h"
#include "text/header.h"
#include "text/html.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 1000
#define MAX_ATTACH_NAMES 1000
#define MAX_VIEW_TEXT (8u << 20) /* text, html and html_text in the view, each */
#define MAX_UU_BLOCKS 32

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    eg_mail_view *v;
    eg_buf text, html, html_text;
    size_t n_text, n_html, n_parts;
    size_t cap_names;
    bool stop;
    bool deep_reported;
} walk_ctx;

/* ---- header pre-check ------------------------------------------------------------------ */

/* What the header pre-cut (eg_mime_cut_headers) did becomes findings: what it dropped was not
 * inspected and what it repaired is not what an ordinary mail program writes, so each makes the
 * mail suspicious at least (MEDIUM, 30 points); the mail itself is still read as a mail. */
static void report_header_cut(eg_scan *s, const eg_object *obj, const eg_hdr_cut *hc)
{
    if (hc->line_cut)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_TOO_LONG, "header line of %zu bytes, cut at %u",
                        hc->longest, MAX_HDR_LINE);
    else if (hc->field_cut)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_TOO_LONG, "folded header field over %u bytes",
                        MAX_HDR_LINE);
    if (hc->block_cut)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_TOO_LARGE,
                        "header block of %zu bytes: %zu fields dropped past %u bytes", hc->block,
                        hc->fields_dropped, MAX_HDR_BLOCK);
    if (hc->odd_names)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_MALFORMED,
                        "%zu field names outside RFC 5322 (8-bit or control bytes), first: \"%s\"",
                        hc->odd_names, hc->odd_name);
    else if (hc->odd_lines)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_MALFORMED,
                        "%zu header lines that are no field, first: \"%s\"", hc->odd_lines,
                        hc->odd_name);
    if (hc->ctl_bytes)
        eg_scan_finding(s, obj, EG_R_MAIL_HEADER_MALFORMED,
                        "%zu control bytes in header values, first in%s%s%s", hc->ctl_bytes,
                        hc->ctl_field[0] ? " \"" : " ",
                        hc->ctl_field[0] ? hc->ctl_field : "(a continuation line)",
                        hc->ctl_field[0] ? "\"" : "");
}

/* ---- GMime warnings -------------------------------------------------------------------- */

typedef struct {
    eg_scan *s;
    const eg_object *obj;
} warn_ctx;

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer ud)
{
    warn_ctx *w = ud;
    const char *what = NULL;
    eg_rule_id rule = EG_R_MAIL_MALFORMED;
    switch (code) {
    case GMIME_WARN_TRUNCATED_MESSAGE: what = "truncated message"; break;
    case GMIME_WARN_MALFORMED_MULTIPART: what = "multipart without parts"; break;
    case GMIME_WARN_MALFORMED_MESSAGE: what = "malformed message"; break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: what = "multipart without boundary"; break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: what = "part without headers or content"; break;
    case GMIME_CRIT_CONFLICTING_HEADER: what = "conflicting header"; break;
    case GMIME_CRIT_INVALID_HEADER_NAME: what = "invalid header name"; break;
    case GMIME_CRIT_NESTING_OVERFLOW:
        what = "MIME nesting overflow";
        rule = EG_R_MAIL_DEEP_NESTING;
        break;
    default:
        return;
    }
    if (item && *item)
        eg_scan_finding(w->s, w->obj, rule, "%s: \"%.80s\" (offset %lld)", what, item,
                        (long long)offset);
    else
        eg_scan_finding(w->s, w->obj, rule, "%s (offset %lld)", what, (long long)offset);
}

/* ---- view: headers and addresses ------------------------------------------------------- */

static char *decode_value(walk_ctx *w, const char *name, const char *raw)
{
    if (!raw)
        return eg_strdup("");
    char *dec = NULL;
    eg_header_info hi;
    eg_header_decode(raw, strlen(raw), MAX_HDR_VALUE, &dec, &hi);
    if (hi.raw_8bit)
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_RAW_8BIT_HEADER, "\"%s\"", name);
    if (hi.unknown_charset)
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_UNKNOWN_CHARSET, "header \"%s\"", name);
    if (!dec)
        return NULL;
    /* trim the space after the colon and around folds */
    size_t n = strlen(dec), a = 0;
    while (a < n && (dec[a] == ' ' || dec[a] == '\t'))
        a++;
    while (n > a && (dec[n - 1] == ' ' || dec[n - 1] == '\t'))
        n--;
    char *r = eg_utf8_sanitize(dec + a, n - a, MAX_HDR_VALUE, false);
    free(dec);
    return r;
}

static void fill_headers(walk_ctx *w, GMimeMessage *msg)
{
    eg_mail_view *v = w->v;
    GMimeObject *o = GMIME_OBJECT(msg);
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    if (n > MAX_HEADERS)
        n = MAX_HEADERS;
    v->headers = calloc(n > 0 ? (size_t)n : 1, sizeof *v->headers);
    for (int i = 0; i < n && v->headers; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        char *nm = eg_utf8_sanitize(name ? name : "", name ? strlen(name) : 0, 256, false);
        char *val = decode_value(w, nm ? nm : "?", g_mime_header_get_raw_value(h));
        if (!nm || !val) {
            free(nm);
            free(val);
            continue;
        }
        v->headers[v->n_headers++] = (eg_header){nm, val};
    }
    const char *subj = eg_mail_header(v, "Subject", 0);
    v->subject = eg_strdup(subj);
    size_t c;
    eg_addr *from = eg_mime_addr_list(eg_mime_raw_header(o, "From"), &c);
    if (c) {
        v->from = from[0];
        from[0] = (eg_addr){0};
    }
    eg_mime_addr_list_free(from, c);
    eg_addr *snd = eg_mime_addr_list(eg_mime_raw_header(o, "Sender"), &c);
    if (c) {
        v->sender = snd[0];
        snd[0] = (eg_addr){0};
    }
    eg_mime_addr_list_free(snd, c);
    eg_addr *rp = eg_mime_addr_list(eg_mime_raw_header(o, "Return-Path"), &c);
    if (c && rp[0].addr) {
        v->return_path = rp[0];
        rp[0] = (eg_addr){0};
    } else {
        const eg_scan_input *in = eg_scan_input_of(w->s);
        if (in && in->envelope_from && w->obj->parent < 0) {
            size_t c2;
            eg_addr *env = eg_mime_addr_list(in->envelope_from, &c2);
            if (c2) {
                v->return_path = env[0];
                env[0] = (eg_addr){0};
            }
            eg_mime_addr_list_free(env, c2);
        }
    }
    eg_mime_addr_list_free(rp, c);
    v->reply_to = eg_mime_addr_list(eg_mime_raw_header(o, "Reply-To"), &v->n_reply_to);
    v->to = eg_mime_addr_list(eg_mime_raw_header(o, "To"), &v->n_to);
    v->cc = eg_mime_addr_list(eg_mime_raw_header(o, "Cc"), &v->n_cc);
    v->message_id = eg_mime_trimmed_raw(o, "Message-ID");
    v->in_reply_to = eg_mime_trimmed_raw(o, "In-Reply-To");
    v->references = eg_mime_trimmed_raw(o, "References");
    v->list_id = eg_mime_trimmed_raw(o, "List-Id");
    v->date = eg_mime_trimmed_raw(o, "Date");
    const eg_scan_input *in = eg_scan_input_of(w->s);
    v->outbound = in && in->outbound && w->obj->parent < 0;
}

const char *eg_mail_header(const eg_mail_view *v, const char *name, size_t nth)
{
    if (!v || !name)
        return NULL;
    for (size_t i = 0; i < v->n_headers; i++)
        if (!strcasecmp(v->headers[i].name, name) && nth-- == 0)
            return v->headers[i].value;
    return NULL;
}

static void view_free(eg_mail_view *v)
{
    for (size_t i = 0; i < v->n_headers; i++) {
        free(v->headers[i].name);
        free(v->headers[i].value);
    }
    free(v->headers);
    eg_mime_addr_free(&v->from);
    eg_mime_addr_list_free(v->reply_to, v->n_reply_to);
    eg_mime_addr_free(&v->sender);
    eg_mime_addr_free(&v->return_path);
    eg_mime_addr_list_free(v->to, v->n_to);
    eg_mime_addr_list_free(v->cc, v->n_cc);
    free(v->subject);
    free(v->message_id);
    free(v->in_reply_to);
    free(v->references);
    free(v->list_id);
    free(v->date);
    free(v->text);
    free(v->html);
    free(v->html_text);
    for (size_t i = 0; i < v->n_attachments; i++)
        free(v->attachment_names[i]);
    free(v->attachment_names);
    memset(v, 0, sizeof *v);
}

static void note_attachment(walk_ctx *w, const char *name)
{
    eg_mail_view *v = w->v;
    if (v->n_attachments >= MAX_ATTACH_NAMES)
        return;
    if (v->n_attachments == w->cap_names) {
        size_t nc = w->cap_names ? w->cap_names * 2 : 8;
        char **p = realloc(v->attachment_names, nc * sizeof *p);
        if (!p)
            return;
        v->attachment_names = p;
        w->cap_names = nc;
    }
    char *s = eg_strdup(name ? name : "");
    if (s)
        v->attachment_names[v->n_attachments++] = s;
}

/* ---- children -------------------------------------------------------------------------- */

#define CUT_TAIL_BYTES (16u << 20) /* end of a part cut at the object limit, kept apart */

/* Adds a child from a malloc'd buffer (taken over), cut to the scan budget. */
static eg_status add_owned(walk_ctx *w, const eg_object *parent, const char *name, uint8_t *data,
                           size_t n, eg_type type, const char *detail, uint32_t *id)
{
    uint64_t budget = eg_scan_budget(w->s);
    eg_child c = {.name = name, .data = data, .size = n, .owned = true, .type = type,
                  .detail = detail};
    uint8_t *tail = NULL;
    size_t tail_len = 0;
    if (n > budget) {
        c.size = (size_t)budget;
        c.size_true = n;
        c.flags |= EG_OBJ_TRUNCATED;
        /* a ZIP's directory sits at the end: a ZIP behind 65 MB of junk is lost with the cut.
         * The end of the part is kept as a second object (read from its own start, the ZIP
         * reader takes what precedes the archive as prefixed data). */
        tail_len = CUT_TAIL_BYTES < c.size / 4 ? CUT_TAIL_BYTES : c.size / 4;
        tail = tail_len ? malloc(tail_len) : NULL;
        if (tail)
            memcpy(tail, data + n - tail_len, tail_len);
    }
    eg_status st = eg_scan_charge(w->s, parent, c.size);
    if (st != EG_OK) {
        free(data);
        free(tail);
        w->stop = true;
        return st;
    }
    st = eg_scan_add_child(w->s, parent, &c, id);
    if (st != EG_OK) {
        free(tail);
        w->stop = true;
        return st;
    }
    if (tail) {
        char tname[300];
        snprintf(tname, sizeof tname, "%s [last %zu bytes]", name ? name : "part", tail_len);
        eg_child t = {.name = tname, .data = tail, .size = tail_len, .owned = true,
                      .detail = "end of a part cut at the size limit"};
        if (eg_scan_charge(w->s, parent, tail_len) != EG_OK) {
            free(tail);
            return EG_OK;
        }
        eg_scan_add_child(w->s, parent, &t, NULL);
    }
    return st;
}

static eg_status add_copy(walk_ctx *w, const eg_object *parent, const char *name, const void *data,
                          size_t n, eg_type type, const char *detail, uint32_t *id)
{
    uint8_t *d = malloc(n ? n : 1);
    if (!d)
        return EG_ENOMEM;
    if (n)
        memcpy(d, data, n);
    return add_owned(w, parent, name, d, n, type, detail, id);
}

/* ---- uuencode -------------------------------------------------------------------------- */

static bool uu_begin(const char *l, size_t n, char *name, size_t namesz)
{
    if (n < 10 || memcmp(l, "begin ", 6))
        return false;
    size_t i = 6, d = 0;
    while (i < n && l[i] >= '0' && l[i] <= '7') {
        i++;
        d++;
    }
    if (d < 3 || d > 4 || i >= n || l[i] != ' ')
        return false;
    i++;
    size_t k = 0;
    while (i < n && l[i] != '\r' && k + 1 < namesz)
        name[k++] = l[i++];
    name[k] = 0;
    return k > 0;
}

/* Decodes uuencoded blocks in raw text into children. */
static void find_uuencoded(walk_ctx *w, const char *t, size_t len)
{
    size_t i = 0, blocks = 0;
    while (i < len && blocks < MAX_UU_BLOCKS && !w->stop) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - t) : len;
        char name[256];
        if (!uu_begin(t + i, e - i, name, sizeof name)) {
            i = e + 1;
            continue;
        }
        uint64_t budget = eg_scan_budget(w->s);
        if (budget == 0) {
            eg_scan_charge(w->s, w->obj, 1);
            w->stop = true;
            return;
        }
        eg_buf out;
        eg_buf_init(&out, (size_t)budget);
        i = e + 1;
        bool ended = false;
        while (i < len) {
            nl = memchr(t + i, '\n', len - i);
            e = nl ? (size_t)(nl - t) : len;
            const unsigned char *l = (const unsigned char *)t + i;
            size_t ln = e - i;
            if (ln && l[ln - 1] == '\r')
                ln--;
            i = e + 1;
            if (ln >= 3 && !memcmp(l, "end", 3)) {
                ended = true;
                break;
            }
            if (ln == 0)
                continue;
            size_t want = (l[0] - 32u) & 63u, got = 0;
            for (size_t k = 1; k + 3 < ln + 3 && got < want; k += 4) {
                unsigned v[4];
                for (int j = 0; j < 4; j++)
                    v[j] = k + (size_t)j < ln ? (l[k + (size_t)j] - 32u) & 63u : 0;
                uint8_t b[3] = {(uint8_t)(v[0] << 2 | v[1] >> 4), (uint8_t)(v[1] << 4 | v[2] >> 2),
                                (uint8_t)(v[2] << 6 | v[3])};
                size_t take = want - got < 3 ? want - got : 3;
                if (eg_text_append(&out, b, take) != EG_OK)
                    break;
                got += take;
            }
        }
        blocks++;
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_UUENCODED, "\"%s\"%s", name,
                        ended ? "" : " (no end line)");
        note_attachment(w, name);
        size_t n;
        char *d = eg_buf_steal(&out, &n);
        if (d)
            add_owned(w, w->obj, name, (uint8_t *)d, n, EG_T_UNKNOWN, "uuencoded", NULL);
        eg_buf_free(&out);
    }
}

/* ---- parts ----------------------------------------------------------------------------- */

static char *part_name(GMimeObject *o)
{
    const char *cd = eg_mime_raw_header(o, "Content-Disposition");
    char *n = cd ? eg_header_param(cd, strlen(cd), "filename", 1024, NULL) : NULL;
    if (!n || !*n) {
        free(n);
        const char *ct = eg_mime_raw_header(o, "Content-Type");
        n = ct ? eg_header_param(ct, strlen(ct), "name", 1024, NULL) : NULL;
    }
    if (n && !*n) {
        free(n);
        n = NULL;
    }
    return n;
}

/* <meta charset="..."> or <meta http-equiv content="...; charset=..."> in the first 4 KB of an
 * HTML part, for parts whose Content-Type names no charset (common in Japanese HTML mail). */
static char *html_meta_charset(const uint8_t *raw, size_t n)
{
    size_t k = n < 4096 ? n : 4096;
    const char *p = eg_memmem_ci((const char *)raw, k, "charset=", 8);
    if (!p)
        return NULL;
    p += 8;
    const char *end = (const char *)raw + k;
    while (p < end && (*p == '"' || *p == '\'' || *p == ' '))
        p++;
    const char *s = p;
    while (p < end && p - s < 40 && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
        p++;
    return p > s ? eg_strndup(s, (size_t)(p - s)) : NULL;
}

static void text_part(walk_ctx *w, GMimeObject *o, uint8_t *raw, size_t n, bool html)
{
    /* the label as written: GMime rewrites charset names it does not know */
    const char *ct = eg_mime_raw_header(o, "Content-Type");
    char *cs = ct ? eg_header_param(ct, strlen(ct), "charset", 64, NULL) : NULL;
    if (html && (!cs || !*cs)) {
        free(cs);
        cs = html_meta_charset(raw, n);
    }
    uint64_t budget = eg_scan_budget(w->s);
    if (budget == 0) { /* 0 would mean "no cap" below: record the limit and stop */
        free(cs);
        free(raw);
        eg_scan_charge(w->s, w->obj, 1);
        w->stop = true;
        return;
    }
    char *u = NULL;
    size_t un = 0;
    eg_charset_info ci;
    eg_charset_to_utf8(cs, raw, n, (size_t)budget, &u, &un, &ci);
    if (ci.unknown_label)
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_UNKNOWN_CHARSET, "\"%.60s\"", cs ? cs : "");
    if (!html)
        find_uuencoded(w, (const char *)raw, n);
    free(raw);
    char detail[128];
    snprintf(detail, sizeof detail, "text/%s; charset=\"%.40s\"%s", html ? "html" : "plain",
             cs ? cs : "(none)", ci.guessed ? " (guessed)" : "");
    free(cs);
    if (!u)
        return;
    char name[32];
    size_t k = html ? ++w->n_html : ++w->n_text;
    if (k == 1)
        snprintf(name, sizeof name, "body.%s", html ? "html" : "txt");
    else
        snprintf(name, sizeof name, "body-%zu.%s", k, html ? "html" : "txt");
    if (!html) {
        if (w->text.len < MAX_VIEW_TEXT)
            eg_mime_append_line(&w->text, u, un);
        add_owned(w, w->obj, name, (uint8_t *)u, un, EG_T_TEXT, detail, NULL);
        return;
    }
    char *t = NULL;
    size_t tn = 0;
    eg_html_to_text(u, un, MAX_VIEW_TEXT, &t, &tn);
    if (w->html.len < MAX_VIEW_TEXT)
        eg_mime_append_line(&w->html, u, un);
    if (t && w->html_text.len < MAX_VIEW_TEXT)
        eg_mime_append_line(&w->html_text, t, tn);
    uint32_t hid;
    if (add_owned(w, w->obj, name, (uint8_t *)u, un, EG_T_HTML, detail, &hid) == EG_OK && t && tn) {
        char tname[40];
        snprintf(tname, sizeof tname, "%s.txt", name);
        const eg_object *ho = eg_scan_object(w->s, hid);
        if (ho) {
            add_owned(w, ho, tname, (uint8_t *)t, tn, EG_T_TEXT, "text of the HTML part", NULL);
            t = NULL;
        }
    }
    free(t);
}

static void leaf_part(walk_ctx *w, GMimeObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
    bool attach = cd && g_mime_content_disposition_is_attachment(cd);
    char *name = part_name(o);
    size_t n;
    uint8_t *raw = eg_mime_part_bytes(GMIME_PART(o), &n);
    if (!raw) {
        free(name);
        return;
    }
    bool is_text = type && !strcasecmp(type, "text");
    bool plain = is_text && (!sub || !strcasecmp(sub, "plain"));
    bool html = is_text && sub && !strcasecmp(sub, "html");
    if ((plain || html) && !attach && !name) {
        text_part(w, o, raw, n, html);
        return;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "\"%.60s/%.80s\"", type ? type : "application",
             sub ? sub : "octet-stream");
    char fallback[48];
    snprintf(fallback, sizeof fallback, "part-%zu", w->n_parts);
    note_attachment(w, name ? name : fallback);
    add_owned(w, w->obj, name ? name : fallback, raw, n, EG_T_UNKNOWN, detail, NULL);
    free(name);
}

static void message_part(walk_ctx *w, GMimeObject *o)
{
    GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
    if (!m)
        return;
    GMimeStream *ms = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, ms);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(ms));
    char *name = part_name(o);
    if (!name) {
        const char *subj = g_mime_message_get_subject(m);
        char buf[160];
        snprintf(buf, sizeof buf, "%.140s.eml", subj && *subj ? subj : "attached message");
        name = eg_strdup(buf);
    }
    note_attachment(w, name);
    if (arr)
        add_copy(w, w->obj, name, arr->data, arr->len, EG_T_MAIL, "message/rfc822", NULL);
    free(name);
    g_object_unref(ms);
}

static void walk(walk_ctx *w, GMimeObject *o, unsigned depth)
{
    if (w->stop || !o)
        return;
    if (eg_scan_timed_out(w->s, w->obj)) {
        w->stop = true;
        return;
    }
    if (depth > MAX_MIME_DEPTH) {
        if (!w->deep_reported)
            eg_scan_finding(w->s, w->obj, EG_R_MAIL_DEEP_NESTING, "more than %d levels of multipart",
                            MAX_MIME_DEPTH);
        w->deep_reported = true;
        return;
    }
    w->n_parts++;
    if (GMIME_IS_MULTIPART(o)) {
        int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
        for (int i = 0; i < n && !w->stop; i++)
            walk(w, g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1);
    } else if (GMIME_IS_MESSAGE_PART(o)) {
        message_part(w, o);
    } else if (GMIME_IS_PART(o)) {
        leaf_part(w, o);
    }
}

/* ---- passwords ------------------------------------------------------------------------- */

typedef struct {
    eg_scan *s;
    char first[96];
    char first_origin[160];
} pw_ctx;

static void on_password(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    pw_ctx *p = ud;
    eg_scan_add_password(p->s, v, n, prio, origin);
    if (prio < EG_PW_BRACKETED && !p->first[0]) {
        snprintf(p->first, sizeof p->first, "%.*s", (int)(n < 64 ? n : 64), v);
        snprintf(p->first_origin, sizeof p->first_origin, "%s", origin);
    }
}

static void collect_passwords(walk_ctx *w)
{
    pw_ctx p = {.s = w->s};
    const eg_mail_view *v = w->v;
    size_t lab = 0;
    /* every token as a fallback candidate costs most of a plain mail's scan time, and only an
     * attachment (an archive or a document, perhaps encrypted) can use one */
    bool fallback = v->n_attachments > 0;
    if (v->subject)
        lab += eg_password_extract(v->subject, strlen(v->subject), "subject", fallback, on_password, &p);
    if (v->text)
        lab += eg_password_extract(v->text, strlen(v->text), "body", fallback, on_password, &p);
    if (v->html_text)
        lab += eg_password_extract(v->html_text, strlen(v->html_text), "html", fallback, on_password, &p);
    if (lab && p.first[0])
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_PASSWORD_IN_TEXT, "\"%s\" %s", p.first,
                        p.first_origin);
    const eg_scan_input *in = eg_scan_input_of(w->s);
    if (w->obj->parent < 0 && in && in->n_passwords)
        eg_scan_finding(w->s, w->obj, EG_R_MAIL_PASSWORD_FROM_RELATED, "%s",
                        in->passwords_origin ? in->passwords_origin : "related mail");
}

/* ---- which mail it is ------------------------------------------------------------------ */

#define MAX_INFO_FIELD 300 /* bytes of one header fact in the report */
#define MAX_INFO_TO 10     /* To mailboxes listed; the rest counted */

static char *info_str(const char *v)
{
    return v && *v ? eg_utf8_sanitize(v, strlen(v), MAX_INFO_FIELD, false) : NULL;
}

static char *join_to(const eg_mail_view *v)
{
    if (!v->n_to)
        return NULL;
    eg_buf b;
    eg_buf_init(&b, 4096);
    for (size_t i = 0; i < v->n_to && i < MAX_INFO_TO; i++) {
        const eg_addr *a = &v->to[i];
        if (i)
            eg_buf_puts(&b, ", ");
        if (a->display && *a->display)
            eg_buf_printf(&b, a->addr ? "%s <%s>" : "%s", a->display, a->addr ? a->addr : "");
        else
            eg_buf_puts(&b, a->addr ? a->addr : "?");
    }
    if (v->n_to > MAX_INFO_TO)
        eg_buf_printf(&b, ", (+%zu)", v->n_to - MAX_INFO_TO);
    char *joined = eg_buf_steal(&b, NULL);
    eg_buf_free(&b);
    char *r = info_str(joined);
    free(joined);
    return r;
}

/* The report says which mail it is about: the outer message's From, To, Subject, Date and
 * Message-ID as this analyzer read them (a nested message/rfc822 part does not replace them). */
static void record_mail_info(eg_scan *s, const eg_object *obj, const eg_mail_view *v)
{
    if (obj->parent >= 0)
        return;
    eg_mail_info *mi = calloc(1, sizeof *mi);
    if (!mi)
        return;
    mi->from_display = info_str(v->from.display);
    mi->from_addr = info_str(v->from.addr);
    mi->to = join_to(v);
    mi->subject = info_str(v->subject);
    mi->date = info_str(v->date);
    mi->message_id = info_str(v->message_id);
    mi->size = obj->size;
    eg_scan_set_mail_info(s, obj, mi);
}

/* ---- entry ----------------------------------------------------------------------------- */

static GMimeMessage *parse(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t n)
{
    GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)d, n);
    GMimeParser *p = g_mime_parser_new_with_stream(st);
    GMimeParserOptions *po = g_mime_parser_options_new();
    warn_ctx wc = {s, obj};
    g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_warning_callback(po, on_warning, &wc);
    g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
    GMimeMessage *m = g_mime_parser_construct_message(p, po);
    g_mime_parser_options_free(po);
    g_object_unref(p);
    g_object_unref(st);
    return m;
}

static bool blank(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace(d[i]))
            return false;
    return true;
}

eg_status eg_mail_analyze(eg_scan *s, const eg_object *obj)
{
    if (!obj->data || obj->size == 0 || blank(obj->data, (size_t)obj->size)) {
        eg_scan_finding(s, obj, EG_R_MAIL_EMPTY, NULL);
        return EG_OK;
    }
    size_t n = (size_t)obj->size, cn = 0;
    eg_hdr_cut hc;
    uint8_t *copy = eg_mime_cut_headers(obj->data, n, &cn, &hc);
    report_header_cut(s, obj, &hc);
    GMimeMessage *msg = copy ? parse(s, obj, copy, cn) : parse(s, obj, obj->data, n);
    free(copy);
    if (!msg) {
        eg_scan_finding(s, obj, EG_R_MAIL_MALFORMED, "not a MIME message");
        return EG_EFORMAT;
    }
    eg_mail_view v = {0};
    walk_ctx w = {.s = s, .obj = obj, .v = &v};
    eg_buf_init(&w.text, MAX_VIEW_TEXT);
    eg_buf_init(&w.html, MAX_VIEW_TEXT);
    eg_buf_init(&w.html_text, MAX_VIEW_TEXT);
    fill_headers(&w, msg);
    record_mail_info(s, obj, &v);
    walk(&w, g_mime_message_get_mime_part(msg), 0);
    g_object_unref(msg);
    v.text = eg_buf_steal(&w.text, NULL);
    v.html = eg_buf_steal(&w.html, NULL);
    v.html_text = eg_buf_steal(&w.html_text, NULL);
    eg_buf_free(&w.text);
    eg_buf_free(&w.html);
    eg_buf_free(&w.html_text);
    collect_passwords(&w);
    eg_sender_check(s, obj, &v);
    view_free(&v);
    return EG_OK;
}
