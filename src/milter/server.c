/*
 * The milter's sockets and session threads (server.h). Each session reads whatever the MTA has
 * sent (many commands per read when it sends them back to back, as it does for header fields
 * agreed as no-reply), lets the engine handle every complete packet, and writes all answers of
 * that batch at once: the header changes and the verdict of a message leave in one write.
 */
#include "milter/server.h"

#include "core/log.h"
#include "milter/setup.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF (64u * 1024)
#define SESSION_STACK (8u << 20)
#define MAX_OUT (4u << 20)

struct eg_mserver {
    int fd;
    int stop[2]; /* a pipe: readable once stopping */
    char *unix_path;
    atomic_bool stopping;
    eg_mserver_opts o;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    size_t active;
};

typedef struct spec {
    int family; /* AF_UNIX, AF_INET or AF_INET6 */
    const char *path;
    char host[256];
    char port[8];
} spec;

static eg_status bad(char *err, size_t errlen, const char *what, const char *sp)
{
    if (err && errlen)
        snprintf(err, errlen, "socket %s: %s", sp ? sp : "(none)", what);
    return EG_EINVAL;
}

static eg_status parse_spec(const char *s, spec *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (!s || !*s)
        return bad(err, errlen, "empty", s);
    const char *path = eg_milter_unix_path(s);
    if (path) {
        if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
            return bad(err, errlen, "the path is empty or longer than a unix socket allows", s);
        o->family = AF_UNIX;
        o->path = path;
        return EG_OK;
    }
    const char *p;
    if (!strncmp(s, "inet:", 5)) {
        o->family = AF_INET;
        p = s + 5;
    } else if (!strncmp(s, "inet6:", 6)) {
        o->family = AF_INET6;
        p = s + 6;
    } else {
        return bad(err, errlen, "not unix:PATH, local:PATH, inet:PORT@HOST or inet6:PORT@HOST", s);
    }
    size_t pl = strspn(p, "0123456789");
    unsigned long port = pl && pl < 6 ? strtoul(p, NULL, 10) : 0;
    if (port == 0 || port > 65535 || (p[pl] && p[pl] != '@'))
        return bad(err, errlen, "the port must be 1 to 65535 (inet:PORT@HOST)", s);
    snprintf(o->port, sizeof o->port, "%lu", port);
    if (p[pl] == '@') {
        const char *h = p + pl + 1;
        size_t hl = strlen(h);
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { /* inet6:PORT@[::1] */
            h++;
            hl -= 2;
        }
        if (hl == 0 || hl >= sizeof o->host)
            return bad(err, errlen, "empty or too long host", s);
        memcpy(o->host, h, hl);
        o->host[hl] = 0;
    }
    return EG_OK;
}

eg_status eg_mserver_check_spec(const char *s, char *err, size_t errlen)
{
    spec sp;
    return parse_spec(s, &sp, err, errlen);
}

static eg_status listen_unix(eg_mserver *srv, const spec *sp, const char *s, char *err,
                             size_t errlen)
{
    struct stat sb;
    if (lstat(sp->path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode))
            return bad(err, errlen, "the path exists and is not a socket", s);
        unlink(sp->path); /* a stale socket of an earlier run */
    }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, sp->path, strlen(sp->path) + 1);
    srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&a, sizeof a) != 0)
        return bad(err, errlen, strerror(errno), s);
    srv->unix_path = strdup(sp->path);
    if (!srv->unix_path)
        return EG_ENOMEM;
    return EG_OK;
}

