/*
 * The hostcheck rule engine: runs EmoCheck's five detections and the 2021-2023 loader rules over
 * one snapshot and links each artifact (file, Run value, service, task) to the running process
 * it explains. A linked process makes a hit "infected"; an artifact with nothing running is
 * reported as such ("artifact present, not running"), which EmoCheck never did. All path and
 * name comparisons are ASCII case-insensitive, as Windows compares them.
 */
#include "host/host.h"

#include "core/strutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *lc; /* lowercased path */
    size_t idx;
} pathref;

typedef struct {
    char *lc; /* lowercased root, no trailing backslash */
    bool sys; /* SysWOW64 / System32 rather than %LOCALAPPDATA% */
    int user;
} root;

typedef struct {
    int reg, svc, task; /* exactly one is >= 0 */
    int user;
    const char *name; /* value / service / task name */
    const char *cmd;  /* as stored */
    eg_host_launch l;
} launcher;

typedef struct {
    eg_host_snapshot *s;
    const eg_host_opts *opt;
    eg_host_findings *f;
    pathref *paths;
    size_t npaths;
    root *roots;
    size_t nroots, caproots;
    uint32_t *root_slots; /* roots by their lower-case path (index + 1), at most half full */
    size_t root_mask;
    char **sysnames; /* v3 keywords: System32 exe/dll base names, lowercased, sorted */
    size_t nsysnames;
    char **allow; /* v4 allowlist: folder names under Roaming / Program Files, sorted */
    size_t nallow;
    char **ucmd; /* unified command line per process (NULL when none) */
    launcher *ls;
    size_t nls;
    bool *proc_used;                                   /* processes already explained by a hit */
    bool *file_used, *reg_used, *svc_used, *task_used; /* ... and artifacts */
} ctx;

static char *lower_dup(const char *s)
{
    char *r = eg_strdup(s);
    if (r)
        eg_ascii_lower(r);
    return r;
}

static int cmp_pathref(const void *a, const void *b)
{
    return strcmp(((const pathref *)a)->lc, ((const pathref *)b)->lc);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_set(char **set, size_t n, const char *lc)
{
    return n && bsearch(&lc, set, n, sizeof *set, cmp_str) != NULL;
}

/* index of a listed file by path (any case), -1 when not listed */
static int find_file(const ctx *c, const char *path)
{
    if (!c->npaths || !path)
        return -1;
    char *lc = lower_dup(path);
    if (!lc)
        return -1;
    for (char *p = lc; *p; p++)
        if (*p == '/')
            *p = '\\';
    pathref key = {lc, 0};
    pathref *r = bsearch(&key, c->paths, c->npaths, sizeof *c->paths, cmp_pathref);
    free(lc);
    return r ? (int)r->idx : -1;
}

static size_t root_hash(const ctx *c, const char *lc, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)lc[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 32)) & c->root_mask;
}

/* The root whose lower-case path is lc[0..n), or NULL. Every user's profile is a root, so a file
 * list of many users must not be matched against each root in turn. */
static const root *root_find(const ctx *c, const char *lc, size_t n)
{
    if (!c->root_slots)
        return NULL;
    for (size_t j = root_hash(c, lc, n); c->root_slots[j]; j = (j + 1) & c->root_mask) {
        const root *r = &c->roots[c->root_slots[j] - 1];
        if (strlen(r->lc) == n && !memcmp(r->lc, lc, n))
            return r;
    }
    return NULL;
}

static eg_status root_index(ctx *c)
{
    size_t cap = c->root_slots ? c->root_mask + 1 : 0;
    if (cap && (c->nroots + 1) * 2 <= cap)
        return EG_OK;
    size_t ncap = cap ? cap * 2 : 64;
    uint32_t *v = calloc(ncap, sizeof *v);
    if (!v)
        return EG_ENOMEM;
    free(c->root_slots);
    c->root_slots = v;
    c->root_mask = ncap - 1;
    for (size_t i = 0; i < c->nroots; i++) {
        size_t j = root_hash(c, c->roots[i].lc, strlen(c->roots[i].lc));
        while (v[j])
            j = (j + 1) & c->root_mask;
        v[j] = (uint32_t)(i + 1);
    }
    return EG_OK;
}

static eg_status add_root(ctx *c, const char *path, bool sys, int user)
{
    if (!path || !*path)
        return EG_OK;
    char *lc = lower_dup(path);
    if (!lc)
        return EG_ENOMEM;
    size_t n = strlen(lc);
    while (n && lc[n - 1] == '\\')
        lc[--n] = 0;
    if (root_find(c, lc, n) || root_index(c) != EG_OK) {
        free(lc);
        return c->root_slots ? EG_OK : EG_ENOMEM;
    }
    if (c->nroots == c->caproots) {
        size_t nc = c->caproots ? c->caproots * 2 : 16;
        root *r = realloc(c->roots, nc * sizeof *r);
        if (!r) {
            free(lc);
            return EG_ENOMEM;
        }
        c->roots = r;
        c->caproots = nc;
    }
    c->roots[c->nroots++] = (root){lc, sys, user};
    size_t j = root_hash(c, lc, n);
    while (c->root_slots[j])
        j = (j + 1) & c->root_mask;
    c->root_slots[j] = (uint32_t)c->nroots;
    return EG_OK;
}

