/*
 * ldapd_card.c: the attributes only the card itself holds (MAPPING.md 4.2): the preferred
 * work address as street/postOfficeBox/l/st/postalCode/c/co and postalAddress, the home
 * address as homePostalAddress, URLs as labeledURI (RFC 2079), PHOTO (LOGO for
 * organizations) as jpegPhoto when it is a JPEG (no transcoding), NOTE as description,
 * LANG, and the X-CRM-FIELD / X-CRM-OWNER / X-CRM-CONTACT-TYPE lines.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <ctype.h>
#include <string.h>

#include "src/arena.h"
#include "src/formats/vcard.h"

static bool ldapd_prop_is(const struct vcard_prop *p, const char *name)
{
    return str_view_eq_cstr_nocase(p->name, name);
}

static bool ldapd_prop_pref(const struct vcard_prop *p)
{
    return vcard_param_has(p, "TYPE", "pref") || vcard_param_find(p, "PREF") != NULL;
}

/* The ADR to publish for kind ("work" or "home"): typed and preferred first. */
static const struct vcard_prop *ldapd_adr_pick(const struct vcard *card, const char *kind,
        bool fallback)
{
    const struct vcard_prop *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < card->n_props; i++) {
        const struct vcard_prop *p = &card->props[i];
        if (!ldapd_prop_is(p, "ADR")) {
            continue;
        }
        bool typed = vcard_param_has(p, "TYPE", kind);
        if (!typed && !fallback) {
            continue;
        }
        if (!typed && vcard_param_has(p, "TYPE", "home")) {
            continue; /* a home address is not a work fallback */
        }
        int score = (typed ? 2 : 0) + (ldapd_prop_pref(p) ? 1 : 0);
        if (score > best_score) {
            best = p;
            best_score = score;
        }
    }
    return best;
}

/* RFC 4517 3.3.28 Postal Address: lines joined by '$', with '\' and '$' escaped. */
static void ldapd_postal_line(struct strbuf *sb, struct str_view line)
{
    if (line.len == 0) {
        return;
    }
    if (sb->len) {
        strbuf_append_char(sb, '$');
    }
    for (size_t i = 0; i < line.len; i++) {
        if (line.ptr[i] == '\\') {
            strbuf_append_cstr(sb, "\\5C");
        } else if (line.ptr[i] == '$') {
            strbuf_append_cstr(sb, "\\24");
        } else if (line.ptr[i] == '\n') {
            strbuf_append_char(sb, '$');
        } else {
            strbuf_append_char(sb, line.ptr[i]);
        }
    }
}

static struct str_view ldapd_postal(struct ldapd_entry *e, struct str_view *c, size_t n)
{
    struct strbuf sb;
    strbuf_init(&sb, e->a, 64);
    struct str_view get[7] = { { 0 } };
    for (size_t i = 0; i < n && i < 7; i++) {
        get[i] = c[i];
    }
    ldapd_postal_line(&sb, get[0]);
    ldapd_postal_line(&sb, get[1]);
    ldapd_postal_line(&sb, get[2]);
    struct strbuf city;
    strbuf_init(&city, e->a, 32);
    strbuf_append_view(&city, get[5]);
    if (get[5].len && get[3].len) {
        strbuf_append_char(&city, ' ');
    }
    strbuf_append_view(&city, get[3]);
    if (get[4].len) {
        strbuf_appendf(&city, "%s%.*s", city.len ? ", " : "", STR_VIEW_FMT(get[4]));
    }
    ldapd_postal_line(&sb, strbuf_view(&city));
    ldapd_postal_line(&sb, get[6]);
    return strbuf_view(&sb);
}

