/*
 * JSON Lines output (docs/json-schema.md): one object per report on one line. Every string in a
 * report is already sanitised UTF-8, so jansson never refuses one; numbers are 64-bit integers.
 */
#include "core/report.h"
#include "core/sha256.h"
#include "verdict/rules.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *flags_json(uint32_t f)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } t[] = {{EG_OBJ_ENCRYPTED, "encrypted"},
             {EG_OBJ_DECRYPTED, "decrypted"},
             {EG_OBJ_TRUNCATED, "truncated"},
             {EG_OBJ_PADDED, "padded"},
             {EG_OBJ_NOT_OPENED, "not_opened"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (f & t[i].bit)
            json_array_append_new(a, json_string(t[i].name));
    return a;
}

static json_t *object_json(const eg_object *o)
{
    char hex[65];
    eg_hex(o->sha256, 32, hex);
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "parent", o->parent < 0 ? json_null() : json_integer(o->parent));
    json_object_set_new(j, "depth", json_integer(o->depth));
    json_object_set_new(j, "name", str_or_null(o->name));
    json_object_set_new(j, "type", json_string(eg_type_name(o->type)));
    json_object_set_new(j, "detail", str_or_null(o->detail));
    json_object_set_new(j, "size", json_integer((json_int_t)o->size));
    json_object_set_new(j, "size_true", json_integer((json_int_t)o->size_true));
    json_object_set_new(j, "sha256", json_string(hex));
    if (o->has_content_sha256) {
        eg_hex(o->content_sha256, 32, hex);
        json_object_set_new(j, "content_sha256", json_string(hex));
    }
    json_object_set_new(j, "flags", flags_json(o->flags));
    if (o->password) {
        json_object_set_new(j, "password", json_string(o->password));
        json_object_set_new(j, "password_origin", str_or_null(o->password_origin));
    }
    return j;
}

static json_t *finding_json(const eg_finding *f, eg_lang lang)
{
    const eg_rule *r = eg_rule_get(f->rule);
    json_t *j = json_object();
    json_object_set_new(j, "rule", json_string(r->id));
    json_object_set_new(j, "object", json_integer(f->object));
    json_object_set_new(j, "severity", json_string(eg_severity_str(r->severity)));
    json_object_set_new(j, "score", json_integer(r->score));
    json_object_set_new(j, "evidence", str_or_null(f->evidence));
    /* schema 2, additive: the same evidence from its Japanese template (absent without one) */
    if (f->evidence_ja)
        json_object_set_new(j, "evidence_ja", json_string(f->evidence_ja));
    json_object_set_new(j, "message", json_string(lang == EG_LANG_JA ? r->text_ja : r->text_en));
    const char *adv = lang == EG_LANG_JA ? r->advice_ja : r->advice_en;
    json_object_set_new(j, "advice", json_string(adv ? adv : ""));
    return j;
}

/* Which mail (schema 2): null when the input was not read as a mail. */
static json_t *mail_json(const eg_mail_info *m)
{
    if (!m)
        return json_null();
    json_t *j = json_object();
    json_t *from = json_object();
    json_object_set_new(from, "name", str_or_null(m->from_display));
    json_object_set_new(from, "address", str_or_null(m->from_addr));
    json_object_set_new(j, "from", from);
    json_object_set_new(j, "to", str_or_null(m->to));
    json_object_set_new(j, "subject", str_or_null(m->subject));
    json_object_set_new(j, "date", str_or_null(m->date));
    json_object_set_new(j, "message_id", str_or_null(m->message_id));
    json_object_set_new(j, "size", json_integer((json_int_t)m->size));
    return j;
}

char *eg_report_json(const eg_report *r, eg_lang lang)
{
    json_t *root = json_object();
    json_object_set_new(root, "schema_version", json_integer(EG_JSON_SCHEMA_VERSION));
    json_object_set_new(root, "emoguard_version", json_string(EG_VERSION));
    json_object_set_new(root, "source", json_string(r->source));
    json_object_set_new(root, "mail", mail_json(r->mail));
    json_object_set_new(root, "verdict", json_string(eg_verdict_str(r->verdict)));
    json_object_set_new(root, "score", json_integer(r->score));
    json_object_set_new(root, "elapsed_ms", json_real(r->elapsed_ms));
    json_object_set_new(root, "passwords", str_or_null(r->passwords_summary));
    json_t *objs = json_array();
    for (size_t i = 0; i < r->n_objects; i++)
        json_array_append_new(objs, object_json(r->objects[i]));
    json_object_set_new(root, "objects", objs);
    json_t *fs = json_array();
    for (size_t i = 0; i < r->n_findings; i++)
        json_array_append_new(fs, finding_json(&r->findings[i], lang));
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
