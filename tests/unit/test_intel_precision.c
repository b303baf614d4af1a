/* Intel matches what the mail claims and what was distributed (issue 18): a padded ZIP member keeps
 * the hash of the member as sent (sha256) and of the content analysed (content_sha256), both
 * matched against feeds; the header indicators (From, Reply-To, Return-Path, Sender, Received
 * hosts) are offered to intel. Fixtures: tests/fixtures/archive_zipw (ZIP), mail_builder-style
 * text mails, generated plain-list feeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "archive_zipw.h"
#include "hostile.h"
#include "core/sha256.h"
#include "emoguard/emoguard.h"
#include "intel_feeds.h"
#include "mail/sender_util.h"
#include "office_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_LEN (74 * 1024)
#define PAD_LEN (12u << 20)   /* past the 10 MB a padded member needs, small enough for a test */
#define ZERO_KEEP (64 * 1024) /* what the ZIP reader keeps of a zero run */

static const eg_finding *find_rule(const eg_report *r, const char *id, const char *in_evidence)
{
    for (size_t i = 0; i < eg_report_finding_count(r); i++) {
        const eg_finding *f = eg_report_finding(r, i);
        if (!strcmp(eg_rule_get(f->rule)->id, id) &&
            (!in_evidence || (f->evidence && strstr(f->evidence, in_evidence))))
            return f;
    }
    return NULL;
}

/* a PE-looking head with text after it, then zeros: Emotet's padded member, harmless */
static uint8_t *padded_member(size_t *len)
{
    size_t n = CONTENT_LEN + PAD_LEN;
    uint8_t *m = calloc(1, n);
    assert_non_null(m);
    for (size_t i = 0; i < CONTENT_LEN; i++)
        m[i] = (uint8_t)('A' + (i * 7 + i / 13) % 26);
    memcpy(m, "MZ", 2);
    *len = n;
    return m;
}

static char *mail_with_zip(const uint8_t *zip, size_t zlen, size_t *len)
{
    char *b64 = eg_fx_base64(zip, zlen);
    assert_non_null(b64);
    size_t bl = strlen(b64);
    const char *head =
        "From: Taro <taro@partner.example>\r\nTo: hanako@example.co.jp\r\nSubject: files\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the file.\r\n"
        "--b1\r\nContent-Type: application/zip; name=\"doc.zip\"\r\n"
        "Content-Disposition: attachment; filename=\"doc.zip\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    size_t n = strlen(head) + bl + 32;
    char *m = malloc(n);
    assert_non_null(m);
    *len = (size_t)snprintf(m, n, "%s%s\r\n--b1--\r\n", head, b64);
    free(b64);
    return m;
}

static eg_report *scan_with_feed(const char *mail, size_t len, const char *dir,
                                 const char *feed_text)
{
    char *fpath = eg_fx_write(dir, "feed.txt", feed_text);
    const char *feeds[] = {fpath};
    eg_options opt;
    eg_options_default(&opt);
    opt.ioc_files = feeds;
    opt.n_ioc_files = 1;
    eg_report *r = eg_test_scan_opts(mail, len, &opt);
    assert_non_null(r);
    free(fpath);
    return r;
}

static void padded_member_keeps_both_hashes(void **st)
{
    (void)st;
    size_t mlen = 0;
    uint8_t *member = padded_member(&mlen);
    uint8_t sent[32], content[32];
    eg_sha256(member, mlen, sent);
    eg_sha256(member, CONTENT_LEN + ZERO_KEEP, content); /* the content plus the zeros kept */
    char sent_hex[65], content_hex[65];
    eg_hex(sent, 32, sent_hex);
    eg_hex(content, 32, content_hex);

    eg_zw *w = eg_zw_new();
    eg_zw_opts o = {.name = "invoice.exe", .method = 8};
    eg_zw_add(w, &o, member, mlen);
    size_t zlen = 0;
    uint8_t *zip = eg_zw_finish(w, &zlen);
    free(member);
    size_t len = 0;
    char *mail = mail_with_zip(zip, zlen, &len);
    free(zip);

    char *dir = eg_test_tmpdir("intel-precision");
    char feed[200];
    /* the feed lists the file as distributed */
    snprintf(feed, sizeof feed, "# generated\n%s\n", sent_hex);
    eg_report *r = scan_with_feed(mail, len, dir, feed);
    const eg_object *po = NULL;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if ((eg_report_object(r, i)->flags & EG_OBJ_PADDED))
            po = eg_report_object(r, i);
    if (!po || !find_rule(r, "INTEL.HASH", NULL))
        eg_test_dump(r);
    assert_non_null(po);
    assert_true(po->size_true == mlen);
    assert_memory_equal(po->sha256, sent, 32);
    assert_true(po->has_content_sha256);
    assert_memory_equal(po->content_sha256, content, 32);
    const eg_finding *f = find_rule(r, "INTEL.HASH", NULL);
    assert_non_null(f);
    assert_int_equal(f->object, po->id);
    /* both hashes in the JSON */
    char *json = eg_report_json(r, EG_LANG_EN);
    assert_non_null(json);
    char want[120];
    snprintf(want, sizeof want, "\"sha256\":\"%s\"", sent_hex);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"content_sha256\":\"%s\"", content_hex);
    assert_non_null(strstr(json, want));
    free(json);
    eg_report_free(r);

    /* a feed that lists the content left after removing the padding matches too */
    snprintf(feed, sizeof feed, "%s\n", content_hex);
    r = scan_with_feed(mail, len, dir, feed);
    f = find_rule(r, "INTEL.HASH", NULL);
    if (!f)
        eg_test_dump(r);
    assert_non_null(f);
    eg_report_free(r);

    /* an unrelated hash does not */
    r = scan_with_feed(mail, len, dir,
                       "0000000000000000000000000000000000000000000000000000000000000001\n");
    assert_null(find_rule(r, "INTEL.HASH", NULL));
    eg_report_free(r);

    eg_test_rmrf(dir);
    free(dir);
    free(mail);
}