static void ldapd_card_adr(struct ldapd_entry *e, const struct vcard *card)
{
    const struct vcard_prop *work = ldapd_adr_pick(card, "work", true);
    if (work != NULL) {
        size_t n;
        struct str_view *c = vcard_value_split(e->a, work->value, ';', &n);
        if (n > 0 && c[0].len) {
            ldapd_entry_add(e, LDAPD_A_POSTOFFICEBOX, c[0]);
        }
        if (n > 2 && c[2].len) {
            ldapd_entry_add(e, LDAPD_A_STREET, c[2]);
        }
        if (n > 3 && c[3].len) {
            ldapd_entry_add(e, LDAPD_A_L, c[3]);
        }
        if (n > 4 && c[4].len) {
            ldapd_entry_add(e, LDAPD_A_ST, c[4]);
        }
        if (n > 5 && c[5].len) {
            ldapd_entry_add(e, LDAPD_A_POSTALCODE, c[5]);
        }
        if (n > 6 && c[6].len) {
            ldapd_entry_add(e, LDAPD_A_CO, c[6]);
        }
        /* c: ISO 3166 alpha-2 from the CC parameter (RFC 8605), or a two-letter country. */
        const struct vcard_param *cc = vcard_param_find(work, "CC");
        struct str_view code = cc && cc->n_values ? cc->values[0]
                             : n > 6 && c[6].len == 2 ? c[6]
                                                     : STR_VIEW_NULL;
        if (code.len == 2 && isalpha((unsigned char)code.ptr[0]) &&
                isalpha((unsigned char)code.ptr[1])) {
            char *up = arena_strndup(e->a, code.ptr, 2);
            up[0] = (char)toupper((unsigned char)up[0]);
            up[1] = (char)toupper((unsigned char)up[1]);
            ldapd_entry_add_cstr(e, LDAPD_A_C, up);
        }
        struct str_view postal = ldapd_postal(e, c, n);
        if (postal.len) {
            ldapd_entry_add(e, LDAPD_A_POSTALADDRESS, postal);
        }
    }
    const struct vcard_prop *home = ldapd_adr_pick(card, "home", false);
    if (home != NULL && home != work && e->entity->kind == STORE_ENTITY_PERSON) {
        size_t n;
        struct str_view *c = vcard_value_split(e->a, home->value, ';', &n);
        struct str_view postal = ldapd_postal(e, c, n);
        if (postal.len) {
            ldapd_entry_add(e, LDAPD_A_HOMEPOSTALADDRESS, postal);
        }
    }
}

