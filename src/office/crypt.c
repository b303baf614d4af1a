/*
 * Office document encryption (MS-OFFCRYPTO): the EncryptionInfo / EncryptedPackage pair of an
 * encrypted OOXML file. ECMA-376 standard encryption (AES-ECB, SHA-1 key derivation) and agile
 * encryption (XML descriptor, AES-CBC in 4096-byte segments, SHA-1/256/384/512) are decrypted
 * with OpenSSL when Excel's default password "VelvetSweatshop" or a password candidate from the
 * mail opens them. The data-integrity HMAC is not checked: a wrong password is already caught by
 * the verifier, and a tampered package is analysed like any other.
 *
 * The RC4 forms of .xls are decrypted by rc4.c; XOR obfuscation and the RC4 forms of .doc are only
 * detected (by cfb.c and the BIFF8 reader).
 */
#include "office/office_int.h"

#include "core/safe.h"

#include <expat.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

#define SEGMENT 4096
/* Office writes a spin count of 100 000; a much larger one only burns the scan's CPU. The key
 * derivation of all candidates of one document together gets at most SPIN_WORK hash rounds
 * (about 2 s of SHA-512 on one core): 20 candidates at Office's 100 000, 2 at 1 000 000, none
 * above. */
#define SPIN_WORK 2000000u
#define MAX_SPIN SPIN_WORK

typedef struct agile {
    /* keyData */
    uint8_t *kd_salt;
    size_t kd_salt_len;
    unsigned kd_block, kd_bits;
    char kd_hash[16];
    /* password key encryptor */
    uint8_t *salt, *vin, *vhash, *key;
    size_t salt_len, vin_len, vhash_len, key_len;
    unsigned spin, bits, block;
    char hash[16];
    bool have_key, cbc;
} agile;

static void agile_free(agile *a)
{
    free(a->kd_salt), free(a->salt), free(a->vin), free(a->vhash), free(a->key);
}

static uint8_t *b64attr(const char *v, size_t *n) { return eg_office_b64_decode(v, strlen(v), n); }

static void XMLCALL agile_start(void *ud, const XML_Char *name, const XML_Char **at)
{
    agile *a = ud;
    const char *local = strrchr(name, ':');
    local = local ? local + 1 : name;
    bool kd = !strcmp(local, "keyData");
    bool ek = !strcmp(local, "encryptedKey") && !a->have_key;
    if (!kd && !ek)
        return;
    for (size_t i = 0; at[i] && at[i + 1]; i += 2) {
        const char *k = at[i], *v = at[i + 1];
        unsigned num = (unsigned)strtoul(v, NULL, 10);
        if (kd) {
            if (!strcmp(k, "saltValue") && !a->kd_salt)
                a->kd_salt = b64attr(v, &a->kd_salt_len);
            else if (!strcmp(k, "blockSize"))
                a->kd_block = num;
            else if (!strcmp(k, "keyBits"))
                a->kd_bits = num;
            else if (!strcmp(k, "hashAlgorithm"))
                snprintf(a->kd_hash, sizeof a->kd_hash, "%s", v);
            else if (!strcmp(k, "cipherChaining"))
                a->cbc = !strcmp(v, "ChainingModeCBC");
        } else {
            if (!strcmp(k, "saltValue") && !a->salt)
                a->salt = b64attr(v, &a->salt_len);
            else if (!strcmp(k, "encryptedVerifierHashInput") && !a->vin)
                a->vin = b64attr(v, &a->vin_len);
            else if (!strcmp(k, "encryptedVerifierHashValue") && !a->vhash)
                a->vhash = b64attr(v, &a->vhash_len);
            else if (!strcmp(k, "encryptedKeyValue") && !a->key)
                a->key = b64attr(v, &a->key_len);
            else if (!strcmp(k, "spinCount"))
                a->spin = num;
            else if (!strcmp(k, "keyBits"))
                a->bits = num;
            else if (!strcmp(k, "blockSize"))
                a->block = num;
            else if (!strcmp(k, "hashAlgorithm"))
                snprintf(a->hash, sizeof a->hash, "%s", v);
        }
    }
    if (ek)
        a->have_key = true;
}

static const EVP_MD *md_by_name(const char *n)
{
    if (!strcmp(n, "SHA1") || !strcmp(n, "SHA-1"))
        return EVP_sha1();
    if (!strcmp(n, "SHA256"))
        return EVP_sha256();
    if (!strcmp(n, "SHA384"))
        return EVP_sha384();
    if (!strcmp(n, "SHA512"))
        return EVP_sha512();
    return NULL;
}

