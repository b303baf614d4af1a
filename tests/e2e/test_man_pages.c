/*
 * The man pages (the .scd files of man/, built into build/man by scdoc) against the program
 * they describe: every page renders with `man --warnings` and nothing on standard error; every
 * command that `emoguard --help` lists has its page emoguard-COMMAND.(1|8) naming every option its
 * --help prints and every long option of the front end's getopt tables (src/cli); every key of the
 * milter configuration parser's table (src/milter/config.c) and every key the front end reads
 * from a configuration file is defined in emoguard.conf(5), with a default that the parser
 * reads to the built-in value; every exit code of EG_EXIT_TABLE is in emoguard(1); and
 * `cmake --install` puts the pages under share/man/manN.
 * A new subcommand, option or key without its documentation fails here.
 * Needs scdoc at configure time and man-db with groff (scripts/debian-packages.txt and -test.txt).
 */
#include "../../src/milter/config.c" /* the key table; src/milter is linked into the binary only */
#include "../../src/milter/policy.c"
#include "cli/cli.h"                 /* EG_EXIT_TABLE */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAN_SRC EG_SOURCE_DIR "/man"
#define MAN_OUT EG_BUILD_DIR "/man"

static char *read_text(const char *path)
{
    char *t = (char *)eg_test_read_file(path, NULL);
    if (!t)
        fail_msg("cannot read %s", path);
    return t;
}

/* true when word occurs in text with no option/identifier character on either side */
static bool has_token(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)); p++) {
        char before = p > text ? p[-1] : ' ', after = p[n];
        bool in_before = isalnum((unsigned char)before) || before == '-' || before == '_';
        bool in_after = isalnum((unsigned char)after) || after == '-' || after == '_';
        if (!in_before && !in_after)
            return true;
    }
    return false;
}

/* The page source of a command: man/emoguard-NAME.1.scd or .8.scd; malloc'd text or NULL. */
static char *command_page(const char *name, char *path, size_t pathlen)
{
    static const char *const sections[] = {"1", "8"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, pathlen, "%s/emoguard-%s.%s.scd", MAN_SRC, name, sections[i]);
        struct stat sb;
        if (stat(path, &sb) == 0)
            return read_text(path);
    }
    return NULL;
}

/* The commands `emoguard --help` lists: the first word of each indented line after "commands:"
 * up to the first blank line. Returns the count; names are malloc'd. */
static size_t list_commands(char **names, size_t max)
{
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd, "'%s' --help", EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_non_null(out);
    const char *p = strstr(out, "\ncommands:\n");
    assert_non_null(p);
    p += strlen("\ncommands:\n");
    size_t n = 0;
    while (*p == ' ' && n < max) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " \n");
        assert_true(len > 0 && len < 64);
        names[n++] = strndup(p, len);
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    free(out);
    assert_true(n >= 6); /* scan rules milter intel hostcheck harden, at least */
    return n;
}

static void pages_render_without_warnings(void **unused)
{
    (void)unused;
    if (!eg_test_have("man") || !eg_test_have("nroff"))
        fail_msg("man or groff missing: install man-db and groff-base "
                 "(scripts/debian-packages-test.txt)");
    DIR *d = opendir(MAN_SRC);
    assert_non_null(d);
    size_t pages = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 4, ".scd"))
            continue;
        char page[600], cmd[1600];
        snprintf(page, sizeof page, "%s/%.*s", MAN_OUT, (int)(n - 4), e->d_name);
        struct stat sb;
        if (stat(page, &sb) != 0)
            fail_msg("%s was not built: install scdoc (scripts/debian-packages.txt) and re-run "
                     "cmake",
                     page);
        /* stderr only, to be empty; the rendered text is checked below */
        snprintf(cmd, sizeof cmd, "man --warnings -E UTF-8 -l '%s' 2>&1 >/dev/null", page);
        char *err = NULL;
        int rc = eg_test_run(cmd, &err, NULL);
        if (rc != 0 || (err && *err))
            fail_msg("%s: man exit %d, warnings:\n%s", page, rc, err ? err : "");
        free(err);
        snprintf(cmd, sizeof cmd, "MANWIDTH=80 man -E UTF-8 -l '%s' 2>/dev/null", page);
        char *text = NULL;
        assert_int_equal(eg_test_run(cmd, &text, NULL), 0);
        assert_non_null(text);
        assert_non_null(strstr(text, "NAME"));
        assert_non_null(strstr(text, "SEE ALSO"));
        assert_non_null(strstr(text, "emoguard " EG_VERSION)); /* the footer carries the version */
        assert_null(strstr(text, "@PROJECT_VERSION@"));
        free(text);
        pages++;
    }
    closedir(d);
    assert_true(pages >= 8);
}

