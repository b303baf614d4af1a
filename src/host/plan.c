/*
 * Remediation planning (EmoKill's role, done carefully): turns the infected and artifact hits
 * into a list of actions -- kill the process, delete the Run/RunOnce/Explorer value, the service
 * or the task, move the file to quarantine -- in that order, without duplicates. Notes are never
 * acted on, and a Windows system file (a process matched by name only, or a file directly in the
 * Windows or System folders) is listed as skipped rather than touched. Carrying the plan out is
 * Windows-only code (host_win32.c); the plan itself is portable so it can be tested anywhere.
 */
#include "host/host.h"

#include "core/strutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcasecmp(a, b));
}

static eg_status add(eg_host_plan *p, eg_host_action_kind k, uint32_t pid, const char *root,
                     const char *subkey, const char *name, const char *path, const char *skip,
                     const char *skip_ja)
{
    for (size_t i = 0; i < p->n; i++) {
        eg_host_action *a = &p->acts[i];
        if (a->kind == k && a->pid == pid && same(a->root, root) && same(a->subkey, subkey) &&
            same(a->name, name) && same(a->path, path))
            return EG_OK;
    }
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        eg_host_action *a = realloc(p->acts, nc * sizeof *a);
        if (!a)
            return EG_ENOMEM;
        p->acts = a;
        p->cap = nc;
    }
    eg_host_action *a = &p->acts[p->n];
    memset(a, 0, sizeof *a);
    a->kind = k;
    a->pid = pid;
    a->root = eg_strdup(root);
    a->subkey = eg_strdup(subkey);
    a->name = eg_strdup(name);
    a->path = eg_strdup(path);
    a->skip = skip;
    a->skip_ja = skip_ja;
    if ((root && !a->root) || (subkey && !a->subkey) || (name && !a->name) || (path && !a->path)) {
        free(a->root), free(a->subkey), free(a->name), free(a->path);
        return EG_ENOMEM;
    }
    p->n++;
    return EG_OK;
}

/* A file Windows itself needs: in the Windows folder, System32 or SysWOW64 directly. */
static bool system_file(const eg_host_snapshot *s, const char *path)
{
    const char *root = s->system_root ? s->system_root : "C:\\Windows";
    const char *b = strrchr(path, '\\');
    if (!b)
        return false;
    size_t dl = (size_t)(b - path), rl = strlen(root);
    if (dl < rl || strncasecmp(path, root, rl))
        return false;
    const char *rest = path + rl;
    size_t n = dl - rl;
    return n == 0 ||
           (n == 9 && (!strncasecmp(rest, "\\System32", 9) || !strncasecmp(rest, "\\SysWOW64", 9)));
}

static bool name_only(eg_host_rule r)
{
    return r == EG_HR_V1_PROCESS || r == EG_HR_V2_PROCESS;
}

static bool under_root(const eg_host_snapshot *s, const char *path)
{
    const char *root = s->system_root ? s->system_root : "C:\\Windows";
    size_t rl = strlen(root);
    return path && !strncasecmp(path, root, rl) && path[rl] == '\\';
}

static eg_status plan_kills(const eg_host_snapshot *s, const eg_host_findings *h, eg_host_plan *p)
{
    eg_status st = EG_OK;
    for (size_t i = 0; i < h->nhits && !st; i++) {
        const eg_host_hit *x = &h->hits[i];
        if (x->level == EG_HLVL_NOTE || x->proc < 0)
            continue;
        const eg_host_proc *pr = &s->procs[x->proc];
        const char *skip = NULL, *skip_ja = NULL;
        if (pr->pid <= 4) {
            skip = "system process";
            skip_ja = "システムプロセスのため";
        } else if (name_only(x->rule) && under_root(s, pr->image)) {
            skip = "matched by name only and its image is a Windows file; check by hand";
            skip_ja = "名前だけの一致で、実体が Windows のファイルのため。手作業で確認してください";
        }
        st = add(p, EG_HACT_KILL, pr->pid, NULL, NULL, pr->name, pr->image, skip, skip_ja);
    }
    return st;
}

