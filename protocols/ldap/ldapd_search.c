/*
 * ldapd_search.c: the search operation (RFC 4511 4.5) and compare (4.10).
 *
 * Entries come in a fixed order, so paged cookies can count them: root DSE or cn=Subschema
 * (base searches), the suffix and its containers, entities in id order (from the index
 * plan, or a walk of the store when the filter has no usable index), then users. Each
 * candidate is checked for visibility, scope (its DN below the base) and the filter; the
 * attributes a client asked for decide which sources are built (ldapd_entry.c).
 *
 * Limits (CLIENTS.md B2.5): the size limit is the smaller of the client's and the server's
 * maximum for the bound identity (ldapd_server_maxima: [ldap] size_limit for users, at most
 * 100 for anonymous binds); when it cuts, exactly that many entries go out, then
 * sizeLimitExceeded (4). A bound user's paged search caps each page at the server limit
 * instead, so paging can fetch a whole address book (what paging is for); the client's own
 * sizeLimit still bounds the total, and an anonymous one never gets past its maximum.
 * timeLimit likewise, with timeLimitExceeded (3) and the entries found so far.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/log.h"

#define LDAPD_SEL_MAX 64

struct ldapd_run {
    struct ldapd_conn *lc;
    struct ldapd_req *op;
    const struct ldapd_message *m;
    const struct ldapd_search *s;
    struct evbuffer *out;
    struct ldapd_target target;
    struct str_view nbase;
    enum ldapd_scope scope;
    /* attribute selection */
    bool all_user, all_oper;
    const struct ldapd_attr_def *sel[LDAPD_SEL_MAX];
    size_t n_sel;
    unsigned need; /* sources the selection needs */
    const struct ldapd_attr_def *attrs_out[LDAPD_A__COUNT]; /* what entries carry, in table order */
    size_t n_out;
    /* limits and counters */
    size_t size_limit; /* 0: none */
    size_t sent, matched, skip, page;
    bool size_exceeded, time_exceeded, more, stop;
    bool may_fixed, may_user; /* ldapd_prescreen */
    unsigned ticks;
    /* sort / VLV */
    bool collect;
    const struct ldapd_attr_def *keys[LDAPD_SORT_KEYS_MAX];
    size_t n_keys;
    struct ldapd_ref *refs;
    size_t n_refs, cap_refs;
    int err;
};

/* ------------------------------------------------------------------ request setup */

int ldapd_req_begin(struct ldapd_conn *lc, struct arena *a, struct ldapd_req *op)
{
    *op = (struct ldapd_req){ .srv = lc->srv, .cfg = lc->srv->cfg, .a = a };
    op->anonymous = !lc->bound;
    op->user = lc->bound ? str_view_of(lc->user) : STR_VIEW_NULL;
    return store_txn_begin(lc->srv->store, false, &op->txn);
}

void ldapd_req_end(struct ldapd_req *op)
{
    store_txn_abort(&op->txn);
}

