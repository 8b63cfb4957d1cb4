/*
 * store_entities.c: the entity index. A card's struct store_entity is kept as a record
 * keyed by entity id, and each searchable field becomes an "ix" key (index, value, id) so
 * that lookups by e-mail, phone digits, E.164 prefix, name word, UID, parent organization,
 * relationship target and kind are range scans, never a walk over every card.
 */
#include "storage/store-internal.h"

#include <ctype.h>
#include <stdlib.h>

#include "src/utf8.h"

enum {
    ENT_KIND = 1,
    ENT_COLL = 2,
    ENT_NAME = 3,
    ENT_UID = 4,
    ENT_FN = 5,
    ENT_FAMILY = 6,
    ENT_GIVEN = 7,
    ENT_ORG = 8,
    ENT_DEPT = 9,
    ENT_TITLE = 10,
    ENT_PARENT = 11,
    ENT_BDAY = 12,
    ENT_ANNIV = 13,
    ENT_EMAIL = 14,
    ENT_PHONE = 15,
    ENT_CATEGORY = 16,
    ENT_RELATION = 17,
    ENT_CREATED = 18,
    ENT_MODIFIED = 19,
};

enum { PH_TEXT = 1, PH_DIGITS = 2, PH_E164 = 3, PH_TYPES = 4 };
enum { REL_TYPE = 1, REL_TARGET = 2, REL_TARGET_ID = 3, REL_ROLE = 4, REL_START = 5, REL_END = 6 };

void store_entity_encode(struct rec_writer *w, const struct store_entity *e)
{
    struct arena *a = w->sb.arena;
    rec_put_u64(w, ENT_KIND, e->kind);
    rec_put_u64(w, ENT_COLL, e->coll_id);
    rec_put(w, ENT_NAME, e->name);
    rec_put(w, ENT_UID, e->uid);
    rec_put(w, ENT_FN, e->fn);
    rec_put(w, ENT_FAMILY, e->family);
    rec_put(w, ENT_GIVEN, e->given);
    rec_put(w, ENT_ORG, e->org);
    rec_put(w, ENT_DEPT, e->dept);
    rec_put(w, ENT_TITLE, e->title);
    rec_put(w, ENT_PARENT, e->parent);
    rec_put(w, ENT_BDAY, e->bday);
    rec_put(w, ENT_ANNIV, e->anniversary);
    /* Kept here too (also in the resource record) so the LDAP view's createTimestamp and
     * modifyTimestamp need no second read per entry. */
    rec_put_u64(w, ENT_CREATED, e->created);
    rec_put_u64(w, ENT_MODIFIED, e->modified);
    for (size_t i = 0; i < e->n_emails; i++) {
        rec_put(w, ENT_EMAIL, e->emails[i]);
    }
    for (size_t i = 0; i < e->n_phones; i++) {
        struct rec_writer sub;
        rec_writer_init(&sub, a);
        rec_put(&sub, PH_TEXT, e->phones[i].text);
        rec_put(&sub, PH_DIGITS, e->phones[i].digits);
        rec_put(&sub, PH_E164, e->phones[i].e164);
        rec_put_u64(&sub, PH_TYPES, e->phones[i].types);
        rec_put(w, ENT_PHONE, strbuf_view(&sub.sb));
    }
    for (size_t i = 0; i < e->n_categories; i++) {
        rec_put(w, ENT_CATEGORY, e->categories[i]);
    }
    for (size_t i = 0; i < e->n_relations; i++) {
        const struct store_relation *rel = &e->relations[i];
        struct rec_writer sub;
        rec_writer_init(&sub, a);
        rec_put(&sub, REL_TYPE, rel->type);
        rec_put(&sub, REL_TARGET, rel->target);
        if (!store_id_is_zero(&rel->target_id)) {
            rec_put(&sub, REL_TARGET_ID, str_view_make(rel->target_id.b, STORE_ID_LEN));
        }
        rec_put(&sub, REL_ROLE, rel->role);
        rec_put(&sub, REL_START, rel->start);
        rec_put(&sub, REL_END, rel->end);
        rec_put(w, ENT_RELATION, strbuf_view(&sub.sb));
    }
}

