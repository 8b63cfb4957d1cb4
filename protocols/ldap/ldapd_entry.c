/*
 * ldapd_entry.c: the attributes of an entry (MAPPING.md 4.2), built per source on demand:
 * the entity record first (names, mail, phones, org, ids: no card parse), the parsed card
 * only when a filter or the requested attributes need an address, note, photo or custom
 * field, and related entries' DNs (manager, secretary, seeAlso) only when asked for. A
 * caller-ID lookup asking for cn and telephoneNumber therefore never reads the card.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/formats/vcard.h"

#define LDAPD_ENTRY_POOL_BLOCK (8u << 10)

struct ldapd_entry *ldapd_entry_new(struct ldapd_req *op, enum ldapd_entry_kind kind)
{
    struct ldapd_server *srv = op->srv;
    if (srv->entries == NULL) {
        srv->entries = arena_new_obj(srv->a, struct ldapd_entry_pool);
    }
    struct ldapd_entry_pool *pool = srv->entries;
    if (pool->a == NULL) {
        pool->a = arena_new(LDAPD_ENTRY_POOL_BLOCK);
    }
    struct ldapd_entry *e = arena_new_obj(pool->a, struct ldapd_entry);
    e->a = pool->a;
    e->chunks[0] = e->first_chunk;
    e->op = op;
    e->kind = kind;
    pool->live++;
    return e;
}

void ldapd_entry_pool_free(struct ldapd_server *srv)
{
    if (srv->entries != NULL) {
        arena_free(&srv->entries->a);
    }
}

void ldapd_entry_free(struct ldapd_entry **e)
{
    if (*e == NULL) {
        return;
    }
    struct ldapd_entry_pool *pool = (*e)->op->srv->entries;
    *e = NULL;
    if (--pool->live == 0) {
        arena_reset(pool->a);
    }
}

static const struct ldapd_values ldapd_no_values;
_Static_assert(LDAPD_A__COUNT < 256, "ldapd_entry.slot holds attribute indexes in a byte");

const struct ldapd_values *ldapd_entry_vals(const struct ldapd_entry *e, enum ldapd_attr_id id)
{
    size_t k = e->slot[id];
    if (k-- == 0) {
        return &ldapd_no_values;
    }
    return &e->chunks[k / LDAPD_ENTRY_CHUNK][k % LDAPD_ENTRY_CHUNK];
}

static struct ldapd_values *ldapd_entry_slot(struct ldapd_entry *e, enum ldapd_attr_id id)
{
    size_t k = e->slot[id];
    if (k == 0) {
        k = e->n_present++; /* LDAPD_A__COUNT < 256 types: the uint8_t never wraps */
        if (k % LDAPD_ENTRY_CHUNK == 0 && k > 0) {
            e->chunks[k / LDAPD_ENTRY_CHUNK] =
                    arena_new_array(e->a, struct ldapd_values, LDAPD_ENTRY_CHUNK);
        }
        e->slot[id] = (uint8_t)(k + 1);
    } else {
        k--;
    }
    return &e->chunks[k / LDAPD_ENTRY_CHUNK][k % LDAPD_ENTRY_CHUNK];
}

void ldapd_entry_add(struct ldapd_entry *e, enum ldapd_attr_id id, struct str_view v)
{
    struct ldapd_values *vals = ldapd_entry_slot(e, id);
    if (vals->n == 0) {
        vals->one = v;
        vals->v = &vals->one;
        vals->n = vals->cap = 1;
        return;
    }
    if (vals->n == vals->cap) {
        size_t cap = vals->cap ? vals->cap * 2 : 4;
        struct str_view *grown = arena_new_array(e->a, struct str_view, cap);
        if (vals->n) {
            memcpy(grown, vals->v, vals->n * sizeof(*grown));
        }
        vals->v = grown;
        vals->cap = cap;
    }
    vals->v[vals->n++] = v;
}

void ldapd_entry_add_cstr(struct ldapd_entry *e, enum ldapd_attr_id id, const char *s)
{
    ldapd_entry_add(e, id, str_view_of(s));
}

