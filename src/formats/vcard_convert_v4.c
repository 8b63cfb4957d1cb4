/*
 * vcard_convert_v4.c: 3.0 <-> 4.0 per MAPPING.md 2.2-2.8: KIND/MEMBER vs the Apple
 * X-ADDRESSBOOKSERVER-* lines and X-ABShowAs, UID urn:uuid form, BDAY forms, ANNIVERSARY and
 * RELATED vs itemN.X-ABDATE / X-ABRELATEDNAMES + X-ABLabel, LABEL vs ADR;LABEL=,
 * SORT-STRING vs SORT-AS, AGENT (uri) -> RELATED;TYPE=agent. Unmodelled lines pass as they are.
 */
#include "src/formats/vcard.h"

#include <stdint.h>
#include <string.h>

#include "src/arena.h"
#include "src/formats/vcard-internal.h"

#define VCARD_NONE SIZE_MAX

static const char vcard_anniversary_label[] = "_$!<Anniversary>!$_";

/* RELATED TYPE token <-> 3.0 X-ABLabel (Apple's built-in labels, MAPPING.md 2.6). */
static const struct {
    const char *token, *label;
    bool generic; /* chosen only when nothing more specific is in the TYPE list */
} vcard_relations[] = {
    { "spouse", "_$!<Spouse>!$_", false },
    { "child", "_$!<Child>!$_", false },
    { "father", "_$!<Father>!$_", false },
    { "mother", "_$!<Mother>!$_", false },
    { "parent", "_$!<Parent>!$_", true },
    { "brother", "_$!<Brother>!$_", false },
    { "sister", "_$!<Sister>!$_", false },
    { "friend", "_$!<Friend>!$_", false },
    { "manager", "_$!<Manager>!$_", false },
    { "assistant", "_$!<Assistant>!$_", false },
    { "partner", "_$!<Partner>!$_", false },
    { "x-crm-subordinate", "Subordinate", false },
    { "x-crm-assisted", "Assisted", false },
    { "x-crm-employer", "Employer", false },
    { "x-crm-employee", "Employee", false },
    { "x-crm-parent-org", "Parent company", false },
    { "x-crm-subsidiary", "Subsidiary", false },
    { "referred-by", "Referred by", false },
    { "x-crm-referral", "Referral", false },
    { "sibling", "sibling", true },
    { "kin", "kin", true },
    { "contact", "contact", true },
    { "acquaintance", "acquaintance", true },
};

#define VCARD_N_RELATIONS (sizeof(vcard_relations) / sizeof(vcard_relations[0]))

