/*
 * ldap_filter.c: BER Filter -> struct ldapd_filter tree (RFC 4511 4.5.1.7), and attribute
 * descriptions (RFC 4512 2.5). libldap has no public filter decoder (slapd's get_filter()
 * is server-private), so this is ours: recursive, with the depth checked before each level
 * is entered, so a 10,000-deep filter costs 64 headers and never the stack.
 */
#include "protocols/ldap/ldap_codec.h"

#include <string.h>

#include "protocols/ldap/ldap_codec-internal.h"
#include "src/arena.h"
#include "src/err.h"

/* Filter CHOICE tags (RFC 4511 4.5.1, context-specific; the values ldap.h also uses). */
enum {
    LDAPD_TAG_AND = 0xa0,
    LDAPD_TAG_OR = 0xa1,
    LDAPD_TAG_NOT = 0xa2,
    LDAPD_TAG_EQUALITY = 0xa3,
    LDAPD_TAG_SUBSTRINGS = 0xa4,
    LDAPD_TAG_GE = 0xa5,
    LDAPD_TAG_LE = 0xa6,
    LDAPD_TAG_PRESENT = 0x87,
    LDAPD_TAG_APPROX = 0xa8,
    LDAPD_TAG_EXTENSIBLE = 0xa9,
    LDAPD_TAG_SUB_INITIAL = 0x80,
    LDAPD_TAG_SUB_ANY = 0x81,
    LDAPD_TAG_SUB_FINAL = 0x82,
    LDAPD_TAG_MRA_RULE = 0x81,
    LDAPD_TAG_MRA_TYPE = 0x82,
    LDAPD_TAG_MRA_VALUE = 0x83,
    LDAPD_TAG_MRA_DNATTRS = 0x84,
};

struct ldapd_filter_ctx {
    struct arena *a;
    BerElement *ber;
    const struct ldapd_limits *lim;
    unsigned nodes;
    const char *detail;
};

/* ---- attribute descriptions ---- */

static bool ldapd_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ldapd_is_keychar(char c)
{
    return ldapd_is_alpha(c) || (c >= '0' && c <= '9') || c == '-';
}

/* RFC 4512 1.4: numericoid = number 1*( DOT number ), no leading zeros. */
static bool ldapd_is_numericoid(struct str_view s)
{
    size_t i = 0, arcs = 0;
    while (i < s.len) {
        size_t start = i;
        while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9') {
            i++;
        }
        if (i == start || (i - start > 1 && s.ptr[start] == '0')) {
            return false;
        }
        arcs++;
        if (i < s.len) {
            if (s.ptr[i] != '.' || i + 1 == s.len) {
                return false;
            }
            i++;
        }
    }
    return arcs >= 2;
}

/* RFC 4512 1.4: descr = ALPHA *keychar. */
static bool ldapd_is_descr(struct str_view s)
{
    if (s.len == 0 || !ldapd_is_alpha(s.ptr[0])) {
        return false;
    }
    for (size_t i = 1; i < s.len; i++) {
        if (!ldapd_is_keychar(s.ptr[i])) {
            return false;
        }
    }
    return true;
}

