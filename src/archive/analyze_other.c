/*
 * Archives other than ZIP (7z, RAR, tar, cpio, ISO 9660 images, cab, LHA, xar, ar) and single
 * compressed streams (gzip, bzip2, xz, lzma, lzip, zstd, lz4, compress), read through libarchive
 * from memory. Only formats and filters implemented inside libarchive are enabled: the "all"
 * helpers would also enable filters that run external programs and the mtree reader, which opens
 * files named in the input. libarchive 3.6 cannot decrypt 7z or RAR, so encrypted entries there
 * become children that carry only their names and a NOT_OPENED finding.
 */
#include "archive/archive.h"
#include "archive/sevenzip.h"

#include "core/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LA_BLOCK (64 * 1024)
/* the 7z header libarchive would decode is at most this big (real ones are kilobytes) */
#define MAX_7Z_HEADER (64ull << 20)
#define COUNT_FACTOR 4
#define MIN_COUNT_BYTES (256ull << 20)

static void enable_filters(struct archive *a)
{
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_lzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_lz4(a);
    archive_read_support_filter_compress(a);
}

static void enable_formats(struct archive *a)
{
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_ar(a);
    archive_read_support_format_zip_seekable(a);
}

/* raw: a single compressed stream with no archive inside (file.gz). */
static struct archive *la_open(const uint8_t *data, size_t len, bool raw, const char *pw)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    enable_filters(a);
    if (raw)
        archive_read_support_format_raw(a);
    else
        enable_formats(a);
    if (pw)
        archive_read_add_passphrase(a, pw);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

typedef struct la_data {
    uint8_t *buf;
    size_t len;
    uint64_t size_true;
    bool truncated, count_capped, error;
    char err[128];
} la_data;

/* Reads the current entry's data, keeping max_out bytes and counting up to max_count. */
static eg_status read_entry(struct archive *a, uint64_t max_out, uint64_t max_count, eg_scan *s,
                            const eg_object *obj, la_data *d)
{
    uint8_t block[LA_BLOCK];
    memset(d, 0, sizeof *d);
    for (;;) {
        if (s && eg_scan_timed_out(s, obj))
            return EG_ETIME;
        la_ssize_t r = archive_read_data(a, block, sizeof block);
        if (r == 0)
            break;
        if (r < 0) {
            d->error = true;
            snprintf(d->err, sizeof d->err, "%s", archive_error_string(a) ? archive_error_string(a) : "read error");
            break;
        }
        d->size_true += (uint64_t)r;
        size_t keep = (size_t)r;
        if (d->len + keep > max_out) {
            keep = (size_t)(max_out - d->len);
            d->truncated = true;
        }
        if (keep) {
            uint8_t *nb = realloc(d->buf, d->len + keep);
            if (!nb)
                return EG_ENOMEM;
            d->buf = nb;
            memcpy(d->buf + d->len, block, keep);
            d->len += keep;
        }
        if (d->size_true >= max_count) {
            d->count_capped = true;
            break;
        }
    }
    return EG_OK;
}

static const char *entry_name(struct archive_entry *e)
{
    const char *n = archive_entry_pathname_utf8(e);
    if (!n)
        n = archive_entry_pathname(e);
    return n ? n : "(unnamed)";
}

eg_status eg_archive_la_extract(const uint8_t *data, size_t len, const char *name, const char *password,
                                uint64_t max_out, uint8_t **out, size_t *outlen)
{
    if (!data || !name || !out || !outlen)
        return EG_EINVAL;
    *out = NULL;
    *outlen = 0;
    eg_status hst = eg_7z_check_header(data, len, MAX_7Z_HEADER, NULL);
    if (hst != EG_OK)
        return hst;
    struct archive *a = la_open(data, len, false, password);
    if (!a)
        return EG_EFORMAT;
    struct archive_entry *e;
    eg_status st = EG_ENOTFOUND;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (strcmp(entry_name(e), name) != 0)
            continue;
        la_data d;
        st = read_entry(a, max_out, max_out + 1, NULL, NULL, &d);
        if (st == EG_OK && d.error) {
            st = d.len ? EG_EFORMAT : (archive_entry_is_encrypted(e) ? EG_EPASSWORD : EG_EFORMAT);
        } else if (st == EG_OK && d.truncated) {
            st = EG_ELIMIT;
        }
        if (st == EG_OK || st == EG_ELIMIT || (st == EG_EFORMAT && d.len)) {
            *out = d.buf;
            *outlen = d.len;
        } else {
            free(d.buf);
        }
        break;
    }
    archive_read_free(a);
    return st;
}

typedef struct octx {
    eg_scan *s;
    const eg_object *obj;
    size_t n_entries, n_encrypted;
    bool stop;
    char not_opened[256];
} octx;

static void note_not_opened(octx *c, const char *name)
{
    size_t used = strlen(c->not_opened);
    if (used + strlen(name) + 3 < sizeof c->not_opened)
        snprintf(c->not_opened + used, sizeof c->not_opened - used, "%s%s", used ? ", " : "", name);
}

