/*
 * ldapd_dit.c: where entities sit in the DIT (MAPPING.md 4.1) and who may see them (4.4).
 *
 *   <suffix>                        dcObject + organization
 *   ou=People,<suffix>              uid=<entity uuid>  (stable: renames never move a DN)
 *   ou=Organizations,<suffix>       o=<name>, or o=<name>+crmId=<uuid> when two share a name
 *     o=<name>,...                  ou=<department> below its organization (parent link of
 *                                   the entity, else its ORG text), nesting allowed
 *   ou=Users,<suffix>               uid=<login>: bind identities
 *
 * Visibility until folder ACLs land: anonymous sees books flagged public; a bound user sees
 * the books they own and those flagged shared or public. Contact lists are not in the DIT.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

#define LDAPD_DEPT_DEPTH 8 /* nesting of departments we follow */

static const char *const ldapd_container_rdn[LDAPD_OU__COUNT] = { "People", "Organizations",
    "Users" };

void ldapd_id_text(const struct store_id *id, char buf[37])
{
    /* uuid_unparse_lower formats through sprintf; this runs for every candidate entry. */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < STORE_ID_LEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            buf[o++] = '-';
        }
        buf[o++] = hex[id->b[i] >> 4];
        buf[o++] = hex[id->b[i] & 15];
    }
    buf[o] = '\0';
}

bool ldapd_id_parse(struct str_view text, struct store_id *out)
{
    if (str_view_starts_with_nocase(text, "urn:uuid:")) {
        text.ptr += 9;
        text.len -= 9;
    }
    char buf[37];
    if (text.len != 36) {
        return false;
    }
    memcpy(buf, text.ptr, 36);
    buf[36] = '\0';
    return uuid_parse(buf, out->b) == 0;
}

/* ------------------------------------------------------------------ visibility */

static struct ldapd_coll_vis *ldapd_coll(struct ldapd_req *op, uint64_t id)
{
    for (size_t i = 0; i < op->n_colls; i++) {
        if (op->colls[i].id == id) {
            return &op->colls[i];
        }
    }
    if (op->n_colls == op->cap_colls) {
        size_t cap = op->cap_colls ? op->cap_colls * 2 : 16;
        struct ldapd_coll_vis *grown = arena_new_array(op->a, struct ldapd_coll_vis, cap);
        if (op->n_colls) {
            memcpy(grown, op->colls, op->n_colls * sizeof(*grown));
        }
        op->colls = grown;
        op->cap_colls = cap;
    }
    struct ldapd_coll_vis *v = &op->colls[op->n_colls++];
    *v = (struct ldapd_coll_vis){ .id = id };
    struct store_collection c;
    if (store_collection_get_by_id(op->txn, id, &c) == 0 && c.kind == STORE_COLL_ADDRESSBOOK) {
        if (op->anonymous) {
            v->visible = op->cfg->ldap_anonymous && (c.flags & STORE_COLL_PUBLIC) != 0;
        } else {
            v->visible = str_view_eq(c.owner, op->user) ||
                         (c.flags & (STORE_COLL_SHARED | STORE_COLL_PUBLIC)) != 0;
        }
        v->name = c.display_name.len ? c.display_name : c.slug;
    }
    return v;
}

bool ldapd_req_visible(struct ldapd_req *op, const struct store_entity *e)
{
    if (e->kind != STORE_ENTITY_PERSON && e->kind != STORE_ENTITY_ORGANIZATION &&
            e->kind != STORE_ENTITY_DEPARTMENT) {
        return false;
    }
    return ldapd_coll(op, e->coll_id)->visible;
}

struct str_view ldapd_req_folder(struct ldapd_req *op, uint64_t coll_id)
{
    return ldapd_coll(op, coll_id)->name;
}

/* ------------------------------------------------------------------ organizations */

static struct str_view ldapd_org_name(const struct store_entity *e)
{
    return e->org.len ? e->org : e->fn;
}

static struct str_view ldapd_dept_name(const struct store_entity *e)
{
    return e->dept.len ? e->dept : e->fn;
}

struct ldapd_org_load {
    struct ldapd_req *op;
    size_t cap;
};

