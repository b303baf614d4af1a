/*
 * The milter's protocol negotiation, spoken directly over TCP as an MTA would (no Postfix, no
 * root): offered every no-reply step, the milter asks for SMFIP_NR_HDR and the other collecting
 * steps, skips HELO, DATA and unknown commands, and then answers nothing until end of message;
 * offered none, it answers every step as before. A header that waits for an answer costs the MTA
 * a round trip per field, which is what the negotiation removes.
 */
#include "milter_harness.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <libmilter/mfdef.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

static char *dir;
static int port;
static pid_t milter = -1;

static int setup(void **unused)
{
    (void)unused;
    dir = eg_test_tmpdir("milter-negotiate");
    char conf[600], log[600], text[300];
    port = eg_mh_free_port();
    snprintf(conf, sizeof conf, "%s/m.conf", dir);
    snprintf(log, sizeof log, "%s/m.log", dir);
    snprintf(text, sizeof text, "socket = inet:%d@127.0.0.1\nlog = stderr\nlog_level = info\n",
             port);
    if (eg_test_write_file(conf, text, strlen(text)) != 0)
        return -1;
    milter = eg_mh_milter_start(conf, log, port);
    return milter > 0 ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    eg_mh_stop(milter, SIGTERM);
    eg_test_rmrf(dir);
    free(dir);
    return 0;
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_pkt(int fd, char cmd, const void *data, size_t n)
{
    uint8_t h[5];
    uint32_t len = htonl((uint32_t)n + 1);
    memcpy(h, &len, 4);
    h[4] = (uint8_t)cmd;
    assert_int_equal(write(fd, h, 5), 5);
    if (n)
        assert_int_equal(write(fd, data, n), (ssize_t)n);
}

static bool read_full(int fd, void *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (uint8_t *)p + got, n - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* The next packet's command within ms, or 0 when none came; its data into buf. */
static char recv_pkt(int fd, int ms, uint8_t *buf, size_t cap, size_t *n)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1)
        return 0;
    uint8_t h[5];
    assert_true(read_full(fd, h, 5));
    uint32_t len;
    memcpy(&len, h, 4);
    len = ntohl(len);
    assert_true(len >= 1 && len - 1 <= cap);
    *n = len - 1;
    assert_true(read_full(fd, buf, *n));
    return (char)h[4];
}

static uint32_t be32_at(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return ntohl(v);
}

/* Negotiates with the given offered steps; returns the steps the milter asked for. */
static uint32_t negotiate(int fd, uint32_t offered)
{
    uint8_t o[12], buf[64];
    uint32_t v[3] = {htonl(6), htonl(0x1ff), htonl(offered)};
    memcpy(o, v, 12);
    send_pkt(fd, SMFIC_OPTNEG, o, 12);
    size_t n = 0;
    assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIC_OPTNEG);
    assert_true(n >= 12);
    return be32_at(buf + 8);
}

/* Connect, MAIL, RCPT, 30 header fields, end of headers and a body chunk; with replies expected,
 * each is read at once and must be "continue"; without, nothing may come back. */
static void send_message(int fd, bool replies)
{
    uint8_t buf[4096];
    size_t n = 0;
    char hdr[128];
    const char *conn_data = "client.example\0U", *mail = "<a@ext.example>",
               *rcpt = "<b@test.example>";
    send_pkt(fd, SMFIC_CONNECT, conn_data, 16);
    if (replies)
        assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    send_pkt(fd, SMFIC_MAIL, mail, strlen(mail) + 1);
    if (replies)
        assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    send_pkt(fd, SMFIC_RCPT, rcpt, strlen(rcpt) + 1);
    if (replies)
        assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    for (int i = 0; i < 30; i++) {
        int k = snprintf(hdr, sizeof hdr, "X-Field-%d", i);
        k += 1 + snprintf(hdr + k + 1, sizeof hdr - (size_t)k - 1, "value %d", i);
        send_pkt(fd, SMFIC_HEADER, hdr, (size_t)k + 1);
        if (replies)
            assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    }
    send_pkt(fd, SMFIC_EOH, NULL, 0);
    if (replies)
        assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    const char *body = "Hello, the minutes of the meeting are below.\r\n";
    send_pkt(fd, SMFIC_BODY, body, strlen(body));
    if (replies)
        assert_int_equal(recv_pkt(fd, 5000, buf, sizeof buf, &n), SMFIR_CONTINUE);
    else /* nothing at all may have come back so far */
        assert_int_equal(recv_pkt(fd, 500, buf, sizeof buf, &n), 0);
}

/* End of message: header changes may come first, then exactly one final answer. */
static char end_message(int fd)
{
    uint8_t buf[4096];
    size_t n = 0;
    send_pkt(fd, SMFIC_BODYEOB, NULL, 0);
    for (int i = 0; i < 64; i++) {
        char c = recv_pkt(fd, 30000, buf, sizeof buf, &n);
        assert_int_not_equal(c, 0);
        if (c == SMFIR_ACCEPT || c == SMFIR_CONTINUE || c == SMFIR_REJECT || c == SMFIR_TEMPFAIL ||
            c == SMFIR_DISCARD || c == SMFIR_REPLYCODE)
            return c;
    }
    fail_msg("no final answer at end of message");
    return 0;
}

static void test_no_reply_when_offered(void **state)
{
    (void)state;
    int fd = dial();
    uint32_t offered = SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_NR_HDR |
                       SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                       SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_SKIP |
                       SMFIP_RCPT_REJ | SMFIP_HDR_LEADSPC;
    uint32_t asked = negotiate(fd, offered);
    uint32_t want = SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_EOH |
                    SMFIP_NR_BODY | SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN;
    assert_int_equal(asked & want, want);
    /* never what changes what the milter sees: leading spaces, rejected recipients; never
     * headers or body skipped */
    assert_int_equal(asked & (SMFIP_HDR_LEADSPC | SMFIP_RCPT_REJ | SMFIP_NOHDRS | SMFIP_NOBODY), 0);
    send_message(fd, false);
    char c = end_message(fd);
    assert_true(c == SMFIR_ACCEPT || c == SMFIR_CONTINUE);
    /* a second message on the same connection: still no reply per step */
    send_pkt(fd, SMFIC_MAIL, "<c@ext.example>", 16);
    uint8_t buf[64];
    size_t n = 0;
    assert_int_equal(recv_pkt(fd, 300, buf, sizeof buf, &n), 0);
    send_pkt(fd, SMFIC_QUIT, NULL, 0);
    close(fd);
}

static void test_replies_when_not_offered(void **state)
{
    (void)state;
    int fd = dial();
    /* an MTA of protocol version 2: none of the no-reply steps */
    uint32_t asked = negotiate(fd, SMFIP_NOHELO | SMFIP_NOCONNECT | SMFIP_NOMAIL | SMFIP_NORCPT |
                                       SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH);
    assert_int_equal(asked & (SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                              SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NOHDRS | SMFIP_NOBODY |
                              SMFIP_NOMAIL | SMFIP_NORCPT),
                     0);
    send_message(fd, true);
    char c = end_message(fd);
    assert_true(c == SMFIR_ACCEPT || c == SMFIR_CONTINUE);
    send_pkt(fd, SMFIC_QUIT, NULL, 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_reply_when_offered),
        cmocka_unit_test(test_replies_when_not_offered),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
