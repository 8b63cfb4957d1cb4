/*
 * ldapd_index_plan.c: turn a search filter into candidate entity ids from the store's
 * secondary indexes, so that indexable searches never walk the store (issue 4 item 5).
 *
 *   cn, displayName, sn, givenName  equality: NAME (first word); substrings: SUBSTR prefix
 *                                   lookup of the longest word of any component (the
 *                                   index holds every suffix of every name word)
 *   o, ou (company, department)     equality / initial: NAME (first word, prefix)
 *   mail                            equality: EMAIL; initial: EMAIL prefix; any/final:
 *                                   SUBSTR prefix of the longest piece (the index holds
 *                                   every suffix of every whole address)
 *   phone attributes (and ipPhone)  equality: PHONE_DIGITS and PHONE_E164 of the digits and
 *                                   the E.164 form; initial: the same as prefix lookups;
 *                                   no digit at all: no candidate
 *   uid, crmId, entryUUID           the entity id itself
 *   objectClass=<class>             KIND
 *   and                             the smallest child's set; or: the union (any child
 *                                   without an index makes the whole or a walk)
 * Everything else (presence, not, >=, <=, unindexed attributes) returns "no index" and the
 * caller walks the visible entities. Candidates are always checked with the real matcher.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"
#include "src/phone.h"

static bool ldapd_word_byte(unsigned char c)
{
    return c >= 0x80 || isalnum(c);
}

bool ldapd_word(struct str_view s, size_t *pos, struct str_view *word_out)
{
    size_t i = *pos;
    while (i < s.len && !ldapd_word_byte((unsigned char)s.ptr[i])) {
        i++;
    }
    size_t start = i;
    while (i < s.len && ldapd_word_byte((unsigned char)s.ptr[i])) {
        i++;
    }
    *pos = i;
    *word_out = str_view_make(s.ptr + start, i - start);
    return i > start;
}

static void ldapd_set_release(void *p)
{
    struct ldapd_idset *s = p;
    free(s->ids);
    s->ids = NULL;
}

/* Id arrays grow with realloc, not in the arena: a prefix lookup may collect tens of
 * thousands of ids, and arena growth would copy and zero-fill every doubling. */
static struct ldapd_idset *ldapd_set_new(struct arena *a)
{
    struct ldapd_idset *s = arena_new_obj(a, struct ldapd_idset);
    arena_on_free(a, ldapd_set_release, s);
    return s;
}

static void ldapd_set_add(struct ldapd_idset *s, const struct store_id *id)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct store_id *grown = realloc(s->ids, cap * sizeof(*grown));
        if (grown == NULL) {
            abort(); /* out of memory aborts, as the arena does */
        }
        s->ids = grown;
        s->cap = cap;
    }
    s->ids[s->n++] = *id;
}

static int ldapd_collect_id(void *ctx, const struct store_id *id)
{
    ldapd_set_add(ctx, id);
    return 0;
}

/* A plan node: "no index" (all), or lookups not yet run plus explicit ids, or a set. */
struct ldapd_lk {
    enum store_index ix;
    struct str_view value;
    bool prefix;
};

struct ldapd_pnode {
    bool all;
    struct ldapd_lk *lks;
    size_t n_lks, cap_lks;
    struct ldapd_idset *set; /* explicit ids (uid=<uuid>) or a materialised AND */
};

static struct ldapd_pnode *ldapd_pnode_new(struct arena *a)
{
    struct ldapd_pnode *p = arena_new_obj(a, struct ldapd_pnode);
    p->set = ldapd_set_new(a);
    return p;
}

/* The substring index keeps the first 64 bytes of each suffix (store.h): a longer piece is
 * looked up by its first 64 bytes, cut on a UTF-8 boundary (the matcher checks the rest). */
#define LDAPD_SUBSTR_KEY_MAX 64

static struct str_view ldapd_substr_key(struct str_view v)
{
    if (v.len <= LDAPD_SUBSTR_KEY_MAX) {
        return v;
    }
    size_t n = LDAPD_SUBSTR_KEY_MAX;
    while (n > 0 && ((unsigned char)v.ptr[n] & 0xc0) == 0x80) {
        n--;
    }
    return str_view_make(v.ptr, n);
}