/* every -x and --long-option token of a --help text appears in the page */
static void check_help_tokens(const char *name, const char *help, const char *page,
                              const char *path)
{
    for (const char *p = help; *p; p++) {
        if (*p != '-')
            continue;
        char before = p > help ? p[-1] : ' ';
        if (!(before == ' ' || before == '[' || before == ',' || before == '\n' || before == '('))
            continue;
        char tok[80];
        size_t n = 0;
        if (p[1] == '-' && isalpha((unsigned char)p[2])) {
            n = 2;
            while (n < sizeof tok - 1 && (isalnum((unsigned char)p[n]) || p[n] == '-'))
                n++;
        } else if (isalpha((unsigned char)p[1]) && !isalnum((unsigned char)p[2]) && p[2] != '-') {
            n = 2;
        } else {
            continue;
        }
        memcpy(tok, p, n);
        tok[n] = 0;
        if (!has_token(page, tok))
            fail_msg("option %s of `emoguard %s --help` is not in %s", tok, name, path);
        p += n - 1;
    }
}

static void every_command_has_its_page_and_options(void **unused)
{
    (void)unused;
    char *names[64];
    size_t n = list_commands(names, 64);
    char *main_page = read_text(MAN_SRC "/emoguard.1.scd");
    for (size_t i = 0; i < n; i++) {
        char path[600];
        char *page = command_page(names[i], path, sizeof path);
        if (!page)
            fail_msg("`emoguard %s` has no man page: write man/emoguard-%s.1.scd", names[i],
                     names[i]);
        char ref[200];
        snprintf(ref, sizeof ref, "*emoguard-%s*(", names[i]);
        if (!strstr(main_page, ref))
            fail_msg("emoguard.1.scd does not refer to %s", ref);
        assert_non_null(strstr(page, "\n# EXIT STATUS\n"));
        assert_non_null(strstr(page, "\n# EXAMPLES\n"));
        assert_non_null(strstr(page, "\n# SEE ALSO\n"));
        char cmd[1024], *help = NULL;
        snprintf(cmd, sizeof cmd, "'%s' %s --help", EG_BINARY, names[i]);
        assert_int_equal(eg_test_run(cmd, &help, NULL), 0);
        assert_non_null(help);
        /* the exit-code table is printed by every --help; only the options are checked */
        char *table = strstr(help, "exit codes (one table");
        if (table)
            *table = 0;
        check_help_tokens(names[i], help, page, path);
        free(help);
        free(page);
        free(names[i]);
    }
    /* the top-level options too */
    char cmd[1024], *help = NULL;
    snprintf(cmd, sizeof cmd, "'%s' --help", EG_BINARY);
    assert_int_equal(eg_test_run(cmd, &help, NULL), 0);
    assert_non_null(strstr(help, "man emoguard")); /* --help says where the pages are */
    free(help);
    assert_true(has_token(main_page, "--version") && has_token(main_page, "--help"));
    /* every exit code of the one table (lines "  N  meaning") is in emoguard(1)'s EXIT STATUS */
    const char *status = strstr(main_page, "\n# EXIT STATUS\n");
    assert_non_null(status);
    size_t codes = 0;
    for (const char *p = EG_EXIT_TABLE; (p = strstr(p, "\n  ")); p++) {
        if (!isdigit((unsigned char)p[3]) || p[4] != ' ')
            continue;
        char item[16];
        snprintf(item, sizeof item, "\n*%c*\n", p[3]);
        if (!strstr(status, item))
            fail_msg("exit code %c of EG_EXIT_TABLE is not in emoguard.1.scd", p[3]);
        codes++;
    }
    assert_true(codes >= 5);
    free(main_page);
}

/* Long options of every getopt_long table in the front end ({"name", x_argument, ...}), also
 * those --help does not print (scan --json, milter --config): each is in some command's page. */
