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
#include "archive/tar.h"

#include "core/safe.h"

#include "core/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LA_BLOCK (64 * 1024)
/* the 7z header libarchive would decode is at most this big (real ones are kilobytes) */
#define MAX_7Z_HEADER (64ull << 20)
/* files, folders, streams a 7z header may declare (libarchive allocates them all up front) */
#define MAX_7Z_COUNT (1u << 18)
#define COUNT_FACTOR 4
#define MIN_COUNT_BYTES (256ull << 20)
/* after a first bomb in this mail, an entry is decoded only to max(QUICK_MIN, archive size x
 * QUICK_RATIO): past that it is a bomb too, reported without more work */
#define QUICK_MIN (1ull << 20)
#define QUICK_RATIO 100u /* ordinary files compress far less */
/* zero runs longer than this are counted, not stored (a 4 GiB gzip of zeros costs no memory) */
#define ZERO_RUN_KEEP (1u << 20)
#define MAX_RETRIES 64 /* damaged headers skipped in a row before the walk gives up */
#define MAX_DATA_ERRORS 16
#define MAX_TAR_ITEMS 4096

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
    size_t len, cap;
    uint64_t size_true;
    uint64_t zero_run;
    bool truncated, count_capped, error, collapsed;
    char err[128];
    /* the entry as sent, hashed while counting (feeds list the padded file's own hash) */
    EVP_MD_CTX *sha;
    uint8_t sha256[32];
    bool has_sha256;
} la_data;

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Appends what is kept of one block: long zero runs are counted, not stored. */
static eg_status keep_block(la_data *d, const uint8_t *block, size_t n, uint64_t max_out,
                            bool collapse)
{
    if (!collapse) {
        /* kept as is */
    } else if (all_zero(block, n)) {
        d->zero_run += n;
        if (d->zero_run > ZERO_RUN_KEEP) {
            d->collapsed = true;
            return EG_OK;
        }
    } else {
        d->zero_run = 0;
    }
    size_t keep = n;
    if (d->len + keep > max_out) {
        keep = (size_t)(max_out - d->len);
        d->truncated = true;
    }
    if (!keep)
        return EG_OK;
    if (d->len + keep > d->cap) {
        /* geometric growth: 64 KiB steps to 64 MiB were 1,000 copies of up to 64 MiB where
         * realloc cannot grow in place (and always under the sanitizers) */
        size_t nc = d->cap ? d->cap : LA_BLOCK;
        while (nc < d->len + keep)
            nc *= 2;
        if (nc > max_out)
            nc = (size_t)max_out;
        uint8_t *nb = realloc(d->buf, nc);
        if (!nb)
            return EG_ENOMEM;
        d->buf = nb;
        d->cap = nc;
    }
    memcpy(d->buf + d->len, block, keep);
    d->len += keep;
    return EG_OK;
}

static eg_status read_data(struct archive *a, uint64_t max_out, uint64_t max_count, eg_scan *s,
                           const eg_object *obj, la_data *d, bool collapse);

/* Reads the current entry's data, keeping max_out bytes and counting up to max_count. A warning
 * or retry from libarchive is noted and reading goes on; a fatal error ends the entry. */
static eg_status read_entry(struct archive *a, uint64_t max_out, uint64_t max_count, eg_scan *s,
                            const eg_object *obj, la_data *d, bool collapse)
{
    memset(d, 0, sizeof *d);
    if (collapse && (d->sha = EVP_MD_CTX_new()) && !EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(d->sha);
        d->sha = NULL;
    }
    eg_status st = read_data(a, max_out, max_count, s, obj, d, collapse);
    unsigned int hl = 0;
    /* only a stream read whole and without error is the file as sent */
    if (st == EG_OK && d->sha && !d->error && !d->count_capped &&
        EVP_DigestFinal_ex(d->sha, d->sha256, &hl) && hl == sizeof d->sha256)
        d->has_sha256 = true;
    EVP_MD_CTX_free(d->sha);
    d->sha = NULL;
    return st;
}

