/*
 * dav_auth_lookup.c: the per-request credential lookup behind the HTTP auth cache (see
 * http_auth_lookup_fn): one read of the user record, by login or by e-mail.
 */
#include <string.h>

#include "protocols/webdav/dav-internal.h"
#include "src/arena.h"
#include "src/err.h"

int dav_auth_lookup(void *ctx, struct arena *a, const char *user, const char **canonical_out,
        struct str_view *stamp_out)
{
    struct store_txn *t;
    int rc = store_txn_begin(((struct dav_app *)ctx)->store, false, &t);
    if (rc != 0) {
        return rc;
    }
    struct store_user u;
    rc = store_user_get(t, str_view_of(user), &u);
    if (rc == ERR_NOT_FOUND && strchr(user, '@') != NULL) {
        rc = store_user_find_by_email(t, str_view_of(user), &u);
    }
    if (rc == 0) {
        *canonical_out = str_view_dup(a, u.name);
        *stamp_out = str_view_make(str_view_dup(a, u.password_hash), u.password_hash.len);
    }
    store_txn_abort(&t);
    return rc;
}