static eg_status listen_inet(eg_mserver *srv, const spec *sp, const char *s, char *err,
                             size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = sp->family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(sp->host[0] ? sp->host : NULL, sp->port, &hints, &res);
    if (rc != 0 || !res)
        return bad(err, errlen, rc ? gai_strerror(rc) : "no address", s);
    srv->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    eg_status st = EG_OK;
    if (srv->fd < 0 || setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(srv->fd, res->ai_addr, res->ai_addrlen) != 0)
        st = bad(err, errlen, strerror(errno), s);
    /* the MTA's small writes and ours must not wait for delayed ACKs: accepted sockets inherit it
     */
    if (st == EG_OK)
        setsockopt(srv->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    freeaddrinfo(res);
    return st;
}

eg_status eg_mserver_open(const char *s, eg_mserver **out, char *err, size_t errlen)
{
    spec sp;
    eg_status st = parse_spec(s, &sp, err, errlen);
    if (st != EG_OK)
        return st;
    eg_mserver *srv = calloc(1, sizeof *srv);
    if (!srv)
        return EG_ENOMEM;
    srv->fd = srv->stop[0] = srv->stop[1] = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->idle, NULL);
    atomic_init(&srv->stopping, false);
    st = sp.family == AF_UNIX ? listen_unix(srv, &sp, s, err, errlen)
                              : listen_inet(srv, &sp, s, err, errlen);
    if (st == EG_OK && listen(srv->fd, SOMAXCONN) != 0)
        st = bad(err, errlen, strerror(errno), s);
    if (st == EG_OK && pipe2(srv->stop, O_CLOEXEC) != 0)
        st = bad(err, errlen, strerror(errno), s);
    if (st != EG_OK) {
        eg_mserver_close(srv);
        return st;
    }
    *out = srv;
    return EG_OK;
}

void eg_mserver_stop(eg_mserver *s)
{
    atomic_store(&s->stopping, true);
    char c = 's';
    if (write(s->stop[1], &c, 1) < 0) { /* the flag alone still stops sessions at their next step */
    }
}

void eg_mserver_close(eg_mserver *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    struct stat sb;
    if (s->unix_path && lstat(s->unix_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
        unlink(s->unix_path);
    pthread_mutex_lock(&s->mu);
    size_t left = s->active;
    pthread_mutex_unlock(&s->mu);
    if (left) /* sessions past the grace still use it: the process is about to end */
        return;
    for (int i = 0; i < 2; i++)
        if (s->stop[i] >= 0)
            close(s->stop[i]);
    free(s->unix_path);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->idle);
    free(s);
}

/* ---- sessions ---- */

typedef struct session {
    eg_mserver *srv;
    int fd;
} session;

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Room for the packet that starts the buffer (it may be longer than the default buffer), and back
 * to the default size once a long one is gone. */
static bool fit(uint8_t **buf, size_t *cap, size_t len)
{
    size_t want = READ_BUF;
    if (len >= 4) {
        uint32_t pl = eg_mproto_packet_len(*buf);
        if (pl <= EG_MPROTO_MAX_PACKET && 4 + (size_t)pl > want)
            want = 4 + (size_t)pl;
    }
    if (want < len)
        want = len;
    if (want == *cap)
        return true;
    if (want < *cap && *cap - want < READ_BUF)
        return true; /* not worth a realloc */
    uint8_t *n = realloc(*buf, want);
    if (!n)
        return false;
    *buf = n;
    *cap = want;
    return true;
}

typedef enum { WAIT_DATA, WAIT_STOP, WAIT_TIMEOUT, WAIT_ERROR } wait_result;

/* Waits for the MTA's next bytes; a stop wakes only a session between messages. */
static wait_result wait_input(eg_mserver *s, int fd, bool in_msg)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};
    int timeout =
        s->o.timeout_s ? (int)(s->o.timeout_s > 2000000 ? 2000000 : s->o.timeout_s) * 1000 : -1;
    for (;;) {
        if (!in_msg && atomic_load(&s->stopping))
            return WAIT_STOP;
        int r = poll(p, in_msg ? 1 : 2, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return WAIT_ERROR;
        if (r == 0)
            return WAIT_TIMEOUT;
        if (p[0].revents)
            return WAIT_DATA;
    }
}

static void serve_session(eg_mserver *s, int fd, eg_mctx *ctx)
{
    size_t cap = READ_BUF, len = 0;
    uint8_t *buf = malloc(cap);
    eg_buf out;
    eg_buf_init(&out, MAX_OUT);
    const char *why = NULL;
    while (buf) {
        wait_result w = wait_input(s, fd, eg_mctx_in_message(ctx));
        if (w != WAIT_DATA) {
            why = w == WAIT_TIMEOUT ? "no data from the MTA within timeout" : NULL;
            break;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) /* the MTA closed the connection (or it broke) */
            break;
        len += (size_t)n;
        size_t used = 0;
        eg_mfeed f = eg_mproto_feed(ctx, buf, len, &used, &out, &why);
        if (out.len && !write_all(fd, out.data, out.len)) {
            why = "cannot write to the MTA";
            break;
        }
        out.len = 0;
        if (f == EG_MPROTO_CLOSE)
            break;
        memmove(buf, buf + used, len - used);
        len -= used;
        if (!fit(&buf, &cap, len)) {
            why = "out of memory";
            break;
        }
    }
    if (why) {
        eg_log(EG_LOG_WARN, "milter connection closed: %s", why);
        if (s->o.counters)
            atomic_fetch_add(&s->o.counters->dropped, 1);
    }
    free(buf);
    eg_buf_free(&out);
}

