/* Report storage and the public read accessors. */
#include "core/report.h"

#include "core/strutil.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

eg_report *eg_report_new(const char *source)
{
    eg_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    const char *src = source ? source : "-";
    r->source = eg_utf8_sanitize(src, strlen(src), 4096, false);
    if (!r->source) {
        free(r);
        return NULL;
    }
    return r;
}

/* grows *arr (of elem bytes) so that one more fits */
static eg_status grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return EG_OK;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap < *cap || ncap > SIZE_MAX / elem)
        return EG_ENOMEM;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return EG_ENOMEM;
    *arr = p;
    *cap = ncap;
    return EG_OK;
}

eg_status eg_report_add_object(eg_report *r, eg_object *obj)
{
    if (grow((void **)&r->objects, &r->cap_objects, r->n_objects, sizeof *r->objects) != EG_OK) {
        eg_object_free(obj);
        return EG_ENOMEM;
    }
    r->objects[r->n_objects++] = obj;
    return EG_OK;
}

bool eg_report_has_finding(const eg_report *r, int rule, uint32_t object, const char *evidence)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const eg_finding *f = &r->findings[i];
        if (f->rule == rule && f->object == object &&
            ((!f->evidence && !evidence) ||
             (f->evidence && evidence && !strcmp(f->evidence, evidence))))
            return true;
    }
    return false;
}

eg_status eg_report_add_finding(eg_report *r, int rule, uint32_t object, char *evidence)
{
    return eg_report_add_finding_ja(r, rule, object, evidence, NULL);
}

eg_status eg_report_add_finding_ja(eg_report *r, int rule, uint32_t object, char *evidence,
                                   char *evidence_ja)
{
    if (grow((void **)&r->findings, &r->cap_findings, r->n_findings, sizeof *r->findings) !=
        EG_OK) {
        free(evidence);
        free(evidence_ja);
        return EG_ENOMEM;
    }
    r->findings[r->n_findings++] = (eg_finding){rule, object, evidence, evidence_ja};
    return EG_OK;
}

static uint64_t ioc_hash(eg_ioc_kind kind, const char *value)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h ^ (h >> 31);
}

/* Keeps the index at most half full; rebuilt from the array when it grows. */
static eg_status ioc_index_reserve(eg_report *r)
{
    size_t cap = r->ioc_slots ? r->ioc_mask + 1 : 0;
    if (cap && (r->n_iocs + 1) * 2 <= cap)
        return EG_OK;
    size_t ncap = cap ? cap * 2 : 64;
    uint32_t *v = calloc(ncap, sizeof *v);
    if (!v)
        return EG_ENOMEM;
    for (size_t i = 0; i < r->n_iocs; i++) {
        size_t j = (size_t)ioc_hash(r->iocs[i].kind, r->iocs[i].value) & (ncap - 1);
        while (v[j])
            j = (j + 1) & (ncap - 1);
        v[j] = (uint32_t)(i + 1);
    }
    free(r->ioc_slots);
    r->ioc_slots = v;
    r->ioc_mask = ncap - 1;
    return EG_OK;
}

/* The same kind and value is kept once (the first object that had it); a hash index keeps this
 * constant-time, as an indicator can be seen a million times in hostile text. */
eg_status eg_report_add_ioc(eg_report *r, eg_ioc_kind kind, uint32_t object, const char *value)
{
    if (r->n_iocs >= UINT32_MAX - 1 || ioc_index_reserve(r) != EG_OK)
        return EG_ENOMEM;
    size_t j = (size_t)ioc_hash(kind, value) & r->ioc_mask;
    for (; r->ioc_slots[j]; j = (j + 1) & r->ioc_mask) {
        const eg_ioc *x = &r->iocs[r->ioc_slots[j] - 1];
        if (x->kind == kind && !strcmp(x->value, value))
            return EG_OK;
    }
    if (grow((void **)&r->iocs, &r->cap_iocs, r->n_iocs, sizeof *r->iocs) != EG_OK)
        return EG_ENOMEM;
    char *v = eg_strdup(value);
    if (!v)
        return EG_ENOMEM;
    r->iocs[r->n_iocs++] = (eg_ioc){kind, object, v};
    r->ioc_slots[j] = (uint32_t)r->n_iocs;
    return EG_OK;
}

void eg_object_free(eg_object *o)
{
    if (!o)
        return;
    free(o->name);
    free(o->password);
    free(o->password_origin);
    free(o->detail);
    free(o);
}

void eg_mail_info_free(eg_mail_info *mi)
{
    if (!mi)
        return;
    free(mi->from_display);
    free(mi->from_addr);
    free(mi->to);
    free(mi->subject);
    free(mi->date);
    free(mi->message_id);
    free(mi);
}

void eg_report_set_mail(eg_report *r, eg_mail_info *mi)
{
    eg_mail_info_free(r->mail);
    r->mail = mi;
}

const eg_mail_info *eg_report_mail(const eg_report *r)
{
    return r->mail;
}

void eg_report_free(eg_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_objects; i++)
        eg_object_free(r->objects[i]);
    for (size_t i = 0; i < r->n_findings; i++)
        free(r->findings[i].evidence), free(r->findings[i].evidence_ja);
    for (size_t i = 0; i < r->n_iocs; i++)
        free(r->iocs[i].value);
    free(r->objects);
    free(r->findings);
    free(r->iocs);
    free(r->ioc_slots);
    free(r->source);
    free(r->passwords_summary);
    for (size_t i = 0; i < r->n_password_list; i++)
        free(r->password_list[i]);
    free(r->password_list);
    eg_mail_info_free(r->mail);
    free(r);
}

eg_verdict eg_report_verdict(const eg_report *r)
{
    return r->verdict;
}
int eg_report_score(const eg_report *r)
{
    return r->score;
}
const char *eg_report_source(const eg_report *r)
{
    return r->source;
}
size_t eg_report_object_count(const eg_report *r)
{
    return r->n_objects;
}
const eg_object *eg_report_object(const eg_report *r, size_t i)
{
    return i < r->n_objects ? r->objects[i] : NULL;
}
size_t eg_report_finding_count(const eg_report *r)
{
    return r->n_findings;
}
const eg_finding *eg_report_finding(const eg_report *r, size_t i)
{
    return i < r->n_findings ? &r->findings[i] : NULL;
}
size_t eg_report_ioc_count(const eg_report *r)
{
    return r->n_iocs;
}
const eg_ioc *eg_report_ioc(const eg_report *r, size_t i)
{
    return i < r->n_iocs ? &r->iocs[i] : NULL;
}