static eg_status plan_persistence(const eg_host_snapshot *s, const eg_host_findings *h,
                                  eg_host_plan *p)
{
    eg_status st = EG_OK;
    for (size_t i = 0; i < h->nhits && !st; i++) {
        const eg_host_hit *x = &h->hits[i];
        if (x->level == EG_HLVL_NOTE)
            continue;
        if (x->reg >= 0) {
            const eg_host_regval *r = &s->regs[x->reg];
            st = add(p, EG_HACT_DEL_VALUE, 0, r->root, r->subkey, r->name, NULL, NULL, NULL);
        }
        if (!st && x->svc >= 0)
            st = add(p, EG_HACT_DEL_SERVICE, 0, NULL, NULL, s->svcs[x->svc].name, NULL, NULL, NULL);
        if (!st && x->task >= 0)
            st = add(p, EG_HACT_DEL_TASK, 0, NULL, NULL, s->tasks[x->task].name, NULL, NULL, NULL);
    }
    return st;
}

static eg_status plan_files(const eg_host_snapshot *s, const eg_host_findings *h, eg_host_plan *p)
{
    eg_status st = EG_OK;
    for (size_t i = 0; i < h->nhits && !st; i++) {
        const eg_host_hit *x = &h->hits[i];
        const char *path = x->path;
        if (x->level == EG_HLVL_NOTE || !path || !*path)
            continue;
        const char *skip = NULL, *skip_ja = NULL;
        if (system_file(s, path) || (name_only(x->rule) && under_root(s, path))) {
            skip = "a Windows system file; check by hand";
            skip_ja = "Windows のシステムファイルのため。手作業で確認してください";
        }
        st = add(p, EG_HACT_QUARANTINE, 0, NULL, NULL, NULL, path, skip, skip_ja);
    }
    return st;
}

eg_status eg_host_plan_build(const eg_host_snapshot *s, const eg_host_findings *h,
                             eg_host_plan **out)
{
    *out = NULL;
    eg_host_plan *p = calloc(1, sizeof *p);
    if (!p)
        return EG_ENOMEM;
    eg_status st = plan_kills(s, h, p);
    if (!st)
        st = plan_persistence(s, h, p);
    if (!st)
        st = plan_files(s, h, p);
    if (st) {
        eg_host_plan_free(p);
        return st;
    }
    *out = p;
    return EG_OK;
}

void eg_host_plan_free(eg_host_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->acts[i].root), free(p->acts[i].subkey), free(p->acts[i].name),
            free(p->acts[i].path);
    free(p->acts);
    free(p);
}

void eg_host_action_text(const eg_host_action *a, eg_lang lang, char *out, size_t cap)
{
    bool ja = lang == EG_LANG_JA;
    int n = 0;
    switch (a->kind) {
    case EG_HACT_KILL:
        n = snprintf(out, cap,
                     ja ? "プロセスを終了: PID %" PRIu32 " (%s)" : "kill process %" PRIu32 " (%s)",
                     a->pid, a->name ? a->name : "?");
        break;
    case EG_HACT_DEL_VALUE:
        n = snprintf(out, cap,
                     ja ? "レジストリ値を削除: %s\\%s\\%s" : "delete registry value %s\\%s\\%s",
                     a->root, a->subkey, a->name);
        break;
    case EG_HACT_DEL_SERVICE:
        n = snprintf(out, cap, ja ? "サービスを停止して削除: %s" : "stop and delete service %s",
                     a->name);
        break;
    case EG_HACT_DEL_TASK:
        n = snprintf(out, cap, ja ? "タスクを削除: %s" : "delete scheduled task %s", a->name);
        break;
    case EG_HACT_QUARANTINE:
        n = snprintf(out, cap, ja ? "ファイルを隔離フォルダーへ移動: %s" : "move to quarantine %s",
                     a->path);
        break;
    }
    if (n >= 0 && (size_t)n < cap && a->skip)
        snprintf(out + n, cap - (size_t)n, " -- %s", ja ? a->skip_ja : a->skip);
}

void eg_host_plan_print(FILE *f, const eg_host_plan *p, eg_lang lang)
{
    bool ja = lang == EG_LANG_JA;
    char line[8192];
    for (size_t i = 0; i < p->n; i++) {
        const eg_host_action *a = &p->acts[i];
        eg_host_action_text(a, lang, line, sizeof line);
        fprintf(f, "%s%s\n", a->skip ? (ja ? "  [見送り] " : "  [skip] ") : "  - ", line);
    }
}