static eg_status read_data(struct archive *a, uint64_t max_out, uint64_t max_count, eg_scan *s,
                           const eg_object *obj, la_data *d, bool collapse)
{
    uint8_t block[LA_BLOCK];
    for (int errors = 0;;) {
        if (s && eg_scan_timed_out(s, obj))
            return EG_ETIME;
        la_ssize_t r = archive_read_data(a, block, sizeof block);
        if (r == 0)
            break;
        if (r < 0) {
            d->error = true;
            snprintf(d->err, sizeof d->err, "%s",
                     archive_error_string(a) ? archive_error_string(a) : "read error");
            if (r == ARCHIVE_FATAL || ++errors > MAX_DATA_ERRORS)
                break;
            continue;
        }
        d->size_true += (uint64_t)r;
        if (d->sha && !EVP_DigestUpdate(d->sha, block, (size_t)r)) {
            EVP_MD_CTX_free(d->sha);
            d->sha = NULL;
        }
        eg_status st = keep_block(d, block, (size_t)r, max_out, collapse);
        if (st != EG_OK)
            return st;
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

/* Runs both pre-checks of the 7z header; EG_OK when libarchive may be called. */
static eg_status check_7z(const uint8_t *data, size_t len, uint64_t *declared, const char **what)
{
    eg_status st = eg_7z_check_header(data, len, MAX_7Z_HEADER, declared);
    if (st != EG_OK) {
        *what = "header bytes";
        return st;
    }
    st = eg_7z_check_counts(data, len, MAX_7Z_COUNT, what, declared);
    return st == EG_OK ? EG_OK : EG_EUNSUPPORTED;
}

eg_status eg_archive_la_extract(const uint8_t *data, size_t len, const char *name,
                                const char *password, uint64_t max_out, uint8_t **out,
                                size_t *outlen)
{
    return eg_archive_la_extract_ex(data, len, name, password, max_out, out, outlen, NULL);
}

eg_status eg_archive_la_extract_ex(const uint8_t *data, size_t len, const char *name,
                                   const char *password, uint64_t max_out, uint8_t **out,
                                   size_t *outlen, uint64_t *size_true)
{
    if (!data || !name || !out || !outlen)
        return EG_EINVAL;
    *out = NULL;
    *outlen = 0;
    if (size_true)
        *size_true = 0;
    uint64_t declared = 0;
    const char *what = NULL;
    eg_status hst = check_7z(data, len, &declared, &what);
    if (hst == EG_EUNSUPPORTED)
        return EG_ELIMIT;
    if (hst != EG_OK)
        return hst;
    struct archive *a = la_open(data, len, false, password);
    if (!a)
        return EG_EFORMAT;
    struct archive_entry *e;
    eg_status st = EG_ENOTFOUND;
    int r, retries = 0;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN ||
           (r == ARCHIVE_RETRY && ++retries <= MAX_RETRIES)) {
        if (r == ARCHIVE_RETRY || strcmp(entry_name(e), name) != 0)
            continue;
        la_data d;
        st = read_entry(a, max_out, max_out + 1, NULL, NULL, &d, false);
        if (size_true)
            *size_true = d.size_true;
        if (st == EG_OK && d.error && !d.len) {
            st = archive_entry_is_encrypted(e) ? EG_EPASSWORD : EG_EFORMAT;
        } else if (st == EG_OK && d.error) {
            st = EG_EFORMAT;
        } else if (st == EG_OK && (d.truncated || d.count_capped)) {
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
    const uint8_t *data; /* what is walked: the object, or the object past leading zeros */
    size_t len;
    size_t n_entries, n_children, n_encrypted, n_special, n_retries;
    bool stop;
    bool tar_special; /* a tar entry whose type is not a regular file: its data may be hidden */
    char not_opened[256];
} octx;

static void note_not_opened(octx *c, const char *name)
{
    size_t used = strlen(c->not_opened);
    if (used + strlen(name) + 5 < sizeof c->not_opened)
        snprintf(c->not_opened + used, sizeof c->not_opened - used, "%s\"%s\"", used ? ", " : "",
                 name);
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

static const char *type_label(unsigned ft)
{
    switch (ft) {
    case AE_IFDIR: return "directory";
    case AE_IFIFO: return "FIFO";
    case AE_IFCHR: return "character device";
    case AE_IFBLK: return "block device";
    case AE_IFSOCK: return "socket";
    case AE_IFLNK: return "symbolic link";
    default: return "special entry";
    }
}

/* Output caps for one entry. The first bomb of a mail may be counted far (to report its size);
 * once the mail has one, further entries stop at max(QUICK_MIN, archive size x 100), and
 * anything that reaches that is a bomb too: fifty small bombs cost one. *quick tells. */
static void caps(eg_scan *s, uint64_t packed, uint64_t *max_out, uint64_t *max_count, bool *quick)
{
    uint64_t budget = eg_scan_budget(s);
    *quick = false;
    *max_out = budget;
    *max_count = budget * COUNT_FACTOR > MIN_COUNT_BYTES ? budget * COUNT_FACTOR : MIN_COUNT_BYTES;
    if (!eg_scan_has_finding(s, EG_R_ARCHIVE_BOMB))
        return;
    uint32_t ratio = eg_scan_limits(s)->max_ratio ? eg_scan_limits(s)->max_ratio : 1000;
    if (ratio > QUICK_RATIO)
        ratio = QUICK_RATIO;
    uint64_t q = packed > UINT64_MAX / ratio ? UINT64_MAX : packed * ratio;
    if (q < QUICK_MIN)
        q = QUICK_MIN;
    if (q < budget) {
        *max_out = q;
        *max_count = q + 1;
        *quick = true;
    } else {
        *max_count = budget + 1;
    }
}

/* Adds decoded bytes as a child (takes d->buf). */
static void add_data_child(octx *c, const char *name, la_data *d, const char *detail)
{
    if (d->collapsed && all_zero(d->buf, d->len)) {
        free(d->buf); /* nothing but zeros (a bomb): nothing to analyse */
        d->buf = NULL;
        c->n_children++;
        return;
    }
    if (eg_scan_charge(c->s, c->obj, d->len) != EG_OK) {
        free(d->buf);
        c->stop = true;
        return;
    }
    uint32_t flags = (d->truncated || d->count_capped) ? EG_OBJ_TRUNCATED : 0u;
    if (d->collapsed)
        flags |= EG_OBJ_PADDED;
    eg_child ch = {.name = name,
                   .data = d->buf,
                   .size = d->len,
                   .owned = true,
                   .flags = flags,
                   .size_true = d->size_true != d->len ? d->size_true : 0,
                   .sha256_sent =
                       d->has_sha256 && (d->collapsed || d->truncated) ? d->sha256 : NULL,
                   .detail = detail};
    d->buf = NULL;
    c->n_children++;
    if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
        c->stop = true;
}

static void size_findings(octx *c, const char *name, const la_data *d, bool quick)
{
    if (d->error)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_CORRUPT, "\"%s\": \"%s\"", name, d->err);
    if (quick && d->count_capped)
        eg_scan_finding(
            c->s, c->obj, EG_R_ARCHIVE_BOMB,
            "\"%s\": expands more than %llu:1 (not decoded further: the mail already has a bomb)",
            name, (unsigned long long)(d->size_true / (c->len ? c->len : 1)));
    else if (d->count_capped || d->size_true >= (1ull << 30))
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB, "\"%s\": expands to %s%llu bytes", name,
                        d->count_capped ? "more than " : "", (unsigned long long)d->size_true);
}

static void one_entry(octx *c, struct archive *a, struct archive_entry *e, bool raw)
{
    char rn[256];
    const char *name = entry_name(e);
    if (raw) {
        raw_name(c->obj, rn, sizeof rn);
        name = rn;
    }
    unsigned ft = raw ? AE_IFREG : archive_entry_filetype(e);
    c->n_entries++;
    if (archive_entry_is_encrypted(e)) {
        c->n_encrypted++;
        note_not_opened(c, name);
        eg_child ch = {.name = name,
                       .type = EG_T_BINARY,
                       .flags = EG_OBJ_ENCRYPTED | EG_OBJ_NOT_OPENED,
                       .size_true =
                           archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0,
                       .detail = "encrypted, not opened"};
        c->n_children++;
        if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
            c->stop = true;
        return;
    }
    uint64_t max_out, max_count;
    bool quick;
    caps(c->s, c->len, &max_out, &max_count, &quick);
    if (max_out == 0) {
        c->stop = true;
        return;
    }
    /* the data are read whatever the type: a Windows extractor ignores Unix mode bits and
     * writes a FIFO or a directory that carries data as a plain file */
    la_data d;
    eg_status st = read_entry(a, max_out, max_count, c->s, c->obj, &d, true);
    if (st != EG_OK) {
        free(d.buf);
        c->stop = true;
        return;
    }
    if (ft != AE_IFREG && d.size_true == 0 && !d.error) {
        free(d.buf);
        if (ft != AE_IFDIR && ft != AE_IFLNK && !raw &&
            (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR)
            c->tar_special = true;
        if (ft == AE_IFDIR && (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR)
            c->tar_special = true; /* libarchive drops a tar directory's data: our walk looks */
        return;
    }
    size_findings(c, name, &d, quick);
    char detail[64] = "";
    if (ft != AE_IFREG && ft != AE_IFLNK) {
        c->n_special++;
        snprintf(detail, sizeof detail, "marked as %s, carries data", type_label(ft));
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_SPECIAL_ENTRY_DATA,
                        "\"%s\": %s with %llu bytes of data", name, type_label(ft),
                        (unsigned long long)d.size_true);
    }
    add_data_child(c, name, &d, detail[0] ? detail : NULL);
}

/* Walks the entries; returns the last libarchive status. Warnings and damaged headers skipped
 * (ARCHIVE_RETRY) are not the end of the walk. */
static int walk(octx *c, struct archive *a, bool raw)
{
    struct archive_entry *e;
    int r, retries = 0;
    for (;;) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF || r == ARCHIVE_FATAL)
            return r;
        if (c->stop || eg_scan_timed_out(c->s, c->obj))
            return ARCHIVE_OK;
        if (r == ARCHIVE_RETRY) {
            c->n_retries++;
            if (++retries > MAX_RETRIES)
                return ARCHIVE_FATAL;
            continue;
        }
        retries = 0;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return r;
        one_entry(c, a, e, raw);
        if (c->stop)
            return ARCHIVE_OK;
    }
}

typedef struct tar_walk_ctx {
    octx *c;
    uint64_t max_out;
} tar_walk_ctx;

static const char *tar_type_label(char t)
{
    switch (t) {
    case '5': return "directory";
    case '6': return "FIFO";
    case '3': return "character device";
    case '4': return "block device";
    case '1': return "hard link";
    case '2': return "symbolic link";
    default: return "special entry";
    }
}

static bool tar_item(void *ud, const eg_tar_item *it)
{
    tar_walk_ctx *t = ud;
    octx *c = t->c;
    if (eg_tar_type_regular(it->type) || it->avail == 0)
        return !c->stop;
    if (eg_scan_timed_out(c->s, c->obj))
        return false;
    la_data d = {.size_true = it->size};
    size_t keep = it->avail < t->max_out ? it->avail : (size_t)t->max_out;
    d.truncated = keep < it->size;
    d.buf = malloc(keep ? keep : 1);
    if (!d.buf)
        return false;
    memcpy(d.buf, it->data, keep);
    d.len = keep;
    c->n_special++;
    char detail[64];
    snprintf(detail, sizeof detail, "tar entry marked as %s, carries data",
             tar_type_label(it->type));
    eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_SPECIAL_ENTRY_DATA,
                    "\"%s\": %s with %llu bytes of data", it->name, tar_type_label(it->type),
                    (unsigned long long)it->size);
    add_data_child(c, it->name, &d, detail);
    return !c->stop;
}