static void ldapd_select(struct ldapd_run *r)
{
    const struct ldapd_search *s = r->s;
    bool only_none = s->n_attrs > 0;
    for (size_t i = 0; i < s->n_attrs; i++) {
        struct str_view desc = s->attrs[i].desc;
        if (str_view_eq(desc, STR_VIEW_LIT("*"))) {
            r->all_user = true;
        } else if (str_view_eq(desc, STR_VIEW_LIT("+"))) {
            r->all_oper = true;
        } else if (!str_view_eq(desc, STR_VIEW_LIT("1.1")) && s->attrs[i].valid) {
            const struct ldapd_attr_def *d = ldapd_schema_find(s->attrs[i].type);
            bool binary = str_view_eq_cstr_nocase(s->attrs[i].options, "binary");
            if (d == NULL || (s->attrs[i].options.len && !binary) || (d->flags & LDAPD_AF_NEVER)) {
                continue;
            }
            bool dup = false;
            for (size_t j = 0; j < r->n_sel; j++) {
                dup = dup || r->sel[j] == d;
            }
            if (!dup && r->n_sel < LDAPD_SEL_MAX) {
                r->sel[r->n_sel++] = d;
            }
        }
        if (!str_view_eq(desc, STR_VIEW_LIT("1.1"))) {
            only_none = false;
        }
    }
    if (s->n_attrs == 0) {
        r->all_user = true;
    }
    (void)only_none; /* "1.1" alone: nothing selected, which is what we have */
    r->need = (r->all_user ? LDAPD_SRC_ALL : 0) | (r->all_oper ? LDAPD_SRC_ENTITY | LDAPD_SRC_META : 0);
    for (size_t i = 0; i < r->n_sel; i++) {
        r->need |= ldapd_schema_attr(r->sel[i]->alias_of)->source;
    }
    /* Decided once per search, not per entry. */
    for (size_t i = 0; i < LDAPD_A__COUNT; i++) {
        const struct ldapd_attr_def *d = ldapd_schema_attr((enum ldapd_attr_id)i);
        bool oper = (d->flags & LDAPD_AF_OPER) != 0;
        bool want = (oper ? r->all_oper : r->all_user) && d->alias_of == d->id &&
                    !(d->flags & LDAPD_AF_NEVER);
        for (size_t j = 0; j < r->n_sel && !want; j++) {
            want = r->sel[j] == d;
        }
        if (want) {
            r->attrs_out[r->n_out++] = d;
        }
    }
}

/* ------------------------------------------------------------------ sending */

static void ldapd_put_attr(struct ldapd_entry_writer *w, struct ldapd_entry *e,
        const struct ldapd_attr_def *d)
{
    const struct ldapd_values *vals = ldapd_entry_values(e, d);
    if (vals->n == 0) {
        return;
    }
    ldapd_entry_attr(w, str_view_of(d->name), vals->v, vals->n);
}

static int ldapd_send_entry(struct ldapd_run *r, struct ldapd_entry *e)
{
    ldapd_entry_load(e, r->need);
    struct ldapd_entry_writer w;
    ldapd_entry_begin(&w, r->m->msgid, e->dn, r->s->types_only);
    for (size_t i = 0; i < r->n_out; i++) {
        ldapd_put_attr(&w, e, r->attrs_out[i]);
    }
    int rc = ldapd_entry_finish(&w, r->out);
    if (rc == 0) {
        r->sent++;
    }
    return rc;
}

static bool ldapd_time_up(struct ldapd_run *r)
{
    if (r->op->deadline.tv_sec == 0 || (++r->ticks & 63) != 0) {
        return r->time_exceeded;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > r->op->deadline.tv_sec ||
            (now.tv_sec == r->op->deadline.tv_sec && now.tv_nsec >= r->op->deadline.tv_nsec)) {
        r->time_exceeded = true;
    }
    return r->time_exceeded;
}

static void ldapd_collect_ref(struct ldapd_run *r, struct ldapd_entry *e)
{
    if (r->n_refs == r->cap_refs) {
        size_t cap = r->cap_refs ? r->cap_refs * 2 : 64;
        struct ldapd_ref *grown = arena_new_array(r->op->a, struct ldapd_ref, cap);
        if (r->n_refs) {
            memcpy(grown, r->refs, r->n_refs * sizeof(*grown));
        }
        r->refs = grown;
        r->cap_refs = cap;
    }
    struct ldapd_ref *ref = &r->refs[r->n_refs++];
    *ref = (struct ldapd_ref){ .kind = e->kind, .container = e->container };
    if (e->kind == LDAPD_E_ENTITY) {
        ref->id = e->entity->id;
    } else if (e->kind == LDAPD_E_USER) {
        ref->name = str_view_make(arena_strndup(r->op->a, e->user.name.ptr, e->user.name.len),
                e->user.name.len);
    }
    for (size_t k = 0; k < r->n_keys; k++) {
        ref->keys[k] = ldapd_sort_key(r->op->a, e, r->keys[k], r->m->sort->keys[k].reverse);
    }
}

