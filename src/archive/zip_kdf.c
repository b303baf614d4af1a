/*
 * PBKDF2-HMAC-SHA1 (RFC 8018) for WinZip AES key derivation, at the cost of its compute floor:
 * two SHA-1 compressions per iteration. The HMAC inner and outer states are computed once per
 * password, and every iteration after the first is one padded block through each, made in place
 * with nettle's SHA-1 compression function (SHA-NI when the CPU has it). OpenSSL's generic
 * PKCS5_PBKDF2_HMAC costs about 2.4x this floor in context copies, cleansing and allocation.
 *
 * Blocks are independent, so a caller can derive the block holding the password verifier first
 * and reject a wrong password without deriving the rest. This file does no I/O and keeps no
 * state between calls; it does not do PBKDF2 with other hashes (Office uses its own iteration).
 */
#include "archive/zip.h"

#include <nettle/sha1.h>
#include <string.h>

/* Streaming SHA-1 from a given state: enough for keys and salts of any length. */
typedef struct sha1s {
    uint32_t st[5];
    uint8_t buf[64];
    size_t fill;
    uint64_t total; /* bytes hashed, including any prefix already in st */
} sha1s;

static const uint32_t sha1_iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
                                    0xC3D2E1F0u};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void state_out(const uint32_t st[5], uint8_t out[20])
{
    for (int i = 0; i < 5; i++)
        put_be32(out + 4 * i, st[i]);
}

static void s_update(sha1s *s, const uint8_t *p, size_t n)
{
    s->total += n;
    while (n) {
        size_t k = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->buf + s->fill, p, k);
        s->fill += k;
        p += k;
        n -= k;
        if (s->fill == 64) {
            nettle_sha1_compress(s->st, s->buf);
            s->fill = 0;
        }
    }
}

static void s_final(sha1s *s, uint8_t out[20])
{
    uint64_t bits = s->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    s_update(s, pad, padlen);
    s_update(s, len, 8);
    state_out(s->st, out);
}

void eg_pbkdf2_sha1_key(eg_pbkdf2_sha1_ctx *k, const uint8_t *pw, size_t pwlen)
{
    uint8_t key[64] = {0}, blk[64];
    if (pwlen > 64) { /* RFC 2104: a long key is replaced by its hash */
        sha1s s = {.fill = 0, .total = 0};
        memcpy(s.st, sha1_iv, sizeof s.st);
        s_update(&s, pw, pwlen);
        s_final(&s, key);
        explicit_bzero(&s, sizeof s);
    } else if (pwlen) {
        memcpy(key, pw, pwlen);
    }
    for (int i = 0; i < 64; i++)
        blk[i] = key[i] ^ 0x36;
    memcpy(k->inner, sha1_iv, sizeof k->inner);
    nettle_sha1_compress(k->inner, blk);
    for (int i = 0; i < 64; i++)
        blk[i] = key[i] ^ 0x5c;
    memcpy(k->outer, sha1_iv, sizeof k->outer);
    nettle_sha1_compress(k->outer, blk);
    explicit_bzero(key, sizeof key);
    explicit_bzero(blk, sizeof blk);
}

void eg_pbkdf2_sha1_block(const eg_pbkdf2_sha1_ctx *k, const uint8_t *salt, size_t saltlen,
                          unsigned iter, uint32_t index, uint8_t out[20])
{
    /* U1 = HMAC(P, S || INT(index)): salt of any length through the streaming hash */
    uint8_t idx[4], blk[64] = {0};
    put_be32(idx, index);
    sha1s s = {.fill = 0, .total = 64};
    memcpy(s.st, k->inner, sizeof s.st);
    s_update(&s, salt, saltlen);
    s_update(&s, idx, 4);
    s_final(&s, blk);
    memcpy(s.st, k->outer, sizeof s.st);
    s.fill = 0;
    s.total = 64;
    s_update(&s, blk, 20);
    s_final(&s, blk);
    explicit_bzero(&s, sizeof s);

    /* Ui = HMAC(P, U(i-1)): a 20-byte message after the key block is always one padded block
     * of 84 bytes in all, 672 bits; the block is reused and only its first 20 bytes change */
    uint32_t t[5], st[5];
    for (int i = 0; i < 5; i++)
        t[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
               (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
    memset(blk + 20, 0, sizeof blk - 20);
    blk[20] = 0x80;
    blk[62] = 0x02;
    blk[63] = 0xA0;
    for (unsigned it = 1; it < iter; it++) {
        memcpy(st, k->inner, sizeof st);
        nettle_sha1_compress(st, blk);
        state_out(st, blk);
        memcpy(st, k->outer, sizeof st);
        nettle_sha1_compress(st, blk);
        state_out(st, blk);
        for (int i = 0; i < 5; i++)
            t[i] ^= st[i];
    }
    state_out(t, out);
    explicit_bzero(blk, sizeof blk);
    explicit_bzero(st, sizeof st);
    explicit_bzero(t, sizeof t);
}

void eg_pbkdf2_sha1(const uint8_t *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
                    unsigned iter, uint8_t *out, size_t outlen)
{
    eg_pbkdf2_sha1_ctx k;
    eg_pbkdf2_sha1_key(&k, pw, pwlen);
    uint8_t b[20];
    for (uint32_t i = 1; outlen; i++) {
        size_t m = outlen < 20 ? outlen : 20;
        eg_pbkdf2_sha1_block(&k, salt, saltlen, iter, i, b);
        memcpy(out, b, m);
        out += m;
        outlen -= m;
    }
    explicit_bzero(b, sizeof b);
    explicit_bzero(&k, sizeof k);
}
