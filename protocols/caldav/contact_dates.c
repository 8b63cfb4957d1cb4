/*
 * contact_dates.c: the read-only "contact-dates" calendar of every user (MAPPING.md 3.6):
 * one yearly all-day VEVENT per BDAY and ANNIVERSARY of the contacts in the address books
 * the user can read (their own and STORE_COLL_SHARED ones).
 *
 * How it is served: as a real calendar collection flagged STORE_COLL_READONLY, derived
 * from the entity index and brought up to date just before any request that can see it
 * (the user's calendar home and everything under .../contact-dates/), in a short write
 * transaction of its own. The collection remembers the address books' change counters it
 * was derived from (a private property); while they are unchanged a request costs one
 * read of the collection list and nothing is written. Because the events are stored,
 * every method works unchanged on them: PROPFIND, GET, calendar-query through the
 * time-range and instance indexes, multiget, and sync-collection with real tokens and
 * tombstones; PUT and DELETE meet the READONLY flag (403 need-privileges). Regeneration
 * writes the same bytes for unchanged contacts, which the store turns into no-ops, so
 * only changed cards move the calendar's sync token. A failed refresh is logged and the
 * request sees the previous copy.
 */
#include "protocols/caldav/caldav.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocols/caldav/caldav-filter.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"
#include "src/log.h"

#define CALDAV_CD_SLUG   "contact-dates"
#define CALDAV_CD_SOURCE "{" CALDAV_IX_NS "}contact-dates-source"
#define CALDAV_CD_MAX    50000 /* events one calendar holds at most */

/* ---------------------------------------------------------------- readable books */

struct caldav_cd_books {
    struct str_view user;
    struct strbuf *token; /* "<id>:<seq>;" per readable book */
    uint64_t *ids;
    size_t n, cap;
    struct arena *a;
};

static int caldav_cd_book(void *ctx, const struct store_collection *c)
{
    struct caldav_cd_books *b = ctx;
    if (!str_view_eq(c->owner, b->user) && !(c->flags & STORE_COLL_SHARED)) {
        return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        uint64_t *v = arena_new_array(b->a, uint64_t, cap);
        if (b->n) {
            memcpy(v, b->ids, b->n * sizeof(*v));
        }
        b->ids = v;
        b->cap = cap;
    }
    b->ids[b->n++] = c->id;
    strbuf_appendf(b->token, "%llu:%llu;", (unsigned long long)c->id,
            (unsigned long long)c->sync_seq);
    return 0;
}

static int caldav_cd_books_of(struct store_txn *txn, struct str_view user,
        struct caldav_cd_books *b, struct strbuf *token)
{
    *b = (struct caldav_cd_books){ .user = user, .token = token, .a = store_txn_arena(txn) };
    strbuf_append_cstr(token, "v1;");
    return store_collection_list(txn, STR_VIEW_NULL, STORE_COLL_ADDRESSBOOK, caldav_cd_book, b);
}

/* ---------------------------------------------------------------- events */

/* A vCard date: "19800415", "1980-04-15", "--0415", "--04-15" (time parts ignored).
 * Year-less dates get 1972, a leap year, so 29 February survives. */
static bool caldav_cd_parse_date(struct str_view s, int *y, int *m, int *d, bool *no_year)
{
    char digits[9];
    size_t n = 0, i = 0;
    *no_year = s.len >= 2 && s.ptr[0] == '-' && s.ptr[1] == '-';
    if (*no_year) {
        memcpy(digits, "1972", 4);
        n = 4;
        i = 2;
    }
    for (; i < s.len && n < 8; i++) {
        char c = s.ptr[i];
        if (c == 'T') {
            break;
        }
        if (c >= '0' && c <= '9') {
            digits[n++] = c;
        } else if (c != '-') {
            return false;
        }
    }
    if (n != 8) {
        return false;
    }
    digits[8] = '\0';
    *y = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100 + (digits[2] - '0') * 10 +
         (digits[3] - '0');
    *m = (digits[4] - '0') * 10 + (digits[5] - '0');
    *d = (digits[6] - '0') * 10 + (digits[7] - '0');
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= mdays[*m - 1];
}

/* Append "NAME:value" as content lines folded at 75 octets (RFC 5545 3.1), value
 * escaped as TEXT (3.3.11) when text is set. */
