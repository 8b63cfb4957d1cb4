/*
 * prop_plan.c: member responses of PROPFIND Depth 1 and of the REPORTs, written in one
 * pass from a plan made once per request (dav-internal.h, "member plans").
 *
 * Listing 10,000 members used to resolve each asked name against the live-property tables,
 * format its tags, build its dead-property key and allocate scratch strbufs, per member.
 * Members of one collection share flavour and node kind, so all of that is done once here;
 * per member only the getters run, straight into the multistatus buffer. A value that turns
 * out absent is cut back (strbuf_truncate) and named in the 404 propstat afterwards, so the
 * bytes are the ones dav_ms_response writes: 200 propstat first, empty ones left out.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "protocols/carddav/carddav.h" /* struct dav_data_hook */
#include "src/arena.h"

static struct str_view dav_plan_tag(struct arena *a, struct dav_qname q,
                                    void (*write)(struct strbuf *, struct dav_qname))
{
    struct strbuf sb;
    strbuf_init(&sb, a, q.name.len + q.ns.len + 16);
    write(&sb, q);
    return strbuf_view(&sb);
}

static void dav_plan_tags(struct arena *a, struct dav_qname q, struct dav_plan_prop *out)
{
    out->open = dav_plan_tag(a, q, dav_ms_open_elem);
    out->close = dav_plan_tag(a, q, dav_ms_close_elem);
    out->empty = dav_plan_tag(a, q, dav_ms_empty_elem);
}

static void dav_plan_resolve(struct arena *a, const struct dav_target *t, struct dav_qname q,
                             struct dav_plan_prop *out)
{
    dav_plan_tags(a, q, out);
    out->live = dav_prop_find(t, q);
    if (out->live != NULL) {
        out->kind = DAV_PLAN_LIVE;
        return;
    }
    out->kind = DAV_PLAN_DEAD;
    out->key = dav_qname_key(a, q);
    if (dav_prop_internal_key(out->key)) {
        out->key = STR_VIEW_NULL; /* Kith's own records (the CalDAV instance index) */
    }
}

static struct dav_prop_plan *dav_plan_new(struct arena *a, const struct dav_target *t,
                                          const void *source, size_t n)
{
    struct dav_prop_plan *plan = arena_new_obj(a, struct dav_prop_plan);
    plan->source = source;
    plan->flavour = t->flavour;
    plan->node = t->path.node;
    plan->v = arena_new_array(a, struct dav_plan_prop, n ? n : 1);
    plan->missing = arena_new_array(a, bool, n ? n : 1);
    return plan;
}

struct dav_prop_plan *dav_prop_plan_names(struct arena *a, const struct dav_target *t,
                                          const struct dav_qname *names, size_t n)
{
    struct dav_prop_plan *plan = dav_plan_new(a, t, names, n);
    for (size_t i = 0; i < n; i++) {
        dav_plan_resolve(a, t, names[i], &plan->v[i]);
    }
    plan->n = n;
    return plan;
}

struct dav_prop_plan *dav_prop_plan_elems(struct arena *a, const struct dav_target *t,
                                          const struct dav_xml_node *prop,
                                          const struct dav_data_hook *hook)
{
    size_t n = 0;
    for (const struct dav_xml_node *c = dav_xml_child(prop, NULL, NULL); c != NULL;
         c = dav_xml_next(c)) {
        n++;
    }
    struct dav_prop_plan *plan = dav_plan_new(a, t, prop, n);
    if (hook != NULL) {
        plan->hook_ns = hook->ns;
        plan->hook_name = hook->name;
    }
    for (const struct dav_xml_node *c = dav_xml_child(prop, NULL, NULL); c != NULL;
         c = dav_xml_next(c)) {
        struct dav_plan_prop *p = &plan->v[plan->n++];
        if (hook != NULL && dav_xml_is(c, hook->ns, hook->name)) {
            p->kind = DAV_PLAN_DATA;
            p->elem = c;
            dav_plan_tags(a, (struct dav_qname){ c->ns, c->name }, p);
        } else {
            dav_plan_resolve(a, t, (struct dav_qname){ c->ns, c->name }, p);
        }
    }
    return plan;
}