static bool ldapd_options_valid(struct str_view opts)
{
    size_t run = 0;
    for (size_t i = 0; i < opts.len; i++) {
        if (opts.ptr[i] == ';') {
            if (run == 0) {
                return false;
            }
            run = 0;
        } else if (ldapd_is_keychar(opts.ptr[i])) {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

void ldapd_attr_desc_parse(struct str_view desc, struct ldapd_attr_desc *out)
{
    const char *semi = desc.len > 0 ? memchr(desc.ptr, ';', desc.len) : NULL;
    out->desc = desc;
    out->type = desc;
    out->options = (struct str_view){ desc.ptr ? desc.ptr + desc.len : "", 0 };
    if (semi != NULL) {
        out->type.len = (size_t)(semi - desc.ptr);
        out->options = str_view_make(semi + 1, desc.len - out->type.len - 1);
    }
    out->is_oid = ldapd_is_numericoid(out->type);
    out->valid = (out->is_oid || ldapd_is_descr(out->type))
            && (semi == NULL || ldapd_options_valid(out->options));
}

bool ldapd_attr_type_is(const struct ldapd_attr_desc *d, const char *name)
{
    return str_view_eq_cstr_nocase(d->type, name);
}

/* ---- filter decoding ---- */

static int ldapd_filter_fail(struct ldapd_filter_ctx *c, int err, const char *detail)
{
    if (c->detail == NULL) {
        c->detail = detail;
    }
    return err;
}

static int ldapd_filter_read(struct ldapd_filter_ctx *c, unsigned depth,
        struct ldapd_filter **out);

static int ldapd_filter_read_set(struct ldapd_filter_ctx *c, struct ldapd_filter *f,
        unsigned depth)
{
    size_t end;
    if (ldapd_ber_enter(c->ber, ldapd_ber_peek(c->ber), &end) != 0) {
        return ldapd_filter_fail(c, ERR_INVAL, "bad filter set");
    }
    struct ldapd_filter **tail = &f->children;
    /* An empty and/or is RFC 4526's absolute true/false: allowed. */
    while (ldapd_ber_more(c->ber, end)) {
        int rc = ldapd_filter_read(c, depth + 1, tail);
        if (rc != 0) {
            return rc;
        }
        tail = &(*tail)->next;
        f->n_children++;
        if (f->kind == LDAPD_FILTER_NOT) {
            break;
        }
    }
    if (f->kind == LDAPD_FILTER_NOT && f->n_children != 1) {
        return ldapd_filter_fail(c, ERR_INVAL, "not filter without operand");
    }
    if (ldapd_ber_leave(c->ber, end) != 0) {
        return ldapd_filter_fail(c, ERR_INVAL, "bad filter length");
    }
    return 0;
}

static int ldapd_filter_read_ava(struct ldapd_filter_ctx *c, struct ldapd_filter *f)
{
    size_t end;
    struct str_view desc;
    if (ldapd_ber_enter(c->ber, ldapd_ber_peek(c->ber), &end) != 0
            || ldapd_ber_octets(c->ber, LBER_OCTETSTRING, &desc) != 0
            || ldapd_ber_octets(c->ber, LBER_OCTETSTRING, &f->value) != 0
            || ldapd_ber_leave(c->ber, end) != 0) {
        return ldapd_filter_fail(c, ERR_INVAL, "bad attribute value assertion");
    }
    ldapd_attr_desc_parse(desc, &f->attr);
    return 0;
}

/* RFC 4511 4.5.1.7.2: at most one initial (first) and one final (last), any in between. */
static int ldapd_filter_read_substrings(struct ldapd_filter_ctx *c, struct ldapd_filter *f)
{
    size_t end, seq_end;
    struct str_view desc;
    if (ldapd_ber_enter(c->ber, LDAPD_TAG_SUBSTRINGS, &end) != 0
            || ldapd_ber_octets(c->ber, LBER_OCTETSTRING, &desc) != 0
            || ldapd_ber_enter(c->ber, LBER_SEQUENCE, &seq_end) != 0) {
        return ldapd_filter_fail(c, ERR_INVAL, "bad substrings filter");
    }
    ldapd_attr_desc_parse(desc, &f->attr);
    unsigned count = 0;
    bool seen_final = false;
    while (ldapd_ber_more(c->ber, seq_end)) {
        ber_tag_t tag = ldapd_ber_peek(c->ber);
        struct str_view v;
        if (++count > c->lim->max_substrings) {
            return ldapd_filter_fail(c, ERR_TOO_LARGE, "too many substring components");
        }
        if (seen_final || (tag == LDAPD_TAG_SUB_INITIAL && count != 1)
                || ldapd_ber_octets(c->ber, tag, &v) != 0
                || (tag != LDAPD_TAG_SUB_INITIAL && tag != LDAPD_TAG_SUB_ANY
                        && tag != LDAPD_TAG_SUB_FINAL)) {
            return ldapd_filter_fail(c, ERR_INVAL, "bad substring component");
        }
        seen_final = tag == LDAPD_TAG_SUB_FINAL;
        if (v.len == 0) {
            continue; /* an empty component constrains nothing */
        }
        if (tag == LDAPD_TAG_SUB_INITIAL) {
            f->initial = v;
        } else if (tag == LDAPD_TAG_SUB_FINAL) {
            f->final = v;
        } else {
            if (f->any == NULL) {
                f->any = arena_new_array(c->a, struct str_view, c->lim->max_substrings);
            }
            f->any[f->n_any++] = v;
        }
    }
    if (count == 0 || ldapd_ber_leave(c->ber, seq_end) != 0
            || ldapd_ber_leave(c->ber, end) != 0) {
        return ldapd_filter_fail(c, ERR_INVAL, "bad substrings filter");
    }
    return 0;
}

/* RFC 4511 4.5.1.7.7 MatchingRuleAssertion; the rule or the type must be there. */
static int ldapd_filter_read_extensible(struct ldapd_filter_ctx *c, struct ldapd_filter *f)
{
    size_t end;
    struct str_view desc;
    if (ldapd_ber_enter(c->ber, LDAPD_TAG_EXTENSIBLE, &end) != 0) {
        goto bad;
    }
    if (ldapd_ber_more(c->ber, end) && ldapd_ber_peek(c->ber) == LDAPD_TAG_MRA_RULE
            && ldapd_ber_octets(c->ber, LDAPD_TAG_MRA_RULE, &f->rule) != 0) {
        goto bad;
    }
    if (ldapd_ber_more(c->ber, end) && ldapd_ber_peek(c->ber) == LDAPD_TAG_MRA_TYPE) {
        if (ldapd_ber_octets(c->ber, LDAPD_TAG_MRA_TYPE, &desc) != 0) {
            goto bad;
        }
        ldapd_attr_desc_parse(desc, &f->attr);
        f->has_attr = true;
    }
    if (!ldapd_ber_more(c->ber, end)
            || ldapd_ber_octets(c->ber, LDAPD_TAG_MRA_VALUE, &f->value) != 0) {
        goto bad;
    }
    if (ldapd_ber_more(c->ber, end)
            && ldapd_ber_bool(c->ber, LDAPD_TAG_MRA_DNATTRS, &f->dn_attrs) != 0) {
        goto bad;
    }
    if (ldapd_ber_leave(c->ber, end) != 0 || (f->rule.ptr == NULL && !f->has_attr)) {
        goto bad;
    }
    return 0;
bad:
    return ldapd_filter_fail(c, ERR_INVAL, "bad extensible match filter");
}

static int ldapd_filter_read(struct ldapd_filter_ctx *c, unsigned depth,
        struct ldapd_filter **out)
{
    if (depth > c->lim->max_filter_depth) {
        return ldapd_filter_fail(c, ERR_TOO_LARGE, "filter nested too deeply");
    }
    if (++c->nodes > c->lim->max_filter_nodes) {
        return ldapd_filter_fail(c, ERR_TOO_LARGE, "filter has too many elements");
    }
    struct ldapd_filter *f = arena_new_obj(c->a, struct ldapd_filter);
    *out = f;
    struct str_view desc;
    switch (ldapd_ber_peek(c->ber)) {
    case LDAPD_TAG_AND:
        f->kind = LDAPD_FILTER_AND;
        return ldapd_filter_read_set(c, f, depth);
    case LDAPD_TAG_OR:
        f->kind = LDAPD_FILTER_OR;
        return ldapd_filter_read_set(c, f, depth);
    case LDAPD_TAG_NOT:
        f->kind = LDAPD_FILTER_NOT;
        return ldapd_filter_read_set(c, f, depth);
    case LDAPD_TAG_EQUALITY:
        f->kind = LDAPD_FILTER_EQUALITY;
        return ldapd_filter_read_ava(c, f);
    case LDAPD_TAG_GE:
        f->kind = LDAPD_FILTER_GE;
        return ldapd_filter_read_ava(c, f);
    case LDAPD_TAG_LE:
        f->kind = LDAPD_FILTER_LE;
        return ldapd_filter_read_ava(c, f);
    case LDAPD_TAG_APPROX:
        f->kind = LDAPD_FILTER_APPROX;
        return ldapd_filter_read_ava(c, f);
    case LDAPD_TAG_SUBSTRINGS:
        f->kind = LDAPD_FILTER_SUBSTRINGS;
        return ldapd_filter_read_substrings(c, f);
    case LDAPD_TAG_PRESENT:
        f->kind = LDAPD_FILTER_PRESENT;
        if (ldapd_ber_octets(c->ber, LDAPD_TAG_PRESENT, &desc) != 0) {
            return ldapd_filter_fail(c, ERR_INVAL, "bad present filter");
        }
        ldapd_attr_desc_parse(desc, &f->attr);
        return 0;
    case LDAPD_TAG_EXTENSIBLE:
        f->kind = LDAPD_FILTER_EXTENSIBLE;
        return ldapd_filter_read_extensible(c, f);
    default:
        return ldapd_filter_fail(c, ERR_INVAL, "unknown filter choice");
    }
}

int ldapd_filter_decode(struct arena *a, struct berelement *ber, const struct ldapd_limits *lim,
        struct ldapd_filter **filter_out, const char **detail_out)
{
    struct ldapd_filter_ctx c = { .a = a, .ber = ber, .lim = lim };
    struct ldapd_filter *f = NULL;
    int rc = ldapd_filter_read(&c, 1, &f);
    if (detail_out != NULL) {
        *detail_out = c.detail;
    }
    if (rc == 0) {
        *filter_out = f;
    }
    return rc;
}

int ldapd_filter_parse(struct arena *a, const uint8_t *buf, size_t len,
        const struct ldapd_limits *lim, struct ldapd_filter **filter_out,
        const char **detail_out)
{
    BerElement *ber = ldapd_ber_reader(buf, len);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    int rc = ldapd_filter_decode(a, ber, lim, filter_out, detail_out);
    if (rc == 0 && ldapd_ber_left(ber) != 0) {
        rc = ERR_INVAL;
        if (detail_out != NULL) {
            *detail_out = "bytes after the filter";
        }
    }
    ber_free(ber, 0);
    return rc;
}
