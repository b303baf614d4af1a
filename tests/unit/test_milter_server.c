/* The milter's listener and sessions over a real unix socket, with a minimal application: socket
 * specs, a stale socket replaced and anything else at the path refused, a header field longer
 * than the read buffer, an oversized packet, a silent MTA dropped after the timeout, and a stop
 * that closes an idle connection at once while a message being received is finished and answered.
 */
#include "../../src/milter/proto.c" /* src/milter is linked into the executable only */
#include "../../src/milter/server.c"
#include "../../src/milter/setup.c"

#include "testutil.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

static atomic_size_t longest_value;
static atomic_int eoms;
static eg_mserver_counters counters;

static eg_mret s_neg(eg_mctx *c, uint32_t actions, uint32_t steps, uint32_t *wa, uint32_t *ws)
{
    (void)c;
    (void)actions;
    *wa = EG_SMFIF_ADDHDRS;
    *ws = steps & (EG_SMFIP_NR_HDR | EG_SMFIP_NR_EOH | EG_SMFIP_NR_BODY); /* MAIL is answered */
    return EG_MRET_CONTINUE;
}

static eg_mret s_hdr(eg_mctx *c, const char *n, const char *v)
{
    (void)c;
    (void)n;
    size_t l = strlen(v);
    if (l > atomic_load(&longest_value))
        atomic_store(&longest_value, l);
    return EG_MRET_NOREPLY;
}

static eg_mret s_eom(eg_mctx *c)
{
    (void)c;
    atomic_fetch_add(&eoms, 1);
    return EG_MRET_ACCEPT;
}

static const eg_mproto_cbs scbs = {.negotiate = s_neg, .header = s_hdr, .eom = s_eom};

static void *app_new(void)
{
    return malloc(1);
}

typedef struct runner {
    eg_mserver *srv;
    eg_mserver_opts o;
    pthread_t th;
    int rc;
} runner;

static void *run_main(void *p)
{
    runner *r = p;
    r->rc = eg_mserver_run(r->srv, &r->o);
    return NULL;
}

static char *dir;
static char sock[100]; /* fits a unix socket address */

static void start(runner *r, unsigned timeout_s)
{
    char err[256] = "";
    if (eg_mserver_open(sock, &r->srv, err, sizeof err) != EG_OK)
        fail_msg("%s", err);
    r->o = (eg_mserver_opts){&scbs, &counters, app_new, free, timeout_s};
    r->rc = -1;
    assert_int_equal(pthread_create(&r->th, NULL, run_main, r), 0);
}

static int finish(runner *r)
{
    eg_mserver_stop(r->srv);
    pthread_join(r->th, NULL);
    eg_mserver_close(r->srv);
    return r->rc;
}

/* the test socket's address */
static struct sockaddr_un sock_addr(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    return a;
}

static int dial(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_addr();
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 20}; /* a missing answer fails the test instead of hanging it */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_pkt(int fd, char cmd, const void *p, size_t n)
{
    uint8_t h[5];
    put_be32(h, (uint32_t)n + 1);
    h[4] = (uint8_t)cmd;
    assert_int_equal(write(fd, h, 5), 5);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const uint8_t *)p + off, n - off);
        assert_true(w > 0);
        off += (size_t)w;
    }
}

