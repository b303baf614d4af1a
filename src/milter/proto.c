/*
 * The milter protocol engine (proto.h): packets in, callbacks, answers out. No I/O, no threads:
 * the same code runs under the server (server.c), the unit tests and the fuzz target.
 *
 * A packet is a 4-byte big-endian length (command byte plus payload), the command byte and the
 * payload. Strings in payloads are NUL-terminated; the engine copies a payload that holds strings
 * into a scratch buffer with one more NUL behind it, so that a payload without its terminators
 * can never make a string run past the packet.
 */
#include "milter/proto.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_MACRO_STAGES 16
#define MAX_PENDING (1u << 20) /* header changes and reply text of one end of message */
#define MAX_REPLY 8192

typedef struct macro_set {
    char stage;    /* the command the macros were sent for; 0 = free slot */
    uint8_t *data; /* name\0value\0 ... plus a final NUL */
    size_t len;
} macro_set;

struct eg_mctx {
    const eg_mproto_cbs *cbs;
    void *app;
    bool negotiated, in_msg, at_eom, closed;
    uint32_t actions, steps; /* agreed */
    macro_set mac[MAX_MACRO_STAGES];
    eg_buf scratch; /* the current payload, NUL-terminated */
    eg_buf pending; /* end-of-message changes, in wire form */
    char *reply;    /* SMTP reply text for the next REJECT/TEMPFAIL answer */
};

/* the message's protocol steps: their macros go when the message ends */
static const char MSG_STAGES[] = "MRTLNEB";

eg_mctx *eg_mctx_new(const eg_mproto_cbs *cbs, void *app)
{
    eg_mctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cbs = cbs;
    c->app = app;
    eg_buf_init(&c->scratch, EG_MPROTO_MAX_PACKET + 1);
    eg_buf_init(&c->pending, MAX_PENDING);
    return c;
}

static void macros_clear(eg_mctx *c, const char *stages)
{
    for (size_t i = 0; i < MAX_MACRO_STAGES; i++) {
        if (!c->mac[i].stage || (stages && !strchr(stages, c->mac[i].stage)))
            continue;
        free(c->mac[i].data);
        memset(&c->mac[i], 0, sizeof c->mac[i]);
    }
}

static void end_connection(eg_mctx *c)
{
    if (c->in_msg && c->cbs->abort)
        c->cbs->abort(c);
    c->in_msg = false;
    if (!c->closed && c->cbs->close)
        c->cbs->close(c);
    c->closed = true;
}

void eg_mctx_free(eg_mctx *c)
{
    if (!c)
        return;
    if (c->negotiated)
        end_connection(c);
    macros_clear(c, NULL);
    eg_buf_free(&c->scratch);
    eg_buf_free(&c->pending);
    free(c->reply);
    free(c);
}

void *eg_mctx_app(const eg_mctx *c)
{
    return c->app;
}
bool eg_mctx_in_message(const eg_mctx *c)
{
    return c->in_msg;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t eg_mproto_packet_len(const uint8_t *p)
{
    return be32(p);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends one packet; the payload is the concatenation of the n parts. */
static bool put_packet(eg_buf *out, char cmd, const void *const *parts, const size_t *lens,
                       size_t n)
{
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] > EG_MPROTO_MAX_PACKET - total)
            return false;
        total += lens[i];
    }
    uint8_t h[5];
    put_be32(h, (uint32_t)total);
    h[4] = (uint8_t)cmd;
    size_t mark = out->len;
    bool ok = eg_buf_append(out, h, 5) == EG_OK;
    for (size_t i = 0; ok && i < n; i++)
        ok = eg_buf_append(out, parts[i], lens[i]) == EG_OK;
    if (!ok)
        out->len = mark; /* never half a packet */
    return ok;
}

static bool put_simple(eg_buf *out, char cmd)
{
    return put_packet(out, cmd, NULL, NULL, 0);
}

/* ---- macros ---- */

