/*
 * flavour.c: the collection flavours (struct dav_flavour), one per store collection kind.
 *
 * Files are complete here; address books are CardDAV's (protocols/carddav/carddav.c). The
 * calendar entries are stubs that already behave as plain collections with the right
 * resourcetype and record-backed properties; CalDAV (protocols/caldav/) replaces them with
 * tables of its own (put_check, reports, compliance tokens, more properties): see
 * docs/webdav.md.
 */
#include "protocols/webdav/dav-internal.h"

#include <stddef.h>

#include "protocols/carddav/carddav.h" /* carddav_flavour (issue 3) */

#define N_COLL DAV_NODE_BIT(DAV_NODE_COLLECTION)

static bool dav_get_description(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_xml_escaped(sb, pc->target->coll.description);
    return true;
}

static bool dav_get_color(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    if (pc->target->coll.color.len == 0) {
        return false;
    }
    strbuf_append_xml_escaped(sb, pc->target->coll.color);
    return true;
}

/* RFC 4791 5.2.3 */
static bool dav_get_components(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    static const char *const names[] = { "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY" };
    uint32_t comps = pc->target->coll.components;
    for (size_t i = 0; i < 4; i++) {
        if (comps & (1u << i)) {
            strbuf_appendf(sb, "<CAL:comp name=\"%s\"/>", names[i]);
        }
    }
    return true;
}

static const struct dav_live_prop dav_calendar_props[] = {
    { DAV_NS_CALDAV, "calendar-description", N_COLL, false, true, dav_get_description },
    { DAV_NS_APPLE, "calendar-color", N_COLL, false, true, dav_get_color },
    { DAV_NS_CALDAV, "supported-calendar-component-set", N_COLL, false, false, dav_get_components },
};

static const struct dav_flavour dav_flavour_files = {
    .kind = STORE_COLL_FILES,
    .name = "files",
    .home = DAV_HOME_FILES,
    .default_type = "application/octet-stream",
    .paths = true,
};

/* Stub until CalDAV: compliance "calendar-access", reports, put_check come with it.
 * iOS wants exactly <collection/><CAL:calendar/> (CLIENTS.md A1). */
static const struct dav_flavour dav_flavour_calendar = {
    .kind = STORE_COLL_CALENDAR,
    .name = "calendar",
    .resourcetype = "<CAL:calendar/>",
    .mkcol_ns = DAV_NS_CALDAV,
    .mkcol_name = "calendar",
    .home = DAV_HOME_CALENDARS,
    .default_type = "text/calendar; charset=utf-8",
    .props = dav_calendar_props,
    .n_props = sizeof(dav_calendar_props) / sizeof(dav_calendar_props[0]),
};

static const struct dav_flavour dav_flavour_inbox = {
    .kind = STORE_COLL_INBOX,
    .name = "inbox",
    .resourcetype = "<CAL:schedule-inbox/>",
    .home = DAV_HOME_CALENDARS,
    .default_type = "text/calendar; charset=utf-8",
};

/* RFC 6638 2.1: clients POST to the outbox; nothing is stored in it. */
static const struct dav_flavour dav_flavour_outbox = {
    .kind = STORE_COLL_OUTBOX,
    .name = "outbox",
    .resourcetype = "<CAL:schedule-outbox/>",
    .home = DAV_HOME_CALENDARS,
    .read_only = true,
};

static const struct dav_flavour *const dav_flavours[] = {
    /* Address books: protocols/carddav/carddav.c (issue 3). */
    &carddav_flavour,  &dav_flavour_calendar, &dav_flavour_files,
    &dav_flavour_inbox, &dav_flavour_outbox,
};

#define DAV_N_FLAVOURS (sizeof(dav_flavours) / sizeof(dav_flavours[0]))

const struct dav_flavour *dav_flavour_of(enum store_coll_kind kind)
{
    for (size_t i = 0; i < DAV_N_FLAVOURS; i++) {
        if (dav_flavours[i]->kind == kind) {
            return dav_flavours[i];
        }
    }
    return &dav_flavour_files;
}

const struct dav_flavour *dav_flavour_at(size_t i)
{
    return i < DAV_N_FLAVOURS ? dav_flavours[i] : NULL;
}

const struct dav_flavour *dav_flavour_for_mkcol(enum dav_home home, const struct dav_mkcol *m)
{
    for (size_t i = 0; i < DAV_N_FLAVOURS; i++) {
        const struct dav_flavour *f = dav_flavours[i];
        if (f->home != home || f->mkcol_name == NULL) {
            continue;
        }
        for (size_t j = 0; j < m->n_types; j++) {
            if (str_view_eq(m->types[j].ns, str_view_of(f->mkcol_ns)) &&
                str_view_eq(m->types[j].name, str_view_of(f->mkcol_name))) {
                return f;
            }
        }
    }
    return NULL;
}