/* A matching entry: collect it, skip it (earlier page), send it, or stop. */
static void ldapd_matched(struct ldapd_run *r, struct ldapd_entry *e)
{
    if (r->collect) {
        ldapd_collect_ref(r, e);
        return;
    }
    r->matched++;
    if (r->matched <= r->skip) {
        return;
    }
    if (r->page && r->sent == r->page) {
        r->more = true;
        r->stop = true;
        return;
    }
    if (r->size_limit && r->sent + r->skip >= r->size_limit) {
        r->size_exceeded = true;
        r->stop = true;
        return;
    }
    if (ldapd_send_entry(r, e) != 0) {
        r->err = ERR_NOMEM;
        r->stop = true;
    }
}

/* Is an entry with normalised DN ndn in the search's scope? */
static bool ldapd_in_scope(const struct ldapd_run *r, struct str_view ndn)
{
    size_t depth;
    if (!ldapd_dn_under(ndn, r->nbase, &depth)) {
        return false;
    }
    switch (r->scope) {
    case LDAPD_SCOPE_BASE:
        return depth == 0;
    case LDAPD_SCOPE_ONE:
        return depth == 1;
    case LDAPD_SCOPE_CHILDREN:
        return depth >= 1;
    default:
        return true;
    }
}

/* Filter, then hand on. Takes ownership of e. */
static void ldapd_consider(struct ldapd_run *r, struct ldapd_entry *e)
{
    if (e == NULL) {
        return;
    }
    if (ldapd_in_scope(r, e->ndn) && ldapd_filter_eval(e, r->s->filter) == LDAPD_TRUE) {
        ldapd_matched(r, e);
    }
    ldapd_entry_free(&e);
}

/* ------------------------------------------------------------------ walking the DIT */

static bool ldapd_kind_possible(const struct ldapd_run *r, enum store_entity_kind k)
{
    const struct ldapd_target *t = &r->target;
    switch (t->kind) {
    case LDAPD_T_SUFFIX:
        return true;
    case LDAPD_T_CONTAINER:
        return t->container == LDAPD_OU_PEOPLE ? k == STORE_ENTITY_PERSON
               : t->container == LDAPD_OU_ORGS ? k != STORE_ENTITY_PERSON
                                               : false;
    case LDAPD_T_ENTITY:
        return t->entity.kind != STORE_ENTITY_PERSON && k == STORE_ENTITY_DEPARTMENT;
    default:
        return false;
    }
}

static int ldapd_entity_cb(void *ctx, const struct store_entity *ent)
{
    struct ldapd_run *r = ctx;
    if (r->stop || ldapd_time_up(r)) {
        return 1;
    }
    if (ldapd_kind_possible(r, ent->kind) && ldapd_req_visible(r->op, ent)) {
        ldapd_consider(r, ldapd_dit_entity(r->op, ent));
    }
    return r->stop ? 1 : 0;
}

static int ldapd_entity_id_cb(void *ctx, const struct store_id *id)
{
    struct ldapd_run *r = ctx;
    struct store_entity ent = { 0 };
    if (store_entity_get(r->op->txn, id, &ent) == 0) {
        return ldapd_entity_cb(r, &ent);
    }
    return r->stop ? 1 : 0;
}

