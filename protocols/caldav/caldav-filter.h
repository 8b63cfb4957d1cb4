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

#endif