static void ldapd_lookup(struct ldapd_req *op, struct ldapd_pnode *p, enum store_index ix,
        struct str_view value, bool prefix)
{
    if (ix == STORE_IX_SUBSTR) {
        value = ldapd_substr_key(value);
    }
    if (value.len == 0) {
        return;
    }
    for (size_t i = 0; i < p->n_lks; i++) {
        if (p->lks[i].ix == ix && p->lks[i].prefix == prefix && str_view_eq(p->lks[i].value, value)) {
            return; /* cn, sn and mail ask the same "*x*" of SUBSTR: walk it once */
        }
    }
    if (p->n_lks == p->cap_lks) {
        size_t cap = p->cap_lks ? p->cap_lks * 2 : 4;
        struct ldapd_lk *grown = arena_new_array(op->a, struct ldapd_lk, cap);
        if (p->n_lks) {
            memcpy(grown, p->lks, p->n_lks * sizeof(*grown));
        }
        p->lks = grown;
        p->cap_lks = cap;
    }
    p->lks[p->n_lks++] = (struct ldapd_lk){ ix, str_view_make(str_view_dup(op->a, value),
                                                        value.len), prefix };
}

static int ldapd_id_cmp(const void *x, const void *y)
{
    uint64_t a[2], b[2];
    memcpy(a, x, 16);
    memcpy(b, y, 16);
    if (a[0] != b[0]) {
        return a[0] < b[0] ? -1 : 1;
    }
    return (a[1] > b[1]) - (a[1] < b[1]);
}

static void ldapd_set_finish(struct ldapd_idset *s)
{
    if (s->n < 2) {
        return;
    }
    qsort(s->ids, s->n, sizeof(*s->ids), ldapd_id_cmp);
    size_t w = 1;
    for (size_t r = 1; r < s->n; r++) {
        if (memcmp(&s->ids[r], &s->ids[w - 1], STORE_ID_LEN) != 0) {
            s->ids[w++] = s->ids[r];
        }
    }
    s->n = w;
}

/* ------------------------------------------------------------------ per attribute */

static struct str_view ldapd_longest_word(struct str_view v, struct str_view best)
{
    size_t pos = 0;
    struct str_view w;
    while (ldapd_word(v, &pos, &w)) {
        if (w.len > best.len) {
            best = w;
        }
    }
    return best;
}

/* cn, sn, givenName, displayName: the names whose words' suffixes are in SUBSTR. */
static struct ldapd_pnode *ldapd_plan_name(struct ldapd_req *op, const struct ldapd_filter *f,
        bool substr_index)
{
    struct ldapd_pnode *s = ldapd_pnode_new(op->a);
    struct str_view w = STR_VIEW_NULL;
    size_t pos = 0;
    if (f->kind == LDAPD_FILTER_EQUALITY || f->kind == LDAPD_FILTER_APPROX) {
        if (!ldapd_word(ldapd_fold(op->a, f->value, true), &pos, &w)) {
            return NULL;
        }
        ldapd_lookup(op, s, STORE_IX_NAME, w, false);
        return s;
    }
    if (f->kind != LDAPD_FILTER_SUBSTRINGS) {
        return NULL;
    }
    if (!substr_index) {
        /* o, ou: words are indexed whole; the initial's first word starts a value word. */
        if (f->initial.ptr == NULL ||
                !ldapd_word(ldapd_fold(op->a, f->initial, false), &pos, &w)) {
            return NULL;
        }
        ldapd_lookup(op, s, STORE_IX_NAME, w, true);
        return s;
    }
    /* Any piece of a word is a prefix of one of its suffixes. */
    if (f->initial.ptr) {
        w = ldapd_longest_word(ldapd_fold(op->a, f->initial, false), w);
    }
    for (size_t i = 0; i < f->n_any; i++) {
        w = ldapd_longest_word(ldapd_fold(op->a, f->any[i], false), w);
    }
    if (f->final.ptr) {
        w = ldapd_longest_word(ldapd_fold(op->a, f->final, false), w);
    }
    if (w.len == 0) {
        return NULL;
    }
    ldapd_lookup(op, s, STORE_IX_SUBSTR, w, true);
    return s;
}


