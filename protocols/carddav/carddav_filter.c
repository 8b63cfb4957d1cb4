/*
 * carddav_filter.c: the addressbook-query filter (RFC 6352 10.5): parsing <C:filter> and
 * evaluating it on a parsed card. Pure code (no store, no I/O), so the fuzz target and the
 * unit tests run it directly.
 *
 * Semantics:
 *   - filter: test="anyof" (default) or "allof" over its prop-filters; none matches all;
 *   - prop-filter: is-not-defined, or some instance of the property (group ignored) for
 *     which its text-matches and param-filters hold, combined by its own test attribute;
 *     with no children the property only has to exist;
 *   - param-filter: is-not-defined, or some value of the parameter passes its text-match;
 *   - text-match: collation i;unicode-casemap (default, RFC 6352 10.5.4; folded with
 *     src/utf8.h), i;ascii-casemap or i;octet; match-type contains (default), equals,
 *     starts-with, ends-with; negate-condition="yes" inverts it. The needle is folded once.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/err.h"
#include "src/utf8.h"

#define CARDDAV_FILTER_MAX_ITEMS 256 /* prop-filters, text-matches or param-filters per level */

struct str_view carddav_fold(struct arena *a, enum carddav_collation c, struct str_view v)
{
    if (c == CARDDAV_COLL_OCTET) {
        return v;
    }
    if (c == CARDDAV_COLL_UNICODE) {
        return utf8_casefold(a, v);
    }
    char *out = arena_alloc(a, v.len + 1);
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.ptr[i];
        out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
    }
    return str_view_make(out, v.len);
}

static bool carddav_attr_yes(const struct dav_xml_node *n, const char *name)
{
    return str_view_eq_cstr_nocase(dav_xml_attr(n, name), "yes");
}

/* test="anyof" | "allof"; false for anything else. */
static bool carddav_parse_test(const struct dav_xml_node *n, bool *allof_out)
{
    struct str_view t = dav_xml_attr(n, "test");
    *allof_out = str_view_eq_cstr_nocase(t, "allof");
    return t.len == 0 || *allof_out || str_view_eq_cstr_nocase(t, "anyof");
}

static int carddav_parse_text(struct arena *a, const struct dav_xml_node *n,
                              struct carddav_text *out, const char **pre)
{
    struct str_view coll = dav_xml_attr(n, "collation");
    if (coll.len == 0 || str_view_eq(coll, STR_VIEW_LIT("i;unicode-casemap"))) {
        out->coll = CARDDAV_COLL_UNICODE;
    } else if (str_view_eq(coll, STR_VIEW_LIT("i;ascii-casemap"))) {
        out->coll = CARDDAV_COLL_ASCII;
    } else if (str_view_eq(coll, STR_VIEW_LIT("i;octet"))) {
        out->coll = CARDDAV_COLL_OCTET;
    } else {
        *pre = "<C:supported-collation/>";
        return ERR_UNSUPPORTED;
    }
    static const char *const types[] = { "equals", "contains", "starts-with", "ends-with" };
    struct str_view mt = dav_xml_attr(n, "match-type");
    out->match = CARDDAV_MATCH_CONTAINS;
    bool known = mt.len == 0;
    for (size_t i = 0; i < 4 && !known; i++) {
        if (str_view_eq(mt, str_view_of(types[i]))) {
            out->match = (enum carddav_match)i;
            known = true;
        }
    }
    if (!known) {
        *pre = "<C:supported-filter/>";
        return ERR_UNSUPPORTED;
    }
    out->negate = carddav_attr_yes(n, "negate-condition");
    out->raw = dav_xml_text(a, n);
    out->text = carddav_fold(a, out->coll, out->raw);
    return 0;
}

static int carddav_parse_param(struct arena *a, const struct dav_xml_node *n,
                               struct carddav_param *out, const char **pre)
{
    out->name = dav_xml_attr(n, "name");
    if (out->name.len == 0) {
        return ERR_INVAL;
    }
    const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CARDDAV, NULL);
    if (c == NULL) {
        return 0; /* RFC 6352 10.5.2 allows neither: the parameter must exist */
    }
    if (dav_xml_is(c, DAV_NS_CARDDAV, "is-not-defined")) {
        out->not_defined = true;
        return 0;
    }
    if (!dav_xml_is(c, DAV_NS_CARDDAV, "text-match")) {
        return ERR_INVAL;
    }
    out->tm = arena_new_obj(a, struct carddav_text);
    return carddav_parse_text(a, c, out->tm, pre);
}

static size_t carddav_count(const struct dav_xml_node *n, const char *name)
{
    size_t k = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CARDDAV, NULL); c != NULL;
         c = dav_xml_next(c)) {
        k += dav_xml_is(c, DAV_NS_CARDDAV, name);
    }
    return k;
}