static const EVP_CIPHER *aes(unsigned bits, bool cbc)
{
    switch (bits) {
    case 128:
        return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
    case 192:
        return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
    case 256:
        return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
    default:
        return NULL;
    }
}

static bool crypt_blocks(const EVP_CIPHER *c, const uint8_t *key, const uint8_t *iv, const uint8_t *in, size_t n,
                         uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    bool ok = x && EVP_DecryptInit_ex(x, c, NULL, key, iv) && EVP_CIPHER_CTX_set_padding(x, 0) &&
              EVP_DecryptUpdate(x, out, &l1, in, (int)n) && EVP_DecryptFinal_ex(x, out + l1, &l2);
    EVP_CIPHER_CTX_free(x);
    return ok;
}

/* UTF-16LE of a UTF-8 password (BMP only, enough for passwords). */
size_t eg_office_pw_utf16(const char *pw, uint8_t *out, size_t max)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)pw;
    while (*p && n + 2 <= max) {
        unsigned cp = *p++;
        if (cp >= 0xE0 && p[0] && p[1]) {
            cp = ((cp & 0x0F) << 12) | ((unsigned)(p[0] & 0x3F) << 6) | (p[1] & 0x3F);
            p += 2;
        } else if (cp >= 0xC0 && p[0]) {
            cp = ((cp & 0x1F) << 6) | (p[0] & 0x3F);
            p++;
        }
        out[n++] = (uint8_t)cp;
        out[n++] = (uint8_t)(cp >> 8);
    }
    return n;
}

/* The spin loop hashes 4 + digest bytes 100 000 times: through EVP each round costs about 2.3x
 * the one compression it needs (context set-up per round), through nettle's plain functions
 * about 1.0x. EVP stays for a hash nettle has not. */
static const struct nettle_hash *nettle_of(const EVP_MD *md)
{
    switch (EVP_MD_get_type(md)) {
    case NID_sha1:
        return &nettle_sha1;
    case NID_sha256:
        return &nettle_sha256;
    case NID_sha384:
        return &nettle_sha384;
    case NID_sha512:
        return &nettle_sha512;
    default:
        return NULL;
    }
}

