/* The CSV and host.txt readers: PowerShell's Export-Csv output (BOM, #TYPE line, quoted fields
 * with doubled quotes and line breaks, UTF-16LE), columns in any order, and broken files that
 * must fail with a line-numbered message instead of a partial result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/host.h"

#include <stdlib.h>
#include <string.h>

static eg_host_snapshot *snap(void)
{
    eg_host_snapshot *s;
    assert_int_equal(eg_host_snapshot_new(&s), EG_OK);
    return s;
}

static void procs_from_powershell(void **st)
{
    (void)st;
    const char csv[] =
        "\xEF\xBB\xBF#TYPE Selected.Microsoft.Management.Infrastructure.CimInstance\r\n"
        "\"Name\",\"ProcessId\",\"CommandLine\",\"ExecutablePath\",\"ParentProcessId\","
        "\"CreationDate\"\r\n"
        "\"System Idle Process\",\"0\",\"\",\"\",\"0\",\"\"\r\n"
        "\"rundll32.exe\",\"3000\",\"rundll32.exe "
        "\"\"C:\\Users\\a\\AppData\\Local\\Aibevs\\jbcss.nfg\"\",RunDLL\","
        "\"C:\\Windows\\System32\\rundll32.exe\",\"612\",\"2022/04/22 9:00:00\"\r\n"
        "\"notepad.exe\",\"3100\",\"notepad.exe "
        "\"\"a\r\nb.txt\"\"\",\"C:\\Windows\\notepad.exe\",\"612\",\"\"\r\n"
        "\r\n";
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(eg_host_load_procs_csv(s, csv, sizeof csv - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->nprocs, 3);
    assert_true(s->have_procs);
    assert_string_equal(s->procs[1].name, "rundll32.exe");
    assert_int_equal(s->procs[1].pid, 3000);
    assert_int_equal(s->procs[1].ppid, 612);
    assert_string_equal(s->procs[1].cmdline,
                        "rundll32.exe \"C:\\Users\\a\\AppData\\Local\\Aibevs\\jbcss.nfg\",RunDLL");
    assert_string_equal(s->procs[1].image, "C:\\Windows\\System32\\rundll32.exe");
    assert_null(s->procs[0].image);
    /* a line break inside a command line is kept out of reports by the sanitiser */
    assert_null(strchr(s->procs[2].cmdline, '\n'));
    eg_host_snapshot_free(s);
}

static void procs_utf16_and_name_from_image(void **st)
{
    (void)st;
    const char *text = "ExecutablePath,ProcessId\r\nC:\\Users\\太郎\\x.exe,77\r\n";
    /* UTF-8 -> UTF-16LE with BOM, as Windows PowerShell 5 writes by default */
    size_t n = strlen(text);
    uint8_t *u = malloc(2 * n + 2), *w = u;
    *w++ = 0xFF, *w++ = 0xFE;
    for (size_t i = 0; i < n;) {
        unsigned c = (unsigned char)text[i], cp;
        if (c < 0x80)
            cp = c, i++;
        else
            cp = (c & 0x0F) << 12 | (text[i + 1] & 0x3F) << 6 | (text[i + 2] & 0x3F), i += 3;
        *w++ = (uint8_t)cp, *w++ = (uint8_t)(cp >> 8);
    }
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(eg_host_load_procs_csv(s, (const char *)u, (size_t)(w - u), err, sizeof err),
                     EG_OK);
    assert_int_equal(s->nprocs, 1);
    assert_string_equal(s->procs[0].image, "C:\\Users\\太郎\\x.exe");
    assert_string_equal(s->procs[0].name, "x.exe");
    assert_int_equal(s->procs[0].pid, 77);
    free(u);
    eg_host_snapshot_free(s);
}

