#include "protocols/http/http-internal.h"

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "src/err.h"

/* The cache key is a salted SHA-256 of user and password, so the process never holds a
 * password after the request that carried it; the random per-process salt keeps a memory
 * dump from being checked against a precomputed table. */
static void http_auth_key(const struct http_server *hs, const char *user, const char *password,
                          struct str_view stamp, uint8_t key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned n = 32;
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, hs->salt, sizeof(hs->salt)) != 1 ||
        EVP_DigestUpdate(md, user, strlen(user) + 1) != 1 ||
        EVP_DigestUpdate(md, password, strlen(password) + 1) != 1 ||
        EVP_DigestUpdate(md, stamp.ptr ? stamp.ptr : "", stamp.len) != 1 ||
        EVP_DigestFinal_ex(md, key, &n) != 1) {
        /* Cannot hash: make a key no entry will match, so we fall back to the KDF. */
        memset(key, 0, 32);
        key[0] = 1;
    }
    EVP_MD_CTX_free(md);
}

static bool http_auth_cache_hit(struct http_server *hs, const uint8_t key[32], const char *user,
                                time_t now)
{
    for (size_t i = 0; i < HTTP_AUTH_CACHE_SIZE; i++) {
        struct http_auth_entry *e = &hs->cache[i];
        if (e->expires > now && CRYPTO_memcmp(e->key, key, 32) == 0 && strcmp(e->user, user) == 0) {
            return true;
        }
    }
    return false;
}

static void http_auth_cache_put(struct http_server *hs, const uint8_t key[32], const char *user,
                                time_t now)
{
    if (strlen(user) >= HTTP_AUTH_USER_MAX) {
        return;
    }
    /* Replace an expired slot, else the one closest to expiring. */
    struct http_auth_entry *victim = &hs->cache[0];
    for (size_t i = 0; i < HTTP_AUTH_CACHE_SIZE; i++) {
        struct http_auth_entry *e = &hs->cache[i];
        if (e->expires <= now) {
            victim = e;
            break;
        }
        if (e->expires < victim->expires) {
            victim = e;
        }
    }
    memcpy(victim->key, key, 32);
    strcpy(victim->user, user);
    victim->expires = now + HTTP_AUTH_CACHE_TTL;
}

void http_server_auth_cache_clear(struct http_server *hs)
{
    OPENSSL_cleanse(hs->cache, sizeof(hs->cache));
}

/* Sets req->user when the request carries valid Basic credentials. Returns 0 when the
 * request may go on (authenticated, or anonymous where allowed), ERR_DENIED for a 401. */
int http_auth_request(struct http_server *hs, struct http_request *req)
{
    if (hs->auth == NULL) {
        return 0;
    }
    const char *authorization = http_header(req, "Authorization");
    if (authorization == NULL) {
        bool needed = hs->needed == NULL || hs->needed(hs->needed_ctx, req);
        return needed ? ERR_DENIED : 0;
    }
    const char *user, *password;
    if (http_basic_decode(req->arena, authorization, &user, &password) != 0) {
        log_warn(&req->log, "malformed Authorization from %s", req->peer);
        return ERR_DENIED;
    }
    uint8_t key[32];
    struct str_view stamp = STR_VIEW_NULL;
    int rc = 0;
    if (hs->lookup != NULL) {
        const char *canonical = user;
        rc = hs->lookup(hs->lookup_ctx, req->arena, user, &canonical, &stamp);
        rc = rc == ERR_NOT_FOUND ? ERR_DENIED : rc;
        user = canonical;
    }
    http_auth_key(hs, user, password, stamp, key);
    time_t now = time(NULL);
    if (rc == 0 && !http_auth_cache_hit(hs, key, user, now)) {
        rc = hs->auth(hs->auth_ctx, user, password);
        if (rc == 0) {
            http_auth_cache_put(hs, key, user, now);
        }
    }
    OPENSSL_cleanse((char *)password, strlen(password));
    if (rc != 0) {
        log_warn(&req->log, "authentication failed for user '%s' from %s: %s", user, req->peer,
                 err_str(rc));
        return ERR_DENIED;
    }
    req->user = user;
    req->log.user = user;
    return 0;
}
