/*
 * Load benchmark for the milter: N mails over M concurrent SMTP sessions into a private Postfix on
 * loopback, through an smtpd without milter (the floor, same run, same machine) and through the
 * emoguard milter, in alternating rounds. Reports mails/s, p50/p99 of the DATA-to-250 latency for both and
 * their difference (the latency the milter adds), the milter's RSS over time, and checks that
 * every mail was delivered exactly once.
 *
 * usage: bench_milter [-n MAILS] [-f FLOOR_MAILS] [-c SESSIONS] [-s KBYTES] [-H FIELDS] [-b EMOGUARD] [-u]
 *        [-W] (needs root; -f: mails of the floor and reference runs, default MAILS/5; -W: the
 *        milters keep the CPU weight of any process instead of the unit file's CPUWeight=300)
 *        -H: header fields per mail (default 6; Received and X- fields are added to reach it): the
 *            milter protocol costs a round trip per field unless the milter negotiates no reply
 *        -u: Postfix talks to the milter over a unix socket instead of TCP
 *        -C: campaign correlation off (every bench mail has a new attachment hash, so with it on
 *            the state store grows by one key per mail until campaign_window expires them)
 * Environment: EG_BENCH_MAX_SCANS sets the milter's max_scans (default 4), to see whether
 *        end-of-message steps queue for a scan slot.
 */
#include <ctype.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char eg_bench_binary[4096] = "emoguard";
#define EG_BINARY eg_bench_binary
#include "../tests/fixtures/milter_harness.c"

typedef struct {
    int port, n_total, index_base;
    size_t size;
    atomic_int next;
    double *lat_ms;
    atomic_int failures;
    const char *tag;
} load;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int g_fields = 6; /* the mail below has 6 header fields of its own */

/* A business-looking mail with a base64 attachment, size bytes in all, with g_fields header
 * fields: relays' Received lines and X- fields first, as in mail from the Internet. */