static void ldapd_walk_entities(struct ldapd_run *r)
{
    const struct ldapd_target *t = &r->target;
    if (t->kind == LDAPD_T_ENTITY) {
        if (r->scope == LDAPD_SCOPE_BASE || r->scope == LDAPD_SCOPE_SUB) {
            ldapd_consider(r, ldapd_dit_entity(r->op, &t->entity));
        }
        if (r->scope == LDAPD_SCOPE_BASE || t->entity.kind == STORE_ENTITY_PERSON) {
            return;
        }
    } else if (t->kind != LDAPD_T_SUFFIX &&
               !(t->kind == LDAPD_T_CONTAINER && t->container != LDAPD_OU_USERS)) {
        return;
    }
    if (r->scope == LDAPD_SCOPE_BASE && t->kind != LDAPD_T_ENTITY) {
        return;
    }
    if (!r->collect && r->m->paged == NULL) {
        /* Order does not matter: take candidates as the index yields them and stop with
         * the size limit (Thunderbird's "*ann*" has thousands of candidates, wants 50). */
        if (ldapd_plan_stream(r->op, r->s->filter, ldapd_entity_id_cb, r) != ERR_NOT_FOUND) {
            return;
        }
        store_entity_list(r->op->txn, 0, ldapd_entity_cb, r);
        return;
    }
    struct ldapd_idset *set;
    ldapd_plan(r->op, r->s->filter, &set);
    if (set == NULL) {
        store_entity_list(r->op->txn, 0, ldapd_entity_cb, r);
        return;
    }
    for (size_t i = 0; i < set->n && !r->stop; i++) {
        ldapd_entity_id_cb(r, &set->ids[i]);
    }
}

static int ldapd_user_cb(void *ctx, const struct store_user *u)
{
    struct ldapd_run *r = ctx;
    ldapd_consider(r, ldapd_dit_user(r->op, u));
    return r->stop ? 1 : 0;
}

/* Can f be TRUE on an entry whose attributes are all among has[]? false only when it cannot
 * (an item on an attribute the entry lacks is FALSE or Undefined; NOT is left undecided). */
static bool ldapd_may_match(const struct ldapd_filter *f, const bool *has)
{
    switch (f->kind) {
    case LDAPD_FILTER_AND:
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            if (!ldapd_may_match(c, has)) {
                return false;
            }
        }
        return true;
    case LDAPD_FILTER_OR:
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            if (ldapd_may_match(c, has)) {
                return true;
            }
        }
        return false;
    case LDAPD_FILTER_NOT:
        return true;
    case LDAPD_FILTER_EXTENSIBLE:
        return false;
    default: {
        const struct ldapd_attr_def *d = ldapd_filter_attr(f);
        return d != NULL && f->attr.options.len == 0 && has[d->alias_of];
    }
    }
}

/* Which of the fixed entries (suffix, containers) and users the filter could match at all:
 * a caller-ID or autocomplete filter never builds them (they have no phone, no mail). */
static void ldapd_prescreen(struct ldapd_run *r)
{
    static const enum ldapd_attr_id fixed[] = { LDAPD_A_OBJECTCLASS, LDAPD_A_DC, LDAPD_A_OU,
        LDAPD_A_O, LDAPD_A_STRUCTURALOBJECTCLASS, LDAPD_A_HASSUBORDINATES, LDAPD_A_ENTRYDN,
        LDAPD_A_SUBSCHEMASUBENTRY };
    static const enum ldapd_attr_id user[] = { LDAPD_A_OBJECTCLASS, LDAPD_A_UID, LDAPD_A_CN,
        LDAPD_A_DISPLAYNAME, LDAPD_A_SN, LDAPD_A_MAIL, LDAPD_A_SEEALSO,
        LDAPD_A_STRUCTURALOBJECTCLASS, LDAPD_A_CREATETIMESTAMP, LDAPD_A_MODIFYTIMESTAMP,
        LDAPD_A_HASSUBORDINATES, LDAPD_A_ENTRYDN, LDAPD_A_SUBSCHEMASUBENTRY };
    bool has[LDAPD_A__COUNT] = { false };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        has[fixed[i]] = true;
    }
    r->may_fixed = ldapd_may_match(r->s->filter, has);
    memset(has, 0, sizeof(has));
    for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++) {
        has[user[i]] = true;
    }
    r->may_user = ldapd_may_match(r->s->filter, has);
}

