/*
 * `emoguard --version`: what was built (git describe at configure time), what it judges with
 * (the rule table: its size and a fingerprint of ids and scores; each data list: its entries and
 * a content hash, as the lists carry no version of their own) and the libraries it runs on (the
 * versions linked at run time where the library says so, else the headers it was built with).
 */
#include "cli/cli.h"

#include "core/sha256.h"
#include "emoguard/emoguard.h"
#include "milter/proto.h"

#include <archive.h>
#include <expat.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <gsf/gsf-utils.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>
#include <zlib.h>

#ifndef EG_GIT_VERSION
#define EG_GIT_VERSION EG_VERSION
#endif
#ifndef EG_DATA_DIR
#define EG_DATA_DIR "data"
#endif

#define MAX_LIST_FILE (16u << 20)

static void hex12(const uint8_t h[32], char out[13])
{
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* the rule table's fingerprint: ids, scores and severities in table order */
static void rules_line(void)
{
    size_t n = eg_rule_count();
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    for (size_t i = 0; i < n; i++) {
        const eg_rule *r = eg_rule_get((int)i);
        fprintf(m, "%s %d %d\n", r->id, r->score, (int)r->severity);
    }
    fclose(m);
    uint8_t h[32];
    char hx[13];
    eg_sha256((const uint8_t *)buf, len, h);
    hex12(h, hx);
    printf("rule table: %zu rules, fingerprint %s\n", n, hx);
    free(buf);
}

static void list_line(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("  %-16s not found (%s)\n", name, path);
        return;
    }
    uint8_t *d = malloc(MAX_LIST_FILE);
    size_t n = d ? fread(d, 1, MAX_LIST_FILE, f) : 0;
    fclose(f);
    size_t entries = 0;
    for (size_t i = 0; i < n; i++) /* lines that are neither blank nor comments */
        if ((i == 0 || d[i - 1] == '\n') && d[i] != '#' && d[i] != '\n' && d[i] != '\r')
            entries++;
    uint8_t h[32];
    char hx[13];
    eg_sha256(d ? d : (const uint8_t *)"", n, h);
    hex12(h, hx);
    printf("  %-16s %zu entries, sha256 %s\n", name, entries, hx);
    free(d);
}

void eg_cli_version(void)
{
    printf("emoguard %s (library %s, JSON schema %d)\n", EG_GIT_VERSION, EG_VERSION,
           EG_JSON_SCHEMA_VERSION);
    rules_line();
    printf("data lists (%s):\n", EG_DATA_DIR);
    static const char *const lists[] = {"freemail.txt", "hosting.txt", "isp-jp.txt",
                                        "org-words.txt", "shorteners.txt"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        list_line(EG_DATA_DIR, lists[i]);
    printf("libraries:\n"
           "  GMime %u.%u.%u, GLib %u.%u.%u, libgsf %d.%d.%d\n"
           "  %s\n"
           "  %s\n"
           "  YARA %s (built with), jansson %s, zlib %s, %s\n"
           "  hiredis %d.%d.%d (built with), milter protocol %u (its own)\n",
           gmime_major_version, gmime_minor_version, gmime_micro_version, glib_major_version,
           glib_minor_version, glib_micro_version, libgsf_major_version, libgsf_minor_version,
           libgsf_micro_version, archive_version_details(), OpenSSL_version(OPENSSL_VERSION),
           YR_VERSION, jansson_version_str(), zlibVersion(), XML_ExpatVersion(), HIREDIS_MAJOR,
           HIREDIS_MINOR, HIREDIS_PATCH, EG_MPROTO_VERSION);
}
