/*
 * vcard_convert.c: the conversion entry point, helpers to edit parameters of converted
 * properties, 2.1 -> 3.0, TYPE/PREF rendering and binary values (MAPPING.md 2.3).
 */
#include "src/formats/vcard.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "src/arena.h"
#include "src/formats/vcard-internal.h"

bool vcard_prop_is(const struct vcard_prop *p, const char *name)
{
    return str_view_eq_cstr_nocase(p->name, name);
}

struct str_view vcard_str_case(struct arena *a, struct str_view v, bool upper)
{
    char *buf = arena_alloc(a, v.len + 1);
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.ptr[i];
        if (upper && ch >= 'a' && ch <= 'z') {
            ch = (char)(ch - 'a' + 'A');
        } else if (!upper && ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        buf[i] = ch;
    }
    return str_view_make(buf, v.len);
}

struct str_view vcard_str_cat(struct arena *a, struct str_view x, struct str_view y)
{
    char *buf = arena_alloc(a, x.len + y.len + 1);
    if (x.len) {
        memcpy(buf, x.ptr, x.len);
    }
    if (y.len) {
        memcpy(buf + x.len, y.ptr, y.len);
    }
    return str_view_make(buf, x.len + y.len);
}

/* "item12" -> 12, anything else -> 0 (Apple's and DAVx5's group names). */
static size_t vcard_item_number(struct str_view g)
{
    if (g.len < 5 || g.len > 12 || !str_view_starts_with_nocase(g, "item")) {
        return 0;
    }
    size_t n = 0;
    for (size_t i = 4; i < g.len; i++) {
        if (g.ptr[i] < '0' || g.ptr[i] > '9') {
            return 0;
        }
        n = n * 10 + (size_t)(g.ptr[i] - '0');
    }
    return n;
}

void vcard_conv_init(struct vcard_conv *c, struct arena *a, const struct vcard *in,
                     enum vcard_version to)
{
    c->a = a;
    c->in = in;
    c->to = to;
    c->out = vcard_new(a, to);
    c->consumed = arena_new_array(a, bool, in->n_props ? in->n_props : 1);
    c->next_item = 1;
    for (size_t i = 0; i < in->n_props; i++) {
        size_t n = vcard_item_number(in->props[i].group);
        if (n >= c->next_item) {
            c->next_item = n + 1;
        }
    }
}

struct str_view vcard_conv_mint_group(struct vcard_conv *c)
{
    char *buf = arena_alloc(c->a, 32);
    int n = snprintf(buf, 32, "item%zu", c->next_item++);
    return str_view_make(buf, (size_t)n);
}

static void vcard_params_filter(struct arena *a, struct vcard_prop *p, const char *name,
                                bool transfer)
{
    size_t keep = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        const struct vcard_param *q = &p->params[i];
        keep += !(transfer ? vcard_param_is_transfer(q) : str_view_eq_cstr_nocase(q->name, name));
    }
    if (keep == p->n_params) {
        return;
    }
    struct vcard_param *np = arena_new_array(a, struct vcard_param, keep ? keep : 1);
    size_t k = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        const struct vcard_param *q = &p->params[i];
        if (!(transfer ? vcard_param_is_transfer(q) : str_view_eq_cstr_nocase(q->name, name))) {
            np[k++] = *q;
        }
    }
    p->params = np;
    p->n_params = k;
    p->raw = STR_VIEW_NULL;
}

void vcard_params_remove(struct arena *a, struct vcard_prop *p, const char *name)
{
    vcard_params_filter(a, p, name, false);
}

void vcard_params_add(struct arena *a, struct vcard_prop *p, const char *name,
                      struct str_view value)
{
    struct vcard_param *np = arena_new_array(a, struct vcard_param, p->n_params + 1);
    if (p->n_params) {
        memcpy(np, p->params, p->n_params * sizeof(*np));
    }
    struct str_view *vals = arena_new_obj(a, struct str_view);
    *vals = value;
    np[p->n_params] = (struct vcard_param){ str_view_of(name), vals, 1 };
    p->params = np;
    p->n_params++;
    p->raw = STR_VIEW_NULL;
}

struct str_view *vcard_types_collect(struct arena *a, const struct vcard_prop *p, size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        if (str_view_eq_cstr_nocase(p->params[i].name, "TYPE")) {
            n += p->params[i].n_values;
        }
    }
    struct str_view *vals = arena_new_array(a, struct str_view, n + 4);
    size_t k = 0;
    for (size_t i = 0; i < p->n_params; i++) {
        if (str_view_eq_cstr_nocase(p->params[i].name, "TYPE")) {
            for (size_t j = 0; j < p->params[i].n_values; j++) {
                vals[k++] = p->params[i].values[j];
            }
        }
    }
    *n_out = n;
    return vals;
}

