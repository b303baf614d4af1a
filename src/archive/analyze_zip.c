/*
 * The ZIP analyzer: opens a ZIP with the project's own reader, drives the password candidates
 * entry by entry, turns entries into child objects and reports what the archive does to hide or
 * inflate its content. The verdict is left to what is inside: a password ZIP holding a harmless
 * spreadsheet is routine business mail in Japan.
 */
#include "archive/archive.h"
#include "archive/zip.h"

#include "core/strutil.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD_MIN_TRUE_SIZE (10ull << 20) /* below this, collapsed zeros are just a sparse file */
#define BOMB_TRUE_SIZE (1ull << 30)
#define RATIO_BOMB_MIN_SIZE (64ull << 20) /* a 1 MB file of one repeated byte is not a bomb */
#define MAX_ZIP_NESTING 4                 /* zip in zip in zip ...: 42.zip style */
#define MIN_COUNT_BYTES                                                                            \
    (640ull << 20)           /* Emotet pads to 500-600 MB: count that far for the true size */
#define MAX_OVERLAP_READS 16 /* overlapping entries share data: reading a few is enough */
/* entries in methods the ZIP reader lacks (bzip2, LZMA ...) are read through libarchive, which
 * reopens the archive and walks its headers for each: a few dozen, not thousands */
#define MAX_LA_ENTRIES 32
#define QUICK_MIN (1ull << 20)
/* after a first bomb, an entry past this ratio is stopped and called a bomb too; ordinary
 * documents compress far less than 100:1 */
#define QUICK_RATIO 100u

typedef struct zctx {
    eg_scan *s;
    const eg_object *obj;
    eg_zip *z;
    const char *good_pw; /* last password that opened an entry of this archive */
    const char *good_origin;
    int good_priority;
    size_t n_encrypted, n_opened, n_not_opened, n_overlap_read, n_la;
    uint64_t total_true;
    bool stop; /* a scan limit was hit: no more children */
    bool bomb_reported;
    bool quick;           /* the current entry is decoded only to quick_cap() */
    char not_opened[256]; /* names for the evidence */
} zctx;

/* max(QUICK_MIN, packed x min(ratio, QUICK_RATIO)): once the mail has a bomb, an entry that
 * expands past this is a bomb too */
static uint64_t quick_cap(uint64_t packed, uint32_t ratio)
{
    if (!ratio || ratio > QUICK_RATIO)
        ratio = QUICK_RATIO;
    uint64_t q = packed > UINT64_MAX / ratio ? UINT64_MAX : packed * ratio;
    return q < QUICK_MIN ? QUICK_MIN : q;
}

static bool stop_cb(void *ud)
{
    zctx *c = ud;
    return eg_scan_timed_out(c->s, c->obj);
}

static const char *enc_label(const eg_zip_entry *e, char *buf, size_t n)
{
    switch (e->enc) {
    case EG_ZIP_ENC_ZIPCRYPTO: return "ZipCrypto";
    case EG_ZIP_ENC_AES:
        snprintf(buf, n, "AES-%d (AE-%d)", e->aes_bits, e->aes_version);
        return buf;
    case EG_ZIP_ENC_OTHER: return "PKWARE strong encryption or unknown";
    default: return "none";
    }
}

static void human_size(uint64_t v, char *buf, size_t n)
{
    if (v >= (1ull << 20))
        snprintf(buf, n, "%.1f MB", (double)v / (1 << 20));
    else if (v >= 1024)
        snprintf(buf, n, "%.1f KB", (double)v / 1024);
    else
        snprintf(buf, n, "%llu bytes", (unsigned long long)v);
}

/* How deep this ZIP sits inside other ZIPs. */
static unsigned zip_nesting(const eg_scan *s, const eg_object *obj)
{
    unsigned n = 0;
    for (int32_t p = obj->parent; p >= 0;) {
        const eg_object *o = eg_scan_object(s, (uint32_t)p);
        if (!o)
            break;
        if (o->type == EG_T_ZIP)
            n++;
        p = o->parent;
    }
    return n;
}

