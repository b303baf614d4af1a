/*
 * A Japanese reader sees no English in `--lang ja` text output except rule ids, file names and
 * what is quoted from the mail.
 *
 * Every generated case this test can reach is scanned and written as a Japanese text report
 * (verbose, so info-level findings are in it too): the hostile tables (tests/fixtures/hostile_*.c),
 * the generated seeds of the scanning fuzz targets (tests/fuzz/corpus: office, payload, archive
 * and mail fixtures written by the fixture code), and the example mails (also through the emoguard
 * binary). From the text are removed: rule ids, object names, the source, the mail's header
 * values, passwords, values quoted in 「...」 or "...", hex hashes and numbers. What is left must
 * hold no run of three or more ASCII letters, except the proper names below that Japanese
 * administrators write in Latin letters. Every word found is listed with its case and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "hostile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Proper names that Japanese administrators write in Latin letters: formats, products,
 * standards, header names and malware families. A word is allowed only as a whole word (no ASCII
 * letter right before or after it). */
static const char *const allowed[] = {
    /* formats and file kinds */
    "ZIP",
    "ZipCrypto",
    "AES",
    "7z",
    "RAR",
    "ISO",
    "CAB",
    "TAR",
    "XZ",
    "XAR",
    "ARJ",
    "LZH",
    "UDF",
    "VHD",
    "VHDX",
    "MBR",
    "NTFS",
    "FAT",
    "DIFAT",
    "gzip",
    "bzip2",
    "Zstandard",
    "VBA",
    "XLM",
    "LNK",
    "OneNote",
    "HTML",
    "XML",
    "XSL",
    "RTF",
    "PDF",
    "OOXML",
    "CFB",
    "OLE",
    "BIFF8",
    "BIFF12",
    "SYLK",
    "TNEF",
    "HWP",
    "EPS",
    "PostScript",
    "MIME",
    "ActiveMime",
    "Ole10Native",
    "ObjectPool",
    "ITSF",
    "CHM",
    "HTA",
    "WSF",
    "DLL",
    "EXE",
    "COM",
    "FIFO",
    "IMG",
    "Base64",
    "UTF",
    "CRC",
    "HMAC",
    "RC4",
    "CryptoAPI",
    "XOR",
    "SHA",
    "MD5",
    "GUID",
    "UNC",
    "URI",
    "URL",
    "IP",
    /* products, languages, vendors */
    "Office",
    "Word",
    "Excel",
    "PowerPoint",
    "Outlook",
    "Windows",
    "Microsoft",
    "PowerShell",
    "JavaScript",
    "JScript",
    "VBScript",
    "Windows Script File",
    "YARA",
    "WebDAV",
    "WMI",
    "ActiveX",
    "NET",
    "Script Encoder",
    "Hangul",
    "Emotet",
    "Agile",
    "CVE",
    "UserForm",
    "FormControl",
    "VelvetSweatshop",
    "libgsf",
    "DDE",
    /* standards, protocols and header names */
    "RFC",
    "DNS",
    "SMTP",
    "HTTP",
    "HTTPS",
    "SPF",
    "DKIM",
    "DMARC",
    "TLS",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Received",
    "From",
    "Reply-To",
    "Return-Path",
    "Sender",
    "Content-Type",
    "Subject",
    "Date",
    "To",
    "Cc",
};

/* Names of commands, functions, streams and keywords, written as the program reads them (a
 * translation would hide what to search for). Only as whole words, like the list above. */
static const char *const identifiers[] = {
    "Auto_Open",
    "AutoOpen",
    "Chr",
    "CHAR",
    "Replace",
    "StrReverse",
    "CreateObject",
    "GetObject",
    "Shell",
    "WScript.Shell",
    "WScript",
    "IEX",
    "Invoke-Expression",
    "EncodedCommand",
    "WindowStyle Hidden",
    "eval",
    "Execute",
    "ExecuteGlobal",
    "ActiveXObject",
    "EXEC",
    "CALL",
    "REGISTER",
    "SET.NAME",
    "FORMULA",
    "URLDownloadToFileA",
    "regsvr32",
    "rundll32",
    "mshta",
    "cmd.exe",
    "findstr",
    "wmic",
    "uuencode",
    "cvx exec",
    "DllRegisterServer",
    "Win32_Process.Create",
    "Run",
    "FILEPASS",
    "FileHeader",
    "EncryptionInfo",
    "EncryptedPackage",
    "CryptSession10Container",
    "spinCount",
    "veryHidden",
    "objdata",
    "dir",
    "editdata.mso",
    "HHCtrl",
    "InternetShortcut",
    "registration",
    "scriptlet",
    "component",
    "ms:script",
    "msxsl:script",
    "file://",
    "winmail.dat",
    "cmd",
    "/format:",
};

typedef struct {
    char word[64];
    char where[160];
    char line[240];
    unsigned count;
} found_word;

