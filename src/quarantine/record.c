/*
 * The held-mail record file (see quarantine.h): format, parse, and the directory of records.
 *
 * Format: a first line "emoguard-held 1", then "key value" lines (one space), values on one line.
 * It is plain text so that an administrator can read it with cat; it is not meant to be edited.
 * This file does not run Postfix tools and does not decide what is held.
 */
#include "quarantine/quarantine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "emoguard-held 1"

bool eg_qrec_valid_id(const char *id)
{
    if (!id)
        return false;
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= EG_QREC_ID_MAX ||
            !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    }
    return n > 0;
}

void eg_qrec_set(char *dst, size_t cap, const char *s)
{
    if (!cap)
        return;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && o + 1 < cap; p++)
        dst[o++] = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
    /* never end inside a UTF-8 sequence: drop a lead byte whose continuation was cut */
    if (s && s[o] && o > 0) {
        size_t k = o;
        while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0xC0) {
            unsigned char lead = (unsigned char)dst[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (o - (k - 1) < need)
                o = k - 1;
        }
    }
    dst[o] = 0;
}

typedef struct {
    char *p;
    size_t len, cap;
    bool full;
} out_buf;

static void put(out_buf *b, const char *key, const char *val)
{
    size_t kl = strlen(key), vl = strlen(val);
    if (vl > EG_QREC_MAX_LINE - kl - 2)
        vl = EG_QREC_MAX_LINE - kl - 2; /* fields are smaller than a line; this is a guard */
    if (b->len + kl + vl + 2 >= b->cap) {
        b->full = true; /* the record stays valid without the lines that do not fit */
        return;
    }
    memcpy(b->p + b->len, key, kl);
    b->p[b->len + kl] = ' ';
    memcpy(b->p + b->len + kl + 1, val, vl);
    b->len += kl + vl + 1;
    b->p[b->len++] = '\n';
}

/* A field from the struct, re-cleaned: the struct may have been filled without eg_qrec_set. */
static void putf(out_buf *b, const char *key, const char *val, size_t cap)
{
    char tmp[EG_QREC_MAX_LINE];
    size_t n = strnlen(val, cap);
    char *c = malloc(n + 1);
    if (!c) {
        b->full = true;
        return;
    }
    memcpy(c, val, n);
    c[n] = 0;
    eg_qrec_set(tmp, sizeof tmp < cap ? sizeof tmp : cap, c);
    free(c);
    put(b, key, tmp);
}

eg_status eg_qrec_format(const eg_qrec *r, char **out, size_t *len)
{
    if (!eg_qrec_valid_id(r->queue_id))
        return EG_EINVAL;
    out_buf b = {malloc(EG_QREC_MAX_BYTES), 0, EG_QREC_MAX_BYTES, false};
    if (!b.p)
        return EG_ENOMEM;
    char num[64];
    put(&b, "emoguard-held", "1");
    put(&b, "queue_id", r->queue_id);
    snprintf(num, sizeof num, "%" PRId64, r->time);
    put(&b, "time", num);
    putf(&b, "from", r->from, sizeof r->from);
    putf(&b, "subject", r->subject, sizeof r->subject);
    for (size_t i = 0; i < r->n_rcpts && i < EG_QREC_MAX_RCPTS; i++)
        putf(&b, "rcpt", r->rcpts[i], sizeof r->rcpts[i]);
    snprintf(num, sizeof num, "%" PRIu32, r->rcpts_total);
    put(&b, "rcpts_total", num);
    putf(&b, "verdict", r->verdict, sizeof r->verdict);
    snprintf(num, sizeof num, "%d", r->score);
    put(&b, "score", num);
    putf(&b, "action", r->action, sizeof r->action);
    if (r->account[0])
        putf(&b, "account", r->account, sizeof r->account);
    putf(&b, "reason", r->reason, sizeof r->reason);
    putf(&b, "rules", r->rules, sizeof r->rules);
    for (size_t i = 0; i < r->n_findings && i < EG_QREC_MAX_FINDINGS; i++) {
        char line[EG_QREC_MAX_LINE], rule[64], ev[256];
        eg_qrec_set(rule, sizeof rule, r->findings[i].rule);
        for (char *s = rule; *s; s++)
            if (*s == ' ')
                *s = '_'; /* the rule id is the first word of the line */
        eg_qrec_set(ev, sizeof ev, r->findings[i].evidence);
        snprintf(line, sizeof line, "%s %d %s", rule[0] ? rule : "-", r->findings[i].score, ev);
        put(&b, "finding", line);
    }
    *out = b.p;
    *len = b.len;
    return EG_OK;
}

