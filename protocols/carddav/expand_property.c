/*
 * expand_property.c: the RFC 3253 3.8 expand-property REPORT. macOS and iOS ask it on
 * their principal (CLIENTS.md A1, CCS request logs): for each <D:property> asked, the
 * value; when the property lists hrefs and the request nests <D:property> elements in it,
 * each href becomes a <D:response> with those properties of the resource it names.
 * Properties we do not have (calendar-proxy-read-for ...) are 404 propstats, which Apple
 * clients take as "no delegation". Nesting is followed to DAV_EXPAND_DEPTH levels.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"

#define DAV_EXPAND_DEPTH 3

static void dav_expand_target(struct dav_request *dr, const struct dav_target *t,
                              const struct dav_xml_node *req, struct strbuf *out, int depth);

static struct dav_qname dav_expand_qname(const struct dav_xml_node *p)
{
    struct str_view ns = dav_xml_attr(p, "namespace");
    return (struct dav_qname){ ns.len ? ns : STR_VIEW_LIT(DAV_NS_DAV), dav_xml_attr(p, "name") };
}

static bool dav_expand_has_children(const struct dav_xml_node *p)
{
    return dav_xml_child(p, DAV_NS_DAV, "property") != NULL;
}

/* Undo the XML escaping our getters apply to hrefs. */
static const char *dav_expand_unescape(struct arena *a, struct str_view v)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = { { "&amp;", '&' },  { "&lt;", '<' },    { "&gt;", '>' },
                 { "&quot;", '"' }, { "&apos;", '\'' }, { "&#39;", '\'' } };

    char *out = arena_alloc(a, v.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        bool done = false;
        for (size_t e = 0; v.ptr[i] == '&' && e < sizeof(ents) / sizeof(ents[0]) && !done; e++) {
            size_t el = strlen(ents[e].ent);
            if (i + el <= v.len && memcmp(v.ptr + i, ents[e].ent, el) == 0) {
                out[n++] = ents[e].c;
                i += el - 1;
                done = true;
            }
        }
        if (!done) {
            out[n++] = v.ptr[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* One href of a property value as a nested <D:response>. */
static void dav_expand_href(struct dav_request *dr, const char *href,
                            const struct dav_xml_node *req, struct strbuf *out, int depth)
{
    const char *path;
    struct dav_target sub;
    bool found = dav_destination_path(dr->a, href, &path) == 0 &&
                 dav_target_resolve(dr, path, &sub) == 0 && sub.exists &&
                 dav_access(dr, &sub, false) == 0;
    if (found) {
        dav_expand_target(dr, &sub, req, out, depth + 1);
        return;
    }
    strbuf_append_cstr(out, "<D:response><D:href>");
    strbuf_append_xml_escaped(out, str_view_of(href));
    strbuf_append_cstr(out, "</D:href><D:status>");
    dav_ms_status_line(out, 404);
    strbuf_append_cstr(out, "</D:status></D:response>");
}

/* The value val of a property, each <D:href> replaced by its expansion. */
static void dav_expand_value(struct dav_request *dr, struct str_view val,
                             const struct dav_xml_node *req, struct strbuf *out, int depth)
{
    static const char open[] = "<D:href>", close[] = "</D:href>";
    const char *p = val.ptr, *end = val.ptr + val.len;
    while (p < end) {
        const char *o = memmem(p, (size_t)(end - p), open, sizeof(open) - 1);
        const char *s = o ? o + sizeof(open) - 1 : NULL;
        const char *c = s ? memmem(s, (size_t)(end - s), close, sizeof(close) - 1) : NULL;
        if (c == NULL) {
            break; /* no hrefs left: the rest is not an href list, drop it */
        }
        const char *href = dav_expand_unescape(dr->a, str_view_make(s, (size_t)(c - s)));
        dav_expand_href(dr, href, req, out, depth);
        p = c + sizeof(close) - 1;
    }
}

static void dav_expand_props(struct dav_request *dr, const struct dav_target *t,
                             const struct dav_xml_node *req, struct dav_propstat *ps, int depth)
{
    struct dav_prop_ctx pc = { dr, dr->txn, dr->a, t };
    for (const struct dav_xml_node *p = dav_xml_child(req, DAV_NS_DAV, "property"); p != NULL;
         p = dav_xml_next(p)) {
        if (!dav_xml_is(p, DAV_NS_DAV, "property")) {
            continue;
        }
        struct dav_qname q = dav_expand_qname(p);
        const struct dav_live_prop *live = q.name.len ? dav_prop_find(t, q) : NULL;
        struct strbuf val;
        strbuf_init(&val, dr->a, 128);
        if (live == NULL || !live->get(&pc, &val)) {
            if (q.name.len) {
                dav_ms_empty_elem(&ps[1].props, q);
            }
            continue;
        }
        dav_ms_open_elem(&ps[0].props, q);
        if (dav_expand_has_children(p) && depth < DAV_EXPAND_DEPTH) {
            dav_expand_value(dr, strbuf_view(&val), p, &ps[0].props, depth);
        } else {
            strbuf_append(&ps[0].props, val.ptr, val.len);
        }
        dav_ms_close_elem(&ps[0].props, q);
    }
}

/* A <D:response> for t with the properties req asks for, appended to out. */
static void dav_expand_target(struct dav_request *dr, const struct dav_target *t,
                              const struct dav_xml_node *req, struct strbuf *out, int depth)
{
    struct dav_propstat ps[2] = { { .status = 200 }, { .status = 404 } };
    strbuf_init(&ps[0].props, dr->a, 512);
    strbuf_init(&ps[1].props, dr->a, 64);
    dav_expand_props(dr, t, req, ps, depth);
    /* The multistatus writer puts the 200 propstat first; borrow it for nested ones. */
    struct dav_ms inner = { .req = dr->req, .stream = false, .minimal = dr->minimal };
    inner.sb = *out;
    dav_ms_response(&inner, t->href, ps, 2);
    *out = inner.sb;
}

void dav_expand_property_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    if (!dr->target.exists) {
        dav_fail_status(dr, 404, NULL, "expand-property on nothing");
        dav_respond_error(dr);
        return;
    }
    struct dav_ms ms;
    dav_ms_begin(&ms, dr, false);
    dav_expand_target(dr, &dr->target, body, &ms.sb, 0);
    dav_txn_end(dr);
    dav_ms_finish(&ms);
}
