/*
 * Fleet reports of `hostcheck --hosts` (see fleet.h): a summary of every PC collected first,
 * then written as JSON, CSV or a self-contained HTML page. Every string that came from a PC or
 * from the file system passes through eg_utf8_sanitize on the way in and through the format's
 * own escaping on the way out (JSON string escapes, CSV quoting with a formula guard, HTML
 * entities), so a host named "<script>" or "=cmd|' /C calc'!A0" is shown, never run.
 */
#include "host/fleet.h"

#include "core/utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *L(eg_lang lang, const char *ja, const char *en)
{
    return lang == EG_LANG_JA ? ja : en;
}

static const char *state_name(eg_host_result r)
{
    return r == EG_HOST_INFECTED    ? "infected"
           : r == EG_HOST_ARTIFACTS ? "artifacts"
           : r == EG_HOST_CLEAN     ? "clean"
                                    : "error";
}

static const char *state_label(eg_host_result r, eg_lang lang)
{
    return r == EG_HOST_INFECTED    ? L(lang, "感染", "Infected")
           : r == EG_HOST_ARTIFACTS ? L(lang, "痕跡あり", "Artifacts")
           : r == EG_HOST_CLEAN     ? L(lang, "問題なし", "Clean")
                                    : L(lang, "エラー", "Error");
}

/* Sort rank, worst first: as for the exit code, an infected PC outranks an unreadable one and
 * that one outranks artifacts. */
static int state_rank(eg_host_result r)
{
    return r == EG_HOST_INFECTED ? 0 : r == EG_HOST_ERROR ? 1 : r == EG_HOST_ARTIFACTS ? 2 : 3;
}

static const char *level_name(eg_host_level l)
{
    return l == EG_HLVL_INFECTED ? "infected" : l == EG_HLVL_ARTIFACT ? "artifact" : "note";
}

static const char *stage_label(eg_audit_state st, eg_lang lang)
{
    switch (st) {
    case EG_AS_CLOSED: return L(lang, "ブロック", "closed");
    case EG_AS_AUDIT: return L(lang, "監査のみ", "audit");
    case EG_AS_UNKNOWN: return L(lang, "不明", "unknown");
    default: return L(lang, "開いている", "open");
    }
}

/* ---- collecting --------------------------------------------------------------------------- */

static char *clean(const char *s, bool newlines)
{
    return s ? eg_utf8_sanitize(s, strlen(s), EG_FLEET_MAX_STR, newlines) : NULL;
}

static eg_status push_str(char ***v, size_t *n, const char *s)
{
    char **x = realloc(*v, (*n + 1) * sizeof *x);
    if (!x)
        return EG_ENOMEM;
    *v = x;
    if (!(x[*n] = clean(s, true)))
        return EG_ENOMEM;
    (*n)++;
    return EG_OK;
}