static void every_getopt_option_is_documented(void **unused)
{
    (void)unused;
    char *all = NULL;
    size_t alllen = 0;
    DIR *d = opendir(MAN_SRC);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "emoguard", 8) || !strstr(e->d_name, ".scd"))
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", MAN_SRC, e->d_name);
        char *t = read_text(path);
        size_t tl = strlen(t);
        all = realloc(all, alllen + tl + 2);
        assert_non_null(all);
        memcpy(all + alllen, t, tl);
        alllen += tl;
        all[alllen++] = '\n';
        all[alllen] = 0;
        free(t);
    }
    closedir(d);
    static const char *const dirs[] = {EG_SOURCE_DIR "/src/cli", EG_SOURCE_DIR "/src/milter"};
    size_t options = 0;
    for (size_t k = 0; k < 2; k++) {
        d = opendir(dirs[k]);
        assert_non_null(d);
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
                continue;
            char path[600];
            snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
            char *src = read_text(path);
            for (const char *p = src; (p = strstr(p, "{\"")); p++) {
                const char *name = p + 2;
                size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-");
                if (!len || name[len] != '"')
                    continue;
                const char *q = name + len + 1;
                while (*q == ',' || *q == ' ' || *q == '\n')
                    q++;
                if (strncmp(q, "no_argument", 11) && strncmp(q, "required_argument", 17) &&
                    strncmp(q, "optional_argument", 17))
                    continue;
                char tok[80];
                snprintf(tok, sizeof tok, "--%.*s", (int)len, name);
                if (!has_token(all, tok))
                    fail_msg("option %s (%s) is in no man page", tok, path);
                options++;
            }
            free(src);
        }
        closedir(d);
    }
    free(all);
    assert_true(options >= 40);
}