static void layout_findings(zctx *c)
{
    const eg_zip_info *in = eg_zip_get_info(c->z);
    eg_scan *s = c->s;
    if (in->prefix_bytes)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_PREFIXED_DATA, "%llu bytes before the first entry",
                        (unsigned long long)in->prefix_bytes);
    if (in->trailing_bytes)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_TRAILING_DATA,
                        "%llu bytes after the end of the archive",
                        (unsigned long long)in->trailing_bytes);
    if (in->truncated)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_TRUNCATED,
                        "central directory cut or missing; %zu entries recovered",
                        eg_zip_count(c->z));
    if (in->entries_capped)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_TOO_MANY_ENTRIES,
                        "more than %zu entries (declared %llu)", eg_zip_count(c->z),
                        (unsigned long long)in->declared_entries);
    if (in->cd_encrypted)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_ENCRYPTED_NAMES, "central directory encryption");
    if (in->overlapping)
        eg_scan_finding(s, c->obj, EG_R_ARCHIVE_OVERLAP, "%u entries share data (%u out of order)",
                        in->overlapping, in->out_of_order);
}

/* Per-entry structural findings, before any data is read. */
static void entry_findings(zctx *c, const eg_zip_entry *e)
{
    if (e->name_mismatch)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_NAME_MISMATCH,
                        "central directory \"%s\", local header \"%s\"", e->name,
                        e->local_name ? e->local_name : "");
    if (e->size_mismatch)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_SIZE_MISMATCH,
                        "\"%s\": central directory %llu/%llu bytes, local header %llu/%llu "
                        "(compressed/uncompressed)",
                        e->name, (unsigned long long)e->csize, (unsigned long long)e->usize,
                        (unsigned long long)e->local_csize, (unsigned long long)e->local_usize);
}

static void note_not_opened(zctx *c, const char *name)
{
    c->n_not_opened++;
    size_t used = strlen(c->not_opened);
    if (used + strlen(name) + 5 < sizeof c->not_opened)
        snprintf(c->not_opened + used, sizeof c->not_opened - used, "%s\"%s\"", used ? ", " : "",
                 name);
}

/* Adds an entry that could not be read: its name still counts (double extensions, .lnk ...). */
static void add_unread(zctx *c, const eg_zip_entry *e, uint32_t flags, const char *detail)
{
    eg_child ch = {.name = e->name,
                   .flags = flags | EG_OBJ_NOT_OPENED,
                   .size_true = e->usize,
                   .detail = detail,
                   .type = EG_T_BINARY};
    if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
        c->stop = true;
}

typedef struct attempt {
    eg_status st;
    uint8_t *out;
    size_t outlen;
    eg_zip_extract_result r;
    const char *pw, *origin;
    int priority;
} attempt;

static void try_one(zctx *c, size_t idx, const char *pw, attempt *a)
{
    const eg_limits *lim = eg_scan_limits(c->s);
    uint64_t budget = eg_scan_budget(c->s);
    eg_zip_extract_opts o = {
        .password = pw,
        .max_out = budget ? budget : 1,
        .collapse_zero_runs = true,
        .max_count = budget * 4 > MIN_COUNT_BYTES ? budget * 4 : MIN_COUNT_BYTES,
        .max_ratio = lim->max_ratio,
        .should_stop = stop_cb,
        .stop_ud = c,
    };
    /* bomb detection is paid once per mail: once any archive of this mail was a bomb, an entry
     * is decoded only up to max(1 MiB, compressed size x ratio), and one that gets there is a
     * bomb too, reported without more work (fifty small bombs cost one) */
    c->quick = false;
    if (c->bomb_reported || eg_scan_has_finding(c->s, EG_R_ARCHIVE_BOMB)) {
        uint64_t q = quick_cap(eg_zip_entry_at(c->z, idx)->csize, lim->max_ratio);
        if (q < budget) {
            o.max_out = q;
            o.max_count = q + 1;
            c->quick = true;
        } else {
            o.max_count = budget + 1;
        }
    }
    free(a->out);
    a->out = NULL;
    a->outlen = 0;
    a->st = eg_zip_extract(c->z, idx, &o, &a->out, &a->outlen, &a->r);
}

