/*
 * The JSON writer (src/verdict/json.c) writes by hand what jansson's json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) wrote before: this test keeps that true. A reference builds the same
 * document as a jansson tree and dumps it; the two texts must be equal byte for byte for every
 * report of the hostile cases, for mails with odd names, and for a report built by hand with
 * control characters, quotes, backslashes, DEL, U+2028, multibyte text, nulls, reals of every
 * shape, passwords, IOCs and every flag. A string that is not UTF-8 (a bug elsewhere) still gives
 * valid JSON with U+FFFD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/report.h"
#include "core/sha256.h"
#include "hostile.h"
#include "mail_builder.h"
#include "testutil.h"
#include "verdict/rules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reference: a jansson tree, as the writer was before ---- */

static json_t *s_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *ref_object(const eg_object *o)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } t[] = {{EG_OBJ_ENCRYPTED, "encrypted"},
             {EG_OBJ_DECRYPTED, "decrypted"},
             {EG_OBJ_TRUNCATED, "truncated"},
             {EG_OBJ_PADDED, "padded"},
             {EG_OBJ_NOT_OPENED, "not_opened"}};
    char hex[65];
    eg_hex(o->sha256, 32, hex);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "parent", o->parent < 0 ? json_null() : json_integer(o->parent));
    json_object_set_new(j, "depth", json_integer(o->depth));
    json_object_set_new(j, "name", s_or_null(o->name));
    json_object_set_new(j, "type", json_string(eg_type_name(o->type)));
    json_object_set_new(j, "detail", s_or_null(o->detail));
    json_object_set_new(j, "size", json_integer((json_int_t)o->size));
    json_object_set_new(j, "size_true", json_integer((json_int_t)o->size_true));
    json_object_set_new(j, "sha256", json_string(hex));
    if (o->has_content_sha256) {
        eg_hex(o->content_sha256, 32, hex);
        json_object_set_new(j, "content_sha256", json_string(hex));
    }
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (o->flags & t[i].bit)
            json_array_append_new(a, json_string(t[i].name));
    json_object_set_new(j, "flags", a);
    if (o->password) {
        json_object_set_new(j, "password", json_string(o->password));
        json_object_set_new(j, "password_origin", s_or_null(o->password_origin));
    }
    return j;
}

static char *ref_json(const eg_report *r, eg_lang lang)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema_version", json_integer(EG_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "emoguard_version", json_string(EG_VERSION));
    json_object_set_new(root, "source", json_string(r->source));
    if (r->mail) {
        const eg_mail_info *m = r->mail;
        json_t *j = json_object(), *from = json_object();
        json_object_set_new(from, "name", s_or_null(m->from_display));
        json_object_set_new(from, "address", s_or_null(m->from_addr));
        json_object_set_new(j, "from", from);
        json_object_set_new(j, "to", s_or_null(m->to));
        json_object_set_new(j, "subject", s_or_null(m->subject));
        json_object_set_new(j, "date", s_or_null(m->date));
        json_object_set_new(j, "message_id", s_or_null(m->message_id));
        json_object_set_new(j, "size", json_integer((json_int_t)m->size));
        json_object_set_new(root, "mail", j);
    } else {
        json_object_set_new(root, "mail", json_null());
    }
    json_object_set_new(root, "verdict", json_string(eg_verdict_str(r->verdict)));
    json_object_set_new(root, "score", json_integer(r->score));
    json_object_set_new(root, "elapsed_ms", json_real(r->elapsed_ms));
    json_object_set_new(root, "passwords", s_or_null(r->passwords_summary));
    json_t *objs = json_array();
    for (size_t i = 0; i < r->n_objects; i++)
        json_array_append_new(objs, ref_object(r->objects[i]));
    json_object_set_new(root, "objects", objs);
    json_t *fs = json_array();
    for (size_t i = 0; i < r->n_findings; i++) {
        const eg_finding *f = &r->findings[i];
        const eg_rule *ru = eg_rule_get(f->rule);
        json_t *j = json_object();
        json_object_set_new(j, "rule", json_string(ru->id));
        json_object_set_new(j, "object", json_integer(f->object));
        json_object_set_new(j, "severity", json_string(eg_severity_str(ru->severity)));
        json_object_set_new(j, "score", json_integer(ru->score));
        json_object_set_new(j, "evidence", s_or_null(f->evidence));
        if (f->evidence_ja)
            json_object_set_new(j, "evidence_ja", json_string(f->evidence_ja));
        json_object_set_new(j, "message",
                            json_string(lang == EG_LANG_JA ? ru->text_ja : ru->text_en));
        const char *adv = lang == EG_LANG_JA ? ru->advice_ja : ru->advice_en;
        json_object_set_new(j, "advice", json_string(adv ? adv : ""));
        json_array_append_new(fs, j);
    }
    json_object_set_new(root, "findings", fs);
    json_t *iocs = json_array();
    for (size_t i = 0; i < r->n_iocs; i++) {
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(eg_ioc_kind_str(r->iocs[i].kind)));
        json_object_set_new(j, "value", json_string(r->iocs[i].value));
        json_object_set_new(j, "object", json_integer(r->iocs[i].object));
        json_array_append_new(iocs, j);
    }
    json_object_set_new(root, "iocs", iocs);
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