/* the next packet's command; 0 at end of stream */
static char recv_pkt(int fd)
{
    uint8_t h[5];
    size_t got = 0;
    while (got < 5) {
        ssize_t r = read(fd, h + got, 5 - got);
        if (r == 0 && got == 0)
            return 0;
        assert_true(r > 0);
        got += (size_t)r;
    }
    uint32_t l = be32(h);
    assert_true(l >= 1 && l < 4096);
    uint8_t body[4096];
    for (got = 0; got < l - 1;) {
        ssize_t r = read(fd, body + got, l - 1 - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    return (char)h[4];
}

static void negotiate(int fd)
{
    uint8_t p[12];
    put_be32(p, 6);
    put_be32(p + 4, 0x1ff);
    put_be32(p + 8, 0x1fffff);
    send_pkt(fd, 'O', p, 12);
    assert_int_equal(recv_pkt(fd), 'O');
}

static int setup(void **unused)
{
    (void)unused;
    dir = eg_test_tmpdir("milter-server");
    int n = snprintf(sock, sizeof sock, "%s/m.sock", dir);
    return n > 0 && (size_t)n < sizeof sock ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static void test_specs(void **unused)
{
    (void)unused;
    const char *good[] = {"unix:/run/x.sock", "local:/x",    "/var/x.sock",
                          "rel.sock",         "inet:8891",   "inet:8891@127.0.0.1",
                          "inet6:8891@[::1]", "inet6:1@::1", "inet:65535@localhost"};
    const char *bad[] = {"",         "inet:",  "inet:0", "inet:70000", "inet:12ab",
                         "inet:25@", "tcp:25", "unix:",  "inet6:@::1", "inet:123456@h"};
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (eg_mserver_check_spec(good[i], err, sizeof err) != EG_OK)
            fail_msg("%s refused: %s", good[i], err);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        if (eg_mserver_check_spec(bad[i], err, sizeof err) == EG_OK)
            fail_msg("%s accepted", bad[i]);
        assert_non_null(strstr(err, "socket"));
    }
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    char spec[220];
    snprintf(spec, sizeof spec, "unix:/%s", longp);
    assert_int_not_equal(eg_mserver_check_spec(spec, err, sizeof err), EG_OK);
}

static void test_stale_socket_replaced_file_kept(void **unused)
{
    (void)unused;
    runner r;
    start(&r, 0);
    int fd = dial();
    negotiate(fd);
    close(fd);
    assert_int_equal(finish(&r), 0);
    struct stat sb;
    assert_int_not_equal(lstat(sock, &sb), 0); /* removed on close */
    /* a stale socket (bound, nobody listening) is replaced */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_addr();
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    close(s);
    start(&r, 0);
    fd = dial();
    negotiate(fd);
    close(fd);
    assert_int_equal(finish(&r), 0);
    /* anything else at the path is left alone and refused */
    assert_int_equal(eg_test_write_file(sock, "keep", 4), 0);
    eg_mserver *srv = NULL;
    char err[256] = "";
    assert_int_not_equal(eg_mserver_open(sock, &srv, err, sizeof err), EG_OK);
    assert_non_null(strstr(err, "not a socket"));
    assert_int_equal(lstat(sock, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    unlink(sock);
}

static void test_long_header_and_oversized_packet(void **unused)
{
    (void)unused;
    runner r;
    start(&r, 0);
    int fd = dial();
    negotiate(fd);
    send_pkt(fd, 'M', "<a@b>", 6);
    assert_int_equal(recv_pkt(fd), 'c');
    size_t vl = 300 * 1024; /* longer than the 64 KiB read buffer */
    char *h = malloc(vl + 10);
    memcpy(h, "X-Long", 7);
    memset(h + 7, 'v', vl);
    h[7 + vl] = 0;
    send_pkt(fd, 'L', h, 7 + vl + 1);
    send_pkt(fd, 'N', NULL, 0);
    send_pkt(fd, 'E', NULL, 0);
    assert_int_equal(recv_pkt(fd), 'a');
    assert_int_equal(atomic_load(&longest_value), vl);
    /* a length above the limit ends the connection */
    uint8_t big[5] = {0x10, 0, 0, 1, 'B'};
    unsigned long long dropped = atomic_load(&counters.dropped);
    assert_int_equal(write(fd, big, 5), 5);
    assert_int_equal(recv_pkt(fd), 0);
    for (int i = 0; i < 200 && atomic_load(&counters.dropped) == dropped; i++)
        usleep(10 * 1000); /* the session counts it just after closing */
    assert_int_equal(atomic_load(&counters.dropped), dropped + 1);
    close(fd);
    free(h);
    assert_int_equal(finish(&r), 0);
}

static void test_silent_mta_dropped(void **unused)
{
    (void)unused;
    runner r;
    start(&r, 1);
    int fd = dial();
    negotiate(fd);
    assert_int_equal(recv_pkt(fd), 0); /* closed by the milter after about a second */
    close(fd);
    assert_int_equal(finish(&r), 0);
}

static void test_stop_finishes_message_closes_idle(void **unused)
{
    (void)unused;
    runner r;
    start(&r, 0);
    int idle = dial(), busy = dial();
    negotiate(idle);
    negotiate(busy);
    send_pkt(busy, 'M', "<a@b>", 6);
    assert_int_equal(recv_pkt(busy), 'c'); /* the milter is inside the message now */
    send_pkt(busy, 'L', "Subject\0hi", 11);
    int before = atomic_load(&eoms);
    eg_mserver_stop(r.srv);
    assert_int_equal(recv_pkt(idle), 0); /* between messages: closed at once */
    send_pkt(busy, 'N', NULL, 0);
    send_pkt(busy, 'B', "body", 4);
    send_pkt(busy, 'E', NULL, 0);
    assert_int_equal(recv_pkt(busy), 'a'); /* the message in progress is answered */
    assert_int_equal(recv_pkt(busy), 0);   /* then the connection ends */
    assert_int_equal(atomic_load(&eoms), before + 1);
    pthread_join(r.th, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(atomic_load(&counters.open), 0); /* run() returned: every session is gone */
    eg_mserver_close(r.srv);
    close(idle);
    close(busy);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = sock_addr();
    assert_int_not_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0); /* no longer listening */
    close(fd);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specs),
        cmocka_unit_test(test_stale_socket_replaced_file_kept),
        cmocka_unit_test(test_long_header_and_oversized_packet),
        cmocka_unit_test(test_silent_mta_dropped),
        cmocka_unit_test(test_stop_finishes_message_closes_idle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
