/*
 * Fuzz target for the Received-header reader (eg_sutil_received_from): the input is one header
 * value; the host and address it returns must be NUL-terminated, fit their buffers and hold only
 * host or address characters.
 */
#include "mail/sender_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1);
    if (!v)
        return 0;
    memcpy(v, data, size);
    v[size] = 0;
    char host[256], ip[64];
    if (eg_sutil_received_from(v, host, sizeof host, ip, sizeof ip)) {
        if (strlen(host) >= sizeof host || strlen(ip) >= sizeof ip)
            abort();
        for (const char *p = host; *p; p++)
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-._", *p))
                abort();
        for (const char *p = ip; *p; p++)
            if (!strchr("0123456789abcdef.:", *p))
                abort();
    }
    /* small buffers must not overflow either */
    char h2[4], i2[4];
    eg_sutil_received_from(v, h2, sizeof h2, i2, sizeof i2);
    free(v);
    return 0;
}
