/*
 * Readers for the text artifacts docs/collect.ps1 writes: the process list and file list CSVs
 * (RFC 4180 quoting, UTF-8 with or without BOM, or UTF-16LE with BOM as Windows PowerShell
 * writes by default, PowerShell's "#TYPE" line tolerated), the scheduled task CSV and host.txt.
 * Columns are found by header name so their order does not matter. Every field, row and file is
 * capped; a broken file fails with a line-numbered message, never a partial silent result.
 */
#include "host/host.h"

#include "core/buf.h"
#include "core/safe.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_COLS 64

typedef struct {
    const char *p;
    size_t len, off;
    size_t line;
    size_t rec_line;   /* where the current record started: what error messages show */
    size_t rec_off;    /* and its offset, where a broken record is skipped from */
    char *f[MAX_COLS]; /* fields of the current row (point into buf) */
    size_t nf;
    eg_buf buf;
    /* rows whose fields could not be read cost only themselves: counted, the first one kept
     * for the warning */
    size_t bad_rows, bad_times, first_bad_line, first_time_line;
    const char *first_bad;
} csv;

static void seterr(char *err, size_t errlen, const char *what, size_t line, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: line %zu: %s", what, line, msg);
}

/* Reads one record into r->f. Returns EG_ENOTFOUND at the end of input. */
static eg_status csv_row(csv *r, const char **msg)
{
    size_t starts[MAX_COLS];
    r->nf = 0;
    r->buf.len = 0;
    if (r->off >= r->len)
        return EG_ENOTFOUND;
    r->line++;
    r->rec_line = r->line;
    r->rec_off = r->off;
    size_t start = 0, flen = 0;
    bool inq = false, quoted = false, done = false;
    starts[0] = 0;
    while (!done) {
        if (r->off >= r->len) {
            if (inq) {
                *msg = "unterminated quoted field";
                return EG_EFORMAT;
            }
            done = true;
        } else {
            char c = r->p[r->off++];
            if (inq) {
                if (c == '"') {
                    if (r->off < r->len && r->p[r->off] == '"') {
                        r->off++;
                    } else {
                        inq = false;
                        continue;
                    }
                } else if (c == '\n')
                    r->line++;
                if (c == 0) {
                    *msg = "NUL byte in a field";
                    return EG_EFORMAT;
                }
            } else if (c == '"') {
                if (flen) {
                    *msg = "quote inside an unquoted field";
                    return EG_EFORMAT;
                }
                if (quoted) {
                    *msg = "text after a closing quote";
                    return EG_EFORMAT;
                }
                inq = quoted = true;
                continue;
            } else if (c == ',' || c == '\n' || c == '\r') {
                if (c == '\r' && r->off < r->len && r->p[r->off] == '\n')
                    r->off++;
                if (c != ',')
                    done = true;
                else if (r->nf + 1 >= MAX_COLS) {
                    *msg = "too many columns";
                    return EG_ELIMIT;
                }
                if (eg_buf_putc(&r->buf, 0)) {
                    *msg = "row too long";
                    return EG_ELIMIT;
                }
                starts[r->nf++] = start;
                start = r->buf.len;
                flen = 0;
                quoted = false;
                continue;
            } else if (quoted) {
                *msg = "text after a closing quote";
                return EG_EFORMAT;
            } else if (c == 0) {
                *msg = "NUL byte in a field";
                return EG_EFORMAT;
            }
            if (++flen > EG_HOST_MAX_FIELD) {
                *msg = "field too long";
                return EG_ELIMIT;
            }
            if (eg_buf_putc(&r->buf, (uint8_t)c)) {
                *msg = "row too long";
                return EG_ELIMIT;
            }
            continue;
        }
        if (eg_buf_putc(&r->buf, 0)) {
            *msg = "row too long";
            return EG_ELIMIT;
        }
        starts[r->nf++] = start;
    }
    for (size_t i = 0; i < r->nf; i++)
        r->f[i] = (char *)r->buf.data + starts[i];
    return EG_OK;
}