static void files_list(void **st)
{
    (void)st;
    const char csv[] = "Path,Size,LastWriteTime,Type,Head\n"
                       "C:\\Users\\a\\AppData\\Local\\Aibevs\\,0,133000000000000000,D,\n"
                       "\"C:\\Users\\a\\AppData\\Local\\Aibevs\\jbcss.nfg\",565248,"
                       "132395040001234567,F,4D5A9000\n";
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(eg_host_load_files_csv(s, csv, sizeof csv - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->nfiles, 2);
    assert_true(s->files[0].is_dir);
    assert_string_equal(s->files[0].path,
                        "C:\\Users\\a\\AppData\\Local\\Aibevs"); /* trailing '\' gone */
    assert_int_equal(s->files[1].size, 565248);
    assert_int_equal(s->files[1].mtime, 132395040001234567ull);
    assert_int_equal(s->files[1].head_len, 4);
    assert_memory_equal(s->files[1].head, "MZ\x90\x00", 4);
    eg_host_snapshot_free(s);
}

/* File times as FILETIME integers and as ISO 8601 (PowerShell's round-trip "o" format with 7
 * fraction digits, UTC or with an offset); a row that cannot be read costs only that row, a time
 * that cannot be read only the time of that file, each counted in a warning (issue 16). */
static void files_rows_cost_only_themselves(void **st)
{
    (void)st;
    const char csv[] = "Path,Size,LastWriteTime,Type,Head\n"
                       "C:\\a\\ft.dll,10,132395040001234567,F,4D5A\n"
                       "C:\\a\\utc.dll,10,2020-07-18T00:00:00.1234567Z,F,4D5A\n"
                       "C:\\a\\jst.dll,10,2020-07-18T09:00:00.1234567+09:00,F,4D5A\n"
                       "C:\\a\\space.dll,10,2020-07-18 00:00:00,F,\n"
                       "C:\\a\\badsize.dll,-1,132395040001234567,F,\n"
                       "C:\\a\\badtime.dll,10,yesterday,F,4D5A\n"
                       "C:\\a\\badhead.dll,10,132395040001234567,F,4G\n"
                       "C:\\a\\last.dll,10,2020-07-18T00:00:00.12345678901Z,F,\n";
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(eg_host_load_files_csv(s, csv, sizeof csv - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->nfiles, 6);         /* badsize and badhead skipped; badtime and last kept */
    assert_int_equal(s->files[5].mtime, 0); /* 11 fraction digits: not a time */
    assert_string_equal(s->files[0].path, "C:\\a\\ft.dll");
    assert_int_equal(s->files[0].mtime, 132395040001234567ull);
    assert_string_equal(s->files[1].path, "C:\\a\\utc.dll");
    assert_int_equal(s->files[1].mtime, 132395040001234567ull);
    assert_int_equal(s->files[2].mtime, 132395040001234567ull);
    assert_int_equal(s->files[3].mtime, 132395040000000000ull);
    assert_string_equal(s->files[4].path, "C:\\a\\badtime.dll");
    assert_int_equal(s->files[4].mtime, 0); /* unknown: only the file-time checks lose it */
    assert_int_equal(s->nwarn, 2);
    assert_non_null(
        strstr(s->warnings[0], "2 rows could not be read and were skipped (first at line 6: Size"));
    assert_non_null(strstr(s->warnings[1], "2 times could not be read (first at line 7)"));
    eg_host_snapshot_free(s);
}

/* A record that cannot be read at all (a stray quote, a NUL byte, a field over the limit, a
 * quote never closed) costs only that record in a file list too: the reader goes on at the next
 * line, counts it, and names the first one. The process list stays strict (see
 * broken_files_fail_clearly): a lost process row could hide the running loader. */
static void files_broken_records_cost_only_themselves(void **st)
{
    (void)st;
    size_t big = EG_HOST_MAX_FIELD + 10;
    char *b = malloc(big + 1024), *p = b;
    p += sprintf(p, "Path,Size,LastWriteTime,Type,Head\r\n"
                    "C:\\a\\one.dll,10,2020-07-18T00:00:00.1234567Z,F,4D5A\r\n"
                    "C:\\a\\st\"ray.dll,10,132395040001234567,F,\r\n"
                    "C:\\a\\nul.dll,10,1323950400");
    *p++ = 0;
    p += sprintf(p, "01234567,F,\r\n"
                    "C:\\a\\two.dll,10,132395040001234567,F,\r\n"
                    "C:\\a\\");
    memset(p, 'a', big);
    p += big;
    p += sprintf(p, ".dll,10,132395040001234567,F,\r\n"
                    "C:\\a\\three.dll,10,132395040001234567,F,\r\n"
                    "\"C:\\a\\open.dll,10,132395040001234567,F,\r\n"
                    "C:\\a\\four.dll,10,2020-07-18T09:00:00.1234567+09:00,F,\r\n");
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(eg_host_load_files_csv(s, b, (size_t)(p - b), err, sizeof err), EG_OK);
    assert_int_equal(s->nfiles, 4);
    assert_string_equal(s->files[0].path, "C:\\a\\one.dll");
    assert_string_equal(s->files[1].path, "C:\\a\\two.dll");
    assert_string_equal(s->files[2].path, "C:\\a\\three.dll");
    assert_string_equal(s->files[3].path, "C:\\a\\four.dll");
    assert_int_equal(s->files[0].mtime, 132395040001234567ull);
    assert_int_equal(s->files[3].mtime, 132395040001234567ull);
    assert_int_equal(s->nwarn, 1);
    assert_non_null(strstr(s->warnings[0], "4 rows could not be read and were skipped (first at "
                                           "line 3: quote inside an unquoted field)"));
    eg_host_snapshot_free(s);
    free(b);
    /* line numbers stay right after a skipped record: the bad size is on line 4 */
    const char csv[] = "Path,Size,LastWriteTime,Type,Head\n"
                       "\"C:\\a\\x\"y.dll,1,1,F,\n"
                       "C:\\a\\ok.dll,1,1,F,\n"
                       "C:\\a\\bad.dll,big,1,F,\n";
    s = snap();
    assert_int_equal(eg_host_load_files_csv(s, csv, sizeof csv - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->nfiles, 1);
    assert_non_null(strstr(s->warnings[0], "2 rows could not be read and were skipped (first at "
                                           "line 2: text after a closing quote)"));
    eg_host_snapshot_free(s);
    s = snap();
    const char csv2[] = "Path,Size,LastWriteTime,Type,Head\n"
                        "C:\\a\\bad.dll,big,1,F,\n"
                        "\"C:\\a\\x\"y.dll,1,1,F,\n"
                        "C:\\a\\bad2.dll,big,1,F,\n";
    assert_int_equal(eg_host_load_files_csv(s, csv2, sizeof csv2 - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->nfiles, 0);
    assert_non_null(strstr(s->warnings[0], "3 rows could not be read and were skipped (first at "
                                           "line 2: Size"));
    eg_host_snapshot_free(s);
}

static void expect_error(eg_status (*fn)(eg_host_snapshot *, const char *, size_t, char *, size_t),
                         const char *csv, eg_status want, const char *msg)
{
    eg_host_snapshot *s = snap();
    char err[256] = "";
    assert_int_equal(fn(s, csv, strlen(csv), err, sizeof err), want);
    if (!strstr(err, msg))
        fail_msg("error '%s' lacks '%s'", err, msg);
    eg_host_snapshot_free(s);
}

static void broken_files_fail_clearly(void **st)
{
    (void)st;
    expect_error(eg_host_load_procs_csv, "Name,ProcessId\nx.exe,\"12\n", EG_EFORMAT,
                 "line 2: unterminated quoted field");
    expect_error(eg_host_load_procs_csv, "Name,ProcessId\nx.exe,12\ny.exe,abc\n", EG_EFORMAT,
                 "line 3: ProcessId or ParentProcessId is not a number");
    expect_error(eg_host_load_procs_csv, "Name,ProcessId\nx.exe,99999999999\n", EG_EFORMAT,
                 "line 2");
    expect_error(eg_host_load_procs_csv, "Foo,Bar\n1,2\n", EG_EFORMAT, "required columns");
    expect_error(eg_host_load_procs_csv, "", EG_EFORMAT, "no header row");
    expect_error(eg_host_load_procs_csv, "Name,ProcessId\nx\"y,1\n", EG_EFORMAT, "quote inside");
    expect_error(eg_host_load_procs_csv, "Name,ProcessId\n\"x\"y,1\n", EG_EFORMAT,
                 "after a closing quote");
    expect_error(eg_host_load_info, "serial=hello\n", EG_EFORMAT, "line 1: serial");
    /* a field over the limit, and too many columns */
    size_t big = EG_HOST_MAX_FIELD + 10;
    char *b = malloc(big + 64);
    strcpy(b, "Name,ProcessId\n");
    memset(b + 15, 'a', big);
    strcpy(b + 15 + big, ",1\n");
    expect_error(eg_host_load_procs_csv, b, EG_ELIMIT, "field too long");
    free(b);
    char cols[1024] = "Name";
    for (int i = 0; i < 80; i++)
        strcat(cols, ",x");
    expect_error(eg_host_load_procs_csv, cols, EG_ELIMIT, "too many columns");
}

static void host_info(void **st)
{
    (void)st;
    eg_host_snapshot *s = snap();
    const char t[] = "# collected by "
                     "collect.ps1\r\nhostname=PC-01\r\nserial=0C3B-1F4A\r\nsystemroot=D:"
                     "\\WINDOWS\r\narch=AMD64\r\njunk line\r\n";
    char err[128];
    assert_int_equal(eg_host_load_info(s, t, sizeof t - 1, err, sizeof err), EG_OK);
    assert_string_equal(s->hostname, "PC-01");
    assert_true(s->have_serial);
    assert_int_equal(s->serial, 0x0C3B1F4A);
    assert_string_equal(s->system_root, "D:\\WINDOWS");
    assert_true(s->is64);
    eg_host_snapshot_free(s);
}

static void tasks_list(void **st)
{
    (void)st;
    const char csv[] = "TaskPath,TaskName,Execute,Arguments\n"
                       "\\,Updater,C:\\Windows\\System32\\regsvr32.exe,\"/s "
                       "\"\"C:\\Users\\a\\AppData\\Local\\Xyzab\\qwe.dll\"\"\"\n"
                       "\\Microsoft\\,ComTask,,\n";
    eg_host_snapshot *s = snap();
    char err[128];
    assert_int_equal(eg_host_load_tasks_csv(s, csv, sizeof csv - 1, err, sizeof err), EG_OK);
    assert_int_equal(s->ntasks, 1);
    assert_string_equal(s->tasks[0].name, "\\Updater");
    assert_string_equal(s->tasks[0].command, "\"C:\\Windows\\System32\\regsvr32.exe\" /s "
                                             "\"C:\\Users\\a\\AppData\\Local\\Xyzab\\qwe.dll\"");
    eg_host_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(procs_from_powershell),
        cmocka_unit_test(procs_utf16_and_name_from_image),
        cmocka_unit_test(files_list),
        cmocka_unit_test(broken_files_fail_clearly),
        cmocka_unit_test(files_rows_cost_only_themselves),
        cmocka_unit_test(files_broken_records_cost_only_themselves),
        cmocka_unit_test(host_info),
        cmocka_unit_test(tasks_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
