/*
 * ldapd_filter_eval.c: matching rules (RFC 4517 4.2, as CLIENTS.md B2.6 lists them) and the
 * three-valued evaluation of search filters (RFC 4511 4.5.1.7). Values come from the entry
 * (ldapd_entry_values builds only the sources a filter touches, so a name filter never
 * parses the card).
 *
 * telephoneNumberMatch is extended beyond RFC 4517: a value and an assertion match when any
 * of their forms agree, the forms being the digits and the E.164 number under the
 * configured country code and trunk prefix ([phone]). So "030 9117-0000", "+49 30 91170000"
 * and "493091170000" are one number, and substrings also run over both forms. An assertion
 * without a single digit is FALSE at once (the iOS `telephoneNumber=foo*` case).
 */
#include "protocols/ldap/ldapd-internal.h"

#include <ctype.h>
#include <string.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/phone.h"
#include "src/utf8.h"

#define LDAPD_PHONE_BUF 64

static bool ldapd_ascii(struct str_view v)
{
    for (size_t i = 0; i < v.len; i++) {
        if ((unsigned char)v.ptr[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

struct str_view ldapd_fold(struct arena *a, struct str_view v, bool trim)
{
    struct str_view f;
    if (ldapd_ascii(v)) { /* most names and every e-mail: fold without decoding UTF-8 */
        char *p = arena_alloc(a, v.len + 1);
        for (size_t i = 0; i < v.len; i++) {
            char c = v.ptr[i];
            p[i] = c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
        }
        f = str_view_make(p, v.len);
    } else {
        f = utf8_casefold(a, v);
    }
    char *out = (char *)f.ptr; /* fresh arena copy: rewrite in place */
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < f.len; i++) {
        char c = f.ptr[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = true;
            continue;
        }
        if (space && (n > 0 || !trim)) {
            out[n++] = ' ';
        }
        space = false;
        out[n++] = c;
    }
    if (space && !trim) {
        out[n++] = ' ';
    }
    out[n] = '\0';
    return str_view_make(out, n);
}

/* Collapse spaces without folding (caseExactMatch). */
static struct str_view ldapd_collapse(struct arena *a, struct str_view v)
{
    char *out = arena_alloc(a, v.len + 1);
    size_t n = 0;
    bool space = false;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == ' ') {
            space = true;
            continue;
        }
        if (space && n > 0) {
            out[n++] = ' ';
        }
        space = false;
        out[n++] = v.ptr[i];
    }
    return str_view_make(out, n);
}

/* "20240312101500Z", "202403121015Z", "2024031210.5Z": the 14 digits YYYYMMDDHHMMSS. */
static struct str_view ldapd_time_norm(struct arena *a, struct str_view v)
{
    char *out = arena_alloc(a, 15);
    size_t n = 0;
    for (size_t i = 0; i < v.len && n < 14 && isdigit((unsigned char)v.ptr[i]); i++) {
        out[n++] = v.ptr[i];
    }
    while (n < 14) {
        out[n++] = '0';
    }
    return str_view_make(out, 14);
}

void ldapd_phone_forms(const struct kith_config *cfg, struct str_view v, char *digits,
        size_t digits_size, char *e164, size_t e164_size)
{
    phone_digits(v, digits, digits_size);
    phone_e164(v, cfg->phone_country_code, cfg->phone_trunk_prefix, e164, e164_size);
}

struct str_view ldapd_match_norm(struct arena *a, const struct ldapd_attr_def *d,
        struct str_view v)
{
    switch (d->match) {
    case LDAPD_M_CI:
    case LDAPD_M_IA5CI:
    case LDAPD_M_UUID:
    case LDAPD_M_OID:
        return ldapd_fold(a, v, true);
    case LDAPD_M_CE:
        return ldapd_collapse(a, v);
    case LDAPD_M_TIME:
        return ldapd_time_norm(a, v);
    case LDAPD_M_DN: {
        struct str_view n;
        return ldapd_dn_normalize(a, v, &n) == 0 ? n : v;
    }
    case LDAPD_M_PHONE: {
        char *digits = arena_alloc(a, LDAPD_PHONE_BUF);
        phone_digits(v, digits, LDAPD_PHONE_BUF);
        return str_view_of(digits);
    }
    case LDAPD_M_BOOL:
        return ldapd_fold(a, v, true);
    case LDAPD_M_INT:
    case LDAPD_M_OCTET:
    case LDAPD_M_NONE:
        break;
    }
    return v;
}

static int ldapd_view_cmp(struct str_view x, struct str_view y)
{
    size_t n = x.len < y.len ? x.len : y.len;
    int c = n ? memcmp(x.ptr, y.ptr, n) : 0;
    return c ? c : (x.len > y.len) - (x.len < y.len);
}

/* ------------------------------------------------------------------ phone numbers */

struct ldapd_phone_assert {
    char d[LDAPD_PHONE_BUF];
    char e[PHONE_E164_SIZE];
};

static bool ldapd_phone_eq(const struct kith_config *cfg, struct str_view value,
        const struct ldapd_phone_assert *as)
{
    char vd[LDAPD_PHONE_BUF], ve[PHONE_E164_SIZE];
    ldapd_phone_forms(cfg, value, vd, sizeof(vd), ve, sizeof(ve));
    if (vd[0] && (!strcmp(vd, as->d) || (as->e[0] && !strcmp(vd, as->e)))) {
        return true;
    }
    return ve[0] && (!strcmp(ve, as->d) || (as->e[0] && !strcmp(ve, as->e)));
}

/* ------------------------------------------------------------------ substrings */

struct ldapd_subs {
    struct str_view initial, final;
    struct str_view *any;
    size_t n_any;
};

/* What ldapd_filter_prepare works out once per item (see ldap_codec.h ldapd_filter.prep). */
struct ldapd_filter_prep {
    const struct ldapd_attr_def *d; /* NULL: unknown type */
    struct str_view norm;           /* equality, ordering: the assertion by d's rule */
    struct ldapd_phone_assert phone; /* phone equality */
    bool subs_left;                 /* substrings: some component constrains */
    struct ldapd_subs subs;         /* substrings, normalised by d's rule */
};

static bool ldapd_subs_match(struct str_view s, const struct ldapd_subs *q)
{
    size_t pos = 0, end = s.len;
    if (q->initial.len) {
        if (q->initial.len > s.len || memcmp(s.ptr, q->initial.ptr, q->initial.len) != 0) {
            return false;
        }
        pos = q->initial.len;
    }
    if (q->final.len) {
        if (q->final.len > end - pos ||
                memcmp(s.ptr + end - q->final.len, q->final.ptr, q->final.len) != 0) {
            return false;
        }
        end -= q->final.len;
    }
    for (size_t i = 0; i < q->n_any; i++) {
        struct str_view c = q->any[i];
        if (c.len == 0) {
            continue;
        }
        const char *hit = c.len <= end - pos ? memmem(s.ptr + pos, end - pos, c.ptr, c.len)
                                             : NULL;
        if (hit == NULL) {
            return false;
        }
        pos = (size_t)(hit - s.ptr) + c.len;
    }
    return true;
}

/* Normalise every component with fn; returns false when nothing constraining is left. */
static bool ldapd_subs_build(struct arena *a, const struct ldapd_filter *f,
        struct str_view (*fn)(struct arena *, struct str_view), struct ldapd_subs *q)
{
    bool any_left = false;
    q->initial = f->initial.ptr ? fn(a, f->initial) : STR_VIEW_NULL;
    q->final = f->final.ptr ? fn(a, f->final) : STR_VIEW_NULL;
    any_left = q->initial.len || q->final.len;
    q->any = arena_new_array(a, struct str_view, f->n_any + 1);
    q->n_any = f->n_any;
    for (size_t i = 0; i < f->n_any; i++) {
        q->any[i] = fn(a, f->any[i]);
        any_left = any_left || q->any[i].len;
    }
    return any_left;
}

static struct str_view ldapd_sub_fold(struct arena *a, struct str_view v)
{
    return ldapd_fold(a, v, false);
}

static struct str_view ldapd_sub_exact(struct arena *a, struct str_view v)
{
    return v;
}

static struct str_view ldapd_sub_digits(struct arena *a, struct str_view v)
{
    char *d = arena_alloc(a, LDAPD_PHONE_BUF);
    phone_digits(v, d, LDAPD_PHONE_BUF);
    return str_view_of(d);
}

static enum ldapd_tri ldapd_eval_phone_subs(struct ldapd_entry *e, const struct ldapd_values *vals,
        const struct ldapd_filter *f)
{
    struct ldapd_subs q;
    if (f->prep != NULL) {
        q = f->prep->subs;
        if (!f->prep->subs_left) {
            return LDAPD_FALSE;
        }
    } else if (!ldapd_subs_build(e->a, f, ldapd_sub_digits, &q)) {
        return LDAPD_FALSE; /* no digit anywhere: cannot match a number */
    }
    /* A national initial ("030911") also runs as its E.164 form ("4930911"). */
    struct ldapd_subs qe = q;
    char ie[PHONE_E164_SIZE] = "";
    if (q.initial.len >= 3) {
        phone_e164(f->initial, e->op->cfg->phone_country_code, e->op->cfg->phone_trunk_prefix, ie,
                sizeof(ie));
        qe.initial = str_view_of(ie);
    }
    for (size_t i = 0; i < vals->n; i++) {
        char vd[LDAPD_PHONE_BUF], ve[PHONE_E164_SIZE];
        ldapd_phone_forms(e->op->cfg, vals->v[i], vd, sizeof(vd), ve, sizeof(ve));
        if (ldapd_subs_match(str_view_of(vd), &q) || (ve[0] && ldapd_subs_match(str_view_of(ve), &q))) {
            return LDAPD_TRUE;
        }
        if (ie[0] && (ldapd_subs_match(str_view_of(vd), &qe) ||
                             (ve[0] && ldapd_subs_match(str_view_of(ve), &qe)))) {
            return LDAPD_TRUE;
        }
    }
    return LDAPD_FALSE;
}

static enum ldapd_tri ldapd_eval_subs(struct ldapd_entry *e, const struct ldapd_attr_def *d,
        const struct ldapd_filter *f)
{
    if (!(d->flags & LDAPD_AF_SUBSTR)) {
        return LDAPD_UNDEF;
    }
    if (d->match == LDAPD_M_PHONE) {
        bool digits = false;
        for (size_t i = 0; i < f->initial.len && !digits; i++) {
            digits = isdigit((unsigned char)f->initial.ptr[i]);
        }
        for (size_t i = 0; i < f->final.len && !digits; i++) {
            digits = isdigit((unsigned char)f->final.ptr[i]);
        }
        for (size_t j = 0; j < f->n_any && !digits; j++) {
            for (size_t i = 0; i < f->any[j].len && !digits; i++) {
                digits = isdigit((unsigned char)f->any[j].ptr[i]);
            }
        }
        if (!digits) {
            return LDAPD_FALSE;
        }
        return ldapd_eval_phone_subs(e, ldapd_entry_values(e, d), f);
    }
    const struct ldapd_values *vals = ldapd_entry_values(e, d);
    if (vals->n == 0) {
        return LDAPD_FALSE;
    }
    bool fold = d->match != LDAPD_M_CE;
    struct ldapd_subs q;
    if (f->prep != NULL) {
        q = f->prep->subs;
    } else {
        ldapd_subs_build(e->a, f, fold ? ldapd_sub_fold : ldapd_sub_exact, &q);
    }
    for (size_t i = 0; i < vals->n; i++) {
        struct str_view v = fold ? ldapd_fold(e->a, vals->v[i], true) : vals->v[i];
        if (ldapd_subs_match(v, &q)) {
            return LDAPD_TRUE;
        }
    }
    return LDAPD_FALSE;
}

/* ------------------------------------------------------------------ items */

static enum ldapd_tri ldapd_match_equal_prep(struct ldapd_entry *e,
        const struct ldapd_attr_def *d, struct str_view assertion,
        const struct ldapd_filter_prep *prep)
{
    if (d->match == LDAPD_M_NONE) {
        return LDAPD_UNDEF;
    }
    if (d->match == LDAPD_M_PHONE) {
        struct ldapd_phone_assert as;
        if (prep != NULL) {
            as = prep->phone;
        } else {
            ldapd_phone_forms(e->op->cfg, assertion, as.d, sizeof(as.d), as.e, sizeof(as.e));
        }
        if (as.d[0] == '\0') {
            return LDAPD_FALSE;
        }
        const struct ldapd_values *vals = ldapd_entry_values(e, d);
        for (size_t i = 0; i < vals->n; i++) {
            if (ldapd_phone_eq(e->op->cfg, vals->v[i], &as)) {
                return LDAPD_TRUE;
            }
        }
        return LDAPD_FALSE;
    }
    const struct ldapd_values *vals = ldapd_entry_values(e, d);
    if (d->id == LDAPD_A_OBJECTCLASS) {
        struct str_view as = ldapd_fold(e->a, assertion, true);
        for (size_t i = 0; i < vals->n; i++) {
            if (ldapd_schema_oc_match(vals->v[i], as)) {
                return LDAPD_TRUE;
            }
        }
        return LDAPD_FALSE;
    }
    struct str_view as = prep != NULL ? prep->norm : ldapd_match_norm(e->a, d, assertion);
    for (size_t i = 0; i < vals->n; i++) {
        if (str_view_eq(ldapd_match_norm(e->a, d, vals->v[i]), as)) {
            return LDAPD_TRUE;
        }
    }
    return LDAPD_FALSE;
}

enum ldapd_tri ldapd_match_equal(struct ldapd_entry *e, const struct ldapd_attr_def *d,
        struct str_view assertion)
{
    return ldapd_match_equal_prep(e, d, assertion, NULL);
}

static enum ldapd_tri ldapd_eval_order(struct ldapd_entry *e, const struct ldapd_attr_def *d,
        const struct ldapd_filter *f)
{
    if (!(d->flags & LDAPD_AF_ORDER)) {
        return LDAPD_UNDEF;
    }
    const struct ldapd_values *vals = ldapd_entry_values(e, d);
    struct str_view as = f->prep != NULL ? f->prep->norm : ldapd_match_norm(e->a, d, f->value);
    for (size_t i = 0; i < vals->n; i++) {
        int c = ldapd_view_cmp(ldapd_match_norm(e->a, d, vals->v[i]), as);
        if (f->kind == LDAPD_FILTER_GE ? c >= 0 : c <= 0) {
            return LDAPD_TRUE;
        }
    }
    return LDAPD_FALSE;
}

static enum ldapd_tri ldapd_eval_item(struct ldapd_entry *e, const struct ldapd_filter *f)
{
    if (!f->attr.valid) {
        return LDAPD_UNDEF;
    }
    const struct ldapd_attr_def *d = f->prep ? f->prep->d : ldapd_schema_find(f->attr.type);
    if (d == NULL) {
        return LDAPD_UNDEF; /* RFC 4511 4.5.1.7: unrecognised type */
    }
    if (f->attr.options.len > 0 || (d->flags & LDAPD_AF_NEVER)) {
        /* No tagged values (cn;lang-de) exist here, and unserved attributes have none. */
        return f->kind == LDAPD_FILTER_PRESENT || d->match != LDAPD_M_NONE ? LDAPD_FALSE
                                                                          : LDAPD_UNDEF;
    }
    switch (f->kind) {
    case LDAPD_FILTER_PRESENT:
        return ldapd_entry_values(e, d)->n > 0 ? LDAPD_TRUE : LDAPD_FALSE;
    case LDAPD_FILTER_EQUALITY:
    case LDAPD_FILTER_APPROX: /* approximate = equality, as slapd without soundex */
        return ldapd_match_equal_prep(e, d, f->value, f->prep);
    case LDAPD_FILTER_SUBSTRINGS:
        return ldapd_eval_subs(e, d, f);
    case LDAPD_FILTER_GE:
    case LDAPD_FILTER_LE:
        return ldapd_eval_order(e, d, f);
    default:
        return LDAPD_UNDEF;
    }
}

enum ldapd_tri ldapd_filter_eval(struct ldapd_entry *e, const struct ldapd_filter *f)
{
    switch (f->kind) {
    case LDAPD_FILTER_AND: {
        enum ldapd_tri r = LDAPD_TRUE;
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            enum ldapd_tri x = ldapd_filter_eval(e, c);
            if (x == LDAPD_FALSE) {
                return LDAPD_FALSE;
            }
            if (x == LDAPD_UNDEF) {
                r = LDAPD_UNDEF;
            }
        }
        return r;
    }
    case LDAPD_FILTER_OR: {
        enum ldapd_tri r = LDAPD_FALSE;
        for (const struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            enum ldapd_tri x = ldapd_filter_eval(e, c);
            if (x == LDAPD_TRUE) {
                return LDAPD_TRUE;
            }
            if (x == LDAPD_UNDEF) {
                r = LDAPD_UNDEF;
            }
        }
        return r;
    }
    case LDAPD_FILTER_NOT: {
        if (f->children == NULL) {
            return LDAPD_UNDEF;
        }
        enum ldapd_tri x = ldapd_filter_eval(e, f->children);
        return x == LDAPD_UNDEF ? LDAPD_UNDEF : x == LDAPD_TRUE ? LDAPD_FALSE : LDAPD_TRUE;
    }
    case LDAPD_FILTER_EXTENSIBLE:
        return LDAPD_UNDEF; /* no extensible matching (issue 4 item 2) */
    default:
        return ldapd_eval_item(e, f);
    }
}

