/* Helpers shared by the front ends (no analysis, no GLib: the Windows build may use them too). */
#include "cli/cli.h"

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