/* ZipCrypto hashes the password's bytes, and Japanese Windows archivers write them in CP932, so a
 * non-ASCII candidate is also tried in that encoding. NULL when ASCII or not convertible. */
static char *cp932_variant(const char *pw)
{
    bool ascii = true;
    for (const unsigned char *q = (const unsigned char *)pw; *q; q++)
        if (*q >= 0x80)
            ascii = false;
    if (ascii)
        return NULL;
    iconv_t cd = iconv_open("CP932", "UTF-8");
    if (cd == (iconv_t)-1)
        return NULL;
    size_t il = strlen(pw), ol = il + 1;
    char *out = calloc(1, ol + 1), *ip = (char *)pw, *op = out;
    if (out && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    return out;
}

/* One candidate: as given, then (ZipCrypto only) in CP932. */
static void try_candidate(zctx *c, size_t idx, const char *pw, attempt *a)
{
    try_one(c, idx, pw, a);
    if (a->st != EG_EPASSWORD || eg_zip_entry_at(c->z, idx)->enc != EG_ZIP_ENC_ZIPCRYPTO)
        return;
    char *alt = cp932_variant(pw);
    if (alt)
        try_one(c, idx, alt, a);
    free(alt);
}

/* Drives the candidates for an encrypted entry: the password that opened a sibling first, then
 * the list best first. Each try is charged to the scan's password budget. */
static void try_passwords(zctx *c, size_t idx, attempt *a)
{
    a->st = EG_EPASSWORD;
    if (c->good_pw) {
        if (!eg_scan_password_try(c->s, c->obj))
            return;
        try_candidate(c, idx, c->good_pw, a);
        if (a->st != EG_EPASSWORD) {
            a->pw = c->good_pw;
            a->origin = c->good_origin;
            a->priority = c->good_priority;
            return;
        }
    }
    size_t n = eg_scan_password_count(c->s);
    for (size_t i = 0; i < n; i++) {
        const eg_password *p = eg_scan_password_at(c->s, i);
        if (c->good_pw && !strcmp(p->value, c->good_pw))
            continue;
        if (eg_scan_timed_out(c->s, c->obj) || !eg_scan_password_try(c->s, c->obj))
            return;
        try_candidate(c, idx, p->value, a);
        if (a->st == EG_ETIME)
            return;
        if (a->st != EG_EPASSWORD || a->r.auth_failed) {
            a->pw = p->value;
            a->origin = p->origin;
            a->priority = p->priority;
            if (a->st != EG_EPASSWORD)
                return;
            /* verifier matched but HMAC failed: keep looking, report tampering if nothing opens */
        }
    }
}

static void password_finding(zctx *c, const attempt *a, const eg_zip_entry *e)
{
    const char *origin = a->origin ? a->origin : "";
    char el[48];
    const char *enc = enc_label(e, el, sizeof el);
    if (eg_has_prefix_ci(origin, "--password"))
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_DECRYPTED, "%s opened with \"%s\" (%s)", enc,
                        a->pw, origin);
    else if (eg_has_prefix_ci(origin, "related") || a->priority == 1)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_PASSWORD_SEPARATE_MAIL,
                        "%s opened with \"%s\" (%s)", enc, a->pw, origin);
    else
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_PASSWORD_IN_MAIL, "%s opened with \"%s\" (%s)",
                        enc, a->pw, origin);
}

static bool has_nonzero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return true;
    return false;
}

/* Padding (real content plus long zero runs, Emotet's trick against size-limited scanners) or a
 * bomb (nothing but one repeated byte, or more than can be counted). */