static void spin_nettle(const struct nettle_hash *nh, const uint8_t *salt, size_t slen, const uint8_t *u, size_t ul,
                        unsigned spin, uint8_t *h, unsigned *hl)
{
    union {
        struct sha1_ctx s1;
        struct sha256_ctx s256;
        struct sha512_ctx s512; /* SHA-384 too */
    } x;
    nh->init(&x);
    nh->update(&x, slen, salt);
    nh->update(&x, ul, u);
    nh->digest(&x, nh->digest_size, h); /* nettle's digest also starts the context afresh */
    for (unsigned i = 0; i < spin; i++) {
        uint8_t it[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
        nh->update(&x, 4, it);
        nh->update(&x, nh->digest_size, h);
        nh->digest(&x, nh->digest_size, h);
    }
    *hl = nh->digest_size;
    explicit_bzero(&x, sizeof x);
}

/* H0 = H(salt + pw); Hn = H(i + Hn-1) for i < spin. */
static bool spin_hash(const EVP_MD *md, const uint8_t *salt, size_t slen, const char *pw, unsigned spin, uint8_t *h,
                      unsigned *hl)
{
    uint8_t u[512];
    size_t ul = eg_office_pw_utf16(pw, u, sizeof u);
    const struct nettle_hash *nh = nettle_of(md);
    if (nh && nh->context_size <= sizeof(struct sha512_ctx) && nh->digest_size <= EVP_MAX_MD_SIZE) {
        spin_nettle(nh, salt, slen, u, ul, spin, h, hl);
        return true;
    }
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    if (!x)
        return false;
    bool ok = EVP_DigestInit_ex(x, md, NULL) && EVP_DigestUpdate(x, salt, slen) && EVP_DigestUpdate(x, u, ul) &&
              EVP_DigestFinal_ex(x, h, hl);
    for (unsigned i = 0; ok && i < spin; i++) {
        uint8_t it[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
        ok = EVP_DigestInit_ex(x, md, NULL) && EVP_DigestUpdate(x, it, 4) && EVP_DigestUpdate(x, h, *hl) &&
             EVP_DigestFinal_ex(x, h, hl);
    }
    EVP_MD_CTX_free(x);
    return ok;
}

static bool hash2(const EVP_MD *md, const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t *out, unsigned *ol)
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    bool ok = x && EVP_DigestInit_ex(x, md, NULL) && EVP_DigestUpdate(x, a, al) && EVP_DigestUpdate(x, b, bl) &&
              EVP_DigestFinal_ex(x, out, ol);
    EVP_MD_CTX_free(x);
    return ok;
}

static void fit(const uint8_t *h, unsigned hl, uint8_t *out, size_t n, uint8_t pad)
{
    for (size_t i = 0; i < n; i++)
        out[i] = i < hl ? h[i] : pad;
}

static eg_status agile_decrypt(const agile *a, const uint8_t *pkg, size_t pkg_len, const char *pw, size_t max_out,
                               uint8_t **out, size_t *out_len)
{
    static const uint8_t BK_VIN[8] = {0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79};
    static const uint8_t BK_VHASH[8] = {0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e};
    static const uint8_t BK_KEY[8] = {0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6};
    const EVP_MD *md = md_by_name(a->hash), *kmd = md_by_name(a->kd_hash);
    const EVP_CIPHER *c = aes(a->bits, true), *kc = aes(a->kd_bits, true);
    if (!md || !kmd || !c || !kc || !a->salt || !a->vin || !a->vhash || !a->key || !a->kd_salt || a->spin > MAX_SPIN ||
        a->salt_len < 16 || a->kd_salt_len < 16 || a->vin_len % 16 || a->vhash_len % 16 || a->key_len % 16 ||
        a->vin_len > 64 || a->vhash_len > 128 || a->key_len > 64)
        return EG_EUNSUPPORTED;
    uint8_t h[64], k[64], vin[64], vhash[128], key[64], hv[64];
    unsigned hl = 0, kl = 0, hvl = 0;
    size_t kbytes = a->bits / 8;
    if (!spin_hash(md, a->salt, a->salt_len, pw, a->spin, h, &hl))
        return EG_EINTERNAL;
    if (!hash2(md, h, hl, BK_VIN, 8, k, &kl))
        return EG_EINTERNAL;
    fit(k, kl, k, kbytes, 0x36);
    if (!crypt_blocks(c, k, a->salt, a->vin, a->vin_len, vin))
        return EG_ECRYPTO;
    if (!hash2(md, h, hl, BK_VHASH, 8, k, &kl))
        return EG_EINTERNAL;
    fit(k, kl, k, kbytes, 0x36);
    if (!crypt_blocks(c, k, a->salt, a->vhash, a->vhash_len, vhash))
        return EG_ECRYPTO;
    size_t vin_used = a->salt_len < a->vin_len ? a->salt_len : a->vin_len;
    if (!hash2(md, vin, vin_used, NULL, 0, hv, &hvl) || hvl > a->vhash_len || memcmp(hv, vhash, hvl))
        return EG_EPASSWORD;
    if (!hash2(md, h, hl, BK_KEY, 8, k, &kl))
        return EG_EINTERNAL;
    fit(k, kl, k, kbytes, 0x36);
    if (!crypt_blocks(c, k, a->salt, a->key, a->key_len, key))
        return EG_ECRYPTO;
    if (a->kd_bits / 8 > a->key_len)
        return EG_EFORMAT;
    /* the package: 8-byte size, then 4096-byte segments, IV = H(keyData salt + segment index) */
    if (pkg_len < 8)
        return EG_EFORMAT;
    uint64_t size = eg_rd64le(pkg);
    size_t body = pkg_len - 8;
    if (size > body)
        size = body;
    eg_status st = EG_OK;
    if (size > max_out) {
        size = max_out;
        st = EG_ELIMIT;
    }
    size_t need = (size_t)size + 16;
    uint8_t *o = malloc(need);
    if (!o)
        return EG_ENOMEM;
    size_t done = 0;
    for (uint32_t seg = 0; done < size; seg++) {
        size_t n = body - done < SEGMENT ? body - done : SEGMENT;
        n -= n % 16;
        if (!n)
            break;
        uint8_t it[4] = {(uint8_t)seg, (uint8_t)(seg >> 8), (uint8_t)(seg >> 16), (uint8_t)(seg >> 24)};
        uint8_t ivh[64], iv[16];
        unsigned ivl = 0;
        if (!hash2(kmd, a->kd_salt, a->kd_salt_len, it, 4, ivh, &ivl)) {
            free(o);
            return EG_EINTERNAL;
        }
        fit(ivh, ivl, iv, 16, 0x36);
        uint8_t tmp[SEGMENT];
        if (!crypt_blocks(kc, key, iv, pkg + 8 + done, n, tmp)) {
            free(o);
            return EG_ECRYPTO;
        }
        size_t take = size - done < n ? (size_t)(size - done) : n;
        memcpy(o + done, tmp, take);
        done += take;
    }
    *out = o;
    *out_len = done;
    return st;
}

typedef struct standard {
    uint32_t alg, alg_hash, key_bits;
    const uint8_t *salt, *ver, *vhash;
    uint32_t salt_len, vhash_size;
} standard;

static eg_status standard_parse(const uint8_t *info, size_t len, standard *sd)
{
    eg_cur c = eg_cur_make(info, len);
    eg_cur_skip(&c, 4); /* version */
    eg_cur_u32le(&c);   /* flags */
    uint32_t hsize = eg_cur_u32le(&c);
    size_t hstart = c.off;
    eg_cur_u32le(&c); /* flags */
    eg_cur_u32le(&c); /* size extra */
    sd->alg = eg_cur_u32le(&c);
    sd->alg_hash = eg_cur_u32le(&c);
    sd->key_bits = eg_cur_u32le(&c);
    if (c.err || !eg_cur_seek(&c, (uint64_t)hstart + hsize))
        return EG_EFORMAT;
    sd->salt_len = eg_cur_u32le(&c);
    if (sd->salt_len != 16)
        return EG_EFORMAT;
    sd->salt = eg_cur_take(&c, 16);
    sd->ver = eg_cur_take(&c, 16);
    sd->vhash_size = eg_cur_u32le(&c);
    sd->vhash = eg_cur_take(&c, 32);
    if (c.err)
        return EG_EFORMAT;
    if (sd->alg != 0x660E && sd->alg != 0x660F && sd->alg != 0x6610)
        return EG_EUNSUPPORTED; /* RC4 CryptoAPI */
    if (sd->key_bits == 0)
        sd->key_bits = sd->alg == 0x660E ? 128 : sd->alg == 0x660F ? 192 : 256;
    if (sd->key_bits != 128 && sd->key_bits != 192 && sd->key_bits != 256)
        return EG_EUNSUPPORTED;
    return EG_OK;
}

static eg_status standard_decrypt(const standard *sd, const uint8_t *pkg, size_t pkg_len, const char *pw,
                                  size_t max_out, uint8_t **out, size_t *out_len)
{
    const EVP_MD *sha1 = EVP_sha1();
    uint8_t h[64], x1[64], x2[64], buf[64], key[40];
    unsigned hl = 0, l1 = 0, l2 = 0;
    if (!spin_hash(sha1, sd->salt, 16, pw, 50000, h, &hl))
        return EG_EINTERNAL;
    static const uint8_t zero4[4] = {0};
    if (!hash2(sha1, h, hl, zero4, 4, h, &hl))
        return EG_EINTERNAL;
    memset(buf, 0x36, 64);
    for (unsigned i = 0; i < hl; i++)
        buf[i] ^= h[i];
    if (!hash2(sha1, buf, 64, NULL, 0, x1, &l1))
        return EG_EINTERNAL;
    memset(buf, 0x5C, 64);
    for (unsigned i = 0; i < hl; i++)
        buf[i] ^= h[i];
    if (!hash2(sha1, buf, 64, NULL, 0, x2, &l2))
        return EG_EINTERNAL;
    memcpy(key, x1, 20);
    memcpy(key + 20, x2, 20);
    const EVP_CIPHER *c = aes(sd->key_bits, false);
    uint8_t ver[16], vh[32], hv[20];
    unsigned hvl = 0;
    if (!crypt_blocks(c, key, NULL, sd->ver, 16, ver) || !crypt_blocks(c, key, NULL, sd->vhash, 32, vh))
        return EG_ECRYPTO;
    if (!hash2(sha1, ver, 16, NULL, 0, hv, &hvl) || memcmp(hv, vh, 20))
        return EG_EPASSWORD;
    if (pkg_len < 8)
        return EG_EFORMAT;
    uint64_t size = eg_rd64le(pkg);
    size_t body = (pkg_len - 8) - (pkg_len - 8) % 16;
    if (size > body)
        size = body;
    eg_status st = EG_OK;
    if (size > max_out) {
        size = max_out;
        st = EG_ELIMIT;
    }
    size_t n = ((size_t)size + 15) / 16 * 16;
    uint8_t *o = malloc(n ? n : 1);
    if (!o)
        return EG_ENOMEM;
    if (n && !crypt_blocks(c, key, NULL, pkg + 8, n, o)) {
        free(o);
        return EG_ECRYPTO;
    }
    *out = o;
    *out_len = (size_t)size;
    return st;
}

static eg_status parse_agile(const uint8_t *info, size_t len, agile *a)
{
    memset(a, 0, sizeof *a);
    if (len < 8)
        return EG_EFORMAT;
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p)
        return EG_ENOMEM;
    XML_SetUserData(p, a);
    XML_SetStartElementHandler(p, agile_start);
    bool ok = XML_Parse(p, (const char *)info + 8, (int)(len - 8 > 1u << 20 ? 1u << 20 : len - 8), 1) != XML_STATUS_ERROR;
    XML_ParserFree(p);
    if (!ok && !a->have_key)
        return EG_EFORMAT;
    return EG_OK;
}

