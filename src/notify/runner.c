/*
 * Running sendmail and the hook (see notify.h). A fixed pool of worker threads takes jobs from a
 * bounded queue; each worker runs one child at a time, so at most max_children children exist.
 * A child gets its input through a pipe written with poll() against the job's deadline, and is
 * killed with its whole process group (a hook run by /bin/sh may start others) when the deadline
 * passes. Between fork and exec the child calls only async-signal-safe functions: the milter is
 * multi-threaded. Nothing here knows what the commands are for.
 */
#include "notify/notify.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int eg_notify_run(char *const argv[], const char *input, size_t len, unsigned timeout_ms)
{
    if (!argv || !argv[0])
        return -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(p[0], 0); /* dup2 clears FD_CLOEXEC on the copy */
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0)
            dup2(dn, 1);
        /* the milter's MTA connections and files are not the child's business (and a hung
         * child must not keep a session's socket open) */
        close_range(3, ~0u, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the milter blocks some signals in its threads */
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* also from here, so the kill below finds the group at once */
    close(p[0]);
    long long deadline = mono_ms() + timeout_ms;
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    size_t off = 0;
    while (off < len) {
        long long left = deadline - mono_ms();
        if (left <= 0)
            break;
        struct pollfd pf = {p[1], POLLOUT, 0};
        int r = poll(&pf, 1, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        ssize_t w = write(p[1], input + off, len - off);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (w <= 0)
            break; /* the child closed its stdin (EPIPE): its exit status tells the rest */
        off += (size_t)w;
    }
    close(p[1]);
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (mono_ms() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            return -2;
        }
        sleep_ms(10);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

typedef struct job {
    struct job *next;
    char what[32];
    char **argv;
    char *input;
    size_t len;
    unsigned timeout_ms;
} job;

struct eg_notify_runner {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head, *tail;
    unsigned queued, max_queue;
    bool stopping;       /* no new jobs; workers finish the queue and leave */
    bool abandon;        /* the drain deadline passed: queued jobs are dropped, not run */
    pthread_cond_t idle; /* signalled when a job ends */
    unsigned busy;       /* jobs being run */
    unsigned long dropped;
    pthread_t *threads;
    unsigned n_threads;
    unsigned long done, failed;
};

static void job_free(job *j)
{
    if (!j)
        return;
    for (size_t i = 0; j->argv && j->argv[i]; i++)
        free(j->argv[i]);
    free(j->argv);
    free(j->input);
    free(j);
}

static void *worker(void *arg)
{
    eg_notify_runner *r = arg;
    /* signals are the main thread's business */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->head && !r->stopping)
            pthread_cond_wait(&r->cv, &r->mu);
        job *j = r->head;
        if (!j) { /* stopping and nothing left */
            pthread_mutex_unlock(&r->mu);
            return NULL;
        }
        r->head = j->next;
        if (!r->head)
            r->tail = NULL;
        r->queued--;
        if (r->abandon) {
            r->dropped++;
            pthread_mutex_unlock(&r->mu);
            eg_log(EG_LOG_WARN, "notify: %s dropped at shutdown", j->what);
            job_free(j);
            continue;
        }
        r->busy++;
        pthread_mutex_unlock(&r->mu);
        int rc = eg_notify_run(j->argv, j->input, j->len, j->timeout_ms);
        if (rc != 0)
            eg_log(EG_LOG_WARN, "notify: %s (%s) %s %d", j->what, j->argv[0],
                   rc == -2   ? "timed out after ms"
                   : rc == -1 ? "could not start, code"
                              : "failed with status",
                   rc == -2 ? (int)j->timeout_ms : rc);
        else
            eg_log(EG_LOG_DEBUG, "notify: %s sent", j->what);
        pthread_mutex_lock(&r->mu);
        r->done++;
        r->failed += rc != 0;
        r->busy--;
        pthread_cond_broadcast(&r->idle);
        pthread_mutex_unlock(&r->mu);
        job_free(j);
    }
}

eg_status eg_notify_runner_new(unsigned max_children, unsigned max_queue, eg_notify_runner **out)
{
    if (max_children == 0 || max_children > 64 || max_queue == 0)
        return EG_EINVAL;
    eg_notify_runner *r = calloc(1, sizeof *r);
    if (!r || !(r->threads = calloc(max_children, sizeof *r->threads))) {
        free(r);
        return EG_ENOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_cond_init(&r->idle, NULL);
    r->max_queue = max_queue;
    for (unsigned i = 0; i < max_children; i++) {
        if (pthread_create(&r->threads[i], NULL, worker, r) != 0)
            break;
        r->n_threads++;
    }
    if (!r->n_threads) {
        eg_notify_runner_free(r);
        return EG_EINTERNAL;
    }
    *out = r;
    return EG_OK;
}

unsigned long eg_notify_runner_stop(eg_notify_runner *r, unsigned wait_ms)
{
    if (!r)
        return 0;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += wait_ms / 1000;
    dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L)
        dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cv);
    while ((r->queued || r->busy) && !r->abandon)
        if (pthread_cond_timedwait(&r->idle, &r->mu, &dl) == ETIMEDOUT)
            r->abandon = true; /* what still waits is dropped; a running child keeps its timeout */
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < r->n_threads; i++)
        pthread_join(r->threads[i], NULL);
    r->n_threads = 0;
    pthread_mutex_lock(&r->mu);
    for (job *j = r->head, *n; j; j = n) { /* none when the workers ran; kept for safety */
        n = j->next;
        job_free(j);
        r->dropped++;
    }
    r->head = r->tail = NULL;
    r->queued = 0;
    unsigned long dropped = r->dropped;
    pthread_mutex_unlock(&r->mu);
    return dropped;
}

void eg_notify_runner_free(eg_notify_runner *r)
{
    if (!r)
        return;
    if (r->n_threads)
        eg_notify_runner_stop(r, UINT_MAX);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->idle);
    free(r->threads);
    free(r);
}

bool eg_notify_runner_submit(eg_notify_runner *r, const char *what, char *const argv[],
                             const char *input, size_t len, unsigned timeout_ms)
{
    job *j = calloc(1, sizeof *j);
    size_t argc = 0;
    while (argv && argv[argc] && argc < 256)
        argc++;
    bool ok = j && argc && argc < 256 && (j->argv = calloc(argc + 1, sizeof *j->argv)) &&
              (j->input = malloc(len + 1));
    for (size_t i = 0; ok && i < argc; i++)
        ok = (j->argv[i] = strdup(argv[i])) != NULL;
    if (!ok) {
        eg_log(EG_LOG_ERR, "notify: %s dropped: out of memory", what);
        job_free(j);
        return false;
    }
    memcpy(j->input, input, len);
    j->input[len] = 0;
    j->len = len;
    j->timeout_ms = timeout_ms;
    snprintf(j->what, sizeof j->what, "%s", what);
    pthread_mutex_lock(&r->mu);
    if (r->queued >= r->max_queue || r->stopping) {
        pthread_mutex_unlock(&r->mu);
        eg_log(EG_LOG_WARN, "notify: %s dropped: %u notices already waiting", what, r->max_queue);
        job_free(j);
        return false;
    }
    if (r->tail)
        r->tail->next = j;
    else
        r->head = j;
    r->tail = j;
    r->queued++;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return true;
}

void eg_notify_runner_counts(eg_notify_runner *r, unsigned long *done, unsigned long *failed)
{
    pthread_mutex_lock(&r->mu);
    *done = r->done;
    *failed = r->failed;
    pthread_mutex_unlock(&r->mu);
}
