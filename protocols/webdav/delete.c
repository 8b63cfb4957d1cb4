/*
 * delete.c: DELETE (RFC 4918 9.6): a resource, a files folder with everything below it,
 * or a whole collection (not the files root, the scheduling inbox or outbox). If-Match
 * applies to resources and folders; a collection has no ETag, so only "*" matches it.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/err.h"

static int dav_delete_target(struct dav_request *dr)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node == DAV_NODE_RESOURCE) {
        if (!dav_check_preconditions(dr, true, t->res.rev)) {
            return ERR_PRECONDITION;
        }
        if (t->flavour != NULL && t->flavour->delete_check != NULL) {
            int crc = t->flavour->delete_check(dr, t);
            if (crc != 0) {
                return crc;
            }
        }
        struct str_view name = str_view_make(str_view_dup(dr->a, t->res.name), t->res.name.len);
        int rc = dav_delete_tree(dr, &t->coll, name, t->is_folder);
        return rc != 0 ? dav_fail(dr, rc, "delete failed") : 0;
    }
    if (t->path.node != DAV_NODE_COLLECTION) {
        dav_fail_status(dr, 405, NULL, "not deletable");
        return ERR_DENIED;
    }
    if (t->coll.kind == STORE_COLL_FILES || t->coll.kind == STORE_COLL_INBOX ||
        t->coll.kind == STORE_COLL_OUTBOX) {
        dav_fail_status(dr, 403, NULL, "this collection belongs to the account");
        return ERR_DENIED;
    }
    const char *im = http_header(dr->req, "If-Match");
    if (im != NULL && strcmp(im, "*") != 0) {
        dav_fail_status(dr, 412, NULL, "If-Match on a collection");
        return ERR_PRECONDITION;
    }
    int rc = store_collection_delete(dr->txn, t->coll.id);
    return rc != 0 ? dav_fail(dr, rc, "collection delete failed") : 0;
}

void dav_delete_handle(struct dav_request *dr)
{
    int rc = dav_prepare(dr, true, true);
    if (rc == 0 && !dr->target.exists) {
        rc = dav_fail(dr, ERR_NOT_FOUND, "no such resource");
    }
    if (rc == 0) {
        rc = dav_delete_target(dr);
    }
    if (rc != 0 || dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_respond(dr->req, 204, NULL, STR_VIEW_NULL);
}