static struct ldapd_pnode *ldapd_plan_mail(struct ldapd_req *op, const struct ldapd_filter *f)
{
    struct ldapd_pnode *s = ldapd_pnode_new(op->a);
    if (f->kind == LDAPD_FILTER_EQUALITY || f->kind == LDAPD_FILTER_APPROX) {
        ldapd_lookup(op, s, STORE_IX_EMAIL, ldapd_fold(op->a, f->value, true), false);
        return s;
    }
    if (f->kind != LDAPD_FILTER_SUBSTRINGS) {
        return NULL;
    }
    if (f->initial.ptr && f->initial.len) {
        ldapd_lookup(op, s, STORE_IX_EMAIL, ldapd_fold(op->a, f->initial, false), true);
        return s;
    }
    /* SUBSTR holds every suffix of every whole address: any piece of an address, also one
     * starting inside a part ("ller" of anna.mueller@...), is a prefix of one of them. */
    struct str_view best = STR_VIEW_NULL;
    for (size_t i = 0; i < f->n_any; i++) {
        struct str_view p = ldapd_fold(op->a, f->any[i], false);
        best = p.len > best.len ? p : best;
    }
    if (f->final.ptr) {
        struct str_view p = ldapd_fold(op->a, f->final, false);
        best = p.len > best.len ? p : best;
    }
    if (best.len == 0) {
        return NULL;
    }
    ldapd_lookup(op, s, STORE_IX_SUBSTR, best, true);
    return s;
}

static bool ldapd_has_digit(struct str_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (isdigit((unsigned char)v.ptr[i])) {
            return true;
        }
    }
    return false;
}

static void ldapd_phone_lookups(struct ldapd_req *op, struct ldapd_pnode *s, struct str_view v,
        bool prefix)
{
    char d[64], e[PHONE_E164_SIZE];
    ldapd_phone_forms(op->cfg, v, d, sizeof(d), e, sizeof(e));
    ldapd_lookup(op, s, STORE_IX_PHONE_DIGITS, str_view_of(d), prefix);
    ldapd_lookup(op, s, STORE_IX_PHONE_E164, str_view_of(d), prefix);
    if (e[0] && strcmp(d, e) != 0) {
        ldapd_lookup(op, s, STORE_IX_PHONE_DIGITS, str_view_of(e), prefix);
        ldapd_lookup(op, s, STORE_IX_PHONE_E164, str_view_of(e), prefix);
    }
}

static struct ldapd_pnode *ldapd_plan_phone(struct ldapd_req *op, const struct ldapd_filter *f)
{
    struct ldapd_pnode *s = ldapd_pnode_new(op->a);
    if (f->kind == LDAPD_FILTER_EQUALITY || f->kind == LDAPD_FILTER_APPROX) {
        if (ldapd_has_digit(f->value)) { /* several forms: ids repeat, the union dedupes */
            ldapd_phone_lookups(op, s, f->value, false);
        }
        return s; /* no digit: FALSE for every entry */
    }
    if (f->kind != LDAPD_FILTER_SUBSTRINGS) {
        return NULL;
    }
    bool digits = (f->initial.ptr && ldapd_has_digit(f->initial)) ||
                  (f->final.ptr && ldapd_has_digit(f->final));
    for (size_t i = 0; i < f->n_any && !digits; i++) {
        digits = ldapd_has_digit(f->any[i]);
    }
    if (!digits) {
        return s;
    }
    if (f->initial.ptr == NULL || !ldapd_has_digit(f->initial)) {
        return NULL; /* "*1234": no suffix index on numbers */
    }
    ldapd_phone_lookups(op, s, f->initial, true);
    return s;
}

static struct ldapd_pnode *ldapd_plan_kind(struct ldapd_req *op, struct str_view oc)
{
    static const struct {
        const char *name;
        char kind;
    } map[] = {
        { "person", '1' }, { "organizationalPerson", '1' }, { "inetOrgPerson", '1' },
        { "organization", '2' }, { "organizationalUnit", '3' },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (ldapd_schema_oc_match(str_view_of(map[i].name), ldapd_fold(op->a, oc, true))) {
            struct ldapd_pnode *s = ldapd_pnode_new(op->a);
            ldapd_lookup(op, s, STORE_IX_KIND, str_view_make(&map[i].kind, 1), false);
            return s;
        }
    }
    return NULL; /* top, crmEntity, or a class no entity has (the matcher says FALSE) */
}

