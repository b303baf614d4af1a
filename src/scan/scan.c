/*
 * The scanner: the loop that turns one input into a report.
 *
 * The root object is the input itself; every analyzer may add children, which are queued in id
 * order (breadth first) and dispatched by type until none is left or a limit is hit. Every object
 * is hashed, name-checked and offered to intel. Limits are enforced here, once, so analyzers only
 * ask: eg_scan_add_child() refuses past depth/object/byte limits, eg_scan_timed_out() tells when
 * the CPU budget is spent.
 *
 * It does not parse anything itself (that is the analyzers' job) and keeps no state between
 * scans: an eg_scanner is read-only after eg_scanner_new and shared by threads.
 */
#include "scan/scan.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/report.h"
#include "core/safe.h"
#include "core/sha256.h"
#include "core/strutil.h"
#include "core/utf8.h"
#include "intel/intel.h"
#include "payload/payload.h"
#include "scan/detect.h"
#include "scan/dispatch.h"
#include "scan/names.h"
#include "text/urls.h"
#include "verdict/evidence.h"
#include "verdict/verdict.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EG_EVIDENCE_MAX 300
#define EG_EVIDENCE_JA_MAX 600 /* the same text is about twice the bytes in Japanese */
#define EG_MAX_IOCS 2000
#define EG_MAX_PASSWORDS 400

typedef struct {
    const void *tag;
    void *data;
    void (*free_fn)(void *);
} eg_slot;

struct eg_scanner {
    eg_options opt;
    eg_intel *intel;
    pthread_mutex_t shared_mu;
    eg_slot *shared; /* eg_scan_shared() data */
    size_t n_shared;
};

struct eg_scan {
    const eg_scanner *sc;
    const eg_scan_input *in;
    eg_report *r;
    const eg_limits *lim;
    uint8_t **owned; /* per object: malloc'd data to free at the end, or NULL */
    size_t cap_owned;
    uint64_t total_bytes;
    uint32_t pw_tries;
    struct timespec cpu_start;
    struct timespec wall_start;
    bool timed_out, hit_depth, hit_objects, hit_bytes, hit_pw, hit_findings, hit_iocs;
    eg_password *pw;
    size_t n_pw, cap_pw;
    eg_slot *slots;
    size_t n_slots;
};

/* ---- global ---------------------------------------------------------------------------- */

/* libgsf and GMime warn on stderr about every damaged structure they meet; for a scanner of
 * hostile files that is noise in the report and in the milter's log, so their messages go to
 * the debug log. Damage that matters is reported as findings by the analyzers. */
static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer ud)
{
    (void)level;
    (void)ud;
    eg_log(EG_LOG_DEBUG, "%s: %s", domain ? domain : "glib", msg ? msg : "");
}

eg_status eg_global_init(void)
{
    g_mime_init();
    /* GLib matches log domains exactly: libgsf's readers log under their own sub-domains
     * ("libgsf:msole" for every OLE2 warning and failed g_return_if_fail) */
    static const char *const domains[] = {
        "libgsf", "libgsf:msole", "libgsf:zip", "libgsf:tar", "libgsf:open_pkg", "GMime", "gmime"};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        g_log_set_handler(domains[i], G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          glib_log, NULL);
    /* libgsf's core (gsf-infile.c, gsf-input.c, gsf-msole-utils.c) defines no log domain at all:
     * its "Unable to get child" and g_return_if_fail messages come under the default one */
    g_log_set_handler(NULL, G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, glib_log,
                      NULL);
    return EG_OK;
}

void eg_global_shutdown(void)
{
    g_mime_shutdown();
}

/* ---- scanner --------------------------------------------------------------------------- */

