/*
 * YARA include statements are confined to the rules folder: an include of a file inside it (also
 * nested, relative to the including file) works; one that leaves it by an absolute path, "..",
 * or a symbolic link is refused with an error naming it. A refused include is repeated many times
 * so that a leak per failed include shows in the sanitizer build's leak check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intel/yrules.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root, *rules, *outside;

static void put(const char *dir, const char *name, const char *text)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(eg_test_write_file(p, text, strlen(text)), 0);
}

static int setup(void **state)
{
    (void)state;
    root = eg_test_tmpdir("yinc");
    size_t n = strlen(root) + 16;
    rules = malloc(n);
    outside = malloc(n);
    snprintf(rules, n, "%s/rules", root);
    snprintf(outside, n, "%s/secret", root);
    mkdir(rules, 0700);
    mkdir(outside, 0700);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/sub", rules);
    mkdir(sub, 0700);
    put(outside, "x.yar", "rule Outside { condition: true }\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    eg_test_rmrf(root);
    free(root);
    free(rules);
    free(outside);
    return 0;
}

static char errbuf[1024];

static eg_status load_main(const char *text, eg_yrules **y)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/case", rules);
    eg_test_rmrf(dir);
    mkdir(dir, 0700);
    put(dir, "main.yar", text);
    errbuf[0] = 0;
    return eg_yrules_load(dir, y, NULL, NULL, errbuf, sizeof errbuf);
}

static void include_inside_works(void **state)
{
    (void)state;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/sub", rules);
    put(sub, "a.yar", "include \"b.yar\"\nrule A { condition: B }\n");
    put(sub, "b.yar", "rule B { condition: true }\n");
    eg_yrules *y = NULL;
    /* main.yar sits in rules/case: ../sub stays inside the rules folder? no: the folder loaded
     * is rules/case, so load the rules folder itself for this one */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/case", rules);
    eg_test_rmrf(dir);
    put(rules, "main.yar", "include \"sub/a.yar\"\nrule M { condition: A }\n");
    eg_status st = eg_yrules_load(rules, &y, NULL, NULL, errbuf, sizeof errbuf);
    if (st != EG_OK)
        fprintf(stderr, "%s\n", errbuf);
    assert_int_equal(st, EG_OK);
    /* sub/a.yar and sub/b.yar are also loaded as files of the folder; they compile in their own
     * namespaces */
    assert_true(eg_yrules_count(y) >= 3);
    eg_yrules_free(y);
    char p[4096];
    snprintf(p, sizeof p, "%s/main.yar", rules);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub/a.yar", rules);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub/b.yar", rules);
    unlink(p);
}

static void refused(const char *text)
{
    eg_yrules *y = NULL;
    assert_int_not_equal(load_main(text, &y), EG_OK);
    assert_null(y);
    if (!strstr(errbuf, "refused"))
        fprintf(stderr, "error was: %s\n", errbuf);
    assert_non_null(strstr(errbuf, "refused"));
}

static void include_absolute_refused(void **state)
{
    (void)state;
    char t[4096];
    snprintf(t, sizeof t, "include \"%s/x.yar\"\nrule M { condition: Outside }\n", outside);
    refused(t);
    refused("include \"/etc/passwd\"\nrule M { condition: true }\n");
}

static void include_dotdot_refused(void **state)
{
    (void)state;
    refused("include \"../../secret/x.yar\"\nrule M { condition: Outside }\n");
}

static void include_symlink_refused(void **state)
{
    (void)state;
    char dir[4096], link[4200], target[4200];
    snprintf(dir, sizeof dir, "%s/case", rules);
    eg_test_rmrf(dir);
    mkdir(dir, 0700);
    put(dir, "main.yar", "include \"link.yar\"\nrule M { condition: Outside }\n");
    snprintf(link, sizeof link, "%s/link.yar", dir);
    snprintf(target, sizeof target, "%s/x.yar", outside);
    assert_int_equal(symlink(target, link), 0);
    eg_yrules *y = NULL;
    /* the link itself is not a .yar file the folder walk takes? it is: it must be refused either
     * way, as an include and as a file */
    eg_status st = eg_yrules_load(dir, &y, NULL, NULL, errbuf, sizeof errbuf);
    assert_int_not_equal(st, EG_OK);
    assert_null(y);
}

/* many reloads with a refused include: the sanitizer build's leak check catches a per-failure
 * leak (libyara's own include reader lost 16 KB each time) */
static void failed_includes_do_not_leak(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++)
        refused("include \"../../secret/x.yar\"\nrule M { condition: true }\n");
    for (int i = 0; i < 50; i++) {
        eg_yrules *y = NULL;
        assert_int_not_equal(load_main("include \"missing.yar\"\nrule M { condition: true }\n", &y),
                             EG_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(include_inside_works),        cmocka_unit_test(include_absolute_refused),
        cmocka_unit_test(include_dotdot_refused),      cmocka_unit_test(include_symlink_refused),
        cmocka_unit_test(failed_includes_do_not_leak),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
