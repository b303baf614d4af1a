/*
 * Shared inside src/office only: helpers one analyzer file offers another. Nothing here is part
 * of the module's promise to the rest of the program (that is office.h).
 */
#ifndef EG_OFFICE_INT_H
#define EG_OFFICE_INT_H

#include "office/office.h"

/* eg_buf_init plus a first allocation, so a zero-length append into a fresh buffer never touches
 * a NULL data pointer. */
static inline void eg_office_buf_init(eg_buf *b, size_t limit)
{
    eg_buf_init(b, limit);
    eg_buf_reserve(b, 1);
}

/* The cap for one output buffer: the scan's remaining budget, at most max, never 0 (an eg_buf
 * limit of 0 would mean "unlimited"). */
static inline size_t eg_office_cap(eg_scan *s, size_t max)
{
    uint64_t b = eg_scan_budget(s);
    size_t c = b < max ? (size_t)b : max;
    return c ? c : 1;
}

/* Per-project facts gathered across the modules of one VBA project or the formulas of one
 * workbook, so a combination (auto-exec in one module, Shell in another) is seen. Keyed by the
 * id of the object that holds the project. Returns the updated flags. */
unsigned eg_office_project_flags(eg_scan *s, uint32_t project_id, unsigned add);

/* Base64 decode (standard alphabet, whitespace skipped); malloc'd, NULL when not base64. */
uint8_t *eg_office_b64_decode(const char *in, size_t len, size_t *outlen);

/* Command-like text (powershell, cmd, mshta, regsvr32 ...)? */
bool eg_office_looks_like_cmd(const char *s, size_t len);

/* Lure scan of a part or stream, recorded as findings on obj. */
void eg_office_lure_findings(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len);

/* CFB: decryption of an ECMA-376 EncryptionInfo/EncryptedPackage pair. On success *out is the
 * decrypted package (malloc'd) and *pw the password that opened it (static or from the scan). */
typedef struct eg_office_pw {
    const char *value;
    const char *origin;
    bool is_default; /* VelvetSweatshop */
} eg_office_pw;
eg_status eg_office_decrypt(eg_scan *s, const eg_object *obj, const uint8_t *info, size_t info_len,
                            const uint8_t *pkg, size_t pkg_len, uint8_t **out, size_t *out_len,
                            eg_office_pw *pw);
/* The same with one given password, no scan (tests, fuzzing). */
eg_status eg_office_decrypt_with(const uint8_t *info, size_t info_len, const uint8_t *pkg,
                                 size_t pkg_len, const char *password, size_t max_out,
                                 uint8_t **out, size_t *out_len);

/* Inflates a zlib stream at d into a malloc'd buffer of at most cap bytes (EG_ELIMIT keeps the
 * prefix; EG_EFORMAT for a broken stream or fewer than 8 bytes out). */
eg_status eg_office_inflate(const uint8_t *d, size_t len, size_t cap, uint8_t **out,
                            size_t *outlen);
/* The same for raw deflate (no zlib header), with no minimum length (HWP streams). */
eg_status eg_office_inflate_raw(const uint8_t *d, size_t len, size_t cap, uint8_t **out,
                                size_t *outlen);

/* PowerPoint 97-2003 (ppt.c): the ExOleObjStg records of a "PowerPoint Document" stream, and
 * which of them the VBAInfoAtom names (vba_off, SIZE_MAX when none). EG_ELIMIT past the record
 * bound (what was found is kept). */
#define EG_PPT_MAX_OBJECTS 64
typedef struct eg_ppt_objects {
    size_t off[EG_PPT_MAX_OBJECTS]; /* record offsets */
    size_t n;
    bool have_vba;
    uint32_t vba_ref;
    size_t vba_off;
    unsigned records;
    bool encrypted; /* a CryptSession10Container: the presentation is RC4 CryptoAPI encrypted */
} eg_ppt_objects;
eg_status eg_office_ppt_find(const uint8_t *d, size_t len, eg_ppt_objects *o);
/* The storage bytes of the ExOleObjStg record at off: in place, or inflated into *owned (malloc'd,
 * at most cap bytes) when the record is compressed. */
eg_status eg_office_ppt_storage(const uint8_t *d, size_t len, size_t off, size_t cap,
                                const uint8_t **stg, size_t *stg_len, uint8_t **owned);
/* The analyzer's part: every storage becomes a CFB child of obj (the VBA one named so). */
void eg_office_ppt_objects(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len);

/* UTF-16LE of a UTF-8 password (BMP only) into out; returns the bytes written. */
size_t eg_office_pw_utf16(const char *pw, uint8_t *out, size_t max);

