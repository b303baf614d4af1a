/*
 * ZIP reader: stored and deflate entries, ZipCrypto and WinZip AES written by the fixture writer,
 * the output cap, zero-run collapsing and the wrong-password paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive/zip.h"
#include "archive_zipw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *pattern(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        /* text-like: compressible but not trivial */
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)("abcdefgh ijklmnop\n"[(x >> 16) % 18]);
    }
    return p;
}

static void expect_entry(eg_zip *z, size_t i, const char *pw, const uint8_t *want, size_t wlen)
{
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_opts o = {.password = pw};
    eg_zip_extract_result r;
    eg_status st = eg_zip_extract(z, i, &o, &out, &olen, &r);
    assert_int_equal(st, EG_OK);
    assert_true(r.crc_ok);
    assert_int_equal(olen, wlen);
    assert_int_equal(r.size_true, wlen);
    if (wlen)
        assert_memory_equal(out, want, wlen);
    free(out);
}

static void test_stored_and_deflate(void **state)
{
    (void)state;
    uint8_t *a = pattern(100000, 1), *b = pattern(5000, 2);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "[Content_Types].xml", .method = 8}, a, 100000);
    eg_zw_add(w, &(eg_zw_opts){.name = "word/document.xml", .method = 0}, b, 5000);
    eg_zw_add(w, &(eg_zw_opts){.name = "empty.txt", .method = 8}, "", 0);
    eg_zw_add(w, &(eg_zw_opts){.name = "dir/", .method = 0}, "", 0);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    assert_int_equal(eg_zip_count(z), 4);
    const eg_zip_info *info = eg_zip_get_info(z);
    assert_int_equal(info->prefix_bytes, 0);
    assert_int_equal(info->trailing_bytes, 0);
    assert_false(info->truncated);
    size_t idx = 99;
    assert_int_equal(eg_zip_find(z, "WORD/Document.XML", &idx), EG_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(eg_zip_find(z, "word/missing.xml", &idx), EG_ENOTFOUND);
    const eg_zip_entry *e0 = eg_zip_entry_at(z, 0);
    assert_string_equal(e0->name, "[Content_Types].xml");
    assert_int_equal(e0->method, 8);
    assert_int_equal(e0->enc, EG_ZIP_ENC_NONE);
    assert_int_equal(e0->usize, 100000);
    assert_true(e0->csize < 100000);
    assert_false(e0->name_mismatch || e0->size_mismatch || e0->overlaps);
    assert_true(eg_zip_entry_at(z, 3)->is_dir);
    expect_entry(z, 0, NULL, a, 100000);
    expect_entry(z, 1, NULL, b, 5000);
    expect_entry(z, 2, NULL, NULL, 0);
    eg_zip_free(z);
    free(zip);
    free(a);
    free(b);
}

static void test_zipcrypto(void **state)
{
    (void)state;
    uint8_t *a = pattern(70000, 3);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a.txt", .method = 8, .zipcrypto = "Ab12#xY"}, a, 70000);
    eg_zw_add(
        w, &(eg_zw_opts){.name = "b.txt", .method = 0, .zipcrypto = "Ab12#xY", .descriptor = true},
        a, 300);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    assert_int_equal(eg_zip_entry_at(z, 0)->enc, EG_ZIP_ENC_ZIPCRYPTO);
    assert_int_equal(eg_zip_entry_at(z, 1)->enc, EG_ZIP_ENC_ZIPCRYPTO);
    expect_entry(z, 0, "Ab12#xY", a, 70000);
    expect_entry(z, 1, "Ab12#xY", a, 300);
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_opts o = {0};
    assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, NULL), EG_EPASSWORD);
    assert_null(out);
    /* about 1 wrong password in 256 passes the check byte: the CRC must catch every one */
    char pw[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(pw, sizeof pw, "wrong%d", i);
        o.password = pw;
        for (size_t e = 0; e < 2; e++) {
            eg_status st = eg_zip_extract(z, e, &o, &out, &olen, NULL);
            assert_int_equal(st, EG_EPASSWORD);
            assert_null(out);
        }
    }
    eg_zip_free(z);
    free(zip);
    free(a);
}

static void test_aes_all_variants(void **state)
{
    (void)state;
    uint8_t *a = pattern(200001, 4);
    int bits[] = {128, 192, 256};
    for (int v = 1; v <= 2; v++) {
        for (int b = 0; b < 3; b++) {
            for (int m = 0; m <= 8; m += 8) {
                eg_zw *w = eg_zw_new();
                eg_zw_add(w,
                          &(eg_zw_opts){.name = "x.xlsm",
                                        .method = m,
                                        .aes = "パスワード1",
                                        .aes_bits = bits[b],
                                        .aes_version = v},
                          a, 200001);
                size_t len;
                uint8_t *zip = eg_zw_finish(w, &len);
                eg_zip *z = NULL;
                assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
                const eg_zip_entry *e = eg_zip_entry_at(z, 0);
                assert_int_equal(e->enc, EG_ZIP_ENC_AES);
                assert_int_equal(e->aes_bits, bits[b]);
                assert_int_equal(e->aes_version, v);
                assert_int_equal(e->method, m);
                expect_entry(z, 0, "パスワード1", a, 200001);
                uint8_t *out = NULL;
                size_t olen;
                eg_zip_extract_opts o = {.password = "パスワード2"};
                assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, NULL), EG_EPASSWORD);
                assert_null(out);
                /* flip one ciphertext byte: the verifier still matches, the HMAC must not */
                zip[e->data_offset + (size_t)bits[b] / 16 + 2 + 1000] ^= 1;
                eg_zip_extract_result r;
                o.password = "パスワード1";
                assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, &r), EG_EPASSWORD);
                assert_true(r.auth_failed);
                assert_null(out);
                eg_zip_free(z);
                free(zip);
            }
        }
    }
    free(a);
}

