/* ldap_filter_str.c: RFC 4515 string form of a decoded filter, for logs and tests. */
#include "protocols/ldap/ldap_codec.h"

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 4), 0 if there is none. */
static size_t ldapd_utf8_len(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        lo = p[0] == 0xe0 ? 0xa0 : 0x80; /* no overlong forms */
        hi = p[0] == 0xed ? 0x9f : 0xbf; /* no surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        lo = p[0] == 0xf0 ? 0x90 : 0x80;
        hi = p[0] == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }
    return len;
}

/* RFC 4515 3: '*', '(', ')', '\' and NUL must be escaped; we also escape what would
   garble a log line (controls, DEL, bytes that are not UTF-8). */
static void ldapd_filter_append_escaped(struct strbuf *sb, struct str_view v)
{
    const unsigned char *p = (const unsigned char *)v.ptr;
    size_t i = 0;
    while (i < v.len) {
        unsigned char ch = p[i];
        if (ch >= 0x80) {
            size_t n = ldapd_utf8_len(p + i, v.len - i);
            if (n > 0) {
                strbuf_append(sb, p + i, n);
                i += n;
                continue;
            }
        } else if (ch >= 0x20 && ch != 0x7f && ch != '*' && ch != '(' && ch != ')'
                && ch != '\\') {
            strbuf_append_char(sb, (char)ch);
            i++;
            continue;
        }
        strbuf_appendf(sb, "\\%02x", ch);
        i++;
    }
}

static void ldapd_filter_append_attr(struct strbuf *sb, const struct ldapd_attr_desc *d)
{
    if (d->valid) {
        strbuf_append_view(sb, d->desc);
    } else {
        ldapd_filter_append_escaped(sb, d->desc);
    }
}

static void ldapd_filter_append_substrings(struct strbuf *sb, const struct ldapd_filter *f)
{
    if (f->initial.ptr != NULL) {
        ldapd_filter_append_escaped(sb, f->initial);
    }
    strbuf_append_char(sb, '*');
    for (size_t i = 0; i < f->n_any; i++) {
        ldapd_filter_append_escaped(sb, f->any[i]);
        strbuf_append_char(sb, '*');
    }
    if (f->final.ptr != NULL) {
        ldapd_filter_append_escaped(sb, f->final);
    }
}

static void ldapd_filter_append_extensible(struct strbuf *sb, const struct ldapd_filter *f)
{
    if (f->has_attr) {
        ldapd_filter_append_attr(sb, &f->attr);
    }
    if (f->dn_attrs) {
        strbuf_append_cstr(sb, ":dn");
    }
    if (f->rule.ptr != NULL) {
        strbuf_append_char(sb, ':');
        ldapd_filter_append_escaped(sb, f->rule);
    }
    strbuf_append_cstr(sb, ":=");
    ldapd_filter_append_escaped(sb, f->value);
}

/* The tree is depth-limited by the decoder, so recursion is bounded. */
void ldapd_filter_to_string(const struct ldapd_filter *f, struct strbuf *sb)
{
    static const char *const ops[] = {
        [LDAPD_FILTER_EQUALITY] = "=", [LDAPD_FILTER_GE] = ">=",
        [LDAPD_FILTER_LE] = "<=", [LDAPD_FILTER_APPROX] = "~=",
    };
    strbuf_append_char(sb, '(');
    switch (f->kind) {
    case LDAPD_FILTER_AND:
    case LDAPD_FILTER_OR:
    case LDAPD_FILTER_NOT:
        strbuf_append_char(sb, f->kind == LDAPD_FILTER_AND ? '&'
                        : f->kind == LDAPD_FILTER_OR       ? '|'
                                                           : '!');
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            ldapd_filter_to_string(c, sb);
        }
        break;
    case LDAPD_FILTER_EQUALITY:
    case LDAPD_FILTER_GE:
    case LDAPD_FILTER_LE:
    case LDAPD_FILTER_APPROX:
        ldapd_filter_append_attr(sb, &f->attr);
        strbuf_append_cstr(sb, ops[f->kind]);
        ldapd_filter_append_escaped(sb, f->value);
        break;
    case LDAPD_FILTER_SUBSTRINGS:
        ldapd_filter_append_attr(sb, &f->attr);
        strbuf_append_char(sb, '=');
        ldapd_filter_append_substrings(sb, f);
        break;
    case LDAPD_FILTER_PRESENT:
        ldapd_filter_append_attr(sb, &f->attr);
        strbuf_append_cstr(sb, "=*");
        break;
    case LDAPD_FILTER_EXTENSIBLE:
        ldapd_filter_append_extensible(sb, f);
        break;
    }
    strbuf_append_char(sb, ')');
}
