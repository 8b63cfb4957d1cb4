/*
 * filter.c: the calendar-query filter (RFC 4791 9.7): parsed from the request body into a
 * tree, then evaluated against a parsed calendar object.
 *
 * Semantics (9.7.1-9.7.5): a comp-filter matches when a child component of that name
 * exists and passes its time-range, every prop-filter and every nested comp-filter (or,
 * with is-not-defined, when none exists); a prop-filter likewise over properties, with
 * text-match and param-filters. A time-range on VEVENT, VTODO or VJOURNAL is tested
 * against the object's instances (time_range.c), so recurrences and overrides count; on
 * VALARM against the trigger times of each instance.
 */
#include "protocols/caldav/caldav-filter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/arena.h"
#include "src/err.h"

/* ---------------------------------------------------------------- parsing */

static int caldav_parse_tr(struct arena *a, const struct dav_xml_node *n, struct caldav_tr *tr)
{
    struct str_view s = dav_xml_attr(n, "start"), e = dav_xml_attr(n, "end");
    tr->set = true;
    tr->from = INT64_MIN;
    tr->to = INT64_MAX;
    if (s.ptr == NULL && e.ptr == NULL) {
        return ERR_INVAL; /* RFC 4791 9.9: at least one of them */
    }
    if (s.ptr != NULL && !caldav_parse_utc(s, &tr->from)) {
        return ERR_INVAL;
    }
    if (e.ptr != NULL && !caldav_parse_utc(e, &tr->to)) {
        return ERR_INVAL;
    }
    return tr->from < tr->to ? 0 : ERR_INVAL;
}

static int caldav_parse_text_match(struct arena *a, const struct dav_xml_node *n,
        struct caldav_text_match **out)
{
    struct caldav_text_match *tm = arena_new_obj(a, struct caldav_text_match);
    tm->text = dav_xml_text(a, n);
    struct str_view coll = dav_xml_attr(n, "collation");
    struct str_view neg = dav_xml_attr(n, "negate-condition");
    tm->negate = neg.ptr != NULL && str_view_eq_cstr_nocase(neg, "yes");
    if (coll.ptr == NULL || str_view_eq_cstr_nocase(coll, "i;ascii-casemap") ||
            str_view_eq_cstr_nocase(coll, "i;unicode-casemap")) {
        tm->octet = false;
    } else if (str_view_eq_cstr_nocase(coll, "i;octet")) {
        tm->octet = true;
    } else {
        return ERR_UNSUPPORTED; /* CALDAV:supported-collation */
    }
    *out = tm;
    return 0;
}

static int caldav_parse_param(struct arena *a, const struct dav_xml_node *n,
        struct caldav_param_filter *pf)
{
    pf->name = str_view_dup(a, dav_xml_attr(n, "name"));
    if (pf->name[0] == '\0') {
        return ERR_INVAL;
    }
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c;
            c = dav_xml_next(c)) {
        if (dav_xml_is(c, DAV_NS_CALDAV, "is-not-defined")) {
            pf->is_not_defined = true;
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "text-match")) {
            int rc = caldav_parse_text_match(a, c, &pf->text);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static size_t caldav_count(const struct dav_xml_node *n, const char *name)
{
    size_t k = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, name); c;
            c = dav_xml_next(c)) {
        k += dav_xml_is(c, DAV_NS_CALDAV, name);
    }
    return k;
}

static int caldav_parse_prop(struct arena *a, const struct dav_xml_node *n,
        struct caldav_prop_filter *pf)
{
    pf->name = str_view_dup(a, dav_xml_attr(n, "name"));
    if (pf->name[0] == '\0') {
        return ERR_INVAL;
    }
    pf->params = arena_new_array(a, struct caldav_param_filter, caldav_count(n, "param-filter"));
    int rc = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c && rc == 0;
            c = dav_xml_next(c)) {
        if (dav_xml_is(c, DAV_NS_CALDAV, "is-not-defined")) {
            pf->is_not_defined = true;
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "time-range")) {
            rc = caldav_parse_tr(a, c, &pf->tr);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "text-match")) {
            rc = caldav_parse_text_match(a, c, &pf->text);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "param-filter")) {
            rc = caldav_parse_param(a, c, &pf->params[pf->n_params++]);
        }
    }
    return rc;
}

static int caldav_parse_comp(struct arena *a, const struct dav_xml_node *n,
        struct caldav_comp_filter *cf)
{
    cf->name = str_view_dup(a, dav_xml_attr(n, "name"));
    cf->kind = icalcomponent_string_to_kind(cf->name);
    if (cf->name[0] == '\0' || cf->kind == ICAL_NO_COMPONENT) {
        return ERR_INVAL;
    }
    cf->props = arena_new_array(a, struct caldav_prop_filter, caldav_count(n, "prop-filter"));
    cf->comps = arena_new_array(a, struct caldav_comp_filter, caldav_count(n, "comp-filter"));
    int rc = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c && rc == 0;
            c = dav_xml_next(c)) {
        if (dav_xml_is(c, DAV_NS_CALDAV, "is-not-defined")) {
            cf->is_not_defined = true;
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "time-range")) {
            rc = caldav_parse_tr(a, c, &cf->tr);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "prop-filter")) {
            rc = caldav_parse_prop(a, c, &cf->props[cf->n_props++]);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "comp-filter")) {
            rc = caldav_parse_comp(a, c, &cf->comps[cf->n_comps++]);
        }
    }
    return rc;
}

