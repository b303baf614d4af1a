/* libFuzzer target: a registry hive through hivex and the hive loader (including the policy
 * keys of the containment audit), then the rules and the audit. hivex opens files by path, so
 * the input lives in an anonymous memory file (memfd), never on disk. */
#include "host/audit.h"
#include "host/host.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("hive", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    eg_host_snapshot *s;
    if (eg_host_snapshot_new(&s) == EG_OK) {
        char err[256];
        if (eg_host_load_hive(s, path, err, sizeof err) == EG_OK) {
            eg_host_findings *f;
            if (eg_host_check(s, NULL, &f) == EG_OK)
                eg_host_findings_free(f);
            eg_audit_result *r;
            if (eg_audit_run(s, &r) == EG_OK)
                eg_audit_free(r);
        }
        eg_host_snapshot_free(s);
    }
    close(fd);
    return 0;
}
