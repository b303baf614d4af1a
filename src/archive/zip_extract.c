/*
 * ZIP entry extraction: ZipCrypto and WinZip AES (AE-1/AE-2) decryption, stored and raw-deflate
 * data, CRC-32 and HMAC-SHA1 verification, an output cap and zero-run collapsing, and the SHA-256
 * of the whole decompressed stream (the member as sent, before any padding is removed).
 *
 * Data flows in 64 KiB chunks: ciphertext -> (HMAC) -> decrypt -> inflate -> sink. Nothing is
 * copied whole, so a 500 MB padded entry costs one pass and at most max_out bytes of memory.
 * The AES counter of WinZip is little-endian, which no OpenSSL CTR mode implements, so the
 * keystream is made by encrypting counter blocks with AES-ECB in batches.
 */
#include "archive/zip.h"
#include "archive/zip_internal.h"

#include "core/safe.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (64 * 1024) /* a multiple of 16: AES-CTR never splits a block between chunks */
#define ZERO_KEEP (64 * 1024)
#define DEFAULT_MAX_OUT (64ull << 20)
#define DEFAULT_MAX_COUNT (1ull << 30)
#define DEFAULT_MAX_RATIO 1000u
#define AES_ITERATIONS 1000
#define AES_MAC_LEN 10

/* ---- output sink: CRC, true size, cap, zero-run collapsing ---- */

typedef struct sink {
    uint8_t *buf;
    size_t len, cap;
    uint64_t max_out, max_count;
    uint64_t total, zrun;
    uint32_t crc;
    bool collapse, collapsed, truncated, full; /* full: max_count reached, stop decoding */
    EVP_MD_CTX *sha; /* every counted byte, as decompressed: the member's own hash; NULL = off */
} sink;

static size_t zero_span(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w)
            break;
        i += 8;
    }
    while (i < n && p[i] == 0)
        i++;
    return i;
}

/* the hash is given up (never wrong) when OpenSSL fails */
static void sink_sha_off(sink *k)
{
    EVP_MD_CTX_free(k->sha);
    k->sha = NULL;
}

/* Makes room for n more bytes (n <= max_out - len), growing geometrically. */
static eg_status sink_reserve(sink *k, size_t n)
{
    if (k->len + n <= k->cap)
        return EG_OK;
    size_t nc = k->cap ? k->cap : 64 * 1024;
    while (nc < k->len + n && nc < k->max_out)
        nc = nc > SIZE_MAX / 2 ? SIZE_MAX : nc * 2;
    if (nc > k->max_out)
        nc = (size_t)k->max_out;
    if (nc < k->len + n)
        nc = k->len + n;
    uint8_t *nb = realloc(k->buf, nc);
    if (!nb)
        return EG_ENOMEM;
    k->buf = nb;
    k->cap = nc;
    return EG_OK;
}

static eg_status sink_write(sink *k, const uint8_t *p, size_t n)
{
    if (n == 0)
        return EG_OK;
    if (k->len + n > k->max_out) {
        n = (size_t)(k->max_out - k->len);
        k->truncated = true;
        if (n == 0)
            return EG_OK;
    }
    eg_status st = sink_reserve(k, n);
    if (st != EG_OK)
        return st;
    memcpy(k->buf + k->len, p, n);
    k->len += n;
    return EG_OK;
}

/* The n bytes just decoded in place at buf+len: count them and collapse zero runs in place
 * (the write position never passes the read position, so memmove is enough). */
static void sink_commit(sink *k, size_t n)
{
    uint8_t *p = k->buf + k->len;
    k->crc = (uint32_t)crc32_z(k->crc, p, n);
    if (k->sha && !EVP_DigestUpdate(k->sha, p, n))
        sink_sha_off(k);
    k->total += n;
    if (k->total >= k->max_count)
        k->full = true;
    if (!k->collapse) {
        k->len += n;
        return;
    }
    size_t i = 0, w = 0;
    while (i < n) {
        const uint8_t *z = memchr(p + i, 0, n - i);
        size_t nz = z ? (size_t)(z - (p + i)) : n - i;
        if (nz) {
            k->zrun = 0;
            if (w != i)
                memmove(p + w, p + i, nz);
            w += nz;
            i += nz;
        }
        size_t zs = zero_span(p + i, n - i);
        if (zs) {
            size_t keep = k->zrun < ZERO_KEEP ? (size_t)(ZERO_KEEP - k->zrun) : 0;
            if (keep > zs)
                keep = zs;
            if (keep < zs)
                k->collapsed = true;
            if (w != i)
                memset(p + w, 0, keep);
            w += keep;
            k->zrun += zs;
            i += zs;
        }
    }
    k->len += w;
}

