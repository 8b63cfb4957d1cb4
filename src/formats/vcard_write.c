/*
 * vcard_write.c: composing content lines from parts, folding, writing cards, and the build
 * helpers (vcard_new, vcard_add).
 */
#include "src/formats/vcard.h"

#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/formats/vcard-internal.h"

/* RFC 6350 3.2: lines SHOULD NOT be longer than 75 octets, excluding the line break. */
#define VCARD_FOLD 75

size_t vcard_props_cap(size_t n)
{
    size_t cap = 8;
    while (cap < n) {
        cap *= 2;
    }
    return cap;
}

struct vcard_prop *vcard_props_push(struct arena *a, struct vcard *card)
{
    if (card->props == NULL || card->n_props == vcard_props_cap(card->n_props)) {
        struct vcard_prop *grown =
                arena_new_array(a, struct vcard_prop, vcard_props_cap(card->n_props + 1));
        if (card->n_props) {
            memcpy(grown, card->props, card->n_props * sizeof(*grown));
        }
        card->props = grown;
    }
    struct vcard_prop *p = &card->props[card->n_props++];
    memset(p, 0, sizeof(*p));
    return p;
}

/* Parameters that describe an input encoding: values are UTF-8 and unencoded once parsed. */
bool vcard_param_is_transfer(const struct vcard_param *p)
{
    if (str_view_eq_cstr_nocase(p->name, "CHARSET")) {
        return true;
    }
    if (!str_view_eq_cstr_nocase(p->name, "ENCODING") || p->n_values == 0) {
        return false;
    }
    struct str_view v = p->values[0];
    return str_view_eq_cstr_nocase(v, "QUOTED-PRINTABLE") || str_view_eq_cstr_nocase(v, "8BIT") ||
           str_view_eq_cstr_nocase(v, "7BIT");
}

bool vcard_prop_raw_usable(const struct vcard_prop *prop)
{
    if (prop->raw.len == 0) {
        return false;
    }
    for (size_t i = 0; i < prop->n_params; i++) {
        if (vcard_param_is_transfer(&prop->params[i])) {
            return false;
        }
    }
    return true;
}

/* RFC 6868 in 4.0; 3.0 output avoids needing it (MAPPING.md conventions) except for a
 * caret that would otherwise be read as an encoding. */
static void vcard_param_value_put(struct strbuf *sb, struct str_view v, enum vcard_version ver)
{
    bool quote = false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        quote |= c == ':' || c == ';' || c == ',';
    }
    if (quote) {
        strbuf_append_char(sb, '"');
    }
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        char d = i + 1 < v.len ? v.ptr[i + 1] : '\0';
        if (c == '"') {
            strbuf_append_cstr(sb, ver == VCARD_V40 ? "^'" : "'");
        } else if (c == '\n') {
            strbuf_append_cstr(sb, ver == VCARD_V40 ? "^n" : " ");
        } else if (c == '^' && (d == 'n' || d == '^' || d == '\'')) {
            strbuf_append_cstr(sb, "^^");
        } else {
            strbuf_append_char(sb, c);
        }
    }
    if (quote) {
        strbuf_append_char(sb, '"');
    }
}

static void vcard_compose_into(struct strbuf *sb, const struct vcard_prop *prop,
                               enum vcard_version v)
{
    if (prop->group.len) {
        strbuf_append_view(sb, prop->group);
        strbuf_append_char(sb, '.');
    }
    strbuf_append_view(sb, prop->name);
    for (size_t i = 0; i < prop->n_params; i++) {
        const struct vcard_param *p = &prop->params[i];
        if (vcard_param_is_transfer(p)) {
            continue;
        }
        strbuf_append_char(sb, ';');
        strbuf_append_view(sb, p->name);
        for (size_t j = 0; j < p->n_values; j++) {
            strbuf_append_char(sb, j == 0 ? '=' : ',');
            vcard_param_value_put(sb, p->values[j], v);
        }
    }
    strbuf_append_char(sb, ':');
    /* Values are escaped text; a raw line break here would end the line and let the rest
     * be read as another property, so it is written as the \n escape. */
    struct str_view val = prop->value;
    const char *nl;
    while (val.len > 0 && (nl = memchr(val.ptr, '\n', val.len)) != NULL) {
        strbuf_append(sb, val.ptr, (size_t)(nl - val.ptr));
        strbuf_append(sb, "\\n", 2);
        val = str_view_make(nl + 1, val.len - (size_t)(nl - val.ptr) - 1);
    }
    strbuf_append_view(sb, val);
}