/* How many values of each repeated field the record holds, in one pass (the decode's
 * other pass fills arrays of exactly that size). */
struct ent_counts {
    size_t emails, phones, categories, relations;
};

static struct ent_counts rec_count_repeated(struct str_view v)
{
    struct rec_reader r;
    rec_reader_init(&r, v.ptr, v.len);
    uint8_t tag;
    struct str_view f;
    struct ent_counts n = { 0 };
    while (rec_next(&r, &tag, &f)) {
        n.emails += tag == ENT_EMAIL;
        n.phones += tag == ENT_PHONE;
        n.categories += tag == ENT_CATEGORY;
        n.relations += tag == ENT_RELATION;
    }
    return n;
}

static void store_phone_decode(struct str_view v, struct store_phone *p)
{
    struct rec_reader r;
    rec_reader_init(&r, v.ptr, v.len);
    uint8_t tag;
    struct str_view f;
    while (rec_next(&r, &tag, &f)) {
        if (tag == PH_TEXT) {
            p->text = f;
        } else if (tag == PH_DIGITS) {
            p->digits = f;
        } else if (tag == PH_E164) {
            p->e164 = f;
        } else if (tag == PH_TYPES) {
            p->types = (uint32_t)rec_u64(f);
        }
    }
}

static void store_relation_decode(struct str_view v, struct store_relation *rel)
{
    struct rec_reader r;
    rec_reader_init(&r, v.ptr, v.len);
    uint8_t tag;
    struct str_view f;
    while (rec_next(&r, &tag, &f)) {
        switch (tag) {
        case REL_TYPE:
            rel->type = f;
            break;
        case REL_TARGET:
            rel->target = f;
            break;
        case REL_TARGET_ID:
            if (f.len == STORE_ID_LEN) {
                memcpy(rel->target_id.b, f.ptr, STORE_ID_LEN);
            }
            break;
        case REL_ROLE:
            rel->role = f;
            break;
        case REL_START:
            rel->start = f;
            break;
        case REL_END:
            rel->end = f;
            break;
        default:
            break;
        }
    }
}

static void store_entity_field(struct store_entity *out, uint8_t tag, struct str_view f)
{
    struct str_view *fields[] = {
        [ENT_NAME] = &out->name, [ENT_UID] = &out->uid, [ENT_FN] = &out->fn,
        [ENT_FAMILY] = &out->family, [ENT_GIVEN] = &out->given, [ENT_ORG] = &out->org,
        [ENT_DEPT] = &out->dept, [ENT_TITLE] = &out->title, [ENT_PARENT] = &out->parent,
        [ENT_BDAY] = &out->bday, [ENT_ANNIV] = &out->anniversary,
    };
    if (tag == ENT_KIND) {
        out->kind = (enum store_entity_kind)rec_u64(f);
    } else if (tag == ENT_CREATED) {
        out->created = rec_u64(f);
    } else if (tag == ENT_MODIFIED) {
        out->modified = rec_u64(f);
    } else if (tag == ENT_COLL) {
        out->coll_id = rec_u64(f);
    } else if (tag == ENT_EMAIL) {
        out->emails[out->n_emails++] = f;
    } else if (tag == ENT_PHONE) {
        store_phone_decode(f, &out->phones[out->n_phones++]);
    } else if (tag == ENT_CATEGORY) {
        out->categories[out->n_categories++] = f;
    } else if (tag == ENT_RELATION) {
        store_relation_decode(f, &out->relations[out->n_relations++]);
    } else if (tag < sizeof(fields) / sizeof(fields[0]) && fields[tag] != NULL) {
        *fields[tag] = f;
    }
}