static eg_status sink_put(sink *k, const uint8_t *p, size_t n)
{
    k->crc = (uint32_t)crc32_z(k->crc, p, n);
    if (k->sha && !EVP_DigestUpdate(k->sha, p, n))
        sink_sha_off(k);
    k->total += n;
    if (k->total >= k->max_count)
        k->full = true;
    if (k->truncated)
        return EG_OK; /* only counting now */
    if (!k->collapse)
        return sink_write(k, p, n);
    size_t i = 0;
    while (i < n) {
        const uint8_t *z = memchr(p + i, 0, n - i);
        size_t nz = z ? (size_t)(z - (p + i)) : n - i;
        if (nz) {
            k->zrun = 0;
            eg_status st = sink_write(k, p + i, nz);
            if (st != EG_OK)
                return st;
            i += nz;
        }
        size_t zs = zero_span(p + i, n - i);
        if (zs) {
            size_t keep = k->zrun < ZERO_KEEP ? (size_t)(ZERO_KEEP - k->zrun) : 0;
            if (keep > zs)
                keep = zs;
            if (keep < zs)
                k->collapsed = true;
            eg_status st = sink_write(k, p + i, keep);
            if (st != EG_OK)
                return st;
            k->zrun += zs;
            i += zs;
        }
    }
    return EG_OK;
}

/* ---- ZipCrypto (APPNOTE 6.1) ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int j = 0; j < 8; j++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

typedef struct zc_keys {
    uint32_t k0, k1, k2;
} zc_keys;

static inline void zc_update(zc_keys *k, uint8_t c)
{
    k->k0 = crc_table[(k->k0 ^ c) & 0xff] ^ (k->k0 >> 8);
    k->k1 = (k->k1 + (k->k0 & 0xff)) * 134775813u + 1u;
    k->k2 = crc_table[(k->k2 ^ (k->k1 >> 24)) & 0xff] ^ (k->k2 >> 8);
}

static inline uint8_t zc_byte(const zc_keys *k)
{
    uint32_t t = (k->k2 | 2u) & 0xffffu; /* unsigned: t*(t^1) overflows int */
    return (uint8_t)((t * (t ^ 1u)) >> 8);
}

static void zc_init(zc_keys *k, const char *pw)
{
    pthread_once(&crc_once, crc_init);
    k->k0 = 0x12345678u;
    k->k1 = 0x23456789u;
    k->k2 = 0x34567890u;
    for (const uint8_t *p = (const uint8_t *)pw; *p; p++)
        zc_update(k, *p);
}

static void zc_decrypt(zc_keys *k, const uint8_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i] ^ zc_byte(k);
        zc_update(k, c);
        out[i] = c;
    }
}

/* ---- WinZip AES ---- */

static EVP_MAC *hmac_alg;
static pthread_once_t mac_once = PTHREAD_ONCE_INIT;

static void mac_init(void) { hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL); }

typedef struct aes_state {
    EVP_CIPHER_CTX *ctx;
    EVP_MAC_CTX *mac;
    uint64_t ctr;
    uint8_t blocks[CHUNK];
} aes_state;

static const EVP_CIPHER *aes_ecb(int bits)
{
    return bits == 128 ? EVP_aes_128_ecb() : bits == 192 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
}

static void aes_free(aes_state *a)
{
    if (!a)
        return;
    EVP_CIPHER_CTX_free(a->ctx);
    EVP_MAC_CTX_free(a->mac);
    OPENSSL_cleanse(a->blocks, sizeof a->blocks);
    free(a);
}

