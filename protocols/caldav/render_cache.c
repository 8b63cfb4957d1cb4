/*
 * render_cache.c: rendered calendar-data per (object revision, data request): the stored
 * bytes XML-escaped, and the objects rebuilt for expand and limit-recurrence-set.
 *
 * A store revision names one body for ever (store.h: the strong ETag), so an entry never
 * goes stale: a changed object has a new revision and simply misses. The cache is per
 * process (the server is one event loop, no locking) and bounded: at
 * CALDAV_RC_BUDGET bytes or CALDAV_RC_SLOTS / 2 entries everything is dropped and it
 * refills from the next requests, which keeps the code free of eviction bookkeeping.
 * Requests with a comp/prop selection are not cached (rare, and their key would be the
 * whole selection tree).
 */
#include "protocols/caldav/caldav-filter.h"

#include <stdlib.h>
#include <string.h>

#define CALDAV_RC_SLOTS  (1u << 17)
#define CALDAV_RC_BUDGET (64u << 20)

struct caldav_rc_key {
    uint64_t rev;
    int64_t ef, et, lf, lt; /* expand and limit-recurrence-set ranges (0 when unset) */
    unsigned flags;         /* 1: expand set, 2: limit set, 4: verbatim */
};

struct caldav_rc_entry {
    struct caldav_rc_key key;
    char *text; /* NULL: empty slot */
    size_t len;
};

static struct caldav_rc_entry *caldav_rc_slots;
static size_t caldav_rc_used, caldav_rc_bytes;
static struct caldav_render_stats caldav_rc_stats;

static bool caldav_rc_key_of(const struct caldav_data_req *dq, uint64_t rev,
        struct caldav_rc_key *k)
{
    if (rev == 0 || dq->sel != NULL) {
        return false;
    }
    memset(k, 0, sizeof(*k));
    k->rev = rev;
    if (!dq->expand.set && !dq->limit_rs.set) {
        k->flags = 4; /* the stored bytes, escaped */
        return true;
    }
    if (dq->expand.set) {
        k->flags |= 1;
        k->ef = dq->expand.from;
        k->et = dq->expand.to;
    }
    if (dq->limit_rs.set) {
        k->flags |= 2;
        k->lf = dq->limit_rs.from;
        k->lt = dq->limit_rs.to;
    }
    return true;
}

static size_t caldav_rc_hash(const struct caldav_rc_key *k)
{
    uint64_t h = k->rev * 0x9e3779b97f4a7c15ull;
    h ^= (uint64_t)k->ef * 0xff51afd7ed558ccdull + (uint64_t)k->et;
    h ^= ((uint64_t)k->lf + (uint64_t)k->lt * 31u + k->flags) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (size_t)(h & (CALDAV_RC_SLOTS - 1));
}

static bool caldav_rc_key_eq(const struct caldav_rc_key *a, const struct caldav_rc_key *b)
{
    return a->rev == b->rev && a->ef == b->ef && a->et == b->et && a->lf == b->lf &&
           a->lt == b->lt && a->flags == b->flags;
}

void caldav_render_cache_clear(void)
{
    if (caldav_rc_slots != NULL) {
        for (size_t i = 0; i < CALDAV_RC_SLOTS; i++) {
            free(caldav_rc_slots[i].text);
        }
        free(caldav_rc_slots);
        caldav_rc_slots = NULL;
    }
    caldav_rc_used = caldav_rc_bytes = 0;
}

/* The slot holding k, or the empty slot where it would go (linear probing). */
static struct caldav_rc_entry *caldav_rc_find(const struct caldav_rc_key *k)
{
    size_t i = caldav_rc_hash(k);
    for (;;) {
        struct caldav_rc_entry *e = &caldav_rc_slots[i];
        if (e->text == NULL || caldav_rc_key_eq(&e->key, k)) {
            return e;
        }
        i = (i + 1) & (CALDAV_RC_SLOTS - 1);
    }
}

bool caldav_render_cache_get(const struct caldav_data_req *dq, uint64_t rev, struct str_view *out)
{
    struct caldav_rc_key k;
    if (caldav_rc_slots == NULL || !caldav_rc_key_of(dq, rev, &k)) {
        return false;
    }
    const struct caldav_rc_entry *e = caldav_rc_find(&k);
    if (e->text == NULL) {
        caldav_rc_stats.misses++;
        return false;
    }
    caldav_rc_stats.hits++;
    *out = str_view_make(e->text, e->len);
    return true;
}

void caldav_render_cache_put(const struct caldav_data_req *dq, uint64_t rev, struct str_view text)
{
    struct caldav_rc_key k;
    if (!caldav_rc_key_of(dq, rev, &k) || text.len > CALDAV_RC_BUDGET / 16) {
        return;
    }
    if (caldav_rc_used >= CALDAV_RC_SLOTS / 2 || caldav_rc_bytes + text.len > CALDAV_RC_BUDGET) {
        caldav_render_cache_clear();
        caldav_rc_stats.clears++;
    }
    if (caldav_rc_slots == NULL) {
        caldav_rc_slots = calloc(CALDAV_RC_SLOTS, sizeof(*caldav_rc_slots));
        if (caldav_rc_slots == NULL) {
            return;
        }
    }
    struct caldav_rc_entry *e = caldav_rc_find(&k);
    if (e->text != NULL) {
        return;
    }
    char *copy = malloc(text.len + 1);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, text.ptr, text.len);
    copy[text.len] = '\0';
    *e = (struct caldav_rc_entry){ k, copy, text.len };
    caldav_rc_used++;
    caldav_rc_bytes += text.len;
}

struct caldav_render_stats caldav_render_cache_stats(void)
{
    struct caldav_render_stats s = caldav_rc_stats;
    s.entries = caldav_rc_used;
    s.bytes = caldav_rc_bytes;
    return s;
}
