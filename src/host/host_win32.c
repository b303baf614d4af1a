/*
 * The live Windows source of hostcheck, and the remediation executor: the only file of the
 * project that includes windows.h (built by scripts/windows.mk with mingw-w64, never on Linux).
 * It fills a snapshot from Toolhelp32 (processes, with image paths and command lines read via
 * NtQueryInformationProcess), the registry of every loaded user (HKEY_USERS) and of the machine
 * (64-bit view), services, scheduled task files, and the folders EmoCheck looks at, reading
 * only the first bytes of files, plus the containment settings the audit reads (audit.h). Nothing
 * found is executed; remediation and `harden --apply` change the system only when the plan says
 * so and the user confirmed it, and harden saves every value it replaces for `--revert`.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <tlhelp32.h>

#include "host/audit.h"
#include "host/host.h"

#include "core/buf.h"
#include "core/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DIR_ENTRIES 200000u
#define CV L"Software\\Microsoft\\Windows\\CurrentVersion"

/* ---- UTF-16 <-> UTF-8 --------------------------------------------------------------------- */

static char *u8(const wchar_t *w, int wlen)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, NULL, 0, NULL, NULL);
    if (n <= 0)
        return wlen == 0 || (wlen < 0 && !*w) ? eg_strdup("") : NULL;
    char *r = malloc((size_t)n + 1);
    if (!r)
        return NULL;
    WideCharToMultiByte(CP_UTF8, 0, w, wlen, r, n, NULL, NULL);
    r[n] = 0;
    return r;
}

static wchar_t *w16(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *r = malloc((size_t)n * sizeof *r);
    if (r)
        MultiByteToWideChar(CP_UTF8, 0, s, -1, r, n);
    return r;
}

void eg_host_win32_console_utf8(void) { SetConsoleOutputCP(CP_UTF8); }

bool eg_host_win32_lang_ja(void) { return PRIMARYLANGID(GetUserDefaultUILanguage()) == LANG_JAPANESE; }

eg_status eg_host_win32_default_quarantine(char *out, size_t cap)
{
    wchar_t pd[MAX_PATH];
    DWORD n = GetEnvironmentVariableW(L"ProgramData", pd, MAX_PATH);
    if (!n || n >= MAX_PATH)
        return EG_ENOTFOUND;
    char *p = u8(pd, -1);
    if (!p)
        return EG_ENOMEM;
    snprintf(out, cap, "%s\\emoguard\\quarantine", p);
    free(p);
    return EG_OK;
}

/* ---- registry ----------------------------------------------------------------------------- */