static found_word found[400];
static size_t n_found;
static size_t n_cases;

static void note_word(const char *w, size_t wl, const char *where, const char *line, size_t ll)
{
    if (wl >= sizeof found[0].word)
        wl = sizeof found[0].word - 1;
    for (size_t i = 0; i < n_found; i++)
        if (strlen(found[i].word) == wl && !memcmp(found[i].word, w, wl)) {
            found[i].count++;
            return;
        }
    if (n_found == sizeof found / sizeof found[0])
        return;
    found_word *f = &found[n_found++];
    memcpy(f->word, w, wl);
    snprintf(f->where, sizeof f->where, "%s", where);
    if (ll >= sizeof f->line)
        ll = sizeof f->line - 1;
    memcpy(f->line, line, ll);
    f->count = 1;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* blanks every occurrence of s in t */
static void blank(char *t, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n)
        return;
    for (char *p = strstr(t, s); p; p = strstr(p + n, s))
        memset(p, ' ', n);
}

/* blanks what stands between open and close (both included), nested pairs counted */
static void blank_quoted(char *t, const char *open, const char *close)
{
    size_t ol = strlen(open), cl = strlen(close);
    for (char *p = strstr(t, open); p; p = strstr(p, open)) {
        char *q = p + ol;
        int depth = 1;
        while (*q && depth) {
            if (!strncmp(q, close, cl) && strcmp(open, close)) {
                depth--;
                q += cl;
            } else if (!strncmp(q, open, ol)) {
                depth += strcmp(open, close) ? 1 : -1;
                q += ol;
            } else if (*q == '\n' && !strcmp(open, close)) {
                break; /* a lone ASCII quote does not reach into the next line */
            } else
                q++;
        }
        memset(p, ' ', (size_t)(q - p));
        p = q;
    }
}

/* longest first, so that "Windows" does not break "Windows Script File" */
static void blank_words(char *t, const char *const *w, size_t nw)
{
    size_t done = 0, last = (size_t)-1;
    while (done < nw) {
        size_t len = 0;
        for (size_t i = 0; i < nw; i++)
            if (strlen(w[i]) < last && strlen(w[i]) > len)
                len = strlen(w[i]);
        for (size_t i = 0; i < nw; i++) {
            size_t n = strlen(w[i]);
            if (n != len)
                continue;
            done++;
            for (char *p = strstr(t, w[i]); p; p = strstr(p + 1, w[i]))
                if ((p == t || !is_alpha(p[-1])) && !is_alpha(p[n]))
                    memset(p, ' ', n);
        }
        if (!len)
            break;
        last = len;
    }
}

/* file extensions (".exe", "(.vbe / .jse)") and command-line options ("--verbose") are names
 * too */
static void blank_extensions(char *t)
{
    for (char *p = strstr(t, "--"); p; p = strstr(p + 1, "--")) {
        char *q = p + 2;
        while (is_alpha(*q) || *q == '-')
            q++;
        memset(p, ' ', (size_t)(q - p));
    }
    for (char *p = t; *p; p++)
        if (*p == '.' && (p == t || !is_alpha(p[-1]))) {
            char *q = p + 1;
            while (is_alpha(*q) || (*q >= '0' && *q <= '9'))
                q++;
            if (q - p > 1 && q - p <= 7)
                memset(p, ' ', (size_t)(q - p));
        }
}

static void blank_allowed(char *t)
{
    blank_words(t, identifiers, sizeof identifiers / sizeof identifiers[0]);
    blank_words(t, allowed, sizeof allowed / sizeof allowed[0]);
    blank_extensions(t);
}

/* hex runs of 16 or more (hashes, GUIDs' parts) and every digit */
static void blank_numbers(char *t)
{
    for (char *p = t; *p;) {
        size_t n = strspn(p, "0123456789abcdefABCDEF");
        if (n >= 16)
            memset(p, ' ', n);
        p += n ? n : 1;
    }
    for (char *p = t; *p; p++)
        if (*p >= '0' && *p <= '9')
            *p = ' ';
}

