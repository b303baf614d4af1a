/*
 * The RC4 encryption of the binary Office formats (MS-OFFCRYPTO 2.3.5 "RC4 CryptoAPI" and 2.3.6
 * "Office binary document RC4"), applied to the BIFF8 Workbook stream of an .xls as MS-XLS 2.2.10
 * describes: a FILEPASS record carries the encryption header, every record after it has its data
 * encrypted with an RC4 key stream that is re-keyed every 1024 bytes of stream offset, while
 * record headers, a few named records and the lbPlyPos field of BOUNDSHEET stay in clear.
 *
 * Excel's default password "VelvetSweatshop" is tried first (a workbook "encrypted" with it opens
 * without a prompt, which is why malicious .xls files use it), then the mail's candidates. The
 * decrypted stream is handed on as a BIFF8 child so the XLM reader sees the macros.
 *
 * RC4 itself is implemented here (a few lines): OpenSSL 3 keeps RC4 in its legacy provider, and
 * loading that provider would change the algorithms available to the whole process (milter
 * included) for one cipher. MD5 and SHA-1 come from OpenSSL EVP.
 *
 * The same key derivation serves the .doc form (cfb.c: the header at the start of the Table
 * stream, 512-byte blocks). Not done here: XOR obfuscation (reported) and the RC4 form of .ppt.
 */
#include "office/office_int.h"

#include "core/safe.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define XLS_BLOCK 1024
/* the same bound the BIFF8 reader uses */
#define MAX_RECORDS 2000000u

typedef struct rc4 {
    uint8_t s[256];
    uint8_t i, j;
} rc4;

static void rc4_init(rc4 *r, const uint8_t *key, size_t n)
{
    for (unsigned k = 0; k < 256; k++)
        r->s[k] = (uint8_t)k;
    uint8_t j = 0;
    for (unsigned k = 0; k < 256; k++) {
        j = (uint8_t)(j + r->s[k] + key[k % n]);
        uint8_t t = r->s[k];
        r->s[k] = r->s[j];
        r->s[j] = t;
    }
    r->i = r->j = 0;
}

/* XORs the next n key-stream bytes into d (d == NULL: discards them). */
static void rc4_xor(rc4 *r, uint8_t *d, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        r->i++;
        r->j = (uint8_t)(r->j + r->s[r->i]);
        uint8_t t = r->s[r->i];
        r->s[r->i] = r->s[r->j];
        r->s[r->j] = t;
        if (d)
            d[k] ^= r->s[(uint8_t)(r->s[r->i] + r->s[r->j])];
    }
}

static bool digest(const EVP_MD *md, const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t *out)
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned ol = 0;
    bool ok = x && EVP_DigestInit_ex(x, md, NULL) && EVP_DigestUpdate(x, a, al) && (!bl || EVP_DigestUpdate(x, b, bl)) &&
              EVP_DigestFinal_ex(x, out, &ol);
    EVP_MD_CTX_free(x);
    return ok;
}