eg_status eg_fleet_new(eg_lang lang, bool audit, const char *when, eg_fleet **out)
{
    eg_fleet *f = calloc(1, sizeof *f);
    if (!f)
        return EG_ENOMEM;
    f->lang = lang;
    f->audit = audit;
    snprintf(f->when, sizeof f->when, "%s", when ? when : "");
    *out = f;
    return EG_OK;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void host_free(eg_fleet_host *h)
{
    free(h->dir);
    free(h->name);
    free(h->error);
    for (size_t i = 0; i < h->nitems; i++)
        free(h->items[i].rule), free(h->items[i].path), free(h->items[i].evidence);
    free(h->items);
    free_strs(h->steps, h->nsteps);
    free_strs(h->actions, h->nactions);
    free_strs(h->warnings, h->nwarn);
}

void eg_fleet_free(eg_fleet *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        host_free(&f->hosts[i]);
    free(f->hosts);
    free(f);
}

static eg_status add_items(eg_fleet_host *x, const eg_host_findings *h, eg_lang lang)
{
    /* worst first, as the text report lists them */
    for (int lvl = EG_HLVL_INFECTED; lvl >= EG_HLVL_NOTE; lvl--)
        for (size_t i = 0; i < h->nhits; i++) {
            const eg_host_hit *hit = &h->hits[i];
            if ((int)hit->level != lvl)
                continue;
            if (x->nitems >= EG_FLEET_MAX_ITEMS) {
                x->items_dropped++;
                continue;
            }
            if (!x->items && !(x->items = calloc(EG_FLEET_MAX_ITEMS, sizeof *x->items)))
                return EG_ENOMEM;
            const eg_host_rule_info *ri = eg_host_rule_get(hit->rule);
            eg_fleet_item *it = &x->items[x->nitems++];
            it->level = hit->level;
            it->message = L(lang, ri->ja, ri->en);
            it->rule = clean(ri->id, false);
            it->path = clean(hit->path, false);
            it->evidence = clean(hit->evidence, true);
            if (!it->rule || (hit->path && !it->path) || (hit->evidence && !it->evidence))
                return EG_ENOMEM;
        }
    x->items_dropped += h->dropped;
    return EG_OK;
}

static eg_status add_steps(eg_fleet_host *x, const eg_host_snapshot *s, const eg_host_findings *h,
                           eg_lang lang)
{
    eg_status st = EG_OK;
    if (x->state == EG_HOST_ERROR)
        st = push_str(
            &x->steps, &x->nsteps,
            L(lang,
              "この PC の調査資料を docs/collect.ps1 でもう一度集め、上のエラーを確認してくだ"
              "さい。確認できるまでは未検査として扱ってください。",
              "Collect this PC's artifacts again (docs/collect.ps1) and look at the error "
              "above; until then treat the PC as not checked."));
    if (!st && (x->state == EG_HOST_INFECTED || x->state == EG_HOST_ARTIFACTS)) {
        size_t n;
        const char *const *steps = eg_host_next_steps(lang, &n);
        for (size_t i = 0; i < n && !st; i++)
            st = push_str(&x->steps, &x->nsteps, steps[i]);
        eg_host_plan *p = NULL;
        if (!st)
            st = eg_host_plan_build(s, h, &p);
        for (size_t i = 0; !st && i < p->n; i++) {
            char line[EG_FLEET_MAX_STR];
            eg_host_action_text(&p->acts[i], lang, line, sizeof line);
            st = push_str(&x->actions, &x->nactions, line);
        }
        eg_host_plan_free(p);
    }
    bool open = false;
    for (int g = 0; g < EG_AUDIT_STAGES && x->audited; g++)
        open |= x->stage[g] != EG_AS_CLOSED;
    if (!st && open)
        st = push_str(
            &x->steps, &x->nsteps,
            L(lang,
              "ブロックされていない段階があります: emoguard harden --dir <この PC の資料> で"
              "それを閉じるポリシー (.reg と .ps1) を作成できます。",
              "Some stages of the Emotet chain are not blocked: emoguard harden --dir "
              "<this PC's artifacts> writes the policy (.reg and .ps1) that closes them."));
    return st;
}

eg_status eg_fleet_add(eg_fleet *f, const char *dir, const eg_host_snapshot *s,
                       const eg_host_findings *h, const eg_audit_result *ar, const char *error)
{
    if (f->n >= EG_FLEET_MAX_HOSTS)
        return EG_ELIMIT;
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        eg_fleet_host *x = realloc(f->hosts, nc * sizeof *x);
        if (!x)
            return EG_ENOMEM;
        f->hosts = x;
        f->cap = nc;
    }
    eg_fleet_host *x = &f->hosts[f->n++];
    memset(x, 0, sizeof *x);
    x->state = h ? h->result : EG_HOST_ERROR;
    x->dir = clean(dir ? dir : "", false);
    x->name = clean(s && s->hostname && *s->hostname ? s->hostname : dir ? dir : "", false);
    if (!x->dir || !x->name)
        return EG_ENOMEM;
    if (!h && !(x->error = clean(error && *error ? error : "error", true)))
        return EG_ENOMEM;
    if (ar) {
        x->audited = true;
        memcpy(x->stage, ar->stage, sizeof x->stage);
    }
    eg_status st = EG_OK;
    if (h) {
        for (size_t i = 0; i < h->nhits; i++)
            x->count[h->hits[i].level]++;
        st = add_items(x, h, f->lang);
    }
    for (size_t i = 0; !st && s && i < s->nwarn; i++)
        st = push_str(&x->warnings, &x->nwarn, s->warnings[i]);
    if (!st)
        st = add_steps(x, s, h, f->lang);
    return st;
}