void vcard_types_set(struct arena *a, struct vcard_prop *p, const struct str_view *vals, size_t n)
{
    size_t first = SIZE_MAX; /* where the first TYPE was, else in front */
    for (size_t i = 0; i < p->n_params; i++) {
        if (str_view_eq_cstr_nocase(p->params[i].name, "TYPE") && i < first) {
            first = i;
        }
    }
    first = first == SIZE_MAX ? 0 : first;
    struct vcard_param *np = arena_new_array(a, struct vcard_param, p->n_params + 1);
    size_t k = 0;
    for (size_t i = 0; i <= p->n_params; i++) {
        if (i == first && n > 0) {
            struct str_view *copy = arena_new_array(a, struct str_view, n);
            memcpy(copy, vals, n * sizeof(*copy));
            np[k++] = (struct vcard_param){ STR_VIEW_LIT("TYPE"), copy, n };
        }
        if (i < p->n_params && !str_view_eq_cstr_nocase(p->params[i].name, "TYPE")) {
            np[k++] = p->params[i];
        }
    }
    p->params = np;
    p->n_params = k;
    p->raw = STR_VIEW_NULL;
}

struct vcard_prop *vcard_conv_copy(struct vcard_conv *c, const struct vcard_prop *p)
{
    struct vcard_prop *out = vcard_props_push(c->a, c->out);
    *out = *p;
    vcard_params_filter(c->a, out, NULL, true);
    return out;
}

void vcard_conv_done(struct vcard_conv *c, struct vcard_prop *p)
{
    if (p->raw.len == 0) {
        vcard_prop_compose(c->a, p, c->to);
    }
}

struct vcard_prop *vcard_conv_add(struct vcard_conv *c, struct str_view group, const char *name,
                                  struct str_view value)
{
    struct vcard_prop *out = vcard_props_push(c->a, c->out);
    out->group = group;
    out->name = str_view_of(name);
    out->value = value;
    vcard_prop_compose(c->a, out, c->to);
    return out;
}

bool vcard_is_typed(const struct vcard_prop *p)
{
    return vcard_prop_is(p, "TEL") || vcard_prop_is(p, "EMAIL") || vcard_prop_is(p, "ADR") ||
           vcard_prop_is(p, "URL") || vcard_prop_is(p, "IMPP") || vcard_prop_is(p, "LABEL");
}

static bool vcard_views_have(const struct str_view *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (str_view_eq_cstr_nocase(v[i], s)) {
            return true;
        }
    }
    return false;
}

/* 4.0: TYPE=cell;PREF=1 (lower case, no INTERNET, no VOICE beside CELL).
 * 3.0: TYPE=CELL,VOICE,pref and EMAIL TYPE=INTERNET,... (MAPPING.md 2.3). */
void vcard_conv_types(struct vcard_conv *c, struct vcard_prop *out)
{
    size_t n = 0, k = 0;
    struct str_view *types = vcard_types_collect(c->a, out, &n);
    struct str_view *nt = arena_new_array(c->a, struct str_view, n + 3);
    bool email = vcard_prop_is(out, "EMAIL"), tel = vcard_prop_is(out, "TEL");
    bool pref = vcard_views_have(types, n, "pref");
    if (c->to == VCARD_V40) {
        for (size_t i = 0; i < n; i++) {
            struct str_view t = types[i];
            if (str_view_eq_cstr_nocase(t, "pref") ||
                (email && str_view_eq_cstr_nocase(t, "internet")) ||
                (tel && str_view_eq_cstr_nocase(t, "voice") &&
                 vcard_views_have(types, n, "cell"))) {
                continue;
            }
            nt[k++] = vcard_str_case(c->a, t, false);
        }
        if (n > 0) {
            vcard_types_set(c->a, out, nt, k);
        }
        if (pref && vcard_param_find(out, "PREF") == NULL) {
            vcard_params_add(c->a, out, "PREF", STR_VIEW_LIT("1"));
        }
        return;
    }
    pref |= vcard_param_has(out, "PREF", "1");
    if (email && !vcard_views_have(types, n, "internet")) {
        nt[k++] = STR_VIEW_LIT("INTERNET");
    }
    for (size_t i = 0; i < n; i++) {
        if (str_view_eq_cstr_nocase(types[i], "pref")) {
            continue;
        }
        nt[k++] = vcard_str_case(c->a, types[i], true);
        if (tel && str_view_eq_cstr_nocase(types[i], "cell") &&
            !vcard_views_have(types, n, "voice")) {
            nt[k++] = STR_VIEW_LIT("VOICE");
        }
    }
    if (pref) {
        nt[k++] = STR_VIEW_LIT("pref");
    }
    vcard_params_remove(c->a, out, "PREF");
    if (k > 0) {
        vcard_types_set(c->a, out, nt, k);
    }
}