eg_status eg_office_rc4_parse(const uint8_t *hdr, size_t len, eg_office_rc4_hdr *h)
{
    memset(h, 0, sizeof *h);
    eg_cur c = eg_cur_make(hdr, len);
    uint16_t major = eg_cur_u16le(&c), minor = eg_cur_u16le(&c);
    if (c.err)
        return EG_EFORMAT;
    if (major == 1 && minor == 1) { /* 2.3.6.1: salt, verifier, MD5 of the verifier */
        h->salt = eg_cur_take(&c, 16);
        h->verifier = eg_cur_take(&c, 16);
        h->vhash = eg_cur_take(&c, 16);
        h->vhash_len = 16;
        h->key_bytes = 16;
        return c.err ? EG_EFORMAT : EG_OK;
    }
    if (!(major >= 2 && major <= 4 && minor == 2))
        return EG_EUNSUPPORTED;
    /* 2.3.5.1: flags, header size, EncryptionHeader, EncryptionVerifier */
    h->cryptoapi = true;
    eg_cur_u32le(&c);
    uint32_t hsize = eg_cur_u32le(&c);
    size_t hstart = c.off;
    eg_cur_u32le(&c); /* flags */
    eg_cur_u32le(&c); /* size extra */
    uint32_t alg = eg_cur_u32le(&c), alg_hash = eg_cur_u32le(&c), bits = eg_cur_u32le(&c);
    if (c.err || hsize < 20 || !eg_cur_seek(&c, (uint64_t)hstart + hsize))
        return EG_EFORMAT;
    if ((alg != 0 && alg != 0x6801) || (alg_hash != 0 && alg_hash != 0x8004))
        return EG_EUNSUPPORTED;
    if (bits == 0)
        bits = 40;
    if (bits < 40 || bits > 128 || bits % 8)
        return EG_EUNSUPPORTED;
    h->key_bits = bits;
    h->key_bytes = bits / 8;
    if (eg_cur_u32le(&c) != 16)
        return EG_EFORMAT;
    h->salt = eg_cur_take(&c, 16);
    h->verifier = eg_cur_take(&c, 16);
    if (eg_cur_u32le(&c) != 20)
        return EG_EFORMAT;
    h->vhash = eg_cur_take(&c, 20);
    h->vhash_len = 20;
    return c.err ? EG_EFORMAT : EG_OK;
}

/* The per-block key (2.3.6.2 / 2.3.5.2); returns its length. */
static size_t block_key(const eg_office_rc4_key *k, uint32_t block, uint8_t key[20])
{
    uint8_t b[4] = {(uint8_t)block, (uint8_t)(block >> 8), (uint8_t)(block >> 16), (uint8_t)(block >> 24)};
    uint8_t h[20];
    if (!k->cryptoapi) {
        if (!digest(EVP_md5(), k->base, 5, b, 4, h))
            return 0;
        memcpy(key, h, 16);
        return 16;
    }
    if (!digest(EVP_sha1(), k->base, 20, b, 4, h))
        return 0;
    memcpy(key, h, k->key_bytes);
    if (k->key_bytes == 5) {
        /* 40-bit keys are used as 128-bit keys with 88 zero bits, as CryptoAPI does */
        memset(key + 5, 0, 11);
        return 16;
    }
    return k->key_bytes;
}

eg_status eg_office_rc4_derive(const eg_office_rc4_hdr *h, const char *password, eg_office_rc4_key *k)
{
    memset(k, 0, sizeof *k);
    k->cryptoapi = h->cryptoapi;
    k->key_bytes = h->key_bytes;
    uint8_t u[512], tmp[20];
    size_t ul = eg_office_pw_utf16(password, u, sizeof u);
    if (!h->cryptoapi) {
        /* H0 = MD5(password); H1 = MD5(16 x (H0[0..5) + salt)), truncated to 5 bytes */
        uint8_t h0[16], buf[16 * 21];
        if (!digest(EVP_md5(), u, ul, NULL, 0, h0))
            return EG_EINTERNAL;
        for (unsigned i = 0; i < 16; i++) {
            memcpy(buf + 21 * i, h0, 5);
            memcpy(buf + 21 * i + 5, h->salt, 16);
        }
        if (!digest(EVP_md5(), buf, sizeof buf, NULL, 0, tmp))
            return EG_EINTERNAL;
        memcpy(k->base, tmp, 5);
    } else if (!digest(EVP_sha1(), h->salt, 16, u, ul, k->base)) { /* H0 = SHA-1(salt + password) */
        return EG_EINTERNAL;
    }
    /* the verifier and its hash are one RC4 stream under the key of block 0 */
    uint8_t key[20], v[36], vh[20];
    size_t kl = block_key(k, 0, key);
    if (!kl)
        return EG_EINTERNAL;
    memcpy(v, h->verifier, 16);
    memcpy(v + 16, h->vhash, h->vhash_len);
    rc4 r;
    rc4_init(&r, key, kl);
    rc4_xor(&r, v, 16 + h->vhash_len);
    if (!digest(h->cryptoapi ? EVP_sha1() : EVP_md5(), v, 16, NULL, 0, vh))
        return EG_EINTERNAL;
    return memcmp(vh, v + 16, h->vhash_len) ? EG_EPASSWORD : EG_OK;
}

