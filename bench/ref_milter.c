/*
 * The reference milter of bench_milter: what any libmilter milter costs the MTA, measured in the
 * same run as emoguard's. It negotiates exactly what emoguard's milter negotiates (no reply per
 * header field, body chunk, connect, MAIL and RCPT; no HELO, DATA or unknown commands), keeps the
 * message in memory as emoguard does, analyses nothing, and at the end adds one header field and
 * accepts. Usage (as bench_milter starts emoguard): ref_milter milter -f -c CONF, where CONF's
 * "socket = unix:PATH" line names the socket.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *d;
    size_t n, cap;
} msgbuf;

static int append(msgbuf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        char *d = realloc(b->d, cap);
        if (!d)
            return -1;
        b->d = d;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
    return 0;
}

#define NR_STEPS                                                                                   \
    (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
#define NO_STEPS (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN)
#define ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                          unsigned long f3, unsigned long *p0, unsigned long *p1, unsigned long *p2,
                          unsigned long *p3)
{
    (void)f0, (void)f2, (void)f3;
    msgbuf *b = calloc(1, sizeof *b);
    if (!b)
        return SMFIS_TEMPFAIL;
    smfi_setpriv(ctx, b);
    *p0 = ACTIONS;
    *p1 = f1 & (NR_STEPS | NO_STEPS);
    *p2 = *p3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    (void)ctx, (void)host, (void)sa;
    return SMFIS_NOREPLY;
}

static sfsistat on_addr(SMFICTX *ctx, char **argv)
{
    (void)ctx, (void)argv;
    return SMFIS_NOREPLY;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    msgbuf *b = smfi_getpriv(ctx);
    if (!b || append(b, name, strlen(name)) || append(b, ": ", 2) ||
        append(b, value, strlen(value)) || append(b, "\r\n", 2))
        return SMFIS_TEMPFAIL;
    return SMFIS_NOREPLY;
}

static sfsistat on_eoh(SMFICTX *ctx)
{
    msgbuf *b = smfi_getpriv(ctx);
    return b && !append(b, "\r\n", 2) ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
    msgbuf *b = smfi_getpriv(ctx);
    return b && !append(b, p, n) ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
}

static sfsistat on_eom(SMFICTX *ctx)
{
    msgbuf *b = smfi_getpriv(ctx);
    if (!b)
        return SMFIS_TEMPFAIL;
    b->n = 0;
    smfi_addheader(ctx, "X-Emoguard-Verdict", "clean");
    return SMFIS_ACCEPT;
}

static sfsistat on_abort(SMFICTX *ctx)
{
    msgbuf *b = smfi_getpriv(ctx);
    if (b)
        b->n = 0;
    return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
    msgbuf *b = smfi_getpriv(ctx);
    if (b) {
        free(b->d);
        free(b);
    }
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
    char sock[700] = "", line[700];
    FILE *f = argc > 1 ? fopen(argv[argc - 1], "r") : NULL;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "socket = ", 9)) {
            snprintf(sock, sizeof sock, "%s", line + 9);
            sock[strcspn(sock, "\n")] = 0;
        }
    if (f)
        fclose(f);
    if (!sock[0]) {
        fprintf(stderr, "ref_milter: no 'socket = ' line in the configuration\n");
        return 1;
    }
    if (!strncmp(sock, "unix:", 5))
        unlink(sock + 5);
    static struct smfiDesc desc = {"eg-ref", SMFI_VERSION, ACTIONS, on_connect, NULL,   on_addr,
                                   on_addr,  on_header,    on_eoh,  on_body,    on_eom, on_abort,
                                   on_close, NULL,         NULL,    negotiate};
    if (smfi_setconn(sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS)
        return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