static void size_findings(zctx *c, const eg_zip_entry *e, const attempt *a)
{
    const eg_zip_extract_result *r = &a->r;
    char ts[32], cs[32];
    human_size(r->size_true, ts, sizeof ts);
    human_size(e->csize, cs, sizeof cs);
    unsigned long long ratio = (unsigned long long)(r->size_true / (e->csize ? e->csize : 1));
    const char *more = r->count_capped ? "more than " : "";
    bool padded =
        r->collapsed && r->size_true >= PAD_MIN_TRUE_SIZE && has_nonzero(a->out, a->outlen);
    if (padded) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_PADDED,
                        "\"%s\": true size %s%s, compressed %s, ratio %llu:1, %zu bytes kept after "
                        "removing zero runs",
                        e->name, more, ts, cs, ratio, a->outlen);
    } else if (c->quick && r->count_capped) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB,
                        "\"%s\": expands to more than %s from %s (ratio over %llu:1), not decoded "
                        "further: the mail already has a bomb",
                        e->name, ts, cs, ratio);
        c->bomb_reported = true;
    } else if (r->count_capped || r->size_true >= BOMB_TRUE_SIZE ||
               (r->ratio_bomb && r->size_true >= RATIO_BOMB_MIN_SIZE)) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB,
                        "\"%s\": expands to %s%s from %s (ratio %llu:1)", e->name, more, ts, cs,
                        ratio);
        c->bomb_reported = true;
    }
    if (!r->count_capped && !e->is_dir && r->size_true != e->usize && a->st != EG_EFORMAT)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_SIZE_MISMATCH,
                        "\"%s\": declared %llu bytes, real %llu", e->name,
                        (unsigned long long)e->usize, (unsigned long long)r->size_true);
}

/* Hands the decoded bytes over as a child. Takes a->out. */
static void add_decoded(zctx *c, const eg_zip_entry *e, attempt *a, bool encrypted)
{
    uint32_t flags = 0;
    if (encrypted)
        flags |= EG_OBJ_ENCRYPTED | EG_OBJ_DECRYPTED;
    if (a->r.collapsed)
        flags |= EG_OBJ_PADDED;
    if (a->r.truncated || a->r.count_capped)
        flags |= EG_OBJ_TRUNCATED;
    if (eg_scan_charge(c->s, c->obj, a->outlen) != EG_OK) {
        free(a->out);
        a->out = NULL;
        c->stop = true;
        return;
    }
    eg_child ch = {
        .name = e->name,
        .data = a->out,
        .size = a->outlen,
        .owned = true,
        .flags = flags,
        .size_true = a->r.size_true != a->outlen ? a->r.size_true : 0,
        .password = encrypted ? a->pw : NULL,
        .password_origin = encrypted ? a->origin : NULL,
        /* the member as sent, when what is kept differs from it (padding removed, cap) */
        .sha256_sent = a->r.has_sha256 && (a->r.collapsed || a->r.truncated) ? a->r.sha256 : NULL,
    };
    a->out = NULL;
    a->outlen = 0;
    if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
        c->stop = true;
}

/* A method our reader does not decode: libarchive may, but only unencrypted. libarchive 3.6
 * fails every encrypted entry whose method is not deflate ("bzip2 decompression failed",
 * "Invalid lzma data" with the right password), so encrypted ones are reported as not opened. */