eg_status eg_scanner_new(const eg_options *opt, eg_scanner **out, char *err, size_t errlen)
{
    *out = NULL;
    eg_scanner *sc = calloc(1, sizeof *sc);
    if (!sc)
        return EG_ENOMEM;
    if (opt)
        sc->opt = *opt;
    else
        eg_options_default(&sc->opt);
    eg_status st = eg_intel_load(&sc->opt, &sc->intel, err, errlen);
    if (st != EG_OK) {
        free(sc);
        return st;
    }
    pthread_mutex_init(&sc->shared_mu, NULL);
    *out = sc;
    return EG_OK;
}

void eg_scanner_free(eg_scanner *sc)
{
    if (!sc)
        return;
    eg_intel_free(sc->intel);
    for (size_t i = 0; i < sc->n_shared; i++)
        if (sc->shared[i].free_fn)
            sc->shared[i].free_fn(sc->shared[i].data);
    free(sc->shared);
    pthread_mutex_destroy(&sc->shared_mu);
    free(sc);
}

void *eg_scan_shared(eg_scan *s, const void *tag,
                     eg_status (*create)(const eg_options *opt, void **out),
                     void (*free_fn)(void *))
{
    eg_scanner *sc = (eg_scanner *)s->sc;
    void *data = NULL;
    pthread_mutex_lock(&sc->shared_mu);
    for (size_t i = 0; i < sc->n_shared; i++) {
        if (sc->shared[i].tag == tag) {
            data = sc->shared[i].data;
            goto out;
        }
    }
    eg_slot *n = realloc(sc->shared, (sc->n_shared + 1) * sizeof *n);
    if (!n)
        goto out;
    sc->shared = n;
    if (create(&sc->opt, &data) != EG_OK || !data) {
        data = NULL;
        goto out;
    }
    sc->shared[sc->n_shared++] = (eg_slot){tag, data, free_fn};
out:
    pthread_mutex_unlock(&sc->shared_mu);
    return data;
}

/* ---- accessors for analyzers ------------------------------------------------------------ */

const eg_limits *eg_scan_limits(const eg_scan *s)
{
    return s->lim;
}
const eg_options *eg_scan_options(const eg_scan *s)
{
    return &s->sc->opt;
}
const eg_scan_input *eg_scan_input_of(const eg_scan *s)
{
    return s->in;
}

void eg_scan_set_mail_info(eg_scan *s, const eg_object *obj, eg_mail_info *mi)
{
    if (obj && obj->parent < 0)
        eg_report_set_mail(s->r, mi);
    else
        eg_mail_info_free(mi);
}

const eg_object *eg_scan_object(const eg_scan *s, uint32_t id)
{
    return id < s->r->n_objects ? s->r->objects[id] : NULL;
}

static uint32_t obj_id(const eg_object *o)
{
    return o ? o->id : 0;
}

/* ---- findings -------------------------------------------------------------------------- */

void eg_scan_vfinding(eg_scan *s, const eg_object *obj, eg_rule_id rule, const char *fmt,
                      va_list ap)
{
    if ((int)rule < 0 || rule >= EG_R__COUNT)
        return;
    char *ev = NULL, *ev_ja = NULL;
    if (fmt) {
        /* the Japanese form is read from the same arguments before vprintf uses them up */
        char *ja = eg_evidence_vformat_ja(fmt, ap);
        if (ja) {
            ev_ja = eg_utf8_sanitize(ja, strlen(ja), EG_EVIDENCE_JA_MAX, false);
            free(ja);
        }
        eg_buf b;
        eg_buf_init(&b, 4096);
        eg_buf_vprintf(&b, fmt, ap);
        ev = eg_utf8_sanitize(b.data ? (char *)b.data : "", b.len, EG_EVIDENCE_MAX, false);
        eg_buf_free(&b);
    }
    uint32_t id = obj_id(obj);
    if (eg_report_has_finding(s->r, (int)rule, id, ev)) {
        free(ev), free(ev_ja);
        return;
    }
    if (s->r->n_findings >= s->lim->max_findings) {
        free(ev), free(ev_ja);
        if (!s->hit_findings) {
            s->hit_findings = true;
            /* one slot over the cap so the cut itself is visible */
            eg_report_add_finding(s->r, EG_R_LIMIT_FINDINGS, 0, NULL);
        }
        return;
    }
    eg_report_add_finding_ja(s->r, (int)rule, id, ev, ev_ja);
}

