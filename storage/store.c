/*
 * store.c: the LMDB environment, transactions and the low-level key helpers every other
 * the storage/ files file uses. The key layout is documented in keys.h.
 */
#include "storage/store-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const store_dbi_names[DBI_COUNT] = {
    [DBI_META] = "meta",
    [DBI_USERS] = "users",
    [DBI_USER_EMAILS] = "user_emails",
    [DBI_COLLS] = "colls",
    [DBI_COLL_PATHS] = "coll_paths",
    [DBI_RES] = "res",
    [DBI_BODIES] = "bodies",
    [DBI_RES_UIDS] = "res_uids",
    [DBI_CHANGES] = "changes",
    [DBI_PROPS] = "props",
    [DBI_ENTITIES] = "entities",
    [DBI_IX] = "ix",
    [DBI_TIMERANGES] = "timeranges",
    [DBI_RELS] = "rels",
    [DBI_ACL] = "acl",
    [DBI_GROUPS] = "groups",
    [DBI_AUDIT] = "audit",
    [DBI_TOMBS] = "tombstones",
    [DBI_USER_PROPS] = "user_props",
};

int store_lmdb_err(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return ERR_OK;
    case MDB_NOTFOUND:
        return ERR_NOT_FOUND;
    case MDB_KEYEXIST:
        return ERR_EXISTS;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
        return ERR_NO_SPACE;
    case MDB_BAD_VALSIZE:
        return ERR_TOO_LARGE;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        return ERR_CORRUPT;
    case ENOMEM:
        return ERR_NOMEM;
    case EACCES:
    case EROFS:
    case ENOENT:
    case ENOTDIR:
    case ENOSPC:
    case EIO:
        return ERR_IO;
    default:
        return rc > 0 ? -rc : ERR_IO;
    }
}

int store_fail(struct store_txn *t, int rc)
{
    if (rc != 0 && t->err == 0) {
        t->err = rc;
    }
    return rc;
}

int store_write_check(struct store_txn *t)
{
    if (!t->write) {
        return ERR_INVAL;
    }
    return t->err;
}

static int store_mkdir_p(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
        return ERR_TOO_LARGE;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0750) != 0 && errno != EEXIST) {
                return -errno; /* "Not a directory", "Permission denied": say why */
            }
            *p = '/';
        }
    }
    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        return -errno;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        return -errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        return -ENOTDIR;
    }
    return 0;
}

static int store_init_meta(struct store *s)
{
    struct store_txn *t;
    int rc = store_txn_begin(s, !s->read_only, &t);
    if (rc != 0) {
        return rc;
    }
    struct str_view v = STR_VIEW_NULL;
    rc = store_db_get(t, DBI_META, STR_VIEW_LIT("version"), &v);
    if (rc == ERR_NOT_FOUND && !s->read_only) {
        uint8_t b[4] = { 0, 0, 0, STORE_FORMAT_VERSION };
        store_db_put(t, DBI_META, STR_VIEW_LIT("version"), str_view_make(b, 4));
        return store_txn_commit(&t);
    }
    if (rc == 0 && (v.len != 4 || memcmp(v.ptr, "\0\0\0", 3) != 0 ||
                           v.ptr[3] != STORE_FORMAT_VERSION)) {
        rc = ERR_CORRUPT;
    }
    store_txn_abort(&t);
    return rc;
}

