/*
 * JSON Lines output (docs/json-schema.md): one object per report on one line.
 *
 * Written straight into one buffer rather than built as a jansson tree and dumped: the tree cost
 * about a seventh of all the work `scan --format json` does on a mixed batch (an allocation per
 * value, a hash per key, a second pass to print). The output is byte for byte what jansson's
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) gave: the same escapes (\uXXXX upper case for
 * other control characters, '/' and non-ASCII left as they are), integers as %lld and reals as
 * jansson prints them; tests/unit/test_verdict_json.c keeps the two equal. Strings in a report are
 * sanitised UTF-8 already; a string that is not (a bug elsewhere) is still written as valid JSON,
 * each bad byte as U+FFFD, where jansson would have dropped the key.
 */
#include "core/buf.h"
#include "core/report.h"
#include "core/sha256.h"
#include "verdict/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    eg_buf b;
    bool first; /* no comma before the next member */
    bool bad;   /* an allocation failed: the text is not whole */
} jw;

static void app(jw *w, const void *p, size_t n)
{
    if (eg_buf_append(&w->b, p, n) != EG_OK)
        w->bad = true;
}

static void ch(jw *w, char c)
{
    app(w, &c, 1);
}

/* Bytes that stand for themselves inside a JSON string (ASCII only; UTF-8 is checked apart). */
static bool plain(uint8_t c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Length of the valid UTF-8 sequence at p (2 to 4), 0 if there is none. */
static size_t utf8_seq(const uint8_t *p, const uint8_t *end)
{
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || n > (size_t)(end - p) || p[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
        return 0; /* overlong, surrogate */
    if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
        return 0; /* overlong, past U+10FFFF */
    return n;
}

static void put_str(jw *w, const char *s)
{
    if (!s) {
        app(w, "null", 4);
        return;
    }
    const uint8_t *p = (const uint8_t *)s, *end = p + strlen(s);
    ch(w, '"');
    while (p < end) {
        const uint8_t *run = p;
        while (p < end && plain(*p))
            p++;
        if (p > run)
            app(w, run, (size_t)(p - run));
        if (p >= end)
            break;
        uint8_t c = *p;
        if (c >= 0x80) {
            size_t n = utf8_seq(p, end);
            if (n) {
                app(w, p, n);
                p += n;
            } else {
                app(w, "\xEF\xBF\xBD", 3);
                p++;
            }
            continue;
        }
        char esc[8];
        switch (c) {
        case '"': app(w, "\\\"", 2); break;
        case '\\': app(w, "\\\\", 2); break;
        case '\b': app(w, "\\b", 2); break;
        case '\f': app(w, "\\f", 2); break;
        case '\n': app(w, "\\n", 2); break;
        case '\r': app(w, "\\r", 2); break;
        case '\t': app(w, "\\t", 2); break;
        default: snprintf(esc, sizeof esc, "\\u%04X", c); app(w, esc, 6);
        }
        p++;
    }
    ch(w, '"');
}

/* "key": with the comma the previous member needs */
static void key(jw *w, const char *k)
{
    if (!w->first)
        ch(w, ',');
    w->first = false;
    ch(w, '"');
    app(w, k, strlen(k)); /* keys are ours: plain ASCII */
    app(w, "\":", 2);
}

static void open_c(jw *w, char c)
{
    ch(w, c);
    w->first = true;
}

static void close_c(jw *w, char c)
{
    ch(w, c);
    w->first = false;
}

/* an array element's comma */
static void elem(jw *w)
{
    if (!w->first)
        ch(w, ',');
    w->first = false;
}

static void kstr(jw *w, const char *k, const char *v)
{
    key(w, k);
    put_str(w, v);
}

static void kint(jw *w, const char *k, long long v)
{
    key(w, k);
    char n[24];
    int l = snprintf(n, sizeof n, "%lld", v);
    app(w, n, (size_t)l);
}

/* As jansson prints a real: %.17g, ".0" when it would read back as an integer, no '+' and no
 * leading zeros in the exponent. */
static void kreal(jw *w, const char *k, double v)
{
    key(w, k);
    if (!isfinite(v)) {
        app(w, "null", 4);
        return;
    }
    char n[40];
    int l = snprintf(n, sizeof n, "%.17g", v);
    if (l < 0 || (size_t)l >= sizeof n - 3)
        l = snprintf(n, sizeof n, "%.1f", 0.0);
    if (!strchr(n, '.') && !strchr(n, 'e')) {
        memcpy(n + l, ".0", 3);
        l += 2;
    }
    char *e = strchr(n, 'e');
    if (e) {
        char *start = e + 1, *from = start;
        if (*from == '-')
            start++, from++;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(start, from, strlen(from) + 1);
        l = (int)strlen(n);
    }
    app(w, n, (size_t)l);
}

static void flags_json(jw *w, uint32_t f)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } t[] = {{EG_OBJ_ENCRYPTED, "encrypted"},
             {EG_OBJ_DECRYPTED, "decrypted"},
             {EG_OBJ_TRUNCATED, "truncated"},
             {EG_OBJ_PADDED, "padded"},
             {EG_OBJ_NOT_OPENED, "not_opened"}};
    key(w, "flags");
    open_c(w, '[');
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (f & t[i].bit) {
            elem(w);
            put_str(w, t[i].name);
        }
    close_c(w, ']');
}

