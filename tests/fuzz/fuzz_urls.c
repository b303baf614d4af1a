/* libFuzzer target: indicator extraction and URL host parsing on arbitrary text. */
#include "text/urls.h"

#include <stdint.h>
#include <string.h>

static bool cb(void *ud, eg_ioc_kind k, const char *v, size_t n)
{
    (void)k;
    char host[256];
    eg_url_host(v, n, host, sizeof host);
    size_t *count = ud;
    (*count)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = 0;
    eg_urls_extract((const char *)data, size, cb, &count);
    return 0;
}
