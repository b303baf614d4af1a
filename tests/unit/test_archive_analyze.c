/*
 * The archive analyzers inside a whole scan: children, flags, passwords and their origin, and the
 * findings for encrypted, unopened, padded, overlapping, nested and mismatched archives; 7z, tar
 * and gzip through libarchive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_tools.h"
#include "archive_zipw.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const NOPW[] = {NULL};

static const eg_object *find_obj(const eg_report *r, const char *name)
{
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *o = eg_report_object(r, i);
        if (o->name && !strcmp(o->name, name))
            return o;
    }
    return NULL;
}

static uint8_t *aes_zip(const char *pw, const char *name, const void *data, size_t n, size_t *len)
{
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = name, .method = 8, .aes = pw, .aes_bits = 256}, data, n);
    return eg_zw_finish(w, len);
}

static void test_plain_zip_children(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "readme.txt", .method = 8}, "meeting notes for tuesday\n", 26);
    eg_zw_add(w, &(eg_zw_opts){.name = "data/", .method = 0}, "", 0);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_report *r = eg_test_scan(zip, len, NOPW);
    assert_non_null(r);
    const eg_object *o = find_obj(r, "readme.txt");
    assert_non_null(o);
    assert_int_equal(o->size, 26);
    assert_int_equal(o->flags & (EG_OBJ_ENCRYPTED | EG_OBJ_DECRYPTED), 0);
    assert_false(eg_test_has_rule(r, "ZIP.ENCRYPTED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(zip);
}

static void test_password_option_opens(void **state)
{
    (void)state;
    size_t len;
    const char text[] = "quarterly figures, nothing active here\n";
    uint8_t *zip = aes_zip("S3cret!", "figures.txt", text, sizeof text - 1, &len);
    const char *const pws[] = {"wrong1", "S3cret!", NULL};
    eg_report *r = eg_test_scan(zip, len, pws);
    assert_non_null(r);
    const eg_object *o = find_obj(r, "figures.txt");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_DECRYPTED);
    assert_true(o->flags & EG_OBJ_ENCRYPTED);
    assert_string_equal(o->password, "S3cret!");
    assert_non_null(o->password_origin);
    assert_int_equal(o->size, sizeof text - 1);
    assert_true(eg_test_has_rule(r, "ZIP.ENCRYPTED"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.DECRYPTED"));
    assert_false(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_int_equal(eg_report_verdict(r), EG_VERDICT_CLEAN);
    eg_report_free(r);
    free(zip);
}

/* Japanese Windows archivers hash a ZipCrypto password in CP932: "パスワード" as UTF-8 must open it. */
static void test_zipcrypto_cp932_password(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "memo.txt", .method = 8, .zipcrypto = "\x83p\x83X\x83\x8f\x81[\x83h"},
              "cp932 password content", 22);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    const char *const pws[] = {"パスワード", NULL};
    eg_report *r = eg_test_scan(zip, len, pws);
    assert_non_null(r);
    const eg_object *o = find_obj(r, "memo.txt");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_DECRYPTED);
    assert_string_equal(o->password, "パスワード");
    assert_int_equal(o->size, 22);
    eg_report_free(r);
    free(zip);
}

static void test_not_opened_is_suspicious(void **state)
{
    (void)state;
    size_t len;
    uint8_t *zip = aes_zip("unknowable", "invoice.doc", "x", 1, &len);
    eg_report *r = eg_test_scan(zip, len, NOPW);
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    const eg_object *o = find_obj(r, "invoice.doc");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_NOT_OPENED);
    assert_int_equal(o->flags & EG_OBJ_DECRYPTED, 0);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(zip);
}

