/* The milter protocol engine without sockets: negotiation, steps agreed as no-reply never
 * answered, many commands handled from one buffer and the same result when the bytes arrive one
 * at a time, macros by step, end-of-message changes and reply codes on the wire, and every kind
 * of malformed or out-of-order input ending the session with a reason instead of a crash. The
 * protocol's numbers are checked against libmilter's own header. */
#include "../../src/milter/proto.c" /* src/milter is linked into the executable only */

#include <libmilter/mfdef.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

/* ---- building what an MTA sends ---- */

static void pkt(eg_buf *b, char cmd, const void *p, size_t n)
{
    uint8_t h[5];
    put_be32(h, (uint32_t)n + 1);
    h[4] = (uint8_t)cmd;
    assert_int_equal(eg_buf_append(b, h, 5), EG_OK);
    if (n)
        assert_int_equal(eg_buf_append(b, p, n), EG_OK);
}

/* a payload of NUL-terminated strings */
static void pkt_strs(eg_buf *b, char cmd, const char *const *s, size_t n)
{
    eg_buf p;
    eg_buf_init(&p, 0);
    for (size_t i = 0; i < n; i++)
        eg_buf_append(&p, s[i], strlen(s[i]) + 1);
    pkt(b, cmd, p.data, p.len);
    eg_buf_free(&p);
}

static void optneg(eg_buf *b, uint32_t version, uint32_t actions, uint32_t steps)
{
    uint8_t p[12];
    put_be32(p, version);
    put_be32(p + 4, actions);
    put_be32(p + 8, steps);
    pkt(b, 'O', p, 12);
}

static void macro(eg_buf *b, char stage, const char *name, const char *value)
{
    eg_buf p;
    eg_buf_init(&p, 0);
    eg_buf_putc(&p, (uint8_t)stage);
    eg_buf_append(&p, name, strlen(name) + 1);
    eg_buf_append(&p, value, strlen(value) + 1);
    pkt(b, 'D', p.data, p.len);
    eg_buf_free(&p);
}

static void connect_pkt(eg_buf *b, const char *host, char family, const char *addr)
{
    eg_buf p;
    eg_buf_init(&p, 0);
    eg_buf_append(&p, host, strlen(host) + 1);
    eg_buf_putc(&p, (uint8_t)family);
    eg_buf_append(&p, "\x00\x19", 2);
    eg_buf_append(&p, addr, strlen(addr) + 1);
    pkt(b, 'C', p.data, p.len);
    eg_buf_free(&p);
}

static void header(eg_buf *b, const char *name, const char *value)
{
    const char *s[] = {name, value};
    pkt_strs(b, 'L', s, 2);
}

/* ---- the application side: a trace of what the engine called ---- */

typedef struct app {
    eg_buf trace;
    int closes, aborts;
    eg_mret at_header; /* what the header callback returns */
    int eom_mode;      /* 0 accept; 1 changes + multi-line reject; 2 tempfail with a 5xx text */
} app;

static void tr(eg_mctx *c, const char *fmt, const char *a, const char *b2)
{
    app *a0 = eg_mctx_app(c);
    eg_buf_printf(&a0->trace, fmt, a ? a : "(null)", b2 ? b2 : "(null)");
}

static eg_mret t_neg(eg_mctx *c, uint32_t actions, uint32_t steps, uint32_t *wa, uint32_t *ws)
{
    (void)c;
    if (!(actions & EG_SMFIF_QUARANTINE))
        return EG_MRET_CLOSE;
    *wa = EG_SMFIF_ADDHDRS | EG_SMFIF_CHGHDRS | EG_SMFIF_QUARANTINE;
    *ws = steps & (EG_SMFIP_NR_CONN | EG_SMFIP_NR_MAIL | EG_SMFIP_NR_RCPT | EG_SMFIP_NR_HDR |
                   EG_SMFIP_NR_EOH | EG_SMFIP_NR_BODY | EG_SMFIP_NOHELO);
    return EG_MRET_CONTINUE;
}

static eg_mret t_conn(eg_mctx *c, const char *host, const char *addr)
{
    tr(c, "C %s %s|", host, addr);
    tr(c, "dn=%s%s|", eg_mctx_symval(c, "daemon_name"), "");
    return EG_MRET_NOREPLY;
}

static eg_mret t_from(eg_mctx *c, char **argv, size_t argc)
{
    tr(c, "M %s %s|", argv[0], argc > 1 ? argv[1] : "-");
    tr(c, "auth=%s%s|", eg_mctx_symval(c, "{auth_authen}"), "");
    return EG_MRET_NOREPLY;
}

