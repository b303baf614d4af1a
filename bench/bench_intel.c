/*
 * Intel benchmark: load time and lookup cost with 1,000,000 SHA-256 hashes and 100,000 URLs
 * loaded, against a floor measured in the same run (the same lookups in sets of 1,000 entries),
 * so the ratio shows whether the cost depends on the set size. Feeds are generated into a
 * temp directory and loaded through the same path as `--ioc`. Times are thread CPU time.
 *
 *   bench_intel [hashes] [urls]     (defaults 1000000 100000)
 */
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/intel.h"
#include "intel/iocset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOOKUPS 2000000

/* CPU time of this thread, not wall time: on a shared 2-core machine the wall clock mostly
 * measures who else is running. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void hex_of(uint64_t seed, char *out)
{
    static const char hx[] = "0123456789abcdef";
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x51ed27;
    for (int i = 0; i < 64; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = hx[x & 15];
    }
    out[64] = 0;
}

static void url_of(uint64_t i, char *out, size_t n)
{
    snprintf(out, n, "http://site%llu.example/wp-content/%llx/inv_%llu.doc", (unsigned long long)(i % 9973),
             (unsigned long long)(i * 2654435761u), (unsigned long long)i);
}

static char *write_feed(const char *dir, const char *name, size_t n, bool urls)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    char buf[160];
    for (size_t i = 0; i < n; i++) {
        if (urls)
            url_of(i, buf, sizeof buf);
        else
            hex_of(i, buf);
        fprintf(f, "%s\n", buf);
    }
    fclose(f);
    return path;
}

static eg_intel *load(const char *const *feeds, size_t n, double *secs)
{
    eg_intel *in;
    char err[512];
    double t0 = now();
    if (eg_intel_load_ex(feeds, n, NULL, NULL, NULL, &in, err, sizeof err) != EG_OK) {
        fprintf(stderr, "load failed: %s\n", err);
        exit(1);
    }
    *secs = now() - t0;
    return in;
}

static size_t count_cb_n;
static void count_cb(void *ud, const eg_intel_match *m)
{
    (void)ud;
    (void)m;
    count_cb_n++;
}

/* A set built from a feed file exactly as the loader does, for direct lookups and memory. */
static eg_iocset *set_from(const char *path)
{
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    eg_iocset *set;
    if (eg_iocset_new(lim.max_entries, &set) != EG_OK)
        exit(1);
    eg_feed_ctx c = {set, 0, path, NULL, 0, &lim, NULL, NULL};
    if (eg_feed_load(&c, path, NULL) != EG_OK) {
        fprintf(stderr, "%s: parse failed\n", path);
        exit(1);
    }
    return set;
}

/* ns per SHA-256 lookup: the scanner already has the digest, so this is what intel adds per
 * object when only SHA-256 feeds are loaded. Half the keys are present, half absent. */
static double hash_ns(const eg_iocset *set, size_t loaded, size_t *hits)
{
    enum { K = 8192 };
    static eg_ikey keys[K];
    for (size_t i = 0; i < K; i++) {
        char hex[65];
        hex_of(i % 2 ? (uint64_t)(i * 7919) % loaded : 50000000 + i, hex);
        eg_ikey_make(EG_IK_SHA256, hex, 64, &keys[i]);
    }
    size_t h = 0;
    double t0 = now();
    for (size_t i = 0; i < LOOKUPS; i++)
        h += eg_iocset_find(set, &keys[(i * 2654435761u) % K], NULL);
    double dt = now() - t0;
    *hits = h;
    return dt * 1e9 / LOOKUPS;
}

/* ns per URL indicator through eg_intel_lookup_ioc: normal form, URL lookup, host -> domains. */
static double url_ns(const eg_intel *in, size_t loaded, size_t *hits)
{
    enum { K = 4096 };
    static char urls[K][160];
    for (size_t i = 0; i < K; i++) {
        if (i % 2)
            url_of((uint64_t)(i * 7919) % loaded, urls[i], sizeof urls[i]);
        else
            snprintf(urls[i], sizeof urls[i], "https://www.Example.co.jp/news/2022/%zu.html?utm_source=mail", i);
    }
    count_cb_n = 0;
    size_t n = LOOKUPS / 4;
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        eg_intel_lookup_ioc(in, EG_IOC_URL, urls[(i * 2654435761u) % K], count_cb, NULL);
    double dt = now() - t0;
    *hits = count_cb_n;
    return dt * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
    size_t nh = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t nu = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
    size_t floor_n = 1000;
    char dir[] = "/tmp/eg-bench-intel-XXXXXX";
    if (!mkdtemp(dir) || nh < floor_n || nu < floor_n) {
        fprintf(stderr, "usage: bench_intel [hashes>=1000] [urls>=1000]\n");
        return 3;
    }
    double t0 = now();
    char *hbig = write_feed(dir, "hashes.txt", nh, false);
    char *ubig = write_feed(dir, "urls.txt", nu, true);
    char *hsmall = write_feed(dir, "hashes-small.txt", floor_n, false);
    char *usmall = write_feed(dir, "urls-small.txt", floor_n, true);
    printf("generated feeds in %.2f s (%s)\n", now() - t0, dir);

    double t_h, t_u, t_both, t_small;
    const char *fb[] = {hbig, ubig}, *fs[] = {hsmall, usmall};
    eg_intel *ih = load(fb, 1, &t_h);
    eg_intel_free(ih);
    eg_intel *iu = load(fb + 1, 1, &t_u);
    eg_intel_free(iu);
    eg_intel *big = load(fb, 2, &t_both);
    eg_intel *small = load(fs, 2, &t_small);
    printf("\nload (read + parse + insert, one thread)\n");
    printf("  %9zu SHA-256 hashes        %7.3f s  %6.0f ns/entry\n", nh, t_h, t_h * 1e9 / (double)nh);
    printf("  %9zu URLs                  %7.3f s  %6.0f ns/entry\n", nu, t_u, t_u * 1e9 / (double)nu);
    printf("  both feeds                     %7.3f s\n", t_both);
    printf("  floor: %zu + %zu entries      %7.3f s\n", floor_n, floor_n, t_small);

    eg_iocset *sb = set_from(hbig), *ss = set_from(hsmall);
    printf("\nmemory of the %zu-hash set: %.1f MiB (%.0f bytes/entry)\n", nh,
           (double)eg_iocset_memory(sb) / 1048576.0, (double)eg_iocset_memory(sb) / (double)nh);

    size_t hb, hs, ub, us;
    double nb = hash_ns(sb, nh, &hb), nsm = hash_ns(ss, floor_n, &hs);
    double ubn = url_ns(big, nu, &ub), usn = url_ns(small, floor_n, &us);
    printf("\nlookup cost (%d lookups, half present, half absent)\n", LOOKUPS);
    printf("  SHA-256 in %9zu entries     %6.1f ns   (floor %zu entries: %6.1f ns, ratio %.2f)  hits %zu\n", nh,
           nb, floor_n, nsm, nb / nsm, hb);
    printf("  URL indicator, %7zu URLs    %6.1f ns   (floor %zu URLs:    %6.1f ns, ratio %.2f)  hits %zu\n", nu,
           ubn, floor_n, usn, ubn / usn, ub);

    eg_iocset_free(sb);
    eg_iocset_free(ss);
    eg_intel_free(big);
    eg_intel_free(small);
    unlink(hbig);
    unlink(ubig);
    unlink(hsmall);
    unlink(usmall);
    rmdir(dir);
    free(hbig);
    free(ubig);
    free(hsmall);
    free(usmall);
    return 0;
}
