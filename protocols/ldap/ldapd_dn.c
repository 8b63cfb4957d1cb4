/*
 * ldapd_dn.c: distinguished names (RFC 4514 strings) for base DNs, bind names and the DNs we
 * render. Comparisons use a normalised form (CLIENTS.md B3.4): canonical lower-case type
 * names (aliases and OIDs mapped through the schema table), values by their equality rule
 * (case-folded with collapsed spaces for caseIgnore), every special character hex-escaped,
 * so a ',' in the normalised form always separates RDNs.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <ctype.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"

static int ldapd_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool ldapd_dn_special(char c)
{
    return c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' ||
           c == '=';
}

/* One value from *p: "quoted" (LDAPv2), #hex (kept as written) or a string with \c and \XX
 * escapes; trailing unescaped spaces are not part of it (RFC 4514 3). */
static int ldapd_dn_value(struct arena *a, const char **p, const char *end, struct str_view *out)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 32);
    const char *s = *p;
    if (s < end && *s == '"') {
        for (s++; s < end && *s != '"'; s++) {
            if (*s == '\\' && s + 1 < end) {
                s++;
            }
            strbuf_append_char(&sb, *s);
        }
        if (s >= end) {
            return ERR_INVAL;
        }
        *p = s + 1;
        *out = strbuf_view(&sb);
        return 0;
    }
    size_t keep = 0; /* length up to the last escaped or non-space byte */
    while (s < end && *s != ',' && *s != '+' && *s != ';') {
        if (*s == '\\') {
            if (s + 1 >= end) {
                return ERR_INVAL;
            }
            int h = ldapd_hex((unsigned char)s[1]), l = s + 2 < end ? ldapd_hex((unsigned char)s[2]) : -1;
            if (h >= 0 && l >= 0) {
                strbuf_append_char(&sb, (char)(h << 4 | l));
                s += 3;
            } else if (ldapd_dn_special(s[1]) || s[1] == ' ' || s[1] == '#') {
                strbuf_append_char(&sb, s[1]);
                s += 2;
            } else {
                return ERR_INVAL;
            }
            keep = sb.len;
            continue;
        }
        strbuf_append_char(&sb, *s);
        if (*s != ' ') {
            keep = sb.len;
        }
        s++;
    }
    *p = s;
    *out = str_view_make(sb.ptr, keep);
    return 0;
}

static const char *ldapd_skip_spaces(const char *p, const char *end)
{
    while (p < end && *p == ' ') {
        p++;
    }
    return p;
}

static struct str_view ldapd_dn_type(struct arena *a, struct str_view t)
{
    const struct ldapd_attr_def *d = ldapd_schema_find(t);
    struct str_view name = d ? str_view_of(d->name) : t;
    char *lower = arena_strndup(a, name.ptr, name.len);
    for (char *c = lower; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    return str_view_make(lower, name.len);
}

int ldapd_dn_parse(struct arena *a, struct str_view dn, struct ldapd_dn *out)
{
    out->n = 0;
    const char *p = dn.ptr, *end = dn.ptr + dn.len;
    p = ldapd_skip_spaces(p, end);
    if (p == end) {
        return 0;
    }
    for (;;) {
        if (out->n == LDAPD_DN_MAX_RDNS) {
            return ERR_INVAL;
        }
        p = ldapd_skip_spaces(p, end);
        const char *t = p;
        while (p < end && *p != '=' && *p != ' ') {
            p++;
        }
        if (p == t) {
            return ERR_INVAL;
        }
        struct str_view type = str_view_make(t, (size_t)(p - t));
        for (size_t i = 0; i < type.len; i++) {
            if (!isalnum((unsigned char)t[i]) && t[i] != '-' && t[i] != '.') {
                return ERR_INVAL;
            }
        }
        p = ldapd_skip_spaces(p, end);
        if (p == end || *p != '=') {
            return ERR_INVAL;
        }
        p = ldapd_skip_spaces(p + 1, end);
        struct ldapd_ava *ava = &out->avas[out->n++];
        ava->type = ldapd_dn_type(a, type);
        ava->more = false;
        if (ldapd_dn_value(a, &p, end, &ava->value) != 0) {
            return ERR_INVAL;
        }
        p = ldapd_skip_spaces(p, end);
        if (p == end) {
            return 0;
        }
        ava->more = *p == '+';
        if (*p != ',' && *p != '+' && *p != ';') {
            return ERR_INVAL;
        }
        p++;
        if (ldapd_skip_spaces(p, end) == end) {
            return ERR_INVAL; /* "dc=x," */
        }
    }
}

void ldapd_dn_escape_value(struct strbuf *sb, struct str_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        if (c == '\0') {
            strbuf_append_cstr(sb, "\\00");
        } else if ((ldapd_dn_special(c) && c != '=') || (i == 0 && (c == '#' || c == ' ')) ||
                   (i + 1 == v.len && c == ' ')) {
            strbuf_append_char(sb, '\\');
            strbuf_append_char(sb, c);
        } else {
            strbuf_append_char(sb, c);
        }
    }
}