static void same_as_reference(const eg_report *r)
{
    for (int l = 0; l < 2; l++) {
        eg_lang lang = l ? EG_LANG_JA : EG_LANG_EN;
        char *mine = eg_report_json(r, lang), *ref = ref_json(r, lang);
        assert_non_null(mine);
        assert_non_null(ref);
        if (strcmp(mine, ref)) {
            size_t i = 0;
            while (mine[i] && mine[i] == ref[i])
                i++;
            fprintf(stderr, "%s: differs at byte %zu:\n  writer:    %.80s\n  reference: %.80s\n",
                    r->source, i, mine + (i > 20 ? i - 20 : 0), ref + (i > 20 ? i - 20 : 0));
        }
        assert_string_equal(mine, ref);
        free(mine);
        free(ref);
    }
}

/* ---- reports ---- */

static void hostile_reports_match(void **st)
{
    (void)st;
    size_t n = 0;
    for (size_t t = 0; eg_hostile_tables[t]; t++)
        for (const eg_hostile_case *c = eg_hostile_tables[t]; c->name; c++) {
            size_t len = 0;
            uint8_t *in = c->make(&len);
            if (!in)
                continue;
            eg_report *r = eg_test_scan(in, len, NULL);
            free(in);
            assert_non_null(r);
            same_as_reference(r);
            eg_report_free(r);
            n++;
        }
    assert_true(n > 50); /* every area's table */
}

/* names and headers that need escapes after the mail parser's sanitising */
static void odd_mail_matches(void **st)
{
    (void)st;
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "\"Quote \\\"me\\\" / back\\\\slash\" <a@example.net>");
    eg_mb_header(m, "To", "b@example.jp");
    eg_mb_header_text(m, "Subject", "請求書\tタブ \"引用\" \\ 終わり", EG_MB_UTF8, 'B');
    eg_mb_header(m, "Message-ID", "<x\"y@example.net>");
    eg_mb_text(m, "パスワード: \"Kq7\\mZ2\"", EG_MB_UTF8, EG_MB_8BIT);
    static const uint8_t js[] = "WScript.Echo(\"x\");";
    eg_mb_attach(m, "a\"b\\c\u2028d.js", "application/octet-stream", js, sizeof js - 1,
                 EG_MB_NAME_2231);
    char *mail = eg_mb_build(m, NULL);
    eg_mb_free(m);
    eg_report *r = eg_test_scan(mail, strlen(mail), NULL);
    free(mail);
    assert_non_null(r);
    same_as_reference(r);
    eg_report_free(r);
}