/* Derives the keys; EG_EPASSWORD when the 2-byte verifier does not match. */
static eg_status aes_start(int bits, const char *pw, const uint8_t *salt, const uint8_t *verifier,
                           aes_state **out)
{
    size_t klen = (size_t)bits / 8, saltlen = klen / 2;
    /* key, HMAC key and verifier: 2 * klen + 2 bytes, whole 20-byte PBKDF2 blocks (at most 4).
     * The verifier's block is derived first (AES-128/192/256: block 2/3/4, the verifier never
     * straddles two), so a wrong password costs one block, not all of them. */
    uint8_t dk[4 * 20];
    size_t vblock = 2 * klen / 20, nblocks = (2 * klen + 2 + 19) / 20;
    eg_pbkdf2_sha1_ctx k;
    eg_pbkdf2_sha1_key(&k, (const uint8_t *)pw, strlen(pw));
    eg_pbkdf2_sha1_block(&k, salt, saltlen, AES_ITERATIONS, (uint32_t)vblock + 1, dk + 20 * vblock);
    if (memcmp(dk + 2 * klen, verifier, 2) != 0) {
        OPENSSL_cleanse(&k, sizeof k);
        OPENSSL_cleanse(dk, sizeof dk);
        return EG_EPASSWORD;
    }
    for (size_t b = 0; b < nblocks; b++)
        if (b != vblock)
            eg_pbkdf2_sha1_block(&k, salt, saltlen, AES_ITERATIONS, (uint32_t)b + 1, dk + 20 * b);
    OPENSSL_cleanse(&k, sizeof k);
    pthread_once(&mac_once, mac_init);
    aes_state *a = calloc(1, sizeof *a);
    eg_status st = EG_EINTERNAL;
    if (!a) {
        st = EG_ENOMEM;
        goto out;
    }
    a->ctr = 1;
    a->ctx = EVP_CIPHER_CTX_new();
    if (!a->ctx || !EVP_EncryptInit_ex2(a->ctx, aes_ecb(bits), dk, NULL, NULL))
        goto out;
    EVP_CIPHER_CTX_set_padding(a->ctx, 0);
    OSSL_PARAM params[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0),
                            OSSL_PARAM_construct_end()};
    if (!hmac_alg || !(a->mac = EVP_MAC_CTX_new(hmac_alg)) || !EVP_MAC_init(a->mac, dk + klen, klen, params))
        goto out;
    *out = a;
    a = NULL;
    st = EG_OK;
out:
    aes_free(a);
    OPENSSL_cleanse(dk, sizeof dk);
    return st;
}

/* CTR with a little-endian 128-bit counter starting at 1; n is a multiple of 16 except at the end. */
static bool aes_ctr(aes_state *a, const uint8_t *in, uint8_t *out, size_t n)
{
    size_t nb = (n + 15) / 16;
    for (size_t b = 0; b < nb; b++) {
        uint8_t *blk = a->blocks + b * 16;
        uint64_t c = a->ctr++;
        for (int i = 0; i < 8; i++)
            blk[i] = (uint8_t)(c >> (8 * i));
        memset(blk + 8, 0, 8);
    }
    int outl = 0;
    if (!EVP_EncryptUpdate(a->ctx, a->blocks, &outl, a->blocks, (int)(nb * 16)))
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] ^ a->blocks[i];
    return true;
}

/* ---- the pipeline ---- */

typedef struct job {
    const eg_zip_entry *e;
    const eg_zip_extract_opts *o;
    sink k;
    zc_keys zc;
    aes_state *aes;
    z_stream zs;
    bool zs_live, stream_end, decode_error, stopped, mac_ok;
    bool used_plain; /* plain held decrypted bytes: wiped at the end */
    uint8_t plain[CHUNK]; /* must stay the first field not zeroed at start (see eg_zip_extract) */
    uint8_t inflated[CHUNK];
} job;

static eg_status feed_inflate(job *j, const uint8_t *p, size_t n)
{
    j->zs.next_in = (Bytef *)p;
    j->zs.avail_in = (uInt)n;
    while (!j->stream_end && !j->k.full) {
        /* below the cap, inflate straight into the output; past it, into scratch to count */
        size_t room = j->k.max_out - j->k.len;
        bool direct = !j->k.truncated && room > 0;
        size_t want = direct ? (room < CHUNK ? room : CHUNK) : CHUNK;
        if (direct) {
            eg_status st = sink_reserve(&j->k, want);
            if (st != EG_OK)
                return st;
        }
        j->zs.next_out = direct ? j->k.buf + j->k.len : j->inflated;
        j->zs.avail_out = (uInt)want;
        int r = inflate(&j->zs, Z_NO_FLUSH);
        size_t got = want - j->zs.avail_out;
        if (got && direct) {
            sink_commit(&j->k, got);
        } else if (got) {
            j->k.truncated = true;
            eg_status st = sink_put(&j->k, j->inflated, got);
            if (st != EG_OK)
                return st;
        }
        if (r == Z_STREAM_END) {
            j->stream_end = true;
        } else if (r == Z_BUF_ERROR) {
            break; /* needs more input */
        } else if (r != Z_OK) {
            j->decode_error = true;
            break;
        } else if (j->zs.avail_in == 0 && j->zs.avail_out != 0) {
            break;
        }
    }
    return EG_OK;
}

