/*
 * dav.c: the front door of the WebDAV application (see dav.h): authentication against the
 * store, the root page and well-known redirects, method dispatch, and the helpers every
 * method shares (one transaction per request, access rules, error mapping at the edge,
 * Depth and precondition headers).
 */
#include "protocols/webdav/dav-internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protocols/caldav/caldav.h" /* MKCALENDAR, outbox POST (issue 5) */
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"
#include "storage/store.h"

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

bool dav_auth_needed(void *ctx, const struct http_request *req)
{
    return strcmp(req->path, "/") != 0 && strncmp(req->path, "/.well-known/", 13) != 0;
}

/* ---------------------------------------------------------------- transactions, access */

int dav_txn_begin(struct dav_request *dr, bool write)
{
    int rc = store_txn_begin(dr->app->store, write, &dr->txn);
    return rc != 0 ? dav_fail(dr, rc, "cannot begin a store transaction") : 0;
}

int dav_txn_commit(struct dav_request *dr)
{
    int rc = store_txn_commit(&dr->txn);
    return rc != 0 ? dav_fail(dr, rc, "commit failed") : 0;
}

void dav_txn_end(struct dav_request *dr)
{
    store_txn_abort(&dr->txn);
}

/* Basic auth accepts an e-mail address too; access rules speak login names. */
static int dav_canonical_user(struct dav_request *dr)
{
    struct store_user u;
    int rc = store_user_get(dr->txn, str_view_of(dr->user), &u);
    if (rc == ERR_NOT_FOUND && strchr(dr->user, '@') != NULL) {
        rc = store_user_find_by_email(dr->txn, str_view_of(dr->user), &u);
        if (rc == 0) {
            dr->user = str_view_dup(dr->a, u.name);
        }
    }
    return rc == ERR_NOT_FOUND ? ERR_DENIED : rc;
}

int dav_prepare(struct dav_request *dr, bool write, bool need_write)
{
    /* Derived calendars are refreshed in their own write transaction first (an LMDB
     * thread holds one transaction at a time). */
    if (!dr->dates_prepared) {
        caldav_contact_dates_prepare(dr);
    }
    int rc = dav_txn_begin(dr, write);
    if (rc == 0) {
        rc = dav_canonical_user(dr);
        if (rc != 0) {
            return dav_fail(dr, rc, "authenticated user is gone");
        }
        rc = dav_target_resolve(dr, dr->req->path, &dr->target);
        if (rc != 0) {
            return dav_fail(dr, rc, "no such path");
        }
        rc = dav_access(dr, &dr->target, need_write);
        if (rc == ERR_DENIED && need_write && dr->target.has_coll &&
            (dr->target.coll.flags & STORE_COLL_READONLY) && dav_access(dr, &dr->target, false) == 0) {
            /* Derived content the user reads but cannot write (contact dates). */
            dav_fail_status(dr, 403, "<D:need-privileges/>", "read-only collection");
            return rc;
        }
        if (rc != 0) {
            return dav_fail(dr, rc, "access denied");
        }
        dav_cache_target_known(dr);
    }
    return rc;
}

int dav_access(const struct dav_request *dr, const struct dav_target *t, bool write)
{
    if (dr->user == NULL) {
        return ERR_DENIED;
    }
    switch (t->path.node) {
    case DAV_NODE_ROOT:
    case DAV_NODE_PRINCIPALS:
    case DAV_NODE_PRINCIPAL:
        return write ? ERR_DENIED : 0; /* principals are readable by every user */
    case DAV_NODE_HOME:
        return str_view_eq(t->path.user, str_view_of(dr->user)) ? 0 : ERR_NOT_FOUND;
    default:
        break;
    }
    /* The collection's owner decides, not the path: a shared book also appears in its
     * readers' homes ("OWNER~BOOK", dav_target.c). */
    struct str_view owner = t->has_coll ? t->coll.owner : t->path.user;
    if (str_view_eq(owner, str_view_of(dr->user))) {
        bool ro = (t->has_coll && (t->coll.flags & STORE_COLL_READONLY)) ||
                  (t->flavour && t->flavour->read_only);
        return write && ro ? ERR_DENIED : 0;
    }
    /* Until folder ACLs: other users' shared collections are readable, the rest hidden. */
    if (t->has_coll && (t->coll.flags & STORE_COLL_SHARED)) {
        return write ? ERR_DENIED : 0;
    }
    return ERR_NOT_FOUND;
}