/* Name of the single stream inside file.gz: the parent's name without its last extension. */
static void raw_name(const eg_object *obj, char *buf, size_t n)
{
    const char *base = obj->name ? obj->name : "data";
    snprintf(buf, n, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = 0;
    else
        snprintf(buf, n, "%s.out", base);
}

static void one_entry(octx *c, struct archive *a, struct archive_entry *e, bool raw)
{
    char rn[256];
    const char *name = entry_name(e);
    if (raw) {
        raw_name(c->obj, rn, sizeof rn);
        name = rn;
    }
    if (!raw && archive_entry_filetype(e) != AE_IFREG)
        return;
    c->n_entries++;
    if (archive_entry_is_encrypted(e)) {
        c->n_encrypted++;
        note_not_opened(c, name);
        eg_child ch = {.name = name, .type = EG_T_BINARY, .flags = EG_OBJ_ENCRYPTED | EG_OBJ_NOT_OPENED,
                       .size_true = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0,
                       .detail = "encrypted, not opened"};
        if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
            c->stop = true;
        return;
    }
    uint64_t budget = eg_scan_budget(c->s);
    if (budget == 0) {
        c->stop = true;
        return;
    }
    uint64_t count = budget * COUNT_FACTOR > MIN_COUNT_BYTES ? budget * COUNT_FACTOR : MIN_COUNT_BYTES;
    la_data d;
    eg_status st = read_entry(a, budget, count, c->s, c->obj, &d);
    if (st != EG_OK) {
        free(d.buf);
        c->stop = true;
        return;
    }
    if (d.error)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_CORRUPT, "%s: %s", name, d.err);
    if (d.count_capped || d.size_true >= (1ull << 30))
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB, "%s: expands to %s%llu bytes", name,
                        d.count_capped ? "more than " : "", (unsigned long long)d.size_true);
    if (eg_scan_charge(c->s, c->obj, d.len) != EG_OK) {
        free(d.buf);
        c->stop = true;
        return;
    }
    eg_child ch = {.name = name, .data = d.buf, .size = d.len, .owned = true,
                   .flags = (d.truncated || d.count_capped) ? EG_OBJ_TRUNCATED : 0u,
                   .size_true = d.size_true != d.len ? d.size_true : 0};
    if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
        c->stop = true;
}

/* Walks the entries; returns the last libarchive status. */
static int walk(octx *c, struct archive *a, bool raw)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (c->stop || eg_scan_timed_out(c->s, c->obj))
            return ARCHIVE_OK;
        one_entry(c, a, e, raw);
        if (c->stop)
            return ARCHIVE_OK;
    }
    return r;
}

static bool mentions_encryption(const char *msg)
{
    return msg && (eg_memmem_ci(msg, strlen(msg), "encrypt", 7) || eg_memmem_ci(msg, strlen(msg), "passphrase", 10) ||
                   eg_memmem_ci(msg, strlen(msg), "password", 8));
}

/* FAT images and VHDs are detected as archives but libarchive has no reader for them. */
static bool is_disk_image(const eg_object *obj)
{
    static const char *const ext[] = {".img", ".iso", ".vhd", ".vhdx", NULL};
    if (obj->detail && (eg_memmem_ci(obj->detail, strlen(obj->detail), "fat", 3) ||
                        eg_memmem_ci(obj->detail, strlen(obj->detail), "vhd", 3)))
        return true;
    for (size_t i = 0; obj->name && ext[i]; i++)
        if (eg_has_suffix_ci(obj->name, ext[i]))
            return true;
    return false;
}

eg_status eg_archive_analyze_other(eg_scan *s, const eg_object *obj)
{
    octx c = {.s = s, .obj = obj};
    bool raw = false;
    uint64_t declared = 0;
    eg_status hst = eg_7z_check_header(obj->data, (size_t)obj->size, MAX_7Z_HEADER, &declared);
    if (hst == EG_EFORMAT) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE,
                        "damaged 7z: its header (%llu bytes) lies outside the file",
                        (unsigned long long)declared);
        return EG_OK;
    }
    if (hst != EG_OK) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE,
                        "7z header declares %llu bytes (limit %llu): not handed to the 7z reader",
                        (unsigned long long)declared, (unsigned long long)MAX_7Z_HEADER);
        return EG_OK;
    }
    struct archive *a = la_open(obj->data, obj->size, false, NULL);
    if (!a) {
        /* not an archive format: maybe a single compressed stream */
        a = la_open(obj->data, obj->size, true, NULL);
        if (a && archive_filter_count(a) <= 1) {
            archive_read_free(a);
            a = NULL;
        }
        raw = a != NULL;
    }
    if (!a) {
        if (is_disk_image(obj))
            eg_scan_finding(s, obj, EG_R_ARCHIVE_DISK_IMAGE, "%s (no reader for this image format)",
                            obj->detail ? obj->detail : "disk image");
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE, "format not readable%s%s",
                        obj->name ? ": " : "", obj->name ? obj->name : "");
        return EG_OK;
    }
    int r = walk(&c, a, raw);
    int fmt = archive_format(a);
    const char *err = archive_error_string(a);
    if ((fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ISO9660)
        eg_scan_finding(s, obj, EG_R_ARCHIVE_DISK_IMAGE, "ISO 9660 image, %zu files", c.n_entries);
    if (r == ARCHIVE_FATAL) {
        if (mentions_encryption(err)) {
            eg_scan_finding(s, obj, EG_R_ARCHIVE_ENCRYPTED_NAMES, "%s: %s", archive_format_name(a), err);
            eg_scan_finding(s, obj, EG_R_ARCHIVE_ENCRYPTED, "%s, header encrypted", archive_format_name(a));
            eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_OPENED, "file names and content encrypted");
        } else if (c.n_entries == 0) {
            eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE, "%s: %s", archive_format_name(a) ? archive_format_name(a) : "?",
                            err ? err : "fatal error");
        } else {
            eg_scan_finding(s, obj, EG_R_ARCHIVE_TRUNCATED, "%s after %zu entries", err ? err : "fatal error", c.n_entries);
        }
    }
    if (c.n_encrypted) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_ENCRYPTED, "%s, %zu of %zu entries encrypted",
                        archive_format_name(a) ? archive_format_name(a) : "archive", c.n_encrypted, c.n_entries);
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_OPENED, "%zu encrypted entries (this format cannot be decrypted): %s",
                        c.n_encrypted, c.not_opened);
    }
    archive_read_free(a);
    return EG_OK;
}
