/*
 * The project's own ZIP reader (PKWARE APPNOTE 6.3.x, WinZip AE-1/AE-2), over a borrowed memory
 * buffer. It trusts nothing: the end of central directory is searched for (junk before or after
 * is allowed and reported), every offset and size is bounds-checked, the central directory is
 * cross-checked with each local header, and overlapping entries are detected. Extraction verifies
 * what the format lets it verify (CRC-32, ZipCrypto check byte, AES password verifier and
 * HMAC-SHA1) and never produces more than the caller's cap; long zero runs can be collapsed so a
 * file padded to 500 MB costs little.
 *
 * It does not write archives, follow multi-disk sets, or decompress methods other than stored
 * and deflate (they are reported; the archive analyzer may hand them to libarchive).
 */
#ifndef EG_ARCHIVE_ZIP_H
#define EG_ARCHIVE_ZIP_H

#include "emoguard/emoguard.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct eg_zip eg_zip;

typedef enum { EG_ZIP_ENC_NONE = 0, EG_ZIP_ENC_ZIPCRYPTO, EG_ZIP_ENC_AES, EG_ZIP_ENC_OTHER } eg_zip_enc;

typedef struct eg_zip_entry {
    char *name;       /* central-directory name, raw bytes as UTF-8 when flagged or Unicode extra, else CP437/CP932 guess, sanitised */
    char *local_name; /* name in the local header (may differ: reported) */
    uint64_t csize, usize;             /* from the central directory (ZIP64 applied) */
    uint64_t local_csize, local_usize; /* from the local header (0 when a data descriptor is used) */
    uint64_t local_offset;             /* of the local header */
    uint64_t data_offset;              /* of the (encrypted) data */
    uint32_t crc;
    uint16_t method;      /* real method (for AES: from the 0x9901 extra) */
    uint16_t flags;       /* general purpose bit flags */
    eg_zip_enc enc;
    int aes_bits;         /* 128/192/256 for AES */
    int aes_version;      /* 1 = AE-1, 2 = AE-2 */
    bool is_dir;
    bool name_mismatch;   /* CD name != local name */
    bool size_mismatch;   /* CD sizes != local sizes (without data descriptor) */
    bool overlaps;        /* data range overlaps another entry's */
    bool local_bad;       /* no valid local header at local_offset: data cannot be read */
    bool unicode_extra;   /* name came from the Info-ZIP Unicode path extra (0x7075) */
    uint16_t mod_time, mod_date; /* DOS time and date (ZipCrypto uses the time with data descriptors) */
} eg_zip_entry;

typedef struct eg_zip_info {
    uint64_t prefix_bytes;   /* junk before the first local header */
    uint64_t trailing_bytes; /* junk after the end of central directory */
    bool zip64;
    bool truncated;          /* central directory cut or missing; entries found by local headers */
    bool entries_capped;     /* more entries than max_entries */
    uint32_t out_of_order;   /* entries whose data lie before a previous entry's */
    uint32_t overlapping;    /* entries flagged as overlapping */
    bool cd_encrypted;       /* central directory encryption (bit 13): names are masked */
    uint64_t declared_entries; /* entry count from the end of central directory record */
    char *comment;
} eg_zip_info;

typedef struct eg_zip_limits {
    uint32_t max_entries; /* 0 = 65535 */
} eg_zip_limits;

eg_status eg_zip_open(const uint8_t *data, size_t len, const eg_zip_limits *lim, eg_zip **out);
void eg_zip_free(eg_zip *z);
const eg_zip_info *eg_zip_get_info(const eg_zip *z);
size_t eg_zip_count(const eg_zip *z);
const eg_zip_entry *eg_zip_entry_at(const eg_zip *z, size_t i);
/* ASCII case-insensitive exact match on the central-directory name; EG_ENOTFOUND if absent. */
eg_status eg_zip_find(const eg_zip *z, const char *name, size_t *idx);

typedef struct eg_zip_extract_opts {
    const char *password;     /* NULL for unencrypted entries */
    uint64_t max_out;         /* cap on bytes written to *out; 0 = 64 MiB */
    bool collapse_zero_runs;  /* keep only the first 64 KiB of any zero run; size_true counts all */
    uint64_t max_count;       /* past max_out, keep inflating only to count size_true up to this
                               * many bytes in all; 0 = 1 GiB. Beyond it size_true is a lower bound */
    uint32_t max_ratio;       /* ratio_bomb threshold; 0 = 1000 */
    bool (*should_stop)(void *ud); /* polled between chunks (time budget); true aborts with EG_ETIME */
    void *stop_ud;
} eg_zip_extract_opts;

typedef struct eg_zip_extract_result {
    uint64_t size_true;  /* real uncompressed size (counted even past max_out while cheap) */
    bool truncated;      /* output hit max_out */
    bool collapsed;      /* zero runs were collapsed */
    bool crc_ok;         /* CRC (or AE-2 HMAC) verified */
    bool ratio_bomb;     /* size_true / csize above 1000 */
    bool count_capped;   /* stopped counting at max_count: size_true is a lower bound */
    bool data_cut;       /* the entry's data run past the end of the archive */
    bool auth_failed;    /* AES: the verifier matched but the HMAC did not (tampering, or 1 in 65536) */
    bool has_sha256;     /* sha256 is set: the whole stream was decoded and verified */
    uint8_t sha256[32];  /* SHA-256 of the whole decompressed entry, before collapsing or the cap */
} eg_zip_extract_result;

/* Extracts one entry into a malloc'd buffer (*out, *outlen; *out may be NULL when empty).
 * EG_EPASSWORD: the password is wrong (check byte, verifier, HMAC or CRC); EG_EUNSUPPORTED:
 * method not handled; EG_EFORMAT: data corrupt; EG_ELIMIT: truncated at max_out (output kept);
 * EG_ETIME: should_stop said so. An entry that is not encrypted ignores the password.
 * On EG_EFORMAT *out still holds what was decoded when the key was verified (or there was none). */
eg_status eg_zip_extract(const eg_zip *z, size_t idx, const eg_zip_extract_opts *o, uint8_t **out,
                         size_t *outlen, eg_zip_extract_result *res);

/* true for methods eg_zip_extract handles (0 stored, 8 deflate) */
bool eg_zip_method_supported(uint16_t method);
/* "stored", "deflate", "bzip2", "lzma", ... or "method N" (static or in buf) */
const char *eg_zip_method_name(uint16_t method, char *buf, size_t bufsz);

/* PBKDF2-HMAC-SHA1 (RFC 8018; zip_kdf.c) at two SHA-1 compressions per iteration. The context
 * holds the HMAC inner and outer states of one password; a block is the 20-byte T_index (index
 * from 1), so the block holding a verifier can be derived first. iter >= 1. */
typedef struct eg_pbkdf2_sha1_ctx {
    uint32_t inner[5], outer[5];
} eg_pbkdf2_sha1_ctx;

void eg_pbkdf2_sha1_key(eg_pbkdf2_sha1_ctx *k, const uint8_t *pw, size_t pwlen);
void eg_pbkdf2_sha1_block(const eg_pbkdf2_sha1_ctx *k, const uint8_t *salt, size_t saltlen, unsigned iter,
                          uint32_t index, uint8_t out[20]);
void eg_pbkdf2_sha1(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen, unsigned iter,
                    uint8_t *out, size_t outlen);

#endif
