/*
 * store_resources.c: resources (exact bytes + metadata), their UID index, and the
 * per-collection change log that sync tokens and ctags read.
 */
#include "storage/store-internal.h"

#include <time.h>
#include <uuid/uuid.h>

enum {
    RES_CTYPE = 1,
    RES_UID = 2,
    RES_REV = 3,
    RES_SEQ = 4,
    RES_CREATED = 5,
    RES_MODIFIED = 6,
    RES_SIZE = 7,
    RES_ENTITY = 8,
};

void store_resource_encode(struct rec_writer *w, const struct store_resource *r)
{
    rec_put(w, RES_CTYPE, r->content_type);
    rec_put(w, RES_UID, r->uid);
    rec_put_u64(w, RES_REV, r->rev);
    rec_put_u64(w, RES_SEQ, r->seq);
    rec_put_u64(w, RES_CREATED, r->created);
    rec_put_u64(w, RES_MODIFIED, r->modified);
    rec_put_u64(w, RES_SIZE, r->size);
    if (!store_id_is_zero(&r->entity_id)) {
        rec_put(w, RES_ENTITY, str_view_make(r->entity_id.b, STORE_ID_LEN));
    }
}

#define RES_FIELD(tag, kind, member) REC_FIELD(tag, kind, struct store_resource, member)
static const struct rec_field store_resource_fields[] = {
    RES_FIELD(RES_CTYPE, REC_VIEW, content_type), RES_FIELD(RES_UID, REC_VIEW, uid),
    RES_FIELD(RES_REV, REC_U64, rev), RES_FIELD(RES_SEQ, REC_U64, seq),
    RES_FIELD(RES_CREATED, REC_U64, created), RES_FIELD(RES_MODIFIED, REC_U64, modified),
    RES_FIELD(RES_SIZE, REC_U64, size), RES_FIELD(RES_ENTITY, REC_ID, entity_id),
};

int store_resource_decode(struct str_view v, struct store_resource *out)
{
    uint64_t coll = out->coll_id;
    struct str_view name = out->name;
    memset(out, 0, sizeof(*out));
    out->coll_id = coll;
    out->name = name;
    rec_decode(v, store_resource_fields,
            sizeof(store_resource_fields) / sizeof(store_resource_fields[0]), out);
    return out->rev ? 0 : ERR_CORRUPT;
}

static bool store_segment_valid(struct str_view seg)
{
    return seg.len > 0 && !str_view_eq(seg, STR_VIEW_LIT(".")) &&
           !str_view_eq(seg, STR_VIEW_LIT(".."));
}

/* Names are one path segment; in file collections (paths=true) a relative path whose
 * segments are valid, folders ending in '/'. */
static bool store_name_check(struct str_view name, bool paths)
{
    if (name.len == 0 || name.len > STORE_NAME_MAX || memchr(name.ptr, '\0', name.len) != NULL) {
        return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= name.len; i++) {
        if (i == name.len || name.ptr[i] == '/') {
            if (i < name.len && !paths) {
                return false;
            }
            bool trailing = i == name.len && start == name.len && start > 0;
            if (!trailing && !store_segment_valid(str_view_make(name.ptr + start, i - start))) {
                return false;
            }
            start = i + 1;
        }
    }
    return true;
}

static bool store_name_valid(struct str_view name)
{
    return store_name_check(name, true);
}

int store_resource_get(struct store_txn *t, uint64_t coll_id, struct str_view name,
        bool with_body, struct store_resource *out)
{
    if (!store_name_valid(name)) {
        return ERR_NOT_FOUND;
    }
    struct str_view key = store_key_coll_name(t, coll_id, name), v;
    int rc = store_db_get(t, DBI_RES, key, &v);
    if (rc != 0) {
        return rc;
    }
    out->coll_id = coll_id;
    out->name = str_view_make(key.ptr + 8, name.len);
    rc = store_resource_decode(v, out);
    if (rc == 0 && with_body) {
        rc = store_db_get(t, DBI_BODIES, key, &out->body);
        if (rc == ERR_NOT_FOUND) {
            rc = ERR_CORRUPT;
        }
    }
    return rc;
}

