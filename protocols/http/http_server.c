#include "protocols/http/http-internal.h"

#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "src/config.h"

struct http_server *http_server_new(const struct kith_config *cfg, http_handler_fn *handler,
                                    void *handler_ctx)
{
    struct http_server *hs = calloc(1, sizeof(*hs));
    if (hs == NULL) {
        return NULL;
    }
    hs->cfg = cfg;
    hs->responses = http_cache_new(); /* NULL: no cache, answers are computed every time */
    hs->handler = handler;
    hs->handler_ctx = handler_ctx;
    if (RAND_bytes(hs->salt, sizeof(hs->salt)) != 1) {
        http_cache_free(&hs->responses);
        free(hs);
        return NULL;
    }
    if (http_trusted_parse(cfg->trusted_proxies, hs->trusted, HTTP_TRUSTED_MAX, &hs->ntrusted) !=
        0) {
        /* The config loader validates the list; a bad entry here trusts nobody. */
        static const struct log_ctx none = { 0 };
        log_warn(&none, "http: ignoring trusted_proxies '%s': not a list of IP addresses",
                 cfg->trusted_proxies);
        hs->ntrusted = 0;
    }
    return hs;
}

void http_server_set_auth(struct http_server *hs, http_auth_fn *auth, void *auth_ctx,
                          http_auth_needed_fn *needed, void *needed_ctx)
{
    hs->auth = auth;
    hs->auth_ctx = auth_ctx;
    hs->needed = needed;
    hs->needed_ctx = needed_ctx;
}

void http_server_set_auth_lookup(struct http_server *hs, http_auth_lookup_fn *lookup, void *ctx)
{
    hs->lookup = lookup;
    hs->lookup_ctx = ctx;
}

void http_server_free(struct http_server **hs)
{
    if (hs == NULL || *hs == NULL) {
        return;
    }
    http_cache_free(&(*hs)->responses);
    OPENSSL_cleanse(*hs, sizeof(**hs));
    free(*hs);
    *hs = NULL;
}