/* the same member in a 7z (read through libarchive): sha256 is still the member as sent */
static void padded_7z_member_keeps_sent_hash(void **st)
{
    (void)st;
    if (!eg_test_have("7z")) {
        skip();
        return;
    }
    size_t mlen = 0;
    uint8_t *member = padded_member(&mlen);
    uint8_t sent[32];
    eg_sha256(member, mlen, sent);
    char sent_hex[65];
    eg_hex(sent, 32, sent_hex);
    char *dir = eg_test_tmpdir("intel-7z");
    char path[512], arc[512], cmd[1200];
    snprintf(path, sizeof path, "%s/invoice.exe", dir);
    snprintf(arc, sizeof arc, "%s/doc.7z", dir);
    assert_int_equal(eg_test_write_file(path, member, mlen), 0);
    free(member);
    snprintf(cmd, sizeof cmd, "7z a -bd -mx=1 '%s' '%s' >/dev/null 2>&1", arc, path);
    assert_int_equal(eg_test_run(cmd, NULL, NULL), 0);
    size_t alen = 0;
    uint8_t *a7 = eg_test_read_file(arc, &alen);
    assert_non_null(a7);
    size_t len = 0;
    uint8_t *mail = eg_hostile_mail_with("doc.7z", "application/x-7z-compressed", a7, alen, &len);
    free(a7);
    char feed[200];
    snprintf(feed, sizeof feed, "%s\n", sent_hex);
    eg_report *r = scan_with_feed((const char *)mail, len, dir, feed);
    const eg_object *po = NULL;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if ((eg_report_object(r, i)->flags & EG_OBJ_PADDED))
            po = eg_report_object(r, i);
    if (!po || !find_rule(r, "INTEL.HASH", NULL))
        eg_test_dump(r);
    assert_non_null(po);
    assert_memory_equal(po->sha256, sent, 32);
    assert_true(po->has_content_sha256);
    assert_non_null(find_rule(r, "INTEL.HASH", NULL));
    eg_report_free(r);
    free(mail);
    eg_test_rmrf(dir);
    free(dir);
}

/* padding at the end of the file's own bytes (attached directly, not in an archive): sha256 is the
 * file as sent, content_sha256 the content in front */
static void tail_padded_attachment(void **st)
{
    (void)st;
    size_t clen = 4096, n = clen + (9u << 20);
    uint8_t *f = calloc(1, n);
    assert_non_null(f);
    for (size_t i = 0; i < clen; i++)
        f[i] = (uint8_t)('a' + i % 23);
    uint8_t sent[32], content[32];
    eg_sha256(f, n, sent);
    eg_sha256(f, clen, content);
    char *b64 = eg_fx_base64(f, n);
    free(f);
    assert_non_null(b64);
    const char *head =
        "From: Taro <taro@partner.example>\r\nTo: hanako@example.co.jp\r\nSubject: doc\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the file.\r\n"
        "--b1\r\nContent-Type: application/octet-stream; name=\"notes.txt\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    size_t ml = strlen(head) + strlen(b64) + 32;
    char *mail = malloc(ml);
    assert_non_null(mail);
    ml = (size_t)snprintf(mail, ml, "%s%s\r\n--b1--\r\n", head, b64);
    free(b64);
    eg_report *r = eg_test_scan(mail, ml, NULL);
    free(mail);
    const eg_object *po = NULL;
    for (size_t i = 0; i < eg_report_object_count(r); i++)
        if (eg_report_object(r, i)->has_content_sha256)
            po = eg_report_object(r, i);
    if (!po)
        eg_test_dump(r);
    assert_non_null(po);
    assert_memory_equal(po->sha256, sent, 32);
    assert_memory_equal(po->content_sha256, content, 32);
    eg_report_free(r);
}

