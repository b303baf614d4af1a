/*
 * Input enumeration (see inputs.h). Regular files are mapped read-only, so a 2 GB mbox costs
 * address space, not memory; stdin is read up to the size limit. Directory walks do not follow
 * symbolic links (no loops, no escaping the tree) and are bounded in depth and count.
 */
#include "cli/inputs.h"

#include "core/strutil.h"
#include "mail/mailbox.h"
#include "scan/detect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_MAX_DEPTH 32
#define MAX_ITEMS 1000000
#define MBOX_MAX_MSGS 500000

typedef struct {
    void *map; /* mmap'd region shared by items of one file */
    size_t map_len;
    size_t refs; /* items still using it */
} eg_mapping;

typedef struct {
    eg_input_item pub;
    uint8_t *owned; /* malloc'd bytes (stdin, unescaped mbox message) */
    long mapping;   /* index into maps, or -1 */
} item;

struct eg_inputs {
    item *items;
    size_t n, cap;
    eg_mapping *maps;
    size_t n_maps, cap_maps;
    uint64_t max_input;
    size_t skipped; /* files in a walked directory that are not mail */
    bool ja;        /* notes in Japanese */
};

eg_inputs *eg_inputs_new(uint64_t max_input)
{
    eg_inputs *in = calloc(1, sizeof *in);
    if (in)
        in->max_input = max_input;
    return in;
}

static item *push(eg_inputs *in, const char *source)
{
    if (in->n >= MAX_ITEMS)
        return NULL;
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 64;
        item *p = realloc(in->items, nc * sizeof *p);
        if (!p)
            return NULL;
        in->items = p;
        in->cap = nc;
    }
    item *it = &in->items[in->n];
    memset(it, 0, sizeof *it);
    it->mapping = -1;
    it->pub.source = eg_strdup(source);
    if (!it->pub.source)
        return NULL;
    in->n++;
    return it;
}

static void push_error(eg_inputs *in, const char *source, const char *why)
{
    item *it = push(in, source);
    if (it)
        it->pub.error = eg_strdup(why);
}

static long add_mapping(eg_inputs *in, void *map, size_t len)
{
    if (in->n_maps == in->cap_maps) {
        size_t nc = in->cap_maps ? in->cap_maps * 2 : 16;
        eg_mapping *p = realloc(in->maps, nc * sizeof *p);
        if (!p)
            return -1;
        in->maps = p;
        in->cap_maps = nc;
    }
    in->maps[in->n_maps] = (eg_mapping){map, len, 0};
    return (long)in->n_maps++;
}

static void add_mbox(eg_inputs *in, const char *path, const uint8_t *data, size_t len, long m)
{
    eg_mbox_msg *msgs = NULL;
    size_t n = 0;
    eg_status st = eg_mbox_split(data, len, MBOX_MAX_MSGS, &msgs, &n);
    if (st != EG_OK && st != EG_ELIMIT) {
        push_error(in, path, eg_status_str(st));
        return;
    }
    if (st == EG_ELIMIT)
        fprintf(stderr, "emoguard scan: %s: more than %d messages, the rest is skipped\n", path,
                MBOX_MAX_MSGS);
    char src[4096];
    for (size_t i = 0; i < n; i++) {
        snprintf(src, sizeof src, "%s#%zu", path, i + 1);
        item *it = push(in, src);
        if (!it) {
            free(msgs[i].owned);
            continue;
        }
        it->pub.data = msgs[i].data;
        it->pub.len = msgs[i].len;
        it->pub.is_mail = true;
        it->owned = msgs[i].owned;
        msgs[i].owned = NULL;
        if (!it->owned) {
            it->mapping = m;
            in->maps[m].refs++;
        }
    }
    free(msgs);
}

/* A file met while walking a directory is scanned only when it is a mail: in a Maildir, named
 * .eml, an mbox, or starting with a header block. Anything else there (a manifest.json, a saved
 * attachment) is skipped with a note; named on the command line it is scanned (and judged). */
