/*
 * A tar header walk of our own, over uncompressed tar bytes in memory. libarchive hands out data
 * only for what its type flag says is a regular file: a directory (or FIFO, device ...) entry that
 * carries data has it skipped or read as a damaged header, while other extractors (7-Zip) keep
 * it. This walk reports every entry with its declared size and the bytes present, whatever its
 * type. It does not decode pax attributes (only GNU long names) and never writes anything.
 */
#ifndef EG_ARCHIVE_TAR_H
#define EG_ARCHIVE_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eg_tar_item {
    char name[260];      /* prefix/name (155 + 1 + 100) or GNU long name (cut), NUL-terminated */
    char type;           /* the type flag as stored ('0', '5', '6' ...) */
    uint64_t size;       /* declared data size */
    const uint8_t *data; /* the data present in the buffer (avail <= size) */
    size_t avail;
} eg_tar_item;

/* Called per entry; return false to stop. */
typedef bool (*eg_tar_cb)(void *ud, const eg_tar_item *it);

/* Walks the headers (checksums verified) until a zero block, a bad header, the end of the data or
 * max_items entries. Returns the number of entries seen. */
size_t eg_tar_walk(const uint8_t *data, size_t len, size_t max_items, eg_tar_cb cb, void *ud);

/* true for type flags that hold a regular file's data in every reader ('0', NUL, '7') */
bool eg_tar_type_regular(char type);

#endif
