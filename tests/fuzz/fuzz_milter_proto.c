/* libFuzzer target: the milter protocol engine on what an MTA (or anything that reaches the
 * milter's socket) might send. The input is cut into reads at points taken from its first byte,
 * as a socket would deliver it; the callbacks do what the milter's do (macros looked up, headers
 * and body kept up to a bound, changes and a reply text queued at end of message from the
 * message's own bytes). Checked: whatever was consumed, the output is a sequence of whole,
 * well-formed packets, and a session that says MORE consumed only whole packets. */
#include "../../src/milter/proto.c" /* src/milter is linked into the executable only */

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz {
    size_t bytes;
    char subject[64];
} fz;

static eg_mret f_neg(eg_mctx *c, uint32_t actions, uint32_t steps, uint32_t *wa, uint32_t *ws)
{
    (void)c;
    *wa = actions;
    *ws = steps; /* whatever is offered, to reach every branch */
    return (actions & 1) ? EG_MRET_CONTINUE : EG_MRET_CLOSE;
}

static eg_mret f_conn(eg_mctx *c, const char *host, const char *addr)
{
    (void)host;
    (void)addr;
    return eg_mctx_symval(c, "{daemon_name}") ? EG_MRET_NOREPLY : EG_MRET_CONTINUE;
}

static eg_mret f_env(eg_mctx *c, char **argv, size_t argc)
{
    if (argc > EG_MPROTO_MAX_ARGS || argv[argc])
        __builtin_trap();
    (void)eg_mctx_symval(c, "auth_authen");
    return argv[0][0] == 'T' ? EG_MRET_TEMPFAIL : EG_MRET_NOREPLY;
}

static eg_mret f_hdr(eg_mctx *c, const char *n, const char *v)
{
    fz *z = eg_mctx_app(c);
    z->bytes += strlen(n) + strlen(v);
    if (!strcmp(n, "Subject"))
        snprintf(z->subject, sizeof z->subject, "%s", v);
    return EG_MRET_NOREPLY;
}

static eg_mret f_body(eg_mctx *c, const uint8_t *p, size_t n)
{
    fz *z = eg_mctx_app(c);
    if (n && !p)
        __builtin_trap();
    z->bytes += n;
    return EG_MRET_NOREPLY;
}

static eg_mret f_eom(eg_mctx *c)
{
    fz *z = eg_mctx_app(c);
    const char *i = eg_mctx_symval(c, "i");
    eg_mctx_addheader(c, "X-Emoguard-Verdict", i ? i : "none");
    eg_mctx_chgheader(c, "Subject", 1, z->subject[0] ? z->subject : NULL);
    eg_mctx_quarantine(c, z->subject[0] ? z->subject : "held");
    const char *lines[] = {z->subject, "second"};
    eg_mctx_setreply(c, z->bytes & 1 ? "550" : "451", z->bytes & 1 ? "5.7.1" : "4.7.1", lines,
                     1 + (z->bytes & 2 ? 1 : 0));
    z->subject[0] = 0;
    switch (z->bytes % 5) {
    case 0: return EG_MRET_ACCEPT;
    case 1: return EG_MRET_REJECT;
    case 2: return EG_MRET_TEMPFAIL;
    case 3: return EG_MRET_DISCARD;
    default: return EG_MRET_CONTINUE;
    }
}

static void f_abort(eg_mctx *c)
{
    ((fz *)eg_mctx_app(c))->subject[0] = 0;
}

static const eg_mproto_cbs fcbs = {f_neg, f_conn, f_env, f_env,   f_hdr,
                                   NULL,  f_body, f_eom, f_abort, NULL};

static void check_packets(const eg_buf *out)
{
    size_t off = 0;
    while (off < out->len) {
        if (out->len - off < 5)
            __builtin_trap();
        uint32_t l = be32(out->data + off);
        if (l < 1 || l > EG_MPROTO_MAX_PACKET || out->len - off - 4 < l)
            __builtin_trap();
        off += 4 + (size_t)l;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] % 61 + 1; /* 1..61 bytes per read */
    data++;
    size--;
    fz z = {0};
    eg_mctx *c = eg_mctx_new(&fcbs, &z);
    if (!c)
        return 0;
    eg_buf out;
    eg_buf_init(&out, 0);
    size_t start = 0, end = 0;
    while (end < size) {
        end = size - end < step ? size : end + step;
        size_t used = 0;
        eg_mfeed f = eg_mproto_feed(c, data + start, end - start, &used, &out, NULL);
        if (used > end - start)
            __builtin_trap();
        check_packets(&out);
        out.len = 0;
        if (f == EG_MPROTO_CLOSE)
            break;
        start += used;
        if (end - start >= 5 && be32(data + start) <= EG_MPROTO_MAX_PACKET &&
            end - start - 4 >= be32(data + start) && be32(data + start) > 0)
            __builtin_trap(); /* a whole packet left unhandled */
    }
    eg_mctx_free(c);
    eg_buf_free(&out);
    return 0;
}