/* Key stream addressed by stream offset: block = off / block_size, re-keyed at each block. */
typedef struct keystream {
    const eg_office_rc4_key *k;
    size_t block_size;
    rc4 r;
    uint32_t block;
    size_t pos; /* key-stream bytes used in this block */
    bool live;
} keystream;

static bool ks_xor(keystream *ks, uint8_t *base, size_t off, size_t n)
{
    while (n) {
        uint32_t block = (uint32_t)(off / ks->block_size);
        size_t in = off % ks->block_size;
        if (!ks->live || block != ks->block || in < ks->pos) {
            uint8_t key[20];
            size_t kl = block_key(ks->k, block, key);
            if (!kl)
                return false;
            rc4_init(&ks->r, key, kl);
            ks->block = block, ks->pos = 0, ks->live = true;
        }
        rc4_xor(&ks->r, NULL, in - ks->pos);
        size_t take = ks->block_size - in < n ? ks->block_size - in : n;
        rc4_xor(&ks->r, base + off, take);
        ks->pos = in + take;
        off += take, n -= take;
    }
    return true;
}

void eg_office_rc4_apply(const eg_office_rc4_key *k, size_t block_size, uint8_t *d, size_t len, size_t from)
{
    keystream ks = {.k = k, .block_size = block_size};
    if (from < len)
        ks_xor(&ks, d, from, len - from);
}

/* Records MS-XLS 2.2.10 leaves in clear even after FILEPASS. */
static bool never_encrypted(uint16_t type)
{
    switch (type) {
    case 0x0809: /* BOF */
    case 0x002F: /* FILEPASS */
    case 0x0194: /* UsrExcl */
    case 0x0195: /* FileLock */
    case 0x00E1: /* InterfaceHdr */
    case 0x0196: /* RRDInfo */
    case 0x0138: /* RRDHead */
        return true;
    default:
        return false;
    }
}

eg_status eg_office_xls_filepass(const uint8_t *wb, size_t len, size_t *rec_off, const uint8_t **hdr, size_t *hdr_len)
{
    eg_cur c = eg_cur_make(wb, len);
    for (unsigned n = 0; eg_cur_left(&c) >= 4 && n < MAX_RECORDS; n++) {
        size_t at = c.off;
        uint16_t type = eg_cur_u16le(&c), rlen = eg_cur_u16le(&c);
        const uint8_t *d = eg_cur_take(&c, rlen);
        if (!d)
            return EG_EFORMAT;
        if (type != 0x002F)
            continue;
        if (rlen < 2)
            return EG_EFORMAT;
        *rec_off = at;
        if (eg_rd16le(d) != 1)
            return EG_EUNSUPPORTED; /* XOR obfuscation */
        *hdr = d + 2;
        *hdr_len = rlen - 2u;
        return EG_OK;
    }
    return EG_ENOTFOUND;
}

eg_status eg_office_xls_decrypt_key(const uint8_t *wb, size_t len, const eg_office_rc4_key *k, uint8_t **out)
{
    *out = NULL;
    size_t fp = 0, hl = 0;
    const uint8_t *hdr = NULL;
    eg_status st = eg_office_xls_filepass(wb, len, &fp, &hdr, &hl);
    if (st != EG_OK)
        return st;
    uint8_t *o = malloc(len ? len : 1);
    if (!o)
        return EG_ENOMEM;
    memcpy(o, wb, len);
    keystream ks = {.k = k, .block_size = XLS_BLOCK};
    size_t off = fp;
    for (unsigned n = 0; len - off >= 4 && n < MAX_RECORDS; n++) {
        uint16_t type = eg_rd16le(o + off), rlen = eg_rd16le(o + off + 2);
        size_t start = off + 4, end = len - start < rlen ? len : start + rlen;
        if (type == 0x0085) /* BOUNDSHEET: lbPlyPos stays in clear */
            start = end - start < 4 ? end : start + 4;
        if (off != fp && !never_encrypted(type) && end > start && !ks_xor(&ks, o, start, end - start)) {
            free(o);
            return EG_EINTERNAL;
        }
        off = end;
    }
    /* the FILEPASS record is blanked (type 0) so readers of the decrypted stream go on past it */
    o[fp] = o[fp + 1] = 0;
    *out = o;
    return EG_OK;
}

