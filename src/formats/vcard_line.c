/*
 * vcard_line.c: one content line into a struct vcard_prop, and the value-level codecs
 * (QUOTED-PRINTABLE, RFC 6868 caret encoding, backslash escapes, UTF-8 validation).
 */
#include "src/formats/vcard-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"

static void *vcard_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        abort(); /* same policy as the arena: OOM aborts, limits come first */
    }
    return q;
}

void vcard_scratch_cleanup(struct vcard_scratch *sc)
{
    free(sc->params);
    free(sc->vals);
    free(sc->buf);
    memset(sc, 0, sizeof(*sc));
}

void vcard_scratch_append(struct vcard_scratch *sc, const char *p, size_t len)
{
    if (sc->buf_len + len > sc->buf_cap) {
        size_t cap = sc->buf_cap ? sc->buf_cap : 256;
        while (cap < sc->buf_len + len) {
            cap *= 2;
        }
        sc->buf = vcard_xrealloc(sc->buf, cap);
        sc->buf_cap = cap;
    }
    if (len) {
        memcpy(sc->buf + sc->buf_len, p, len);
    }
    sc->buf_len += len;
}

static bool vcard_is_name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static void vcard_push_value(struct vcard_scratch *sc, struct str_view v)
{
    if (sc->n_vals == sc->cap_vals) {
        sc->cap_vals = sc->cap_vals ? sc->cap_vals * 2 : 16;
        sc->vals = vcard_xrealloc(sc->vals, sc->cap_vals * sizeof(*sc->vals));
    }
    sc->vals[sc->n_vals++] = v;
}

/* The start index of a parameter's values in sc->vals is parked in n_values's neighbour
 * (values) as an offset until vcard_params_finish() makes real pointers. */
static struct vcard_param *vcard_push_param(struct vcard_scratch *sc, struct str_view name)
{
    if (sc->n_params == sc->cap_params) {
        sc->cap_params = sc->cap_params ? sc->cap_params * 2 : 8;
        sc->params = vcard_xrealloc(sc->params, sc->cap_params * sizeof(*sc->params));
    }
    struct vcard_param *p = &sc->params[sc->n_params++];
    p->name = name;
    p->values = (struct str_view *)(uintptr_t)sc->n_vals;
    p->n_values = 0;
    return p;
}

/* 2.1 bare tokens (RFC 2425-less vCard 2.1 section 2.1.2): encodings and value kinds may
 * be given without a name; anything else is a TYPE. */
static struct str_view vcard_bare_token_name(struct str_view tok)
{
    static const char *const encodings[] = { "QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT" };
    static const char *const kinds[] = { "INLINE", "URL", "CONTENT-ID", "CID" };
    for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
        if (str_view_eq_cstr_nocase(tok, encodings[i])) {
            return STR_VIEW_LIT("ENCODING");
        }
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (str_view_eq_cstr_nocase(tok, kinds[i])) {
            return STR_VIEW_LIT("VALUE");
        }
    }
    return STR_VIEW_LIT("TYPE");
}

