/*
 * Office documents: OLE2/CFB containers (through libgsf, from memory), VBA projects (the
 * project's own MS-OVBA decompressor and dir-stream parser), VBA source analysis with static
 * decoding, Excel 4.0 (XLM) macros from BIFF8 .xls, .xlsm XML and .xlsb BIFF12, OOXML packages
 * (content types, relationships, remote templates, DDE), Office encryption (detection, and
 * decryption of ECMA-376 standard and agile encryption and of the RC4 / RC4 CryptoAPI encryption
 * of .xls and .doc, with the default or a mail password), the VBA project and OLE storages kept
 * in ExOleObjStg records of PowerPoint 97-2003 files, RTF embedded objects and lure text.
 *
 * What it deliberately does not do: run or emulate macros (decoding is static: literals, Chr(),
 * concatenation, StrReverse, Replace on known strings, XOR with literal keys; XLM is followed
 * only as far as constants allow), parse VBA p-code beyond looking for strings, decrypt the XOR
 * obfuscation of .xls/.doc files or RC4-encrypted .ppt (they are reported), or render documents.
 *
 * The analyzers follow src/scan/scan.h; the parsers below are pure functions over bytes so the
 * tests, fuzzers and the benchmark can call them without a scan.
 */
#ifndef EG_OFFICE_OFFICE_H
#define EG_OFFICE_OFFICE_H

#include "core/buf.h"
#include "scan/scan.h"

/* ---- analyzers (registered in src/scan/dispatch.c) ---- */
eg_status eg_office_analyze_cfb(eg_scan *s, const eg_object *obj);         /* EG_T_CFB */
eg_status eg_office_analyze_vba_project(eg_scan *s, const eg_object *obj); /* EG_T_VBA_PROJECT */
eg_status eg_office_analyze_vba_source(eg_scan *s, const eg_object *obj);  /* EG_T_VBA_SOURCE */
eg_status eg_office_analyze_biff8(eg_scan *s, const eg_object *obj);       /* EG_T_BIFF8 */
eg_status eg_office_analyze_xlm(eg_scan *s, const eg_object *obj);         /* EG_T_XLM */
eg_status eg_office_analyze_ooxml(eg_scan *s, const eg_object *obj);       /* EG_T_OOXML */
eg_status eg_office_analyze_rtf(eg_scan *s, const eg_object *obj);         /* EG_T_RTF */
eg_status eg_office_analyze_sylk(eg_scan *s, const eg_object *obj);        /* EG_T_SYLK */
/* Word 2003 XML (EG_T_XML) and ActiveMime blobs from MHT parts (EG_T_BINARY): editdata.mso */
eg_status eg_office_analyze_xml(eg_scan *s, const eg_object *obj);
eg_status eg_office_analyze_activemime(eg_scan *s, const eg_object *obj);

/* ---- MS-OVBA ---- */
/* Decompresses a CompressedContainer (MS-OVBA 2.4.1) appending to out (whose limit caps the
 * output: EG_ELIMIT keeps the prefix). EG_EFORMAT on a bad signature or chunk. */
eg_status eg_ovba_decompress(const uint8_t *in, size_t len, eg_buf *out);

typedef struct eg_vba_module {
    char *name;          /* MODULENAME (project codepage bytes, NUL-terminated) */
    char *stream_name;   /* MODULESTREAMNAME (project codepage bytes) */
    char *stream_name_u; /* MODULESTREAMNAMEUNICODE as UTF-8, NULL when absent */
    char *name_u;        /* MODULENAMEUNICODE as UTF-8, NULL when absent */
    uint32_t text_offset;
    bool is_class; /* document/class module (MODULETYPE 0x0022) */
} eg_vba_module;

typedef struct eg_vba_dir {
    uint16_t codepage; /* PROJECTCODEPAGE, 1252 when absent */
    char *project_name;
    eg_vba_module *modules;
    size_t n_modules;
} eg_vba_dir;

#define EG_VBA_MAX_MODULES 512
/* Parses a decompressed dir stream (MS-OVBA 2.3.4.2). Tolerant: unknown records are skipped by
 * their size; EG_EFORMAT only when nothing usable is found. */
eg_status eg_vba_dir_parse(const uint8_t *dir, size_t len, eg_vba_dir **out);
void eg_vba_dir_free(eg_vba_dir *d);

/* Converts text in a Windows codepage (932, 1252, 65001 ...) to UTF-8 (invalid bytes become
 * U+FFFD). Returns a malloc'd NUL-terminated string, or NULL on ENOMEM. */
char *eg_office_codepage_to_utf8(const uint8_t *in, size_t len, unsigned codepage, size_t *outlen);

