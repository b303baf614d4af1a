/* libFuzzer target: the milter configuration parser and the action lookup on what it accepted;
 * also the CIDR parser and matcher, address entries and the RFC 2047 subject tag on what the
 * configuration and the input's first line hold. */
#include "../../src/milter/config.c" /* src/milter is linked into the executable only */
#include "../../src/milter/policy.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_milter_config c;
    char err[256];
    eg_milter_config_init(&c);
    if (eg_milter_config_parse(&c, (const char *)data, size, err, sizeof err) == EG_OK) {
        const char *rcpts[] = {"<a@example.jp>", "<b@lab.example.jp>", "c"};
        for (int v = 0; v < 3; v++)
            if ((unsigned)eg_milter_config_action(&c, (eg_verdict)v, rcpts, 3) >= EG_ACT__COUNT)
                __builtin_trap();
        for (size_t i = 0; i < c.own_domains.n; i++)
            (void)eg_milter_domain_in(&c.own_domains, c.own_domains.v[i]);
        eg_cidr a;
        for (size_t i = 0; i < c.allow_networks.n; i++) {
            a = c.allow_networks.v[i];
            a.bits = a.family == 4 ? 32 : 128;
            if (!eg_cidr_match(&c.allow_networks.v[i], &a)) /* a network holds its own address */
                __builtin_trap();
            (void)eg_cidr_list_match(&c.local_networks, &a);
        }
        for (size_t i = 0; i < c.allow_senders.n; i++)
            (void)eg_addr_entry_match(c.allow_senders.v[i], "<x@example.jp>");
        char *s = eg_subject_tagged(c.subject_tag, "=?UTF-8?B?5Lu25ZCN?=");
        if (s) {
            for (const char *p = s; *p; p++) /* encoded or ASCII: never a control character */
                if ((unsigned char)*p < 0x20)
                    __builtin_trap();
            free(s);
        }
    } else if (!err[0]) {
        __builtin_trap(); /* every refusal must say why */
    }
    eg_milter_config_free(&c);
    /* the first line as a network and as a client address */
    char line[128];
    size_t n = 0;
    while (n < size && n < sizeof line - 1 && data[n] != '\n' && data[n])
        n++;
    memcpy(line, data, n);
    line[n] = 0;
    eg_cidr net = {0}, addr = {0};
    if (eg_cidr_parse(line, &net) == EG_OK && (net.bits > (net.family == 4 ? 32 : 128)))
        __builtin_trap();
    if (eg_cidr_parse_addr(line, &addr) == EG_OK) {
        char txt[64];
        eg_cidr_addr_str(&addr, txt, sizeof txt);
        (void)eg_cidr_match(&net, &addr);
    }
    (void)eg_addr_entry_match(line, "<a@b.example>");
    return 0;
}