/* Runs ciphertext [p, p+n) through decrypt and decode. */
static eg_status run(job *j, const uint8_t *p, size_t n)
{
    bool decoding = true;
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        const uint8_t *in = p + off;
        if (j->o->should_stop && j->o->should_stop(j->o->stop_ud)) {
            j->stopped = true;
            return EG_ETIME;
        }
        if (j->aes && !EVP_MAC_update(j->aes->mac, in, m))
            return EG_EINTERNAL;
        if (!decoding)
            continue; /* only the HMAC still needs the rest */
        const uint8_t *plain = in;
        if (j->aes) {
            if (!aes_ctr(j->aes, in, j->plain, m))
                return EG_EINTERNAL;
            plain = j->plain;
        } else if (j->e->enc == EG_ZIP_ENC_ZIPCRYPTO) {
            zc_decrypt(&j->zc, in, j->plain, m);
            plain = j->plain;
        }
        eg_status st = j->e->method == 8 ? feed_inflate(j, plain, m) : sink_put(&j->k, plain, m);
        if (st != EG_OK)
            return st;
        if (j->stream_end || j->decode_error || j->k.full)
            decoding = false;
    }
    return EG_OK;
}

static bool aes_mac_check(job *j, const uint8_t *stored)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t ml = 0;
    if (!EVP_MAC_final(j->aes->mac, mac, &ml, sizeof mac) || ml < AES_MAC_LEN)
        return false;
    return CRYPTO_memcmp(mac, stored, AES_MAC_LEN) == 0;
}

/* Sets up decryption; on return p and n cover the payload and mac the stored HMAC (AES). */
static eg_status start_crypto(job *j, const char *pw, const uint8_t **p, size_t *n, const uint8_t **mac,
                              bool cut)
{
    const eg_zip_entry *e = j->e;
    if (e->enc == EG_ZIP_ENC_NONE)
        return EG_OK;
    if (!pw)
        return EG_EPASSWORD;
    if (e->enc == EG_ZIP_ENC_ZIPCRYPTO) {
        if (*n < 12)
            return EG_EFORMAT;
        uint8_t hdr[12];
        zc_init(&j->zc, pw);
        zc_decrypt(&j->zc, *p, hdr, 12);
        uint8_t want_crc = (uint8_t)(e->crc >> 24), want_time = (uint8_t)(e->mod_time >> 8);
        /* with a data descriptor the check byte is the time's high byte (Info-ZIP) or still the CRC's */
        if (hdr[11] != want_crc && !((e->flags & 8u) && hdr[11] == want_time))
            return EG_EPASSWORD;
        *p += 12;
        *n -= 12;
        return EG_OK;
    }
    size_t saltlen = (size_t)e->aes_bits / 16;
    if (*n < saltlen + 2 + (cut ? 0 : AES_MAC_LEN))
        return EG_EFORMAT;
    eg_status st = aes_start(e->aes_bits, pw, *p, *p + saltlen, &j->aes);
    if (st != EG_OK)
        return st;
    size_t body = *n - saltlen - 2 - (cut ? 0 : AES_MAC_LEN);
    *mac = cut ? NULL : *p + saltlen + 2 + body;
    *p += saltlen + 2;
    *n = body;
    return EG_OK;
}

/* The final status from what the pipeline saw. */
static eg_status judge(job *j, eg_zip_extract_result *res, bool cut, const uint8_t *mac)
{
    const eg_zip_entry *e = j->e;
    bool encrypted = e->enc != EG_ZIP_ENC_NONE;
    bool complete = !j->k.full && (e->method == 0 || j->stream_end);
    bool hmac_ok = false;
    if (j->aes) {
        hmac_ok = mac && aes_mac_check(j, mac);
        res->auth_failed = !hmac_ok && !cut;
        if (!hmac_ok)
            return cut ? EG_EFORMAT : EG_EPASSWORD;
    }
    if (j->decode_error || (!complete && !j->k.full)) {
        if (encrypted && !j->aes && !cut)
            return EG_EPASSWORD; /* a ZipCrypto key that passed the check byte by chance */
        return EG_EFORMAT;
    }
    if (complete) {
        bool crc_match = j->k.crc == e->crc;
        if (e->enc == EG_ZIP_ENC_AES && e->aes_version == 2)
            res->crc_ok = hmac_ok;
        else
            res->crc_ok = crc_match && (!j->aes || hmac_ok);
        if (!res->crc_ok)
            return e->enc == EG_ZIP_ENC_ZIPCRYPTO ? EG_EPASSWORD : EG_EFORMAT;
    } else {
        res->count_capped = true;
        res->crc_ok = j->aes && e->aes_version == 2 && hmac_ok;
    }
    if (cut)
        return EG_EFORMAT;
    return j->k.truncated ? EG_ELIMIT : EG_OK;
}

