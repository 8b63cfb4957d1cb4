/*
 * freebusy.c: free/busy time (RFC 4791 7.10 free-busy-query on a calendar, RFC 6638 5 a
 * VFREEBUSY REQUEST POSTed to the owner's outbox, answered per recipient).
 *
 * Busy time is computed from the same index and expansion as calendar-query: objects
 * whose stored span overlaps the range, VEVENTs that are not TRANSPARENT or CANCELLED,
 * each instance clipped to the range (STATUS:TENTATIVE is BUSY-TENTATIVE). Periods are
 * listed as found, at most CALDAV_MAX_INSTANCES per answer.
 */
#include "protocols/caldav/caldav.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "protocols/caldav/caldav-filter.h"
#include "src/arena.h"
#include "src/err.h"

struct caldav_busy {
    struct dav_request *dr;
    struct strbuf *sb;
    int64_t from, to;
    size_t n;
    const char *fbtype;
    struct str_view *names;
    size_t n_names, cap;
};

static int caldav_busy_name(void *ctx, struct str_view name, int64_t start, int64_t end)
{
    struct caldav_busy *b = ctx;
    (void)start;
    (void)end;
    if (b->n_names == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct str_view *v = arena_new_array(b->dr->a, struct str_view, cap);
        if (b->n_names) {
            memcpy(v, b->names, b->n_names * sizeof(*v));
        }
        b->names = v;
        b->cap = cap;
    }
    b->names[b->n_names++] = str_view_make(str_view_dup(b->dr->a, name), name.len);
    return 0;
}

static int caldav_busy_instance(void *ctx, const struct caldav_instance *in)
{
    struct caldav_busy *b = ctx;
    if (in->shape != CALDAV_SHAPE_SPAN || b->n >= CALDAV_MAX_INSTANCES) {
        return 0;
    }
    if (icalcomponent_get_status(in->comp) == ICAL_STATUS_CANCELLED) {
        return 0;
    }
    int64_t s = in->a > b->from ? in->a : b->from, e = in->b < b->to ? in->b : b->to;
    char sa[32], ea[32];
    caldav_format_utc(s, sa, sizeof(sa));
    caldav_format_utc(e, ea, sizeof(ea));
    const char *type = icalcomponent_get_status(in->comp) == ICAL_STATUS_TENTATIVE
                               ? "BUSY-TENTATIVE"
                               : "BUSY";
    strbuf_appendf(b->sb, "FREEBUSY;FBTYPE=%s:%s/%s\r\n", type, sa, ea);
    b->n++;
    return 0;
}

static bool caldav_transparent(icalcomponent *c)
{
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_TRANSP_PROPERTY);
    return p != NULL && icalproperty_get_transp(p) == ICAL_TRANSP_TRANSPARENT;
}

static void caldav_busy_object(struct caldav_busy *b, uint64_t coll_id, struct str_view name)
{
    struct store_resource r;
    if (store_resource_get(b->dr->txn, coll_id, name, true, &r) != 0) {
        return;
    }
    struct arena *a = arena_new(r.body.len * 4 + 4096);
    struct caldav_object obj;
    if (caldav_object_parse(a, r.body, &obj) == 0 && obj.kind == ICAL_VEVENT_COMPONENT &&
            !(obj.master && caldav_transparent(obj.master))) {
        caldav_expand(&obj, b->from, b->to, caldav_busy_instance, b, NULL);
    }
    arena_free(&a);
}

struct caldav_busy_colls {
    uint64_t ids[64];
    size_t n;
};

static int caldav_busy_coll(void *ctx, const struct store_collection *c)
{
    struct caldav_busy_colls *bc = ctx;
    if (bc->n < 64 && (c->components == 0 || (c->components & STORE_COMP_VEVENT))) {
        bc->ids[bc->n++] = c->id;
    }
    return 0;
}

