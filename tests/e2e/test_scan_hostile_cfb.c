/*
 * The real binary against CFB directory trees built to exhaust the stack: `emoguard scan -j 2`
 * on a mail with a 40 000-deep sibling chain must exit with a verdict (1 suspicious or 2
 * malicious), not die of a signal; and the deepest tree the CFB check hands to libgsf must be
 * scanned even under `ulimit -s 512`, because the workers get their own 8 MiB stacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "hostile_office.h"
#include "office/office.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("hostile-cfb");
    return tmp ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

/* Runs `sh -c "<prefix> emoguard scan -j 2 --format json FILE"`; returns the raw wait status. */
static int scan_status(const char *prefix, const char *file, char **out)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && %s EG_NO_PROGRESS=1 exec '%s' scan -j 2 --format json '%s' 2>/dev/null",
             tmp, prefix, EG_BINARY, file);
    /* system() gives the shell's status; with exec the shell is the scanner, so a signal that
     * kills the scanner shows as WIFSIGNALED */
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n, p)) > 0) {
        n += r;
        if (n == cap) {
            char *q = realloc(b, cap * 2 + 1);
            if (!q)
                break;
            b = q;
            cap *= 2;
        }
    }
    if (b)
        b[n] = 0;
    *out = b;
    return pclose(p);
}

static void write_mail(const char *name, uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    assert_non_null(data);
    assert_int_equal(eg_test_write_file(path, data, len), 0);
    free(data);
}

static void chain_40000_gives_a_verdict(void **st)
{
    (void)st;
    const eg_hostile_case *c = NULL;
    for (const eg_hostile_case *k = eg_hostile_office; k->name; k++)
        if (!strcmp(k->name, "cfb-sibling-chain-40000"))
            c = k;
    assert_non_null(c);
    size_t len = 0;
    uint8_t *mail = c->make(&len);
    write_mail("chain.eml", mail, len);
    char *out = NULL;
    int ws = scan_status("", "chain.eml", &out);
    if (!WIFEXITED(ws) || (WEXITSTATUS(ws) != 1 && WEXITSTATUS(ws) != 2))
        printf("wait status 0x%x (signal %d), output: %.500s\n", ws,
               WIFSIGNALED(ws) ? WTERMSIG(ws) : 0, out ? out : "");
    assert_true(WIFEXITED(ws));
    assert_true(WEXITSTATUS(ws) == 1 || WEXITSTATUS(ws) == 2);
    assert_non_null(out);
    assert_non_null(strstr(out, "OFFICE.CFB_MALFORMED"));
    free(out);
}

static void deepest_allowed_under_small_ulimit(void **st)
{
    (void)st;
    size_t dl = 0, ml = 0;
    uint8_t *doc = eg_hx_cfb_sibling_chain(EG_CFB_MAX_DEPTH - 3, &dl);
    assert_non_null(doc);
    uint8_t *mail = eg_hostile_mail_with("invoice.doc", "application/msword", doc, dl, &ml);
    free(doc);
    write_mail("deep.eml", mail, ml);
    char *out = NULL;
    int ws = scan_status("ulimit -s 512 &&", "deep.eml", &out);
    if (!WIFEXITED(ws))
        printf("wait status 0x%x (signal %d)\n", ws, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    assert_true(WIFEXITED(ws));
    assert_true(WEXITSTATUS(ws) <= 2);
    assert_non_null(out);
    /* libgsf read the whole chain: the macro storage at its end was reported */
    assert_non_null(strstr(out, "VBA.MACRO"));
    assert_null(strstr(out, "OFFICE.CFB_MALFORMED"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_40000_gives_a_verdict),
        cmocka_unit_test(deepest_allowed_under_small_ulimit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
