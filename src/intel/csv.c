/*
 * CSV records and fields for feed files (see csv.h). Quotes are tracked across lines so that a
 * MISP comment with a newline stays inside its record; everything else is one line.
 */
#include "intel/csv.h"

#include <string.h>
#include <strings.h>

bool eg_csv_next(eg_csv *r, const char **rec, size_t *len, uint32_t *line, bool *toolong)
{
    if (r->pos >= r->len)
        return false;
    const char *s = r->d + r->pos;
    size_t left = r->len - r->pos, i = 0;
    bool inq = false, too = false;
    uint32_t nl = 0;
    for (; i < left; i++) {
        if (i >= r->max_record) {
            /* skip to the end of this physical line and report the record as too long */
            const char *e = memchr(s + i, '\n', left - i);
            i = e ? (size_t)(e - s) : left;
            too = true;
            break;
        }
        char c = s[i];
        if (c == '"')
            inq = !inq;
        else if (c == '\n') {
            if (!inq)
                break;
            nl++;
        }
    }
    *line = r->line;
    *toolong = too;
    r->pos += i < left ? i + 1 : i;
    r->line += nl + 1;
    size_t n = too ? r->max_record : i;
    if (n && s[n - 1] == '\r')
        n--;
    *rec = s;
    *len = n;
    return true;
}

static bool sp(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int eg_csv_split(const char *rec, size_t len, char *scratch, eg_csv_field *f, int maxf, const char **err)
{
    int nf = 0;
    size_t i = 0, so = 0;
    for (;;) {
        while (i < len && sp(rec[i]))
            i++;
        if (nf == maxf) {
            *err = "too many fields";
            return -1;
        }
        if (i < len && rec[i] == '"') {
            size_t start = so;
            i++;
            for (;;) {
                if (i >= len) {
                    *err = "unterminated quoted field";
                    return -1;
                }
                if (rec[i] == '"') {
                    if (i + 1 < len && rec[i + 1] == '"') {
                        scratch[so++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                scratch[so++] = rec[i++];
            }
            f[nf].p = scratch + start;
            f[nf].len = so - start;
            nf++;
            while (i < len && sp(rec[i]))
                i++;
            if (i < len && rec[i] != ',') {
                *err = "text after a closing quote";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < len && rec[i] != ',') {
                if (rec[i] == '"') {
                    *err = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            size_t e = i;
            while (e > start && sp(rec[e - 1]))
                e--;
            f[nf].p = rec + start;
            f[nf].len = e - start;
            nf++;
        }
        if (i >= len)
            return nf;
        i++; /* the comma */
    }
}

bool eg_csv_is(const eg_csv_field *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && !strncasecmp(f->p, s, n);
}

void eg_csv_excerpt(const char *s, size_t len, char *out, size_t outsz)
{
    size_t o = 0;
    if (!outsz)
        return;
    for (size_t i = 0; i < len && o + 4 < outsz && i < 60; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (len > 60 && o + 4 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
}