/* libarchive's tar reader sets a directory's size to zero and resynchronises past what follows
 * as a damaged header: a directory entry carrying a script shows nothing. Our own header walk
 * over the decompressed tar finds such data. */
static void tar_pass(octx *c, struct archive *a)
{
    const uint8_t *tar = c->data;
    size_t tar_len = c->len;
    la_data d = {0};
    if (archive_filter_count(a) > 1) {
        struct archive *r = la_open(c->data, c->len, true, NULL);
        struct archive_entry *e;
        if (!r)
            return;
        uint64_t budget = eg_scan_budget(c->s);
        if (archive_read_next_header(r, &e) != ARCHIVE_OK ||
            read_entry(r, budget, budget + 1, c->s, c->obj, &d, false) != EG_OK) {
            free(d.buf);
            archive_read_free(r);
            return;
        }
        archive_read_free(r);
        tar = d.buf;
        tar_len = d.len;
    }
    if (tar) {
        tar_walk_ctx t = {.c = c, .max_out = eg_scan_budget(c->s)};
        eg_tar_walk(tar, tar_len, MAX_TAR_ITEMS, tar_item, &t);
    }
    free(d.buf);
}

static bool mentions_encryption(const char *msg)
{
    return msg && (eg_memmem_ci(msg, strlen(msg), "encrypt", 7) ||
                   eg_memmem_ci(msg, strlen(msg), "passphrase", 10) ||
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

static void fatal_findings(octx *c, struct archive *a, int r)
{
    const char *err = archive_error_string(a);
    const char *fname = archive_format_name(a) ? archive_format_name(a) : "archive";
    if (r != ARCHIVE_FATAL)
        return;
    if (mentions_encryption(err)) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_ENCRYPTED_NAMES, "\"%s\": \"%s\"", fname, err);
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_ENCRYPTED, "\"%s\", header encrypted", fname);
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_NOT_OPENED, "file names and content encrypted");
        c->n_encrypted++;
    } else if (c->n_entries == 0) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_NOT_READABLE, "\"%s\": \"%s\"", fname,
                        err ? err : "fatal error");
    } else {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_TRUNCATED, "\"%s\" after %zu entries",
                        err ? err : "fatal error", c->n_entries);
    }
}

