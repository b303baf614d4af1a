/*
 * The text report: the verdict, then the object tree with each object's findings under it, then
 * what to do. Japanese or English. Colours only when asked (a terminal).
 */
#include "core/buf.h"
#include "core/report.h"
#include "verdict/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const eg_report *r;
    eg_lang lang;
    bool color;
    uint32_t **kids; /* children ids per object */
    size_t *nkids;
    eg_buf *b;
} eg_explain;

static const char *C(const eg_explain *e, const char *code) { return e->color ? code : ""; }

static const char *verdict_label(eg_verdict v, eg_lang lang)
{
    static const char *const ja[] = {"安全 (clean)", "要注意 (suspicious)", "危険 (malicious)"};
    static const char *const en[] = {"CLEAN", "SUSPICIOUS", "MALICIOUS"};
    return lang == EG_LANG_JA ? ja[v] : en[v];
}

static const char *sev_color(eg_severity s)
{
    return s >= EG_SEV_HIGH ? "\033[1;31m" : s >= EG_SEV_MEDIUM ? "\033[33m" : "\033[36m";
}

static void human_size(uint64_t n, char *out, size_t sz)
{
    if (n < 1024)
        snprintf(out, sz, "%llu B", (unsigned long long)n);
    else if (n < 1024 * 1024)
        snprintf(out, sz, "%.1f KB", n / 1024.0);
    else if (n < 1024ull * 1024 * 1024)
        snprintf(out, sz, "%.1f MB", n / 1048576.0);
    else
        snprintf(out, sz, "%.2f GB", n / 1073741824.0);
}

static void object_line(eg_explain *e, const eg_object *o)
{
    char sz[32], sz2[32];
    human_size(o->size, sz, sizeof sz);
    eg_buf_printf(e->b, "%s%s%s (%s%s%s, %s", C(e, "\033[1m"), o->name, C(e, "\033[0m"),
                  eg_type_name(o->type), o->detail ? " " : "", o->detail ? o->detail : "", sz);
    if (o->size_true != o->size) {
        human_size(o->size_true, sz2, sizeof sz2);
        eg_buf_printf(e->b, e->lang == EG_LANG_JA ? ", 実サイズ %s" : ", real size %s", sz2);
    }
    if (o->flags & EG_OBJ_DECRYPTED)
        eg_buf_printf(e->b, e->lang == EG_LANG_JA ? ", 復号済み: パスワード「%s」(%s)"
                                                  : ", decrypted with password \"%s\" (%s)",
                      o->password ? o->password : "", o->password_origin ? o->password_origin : "");
    else if (o->flags & EG_OBJ_ENCRYPTED)
        eg_buf_puts(e->b, e->lang == EG_LANG_JA ? ", 暗号化" : ", encrypted");
    if (o->flags & EG_OBJ_NOT_OPENED)
        eg_buf_puts(e->b, e->lang == EG_LANG_JA ? ", 未検査" : ", not inspected");
    if (o->flags & EG_OBJ_TRUNCATED)
        eg_buf_puts(e->b, e->lang == EG_LANG_JA ? ", 途中まで検査" : ", truncated");
    if (o->flags & EG_OBJ_PADDED)
        eg_buf_puts(e->b, e->lang == EG_LANG_JA ? ", 水増しあり" : ", padded");
    eg_buf_puts(e->b, ")\n");
}

static void findings_of(eg_explain *e, uint32_t id, const char *prefix)
{
    for (size_t i = 0; i < e->r->n_findings; i++) {
        const eg_finding *f = &e->r->findings[i];
        if (f->object != id)
            continue;
        const eg_rule *ru = eg_rule_get(f->rule);
        eg_buf_printf(e->b, "%s  %s! [%s] %s%s %s", prefix, C(e, sev_color(ru->severity)),
                      eg_severity_str(ru->severity), ru->id, C(e, "\033[0m"),
                      e->lang == EG_LANG_JA ? ru->text_ja : ru->text_en);
        if (f->evidence && *f->evidence)
            eg_buf_printf(e->b, e->lang == EG_LANG_JA ? "\n%s      根拠: %s" : "\n%s      evidence: %s",
                          prefix, f->evidence);
        eg_buf_puts(e->b, "\n");
    }
}

