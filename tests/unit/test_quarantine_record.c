/* The held-mail record: format and parse round trip, hostile record files (no magic, long lines,
 * NUL bytes, bad ids, oversize, damaged findings), the directory (0600 files, atomic writes, id
 * checks, load/remove/prune, a renamed file), and postqueue -j parsing. */
#include "quarantine/postfix.h"
#include "quarantine/quarantine.h"
#include "testutil.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static void fill(eg_qrec *r, const char *id)
{
    memset(r, 0, sizeof *r);
    snprintf(r->queue_id, sizeof r->queue_id, "%s", id);
    r->time = 1700000000;
    eg_qrec_set(r->from, sizeof r->from, "<mallory@ext.example>");
    eg_qrec_set(r->subject, sizeof r->subject, "請求書\r\nX-Injected: yes");
    eg_qrec_set(r->rcpts[0], sizeof r->rcpts[0], "<a@corp.example>");
    eg_qrec_set(r->rcpts[1], sizeof r->rcpts[1], "<b@corp.example>");
    r->n_rcpts = 2;
    r->rcpts_total = 2;
    eg_qrec_set(r->verdict, sizeof r->verdict, "suspicious");
    r->score = 60;
    eg_qrec_set(r->action, sizeof r->action, "hold");
    eg_qrec_set(r->reason, sizeof r->reason, "emoguard: suspicious score 60 INTEL.URL");
    eg_qrec_set(r->rules, sizeof r->rules, "INTEL.URL");
    eg_qrec_set(r->findings[0].rule, sizeof r->findings[0].rule, "INTEL.URL");
    r->findings[0].score = 60;
    eg_qrec_set(r->findings[0].evidence, sizeof r->findings[0].evidence,
                "url http://bad.example/x listed");
    r->n_findings = 1;
}

static void test_round_trip(void **unused)
{
    eg_qrec r, back;
    fill(&r, "4ABC123");
    char *t = NULL;
    size_t n = 0;
    assert_int_equal(eg_qrec_format(&r, &t, &n), EG_OK);
    assert_null(strstr(t, "\nX-Injected")); /* one field, one line */
    assert_int_equal(eg_qrec_parse(t, n, &back), EG_OK);
    assert_string_equal(back.queue_id, "4ABC123");
    assert_int_equal(back.time, 1700000000);
    assert_string_equal(back.subject, "請求書  X-Injected: yes");
    assert_int_equal(back.n_rcpts, 2);
    assert_string_equal(back.rcpts[1], "<b@corp.example>");
    assert_string_equal(back.verdict, "suspicious");
    assert_int_equal(back.score, 60);
    assert_string_equal(back.rules, "INTEL.URL");
    assert_int_equal(back.n_findings, 1);
    assert_string_equal(back.findings[0].rule, "INTEL.URL");
    assert_int_equal(back.findings[0].score, 60);
    assert_string_equal(back.findings[0].evidence, "url http://bad.example/x listed");
    free(t);
    r.queue_id[0] = 0;
    assert_int_equal(eg_qrec_format(&r, &t, &n), EG_EINVAL);
}

