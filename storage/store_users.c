/*
 * store_users.c: user accounts. Users own collections; deleting a user deletes them.
 */
#include "storage/store-internal.h"

#include <ctype.h>
#include <time.h>

#include "src/utf8.h"

enum { USER_EMAIL = 1, USER_DISPLAY = 2, USER_HASH = 3, USER_CREATED = 4 };

static bool store_login_valid(struct str_view name)
{
    if (name.len == 0 || name.len > STORE_LOGIN_MAX) {
        return false;
    }
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '_' ||
                    c == '-')) {
            return false;
        }
    }
    return name.ptr[0] != '.';
}

/* Case-folded beyond ASCII too: RFC 6531 allows UTF-8 local parts. */
static struct str_view store_email_key(struct store_txn *t, struct str_view email)
{
    return utf8_casefold(t->arena, email);
}

static const struct rec_field store_user_fields[] = {
    REC_FIELD(USER_EMAIL, REC_VIEW, struct store_user, email),
    REC_FIELD(USER_DISPLAY, REC_VIEW, struct store_user, display_name),
    REC_FIELD(USER_HASH, REC_VIEW, struct store_user, password_hash),
    REC_FIELD(USER_CREATED, REC_U64, struct store_user, created),
};

static int store_user_decode(struct str_view name, struct str_view v, struct store_user *out)
{
    memset(out, 0, sizeof(*out));
    out->name = name;
    rec_decode(v, store_user_fields, sizeof(store_user_fields) / sizeof(store_user_fields[0]),
            out);
    return 0;
}

int store_user_get(struct store_txn *t, struct str_view name, struct store_user *out)
{
    struct str_view v;
    int rc = store_db_get(t, DBI_USERS, name, &v);
    if (rc != 0) {
        return rc;
    }
    /* The key view from the caller may not outlive the call: copy the name. */
    return store_user_decode(str_view_make(arena_strndup(t->arena, name.ptr, name.len), name.len),
            v, out);
}

int store_user_find_by_email(struct store_txn *t, struct str_view email, struct store_user *out)
{
    struct str_view name;
    if (email.len == 0) {
        return ERR_NOT_FOUND;
    }
    int rc = store_db_get(t, DBI_USER_EMAILS, store_email_key(t, email), &name);
    if (rc != 0) {
        return rc;
    }
    return store_user_get(t, name, out);
}

int store_user_put(struct store_txn *t, const struct store_user *u, bool create)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    if (!store_login_valid(u->name) || u->email.len > 254 ||
            memchr(u->email.ptr ? u->email.ptr : "", '\0', u->email.len) != NULL) {
        return store_fail(t, ERR_INVAL);
    }
    struct store_user old;
    rc = store_user_get(t, u->name, &old);
    if (rc == 0 && create) {
        return store_fail(t, ERR_EXISTS);
    }
    if (rc == ERR_NOT_FOUND && !create) {
        return store_fail(t, ERR_NOT_FOUND);
    }
    if (rc != 0 && rc != ERR_NOT_FOUND) {
        return store_fail(t, rc);
    }
    if (u->email.len) {
        struct str_view owner;
        int erc = store_db_get(t, DBI_USER_EMAILS, store_email_key(t, u->email), &owner);
        if (erc == 0 && !str_view_eq(owner, u->name)) {
            return store_fail(t, ERR_EXISTS);
        }
    }
    if (rc == 0 && old.email.len) {
        store_db_del(t, DBI_USER_EMAILS, store_email_key(t, old.email));
    }
    struct rec_writer w;
    rec_writer_init(&w, t->arena);
    rec_put(&w, USER_EMAIL, u->email);
    rec_put(&w, USER_DISPLAY, u->display_name);
    rec_put(&w, USER_HASH, u->password_hash);
    rec_put_u64(&w, USER_CREATED, rc == 0 ? old.created : (uint64_t)time(NULL));
    store_db_put(t, DBI_USERS, u->name, strbuf_view(&w.sb));
    if (u->email.len) {
        store_db_put(t, DBI_USER_EMAILS, store_email_key(t, u->email), u->name);
    }
    return t->err;
}

struct user_coll_ids {
    uint64_t ids[64];
    size_t n;
    bool more;
};

static int store_user_coll_collect(void *ctx, const struct store_collection *c)
{
    struct user_coll_ids *ids = ctx;
    if (ids->n == sizeof(ids->ids) / sizeof(ids->ids[0])) {
        ids->more = true;
        return 1;
    }
    ids->ids[ids->n++] = c->id;
    return 0;
}

int store_user_delete(struct store_txn *t, struct str_view name)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    struct store_user u;
    rc = store_user_get(t, name, &u);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    /* Collect then delete: deleting while a cursor walks the same table is not safe. */
    struct user_coll_ids ids;
    do {
        ids.n = 0;
        ids.more = false;
        rc = store_collection_list(t, u.name, 0, store_user_coll_collect, &ids);
        if (rc < 0) {
            return store_fail(t, rc);
        }
        for (size_t i = 0; i < ids.n; i++) {
            store_collection_delete(t, ids.ids[i]);
        }
    } while (ids.more && t->err == 0);
    if (u.email.len) {
        store_db_del(t, DBI_USER_EMAILS, store_email_key(t, u.email));
    }
    uint8_t *pp = arena_alloc(t->arena, u.name.len + 1);
    memcpy(pp, u.name.ptr, u.name.len);
    store_db_del_prefix(t, DBI_USER_PROPS, str_view_make(pp, u.name.len + 1));
    store_db_del(t, DBI_USERS, u.name);
    return t->err;
}

struct user_walk {
    store_user_fn *fn;
    void *ctx;
};

static int store_user_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct user_walk *w = ctx;
    struct store_user u;
    store_user_decode(key, val, &u);
    return w->fn(w->ctx, &u);
}

int store_user_list(struct store_txn *t, store_user_fn *fn, void *ctx)
{
    struct user_walk w = { fn, ctx };
    return store_db_walk(t, DBI_USERS, STR_VIEW_NULL, STR_VIEW_NULL, store_user_walk, &w);
}