/* One reading of c->data: as an archive, else as a single compressed stream; a tar that yields
 * nothing though compressed is read as a single stream too (gzip of zeros is an empty tar to
 * libarchive's tar bidder). Returns false when no reader took the bytes. */
static bool read_once(octx *c)
{
    bool raw = false;
    struct archive *a = la_open(c->data, c->len, false, NULL);
    if (!a) {
        a = la_open(c->data, c->len, true, NULL);
        if (a && archive_filter_count(a) <= 1) {
            archive_read_free(a);
            a = NULL;
        }
        raw = a != NULL;
    }
    if (!a)
        return false;
    int r = walk(c, a, raw);
    if (!raw && c->tar_special && !c->stop)
        tar_pass(c, a);
    if ((archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ISO9660)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_DISK_IMAGE, "ISO 9660 image, %zu files",
                        c->n_entries);
    if (c->n_retries)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_CORRUPT, "\"%s\": %zu damaged headers skipped",
                        archive_format_name(a) ? archive_format_name(a) : "archive", c->n_retries);
    bool empty_tar = !raw && c->n_children == 0 && archive_filter_count(a) > 1 &&
                     (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
    if (!empty_tar)
        fatal_findings(c, a, r);
    archive_read_free(a);
    if (empty_tar && !c->stop) {
        a = la_open(c->data, c->len, true, NULL);
        if (a) {
            c->n_entries = 0;
            r = walk(c, a, true);
            fatal_findings(c, a, r);
            archive_read_free(a);
        }
    }
    return true;
}

