/* Offline registry through hivex, with hives written by the fixtures: NTUSER.DAT, SOFTWARE and
 * SYSTEM contents, the dirty-hive warning, artifact directories, and hostile hives (huge values,
 * deep trees, many keys, truncated and mutated files) that must stay bounded and fail clearly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/host.h"
#include "host_fixtures.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUN "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
#define EXPL "Software\\Microsoft\\Windows\\CurrentVersion\\Explorer"

static char *tmp;

static int setup(void **st)
{
    (void)st;
    tmp = eg_test_tmpdir("hosthive");
    return tmp ? 0 : -1;
}
static int teardown(void **st)
{
    (void)st;
    eg_test_rmrf(tmp);
    free(tmp);
    return 0;
}

static char *path(const char *name)
{
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    return p;
}

static eg_host_snapshot *load(const char *file, eg_status want)
{
    eg_host_snapshot *s;
    char err[512] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    eg_status st = eg_host_load_hive(s, file, err, sizeof err);
    if (st != want)
        fail_msg("load %s: %d (%s), wanted %d", file, st, err, want);
    return s;
}

static void ntuser_values(void **st)
{
    (void)st;
    const uint8_t xor_name[] = {0x3d, 0x72, 0x52, 0x7c, 0x38, 0x69, 0x48, 0x69};
    const eg_hf_value v[] = {
        {EXPL "\\Shell Folders", "Local AppData", EG_HF_SZ, "C:\\Users\\太郎\\AppData\\Local", 0},
        {RUN, "Xyzabcdefg", EG_HF_SZ, "regsvr32.exe /s \"C:\\Users\\太郎\\AppData\\Local\\Abcdef\\ghi.jkl\"", 0},
        {RUN, "Expand", EG_HF_EXPAND_SZ, "%LOCALAPPDATA%\\x.exe", 0},
        {RUN "Once", "Once", EG_HF_SZ, "cmd /c echo", 0},
        {EXPL, "c3b1f4a", EG_HF_BINARY, xor_name, sizeof xor_name},
    };
    assert_int_equal(eg_hf_write_hive(path("NTUSER.DAT"), v, 5), 0);
    eg_host_snapshot *s = load(path("NTUSER.DAT"), EG_OK);
    assert_int_equal(s->nusers, 1);
    assert_string_equal(s->users[0].local_appdata, "C:\\Users\\太郎\\AppData\\Local");
    assert_string_equal(s->users[0].profile, "C:\\Users\\太郎");
    int run = 0, once = 0, expl = 0;
    for (size_t i = 0; i < s->nregs; i++) {
        eg_host_regval *r = &s->regs[i];
        assert_int_equal(r->user, 0);
        assert_string_equal(r->root, "HKCU");
        if (r->kind == EG_HREG_RUN) {
            run++;
            if (!strcmp(r->name, "Expand"))
                assert_int_equal(r->type, 2);
        }
        once += r->kind == EG_HREG_RUNONCE;
        if (r->kind == EG_HREG_EXPLORER && !strcmp(r->name, "c3b1f4a")) {
            expl++;
            assert_int_equal(r->type, 3);
            assert_memory_equal(r->data, xor_name, sizeof xor_name);
        }
    }
    assert_int_equal(run, 2);
    assert_int_equal(once, 1);
    assert_int_equal(expl, 1);
    assert_int_equal(s->nwarn, 0);
    /* the loaded values drive the rules */
    eg_host_findings *f;
    assert_int_equal(eg_host_check(s, NULL, &f), EG_OK);
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    assert_true(f->serial_known && f->serial == 0x0C3B1F4A);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
}

static void artifact_dir_and_machine_hives(void **st)
{
    (void)st;
    char *d = eg_test_tmpdir("hostdir");
    assert_int_equal(eg_hf_artifact_dir(d, "PC-INFECTED", 0), 0);
    eg_host_snapshot *s;
    char err[512] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_host_load_dir(s, d, err, sizeof err), EG_OK);
    assert_string_equal(s->hostname, "PC-INFECTED");
    assert_string_equal(s->system_root, "C:\\Windows");
    assert_true(s->is64);
    assert_true(s->have_serial);
    /* SOFTWARE's ProfileList and NTUSER.DAT's Shell Folders describe the same user */
    assert_int_equal(s->nusers, 1);
    assert_string_equal(s->users[0].sid, "S-1-5-21-1-2-3-1001");
    assert_string_equal(s->users[0].name, "alice");
    bool spooler = false, numeric = false, machine_run = false, user_run = false;
    for (size_t i = 0; i < s->nsvcs; i++) {
        spooler |= !strcmp(s->svcs[i].name, "Spooler") && s->svcs[i].start == 2 && s->svcs[i].type == 0x10;
        numeric |= !strcmp(s->svcs[i].name, "74839201");
    }
    for (size_t i = 0; i < s->nregs; i++) {
        machine_run |= !strcmp(s->regs[i].root, "HKLM") && !strcmp(s->regs[i].name, "SecurityHealth");
        user_run |= !strcmp(s->regs[i].root, "HKU\\S-1-5-21-1-2-3-1001") && !strcmp(s->regs[i].name, "Xyzabcdefg");
    }
    assert_true(spooler && numeric && machine_run && user_run);
    eg_host_findings *f;
    assert_int_equal(eg_host_check(s, NULL, &f), EG_OK);
    assert_int_equal(f->result, EG_HOST_ARTIFACTS);
    bool loader = false, v5 = false;
    for (size_t i = 0; i < f->nhits; i++) {
        loader |= f->hits[i].rule == EG_HR_LOADER_PERSIST;
        v5 |= f->hits[i].rule == EG_HR_V5_FILE;
    }
    assert_true(loader && v5);
    eg_host_findings_free(f);
    eg_host_snapshot_free(s);
    eg_test_rmrf(d);
    free(d);
}

