/*
 * Writes every hostile case of 64 KiB or less that names a fuzz target into
 * DIR/<fuzz_target>/hostile-<name> (`make hostile-seeds` with DIR = tests/fuzz/corpus), so the
 * fuzzers start from what an attacker already tried.
 */
#include "hostile.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 3;
    }
    int written = 0;
    for (size_t t = 0; eg_hostile_tables[t]; t++)
        for (const eg_hostile_case *c = eg_hostile_tables[t]; c->name; c++) {
            if (!c->fuzz_target)
                continue;
            size_t len = 0;
            uint8_t *data = c->make(&len);
            if (!data)
                return 1;
            if (len <= 65536) {
                char dir[4096], path[4200];
                snprintf(dir, sizeof dir, "%s/%s", argv[1], c->fuzz_target);
                if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
                    perror(dir);
                    return 1;
                }
                snprintf(path, sizeof path, "%s/hostile-%s", dir, c->name);
                if (eg_test_write_file(path, data, len) != 0) {
                    perror(path);
                    return 1;
                }
                written++;
            }
            free(data);
        }
    printf("%d seeds written\n", written);
    return 0;
}
