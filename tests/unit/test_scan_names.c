/* Name checks through whole scans: right-to-left override, double extensions, executable
 * extensions and content that lies about its name, on attachments of generated mails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail_builder.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static eg_report *scan_attachment(const char *name, const uint8_t *data, size_t len)
{
    eg_mb *m = eg_mb_new();
    eg_mb_header(m, "From", "a@example.jp");
    eg_mb_header(m, "To", "b@example.jp");
    eg_mb_header(m, "Subject", "files");
    eg_mb_text(m, "see attachment", EG_MB_UTF8, EG_MB_7BIT);
    eg_mb_attach(m, name, "application/octet-stream", data, len, EG_MB_NAME_2231);
    size_t n;
    char *msg = eg_mb_build(m, &n);
    eg_mb_free(m);
    eg_report *r = eg_test_scan(msg, n, NULL);
    free(msg);
    assert_non_null(r);
    return r;
}

static const uint8_t TEXT[] = "just some text\n";

static void rtlo_name(void **st)
{
    (void)st;
    eg_report *r = scan_attachment("invoice\xE2\x80\xAE" "fdp.exe", TEXT, sizeof TEXT - 1);
    assert_true(eg_test_has_rule(r, "NAME.RTLO"));
    assert_true(eg_test_has_rule(r, "NAME.EXECUTABLE_EXTENSION"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    /* the name is shown with the control made visible, never raw */
    int seen = 0;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (strstr(eg_report_object(r, i)->name, "<U+202E>"))
            seen = 1;
    assert_true(seen);
    eg_report_free(r);
}

static void double_extension_with_spaces(void **st)
{
    (void)st;
    eg_report *r = scan_attachment("請求書.pdf      .exe", TEXT, sizeof TEXT - 1);
    assert_true(eg_test_has_rule(r, "NAME.DOUBLE_EXTENSION"));
    eg_report_free(r);
    r = scan_attachment("report.v2.final.txt", TEXT, sizeof TEXT - 1);
    assert_false(eg_test_has_rule(r, "NAME.DOUBLE_EXTENSION"));
    assert_false(eg_test_has_rule(r, "NAME.EXECUTABLE_EXTENSION"));
    eg_report_free(r);
}

static void executable_named_as_document(void **st)
{
    (void)st;
    uint8_t pe[0x200] = {'M', 'Z'};
    pe[0x3C] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    eg_report *r = scan_attachment("scan_0042.pdf", pe, sizeof pe);
    assert_true(eg_test_has_rule(r, "NAME.TYPE_MISMATCH"));
    eg_report_free(r);
    /* a PDF named .pdf is fine */
    static const uint8_t pdf[] = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    r = scan_attachment("scan_0042.pdf", pdf, sizeof pdf - 1);
    assert_false(eg_test_has_rule(r, "NAME.TYPE_MISMATCH"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtlo_name),
        cmocka_unit_test(double_extension_with_spaces),
        cmocka_unit_test(executable_named_as_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