/* Is path exactly <root>\<dir>\<file>? Fills dir and file (pointers into path) and the root. */
static const root *classify(const ctx *c, const char *path, const char **dir, size_t *dirlen,
                            const char **file)
{
    /* the root is what is left without the last two parts: look it up instead of trying each */
    const char *sep = strrchr(path, '\\');
    if (!sep || !sep[1] || sep == path)
        return NULL;
    const char *d = sep;
    while (d > path && d[-1] != '\\')
        d--;
    if (d == sep || d == path) /* an empty folder name, or no root in front */
        return NULL;
    size_t n = (size_t)(d - 1 - path);
    char stack[512] = {0};
    char *lc = n < sizeof stack ? stack : malloc(n + 1);
    if (!lc)
        return NULL;
    for (size_t i = 0; i < n; i++)
        lc[i] = path[i] >= 'A' && path[i] <= 'Z' ? (char)(path[i] + 32) : path[i];
    const root *r = root_find(c, lc, n);
    if (lc != stack)
        free(lc);
    if (!r)
        return NULL;
    *dir = d;
    *dirlen = (size_t)(sep - d);
    *file = sep + 1;
    return r;
}

static const char *sysroot(const eg_host_snapshot *s)
{
    return s->system_root ? s->system_root : "C:\\Windows";
}

/* ---- context ------------------------------------------------------------------------------ */

static eg_status build_paths(ctx *c)
{
    eg_host_snapshot *s = c->s;
    if (!s->nfiles)
        return EG_OK;
    c->paths = calloc(s->nfiles, sizeof *c->paths);
    if (!c->paths)
        return EG_ENOMEM;
    for (size_t i = 0; i < s->nfiles; i++) {
        c->paths[i].lc = lower_dup(s->files[i].path);
        c->paths[i].idx = i;
        c->npaths = i + 1;
        if (!c->paths[i].lc)
            return EG_ENOMEM;
    }
    qsort(c->paths, c->npaths, sizeof *c->paths, cmp_pathref);
    return EG_OK;
}

static eg_status push_str(char ***arr, size_t *n, size_t *cap, char *v)
{
    if (!v)
        return EG_ENOMEM;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **a = realloc(*arr, nc * sizeof *a);
        if (!a) {
            free(v);
            return EG_ENOMEM;
        }
        *arr = a;
        *cap = nc;
    }
    (*arr)[(*n)++] = v;
    return EG_OK;
}

/* Roots from the users and from listed paths (X:\Users\<u>\AppData\Local), plus the system dirs;
 * v3 keywords and the v4 allowlist from the file listing. */
static eg_status build_roots(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nusers && !st; i++)
        st = add_root(c, s->users[i].local_appdata, false, (int)i);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s\\SysWOW64", sysroot(s));
    if (!st)
        st = add_root(c, buf, true, -1);
    snprintf(buf, sizeof buf, "%s\\System32", sysroot(s));
    if (!st)
        st = add_root(c, buf, true, -1);
    size_t cap1 = 0, cap2 = 0;
    char sys32[1024], wow[1024];
    snprintf(sys32, sizeof sys32, "%s\\System32\\", sysroot(s));
    snprintf(wow, sizeof wow, "%s\\SysWOW64\\", sysroot(s));
    for (size_t i = 0; i < s->nfiles && !st; i++) {
        const char *p = s->files[i].path;
        const char *al = eg_memmem_ci(p, strlen(p), "\\AppData\\Local\\", 15);
        if (!al && eg_has_suffix_ci(p, "\\AppData\\Local"))
            al = p + strlen(p) - 14;
        if (al && eg_has_prefix_ci(p + 1, ":\\Users\\")) {
            char r[1024];
            snprintf(r, sizeof r, "%.*s\\AppData\\Local", (int)(al - p), p);
            st = add_root(c, r, false, -1);
        }
        const char *base = strrchr(p, '\\');
        base = base ? base + 1 : p;
        bool top = (eg_has_prefix_ci(p, sys32) && !strchr(p + strlen(sys32), '\\')) ||
                   (eg_has_prefix_ci(p, wow) && !strchr(p + strlen(wow), '\\'));
        const char *ext = eg_path_ext(base);
        if (!st && top && !s->files[i].is_dir &&
            (!strcasecmp(ext, "exe") || !strcasecmp(ext, "dll"))) {
            st = push_str(&c->sysnames, &c->nsysnames, &cap1, lower_dup(base));
            if (!st) /* the keyword is the base name without ".exe" / ".dll" */
                c->sysnames[c->nsysnames - 1][strlen(base) - 4] = 0;
        }
        if (!st && s->files[i].is_dir &&
            (eg_memmem_ci(p, strlen(p), "\\AppData\\Roaming\\", 17) ||
             eg_memmem_ci(p, strlen(p), ":\\Program Files\\", 16) ||
             eg_memmem_ci(p, strlen(p), ":\\Program Files (x86)\\", 22)))
            st = push_str(&c->allow, &c->nallow, &cap2, lower_dup(base));
    }
    if (c->nsysnames)
        qsort(c->sysnames, c->nsysnames, sizeof *c->sysnames, cmp_str);
    if (c->nallow)
        qsort(c->allow, c->nallow, sizeof *c->allow, cmp_str);
    return st;
}

