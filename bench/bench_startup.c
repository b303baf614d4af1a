/*
 * Start-up benchmark: the time from exec to the first mail's report, which dominates when an MDA
 * filter starts one process per mail. Each row runs the emoguard binary built beside this bench
 * as a new process, interleaved with the others, and reports the median wall and CPU time:
 *   - a process that does nothing (/bin/true): the floor of fork and exec on this machine;
 *   - `emoguard --version`: the dynamic loader and the libraries' constructors, no scanner;
 *   - `emoguard scan` of one small text mail: loader, scanner set-up and one scan.
 * The differences between the rows say where the time to first mail goes.
 *
 *   bench_startup [RUNS]   (default 40)
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Runs argv with stdout and stderr on /dev/null; wall and CPU (user + system) in ms. */
static int run(char *const argv[], double *wall, double *cpu)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t0 = now_ms();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    int st = 0;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid)
        return -1;
    *wall = now_ms() - t0;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    posix_spawn_file_actions_destroy(&fa);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 40;
    if (runs < 3 || runs > 10000)
        return 3;
    char self[4096], bin[4200], mail[] = "/tmp/eg-bench-startup-XXXXXX";
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        return 1;
    self[sl] = 0;
    char *slash = strrchr(self, '/');
    *slash = 0;
    snprintf(bin, sizeof bin, "%s/emoguard", self);
    int fd = mkstemp(mail);
    if (fd < 0)
        return 1;
    static const char msg[] = "From: Tanaka <tanaka@example.co.jp>\r\nTo: <sato@example.jp>\r\n"
                              "Subject: minutes\r\nDate: Mon, 1 Jan 2024 09:00:00 +0900\r\n"
                              "Message-ID: <m1@example.co.jp>\r\nMIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                              "Hello, the minutes of the meeting are below.\r\n";
    if (write(fd, msg, sizeof msg - 1) != (ssize_t)(sizeof msg - 1))
        return 1;
    close(fd);
    char *rows[3][4] = {{"/bin/true", NULL}, {bin, "--version", NULL}, {bin, "scan", mail, NULL}};
    static const char *const names[3] = {"floor: /bin/true (fork + exec)",
                                         "emoguard --version (loader, libraries)",
                                         "emoguard scan, one small mail (time to first mail)"};
    double *wall[3], *cpu[3];
    for (int r = 0; r < 3; r++) {
        wall[r] = calloc((size_t)runs, sizeof(double));
        cpu[r] = calloc((size_t)runs, sizeof(double));
    }
    for (int i = 0; i < runs; i++)
        for (int r = 0; r < 3; r++) {
            int rc = run(rows[r], &wall[r][i], &cpu[r][i]);
            if (rc < 0 || rc > 2) { /* scan exits 0..2 with its verdict */
                fprintf(stderr, "bench_startup: %s failed (%d)\n", rows[r][0], rc);
                unlink(mail);
                return 1;
            }
        }
    unlink(mail);
    double w[3], c[3];
    for (int r = 0; r < 3; r++) {
        w[r] = median(wall[r], runs);
        c[r] = median(cpu[r], runs);
    }
    printf("# bench_startup: median of %d interleaved runs each\n", runs);
    printf("| process | wall | CPU (user + system) |\n|---|---|---|\n");
    for (int r = 0; r < 3; r++)
        printf("| %s | %.1f ms | %.1f ms |\n", names[r], w[r], c[r]);
    printf("| libraries and loader (--version minus floor) | %.1f ms | %.1f ms |\n", w[1] - w[0],
           c[1] - c[0]);
    printf("| scanner set-up and one scan (scan minus --version) | %.1f ms | %.1f ms |\n",
           w[2] - w[1], c[2] - c[1]);
    for (int r = 0; r < 3; r++) {
        free(wall[r]);
        free(cpu[r]);
    }
    return 0;
}
