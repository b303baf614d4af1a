/*
 * libFuzzer target: the whole pipeline on one input, as `emoguard scan` would see it (MIME front,
 * every analyzer the input reaches, verdict, JSON and text output). Limits are tightened so that
 * one input stays well under the fuzzer's time and memory limits.
 */
#include "emoguard/emoguard.h"

#include <stdint.h>
#include <stdlib.h>

static eg_scanner *sc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eg_global_init();
    eg_options opt;
    eg_options_default(&opt);
    opt.limits.max_objects = 200;
    opt.limits.max_total_bytes = 32u << 20;
    opt.limits.max_object_bytes = 8u << 20;
    opt.limits.max_cpu_ms = 2000;
    opt.limits.max_password_tries = 20;
    static const char *const pw[] = {"infected"};
    opt.passwords = pw;
    opt.n_passwords = 1;
    char err[256];
    if (eg_scanner_new(&opt, &sc, err, sizeof err) != EG_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_scan_input in = {.source = "fuzz", .data = data, .len = size};
    eg_report *r = NULL;
    if (eg_scanner_scan(sc, &in, &r) == EG_OK) {
        free(eg_report_json(r, EG_LANG_JA));
        free(eg_report_text(r, EG_LANG_EN, false));
        eg_report_free(r);
    }
    return 0;
}