int store_resource_find_uid(struct store_txn *t, uint64_t coll_id, struct str_view uid,
        struct store_resource *out)
{
    struct str_view name;
    if (uid.len == 0 || uid.len > STORE_UID_MAX) {
        return ERR_NOT_FOUND;
    }
    int rc = store_db_get(t, DBI_RES_UIDS, store_key_coll_name(t, coll_id, uid), &name);
    if (rc != 0) {
        return rc;
    }
    return store_resource_get(t, coll_id, name, false, out);
}

/* The change-log key of (coll, seq). */
static struct str_view store_change_key(struct store_txn *t, uint64_t coll_id, uint64_t seq)
{
    uint8_t *k = arena_alloc(t->arena, 16);
    store_be64_put(k, coll_id);
    store_be64_put(k + 8, seq);
    return str_view_make(k, 16);
}

static void store_change_put(struct store_txn *t, uint64_t coll_id, uint64_t seq,
        struct str_view name, bool deleted)
{
    char *v = arena_alloc(t->arena, name.len + 1);
    v[0] = deleted ? 1 : 0;
    memcpy(v + 1, name.ptr, name.len);
    store_db_put(t, DBI_CHANGES, store_change_key(t, coll_id, seq), str_view_make(v, name.len + 1));
}

/* Drop the tombstone of a name that comes back to life. */
static void store_tomb_clear(struct store_txn *t, uint64_t coll_id, struct str_view key)
{
    struct str_view v;
    if (store_db_get(t, DBI_TOMBS, key, &v) == 0 && v.len == 8) {
        store_db_del(t, DBI_CHANGES,
                store_change_key(t, coll_id, store_be64_get((const uint8_t *)v.ptr)));
        store_db_del(t, DBI_TOMBS, key);
    }
}

/* An entity id for a new card: its UID when that is a UUID not used yet, else random. */
static void store_entity_id_pick(struct store_txn *t, struct str_view uid, struct store_id *out)
{
    char buf[40];
    struct str_view u = uid;
    if (str_view_starts_with_nocase(u, "urn:uuid:")) {
        u.ptr += 9;
        u.len -= 9;
    }
    if (u.len == 36) {
        memcpy(buf, u.ptr, 36);
        buf[36] = '\0';
        struct str_view v;
        if (uuid_parse(buf, out->b) == 0 && !store_id_is_zero(out) &&
                store_db_get(t, DBI_ENTITIES, str_view_make(out->b, STORE_ID_LEN), &v) ==
                        ERR_NOT_FOUND) {
            return;
        }
    }
    uuid_generate_random(out->b);
}

static bool store_put_is_noop(struct store_txn *t, const struct store_resource *old,
        struct str_view key, const struct store_put *put)
{
    struct str_view body, erec;
    if (!str_view_eq(old->content_type, put->content_type) || !str_view_eq(old->uid, put->uid) ||
            old->size != put->body.len) {
        return false;
    }
    if (store_db_get(t, DBI_BODIES, key, &body) != 0 || !str_view_eq(body, put->body)) {
        return false;
    }
    struct str_view tr;
    bool had_tr = store_db_get(t, DBI_TIMERANGES, key, &tr) == 0 && tr.len == 16;
    if (had_tr != put->has_timerange ||
            (had_tr && ((int64_t)store_be64_get((const uint8_t *)tr.ptr) != put->tr_start ||
                               (int64_t)store_be64_get((const uint8_t *)tr.ptr + 8) != put->tr_end))) {
        return false;
    }
    bool had = !store_id_is_zero(&old->entity_id);
    if (!had || put->entity == NULL) {
        return had == (put->entity != NULL);
    }
    if (store_db_get(t, DBI_ENTITIES, str_view_make(old->entity_id.b, STORE_ID_LEN), &erec) != 0) {
        return false;
    }
    struct store_entity e = *put->entity;
    e.id = old->entity_id;
    e.coll_id = old->coll_id;
    e.name = old->name;
    e.created = old->created;
    e.modified = old->modified;
    struct rec_writer w;
    rec_writer_init(&w, t->arena);
    store_entity_encode(&w, &e);
    return str_view_eq(strbuf_view(&w.sb), erec);
}

