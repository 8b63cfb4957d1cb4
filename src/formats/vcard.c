/*
 * vcard.c: cutting input into cards and unfolded content lines (RFC 6350 3.2, RFC 2426 2.6,
 * vCard 2.1 2.1.3), limits, error messages with line numbers, and the per-line decoding
 * steps (2.1 QUOTED-PRINTABLE soft breaks, 2.1 BASE64 blocks, CHARSET via iconv).
 *
 * One pass over the input: each physical line is looked at once by memchr (twice for folded
 * lines, whose pieces are then copied), properties collect in malloc'ed scratch arrays and
 * reach the arena once per card, exactly sized.
 */
#include "src/formats/vcard.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"
#include "src/formats/vcard-internal.h"

const struct vcard_limits vcard_default_limits = {
    .max_line = 64u << 10,
    .max_card = 4u << 20,
    .max_props = 2000,
};

struct vcard_scan {
    struct arena *a;
    const char *p, *end;
    unsigned line; /* physical line number of p */
    struct vcard_limits lim;
    struct vcard_scratch sc;
    struct vcard_prop *props; /* the current card's properties, malloc'ed */
    size_t n_props, cap_props;
    iconv_t cd; /* cached converter for cd_charset */
    char cd_charset[48];
    struct vcard_error *err;
};

/* Logical (unfolded) line. */
struct vcard_lline {
    struct str_view text;
    unsigned line;
};

static int vcard_fail(struct vcard_scan *s, int rc, unsigned line, const char *fmt, ...)
        ATTR_FORMAT(4, 5);

static int vcard_fail(struct vcard_scan *s, int rc, unsigned line, const char *fmt, ...)
{
    struct vcard_error *e = s->err;
    e->line = line;
    int n = snprintf(e->message, sizeof(e->message), "line %u: ", line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message + n, sizeof(e->message) - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

static void vcard_scan_init(struct vcard_scan *s, struct arena *a, struct str_view text,
                            const struct vcard_limits *limits, struct vcard_error *err)
{
    memset(s, 0, sizeof(*s));
    s->a = a;
    s->p = text.ptr ? text.ptr : "";
    s->end = s->p + text.len;
    s->line = 1;
    s->lim = limits ? *limits : vcard_default_limits;
    s->cd = (iconv_t)-1;
    s->err = err;
    if (s->end - s->p >= 3 && memcmp(s->p, "\xEF\xBB\xBF", 3) == 0) {
        s->p += 3; /* a UTF-8 byte order mark, as Windows tools write */
    }
}

static void vcard_scan_cleanup(struct vcard_scan *s)
{
    vcard_scratch_cleanup(&s->sc);
    free(s->props);
    if (s->cd != (iconv_t)-1) {
        iconv_close(s->cd);
    }
}

/* End of the physical line at p (before CR LF or LF); *next is where the next one starts. */
static const char *vcard_phys_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (e > p && e[-1] == '\r') {
        e--;
    }
    return e;
}

static bool vcard_is_blank(const char *p, const char *e)
{
    for (; p < e; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r') {
            return false;
        }
    }
    return true;
}

static bool vcard_is_marker(const char *p, const char *e, const char *marker)
{
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
        e--;
    }
    return str_view_eq_cstr_nocase(str_view_make(p, (size_t)(e - p)), marker);
}

static bool vcard_phys_is(const char *p, const char *end, const char *marker)
{
    const char *next;
    return vcard_is_marker(p, vcard_phys_end(p, end, &next), marker);
}

/* Whether the line starting at p names PHOTO, LOGO, SOUND or KEY (binary, no line limit). */
static bool vcard_line_is_binary(const char *p, const char *e)
{
    const char *t = p;
    while (p < e && *p != '.' && *p != ';' && *p != ':') {
        p++;
    }
    if (p < e && *p == '.') {
        t = ++p;
        while (p < e && *p != ';' && *p != ':') {
            p++;
        }
    }
    return vcard_name_is_binary(str_view_make(t, (size_t)(p - t)));
}

