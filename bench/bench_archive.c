/*
 * Archive benchmark: decrypt-and-inflate throughput of the ZIP reader against a floor made of
 * OpenSSL and zlib alone on the same entry bytes (the least any reader must do: PBKDF2, HMAC,
 * AES keystream, inflate and CRC into one preallocated buffer), and the cost of one wrong AES
 * password against the one PBKDF2 block it needs. The archive is built here in memory (WinZip AE-2,
 * AES-256, deflate; plus a plain deflate entry), so the run needs no tools or files.
 *
 * PBKDF2-HMAC-SHA1 is measured against its compute floor in the same run: the SHA-1 compressions
 * it cannot avoid (2 per iteration and 20-byte block; the faster of nettle's and OpenSSL's
 * compression function), beside OpenSSL's PKCS5_PBKDF2_HMAC and nettle's pbkdf2_hmac_sha1. The
 * worst case of the candidate loop, 200 wrong passwords against one AES-256 entry, is timed
 * through the reader and against what it cost before (one full OpenSSL derivation each).
 *
 *   bench_archive [MiB]     (default 64: size of the uncompressed entry)
 */
#include "archive/zip.h"

/* SHA1_Transform: the bare compression function, for the floor */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define PW "bench-password"
#define REPS 3

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* log-like text: compresses about 4:1 like real documents, not like zeros */
static uint8_t *make_text(size_t n)
{
    static const char *const words[] = {"invoice", "2024-03-01", "amount", "JPY", "customer", "order", "status=OK",
                                        "total", "tax", "\n", "ref#", "shipping", "Tokyo", "Osaka", "item"};
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    size_t i = 0;
    while (i < n) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % 15];
        char num[16];
        int k = snprintf(num, sizeof num, " %u ", (x >> 8) % 100000);
        for (const char *q = w; *q && i < n; q++)
            p[i++] = (uint8_t)*q;
        for (int j = 0; j < k && i < n; j++)
            p[i++] = (uint8_t)num[j];
    }
    return p;
}

static uint8_t *raw_deflate(const uint8_t *d, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, (uLong)n);
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)d;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static void ctr_xor(EVP_CIPHER_CTX *ctx, uint64_t *ctr, uint8_t *buf, size_t n)
{
    static uint8_t blocks[65536];
    for (size_t off = 0; off < n; off += sizeof blocks) {
        size_t m = n - off < sizeof blocks ? n - off : sizeof blocks;
        size_t nb = (m + 15) / 16;
        for (size_t b = 0; b < nb; b++) {
            uint64_t c = (*ctr)++;
            for (int i = 0; i < 8; i++)
                blocks[b * 16 + i] = (uint8_t)(c >> (8 * i));
            memset(blocks + b * 16 + 8, 0, 8);
        }
        int ol;
        EVP_EncryptUpdate(ctx, blocks, &ol, blocks, (int)(nb * 16));
        for (size_t i = 0; i < m; i++)
            buf[off + i] ^= blocks[i];
    }
}