static eg_status add_launcher(ctx *c, size_t *cap, int reg, int svc, int task, int user,
                              const char *name, const char *cmd)
{
    if (!cmd || !*cmd)
        return EG_OK;
    if (c->nls == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        launcher *l = realloc(c->ls, nc * sizeof *l);
        if (!l)
            return EG_ENOMEM;
        c->ls = l;
        *cap = nc;
    }
    launcher *L = &c->ls[c->nls];
    *L = (launcher){reg, svc, task, user, name, cmd, {{0}, NULL, NULL, false}};
    eg_status st = eg_host_parse_launch(c->s, user, cmd, &L->l);
    if (!st)
        c->nls++;
    return st;
}

static eg_status build_launchers(ctx *c)
{
    eg_host_snapshot *s = c->s;
    size_t cap = 0;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nregs && !st; i++) {
        eg_host_regval *r = &s->regs[i];
        if ((r->kind == EG_HREG_RUN || r->kind == EG_HREG_RUNONCE) &&
            (r->type == 1 || r->type == 2))
            st = add_launcher(c, &cap, (int)i, -1, -1, r->user, r->name, (const char *)r->data);
    }
    for (size_t i = 0; i < s->nsvcs && !st; i++) {
        st = add_launcher(c, &cap, -1, (int)i, -1, -1, s->svcs[i].name, s->svcs[i].image_path);
        if (!st)
            st = add_launcher(c, &cap, -1, (int)i, -1, -1, s->svcs[i].name, s->svcs[i].service_dll);
    }
    for (size_t i = 0; i < s->ntasks && !st; i++)
        st = add_launcher(c, &cap, -1, -1, (int)i, -1, s->tasks[i].name, s->tasks[i].command);
    return st;
}

static eg_status build_ctx(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = build_paths(c);
    if (!st)
        st = build_roots(c);
    if (!st)
        st = build_launchers(c);
    if (st)
        return st;
    /* one extra element each so an empty snapshot still gets valid arrays */
    c->proc_used = calloc(s->nprocs + 1, 1);
    c->file_used = calloc(s->nfiles + 1, 1);
    c->reg_used = calloc(s->nregs + 1, 1);
    c->svc_used = calloc(s->nsvcs + 1, 1);
    c->task_used = calloc(s->ntasks + 1, 1);
    if (!c->proc_used || !c->file_used || !c->reg_used || !c->svc_used || !c->task_used)
        return EG_ENOMEM;
    if (s->nprocs) {
        c->ucmd = calloc(s->nprocs, sizeof *c->ucmd);
        if (!c->ucmd)
            return EG_ENOMEM;
        for (size_t i = 0; i < s->nprocs; i++)
            if (s->procs[i].cmdline && !(c->ucmd[i] = eg_host_unify(s->procs[i].cmdline)))
                return EG_ENOMEM;
    }
    return st;
}

static void free_ctx(ctx *c)
{
    for (size_t i = 0; i < c->npaths; i++)
        free(c->paths[i].lc);
    for (size_t i = 0; i < c->nroots; i++)
        free(c->roots[i].lc);
    for (size_t i = 0; i < c->nsysnames; i++)
        free(c->sysnames[i]);
    for (size_t i = 0; i < c->nallow; i++)
        free(c->allow[i]);
    for (size_t i = 0; c->ucmd && i < c->s->nprocs; i++)
        free(c->ucmd[i]);
    for (size_t i = 0; i < c->nls; i++)
        eg_host_launch_free(&c->ls[i].l);
    free(c->paths), free(c->roots), free(c->root_slots), free(c->sysnames), free(c->allow),
        free(c->ucmd);
    free(c->ls), free(c->proc_used), free(c->file_used), free(c->reg_used), free(c->svc_used);
    free(c->task_used);
}

/* ---- hits --------------------------------------------------------------------------------- */

typedef struct {
    int proc, file, reg, svc, task;
} links;
#define NOLINK ((links){-1, -1, -1, -1, -1})