static char *reg_string(HKEY root, const wchar_t *sub, const wchar_t *name)
{
    wchar_t buf[4096];
    DWORD sz = sizeof buf - sizeof(wchar_t), type = 0;
    HKEY k;
    if (RegOpenKeyExW(root, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return NULL;
    LONG r = RegQueryValueExW(k, name, NULL, &type, (BYTE *)buf, &sz);
    RegCloseKey(k);
    if (r != ERROR_SUCCESS || (type != REG_SZ && type != REG_EXPAND_SZ))
        return NULL;
    buf[sz / sizeof(wchar_t)] = 0;
    if (type == REG_EXPAND_SZ) {
        wchar_t x[4096];
        DWORD n = ExpandEnvironmentStringsW(buf, x, 4096);
        if (n && n <= 4096)
            return u8(x, -1);
    }
    return u8(buf, -1);
}

/* Adds every value of root\sub; kind tells the rules what the key is. */
static eg_status reg_values(eg_host_snapshot *s, HKEY hroot, const wchar_t *sub, eg_hreg_kind kind,
                            const char *root_name, int user)
{
    HKEY k;
    if (RegOpenKeyExW(hroot, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return EG_OK;
    char *sub8 = u8(sub, -1);
    const char *rel = sub8 ? sub8 : "";
    if (user >= 0 && s->users[user].sid) { /* "S-1-5-...\Software\..." -> "Software\..." */
        const char *bs = strchr(rel, '\\');
        rel = bs ? bs + 1 : rel;
    }
    static wchar_t name[16384];
    BYTE *data = malloc(EG_HOST_MAX_VALUE + 2);
    eg_status st = data ? EG_OK : EG_ENOMEM;
    for (DWORD i = 0; !st && i < EG_HOST_MAX_SUBKEYS; i++) {
        DWORD nl = 16383, dl = EG_HOST_MAX_VALUE, type = 0;
        LONG r = RegEnumValueW(k, i, name, &nl, NULL, &type, data, &dl);
        if (r == ERROR_NO_MORE_ITEMS)
            break;
        if (r == ERROR_MORE_DATA) {
            eg_host_warn(s, "%s\\%s: a value is larger than %u bytes; not read", root_name, rel,
                         EG_HOST_MAX_VALUE);
            continue;
        }
        if (r != ERROR_SUCCESS)
            break;
        name[nl] = 0;
        char *n8 = u8(name, -1);
        if (!n8) {
            st = EG_ENOMEM;
            break;
        }
        if (type == REG_SZ || type == REG_EXPAND_SZ) {
            data[dl] = 0, data[dl + 1] = 0;
            char *v = u8((const wchar_t *)data, (int)(dl / 2));
            if (v) {
                size_t vl = strnlen(v, dl);
                st = eg_host_add_reg(s, kind, root_name, rel, n8, type, (const uint8_t *)v, vl, user);
                free(v);
            } else
                st = EG_ENOMEM;
        } else
            st = eg_host_add_reg(s, kind, root_name, rel, n8, type, data, dl, user);
        free(n8);
    }
    free(data);
    free(sub8);
    RegCloseKey(k);
    return st;
}

/* Run, RunOnce and Explorer below base (a ...\CurrentVersion key). */
static eg_status autoruns(eg_host_snapshot *s, HKEY root, const wchar_t *base, const char *root_name,
                          int user)
{
    static const wchar_t *const keys[] = {L"Run", L"RunOnce", L"Explorer"};
    eg_status st = EG_OK;
    for (int i = 0; i < 3 && !st; i++) {
        wchar_t sub[512];
        _snwprintf(sub, 512, L"%ls\\%ls", base, keys[i]);
        sub[511] = 0;
        st = reg_values(s, root, sub, (eg_hreg_kind)i, root_name, user);
    }
    return st;
}

/* ---- containment settings (audit.h) ------------------------------------------------------- */

/* Values of root\sub and of its sub-keys down to depth, stored as POLICY values under store. */
static eg_status policy_key(eg_host_snapshot *s, HKEY hroot, const wchar_t *sub,
                            const char *root_name, const char *store, int user, unsigned depth,
                            size_t *budget)
{
    HKEY k;
    if (RegOpenKeyExW(hroot, sub, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return EG_OK;
    static wchar_t name[16384];
    BYTE *data = malloc(EG_HOST_MAX_VALUE + 2);
    eg_status st = data ? EG_OK : EG_ENOMEM;
    for (DWORD i = 0; !st && i < EG_AUDIT_MAX_KEY_VALUES && *budget; i++) {
        DWORD nl = 16383, dl = EG_HOST_MAX_VALUE, type = 0;
        LONG r = RegEnumValueW(k, i, name, &nl, NULL, &type, data, &dl);
        if (r == ERROR_NO_MORE_ITEMS)
            break;
        if (r != ERROR_SUCCESS)
            continue;
        (*budget)--;
        name[nl] = 0;
        char *n8 = u8(name, -1);
        if (!n8) {
            st = EG_ENOMEM;
            break;
        }
        if (type == REG_SZ || type == REG_EXPAND_SZ) {
            data[dl] = 0, data[dl + 1] = 0;
            char *v = u8((const wchar_t *)data, (int)(dl / 2));
            st = v ? eg_host_add_reg(s, EG_HREG_POLICY, root_name, store, n8, type,
                                     (const uint8_t *)v, strnlen(v, dl), user)
                   : EG_ENOMEM;
            free(v);
        } else
            st = eg_host_add_reg(s, EG_HREG_POLICY, root_name, store, n8, type, data, dl, user);
        free(n8);
    }
    free(data);
    wchar_t child[256];
    for (DWORD i = 0; !st && depth && i < EG_AUDIT_MAX_CHILDREN && *budget; i++) {
        DWORD n = 255;
        if (RegEnumKeyExW(k, i, child, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        char *c8 = u8(child, -1);
        size_t wl = wcslen(sub) + wcslen(child) + 2;
        wchar_t *wsub = malloc(wl * sizeof *wsub);
        size_t sl = strlen(store) + (c8 ? strlen(c8) : 0) + 2;
        char *csub = malloc(sl);
        if (c8 && wsub && csub) {
            _snwprintf(wsub, wl, L"%ls\\%ls", sub, child);
            wsub[wl - 1] = 0;
            snprintf(csub, sl, "%s\\%s", store, c8);
            st = policy_key(s, hroot, wsub, root_name, csub, user, depth - 1,
                            budget); /* depth <= 4 */
        } else
            st = EG_ENOMEM;
        free(c8), free(wsub), free(csub);
    }
    RegCloseKey(k);
    return st;
}

/* The audit's keys from HKLM (which_user < 0) or from HKEY_USERS\<sid>. */
static eg_status live_policy(eg_host_snapshot *s, const wchar_t *sid, const char *root_name,
                             int user)
{
    size_t budget = EG_AUDIT_MAX_VALUES;
    eg_status st = EG_OK;
    for (size_t i = 0; i < eg_audit_nkeys && !st; i++) {
        const eg_audit_key *k = &eg_audit_keys[i];
        if ((k->hive == EG_AK_HKCU) != (sid != NULL))
            continue;
        char store[1024], full[1200];
        eg_audit_store_path(k->hive, k->path, store, sizeof store);
        if (sid) {
            char *sid8 = u8(sid, -1);
            snprintf(full, sizeof full, "%s\\%s", sid8 ? sid8 : "", store);
            free(sid8);
        } else
            snprintf(full, sizeof full, "%s", store);
        wchar_t *w = w16(full);
        if (!w)
            return EG_ENOMEM;
        st = policy_key(s, sid ? HKEY_USERS : HKEY_LOCAL_MACHINE, w, root_name, store, user,
                        k->depth > 4 ? 4 : k->depth, &budget);
        free(w);
    }
    return st;
}

/* Every user with a loaded hive (HKEY_USERS\<SID>), plus profiles that are not loaded. */
static eg_status users(eg_host_snapshot *s)
{
    eg_status st = EG_OK;
    HKEY pl;
    const wchar_t *plk = L"Software\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, plk, 0, KEY_READ | KEY_WOW64_64KEY, &pl) == ERROR_SUCCESS) {
        wchar_t sid[256];
        for (DWORD i = 0; !st && i < 10000; i++) {
            DWORD n = 255;
            if (RegEnumKeyExW(pl, i, sid, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
                break;
            wchar_t sub[512];
            _snwprintf(sub, 512, L"%ls\\%ls", plk, sid);
            sub[511] = 0;
            char *prof = reg_string(HKEY_LOCAL_MACHINE, sub, L"ProfileImagePath");
            char *sid8 = u8(sid, -1);
            if (prof && sid8) {
                char local[2048];
                snprintf(local, sizeof local, "%s\\AppData\\Local", prof);
                const char *b = strrchr(prof, '\\');
                st = eg_host_add_user(s, b ? b + 1 : prof, sid8, prof, local, NULL);
            }
            free(prof), free(sid8);
        }
        RegCloseKey(pl);
    }
    wchar_t sid[256];
    for (DWORD i = 0; !st && i < 10000; i++) {
        DWORD n = 255;
        if (RegEnumKeyExW(HKEY_USERS, i, sid, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        if (wcsstr(sid, L"_Classes") || !wcscmp(sid, L".DEFAULT"))
            continue;
        char *sid8 = u8(sid, -1);
        wchar_t sf[512];
        _snwprintf(sf, 512, L"%ls\\%ls\\Explorer\\Shell Folders", sid, CV);
        sf[511] = 0;
        char *local = reg_string(HKEY_USERS, sf, L"Local AppData");
        int idx = -1;
        if (sid8)
            st = eg_host_add_user(s, sid8, sid8, NULL, local, &idx);
        if (!st && idx >= 0) {
            char root_name[300];
            wchar_t base[400];
            snprintf(root_name, sizeof root_name, "HKU\\%s", sid8);
            _snwprintf(base, 400, L"%ls\\%ls", sid, CV);
            base[399] = 0;
            st = autoruns(s, HKEY_USERS, base, root_name, idx);
            s->users[idx].have_hive = true;
            if (!st)
                st = live_policy(s, sid, root_name, idx);
        }
        free(sid8), free(local);
    }
    return st;
}

static eg_status services(eg_host_snapshot *s)
{
    HKEY k;
    const wchar_t *base = L"SYSTEM\\CurrentControlSet\\Services";
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, base, 0, KEY_READ | KEY_WOW64_64KEY, &k) != ERROR_SUCCESS)
        return eg_host_warn(s, "services could not be listed");
    eg_status st = EG_OK;
    wchar_t name[256];
    for (DWORD i = 0; !st && i < EG_HOST_MAX_SUBKEYS; i++) {
        DWORD n = 255;
        if (RegEnumKeyExW(k, i, name, &n, NULL, NULL, NULL, NULL) != ERROR_SUCCESS)
            break;
        wchar_t sub[600];
        _snwprintf(sub, 600, L"%ls\\%ls", base, name);
        sub[599] = 0;
        HKEY sk;
        DWORD start = 0, type = 0, sz = 4;
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, sub, 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &sk) == ERROR_SUCCESS) {
            RegQueryValueExW(sk, L"Start", NULL, NULL, (BYTE *)&start, &sz);
            sz = 4;
            RegQueryValueExW(sk, L"Type", NULL, NULL, (BYTE *)&type, &sz);
            RegCloseKey(sk);
        }
        char *img = reg_string(HKEY_LOCAL_MACHINE, sub, L"ImagePath");
        wcsncat(sub, L"\\Parameters", 600 - wcslen(sub) - 1);
        char *dll = reg_string(HKEY_LOCAL_MACHINE, sub, L"ServiceDll");
        char *n8 = u8(name, -1);
        st = n8 ? eg_host_add_service(s, n8, img, dll, start, type) : EG_ENOMEM;
        free(img), free(dll), free(n8);
    }
    RegCloseKey(k);
    s->have_services = true;
    return st;
}

/* ---- processes ---------------------------------------------------------------------------- */

typedef LONG(NTAPI *nqip_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

/* The command line through ProcessCommandLineInformation (60, Windows 8.1 and later). */
static char *cmdline_of(HANDLE h, nqip_fn nqip)
{
    if (!nqip)
        return NULL;
    ULONG len = 0;
    nqip(h, 60, NULL, 0, &len);
    if (!len || len > 1u << 20)
        return NULL;
    BYTE *buf = malloc(len);
    if (!buf)
        return NULL;
    char *r = NULL;
    if (nqip(h, 60, buf, len, &len) >= 0) {
        /* UNICODE_STRING { USHORT Length, MaximumLength; PWSTR Buffer } followed by the text */
        USHORT bytes = *(USHORT *)buf;
        wchar_t *p = *(wchar_t **)(buf + sizeof(void *));
        if (p && (BYTE *)p >= buf && (BYTE *)p + bytes <= buf + len)
            r = u8(p, bytes / 2);
    }
    free(buf);
    return r;
}

/* Older Windows (and wine) lack class 60: read the command line from the target's PEB, as
 * EmoCheck did (x64 layout: PEB+0x20 ProcessParameters, +0x70 CommandLine UNICODE_STRING). */
static char *cmdline_from_peb(HANDLE h, nqip_fn nqip)
{
    if (!nqip)
        return NULL;
    void *pbi[6] = {0};
    ULONG got = 0;
    if (nqip(h, 0, pbi, sizeof pbi, &got) < 0 || !pbi[1])
        return NULL;
    BYTE *peb = pbi[1], *params = NULL;
    SIZE_T n = 0;
    if (!ReadProcessMemory(h, peb + 0x20, &params, sizeof params, &n) || n != sizeof params || !params)
        return NULL;
    struct {
        USHORT len, max;
        ULONG pad;
        wchar_t *buf;
    } us;
    if (!ReadProcessMemory(h, params + 0x70, &us, sizeof us, &n) || n != sizeof us || !us.buf ||
        !us.len || us.len > 65534)
        return NULL;
    wchar_t *w = malloc(us.len + sizeof(wchar_t));
    if (!w)
        return NULL;
    char *r = NULL;
    if (ReadProcessMemory(h, us.buf, w, us.len, &n) && n == us.len)
        r = u8(w, us.len / 2);
    free(w);
    return r;
}

static eg_status processes(eg_host_snapshot *s)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return eg_host_warn(s, "the process list could not be taken (error %lu)", GetLastError());
    nqip_fn nqip = (nqip_fn)(void *)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess");
    PROCESSENTRY32W pe = {.dwSize = sizeof pe};
    eg_status st = EG_OK;
    unsigned denied = 0;
    for (BOOL ok = Process32FirstW(snap, &pe); ok && !st; ok = Process32NextW(snap, &pe)) {
        char *name = u8(pe.szExeFile, -1), *img = NULL, *cmd = NULL;
        HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pe.th32ProcessID);
        if (h) {
            wchar_t path[32768];
            DWORD n = 32767;
            if (QueryFullProcessImageNameW(h, 0, path, &n))
                img = u8(path, (int)n);
            cmd = cmdline_of(h, nqip);
            CloseHandle(h);
            if (!cmd && (h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                                         pe.th32ProcessID)) != NULL) {
                cmd = cmdline_from_peb(h, nqip);
                CloseHandle(h);
            }
        } else if (pe.th32ProcessID > 4)
            denied++;
        st = eg_host_add_proc(s, pe.th32ProcessID, pe.th32ParentProcessID, name, img, cmd);
        free(name), free(img), free(cmd);
    }
    CloseHandle(snap);
    s->have_procs = true;
    if (!st && denied)
        st = eg_host_warn(s, "%u processes could not be opened (access denied): run as administrator "
                          "to see their paths and command lines", denied);
    return st;
}

/* ---- files -------------------------------------------------------------------------------- */

static uint64_t ft64(FILETIME t) { return (uint64_t)t.dwHighDateTime << 32 | t.dwLowDateTime; }

static size_t head_of(const wchar_t *path, uint8_t *head)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    DWORD got = 0;
    if (!ReadFile(h, head, EG_HOST_HEAD, &got, NULL))
        got = 0;
    CloseHandle(h);
    return got;
}

/* Lists dir; adds its sub-directories and (when files) its files; recurses depth levels. */
static eg_status walk(eg_host_snapshot *s, const wchar_t *dir, int depth, bool files, bool heads,
                      bool only_pe, unsigned *budget)
{
    wchar_t pat[MAX_PATH * 2];
    _snwprintf(pat, MAX_PATH * 2, L"%ls\\*", dir);
    pat[MAX_PATH * 2 - 1] = 0;
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileExW(pat, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    if (f == INVALID_HANDLE_VALUE)
        return EG_OK;
    eg_status st = EG_OK;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        if (!*budget) {
            st = eg_host_warn(s, "file listing stopped after %u entries", MAX_DIR_ENTRIES);
            break;
        }
        (*budget)--;
        wchar_t full[MAX_PATH * 2];
        _snwprintf(full, MAX_PATH * 2, L"%ls\\%ls", dir, fd.cFileName);
        full[MAX_PATH * 2 - 1] = 0;
        bool isdir = fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY;
        bool reparse = fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT;
        if (!isdir && !files)
            continue;
        if (!isdir && only_pe) {
            size_t n = wcslen(fd.cFileName);
            if (n < 4 || (_wcsicmp(fd.cFileName + n - 4, L".exe") && _wcsicmp(fd.cFileName + n - 4, L".dll")))
                continue;
        }
        uint8_t head[EG_HOST_HEAD];
        size_t hn = (!isdir && heads) ? head_of(full, head) : 0;
        char *p8 = u8(full, -1);
        if (!p8)
            return EG_ENOMEM;
        st = eg_host_add_file(s, p8, (uint64_t)fd.nFileSizeHigh << 32 | fd.nFileSizeLow,
                              ft64(fd.ftLastWriteTime), isdir, head, hn);
        free(p8);
        if (!st && isdir && !reparse && depth > 0)
            st = walk(s, full, depth - 1, true, heads, false, budget);
    } while (!st && FindNextFileW(f, &fd));
    FindClose(f);
    return st;
}

/* The folders the rules look at, each with its own folder time (needed by the 7-day rule). */
static eg_status files(eg_host_snapshot *s)
{
    unsigned budget = MAX_DIR_ENTRIES;
    eg_status st = EG_OK;
    for (size_t i = 0; i < s->nusers && !st; i++) {
        if (!s->users[i].local_appdata)
            continue;
        wchar_t *w = w16(s->users[i].local_appdata);
        if (w) {
            st = walk(s, w, 1, true, true, false, &budget);
            free(w);
        }
        if (!st && s->users[i].profile) { /* EmoCheck's allowlist: Roaming folder names */
            char r[2048];
            snprintf(r, sizeof r, "%s\\AppData\\Roaming", s->users[i].profile);
            wchar_t *wr = w16(r);
            if (wr) {
                st = walk(s, wr, 1, false, false, false, &budget);
                free(wr);
            }
        }
    }
    static const char *const sys[] = {"System32", "SysWOW64"};
    for (int i = 0; i < 2 && !st; i++) {
        char d[2048];
        snprintf(d, sizeof d, "%s\\%s", s->system_root, sys[i]);
        wchar_t *w = w16(d);
        if (!w)
            return EG_ENOMEM;
        if (GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES) {
            if (i == 1)
                s->is64 = true;
            char *p8 = eg_strdup(d);
            st = p8 ? eg_host_add_file(s, p8, 0, 0, true, NULL, 0) : EG_ENOMEM;
            free(p8);
            /* top-level exe/dll names (v3 keywords), then sub-folders and their files */
            if (!st)
                st = walk(s, w, 0, true, false, true, &budget);
            if (!st) {
                WIN32_FIND_DATAW fd;
                wchar_t pat[MAX_PATH * 2];
                _snwprintf(pat, MAX_PATH * 2, L"%ls\\*", w);
                pat[MAX_PATH * 2 - 1] = 0;
                HANDLE f = FindFirstFileExW(pat, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
                if (f != INVALID_HANDLE_VALUE) {
                    do {
                        if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
                            (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
                            !wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
                            continue;
                        wchar_t sub[MAX_PATH * 2];
                        _snwprintf(sub, MAX_PATH * 2, L"%ls\\%ls", w, fd.cFileName);
                        sub[MAX_PATH * 2 - 1] = 0;
                        st = walk(s, sub, 0, true, true, false, &budget);
                    } while (!st && FindNextFileW(f, &fd));
                    FindClose(f);
                }
            }
        }
        free(w);
    }
    static const char *const pf[] = {"ProgramFiles", "ProgramFiles(x86)"};
    for (int i = 0; i < 2 && !st; i++) {
        char *v = NULL;
        wchar_t buf[MAX_PATH];
        wchar_t *wn = w16(pf[i]);
        if (wn && GetEnvironmentVariableW(wn, buf, MAX_PATH))
            v = u8(buf, -1);
        free(wn);
        wchar_t *w = v ? w16(v) : NULL;
        if (w)
            st = walk(s, w, 1, false, false, false, &budget);
        free(w), free(v);
    }
    s->have_files = true;
    return st;
}

/* ---- scheduled tasks (the XML files under System32\Tasks) --------------------------------- */

static char *xml_text(const char *x, const char *tag)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = strstr(x, open), *b = a ? strstr(a, close) : NULL;
    if (!a || !b)
        return NULL;
    a += strlen(open);
    char *r = eg_strndup(a, (size_t)(b - a));
    /* the few entities Task Scheduler writes */
    if (r) {
        static const char *const ent[][2] = {{"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&apos;", "'"}};
        for (int e = 0; e < 5; e++) {
            char *p;
            while ((p = strstr(r, ent[e][0])) != NULL) {
                size_t el = strlen(ent[e][0]);
                p[0] = ent[e][1][0];
                memmove(p + 1, p + el, strlen(p + el) + 1);
            }
        }
    }
    return r;
}

static eg_status task_file(eg_host_snapshot *s, const wchar_t *path, const char *name)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return EG_OK;
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(h, &sz) || sz.QuadPart > (1 << 20) || sz.QuadPart < 2) {
        CloseHandle(h);
        return EG_OK;
    }
    BYTE *b = malloc((size_t)sz.QuadPart + 2);
    DWORD got = 0;
    if (!b || !ReadFile(h, b, (DWORD)sz.QuadPart, &got, NULL)) {
        free(b);
        CloseHandle(h);
        return EG_OK;
    }
    CloseHandle(h);
    b[got] = 0, b[got + 1] = 0;
    char *x = (b[0] == 0xFF && b[1] == 0xFE) ? u8((const wchar_t *)(b + 2), (int)(got - 2) / 2) : eg_strdup((char *)b);
    free(b);
    eg_status st = EG_OK;
    char *cmd = x ? xml_text(x, "Command") : NULL;
    if (cmd) {
        char *args = xml_text(x, "Arguments");
        char full[8192];
        snprintf(full, sizeof full, "\"%s\"%s%s", cmd, args ? " " : "", args ? args : "");
        char *ex = eg_host_expand(s, -1, full);
        st = eg_host_add_task(s, name, ex ? ex : full);
        free(ex), free(args), free(cmd);
    }
    free(x);
    return st;
}

static eg_status tasks_in(eg_host_snapshot *s, const wchar_t *dir, const char *rel, int depth, unsigned *budget)
{
    wchar_t pat[MAX_PATH * 2];
    _snwprintf(pat, MAX_PATH * 2, L"%ls\\*", dir);
    pat[MAX_PATH * 2 - 1] = 0;
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileExW(pat, FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    if (f == INVALID_HANDLE_VALUE)
        return EG_OK;
    eg_status st = EG_OK;
    do {
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L"..") || !*budget)
            continue;
        (*budget)--;
        wchar_t full[MAX_PATH * 2];
        _snwprintf(full, MAX_PATH * 2, L"%ls\\%ls", dir, fd.cFileName);
        full[MAX_PATH * 2 - 1] = 0;
        char *n8 = u8(fd.cFileName, -1);
        char name[2048];
        snprintf(name, sizeof name, "%s\\%s", rel, n8 ? n8 : "?");
        free(n8);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
            if (depth > 0 && !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
                st = tasks_in(s, full, name, depth - 1, budget);
        } else
            st = task_file(s, full, name);
    } while (!st && FindNextFileW(f, &fd));
    FindClose(f);
    return st;
}

/* ---- entry -------------------------------------------------------------------------------- */

eg_status eg_host_load_live(eg_host_snapshot *s, char *err, size_t errlen)
{
    wchar_t buf[MAX_PATH + 1];
    DWORD n = MAX_COMPUTERNAME_LENGTH + 1;
    eg_status st = EG_OK;
    if (GetComputerNameW(buf, &n)) {
        char *h = u8(buf, (int)n);
        st = h ? eg_host_set_str(&s->hostname, h) : EG_ENOMEM;
        free(h);
    }
    UINT wl = GetWindowsDirectoryW(buf, MAX_PATH);
    if (!st && wl && wl < MAX_PATH) {
        char *r = u8(buf, (int)wl);
        st = r ? eg_host_set_str(&s->system_root, r) : EG_ENOMEM;
        free(r);
        wchar_t rootdir[4] = {buf[0], L':', L'\\', 0};
        DWORD serial = 0;
        if (GetVolumeInformationW(rootdir, NULL, 0, &serial, NULL, NULL, NULL, 0)) {
            s->serial = serial;
            s->have_serial = true;
        } else
            eg_host_warn(s, "the volume serial of %c: could not be read (error %lu); v1 uses the "
                         "Explorer value name if any", (char)buf[0], GetLastError());
    }
    if (!s->system_root && !st)
        st = eg_host_set_str(&s->system_root, "C:\\Windows");
    if (!st)
        st = users(s);
    if (!st)
        st = autoruns(s, HKEY_LOCAL_MACHINE, CV, "HKLM", -1);
    if (!st)
        st = autoruns(s, HKEY_LOCAL_MACHINE, L"Software\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion",
                      "HKLM", -1);
    if (!st)
        st = live_policy(s, NULL, "HKLM", -1);
    s->have_software = s->have_system = true;
    if (!st)
        st = services(s);
    if (!st)
        st = processes(s);
    if (!st)
        st = files(s);
    if (!st) {
        char t[2048];
        snprintf(t, sizeof t, "%s\\System32\\Tasks", s->system_root);
        wchar_t *w = w16(t);
        unsigned budget = 20000;
        if (w)
            st = tasks_in(s, w, "", 4, &budget);
        free(w);
    }
    s->have_registry = true;
    if (st)
        snprintf(err, errlen, "live collection failed: %s", eg_status_str(st));
    return st;
}

/* ---- remediation -------------------------------------------------------------------------- */

static void logf_(FILE *log, bool ok, const char *what, DWORD e)
{
    time_t t = time(NULL);
    struct tm *tm = gmtime(&t);
    char ts[32] = "";
    if (tm)
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", tm);
    if (ok)
        fprintf(log, "%s UTC OK     %s\n", ts, what);
    else
        fprintf(log, "%s UTC FAILED %s (Windows error %lu)\n", ts, what, e);
    fflush(log);
}

static bool kill_one(const eg_host_action *a, DWORD *e)
{
    HANDLE h = OpenProcess(PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, a->pid);
    if (!h) {
        *e = GetLastError();
        return *e == ERROR_INVALID_PARAMETER; /* already gone */
    }
    /* the PID may have been reused since the snapshot: check the image name again */
    wchar_t path[32768];
    DWORD n = 32767;
    bool same = true;
    if (a->name && QueryFullProcessImageNameW(h, 0, path, &n)) {
        char *p8 = u8(path, (int)n);
        const char *b = p8 ? strrchr(p8, '\\') : NULL;
        same = b && !_stricmp(b + 1, a->name);
        free(p8);
    }
    bool ok = same && TerminateProcess(h, 1);
    *e = same ? GetLastError() : ERROR_INVALID_HANDLE;
    CloseHandle(h);
    return ok;
}

static bool del_value(const eg_host_action *a, DWORD *e)
{
    HKEY root = HKEY_CURRENT_USER;
    char sub[4096];
    if (!strcmp(a->root, "HKLM"))
        root = HKEY_LOCAL_MACHINE;
    if (!strncmp(a->root, "HKU\\", 4)) {
        root = HKEY_USERS;
        snprintf(sub, sizeof sub, "%s\\%s", a->root + 4, a->subkey);
    } else
        snprintf(sub, sizeof sub, "%s", a->subkey);
    wchar_t *ws = w16(sub), *wn = w16(a->name);
    HKEY k;
    LONG r = ws && wn ? RegOpenKeyExW(root, ws, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &k) : ERROR_OUTOFMEMORY;
    if (r == ERROR_SUCCESS) {
        r = RegDeleteValueW(k, wn);
        RegCloseKey(k);
    }
    free(ws), free(wn);
    *e = (DWORD)r;
    return r == ERROR_SUCCESS || r == ERROR_FILE_NOT_FOUND;
}

static bool del_service(const eg_host_action *a, DWORD *e)
{
    SC_HANDLE m = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    wchar_t *wn = w16(a->name);
    SC_HANDLE sv = m && wn ? OpenServiceW(m, wn, SERVICE_STOP | DELETE) : NULL;
    bool ok = false;
    if (sv) {
        SERVICE_STATUS ss;
        ControlService(sv, SERVICE_CONTROL_STOP, &ss);
        ok = DeleteService(sv);
        CloseServiceHandle(sv);
    }
    *e = GetLastError();
    if (m)
        CloseServiceHandle(m);
    free(wn);
    return ok;
}

static bool del_task(const eg_host_action *a, DWORD *e)
{
    wchar_t *wn = w16(a->name);
    if (!wn) {
        *e = ERROR_OUTOFMEMORY;
        return false;
    }
    wchar_t cmd[4096];
    _snwprintf(cmd, 4096, L"schtasks.exe /Delete /TN \"%ls\" /F", wn);
    cmd[4095] = 0;
    free(wn);
    STARTUPINFOW si = {.cb = sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
        *e = GetLastError();
        return false;
    }
    WaitForSingleObject(pi.hProcess, 30000);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess), CloseHandle(pi.hThread);
    *e = code;
    return code == 0;
}

static bool make_dirs(const char *dir)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 3; *p; p++)
        if (*p == '\\' || *p == '/') {
            char c = *p;
            *p = 0;
            wchar_t *w = w16(tmp);
            if (w)
                CreateDirectoryW(w, NULL);
            free(w);
            *p = c;
        }
    wchar_t *w = w16(tmp);
    bool ok = w && (CreateDirectoryW(w, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
    free(w);
    return ok;
}

static bool quarantine(const eg_host_action *a, const char *qdir, char *dest, size_t cap, DWORD *e)
{
    const char *b = strrchr(a->path, '\\');
    char stamp[32] = "0";
    time_t t = time(NULL);
    struct tm *tm = gmtime(&t);
    if (tm)
        strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", tm);
    /* the ".quarantine" suffix keeps a double-click from starting it */
    snprintf(dest, cap, "%s\\%s_%s.quarantine", qdir, stamp, b ? b + 1 : a->path);
    wchar_t *ws = w16(a->path), *wd = w16(dest);
    bool ok = ws && wd && MoveFileExW(ws, wd, MOVEFILE_COPY_ALLOWED | MOVEFILE_WRITE_THROUGH);
    *e = GetLastError();
    if (!ok && *e == ERROR_FILE_NOT_FOUND)
        ok = true; /* already gone */
    free(ws), free(wd);
    return ok;
}

eg_status eg_host_plan_execute(const eg_host_plan *p, const char *quarantine_dir, FILE *log)
{
    bool all = true;
    if (!make_dirs(quarantine_dir)) {
        logf_(log, false, "create the quarantine folder", GetLastError());
        return EG_EIO;
    }
    char logpath[2048];
    snprintf(logpath, sizeof logpath, "%s\\remediation.log", quarantine_dir);
    FILE *flog = fopen(logpath, "a");
    for (size_t i = 0; i < p->n; i++) {
        const eg_host_action *a = &p->acts[i];
        if (a->skip)
            continue;
        char what[4096], dest[2048] = "";
        DWORD e = 0;
        bool ok = false;
        switch (a->kind) {
        case EG_HACT_KILL:
            ok = kill_one(a, &e);
            snprintf(what, sizeof what, "kill process %lu (%s)", (unsigned long)a->pid, a->name ? a->name : "?");
            break;
        case EG_HACT_DEL_VALUE:
            ok = del_value(a, &e);
            snprintf(what, sizeof what, "delete registry value %s\\%s\\%s", a->root, a->subkey, a->name);
            break;
        case EG_HACT_DEL_SERVICE:
            ok = del_service(a, &e);
            snprintf(what, sizeof what, "delete service %s", a->name);
            break;
        case EG_HACT_DEL_TASK:
            ok = del_task(a, &e);
            snprintf(what, sizeof what, "delete scheduled task %s", a->name);
            break;
        case EG_HACT_QUARANTINE:
            ok = quarantine(a, quarantine_dir, dest, sizeof dest, &e);
            snprintf(what, sizeof what, "move %s to %s", a->path, dest);
            break;
        }
        logf_(log, ok, what, e);
        if (flog)
            logf_(flog, ok, what, e);
        all &= ok;
    }
    if (flog)
        fclose(flog);
    return all ? EG_OK : EG_EIO;
}

/* ---- harden --apply / --revert ------------------------------------------------------------ */

eg_status eg_harden_default_backup(char *out, size_t cap)
{
    char q[1024];
    eg_status st = eg_host_win32_default_quarantine(q, sizeof q); /* ...\emoguard\quarantine */
    if (st)
        return st;
    char *cut = strrchr(q, '\\');
    if (cut)
        *cut = 0;
    snprintf(out, cap, "%s\\harden-backup.txt", q);
    return EG_OK;
}

static HKEY hive_of(const char *root)
{
    return !strcmp(root, "HKCU") ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE;
}

static void hexline(FILE *f, const BYTE *d, DWORD n)
{
    for (DWORD i = 0; i < n; i++)
        fprintf(f, "%02x", d[i]);
}

/* Opens root\sub for writing, creating each missing level; every key created is recorded in bk
 * ("K" lines, parents first) so --revert can delete exactly those. */
static LONG open_create(const char *root, const char *sub, FILE *bk, HKEY *out)
{
    HKEY cur = hive_of(root), next;
    bool own = false;
    char part[1024];
    size_t done = 0, n = strlen(sub);
    LONG r = ERROR_SUCCESS;
    while (done < n) {
        const char *e = strchr(sub + done, '\\');
        size_t l = e ? (size_t)(e - sub) : n;
        snprintf(part, sizeof part, "%.*s", (int)(l - done), sub + done);
        wchar_t *w = w16(part);
        DWORD disp = 0;
        r = w ? RegCreateKeyExW(cur, w, 0, NULL, 0, KEY_ALL_ACCESS | KEY_WOW64_64KEY, NULL, &next,
                                &disp)
              : ERROR_OUTOFMEMORY;
        free(w);
        if (own)
            RegCloseKey(cur);
        if (r != ERROR_SUCCESS)
            return r;
        cur = next, own = true;
        if (disp == REG_CREATED_NEW_KEY) {
            fprintf(bk, "K\t%s\t%.*s\n", root, (int)l, sub);
            fflush(bk);
        }
        done = l + (e ? 1 : 0);
    }
    *out = cur;
    return r;
}

eg_status eg_harden_apply(const eg_harden_plan *p, const char *backup, FILE *log)
{
    FILE *bk = fopen(backup, "r");
    if (bk) {
        fclose(bk);
        fprintf(
            log,
            "harden: %s exists: revert first (emoguard harden --revert --yes) or give --backup\n",
            backup);
        return EG_EIO;
    }
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", backup);
    char *cut = strrchr(dir, '\\');
    if (cut) {
        *cut = 0;
        make_dirs(dir);
    }
    if (!(bk = fopen(backup, "wb"))) { /* binary: the same bytes on every platform */
        fprintf(log, "harden: cannot write the backup %s\n", backup);
        return EG_EIO;
    }
    fprintf(bk, "emoguard-harden-backup 1\n");
    bool all = true;
    BYTE *old = malloc(EG_HOST_MAX_VALUE);
    for (size_t i = 0; old && i < p->n; i++) {
        const eg_harden_set *s = &p->sets[i];
        char what[2048];
        snprintf(what, sizeof what, "set %s\\%s\\%s", s->root, s->subkey,
                 *s->name ? s->name : "(default)");
        HKEY k;
        LONG r = open_create(s->root, s->subkey, bk, &k);
        if (r != ERROR_SUCCESS) {
            logf_(log, false, what, (DWORD)r);
            all = false;
            continue;
        }
        wchar_t *wn = w16(s->name);
        DWORD type = 0, len = EG_HOST_MAX_VALUE;
        LONG q = wn ? RegQueryValueExW(k, wn, NULL, &type, old, &len) : ERROR_OUTOFMEMORY;
        /* the old value goes to the backup before anything is written */
        if (q == ERROR_SUCCESS) {
            fprintf(bk, "V\t%s\t%s\t%s\t%lu\t", s->root, s->subkey, s->name, (unsigned long)type);
            hexline(bk, old, len);
            fputc('\n', bk);
        } else if (q == ERROR_FILE_NOT_FOUND)
            fprintf(bk, "N\t%s\t%s\t%s\n", s->root, s->subkey, s->name);
        if (fflush(bk) != 0 || (q != ERROR_SUCCESS && q != ERROR_FILE_NOT_FOUND)) {
            logf_(log, false, what, (DWORD)q);
            all = false;
            free(wn);
            RegCloseKey(k);
            continue;
        }
        if (s->type == 4)
            r = RegSetValueExW(k, wn, 0, REG_DWORD, (const BYTE *)&s->dword, 4);
        else {
            wchar_t *wt = w16(s->text ? s->text : "");
            r = wt ? RegSetValueExW(k, wn, 0, s->type, (const BYTE *)wt,
                                    (DWORD)((wcslen(wt) + 1) * sizeof(wchar_t)))
                   : ERROR_OUTOFMEMORY;
            free(wt);
        }
        logf_(log, r == ERROR_SUCCESS, what, (DWORD)r);
        all &= r == ERROR_SUCCESS;
        free(wn);
        RegCloseKey(k);
    }
    if (!old)
        all = false;
    free(old);
    if (fclose(bk) != 0)
        all = false;
    fprintf(log, "backup of the previous values: %s\n", backup);
    return all ? EG_OK : EG_EIO;
}

static int unhex(int c)
{
    return c >= '0' && c <= '9'                 ? c - '0'
           : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10
                                                : -1;
}

/* Splits a backup line at tabs in place; returns the field count (at most max). */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t')
            *p = 0, f[n++] = p + 1;
    return n;
}

