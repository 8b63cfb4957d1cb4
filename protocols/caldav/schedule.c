/*
 * schedule.c: implicit scheduling between the server's own users (RFC 6638 3.2, MAPPING.md
 * 3.4 S1-S7), run inside the request's one write transaction so a failure changes nothing.
 *
 * Roles come from the calendar's owner: the owner's e-mail equals the ORGANIZER address
 * (organizer), or one ATTENDEE address (attendee). Local users are found by e-mail.
 *   - Organizer PUT: each local attendee gets a REQUEST in their inbox, and the object is
 *     also filed into their calendar holding that UID, or their default "tasks"/"calendar"
 *     (S2: task apps never read inboxes); SCHEDULE-STATUS 1.2 on the organizer's copy,
 *     5.3 for external addresses (S5); attendees dropped since the last version get a
 *     CANCEL and their copy turns STATUS:CANCELLED (S6). SCHEDULE-AGENT=CLIENT or NONE
 *     leaves an attendee to the client (no double invitations, CLIENTS.md A1 Outlook).
 *   - Attendee PUT: ORGANIZER/ATTENDEE dropped by the client are re-attached (S3); a STATUS
 *     change of a task without a PARTSTAT change, or a task sent back with a stale
 *     PARTSTAT=NEEDS-ACTION, gets PARTSTAT from STATUS (S3); a PARTSTAT or task
 *     progress change becomes a REPLY in the organizer's inbox and updates the organizer's
 *     copy: PARTSTAT, and for a task with one assignee STATUS, PERCENT-COMPLETE and
 *     COMPLETED too (S4).
 *   - DELETE: by the organizer, CANCEL to every attendee; by an attendee, REPLY DECLINED.
 * Schedule-Tag (RFC 6638 3.2.10) changes only when the organizer's data changes, so it is
 * computed, not stored: a hash of the object without what attendees and clients change
 * (PARTSTAT, SCHEDULE-STATUS, task progress, DTSTAMP, LAST-MODIFIED). It is sent in the
 * PUT answer and checked for If-Schedule-Tag-Match.
 */
#include "protocols/caldav/caldav.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "protocols/caldav/caldav-filter.h"
#include "src/arena.h"
#include "src/err.h"

struct caldav_sched {
    struct dav_request *dr;
    struct store_txn *txn;
    struct arena *a;
    struct str_view owner;  /* the calendar's owner: the calendar user acting */
    const char *owner_mail; /* their e-mail, NUL-terminated; "" when none */
};

/* ---------------------------------------------------------------- addresses */

static const char *caldav_mail_of(const char *cal_address)
{
    if (cal_address == NULL) {
        return "";
    }
    return strncasecmp(cal_address, "mailto:", 7) == 0 ? cal_address + 7 : cal_address;
}

static bool caldav_is_owner(const struct caldav_sched *s, const char *cal_address)
{
    return s->owner_mail[0] != '\0' && strcasecmp(caldav_mail_of(cal_address), s->owner_mail) == 0;
}

/* SCHEDULE-AGENT=CLIENT or NONE (RFC 6638 7.1): the server must not schedule this one. */
static bool caldav_server_schedules(icalproperty *att)
{
    for (icalparameter *par = icalproperty_get_first_parameter(att, ICAL_ANY_PARAMETER); par;
            par = icalproperty_get_next_parameter(att, ICAL_ANY_PARAMETER)) {
        const char *text = icalparameter_as_ical_string(par);
        if (text != NULL && strncasecmp(text, "SCHEDULE-AGENT=", 15) == 0) {
            return strcasecmp(text + 15, "SERVER") == 0;
        }
    }
    return true;
}

