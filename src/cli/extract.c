/* --extract writer (see extract.h). */
#include "cli/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int eg_extract_prepare(const char *dir)
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
    return 0;
}

void eg_extractor_init(eg_extractor *ex, const char *dir, size_t mail_index)
{
    ex->dir = dir;
    ex->mail_index = mail_index;
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
    for (const unsigned char *p = (const unsigned char *)base; *p && o + 1 < outsz && o < 120; p++) {
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
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "emoguard scan: --extract %s: %s\n", path, strerror(errno));
        return;
    }
    fchmod(fd, 0600); /* whatever the umask says */
    const uint8_t *p = obj->data;
    size_t left = (size_t)obj->size;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "emoguard scan: --extract %s: %s\n", path, strerror(errno));
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    close(fd);
}