static bool vcard_is_uuid(struct str_view v)
{
    if (v.len != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        char ch = v.ptr[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
        if (dash ? ch != '-' : !hex) {
            return false;
        }
    }
    return true;
}

/* Text escapes removed from a URI written as text (Google's https\://, X-ABRELATEDNAMES),
 * except \n: a URI never holds a line break, and unescaping it would end the line. */
static struct str_view vcard_uri_unescape(struct arena *a, struct str_view v)
{
    char *buf = arena_alloc(a, v.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        char d = i + 1 < v.len ? v.ptr[i + 1] : '\0';
        if (v.ptr[i] == '\\' && (d == ':' || d == ',' || d == ';' || d == '\\')) {
            i++;
        }
        buf[n++] = v.ptr[i];
    }
    return str_view_make(buf, n);
}

static bool vcard_digits(struct str_view v, size_t off, size_t n)
{
    for (size_t i = off; i < off + n; i++) {
        if (i >= v.len || v.ptr[i] < '0' || v.ptr[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool vcard_looks_like_uri(struct str_view v)
{
    static const char *const schemes[] = { "urn:",  "http:", "https:", "mailto:", "tel:",
                                           "xmpp:", "sip:",  "ldap:",  "ldaps:",  "data:" };
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (str_view_starts_with_nocase(v, schemes[i])) {
            return true;
        }
    }
    return false;
}

/* Index of the X-ABLabel sharing prop i's group, or VCARD_NONE. */
static size_t vcard_group_label(const struct vcard *card, size_t i)
{
    struct str_view g = card->props[i].group;
    if (g.len == 0) {
        return VCARD_NONE;
    }
    for (size_t j = 0; j < card->n_props; j++) {
        if (j != i && vcard_prop_is(&card->props[j], "X-ABLabel") &&
            str_view_eq_nocase(card->props[j].group, g)) {
            return j;
        }
    }
    return VCARD_NONE;
}

/* Group of a converted 3.0 pair (value line + X-ABLabel) in 4.0: dropped when the pair was
 * all that used it, so 4.0 reads RELATED/ANNIVERSARY plainly (MAPPING.md 2.7 example). */
static struct str_view vcard_pair_group_40(const struct vcard *card, size_t i)
{
    struct str_view g = card->props[i].group;
    size_t users = 0;
    for (size_t j = 0; j < card->n_props && g.len; j++) {
        users += str_view_eq_nocase(card->props[j].group, g);
    }
    return users == 2 ? STR_VIEW_NULL : g;
}

static bool vcard_group_unused(const struct vcard *card, size_t i)
{
    struct str_view g = card->props[i].group;
    for (size_t j = 0; j < card->n_props && g.len; j++) {
        if (j != i && str_view_eq_nocase(card->props[j].group, g)) {
            return false;
        }
    }
    return g.len > 0;
}

/* 3.0 date -> 4.0: 1980-04-15 -> 19800415; Apple year-less 1604-04-15 with
 * X-APPLE-OMIT-YEAR=1604 -> --0415; --04-15 -> --0415. */
static void vcard_date_to_40(struct vcard_conv *c, struct vcard_prop *out)
{
    struct str_view v = out->value;
    const struct vcard_param *omit = vcard_param_find(out, "X-APPLE-OMIT-YEAR");
    char *buf = arena_alloc(c->a, 9);
    if (v.len == 10 && vcard_digits(v, 0, 4) && v.ptr[4] == '-' && vcard_digits(v, 5, 2) &&
        v.ptr[7] == '-' && vcard_digits(v, 8, 2)) {
        bool no_year =
                omit && omit->n_values && str_view_eq(omit->values[0], str_view_make(v.ptr, 4));
        if (no_year) {
            memcpy(buf, "--", 2);
        } else {
            memcpy(buf, v.ptr, 4);
        }
        memcpy(buf + (no_year ? 2 : 4), v.ptr + 5, 2);
        memcpy(buf + (no_year ? 4 : 6), v.ptr + 8, 2);
        out->value = str_view_make(buf, no_year ? 6 : 8);
    } else if (v.len == 7 && v.ptr[0] == '-' && v.ptr[1] == '-' && vcard_digits(v, 2, 2) &&
               v.ptr[4] == '-' && vcard_digits(v, 5, 2)) {
        memcpy(buf, "--", 2);
        memcpy(buf + 2, v.ptr + 2, 2);
        memcpy(buf + 4, v.ptr + 5, 2);
        out->value = str_view_make(buf, 6);
    } else {
        return;
    }
    vcard_params_remove(c->a, out, "X-APPLE-OMIT-YEAR");
    out->raw = STR_VIEW_NULL;
}

/* 4.0 date -> 3.0: 19800415 -> 1980-04-15; --0415 -> X-APPLE-OMIT-YEAR=1604:1604-04-15
 * (1604 is a leap year, so 29 February survives; DAVx5 writes the same). */
static void vcard_date_to_30(struct vcard_conv *c, struct vcard_prop *out)
{
    struct str_view v = out->value;
    char *buf = arena_alloc(c->a, 11);
    if (v.len == 8 && vcard_digits(v, 0, 8)) {
        memcpy(buf, v.ptr, 4);
        buf[4] = '-';
        memcpy(buf + 5, v.ptr + 4, 2);
        buf[7] = '-';
        memcpy(buf + 8, v.ptr + 6, 2);
    } else if (v.len == 6 && v.ptr[0] == '-' && v.ptr[1] == '-' && vcard_digits(v, 2, 4)) {
        memcpy(buf, "1604-", 5);
        memcpy(buf + 5, v.ptr + 2, 2);
        buf[7] = '-';
        memcpy(buf + 8, v.ptr + 4, 2);
        vcard_params_add(c->a, out, "X-APPLE-OMIT-YEAR", STR_VIEW_LIT("1604"));
    } else {
        return;
    }
    out->value = str_view_make(buf, 10);
    out->raw = STR_VIEW_NULL;
}

/* Which ADR each 3.0 LABEL property belongs to: same group, else the same TYPE set, else
 * the first ADR still without a label. TYPE lists are collected once per property, so a
 * card of many ADR and LABEL lines costs comparisons, not allocations. */
static void vcard_match_labels(struct vcard_conv *c, size_t *adr_label)
{
    const struct vcard *in = c->in;
    struct str_view **types = arena_new_array(c->a, struct str_view *, in->n_props + 1);
    size_t *n_types = arena_new_array(c->a, size_t, in->n_props + 1);
    for (size_t i = 0; i < in->n_props; i++) {
        adr_label[i] = VCARD_NONE;
        if (vcard_prop_is(&in->props[i], "ADR") || vcard_prop_is(&in->props[i], "LABEL")) {
            types[i] = vcard_types_collect(c->a, &in->props[i], &n_types[i]);
        }
    }
    for (size_t i = 0; i < in->n_props; i++) {
        const struct vcard_prop *lp = &in->props[i];
        if (!vcard_prop_is(lp, "LABEL")) {
            continue;
        }
        size_t best = VCARD_NONE;
        for (size_t j = 0; j < in->n_props; j++) {
            const struct vcard_prop *ap = &in->props[j];
            if (!vcard_prop_is(ap, "ADR") || adr_label[j] != VCARD_NONE ||
                vcard_param_find(ap, "LABEL") != NULL) {
                continue;
            }
            if (lp->group.len || ap->group.len) {
                if (str_view_eq_nocase(lp->group, ap->group)) {
                    best = j;
                    break;
                }
                continue;
            }
            size_t same = 0;
            for (size_t x = 0; x < n_types[i]; x++) {
                for (size_t y = 0; y < n_types[j]; y++) {
                    same += str_view_eq_nocase(types[i][x], types[j][y]);
                }
            }
            if (same == n_types[i] && same == n_types[j]) {
                best = j;
                break;
            }
            if (best == VCARD_NONE) {
                best = j;
            }
        }
        if (best != VCARD_NONE) {
            adr_label[best] = i;
            c->consumed[i] = true;
        }
    }
}

/* Append ';' until a structured value has n components (3.0 and 2.1 writers often stop
 * early: "N:Lee;Ann"); the line is then rebuilt from its parts. */
static void vcard_pad_structured(struct arena *a, struct vcard_prop *p, size_t n)
{
    size_t parts = 1;
    for (size_t i = 0; i < p->value.len; i++) {
        if (p->value.ptr[i] == '\\') {
            i++;
        } else if (p->value.ptr[i] == ';') {
            parts++;
        }
    }
    if (parts >= n) {
        return;
    }
    char *v = arena_alloc(a, p->value.len + n - parts + 1);
    if (p->value.len) {
        memcpy(v, p->value.ptr, p->value.len);
    }
    memset(v + p->value.len, ';', n - parts);
    p->value = str_view_make(v, p->value.len + n - parts);
    p->raw = STR_VIEW_NULL;
}

static bool vcard_value_blank_structured(struct str_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] != ';' && v.ptr[i] != ',' && v.ptr[i] != ' ') {
            return false;
        }
    }
    return true;
}

/* 3.0 itemN.X-ABRELATEDNAMES (+ X-ABLabel) -> RELATED;TYPE=token. A custom label with no
 * token equivalent keeps both lines as they are. */
static void vcard_related_to_40(struct vcard_conv *c, size_t i)
{
    const struct vcard_prop *in = &c->in->props[i];
    size_t li = vcard_group_label(c->in, i);
    const char *token = NULL;
    struct str_view label = li != VCARD_NONE ? c->in->props[li].value : STR_VIEW_NULL;
    for (size_t r = 0; li != VCARD_NONE && r < VCARD_N_RELATIONS; r++) {
        if (str_view_eq_cstr_nocase(label, vcard_relations[r].label)) {
            token = vcard_relations[r].token;
        }
    }
    bool x_token =
            str_view_starts_with_nocase(label, "x-") && memchr(label.ptr, ' ', label.len) == NULL;
    if (li != VCARD_NONE && token == NULL && !x_token) {
        vcard_conv_copy(c, in);
        vcard_conv_done(c, &c->out->props[c->out->n_props - 1]);
        return;
    }
    struct vcard_prop *out = vcard_conv_copy(c, in);
    out->name = STR_VIEW_LIT("RELATED");
    bool pref = vcard_param_has(in, "TYPE", "pref");
    vcard_types_set(c->a, out, NULL, 0);
    if (li != VCARD_NONE) {
        c->consumed[li] = true;
        struct str_view t = token ? str_view_of(token) : vcard_str_case(c->a, label, false);
        vcard_types_set(c->a, out, &t, 1);
        out->group = vcard_pair_group_40(c->in, i);
    }
    if (pref) {
        vcard_params_add(c->a, out, "PREF", STR_VIEW_LIT("1"));
    }
    struct str_view text = vcard_uri_unescape(c->a, out->value);
    if (vcard_looks_like_uri(text)) {
        out->value = text;
    } else {
        vcard_params_add(c->a, out, "VALUE", STR_VIEW_LIT("text"));
    }
    out->raw = STR_VIEW_NULL;
    vcard_conv_done(c, out);
}

/* TEL, EMAIL, ADR, URL, IMPP, LABEL: types, PREF, and the 3.0 LABEL matched to an ADR. */
static void vcard_typed_to_40(struct vcard_conv *c, size_t i, size_t label_i)
{
    const struct vcard_prop *in = &c->in->props[i];
    struct vcard_prop *out = vcard_conv_copy(c, in);
    vcard_conv_types(c, out);
    if (vcard_prop_is(in, "URL") && in->value.len >= 2 &&
        memmem(in->value.ptr, in->value.len, "\\:", 2)) {
        /* Google writes https\://...: a URI has no escapes in 4.0 */
        out->value = vcard_uri_unescape(c->a, in->value);
        out->raw = STR_VIEW_NULL;
    }
    if (label_i != VCARD_NONE) {
        vcard_params_add(c->a, out, "LABEL", vcard_value_text(c->a, c->in->props[label_i].value));
    }
    vcard_conv_done(c, out);
}

/* itemN.X-ABDATE + itemN.X-ABLabel:_$!<Anniversary>!$_ -> ANNIVERSARY (DAVx5's form). */
static void vcard_anniversary_to_40(struct vcard_conv *c, size_t i, size_t label_i)
{
    c->consumed[label_i] = true;
    struct vcard_prop *out = vcard_conv_copy(c, &c->in->props[i]);
    out->name = STR_VIEW_LIT("ANNIVERSARY");
    out->group = vcard_pair_group_40(c->in, i);
    vcard_types_set(c->a, out, NULL, 0);
    vcard_date_to_40(c, out);
    vcard_conv_done(c, out);
}

static void vcard_convert_prop_40(struct vcard_conv *c, size_t i, bool org, size_t sort_i,
                                  const size_t *adr_label)
{
    const struct vcard_prop *in = &c->in->props[i];
    size_t li;
    struct vcard_prop *out;
    if (vcard_prop_is(in, "X-ADDRESSBOOKSERVER-KIND")) {
        vcard_conv_add(c, STR_VIEW_NULL, "KIND", vcard_str_case(c->a, in->value, false));
    } else if (vcard_prop_is(in, "X-ABShowAs") && str_view_eq_cstr_nocase(in->value, "COMPANY") &&
               vcard_prop_find(c->in, "X-ADDRESSBOOKSERVER-KIND") == NULL) {
        vcard_conv_add(c, STR_VIEW_NULL, "KIND", STR_VIEW_LIT("org"));
    } else if (vcard_prop_is(in, "X-ADDRESSBOOKSERVER-MEMBER")) {
        out = vcard_conv_copy(c, in);
        out->name = STR_VIEW_LIT("MEMBER");
        out->group = STR_VIEW_NULL;
        out->raw = STR_VIEW_NULL;
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "UID") && vcard_is_uuid(in->value)) {
        out = vcard_conv_copy(c, in);
        out->value = vcard_str_cat(c->a, STR_VIEW_LIT("urn:uuid:"), in->value);
        out->raw = STR_VIEW_NULL;
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "N")) {
        if (org && vcard_value_blank_structured(in->value)) {
            return; /* MAPPING.md 2.2: organizations (and lists) have no N in 4.0 */
        }
        out = vcard_conv_copy(c, in);
        vcard_pad_structured(c->a, out, 5); /* RFC 6350 6.2.2: N has five components */
        if (sort_i != VCARD_NONE) {
            c->consumed[sort_i] = true;
            vcard_params_add(c->a, out, "SORT-AS",
                             vcard_value_text(c->a, c->in->props[sort_i].value));
        }
        vcard_conv_done(c, out);
    } else if (vcard_is_typed(in)) {
        vcard_typed_to_40(c, i, adr_label[i]);
    } else if (vcard_prop_is(in, "BDAY")) {
        out = vcard_conv_copy(c, in);
        vcard_date_to_40(c, out);
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "X-ABDATE") && (li = vcard_group_label(c->in, i)) != VCARD_NONE &&
               str_view_eq_cstr_nocase(c->in->props[li].value, vcard_anniversary_label)) {
        vcard_anniversary_to_40(c, i, li);
    } else if (vcard_prop_is(in, "X-ABRELATEDNAMES")) {
        vcard_related_to_40(c, i);
    } else if (vcard_prop_is(in, "AGENT") && vcard_param_has(in, "VALUE", "uri")) {
        out = vcard_conv_copy(c, in);
        out->name = STR_VIEW_LIT("RELATED");
        vcard_params_remove(c->a, out, "VALUE");
        struct str_view agent = STR_VIEW_LIT("agent");
        vcard_types_set(c->a, out, &agent, 1);
        vcard_conv_done(c, out);
    } else if (vcard_name_is_binary(in->name) || vcard_prop_encoding_is(in, "b") ||
               vcard_prop_encoding_is(in, "BASE64")) {
        vcard_conv_media(c, in);
    } else {
        vcard_conv_done(c, vcard_conv_copy(c, in));
    }
}