void eg_scan_finding(eg_scan *s, const eg_object *obj, eg_rule_id rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_scan_vfinding(s, obj, rule, fmt, ap);
    va_end(ap);
}

bool eg_scan_has_finding(const eg_scan *s, eg_rule_id rule)
{
    for (size_t i = 0; i < s->r->n_findings; i++)
        if (s->r->findings[i].rule == (int)rule)
            return true;
    return false;
}

/* ---- IOCs ------------------------------------------------------------------------------ */

void eg_scan_ioc(eg_scan *s, const eg_object *obj, eg_ioc_kind kind, const char *value, size_t len)
{
    if (len == 0 || len > 2048)
        return;
    if (s->r->n_iocs >= EG_MAX_IOCS) {
        s->hit_iocs = true;
        return;
    }
    char *v = eg_utf8_sanitize(value, len, 2048, false);
    if (!v)
        return;
    size_t before = s->r->n_iocs;
    eg_report_add_ioc(s->r, kind, obj_id(obj), v);
    /* match only new indicators: the same URL in ten parts is one lookup */
    if (s->r->n_iocs > before && s->sc->intel)
        eg_intel_ioc(s->sc->intel, s, obj, kind, v);
    free(v);
}

static bool ioc_cb(void *ud, eg_ioc_kind kind, const char *v, size_t n)
{
    void **a = ud;
    eg_scan_ioc(a[0], a[1], kind, v, n);
    return ((eg_scan *)a[0])->r->n_iocs < EG_MAX_IOCS;
}

void eg_scan_iocs_from_text(eg_scan *s, const eg_object *obj, const char *text, size_t len)
{
    void *ud[2] = {s, (void *)obj};
    eg_urls_extract(text, len, ioc_cb, ud);
}

/* ---- budgets --------------------------------------------------------------------------- */

static void limit_once(eg_scan *s, bool *flag, const eg_object *obj, eg_rule_id rule,
                       const char *ev)
{
    if (*flag)
        return;
    *flag = true;
    eg_scan_finding(s, obj, rule, "%s", ev);
}

eg_status eg_scan_charge(eg_scan *s, const eg_object *obj, uint64_t n)
{
    uint64_t t;
    if (eg_add64_ovf(s->total_bytes, n, &t) || t > s->lim->max_total_bytes) {
        char ev[96];
        snprintf(ev, sizeof ev, "more than %llu bytes decoded in this mail",
                 (unsigned long long)s->lim->max_total_bytes);
        limit_once(s, &s->hit_bytes, obj, EG_R_LIMIT_BYTES, ev);
        s->total_bytes = s->lim->max_total_bytes;
        return EG_ELIMIT;
    }
    s->total_bytes = t;
    return EG_OK;
}

uint64_t eg_scan_budget(const eg_scan *s)
{
    uint64_t left = s->lim->max_total_bytes - s->total_bytes;
    return left < s->lim->max_object_bytes ? left : s->lim->max_object_bytes;
}

static uint64_t cpu_ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    int64_t ms = (int64_t)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
    return ms < 0 ? 0 : (uint64_t)ms;
}

/* A thread's CPU time is a system call on Linux, the monotonic clock is not; and a scan cannot
 * have used more CPU time than wall time since it began. So the CPU clock is read only once the
 * wall clock says the limit might be reached: parsers call this in their loops. */
