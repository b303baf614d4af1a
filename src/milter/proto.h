/*
 * The milter protocol (version 2 to 6, as Postfix and Sendmail speak it) on the milter's side,
 * without any I/O: eg_mproto_feed() takes the bytes an MTA sent, as many commands at once as
 * they hold, calls the application's callbacks and appends the answers to an output buffer that
 * the caller writes in one go. server.h does the sockets and threads around it.
 *
 * Why not libmilter: it reads one command per poll() and two read() calls and writes every
 * header change separately; for a 30-header mail that is about 200 system calls, as much CPU as
 * emoguard's scan of the mail (docs/performance.md). Reading what is there in one call is the
 * point of this module.
 *
 * What it promises: every packet is length-checked before use (at most EG_MPROTO_MAX_PACKET
 * bytes; a longer one, a zero length, a payload that lacks its NUL terminators, an unknown
 * command, a message step outside a message (a header before MAIL) or a second negotiation ends
 * the session with EG_MPROTO_CLOSE: the MTA then applies its milter default action, tempfail on a
 * well-configured MTA). Steps agreed as no-reply (SMFIP_NR_*) are never answered, whatever the
 * callback returns; a callback that needs to object there must keep the failure for end of
 * message. Replies text never carries CR or LF of its own. Macros are kept per protocol step,
 * bounded by the packet size, and the message's are dropped when the message ends.
 *
 * It does not decide anything: the callbacks (milter.c) do.
 */
#ifndef EG_MILTER_PROTO_H
#define EG_MILTER_PROTO_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Commands (MTA to milter) and replies, as the protocol defines them. */
enum {
    EG_SMFIC_ABORT = 'A',
    EG_SMFIC_BODY = 'B',
    EG_SMFIC_CONNECT = 'C',
    EG_SMFIC_MACRO = 'D',
    EG_SMFIC_BODYEOB = 'E',
    EG_SMFIC_HELO = 'H',
    EG_SMFIC_QUIT_NC = 'K',
    EG_SMFIC_HEADER = 'L',
    EG_SMFIC_MAIL = 'M',
    EG_SMFIC_EOH = 'N',
    EG_SMFIC_OPTNEG = 'O',
    EG_SMFIC_QUIT = 'Q',
    EG_SMFIC_RCPT = 'R',
    EG_SMFIC_DATA = 'T',
    EG_SMFIC_UNKNOWN = 'U',
};
enum {
    EG_SMFIR_ACCEPT = 'a',
    EG_SMFIR_CONTINUE = 'c',
    EG_SMFIR_DISCARD = 'd',
    EG_SMFIR_ADDHEADER = 'h',
    EG_SMFIR_CHGHEADER = 'm',
    EG_SMFIR_QUARANTINE = 'q',
    EG_SMFIR_REJECT = 'r',
    EG_SMFIR_TEMPFAIL = 't',
    EG_SMFIR_REPLYCODE = 'y',
};

/* Actions the milter may ask for (SMFIF_*) and protocol steps (SMFIP_*). */
#define EG_SMFIF_ADDHDRS 0x01u
#define EG_SMFIF_CHGHDRS 0x10u
#define EG_SMFIF_QUARANTINE 0x20u

#define EG_SMFIP_NOCONNECT 0x1u
#define EG_SMFIP_NOHELO 0x2u
#define EG_SMFIP_NOMAIL 0x4u
#define EG_SMFIP_NORCPT 0x8u
#define EG_SMFIP_NOBODY 0x10u
#define EG_SMFIP_NOHDRS 0x20u
#define EG_SMFIP_NOEOH 0x40u
#define EG_SMFIP_NR_HDR 0x80u
#define EG_SMFIP_NOUNKNOWN 0x100u
#define EG_SMFIP_NODATA 0x200u
#define EG_SMFIP_NR_CONN 0x1000u
#define EG_SMFIP_NR_HELO 0x2000u
#define EG_SMFIP_NR_MAIL 0x4000u
#define EG_SMFIP_NR_RCPT 0x8000u
#define EG_SMFIP_NR_DATA 0x10000u
#define EG_SMFIP_NR_UNKN 0x20000u
#define EG_SMFIP_NR_EOH 0x40000u
#define EG_SMFIP_NR_BODY 0x80000u

/* The newest protocol version spoken; older MTAs (2 and up) get theirs. */
#define EG_MPROTO_VERSION 6u
/* Longest packet accepted (length field: command byte and payload). Postfix and Sendmail send
 * body chunks of at most 64 KiB unless a larger size is negotiated, which this side never asks
 * for; a header field can be longer (Postfix's header_size_limit is 100 KiB by default). */
