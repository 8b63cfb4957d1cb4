/*
 * calendar_multiget.c: calendar-multiget (RFC 4791 7.9), the calendar-data pseudo-property
 * every calendar report renders, and sync-collection with it (RFC 6578 through
 * carddav/sync_collection.c).
 *
 * Each href is answered with the href as the client wrote it; an href outside the
 * collection or of no object is a 404 response. Beyond CALDAV_MULTIGET_MAX hrefs the
 * answer is 403 number-of-matches-within-limits (as CCS; vdirsyncer understands it).
 */
#include "protocols/caldav/caldav-filter.h"

#include <string.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"
#include "src/err.h"

#define CALDAV_MULTIGET_MAX 50000 /* vdirsyncer asks for a whole calendar at once */

bool caldav_calendar_data(void *ctx, const struct dav_prop_ctx *pc, const struct dav_xml_node *elem,
        struct strbuf *sb)
{
    struct caldav_member_ctx *mc = ctx;
    const struct dav_target *t = pc->target;
    struct caldav_data_req dq;
    if (t->path.node != DAV_NODE_RESOURCE) {
        return false;
    }
    if (mc != NULL && mc->elem == elem) {
        dq = mc->dq;
    } else if (caldav_data_req_parse(mc ? pc->dr->a : pc->a, elem, &dq) != 0) {
        return false;
    } else if (mc != NULL) {
        mc->elem = elem;
        mc->dq = dq;
    }
    struct store_resource r = t->res;
    struct str_view cached;
    if (caldav_render_cache_get(&dq, r.rev, &cached)) {
        strbuf_append_view(sb, cached);
        return true;
    }
    if (caldav_data_req_verbatim(&dq) || mc == NULL || mc->obj == NULL) {
        if ((r.body.ptr == NULL || r.body.len < r.size) &&
                store_resource_get(pc->txn, t->coll.id, t->res.name, true, &r) != 0) {
            return false;
        }
    }
    if (caldav_data_req_verbatim(&dq)) {
        size_t at = sb->len;
        strbuf_append_xml_escaped(sb, r.body); /* the stored bytes (MAPPING.md decision 2) */
        caldav_render_cache_put(&dq, r.rev, str_view_make(sb->ptr + at, sb->len - at));
        return true;
    }
    struct caldav_object parsed;
    const struct caldav_object *obj = mc ? mc->obj : NULL;
    if (obj == NULL) {
        if (caldav_object_parse(pc->a, r.body, &parsed) != 0) {
            log_warn(&pc->dr->req->log, "stored object %.*s does not parse", STR_VIEW_FMT(r.name));
            return false;
        }
        obj = &parsed;
    }
    struct strbuf text;
    strbuf_init(&text, pc->a, r.body.len + 512);
    caldav_data_render(&dq, obj, &text);
    size_t at = sb->len;
    strbuf_append_xml_escaped(sb, strbuf_view(&text));
    caldav_render_cache_put(&dq, r.rev, str_view_make(sb->ptr + at, sb->len - at));
    return true;
}

const struct dav_data_hook caldav_data_hook = {
    .ns = DAV_NS_CALDAV,
    .name = "calendar-data",
    .render = caldav_calendar_data,
};

void caldav_sync_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    dav_sync_collection(dr, body, &caldav_data_hook);
}

/* The member name an href names in collection path coll_path, or an empty view. */
static struct str_view caldav_mg_name(struct arena *a, const char *coll_path, struct str_view href)
{
    const char *path;
    if (dav_destination_path(a, str_view_dup(a, href), &path) != 0) {
        return STR_VIEW_NULL;
    }
    size_t plen = strlen(coll_path);
    if (strncmp(path, coll_path, plen) != 0) {
        return STR_VIEW_NULL;
    }
    struct str_view name = str_view_of(path + plen);
    if (name.len == 0 || memchr(name.ptr, '/', name.len) != NULL) {
        return STR_VIEW_NULL;
    }
    return name;
}

void caldav_multiget_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node != DAV_NODE_COLLECTION) {
        dav_fail_status(dr, 403, "<D:supported-report/>", "calendar-multiget on a non-collection");
        dav_respond_error(dr);
        return;
    }
    const struct dav_xml_node *prop = dav_xml_child(body, DAV_NS_DAV, "prop");
    size_t n = 0;
    for (const struct dav_xml_node *h = dav_xml_child(body, DAV_NS_DAV, "href"); h;
            h = dav_xml_next(h)) {
        n += dav_xml_is(h, DAV_NS_DAV, "href");
    }
    if (n > CALDAV_MULTIGET_MAX) {
        dav_fail_status(dr, 403, "<D:number-of-matches-within-limits/>", "too many hrefs");
        dav_respond_error(dr);
        return;
    }
    /* The collection's decoded path: hrefs are compared after percent-decoding. */
    const char *coll_path;
    if (dav_destination_path(dr->a, t->coll_href, &coll_path) != 0) {
        coll_path = t->coll_href;
    }
    bool data = dav_report_wants_data(prop, &caldav_data_hook);
    struct dav_ms ms;
    dav_ms_begin(&ms, dr, true);
    struct dav_target m;
    dav_member_init(t, &m);
    for (const struct dav_xml_node *h = dav_xml_child(body, DAV_NS_DAV, "href"); h;
            h = dav_xml_next(h)) {
        if (!dav_xml_is(h, DAV_NS_DAV, "href")) {
            continue;
        }
        struct str_view href = dav_xml_text(dr->a, h);
        const char *href_text = str_view_dup(dr->a, href);
        struct str_view name = caldav_mg_name(dr->a, coll_path, href);
        struct store_resource r;
        if (name.len == 0 || store_resource_get(dr->txn, t->coll.id, name, data, &r) != 0) {
            dav_ms_status(&ms, href_text, 404);
            continue;
        }
        dav_member_set(&m, &r);
        m.href = href_text;
        struct dav_prop_ctx pc = { dr, dr->txn, dr->a, &m };
        dav_report_member(&ms, &pc, prop, &caldav_data_hook);
        dav_ms_flush(&ms, false);
    }
    dav_ms_finish(&ms);
}
