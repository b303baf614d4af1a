/* IOC feeds: formats, normal forms, lookups, and the handling of bad feeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/intel.h"
#include "intel/iocset.h"
#include "intel_feeds.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int n_err, n_warn;
    uint32_t first_err_line;
    char all[8192];
} diags;

static void collect(void *ud, const char *file, uint32_t line, bool error, const char *msg)
{
    diags *d = ud;
    if (error && d->n_err++ == 0)
        d->first_err_line = line;
    if (!error)
        d->n_warn++;
    size_t o = strlen(d->all);
    snprintf(d->all + o, sizeof d->all - o, "%s:%u:%s:%s\n", file, line, error ? "E" : "W", msg);
}

typedef struct {
    eg_iocset *set;
    eg_feed_stats st;
    diags d;
    eg_status rc;
} parsed;

static void parse_text(parsed *p, const char *name, const char *text, const eg_feed_limits *lim_in)
{
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    if (lim_in)
        lim = *lim_in;
    memset(p, 0, sizeof *p);
    assert_int_equal(eg_iocset_new(lim.max_entries, &p->set), EG_OK);
    eg_feed_ctx c = {p->set, 0, name, NULL, 0, &lim, collect, &p->d};
    p->rc = eg_feed_parse(&c, (const uint8_t *)text, strlen(text), &p->st);
}

static bool has(const eg_iocset *s, const char *v, uint32_t *line, const char **note)
{
    eg_ikey k;
    eg_ioc_hit h;
    if (!eg_ikey_guess(v, strlen(v), &k) || !eg_iocset_find(s, &k, &h))
        return false;
    if (line)
        *line = h.line;
    if (note)
        *note = h.note;
    return true;
}

static void same_key(const char *a, const char *b)
{
    eg_ikey ka, kb;
    assert_true(eg_ikey_guess(a, strlen(a), &ka));
    assert_true(eg_ikey_guess(b, strlen(b), &kb));
    assert_int_equal(ka.kind, kb.kind);
    assert_int_equal(ka.len, kb.len);
    assert_memory_equal(ka.k, kb.k, ka.len);
}

static void normal_forms(void **st)
{
    (void)st;
    same_key("HTTP://Evil.Example:80/a/B?x=1#frag", "http://evil.example/a/B?x=1");
    same_key("hxxp://evil[.]example/a/B?x=1", "http://evil.example/a/B?x=1");
    same_key("https://user:pw@EVIL.example:443", "https://evil.example/");
    same_key("evil.example/dl/x.exe", "http://evil.example/dl/x.exe");
    same_key("010.001.002.003", "10.1.2.3");
    same_key("2001:DB8:0:0::1", "2001:db8::1");
    same_key("[2001:db8::1]:8080", "[2001:0db8::1]:8080");
    same_key("Evil.Example.", "evil.example");
    same_key("Taro.Yamada@Corp.Example.JP", "taro.yamada@corp.example.jp");
    same_key("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B856",
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856");
    eg_ikey k;
    assert_true(eg_ikey_guess("d41d8cd98f00b204e9800998ecf8427f", 32, &k));
    assert_int_equal(k.kind, EG_IK_MD5);
    assert_true(eg_ikey_guess("da39a3ee5e6b4b0d3255bfef95601890afd80708", 40, &k));
    assert_int_equal(k.kind, EG_IK_SHA1);
    assert_true(eg_ikey_guess("1.2.3.4:8080", 12, &k));
    assert_int_equal(k.kind, EG_IK_IPPORT);
    /* not indicators */
    assert_false(eg_ikey_guess("hello world", 11, &k));
    assert_false(eg_ikey_guess("256.1.1.1", 9, &k));
    assert_false(eg_ikey_guess("1.2.3.4:99999", 13, &k));
    assert_false(eg_ikey_guess("http://exa mple.com/", 20, &k));
    assert_false(eg_ikey_guess("localhost", 9, &k));
    assert_false(eg_ikey_guess("abc123", 6, &k));
}

