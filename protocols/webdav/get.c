/*
 * get.c: GET and HEAD (the HTTP layer drops the body of a HEAD answer). A resource comes
 * back byte for byte with its strong ETag, Last-Modified and Content-Type; If-None-Match
 * with its ETag gives 304. Collections and folders answer a short plain-text listing of
 * at most DAV_GET_LIST names (PROPFIND is the way to list big ones).
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/err.h"

#define DAV_GET_LIST 1000

static void dav_get_resource(struct dav_request *dr)
{
    const struct dav_target *t = &dr->target;
    struct store_resource r;
    int rc = store_resource_get(dr->txn, t->coll.id, t->res.name, true, &r);
    if (rc != 0) {
        dav_fail(dr, rc, "cannot read the resource");
        dav_respond_error(dr);
        return;
    }
    char etag[32], date[64];
    store_etag(r.rev, etag, sizeof(etag));
    dav_http_date(r.modified, date, sizeof(date));
    http_header_add(dr->req, "ETag", etag);
    http_header_add(dr->req, "Last-Modified", date);
    const char *inm = http_header(dr->req, "If-None-Match");
    if (inm != NULL && dav_etag_list_match(inm, etag)) {
        dav_txn_end(dr);
        http_respond(dr->req, 304, NULL, STR_VIEW_NULL);
        return;
    }
    char *type = str_view_dup(dr->a, r.content_type.len ? r.content_type
                                                        : STR_VIEW_LIT("application/octet-stream"));
    struct str_view body = r.body;
    if (t->flavour != NULL && t->flavour->render != NULL) {
        struct strbuf sb;
        strbuf_init(&sb, dr->a, r.body.len + 256);
        if (t->flavour->render(dr, &r, &sb) == 0) {
            body = strbuf_view(&sb);
        }
        http_header_add(dr->req, "Vary", "Accept");
    }
    /* http_respond copies the body out of the map before the transaction ends. */
    http_respond(dr->req, 200, type, body);
    dav_txn_end(dr);
}

struct dav_get_list {
    struct strbuf *sb;
    size_t prefix_len;
    size_t n;
};

static int dav_get_line(void *ctx, const struct store_resource *r)
{
    struct dav_get_list *l = ctx;
    struct str_view rest = str_view_make(r->name.ptr + l->prefix_len, r->name.len - l->prefix_len);
    const char *slash = rest.len ? memchr(rest.ptr, '/', rest.len) : NULL;
    if (rest.len == 0 || (slash != NULL && slash != rest.ptr + rest.len - 1)) {
        return 0; /* the folder itself, or deeper */
    }
    if (++l->n > DAV_GET_LIST) {
        strbuf_append_cstr(l->sb, "...\n");
        return 1;
    }
    strbuf_append_view(l->sb, rest);
    strbuf_append_char(l->sb, '\n');
    return 0;
}

static void dav_get_listing(struct dav_request *dr)
{
    const struct dav_target *t = &dr->target;
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 1024);
    strbuf_appendf(&sb, "%s\n\n", t->href);
    if (t->has_coll) {
        struct str_view prefix = t->is_folder ? t->res.name : STR_VIEW_NULL;
        struct dav_get_list l = { &sb, prefix.len, 0 };
        store_resource_list_after(dr->txn, t->coll.id, prefix, prefix, 0, false, dav_get_line, &l);
    }
    dav_txn_end(dr);
    http_respond(dr->req, 200, "text/plain; charset=utf-8", strbuf_view(&sb));
}

void dav_get_handle(struct dav_request *dr)
{
    int rc = dav_prepare(dr, false, false);
    if (rc == 0 && !dr->target.exists) {
        rc = dav_fail(dr, ERR_NOT_FOUND, "no such resource");
    }
    if (rc != 0) {
        dav_respond_error(dr);
        return;
    }
    if (dr->target.path.node == DAV_NODE_RESOURCE && !dr->target.is_folder) {
        dav_get_resource(dr);
    } else {
        dav_get_listing(dr);
    }
}
