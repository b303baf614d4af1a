/* Default limits and options. The numbers are sized for a mail gateway: a scan of a normal mail
 * costs a few MB, a hostile one at most max_total_bytes plus bookkeeping. */
#include "emoguard/emoguard.h"

#include <string.h>

void eg_limits_default(eg_limits *l)
{
    l->max_input = 100u << 20;        /* 100 MiB of raw mail */
    l->max_objects = 2000;
    l->max_depth = 16;
    l->max_object_bytes = 64u << 20;  /* one decoded object */
    l->max_total_bytes = 256u << 20;  /* all decoded objects of one scan */
    l->max_ratio = 1000;
    l->max_password_tries = 200;
    l->max_cpu_ms = 30000;
    l->max_findings = 500;
}

void eg_options_default(eg_options *o)
{
    memset(o, 0, sizeof *o);
    eg_limits_default(&o->limits);
}