static void ldapd_walk(struct ldapd_run *r)
{
    const struct ldapd_target *t = &r->target;
    struct ldapd_req *op = r->op;
    ldapd_prescreen(r);
    switch (t->kind) {
    case LDAPD_T_ROOT_DSE:
        ldapd_consider(r, ldapd_dit_root_dse(op));
        return;
    case LDAPD_T_SUBSCHEMA:
        ldapd_consider(r, ldapd_dit_subschema(op));
        return;
    case LDAPD_T_USER:
        ldapd_consider(r, ldapd_dit_user(op, &t->user));
        return;
    default:
        break;
    }
    if (t->kind == LDAPD_T_SUFFIX && r->may_fixed) {
        ldapd_consider(r, ldapd_dit_suffix(op));
    }
    for (int c = 0; c < LDAPD_OU__COUNT && !r->stop && r->may_fixed; c++) {
        if (t->kind == LDAPD_T_SUFFIX || (t->kind == LDAPD_T_CONTAINER && (int)t->container == c)) {
            ldapd_consider(r, ldapd_dit_container(op, (enum ldapd_container)c));
        }
    }
    if (!r->stop) {
        ldapd_walk_entities(r);
    }
    bool users = t->kind == LDAPD_T_SUFFIX ||
                 (t->kind == LDAPD_T_CONTAINER && t->container == LDAPD_OU_USERS);
    if (users && r->may_user && !r->stop && !op->anonymous && r->scope != LDAPD_SCOPE_BASE) {
        store_user_list(op->txn, ldapd_user_cb, r);
    }
}

/* ------------------------------------------------------------------ sorted results */

static struct ldapd_entry *ldapd_ref_entry(struct ldapd_run *r, const struct ldapd_ref *ref,
        struct store_entity *ent)
{
    struct ldapd_req *op = r->op;
    switch (ref->kind) {
    case LDAPD_E_ROOT_DSE:
        return ldapd_dit_root_dse(op);
    case LDAPD_E_SUBSCHEMA:
        return ldapd_dit_subschema(op);
    case LDAPD_E_SUFFIX:
        return ldapd_dit_suffix(op);
    case LDAPD_E_CONTAINER:
        return ldapd_dit_container(op, ref->container);
    case LDAPD_E_ENTITY:
        return store_entity_get(op->txn, &ref->id, ent) == 0 ? ldapd_dit_entity(op, ent) : NULL;
    case LDAPD_E_USER: {
        struct store_user u;
        return store_user_get(op->txn, ref->name, &u) == 0 ? ldapd_dit_user(op, &u) : NULL;
    }
    }
    return NULL;
}

static void ldapd_send_refs(struct ldapd_run *r, size_t first, size_t last)
{
    for (size_t i = first; i < last && r->err == 0; i++) {
        if (r->size_limit && r->sent + r->skip >= r->size_limit) {
            r->size_exceeded = true;
            return;
        }
        if (r->page && r->sent == r->page) {
            r->more = true;
            return;
        }
        struct store_entity ent = { 0 };
        struct ldapd_entry *e = ldapd_ref_entry(r, &r->refs[i], &ent);
        if (e != NULL && ldapd_send_entry(r, e) != 0) {
            r->err = ERR_NOMEM;
        }
        ldapd_entry_free(&e);
    }
}

/* ------------------------------------------------------------------ the operation */

struct ldapd_done {
    struct ldapd_result res;
    struct ldapd_out_control ctrls[3];
    size_t n_ctrls;
};

static void ldapd_done_ctrl(struct ldapd_done *d, const char *oid, struct str_view value)
{
    d->ctrls[d->n_ctrls++] = (struct ldapd_out_control){ .oid = oid, .has_value = true,
        .value = value };
}

