/*
 * caldav.c: the calendar, inbox and outbox flavours (caldav.h): their live properties
 * (RFC 4791 5.2, RFC 6638 9, Apple's calendar-color), the PUT check of calendars and the
 * principal properties of scheduling.
 */
#include "protocols/caldav/caldav.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "protocols/caldav/caldav-filter.h"
#include "protocols/carddav/carddav.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

#define N_COLL DAV_NODE_BIT(DAV_NODE_COLLECTION)

/* ---------------------------------------------------------------- collection properties */

static bool caldav_get_description(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_xml_escaped(sb, pc->target->coll.description);
    return true;
}

static bool caldav_get_color(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    if (pc->target->coll.color.len == 0) {
        return false;
    }
    strbuf_append_xml_escaped(sb, pc->target->coll.color);
    return true;
}

/* RFC 4791 5.2.3 */
static bool caldav_get_components(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    static const char *const names[] = { "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY" };
    uint32_t comps = pc->target->coll.components;
    if (comps == 0) {
        comps = 7; /* a calendar made without a set takes events, tasks and journals */
    }
    for (size_t i = 0; i < 4; i++) {
        if (comps & (1u << i)) {
            strbuf_appendf(sb, "<CAL:comp name=\"%s\"/>", names[i]);
        }
    }
    return true;
}

/* RFC 4791 5.2.4 */
static bool caldav_get_supported_data(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, "<CAL:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>");
    return true;
}

/* RFC 4791 7.5.1 */
static bool caldav_get_collations(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, "<CAL:supported-collation>i;ascii-casemap</CAL:supported-collation>"
                           "<CAL:supported-collation>i;octet</CAL:supported-collation>");
    return true;
}

static bool caldav_get_max_size(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_appendf(sb, "%u", (unsigned)CALDAV_MAX_RESOURCE_SIZE);
    return true;
}

static bool caldav_get_min_date(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, CALDAV_MIN_DATE);
    return true;
}

static bool caldav_get_max_date(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, CALDAV_MAX_DATE);
    return true;
}

static bool caldav_get_max_instances(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_appendf(sb, "%u", (unsigned)CALDAV_MAX_INSTANCES);
    return true;
}

/* RFC 6638 9.1: every calendar counts for free/busy (per-calendar setting comes later). */
static bool caldav_get_transp(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, "<CAL:opaque/>");
    return true;
}

static void caldav_href(struct strbuf *sb, const char *href)
{
    strbuf_append_cstr(sb, "<D:href>");
    strbuf_append_xml_escaped(sb, str_view_of(href));
    strbuf_append_cstr(sb, "</D:href>");
}

/* RFC 6638 9.2: where the server files REQUESTs for the user (their "calendar"). */
static bool caldav_get_default_calendar(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    struct store_collection c;
    if (store_collection_get(pc->txn, STORE_COLL_CALENDAR, pc->target->coll.owner,
                STR_VIEW_LIT("calendar"), &c) != 0) {
        return false;
    }
    caldav_href(sb, dav_collection_href(pc->a, pc->dr->app->cfg, &c));
    return true;
}

static const struct dav_live_prop caldav_calendar_props[] = {
    { DAV_NS_CALDAV, "calendar-description", N_COLL, false, true, caldav_get_description },
    { DAV_NS_APPLE, "calendar-color", N_COLL, false, true, caldav_get_color },
    { DAV_NS_CALDAV, "supported-calendar-component-set", N_COLL, false, false,
            caldav_get_components },
    { DAV_NS_CALDAV, "supported-calendar-data", N_COLL, false, false, caldav_get_supported_data },
    { DAV_NS_CALDAV, "supported-collation-set", N_COLL, false, false, caldav_get_collations },
    { DAV_NS_CALDAV, "max-resource-size", N_COLL, false, false, caldav_get_max_size },
    { DAV_NS_CALDAV, "min-date-time", N_COLL, false, false, caldav_get_min_date },
    { DAV_NS_CALDAV, "max-date-time", N_COLL, false, false, caldav_get_max_date },
    { DAV_NS_CALDAV, "max-instances", N_COLL, false, false, caldav_get_max_instances },
    { DAV_NS_CALDAV, "schedule-calendar-transp", N_COLL, false, false, caldav_get_transp },
};

static const struct dav_live_prop caldav_inbox_props[] = {
    { DAV_NS_CALDAV, "supported-calendar-component-set", N_COLL, false, false,
            caldav_get_components },
    { DAV_NS_CALDAV, "schedule-default-calendar-URL", N_COLL, false, false,
            caldav_get_default_calendar },
};

/* ---------------------------------------------------------------- principal properties */

static const char *caldav_sched_href(const struct dav_prop_ctx *pc, const char *slug)
{
    struct store_collection c = { .kind = STORE_COLL_INBOX, .owner = pc->target->path.user,
        .slug = str_view_of(slug) };
    return dav_collection_href(pc->a, pc->dr->app->cfg, &c);
}

