/*
 * The milter's socket permissions and start-up check (setup.h). The server creates a unix socket
 * with the process umask, so mode and group are set on the path after it listens and before it
 * accepts, while nothing can have connected yet.
 */
#include "milter/setup.h"

#include "mail/sender.h"
#include "milter/server.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *eg_milter_unix_path(const char *spec)
{
    if (!spec)
        return NULL;
    if (!strncmp(spec, "unix:", 5))
        return spec + 5;
    if (!strncmp(spec, "local:", 6))
        return spec + 6;
    if (!strchr(spec, ':'))
        return spec; /* a bare path is a unix socket, as libmilter took it */
    return NULL;
}

eg_status eg_milter_socket_group(const eg_milter_config *c, bool *set, gid_t *gid, char *err,
                                 size_t errlen)
{
    *set = false;
    const char *name = c->socket_group;
    if (name && (!*name || !strcmp(name, "none")))
        return EG_OK;
    struct group gr, *res = NULL;
    char buf[16384];
    int rc = getgrnam_r(name ? name : "postfix", &gr, buf, sizeof buf, &res);
    if (rc == 0 && res) {
        *set = true;
        *gid = res->gr_gid;
        return EG_OK;
    }
    if (!name)
        return EG_OK; /* no Postfix here: the socket keeps the process's group */
    char *end = NULL;
    unsigned long n = strtoul(name, &end, 10);
    if (*name >= '0' && *name <= '9' && end && !*end && n < 0x7fffffffUL) {
        *set = true;
        *gid = (gid_t)n;
        return EG_OK;
    }
    if (err && errlen)
        snprintf(err, errlen, "socket_group %s: no such group", name);
    return EG_ENOTFOUND;
}

eg_status eg_milter_socket_apply(const eg_milter_config *c, char *err, size_t errlen)
{
    const char *path = eg_milter_unix_path(c->socket);
    if (!path)
        return EG_OK;
    bool set = false;
    gid_t gid = 0;
    eg_status st = eg_milter_socket_group(c, &set, &gid, err, errlen);
    if (st != EG_OK)
        return st;
    struct stat sb;
    if (lstat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
        if (err && errlen)
            snprintf(err, errlen, "socket %s: not a unix socket after the milter opened it", path);
        return EG_EIO;
    }
    /* group first: between the two calls the socket is never wider open than both allow */
    if (set && chown(path, (uid_t)-1, gid) != 0) {
        if (err && errlen)
            snprintf(err, errlen,
                     "socket %s: cannot give it group %lu: %s (the milter's user must be a member)",
                     path, (unsigned long)gid, strerror(errno));
        return EG_EIO;
    }
    if (chmod(path, (mode_t)c->socket_mode) != 0) {
        if (err && errlen)
            snprintf(err, errlen, "socket %s: chmod %04o: %s", path, c->socket_mode,
                     strerror(errno));
        return EG_EIO;
    }
    return EG_OK;
}

/* chown to a group needs root or membership: found out at -t rather than at the first start */
static bool may_use_group(gid_t gid)
{
    if (geteuid() == 0 || getegid() == gid)
        return true;
    gid_t g[1024];
    int n = getgroups(1024, g);
    for (int i = 0; i < n; i++)
        if (g[i] == gid)
            return true;
    return false;
}

/* The directory part of path must exist: the milter creates the file, not its directory. */
static eg_status dir_exists(const char *what, const char *path, char *err, size_t errlen)
{
    char dir[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof dir)
        return EG_OK;
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return EG_OK; /* relative to the working directory */
    if (slash == dir)
        slash[1] = 0;
    else
        *slash = 0;
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        if (err && errlen)
            snprintf(err, errlen, "%s %s: directory %s does not exist", what, path, dir);
        return EG_ENOTFOUND;
    }
    return EG_OK;
}

eg_status eg_milter_preflight(const eg_milter_config *c, char *err, size_t errlen)
{
    /* The lists are otherwise read at the first mail, and a missing one only logged there: a
     * milter that starts without them judges senders less well without anyone noticing. */
    eg_options o;
    eg_options_default(&o);
    o.data_dir = c->data_dir ? c->data_dir : eg_sender_default_data_dir();
    o.own_domains = (const char *const *)c->own_domains.v;
    o.n_own_domains = c->own_domains.n;
    o.trusted_authserv_ids = (const char *const *)c->trusted_authserv_ids.v;
    o.n_trusted_authserv_ids = c->trusted_authserv_ids.n;
    o.known_correspondents_file = c->known_correspondents;
    eg_sender_config *sc = NULL;
    char why[512] = "";
    eg_status st = eg_sender_config_new(&o, &sc, why, sizeof why);
    eg_sender_config_free(sc);
    if (st != EG_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s%s (data_dir %s)",
                     why[0] ? why : "domain lists: ", why[0] ? "" : eg_status_str(st), o.data_dir);
        return st;
    }
    if ((st = eg_mserver_check_spec(c->socket, err, errlen)) != EG_OK)
        return st;
    const char *path = eg_milter_unix_path(c->socket);
    if (path) {
        if ((st = dir_exists("socket", path, err, errlen)) != EG_OK)
            return st;
        bool set = false;
        gid_t gid = 0;
        if ((st = eg_milter_socket_group(c, &set, &gid, err, errlen)) != EG_OK)
            return st;
        if (set && !may_use_group(gid)) {
            if (err && errlen)
                snprintf(err, errlen,
                         "socket_group: this user is not a member of group %lu%s, so the socket "
                         "cannot be given "
                         "to it (add the user to the group, or set socket_group)",
                         (unsigned long)gid, c->socket_group ? "" : " (postfix)");
            return EG_EINVAL;
        }
    }
    if (c->json_log && (st = dir_exists("json_log", c->json_log, err, errlen)) != EG_OK)
        return st;
    return EG_OK;
}