static bool macro_store(eg_mctx *c, const uint8_t *p, size_t n)
{
    if (n < 1)
        return false;
    char stage = (char)p[0];
    if (!stage)
        return false;
    macro_set *slot = NULL;
    for (size_t i = 0; i < MAX_MACRO_STAGES && !slot; i++)
        if (c->mac[i].stage == stage)
            slot = &c->mac[i];
    for (size_t i = 0; i < MAX_MACRO_STAGES && !slot; i++)
        if (!c->mac[i].stage)
            slot = &c->mac[i];
    if (!slot)
        return false;
    uint8_t *d = malloc(n); /* n - 1 bytes of pairs and a final NUL */
    if (!d)
        return false;
    memcpy(d, p + 1, n - 1);
    d[n - 1] = 0;
    free(slot->data);
    slot->stage = stage;
    slot->data = d;
    slot->len = n - 1;
    return true;
}

/* a macro name without its braces: "{daemon_name}" and "daemon_name" are the same */
static void bare_name(const char *s, const char **p, size_t *n)
{
    size_t l = strlen(s);
    if (l >= 2 && s[0] == '{' && s[l - 1] == '}') {
        *p = s + 1;
        *n = l - 2;
    } else {
        *p = s;
        *n = l;
    }
}

static const char *macro_in(const macro_set *m, const char *want, size_t wn)
{
    const char *p = (const char *)m->data, *end = p + m->len;
    while (p < end) {
        const char *name = p;
        p += strlen(p) + 1;
        if (p > end)
            break;
        const char *value = p;
        p += strlen(p) + 1;
        const char *bn;
        size_t bl;
        bare_name(name, &bn, &bl);
        if (bl == wn && !memcmp(bn, want, wn))
            return value;
    }
    return NULL;
}

const char *eg_mctx_symval(const eg_mctx *c, const char *name)
{
    static const char order[] = "ENLTRMHC"; /* the latest step first */
    const char *want;
    size_t wn;
    bare_name(name, &want, &wn);
    for (const char *s = order; *s; s++)
        for (size_t i = 0; i < MAX_MACRO_STAGES; i++)
            if (c->mac[i].stage == *s) {
                const char *v = macro_in(&c->mac[i], want, wn);
                if (v)
                    return v;
            }
    return NULL;
}

/* ---- end-of-message changes ---- */

static bool has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

bool eg_mctx_addheader(eg_mctx *c, const char *name, const char *value)
{
    if (!c->at_eom || !(c->actions & EG_SMFIF_ADDHDRS) || !name || !*name || !value)
        return false;
    const void *parts[] = {name, value};
    size_t lens[] = {strlen(name) + 1, strlen(value) + 1};
    return put_packet(&c->pending, EG_SMFIR_ADDHEADER, parts, lens, 2);
}

bool eg_mctx_chgheader(eg_mctx *c, const char *name, uint32_t index, const char *value)
{
    if (!c->at_eom || !(c->actions & EG_SMFIF_CHGHDRS) || !name || !*name || index == 0)
        return false;
    uint8_t idx[4];
    put_be32(idx, index);
    const char *v = value ? value : ""; /* an empty value deletes the field */
    const void *parts[] = {idx, name, v};
    size_t lens[] = {4, strlen(name) + 1, strlen(v) + 1};
    return put_packet(&c->pending, EG_SMFIR_CHGHEADER, parts, lens, 3);
}

bool eg_mctx_quarantine(eg_mctx *c, const char *reason)
{
    if (!c->at_eom || !(c->actions & EG_SMFIF_QUARANTINE) || !reason || !*reason ||
        has_crlf(reason))
        return false;
    const void *parts[] = {reason};
    size_t lens[] = {strlen(reason) + 1};
    return put_packet(&c->pending, EG_SMFIR_QUARANTINE, parts, lens, 1);
}

static bool valid_rcode(const char *r)
{
    return r && (r[0] == '4' || r[0] == '5') && r[1] >= '0' && r[1] <= '9' && r[2] >= '0' &&
           r[2] <= '9' && !r[3];
}

/* "x.y.z" with the class of the reply code */
static bool valid_xcode(const char *x, char cls)
{
    if (!x || x[0] != cls || x[1] != '.')
        return false;
    int dots = 0;
    for (const char *p = x + 2; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return false;
    }
    return dots == 1 && x[2] != '.' && x[strlen(x) - 1] != '.' && !strstr(x, "..");
}