eg_status eg_office_decrypt_with(const uint8_t *info, size_t info_len, const uint8_t *pkg, size_t pkg_len,
                                 const char *password, size_t max_out, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (info_len < 8)
        return EG_EFORMAT;
    uint16_t major = eg_rd16le(info), minor = eg_rd16le(info + 2);
    if (major == 4 && minor == 4) {
        agile a;
        eg_status st = parse_agile(info, info_len, &a);
        if (st == EG_OK)
            st = agile_decrypt(&a, pkg, pkg_len, password, max_out, out, out_len);
        agile_free(&a);
        return st;
    }
    if ((major == 2 || major == 3 || major == 4) && minor == 2) {
        standard sd;
        eg_status st = standard_parse(info, info_len, &sd);
        if (st == EG_OK)
            st = standard_decrypt(&sd, pkg, pkg_len, password, max_out, out, out_len);
        return st;
    }
    return EG_EUNSUPPORTED;
}

/* The agile spin count of info (0 for other kinds): what one candidate costs in hash rounds. */
static unsigned agile_spin(const uint8_t *info, size_t info_len)
{
    if (info_len < 8 || eg_rd16le(info) != 4 || eg_rd16le(info + 2) != 4)
        return 0;
    agile a;
    unsigned spin = parse_agile(info, info_len, &a) == EG_OK ? a.spin : 0;
    agile_free(&a);
    return spin;
}