/* ---- RC4 of the binary formats (rc4.c): MS-OFFCRYPTO 2.3.5 / 2.3.6 ---- */
typedef struct eg_office_rc4_hdr {
    bool cryptoapi; /* 2.3.5 (SHA-1) rather than 2.3.6 (MD5) */
    unsigned key_bits, key_bytes;
    const uint8_t *salt, *verifier, *vhash; /* 16, 16, vhash_len bytes, pointing into the input */
    size_t vhash_len;
} eg_office_rc4_hdr;
typedef struct eg_office_rc4_key {
    bool cryptoapi;
    unsigned key_bytes;
    uint8_t base[20]; /* H1 (5 bytes, RC4) or H0 (20 bytes, CryptoAPI) */
} eg_office_rc4_key;
/* Parses an RC4 (version 1.1) or RC4 CryptoAPI (2.2/3.2/4.2) encryption header. */
eg_status eg_office_rc4_parse(const uint8_t *hdr, size_t len, eg_office_rc4_hdr *h);
/* Derives the key for password and checks it against the verifier: EG_EPASSWORD when wrong. */
eg_status eg_office_rc4_derive(const eg_office_rc4_hdr *h, const char *password,
                               eg_office_rc4_key *k);
/* XORs the key stream (re-keyed every block_size bytes of offset) into d[from..len). */
void eg_office_rc4_apply(const eg_office_rc4_key *k, size_t block_size, uint8_t *d, size_t len,
                         size_t from);
/* The FILEPASS record of a BIFF8 stream: its offset and the RC4 header it holds. EG_ENOTFOUND
 * without one, EG_EUNSUPPORTED for XOR obfuscation. */
eg_status eg_office_xls_filepass(const uint8_t *wb, size_t len, size_t *rec_off,
                                 const uint8_t **hdr, size_t *hdr_len);
/* Decrypts a whole BIFF8 stream with a verified key (*out malloc'd, len bytes, FILEPASS blanked
 * to record type 0), or with a password (EG_EPASSWORD when it is wrong). */
eg_status eg_office_xls_decrypt_key(const uint8_t *wb, size_t len, const eg_office_rc4_key *k,
                                    uint8_t **out);
eg_status eg_office_xls_decrypt_with(const uint8_t *wb, size_t len, const char *password,
                                     uint8_t **out);
/* Tries "VelvetSweatshop" then the mail's candidates (each counted against the password budget);
 * *k is the key that verified, *pw the password. EG_EPASSWORD when none did. */
eg_status eg_office_rc4_find_key(eg_scan *s, const eg_object *obj, const eg_office_rc4_hdr *h,
                                 eg_office_rc4_key *k, eg_office_pw *pw);
/* The BIFF8 analyzer's FILEPASS handling: tries the passwords, adds the decrypted stream as a
 * BIFF8 child with the findings, or records OFFICE.ENCRYPTED. */
void eg_office_biff8_decrypt(eg_scan *s, const eg_object *obj);

/* ---- embedded OLE objects (oleobj.c) ---- */
typedef struct eg_ole10native {
    const char *label, *src, *tmp; /* ANSI, not NUL-terminated, pointing into the input */
    size_t label_len, src_len, tmp_len;
    uint32_t kind;         /* 0x00030000 embedded file, 0x00010000 link */
    bool linked;           /* a link: src names the file, there is no data */
    const uint8_t *data;   /* the packaged file (in the input) */
    size_t data_len;       /* bytes present */
    uint32_t declared_len; /* bytes the header declares */
    bool truncated;        /* declared more than present */
} eg_ole10native;
/* Parses an \001Ole10Native stream; EG_EFORMAT when even the header is cut short. */
eg_status eg_ole10native_parse(const uint8_t *d, size_t len, eg_ole10native *o);
/* The analyzer's part: findings on obj and the payload as a child named by its file name. */
void eg_office_ole10native(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                           const char *path);
/* A CLSID as stored (16 bytes, GUID layout) in text form "0002CE02-0000-0000-C000-000000000046". */
void eg_office_clsid_str(const uint8_t id[16], char out[37]);
/* What a class id is when exploits use it (Equation Editor, OLE2Link, monikers ...), else NULL. */
const char *eg_office_exploit_clsid(const char *clsid);

/* A DDE field or link whose server or command is a program (cmd, powershell, mshta, an .exe ...),
 * not a data feed (dde.c). */
bool eg_office_dde_runs(const char *t, size_t n);
/* DDE links in the SUPBOOK records of a BIFF8 workbook stream (dde.c). */
void eg_office_biff8_ddelinks(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len);

/* ---- RTF (rtf.c) ---- */
/* Called for each \objdata destination with its decoded bytes, the \objclass seen before it and
 * how many things Word's writer never puts there (control words, groups, stray characters). */
