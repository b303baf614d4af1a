/* SHA-256 of a buffer (nettle) and hex formatting. */
#ifndef EG_CORE_SHA256_H
#define EG_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

void eg_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/* out must hold 2*n+1 bytes */
void eg_hex(const uint8_t *in, size_t n, char *out);

#endif
