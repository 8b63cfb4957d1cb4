/*
 * ldapd_controls.c: the server side of simple paged results (RFC 2696), server-side sort
 * (RFC 2891) and virtual list view (draft-ietf-ldapext-ldapv3-vlv-09).
 *
 * Sorting works on cn, sn and the other caseIgnore attributes with caseIgnoreOrderingMatch
 * over Unicode case folding (stock slapd refuses cn: "No ordering rule"), on timestamps and
 * UUIDs. Paged cookies are opaque to clients: a fingerprint of the search plus the number
 * of entries already returned, so no per-connection state is kept and a cookie replayed on
 * another connection or after a restart still works; the search is evaluated again per
 * page (candidates come from the index, so this is cheap for the searches clients page).
 */
#include "protocols/ldap/ldapd-internal.h"

#include <stdlib.h>
#include <string.h>

#include "src/arena.h"

/* Ordering rules a client may name in a sort key (RFC 2891 1.1 orderingRule). */
static bool ldapd_known_ordering(struct str_view rule)
{
    static const char *const ok[] = { "caseIgnoreOrderingMatch", "2.5.13.3",
        "caseExactOrderingMatch", "2.5.13.6", "generalizedTimeOrderingMatch", "2.5.13.28",
        "uuidOrderingMatch", "1.3.6.1.1.16.3" };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (str_view_eq_cstr_nocase(rule, ok[i])) {
            return true;
        }
    }
    return false;
}

int ldapd_sort_check(const struct ldapd_sort *s, const struct ldapd_attr_def **defs_out,
        size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_keys && n < LDAPD_SORT_KEYS_MAX; i++) {
        const struct ldapd_sort_key *k = &s->keys[i];
        const struct ldapd_attr_def *d = k->attr.valid ? ldapd_schema_find(k->attr.type) : NULL;
        if (d == NULL || (d->flags & LDAPD_AF_NEVER)) {
            return LDAPD_NO_SUCH_ATTRIBUTE;
        }
        d = ldapd_schema_attr(d->alias_of);
        if (!(d->flags & LDAPD_AF_ORDER) || (k->ordering_rule.ptr != NULL &&
                                                    !ldapd_known_ordering(k->ordering_rule))) {
            return LDAPD_INAPPROPRIATE_MATCHING;
        }
        defs_out[n++] = d;
    }
    *n_out = n;
    return 0;
}

static int ldapd_key_cmp(struct str_view x, struct str_view y)
{
    size_t n = x.len < y.len ? x.len : y.len;
    int c = n ? memcmp(x.ptr, y.ptr, n) : 0;
    return c ? c : (x.len > y.len) - (x.len < y.len);
}

struct str_view ldapd_sort_key(struct arena *a, struct ldapd_entry *e,
        const struct ldapd_attr_def *def, bool reverse)
{
    const struct ldapd_values *vals = ldapd_entry_values(e, def);
    struct str_view best = STR_VIEW_NULL;
    for (size_t i = 0; i < vals->n; i++) {
        struct str_view k = ldapd_match_norm(e->a, def, vals->v[i]);
        if (best.ptr == NULL || (reverse ? ldapd_key_cmp(k, best) > 0 : ldapd_key_cmp(k, best) < 0)) {
            best = k;
        }
    }
    if (best.ptr == NULL) {
        return best;
    }
    return str_view_make(arena_strndup(a, best.ptr, best.len), best.len);
}

/* qsort is not stable and takes no context: sort pointers, break ties by position. */
struct ldapd_sort_item {
    const struct ldapd_ref *ref;
    size_t pos;
};

static const struct ldapd_sort *ldapd_cur_sort;
static size_t ldapd_cur_keys;

static int ldapd_sort_cmp(const void *x, const void *y)
{
    const struct ldapd_sort_item *a = x, *b = y;
    for (size_t k = 0; k < ldapd_cur_keys; k++) {
        struct str_view ka = a->ref->keys[k], kb = b->ref->keys[k];
        if (ka.ptr == NULL || kb.ptr == NULL) {
            if (ka.ptr != kb.ptr) {
                return ka.ptr == NULL ? 1 : -1; /* no value sorts last (RFC 2891 1.2) */
            }
            continue;
        }
        int c = ldapd_key_cmp(ka, kb);
        if (c != 0) {
            return ldapd_cur_sort->keys[k].reverse ? -c : c;
        }
    }
    return (a->pos > b->pos) - (a->pos < b->pos);
}