static eg_mret t_rcpt(eg_mctx *c, char **argv, size_t argc)
{
    (void)argc;
    tr(c, "R %s%s|", argv[0], "");
    return EG_MRET_NOREPLY;
}

static eg_mret t_hdr(eg_mctx *c, const char *n, const char *v)
{
    tr(c, "L %s=%s|", n, v);
    return ((app *)eg_mctx_app(c))->at_header;
}

static eg_mret t_eoh(eg_mctx *c)
{
    tr(c, "N%s%s|", "", "");
    return EG_MRET_NOREPLY;
}

static eg_mret t_body(eg_mctx *c, const uint8_t *p, size_t n)
{
    app *a = eg_mctx_app(c);
    eg_buf_printf(&a->trace, "B %zu:%.*s|", n, (int)n, (const char *)p);
    return EG_MRET_NOREPLY;
}

static eg_mret t_eom(eg_mctx *c)
{
    app *a = eg_mctx_app(c);
    tr(c, "E i=%s%s|", eg_mctx_symval(c, "i"), "");
    if (a->eom_mode == 1) {
        assert_true(eg_mctx_addheader(c, "X-Test", "v1"));
        assert_true(eg_mctx_chgheader(c, "X-Old", 2, NULL));
        assert_true(eg_mctx_quarantine(c, "held for review"));
        const char *lines[] = {"english", "日本語"};
        assert_true(eg_mctx_setreply(c, "550", "5.7.1", lines, 2));
        return EG_MRET_REJECT;
    }
    if (a->eom_mode == 2) {
        const char *lines[] = {"permanent"};
        assert_true(eg_mctx_setreply(c, "550", "5.7.1", lines, 1));
        return EG_MRET_TEMPFAIL; /* a 5xx text does not fit a tempfail: plain 't' */
    }
    return EG_MRET_ACCEPT;
}

static void t_abort(eg_mctx *c)
{
    ((app *)eg_mctx_app(c))->aborts++;
    tr(c, "A%s%s|", "", "");
}

static void t_close(eg_mctx *c)
{
    ((app *)eg_mctx_app(c))->closes++;
}

static const eg_mproto_cbs cbs = {t_neg, t_conn, t_from, t_rcpt,  t_hdr,
                                  t_eoh, t_body, t_eom,  t_abort, t_close};

/* A session over the test callbacks, with empty input and output buffers. */
static eg_mctx *start(app *a, eg_buf *in, eg_buf *out)
{
    eg_buf_init(&a->trace, 0);
    eg_buf_init(in, 0);
    eg_buf_init(out, 0);
    eg_mctx *c = eg_mctx_new(&cbs, a);
    assert_non_null(c);
    return c;
}

static void finish(eg_mctx *c, app *a, eg_buf *in, eg_buf *out)
{
    eg_mctx_free(c); /* its close callback still writes to a */
    eg_buf_free(in);
    eg_buf_free(out);
    eg_buf_free(&a->trace);
}

#define ALL_ACTIONS 0x1ffu
#define ALL_STEPS 0x1fffffu

/* a whole SMTP transaction as Postfix sends it */
static void session(eg_buf *b, int n_headers)
{
    optneg(b, 6, ALL_ACTIONS, ALL_STEPS);
    macro(b, 'C', "{daemon_name}", "ORIGINATING");
    connect_pkt(b, "mx.example", '6', "IPv6:2001:DB8::1"); /* HELO is not sent: NOHELO agreed */
    macro(b, 'M', "{auth_authen}", "alice");
    pkt_strs(b, 'M', (const char *[]){"<a@example.jp>", "SIZE=100"}, 2);
    pkt_strs(b, 'R', (const char *[]){"<b@example.jp>"}, 1);
    for (int i = 0; i < n_headers; i++) {
        char v[32];
        snprintf(v, sizeof v, "value %d", i);
        header(b, "X-H", v);
    }
    pkt(b, 'N', NULL, 0);
    pkt(b, 'B', "hello\r\n", 7);
    macro(b, 'E', "i", "4ABC123");
    pkt(b, 'E', NULL, 0);
}

typedef struct reply {
    char cmd;
    const uint8_t *p;
    size_t n;
} reply;