static void caldav_set_xparam(icalproperty *p, const char *name, const char *value)
{
    /* SCHEDULE-STATUS is a known parameter to newer libicals only: remove by name. */
    for (icalparameter *par = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER); par;) {
        icalparameter *next = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER);
        const char *text = icalparameter_as_ical_string(par);
        size_t n = strlen(name);
        if (text != NULL && strncasecmp(text, name, n) == 0 && text[n] == '=') {
            icalproperty_remove_parameter_by_ref(p, par);
        }
        par = next;
    }
    if (value != NULL) {
        icalparameter *par = icalparameter_new_x(value);
        icalparameter_set_xname(par, name);
        icalproperty_add_parameter(p, par);
    }
}

/* PARTSTAT as written ("IN-PROCESS"): libical 3.0 spells its enum INPROCESS. */
static const char *caldav_partstat(icalproperty *att)
{
    icalparameter *par = icalproperty_get_first_parameter(att, ICAL_PARTSTAT_PARAMETER);
    const char *text = par ? icalparameter_as_ical_string(par) : NULL;
    const char *eq = text ? strchr(text, '=') : NULL;
    return eq ? eq + 1 : "NEEDS-ACTION";
}

static void caldav_set_partstat(icalproperty *att, const char *value)
{
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", value);
    icalproperty_remove_parameter_by_kind(att, ICAL_PARTSTAT_PARAMETER);
    icalparameter *par = icalparameter_new_partstat(ICAL_PARTSTAT_X);
    icalparameter_set_xvalue(par, copy);
    icalproperty_add_parameter(att, par);
}

/* The ATTENDEE of c whose address is mail, or NULL. */
static icalproperty *caldav_attendee(icalcomponent *c, const char *mail)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); p;
            p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
        if (strcasecmp(caldav_mail_of(icalproperty_get_attendee(p)), mail) == 0) {
            return p;
        }
    }
    return NULL;
}

static const char *caldav_organizer(icalcomponent *c)
{
    icalproperty *p = c ? icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY) : NULL;
    return p ? icalproperty_get_organizer(p) : NULL;
}

/* The component scheduling reads: the master, else the first override. */
static icalcomponent *caldav_main(const struct caldav_object *obj)
{
    return obj->master ? obj->master : icalcomponent_get_first_component(obj->root, obj->kind);
}

/* ---------------------------------------------------------------- storing copies */

static char *caldav_text(struct arena *a, icalcomponent *root)
{
    char *s = icalcomponent_as_ical_string_r(root);
    char *out = arena_strdup(a, s ? s : "");
    free(s);
    return out;
}

/* Store text as the object uid in collection c (replacing the resource with that UID, or
 * under a name made from the UID), with its time-range record and the Schedule-Tag. */
static int caldav_file(struct caldav_sched *s, const struct store_collection *c, const char *uid,
        const char *text)
{
    struct caldav_object obj;
    int rc = caldav_object_parse(s->a, str_view_of(text), &obj);
    if (rc != 0) {
        return rc;
    }
    struct store_resource old;
    struct str_view name = caldav_name_for_uid(s->a, uid);
    if (store_resource_find_uid(s->txn, c->id, str_view_of(uid), &old) == 0) {
        name = str_view_make(str_view_dup(s->a, old.name), old.name.len);
    }
    struct store_put put = {
        .name = name,
        .content_type = STR_VIEW_LIT("text/calendar; charset=utf-8"),
        .uid = str_view_of(uid),
        .body = str_view_of(text),
        .has_timerange = true,
    };
    caldav_object_span(&obj, &put.tr_start, &put.tr_end);
    return store_resource_put(s->txn, c->id, &put, NULL, NULL);
}

struct caldav_find_uid {
    struct store_txn *txn;
    const char *uid;
    unsigned comp_bit;
    struct store_collection found, fallback;
    bool has_found, has_fallback;
    struct arena *a;
};