static eg_status hit(ctx *c, eg_host_rule rule, links k, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static eg_status hit(ctx *c, eg_host_rule rule, links k, const char *path, const char *fmt, ...)
{
    eg_host_findings *f = c->f;
    if (f->nhits >= EG_HOST_MAX_HITS) { /* keeps the dedup below and the reports bounded */
        f->dropped++;
        return EG_OK;
    }
    for (size_t i = 0; i < f->nhits; i++) {
        eg_host_hit *h = &f->hits[i];
        if (h->rule == rule && h->proc == k.proc && h->file == k.file && h->reg == k.reg &&
            h->svc == k.svc && h->task == k.task &&
            ((!h->path && !path) || (h->path && path && !strcasecmp(h->path, path))))
            return EG_OK;
    }
    if (f->nhits == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        if (nc > EG_HOST_MAX_ITEMS)
            return EG_ELIMIT;
        eg_host_hit *a = realloc(f->hits, nc * sizeof *a);
        if (!a)
            return EG_ENOMEM;
        f->hits = a;
        f->cap = nc;
    }
    char ev[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev, sizeof ev, fmt, ap);
    va_end(ap);
    eg_host_hit *h = &f->hits[f->nhits];
    memset(h, 0, sizeof *h);
    h->rule = rule;
    h->level = eg_host_rule_get(rule)->level;
    h->proc = k.proc, h->file = k.file, h->reg = k.reg, h->svc = k.svc, h->task = k.task;
    h->path = path ? eg_strdup(path) : NULL;
    h->evidence = eg_strdup(ev);
    if ((path && !h->path) || !h->evidence) {
        free(h->path), free(h->evidence);
        return EG_ENOMEM;
    }
    f->nhits++;
    if (k.proc >= 0)
        c->proc_used[k.proc] = true;
    if (k.file >= 0)
        c->file_used[k.file] = true;
    if (k.reg >= 0)
        c->reg_used[k.reg] = true;
    if (k.svc >= 0)
        c->svc_used[k.svc] = true;
    if (k.task >= 0)
        c->task_used[k.task] = true;
    return EG_OK;
}

/* Does the process's command line (or image) name this file? EmoCheck retries a SysWOW64 path
 * as System32 because a 64-bit view of a 32-bit rundll32 shows the other name. */
/* A path as process command lines are matched against it: unified once (eg_host_unify), and its
 * System32 spelling when it names SysWOW64. Built once per path, not once per process. */
typedef struct upath {
    const char *path;
    char *u, *u32; /* NULL when not made */
} upath;

static upath upath_make(const char *path)
{
    upath p = {path, eg_host_unify(path), NULL};
    char *w = p.u ? strstr(p.u, "syswow64") : NULL;
    if (w && (p.u32 = eg_strdup(p.u)))
        memcpy(p.u32 + (w - p.u), "system32", 8);
    return p;
}

static void upath_free(upath *p)
{
    free(p->u);
    free(p->u32);
}

static bool proc_names_upath(const ctx *c, size_t i, const upath *up)
{
    const eg_host_proc *p = &c->s->procs[i];
    if (p->image && !strcasecmp(p->image, up->path))
        return true;
    if (!c->ucmd || !c->ucmd[i] || !up->u)
        return false;
    return strstr(c->ucmd[i], up->u) || (up->u32 && strstr(c->ucmd[i], up->u32));
}

static bool is_prog(const eg_host_proc *p, const char *name)
{
    return p->name && !strcasecmp(p->name, name);
}

static const char *base_of(const char *p)
{
    const char *b = strrchr(p, '\\');
    return b ? b + 1 : p;
}

/* ---- EmoCheck v1 / v2 --------------------------------------------------------------------- */

static eg_status name_rule(ctx *c, const char *exe, eg_host_rule proc_rule, eg_host_rule art_rule,
                           links base, const char *why)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    bool any = false;
    for (size_t i = 0; i < s->nprocs && !st; i++) {
        if (!is_prog(&s->procs[i], exe))
            continue;
        links k = base;
        k.proc = (int)i;
        k.file = s->procs[i].image ? find_file(c, s->procs[i].image) : -1;
        st = hit(c, proc_rule, k, s->procs[i].image, "%s; process %s (pid %u)", why, exe,
                 s->procs[i].pid);
        any = true;
    }
    if (any || st)
        return st;
    if (art_rule == proc_rule) /* no artifact form (v1: the file rule below) */
        return EG_OK;
    return hit(c, art_rule, base, NULL, "%s; no process of that name is running", why);
}

static eg_status v1_files(ctx *c, const char *exe, const char *why)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nfiles && !st; i++) {
        const eg_host_file *f = &s->files[i];
        if (f->is_dir || strcasecmp(base_of(f->path), exe))
            continue;
        for (size_t r = 0; r < c->nroots; r++) {
            size_t n = strlen(c->roots[r].lc);
            if (c->roots[r].sys || strncasecmp(f->path, c->roots[r].lc, n) || f->path[n] != '\\')
                continue;
            bool running = false;
            upath up = upath_make(f->path);
            for (size_t p = 0; p < s->nprocs && !running; p++)
                running = proc_names_upath(c, p, &up) || is_prog(&s->procs[p], exe);
            upath_free(&up);
            if (!running) {
                links k = NOLINK;
                k.file = (int)i;
                st = hit(c, EG_HR_V1_FILE, k, f->path, "%s; file present, not running", why);
            }
            break;
        }
    }
    return st;
}

static eg_status rule_v1(ctx *c)
{
    if (!c->f->serial_known)
        return EG_OK;
    uint32_t ser = c->f->serial;
    char names[2][64];
    eg_host_v1_name(ser, false, names[0]);
    eg_host_v1_name(ser, true, names[1]);
    snprintf(c->f->v1_name, sizeof c->f->v1_name, "%s.exe", names[0]);
    eg_status st = EG_OK;
    for (int v = 0; v < 2 && !st; v++) {
        if (v == 1 && !strcmp(names[0], names[1]))
            break;
        char exe[136], why[256];
        snprintf(exe, sizeof exe, "%s.exe", names[v]);
        snprintf(why, sizeof why, "volume serial %04X-%04X gives the name %s%s", ser >> 16,
                 ser & 0xFFFF, exe, v ? " (whole-word variant)" : "");
        st = name_rule(c, exe, EG_HR_V1_PROCESS, EG_HR_V1_PROCESS, NOLINK, why);
        if (!st)
            st = v1_files(c, exe, why);
    }
    return st;
}