bool eg_mctx_setreply(eg_mctx *c, const char *rcode, const char *xcode, const char *const *lines,
                      size_t n_lines)
{
    if (!valid_rcode(rcode) || !valid_xcode(xcode, rcode[0]) || n_lines == 0 || n_lines > 32)
        return false;
    eg_buf b;
    eg_buf_init(&b, MAX_REPLY);
    bool ok = true;
    for (size_t i = 0; ok && i < n_lines; i++) {
        const char *t = lines[i] ? lines[i] : "";
        if (has_crlf(t)) /* one line of text must stay one line of the reply */
            ok = false;
        else
            ok = eg_buf_printf(&b, "%s%s%c%s %s", i ? "\r\n" : "", rcode,
                               i + 1 < n_lines ? '-' : ' ', xcode, t) == EG_OK;
    }
    if (!ok) {
        eg_buf_free(&b);
        return false;
    }
    free(c->reply);
    c->reply = eg_buf_steal(&b, NULL);
    return c->reply != NULL;
}

/* ---- answers ---- */

/* The answer to a step; nothing when the step was agreed as no-reply. */
static bool answer(eg_mctx *c, eg_buf *out, eg_mret r, uint32_t nr_flag)
{
    if (nr_flag && (c->steps & nr_flag))
        return true;
    bool ok;
    switch (r) {
    case EG_MRET_ACCEPT: ok = put_simple(out, EG_SMFIR_ACCEPT); break;
    case EG_MRET_DISCARD: ok = put_simple(out, EG_SMFIR_DISCARD); break;
    case EG_MRET_REJECT:
    case EG_MRET_TEMPFAIL: {
        char cls = r == EG_MRET_REJECT ? '5' : '4';
        if (c->reply && c->reply[0] == cls) {
            const void *parts[] = {c->reply};
            size_t lens[] = {strlen(c->reply) + 1};
            ok = put_packet(out, EG_SMFIR_REPLYCODE, parts, lens, 1);
        } else {
            ok = put_simple(out, r == EG_MRET_REJECT ? EG_SMFIR_REJECT : EG_SMFIR_TEMPFAIL);
        }
        break;
    }
    default: ok = put_simple(out, EG_SMFIR_CONTINUE); break;
    }
    free(c->reply);
    c->reply = NULL;
    return ok;
}

static bool final_answer(eg_mret r)
{
    return r != EG_MRET_CONTINUE && r != EG_MRET_NOREPLY;
}

static void message_done(eg_mctx *c)
{
    c->in_msg = false;
    macros_clear(c, MSG_STAGES);
}

/* ---- commands ---- */

typedef enum { GO, STOP } step;

static step fail(const char **why, const char *text)
{
    if (why)
        *why = text;
    return STOP;
}

static step do_optneg(eg_mctx *c, const uint8_t *p, size_t n, eg_buf *out, const char **why)
{
    if (c->negotiated)
        return fail(why, "second option negotiation");
    if (n < 12)
        return fail(why, "short option negotiation");
    uint32_t version = be32(p), actions = be32(p + 4), steps = be32(p + 8);
    if (version < 2)
        return fail(why, "milter protocol version below 2");
    uint32_t wa = 0, ws = 0;
    eg_mret r =
        c->cbs->negotiate ? c->cbs->negotiate(c, actions, steps, &wa, &ws) : EG_MRET_CONTINUE;
    if (r != EG_MRET_CONTINUE)
        return fail(why, "the MTA does not offer what the milter needs");
    c->actions = wa & actions;
    c->steps = ws & steps;
    uint8_t rep[12];
    put_be32(rep, version < EG_MPROTO_VERSION ? version : EG_MPROTO_VERSION);
    put_be32(rep + 4, c->actions);
    put_be32(rep + 8, c->steps);
    const void *parts[] = {rep};
    size_t lens[] = {12};
    if (!put_packet(out, EG_SMFIC_OPTNEG, parts, lens, 1))
        return fail(why, "out of memory");
    c->negotiated = true;
    return GO;
}

/* The payload as NUL-terminated text in the scratch buffer. */
static const char *text_of(eg_mctx *c, const uint8_t *p, size_t n)
{
    c->scratch.len = 0;
    if (eg_buf_append(&c->scratch, p, n) != EG_OK || eg_buf_putc(&c->scratch, 0) != EG_OK)
        return NULL;
    return (const char *)c->scratch.data;
}