int store_open(const struct store_options *opts, struct store **store_out)
{
    *store_out = NULL;
    if (!opts->read_only) {
        int rc = store_mkdir_p(opts->dir);
        if (rc != 0) {
            return rc;
        }
    }
    if (access(opts->dir, opts->read_only ? R_OK : (R_OK | W_OK | X_OK)) != 0) {
        return -errno;
    }
    struct store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return ERR_NOMEM;
    }
    s->read_only = opts->read_only;
    int rc = mdb_env_create(&s->env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(s->env, DBI_COUNT + 4);
    }
    if (rc == 0) {
        rc = mdb_env_set_mapsize(s->env, opts->map_size ? opts->map_size : (8ull << 30));
    }
    if (rc == 0) {
        rc = mdb_env_set_maxreaders(s->env, 256);
    }
    /* MDB_NOTLS: read transactions are not tied to a thread (the server is one event loop;
     * tools may use threads). Durability: no MDB_NOSYNC unless asked for by tests. */
    unsigned flags = MDB_NOTLS | (opts->read_only ? MDB_RDONLY : 0) | (opts->no_sync ? MDB_NOSYNC : 0);
    if (rc == 0) {
        rc = mdb_env_open(s->env, opts->dir, flags, 0640);
    }
    if (rc != 0) {
        int err = store_lmdb_err(rc);
        if (s->env) {
            mdb_env_close(s->env);
        }
        free(s);
        return err;
    }
    MDB_txn *txn;
    rc = mdb_txn_begin(s->env, NULL, opts->read_only ? MDB_RDONLY : 0, &txn);
    for (int i = 0; rc == 0 && i < DBI_COUNT; i++) {
        /* The entity index holds many ids per value ("example.com", common name parts):
         * duplicates under one key are stored compactly and insert much faster. */
        unsigned dflags = i == DBI_IX ? MDB_DUPSORT | MDB_DUPFIXED : 0;
        rc = mdb_dbi_open(txn, store_dbi_names[i], (opts->read_only ? 0 : MDB_CREATE) | dflags,
                &s->dbi[i]);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else {
        mdb_txn_abort(txn);
    }
    if (rc == 0) {
        *store_out = s;
        rc = store_init_meta(s);
        if (rc != 0) {
            store_close(store_out);
        }
        return rc;
    }
    mdb_env_close(s->env);
    free(s);
    return rc == MDB_NOTFOUND ? ERR_CORRUPT : store_lmdb_err(rc);
}

void store_close(struct store **sp)
{
    struct store *s = *sp;
    if (s == NULL) {
        return;
    }
    mdb_env_close(s->env);
    free(s);
    *sp = NULL;
}

int store_backup(struct store *s, const char *dir)
{
    int rc = store_mkdir_p(dir);
    if (rc != 0) {
        return rc;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    if (access(path, F_OK) == 0) {
        return ERR_EXISTS;
    }
    /* A compacting copy runs in a read transaction: consistent, and writers go on. */
    return store_lmdb_err(mdb_env_copy2(s->env, dir, MDB_CP_COMPACT));
}

uint64_t store_generation(struct store *s)
{
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) != 0) {
        return 0;
    }
    return (uint64_t)info.me_last_txnid;
}

int store_txn_begin(struct store *s, bool write, struct store_txn **txn_out)
{
    *txn_out = NULL;
    if (write && s->read_only) {
        return ERR_DENIED;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &txn);
    if (rc != 0) {
        return store_lmdb_err(rc);
    }
    struct arena *a = arena_new(4096);
    struct store_txn *t = arena_new_obj(a, struct store_txn);
    t->s = s;
    t->txn = txn;
    t->arena = a;
    t->write = write;
    *txn_out = t;
    return 0;
}

int store_txn_commit(struct store_txn **tp)
{
    struct store_txn *t = *tp;
    int rc = t->err;
    if (rc != 0 || !t->write) {
        mdb_txn_abort(t->txn);
    } else {
        rc = store_lmdb_err(mdb_txn_commit(t->txn));
    }
    struct arena *a = t->arena;
    arena_free(&a);
    *tp = NULL;
    return rc;
}

void store_txn_abort(struct store_txn **tp)
{
    struct store_txn *t = *tp;
    if (t == NULL) {
        return;
    }
    mdb_txn_abort(t->txn);
    struct arena *a = t->arena;
    arena_free(&a);
    *tp = NULL;
}

struct arena *store_txn_arena(struct store_txn *t)
{
    return t->arena;
}

int store_txn_error(const struct store_txn *t)
{
    return t->err;
}

static MDB_val store_val(struct str_view v)
{
    return (MDB_val){ .mv_size = v.len, .mv_data = (void *)v.ptr };
}

int store_db_get(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view *val)
{
    MDB_val k = store_val(key), v;
    int rc = mdb_get(t->txn, t->s->dbi[d], &k, &v);
    if (rc != 0) {
        return store_lmdb_err(rc);
    }
    /* In a write transaction a later put may move the page a value lives on (LMDB: values
     * are valid until the next update), so callers get a copy there; readers get the map. */
    if (t->write) {
        *val = str_view_make(arena_strndup(t->arena, v.mv_data, v.mv_size), v.mv_size);
    } else {
        *val = str_view_make(v.mv_data, v.mv_size);
    }
    return 0;
}

int store_db_put(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view val)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    MDB_val k = store_val(key), v = store_val(val);
    return store_fail(t, store_lmdb_err(mdb_put(t->txn, t->s->dbi[d], &k, &v, 0)));
}

int store_db_del(struct store_txn *t, enum store_dbi d, struct str_view key)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    MDB_val k = store_val(key);
    rc = store_lmdb_err(mdb_del(t->txn, t->s->dbi[d], &k, NULL));
    return rc == ERR_NOT_FOUND ? 0 : store_fail(t, rc);
}

