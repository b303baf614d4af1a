/* Helpers shared by the front ends (no analysis, no GLib: the Windows build may use them too). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eg_cli_lang_is_ja(void)
{
    /* the POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG */
    const char *v = getenv("LC_ALL");
    if (!v || !*v)
        v = getenv("LC_MESSAGES");
    if (!v || !*v)
        v = getenv("LANG");
    return v && !strncmp(v, "ja", 2);
}

/* Reads one "key = value" from a configuration file in the milter's format ('#' after
 * whitespace starts a comment, values may be "quoted"); the last occurrence wins. Only the
 * front end's own keys are read this way; the milter parses the whole file itself. */
int eg_cli_conf_value(const char *path, const char *key, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int found = 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, key, kl))
            continue;
        p += kl;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '=')
            continue;
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        if (*p == '"') {
            p++;
            end = strchr(p, '"');
            if (!end)
                continue;
        } else {
            end = p + strcspn(p, "\r\n");
            for (char *c = p; c < end; c++)
                if (*c == '#' && (c == p || c[-1] == ' ' || c[-1] == '\t')) {
                    end = c;
                    break;
                }
            while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        }
        size_t n = (size_t)(end - p);
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, p, n);
        out[n] = 0;
        found = 1;
    }
    fclose(f);
    return found;
}