static void caldav_cd_line(struct strbuf *sb, const char *name, struct str_view value, bool text)
{
    struct strbuf l;
    strbuf_init(&l, sb->arena, value.len + 32);
    strbuf_append_cstr(&l, name);
    strbuf_append_char(&l, ':');
    for (size_t i = 0; i < value.len; i++) {
        char c = value.ptr[i];
        if (text && (c == '\\' || c == ';' || c == ',')) {
            strbuf_append_char(&l, '\\');
        } else if (text && (c == '\n' || c == '\r')) {
            strbuf_append_cstr(&l, c == '\n' ? "\\n" : "");
            continue;
        }
        strbuf_append_char(&l, c);
    }
    size_t col = 0;
    for (size_t i = 0; i < l.len; i++) {
        unsigned char c = (unsigned char)l.ptr[i];
        /* Fold before 75 octets, never inside a UTF-8 sequence. */
        if (col >= 74 && (c & 0xC0) != 0x80) {
            strbuf_append_cstr(sb, "\r\n ");
            col = 1;
        }
        strbuf_append_char(sb, (char)c);
        col++;
    }
    strbuf_append_cstr(sb, "\r\n");
}

static void caldav_cd_uuid(const struct store_id *id, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < STORE_ID_LEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = hex[id->b[i] >> 4];
        out[o++] = hex[id->b[i] & 15];
    }
    out[o] = '\0';
}

/* One desired event. */
struct caldav_cd_event {
    struct str_view name, uid, body;
    int64_t start; /* UTC midnight of the first occurrence */
};

static void caldav_cd_event_text(struct strbuf *sb, const char *uuid, const char *kind,
        struct str_view fn, int y, int m, int d, bool no_year, uint64_t modified)
{
    bool bday = strcmp(kind, "bday") == 0;
    char buf[128];
    strbuf_append_cstr(sb, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                           "PRODID:-//Kith//contact-dates//EN\r\nBEGIN:VEVENT\r\n");
    snprintf(buf, sizeof(buf), "crm-date-%s-%s", uuid, kind);
    caldav_cd_line(sb, "UID", str_view_of(buf), false);
    /* DTSTAMP from the card's change time: the same card gives the same bytes. */
    time_t t = (time_t)modified;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
    caldav_cd_line(sb, "DTSTAMP", str_view_of(buf), false);
    snprintf(buf, sizeof(buf), "%04d%02d%02d", y, m, d);
    caldav_cd_line(sb, "DTSTART;VALUE=DATE", str_view_of(buf), false);
    strbuf_append_cstr(sb, "RRULE:FREQ=YEARLY\r\n");
    struct strbuf summary;
    strbuf_init(&summary, sb->arena, fn.len + 16);
    strbuf_append_cstr(&summary, bday ? "Birthday: " : "Anniversary: ");
    strbuf_append_view(&summary, fn);
    caldav_cd_line(sb, "SUMMARY", strbuf_view(&summary), true);
    strbuf_append_cstr(sb, "TRANSP:TRANSPARENT\r\n");
    strbuf_append_cstr(sb, bday ? "CATEGORIES:Birthday\r\n" : "CATEGORIES:Anniversary\r\n");
    snprintf(buf, sizeof(buf), "urn:uuid:%s", uuid);
    caldav_cd_line(sb, "X-CRM-CONTACT", str_view_of(buf), false);
    if (no_year) {
        strbuf_append_cstr(sb, "X-CRM-YEAR-UNKNOWN:TRUE\r\n");
    }
    strbuf_append_cstr(sb, "END:VEVENT\r\nEND:VCALENDAR\r\n");
}

struct caldav_cd_gen {
    struct arena *a;
    struct caldav_cd_event *v;
    size_t n, cap;
};

