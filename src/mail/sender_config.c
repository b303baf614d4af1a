/*
 * Loading the sender checks' configuration (sender.h, sender_config.h): the domain lists and
 * organisation words from the data directory, own and partner domains and trusted authserv-ids
 * from the options, the known correspondents file. Lists are bounded (4,096 organisation words,
 * the limits of sender_lists.c); a list missing from the default directory is logged and left
 * empty, one the options name explicitly is an error.
 */
#include "mail/sender_config.h"

#include "core/log.h"
#include "core/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>

/* EG_DATA_DIR is the installed directory (CMake: <datadir>/emoguard/data). A build that may run
 * from its tree also gets EG_SOURCE_DATA_DIR, used only while nothing is installed there. */
#ifndef EG_DATA_DIR
#define EG_DATA_DIR "data"
#endif

const char *eg_sender_default_data_dir(void)
{
    /* read once per scanner build, never while scans run: getenv is not raced by setenv here */
    const char *env = getenv("EMOGUARD_DATA_DIR");
    if (env && *env)
        return env;
#ifdef EG_SOURCE_DATA_DIR
    struct stat st;
    if (stat(EG_DATA_DIR, &st) != 0 || !S_ISDIR(st.st_mode))
        return EG_SOURCE_DATA_DIR;
#endif
    return EG_DATA_DIR;
}

static eg_status add_word(eg_sender_config *c, int kind, const char *w, size_t n)
{
    if (c->n_words >= 4096 || n == 0 || n > 64)
        return EG_OK;
    eg_org_word *nv = realloc(c->words, (c->n_words + 1) * sizeof *nv);
    if (!nv)
        return EG_ENOMEM;
    c->words = nv;
    eg_org_word *o = &c->words[c->n_words];
    o->kind = kind;
    o->suffix = w[0] == '*';
    o->w = eg_strndup(w + o->suffix, n - o->suffix);
    if (!o->w)
        return EG_ENOMEM;
    c->n_words++;
    return EG_OK;
}

/* "org 株式会社" / "public 市役所" / "public *省" lines */
static eg_status parse_words(eg_sender_config *c, const char *t, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && t[e] != '\n')
            e++;
        size_t a = i;
        while (a < e && (t[a] == ' ' || t[a] == '\t'))
            a++;
        size_t b = a;
        while (b < e && t[b] != ' ' && t[b] != '\t')
            b++;
        int kind = (b - a == 3 && !strncmp(t + a, "org", 3))      ? EG_W_ORG
                   : (b - a == 6 && !strncmp(t + a, "public", 6)) ? EG_W_PUBLIC
                                                                  : 0;
        while (b < e && (t[b] == ' ' || t[b] == '\t'))
            b++;
        size_t z = e;
        while (z > b && (t[z - 1] == ' ' || t[z - 1] == '\r' || t[z - 1] == '\t'))
            z--;
        if (kind && z > b && t[a] != '#') {
            eg_status st = add_word(c, kind, t + b, z - b);
            if (st != EG_OK)
                return st;
        }
        i = e + 1;
    }
    return EG_OK;
}

static eg_status add_known_one(eg_sender_config *c, const char *name, size_t nlen, const char *dom,
                               size_t dlen)
{
    eg_status st = eg_domain_set_add(&c->partners, dom, dlen);
    if (st != EG_OK || !nlen)
        return st;
    if (c->n_known >= EG_LIST_MAX_ENTRIES)
        return EG_ELIMIT;
    if (c->n_known == c->cap_known) {
        size_t nc = c->cap_known ? c->cap_known * 2 : 32;
        eg_known_corr *nv = realloc(c->known, nc * sizeof *nv);
        if (!nv)
            return EG_ENOMEM;
        c->known = nv;
        c->cap_known = nc;
    }
    eg_known_corr *k = &c->known[c->n_known];
    eg_sutil_name_key(name, nlen, &k->key);
    if (!k->key.ordered[0])
        return EG_OK;
    k->name = eg_strndup(name, nlen);
    k->domain = eg_strndup(dom, dlen);
    if (!k->name || !k->domain) {
        free(k->name);
        free(k->domain);
        return EG_ENOMEM;
    }
    eg_ascii_lower(k->domain);
    c->n_known++;
    return EG_OK;
}

eg_status eg_sender_config_add_known(eg_sender_config *c, const char *t, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && t[e] != '\n')
            e++;
        size_t a = i, z = e;
        while (a < z && (t[a] == ' ' || t[a] == '\t'))
            a++;
        while (z > a && (t[z - 1] == ' ' || t[z - 1] == '\t' || t[z - 1] == '\r'))
            z--;
        eg_status st = EG_OK;
        const char *eq = memchr(t + a, '=', z - a);
        const char *lt = memchr(t + a, '<', z - a);
        if (a == z || t[a] == '#') {
            /* blank or comment */
        } else if (eq) { /* Name = domain, domain */
            size_t nl = (size_t)(eq - (t + a));
            while (nl && (t[a + nl - 1] == ' ' || t[a + nl - 1] == '\t'))
                nl--;
            for (size_t p = (size_t)(eq - t) + 1; p < z && st == EG_OK;) {
                while (p < z && (t[p] == ' ' || t[p] == ',' || t[p] == '\t'))
                    p++;
                size_t q = p;
                while (q < z && t[q] != ' ' && t[q] != ',' && t[q] != '\t')
                    q++;
                if (q > p)
                    st = add_known_one(c, t + a, nl, t + p, q - p);
                p = q;
            }
        } else if (lt) { /* Name <addr> */
            char addr[EG_ADDR_MAX + 1];
            size_t as, ae;
            if (eg_sutil_next_addr(t, z, (size_t)(lt - t), addr, &as, &ae)) {
                size_t nl = (size_t)(lt - (t + a));
                while (nl && (t[a + nl - 1] == ' ' || t[a + nl - 1] == '"'))
                    nl--;
                size_t s0 = a;
                while (s0 < a + nl && t[s0] == '"') {
                    s0++;
                    nl--;
                }
                const char *d = eg_sutil_addr_domain(addr);
                st = add_known_one(c, t + s0, nl, d, strlen(d));
            }
        } else { /* a partner domain */
            size_t q = a;
            while (q < z && t[q] != ' ' && t[q] != '\t')
                q++;
            st = add_known_one(c, NULL, 0, t + a, q - a);
        }
        if (st != EG_OK)
            return st;
        i = e + 1;
    }
    return EG_OK;
}

