/*
 * Front-end subcommands. Each is `int eg_cmd_<name>(int argc, char **argv)` with argv[0] the
 * subcommand's name, returning the process exit code; main.c maps names to them.
 */
#ifndef EG_CLI_CLI_H
#define EG_CLI_CLI_H

int eg_cmd_scan(int argc, char **argv);
int eg_cmd_rules(int argc, char **argv);
int eg_cmd_milter(int argc, char **argv);    /* src/milter */
int eg_cli_milter(int argc, char **argv);    /* getopt_long front of eg_cmd_milter */
void eg_cli_version(void);                   /* emoguard --version (src/cli/version.c) */
int eg_cmd_hostcheck(int argc, char **argv); /* src/cli/cmd_hostcheck.c */
int eg_cmd_harden(int argc, char **argv);    /* src/cli/cmd_hostcheck.c */
int eg_cmd_intel(int argc, char **argv);     /* src/cli/cmd_intel.c */
int eg_cmd_quarantine(int argc, char **argv); /* src/cli/cmd_quarantine.c */

/* true when the locale asks for Japanese (LC_ALL, LC_MESSAGES, LANG) */
int eg_cli_lang_is_ja(void);

#include <stdbool.h>
#include <stddef.h>
/* One "key = value" of a configuration file: 1 found (out set), 0 absent, -1 unreadable. */
int eg_cli_conf_value(const char *path, const char *key, char *out, size_t outlen);

/* The exit codes of every subcommand, one table (docs/cli.md "Exit codes"): 0 and 3 mean the same
 * everywhere; 1, 2 and 4 are the results of each command. */
enum {
    EG_EXIT_CLEAN = 0,      /* nothing found, or done */
    EG_EXIT_SUSPICIOUS = 1, /* scan: a suspicious mail */
    EG_EXIT_MALICIOUS = 2,  /* scan: a malicious mail */
    EG_EXIT_USAGE = 3,      /* bad command line or configuration */
    EG_EXIT_INPUT = 4       /* scan: an input could not be read */
};
#define EG_EXIT_TABLE                                                                              \
    "exit codes (one table for every command):\n"                                                 \
    "  0  nothing found, or done\n"                                                               \
    "  1  scan: a mail is suspicious; hostcheck: infection found; intel: a match, an exposed\n"   \
    "     account, or a feed/rule that would be refused; milter: could not start\n"              \
    "  2  scan: a mail is malicious; hostcheck: artifacts only\n"                                 \
    "  3  usage or configuration error (hostcheck, harden: also a run-time error)\n"             \
    "  4  scan: an input could not be read; intel: a feed failed to load;\n"                     \
    "     hostcheck --audit: a stage of the Emotet chain is not blocked\n"

#endif