static void plain_list(void **st)
{
    (void)st;
    parsed p;
    parse_text(&p, "list.txt",
               "# Emotet indicators\n"
               "\n"
               "; also a comment\n"
               "hxxp://bad[.]example/wp-content/x.doc\n"
               "bad2.example   # C2 domain\n"
               "0.0.0.0 sinkholed.example\n"
               "203.0.113.7:8080\r\n"
               "198.51.100.9\n"
               "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B856\n"
               "spam@bad3.example\n",
               NULL);
    assert_int_equal(p.rc, EG_OK);
    assert_int_equal(p.st.format, EG_FEED_PLAIN);
    assert_int_equal(p.d.n_err, 0);
    assert_int_equal(eg_iocset_total(p.set), 7);
    uint32_t line = 0;
    assert_true(has(p.set, "http://bad.example/wp-content/x.doc", &line, NULL));
    assert_int_equal(line, 4);
    assert_true(has(p.set, "bad2.example", &line, NULL));
    assert_int_equal(line, 5);
    assert_true(has(p.set, "sinkholed.example", NULL, NULL));
    assert_true(has(p.set, "203.0.113.7:8080", &line, NULL));
    assert_int_equal(line, 7);
    assert_true(has(p.set, "198.51.100.9", NULL, NULL));
    assert_true(has(p.set, "spam@BAD3.example", NULL, NULL));
    assert_false(has(p.set, "good.example", NULL, NULL));
    eg_iocset_free(p.set);
}