int store_entity_decode(struct arena *a, struct str_view v, struct store_entity *out)
{
    struct store_id id = out->id;
    memset(out, 0, sizeof(*out));
    out->id = id;
    struct ent_counts n = rec_count_repeated(v);
    out->emails = arena_new_array(a, struct str_view, n.emails + 1);
    out->phones = arena_new_array(a, struct store_phone, n.phones + 1);
    out->categories = arena_new_array(a, struct str_view, n.categories + 1);
    out->relations = arena_new_array(a, struct store_relation, n.relations + 1);
    struct rec_reader r;
    rec_reader_init(&r, v.ptr, v.len);
    uint8_t tag;
    struct str_view f;
    while (rec_next(&r, &tag, &f)) {
        store_entity_field(out, tag, f);
    }
    return out->kind ? 0 : ERR_CORRUPT;
}

/* ---------------------------------------------------------------- index keys */

struct ix_emit {
    struct store_txn *t;
    const struct store_id *id;
    store_ix_key_fn *fn;
    void *ctx;
    int rc;
};

static void ix_emit_value(struct ix_emit *x, enum store_index ix, struct str_view value)
{
    if (value.len == 0 || x->rc != 0) {
        return;
    }
    size_t n = utf8_cut(value, STORE_IXVAL_MAX);
    uint8_t *k = arena_alloc(x->t->arena, 1 + n + 1);
    k[0] = (uint8_t)ix;
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        if (value.ptr[i] != '\0') { /* NUL separates value and id */
            k[len++] = (uint8_t)value.ptr[i];
        }
    }
    k[len++] = 0;
    x->rc = x->fn(x->ctx, str_view_make(k, len));
}

#define IX_SUBSTR_MAX 64 /* longer words and addresses are indexed on their first 64 bytes */

/* Every suffix of folded (starting on a UTF-8 boundary) into the substring index. */
static void ix_emit_suffixes(struct ix_emit *x, struct str_view folded)
{
    size_t n = utf8_cut(folded, IX_SUBSTR_MAX);
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)folded.ptr[i] & 0xc0) != 0x80) {
            ix_emit_value(x, STORE_IX_SUBSTR, str_view_make(folded.ptr + i, n - i));
        }
    }
}

static void ix_emit_folded(struct ix_emit *x, enum store_index ix, struct str_view value)
{
    if (value.len) {
        struct str_view folded = utf8_casefold(x->t->arena, value);
        ix_emit_value(x, ix, folded);
        if (ix == STORE_IX_EMAIL) {
            ix_emit_suffixes(x, folded);
        }
    }
}

/* Each word of text: runs of letters and digits (any byte >= 0x80 counts as a letter);
 * with suffixes, every suffix of each word goes into the substring index too. */
static void ix_emit_words(struct ix_emit *x, struct str_view text, bool suffixes)
{
    size_t i = 0;
    while (i < text.len) {
        while (i < text.len && !((unsigned char)text.ptr[i] >= 0x80 ||
                                       isalnum((unsigned char)text.ptr[i]))) {
            i++;
        }
        size_t start = i;
        while (i < text.len && ((unsigned char)text.ptr[i] >= 0x80 ||
                                       isalnum((unsigned char)text.ptr[i]))) {
            i++;
        }
        if (i > start) {
            struct str_view folded =
                    utf8_casefold(x->t->arena, str_view_make(text.ptr + start, i - start));
            ix_emit_value(x, STORE_IX_NAME, folded);
            if (suffixes) {
                ix_emit_suffixes(x, folded);
            }
        }
    }
}

