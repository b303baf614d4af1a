/*
 * Evidence templates (src/verdict/evidence.h, rules/evidence_*.def): every English/Japanese pair
 * takes the same arguments, one English text has one Japanese text, the formatter writes the
 * Japanese form from the English call's arguments (phrases translated, quoted values not), text
 * written ahead is recognised by its piece, and every literal evidence format in src/ has a
 * Japanese template.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"
#include "verdict/evidence.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void pairs_match(void **state)
{
    (void)state;
    size_t n = eg_evidence_count(), bad = 0;
    assert_true(n > 300);
    for (size_t i = 0; i < n; i++) {
        const eg_evidence_template *t = eg_evidence_at(i);
        char why[256];
        if (!eg_evidence_specs_match(t->en, t->ja, why, sizeof why)) {
            printf("%s: \"%s\" / \"%s\": %s\n", t->where, t->en, t->ja, why);
            bad++;
        }
        /* Japanese quotes values in 「」, never in ASCII quotes */
        if (strchr(t->ja, '"') && strcmp(t->en, "\"") && strcmp(t->en, " = \"")) {
            printf("%s: \"%s\": ASCII quote in the Japanese form\n", t->where, t->ja);
            bad++;
        }
        for (size_t k = 0; k < i; k++) {
            const eg_evidence_template *u = eg_evidence_at(k);
            if (!strcmp(u->en, t->en) && strcmp(u->ja, t->ja)) {
                printf("%s and %s: \"%s\" has two Japanese forms\n", u->where, t->where, t->en);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* the check itself tells a mismatch */
static void specs_checker(void **state)
{
    (void)state;
    char why[128];
    assert_true(eg_evidence_specs_match("%s: %zu bytes", "%s: %zu バイト", why, sizeof why));
    assert_true(eg_evidence_specs_match("%zu of %u", "%2$u 個中 %1$zu", why, sizeof why));
    assert_true(eg_evidence_specs_match("%.*s: %llu", "%.*s: %llu", why, sizeof why));
    assert_false(eg_evidence_specs_match("%s: %zu bytes", "%s: %u バイト", why, sizeof why));
    assert_false(eg_evidence_specs_match("%s: %zu bytes", "%s バイト", why, sizeof why));
    assert_false(eg_evidence_specs_match("%s %s", "%2$s", why, sizeof why)); /* %1$ unused */
    assert_false(eg_evidence_specs_match("%s %s", "%1$s %s", why, sizeof why));
    assert_false(eg_evidence_specs_match("%.*s", "%s", why, sizeof why));
}

static void formats_japanese(void **state)
{
    (void)state;
    char *s = eg_evidence_format_ja("%zu entries not opened (%zu password candidates): %s",
                                    (size_t)2, (size_t)3, "\"a.exe\", \"b.js\"");
    assert_non_null(s);
    assert_string_equal(s, "2 個のエントリを開けず (パスワード候補 3 個): 「a.exe」、「b.js」");
    free(s);
    /* a phrase argument is translated; the same word quoted from the mail is not */
    s = eg_evidence_format_ja("\"%s\": %s%s", "yes", "deflate64", ", encrypted");
    assert_non_null(s);
    assert_string_equal(s, "「yes」: deflate64、暗号化");
    free(s);
    /* reordered arguments */
    s = eg_evidence_format_ja("header block of %zu bytes: %zu fields dropped past %u bytes",
                              (size_t)70000, (size_t)12, 65536u);
    assert_non_null(s);
    assert_string_equal(s, "70000 バイトのヘッダ部: 65536 バイトを超えた 12 個のフィールドを破棄");
    free(s);
    /* precision from an argument */
    s = eg_evidence_format_ja("URL=\"%.*s\"", 5, "http://x");
    assert_non_null(s);
    assert_string_equal(s, "URL=「http:」");
    free(s);
    assert_null(eg_evidence_format_ja("no such template %d", 1));
    /* an argument cut by its precision is a buffer that may have no NUL: read only that far
     * (ASan would see a read past it) */
    char *key = malloc(3), *dec = malloc(4);
    assert_non_null(key);
    assert_non_null(dec);
    memcpy(key, "yes", 3);
    memcpy(dec, "calc", 4);
    s = eg_evidence_format_ja("XOR key %.*s: \"%.*s\"", 3, key, 4, dec);
    assert_non_null(s);
    assert_string_equal(s, "XOR の鍵 yes: 「calc」");
    free(s);
    free(key);
    free(dec);
}

static void pieces(void **state)
{
    (void)state;
    char *s = eg_evidence_translate("line 12: \"Shell \"cmd /c calc\"\"");
    assert_non_null(s);
    assert_string_equal(s, "12 行目: 「Shell \"cmd /c calc\"」");
    free(s);
    s = eg_evidence_translate("body: line 3 (\"パスワード：\")");
    assert_non_null(s);
    assert_string_equal(s, "本文: 3 行目 (「パスワード：」)");
    free(s);
    s = eg_evidence_translate("target: \"C:\\x.exe\" | window: minimized");
    assert_non_null(s);
    assert_string_equal(s, "リンク先: 「C:\\x.exe」 | ウィンドウ: 最小化");
    free(s);
    assert_null(eg_evidence_translate("something no table knows"));
}

/* ---- every literal format in src/ has a Japanese template --------------------------------- */

static size_t missing;

/* the C string literal(s) at p (concatenated, escapes resolved) into out; false when the
 * argument is no literal */
static bool literal_at(const char *p, char *out, size_t cap)
{
    size_t o = 0;
    while (*p == ' ' || *p == '\n' || *p == '\t')
        p++;
    if (*p != '"')
        return false;
    while (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            char c = *p;
            if (c == '\\') {
                p++;
                c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
            }
            if (o + 1 < cap)
                out[o++] = c;
        }
        if (*p)
            p++;
        while (*p == ' ' || *p == '\n' || *p == '\t')
            p++;
    }
    out[o] = 0;
    return *p == ',' || *p == ')';
}

/* the start of argument k (0-based) of the call whose '(' is at open; NULL past its end */
static const char *arg_at(const char *open, int k)
{
    if (k == 0)
        return open + 1;
    int depth = 0;
    bool str = false;
    for (const char *p = open + 1; *p; p++) {
        if (str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                str = false;
            continue;
        }
        if (*p == '"')
            str = true;
        else if (*p == '(')
            depth++;
        else if (*p == ')') {
            if (!depth)
                return NULL;
            depth--;
        } else if (*p == ',' && !depth && --k == 0)
            return p + 1;
    }
    return NULL;
}

static void check_calls(const char *path, const char *text, const char *call, int argi)
{
    size_t cl = strlen(call);
    for (const char *p = strstr(text, call); p; p = strstr(p + cl, call)) {
        if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z')))
            continue; /* another name ending the same way */
        const char *a = arg_at(p + cl - 1, argi);
        char lit[1024];
        if (!a || !literal_at(a, lit, sizeof lit))
            continue;
        if (!eg_evidence_ja(lit)) {
            int line = 1;
            for (const char *q = text; q < p; q++)
                line += *q == '\n';
            printf("%s:%d: \"%s\" has no Japanese template\n", path, line, lit);
            missing++;
        }
    }
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk(path);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
            continue;
        size_t len = 0;
        char *text = (char *)eg_test_read_file(path, &len);
        if (!text)
            continue;
        if (!strstr(path, "/host/") && !strstr(path, "/cli/") && !strstr(path, "/milter/")) {
            check_calls(path, text, "eg_scan_finding(", 3);
            /* evidence written ahead: the sender checks' hits, the reasons a compound file or a
             * OneNote revision store could not be read */
            if (strstr(path, "/mail/sender.c"))
                check_calls(path, text, "hit(", 2);
            if (strstr(path, "/office/cfb_check.c"))
                check_calls(path, text, "fail(", 2);
            if (strstr(path, "/payload/onestore.c"))
                check_calls(path, text, "fail(", 1);
        }
        free(text);
    }
    closedir(d);
}

static void every_call_site_has_a_template(void **state)
{
    (void)state;
    missing = 0;
    walk(EG_SOURCE_DIR "/src");
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pairs_match),
        cmocka_unit_test(specs_checker),
        cmocka_unit_test(formats_japanese),
        cmocka_unit_test(pieces),
        cmocka_unit_test(every_call_site_has_a_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
