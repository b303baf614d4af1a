/* `emoguard scan` streams its batch: the peak RSS of a scan of an mbox of 100,000 small mails is
 * that of 10,000 mails (within a small margin) and under a fixed bound, whatever the count. The
 * mbox is generated here (unique subjects and ids, a ">From " line to unescape in every tenth
 * mail, a mail with an attachment every fiftieth); the report stream goes to /dev/null and the
 * child's ru_maxrss is read with wait4. The count of reports is checked through the summary's
 * total. Also: a message larger than the read buffer (mapped, unescaped in private pages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The bound stated in docs/performance.md: the window of 256 mails in flight, two workers'
 * buffers and the scanner's tables; measured 15 MB on x86_64. */
#define RSS_BOUND_KB (64 * 1024)
/* 10x the mails may cost this much more (allocator noise), not 10x */
#define RSS_MARGIN_KB (4 * 1024)

static char *tmp;

static void make_mbox(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++) {
        fprintf(f,
                "From s%d@example.jp Mon Jul  1 10:%02d:00 2024\n"
                "From: \"Sender %d\" <s%d@example.jp>\nTo: r@example.jp\n"
                "Subject: =?UTF-8?B?5L2V44GL?= %d\nDate: Mon, 1 Jul 2024 10:%02d:00 +0900\n"
                "Message-ID: <%d@example.jp>\nMIME-Version: 1.0\n",
                i % 97, i % 60, i % 97, i % 97, i, i % 60, i);
        if (i % 50 == 0)
            fprintf(f,
                    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                    "Content-Type: text/plain\n\nsee the file\n--b\n"
                    "Content-Type: text/plain; name=\"note.txt\"\n"
                    "Content-Disposition: attachment; filename=\"note.txt\"\n\nhello\n--b--\n\n");
        else
            fprintf(f, "Content-Type: text/plain; charset=utf-8\n\nbody %d\n%s\n", i,
                    i % 10 == 0 ? ">From the archive" : "regards");
    }
    assert_int_equal(fclose(f), 0);
}

