/*
 * dav.h: the WebDAV application behind the HTTP layer: routing of every HTTP request to
 * the store (CardDAV address books, CalDAV calendars, plain WebDAV files, principals), and
 * the password check HTTP Basic authentication calls.
 *
 * URL layout (configurable in [dav], see src/config.h):
 *   /.well-known/carddav, /.well-known/caldav   redirect to the principal collection
 *   /principals/users/NAME/                     a user's principal
 *   /dav/addressbooks/NAME/BOOK/CARD.vcf        address books (CardDAV)
 *   /dav/calendars/NAME/CAL/OBJ.ics             calendars (CalDAV)
 *   /dav/files/NAME/...                         plain WebDAV files
 *
 * This is the front door; the WebDAV methods (one file each), CardDAV and CalDAV plug in
 * behind it as issues 3 and 5 land.
 */
#ifndef KITH_DAV_H
#define KITH_DAV_H

#include "protocols/http/http.h"

struct store;
struct kith_config;
struct dav_app;

/* New application over an open store; cfg and store must outlive it. */
struct dav_app *dav_app_new(const struct kith_config *cfg, struct store *store);
void dav_app_free(struct dav_app **app);

/* http_handler_fn: answer one request (exactly one http_respond* call). */
void dav_handle(struct http_request *req, void *app);
/* http_auth_fn: check a user name (or e-mail) and password against the store. */
int dav_auth(void *app, const char *user, const char *password);
/* http_auth_lookup_fn: canonical login (also for an e-mail) and the stored hash as stamp. */
int dav_auth_lookup(void *app, struct arena *a, const char *user, const char **canonical_out,
        struct str_view *stamp_out);
/* http_auth_needed_fn: everything but the root page and well-known redirects. */
bool dav_auth_needed(void *app, const struct http_request *req);

#endif