typedef struct blob {
    uint8_t *p;
    size_t n, cap;
} blob;
static void put(blob *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void p16(blob *b, unsigned v) { put(b, (uint8_t[]){(uint8_t)v, (uint8_t)(v >> 8)}, 2); }
static void p32(blob *b, uint32_t v)
{
    put(b, (uint8_t[]){(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)}, 4);
}

/* Entry payloads kept for the floor. */
static uint8_t *g_aes_payload, *g_plain_payload, g_salt[16];
static size_t g_aes_len, g_plain_len;

static void add_entry(blob *zip, blob *cd, const char *name, bool aes, const uint8_t *data, size_t n,
                      const uint8_t *comp, size_t clen)
{
    uint32_t crc = (uint32_t)crc32(0, data, (uInt)n);
    uint8_t *payload = malloc(clen + 28);
    size_t plen = clen;
    if (aes) {
        uint8_t dk[66];
        for (int i = 0; i < 16; i++)
            g_salt[i] = (uint8_t)(i * 7 + 1);
        PKCS5_PBKDF2_HMAC(PW, (int)strlen(PW), g_salt, 16, 1000, EVP_sha1(), 66, dk);
        memcpy(payload, g_salt, 16);
        memcpy(payload + 16, dk + 64, 2);
        memcpy(payload + 18, comp, clen);
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex2(ctx, EVP_aes_256_ecb(), dk, NULL, NULL);
        EVP_CIPHER_CTX_set_padding(ctx, 0);
        uint64_t ctr = 1;
        ctr_xor(ctx, &ctr, payload + 18, clen);
        EVP_CIPHER_CTX_free(ctx);
        unsigned ml;
        uint8_t mac[20];
        HMAC(EVP_sha1(), dk + 32, 32, payload + 18, clen, mac, &ml);
        memcpy(payload + 18 + clen, mac, 10);
        plen = clen + 28;
        g_aes_payload = payload;
        g_aes_len = plen;
    } else {
        memcpy(payload, comp, clen);
        g_plain_payload = payload;
        g_plain_len = plen;
    }
    uint8_t extra[11] = {0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0};
    size_t off = zip->n, nl = strlen(name), xl = aes ? 11 : 0;
    unsigned method = aes ? 99 : 8, flags = aes ? 1 : 0;
    uint32_t scrc = aes ? 0 : crc;
    p32(zip, 0x04034b50); p16(zip, 51); p16(zip, flags); p16(zip, method); p16(zip, 0); p16(zip, 0);
    p32(zip, scrc); p32(zip, (uint32_t)plen); p32(zip, (uint32_t)n); p16(zip, (unsigned)nl); p16(zip, (unsigned)xl);
    put(zip, name, nl); put(zip, extra, xl); put(zip, payload, plen);
    p32(cd, 0x02014b50); p16(cd, 51); p16(cd, 51); p16(cd, flags); p16(cd, method); p16(cd, 0); p16(cd, 0);
    p32(cd, scrc); p32(cd, (uint32_t)plen); p32(cd, (uint32_t)n); p16(cd, (unsigned)nl); p16(cd, (unsigned)xl);
    p16(cd, 0); p16(cd, 0); p16(cd, 0); p32(cd, 0); p32(cd, (uint32_t)off);
    put(cd, name, nl); put(cd, extra, xl);
}

/* The floor: what any reader must do, with nothing else. */
static size_t floor_extract(bool aes, uint8_t *out, size_t cap)
{
    const uint8_t *p = aes ? g_aes_payload + 18 : g_plain_payload;
    size_t n = aes ? g_aes_len - 28 : g_plain_len;
    uint8_t *ct = NULL;
    if (aes) {
        uint8_t dk[66], mac[20];
        PKCS5_PBKDF2_HMAC(PW, (int)strlen(PW), g_salt, 16, 1000, EVP_sha1(), 66, dk);
        unsigned ml;
        HMAC(EVP_sha1(), dk + 32, 32, p, n, mac, &ml);
        if (memcmp(mac, p + n, 10))
            abort();
        ct = malloc(n);
        memcpy(ct, p, n);
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex2(ctx, EVP_aes_256_ecb(), dk, NULL, NULL);
        EVP_CIPHER_CTX_set_padding(ctx, 0);
        uint64_t ctr = 1;
        ctr_xor(ctx, &ctr, ct, n);
        EVP_CIPHER_CTX_free(ctx);
        p = ct;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, -15);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    inflate(&z, Z_FINISH);
    size_t got = cap - z.avail_out;
    inflateEnd(&z);
    volatile uint32_t crc = (uint32_t)crc32(0, out, (uInt)got);
    (void)crc;
    free(ct);
    return got;
}

static double best_of(double (*fn)(void *), void *ud)
{
    double best = 1e9;
    for (int i = 0; i < REPS; i++) {
        double t = fn(ud);
        if (t < best)
            best = t;
    }
    return best;
}

typedef struct run_ctx {
    eg_zip *z;
    size_t idx;
    bool aes;
    size_t n;
    uint8_t *buf;
    const char *pw;
} run_ctx;

static double time_reader(void *ud)
{
    run_ctx *c = ud;
    double t0 = now();
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_opts o = {.password = c->pw, .max_out = (uint64_t)c->n + 1};
    eg_status st = eg_zip_extract(c->z, c->idx, &o, &out, &olen, NULL);
    double t = now() - t0;
    if (c->pw && !strcmp(c->pw, PW) && (st != EG_OK || olen != c->n))
        abort();
    free(out);
    return t;
}

static double time_floor(void *ud)
{
    run_ctx *c = ud;
    double t0 = now();
    /* a fresh output buffer per entry, as any reader that hands the bytes on must allocate */
    uint8_t *buf = malloc(c->n + 1);
    size_t got = floor_extract(c->aes, buf, c->n + 1);
    free(buf);
    double t = now() - t0;
    if (got != c->n)
        abort();
    return t;
}

/* the least a wrong AES password costs: the one PBKDF2 block that holds the verifier */
static double time_pbkdf2(void *ud)
{
    (void)ud;
    uint8_t blk[20];
    eg_pbkdf2_sha1_ctx k;
    double t0 = now();
    eg_pbkdf2_sha1_key(&k, (const uint8_t *)"wrong-password", 14);
    eg_pbkdf2_sha1_block(&k, g_salt, 16, 1000, 4, blk);
    double t = now() - t0;
    *(volatile uint8_t *)blk = blk[0];
    return t;
}

/* ---- PBKDF2 against its floor ---- */

#define KDF_IT 1000
#define KDF_BLOCKS 4 /* AES-256: 66 bytes of key material */
#define CANDIDATES 200

static double time_kdf_openssl(void *ud)
{
    uint8_t dk[66];
    double t0 = now();
    PKCS5_PBKDF2_HMAC("wrong-password", 14, g_salt, 16, KDF_IT, EVP_sha1(), 66, dk);
    double t = now() - t0;
    *(volatile uint8_t *)ud = dk[0];
    return t;
}

static double time_kdf_nettle(void *ud)
{
    uint8_t dk[66];
    double t0 = now();
    pbkdf2_hmac_sha1(14, (const uint8_t *)"wrong-password", KDF_IT, 16, g_salt, 66, dk);
    double t = now() - t0;
    *(volatile uint8_t *)ud = dk[0];
    return t;
}

static double time_kdf_ours(void *ud)
{
    uint8_t dk[66];
    double t0 = now();
    eg_pbkdf2_sha1((const uint8_t *)"wrong-password", 14, g_salt, 16, KDF_IT, dk, 66);
    double t = now() - t0;
    *(volatile uint8_t *)ud = dk[0];
    return t;
}

/* the floor: 2 compressions per iteration and block, nothing else */
static double time_floor_nettle(void *ud)
{
    uint32_t st[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    uint8_t blk[64] = {1};
    double t0 = now();
    for (int i = 0; i < 2 * KDF_IT * KDF_BLOCKS; i++) {
        nettle_sha1_compress(st, blk);
        blk[0] = (uint8_t)st[0]; /* a chain, as in PBKDF2: no call can be skipped or overlapped */
    }
    double t = now() - t0;
    *(volatile uint8_t *)ud = blk[0];
    return t;
}

static double time_floor_openssl(void *ud)
{
    SHA_CTX c;
    SHA1_Init(&c);
    uint8_t blk[64] = {1};
    double t0 = now();
    for (int i = 0; i < 2 * KDF_IT * KDF_BLOCKS; i++) {
        SHA1_Transform(&c, blk);
        blk[0] = (uint8_t)c.h0;
    }
    double t = now() - t0;
    *(volatile uint8_t *)ud = blk[0];
    return t;
}

/* One pass over the candidates: each is timed through the reader and, next to it, as it cost
 * before (one full OpenSSL derivation of all 66 bytes), so that load from other processes hits
 * both sums alike. */
static void time_candidates(run_ctx *c, double *before, double *after)
{
    *before = *after = 0;
    for (int i = 0; i < CANDIDATES; i++) {
        char pw[32];
        int n = snprintf(pw, sizeof pw, "candidate-%03d", i);
        uint8_t dk[66];
        double t0 = now();
        PKCS5_PBKDF2_HMAC(pw, n, g_salt, 16, KDF_IT, EVP_sha1(), 66, dk);
        double t1 = now();
        uint8_t *out = NULL;
        size_t olen = 0;
        eg_zip_extract_opts o = {.password = pw, .max_out = (uint64_t)c->n + 1};
        eg_status st = eg_zip_extract(c->z, c->idx, &o, &out, &olen, NULL);
        double t2 = now();
        free(out);
        /* 1 in 65536 passes the verifier and is rejected by the HMAC: it still must not open */
        if (st == EG_OK)
            abort();
        *before += t1 - t0;
        *after += t2 - t1;
    }
}

static void bench_kdf(eg_zip *z, size_t n)
{
    volatile uint8_t sink = 0;
    double (*const fns[])(void *) = {time_kdf_openssl, time_kdf_nettle, time_kdf_ours, time_floor_nettle,
                                     time_floor_openssl};
    double best[5] = {1e9, 1e9, 1e9, 1e9, 1e9};
    /* interleaved so that load from other processes hits every row alike */
    for (int r = 0; r < 40; r++)
        for (int f = 0; f < 5; f++) {
            double t = best_of(fns[f], (void *)&sink);
            best[f] = t < best[f] ? t : best[f];
        }
    double fl = best[3] < best[4] ? best[3] : best[4];
    printf("\n| PBKDF2-HMAC-SHA1, %d it., 66 bytes | time | ratio to the floor (goal for emoguard <= 1.3) |\n",
           KDF_IT);
    printf("|---|---|---|\n");
    printf("| floor: %d SHA-1 compressions (%s's) | %.3f ms | 1.00 |\n", 2 * KDF_IT * KDF_BLOCKS,
           best[3] < best[4] ? "nettle" : "OpenSSL", fl * 1e3);
    printf("| emoguard (zip_kdf.c) | %.3f ms | %.2f |\n", best[2] * 1e3, best[2] / fl);
    printf("| nettle pbkdf2_hmac_sha1 | %.3f ms | %.2f |\n", best[1] * 1e3, best[1] / fl);
    printf("| OpenSSL PKCS5_PBKDF2_HMAC | %.3f ms | %.2f |\n", best[0] * 1e3, best[0] / fl);

    run_ctx c = {.z = z, .idx = 0, .aes = true, .n = n};
    double before = 1e9, after = 1e9;
    for (int r = 0; r < 5; r++) {
        double a, b;
        time_candidates(&c, &a, &b);
        before = a < before ? a : before;
        after = b < after ? b : after;
    }
    printf("\n| %d wrong candidates, one AES-256 entry | before (full OpenSSL derivation each) | emoguard reader | "
           "ratio (goal <= 0.5) |\n",
           CANDIDATES);
    printf("|---|---|---|---|\n| worst case of the candidate loop | %.1f ms | %.1f ms | %.2f |\n", before * 1e3,
           after * 1e3, after / before);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    size_t n = mib << 20;
    uint8_t *text = make_text(n);
    size_t clen;
    uint8_t *comp = raw_deflate(text, n, &clen);
    blob zip = {0}, cd = {0};
    add_entry(&zip, &cd, "aes256.txt", true, text, n, comp, clen);
    add_entry(&zip, &cd, "plain.txt", false, text, n, comp, clen);
    size_t cdoff = zip.n;
    put(&zip, cd.p, cd.n);
    p32(&zip, 0x06054b50); p16(&zip, 0); p16(&zip, 0); p16(&zip, 2); p16(&zip, 2);
    p32(&zip, (uint32_t)cd.n); p32(&zip, (uint32_t)cdoff); p16(&zip, 0);
    eg_zip *z = NULL;
    if (eg_zip_open(zip.p, zip.n, NULL, &z) != EG_OK)
        return 1;
    uint8_t *buf = malloc(n + 1);
    printf("# bench_archive: %zu MiB text entry, deflated to %.1f MiB; best of %d runs, interleaved\n", mib,
           (double)clen / (1 << 20), REPS * REPS);
    printf("| case | emoguard | floor (OpenSSL + zlib alone) | throughput | ratio (floor/ours, goal >= 0.8) |\n");
    printf("|---|---|---|---|---|\n");
    for (int aes = 1; aes >= 0; aes--) {
        run_ctx c = {.z = z, .idx = aes ? 0 : 1, .aes = aes, .n = n, .buf = buf, .pw = PW};
        /* interleaved so that load from other processes hits both sides alike */
        double ours = 1e9, fl = 1e9;
        for (int r = 0; r < REPS; r++) {
            double a = best_of(time_reader, &c), b = best_of(time_floor, &c);
            ours = a < ours ? a : ours;
            fl = b < fl ? b : fl;
        }
        printf("| %s | %.3f s | %.3f s | %.0f MiB/s | %.2f |\n", aes ? "AES-256 + deflate" : "deflate only", ours, fl,
               (double)mib / ours, fl / ours);
    }
    run_ctx w = {.z = z, .idx = 0, .aes = true, .n = n, .buf = buf, .pw = "wrong-password"};
    double wrong = 1e9, kdf = 1e9;
    for (int i = 0; i < 50; i++) {
        double a = time_reader(&w), b = time_pbkdf2(NULL);
        wrong = a < wrong ? a : wrong;
        kdf = b < kdf ? b : kdf;
    }
    printf("\n| wrong AES-256 password | one PBKDF2-HMAC-SHA1 block (1000 it., the verifier's) | ratio (goal <= 1.2) |\n");
    printf("|---|---|---|\n| %.3f ms | %.3f ms | %.2f |\n", wrong * 1e3, kdf * 1e3, wrong / kdf);
    bench_kdf(z, n);
    eg_zip_free(z);
    free(buf);
    free(zip.p);
    free(cd.p);
    free(comp);
    free(text);
    free(g_aes_payload);
    free(g_plain_payload);
    return 0;
}