static void summary_counts(const eg_fleet *f, size_t c[4])
{
    memset(c, 0, 4 * sizeof *c);
    for (size_t i = 0; i < f->n; i++)
        c[f->hosts[i].state]++;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void js(FILE *o, const char *s)
{
    if (!s) {
        fputs("null", o);
        return;
    }
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", o);
        else if (*p == '\t')
            fputs("\\t", o);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(o, "\\u%04x", *p);
        else if (*p == '<') /* harmless for JSON readers, safe if pasted into a page */
            fputs("\\u003c", o);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

static void jkey(FILE *o, const char *k)
{
    js(o, k);
    fputc(':', o);
}

static void jstrs(FILE *o, const char *k, char *const *v, size_t n)
{
    jkey(o, k);
    fputc('[', o);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', o);
        js(o, v[i]);
    }
    fputc(']', o);
}

static void json_host(FILE *o, const eg_fleet *f, const eg_fleet_host *x)
{
    fputs("{", o);
    jkey(o, "hostname"), js(o, x->name), fputc(',', o);
    jkey(o, "directory"), js(o, x->dir), fputc(',', o);
    jkey(o, "state"), js(o, state_name(x->state)), fputc(',', o);
    fprintf(o, "\"exit_code\":%d,", eg_host_exit_code(x->state));
    jkey(o, "error"), js(o, x->error), fputc(',', o);
    fprintf(o, "\"counts\":{\"infected\":%zu,\"artifact\":%zu,\"note\":%zu},", x->count[2],
            x->count[1], x->count[0]);
    jkey(o, "stages");
    if (f->audit && x->audited) {
        fputc('[', o);
        for (int g = 0; g < EG_AUDIT_STAGES; g++) {
            fprintf(o, "%s{\"stage\":%d,\"state\":", g ? "," : "", g + 1);
            js(o, eg_audit_state_name(x->stage[g]));
            fputc('}', o);
        }
        fputs("],", o);
    } else
        fputs("null,", o);
    fputs("\"findings\":[", o);
    for (size_t i = 0; i < x->nitems; i++) {
        const eg_fleet_item *it = &x->items[i];
        fputs(i ? ",{" : "{", o);
        jkey(o, "rule"), js(o, it->rule), fputc(',', o);
        jkey(o, "severity"), js(o, level_name(it->level)), fputc(',', o);
        jkey(o, "message"), js(o, it->message), fputc(',', o);
        jkey(o, "path"), js(o, it->path), fputc(',', o);
        jkey(o, "evidence"), js(o, it->evidence);
        fputc('}', o);
    }
    fprintf(o, "],\"findings_not_shown\":%zu,", x->items_dropped);
    jstrs(o, "steps", x->steps, x->nsteps);
    fputc(',', o);
    fprintf(o, "\"actions_step\":%d,", x->nactions ? EG_HOST_STEP_REMOVE + 1 : 0);
    jstrs(o, "actions", x->actions, x->nactions);
    fputc(',', o);
    jstrs(o, "warnings", x->warnings, x->nwarn);
    fputc('}', o);
}

eg_status eg_fleet_write_json(FILE *o, const eg_fleet *f)
{
    size_t c[4];
    summary_counts(f, c);
    fputs("{\"schema\":\"emoguard-hostcheck-fleet\",\"schema_version\":1,", o);
    jkey(o, "tool"), js(o, "emoguard hostcheck"), fputc(',', o);
    jkey(o, "version"), js(o, EG_VERSION), fputc(',', o);
    jkey(o, "scan_time"), js(o, f->when), fputc(',', o);
    jkey(o, "lang"), js(o, f->lang == EG_LANG_JA ? "ja" : "en"), fputc(',', o);
    fprintf(o, "\"audit\":%s,", f->audit ? "true" : "false");
    fprintf(o,
            "\"summary\":{\"hosts\":%zu,\"infected\":%zu,\"artifacts\":%zu,\"clean\":%zu,"
            "\"error\":%zu},\"hosts\":[",
            f->n, c[EG_HOST_INFECTED], c[EG_HOST_ARTIFACTS], c[EG_HOST_CLEAN], c[EG_HOST_ERROR]);
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            fputc(',', o);
        fputc('\n', o);
        json_host(o, f, &f->hosts[i]);
    }
    fputs("\n]}\n", o);
    return ferror(o) ? EG_EIO : EG_OK;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

/* A cell, always quoted (RFC 4180). A spreadsheet runs a cell starting with = + - @ (or a
 * full-width one, which Japanese Excel folds to ASCII) or tab/CR as a formula: such a cell gets a
 * leading apostrophe, so "=HYPERLINK(...)" from a hostile host name stays text. */
static void cell(FILE *o, const char *s, bool last)
{
    static const char *const fw[] = {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D",
                                     "\xEF\xBC\xA0"};
    s = s ? s : "";
    fputc('"', o);
    bool guard = strchr("=+-@\t\r", s[0]) && s[0];
    for (size_t i = 0; i < 4 && !guard; i++)
        guard = !strncmp(s, fw[i], 3);
    if (guard)
        fputc('\'', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
    fputs(last ? "\r\n" : ",", o);
}

static void cellz(FILE *o, size_t v)
{
    fprintf(o, "%zu,", v);
}

/* Appends text to a growing cell; false when out of memory. */
static bool cat(char **b, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t nc = (*len + n + 1) * 2;
        char *x = realloc(*b, nc);
        if (!x)
            return false;
        *b = x;
        *cap = nc;
    }
    memcpy(*b + *len, s, n + 1);
    *len += n;
    return true;
}

static char *findings_cell(const eg_fleet_host *x)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    bool ok = cat(&b, &len, &cap, "");
    for (size_t i = 0; ok && i < x->nitems; i++) {
        const eg_fleet_item *it = &x->items[i];
        ok = (!i || cat(&b, &len, &cap, "\n")) && cat(&b, &len, &cap, it->rule) &&
             cat(&b, &len, &cap, " [") && cat(&b, &len, &cap, level_name(it->level)) &&
             cat(&b, &len, &cap, "] ") &&
             (!it->path || (cat(&b, &len, &cap, it->path) && cat(&b, &len, &cap, " "))) &&
             (!it->evidence || (cat(&b, &len, &cap, "(") && cat(&b, &len, &cap, it->evidence) &&
                                cat(&b, &len, &cap, ")")));
    }
    if (!ok) {
        free(b);
        return NULL;
    }
    return b;
}

