/* The ASCII case-insensitive search every analyzer uses on hostile text: right answers for
 * letters, UTF-8 and NUL bytes, and an input built to make a rescanning search quadratic (one case
 * of the needle's first letter everywhere, the other nowhere), which must still finish well
 * inside the test's time limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/strutil.h"

#include <stdlib.h>
#include <string.h>

static void finds_in_any_case(void **st)
{
    (void)st;
    const char *t = "Set x = CreateObject(\"WScript.Shell\")";
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "createobject", 12), t + 8);
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "WSCRIPT.shell", 13), t + 22);
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "Set", 3), t);
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "\")", 2), t + strlen(t) - 2);
    assert_null(eg_memmem_ci(t, strlen(t), "shell32", 7));
    assert_null(eg_memmem_ci(t, 10, "createobject", 12));
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "", 0), t);
    assert_null(eg_memmem_ci(NULL, 0, "a", 1));
    static const char wide[] = "a\0b\0"; /* UTF-16LE text: the zero bytes match themselves */
    assert_ptr_equal(eg_memmem_ci(wide, 4, "B\0", 2), wide + 2);
}

static void utf8_needles(void **st)
{
    (void)st;
    const char *t = "添付ファイルのパスワードは別途お送りします。PASSWORD";
    const char *p = strstr(t, "パスワード");
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "パスワード", strlen("パスワード")), p);
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "password", 8), t + strlen(t) - 8);
    assert_null(eg_memmem_ci(t, strlen(t), "パスコード", strlen("パスコード")));
    /* a letter after UTF-8 bytes: the mixed needle takes the letter path */
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "。Pass", strlen("。Pass")), strstr(t, "。"));
}

static void one_case_everywhere(void **st)
{
    (void)st;
    size_t n = 8u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'C', n);
    memcpy(big + n - 12, "createObject", 12);
    assert_ptr_equal(eg_memmem_ci(big, n, "CREATEOBJECT", 12), big + n - 12);
    assert_null(eg_memmem_ci(big, n - 1, "CREATEOBJECT", 12));
    memset(big, 'c', n); /* and the other way round */
    memcpy(big + n - 12, "CREATEOBJECT", 12);
    assert_ptr_equal(eg_memmem_ci(big, n, "createobject", 12), big + n - 12);
    free(big);
}

/* Needles without letters are found through their rarest byte; a haystack full of that byte
 * (every kana ends in 0x82 here) hands the rest to a linear search, and the leftmost match is
 * still the answer. */
static void anchor_everywhere(void **st)
{
    (void)st;
    size_t reps = 200000, n = reps * 3 + 6;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + 3 * i, "あ", 3);
    memcpy(big + n - 6, "あい", 6);
    assert_ptr_equal(eg_memmem_ci(big, n, "あい", 6), big + n - 6);
    assert_null(eg_memmem_ci(big, n - 1, "あい", 6));
    assert_ptr_equal(eg_memmem_ci(big, n, "ああ", 6), big);
    memcpy(big + 30, "あい", 6); /* an earlier match wins */
    assert_ptr_equal(eg_memmem_ci(big, n, "あい", 6), big + 30);
    const char *t = "会議は2024年7月1日、資料は2024年版です。";
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "2024年版", strlen("2024年版")),
                     strstr(t, "2024年版"));
    assert_ptr_equal(eg_memmem_ci(t, strlen(t), "年7月", strlen("年7月")), strstr(t, "年7月"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_in_any_case),
        cmocka_unit_test(utf8_needles),
        cmocka_unit_test(one_case_everywhere),
        cmocka_unit_test(anchor_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
