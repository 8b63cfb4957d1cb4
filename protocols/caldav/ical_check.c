/*
 * ical_check.c: what a calendar object resource must be before it is stored (RFC 4791
 * 4.1, 5.3.2.1): one VCALENDAR, under the size limit, that libical parses without error
 * markers, holding components of one type the collection allows, all with one UID, and
 * whose every TZID names a zone we can resolve. Also the TZID resolver and the time
 * conversion helpers the rest of CalDAV uses.
 */
#include "protocols/caldav/caldav-internal.h"

#include <string.h>
#include <time.h>

#include "src/arena.h"
#include "src/err.h"
#include "storage/store.h"

/* Windows zone names Outlook (CalDavSynchronizer) sends as TZID, mapped to the IANA zone
 * of CLDR's windowsZones "001" territory (aluxnimm/outlookcaldavsynchronizer#66). */
static const struct {
    const char *windows, *iana;
} caldav_windows_zones[] = {
    { "Dateline Standard Time", "Etc/GMT+12" },
    { "Hawaiian Standard Time", "Pacific/Honolulu" },
    { "Alaskan Standard Time", "America/Anchorage" },
    { "Pacific Standard Time", "America/Los_Angeles" },
    { "US Mountain Standard Time", "America/Phoenix" },
    { "Mountain Standard Time", "America/Denver" },
    { "Central America Standard Time", "America/Guatemala" },
    { "Central Standard Time", "America/Chicago" },
    { "Central Standard Time (Mexico)", "America/Mexico_City" },
    { "Canada Central Standard Time", "America/Regina" },
    { "SA Pacific Standard Time", "America/Bogota" },
    { "Eastern Standard Time", "America/New_York" },
    { "US Eastern Standard Time", "America/Indianapolis" },
    { "Venezuela Standard Time", "America/Caracas" },
    { "Atlantic Standard Time", "America/Halifax" },
    { "SA Western Standard Time", "America/La_Paz" },
    { "Pacific SA Standard Time", "America/Santiago" },
    { "Newfoundland Standard Time", "America/St_Johns" },
    { "E. South America Standard Time", "America/Sao_Paulo" },
    { "Argentina Standard Time", "America/Buenos_Aires" },
    { "Greenland Standard Time", "America/Godthab" },
    { "UTC", "Etc/UTC" },
    { "Coordinated Universal Time", "Etc/UTC" },
    { "GMT Standard Time", "Europe/London" },
    { "Greenwich Standard Time", "Atlantic/Reykjavik" },
    { "W. Europe Standard Time", "Europe/Berlin" },
    { "Central Europe Standard Time", "Europe/Budapest" },
    { "Romance Standard Time", "Europe/Paris" },
    { "Central European Standard Time", "Europe/Warsaw" },
    { "W. Central Africa Standard Time", "Africa/Lagos" },
    { "GTB Standard Time", "Europe/Bucharest" },
    { "E. Europe Standard Time", "Europe/Chisinau" },
    { "FLE Standard Time", "Europe/Kiev" },
    { "Egypt Standard Time", "Africa/Cairo" },
    { "South Africa Standard Time", "Africa/Johannesburg" },
    { "Israel Standard Time", "Asia/Jerusalem" },
    { "Turkey Standard Time", "Europe/Istanbul" },
    { "Arabic Standard Time", "Asia/Baghdad" },
    { "Arab Standard Time", "Asia/Riyadh" },
    { "Russian Standard Time", "Europe/Moscow" },
    { "E. Africa Standard Time", "Africa/Nairobi" },
    { "Iran Standard Time", "Asia/Tehran" },
    { "Arabian Standard Time", "Asia/Dubai" },
    { "Pakistan Standard Time", "Asia/Karachi" },
    { "India Standard Time", "Asia/Calcutta" },
    { "Nepal Standard Time", "Asia/Katmandu" },
    { "Bangladesh Standard Time", "Asia/Dhaka" },
    { "SE Asia Standard Time", "Asia/Bangkok" },
    { "China Standard Time", "Asia/Shanghai" },
    { "Singapore Standard Time", "Asia/Singapore" },
    { "Taipei Standard Time", "Asia/Taipei" },
    { "W. Australia Standard Time", "Australia/Perth" },
    { "Korea Standard Time", "Asia/Seoul" },
    { "Tokyo Standard Time", "Asia/Tokyo" },
    { "Cen. Australia Standard Time", "Australia/Adelaide" },
    { "AUS Central Standard Time", "Australia/Darwin" },
    { "E. Australia Standard Time", "Australia/Brisbane" },
    { "AUS Eastern Standard Time", "Australia/Sydney" },
    { "Tasmania Standard Time", "Australia/Hobart" },
    { "New Zealand Standard Time", "Pacific/Auckland" },
};

const char *caldav_tz_windows(const char *name)
{
    for (size_t i = 0; i < sizeof(caldav_windows_zones) / sizeof(caldav_windows_zones[0]); i++) {
        if (strcmp(caldav_windows_zones[i].windows, name) == 0) {
            return caldav_windows_zones[i].iana;
        }
    }
    return NULL;
}