/* Normalised value: by the equality rule of the type; specials as \XX. */
static void ldapd_dn_norm_value(struct arena *a, struct strbuf *sb, struct str_view type,
        struct str_view value)
{
    const struct ldapd_attr_def *d = ldapd_schema_find(type);
    struct str_view v = value;
    if (d == NULL || d->match == LDAPD_M_CI || d->match == LDAPD_M_IA5CI ||
            d->match == LDAPD_M_UUID) {
        v = ldapd_fold(a, value, true);
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (ldapd_dn_special((char)c) || c < 0x20) {
            strbuf_append_char(sb, '\\');
            strbuf_append_char(sb, hex[c >> 4]);
            strbuf_append_char(sb, hex[c & 15]);
        } else {
            strbuf_append_char(sb, (char)c);
        }
    }
}

int ldapd_dn_normalize(struct arena *a, struct str_view dn, struct str_view *out)
{
    struct ldapd_dn parsed;
    int rc = ldapd_dn_parse(a, dn, &parsed);
    if (rc != 0) {
        return rc;
    }
    struct strbuf sb;
    strbuf_init(&sb, a, dn.len + 8);
    for (size_t i = 0; i < parsed.n; i++) {
        const struct ldapd_ava *ava = &parsed.avas[i];
        strbuf_append_view(&sb, ava->type);
        strbuf_append_char(&sb, '=');
        ldapd_dn_norm_value(a, &sb, ava->type, ava->value);
        if (i + 1 < parsed.n) {
            strbuf_append_char(&sb, ava->more ? '+' : ',');
        }
    }
    *out = strbuf_view(&sb);
    return 0;
}

bool ldapd_dn_under(struct str_view ndn, struct str_view nbase, size_t *depth_out)
{
    size_t prefix;
    if (nbase.len == 0) {
        prefix = ndn.len + 1; /* every RDN of ndn is below the root */
        if (ndn.len == 0) {
            *depth_out = 0;
            return true;
        }
    } else if (ndn.len == nbase.len) {
        if (memcmp(ndn.ptr, nbase.ptr, ndn.len) != 0) {
            return false;
        }
        *depth_out = 0;
        return true;
    } else if (ndn.len > nbase.len && ndn.ptr[ndn.len - nbase.len - 1] == ',' &&
               memcmp(ndn.ptr + ndn.len - nbase.len, nbase.ptr, nbase.len) == 0) {
        prefix = ndn.len - nbase.len;
    } else {
        return false;
    }
    size_t depth = 1;
    for (size_t i = 0; i + 1 < prefix; i++) {
        depth += ndn.ptr[i] == ',';
    }
    *depth_out = depth;
    return true;
}