eg_status eg_office_decrypt(eg_scan *s, const eg_object *obj, const uint8_t *info, size_t info_len,
                            const uint8_t *pkg, size_t pkg_len, uint8_t **out, size_t *out_len, eg_office_pw *pw)
{
    size_t n = eg_scan_password_count(s);
    size_t max_out = (size_t)eg_scan_budget(s);
    /* the work is bounded before the first try: spinCount x candidates */
    unsigned spin = agile_spin(info, info_len);
    size_t tries = n + 1;
    if (spin > 0 && (uint64_t)spin * tries > SPIN_WORK) {
        tries = SPIN_WORK / spin;
        eg_scan_finding(
            s, obj, EG_R_OFFICE_ENCRYPTED,
            "agile encryption with spinCount %u (Office writes 100000): %zu of %zu password "
            "candidates tried, key derivation capped at %u hash rounds",
            spin, tries, n + 1, SPIN_WORK);
        if (tries == 0)
            return EG_EPASSWORD;
    }
    for (size_t i = 0; i < tries; i++) {
        const char *value = "VelvetSweatshop", *origin = "Excel default password";
        if (i > 0) {
            const eg_password *p = eg_scan_password_at(s, i - 1);
            value = p->value;
            origin = p->origin;
        }
        if (!eg_scan_password_try(s, obj))
            return EG_EPASSWORD;
        eg_status st = eg_office_decrypt_with(info, info_len, pkg, pkg_len, value, max_out, out, out_len);
        if (st == EG_OK || st == EG_ELIMIT) {
            pw->value = value;
            pw->origin = origin;
            pw->is_default = i == 0;
            return EG_OK;
        }
        if (st != EG_EPASSWORD)
            return st;
        if (eg_scan_timed_out(s, obj))
            return EG_ETIME;
    }
    return EG_EPASSWORD;
}
