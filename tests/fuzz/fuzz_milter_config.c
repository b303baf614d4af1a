/* libFuzzer target: the milter configuration parser and the action lookup on what it accepted. */
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
    } else if (!err[0]) {
        __builtin_trap(); /* every refusal must say why */
    }
    eg_milter_config_free(&c);
    return 0;
}