#define EG_MPROTO_MAX_PACKET (1u << 20)
#define EG_MPROTO_MAX_ARGS 64 /* MAIL and RCPT arguments passed on; the rest are ignored */

typedef enum eg_mret {
    EG_MRET_CONTINUE,
    EG_MRET_NOREPLY, /* only where the step was agreed as no-reply; otherwise sent as CONTINUE */
    EG_MRET_ACCEPT,
    EG_MRET_REJECT,
    EG_MRET_TEMPFAIL,
    EG_MRET_DISCARD,
    EG_MRET_CLOSE, /* end the session without an answer (negotiation refused) */
} eg_mret;

typedef struct eg_mctx eg_mctx;

/* The application's side. Strings are NUL-terminated and valid during the call only. Any
 * callback may be NULL (the step continues). */
typedef struct eg_mproto_cbs {
    /* actions and steps the MTA offers; *want_* what the milter asks for (masked with the offer) */
    eg_mret (*negotiate)(eg_mctx *, uint32_t actions, uint32_t steps, uint32_t *want_actions,
                         uint32_t *want_steps);
    /* addr: the client's address as text (IPv4 or IPv6, normalised), NULL for a local or unknown
     * one */
    eg_mret (*connect)(eg_mctx *, const char *host, const char *addr);
    eg_mret (*envfrom)(eg_mctx *, char **argv, size_t argc);
    eg_mret (*envrcpt)(eg_mctx *, char **argv, size_t argc);
    eg_mret (*header)(eg_mctx *, const char *name, const char *value);
    eg_mret (*eoh)(eg_mctx *);
    eg_mret (*body)(eg_mctx *, const uint8_t *chunk, size_t len);
    eg_mret (*eom)(eg_mctx *);
    void (*abort)(eg_mctx *);
    void (*close)(eg_mctx *); /* once, when the session ends or the MTA starts a new connection */
} eg_mproto_cbs;

/* A session's protocol state. app is the application's per-session pointer. */
eg_mctx *eg_mctx_new(const eg_mproto_cbs *cbs, void *app);
/* Calls close() if the session did not end properly, then frees. NULL is fine. */
void eg_mctx_free(eg_mctx *ctx);
void *eg_mctx_app(const eg_mctx *ctx);

typedef enum eg_mfeed {
    EG_MPROTO_MORE, /* all complete packets handled; *used bytes consumed, the rest is a partial one
                     */
    EG_MPROTO_CLOSE, /* the session ends (QUIT, or a protocol error: *why says which); send out
                        first */
} eg_mfeed;

/* Handles the complete packets at the start of in[0..len); answers go to out (which the caller
 * writes out and empties). On CLOSE, why (if not NULL) is set to NULL for a QUIT and to a short
 * static text for an error. */
eg_mfeed eg_mproto_feed(eg_mctx *ctx, const uint8_t *in, size_t len, size_t *used, eg_buf *out,
                        const char **why);

/* The length field of the packet that starts at p (4 bytes there): command byte and payload. */
uint32_t eg_mproto_packet_len(const uint8_t *p);

/* True between MAIL and the end of that message (end of message or abort). */
bool eg_mctx_in_message(const eg_mctx *ctx);

/* For the callbacks: a macro's value by name ("i", "{daemon_name}"; braces optional on either
 * side), looked up from the latest protocol step back to connect. NULL when not sent. */
const char *eg_mctx_symval(const eg_mctx *ctx, const char *name);

/* For the end-of-message callback only: changes queued in order before its final answer.
 * Each returns false when it cannot be queued (no memory, not at end of message, bad text). */
bool eg_mctx_addheader(eg_mctx *ctx, const char *name, const char *value);
/* index: the name's 1-based occurrence; value NULL deletes it */
bool eg_mctx_chgheader(eg_mctx *ctx, const char *name, uint32_t index, const char *value);
bool eg_mctx_quarantine(eg_mctx *ctx, const char *reason);
/* The SMTP reply for a REJECT or TEMPFAIL answer: rcode "4xx"/"5xx" matching the answer, xcode
 * "x.y.z", then one or more lines of text (several make a multi-line reply). */
bool eg_mctx_setreply(eg_mctx *ctx, const char *rcode, const char *xcode, const char *const *lines,
                      size_t n_lines);

#endif
