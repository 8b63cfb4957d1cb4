#include "crm/card_index.h"

#include <ctype.h>
#include <string.h>
#include <uuid/uuid.h>

#include "src/arena.h"
#include "src/phone.h"

#define CRM_MAX_ITEMS 256 /* per list: a card with more e-mails than this is indexed partly */

static size_t crm_cap(const struct vcard *card)
{
    return card->n_props < CRM_MAX_ITEMS ? card->n_props + 1 : CRM_MAX_ITEMS;
}

static struct str_view crm_text(struct arena *a, const struct vcard_prop *p)
{
    return p ? vcard_value_text(a, p->value) : STR_VIEW_NULL;
}

static bool crm_prop_is(const struct vcard_prop *p, const char *name)
{
    return str_view_eq_cstr_nocase(p->name, name);
}

struct str_view crm_card_uid(struct arena *a, const struct vcard *card)
{
    return crm_text(a, vcard_prop_find(card, "UID"));
}

static enum store_entity_kind crm_card_kind(const struct vcard *card)
{
    const struct vcard_prop *p = vcard_prop_find(card, "X-CRM-ENTITY");
    if (p && str_view_eq_cstr_nocase(p->value, "department")) {
        return STORE_ENTITY_DEPARTMENT;
    }
    if (p && str_view_eq_cstr_nocase(p->value, "organization")) {
        return STORE_ENTITY_ORGANIZATION;
    }
    p = vcard_prop_find(card, "KIND");
    if (p == NULL) {
        p = vcard_prop_find(card, "X-ADDRESSBOOKSERVER-KIND");
    }
    if (p && str_view_eq_cstr_nocase(p->value, "group")) {
        return STORE_ENTITY_GROUP;
    }
    if (p && (str_view_eq_cstr_nocase(p->value, "org") ||
                     str_view_eq_cstr_nocase(p->value, "organization"))) {
        return STORE_ENTITY_ORGANIZATION;
    }
    p = vcard_prop_find(card, "X-ABShowAs");
    if (p && str_view_eq_cstr_nocase(p->value, "company")) {
        return STORE_ENTITY_ORGANIZATION;
    }
    return STORE_ENTITY_PERSON;
}

static struct str_view crm_lower(struct arena *a, struct str_view v)
{
    char *s = arena_alloc(a, v.len + 1);
    for (size_t i = 0; i < v.len; i++) {
        s[i] = (char)tolower((unsigned char)v.ptr[i]);
    }
    return str_view_make(s, v.len);
}

static struct str_view crm_param1(const struct vcard_prop *p, const char *name)
{
    const struct vcard_param *pa = vcard_param_find(p, name);
    return pa && pa->n_values ? pa->values[0] : STR_VIEW_NULL;
}

static uint32_t crm_phone_types(const struct vcard_prop *p)
{
    static const struct {
        const char *token;
        uint32_t bit;
    } map[] = {
        { "work", STORE_PHONE_WORK }, { "home", STORE_PHONE_HOME }, { "cell", STORE_PHONE_CELL },
        { "fax", STORE_PHONE_FAX }, { "pager", STORE_PHONE_PAGER }, { "pref", STORE_PHONE_PREF },
    };
    uint32_t bits = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (vcard_param_has(p, "TYPE", map[i].token)) {
            bits |= map[i].bit;
        }
    }
    if (vcard_param_has(p, "PREF", "1")) {
        bits |= STORE_PHONE_PREF;
    }
    return bits;
}

static void crm_add_phone(struct arena *a, const struct vcard_prop *p,
        const struct crm_index_opts *opts, struct store_entity *out)
{
    struct str_view text = crm_text(a, p), typed = text;
    if (str_view_starts_with_nocase(text, "tel:")) {
        text.ptr += 4;
        text.len -= 4;
    }
    struct store_phone *ph = &out->phones[out->n_phones++];
    ph->text = text;
    ph->types = crm_phone_types(p);
    char *digits = arena_alloc(a, text.len + 1);
    ph->digits = str_view_make(digits, phone_digits(text, digits, text.len + 1));
    char *e164 = arena_alloc(a, 32);
    ph->e164 = str_view_make(e164, phone_e164(typed, opts->country_code, opts->trunk_prefix, e164, 32));
}

/* "_$!<Manager>!$_" -> "manager"; other labels lower-cased as they are. */
static struct str_view crm_label_type(struct arena *a, struct str_view label)
{
    if (label.len > 8 && memcmp(label.ptr, "_$!<", 4) == 0 &&
            memcmp(label.ptr + label.len - 4, ">!$_", 4) == 0) {
        label.ptr += 4;
        label.len -= 8;
    }
    return crm_lower(a, label);
}

static struct str_view crm_group_label(const struct vcard *card, struct str_view group)
{
    for (size_t i = 0; group.len && i < card->n_props; i++) {
        const struct vcard_prop *p = &card->props[i];
        if (str_view_eq_nocase(p->group, group) && crm_prop_is(p, "X-ABLabel")) {
            return p->value;
        }
    }
    return STR_VIEW_NULL;
}