void ldapd_server_maxima(const struct kith_config *cfg, bool anonymous, size_t *size_out,
        unsigned *secs_out)
{
    size_t size = cfg->ldap_size_limit;
    unsigned secs = cfg->ldap_time_limit;
    if (anonymous) {
        size = size == 0 || size > LDAPD_ANON_SIZE_LIMIT ? LDAPD_ANON_SIZE_LIMIT : size;
        secs = secs == 0 || secs > LDAPD_ANON_TIME_LIMIT ? LDAPD_ANON_TIME_LIMIT : secs;
    }
    *size_out = size;
    *secs_out = secs;
}

static void ldapd_limits(struct ldapd_run *r)
{
    const struct ldapd_search *s = r->s;
    size_t server;
    unsigned secs;
    ldapd_server_maxima(r->op->cfg, r->op->anonymous, &server, &secs);
    size_t client = s->size_limit > 0 ? (size_t)s->size_limit : 0;
    if (r->m->paged) {
        size_t page = r->m->paged->size > 0 ? (size_t)r->m->paged->size : 0;
        r->page = server && (page == 0 || page > server) ? server : page;
        r->size_limit = client;
        if (r->op->anonymous && (client == 0 || client > server)) {
            r->size_limit = server; /* paging must not let anonymous harvest the directory */
        }
    } else {
        r->size_limit = client && (server == 0 || client < server) ? client : server;
    }
    if (s->time_limit > 0 && (secs == 0 || (unsigned)s->time_limit < secs)) {
        secs = (unsigned)s->time_limit;
    }
    if (secs > 0) {
        clock_gettime(CLOCK_MONOTONIC, &r->op->deadline);
        r->op->deadline.tv_sec += secs;
    }
}

/* Sort and VLV once every match is collected; fills the response controls. */
static void ldapd_finish_sorted(struct ldapd_run *r, struct ldapd_done *d)
{
    const struct ldapd_message *m = r->m;
    ldapd_sort_refs(r->refs, r->n_refs, m->sort, r->n_keys);
    struct str_view v;
    if (ldapd_encode_sort_value(r->op->a, 0, STR_VIEW_NULL, &v) == 0) {
        ldapd_done_ctrl(d, LDAPD_OID_SORT_RESPONSE, v);
    }
    size_t first = 0, last = r->n_refs, target = 0;
    if (m->vlv) {
        int vr = ldapd_vlv_window(r->op->a, m->vlv, r->refs, r->n_refs, r->keys[0],
                m->sort->keys[0].reverse, &first, &last, &target);
        if (ldapd_encode_vlv_value(r->op->a, (int32_t)target, (int32_t)r->n_refs, vr, NULL, &v) ==
                0) {
            ldapd_done_ctrl(d, LDAPD_OID_VLV_RESPONSE, v);
        }
        if (vr != 0) {
            d->res.code = vr;
            return;
        }
    } else if (r->skip) {
        first = r->skip < r->n_refs ? (size_t)r->skip : r->n_refs;
    }
    size_t skip = r->skip;
    r->skip = m->vlv ? 0 : skip; /* ldapd_send_refs counts the size limit past skip */
    ldapd_send_refs(r, first, last);
    r->skip = skip;
}