static void ldapd_add_nonempty(struct ldapd_entry *e, enum ldapd_attr_id id, struct str_view v)
{
    if (v.len) {
        ldapd_entry_add(e, id, v);
    }
}

const struct ldapd_values *ldapd_entry_values(struct ldapd_entry *e,
        const struct ldapd_attr_def *d)
{
    const struct ldapd_attr_def *real = ldapd_schema_attr(d->alias_of);
    if ((e->loaded & real->source) != real->source) {
        ldapd_entry_load(e, real->source);
    }
    return ldapd_entry_vals(e, real->id);
}

/* ------------------------------------------------------------------ entity record */

static struct str_view ldapd_gentime(struct arena *a, uint64_t t)
{
    char *buf = arena_alloc(a, 20);
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 20, "%Y%m%d%H%M%SZ", &tm);
    return str_view_of(buf);
}

/* crmRelationship value: type=..;target=..;role=..;start=..;end= (';' and '%' escaped). */
static void ldapd_rel_field(struct strbuf *sb, const char *name, struct str_view v, bool last)
{
    strbuf_appendf(sb, "%s=", name);
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == ';' || v.ptr[i] == '%') {
            strbuf_appendf(sb, "%%%02X", (unsigned char)v.ptr[i]);
        } else {
            strbuf_append_char(sb, v.ptr[i]);
        }
    }
    if (!last) {
        strbuf_append_char(sb, ';');
    }
}

static void ldapd_load_phones(struct ldapd_entry *e, const struct store_entity *ent)
{
    for (size_t i = 0; i < ent->n_phones; i++) {
        const struct store_phone *p = &ent->phones[i];
        uint32_t t = p->types;
        if (t & STORE_PHONE_FAX) {
            ldapd_entry_add(e, LDAPD_A_FAX, p->text);
        } else if (t & STORE_PHONE_PAGER) {
            ldapd_entry_add(e, LDAPD_A_PAGER, p->text);
        } else if (t & STORE_PHONE_CELL) {
            ldapd_entry_add(e, LDAPD_A_MOBILE, p->text);
        } else if ((t & STORE_PHONE_HOME) && !(t & STORE_PHONE_WORK) &&
                   ent->kind == STORE_ENTITY_PERSON) {
            ldapd_entry_add(e, LDAPD_A_HOMEPHONE, p->text);
        } else {
            ldapd_entry_add(e, LDAPD_A_TELEPHONENUMBER, p->text);
        }
    }
}

static void ldapd_load_person_names(struct ldapd_entry *e, const struct store_entity *ent,
        struct str_view cn)
{
    ldapd_entry_add(e, LDAPD_A_CN, cn);
    ldapd_entry_add(e, LDAPD_A_DISPLAYNAME, cn);
    ldapd_entry_add(e, LDAPD_A_SN, ent->family.len ? ent->family : cn);
    ldapd_add_nonempty(e, LDAPD_A_GIVENNAME, ent->given);
    if (ent->given.len) {
        struct strbuf sb;
        strbuf_init(&sb, e->a, 8);
        size_t pos = 0;
        struct str_view w;
        while (ldapd_word(ent->given, &pos, &w)) {
            size_t n = 1; /* the first character, however many bytes it takes */
            while (n < w.len && ((unsigned char)w.ptr[n] & 0xc0) == 0x80) {
                n++;
            }
            strbuf_append(&sb, w.ptr, n);
            strbuf_append_char(&sb, '.');
        }
        ldapd_add_nonempty(e, LDAPD_A_INITIALS, strbuf_view(&sb));
    }
    ldapd_add_nonempty(e, LDAPD_A_TITLE, ent->title);
    ldapd_add_nonempty(e, LDAPD_A_O, ent->org);
    ldapd_add_nonempty(e, LDAPD_A_OU, ent->dept);
    for (size_t i = 0; i < ent->n_relations; i++) {
        const struct store_relation *r = &ent->relations[i];
        if (str_view_eq_cstr_nocase(r->type, "x-crm-employer") && r->role.len) {
            ldapd_entry_add(e, LDAPD_A_EMPLOYEETYPE, r->role);
            break;
        }
    }
}

