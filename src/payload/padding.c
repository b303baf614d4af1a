/*
 * Padded files: documents and executables inflated with zeros or a repeated junk pattern so that
 * scanners with a size cap skip them (Emotet's 500 MB Word files and DLLs of March 2023). Two
 * cases arrive here:
 *   - an object the archive reader already collapsed (EG_OBJ_PADDED, size_true = real size);
 *   - an object whose own tail is one long run of a short repeating pattern.
 * Either way the true size, the content in front and the ratio are reported; the caller analyses
 * only the content in front. The padding itself is the indicator: no business document is a
 * few hundred kilobytes of content followed by hundreds of megabytes of nothing.
 */
#include "payload/payload.h"

#include "core/safe.h"

#include <stdio.h>

#define PAD_BIG ((uint64_t)100 << 20)  /* "past 100 MB": inflated */
#define PAD_MIN ((uint64_t)8 << 20)    /* smaller runs count only when they dominate the file */
#define PAD_MAX_PERIOD 16

/* Length of the run at the end of p that repeats with some period <= 16 bytes. */
static size_t tail_run(const uint8_t *p, size_t n)
{
    size_t best = 0;
    for (size_t per = 1; per <= PAD_MAX_PERIOD && per < n; per++) {
        size_t i = n - 1 - per, run = per;
        for (;;) {
            if (p[i] != p[i + per])
                break;
            run++;
            if (i == 0)
                break;
            i--;
        }
        if (run > best)
            best = run;
        if (best > n / 2 && per == 1)
            break; /* zeros: the common case, no need to try other periods */
    }
    return best;
}

static void human(uint64_t v, char *out, size_t cap)
{
    if (v >= ((uint64_t)1 << 30))
        snprintf(out, cap, "%.1f GB", (double)v / (double)((uint64_t)1 << 30));
    else if (v >= ((uint64_t)1 << 20))
        snprintf(out, cap, "%.1f MB", (double)v / (double)((uint64_t)1 << 20));
    else if (v >= 1024)
        snprintf(out, cap, "%.1f KB", (double)v / 1024.0);
    else
        snprintf(out, cap, "%llu bytes", (unsigned long long)v);
}

static void report(eg_scan *s, const eg_object *obj, uint64_t truesz, uint64_t content, const char *how)
{
    char t[32], c[32], z[32] = "";
    human(truesz, t, sizeof t);
    human(content, c, sizeof c);
    const eg_object *parent = obj->parent >= 0 ? eg_scan_object(s, (uint32_t)obj->parent) : NULL;
    uint64_t packed = parent && (parent->type == EG_T_ZIP || parent->type == EG_T_ARCHIVE) ? parent->size : 0;
    if (packed)
        human(packed, z, sizeof z);
    uint64_t ratio = content ? truesz / content : truesz;
    eg_rule_id r = truesz >= PAD_BIG ? EG_R_PAD_INFLATED : EG_R_PAD_PADDED;
    eg_scan_finding(s, obj, r, "true size %s, content %s (%llu:1)%s%s, %s", t, c, (unsigned long long)ratio,
                    packed ? ", inside an archive of " : "", z, how);
}

void eg_payload_check_padding(eg_scan *s, const eg_object *obj, size_t *content_len)
{
    size_t n = (size_t)obj->size;
    if (content_len)
        *content_len = n;
    if (obj->flags & EG_OBJ_PADDED) {
        uint64_t truesz = obj->size_true > obj->size ? obj->size_true : obj->size;
        if (truesz - n >= PAD_MIN || truesz >= PAD_BIG)
            report(s, obj, truesz, n, "padding removed while unpacking");
        return;
    }
    if (!obj->data || n < PAD_MIN)
        return;
    size_t run = tail_run(obj->data, n);
    if (run < PAD_MIN || run * 10 < n * 9)
        return;
    report(s, obj, n, n - run, obj->data[n - 1] == 0 ? "zeros at the end" : "a repeated pattern at the end");
    if (content_len)
        *content_len = n - run;
}
