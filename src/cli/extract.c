/* --extract writer and its index.json (see extract.h). */
#include "cli/extract.h"

#include "core/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* true when dir holds anything but "." and ".." */
static bool dir_has_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool any = false;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return any;
}

int eg_extract_prepare(const char *dir, bool force)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "emoguard scan: --extract %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "emoguard scan: --extract %s: not a directory\n", dir);
        return -1;
    }
    if (!force && dir_has_entries(dir)) {
        fprintf(stderr,
                "emoguard scan: --extract %s: the directory is not empty (an earlier run?); "
                "give an empty or new directory, or add --force to replace its files\n",
                dir);
        return -2;
    }
    return 0;
}

void eg_extractor_init(eg_extractor *ex, const char *dir, size_t mail_index, bool force)
{
    ex->dir = dir;
    ex->mail_index = mail_index;
    ex->force = force;
}

/* Opens path for a new file (0600, never through a link); with force, what an earlier run left
 * under that name is removed first. */
static int create_file(const char *path, bool force)
{
    if (force && unlink(path) != 0 && errno != ENOENT)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        fchmod(fd, 0600); /* whatever the umask says */
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t left)
{
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

struct eg_extract_index {
    json_t *objects;
};

eg_extract_index *eg_extract_index_new(void)
{
    eg_extract_index *ix = calloc(1, sizeof *ix);
    if (ix && !(ix->objects = json_array())) {
        free(ix);
        return NULL;
    }
    return ix;
}

void eg_extract_index_add(eg_extract_index *ix, size_t mail_index, const eg_report *r)
{
    if (!ix || !r)
        return;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        char hex[65], file[256];
        eg_hex(o->sha256, 32, hex);
        json_t *j = json_object();
        json_object_set_new(j, "mail", json_integer((json_int_t)mail_index + 1));
        json_object_set_new(j, "source", json_string(eg_report_source(r)));
        json_object_set_new(j, "id", json_integer(o->id));
        json_object_set_new(j, "parent", o->parent < 0 ? json_null() : json_integer(o->parent));
        json_object_set_new(j, "name", json_string(o->name ? o->name : ""));
        json_object_set_new(j, "type", json_string(eg_type_name(o->type)));
        json_object_set_new(j, "size", json_integer((json_int_t)o->size));
        json_object_set_new(j, "sha256", json_string(hex));
        if (o->parent >= 0) { /* the mail itself is the input, not written */
            eg_extract_name(mail_index, o->id, o->name, file, sizeof file);
            json_object_set_new(j, "file", json_string(file));
        } else {
            json_object_set_new(j, "file", json_null());
        }
        if (o->flags & EG_OBJ_DECRYPTED) {
            json_t *d = json_object();
            json_object_set_new(d, "password", json_string(o->password ? o->password : ""));
            json_object_set_new(d, "origin",
                                o->password_origin ? json_string(o->password_origin) : json_null());
            json_object_set_new(j, "decrypted_with", d);
        } else {
            json_object_set_new(j, "decrypted_with", json_null());
        }
        json_array_append_new(ix->objects, j);
    }
}

int eg_extract_index_write(eg_extract_index *ix, const char *dir, bool force)
{
    if (!ix)
        return -1;
    json_t *root = json_object();
    json_object_set_new(root, "emoguard_version", json_string(EG_VERSION));
    json_object_set_new(root, "objects", ix->objects);
    char *s = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    free(ix);
    char path[4096];
    int rc = -1;
    if (s && snprintf(path, sizeof path, "%s/index.json", dir) < (int)sizeof path) {
        int fd = create_file(path, force);
        if (fd >= 0) {
            rc = write_all(fd, (const uint8_t *)s, strlen(s)) == 0 && write(fd, "\n", 1) == 1 ? 0
                                                                                              : -1;
            close(fd);
        }
        if (rc)
            fprintf(stderr, "emoguard scan: --extract %s: %s\n", path, strerror(errno));
    }
    free(s);
    return rc;
}

void eg_extract_name(size_t mail_index, uint32_t id, const char *name, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%zu-%u-", mail_index + 1, id);
    if (n < 0 || (size_t)n >= outsz)
        return;
    size_t o = (size_t)n;
    /* keep only the last path component of the name */
    const char *base = name ? name : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    for (const unsigned char *p = (const unsigned char *)base; *p && o + 1 < outsz && o < 120;
         p++) {
        unsigned char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && o > (size_t)n);
        if (c >= 0x80) { /* one '_' per UTF-8 sequence */
            while ((p[1] & 0xC0) == 0x80)
                p++;
            ok = false;
        }
        out[o++] = ok ? (char)c : '_';
    }
    /* the object's real extension stays, but never as an executable one: ".bin" is appended */
    if (o + 5 < outsz) {
        memcpy(out + o, ".bin", 4);
        o += 4;
    }
    out[o] = 0;
}

void eg_extractor_cb(void *ud, const eg_object *obj)
{
    const eg_extractor *ex = ud;
    if (obj->parent < 0 || !obj->data)
        return; /* the mail itself is the input, already on disk */
    char name[256], path[4096];
    eg_extract_name(ex->mail_index, obj->id, obj->name, name, sizeof name);
    if (snprintf(path, sizeof path, "%s/%s", ex->dir, name) >= (int)sizeof path)
        return;
    int fd = create_file(path, ex->force);
    if (fd < 0) {
        fprintf(stderr, "emoguard scan: --extract %s: %s\n", path, strerror(errno));
        return;
    }
    if (write_all(fd, obj->data, (size_t)obj->size) != 0)
        fprintf(stderr, "emoguard scan: --extract %s: %s\n", path, strerror(errno));
    close(fd);
}