static char *steps_cell(const eg_fleet_host *x)
{
    char *b = NULL, num[32];
    size_t len = 0, cap = 0;
    bool ok = cat(&b, &len, &cap, "");
    for (size_t i = 0; ok && i < x->nsteps; i++) {
        snprintf(num, sizeof num, "%s%zu. ", i ? "\n" : "", i + 1);
        ok = cat(&b, &len, &cap, num) && cat(&b, &len, &cap, x->steps[i]);
        for (size_t k = 0; ok && i == EG_HOST_STEP_REMOVE && k < x->nactions; k++)
            ok = cat(&b, &len, &cap, "\n   - ") && cat(&b, &len, &cap, x->actions[k]);
    }
    if (!ok) {
        free(b);
        return NULL;
    }
    return b;
}

eg_status eg_fleet_write_csv(FILE *o, const eg_fleet *f)
{
    eg_lang lang = f->lang;
    fputs("\xEF\xBB\xBF", o); /* Excel reads BOM-less UTF-8 as Shift_JIS on Japanese Windows */
    cell(o, L(lang, "ホスト名", "hostname"), false);
    cell(o, L(lang, "フォルダー", "directory"), false);
    cell(o, L(lang, "状態", "state"), false);
    cell(o, L(lang, "感染", "infected"), false);
    cell(o, L(lang, "痕跡", "artifacts"), false);
    cell(o, L(lang, "参考", "notes"), false);
    for (int g = 0; f->audit && g < EG_AUDIT_STAGES; g++) {
        char h[32];
        snprintf(h, sizeof h, L(lang, "段階%d", "stage%d"), g + 1);
        cell(o, h, false);
    }
    cell(o, L(lang, "検知内容", "findings"), false);
    cell(o, L(lang, "対応手順", "steps"), false);
    cell(o, L(lang, "エラー", "error"), true);
    eg_status st = EG_OK;
    for (size_t i = 0; i < f->n && !st; i++) {
        const eg_fleet_host *x = &f->hosts[i];
        char *fc = findings_cell(x), *sc = steps_cell(x);
        if (!fc || !sc) {
            st = EG_ENOMEM;
        } else {
            cell(o, x->name, false);
            cell(o, x->dir, false);
            cell(o, state_name(x->state), false);
            cellz(o, x->count[2]);
            cellz(o, x->count[1]);
            cellz(o, x->count[0]);
            for (int g = 0; f->audit && g < EG_AUDIT_STAGES; g++)
                cell(o, x->audited ? eg_audit_state_name(x->stage[g]) : "", false);
            cell(o, fc, false);
            cell(o, sc, false);
            cell(o, x->error, true);
        }
        free(fc);
        free(sc);
    }
    return st ? st : ferror(o) ? EG_EIO : EG_OK;
}

