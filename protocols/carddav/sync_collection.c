/*
 * sync_collection.c: the RFC 6578 sync-collection REPORT for every flavour.
 *
 * Tokens are URIs "http://kith.invalid/sync/<collection id>-<seq>" (props.c): Evolution
 * drops a token without ':' or '/' as a ctag (CLIENTS.md A1). An empty token is an initial
 * sync (DAVx5 and Evolution send <sync-token/>, cyrus-imapd#4985). A token of another
 * collection, newer than the counter or older than the pruned change log is 403
 * valid-sync-token (RFC 6578 3.2), except to Thunderbird, which resyncs only on a 400.
 *
 * The work is the store's change log after the token (store_changes_since), never a walk
 * of the collection: an incremental sync costs what its changes cost. Changes stream in
 * batches of DAV_BATCH, each in its own read transaction; a client limit (RFC 6578 3.7)
 * ends the answer with a 507 response on the request URI and a token that continues
 * where the answer stopped.
 */
#include "protocols/carddav/carddav-internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"

#define DAV_SYNC_PREFIX "http://kith.invalid/sync/"

bool dav_sync_token_parse(struct str_view token, const struct store_collection *c,
                          uint64_t *seq_out)
{
    *seq_out = 0;
    if (token.len == 0) {
        return true;
    }
    size_t plen = sizeof(DAV_SYNC_PREFIX) - 1;
    if (token.len <= plen || token.len > plen + 41 ||
        memcmp(token.ptr, DAV_SYNC_PREFIX, plen) != 0) {
        return false;
    }
    char text[48];
    memcpy(text, token.ptr + plen, token.len - plen);
    text[token.len - plen] = '\0';
    if (text[0] < '0' || text[0] > '9') {
        return false;
    }
    char *end;
    uint64_t id = strtoull(text, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9' || id != c->id) {
        return false;
    }
    uint64_t seq = strtoull(end + 1, &end, 10);
    if (*end != '\0') {
        return false;
    }
    *seq_out = seq;
    return true;
}

struct dav_sync {
    struct dav_stream stream;
    const struct dav_xml_node *prop;
    const struct dav_data_hook *hook;
    bool data; /* members need their bodies */
    struct dav_target list;
    uint64_t since; /* the next batch starts after this seq */
    bool initial;   /* empty token: no deletions to report */
    size_t limit;   /* the client's nresults, 0: none */
    size_t sent;
    uint64_t token_seq; /* the token the answer ends with */
    struct strbuf after; /* initial walk: the last name written */
    bool truncated;
};

struct dav_sync_batch {
    struct dav_sync *sy;
    struct store_txn *txn;
    struct arena *a;
    struct dav_target m; /* the member being written */
    size_t seen;         /* initial walk: resources handed out in this batch */
};

static void dav_sync_member(struct dav_sync_batch *b, const struct store_resource *r)
{
    struct dav_sync *sy = b->sy;
    dav_member_set(&b->m, r);
    struct dav_prop_ctx pc = { sy->stream.dr, b->txn, b->a, &b->m };
    dav_report_member(&sy->stream.ms, &pc, sy->prop, sy->hook);
}