bool eg_scan_timed_out(eg_scan *s, const eg_object *obj)
{
    if (s->timed_out)
        return true;
    struct timespec w;
    clock_gettime(CLOCK_MONOTONIC, &w);
    int64_t wall_ms = (int64_t)(w.tv_sec - s->wall_start.tv_sec) * 1000 +
                      (w.tv_nsec - s->wall_start.tv_nsec) / 1000000;
    if (wall_ms <= (int64_t)s->lim->max_cpu_ms)
        return false;
    if (cpu_ms_since(&s->cpu_start) <= s->lim->max_cpu_ms)
        return false;
    char ev[64];
    snprintf(ev, sizeof ev, "more than %u ms of CPU time", s->lim->max_cpu_ms);
    limit_once(s, &s->timed_out, obj, EG_R_LIMIT_TIME, ev);
    return true;
}

/* ---- passwords ------------------------------------------------------------------------- */

void eg_scan_add_password(eg_scan *s, const char *value, size_t len, int priority,
                          const char *origin)
{
    if (len == 0 || len > 256 || s->n_pw >= EG_MAX_PASSWORDS)
        return;
    for (size_t i = 0; i < s->n_pw; i++) {
        if (strlen(s->pw[i].value) == len && !memcmp(s->pw[i].value, value, len)) {
            if (priority < s->pw[i].priority) { /* a better-labelled sighting wins */
                s->pw[i].priority = priority;
                char *o = eg_strdup(origin ? origin : "");
                if (o) {
                    free(s->pw[i].origin);
                    s->pw[i].origin = o;
                }
            }
            return;
        }
    }
    if (s->n_pw == s->cap_pw) {
        size_t nc = s->cap_pw ? s->cap_pw * 2 : 16;
        eg_password *p = realloc(s->pw, nc * sizeof *p);
        if (!p)
            return;
        s->pw = p;
        s->cap_pw = nc;
    }
    char *v = eg_strndup(value, len), *o = eg_strdup(origin ? origin : "");
    if (!v || !o) {
        free(v);
        free(o);
        return;
    }
    /* insertion keeps the list sorted by priority, stable for equal ones */
    size_t at = s->n_pw;
    while (at > 0 && s->pw[at - 1].priority > priority)
        at--;
    memmove(&s->pw[at + 1], &s->pw[at], (s->n_pw - at) * sizeof *s->pw);
    s->pw[at] = (eg_password){v, o, priority};
    s->n_pw++;
}

size_t eg_scan_password_count(const eg_scan *s)
{
    return s->n_pw;
}

const eg_password *eg_scan_password_at(const eg_scan *s, size_t i)
{
    return i < s->n_pw ? &s->pw[i] : NULL;
}

bool eg_scan_password_try(eg_scan *s, const eg_object *obj)
{
    if (s->pw_tries >= s->lim->max_password_tries) {
        char ev[64];
        snprintf(ev, sizeof ev, "%u password tries", s->lim->max_password_tries);
        limit_once(s, &s->hit_pw, obj, EG_R_LIMIT_PASSWORDS, ev);
        return false;
    }
    s->pw_tries++;
    return true;
}

/* ---- scratch slots --------------------------------------------------------------------- */

void *eg_scan_get_data(const eg_scan *s, const void *tag)
{
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->slots[i].tag == tag)
            return s->slots[i].data;
    return NULL;
}

eg_status eg_scan_set_data(eg_scan *s, const void *tag, void *data, void (*free_fn)(void *))
{
    for (size_t i = 0; i < s->n_slots; i++) {
        if (s->slots[i].tag == tag) {
            if (s->slots[i].free_fn && s->slots[i].data != data)
                s->slots[i].free_fn(s->slots[i].data);
            s->slots[i].data = data;
            s->slots[i].free_fn = free_fn;
            return EG_OK;
        }
    }
    eg_slot *n = realloc(s->slots, (s->n_slots + 1) * sizeof *n);
    if (!n) {
        if (free_fn)
            free_fn(data);
        return EG_ENOMEM;
    }
    s->slots = n;
    s->slots[s->n_slots++] = (eg_slot){tag, data, free_fn};
    return EG_OK;
}

/* ---- objects --------------------------------------------------------------------------- */

