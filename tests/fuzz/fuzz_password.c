/*
 * libFuzzer target for the password extractor: arbitrary text (valid UTF-8 or not), with and
 * without fallback tokens. Every candidate must lie within limits and be non-empty.
 */
#include "mail/password.h"

#include <stdint.h>
#include <stdlib.h>

static void cb(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    size_t *count = ud;
    if (!v || n == 0 || n > 200 || prio < 0 || !origin)
        abort();
    volatile char c = v[n - 1]; /* the whole value must be readable */
    (void)c;
    (*count)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = 0;
    eg_password_extract((const char *)data, size, "body", size & 1, cb, &count);
    if (count > 100000)
        abort();
    return 0;
}