/* the i-th packet of what the engine wrote */
static reply nth(const eg_buf *out, size_t i)
{
    size_t off = 0;
    for (;;) {
        assert_true(out->len - off >= 5);
        uint32_t l = be32(out->data + off);
        assert_true(l >= 1 && out->len - off - 4 >= l);
        if (i-- == 0)
            return (reply){(char)out->data[off + 4], out->data + off + 5, l - 1};
        off += 4 + l;
    }
}

static size_t n_packets(const eg_buf *out)
{
    size_t n = 0, off = 0;
    while (off < out->len) {
        off += 4 + be32(out->data + off);
        n++;
    }
    assert_int_equal(off, out->len);
    return n;
}

static eg_mfeed feed_all(eg_mctx *c, const eg_buf *in, eg_buf *out, const char **why)
{
    size_t used = 0;
    eg_mfeed f = eg_mproto_feed(c, in->data, in->len, &used, out, why);
    if (f == EG_MPROTO_MORE)
        assert_int_equal(used, in->len);
    return f;
}

static void test_numbers_are_the_protocols(void **unused)
{
    (void)unused;
    assert_int_equal(EG_SMFIP_NR_HDR, SMFIP_NR_HDR);
    assert_int_equal(EG_SMFIP_NR_CONN, SMFIP_NR_CONN);
    assert_int_equal(EG_SMFIP_NR_MAIL, SMFIP_NR_MAIL);
    assert_int_equal(EG_SMFIP_NR_RCPT, SMFIP_NR_RCPT);
    assert_int_equal(EG_SMFIP_NR_DATA, SMFIP_NR_DATA);
    assert_int_equal(EG_SMFIP_NR_UNKN, SMFIP_NR_UNKN);
    assert_int_equal(EG_SMFIP_NR_EOH, SMFIP_NR_EOH);
    assert_int_equal(EG_SMFIP_NR_BODY, SMFIP_NR_BODY);
    assert_int_equal(EG_SMFIP_NR_HELO, SMFIP_NR_HELO);
    assert_int_equal(EG_SMFIP_NOHELO, SMFIP_NOHELO);
    assert_int_equal(EG_SMFIP_NODATA, SMFIP_NODATA);
    assert_int_equal(EG_SMFIP_NOUNKNOWN, SMFIP_NOUNKNOWN);
    assert_int_equal(EG_SMFIP_NOCONNECT, SMFIP_NOCONNECT);
    assert_int_equal(EG_SMFIP_NOHDRS, SMFIP_NOHDRS);
    assert_int_equal(EG_SMFIP_NOBODY, SMFIP_NOBODY);
    assert_int_equal(EG_SMFIP_NOEOH, SMFIP_NOEOH);
    assert_int_equal(EG_SMFIC_OPTNEG, SMFIC_OPTNEG);
    assert_int_equal(EG_SMFIC_QUIT_NC, SMFIC_QUIT_NC);
    assert_int_equal(EG_SMFIC_BODYEOB, SMFIC_BODYEOB);
    assert_int_equal(EG_SMFIR_REPLYCODE, SMFIR_REPLYCODE);
    assert_int_equal(EG_SMFIR_CHGHEADER, SMFIR_CHGHEADER);
    assert_int_equal(EG_SMFIR_QUARANTINE, SMFIR_QUARANTINE);
}

static void test_whole_session_in_one_buffer(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_NOREPLY};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    session(&in, 30);
    const char *why = "unset";
    assert_int_equal(feed_all(c, &in, &out, &why), EG_MPROTO_MORE);
    assert_null(why);
    /* the negotiation's answer, then only the end of message's: nothing per header */
    assert_int_equal(n_packets(&out), 2);
    reply o = nth(&out, 0);
    assert_int_equal(o.cmd, 'O');
    assert_int_equal(o.n, 12);
    assert_int_equal(be32(o.p), 6);
    assert_int_equal(be32(o.p + 4), EG_SMFIF_ADDHDRS | EG_SMFIF_CHGHDRS | EG_SMFIF_QUARANTINE);
    assert_int_equal(be32(o.p + 8), EG_SMFIP_NR_CONN | EG_SMFIP_NR_MAIL | EG_SMFIP_NR_RCPT |
                                        EG_SMFIP_NR_HDR | EG_SMFIP_NR_EOH | EG_SMFIP_NR_BODY |
                                        EG_SMFIP_NOHELO);
    assert_int_equal(nth(&out, 1).cmd, 'a');
    const char *t = (const char *)a.trace.data;
    assert_non_null(strstr(t, "C mx.example 2001:db8::1|dn=ORIGINATING|"));
    assert_non_null(
        strstr(t, "M <a@example.jp> SIZE=100|auth=alice|R <b@example.jp>|L X-H=value 0|"));
    assert_non_null(strstr(t, "L X-H=value 29|N|B 7:hello\r\n|E i=4ABC123|"));
    assert_false(eg_mctx_in_message(c));
    /* the message's macros are gone with it, the connection's stay */
    assert_null(eg_mctx_symval(c, "{auth_authen}"));
    assert_null(eg_mctx_symval(c, "i"));
    assert_string_equal(eg_mctx_symval(c, "{daemon_name}"), "ORIGINATING");
    eg_mctx_free(c);
    assert_int_equal(a.closes, 1);
    eg_buf_free(&in);
    eg_buf_free(&out);
    eg_buf_free(&a.trace);
}