/* Runs the scan; returns the child's peak RSS in KiB, and the summary line in *summary. */
static long scan_rss(const char *mbox, char *summary, size_t sz)
{
    char sumfile[4096];
    snprintf(sumfile, sizeof sumfile, "%s/summary.txt", tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = open("/dev/null", O_WRONLY);
        int err = open(sumfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0 || err < 0)
            _exit(127);
        dup2(out, 1);
        dup2(err, 2);
        setenv("EG_NO_PROGRESS", "1", 1);
        execl(EG_BINARY, EG_BINARY, "scan", "-j", "2", "--format", "json", "--lang", "en", mbox,
              (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status));
    assert_true(WEXITSTATUS(status) <= 2);
    size_t n = 0;
    char *s = (char *)eg_test_read_file(sumfile, &n);
    assert_non_null(s);
    char *l = strstr(s, " mails: ");
    assert_non_null(l);
    while (l > s && l[-1] != '\n')
        l--;
    size_t k = strcspn(l, "\n");
    snprintf(summary, sz, "%.*s", (int)k, l);
    free(s);
    return ru.ru_maxrss;
}

/* Under AddressSanitizer the allocator keeps freed memory in quarantine (its RSS grows with what
 * was allocated) and runs several times slower: the scans still run, the bounds are not checked. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void rss_does_not_grow_with_the_batch(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("batchmem");
    const int n1 = SANITIZED ? 1000 : 10000, n2 = SANITIZED ? 5000 : 100000;
    char small[4096], large[4096], sum[512], want[64];
    snprintf(small, sizeof small, "%s/small.mbox", tmp);
    snprintf(large, sizeof large, "%s/large.mbox", tmp);
    make_mbox(small, n1);
    make_mbox(large, n2);
    long r1 = scan_rss(small, sum, sizeof sum);
    snprintf(want, sizeof want, "%d mails:", n1);
    assert_non_null(strstr(sum, want));
    long r2 = scan_rss(large, sum, sizeof sum);
    snprintf(want, sizeof want, "%d mails:", n2);
    assert_non_null(strstr(sum, want));
    assert_non_null(strstr(sum, "0 unreadable"));
    print_message("peak RSS: %d mails %ld KiB, %d mails %ld KiB%s\n", n1, r1, n2, r2,
                  SANITIZED ? " (sanitizer build: not checked)" : "");
    if (!SANITIZED) {
        assert_true(r1 < RSS_BOUND_KB);
        assert_true(r2 < RSS_BOUND_KB);
        if (r2 > r1 + RSS_MARGIN_KB)
            fail_msg("peak RSS grew with the batch: %ld KiB -> %ld KiB", r1, r2);
    }
    eg_test_rmrf(tmp);
    free(tmp);
}

/* A message over the read buffer (8 MiB) is mapped, at an offset that is not page-aligned, and
 * its ">From " lines are restored in the mapping's private pages: the scan sees the message as
 * written, and the file is not changed. */
static void large_mbox_message_is_mapped(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("bigmsg");
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/big.mbox", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *small = "From: a@example.jp\nSubject: small\n\nhi\n";
    fprintf(f, "From a@example.jp Mon Jul  1 10:00:00 2024\n%s\n", small);
    const char *hdr = "From: b@example.jp\nSubject: big\nContent-Type: text/plain\n\n";
    fprintf(f, "From b@example.jp Mon Jul  1 10:00:00 2024\n%s", hdr);
    size_t want = strlen(hdr);
    char line[101];
    memset(line, 'a', 99);
    line[99] = '\n';
    line[100] = 0;
    for (int i = 0; i < 90000; i++) { /* 9 MB */
        fputs(i % 1000 == 7 ? ">From the quoted part\n" : line, f);
        want += i % 1000 == 7 ? strlen("From the quoted part\n") : 100;
    }
    fprintf(f, "\nFrom c@example.jp Mon Jul  1 10:00:00 2024\n%s", small);
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd,
             "EG_NO_PROGRESS=1 '%s' scan -j 2 --format json --max-size 20000000 '%s' 2>/dev/null",
             EG_BINARY, path);
    char *out = NULL;
    size_t n = 0;
    int rc = eg_test_run(cmd, &out, &n);
    assert_true(rc >= 0 && rc <= 2);
    char key[128];
    snprintf(key, sizeof key, "\"size\":%zu,", want);
    char *l2 = strstr(out, "big.mbox#2\"");
    assert_non_null(l2);
    if (!strstr(l2, key))
        fail_msg("no %s in the report of the large message", key);
    assert_non_null(strstr(out, "big.mbox#3\""));
    assert_null(strstr(out, "\"error\""));
    free(out);
    /* the file still holds its escaped lines */
    size_t fl = 0;
    uint8_t *fd = eg_test_read_file(path, &fl);
    assert_non_null(fd);
    const char *esc = "\n>From the quoted part\n";
    assert_non_null(memmem(fd, fl, esc, strlen(esc)));
    free(fd);
    eg_test_rmrf(dir);
    free(dir);
}

/* A FIFO named on the command line or met in a directory is reported, not waited on. */
static void fifo_is_not_waited_on(void **st)
{
    (void)st;
    char *dir = eg_test_tmpdir("fifo");
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/pipe.eml", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(cmd, sizeof cmd, "timeout 30 '%s' scan '%s' '%s' 2>&1", EG_BINARY, path, dir);
    char *out = NULL;
    int rc = eg_test_run(cmd, &out, NULL);
    assert_int_equal(rc, 4); /* unreadable, and no mail at all; timeout(1) would give 124 */
    assert_non_null(strstr(out, "pipe.eml: not a regular file"));
    free(out);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_is_not_waited_on),
        cmocka_unit_test(large_mbox_message_is_mapped),
        cmocka_unit_test(rss_does_not_grow_with_the_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
