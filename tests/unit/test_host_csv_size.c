/*
 * A CSV list larger than the 512 MiB bound is refused from its size, before reading: a sparse
 * 1 GiB file must come back EG_ELIMIT at once (reading it first took half a gigabyte of memory
 * and most of a second).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/host.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void huge_csv_refused_before_reading(void **state)
{
    (void)state;
    char *dir = eg_test_tmpdir("csvsize");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/processes.csv", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Name,Pid\n", 9), 9);
    assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0); /* sparse: no 1 GiB on disk */
    close(fd);
    char *data = NULL;
    size_t len = 0;
    double t0 = cpu_now();
    eg_status st = eg_host_read_file(path, EG_HOST_MAX_CSV, &data, &len);
    double spent = cpu_now() - t0;
    assert_int_equal(st, EG_ELIMIT);
    assert_null(data);
    /* reading 512 MiB first costs far more than this */
    assert_true(spent < 0.05);
    eg_test_rmrf(dir);
    free(dir);
}

static void small_csv_still_read(void **state)
{
    (void)state;
    char *dir = eg_test_tmpdir("csvsize");
    char path[4096];
    snprintf(path, sizeof path, "%s/files.csv", dir);
    assert_int_equal(eg_test_write_file(path, "Path\nC:\\a.txt\n", 14), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(eg_host_read_file(path, 15, &data, &len), EG_OK); /* 14 bytes and the NUL */
    assert_int_equal(len, 14);
    free(data);
    assert_int_equal(eg_host_read_file(path, 13, &data, &len), EG_ELIMIT);
    eg_test_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(huge_csv_refused_before_reading),
        cmocka_unit_test(small_csv_still_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