static char *make_mail(const char *tag, int i, size_t size)
{
    size_t extra = g_fields > 6 ? (size_t)(g_fields - 6) : 0;
    char *m = malloc(size + 4096 + extra * 128);
    int n = 0;
    for (size_t f = 0; f < extra; f++)
        n += f % 2 ? snprintf(m + n, 128, "X-Bench-Field-%zu: value %zu of mail %d in the load run\r\n", f, f, i)
                   : snprintf(m + n, 128,
                              "Received: from relay%zu.ext.example (relay%zu.ext.example [192.0.2.%zu])\r\n"
                              "\tby mx.ext.example; Mon, 1 Jan 2024 09:00:%02zu +0900\r\n",
                              f, f, f % 250 + 1, f % 60);
    n += snprintf(m + n, 4096,
                     "From: <sender@ext.example>\r\nTo: <user@test.example>\r\nSubject: bench %s %d\r\n"
                     "Message-ID: <bench-%s-%d@eg-test.invalid>\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find the quotation attached.\r\n--b\r\n"
                     "Content-Type: application/pdf; name=\"quote.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
                     "Content-Disposition: attachment; filename=\"quote.pdf\"\r\n\r\n",
                     tag, i, tag, i);
    size = size > (size_t)n ? size : (size_t)n;
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    /* raw bytes: a PDF header (random bytes may start with "MZ" and look like a DOS program),
     * then noise that does not compress; base64 with 76-character lines */
    size_t o = (size_t)n, raw_len = (size - (size_t)n) / 78 * 57, k = 0;
    uint8_t *raw = malloc(raw_len + 3);
    unsigned x = 2463534242u ^ (unsigned)i;
    for (size_t j = 0; j < raw_len + 3; j++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        raw[j] = (uint8_t)x;
    }
    memcpy(raw, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", raw_len < 16 ? raw_len : 16);
    while (k < raw_len) {
        for (int q = 0; q < 19 && k < raw_len; q++, k += 3) {
            unsigned v = (unsigned)raw[k] << 16 | (unsigned)raw[k + 1] << 8 | raw[k + 2];
            m[o++] = b64[(v >> 18) & 63];
            m[o++] = b64[(v >> 12) & 63];
            m[o++] = b64[(v >> 6) & 63];
            m[o++] = b64[v & 63];
        }
        m[o++] = '\r';
        m[o++] = '\n';
    }
    free(raw);
    o += (size_t)snprintf(m + o, 32, "--b--\r\n");
    m[o] = 0;
    return m;
}

static void *sender(void *arg)
{
    load *l = arg;
    eg_smtp s = {.fd = -1};
    for (;;) {
        int i = atomic_fetch_add(&l->next, 1);
        if (i >= l->n_total)
            break;
        if (s.fd < 0 && !eg_smtp_open(&s, l->port)) {
            atomic_fetch_add(&l->failures, 1);
            continue;
        }
        char *m = make_mail(l->tag, l->index_base + i, l->size);
        int ok = eg_smtp_cmd(&s, "MAIL FROM:<sender@ext.example>") == 250 &&
                 eg_smtp_cmd(&s, "RCPT TO:<user@test.example>") == 250 && eg_smtp_cmd(&s, "DATA") == 354;
        double t0 = now_ms();
        if (ok) { /* the timed part: message body until the final reply, where the milter works */
            size_t len = strlen(m);
            ok = send_all(s.fd, m, len) && send_all(s.fd, ".\r\n", 3) && read_reply(&s) == 250;
        }
        l->lat_ms[i] = now_ms() - t0;
        free(m);
        if (!ok) {
            if (atomic_fetch_add(&l->failures, 1) < 5)
                fprintf(stderr, "bench_milter: mail %d failed: %s", i, s.last);
            eg_smtp_close(&s);
            s.fd = -1;
        } else if (eg_smtp_cmd(&s, "RSET") != 250) {
            eg_smtp_close(&s);
            s.fd = -1;
        }
    }
    if (s.fd >= 0)
        eg_smtp_close(&s);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return n ? v[i] : 0;
}

static long rss_kb(pid_t pid)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    FILE *f = fopen(p, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static atomic_int sampling;
static pid_t g_milter, g_ref; /* emoguard's milter, the reference milter */
static long rss[4096];
static double rss_t[4096];
static int n_rss;
static atomic_int sent_so_far;

static void *sampler(void *arg)
{
    double t0 = now_ms();
    while (atomic_load(&sampling) && n_rss < 4096) {
        rss_t[n_rss] = (now_ms() - t0) / 1000.0;
        rss[n_rss++] = rss_kb(g_milter);
        usleep(500000);
    }
    return NULL;
}

typedef struct {
    double secs, p50, p99, max;
    int fails;
    double machine_ms, milter_ms; /* CPU time used during the batches: all processes, the milter */
} result;

/* CPU time in ms: of the whole machine (all but idle, I/O wait and time stolen by a hypervisor),
 * and of one process (all its threads). Clock ticks, so only sums over many mails mean anything. */
static double machine_busy_ms(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]);
    fclose(f);
    if (n < 7)
        return 0;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6]) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static double process_cpu_ms(pid_t pid)
{
    char p[64], line[1024];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = 0;
    const char *q = strrchr(line, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* One batch of n mails over conc sessions; latencies go to lat[0..n). */
static void run_batch(int port, const char *tag, int base, int n, int conc, size_t size, double *lat, result *r,
                      pid_t who)
{
    load l = {.port = port, .n_total = n, .index_base = base, .size = size, .tag = tag, .lat_ms = lat};
    pthread_t th[256];
    double c0 = machine_busy_ms(), m0 = who > 0 ? process_cpu_ms(who) : 0, t0 = now_ms();
    for (int i = 0; i < conc; i++)
        pthread_create(&th[i], NULL, sender, &l);
    for (int i = 0; i < conc; i++)
        pthread_join(th[i], NULL);
    r->secs += (now_ms() - t0) / 1000.0;
    r->machine_ms += machine_busy_ms() - c0;
    r->milter_ms += who > 0 ? process_cpu_ms(who) - m0 : 0;
    r->fails += atomic_load(&l.failures);
}

static void summarise(double *lat, int n, result *r)
{
    qsort(lat, (size_t)n, sizeof(double), cmp_d);
    r->p50 = pct(lat, n, 0.50);
    r->p99 = pct(lat, n, 0.99);
    r->max = n ? lat[n - 1] : 0;
}

#define ROUNDS 5

/* The floor (Postfix without milter), the reference milter (when ref_port is set) and emoguard's
 * milter run in alternating batches, ROUNDS of each, so that load from other processes on the
 * machine hits all of them alike. */
static void run_rounds(int floor_port, int n_floor, int ref_port, int milter_port, int n, int conc, size_t size,
                       result *fl, result *rf, result *mr)
{
    double *lf = calloc((size_t)n_floor, sizeof(double)), *lr = calloc((size_t)n_floor, sizeof(double)),
           *lm = calloc((size_t)n, sizeof(double));
    memset(fl, 0, sizeof *fl);
    memset(rf, 0, sizeof *rf);
    memset(mr, 0, sizeof *mr);
    for (int r = 0; r < ROUNDS; r++) {
        int f0 = n_floor * r / ROUNDS, f1 = n_floor * (r + 1) / ROUNDS;
        int m0 = n * r / ROUNDS, m1 = n * (r + 1) / ROUNDS;
        run_batch(floor_port, "floor", f0, f1 - f0, conc, size, lf + f0, fl, 0);
        if (ref_port)
            run_batch(ref_port, "ref", f0, f1 - f0, conc, size, lr + f0, rf, g_ref);
        run_batch(milter_port, "milter", m0, m1 - m0, conc, size, lm + m0, mr, g_milter);
    }
    summarise(lf, n_floor, fl);
    if (ref_port)
        summarise(lr, n_floor, rf);
    summarise(lm, n, mr);
    free(lf);
    free(lr);
    free(lm);
}

/* The values of field (" ms=", " wait=", " scan=", " cpu=") in the milter's per-message log lines. */
static double *eom_field(const char *log, const char *field, int max, int *n)
{
    *n = 0;
    FILE *f = fopen(log, "r");
    if (!f)
        return NULL;
    double *v = calloc((size_t)max + 1, sizeof(double));
    char line[4096];
    while (v && *n <= max && fgets(line, sizeof line, f)) {
        char *p = strstr(line, field);
        if (p && strstr(line, " verdict="))
            v[(*n)++] = atof(p + strlen(field));
    }
    fclose(f);
    return v;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0; /* keep going: remove as much as possible */
}

static char *g_dir;
static void cleanup(void)
{
    eg_mh_cleanup_all();
    if (g_dir)
        nftw(g_dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* out = the path of the program called name in this program's directory; false when unknown */
static bool beside_self(const char *name, char *out, size_t cap)
{
    ssize_t l = readlink("/proc/self/exe", out, cap);
    if (l <= 0 || (size_t)l >= cap)
        return false;
    out[l] = 0;
    char *slash = strrchr(out, '/');
    size_t dir = slash ? (size_t)(slash - out) + 1 : 0;
    if (dir + strlen(name) >= cap)
        return false;
    strcpy(out + dir, name);
    return true;
}

/* The CPU share deploy/emoguard.service gives the milter (CPUWeight=300 beside the default 100),
 * for a process that has a session, and so a scheduling group, of its own: the group's nice -5 is
 * a weight of 3121 against 1024. False where the kernel has no such groups. */
static bool weigh_like_the_unit(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/autogroup", (int)pid);
    FILE *f = pid > 0 ? fopen(path, "w") : NULL;
    if (!f)
        return false;
    bool ok = fputs("-5", f) >= 0;
    return fclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
    int n = 2000, n_floor = 0, conc = 8;
    bool weigh = true;
    size_t kb = 100;
    char own_dir_binary[sizeof eg_bench_binary];
    if (beside_self("emoguard", own_dir_binary, sizeof own_dir_binary))
        snprintf(eg_bench_binary, sizeof eg_bench_binary, "%s", own_dir_binary);
    int opt;
    bool use_unix = false, campaign = true;
    while ((opt = getopt(argc, argv, "n:f:c:s:H:b:uCW")) != -1) {
        switch (opt) {
        case 'n': n = atoi(optarg); break;
        case 'f': n_floor = atoi(optarg); break;
        case 'W': weigh = false; break;
        case 'c': conc = atoi(optarg); break;
        case 's': kb = (size_t)atol(optarg); break;
        case 'H': g_fields = atoi(optarg); break;
        case 'u': use_unix = true; break;
        case 'C': campaign = false; break;
        case 'b': snprintf(eg_bench_binary, sizeof eg_bench_binary, "%s", optarg); break;
        default:
            fprintf(stderr,
                    "usage: bench_milter [-n MAILS] [-f FLOOR_MAILS] [-c SESSIONS] [-s KBYTES] [-H FIELDS] [-b EMOGUARD] [-u] [-C] [-W]\n");
            return 3;
        }
    }
    if (n < 10 || n_floor < 0 || conc < 1 || conc > 256 || kb < 1 || g_fields < 0 || g_fields > 200) {
        fprintf(stderr, "bench_milter: bad arguments\n");
        return 3;
    }
    if (geteuid() != 0) {
        printf("bench_milter: skipped (needs root to run a private Postfix)\n");
        return 0;
    }
    char tmpl[] = "/tmp/eg-bench-milter-XXXXXX";
    g_dir = mkdtemp(tmpl);
    if (!g_dir)
        return 1;
    atexit(cleanup);
    chmod(g_dir, 0755);
    static eg_mh_postfix pf; /* static: the atexit cleanup stops it after main returns */
    memset(&pf, 0, sizeof pf);
    snprintf(pf.dir, sizeof pf.dir, "%s/postfix", g_dir);
    mkdir(pf.dir, 0755);
    pf.smtp1 = eg_mh_free_port();
    pf.smtp2 = eg_mh_free_port();
    pf.relay = eg_mh_free_port();
    pf.plain = eg_mh_free_port();
    pf.milter1 = eg_mh_free_port();
    pf.milter2 = eg_mh_free_port();
    char conf[600], log[600], text[1024];
    snprintf(conf, sizeof conf, "%s/bench.conf", g_dir);
    snprintf(log, sizeof log, "%s/milter.log", g_dir);
    if (use_unix)
        snprintf(pf.milter1_unix, sizeof pf.milter1_unix, "%s/milter.sock", g_dir);
    char sock[400];
    if (use_unix)
        snprintf(sock, sizeof sock, "unix:%s", pf.milter1_unix);
    else
        snprintf(sock, sizeof sock, "inet:%d@127.0.0.1", pf.milter1);
    snprintf(text, sizeof text, "socket = %s\nlog = stderr\nlog_level = info\nmax_scans = %s\ncampaign = %s\n", sock,
             getenv("EG_BENCH_MAX_SCANS") ? getenv("EG_BENCH_MAX_SCANS") : "4", campaign ? "yes" : "no");
    FILE *f = fopen(conf, "w");
    fputs(text, f);
    fclose(f);
    if (use_unix) { /* no TCP port to wait for: wait for the socket file */
        char *av[] = {eg_bench_binary, "milter", "-f", "-c", conf, NULL};
        g_milter = spawn(av, log);
        struct stat sb;
        for (int t = 0; t < 200 && stat(pf.milter1_unix, &sb) != 0; t++)
            usleep(50000);
        chmod(pf.milter1_unix, 0666);
    } else {
        g_milter = eg_mh_milter_start(conf, log, pf.milter1);
    }
    /* the reference milter beside it, on its own socket (smtp2): ref_milter next to this program */
    char ref_bin[4200], ref_conf[600], ref_log[600];
    bool ref = beside_self("ref_milter", ref_bin, sizeof ref_bin) && access(ref_bin, X_OK) == 0;
    if (ref) {
        snprintf(ref_conf, sizeof ref_conf, "%s/ref.conf", g_dir);
        snprintf(ref_log, sizeof ref_log, "%s/ref.log", g_dir);
        if (use_unix)
            snprintf(pf.milter2_unix, sizeof pf.milter2_unix, "%s/ref.sock", g_dir);
        FILE *rf = fopen(ref_conf, "w");
        if (rf) {
            if (use_unix)
                fprintf(rf, "socket = unix:%s\n", pf.milter2_unix);
            else
                fprintf(rf, "socket = inet:%d@127.0.0.1\n", pf.milter2);
            fclose(rf);
        }
        char *av[] = {ref_bin, "milter", "-f", "-c", ref_conf, NULL};
        g_ref = spawn(av, ref_log);
        bool up = false;
        for (int t = 0; t < 200 && !up; t++) {
            struct stat sb;
            up = use_unix ? stat(pf.milter2_unix, &sb) == 0 : eg_mh_wait_port(pf.milter2, 50);
            if (!up)
                usleep(50000);
        }
        if (use_unix && up)
            chmod(pf.milter2_unix, 0666);
        ref = g_ref > 0 && up;
    }
    /* both milters alike, as the unit would start either */
    bool weighed = weigh && weigh_like_the_unit(g_milter) && (!ref || weigh_like_the_unit(g_ref));
    if (g_milter <= 0 || !eg_mh_postfix_start(&pf)) {
        fprintf(stderr, "bench_milter: could not start the milter (%s) or Postfix\n", eg_bench_binary);
        return 1;
    }
    size_t size = kb * 1024;
    if (n_floor <= 0) /* the floor's p99 from fewer mails is the noisier side of "added p99" */
        n_floor = n / 5 < 200 ? (n < 200 ? n : 200) : n / 5;
    printf("emoguard milter load benchmark: %d mails of %zu KB with %d header fields over %d SMTP sessions, milter "
           "over %s (floor: %d mails; %d alternating rounds), campaign correlation %s\n", n, kb, g_fields, conc,
           use_unix ? "a unix socket" : "TCP", n_floor, ROUNDS, campaign ? "on" : "off");
    printf("milters' CPU weight: %s\n",
           weighed ? "3x that of the MTA's processes, as CPUWeight=300 in deploy/emoguard.service gives (their "
                     "scheduling groups at nice -5)"
                   : weigh ? "that of any process (this kernel has no scheduling groups per session to weigh)"
                           : "that of any process (-W)");
    atomic_store(&sampling, 1);
    pthread_t sth;
    pthread_create(&sth, NULL, sampler, NULL);
    result fl, rf, mr;
    run_rounds(pf.plain, n_floor, ref ? pf.smtp2 : 0, pf.smtp1, n, conc, size, &fl, &rf, &mr);
    atomic_store(&sampling, 0);
    pthread_join(sth, NULL);
    (void)sent_so_far;
    int want = n_floor + (ref ? n_floor - rf.fails : 0) + n - fl.fails - mr.fails;
    bool all = eg_mh_wait_delivered(&pf, want, 600000);
    usleep(2000000);
    int got = eg_mh_delivered_count(&pf);
    printf("\n%-22s %10s %10s %10s %10s %8s\n", "", "mails/s", "p50 ms", "p99 ms", "max ms", "failed");
    printf("%-22s %10.1f %10.2f %10.2f %10.2f %8d\n", "without milter (floor)", n_floor / fl.secs, fl.p50, fl.p99,
           fl.max, fl.fails);
    printf("%-22s %10.1f %10.2f %10.2f %10.2f %8d\n", "with emoguard milter", n / mr.secs, mr.p50, mr.p99, mr.max,
           mr.fails);
    printf("%-22s %10s %10.2f %10.2f\n", "added by the milter", "", mr.p50 - fl.p50, mr.p99 - fl.p99);
    printf("throughput ratio (milter / floor): %.2f\n", (n / mr.secs) / (n_floor / fl.secs));
    /* What a mail costs the machine: at this concurrency the added latency follows the added CPU */
    printf("CPU per mail, whole machine: without milter %.2f ms, with emoguard's milter %.2f ms (of which the "
           "milter process %.2f ms)\n",
           fl.machine_ms / n_floor, mr.machine_ms / n, mr.milter_ms / n);
    /* What any libmilter milter costs here: the same negotiation, the message kept in memory, no
     * analysis (bench/ref_milter.c), in the same rounds. */
    if (ref) {
        printf("\nreference milter (libmilter, same negotiation, no analysis; %d mails, %d failed):\n", n_floor,
               rf.fails);
        printf("  mails/s %.1f, p50 %.2f ms, p99 %.2f ms, max %.2f ms; added p50 %.2f ms, p99 %.2f ms\n",
               n_floor / rf.secs, rf.p50, rf.p99, rf.max, rf.p50 - fl.p50, rf.p99 - fl.p99);
        printf("  CPU per mail, whole machine %.2f ms (of which the milter process %.2f ms)\n",
               rf.machine_ms / n_floor, rf.milter_ms / n_floor);
        printf("emoguard beyond the reference milter: p50 %+.2f ms, p99 %+.2f ms, CPU per mail %+.2f ms\n",
               mr.p50 - rf.p50, mr.p99 - rf.p99, mr.machine_ms / n - rf.machine_ms / n_floor);
    } else {
        printf("reference milter: skipped (no ref_milter beside bench_milter)\n");
    }
    /* The difference of two percentiles is noisy on a busy machine; the milter's own time from
     * end-of-message to its answer (ms= in its log line) is what Postfix waits for at the end. */
    static const struct {
        const char *field, *what;
    } parts[] = {{" ms=", "end-of-message time"},
                 {" wait=", "  of which waiting for a scan slot"},
                 {" scan=", "  of which scanning"},
                 {" cpu=", "    of the scan, on a CPU"}};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
        int n_eom = 0;
        double *eom = eom_field(log, parts[k].field, n, &n_eom);
        if (eom && n_eom) {
            qsort(eom, (size_t)n_eom, sizeof(double), cmp_d);
            printf("milter %s (its log, %d mails): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", parts[k].what,
                   n_eom, pct(eom, n_eom, 0.5), pct(eom, n_eom, 0.99), eom[n_eom - 1]);
        }
        free(eom);
    }
    printf("\nmilter RSS over time (KB):");
    int step = n_rss > 20 ? n_rss / 20 : 1;
    for (int i = 0; i < n_rss; i += step)
        printf(" %.0fs:%ld", rss_t[i], rss[i]);
    if (n_rss)
        printf(" %.0fs:%ld", rss_t[n_rss - 1], rss[n_rss - 1]);
    long first = -1, maxr = 0;
    for (int i = 0; i < n_rss; i++) {
        if (first < 0 && rss[i] > 0 && rss_t[i] >= 2.0)
            first = rss[i];
        if (rss[i] > maxr)
            maxr = rss[i];
    }
    if (first < 0 && n_rss) /* a run shorter than 2 s */
        first = rss[n_rss - 1];
    printf("\nRSS after 2 s: %ld KB, max: %ld KB, last: %ld KB\n", first, maxr, n_rss ? rss[n_rss - 1] : -1L);
    printf("delivered: %d of %d accepted (%s)\n", got, want,
           got == want ? "nothing lost or duplicated" : (got < want ? "MISSING" : "DUPLICATES"));
    return (all && got == want && !mr.fails && !fl.fails && (!ref || !rf.fails)) ? 0 : 1;
}