static int vcard_param_values(struct vcard_scratch *sc, const char **pp, const char *end,
                              bool split_quoted, const char **why_out)
{
    const char *p = *pp;
    for (;;) {
        if (p < end && *p == '"') {
            const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
            if (q == NULL) {
                *why_out = "unterminated quoted parameter value";
                return ERR_INVAL;
            }
            /* RFC 6350 5.6 writes TYPE="voice,home": the list may sit inside the quotes. */
            const char *t = p + 1;
            for (const char *c = t; split_quoted && c < q; c++) {
                if (*c == ',') {
                    vcard_push_value(sc, str_view_make(t, (size_t)(c - t)));
                    t = c + 1;
                }
            }
            vcard_push_value(sc, str_view_make(t, (size_t)(q - t)));
            p = q + 1;
        } else {
            const char *t = p;
            while (p < end && *p != ';' && *p != ':' && *p != ',') {
                p++;
            }
            vcard_push_value(sc, str_view_make(t, (size_t)(p - t)));
        }
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    *pp = p;
    return 0;
}

static int vcard_param_parse(struct vcard_scratch *sc, const char **pp, const char *end,
                             const char **why_out)
{
    const char *p = *pp;
    const char *t = p;
    while (p < end && vcard_is_name_char((unsigned char)*p)) {
        p++;
    }
    if (p == t) {
        *why_out = "malformed parameter name";
        return ERR_INVAL;
    }
    struct str_view name = str_view_make(t, (size_t)(p - t));
    if (p < end && *p == '=') {
        p++;
        vcard_push_param(sc, name);
        size_t start = sc->n_vals;
        int rc = vcard_param_values(sc, &p, end, str_view_eq_cstr_nocase(name, "TYPE"), why_out);
        if (rc != 0) {
            return rc;
        }
        sc->params[sc->n_params - 1].n_values = sc->n_vals - start;
    } else {
        struct vcard_param *param = vcard_push_param(sc, vcard_bare_token_name(name));
        vcard_push_value(sc, name);
        param->n_values = 1;
    }
    if (p < end && *p != ';' && *p != ':') {
        *why_out = "unexpected character after a parameter value";
        return ERR_INVAL;
    }
    *pp = p;
    return 0;
}

static void vcard_params_finish(struct arena *a, struct vcard_scratch *sc, struct vcard_prop *prop)
{
    if (sc->n_params == 0) {
        return;
    }
    struct vcard_param *params = arena_new_array(a, struct vcard_param, sc->n_params);
    struct str_view *vals = arena_new_array(a, struct str_view, sc->n_vals ? sc->n_vals : 1);
    for (size_t i = 0; i < sc->n_vals; i++) {
        vals[i] = vcard_caret_decode(a, sc->vals[i]);
    }
    for (size_t i = 0; i < sc->n_params; i++) {
        params[i] = sc->params[i];
        params[i].values = vals + (uintptr_t)sc->params[i].values;
    }
    prop->params = params;
    prop->n_params = sc->n_params;
}

int vcard_line_parse(struct arena *a, struct vcard_scratch *sc, struct str_view line,
                     struct vcard_prop *prop, const char **why_out)
{
    const char *p = line.ptr, *end = line.ptr + line.len;
    unsigned lineno = prop->line;
    memset(prop, 0, sizeof(*prop));
    prop->line = lineno;
    prop->raw = line;
    const char *t = p;
    while (p < end && vcard_is_name_char((unsigned char)*p)) {
        p++;
    }
    if (p < end && *p == '.' && p > t) {
        prop->group = str_view_make(t, (size_t)(p - t));
        t = ++p;
        while (p < end && vcard_is_name_char((unsigned char)*p)) {
            p++;
        }
    }
    if (p == t) {
        *why_out = "malformed property name";
        return ERR_INVAL;
    }
    prop->name = str_view_make(t, (size_t)(p - t));
    sc->n_params = 0;
    sc->n_vals = 0;
    while (p < end && *p == ';') {
        p++;
        int rc = vcard_param_parse(sc, &p, end, why_out);
        if (rc != 0) {
            return rc;
        }
    }
    if (p >= end || *p != ':') {
        *why_out = "content line without ':' after its name";
        return ERR_INVAL;
    }
    prop->value = str_view_make(p + 1, (size_t)(end - p - 1));
    vcard_params_finish(a, sc, prop);
    return 0;
}

bool vcard_prop_encoding_is(const struct vcard_prop *prop, const char *value)
{
    return vcard_param_has(prop, "ENCODING", value);
}

bool vcard_name_is_binary(struct str_view name)
{
    return str_view_eq_cstr_nocase(name, "PHOTO") || str_view_eq_cstr_nocase(name, "LOGO") ||
           str_view_eq_cstr_nocase(name, "SOUND") || str_view_eq_cstr_nocase(name, "KEY");
}

static int vcard_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int vcard_qp_decode(struct arena *a, struct str_view in, struct str_view *out, const char **why_out)
{
    char *buf = arena_alloc(a, in.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < in.len; i++) {
        unsigned char c = (unsigned char)in.ptr[i];
        if (c == '=' && i + 2 < in.len && vcard_hex(in.ptr[i + 1]) >= 0 &&
            vcard_hex(in.ptr[i + 2]) >= 0) {
            c = (unsigned char)(vcard_hex(in.ptr[i + 1]) * 16 + vcard_hex(in.ptr[i + 2]));
            i += 2;
            if (c == 0) {
                *why_out = "NUL byte in a QUOTED-PRINTABLE value";
                return ERR_INVAL;
            }
            if (c == '\r') {
                continue; /* CRLF and bare LF both become the \n escape below */
            }
            if (c == '\n') {
                buf[n++] = '\\';
                buf[n++] = 'n';
                continue;
            }
        }
        buf[n++] = (char)c;
    }
    *out = str_view_make(buf, n);
    return 0;
}

bool vcard_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        unsigned need;
        uint32_t cp, min;
        if ((*p & 0xE0) == 0xC0) {
            need = 1, cp = *p & 0x1F, min = 0x80;
        } else if ((*p & 0xF0) == 0xE0) {
            need = 2, cp = *p & 0x0F, min = 0x800;
        } else if ((*p & 0xF8) == 0xF0) {
            need = 3, cp = *p & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= need) {
            return false;
        }
        for (unsigned i = 1; i <= need; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        p += need + 1;
    }
    return true;
}