static bool dav_plan_same_str(const char *x, const char *y)
{
    return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

bool dav_prop_plan_fits(const struct dav_prop_plan *plan, const void *source,
                        const struct dav_data_hook *hook, const struct dav_target *t)
{
    return plan != NULL && plan->source == source && plan->flavour == t->flavour &&
           plan->node == t->path.node && dav_plan_same_str(plan->hook_ns, hook ? hook->ns : NULL) &&
           dav_plan_same_str(plan->hook_name, hook ? hook->name : NULL);
}

/* The value of one planned property into sb; false (and nothing written) when absent. */
static bool dav_plan_write(const struct dav_plan_prop *p, const struct dav_prop_ctx *pc,
                           const struct dav_data_hook *hook, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    if (p->kind == DAV_PLAN_DEAD) {
        struct str_view v;
        if (p->key.len == 0 ||
            store_prop_get(pc->txn, t->coll.id, t->res.name, p->key, &v) != 0) {
            return false;
        }
        strbuf_append_view(sb, v); /* a dead value is the whole element as stored */
        return true;
    }
    size_t mark = sb->len;
    strbuf_append_view(sb, p->open);
    size_t body = sb->len;
    bool ok = p->kind == DAV_PLAN_LIVE ? p->live->get(pc, sb)
                                       : hook->render(hook->ctx, pc, p->elem, sb);
    if (!ok || sb->len == body) {
        strbuf_truncate(sb, mark);
        if (ok) {
            strbuf_append_view(sb, p->empty);
        }
        return ok;
    }
    strbuf_append_view(sb, p->close);
    return true;
}

static void dav_plan_href(struct strbuf *sb, const struct dav_target *t, const char *href)
{
    strbuf_append_lit(sb, "<D:href>");
    if (href != NULL) {
        strbuf_append_xml_escaped(sb, str_view_of(href));
    } else {
        /* Percent-encoding leaves nothing XML would escape in the name part. */
        strbuf_append_xml_escaped(sb, str_view_of(t->coll_href));
        dav_href_append(sb, t->res.name);
    }
    strbuf_append_lit(sb, "</D:href>");
}

void dav_ms_member(struct dav_ms *ms, const struct dav_prop_plan *plan,
                   const struct dav_prop_ctx *pc, const struct dav_data_hook *hook,
                   const char *href)
{
    struct strbuf *sb = &ms->sb;
    strbuf_append_lit(sb, "<D:response>");
    dav_plan_href(sb, pc->target, href);
    size_t mark = sb->len;
    strbuf_append_lit(sb, "<D:propstat><D:prop>");
    size_t start = sb->len;
    size_t n_missing = 0;
    for (size_t i = 0; i < plan->n; i++) {
        plan->missing[i] = !dav_plan_write(&plan->v[i], pc, hook, sb);
        n_missing += plan->missing[i];
    }
    bool found = sb->len > start;
    if (found) {
        strbuf_append_lit(sb, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
    } else {
        strbuf_truncate(sb, mark);
    }
    if (n_missing > 0 && !ms->minimal) {
        strbuf_append_lit(sb, "<D:propstat><D:prop>");
        for (size_t i = 0; i < plan->n; i++) {
            if (plan->missing[i]) {
                strbuf_append_view(sb, plan->v[i].empty);
            }
        }
        strbuf_append_lit(sb, "</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
    } else if (!found) {
        /* Brief: t with only unknown properties still says the resource is there. */
        strbuf_append_lit(sb, "<D:propstat><D:prop/><D:status>HTTP/1.1 200 OK</D:status>"
                              "</D:propstat>");
    }
    strbuf_append_lit(sb, "</D:response>");
    dav_ms_flush(ms, false);
}

void dav_member_init(const struct dav_target *list, struct dav_target *out)
{
    memset(out, 0, sizeof(*out));
    out->path = list->path;
    out->path.node = DAV_NODE_RESOURCE;
    out->exists = true;
    out->has_coll = true;
    out->coll = list->coll;
    out->flavour = list->flavour;
    out->coll_href = list->coll_href;
}

void dav_member_set(struct dav_target *m, const struct store_resource *r)
{
    m->path.name = r->name;
    m->res = *r;
    m->is_folder = r->name.len > 0 && r->name.ptr[r->name.len - 1] == '/';
    m->is_collection = m->is_folder;
    m->href = NULL;
}
