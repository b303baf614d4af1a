/*
 * Front-end subcommands. Each is `int eg_cmd_<name>(int argc, char **argv)` with argv[0] the
 * subcommand's name, returning the process exit code; main.c maps names to them.
 */
#ifndef EG_CLI_CLI_H
#define EG_CLI_CLI_H

int eg_cmd_scan(int argc, char **argv);
int eg_cmd_rules(int argc, char **argv);
int eg_cmd_milter(int argc, char **argv);    /* src/milter */
int eg_cmd_hostcheck(int argc, char **argv); /* src/cli/cmd_hostcheck.c */
int eg_cmd_harden(int argc, char **argv);    /* src/cli/cmd_hostcheck.c */
int eg_cmd_intel(int argc, char **argv);     /* src/cli/cmd_intel.c */

/* true when the locale asks for Japanese (LC_ALL, LC_MESSAGES, LANG) */
int eg_cli_lang_is_ja(void);

#endif