static void test_password_in_mail_body(void **state)
{
    (void)state;
    size_t len;
    const char text[] = "Name,Amount\nA,100\n";
    uint8_t *zip = aes_zip("Kx8#pQ2z", "請求書.csv", text, sizeof text - 1, &len);
    /* a PPAP-style mail: the password sits in the body */
    size_t b64cap = len * 2 + 16;
    char *b64 = malloc(b64cap);
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)zip[i] << 16 | (i + 1 < len ? (uint32_t)zip[i + 1] << 8 : 0) | (i + 2 < len ? zip[i + 2] : 0);
        b64[o++] = al[v >> 18 & 63];
        b64[o++] = al[v >> 12 & 63];
        b64[o++] = i + 1 < len ? al[v >> 6 & 63] : '=';
        b64[o++] = i + 2 < len ? al[v & 63] : '=';
        if ((i / 3 + 1) % 19 == 0)
            b64[o++] = '\n';
    }
    b64[o] = 0;
    size_t mcap = o + 2048;
    char *mail = malloc(mcap);
    int mlen = snprintf(mail, mcap,
                        "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\r\n"
                        "To: sato@example.jp\r\n"
                        "Subject: =?UTF-8?B?6KuL5rGC5pu444Gu6YCB5LuY?=\r\n"
                        "Date: Mon, 28 Feb 2022 17:23:00 +0900\r\n"
                        "Message-ID: <a1@example.co.jp>\r\n"
                        "MIME-Version: 1.0\r\n"
                        "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
                        "--BB\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                        "いつもお世話になっております。\r\n請求書を送付いたします。\r\n\r\nパスワード：Kx8#pQ2z\r\n\r\n"
                        "--BB\r\nContent-Type: application/zip; name=\"invoice.zip\"\r\n"
                        "Content-Disposition: attachment; filename=\"invoice.zip\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--BB--\r\n",
                        b64);
    eg_report *r = eg_test_scan(mail, (size_t)mlen, NOPW);
    assert_non_null(r);
    const eg_object *c = find_obj(r, "請求書.csv");
    if (!c || !(c->flags & EG_OBJ_DECRYPTED))
        eg_test_dump(r);
    assert_non_null(c);
    assert_true(c->flags & EG_OBJ_DECRYPTED);
    assert_string_equal(c->password, "Kx8#pQ2z");
    assert_true(eg_test_has_rule(r, "ARCHIVE.PASSWORD_IN_MAIL"));
    assert_true(eg_test_has_rule(r, "ZIP.ENCRYPTED"));
    /* harmless content: the password ZIP alone does not make the mail malicious */
    assert_true(eg_report_verdict(r) != EG_VERDICT_MALICIOUS);
    eg_report_free(r);
    free(mail);
    free(b64);
    free(zip);
}

static void test_hostile_findings(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    uint8_t junk[300];
    memset(junk, 0x42, sizeof junk);
    memcpy(junk, "GIF89a", 6);
    eg_zw_prefix(w, junk, sizeof junk);
    eg_zw_add(w, &(eg_zw_opts){.name = "invoice.pdf", .local_name = "invoice.js", .method = 0}, "var x = 1;", 10);
    size_t i0 = eg_zw_add(w, &(eg_zw_opts){.name = "a.bin", .method = 8}, "zzzzzzzzzzzzzzzzzzzz", 20);
    eg_zw_alias(w, i0, "b.bin");
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    eg_report *r = eg_test_scan(zip, len, NOPW);
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NAME_MISMATCH"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.OVERLAPPING_ENTRIES"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.PREFIXED_DATA"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(zip);
}

static void test_padded_entry(void **state)
{
    (void)state;
    size_t n = 120u << 20;
    uint8_t *a = calloc(1, n);
    memcpy(a, "MZ this would be the real file", 30);
    eg_zw *w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "report.doc", .method = 8, .aes = "pw1", .aes_bits = 256}, a, n);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    free(a);
    const char *const pws[] = {"pw1", NULL};
    eg_report *r = eg_test_scan(zip, len, pws);
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.PADDED_FILE"));
    const eg_object *o = find_obj(r, "report.doc");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_PADDED);
    assert_int_equal(o->size_true, n);
    assert_true(o->size < (1u << 20));
    assert_false(eg_test_has_rule(r, "ARCHIVE.BOMB"));
    eg_report_free(r);
    free(zip);
    /* nothing but zeros: a bomb, not a padded document */
    uint8_t *z = calloc(1, n);
    w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "zeros.bin", .method = 8}, z, n);
    free(z);
    zip = eg_zw_finish(w, &len);
    r = eg_test_scan(zip, len, NOPW);
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.BOMB"));
    assert_false(eg_test_has_rule(r, "ARCHIVE.PADDED_FILE"));
    eg_report_free(r);
    free(zip);
}

static void test_nested_bomb(void **state)
{
    (void)state;
    /* 42.zip style: each level holds 4 copies of the level below; the leaves are 64 MB of zeros */
    size_t n = 64u << 20;
    uint8_t *z0 = calloc(1, n);
    size_t len = n;
    uint8_t *cur = z0;
    for (int level = 0; level < 5; level++) {
        eg_zw *w = eg_zw_new();
        char name[32];
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof name, level == 0 ? "%d.bin" : "%d.zip", k);
            eg_zw_add(w, &(eg_zw_opts){.name = name, .method = 8}, cur, len);
        }
        size_t nl;
        uint8_t *next = eg_zw_finish(w, &nl);
        free(cur);
        cur = next;
        len = nl;
    }
    clock_t t0 = clock();
    eg_report *r = eg_test_scan(cur, len, NOPW);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.BOMB") || eg_test_has_rule(r, "LIMIT.BYTES"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    assert_true(secs < 20);
    eg_report_free(r);
    free(cur);
}