static int ldapd_org_add(void *ctx, const struct store_id *id)
{
    struct ldapd_org_load *l = ctx;
    struct ldapd_req *op = l->op;
    struct store_entity e = { 0 };
    if (store_entity_get(op->txn, id, &e) != 0 || e.kind != STORE_ENTITY_ORGANIZATION) {
        return 0;
    }
    if (op->n_orgs == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        struct ldapd_org *grown = arena_new_array(op->a, struct ldapd_org, l->cap);
        if (op->n_orgs) {
            memcpy(grown, op->orgs, op->n_orgs * sizeof(*grown));
        }
        op->orgs = grown;
    }
    struct ldapd_org *o = &op->orgs[op->n_orgs++];
    o->id = *id;
    o->fold = ldapd_fold(op->a, ldapd_org_name(&e), true);
    for (size_t i = 0; i + 1 < op->n_orgs; i++) {
        if (str_view_eq(op->orgs[i].fold, o->fold)) {
            op->orgs[i].clash = o->clash = true;
        }
    }
    return 0;
}

/* Every organization (all of them, visible or not: DNs must not depend on the viewer). */
static void ldapd_orgs_load(struct ldapd_req *op)
{
    if (op->orgs_loaded) {
        return;
    }
    op->orgs_loaded = true;
    struct ldapd_org_load l = { op, 0 };
    char kind = '0' + STORE_ENTITY_ORGANIZATION;
    store_entity_lookup(op->txn, STORE_IX_KIND, str_view_make(&kind, 1), false, ldapd_org_add, &l);
}

