/*
 * propfind.c: PROPFIND (RFC 4918 9.1) with Depth 0 and 1; Depth infinity (also a missing
 * Depth header, which means infinity) is refused with 403 propfind-finite-depth (RFC 4918
 * 9.1.1), as no client reviewed sends it (CLIENTS.md A1).
 *
 * Depth 1 on a collection or folder streams: the target's own response is written in the
 * request's transaction, then members come in batches of DAV_BATCH, each batch in a short
 * read transaction of its own (continuing after the last name written) whose arena holds
 * that batch's scratch, so memory stays flat for any collection size. A batch sees its own
 * snapshot: a member changed between batches shows its newer state.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"
#include "storage/store.h"

struct dav_dead {
    struct str_view key, value;
};

struct dav_dead_list {
    struct arena *a;
    struct dav_dead *v;
    size_t n, cap;
};

struct dav_pf {
    struct dav_request *dr;
    struct dav_propfind pf;
    struct dav_ms ms;
    struct dav_target list; /* the collection or folder whose members stream */
    struct str_view prefix; /* files folder "a/": members start with it */
    struct strbuf after;    /* the last name handed out */
    struct strbuf skip;     /* files: a deeper name met; jump past its folder */
    struct dav_prop_plan *plan; /* <D:prop> asked: the members' plan (prop_plan.c) */
    size_t batch_count;
    bool done;
};

