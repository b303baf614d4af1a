/*
 * Benchmark of the `emoguard scan` batch front end (enumeration, reading, password pairing,
 * output), as a process on generated corpora:
 *   - an mbox of N small mails (default 200,000; a ">From " line in every tenth, an attachment
 *     in every fiftieth);
 *   - a directory of 2,000 small mails, one file each.
 * Each row runs `emoguard scan -j 2 --format json` with the report stream read through a pipe:
 * wall time, CPU (user + system), peak RSS of the child (wait4), and the time from exec to the
 * first report byte (the time to the first mail of a batch).
 *
 * The binary is the emoguard built beside this bench. EG_BENCH_BASELINE=/path/to/emoguard adds
 * the same rows for another build (e.g. the previous commit's), interleaved, so that before and
 * after are compared within one run. Output: a Markdown table on stdout.
 *
 *   bench_batch [N]
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

static void write_mail(FILE *f, int i)
{
    fprintf(f,
            "From: \"Sender %d\" <s%d@example.jp>\nTo: r@example.jp\n"
            "Subject: =?UTF-8?B?5L2V44GL?= %d\nDate: Mon, 1 Jul 2024 10:%02d:00 +0900\n"
            "Message-ID: <%d@example.jp>\nMIME-Version: 1.0\n",
            i % 97, i % 97, i, i % 60, i);
    if (i % 50 == 0)
        fprintf(f, "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                   "Content-Type: text/plain\n\nsee the file\n--b\n"
                   "Content-Type: text/plain; name=\"note.txt\"\n"
                   "Content-Disposition: attachment; filename=\"note.txt\"\n\nhello\n--b--\n");
    else
        fprintf(f, "Content-Type: text/plain; charset=utf-8\n\nbody %d\n%s\n", i,
                i % 10 == 0 ? ">From the archive" : "regards");
}

typedef struct {
    double wall, cpu, first;
    long rss_kb;
    int rc;
} result;

static int run(const char *bin, const char *input, result *r)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)bin, "scan", "-j", "2", "--format", "json", (char *)input, NULL};
    double t0 = now_ms();
    pid_t pid;
    int e = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    if (e != 0) {
        close(p[0]);
        return -1;
    }
    char buf[1 << 16];
    r->first = -1;
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n <= 0)
            break;
        if (r->first < 0)
            r->first = now_ms() - t0;
    }
    close(p[0]);
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid)
        return -1;
    r->wall = now_ms() - t0;
    r->cpu = (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
             (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
    r->rss_kb = ru.ru_maxrss;
    r->rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    if (n < 1)
        n = 200000;
    char self[4096], bin[4200];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        return 1;
    self[sl] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(bin, sizeof bin, "%s/emoguard", self);
    const char *base = getenv("EG_BENCH_BASELINE");
    setenv("EG_NO_PROGRESS", "1", 1);

    char dir[] = "/tmp/eg-bench-batch-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char mbox[4200], mdir[4200], path[4300];
    snprintf(mbox, sizeof mbox, "%s/big.mbox", dir);
    snprintf(mdir, sizeof mdir, "%s/files", dir);
    FILE *f = fopen(mbox, "w");
    if (!f)
        return 1;
    for (int i = 0; i < n; i++) {
        fprintf(f, "From s%d@example.jp Mon Jul  1 10:%02d:00 2024\n", i % 97, i % 60);
        write_mail(f, i);
        fputc('\n', f);
    }
    fclose(f);
    struct stat st;
    stat(mbox, &st);
    mkdir(mdir, 0700);
    const int nfiles = 2000;
    for (int i = 0; i < nfiles; i++) {
        snprintf(path, sizeof path, "%s/m%05d.eml", mdir, i);
        f = fopen(path, "w");
        if (!f)
            return 1;
        write_mail(f, i);
        fclose(f);
    }

    const char *inputs[] = {mbox, mdir};
    char label[2][128];
    snprintf(label[0], sizeof label[0], "mbox, %d mails, %.1f MB", n, (double)st.st_size / 1e6);
    snprintf(label[1], sizeof label[1], "directory, %d files", nfiles);
    const char *bins[] = {bin, base};
    const char *names[] = {"this build", "baseline (EG_BENCH_BASELINE)"};
    int nb = base && *base ? 2 : 1;
    printf("## Batch front end (`bench_batch`): `emoguard scan -j 2 --format json`\n\n");
    printf("| corpus | binary | wall | CPU | first report | peak RSS | mails/s |\n");
    printf("|---|---|---|---|---|---|---|\n");
    int rc = 0;
    for (int c = 0; c < 2; c++) {
        result r[2];
        for (int b = nb - 1; b >= 0; b--) { /* baseline first, then this build */
            if (run(bins[b], inputs[c], &r[b]) != 0 || r[b].rc < 0 || r[b].rc > 2) {
                fprintf(stderr, "bench_batch: %s failed on %s\n", bins[b], inputs[c]);
                rc = 1;
                r[b] = (result){0};
            }
        }
        int count = c == 0 ? n : nfiles;
        for (int b = 0; b < nb; b++)
            printf("| %s | %s | %.2f s | %.2f s | %.0f ms | %.1f MB | %.0f |\n",
                   b == 0 ? label[c] : "", names[b], r[b].wall / 1e3, r[b].cpu / 1e3, r[b].first,
                   (double)r[b].rss_kb / 1024, r[b].wall > 0 ? count / (r[b].wall / 1e3) : 0);
        if (nb == 2 && r[0].wall > 0 && r[1].wall > 0)
            printf("| | baseline / this build | %.2fx | %.2fx | %.1fx | %.1fx | |\n",
                   r[1].wall / r[0].wall, r[1].cpu / r[0].cpu,
                   r[0].first > 0 ? r[1].first / r[0].first : 0,
                   (double)r[1].rss_kb / (double)(r[0].rss_kb ? r[0].rss_kb : 1));
    }
    printf("\n");
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