/* Controls that end the search before it starts; 0 when it may run. */
static int ldapd_check_controls(struct ldapd_run *r, struct ldapd_done *d, uint64_t fp)
{
    const struct ldapd_message *m = r->m;
    if (m->paged && m->paged->cookie.len &&
            !ldapd_cookie_parse(m->paged->cookie, fp, &(uint64_t){ 0 })) {
        d->res.diag = STR_VIEW_LIT("paged results cookie is invalid");
        return LDAPD_UNWILLING_TO_PERFORM;
    }
    if (m->paged && m->paged->cookie.len) {
        uint64_t off = 0;
        ldapd_cookie_parse(m->paged->cookie, fp, &off);
        r->skip = (size_t)off;
    }
    if (m->vlv && m->sort == NULL) {
        d->res.diag = STR_VIEW_LIT("virtual list view needs server-side sorting");
        return LDAPD_SORT_CONTROL_MISSING;
    }
    if (m->vlv && m->paged) {
        d->res.diag = STR_VIEW_LIT("virtual list view and paged results cannot be combined");
        return LDAPD_UNWILLING_TO_PERFORM;
    }
    if (m->sort) {
        int sr = ldapd_sort_check(m->sort, r->keys, &r->n_keys);
        if (sr != 0) {
            struct str_view v;
            if (ldapd_encode_sort_value(r->op->a, sr, m->sort->keys[0].attr.desc, &v) == 0) {
                ldapd_done_ctrl(d, LDAPD_OID_SORT_RESPONSE, v);
            }
            if (m->sort->critical || m->vlv) {
                d->res.diag = STR_VIEW_LIT("cannot sort by this attribute");
                return LDAPD_UNAVAILABLE_CRITICAL_EXTENSION;
            }
        } else {
            r->collect = true;
        }
    }
    return 0;
}

static void ldapd_search_run(struct ldapd_run *r, struct ldapd_done *d)
{
    const struct ldapd_message *m = r->m;
    uint64_t fp = ldapd_search_fingerprint(r->op->a, m);
    int rc = ldapd_dit_target(r->op, r->s->base, &r->target);
    if (rc != 0) {
        d->res.code = LDAPD_INVALID_DN_SYNTAX;
        d->res.diag = STR_VIEW_LIT("invalid base DN");
        return;
    }
    r->nbase = r->target.ndn;
    if (r->target.kind == LDAPD_T_ROOT_DSE && r->scope != LDAPD_SCOPE_BASE) {
        /* macOS Contacts searches an empty base with subtree scope (CLIENTS.md B1.1). */
        r->target.kind = LDAPD_T_SUFFIX;
        r->nbase = r->op->srv->nsuffix;
    }
    if (r->target.kind == LDAPD_T_NONE) {
        d->res.code = LDAPD_NO_SUCH_OBJECT;
        d->res.matched_dn = r->target.matched;
        return;
    }
    if ((d->res.code = ldapd_check_controls(r, d, fp)) != 0) {
        return;
    }
    if (m->paged && m->paged->size == 0 && m->paged->cookie.len) {
        struct str_view v; /* size 0 abandons the paged search (RFC 2696 3) */
        if (ldapd_encode_paged_value(r->op->a, 0, STR_VIEW_NULL, &v) == 0) {
            ldapd_done_ctrl(d, LDAPD_OID_PAGED_RESULTS, v);
        }
        return;
    }
    ldapd_limits(r);
    ldapd_filter_prepare(r->op->a, r->op->cfg, r->s->filter);
    ldapd_walk(r);
    if (r->collect && r->err == 0) {
        ldapd_finish_sorted(r, d);
    }
    if (m->paged) {
        struct str_view cookie = r->more ? ldapd_cookie_make(r->op->a, fp, r->skip + r->sent)
                                         : STR_VIEW_NULL;
        struct str_view v;
        if (ldapd_encode_paged_value(r->op->a, 0, cookie, &v) == 0) {
            ldapd_done_ctrl(d, LDAPD_OID_PAGED_RESULTS, v);
        }
    }
    if (d->res.code == 0) {
        d->res.code = r->err ? LDAPD_OTHER
                      : r->time_exceeded ? LDAPD_TIME_LIMIT_EXCEEDED
                      : r->size_exceeded ? LDAPD_SIZE_LIMIT_EXCEEDED
                                         : LDAPD_SUCCESS;
    }
}