static eg_status track_owned(eg_scan *s, uint32_t id, uint8_t *data)
{
    if (id >= s->cap_owned) {
        size_t nc = s->cap_owned ? s->cap_owned * 2 : 64;
        while (nc <= id)
            nc *= 2;
        uint8_t **p = realloc(s->owned, nc * sizeof *p);
        if (!p)
            return EG_ENOMEM;
        memset(p + s->cap_owned, 0, (nc - s->cap_owned) * sizeof *p);
        s->owned = p;
        s->cap_owned = nc;
    }
    s->owned[id] = data;
    return EG_OK;
}

static eg_object *new_object(eg_scan *s, const eg_child *c, int32_t parent, uint32_t depth)
{
    eg_object *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->id = (uint32_t)s->r->n_objects;
    o->parent = parent;
    o->depth = depth;
    const char *nm = c->name ? c->name : "(unnamed)";
    o->name = eg_utf8_sanitize(nm, strlen(nm), 512, false);
    o->size = c->size;
    o->size_true = c->size_true ? c->size_true : c->size;
    o->flags = c->flags;
    if (c->password)
        o->password = eg_utf8_sanitize(c->password, strlen(c->password), 512, false);
    if (c->password_origin)
        o->password_origin =
            eg_utf8_sanitize(c->password_origin, strlen(c->password_origin), 512, false);
    const char *detail = c->detail;
    o->type = c->type;
    if (o->type == EG_T_UNKNOWN)
        o->type = eg_detect_type(c->data, c->size, nm, detail ? NULL : &detail);
    if (detail)
        o->detail = eg_utf8_sanitize(detail, strlen(detail), 256, false);
    eg_sha256(c->data, c->size, o->sha256);
    if (c->sha256_sent && memcmp(c->sha256_sent, o->sha256, sizeof o->sha256)) {
        memcpy(o->content_sha256, o->sha256, sizeof o->sha256);
        memcpy(o->sha256, c->sha256_sent, sizeof o->sha256);
        o->has_content_sha256 = true;
    }
    if (!o->name) {
        eg_object_free(o);
        return NULL;
    }
    return o;
}

/* A cut object keeps LIMIT.BYTES on itself: what was cut off was not inspected, so the mail is
 * suspicious at least, and the report shows which object lost what. */
static void note_cut(eg_scan *s, const eg_object *o)
{
    /* what was cut off was not inspected: never clean (a ZIP behind 65 MB of junk loses its
     * central directory to the cut); collapsed padding is no cut */
    if ((o->flags & EG_OBJ_TRUNCATED) && !(o->flags & EG_OBJ_PADDED) && o->size_true > o->size)
        eg_scan_finding(s, o, EG_R_LIMIT_BYTES, "cut at %llu of %llu bytes",
                        (unsigned long long)o->size, (unsigned long long)o->size_true);
}

eg_status eg_scan_add_child(eg_scan *s, const eg_object *parent, const eg_child *c,
                            uint32_t *child_id)
{
    uint8_t *owned = c->owned ? (uint8_t *)c->data : NULL;
    eg_status st = EG_ELIMIT;
    uint32_t depth = parent ? parent->depth + 1 : 0;
    char ev[160];
    if (depth > s->lim->max_depth) {
        snprintf(ev, sizeof ev, "deeper than %u levels", s->lim->max_depth);
        limit_once(s, &s->hit_depth, parent, EG_R_LIMIT_DEPTH, ev);
        goto fail;
    }
    if (s->r->n_objects >= s->lim->max_objects) {
        snprintf(ev, sizeof ev, "more than %u objects", s->lim->max_objects);
        limit_once(s, &s->hit_objects, parent, EG_R_LIMIT_OBJECTS, ev);
        goto fail;
    }
    eg_child cc = *c;
    if (cc.size > s->lim->max_object_bytes) {
        /* over the per-object cap: the beginning is kept and analysed, the cut is a finding */
        uint64_t whole = cc.size_true > cc.size ? cc.size_true : cc.size;
        cc.size = (size_t)s->lim->max_object_bytes;
        cc.size_true = whole;
        cc.flags |= EG_OBJ_TRUNCATED;
    }
    if (!owned && cc.size) {
        /* copies count against the scan's byte budget like decoded output does */
        if ((st = eg_scan_charge(s, parent, cc.size)) != EG_OK)
            goto fail;
        owned = malloc(cc.size);
        if (!owned) {
            st = EG_ENOMEM;
            goto fail;
        }
        memcpy(owned, c->data, cc.size);
    }
    cc.data = owned;
    eg_object *o = new_object(s, &cc, parent ? (int32_t)parent->id : -1, depth);
    if (!o) {
        st = EG_ENOMEM;
        goto fail;
    }
    o->data = owned;
    uint32_t id = o->id;
    if ((st = track_owned(s, id, owned)) != EG_OK) {
        eg_object_free(o);
        goto fail;
    }
    if ((st = eg_report_add_object(s->r, o)) != EG_OK) {
        s->owned[id] = NULL;
        goto fail;
    }
    note_cut(s, o);
    if (child_id)
        *child_id = id;
    return EG_OK;
fail:
    free(owned);
    return st;
}

