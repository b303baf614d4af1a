/* Logging to stderr (or syslog in the milter), one line per call, levels like syslog. */
#ifndef EG_CORE_LOG_H
#define EG_CORE_LOG_H

typedef enum { EG_LOG_ERR = 3, EG_LOG_WARN = 4, EG_LOG_INFO = 6, EG_LOG_DEBUG = 7 } eg_log_level;

void eg_log_set_level(eg_log_level lvl);
/* sink NULL = stderr */
void eg_log_set_sink(void (*sink)(eg_log_level lvl, const char *line));
void eg_log(eg_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