static struct str_view ldapd_entity_cn(struct ldapd_entry *e, const struct store_entity *ent,
        const char *id)
{
    if (ent->fn.len) {
        return ent->fn;
    }
    if (ent->given.len || ent->family.len) {
        struct strbuf sb;
        strbuf_init(&sb, e->a, 32);
        strbuf_append_view(&sb, ent->given);
        if (ent->given.len && ent->family.len) {
            strbuf_append_char(&sb, ' ');
        }
        strbuf_append_view(&sb, ent->family);
        return strbuf_view(&sb);
    }
    if (ent->n_emails) {
        return ent->emails[0];
    }
    return str_view_of(arena_strdup(e->a, id)); /* cn is MUST in person */
}

static void ldapd_load_entity(struct ldapd_entry *e)
{
    const struct store_entity *ent = e->entity;
    char id[37];
    ldapd_id_text(&ent->id, id);
    struct str_view idv = str_view_of(arena_strdup(e->a, id));
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "top");
    if (ent->kind == STORE_ENTITY_PERSON) {
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "person");
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "organizationalPerson");
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "inetOrgPerson");
        ldapd_entry_add_cstr(e, LDAPD_A_CRMKIND, "person");
        ldapd_entry_add(e, LDAPD_A_UID, idv);
        ldapd_load_person_names(e, ent, ldapd_entity_cn(e, ent, id));
    } else if (ent->kind == STORE_ENTITY_ORGANIZATION) {
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "organization");
        ldapd_entry_add_cstr(e, LDAPD_A_CRMKIND, "organization");
        ldapd_entry_add(e, LDAPD_A_O, ent->org.len ? ent->org : ldapd_entity_cn(e, ent, id));
    } else {
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "organizationalUnit");
        ldapd_entry_add_cstr(e, LDAPD_A_CRMKIND, "department");
        ldapd_entry_add(e, LDAPD_A_OU, ent->dept.len ? ent->dept : ldapd_entity_cn(e, ent, id));
    }
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "crmEntity");
    for (size_t i = 0; i < ent->n_emails; i++) {
        ldapd_entry_add(e, LDAPD_A_MAIL, ent->emails[i]);
    }
    ldapd_load_phones(e, ent);
    for (size_t i = 0; i < ent->n_categories; i++) {
        ldapd_add_nonempty(e, LDAPD_A_BUSINESSCATEGORY, ent->categories[i]);
    }
    ldapd_entry_add(e, LDAPD_A_CRMID, idv);
    ldapd_add_nonempty(e, LDAPD_A_CRMFOLDER, ldapd_req_folder(e->op, ent->coll_id));
}

static void ldapd_load_entity_meta(struct ldapd_entry *e)
{
    const struct store_entity *ent = e->entity;
    static const char *const structural[] = { [STORE_ENTITY_PERSON] = "inetOrgPerson",
        [STORE_ENTITY_ORGANIZATION] = "organization",
        [STORE_ENTITY_DEPARTMENT] = "organizationalUnit" };
    if (ent->kind >= STORE_ENTITY_PERSON && ent->kind <= STORE_ENTITY_DEPARTMENT) {
        ldapd_entry_add_cstr(e, LDAPD_A_STRUCTURALOBJECTCLASS, structural[ent->kind]);
    }
    for (size_t i = 0; i < ent->n_relations; i++) {
        const struct store_relation *r = &ent->relations[i];
        if (memchr(r->target.ptr, ':', r->target.len) == NULL) {
            continue; /* name-only relation: nothing to point at */
        }
        struct strbuf sb;
        strbuf_init(&sb, e->a, 96);
        ldapd_rel_field(&sb, "type", r->type, false);
        ldapd_rel_field(&sb, "target", r->target, false);
        ldapd_rel_field(&sb, "role", r->role, false);
        ldapd_rel_field(&sb, "start", r->start, false);
        ldapd_rel_field(&sb, "end", r->end, true);
        ldapd_entry_add(e, LDAPD_A_CRMRELATIONSHIP, strbuf_view(&sb));
    }
    ldapd_entry_add(e, LDAPD_A_ENTRYUUID, ldapd_entry_vals(e, LDAPD_A_CRMID)->v[0]);
    ldapd_entry_add(e, LDAPD_A_CREATETIMESTAMP, ldapd_gentime(e->a, ent->created));
    ldapd_entry_add(e, LDAPD_A_MODIFYTIMESTAMP,
            ldapd_gentime(e->a, ent->modified ? ent->modified : ent->created));
    ldapd_entry_add_cstr(e, LDAPD_A_HASSUBORDINATES,
            ent->kind == STORE_ENTITY_PERSON ? "FALSE" : "TRUE");
}

