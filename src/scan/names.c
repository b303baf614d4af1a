/*
 * Name checks. The name was sanitised when the object was made: bidi controls appear as
 * "<U+202E>", which is what we look for. Synthetic names given by analyzers ("[text/plain]",
 * "word/vbaProject.bin") pass through harmlessly: they carry no executable extension.
 */
#include "scan/names.h"

#include "core/strutil.h"
#include "scan/detect.h"

#include <string.h>
#include <strings.h>

static const char *const exec_ext[] = {
    "exe", "scr", "com", "pif", "cpl", "dll", "ocx", "sys", "msi", "msp", "js",  "jse", "vbs",
    "vbe", "wsf", "wsh", "hta", "bat", "cmd", "ps1", "psm1", "lnk", "url", "reg", "jar", "iso",
    "img", "vhd", "vhdx", "chm", "one", "onepkg", "appx", "msix", "library-ms", "search-ms",
    "scf", "settingcontent-ms", "xll", "wll", "iqy", "slk", NULL};

static const char *const doc_ext[] = {"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "xlsb",
                                      "ppt", "pptx", "txt", "rtf", "jpg", "jpeg", "png", "gif",
                                      "zip", "csv", "htm", "html", "mp3", "mp4", NULL};

static bool in_list(const char *const *l, const char *ext, size_t n)
{
    for (; *l; l++)
        if (strlen(*l) == n && !strncasecmp(*l, ext, n))
            return true;
    return false;
}

bool eg_name_ext_is_executable(const char *ext) { return in_list(exec_ext, ext, strlen(ext)); }

/* The extension before the last one, skipping spaces used to push ".exe" out of view. */
static bool double_extension(const char *name, const char *last_ext)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t end = strlen(base) - strlen(last_ext) - 1; /* index of the last dot */
    size_t e = end;
    while (e > 0 && (base[e - 1] == ' ' || base[e - 1] == '_'))
        e--;
    size_t b = e;
    while (b > 0 && base[b - 1] != '.' && e - b < 6)
        b--;
    if (b == 0 || base[b - 1] != '.' || b == e)
        return false;
    return in_list(doc_ext, base + b, e - b);
}

/* Types a name may legitimately claim for a given content. */
static bool compatible(eg_type claimed, eg_type actual)
{
    if (claimed == actual)
        return true;
    switch (claimed) {
    case EG_T_OOXML: return actual == EG_T_ZIP || actual == EG_T_CFB; /* encrypted OOXML is CFB */
    case EG_T_CFB: return actual == EG_T_OOXML || actual == EG_T_RTF || actual == EG_T_HTML ||
                          actual == EG_T_XML || actual == EG_T_MAIL || actual == EG_T_TEXT;
    case EG_T_ZIP: return actual == EG_T_OOXML;
    case EG_T_TEXT: return actual == EG_T_SCRIPT || actual == EG_T_HTML || actual == EG_T_XML ||
                           actual == EG_T_MAIL;
    case EG_T_HTML: return actual == EG_T_TEXT || actual == EG_T_XML || actual == EG_T_SCRIPT;
    case EG_T_XML: return actual == EG_T_TEXT || actual == EG_T_HTML;
    case EG_T_ARCHIVE: return actual == EG_T_ZIP;
    case EG_T_MAIL: return actual == EG_T_TEXT;
    default: return false;
    }
}

void eg_names_check(eg_scan *s, const eg_object *o)
{
    const char *name = o->name;
    if (!name || !*name || name[0] == '[')
        return;
    if (strstr(name, "<U+202E>") || strstr(name, "<U+202D>") || strstr(name, "<U+2067>"))
        eg_scan_finding(s, o, EG_R_NAME_RTLO, "\"%s\"", name);
    const char *ext = eg_path_ext(name);
    if (!*ext)
        return;
    bool exec = eg_name_ext_is_executable(ext);
    if (exec) {
        eg_scan_finding(s, o, EG_R_NAME_EXECUTABLE_EXT, "\"%s\"", name);
        if (double_extension(name, ext))
            eg_scan_finding(s, o, EG_R_NAME_DOUBLE_EXT, "\"%s\"", name);
    }
    eg_type claimed = eg_detect_type_from_name(name);
    if (claimed == EG_T_UNKNOWN || o->size == 0)
        return;
    /* executable content under a harmless name is the case that matters; a .txt that is really
     * a .csv is not worth a line */
    bool dangerous = o->type == EG_T_PE || o->type == EG_T_LNK || o->type == EG_T_SCRIPT ||
                     o->type == EG_T_ONENOTE || o->type == EG_T_CFB || o->type == EG_T_OOXML;
    if (!compatible(claimed, o->type) && (dangerous || claimed == EG_T_PE || !exec))
        if (o->type != EG_T_BINARY && o->type != EG_T_TEXT)
            eg_scan_finding(s, o, EG_R_NAME_TYPE_MISMATCH, "\"%s\": named .%s, content is %s%s%s",
                            name, ext, eg_type_name(o->type), o->detail ? " " : "",
                            o->detail ? o->detail : "");
}
