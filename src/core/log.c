/* One-line logging with a level threshold and a replaceable sink (the milter sends to syslog). */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static eg_log_level g_level = EG_LOG_WARN;
static void (*g_sink)(eg_log_level, const char *);

void eg_log_set_level(eg_log_level lvl) { g_level = lvl; }
void eg_log_set_sink(void (*sink)(eg_log_level, const char *)) { g_sink = sink; }

void eg_log(eg_log_level lvl, const char *fmt, ...)
{
    if (lvl > g_level)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (g_sink) {
        g_sink(lvl, line);
        return;
    }
    static const char *const names[8] = {"", "", "", "error", "warning", "", "info", "debug"};
    fprintf(stderr, "emoguard: %s: %s\n", names[lvl & 7], line);
}