/* ---- VBA source analysis (on UTF-8 text) ---- */
enum {
    EG_VBA_F_AUTOEXEC = 1u << 0,
    EG_VBA_F_EXEC = 1u << 1,
    EG_VBA_F_DOWNLOAD = 1u << 2,
    EG_VBA_F_OBFUSCATED = 1u << 3,
    EG_VBA_F_DECLARE = 1u << 4,
    EG_VBA_F_CREATEOBJECT = 1u << 5,
    EG_VBA_F_CREATE_CALL = 1u << 6, /* .Create( on an object (Win32_Process.Create) */
    EG_VBA_F_SHOWWINDOW = 1u << 7   /* a startup object's ShowWindow set */
};
/* Statically decodes string expressions (literals, Chr/ChrW, &, StrReverse, Replace, simple
 * variables) line by line; decoded strings are appended to out, one per line. Returns the
 * number of strings decoded. */
size_t eg_vba_decode_strings(const char *src, size_t len, eg_buf *out);
/* The user functions and the assigned names of a source (a whole project), collected once;
 * src must outlive it. */
typedef struct eg_vba_defs eg_vba_defs;
eg_vba_defs *eg_vba_defs_build(const char *src, size_t len);
void eg_vba_defs_free(eg_vba_defs *d);
/* What the decoder may know beyond the module: the strings of the project's UserForm controls
 * (lookup of "Form.Control.Prop", case-insensitive; NULL when unknown) and the functions and
 * assigned names of the whole project (NULL = collected from the module). */
typedef struct eg_vba_ctx {
    const char *(*lookup)(void *ud, const char *key, size_t klen, size_t *vlen);
    void *ud;
    const eg_vba_defs *defs;
    eg_buf *plain; /* may be NULL: control strings used as they are, one per line */
} eg_vba_ctx;
/* The same with that context; user functions whose body is a straight line of assignments are
 * evaluated (bounded call depth and tokens), Split/Join, Mid/Left/Right, Trim, key-code and
 * string constants are modelled, a name assigned nowhere is Empty. */
size_t eg_vba_decode_strings_ctx(const char *src, size_t len, const eg_vba_ctx *ctx, eg_buf *out);

/* Decodes XOR-encoded strings whose data (Array(...) of numbers, a hex or number-list string, or
 * a plain string) and key (a number or a key string) are both literals in the module and used by
 * its XOR code (see vba_xor.c); loops are not run, a data/key pair is kept when it gives readable
 * text. Each decoded string is appended to out, one per line, and its key to keys (may be NULL),
 * one per line in the same order. Returns the number of strings decoded. */
size_t eg_vba_xor_decode(const char *src, size_t len, eg_buf *out, eg_buf *keys);

/* ---- Excel 4.0 macros ---- */
/* Each reader appends the readable form (see docs/office.md) to out:
 *   ' sheet "Macro1" type=macro state=veryHidden
 *   ' name "Auto_Open" builtin hidden = Macro1!$A$1
 *   Macro1!A1: =EXEC("calc.exe")
 *   Macro1!B1: "text"          (cell constants: strings with quotes doubled, numbers, TRUE/FALSE)
 * and sets flags. Limits: out's limit, the record count and 65 536 constants per .xls workbook
 * (per sheet part in .xlsm/.xlsb). */
enum {
    EG_XLM_F_MACROSHEET = 1u << 0,
    EG_XLM_F_HIDDEN_MACRO = 1u << 1,
    EG_XLM_F_VERYHIDDEN_MACRO = 1u << 2,
    EG_XLM_F_AUTO_OPEN = 1u << 3,
    EG_XLM_F_HIDDEN_SHEET = 1u << 4, /* a normal worksheet is hidden */
    EG_XLM_F_ENCRYPTED = 1u << 5,    /* FILEPASS */
    EG_XLM_F_FORMULAS = 1u << 6      /* at least one macro-sheet formula decoded */
};
eg_status eg_biff8_read(const uint8_t *wb, size_t len, eg_buf *out, unsigned *flags);
/* Decodes one BIFF8 (biff12=false) or BIFF12 rgce into infix text. */
eg_status eg_xlm_formula_decode(const uint8_t *rgce, size_t len, bool biff12, eg_buf *out);
/* A BIFF12 macro sheet part (xl/macrosheets/NAME.bin) named sheet. */
eg_status eg_biff12_sheet_read(const uint8_t *bin, size_t len, const char *sheet, eg_buf *out,
                               unsigned *flags);
/* A SYLK file (.slk) as one sheet named sheet; EG_XLM_F_MACROSHEET when it has the macro-sheet
 * option, an Auto_Open name or a macro-only call (EXEC, CALL, RUN ...). EG_EFORMAT without the
 * "ID;" header. */