int store_resource_put(struct store_txn *t, uint64_t coll_id, const struct store_put *put,
        struct store_resource *out, bool *changed_out)
{
    int rc = store_write_check(t);
    if (changed_out) {
        *changed_out = false;
    }
    if (rc != 0) {
        return rc;
    }
    struct store_collection c;
    rc = store_collection_get_by_id(t, coll_id, &c);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    if (!store_name_check(put->name, c.kind == STORE_COLL_FILES) || put->uid.len > STORE_UID_MAX ||
            put->content_type.len > 255) {
        return store_fail(t, put->name.len > STORE_NAME_MAX || put->uid.len > STORE_UID_MAX
                                     ? ERR_TOO_LARGE
                                     : ERR_INVAL);
    }
    struct str_view key = store_key_coll_name(t, coll_id, put->name);
    struct store_resource old;
    rc = store_resource_get(t, coll_id, put->name, false, &old);
    bool exists = rc == 0;
    if (rc != 0 && rc != ERR_NOT_FOUND) {
        return store_fail(t, rc);
    }
    if ((put->if_none_match && exists) || (put->if_match && (!exists || old.rev != put->if_match))) {
        return store_fail(t, ERR_PRECONDITION);
    }
    if (put->uid.len) {
        struct str_view holder;
        if (store_db_get(t, DBI_RES_UIDS, store_key_coll_name(t, coll_id, put->uid), &holder) == 0 &&
                !str_view_eq(holder, put->name)) {
            return store_fail(t, ERR_CONFLICT);
        }
    }
    if (exists && store_put_is_noop(t, &old, key, put)) {
        if (out) {
            *out = old;
        }
        return 0;
    }

    struct store_resource r = { .coll_id = coll_id, .name = str_view_make(key.ptr + 8, put->name.len) };
    rc = store_counter_next(t, "rev", &r.rev);
    if (rc != 0) {
        return rc;
    }
    r.seq = ++c.sync_seq;
    r.content_type = put->content_type;
    r.uid = put->uid;
    r.size = put->body.len;
    r.modified = (uint64_t)time(NULL);
    r.created = exists ? old.created : r.modified;
    if (exists) {
        store_db_del(t, DBI_CHANGES, store_change_key(t, coll_id, old.seq));
        if (old.uid.len && !str_view_eq(old.uid, put->uid)) {
            store_db_del(t, DBI_RES_UIDS, store_key_coll_name(t, coll_id, old.uid));
        }
        if (!store_id_is_zero(&old.entity_id)) {
            store_entity_index_del(t, &old.entity_id);
        }
        c.bytes -= old.size;
    } else {
        store_tomb_clear(t, coll_id, key);
        c.count++;
    }
    c.bytes += r.size;
    if (put->entity != NULL) {
        if (exists && !store_id_is_zero(&old.entity_id)) {
            r.entity_id = old.entity_id;
        } else {
            store_entity_id_pick(t, put->uid, &r.entity_id);
        }
        struct store_entity e = *put->entity;
        e.id = r.entity_id;
        e.coll_id = coll_id;
        e.name = r.name;
        e.created = r.created;
        e.modified = r.modified;
        store_entity_index_put(t, &e);
    }
    struct rec_writer w;
    rec_writer_init(&w, t->arena);
    store_resource_encode(&w, &r);
    store_db_put(t, DBI_RES, key, strbuf_view(&w.sb));
    store_db_put(t, DBI_BODIES, key, put->body);
    if (put->uid.len) {
        store_db_put(t, DBI_RES_UIDS, store_key_coll_name(t, coll_id, put->uid), r.name);
    }
    if (put->has_timerange) {
        uint8_t tr[16];
        store_be64_put(tr, (uint64_t)put->tr_start);
        store_be64_put(tr + 8, (uint64_t)put->tr_end);
        store_db_put(t, DBI_TIMERANGES, key, str_view_make(tr, 16));
    } else if (exists) {
        store_db_del(t, DBI_TIMERANGES, key);
    }
    store_change_put(t, coll_id, r.seq, r.name, false);
    store_collection_save(t, &c);
    if (t->err == 0) {
        if (out) {
            *out = r;
        }
        if (changed_out) {
            *changed_out = true;
        }
    }
    return t->err;
}