bool caldav_get_schedule_inbox_url(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    caldav_href(sb, caldav_sched_href(pc, "inbox"));
    return true;
}

bool caldav_get_schedule_outbox_url(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    caldav_href(sb, caldav_sched_href(pc, "outbox"));
    return true;
}

/* RFC 6638 2.4.1: the mailto: of the user's e-mail (Thunderbird takes the first mailto:),
 * then the principal URL. */
bool caldav_get_user_address_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    struct store_user u;
    if (store_user_get(pc->txn, pc->target->path.user, &u) == 0 && u.email.len > 0) {
        strbuf_append_cstr(sb, "<D:href>mailto:");
        strbuf_append_xml_escaped(sb, u.email);
        strbuf_append_cstr(sb, "</D:href>");
    }
    caldav_href(sb, dav_principal_href(pc->a, pc->dr->app->cfg, pc->target->path.user));
    return true;
}

bool caldav_get_user_type(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_cstr(sb, "INDIVIDUAL");
    return true;
}

/* ---------------------------------------------------------------- PUT */

static bool caldav_type_ok(struct str_view ct)
{
    return ct.len == 0 || str_view_starts_with_nocase(ct, "text/calendar");
}

struct str_view caldav_name_for_uid(struct arena *a, const char *uid)
{
    size_t n = strlen(uid);
    if (n > 200) {
        n = 200;
    }
    char *s = arena_alloc(a, n + 5);
    for (size_t i = 0; i < n; i++) {
        char c = uid[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '@';
        s[i] = ok ? c : '_';
    }
    memcpy(s + n, ".ics", 4);
    return str_view_make(s, n + 4);
}

static int caldav_uid_conflict(struct dav_request *dr, const struct dav_target *t,
        const struct caldav_object *obj)
{
    struct store_resource other;
    int rc = store_resource_find_uid(dr->txn, t->coll.id, str_view_of(obj->uid), &other);
    if (rc == ERR_NOT_FOUND || (rc == 0 && str_view_eq(other.name, t->path.name))) {
        return 0;
    }
    if (rc != 0) {
        return dav_fail(dr, rc, "UID lookup failed");
    }
    /* RFC 4791 5.3.2.1: name the resource that holds the UID. */
    struct strbuf pre;
    strbuf_init(&pre, dr->a, 128);
    strbuf_append_cstr(&pre, "<CAL:no-uid-conflict><D:href>");
    struct strbuf href;
    strbuf_init(&href, dr->a, 128);
    strbuf_append_cstr(&href, t->coll_href);
    dav_href_append(&href, other.name);
    strbuf_append_xml_escaped(&pre, strbuf_view(&href));
    strbuf_append_cstr(&pre, "</D:href></CAL:no-uid-conflict>");
    dav_fail_status(dr, 409, pre.ptr, "UID already used in this calendar");
    return ERR_CONFLICT;
}

/* If-Schedule-Tag-Match (RFC 6638 8.2): against the tag of the stored object. */
static bool caldav_schedule_tag_ok(struct dav_request *dr, const struct dav_target *t)
{
    const char *want = http_header(dr->req, "If-Schedule-Tag-Match");
    if (want == NULL) {
        return true;
    }
    struct store_resource r;
    struct caldav_object cur;
    char tag[32] = "";
    if (t->exists && store_resource_get(dr->txn, t->coll.id, t->path.name, true, &r) == 0 &&
            caldav_object_parse(dr->a, r.body, &cur) == 0) {
        caldav_schedule_tag(&cur, tag, sizeof(tag));
    }
    if (tag[0] == '\0' || !dav_etag_list_match(want, tag)) {
        dav_fail_status(dr, 412, NULL, "If-Schedule-Tag-Match failed");
        return false;
    }
    return true;
}

int caldav_put_check(struct dav_request *dr, struct dav_put *p)
{
    const struct dav_target *t = p->target;
    if (t->coll.flags & STORE_COLL_READONLY) {
        dav_fail_status(dr, 403, "<D:need-privileges/>", "read-only calendar");
        return ERR_DENIED;
    }
    if (!caldav_type_ok(p->put.content_type)) {
        dav_fail_status(dr, 403, "<CAL:supported-calendar-data/>", "not text/calendar");
        return ERR_UNSUPPORTED;
    }
    if (!caldav_schedule_tag_ok(dr, t)) {
        return ERR_PRECONDITION;
    }
    struct caldav_object obj;
    struct caldav_refusal why;
    int rc = caldav_ical_check(dr->a, p->put.body, t->coll.components, &obj, &why);
    if (rc != 0) {
        dav_fail_status(dr, why.status, why.precondition, why.detail);
        return rc;
    }
    rc = caldav_uid_conflict(dr, t, &obj);
    if (rc == 0 && (obj.has_organizer || t->exists)) {
        rc = caldav_schedule_put(dr, p, &obj);
    }
    if (rc != 0) {
        return rc;
    }
    p->put.uid = str_view_of(obj.uid);
    p->put.content_type = STR_VIEW_LIT("text/calendar; charset=utf-8");
    p->put.has_timerange = true;
    caldav_object_span(&obj, &p->put.tr_start, &p->put.tr_end);
    struct caldav_object *keep = arena_new_obj(dr->a, struct caldav_object);
    *keep = obj;
    p->flavour_ctx = keep;
    return 0;
}

/* The instance index beside the object just stored (instance_index.c). */
int caldav_after_put(struct dav_request *dr, const struct dav_put *p,
        const struct store_resource *stored)
{
    const struct caldav_object *obj = p->flavour_ctx;
    if (obj == NULL) {
        return 0;
    }
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 256);
    caldav_index_build(obj, stored->rev, (int64_t)time(NULL), &sb);
    int rc = store_prop_put(dr->txn, p->target->coll.id, stored->name,
            STR_VIEW_LIT(CALDAV_IX_QNAME), strbuf_view(&sb));
    return rc != 0 ? dav_fail(dr, rc, "instance index not stored") : 0;
}

