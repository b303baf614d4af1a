/* libFuzzer target: the OOXML readers. XML input also goes to the macro-sheet reader; everything
 * is scanned whole, so a ZIP with [Content_Types].xml reaches the package analyzer (a CFB the
 * CFB/VBA/encryption analyzers, Word 2003 XML the editdata.mso reader, an RTF the RTF analyzer). */
#include "emoguard/emoguard.h"
#include "office/office.h"

#include <stddef.h>
#include <stdint.h>

static eg_scanner *scanner;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == '<') {
        eg_buf out;
        eg_buf_init(&out, 1u << 20);
        unsigned flags = 0;
        eg_xlm_xml_sheet_read(data, size, "Macro1", &out, &flags);
        eg_buf_free(&out);
    }
    if (!scanner) {
        eg_global_init();
        eg_options o;
        eg_options_default(&o);
        o.limits.max_cpu_ms = 2000;
        if (eg_scanner_new(&o, &scanner, NULL, 0) != EG_OK)
            return 0;
    }
    eg_scan_input in = {.source = "fuzz.xlsm", .data = data, .len = size};
    eg_report *r = NULL;
    if (eg_scanner_scan(scanner, &in, &r) == EG_OK)
        eg_report_free(r);
    return 0;
}