static int carddav_parse_propf(struct arena *a, const struct dav_xml_node *n,
                               struct carddav_propf *out, const char **pre)
{
    out->name = dav_xml_attr(n, "name");
    size_t n_tms = carddav_count(n, "text-match"), n_params = carddav_count(n, "param-filter");
    if (out->name.len == 0 || !carddav_parse_test(n, &out->allof) ||
        n_tms > CARDDAV_FILTER_MAX_ITEMS || n_params > CARDDAV_FILTER_MAX_ITEMS) {
        return ERR_INVAL;
    }
    out->tms = arena_new_array(a, struct carddav_text, n_tms + 1);
    out->params = arena_new_array(a, struct carddav_param, n_params + 1);
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CARDDAV, NULL); c != NULL;
         c = dav_xml_next(c)) {
        int rc = 0;
        if (dav_xml_is(c, DAV_NS_CARDDAV, "is-not-defined")) {
            out->not_defined = true;
        } else if (dav_xml_is(c, DAV_NS_CARDDAV, "text-match")) {
            rc = carddav_parse_text(a, c, &out->tms[out->n_tms++], pre);
        } else if (dav_xml_is(c, DAV_NS_CARDDAV, "param-filter")) {
            rc = carddav_parse_param(a, c, &out->params[out->n_params++], pre);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int carddav_filter_parse(struct arena *a, const struct dav_xml_node *filter,
                         struct carddav_filter **out, const char **precondition_out)
{
    *precondition_out = NULL;
    struct carddav_filter *f = arena_new_obj(a, struct carddav_filter);
    *out = f;
    size_t n = carddav_count(filter, "prop-filter");
    if (!carddav_parse_test(filter, &f->allof) || n > CARDDAV_FILTER_MAX_ITEMS) {
        return ERR_INVAL;
    }
    f->pfs = arena_new_array(a, struct carddav_propf, n + 1);
    for (const struct dav_xml_node *c = dav_xml_child(filter, DAV_NS_CARDDAV, "prop-filter");
         c != NULL; c = dav_xml_next(c)) {
        if (!dav_xml_is(c, DAV_NS_CARDDAV, "prop-filter")) {
            continue;
        }
        int rc = carddav_parse_propf(a, c, &f->pfs[f->n_pfs++], precondition_out);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- evaluation */

static bool carddav_text_match(struct arena *a, const struct carddav_text *tm, struct str_view v)
{
    struct str_view h = carddav_fold(a, tm->coll, v);
    struct str_view n = tm->text;
    bool r = false;
    switch (tm->match) {
    case CARDDAV_MATCH_EQUALS:
        r = str_view_eq(h, n);
        break;
    case CARDDAV_MATCH_CONTAINS:
        r = n.len == 0 || (h.len >= n.len && memmem(h.ptr, h.len, n.ptr, n.len) != NULL);
        break;
    case CARDDAV_MATCH_STARTS:
        r = h.len >= n.len && memcmp(h.ptr, n.ptr, n.len) == 0;
        break;
    case CARDDAV_MATCH_ENDS:
        r = h.len >= n.len && memcmp(h.ptr + h.len - n.len, n.ptr, n.len) == 0;
        break;
    }
    return r != tm->negate;
}

static bool carddav_param_match(struct arena *a, const struct carddav_param *pf,
                                const struct vcard_prop *p)
{
    const struct vcard_param *par = NULL;
    for (size_t i = 0; i < p->n_params && par == NULL; i++) {
        if (str_view_eq_nocase(p->params[i].name, pf->name)) {
            par = &p->params[i];
        }
    }
    if (pf->not_defined || par == NULL) {
        return pf->not_defined == (par == NULL);
    }
    if (pf->tm == NULL) {
        return true;
    }
    for (size_t i = 0; i < par->n_values; i++) {
        if (carddav_text_match(a, pf->tm, par->values[i])) {
            return true;
        }
    }
    return par->n_values == 0 && carddav_text_match(a, pf->tm, STR_VIEW_LIT(""));
}

/* One instance of the property against the prop-filter's children. */
static bool carddav_instance_match(struct arena *a, const struct carddav_propf *pf,
                                   const struct vcard_prop *p)
{
    if (pf->n_tms + pf->n_params == 0) {
        return true;
    }
    struct str_view text = pf->n_tms ? vcard_value_text(a, p->value) : STR_VIEW_NULL;
    for (size_t i = 0; i < pf->n_tms; i++) {
        bool r = carddav_text_match(a, &pf->tms[i], text);
        if (r != pf->allof) {
            return r;
        }
    }
    for (size_t i = 0; i < pf->n_params; i++) {
        bool r = carddav_param_match(a, &pf->params[i], p);
        if (r != pf->allof) {
            return r;
        }
    }
    return pf->allof;
}

static bool carddav_name_is(const struct vcard_prop *p, struct str_view name)
{
    if (str_view_eq_nocase(p->name, name)) {
        return true;
    }
    /* "item1.EMAIL" names one grouped property. */
    size_t g = p->group.len;
    return g > 0 && name.len == g + 1 + p->name.len && name.ptr[g] == '.' &&
           str_view_eq_nocase(str_view_make(name.ptr, g), p->group) &&
           str_view_eq_nocase(str_view_make(name.ptr + g + 1, p->name.len), p->name);
}

static bool carddav_propf_match(struct arena *a, const struct carddav_propf *pf,
                                const struct vcard *card)
{
    bool seen = false;
    for (size_t i = 0; i < card->n_props; i++) {
        const struct vcard_prop *p = &card->props[i];
        if (!carddav_name_is(p, pf->name)) {
            continue;
        }
        seen = true;
        if (!pf->not_defined && carddav_instance_match(a, pf, p)) {
            return true;
        }
    }
    /* VERSION is not among the parsed properties but always there. */
    if (str_view_eq_cstr_nocase(pf->name, "VERSION")) {
        seen = true;
    }
    return pf->not_defined && !seen;
}

bool carddav_filter_match(struct arena *a, const struct carddav_filter *f, const struct vcard *card)
{
    if (f->n_pfs == 0) {
        return true;
    }
    for (size_t i = 0; i < f->n_pfs; i++) {
        bool r = carddav_propf_match(a, &f->pfs[i], card);
        if (r != f->allof) {
            return r;
        }
    }
    return f->allof;
}
