/* The 7z header bounds check that runs before libarchive: real archives pass, a header that
 * declares a huge decoded size or lies outside the file is refused, and the scan says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive/sevenzip.h"
#include "archive_tools.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* A 7z whose encoded header says its decoded form is `unpack` bytes (LZMA coder). */
static size_t make_7z(uint8_t *out, uint64_t unpack)
{
    static const uint8_t sig[8] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4};
    uint8_t hdr[64];
    size_t h = 0;
    const uint8_t pre[] = {0x17, 0x06, 0x00, 0x01, 0x09, 0x10, 0x00, /* PackInfo: 1 stream of 16 */
                           0x07, 0x0B, 0x01, 0x00,                   /* UnpackInfo, 1 folder    */
                           0x01, 0x23, 0x03, 0x01, 0x01, 0x05, 0x5D, 0x00, 0x00, 0x10, 0x00,
                           0x0C, 0xFF};                               /* LZMA; 9-byte number     */
    memcpy(hdr, pre, sizeof pre);
    h = sizeof pre;
    for (int i = 0; i < 8; i++)
        hdr[h++] = (uint8_t)(unpack >> (8 * i));
    hdr[h++] = 0x00;
    hdr[h++] = 0x00;
    memcpy(out, sig, 8);
    memset(out + 8, 0, 24);
    out[12] = 16;           /* NextHeaderOffset: after 16 packed bytes */
    out[20] = (uint8_t)h;   /* NextHeaderSize */
    memset(out + 32, 0xAA, 16);
    memcpy(out + 48, hdr, h);
    return 48 + h;
}

static void declared_sizes(void **st)
{
    (void)st;
    uint8_t b[256];
    uint64_t d = 0;
    size_t n = make_7z(b, 4096);
    assert_int_equal(eg_7z_check_header(b, n, 64u << 20, &d), EG_OK);
    n = make_7z(b, 1ull << 40);
    assert_int_equal(eg_7z_check_header(b, n, 64u << 20, &d), EG_ELIMIT);
    assert_true(d == 1ull << 40);
    b[20] = 0xFF; /* header size beyond the file */
    assert_int_equal(eg_7z_check_header(b, n, 64u << 20, &d), EG_EFORMAT);
    for (size_t cut = 0; cut < n; cut++) /* cut anywhere: never reads past the end */
        eg_7z_check_header(b, cut, 64u << 20, &d);
}

static void real_archive_passes_and_scan_refuses_bomb_header(void **st)
{
    (void)st;
    if (!eg_test_have("7z"))
        skip();
    char *dir = eg_test_tmpdir("7zc");
    static const char text[] = "harmless text, harmless text, harmless text\n";
    eg_tf_file f = {"a.txt", text, sizeof text - 1};
    size_t len;
    uint8_t *z = eg_tf_make(dir, &f, 1, "7z a -mhc=on out.7z a.txt >/dev/null", "out.7z", &len);
    assert_non_null(z);
    assert_int_equal(eg_7z_check_header(z, len, 64u << 20, NULL), EG_OK);
    free(z);
    eg_test_rmrf(dir);
    free(dir);

    uint8_t b[256];
    size_t n = make_7z(b, 1ull << 40);
    eg_report *r = eg_test_scan(b, n, NULL);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_READABLE"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(declared_sizes),
        cmocka_unit_test(real_archive_passes_and_scan_refuses_bomb_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
