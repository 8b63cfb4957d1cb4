/*
 * time_range.c: instances of a calendar object and their overlap with a time-range.
 *
 * Our own expansion: libical's icalcomponent_foreach_recurrence ignores RECURRENCE-ID
 * overrides (libical#314), so the master's recurrence set is built here from its RRULEs
 * (libical's rule iterator, which is fine), RDATEs and DTSTART, EXDATEs are removed, the
 * instances an override names are dropped and each override is an instance of its own.
 *
 * Everything is bounded, so an RRULE bomb (FREQ=SECONDLY without end, 10,000 RDATEs)
 * costs at most CALDAV_MAX_ITERATIONS iterator steps, CALDAV_MAX_INSTANCES instances and
 * CALDAV_BUDGET_MS of wall time per object; the stored span of a cut-off set is open-ended,
 * which keeps the index a superset.
 */
#include "protocols/caldav/caldav-internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/err.h"

#define DAY 86400

/* The dates of one component, in UTC seconds. */
struct caldav_times {
    bool has_start, has_end, has_due, has_dur, is_date;
    int64_t start, end, due, dur;
    struct icaltimetype start_tt; /* DTSTART with its zone, for the rule iterator */
};

struct caldav_expander {
    const struct caldav_object *obj;
    int64_t from, to;
    struct caldav_instance *v;
    size_t n, cap;
    size_t steps;
    bool span_mode;  /* only the span is wanted: rules with an end need no iteration */
    int64_t hi_hint; /* span mode: the latest end an UNTIL allows */
    struct timespec deadline;
    struct caldav_expand_stats st;
};

static int64_t caldav_dur_seconds(struct icaldurationtype d)
{
    int64_t s = (int64_t)d.weeks * 7 * DAY + (int64_t)d.days * DAY + (int64_t)d.hours * 3600 +
                (int64_t)d.minutes * 60 + d.seconds;
    return d.is_neg ? -s : s;
}

static void caldav_times_of(icalcomponent *root, icalcomponent *c, struct caldav_times *t)
{
    memset(t, 0, sizeof(*t));
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
    if (p != NULL) {
        t->has_start = true;
        t->start = caldav_prop_time(root, p, &t->start_tt);
        t->is_date = t->start_tt.is_date;
    }
    if ((p = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY)) != NULL) {
        t->has_end = true;
        t->end = caldav_prop_time(root, p, NULL);
    }
    if ((p = icalcomponent_get_first_property(c, ICAL_DUE_PROPERTY)) != NULL) {
        t->has_due = true;
        t->due = caldav_prop_time(root, p, NULL);
    }
    if ((p = icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY)) != NULL) {
        t->has_dur = true;
        t->dur = caldav_dur_seconds(icalproperty_get_duration(p));
        if (t->dur < 0) {
            t->dur = 0;
        }
    }
}