static const struct ldapd_org *ldapd_org_find(struct ldapd_req *op, const struct store_id *id,
        struct str_view fold)
{
    ldapd_orgs_load(op);
    for (size_t i = 0; i < op->n_orgs; i++) {
        if (id ? !memcmp(op->orgs[i].id.b, id->b, STORE_ID_LEN)
               : str_view_eq(op->orgs[i].fold, fold)) {
            return &op->orgs[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ entity DNs */

struct ldapd_first_id {
    struct store_id id;
    bool found;
};

static int ldapd_first_id(void *ctx, const struct store_id *id)
{
    struct ldapd_first_id *f = ctx;
    f->id = *id;
    f->found = true;
    return 1; /* stop the walk */
}

int ldapd_dit_resolve_ref(struct ldapd_req *op, struct str_view uri, struct store_entity *out)
{
    struct store_id id;
    *out = (struct store_entity){ 0 };
    if (ldapd_id_parse(uri, &id) && store_entity_get(op->txn, &id, out) == 0) {
        return 0;
    }
    struct ldapd_first_id f = { .found = false };
    store_entity_lookup(op->txn, STORE_IX_UID, uri, false, ldapd_first_id, &f);
    if (!f.found && str_view_starts_with_nocase(uri, "urn:uuid:")) {
        store_entity_lookup(op->txn, STORE_IX_UID, str_view_make(uri.ptr + 9, uri.len - 9), false,
                ldapd_first_id, &f);
    }
    return f.found ? store_entity_get(op->txn, &f.id, out) : ERR_NOT_FOUND;
}

static void ldapd_append_rdn(struct strbuf *dn, struct strbuf *ndn, struct ldapd_req *op,
        const char *type, struct str_view value)
{
    strbuf_appendf(dn, "%s=", type);
    ldapd_dn_escape_value(dn, value);
    struct str_view n;
    struct strbuf tmp;
    strbuf_init(&tmp, op->a, value.len + 8);
    strbuf_appendf(&tmp, "%s=", type);
    ldapd_dn_escape_value(&tmp, value);
    if (ldapd_dn_normalize(op->a, strbuf_view(&tmp), &n) == 0) {
        strbuf_append_view(ndn, n);
    }
}

static void ldapd_append_crmid(struct strbuf *dn, struct strbuf *ndn, const struct store_id *id)
{
    char t[37];
    ldapd_id_text(id, t);
    strbuf_appendf(dn, "+crmId=%s", t);
    strbuf_appendf(ndn, "+crmid=%s", t);
}

/* The parent part of an organization's or department's DN. */
static bool ldapd_dit_org_dn(struct ldapd_req *op, const struct store_entity *e, int depth,
        struct strbuf *dn, struct strbuf *ndn)
{
    if (e->kind == STORE_ENTITY_ORGANIZATION) {
        ldapd_append_rdn(dn, ndn, op, "o", ldapd_org_name(e));
        const struct ldapd_org *o = ldapd_org_find(op, &e->id, STR_VIEW_NULL);
        if (o && o->clash) {
            ldapd_append_crmid(dn, ndn, &e->id);
        }
        strbuf_append_cstr(dn, ",");
        strbuf_append_cstr(ndn, ",");
        return true;
    }
    ldapd_append_rdn(dn, ndn, op, "ou", ldapd_dept_name(e));
    strbuf_append_cstr(dn, ",");
    strbuf_append_cstr(ndn, ",");
    if (depth >= LDAPD_DEPT_DEPTH) {
        return true;
    }
    struct store_entity parent;
    if (e->parent.len && ldapd_dit_resolve_ref(op, e->parent, &parent) == 0 &&
            (parent.kind == STORE_ENTITY_ORGANIZATION || parent.kind == STORE_ENTITY_DEPARTMENT) &&
            memcmp(parent.id.b, e->id.b, STORE_ID_LEN) != 0) {
        return ldapd_dit_org_dn(op, &parent, depth + 1, dn, ndn);
    }
    const struct ldapd_org *o =
            e->org.len ? ldapd_org_find(op, NULL, ldapd_fold(op->a, e->org, true)) : NULL;
    if (o && store_entity_get(op->txn, &o->id, &parent) == 0) {
        return ldapd_dit_org_dn(op, &parent, depth + 1, dn, ndn);
    }
    return true; /* directly below ou=Organizations */
}

/* "uid=<uuid>,ou=People,<suffix>" in both forms without formatting (every candidate of a
 * search gets its DN). */
static void ldapd_person_dn(struct arena *a, struct ldapd_server *srv, const struct store_id *id,
        struct str_view *dn_out, struct str_view *ndn_out)
{
    static const char head[] = "uid=", mid[] = ",ou=People,", nmid[] = ",ou=people,";
    size_t n = sizeof(head) - 1 + 36 + sizeof(mid) - 1;
    char *dn = arena_alloc(a, n + srv->suffix.len + 1);
    memcpy(dn, head, sizeof(head) - 1);
    ldapd_id_text(id, dn + sizeof(head) - 1);
    memcpy(dn + sizeof(head) - 1 + 36, mid, sizeof(mid) - 1);
    memcpy(dn + n, srv->suffix.ptr, srv->suffix.len);
    *dn_out = str_view_make(dn, n + srv->suffix.len);
    if (ndn_out) {
        char *ndn = arena_alloc(a, n + srv->nsuffix.len + 1);
        memcpy(ndn, dn, sizeof(head) - 1 + 36);
        memcpy(ndn + sizeof(head) - 1 + 36, nmid, sizeof(nmid) - 1);
        memcpy(ndn + n, srv->nsuffix.ptr, srv->nsuffix.len);
        *ndn_out = str_view_make(ndn, n + srv->nsuffix.len);
    }
}

static bool ldapd_dit_entity_dn_in(struct ldapd_req *op, struct arena *a,
        const struct store_entity *ent, struct str_view *dn_out, struct str_view *ndn_out)
{
    struct ldapd_server *srv = op->srv;
    if (ent->kind == STORE_ENTITY_PERSON) {
        ldapd_person_dn(a, srv, &ent->id, dn_out, ndn_out);
        return true;
    }
    if (ent->kind != STORE_ENTITY_ORGANIZATION && ent->kind != STORE_ENTITY_DEPARTMENT) {
        return false;
    }
    struct strbuf dn, ndn;
    strbuf_init(&dn, a, 96);
    strbuf_init(&ndn, a, 96);
    ldapd_dit_org_dn(op, ent, 0, &dn, &ndn);
    strbuf_appendf(&dn, "ou=Organizations,%.*s", STR_VIEW_FMT(srv->suffix));
    strbuf_appendf(&ndn, "ou=organizations,%.*s", STR_VIEW_FMT(srv->nsuffix));
    *dn_out = strbuf_view(&dn);
    if (ndn_out) {
        *ndn_out = strbuf_view(&ndn);
    }
    return true;
}

bool ldapd_dit_entity_dn(struct ldapd_req *op, const struct store_entity *ent,
        struct str_view *dn_out, struct str_view *ndn_out)
{
    return ldapd_dit_entity_dn_in(op, op->a, ent, dn_out, ndn_out);
}

struct str_view ldapd_dit_ref_dn(struct ldapd_req *op, const struct store_id *id,
        struct str_view uri)
{
    static const struct store_id zero;
    struct store_entity e = { 0 };
    int rc = id && memcmp(id->b, zero.b, STORE_ID_LEN) != 0 ? store_entity_get(op->txn, id, &e)
                                                            : ERR_NOT_FOUND;
    if (rc != 0 && uri.len) {
        rc = ldapd_dit_resolve_ref(op, uri, &e);
    }
    struct str_view dn = STR_VIEW_NULL;
    if (rc == 0 && ldapd_req_visible(op, &e)) {
        ldapd_dit_entity_dn(op, &e, &dn, NULL);
    }
    return dn;
}

/* ------------------------------------------------------------------ fixed entries */

struct ldapd_entry *ldapd_dit_root_dse(struct ldapd_req *op)
{
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_ROOT_DSE);
    e->dn = e->ndn = STR_VIEW_LIT("");
    ldapd_schema_root_dse(e);
    e->loaded = LDAPD_SRC_ALL;
    return e;
}

struct ldapd_entry *ldapd_dit_subschema(struct ldapd_req *op)
{
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_SUBSCHEMA);
    e->dn = STR_VIEW_LIT("cn=Subschema");
    e->ndn = STR_VIEW_LIT("cn=subschema");
    ldapd_schema_subschema(e);
    e->loaded = LDAPD_SRC_ALL;
    return e;
}

struct ldapd_entry *ldapd_dit_suffix(struct ldapd_req *op)
{
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_SUFFIX);
    e->dn = op->srv->suffix;
    e->ndn = op->srv->nsuffix;
    return e;
}

struct ldapd_entry *ldapd_dit_container(struct ldapd_req *op, enum ldapd_container c)
{
    struct ldapd_server *srv = op->srv;
    if (srv->container_dn[c].ptr == NULL) { /* once per server: every subtree search asks */
        struct strbuf sb;
        strbuf_init(&sb, srv->a, 64);
        strbuf_appendf(&sb, "ou=%s,%.*s", ldapd_container_rdn[c], STR_VIEW_FMT(srv->suffix));
        srv->container_dn[c] = strbuf_view(&sb);
        strbuf_init(&sb, srv->a, 64);
        strbuf_appendf(&sb, "ou=%s,%.*s", ldapd_container_rdn[c], STR_VIEW_FMT(srv->nsuffix));
        for (size_t i = 3; i < 3 + strlen(ldapd_container_rdn[c]); i++) {
            sb.ptr[i] = (char)(sb.ptr[i] | 0x20);
        }
        srv->container_ndn[c] = strbuf_view(&sb);
    }
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_CONTAINER);
    e->container = c;
    e->dn = srv->container_dn[c];
    e->ndn = srv->container_ndn[c];
    return e;
}