static bool skip_non_mail(eg_inputs *in, const char *path, const uint8_t *d, size_t n)
{
    if (!strcasecmp(eg_path_ext(path), "eml") || eg_mbox_detect(d, n) ||
        eg_detect_root_type(d, n, path, NULL) == EG_T_MAIL)
        return false;
    in->skipped++;
    fprintf(stderr,
            in->ja ? "emoguard scan: %s: メールではないため飛ばしました "
                     "(ファイル名を指定すれば検査します)\n"
                   : "emoguard scan: %s: not a mail, skipped (name it to scan it anyway)\n",
            path);
    return true;
}

static void add_file(eg_inputs *in, const char *path, bool in_maildir, bool from_dir)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        push_error(in, path, strerror(errno));
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        push_error(in, path, "not a regular file");
        return;
    }
    if (st.st_size == 0) {
        close(fd);
        item *it = push(in, path); /* an empty mail is scanned: it gets a finding, not a crash */
        (void)it;
        return;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        push_error(in, path, strerror(errno));
        return;
    }
    if (from_dir && !in_maildir && skip_non_mail(in, path, map, len)) {
        munmap(map, len);
        return;
    }
    long m = add_mapping(in, map, len);
    if (m < 0) {
        munmap(map, len);
        push_error(in, path, "out of memory");
        return;
    }
    if (!in_maildir && eg_mbox_detect(map, len)) {
        add_mbox(in, path, map, len, m);
    } else {
        item *it = push(in, path);
        if (it) {
            it->pub.data = map;
            it->pub.len = len;
            /* what a Maildir holds, or a file named as a mail, is a mail */
            it->pub.is_mail = in_maildir || !strcasecmp(eg_path_ext(path), "eml");
            it->mapping = m;
            in->maps[m].refs++;
        }
    }
    if (in->maps[m].refs == 0) {
        munmap(map, len);
        in->maps[m].map = NULL;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(eg_inputs *in, const char *dir, int depth, bool maildir);

/* Lists dir's entries sorted (stable output order), skipping dot files. */
static char **list_dir(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p)
                break;
            names = p;
        }
        names[*n] = eg_strdup(e->d_name);
        if (names[*n])
            (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void walk(eg_inputs *in, const char *dir, int depth, bool maildir)
{
    if (depth > WALK_MAX_DEPTH) {
        push_error(in, dir, "directory tree too deep");
        return;
    }
    size_t n;
    errno = 0;
    char **names = list_dir(dir, &n);
    if (!names && errno) {
        push_error(in, dir, strerror(errno));
        return;
    }
    bool is_md = eg_maildir_detect(dir);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        /* a Maildir's tmp/ holds mails still being delivered */
        bool skip = is_md && !strcmp(names[i], "tmp");
        size_t dl = strlen(dir);
        int w = snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
                         names[i]);
        free(names[i]);
        if (skip || w < 0 || (size_t)w >= sizeof path)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0) {
            push_error(in, path, strerror(errno));
            continue;
        }
        if (S_ISLNK(st.st_mode))
            continue;
        if (S_ISDIR(st.st_mode))
            walk(in, path, depth + 1, is_md || maildir);
        else if (S_ISREG(st.st_mode))
            add_file(in, path, maildir, true);
    }
    free(names);
}

/* stdin is a mail (an MDA, procmail or a pipe hands one over) and is parsed as one whatever
 * its header holds, unless it starts with a file format's signature: a document piped in for a
 * look. A delivered mail starts with the MTA's own header lines, never with such bytes. */
static bool stdin_is_file(const uint8_t *d, size_t len)
{
    if (!len)
        return false;
    switch (eg_detect_type(d, len, NULL, NULL)) {
    case EG_T_CFB:
    case EG_T_ZIP:
    case EG_T_OOXML:
    case EG_T_LNK:
    case EG_T_ONENOTE:
    case EG_T_PE:
    case EG_T_TNEF:
    case EG_T_REGF:
    case EG_T_RTF:
    case EG_T_SYLK: return true; /* signatures at offset 0 */
    case EG_T_PDF:               /* "%PDF-" anywhere in the first KiB: only at the start here */
        return len >= 5 && !memcmp(d, "%PDF-", 5);
    case EG_T_ARCHIVE: /* 7z, gzip, xz, bzip2, rar, cab, images: a binary first byte or a */
    case EG_T_IMAGE:   /* signature no header line starts with (tar's is at offset 257) */
        return d[0] < 0x20 || d[0] >= 0x7F ||
               (len >= 4 && (!memcmp(d, "Rar!", 4) || !memcmp(d, "MSCF", 4) ||
                             !memcmp(d, "BZh", 3) || !memcmp(d, "GIF8", 4)));
    default: return false;
    }
}

