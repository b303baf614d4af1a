/*
 * Intel: the scanner's hooks over IOC sets and YARA (see intel.h). Everything here is read-only
 * after load, so eg_intel_object/eg_intel_ioc run from any number of scanning threads without
 * locks; the only shared mutable state is libyara's reference count, kept in yrules.c.
 */
#include "intel/intel.h"

#include "core/log.h"
#include "core/sha256.h"
#include "core/strutil.h"
#include "intel/feed.h"
#include "intel/indicator.h"
#include "intel/iocset.h"
#include "intel/yrules.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FEEDS 4096

struct eg_intel {
    eg_iocset *set; /* NULL when no feed was given */
    char **feeds;
    eg_feed_format *formats;
    size_t n_feeds;
    eg_yrules *yara;
};

/* ---- loading --------------------------------------------------------------------------- */

typedef struct {
    eg_intel_diag_fn diag;
    void *ud;
    char *err;
    size_t errlen;
    size_t errors;
} load_ctx;

static void load_diag(void *ud, const char *file, uint32_t line, bool error, const char *msg)
{
    load_ctx *c = ud;
    if (error) {
        if (c->errors++ == 0) {
            if (line)
                snprintf(c->err, c->errlen, "%s:%u: %s", file, line, msg);
            else
                snprintf(c->err, c->errlen, "%s: %s", file, msg);
        }
    }
    if (c->diag) {
        c->diag(c->ud, file, line, error, msg);
        return;
    }
    if (line)
        eg_log(error ? EG_LOG_ERR : EG_LOG_WARN, "%s:%u: %s", file, line, msg);
    else
        eg_log(error ? EG_LOG_ERR : EG_LOG_WARN, "%s: %s", file, msg);
}

static eg_status load_feeds(eg_intel *in, const char *const *feeds, size_t n, load_ctx *lc)
{
    if (n > MAX_FEEDS) {
        snprintf(lc->err, lc->errlen, "more than %d feed files", MAX_FEEDS);
        return EG_ELIMIT;
    }
    eg_feed_limits lim;
    eg_feed_limits_default(&lim);
    in->feeds = calloc(n, sizeof *in->feeds);
    in->formats = calloc(n, sizeof *in->formats);
    if (!in->feeds || !in->formats)
        return EG_ENOMEM;
    eg_status st = eg_iocset_new(lim.max_entries, &in->set);
    for (size_t i = 0; st == EG_OK && i < n; i++) {
        if (!(in->feeds[i] = eg_strdup(feeds[i])))
            return EG_ENOMEM;
        in->n_feeds = i + 1;
        eg_feed_ctx fc = {in->set, (uint16_t)i, feeds[i], (const char *const *)in->feeds, i,
                          &lim, load_diag, lc};
        eg_feed_stats fs;
        st = eg_feed_load(&fc, feeds[i], &fs);
        in->formats[i] = fs.format;
        if (st == EG_OK && !lc->diag)
            eg_log(EG_LOG_INFO, "%s: %s, %zu indicators added, %zu duplicates", feeds[i],
                   eg_feed_format_name(fs.format),
                   fs.added[EG_IK_SHA256] + fs.added[EG_IK_SHA1] + fs.added[EG_IK_MD5] + fs.added[EG_IK_URL] +
                       fs.added[EG_IK_DOMAIN] + fs.added[EG_IK_IP] + fs.added[EG_IK_IPPORT] +
                       fs.added[EG_IK_EMAIL],
                   fs.duplicates);
    }
    if (st != EG_OK && lc->errors > 1) {
        size_t used = strlen(lc->err);
        if (used + 40 < lc->errlen)
            snprintf(lc->err + used, lc->errlen - used, " (and %zu more errors)", lc->errors - 1);
    }
    return st;
}

eg_status eg_intel_load_ex(const char *const *feeds, size_t n_feeds, const char *yara_rules,
                           eg_intel_diag_fn diag, void *ud, eg_intel **out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = 0;
    *out = NULL;
    eg_intel *in = calloc(1, sizeof *in);
    if (!in)
        return EG_ENOMEM;
    load_ctx lc = {diag, ud, err, errlen, 0};
    eg_status st = EG_OK;
    if (n_feeds)
        st = load_feeds(in, feeds, n_feeds, &lc);
    if (st == EG_OK && yara_rules && *yara_rules)
        st = eg_yrules_load(yara_rules, &in->yara, load_diag, &lc, NULL, 0);
    if (st != EG_OK) {
        if (!err[0])
            snprintf(err, errlen, "intel: %s", eg_status_str(st));
        eg_intel_free(in);
        return st;
    }
    *out = in;
    return EG_OK;
}

