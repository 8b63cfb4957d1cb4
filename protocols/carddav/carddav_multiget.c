/*
 * carddav_multiget.c: addressbook-multiget (RFC 6352 8.7).
 *
 * Batch sizes seen: DAVx5 10, Evolution 100, Thunderbird every changed card at once,
 * vdirsyncer every card of the book in one request (CLIENTS.md A1; so the cap is as large
 * as the largest book we serve, and the answer streams); beyond CARDDAV_MULTIGET_MAX hrefs
 * the answer is 403 number-of-matches-within-limits, as CCS does (vdirsyncer then fails
 * the sync: pimutils/vdirsyncer#761). Each href is
 * answered with the href as the client wrote it (clients match answers by their own
 * spelling); an href outside the collection or of no card is a 404 response. Cards are
 * looked up by name with no URL resolution per href; answers stream in batches.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

struct carddav_mg {
    struct dav_stream stream;
    const struct dav_xml_node *prop;
    bool data;
    struct dav_target list;
    const char *coll_path; /* the collection's path: hrefs must start with it */
    struct str_view *hrefs;
    size_t n_hrefs, next;
    struct dav_target m; /* the member being written (dav_member_init per batch) */
};

/* The member name an href names in the collection, or an empty view. */
static struct str_view carddav_mg_name(struct carddav_mg *mg, struct arena *a, struct str_view href)
{
    const char *path;
    if (dav_destination_path(a, str_view_dup(a, href), &path) != 0) {
        return STR_VIEW_NULL;
    }
    size_t plen = strlen(mg->coll_path);
    if (strncmp(path, mg->coll_path, plen) != 0) {
        return STR_VIEW_NULL;
    }
    struct str_view name = str_view_of(path + plen);
    if (name.len == 0 || memchr(name.ptr, '/', name.len) != NULL) {
        return STR_VIEW_NULL;
    }
    return name;
}

static void carddav_mg_one(struct carddav_mg *mg, struct store_txn *txn, struct arena *a,
                           struct str_view href)
{
    struct dav_request *dr = mg->stream.dr;
    const char *href_text = str_view_dup(a, href);
    struct str_view name = carddav_mg_name(mg, a, href);
    struct store_resource r = { 0 };
    if (name.len == 0 || store_resource_get(txn, mg->list.coll.id, name, mg->data, &r) != 0) {
        dav_ms_status(&mg->stream.ms, href_text, 404);
        return;
    }
    dav_member_set(&mg->m, &r);
    mg->m.href = href_text;
    struct dav_prop_ctx pc = { dr, txn, a, &mg->m };
    dav_report_member(&mg->stream.ms, &pc, mg->prop, &carddav_data_hook);
}

static bool carddav_mg_batch(struct dav_stream *st, struct store_txn *txn, struct arena *a)
{
    struct carddav_mg *mg = st->ctx;
    dav_member_init(&mg->list, &mg->m);
    size_t end = mg->next + DAV_BATCH < mg->n_hrefs ? mg->next + DAV_BATCH : mg->n_hrefs;
    for (; mg->next < end; mg->next++) {
        carddav_mg_one(mg, txn, a, mg->hrefs[mg->next]);
    }
    return mg->next < mg->n_hrefs;
}

/* Collect the hrefs; false (dr->err set) for none or too many. */
static bool carddav_mg_hrefs(struct dav_request *dr, const struct dav_xml_node *body,
                             struct carddav_mg *mg)
{
    size_t n = 0;
    for (const struct dav_xml_node *h = dav_xml_child(body, DAV_NS_DAV, "href"); h != NULL;
         h = dav_xml_next(h)) {
        n += dav_xml_is(h, DAV_NS_DAV, "href");
    }
    if (n > CARDDAV_MULTIGET_MAX) {
        dav_fail_status(dr, 403, "<D:number-of-matches-within-limits/>", "multiget too big");
        return false;
    }
    mg->hrefs = arena_new_array(dr->a, struct str_view, n ? n : 1);
    for (const struct dav_xml_node *h = dav_xml_child(body, DAV_NS_DAV, "href"); h != NULL;
         h = dav_xml_next(h)) {
        if (dav_xml_is(h, DAV_NS_DAV, "href")) {
            struct str_view text = dav_xml_text(dr->a, h);
            if (text.len > 0) {
                mg->hrefs[mg->n_hrefs++] = text;
            }
        }
    }
    return true;
}

void carddav_multiget_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    struct carddav_mg *mg = arena_new_obj(dr->a, struct carddav_mg);
    const struct dav_target *t = &dr->target;
    mg->prop = dav_xml_child(body, DAV_NS_DAV, "prop");
    const struct dav_xml_node *ad =
            mg->prop ? dav_xml_child(mg->prop, DAV_NS_CARDDAV, "address-data") : NULL;
    struct carddav_data_req dq;
    if (!t->has_coll) {
        dav_fail_status(dr, 404, NULL, "multiget outside an address book");
    } else if (carddav_data_req_parse(dr->a, ad, &dq) != 0) {
        dav_fail_status(dr, 403, "<C:supported-address-data-conversion/>",
                        "address-data type or version not supported");
    }
    if (dr->err.status != 0 || !carddav_mg_hrefs(dr, body, mg)) {
        dav_respond_error(dr);
        return;
    }
    mg->data = ad != NULL;
    mg->list = *t;
    mg->list.coll.owner = str_view_make(str_view_dup(dr->a, t->coll.owner), t->coll.owner.len);
    mg->list.coll.slug = str_view_make(str_view_dup(dr->a, t->coll.slug), t->coll.slug.len);
    mg->list.coll.display_name = mg->list.coll.description = mg->list.coll.color = STR_VIEW_NULL;
    mg->list.path.user = mg->list.coll.owner;
    mg->list.path.slug = mg->list.coll.slug;
    mg->coll_path = t->coll_href; /* user and slug are unreserved: encoded = decoded */
    mg->stream.dr = dr;
    mg->stream.batch = carddav_mg_batch;
    mg->stream.ctx = mg;
    dav_stream_run(&mg->stream);
}
