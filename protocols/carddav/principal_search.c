/*
 * principal_search.c: RFC 3744 9.4 principal-property-search and 9.5
 * principal-search-property-set over the store's users. Thunderbird falls back to the
 * search when it has no principal URL; macOS asks for the property set before attendee
 * lookups (CLIENTS.md A1). Searchable: displayname, CS email-address-set and CalDAV
 * calendar-user-address-set; a match is a case-insensitive substring (src/utf8.h
 * folding), test="allof" by default (RFC 3744 9.4).
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"
#include "src/utf8.h"

#define DAV_PSEARCH_MAX 64 /* property-search elements per request */

enum dav_psearch_field {
    DAV_PS_NONE = 0,
    DAV_PS_NAME,
    DAV_PS_EMAIL,
};

struct dav_psearch_term {
    enum dav_psearch_field fields[4];
    size_t n_fields;
    struct str_view match; /* folded */
};

struct dav_psearch {
    struct dav_request *dr;
    struct dav_ms ms;
    const struct dav_xml_node *prop;
    struct dav_psearch_term terms[DAV_PSEARCH_MAX];
    size_t n_terms;
    bool anyof;
};

static enum dav_psearch_field dav_psearch_field_of(const struct dav_xml_node *p)
{
    if (dav_xml_is(p, DAV_NS_DAV, "displayname")) {
        return DAV_PS_NAME;
    }
    if (dav_xml_is(p, DAV_NS_CS, "email-address-set") ||
        dav_xml_is(p, DAV_NS_CALDAV, "calendar-user-address-set")) {
        return DAV_PS_EMAIL;
    }
    return DAV_PS_NONE;
}

static bool dav_psearch_contains(struct arena *a, struct str_view hay, struct str_view needle)
{
    struct str_view h = utf8_casefold(a, hay);
    return needle.len == 0 || (h.len >= needle.len && memmem(h.ptr, h.len, needle.ptr, needle.len));
}

static bool dav_psearch_term_match(struct arena *a, const struct dav_psearch_term *t,
                                   const struct store_user *u)
{
    for (size_t i = 0; i < t->n_fields; i++) {
        bool hit = t->fields[i] == DAV_PS_NAME
                           ? dav_psearch_contains(a, u->display_name, t->match) ||
                                     dav_psearch_contains(a, u->name, t->match)
                           : dav_psearch_contains(a, u->email, t->match);
        if (hit) {
            return true;
        }
    }
    return false;
}

static int dav_psearch_user(void *ctx, const struct store_user *u)
{
    struct dav_psearch *ps = ctx;
    struct dav_request *dr = ps->dr;
    bool hit = !ps->anyof;
    for (size_t i = 0; i < ps->n_terms; i++) {
        bool m = dav_psearch_term_match(dr->a, &ps->terms[i], u);
        if (m == ps->anyof) {
            hit = m;
            break;
        }
    }
    if (!hit) {
        return 0;
    }
    struct dav_target t;
    if (dav_target_resolve(dr, dav_principal_href(dr->a, dr->app->cfg, u->name), &t) != 0) {
        return 0;
    }
    struct dav_prop_ctx pc = { dr, dr->txn, dr->a, &t };
    dav_report_member(&ps->ms, &pc, ps->prop, NULL);
    return 0;
}

static bool dav_psearch_parse(struct dav_psearch *ps, const struct dav_xml_node *body)
{
    ps->anyof = str_view_eq_cstr_nocase(dav_xml_attr(body, "test"), "anyof");
    ps->prop = dav_xml_child(body, DAV_NS_DAV, "prop");
    for (const struct dav_xml_node *s = dav_xml_child(body, DAV_NS_DAV, "property-search");
         s != NULL; s = dav_xml_next(s)) {
        if (!dav_xml_is(s, DAV_NS_DAV, "property-search")) {
            continue;
        }
        const struct dav_xml_node *prop = dav_xml_child(s, DAV_NS_DAV, "prop");
        const struct dav_xml_node *match = dav_xml_child(s, DAV_NS_DAV, "match");
        if (prop == NULL || match == NULL || ps->n_terms == DAV_PSEARCH_MAX) {
            return false;
        }
        struct dav_psearch_term *t = &ps->terms[ps->n_terms++];
        t->match = utf8_casefold(ps->dr->a, dav_xml_text(ps->dr->a, match));
        for (const struct dav_xml_node *p = dav_xml_child(prop, NULL, NULL);
             p != NULL && t->n_fields < 4; p = dav_xml_next(p)) {
            enum dav_psearch_field f = dav_psearch_field_of(p);
            if (f != DAV_PS_NONE) {
                t->fields[t->n_fields++] = f;
            }
        }
    }
    return ps->n_terms > 0;
}

void dav_principal_property_search_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    struct dav_psearch *ps = arena_new_obj(dr->a, struct dav_psearch);
    ps->dr = dr;
    if (!dav_psearch_parse(ps, body)) {
        dav_fail_status(dr, 400, NULL, "malformed principal-property-search");
        dav_respond_error(dr);
        return;
    }
    dav_ms_begin(&ps->ms, dr, false);
    int rc = store_user_list(dr->txn, dav_psearch_user, ps);
    if (rc != 0) {
        log_warn(&dr->req->log, "principal search: %s", err_str(rc));
    }
    dav_txn_end(dr);
    dav_ms_finish(&ps->ms);
}

void dav_principal_search_property_set_report(struct dav_request *dr,
                                              const struct dav_xml_node *body)
{
    (void)body;
    static const char doc[] =
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<D:principal-search-property-set" DAV_XMLNS_ALL ">"
            "<D:principal-search-property><D:prop><D:displayname/></D:prop>"
            "<D:description xml:lang=\"en\">Display name</D:description>"
            "</D:principal-search-property>"
            "<D:principal-search-property><D:prop><CS:email-address-set/></D:prop>"
            "<D:description xml:lang=\"en\">E-mail address</D:description>"
            "</D:principal-search-property>"
            "<D:principal-search-property><D:prop><CAL:calendar-user-address-set/></D:prop>"
            "<D:description xml:lang=\"en\">Calendar user address</D:description>"
            "</D:principal-search-property>"
            "</D:principal-search-property-set>\n";
    dav_txn_end(dr);
    http_respond(dr->req, 200, DAV_XML_CONTENT_TYPE, STR_VIEW_LIT(doc));
}
