/*
 * Internals shared by the ZIP reader's files (zip.c: structure, zip_extract.c: data). Not part of
 * the module's promise; only src/archive/ includes it.
 */
#ifndef EG_ARCHIVE_ZIP_INTERNAL_H
#define EG_ARCHIVE_ZIP_INTERNAL_H

#include "archive/zip.h"

#include <stddef.h>
#include <stdint.h>

struct eg_zip {
    const uint8_t *data; /* borrowed */
    size_t len;
    eg_zip_entry *e;
    size_t n, cap;
    eg_zip_info info;
    /* local header offset -> first entry read from it (index + 1), open addressing: many central
     * records may point at one local header, whose name and extras are read only once */
    uint32_t *lh_slots;
    size_t lh_mask;
};

#endif
