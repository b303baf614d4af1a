/*
 * ZIP reader against hostile layouts made by the fixture writer: junk before and after, name and
 * size mismatches, overlapping entries, ZIP64, 65,535 entries, truncated archives, Unicode and
 * CP932 names, random damage.
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

static eg_zip *open_ok(const uint8_t *zip, size_t len)
{
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    assert_non_null(z);
    return z;
}

static void expect_content(eg_zip *z, size_t i, const char *want)
{
    uint8_t *out = NULL;
    size_t olen = 0;
    eg_zip_extract_result r;
    assert_int_equal(eg_zip_extract(z, i, NULL, &out, &olen, &r), EG_OK);
    assert_int_equal(olen, strlen(want));
    assert_memory_equal(out, want, olen);
    free(out);
}

static void test_prefix_and_trailer(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    uint8_t junk[5000];
    memset(junk, 'G', sizeof junk);
    memcpy(junk, "GIF89a", 6);
    eg_zw_prefix(w, junk, sizeof junk);
    eg_zw_add(w, &(eg_zw_opts){.name = "a.js", .method = 8}, "WScript.Shell", 13);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.txt", .method = 0}, "hello", 5);
    eg_zw_trailer(w, "trailing junk", 13);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    const eg_zip_info *in = eg_zip_get_info(z);
    assert_int_equal(in->prefix_bytes, 5000);
    assert_int_equal(in->trailing_bytes, 13);
    assert_int_equal(eg_zip_count(z), 2);
    expect_content(z, 0, "WScript.Shell");
    expect_content(z, 1, "hello");
    eg_zip_free(z);
    free(zip);
}

static void test_name_and_size_mismatch(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "invoice.pdf", .local_name = "evil.exe", .method = 0}, "MZ", 2);
    eg_zw_add(w, &(eg_zw_opts){.name = "liar.txt", .method = 8, .cd_usize = 100}, "0123456789012345678901234567890123456789", 40);
    eg_zw_add(w, &(eg_zw_opts){.name = "liar2.txt", .method = 0, .local_usize = 7}, "abc", 3);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    const eg_zip_entry *e = eg_zip_entry_at(z, 0);
    assert_true(e->name_mismatch);
    assert_string_equal(e->name, "invoice.pdf");
    assert_string_equal(e->local_name, "evil.exe");
    expect_content(z, 0, "MZ");
    e = eg_zip_entry_at(z, 1);
    assert_false(e->name_mismatch);
    assert_int_equal(e->usize, 100);
    /* the declared size lies: the true size comes from the data */
    uint8_t *out = NULL;
    size_t olen;
    eg_zip_extract_result r;
    assert_int_equal(eg_zip_extract(z, 1, NULL, &out, &olen, &r), EG_OK);
    assert_int_equal(r.size_true, 40);
    free(out);
    assert_true(eg_zip_entry_at(z, 2)->size_mismatch);
    eg_zip_free(z);
    free(zip);
}

static void test_overlap_bomb(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    uint8_t *zeros = calloc(1, n);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "0", .method = 8}, zeros, n);
    char name[16];
    for (int i = 1; i < 1000; i++) {
        snprintf(name, sizeof name, "%d", i);
        eg_zw_alias(w, 0, name);
    }
    eg_zw_add(w, &(eg_zw_opts){.name = "separate.txt", .method = 0}, "x", 1);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_int_equal(eg_zip_count(z), 1001);
    assert_int_equal(eg_zip_get_info(z)->overlapping, 1000);
    assert_true(eg_zip_entry_at(z, 0)->overlaps);
    assert_true(eg_zip_entry_at(z, 999)->overlaps);
    assert_false(eg_zip_entry_at(z, 1000)->overlaps);
    assert_int_equal(eg_zip_get_info(z)->out_of_order, 0);
    eg_zip_free(z);
    free(zip);
    free(zeros);
}

static void test_zip64(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a.txt", .method = 8, .zip64 = true}, "zip64 content", 13);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.txt", .method = 0, .zip64 = true, .zipcrypto = "pw"}, "second", 6);
    eg_zw_zip64_end(w, true);
    eg_zw_prefix(w, "", 0);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_true(eg_zip_get_info(z)->zip64);
    assert_int_equal(eg_zip_count(z), 2);
    assert_int_equal(eg_zip_entry_at(z, 0)->usize, 13);
    assert_false(eg_zip_entry_at(z, 0)->size_mismatch);
    expect_content(z, 0, "zip64 content");
    uint8_t *out = NULL;
    size_t olen;
    assert_int_equal(eg_zip_extract(z, 1, &(eg_zip_extract_opts){.password = "pw"}, &out, &olen, NULL), EG_OK);
    assert_memory_equal(out, "second", 6);
    free(out);
    eg_zip_free(z);
    free(zip);
}

static void test_65535_entries(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    char name[32];
    for (int i = 0; i < 65535 + 10; i++) {
        snprintf(name, sizeof name, "f%05d.txt", i);
        eg_zw_add(w, &(eg_zw_opts){.name = name, .method = 0}, name, 1);
    }
    eg_zw_zip64_end(w, true);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_int_equal(eg_zip_count(z), 65535);
    assert_true(eg_zip_get_info(z)->entries_capped);
    assert_string_equal(eg_zip_entry_at(z, 65534)->name, "f65534.txt");
    expect_content(z, 65534, "f");
    eg_zip_free(z);
    eg_zip_limits lim = {.max_entries = 100};
    assert_int_equal(eg_zip_open(zip, len, &lim, &z), EG_OK);
    assert_int_equal(eg_zip_count(z), 100);
    assert_true(eg_zip_get_info(z)->entries_capped);
    eg_zip_free(z);
    free(zip);
}