struct ldapd_entry *ldapd_dit_entity(struct ldapd_req *op, const struct store_entity *ent)
{
    if (ent->kind != STORE_ENTITY_PERSON && ent->kind != STORE_ENTITY_ORGANIZATION &&
            ent->kind != STORE_ENTITY_DEPARTMENT) {
        return NULL;
    }
    /* The DN goes into the entry's arena: a walk over every entity must not grow op->a. */
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_ENTITY);
    e->entity = ent;
    ldapd_dit_entity_dn_in(op, e->a, ent, &e->dn, &e->ndn);
    return e;
}

struct ldapd_entry *ldapd_dit_user(struct ldapd_req *op, const struct store_user *u)
{
    struct ldapd_entry *e = ldapd_entry_new(op, LDAPD_E_USER);
    e->user = *u;
    struct strbuf sb;
    strbuf_init(&sb, e->a, 64);
    strbuf_append_cstr(&sb, "uid=");
    ldapd_dn_escape_value(&sb, u->name);
    strbuf_appendf(&sb, ",ou=Users,%.*s", STR_VIEW_FMT(op->srv->suffix));
    e->dn = strbuf_view(&sb);
    if (ldapd_dn_normalize(e->a, e->dn, &e->ndn) != 0) {
        e->ndn = e->dn;
    }
    return e;
}

/* ------------------------------------------------------------------ base DN -> target */

struct ldapd_dept_find {
    struct ldapd_req *op;
    struct str_view ndn;
    struct store_entity *out;
    bool found;
};

static int ldapd_dept_try(void *ctx, const struct store_id *id)
{
    struct ldapd_dept_find *f = ctx;
    struct store_entity e = { 0 };
    struct str_view dn, ndn;
    if (store_entity_get(f->op->txn, id, &e) == 0 &&
            (e.kind == STORE_ENTITY_DEPARTMENT || e.kind == STORE_ENTITY_ORGANIZATION) &&
            ldapd_dit_entity_dn(f->op, &e, &dn, &ndn) && str_view_eq(ndn, f->ndn)) {
        *f->out = e;
        f->found = true;
        return 1;
    }
    return 0;
}