/* The same bytes arriving one at a time give the same calls and the same answers. */
static void test_byte_by_byte_same_result(void **unused)
{
    (void)unused;
    eg_buf in;
    eg_buf_init(&in, 0);
    session(&in, 5);
    char *traces[2];
    eg_buf outs[2];
    for (int mode = 0; mode < 2; mode++) {
        app a = {.at_header = EG_MRET_NOREPLY, .eom_mode = 1};
        eg_buf_init(&a.trace, 0);
        eg_buf_init(&outs[mode], 0);
        eg_mctx *c = eg_mctx_new(&cbs, &a);
        if (mode == 0) {
            assert_int_equal(feed_all(c, &in, &outs[0], NULL), EG_MPROTO_MORE);
        } else {
            size_t start = 0;
            for (size_t end = 1; end <= in.len; end++) {
                size_t used = 0;
                assert_int_equal(
                    eg_mproto_feed(c, in.data + start, end - start, &used, &outs[1], NULL),
                    EG_MPROTO_MORE);
                start += used;
            }
            assert_int_equal(start, in.len);
        }
        eg_mctx_free(c);
        traces[mode] = eg_buf_steal(&a.trace, NULL);
    }
    assert_string_equal(traces[0], traces[1]);
    assert_int_equal(outs[0].len, outs[1].len);
    assert_memory_equal(outs[0].data, outs[1].data, outs[0].len);
    for (int i = 0; i < 2; i++) {
        free(traces[i]);
        eg_buf_free(&outs[i]);
    }
    eg_buf_free(&in);
}

/* End-of-message changes go out in order before the answer; a multi-line reply is one 'y'. */
static void test_eom_changes_and_reply_text(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_NOREPLY, .eom_mode = 1};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    session(&in, 1);
    assert_int_equal(feed_all(c, &in, &out, NULL), EG_MPROTO_MORE);
    assert_int_equal(n_packets(&out), 5);
    reply h = nth(&out, 1), m = nth(&out, 2), q = nth(&out, 3), y = nth(&out, 4);
    assert_int_equal(h.cmd, 'h');
    assert_int_equal(h.n, sizeof "X-Test" + sizeof "v1");
    assert_memory_equal(h.p, "X-Test\0v1", h.n);
    assert_int_equal(m.cmd, 'm');
    assert_int_equal(be32(m.p), 2);
    assert_memory_equal(m.p + 4, "X-Old\0", 7); /* an empty value deletes */
    assert_int_equal(m.n, 4 + 6 + 1);
    assert_int_equal(q.cmd, 'q');
    assert_string_equal((const char *)q.p, "held for review");
    assert_int_equal(y.cmd, 'y');
    assert_string_equal((const char *)y.p, "550-5.7.1 english\r\n550 5.7.1 日本語");
    assert_int_equal(y.n, strlen((const char *)y.p) + 1);
    finish(c, &a, &in, &out);
}

static void test_reply_text_must_fit(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_NOREPLY, .eom_mode = 2};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    const char *bad[] = {"two\r\nlines"};
    const char *ok[] = {"fine"};
    assert_false(eg_mctx_setreply(c, "550", "5.7.1", bad, 1));
    assert_false(eg_mctx_setreply(c, "250", "2.0.0", ok, 1));
    assert_false(eg_mctx_setreply(c, "550", "4.7.1", ok, 1));
    assert_false(eg_mctx_setreply(c, "550", "5.7", ok, 1));
    assert_false(eg_mctx_setreply(c, "55", "5.7.1", ok, 1));
    assert_false(eg_mctx_setreply(c, "550", "5.7.1", ok, 0));
    assert_true(eg_mctx_setreply(c, "451", "4.7.1", ok, 1));
    /* changes outside the end of message are refused */
    assert_false(eg_mctx_addheader(c, "X-A", "b"));
    assert_false(eg_mctx_quarantine(c, "why"));
    session(&in, 1);
    assert_int_equal(feed_all(c, &in, &out, NULL), EG_MPROTO_MORE);
    assert_int_equal(nth(&out, 1).cmd, 't'); /* eom_mode 2: a 5xx text with a tempfail */
    finish(c, &a, &in, &out);
}