/* UTF-16LE with BOM -> UTF-8 (PowerShell 5's default); otherwise strips a UTF-8 BOM. */
static eg_status to_utf8(const char *data, size_t len, char **own, const char **p, size_t *n)
{
    *own = NULL;
    if (len >= 2 && (uint8_t)data[0] == 0xFF && (uint8_t)data[1] == 0xFE) {
        eg_buf b;
        eg_buf_init(&b, EG_HOST_MAX_CSV);
        for (size_t i = 2; i + 1 < len; i += 2) {
            unsigned cp = eg_rd16le((const uint8_t *)data + i);
            if (cp >= 0xD800 && cp < 0xDC00 && i + 3 < len) {
                unsigned lo = eg_rd16le((const uint8_t *)data + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                } else
                    cp = 0xFFFD;
            } else if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            char u[4];
            size_t k = eg_utf8_encode(cp ? cp : 0xFFFD, u);
            eg_status st = eg_buf_append(&b, u, k);
            if (st) {
                eg_buf_free(&b);
                return st;
            }
        }
        if (eg_buf_putc(&b, 0)) {
            eg_buf_free(&b);
            return EG_ELIMIT;
        }
        *own = eg_buf_steal(&b, n);
        (*n)--;
        *p = *own;
        return EG_OK;
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
        data += 3, len -= 3;
    *p = data;
    *n = len;
    return EG_OK;
}

typedef eg_status (*row_fn)(eg_host_snapshot *s, const int *col, csv *r, const char **msg);

static bool bad_row(csv *r, const char *why);

/* After a record that cannot be read (a stray quote, a NUL byte, a field over the limit): goes
 * on after the line where the error was found, or after the record's first line when a quote
 * was never closed (the rest of the file would otherwise be one field). */
static void resync(csv *r)
{
    size_t from = r->off >= r->len ? r->rec_off : (r->off ? r->off - 1 : 0);
    const char *nl = from < r->len ? memchr(r->p + from, '\n', r->len - from) : NULL;
    size_t to = nl ? (size_t)(nl - r->p) + 1 : r->len;
    size_t lines = 0;
    for (size_t i = r->rec_off; i < to; i++)
        lines += r->p[i] == '\n';
    r->off = to;
    r->line = r->rec_line + lines - (lines ? 1 : 0);
}

/* Shared driver: header -> column map (names[i] alternatives separated by '|'), then rows. */
static eg_status load_csv(eg_host_snapshot *s, const char *data, size_t len, const char *what,
                          const char *const *names, size_t nnames, size_t required_any, row_fn fn,
                          bool skip_broken, char *err, size_t errlen)
{
    if (len > EG_HOST_MAX_CSV) {
        seterr(err, errlen, what, 0, "file too large");
        return EG_ELIMIT;
    }
    char *own;
    csv r = {0};
    eg_status st = to_utf8(data, len, &own, &r.p, &r.len);
    if (st) {
        seterr(err, errlen, what, 0, "cannot convert UTF-16 text");
        return st;
    }
    eg_buf_init(&r.buf, 2 * EG_HOST_MAX_FIELD + 4096);
    const char *msg = "no header row";
    int col[16];
    for (size_t i = 0; i < nnames; i++)
        col[i] = -1;
    /* header, skipping PowerShell's "#TYPE System.Management..." line */
    do
        st = csv_row(&r, &msg);
    while (!st && r.nf >= 1 && r.f[0][0] == '#');
    if (st) {
        st = st == EG_ENOTFOUND ? EG_EFORMAT : st;
        goto out;
    }
    for (size_t c = 0; c < r.nf; c++) {
        for (size_t i = 0; i < nnames; i++) {
            const char *alt = names[i];
            while (*alt) {
                const char *bar = strchr(alt, '|');
                size_t n = bar ? (size_t)(bar - alt) : strlen(alt);
                if (strlen(r.f[c]) == n && !strncasecmp(r.f[c], alt, n) && col[i] < 0)
                    col[i] = (int)c;
                alt += n + (bar ? 1 : 0);
            }
        }
    }
    bool any = false;
    for (size_t i = 0; i < nnames; i++)
        if ((required_any >> i) & 1)
            any |= col[i] >= 0;
    if (!any) {
        msg = "header lacks the required columns (see docs/hostcheck.md)";
        st = EG_EFORMAT;
        goto out;
    }
    while ((st = csv_row(&r, &msg)) != EG_ENOTFOUND) {
        if (st && skip_broken && (st == EG_EFORMAT || st == EG_ELIMIT)) {
            bad_row(&r, msg); /* only this row is lost */
            resync(&r);
            continue;
        }
        if (st)
            goto out;
        if (r.nf == 1 && !r.f[0][0])
            continue; /* blank line */
        st = fn(s, col, &r, &msg);
        if (st)
            goto out;
    }
    if (st == EG_ENOTFOUND)
        st = EG_OK;
    if (!st && r.bad_rows)
        eg_host_warn(s, "%s: %llu rows could not be read and were skipped (first at line %llu: %s)",
                     what, (unsigned long long)r.bad_rows, (unsigned long long)r.first_bad_line,
                     r.first_bad);
    if (!st && r.bad_times)
        eg_host_warn(s,
                     "%s: %llu times could not be read (first at line %llu); the file-time checks "
                     "skipped those files",
                     what, (unsigned long long)r.bad_times, (unsigned long long)r.first_time_line);
out:
    if (st)
        seterr(err, errlen, what, r.rec_line,
               st == EG_ELIMIT && !strcmp(msg, "no header row") ? "too many rows" : msg);
    eg_buf_free(&r.buf);
    free(own);
    return st;
}

/* field by column map; "" when the row is short or the column is absent */
static const char *fld(const csv *r, const int *col, int i)
{
    return (col[i] >= 0 && (size_t)col[i] < r->nf) ? r->f[col[i]] : "";
}

static bool parse_u64(const char *s, uint64_t *v)
{
    while (*s == ' ')
        s++;
    if (!*s) {
        *v = 0;
        return true;
    }
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    while (*end == ' ')
        end++;
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

static const char *const proc_cols[] = {"ProcessId|PID|Id", "ParentProcessId|PPID",
                                        "Name|ProcessName", "ExecutablePath|ImagePath|Path",
                                        "CommandLine"};

static eg_status proc_row(eg_host_snapshot *s, const int *col, csv *r, const char **msg)
{
    uint64_t pid, ppid;
    if (!parse_u64(fld(r, col, 0), &pid) || pid > 0xFFFFFFFFu ||
        !parse_u64(fld(r, col, 1), &ppid) || ppid > 0xFFFFFFFFu) {
        *msg = "ProcessId or ParentProcessId is not a number";
        return EG_EFORMAT;
    }
    const char *name = fld(r, col, 2), *img = fld(r, col, 3), *cmd = fld(r, col, 4);
    eg_status st = eg_host_add_proc(s, (uint32_t)pid, (uint32_t)ppid, *name ? name : NULL,
                                    *img ? img : NULL, *cmd ? cmd : NULL);
    if (st)
        *msg = st == EG_ELIMIT ? "too many rows" : "out of memory";
    return st;
}

eg_status eg_host_load_procs_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen)
{
    eg_status st = load_csv(s, data, len, "process list", proc_cols, 5, (1u << 2) | (1u << 3),
                            proc_row, false, err, errlen);
    if (!st)
        s->have_procs = true;
    return st;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverted) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* n decimal digits at *p into *v; false unless exactly n digits */
static bool digits(const char **p, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return false;
        *v = *v * 10 + (unsigned)(**p - '0');
    }
    return true;
}

