/*
 * Offline registry: fills a snapshot from hive files with hivex. The hive's kind is recognised
 * from its top keys: NTUSER.DAT (Run, RunOnce, Explorer, Shell Folders for %LOCALAPPDATA%),
 * SOFTWARE (machine Run/RunOnce/Explorer incl. WOW6432Node, ProfileList, SystemRoot) and SYSTEM
 * (services of the current control set, computer name, architecture). Only fixed key paths are
 * followed, each key's children and values are counted before they are read and value data is
 * capped, so loops, deep trees and huge values in a hostile hive cost nothing. Transaction logs
 * (.LOG1/.LOG2) are not replayed: a dirty hive gets a warning instead.
 */
#include "host/audit.h"
#include "host/host.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <errno.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_HIVE_FILE (1024ull << 20)
#define CV "Microsoft\\Windows\\CurrentVersion"

typedef struct {
    hive_h *h;
    eg_host_snapshot *s;
    const char *path;
} hive;

/* Follows a backslash-separated path of child names; 0 when any step is missing. */
static hive_node_h walk(hive *hv, hive_node_h n, const char *path)
{
    char part[256];
    while (n && *path) {
        const char *e = strchr(path, '\\');
        size_t l = e ? (size_t)(e - path) : strlen(path);
        if (l >= sizeof part)
            return 0;
        memcpy(part, path, l);
        part[l] = 0;
        if (hivex_node_nr_children(hv->h, n) > EG_HOST_MAX_SUBKEYS)
            return 0;
        errno = 0;
        n = hivex_node_get_child(hv->h, n, part);
        path += l + (e ? 1 : 0);
    }
    return n;
}

/* A value's data as UTF-8 text (SZ / EXPAND_SZ) or raw bytes; NULL when too big or broken. */
static char *value_text(hive *hv, hive_value_h v, hive_type *t, size_t *len, bool *too_big)
{
    *too_big = false;
    if (hivex_value_type(hv->h, v, t, len) == -1)
        return NULL;
    if (*len > EG_HOST_MAX_VALUE) {
        *too_big = true;
        return NULL;
    }
    if (*t == hive_t_REG_SZ || *t == hive_t_REG_EXPAND_SZ) {
        char *s = hivex_value_string(hv->h, v);
        if (s)
            *len = strnlen(s, EG_HOST_MAX_FIELD);
        return s;
    }
    hive_type tt;
    size_t l;
    char *raw = hivex_value_value(hv->h, v, &tt, &l);
    if (raw)
        *len = l;
    return raw;
}

static char *string_value(hive *hv, hive_node_h n, const char *name)
{
    if (!n)
        return NULL;
    hive_value_h v = hivex_node_get_value(hv->h, n, name);
    if (!v)
        return NULL;
    hive_type t;
    size_t len;
    bool big;
    char *r = value_text(hv, v, &t, &len, &big);
    if (r && t != hive_t_REG_SZ && t != hive_t_REG_EXPAND_SZ) {
        free(r);
        return NULL;
    }
    return r;
}

static bool dword_value(hive *hv, hive_node_h n, const char *name, uint32_t *out)
{
    if (!n)
        return false;
    hive_value_h v = hivex_node_get_value(hv->h, n, name);
    hive_type t;
    size_t len;
    if (!v || hivex_value_type(hv->h, v, &t, &len) == -1 || t != hive_t_REG_DWORD || len < 4)
        return false;
    errno = 0;
    int32_t d = hivex_value_dword(hv->h, v);
    if (d == -1 && errno)
        return false;
    *out = (uint32_t)d;
    return true;
}

/* Adds every value of key (Run, RunOnce or Explorer) to the snapshot. */
static eg_status load_values(hive *hv, hive_node_h key, eg_hreg_kind kind, const char *root,
                             const char *subkey, int user)
{
    if (!key)
        return EG_OK;
    size_t nv = hivex_node_nr_values(hv->h, key);
    if (nv > EG_HOST_MAX_SUBKEYS) {
        return eg_host_warn(hv->s, "%s: %s has %zu values; not read (limit %u)", hv->path, subkey,
                            nv, EG_HOST_MAX_SUBKEYS);
    }
    hive_value_h *vals = hivex_node_values(hv->h, key);
    if (!vals)
        return eg_host_warn(hv->s, "%s: values of %s could not be read", hv->path, subkey);
    eg_status st = EG_OK;
    for (size_t i = 0; vals[i] && !st; i++) {
        char *name = hivex_value_key(hv->h, vals[i]);
        hive_type t;
        size_t len;
        bool big;
        char *data = name ? value_text(hv, vals[i], &t, &len, &big) : NULL;
        if (!name || !data) {
            st = eg_host_warn(hv->s, "%s: %s\\%s: %s", hv->path, subkey, name ? name : "?",
                              name && big ? "value too large, not read" : "value unreadable");
        } else {
            st = eg_host_add_reg(hv->s, kind, root, subkey, name, (uint32_t)t,
                                 (const uint8_t *)data, len, user);
        }
        free(name);
        free(data);
    }
    free(vals);
    return st;
}