static int dav_sync_change(void *ctx, const struct store_change *c)
{
    struct dav_sync_batch *b = ctx;
    struct dav_sync *sy = b->sy;
    sy->sent++;
    struct store_resource r = { 0 };
    int rc = c->deleted ? ERR_NOT_FOUND
                        : store_resource_get(b->txn, sy->list.coll.id, c->name, sy->data, &r);
    if (rc == ERR_NOT_FOUND) {
        if (!sy->initial) {
            /* RFC 6578 3.5.2; Thunderbird wants the status to start "HTTP/1.1 404". */
            struct strbuf href;
            strbuf_init(&href, b->a, 128);
            strbuf_append_cstr(&href, sy->list.coll_href);
            dav_href_append(&href, c->name);
            dav_ms_status(&sy->stream.ms, href.ptr, 404);
        }
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    dav_sync_member(b, &r);
    return 0;
}

/* An initial sync without a limit lists what exists: a walk of the collection in name
 * order (one cursor) instead of the change log plus a lookup per member. The token is the
 * counter when the answer began, so a change made while later batches were read is
 * reported again by the next sync, never lost. */
static int dav_sync_initial_one(void *ctx, const struct store_resource *r)
{
    struct dav_sync_batch *b = ctx;
    b->seen++;
    strbuf_reset(&b->sy->after);
    strbuf_append_view(&b->sy->after, r->name);
    dav_sync_member(b, r);
    return 0;
}

static bool dav_sync_batch(struct dav_stream *st, struct store_txn *txn, struct arena *a)
{
    struct dav_sync *sy = st->ctx;
    size_t want = DAV_BATCH;
    if (sy->limit > 0 && sy->limit - sy->sent < want) {
        want = sy->limit - sy->sent;
    }
    struct dav_sync_batch b = { .sy = sy, .txn = txn, .a = a };
    dav_member_init(&sy->list, &b.m);
    if (sy->initial && sy->limit == 0) {
        int rc = store_resource_list_after(txn, sy->list.coll.id, STR_VIEW_NULL,
                                           strbuf_view(&sy->after), DAV_BATCH, sy->data,
                                           dav_sync_initial_one, &b);
        return rc == 0 && b.seen == DAV_BATCH;
    }
    uint64_t last = sy->since;
    bool more = false;
    int rc = store_changes_since(txn, sy->list.coll.id, sy->since, want, dav_sync_change, &b, &last,
                                 &more);
    if (rc != 0) {
        /* The collection went away or the log was pruned under us: end with what we have. */
        log_warn(&st->dr->req->log, "sync-collection stopped: %s", err_str(rc));
        return false;
    }
    sy->since = last;
    sy->token_seq = last;
    if (more && sy->limit > 0 && sy->sent >= sy->limit) {
        sy->truncated = true;
        return false;
    }
    return more;
}

static void dav_sync_tail(struct dav_stream *st)
{
    struct dav_sync *sy = st->ctx;
    if (sy->truncated) {
        dav_report_truncated(&st->ms, sy->list.coll_href);
    }
    struct store_collection c = sy->list.coll;
    c.sync_seq = sy->token_seq;
    strbuf_append_cstr(&st->ms.sb, "<D:sync-token>");
    dav_sync_token(&st->ms.sb, &c);
    strbuf_append_cstr(&st->ms.sb, "</D:sync-token>");
}

/* nresults of <D:limit> (RFC 5323 5.17); 0 when absent, -1 when malformed. */
static long dav_sync_limit(struct arena *a, const struct dav_xml_node *body)
{
    const struct dav_xml_node *limit = dav_xml_child(body, DAV_NS_DAV, "limit");
    const struct dav_xml_node *n = limit ? dav_xml_child(limit, DAV_NS_DAV, "nresults") : NULL;
    if (limit == NULL) {
        return 0;
    }
    struct str_view text = n ? dav_xml_text(a, n) : STR_VIEW_NULL;
    char *end;
    long v = text.len > 0 && text.len < 12 ? strtol(str_view_dup(a, text), &end, 10) : -1;
    return v > 0 && *end == '\0' ? v : -1;
}

/* Read the body into sy; false with dr->err set when it cannot be served. */
static bool dav_sync_setup(struct dav_request *dr, const struct dav_xml_node *body,
                           struct dav_sync *sy)
{
    const struct dav_target *t = &dr->target;
    if (t->path.node != DAV_NODE_COLLECTION || !t->has_coll) {
        dav_fail_status(dr, 403, "<D:supported-report/>", "sync-collection on a non-collection");
        return false;
    }
    const struct dav_xml_node *tok = dav_xml_child(body, DAV_NS_DAV, "sync-token");
    const struct dav_xml_node *level = dav_xml_child(body, DAV_NS_DAV, "sync-level");
    struct str_view lv = level ? dav_xml_text(dr->a, level) : STR_VIEW_LIT("1");
    long limit = dav_sync_limit(dr->a, body);
    if (limit < 0 ||
        (!str_view_eq(lv, STR_VIEW_LIT("1")) && !str_view_eq(lv, STR_VIEW_LIT("infinite")))) {
        dav_fail_status(dr, 400, NULL, "malformed sync-collection body");
        return false;
    }
    /* Address books and calendars have no child collections: infinite is level 1. */
    if (str_view_eq(lv, STR_VIEW_LIT("infinite")) && t->flavour && t->flavour->paths) {
        dav_fail_status(dr, 403, "<D:sync-traversal-supported/>", "sync-level infinite");
        return false;
    }
    struct str_view token = tok ? dav_xml_text(dr->a, tok) : STR_VIEW_NULL;
    uint64_t seq;
    bool ok = dav_sync_token_parse(token, &t->coll, &seq);
    if (!ok || seq > t->coll.sync_seq || (seq > 0 && seq < t->coll.min_seq)) {
        const char *ua = http_header(dr->req, "User-Agent");
        int status = ua && strstr(ua, "Thunderbird") ? 400 : 403;
        dav_fail_status(dr, status, "<D:valid-sync-token/>", "stale or foreign sync token");
        return false;
    }
    sy->since = seq;
    sy->initial = seq == 0;
    sy->limit = (size_t)limit;
    sy->prop = dav_xml_child(body, DAV_NS_DAV, "prop");
    return true;
}

void dav_sync_collection(struct dav_request *dr, const struct dav_xml_node *body,
                         const struct dav_data_hook *hook)
{
    struct dav_sync *sy = arena_new_obj(dr->a, struct dav_sync);
    if (!dav_sync_setup(dr, body, sy)) {
        dav_respond_error(dr);
        return;
    }
    sy->hook = hook;
    sy->data = dav_report_wants_data(sy->prop, hook);
    sy->list = dr->target;
    sy->token_seq = dr->target.coll.sync_seq;
    strbuf_init(&sy->after, dr->a, 256);
    /* Views into the map die with the request's transaction. */
    struct store_collection *c = &sy->list.coll;
    c->owner = str_view_make(str_view_dup(dr->a, c->owner), c->owner.len);
    c->slug = str_view_make(str_view_dup(dr->a, c->slug), c->slug.len);
    c->display_name = STR_VIEW_NULL;
    c->description = STR_VIEW_NULL;
    c->color = STR_VIEW_NULL;
    sy->list.path.user = c->owner;
    sy->list.path.slug = c->slug;
    sy->stream.dr = dr;
    sy->stream.batch = dav_sync_batch;
    sy->stream.tail = dav_sync_tail;
    sy->stream.ctx = sy;
    dav_stream_run(&sy->stream);
}

void dav_sync_collection_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    dav_sync_collection(dr, body, NULL);
}

void carddav_sync_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    dav_sync_collection(dr, body, &carddav_data_hook);
}
