/*
 * copymove.c: COPY and MOVE (RFC 4918 9.8, 9.9) of resources and files folders inside
 * the user's own homes, between collections of the same kind (a card from one address
 * book to another keeps its bytes; the target flavour's put_check runs as for a PUT).
 *
 * The source (a folder with Depth infinity: everything below it) is read into the request
 * arena first, with its dead properties; then a MOVE deletes the source, Overwrite: T
 * deletes an existing destination, and the copies are stored. So a MOVE that renames a
 * card inside one address book does not trip no-uid-conflict on itself. All in the one
 * write transaction: a failure leaves both sides as they were.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

struct dav_cm_prop {
    struct str_view key, value;
};

struct dav_cm_item {
    struct str_view rel; /* name relative to the source ("" for the source itself) */
    struct str_view type, body;
    struct dav_cm_prop *props;
    size_t n_props, cap_props;
};

struct dav_cm_item_ctx {
    struct arena *a;
    struct dav_cm_item *item;
};

static int dav_cm_prop_add(void *ctx, struct str_view key, struct str_view value)
{
    struct dav_cm_item_ctx *c = ctx;
    struct dav_cm_item *it = c->item;
    if (dav_prop_internal_key(key)) {
        return 0; /* rebuilt by the flavour for the copy (after_put) */
    }
    if (it->n_props == it->cap_props) {
        size_t cap = it->cap_props ? it->cap_props * 2 : 4;
        struct dav_cm_prop *v = arena_new_array(c->a, struct dav_cm_prop, cap);
        if (it->n_props) {
            memcpy(v, it->props, it->n_props * sizeof(*v));
        }
        it->props = v;
        it->cap_props = cap;
    }
    it->props[it->n_props++] = (struct dav_cm_prop){
        str_view_make(str_view_dup(c->a, key), key.len),
        str_view_make(str_view_dup(c->a, value), value.len),
    };
    return 0;
}

static int dav_cm_read(struct dav_request *dr, const struct store_collection *c,
                       struct str_view name, size_t src_len, struct dav_cm_item *it)
{
    struct store_resource r;
    int rc = store_resource_get(dr->txn, c->id, name, true, &r);
    if (rc != 0) {
        return rc;
    }
    it->rel = str_view_make(name.ptr + src_len, name.len - src_len);
    it->type = str_view_make(str_view_dup(dr->a, r.content_type), r.content_type.len);
    char *body = arena_alloc(dr->a, r.body.len + 1);
    memcpy(body, r.body.ptr, r.body.len);
    it->body = str_view_make(body, r.body.len);
    struct dav_cm_item_ctx ctx = { dr->a, it };
    return store_prop_list(dr->txn, c->id, name, dav_cm_prop_add, &ctx);
}

/* The source, and with depth infinity everything below a folder, into items. */
static int dav_cm_collect(struct dav_request *dr, const struct dav_target *src, int depth,
                          struct dav_cm_item **items_out, size_t *n_out)
{
    struct str_view name = str_view_make(str_view_dup(dr->a, src->res.name), src->res.name.len);
    struct str_view *names = &name;
    size_t n = 1;
    if (src->is_folder && depth == DAV_DEPTH_INFINITY) {
        int rc = dav_list_names(dr, src->coll.id, name, &names, &n);
        if (rc != 0) {
            return rc;
        }
    }
    struct dav_cm_item *items = arena_new_array(dr->a, struct dav_cm_item, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int rc = dav_cm_read(dr, &src->coll, names[i], name.len, &items[i]);
        if (rc != 0) {
            return rc;
        }
    }
    *items_out = items;
    *n_out = n;
    return 0;
}