static void feodo_csv(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel");
    const char *ips[] = {"203.0.113.10", "203.0.113.11", "203.0.113.10"};
    int ports[] = {8080, 443, 7080};
    char *path = eg_fx_feodo(dir, "ipblocklist.csv", ips, ports, 3);
    assert_non_null(path);
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, collect, &d};
    eg_feed_stats fs;
    assert_int_equal(eg_feed_load(&c, path, &fs), EG_OK);
    assert_int_equal(fs.format, EG_FEED_FEODO);
    assert_int_equal(fs.records, 3);
    uint32_t line = 0;
    const char *note = NULL;
    assert_true(has(set, "203.0.113.10:8080", &line, &note));
    assert_int_equal(line, 7); /* 5 banner lines, the header, then the first row */
    assert_string_equal(note, "Emotet");
    assert_true(has(set, "203.0.113.10:7080", &line, NULL));
    assert_int_equal(line, 9);
    assert_true(has(set, "203.0.113.11", NULL, NULL)); /* the bare IP of a C2 is listed too */
    assert_int_equal(fs.duplicates, 0);                  /* same IP, other port: not a duplicate */
    eg_iocset_free(set);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void urlhaus_csv(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel");
    const char *urls[] = {"http://compromised.example/wp-admin/aB3x/", "https://203.0.113.5:8443/x.dll"};
    char *path = eg_fx_urlhaus(dir, "csv.txt", urls, 2);
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, collect, &d};
    eg_feed_stats fs;
    assert_int_equal(eg_feed_load(&c, path, &fs), EG_OK);
    assert_int_equal(fs.format, EG_FEED_URLHAUS);
    const char *note = NULL;
    assert_true(has(set, "http://COMPROMISED.example/wp-admin/aB3x/", NULL, &note));
    assert_string_equal(note, "malware_download (doc,emotet,epoch4,heodo)");
    assert_true(has(set, "https://203.0.113.5:8443/x.dll", NULL, NULL));
    /* the path is case-sensitive, and the site itself is not listed as a domain */
    assert_false(has(set, "http://compromised.example/wp-admin/ab3x/", NULL, NULL));
    assert_false(has(set, "compromised.example", NULL, NULL));
    eg_iocset_free(set);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void bazaar_csv(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel");
    uint32_t seeds[] = {11, 12, 13};
    char *path = eg_fx_bazaar(dir, "full.csv", seeds, 3);
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, collect, &d};
    eg_feed_stats fs;
    assert_int_equal(eg_feed_load(&c, path, &fs), EG_OK);
    assert_int_equal(fs.format, EG_FEED_BAZAAR);
    assert_int_equal(fs.added[EG_IK_SHA256], 3);
    assert_int_equal(fs.added[EG_IK_MD5], 3);
    assert_int_equal(fs.added[EG_IK_SHA1], 3);
    char h[65];
    const char *note = NULL;
    eg_fx_hex(12, 64, h);
    assert_true(has(set, h, NULL, &note));
    assert_string_equal(note, "Heodo");
    eg_fx_hex(13 + 7777, 32, h);
    assert_true(has(set, h, NULL, NULL));
    eg_fx_hex(11 + 9999, 40, h);
    assert_true(has(set, h, NULL, NULL));
    eg_fx_hex(14, 64, h);
    assert_false(has(set, h, NULL, NULL));
    eg_iocset_free(set);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void misp_csv(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel");
    char h256[65], hmd5[33], fmd5[60];
    eg_fx_hex(99, 64, h256);
    eg_fx_hex(98, 32, hmd5);
    snprintf(fmd5, sizeof fmd5, "invoice.xlsm|%s", hmd5);
    const char *const rows[][3] = {
        {"sha256", h256, "1"},
        {"filename|md5", fmd5, "1"},
        {"url", "http://dropper.example/a.zip", "1"},
        {"domain|ip", "c2.example|192.0.2.44", "1"},
        {"ip-dst|port", "192.0.2.45|8080", "1"},
        {"email-src", "Spoofed@Victim.example", "1"},
        {"mutex", "Global\\\\Em", "1"},
        {"domain", "not-for-detection.example", "0"},
        {"ip-dst", "198.51.100.0/24", "1"},
    };
    char *path = eg_fx_misp(dir, "misp.csv", rows, 9);
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, collect, &d};
    eg_feed_stats fs;
    assert_int_equal(eg_feed_load(&c, path, &fs), EG_OK);
    assert_int_equal(fs.format, EG_FEED_MISP);
    const char *note = NULL;
    uint32_t line = 0;
    assert_true(has(set, h256, &line, &note));
    assert_int_equal(line, 2);
    assert_non_null(strstr(note, "MISP event 1234"));
    assert_non_null(strstr(note, "seen in, \"malspam\""));
    assert_true(has(set, hmd5, NULL, NULL));
    assert_true(has(set, "http://dropper.example/a.zip", NULL, NULL));
    assert_true(has(set, "c2.example", NULL, NULL));
    assert_true(has(set, "192.0.2.44", NULL, NULL));
    assert_true(has(set, "192.0.2.45:8080", NULL, NULL));
    assert_true(has(set, "192.0.2.45", NULL, NULL));
    assert_true(has(set, "spoofed@victim.example", NULL, NULL));
    assert_false(has(set, "not-for-detection.example", NULL, NULL));
    assert_int_equal(fs.skipped, 3); /* mutex, to_ids=0, the /24 */
    assert_non_null(strstr(d.all, "mutex"));
    assert_non_null(strstr(d.all, "to_ids=0"));
    assert_non_null(strstr(d.all, "CIDR"));
    eg_iocset_free(set);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void misp_multiline_comment(void **st)
{
    (void)st;
    parsed p;
    parse_text(&p, "m.csv",
               "uuid,event_id,category,type,value,comment,to_ids\n"
               "a,1,Network activity,domain,first.example,\"line one\nline two\",1\n"
               "b,1,Network activity,domain,second.example,,1\n",
               NULL);
    assert_int_equal(p.rc, EG_OK);
    uint32_t line = 0;
    assert_true(has(p.set, "second.example", &line, NULL));
    assert_int_equal(line, 4); /* the quoted newline counts as a line */
    eg_iocset_free(p.set);
}