static void tree(eg_explain *e, uint32_t id, eg_buf *prefix, bool last, bool root)
{
    const eg_object *o = e->r->objects[id];
    if (root) {
        object_line(e, o);
    } else {
        eg_buf_printf(e->b, "%s%s", prefix->data ? (char *)prefix->data : "", last ? "└── " : "├── ");
        object_line(e, o);
    }
    size_t plen = prefix->len;
    if (!root)
        eg_buf_puts(prefix, last ? "    " : "│   ");
    findings_of(e, id, prefix->data ? (char *)prefix->data : "");
    for (size_t k = 0; k < e->nkids[id]; k++)
        tree(e, e->kids[id][k], prefix, k + 1 == e->nkids[id], false);
    prefix->len = plen;
    if (prefix->data)
        prefix->data[plen] = 0;
}

/* What to do: the advice of the most severe rules first, each text once, at most four lines
 * (a long list is not read). */
static void advice(eg_explain *e)
{
    bool shown[EG_R__COUNT] = {0};
    bool any = false;
    int lines = 0;
    for (int sev = EG_SEV_CRITICAL; sev >= EG_SEV_MEDIUM; sev--)
    for (size_t i = 0; i < e->r->n_findings && lines < 4; i++) {
        int rule = e->r->findings[i].rule;
        const eg_rule *ru = eg_rule_get(rule);
        const char *a = e->lang == EG_LANG_JA ? ru->advice_ja : ru->advice_en;
        if (shown[rule] || !a || !*a || (int)ru->severity != sev)
            continue;
        bool dup = false; /* many rules share one piece of advice */
        for (int k = 0; k < EG_R__COUNT && !dup; k++) {
            const eg_rule *o = eg_rule_get(k);
            dup = shown[k] && !strcmp(e->lang == EG_LANG_JA ? o->advice_ja : o->advice_en, a);
        }
        shown[rule] = true;
        if (dup)
            continue;
        if (!any)
            eg_buf_puts(e->b, e->lang == EG_LANG_JA ? "対処:\n" : "What to do:\n");
        any = true;
        lines++;
        eg_buf_printf(e->b, "  - %s\n", a);
    }
}

char *eg_report_text(const eg_report *r, eg_lang lang, bool color)
{
    eg_buf b, prefix;
    eg_buf_init(&b, 0);
    eg_buf_init(&prefix, 0);
    eg_explain e = {r, lang, color, NULL, NULL, &b};
    size_t n = r->n_objects;
    e.kids = calloc(n ? n : 1, sizeof *e.kids);
    e.nkids = calloc(n ? n : 1, sizeof *e.nkids);
    if (!e.kids || !e.nkids)
        goto out;
    for (size_t i = 1; i < n; i++) {
        int32_t p = r->objects[i]->parent;
        if (p < 0 || (size_t)p >= n)
            continue;
        uint32_t *k = realloc(e.kids[p], (e.nkids[p] + 1) * sizeof *k);
        if (!k)
            goto out;
        k[e.nkids[p]++] = (uint32_t)i;
        e.kids[p] = k;
    }
    const char *vc = r->verdict == EG_VERDICT_MALICIOUS ? "\033[1;41;97m"
                     : r->verdict == EG_VERDICT_SUSPICIOUS ? "\033[1;43;30m"
                                                            : "\033[1;42;30m";
    eg_buf_printf(&b, lang == EG_LANG_JA ? "■ %s  判定: %s%s%s  スコア %d\n" : "■ %s  verdict: %s%s%s  score %d\n",
                  r->source, C(&e, vc), verdict_label(r->verdict, lang), C(&e, "\033[0m"), r->score);
    if (r->passwords_summary)
        eg_buf_printf(&b, lang == EG_LANG_JA ? "  本文中のパスワード候補: %s\n" : "  password candidates in the mail: %s\n",
                      r->passwords_summary);
    if (n)
        tree(&e, 0, &prefix, true, true);
    advice(&e);
out:
    for (size_t i = 0; e.kids && i < n; i++)
        free(e.kids[i]);
    free(e.kids);
    free(e.nkids);
    eg_buf_free(&prefix);
    return eg_buf_steal(&b, NULL);
}
