/*
 * vcard_merge.c: a vCard 3.0 (or 2.1) card written over a stored 4.0 card keeps what the
 * 3.0 rendering could not carry (MAPPING.md R4 with base = the current revision).
 *
 * Each stored line is rendered alone as a 3.0 client reads it (vcard_convert). When that
 * rendering is among the PUT's lines unchanged, the client kept the line: the stored line
 * stays byte for byte (R1) with all that 3.0 cannot say about it (KIND:individual, RELATED
 * types past the first label, ADR CC, PREF order). A stored line whose rendering is empty
 * was never shown, so it stays too. A stored line whose rendering is missing was deleted
 * or edited: the PUT's remaining lines, converted to 4.0 in one piece, take the place of
 * the first dropped stored line of their name, or go last. Lines the rendering adds to any
 * card lacking them (N:;;;; on a card without N) are dropped when sent back unchanged.
 *
 * Lines compare by parts, not octets: groups may be renumbered (DAVx5 writes its own
 * itemN) but must pair up the same way, TYPE values are a set, parameters compare without
 * case in order, values exactly.
 */
#include "src/formats/vcard.h"

#include <string.h>

#include "src/arena.h"
#include "src/formats/vcard-internal.h"

static size_t vcard_merge_type_count(const struct vcard_prop *p, struct str_view t)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        const struct vcard_param *q = &p->params[i];
        for (size_t j = 0; str_view_eq_cstr_nocase(q->name, "TYPE") && j < q->n_values; j++) {
            n += t.ptr == NULL || str_view_eq_nocase(q->values[j], t);
        }
    }
    return n;
}

static bool vcard_merge_types_eq(const struct vcard_prop *x, const struct vcard_prop *y)
{
    if (vcard_merge_type_count(x, STR_VIEW_NULL) != vcard_merge_type_count(y, STR_VIEW_NULL)) {
        return false;
    }
    for (size_t i = 0; i < x->n_params; i++) {
        const struct vcard_param *q = &x->params[i];
        for (size_t j = 0; str_view_eq_cstr_nocase(q->name, "TYPE") && j < q->n_values; j++) {
            if (vcard_merge_type_count(x, q->values[j]) !=
                vcard_merge_type_count(y, q->values[j])) {
                return false;
            }
        }
    }
    return true;
}

/* The next parameter at or after *i that is neither TYPE nor a transfer encoding. */
static const struct vcard_param *vcard_merge_next_param(const struct vcard_prop *p, size_t *i)
{
    while (*i < p->n_params) {
        const struct vcard_param *q = &p->params[(*i)++];
        if (!str_view_eq_cstr_nocase(q->name, "TYPE") && !vcard_param_is_transfer(q)) {
            return q;
        }
    }
    return NULL;
}

static bool vcard_merge_params_eq(const struct vcard_prop *x, const struct vcard_prop *y)
{
    size_t i = 0, j = 0;
    for (;;) {
        const struct vcard_param *a = vcard_merge_next_param(x, &i);
        const struct vcard_param *b = vcard_merge_next_param(y, &j);
        if (a == NULL || b == NULL) {
            return a == b;
        }
        if (!str_view_eq_nocase(a->name, b->name) || a->n_values != b->n_values) {
            return false;
        }
        for (size_t k = 0; k < a->n_values; k++) {
            if (!str_view_eq_nocase(a->values[k], b->values[k])) {
                return false;
            }
        }
    }
}

/* Same line apart from its group name. */
static bool vcard_merge_line_eq(const struct vcard_prop *x, const struct vcard_prop *y)
{
    return str_view_eq_nocase(x->name, y->name) && str_view_eq(x->value, y->value) &&
           vcard_merge_types_eq(x, y) && vcard_merge_params_eq(x, y);
}

/* The PUT's lines in 3.0, and which of them a stored line (or an added one) has claimed. */
struct vcard_merge_pool {
    const struct vcard *card;
    bool *used;
    size_t hint; /* after the last claim: clients mostly keep the order they were given */
};

/* Whether pool line j can stand for line k of f, f's lines before k standing at at[]: equal,
 * unclaimed, and grouped with those lines exactly as f's line k is with theirs. */
static bool vcard_merge_fits(const struct vcard *f, size_t k, const struct vcard_merge_pool *pool,
                             const size_t *at, size_t j)
{
    const struct vcard_prop *fp = &f->props[k], *pp = &pool->card->props[j];
    if (pool->used[j] || !vcard_merge_line_eq(fp, pp)) {
        return false;
    }
    for (size_t m = 0; m < k; m++) {
        bool same_f = fp->group.len > 0 && str_view_eq_nocase(f->props[m].group, fp->group);
        bool same_p =
                pp->group.len > 0 && str_view_eq_nocase(pool->card->props[at[m]].group, pp->group);
        if (at[m] == j || same_f != same_p) {
            return false;
        }
    }
    return (fp->group.len == 0) == (pp->group.len == 0);
}

/* Claim pool lines for every line of f, or none. Each candidate for f's first line is
 * tried; the others follow it greedily, since groups bind them to it. */
