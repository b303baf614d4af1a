/*
 * Postfix's queue tools (see postfix.h). Output is read through a pipe up to a bound and the
 * child is waited for; a tool that writes more than the bound is killed and reported. The
 * JSON of postqueue -j is parsed with jansson, one line at a time, as untrusted text (a sender
 * address in it is whatever the sender said).
 */
#include "quarantine/postfix.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs argv; stdout into *out (malloc'd, NUL-terminated, at most max bytes) when out is not
 * NULL; stderr's first line into err. Returns the exit status, or -1. */
static int run_capture(char *const argv[], char **out, size_t max, char *err, size_t errlen)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        int dn = open("/dev/null", O_RDONLY);
        if (dn >= 0)
            dup2(dn, 0);
        close_range(3, ~0u, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* both pipes at once: a tool that fills its stderr while we wait on stdout would hang us */
    size_t cap = 65536, n = 0, en = 0;
    char *b = malloc(cap + 1), eb[512];
    bool too_big = false, out_open = true, err_open = true;
    while ((out_open || err_open) && b && !too_big) {
        struct pollfd pf[2] = {{out_open ? po[0] : -1, POLLIN, 0},
                               {err_open ? pe[0] : -1, POLLIN, 0}};
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (out_open && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (n == cap) {
                size_t nc = cap * 2 > max ? max : cap * 2;
                char *nb = nc > cap ? realloc(b, nc + 1) : NULL;
                if (!nb) {
                    too_big = true; /* at the bound (or out of memory): stop reading */
                    break;
                }
                b = nb;
                cap = nc;
            }
            ssize_t r = read(po[0], b + n, cap - n);
            if (r > 0)
                n += (size_t)r;
            else if (r == 0 || errno != EINTR)
                out_open = false;
        }
        if (err_open && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            char tmp[512];
            ssize_t r = read(pe[0], tmp, sizeof tmp);
            if (r > 0) {
                size_t k = (size_t)r < sizeof eb - 1 - en ? (size_t)r : sizeof eb - 1 - en;
                memcpy(eb + en, tmp, k); /* the first line is what we show; the rest is drained */
                en += k;
            } else if (r == 0 || errno != EINTR) {
                err_open = false;
            }
        }
    }
    if (too_big || !b)
        kill(pid, SIGKILL);
    close(po[0]);
    close(pe[0]);
    eb[en] = 0;
    eb[strcspn(eb, "\n")] = 0;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", argv[0],
                 too_big ? "output too large"
                 : eb[0] ? eb
                         : "failed");
    if (b)
        b[n] = 0;
    if (out)
        *out = b;
    else
        free(b);
    if (too_big || !b)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* argv: tool [-c dir] args... */
static int tool(const char *name, const char *config_dir, const char *a1, const char *a2,
                const char *a3, char **out, size_t max, char *err, size_t errlen)
{
    char *argv[8];
    int n = 0;
    argv[n++] = (char *)name;
    if (config_dir && *config_dir) {
        argv[n++] = "-c";
        argv[n++] = (char *)config_dir;
    }
    if (a1)
        argv[n++] = (char *)a1;
    if (a2)
        argv[n++] = (char *)a2;
    if (a3)
        argv[n++] = (char *)a3;
    argv[n] = NULL;
    return run_capture(argv, out, max, err, errlen);
}

static void copy_str(char *dst, size_t cap, json_t *v)
{
    eg_qrec_set(dst, cap, json_is_string(v) ? json_string_value(v) : "");
}

eg_status eg_pfq_parse(const char *text, size_t len, eg_pfq_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        json_t *o = j > i ? json_loadb(text + i, j - i, JSON_REJECT_DUPLICATES, NULL) : NULL;
        i = j + 1;
        if (!o)
            continue;
        json_t *id = json_object_get(o, "queue_id");
        if (!json_is_object(o) || !json_is_string(id) || !eg_qrec_valid_id(json_string_value(id))) {
            json_decref(o);
            continue;
        }
        if (*n >= EG_PFQ_MAX_ENTRIES) {
            json_decref(o);
            break;
        }
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            eg_pfq_entry *v = realloc(*out, nc * sizeof *v);
            if (!v) {
                json_decref(o);
                free(*out);
                *out = NULL;
                *n = 0;
                return EG_ENOMEM;
            }
            *out = v;
            cap = nc;
        }
        eg_pfq_entry *e = &(*out)[(*n)++];
        memset(e, 0, sizeof *e);
        snprintf(e->queue_id, sizeof e->queue_id, "%s", json_string_value(id));
        copy_str(e->queue_name, sizeof e->queue_name, json_object_get(o, "queue_name"));
        copy_str(e->sender, sizeof e->sender, json_object_get(o, "sender"));
        json_t *t = json_object_get(o, "arrival_time"), *s = json_object_get(o, "message_size");
        e->arrival_time = json_is_integer(t) ? (int64_t)json_integer_value(t) : 0;
        e->size =
            json_is_integer(s) && json_integer_value(s) > 0 ? (uint64_t)json_integer_value(s) : 0;
        json_t *r = json_object_get(o, "recipients");
        if (json_is_array(r)) {
            e->n_rcpts =
                json_array_size(r) > UINT32_MAX ? UINT32_MAX : (uint32_t)json_array_size(r);
            if (e->n_rcpts)
                copy_str(e->rcpt, sizeof e->rcpt, json_object_get(json_array_get(r, 0), "address"));
        }
        json_decref(o);
    }
    return EG_OK;
}

eg_status eg_pfq_list(const char *config_dir, eg_pfq_entry **out, size_t *n, char *err,
                      size_t errlen)
{
    char *text = NULL;
    *out = NULL;
    *n = 0;
    int rc = tool("postqueue", config_dir, "-j", NULL, NULL, &text, EG_PFQ_MAX_OUTPUT, err, errlen);
    if (rc != 0) {
        free(text);
        return EG_EIO;
    }
    eg_status st = eg_pfq_parse(text, strlen(text), out, n);
    free(text);
    return st;
}

eg_status eg_pfq_headers(const char *config_dir, const char *id, char **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    if (!eg_qrec_valid_id(id))
        return EG_EINVAL;
    int rc = tool("postcat", config_dir, "-h", "-q", id, out, 1u << 20, err, errlen);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        return EG_EIO;
    }
    return EG_OK;
}

eg_status eg_pfq_release(const char *config_dir, const char *id, char *err, size_t errlen)
{
    if (!eg_qrec_valid_id(id))
        return EG_EINVAL;
    if (tool("postsuper", config_dir, "-H", id, NULL, NULL, 65536, err, errlen) != 0)
        return EG_EIO;
    /* postsuper -H puts it into the deferred queue, where it waits for the next queue run;
     * postqueue -i asks for delivery now */
    if (tool("postqueue", config_dir, "-i", id, NULL, NULL, 65536, err, errlen) != 0)
        return EG_EIO;
    return EG_OK;
}

eg_status eg_pfq_delete(const char *config_dir, const char *id, char *err, size_t errlen)
{
    if (!eg_qrec_valid_id(id))
        return EG_EINVAL;
    if (tool("postsuper", config_dir, "-d", id, NULL, NULL, 65536, err, errlen) != 0)
        return EG_EIO;
    return EG_OK;
}