static bool hex_name(const char *n, uint32_t *v)
{
    size_t l = strlen(n);
    if (!l || l > 8)
        return false;
    for (size_t i = 0; i < l; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || ((n[i] | 0x20) >= 'a' && (n[i] | 0x20) <= 'f')))
            return false;
    *v = (uint32_t)strtoul(n, NULL, 16);
    return true;
}

/* A folder an ordinary user can write to, where Emotet drops its copy: a profile (C:\Users\...,
 * a user's %LOCALAPPDATA% from the snapshot) or ProgramData. Never the Windows folder (System32,
 * SysWOW64, wbem ...) nor Program Files. */
static bool user_writable(const ctx *c, const char *path)
{
    if (!path || !path[0] || path[1] != ':')
        return false;
    for (size_t r = 0; r < c->nroots; r++) {
        size_t n = strlen(c->roots[r].lc);
        if (!c->roots[r].sys && !strncasecmp(path, c->roots[r].lc, n) && path[n] == '\\')
            return true;
    }
    return eg_has_prefix_ci(path + 1, ":\\Users\\") ||
           eg_has_prefix_ci(path + 1, ":\\ProgramData\\");
}

/* The v2 name is a Windows program's name (wmiprvse, dllhost ...): a process counts only when its
 * image is in a user-writable folder, and a file of that name there is the artifact to
 * quarantine. A process of that name running from elsewhere is Windows itself. */
static eg_status v2_name(ctx *c, const char *exe, links base, const char *why)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    bool any = false;
    size_t other = 0;
    const char *other_image = NULL;
    for (size_t i = 0; i < s->nprocs && !st; i++) {
        const eg_host_proc *pr = &s->procs[i];
        if (!is_prog(pr, exe))
            continue;
        if (!user_writable(c, pr->image)) {
            if (!other++)
                other_image = pr->image;
            continue;
        }
        links k = base;
        k.proc = (int)i;
        k.file = find_file(c, pr->image);
        st = hit(c, EG_HR_V2_PROCESS, k, pr->image, "%s; process %s (pid %u) runs from %s", why,
                 exe, pr->pid, pr->image);
        any = true;
    }
    char note[400] = "";
    if (other)
        snprintf(note, sizeof note, "; %zu process(es) of that name run from %s (not counted: %s)",
                 other, other_image ? other_image : "an unknown path",
                 other_image ? "not a user-writable folder" : "image path unknown");
    /* the dropped copy itself, when it is not what runs */
    for (size_t i = 0; i < s->nfiles && !st; i++) {
        const eg_host_file *f = &s->files[i];
        if (f->is_dir || strcasecmp(base_of(f->path), exe) || !user_writable(c, f->path))
            continue;
        bool running = false;
        for (size_t p = 0; p < s->nprocs && !running; p++)
            running = s->procs[p].image && !strcasecmp(s->procs[p].image, f->path);
        if (running)
            continue; /* already named with its process */
        links k = base;
        k.file = (int)i;
        st = hit(c, EG_HR_V2_VALUE, k, f->path, "%s; file %s present, not running%s", why, f->path,
                 note);
        any = true;
    }
    if (any || st)
        return st;
    return hit(c, EG_HR_V2_VALUE, base, NULL,
               "%s; no process of that name runs from a user folder%s", why, note);
}

static eg_status rule_v2(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nregs && !st; i++) {
        eg_host_regval *r = &s->regs[i];
        uint32_t ser;
        if (r->kind != EG_HREG_EXPLORER || r->type != 3 || !hex_name(r->name, &ser))
            continue;
        if (c->f->serial_known && ser != c->f->serial)
            continue; /* the value is named after this disk's serial, nothing else */
        char dec[EG_HOST_MAX_VALUE / 1024 + 1];
        size_t n = r->len < sizeof dec - 1 ? r->len : sizeof dec - 1;
        if (eg_host_v2_decode(ser, r->data, n, dec) < 3)
            continue;
        char exe[sizeof dec + 8], why[sizeof dec + 200];
        snprintf(exe, sizeof exe, "%s.exe", dec);
        snprintf(why, sizeof why, "%s\\%s XOR %04X-%04X decodes to %s", r->key, r->name, ser >> 16,
                 ser & 0xFFFF, exe);
        links k = NOLINK;
        k.reg = (int)i;
        st = v2_name(c, exe, k, why);
    }
    return st;
}

/* ---- EmoCheck v3 -------------------------------------------------------------------------- */