static void test_many_wrong_passwords(void **state)
{
    (void)state;
    size_t len;
    uint8_t *zip = aes_zip("right-one", "x.txt", "content", 7, &len);
    size_t n = 5000;
    char **pws = calloc(n + 1, sizeof *pws);
    for (size_t i = 0; i < n; i++) {
        pws[i] = malloc(16);
        snprintf(pws[i], 16, "cand%zu", i);
    }
    clock_t t0 = clock();
    eg_report *r = eg_test_scan(zip, len, (const char *const *)pws);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_true(eg_test_has_rule(r, "LIMIT.PASSWORDS"));
    assert_true(secs < 5);
    eg_report_free(r);
    for (size_t i = 0; i < n; i++)
        free(pws[i]);
    free(pws);
    free(zip);
}

static void test_libarchive_formats(void **state)
{
    (void)state;
    if (!eg_test_have("7z") || !eg_test_have("tar") || !eg_test_have("gzip"))
        skip();
    char *dir = eg_test_tmpdir("archive-other");
    assert_non_null(dir);
    const char body[] = "Sub AutoOpen()\n  Shell \"cmd /c calc\"\nEnd Sub\n";
    eg_tf_file f[] = {{"macro.txt", body, sizeof body - 1}, {"second.txt", "second file\n", 12}};
    size_t len;
    /* plain 7z: entries become children */
    uint8_t *a = eg_tf_make(dir, f, 2, "7z a -t7z plain.7z macro.txt second.txt", "plain.7z", &len);
    assert_non_null(a);
    eg_report *r = eg_test_scan(a, len, NOPW);
    assert_non_null(r);
    const eg_object *o = find_obj(r, "macro.txt");
    assert_non_null(o);
    assert_int_equal(o->size, sizeof body - 1);
    assert_non_null(find_obj(r, "second.txt"));
    eg_report_free(r);
    free(a);
    /* encrypted 7z: names visible, content not opened */
    a = eg_tf_make(dir, f, 2, "7z a -t7z -pSecret enc.7z macro.txt", "enc.7z", &len);
    assert_non_null(a);
    r = eg_test_scan(a, len, NOPW);
    assert_true(eg_test_has_rule(r, "ARCHIVE.ENCRYPTED"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    o = find_obj(r, "macro.txt");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_NOT_OPENED);
    eg_report_free(r);
    free(a);
    /* encrypted names */
    a = eg_tf_make(dir, f, 2, "7z a -t7z -pSecret -mhe=on hdr.7z macro.txt", "hdr.7z", &len);
    assert_non_null(a);
    r = eg_test_scan(a, len, NOPW);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(a);
    /* tar.gz and a single .gz */
    a = eg_tf_make(dir, f, 2, "tar czf t.tar.gz macro.txt second.txt", "t.tar.gz", &len);
    assert_non_null(a);
    r = eg_test_scan(a, len, NOPW);
    assert_non_null(find_obj(r, "macro.txt"));
    eg_report_free(r);
    free(a);
    a = eg_tf_make(dir, f, 2, "gzip -kf macro.txt", "macro.txt.gz", &len);
    assert_non_null(a);
    r = eg_test_scan(a, len, NOPW);
    int found = 0;
    for (size_t i = 0; i < eg_report_object_count(r); i++) {
        const eg_object *x = eg_report_object(r, i);
        found |= x->parent >= 0 && x->size == sizeof body - 1;
    }
    if (!found)
        eg_test_dump(r);
    assert_true(found);
    eg_report_free(r);
    free(a);
    /* an ISO image: the Mark-of-the-Web dodge */
    if (eg_test_have("genisoimage")) {
        a = eg_tf_make(dir, f, 2, "genisoimage -quiet -J -R -o t.iso macro.txt second.txt", "t.iso", &len);
        assert_non_null(a);
        r = eg_test_scan(a, len, NOPW);
        assert_true(eg_test_has_rule(r, "ARCHIVE.DISK_IMAGE"));
        o = find_obj(r, "macro.txt");
        assert_non_null(o);
        assert_int_equal(o->size, sizeof body - 1);
        eg_report_free(r);
        free(a);
    }
    /* a FAT image: detected, but no reader: reported, not silently clean */
    uint8_t fat[4096] = {0xEB, 0x3C, 0x90};
    memcpy(fat + 0x36, "FAT12   ", 8);
    fat[510] = 0x55;
    fat[511] = 0xAA;
    r = eg_test_scan(fat, sizeof fat, NOPW);
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_READABLE"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.DISK_IMAGE"));
    eg_report_free(r);
    eg_test_rmrf(dir);
    free(dir);
}