int caldav_filter_parse(struct arena *a, const struct dav_xml_node *filter,
        struct caldav_comp_filter **out)
{
    const struct dav_xml_node *top = dav_xml_child(filter, DAV_NS_CALDAV, "comp-filter");
    if (top == NULL || !dav_xml_is(top, DAV_NS_CALDAV, "comp-filter")) {
        return ERR_INVAL;
    }
    struct caldav_comp_filter *cf = arena_new_obj(a, struct caldav_comp_filter);
    int rc = caldav_parse_comp(a, top, cf);
    if (rc == 0 && cf->kind != ICAL_VCALENDAR_COMPONENT) {
        rc = ERR_INVAL; /* RFC 4791 9.7: the filter's one comp-filter is VCALENDAR */
    }
    *out = cf;
    return rc;
}

bool caldav_filter_range(const struct caldav_comp_filter *cf, int64_t *from, int64_t *to)
{
    if (cf == NULL || cf->n_comps != 1) {
        return false;
    }
    const struct caldav_comp_filter *item = &cf->comps[0];
    bool indexed = item->kind == ICAL_VEVENT_COMPONENT || item->kind == ICAL_VTODO_COMPONENT ||
                   item->kind == ICAL_VJOURNAL_COMPONENT;
    if (!indexed || item->is_not_defined || !item->tr.set) {
        return false;
    }
    *from = item->tr.from;
    *to = item->tr.to;
    return true;
}

/* ---------------------------------------------------------------- evaluation */

struct caldav_eval {
    const struct caldav_object *obj;
};

static bool caldav_contains(struct str_view hay, struct str_view needle, bool octet)
{
    if (needle.len == 0) {
        return true;
    }
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        bool eq = octet ? memcmp(hay.ptr + i, needle.ptr, needle.len) == 0
                        : strncasecmp(hay.ptr + i, needle.ptr, needle.len) == 0;
        if (eq) {
            return true;
        }
    }
    return false;
}

bool caldav_text_matches(const struct caldav_text_match *tm, struct str_view value)
{
    bool m = caldav_contains(value, tm->text, tm->octet);
    return tm->negate ? !m : m;
}

static bool caldav_prop_is(icalproperty *p, const char *name)
{
    const char *pn = icalproperty_get_property_name(p);
    return pn != NULL && strcasecmp(pn, name) == 0;
}

static bool caldav_param_matches(icalproperty *p, const struct caldav_param_filter *pf)
{
    for (icalparameter *par = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER); par;
            par = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
        char *s = icalparameter_as_ical_string_r(par);
        if (s == NULL) {
            continue;
        }
        char *eq = strchr(s, '=');
        bool same = eq != NULL && (size_t)(eq - s) == strlen(pf->name) &&
                    strncasecmp(s, pf->name, (size_t)(eq - s)) == 0;
        bool ok = false;
        if (same && !pf->is_not_defined) {
            struct str_view v = str_view_of(eq + 1);
            if (v.len >= 2 && v.ptr[0] == '"') {
                v = str_view_make(v.ptr + 1, v.len - 2);
            }
            ok = pf->text == NULL || caldav_text_matches(pf->text, v);
        }
        free(s);
        if (same) {
            return ok; /* is-not-defined: the parameter exists, so no match */
        }
    }
    return pf->is_not_defined;
}

static bool caldav_prop_value_matches(const struct caldav_eval *ev, icalproperty *p,
        const struct caldav_prop_filter *pf)
{
    if (pf->tr.set) {
        int64_t t = caldav_prop_time(ev->obj->root, p, NULL);
        if (!(pf->tr.from <= t && pf->tr.to > t)) {
            return false;
        }
    }
    if (pf->text != NULL) {
        icalvalue *v = icalproperty_get_value(p);
        bool ok;
        if (v != NULL && icalvalue_isa(v) == ICAL_TEXT_VALUE) {
            ok = caldav_text_matches(pf->text, str_view_of(icalvalue_get_text(v)));
        } else {
            char *s = icalproperty_get_value_as_string_r(p);
            ok = caldav_text_matches(pf->text, str_view_of(s ? s : ""));
            free(s);
        }
        if (!ok) {
            return false;
        }
    }
    for (size_t i = 0; i < pf->n_params; i++) {
        if (!caldav_param_matches(p, &pf->params[i])) {
            return false;
        }
    }
    return true;
}

