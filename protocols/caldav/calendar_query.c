/*
 * calendar_query.c: the calendar-query REPORT (RFC 4791 7.8).
 *
 * Candidates first: when the filter has a time-range on the object's component, the
 * store's time-range records (first and last instance, written at PUT by time_range.c)
 * give the objects whose span overlaps; other filters list every object. Open-ended
 * recurring objects overlap every range, so each candidate is then decided by its
 * instance index (instance_index.c) when the filter is a plain component/time-range one
 * and the range lies inside the indexed window: no libical at all. Only the rest are
 * parsed and checked exactly (filter.c). Matches are written from the stored bytes, or,
 * for expand / limit-recurrence-set, from the render cache (render_cache.c) or a parse.
 * Every candidate gets a scratch arena of its own, so memory stays flat.
 */
#include "protocols/caldav/caldav-filter.h"

#include <string.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"
#include "src/err.h"

#define CALDAV_QUERY_MAX 20000 /* objects one query may return */

struct caldav_names {
    struct arena *a;
    struct str_view *v;
    size_t n, cap;
};

static void caldav_names_add(struct caldav_names *ns, struct str_view name)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 256;
        struct str_view *v = arena_new_array(ns->a, struct str_view, cap);
        if (ns->n) {
            memcpy(v, ns->v, ns->n * sizeof(*v));
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = str_view_make(str_view_dup(ns->a, name), name.len);
}

static int caldav_names_tr(void *ctx, struct str_view name, int64_t start, int64_t end)
{
    (void)start;
    (void)end;
    caldav_names_add(ctx, name);
    return 0;
}

static int caldav_names_res(void *ctx, const struct store_resource *r)
{
    caldav_names_add(ctx, r->name);
    return 0;
}

static int caldav_query_candidates(struct dav_request *dr, const struct caldav_comp_filter *cf,
        struct caldav_names *ns)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node == DAV_NODE_RESOURCE) {
        caldav_names_add(ns, t->res.name);
        return 0;
    }
    int64_t from, to;
    if (caldav_filter_range(cf, &from, &to)) {
        return store_timerange_list(dr->txn, t->coll.id, from, to, caldav_names_tr, ns);
    }
    return store_resource_list(dr->txn, t->coll.id, false, caldav_names_res, ns);
}

static int caldav_query_parse(struct dav_request *dr, const struct dav_xml_node *body,
        struct caldav_comp_filter **cf)
{
    const struct dav_xml_node *filter = dav_xml_child(body, DAV_NS_CALDAV, "filter");
    if (filter == NULL) {
        dav_fail_status(dr, 403, "<CAL:valid-filter/>", "calendar-query without a filter");
        return ERR_INVAL;
    }
    int rc = caldav_filter_parse(dr->a, filter, cf);
    if (rc == ERR_UNSUPPORTED) {
        dav_fail_status(dr, 403, "<CAL:supported-collation/>", "unknown collation");
    } else if (rc != 0) {
        dav_fail_status(dr, 403, "<CAL:valid-filter/>", "malformed filter");
    }
    return rc;
}

/* What one query needs for each candidate. */
struct caldav_query {
    const struct caldav_comp_filter *cf;
    const struct dav_xml_node *prop;
    bool simple;       /* the instance index can decide the filter */
    unsigned comp_bit; /* caldav_filter_simple */
    struct caldav_tr tr;
    struct caldav_member_ctx mc; /* the calendar-data hook's context, shared by members */
    struct dav_target m;         /* the member being written (dav_member_init once) */
    size_t by_index, parsed;     /* candidates decided each way (debug log) */
};

/* The filter decided by r's instance index: 1 matches, 0 does not, -1 parse it. */
static int caldav_query_by_index(struct dav_request *dr, const struct caldav_query *q,
        const struct store_resource *r)
{
    if (!q->simple) {
        return -1;
    }
    struct str_view value;
    struct caldav_index ix;
    if (store_prop_get(dr->txn, r->coll_id, r->name, STR_VIEW_LIT(CALDAV_IX_QNAME), &value) != 0 ||
            !caldav_index_read(value, r->rev, &ix)) {
        return -1;
    }
    if (q->comp_bit != 0 && ix.comp_bit != q->comp_bit) {
        return 0;
    }
    if (!q->tr.set) {
        return 1;
    }
    return caldav_index_overlaps(&ix, q->tr.from, q->tr.to);
}

/* Check one candidate and write its response when it matches; true when written. Objects
 * the index decides are parsed only if their calendar-data needs a rebuild that the
 * render cache does not hold. */
static bool caldav_query_one(struct dav_request *dr, struct dav_ms *ms, struct caldav_query *q,
        struct str_view name)
{
    const struct dav_target *t = &dr->target;
    struct store_resource r;
    if (store_resource_get(dr->txn, t->coll.id, name, false, &r) != 0) {
        return false;
    }
    int decided = caldav_query_by_index(dr, q, &r);
    if (decided == 0) {
        q->by_index++;
        return false;
    }
    /* The body only when it is parsed here; calendar-data loads it if it needs it. */
    if (decided < 0 && store_resource_get(dr->txn, t->coll.id, name, true, &r) != 0) {
        return false;
    }
    struct arena *a = arena_new(r.size * 4 + 4096);
    struct caldav_object obj;
    bool hit = false;
    if (decided == 1) {
        q->by_index++;
    } else {
        q->parsed++;
    }
    if (decided == 1 ||
            (caldav_object_parse(a, r.body, &obj) == 0 && caldav_filter_matches(q->cf, &obj))) {
        dav_member_set(&q->m, &r);
        q->mc.obj = decided == 1 ? NULL : &obj;
        struct dav_data_hook hook = caldav_data_hook;
        hook.ctx = &q->mc;
        struct dav_prop_ctx pc = { dr, dr->txn, a, &q->m };
        dav_report_member(ms, &pc, q->prop, &hook);
        hit = true;
    }
    arena_free(&a);
    return hit;
}

void caldav_query_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    struct caldav_comp_filter *cf = NULL;
    if (caldav_query_parse(dr, body, &cf) != 0) {
        dav_respond_error(dr);
        return;
    }
    struct caldav_names ns = { .a = dr->a };
    int rc = caldav_query_candidates(dr, cf, &ns);
    if (rc != 0) {
        dav_fail(dr, rc, "calendar-query listing failed");
        dav_respond_error(dr);
        return;
    }
    struct caldav_query q = { .cf = cf, .prop = dav_xml_child(body, DAV_NS_DAV, "prop") };
    q.simple = caldav_filter_simple(cf, &q.comp_bit, &q.tr);
    dav_member_init(&dr->target, &q.m); /* on a resource: the resource as its own member */
    struct dav_ms ms;
    dav_ms_begin(&ms, dr, true);
    size_t hits = 0;
    for (size_t i = 0; i < ns.n; i++) {
        if (hits == CALDAV_QUERY_MAX) {
            dav_report_truncated(&ms, dr->target.href);
            break;
        }
        hits += caldav_query_one(dr, &ms, &q, ns.v[i]);
        dav_ms_flush(&ms, false);
    }
    dav_ms_finish(&ms);
    log_debug(&dr->req->log, "calendar-query: %zu candidates, %zu by index, %zu parsed, %zu hits",
            ns.n, q.by_index, q.parsed, hits);
}