/* ---- HTML --------------------------------------------------------------------------------- */

static void h(FILE *o, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        case '\'': fputs("&#39;", o); break;
        default: fputc(*s, o);
        }
    }
}

/* The page's style and script. Neither holds a URL or "//": the page loads nothing, and the
 * Content-Security-Policy below forbids it even if a value got past the escaping. */
static const char css[] =
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP',Meiryo,sans-serif;margin:16px;"
    "color:#212121;background:#fff}"
    "h1{font-size:20px;margin:0 0 4px}p.meta{margin:0 0 12px;color:#555}"
    "table.fleet{border-collapse:collapse;width:100%}"
    ".fleet th,.fleet td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}"
    ".fleet th{background:#eceff1;cursor:pointer;user-select:none}"
    ".fleet th[aria-sort=ascending]::after{content:' \\25B2'}"
    ".fleet th[aria-sort=descending]::after{content:' \\25BC'}"
    "td.n{text-align:right}td.n,td.st,td.g{width:1%;white-space:nowrap}"
    "td.pc{overflow-wrap:anywhere;min-width:120px}td.d{width:50%;min-width:360px;overflow-wrap:"
    "anywhere}"
    ".badge{display:inline-block;padding:4px 10px;border-radius:4px;color:#fff;font-weight:bold;"
    "min-width:72px;text-align:center}"
    ".s-infected{background:#c62828}.s-error{background:#6a1b9a}"
    ".s-artifacts{background:#e65100}.s-clean{background:#2e7d32}"
    ".g-closed{background:#c8e6c9}.g-audit{background:#fff59d}.g-unknown{background:#e0e0e0}"
    ".g-open{background:#ffcdd2}"
    "tr.st-infected td:first-child{border-left:6px solid #c62828}"
    "tr.st-error td:first-child{border-left:6px solid #6a1b9a}"
    "tr.st-artifacts td:first-child{border-left:6px solid #e65100}"
    "tr.st-clean td:first-child{border-left:6px solid #2e7d32}"
    "details summary{cursor:pointer}.ev{white-space:pre-wrap;word-break:break-all;"
    "font-family:monospace;font-size:12px}"
    "ol,ul{margin:4px 0;padding-left:22px}.err{color:#6a1b9a;white-space:pre-wrap}";