/* ---------------------------------------------------------------- errors */

static int dav_status_of(int rc)
{
    switch (rc) {
    case ERR_PRECONDITION:
        return 412;
    case ERR_CONFLICT:
    case ERR_EXISTS:
        return 409;
    case ERR_NO_SPACE:
        return 507;
    case ERR_TOO_LARGE:
        return 413;
    case ERR_NOT_FOUND:
        return 404;
    case ERR_DENIED:
        return 403;
    case ERR_INVAL:
        return 400;
    case ERR_UNSUPPORTED:
        return 501;
    case ERR_AGAIN:
        return 503;
    default:
        return 500;
    }
}

int dav_fail(struct dav_request *dr, int rc, const char *detail)
{
    if (dr->err.status == 0) {
        dr->err.status = dav_status_of(rc);
        dr->err.detail = arena_strdup(dr->a, detail);
        if (rc != ERR_NOT_FOUND && rc != ERR_DENIED && rc != ERR_PRECONDITION) {
            struct strbuf sb;
            strbuf_init(&sb, dr->a, 64);
            strbuf_appendf(&sb, "%s (%s)", detail, err_str(rc));
            dr->err.detail = sb.ptr;
        }
    }
    return rc != 0 ? rc : ERR_INVAL;
}

void dav_fail_status(struct dav_request *dr, int status, const char *precondition,
                     const char *detail)
{
    if (dr->err.status == 0) {
        dr->err.status = status;
        dr->err.precondition = precondition;
        dr->err.detail = detail;
    }
}

void dav_respond_error(struct dav_request *dr)
{
    struct http_request *req = dr->req;
    dav_txn_end(dr);
    int status = dr->err.status ? dr->err.status : 500;
    if (status >= 400) {
        log_warn(&req->log, "%s %s: %d %s", req->method_name, req->path, status,
                 dr->err.detail ? dr->err.detail : "");
    }
    if (status == 405 && dr->target.href != NULL) {
        http_header_add(req, "Allow", dav_allow(&dr->target));
    }
    if (dr->err.precondition == NULL) {
        http_respond_error(req, status);
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 256);
    strbuf_appendf(&sb,
                   "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error" DAV_XMLNS_ALL
                   ">%s</D:error>\n",
                   dr->err.precondition);
    http_respond(req, status, DAV_XML_CONTENT_TYPE, strbuf_view(&sb));
}

/* ---------------------------------------------------------------- headers */

int dav_depth(const struct dav_request *dr, int dflt)
{
    const char *d = http_header(dr->req, "Depth");
    if (d == NULL) {
        return dflt;
    }
    if (strcmp(d, "0") == 0) {
        return 0;
    }
    if (strcmp(d, "1") == 0) {
        return 1;
    }
    return strcasecmp(d, "infinity") == 0 ? DAV_DEPTH_INFINITY : -1;
}

bool dav_etag_list_match(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    for (const char *p = list; *p != '\0';) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t')) {
            m--;
        }
        if (m == 1 && p[0] == '*') {
            return true;
        }
        const char *tok = p;
        if (m > 2 && tok[0] == 'W' && tok[1] == '/') {
            tok += 2;
            m -= 2;
        }
        if (m > 0 && m == elen && memcmp(tok, etag, elen) == 0) {
            return true;
        }
        p += n;
    }
    return false;
}