struct vcard *vcard_convert_30_to_40(struct arena *a, const struct vcard *card)
{
    struct vcard_conv c;
    vcard_conv_init(&c, a, card, VCARD_V40);
    size_t *adr_label = arena_new_array(a, size_t, card->n_props ? card->n_props : 1);
    vcard_match_labels(&c, adr_label);
    const struct vcard_prop *kind = vcard_prop_find(card, "X-ADDRESSBOOKSERVER-KIND");
    const struct vcard_prop *show = vcard_prop_find(card, "X-ABShowAs");
    bool org = (kind && (str_view_eq_cstr_nocase(kind->value, "org") ||
                         str_view_eq_cstr_nocase(kind->value, "group"))) ||
               (!kind && show && str_view_eq_cstr_nocase(show->value, "COMPANY"));
    size_t sort_i = VCARD_NONE;
    if (vcard_prop_find(card, "N") != NULL) {
        const struct vcard_prop *sort = vcard_prop_find(card, "SORT-STRING");
        sort_i = sort ? (size_t)(sort - card->props) : VCARD_NONE;
    }
    for (size_t i = 0; i < card->n_props; i++) {
        if (!c.consumed[i]) {
            vcard_convert_prop_40(&c, i, org, sort_i, adr_label);
        }
    }
    return c.out;
}