static void dirty_hive_warns(void **st)
{
    (void)st;
    const eg_hf_value v[] = {{RUN, "a", EG_HF_SZ, "b", 0}};
    assert_int_equal(eg_hf_write_hive(path("dirty.DAT"), v, 1), 0);
    assert_int_equal(eg_hf_make_dirty(path("dirty.DAT")), 0);
    eg_host_snapshot *s = load(path("dirty.DAT"), EG_OK);
    assert_int_equal(s->nwarn >= 1, 1);
    assert_non_null(strstr(s->warnings[0], "dirty"));
    assert_non_null(strstr(s->warnings[0], ".LOG1"));
    assert_int_equal(s->nregs, 1); /* still read */
    eg_host_snapshot_free(s);
}

static void huge_value_is_skipped(void **st)
{
    (void)st;
    /* hivex writes no value above 16 KiB, so the vk record of "big" is patched to claim 15 MiB */
    const eg_hf_value v[] = {{RUN, "big", EG_HF_BINARY, "0123456789abcdef0123456789abcdef", 32},
                             {RUN, "ok", EG_HF_SZ, "x.exe", 0}};
    assert_int_equal(eg_hf_write_hive(path("big.DAT"), v, 2), 0);
    size_t len;
    uint8_t *h = eg_test_read_file(path("big.DAT"), &len);
    bool patched = false;
    for (size_t i = 4096; i + 0x18 + 3 <= len && !patched; i++) {
        if (memcmp(h + i, "vk\x03\x00", 4) || memcmp(h + i + 0x14, "big", 3))
            continue;
        uint32_t big = 15u << 20;
        memcpy(h + i + 4, &big, 4); /* data length, little-endian host assumed by the test */
        patched = true;
    }
    assert_true(patched);
    assert_int_equal(eg_test_write_file(path("big.DAT"), h, len), 0);
    free(h);
    eg_host_snapshot *s = load(path("big.DAT"), EG_OK);
    assert_int_equal(s->nregs, 1);
    assert_string_equal(s->regs[0].name, "ok");
    bool warned = false;
    for (size_t i = 0; i < s->nwarn; i++)
        warned |= strstr(s->warnings[i], "too large") != NULL;
    assert_true(warned);
    eg_host_snapshot_free(s);
}

static void deep_and_wide_trees_are_cheap(void **st)
{
    (void)st;
    /* 300 nested keys under Run and 500 siblings: only fixed paths are followed */
    char *deep = malloc(300 * 4 + 200);
    strcpy(deep, RUN);
    for (int i = 0; i < 300; i++)
        strcat(deep, "\\k");
    eg_hf_value *v = calloc(502, sizeof *v);
    char (*names)[16] = calloc(500, 16);
    v[0] = (eg_hf_value){deep, "x", EG_HF_SZ, "y", 0};
    v[1] = (eg_hf_value){RUN, "real", EG_HF_SZ, "z.exe", 0};
    for (int i = 0; i < 500; i++) {
        snprintf(names[i], 16, "Software\\w%d", i);
        v[2 + i] = (eg_hf_value){names[i], NULL, 0, NULL, 0};
    }
    assert_int_equal(eg_hf_write_hive(path("deep.DAT"), v, 502), 0);
    clock_t t0 = clock();
    eg_host_snapshot *s = load(path("deep.DAT"), EG_OK);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    assert_int_equal(s->nregs, 1);
    assert_string_equal(s->regs[0].name, "real");
    eg_host_snapshot_free(s);
    free(deep), free(v), free(names);
}

static void broken_hives_fail_clearly(void **st)
{
    (void)st;
    assert_int_equal(eg_test_write_file(path("junk.DAT"), "not a hive at all", 17), 0);
    eg_host_snapshot *s;
    char err[512] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_host_load_hive(s, path("junk.DAT"), err, sizeof err), EG_EFORMAT);
    assert_non_null(strstr(err, "not a registry hive"));
    assert_int_equal(eg_host_load_hive(s, path("missing.DAT"), err, sizeof err), EG_EIO);
    /* a truncated hive: header claims more bins than the file has */
    const eg_hf_value v[] = {{RUN, "a", EG_HF_SZ, "b", 0}};
    assert_int_equal(eg_hf_write_hive(path("trunc.DAT"), v, 1), 0);
    size_t len;
    uint8_t *h = eg_test_read_file(path("trunc.DAT"), &len);
    assert_int_equal(eg_test_write_file(path("trunc.DAT"), h, 4096 + 100), 0);
    eg_status r = eg_host_load_hive(s, path("trunc.DAT"), err, sizeof err);
    assert_true(r == EG_EFORMAT || r == EG_OK); /* recovery mode may read what is left */
    if (r)
        assert_non_null(strstr(err, "cannot be read"));
    free(h);
    eg_host_snapshot_free(s);
}

