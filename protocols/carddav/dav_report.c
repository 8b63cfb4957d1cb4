/*
 * dav_report.c: what the REPORTs of this folder share: one <D:response> per member with
 * the properties a <D:prop> asks for (live, dead, or a flavour's data pseudo-property),
 * the 507 "truncated" response, and answering in batches pulled by the HTTP layer.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

static void dav_report_value(struct strbuf *sb, struct dav_qname q, const struct strbuf *val)
{
    if (val->len == 0) {
        dav_ms_empty_elem(sb, q);
        return;
    }
    dav_ms_open_elem(sb, q);
    strbuf_append(sb, val->ptr, val->len);
    dav_ms_close_elem(sb, q);
}

static bool dav_report_is_hook(const struct dav_xml_node *c, const struct dav_data_hook *hook)
{
    return hook != NULL && dav_xml_is(c, hook->ns, hook->name);
}

void dav_report_member(struct dav_ms *ms, const struct dav_prop_ctx *pc,
                       const struct dav_xml_node *prop, const struct dav_data_hook *hook)
{
    if (prop != NULL) {
        /* Members of one report share the plan (prop_plan.c); a new shape makes a new one. */
        if (!dav_prop_plan_fits(ms->plan, prop, hook, pc->target)) {
            ms->plan = dav_prop_plan_elems(ms->a, pc->target, prop, hook);
        }
        dav_ms_member(ms, ms->plan, pc, hook, pc->target->href);
        return;
    }
    /* No <D:prop> element: the ETag alone. */
    struct dav_propstat ps[2] = { { .status = 200 }, { .status = 404 } };
    strbuf_init(&ps[0].props, pc->a, 64);
    strbuf_init(&ps[1].props, pc->a, 8);
    struct dav_qname etag = { STR_VIEW_LIT(DAV_NS_DAV), STR_VIEW_LIT("getetag") };
    const struct dav_live_prop *live = dav_prop_find(pc->target, etag);
    struct strbuf val;
    strbuf_init(&val, pc->a, 32);
    if (live != NULL && live->get(pc, &val)) {
        dav_report_value(&ps[0].props, etag, &val);
    }
    dav_ms_response(ms, pc->target->href, ps, 2);
}

bool dav_report_wants_data(const struct dav_xml_node *prop, const struct dav_data_hook *hook)
{
    for (const struct dav_xml_node *c = prop ? dav_xml_child(prop, NULL, NULL) : NULL; c != NULL;
         c = dav_xml_next(c)) {
        if (dav_report_is_hook(c, hook)) {
            return true;
        }
    }
    return false;
}

void dav_report_truncated(struct dav_ms *ms, const char *href)
{
    struct strbuf *sb = &ms->sb;
    strbuf_append_cstr(sb, "<D:response><D:href>");
    strbuf_append_xml_escaped(sb, str_view_of(href));
    strbuf_append_cstr(sb, "</D:href><D:status>");
    dav_ms_status_line(sb, 507);
    strbuf_append_cstr(sb, "</D:status><D:error><D:number-of-matches-within-limits/></D:error>"
                           "</D:response>");
}

/* ---------------------------------------------------------------- streaming */

static void dav_stream_more(struct http_request *req, void *ctx)
{
    struct dav_stream *st = ctx;
    (void)req;
    /* Every call must write or end: the HTTP layer waits for a drain otherwise. */
    while (!st->done) {
        struct store_txn *txn;
        if (store_txn_begin(st->dr->app->store, false, &txn) != 0) {
            log_warn(&st->dr->req->log, "report stream: cannot begin a transaction");
            st->done = true;
            break;
        }
        st->done = !st->batch(st, txn, store_txn_arena(txn));
        store_txn_abort(&txn);
        if (st->ms.sb.len > 0) {
            break;
        }
    }
    if (st->done) {
        if (st->tail != NULL) {
            st->tail(st);
        }
        dav_ms_finish(&st->ms);
        return;
    }
    dav_ms_flush(&st->ms, true);
}

void dav_stream_run(struct dav_stream *st)
{
    dav_ms_begin(&st->ms, st->dr, true);
    dav_txn_end(st->dr);
    http_respond_pull(st->dr->req, dav_stream_more, st);
}