static int caldav_find_uid_cb(void *ctx, const struct store_collection *c)
{
    struct caldav_find_uid *f = ctx;
    struct store_resource r;
    if (!f->has_found && store_resource_find_uid(f->txn, c->id, str_view_of(f->uid), &r) == 0) {
        f->found = *c;
        f->has_found = true;
    }
    bool takes = c->components == 0 || (c->components & f->comp_bit);
    bool dflt = str_view_eq(c->slug, f->comp_bit == STORE_COMP_VTODO ? STR_VIEW_LIT("tasks")
                                                                     : STR_VIEW_LIT("calendar"));
    if (takes && !(c->flags & STORE_COLL_READONLY) && (!f->has_fallback || dflt)) {
        f->fallback = *c;
        f->has_fallback = true;
    }
    return 0;
}

/* The calendar of user holding uid (found), else their default one for the component. */
static int caldav_user_calendar(struct caldav_sched *s, struct str_view user, const char *uid,
        unsigned comp_bit, bool create, struct store_collection *out)
{
    struct caldav_find_uid f = { .txn = s->txn, .uid = uid, .comp_bit = comp_bit, .a = s->a };
    int rc = store_collection_list(s->txn, user, STORE_COLL_CALENDAR, caldav_find_uid_cb, &f);
    if (rc != 0) {
        return rc;
    }
    if (f.has_found) {
        *out = f.found;
        return 0;
    }
    if (create && f.has_fallback) {
        *out = f.fallback;
        return 0;
    }
    return ERR_NOT_FOUND;
}

static int caldav_to_inbox(struct caldav_sched *s, struct str_view user, const char *uid,
        icalcomponent *root, icalproperty_method method)
{
    struct store_collection inbox;
    if (store_collection_get(s->txn, STORE_COLL_INBOX, user, STR_VIEW_LIT("inbox"), &inbox) != 0) {
        return 0; /* a user without an inbox still gets the filed copy */
    }
    icalcomponent *msg = icalcomponent_new_clone(root);
    icalproperty *m;
    while ((m = icalcomponent_get_first_property(msg, ICAL_METHOD_PROPERTY)) != NULL) {
        icalcomponent_remove_property(msg, m);
        icalproperty_free(m);
    }
    icalcomponent_add_property(msg, icalproperty_new_method(method));
    char *text = caldav_text(s->a, msg);
    icalcomponent_free(msg);
    return caldav_file(s, &inbox, uid, text);
}

/* ---------------------------------------------------------------- organizer side */

static void caldav_strip_status(icalcomponent *root, icalcomponent_kind kind)
{
    icalcompiter it = icalcomponent_begin_component(root, kind);
    for (icalcomponent *c; (c = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY); p;
                p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
            caldav_set_xparam(p, "SCHEDULE-STATUS", NULL);
        }
    }
}

static int caldav_request(struct caldav_sched *s, const struct caldav_object *obj,
        struct str_view user)
{
    icalcomponent *copy = icalcomponent_new_clone(obj->root);
    caldav_strip_status(copy, obj->kind);
    struct store_collection cal;
    int rc = caldav_user_calendar(s, user, obj->uid, obj->comp_bit, true, &cal);
    if (rc == 0) {
        rc = caldav_file(s, &cal, obj->uid, caldav_text(s->a, copy));
    } else if (rc == ERR_NOT_FOUND) {
        rc = 0; /* no calendar takes this component: the inbox copy is all they get */
    }
    if (rc == 0) {
        rc = caldav_to_inbox(s, user, obj->uid, copy, ICAL_METHOD_REQUEST);
    }
    icalcomponent_free(copy);
    return rc;
}