#define FILETIME_UNIX_EPOCH 116444736000000000ull /* 1970-01-01 in 100 ns ticks since 1601 */

/* ISO 8601 as collectors write it: YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM|+HHMM],
 * PowerShell's round-trip format ("o") having 7 fraction digits; more are cut to 7 (100 ns).
 * Without a zone the time is taken as UTC. Into FILETIME ticks. */
static bool parse_iso8601(const char *p, uint64_t *ft)
{
    unsigned y, mo, d, h, mi, sec, frac = 0;
    while (*p == ' ')
        p++;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return false;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &sec))
        return false;
    if (y < 1601 || y > 30827 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    if (*p == '.' || *p == ',') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 7)
                frac = frac * 10 + (unsigned)(*p - '0');
        if (!n || n > 9)
            return false;
        for (; n < 7; n++)
            frac *= 10;
    }
    int64_t off = 0; /* seconds east of UTC */
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        unsigned oh, om = 0;
        if (!digits(&p, 2, &oh))
            return false;
        if (*p == ':')
            p++;
        if (*p && !digits(&p, 2, &om))
            return false;
        if (oh > 14 || om > 59)
            return false;
        off = sign * (int64_t)(oh * 3600 + om * 60);
    }
    while (*p == ' ')
        p++;
    if (*p)
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    int64_t ticks = secs * 10000000 + (int64_t)frac + (int64_t)FILETIME_UNIX_EPOCH;
    if (ticks <= 0)
        return false;
    *ft = (uint64_t)ticks;
    return true;
}