static int vcard_check_piece(struct vcard_scan *s, const char *p, const char *e, unsigned line)
{
    if (memchr(p, '\0', (size_t)(e - p)) != NULL) {
        return vcard_fail(s, ERR_INVAL, line, "NUL byte in the input");
    }
    return 0;
}

/* Read the logical line at s->p: unfold CRLF/LF + space/tab (RFC 6350 3.2). */
static int vcard_read_line(struct vcard_scan *s, const char *card_start, struct vcard_lline *out)
{
    const char *p = s->p, *next;
    const char *e = vcard_phys_end(p, s->end, &next);
    size_t limit = vcard_line_is_binary(p, e) ? SIZE_MAX : s->lim.max_line;
    size_t total = (size_t)(e - p);
    unsigned lines = 1;
    int rc = vcard_check_piece(s, p, e, s->line);
    const char *first_next = next, *q = next;
    while (rc == 0 && q < s->end && (*q == ' ' || *q == '\t') && total <= limit &&
           (size_t)(q - card_start) <= s->lim.max_card) {
        const char *e2 = vcard_phys_end(q + 1, s->end, &next);
        rc = vcard_check_piece(s, q + 1, e2, s->line + lines);
        total += (size_t)(e2 - q - 1);
        lines++;
        q = next;
    }
    if (rc != 0) {
        return rc;
    }
    if (total > limit) {
        return vcard_fail(s, ERR_TOO_LARGE, s->line, "line of %zu+ bytes is over the limit of %zu",
                          total, s->lim.max_line);
    }
    if ((size_t)(q - card_start) > s->lim.max_card) {
        return vcard_fail(s, ERR_TOO_LARGE, s->line, "card is over the size limit of %zu bytes",
                          s->lim.max_card);
    }
    out->line = s->line;
    if (lines == 1) {
        out->text = str_view_make(p, total);
    } else {
        char *buf = arena_alloc(s->a, total + 1);
        size_t n = (size_t)(e - p);
        memcpy(buf, p, n);
        for (const char *piece = first_next; piece < q; piece = next) {
            const char *r = vcard_phys_end(piece + 1, s->end, &next);
            memcpy(buf + n, piece + 1, (size_t)(r - piece - 1));
            n += (size_t)(r - piece - 1);
        }
        out->text = str_view_make(buf, n);
    }
    s->p = q;
    s->line += lines;
    return 0;
}

/* prop->raw = its header (everything before the value) + ':' + value. */
static void vcard_prop_set_value(struct vcard_scan *s, struct vcard_prop *prop, struct str_view v)
{
    size_t head = (size_t)(prop->value.ptr - prop->raw.ptr);
    char *buf = arena_alloc(s->a, head + v.len + 1);
    memcpy(buf, prop->raw.ptr, head);
    memcpy(buf + head, v.ptr, v.len);
    prop->raw = str_view_make(buf, head + v.len);
    prop->value = str_view_make(buf + head, v.len);
}

/* 2.1 QUOTED-PRINTABLE: a value ending in '=' continues on the next physical line. */
static int vcard_join_qp(struct vcard_scan *s, const char *card_start, struct vcard_prop *prop)
{
    struct str_view v = prop->value;
    if (v.len > 0 && v.ptr[v.len - 1] == '=') {
        s->sc.buf_len = 0;
        vcard_scratch_append(&s->sc, v.ptr, v.len - 1);
        bool more = true;
        while (more && s->p < s->end && !vcard_phys_is(s->p, s->end, "END:VCARD")) {
            struct vcard_lline ll;
            int rc = vcard_read_line(s, card_start, &ll);
            if (rc != 0) {
                return rc;
            }
            more = ll.text.len > 0 && ll.text.ptr[ll.text.len - 1] == '=';
            vcard_scratch_append(&s->sc, ll.text.ptr, ll.text.len - more);
            if (s->sc.buf_len > s->lim.max_line && !vcard_name_is_binary(prop->name)) {
                return vcard_fail(s, ERR_TOO_LARGE, prop->line,
                                  "QUOTED-PRINTABLE value is over the line limit of %zu",
                                  s->lim.max_line);
            }
        }
        v = str_view_make(s->sc.buf, s->sc.buf_len);
    }
    const char *why = NULL;
    struct str_view dv;
    if (vcard_qp_decode(s->a, v, &dv, &why) != 0) {
        return vcard_fail(s, ERR_INVAL, prop->line, "%s", why);
    }
    vcard_prop_set_value(s, prop, dv);
    return 0;
}