void ldapd_search_handle(struct ldapd_conn *lc, const struct ldapd_message *m, struct arena *a,
        struct evbuffer *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct ldapd_req op;
    struct ldapd_done d = { .res = { .code = LDAPD_SUCCESS } };
    struct ldapd_run r = { .lc = lc, .op = &op, .m = m, .s = &m->u.search, .out = out,
        .scope = m->u.search.scope };
    if (ldapd_req_begin(lc, a, &op) != 0) {
        d.res.code = LDAPD_UNAVAILABLE;
        d.res.diag = STR_VIEW_LIT("store unavailable");
    } else {
        ldapd_select(&r);
        ldapd_search_run(&r, &d);
        ldapd_req_end(&op);
    }
    ldapd_encode_search_done(out, m->msgid, &d.res, d.ctrls, d.n_ctrls);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (log_enabled(LOG_LEVEL_INFO)) {
        struct strbuf f;
        strbuf_init(&f, a, 128);
        ldapd_filter_to_string(m->u.search.filter, &f);
        log_info(&lc->conn->log, "ldap op=%lu SEARCH base=\"%.*s\" scope=%d filter=%s nentries=%zu "
                "result=%d us=%ld", lc->n_ops, STR_VIEW_FMT(m->u.search.base), (int)r.scope, f.ptr,
                r.sent, d.res.code,
                (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
    }
}

/* ------------------------------------------------------------------ compare */

static struct ldapd_entry *ldapd_target_entry(struct ldapd_req *op, struct ldapd_target *t)
{
    switch (t->kind) {
    case LDAPD_T_ROOT_DSE:
        return ldapd_dit_root_dse(op);
    case LDAPD_T_SUBSCHEMA:
        return ldapd_dit_subschema(op);
    case LDAPD_T_SUFFIX:
        return ldapd_dit_suffix(op);
    case LDAPD_T_CONTAINER:
        return ldapd_dit_container(op, t->container);
    case LDAPD_T_ENTITY:
        return ldapd_dit_entity(op, &t->entity);
    case LDAPD_T_USER:
        return ldapd_dit_user(op, &t->user);
    default:
        return NULL;
    }
}

static void ldapd_compare_run(struct ldapd_req *op, const struct ldapd_compare *c,
        struct ldapd_result *res)
{
    struct ldapd_target t;
    if (ldapd_dit_target(op, c->dn, &t) != 0) {
        res->code = LDAPD_INVALID_DN_SYNTAX;
        return;
    }
    struct ldapd_entry *e = ldapd_target_entry(op, &t);
    if (e == NULL) {
        res->code = LDAPD_NO_SUCH_OBJECT;
        res->matched_dn = t.matched;
        return;
    }
    const struct ldapd_attr_def *d = c->attr.valid ? ldapd_schema_find(c->attr.type) : NULL;
    if (d == NULL) {
        res->code = LDAPD_UNDEFINED_ATTRIBUTE_TYPE;
    } else if (d->match == LDAPD_M_NONE) {
        res->code = LDAPD_INAPPROPRIATE_MATCHING;
    } else if (ldapd_entry_values(e, d)->n == 0 || (d->flags & LDAPD_AF_NEVER)) {
        res->code = LDAPD_NO_SUCH_ATTRIBUTE;
    } else {
        res->code = ldapd_match_equal(e, d, c->value) == LDAPD_TRUE ? LDAPD_COMPARE_TRUE
                                                                    : LDAPD_COMPARE_FALSE;
    }
    ldapd_entry_free(&e);
}

void ldapd_compare_handle(struct ldapd_conn *lc, const struct ldapd_message *m, struct arena *a,
        struct evbuffer *out)
{
    struct ldapd_req op;
    struct ldapd_result res = { .code = LDAPD_UNAVAILABLE };
    if (ldapd_req_begin(lc, a, &op) == 0) {
        ldapd_compare_run(&op, &m->u.compare, &res);
        ldapd_req_end(&op);
    }
    ldapd_encode_compare_response(out, m->msgid, &res);
    log_info(&lc->conn->log, "ldap op=%lu COMPARE dn=\"%.*s\" attr=%.*s result=%d", lc->n_ops,
            STR_VIEW_FMT(m->u.compare.dn), STR_VIEW_FMT(m->u.compare.attr.desc), res.code);
}