static void *session_main(void *arg)
{
    session *ss = arg;
    eg_mserver *s = ss->srv;
    if (s->o.counters)
        atomic_fetch_add(&s->o.counters->open, 1);
    void *app = s->o.app_new ? s->o.app_new() : NULL;
    eg_mctx *ctx = app ? eg_mctx_new(s->o.cbs, app) : NULL;
    if (ctx)
        serve_session(s, ss->fd, ctx);
    else
        eg_log(EG_LOG_ERR, "milter connection refused: out of memory");
    eg_mctx_free(ctx); /* the close callback, before the state it uses goes */
    if (app && s->o.app_free)
        s->o.app_free(app);
    close(ss->fd);
    free(ss);
    if (s->o.counters)
        atomic_fetch_sub(&s->o.counters->open, 1);
    pthread_mutex_lock(&s->mu);
    s->active--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void accept_one(eg_mserver *s)
{
    int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            eg_log(EG_LOG_ERR, "milter: cannot accept a connection: %s", strerror(errno));
            struct timespec ts = {0, 100 * 1000 * 1000}; /* not a busy loop while it lasts */
            nanosleep(&ts, NULL);
        }
        return;
    }
    pthread_mutex_lock(&s->mu);
    bool full = s->active >= EG_MSERVER_MAX_SESSIONS;
    if (!full)
        s->active++;
    pthread_mutex_unlock(&s->mu);
    session *ss = full ? NULL : malloc(sizeof *ss);
    pthread_attr_t at;
    pthread_t th;
    bool started = false;
    if (ss) {
        ss->srv = s;
        ss->fd = fd;
        if (s->o.timeout_s) { /* a write to an MTA that stopped reading must end too */
            struct timeval tv = {.tv_sec = (time_t)s->o.timeout_s};
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        }
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, SESSION_STACK);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&th, &at, session_main, ss) == 0;
        pthread_attr_destroy(&at);
    }
    if (started)
        return;
    eg_log(EG_LOG_ERR, "milter: connection refused: %s",
           full ? "too many connections" : "cannot start a session thread");
    if (s->o.counters)
        atomic_fetch_add(&s->o.counters->refused, 1);
    close(fd);
    free(ss);
    if (!full) {
        pthread_mutex_lock(&s->mu);
        s->active--;
        pthread_mutex_unlock(&s->mu);
    }
}

/* The number of sessions still running when the grace ran out. */
static size_t wait_sessions(eg_mserver *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += EG_MSERVER_STOP_GRACE_S;
    pthread_mutex_lock(&s->mu);
    while (s->active > 0)
        if (pthread_cond_timedwait(&s->idle, &s->mu, &until) == ETIMEDOUT)
            break;
    size_t left = s->active;
    pthread_mutex_unlock(&s->mu);
    if (left)
        eg_log(EG_LOG_WARN, "milter: %zu connection(s) still busy after %d s; stopping anyway",
               left, EG_MSERVER_STOP_GRACE_S);
    return left;
}

int eg_mserver_run(eg_mserver *s, const eg_mserver_opts *o)
{
    s->o = *o;
    int rc = 0;
    while (!atomic_load(&s->stopping)) {
        struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
                              {.fd = s->stop[0], .events = POLLIN}};
        int n = poll(p, 2, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            eg_log(EG_LOG_ERR, "milter: poll: %s", strerror(errno));
            rc = 1;
            break;
        }
        if (p[1].revents)
            break;
        if (p[0].revents & POLLIN)
            accept_one(s);
        else if (p[0].revents)
            rc = 1;
        if (rc)
            break;
    }
    atomic_store(&s->stopping, true);
    if (wait_sessions(s))
        rc = 2;
    return rc;
}
