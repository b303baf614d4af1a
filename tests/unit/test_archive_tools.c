/*
 * ZIP reader against archives made by Info-ZIP (`zip -P`: ZipCrypto with data descriptors) and
 * 7-Zip (`7z a -tzip -mem=AES128/AES192/AES256`: WinZip AE-2), with libarchive as the oracle:
 * both readers must list the same entries with the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive/archive.h"
#include "archive/zip.h"
#include "archive_tools.h"
#include "archive_zipw.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PW "Infected#2024"

typedef struct fx {
    char *dir;
    eg_tf_file files[3];
    uint8_t *big, *small, *zeros;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->dir = eg_test_tmpdir("archive-tools");
    f->big = eg_tf_pattern(300000, 1);
    f->small = eg_tf_pattern(77, 2);
    f->zeros = calloc(1, 3u << 20);
    memcpy(f->zeros, "PK-not-really", 13);
    f->files[0] = (eg_tf_file){"report.txt", f->big, 300000};
    f->files[1] = (eg_tf_file){"note.bin", f->small, 77};
    f->files[2] = (eg_tf_file){"padded.doc", f->zeros, 3u << 20};
    *state = f;
    return f->dir ? 0 : -1;
}

static int teardown(void **state)
{
    fx *f = *state;
    eg_test_rmrf(f->dir);
    free(f->dir);
    free(f->big);
    free(f->small);
    free(f->zeros);
    free(f);
    return 0;
}

static const eg_tf_file *want_file(fx *f, const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(f->files[i].name, name))
            return &f->files[i];
    return NULL;
}

/* Our reader must return every file's exact bytes with the password, and refuse a wrong one. */
static void check_archive(fx *f, const uint8_t *zip, size_t len, const char *pw, eg_zip_enc enc,
                          int bits)
{
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    assert_int_equal(eg_zip_count(z), 3);
    for (size_t i = 0; i < 3; i++) {
        const eg_zip_entry *e = eg_zip_entry_at(z, i);
        const eg_tf_file *w = want_file(f, e->name);
        assert_non_null(w);
        assert_int_equal(e->enc, enc);
        if (enc == EG_ZIP_ENC_AES)
            assert_int_equal(e->aes_bits, bits);
        uint8_t *out = NULL;
        size_t olen = 0;
        eg_zip_extract_result r;
        eg_zip_extract_opts o = {.password = pw};
        assert_int_equal(eg_zip_extract(z, i, &o, &out, &olen, &r), EG_OK);
        assert_true(r.crc_ok);
        assert_int_equal(olen, w->len);
        assert_memory_equal(out, w->data, olen);
        free(out);
        if (pw) {
            o.password = "infected";
            assert_int_equal(eg_zip_extract(z, i, &o, &out, &olen, &r), EG_EPASSWORD);
            assert_null(out);
        }
    }
    eg_zip_free(z);
}

/* Differential: libarchive must see the same names and bytes. */
static void oracle(const uint8_t *zip, size_t len, const char *pw)
{
    eg_tf_entry *le = NULL;
    long n = eg_tf_libarchive_list(zip, len, pw, false, &le);
    assert_true(n > 0);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    size_t files = 0;
    for (size_t i = 0; i < eg_zip_count(z); i++)
        files += !eg_zip_entry_at(z, i)->is_dir;
    assert_int_equal(files, (size_t)n);
    for (long k = 0; k < n; k++) {
        size_t idx;
        assert_int_equal(eg_zip_find(z, le[k].name, &idx), EG_OK);
        uint8_t *out = NULL;
        size_t olen = 0;
        eg_zip_extract_opts o = {.password = pw};
        assert_int_equal(eg_zip_extract(z, idx, &o, &out, &olen, NULL), EG_OK);
        assert_int_equal(olen, le[k].len);
        if (olen)
            assert_memory_equal(out, le[k].data, olen);
        free(out);
    }
    eg_zip_free(z);
    eg_tf_free(le, n);
}

