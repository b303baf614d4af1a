/*
 * A bounds check of a 7z archive's header before libarchive sees it. libarchive allocates the
 * decoded header at the size the archive declares for it, so a 140-byte file can make it reserve
 * 16 GB. This reads just enough of the 7z structure (signature header, the encoded header's
 * StreamsInfo) to learn the declared sizes; it does not decode anything.
 */
#ifndef EG_ARCHIVE_SEVENZIP_H
#define EG_ARCHIVE_SEVENZIP_H

#include "emoguard/emoguard.h"

/* true when data starts with the 7z signature */
bool eg_7z_detect(const uint8_t *data, size_t len);
/* EG_OK when every unpack size the encoded header declares is at most max_unpack (or the header
 * is not encoded, or cannot be read far enough: libarchive then reports the damage itself);
 * EG_ELIMIT with *declared set to the offending size otherwise; EG_EFORMAT (and *declared = the
 * header size) when the signature header points outside the data. */
eg_status eg_7z_check_header(const uint8_t *data, size_t len, uint64_t max_unpack,
                             uint64_t *declared);

/* Declared counts of a plain (not encoded) header: files, folders, pack streams and substreams.
 * libarchive allocates one array per count at the declared size before reading a single entry,
 * so 139 bytes claiming 92 million files cost it 8 GB. EG_ELIMIT (with *what naming the count
 * and *declared its value) when one is above max_count or above what the header's bytes could
 * describe; EG_OK otherwise, also when the structure is not one this walk follows. */
eg_status eg_7z_check_counts(const uint8_t *data, size_t len, uint64_t max_count, const char **what,
                             uint64_t *declared);

#endif
