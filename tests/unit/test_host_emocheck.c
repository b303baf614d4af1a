/* EmoCheck's algorithms: the test vectors of the v1 name and v2 decoding, the v4 patterns, the
 * v5 window, PathUnification, command-line splitting and %VAR% expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static void v1_test_vectors(void **st)
{
    (void)st;
    static const struct {
        uint32_t serial;
        const char *name;
    } vec[] = {
        {0x001CFDE0, "purgeelem"}, {0x12345678, "ptrthunk"},      {0xDEADBEEF, "etwwce"},
        {0x0C3B1F4A, "digitalwmistr"}, {0x00000000, "duckelem"}, {0x00000001, "uckelem"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char out[64];
        eg_host_v1_name(vec[i].serial, false, out);
        assert_string_equal(out, vec[i].name);
    }
}

static void v1_whole_word_variant(void **st)
{
    (void)st;
    char out[64];
    eg_host_v1_name(1, true, out); /* offset 1 is inside "duck": the whole word */
    assert_string_equal(out, "duckelem");
    eg_host_v1_name(3, true, out);
    assert_string_equal(out, "duckelem");
    eg_host_v1_name(3, false, out);
    assert_string_equal(out, "kelem");
    eg_host_v1_name(0x12345678, true, out); /* no difference away from the first word */
    assert_string_equal(out, "ptrthunk");
    eg_host_v1_name(0xFFFFFFFF, false, out); /* last word and offsets near the end */
    assert_true(strlen(out) > 0 && strlen(out) < 20);
}

static void v2_test_vector(void **st)
{
    (void)st;
    const uint8_t data[] = {0x3d, 0x72, 0x52, 0x7c, 0x38, 0x69, 0x48, 0x69};
    char out[16], hex[9];
    assert_int_equal(eg_host_v2_decode(0x0C3B1F4A, data, sizeof data, out), 8);
    assert_string_equal(out, "wmiprvse");
    eg_host_serial_hex(0x0C3B1F4A, hex);
    assert_string_equal(hex, "c3b1f4a");
    eg_host_serial_hex(0, hex);
    assert_string_equal(hex, "0");
    /* NULs and padding (bytes decoding to <= 0x20 or >= 0x7E) are dropped */
    const uint8_t pad[] = {'r' ^ 0x4a, 0x00 ^ 0x1f, ' ' ^ 0x3b, '~' ^ 0x0c};
    assert_int_equal(eg_host_v2_decode(0x0C3B1F4A, pad, sizeof pad, out), 1);
    assert_string_equal(out, "r");
}

static void serial_parsing(void **st)
{
    (void)st;
    uint32_t v;
    assert_true(eg_host_parse_serial("0C3B-1F4A", &v));
    assert_int_equal(v, 0x0C3B1F4A);
    assert_true(eg_host_parse_serial("0xdeadbeef", &v));
    assert_int_equal(v, 0xDEADBEEF);
    assert_true(eg_host_parse_serial("c3b1f4a", &v));
    assert_int_equal(v, 0x0C3B1F4A);
    assert_true(eg_host_parse_serial("d:1900000", &v));
    assert_int_equal(v, 1900000);
    assert_false(eg_host_parse_serial("123456789", &v)); /* 9 hex digits */
    assert_false(eg_host_parse_serial("xyz", &v));
    assert_false(eg_host_parse_serial("", &v));
    assert_false(eg_host_parse_serial("d:4294967296", &v));
}

static void unify_like_emocheck(void **st)
{
    (void)st;
    char *u = eg_host_unify("C:\\Windows\\SysWOW64\\rundll32.exe  \"C:\\Users\\A B\\AppData\\Local\\Xx\\y.abc\",\tRunDLL");
    assert_string_equal(u, "c:\\windows\\syswow64\\rundll32.exe c:\\users\\a b\\appdata\\local\\xx\\y.abc, rundll");
    free(u);
}

static void v4_patterns(void **st)
{
    (void)st;
    assert_true(eg_host_v4_dir_name("Aibevs"));
    assert_true(eg_host_v4_dir_name("Ckninfwzsiyqxydc")); /* 16 */
    assert_false(eg_host_v4_dir_name("Abc"));
    assert_false(eg_host_v4_dir_name("Ckninfwzsiyqxydcx")); /* 17 */
    assert_false(eg_host_v4_dir_name("Abc1"));
    assert_true(eg_host_v4_file_name("jbcss.nfg"));
    assert_true(eg_host_v4_file_name("ialkquzoobkioba.czi")); /* 15 */
    assert_false(eg_host_v4_file_name("ialkquzoobkiobax.czi"));
    assert_false(eg_host_v4_file_name("abcd.dll"));
    assert_false(eg_host_v4_file_name("abcd.DLL")); /* case-insensitive, unlike EmoCheck */
    assert_false(eg_host_v4_file_name("abcd.exe"));
    assert_false(eg_host_v4_file_name("abcd.tx"));
    assert_false(eg_host_v4_file_name("ab.cde"));
    assert_false(eg_host_v4_file_name("abc.de.fgh"));
}