static void check_text(const char *where, const eg_report *r, const char *text)
{
    char *t = strdup(text);
    assert_non_null(t);
    /* rule ids longest first ("XLM.AUTO_OPEN" must not break "XLM.AUTO_OPEN_EXECUTION") */
    const char *ids[1024];
    size_t nid = 0;
    for (size_t i = 0; i < eg_rule_count() && nid < 1024; i++)
        ids[nid++] = eg_rule_get((int)i)->id;
    blank_words(t, ids, nid);
    for (size_t i = eg_report_object_count(r); i-- > 0;) {
        const eg_object *o = eg_report_object(r, i);
        blank(t, o->name);
        blank(t, o->password);
    }
    blank(t, eg_report_source(r));
    const eg_mail_info *m = eg_report_mail(r);
    if (m) {
        blank(t, m->from_display), blank(t, m->from_addr), blank(t, m->to);
        blank(t, m->subject), blank(t, m->date), blank(t, m->message_id);
    }
    /* the password line lists candidates found in the mail, each quoted */
    blank_quoted(t, "「", "」");
    blank_quoted(t, "\"", "\"");
    blank_allowed(t);
    blank_numbers(t);
    /* the original text's lines, for the message */
    for (char *p = t; *p; p++) {
        if (!is_alpha(*p))
            continue;
        char *q = p;
        while (is_alpha(*q))
            q++;
        if (q - p >= 3) {
            size_t off = (size_t)(p - t);
            const char *ls = text + off, *le = text + off;
            while (ls > text && ls[-1] != '\n')
                ls--;
            while (*le && *le != '\n')
                le++;
            note_word(p, (size_t)(q - p), where, ls, (size_t)(le - ls));
        }
        p = q - 1;
    }
    free(t);
}

static void scan_and_check(const char *where, const uint8_t *data, size_t len)
{
    eg_report *r = eg_test_scan(data, len, NULL);
    assert_non_null(r);
    eg_text_options o = {.lang = EG_LANG_JA, .verbose = true};
    char *text = eg_report_text_opt(r, &o);
    assert_non_null(text);
    check_text(where, r, text);
    free(text);
    eg_report_free(r);
    n_cases++;
}

static void hostile_cases(void)
{
    for (size_t t = 0; eg_hostile_tables[t]; t++)
        for (const eg_hostile_case *c = eg_hostile_tables[t]; c->name; c++) {
            size_t len = 0;
            uint8_t *data = c->make(&len);
            assert_non_null(data);
            char where[160];
            snprintf(where, sizeof where, "hostile %s", c->name);
            scan_and_check(where, data, len);
            free(data);
        }
}

static bool scanned_dir(const char *name)
{
    static const char *const pre[] = {"fuzz_scan",       "fuzz_mime",     "fuzz_zip",
                                      "fuzz_office_",    "fuzz_payload_", "fuzz_vba_xor",
                                      "fuzz_xlm_resolve"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (!strncmp(name, pre[i], strlen(pre[i])))
            return true;
    return false;
}

static void dir_files(const char *dir, const char *suffix, const char *tag)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (e->d_name[0] == '.' || (suffix && (n < sl || strcmp(e->d_name + n - sl, suffix))))
            continue;
        char path[1024], where[160];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        uint8_t *data = eg_test_read_file(path, &len);
        if (!data)
            continue;
        snprintf(where, sizeof where, "%s %s", tag, e->d_name);
        scan_and_check(where, data, len);
        free(data);
    }
    closedir(d);
}

static void corpus_cases(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus", EG_SOURCE_DIR);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!scanned_dir(e->d_name))
            continue;
        char sub[1400];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        dir_files(sub, NULL, e->d_name);
    }
    closedir(d);
}

/* the binary's output too: what the command line adds around the report */
static void cli_examples(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s scan --lang ja --verbose %s/examples/*.eml 2>&1", EG_BINARY,
             EG_SOURCE_DIR);
    char *out = NULL;
    size_t n = 0;
    int rc = eg_test_run(cmd, &out, &n);
    assert_true(rc >= 0 && rc <= 2);
    assert_non_null(out);
    /* names the in-process scans of the same files blank are blanked by their own check; here
     * only the lines the command line writes itself are looked at */
    eg_report *empty = eg_test_scan("", 0, NULL);
    assert_non_null(empty);
    char *t = strdup(out);
    for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "■", 3) || line[0] == ' ')
            continue; /* a report: checked in-process */
        check_text("emoguard scan --lang ja", empty, line);
    }
    free(t);
    free(out);
    eg_report_free(empty);
}

static void no_english_left(void **state)
{
    (void)state;
    hostile_cases();
    corpus_cases();
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/examples", EG_SOURCE_DIR);
    dir_files(dir, ".eml", "example");
    cli_examples();
    printf("%zu cases scanned, %zu English words left\n", n_cases, n_found);
    for (size_t i = 0; i < n_found; i++)
        printf("  %-18s x%-4u %s\n      %s\n", found[i].word, found[i].count, found[i].where,
               found[i].line);
    assert_true(n_cases > 50);
    assert_int_equal(n_found, 0);
}

/* the checker itself finds English and lets the allowed rest through */
static void checker_works(void **state)
{
    (void)state;
    size_t before = n_found;
    eg_report *r = eg_test_scan("", 0, NULL);
    assert_non_null(r);
    check_text("self-test", r, "根拠: 「evil.exe」 ZIP の 12 個, SHA-256 0123456789abcdef0123 ok");
    assert_int_equal(n_found, before);
    check_text("self-test", r, "根拠: entries not opened");
    assert_int_equal(n_found, before + 3);
    n_found = before;
    eg_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checker_works),
        cmocka_unit_test(no_english_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