int store_entity_ix_keys(struct store_txn *t, const struct store_entity *e, store_ix_key_fn *fn,
        void *ctx)
{
    struct ix_emit x = { t, &e->id, fn, ctx, 0 };
    for (size_t i = 0; i < e->n_emails; i++) {
        ix_emit_folded(&x, STORE_IX_EMAIL, e->emails[i]);
    }
    for (size_t i = 0; i < e->n_phones; i++) {
        ix_emit_value(&x, STORE_IX_PHONE_DIGITS, e->phones[i].digits);
        ix_emit_value(&x, STORE_IX_PHONE_E164, e->phones[i].e164);
    }
    ix_emit_words(&x, e->fn, true);
    ix_emit_words(&x, e->family, true);
    ix_emit_words(&x, e->given, true);
    ix_emit_words(&x, e->org, true);
    ix_emit_words(&x, e->dept, true);
    ix_emit_value(&x, STORE_IX_UID, e->uid);
    ix_emit_value(&x, STORE_IX_PARENT, e->parent);
    for (size_t i = 0; i < e->n_relations; i++) {
        if (memchr(e->relations[i].target.ptr, ':', e->relations[i].target.len) != NULL) {
            ix_emit_value(&x, STORE_IX_REL_TARGET, e->relations[i].target);
        }
    }
    char kind = (char)('0' + e->kind);
    ix_emit_value(&x, STORE_IX_KIND, str_view_make(&kind, 1));
    return x.rc;
}

/* The keys of one entity, gathered so duplicates (FN words are also N words) are written
 * once, and in key order, which LMDB inserts with fewer page visits. */
struct ix_keys {
    struct arena *a;
    struct str_view *keys;
    size_t n, cap;
};

static int ix_collect(void *ctx, struct str_view key)
{
    struct ix_keys *k = ctx;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        struct str_view *grown = arena_new_array(k->a, struct str_view, cap);
        if (k->n) {
            memcpy(grown, k->keys, k->n * sizeof(*grown));
        }
        k->keys = grown;
        k->cap = cap;
    }
    k->keys[k->n++] = key;
    return 0;
}

static int ix_key_cmp(const void *a, const void *b)
{
    const struct str_view *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

struct ix_del_ctx {
    struct store_txn *t;
    struct str_view id;
};

static int ix_del(void *ctx, struct str_view key)
{
    struct ix_del_ctx *d = ctx;
    return store_db_del_dup(d->t, DBI_IX, key, d->id);
}

int store_entity_index_put(struct store_txn *t, const struct store_entity *e)
{
    struct rec_writer w;
    rec_writer_init(&w, t->arena);
    store_entity_encode(&w, e);
    store_db_put(t, DBI_ENTITIES, str_view_make(e->id.b, STORE_ID_LEN), strbuf_view(&w.sb));
    struct ix_keys k = { .a = t->arena };
    store_entity_ix_keys(t, e, ix_collect, &k);
    if (k.n) {
        qsort(k.keys, k.n, sizeof(*k.keys), ix_key_cmp);
    }
    for (size_t i = 0; i < k.n && t->err == 0; i++) {
        if (i == 0 || ix_key_cmp(&k.keys[i - 1], &k.keys[i]) != 0) {
            store_db_put(t, DBI_IX, k.keys[i], str_view_make(e->id.b, STORE_ID_LEN));
        }
    }
    return t->err;
}

int store_entity_index_del(struct store_txn *t, const struct store_id *id)
{
    struct str_view v, key = str_view_make(id->b, STORE_ID_LEN);
    int rc = store_db_get(t, DBI_ENTITIES, key, &v);
    if (rc == ERR_NOT_FOUND) {
        return 0;
    }
    if (rc != 0) {
        return store_fail(t, rc);
    }
    struct store_entity e = { .id = *id };
    store_entity_decode(t->arena, v, &e);
    struct ix_del_ctx d = { t, str_view_make(id->b, STORE_ID_LEN) };
    store_entity_ix_keys(t, &e, ix_del, &d);
    store_db_del(t, DBI_ENTITIES, key);
    return t->err;
}

/* ---------------------------------------------------------------- queries */

int store_entity_get(struct store_txn *t, const struct store_id *id, struct store_entity *out)
{
    struct str_view v;
    int rc = store_db_get(t, DBI_ENTITIES, str_view_make(id->b, STORE_ID_LEN), &v);
    if (rc != 0) {
        return rc;
    }
    out->id = *id;
    return store_entity_decode(t->arena, v, out);
}

/* Ids already handed out by a prefix lookup: one value may match several keys of the same
 * entity ("ller" is in "müller" and in "mueller@..."), and callers want each id once. An
 * open-addressing set in the transaction arena, doubled at half load. */
struct id_set {
    struct arena *a;
    struct store_id *slots;
    size_t cap, n;
};

static uint64_t id_hash(const struct store_id *id)
{
    uint64_t h;
    memcpy(&h, id->b, sizeof(h)); /* UUIDs are random enough in their first bytes */
    return h ^ (h >> 29);
}

static bool id_set_add(struct id_set *set, const struct store_id *id);

static void id_set_grow(struct id_set *set)
{
    struct store_id *old = set->slots;
    size_t old_cap = set->cap;
    set->cap = old_cap ? old_cap * 2 : 256;
    set->slots = arena_new_array(set->a, struct store_id, set->cap);
    set->n = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (!store_id_is_zero(&old[i])) {
            id_set_add(set, &old[i]);
        }
    }
}

