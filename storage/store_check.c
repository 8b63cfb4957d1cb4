/*
 * store_check.c: verify the invariants listed in keys.h (`kith check`). Reads one
 * snapshot; reports each violation through the callback and counts it.
 */
#include "storage/store-internal.h"

#include <stdarg.h>
#include <stdio.h>

struct check {
    struct store_txn *t;
    store_problem_fn *fn;
    void *ctx;
    size_t problems;
    uint64_t max_rev;
    /* per collection being checked */
    struct store_collection coll;
    uint64_t count, bytes;
    struct store_id entity_id; /* the entity whose index keys are being checked */
};

static void check_report(struct check *c, const char *fmt, ...) ATTR_FORMAT(2, 3);

static void check_report(struct check *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->problems++;
    if (c->fn) {
        c->fn(c->ctx, msg);
    }
}

static int check_res(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    struct store_resource r = { .coll_id = c->coll.id,
        .name = str_view_make(key.ptr + 8, key.len - 8) };
    if (store_resource_decode(val, &r) != 0) {
        check_report(c, "collection %llu: resource %.*s has an unreadable record",
                (unsigned long long)c->coll.id, STR_VIEW_FMT(r.name));
        return 0;
    }
    c->count++;
    c->bytes += r.size;
    struct str_view body, v;
    if (store_db_get(c->t, DBI_BODIES, key, &body) != 0 || body.len != r.size) {
        check_report(c, "resource %.*s: body missing or of the wrong size", STR_VIEW_FMT(r.name));
    }
    if (r.uid.len && (store_db_get(c->t, DBI_RES_UIDS,
                              store_key_coll_name(c->t, c->coll.id, r.uid), &v) != 0 ||
                             !str_view_eq(v, r.name))) {
        check_report(c, "resource %.*s: UID index does not point back", STR_VIEW_FMT(r.name));
    }
    uint8_t ck[16];
    store_be64_put(ck, c->coll.id);
    store_be64_put(ck + 8, r.seq);
    if (store_db_get(c->t, DBI_CHANGES, str_view_make(ck, 16), &v) != 0 || v.len < 1 ||
            v.ptr[0] != 0 || !str_view_eq(str_view_make(v.ptr + 1, v.len - 1), r.name)) {
        check_report(c, "resource %.*s: no change-log entry at its seq %llu", STR_VIEW_FMT(r.name),
                (unsigned long long)r.seq);
    }
    if (r.seq > c->coll.sync_seq || r.rev > c->max_rev) {
        check_report(c, "resource %.*s: seq or rev beyond the counters", STR_VIEW_FMT(r.name));
    }
    if (!store_id_is_zero(&r.entity_id)) {
        struct store_entity e = { .id = r.entity_id };
        if (store_db_get(c->t, DBI_ENTITIES, str_view_make(r.entity_id.b, STORE_ID_LEN), &v) != 0 ||
                store_entity_decode(store_txn_arena(c->t), v, &e) != 0 || e.coll_id != c->coll.id ||
                !str_view_eq(e.name, r.name)) {
            check_report(c, "resource %.*s: entity record missing or not pointing back",
                    STR_VIEW_FMT(r.name));
        }
    }
    return 0;
}

static int check_change(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    if (key.len != 16 || val.len < 1) {
        check_report(c, "change log: malformed entry");
        return 0;
    }
    uint64_t seq = store_be64_get((const uint8_t *)key.ptr + 8);
    struct str_view name = str_view_make(val.ptr + 1, val.len - 1), v;
    struct store_resource r;
    bool live = store_resource_get(c->t, c->coll.id, name, false, &r) == 0;
    if (val.ptr[0] == 0 && (!live || r.seq != seq)) {
        check_report(c, "change %llu names %.*s, which is not live at that seq",
                (unsigned long long)seq, STR_VIEW_FMT(name));
    }
    if (val.ptr[0] != 0 &&
            (live || store_db_get(c->t, DBI_TOMBS, store_key_coll_name(c->t, c->coll.id, name), &v) != 0 ||
                    v.len != 8 || store_be64_get((const uint8_t *)v.ptr) != seq)) {
        check_report(c, "tombstone %llu for %.*s is inconsistent", (unsigned long long)seq,
                STR_VIEW_FMT(name));
    }
    if (seq > c->coll.sync_seq) {
        check_report(c, "change %llu is beyond the collection counter", (unsigned long long)seq);
    }
    return 0;
}

static int check_coll(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    memset(&c->coll, 0, sizeof(c->coll));
    c->coll.id = key.len == 8 ? store_be64_get((const uint8_t *)key.ptr) : 0;
    if (store_collection_decode(val, &c->coll) != 0) {
        check_report(c, "collection %llu: unreadable record", (unsigned long long)c->coll.id);
        return 0;
    }
    struct store_user u;
    if (store_user_get(c->t, c->coll.owner, &u) != 0) {
        check_report(c, "collection %llu: owner %.*s does not exist",
                (unsigned long long)c->coll.id, STR_VIEW_FMT(c->coll.owner));
    }
    struct store_collection by_path;
    if (store_collection_get(c->t, c->coll.kind, c->coll.owner, c->coll.slug, &by_path) != 0 ||
            by_path.id != c->coll.id) {
        check_report(c, "collection %llu: path index does not point back",
                (unsigned long long)c->coll.id);
    }
    c->count = c->bytes = 0;
    struct str_view prefix = store_key_u64(c->t, c->coll.id);
    store_db_walk(c->t, DBI_RES, prefix, STR_VIEW_NULL, check_res, c);
    store_db_walk(c->t, DBI_CHANGES, prefix, STR_VIEW_NULL, check_change, c);
    if (c->count != c->coll.count || c->bytes != c->coll.bytes) {
        check_report(c, "collection %llu: counters say %llu resources / %llu bytes, found %llu / %llu",
                (unsigned long long)c->coll.id, (unsigned long long)c->coll.count,
                (unsigned long long)c->coll.bytes, (unsigned long long)c->count,
                (unsigned long long)c->bytes);
    }
    return 0;
}

