/* The MIME base64 decoder (src/core/base64.c): what encoders write, what hostile mail writes, and
 * the same bytes as GMime's decoder on a large generated part. */
#include "core/base64.h"

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static size_t dec(const char *in, uint8_t *out)
{
    size_t len = strlen(in);
    size_t n = eg_base64_decode_mime((const uint8_t *)in, len, out);
    assert_true(n <= eg_base64_mime_room(len));
    /* the decoder it replaces, over the same input in one step */
    uint8_t g[256];
    int state = 0;
    guint32 save = 0;
    assert_true(len < 300);
    size_t gn =
        g_mime_encoding_base64_decode_step((const unsigned char *)in, len, g, &state, &save);
    assert_int_equal(gn, n);
    assert_memory_equal(g, out, n);
    return n;
}

static void test_plain_and_padding(void **st)
{
    (void)st;
    uint8_t o[64];
    assert_int_equal(dec("", o), 0);
    assert_int_equal(dec("QUJD", o), 3);
    assert_memory_equal(o, "ABC", 3);
    assert_int_equal(dec("QUI=", o), 2);
    assert_memory_equal(o, "AB", 2);
    assert_int_equal(dec("QQ==", o), 1);
    assert_memory_equal(o, "A", 1);
    assert_int_equal(dec("QQ==\r\n\r\n", o), 1); /* line breaks after the padding */
    assert_int_equal(dec("SGVsbG8sIHdvcmxkIQ==", o), 13);
    assert_memory_equal(o, "Hello, world!", 13);
}

static void test_noise_is_skipped(void **st)
{
    (void)st;
    uint8_t o[64];
    /* line breaks, spaces, tabs and bytes outside the alphabet anywhere */
    assert_int_equal(dec("SGVs\r\nbG8s IHdv\tcmxk\x80IQ==", o), 13);
    assert_memory_equal(o, "Hello, world!", 13);
    assert_int_equal(dec("S.G.V.s", o), 3);
    assert_memory_equal(o, "Hel", 3);
    /* URL-safe digits are not MIME digits */
    assert_int_equal(dec("-_-_", o), 0);
}

static void test_incomplete_group(void **st)
{
    (void)st;
    uint8_t o[64];
    /* a group cut short gives nothing without '=', and one digit before '=' is no byte */
    assert_int_equal(dec("QUJDRA", o), 3);
    assert_memory_equal(o, "ABC", 3);
    assert_int_equal(dec("QUJDR=", o), 3);
    assert_int_equal(dec("QUJDRE=", o), 4); /* two digits before '=' */
    assert_memory_equal(o, "ABCD", 4);
    assert_int_equal(dec("=", o), 0);
    assert_int_equal(dec("====", o), 0);
}

static void test_padding_inside(void **st)
{
    (void)st;
    uint8_t o[64];
    /* '=' ends the data: what follows is not read (a list footer, or a second blob) */
    assert_int_equal(dec("QQ==QUJD", o), 1);
    assert_memory_equal(o, "A", 1);
    assert_int_equal(dec("QUJD=QUJD", o), 3);
}

/* A 300 KB part as an encoder writes it (76-character lines, CRLF), then with stray bytes
 * sprinkled in: the same bytes as the source and as GMime in one step. */
static void test_large_against_gmime(void **st)
{
    (void)st;
    size_t raw_n = 300000 + 2;
    uint8_t *raw = malloc(raw_n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < raw_n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        raw[i] = (uint8_t)x;
    }
    size_t enc_cap = raw_n / 57 * 80 + 200;
    uint8_t *enc = malloc(enc_cap * 2), *messy = malloc(enc_cap * 2);
    size_t e = 0;
    for (size_t i = 0; i < raw_n; i += 57) {
        size_t k = raw_n - i < 57 ? raw_n - i : 57;
        e += (size_t)EVP_EncodeBlock(enc + e, raw + i, (int)k);
        enc[e++] = '\r';
        enc[e++] = '\n';
    }
    size_t m = 0;
    for (size_t i = 0; i < e; i++) {
        messy[m++] = enc[i];
        if (i % 97 == 5)
            messy[m++] = (uint8_t)(i % 3 == 0 ? ' ' : i % 3 == 1 ? '\x85' : '*');
    }
    const uint8_t *ins[2] = {enc, messy};
    size_t lens[2] = {e, m};
    for (int t = 0; t < 2; t++) {
        uint8_t *o = malloc(eg_base64_mime_room(lens[t])),
                *g = malloc(eg_base64_mime_room(lens[t]) + 8);
        size_t n = eg_base64_decode_mime(ins[t], lens[t], o);
        assert_int_equal(n, raw_n);
        assert_memory_equal(o, raw, raw_n);
        int state = 0;
        guint32 save = 0;
        size_t gn = g_mime_encoding_base64_decode_step(ins[t], lens[t], g, &state, &save);
        assert_int_equal(gn, n);
        assert_memory_equal(g, o, n);
        free(o);
        free(g);
    }
    free(raw);
    free(enc);
    free(messy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_padding),   cmocka_unit_test(test_noise_is_skipped),
        cmocka_unit_test(test_incomplete_group),    cmocka_unit_test(test_padding_inside),
        cmocka_unit_test(test_large_against_gmime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
