/* libFuzzer target: the fleet reports of `hostcheck --hosts` (src/host/fleet.c) over hostile host
 * data. The first line is the host name, the rest a file list (first byte even) or a process list
 * CSV; the PC is added once checked and once as an error whose message is the raw input. The
 * reports are written to memory and checked: the JSON parses (jansson), the HTML page holds only
 * its own <script> element, and the CSV has as many record ends as PCs plus the header. */
#include "host/fleet.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count(const char *hay, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        n += !memcmp(hay + i, needle, k);
    return n;
}

static char *render(const eg_fleet *f, int fmt, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        return NULL;
    eg_status st = fmt == 0   ? eg_fleet_write_json(m, f)
                   : fmt == 1 ? eg_fleet_write_csv(m, f)
                              : eg_fleet_write_html(m, f);
    fclose(m);
    if (st) {
        free(buf);
        return NULL;
    }
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(p, '\n', n);
    size_t hl = nl ? (size_t)(nl - p) : n;
    char *name = strndup(p, hl), *raw = strndup(p, n);
    eg_host_snapshot *s = NULL;
    eg_host_findings *h = NULL;
    eg_fleet *f = NULL;
    char err[256];
    if (!name || !raw || eg_host_snapshot_new(&s) ||
        eg_fleet_new(data[0] & 2 ? EG_LANG_JA : EG_LANG_EN, false, "2022-04-22 00:00:00", &f))
        goto out;
    eg_host_set_str(&s->hostname, name);
    const char *rest = nl ? nl + 1 : p + n;
    size_t rl = (size_t)(p + n - rest);
    if (data[0] & 1)
        eg_host_load_procs_csv(s, rest, rl, err, sizeof err);
    else
        eg_host_load_files_csv(s, rest, rl, err, sizeof err);
    if (eg_host_check(s, NULL, &h) == EG_OK && eg_fleet_add(f, name, s, h, NULL, NULL))
        goto out;
    if (eg_fleet_add(f, raw, NULL, NULL, NULL, raw))
        goto out;
    size_t len;
    char *out = render(f, 0, &len);
    if (out) {
        json_error_t e;
        json_t *j = json_loadb(out, len, 0, &e);
        if (!j)
            abort();
        json_decref(j);
        free(out);
    }
    if ((out = render(f, 1, &len)) != NULL) {
        if (len < 3 || memcmp(out, "\xEF\xBB\xBF", 3))
            abort();
        size_t recs = 0;
        bool inq = false;
        for (size_t i = 3; i < len; i++) {
            if (out[i] == '"')
                inq = !inq; /* a doubled quote toggles twice */
            else if (!inq && out[i] == '\r' && i + 1 < len && out[i + 1] == '\n')
                recs++, i++;
            else if (!inq && (out[i] == '\r' || out[i] == '\n'))
                abort(); /* a line break outside quotes that is not a record end */
        }
        if (inq || recs != f->n + 1)
            abort();
        free(out);
    }
    if ((out = render(f, 2, &len)) != NULL) {
        if (count(out, len, "<script") != 1 || count(out, len, "<tr class=\"host ") != f->n)
            abort();
        free(out);
    }
out:
    eg_fleet_free(f);
    eg_host_findings_free(h);
    eg_host_snapshot_free(s);
    free(name);
    free(raw);
    return 0;
}
