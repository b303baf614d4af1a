/*
 * Benchmark of the mail front's own code (src/text, src/mail/password.c) against floors measured
 * in the same run on the same bytes:
 *
 *  ISO-2022-JP text  ours: eg_charset_to_utf8("iso-2022-jp")  floor: glibc iconv ISO-2022-JP
 *  Shift_JIS text    ours: eg_charset_to_utf8("shift_jis")    floor: glibc iconv CP932
 *  RFC 2047 subjects ours: eg_header_decode                   floor: GMime's own decoder
 *  password search   ours: eg_password_extract (labels + fallback tokens)
 *                    floor: one memmem pass for "パスワード" over the same text
 *
 * The text is generated (Japanese business sentences without extension characters, so that
 * glibc can decode it too). Runs are interleaved and the best of 7 is kept.
 * usage: bench_mail [MiB of text]   (default 8)
 */
#include "mail/password.h"
#include "text/charset.h"
#include "text/header.h"

#include <gmime/gmime.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const lines[] = {
    "いつもお世話になっております。株式会社サンプルの山田です。\n",
    "先日お問い合わせいただいた件について、資料をお送りいたします。\n",
    "ご確認のほど、よろしくお願いいたします。Order No. 20240701-A\n",
    "来週の打ち合わせは火曜日の14時からでいかがでしょうか。\n",
    "請求書を添付いたしましたので、ご査収ください。\n",
    "添付ファイルのパスワードは別途お送りします。\n",
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *make_text(size_t bytes, size_t *len)
{
    char *t = malloc(bytes + 256);
    size_t n = 0;
    for (size_t i = 0; n < bytes; i++) {
        const char *l = lines[i % (sizeof lines / sizeof lines[0])];
        size_t k = strlen(l);
        memcpy(t + n, l, k);
        n += k;
    }
    t[n] = 0;
    *len = n;
    return t;
}

static uint8_t *iconv_all(const char *to, const char *from, const void *in, size_t n, size_t *out_len)
{
    iconv_t cd = iconv_open(to, from);
    size_t cap = n * 2 + 64, left = cap;
    char *o = malloc(cap), *op = o, *ip = (char *)in;
    size_t il = n;
    iconv(cd, &ip, &il, &op, &left);
    iconv_close(cd);
    *out_len = cap - left;
    return (uint8_t *)o;
}

static volatile size_t sink;

static double time_ours(const char *label, const uint8_t *in, size_t n)
{
    double t0 = now();
    char *u = NULL;
    size_t un = 0;
    eg_charset_to_utf8(label, in, n, 0, &u, &un, NULL);
    double t = now() - t0;
    sink += un;
    free(u);
    return t;
}

static double time_iconv(const char *from, const uint8_t *in, size_t n)
{
    double t0 = now();
    size_t un;
    uint8_t *u = iconv_all("UTF-8", from, in, n, &un);
    double t = now() - t0;
    sink += un;
    free(u);
    return t;
}

static void cb(void *ud, const char *v, size_t n, int prio, const char *origin)
{
    (void)v;
    (void)prio;
    (void)origin;
    *(size_t *)ud += n;
}

static double time_password(const char *t, size_t n)
{
    double t0 = now();
    size_t got = 0;
    for (size_t off = 0; off < n;) { /* the extractor reads 1 MiB of each text */
        size_t k = n - off < (1u << 20) ? n - off : (1u << 20);
        eg_password_extract(t + off, k, "body", true, cb, &got);
        off += k;
    }
    sink += got;
    return now() - t0;
}

static double time_memmem(const char *t, size_t n)
{
    double t0 = now();
    size_t hits = 0;
    const char *p = t, *end = t + n;
    while ((p = memmem(p, (size_t)(end - p), "パスワード", 15)) != NULL) {
        hits++;
        p += 15;
    }
    sink += hits;
    return now() - t0;
}

static double time_headers(char **subj, size_t n, bool gmime)
{
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        if (gmime) {
            char *d = g_mime_utils_header_decode_text(NULL, subj[i]);
            sink += strlen(d);
            g_free(d);
        } else {
            char *d = NULL;
            eg_header_decode(subj[i], strlen(subj[i]), 0, &d, NULL);
            sink += strlen(d);
            free(d);
        }
    }
    return now() - t0;
}

static char *b64(const uint8_t *p, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc(n / 3 * 4 + 8), *q = o;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *q++ = al[v >> 18 & 63];
        *q++ = al[v >> 12 & 63];
        *q++ = i + 1 < n ? al[v >> 6 & 63] : '=';
        *q++ = i + 2 < n ? al[v & 63] : '=';
    }
    *q = 0;
    return o;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 8;
    g_mime_init();
    size_t n;
    char *text = make_text(mib << 20, &n);
    size_t jn, sn;
    uint8_t *jis = iconv_all("ISO-2022-JP", "UTF-8", text, n, &jn);
    uint8_t *sj = iconv_all("CP932", "UTF-8", text, n, &sn);
    enum { NSUBJ = 20000 };
    char **subj = malloc(NSUBJ * sizeof *subj);
    for (size_t i = 0; i < NSUBJ; i++) {
        const char *l = lines[i % (sizeof lines / sizeof lines[0])];
        size_t k;
        uint8_t *e = iconv_all("ISO-2022-JP", "UTF-8", l, strlen(l) - 1, &k);
        char *w = b64(e, k);
        subj[i] = malloc(strlen(w) + 40);
        sprintf(subj[i], "Re: =?ISO-2022-JP?B?%s?=", w);
        free(w);
        free(e);
    }
    double best[8];
    for (int k = 0; k < 8; k++)
        best[k] = 1e9;
    for (int r = 0; r < 7; r++) {
        double t[8] = {time_ours("iso-2022-jp", jis, jn), time_iconv("ISO-2022-JP", jis, jn),
                       time_ours("shift_jis", sj, sn),    time_iconv("CP932", sj, sn),
                       time_headers(subj, NSUBJ, false),  time_headers(subj, NSUBJ, true),
                       time_password(text, n),            time_memmem(text, n)};
        for (int k = 0; k < 8; k++)
            if (t[k] < best[k])
                best[k] = t[k];
    }
    double mb = (double)n / (1 << 20);
    printf("## bench_mail: charset layer and password search (%zu MiB of Japanese text)\n\n", mib);
    printf("| case | emoguard | floor | floor | ratio ours/floor |\n|---|---|---|---|---|\n");
    printf("| ISO-2022-JP to UTF-8 | %.1f MiB/s | %.1f MiB/s | glibc iconv | %.2f |\n", mb / best[0],
           mb / best[1], best[0] / best[1]);
    printf("| Shift_JIS to UTF-8 | %.1f MiB/s | %.1f MiB/s | glibc iconv CP932 | %.2f |\n", mb / best[2],
           mb / best[3], best[2] / best[3]);
    printf("| RFC 2047 subject (ISO-2022-JP) | %.2f us | %.2f us | GMime decoder | %.2f |\n",
           best[4] * 1e6 / NSUBJ, best[5] * 1e6 / NSUBJ, best[4] / best[5]);
    printf("| password search (labels + tokens) | %.1f MiB/s | %.1f MiB/s | one memmem pass | %.2f |\n\n",
           mb / best[6], mb / best[7], best[6] / best[7]);
    for (size_t i = 0; i < NSUBJ; i++)
        free(subj[i]);
    free(subj);
    free(text);
    free(jis);
    free(sj);
    g_mime_shutdown();
    return sink == 42 ? 1 : 0;
}