struct str_view vcard_caret_decode(struct arena *a, struct str_view v)
{
    if (v.len == 0 || memchr(v.ptr, '^', v.len) == NULL) {
        return v;
    }
    char *buf = arena_alloc(a, v.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        if (c == '^' && i + 1 < v.len) {
            char d = v.ptr[i + 1];
            if (d == 'n' || d == '^' || d == '\'') {
                buf[n++] = d == 'n' ? '\n' : d == '^' ? '^' : '"';
                i++;
                continue;
            }
        }
        buf[n++] = c; /* RFC 6868 3: any other ^ is taken as it is */
    }
    return str_view_make(buf, n);
}

struct str_view vcard_value_text(struct arena *a, struct str_view raw)
{
    if (raw.len == 0 || memchr(raw.ptr, '\\', raw.len) == NULL) {
        return raw;
    }
    char *buf = arena_alloc(a, raw.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (c == '\\' && i + 1 < raw.len) {
            char d = raw.ptr[i + 1];
            if (d == 'n' || d == 'N') {
                buf[n++] = '\n';
                i++;
                continue;
            }
            /* ':' is not an RFC escape, but over-escaping writers (Google) emit it. */
            if (d == '\\' || d == ',' || d == ';' || d == ':') {
                buf[n++] = d;
                i++;
                continue;
            }
        }
        buf[n++] = c;
    }
    return str_view_make(buf, n);
}

struct str_view *vcard_value_split(struct arena *a, struct str_view raw, char sep, size_t *n_out)
{
    size_t n = 1;
    for (size_t i = 0; i < raw.len; i++) {
        if (raw.ptr[i] == '\\') {
            i++;
        } else if (raw.ptr[i] == sep) {
            n++;
        }
    }
    struct str_view *parts = arena_new_array(a, struct str_view, n);
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= raw.len; i++) {
        if (i < raw.len && raw.ptr[i] == '\\') {
            i++;
            continue;
        }
        if (i >= raw.len || raw.ptr[i] == sep) {
            size_t stop = i < raw.len ? i : raw.len;
            parts[k++] = vcard_value_text(a, str_view_make(raw.ptr + start, stop - start));
            start = i + 1;
        }
    }
    *n_out = k;
    return parts;
}

struct str_view vcard_escape(struct arena *a, struct str_view text, bool structured)
{
    size_t extra = 0;
    for (size_t i = 0; i < text.len; i++) {
        char c = text.ptr[i];
        extra += c == '\\' || c == ',' || c == '\n' || c == '\r' || (structured && c == ';');
    }
    if (extra == 0) {
        return text;
    }
    char *buf = arena_alloc(a, text.len + extra + 1);
    size_t n = 0;
    for (size_t i = 0; i < text.len; i++) {
        char c = text.ptr[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < text.len && text.ptr[i + 1] == '\n') {
                i++; /* CRLF is one line break */
            }
            buf[n++] = '\\';
            buf[n++] = 'n';
        } else if (c == '\\' || c == ',' || (structured && c == ';')) {
            buf[n++] = '\\';
            buf[n++] = c;
        } else {
            buf[n++] = c;
        }
    }
    return str_view_make(buf, n);
}