static void entry_via_libarchive(zctx *c, const eg_zip_entry *e)
{
    char mb[24];
    eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_UNSUPPORTED_METHOD, "\"%s\": %s%s", e->name,
                    eg_zip_method_name(e->method, mb, sizeof mb),
                    e->enc == EG_ZIP_ENC_OTHER  ? ", unknown encryption"
                    : e->enc != EG_ZIP_ENC_NONE ? ", encrypted"
                                                : "");
    if (e->enc != EG_ZIP_ENC_NONE) {
        c->n_encrypted++;
        note_not_opened(c, e->name);
        add_unread(c, e, EG_OBJ_ENCRYPTED, "encrypted with a method that cannot be decoded here");
        return;
    }
    if (++c->n_la > MAX_LA_ENTRIES) {
        note_not_opened(c, e->name);
        add_unread(c, e, 0, "compression method not supported here, and over 32 such entries");
        return;
    }
    uint8_t *out = NULL;
    size_t outlen = 0;
    uint64_t budget = eg_scan_budget(c->s), true_size = 0;
    uint64_t max_out = budget ? budget : 1;
    uint32_t ratio = eg_scan_limits(c->s)->max_ratio ? eg_scan_limits(c->s)->max_ratio : 1000;
    uint64_t q = quick_cap(e->csize, ratio);
    bool quick = (c->bomb_reported || eg_scan_has_finding(c->s, EG_R_ARCHIVE_BOMB)) && q < max_out;
    if (quick)
        max_out = q; /* bombs are paid once per mail, see try_one() */
    eg_status st = eg_archive_la_extract_ex(c->obj->data, c->obj->size, e->name, NULL, max_out,
                                            &out, &outlen, &true_size);
    /* cut at the cap with a ratio past the limit: a bomb (bzip2 turns 1 KB into 1 GB) */
    bool quick_hit = quick && st == EG_ELIMIT;
    if (quick_hit || (st == EG_ELIMIT && true_size / (e->csize ? e->csize : 1) > ratio &&
                      true_size >= RATIO_BOMB_MIN_SIZE)) {
        char cs[32];
        human_size(e->csize, cs, sizeof cs);
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB,
                        "\"%s\": expands to more than %llu bytes from %s (ratio over %u:1)%s",
                        e->name, (unsigned long long)outlen, cs,
                        quick_hit ? (ratio < QUICK_RATIO ? ratio : QUICK_RATIO) : ratio,
                        quick_hit ? ", not decoded further: the mail already has a bomb" : "");
        c->bomb_reported = true;
        if (outlen && !has_nonzero(out, outlen)) {
            free(out); /* nothing but zeros: nothing to analyse */
            return;
        }
    }
    if ((st == EG_OK || st == EG_ELIMIT) && eg_scan_charge(c->s, c->obj, outlen) == EG_OK) {
        eg_child ch = {.name = e->name,
                       .data = out,
                       .size = outlen,
                       .owned = true,
                       .flags = st == EG_ELIMIT ? EG_OBJ_TRUNCATED : 0u};
        if (eg_scan_add_child(c->s, c->obj, &ch, NULL) == EG_ELIMIT)
            c->stop = true;
        return;
    }
    free(out);
    note_not_opened(c, e->name);
    add_unread(c, e, 0, "compression method not supported");
}

static void do_entry(zctx *c, size_t idx)
{
    const eg_zip_entry *e = eg_zip_entry_at(c->z, idx);
    entry_findings(c, e);
    if (e->is_dir)
        return;
    if (e->overlaps && ++c->n_overlap_read > MAX_OVERLAP_READS)
        return;
    if (e->local_bad) {
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_CORRUPT,
                        "\"%s\": no local header at offset %llu", e->name,
                        (unsigned long long)e->local_offset);
        return;
    }
    if (e->enc == EG_ZIP_ENC_OTHER || !eg_zip_method_supported(e->method)) {
        entry_via_libarchive(c, e);
        return;
    }
    bool encrypted = e->enc != EG_ZIP_ENC_NONE;
    attempt a = {0};
    if (encrypted) {
        c->n_encrypted++;
        try_passwords(c, idx, &a);
    } else {
        try_one(c, idx, NULL, &a);
    }
    if (a.st == EG_ETIME) {
        free(a.out);
        c->stop = true;
        return;
    }
    if (a.st == EG_EPASSWORD) {
        free(a.out);
        if (a.pw) /* a candidate matched the verifier but not the HMAC */
            eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_TAMPERED,
                            "\"%s\": password \"%s\" matched the verifier, HMAC failed", e->name,
                            a.pw ? a.pw : "");
        note_not_opened(c, e->name);
        add_unread(c, e, EG_OBJ_ENCRYPTED, "encrypted, not opened");
        return;
    }
    if (encrypted && a.pw) {
        c->n_opened++;
        if (!c->good_pw || strcmp(c->good_pw, a.pw)) {
            c->good_pw = a.pw;
            c->good_origin = a.origin;
            c->good_priority = a.priority;
        }
        password_finding(c, &a, e);
    }
    if (a.st == EG_EFORMAT)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_CORRUPT, "\"%s\": %s", e->name,
                        a.r.data_cut ? "data run past the end of the archive"
                                     : "CRC or data error");
    size_findings(c, e, &a);
    c->total_true += a.r.size_true;
    if (a.out || a.st == EG_OK || a.st == EG_ELIMIT || a.st == EG_EFORMAT)
        add_decoded(c, e, &a, encrypted);
    free(a.out);
}