static bool vcard_is_base64_line(const char *p, const char *e)
{
    if (p == e) {
        return false;
    }
    for (; p < e; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=' || c == ' ' || c == '\t')) {
            return false;
        }
    }
    return true;
}

/* 2.1 BASE64 (vCard 2.1 2.1.3): the data may run on over unindented lines. */
static int vcard_join_base64(struct vcard_scan *s, const char *card_start, struct vcard_prop *prop)
{
    const char *next;
    const char *e = vcard_phys_end(s->p, s->end, &next);
    if (s->p >= s->end || !vcard_is_base64_line(s->p, e)) {
        return 0;
    }
    s->sc.buf_len = 0;
    vcard_scratch_append(&s->sc, prop->value.ptr, prop->value.len);
    while (s->p < s->end && vcard_is_base64_line(s->p, e)) {
        if ((size_t)(next - card_start) > s->lim.max_card) {
            return vcard_fail(s, ERR_TOO_LARGE, s->line, "card is over the size limit of %zu bytes",
                              s->lim.max_card);
        }
        for (const char *c = s->p; c < e; c++) {
            if (*c != ' ' && *c != '\t') {
                vcard_scratch_append(&s->sc, c, 1);
            }
        }
        s->p = next;
        s->line++;
        e = vcard_phys_end(s->p, s->end, &next);
    }
    vcard_prop_set_value(s, prop, str_view_make(s->sc.buf, s->sc.buf_len));
    return 0;
}

static bool vcard_charset_is_utf8(struct str_view cs)
{
    return str_view_eq_cstr_nocase(cs, "UTF-8") || str_view_eq_cstr_nocase(cs, "UTF8") ||
           str_view_eq_cstr_nocase(cs, "US-ASCII") || str_view_eq_cstr_nocase(cs, "ASCII");
}

/* Convert in from charset to UTF-8 (iconv, handle cached per parse). Line breaks the
 * conversion yields become the \n escape; NUL is refused. */
static int vcard_to_utf8(struct vcard_scan *s, struct str_view cs, struct str_view in,
                         struct str_view *out)
{
    if (cs.len == 0 || cs.len >= sizeof(s->cd_charset)) {
        return ERR_INVAL;
    }
    for (size_t i = 0; i < cs.len; i++) {
        char c = cs.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':')) {
            return ERR_INVAL;
        }
    }
    if (s->cd == (iconv_t)-1 || !str_view_eq_nocase(cs, str_view_of(s->cd_charset))) {
        if (s->cd != (iconv_t)-1) {
            iconv_close(s->cd);
        }
        memcpy(s->cd_charset, cs.ptr, cs.len);
        s->cd_charset[cs.len] = '\0';
        s->cd = iconv_open("UTF-8", s->cd_charset);
        if (s->cd == (iconv_t)-1) {
            s->cd_charset[0] = '\0';
            return ERR_INVAL;
        }
    }
    iconv(s->cd, NULL, NULL, NULL, NULL);
    size_t cap = in.len * 4 + 8;
    char *buf = arena_alloc(s->a, cap);
    char *src = (char *)in.ptr, *dst = buf;
    size_t left = in.len, room = cap;
    if (iconv(s->cd, &src, &left, &dst, &room) == (size_t)-1 ||
        iconv(s->cd, NULL, NULL, &dst, &room) == (size_t)-1) {
        return ERR_INVAL;
    }
    size_t n = (size_t)(dst - buf), extra = 0;
    if (memchr(buf, '\0', n) != NULL) {
        return ERR_INVAL;
    }
    for (size_t i = 0; i < n; i++) {
        extra += buf[i] == '\n';
    }
    if (extra || memchr(buf, '\r', n) != NULL) {
        char *esc = arena_alloc(s->a, n + extra + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                esc[k++] = '\\';
                esc[k++] = 'n';
            } else if (buf[i] != '\r') {
                esc[k++] = buf[i];
            }
        }
        buf = esc;
        n = k;
    }
    *out = str_view_make(buf, n);
    return 0;
}

