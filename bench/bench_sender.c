/*
 * Sender-check benchmark: eg_sender_evaluate over a hijacked-reply mail (a short new text, a
 * signature, a quoted Outlook thread, an HTML part with many tracked links) against a floor
 * measured on the same bytes: one pass of the URL/address extractor (eg_urls_extract) over the
 * text and the HTML, the least any link or address check must do. A second case is a hostile
 * 1 MiB body made of header-block lines and addresses, to show the checks stay linear. Last,
 * the cost of loading the configuration (the shipped data lists), which happens once per scan.
 *
 *   bench_sender [reps]     (default 200)
 */
#include "mail/sender.h"
#include "text/urls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool count_cb(void *ud, eg_ioc_kind k, const char *v, size_t n)
{
    (void)k;
    (void)v;
    *(size_t *)ud += n;
    return true;
}

static char *build_text(size_t quote_lines)
{
    size_t cap = 4096 + quote_lines * 96;
    char *t = malloc(cap);
    size_t o = (size_t)snprintf(t, cap, "鈴木様\n\n早急に確認お願いします。\n\n--\n山田 太郎\nメール：yamada@partner.co.jp\n\n"
                                        "差出人: 山田 太郎 <yamada@partner.co.jp>\n送信日時: 2022年3月1日 10:00\n"
                                        "宛先: 鈴木 花子 <suzuki@example.co.jp>\n件名: 見積書の件\n\n");
    for (size_t i = 0; i < quote_lines && o + 128 < cap; i++)
        o += (size_t)snprintf(t + o, cap - o, "> お見積りの件、承知しました。明細は %zu 行目のとおりです。\n", i);
    return t;
}

static char *build_html(size_t links)
{
    size_t cap = 1024 + links * 160;
    char *h = malloc(cap);
    size_t o = (size_t)snprintf(h, cap, "<html><body>");
    for (size_t i = 0; i < links && o + 200 < cap; i++)
        o += (size_t)snprintf(h + o, cap - o,
                              "<p><a href=\"https://click.mailer.example/ls/click?upn=%08zu&amp;u=%zu\">"
                              "https://www.shop-example.jp/item/%zu</a></p>",
                              i * 7919, i, i);
    snprintf(h + o, cap - o, "</body></html>");
    return h;
}

static char *build_hostile(size_t bytes)
{
    char *t = malloc(bytes + 1);
    size_t o = 0;
    for (size_t i = 0; o + 80 < bytes; i++) {
        int w = 0;
        switch (i % 4) {
        case 0: w = snprintf(t + o, bytes - o, "From: A <a%zu@x%zu.example>\n", i, i); break;
        case 1: w = snprintf(t + o, bytes - o, "To: b%zu@y%zu.example; c@z.example\n", i, i); break;
        case 2: w = snprintf(t + o, bytes - o, "> On Mon, X <q%zu@w%zu.example> wrote:\n", i, i); break;
        default: w = snprintf(t + o, bytes - o, "━━━━━━\nメール：m%zu@n%zu.ne.jp\n", i, i); break;
        }
        o += (size_t)w;
    }
    t[o] = 0;
    return t;
}

static double run(eg_sender_config *c, eg_mail_view *v, int reps, size_t *hits)
{
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        eg_sender_hits h = {0};
        double t0 = now();
        eg_sender_evaluate(c, v, &h);
        double t = now() - t0;
        *hits = h.n;
        eg_sender_hits_free(&h);
        if (t < best)
            best = t;
    }
    return best;
}

static double floor_pass(const eg_mail_view *v, int reps)
{
    double best = 1e9;
    for (int r = 0; r < reps; r++) {
        size_t sink = 0;
        double t0 = now();
        eg_urls_extract(v->text, strlen(v->text), count_cb, &sink);
        if (v->html)
            eg_urls_extract(v->html, strlen(v->html), count_cb, &sink);
        double t = now() - t0;
        if (sink == (size_t)-1)
            puts("");
        if (t < best)
            best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 200;
    if (reps < 1)
        reps = 1;
    static const char *const own[] = {"example.co.jp"};
    eg_options o;
    eg_options_default(&o);
    o.own_domains = own;
    o.n_own_domains = 1;
    eg_sender_config *c = NULL;
    if (eg_sender_config_new(&o, &c, NULL, 0) != EG_OK) {
        fprintf(stderr, "cannot load the sender configuration\n");
        return 1;
    }
    const char *known = "partner.co.jp\n山田 太郎 <yamada@partner.co.jp>\n";
    eg_sender_config_add_known(c, known, strlen(known));

    eg_addr to = {NULL, "suzuki@example.co.jp", "example.co.jp"};
    eg_mail_view v;
    memset(&v, 0, sizeof v);
    v.from = (eg_addr){"山田 太郎", "yamada.t@somahospitalar.com.br", "somahospitalar.com.br"};
    v.to = &to;
    v.n_to = 1;
    v.subject = "RE: RE: 見積書の件";
    v.text = build_text(200);
    v.html = build_html(100);
    char *names[] = {"2022-03-01_1137.zip"};
    v.attachment_names = names;
    v.n_attachments = 1;

    printf("| case | bytes | evaluate | floor (URL pass) | ratio evaluate/floor | hits |\n|---|---|---|---|---|---|\n");
    size_t hits = 0;
    size_t bytes = strlen(v.text) + strlen(v.html);
    double ours = 0, fl = 0;
    for (int round = 0; round < 3; round++) { /* interleaved: load hits both alike */
        double a = run(c, &v, reps, &hits), b = floor_pass(&v, reps);
        if (!round || a < ours)
            ours = a;
        if (!round || b < fl)
            fl = b;
    }
    printf("| hijacked reply, 200 quoted lines, 100 links | %zu | %.3f ms | %.3f ms | %.2f | %zu |\n", bytes,
           ours * 1e3, fl * 1e3, ours / fl, hits);

    free(v.text);
    free(v.html);
    v.html = NULL;
    v.text = build_hostile(1u << 20);
    bytes = strlen(v.text);
    int hreps = reps / 20 > 3 ? reps / 20 : 3;
    ours = run(c, &v, hreps, &hits);
    fl = floor_pass(&v, hreps);
    printf("| hostile 1 MiB of header lines and addresses | %zu | %.3f ms | %.3f ms | %.2f | %zu |\n", bytes,
           ours * 1e3, fl * 1e3, ours / fl, hits);
    free(v.text);
    eg_sender_config_free(c);
    /* the configuration is loaded once per scan (data lists, known correspondents) */
    double load = 1e9;
    for (int r = 0; r < reps; r++) {
        eg_sender_config *k = NULL;
        double t0 = now();
        eg_sender_config_new(&o, &k, NULL, 0);
        double t = now() - t0;
        eg_sender_config_free(k);
        if (t < load)
            load = t;
    }
    printf("\nconfiguration load (data lists): %.3f ms\n", load * 1e3);
    return 0;
}