static bool parse_int(const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static eg_status parse_line(eg_qrec *r, char *line)
{
    char *sp = strchr(line, ' ');
    const char *v = sp ? sp + 1 : "";
    if (sp)
        *sp = 0;
    const char *k = line;
    long long x = 0;
    if (!strcmp(k, "queue_id")) {
        if (!eg_qrec_valid_id(v))
            return EG_EFORMAT;
        snprintf(r->queue_id, sizeof r->queue_id, "%s", v);
    } else if (!strcmp(k, "time")) {
        if (parse_int(v, 0, INT64_MAX, &x))
            r->time = x;
    } else if (!strcmp(k, "from")) {
        eg_qrec_set(r->from, sizeof r->from, v);
    } else if (!strcmp(k, "subject")) {
        eg_qrec_set(r->subject, sizeof r->subject, v);
    } else if (!strcmp(k, "rcpt")) {
        if (r->n_rcpts < EG_QREC_MAX_RCPTS)
            eg_qrec_set(r->rcpts[r->n_rcpts++], sizeof r->rcpts[0], v);
    } else if (!strcmp(k, "rcpts_total")) {
        if (parse_int(v, 0, UINT32_MAX, &x))
            r->rcpts_total = (uint32_t)x;
    } else if (!strcmp(k, "verdict")) {
        eg_qrec_set(r->verdict, sizeof r->verdict, v);
    } else if (!strcmp(k, "score")) {
        if (parse_int(v, -1000000, 1000000, &x))
            r->score = (int)x;
    } else if (!strcmp(k, "action")) {
        eg_qrec_set(r->action, sizeof r->action, v);
    } else if (!strcmp(k, "account")) {
        eg_qrec_set(r->account, sizeof r->account, v);
    } else if (!strcmp(k, "reason")) {
        eg_qrec_set(r->reason, sizeof r->reason, v);
    } else if (!strcmp(k, "rules")) {
        eg_qrec_set(r->rules, sizeof r->rules, v);
    } else if (!strcmp(k, "finding") && r->n_findings < EG_QREC_MAX_FINDINGS) {
        /* "RULE SCORE evidence..." */
        char rule[64];
        size_t rl = strcspn(v, " ");
        if (rl == 0 || rl >= sizeof rule)
            return EG_OK; /* a damaged line is skipped, not the whole record */
        memcpy(rule, v, rl);
        rule[rl] = 0;
        const char *s = v + rl;
        if (*s == ' ')
            s++;
        size_t sl = strcspn(s, " ");
        char num[16];
        if (sl == 0 || sl >= sizeof num)
            return EG_OK;
        memcpy(num, s, sl);
        num[sl] = 0;
        if (!parse_int(num, -1000000, 1000000, &x))
            return EG_OK;
        eg_qrec_finding *f = &r->findings[r->n_findings++];
        eg_qrec_set(f->rule, sizeof f->rule, rule);
        f->score = (int)x;
        s += sl;
        if (*s == ' ')
            s++;
        eg_qrec_set(f->evidence, sizeof f->evidence, s);
    }
    return EG_OK;
}

eg_status eg_qrec_parse(const char *text, size_t len, eg_qrec *out)
{
    memset(out, 0, sizeof *out);
    if (len > EG_QREC_MAX_BYTES)
        return EG_ELIMIT;
    size_t ml = strlen(MAGIC);
    if (len < ml + 1 || memcmp(text, MAGIC, ml) || (text[ml] != '\n' && text[ml] != '\r'))
        return EG_EFORMAT;
    char line[EG_QREC_MAX_LINE + 1];
    size_t i = 0;
    bool first = true;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        size_t n = j - i;
        if (n && text[i + n - 1] == '\r')
            n--;
        if (n > EG_QREC_MAX_LINE)
            return EG_EFORMAT;
        if (memchr(text + i, 0, n))
            return EG_EFORMAT;
        memcpy(line, text + i, n);
        line[n] = 0;
        i = j + 1;
        if (first) {
            first = false;
            continue;
        }
        if (!n)
            continue;
        eg_status st = parse_line(out, line);
        if (st != EG_OK)
            return st;
    }
    return out->queue_id[0] ? EG_OK : EG_EFORMAT;
}

/* ---- the directory ---- */

static eg_status held_dir(const char *state_dir, char *out, size_t n, bool create)
{
    if (!state_dir || !*state_dir)
        return EG_EINVAL;
    if ((size_t)snprintf(out, n, "%s/held", state_dir) >= n)
        return EG_EINVAL;
    /* state_dir itself is made by the package or systemd (StateDirectory): a mistyped path, or
     * a test's milter without one, must not make directories as root wherever it points */
    if (create && mkdir(out, 0700) != 0 && errno != EEXIST)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
    return EG_OK;
}