static void object_json(jw *w, const eg_object *o)
{
    char hex[65];
    elem(w);
    open_c(w, '{');
    kint(w, "id", o->id);
    if (o->parent < 0)
        kstr(w, "parent", NULL);
    else
        kint(w, "parent", o->parent);
    kint(w, "depth", o->depth);
    kstr(w, "name", o->name);
    kstr(w, "type", eg_type_name(o->type));
    kstr(w, "detail", o->detail);
    kint(w, "size", (long long)o->size);
    kint(w, "size_true", (long long)o->size_true);
    eg_hex(o->sha256, 32, hex);
    kstr(w, "sha256", hex);
    if (o->has_content_sha256) {
        eg_hex(o->content_sha256, 32, hex);
        kstr(w, "content_sha256", hex);
    }
    flags_json(w, o->flags);
    if (o->password) {
        kstr(w, "password", o->password);
        kstr(w, "password_origin", o->password_origin);
    }
    close_c(w, '}');
}

static void finding_json(jw *w, const eg_finding *f, eg_lang lang)
{
    const eg_rule *r = eg_rule_get(f->rule);
    elem(w);
    open_c(w, '{');
    kstr(w, "rule", r->id);
    kint(w, "object", f->object);
    kstr(w, "severity", eg_severity_str(r->severity));
    kint(w, "score", r->score);
    kstr(w, "evidence", f->evidence);
    /* schema 2, additive: the same evidence from its Japanese template (absent without one) */
    if (f->evidence_ja)
        kstr(w, "evidence_ja", f->evidence_ja);
    kstr(w, "message", lang == EG_LANG_JA ? r->text_ja : r->text_en);
    const char *adv = lang == EG_LANG_JA ? r->advice_ja : r->advice_en;
    kstr(w, "advice", adv ? adv : "");
    close_c(w, '}');
}

/* Which mail (schema 2): null when the input was not read as a mail. */
static void mail_json(jw *w, const eg_mail_info *m)
{
    if (!m) {
        kstr(w, "mail", NULL);
        return;
    }
    key(w, "mail");
    open_c(w, '{');
    key(w, "from");
    open_c(w, '{');
    kstr(w, "name", m->from_display);
    kstr(w, "address", m->from_addr);
    close_c(w, '}');
    kstr(w, "to", m->to);
    kstr(w, "subject", m->subject);
    kstr(w, "date", m->date);
    kstr(w, "message_id", m->message_id);
    kint(w, "size", (long long)m->size);
    close_c(w, '}');
}

char *eg_report_json(const eg_report *r, eg_lang lang)
{
    jw w = {.first = true};
    eg_buf_init(&w.b, 0);
    size_t parts = r->n_objects + r->n_findings; /* a first guess; the buffer grows past it */
    if (eg_buf_reserve(&w.b, parts < 2000 ? 2048 + 512 * parts : (size_t)1 << 20) != EG_OK)
        return NULL;
    open_c(&w, '{');
    kint(&w, "schema_version", EG_JSON_SCHEMA_VERSION);
    kstr(&w, "emoguard_version", EG_VERSION);
    kstr(&w, "source", r->source);
    mail_json(&w, r->mail);
    kstr(&w, "verdict", eg_verdict_str(r->verdict));
    kint(&w, "score", r->score);
    kreal(&w, "elapsed_ms", r->elapsed_ms);
    kstr(&w, "passwords", r->passwords_summary);
    key(&w, "objects");
    open_c(&w, '[');
    for (size_t i = 0; i < r->n_objects; i++)
        object_json(&w, r->objects[i]);
    close_c(&w, ']');
    key(&w, "findings");
    open_c(&w, '[');
    for (size_t i = 0; i < r->n_findings; i++)
        finding_json(&w, &r->findings[i], lang);
    close_c(&w, ']');
    key(&w, "iocs");
    open_c(&w, '[');
    for (size_t i = 0; i < r->n_iocs; i++) {
        elem(&w);
        open_c(&w, '{');
        kstr(&w, "kind", eg_ioc_kind_str(r->iocs[i].kind));
        kstr(&w, "value", r->iocs[i].value);
        kint(&w, "object", r->iocs[i].object);
        close_c(&w, '}');
    }
    close_c(&w, ']');
    close_c(&w, '}');
    /* an allocation that failed left a text with a gap, which must not pass for a report */
    if (w.bad) {
        eg_buf_free(&w.b);
        return NULL;
    }
    char *s = eg_buf_steal(&w.b, NULL);
    eg_buf_free(&w.b);
    return s;
}