static void v5_window(void **st)
{
    (void)st;
    const uint64_t dir = 133000000000000000ull, week = 6048000000000ull;
    assert_true(eg_host_v5_delta(dir, dir - week));
    assert_true(eg_host_v5_delta(dir, dir - 6047997000000ull));  /* 604799.7 s */
    assert_false(eg_host_v5_delta(dir, dir - 6047996999999ull)); /* just below */
    assert_true(eg_host_v5_delta(dir, dir - 6048002999999ull));  /* 604800.2999999 s */
    assert_false(eg_host_v5_delta(dir, dir - 6048003000000ull));
    assert_false(eg_host_v5_delta(dir - week, dir)); /* file newer than the folder */
    assert_false(eg_host_v5_delta(0, 0));
}

static eg_host_snapshot *snap_with_user(void)
{
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    assert_int_equal(eg_host_add_user(s, "alice", "S-1-5-21-1", "C:\\Users\\alice",
                                      "C:\\Users\\alice\\AppData\\Local", NULL), EG_OK);
    return s;
}

static void launch_parsing(void **st)
{
    (void)st;
    eg_host_snapshot *s = snap_with_user();
    eg_host_launch l;
    assert_int_equal(eg_host_parse_launch(s, 0, "C:\\Windows\\SysWOW64\\rundll32.exe \"%LOCALAPPDATA%\\Aibevs\\jbcss.nfg\",Control_RunDLL", &l), EG_OK);
    assert_string_equal(l.prog, "rundll32");
    assert_string_equal(l.target, "C:\\Users\\alice\\AppData\\Local\\Aibevs\\jbcss.nfg");
    assert_string_equal(l.export_name, "Control_RunDLL");
    eg_host_launch_free(&l);

    assert_int_equal(eg_host_parse_launch(s, 0, "REGSVR32.EXE /s /n \"C:\\Users\\alice\\AppData\\Local\\Phxnzljad\\wcgzvziqg.ljk\"", &l), EG_OK);
    assert_string_equal(l.prog, "regsvr32");
    assert_true(l.silent);
    assert_string_equal(l.target, "C:\\Users\\alice\\AppData\\Local\\Phxnzljad\\wcgzvziqg.ljk");
    eg_host_launch_free(&l);

    assert_int_equal(eg_host_parse_launch(s, 0, "rundll32 shell32.dll,Control_RunDLL %TEMP%\\x.cpl", &l), EG_OK);
    assert_string_equal(l.target, "C:\\Users\\alice\\AppData\\Local\\Temp\\x.cpl");
    eg_host_launch_free(&l);

    assert_int_equal(eg_host_parse_launch(s, 0, "\"C:\\Program Files\\App\\app.exe\" --tray", &l), EG_OK);
    assert_string_equal(l.prog, "");
    assert_string_equal(l.target, "C:\\Program Files\\App\\app.exe");
    eg_host_launch_free(&l);

    /* CommandLineToArgvW backslash rules in a regsvr32 argument */
    assert_int_equal(eg_host_parse_launch(s, -1, "regsvr32 /s \"C:\\a b\\\\\" x", &l), EG_OK);
    assert_string_equal(l.target, "C:\\a b\\");
    eg_host_launch_free(&l);

    assert_int_equal(eg_host_parse_launch(s, -1, "   ", &l), EG_OK);
    assert_null(l.target);
    eg_host_snapshot_free(s);
}

static void expansion(void **st)
{
    (void)st;
    eg_host_snapshot *s = snap_with_user();
    char *x = eg_host_expand(s, 0, "%SystemRoot%\\x;%APPDATA%\\y;%UNKNOWN%;%;%windir%");
    /* like ExpandEnvironmentStrings: "%;%" is an unknown variable named ";" and stays */
    assert_string_equal(x, "C:\\Windows\\x;C:\\Users\\alice\\AppData\\Roaming\\y;%UNKNOWN%;%;%windir%");
    free(x);
    x = eg_host_expand(s, -1, "%LOCALAPPDATA%\\z"); /* no user: left as written */
    assert_string_equal(x, "%LOCALAPPDATA%\\z");
    free(x);
    eg_host_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_test_vectors),  cmocka_unit_test(v1_whole_word_variant),
        cmocka_unit_test(v2_test_vector),   cmocka_unit_test(serial_parsing),
        cmocka_unit_test(unify_like_emocheck), cmocka_unit_test(v4_patterns),
        cmocka_unit_test(v5_window),        cmocka_unit_test(launch_parsing),
        cmocka_unit_test(expansion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