static void caldav_cd_add(struct caldav_cd_gen *g, const struct store_entity *e, const char *kind,
        struct str_view date)
{
    int y, m, d;
    bool no_year;
    if (date.len == 0 || g->n == CALDAV_CD_MAX || !caldav_cd_parse_date(date, &y, &m, &d, &no_year)) {
        return;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct caldav_cd_event *v = arena_new_array(g->a, struct caldav_cd_event, cap);
        if (g->n) {
            memcpy(v, g->v, g->n * sizeof(*v));
        }
        g->v = v;
        g->cap = cap;
    }
    char uuid[40];
    caldav_cd_uuid(&e->id, uuid);
    struct strbuf body;
    strbuf_init(&body, g->a, 512);
    struct str_view fn = e->fn.len ? e->fn : e->org;
    caldav_cd_event_text(&body, uuid, kind, fn, y, m, d, no_year, e->modified);
    struct caldav_cd_event *ev = &g->v[g->n++];
    char *uid = arena_alloc(g->a, 64);
    int ul = snprintf(uid, 64, "crm-date-%s-%s", uuid, kind);
    ev->uid = str_view_make(uid, (size_t)ul);
    char *name = arena_alloc(g->a, 70);
    int nl = snprintf(name, 70, "%s.ics", uid);
    ev->name = str_view_make(name, (size_t)nl);
    ev->body = strbuf_view(&body);
    struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
    ev->start = (int64_t)timegm(&tm);
}

static int caldav_cd_entity(void *ctx, const struct store_entity *e)
{
    caldav_cd_add(ctx, e, "bday", e->bday);
    caldav_cd_add(ctx, e, "anniversary", e->anniversary);
    return 0;
}

static int caldav_cd_name_cmp(const void *pa, const void *pb)
{
    const struct caldav_cd_event *a = pa, *b = pb;
    size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int c = memcmp(a->name.ptr, b->name.ptr, n);
    return c != 0 ? c : (a->name.len > b->name.len) - (a->name.len < b->name.len);
}

/* ---------------------------------------------------------------- refresh */

/* Store one event (a no-op when unchanged) and, when it changed, its instance index. */
static int caldav_cd_put(struct store_txn *txn, uint64_t coll_id, const struct caldav_cd_event *ev)
{
    struct store_put put = { .name = ev->name, .content_type = STR_VIEW_LIT(
            "text/calendar; charset=utf-8"), .uid = ev->uid, .body = ev->body,
        .has_timerange = true, .tr_start = ev->start - 1, .tr_end = INT64_MAX };
    struct store_resource r;
    bool changed = false;
    int rc = store_resource_put(txn, coll_id, &put, &r, &changed);
    if (rc != 0 || !changed) {
        return rc;
    }
    struct arena *a = arena_new(4096);
    struct caldav_object obj;
    if (caldav_object_parse(a, ev->body, &obj) == 0) {
        struct strbuf sb;
        strbuf_init(&sb, a, 128);
        caldav_index_build(&obj, r.rev, (int64_t)time(NULL), &sb);
        rc = store_prop_put(txn, coll_id, r.name, STR_VIEW_LIT(CALDAV_IX_QNAME), strbuf_view(&sb));
    }
    arena_free(&a);
    return rc;
}

struct caldav_cd_stale {
    struct caldav_cd_gen *g;
    struct arena *a;
    struct str_view *v;
    size_t n, cap;
};