static eg_status v3_one(ctx *c, size_t fi, const char *dir, size_t dirlen, const char *file)
{
    eg_host_snapshot *s = c->s;
    const eg_host_file *f = &s->files[fi];
    char d[256], stem[256];
    if (dirlen >= sizeof d || strlen(file) >= sizeof stem || !eg_has_suffix_ci(file, ".exe"))
        return EG_OK;
    snprintf(d, sizeof d, "%.*s", (int)dirlen, dir);
    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(file) - 4), file);
    eg_ascii_lower(d);
    eg_ascii_lower(stem);
    if (!in_set(c->sysnames, c->nsysnames, d) || !in_set(c->sysnames, c->nsysnames, stem))
        return EG_OK;
    if (f->size < 10000)
        return EG_OK;
    char twin[1024];
    snprintf(twin, sizeof twin, "%s\\System32\\%s", sysroot(s), file);
    int t = find_file(c, twin);
    if (t >= 0 && s->files[t].size == f->size)
        return EG_OK; /* a same-size copy of the system file is benign */
    links k = NOLINK;
    k.file = (int)fi;
    for (size_t i = 0; i < s->nregs; i++) { /* informational, as in EmoCheck */
        eg_host_regval *r = &s->regs[i];
        if (r->kind == EG_HREG_RUN && (r->type == 1 || r->type == 2) &&
            !strcasecmp(r->name, stem)) {
            char *x = eg_host_expand(s, r->user, (const char *)r->data);
            char *u = x ? eg_host_unify(x) : NULL, *up = eg_host_unify(f->path);
            if (u && up && !strcmp(u, up))
                k.reg = (int)i;
            free(x), free(u), free(up);
        }
    }
    eg_status st = EG_OK;
    bool any = false;
    upath up = upath_make(f->path);
    for (size_t i = 0; i < s->nprocs && !st; i++) {
        if (!is_prog(&s->procs[i], file) || !proc_names_upath(c, i, &up))
            continue;
        links kp = k;
        kp.proc = (int)i;
        st = hit(c, EG_HR_V3_PROCESS, kp, f->path,
                 "folder '%s' and file '%s' are System32 names; "
                 "size %llu differs from System32's; running as pid %u",
                 d, file, (unsigned long long)f->size, s->procs[i].pid);
        any = true;
    }
    upath_free(&up);
    if (!any && !st)
        st = hit(c, EG_HR_V3_FILE, k, f->path,
                 "folder '%s' and file '%s' are System32 names; "
                 "size %llu%s; not running",
                 d, file, (unsigned long long)f->size,
                 t >= 0 ? " differs from System32's" : ", no System32 file of that name");
    return st;
}

/* ---- EmoCheck v4 and the loader rules ------------------------------------------------------ */

/* EmoCheck's susp_patt: rundll32.exe, later a comma, after it a run of 4+ letters. */
static bool v4_susp(const char *cmd)
{
    const char *r = eg_memmem_ci(cmd, strlen(cmd), "rundll32.exe", 12);
    const char *comma = r ? strchr(r + 12, ',') : NULL;
    if (!comma)
        return false;
    size_t run = 0;
    for (const char *p = comma + 1; *p; p++) {
        run = ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ? run + 1 : 0;
        if (run >= 4)
            return true;
    }
    return false;
}

static bool mz(const eg_host_file *f)
{
    return f->head_len >= 2 && f->head[0] == 'M' && f->head[1] == 'Z';
}

static links launcher_links(const launcher *L)
{
    links k = NOLINK;
    k.reg = L->reg, k.svc = L->svc, k.task = L->task;
    return k;
}

static const char *launcher_where(const ctx *c, const launcher *L, char *buf, size_t cap)
{
    if (L->reg >= 0)
        snprintf(buf, cap, "%s\\%s", c->s->regs[L->reg].key, L->name);
    else if (L->svc >= 0)
        snprintf(buf, cap, "service %s", L->name);
    else
        snprintf(buf, cap, "task %s", L->name);
    return buf;
}

static eg_status v4_one(ctx *c, size_t fi, const char *dir, size_t dirlen, const char *file,
                        bool *persisted)
{
    eg_host_snapshot *s = c->s;
    const eg_host_file *f = &s->files[fi];
    char d[64];
    *persisted = false;
    if (dirlen >= sizeof d)
        return EG_OK;
    snprintf(d, sizeof d, "%.*s", (int)dirlen, dir);
    if (!eg_host_v4_dir_name(d) || !eg_host_v4_file_name(file) || !mz(f))
        return EG_OK;
    eg_ascii_lower(d);
    if (!c->opt->no_allowlist && in_set(c->allow, c->nallow, d))
        return EG_OK;
    eg_status st = EG_OK;
    for (size_t li = 0; li < c->nls && !st; li++) {
        launcher *L = &c->ls[li];
        bool name_ok = !strcasecmp(L->name, file);
        if (L->reg >= 0)
            name_ok |= eg_host_letters(L->name, strlen(L->name), 7, 16);
        if (L->task >= 0 || !name_ok || !v4_susp(L->cmd) ||
            !eg_memmem_ci(L->cmd, strlen(L->cmd), file, strlen(file)))
            continue;
        *persisted = true;
        char where[1024];
        launcher_where(c, L, where, sizeof where);
        links k = launcher_links(L);
        k.file = (int)fi;
        bool any = false;
        upath up = upath_make(f->path);
        for (size_t i = 0; i < s->nprocs && !st; i++) {
            if (!is_prog(&s->procs[i], "rundll32.exe") || !proc_names_upath(c, i, &up))
                continue;
            links kp = k;
            kp.proc = (int)i;
            st = hit(c, EG_HR_V4_PROCESS, kp, f->path,
                     "%s starts '%s'; rundll32.exe pid %u runs it", where, L->cmd, s->procs[i].pid);
            any = true;
        }
        upath_free(&up);
        if (!any && !st)
            st = hit(c, EG_HR_V4_PERSIST, k, f->path, "%s starts '%s'; not running", where, L->cmd);
    }
    return st;
}

