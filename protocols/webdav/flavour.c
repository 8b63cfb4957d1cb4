/*
 * flavour.c: the collection flavours (struct dav_flavour), one per store collection kind.
 *
 * Files are complete here; address books are CardDAV's (protocols/carddav/carddav.c),
 * calendars and the schedule inbox/outbox CalDAV's (protocols/caldav/caldav.c): see
 * docs/webdav.md and docs/caldav.md.
 */
#include "protocols/webdav/dav-internal.h"

#include <stddef.h>

#include "protocols/caldav/caldav.h"   /* caldav_flavour_* (issue 5) */
#include "protocols/carddav/carddav.h" /* carddav_flavour (issue 3) */

static const struct dav_flavour dav_flavour_files = {
    .kind = STORE_COLL_FILES,
    .name = "files",
    .home = DAV_HOME_FILES,
    .default_type = "application/octet-stream",
    .paths = true,
};

static const struct dav_flavour *const dav_flavours[] = {
    /* Address books: protocols/carddav/carddav.c (issue 3). */
    /* Calendars, schedule inbox and outbox: protocols/caldav/caldav.c (issue 5). */
    &carddav_flavour, &caldav_flavour_calendar, &dav_flavour_files, &caldav_flavour_inbox,
    &caldav_flavour_outbox,
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