static bool same_list(const eg_str_list *a, const eg_str_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]))
            return false;
    return true;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* the value of key k in a and b is the same (k's type, as set_key stores it) */
static bool same_value(const key_def *k, const eg_milter_config *a, const eg_milter_config *b)
{
    const char *x = (const char *)a + k->off, *y = (const char *)b + k->off;
    switch (k->type) {
    case K_STR:
    case K_ASCII: return same_str(*(char *const *)x, *(char *const *)y);
    case K_UINT:
    case K_MODE: return *(const unsigned *)x == *(const unsigned *)y;
    case K_INT: return *(const int *)x == *(const int *)y;
    case K_BOOL: return *(const bool *)x == *(const bool *)y;
    case K_ACTION: return *(const eg_milter_action *)x == *(const eg_milter_action *)y;
    case K_SIZE:
        if (k->off == offsetof(eg_milter_config, state_max_keys))
            return *(const size_t *)x == *(const size_t *)y;
        return *(const uint64_t *)x == *(const uint64_t *)y;
    case K_LIST:
    case K_LISTSET: return same_list((const eg_str_list *)x, (const eg_str_list *)y);
    default: return true; /* a type this test does not know: only the key's presence counts */
    }
}

/* "none" (a string unset, a list empty) */
static bool is_unset(const key_def *k, const eg_milter_config *c)
{
    const char *x = (const char *)c + k->off;
    if (k->type == K_STR || k->type == K_ASCII)
        return *(char *const *)x == NULL;
    if (k->type == K_LIST || k->type == K_LISTSET)
        return ((const eg_str_list *)x)->n == 0;
    if (k->type == K_NETS)
        return ((const eg_cidr_list *)x)->n == 0;
    return false;
}

/* The documented default of a key: the rest of the line "*key* = VALUE" of the page. */
static bool page_default(const char *page, const char *key, char *out, size_t outlen)
{
    char head[128];
    snprintf(head, sizeof head, "\n*%s* = ", key);
    const char *p = strstr(page, head);
    if (!p)
        return false;
    p += strlen(head);
    size_t n = strcspn(p, "\n");
    snprintf(out, outlen, "%.*s", (int)n, p);
    return true;
}

static void every_config_key_in_conf_page(void **unused)
{
    (void)unused;
    char *page = read_text(MAN_SRC "/emoguard.conf.5.scd");
    eg_milter_config def;
    eg_milter_config_init(&def);
    size_t nkeys = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < nkeys; i++) {
        const key_def *k = &keys[i];
        char value[1024];
        if (k->type == K_GONE) { /* a removed key is an error, not something to set */
            if (page_default(page, k->name, value, sizeof value))
                fail_msg("emoguard.conf.5 documents the removed key %s", k->name);
            continue;
        }
        if (!page_default(page, k->name, value, sizeof value))
            fail_msg("key %s (src/milter/config.c) is not defined in emoguard.conf.5.scd as a "
                     "line \"*%s* = DEFAULT\"",
                     k->name, k->name);
        if (!strcmp(value, "(none)")) {
            if (!is_unset(k, &def))
                fail_msg("emoguard.conf.5: %s is documented as (none) but has a default", k->name);
            continue;
        }
        if (value[0] == '(')
            continue; /* a default said in words (computed, or not ASCII) */
        /* the documented default, read by the parser, is the built-in default */
        char line[1200], err[256] = "";
        snprintf(line, sizeof line, "%s = %s\n", k->name, value);
        eg_milter_config c;
        eg_milter_config_init(&c);
        eg_status st = eg_milter_config_parse(&c, line, strlen(line), err, sizeof err);
        if (st != EG_OK)
            fail_msg("emoguard.conf.5: default of %s does not parse: %s", k->name, err);
        if (!same_value(k, &c, &def))
            fail_msg("emoguard.conf.5: documented default of %s (%s) is not the built-in one",
                     k->name, value);
        eg_milter_config_free(&c);
    }
    eg_milter_config_free(&def);

    /* and no key defined there that the parser does not know (but the front end's own) */
    size_t defined = 0;
    for (const char *p = page; (p = strstr(p, "\n*")); p++) {
        const char *name = p + 2;
        size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (!len || strncmp(name + len, "* = ", 4))
            continue;
        bool known = false;
        for (size_t i = 0; i < nkeys && !known; i++)
            known = strlen(keys[i].name) == len && !strncmp(keys[i].name, name, len);
        if (!known && !(len == 7 && !strncmp(name, "contact", 7)))
            fail_msg("emoguard.conf.5 defines %.*s, which the parser does not accept", (int)len,
                     name);
        defined++;
    }
    assert_true(defined >= nkeys);

    /* keys the front end reads with eg_cli_conf_value(PATH, "key", ...) */
    DIR *d = opendir(EG_SOURCE_DIR "/src/cli");
    assert_non_null(d);
    struct dirent *e;
    size_t fe_keys = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/src/cli/%s", EG_SOURCE_DIR, e->d_name);
        char *src = read_text(path);
        for (const char *p = src; (p = strstr(p, "eg_cli_conf_value(")); p++) {
            const char *q = strchr(p, ',');
            if (!q)
                break;
            while (*++q == ' ')
                ;
            if (*q != '"')
                continue;
            size_t len = strcspn(q + 1, "\"");
            char head[128];
            snprintf(head, sizeof head, "\n*%.*s* = ", (int)len, q + 1);
            if (!strstr(page, head))
                fail_msg("key %.*s read by %s is not in emoguard.conf.5.scd", (int)len, q + 1,
                         path);
            fe_keys++;
        }
        free(src);
    }
    closedir(d);
    assert_true(fe_keys >= 1); /* scan's contact */
    free(page);
}

/* `cmake --install` puts each page under share/man/manN */
static void install_puts_pages_under_share_man(void **unused)
{
    (void)unused;
    char *dir = eg_test_tmpdir("man-install");
    assert_non_null(dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "DESTDIR='%s' cmake --install '%s' --prefix /usr >/dev/null 2>&1 && "
             "cd '%s/usr/share/man' && ls man1/emoguard.1 man1/emoguard-scan.1 "
             "man1/emoguard-rules.1 man1/emoguard-intel.1 man1/emoguard-hostcheck.1 "
             "man1/emoguard-harden.1 man5/emoguard.conf.5 man8/emoguard-milter.8 >/dev/null",
             dir, EG_BUILD_DIR, dir);
    int rc = eg_test_run(cmd, NULL, NULL);
    eg_test_rmrf(dir);
    free(dir);
    assert_int_equal(rc, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_render_without_warnings),
        cmocka_unit_test(every_command_has_its_page_and_options),
        cmocka_unit_test(every_getopt_option_is_documented),
        cmocka_unit_test(every_config_key_in_conf_page),
        cmocka_unit_test(install_puts_pages_under_share_man),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
