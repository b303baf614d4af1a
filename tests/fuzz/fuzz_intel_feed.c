/* libFuzzer target: IOC feed parsing (format detection, CSV, every indicator normal form) and
 * lookups of each parsed line against the set just built. */
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/iocset.h"

#include <stdint.h>
#include <string.h>

static void lookup_lines(const eg_iocset *set, const uint8_t *data, size_t size)
{
    size_t start = 0;
    for (size_t i = 0; i <= size && i - start < 4096; i++) {
        if (i == size || data[i] == '\n') {
            eg_ikey k;
            if (eg_ikey_guess((const char *)data + start, i - start, &k)) {
                eg_ioc_hit h;
                char buf[300], host[300];
                bool ip;
                unsigned port;
                eg_iocset_find(set, &k, &h);
                eg_ikey_format(&k, buf, sizeof buf);
                eg_ikey_url_host(&k, host, sizeof host, &ip, &port);
            }
            start = i + 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    lim.max_record = 4096;
    lim.max_entries = 10000;
    eg_iocset *set;
    if (eg_iocset_new(lim.max_entries, &set) != EG_OK)
        return 0;
    eg_feed_ctx c = {set, 0, "fuzz", NULL, 0, &lim, NULL, NULL};
    eg_feed_stats st;
    eg_feed_parse(&c, data, size, &st);
    lookup_lines(set, data, size);
    eg_iocset_free(set);
    return 0;
}