int store_resource_remove(struct store_txn *t, struct store_collection *c,
        const struct store_resource *r, bool tombstone)
{
    struct str_view key = store_key_coll_name(t, c->id, r->name);
    store_db_del(t, DBI_RES, key);
    store_db_del(t, DBI_BODIES, key);
    if (r->uid.len) {
        store_db_del(t, DBI_RES_UIDS, store_key_coll_name(t, c->id, r->uid));
    }
    store_db_del(t, DBI_CHANGES, store_change_key(t, c->id, r->seq));
    store_db_del(t, DBI_TIMERANGES, key);
    if (!store_id_is_zero(&r->entity_id)) {
        store_entity_index_del(t, &r->entity_id);
    }
    /* Dead properties of the resource: keys (coll, name, "\0", qname). */
    char *pp = arena_alloc(t->arena, key.len + 1);
    memcpy(pp, key.ptr, key.len);
    store_db_del_prefix(t, DBI_PROPS, str_view_make(pp, key.len + 1));
    c->count--;
    c->bytes -= r->size;
    if (tombstone) {
        uint64_t seq = ++c->sync_seq;
        store_change_put(t, c->id, seq, r->name, true);
        store_db_put(t, DBI_TOMBS, key, store_key_u64(t, seq));
    }
    store_collection_save(t, c);
    return t->err;
}

int store_resource_delete(struct store_txn *t, uint64_t coll_id, struct str_view name,
        uint64_t if_match)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    struct store_collection c;
    rc = store_collection_get_by_id(t, coll_id, &c);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    struct store_resource r;
    rc = store_resource_get(t, coll_id, name, false, &r);
    if (rc != 0) {
        return store_fail(t, rc);
    }
    if (if_match && r.rev != if_match) {
        return store_fail(t, ERR_PRECONDITION);
    }
    /* r's views point into the map, which the deletes below may change: copy them. */
    r.name = str_view_make(arena_strndup(t->arena, r.name.ptr, r.name.len), r.name.len);
    r.uid = str_view_make(arena_strndup(t->arena, r.uid.ptr, r.uid.len), r.uid.len);
    return store_resource_remove(t, &c, &r, true);
}

struct res_walk {
    struct store_txn *t;
    uint64_t coll_id;
    bool with_body;
    store_resource_fn *fn;
    void *ctx;
    size_t limit, n;
};

#define RES_WALK_LIMIT 0x7fff0001 /* internal: the walk reached its limit */

static int store_res_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct res_walk *w = ctx;
    struct store_resource r = { .coll_id = w->coll_id,
        .name = str_view_make(key.ptr + 8, key.len - 8) };
    if (w->limit && w->n++ == w->limit) {
        return RES_WALK_LIMIT;
    }
    int rc = store_resource_decode(val, &r);
    if (rc == 0 && w->with_body) {
        rc = store_db_get(w->t, DBI_BODIES, key, &r.body);
    }
    return rc != 0 ? rc : w->fn(w->ctx, &r);
}

int store_resource_list(struct store_txn *t, uint64_t coll_id, bool with_body,
        store_resource_fn *fn, void *ctx)
{
    return store_resource_list_after(t, coll_id, STR_VIEW_NULL, STR_VIEW_NULL, 0, with_body, fn,
            ctx);
}