static void ldapd_load_fixed_meta(struct ldapd_entry *e)
{
    ldapd_entry_add_cstr(e, LDAPD_A_STRUCTURALOBJECTCLASS,
            e->kind == LDAPD_E_SUFFIX ? "organization" : "organizationalUnit");
    ldapd_entry_add_cstr(e, LDAPD_A_HASSUBORDINATES, "TRUE");
}

static void ldapd_load_fixed(struct ldapd_entry *e)
{
    struct ldapd_server *srv = e->op->srv;
    ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "top");
    if (e->kind == LDAPD_E_SUFFIX) {
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "dcObject");
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "organization");
        if (str_view_eq_cstr_nocase(srv->suffix_type, "dc")) {
            ldapd_entry_add(e, LDAPD_A_DC, srv->suffix_value);
        } else if (str_view_eq_cstr_nocase(srv->suffix_type, "ou")) {
            ldapd_entry_add(e, LDAPD_A_OU, srv->suffix_value);
        }
        ldapd_entry_add(e, LDAPD_A_O, srv->suffix_value);
    } else {
        static const char *const names[] = { "People", "Organizations", "Users" };
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, "organizationalUnit");
        ldapd_entry_add_cstr(e, LDAPD_A_OU, names[e->container]);
    }
}

static void ldapd_load_user(struct ldapd_entry *e)
{
    const struct store_user *u = &e->user;
    static const char *const ocs[] = { "top", "person", "organizationalPerson", "inetOrgPerson" };
    for (size_t i = 0; i < 4; i++) {
        ldapd_entry_add_cstr(e, LDAPD_A_OBJECTCLASS, ocs[i]);
    }
    struct str_view cn = u->display_name.len ? u->display_name : u->name;
    ldapd_entry_add(e, LDAPD_A_UID, u->name);
    ldapd_entry_add(e, LDAPD_A_CN, cn);
    ldapd_entry_add(e, LDAPD_A_DISPLAYNAME, cn);
    size_t sp = cn.len;
    while (sp > 0 && cn.ptr[sp - 1] != ' ') {
        sp--;
    }
    ldapd_entry_add(e, LDAPD_A_SN, str_view_make(cn.ptr + sp, cn.len - sp));
    ldapd_add_nonempty(e, LDAPD_A_MAIL, u->email);
}

static void ldapd_load_user_meta(struct ldapd_entry *e)
{
    const struct store_user *u = &e->user;
    ldapd_entry_add_cstr(e, LDAPD_A_STRUCTURALOBJECTCLASS, "inetOrgPerson");
    if (u->created) {
        ldapd_entry_add(e, LDAPD_A_CREATETIMESTAMP, ldapd_gentime(e->a, u->created));
        ldapd_entry_add(e, LDAPD_A_MODIFYTIMESTAMP, ldapd_gentime(e->a, u->created));
    }
    ldapd_entry_add_cstr(e, LDAPD_A_HASSUBORDINATES, "FALSE");
}

static void ldapd_load_common(struct ldapd_entry *e)
{
    if (e->kind != LDAPD_E_ROOT_DSE && e->kind != LDAPD_E_SUBSCHEMA) {
        ldapd_entry_add(e, LDAPD_A_ENTRYDN, e->dn);
        ldapd_entry_add_cstr(e, LDAPD_A_SUBSCHEMASUBENTRY, "cn=Subschema");
    }
}

/* ------------------------------------------------------------------ relations */

struct ldapd_user_person {
    struct ldapd_req *op;
    struct str_view dn;
};

static int ldapd_user_person_try(void *ctx, const struct store_id *id)
{
    struct ldapd_user_person *p = ctx;
    p->dn = ldapd_dit_ref_dn(p->op, id, STR_VIEW_NULL);
    return p->dn.len ? 1 : 0;
}