/* The organization or department whose DN is ndn: candidates from the name index. */
static bool ldapd_dit_find_org(struct ldapd_req *op, const struct ldapd_dn *dn, struct str_view ndn,
        struct store_entity *out)
{
    struct ldapd_dept_find f = { op, ndn, out, false };
    const struct ldapd_ava *ava = &dn->avas[0];
    if (ava->more && str_view_eq_cstr_nocase(dn->avas[1].type, "crmid")) {
        struct store_id id;
        if (ldapd_id_parse(dn->avas[1].value, &id)) {
            ldapd_dept_try(&f, &id);
        }
        return f.found;
    }
    struct str_view fold = ldapd_fold(op->a, ava->value, true), word;
    size_t pos = 0;
    if (!ldapd_word(fold, &pos, &word)) {
        return false;
    }
    store_entity_lookup(op->txn, STORE_IX_NAME, word, false, ldapd_dept_try, &f);
    return f.found;
}

static void ldapd_target_none(struct ldapd_req *op, struct ldapd_target *out, struct str_view m)
{
    out->kind = LDAPD_T_NONE;
    out->matched = m;
}

int ldapd_dit_target(struct ldapd_req *op, struct str_view base, struct ldapd_target *out)
{
    struct ldapd_server *srv = op->srv;
    *out = (struct ldapd_target){ .kind = LDAPD_T_NONE };
    if (base.len > 0 && str_view_eq_nocase(base, srv->suffix)) {
        out->kind = LDAPD_T_SUFFIX; /* the usual base: no parsing */
        out->ndn = srv->nsuffix;
        return 0;
    }
    struct ldapd_dn dn;
    if (ldapd_dn_normalize(op->a, base, &out->ndn) != 0 || ldapd_dn_parse(op->a, base, &dn) != 0) {
        return ERR_INVAL;
    }
    struct str_view ndn = out->ndn;
    size_t depth;
    if (ndn.len == 0) {
        out->kind = LDAPD_T_ROOT_DSE;
        return 0;
    }
    if (str_view_eq(ndn, STR_VIEW_LIT("cn=subschema"))) {
        out->kind = LDAPD_T_SUBSCHEMA;
        return 0;
    }
    if (!ldapd_dn_under(ndn, srv->nsuffix, &depth)) {
        return 0;
    }
    if (depth == 0) {
        out->kind = LDAPD_T_SUFFIX;
        return 0;
    }
    /* The container is the RDN just above the suffix. */
    const struct ldapd_ava *top = &dn.avas[depth - 1];
    int c = -1;
    for (int i = 0; i < LDAPD_OU__COUNT; i++) {
        if (str_view_eq_cstr_nocase(top->type, "ou") &&
                str_view_eq_cstr_nocase(top->value, ldapd_container_rdn[i])) {
            c = i;
        }
    }
    if (c < 0) {
        ldapd_target_none(op, out, srv->suffix);
        return 0;
    }
    out->container = (enum ldapd_container)c;
    if (depth == 1) {
        out->kind = LDAPD_T_CONTAINER;
        return 0;
    }
    struct strbuf m;
    strbuf_init(&m, op->a, 64);
    strbuf_appendf(&m, "ou=%s,%.*s", ldapd_container_rdn[c], STR_VIEW_FMT(srv->suffix));
    ldapd_target_none(op, out, strbuf_view(&m));
    struct store_id id;
    if (c == LDAPD_OU_PEOPLE) {
        if (depth == 2 && ldapd_id_parse(dn.avas[0].value, &id) &&
                store_entity_get(op->txn, &id, &out->entity) == 0 &&
                out->entity.kind == STORE_ENTITY_PERSON && ldapd_req_visible(op, &out->entity)) {
            out->kind = LDAPD_T_ENTITY;
        }
    } else if (c == LDAPD_OU_USERS) {
        if (depth == 2 && !op->anonymous && str_view_eq_cstr_nocase(dn.avas[0].type, "uid") &&
                store_user_get(op->txn, dn.avas[0].value, &out->user) == 0) {
            out->kind = LDAPD_T_USER;
        }
    } else if (ldapd_dit_find_org(op, &dn, ndn, &out->entity) &&
               ldapd_req_visible(op, &out->entity)) {
        out->kind = LDAPD_T_ENTITY;
    }
    return 0;
}