/* Splits NUL-separated strings (at most EG_MPROTO_MAX_ARGS) into argv. */
static size_t split_args(char *s, size_t n, char **argv)
{
    size_t argc = 0;
    for (char *p = s, *end = s + n; p < end && argc < EG_MPROTO_MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    return argc;
}

static step do_connect(eg_mctx *c, const uint8_t *p, size_t n, eg_buf *out, const char **why)
{
    const char *host = text_of(c, p, n);
    if (!host)
        return fail(why, "out of memory");
    size_t hl = strlen(host);
    char addr[64] = "";
    if (hl + 1 < n) {
        char family = host[hl + 1];
        const char *a = host + hl + 4; /* family, 2-byte port, address */
        if ((family == '4' || family == '6') && hl + 4 < n) {
            if (family == '6' && !strncasecmp(a, "IPv6:", 5))
                a += 5;
            uint8_t bin[16];
            int af = family == '4' ? AF_INET : AF_INET6;
            if (inet_pton(af, a, bin) != 1 || !inet_ntop(af, bin, addr, sizeof addr))
                addr[0] = 0;
        }
    }
    eg_mret r =
        c->cbs->connect ? c->cbs->connect(c, host, addr[0] ? addr : NULL) : EG_MRET_CONTINUE;
    return answer(c, out, r, EG_SMFIP_NR_CONN) ? GO : fail(why, "out of memory");
}

static step do_envelope(eg_mctx *c, char cmd, const uint8_t *p, size_t n, eg_buf *out,
                        const char **why)
{
    if (cmd == EG_SMFIC_RCPT && !c->in_msg)
        return fail(why, "RCPT outside a message");
    if (cmd == EG_SMFIC_MAIL && c->in_msg) { /* a new message without an abort: the old one ends */
        if (c->cbs->abort)
            c->cbs->abort(c);
        c->in_msg = false;
        macros_clear(c, MSG_STAGES + 1); /* keep MAIL's macros, sent just before this */
    }
    char *s = (char *)text_of(c, p, n);
    if (!s)
        return fail(why, "out of memory");
    char *argv[EG_MPROTO_MAX_ARGS + 1];
    size_t argc = split_args(s, n, argv);
    if (argc == 0)
        return fail(why, "MAIL or RCPT without an address");
    eg_mret r;
    if (cmd == EG_SMFIC_MAIL) {
        c->in_msg = true;
        r = c->cbs->envfrom ? c->cbs->envfrom(c, argv, argc) : EG_MRET_CONTINUE;
        if (final_answer(r)) /* refused at MAIL: no message follows */
            message_done(c);
    } else {
        r = c->cbs->envrcpt ? c->cbs->envrcpt(c, argv, argc) : EG_MRET_CONTINUE;
    }
    uint32_t nr = cmd == EG_SMFIC_MAIL ? EG_SMFIP_NR_MAIL : EG_SMFIP_NR_RCPT;
    return answer(c, out, r, nr) ? GO : fail(why, "out of memory");
}

static step do_header(eg_mctx *c, const uint8_t *p, size_t n, eg_buf *out, const char **why)
{
    const char *name = text_of(c, p, n);
    if (!name)
        return fail(why, "out of memory");
    size_t nl = strlen(name);
    if (nl == 0 || nl >= n) /* no name, or no NUL after it inside the packet */
        return fail(why, "malformed header packet");
    const char *value = name + nl + 1; /* up to its NUL, or the scratch buffer's own */
    eg_mret r = c->cbs->header ? c->cbs->header(c, name, value) : EG_MRET_CONTINUE;
    return answer(c, out, r, EG_SMFIP_NR_HDR) ? GO : fail(why, "out of memory");
}

static step do_eom(eg_mctx *c, const uint8_t *p, size_t n, eg_buf *out, const char **why)
{
    eg_mret r = EG_MRET_CONTINUE;
    if (n && c->cbs->body) /* an MTA may send the last chunk with the end */
        r = c->cbs->body(c, p, n);
    if (!final_answer(r)) {
        c->pending.len = 0;
        c->at_eom = true;
        r = c->cbs->eom ? c->cbs->eom(c) : EG_MRET_CONTINUE;
        c->at_eom = false;
        if (r == EG_MRET_NOREPLY)
            r = EG_MRET_CONTINUE;
        if (r == EG_MRET_CLOSE) {
            message_done(c);
            return fail(why, "end of message refused");
        }
        if (c->pending.len && eg_buf_append(out, c->pending.data, c->pending.len) != EG_OK)
            return fail(why, "out of memory");
        c->pending.len = 0;
    }
    message_done(c);
    return answer(c, out, r, 0) ? GO : fail(why, "out of memory");
}

static step do_in_message(eg_mctx *c, char cmd, const uint8_t *p, size_t n, eg_buf *out,
                          const char **why)
{
    if (!c->in_msg)
        return fail(why, "message step outside a message");
    eg_mret r;
    switch (cmd) {
    case EG_SMFIC_HEADER: return do_header(c, p, n, out, why);
    case EG_SMFIC_EOH:
        r = c->cbs->eoh ? c->cbs->eoh(c) : EG_MRET_CONTINUE;
        return answer(c, out, r, EG_SMFIP_NR_EOH) ? GO : fail(why, "out of memory");
    case EG_SMFIC_BODY:
        r = c->cbs->body ? c->cbs->body(c, p, n) : EG_MRET_CONTINUE;
        return answer(c, out, r, EG_SMFIP_NR_BODY) ? GO : fail(why, "out of memory");
    case EG_SMFIC_DATA:
        return answer(c, out, EG_MRET_CONTINUE, EG_SMFIP_NR_DATA) ? GO : fail(why, "out of memory");
    default: return do_eom(c, p, n, out, why);
    }
}

static step dispatch(eg_mctx *c, char cmd, const uint8_t *p, size_t n, eg_buf *out,
                     const char **why)
{
    if (cmd == EG_SMFIC_OPTNEG)
        return do_optneg(c, p, n, out, why);
    if (!c->negotiated)
        return fail(why, "command before option negotiation");
    switch (cmd) {
    case EG_SMFIC_MACRO:
        return macro_store(c, p, n) ? GO : fail(why, "malformed or too many macros");
    case EG_SMFIC_CONNECT: return do_connect(c, p, n, out, why);
    case EG_SMFIC_HELO:
        return answer(c, out, EG_MRET_CONTINUE, EG_SMFIP_NR_HELO) ? GO : fail(why, "out of memory");
    case EG_SMFIC_UNKNOWN:
        return answer(c, out, EG_MRET_CONTINUE, EG_SMFIP_NR_UNKN) ? GO : fail(why, "out of memory");
    case EG_SMFIC_MAIL:
    case EG_SMFIC_RCPT: return do_envelope(c, cmd, p, n, out, why);
    case EG_SMFIC_HEADER:
    case EG_SMFIC_EOH:
    case EG_SMFIC_BODY:
    case EG_SMFIC_DATA:
    case EG_SMFIC_BODYEOB: return do_in_message(c, cmd, p, n, out, why);
    case EG_SMFIC_ABORT:
        if (c->in_msg && c->cbs->abort)
            c->cbs->abort(c);
        message_done(c);
        return GO;
    case EG_SMFIC_QUIT_NC: /* the MTA's next connection follows on this socket */
        end_connection(c);
        macros_clear(c, NULL);
        c->closed = false;
        return GO;
    case EG_SMFIC_QUIT: end_connection(c); return fail(why, NULL);
    default: return fail(why, "unknown command");
    }
}

eg_mfeed eg_mproto_feed(eg_mctx *c, const uint8_t *in, size_t len, size_t *used, eg_buf *out,
                        const char **why)
{
    size_t off = 0;
    if (why)
        *why = NULL;
    while (len - off >= 5) {
        uint32_t plen = be32(in + off);
        if (plen == 0 || plen > EG_MPROTO_MAX_PACKET) {
            *used = off;
            fail(why, plen ? "packet too long" : "empty packet");
            return EG_MPROTO_CLOSE;
        }
        if (len - off - 4 < plen)
            break; /* the rest of this packet has not arrived */
        char cmd = (char)in[off + 4];
        const uint8_t *p = in + off + 5;
        off += 4 + (size_t)plen;
        if (dispatch(c, cmd, p, plen - 1, out, why) == STOP) {
            *used = off;
            return EG_MPROTO_CLOSE;
        }
    }
    *used = off;
    return EG_MPROTO_MORE;
}