eg_status eg_intel_load(const eg_options *opt, eg_intel **out, char *err, size_t errlen)
{
    return eg_intel_load_ex(opt->ioc_files, opt->ioc_files ? opt->n_ioc_files : 0, opt->yara_rules, NULL,
                            NULL, out, err, errlen);
}

void eg_intel_free(eg_intel *in)
{
    if (!in)
        return;
    eg_iocset_free(in->set);
    for (size_t i = 0; i < in->n_feeds; i++)
        free(in->feeds[i]);
    free(in->feeds);
    free(in->formats);
    eg_yrules_free(in->yara);
    free(in);
}

/* ---- lookups --------------------------------------------------------------------------- */

typedef struct {
    eg_intel_match_fn cb;
    void *ud;
    size_t n;
} look;

static void report(const eg_intel *in, const eg_ikey *k, const eg_ioc_hit *h, look *l)
{
    char v[EG_IKEY_MAX];
    eg_ikey_format(k, v, sizeof v);
    eg_intel_match m = {eg_ikind_name(k->kind),
                        v,
                        h->feed < in->n_feeds ? in->feeds[h->feed] : "?",
                        h->line,
                        h->feed < in->n_feeds ? eg_feed_format_name(in->formats[h->feed]) : "?",
                        h->note};
    l->n++;
    if (l->cb)
        l->cb(l->ud, &m);
}

static void find(const eg_intel *in, const eg_ikey *k, look *l)
{
    eg_ioc_hit h;
    if (eg_iocset_find(in->set, k, &h))
        report(in, k, &h, l);
}

/* The host and each parent domain with at least two labels. */
static void find_domains(const eg_intel *in, const char *host, look *l)
{
    if (!eg_iocset_count(in->set, EG_IK_DOMAIN))
        return;
    for (const char *d = host; d && strchr(d, '.');) {
        eg_ikey k;
        if (eg_ikey_make(EG_IK_DOMAIN, d, strlen(d), &k))
            find(in, &k, l);
        d = strchr(d, '.');
        if (d)
            d++;
    }
}

static void find_ip(const eg_intel *in, const char *ip, unsigned port, look *l)
{
    eg_ikey k;
    if (eg_ikey_make(EG_IK_IP, ip, strlen(ip), &k))
        find(in, &k, l);
    if (port) {
        char buf[96];
        int n = snprintf(buf, sizeof buf, strchr(ip, ':') ? "[%s]:%u" : "%s:%u", ip, port);
        if (eg_ikey_make(EG_IK_IPPORT, buf, (size_t)n, &k))
            find(in, &k, l);
    }
}

/* Exact key, then what it implies (see intel.h). */
static void lookup_key(const eg_intel *in, const eg_ikey *k, look *l)
{
    if (!in || !in->set)
        return;
    find(in, k, l);
    char host[300];
    const char *body = (const char *)k->k + 1;
    size_t blen = k->len - 1;
    if (k->kind == EG_IK_URL) {
        bool is_ip;
        unsigned port;
        if (eg_ikey_url_host(k, host, sizeof host, &is_ip, &port)) {
            if (is_ip)
                find_ip(in, host, port, l);
            else
                find_domains(in, host, l);
        }
    } else if (k->kind == EG_IK_DOMAIN && blen < sizeof host) {
        memcpy(host, body, blen);
        host[blen] = 0;
        const char *dot = strchr(host, '.');
        if (dot)
            find_domains(in, dot + 1, l); /* the host itself was the exact lookup */
    } else if (k->kind == EG_IK_IPPORT && blen < sizeof host) {
        memcpy(host, body, blen);
        host[blen] = 0;
        char *c = strrchr(host, ':');
        if (c) {
            *c = 0;
            char *ip = host;
            if (ip[0] == '[') {
                ip++;
                char *rb = strchr(ip, ']');
                if (rb)
                    *rb = 0;
            }
            eg_ikey ik;
            if (eg_ikey_make(EG_IK_IP, ip, strlen(ip), &ik))
                find(in, &ik, l);
        }
    } else if (k->kind == EG_IK_EMAIL) {
        const char *at = memrchr(body, '@', blen);
        size_t dl = at ? blen - (size_t)(at + 1 - body) : 0;
        if (at && dl < sizeof host) {
            memcpy(host, at + 1, dl);
            host[dl] = 0;
            find_domains(in, host, l);
        }
    }
}

