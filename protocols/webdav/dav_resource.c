/*
 * dav_resource.c: resource operations shared by PUT, DELETE, MKCOL and COPY/MOVE: files
 * folders (names ending in '/'), their parents, recursive deletion, and storing a body
 * through the collection flavour's check.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

struct str_view dav_parent_name(struct str_view name)
{
    size_t len = name.len;
    if (len > 0 && name.ptr[len - 1] == '/') {
        len--;
    }
    while (len > 0 && name.ptr[len - 1] != '/') {
        len--;
    }
    return str_view_make(name.ptr, len);
}

bool dav_parent_exists(struct dav_request *dr, const struct store_collection *c,
                       struct str_view name)
{
    struct str_view parent = dav_parent_name(name);
    if (parent.len == 0) {
        return true;
    }
    struct store_resource r;
    return store_resource_get(dr->txn, c->id, parent, false, &r) == 0;
}

struct dav_names {
    struct arena *a;
    struct str_view *v;
    size_t n, cap;
};

static int dav_names_add(void *ctx, const struct store_resource *r)
{
    struct dav_names *ns = ctx;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        struct str_view *v = arena_new_array(ns->a, struct str_view, cap);
        if (ns->n) {
            memcpy(v, ns->v, ns->n * sizeof(*v));
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = str_view_make(arena_strndup(ns->a, r->name.ptr, r->name.len), r->name.len);
    return 0;
}

int dav_list_names(struct dav_request *dr, uint64_t coll_id, struct str_view prefix,
                   struct str_view **names_out, size_t *n_out)
{
    struct dav_names ns = { .a = dr->a };
    int rc = store_resource_list_after(dr->txn, coll_id, prefix, STR_VIEW_NULL, 0, false,
                                       dav_names_add, &ns);
    *names_out = ns.v;
    *n_out = ns.n;
    return rc;
}

int dav_delete_tree(struct dav_request *dr, const struct store_collection *c, struct str_view name,
                    bool folder)
{
    if (!folder) {
        return store_resource_delete(dr->txn, c->id, name, 0);
    }
    /* Names first, deletes after: the walk must not run over keys it removes. The prefix
     * "a/" lists the folder itself and everything below it. */
    struct str_view *names;
    size_t n;
    int rc = dav_list_names(dr, c->id, name, &names, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = store_resource_delete(dr->txn, c->id, names[i], 0);
    }
    return rc;
}

int dav_store_put(struct dav_request *dr, const struct dav_target *t, struct dav_put *p,
                  struct store_resource *out, bool *changed_out)
{
    p->target = t;
    if (p->put.content_type.len == 0) {
        const char *dflt = t->flavour && t->flavour->default_type ? t->flavour->default_type
                                                                  : "application/octet-stream";
        p->put.content_type = str_view_of(dflt);
    }
    if (t->flavour != NULL && t->flavour->put_check != NULL) {
        int rc = t->flavour->put_check(dr, p);
        if (rc != 0) {
            return rc;
        }
    }
    struct store_resource stored;
    int rc = store_resource_put(dr->txn, t->coll.id, &p->put, &stored, changed_out);
    if (rc == 0 && t->flavour != NULL && t->flavour->after_put != NULL) {
        rc = t->flavour->after_put(dr, p, &stored);
    }
    if (rc == 0 && out != NULL) {
        *out = stored;
    }
    return rc;
}