/* RELATED -> groupN.X-ABRELATEDNAMES:<name> + groupN.X-ABLabel:<label>. The name is the
 * text value or, for a URI, the URI itself (3.0 has no reference; the store's merge keeps
 * the link, MAPPING.md 2.6/R4). Parameters other than TYPE/VALUE/PREF stay on the line. */
static void vcard_related_to_30(struct vcard_conv *c, size_t i)
{
    const struct vcard_prop *in = &c->in->props[i];
    size_t n = 0;
    struct str_view *types = vcard_types_collect(c->a, in, &n);
    const char *label = NULL;
    for (size_t pass = 0; pass < 2 && label == NULL; pass++) {
        for (size_t t = 0; t < n && label == NULL; t++) {
            for (size_t r = 0; r < VCARD_N_RELATIONS; r++) {
                if (str_view_eq_cstr_nocase(types[t], vcard_relations[r].token) &&
                    (pass == 1 || !vcard_relations[r].generic)) {
                    label = vcard_relations[r].label;
                    break;
                }
            }
        }
    }
    struct str_view label_v = label ? str_view_of(label) : n ? types[0] : STR_VIEW_NULL;
    struct str_view group = STR_VIEW_NULL;
    if (label_v.len) {
        group = vcard_group_unused(c->in, i) ? in->group : vcard_conv_mint_group(c);
    }
    struct vcard_prop *out = vcard_conv_copy(c, in);
    out->name = STR_VIEW_LIT("X-ABRELATEDNAMES");
    out->group = group;
    if (!vcard_param_has(in, "VALUE", "text")) {
        out->value = vcard_escape(c->a, in->value, false);
    }
    vcard_params_remove(c->a, out, "TYPE");
    vcard_params_remove(c->a, out, "VALUE");
    vcard_params_remove(c->a, out, "PREF");
    if (vcard_param_has(in, "PREF", "1")) {
        struct str_view pref = STR_VIEW_LIT("pref");
        vcard_types_set(c->a, out, &pref, 1);
    }
    out->raw = STR_VIEW_NULL;
    vcard_conv_done(c, out);
    if (label_v.len) {
        vcard_conv_add(c, group, "X-ABLabel", vcard_escape(c->a, label_v, false));
    }
}

