/*
 * libFuzzer target for the MIME front: the input is scanned as a mail (mail analyzer, its text,
 * HTML, attachments, nested messages, uuencode, TNEF), and also read by the batch-level helpers
 * (mbox split, the pairing summary), the TNEF reader and the compressed-RTF decoder directly.
 */
#include "emoguard/emoguard.h"
#include "mail/brief.h"
#include "mail/mailbox.h"
#include "mail/tnef.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static eg_scanner *sc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eg_global_init();
    eg_options opt;
    eg_options_default(&opt);
    opt.limits.max_objects = 200;
    opt.limits.max_total_bytes = 16u << 20;
    opt.limits.max_object_bytes = 4u << 20;
    opt.limits.max_cpu_ms = 2000;
    opt.limits.max_password_tries = 10;
    if (eg_scanner_new(&opt, &sc, NULL, 0) != EG_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a header block in front makes most inputs reach the mail analyzer */
    static const char hdr[] = "From: a@example.jp\nSubject: f\nMIME-Version: 1.0\n";
    uint8_t *m = malloc(sizeof hdr - 1 + size + 1);
    if (!m)
        return 0;
    memcpy(m, hdr, sizeof hdr - 1);
    memcpy(m + sizeof hdr - 1, data, size);
    eg_scan_input in = {.source = "fuzz.eml", .data = m, .len = sizeof hdr - 1 + size};
    eg_report *r = NULL;
    if (eg_scanner_scan(sc, &in, &r) == EG_OK)
        eg_report_free(r);

    eg_mail_brief b;
    if (eg_mail_brief_read(data, size, size & 1, &b) == EG_OK)
        eg_mail_brief_free(&b);
    eg_mbox_msg *msgs = NULL;
    size_t n = 0;
    eg_mbox_split(data, size, 50, &msgs, &n);
    eg_mbox_free(msgs, n);
    eg_tnef t;
    if (size >= 4) {
        memcpy(m, "\x78\x9F\x3E\x22", 4); /* the TNEF signature on the same bytes */
        memcpy(m + 4, data + 4, size - 4);
        if (eg_tnef_parse(m, size, 100, &t) == EG_OK)
            eg_tnef_free(&t);
    }
    uint8_t *rtf = NULL;
    size_t rn;
    eg_tnef_rtf_decompress(data, size, 1u << 20, &rtf, &rn);
    free(rtf);
    free(m);
    return 0;
}
