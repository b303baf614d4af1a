/*
 * Input enumeration and reading (see inputs.h). Enumeration is a cursor: the paths given, a stack
 * of directory listings being walked, and at most one mbox being split while it is read in
 * chunks; each call hands out one reference. Reading is done by whoever scans the mail, into a
 * buffer it reuses, so no input's bytes are held between enumeration and scanning and memory
 * does not grow with the batch. Directory walks do not follow symbolic links (no loops, no
 * escaping the tree) and are bounded in depth. Files are opened non-blocking and must be regular
 * files: a FIFO put where a mail was is an error, not a hang.
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
/* messages taken from one mbox; the cursor holds no state per message, so this bounds time, not
 * memory */
#define MBOX_MAX_MSGS 10000000
#define MBOX_CHUNK (1u << 20) /* read buffer of the mbox splitter */

typedef struct {
    char *dir;
    char **names;
    size_t n, i;
    bool is_md;   /* dir is a Maildir (its tmp/ is skipped) */
    bool maildir; /* dir is inside a Maildir: its files are mails */
} frame;

struct eg_inputs {
    char **paths;
    size_t n_paths, next_path;
    frame stack[WALK_MAX_DEPTH + 1];
    int depth; /* frames in use */
    /* the mbox being split */
    int mfd;
    eg_mbox_reader *mr;
    char *mpath;
    size_t mcount;
    uint64_t max_input;
    bool ja;
};

eg_inputs *eg_inputs_new(uint64_t max_input)
{
    eg_inputs *in = calloc(1, sizeof *in);
    if (in) {
        in->max_input = max_input;
        in->mfd = -1;
    }
    return in;
}

void eg_inputs_set_japanese(eg_inputs *in, bool ja)
{
    in->ja = ja;
}

int eg_inputs_add(eg_inputs *in, const char *path)
{
    char **p = realloc(in->paths, (in->n_paths + 1) * sizeof *p);
    if (!p)
        return -1;
    in->paths = p;
    p[in->n_paths] = eg_strdup(path);
    if (!p[in->n_paths])
        return -1;
    in->n_paths++;
    return 0;
}

void eg_input_ref_free(eg_input_ref *r)
{
    if (!r)
        return;
    free(r->source);
    free(r->path);
    free(r->mem);
    free(r->error);
    memset(r, 0, sizeof *r);
}

static int make_error(eg_input_ref *out, const char *source, const char *why)
{
    memset(out, 0, sizeof *out);
    out->kind = EG_IN_ERROR;
    out->source = eg_strdup(source);
    out->error = eg_strdup(why);
    if (!out->source || !out->error) {
        eg_input_ref_free(out);
        return -1;
    }
    return 1;
}

static void pop_frame(eg_inputs *in)
{
    frame *f = &in->stack[--in->depth];
    for (; f->i < f->n; f->i++)
        free(f->names[f->i]);
    free(f->names);
    free(f->dir);
    memset(f, 0, sizeof *f);
}

static void close_mbox(eg_inputs *in)
{
    eg_mbox_reader_free(in->mr);
    in->mr = NULL;
    if (in->mfd >= 0)
        close(in->mfd);
    in->mfd = -1;
    free(in->mpath);
    in->mpath = NULL;
}

void eg_inputs_free(eg_inputs *in)
{
    if (!in)
        return;
    while (in->depth > 0)
        pop_frame(in);
    close_mbox(in);
    for (size_t i = 0; i < in->n_paths; i++)
        free(in->paths[i]);
    free(in->paths);
    free(in);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

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
    else if (!names)
        names = calloc(1, sizeof *names); /* empty, not failed */
    return names;
}

/* Starts walking dir: 0 when a frame was pushed, 1 with an error reference in *out. */
static int push_dir(eg_inputs *in, const char *dir, bool maildir, eg_input_ref *out)
{
    if (in->depth > WALK_MAX_DEPTH)
        return make_error(out, dir, "directory tree too deep");
    size_t n;
    errno = 0;
    char **names = list_dir(dir, &n);
    if (!names)
        return make_error(out, dir, errno ? strerror(errno) : "out of memory");
    frame *f = &in->stack[in->depth];
    *f = (frame){.dir = eg_strdup(dir), .names = names, .n = n};
    if (!f->dir) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return make_error(out, dir, "out of memory");
    }
    f->is_md = eg_maildir_detect(dir);
    f->maildir = maildir;
    in->depth++;
    return 0;
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

static long fd_read(void *ud, uint8_t *buf, size_t n)
{
    int fd = *(int *)ud;
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        return (long)r;
    }
}