/* A 2021-2023 loader path: <%LOCALAPPDATA% or SysWOW64/System32>\<Letters>\<letters>[.<ext>]. */
static bool loader_target(const ctx *c, const char *t)
{
    const char *dir, *file;
    size_t dl;
    if (!t || !classify(c, t, &dir, &dl, &file))
        return false;
    if (!eg_host_letters(dir, dl, 4, 24))
        return false;
    const char *dot = strchr(file, '.');
    size_t sl = dot ? (size_t)(dot - file) : strlen(file);
    if (!eg_host_letters(file, sl, 3, 24))
        return false;
    if (dot && (strchr(dot + 1, '.') || !eg_host_letters(dot + 1, strlen(dot + 1), 2, 4)))
        return false;
    return !dot || strcasecmp(dot + 1, "exe");
}

static bool covered(const ctx *c, const launcher *L)
{
    return (L->reg >= 0 && c->reg_used[L->reg]) || (L->svc >= 0 && c->svc_used[L->svc]) ||
           (L->task >= 0 && c->task_used[L->task]);
}

static eg_status rule_loader(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t li = 0; li < c->nls && !st; li++) {
        launcher *L = &c->ls[li];
        if (!L->l.prog[0] || !loader_target(c, L->l.target) || covered(c, L))
            continue;
        char where[1024];
        launcher_where(c, L, where, sizeof where);
        links k = launcher_links(L);
        k.file = find_file(c, L->l.target);
        bool any = false;
        upath up = upath_make(L->l.target);
        for (size_t i = 0; i < s->nprocs && !st; i++) {
            if (!proc_names_upath(c, i, &up))
                continue;
            links kp = k;
            kp.proc = (int)i;
            st = hit(c, EG_HR_LOADER_PROCESS, kp, L->l.target, "%s starts '%s'; %s pid %u runs it",
                     where, L->cmd, s->procs[i].name, s->procs[i].pid);
            any = true;
        }
        upath_free(&up);
        if (!any && !st)
            st = hit(c, EG_HR_LOADER_PERSIST, k, L->l.target, "%s starts %s '%s'; not running%s",
                     where, L->l.prog, L->l.target,
                     k.file >= 0 ? "" : (s->have_files ? "; file not in the listing" : ""));
    }
    /* loader processes that no persistence explains */
    for (size_t i = 0; i < s->nprocs && !st; i++) {
        eg_host_proc *p = &s->procs[i];
        if (c->proc_used[i] || !p->cmdline ||
            !(is_prog(p, "rundll32.exe") || is_prog(p, "regsvr32.exe")))
            continue;
        eg_host_launch l;
        st = eg_host_parse_launch(s, -1, p->cmdline, &l);
        if (st)
            break;
        if (l.prog[0] && loader_target(c, l.target)) {
            links k = NOLINK;
            k.proc = (int)i;
            k.file = find_file(c, l.target);
            st = hit(c, EG_HR_LOADER_PROCESS, k, l.target,
                     "%s pid %u runs '%s'; no persistence found", p->name, p->pid, l.target);
        }
        eg_host_launch_free(&l);
    }
    return st;
}

/* ---- EmoCheck v5 -------------------------------------------------------------------------- */

static eg_status v5_one(ctx *c, size_t fi, const char *dir, size_t dirlen)
{
    eg_host_snapshot *s = c->s;
    const eg_host_file *f = &s->files[fi];
    if (!mz(f) || !f->mtime)
        return EG_OK;
    size_t plen = (size_t)(dir - f->path) + dirlen;
    char *parent = eg_strndup(f->path, plen);
    if (!parent)
        return EG_ENOMEM;
    int di = find_file(c, parent);
    free(parent);
    if (di < 0 || !eg_host_v5_delta(s->files[di].mtime, f->mtime))
        return EG_OK;
    uint64_t delta = s->files[di].mtime - f->mtime;
    char why[256];
    snprintf(why, sizeof why, "last write %llu.%07llu s before its folder's (7 days = 604800 s)",
             (unsigned long long)(delta / 10000000u), (unsigned long long)(delta % 10000000u));
    eg_status st = EG_OK;
    bool any = false;
    links k = NOLINK;
    k.file = (int)fi;
    upath up = upath_make(f->path);
    for (size_t i = 0; i < s->nprocs && !st; i++) {
        if (!proc_names_upath(c, i, &up))
            continue;
        links kp = k;
        kp.proc = (int)i;
        st = hit(c, EG_HR_V5_PROCESS, kp, f->path, "%s; %s pid %u names it", why, s->procs[i].name,
                 s->procs[i].pid);
        any = true;
    }
    upath_free(&up);
    if (!any && !st)
        st = hit(c, EG_HR_V5_FILE, k, f->path, "%s; not running", why);
    return st;
}