static eg_object *obj(uint32_t id, int32_t parent, const char *name, const char *detail)
{
    eg_object *o = calloc(1, sizeof *o);
    assert_non_null(o);
    o->id = id;
    o->parent = parent;
    o->depth = parent < 0 ? 0 : 1;
    o->name = name ? strdup(name) : NULL;
    o->detail = detail ? strdup(detail) : NULL;
    o->type = EG_T_ZIP;
    o->size = 12345678901LL;
    o->size_true = 0;
    for (int i = 0; i < 32; i++)
        o->sha256[i] = (uint8_t)(i * 7);
    return o;
}

static void built_report_matches(void **st)
{
    (void)st;
    static const char all_controls[] = "\x01\x02\x03\x04\x05\x06\x07\b\t\n\x0b\f\r\x0e\x0f\x10"
                                       "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e"
                                       "\x1f\x7f \"\\/ é 請求 \xe2\x80\xa8 \xf0\x9f\x98\x80";
    eg_report *r = eg_report_new(all_controls);
    assert_non_null(r);
    eg_object *a = obj(0, -1, all_controls, NULL);
    eg_object *b = obj(1, 0, NULL, "text/plain; name=\"x\\y\"");
    b->flags =
        EG_OBJ_ENCRYPTED | EG_OBJ_DECRYPTED | EG_OBJ_TRUNCATED | EG_OBJ_PADDED | EG_OBJ_NOT_OPENED;
    b->has_content_sha256 = true;
    b->password = strdup("p\"w\\d\t");
    b->password_origin = NULL;
    eg_object *c = obj(2, 1, "c", "d");
    c->password = strdup("");
    c->password_origin = strdup("body: line 3");
    assert_int_equal(eg_report_add_object(r, a), EG_OK);
    assert_int_equal(eg_report_add_object(r, b), EG_OK);
    assert_int_equal(eg_report_add_object(r, c), EG_OK);
    assert_int_equal(eg_report_add_finding_ja(r, 0, 1, strdup(all_controls), strdup("「値」")),
                     EG_OK);
    assert_int_equal(eg_report_add_finding(r, 0, 2, NULL), EG_OK);
    assert_int_equal(eg_report_add_ioc(r, EG_IOC_URL, 1, "http://x.example/\"a\\b"), EG_OK);
    r->passwords_summary = strdup("\"a\", \"b\"");
    r->score = -3;
    static const double reals[] = {0.0,      0.005,    1e-05, 123456789012345678.0,
                                   2.5e-300, 1e300,    1.5,   100.0,
                                   0.1,      7.0e22,   -0.0,  12.25,
                                   3e-7,     1234567.0};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        r->elapsed_ms = reals[i];
        same_as_reference(r);
    }
    eg_mail_info *mi = calloc(1, sizeof *mi);
    assert_non_null(mi);
    mi->from_display = strdup("\x01名前\"");
    mi->subject = strdup("件名\\");
    mi->size = 5;
    eg_report_set_mail(r, mi);
    same_as_reference(r);
    eg_report_free(r);
}

/* not UTF-8: still JSON that parses, the bad bytes as U+FFFD */
static void invalid_utf8_is_still_json(void **st)
{
    (void)st;
    eg_report *r = eg_report_new("bad \xff\xfe \xc0\xaf \xed\xa0\x80 \xe3\x81 end");
    assert_non_null(r);
    char *j = eg_report_json(r, EG_LANG_EN);
    assert_non_null(j);
    json_error_t e;
    json_t *root = json_loads(j, 0, &e);
    assert_non_null(root);
    const char *src = json_string_value(json_object_get(root, "source"));
    assert_non_null(src);
    assert_non_null(strstr(src, "bad \xEF\xBF\xBD\xEF\xBF\xBD "));
    assert_non_null(strstr(src, " end"));
    json_decref(root);
    free(j);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_reports_match),
        cmocka_unit_test(odd_mail_matches),
        cmocka_unit_test(built_report_matches),
        cmocka_unit_test(invalid_utf8_is_still_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
