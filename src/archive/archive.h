/*
 * Archive analyzers.
 *
 * eg_archive_analyze_zip (EG_T_ZIP) reads a ZIP with the project's own reader (zip.h): every entry
 * becomes a child object; encrypted entries are opened with the scan's password candidates, one
 * candidate at a time with CRC/HMAC verification, within the password try budget. Findings cover
 * encryption (and where the opening password came from), entries that could not be opened, layout
 * tricks (name mismatch, overlapping entries, prefixed data), bombs, zero padding (with the true
 * size), unsupported methods (handed to libarchive where it can read them).
 *
 * eg_archive_analyze_other (EG_T_ARCHIVE) reads 7z, RAR, gzip/bzip2/xz, tar, ISO 9660, cab and the
 * like through libarchive from memory and feeds the entries back as children. libarchive cannot
 * decrypt 7z or RAR: encrypted entries there are reported as not opened.
 *
 * Neither writes anything to disk or runs anything; output is capped by the scan's budgets.
 */
#ifndef EG_ARCHIVE_ARCHIVE_H
#define EG_ARCHIVE_ARCHIVE_H

#include "scan/scan.h"

eg_status eg_archive_analyze_zip(eg_scan *s, const eg_object *obj);
eg_status eg_archive_analyze_other(eg_scan *s, const eg_object *obj);

/* Reads one named entry of any archive libarchive understands (used for ZIP methods our reader
 * does not decode: bzip2, LZMA, PPMd, Deflate64 ...). Output capped at max_out (EG_ELIMIT, output
 * kept). password may be NULL. EG_ENOTFOUND when no entry has that name. */
eg_status eg_archive_la_extract(const uint8_t *data, size_t len, const char *name,
                                const char *password, uint64_t max_out, uint8_t **out,
                                size_t *outlen);
/* The same; *size_true (may be NULL) gets the bytes decoded, which pass max_out by one when the
 * output was cut. A 7z whose header declares too much is refused with EG_ELIMIT. */
eg_status eg_archive_la_extract_ex(const uint8_t *data, size_t len, const char *name,
                                   const char *password, uint64_t max_out, uint8_t **out,
                                   size_t *outlen, uint64_t *size_true);

#endif