/* ------------------------------------------------------------------ preparation */

const struct ldapd_attr_def *ldapd_filter_attr(const struct ldapd_filter *f)
{
    if (!f->attr.valid) {
        return NULL;
    }
    return f->prep != NULL ? f->prep->d : ldapd_schema_find(f->attr.type);
}

static void ldapd_prepare_item(struct arena *a, const struct kith_config *cfg,
        struct ldapd_filter *f)
{
    struct ldapd_filter_prep *p = arena_new_obj(a, struct ldapd_filter_prep);
    p->d = ldapd_schema_find(f->attr.type);
    f->prep = p;
    const struct ldapd_attr_def *d = p->d;
    if (d == NULL || f->attr.options.len > 0 || (d->flags & LDAPD_AF_NEVER)) {
        return; /* decided without values */
    }
    switch (f->kind) {
    case LDAPD_FILTER_EQUALITY:
    case LDAPD_FILTER_APPROX:
        if (d->match == LDAPD_M_PHONE) {
            ldapd_phone_forms(cfg, f->value, p->phone.d, sizeof(p->phone.d), p->phone.e,
                    sizeof(p->phone.e));
        } else if (d->id != LDAPD_A_OBJECTCLASS) {
            p->norm = ldapd_match_norm(a, d, f->value);
        }
        break;
    case LDAPD_FILTER_GE:
    case LDAPD_FILTER_LE:
        p->norm = ldapd_match_norm(a, d, f->value);
        break;
    case LDAPD_FILTER_SUBSTRINGS:
        p->subs_left = ldapd_subs_build(a, f,
                d->match == LDAPD_M_PHONE ? ldapd_sub_digits
                : d->match == LDAPD_M_CE  ? ldapd_sub_exact
                                          : ldapd_sub_fold,
                &p->subs);
        break;
    default:
        break;
    }
}

void ldapd_filter_prepare(struct arena *a, const struct kith_config *cfg, struct ldapd_filter *f)
{
    switch (f->kind) {
    case LDAPD_FILTER_AND:
    case LDAPD_FILTER_OR:
    case LDAPD_FILTER_NOT:
        for (struct ldapd_filter *c = f->children; c != NULL; c = c->next) {
            ldapd_filter_prepare(a, cfg, c); /* depth is bounded by the decoder (64) */
        }
        return;
    case LDAPD_FILTER_EXTENSIBLE:
        return;
    default:
        if (f->attr.valid) {
            ldapd_prepare_item(a, cfg, f);
        }
        return;
    }
}