/* The instance of c starting at s (s ignored without DTSTART): RFC 4791 9.9 tables. */
static void caldav_instance_at(icalcomponent *root, icalcomponent *c, const struct caldav_times *t,
        int64_t s, struct caldav_instance *in)
{
    memset(in, 0, sizeof(*in));
    in->comp = c;
    in->rid = s;
    icalcomponent_kind k = icalcomponent_isa(c);
    if (k == ICAL_VTODO_COMPONENT) {
        int64_t shift = s - t->start;
        if (t->has_start && t->has_dur) {
            *in = (struct caldav_instance){ CALDAV_SHAPE_TODO_DUR, s, s + t->dur, s, c, false };
        } else if (t->has_start && t->has_due) {
            *in = (struct caldav_instance){ CALDAV_SHAPE_TODO_DUE, s, t->due + shift, s, c, false };
        } else if (t->has_start) {
            *in = (struct caldav_instance){ CALDAV_SHAPE_POINT, s, s, s, c, false };
        } else if (t->has_due) {
            *in = (struct caldav_instance){ CALDAV_SHAPE_DUE_ONLY, t->due, t->due, t->due, c,
                false };
        } else {
            icalproperty *cr = icalcomponent_get_first_property(c, ICAL_CREATED_PROPERTY);
            icalproperty *co = icalcomponent_get_first_property(c, ICAL_COMPLETED_PROPERTY);
            int64_t a = cr ? caldav_prop_time(root, cr, NULL) : INT64_MIN;
            int64_t b = co ? caldav_prop_time(root, co, NULL) : INT64_MIN;
            in->shape = co ? CALDAV_SHAPE_DONE : cr ? CALDAV_SHAPE_CREATED : CALDAV_SHAPE_ALWAYS;
            in->a = a;
            in->b = b;
        }
        return;
    }
    if (!t->has_start) {
        in->shape = CALDAV_SHAPE_NEVER; /* VJOURNAL (and broken VEVENTs) without DTSTART */
        return;
    }
    int64_t dur = t->has_end ? t->end - t->start : t->has_dur ? t->dur : t->is_date ? DAY : 0;
    if (k == ICAL_VJOURNAL_COMPONENT) {
        dur = t->is_date ? DAY : 0;
    }
    in->a = s;
    in->b = s + (dur > 0 ? dur : 0);
    in->shape = dur > 0 ? CALDAV_SHAPE_SPAN : CALDAV_SHAPE_POINT;
}

bool caldav_instance_overlaps(const struct caldav_instance *in, int64_t from, int64_t to)
{
    int64_t a = in->a, b = in->b;
    switch (in->shape) {
    case CALDAV_SHAPE_ALWAYS:
        return true;
    case CALDAV_SHAPE_SPAN:
        return from < b && to > a;
    case CALDAV_SHAPE_POINT:
        return from <= a && to > a;
    case CALDAV_SHAPE_TODO_DUE:
        return (from < b || from <= a) && (to > a || to >= b);
    case CALDAV_SHAPE_TODO_DUR:
        return from <= b && (to > a || to >= b);
    case CALDAV_SHAPE_DUE_ONLY:
        return from < b && to >= b;
    case CALDAV_SHAPE_DONE:
        if (a == INT64_MIN) {
            return from <= b && to >= b;
        }
        return (from <= a || from <= b) && (to >= a || to >= b);
    case CALDAV_SHAPE_CREATED:
        return to > a;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- the expander */

static bool caldav_over_budget(struct caldav_expander *x)
{
    if (++x->steps > CALDAV_MAX_ITERATIONS) {
        return true;
    }
    if ((x->steps & 255) == 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > x->deadline.tv_sec ||
                (now.tv_sec == x->deadline.tv_sec && now.tv_nsec > x->deadline.tv_nsec)) {
            return true;
        }
    }
    return false;
}

static bool caldav_add(struct caldav_expander *x, const struct caldav_instance *in)
{
    if (x->n == CALDAV_MAX_INSTANCES) {
        x->st.truncated = true;
        return false;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        struct caldav_instance *v = realloc(x->v, cap * sizeof(*v));
        if (v == NULL) {
            x->st.truncated = true;
            return false;
        }
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n++] = *in;
    return true;
}

struct caldav_master {
    icalcomponent *comp;
    struct caldav_times t;
    int64_t *exdates;
    size_t n_exdates;
    int64_t *rids; /* RECURRENCE-IDs of the overrides */
    size_t n_rids;
    int64_t max_len; /* how long an instance lasts at most (for the skip-ahead) */
};

static bool caldav_in(const int64_t *v, size_t n, int64_t t)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == t) {
            return true;
        }
    }
    return false;
}

