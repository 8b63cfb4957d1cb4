/*
 * dav.c: the front door of the WebDAV application (see dav.h).
 */
#include "protocols/webdav/dav.h"

#include <stdlib.h>
#include <string.h>

#include "src/config.h"
#include "src/err.h"
#include "src/passwd.h"
#include "storage/store.h"

struct dav_app {
    const struct kith_config *cfg;
    struct store *store;
};

struct dav_app *dav_app_new(const struct kith_config *cfg, struct store *store)
{
    struct dav_app *app = calloc(1, sizeof(*app));
    if (app != NULL) {
        app->cfg = cfg;
        app->store = store;
    }
    return app;
}

void dav_app_free(struct dav_app **app)
{
    free(*app);
    *app = NULL;
}

int dav_auth(void *ctx, const char *user, const char *password)
{
    struct dav_app *app = ctx;
    struct store_txn *t;
    int rc = store_txn_begin(app->store, false, &t);
    if (rc != 0) {
        return rc;
    }
    struct store_user u;
    rc = store_user_get(t, str_view_of(user), &u);
    if (rc == ERR_NOT_FOUND && strchr(user, '@') != NULL) {
        rc = store_user_find_by_email(t, str_view_of(user), &u);
    }
    if (rc == 0) {
        /* The hash view lives in the map: verify before the transaction ends. */
        char hash[256];
        snprintf(hash, sizeof(hash), "%.*s", STR_VIEW_FMT(u.password_hash));
        rc = passwd_verify(password, hash) ? 0 : ERR_DENIED;
    } else if (rc == ERR_NOT_FOUND) {
        rc = ERR_DENIED;
    }
    store_txn_abort(&t);
    return rc;
}

bool dav_auth_needed(void *ctx, const struct http_request *req)
{
    return strcmp(req->path, "/") != 0 && strncmp(req->path, "/.well-known/", 13) != 0;
}

static void dav_root_page(struct dav_app *app, struct http_request *req)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 512);
    strbuf_appendf(&sb,
            "Kith %s\n\n"
            "CardDAV address books: %s<user>/\n"
            "CalDAV calendars:      %s<user>/\n"
            "Principals:            %s<user>/\n",
            KITH_VERSION, app->cfg->addressbook_home, app->cfg->calendar_home,
            app->cfg->principal_path);
    http_respond(req, 200, "text/plain; charset=utf-8", strbuf_view(&sb));
}

void dav_handle(struct http_request *req, void *ctx)
{
    struct dav_app *app = ctx;
    if (strcmp(req->path, "/") == 0 && (req->method == HTTP_GET || req->method == HTTP_HEAD)) {
        dav_root_page(app, req);
        return;
    }
    if (strcmp(req->path, "/.well-known/carddav") == 0 ||
            strcmp(req->path, "/.well-known/caldav") == 0) {
        /* RFC 6764 5: the context path; absolute, with the scheme and host the client used. */
        struct strbuf loc;
        strbuf_init(&loc, req->arena, 128);
        strbuf_appendf(&loc, "%s://%s%s", req->scheme, req->host, app->cfg->principal_path);
        http_header_add(req, "Location", loc.ptr);
        http_respond(req, 301, NULL, STR_VIEW_NULL);
        return;
    }
    http_respond_error(req, 501);
}
