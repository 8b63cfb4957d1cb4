/*
 * store_props.c: dead properties (PROPPATCH) of collections and resources.
 */
#include "storage/store-internal.h"

static struct str_view store_prop_key(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname)
{
    uint8_t *k = arena_alloc(t->arena, 8 + name.len + 1 + qname.len);
    store_be64_put(k, coll_id);
    if (name.len) {
        memcpy(k + 8, name.ptr, name.len);
    }
    k[8 + name.len] = 0;
    if (qname.len) {
        memcpy(k + 9 + name.len, qname.ptr, qname.len);
    }
    return str_view_make(k, 9 + name.len + qname.len);
}

int store_prop_put(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname, struct str_view value)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    if (qname.len == 0 || qname.len > STORE_QNAME_MAX || name.len > STORE_NAME_MAX) {
        return store_fail(t, ERR_TOO_LARGE);
    }
    struct store_collection c;
    rc = store_collection_get_by_id(t, coll_id, &c);
    if (rc == 0 && name.len) {
        struct store_resource r;
        rc = store_resource_get(t, coll_id, name, false, &r);
    }
    if (rc != 0) {
        return store_fail(t, rc);
    }
    return store_db_put(t, DBI_PROPS, store_prop_key(t, coll_id, name, qname), value);
}

int store_prop_delete(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname)
{
    if (qname.len > STORE_QNAME_MAX || name.len > STORE_NAME_MAX) {
        return 0;
    }
    return store_db_del(t, DBI_PROPS, store_prop_key(t, coll_id, name, qname));
}

int store_prop_get(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname, struct str_view *value_out)
{
    if (qname.len == 0 || qname.len > STORE_QNAME_MAX || name.len > STORE_NAME_MAX) {
        return ERR_NOT_FOUND;
    }
    return store_db_get(t, DBI_PROPS, store_prop_key(t, coll_id, name, qname), value_out);
}

struct prop_walk {
    size_t prefix_len;
    store_prop_fn *fn;
    void *ctx;
};

static int store_prop_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct prop_walk *w = ctx;
    return w->fn(w->ctx, str_view_make(key.ptr + w->prefix_len, key.len - w->prefix_len), val);
}

int store_prop_list(struct store_txn *t, uint64_t coll_id, struct str_view name,
        store_prop_fn *fn, void *ctx)
{
    if (name.len > STORE_NAME_MAX) {
        return 0;
    }
    struct str_view prefix = store_prop_key(t, coll_id, name, STR_VIEW_NULL);
    struct prop_walk w = { prefix.len, fn, ctx };
    return store_db_walk(t, DBI_PROPS, prefix, STR_VIEW_NULL, store_prop_walk, &w);
}

static struct str_view store_user_prop_key(struct store_txn *t, struct str_view user,
        struct str_view qname)
{
    uint8_t *k = arena_alloc(t->arena, user.len + 1 + qname.len);
    if (user.len) {
        memcpy(k, user.ptr, user.len);
    }
    k[user.len] = 0;
    if (qname.len) {
        memcpy(k + user.len + 1, qname.ptr, qname.len);
    }
    return str_view_make(k, user.len + 1 + qname.len);
}

int store_user_prop_put(struct store_txn *t, struct str_view user, struct str_view qname,
        struct str_view value)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    if (qname.len == 0 || qname.len > STORE_QNAME_MAX || user.len > STORE_LOGIN_MAX) {
        return store_fail(t, ERR_TOO_LARGE);
    }
    struct store_user u;
    rc = store_user_get(t, user, &u);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    return store_db_put(t, DBI_USER_PROPS, store_user_prop_key(t, user, qname), value);
}

int store_user_prop_delete(struct store_txn *t, struct str_view user, struct str_view qname)
{
    if (qname.len > STORE_QNAME_MAX || user.len > STORE_LOGIN_MAX) {
        return 0;
    }
    return store_db_del(t, DBI_USER_PROPS, store_user_prop_key(t, user, qname));
}

int store_user_prop_list(struct store_txn *t, struct str_view user, store_prop_fn *fn, void *ctx)
{
    if (user.len == 0 || user.len > STORE_LOGIN_MAX) {
        return 0;
    }
    struct str_view prefix = store_user_prop_key(t, user, STR_VIEW_NULL);
    struct prop_walk w = { prefix.len, fn, ctx };
    return store_db_walk(t, DBI_USER_PROPS, prefix, STR_VIEW_NULL, store_prop_walk, &w);
}