static int caldav_cd_stale_cb(void *ctx, const struct store_resource *r)
{
    struct caldav_cd_stale *s = ctx;
    struct caldav_cd_event key = { .name = r->name };
    if (bsearch(&key, s->g->v, s->g->n, sizeof(key), caldav_cd_name_cmp) != NULL) {
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct str_view *v = arena_new_array(s->a, struct str_view, cap);
        if (s->n) {
            memcpy(v, s->v, s->n * sizeof(*v));
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str_view_make(str_view_dup(s->a, r->name), r->name.len);
    return 0;
}

static int caldav_cd_collection(struct store_txn *txn, struct str_view user,
        struct store_collection *c)
{
    int rc = store_collection_get(txn, STORE_COLL_CALENDAR, user, STR_VIEW_LIT(CALDAV_CD_SLUG), c);
    if (rc != ERR_NOT_FOUND) {
        return rc;
    }
    *c = (struct store_collection){ .kind = STORE_COLL_CALENDAR, .owner = user,
        .slug = STR_VIEW_LIT(CALDAV_CD_SLUG), .display_name = STR_VIEW_LIT("Contact dates"),
        .description = STR_VIEW_LIT("Birthdays and anniversaries of your contacts"),
        .components = STORE_COMP_VEVENT, .flags = STORE_COLL_READONLY };
    return store_collection_create(txn, c);
}

/* Regenerate inside a write transaction. */
static int caldav_cd_regenerate(struct store_txn *txn, struct str_view user)
{
    struct store_collection c;
    int rc = caldav_cd_collection(txn, user, &c);
    if (rc != 0 || !(c.flags & STORE_COLL_READONLY)) {
        return rc; /* a calendar the user made under that name is theirs */
    }
    struct strbuf token;
    strbuf_init(&token, store_txn_arena(txn), 128);
    struct caldav_cd_books books;
    rc = caldav_cd_books_of(txn, user, &books, &token);
    struct caldav_cd_gen g = { .a = store_txn_arena(txn) };
    for (size_t i = 0; rc == 0 && i < books.n; i++) {
        rc = store_entity_list(txn, books.ids[i], caldav_cd_entity, &g);
    }
    if (g.n > 1) {
        qsort(g.v, g.n, sizeof(*g.v), caldav_cd_name_cmp);
    }
    for (size_t i = 0; rc == 0 && i < g.n; i++) {
        if (i > 0 && caldav_cd_name_cmp(&g.v[i - 1], &g.v[i]) == 0) {
            continue; /* the same entity reached twice */
        }
        rc = caldav_cd_put(txn, c.id, &g.v[i]);
    }
    struct caldav_cd_stale st = { .g = &g, .a = store_txn_arena(txn) };
    if (rc == 0) {
        rc = store_resource_list(txn, c.id, false, caldav_cd_stale_cb, &st);
    }
    for (size_t i = 0; rc == 0 && i < st.n; i++) {
        rc = store_resource_delete(txn, c.id, st.v[i], 0);
    }
    if (rc == 0) {
        rc = store_prop_put(txn, c.id, STR_VIEW_NULL, STR_VIEW_LIT(CALDAV_CD_SOURCE),
                strbuf_view(&token));
    }
    return rc;
}

/* Whether the stored calendar is current (or is the user's own, not ours). */
static bool caldav_cd_current(struct store *s, struct str_view user)
{
    struct store_txn *txn;
    if (store_txn_begin(s, false, &txn) != 0) {
        return true; /* nothing we could do now; the request will say what is wrong */
    }
    bool current = false;
    struct store_user u;
    struct store_collection c;
    if (store_user_get(txn, user, &u) != 0) {
        current = true;
    } else if (store_collection_get(txn, STORE_COLL_CALENDAR, user,
                       STR_VIEW_LIT(CALDAV_CD_SLUG), &c) == 0) {
        struct strbuf token;
        strbuf_init(&token, store_txn_arena(txn), 128);
        struct caldav_cd_books books;
        struct str_view source;
        bool found = store_prop_get(txn, c.id, STR_VIEW_NULL, STR_VIEW_LIT(CALDAV_CD_SOURCE),
                                    &source) == 0;
        current = !(c.flags & STORE_COLL_READONLY) ||
                  (caldav_cd_books_of(txn, user, &books, &token) == 0 && found &&
                          str_view_eq(source, strbuf_view(&token)));
    }
    store_txn_abort(&txn);
    return current;
}

int caldav_contact_dates_refresh(struct store *s, struct str_view user)
{
    if (caldav_cd_current(s, user)) {
        return 0;
    }
    struct store_txn *txn;
    int rc = store_txn_begin(s, true, &txn);
    if (rc != 0) {
        return rc;
    }
    rc = caldav_cd_regenerate(txn, user);
    if (rc != 0) {
        store_txn_abort(&txn);
        return rc;
    }
    return store_txn_commit(&txn);
}

void caldav_contact_dates_prepare(struct dav_request *dr)
{
    struct dav_path p;
    if (dr->user == NULL || dav_path_parse(dr->app->cfg, dr->req->path, &p) != 0 ||
            p.home != DAV_HOME_CALENDARS) {
        return;
    }
    if (p.node != DAV_NODE_HOME && !str_view_eq(p.slug, STR_VIEW_LIT(CALDAV_CD_SLUG))) {
        return;
    }
    int rc = caldav_contact_dates_refresh(dr->app->store, p.user);
    if (rc != 0) {
        log_warn(&dr->req->log, "contact-dates of %.*s not refreshed: %s", STR_VIEW_FMT(p.user),
                err_str(rc));
    }
}