static LONG restore_line(char *line, bool doit, FILE *log)
{
    char *f[6];
    int n = fields(line, f, 6);
    char what[2048];
    LONG r = ERROR_SUCCESS;
    if (f[0][0] == 'K' && n == 3) {
        snprintf(what, sizeof what, "delete key %s\\%s (created by harden)", f[1], f[2]);
        if (doit) {
            wchar_t *w = w16(f[2]);
            HKEY k;
            DWORD nk = 1, nv = 1;
            if (w && RegOpenKeyExW(hive_of(f[1]), w, 0, KEY_READ | KEY_WOW64_64KEY, &k) ==
                         ERROR_SUCCESS) {
                RegQueryInfoKeyW(k, NULL, NULL, NULL, &nk, NULL, NULL, &nv, NULL, NULL, NULL, NULL);
                RegCloseKey(k);
                /* a key that holds something harden did not put there stays */
                r = nk || nv ? ERROR_DIR_NOT_EMPTY
                             : RegDeleteKeyExW(hive_of(f[1]), w, KEY_WOW64_64KEY, 0);
            } else
                r = ERROR_SUCCESS; /* already gone */
            free(w);
        }
    } else if ((f[0][0] == 'V' && n == 6) || (f[0][0] == 'N' && n == 4)) {
        bool had = f[0][0] == 'V';
        snprintf(what, sizeof what, had ? "restore %s\\%s\\%s" : "delete value %s\\%s\\%s", f[1],
                 f[2], *f[3] ? f[3] : "(default)");
        if (doit) {
            wchar_t *wk = w16(f[2]), *wn = w16(f[3]);
            HKEY k;
            r = wk && wn ? RegOpenKeyExW(hive_of(f[1]), wk, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &k)
                         : ERROR_OUTOFMEMORY;
            if (r == ERROR_SUCCESS) {
                if (had) {
                    size_t hl = strlen(f[5]);
                    BYTE *d = malloc(hl / 2 + 1);
                    for (size_t i = 0; d && i + 1 < hl; i += 2)
                        d[i / 2] = (BYTE)(unhex(f[5][i]) << 4 | unhex(f[5][i + 1]));
                    r = d ? RegSetValueExW(k, wn, 0, (DWORD)strtoul(f[4], NULL, 10), d,
                                           (DWORD)(hl / 2))
                          : ERROR_OUTOFMEMORY;
                    free(d);
                } else {
                    r = RegDeleteValueW(k, wn);
                    if (r == ERROR_FILE_NOT_FOUND)
                        r = ERROR_SUCCESS;
                }
                RegCloseKey(k);
            }
            free(wk), free(wn);
        }
    } else {
        fprintf(log, "harden: backup line not understood: %s\n", f[0]);
        return ERROR_INVALID_DATA;
    }
    if (doit)
        logf_(log, r == ERROR_SUCCESS, what, (DWORD)r);
    else
        fprintf(log, "  %s\n", what);
    return r;
}