void ldapd_sort_refs(struct ldapd_ref *refs, size_t n, const struct ldapd_sort *s, size_t n_keys)
{
    if (n < 2) {
        return;
    }
    struct ldapd_sort_item *items = malloc(n * sizeof(*items));
    struct ldapd_ref *copy = malloc(n * sizeof(*copy));
    if (items == NULL || copy == NULL) {
        free(items);
        free(copy);
        return; /* unsorted rather than nothing */
    }
    memcpy(copy, refs, n * sizeof(*copy));
    for (size_t i = 0; i < n; i++) {
        items[i] = (struct ldapd_sort_item){ &copy[i], i };
    }
    ldapd_cur_sort = s; /* the event loop is single-threaded */
    ldapd_cur_keys = n_keys;
    qsort(items, n, sizeof(*items), ldapd_sort_cmp);
    for (size_t i = 0; i < n; i++) {
        refs[i] = *items[i].ref;
    }
    free(items);
    free(copy);
}

int ldapd_vlv_window(struct arena *a, const struct ldapd_vlv *v, const struct ldapd_ref *refs,
        size_t n, const struct ldapd_attr_def *key_def, bool reverse, size_t *first_out,
        size_t *last_out, size_t *target_out)
{
    size_t target; /* 1-based; n + 1 is "after the last entry" */
    if (v->before_count < 0 || v->after_count < 0) {
        return LDAPD_OFFSET_RANGE_ERROR;
    }
    if (v->by_offset) {
        if (v->offset < 0 || v->content_count < 0) {
            return LDAPD_OFFSET_RANGE_ERROR;
        }
        size_t off = v->offset > 0 ? (size_t)v->offset : 1;
        size_t cc = (size_t)v->content_count;
        if (cc > 0 && cc != n) {
            /* vlv-09 5: scale the client's position to the real content count. */
            off = (size_t)(((double)off / (double)cc) * (double)n + 0.5);
        }
        target = off == 0 ? 1 : off > n ? n : off;
        if (n == 0) {
            target = 0;
        }
    } else {
        struct str_view as = ldapd_match_norm(a, key_def, v->assertion);
        target = n + 1;
        for (size_t i = 0; i < n; i++) {
            struct str_view k = refs[i].keys[0];
            if (k.ptr == NULL) {
                target = i + 1;
                break;
            }
            int c = ldapd_key_cmp(k, as);
            if (reverse ? c <= 0 : c >= 0) {
                target = i + 1;
                break;
            }
        }
    }
    size_t idx = target == 0 ? 0 : target - 1;
    size_t before = (size_t)v->before_count, after = (size_t)v->after_count;
    size_t first = idx > before ? idx - before : 0;
    size_t last = idx + after + 1;
    *first_out = first < n ? first : n;
    *last_out = last < n ? last : n;
    *target_out = target;
    return 0;
}

/* ------------------------------------------------------------------ paged cookies */

static uint64_t ldapd_fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ b[i]) * 0x100000001b3ull;
    }
    return h;
}

uint64_t ldapd_search_fingerprint(struct arena *a, const struct ldapd_message *m)
{
    const struct ldapd_search *s = &m->u.search;
    uint64_t h = 0xcbf29ce484222325ull;
    h = ldapd_fnv(h, s->base.ptr, s->base.len);
    int scope = (int)s->scope;
    h = ldapd_fnv(h, &scope, sizeof(scope));
    struct strbuf sb;
    strbuf_init(&sb, a, 128);
    ldapd_filter_to_string(s->filter, &sb);
    h = ldapd_fnv(h, sb.ptr, sb.len);
    if (m->sort) {
        for (size_t i = 0; i < m->sort->n_keys; i++) {
            h = ldapd_fnv(h, m->sort->keys[i].attr.desc.ptr, m->sort->keys[i].attr.desc.len);
            h = ldapd_fnv(h, &m->sort->keys[i].reverse, 1);
        }
    }
    return h;
}

struct str_view ldapd_cookie_make(struct arena *a, uint64_t fingerprint, uint64_t offset)
{
    uint8_t *c = arena_alloc(a, 16);
    for (int i = 0; i < 8; i++) {
        c[i] = (uint8_t)(fingerprint >> (56 - 8 * i));
        c[8 + i] = (uint8_t)(offset >> (56 - 8 * i));
    }
    return str_view_make(c, 16);
}

bool ldapd_cookie_parse(struct str_view cookie, uint64_t fingerprint, uint64_t *offset_out)
{
    if (cookie.len != 16) {
        return false;
    }
    uint64_t fp = 0, off = 0;
    for (int i = 0; i < 8; i++) {
        fp = fp << 8 | (uint8_t)cookie.ptr[i];
        off = off << 8 | (uint8_t)cookie.ptr[8 + i];
    }
    *offset_out = off;
    return fp == fingerprint;
}
