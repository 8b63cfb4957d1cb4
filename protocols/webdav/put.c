/*
 * put.c: PUT (RFC 7231 4.3.4, RFC 4918 9.7) with strong ETags: If-Match and
 * If-None-Match (* or a list) are checked against the stored revision (412), 201 Created
 * for a new resource and 204 No Content for a replaced one, the new ETag in the answer
 * (vdirsyncer and CalDavSynchronizer use it instead of a re-read). The ETag is sent even
 * when CalDAV scheduling stored other bytes than were sent (SCHEDULE-STATUS, a derived
 * PARTSTAT), which RFC 4791 5.3.4 says not to do: without it vdirsyncer records the item
 * as changed on the server and reports a conflict at the user's next local edit (seen in
 * tests/integration/test_caldav_assignment_clients.py); the server derives what it adds
 * again from every later PUT, so a client's stale copy loses nothing. In files the parent
 * folder must exist (409). The body size is already bounded by the HTTP layer.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/err.h"

#define DAV_NAME_MAX 255 /* store.h: resource names are 1..255 bytes */

static int dav_put_checks(struct dav_request *dr)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node != DAV_NODE_RESOURCE) {
        if (t->path.node == DAV_NODE_COLLECTION && !t->exists) {
            dav_fail_status(dr, 409, NULL, "PUT below a missing collection");
            return ERR_CONFLICT;
        }
        dav_fail_status(dr, 405, NULL, "PUT on a collection");
        return ERR_DENIED;
    }
    if (!t->has_coll) {
        dav_fail_status(dr, 409, NULL, "PUT into a missing collection");
        return ERR_CONFLICT;
    }
    struct str_view name = t->path.name;
    if (t->is_folder || name.ptr[name.len - 1] == '/') {
        dav_fail_status(dr, 405, NULL, "PUT on a folder");
        return ERR_DENIED;
    }
    if (name.len > DAV_NAME_MAX) {
        dav_fail_status(dr, 414, NULL, "resource name too long");
        return ERR_TOO_LARGE;
    }
    if (t->flavour->paths && !dav_parent_exists(dr, &t->coll, name)) {
        dav_fail_status(dr, 409, NULL, "parent folder missing");
        return ERR_CONFLICT;
    }
    return dav_check_preconditions(dr, t->exists, t->res.rev) ? 0 : ERR_PRECONDITION;
}

void dav_put_handle(struct dav_request *dr)
{
    int rc = dav_prepare(dr, true, true);
    if (rc == 0) {
        rc = dav_put_checks(dr);
    }
    const struct dav_target *t = &dr->target;
    struct store_resource r;
    bool changed = false;
    if (rc == 0) {
        const char *ct = http_header(dr->req, "Content-Type");
        struct dav_put p = { .put = {
                                     .name = t->path.name,
                                     .content_type = str_view_of(ct),
                                     .body = dr->req->body,
                                     .if_match = t->exists ? t->res.rev : 0,
                                     .if_none_match = !t->exists,
                             } };
        rc = dav_store_put(dr, t, &p, &r, &changed);
        if (rc != 0) {
            dav_fail(dr, rc, "PUT refused");
        }
    }
    char etag[32];
    if (rc == 0) {
        store_etag(r.rev, etag, sizeof(etag));
    }
    if (rc != 0 || dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_header_add(dr->req, "ETag", etag);
    http_respond(dr->req, t->exists ? 204 : 201, NULL, STR_VIEW_NULL);
}
