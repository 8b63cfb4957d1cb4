/*
 * mkcol.c: MKCOL (RFC 4918 9.3) and extended MKCOL (RFC 5689).
 *
 * In files a new folder is a resource "a/b/" (content type httpd/unix-directory, empty
 * body). In an addressbooks (calendars) home an extended MKCOL whose resourcetype names
 * the flavour (<C:addressbook/>) creates a store collection, then sets its properties in
 * the same transaction. 405 when the target exists, 409 when the parent does not, 415
 * for a body that is no <D:mkcol> document.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

static int dav_mkcol_props(struct dav_request *dr, const struct dav_target *t,
                           const struct dav_mkcol *mk)
{
    if (mk->n_ops == 0) {
        return 0;
    }
    int *statuses = arena_new_array(dr->a, int, mk->n_ops);
    int rc = dav_proppatch_apply(dr, t, mk->ops, mk->n_ops, statuses);
    if (rc != 0) {
        dav_fail_status(dr, 403, NULL, "extended MKCOL: a property was refused");
    }
    return rc;
}

static int dav_mkcol_folder(struct dav_request *dr, const struct dav_mkcol *mk)
{
    const struct dav_target *t = &dr->target;
    struct str_view name = t->path.name;
    if (name.ptr[name.len - 1] == '/') {
        name.len--;
    }
    struct store_resource r;
    if (store_resource_get(dr->txn, t->coll.id, name, false, &r) == 0) {
        dav_fail_status(dr, 405, NULL, "a resource of that name exists");
        return ERR_EXISTS;
    }
    if (mk->n_types > 1 ||
        (mk->n_types == 1 && !str_view_eq(mk->types[0].name, STR_VIEW_LIT("collection")))) {
        dav_fail_status(dr, 403, "<D:valid-resourcetype/>", "files hold plain folders only");
        return ERR_DENIED;
    }
    if (!dav_parent_exists(dr, &t->coll, name)) {
        dav_fail_status(dr, 409, NULL, "parent folder missing");
        return ERR_CONFLICT;
    }
    char *folder = arena_alloc(dr->a, name.len + 2);
    memcpy(folder, name.ptr, name.len);
    folder[name.len] = '/';
    struct dav_put p = { .put = {
                                 .name = str_view_make(folder, name.len + 1),
                                 .content_type = STR_VIEW_LIT(DAV_FOLDER_TYPE),
                                 .if_none_match = true,
                         } };
    int rc = dav_store_put(dr, t, &p, &r, NULL);
    if (rc != 0) {
        return dav_fail(dr, rc, "cannot create the folder");
    }
    struct dav_target nt;
    dav_target_member(dr->a, t, &r, &nt);
    return dav_mkcol_props(dr, &nt, mk);
}

static int dav_mkcol_collection(struct dav_request *dr, const struct dav_mkcol *mk)
{
    struct dav_target *t = &dr->target;
    const struct dav_flavour *f = dav_flavour_for_mkcol(t->path.home, mk);
    if (f == NULL) {
        dav_fail_status(dr, 403, "<D:valid-resourcetype/>",
                        "MKCOL in a home needs the collection's resourcetype");
        return ERR_DENIED;
    }
    struct store_collection c = {
        .kind = f->kind,
        .owner = t->path.user,
        .slug = t->path.slug,
        .display_name = t->path.slug,
        .components = f->kind == STORE_COLL_CALENDAR ? STORE_COMP_VEVENT | STORE_COMP_VTODO : 0,
    };
    int rc = store_collection_create(dr->txn, &c);
    if (rc != 0) {
        return dav_fail(dr, rc == ERR_EXISTS ? ERR_CONFLICT : rc, "cannot create the collection");
    }
    t->coll = c;
    t->has_coll = true;
    t->exists = true;
    t->flavour = f;
    return dav_mkcol_props(dr, t, mk);
}

void dav_mkcol_handle(struct dav_request *dr)
{
    struct dav_mkcol mk = { 0 };
    if (dr->req->body.len > 0) {
        int rc = dav_xml_mkcol(dr->a, dr->req->body, &mk);
        const char *ct = http_header(dr->req, "Content-Type");
        if (rc == ERR_INVAL && (ct == NULL || strstr(ct, "xml") == NULL)) {
            rc = ERR_UNSUPPORTED; /* RFC 4918 9.3: a body we do not understand at all */
        }
        if (rc == ERR_UNSUPPORTED) {
            dav_fail_status(dr, 415, NULL, "MKCOL body is no extended MKCOL document");
        } else if (rc != 0) {
            dav_fail(dr, ERR_INVAL, "malformed MKCOL body");
        }
    }
    int rc = dr->err.status ? ERR_INVAL : dav_prepare(dr, true, true);
    const struct dav_target *t = &dr->target;
    if (rc == 0 && t->exists) {
        dav_fail_status(dr, 405, NULL, "target exists");
        rc = ERR_EXISTS;
    }
    if (rc == 0) {
        if (t->path.node == DAV_NODE_RESOURCE && !t->has_coll) {
            dav_fail_status(dr, 409, NULL, "parent collection missing");
            rc = ERR_CONFLICT;
        } else if (t->path.node == DAV_NODE_RESOURCE && t->flavour->paths) {
            rc = dav_mkcol_folder(dr, &mk);
        } else if (t->path.node == DAV_NODE_COLLECTION && t->path.home != DAV_HOME_FILES) {
            rc = dav_mkcol_collection(dr, &mk);
        } else {
            dav_fail_status(dr, 405, NULL, "no collection can be made here");
            rc = ERR_DENIED;
        }
    }
    if (rc != 0 || dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_respond(dr->req, 201, NULL, STR_VIEW_NULL);
}