static int dav_cm_store(struct dav_request *dr, const struct dav_target *dst,
                        struct str_view dst_name, const struct dav_cm_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct strbuf name;
        strbuf_init(&name, dr->a, dst_name.len + items[i].rel.len + 1);
        strbuf_append_view(&name, dst_name);
        strbuf_append_view(&name, items[i].rel);
        struct dav_put p = { .put = {
                                     .name = strbuf_view(&name),
                                     .content_type = items[i].type,
                                     .body = items[i].body,
                                     .if_none_match = true,
                             } };
        int rc = dav_store_put(dr, dst, &p, NULL, NULL);
        for (size_t k = 0; rc == 0 && k < items[i].n_props; k++) {
            rc = store_prop_put(dr->txn, dst->coll.id, p.put.name, items[i].props[k].key,
                                items[i].props[k].value);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* The destination's store name: a folder's copy is a folder ("b" -> "b/"). */
static struct str_view dav_cm_dst_name(struct dav_request *dr, const struct dav_target *src,
                                       const struct dav_target *dst)
{
    struct str_view name = dst->exists ? dst->res.name : dst->path.name;
    name = str_view_make(str_view_dup(dr->a, name), name.len);
    bool slash = name.len > 0 && name.ptr[name.len - 1] == '/';
    if (src->is_folder && !slash) {
        char *s = arena_alloc(dr->a, name.len + 2);
        memcpy(s, name.ptr, name.len);
        s[name.len] = '/';
        return str_view_make(s, name.len + 1);
    }
    if (!src->is_folder && slash) {
        name.len--;
    }
    return name;
}

static int dav_cm_check(struct dav_request *dr, const struct dav_target *src,
                        const struct dav_target *dst, struct str_view dst_name, int depth,
                        bool move)
{
    if (src->path.node != DAV_NODE_RESOURCE || dst->path.node != DAV_NODE_RESOURCE) {
        dav_fail_status(dr, 403, NULL, "only resources and folders can be copied or moved");
    } else if (!dst->has_coll) {
        dav_fail_status(dr, 409, NULL, "destination collection missing");
    } else if (dst->coll.kind != src->coll.kind) {
        dav_fail_status(dr, 403, NULL, "destination collection of another kind");
    } else if (depth < 0 || depth == 1 || (move && src->is_folder && depth != DAV_DEPTH_INFINITY)) {
        dav_fail_status(dr, 400, NULL, "bad Depth for COPY/MOVE");
    } else if (dst->coll.id == src->coll.id && dst_name.len >= src->res.name.len &&
               memcmp(dst_name.ptr, src->res.name.ptr, src->res.name.len) == 0 &&
               (dst_name.len == src->res.name.len || src->is_folder)) {
        dav_fail_status(dr, 403, NULL, "destination is the source or inside it");
    } else if (dst->flavour->paths && !dav_parent_exists(dr, &dst->coll, dst_name)) {
        dav_fail_status(dr, 409, NULL, "destination parent folder missing");
    } else {
        const char *ow = http_header(dr->req, "Overwrite");
        if (dst->exists && ow != NULL && (ow[0] == 'F' || ow[0] == 'f')) {
            dav_fail_status(dr, 412, NULL, "destination exists and Overwrite is F");
        }
    }
    return dr->err.status ? ERR_INVAL : 0;
}

static int dav_cm_run(struct dav_request *dr, bool move, struct dav_target *dst)
{
    const struct dav_target *src = &dr->target;
    const char *dest = http_header(dr->req, "Destination");
    const char *path;
    if (dest == NULL || dav_destination_path(dr->a, dest, &path) != 0) {
        dav_fail_status(dr, 400, NULL, "missing or bad Destination");
        return ERR_INVAL;
    }
    int rc = dav_target_resolve(dr, path, dst);
    if (rc == 0) {
        rc = dav_access(dr, dst, true);
    }
    if (rc != 0) {
        return dav_fail(dr, rc == ERR_NOT_FOUND ? ERR_DENIED : rc, "destination not writable");
    }
    int depth = dav_depth(dr, DAV_DEPTH_INFINITY);
    struct str_view dst_name = dav_cm_dst_name(dr, src, dst);
    if (dav_cm_check(dr, src, dst, dst_name, depth, move) != 0 ||
        !dav_check_preconditions(dr, true, src->res.rev)) {
        return ERR_INVAL;
    }
    struct dav_cm_item *items;
    size_t n;
    rc = dav_cm_collect(dr, src, depth, &items, &n);
    if (rc == 0 && move) {
        struct str_view sname =
                str_view_make(str_view_dup(dr->a, src->res.name), src->res.name.len);
        rc = dav_delete_tree(dr, &src->coll, sname, src->is_folder);
    }
    struct store_resource old;
    if (rc == 0 && dst->exists &&
        store_resource_get(dr->txn, dst->coll.id, dst->res.name, false, &old) == 0) {
        /* Deleted under its own name (a file "b" overwritten by a folder "b/"); it may
         * already be gone with a moved source that contained it. */
        rc = dav_delete_tree(dr, &dst->coll, old.name, dst->is_folder);
    }
    if (rc == 0) {
        rc = dav_cm_store(dr, dst, dst_name, items, n);
    }
    return rc != 0 ? dav_fail(dr, rc, move ? "MOVE failed" : "COPY failed") : 0;
}

void dav_copymove_handle(struct dav_request *dr)
{
    bool move = dr->req->method == HTTP_MOVE;
    struct dav_target dst;
    memset(&dst, 0, sizeof(dst));
    int rc = dav_prepare(dr, true, move);
    if (rc == 0 && !dr->target.exists) {
        rc = dav_fail(dr, ERR_NOT_FOUND, "no such resource");
    }
    if (rc == 0) {
        rc = dav_cm_run(dr, move, &dst);
    }
    if (rc != 0 || dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_respond(dr->req, dst.exists ? 204 : 201, NULL, STR_VIEW_NULL);
}