/* A file time: a FILETIME integer (100 ns ticks since 1601) or ISO 8601. */
static bool parse_time(const char *s, uint64_t *ft)
{
    return parse_u64(s, ft) || parse_iso8601(s, ft);
}

static bool bad_row(csv *r, const char *why)
{
    if (!r->bad_rows++) {
        r->first_bad_line = r->rec_line;
        r->first_bad = why;
    }
    return true;
}

static const char *const file_cols[] = {"Path|FullName", "Size|Length",
                                        "LastWriteTime|LastWriteTimeUtc|MTime",
                                        "Type|IsDirectory|Mode", "Head|FirstBytes"};

static eg_status file_row(eg_host_snapshot *s, const int *col, csv *r, const char **msg)
{
    const char *path = fld(r, col, 0), *type = fld(r, col, 3), *hx = fld(r, col, 4);
    uint64_t size, mtime;
    (void)msg;
    /* a row that cannot be read costs only that row; a time that cannot be read only the
     * file-time checks of that file (mtime 0 = unknown) */
    if (!*path)
        return bad_row(r, "empty Path"), EG_OK;
    if (!parse_u64(fld(r, col, 1), &size))
        return bad_row(r, "Size is not a number"), EG_OK;
    if (!parse_time(fld(r, col, 2), &mtime)) {
        if (!r->bad_times++)
            r->first_time_line = r->rec_line;
        mtime = 0;
    }
    bool dir = !strcasecmp(type, "D") || !strcasecmp(type, "True") ||
               !strcasecmp(type, "Directory") || type[0] == 'd';
    uint8_t head[EG_HOST_HEAD];
    size_t hn = 0, n = strlen(hx);
    if (n % 2)
        return bad_row(r, "Head is not hex"), EG_OK;
    for (size_t i = 0; i + 1 < n && hn < EG_HOST_HEAD; i += 2) {
        int a = hexval(hx[i]), b = hexval(hx[i + 1]);
        if (a < 0 || b < 0)
            return bad_row(r, "Head is not hex"), EG_OK;
        head[hn++] = (uint8_t)(a << 4 | b);
    }
    eg_status st = eg_host_add_file(s, path, size, mtime, dir, head, hn);
    if (st)
        *msg = st == EG_ELIMIT ? "too many rows" : "out of memory";
    return st;
}

eg_status eg_host_load_files_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen)
{
    eg_status st =
        load_csv(s, data, len, "file list", file_cols, 5, 1u, file_row, true, err, errlen);
    if (!st)
        s->have_files = true;
    return st;
}

static const char *const task_cols[] = {"TaskName|Name", "TaskPath", "Execute|Command",
                                        "Arguments"};

