/*
 * caldav-internal.h: the CalDAV engine's private interface, shared by the files of
 * protocols/caldav/. Two layers:
 *
 *   1. iCalendar work that knows no DAV (unit-tested and fuzzed without a server):
 *      ical_check.c  parse + validate a PUT body (RFC 4791 4.1, 5.3.2.1), resolve TZIDs
 *                    (VTIMEZONE in the object, system zones, Windows names);
 *      time_range.c  our own recurrence expansion (RRULE, RDATE, EXDATE, RECURRENCE-ID
 *                    overrides: libical's iterator ignores overrides, libical#314),
 *                    bounded in instances, iterations and time, and the first/last span
 *                    stored as the store's time-range record;
 *      filter.c      the calendar-query filter tree (RFC 4791 9.7) and its evaluation;
 *      calendar_data.c  calendar-data output: expand, limit-recurrence-set, comp/prop
 *                    selection (RFC 4791 9.6).
 *   2. DAV glue (needs protocols/webdav/dav-internal.h): flavours and live properties
 *      (caldav.c), the reports, MKCALENDAR, the outbox POST, scheduling, contact dates.
 *
 * Memory: a parsed object's libical tree is freed by a cleanup on the arena it was parsed
 * into (arena_on_free), so request code never frees it by hand.
 */
#ifndef KITH_CALDAV_INTERNAL_H
#define KITH_CALDAV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libical/ical.h>

#include "src/strbuf.h"

struct arena;

/* ---------------------------------------------------------------- limits */

#define CALDAV_MAX_RESOURCE_SIZE (1u << 20) /* max-resource-size (RFC 4791 5.2.5) */
#define CALDAV_MAX_INSTANCES     10000     /* instances one object yields (max-instances) */
#define CALDAV_MAX_ITERATIONS    200000    /* recurrence iterator steps per object */
#define CALDAV_BUDGET_MS         200       /* wall time one object's expansion may take */
#define CALDAV_MAX_COMPONENTS    1000      /* components (overrides) in one object */
#define CALDAV_MAX_RDATES        20000     /* RDATE/EXDATE values considered */
#define CALDAV_MIN_DATE          "19000101T000000Z" /* min-date-time (RFC 4791 5.2.6) */
#define CALDAV_MAX_DATE          "20991231T235959Z" /* max-date-time (RFC 4791 5.2.7) */

/* ---------------------------------------------------------------- objects (ical_check.c) */

/* One parsed calendar object resource. */
struct caldav_object {
    icalcomponent *root;   /* the VCALENDAR; freed with the arena it was parsed into */
    icalcomponent_kind kind; /* VEVENT, VTODO, VJOURNAL or VFREEBUSY */
    unsigned comp_bit;     /* enum store_comp bit of kind */
    const char *uid;       /* the UID every component shares */
    icalcomponent *master; /* the component without RECURRENCE-ID; NULL if only overrides */
    bool has_organizer;    /* some component names an ORGANIZER */
};

/* Why a body was refused: an RFC 4791 precondition element (with the CAL prefix of the
 * DAV response writer) and a log detail. */
struct caldav_refusal {
    int status;               /* 403, 409, 413, 415 */
    const char *precondition; /* "<CAL:valid-calendar-data/>" ... */
    const char *detail;
};

/* Parse body into a (arena-owned) object without the collection checks. ERR_INVAL for
 * anything that is not one VCALENDAR with one UID. */
int caldav_object_parse(struct arena *a, struct str_view body, struct caldav_object *out);

/* Parse and validate a PUT body for a collection that allows components (enum store_comp
 * bits): size, syntax, one UID across components, allowed type, resolvable TZIDs.
 * 0 with *out filled, or ERR_INVAL / ERR_TOO_LARGE / ERR_UNSUPPORTED with *why filled. */
int caldav_ical_check(struct arena *a, struct str_view body, unsigned components,
        struct caldav_object *out, struct caldav_refusal *why);

/* The zone a TZID names in root: a VTIMEZONE of the object, a system zone (also behind a
 * "/vendor/.../Area/City" prefix), or a Windows zone name mapped to IANA. NULL if none. */
icaltimezone *caldav_tz_find(icalcomponent *root, const char *tzid);
/* IANA name of a Windows zone name ("W. Europe Standard Time" -> "Europe/Berlin"). */
const char *caldav_tz_windows(const char *name);

/* The UTC seconds of a DATE or DATE-TIME property value in root (TZID resolved; floating
 * and unresolvable times taken as UTC). *tt_out (may be NULL) gets the value with its zone. */
int64_t caldav_prop_time(icalcomponent *root, icalproperty *p, struct icaltimetype *tt_out);
/* As caldav_prop_time for an icaltimetype whose zone is named by tzid (may be NULL). */
int64_t caldav_time_utc(icalcomponent *root, struct icaltimetype tt, const char *tzid,
        icaltimezone **zone_out);

/* ---------------------------------------------------------------- instances (time_range.c) */