eg_status eg_sylk_read(const uint8_t *d, size_t len, const char *sheet, eg_buf *out, unsigned *flags);
/* A SpreadsheetML macro sheet part (xl/macrosheets/NAME.xml). */
eg_status eg_xlm_xml_sheet_read(const uint8_t *xml, size_t len, const char *sheet, eg_buf *out,
                                unsigned *flags);

/* Static resolution of the readable XLM text above: the macro is followed from its Auto_Open
 * cells (then every cell not reached) the way Excel would run it, keeping what SET.NAME,
 * SET.VALUE, FORMULA, FORMULA.FILL and FORMULA.ARRAY write, as far as values are computable from
 * constants (CHAR, &, MID/LEFT/RIGHT/LEN, arithmetic, cell constants, written values, defined
 * names). Nothing else is evaluated and nothing is guessed. fn is called for each result:
 *   EG_XLM_RES_NAME   where = the name,  text = the computed string SET.NAME gave it
 *   EG_XLM_RES_WRITE  where = the cell,  text = the computed formula or value written there
 *   EG_XLM_RES_CALL   where = the cell,  text = EXEC/CALL/REGISTER/... rebuilt with computed
 * arguments EG_XLM_RES_ARG    where = the cell,  text = one computed string argument of such a call
 * Bounded by steps, cell executions, cells, names, string length (32767) and stop (called now
 * and then; true ends the run with EG_ETIME). EG_ELIMIT when a bound ended it (results so far
 * were reported). */
typedef enum { EG_XLM_RES_NAME, EG_XLM_RES_WRITE, EG_XLM_RES_CALL, EG_XLM_RES_ARG } eg_xlm_res_kind;
typedef void (*eg_xlm_res_fn)(void *ud, eg_xlm_res_kind kind, const char *where, const char *text,
                              size_t len);
eg_status eg_xlm_resolve(const char *xlm, size_t len, eg_xlm_res_fn fn, void *ud,
                         bool (*stop)(void *), void *stop_ud);

/* ---- DDE outside OOXML (dde.c) ---- */
/* Excel DDE formulas (=app|'topic'!item, after = + - @ or inside a function) in text: CSV, Excel
 * 2003 XML. Each is a finding on obj (where names the place); returns how many were found. */
size_t eg_office_dde_formulas(eg_scan *s, const eg_object *obj, const char *t, size_t len,
                              const char *where);
/* Word DDE / DDEAUTO field instructions in XML text (after '>' or '"') or 8-bit field codes. */
size_t eg_office_dde_fields_text(eg_scan *s, const eg_object *obj, const char *t, size_t len,
                                 const char *where);
/* The same in a .doc WordDocument stream (8-bit and UTF-16LE text). */
void eg_office_doc_fields(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len);
/* DDE links (BrtBeginSupBook with sbt 1) of an .xlsb external link part. */
void eg_office_xlsb_ddelinks(eg_scan *s, const eg_object *obj, const uint8_t *d, size_t len,
                             const char *part);

/* ---- lure text ---- */
enum { EG_LURE_ENABLE = 1u << 0, EG_LURE_TEMPLATES = 1u << 1 };
/* Searches raw bytes for the lure phrases as ASCII/UTF-8 and as UTF-16LE; returns EG_LURE_* bits
 * and copies the first phrase found into ev (evsize bytes). */
unsigned eg_office_lure_scan(const uint8_t *d, size_t len, char *ev, size_t evsize);

/* ---- CFB pre-check (cfb_check.c) ---- */
/* What libgsf is given at most: entries reached in the directory tree, and links (left, right,
 * child) on the longest path from the root, each one frame of libgsf's recursion (256 bytes). */
#define EG_CFB_MAX_ENTRIES 8192u
#define EG_CFB_MAX_DEPTH 2048u
typedef struct eg_cfb_info {
    eg_status status;   /* EG_EFORMAT malformed, EG_ELIMIT beyond the bounds above */
    char reason[160];   /* the first problem found, "" when none */
    uint32_t entries;   /* directory entries reached */
    uint32_t depth;     /* longest link path */
    bool vba_dir;       /* a storage named VBA holding a "dir" stream */
    bool macro_storage; /* a storage named Macros or _VBA_PROJECT_CUR */
    char vba_path[80];  /* "Macros/VBA", "_VBA_PROJECT_CUR/VBA", "VBA" */
} eg_cfb_info;
/* Checks the structure of a CFB file (MS-CFB) without recursion: EG_OK when libgsf may read it,
 * EG_EFORMAT or EG_ELIMIT with info->reason when it must not, EG_ENOMEM. */
eg_status eg_cfb_check(const uint8_t *d, size_t len, eg_cfb_info *info);

#endif