static eg_status load_list(eg_domain_set *set, const char *dir, const char *file, bool explicit_dir,
                           char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    eg_status st = eg_domain_set_load(set, path);
    if (st == EG_EIO) {
        if (explicit_dir) {
            if (err && errlen)
                snprintf(err, errlen, "cannot read domain list %s", path);
            return st;
        }
        eg_log(EG_LOG_WARN, "sender: domain list %s not readable; that check runs without it",
               path);
        return EG_OK;
    }
    return st;
}

eg_status eg_sender_config_new(const eg_options *opt, eg_sender_config **out, char *err,
                               size_t errlen)
{
    *out = NULL;
    eg_sender_config *c = calloc(1, sizeof *c);
    if (!c)
        return EG_ENOMEM;
    bool explicit_dir = opt && opt->data_dir;
    const char *dir = explicit_dir ? opt->data_dir : eg_sender_default_data_dir();
    eg_status st = load_list(&c->freemail, dir, "freemail.txt", explicit_dir, err, errlen);
    if (st == EG_OK)
        st = load_list(&c->isp, dir, "isp-jp.txt", explicit_dir, err, errlen);
    if (st == EG_OK)
        st = load_list(&c->hosting, dir, "hosting.txt", explicit_dir, err, errlen);
    if (st == EG_OK)
        st = load_list(&c->shorteners, dir, "shorteners.txt", explicit_dir, err, errlen);
    if (st == EG_OK) {
        char path[4096], *text = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/org-words.txt", dir);
        eg_status rs = eg_list_read_file(path, &text, &len);
        if (rs == EG_OK) {
            st = parse_words(c, text, len);
            free(text);
        } else if (explicit_dir) {
            if (err && errlen)
                snprintf(err, errlen, "cannot read %s", path);
            st = rs;
        } else {
            eg_log(EG_LOG_WARN, "sender: %s not readable; organisation names are not judged", path);
        }
    }
    for (size_t i = 0; opt && st == EG_OK && i < opt->n_own_domains; i++)
        if (opt->own_domains[i])
            st = eg_domain_set_add(&c->own, opt->own_domains[i], strlen(opt->own_domains[i]));
    if (st == EG_OK && opt && opt->n_trusted_authserv_ids) {
        c->authserv = calloc(opt->n_trusted_authserv_ids, sizeof *c->authserv);
        if (!c->authserv)
            st = EG_ENOMEM;
        for (size_t i = 0; st == EG_OK && i < opt->n_trusted_authserv_ids; i++) {
            if (!opt->trusted_authserv_ids[i])
                continue;
            c->authserv[c->n_authserv] = eg_strdup(opt->trusted_authserv_ids[i]);
            if (!c->authserv[c->n_authserv])
                st = EG_ENOMEM;
            else
                c->n_authserv++;
        }
    }
    if (st == EG_OK && opt && opt->known_correspondents_file) {
        char *text = NULL;
        size_t len = 0;
        st = eg_list_read_file(opt->known_correspondents_file, &text, &len);
        if (st == EG_OK) {
            st = eg_sender_config_add_known(c, text, len);
            free(text);
        } else if (err && errlen) {
            snprintf(err, errlen, "cannot read known correspondents file %s",
                     opt->known_correspondents_file);
        }
    }
    if (st != EG_OK) {
        eg_sender_config_free(c);
        return st;
    }
    /* sorted now, so that matching never writes: one configuration serves every thread */
    eg_domain_set *sets[] = {&c->freemail,   &c->isp, &c->hosting,
                             &c->shorteners, &c->own, &c->partners};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        eg_domain_set_finish(sets[i]);
    *out = c;
    return EG_OK;
}

void eg_sender_config_free(eg_sender_config *c)
{
    if (!c)
        return;
    eg_domain_set_free(&c->freemail);
    eg_domain_set_free(&c->isp);
    eg_domain_set_free(&c->hosting);
    eg_domain_set_free(&c->shorteners);
    eg_domain_set_free(&c->own);
    eg_domain_set_free(&c->partners);
    for (size_t i = 0; i < c->n_words; i++)
        free(c->words[i].w);
    free(c->words);
    for (size_t i = 0; i < c->n_known; i++) {
        free(c->known[i].name);
        free(c->known[i].domain);
    }
    free(c->known);
    for (size_t i = 0; i < c->n_authserv; i++)
        free(c->authserv[i]);
    free(c->authserv);
    free(c);
}