int caldav_busy_lines(struct dav_request *dr, struct str_view user, uint64_t only_coll,
        int64_t from, int64_t to, struct strbuf *sb)
{
    struct caldav_busy_colls bc = { .n = 0 };
    if (only_coll != 0) {
        bc.ids[bc.n++] = only_coll;
    } else {
        int rc = store_collection_list(dr->txn, user, STORE_COLL_CALENDAR, caldav_busy_coll, &bc);
        if (rc != 0) {
            return rc;
        }
    }
    struct caldav_busy b = { .dr = dr, .sb = sb, .from = from, .to = to };
    for (size_t i = 0; i < bc.n; i++) {
        b.n_names = 0;
        int rc = store_timerange_list(dr->txn, bc.ids[i], from, to, caldav_busy_name, &b);
        if (rc != 0) {
            return rc;
        }
        for (size_t j = 0; j < b.n_names; j++) {
            caldav_busy_object(&b, bc.ids[i], b.names[j]);
        }
    }
    return 0;
}

static void caldav_vfreebusy(struct strbuf *sb, int64_t from, int64_t to, const char *method)
{
    char fa[32], ta[32], now[32];
    caldav_format_utc(from, fa, sizeof(fa));
    caldav_format_utc(to, ta, sizeof(ta));
    caldav_format_utc((int64_t)time(NULL), now, sizeof(now));
    strbuf_append_cstr(sb, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kith//CalDAV//EN\r\n");
    if (method != NULL) {
        strbuf_appendf(sb, "METHOD:%s\r\n", method);
    }
    strbuf_appendf(sb, "BEGIN:VFREEBUSY\r\nDTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\n", now, fa, ta);
}

void caldav_freebusy_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    http_cache_skip(dr->req); /* DTSTAMP is the time of the answer */
    const struct dav_target *t = &dr->target;
    const struct dav_xml_node *tr = dav_xml_child(body, DAV_NS_CALDAV, "time-range");
    int64_t from = INT64_MIN, to = INT64_MAX;
    struct str_view s = tr ? dav_xml_attr(tr, "start") : STR_VIEW_NULL;
    struct str_view e = tr ? dav_xml_attr(tr, "end") : STR_VIEW_NULL;
    /* RFC 4791 7.10: a time-range is required; both ends for a bounded answer. */
    if (t->path.node != DAV_NODE_COLLECTION || tr == NULL || !caldav_parse_utc(s, &from) ||
            !caldav_parse_utc(e, &to) || from >= to) {
        dav_fail_status(dr, 400, NULL, "free-busy-query needs a calendar and a time-range");
        dav_respond_error(dr);
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 1024);
    caldav_vfreebusy(&sb, from, to, NULL);
    int rc = caldav_busy_lines(dr, t->coll.owner, t->coll.id, from, to, &sb);
    if (rc != 0) {
        dav_fail(dr, rc, "free-busy-query failed");
        dav_respond_error(dr);
        return;
    }
    strbuf_append_cstr(&sb, "END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    http_respond(dr->req, 200, "text/calendar; charset=utf-8", strbuf_view(&sb));
}

/* ---------------------------------------------------------------- POST to the outbox */

static void caldav_post_recipient(struct dav_request *dr, struct strbuf *out, icalcomponent *fb,
        icalproperty *att, int64_t from, int64_t to)
{
    const char *addr = icalproperty_get_attendee(att);
    const char *mail = addr && strncasecmp(addr, "mailto:", 7) == 0 ? addr + 7 : addr ? addr : "";
    strbuf_append_cstr(out, "<CAL:response><CAL:recipient><D:href>");
    strbuf_append_xml_escaped(out, str_view_of(addr ? addr : ""));
    strbuf_append_cstr(out, "</D:href></CAL:recipient>");
    struct store_user u;
    if (store_user_find_by_email(dr->txn, str_view_of(mail), &u) != 0) {
        /* RFC 6638 5.3 / SCHEDULE-STATUS 3.7: not a calendar user we know. */
        strbuf_append_cstr(out, "<CAL:request-status>3.7;Invalid calendar user</CAL:request-status>"
                                "</CAL:response>");
        return;
    }
    struct strbuf cal;
    strbuf_init(&cal, dr->a, 1024);
    caldav_vfreebusy(&cal, from, to, "REPLY");
    icalproperty *org = icalcomponent_get_first_property(fb, ICAL_ORGANIZER_PROPERTY);
    const char *uid = icalcomponent_get_uid(fb);
    if (org != NULL) {
        strbuf_appendf(&cal, "ORGANIZER:%s\r\n", icalproperty_get_organizer(org));
    }
    if (uid != NULL) {
        strbuf_appendf(&cal, "UID:%s\r\n", uid);
    }
    strbuf_appendf(&cal, "ATTENDEE:%s\r\n", addr);
    caldav_busy_lines(dr, u.name, 0, from, to, &cal);
    strbuf_append_cstr(&cal, "END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    strbuf_append_cstr(out, "<CAL:request-status>2.0;Success</CAL:request-status><CAL:calendar-data>");
    strbuf_append_xml_escaped(out, strbuf_view(&cal));
    strbuf_append_cstr(out, "</CAL:calendar-data></CAL:response>");
}

static int caldav_post_check(struct dav_request *dr, struct arena *a, icalcomponent **fb_out)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node != DAV_NODE_COLLECTION || !t->has_coll || t->coll.kind != STORE_COLL_OUTBOX) {
        dav_fail_status(dr, 405, NULL, "POST outside a schedule outbox");
        return ERR_UNSUPPORTED;
    }
    if (!str_view_eq(t->coll.owner, str_view_of(dr->user))) {
        dav_fail_status(dr, 403, "<CAL:schedule-send/>", "POST to another user's outbox");
        return ERR_DENIED;
    }
    struct caldav_object obj;
    if (dr->req->body.len > CALDAV_MAX_RESOURCE_SIZE ||
            caldav_object_parse(a, dr->req->body, &obj) != 0 ||
            obj.kind != ICAL_VFREEBUSY_COMPONENT) {
        /* Only free/busy goes through the outbox: invitations are implicit (PUT). */
        dav_fail_status(dr, 403, "<CAL:valid-calendar-data/>", "not a VFREEBUSY request");
        return ERR_INVAL;
    }
    *fb_out = obj.master ? obj.master : icalcomponent_get_first_component(obj.root, obj.kind);
    return 0;
}