static void ldapd_load_rel(struct ldapd_entry *e)
{
    if (e->kind == LDAPD_E_USER) {
        struct ldapd_user_person p = { e->op, STR_VIEW_NULL };
        if (e->user.email.len) {
            store_entity_lookup(e->op->txn, STORE_IX_EMAIL, e->user.email, false,
                    ldapd_user_person_try, &p);
        }
        ldapd_add_nonempty(e, LDAPD_A_SEEALSO, p.dn);
        return;
    }
    if (e->kind != LDAPD_E_ENTITY) {
        return;
    }
    const struct store_entity *ent = e->entity;
    for (size_t i = 0; i < ent->n_relations; i++) {
        const struct store_relation *r = &ent->relations[i];
        enum ldapd_attr_id id;
        if (str_view_eq_cstr_nocase(r->type, "manager")) {
            id = LDAPD_A_MANAGER;
        } else if (str_view_eq_cstr_nocase(r->type, "assistant")) {
            id = LDAPD_A_SECRETARY;
        } else if (str_view_eq_cstr_nocase(r->type, "x-crm-employer") ||
                   str_view_eq_cstr_nocase(r->type, "x-crm-parent-org")) {
            id = LDAPD_A_SEEALSO;
        } else {
            continue;
        }
        /* Dropped when the target is not visible to this viewer (MAPPING.md 4.4). */
        ldapd_add_nonempty(e, id, ldapd_dit_ref_dn(e->op, &r->target_id, r->target));
    }
    if (ent->kind == STORE_ENTITY_DEPARTMENT && ent->parent.len &&
            ldapd_entry_vals(e, LDAPD_A_SEEALSO)->n == 0) {
        ldapd_add_nonempty(e, LDAPD_A_SEEALSO, ldapd_dit_ref_dn(e->op, NULL, ent->parent));
    }
}

/* ------------------------------------------------------------------ card */

static void ldapd_load_card(struct ldapd_entry *e)
{
    if (e->kind != LDAPD_E_ENTITY) {
        return;
    }
    struct store_resource r;
    const struct store_entity *ent = e->entity;
    if (store_resource_get(e->op->txn, ent->coll_id, ent->name, true, &r) != 0) {
        return;
    }
    const struct kith_config *cfg = e->op->cfg;
    struct vcard_limits lim = { cfg->vcard_max_line, cfg->vcard_max_card, cfg->vcard_max_props };
    struct vcard *card;
    struct vcard_error err;
    if (vcard_parse(e->a, r.body, &lim, &card, &err) == 0) {
        e->card = card;
        ldapd_card_load(e, card);
    }
}

void ldapd_entry_load(struct ldapd_entry *e, unsigned mask)
{
    if (mask & LDAPD_SRC_META) {
        mask |= LDAPD_SRC_ENTITY; /* meta values reuse entity ones (entryUUID = crmId) */
    }
    unsigned todo = mask & ~e->loaded;
    e->loaded |= mask;
    if (todo & LDAPD_SRC_ENTITY) {
        if (e->kind == LDAPD_E_ENTITY) {
            ldapd_load_entity(e);
        } else if (e->kind == LDAPD_E_USER) {
            ldapd_load_user(e);
        } else if (e->kind == LDAPD_E_SUFFIX || e->kind == LDAPD_E_CONTAINER) {
            ldapd_load_fixed(e);
        }
    }
    if (todo & LDAPD_SRC_META) {
        if (e->kind == LDAPD_E_ENTITY) {
            ldapd_load_entity_meta(e);
        } else if (e->kind == LDAPD_E_USER) {
            ldapd_load_user_meta(e);
        } else if (e->kind == LDAPD_E_SUFFIX || e->kind == LDAPD_E_CONTAINER) {
            ldapd_load_fixed_meta(e);
        }
        ldapd_load_common(e);
    }
    if (todo & LDAPD_SRC_CARD) {
        ldapd_load_card(e);
    }
    if (todo & LDAPD_SRC_REL) {
        ldapd_load_rel(e);
    }
}
