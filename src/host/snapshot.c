/*
 * The host snapshot: growable arrays of what was collected from one PC, each string copied and
 * sanitised to UTF-8 on the way in so the rules and the reports never see raw bytes. Counts are
 * capped (EG_HOST_MAX_ITEMS) so a hostile listing fails with EG_ELIMIT instead of eating memory.
 */
#include "host/host.h"

#include "core/safe.h"
#include "core/strutil.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

eg_status eg_host_snapshot_new(eg_host_snapshot **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? EG_OK : EG_ENOMEM;
}

/* Grows an array of elem-sized items so one more fits. */
static eg_status grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return EG_OK;
    if (n >= EG_HOST_MAX_ITEMS)
        return EG_ELIMIT;
    size_t nc = *cap ? *cap * 2 : 16, bytes;
    if (nc > EG_HOST_MAX_ITEMS)
        nc = EG_HOST_MAX_ITEMS;
    if (eg_mul_ovf(nc, elem, &bytes))
        return EG_ENOMEM;
    void *p = realloc(*arr, bytes);
    if (!p)
        return EG_ENOMEM;
    *arr = p;
    *cap = nc;
    return EG_OK;
}

/* Copies a string through the sanitiser (NULL stays NULL); *ok false on ENOMEM. */
static char *copy(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    size_t n = strnlen(s, EG_HOST_MAX_FIELD);
    char *r = eg_utf8_sanitize(s, n, 0, false);
    if (!r)
        *ok = false;
    return r;
}

eg_status eg_host_set_str(char **field, const char *v)
{
    bool ok = true;
    char *c = copy(v, &ok);
    if (!ok)
        return EG_ENOMEM;
    free(*field);
    *field = c;
    return EG_OK;
}

eg_status eg_host_add_proc(eg_host_snapshot *s, uint32_t pid, uint32_t ppid, const char *name,
                           const char *image, const char *cmdline)
{
    eg_status st = grow((void **)&s->procs, &s->cap_procs, s->nprocs, sizeof *s->procs);
    if (st)
        return st;
    bool ok = true;
    eg_host_proc *p = &s->procs[s->nprocs];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->ppid = ppid;
    p->name = copy(name, &ok);
    p->image = copy(image, &ok);
    p->cmdline = copy(cmdline, &ok);
    if (!p->name && p->image) { /* the name is the image's last component */
        const char *b = p->image;
        for (const char *q = p->image; *q; q++)
            if (*q == '\\' || *q == '/')
                b = q + 1;
        p->name = copy(b, &ok);
    }
    if (!p->name)
        p->name = copy("", &ok);
    if (!ok) {
        free(p->name), free(p->image), free(p->cmdline);
        return EG_ENOMEM;
    }
    s->nprocs++;
    s->have_procs = true;
    return EG_OK;
}

eg_status eg_host_add_file(eg_host_snapshot *s, const char *path, uint64_t size, uint64_t mtime,
                           bool is_dir, const uint8_t *head, size_t head_len)
{
    if (!path)
        return EG_EINVAL;
    eg_status st = grow((void **)&s->files, &s->cap_files, s->nfiles, sizeof *s->files);
    if (st)
        return st;
    bool ok = true;
    eg_host_file *f = &s->files[s->nfiles];
    memset(f, 0, sizeof *f);
    f->path = copy(path, &ok);
    if (!ok)
        return EG_ENOMEM;
    for (char *q = f->path; *q; q++)
        if (*q == '/')
            *q = '\\';
    /* a trailing separator would make the parent lookup miss */
    size_t n = strlen(f->path);
    while (n > 3 && f->path[n - 1] == '\\')
        f->path[--n] = 0;
    f->size = size;
    f->mtime = mtime;
    f->is_dir = is_dir;
    if (head_len > EG_HOST_HEAD)
        head_len = EG_HOST_HEAD;
    if (head_len)
        memcpy(f->head, head, head_len);
    f->head_len = (uint8_t)head_len;
    s->nfiles++;
    s->have_files = true;
    s->sorted = false;
    if (is_dir && eg_has_suffix_ci(f->path, "\\SysWOW64"))
        s->is64 = true;
    return EG_OK;
}

eg_status eg_host_add_reg(eg_host_snapshot *s, eg_hreg_kind kind, const char *root,
                          const char *subkey, const char *name, uint32_t type,
                          const uint8_t *data, size_t len, int user)
{
    if (len > EG_HOST_MAX_VALUE)
        return EG_ELIMIT;
    eg_status st = grow((void **)&s->regs, &s->cap_regs, s->nregs, sizeof *s->regs);
    if (st)
        return st;
    bool ok = true;
    eg_host_regval *r = &s->regs[s->nregs];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->root = copy(root ? root : "HKCU", &ok);
    r->subkey = copy(subkey ? subkey : "", &ok);
    r->name = copy(name ? name : "", &ok);
    r->type = type;
    r->user = user;
    if (type == 1 || type == 2) { /* text shown in reports: sanitised like every other string */
        r->data = (uint8_t *)eg_utf8_sanitize((const char *)data, strnlen((const char *)data, len), 0, false);
        if (!r->data)
            ok = false;
        else
            r->len = strlen((char *)r->data);
    } else if (!(r->data = malloc(len + 1)))
        ok = false;
    else {
        if (len)
            memcpy(r->data, data, len);
        r->data[len] = 0;
        r->len = len;
    }
    if (ok) {
        char label[512];
        const char *who = (user >= 0 && (size_t)user < s->nusers) ? s->users[user].name : NULL;
        if (who && !strncmp(r->root, "HK", 2) && strcmp(r->root, "HKLM"))
            snprintf(label, sizeof label, "HKCU(%s)", who);
        else
            snprintf(label, sizeof label, "%s", r->root);
        size_t n = strlen(label) + strlen(r->subkey) + 2;
        r->key = malloc(n);
        if (r->key)
            snprintf(r->key, n, "%s\\%s", label, r->subkey);
        else
            ok = false;
    }
    if (!ok) {
        free(r->root), free(r->subkey), free(r->name), free(r->data), free(r->key);
        return EG_ENOMEM;
    }
    s->nregs++;
    s->have_registry = true;
    return EG_OK;
}