static void urls_with_commas(void **st)
{
    (void)st;
    parsed p;
    parse_text(&p, "c.txt", "http://a.example/x?a=1,2\nhttp://b.example/p,q\nc.example,d.example\n", NULL);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_int_equal(p.d.n_err, 1);
    assert_non_null(strstr(p.d.all, "c.txt:3:E:a comma in a plain list"));
    assert_true(has(p.set, "http://a.example/x?a=1,2", NULL, NULL));
    assert_true(has(p.set, "http://b.example/p,q", NULL, NULL));
    eg_iocset_free(p.set);
}

static void errors_have_lines(void **st)
{
    (void)st;
    parsed p;
    parse_text(&p, "bad.txt", "good.example\n# fine\nthis is not an indicator\nhttp://ok.example/\n", NULL);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_int_equal(p.d.n_err, 1);
    assert_int_equal(p.d.first_err_line, 3);
    assert_non_null(strstr(p.d.all, "bad.txt:3:E:"));
    eg_iocset_free(p.set);

    parse_text(&p, "u.csv",
               "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
               "\"1\",\"2022-03-01\",\"http://a.example/\",\"online\",\"\",\"malware_download\",\"x\",\"l\",\"r\"\n"
               "\"2\",\"2022-03-01\",\"http://b.example/\",\"online\"\n"
               "\"3\",\"2022-03-01\",\"not a url\",\"online\",\"\",\"malware_download\",\"x\",\"l\",\"r\"\n"
               "\"4\",\"2022-03-01\",\"http://c.example/\",\"online\",\"\",\"malware_download\",\"x\",\"l\",\"r\n",
               NULL);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_int_equal(p.d.n_err, 3);
    assert_non_null(strstr(p.d.all, "u.csv:3:E:4 fields where the header has 9"));
    assert_non_null(strstr(p.d.all, "u.csv:4:E:not a valid url"));
    assert_non_null(strstr(p.d.all, "u.csv:5:E:malformed CSV: unterminated quoted field"));
    eg_iocset_free(p.set);

    parse_text(&p, "b.csv",
               "sha256_hash,md5_hash,signature\n"
               "zz2c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85,,Heodo\n",
               NULL);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_non_null(strstr(p.d.all, "b.csv:2:E:not a valid sha256"));
    eg_iocset_free(p.set);

    parse_text(&p, "x.csv", "indicator,kind\nevil.example,domain\n", NULL);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_non_null(strstr(p.d.all, "x.csv:1:E:CSV without a recognised header"));
    assert_int_equal(eg_iocset_total(p.set), 0);
    eg_iocset_free(p.set);

    static const char bin[] = "evil.example\nab\0cd\n";
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, "bin", NULL, 0, &lim, collect, &d};
    assert_int_equal(eg_feed_parse(&c, (const uint8_t *)bin, sizeof bin - 1, NULL), EG_EFORMAT);
    assert_non_null(strstr(d.all, "bin:2:E:binary data"));
    eg_iocset_free(set);
}