static size_t leading_zeros(const uint8_t *d, size_t n)
{
    size_t k = 0;
    while (k < n && d[k] == 0)
        k++;
    return k;
}

eg_status eg_archive_analyze_other(eg_scan *s, const eg_object *obj)
{
    octx c = {.s = s, .obj = obj, .data = obj->data, .len = (size_t)obj->size};
    uint64_t declared = 0;
    const char *what = NULL;
    eg_status hst = check_7z(obj->data, (size_t)obj->size, &declared, &what);
    if (hst == EG_EFORMAT) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE,
                        "damaged 7z: its header (%llu bytes) lies outside the file",
                        (unsigned long long)declared);
        return EG_OK;
    }
    if (hst == EG_EUNSUPPORTED) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_DECLARED_COUNT,
                        "7z header declares %llu %s (limit %u, or more than its %llu bytes can "
                        "describe): not handed to the 7z reader",
                        (unsigned long long)declared, what ? what : "items", MAX_7Z_COUNT,
                        (unsigned long long)eg_rd64le(obj->data + 20));
        return EG_OK;
    }
    if (hst != EG_OK) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE,
                        "7z header declares %llu bytes (limit %llu): not handed to the 7z reader",
                        (unsigned long long)declared, (unsigned long long)MAX_7Z_HEADER);
        return EG_OK;
    }
    if ((obj->flags & EG_OBJ_TRUNCATED) && obj->size_true > obj->size)
        eg_scan_finding(s, obj, EG_R_LIMIT_BYTES,
                        "archive cut at %llu of %llu bytes: only that part read",
                        (unsigned long long)obj->size, (unsigned long long)obj->size_true);
    bool taken = read_once(&c);
    /* nothing readable: the first bidder may have been fooled (512 zero bytes are an empty tar
     * to libarchive, whatever follows). Skip the zeros and read again. */
    size_t z = leading_zeros(obj->data, (size_t)obj->size);
    if (c.n_entries == 0 && c.n_children == 0 && c.n_encrypted == 0 && !c.stop && z >= 512 &&
        z < obj->size) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_PREFIXED_DATA, "%zu zero bytes before the data", z);
        octx c2 = {.s = s, .obj = obj, .data = obj->data + z, .len = (size_t)obj->size - z};
        taken = read_once(&c2) || taken;
        c.n_children = c2.n_children;
        c.n_encrypted = c2.n_encrypted;
        c.n_entries += c2.n_entries;
        memcpy(c.not_opened, c2.not_opened, sizeof c.not_opened);
    }
    if (!taken) {
        if (is_disk_image(obj))
            eg_scan_finding(s, obj, EG_R_ARCHIVE_DISK_IMAGE, "%s (no reader for this image format)",
                            obj->detail ? obj->detail : "disk image");
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE, "format not readable%s%s",
                        obj->name ? ": " : "", obj->name ? obj->name : "");
        return EG_OK;
    }
    if (c.n_children == 0 && c.n_encrypted == 0 && c.n_entries == 0)
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_READABLE, "%s: no entry could be read",
                        obj->detail ? obj->detail : "archive");
    if (c.n_encrypted && c.not_opened[0]) {
        eg_scan_finding(s, obj, EG_R_ARCHIVE_ENCRYPTED, "%zu of %zu entries encrypted",
                        c.n_encrypted, c.n_entries);
        eg_scan_finding(s, obj, EG_R_ARCHIVE_NOT_OPENED,
                        "%zu encrypted entries (this format cannot be decrypted): %s",
                        c.n_encrypted, c.not_opened);
    }
    return EG_OK;
}