/* Services' subkey list patched so its entry points back at the root key: a loop. */
static void looping_key_list_is_bounded(void **st)
{
    (void)st;
    uint32_t one = 1;
    const eg_hf_value v[] = {
        {"Select", "Current", EG_HF_DWORD, &one, 0},
        {"ControlSet001\\Services\\Q", "ImagePath", EG_HF_SZ, "C:\\q.exe", 0},
    };
    assert_int_equal(eg_hf_write_hive(path("SYSTEM.loop"), v, 2), 0);
    size_t len;
    uint8_t *h = eg_test_read_file(path("SYSTEM.loop"), &len);
    uint32_t q = 0;
    for (size_t i = 4096; i + 0x4d < len; i++) /* the nk cell of key "Q" (1-byte name) */
        if (!memcmp(h + i, "nk", 2) && h[i + 0x48] == 1 && h[i + 0x49] == 0 && h[i + 0x4c] == 'Q')
            q = (uint32_t)(i - 4 - 4096);
    assert_true(q != 0);
    bool patched = false;
    for (size_t i = 4096; i + 12 <= len && !patched; i++) {
        if (!(h[i] == 'l' && (h[i + 1] == 'f' || h[i + 1] == 'h')) || h[i + 2] != 1 || h[i + 3] != 0)
            continue;
        uint32_t e = (uint32_t)h[i + 4] | (uint32_t)h[i + 5] << 8 | (uint32_t)h[i + 6] << 16 | (uint32_t)h[i + 7] << 24;
        if (e != q)
            continue;
        h[i + 4] = 0x20, h[i + 5] = h[i + 6] = h[i + 7] = 0; /* -> the root key */
        patched = true;
    }
    assert_true(patched);
    assert_int_equal(eg_test_write_file(path("SYSTEM.loop"), h, len), 0);
    free(h);
    eg_host_snapshot *s;
    char err[512] = "";
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    clock_t t0 = clock();
    eg_status r = eg_host_load_hive(s, path("SYSTEM.loop"), err, sizeof err);
    assert_true(r == EG_OK || r == EG_EFORMAT);
    assert_true(s->nsvcs <= 1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    eg_host_snapshot_free(s);
}

static void mutated_hives_stay_bounded(void **st)
{
    (void)st;
    const eg_hf_value v[] = {
        {EXPL "\\Shell Folders", "Local AppData", EG_HF_SZ, "C:\\Users\\a\\AppData\\Local", 0},
        {RUN, "Xyzabcdefg", EG_HF_SZ, "rundll32.exe C:\\Users\\a\\AppData\\Local\\Abcdef\\ghi.jkl,Run", 0},
        {RUN "Once", "o", EG_HF_SZ, "p", 0},
    };
    assert_int_equal(eg_hf_write_hive(path("seed.DAT"), v, 3), 0);
    size_t len;
    uint8_t *orig = eg_test_read_file(path("seed.DAT"), &len);
    uint8_t *m = malloc(len);
    srand(12345);
    int ok = 0, failed = 0;
    clock_t t0 = clock();
    for (int iter = 0; iter < 300; iter++) {
        memcpy(m, orig, len);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++) {
            size_t at = 4096 + (size_t)rand() % (len - 4096); /* keep the header valid, hit the cells */
            m[at] = (uint8_t)rand();
        }
        assert_int_equal(eg_test_write_file(path("mut.DAT"), m, len), 0);
        eg_host_snapshot *s;
        char err[512] = "";
        assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
        eg_status r = eg_host_load_hive(s, path("mut.DAT"), err, sizeof err);
        if (r == EG_OK)
            ok++;
        else {
            failed++;
            assert_true(err[0] != 0);
        }
        eg_host_findings *f = NULL;
        if (r == EG_OK && eg_host_check(s, NULL, &f) == EG_OK)
            eg_host_findings_free(f);
        eg_host_snapshot_free(s);
    }
    assert_int_equal(ok + failed, 300);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 30.0);
    free(m);
    free(orig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ntuser_values),
        cmocka_unit_test(artifact_dir_and_machine_hives),
        cmocka_unit_test(dirty_hive_warns),
        cmocka_unit_test(huge_value_is_skipped),
        cmocka_unit_test(deep_and_wide_trees_are_cheap),
        cmocka_unit_test(broken_hives_fail_clearly),
        cmocka_unit_test(looping_key_list_is_bounded),
        cmocka_unit_test(mutated_hives_stay_bounded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