int store_db_del_dup(struct store_txn *t, enum store_dbi d, struct str_view key, struct str_view val)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    MDB_val k = store_val(key), v = store_val(val);
    rc = store_lmdb_err(mdb_del(t->txn, t->s->dbi[d], &k, &v));
    return rc == ERR_NOT_FOUND ? 0 : store_fail(t, rc);
}

bool store_db_has_dup(struct store_txn *t, enum store_dbi d, struct str_view key,
        struct str_view val)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(t->txn, t->s->dbi[d], &cur) != 0) {
        return false;
    }
    MDB_val k = store_val(key), v = store_val(val);
    int rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
    mdb_cursor_close(cur);
    return rc == 0;
}

int store_db_del_prefix(struct store_txn *t, enum store_dbi d, struct str_view prefix)
{
    int rc = store_write_check(t);
    if (rc != 0) {
        return rc;
    }
    MDB_cursor *cur;
    rc = mdb_cursor_open(t->txn, t->s->dbi[d], &cur);
    if (rc != 0) {
        return store_fail(t, store_lmdb_err(rc));
    }
    MDB_val k = store_val(prefix), v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= prefix.len &&
            (prefix.len == 0 || memcmp(k.mv_data, prefix.ptr, prefix.len) == 0)) {
        rc = mdb_cursor_del(cur, 0);
        if (rc == 0) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        }
    }
    mdb_cursor_close(cur);
    rc = store_lmdb_err(rc);
    /* After a delete at the last key GET_CURRENT yields EINVAL or NOTFOUND: both mean done. */
    return (rc == ERR_NOT_FOUND || rc == ERR_INVAL) ? 0 : store_fail(t, rc);
}

int store_db_walk(struct store_txn *t, enum store_dbi d, struct str_view prefix,
        struct str_view start, store_walk_fn *fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->dbi[d], &cur);
    if (rc != 0) {
        return store_lmdb_err(rc);
    }
    MDB_val k = store_val(start.len ? start : prefix), v;
    rc = mdb_cursor_get(cur, &k, &v, k.mv_size ? MDB_SET_RANGE : MDB_FIRST);
    int out = 0;
    while (rc == 0) {
        if (prefix.len && (k.mv_size < prefix.len || memcmp(k.mv_data, prefix.ptr, prefix.len) != 0)) {
            break;
        }
        out = fn(ctx, str_view_make(k.mv_data, k.mv_size), str_view_make(v.mv_data, v.mv_size));
        if (out != 0) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (out != 0) {
        return out;
    }
    return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc);
}

int store_counter_next(struct store_txn *t, const char *name, uint64_t *out)
{
    struct str_view key = str_view_of(name), v = STR_VIEW_NULL;
    uint64_t n = 0;
    int rc = store_db_get(t, DBI_META, key, &v);
    if (rc == 0 && v.len == 8) {
        n = store_be64_get((const uint8_t *)v.ptr);
    } else if (rc != 0 && rc != ERR_NOT_FOUND) {
        return store_fail(t, rc);
    }
    n++;
    uint8_t b[8];
    store_be64_put(b, n);
    rc = store_db_put(t, DBI_META, key, str_view_make(b, 8));
    *out = n;
    return rc;
}

struct str_view store_key_coll_name(struct store_txn *t, uint64_t coll_id, struct str_view name)
{
    uint8_t *k = arena_alloc(t->arena, 8 + name.len + 1);
    store_be64_put(k, coll_id);
    if (name.len) {
        memcpy(k + 8, name.ptr, name.len);
    }
    return str_view_make(k, 8 + name.len);
}

struct str_view store_key_u64(struct store_txn *t, uint64_t v)
{
    uint8_t *k = arena_alloc(t->arena, 8);
    store_be64_put(k, v);
    return str_view_make(k, 8);
}

void store_etag(uint64_t rev, char *buf, size_t size)
{
    /* "\"%llx\"" by hand: one ETag per member of every listing. */
    static const char hex[] = "0123456789abcdef";
    char digits[16];
    size_t n = sizeof(digits);
    do {
        digits[--n] = hex[rev & 15];
        rev >>= 4;
    } while (rev != 0);
    size_t len = sizeof(digits) - n;
    if (size < len + 3) {
        if (size > 0) {
            buf[0] = '\0';
        }
        return;
    }
    buf[0] = '"';
    memcpy(buf + 1, digits + n, len);
    buf[len + 1] = '"';
    buf[len + 2] = '\0';
}