static void add_stdin(eg_inputs *in)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap >= in->max_input + 1)
                break;
            size_t nc = cap * 2;
            uint8_t *p = realloc(buf, nc);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap = nc;
        }
        ssize_t r = read(STDIN_FILENO, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    if (!buf) {
        push_error(in, "-", "out of memory");
        return;
    }
    item *it = push(in, "-");
    if (!it) {
        free(buf);
        return;
    }
    it->owned = buf;
    it->pub.data = buf;
    it->pub.len = len;
    it->pub.is_mail = !stdin_is_file(buf, len);
}

void eg_inputs_add(eg_inputs *in, const char *path)
{
    if (!strcmp(path, "-")) {
        add_stdin(in);
        return;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        push_error(in, path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode))
        walk(in, path, 0, false);
    else
        add_file(in, path, false, false);
}

void eg_inputs_set_japanese(eg_inputs *in, bool ja)
{
    in->ja = ja;
}

size_t eg_inputs_skipped(const eg_inputs *in)
{
    return in->skipped;
}

void eg_inputs_link_passwords(eg_inputs *in)
{
    if (in->n < 2)
        return;
    const uint8_t **data = calloc(in->n, sizeof *data);
    size_t *len = calloc(in->n, sizeof *len);
    eg_password_link *links = NULL;
    size_t nl = 0;
    if (data && len) {
        for (size_t i = 0; i < in->n; i++) {
            data[i] = in->items[i].pub.data;
            len[i] = in->items[i].pub.data ? in->items[i].pub.len : 0;
        }
        if (eg_mailbox_link_passwords(data, len, in->n, &links, &nl) == EG_OK) {
            for (size_t k = 0; k < nl; k++) {
                eg_input_item *t = &in->items[links[k].target].pub;
                if (links[k].target >= in->n || t->passwords)
                    continue;
                t->passwords = links[k].passwords;
                t->n_passwords = links[k].n_passwords;
                t->passwords_origin = links[k].origin;
                links[k].passwords = NULL; /* moved */
                links[k].n_passwords = 0;
                links[k].origin = NULL;
            }
            eg_password_links_free(links, nl);
        }
    }
    free(data);
    free(len);
}

size_t eg_inputs_count(const eg_inputs *in)
{
    return in->n;
}
const eg_input_item *eg_inputs_at(const eg_inputs *in, size_t i)
{
    return &in->items[i].pub;
}

void eg_inputs_release(eg_inputs *in, size_t i)
{
    item *it = &in->items[i];
    free(it->owned);
    it->owned = NULL;
    if (it->mapping >= 0) {
        eg_mapping *m = &in->maps[it->mapping];
        if (m->refs && --m->refs == 0 && m->map) {
            munmap(m->map, m->map_len);
            m->map = NULL;
        }
        it->mapping = -1;
    }
    it->pub.data = NULL;
    it->pub.len = 0;
}

void eg_inputs_free(eg_inputs *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->n; i++) {
        eg_inputs_release(in, i);
        eg_input_item *p = &in->items[i].pub;
        free(p->source);
        free(p->error);
        for (size_t k = 0; k < p->n_passwords; k++)
            free(p->passwords[k]);
        free(p->passwords);
        free(p->passwords_origin);
    }
    for (size_t i = 0; i < in->n_maps; i++)
        if (in->maps[i].map)
            munmap(in->maps[i].map, in->maps[i].map_len);
    free(in->maps);
    free(in->items);
    free(in);
}