static void limits(void **st)
{
    (void)st;
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    lim.max_record = 40;
    parsed p;
    parse_text(&p, "long.txt", "a.example\nhttp://b.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nc.example\n",
               &lim);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_non_null(strstr(p.d.all, "long.txt:2:E:line longer than 40 bytes"));
    assert_true(has(p.set, "c.example", NULL, NULL)); /* reading went on to report all errors */
    eg_iocset_free(p.set);

    eg_feed_limits_default(&lim);
    lim.max_entries = 3;
    parse_text(&p, "many.txt", "a.example\nb.example\nc.example\nd.example\ne.example\n", &lim);
    assert_int_equal(p.rc, EG_ELIMIT);
    assert_non_null(strstr(p.d.all, "many.txt:4:E:more than 3 indicators"));
    eg_iocset_free(p.set);

    eg_feed_limits_default(&lim);
    lim.max_errors = 5;
    parse_text(&p, "junk.txt", "x y z\nx y z\nx y z\nx y z\nx y z\nx y z\nx y z\nx y z\n", &lim);
    assert_int_equal(p.rc, EG_EFORMAT);
    assert_int_equal(p.d.n_err, 6); /* five, then "too many errors" */
    assert_non_null(strstr(p.d.all, "too many errors"));
    eg_iocset_free(p.set);

    /* a file over the default size limit (sparse: nothing is really written) is refused unread */
    char *dir = eg_test_tmpdir("intel");
    char *path = eg_fx_path(dir, "huge.txt");
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)(1ULL << 30) + 1), 0);
    close(fd);
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    assert_int_equal(eg_iocset_new(0, &set), EG_OK);
    diags d = {0};
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, collect, &d};
    assert_int_equal(eg_feed_load(&c, path, NULL), EG_ELIMIT);
    assert_non_null(strstr(d.all, "larger than the limit"));
    eg_iocset_free(set);
    free(path);
    eg_test_rmrf(dir);
    free(dir);
}

static void duplicates_and_empty_hash(void **st)
{
    (void)st;
    parsed p;
    parse_text(&p, "dup.txt",
               "evil.example\nEVIL.example\nhttp://x.example/a\nhttp://X.EXAMPLE:80/a#top\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
               NULL);
    assert_int_equal(p.rc, EG_OK);
    assert_int_equal(p.st.duplicates, 2);
    assert_non_null(strstr(p.d.all, "dup.txt:2:W:duplicate domain evil.example (first at dup.txt:1)"));
    assert_non_null(strstr(p.d.all, "dup.txt:4:W:duplicate url"));
    assert_non_null(strstr(p.d.all, "dup.txt:5:W:sha256 of an empty file"));
    assert_int_equal(eg_iocset_total(p.set), 2);
    eg_iocset_free(p.set);
}

typedef struct {
    int n;
    char kinds[256];
    eg_intel_match last;
    char feed[256];
} matches;

static void on_match(void *ud, const eg_intel_match *m)
{
    matches *x = ud;
    x->n++;
    size_t o = strlen(x->kinds);
    snprintf(x->kinds + o, sizeof x->kinds - o, "%s%s=%s", o ? " " : "", m->kind, m->value);
    x->last = *m;
    snprintf(x->feed, sizeof x->feed, "%s", m->feed);
}