static int dav_dead_add(void *ctx, struct str_view qname, struct str_view value)
{
    struct dav_dead_list *l = ctx;
    if (dav_prop_internal_key(qname)) {
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct dav_dead *v = arena_new_array(l->a, struct dav_dead, cap);
        if (l->n) {
            memcpy(v, l->v, l->n * sizeof(*v));
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct dav_dead){ qname, value };
    return 0;
}

static void dav_dead_load(const struct dav_prop_ctx *pc, struct dav_dead_list *l)
{
    const struct dav_target *t = pc->target;
    l->a = pc->a;
    if (t->path.node == DAV_NODE_HOME && t->exists) {
        store_user_prop_list(pc->txn, t->path.user, dav_dead_add, l);
        return;
    }
    if (!t->has_coll || !t->exists) {
        return;
    }
    struct str_view name = t->path.node == DAV_NODE_RESOURCE ? t->res.name : STR_VIEW_NULL;
    store_prop_list(pc->txn, t->coll.id, name, dav_dead_add, l);
}

static const struct dav_dead *dav_dead_find(const struct dav_dead_list *l, struct str_view key)
{
    for (size_t i = 0; i < l->n; i++) {
        if (str_view_eq(l->v[i].key, key)) {
            return &l->v[i];
        }
    }
    return NULL;
}

/* Append a live property with its value to sb; false when undefined on the target. */
static bool dav_live_write(const struct dav_prop_ctx *pc, const struct dav_live_prop *p,
                           struct strbuf *sb)
{
    struct strbuf val;
    strbuf_init(&val, pc->a, 128);
    if (!p->get(pc, &val)) {
        return false;
    }
    struct dav_qname q = { str_view_of(p->ns), str_view_of(p->name) };
    if (val.len == 0) {
        dav_ms_empty_elem(sb, q);
    } else {
        dav_ms_open_elem(sb, q);
        strbuf_append(sb, val.ptr, val.len);
        dav_ms_close_elem(sb, q);
    }
    return true;
}

struct dav_each_ctx {
    const struct dav_prop_ctx *pc;
    struct strbuf *sb;
    bool names_only;
};

static void dav_each_live(void *ctx, const struct dav_live_prop *p)
{
    struct dav_each_ctx *ec = ctx;
    if (ec->names_only) {
        dav_ms_empty_elem(ec->sb, (struct dav_qname){ str_view_of(p->ns), str_view_of(p->name) });
    } else if (p->allprop) {
        dav_live_write(ec->pc, p, ec->sb);
    }
}

static void dav_pf_prop(const struct dav_prop_ctx *pc, const struct dav_propfind *pf,
                        struct dav_propstat *ps)
{
    struct dav_dead_list dead = { 0 };
    bool dead_loaded = false;
    for (size_t i = 0; i < pf->n_props; i++) {
        struct dav_qname q = pf->props[i];
        const struct dav_live_prop *live = dav_prop_find(pc->target, q);
        if (live != NULL) {
            if (!dav_live_write(pc, live, &ps[0].props)) {
                dav_ms_empty_elem(&ps[1].props, q);
            }
            continue;
        }
        if (!dead_loaded) {
            dav_dead_load(pc, &dead);
            dead_loaded = true;
        }
        const struct dav_dead *d = dav_dead_find(&dead, dav_qname_key(pc->a, q));
        if (d != NULL) {
            strbuf_append_view(&ps[0].props, d->value);
        } else {
            dav_ms_empty_elem(&ps[1].props, q);
        }
    }
}

static void dav_pf_all(const struct dav_prop_ctx *pc, const struct dav_propfind *pf,
                       struct dav_propstat *ps)
{
    bool names = pf->kind == DAV_PROPFIND_PROPNAME;
    struct dav_each_ctx ec = { pc, &ps[0].props, names };
    dav_prop_each(pc->target, dav_each_live, &ec);
    struct dav_dead_list dead = { 0 };
    dav_dead_load(pc, &dead);
    for (size_t i = 0; i < dead.n; i++) {
        struct dav_qname q;
        if (!names) {
            strbuf_append_view(&ps[0].props, dead.v[i].value);
        } else if (dav_qname_from_key(dead.v[i].key, &q)) {
            dav_ms_empty_elem(&ps[0].props, q);
        }
    }
    /* RFC 4918 14.8 <include>: live properties allprop leaves out. */
    for (size_t i = 0; !names && i < pf->n_props; i++) {
        const struct dav_live_prop *live = dav_prop_find(pc->target, pf->props[i]);
        if (live != NULL && !live->allprop) {
            dav_live_write(pc, live, &ps[0].props);
        }
    }
}

/* One <D:response> for target t, scratch in a. */
static void dav_pf_target(struct dav_request *dr, struct store_txn *txn, struct arena *a,
                          const struct dav_propfind *pf, const struct dav_target *t,
                          struct dav_ms *ms)
{
    struct dav_propstat ps[2] = { { .status = 200 }, { .status = 404 } };
    strbuf_init(&ps[0].props, a, 512);
    strbuf_init(&ps[1].props, a, 64);
    struct dav_prop_ctx pc = { dr, txn, a, t };
    if (pf->kind == DAV_PROPFIND_PROP) {
        dav_pf_prop(&pc, pf, ps);
    } else {
        dav_pf_all(&pc, pf, ps);
    }
    dav_ms_response(ms, t->href, ps, 2);
}

/* ---------------------------------------------------------------- Depth 1, small nodes */

static void dav_pf_child(struct dav_pf *st, const char *path)
{
    struct dav_request *dr = st->dr;
    struct dav_target child;
    if (dav_target_resolve(dr, path, &child) == 0 && child.exists &&
        dav_access(dr, &child, false) == 0) {
        dav_pf_target(dr, dr->txn, dr->a, &st->pf, &child, &st->ms);
    }
}

static int dav_pf_user(void *ctx, const struct store_user *u)
{
    struct dav_pf *st = ctx;
    dav_pf_child(st, dav_principal_href(st->dr->a, st->dr->app->cfg, u->name));
    return 0;
}

static int dav_pf_coll(void *ctx, const struct store_collection *c)
{
    struct dav_pf *st = ctx;
    enum dav_home home = dav_flavour_of(c->kind)->home;
    if (home == st->dr->target.path.home) {
        dav_pf_child(st, dav_collection_href(st->dr->a, st->dr->app->cfg, c));
    }
    return 0;
}

/* Other users' shared books, listed in the reader's home as "OWNER~BOOK" (MAPPING.md
 * 2.5), so clients that only look at the home (DAVx5, Thunderbird) find them. */
static int dav_pf_shared_book(void *ctx, const struct store_collection *c)
{
    struct dav_pf *st = ctx;
    const struct dav_target *t = &st->dr->target;
    if (!(c->flags & STORE_COLL_SHARED) || str_view_eq(c->owner, t->path.user)) {
        return 0;
    }
    struct strbuf path;
    strbuf_init(&path, st->dr->a, 128);
    strbuf_append_cstr(&path, st->dr->app->cfg->addressbook_home);
    strbuf_appendf(&path, "%.*s/%.*s~%.*s/", STR_VIEW_FMT(t->path.user), STR_VIEW_FMT(c->owner),
            STR_VIEW_FMT(c->slug));
    dav_pf_child(st, path.ptr);
    return 0;
}

static void dav_pf_small_children(struct dav_pf *st)
{
    struct dav_request *dr = st->dr;
    const struct dav_target *t = &dr->target;
    switch (t->path.node) {
    case DAV_NODE_ROOT:
        dav_pf_child(st, dr->app->cfg->principal_path);
        break;
    case DAV_NODE_PRINCIPALS:
        if (t->path.principal_parent) {
            dav_pf_child(st, dr->app->cfg->principal_path);
        } else {
            store_user_list(dr->txn, dav_pf_user, st);
        }
        break;
    case DAV_NODE_HOME:
        store_collection_list(dr->txn, t->path.user, 0, dav_pf_coll, st);
        if (t->path.home == DAV_HOME_ADDRESSBOOKS) {
            store_collection_list(dr->txn, STR_VIEW_NULL, STORE_COLL_ADDRESSBOOK,
                    dav_pf_shared_book, st);
        }
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- Depth 1, streamed */

struct dav_pf_batch {
    struct dav_pf *st;
    struct store_txn *txn;
    struct arena *a;
    struct dav_target m; /* the member being written (plan only) */
};

/* Names are relative paths in files: a member of folder "a/" is "a/x" or "a/x/". A deeper
 * name "a/x/y" stops the batch, and the next one starts after everything under "a/x/". */
static int dav_pf_member(void *ctx, const struct store_resource *r)
{
    struct dav_pf_batch *b = ctx;
    struct dav_pf *st = b->st;
    st->batch_count++;
    strbuf_reset(&st->after);
    strbuf_append_view(&st->after, r->name);
    struct str_view rest =
            str_view_make(r->name.ptr + st->prefix.len, r->name.len - st->prefix.len);
    if (rest.len == 0) {
        return 0; /* the folder itself */
    }
    const char *slash = memchr(rest.ptr, '/', rest.len);
    if (slash != NULL && slash != rest.ptr + rest.len - 1) {
        size_t keep = (size_t)(slash - r->name.ptr) + 1;
        strbuf_reset(&st->skip);
        strbuf_append(&st->skip, r->name.ptr, keep);
        while (st->skip.len < 255) {
            strbuf_append_char(&st->skip, '\xff');
        }
        return 1;
    }
    if (st->plan != NULL) {
        dav_member_set(&b->m, r);
        struct dav_prop_ctx pc = { st->dr, b->txn, b->a, &b->m };
        dav_ms_member(&st->ms, st->plan, &pc, NULL, NULL);
        return 0;
    }
    struct dav_target m;
    dav_target_member(b->a, &st->list, r, &m);
    dav_pf_target(st->dr, b->txn, b->a, &st->pf, &m, &st->ms);
    return 0;
}

/* One batch in its own read transaction. false when the listing is complete. */
static bool dav_pf_batch(struct dav_pf *st)
{
    struct store_txn *txn;
    if (store_txn_begin(st->dr->app->store, false, &txn) != 0) {
        log_warn(&st->dr->req->log, "PROPFIND stream: cannot begin a transaction");
        return false;
    }
    struct dav_pf_batch b = { .st = st, .txn = txn, .a = store_txn_arena(txn) };
    bool more = false;
    if (store_collection_get_by_id(txn, st->list.coll.id, &st->list.coll) == 0) {
        dav_member_init(&st->list, &b.m);
        st->batch_count = 0;
        strbuf_reset(&st->skip);
        int rc = store_resource_list_after(txn, st->list.coll.id, st->prefix,
                                           strbuf_view(&st->after), DAV_BATCH, false, dav_pf_member,
                                           &b);
        if (rc == 1) {
            strbuf_reset(&st->after);
            strbuf_append(&st->after, st->skip.ptr, st->skip.len);
            more = true;
        } else {
            more = rc == 0 && st->batch_count == DAV_BATCH;
        }
    }
    store_txn_abort(&txn);
    return more;
}

static void dav_pf_more(struct http_request *req, void *ctx)
{
    struct dav_pf *st = ctx;
    /* Loop until a batch writes something (skipped subtrees write nothing), so the
     * HTTP layer sees progress on every call. */
    while (!st->done) {
        st->done = !dav_pf_batch(st);
        if (st->ms.sb.len > 0) {
            break;
        }
    }
    if (st->done) {
        dav_ms_finish(&st->ms);
        return;
    }
    dav_ms_flush(&st->ms, true);
}

static void dav_pf_stream(struct dav_pf *st)
{
    struct dav_request *dr = st->dr;
    st->list = dr->target;
    st->prefix = dr->target.is_folder ? dr->target.res.name : STR_VIEW_NULL;
    /* Views into the map die with the transaction: keep what the batches need. */
    st->prefix = str_view_make(str_view_dup(dr->a, st->prefix), st->prefix.len);
    strbuf_init(&st->after, dr->a, 256);
    strbuf_init(&st->skip, dr->a, 256);
    strbuf_append_view(&st->after, st->prefix);
    if (st->pf.kind == DAV_PROPFIND_PROP) {
        struct dav_target shape;
        dav_member_init(&st->list, &shape);
        st->plan = dav_prop_plan_names(dr->a, &shape, st->pf.props, st->pf.n_props);
    }
    dav_ms_begin(&st->ms, dr, true);
    dav_pf_target(dr, dr->txn, dr->a, &st->pf, &dr->target, &st->ms);
    dav_txn_end(dr);
    http_respond_pull(dr->req, dav_pf_more, st);
}

void dav_propfind_handle(struct dav_request *dr)
{
    struct dav_pf *st = arena_new_obj(dr->a, struct dav_pf);
    st->dr = dr;
    int depth = dav_depth(dr, DAV_DEPTH_INFINITY);
    if (depth == DAV_DEPTH_INFINITY) {
        dav_fail_status(dr, 403, "<D:propfind-finite-depth/>", "Depth infinity");
    } else if (depth < 0) {
        dav_fail_status(dr, 400, NULL, "bad Depth header");
    } else {
        int rc = dav_xml_propfind(dr->a, dr->req->body, &st->pf);
        if (rc != 0) {
            dav_fail(dr, rc == ERR_TOO_LARGE ? ERR_INVAL : rc, "malformed PROPFIND body");
        } else if (dav_prepare(dr, false, false) == 0 && !dr->target.exists) {
            dav_fail(dr, ERR_NOT_FOUND, "no such resource");
        }
    }
    if (dr->err.status != 0) {
        dav_respond_error(dr);
        return;
    }
    const struct dav_target *t = &dr->target;
    bool members = t->path.node == DAV_NODE_COLLECTION || t->is_folder;
    if (depth == 1 && members) {
        dav_pf_stream(st);
        return;
    }
    dav_ms_begin(&st->ms, dr, false);
    dav_pf_target(dr, dr->txn, dr->a, &st->pf, t, &st->ms);
    if (depth == 1) {
        dav_pf_small_children(st);
    }
    dav_txn_end(dr);
    dav_ms_finish(&st->ms);
}