static struct ldapd_pnode *ldapd_plan_item(struct ldapd_req *op, const struct ldapd_filter *f)
{
    const struct ldapd_attr_def *d = f->attr.valid ? ldapd_schema_find(f->attr.type) : NULL;
    if (d == NULL || f->attr.options.len || (d->flags & LDAPD_AF_NEVER)) {
        return ldapd_pnode_new(op->a); /* Undefined or FALSE everywhere */
    }
    if (f->kind == LDAPD_FILTER_PRESENT) {
        return NULL;
    }
    switch (d->alias_of) {
    case LDAPD_A_CN:
    case LDAPD_A_DISPLAYNAME:
    case LDAPD_A_SN:
    case LDAPD_A_GIVENNAME:
        return ldapd_plan_name(op, f, true);
    case LDAPD_A_O:
    case LDAPD_A_OU:
        return ldapd_plan_name(op, f, false);
    case LDAPD_A_MAIL:
        return ldapd_plan_mail(op, f);
    case LDAPD_A_TELEPHONENUMBER:
    case LDAPD_A_MOBILE:
    case LDAPD_A_HOMEPHONE:
    case LDAPD_A_FAX:
    case LDAPD_A_PAGER:
        return ldapd_plan_phone(op, f);
    case LDAPD_A_UID:
    case LDAPD_A_CRMID:
    case LDAPD_A_ENTRYUUID:
        if (f->kind == LDAPD_FILTER_EQUALITY) {
            struct ldapd_pnode *s = ldapd_pnode_new(op->a);
            struct store_id id;
            if (ldapd_id_parse(f->value, &id)) {
                ldapd_set_add(s->set, &id);
            }
            return s;
        }
        return NULL;
    case LDAPD_A_OBJECTCLASS:
        return f->kind == LDAPD_FILTER_EQUALITY ? ldapd_plan_kind(op, f->value) : NULL;
    default:
        return NULL;
    }
}

/* Run p's lookups, calling fn per id (duplicates possible); a non-zero fn stops. */
static int ldapd_pnode_run(struct ldapd_req *op, const struct ldapd_pnode *p,
        store_entity_id_fn *fn, void *ctx)
{
    for (size_t i = 0; i < p->set->n; i++) {
        int rc = fn(ctx, &p->set->ids[i]);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < p->n_lks; i++) {
        const struct ldapd_lk *lk = &p->lks[i];
        int rc = store_entity_lookup(op->txn, lk->ix, lk->value, lk->prefix, fn, ctx);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Run the lookups into p's set, sorted and unique. */
static struct ldapd_pnode *ldapd_pnode_materialize(struct ldapd_req *op, struct ldapd_pnode *p)
{
    for (size_t i = 0; i < p->n_lks; i++) {
        const struct ldapd_lk *lk = &p->lks[i];
        store_entity_lookup(op->txn, lk->ix, lk->value, lk->prefix, ldapd_collect_id, p->set);
    }
    p->n_lks = 0;
    ldapd_set_finish(p->set);
    return p;
}

static struct ldapd_pnode *ldapd_plan_node(struct ldapd_req *op, const struct ldapd_filter *f)
{
    switch (f->kind) {
    case LDAPD_FILTER_AND: {
        struct ldapd_pnode *best = NULL;
        size_t indexed = 0;
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            struct ldapd_pnode *p = ldapd_plan_node(op, c);
            if (p->all) {
                continue;
            }
            if (indexed++ == 0) {
                best = p;
                continue;
            }
            /* Two indexed children: count both and keep the smaller. */
            if (best->n_lks) {
                ldapd_pnode_materialize(op, best);
            }
            ldapd_pnode_materialize(op, p);
            if (p->set->n < best->set->n) {
                best = p;
            }
        }
        if (best == NULL) {
            best = ldapd_pnode_new(op->a);
            best->all = true;
        }
        return best;
    }
    case LDAPD_FILTER_OR: {
        struct ldapd_pnode *u = ldapd_pnode_new(op->a);
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            struct ldapd_pnode *p = ldapd_plan_node(op, c);
            if (p->all) {
                u->all = true;
                return u;
            }
            for (size_t i = 0; i < p->set->n; i++) {
                ldapd_set_add(u->set, &p->set->ids[i]);
            }
            for (size_t i = 0; i < p->n_lks; i++) {
                ldapd_lookup(op, u, p->lks[i].ix, p->lks[i].value, p->lks[i].prefix);
            }
        }
        return u;
    }
    case LDAPD_FILTER_NOT: {
        struct ldapd_pnode *p = ldapd_pnode_new(op->a);
        p->all = true;
        return p;
    }
    case LDAPD_FILTER_EXTENSIBLE:
        return ldapd_pnode_new(op->a); /* Undefined: never TRUE */
    default: {
        struct ldapd_pnode *p = ldapd_plan_item(op, f);
        if (p == NULL) {
            p = ldapd_pnode_new(op->a);
            p->all = true;
        }
        return p;
    }
    }
}