void vcard_prop_compose(struct arena *a, struct vcard_prop *prop, enum vcard_version v)
{
    struct strbuf sb;
    strbuf_init(&sb, a, prop->name.len + prop->value.len + 32);
    vcard_compose_into(&sb, prop, v);
    prop->raw = strbuf_view(&sb);
}

/* Fold at 75 octets; a continuation line's leading space counts, and a cut never lands
 * before a UTF-8 continuation byte (10xxxxxx). */
static void vcard_write_folded(struct strbuf *out, struct str_view line)
{
    size_t pos = 0, room = VCARD_FOLD;
    while (line.len - pos > room) {
        size_t n = room;
        while (n > 0 && ((unsigned char)line.ptr[pos + n] & 0xC0) == 0x80) {
            n--;
        }
        if (n == 0) {
            n = room; /* not UTF-8 at all: cut anyway rather than loop */
        }
        strbuf_append(out, line.ptr + pos, n);
        strbuf_append(out, "\r\n ", 3);
        pos += n;
        room = VCARD_FOLD - 1;
    }
    strbuf_append(out, line.ptr + pos, line.len - pos);
    strbuf_append(out, "\r\n", 2);
}

void vcard_write(const struct vcard *card, struct strbuf *out)
{
    strbuf_append_cstr(out, "BEGIN:VCARD\r\n");
    strbuf_append_cstr(out, card->version == VCARD_V40   ? "VERSION:4.0\r\n"
                            : card->version == VCARD_V21 ? "VERSION:2.1\r\n"
                                                         : "VERSION:3.0\r\n");
    struct strbuf tmp = { 0 };
    for (size_t i = 0; i < card->n_props; i++) {
        const struct vcard_prop *prop = &card->props[i];
        if (vcard_prop_raw_usable(prop)) {
            vcard_write_folded(out, prop->raw);
            continue;
        }
        if (tmp.arena == NULL) {
            strbuf_init(&tmp, out->arena, 256);
        }
        strbuf_reset(&tmp);
        vcard_compose_into(&tmp, prop, card->version);
        vcard_write_folded(out, strbuf_view(&tmp));
    }
    strbuf_append_cstr(out, "END:VCARD\r\n");
}

struct vcard *vcard_new(struct arena *a, enum vcard_version v)
{
    struct vcard *card = arena_new_obj(a, struct vcard);
    card->version = v;
    card->props = arena_new_array(a, struct vcard_prop, vcard_props_cap(0));
    return card;
}

/* The parts are checked by parsing "[group.]name[;params]:" with the line parser, so a
 * helper never produces a line the parser would refuse. Returns NULL on malformed parts. */
struct vcard_prop *vcard_add(struct arena *a, struct vcard *card, const char *group,
                             const char *name, const char *params, struct str_view value)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    if (group != NULL && group[0] != '\0') {
        strbuf_appendf(&sb, "%s.", group);
    }
    strbuf_append_cstr(&sb, name);
    if (params != NULL && params[0] != '\0') {
        strbuf_appendf(&sb, ";%s", params);
    }
    strbuf_append_char(&sb, ':');
    struct vcard_scratch sc = { 0 };
    struct vcard_prop parsed = { 0 };
    const char *why = NULL;
    int rc = vcard_line_parse(a, &sc, strbuf_view(&sb), &parsed, &why);
    vcard_scratch_cleanup(&sc);
    if (rc != 0 || parsed.value.len != 0) {
        return NULL;
    }
    /* A literal line break would end the line: keep the value on one line as \n. */
    if (memchr(value.ptr ? value.ptr : "", '\n', value.len) != NULL ||
        memchr(value.ptr ? value.ptr : "", '\r', value.len) != NULL) {
        char *buf = arena_alloc(a, value.len * 2 + 1);
        size_t n = 0;
        for (size_t i = 0; i < value.len; i++) {
            if (value.ptr[i] == '\n') {
                buf[n++] = '\\';
                buf[n++] = 'n';
            } else if (value.ptr[i] != '\r') {
                buf[n++] = value.ptr[i];
            }
        }
        value = str_view_make(buf, n);
    }
    parsed.value = value;
    vcard_prop_compose(a, &parsed, card->version);
    struct vcard_prop *prop = vcard_props_push(a, card);
    *prop = parsed;
    return prop;
}