/* ---- containment settings (host/audit.h) -------------------------------------------------- */

/* Adds the values of key n (stored under sub) and of its children down to depth levels as
 * POLICY values; *budget caps the values read from one hive. */
static eg_status policy_values(hive *hv, hive_node_h n, const char *root, const char *sub, int user,
                               unsigned depth, size_t *budget)
{
    size_t nv = hivex_node_nr_values(hv->h, n);
    eg_status st = EG_OK;
    if (nv > EG_AUDIT_MAX_KEY_VALUES || nv > *budget)
        return eg_host_warn(hv->s, "%s: %s has %zu values; not read for the audit", hv->path, sub,
                            nv);
    hive_value_h *vals = nv ? hivex_node_values(hv->h, n) : NULL;
    for (size_t i = 0; vals && vals[i] && !st; i++) {
        char *name = hivex_value_key(hv->h, vals[i]);
        hive_type t;
        size_t len;
        bool big;
        char *data = name ? value_text(hv, vals[i], &t, &len, &big) : NULL;
        if (name && data)
            st = eg_host_add_reg(hv->s, EG_HREG_POLICY, root, sub, name, (uint32_t)t,
                                 (const uint8_t *)data, len, user);
        (*budget)--;
        free(name);
        free(data);
    }
    free(vals);
    if (st || !depth)
        return st;
    size_t nc = hivex_node_nr_children(hv->h, n);
    if (nc > EG_AUDIT_MAX_CHILDREN)
        return eg_host_warn(hv->s, "%s: %s has %zu sub-keys; not read for the audit", hv->path, sub,
                            nc);
    hive_node_h *kids = nc ? hivex_node_children(hv->h, n) : NULL;
    for (size_t i = 0; kids && kids[i] && !st && *budget; i++) {
        char *name = hivex_node_name(hv->h, kids[i]);
        size_t a = strlen(sub), b = name ? strlen(name) : 0;
        if (name && a + b + 2 < 1024) {
            char child[1024];
            memcpy(child, sub, a);
            child[a] = '\\';
            memcpy(child + a + 1, name, b + 1);
            st = policy_values(hv, kids[i], root, child, user, depth - 1, budget); /* depth <= 4 */
        }
        free(name);
    }
    free(kids);
    return st;
}

/* base is the hive root for SOFTWARE and SYSTEM's control set, the "Software" key for a user. */
static eg_status load_policy(hive *hv, hive_node_h base, eg_audit_hive which, const char *root,
                             int user)
{
    size_t budget = EG_AUDIT_MAX_VALUES;
    eg_status st = EG_OK;
    for (size_t i = 0; i < eg_audit_nkeys && !st; i++) {
        if (eg_audit_keys[i].hive != which)
            continue;
        hive_node_h n = walk(hv, base, eg_audit_keys[i].path);
        if (!n)
            continue;
        char sub[1024];
        eg_audit_store_path(which, eg_audit_keys[i].path, sub, sizeof sub);
        st = policy_values(hv, n, root, sub, user,
                           eg_audit_keys[i].depth > 4 ? 4 : eg_audit_keys[i].depth, &budget);
    }
    return st;
}

static const char *const kinds[] = {"Run", "RunOnce", "Explorer"};

static eg_status load_autoruns(hive *hv, hive_node_h base, const char *root, const char *prefix,
                               int user)
{
    eg_status st = EG_OK;
    for (int k = 0; k < 3 && !st; k++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s%s\\%s", prefix, CV, kinds[k]);
        /* walk from base: prefix is relative to the hive root only for display */
        char rel[256];
        snprintf(rel, sizeof rel, "%s\\%s", CV, kinds[k]);
        st = load_values(hv, walk(hv, base, rel), (eg_hreg_kind)k, root, sub, user);
    }
    return st;
}

/* The user's label: "alice" from ...\alice\NTUSER.DAT or NTUSER_alice.DAT, else the file name. */
static void user_label(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    const char *base = b ? b + 1 : path;
    if (!strncasecmp(base, "NTUSER", 6) && (base[6] == '_' || base[6] == '-')) {
        const char *dot = strrchr(base, '.');
        size_t n = dot && dot > base + 7 ? (size_t)(dot - base - 7) : strlen(base + 7);
        snprintf(out, cap, "%.*s", (int)n, base + 7);
        return;
    }
    if (b && b > path) {
        const char *p = b - 1;
        while (p > path && p[-1] != '/')
            p--;
        snprintf(out, cap, "%.*s", (int)(b - p), p);
        return;
    }
    snprintf(out, cap, "%s", base);
}

