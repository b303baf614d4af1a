/*
 * Fuzz target for the sender checks: the input is split at NUL bytes into the strings of a
 * message view (display name, address, subject, text, html, thread headers, Reply-To, one
 * Authentication-Results header, an attachment name, a recipient's display name), and every
 * check runs over it. The configuration (shipped lists, an own domain, a known correspondent, a
 * trusted authserv-id) is loaded once.
 */
#include "mail/sender.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static eg_sender_config *cfg;

static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *s = *p;
    if (s >= end)
        return NULL;
    const uint8_t *z = memchr(s, 0, (size_t)(end - s));
    size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    memcpy(r, s, n);
    r[n] = 0;
    *p = z ? z + 1 : end;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cfg) {
        static const char *const own[] = {"example.co.jp"};
        static const char *const ids[] = {"mx.example.co.jp"};
        eg_options o;
        eg_options_default(&o);
        o.own_domains = own;
        o.n_own_domains = 1;
        o.trusted_authserv_ids = ids;
        o.n_trusted_authserv_ids = 1;
        if (eg_sender_config_new(&o, &cfg, NULL, 0) != EG_OK)
            abort();
        const char *known = "partner.co.jp\n山田 太郎 <yamada@partner.co.jp>\nAcme = acme.example\n";
        eg_sender_config_add_known(cfg, known, strlen(known));
    }
    const uint8_t *p = data, *end = data + size;
    eg_mail_view v;
    memset(&v, 0, sizeof v);
    eg_addr rt = {0}, to = {0};
    eg_header h = {0};
    v.from.display = field(&p, end);
    v.from.addr = field(&p, end);
    const char *at = v.from.addr ? strrchr(v.from.addr, '@') : NULL;
    v.from.domain = at ? strdup(at + 1) : NULL;
    v.subject = field(&p, end);
    v.text = field(&p, end);
    v.html = field(&p, end);
    v.html_text = field(&p, end);
    v.in_reply_to = field(&p, end);
    v.references = field(&p, end);
    v.message_id = field(&p, end);
    rt.addr = field(&p, end);
    at = rt.addr ? strrchr(rt.addr, '@') : NULL;
    rt.domain = at ? strdup(at + 1) : NULL;
    v.reply_to = &rt;
    v.n_reply_to = 1;
    to.addr = field(&p, end);
    at = to.addr ? strrchr(to.addr, '@') : NULL;
    to.domain = at ? strdup(at + 1) : NULL;
    v.to = &to;
    v.n_to = 1;
    h.name = strdup("Authentication-Results");
    h.value = field(&p, end);
    if (h.value) {
        v.headers = &h;
        v.n_headers = 1;
    }
    char *att = field(&p, end);
    to.display = field(&p, end);
    if (att) {
        v.attachment_names = &att;
        v.n_attachments = 1;
    }
    eg_sender_hits hits = {0};
    eg_sender_evaluate(cfg, &v, &hits);
    eg_sender_hits_free(&hits);
    free(v.from.display);
    free(v.from.addr);
    free(v.from.domain);
    free(v.subject);
    free(v.text);
    free(v.html);
    free(v.html_text);
    free(v.in_reply_to);
    free(v.references);
    free(v.message_id);
    free(rt.addr);
    free(rt.domain);
    free(to.addr);
    free(to.domain);
    free(to.display);
    free(h.name);
    free(h.value);
    free(att);
    return 0;
}