static void test_many_entries_and_truncation(void **state)
{
    (void)state;
    eg_zw *w = eg_zw_new();
    char name[32];
    for (int i = 0; i < 70000; i++) {
        snprintf(name, sizeof name, "f%05d.txt", i);
        eg_zw_add(w, &(eg_zw_opts){.name = name, .method = 0}, "x", 1);
    }
    eg_zw_zip64_end(w, true);
    size_t len;
    uint8_t *zip = eg_zw_finish(w, &len);
    clock_t t0 = clock();
    eg_report *r = eg_test_scan(zip, len, NOPW);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.TOO_MANY_ENTRIES"));
    assert_true(eg_test_has_rule(r, "LIMIT.OBJECTS"));
    assert_true(secs < 10);
    eg_report_free(r);
    free(zip);
    /* cut in the middle: what is readable is still inspected, and the cut is reported */
    w = eg_zw_new();
    eg_zw_add(w, &(eg_zw_opts){.name = "a.txt", .method = 8}, "first file, complete", 20);
    eg_zw_add(w, &(eg_zw_opts){.name = "b.txt", .method = 8}, "second file, will be cut off", 28);
    zip = eg_zw_finish(w, &len);
    r = eg_test_scan(zip, len - 60, NOPW);
    assert_non_null(r);
    assert_true(eg_test_has_rule(r, "ARCHIVE.TRUNCATED"));
    const eg_object *o = find_obj(r, "a.txt");
    assert_non_null(o);
    assert_int_equal(o->size, 20);
    eg_report_free(r);
    free(zip);
}

/* Methods other than deflate: plain ones are read through libarchive; encrypted ones cannot be
 * decoded by libarchive 3.6 either, so they must be reported as not opened, never as clean. */
static void test_other_methods(void **state)
{
    (void)state;
    if (!eg_test_have("7z"))
        skip();
    char *dir = eg_test_tmpdir("archive-bz");
    assert_non_null(dir);
    uint8_t *text = eg_tf_pattern(20000, 3);
    eg_tf_file f[] = {{"doc.txt", text, 20000}};
    size_t len;
    uint8_t *a = eg_tf_make(dir, f, 1, "7z a -tzip -mm=BZip2 bz.zip doc.txt", "bz.zip", &len);
    assert_non_null(a);
    eg_report *r = eg_test_scan(a, len, NOPW);
    assert_true(eg_test_has_rule(r, "ARCHIVE.UNSUPPORTED_METHOD"));
    const eg_object *o = find_obj(r, "doc.txt");
    assert_non_null(o);
    assert_int_equal(o->size, 20000);
    assert_false(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    eg_report_free(r);
    free(a);
    a = eg_tf_make(dir, f, 1, "7z a -tzip -mem=AES256 -mm=BZip2 -pBz2Pass aesbz.zip doc.txt", "aesbz.zip", &len);
    assert_non_null(a);
    const char *const pws[] = {"Bz2Pass", NULL};
    r = eg_test_scan(a, len, pws);
    assert_true(eg_test_has_rule(r, "ARCHIVE.UNSUPPORTED_METHOD"));
    assert_true(eg_test_has_rule(r, "ARCHIVE.NOT_OPENED"));
    assert_true(eg_test_has_rule(r, "ZIP.ENCRYPTED"));
    o = find_obj(r, "doc.txt");
    assert_non_null(o);
    assert_true(o->flags & EG_OBJ_NOT_OPENED);
    assert_true(eg_report_verdict(r) >= EG_VERDICT_SUSPICIOUS);
    eg_report_free(r);
    free(a);
    free(text);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_zip_children),
        cmocka_unit_test(test_password_option_opens),
        cmocka_unit_test(test_not_opened_is_suspicious),
        cmocka_unit_test(test_zipcrypto_cp932_password),
        cmocka_unit_test(test_password_in_mail_body),
        cmocka_unit_test(test_hostile_findings),
        cmocka_unit_test(test_padded_entry),
        cmocka_unit_test(test_nested_bomb),
        cmocka_unit_test(test_many_wrong_passwords),
        cmocka_unit_test(test_libarchive_formats),
        cmocka_unit_test(test_other_methods),
        cmocka_unit_test(test_many_entries_and_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
