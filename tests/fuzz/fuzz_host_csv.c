/* libFuzzer target: the hostcheck CSV and host.txt readers (the first byte picks the reader). */
#include "host/host.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    eg_host_snapshot *s;
    if (eg_host_snapshot_new(&s))
        return 0;
    char err[256];
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 4) {
    case 0:
        eg_host_load_procs_csv(s, p, n, err, sizeof err);
        break;
    case 1:
        eg_host_load_files_csv(s, p, n, err, sizeof err);
        break;
    case 2:
        eg_host_load_tasks_csv(s, p, n, err, sizeof err);
        break;
    default:
        eg_host_load_info(s, p, n, err, sizeof err);
    }
    eg_host_snapshot_free(s);
    return 0;
}
