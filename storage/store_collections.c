/*
 * store_collections.c: collections (address books, calendars, file folders, inbox/outbox).
 */
#include "storage/store-internal.h"

#include <ctype.h>
#include <time.h>

enum {
    COLL_KIND = 1,
    COLL_OWNER = 2,
    COLL_SLUG = 3,
    COLL_DISPLAY = 4,
    COLL_DESC = 5,
    COLL_COLOR = 6,
    COLL_COMPONENTS = 7,
    COLL_FLAGS = 8,
    COLL_SYNC_SEQ = 9,
    COLL_MIN_SEQ = 10,
    COLL_CREATED = 11,
    COLL_COUNT = 12,
    COLL_BYTES = 13,
};

void store_collection_encode(struct rec_writer *w, const struct store_collection *c)
{
    rec_put_u64(w, COLL_KIND, c->kind);
    rec_put(w, COLL_OWNER, c->owner);
    rec_put(w, COLL_SLUG, c->slug);
    rec_put(w, COLL_DISPLAY, c->display_name);
    rec_put(w, COLL_DESC, c->description);
    rec_put(w, COLL_COLOR, c->color);
    rec_put_u64(w, COLL_COMPONENTS, c->components);
    rec_put_u64(w, COLL_FLAGS, c->flags);
    rec_put_u64(w, COLL_SYNC_SEQ, c->sync_seq);
    rec_put_u64(w, COLL_MIN_SEQ, c->min_seq);
    rec_put_u64(w, COLL_CREATED, c->created);
    rec_put_u64(w, COLL_COUNT, c->count);
    rec_put_u64(w, COLL_BYTES, c->bytes);
}

#define COLL_FIELD(tag, kind, member) REC_FIELD(tag, kind, struct store_collection, member)
static const struct rec_field store_collection_fields[] = {
    COLL_FIELD(COLL_KIND, REC_INT, kind), COLL_FIELD(COLL_OWNER, REC_VIEW, owner),
    COLL_FIELD(COLL_SLUG, REC_VIEW, slug), COLL_FIELD(COLL_DISPLAY, REC_VIEW, display_name),
    COLL_FIELD(COLL_DESC, REC_VIEW, description), COLL_FIELD(COLL_COLOR, REC_VIEW, color),
    COLL_FIELD(COLL_COMPONENTS, REC_U32, components), COLL_FIELD(COLL_FLAGS, REC_U32, flags),
    COLL_FIELD(COLL_SYNC_SEQ, REC_U64, sync_seq), COLL_FIELD(COLL_MIN_SEQ, REC_U64, min_seq),
    COLL_FIELD(COLL_CREATED, REC_U64, created), COLL_FIELD(COLL_COUNT, REC_U64, count),
    COLL_FIELD(COLL_BYTES, REC_U64, bytes),
};

int store_collection_decode(struct str_view v, struct store_collection *out)
{
    uint64_t id = out->id;
    memset(out, 0, sizeof(*out));
    out->id = id;
    rec_decode(v, store_collection_fields,
            sizeof(store_collection_fields) / sizeof(store_collection_fields[0]), out);
    return out->kind ? 0 : ERR_CORRUPT;
}

int store_collection_save(struct store_txn *t, const struct store_collection *c)
{
    struct rec_writer w;
    rec_writer_init(&w, t->arena);
    store_collection_encode(&w, c);
    return store_db_put(t, DBI_COLLS, store_key_u64(t, c->id), strbuf_view(&w.sb));
}

