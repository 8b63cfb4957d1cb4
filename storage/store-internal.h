/*
 * store-internal.h: what the the storage/ files files share. Never included outside storage/.
 */
#ifndef KITH_STORE_INTERNAL_H
#define KITH_STORE_INTERNAL_H

#include <lmdb.h>

#include "src/arena.h"
#include "src/err.h"
#include "storage/keys.h"
#include "storage/record.h"
#include "storage/store.h"

enum store_dbi {
    DBI_META,
    DBI_USERS,
    DBI_USER_EMAILS,
    DBI_COLLS,
    DBI_COLL_PATHS,
    DBI_RES,
    DBI_BODIES,
    DBI_RES_UIDS,
    DBI_CHANGES,
    DBI_PROPS,
    DBI_ENTITIES,
    DBI_IX,
    DBI_TIMERANGES,
    DBI_RELS,
    DBI_ACL,
    DBI_GROUPS,
    DBI_AUDIT,
    DBI_TOMBS,
    DBI_USER_PROPS,
    DBI_COUNT
};

struct store {
    MDB_env *env;
    MDB_dbi dbi[DBI_COUNT];
    bool read_only;
};

struct store_txn {
    struct store *s;
    MDB_txn *txn;
    struct arena *arena;
    bool write;
    int err; /* sticky: the first failure of a write step */
};

/* Map an LMDB return code to ERR_*. */
int store_lmdb_err(int rc);
/* Record rc as the transaction's sticky error (first one wins) and return it. */
int store_fail(struct store_txn *t, int rc);
/* Refuse a write step on a read transaction or after a failed step. */
int store_write_check(struct store_txn *t);

/* Thin wrappers that map errors; views point into the map. */
int store_db_get(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view *val);
int store_db_put(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view val);
/* ERR_NOT_FOUND is not a failure for del. */
int store_db_del(struct store_txn *t, enum store_dbi d, struct str_view key);
/* DUPSORT tables (ix): delete / test one (key, value) pair. */
int store_db_del_dup(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view val);
bool store_db_has_dup(struct store_txn *t, enum store_dbi d, struct str_view key,
        struct str_view val);
/* Delete every key starting with prefix. */
int store_db_del_prefix(struct store_txn *t, enum store_dbi d, struct str_view prefix);

/* Walk keys starting with prefix in order; fn returns non-zero to stop (returned). */
typedef int store_walk_fn(void *ctx, struct str_view key, struct str_view val);
int store_db_walk(struct store_txn *t, enum store_dbi d, struct str_view prefix,
        struct str_view start, store_walk_fn *fn, void *ctx);

/* Next value of a meta counter ("rev", "coll_id"). */
int store_counter_next(struct store_txn *t, const char *name, uint64_t *out);

/* Key builders (arena-allocated). */
struct str_view store_key_coll_name(struct store_txn *t, uint64_t coll_id, struct str_view name);
struct str_view store_key_u64(struct store_txn *t, uint64_t v);

/* Records. */
void store_collection_encode(struct rec_writer *w, const struct store_collection *c);
int store_collection_decode(struct str_view v, struct store_collection *out);
int store_collection_save(struct store_txn *t, const struct store_collection *c);
void store_resource_encode(struct rec_writer *w, const struct store_resource *r);
int store_resource_decode(struct str_view v, struct store_resource *out);
void store_entity_encode(struct rec_writer *w, const struct store_entity *e);
/* Lists (e-mails, phones, ...) are allocated in a; strings point into v. */
int store_entity_decode(struct arena *a, struct str_view v, struct store_entity *out);

/* Entity index maintenance (store_entities.c). */
int store_entity_index_put(struct store_txn *t, const struct store_entity *e);
int store_entity_index_del(struct store_txn *t, const struct store_id *id);
/* Every ix entry of e (key = index byte, value, "\0"; the data is e's id), for store_check. */
typedef int store_ix_key_fn(void *ctx, struct str_view key);
int store_entity_ix_keys(struct store_txn *t, const struct store_entity *e, store_ix_key_fn *fn,
        void *ctx);

/* Remove a resource and everything hanging off it (body, uid, entity, props, change
 * entry), recording a tombstone unless the whole collection goes. */
int store_resource_remove(struct store_txn *t, struct store_collection *c,
        const struct store_resource *r, bool tombstone);

static inline bool store_id_is_zero(const struct store_id *id)
{
    for (int i = 0; i < STORE_ID_LEN; i++) {
        if (id->b[i]) {
            return false;
        }
    }
    return true;
}

#endif
