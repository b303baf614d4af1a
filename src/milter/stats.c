/*
 * Prometheus counters over a minimal HTTP/1.0 responder: one thread, one request per connection,
 * short timeouts, so a stuck scraper cannot hold the milter. Only GET /metrics is answered.
 */
#include "milter/stats.h"

#include "core/buf.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct eg_stats_server {
    int fd;
    pthread_t th;
    atomic_int stop;
    eg_milter_stats *s;
    eg_state *st;
};

char *eg_milter_stats_render(eg_milter_stats *s, eg_state *st)
{
    static const char *const verdicts[3] = {"clean", "suspicious", "malicious"};
    eg_buf b;
    eg_buf_init(&b, 1 << 20);
    eg_buf_puts(&b, "# HELP emoguard_messages_total Messages scanned, by verdict.\n"
                    "# TYPE emoguard_messages_total counter\n");
    for (int i = 0; i < 3; i++)
        eg_buf_printf(&b, "emoguard_messages_total{verdict=\"%s\"} %llu\n", verdicts[i], atomic_load(&s->messages[i]));
    eg_buf_puts(&b, "# HELP emoguard_actions_total Actions taken on messages.\n"
                    "# TYPE emoguard_actions_total counter\n");
    for (int i = 0; i < EG_ACT__COUNT; i++)
        eg_buf_printf(&b, "emoguard_actions_total{action=\"%s\"} %llu\n", eg_milter_action_str((eg_milter_action)i),
                      atomic_load(&s->actions[i]));
    struct {
        const char *name, *help;
        atomic_ullong *v;
    } c[] = {
        {"emoguard_scan_errors_total", "Scans that failed (the on_error action was taken).", &s->errors},
        {"emoguard_oversize_total", "Messages over max_message_size.", &s->oversize},
        {"emoguard_outbound_total", "Outbound messages (authenticated or from own domains).", &s->outbound},
        {"emoguard_outbound_alerts_total", "Outbound messages that raised an infected-sender alert.", &s->outbound_alerts},
        {"emoguard_campaign_hits_total", "Messages matched to a campaign across recipients.", &s->campaign_hits},
        {"emoguard_reloads_total", "Successful configuration reloads.", &s->reloads},
        {"emoguard_reload_failures_total", "Reloads rejected (old configuration kept).", &s->reload_failures},
        {"emoguard_scan_seconds_count", "Scans timed.", &s->scan_count},
        {"emoguard_connections_refused_total", "MTA connections closed at once (too many, or no memory).",
         &s->conn.refused},
        {"emoguard_connections_dropped_total",
         "MTA connections ended by a protocol error, a failed write or the timeout.", &s->conn.dropped},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        eg_buf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", c[i].name, c[i].help, c[i].name, c[i].name,
                      atomic_load(c[i].v));
    eg_buf_printf(&b, "# HELP emoguard_scan_seconds_sum Time spent scanning.\n# TYPE emoguard_scan_seconds_sum counter\n"
                      "emoguard_scan_seconds_sum %.6f\n", (double)atomic_load(&s->scan_us_sum) / 1e6);
    eg_buf_printf(&b, "# HELP emoguard_scans_running Scans in progress.\n# TYPE emoguard_scans_running gauge\n"
                      "emoguard_scans_running %d\n", atomic_load(&s->scans_running));
    eg_buf_printf(&b, "# HELP emoguard_connections MTA connections open.\n# TYPE emoguard_connections gauge\n"
                      "emoguard_connections %d\n", atomic_load(&s->conn.open));
    if (st) {
        bool deg = eg_state_degraded(st);
        eg_buf_printf(&b, "# HELP emoguard_state_degraded 1 while Redis is unreachable and memory is used.\n"
                          "# TYPE emoguard_state_degraded gauge\nemoguard_state_degraded %d\n", deg ? 1 : 0);
    }
    return eg_buf_steal(&b, NULL);
}

static void serve_one(eg_stats_server *srv, int c)
{
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char req[2048];
    size_t n = 0;
    while (n < sizeof req - 1) { /* until the end of the request head */
        ssize_t r = recv(c, req + n, sizeof req - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        req[n] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[n] = 0;
    char *body = NULL;
    const char *status = "404 Not Found";
    if (!strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET /metrics?", 13) || !strncmp(req, "GET / ", 6)) {
        body = eg_milter_stats_render(srv->s, srv->st);
        status = "200 OK";
    }
    char head[256];
    size_t blen = body ? strlen(body) : 0;
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n", status, blen);
    if (hl > 0 && send(c, head, (size_t)hl, MSG_NOSIGNAL) == hl && blen)
        send(c, body, blen, MSG_NOSIGNAL);
    free(body);
}

static void *loop(void *arg)
{
    eg_stats_server *srv = arg;
    while (!atomic_load(&srv->stop)) {
        struct pollfd p = {srv->fd, POLLIN, 0};
        if (poll(&p, 1, 250) <= 0)
            continue;
        int c = accept(srv->fd, NULL, NULL);
        if (c < 0)
            continue;
        serve_one(srv, c);
        close(c);
    }
    return NULL;
}

eg_status eg_stats_server_start(const char *listen_on, eg_milter_stats *s, eg_state *st, eg_stats_server **out,
                                char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(listen_on, ':');
    if (!colon || (size_t)(colon - listen_on) >= sizeof host || !colon[1]) {
        snprintf(err, errlen, "stats_listen '%s' is not HOST:PORT", listen_on);
        return EG_EINVAL;
    }
    memcpy(host, listen_on, (size_t)(colon - listen_on));
    host[colon - listen_on] = 0;
    char *h = host;
    if (*h == '[') {
        h++;
        h[strcspn(h, "]")] = 0;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(h, colon + 1, &hints, &ai);
    if (rc) {
        snprintf(err, errlen, "stats_listen '%s': %s", listen_on, gai_strerror(rc));
        return EG_EINVAL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
        snprintf(err, errlen, "stats_listen %s: %s", listen_on, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return EG_EIO;
    }
    freeaddrinfo(ai);
    eg_stats_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        close(fd);
        return EG_ENOMEM;
    }
    srv->fd = fd;
    srv->s = s;
    srv->st = st;
    if (pthread_create(&srv->th, NULL, loop, srv)) {
        close(fd);
        free(srv);
        return EG_EINTERNAL;
    }
    *out = srv;
    return EG_OK;
}

void eg_stats_server_stop(eg_stats_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stop, 1);
    pthread_join(srv->th, NULL);
    close(srv->fd);
    free(srv);
}