/* One candidate start of the master's recurrence set. false: stop (limit or past `to`). */
static bool caldav_master_start(struct caldav_expander *x, struct caldav_master *m, int64_t s)
{
    if (caldav_in(m->exdates, m->n_exdates, s) || caldav_in(m->rids, m->n_rids, s)) {
        return true;
    }
    struct caldav_instance in;
    caldav_instance_at(x->obj->root, m->comp, &m->t, s, &in);
    if (caldav_instance_overlaps(&in, x->from, x->to)) {
        return caldav_add(x, &in);
    }
    return true;
}

static void caldav_rrule(struct caldav_expander *x, struct caldav_master *m, icalproperty *p)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(p);
    if (rule.freq == ICAL_NO_RECURRENCE) {
        return;
    }
    if (rule.count == 0 && icaltime_is_null_time(rule.until)) {
        x->st.unbounded = true;
        if (x->span_mode) {
            return; /* the span is open-ended whatever the rule yields */
        }
    }
    if (x->span_mode && rule.count == 0) {
        int64_t until = caldav_time_utc(x->obj->root, rule.until, NULL, NULL);
        if (!rule.until.is_date && !icaltime_is_utc(rule.until) && m->t.start_tt.zone) {
            until = (int64_t)icaltime_as_timet_with_zone(rule.until, m->t.start_tt.zone);
        }
        until += m->max_len;
        x->hi_hint = until > x->hi_hint ? until : x->hi_hint;
        return;
    }
    icalrecur_iterator *it = icalrecur_iterator_new(rule, m->t.start_tt);
    if (it == NULL) {
        return;
    }
    /* Jump ahead to the range (libical 3 allows it only without COUNT). */
    if (rule.count == 0 && x->from != INT64_MIN && x->from - m->max_len > m->t.start) {
        icaltimezone *z = (icaltimezone *)m->t.start_tt.zone;
        struct icaltimetype at = icaltime_from_timet_with_zone(
                (time_t)(x->from - m->max_len), m->t.is_date, z ? z : icaltimezone_get_utc_timezone());
        icalrecur_iterator_set_start(it, at);
    }
    for (;;) {
        if (caldav_over_budget(x)) {
            x->st.truncated = true;
            break;
        }
        struct icaltimetype tt = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(tt)) {
            break;
        }
        int64_t s = caldav_time_utc(x->obj->root, tt, NULL, NULL);
        if (tt.zone == NULL && m->t.start_tt.zone != NULL) {
            s = (int64_t)icaltime_as_timet_with_zone(tt, m->t.start_tt.zone);
        } else if (tt.zone != NULL) {
            s = (int64_t)icaltime_as_timet_with_zone(tt, tt.zone);
        }
        if (s >= x->to || !caldav_master_start(x, m, s)) {
            break;
        }
    }
    icalrecur_iterator_free(it);
}

static void caldav_collect_times(struct caldav_expander *x, icalcomponent *c,
        icalproperty_kind kind, int64_t **v_out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    int64_t *v = NULL;
    for (icalproperty *p = icalcomponent_get_first_property(c, kind); p;
            p = icalcomponent_get_next_property(c, kind)) {
        if (n == CALDAV_MAX_RDATES || caldav_over_budget(x)) {
            x->st.truncated = true;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL) {
                break;
            }
            v = nv;
        }
        v[n++] = caldav_prop_time(x->obj->root, p, NULL);
    }
    *v_out = v;
    *n_out = n;
}