static eg_status load_ntuser(hive *hv, hive_node_h root)
{
    char label[256];
    user_label(hv->path, label, sizeof label);
    hive_node_h sw = walk(hv, root, "Software");
    hive_node_h sf = walk(hv, sw, CV "\\Explorer\\Shell Folders");
    char *local = string_value(hv, sf, "Local AppData");
    char *profile = NULL;
    if (local) {
        const char *cut = eg_memmem_ci(local, strlen(local), "\\AppData\\Local", 14);
        if (cut)
            profile = eg_strndup(local, (size_t)(cut - local));
    }
    int user = -1;
    eg_status st = eg_host_add_user(hv->s, label, NULL, profile, local, &user);
    free(local);
    free(profile);
    if (st)
        return st;
    if (!hv->s->users[user].local_appdata)
        eg_host_warn(hv->s, "%s: no Shell Folders\\Local AppData; %%LOCALAPPDATA%% of '%s' unknown",
                     hv->path, label);
    const char *sid = hv->s->users[user].sid;
    char root_name[300];
    if (sid)
        snprintf(root_name, sizeof root_name, "HKU\\%s", sid);
    else
        snprintf(root_name, sizeof root_name, "HKCU");
    hv->s->users[user].have_hive = true;
    st = load_autoruns(hv, sw, root_name, "Software\\", user);
    return st ? st : load_policy(hv, sw, EG_AK_HKCU, root_name, user);
}

static eg_status load_software(hive *hv, hive_node_h root)
{
    eg_status st = load_autoruns(hv, root, "HKLM", "Software\\", -1);
    hv->s->have_software = true;
    if (!st)
        st = load_policy(hv, root, EG_AK_HKLM, "HKLM", -1);
    hive_node_h wow = walk(hv, root, "WOW6432Node");
    if (!st && wow) {
        hv->s->is64 = true;
        st = load_autoruns(hv, wow, "HKLM", "Software\\WOW6432Node\\", -1);
    }
    hive_node_h nt = walk(hv, root, "Microsoft\\Windows NT\\CurrentVersion");
    char *sr = string_value(hv, nt, "SystemRoot");
    if (!st && sr && !hv->s->system_root)
        st = eg_host_set_str(&hv->s->system_root, sr);
    free(sr);
    hive_node_h pl = walk(hv, nt, "ProfileList");
    size_t nc = pl ? hivex_node_nr_children(hv->h, pl) : 0;
    if (nc > 10000)
        return eg_host_warn(hv->s, "%s: ProfileList has %zu keys; not read", hv->path, nc);
    hive_node_h *kids = pl ? hivex_node_children(hv->h, pl) : NULL;
    for (size_t i = 0; kids && kids[i] && !st; i++) {
        char *sid = hivex_node_name(hv->h, kids[i]);
        char *prof = string_value(hv, kids[i], "ProfileImagePath");
        if (sid && prof) {
            char *p = eg_host_expand(hv->s, -1, prof);
            char local[1024];
            const char *b = p ? strrchr(p, '\\') : NULL;
            snprintf(local, sizeof local, "%s\\AppData\\Local", p ? p : prof);
            if (p)
                st = eg_host_add_user(hv->s, b ? b + 1 : p, sid, p, local, NULL);
            else
                st = EG_ENOMEM;
            free(p);
        }
        free(sid);
        free(prof);
    }
    free(kids);
    return st;
}

static eg_status load_services(hive *hv, hive_node_h cs)
{
    hive_node_h svcs = walk(hv, cs, "Services");
    if (!svcs)
        return eg_host_warn(hv->s, "%s: no Services key in the current control set", hv->path);
    size_t nc = hivex_node_nr_children(hv->h, svcs);
    if (nc > EG_HOST_MAX_SUBKEYS)
        return eg_host_warn(hv->s, "%s: %zu services; not read (limit %u)", hv->path, nc,
                            EG_HOST_MAX_SUBKEYS);
    hive_node_h *kids = hivex_node_children(hv->h, svcs);
    if (!kids)
        return eg_host_warn(hv->s, "%s: services could not be listed", hv->path);
    eg_status st = EG_OK;
    for (size_t i = 0; kids[i] && !st; i++) {
        char *name = hivex_node_name(hv->h, kids[i]);
        char *img = string_value(hv, kids[i], "ImagePath");
        char *dll = string_value(hv, walk(hv, kids[i], "Parameters"), "ServiceDll");
        uint32_t start = 0, type = 0;
        dword_value(hv, kids[i], "Start", &start);
        dword_value(hv, kids[i], "Type", &type);
        if (name)
            st = eg_host_add_service(hv->s, name, img, dll, start, type);
        free(name), free(img), free(dll);
    }
    free(kids);
    hv->s->have_services = true;
    return st;
}