static int vcard_decode_charset(struct vcard_scan *s, struct vcard_prop *prop)
{
    const struct vcard_param *cs = vcard_param_find(prop, "CHARSET");
    if (cs == NULL || cs->n_values == 0 || vcard_charset_is_utf8(cs->values[0])) {
        return 0;
    }
    struct str_view v;
    if (vcard_to_utf8(s, cs->values[0], prop->value, &v) != 0) {
        return vcard_fail(s, ERR_INVAL, prop->line, "value is not valid in CHARSET=%.*s",
                          (int)(cs->values[0].len > 40 ? 40 : cs->values[0].len),
                          cs->values[0].ptr);
    }
    vcard_prop_set_value(s, prop, v);
    return 0;
}

static struct vcard_prop *vcard_scan_push(struct vcard_scan *s)
{
    if (s->n_props == s->cap_props) {
        s->cap_props = s->cap_props ? s->cap_props * 2 : 32;
        s->props = realloc(s->props, s->cap_props * sizeof(*s->props));
        if (s->props == NULL) {
            abort();
        }
    }
    return &s->props[s->n_props++];
}

static int vcard_version_parse(struct vcard_scan *s, const struct vcard_prop *prop, int *version)
{
    struct str_view v = prop->value;
    while (v.len > 0 && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t')) {
        v.len--;
    }
    int found = str_view_eq(v, STR_VIEW_LIT("2.1"))   ? VCARD_V21
                : str_view_eq(v, STR_VIEW_LIT("3.0")) ? VCARD_V30
                : str_view_eq(v, STR_VIEW_LIT("4.0")) ? VCARD_V40
                                                      : 0;
    if (found == 0) {
        return vcard_fail(s, ERR_INVAL, prop->line, "unsupported VERSION %.*s",
                          (int)(v.len > 20 ? 20 : v.len), v.ptr);
    }
    if (*version != 0 && *version != found) {
        return vcard_fail(s, ERR_INVAL, prop->line, "second VERSION in one card");
    }
    *version = found;
    return 0;
}

/* Decode one parsed line (QP, BASE64 blocks, CHARSET) per its parameters. */
static int vcard_prop_decode(struct vcard_scan *s, const char *card_start, int version,
                             struct vcard_prop *prop)
{
    int rc = 0;
    if (vcard_prop_encoding_is(prop, "QUOTED-PRINTABLE")) {
        rc = vcard_join_qp(s, card_start, prop);
    } else if (version != VCARD_V30 && version != VCARD_V40 &&
               (vcard_prop_encoding_is(prop, "BASE64") || vcard_prop_encoding_is(prop, "B"))) {
        rc = vcard_join_base64(s, card_start, prop);
    }
    if (rc == 0) {
        rc = vcard_decode_charset(s, prop);
    }
    return rc;
}

/* 3.0 and 4.0 are UTF-8 (RFC 6350 3.1, RFC 6350 / CardDAV); a 2.1 line without a valid
 * CHARSET is read as windows-1252, the charset of the phones and Outlook that wrote them. */