static eg_status task_row(eg_host_snapshot *s, const int *col, csv *r, const char **msg)
{
    char name[1024], cmd[2 * 4096];
    const char *exe = fld(r, col, 2), *args = fld(r, col, 3);
    if (!*exe)
        return EG_OK; /* COM-handler actions have no program */
    snprintf(name, sizeof name, "%s%s", fld(r, col, 1), fld(r, col, 0));
    /* the program is quoted so the command splits like Task Scheduler would run it */
    snprintf(cmd, sizeof cmd, "\"%s\"%s%s", exe, *args ? " " : "", args);
    eg_status st = eg_host_add_task(s, name, cmd);
    if (st)
        *msg = st == EG_ELIMIT ? "too many rows" : "out of memory";
    return st;
}

eg_status eg_host_load_tasks_csv(eg_host_snapshot *s, const char *data, size_t len, char *err,
                                 size_t errlen)
{
    return load_csv(s, data, len, "task list", task_cols, 4, 1u << 2, task_row, false, err, errlen);
}

eg_status eg_host_load_info(eg_host_snapshot *s, const char *data, size_t len, char *err,
                            size_t errlen)
{
    char *own;
    const char *p;
    size_t n;
    if (len > (1u << 20)) {
        seterr(err, errlen, "host.txt", 0, "file too large");
        return EG_ELIMIT;
    }
    eg_status st = to_utf8(data, len, &own, &p, &n);
    if (st)
        return st;
    size_t line = 0;
    for (size_t off = 0; off < n && !st;) {
        const char *nl = memchr(p + off, '\n', n - off);
        size_t e = nl ? (size_t)(nl - p) : n;
        char buf[1024];
        size_t l = e - off;
        line++;
        if (l >= sizeof buf)
            l = sizeof buf - 1;
        memcpy(buf, p + off, l);
        buf[l] = 0;
        off = e + 1;
        while (l && (buf[l - 1] == '\r' || buf[l - 1] == ' '))
            buf[--l] = 0;
        char *eq = strchr(buf, '=');
        if (!eq || buf[0] == '#')
            continue;
        *eq = 0;
        const char *k = buf, *v = eq + 1;
        if (!strcasecmp(k, "hostname"))
            st = eg_host_set_str(&s->hostname, v);
        else if (!strcasecmp(k, "systemroot"))
            st = eg_host_set_str(&s->system_root, v);
        else if (!strcasecmp(k, "arch"))
            s->is64 = s->is64 || !strcasecmp(v, "AMD64") || !strcasecmp(v, "ARM64");
        else if (!strcasecmp(k, "serial") && *v) {
            if (!eg_host_parse_serial(v, &s->serial)) {
                seterr(err, errlen, "host.txt", line, "serial is not a volume serial number");
                st = EG_EFORMAT;
            } else
                s->have_serial = true;
        }
    }
    free(own);
    return st;
}

eg_status eg_host_read_file(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
        /* a regular file's size is known before reading: a 1 GiB CSV is refused at once, not after
         * max bytes were read into memory (pipes and the like are still read up to max) */
#ifdef _WIN32
    struct _stati64 fs;
    bool sized = _fstati64(_fileno(f), &fs) == 0 && (fs.st_mode & _S_IFMT) == _S_IFREG;
#else
    struct stat fs;
    bool sized = fstat(fileno(f), &fs) == 0 && S_ISREG(fs.st_mode);
#endif
    if (sized && (fs.st_size < 0 || (uint64_t)fs.st_size > max)) {
        fclose(f);
        return EG_ELIMIT;
    }
    eg_buf b;
    eg_buf_init(&b, max);
    char chunk[65536];
    size_t n;
    eg_status st = EG_OK;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = eg_buf_append(&b, chunk, n);
    if (!st && ferror(f))
        st = EG_EIO;
    fclose(f);
    if (!st)
        st = eg_buf_reserve(&b, 1);
    if (st) {
        eg_buf_free(&b);
        return st;
    }
    if (!b.data) { /* empty file */
        *out = calloc(1, 1);
        return *out ? EG_OK : EG_ENOMEM;
    }
    *out = eg_buf_steal(&b, len);
    return EG_OK;
}