eg_status eg_zip_extract(const eg_zip *z, size_t idx, const eg_zip_extract_opts *o, uint8_t **out,
                         size_t *outlen, eg_zip_extract_result *res)
{
    static const eg_zip_extract_opts defaults = {0};
    eg_zip_extract_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (!z || !out || !outlen || idx >= z->n)
        return EG_EINVAL;
    *out = NULL;
    *outlen = 0;
    if (!o)
        o = &defaults;
    const eg_zip_entry *e = &z->e[idx];
    if (e->local_bad)
        return EG_EFORMAT;
    if (e->enc == EG_ZIP_ENC_OTHER || !eg_zip_method_supported(e->method))
        return EG_EUNSUPPORTED;
    if (e->data_offset > z->len)
        return EG_EFORMAT;
    size_t avail = z->len - (size_t)e->data_offset;
    bool cut = e->csize > avail;
    size_t n = cut ? avail : (size_t)e->csize;
    res->data_cut = cut;
    const uint8_t *p = z->data + e->data_offset;

    /* the two chunk buffers (128 KiB) are written before they are read: not zeroed, so that a
     * wrong password costs its key derivation and little else */
    job *j = malloc(sizeof *j);
    if (!j)
        return EG_ENOMEM;
    memset(j, 0, offsetof(job, plain));
    j->e = e;
    j->o = o;
    j->k.max_out = o->max_out ? o->max_out : DEFAULT_MAX_OUT;
    if (j->k.max_out > SIZE_MAX / 2)
        j->k.max_out = SIZE_MAX / 2;
    j->k.max_count = o->max_count ? o->max_count : DEFAULT_MAX_COUNT;
    if (j->k.max_count < j->k.max_out)
        j->k.max_count = j->k.max_out + 1;
    j->k.collapse = o->collapse_zero_runs;
    /* one allocation for honest entries; a lying size costs at most deflate's ratio of the data */
    uint64_t pre = e->usize < j->k.max_out ? e->usize : j->k.max_out;
    uint64_t plausible = (uint64_t)n * 1032 + CHUNK;
    if (pre > plausible)
        pre = plausible;
    if (pre > (256ull << 20))
        pre = 256ull << 20;
    /* hashed while counting: the stream is read once anyway, and the kept bytes may differ */
    j->k.sha = EVP_MD_CTX_new();
    if (j->k.sha && !EVP_DigestInit_ex(j->k.sha, EVP_sha256(), NULL))
        sink_sha_off(&j->k);
    const uint8_t *mac = NULL;
    eg_status st = start_crypto(j, o->password, &p, &n, &mac, cut); /* the password first */
    if (st == EG_OK && pre && sink_reserve(&j->k, (size_t)pre) != EG_OK)
        st = EG_ENOMEM;
    if (st == EG_OK && e->method == 8) {
        if (inflateInit2(&j->zs, -15) != Z_OK)
            st = EG_ENOMEM;
        else
            j->zs_live = true;
    }
    if (st == EG_OK) {
        j->used_plain = j->e->enc != EG_ZIP_ENC_NONE;
        st = run(j, p, n);
    }
    if (st == EG_OK)
        st = judge(j, res, cut, mac);
    res->size_true = j->k.total;
    /* the member's hash only when every byte of it went through: complete and verified */
    unsigned int hl = 0;
    if (j->k.sha && (st == EG_OK || st == EG_ELIMIT) && !res->count_capped && res->crc_ok &&
        EVP_DigestFinal_ex(j->k.sha, res->sha256, &hl) && hl == sizeof res->sha256)
        res->has_sha256 = true;
    sink_sha_off(&j->k);
    res->truncated = j->k.truncated;
    res->collapsed = j->k.collapsed;
    uint32_t ratio = o->max_ratio ? o->max_ratio : DEFAULT_MAX_RATIO;
    res->ratio_bomb = j->k.total / (e->csize ? e->csize : 1) > ratio;
    bool keep = st == EG_OK || st == EG_ELIMIT || (st == EG_EFORMAT && (e->enc == EG_ZIP_ENC_NONE || j->aes));
    if (keep && j->k.len) {
        *out = j->k.buf;
        *outlen = j->k.len;
    } else {
        free(j->k.buf);
    }
    if (j->zs_live)
        inflateEnd(&j->zs);
    aes_free(j->aes);
    OPENSSL_cleanse(&j->zc, sizeof j->zc);
    if (j->used_plain)
        OPENSSL_cleanse(j->plain, sizeof j->plain);
    free(j);
    return st;
}