/* ---- the file walk ------------------------------------------------------------------------ */

static bool file_in_hits(const ctx *c, size_t fi)
{
    return c->file_used[fi];
}

static eg_status rule_files(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nfiles && !st; i++) {
        const eg_host_file *f = &s->files[i];
        const char *dir, *file;
        size_t dl;
        const root *rt = f->is_dir ? NULL : classify(c, f->path, &dir, &dl, &file);
        if (!rt)
            continue;
        bool persisted = false;
        st = v3_one(c, i, dir, dl, file);
        if (!st)
            st = v4_one(c, i, dir, dl, file, &persisted);
        if (!st)
            st = v5_one(c, i, dir, dl);
    }
    return st;
}

/* Shape-only notes, after every stronger rule had its chance at the file. */
static eg_status rule_notes(ctx *c)
{
    eg_host_snapshot *s = c->s;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nfiles && !st; i++) {
        const eg_host_file *f = &s->files[i];
        const char *dir, *file;
        size_t dl;
        const root *rt = f->is_dir ? NULL : classify(c, f->path, &dir, &dl, &file);
        if (!rt || rt->sys || !mz(f) || file_in_hits(c, i) || !loader_target(c, f->path))
            continue;
        const char *ext = eg_path_ext(file);
        if (!strcasecmp(ext, "exe"))
            continue;
        links k = NOLINK;
        k.file = (int)i;
        st = hit(c, EG_HR_LOADER_FILE, k, f->path, "MZ file '%s' in folder '%.*s'; size %llu", file,
                 (int)dl, dir, (unsigned long long)f->size);
    }
    for (size_t i = 0; i < s->nsvcs && !st; i++) {
        const char *n = s->svcs[i].name;
        size_t l = strlen(n), d = strspn(n, "0123456789");
        if (l && d == l) {
            links k = NOLINK;
            k.svc = (int)i;
            st = hit(c, EG_HR_NUMERIC_SERVICE, k, NULL, "service '%s' runs '%s'", n,
                     s->svcs[i].image_path ? s->svcs[i].image_path : "");
        }
    }
    return st;
}

/* ---- entry -------------------------------------------------------------------------------- */

/* The serial: the option, the collected one, or the Explorer value name (it is the serial). */
static void pick_serial(ctx *c)
{
    eg_host_findings *f = c->f;
    if (c->opt && c->opt->have_serial) {
        f->serial_known = true;
        f->serial = c->opt->serial;
    } else if (c->s->have_serial) {
        f->serial_known = true;
        f->serial = c->s->serial;
    } else {
        for (size_t i = 0; i < c->s->nregs; i++) {
            eg_host_regval *r = &c->s->regs[i];
            uint32_t v;
            char dec[64];
            if (r->kind == EG_HREG_EXPLORER && r->type == 3 && hex_name(r->name, &v) &&
                eg_host_v2_decode(v, r->data, r->len < 63 ? r->len : 63, dec) >= 3) {
                f->serial_known = true;
                f->serial = v;
                break;
            }
        }
    }
}

eg_status eg_host_check(eg_host_snapshot *s, const eg_host_opts *opt, eg_host_findings **out)
{
    static const eg_host_opts none = {0};
    *out = NULL;
    eg_host_findings *f = calloc(1, sizeof *f);
    if (!f)
        return EG_ENOMEM;
    ctx c = {.s = s, .opt = opt ? opt : &none, .f = f};
    eg_status st = build_ctx(&c);
    if (!st) {
        pick_serial(&c);
        st = rule_v1(&c);
    }
    if (!st)
        st = rule_v2(&c);
    if (!st)
        st = rule_files(&c);
    if (!st)
        st = rule_loader(&c);
    if (!st)
        st = rule_notes(&c);
    free_ctx(&c);
    if (st) {
        eg_host_findings_free(f);
        return st;
    }
    f->result = EG_HOST_CLEAN;
    for (size_t i = 0; i < f->nhits; i++) {
        if (f->hits[i].level == EG_HLVL_INFECTED)
            f->result = EG_HOST_INFECTED;
        else if (f->hits[i].level == EG_HLVL_ARTIFACT && f->result == EG_HOST_CLEAN)
            f->result = EG_HOST_ARTIFACTS;
    }
    *out = f;
    return EG_OK;
}

void eg_host_findings_free(eg_host_findings *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nhits; i++)
        free(f->hits[i].path), free(f->hits[i].evidence);
    free(f->hits);
    free(f);
}

int eg_host_exit_code(eg_host_result r)
{
    switch (r) {
    case EG_HOST_CLEAN: return 0;
    case EG_HOST_INFECTED: return 1;
    case EG_HOST_ARTIFACTS: return 2;
    default: return 3;
    }
}

static const eg_host_rule_info rule_table[] = {
#define EG_HOST_RULE(sym, id, lvl, ja, en) {id, lvl, ja, en},
#include "host/host_rules.def"
#undef EG_HOST_RULE
};

const eg_host_rule_info *eg_host_rule_get(eg_host_rule r)
{
    return (unsigned)r < EG_HR__COUNT ? &rule_table[r] : NULL;
}