static icaltimezone *caldav_tz_builtin(const char *name)
{
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 || strcmp(name, "GMT") == 0) {
        return icaltimezone_get_utc_timezone();
    }
    /* Zone names are "Area/City" words; anything else cannot be a system zone, and
     * libical would try to open it as a file name. */
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '/' || *p == '_' || *p == '-' || *p == '+')) {
            return NULL;
        }
    }
    if (strstr(name, "..") != NULL || name[0] == '\0' || strlen(name) > 64) {
        return NULL;
    }
    return icaltimezone_get_builtin_timezone(name);
}

icaltimezone *caldav_tz_find(icalcomponent *root, const char *tzid)
{
    if (tzid == NULL || tzid[0] == '\0') {
        return NULL;
    }
    icaltimezone *z = root ? icalcomponent_get_timezone(root, tzid) : NULL;
    if (z != NULL) {
        return z;
    }
    const char *win = caldav_tz_windows(tzid);
    if (win != NULL) {
        return caldav_tz_builtin(win);
    }
    z = caldav_tz_builtin(tzid);
    if (z == NULL && tzid[0] == '/') {
        /* "/mozilla.org/20050126_1/Europe/Berlin", "/citadel.org/.../Europe/Berlin". */
        for (const char *p = tzid + 1; z == NULL && (p = strchr(p, '/')) != NULL; p++) {
            z = caldav_tz_builtin(p + 1);
        }
    }
    return z;
}

int64_t caldav_time_utc(icalcomponent *root, struct icaltimetype tt, const char *tzid,
        icaltimezone **zone_out)
{
    icaltimezone *zone = NULL;
    if (icaltime_is_utc(tt)) {
        zone = icaltimezone_get_utc_timezone();
    } else if (tzid != NULL && !tt.is_date) {
        zone = caldav_tz_find(root, tzid);
    }
    if (zone_out != NULL) {
        *zone_out = zone;
    }
    if (icaltime_is_null_time(tt)) {
        return 0;
    }
    /* Floating times and dates are taken as UTC (no calendar-timezone applied yet). */
    return (int64_t)icaltime_as_timet_with_zone(tt, zone ? zone : icaltimezone_get_utc_timezone());
}

static const char *caldav_prop_tzid(icalproperty *p)
{
    icalparameter *par = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    return par ? icalparameter_get_tzid(par) : NULL;
}

int64_t caldav_prop_time(icalcomponent *root, icalproperty *p, struct icaltimetype *tt_out)
{
    icalvalue *v = icalproperty_get_value(p);
    struct icaltimetype tt = icaltime_null_time();
    if (v != NULL) {
        icalvalue_kind k = icalvalue_isa(v);
        if (k == ICAL_DATETIME_VALUE || k == ICAL_DATE_VALUE) {
            tt = icalvalue_get_datetime(v);
        } else if (k == ICAL_DATETIMEPERIOD_VALUE) {
            struct icaldatetimeperiodtype dp = icalvalue_get_datetimeperiod(v);
            tt = icaltime_is_null_time(dp.time) ? dp.period.start : dp.time;
        } else if (k == ICAL_PERIOD_VALUE) {
            tt = icalvalue_get_period(v).start;
        }
    }
    icaltimezone *zone;
    int64_t t = caldav_time_utc(root, tt, caldav_prop_tzid(p), &zone);
    if (tt_out != NULL) {
        if (zone != NULL && !icaltime_is_null_time(tt)) {
            tt = icaltime_set_timezone(&tt, zone);
        }
        *tt_out = tt;
    }
    return t;
}

/* ---------------------------------------------------------------- parsing */

static void caldav_free_component(void *p)
{
    icalcomponent_free(p);
}

static bool caldav_is_item(icalcomponent_kind k)
{
    return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
           k == ICAL_VJOURNAL_COMPONENT || k == ICAL_VFREEBUSY_COMPONENT;
}

static unsigned caldav_comp_bit(icalcomponent_kind k)
{
    switch (k) {
    case ICAL_VEVENT_COMPONENT:
        return STORE_COMP_VEVENT;
    case ICAL_VTODO_COMPONENT:
        return STORE_COMP_VTODO;
    case ICAL_VJOURNAL_COMPONENT:
        return STORE_COMP_VJOURNAL;
    default:
        return STORE_COMP_VFREEBUSY;
    }
}

/* libical is lenient: it keeps going and leaves X-LIC-ERROR properties where it failed. */
static bool caldav_has_errors(icalcomponent *c, int depth)
{
    if (depth > 8 || icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY) != NULL) {
        return true;
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
            s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        if (caldav_has_errors(s, depth + 1)) {
            return true;
        }
    }
    return false;
}

