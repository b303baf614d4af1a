/*
 * RTF documents: embedded OLE objects. Every \objdata group is decoded from hex, its OLE1
 * ObjectHeader read (class name, native data) and the native data handed on as a child; classes
 * that exploits use (Equation Editor, OLE2Link) are a finding of their own. RTF text itself is
 * only searched for lure phrases; it is not rendered.
 */
#include "office/office_int.h"

#include "core/safe.h"
#include "core/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECTS 64

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits of the group that starts at p, until its closing brace. Nested control words and
 * groups are skipped (obfuscators sprinkle them in). */
static uint8_t *group_hex(const char *p, const char *end, size_t cap, size_t *outlen)
{
    uint8_t *o = malloc(cap ? cap : 1);
    if (!o)
        return NULL;
    size_t n = 0;
    int depth = 0, hi = -1;
    while (p < end && n < cap) {
        char ch = *p;
        if (ch == '{')
            depth++;
        else if (ch == '}') {
            if (depth-- == 0)
                break;
        } else if (ch == '\\') {
            p++;
            while (p < end && isalpha((unsigned char)*p))
                p++;
            while (p < end && (isdigit((unsigned char)*p) || *p == '-'))
                p++;
            continue;
        } else {
            int v = hexv((unsigned char)ch);
            if (v >= 0) {
                if (hi < 0)
                    hi = v;
                else {
                    o[n++] = (uint8_t)(hi << 4 | v);
                    hi = -1;
                }
            }
        }
        p++;
    }
    *outlen = n;
    return o;
}

static bool lp_string(eg_cur *c, char *out, size_t outsz)
{
    uint32_t n = eg_cur_u32le(c);
    const uint8_t *p = eg_cur_take(c, n);
    if (!p)
        return false;
    size_t k = n && p[n - 1] == 0 ? n - 1 : n;
    if (k >= outsz)
        k = outsz - 1;
    memcpy(out, p, k);
    out[k] = '\0';
    return true;
}

static bool exploit_class(const char *cls)
{
    return eg_memmem_ci(cls, strlen(cls), "equation", 8) || eg_memmem_ci(cls, strlen(cls), "ole2link", 8) ||
           eg_memmem_ci(cls, strlen(cls), "htmlfile", 8);
}

static void one_object(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len, const char *objclass)
{
    eg_cur c = eg_cur_make(d, len);
    eg_cur_u32le(&c); /* OLEVersion */
    uint32_t fmt = eg_cur_u32le(&c);
    char cls[128] = "", topic[64], item[64];
    bool ok = lp_string(&c, cls, sizeof cls);
    if (ok && fmt == 2) {
        ok = lp_string(&c, topic, sizeof topic) && lp_string(&c, item, sizeof item);
    }
    uint32_t dl = ok ? eg_cur_u32le(&c) : 0;
    const uint8_t *data = ok ? eg_cur_take(&c, dl) : NULL;
    const char *shown = cls[0] ? cls : objclass;
    eg_scan_finding(s, obj, EG_R_RTF_OBJECT, "class %s, %zu bytes", shown[0] ? shown : "?", len);
    if (exploit_class(cls) || exploit_class(objclass))
        eg_scan_finding(s, obj, EG_R_RTF_EXPLOIT_CLASS, "class %s", shown);
    eg_child ch = {.name = shown[0] ? shown : "objdata", .data = data ? data : d, .size = data ? dl : len,
                   .detail = data ? "RTF embedded object (native data)" : "RTF objdata"};
    eg_scan_add_child(s, obj, &ch, NULL);
}

eg_status eg_office_analyze_rtf(eg_scan *s, const eg_object *obj)
{
    const char *t = (const char *)obj->data, *end = t + obj->size;
    const char *p = t;
    size_t count = 0;
    char objclass[128] = "";
    while (p < end && count < MAX_OBJECTS && !eg_scan_timed_out(s, obj)) {
        const char *q = memmem(p, (size_t)(end - p), "\\obj", 4);
        if (!q)
            break;
        p = q + 4;
        if ((size_t)(end - p) >= 5 && !memcmp(p, "class", 5)) {
            const char *a = p + 5;
            while (a < end && *a == ' ')
                a++;
            size_t n = 0;
            while (a + n < end && a[n] != '}' && a[n] != '\\' && n + 1 < sizeof objclass)
                n++;
            memcpy(objclass, a, n);
            objclass[n] = '\0';
        } else if ((size_t)(end - p) >= 4 && !memcmp(p, "data", 4)) {
            size_t len;
            uint64_t budget = eg_scan_budget(s);
            size_t cap = (size_t)(end - p) / 2 + 1;
            if (cap > budget)
                cap = (size_t)budget;
            uint8_t *d = group_hex(p + 4, end, cap, &len);
            if (!d)
                return EG_ENOMEM;
            if (len)
                one_object(s, obj, d, len, objclass);
            free(d);
            count++;
            objclass[0] = '\0';
        }
    }
    if (count == MAX_OBJECTS)
        eg_scan_finding(s, obj, EG_R_LIMIT_OBJECTS, "more than %d RTF objects", MAX_OBJECTS);
    eg_office_lure_findings(s, obj, obj->data, (size_t)obj->size);
    return EG_OK;
}