static void vcard_anniversary_to_30(struct vcard_conv *c, size_t i)
{
    const struct vcard_prop *in = &c->in->props[i];
    if (vcard_param_has(in, "VALUE", "text")) {
        vcard_conv_done(c, vcard_conv_copy(c, in));
        return;
    }
    struct str_view group = vcard_group_unused(c->in, i) ? in->group : vcard_conv_mint_group(c);
    struct vcard_prop *out = vcard_conv_copy(c, in);
    out->name = STR_VIEW_LIT("X-ABDATE");
    out->group = group;
    out->raw = STR_VIEW_NULL;
    vcard_date_to_30(c, out);
    vcard_conv_done(c, out);
    vcard_conv_add(c, group, "X-ABLabel", STR_VIEW_LIT(vcard_anniversary_label));
}

/* ADR;LABEL="..." -> ADR + LABEL;TYPE=<same types> property right after it. */
static void vcard_adr_to_30(struct vcard_conv *c, const struct vcard_prop *in)
{
    struct vcard_prop *out = vcard_conv_copy(c, in);
    const struct vcard_param *lp = vcard_param_find(in, "LABEL");
    vcard_params_remove(c->a, out, "LABEL");
    vcard_params_remove(c->a, out, "CC");
    vcard_conv_types(c, out);
    vcard_conv_done(c, out);
    if (lp == NULL || lp->n_values == 0) {
        return;
    }
    size_t n = 0;
    struct str_view *types = vcard_types_collect(c->a, &c->out->props[c->out->n_props - 1], &n);
    struct vcard_prop *label =
            vcard_conv_add(c, in->group, "LABEL", vcard_escape(c->a, lp->values[0], false));
    if (n > 0) {
        vcard_types_set(c->a, label, types, n);
        vcard_prop_compose(c->a, label, c->to);
    }
}

