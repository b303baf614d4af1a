/* libFuzzer target: the held-mail record parser, a format/parse round trip of what it accepted
 * (a record written back must read back the same), the postqueue -j parser and the notice
 * marker's header search over the same bytes. */
#include "notify/notify.h"
#include "quarantine/postfix.h"
#include "quarantine/quarantine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static eg_qrec r, back;
    if (eg_qrec_parse((const char *)data, size, &r) == EG_OK) {
        char *t = NULL;
        size_t n = 0;
        if (eg_qrec_format(&r, &t, &n) == EG_OK) {
            if (n > EG_QREC_MAX_BYTES || eg_qrec_parse(t, n, &back) != EG_OK ||
                strcmp(back.queue_id, r.queue_id) || back.score != r.score ||
                back.n_rcpts != r.n_rcpts || back.n_findings != r.n_findings)
                abort();
            free(t);
        }
    }
    if (size <= 1u << 20) {
        eg_pfq_entry *e = NULL;
        size_t n = 0;
        if (eg_pfq_parse((const char *)data, size, &e, &n) == EG_OK)
            free(e);
    }
    static const uint8_t key[EG_NOTIFY_KEY_LEN] = {1, 2, 3};
    (void)eg_notify_is_notice(key, data, size, 1700000000, 86400);
    return 0;
}