static int check_ix_exists(void *ctx, struct str_view key)
{
    struct check *c = ctx;
    if (!store_db_has_dup(c->t, DBI_IX, key, str_view_make(c->entity_id.b, STORE_ID_LEN))) {
        check_report(c, "entity index: a key of an entity is missing");
    }
    return 0;
}

static int check_entity(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    struct store_entity e = { 0 };
    if (key.len != STORE_ID_LEN) {
        check_report(c, "entities: malformed key");
        return 0;
    }
    memcpy(e.id.b, key.ptr, STORE_ID_LEN);
    if (store_entity_decode(store_txn_arena(c->t), val, &e) != 0) {
        check_report(c, "entities: unreadable record");
        return 0;
    }
    struct store_resource r;
    if (store_resource_get(c->t, e.coll_id, e.name, false, &r) != 0 ||
            memcmp(r.entity_id.b, e.id.b, STORE_ID_LEN) != 0) {
        check_report(c, "entity of %.*s: its resource is gone or names another entity",
                STR_VIEW_FMT(e.name));
    }
    c->entity_id = e.id;
    store_entity_ix_keys(c->t, &e, check_ix_exists, c);
    return 0;
}

static int check_ix(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    struct str_view v;
    if (key.len < 2 || val.len != STORE_ID_LEN ||
            store_db_get(c->t, DBI_ENTITIES, val, &v) != 0) {
        check_report(c, "entity index: a key names no entity");
    }
    return 0;
}

/* Keys of per-collection tables (changes, tombstones, props, timeranges, bodies) must
 * belong to an existing collection; a deleted collection leaves nothing behind. */
struct check_orphans {
    struct check *c;
    const char *table;
    uint64_t last_ok, last_bad;
};

static int check_orphan(void *ctx, struct str_view key, struct str_view val)
{
    struct check_orphans *o = ctx;
    if (key.len < 8) {
        check_report(o->c, "%s: malformed key", o->table);
        return 0;
    }
    uint64_t id = store_be64_get((const uint8_t *)key.ptr);
    if (id == o->last_ok || id == o->last_bad) {
        return 0;
    }
    struct store_collection coll;
    if (store_collection_get_by_id(o->c->t, id, &coll) == 0) {
        o->last_ok = id;
    } else {
        o->last_bad = id;
        check_report(o->c, "%s: entries of collection %llu, which does not exist", o->table,
                (unsigned long long)id);
    }
    return 0;
}

static int check_orphans(struct check *c)
{
    static const struct {
        enum store_dbi dbi;
        const char *name;
    } tables[] = {
        { DBI_CHANGES, "change log" }, { DBI_TOMBS, "tombstones" }, { DBI_PROPS, "properties" },
        { DBI_TIMERANGES, "time ranges" }, { DBI_BODIES, "bodies" }, { DBI_RES, "resources" },
    };
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        struct check_orphans o = { c, tables[i].name, 0, 0 };
        int rc = store_db_walk(c->t, tables[i].dbi, STR_VIEW_NULL, STR_VIEW_NULL, check_orphan, &o);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int check_uid(void *ctx, struct str_view key, struct str_view val)
{
    struct check *c = ctx;
    struct store_resource r;
    if (key.len < 8 || store_resource_get(c->t, store_be64_get((const uint8_t *)key.ptr), val,
                               false, &r) != 0 ||
            !str_view_eq(r.uid, str_view_make(key.ptr + 8, key.len - 8))) {
        check_report(c, "UID index: %.*s names no resource with that UID", STR_VIEW_FMT(val));
    }
    return 0;
}

int store_check(struct store *s, store_problem_fn *fn, void *ctx, size_t *problems_out)
{
    struct check c = { .fn = fn, .ctx = ctx };
    int rc = store_txn_begin(s, false, &c.t);
    if (rc != 0) {
        return rc;
    }
    struct str_view v;
    if (store_db_get(c.t, DBI_META, STR_VIEW_LIT("rev"), &v) == 0 && v.len == 8) {
        c.max_rev = store_be64_get((const uint8_t *)v.ptr);
    }
    rc = store_db_walk(c.t, DBI_COLLS, STR_VIEW_NULL, STR_VIEW_NULL, check_coll, &c);
    if (rc == 0) {
        rc = store_db_walk(c.t, DBI_ENTITIES, STR_VIEW_NULL, STR_VIEW_NULL, check_entity, &c);
    }
    if (rc == 0) {
        rc = store_db_walk(c.t, DBI_IX, STR_VIEW_NULL, STR_VIEW_NULL, check_ix, &c);
    }
    if (rc == 0) {
        rc = store_db_walk(c.t, DBI_RES_UIDS, STR_VIEW_NULL, STR_VIEW_NULL, check_uid, &c);
    }
    if (rc == 0) {
        rc = check_orphans(&c);
    }
    store_txn_abort(&c.t);
    if (problems_out) {
        *problems_out = c.problems;
    }
    return rc;
}