eg_status eg_office_xls_decrypt_with(const uint8_t *wb, size_t len, const char *password, uint8_t **out)
{
    *out = NULL;
    size_t fp = 0, hl = 0;
    const uint8_t *hdr = NULL;
    eg_status st = eg_office_xls_filepass(wb, len, &fp, &hdr, &hl);
    eg_office_rc4_hdr h;
    eg_office_rc4_key k;
    if (st == EG_OK)
        st = eg_office_rc4_parse(hdr, hl, &h);
    if (st == EG_OK)
        st = eg_office_rc4_derive(&h, password, &k);
    if (st == EG_OK)
        st = eg_office_xls_decrypt_key(wb, len, &k, out);
    return st;
}

eg_status eg_office_rc4_find_key(eg_scan *s, const eg_object *obj, const eg_office_rc4_hdr *h, eg_office_rc4_key *k,
                          eg_office_pw *pw)
{
    size_t n = eg_scan_password_count(s);
    for (size_t i = 0; i <= n; i++) {
        const char *value = "VelvetSweatshop", *origin = "Excel default password";
        if (i > 0) {
            const eg_password *p = eg_scan_password_at(s, i - 1);
            value = p->value;
            origin = p->origin;
        }
        if (!eg_scan_password_try(s, obj))
            return EG_EPASSWORD;
        eg_status st = eg_office_rc4_derive(h, value, k);
        if (st == EG_OK) {
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

void eg_office_biff8_decrypt(eg_scan *s, const eg_object *obj)
{
    const uint8_t *wb = obj->data;
    size_t len = (size_t)obj->size, fp = 0, hl = 0;
    const uint8_t *hdr = NULL;
    eg_office_rc4_hdr h = {0};
    eg_office_rc4_key k;
    eg_office_pw pw = {0};
    eg_status st = eg_office_xls_filepass(wb, len, &fp, &hdr, &hl);
    if (st == EG_EUNSUPPORTED) {
        eg_scan_finding(s, obj, EG_R_OFFICE_ENCRYPTED, "FILEPASS: BIFF8 XOR obfuscation (not decrypted)");
        return;
    }
    if (st == EG_OK)
        st = eg_office_rc4_parse(hdr, hl, &h);
    if (st == EG_OK && (obj->flags & EG_OBJ_DECRYPTED))
        st = EG_EUNSUPPORTED; /* a second FILEPASS inside what was already decrypted */
    if (st == EG_OK)
        st = eg_office_rc4_find_key(s, obj, &h, &k, &pw);
    uint8_t *out = NULL;
    if (st == EG_OK && len > eg_scan_budget(s))
        st = EG_ELIMIT;
    if (st == EG_OK)
        st = eg_office_xls_decrypt_key(wb, len, &k, &out);
    const char *kind = h.cryptoapi ? "RC4 CryptoAPI" : "RC4";
    if (st != EG_OK) {
        eg_scan_finding(s, obj, EG_R_OFFICE_ENCRYPTED, "FILEPASS: BIFF8 %s encryption: %s", kind,
                        st == EG_EPASSWORD      ? "no candidate password opened it"
                        : st == EG_EUNSUPPORTED ? "unsupported encryption header"
                                                : eg_status_str(st));
        return;
    }
    if (pw.is_default)
        eg_scan_finding(s, obj, EG_R_OFFICE_DEFAULT_PASSWORD, "VelvetSweatshop (BIFF8 %s)", kind);
    else
        eg_scan_finding(s, obj, EG_R_OFFICE_DECRYPTED, "BIFF8 %s, password from %s", kind, pw.origin ? pw.origin : "?");
    eg_child ch = {.name = obj->name ? obj->name : "Workbook", .data = out, .size = len, .owned = true,
                   .type = EG_T_BIFF8, .flags = EG_OBJ_DECRYPTED, .password = pw.value, .password_origin = pw.origin,
                   .detail = "decrypted Excel workbook stream"};
    eg_scan_add_child(s, obj, &ch, NULL);
}