static void crm_target_id(struct store_relation *rel)
{
    char buf[40];
    if (rel->target.len == 45 && str_view_starts_with_nocase(rel->target, "urn:uuid:")) {
        memcpy(buf, rel->target.ptr + 9, 36);
        buf[36] = '\0';
        if (uuid_parse(buf, rel->target_id.b) != 0) {
            memset(rel->target_id.b, 0, sizeof(rel->target_id.b));
        }
    }
}

static void crm_add_relation(struct arena *a, const struct vcard *card, const struct vcard_prop *p,
        struct store_entity *out)
{
    struct store_relation *rel = &out->relations[out->n_relations];
    memset(rel, 0, sizeof(*rel));
    if (crm_prop_is(p, "RELATED")) {
        rel->type = crm_lower(a, crm_param1(p, "TYPE"));
        rel->role = crm_param1(p, "X-CRM-ROLE");
        rel->start = crm_param1(p, "X-CRM-START");
        rel->end = crm_param1(p, "X-CRM-END");
    } else if (crm_prop_is(p, "X-ABRELATEDNAMES")) {
        rel->type = crm_label_type(a, vcard_value_text(a, crm_group_label(card, p->group)));
    } else {
        rel->type = STR_VIEW_LIT("member");
    }
    rel->target = crm_text(a, p);
    if (rel->target.len == 0) {
        return;
    }
    crm_target_id(rel);
    out->n_relations++;
}

static void crm_add_categories(struct arena *a, const struct vcard_prop *p,
        struct store_entity *out)
{
    size_t n = 0;
    struct str_view *cats = vcard_value_split(a, p->value, ',', &n);
    for (size_t i = 0; i < n && out->n_categories < CRM_MAX_ITEMS; i++) {
        if (cats[i].len) {
            out->categories[out->n_categories++] = cats[i];
        }
    }
}

static void crm_index_prop(struct arena *a, const struct vcard *card, const struct vcard_prop *p,
        const struct crm_index_opts *opts, struct store_entity *out)
{
    size_t n;
    if (crm_prop_is(p, "FN") && out->fn.len == 0) {
        out->fn = crm_text(a, p);
    } else if (crm_prop_is(p, "N") && out->family.len == 0 && out->given.len == 0) {
        struct str_view *parts = vcard_value_split(a, p->value, ';', &n);
        out->family = n > 0 ? parts[0] : STR_VIEW_NULL;
        out->given = n > 1 ? parts[1] : STR_VIEW_NULL;
    } else if (crm_prop_is(p, "ORG") && out->org.len == 0) {
        struct str_view *parts = vcard_value_split(a, p->value, ';', &n);
        out->org = n > 0 ? parts[0] : STR_VIEW_NULL;
        out->dept = n > 1 ? parts[1] : STR_VIEW_NULL;
    } else if (crm_prop_is(p, "TITLE") && out->title.len == 0) {
        out->title = crm_text(a, p);
    } else if (crm_prop_is(p, "BDAY") && out->bday.len == 0) {
        out->bday = crm_text(a, p);
    } else if (crm_prop_is(p, "ANNIVERSARY") && out->anniversary.len == 0) {
        out->anniversary = crm_text(a, p);
    } else if (crm_prop_is(p, "X-CRM-PARENT")) {
        out->parent = crm_text(a, p);
    } else if (crm_prop_is(p, "RELATED") && vcard_param_has(p, "TYPE", "x-crm-parent-org")) {
        out->parent = crm_text(a, p);
    } else if (crm_prop_is(p, "EMAIL") && out->n_emails < crm_cap(card)) {
        out->emails[out->n_emails++] = crm_text(a, p);
    } else if (crm_prop_is(p, "TEL") && out->n_phones < crm_cap(card)) {
        crm_add_phone(a, p, opts, out);
    } else if (crm_prop_is(p, "CATEGORIES")) {
        crm_add_categories(a, p, out);
    } else if ((crm_prop_is(p, "RELATED") || crm_prop_is(p, "X-ABRELATEDNAMES") ||
                       crm_prop_is(p, "MEMBER") || crm_prop_is(p, "X-ADDRESSBOOKSERVER-MEMBER")) &&
               out->n_relations < crm_cap(card)) {
        crm_add_relation(a, card, p, out);
    }
}

void crm_card_index(struct arena *a, const struct vcard *card, const struct crm_index_opts *opts,
        struct store_entity *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = crm_card_kind(card);
    out->uid = crm_card_uid(a, card);
    /* No list can hold more entries than the card has lines (categories aside, capped). */
    size_t cap = crm_cap(card);
    out->emails = arena_new_array(a, struct str_view, cap);
    out->phones = arena_new_array(a, struct store_phone, cap);
    out->categories = arena_new_array(a, struct str_view, CRM_MAX_ITEMS);
    out->relations = arena_new_array(a, struct store_relation, cap);
    for (size_t i = 0; i < card->n_props; i++) {
        crm_index_prop(a, card, &card->props[i], opts, out);
    }
    if (out->family.len == 0 && out->kind == STORE_ENTITY_PERSON) {
        out->family = out->fn; /* LDAP sn is mandatory: MAPPING.md 4.2 falls back to FN */
    }
}