static const char js_sort[] =
    "(function(){"
    "var t=document.getElementById('fleet'),hs=t.tHead.rows[0].cells,dir=[];"
    "function sortBy(c){"
    "var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),"
    "num=hs[c].getAttribute('data-type')==='num',d=dir[c]=dir[c]===1?-1:1;"
    "rows.sort(function(x,y){var p=x.cells[c].getAttribute('data-v'),"
    "q=y.cells[c].getAttribute('data-v');return (num?p-q:p.localeCompare(q))*d;});"
    "rows.forEach(function(r){b.appendChild(r);});"
    "for(var i=0;i<hs.length;i++)hs[i].removeAttribute('aria-sort');"
    "hs[c].setAttribute('aria-sort',d===1?'ascending':'descending');"
    "document.body.setAttribute('data-sorted',c+(d===1?'-asc':'-desc'));}"
    "for(var i=0;i<hs.length;i++)(function(i){if(hs[i].hasAttribute('data-type'))"
    "hs[i].addEventListener('click',function(){sortBy(i);});})(i);"
    /* "#sort=N" or "#sort=N-desc" clicks column N once or twice on load (the headless test) */
    "var m=/^#sort=(\\d+)(-desc)?$/.exec(location.hash);"
    "if(m&&hs[+m[1]]){hs[+m[1]].click();if(m[2])hs[+m[1]].click();}"
    "})();";

static void th(FILE *o, const char *type, const char *label, const char *title)
{
    fprintf(o, "<th data-type=\"%s\"", type);
    if (title) {
        fputs(" title=\"", o);
        h(o, title);
        fputc('"', o);
    }
    fputc('>', o);
    h(o, label);
    fputs("</th>", o);
}

static void html_details(FILE *o, const eg_fleet *f, const eg_fleet_host *x)
{
    eg_lang lang = f->lang;
    char sum[160];
    size_t nf = x->nitems + x->items_dropped;
    if (!nf && !x->nsteps)
        snprintf(sum, sizeof sum, "%s", L(lang, "検知なし", "nothing found"));
    else if (lang == EG_LANG_JA)
        snprintf(sum, sizeof sum, "検知 %zu 件 / 手順 %zu", nf, x->nsteps);
    else
        snprintf(sum, sizeof sum, "%zu finding%s / %zu step%s", nf, nf == 1 ? "" : "s", x->nsteps,
                 x->nsteps == 1 ? "" : "s");
    fputs("<details><summary>", o);
    h(o, sum);
    fputs("</summary>", o);
    if (x->error) {
        fputs("<p class=\"err\">", o);
        h(o, x->error);
        fputs("</p>", o);
    }
    if (x->nitems) {
        fprintf(o, "<h3>%s</h3><ul class=\"findings\">", L(lang, "検知内容", "Findings"));
        for (size_t i = 0; i < x->nitems; i++) {
            const eg_fleet_item *it = &x->items[i];
            fputs("<li><b>", o);
            h(o, it->rule);
            fputs("</b> [", o);
            h(o, level_name(it->level));
            fputs("] ", o);
            h(o, it->message);
            if (it->path) {
                fputs("<div class=\"ev\">", o);
                h(o, it->path);
                fputs("</div>", o);
            }
            if (it->evidence) {
                fprintf(o, "<div class=\"ev\">%s: ", L(lang, "根拠", "Evidence"));
                h(o, it->evidence);
                fputs("</div>", o);
            }
            fputs("</li>", o);
        }
        fputs("</ul>", o);
    }
    if (x->items_dropped)
        fprintf(o,
                L(lang, "<p>ほかに %zu 件の検知があります (ホストごとのレポートを参照)。</p>",
                  "<p>%zu more findings (see the per-host report).</p>"),
                x->items_dropped);
    if (x->nsteps) {
        fprintf(o, "<h3>%s</h3><ol class=\"steps\">", L(lang, "対応手順", "What to do"));
        for (size_t i = 0; i < x->nsteps; i++) {
            fputs("<li>", o);
            h(o, x->steps[i]);
            if (i == EG_HOST_STEP_REMOVE && x->nactions) {
                fputs("<ul class=\"ev\">", o);
                for (size_t k = 0; k < x->nactions; k++) {
                    fputs("<li>", o);
                    h(o, x->actions[k]);
                    fputs("</li>", o);
                }
                fputs("</ul>", o);
            }
            fputs("</li>", o);
        }
        fputs("</ol>", o);
    }
    if (x->nwarn) {
        fprintf(o, "<h3>%s</h3><ul>", L(lang, "警告", "Warnings"));
        for (size_t i = 0; i < x->nwarn; i++) {
            fputs("<li>", o);
            h(o, x->warnings[i]);
            fputs("</li>", o);
        }
        fputs("</ul>", o);
    }
    fputs("</details>", o);
}

