/* libFuzzer target: FILEPASS parsing, RC4 / RC4 CryptoAPI header parsing and key derivation, and
 * the BIFF8 stream decryption (run with the derived key even when the verifier rejects it, so the
 * record walk is exercised), followed by the BIFF8 reader on the result; and the .doc form (a
 * header at the start of the input, 512-byte blocks from offset 68). */
#include "office/office_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the .doc form: the input is the Table stream head (the header) and, decrypted, a WordDocument */
static void doc_form(const uint8_t *data, size_t size)
{
    eg_office_rc4_hdr h;
    if (eg_office_rc4_parse(data, size, &h) != EG_OK)
        return;
    eg_office_rc4_key k;
    eg_office_rc4_derive(&h, "VelvetSweatshop", &k);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return;
    memcpy(copy, data, size);
    eg_office_rc4_apply(&k, 512, copy, size, 68);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    doc_form(data, size);
    size_t off, hl;
    const uint8_t *hdr;
    if (eg_office_xls_filepass(data, size, &off, &hdr, &hl) != EG_OK)
        return 0;
    eg_office_rc4_hdr h;
    if (eg_office_rc4_parse(hdr, hl, &h) != EG_OK)
        return 0;
    eg_office_rc4_key k;
    eg_office_rc4_derive(&h, "VelvetSweatshop", &k);
    uint8_t *out = NULL;
    if (eg_office_xls_decrypt_key(data, size, &k, &out) == EG_OK) {
        eg_buf text;
        eg_buf_init(&text, 1u << 20);
        unsigned flags;
        eg_biff8_read(out, size, &text, &flags);
        eg_buf_free(&text);
        free(out);
    }
    return 0;
}