static eg_status load_system(hive *hv, hive_node_h root)
{
    uint32_t cur = 1;
    if (!dword_value(hv, walk(hv, root, "Select"), "Current", &cur) || cur == 0 || cur > 999) {
        eg_host_warn(hv->s, "%s: Select\\Current missing; using ControlSet001", hv->path);
        cur = 1;
    }
    char cs_name[32];
    snprintf(cs_name, sizeof cs_name, "ControlSet%03u", cur);
    hive_node_h cs = walk(hv, root, cs_name);
    if (!cs)
        return eg_host_warn(hv->s, "%s: %s missing", hv->path, cs_name);
    char *cn = string_value(hv, walk(hv, cs, "Control\\ComputerName\\ComputerName"), "ComputerName");
    eg_status st = EG_OK;
    if (cn && !hv->s->hostname)
        st = eg_host_set_str(&hv->s->hostname, cn);
    free(cn);
    char *arch = string_value(hv, walk(hv, cs, "Control\\Session Manager\\Environment"),
                              "PROCESSOR_ARCHITECTURE");
    if (arch && (!strcasecmp(arch, "AMD64") || !strcasecmp(arch, "ARM64")))
        hv->s->is64 = true;
    free(arch);
    hv->s->have_system = true;
    if (!st)
        st = load_policy(hv, cs, EG_AK_SYSTEM, "HKLM", -1);
    return st ? st : load_services(hv, cs);
}

/* Base block sequence numbers differ while a write is incomplete: the .LOG files hold the rest. */
static eg_status check_dirty(eg_host_snapshot *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    uint8_t hdr[512];
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EG_EIO;
    }
    size_t n = fread(hdr, 1, sizeof hdr, f);
    fclose(f);
    if (n < sizeof hdr || memcmp(hdr, "regf", 4)) {
        snprintf(err, errlen, "%s: not a registry hive (no regf header)", path);
        return EG_EFORMAT;
    }
    if (eg_rd32le(hdr + 4) != eg_rd32le(hdr + 8))
        return eg_host_warn(s, "%s: hive is dirty (sequence numbers %u/%u differ) and its .LOG1/.LOG2 "
                            "transaction logs were not applied; recent changes may be missing",
                            path, eg_rd32le(hdr + 4), eg_rd32le(hdr + 8));
    return EG_OK;
}

eg_status eg_host_load_hive(eg_host_snapshot *s, const char *path, char *err, size_t errlen)
{
    char dummy[8];
    if (!err)
        err = dummy, errlen = sizeof dummy;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EG_EIO;
    }
    if ((uint64_t)sb.st_size > MAX_HIVE_FILE) {
        snprintf(err, errlen, "%s: hive larger than %llu MiB", path, MAX_HIVE_FILE >> 20);
        return EG_ELIMIT;
    }
    eg_status st = check_dirty(s, path, err, errlen);
    if (st)
        return st;
    hive h0 = {hivex_open(path, 0), s, path};
    if (!h0.h) {
        int e = errno;
        h0.h = hivex_open(path, HIVEX_OPEN_UNSAFE);
        if (!h0.h) {
            snprintf(err, errlen, "%s: hive cannot be read: %s", path, strerror(e));
            return EG_EFORMAT;
        }
        eg_host_warn(s, "%s: damaged hive, read in recovery mode (%s)", path, strerror(e));
    }
    hive_node_h root = hivex_root(h0.h);
    if (!root) {
        hivex_close(h0.h);
        snprintf(err, errlen, "%s: hive has no root key", path);
        return EG_EFORMAT;
    }
    if (walk(&h0, root, "Select"))
        st = load_system(&h0, root);
    else if (walk(&h0, root, "Microsoft\\Windows NT\\CurrentVersion"))
        st = load_software(&h0, root);
    else if (walk(&h0, root, "Software"))
        st = load_ntuser(&h0, root);
    else
        st = eg_host_warn(s, "%s: not an NTUSER.DAT, SOFTWARE or SYSTEM hive; ignored", path);
    hivex_close(h0.h);
    if (st == EG_OK)
        s->have_registry = true;
    else
        snprintf(err, errlen, "%s: %s", path, eg_status_str(st));
    return st;
}