static bool caldav_prop_filter_matches(const struct caldav_eval *ev, icalcomponent *c,
        const struct caldav_prop_filter *pf)
{
    bool found = false;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
            p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
        if (!caldav_prop_is(p, pf->name)) {
            continue;
        }
        found = true;
        if (!pf->is_not_defined && caldav_prop_value_matches(ev, p, pf)) {
            return true;
        }
    }
    return pf->is_not_defined ? !found : false;
}

struct caldav_alarm_walk {
    const struct caldav_eval *ev;
    const struct caldav_comp_filter *cf;
    bool hit;
};

static bool caldav_comp_matches(const struct caldav_eval *ev, icalcomponent *c,
        const struct caldav_comp_filter *cf);

static int caldav_alarm_instance(void *ctx, const struct caldav_instance *in)
{
    struct caldav_alarm_walk *w = ctx;
    int64_t end = in->shape == CALDAV_SHAPE_SPAN ? in->b : in->a;
    icalcompiter it = icalcomponent_begin_component(in->comp, ICAL_VALARM_COMPONENT);
    for (icalcomponent *al; (al = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        if (caldav_alarm_in_range(w->ev->obj->root, al, in->a, end, w->cf->tr.from,
                    w->cf->tr.to)) {
            w->hit = true;
            return 1;
        }
    }
    return 0;
}

/* A VALARM time-range: any trigger of any instance in range. Instances are looked for in
 * the range widened by 30 days, which covers every reminder offset clients offer. */
static bool caldav_alarm_range(const struct caldav_eval *ev, const struct caldav_comp_filter *cf)
{
    const int64_t pad = 30 * 86400;
    struct caldav_alarm_walk w = { ev, cf, false };
    int64_t from = cf->tr.from == INT64_MIN ? INT64_MIN : cf->tr.from - pad;
    int64_t to = cf->tr.to == INT64_MAX ? INT64_MAX : cf->tr.to + pad;
    caldav_expand(ev->obj, from, to, caldav_alarm_instance, &w, NULL);
    return w.hit;
}

static bool caldav_children_match(const struct caldav_eval *ev, icalcomponent *parent,
        const struct caldav_comp_filter *cf)
{
    bool found = false;
    icalcompiter it = icalcomponent_begin_component(parent, cf->kind);
    for (icalcomponent *c; (c = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        found = true;
        if (!cf->is_not_defined && caldav_comp_matches(ev, c, cf)) {
            return true;
        }
    }
    return cf->is_not_defined ? !found : false;
}

static bool caldav_comp_matches(const struct caldav_eval *ev, icalcomponent *c,
        const struct caldav_comp_filter *cf)
{
    if (cf->tr.set) {
        if (cf->kind == ICAL_VALARM_COMPONENT) {
            if (!caldav_alarm_range(ev, cf)) {
                return false;
            }
        } else if (cf->kind == ev->obj->kind) {
            if (!caldav_object_overlaps(ev->obj, cf->tr.from, cf->tr.to)) {
                return false;
            }
        } else {
            return false; /* time-range on a component it does not apply to */
        }
    }
    for (size_t i = 0; i < cf->n_props; i++) {
        if (!caldav_prop_filter_matches(ev, c, &cf->props[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < cf->n_comps; i++) {
        if (!caldav_children_match(ev, c, &cf->comps[i])) {
            return false;
        }
    }
    return true;
}

bool caldav_filter_matches(const struct caldav_comp_filter *cf, const struct caldav_object *obj)
{
    struct caldav_eval ev = { obj };
    if (cf == NULL) {
        return true;
    }
    if (cf->is_not_defined) {
        return false; /* every object is a VCALENDAR */
    }
    return caldav_comp_matches(&ev, obj->root, cf);
}

bool caldav_filter_simple(const struct caldav_comp_filter *cf, unsigned *comp_bit,
        struct caldav_tr *tr)
{
    memset(tr, 0, sizeof(*tr));
    *comp_bit = 0;
    if (cf == NULL) {
        return true;
    }
    if (cf->is_not_defined || cf->tr.set || cf->n_props != 0 || cf->n_comps > 1) {
        return false;
    }
    if (cf->n_comps == 0) {
        return true;
    }
    const struct caldav_comp_filter *c = &cf->comps[0];
    if (c->is_not_defined || c->n_props != 0 || c->n_comps != 0) {
        return false;
    }
    switch (c->kind) {
    case ICAL_VEVENT_COMPONENT:
        *comp_bit = STORE_COMP_VEVENT;
        break;
    case ICAL_VTODO_COMPONENT:
        *comp_bit = STORE_COMP_VTODO;
        break;
    case ICAL_VJOURNAL_COMPONENT:
        *comp_bit = STORE_COMP_VJOURNAL;
        break;
    default:
        return false;
    }
    *tr = c->tr;
    return true;
}
