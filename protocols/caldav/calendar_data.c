/*
 * calendar_data.c: the CALDAV:calendar-data a report returns (RFC 4791 9.6).
 *
 * Without children the stored bytes go out unchanged (MAPPING.md decision 2). Otherwise
 * the object is rebuilt with libical: expand (9.6.5) writes one component per instance
 * overlapping the range, in UTC, with RECURRENCE-ID, overrides in place of the instances
 * they replace and EXDATEs gone, and no VTIMEZONE; limit-recurrence-set (9.6.6) keeps the
 * master and the overrides that overlap; comp/prop (9.6.1-9.6.4) prune what is returned.
 */
#include "protocols/caldav/caldav-filter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/arena.h"
#include "src/err.h"

/* ---------------------------------------------------------------- parsing */

static int caldav_data_tr(const struct dav_xml_node *n, struct caldav_tr *tr)
{
    struct str_view s = dav_xml_attr(n, "start"), e = dav_xml_attr(n, "end");
    /* RFC 4791 9.6.5: both attributes are required for expand and limit-recurrence-set. */
    if (!caldav_parse_utc(s, &tr->from) || !caldav_parse_utc(e, &tr->to) || tr->from >= tr->to) {
        return ERR_INVAL;
    }
    tr->set = true;
    return 0;
}