static eg_ikind ioc_ikind(eg_ioc_kind kind)
{
    switch (kind) {
    case EG_IOC_URL: return EG_IK_URL;
    case EG_IOC_DOMAIN: return EG_IK_DOMAIN;
    case EG_IOC_IP: return EG_IK_IP;
    case EG_IOC_IPPORT: return EG_IK_IPPORT;
    case EG_IOC_EMAIL: return EG_IK_EMAIL;
    }
    return EG_IK_NONE;
}

size_t eg_intel_lookup_ioc(const eg_intel *in, eg_ioc_kind kind, const char *value, eg_intel_match_fn cb,
                           void *ud)
{
    look l = {cb, ud, 0};
    eg_ikey k;
    if (!in || !in->set || !value)
        return 0;
    size_t n = strlen(value);
    if (eg_ikey_make(ioc_ikind(kind), value, n, &k) || eg_ikey_guess(value, n, &k))
        lookup_key(in, &k, &l);
    return l.n;
}

size_t eg_intel_lookup_value(const eg_intel *in, const char *value, bool *valid, eg_intel_match_fn cb,
                             void *ud)
{
    look l = {cb, ud, 0};
    eg_ikey k;
    *valid = eg_ikey_guess(value, strlen(value), &k);
    if (*valid)
        lookup_key(in, &k, &l);
    return l.n;
}

static void digest(const EVP_MD *md, const uint8_t *d, size_t n, uint8_t *out)
{
    unsigned int ol = 0;
    if (EVP_Digest(d, n, out, &ol, md, NULL) != 1)
        memset(out, 0, 32);
}

static void lookup_hashes(const eg_intel *in, const uint8_t *data, size_t len, const uint8_t *sha256,
                          look *l)
{
    if (!in || !in->set || len == 0)
        return; /* the empty file's hash is in many feeds by mistake */
    eg_ikey k;
    uint8_t d[32];
    if (eg_iocset_count(in->set, EG_IK_SHA256)) {
        if (!sha256) {
            eg_sha256(data, len, d);
            sha256 = d;
        }
        eg_ikey_digest(EG_IK_SHA256, sha256, 32, &k);
        find(in, &k, l);
    }
    if (eg_iocset_count(in->set, EG_IK_SHA1) && data) {
        digest(EVP_sha1(), data, len, d);
        eg_ikey_digest(EG_IK_SHA1, d, 20, &k);
        find(in, &k, l);
    }
    if (eg_iocset_count(in->set, EG_IK_MD5) && data) {
        digest(EVP_md5(), data, len, d);
        eg_ikey_digest(EG_IK_MD5, d, 16, &k);
        find(in, &k, l);
    }
}

size_t eg_intel_lookup_bytes(const eg_intel *in, const uint8_t *data, size_t len, eg_intel_match_fn cb,
                             void *ud)
{
    look l = {cb, ud, 0};
    lookup_hashes(in, data, len, NULL, &l);
    return l.n;
}

typedef struct {
    eg_intel_yara_fn cb;
    void *ud;
} yara_fw;

static void yara_forward(void *ud, const eg_yrules_match *m)
{
    yara_fw *f = ud;
    eg_intel_yara_hit h = {m->rule, m->ns, m->tags, m->meta, m->severity, m->has_severity};
    f->cb(f->ud, &h);
}

eg_status eg_intel_yara(const eg_intel *in, const uint8_t *data, size_t len, const eg_object *obj,
                        int timeout_s, eg_intel_yara_fn cb, void *ud)
{
    if (!in || !in->yara)
        return EG_OK;
    yara_fw f = {cb, ud};
    return eg_yrules_scan(in->yara, data, len, obj, timeout_s, yara_forward, &f);
}

size_t eg_intel_count(const eg_intel *in, const char *kind)
{
    for (int k = EG_IK_SHA256; k < EG_IK_NOTE; k++)
        if (!strcmp(eg_ikind_name((eg_ikind)k), kind))
            return in ? eg_iocset_count(in->set, (eg_ikind)k) : 0;
    return 0;
}

size_t eg_intel_indicators(const eg_intel *in) { return in ? eg_iocset_total(in->set) : 0; }
size_t eg_intel_rules(const eg_intel *in) { return in ? eg_yrules_count(in->yara) : 0; }