/* RFC 6638 2.2: clients read and delete what lands in their inbox; only the server files. */
int caldav_inbox_put_check(struct dav_request *dr, struct dav_put *p)
{
    (void)p;
    dav_fail_status(dr, 403, "<D:need-privileges/>", "PUT into a schedule inbox");
    return ERR_DENIED;
}

/* ---------------------------------------------------------------- flavours */

static const struct dav_report caldav_calendar_reports[] = {
    { DAV_NS_CALDAV, "calendar-query", caldav_query_report },
    { DAV_NS_CALDAV, "calendar-multiget", caldav_multiget_report },
    { DAV_NS_CALDAV, "free-busy-query", caldav_freebusy_report },
    { DAV_NS_DAV, "sync-collection", caldav_sync_report },
    { DAV_NS_DAV, "expand-property", dav_expand_property_report },
};

static const struct dav_report caldav_inbox_reports[] = {
    { DAV_NS_CALDAV, "calendar-query", caldav_query_report },
    { DAV_NS_CALDAV, "calendar-multiget", caldav_multiget_report },
    { DAV_NS_DAV, "sync-collection", caldav_sync_report },
};

#define CALDAV_N(a) (sizeof(a) / sizeof((a)[0]))

/* iOS wants exactly <collection/><CAL:calendar/> (CLIENTS.md A1). */
const struct dav_flavour caldav_flavour_calendar = {
    .kind = STORE_COLL_CALENDAR,
    .name = "calendar",
    .resourcetype = "<CAL:calendar/>",
    .mkcol_ns = DAV_NS_CALDAV,
    .mkcol_name = "calendar",
    .home = DAV_HOME_CALENDARS,
    .compliance = "calendar-access, calendar-auto-schedule",
    .allow_collection = "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, REPORT, DELETE, MKCALENDAR",
    .allow_resource = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, REPORT",
    .default_type = "text/calendar; charset=utf-8",
    .props = caldav_calendar_props,
    .n_props = CALDAV_N(caldav_calendar_props),
    .reports = caldav_calendar_reports,
    .n_reports = CALDAV_N(caldav_calendar_reports),
    .put_check = caldav_put_check,
    .delete_check = caldav_delete_check,
    .after_put = caldav_after_put,
};

const struct dav_flavour caldav_flavour_inbox = {
    .kind = STORE_COLL_INBOX,
    .name = "inbox",
    .resourcetype = "<CAL:schedule-inbox/>",
    .home = DAV_HOME_CALENDARS,
    .allow_collection = "OPTIONS, GET, HEAD, PROPFIND, REPORT",
    .allow_resource = "OPTIONS, GET, HEAD, DELETE, PROPFIND, REPORT",
    .default_type = "text/calendar; charset=utf-8",
    .props = caldav_inbox_props,
    .n_props = CALDAV_N(caldav_inbox_props),
    .reports = caldav_inbox_reports,
    .n_reports = CALDAV_N(caldav_inbox_reports),
    .put_check = caldav_inbox_put_check,
};

/* RFC 6638 2.1: clients POST to the outbox; nothing is stored in it. */
const struct dav_flavour caldav_flavour_outbox = {
    .kind = STORE_COLL_OUTBOX,
    .name = "outbox",
    .resourcetype = "<CAL:schedule-outbox/>",
    .home = DAV_HOME_CALENDARS,
    .allow_collection = "OPTIONS, PROPFIND, POST",
    .read_only = true,
};