static void intel_lookups(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel");
    char *a = eg_fx_write(dir, "a.txt", "evil.example\n203.0.113.9\nhttp://drop.example/x.exe\nbad@spam.example\n");
    char *b = eg_fx_write(dir, "b.txt", "# second feed\n203.0.113.9\nspam.example\n");
    const char *feeds[] = {a, b};
    eg_intel *in;
    char err[256];
    diags d = {0};
    assert_int_equal(eg_intel_load_ex(feeds, 2, NULL, collect, &d, &in, err, sizeof err), EG_OK);
    /* duplicates across feeds name the first file */
    assert_non_null(strstr(d.all, "b.txt:2:W:duplicate ip 203.0.113.9 (first at "));
    assert_non_null(strstr(d.all, "a.txt:2)"));
    assert_int_equal(eg_intel_indicators(in), 5);
    assert_int_equal(eg_intel_count(in, "domain"), 2);

    matches m = {0};
    bool valid;
    assert_int_equal(eg_intel_lookup_value(in, "https://cdn.Evil.example/p?q=1", &valid, on_match, &m), 1);
    assert_true(valid);
    assert_string_equal(m.kinds, "domain=evil.example");
    assert_int_equal(m.last.line, 1);
    assert_string_equal(m.feed, a);
    assert_string_equal(m.last.format, "plain list");

    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_ioc(in, EG_IOC_IPPORT, "203.0.113.9:443", on_match, &m), 1);
    assert_string_equal(m.kinds, "ip=203.0.113.9");
    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_ioc(in, EG_IOC_URL, "http://203.0.113.9:8080/x", on_match, &m), 1);
    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_ioc(in, EG_IOC_EMAIL, "Bad@Spam.example", on_match, &m), 2);
    assert_string_equal(m.kinds, "email=bad@spam.example domain=spam.example");
    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_ioc(in, EG_IOC_URL, "HTTP://drop.example:80/x.exe", on_match, &m), 1);
    assert_string_equal(m.kinds, "url=http://drop.example/x.exe");
    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_value(in, "example", &valid, on_match, &m), 0);
    assert_false(valid);
    assert_int_equal(eg_intel_lookup_value(in, "notevil.example", &valid, on_match, &m), 0);
    assert_true(valid);
    assert_int_equal(eg_intel_lookup_ioc(in, EG_IOC_DOMAIN, "example", on_match, &m), 0);

    /* hashes of bytes: SHA-256, SHA-1 and MD5 */
    eg_intel_free(in);
    char *h = eg_fx_write(dir, "h.txt",
                          "# sha256, sha1, md5 of \"abc\"\n"
                          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
                          "a9993e364706816aba3e25717850c26c9cd0d89d\n"
                          "900150983cd24fb0d6963f7d28e17f72\n");
    const char *hf[] = {h};
    assert_int_equal(eg_intel_load_ex(hf, 1, NULL, collect, &d, &in, err, sizeof err), EG_OK);
    memset(&m, 0, sizeof m);
    assert_int_equal(eg_intel_lookup_bytes(in, (const uint8_t *)"abc", 3, on_match, &m), 3);
    assert_int_equal(eg_intel_lookup_bytes(in, (const uint8_t *)"abd", 3, on_match, &m), 0);
    eg_intel_free(in);
    free(h);

    /* one bad feed refuses the whole load, with file:line in the message */
    char *bad = eg_fx_write(dir, "bad.txt", "ok.example\nnot valid at all\n");
    const char *two[] = {a, bad};
    in = (eg_intel *)1;
    assert_int_equal(eg_intel_load_ex(two, 2, NULL, NULL, NULL, &in, err, sizeof err), EG_EFORMAT);
    assert_null(in);
    assert_non_null(strstr(err, "bad.txt:2: more than one value on a line"));
    free(bad);
    free(a);
    free(b);
    eg_test_rmrf(dir);
    free(dir);
}

static void bulk_load(void **st)
{
    (void)st;
    size_t len;
    char *text = eg_fx_bulk_hashes(1000, 200000, &len);
    assert_non_null(text);
    parsed p;
    parse_text(&p, "bulk.txt", text, NULL);
    assert_int_equal(p.rc, EG_OK);
    assert_int_equal(eg_iocset_total(p.set), 200000);
    assert_int_equal(p.st.duplicates, 0);
    char h[65];
    uint32_t line;
    for (uint32_t i = 0; i < 200000; i += 997) {
        eg_fx_hex(1000 + i, 64, h);
        assert_true(has(p.set, h, &line, NULL));
        assert_int_equal(line, i + 1);
        eg_fx_hex(500000 + i, 64, h);
        assert_false(has(p.set, h, NULL, NULL));
    }
    eg_iocset_free(p.set);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_forms),      cmocka_unit_test(plain_list),
        cmocka_unit_test(feodo_csv),         cmocka_unit_test(urlhaus_csv),
        cmocka_unit_test(bazaar_csv),        cmocka_unit_test(misp_csv),
        cmocka_unit_test(misp_multiline_comment), cmocka_unit_test(errors_have_lines),
        cmocka_unit_test(limits),            cmocka_unit_test(duplicates_and_empty_hash),
        cmocka_unit_test(intel_lookups),     cmocka_unit_test(bulk_load),
        cmocka_unit_test(urls_with_commas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
