/*
 * The milter's unix socket and its start-up check. The socket gets socket_mode (0660 by default)
 * and socket_group (postfix by default, when that group exists) before the first connection, so
 * that Postfix can connect and nobody else; `emoguard milter -t` fails with a clear message on a
 * missing list directory, YARA rules, IOC feed, socket directory or group instead of saying OK.
 */
#include "milter_harness.h"
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;

static int setup(void **unused)
{
    (void)unused;
    dir = eg_test_tmpdir("milter-socket");
    return dir ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_mh_cleanup_all();
    eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void write_conf(const char *path, const char *body)
{
    assert_int_equal(eg_test_write_file(path, body, strlen(body)), 0);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts the milter on conf and waits for its "listening" line (logged after the socket's mode
 * and group are set); returns the pid. */
static pid_t start(const char *conf, const char *log)
{
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        execl(EG_BINARY, EG_BINARY, "milter", "-f", "-c", conf, (char *)NULL);
        _exit(127);
    }
    for (int t = 0; t < 20000; t += 50) {
        uint8_t *text = eg_test_read_file(log, NULL);
        bool up = text && strstr((char *)text, "listening on");
        free(text);
        if (up)
            return p;
        int st;
        if (waitpid(p, &st, WNOHANG) == p)
            break;
        sleep_ms(50);
    }
    uint8_t *text = eg_test_read_file(log, NULL);
    fprintf(stderr, "milter did not start:\n%s\n", text ? (char *)text : "");
    free(text);
    kill(p, SIGKILL);
    fail();
    return -1;
}

static void stop(pid_t p)
{
    kill(p, SIGTERM);
    int st;
    waitpid(p, &st, 0);
}

static bool can_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {0};
    a.sun_family = AF_UNIX;
    size_t n = strlen(path);
    assert_true(n < sizeof a.sun_path);
    memcpy(a.sun_path, path, n + 1);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void default_mode_and_group(void **unused)
{
    (void)unused;
    char conf[600], log[600], sock[600], body[1024];
    snprintf(conf, sizeof conf, "%s/default.conf", dir);
    snprintf(log, sizeof log, "%s/default.log", dir);
    snprintf(sock, sizeof sock, "%s/default.sock", dir);
    snprintf(body, sizeof body, "socket = unix:%s\nlog = stderr\nstats_listen = 127.0.0.1:%d\n",
             sock, eg_mh_free_port());
    write_conf(conf, body);
    pid_t p = start(conf, log);
    struct stat sb;
    assert_int_equal(lstat(sock, &sb), 0);
    assert_true(S_ISSOCK(sb.st_mode));
    assert_int_equal(sb.st_mode & 07777, 0660);
    struct group *g = getgrnam("postfix");
    if (g)
        assert_int_equal(sb.st_gid, g->gr_gid); /* Postfix's smtpd can connect */
    else
        assert_int_equal(sb.st_gid, getegid());
    assert_true(can_connect(sock));
    stop(p);
}

static void configured_mode_and_group(void **unused)
{
    (void)unused;
    char conf[600], log[600], sock[600], body[1024];
    snprintf(conf, sizeof conf, "%s/set.conf", dir);
    snprintf(log, sizeof log, "%s/set.log", dir);
    snprintf(sock, sizeof sock, "%s/set.sock", dir);
    /* a group the process may give away: its own, by number */
    snprintf(body, sizeof body,
             "socket = unix:%s\nsocket_mode = 0600\nsocket_group = %lu\nlog = stderr\n"
             "stats_listen = 127.0.0.1:%d\n",
             sock, (unsigned long)getegid(), eg_mh_free_port());
    write_conf(conf, body);
    pid_t p = start(conf, log);
    struct stat sb;
    assert_int_equal(lstat(sock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_gid, getegid());
    stop(p);
}

/* `milter -t` on a configuration whose extra lines name something missing: exit 3 and a message
 * naming it. */
static void check_fails(const char *extra, const char *env, const char *needle)
{
    char conf[600], cmd[2048], body[1024];
    snprintf(conf, sizeof conf, "%s/t.conf", dir);
    snprintf(body, sizeof body, "socket = inet:%d@127.0.0.1\n%s", eg_mh_free_port(), extra);
    write_conf(conf, body);
    snprintf(cmd, sizeof cmd, "%s %s milter -t -c %s 2>&1", env, EG_BINARY, conf);
    char *out = NULL;
    int rc = eg_test_run(cmd, &out, NULL);
    if (rc != 3 || !out || !strstr(out, needle))
        fprintf(stderr, "%s\n-> rc %d: %s\n", cmd, rc, out ? out : "");
    assert_int_equal(rc, 3);
    assert_non_null(out);
    assert_non_null(strstr(out, needle));
    assert_null(strstr(out, " OK"));
    free(out);
}

static void check_loads_everything(void **unused)
{
    (void)unused;
    char conf[600], cmd[1024], body[256];
    /* the good case first: the lists of the source tree, no rules */
    snprintf(conf, sizeof conf, "%s/ok.conf", dir);
    snprintf(body, sizeof body, "socket = inet:%d@127.0.0.1\nyara_rules = %s/rules\n",
             eg_mh_free_port(), EG_SOURCE_DIR);
    write_conf(conf, body);
    snprintf(cmd, sizeof cmd, "%s milter -t -c %s 2>&1", EG_BINARY, conf);
    char *out = NULL;
    assert_int_equal(eg_test_run(cmd, &out, NULL), 0);
    assert_non_null(strstr(out, "OK"));
    free(out);

    check_fails("", "EMOGUARD_DATA_DIR=/nonexistent/eg-data", "/nonexistent/eg-data/freemail.txt");
    check_fails("data_dir = /nonexistent/eg-data2\n", "", "/nonexistent/eg-data2/freemail.txt");
    check_fails("yara_rules = /nonexistent/eg-rules\n", "", "/nonexistent/eg-rules");
    check_fails("ioc_file = /nonexistent/eg-feed.csv\n", "", "/nonexistent/eg-feed.csv");
    check_fails("known_correspondents = /nonexistent/eg-known.txt\n", "",
                "/nonexistent/eg-known.txt");
    check_fails("json_log = /nonexistent/eg-log/m.jsonl\n", "", "/nonexistent/eg-log");
    /* the later socket line wins */
    check_fails("socket = unix:/nonexistent/eg-sock/m.sock\n", "", "/nonexistent/eg-sock");
    check_fails("socket = unix:/tmp/eg-m.sock\nsocket_group = eg-no-such-group\n", "",
                "eg-no-such-group");
    check_fails("socket_mode = 0999\n", "", "socket_mode");

    /* a user who may not give the socket to its group hears it from -t, not at the first start */
    char probe[1200];
    snprintf(probe, sizeof probe,
             "runuser -u nobody -- test -x %s && runuser -u nobody -- test -r %s/data/freemail.txt",
             EG_BINARY, EG_SOURCE_DIR);
    if (geteuid() != 0 || system(probe) != 0)
        return;
    snprintf(body, sizeof body, "socket = unix:%s/nobody.sock\nsocket_group = root\n", dir);
    write_conf(conf, body);
    chmod(dir, 0755);
    chmod(conf, 0644);
    snprintf(cmd, sizeof cmd, "runuser -u nobody -- %s milter -t -c %s 2>&1", EG_BINARY, conf);
    assert_int_equal(eg_test_run(cmd, &out, NULL), 3);
    assert_non_null(strstr(out, "not a member of group 0"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_mode_and_group),
        cmocka_unit_test(configured_mode_and_group),
        cmocka_unit_test(check_loads_everything),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
