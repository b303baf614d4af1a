/*
 * emoguard's entry point: maps the subcommand to its front end. No analysis happens here.
 */
#include "cli/cli.h"

#include "emoguard/emoguard.h"

#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} eg_command;

static const eg_command commands[] = {
    {"scan", eg_cmd_scan, "scan mails (.eml, mbox, Maildir, directories, stdin)"},
    {"rules", eg_cmd_rules, "list the rule table (text or Markdown)"},
    {"milter", eg_cli_milter, "mail gateway filter (milter protocol) for Postfix and Sendmail"},
    {"intel", eg_cmd_intel, "check IOC feeds and YARA rules, match values, exposure report"},
    {"quarantine", eg_cmd_quarantine, "list, show, release or delete mail held by the milter (Postfix)"},
    {"hostcheck", eg_cmd_hostcheck,
     "check a Windows PC (live or from collected artifacts) for Emotet"},
    {"harden", eg_cmd_harden,
     "write (or on Windows apply) the policy that blocks the Emotet chain"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: emoguard COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'emoguard COMMAND --help' shows a command's options; 'emoguard --version' the\n"
               "version, the rule table, the data lists and the libraries.\n"
               "Manual pages: man emoguard, man emoguard-COMMAND (emoguard-milter is in\n"
               "section 8), man emoguard.conf.\n\n" EG_EXIT_TABLE);
}

/* glibc serves allocations from 128 KB up with mmap and gives them back at free, raising that
 * threshold only as it goes: a scan's buffers for a mail of 100 KB to a few MB (the mail, the
 * decoded parts) were mapped, faulted in page by page, zeroed by the kernel and unmapped for
 * every mail, about a sixth of the CPU of scanning 100 KB mails. Below 4 MiB they now come from
 * the heap, and up to 16 MiB of free memory at its top is kept for the next mail instead of
 * being returned at once. Larger mails still get their own mappings. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

int main(int argc, char **argv)
{
    tune_malloc();
    if (argc < 2) {
        usage(stderr);
        return 3;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version")) {
        eg_cli_version();
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "emoguard: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 3;
}