/* How an instance is matched against a time-range (RFC 4791 9.9, one row of its tables). */
enum caldav_shape {
    CALDAV_SHAPE_NEVER = 0,   /* VJOURNAL without DTSTART */
    CALDAV_SHAPE_ALWAYS,      /* VTODO without any date */
    CALDAV_SHAPE_SPAN,        /* start < b AND end > a */
    CALDAV_SHAPE_POINT,       /* start <= a AND end > a */
    CALDAV_SHAPE_TODO_DUE,    /* DTSTART a, DUE b */
    CALDAV_SHAPE_TODO_DUR,    /* DTSTART a, DTSTART+DURATION b */
    CALDAV_SHAPE_DUE_ONLY,    /* start < b AND end >= b */
    CALDAV_SHAPE_DONE,        /* CREATED a and/or COMPLETED b (INT64_MIN when absent) */
    CALDAV_SHAPE_CREATED,     /* end > a */
};

struct caldav_instance {
    enum caldav_shape shape;
    int64_t a, b;          /* UTC seconds, meaning per shape (start and end for SPAN) */
    int64_t rid;           /* UTC seconds of the instance's original start (RECURRENCE-ID) */
    icalcomponent *comp;   /* the master or the override it comes from */
    bool is_override;
};

struct caldav_expand_stats {
    size_t instances;
    bool truncated;        /* a limit (instances, iterations, time) cut the expansion */
    bool unbounded;        /* the recurrence set has no end */
};

typedef int caldav_instance_fn(void *ctx, const struct caldav_instance *in);

/* Call fn for each instance of obj that may overlap [from, to) (INT64_MIN/INT64_MAX for
 * open ends), in start order, overrides replacing the instances they name and EXDATEs
 * removed. Bounded by CALDAV_MAX_INSTANCES, _ITERATIONS and _BUDGET_MS (stats->truncated).
 * A non-zero return from fn stops and is returned. stats may be NULL. */
int caldav_expand(const struct caldav_object *obj, int64_t from, int64_t to,
        caldav_instance_fn *fn, void *ctx, struct caldav_expand_stats *stats);

/* RFC 4791 9.9: does the instance overlap [from, to)? */
bool caldav_instance_overlaps(const struct caldav_instance *in, int64_t from, int64_t to);

/* The span to store as the resource's time-range record: a superset of every instance
 * ([*start, *end), INT64_MAX end for unbounded or cut-off sets; an empty span at
 * INT64_MIN for objects no range matches). */
void caldav_object_span(const struct caldav_object *obj, int64_t *start_out, int64_t *end_out);

/* Whether any instance of obj overlaps [from, to). */
bool caldav_object_overlaps(const struct caldav_object *obj, int64_t from, int64_t to);

/* "20260301T000000Z" -> UTC seconds; false when malformed. */
bool caldav_parse_utc(struct str_view text, int64_t *out);
/* UTC seconds -> "20260301T000000Z" into buf (at least 17 bytes). */
void caldav_format_utc(int64_t t, char *buf, size_t size);

/* ---------------------------------------------------------------- instance index */

/* The instance index (instance_index.c) kept beside each calendar object as a private
 * dead property that PROPFIND never lists: a calendar-query decides a time-range without
 * parsing the object when the range lies inside the indexed window. */
#define CALDAV_IX_NS     "urn:kith:internal"
#define CALDAV_IX_QNAME  "{urn:kith:internal}instances"
#define CALDAV_IX_MAX    4000              /* instances listed at most, else parse */
#define CALDAV_IX_PAST   (400 * 86400LL)   /* window before the PUT time */
#define CALDAV_IX_FUTURE (1100 * 86400LL)  /* window after it (three years) */

struct caldav_index {
    unsigned comp_bit;    /* enum store_comp bit of the object's components */
    bool listed;          /* instances are listed (else every range needs the parse) */
    int64_t lo, hi;       /* the window the list is exact for */
    uint32_t n;
    const uint8_t *data, *end;
};

/* Append the index record of obj, stored with revision rev, to sb; now is the centre of
 * the window for recurrence sets without end. */
void caldav_index_build(const struct caldav_object *obj, uint64_t rev, int64_t now,
        struct strbuf *sb);
/* Decode a record; false when malformed or written for another revision than rev. */
bool caldav_index_read(struct str_view value, uint64_t rev, struct caldav_index *out);
/* Whether an instance overlaps [from, to) (RFC 4791 9.9): 1 yes, 0 no, -1 unknown
 * (outside the window, not listed): parse the object. */
int caldav_index_overlaps(const struct caldav_index *ix, int64_t from, int64_t to);

/* ---------------------------------------------------------------- alarms */

/* Whether a VALARM of comp (an instance starting at inst_start, ending at inst_end)
 * triggers inside [from, to) (RFC 4791 9.9 VALARM row, REPEAT included). */
bool caldav_alarm_in_range(icalcomponent *root, icalcomponent *alarm, int64_t inst_start,
        int64_t inst_end, int64_t from, int64_t to);

#endif