static int vcard_check_utf8(struct vcard_scan *s, int version, struct vcard_prop *prop)
{
    if (vcard_utf8_valid(prop->raw.ptr, prop->raw.len)) {
        return 0;
    }
    if (version != VCARD_V21) {
        return vcard_fail(s, ERR_INVAL, prop->line, "invalid UTF-8 in a %s card",
                          version == VCARD_V30 ? "3.0" : "4.0");
    }
    struct str_view conv;
    if (vcard_to_utf8(s, STR_VIEW_LIT("WINDOWS-1252"), prop->raw, &conv) != 0 &&
        vcard_to_utf8(s, STR_VIEW_LIT("ISO-8859-1"), prop->raw, &conv) != 0) {
        return vcard_fail(s, ERR_INVAL, prop->line, "undecodable 8-bit text");
    }
    const char *why = NULL;
    if (vcard_line_parse(s->a, &s->sc, conv, prop, &why) != 0) {
        return vcard_fail(s, ERR_INVAL, prop->line, "%s", why);
    }
    return 0;
}

static int vcard_card_finish(struct vcard_scan *s, const char *card_start, unsigned first,
                             int version, struct vcard **card_out)
{
    if (version == 0) {
        return vcard_fail(s, ERR_INVAL, first, "card without VERSION");
    }
    for (size_t i = 0; i < s->n_props; i++) {
        int rc = vcard_check_utf8(s, version, &s->props[i]);
        if (rc != 0) {
            return rc;
        }
    }
    struct vcard *card = arena_new_obj(s->a, struct vcard);
    card->version = (enum vcard_version)version;
    card->props = arena_new_array(s->a, struct vcard_prop, vcard_props_cap(s->n_props));
    if (s->n_props) {
        memcpy(card->props, s->props, s->n_props * sizeof(*s->props));
    }
    card->n_props = s->n_props;
    card->first_line = first;
    card->last_line = s->line - 1;
    card->text = str_view_make(card_start, (size_t)(s->p - card_start));
    *card_out = card;
    return 0;
}

/* Parse the card whose BEGIN:VCARD line is at s->p. On error s->p is at or after the line
 * that failed (at a nested BEGIN:VCARD, so that a stream resumes there). */
static int vcard_card_parse(struct vcard_scan *s, struct vcard **card_out)
{
    const char *card_start = s->p, *next;
    unsigned first = s->line;
    vcard_phys_end(s->p, s->end, &next);
    s->p = next;
    s->line++;
    s->n_props = 0;
    int version = 0;
    for (;;) {
        if (s->p >= s->end) {
            return vcard_fail(s, ERR_INVAL, first, "card has no END:VCARD");
        }
        const char *line_start = s->p;
        struct vcard_lline ll;
        int rc = vcard_read_line(s, card_start, &ll);
        if (rc != 0) {
            return rc;
        }
        const char *e = ll.text.ptr + ll.text.len;
        if (vcard_is_blank(ll.text.ptr, e)) {
            continue;
        }
        if (vcard_is_marker(ll.text.ptr, e, "END:VCARD")) {
            return vcard_card_finish(s, card_start, first, version, card_out);
        }
        if (vcard_is_marker(ll.text.ptr, e, "BEGIN:VCARD")) {
            s->p = line_start;
            s->line = ll.line;
            return vcard_fail(s, ERR_INVAL, ll.line,
                              "BEGIN:VCARD before the END:VCARD of the card begun on line %u",
                              first);
        }
        struct vcard_prop prop = { .line = ll.line };
        const char *why = NULL;
        if (vcard_line_parse(s->a, &s->sc, ll.text, &prop, &why) != 0) {
            return vcard_fail(s, ERR_INVAL, ll.line, "%s", why);
        }
        if (str_view_eq_cstr_nocase(prop.name, "VERSION")) {
            rc = vcard_version_parse(s, &prop, &version);
        } else if ((rc = vcard_prop_decode(s, card_start, version, &prop)) == 0) {
            if (s->n_props >= s->lim.max_props) {
                return vcard_fail(s, ERR_TOO_LARGE, ll.line, "more than %zu properties in one card",
                                  s->lim.max_props);
            }
            *vcard_scan_push(s) = prop;
        }
        if (rc != 0) {
            return rc;
        }
    }
}

/* Move s->p to the next physical line that is BEGIN:VCARD (or the end). */
static void vcard_skip_to_begin(struct vcard_scan *s)
{
    while (s->p < s->end && !vcard_phys_is(s->p, s->end, "BEGIN:VCARD")) {
        const char *next;
        vcard_phys_end(s->p, s->end, &next);
        s->p = next;
        s->line++;
    }
}

