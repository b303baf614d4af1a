/*
 * Declared counts of plain 7z headers are bounded before libarchive sees them (files, folders,
 * pack streams, substreams), real archives made by 7-Zip pass (plain headers with -mhc=off too),
 * and our tar header walk finds data whatever the entry type, stopping cleanly on damage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive/sevenzip.h"
#include "archive/tar.h"
#include "archive_tools.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* signature header + a plain header (CRCs left zero: the check does not verify them) */
static size_t wrap(uint8_t *out, const uint8_t *hdr, size_t h)
{
    static const uint8_t sig[8] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C, 0, 4};
    memcpy(out, sig, 8);
    memset(out + 8, 0, 24);
    out[20] = (uint8_t)h;
    memcpy(out + 32, hdr, h);
    return 32 + h;
}

static void plain_counts(void **st)
{
    (void)st;
    uint8_t b[512];
    const char *what = NULL;
    uint64_t d = 0;
    /* kHeader kFilesInfo NumFiles=92 800 000 */
    const uint8_t files[] = {0x01, 0x05, 0xE5, 0x00, 0x04, 0x88, 0x00, 0x00};
    size_t n = wrap(b, files, sizeof files);
    assert_int_equal(eg_7z_check_counts(b, n, 1u << 18, &what, &d), EG_ELIMIT);
    assert_string_equal(what, "files");
    assert_true(d == 92800000u);
    /* 3 files: fine */
    const uint8_t few[] = {0x01, 0x05, 0x03, 0x00, 0x00};
    n = wrap(b, few, sizeof few);
    assert_int_equal(eg_7z_check_counts(b, n, 1u << 18, &what, &d), EG_OK);
    /* MainStreamsInfo with 2^40 pack streams */
    const uint8_t packs[] = {0x01, 0x04, 0x06, 0x00, 0xFF, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x00, 0x00};
    n = wrap(b, packs, sizeof packs);
    assert_int_equal(eg_7z_check_counts(b, n, 1u << 18, &what, &d), EG_ELIMIT);
    assert_string_equal(what, "pack streams");
    /* one folder (copy coder) with 10 million substreams */
    const uint8_t subs[] = {0x01, 0x04, 0x06, 0x00, 0x01, 0x09, 0x05, 0x00,       /* PackInfo */
                            0x07, 0x0B, 0x01, 0x00, 0x01, 0x00, 0x0C, 0x05, 0x00, /* UnpackInfo */
                            0x08, 0x0D, 0xE0, 0x80, 0x96, 0x98, 0x00, 0x00, 0x00};
    n = wrap(b, subs, sizeof subs);
    assert_int_equal(eg_7z_check_counts(b, n, 1u << 18, &what, &d), EG_ELIMIT);
    assert_string_equal(what, "substreams");
    assert_true(d == 10000000u);
    /* a count under the fixed cap but more than 8 per header byte */
    const uint8_t dense[] = {0x01, 0x05, 0x83, 0xE8, 0x00, 0x00}; /* 1000 files in 6 bytes */
    n = wrap(b, dense, sizeof dense);
    assert_int_equal(eg_7z_check_counts(b, n, 1u << 18, &what, &d), EG_ELIMIT);
    /* not a 7z, or an encoded header: not this check's business */
    assert_int_equal(eg_7z_check_counts((const uint8_t *)"PK\3\4", 4, 1u << 18, &what, &d), EG_OK);
}

static void real_archives_pass(void **st)
{
    (void)st;
    if (!eg_test_have("7z"))
        skip();
    char *dir = eg_test_tmpdir("counts");
    eg_tf_file f[3] = {{"a.txt", "alpha\n", 6}, {"b.txt", "", 0}, {"c.txt", "gamma gamma\n", 12}};
    const char *cmds[] = {"7z a -t7z out.7z a.txt b.txt c.txt",
                          "rm -f out.7z; 7z a -t7z -mhc=off out.7z a.txt b.txt c.txt",
                          "rm -f out.7z; 7z a -t7z -mhc=off -ms=off out.7z a.txt b.txt c.txt"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *a = eg_tf_make(dir, f, 3, cmds[i], "out.7z", &n);
        assert_non_null(a);
        const char *what = NULL;
        uint64_t d = 0;
        assert_int_equal(eg_7z_check_counts(a, n, 1u << 18, &what, &d), EG_OK);
        free(a);
    }
    eg_test_rmrf(dir);
    free(dir);
}

static void tar_header(uint8_t *h, const char *name, char type, size_t size)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)size);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
}

typedef struct {
    int n;
    char names[1024];
    char types[16];
    size_t avail[16];
} seen;

static bool on_item(void *ud, const eg_tar_item *it)
{
    seen *s = ud;
    if (s->n < 16) {
        s->types[s->n] = it->type;
        s->avail[s->n] = it->avail;
    }
    s->n++;
    size_t o = strlen(s->names);
    snprintf(s->names + o, sizeof s->names - o, "%s;", it->name);
    return true;
}

static void tar_walk(void **st)
{
    (void)st;
    uint8_t t[512 * 8] = {0};
    tar_header(t, "dir", '5', 10);
    memcpy(t + 512, "0123456789", 10);
    tar_header(t + 1024, "fifo", '6', 3);
    memcpy(t + 1536, "abc", 3);
    tar_header(t + 2048, "file.txt", '0', 0);
    seen s = {0};
    assert_int_equal(eg_tar_walk(t, sizeof t, 100, on_item, &s), 3);
    assert_string_equal(s.names, "dir;fifo;file.txt;");
    assert_int_equal(s.types[0], '5');
    assert_int_equal(s.avail[0], 10);
    assert_int_equal(s.avail[1], 3);
    assert_false(eg_tar_type_regular('5'));
    assert_true(eg_tar_type_regular('0'));
    /* a bad checksum ends the walk */
    t[1024 + 10] ^= 1;
    memset(&s, 0, sizeof s);
    assert_int_equal(eg_tar_walk(t, sizeof t, 100, on_item, &s), 1);
    /* a size past the end: the bytes present are given, the walk stops after */
    tar_header(t, "big", '5', 1u << 30);
    memset(&s, 0, sizeof s);
    assert_int_equal(eg_tar_walk(t, sizeof t, 100, on_item, &s), 1);
    assert_int_equal(s.avail[0], sizeof t - 512);
    /* the longest ustar name: a full 155-byte prefix, '/', a full 100-byte name */
    tar_header(t, "x", '5', 0);
    memset(t, 'n', 100);
    memset(t + 345, 'p', 155);
    memset(t + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += t[i];
    snprintf((char *)t + 148, 8, "%06o", sum);
    memset(t + 512, 0, 1024);
    memset(&s, 0, sizeof s);
    assert_int_equal(eg_tar_walk(t, 1536, 100, on_item, &s), 1);
    assert_int_equal(strlen(s.names), 155 + 1 + 100 + 1);
    /* truncated header block */
    memset(&s, 0, sizeof s);
    assert_int_equal(eg_tar_walk(t, 300, 100, on_item, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_counts),
        cmocka_unit_test(real_archives_pass),
        cmocka_unit_test(tar_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