static void html_row(FILE *o, const eg_fleet *f, const eg_fleet_host *x)
{
    eg_lang lang = f->lang;
    fprintf(o, "<tr class=\"host st-%s\"><td class=\"pc\" data-v=\"", state_name(x->state));
    h(o, x->name);
    fputs("\">", o);
    h(o, x->name);
    if (strcmp(x->name, x->dir)) {
        fputs("<br><small>", o);
        h(o, x->dir);
        fputs("</small>", o);
    }
    fprintf(o, "</td><td class=\"st\" data-v=\"%d\"><span class=\"badge s-%s\">%s</span></td>",
            state_rank(x->state), state_name(x->state), state_label(x->state, lang));
    for (int l = EG_HLVL_INFECTED; l >= EG_HLVL_NOTE; l--)
        fprintf(o, "<td class=\"n\" data-v=\"%zu\">%zu</td>", x->count[l], x->count[l]);
    for (int g = 0; f->audit && g < EG_AUDIT_STAGES; g++) {
        if (!x->audited)
            fputs("<td class=\"g\" data-v=\"9\">-</td>", o);
        else
            fprintf(o, "<td data-v=\"%d\" class=\"g g-%s\">%s</td>", 3 - (int)x->stage[g],
                    eg_audit_state_name(x->stage[g]), stage_label(x->stage[g], lang));
    }
    fputs("<td class=\"d\">", o);
    html_details(o, f, x);
    fputs("</td></tr>\n", o);
}

eg_status eg_fleet_write_html(FILE *o, const eg_fleet *f)
{
    eg_lang lang = f->lang;
    size_t c[4];
    summary_counts(f, c);
    fprintf(o,
            "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
            "<title>emoguard hostcheck: %zu PC</title>\n<style>%s</style></head>\n<body>\n",
            lang == EG_LANG_JA ? "ja" : "en", f->n, css);
    fprintf(
        o, "<h1>%s</h1>\n<p class=\"meta\">",
        L(lang, "Emotet 感染調査 (emoguard hostcheck)", "Emotet host check (emoguard hostcheck)"));
    fprintf(o,
            L(lang,
              "調査時刻 %s (UTC) / emoguard %s / PC %zu 台: 感染 %zu、痕跡あり %zu、問題なし %zu、"
              "エラー %zu。列の見出しをクリックすると並べ替えます。",
              "Scanned %s (UTC) / emoguard %s / %zu PCs: %zu infected, %zu with artifacts, %zu "
              "clean, %zu error. Click a column heading to sort."),
            f->when, EG_VERSION, f->n, c[EG_HOST_INFECTED], c[EG_HOST_ARTIFACTS], c[EG_HOST_CLEAN],
            c[EG_HOST_ERROR]);
    fputs("</p>\n<table class=\"fleet\" id=\"fleet\"><thead><tr>", o);
    th(o, "text", L(lang, "PC", "PC"), NULL);
    th(o, "num", L(lang, "状態", "State"), NULL);
    th(o, "num", L(lang, "感染", "Infected"), NULL);
    th(o, "num", L(lang, "痕跡", "Artifacts"), NULL);
    th(o, "num", L(lang, "参考", "Notes"), NULL);
    static const char *const sj[] = {"マクロ", "子プロセス", "ローダー", "LSASS"};
    static const char *const se[] = {"macro", "child", "loader", "LSASS"};
    for (int g = 0; f->audit && g < EG_AUDIT_STAGES; g++) {
        char lab[64];
        snprintf(lab, sizeof lab, L(lang, "段階%d %s", "S%d %s"), g + 1, L(lang, sj[g], se[g]));
        th(o, "num", lab, NULL);
    }
    fprintf(o, "<th>%s</th></tr></thead>\n<tbody>\n",
            L(lang, "詳細と対応手順", "Details and steps"));
    for (size_t i = 0; i < f->n; i++)
        html_row(o, f, &f->hosts[i]);
    fprintf(o, "</tbody></table>\n<script>%s</script>\n</body></html>\n", js_sort);
    return ferror(o) ? EG_EIO : EG_OK;
}
