/*
 * caldav-filter.h: the parts of CalDAV that read request XML but write no response:
 * the calendar-query filter tree (filter.c, RFC 4791 9.7) and the calendar-data request
 * (calendar_data.c, RFC 4791 9.6: comp/prop selection, expand, limit-recurrence-set).
 *
 * Both are parsed from the WebDAV core's XML tree into structs in the request arena and
 * then applied to parsed objects (struct caldav_object) as often as needed.
 */
#ifndef KITH_CALDAV_FILTER_H
#define KITH_CALDAV_FILTER_H

#include "protocols/caldav/caldav-internal.h"
#include "protocols/webdav/dav-internal.h"

/* A time-range element; open ends are INT64_MIN / INT64_MAX. */
struct caldav_tr {
    bool set;
    int64_t from, to;
};

struct caldav_text_match {
    struct str_view text;
    bool negate;
    bool octet; /* i;octet; otherwise i;ascii-casemap */
};

struct caldav_param_filter {
    const char *name;
    bool is_not_defined;
    struct caldav_text_match *text; /* may be NULL */
};

struct caldav_prop_filter {
    const char *name;
    bool is_not_defined;
    struct caldav_tr tr;
    struct caldav_text_match *text;
    struct caldav_param_filter *params;
    size_t n_params;
};

struct caldav_comp_filter {
    const char *name;
    icalcomponent_kind kind;
    bool is_not_defined;
    struct caldav_tr tr;
    struct caldav_prop_filter *props;
    size_t n_props;
    struct caldav_comp_filter *comps;
    size_t n_comps;
};

/* Parse <C:filter> (its one comp-filter, which must be VCALENDAR). ERR_INVAL for a
 * malformed filter, ERR_UNSUPPORTED for an unknown collation. Everything lives in a. */
int caldav_filter_parse(struct arena *a, const struct dav_xml_node *filter,
        struct caldav_comp_filter **out);
/* The time-range the index can answer: a single VEVENT/VTODO/VJOURNAL comp-filter with a
 * time-range. false when the query needs every object. */
bool caldav_filter_range(const struct caldav_comp_filter *cf, int64_t *from, int64_t *to);
bool caldav_filter_matches(const struct caldav_comp_filter *cf, const struct caldav_object *obj);
/* Whether the instance index can answer the filter on its own: VCALENDAR with at most one
 * VEVENT/VTODO/VJOURNAL comp-filter holding nothing but an optional time-range. *comp_bit
 * gets the component's enum store_comp bit (0: no comp-filter, every object matches),
 * *tr its time-range. */
bool caldav_filter_simple(const struct caldav_comp_filter *cf, unsigned *comp_bit,
        struct caldav_tr *tr);
bool caldav_text_matches(const struct caldav_text_match *tm, struct str_view value);

/* ---------------------------------------------------------------- calendar-data */

/* <C:comp> selection: NULL lists mean "all" (allprop / allcomp). */
struct caldav_comp_sel {
    const char *name;
    bool all_props, all_comps;
    const char **props;
    size_t n_props;
    struct caldav_comp_sel *comps;
    size_t n_comps;
};

struct caldav_data_req {
    struct caldav_comp_sel *sel;   /* NULL: the whole object */
    struct caldav_tr expand;       /* RFC 4791 9.6.5 */
    struct caldav_tr limit_rs;     /* limit-recurrence-set, 9.6.6 */
};

/* Parse a <C:calendar-data> element of a report's prop. ERR_INVAL when malformed. */
int caldav_data_req_parse(struct arena *a, const struct dav_xml_node *n,
        struct caldav_data_req *out);
/* Whether the request asks for the stored bytes unchanged (no selection, no expansion). */
bool caldav_data_req_verbatim(const struct caldav_data_req *dq);
/* The calendar-data text of obj for dq, appended to sb (not yet XML-escaped). */
void caldav_data_render(const struct caldav_data_req *dq, const struct caldav_object *obj,
        struct strbuf *sb);

/* Rendered calendar-data (already XML-escaped) per (revision, request), render_cache.c:
 * the stored bytes, and expand / limit-recurrence-set; not comp/prop selections. */
struct caldav_render_stats {
    uint64_t hits, misses, clears;
    size_t entries, bytes;
};
bool caldav_render_cache_get(const struct caldav_data_req *dq, uint64_t rev, struct str_view *out);
void caldav_render_cache_put(const struct caldav_data_req *dq, uint64_t rev, struct str_view text);
void caldav_render_cache_clear(void);
struct caldav_render_stats caldav_render_cache_stats(void);

/* ---------------------------------------------------------------- DAV glue */

struct dav_data_hook;
struct dav_put;

/* The calendar-data pseudo-property of reports (calendar_multiget.c). ctx NULL: the body
 * is loaded and parsed per member; a struct caldav_member_ctx supplies a parsed object. */
struct caldav_member_ctx {
    const struct caldav_object *obj; /* parsed body of the member being written, or NULL */
    /* The calendar-data request parsed once per report (in the request arena): every
     * member is asked with the same element. */
    const struct dav_xml_node *elem;
    struct caldav_data_req dq;
};
bool caldav_calendar_data(void *ctx, const struct dav_prop_ctx *pc, const struct dav_xml_node *elem,
        struct strbuf *sb);
extern const struct dav_data_hook caldav_data_hook;

/* struct dav_flavour put_check of calendars (caldav.c) and of the inbox (403). */
int caldav_put_check(struct dav_request *dr, struct dav_put *p);
int caldav_inbox_put_check(struct dav_request *dr, struct dav_put *p);
/* struct dav_flavour after_put of calendars: the instance index of the stored object. */
int caldav_after_put(struct dav_request *dr, const struct dav_put *p,
        const struct store_resource *stored);

/* dav_report_fn handlers. */
void caldav_query_report(struct dav_request *dr, const struct dav_xml_node *body);
void caldav_multiget_report(struct dav_request *dr, const struct dav_xml_node *body);
void caldav_sync_report(struct dav_request *dr, const struct dav_xml_node *body);
void caldav_freebusy_report(struct dav_request *dr, const struct dav_xml_node *body);

/* Implicit scheduling of a PUT (schedule.c): may rewrite p->put.body (SCHEDULE-STATUS,
 * re-attached ORGANIZER/ATTENDEE, derived PARTSTAT) and *obj with it; writes deliveries
 * into other users' collections in dr->txn. 0 or ERR_* with dr->err filled. */
int caldav_schedule_put(struct dav_request *dr, struct dav_put *p, struct caldav_object *obj);

/* The busy periods of user's calendars in [from, to) as FREEBUSY lines appended to sb
 * (freebusy.c); at most CALDAV_MAX_INSTANCES periods. */
int caldav_busy_lines(struct dav_request *dr, struct str_view user, uint64_t only_coll,
        int64_t from, int64_t to, struct strbuf *sb);

/* A resource name for a UID ("<uid>.ics" with unsafe bytes replaced), in a. */
struct str_view caldav_name_for_uid(struct arena *a, const char *uid);
/* The Schedule-Tag of obj, quoted, into buf (at least 20 bytes): unchanged by attendee
 * answers and task progress (RFC 6638 3.2.10). */
void caldav_schedule_tag(const struct caldav_object *obj, char *buf, size_t size);

#endif
