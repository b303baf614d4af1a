/*
 * The `milter` subcommand's command line, read with getopt_long like every other subcommand
 * (--config=FILE, --test, --foreground, --help, bundled -ft) and handed on to the milter's own
 * entry point (src/milter) in the short form it reads. The milter itself is not touched here.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int eg_cli_milter(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"foreground", no_argument, NULL, 'f'},
                                         {"test", no_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *conf = NULL;
    bool fg = false, test = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:fth", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf = optarg; break;
        case 'f': fg = true; break;
        case 't': test = true; break;
        case 'h': {
            char *hv[] = {argv[0], (char *)"-h", NULL};
            return eg_cmd_milter(2, hv);
        }
        case ':':
            fprintf(stderr, "emoguard milter: %s needs a value\n", argv[optind - 1]);
            return EG_EXIT_USAGE;
        default:
            fprintf(stderr, "emoguard milter: unknown option %s\n", argv[optind - 1]);
            return EG_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "emoguard milter: unexpected argument %s\n", argv[optind]);
        return EG_EXIT_USAGE;
    }
    char *nv[8];
    int n = 0;
    nv[n++] = argv[0];
    if (conf) {
        nv[n++] = (char *)"-c";
        nv[n++] = (char *)conf;
    }
    if (fg)
        nv[n++] = (char *)"-f";
    if (test)
        nv[n++] = (char *)"-t";
    nv[n] = NULL;
    return eg_cmd_milter(n, nv);
}