bool dav_check_preconditions(struct dav_request *dr, bool exists, uint64_t rev)
{
    char etag[32] = "";
    if (exists) {
        store_etag(rev, etag, sizeof(etag));
    }
    const char *im = http_header(dr->req, "If-Match");
    if (im != NULL && (!exists || !dav_etag_list_match(im, etag))) {
        dav_fail_status(dr, 412, NULL, "If-Match failed");
        return false;
    }
    const char *inm = http_header(dr->req, "If-None-Match");
    if (inm != NULL && exists && dav_etag_list_match(inm, etag)) {
        dav_fail_status(dr, 412, NULL, "If-None-Match failed");
        return false;
    }
    return true;
}

/* RFC 7240 Prefer: return=minimal (and Apple's return-minimal), MS Brief: t. */
static bool dav_wants_minimal(const struct http_request *req)
{
    const char *prefer = http_header(req, "Prefer");
    const char *brief = http_header(req, "Brief");
    return (prefer != NULL && (strstr(prefer, "return=minimal") != NULL ||
                               strstr(prefer, "return-minimal") != NULL)) ||
           (brief != NULL && (brief[0] == 't' || brief[0] == 'T'));
}

/* ---------------------------------------------------------------- dispatch */

static void dav_root_page(struct dav_app *app, struct http_request *req)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 512);
    strbuf_appendf(&sb,
                   "Kith %s\n\n"
                   "CardDAV address books: %s<user>/\n"
                   "CalDAV calendars:      %s<user>/\n"
                   "WebDAV files:          %s<user>/\n"
                   "Principals:            %s<user>/\n",
                   KITH_VERSION, app->cfg->addressbook_home, app->cfg->calendar_home,
                   app->cfg->files_home, app->cfg->principal_path);
    http_respond(req, 200, "text/plain; charset=utf-8", strbuf_view(&sb));
}

static const struct {
    enum http_method method;
    void (*handle)(struct dav_request *dr);
} dav_methods[] = {
    { HTTP_OPTIONS, dav_options_handle },
    { HTTP_PROPFIND, dav_propfind_handle },
    { HTTP_PROPPATCH, dav_proppatch_handle },
    { HTTP_MKCOL, dav_mkcol_handle },
    { HTTP_DELETE, dav_delete_handle },
    { HTTP_GET, dav_get_handle },
    { HTTP_HEAD, dav_get_handle },
    { HTTP_PUT, dav_put_handle },
    { HTTP_COPY, dav_copymove_handle },
    { HTTP_MOVE, dav_copymove_handle },
    { HTTP_REPORT, dav_report_handle },
    { HTTP_MKCALENDAR, caldav_mkcalendar_handle }, /* RFC 4791 5.3.1 */
    { HTTP_POST, caldav_post_handle },             /* RFC 6638 5: outbox */
};

void dav_handle(struct http_request *req, void *ctx)
{
    struct dav_app *app = ctx;
    if (memchr(req->target.ptr, '#', req->target.len) != NULL) {
        /* RFC 7230 5.3: no fragment in a request-target; never act on the part before it. */
        log_warn(&req->log, "%s with a fragment in the target", req->method_name);
        http_respond_error(req, 400);
        return;
    }
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
    struct dav_request *dr = arena_new_obj(req->arena, struct dav_request);
    dr->req = req;
    dr->app = app;
    dr->a = req->arena;
    dr->user = req->user;
    dr->minimal = dav_wants_minimal(req);
    if (dr->user == NULL && req->method != HTTP_OPTIONS) {
        http_respond_unauthorized(req);
        return;
    }
    if (dav_cache_answer(dr)) {
        return;
    }
    for (size_t i = 0; i < sizeof(dav_methods) / sizeof(dav_methods[0]); i++) {
        if (dav_methods[i].method == req->method) {
            dav_methods[i].handle(dr);
            return;
        }
    }
    dav_fail_status(dr, 501, NULL, "method not implemented");
    dav_respond_error(dr);
}
