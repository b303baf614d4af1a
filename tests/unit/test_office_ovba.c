/* MS-OVBA decompression, the dir stream parser and codepage conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "office/office.h"
#include "office_fixtures.h"

#include <stdlib.h>
#include <string.h>

static void roundtrip(const uint8_t *in, size_t len)
{
    eg_buf c, d;
    eg_buf_init(&c, 0);
    eg_buf_init(&d, 0);
    assert_int_equal(eg_fx_ovba_compress(in, len, &c), EG_OK);
    assert_int_equal(eg_ovba_decompress(c.data, c.len, &d), EG_OK);
    assert_int_equal(d.len, len);
    if (len)
        assert_memory_equal(d.data, in, len);
    eg_buf_free(&c);
    eg_buf_free(&d);
}

static void test_roundtrip_text(void **state)
{
    (void)state;
    const char *t = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n  Shell \"calc.exe\"\r\nEnd Sub\r\n";
    roundtrip((const uint8_t *)t, strlen(t));
    roundtrip((const uint8_t *)"", 0);
    roundtrip((const uint8_t *)"abc", 3);
}

static void test_roundtrip_chunks(void **state)
{
    (void)state;
    /* several chunks, long repeats (overlapping copies) and incompressible (raw) chunks */
    size_t n = 3 * 4096 + 123;
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i < 5000 ? 'a' : (i * 2654435761u) >> 13);
    roundtrip(b, 4096 * 2); /* second chunk is pseudo-random: stored raw */
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)("Dim x As String\r\n"[i % 17]);
    roundtrip(b, n);
    free(b);
}

static void test_spec_tokens(void **state)
{
    (void)state;
    /* hand-made container: literals "abc" then copy token offset 3 length 6 -> "abcabcabc" */
    const uint8_t c[] = {0x01, 0x05, 0xB0, 0x08, 'a', 'b', 'c', 0x23, 0x20};
    /* header: chunk of 8 bytes, 8-3 = 5 -> 0xB005; flags 0b00001000; token (offset-1)<<12 | (len-3) = 0x2003 */
    uint8_t fixed[sizeof c];
    memcpy(fixed, c, sizeof c);
    fixed[7] = 0x03;
    fixed[8] = 0x20;
    eg_buf d;
    eg_buf_init(&d, 0);
    assert_int_equal(eg_ovba_decompress(fixed, sizeof fixed, &d), EG_OK);
    assert_int_equal(d.len, 9);
    assert_memory_equal(d.data, "abcabcabc", 9);
    eg_buf_free(&d);
}

static void test_malformed(void **state)
{
    (void)state;
    eg_buf d;
    eg_buf_init(&d, 0);
    const uint8_t badsig[] = {0x02, 0x06, 0xB0, 0x00, 'a'};
    assert_int_equal(eg_ovba_decompress(badsig, sizeof badsig, &d), EG_EFORMAT);
    const uint8_t badhdr[] = {0x01, 0x06, 0x40, 0x00, 'a'};
    assert_int_equal(eg_ovba_decompress(badhdr, sizeof badhdr, &d), EG_EFORMAT);
    /* copy token reaching before the chunk start */
    const uint8_t badcopy[] = {0x01, 0x05, 0xB0, 0x02, 'a', 0x03, 0x50};
    eg_buf_free(&d);
    eg_buf_init(&d, 0);
    assert_int_equal(eg_ovba_decompress(badcopy, sizeof badcopy, &d), EG_EFORMAT);
    eg_buf_free(&d);
}

static void test_limit(void **state)
{
    (void)state;
    uint8_t src[3000];
    memset(src, 'x', sizeof src);
    eg_buf c, d;
    eg_buf_init(&c, 0);
    eg_buf_init(&d, 100);
    eg_fx_ovba_compress(src, sizeof src, &c);
    /* a tiny compressed input that expands past the cap stops at the cap */
    assert_true(c.len < 200);
    assert_int_equal(eg_ovba_decompress(c.data, c.len, &d), EG_ELIMIT);
    assert_true(d.len <= 100);
    eg_buf_free(&c);
    eg_buf_free(&d);
}

static void test_dir_parse(void **state)
{
    (void)state;
    eg_fx_module m[2] = {{"ThisDocument", "x", true, NULL}, {"Module1", "y", false, "PCODE"}};
    eg_buf dir;
    eg_buf_init(&dir, 0);
    eg_fx_vba_dir(m, 2, 932, &dir);
    eg_vba_dir *d = NULL;
    assert_int_equal(eg_vba_dir_parse(dir.data, dir.len, &d), EG_OK);
    assert_int_equal(d->codepage, 932);
    assert_int_equal(d->n_modules, 2);
    assert_string_equal(d->modules[0].name, "ThisDocument");
    assert_true(d->modules[0].is_class);
    assert_string_equal(d->modules[1].stream_name, "Module1");
    assert_int_equal(d->modules[1].text_offset, 5);
    assert_false(d->modules[1].is_class);
    assert_string_equal(d->project_name, "VBAProject");
    eg_vba_dir_free(d);
    /* truncated in the middle of a record: the modules read so far survive */
    assert_int_equal(eg_vba_dir_parse(dir.data, dir.len - 20, &d), EG_OK);
    assert_int_equal(d->n_modules, 2);
    eg_vba_dir_free(d);
    assert_int_equal(eg_vba_dir_parse(dir.data, 3, &d), EG_EFORMAT);
    assert_null(d);
    eg_buf_free(&dir);
}

static void test_codepage(void **state)
{
    (void)state;
    const uint8_t sjis[] = {0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x87, 0x40}; /* テスト① */
    size_t n;
    char *u = eg_office_codepage_to_utf8(sjis, sizeof sjis, 932, &n);
    assert_non_null(u);
    assert_string_equal(u, "テスト①");
    free(u);
    const uint8_t bad[] = {'a', 0x83, 'b'};
    u = eg_office_codepage_to_utf8(bad, 2, 932, &n); /* truncated lead byte */
    assert_non_null(u);
    assert_int_equal(u[0], 'a');
    free(u);
    const uint8_t latin[] = {'c', 'a', 'f', 0xE9};
    u = eg_office_codepage_to_utf8(latin, 4, 1252, &n);
    assert_string_equal(u, "café");
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_text), cmocka_unit_test(test_roundtrip_chunks),
        cmocka_unit_test(test_spec_tokens),    cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limit),          cmocka_unit_test(test_dir_parse),
        cmocka_unit_test(test_codepage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
