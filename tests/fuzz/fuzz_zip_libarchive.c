/*
 * libFuzzer target for the libarchive path of the archive module (the reader behind unsupported
 * ZIP methods and 7z/RAR/tar/ISO/cab): hostile bytes must end in a status, within the output cap.
 * The same bytes go through the 7z count pre-check, our tar header walk, and a whole scan with
 * small limits, so the analyzer's fallbacks (zeros skipped, empty tar read as a stream, tar data
 * of directories) see them too.
 */
#include "archive/archive.h"
#include "archive/sevenzip.h"
#include "archive/tar.h"
#include "emoguard/emoguard.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static eg_scanner *scanner;

static bool on_item(void *ud, const eg_tar_item *it)
{
    size_t *n = ud;
    if (it->avail > it->size || memchr(it->name, 0, sizeof it->name) == NULL)
        abort();
    return ++*n < 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_status st = eg_archive_la_extract(data, size, "a.txt", "pw", 1u << 16, &out, &olen);
    if (olen > (1u << 16) || (st != EG_OK && st != EG_ELIMIT && st != EG_EFORMAT && out))
        abort();
    free(out);
    const char *what = NULL;
    uint64_t declared = 0;
    eg_7z_check_counts(data, size, 1u << 18, &what, &declared);
    size_t n = 0;
    eg_tar_walk(data, size, 1000, on_item, &n);
    if (!scanner) {
        eg_global_init();
        eg_options o;
        eg_options_default(&o);
        o.limits.max_cpu_ms = 2000;
        o.limits.max_object_bytes = 4u << 20;
        o.limits.max_total_bytes = 16u << 20;
        if (eg_scanner_new(&o, &scanner, NULL, 0) != EG_OK)
            return 0;
    }
    eg_scan_input in = {.source = "fuzz.7z", .data = data, .len = size};
    eg_report *r = NULL;
    if (eg_scanner_scan(scanner, &in, &r) == EG_OK)
        eg_report_free(r);
    return 0;
}
