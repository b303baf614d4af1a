/*
 * libFuzzer target for the charset layer: conversion under every Japanese label and a few
 * others (first byte picks the label, second the output cap), ISO-2022-JP decoding, RFC 2047
 * header values, RFC 2231 parameters and HTML-to-text. Every output must be valid UTF-8.
 */
#include "core/utf8.h"
#include "text/charset.h"
#include "text/header.h"
#include "text/html.h"
#include "text/width.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *s, size_t n)
{
    if (s && !eg_utf8_valid(s, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const labels[] = {NULL, "iso-2022-jp", "shift_jis", "euc-jp", "utf-8", "us-ascii",
                                         "windows-1252", "x-bogus", "utf-16le", "gb2312"};
    if (size < 2)
        return 0;
    const char *label = labels[data[0] % (sizeof labels / sizeof labels[0])];
    size_t cap = data[1] & 1 ? (size_t)data[1] * 8 : 0;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    char *u = NULL;
    size_t un = 0;
    eg_charset_to_utf8(label, p, n, cap, &u, &un, NULL);
    check(u, un);
    if (cap && un > cap)
        abort();
    free(u);

    uint8_t *sj = NULL;
    size_t sn, bad;
    eg_iso2022jp_to_cp932(p, n, cap, &sj, &sn, &bad);
    free(sj);

    char *h = NULL;
    eg_header_decode((const char *)p, n, cap, &h, NULL);
    if (h)
        check(h, strlen(h));
    free(h);
    char *prm = eg_header_param((const char *)p, n, "filename", cap, NULL);
    if (prm)
        check(prm, strlen(prm));
    free(prm);
    char *t = NULL;
    size_t tn;
    eg_html_to_text((const char *)p, n, cap, &t, &tn);
    free(t);
    char *w = eg_width_normalize((const char *)p, n, NULL);
    free(w);
    return 0;
}
