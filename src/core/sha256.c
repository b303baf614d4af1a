/* SHA-256 through nettle (SHA-NI when the CPU has it, ~1.3 GB/s here, like OpenSSL's) and hex
 * formatting. Not OpenSSL: its first digest sets up the provider tables (about 2 ms of a 16 ms
 * start), which a scan of ordinary mail then never needs, and each EVP call fetches the
 * implementation again (0.5 µs more per small object). */
#include "core/sha256.h"

#include <nettle/sha2.h>

void eg_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    struct sha256_ctx c;
    sha256_init(&c);
    if (data && len)
        sha256_update(&c, len, data);
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

void eg_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = 0;
}