void caldav_post_handle(struct dav_request *dr)
{
    icalcomponent *fb = NULL;
    if (dav_prepare(dr, false, false) != 0 || caldav_post_check(dr, dr->a, &fb) != 0) {
        dav_respond_error(dr);
        return;
    }
    icalproperty *ps = icalcomponent_get_first_property(fb, ICAL_DTSTART_PROPERTY);
    icalproperty *pe = icalcomponent_get_first_property(fb, ICAL_DTEND_PROPERTY);
    if (ps == NULL || pe == NULL) {
        dav_fail_status(dr, 400, NULL, "VFREEBUSY without DTSTART/DTEND");
        dav_respond_error(dr);
        return;
    }
    icalcomponent *root = icalcomponent_get_parent(fb);
    int64_t from = caldav_prop_time(root, ps, NULL), to = caldav_prop_time(root, pe, NULL);
    struct strbuf out;
    strbuf_init(&out, dr->a, 2048);
    strbuf_append_cstr(&out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<CAL:schedule-response"
                             DAV_XMLNS_ALL ">");
    /* Collected first: answering reads fb's other properties with libical's one
     * internal iterator. At most 100 recipients per request. */
    icalproperty *atts[100];
    size_t n = 0;
    for (icalproperty *att = icalcomponent_get_first_property(fb, ICAL_ATTENDEE_PROPERTY);
            att && n < 100; att = icalcomponent_get_next_property(fb, ICAL_ATTENDEE_PROPERTY)) {
        atts[n++] = att;
    }
    for (size_t i = 0; i < n; i++) {
        caldav_post_recipient(dr, &out, fb, atts[i], from, to);
    }
    strbuf_append_cstr(&out, "</CAL:schedule-response>\n");
    dav_txn_end(dr);
    http_respond(dr->req, 200, DAV_XML_CONTENT_TYPE, strbuf_view(&out));
}