static void test_infozip_zipcrypto(void **state)
{
    fx *f = *state;
    if (!eg_test_have("zip"))
        skip();
    size_t len;
    uint8_t *zip = eg_tf_make(
        f->dir, f->files, 3,
        "rm -f zc.zip; zip -q -P '" PW "' zc.zip report.txt note.bin padded.doc", "zc.zip", &len);
    assert_non_null(zip);
    check_archive(f, zip, len, PW, EG_ZIP_ENC_ZIPCRYPTO, 0);
    oracle(zip, len, PW);
    free(zip);
    zip = eg_tf_make(f->dir, f->files, 3,
                     "rm -f plain.zip; zip -q plain.zip report.txt note.bin padded.doc",
                     "plain.zip", &len);
    assert_non_null(zip);
    check_archive(f, zip, len, NULL, EG_ZIP_ENC_NONE, 0);
    oracle(zip, len, NULL);
    free(zip);
}

static void test_7z_aes(void **state)
{
    fx *f = *state;
    if (!eg_test_have("7z"))
        skip();
    static const struct {
        const char *opt;
        int bits;
    } v[] = {{"-mem=AES256", 256},
             {"-mem=AES128", 128},
             {"-mem=AES192", 192},
             {"-mem=AES256 -mx0", 256}};
    char cmd[512];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "rm -f aes.zip; 7z a -tzip %s '-p" PW "' aes.zip report.txt note.bin padded.doc",
                 v[i].opt);
        size_t len;
        uint8_t *zip = eg_tf_make(f->dir, f->files, 3, cmd, "aes.zip", &len);
        assert_non_null(zip);
        check_archive(f, zip, len, PW, EG_ZIP_ENC_AES, v[i].bits);
        oracle(zip, len, PW);
        free(zip);
    }
}

static void test_7z_other_methods(void **state)
{
    fx *f = *state;
    if (!eg_test_have("7z"))
        skip();
    size_t len;
    uint8_t *zip = eg_tf_make(
        f->dir, f->files, 3,
        "rm -f bz.zip; 7z a -tzip -mm=BZip2 bz.zip report.txt note.bin padded.doc", "bz.zip", &len);
    assert_non_null(zip);
    eg_zip *z = NULL;
    assert_int_equal(eg_zip_open(zip, len, NULL, &z), EG_OK);
    size_t bz = 0;
    for (size_t i = 0; i < eg_zip_count(z); i++) {
        const eg_zip_entry *e = eg_zip_entry_at(z, i);
        if (e->method != 12)
            continue; /* 7-Zip stores what bzip2 cannot shrink */
        bz++;
        uint8_t *out = NULL;
        size_t olen;
        assert_int_equal(eg_zip_extract(z, i, NULL, &out, &olen, NULL), EG_EUNSUPPORTED);
        /* the fallback reads it through libarchive */
        assert_int_equal(eg_archive_la_extract(zip, len, e->name, NULL, 64u << 20, &out, &olen),
                         EG_OK);
        const eg_tf_file *w = want_file(f, e->name);
        assert_int_equal(olen, w->len);
        assert_memory_equal(out, w->data, olen);
        free(out);
        assert_int_equal(eg_archive_la_extract(zip, len, e->name, NULL, 10, &out, &olen),
                         EG_ELIMIT);
        assert_int_equal(olen, 10);
        free(out);
    }
    assert_true(bz >= 2);
    uint8_t *out = NULL;
    size_t olen;
    assert_int_equal(eg_archive_la_extract(zip, len, "absent.txt", NULL, 100, &out, &olen),
                     EG_ENOTFOUND);
    eg_zip_free(z);
    free(zip);
}