static void vcard_skip_blank(struct vcard_scan *s)
{
    while (s->p < s->end) {
        const char *next;
        const char *e = vcard_phys_end(s->p, s->end, &next);
        if (!vcard_is_blank(s->p, e)) {
            return;
        }
        s->p = next;
        s->line++;
    }
}

int vcard_parse(struct arena *a, struct str_view text, const struct vcard_limits *limits,
                struct vcard **card_out, struct vcard_error *err_out)
{
    struct vcard_error scratch_err;
    struct vcard_scan s;
    vcard_scan_init(&s, a, text, limits, err_out ? err_out : &scratch_err);
    memset(s.err, 0, sizeof(*s.err));
    int rc;
    vcard_skip_blank(&s);
    if (s.p >= s.end || !vcard_phys_is(s.p, s.end, "BEGIN:VCARD")) {
        rc = vcard_fail(&s, ERR_INVAL, s.line, "expected BEGIN:VCARD");
    } else if ((rc = vcard_card_parse(&s, card_out)) == 0) {
        vcard_skip_blank(&s);
        if (s.p < s.end) {
            rc = vcard_fail(&s, ERR_INVAL, s.line, "text after END:VCARD (one card expected)");
        }
    }
    vcard_scan_cleanup(&s);
    return rc;
}

int vcard_parse_stream(struct arena *a, struct str_view text, const struct vcard_limits *limits,
                       vcard_card_fn *fn, void *ctx)
{
    struct vcard_error err;
    struct vcard_scan s;
    vcard_scan_init(&s, a, text, limits, &err);
    int ret = 0;
    while (ret == 0 && s.p < s.end) {
        vcard_skip_blank(&s);
        if (s.p >= s.end) {
            break;
        }
        memset(&err, 0, sizeof(err));
        const char *begin = s.p;
        unsigned begin_line = s.line;
        if (!vcard_phys_is(s.p, s.end, "BEGIN:VCARD")) {
            vcard_skip_to_begin(&s);
            vcard_fail(&s, ERR_INVAL, begin_line, "text outside BEGIN:VCARD/END:VCARD skipped");
            ret = fn(ctx, NULL, &err);
            continue;
        }
        struct vcard *card = NULL;
        if (vcard_card_parse(&s, &card) == 0) {
            ret = fn(ctx, card, NULL);
            continue;
        }
        if (s.p <= begin) {
            const char *next;
            vcard_phys_end(begin, s.end, &next);
            s.p = next;
            s.line = begin_line + 1;
        }
        vcard_skip_to_begin(&s);
        ret = fn(ctx, NULL, &err);
    }
    vcard_scan_cleanup(&s);
    return ret;
}

const struct vcard_prop *vcard_prop_find(const struct vcard *card, const char *name)
{
    for (size_t i = 0; i < card->n_props; i++) {
        if (str_view_eq_cstr_nocase(card->props[i].name, name)) {
            return &card->props[i];
        }
    }
    return NULL;
}

const struct vcard_param *vcard_param_find(const struct vcard_prop *prop, const char *name)
{
    for (size_t i = 0; i < prop->n_params; i++) {
        if (str_view_eq_cstr_nocase(prop->params[i].name, name)) {
            return &prop->params[i];
        }
    }
    return NULL;
}

/* Looks at every parameter of that name: Apple writes type=WORK;type=pref, 2.1 bare tokens
 * give one TYPE parameter each. */
bool vcard_param_has(const struct vcard_prop *prop, const char *name, const char *value)
{
    for (size_t i = 0; i < prop->n_params; i++) {
        const struct vcard_param *p = &prop->params[i];
        if (!str_view_eq_cstr_nocase(p->name, name)) {
            continue;
        }
        for (size_t j = 0; j < p->n_values; j++) {
            if (str_view_eq_cstr_nocase(p->values[j], value)) {
                return true;
            }
        }
    }
    return false;
}