eg_status eg_host_add_service(eg_host_snapshot *s, const char *name, const char *image_path,
                              const char *service_dll, uint32_t start, uint32_t type)
{
    eg_status st = grow((void **)&s->svcs, &s->cap_svcs, s->nsvcs, sizeof *s->svcs);
    if (st)
        return st;
    bool ok = true;
    eg_host_service *v = &s->svcs[s->nsvcs];
    memset(v, 0, sizeof *v);
    v->name = copy(name ? name : "", &ok);
    v->image_path = copy(image_path, &ok);
    v->service_dll = copy(service_dll, &ok);
    v->start = start;
    v->type = type;
    if (!ok) {
        free(v->name), free(v->image_path), free(v->service_dll);
        return EG_ENOMEM;
    }
    s->nsvcs++;
    s->have_services = true;
    return EG_OK;
}

eg_status eg_host_add_task(eg_host_snapshot *s, const char *name, const char *command)
{
    eg_status st = grow((void **)&s->tasks, &s->cap_tasks, s->ntasks, sizeof *s->tasks);
    if (st)
        return st;
    bool ok = true;
    eg_host_task *t = &s->tasks[s->ntasks];
    t->name = copy(name ? name : "", &ok);
    t->command = copy(command ? command : "", &ok);
    if (!ok) {
        free(t->name), free(t->command);
        return EG_ENOMEM;
    }
    s->ntasks++;
    return EG_OK;
}

static bool same_ci(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

eg_status eg_host_add_user(eg_host_snapshot *s, const char *name, const char *sid,
                           const char *profile, const char *local_appdata, int *idx)
{
    for (size_t i = 0; i < s->nusers; i++) {
        eg_host_user *u = &s->users[i];
        if (!same_ci(u->sid, sid) && !same_ci(u->profile, profile) &&
            !same_ci(u->local_appdata, local_appdata))
            continue;
        eg_status st = EG_OK;
        if (!u->sid && sid)
            st = eg_host_set_str(&u->sid, sid);
        if (!st && !u->profile && profile)
            st = eg_host_set_str(&u->profile, profile);
        if (!st && !u->local_appdata && local_appdata)
            st = eg_host_set_str(&u->local_appdata, local_appdata);
        if (idx)
            *idx = (int)i;
        return st;
    }
    eg_status st = grow((void **)&s->users, &s->cap_users, s->nusers, sizeof *s->users);
    if (st)
        return st;
    bool ok = true;
    eg_host_user *u = &s->users[s->nusers];
    memset(u, 0, sizeof *u);
    u->name = copy(name ? name : "?", &ok);
    u->sid = copy(sid, &ok);
    u->profile = copy(profile, &ok);
    u->local_appdata = copy(local_appdata, &ok);
    if (!ok) {
        free(u->name), free(u->sid), free(u->profile), free(u->local_appdata);
        return EG_ENOMEM;
    }
    if (idx)
        *idx = (int)s->nusers;
    s->nusers++;
    return EG_OK;
}

eg_status eg_host_warn(eg_host_snapshot *s, const char *fmt, ...)
{
    if (s->nwarn >= 1000) /* a flood of warnings says nothing more than a thousand do */
        return EG_OK;
    eg_status st = grow((void **)&s->warnings, &s->cap_warn, s->nwarn, sizeof *s->warnings);
    if (st)
        return st;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char *c = eg_utf8_sanitize(line, strlen(line), 0, false);
    if (!c)
        return EG_ENOMEM;
    s->warnings[s->nwarn++] = c;
    return EG_OK;
}

void eg_host_snapshot_free(eg_host_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nprocs; i++)
        free(s->procs[i].name), free(s->procs[i].image), free(s->procs[i].cmdline);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->files[i].path);
    for (size_t i = 0; i < s->nregs; i++) {
        eg_host_regval *r = &s->regs[i];
        free(r->key), free(r->root), free(r->subkey), free(r->name), free(r->data);
    }
    for (size_t i = 0; i < s->nsvcs; i++)
        free(s->svcs[i].name), free(s->svcs[i].image_path), free(s->svcs[i].service_dll);
    for (size_t i = 0; i < s->ntasks; i++)
        free(s->tasks[i].name), free(s->tasks[i].command);
    for (size_t i = 0; i < s->nusers; i++) {
        eg_host_user *u = &s->users[i];
        free(u->name), free(u->sid), free(u->profile), free(u->local_appdata);
    }
    for (size_t i = 0; i < s->nwarn; i++)
        free(s->warnings[i]);
    free(s->procs), free(s->files), free(s->regs), free(s->svcs), free(s->tasks);
    free(s->users), free(s->warnings), free(s->by_path);
    free(s->hostname), free(s->source), free(s->system_root);
    free(s);
}