/* A file: 1 with a reference in *out, 0 when it is an mbox whose splitting has started. */
static int add_file(eg_inputs *in, const char *path, bool in_maildir, bool from_dir,
                    eg_input_ref *out)
{
    memset(out, 0, sizeof *out);
    if (!in_maildir) {
        /* an mbox is told by its first bytes; anything else is read whole by its scanner */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return make_error(out, path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return make_error(out, path, "not a regular file");
        }
        uint8_t head[5];
        ssize_t got = pread(fd, head, sizeof head, 0);
        if (got == (ssize_t)sizeof head && eg_mbox_detect(head, sizeof head)) {
            in->mr = eg_mbox_reader_new(fd_read, &in->mfd, MBOX_CHUNK);
            in->mpath = eg_strdup(path);
            in->mfd = fd;
            in->mcount = 0;
            if (!in->mr || !in->mpath) {
                close_mbox(in);
                return make_error(out, path, "out of memory");
            }
            return 0;
        }
        close(fd);
    }
    out->kind = EG_IN_FILE;
    out->source = eg_strdup(path);
    out->path = eg_strdup(path);
    /* what a Maildir holds, or a file named as a mail, is a mail */
    out->is_mail = in_maildir || !strcasecmp(eg_path_ext(path), "eml");
    out->check_mail = from_dir && !in_maildir;
    if (!out->source || !out->path) {
        eg_input_ref_free(out);
        return make_error(out, path, "out of memory");
    }
    return 1;
}

static int add_stdin(eg_inputs *in, eg_input_ref *out)
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
    memset(out, 0, sizeof *out);
    if (!buf)
        return make_error(out, "-", "out of memory");
    out->kind = EG_IN_MEM;
    out->source = eg_strdup("-");
    out->mem = buf;
    out->mem_len = len;
    if (!out->source) {
        eg_input_ref_free(out);
        return make_error(out, "-", "out of memory");
    }
    /* stdin is declared a mail unless it starts with a file format's signature */
    out->is_mail = !stdin_is_file(buf, len);
    return 1;
}

/* The next message of the mbox being split: 1 with *out, 0 when it is finished. */
static int next_mbox_msg(eg_inputs *in, eg_input_ref *out)
{
    eg_mbox_entry e;
    int r = in->mcount < MBOX_MAX_MSGS ? eg_mbox_reader_next(in->mr, &e) : 2;
    if (r == 1) {
        char src[4096];
        snprintf(src, sizeof src, "%s#%zu", in->mpath, ++in->mcount);
        memset(out, 0, sizeof *out);
        *out = (eg_input_ref){.kind = EG_IN_MBOX_MSG,
                              .source = eg_strdup(src),
                              .path = eg_strdup(in->mpath),
                              .off = e.off,
                              .len = e.len,
                              .unescape = e.unescape,
                              .is_mail = true};
        if (!out->source || !out->path) {
            eg_input_ref_free(out);
            return make_error(out, src, "out of memory");
        }
        return 1;
    }
    if (r == 2) {
        fprintf(stderr,
                in->ja ? "emoguard scan: %s: %d 通を超えるメッセージは読み飛ばしました\n"
                       : "emoguard scan: %s: more than %d messages, the rest is skipped\n",
                in->mpath, MBOX_MAX_MSGS);
    }
    int ret = 0;
    if (r < 0)
        ret = make_error(out, in->mpath,
                         in->mcount ? "read error in the mbox" : "cannot read the mbox");
    close_mbox(in);
    return ret;
}

int eg_inputs_next(eg_inputs *in, eg_input_ref *out)
{
    for (;;) {
        if (in->mr) {
            int r = next_mbox_msg(in, out);
            if (r)
                return r > 0 ? 1 : 0;
            continue;
        }
        if (in->depth > 0) {
            frame *f = &in->stack[in->depth - 1];
            if (f->i >= f->n) {
                pop_frame(in);
                continue;
            }
            char *name = f->names[f->i];
            f->names[f->i++] = NULL;
            char path[4096];
            /* a Maildir's tmp/ holds mails still being delivered */
            bool skip = f->is_md && !strcmp(name, "tmp");
            size_t dl = strlen(f->dir);
            int w = snprintf(path, sizeof path, "%s%s%s", f->dir,
                             dl && f->dir[dl - 1] == '/' ? "" : "/", name);
            free(name);
            if (skip || w < 0 || (size_t)w >= sizeof path)
                continue;
            struct stat st;
            if (lstat(path, &st) != 0)
                return make_error(out, path, strerror(errno)) > 0;
            if (S_ISLNK(st.st_mode))
                continue;
            bool maildir = f->is_md || f->maildir;
            if (S_ISDIR(st.st_mode)) {
                if (push_dir(in, path, maildir, out))
                    return 1;
                continue;
            }
            if (!S_ISREG(st.st_mode))
                continue;
            /* files directly in a Maildir folder (not in cur/ or new/) are its own files */
            if (add_file(in, path, f->maildir, true, out))
                return 1;
            continue;
        }
        if (in->next_path >= in->n_paths)
            return 0;
        const char *p = in->paths[in->next_path++];
        if (!strcmp(p, "-"))
            return add_stdin(in, out) > 0;
        struct stat st;
        if (stat(p, &st) != 0)
            return make_error(out, p, strerror(errno)) > 0;
        if (S_ISDIR(st.st_mode)) {
            if (push_dir(in, p, false, out))
                return 1;
            continue;
        }
        if (add_file(in, p, false, false, out))
            return 1;
    }
}