/* Archives from the project's own writer must read the same in libarchive too. */
static void test_own_writer_vs_libarchive(void **state)
{
    (void)state;
    uint8_t *a = eg_tf_pattern(100000, 7);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a.txt", .method = 8}, a, 100000);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.txt", .method = 0, .descriptor = true}, a, 999);
    eg_zw_add(w, &(eg_zw_opts){.name = "c.txt", .method = 8, .zipcrypto = PW}, a, 5000);
    eg_zw_add(
        w,
        &(eg_zw_opts){.name = "d.txt", .method = 8, .aes = PW, .aes_bits = 128, .aes_version = 1},
        a, 7000);
    eg_zw_add(w, &(eg_zw_opts){.name = "e.txt", .method = 8, .zip64 = true}, a, 3000);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    oracle(zip, len, PW);
    free(zip);
    free(a);
}

/* Damaged archives: whenever both readers accept an entry, they must agree on its bytes. A CRC
 * that our reader accepted over wrong data would show up here. */
static void test_damaged_differential(void **state)
{
    fx *f = *state;
    if (!eg_test_have("zip"))
        skip();
    size_t len;
    uint8_t *zip =
        eg_tf_make(f->dir, f->files, 2, "rm -f d.zip; zip -q -P '" PW "' d.zip report.txt note.bin",
                   "d.zip", &len);
    assert_non_null(zip);
    uint8_t *m = malloc(len);
    uint32_t x = 99;
    size_t compared = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(m, zip, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            x = x * 1103515245u + 12345u;
            m[(x >> 8) % len] ^= (uint8_t)(1u << ((x >> 4) & 7));
        }
        eg_zip *z = NULL;
        if (eg_zip_open(m, len, NULL, &z) != EG_OK)
            continue;
        eg_tf_entry *le = NULL;
        long n = eg_tf_libarchive_list(m, len, PW, true, &le);
        for (long k = 0; k < n; k++) {
            size_t idx;
            if (eg_zip_find(z, le[k].name, &idx) != EG_OK)
                continue;
            uint8_t *out = NULL;
            size_t olen = 0;
            eg_zip_extract_result r;
            eg_zip_extract_opts o = {.password = PW};
            if (eg_zip_extract(z, idx, &o, &out, &olen, &r) == EG_OK && r.crc_ok) {
                assert_int_equal(olen, le[k].len);
                assert_memory_equal(out, le[k].data, olen);
                compared++;
            }
            free(out);
        }
        eg_tf_free(le, n > 0 ? n : 0);
        eg_zip_free(z);
    }
    printf("damaged archives: %zu entries accepted by both readers, all identical\n", compared);
    assert_true(compared > 50);
    free(m);
    free(zip);
}

/* 40 bzip2 entries (7-Zip): the first 32 are read through libarchive, which reopens the archive
 * for each; the rest are listed as not opened instead of costing one more pass each (2000 such
 * entries once took 20 s). */
static void test_many_fallback_entries(void **state)
{
    fx *f = *state;
    if (!eg_test_have("7z"))
        skip();
    eg_tf_file files[40];
    char names[40][16];
    uint8_t *data[40];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "f%02d.txt", i);
        data[i] = eg_tf_pattern(5000, (unsigned)i + 10);
        files[i] = (eg_tf_file){names[i], data[i], 5000};
    }
    size_t len;
    uint8_t *zip =
        eg_tf_make(f->dir, files, 40, "rm -f many.zip; 7z a -tzip -mm=BZip2 many.zip f*.txt",
                   "many.zip", &len);
    assert_non_null(zip);
    eg_report *r = eg_test_scan(zip, len, NULL);
    assert_non_null(r);
    size_t read = 0;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        read += o->name && o->size == 5000 && !strncmp(o->name, "f", 1);
    }
    assert_int_equal(read, 32);
    size_t over = 0;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        over += o->detail && strstr(o->detail, "over 32 such entries") != NULL;
    }
    assert_int_equal(over, 8);
    eg_report_free(r);
    free(zip);
    for (int i = 0; i < 40; i++)
        free(data[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_infozip_zipcrypto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_7z_aes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_7z_other_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_fallback_entries, setup, teardown),
        cmocka_unit_test(test_own_writer_vs_libarchive),
        cmocka_unit_test_setup_teardown(test_damaged_differential, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
