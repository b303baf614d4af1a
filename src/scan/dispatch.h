/* Type -> analyzer lookup (the dispatch table in dispatch.c). */
#ifndef EG_SCAN_DISPATCH_H
#define EG_SCAN_DISPATCH_H

#include "scan/scan.h"

typedef struct eg_dispatch_entry {
    eg_type type;
    const char *name;
    eg_analyzer_fn fn;
} eg_dispatch_entry;

/* NULL when no analyzer takes the type */
eg_analyzer_fn eg_dispatch_find(eg_type t, const char **name);

#endif