static void caldav_set_status_all(icalcomponent *root, icalcomponent_kind kind,
        enum icalproperty_status st)
{
    icalcompiter it = icalcomponent_begin_component(root, kind);
    for (icalcomponent *c; (c = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        icalcomponent_set_status(c, st);
    }
}

/* RFC 6638 3.2.1.3 (S6): the attendee's copy is kept, marked cancelled. */
static int caldav_cancel(struct caldav_sched *s, const struct caldav_object *obj,
        struct str_view user)
{
    struct store_collection cal;
    int rc = caldav_user_calendar(s, user, obj->uid, obj->comp_bit, false, &cal);
    if (rc == 0) {
        struct store_resource r;
        struct caldav_object copy;
        rc = store_resource_find_uid(s->txn, cal.id, str_view_of(obj->uid), &r);
        if (rc == 0) {
            rc = store_resource_get(s->txn, cal.id, r.name, true, &r);
        }
        if (rc == 0 && caldav_object_parse(s->a, r.body, &copy) == 0) {
            caldav_set_status_all(copy.root, copy.kind, ICAL_STATUS_CANCELLED);
            rc = caldav_file(s, &cal, obj->uid, caldav_text(s->a, copy.root));
        }
    }
    if (rc == ERR_NOT_FOUND) {
        rc = 0;
    }
    icalcomponent *msg = icalcomponent_new_clone(obj->root);
    caldav_strip_status(msg, obj->kind);
    caldav_set_status_all(msg, obj->kind, ICAL_STATUS_CANCELLED);
    if (rc == 0) {
        rc = caldav_to_inbox(s, user, obj->uid, msg, ICAL_METHOD_CANCEL);
    }
    icalcomponent_free(msg);
    return rc;
}

/* The local user behind an address (not the owner), or false. */
static bool caldav_local(struct caldav_sched *s, const char *address, struct str_view *user_out)
{
    struct store_user u;
    const char *mail = caldav_mail_of(address);
    if (mail[0] == '\0' || strchr(mail, '@') == NULL || caldav_is_owner(s, address) ||
            store_user_find_by_email(s->txn, str_view_of(mail), &u) != 0) {
        return false;
    }
    *user_out = str_view_make(str_view_dup(s->a, u.name), u.name.len);
    return true;
}

static int caldav_organizer_put(struct caldav_sched *s, struct caldav_object *obj,
        const struct caldav_object *old)
{
    icalcomponent *main = caldav_main(obj);
    int rc = 0;
    for (icalproperty *att = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
            att && rc == 0; att = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        const char *addr = icalproperty_get_attendee(att);
        struct str_view user;
        if (caldav_is_owner(s, addr) || !caldav_server_schedules(att)) {
            continue;
        }
        if (caldav_local(s, addr, &user)) {
            caldav_set_xparam(att, "SCHEDULE-STATUS", "1.2"); /* delivered */
            rc = caldav_request(s, obj, user);
        } else {
            caldav_set_xparam(att, "SCHEDULE-STATUS", "5.3"); /* no iMIP yet */
        }
    }
    icalcomponent *old_main = old && old->root ? caldav_main(old) : NULL;
    for (icalproperty *att = old_main ? icalcomponent_get_first_property(old_main,
                                                ICAL_ATTENDEE_PROPERTY)
                                      : NULL;
            att && rc == 0;
            att = icalcomponent_get_next_property(old_main, ICAL_ATTENDEE_PROPERTY)) {
        const char *addr = icalproperty_get_attendee(att);
        struct str_view user;
        if (caldav_attendee(main, caldav_mail_of(addr)) == NULL && caldav_server_schedules(att) &&
                caldav_local(s, addr, &user)) {
            rc = caldav_cancel(s, old, user);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- attendee side */

static const char *caldav_status_text(icalcomponent *c)
{
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_STATUS_PROPERTY);
    return p ? icalproperty_get_value_as_string(p) : "";
}

/* S3: a task client that only changes STATUS (tasks.org) still answers the assignment. A
 * client that never re-reads what the server stored (vdirsyncer keeps its own file after
 * an upload) sends back its stale PARTSTAT=NEEDS-ACTION with the next change: that is no
 * answer either, so STATUS decides again rather than undo the attendee's progress. */
static void caldav_derive_partstat(icalcomponent *main, icalcomponent *old_main, icalproperty *me,
        icalproperty *old_me)
{
    if (icalcomponent_isa(main) != ICAL_VTODO_COMPONENT || old_me == NULL) {
        return;
    }
    bool kept = strcmp(caldav_partstat(me), caldav_partstat(old_me)) == 0;
    bool stale = !kept && strcasecmp(caldav_partstat(me), "NEEDS-ACTION") == 0;
    bool status_changed = strcmp(caldav_status_text(main), caldav_status_text(old_main)) != 0;
    if (!stale && !(kept && status_changed)) {
        return;
    }
    switch (icalcomponent_get_status(main)) {
    case ICAL_STATUS_INPROCESS:
        caldav_set_partstat(me, "IN-PROCESS");
        break;
    case ICAL_STATUS_COMPLETED:
        caldav_set_partstat(me, "COMPLETED");
        break;
    case ICAL_STATUS_CANCELLED:
        caldav_set_partstat(me, "DECLINED");
        break;
    default:
        break;
    }
}

/* S3: clients that drop ORGANIZER/ATTENDEE (opentasks#713) get them back from old. */
static void caldav_reattach(icalcomponent *main, icalcomponent *old_main)
{
    if (old_main == NULL || icalcomponent_get_first_property(main, ICAL_ORGANIZER_PROPERTY)) {
        return;
    }
    icalproperty *org = icalcomponent_get_first_property(old_main, ICAL_ORGANIZER_PROPERTY);
    if (org == NULL) {
        return;
    }
    icalcomponent_add_property(main, icalproperty_new_clone(org));
    if (icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY) == NULL) {
        for (icalproperty *p = icalcomponent_get_first_property(old_main, ICAL_ATTENDEE_PROPERTY);
                p; p = icalcomponent_get_next_property(old_main, ICAL_ATTENDEE_PROPERTY)) {
            icalcomponent_add_property(main, icalproperty_new_clone(p));
        }
    }
}

static void caldav_copy_prop(icalcomponent *to, icalcomponent *from, icalproperty_kind k)
{
    icalproperty *p;
    while ((p = icalcomponent_get_first_property(to, k)) != NULL) {
        icalcomponent_remove_property(to, p);
        icalproperty_free(p);
    }
    p = icalcomponent_get_first_property(from, k);
    if (p != NULL) {
        icalcomponent_add_property(to, icalproperty_new_clone(p));
    }
}

/* S4: the organizer's copy learns the attendee's answer (and a lone assignee's progress). */
static int caldav_reply(struct caldav_sched *s, const struct caldav_object *obj,
        icalcomponent *main, icalproperty *me, struct str_view organizer)
{
    struct store_collection cal;
    int rc = caldav_user_calendar(s, organizer, obj->uid, obj->comp_bit, false, &cal);
    struct store_resource r;
    struct caldav_object theirs;
    if (rc == 0) {
        rc = store_resource_find_uid(s->txn, cal.id, str_view_of(obj->uid), &r);
    }
    if (rc == 0) {
        rc = store_resource_get(s->txn, cal.id, r.name, true, &r);
    }
    if (rc == 0 && caldav_object_parse(s->a, r.body, &theirs) == 0 && theirs.master) {
        icalcomponent *om = theirs.master;
        icalproperty *them = caldav_attendee(om, s->owner_mail);
        if (them != NULL) {
            caldav_set_partstat(them, caldav_partstat(me));
        }
        if (obj->kind == ICAL_VTODO_COMPONENT &&
                icalcomponent_count_properties(om, ICAL_ATTENDEE_PROPERTY) == 1) {
            caldav_copy_prop(om, main, ICAL_STATUS_PROPERTY);
            caldav_copy_prop(om, main, ICAL_PERCENTCOMPLETE_PROPERTY);
            caldav_copy_prop(om, main, ICAL_COMPLETED_PROPERTY);
        }
        rc = caldav_file(s, &cal, obj->uid, caldav_text(s->a, theirs.root));
    }
    if (rc == ERR_NOT_FOUND) {
        rc = 0; /* the organizer deleted it meanwhile: the inbox REPLY still tells them */
    }
    if (rc == 0) {
        icalcomponent *msg = icalcomponent_new_clone(obj->root);
        rc = caldav_to_inbox(s, organizer, obj->uid, msg, ICAL_METHOD_REPLY);
        icalcomponent_free(msg);
    }
    return rc;
}

static bool caldav_progress_changed(icalcomponent *main, icalcomponent *old_main)
{
    static const icalproperty_kind kinds[] = { ICAL_STATUS_PROPERTY, ICAL_PERCENTCOMPLETE_PROPERTY,
        ICAL_COMPLETED_PROPERTY };
    for (size_t i = 0; i < 3; i++) {
        icalproperty *a = icalcomponent_get_first_property(main, kinds[i]);
        icalproperty *b = old_main ? icalcomponent_get_first_property(old_main, kinds[i]) : NULL;
        const char *va = a ? icalproperty_get_value_as_string(a) : "";
        char *va_copy = strdup(va ? va : "");
        const char *vb = b ? icalproperty_get_value_as_string(b) : "";
        bool diff = va_copy == NULL || strcmp(va_copy, vb ? vb : "") != 0;
        free(va_copy);
        if (diff) {
            return true;
        }
    }
    return false;
}

static int caldav_attendee_put(struct caldav_sched *s, struct caldav_object *obj,
        const struct caldav_object *old, const char *organizer)
{
    struct str_view org_user;
    icalcomponent *main = caldav_main(obj);
    icalproperty *me = caldav_attendee(main, s->owner_mail);
    if (me == NULL || !caldav_local(s, organizer, &org_user)) {
        return 0; /* not invited here, or an external organizer (no iMIP yet) */
    }
    icalcomponent *old_main = old && old->root ? caldav_main(old) : NULL;
    icalproperty *old_me = old_main ? caldav_attendee(old_main, s->owner_mail) : NULL;
    caldav_derive_partstat(main, old_main, me, old_me);
    bool answered = old_me == NULL || strcmp(caldav_partstat(me), caldav_partstat(old_me)) != 0;
    bool progress = obj->kind == ICAL_VTODO_COMPONENT && caldav_progress_changed(main, old_main);
    if (!answered && !progress) {
        return 0;
    }
    return caldav_reply(s, obj, main, me, org_user);
}

/* ---------------------------------------------------------------- Schedule-Tag */

static uint64_t caldav_fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

static bool caldav_attendee_owned(icalproperty_kind k)
{
    return k == ICAL_STATUS_PROPERTY || k == ICAL_PERCENTCOMPLETE_PROPERTY ||
           k == ICAL_COMPLETED_PROPERTY || k == ICAL_DTSTAMP_PROPERTY ||
           k == ICAL_LASTMODIFIED_PROPERTY || k == ICAL_METHOD_PROPERTY;
}

void caldav_schedule_tag(const struct caldav_object *obj, char *buf, size_t size)
{
    uint64_t h = 14695981039346656037ull;
    icalcompiter it = icalcomponent_begin_component(obj->root, obj->kind);
    for (icalcomponent *c; (c = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        icalcomponent *copy = icalcomponent_new_clone(c);
        icalproperty *p = icalcomponent_get_first_property(copy, ICAL_ANY_PROPERTY);
        while (p != NULL) {
            icalproperty *next = icalcomponent_get_next_property(copy, ICAL_ANY_PROPERTY);
            if (caldav_attendee_owned(icalproperty_isa(p))) {
                icalcomponent_remove_property(copy, p);
                icalproperty_free(p);
            } else if (icalproperty_isa(p) == ICAL_ATTENDEE_PROPERTY) {
                icalproperty_remove_parameter_by_kind(p, ICAL_PARTSTAT_PARAMETER);
                icalproperty_remove_parameter_by_kind(p, ICAL_RSVP_PARAMETER);
                caldav_set_xparam(p, "SCHEDULE-STATUS", NULL);
            }
            p = next;
        }
        char *text = icalcomponent_as_ical_string_r(copy);
        h = caldav_fnv(h, text);
        free(text);
        icalcomponent_free(copy);
    }
    snprintf(buf, size, "\"%016" PRIx64 "\"", h);
}

/* ---------------------------------------------------------------- entry points */

static int caldav_sched_init(struct caldav_sched *s, struct dav_request *dr,
        const struct dav_target *t)
{
    memset(s, 0, sizeof(*s));
    s->dr = dr;
    s->txn = dr->txn;
    s->a = dr->a;
    s->owner = t->coll.owner;
    s->owner_mail = "";
    struct store_user u;
    if (store_user_get(dr->txn, t->coll.owner, &u) == 0) {
        s->owner_mail = str_view_dup(dr->a, u.email);
    }
    return 0;
}

static void caldav_load_old(struct caldav_sched *s, const struct dav_target *t,
        struct caldav_object *old)
{
    memset(old, 0, sizeof(*old));
    struct store_resource r;
    if (t->exists && store_resource_get(s->txn, t->coll.id, t->path.name, true, &r) == 0) {
        caldav_object_parse(s->a, r.body, old);
    }
}

int caldav_schedule_put(struct dav_request *dr, struct dav_put *p, struct caldav_object *obj)
{
    const struct dav_target *t = p->target;
    struct caldav_sched s;
    struct caldav_object old;
    caldav_sched_init(&s, dr, t);
    caldav_load_old(&s, t, &old);
    icalcomponent *main = caldav_main(obj);
    if (obj->kind != ICAL_VEVENT_COMPONENT && obj->kind != ICAL_VTODO_COMPONENT) {
        return 0;
    }
    caldav_reattach(main, old.root ? caldav_main(&old) : NULL);
    const char *organizer = caldav_organizer(main);
    if (organizer == NULL || s.owner_mail[0] == '\0') {
        return 0;
    }
    int rc;
    if (caldav_is_owner(&s, organizer)) {
        rc = caldav_organizer_put(&s, obj, &old);
    } else {
        rc = caldav_attendee_put(&s, obj, &old, organizer);
    }
    if (rc == 0) {
        char tag[32];
        caldav_schedule_tag(obj, tag, sizeof(tag));
        http_header_add(dr->req, "Schedule-Tag", tag);
    }
    if (rc != 0) {
        return dav_fail(dr, rc, "implicit scheduling failed");
    }
    p->put.body = str_view_of(caldav_text(dr->a, obj->root));
    return 0;
}

int caldav_delete_check(struct dav_request *dr, const struct dav_target *t)
{
    if (!t->has_coll || t->coll.kind != STORE_COLL_CALENDAR || t->path.node != DAV_NODE_RESOURCE) {
        return 0;
    }
    if (t->coll.flags & STORE_COLL_READONLY) {
        dav_fail_status(dr, 403, "<D:need-privileges/>", "read-only calendar");
        return ERR_DENIED;
    }
    struct caldav_sched s;
    struct caldav_object obj;
    caldav_sched_init(&s, dr, t);
    caldav_load_old(&s, t, &obj);
    if (obj.root == NULL || !obj.has_organizer || s.owner_mail[0] == '\0') {
        return 0;
    }
    icalcomponent *main = caldav_main(&obj);
    const char *organizer = caldav_organizer(main);
    int rc = 0;
    if (caldav_is_owner(&s, organizer)) {
        for (icalproperty *att = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
                att && rc == 0; att = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
            struct str_view user;
            if (caldav_server_schedules(att) && caldav_local(&s, icalproperty_get_attendee(att), &user)) {
                rc = caldav_cancel(&s, &obj, user);
            }
        }
    } else {
        icalproperty *me = caldav_attendee(main, s.owner_mail);
        struct str_view org_user;
        if (me != NULL && caldav_local(&s, organizer, &org_user)) {
            caldav_set_partstat(me, "DECLINED");
            rc = caldav_reply(&s, &obj, main, me, org_user);
        }
    }
    return rc != 0 ? dav_fail(dr, rc, "implicit scheduling on DELETE failed") : 0;
}
