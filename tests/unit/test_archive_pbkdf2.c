/*
 * PBKDF2-HMAC-SHA1 of the ZIP reader (zip_kdf.c): the RFC 6070 test vectors, then OpenSSL's
 * PKCS5_PBKDF2_HMAC as an oracle over password, salt and output lengths that cross the SHA-1
 * block and HMAC key boundaries, and the single-block entry point against the whole output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive/zip.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void check(const char *pw, size_t pwlen, const char *salt, size_t saltlen, unsigned iter,
                  size_t dklen, const char *want)
{
    uint8_t dk[64];
    char got[129];
    eg_pbkdf2_sha1((const uint8_t *)pw, pwlen, (const uint8_t *)salt, saltlen, iter, dk, dklen);
    hex(dk, dklen, got);
    assert_string_equal(got, want);
}

static void test_rfc6070(void **state)
{
    (void)state;
    check("password", 8, "salt", 4, 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    check("password", 8, "salt", 4, 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    check("password", 8, "salt", 4, 4096, 20, "4b007901b765489abead49d926f721d065a429c1");
    check("passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 25,
          "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
    check("pass\0word", 9, "sa\0lt", 5, 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3");
    /* the 16 777 216-iteration vector is left out: seconds of CPU for no other code path */
}

static void test_against_openssl(void **state)
{
    (void)state;
    uint8_t pw[200], salt[200], a[100], b[100];
    for (size_t i = 0; i < sizeof pw; i++) {
        pw[i] = (uint8_t)(i * 7 + 1);
        salt[i] = (uint8_t)(i * 13 + 5);
    }
    static const size_t pwl[] = {0, 1, 14, 63, 64, 65, 130, 200};
    static const size_t sl[] = {0, 8, 16, 51, 52, 55, 56, 59, 60, 64, 119, 120, 200};
    static const size_t ol[] = {1, 20, 34, 50, 66, 100};
    for (size_t i = 0; i < sizeof pwl / sizeof *pwl; i++)
        for (size_t j = 0; j < sizeof sl / sizeof *sl; j++)
            for (size_t k = 0; k < sizeof ol / sizeof *ol; k++) {
                unsigned iter = (unsigned)(1 + (i + j + k) % 5);
                eg_pbkdf2_sha1(pw, pwl[i], salt, sl[j], iter, a, ol[k]);
                assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)pw, (int)pwl[i], salt, (int)sl[j],
                                                   (int)iter, EVP_sha1(), (int)ol[k], b),
                                 1);
                assert_memory_equal(a, b, ol[k]);
            }
}

static void test_single_block(void **state)
{
    (void)state;
    uint8_t whole[80], blk[20], salt[16] = "0123456789abcdef";
    eg_pbkdf2_sha1((const uint8_t *)"infected", 8, salt, 16, 1000, whole, 80);
    eg_pbkdf2_sha1_ctx k;
    eg_pbkdf2_sha1_key(&k, (const uint8_t *)"infected", 8);
    for (uint32_t i = 4; i >= 1; i--) {
        eg_pbkdf2_sha1_block(&k, salt, 16, 1000, i, blk);
        assert_memory_equal(blk, whole + 20 * (i - 1), 20);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6070),
        cmocka_unit_test(test_against_openssl),
        cmocka_unit_test(test_single_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