static size_t count_records(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += eg_qrec_valid_id(e->d_name);
    closedir(d);
    return n;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

eg_status eg_qrec_store(const char *state_dir, const eg_qrec *r)
{
    char dir[4096], path[4200], tmp[4200];
    eg_status st = held_dir(state_dir, dir, sizeof dir, true);
    if (st != EG_OK)
        return st;
    if (!eg_qrec_valid_id(r->queue_id))
        return EG_EINVAL;
    snprintf(path, sizeof path, "%s/%s", dir, r->queue_id);
    struct stat sb;
    if (stat(path, &sb) != 0 && count_records(dir) >= EG_QREC_MAX_FILES)
        return EG_ELIMIT;
    char *text = NULL;
    size_t len = 0;
    if ((st = eg_qrec_format(r, &text, &len)) != EG_OK)
        return st;
    /* the temporary name starts with '.', which no queue id does: a crash leaves no "record" */
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-XXXXXX", dir, r->queue_id);
    int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        free(text);
        return EG_EIO;
    }
    bool ok = fchmod(fd, 0600) == 0 && write_all(fd, text, len) && fsync(fd) == 0;
    free(text);
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return EG_EIO;
    }
    return EG_OK;
}

eg_status eg_qrec_load(const char *state_dir, const char *id, eg_qrec *out)
{
    char dir[4096], path[4200];
    eg_status st = held_dir(state_dir, dir, sizeof dir, false);
    if (st != EG_OK)
        return st;
    if (!eg_qrec_valid_id(id))
        return EG_EINVAL;
    snprintf(path, sizeof path, "%s/%s", dir, id);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
    char *buf = malloc(EG_QREC_MAX_BYTES + 1);
    if (!buf) {
        close(fd);
        return EG_ENOMEM;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, EG_QREC_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n > EG_QREC_MAX_BYTES)
            break;
    }
    close(fd);
    st = eg_qrec_parse(buf, n, out);
    free(buf);
    if (st == EG_OK && strcmp(out->queue_id, id))
        st = EG_EFORMAT; /* a file renamed by hand must not speak for another mail */
    return st;
}

eg_status eg_qrec_remove(const char *state_dir, const char *id)
{
    char dir[4096], path[4200];
    eg_status st = held_dir(state_dir, dir, sizeof dir, false);
    if (st != EG_OK)
        return st;
    if (!eg_qrec_valid_id(id))
        return EG_EINVAL;
    snprintf(path, sizeof path, "%s/%s", dir, id);
    if (unlink(path) != 0)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
    return EG_OK;
}

void eg_qrec_ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

eg_status eg_qrec_ids(const char *state_dir, char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    char dir[4096];
    eg_status st = held_dir(state_dir, dir, sizeof dir, false);
    if (st != EG_OK)
        return st;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? EG_OK : EG_EIO;
    struct dirent *e;
    size_t cap = 0;
    while ((e = readdir(d))) {
        if (!eg_qrec_valid_id(e->d_name))
            continue;
        if (*n >= EG_QREC_MAX_FILES * 2u) /* the store never writes so many; stop reading */
            break;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **v = realloc(*ids, nc * sizeof *v);
            if (!v) {
                st = EG_ENOMEM;
                break;
            }
            *ids = v;
            cap = nc;
        }
        if (!((*ids)[*n] = strdup(e->d_name))) {
            st = EG_ENOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (st != EG_OK) {
        eg_qrec_ids_free(*ids, *n);
        *ids = NULL;
        *n = 0;
    }
    return st;
}

eg_status eg_qrec_prune(const char *state_dir, bool (*exists)(const char *id, void *ud), void *ud,
                        size_t *removed)
{
    if (removed)
        *removed = 0;
    char dir[4096];
    eg_status st = held_dir(state_dir, dir, sizeof dir, false);
    if (st != EG_OK)
        return st;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? EG_OK : EG_EIO;
    struct dirent *e;
    time_t now = time(NULL);
    while ((e = readdir(d))) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        bool gone = false;
        if (!strncmp(e->d_name, ".tmp-", 5)) { /* left by a crash mid-write; an hour is plenty */
            struct stat sb;
            gone = lstat(path, &sb) == 0 && now - sb.st_mtime > 3600;
        } else if (eg_qrec_valid_id(e->d_name)) {
            gone = !exists(e->d_name, ud);
        }
        if (gone && unlink(path) == 0 && removed)
            (*removed)++;
    }
    closedir(d);
    return EG_OK;
}
