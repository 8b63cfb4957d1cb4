/*
 * options.c: OPTIONS (RFC 4918 10.1, 18).
 *
 * The DAV header lists only what is true: class 1 and 3 (RFC 4918 18.1, 18.3), not class
 * 2, because there is no LOCK; "access-control" because current-user-privilege-set is
 * served (RFC 3744); "extended-mkcol" (RFC 5689). Flavours add theirs ("addressbook",
 * "calendar-access") through dav_flavour.compliance: on their collections, on their home,
 * and on the root. Allow is computed per target.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"

#define DAV_CLASSES "1, 3, access-control, extended-mkcol"

static const char *dav_allow_resource(const struct dav_target *t)
{
    if (!t->exists) {
        if (!t->has_coll) {
            return "OPTIONS";
        }
        return t->flavour && t->flavour->paths ? "OPTIONS, PUT, MKCOL" : "OPTIONS, PUT";
    }
    if (t->is_folder) {
        return "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, DELETE, COPY, MOVE";
    }
    if (t->flavour && t->flavour->allow_resource) {
        return t->flavour->allow_resource;
    }
    return "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, COPY, MOVE, REPORT";
}

const char *dav_allow(const struct dav_target *t)
{
    switch (t->path.node) {
    case DAV_NODE_HOME:
        return "OPTIONS, GET, HEAD, PROPFIND, REPORT, MKCOL";
    case DAV_NODE_COLLECTION:
        if (!t->exists) {
            return t->path.home == DAV_HOME_FILES ? "OPTIONS" : "OPTIONS, MKCOL";
        }
        if (t->flavour && t->flavour->allow_collection) {
            return t->flavour->allow_collection;
        }
        if (t->path.home == DAV_HOME_FILES) {
            return "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, REPORT";
        }
        return "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, REPORT, DELETE";
    case DAV_NODE_RESOURCE:
        return dav_allow_resource(t);
    default:
        return "OPTIONS, GET, HEAD, PROPFIND, REPORT";
    }
}

static void dav_add_compliance(struct strbuf *sb, const struct dav_flavour *f)
{
    if (f != NULL && f->compliance != NULL && strstr(sb->ptr, f->compliance) == NULL) {
        strbuf_append_cstr(sb, ", ");
        strbuf_append_cstr(sb, f->compliance);
    }
}

static const char *dav_compliance(struct dav_request *dr, const struct dav_target *t)
{
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 128);
    strbuf_append_cstr(&sb, DAV_CLASSES);
    for (int kind = STORE_COLL_ADDRESSBOOK; kind <= STORE_COLL_OUTBOX; kind++) {
        const struct dav_flavour *f = dav_flavour_of((enum store_coll_kind)kind);
        bool relevant = t->path.node == DAV_NODE_ROOT || t->path.node == DAV_NODE_PRINCIPALS ||
                        t->path.node == DAV_NODE_PRINCIPAL ||
                        (t->path.node == DAV_NODE_HOME && f->home == t->path.home) ||
                        (t->flavour == f);
        if (relevant) {
            dav_add_compliance(&sb, f);
        }
    }
    return sb.ptr;
}

void dav_options_handle(struct dav_request *dr)
{
    struct http_request *req = dr->req;
    if (dr->user == NULL) {
        /* Anonymous OPTIONS reaches us only for "/": say what the server speaks. */
        memset(&dr->target, 0, sizeof(dr->target));
        dr->target.path.node = DAV_NODE_ROOT;
    } else if (dav_prepare(dr, false, false) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_header_add(req, "DAV", dav_compliance(dr, &dr->target));
    http_header_add(req, "Allow", dav_allow(&dr->target));
    dav_txn_end(dr);
    http_respond(req, 200, NULL, STR_VIEW_NULL);
}