eg_status eg_harden_revert(const char *backup, bool doit, FILE *log)
{
    char *data;
    size_t len;
    if (eg_host_read_file(backup, 16u << 20, &data, &len)) {
        fprintf(log, "harden: no backup at %s (nothing to revert)\n", backup);
        return EG_ENOTFOUND;
    }
    if (strncmp(data, "emoguard-harden-backup 1", 24) || (data[24] != '\n' && data[24] != '\r')) {
        fprintf(log, "harden: %s is not a harden backup\n", backup);
        free(data);
        return EG_EFORMAT;
    }
    /* lines in reverse: the last change is undone first, keys after their values */
    char **lines = NULL;
    size_t n = 0, cap = 0;
    for (char *p = data + 24; *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        size_t pl = strlen(p);
        if (pl && p[pl - 1] == '\r')
            p[pl - 1] = 0;
        if (*p) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                char **x = realloc(lines, cap * sizeof *x);
                if (!x)
                    break;
                lines = x;
            }
            lines[n++] = p;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    bool all = true;
    for (size_t i = n; i-- > 0;)
        all &= restore_line(lines[i], doit, log) == ERROR_SUCCESS;
    free(lines);
    free(data);
    if (doit && all) {
        char done[2100];
        snprintf(done, sizeof done, "%s.reverted", backup);
        DeleteFileA(done);
        if (!MoveFileA(backup, done))
            DeleteFileA(backup);
        fprintf(log, "reverted; the backup was moved to %s\n", done);
    }
    return all ? EG_OK : EG_EIO;
}