int ldapd_plan(struct ldapd_req *op, const struct ldapd_filter *f, struct ldapd_idset **set_out)
{
    struct ldapd_pnode *p = ldapd_plan_node(op, f);
    *set_out = p->all ? NULL : ldapd_pnode_materialize(op, p)->set;
    return 0;
}

/* Streaming: ids in index order, each once (an open-addressing hash of the ids seen). */
struct ldapd_stream {
    store_entity_id_fn *fn;
    void *ctx;
    struct store_id *slots;
    size_t cap, n;
};

static uint64_t ldapd_id_hash(const struct store_id *id)
{
    uint64_t h;
    memcpy(&h, id->b + 8, 8); /* UUIDs are random in their last 8 bytes */
    return h * 0x9e3779b97f4a7c15ull;
}

static bool ldapd_stream_seen(struct ldapd_stream *st, const struct store_id *id)
{
    static const struct store_id zero;
    if (memcmp(id, &zero, sizeof(zero)) == 0) {
        return true;
    }
    if ((st->n + 1) * 2 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        struct store_id *slots = calloc(cap, sizeof(*slots));
        if (slots == NULL) {
            abort();
        }
        for (size_t i = 0; i < st->cap; i++) {
            if (memcmp(&st->slots[i], &zero, sizeof(zero)) != 0) {
                size_t j = ldapd_id_hash(&st->slots[i]) & (cap - 1);
                while (memcmp(&slots[j], &zero, sizeof(zero)) != 0) {
                    j = (j + 1) & (cap - 1);
                }
                slots[j] = st->slots[i];
            }
        }
        free(st->slots);
        st->slots = slots;
        st->cap = cap;
    }
    size_t j = ldapd_id_hash(id) & (st->cap - 1);
    while (memcmp(&st->slots[j], &zero, sizeof(zero)) != 0) {
        if (memcmp(&st->slots[j], id, sizeof(*id)) == 0) {
            return true;
        }
        j = (j + 1) & (st->cap - 1);
    }
    st->slots[j] = *id;
    st->n++;
    return false;
}

static int ldapd_stream_id(void *ctx, const struct store_id *id)
{
    struct ldapd_stream *st = ctx;
    return ldapd_stream_seen(st, id) ? 0 : st->fn(st->ctx, id);
}

int ldapd_plan_stream(struct ldapd_req *op, const struct ldapd_filter *f,
        store_entity_id_fn *fn, void *ctx)
{
    struct ldapd_pnode *p = ldapd_plan_node(op, f);
    if (p->all) {
        return ERR_NOT_FOUND;
    }
    struct ldapd_stream st = { fn, ctx, NULL, 0, 0 };
    int rc;
    if (p->set->n == 0 && p->n_lks == 1) {
        /* One lookup hands each id once already (store.h): Thunderbird's OR collapses to
         * a single SUBSTR walk, a caller-ID lookup to one index key. */
        rc = ldapd_pnode_run(op, p, fn, ctx);
    } else {
        rc = ldapd_pnode_run(op, p, ldapd_stream_id, &st);
    }
    free(st.slots);
    return rc > 0 ? 0 : rc;
}
