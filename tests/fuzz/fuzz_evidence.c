/* libFuzzer target: the Japanese evidence of arbitrary text. Evidence quotes what the mail holds,
 * and the text report reads back text written ahead (a kept source line, a LNK's target, a
 * list of names) by matching it against the pieces of the evidence tables: that matching and the
 * formatter must stay bounded and in bounds whatever the text. */
#include "verdict/evidence.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *t = malloc(size + 1);
    if (!t)
        return 0;
    memcpy(t, data, size);
    t[size] = 0;
    free(eg_evidence_translate(t));
    /* as an argument of templates: unquoted (translated as a phrase or piece) and quoted */
    free(eg_evidence_format_ja("%s", t));
    free(eg_evidence_format_ja("%s: %s%s", t, t, ", encrypted"));
    free(eg_evidence_format_ja("%zu entries not opened (%zu password candidates): %s", size, size, t));
    free(eg_evidence_format_ja("URL=\"%.*s\"", (int)(size / 2), t));
    free(t);
    return 0;
}