static int ldapd_b64(int c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

static struct str_view ldapd_base64_decode(struct arena *a, struct str_view in)
{
    uint8_t *out = arena_alloc(a, in.len / 4 * 3 + 3);
    size_t n = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < in.len; i++) {
        int v = ldapd_b64((unsigned char)in.ptr[i]);
        if (v < 0) {
            if (in.ptr[i] == '=') {
                break;
            }
            continue; /* folding whitespace */
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return str_view_make(out, n);
}

/* PHOTO:data:image/jpeg;base64,... (4.0) or PHOTO;ENCODING=b;TYPE=JPEG:... (3.0). */
static void ldapd_card_photo(struct ldapd_entry *e, const struct vcard_prop *p)
{
    struct str_view v = p->value, data = STR_VIEW_NULL;
    if (str_view_starts_with_nocase(v, "data:")) {
        const char *comma = memchr(v.ptr, ',', v.len);
        if (comma && memmem(v.ptr, (size_t)(comma - v.ptr), ";base64", 7)) {
            data = ldapd_base64_decode(e->a, str_view_make(comma + 1,
                                                       v.len - (size_t)(comma + 1 - v.ptr)));
        }
    } else if (vcard_param_has(p, "ENCODING", "b") || vcard_param_has(p, "ENCODING", "base64")) {
        data = ldapd_base64_decode(e->a, v);
    }
    /* JPEG files start with the SOI marker FF D8 FF (ISO/IEC 10918-1). */
    if (data.len >= 3 && (uint8_t)data.ptr[0] == 0xff && (uint8_t)data.ptr[1] == 0xd8 &&
            (uint8_t)data.ptr[2] == 0xff && ldapd_entry_vals(e, LDAPD_A_JPEGPHOTO)->n == 0) {
        ldapd_entry_add(e, LDAPD_A_JPEGPHOTO, data);
    }
}

/* The X-ABLabel of p's group, if any. */
static struct str_view ldapd_group_label(struct ldapd_entry *e, const struct vcard *card,
        const struct vcard_prop *p)
{
    if (p->group.len == 0) {
        return STR_VIEW_NULL;
    }
    for (size_t i = 0; i < card->n_props; i++) {
        const struct vcard_prop *q = &card->props[i];
        if (ldapd_prop_is(q, "X-ABLabel") && str_view_eq_nocase(q->group, p->group)) {
            return vcard_value_text(e->a, q->value);
        }
    }
    return STR_VIEW_NULL;
}

static void ldapd_card_field(struct ldapd_entry *e, const struct vcard_prop *p)
{
    const struct vcard_param *name = vcard_param_find(p, "X-CRM-NAME");
    if (name == NULL || name->n_values == 0) {
        return;
    }
    struct str_view text = vcard_value_text(e->a, p->value);
    struct strbuf sb;
    strbuf_init(&sb, e->a, 32);
    strbuf_appendf(&sb, "%.*s=%.*s", STR_VIEW_FMT(name->values[0]), STR_VIEW_FMT(text));
    ldapd_entry_add(e, LDAPD_A_CRMCUSTOMFIELD, strbuf_view(&sb));
    if (str_view_eq_cstr_nocase(name->values[0], "dept-no")) {
        ldapd_entry_add(e, LDAPD_A_DEPARTMENTNUMBER, text);
    } else if (str_view_eq_cstr_nocase(name->values[0], "employee-no")) {
        ldapd_entry_add(e, LDAPD_A_EMPLOYEENUMBER, text);
    }
}

void ldapd_card_load(struct ldapd_entry *e, const struct vcard *card)
{
    bool person = e->entity->kind == STORE_ENTITY_PERSON;
    ldapd_card_adr(e, card);
    const struct vcard_prop *lang = NULL;
    for (size_t i = 0; i < card->n_props; i++) {
        const struct vcard_prop *p = &card->props[i];
        if (ldapd_prop_is(p, "URL")) {
            struct str_view url = vcard_value_text(e->a, p->value);
            struct str_view label = ldapd_group_label(e, card, p);
            if (label.len) {
                struct strbuf sb;
                strbuf_init(&sb, e->a, url.len + label.len + 2);
                strbuf_appendf(&sb, "%.*s %.*s", STR_VIEW_FMT(url), STR_VIEW_FMT(label));
                url = strbuf_view(&sb);
            }
            ldapd_entry_add(e, LDAPD_A_LABELEDURI, url);
        } else if (ldapd_prop_is(p, person ? "PHOTO" : "LOGO")) {
            ldapd_card_photo(e, p);
        } else if (ldapd_prop_is(p, "NOTE") && ldapd_entry_vals(e, LDAPD_A_DESCRIPTION)->n == 0) {
            ldapd_entry_add(e, LDAPD_A_DESCRIPTION, vcard_value_text(e->a, p->value));
        } else if (ldapd_prop_is(p, "LANG") && (lang == NULL || ldapd_prop_pref(p))) {
            lang = p;
        } else if (ldapd_prop_is(p, "X-CRM-FIELD")) {
            ldapd_card_field(e, p);
        } else if (ldapd_prop_is(p, "X-CRM-OWNER")) {
            struct str_view dn = ldapd_dit_ref_dn(e->op, NULL, vcard_value_text(e->a, p->value));
            if (dn.len) {
                ldapd_entry_add(e, LDAPD_A_CRMOWNER, dn);
            }
        } else if (ldapd_prop_is(p, "X-CRM-CONTACT-TYPE")) {
            ldapd_entry_add(e, LDAPD_A_CRMCONTACTTYPE, vcard_value_text(e->a, p->value));
        }
    }
    if (lang != NULL && person) {
        ldapd_entry_add(e, LDAPD_A_PREFERREDLANGUAGE, vcard_value_text(e->a, lang->value));
    }
}