/* ---- the loop -------------------------------------------------------------------------- */

static void run_analyzer(eg_scan *s, eg_object *o)
{
    const char *aname = NULL;
    eg_analyzer_fn fn = eg_dispatch_find(o->type, &aname);
    if (!fn)
        return;
    eg_status st = fn(s, o);
    switch (st) {
    case EG_OK:
    case EG_ELIMIT: /* the limit was recorded where it was hit */
    case EG_ETIME: break;
    case EG_EFORMAT:
    case EG_EUNSUPPORTED:
        eg_scan_finding(s, o, EG_R_PARSE_ERROR, "%s analyzer: %s", aname, eg_status_str(st));
        break;
    default:
        eg_log(EG_LOG_WARN, "%s: %s analyzer failed on object %u: %s", s->r->source, aname, o->id,
               eg_status_str(st));
        eg_scan_finding(s, o, EG_R_PARSE_ERROR, "%s analyzer: %s", aname, eg_status_str(st));
        break;
    }
}

static void process(eg_scan *s, eg_object *o)
{
    if (o->parent >= 0) {
        eg_names_check(s, o);
        /* padding hides any type (the 2023 .doc padded to 500 MB): checked for every object,
         * cheaply, from the end */
        size_t content = (size_t)o->size;
        eg_payload_check_padding(s, o, &content);
        /* padding at the end of the object's own bytes: sha256 stays the file as sent, the
         * content in front that is analysed gets its own hash */
        if (content < o->size && o->data && !o->has_content_sha256) {
            eg_sha256(o->data, content, o->content_sha256);
            o->has_content_sha256 = true;
        }
    }
    if (s->sc->intel)
        eg_intel_object(s->sc->intel, s, o);
    if (s->in->on_object)
        s->in->on_object(s->in->on_object_ud, o);
    run_analyzer(s, o);
}

static void scan_free_state(eg_scan *s)
{
    for (size_t i = 0; i < s->cap_owned; i++)
        free(s->owned[i]);
    free(s->owned);
    for (size_t i = 0; i < s->n_pw; i++) {
        free(s->pw[i].value);
        free(s->pw[i].origin);
    }
    free(s->pw);
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->slots[i].free_fn)
            s->slots[i].free_fn(s->slots[i].data);
    free(s->slots);
}

static void summarise_passwords(eg_scan *s)
{
    if (!s->n_pw)
        return;
    eg_buf b;
    eg_buf_init(&b, 2048);
    if (!s->r->password_list)
        s->r->password_list = calloc(5, sizeof *s->r->password_list);
    for (size_t i = 0; i < s->n_pw && i < 5; i++) {
        if (s->pw[i].priority >= 90) /* bracketed words and fallback tokens are noise here */
            break;
        eg_buf_printf(&b, "%s%s", i ? ", " : "", s->pw[i].value);
        char *q = s->r->password_list && s->r->n_password_list < 5
                      ? eg_utf8_sanitize(s->pw[i].value, strlen(s->pw[i].value), 128, false)
                      : NULL;
        if (q)
            s->r->password_list[s->r->n_password_list++] = q;
    }
    if (b.len)
        s->r->passwords_summary = eg_utf8_sanitize((char *)b.data, b.len, 512, false);
    eg_buf_free(&b);
}