typedef void (*eg_rtf_object_fn)(void *ud, const uint8_t *data, size_t len, const char *objclass,
                                 size_t anomalies);
typedef struct eg_rtf_stats {
    size_t objects, max_depth;
    bool too_many, dest_overflow;
} eg_rtf_stats;
/* Reads the objects of an RTF document as Word does (see rtf.c); each at most max_object bytes. */
eg_status eg_rtf_objects(const uint8_t *d, size_t n, size_t max_object, eg_rtf_object_fn fn,
                         void *ud, eg_rtf_stats *stats);

/* Runs eg_cfb_check() on obj: true when libgsf may open it; otherwise records why
 * (OFFICE.CFB_MALFORMED or LIMIT.OBJECTS) and any macro storage the check saw: false. */
bool eg_office_cfb_precheck(eg_scan *s, const eg_object *obj, eg_cfb_info *ci);
/* A CFB (or its macro storage) libgsf did not read although the check passed: why. */
void eg_office_cfb_unread(eg_scan *s, const eg_object *obj, const eg_cfb_info *ci, const char *why);

/* ---- VBA projects (vba_project.c) ---- */
typedef struct _GsfInfile GsfInfile;
typedef struct _GsfInput GsfInput;
/* The VBA storage vba of a CFB (parent: the storage holding it and the UserForm storages, may be
 * NULL): modules become EG_T_VBA_SOURCE children of obj, findings go on obj. */
void eg_office_vba_storage(eg_scan *s, const eg_object *obj, GsfInfile *vba, GsfInfile *parent,
                           const char *path);
/* CFB entry names compared as CFB does: without case (UTF-8 aware). */
bool eg_office_name_eq(const char *a, const char *b);
/* The child of dir named name (compared without case), NULL when none; unref it after use. */
GsfInput *eg_office_child_ci(GsfInfile *dir, const char *name);
/* Compiled code p[0..n) holding a telling string or identifier the source lacks (ev: evidence). */
bool eg_office_pcode_disagrees(const uint8_t *p, size_t n, const char *src, size_t srclen, char *ev,
                               size_t evsz);
/* Per-project facts for the module analyzer, keyed by the id of the object holding the project:
 * control properties ("form.control.prop", case-insensitive) and the whole project source. */
void eg_office_vba_project_prop(eg_scan *s, uint32_t id, const char *key, const char *val,
                                size_t vlen);
const char *eg_office_vba_project_lookup(const eg_scan *s, uint32_t id, const char *key,
                                         size_t klen, size_t *vlen);
const char *eg_office_vba_project_source(const eg_scan *s, uint32_t id, size_t *len);
/* The project's functions and assigned names for the decoder, built on first use and kept with
 * the project (NULL when the project has no source kept). */
const eg_vba_defs *eg_office_vba_project_defs(eg_scan *s, uint32_t id);

/* ---- UserForm streams (oform.c, MS-OFORMS) ---- */
/* Called with each string property of each control: control name, property ("Tag",
 * "ControlTipText", "Value", "Caption", "GroupName") and its value in UTF-8; control NULL for a
 * property of the form itself ("Zoom"). */
typedef void (*eg_oform_cb)(void *ud, const char *control, const char *prop, const char *val,
                            size_t vlen);
/* Reads the 'f' stream (and the 'o' stream when o != NULL). EG_EFORMAT when f is no FormControl;
 * a damaged later part ends the walk with what was read. */
eg_status eg_oform_parse(const uint8_t *f, size_t flen, const uint8_t *o, size_t olen,
                         unsigned codepage, eg_oform_cb cb, void *ud);

/* HWP (Hangul Word Processor 5.x, hwp.c). eg_hwp_header: is d a FileHeader stream, and its
 * flags. eg_hwp_inflate: raw deflate (HWP streams) into a malloc'd buffer of at most cap bytes.
 * eg_hwp_judge_ps: EG_HWP_PS for PostScript/EPS (by name or content), plus EG_HWP_PS_EXEC when
 * a long hex string is turned into code. eg_office_hwp_stream: findings and children for one
 * stream of an HWP document (BinData, Scripts). */
enum { EG_HWP_F_COMPRESSED = 1, EG_HWP_F_PASSWORD = 2, EG_HWP_F_DISTRIBUTION = 4 };
enum { EG_HWP_PS = 1, EG_HWP_PS_EXEC = 2 };
bool eg_hwp_header(const uint8_t *d, size_t len, unsigned *flags);
eg_status eg_hwp_inflate(const uint8_t *d, size_t len, size_t cap, uint8_t **out, size_t *outlen);
unsigned eg_hwp_judge_ps(const char *name, const uint8_t *d, size_t len);
void eg_office_hwp_stream(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                          const char *path, unsigned hflags);

#endif