/* An MTA that offers no no-reply steps gets an answer to each. */
static void test_steps_answered_when_not_agreed(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_NOREPLY};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    optneg(&in, 2, ALL_ACTIONS, 0);
    connect_pkt(&in, "h", '4', "192.0.2.7");
    pkt_strs(&in, 'H', (const char *[]){"x"}, 1);
    pkt_strs(&in, 'M', (const char *[]){"<a@b>"}, 1);
    pkt_strs(&in, 'R', (const char *[]){"<c@d>"}, 1);
    header(&in, "Subject", "s");
    header(&in, "To", "t");
    pkt(&in, 'N', NULL, 0);
    pkt(&in, 'B', "x", 1);
    pkt(&in, 'E', NULL, 0);
    assert_int_equal(feed_all(c, &in, &out, NULL), EG_MPROTO_MORE);
    assert_int_equal(n_packets(&out), 10);
    assert_int_equal(be32(nth(&out, 0).p), 2); /* the MTA's older version is kept */
    for (size_t i = 1; i < 9; i++)
        assert_int_equal(nth(&out, i).cmd, 'c');
    assert_int_equal(nth(&out, 9).cmd, 'a');
    assert_non_null(strstr((const char *)a.trace.data, "C h 192.0.2.7|"));
    finish(c, &a, &in, &out);
}

/* A header callback's objection in a no-reply step is not sent (it would break the stream). */
static void test_noreply_step_never_answered(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_TEMPFAIL};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    session(&in, 3);
    assert_int_equal(feed_all(c, &in, &out, NULL), EG_MPROTO_MORE);
    assert_int_equal(n_packets(&out), 2);
    finish(c, &a, &in, &out);
}

/* Each malformed or misplaced input ends the session with a reason; what came before it was
 * handled, nothing after it is. */
static void test_malformed_input_closes(void **unused)
{
    (void)unused;
    for (int k = 0; k < 13; k++) {
        app a = {.at_header = EG_MRET_NOREPLY};
        eg_buf in, out;
        eg_mctx *c = start(&a, &in, &out);
        if (k != 0)
            optneg(&in, 6, ALL_ACTIONS, ALL_STEPS);
        size_t good = in.len;
        switch (k) {
        case 0: pkt_strs(&in, 'M', (const char *[]){"<a@b>"}, 1); break; /* before negotiation */
        case 1: header(&in, "Subject", "x"); break;                      /* outside a message */
        case 2: pkt_strs(&in, 'R', (const char *[]){"<a@b>"}, 1); break; /* RCPT before MAIL */
        case 3: pkt(&in, 'Z', "?", 1); break;                            /* unknown command */
        case 4: optneg(&in, 6, ALL_ACTIONS, ALL_STEPS); break;           /* a second negotiation */
        case 5: eg_buf_append(&in, "\0\0\0\0X", 5); break;               /* zero length */
        case 6: eg_buf_append(&in, "\x7f\xff\xff\xffL", 5); break;       /* far too long */
        case 7: pkt(&in, 'O', "\0\0\0\6", 4); break;                     /* short (second anyway) */
        case 8:
            pkt_strs(&in, 'M', (const char *[]){"<a@b>"}, 1);
            good = in.len;
            pkt(&in, 'L', "Subject", 7); /* no NUL after the name */
            break;
        case 9:
            pkt_strs(&in, 'M', (const char *[]){"<a@b>"}, 1);
            good = in.len;
            pkt(&in, 'L', "\0value", 7); /* no name */
            break;
        case 10: pkt(&in, 'M', NULL, 0); break; /* MAIL without an address */
        case 11: pkt(&in, 'D', NULL, 0); break; /* macros without a step */
        case 12:
            for (int i = 0; i < MAX_MACRO_STAGES; i++)
                macro(&in, (char)('a' + i), "x", "y");
            good = in.len;
            macro(&in, 'z', "x", "y"); /* one step too many */
            break;
        }
        size_t bad_end = in.len;
        pkt(&in, 'E', NULL, 0); /* never reached */
        size_t used = 0;
        const char *why = NULL;
        assert_int_equal(eg_mproto_feed(c, in.data, in.len, &used, &out, &why), EG_MPROTO_CLOSE);
        if (!why)
            fail_msg("case %d closed without a reason", k);
        assert_true(used <= bad_end);
        assert_true(used >= good || k == 5 || k == 6);
        assert_null(strstr(a.trace.data ? (const char *)a.trace.data : "", "E "));
        finish(c, &a, &in, &out);
    }
}

