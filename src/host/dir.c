/*
 * Loads one host's artifact directory as docs/collect.ps1 writes it: host.txt, the SOFTWARE and
 * SYSTEM hives, every NTUSER*.DAT (directly or in sub-directories up to two levels, e.g.
 * users/alice/NTUSER.DAT), processes.csv, files.csv, tasks.csv and the policy export
 * (policy.txt, applocker.xml) read by `hostcheck --audit`. Hives come first so the
 * users' profiles are known before the Run values are read. A file that is present but broken
 * is an error for the whole host: a half-read host must never look clean.
 */
#include "host/audit.h"
#include "host/host.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_NAMES 4096

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_ntuser(const char *name)
{
    size_t n = strlen(name);
    return !strncasecmp(name, "NTUSER", 6) && n >= 10 && !strcasecmp(name + n - 4, ".DAT");
}

/* Collects NTUSER*.DAT paths below dir (depth <= 2), sorted for a stable report. */
static eg_status find_ntusers(const char *dir, int depth, char ***out, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return EG_OK;
    struct dirent *e;
    eg_status st = EG_OK;
    while (!st && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (*n >= MAX_NAMES) {
            st = EG_ELIMIT;
            break;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) {
            st = EG_ENOMEM;
            break;
        }
        snprintf(p, len, "%s/%s", dir, e->d_name);
        if (is_dir(p)) {
            if (depth < 2)
                st = find_ntusers(p, depth + 1, out, n, cap);
            free(p);
            continue;
        }
        if (!is_ntuser(e->d_name)) {
            free(p);
            continue;
        }
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 8;
            char **a = realloc(*out, nc * sizeof *a);
            if (!a) {
                free(p);
                st = EG_ENOMEM;
                break;
            }
            *out = a;
            *cap = nc;
        }
        (*out)[(*n)++] = p;
    }
    closedir(d);
    return st;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The file dir/name in any letter case ("SOFTWARE", "software"); malloc'd path or NULL. */
static char *find_ci(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct dirent *e;
    char *r = NULL;
    while ((e = readdir(d)) != NULL) {
        if (strcasecmp(e->d_name, name))
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if ((r = malloc(len)) != NULL)
            snprintf(r, len, "%s/%s", dir, e->d_name);
        break;
    }
    closedir(d);
    return r;
}

typedef eg_status (*text_loader)(eg_host_snapshot *, const char *, size_t, char *, size_t);

static eg_status load_text(eg_host_snapshot *s, const char *dir, const char *name, text_loader fn,
                           bool *found, char *err, size_t errlen)
{
    char *p = find_ci(dir, name);
    if (!p)
        return EG_OK;
    char *data;
    size_t len;
    eg_status st = eg_host_read_file(p, EG_HOST_MAX_CSV, &data, &len);
    if (st) {
        snprintf(err, errlen, "%s: %s", p, st == EG_ELIMIT ? "file too large (limit 512 MiB), not read" : "cannot read");
        free(p);
        return st;
    }
    char e2[512] = "";
    st = fn(s, data, len, e2, sizeof e2);
    if (st)
        snprintf(err, errlen, "%s: %s", p, e2[0] ? e2 : eg_status_str(st));
    *found = true;
    free(data);
    free(p);
    return st;
}

static eg_status load_hive_file(eg_host_snapshot *s, const char *path, char *err, size_t errlen)
{
#ifdef EG_HOST_NO_HIVEX
    (void)err, (void)errlen;
    return eg_host_warn(s, "%s: this build reads no hive files; run the Linux build on the "
                        "artifact directory", path);
#else
    return eg_host_load_hive(s, path, err, errlen);
#endif
}

eg_status eg_host_load_dir(eg_host_snapshot *s, const char *dir, char *err, size_t errlen)
{
    char dummy[8];
    if (!err)
        err = dummy, errlen = sizeof dummy;
    if (!is_dir(dir)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return EG_EIO;
    }
    eg_status st = eg_host_set_str(&s->source, dir);
    bool found = false;
    if (!st)
        st = load_text(s, dir, "host.txt", eg_host_load_info, &found, err, errlen);
    static const char *const hives[] = {"SOFTWARE", "SYSTEM"};
    for (int i = 0; i < 2 && !st; i++) {
        char *p = find_ci(dir, hives[i]);
        if (!p)
            continue;
        found = true;
        st = load_hive_file(s, p, err, errlen);
        free(p);
    }
    char **users = NULL;
    size_t nu = 0, cap = 0;
    if (!st)
        st = find_ntusers(dir, 0, &users, &nu, &cap);
    if (st == EG_ELIMIT)
        snprintf(err, errlen, "%s: too many files", dir);
    if (nu)
        qsort(users, nu, sizeof *users, cmp_str);
    for (size_t i = 0; i < nu; i++) {
        if (!st) {
            found = true;
            st = load_hive_file(s, users[i], err, errlen);
        }
        free(users[i]);
    }
    free(users);
    if (!st)
        st = load_text(s, dir, "processes.csv", eg_host_load_procs_csv, &found, err, errlen);
    if (!st)
        st = load_text(s, dir, "files.csv", eg_host_load_files_csv, &found, err, errlen);
    if (!st)
        st = load_text(s, dir, "tasks.csv", eg_host_load_tasks_csv, &found, err, errlen);
    if (!st)
        st = load_text(s, dir, "policy.txt", eg_audit_load_policy_txt, &found, err, errlen);
    if (!st)
        st = load_text(s, dir, "applocker.xml", eg_audit_load_applocker_xml, &found, err, errlen);
    if (!st && !found) {
        snprintf(err, errlen, "%s: no artifacts (host.txt, SOFTWARE, SYSTEM, NTUSER.DAT, "
                 "processes.csv, files.csv, tasks.csv)", dir);
        st = EG_ENOTFOUND;
    }
    return st;
}