static void test_truncated_archive(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "first.txt", .method = 8}, "first entry content", 19);
    eg_zw_add(w, &(eg_zw_opts){.name = "second.txt", .method = 0, .descriptor = true}, "second entry", 12);
    eg_zw_add(w, &(eg_zw_opts){.name = "third.txt", .method = 0}, "third entry content is long enough", 34);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    /* cut inside the third entry's data: no central directory survives */
    size_t cut = 0;
    for (size_t i = 0; i + 5 < len; i++)
        if (!memcmp(zip + i, "third entry", 11)) {
            cut = i + 10;
            break;
        }
    assert_true(cut > 0);
    eg_zip *z = open_ok(zip, cut);
    assert_true(eg_zip_get_info(z)->truncated);
    assert_int_equal(eg_zip_count(z), 3);
    assert_string_equal(eg_zip_entry_at(z, 0)->name, "first.txt");
    expect_content(z, 0, "first entry content");
    uint8_t *out = NULL;
    size_t olen;
    eg_zip_extract_result r;
    assert_int_equal(eg_zip_extract(z, 2, NULL, &out, &olen, &r), EG_EFORMAT);
    assert_true(r.data_cut);
    free(out);
    eg_zip_free(z);
    /* not a zip at all */
    assert_int_equal(eg_zip_open((const uint8_t *)"hello world, no archive here", 28, NULL, &z), EG_EFORMAT);
    assert_null(z);
    assert_int_equal(eg_zip_open(NULL, 0, NULL, &z), EG_EFORMAT);
    free(zip);
}

static void test_names(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    /* "請求書.xlsm" in CP932, with and without the Unicode path extra */
    const char sjis[] = "\x90\xbf\x8b\x81\x8f\x91.xlsm";
    eg_zw_add(w, &(eg_zw_opts){.name = sjis, .method = 0}, "a", 1);
    eg_zw_add(w, &(eg_zw_opts){.name = "raw.bin", .unicode_path = "見積書.doc", .method = 0}, "b", 1);
    eg_zw_add(w, &(eg_zw_opts){.name = "注文書.lnk", .utf8_flag = true, .method = 0}, "c", 1);
    eg_zw_add(w, &(eg_zw_opts){.name = "a\x1b[31m.txt", .method = 0}, "d", 1);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_string_equal(eg_zip_entry_at(z, 0)->name, "請求書.xlsm");
    assert_string_equal(eg_zip_entry_at(z, 1)->name, "見積書.doc");
    assert_true(eg_zip_entry_at(z, 1)->unicode_extra);
    assert_string_equal(eg_zip_entry_at(z, 2)->name, "注文書.lnk");
    assert_null(strchr(eg_zip_entry_at(z, 3)->name, '\x1b'));
    eg_zip_free(z);
    free(zip);
}

static void test_out_of_order(void **state)
{
    (void)state;
    /* aliases listed after a later entry point back to an earlier offset */
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a", .method = 0}, "A", 1);
    eg_zw_add(w, &(eg_zw_opts){.name = "b", .method = 0}, "B", 1);
    eg_zw_alias(w, 0, "c");
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_int_equal(eg_zip_get_info(z)->out_of_order, 1);
    assert_true(eg_zip_entry_at(z, 2)->overlaps);
    assert_false(eg_zip_entry_at(z, 1)->overlaps);
    eg_zip_free(z);
    free(zip);
}

static void test_masked_names_flag(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "00000001", .method = 0, .zipcrypto = "pw", .extra_flags = 1u << 13}, "x", 1);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_zip *z = open_ok(zip, len);
    assert_true(eg_zip_get_info(z)->cd_encrypted);
    eg_zip_free(z);
    free(zip);
}

/* Random damage must never crash or read out of bounds (run under ASan in CI). */
static void test_random_damage(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a.txt", .method = 8, .zipcrypto = "pw"}, "some content here, some content", 31);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.txt", .method = 8, .aes = "pw", .aes_bits = 128}, "more content", 12);
    eg_zw_add(w, &(eg_zw_opts){.name = "c.txt", .method = 0, .zip64 = true}, "zip64", 5);
    eg_zw_zip64_end(w, true);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    uint8_t *m = malloc(len);
    uint32_t x = 12345;
    for (int round = 0; round < 3000; round++) {
        memcpy(m, zip, len);
        int flips = 1 + round % 8;
        for (int f = 0; f < flips; f++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % len;
            x = x * 1103515245u + 12345u;
            m[at] = (uint8_t)(x >> 16);
        }
        size_t ml = round % 5 == 0 ? (x >> 4) % len : len;
        eg_zip *z = NULL;
        if (eg_zip_open(m, ml, NULL, &z) != EG_OK)
            continue;
        for (size_t i = 0; i < eg_zip_count(z); i++) {
            uint8_t *out = NULL;
            size_t olen;
            eg_zip_extract_opts o = {.password = "pw", .max_out = 4096};
            eg_zip_extract(z, i, &o, &out, &olen, NULL);
            free(out);
        }
        eg_zip_free(z);
    }
    free(m);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_and_trailer),
        cmocka_unit_test(test_name_and_size_mismatch),
        cmocka_unit_test(test_overlap_bomb),
        cmocka_unit_test(test_zip64),
        cmocka_unit_test(test_65535_entries),
        cmocka_unit_test(test_truncated_archive),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_masked_names_flag),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
