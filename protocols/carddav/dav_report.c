/*
 * dav_report.c: what the REPORTs of this folder share: one <D:response> per member with
 * the properties a <D:prop> asks for (live, dead, or a flavour's data pseudo-property),
 * the 507 "truncated" response, and answering in batches pulled by the HTTP layer.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

struct dav_dead_find {
    struct str_view key, value;
    bool found;
};

static int dav_report_dead_cb(void *ctx, struct str_view qname, struct str_view value)
{
    struct dav_dead_find *f = ctx;
    if (str_view_eq(qname, f->key)) {
        f->value = value;
        f->found = true;
        return 1;
    }
    return 0;
}

/* A dead property of the member (rarely asked in reports: one lookup each). */
static bool dav_report_dead(const struct dav_prop_ctx *pc, struct dav_qname q, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    struct dav_dead_find f = { dav_qname_key(pc->a, q), STR_VIEW_NULL, false };
    if (dav_prop_internal_key(f.key)) {
        return false; /* Kith's own records (the CalDAV instance index) are never shown */
    }
    store_prop_list(pc->txn, t->coll.id, t->res.name, dav_report_dead_cb, &f);
    if (f.found) {
        strbuf_append_view(sb, f.value);
    }
    return f.found;
}

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

/* One asked property into the 200 (ps[0]) or 404 (ps[1]) propstat. */
static void dav_report_prop(const struct dav_prop_ctx *pc, const struct dav_xml_node *c,
                            const struct dav_data_hook *hook, struct dav_propstat *ps)
{
    struct dav_qname q = { c->ns, c->name };
    struct strbuf val;
    strbuf_init(&val, pc->a, 64);
    bool ok;
    if (dav_report_is_hook(c, hook)) {
        ok = hook->render(hook->ctx, pc, c, &val);
    } else {
        const struct dav_live_prop *live = dav_prop_find(pc->target, q);
        if (live != NULL) {
            ok = live->get(pc, &val);
        } else if (dav_report_dead(pc, q, &ps[0].props)) {
            return; /* a dead value is the whole element as stored */
        } else {
            ok = false;
        }
    }
    if (ok) {
        dav_report_value(&ps[0].props, q, &val);
    } else {
        dav_ms_empty_elem(&ps[1].props, q);
    }
}

void dav_report_member(struct dav_ms *ms, const struct dav_prop_ctx *pc,
                       const struct dav_xml_node *prop, const struct dav_data_hook *hook)
{
    /* Members of one report share the plan (prop_plan.c); a new shape makes a new one. */
    if (prop != NULL && ms->a != NULL) {
        if (!dav_prop_plan_fits(ms->plan, prop, hook, pc->target)) {
            ms->plan = dav_prop_plan_elems(ms->a, pc->target, prop, hook);
        }
        dav_ms_member(ms, ms->plan, pc, hook, pc->target->href);
        return;
    }
    struct dav_propstat ps[2] = { { .status = 200 }, { .status = 404 } };
    strbuf_init(&ps[0].props, pc->a, 256);
    strbuf_init(&ps[1].props, pc->a, 64);
    if (prop == NULL) {
        struct dav_qname etag = { STR_VIEW_LIT(DAV_NS_DAV), STR_VIEW_LIT("getetag") };
        const struct dav_live_prop *live = dav_prop_find(pc->target, etag);
        struct strbuf val;
        strbuf_init(&val, pc->a, 32);
        if (live != NULL && live->get(pc, &val)) {
            dav_report_value(&ps[0].props, etag, &val);
        }
    } else {
        for (const struct dav_xml_node *c = dav_xml_child(prop, NULL, NULL); c != NULL;
             c = dav_xml_next(c)) {
            dav_report_prop(pc, c, hook, ps);
        }
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
