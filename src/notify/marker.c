/*
 * The notice marker (see notify.h): "v1 <unix time> <nonce> <hmac>" in the X-Emoguard-Notice
 * header of every notice mail, HMAC-SHA256 over "v1 <time> <nonce>" with a 32-byte key kept in
 * <state_dir>/notify.key (0600, made on first use; state_dir itself must exist). The milter checks
 * it when a mail comes back through it; a valid marker only stops a further notice, never the scan
 * or the action, so a stolen or replayed marker cannot carry malware past the gateway. The time
 * bound keeps an old notice, forwarded back later, from silencing notices for good.
 */
#include "notify/notify.h"

#include "core/sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static bool read_exact(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

static bool random_bytes(uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

eg_status eg_notify_key_load(const char *state_dir, uint8_t key[EG_NOTIFY_KEY_LEN])
{
    char path[4200], tmp[4300];
    if (!state_dir || !*state_dir ||
        (size_t)snprintf(path, sizeof path, "%s/notify.key", state_dir) >= sizeof path)
        return EG_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        struct stat sb;
        bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == EG_NOTIFY_KEY_LEN &&
                  read_exact(fd, key, EG_NOTIFY_KEY_LEN);
        close(fd);
        return ok ? EG_OK : EG_EFORMAT;
    }
    if (errno != ENOENT)
        return EG_EIO;
    if (!random_bytes(key, EG_NOTIFY_KEY_LEN))
        return EG_EINTERNAL;
    /* write a temporary file and link it in: two milters starting at once keep one key */
    snprintf(tmp, sizeof tmp, "%s/.notify.key-XXXXXX", state_dir);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO; /* no state_dir: not made here */
    bool ok = fchmod(fd, 0600) == 0 && write(fd, key, EG_NOTIFY_KEY_LEN) == EG_NOTIFY_KEY_LEN &&
              fsync(fd) == 0;
    close(fd);
    if (ok && link(tmp, path) != 0) {
        ok = false;
        if (errno == EEXIST) { /* another process won: use its key */
            unlink(tmp);
            return eg_notify_key_load(state_dir, key);
        }
    }
    unlink(tmp);
    return ok ? EG_OK : EG_EIO;
}

static void mac_hex(const uint8_t key[EG_NOTIFY_KEY_LEN], const char *msg, char out[65])
{
    uint8_t mac[32];
    unsigned ml = sizeof mac;
    if (!HMAC(EVP_sha256(), key, EG_NOTIFY_KEY_LEN, (const uint8_t *)msg, strlen(msg), mac, &ml))
        memset(mac, 0, sizeof mac);
    eg_hex(mac, sizeof mac, out);
}

void eg_notify_marker_make(const uint8_t key[EG_NOTIFY_KEY_LEN], time_t now, char *out, size_t n)
{
    uint8_t nonce[8] = {0};
    if (!random_bytes(nonce, sizeof nonce))
        memset(nonce, 0,
               sizeof nonce); /* the nonce only makes markers differ; the key is the secret */
    char nh[17], msg[64], mac[65];
    eg_hex(nonce, sizeof nonce, nh);
    snprintf(msg, sizeof msg, "v1 %" PRId64 " %s", (int64_t)now, nh);
    mac_hex(key, msg, mac);
    snprintf(out, n, "%s %s", msg, mac);
}

bool eg_notify_marker_check(const uint8_t key[EG_NOTIFY_KEY_LEN], const char *value, time_t now,
                            uint32_t max_age_s)
{
    while (*value == ' ' || *value == '\t')
        value++;
    char ts[24], nh[24], mac[80];
    /* exact shape: "v1 " digits " " 16 hex " " 64 hex, nothing else */
    if (strncmp(value, "v1 ", 3))
        return false;
    const char *p = value + 3;
    size_t tl = strspn(p, "0123456789");
    if (tl == 0 || tl > 19 || p[tl] != ' ')
        return false;
    memcpy(ts, p, tl);
    ts[tl] = 0;
    p += tl + 1;
    if (strspn(p, "0123456789abcdef") != 16 || p[16] != ' ')
        return false;
    memcpy(nh, p, 16);
    nh[16] = 0;
    p += 17;
    size_t ml = strspn(p, "0123456789abcdef");
    if (ml != 64)
        return false;
    const char *rest = p + 64;
    while (*rest == ' ' || *rest == '\t' || *rest == '\r' || *rest == '\n')
        rest++;
    if (*rest)
        return false;
    long long t = strtoll(ts, NULL, 10);
    if (t > (long long)now + 300 || (long long)now - t > (long long)max_age_s)
        return false;
    char msg[64], want[65];
    snprintf(msg, sizeof msg, "v1 %s %s", ts, nh);
    mac_hex(key, msg, want);
    memcpy(mac, p, 64);
    mac[64] = 0;
    return CRYPTO_memcmp(mac, want, 64) == 0;
}

bool eg_notify_is_notice(const uint8_t key[EG_NOTIFY_KEY_LEN], const uint8_t *msg, size_t len,
                         time_t now, uint32_t max_age_s)
{
    const size_t hl = strlen(EG_NOTIFY_HEADER);
    size_t i = 0;
    int seen = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && msg[j] != '\n')
            j++;
        size_t n = j - i;
        if (n && msg[i + n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* end of the header block */
        if (n > hl && msg[i + hl] == ':' &&
            !strncasecmp((const char *)msg + i, EG_NOTIFY_HEADER, hl)) {
            if (++seen > 4)
                return false; /* a pile of markers is not what we send */
            char v[200];
            size_t vl = n - hl - 1;
            if (vl < sizeof v) {
                memcpy(v, msg + i + hl + 1, vl);
                v[vl] = 0;
                if (!memchr(v, 0, vl) && eg_notify_marker_check(key, v, now, max_age_s))
                    return true;
            }
        }
        i = j + 1;
    }
    return false;
}