static void caldav_expand_master(struct caldav_expander *x, icalcomponent *c)
{
    struct caldav_master m = { .comp = c };
    caldav_times_of(x->obj->root, c, &m.t);
    icalproperty *rr = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
    icalproperty *rd = icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY);
    if (!m.t.has_start || (rr == NULL && rd == NULL)) {
        struct caldav_instance in;
        caldav_instance_at(x->obj->root, c, &m.t, m.t.start, &in);
        if (caldav_instance_overlaps(&in, x->from, x->to)) {
            caldav_add(x, &in);
        }
        return;
    }
    caldav_collect_times(x, c, ICAL_EXDATE_PROPERTY, &m.exdates, &m.n_exdates);
    /* External iterators (icalcompiter) everywhere here: callers may be walking the same
     * components with libical's internal one. */
    icalcompiter it = icalcomponent_begin_component(x->obj->root, x->obj->kind);
    for (icalcomponent *o; (o = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        icalproperty *rid = icalcomponent_get_first_property(o, ICAL_RECURRENCEID_PROPERTY);
        if (rid != NULL && m.n_rids < CALDAV_MAX_COMPONENTS) {
            if (m.rids == NULL) {
                m.rids = calloc(CALDAV_MAX_COMPONENTS, sizeof(int64_t));
            }
            if (m.rids != NULL) {
                m.rids[m.n_rids++] = caldav_prop_time(x->obj->root, rid, NULL);
            }
        }
    }
    struct caldav_instance first;
    caldav_instance_at(x->obj->root, c, &m.t, m.t.start, &first);
    m.max_len = (first.b > first.a ? first.b - first.a : 0) + DAY;
    bool go = m.t.start >= x->to || caldav_master_start(x, &m, m.t.start);
    for (icalproperty *p = rr; go && p; p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
        caldav_rrule(x, &m, p);
    }
    int64_t *rdates;
    size_t n_rdates;
    caldav_collect_times(x, c, ICAL_RDATE_PROPERTY, &rdates, &n_rdates);
    for (size_t i = 0; i < n_rdates && !x->st.truncated; i++) {
        if (rdates[i] != m.t.start && rdates[i] < x->to) {
            caldav_master_start(x, &m, rdates[i]);
        }
    }
    free(rdates);
    free(m.exdates);
    free(m.rids);
}

static int caldav_instance_cmp(const void *pa, const void *pb)
{
    const struct caldav_instance *a = pa, *b = pb;
    if (a->rid != b->rid) {
        return a->rid < b->rid ? -1 : 1;
    }
    return a->is_override - b->is_override;
}

/* Drop repeated starts (DTSTART also produced by the rule, an RDATE equal to a rule date). */
static size_t caldav_dedupe(struct caldav_instance *v, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && v[out - 1].rid == v[i].rid && v[out - 1].comp == v[i].comp) {
            continue;
        }
        v[out++] = v[i];
    }
    return out;
}

static void caldav_expand_all(struct caldav_expander *x)
{
    const struct caldav_object *obj = x->obj;
    clock_gettime(CLOCK_MONOTONIC, &x->deadline);
    x->deadline.tv_nsec += (long)(CALDAV_BUDGET_MS % 1000) * 1000000L;
    x->deadline.tv_sec += CALDAV_BUDGET_MS / 1000 + x->deadline.tv_nsec / 1000000000L;
    x->deadline.tv_nsec %= 1000000000L;
    if (obj->master != NULL) {
        caldav_expand_master(x, obj->master);
    }
    icalcompiter it = icalcomponent_begin_component(obj->root, obj->kind);
    for (icalcomponent *o; (o = icalcompiter_deref(&it)) != NULL; icalcompiter_next(&it)) {
        icalproperty *rid = icalcomponent_get_first_property(o, ICAL_RECURRENCEID_PROPERTY);
        if (rid == NULL) {
            continue;
        }
        struct caldav_times t;
        caldav_times_of(obj->root, o, &t);
        struct caldav_instance in;
        caldav_instance_at(obj->root, o, &t, t.start, &in);
        in.rid = caldav_prop_time(obj->root, rid, NULL);
        in.is_override = true;
        if (caldav_instance_overlaps(&in, x->from, x->to) && !caldav_add(x, &in)) {
            break;
        }
    }
    if (x->n > 1) {
        qsort(x->v, x->n, sizeof(*x->v), caldav_instance_cmp);
        x->n = caldav_dedupe(x->v, x->n);
    }
}

