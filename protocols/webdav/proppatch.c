/*
 * proppatch.c: PROPPATCH (RFC 4918 9.2), also used by extended MKCOL (RFC 5689).
 *
 * All or nothing (RFC 4918 9.2): the operations run in document order inside the
 * request's write transaction; if one fails, the others are reported 424 Failed
 * Dependency and the transaction is aborted. Dead properties go to the store as the whole
 * property element (with its namespace declarations); displayname, the address book and
 * calendar descriptions and the calendar colour of a collection change its record.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

#define DAV_PROTECTED "<D:cannot-modify-protected-property/>"

static int dav_patch_status(int rc)
{
    switch (rc) {
    case 0:
        return 200;
    case ERR_TOO_LARGE:
    case ERR_NO_SPACE:
        return 507;
    case ERR_DENIED:
        return 403;
    case ERR_CONFLICT:
        return 409;
    default:
        return 500;
    }
}

static int dav_patch_one(struct dav_request *dr, const struct dav_target *t,
                         struct store_collection *c, struct str_view name,
                         const struct dav_patch_op *op, bool *coll_changed)
{
    const struct dav_live_prop *live = dav_prop_find(t, op->qname);
    if (dav_prop_protected(t, op->qname)) {
        return ERR_DENIED;
    }
    if (live != NULL) {
        *coll_changed = true;
        return dav_prop_set_live(dr, c, op);
    }
    struct str_view key = dav_qname_key(dr->a, op->qname);
    if (!t->has_coll && t->path.node == DAV_NODE_HOME) {
        /* macOS Contacts sets CS:me-card on the address-book home: per-user properties. */
        return op->remove ? store_user_prop_delete(dr->txn, t->path.user, key)
                          : store_user_prop_put(dr->txn, t->path.user, key, op->value);
    }
    if (!t->has_coll) {
        return ERR_DENIED; /* the root and principals keep no dead properties */
    }
    if (op->remove) {
        return store_prop_delete(dr->txn, c->id, name, key);
    }
    return store_prop_put(dr->txn, c->id, name, key, op->value);
}

int dav_proppatch_apply(struct dav_request *dr, const struct dav_target *t,
                        const struct dav_patch_op *ops, size_t n, int *statuses)
{
    struct store_collection c = t->coll;
    /* The record's views point into the map, which the writes below may move. */
    c.display_name = str_view_make(str_view_dup(dr->a, c.display_name), c.display_name.len);
    c.description = str_view_make(str_view_dup(dr->a, c.description), c.description.len);
    c.color = str_view_make(str_view_dup(dr->a, c.color), c.color.len);
    struct str_view name = STR_VIEW_NULL;
    if (t->path.node == DAV_NODE_RESOURCE) {
        name = str_view_make(str_view_dup(dr->a, t->res.name), t->res.name.len);
    }
    bool failed = false, coll_changed = false;
    for (size_t i = 0; i < n; i++) {
        int rc = failed ? ERR_AGAIN : dav_patch_one(dr, t, &c, name, &ops[i], &coll_changed);
        statuses[i] = rc == ERR_AGAIN ? 424 : dav_patch_status(rc);
        failed = failed || rc != 0;
    }
    if (!failed && coll_changed && store_collection_update(dr->txn, &c) != 0) {
        failed = true;
        for (size_t i = 0; i < n; i++) {
            statuses[i] = 500;
        }
    }
    for (size_t i = 0; failed && i < n; i++) {
        if (statuses[i] == 200) {
            statuses[i] = 424;
        }
    }
    return failed ? ERR_CONFLICT : 0;
}

static void dav_proppatch_respond(struct dav_request *dr, const struct dav_proppatch *pp,
                                  const int *statuses)
{
    static const int order[] = { 200, 403, 409, 424, 500, 507 };
    struct dav_propstat ps[6];
    for (size_t k = 0; k < 6; k++) {
        ps[k] = (struct dav_propstat){ .status = order[k] };
        strbuf_init(&ps[k].props, dr->a, 128);
    }
    ps[1].error = DAV_PROTECTED;
    for (size_t i = 0; i < pp->n_ops; i++) {
        for (size_t k = 0; k < 6; k++) {
            if (statuses[i] == order[k]) {
                dav_ms_empty_elem(&ps[k].props, pp->ops[i].qname);
            }
        }
    }
    struct dav_ms ms;
    dav_ms_begin(&ms, dr, false);
    dav_ms_response(&ms, dr->target.href, ps, 6);
    dav_ms_finish(&ms);
}

void dav_proppatch_handle(struct dav_request *dr)
{
    struct dav_proppatch pp;
    int rc = dav_xml_proppatch(dr->a, dr->req->body, &pp);
    if (rc != 0) {
        dav_fail(dr, rc == ERR_TOO_LARGE ? ERR_INVAL : rc, "malformed PROPPATCH body");
    } else if (dav_prepare(dr, true, true) == 0 && !dr->target.exists) {
        dav_fail(dr, ERR_NOT_FOUND, "no such resource");
    }
    if (dr->err.status != 0) {
        dav_respond_error(dr);
        return;
    }
    int *statuses = arena_new_array(dr->a, int, pp.n_ops);
    rc = dav_proppatch_apply(dr, &dr->target, pp.ops, pp.n_ops, statuses);
    if (rc != 0) {
        log_info(&dr->req->log, "PROPPATCH %s: not applied (a property was refused)",
                 dr->req->path);
        dav_txn_end(dr);
    } else if (dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    dav_proppatch_respond(dr, &pp, statuses);
}
