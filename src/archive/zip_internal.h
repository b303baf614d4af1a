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
};

#endif
