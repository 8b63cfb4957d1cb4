/*
 * instance_index.c: the per-object instance index, so a calendar-query decides which
 * objects match a time-range without parsing them.
 *
 * The store's time-range record (first and last instance) cannot tell whether an
 * open-ended weekly event has an instance in March: its span covers every month. At PUT
 * time we already hold the parsed object, so we expand it once over a window around the
 * present (CALDAV_IX_PAST before, CALDAV_IX_FUTURE after) and keep every instance's
 * shape and bounds, delta-encoded. RFC 4791 9.9 overlap is monotone in the range (a wider
 * range matches every instance a narrower one does), so for any query range inside the
 * window the instances listed are exactly the ones caldav_expand would yield: the answer
 * is the same as with a parse. Objects whose recurrence set ends are indexed whole
 * (window unbounded). A set cut by a limit, or over CALDAV_IX_MAX instances, is indexed
 * without instances and always falls back to the parse.
 *
 * The record carries the revision of the bytes it describes (store_resource.rev): a
 * stale record (the object rewritten by scheduling, copied, moved) is ignored, so the
 * index can only make a query faster, never different.
 *
 * Wire format, all little endian: "KIX1", u8 component bit, u8 flags, u64 rev, i64 lo,
 * i64 hi, u32 n, then n times: u8 shape, varint zigzag(a - previous a), varint
 * zigzag(b - a) (wrapping arithmetic, so INT64_MIN bounds of CREATED/COMPLETED rows
 * encode too).
 */
#include "protocols/caldav/caldav-internal.h"

#include <stdlib.h>
#include <string.h>

#include "src/err.h"

#define CALDAV_IX_MAGIC   "KIX1"
#define CALDAV_IX_HEAD    (4 + 1 + 1 + 8 + 8 + 8 + 4)
#define CALDAV_IX_NO_LIST 1u /* flags: instances not listed, always parse */

static void caldav_ix_u64(struct strbuf *sb, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++) {
        strbuf_append_char(sb, (char)(v >> (8 * i)));
    }
}

static uint64_t caldav_ix_get(const uint8_t *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void caldav_ix_varint(struct strbuf *sb, uint64_t d)
{
    uint64_t z = (d << 1) ^ (0 - (d >> 63)); /* zigzag of d read as signed */
    while (z >= 0x80) {
        strbuf_append_char(sb, (char)(z | 0x80));
        z >>= 7;
    }
    strbuf_append_char(sb, (char)z);
}

/* false at the end of the input or for an over-long varint. */
static bool caldav_ix_unvarint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t z = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (*p == end) {
            return false;
        }
        uint8_t b = *(*p)++;
        z |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = (z >> 1) ^ (0 - (z & 1));
            return true;
        }
    }
    return false;
}

struct caldav_ix_build {
    struct strbuf *sb;
    int64_t prev;
    uint32_t n;
};

static int caldav_ix_add(void *ctx, const struct caldav_instance *in)
{
    struct caldav_ix_build *b = ctx;
    if (b->n == CALDAV_IX_MAX) {
        return 1;
    }
    strbuf_append_char(b->sb, (char)in->shape);
    caldav_ix_varint(b->sb, (uint64_t)in->a - (uint64_t)b->prev);
    caldav_ix_varint(b->sb, (uint64_t)in->b - (uint64_t)in->a);
    b->prev = in->a;
    b->n++;
    return 0;
}

static void caldav_ix_head(struct strbuf *sb, unsigned comp_bit, unsigned flags, uint64_t rev,
        int64_t lo, int64_t hi)
{
    strbuf_append_cstr(sb, CALDAV_IX_MAGIC);
    strbuf_append_char(sb, (char)comp_bit);
    strbuf_append_char(sb, (char)flags);
    caldav_ix_u64(sb, rev, 8);
    caldav_ix_u64(sb, (uint64_t)lo, 8);
    caldav_ix_u64(sb, (uint64_t)hi, 8);
}

/* Expand obj over [lo, hi) into sb; false when the set was cut or too big. */
static bool caldav_ix_try(const struct caldav_object *obj, uint64_t rev, int64_t lo, int64_t hi,
        struct strbuf *sb)
{
    size_t mark = sb->len;
    caldav_ix_head(sb, obj->comp_bit, 0, rev, lo, hi);
    size_t n_at = sb->len;
    caldav_ix_u64(sb, 0, 4);
    struct caldav_ix_build b = { sb, 0, 0 };
    struct caldav_expand_stats st;
    int rc = caldav_expand(obj, lo, hi, caldav_ix_add, &b, &st);
    bool whole = lo == INT64_MIN && hi == INT64_MAX;
    if (rc != 0 || st.truncated || (whole && st.unbounded)) {
        sb->len = mark;
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        sb->ptr[n_at + i] = (char)(b.n >> (8 * i));
    }
    return true;
}

void caldav_index_build(const struct caldav_object *obj, uint64_t rev, int64_t now,
        struct strbuf *sb)
{
    int64_t s, e;
    caldav_object_span(obj, &s, &e); /* cheap: rules without end are not iterated */
    if (e != INT64_MAX && caldav_ix_try(obj, rev, INT64_MIN, INT64_MAX, sb)) {
        return;
    }
    if (caldav_ix_try(obj, rev, now - CALDAV_IX_PAST, now + CALDAV_IX_FUTURE, sb)) {
        return;
    }
    caldav_ix_head(sb, obj->comp_bit, CALDAV_IX_NO_LIST, rev, 0, 0);
    caldav_ix_u64(sb, 0, 4);
}

bool caldav_index_read(struct str_view value, uint64_t rev, struct caldav_index *out)
{
    const uint8_t *p = (const uint8_t *)value.ptr;
    if (value.len < CALDAV_IX_HEAD || memcmp(p, CALDAV_IX_MAGIC, 4) != 0) {
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->comp_bit = p[4];
    out->listed = (p[5] & CALDAV_IX_NO_LIST) == 0;
    if (caldav_ix_get(p + 6, 8) != rev) {
        return false; /* describes other bytes than the resource now holds */
    }
    out->lo = (int64_t)caldav_ix_get(p + 14, 8);
    out->hi = (int64_t)caldav_ix_get(p + 22, 8);
    out->n = (uint32_t)caldav_ix_get(p + 30, 4);
    out->data = p + CALDAV_IX_HEAD;
    out->end = p + value.len;
    return true;
}

int caldav_index_overlaps(const struct caldav_index *ix, int64_t from, int64_t to)
{
    if (!ix->listed || from < ix->lo || to > ix->hi) {
        return -1;
    }
    const uint8_t *p = ix->data;
    uint64_t prev = 0;
    for (uint32_t i = 0; i < ix->n; i++) {
        uint64_t da, db;
        if (p == ix->end) {
            return -1;
        }
        uint8_t shape = *p++;
        if (!caldav_ix_unvarint(&p, ix->end, &da) || !caldav_ix_unvarint(&p, ix->end, &db)) {
            return -1;
        }
        struct caldav_instance in = { .shape = (enum caldav_shape)shape };
        prev += da;
        in.a = (int64_t)prev;
        in.b = (int64_t)(prev + db);
        if (caldav_instance_overlaps(&in, from, to)) {
            return 1;
        }
    }
    return 0;
}