static const char HEADERS_MAIL[] =
    "Received: from mail.bad-relay.example (unknown [198.51.100.77])\r\n"
    "\tby mx.example.co.jp (Postfix) with ESMTP id 4AB; Tue, 1 Mar 2022 10:00:00 +0900\r\n"
    "Received: from localhost (localhost [127.0.0.1]) by mail.bad-relay.example; Tue, 1 Mar 2022 "
    "10:00:00 +0900\r\n"
    "Return-Path: <bounce@envelope.example>\r\n"
    "From: =?UTF-8?B?5bGx55Sw?= <yamada@spoofed-sender.example>\r\n"
    "Reply-To: collect@reply-drop.example\r\n"
    "Sender: agent@sender-header.example\r\n"
    "To: hanako@example.co.jp\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the invoice.\r\n";

static void header_indicators_reach_intel(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("intel-headers");
    struct {
        const char *feed, *rule, *evidence;
    } cases[] = {
        {"yamada@spoofed-sender.example\n", "INTEL.ADDRESS", "yamada@spoofed-sender.example"},
        {"spoofed-sender.example\n", "INTEL.DOMAIN", "spoofed-sender.example"},
        {"collect@reply-drop.example\n", "INTEL.ADDRESS", "collect@reply-drop.example"},
        {"envelope.example\n", "INTEL.DOMAIN", "envelope.example"},
        {"agent@sender-header.example\n", "INTEL.ADDRESS", "agent@sender-header.example"},
        {"bad-relay.example\n", "INTEL.DOMAIN", "bad-relay.example"},
        {"198.51.100.77\n", "INTEL.IP", "198.51.100.77"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        eg_report *r = scan_with_feed(HEADERS_MAIL, sizeof HEADERS_MAIL - 1, dir, cases[i].feed);
        const eg_finding *f = find_rule(r, cases[i].rule, cases[i].evidence);
        if (!f) {
            printf("feed %s", cases[i].feed);
            eg_test_dump(r);
        }
        assert_non_null(f);
        eg_report_free(r);
    }
    /* a loopback hop is nobody's indicator, and nothing listed matches nothing */
    eg_report *r =
        scan_with_feed(HEADERS_MAIL, sizeof HEADERS_MAIL - 1, dir, "127.0.0.1\nother.example\n");
    assert_null(find_rule(r, "INTEL.IP", NULL));
    assert_null(find_rule(r, "INTEL.DOMAIN", NULL));
    eg_report_free(r);
    eg_test_rmrf(dir);
    free(dir);
}

static void received_reader(void **st)
{
    (void)st;
    char host[256], ip[64];
    assert_true(
        eg_sutil_received_from("from Mail.Example.COM (mail.example.com [203.0.113.5]) by mx", host,
                               sizeof host, ip, sizeof ip));
    assert_string_equal(host, "mail.example.com");
    assert_string_equal(ip, "203.0.113.5");
    assert_true(eg_sutil_received_from("from [IPv6:2001:DB8::5] (helo=x) by y", host, sizeof host,
                                       ip, sizeof ip));
    assert_string_equal(host, "");
    assert_string_equal(ip, "2001:db8::5");
    assert_true(eg_sutil_received_from("from 192.0.2.9 by z", host, sizeof host, ip, sizeof ip));
    assert_string_equal(host, "");
    assert_string_equal(ip, "192.0.2.9");
    /* the address after "by" is the receiving host's, not the sender's */
    assert_true(eg_sutil_received_from("from helo by mx.example [192.0.2.1]", host, sizeof host, ip,
                                       sizeof ip));
    assert_string_equal(host, "");
    assert_string_equal(ip, "");
    assert_false(
        eg_sutil_received_from("by mx.example.co.jp with LMTP", host, sizeof host, ip, sizeof ip));
    /* a host that does not fit is dropped, never cut */
    char small[8], sip[8];
    assert_true(eg_sutil_received_from("from very-long-host.example.com ([2001:db8::1:2:3:4]) by x",
                                       small, sizeof small, sip, sizeof sip));
    assert_string_equal(small, "");
    assert_string_equal(sip, "");
}

int main(void)
{
    eg_global_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(padded_member_keeps_both_hashes),
        cmocka_unit_test(padded_7z_member_keeps_sent_hash),
        cmocka_unit_test(tail_padded_attachment),
        cmocka_unit_test(header_indicators_reach_intel),
        cmocka_unit_test(received_reader),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    eg_global_shutdown();
    return rc;
}