static void test_output_cap_and_zero_runs(void **state)
{
    (void)state;
    /* a document followed by 200 MB of zeros: the padding trick */
    size_t n = 200u << 20;
    uint8_t *a = calloc(1, n);
    memcpy(a, "\xd0\xcf\x11\xe0 head of the document", 26);
    memcpy(a + n - 10, "tail bytes", 10);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "invoice.doc", .method = 8, .aes = "pw", .aes_bits = 256}, a,
              n);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    assert_true(len < (1u << 20));
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_result r;
    eg_zip_extract_opts o = {.password = "pw", .collapse_zero_runs = true, .max_out = 8u << 20};
    assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, &r), EG_OK);
    assert_true(r.collapsed);
    assert_false(r.truncated);
    assert_true(r.crc_ok);
    assert_true(r.ratio_bomb);
    assert_int_equal(r.size_true, n);
    assert_true(olen < 200000);
    assert_memory_equal(out, a, 26);
    assert_memory_equal(out + olen - 10, "tail bytes", 10);
    free(out);
    /* without collapsing, the cap holds and the true size is still counted */
    o.collapse_zero_runs = false;
    o.max_out = 1u << 20;
    assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, &r), EG_ELIMIT);
    assert_int_equal(olen, 1u << 20);
    assert_true(r.truncated);
    assert_int_equal(r.size_true, n);
    free(out);
    /* counting stops at max_count */
    o.max_count = 16u << 20;
    assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, &r), EG_ELIMIT);
    assert_true(r.count_capped);
    assert_true(r.size_true >= (16u << 20) && r.size_true < n);
    free(out);
    eg_zip_free(z);
    free(zip);
    free(a);
}

static bool stop_now(void *ud)
{
    int *calls = ud;
    return ++*calls > 2;
}

static void test_should_stop(void **state)
{
    (void)state;
    size_t n = 8u << 20;
    uint8_t *a = pattern(n, 9);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "big.txt", .method = 0}, a, n);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    int calls = 0;
    eg_zip_extract_opts o = {.should_stop = stop_now, .stop_ud = &calls};
    uint8_t *out = NULL;
    size_t olen;
    assert_int_equal(eg_zip_extract(z, 0, &o, &out, &olen, NULL), EG_ETIME);
    assert_null(out);
    eg_zip_free(z);
    free(zip);
    free(a);
}

static void test_bad_crc_and_unsupported(void **state)
{
    (void)state;
    uint8_t *a = pattern(1000, 5);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "bad.txt", .method = 8, .bad_crc = true}, a, 1000);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.bz2", .method = 12}, a, 1000);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_result r;
    assert_int_equal(eg_zip_extract(z, 0, NULL, &out, &olen, &r), EG_EFORMAT);
    assert_false(r.crc_ok);
    assert_int_equal(olen, 1000); /* decoded content is kept for inspection */
    free(out);
    assert_int_equal(eg_zip_extract(z, 1, NULL, &out, &olen, NULL), EG_EUNSUPPORTED);
    char buf[16];
    assert_string_equal(eg_zip_method_name(12, buf, sizeof buf), "bzip2");
    assert_string_equal(eg_zip_method_name(77, buf, sizeof buf), "method 77");
    eg_zip_free(z);
    free(zip);
    free(a);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* 20 000 central records pointing at one local header whose name is 64 KiB of bytes no charset
 * accepts and whose extras are 16 000 empty fields: the header is read once, not once per record
 * (that took 3 ms a record). Every record still gets the local name and the name mismatch. */
static void test_shared_local_header(void **state)
{
    (void)state;
    size_t nlen = 65535, xlen = 64000, n = 20000;
    size_t lh = 30 + nlen + xlen, cd = n * (46 + 1), len = lh + cd + 22;
    uint8_t *z = calloc(1, len);
    put32(z, 0x04034b50);
    put16(z + 26, (uint16_t)nlen);
    put16(z + 28, (uint16_t)xlen);
    memset(z + 30, 0xFF, nlen);
    for (size_t i = 0; i < xlen; i += 4)
        put16(z + 30 + nlen + i, 0x5455); /* empty extra fields */
    uint8_t *c = z + lh;
    for (size_t i = 0; i < n; i++, c += 47) {
        put32(c, 0x02014b50);
        put16(c + 28, 1);
        c[46] = 'a';
    }
    put32(c, 0x06054b50);
    put16(c + 8, (uint16_t)n);
    put16(c + 10, (uint16_t)n);
    put32(c + 12, (uint32_t)cd);
    put32(c + 16, (uint32_t)lh);
    eg_zip *zz = NULL;
    eg_zip_limits lim = {.max_entries = 65535};
    assert_int_equal(eg_zip_open(z, len, &lim, &zz), EG_OK);
    assert_int_equal(eg_zip_count(zz), n);
    const eg_zip_entry *first = eg_zip_entry_at(zz, 0), *last = eg_zip_entry_at(zz, n - 1);
    assert_false(first->local_bad);
    assert_true(first->name_mismatch && last->name_mismatch);
    assert_non_null(last->local_name);
    assert_string_equal(first->local_name, last->local_name);
    assert_int_equal(last->data_offset, lh);
    eg_zip_free(zz);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_and_deflate),  cmocka_unit_test(test_zipcrypto),
        cmocka_unit_test(test_aes_all_variants),    cmocka_unit_test(test_output_cap_and_zero_runs),
        cmocka_unit_test(test_should_stop),         cmocka_unit_test(test_bad_crc_and_unsupported),
        cmocka_unit_test(test_shared_local_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
