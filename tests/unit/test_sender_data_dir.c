/*
 * Where the domain lists come from when no data_dir is configured: $EMOGUARD_DATA_DIR, else the
 * installed <datadir>/emoguard/data, else (a build run from its tree, nothing installed) the source
 * tree's data/. Checked through the resolver and through whole scans, whose
 * SENDER.ORG_NAME_FREEMAIL finding needs the free-mail list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mail/sender.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "株式会社サンプル商事" from a gmail.com address */
static const char eml[] =
    "From: =?UTF-8?B?5qCq5byP5Lya56S+44K144Oz44OX44Or5ZWG5LqL?= <sample.shoji@gmail.com>\r\n"
    "To: user@example.co.jp\r\nSubject: invoice\r\nMessage-ID: <a1@gmail.com>\r\n"
    "Date: Mon, 07 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the invoice.\r\n";

static int has_freemail_finding(void)
{
    eg_options o;
    eg_options_default(&o); /* data_dir NULL: the default directory */
    eg_report *r = eg_test_scan_opts(eml, sizeof eml - 1, &o);
    assert_non_null(r);
    int has = eg_test_has_rule(r, "SENDER.ORG_NAME_FREEMAIL");
    eg_report_free(r);
    return has;
}

static void environment_variable_wins(void **st)
{
    (void)st;
    setenv("EMOGUARD_DATA_DIR", "/nonexistent/emoguard-data", 1);
    assert_string_equal(eg_sender_default_data_dir(), "/nonexistent/emoguard-data");
    /* no lists there: the check runs without them */
    assert_false(has_freemail_finding());
    setenv("EMOGUARD_DATA_DIR", EG_SOURCE_DIR "/data", 1);
    assert_true(has_freemail_finding());
    unsetenv("EMOGUARD_DATA_DIR");
}

static void installed_path_or_source_tree(void **st)
{
    (void)st;
    unsetenv("EMOGUARD_DATA_DIR");
    const char *d = eg_sender_default_data_dir();
    struct stat sb;
    bool installed = stat(EG_DATA_DIR, &sb) == 0 && S_ISDIR(sb.st_mode);
    /* the compiled default is the installed path, never the source tree */
    assert_non_null(strstr(EG_DATA_DIR, "/emoguard/data"));
    assert_null(strstr(EG_DATA_DIR, EG_SOURCE_DIR));
#ifdef EG_SOURCE_DATA_DIR
    assert_string_equal(d, installed ? EG_DATA_DIR : EG_SOURCE_DATA_DIR);
#else
    assert_string_equal(d, EG_DATA_DIR);
#endif
    if (!installed)
        assert_true(has_freemail_finding()); /* the tree's lists were found */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(environment_variable_wins),
        cmocka_unit_test(installed_path_or_source_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