static void test_refused_negotiation(void **unused)
{
    (void)unused;
    app a = {0};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    optneg(&in, 6, EG_SMFIF_ADDHDRS, ALL_STEPS); /* no quarantine: the callback refuses */
    const char *why = NULL;
    assert_int_equal(feed_all(c, &in, &out, &why), EG_MPROTO_CLOSE);
    assert_non_null(why);
    assert_int_equal(out.len, 0);
    eg_buf_free(&in);
    optneg(&in, 1, ALL_ACTIONS, ALL_STEPS); /* a version below 2, on a fresh session */
    eg_mctx_free(c);
    assert_int_equal(a.closes, 0); /* nothing was agreed: no connection to close */
    c = eg_mctx_new(&cbs, &a);
    assert_int_equal(feed_all(c, &in, &out, &why), EG_MPROTO_CLOSE);
    assert_non_null(strstr(why, "version"));
    finish(c, &a, &in, &out);
}

/* A partial packet stays unconsumed; QUIT ends with no reason; QUIT_NC starts a new connection
 * on the same session; a new MAIL inside a message aborts the old one; ABORT drops the message's
 * macros. */
static void test_session_boundaries(void **unused)
{
    (void)unused;
    app a = {.at_header = EG_MRET_NOREPLY};
    eg_buf in, out;
    eg_mctx *c = start(&a, &in, &out);
    optneg(&in, 6, ALL_ACTIONS, ALL_STEPS);
    macro(&in, 'M', "{auth_authen}", "bob");
    pkt_strs(&in, 'M', (const char *[]){"<a@b>"}, 1);
    pkt_strs(&in, 'M', (const char *[]){"<c@d>"}, 1); /* a second MAIL: the first message ends */
    header(&in, "Subject", "partial");
    size_t used = 0;
    assert_int_equal(eg_mproto_feed(c, in.data, in.len - 3, &used, &out, NULL), EG_MPROTO_MORE);
    assert_true(used < in.len - 3); /* the header packet is not complete */
    assert_int_equal(a.aborts, 1);
    assert_string_equal(eg_mctx_symval(c, "auth_authen"), "bob"); /* MAIL's own macros kept */
    assert_true(eg_mctx_in_message(c));
    eg_buf_free(&in);
    pkt(&in, 'A', NULL, 0);
    pkt(&in, 'K', NULL, 0);
    assert_int_equal(feed_all(c, &in, &out, NULL), EG_MPROTO_MORE);
    assert_int_equal(a.aborts, 2); /* the second message */
    assert_false(eg_mctx_in_message(c));
    assert_null(eg_mctx_symval(c, "auth_authen"));
    assert_int_equal(a.closes, 1); /* QUIT_NC: this connection is over */
    eg_buf_free(&in);
    connect_pkt(&in, "next", '4', "198.51.100.1");
    pkt(&in, 'Q', NULL, 0);
    const char *why = "unset";
    assert_int_equal(feed_all(c, &in, &out, &why), EG_MPROTO_CLOSE);
    assert_null(why);
    assert_int_equal(a.closes, 2);
    assert_non_null(strstr((const char *)a.trace.data, "C next 198.51.100.1|"));
    eg_mctx_free(c);
    assert_int_equal(a.closes, 2); /* not twice */
    eg_buf_free(&in);
    eg_buf_free(&out);
    eg_buf_free(&a.trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_are_the_protocols),
        cmocka_unit_test(test_whole_session_in_one_buffer),
        cmocka_unit_test(test_byte_by_byte_same_result),
        cmocka_unit_test(test_eom_changes_and_reply_text),
        cmocka_unit_test(test_reply_text_must_fit),
        cmocka_unit_test(test_steps_answered_when_not_agreed),
        cmocka_unit_test(test_noreply_step_never_answered),
        cmocka_unit_test(test_malformed_input_closes),
        cmocka_unit_test(test_refused_negotiation),
        cmocka_unit_test(test_session_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