static void seed_passwords(eg_scan *s)
{
    const eg_options *o = &s->sc->opt;
    for (size_t i = 0; i < o->n_passwords; i++)
        eg_scan_add_password(s, o->passwords[i], strlen(o->passwords[i]), 0, "--password");
    for (size_t i = 0; i < s->in->n_passwords; i++)
        eg_scan_add_password(s, s->in->passwords[i], strlen(s->in->passwords[i]), 1,
                             s->in->passwords_origin ? s->in->passwords_origin : "related mail");
}

eg_status eg_scanner_scan(eg_scanner *sc, const eg_scan_input *in, eg_report **out)
{
    *out = NULL;
    if (!sc || !in || (!in->data && in->len))
        return EG_EINVAL;
    eg_scan s = {0};
    s.sc = sc;
    s.in = in;
    s.lim = &sc->opt.limits;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &s.cpu_start);
    struct timespec wall0, wall1;
    clock_gettime(CLOCK_MONOTONIC, &wall0);
    s.wall_start = wall0;
    s.r = eg_report_new(in->source);
    if (!s.r)
        return EG_ENOMEM;
    seed_passwords(&s);

    size_t len = in->len;
    bool cut = len > s.lim->max_input;
    if (cut)
        len = (size_t)s.lim->max_input;
    const char *root_name = in->source ? in->source : "-";
    const char *slash = strrchr(root_name, '/');
    eg_child root = {.name = slash ? slash + 1 : root_name,
                     .data = in->data,
                     .size = len,
                     .owned = false,
                     .size_true = in->len};
    /* the root's type is decided here, not by eg_detect_type: a mail is a mail whatever its
     * header or body holds (see eg_detect_root_type) */
    if (len && in->is_mail)
        root.type = EG_T_MAIL;
    else if (len)
        root.type = eg_detect_root_type(in->data, len, root.name, &root.detail);
    /* the root is borrowed from the caller: no copy, no budget charge */
    eg_object *o = new_object(&s, &root, -1, 0);
    if (!o || eg_report_add_object(s.r, o) != EG_OK) {
        eg_report_free(s.r);
        scan_free_state(&s);
        return EG_ENOMEM;
    }
    o->data = in->data;
    if (cut) {
        o->flags |= EG_OBJ_TRUNCATED;
        eg_scan_finding(&s, o, EG_R_LIMIT_INPUT, "%llu bytes, limit %llu",
                        (unsigned long long)in->len, (unsigned long long)s.lim->max_input);
    }
    if (len == 0)
        eg_scan_finding(&s, o, EG_R_INPUT_EMPTY, NULL);
    else if (o->type != EG_T_MAIL)
        eg_scan_finding(&s, o, EG_R_INPUT_NOT_MAIL, "content is %s", eg_type_name(o->type));
    for (size_t i = 0; i < s.r->n_objects; i++) {
        if (eg_scan_timed_out(&s, s.r->objects[i]))
            break;
        process(&s, s.r->objects[i]);
    }
    summarise_passwords(&s);
    eg_verdict_compute(s.r);
    for (size_t i = 0; i < s.r->n_objects; i++)
        s.r->objects[i]->data = NULL; /* the bytes die with the scan */
    scan_free_state(&s);
    clock_gettime(CLOCK_MONOTONIC, &wall1);
    s.r->elapsed_ms =
        (double)(wall1.tv_sec - wall0.tv_sec) * 1e3 + (double)(wall1.tv_nsec - wall0.tv_nsec) / 1e6;
    *out = s.r;
    return EG_OK;
}