/* ---- scanner hooks --------------------------------------------------------------------- */

typedef struct {
    eg_scan *s;
    const eg_object *obj;
    const char *seen; /* the value as the mail had it, NULL for hashes */
} hook;

static eg_rule_id rule_for(const char *kind)
{
    if (!strcmp(kind, "url"))
        return EG_R_INTEL_URL;
    if (!strcmp(kind, "domain"))
        return EG_R_INTEL_DOMAIN;
    if (!strcmp(kind, "ip") || !strcmp(kind, "ip-port"))
        return EG_R_INTEL_IP;
    if (!strcmp(kind, "email"))
        return EG_R_INTEL_ADDRESS;
    return EG_R_INTEL_HASH;
}

static void hook_match(void *ud, const eg_intel_match *m)
{
    hook *h = ud;
    const char *feed = strrchr(m->feed, '/');
    feed = feed ? feed + 1 : m->feed;
    const char *note = m->note ? m->note : "";
    const char *sep = m->note ? "; " : "";
    if (!h->seen || !strcmp(h->seen, m->value))
        eg_scan_finding(h->s, h->obj, rule_for(m->kind), "%s \"%s\" listed in \"%s\":%u (%s%s%s)",
                        m->kind, m->value, feed, m->line, m->format, sep, note);
    else
        eg_scan_finding(h->s, h->obj, rule_for(m->kind),
                        "\"%s\" (%s \"%s\") listed in \"%s\":%u (%s%s%s)", h->seen, m->kind,
                        m->value, feed, m->line, m->format, sep, note);
}

static eg_rule_id yara_rule(const eg_intel_yara_hit *y)
{
    if (!y->has_severity)
        return EG_R_INTEL_YARA;
    switch (y->severity) {
    case EG_SEV_CRITICAL: return EG_R_INTEL_YARA_CRITICAL;
    case EG_SEV_HIGH: return EG_R_INTEL_YARA;
    case EG_SEV_MEDIUM: return EG_R_INTEL_YARA_MEDIUM;
    case EG_SEV_LOW: return EG_R_INTEL_YARA_LOW;
    default: return EG_R_INTEL_YARA_INFO;
    }
}

static void hook_yara(void *ud, const eg_intel_yara_hit *y)
{
    hook *h = ud;
    eg_scan_finding(h->s, h->obj, yara_rule(y), "\"%s\" (\"%s\")%s%s%s%s", y->rule, y->file,
                    y->tags[0] ? " tags: " : "", y->tags, y->meta[0] ? "; " : "", y->meta);
}

void eg_intel_object(const eg_intel *in, eg_scan *s, const eg_object *obj)
{
    if (!in || !obj || !obj->data || obj->size == 0)
        return;
    hook h = {s, obj, NULL};
    look l = {hook_match, &h, 0};
    lookup_hashes(in, obj->data, (size_t)obj->size, obj->sha256, &l);
    /* a padded file: feeds list the file as sent (sha256 above), some also the content that is
     * left once the padding is gone */
    if (obj->has_content_sha256 && in->set && eg_iocset_count(in->set, EG_IK_SHA256)) {
        eg_ikey k;
        eg_ikey_digest(EG_IK_SHA256, obj->content_sha256, 32, &k);
        find(in, &k, &l);
    }
    if (!in->yara || eg_scan_timed_out(s, obj))
        return;
    const eg_limits *lim = eg_scan_limits(s);
    int timeout = lim && lim->max_cpu_ms ? (int)((lim->max_cpu_ms + 999) / 1000) : 0;
    eg_status st = eg_intel_yara(in, obj->data, (size_t)obj->size, obj, timeout, hook_yara, &h);
    if (st == EG_ETIME)
        eg_scan_finding(s, obj, EG_R_INTEL_YARA_INCOMPLETE, "YARA stopped after %d s on this object", timeout);
    else if (st == EG_ELIMIT)
        eg_scan_finding(s, obj, EG_R_INTEL_YARA_INCOMPLETE, "YARA gave up: too many string matches");
    else if (st != EG_OK)
        eg_log(EG_LOG_WARN, "YARA scan of object %u failed: %s", obj->id, eg_status_str(st));
}

void eg_intel_ioc(const eg_intel *in, eg_scan *s, const eg_object *obj, eg_ioc_kind kind, const char *value)
{
    if (!in || !in->set || !value)
        return;
    hook h = {s, obj, value};
    eg_intel_lookup_ioc(in, kind, value, hook_match, &h);
}