/* 3.0 TYPE (JPEG, PGP) <-> media type (image/jpeg, application/pgp-keys). */
static struct str_view vcard_media_type(struct arena *a, struct str_view name, struct str_view t)
{
    if (t.len == 0) {
        return STR_VIEW_LIT("application/octet-stream");
    }
    if (memchr(t.ptr, '/', t.len) != NULL) {
        return vcard_str_case(a, t, false);
    }
    if (str_view_eq_cstr_nocase(name, "KEY")) {
        if (str_view_eq_cstr_nocase(t, "PGP")) {
            return STR_VIEW_LIT("application/pgp-keys");
        }
        if (str_view_eq_cstr_nocase(t, "X509")) {
            return STR_VIEW_LIT("application/pkix-cert");
        }
    }
    const char *top =
            str_view_eq_cstr_nocase(name, "SOUND") ? "audio/"
            : str_view_eq_cstr_nocase(name, "KEY") ? "application/"
            : str_view_eq_cstr_nocase(name, "PHOTO") || str_view_eq_cstr_nocase(name, "LOGO")
                    ? "image/"
                    : "application/";
    return vcard_str_cat(a, str_view_of(top), vcard_str_case(a, t, false));
}

static struct str_view vcard_media_token(struct arena *a, struct str_view mt)
{
    if (str_view_eq_cstr_nocase(mt, "application/pgp-keys")) {
        return STR_VIEW_LIT("PGP");
    }
    if (str_view_eq_cstr_nocase(mt, "application/pkix-cert")) {
        return STR_VIEW_LIT("X509");
    }
    if (mt.len == 0 || str_view_eq_cstr_nocase(mt, "application/octet-stream")) {
        return STR_VIEW_NULL;
    }
    const char *slash = memchr(mt.ptr, '/', mt.len);
    if (slash != NULL) {
        mt = str_view_make(slash + 1, (size_t)(mt.ptr + mt.len - slash - 1));
    }
    return vcard_str_case(a, mt, true);
}

static void vcard_media_to_40(struct vcard_conv *c, struct vcard_prop *out)
{
    const struct vcard_param *tp = vcard_param_find(out, "TYPE");
    struct str_view t = tp && tp->n_values ? tp->values[0] : STR_VIEW_NULL;
    bool b64 = vcard_prop_encoding_is(out, "b") || vcard_prop_encoding_is(out, "BASE64");
    if (b64) {
        struct str_view head =
                vcard_str_cat(c->a, STR_VIEW_LIT("data:"), vcard_media_type(c->a, out->name, t));
        head = vcard_str_cat(c->a, head, STR_VIEW_LIT(";base64,"));
        out->value = vcard_str_cat(c->a, head, out->value);
        vcard_params_remove(c->a, out, "ENCODING");
        vcard_params_remove(c->a, out, "VALUE");
        if (vcard_name_is_binary(out->name)) {
            vcard_params_remove(c->a, out, "TYPE");
        } else {
            vcard_params_add(c->a, out, "VALUE", STR_VIEW_LIT("uri"));
        }
    } else if (vcard_param_has(out, "VALUE", "uri") || vcard_param_has(out, "VALUE", "url")) {
        vcard_params_remove(c->a, out, "VALUE");
        if (t.len > 0) {
            vcard_params_remove(c->a, out, "TYPE");
            vcard_params_add(c->a, out, "MEDIATYPE", vcard_media_type(c->a, out->name, t));
        }
    }
}

