/*
 * PowerPoint 97-2003 (.ppt): the "PowerPoint Document" stream is a sequence of records (MS-PPT
 * 2.3.1 RecordHeader: version/instance, type, length). A presentation's VBA project is not a
 * storage of the CFB like in Word and Excel: it is a whole compound file kept inside an
 * ExOleObjStg record (2.10.34, zlib-compressed when the instance is 1), named by the persist
 * object id in the VBAInfoAtom of the VBAInfoContainer (2.4.10). Embedded OLE objects use the same
 * record. Each such storage is handed on as a CFB child (the CFB analyzer then finds the VBA
 * storage and its modules); the one the VBAInfoAtom names is called "VBA project".
 *
 * The persist directory is read from every top-level PersistDirectoryAtom in stream order (later
 * entries win), rather than by following the UserEditAtom chain: for finding the VBA storage that
 * is enough, and an object the chain would not reach is still analysed as an embedded object.
 * An encrypted presentation (a CryptSession10Container record) is reported, not decrypted.
 * Limits: 200 000 records, nesting 16, 64 storages, inflated size capped by the scan budget.
 */
#include "office/office_int.h"

#include "core/safe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RT_VBAINFO_ATOM 0x0400
#define RT_EXOLEOBJSTG 0x1011
#define RT_PERSIST_DIR 0x1772
#define RT_CRYPTSESSION 0x2F14
#define MAX_DEPTH 16
#define MAX_RECORDS 200000u

typedef struct walker {
    eg_ppt_objects *o;
    bool persist_pass; /* second pass: resolve the VBA persist id */
} walker;

static void persist_dir(eg_ppt_objects *o, const uint8_t *d, size_t p, size_t end)
{
    /* entries: persistId (20 bits) and cPersist (12 bits), then cPersist offsets */
    while (end - p >= 4) {
        uint32_t h = eg_rd32le(d + p);
        uint32_t id = h & 0xFFFFF, n = h >> 20;
        p += 4;
        for (uint32_t i = 0; i < n && end - p >= 4; i++, p += 4)
            if (id + i == o->vba_ref)
                o->vba_off = eg_rd32le(d + p); /* later directories win */
    }
}

/* Walks the records in d[from..to); containers (version 0xF) are entered. */
static void walk(walker *w, const uint8_t *d, size_t from, size_t to, int depth)
{
    eg_ppt_objects *o = w->o;
    size_t off = from;
    while (to - off >= 8 && ++o->records <= MAX_RECORDS) {
        uint16_t vi = eg_rd16le(d + off), type = eg_rd16le(d + off + 2);
        uint32_t rlen = eg_rd32le(d + off + 4);
        size_t body = off + 8, end = to - body < rlen ? to : body + rlen;
        if (w->persist_pass) {
            if (type == RT_PERSIST_DIR)
                persist_dir(o, d, body, end);
        } else if (type == RT_CRYPTSESSION) {
            o->encrypted = true; /* a container, but its content is the key, not the document */
        } else if ((vi & 0x0F) == 0x0F && depth + 1 < MAX_DEPTH) {
            walk(w, d, body, end, depth + 1);
        } else if (type == RT_VBAINFO_ATOM && end - body >= 4 && !o->have_vba) {
            o->have_vba = true;
            o->vba_ref = eg_rd32le(d + body);
        } else if (type == RT_EXOLEOBJSTG && o->n < EG_PPT_MAX_OBJECTS) {
            o->off[o->n++] = off;
        }
        off = end;
    }
}

eg_status eg_office_ppt_find(const uint8_t *d, size_t len, eg_ppt_objects *o)
{
    memset(o, 0, sizeof *o);
    o->vba_off = SIZE_MAX;
    walker w = {.o = o};
    walk(&w, d, 0, len, 0);
    if (o->have_vba) {
        /* the persist directory atoms are top-level records */
        w.persist_pass = true;
        unsigned r = o->records;
        o->records = 0;
        walk(&w, d, 0, len, 0);
        o->records = r > o->records ? r : o->records;
    }
    return o->records > MAX_RECORDS ? EG_ELIMIT : EG_OK;
}

eg_status eg_office_ppt_storage(const uint8_t *d, size_t len, size_t off, size_t cap, const uint8_t **stg,
                                size_t *stg_len, uint8_t **owned)
{
    *owned = NULL;
    if (off > len || len - off < 8)
        return EG_EFORMAT;
    uint16_t inst = eg_rd16le(d + off) >> 4;
    uint32_t rlen = eg_rd32le(d + off + 4);
    size_t body = off + 8, n = len - body < rlen ? len - body : rlen;
    if (inst != 1) {
        *stg = d + body;
        *stg_len = n;
        return EG_OK;
    }
    if (n < 4) /* decompressedSize, then a zlib stream */
        return EG_EFORMAT;
    eg_status st = eg_office_inflate(d + body + 4, n - 4, cap, owned, stg_len);
    if (st == EG_OK || st == EG_ELIMIT)
        *stg = *owned;
    return st;
}

static void hand_on(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len, const eg_ppt_objects *o, size_t off)
{
    bool vba = o->have_vba && o->vba_off == off;
    char name[64];
    snprintf(name, sizeof name, "%s@%zu", vba ? "VBA project" : "ExOleObjStg", off);
    const uint8_t *stg = NULL;
    size_t stg_len = 0;
    uint8_t *owned = NULL;
    eg_status st = eg_office_ppt_storage(d, len, off, eg_office_cap(s, 256u << 20), &stg, &stg_len, &owned);
    if (st != EG_OK && st != EG_ELIMIT) {
        eg_scan_finding(s, obj, EG_R_PARSE_ERROR, "\"%s\": compressed storage unreadable", name);
        return;
    }
    if (!vba)
        eg_scan_finding(s, obj, EG_R_OFFICE_EMBEDDED_OBJECT, "PowerPoint embedded OLE storage (%zu bytes)", stg_len);
    eg_child ch = {.name = name, .data = stg, .size = stg_len, .type = EG_T_CFB, .owned = owned != NULL,
                   .detail = vba ? "PowerPoint VBA project storage" : "PowerPoint embedded OLE storage"};
    if (st == EG_ELIMIT)
        ch.flags |= EG_OBJ_TRUNCATED;
    eg_scan_add_child(s, obj, &ch, NULL);
}

void eg_office_ppt_objects(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len)
{
    eg_ppt_objects o;
    if (eg_office_ppt_find(d, len, &o) == EG_ELIMIT)
        eg_scan_finding(s, obj, EG_R_LIMIT_OBJECTS, "more than %u PowerPoint records", MAX_RECORDS);
    if (o.encrypted)
        eg_scan_finding(s, obj, EG_R_OFFICE_ENCRYPTED, "PowerPoint RC4 CryptoAPI encryption (CryptSession10Container, not decrypted)");
    for (size_t i = 0; i < o.n && !eg_scan_timed_out(s, obj); i++)
        hand_on(s, obj, d, len, &o, o.off[i]);
}
