/*
 * passwd.c: yescrypt hashes through libxcrypt, and readable random passwords.
 */
#include "src/passwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <crypt.h>

#include "src/err.h"

_Static_assert(PASSWD_HASH_SIZE <= CRYPT_OUTPUT_SIZE, "hash buffer larger than crypt output");
_Static_assert(PASSWD_MAX < CRYPT_MAX_PASSPHRASE_SIZE, "libxcrypt refuses longer passphrases");

/* Equal length strings compared without an early exit; the length is not secret (every
 * yescrypt hash of one setting has the same length). */
static bool passwd_equal(const char *a, const char *b)
{
    size_t len = strlen(a);
    if (len != strlen(b)) {
        return false;
    }
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < len; i++) {
        diff |= (unsigned char)(a[i] ^ b[i]);
    }
    return diff == 0;
}

/* crypt_rn's work area is 32 KiB: heap, not stack, and wiped since it held the password. */
static struct crypt_data *passwd_work_new(void)
{
    return calloc(1, sizeof(struct crypt_data));
}

static void passwd_work_free(struct crypt_data **data)
{
    if (*data != NULL) {
        explicit_bzero(*data, sizeof(**data));
        free(*data);
        *data = NULL;
    }
}

int passwd_hash(const char *password, char *out, size_t out_size)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (password == NULL || password[0] == '\0' || out == NULL || out_size < PASSWD_HASH_SIZE) {
        return ERR_INVAL;
    }
    if (strnlen(password, PASSWD_MAX + 1) > PASSWD_MAX) {
        return ERR_TOO_LARGE;
    }
    /* count 0: libxcrypt's default yescrypt cost; NULL rbytes: its own getentropy salt. */
    if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
        return ERR_IO;
    }
    struct crypt_data *data = passwd_work_new();
    if (data == NULL) {
        return ERR_NOMEM;
    }
    int rc = ERR_IO;
    const char *hash = crypt_rn(password, salt, data, sizeof(*data));
    if (hash != NULL && hash[0] == '$' && strlen(hash) < out_size) {
        strcpy(out, hash);
        rc = 0;
    }
    passwd_work_free(&data);
    return rc;
}

bool passwd_verify(const char *password, const char *hash)
{
    /* Only "$id$..." hashes: "*", "!" (locked), "" and the weak DES/bigcrypt forms are
     * refused before libxcrypt sees them. */
    if (password == NULL || hash == NULL || hash[0] != '$' ||
        strnlen(password, PASSWD_MAX + 1) > PASSWD_MAX) {
        return false;
    }
    struct crypt_data *data = passwd_work_new();
    if (data == NULL) {
        return false;
    }
    const char *computed = crypt_rn(password, hash, data, sizeof(*data));
    bool ok = computed != NULL && computed[0] == '$' && passwd_equal(computed, hash);
    passwd_work_free(&data);
    return ok;
}

int passwd_generate(char *out, size_t size)
{
    /* 31 symbols without 0 o 1 l i; bytes >= 248 (8 * 31) are redrawn to avoid bias. */
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    const unsigned n = sizeof(alphabet) - 1;
    const unsigned limit = 256 - 256 % n;
    unsigned char pool[64];
    size_t used = sizeof(pool), o = 0;

    if (out == NULL || size < PASSWD_GENERATE_SIZE) {
        return ERR_INVAL;
    }
    while (o < PASSWD_GENERATE_SIZE - 1) {
        if (o % 5 == 4) {
            out[o++] = '-';
            continue;
        }
        if (used == sizeof(pool)) {
            if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
                explicit_bzero(out, size);
                return ERR_IO;
            }
            used = 0;
        }
        unsigned char b = pool[used++];
        if (b < limit) {
            out[o++] = alphabet[b % n];
        }
    }
    out[o] = '\0';
    explicit_bzero(pool, sizeof(pool));
    return 0;
}