/* ---- reading --------------------------------------------------------------------------- */

static eg_status read_at(int fd, uint8_t *dst, size_t n, uint64_t off, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, dst + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return EG_EIO;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return EG_OK;
}

static bool grow(eg_input_buf *b, size_t n)
{
    if (n <= b->cap)
        return true;
    size_t nc = b->cap ? b->cap : 1u << 16;
    while (nc < n)
        nc *= 2;
    uint8_t *p = realloc(b->buf, nc);
    if (!p)
        return false;
    b->buf = p;
    b->cap = nc;
    return true;
}

/* Bytes [off, off+len) of fd: read into the buffer, or mapped when large. */
static eg_status load_range(int fd, uint64_t off, uint64_t len, bool unescape, eg_input_buf *b,
                            const uint8_t **data, size_t *out_len, const char **why)
{
    if (len == 0) {
        *data = NULL;
        *out_len = 0;
        return EG_OK;
    }
    if (len > SIZE_MAX / 2) {
        *why = "too large";
        return EG_ELIMIT;
    }
    uint8_t *p;
    size_t n;
    if (len <= EG_INPUT_READ_MAX) {
        if (!grow(b, (size_t)len)) {
            *why = "out of memory";
            return EG_ENOMEM;
        }
        if (read_at(fd, b->buf, (size_t)len, off, &n) != EG_OK) {
            *why = strerror(errno);
            return EG_EIO;
        }
        p = b->buf;
    } else {
        /* private and writable: the unescaping below writes to copies of the pages it touches */
        long pg = sysconf(_SC_PAGESIZE);
        uint64_t delta = off % (uint64_t)(pg > 0 ? pg : 4096);
        size_t ml = (size_t)(len + delta);
        void *m = mmap(NULL, ml, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, (off_t)(off - delta));
        if (m == MAP_FAILED) {
            *why = strerror(errno);
            return EG_EIO;
        }
        b->map = m;
        b->map_len = ml;
        p = (uint8_t *)m + delta;
        n = (size_t)len;
    }
    if (unescape)
        n = eg_mbox_unescape(p, n);
    *data = p;
    *out_len = n;
    return EG_OK;
}

static void close_kept(eg_input_buf *b)
{
    if (b->fd > 0)
        close(b->fd - 1);
    b->fd = 0;
    free(b->fd_path);
    b->fd_path = NULL;
}

eg_status eg_input_load(const eg_input_ref *r, eg_input_buf *b, const uint8_t **data, size_t *len,
                        const char **why)
{
    *data = NULL;
    *len = 0;
    *why = NULL;
    eg_input_buf_release(b);
    switch (r->kind) {
    case EG_IN_ERROR: *why = r->error ? r->error : "unreadable"; return EG_EIO;
    case EG_IN_MEM:
        *data = r->mem;
        *len = r->mem_len;
        return EG_OK;
    case EG_IN_FILE:
    case EG_IN_MBOX_MSG: break;
    }
    /* the messages of one mbox come one after the other: its file stays open between them */
    bool keep = r->kind == EG_IN_MBOX_MSG;
    int fd = -1;
    if (keep && b->fd > 0 && b->fd_path && !strcmp(b->fd_path, r->path)) {
        fd = b->fd - 1;
    } else {
        fd = open(r->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            *why = strerror(errno);
            return EG_EIO;
        }
        if (keep) {
            char *pc = eg_strdup(r->path);
            if (pc) {
                close_kept(b);
                b->fd = fd + 1;
                b->fd_path = pc;
            } else {
                keep = false;
            }
        }
    }
    uint64_t off = r->off, n = r->len;
    if (r->kind == EG_IN_FILE) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            *why = "not a regular file";
            return EG_EIO;
        }
        off = 0;
        n = (uint64_t)st.st_size;
    }
    eg_status st = load_range(fd, off, n, r->unescape, b, data, len, why);
    if (!keep)
        close(fd);
    return st;
}

void eg_input_buf_release(eg_input_buf *b)
{
    if (b->map)
        munmap(b->map, b->map_len);
    b->map = NULL;
    b->map_len = 0;
}

void eg_input_buf_free(eg_input_buf *b)
{
    eg_input_buf_release(b);
    close_kept(b);
    free(b->buf);
    memset(b, 0, sizeof *b);
}

bool eg_input_looks_like_mail(const eg_input_ref *r, const uint8_t *d, size_t n)
{
    /* an empty file gets a finding, not a skip */
    return !r->check_mail || n == 0 || !strcasecmp(eg_path_ext(r->source), "eml") ||
           eg_mbox_detect(d, n) || eg_detect_root_type(d, n, r->source, NULL) == EG_T_MAIL;
}
