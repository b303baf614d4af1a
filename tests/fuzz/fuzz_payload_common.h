/* Shared set-up of the payload fuzz targets: one scanner with tight limits, and a scan of a
 * buffer under a chosen name (the name decides script classification). */
#ifndef EG_FUZZ_PAYLOAD_COMMON_H
#define EG_FUZZ_PAYLOAD_COMMON_H

#include "emoguard/emoguard.h"

#include <stdlib.h>

static eg_scanner *fz_scanner(void)
{
    static eg_scanner *sc;
    if (!sc) {
        eg_global_init();
        eg_options opt;
        eg_options_default(&opt);
        opt.limits.max_objects = 100;
        opt.limits.max_total_bytes = 16u << 20;
        opt.limits.max_object_bytes = 4u << 20;
        opt.limits.max_cpu_ms = 2000;
        char err[256];
        if (eg_scanner_new(&opt, &sc, err, sizeof err) != EG_OK)
            abort();
    }
    return sc;
}

static void fz_scan(const uint8_t *data, size_t size, const char *name)
{
    eg_scan_input in = {.source = name, .data = data, .len = size};
    eg_report *r = NULL;
    if (eg_scanner_scan(fz_scanner(), &in, &r) == EG_OK) {
        free(eg_report_text(r, EG_LANG_EN, false));
        eg_report_free(r);
    }
}

#endif
