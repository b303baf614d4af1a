/* docs/rules.md must be exactly what `emoguard rules --markdown` prints (regenerate with
 * `make rules-doc`), so the reference never drifts from the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rules_md_matches_table(void **st)
{
    (void)st;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' rules --markdown", EG_BINARY);
    char *gen = NULL;
    assert_int_equal(eg_test_run(cmd, &gen, NULL), 0);
    size_t n;
    uint8_t *doc = eg_test_read_file(EG_SOURCE_DIR "/docs/rules.md", &n);
    assert_non_null(doc);
    if (strcmp((char *)doc, gen) != 0)
        fail_msg("docs/rules.md is out of date: run `make rules-doc`");
    /* and every rule id appears in it */
    for (size_t i = 0; i < eg_rule_count(); i++) {
        char needle[128];
        snprintf(needle, sizeof needle, "| `%s` |", eg_rule_get((int)i)->id);
        assert_non_null(strstr((char *)doc, needle));
    }
    free(doc);
    free(gen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(rules_md_matches_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