static bool store_slug_valid(struct str_view slug)
{
    if (slug.len == 0 || slug.len > STORE_SLUG_MAX || slug.ptr[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < slug.len; i++) {
        char c = slug.ptr[i];
        if (!(isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

static struct str_view store_coll_path_key(struct store_txn *t, struct str_view owner,
        enum store_coll_kind kind, struct str_view slug)
{
    uint8_t *k = arena_alloc(t->arena, owner.len + 2 + slug.len);
    if (owner.len) {
        memcpy(k, owner.ptr, owner.len);
    }
    k[owner.len] = 0;
    k[owner.len + 1] = (uint8_t)kind;
    if (slug.len) {
        memcpy(k + owner.len + 2, slug.ptr, slug.len);
    }
    return str_view_make(k, owner.len + 2 + slug.len);
}

int store_collection_create(struct store_txn *t, struct store_collection *c)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    if (!store_slug_valid(c->slug) || c->kind < STORE_COLL_ADDRESSBOOK ||
            c->kind > STORE_COLL_OUTBOX) {
        return store_fail(t, ERR_INVAL);
    }
    struct store_user u;
    rc = store_user_get(t, c->owner, &u);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    struct str_view pkey = store_coll_path_key(t, c->owner, c->kind, c->slug), v;
    if (store_db_get(t, DBI_COLL_PATHS, pkey, &v) == 0) {
        return store_fail(t, ERR_EXISTS);
    }
    rc = store_counter_next(t, "coll_id", &c->id);
    if (rc != 0) {
        return rc;
    }
    c->created = (uint64_t)time(NULL);
    c->sync_seq = 0;
    c->min_seq = 0;
    c->count = 0;
    c->bytes = 0;
    store_collection_save(t, c);
    store_db_put(t, DBI_COLL_PATHS, pkey, store_key_u64(t, c->id));
    return t->err;
}

int store_collection_get_by_id(struct store_txn *t, uint64_t id, struct store_collection *out)
{
    struct str_view v;
    int rc = store_db_get(t, DBI_COLLS, store_key_u64(t, id), &v);
    if (rc != 0) {
        return rc;
    }
    out->id = id;
    return store_collection_decode(v, out);
}

int store_collection_get(struct store_txn *t, enum store_coll_kind kind, struct str_view owner,
        struct str_view slug, struct store_collection *out)
{
    struct str_view v;
    if (slug.len > STORE_SLUG_MAX || owner.len > STORE_LOGIN_MAX) {
        return ERR_NOT_FOUND;
    }
    int rc = store_db_get(t, DBI_COLL_PATHS, store_coll_path_key(t, owner, kind, slug), &v);
    if (rc != 0) {
        return rc;
    }
    if (v.len != 8) {
        return ERR_CORRUPT;
    }
    return store_collection_get_by_id(t, store_be64_get((const uint8_t *)v.ptr), out);
}

int store_collection_update(struct store_txn *t, const struct store_collection *c)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    struct store_collection cur;
    rc = store_collection_get_by_id(t, c->id, &cur);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    cur.display_name = c->display_name;
    cur.description = c->description;
    cur.color = c->color;
    cur.components = c->components;
    cur.flags = c->flags;
    return store_collection_save(t, &cur);
}

int store_collection_delete(struct store_txn *t, uint64_t id)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    struct store_collection c;
    rc = store_collection_get_by_id(t, id, &c);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    /* Entities first (their index entries need the records), then whole key ranges. */
    struct str_view prefix = store_key_u64(t, id);
    for (;;) {
        struct store_resource r;
        MDB_cursor *cur;
        MDB_val k = { 8, (void *)prefix.ptr }, v;
        rc = mdb_cursor_open(t->txn, t->s->dbi[DBI_RES], &cur);
        if (rc != 0) {
            return store_fail(t, store_lmdb_err(rc));
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        bool found = rc == 0 && k.mv_size >= 8 && memcmp(k.mv_data, prefix.ptr, 8) == 0;
        if (found) {
            /* Copy: the removal below rewrites the pages v points into. */
            store_resource_decode(str_view_make(arena_strndup(t->arena, v.mv_data, v.mv_size),
                                          v.mv_size),
                    &r);
            r.coll_id = id;
            r.name = str_view_make(arena_strndup(t->arena, (char *)k.mv_data + 8, k.mv_size - 8),
                    k.mv_size - 8);
        }
        mdb_cursor_close(cur);
        if (!found) {
            break;
        }
        store_resource_remove(t, &c, &r, false);
        if (t->err) {
            return t->err;
        }
    }
    store_db_del_prefix(t, DBI_CHANGES, prefix);
    store_db_del_prefix(t, DBI_TOMBS, prefix);
    store_db_del_prefix(t, DBI_PROPS, prefix);
    store_db_del_prefix(t, DBI_TIMERANGES, prefix);
    store_db_del(t, DBI_COLL_PATHS, store_coll_path_key(t, c.owner, c.kind, c.slug));
    store_db_del(t, DBI_COLLS, prefix);
    return t->err;
}

struct coll_walk {
    struct store_txn *t;
    enum store_coll_kind kind;
    store_collection_fn *fn;
    void *ctx;
};

static int store_coll_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct coll_walk *w = ctx;
    const char *nul = memchr(key.ptr, 0, key.len);
    if (nul == NULL || (size_t)(nul - key.ptr) + 2 > key.len || val.len != 8) {
        return ERR_CORRUPT;
    }
    if (w->kind && (uint8_t)nul[1] != w->kind) {
        return 0;
    }
    struct store_collection c;
    int rc = store_collection_get_by_id(w->t, store_be64_get((const uint8_t *)val.ptr), &c);
    if (rc != 0) {
        return rc;
    }
    return w->fn(w->ctx, &c);
}

int store_collection_list(struct store_txn *t, struct str_view owner, enum store_coll_kind kind,
        store_collection_fn *fn, void *ctx)
{
    struct coll_walk w = { t, kind, fn, ctx };
    struct str_view prefix = STR_VIEW_NULL;
    if (owner.len) {
        uint8_t *k = arena_alloc(t->arena, owner.len + 2);
        memcpy(k, owner.ptr, owner.len);
        k[owner.len + 1] = (uint8_t)kind;
        prefix = str_view_make(k, owner.len + (kind ? 2 : 1));
    }
    return store_db_walk(t, DBI_COLL_PATHS, prefix, STR_VIEW_NULL, store_coll_walk, &w);
}