static int caldav_sel_parse(struct arena *a, const struct dav_xml_node *n,
        struct caldav_comp_sel *sel, int depth)
{
    sel->name = str_view_dup(a, dav_xml_attr(n, "name"));
    if (sel->name[0] == '\0' || depth > 8) {
        return ERR_INVAL;
    }
    size_t np = 0, nc = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c;
            c = dav_xml_next(c)) {
        np += dav_xml_is(c, DAV_NS_CALDAV, "prop");
        nc += dav_xml_is(c, DAV_NS_CALDAV, "comp");
    }
    sel->props = arena_new_array(a, const char *, np);
    sel->comps = arena_new_array(a, struct caldav_comp_sel, nc);
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c;
            c = dav_xml_next(c)) {
        if (dav_xml_is(c, DAV_NS_CALDAV, "allprop")) {
            sel->all_props = true;
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "allcomp")) {
            sel->all_comps = true;
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "prop")) {
            sel->props[sel->n_props++] = str_view_dup(a, dav_xml_attr(c, "name"));
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "comp")) {
            int rc = caldav_sel_parse(a, c, &sel->comps[sel->n_comps++], depth + 1);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

int caldav_data_req_parse(struct arena *a, const struct dav_xml_node *n,
        struct caldav_data_req *out)
{
    memset(out, 0, sizeof(*out));
    for (const struct dav_xml_node *c = dav_xml_child(n, DAV_NS_CALDAV, NULL); c;
            c = dav_xml_next(c)) {
        int rc = 0;
        if (dav_xml_is(c, DAV_NS_CALDAV, "comp")) {
            out->sel = arena_new_obj(a, struct caldav_comp_sel);
            rc = caldav_sel_parse(a, c, out->sel, 0);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "expand")) {
            rc = caldav_data_tr(c, &out->expand);
        } else if (dav_xml_is(c, DAV_NS_CALDAV, "limit-recurrence-set")) {
            rc = caldav_data_tr(c, &out->limit_rs);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

bool caldav_data_req_verbatim(const struct caldav_data_req *dq)
{
    return dq->sel == NULL && !dq->expand.set && !dq->limit_rs.set;
}

/* ---------------------------------------------------------------- selection */

static void caldav_remove_props(icalcomponent *c, icalproperty_kind k)
{
    icalproperty *p;
    while ((p = icalcomponent_get_first_property(c, k)) != NULL) {
        icalcomponent_remove_property(c, p);
        icalproperty_free(p);
    }
}

static bool caldav_name_listed(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (name != NULL && strcasecmp(names[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static void caldav_select(icalcomponent *c, const struct caldav_comp_sel *sel)
{
    if (!sel->all_props) {
        icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
        while (p != NULL) {
            icalproperty *next = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY);
            if (!caldav_name_listed(sel->props, sel->n_props, icalproperty_get_property_name(p))) {
                icalcomponent_remove_property(c, p);
                icalproperty_free(p);
            }
            p = next;
        }
    }
    if (sel->all_comps) {
        return;
    }
    icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
    while (s != NULL) {
        icalcomponent *next = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT);
        const char *kind = icalcomponent_kind_to_string(icalcomponent_isa(s));
        const struct caldav_comp_sel *sub = NULL;
        for (size_t i = 0; i < sel->n_comps && kind != NULL; i++) {
            if (strcasecmp(sel->comps[i].name, kind) == 0) {
                sub = &sel->comps[i];
            }
        }
        if (sub == NULL) {
            icalcomponent_remove_component(c, s);
            icalcomponent_free(s);
        } else {
            caldav_select(s, sub);
        }
        s = next;
    }
}

/* ---------------------------------------------------------------- expand */

static void caldav_set_time(icalcomponent *c, icalproperty_kind k, int64_t t, bool is_date)
{
    caldav_remove_props(c, k);
    struct icaltimetype tt =
            icaltime_from_timet_with_zone((time_t)t, is_date, icaltimezone_get_utc_timezone());
    icalproperty *p = NULL;
    switch (k) {
    case ICAL_DTSTART_PROPERTY:
        p = icalproperty_new_dtstart(tt);
        break;
    case ICAL_DTEND_PROPERTY:
        p = icalproperty_new_dtend(tt);
        break;
    case ICAL_DUE_PROPERTY:
        p = icalproperty_new_due(tt);
        break;
    default:
        p = icalproperty_new_recurrenceid(tt);
        break;
    }
    icalcomponent_add_property(c, p);
}

struct caldav_expand_out {
    const struct caldav_object *obj;
    icalcomponent *cal;
    bool recurring;
    icalcomponent *tmpl_of; /* the component tmpl was made from */
    icalcomponent *tmpl;    /* it without RRULE/RDATE/EXDATE: cloned per instance, so an
                             * object with 10,000 RDATEs is not copied per instance */
};

static bool caldav_prop_is_date(icalcomponent *c, icalproperty_kind k)
{
    icalproperty *p = icalcomponent_get_first_property(c, k);
    return p != NULL && icalvalue_isa(icalproperty_get_value(p)) == ICAL_DATE_VALUE;
}

static int caldav_expand_one(void *ctx, const struct caldav_instance *in)
{
    struct caldav_expand_out *eo = ctx;
    if (eo->tmpl_of != in->comp) {
        if (eo->tmpl != NULL) {
            icalcomponent_free(eo->tmpl);
        }
        eo->tmpl = icalcomponent_new_clone(in->comp);
        eo->tmpl_of = in->comp;
        caldav_remove_props(eo->tmpl, ICAL_RRULE_PROPERTY);
        caldav_remove_props(eo->tmpl, ICAL_RDATE_PROPERTY);
        caldav_remove_props(eo->tmpl, ICAL_EXDATE_PROPERTY);
        caldav_remove_props(eo->tmpl, ICAL_EXRULE_PROPERTY);
    }
    icalcomponent *c = icalcomponent_new_clone(eo->tmpl);
    bool date = caldav_prop_is_date(c, ICAL_DTSTART_PROPERTY);
    bool has_end = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY) != NULL;
    bool has_due = icalcomponent_get_first_property(c, ICAL_DUE_PROPERTY) != NULL;
    bool has_start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY) != NULL;
    if (has_start) {
        caldav_set_time(c, ICAL_DTSTART_PROPERTY, in->a, date);
        if (has_end) {
            caldav_set_time(c, ICAL_DTEND_PROPERTY, in->shape == CALDAV_SHAPE_SPAN ? in->b : in->a,
                    caldav_prop_is_date(in->comp, ICAL_DTEND_PROPERTY));
        }
        if (has_due && in->shape == CALDAV_SHAPE_TODO_DUE) {
            caldav_set_time(c, ICAL_DUE_PROPERTY, in->b,
                    caldav_prop_is_date(in->comp, ICAL_DUE_PROPERTY));
        }
    }
    if (eo->recurring) {
        caldav_set_time(c, ICAL_RECURRENCEID_PROPERTY, in->rid, date);
    }
    icalcomponent_add_component(eo->cal, c);
    return 0;
}

static icalcomponent *caldav_expanded(const struct caldav_object *obj, const struct caldav_tr *tr)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    for (icalproperty *p = icalcomponent_get_first_property(obj->root, ICAL_ANY_PROPERTY); p;
            p = icalcomponent_get_next_property(obj->root, ICAL_ANY_PROPERTY)) {
        icalcomponent_add_property(cal, icalproperty_new_clone(p));
    }
    struct caldav_expand_out eo = { obj, cal, false, NULL, NULL };
    icalcomponent *m = obj->master;
    eo.recurring = (m && (icalcomponent_get_first_property(m, ICAL_RRULE_PROPERTY) ||
                                 icalcomponent_get_first_property(m, ICAL_RDATE_PROPERTY))) ||
                   icalcomponent_count_components(obj->root, obj->kind) > 1;
    caldav_expand(obj, tr->from, tr->to, caldav_expand_one, &eo, NULL);
    if (eo.tmpl != NULL) {
        icalcomponent_free(eo.tmpl);
    }
    return cal;
}

/* ---------------------------------------------------------------- limit-recurrence-set */

struct caldav_keep {
    icalcomponent **v;
    size_t n;
};

static int caldav_keep_override(void *ctx, const struct caldav_instance *in)
{
    struct caldav_keep *k = ctx;
    if (in->is_override && k->n < CALDAV_MAX_COMPONENTS) {
        k->v[k->n++] = in->comp;
    }
    return 0;
}

static void caldav_limit_set(const struct caldav_object *obj, icalcomponent *copy,
        const struct caldav_tr *tr)
{
    struct caldav_keep k = { calloc(CALDAV_MAX_COMPONENTS, sizeof(icalcomponent *)), 0 };
    if (k.v == NULL) {
        return;
    }
    caldav_expand(obj, tr->from, tr->to, caldav_keep_override, &k, NULL);
    /* The copy's components are in the same order as the original's: walk both. */
    icalcomponent *o = icalcomponent_get_first_component(obj->root, obj->kind);
    icalcomponent *c = icalcomponent_get_first_component(copy, obj->kind);
    while (o != NULL && c != NULL) {
        icalcomponent *next = icalcomponent_get_next_component(copy, obj->kind);
        bool keep = icalcomponent_get_first_property(o, ICAL_RECURRENCEID_PROPERTY) == NULL;
        for (size_t i = 0; i < k.n && !keep; i++) {
            keep = k.v[i] == o;
        }
        if (!keep) {
            icalcomponent_remove_component(copy, c);
            icalcomponent_free(c);
        }
        o = icalcomponent_get_next_component(obj->root, obj->kind);
        c = next;
    }
    free(k.v);
}

void caldav_data_render(const struct caldav_data_req *dq, const struct caldav_object *obj,
        struct strbuf *sb)
{
    icalcomponent *out;
    if (dq->expand.set) {
        out = caldav_expanded(obj, &dq->expand);
    } else {
        out = icalcomponent_new_clone(obj->root);
        if (dq->limit_rs.set) {
            caldav_limit_set(obj, out, &dq->limit_rs);
        }
    }
    if (dq->sel != NULL && strcasecmp(dq->sel->name, "VCALENDAR") == 0) {
        caldav_select(out, dq->sel);
    }
    char *text = icalcomponent_as_ical_string_r(out);
    if (text != NULL) {
        strbuf_append_cstr(sb, text);
        free(text);
    }
    icalcomponent_free(out);
}