static bool vcard_merge_claim(struct arena *a, struct vcard_merge_pool *pool, const struct vcard *f)
{
    size_t n = pool->card->n_props;
    if (f->n_props == 0 || n == 0) {
        return false;
    }
    size_t *at = arena_new_array(a, size_t, f->n_props);
    for (size_t s = 0; s < n; s++) {
        at[0] = (pool->hint + s) % n;
        if (!vcard_merge_fits(f, 0, pool, at, at[0])) {
            continue;
        }
        size_t k = 1;
        for (; k < f->n_props; k++) {
            size_t j = 0;
            while (j < n && !vcard_merge_fits(f, k, pool, at, (at[0] + j) % n)) {
                j++;
            }
            if (j == n) {
                break;
            }
            at[k] = (at[0] + j) % n;
        }
        if (k == f->n_props) {
            for (k = 0; k < f->n_props; k++) {
                pool->used[at[k]] = true;
            }
            pool->hint = at[f->n_props - 1] + 1;
            return true;
        }
    }
    return false;
}

static bool vcard_merge_has(const struct vcard *card, const struct vcard_prop *p, bool by_name)
{
    for (size_t i = 0; i < card->n_props; i++) {
        if (by_name ? str_view_eq_nocase(card->props[i].name, p->name)
                    : vcard_merge_line_eq(&card->props[i], p)) {
            return true;
        }
    }
    return false;
}

/* The 3.0 lines a client reads for stored line s, without the lines the rendering adds to
 * any card lacking them (added: the rendering of an empty card), unless s is one of those. */
static struct vcard *vcard_merge_render(struct arena *a, struct vcard_prop *s,
                                        const struct vcard *added)
{
    struct vcard one = { .version = VCARD_V40, .props = s, .n_props = 1 };
    struct vcard *f = vcard_convert(a, &one, VCARD_V30);
    if (vcard_merge_has(added, s, true)) {
        return f;
    }
    size_t k = 0;
    for (size_t i = 0; i < f->n_props; i++) {
        if (!vcard_merge_has(added, &f->props[i], false)) {
            f->props[k++] = f->props[i];
        }
    }
    f->n_props = k;
    return f;
}

/* The kept stored lines in their order; each PUT line (p4, may be NULL) where the first
 * dropped stored line of its name was, else at the end. */
static struct vcard *vcard_merge_place(struct arena *a, const struct vcard *stored,
                                       const bool *keep, const struct vcard *p4)
{
    size_t n = stored->n_props, m = p4 ? p4->n_props : 0;
    size_t *pos = arena_new_array(a, size_t, m + 1);
    bool *taken = arena_new_array(a, bool, n + 1);
    for (size_t j = 0; j < m; j++) {
        pos[j] = n;
        for (size_t i = 0; i < n; i++) {
            if (!keep[i] && !taken[i] &&
                str_view_eq_nocase(stored->props[i].name, p4->props[j].name)) {
                taken[i] = true;
                pos[j] = i;
                break;
            }
        }
    }
    struct vcard *out = vcard_new(a, VCARD_V40);
    for (size_t i = 0; i <= n; i++) {
        if (i < n && keep[i]) {
            *vcard_props_push(a, out) = stored->props[i];
        }
        for (size_t j = 0; j < m; j++) {
            if (pos[j] == i) {
                *vcard_props_push(a, out) = p4->props[j];
            }
        }
    }
    return out;
}

struct vcard *vcard_merge(struct arena *a, const struct vcard *stored, const struct vcard *put)
{
    if (stored->version != VCARD_V40 || put->version == VCARD_V40) {
        return (struct vcard *)put;
    }
    const struct vcard *p3 = vcard_convert(a, put, VCARD_V30);
    struct vcard_merge_pool pool = { p3, arena_new_array(a, bool, p3->n_props + 1), 0 };
    const struct vcard *added = vcard_convert(a, vcard_new(a, VCARD_V40), VCARD_V30);
    bool *keep = arena_new_array(a, bool, stored->n_props + 1);
    bool all_kept = true;
    for (size_t i = 0; i < stored->n_props; i++) {
        struct vcard *f = vcard_merge_render(a, &stored->props[i], added);
        keep[i] = f->n_props == 0 || vcard_merge_claim(a, &pool, f);
        all_kept &= keep[i];
    }
    for (size_t i = 0; i < added->n_props; i++) {
        if (!vcard_merge_has(stored, &added->props[i], true)) {
            struct vcard one = { .version = VCARD_V30, .props = &added->props[i], .n_props = 1 };
            vcard_merge_claim(a, &pool, &one);
        }
    }
    struct vcard *rest = vcard_new(a, VCARD_V30);
    for (size_t j = 0; j < p3->n_props; j++) {
        if (!pool.used[j]) {
            *vcard_props_push(a, rest) = p3->props[j];
        }
    }
    if (all_kept && rest->n_props == 0) {
        return (struct vcard *)stored;
    }
    const struct vcard *p4 = rest->n_props ? vcard_convert(a, rest, VCARD_V40) : NULL;
    return vcard_merge_place(a, stored, keep, p4);
}