int caldav_expand(const struct caldav_object *obj, int64_t from, int64_t to,
        caldav_instance_fn *fn, void *ctx, struct caldav_expand_stats *stats)
{
    struct caldav_expander x = { .obj = obj, .from = from, .to = to };
    caldav_expand_all(&x);
    int rc = 0;
    for (size_t i = 0; i < x.n && rc == 0; i++) {
        rc = fn(ctx, &x.v[i]);
    }
    x.st.instances = x.n;
    if (stats != NULL) {
        *stats = x.st;
    }
    free(x.v);
    return rc;
}

bool caldav_object_overlaps(const struct caldav_object *obj, int64_t from, int64_t to)
{
    struct caldav_expander x = { .obj = obj, .from = from, .to = to };
    caldav_expand_all(&x);
    bool any = x.n > 0;
    free(x.v);
    return any;
}

void caldav_object_span(const struct caldav_object *obj, int64_t *start_out, int64_t *end_out)
{
    struct caldav_expander x = { .obj = obj, .from = INT64_MIN, .to = INT64_MAX,
        .span_mode = true, .hi_hint = INT64_MIN };
    caldav_expand_all(&x);
    int64_t lo = INT64_MAX, hi = x.hi_hint;
    for (size_t i = 0; i < x.n; i++) {
        const struct caldav_instance *in = &x.v[i];
        if (in->shape == CALDAV_SHAPE_NEVER) {
            continue;
        }
        if (in->shape == CALDAV_SHAPE_ALWAYS || in->shape == CALDAV_SHAPE_CREATED ||
                in->shape == CALDAV_SHAPE_DONE) {
            lo = INT64_MIN; /* CREATED/COMPLETED rows compare with <=, >=: keep it wide */
            hi = INT64_MAX;
            continue;
        }
        int64_t a = in->a < in->b ? in->a : in->b, b = in->a < in->b ? in->b : in->a;
        /* One second of slack on both sides covers the rows that compare with <= / >=. */
        lo = a - 1 < lo ? a - 1 : lo;
        hi = b + 1 > hi ? b + 1 : hi;
    }
    if (x.st.truncated || x.st.unbounded) {
        hi = INT64_MAX;
    }
    free(x.v);
    if (lo == INT64_MAX) {
        lo = hi = INT64_MIN; /* nothing any range can match */
    } else if (hi < lo) {
        hi = lo + 1;
    }
    *start_out = lo;
    *end_out = hi;
}

/* ---------------------------------------------------------------- alarms */

bool caldav_alarm_in_range(icalcomponent *root, icalcomponent *alarm, int64_t inst_start,
        int64_t inst_end, int64_t from, int64_t to)
{
    icalproperty *tp = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
    if (tp == NULL) {
        return false;
    }
    struct icaltriggertype trig = icalproperty_get_trigger(tp);
    int64_t at;
    if (!icaltime_is_null_time(trig.time)) {
        at = caldav_time_utc(root, trig.time, NULL, NULL);
    } else {
        icalparameter *rel = icalproperty_get_first_parameter(tp, ICAL_RELATED_PARAMETER);
        bool end = rel && icalparameter_get_related(rel) == ICAL_RELATED_END;
        at = (end ? inst_end : inst_start) + caldav_dur_seconds(trig.duration);
    }
    int64_t step = 0, repeat = 0;
    icalproperty *rp = icalcomponent_get_first_property(alarm, ICAL_REPEAT_PROPERTY);
    icalproperty *dp = icalcomponent_get_first_property(alarm, ICAL_DURATION_PROPERTY);
    if (rp && dp) {
        repeat = icalproperty_get_repeat(rp);
        step = caldav_dur_seconds(icalproperty_get_duration(dp));
    }
    for (int64_t i = 0; i <= repeat && i < 1000; i++) {
        int64_t t = at + i * step;
        if (from <= t && to > t) {
            return true;
        }
        if (step <= 0) {
            break;
        }
    }
    return false;
}