static void vcard_convert_prop_30(struct vcard_conv *c, size_t i)
{
    const struct vcard_prop *in = &c->in->props[i];
    struct vcard_prop *out;
    if (vcard_prop_is(in, "KIND")) {
        if (str_view_eq_cstr_nocase(in->value, "org")) {
            vcard_conv_add(c, STR_VIEW_NULL, "X-ABShowAs", STR_VIEW_LIT("COMPANY"));
        } else if (str_view_eq_cstr_nocase(in->value, "group")) {
            vcard_conv_add(c, STR_VIEW_NULL, "X-ADDRESSBOOKSERVER-KIND", STR_VIEW_LIT("group"));
        } else if (!str_view_eq_cstr_nocase(in->value, "individual")) {
            vcard_conv_done(c, vcard_conv_copy(c, in));
        }
    } else if (vcard_prop_is(in, "MEMBER")) {
        out = vcard_conv_copy(c, in);
        out->name = STR_VIEW_LIT("X-ADDRESSBOOKSERVER-MEMBER");
        out->raw = STR_VIEW_NULL;
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "UID") && str_view_starts_with_nocase(in->value, "urn:uuid:")) {
        out = vcard_conv_copy(c, in);
        out->value = str_view_make(in->value.ptr + 9, in->value.len - 9);
        out->raw = STR_VIEW_NULL;
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "N")) {
        out = vcard_conv_copy(c, in);
        const struct vcard_param *sp = vcard_param_find(in, "SORT-AS");
        vcard_params_remove(c->a, out, "SORT-AS");
        vcard_conv_done(c, out);
        if (sp != NULL && sp->n_values > 0) {
            vcard_conv_add(c, STR_VIEW_NULL, "SORT-STRING",
                           vcard_escape(c->a, sp->values[0], false));
        }
    } else if (vcard_prop_is(in, "ADR")) {
        vcard_adr_to_30(c, in);
    } else if (vcard_is_typed(in)) {
        out = vcard_conv_copy(c, in);
        vcard_conv_types(c, out);
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "BDAY")) {
        out = vcard_conv_copy(c, in);
        vcard_date_to_30(c, out);
        vcard_conv_done(c, out);
    } else if (vcard_prop_is(in, "ANNIVERSARY")) {
        vcard_anniversary_to_30(c, i);
    } else if (vcard_prop_is(in, "RELATED")) {
        vcard_related_to_30(c, i);
    } else if (vcard_name_is_binary(in->name)) {
        vcard_conv_media(c, in);
    } else {
        vcard_conv_done(c, vcard_conv_copy(c, in));
    }
}

struct vcard *vcard_convert_40_to_30(struct arena *a, const struct vcard *card)
{
    struct vcard_conv c;
    vcard_conv_init(&c, a, card, VCARD_V30);
    bool need_n = vcard_prop_find(card, "N") == NULL;
    for (size_t i = 0; i < card->n_props; i++) {
        vcard_convert_prop_30(&c, i);
        if (need_n && vcard_prop_is(&card->props[i], "FN")) {
            /* RFC 2426 3.1.2: N is required in 3.0; an organization gets N:;;;; (2.2). */
            vcard_conv_add(&c, STR_VIEW_NULL, "N", STR_VIEW_LIT(";;;;"));
            need_n = false;
        }
    }
    if (need_n) {
        vcard_conv_add(&c, STR_VIEW_NULL, "N", STR_VIEW_LIT(";;;;"));
    }
    return c.out;
}