static int caldav_object_scan(struct caldav_object *out)
{
    size_t n = 0;
    for (icalcomponent *c = icalcomponent_get_first_component(out->root, ICAL_ANY_COMPONENT); c;
            c = icalcomponent_get_next_component(out->root, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        if (!caldav_is_item(k)) {
            continue; /* VTIMEZONE, X- components */
        }
        if (++n > CALDAV_MAX_COMPONENTS) {
            return ERR_TOO_LARGE;
        }
        const char *uid = icalcomponent_get_uid(c);
        if (uid == NULL || uid[0] == '\0') {
            return ERR_INVAL;
        }
        if (out->uid == NULL) {
            out->uid = uid;
            out->kind = k;
        } else if (strcmp(out->uid, uid) != 0 || out->kind != k) {
            return ERR_INVAL; /* RFC 4791 4.1: one UID, one component type */
        }
        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) == NULL) {
            if (out->master != NULL) {
                return ERR_INVAL; /* two masters */
            }
            out->master = c;
        }
        if (icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY) != NULL) {
            out->has_organizer = true;
        }
    }
    if (out->uid == NULL) {
        return ERR_INVAL;
    }
    out->comp_bit = caldav_comp_bit(out->kind);
    return 0;
}

int caldav_object_parse(struct arena *a, struct str_view body, struct caldav_object *out)
{
    memset(out, 0, sizeof(*out));
    if (body.len == 0 || memchr(body.ptr, '\0', body.len) != NULL) {
        return ERR_INVAL;
    }
    char *text = str_view_dup(a, body);
    icalcomponent *root = icalparser_parse_string(text);
    if (root == NULL) {
        return ERR_INVAL;
    }
    arena_on_free(a, caldav_free_component, root);
    if (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
        return ERR_INVAL; /* garbage, or several VCALENDARs (an XROOT) */
    }
    out->root = root;
    return caldav_object_scan(out);
}

/* Every TZID parameter in the object must resolve (RFC 5545 3.2.19). */
static bool caldav_tzids_resolve(icalcomponent *root, icalcomponent *c, int depth)
{
    if (depth > 8) {
        return false;
    }
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
            p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
        const char *tzid = caldav_prop_tzid(p);
        if (tzid != NULL && caldav_tz_find(root, tzid) == NULL) {
            return false;
        }
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
            s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        if (icalcomponent_isa(s) != ICAL_VTIMEZONE_COMPONENT &&
                !caldav_tzids_resolve(root, s, depth + 1)) {
            return false;
        }
    }
    return true;
}

static int caldav_refuse(struct caldav_refusal *why, int status, const char *pre,
        const char *detail, int rc)
{
    why->status = status;
    why->precondition = pre;
    why->detail = detail;
    return rc;
}

int caldav_ical_check(struct arena *a, struct str_view body, unsigned components,
        struct caldav_object *out, struct caldav_refusal *why)
{
    static const char valid[] = "<CAL:valid-calendar-data/>";
    memset(why, 0, sizeof(*why));
    if (body.len > CALDAV_MAX_RESOURCE_SIZE) {
        return caldav_refuse(why, 413, "<CAL:max-resource-size/>", "calendar object too large",
                ERR_TOO_LARGE);
    }
    int rc = caldav_object_parse(a, body, out);
    if (rc == ERR_TOO_LARGE) {
        return caldav_refuse(why, 413, "<CAL:max-resource-size/>", "too many components", rc);
    }
    if (rc != 0) {
        return caldav_refuse(why, 403, valid, "not one iCalendar object with one UID", rc);
    }
    if (caldav_has_errors(out->root, 0)) {
        return caldav_refuse(why, 403, valid, "iCalendar syntax errors", ERR_INVAL);
    }
    if (components != 0 && (components & out->comp_bit) == 0) {
        return caldav_refuse(why, 403, "<CAL:supported-calendar-component/>",
                "component type not allowed in this calendar", ERR_UNSUPPORTED);
    }
    if (!caldav_tzids_resolve(out->root, out->root, 0)) {
        return caldav_refuse(why, 403, valid, "a TZID names no known time zone", ERR_INVAL);
    }
    return 0;
}

/* ---------------------------------------------------------------- UTC text */

bool caldav_parse_utc(struct str_view text, int64_t *out)
{
    /* RFC 4791 9.9: start and end are DATE-TIME in UTC ("Z"). */
    if (text.len != 16 || text.ptr[8] != 'T' || text.ptr[15] != 'Z') {
        return false;
    }
    int f[6];
    static const int at[6] = { 0, 4, 6, 9, 11, 13 }, len[6] = { 4, 2, 2, 2, 2, 2 };
    for (int i = 0; i < 6; i++) {
        f[i] = 0;
        for (int j = 0; j < len[i]; j++) {
            char c = text.ptr[at[i] + j];
            if (c < '0' || c > '9') {
                return false;
            }
            f[i] = f[i] * 10 + (c - '0');
        }
    }
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60) {
        return false;
    }
    struct tm tm = { .tm_year = f[0] - 1900, .tm_mon = f[1] - 1, .tm_mday = f[2],
        .tm_hour = f[3], .tm_min = f[4], .tm_sec = f[5] };
    *out = (int64_t)timegm(&tm);
    return true;
}

void caldav_format_utc(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y%m%dT%H%M%SZ", &tm);
}
