/*
 * dav_auth.c: the store side of HTTP Basic authentication: the password check behind the
 * HTTP layer's credential cache (dav_auth, on a cache miss) and the per-request lookup of
 * the canonical login and its credential stamp (dav_auth_lookup, on every request), both
 * accepting a login or an e-mail address.
 */
#include <stdio.h>
#include <string.h>

#include "protocols/webdav/dav-internal.h"
#include "src/arena.h"
#include "src/err.h"
#include "src/passwd.h"

/* The user named by a login, or by an e-mail address. */
static int dav_user_find(struct store_txn *t, const char *user, struct store_user *out)
{
    int rc = store_user_get(t, str_view_of(user), out);
    if (rc == ERR_NOT_FOUND && strchr(user, '@') != NULL) {
        rc = store_user_find_by_email(t, str_view_of(user), out);
    }
    return rc;
}

int dav_auth(void *ctx, const char *user, const char *password)
{
    struct store_txn *t;
    int rc = store_txn_begin(((struct dav_app *)ctx)->store, false, &t);
    if (rc != 0) {
        return rc;
    }
    struct store_user u;
    rc = dav_user_find(t, user, &u);
    if (rc == 0) {
        /* The hash view lives in the map: verify before the transaction ends. */
        char hash[256];
        snprintf(hash, sizeof(hash), "%.*s", STR_VIEW_FMT(u.password_hash));
        rc = passwd_verify(password, hash) ? 0 : ERR_DENIED;
    } else if (rc == ERR_NOT_FOUND) {
        rc = ERR_DENIED;
    }
    store_txn_abort(&t);
    return rc;
}

int dav_auth_lookup(void *ctx, struct arena *a, const char *user, const char **canonical_out,
        struct str_view *stamp_out)
{
    struct store_txn *t;
    int rc = store_txn_begin(((struct dav_app *)ctx)->store, false, &t);
    if (rc != 0) {
        return rc;
    }
    struct store_user u;
    rc = dav_user_find(t, user, &u);
    if (rc == 0) {
        *canonical_out = str_view_dup(a, u.name);
        *stamp_out = str_view_make(str_view_dup(a, u.password_hash), u.password_hash.len);
    }
    store_txn_abort(&t);
    return rc;
}