static void test_ids(void **unused)
{
    assert_true(eg_qrec_valid_id("4ABC123"));
    assert_true(eg_qrec_valid_id("4XyZ1k2abcz9Qw")); /* long queue ids */
    assert_false(eg_qrec_valid_id(""));
    assert_false(eg_qrec_valid_id(NULL));
    assert_false(eg_qrec_valid_id("../etc"));
    assert_false(eg_qrec_valid_id("a/b"));
    assert_false(eg_qrec_valid_id("-d"));
    assert_false(eg_qrec_valid_id(".tmp"));
    assert_false(eg_qrec_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456")); /* 33 */
}

static void test_set_cuts_on_utf8_boundary(void **unused)
{
    char b[8];
    eg_qrec_set(b, sizeof b, "ab請求書"); /* 2 + 3*3 bytes: only "ab請" fits whole (5) */
    assert_string_equal(b, "ab請");
    eg_qrec_set(b, sizeof b, NULL);
    assert_string_equal(b, "");
}

static void test_hostile_text(void **unused)
{
    eg_qrec r;
    const char *no_magic = "queue_id ABC\n";
    assert_int_equal(eg_qrec_parse(no_magic, strlen(no_magic), &r), EG_EFORMAT);
    const char *no_id = "emoguard-held 1\nverdict clean\n";
    assert_int_equal(eg_qrec_parse(no_id, strlen(no_id), &r), EG_EFORMAT);
    const char *bad_id = "emoguard-held 1\nqueue_id ../../x\n";
    assert_int_equal(eg_qrec_parse(bad_id, strlen(bad_id), &r), EG_EFORMAT);
    char nul[] = "emoguard-held 1\nqueue_id A\0B\n";
    assert_int_equal(eg_qrec_parse(nul, sizeof nul - 1, &r), EG_EFORMAT);
    char *big = malloc(EG_QREC_MAX_BYTES + 10);
    memset(big, 'a', EG_QREC_MAX_BYTES + 10);
    assert_int_equal(eg_qrec_parse(big, EG_QREC_MAX_BYTES + 10, &r), EG_ELIMIT);
    memcpy(big, "emoguard-held 1\nsubject ", 24);
    assert_int_equal(eg_qrec_parse(big, EG_QREC_MAX_BYTES, &r), EG_EFORMAT); /* a line too long */
    free(big);
    /* damaged values are skipped, the record stays; lists stop at their limits */
    char t[8192];
    int o = snprintf(t, sizeof t,
                     "emoguard-held 1\r\nqueue_id ABC\r\nscore 99999999999\nfinding\nfinding X\n"
                     "finding X notanumber e\nunknown_key v\n\n");
    for (int i = 0; i < 40; i++)
        o += snprintf(t + o, sizeof t - (size_t)o, "rcpt r%d@x\nfinding R%d %d ev\n", i, i, i);
    assert_int_equal(eg_qrec_parse(t, (size_t)o, &r), EG_OK);
    assert_string_equal(r.queue_id, "ABC");
    assert_int_equal(r.score, 0);
    assert_int_equal(r.n_rcpts, EG_QREC_MAX_RCPTS);
    assert_int_equal(r.n_findings, EG_QREC_MAX_FINDINGS);
    assert_string_equal(r.findings[0].rule, "R0");
}

static void test_store(void **unused)
{
    char *d = eg_test_tmpdir("qrec");
    char sd[600], p[800];
    snprintf(sd, sizeof sd, "%s/state", d);
    eg_qrec r, back;
    fill(&r, "4ABC123");
    assert_int_equal(eg_qrec_store(sd, &r), EG_ENOTFOUND); /* state_dir is not made here */
    assert_int_equal(mkdir(sd, 0700), 0);
    assert_int_equal(eg_qrec_store(sd, &r), EG_OK);
    snprintf(p, sizeof p, "%s/held/4ABC123", sd);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/held", sd);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* rewritten in place, no temporary file left */
    r.score = 61;
    assert_int_equal(eg_qrec_store(sd, &r), EG_OK);
    DIR *dd = opendir(p);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dd)))
        files += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dd);
    assert_int_equal(files, 1);
    assert_int_equal(eg_qrec_load(sd, "4ABC123", &back), EG_OK);
    assert_int_equal(back.score, 61);
    assert_int_equal(eg_qrec_load(sd, "NOPE1", &back), EG_ENOTFOUND);
    assert_int_equal(eg_qrec_load(sd, "../x", &back), EG_EINVAL);
    /* a record renamed by hand does not speak for another queue id */
    char p2[800];
    snprintf(p, sizeof p, "%s/held/4ABC123", sd);
    snprintf(p2, sizeof p2, "%s/held/OTHER1", sd);
    assert_int_equal(link(p, p2), 0);
    assert_int_equal(eg_qrec_load(sd, "OTHER1", &back), EG_EFORMAT);
    /* ids and prune */
    fill(&r, "KEEP1");
    assert_int_equal(eg_qrec_store(sd, &r), EG_OK);
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(eg_qrec_ids(sd, &ids, &n), EG_OK);
    assert_int_equal(n, 3);
    eg_qrec_ids_free(ids, n);
    size_t removed = 0;
    bool keep_only(const char *id, void *ud);
    assert_int_equal(eg_qrec_prune(sd, keep_only, NULL, &removed), EG_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(eg_qrec_load(sd, "KEEP1", &back), EG_OK);
    assert_int_equal(eg_qrec_remove(sd, "KEEP1"), EG_OK);
    assert_int_equal(eg_qrec_remove(sd, "KEEP1"), EG_ENOTFOUND);
    assert_int_equal(eg_qrec_store("", &r), EG_EINVAL);
    eg_test_rmrf(d);
    free(d);
}

bool keep_only(const char *id, void *ud)
{
    (void)ud;
    return !strcmp(id, "KEEP1");
}

static void test_postqueue_json(void **unused)
{
    const char *j =
        "{\"queue_name\": \"hold\", \"queue_id\": \"4ABC123\", \"arrival_time\": 1700000000, "
        "\"message_size\": 1234, "
        "\"forced_expire\": false, \"sender\": \"m@ext.example\", \"recipients\": [{\"address\": "
        "\"u@corp.example\"}]}\n"
        "not json\n"
        "{\"queue_name\": \"deferred\", \"queue_id\": \"../bad\"}\n"
        "{\"queue_name\": \"active\", \"queue_id\": \"5DEF\", \"sender\": \"x\\u0001y\\nz\"}\n";
    eg_pfq_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(eg_pfq_parse(j, strlen(j), &e, &n), EG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].queue_id, "4ABC123");
    assert_string_equal(e[0].queue_name, "hold");
    assert_int_equal(e[0].size, 1234);
    assert_int_equal(e[0].n_rcpts, 1);
    assert_string_equal(e[0].rcpt, "u@corp.example");
    assert_string_equal(e[1].queue_id, "5DEF");
    assert_null(strchr(e[1].sender, '\n'));
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_set_cuts_on_utf8_boundary),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_postqueue_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