static void summary_findings(zctx *c)
{
    if (c->n_encrypted) {
        const eg_zip_entry *first = NULL;
        for (size_t i = 0; i < eg_zip_count(c->z) && !first; i++)
            if (eg_zip_entry_at(c->z, i)->enc != EG_ZIP_ENC_NONE)
                first = eg_zip_entry_at(c->z, i);
        char el[48];
        eg_scan_finding(c->s, c->obj, EG_R_ZIP_ENCRYPTED, "%s, %zu of %zu entries encrypted",
                        enc_label(first, el, sizeof el), c->n_encrypted, eg_zip_count(c->z));
    }
    if (c->n_not_opened)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_NOT_OPENED,
                        "%zu entries not opened (%zu password candidates): %s", c->n_not_opened,
                        eg_scan_password_count(c->s), c->not_opened);
}

/* Deep ZIP-in-ZIP nesting: not expanded further. What the entries declare tells a 42.zip-style
 * bomb from an odd but plain nesting. */
static void too_deep(zctx *c, unsigned nest)
{
    uint64_t declared = 0;
    for (size_t i = 0; i < eg_zip_count(c->z); i++) {
        uint64_t u = eg_zip_entry_at(c->z, i)->usize;
        declared = declared + u < declared ? UINT64_MAX : declared + u;
    }
    if (declared / (c->obj->size ? c->obj->size : 1) >= 100 || eg_zip_get_info(c->z)->overlapping)
        eg_scan_finding(c->s, c->obj, EG_R_ARCHIVE_BOMB,
                        "ZIP nested %u levels deep inside ZIPs, declaring %llu bytes in %llu: not "
                        "expanded further",
                        nest + 1, (unsigned long long)declared, (unsigned long long)c->obj->size);
    else
        eg_scan_finding(c->s, c->obj, EG_R_LIMIT_DEPTH,
                        "ZIP nested %u levels deep inside ZIPs: not expanded further", nest + 1);
}

eg_status eg_archive_analyze_zip(eg_scan *s, const eg_object *obj)
{
    zctx c = {.s = s, .obj = obj};
    eg_zip_limits lim = {.max_entries = 65535};
    eg_status st = eg_zip_open(obj->data, obj->size, &lim, &c.z);
    if (st != EG_OK)
        return st;
    unsigned nest = zip_nesting(s, obj);
    if (nest >= MAX_ZIP_NESTING) {
        too_deep(&c, nest);
        eg_zip_free(c.z);
        return EG_OK;
    }
    layout_findings(&c);
    size_t n = eg_zip_count(c.z);
    for (size_t i = 0; i < n && !c.stop; i++) {
        if (eg_scan_timed_out(s, obj))
            break;
        do_entry(&c, i);
    }
    summary_findings(&c);
    eg_zip_free(c.z);
    return EG_OK;
}