int store_resource_list_after(struct store_txn *t, uint64_t coll_id, struct str_view prefix,
        struct str_view after, size_t limit, bool with_body, store_resource_fn *fn, void *ctx)
{
    struct res_walk w = { t, coll_id, with_body, fn, ctx, limit, 0 };
    if (prefix.len > STORE_NAME_MAX || after.len > STORE_NAME_MAX) {
        return 0;
    }
    struct str_view start = STR_VIEW_NULL;
    if (after.len) {
        /* The smallest key after (coll, after) is (coll, after, "\0"). */
        struct str_view k = store_key_coll_name(t, coll_id, after);
        start = str_view_make(k.ptr, k.len + 1);
    }
    int rc = store_db_walk(t, DBI_RES, store_key_coll_name(t, coll_id, prefix), start,
            store_res_walk, &w);
    return rc == RES_WALK_LIMIT ? 0 : rc;
}

struct change_walk {
    uint64_t since;
    size_t limit;
    size_t n;
    uint64_t last;
    bool truncated;
    store_change_fn *fn;
    void *ctx;
};

static int store_change_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct change_walk *w = ctx;
    if (key.len != 16 || val.len < 1) {
        return ERR_CORRUPT;
    }
    struct store_change ch = {
        .name = str_view_make(val.ptr + 1, val.len - 1),
        .seq = store_be64_get((const uint8_t *)key.ptr + 8),
        .deleted = val.ptr[0] != 0,
    };
    /* An initial sync lists members; deletions only matter relative to a token. */
    if (w->since == 0 && ch.deleted) {
        return 0;
    }
    if (w->limit && w->n == w->limit) {
        w->truncated = true;
        return 1;
    }
    w->n++;
    w->last = ch.seq;
    return w->fn(w->ctx, &ch);
}

int store_changes_since(struct store_txn *t, uint64_t coll_id, uint64_t since, size_t limit,
        store_change_fn *fn, void *ctx, uint64_t *last_seq_out, bool *truncated_out)
{
    struct store_collection c;
    int rc = store_collection_get_by_id(t, coll_id, &c);
    if (rc != 0) {
        return rc;
    }
    if (since > c.sync_seq || (since != 0 && since < c.min_seq)) {
        return ERR_PRECONDITION;
    }
    struct change_walk w = { .since = since, .limit = limit, .fn = fn, .ctx = ctx };
    rc = store_db_walk(t, DBI_CHANGES, store_key_u64(t, coll_id),
            store_change_key(t, coll_id, since + 1), store_change_walk, &w);
    if (rc < 0 || (rc > 0 && !w.truncated)) {
        return rc;
    }
    if (last_seq_out) {
        *last_seq_out = w.truncated ? w.last : c.sync_seq;
    }
    if (truncated_out) {
        *truncated_out = w.truncated;
    }
    return 0;
}

struct tr_walk {
    int64_t start, end;
    store_timerange_fn *fn;
    void *ctx;
};

static int store_tr_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct tr_walk *w = ctx;
    if (val.len != 16 || key.len <= 8) {
        return ERR_CORRUPT;
    }
    int64_t s = (int64_t)store_be64_get((const uint8_t *)val.ptr);
    int64_t e = (int64_t)store_be64_get((const uint8_t *)val.ptr + 8);
    if (s < w->end && e > w->start) {
        return w->fn(w->ctx, str_view_make(key.ptr + 8, key.len - 8), s, e);
    }
    return 0;
}

int store_timerange_list(struct store_txn *t, uint64_t coll_id, int64_t start, int64_t end,
        store_timerange_fn *fn, void *ctx)
{
    /* A scan of 24-byte entries of one collection: 20,000 events take well under a
     * millisecond, and it answers open-ended and recurring spans without a second index. */
    struct tr_walk w = { start, end, fn, ctx };
    return store_db_walk(t, DBI_TIMERANGES, store_key_u64(t, coll_id), STR_VIEW_NULL,
            store_tr_walk, &w);
}
