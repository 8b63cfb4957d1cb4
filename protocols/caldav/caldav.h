/*
 * caldav.h: CalDAV (RFC 4791) with scheduling between local users (RFC 6638) as flavours
 * of the WebDAV engine (protocols/webdav/), and the calendar principal properties.
 *
 * The WebDAV core owns the methods; CalDAV plugs in through three flavours that
 * protocols/webdav/flavour.c points the calendar kinds at:
 *   - caldav_flavour_calendar (STORE_COLL_CALENDAR): live properties (component set,
 *     description, colour, limits, supported-calendar-data, transparency), put_check
 *     (ical_check.c validation, no-uid-conflict, the time-range record for the index,
 *     implicit scheduling in schedule.c), reports calendar-query, calendar-multiget,
 *     free-busy-query and sync-collection (carddav/sync_collection.c with our data hook);
 *   - caldav_flavour_inbox (STORE_COLL_INBOX): where deliveries land; clients read and
 *     delete, never PUT; schedule-default-calendar-URL;
 *   - caldav_flavour_outbox (STORE_COLL_OUTBOX): free/busy by POST (caldav_post_handle).
 *
 * Methods the core routes to us: MKCALENDAR (RFC 4791 5.3.1) and POST to an outbox.
 * Scheduling on DELETE needs the core to call caldav_delete_check before it deletes a
 * calendar object (see docs/caldav.md).
 */
#ifndef KITH_CALDAV_H
#define KITH_CALDAV_H

#include <stdbool.h>

#include "src/strbuf.h"

struct dav_request;
struct dav_prop_ctx;
struct dav_target;
struct dav_flavour;
struct store;

extern const struct dav_flavour caldav_flavour_calendar;
extern const struct dav_flavour caldav_flavour_inbox;
extern const struct dav_flavour caldav_flavour_outbox;

/* MKCALENDAR on a calendar-home member path; answers the request. */
void caldav_mkcalendar_handle(struct dav_request *dr);
/* POST to a schedule outbox (RFC 6638 6: VFREEBUSY REQUEST); answers the request. */
void caldav_post_handle(struct dav_request *dr);

/* Before a calendar object resource t is deleted inside dr->txn: implicit scheduling
 * (CANCEL to attendees when the organizer deletes, a DECLINED REPLY when an attendee
 * does) and the read-only rule. 0, or an ERR_* with dr->err filled (the delete must not
 * happen). */
int caldav_delete_check(struct dav_request *dr, const struct dav_target *t);

/* The read-only contact-dates calendar of user (contact_dates.c, MAPPING.md 3.6): bring
 * it up to date with the address books user can read, in a write transaction of its own
 * when they changed since the last time (creating it on first use). */
int caldav_contact_dates_refresh(struct store *s, struct str_view user);
/* Before a request's transaction: refresh the calendar its path can see (the calendar
 * home of a user, or anything under .../contact-dates/); failures are only logged. */
void caldav_contact_dates_prepare(struct dav_request *dr);

/* Principal properties (RFC 6638 2.1-2.4.1), dav_live_prop getters for props.c. */
bool caldav_get_schedule_inbox_url(const struct dav_prop_ctx *pc, struct strbuf *sb);
bool caldav_get_schedule_outbox_url(const struct dav_prop_ctx *pc, struct strbuf *sb);
bool caldav_get_user_address_set(const struct dav_prop_ctx *pc, struct strbuf *sb);
bool caldav_get_user_type(const struct dav_prop_ctx *pc, struct strbuf *sb);

#endif