/* data:[<mediatype>][;base64],<data> (RFC 2397) -> ENCODING=b;TYPE=X, else VALUE=uri. */
static void vcard_media_to_30(struct vcard_conv *c, struct vcard_prop *out)
{
    struct str_view v = out->value;
    const char *comma = v.len ? memchr(v.ptr, ',', v.len) : NULL;
    if (str_view_starts_with_nocase(v, "data:") && comma != NULL) {
        struct str_view head = str_view_make(v.ptr + 5, (size_t)(comma - v.ptr - 5));
        const char *semi = head.len ? memchr(head.ptr, ';', head.len) : NULL;
        struct str_view mt = semi ? str_view_make(head.ptr, (size_t)(semi - head.ptr)) : head;
        bool b64 = head.len >= 7 &&
                   str_view_eq_cstr_nocase(str_view_make(head.ptr + head.len - 7, 7), ";base64");
        if (b64) {
            struct str_view tok = vcard_media_token(c->a, mt);
            out->value = str_view_make(comma + 1, (size_t)(v.ptr + v.len - comma - 1));
            vcard_params_remove(c->a, out, "MEDIATYPE");
            vcard_params_remove(c->a, out, "VALUE");
            vcard_params_remove(c->a, out, "TYPE");
            vcard_params_add(c->a, out, "ENCODING", STR_VIEW_LIT("b"));
            if (tok.len) {
                vcard_params_add(c->a, out, "TYPE", tok);
            }
            return;
        }
    }
    if (vcard_param_find(out, "VALUE") == NULL && memchr(v.ptr ? v.ptr : "", ':', v.len)) {
        const struct vcard_param *mp = vcard_param_find(out, "MEDIATYPE");
        struct str_view tok =
                mp && mp->n_values ? vcard_media_token(c->a, mp->values[0]) : STR_VIEW_NULL;
        vcard_params_remove(c->a, out, "MEDIATYPE");
        vcard_params_add(c->a, out, "VALUE", STR_VIEW_LIT("uri"));
        if (tok.len) {
            vcard_params_add(c->a, out, "TYPE", tok);
        }
    }
}

void vcard_conv_media(struct vcard_conv *c, const struct vcard_prop *in)
{
    struct vcard_prop *out = vcard_conv_copy(c, in);
    if (c->to == VCARD_V40) {
        vcard_media_to_40(c, out);
    } else if (vcard_name_is_binary(out->name)) {
        vcard_media_to_30(c, out);
    }
    vcard_conv_done(c, out);
}

/* 2.1 has no comma escape (vCard 2.1 2.1.4): a literal comma in a text value becomes \, */
static void vcard_escape_21_commas(struct arena *a, struct vcard_prop *out)
{
    static const char *const text_props[] = { "FN",   "N",   "NOTE", "TITLE",
                                              "ROLE", "ORG", "ADR",  "LABEL" };
    bool text = false;
    for (size_t i = 0; i < sizeof(text_props) / sizeof(text_props[0]); i++) {
        text |= vcard_prop_is(out, text_props[i]);
    }
    struct str_view v = out->value;
    size_t commas = 0;
    for (size_t i = 0; text && i < v.len; i++) {
        commas += v.ptr[i] == ',' && (i == 0 || v.ptr[i - 1] != '\\');
    }
    if (commas == 0) {
        return;
    }
    char *buf = arena_alloc(a, v.len + commas + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == ',' && (i == 0 || v.ptr[i - 1] != '\\')) {
            buf[n++] = '\\';
        }
        buf[n++] = v.ptr[i];
    }
    out->value = str_view_make(buf, n);
    out->raw = STR_VIEW_NULL;
}

/* 2.1 -> 3.0: decoded values lose CHARSET/QUOTED-PRINTABLE, BASE64 becomes b, bare tokens
 * and repeated TYPEs become one TYPE list, VALUE=URL becomes uri. Other lines stay. */
struct vcard *vcard_convert_21_to_30(struct arena *a, const struct vcard *card)
{
    struct vcard_conv c;
    vcard_conv_init(&c, a, card, VCARD_V30);
    for (size_t i = 0; i < card->n_props; i++) {
        struct vcard_prop *out = vcard_conv_copy(&c, &card->props[i]);
        size_t n = 0;
        struct str_view *types = vcard_types_collect(a, out, &n);
        if (n > 0) {
            for (size_t j = 0; j < n; j++) {
                types[j] = vcard_str_case(a, types[j], true);
            }
            vcard_types_set(a, out, types, n);
        }
        if (vcard_prop_encoding_is(out, "BASE64")) {
            vcard_params_remove(a, out, "ENCODING");
            vcard_params_add(a, out, "ENCODING", STR_VIEW_LIT("b"));
        }
        vcard_escape_21_commas(a, out);
        if (vcard_param_has(out, "VALUE", "URL")) {
            vcard_params_remove(a, out, "VALUE");
            vcard_params_add(a, out, "VALUE", STR_VIEW_LIT("uri"));
        }
        vcard_conv_done(&c, out);
    }
    return c.out;
}

struct vcard *vcard_convert(struct arena *a, const struct vcard *card, enum vcard_version to)
{
    if (to == VCARD_V21) {
        to = VCARD_V30; /* no 2.1 encoder: 3.0 is what 2.1 importers read best */
    }
    if (card->version == to) {
        return (struct vcard *)card;
    }
    if (card->version == VCARD_V21) {
        struct vcard *v3 = vcard_convert_21_to_30(a, card);
        return to == VCARD_V30 ? v3 : vcard_convert_30_to_40(a, v3);
    }
    return to == VCARD_V40 ? vcard_convert_30_to_40(a, card) : vcard_convert_40_to_30(a, card);
}