/* True when id was not in the set yet. */
static bool id_set_add(struct id_set *set, const struct store_id *id)
{
    if ((set->n + 1) * 2 > set->cap) {
        id_set_grow(set);
    }
    for (size_t i = id_hash(id) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (store_id_is_zero(&set->slots[i])) {
            set->slots[i] = *id;
            set->n++;
            return true;
        }
        if (memcmp(set->slots[i].b, id->b, STORE_ID_LEN) == 0) {
            return false;
        }
    }
}

struct lookup_walk {
    store_entity_id_fn *fn;
    void *ctx;
    struct id_set *seen; /* prefix lookups only */
};

static int store_lookup_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct lookup_walk *w = ctx;
    if (val.len != STORE_ID_LEN) {
        return ERR_CORRUPT;
    }
    struct store_id id;
    memcpy(id.b, val.ptr, STORE_ID_LEN);
    if (w->seen != NULL && !id_set_add(w->seen, &id)) {
        return 0;
    }
    return w->fn(w->ctx, &id);
}

int store_entity_lookup(struct store_txn *t, enum store_index ix, struct str_view value,
        bool prefix, store_entity_id_fn *fn, void *ctx)
{
    struct str_view norm = value;
    if (ix == STORE_IX_EMAIL || ix == STORE_IX_NAME || ix == STORE_IX_SUBSTR) {
        norm = utf8_casefold(t->arena, value);
    }
    size_t n = utf8_cut(norm, STORE_IXVAL_MAX);
    uint8_t *k = arena_alloc(t->arena, n + 2);
    k[0] = (uint8_t)ix;
    if (n) {
        memcpy(k + 1, norm.ptr, n);
    }
    k[n + 1] = 0;
    struct id_set seen = { .a = t->arena };
    struct lookup_walk w = { fn, ctx, prefix ? &seen : NULL };
    return store_db_walk(t, DBI_IX, str_view_make(k, n + (prefix ? 1 : 2)), STR_VIEW_NULL,
            store_lookup_walk, &w);
}

struct entity_walk {
    struct store_txn *t;
    uint64_t coll_id;
    store_entity_fn *fn;
    void *ctx;
};

static int store_entity_walk(void *ctx, struct str_view key, struct str_view val)
{
    struct entity_walk *w = ctx;
    struct store_entity e = { 0 };
    if (key.len != STORE_ID_LEN) {
        return ERR_CORRUPT;
    }
    memcpy(e.id.b, key.ptr, STORE_ID_LEN);
    /* One scratch arena per entity: a walk over 50,000 entities must not grow the
     * transaction's arena; the lists are valid during the callback only. */
    struct arena *a = arena_new(1024);
    int rc = store_entity_decode(a, val, &e);
    if (rc == 0 && (w->coll_id == 0 || e.coll_id == w->coll_id)) {
        rc = w->fn(w->ctx, &e);
    }
    arena_free(&a);
    return rc;
}

int store_entity_list(struct store_txn *t, uint64_t coll_id, store_entity_fn *fn, void *ctx)
{
    struct entity_walk w = { t, coll_id, fn, ctx };
    return store_db_walk(t, DBI_ENTITIES, STR_VIEW_NULL, STR_VIEW_NULL, store_entity_walk, &w);
}
