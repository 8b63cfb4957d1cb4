/*
 * ldap_decode.c: LDAPMessage -> struct ldapd_message (RFC 4511 4.1.1 .. 4.14), with the
 * request controls the view implements (RFC 2696, RFC 2891, VLV draft 09). Every element is
 * tag-checked and every constructed element must be consumed exactly, so trailing bytes
 * anywhere are a protocolError rather than silently ignored.
 */
#include "protocols/ldap/ldap_codec.h"

#include <string.h>

#include "protocols/ldap/ldap_codec-internal.h"
#include "src/arena.h"
#include "src/err.h"

/* protocolOp tags (RFC 4511 4.2 .. 4.12, [APPLICATION n]) and the controls tag (4.1.11). */
enum {
    LDAPD_TAG_BIND = 0x60,
    LDAPD_TAG_UNBIND = 0x42,
    LDAPD_TAG_SEARCH = 0x63,
    LDAPD_TAG_MODIFY = 0x66,
    LDAPD_TAG_ADD = 0x68,
    LDAPD_TAG_DELETE = 0x4a,
    LDAPD_TAG_MODDN = 0x6c,
    LDAPD_TAG_COMPARE = 0x6e,
    LDAPD_TAG_ABANDON = 0x50,
    LDAPD_TAG_EXTENDED = 0x77,
    LDAPD_TAG_CONTROLS = 0xa0,
    LDAPD_TAG_AUTH_SIMPLE = 0x80,
    LDAPD_TAG_AUTH_SASL = 0xa3,
    LDAPD_TAG_EXT_NAME = 0x80,
    LDAPD_TAG_EXT_VALUE = 0x81,
};

struct ldapd_decoder {
    struct arena *a;
    BerElement *ber;
    const struct ldapd_limits *lim;
    struct ldapd_message *m;
};

static int ldapd_fail(struct ldapd_decoder *d, int rc, const char *why)
{
    if (d->m->error == NULL) {
        d->m->error = why;
    }
    return rc;
}

/* Room for element n of an arena array that doubles (the old copy stays in the arena). */
static void *ldapd_grow(struct arena *a, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap) {
        return arr;
    }
    size_t ncap = *cap > 0 ? *cap * 2 : 8;
    void *p = arena_alloc(a, ncap * elem);
    if (n > 0) {
        memcpy(p, arr, n * elem);
    }
    *cap = ncap;
    return p;
}

/* ---- operations ---- */

/* RFC 4511 4.2; RFC 4511 4.2.2 wants protocolError for versions we do not speak. */
static int ldapd_read_bind(struct ldapd_decoder *d)
{
    struct ldapd_bind *b = &d->m->u.bind;
    BerElement *ber = d->ber;
    size_t end, sasl_end;
    if (ldapd_ber_enter(ber, LDAPD_TAG_BIND, &end) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &b->version) != 0
            || ldapd_ber_octets(ber, LBER_OCTETSTRING, &b->name) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad bind request");
    }
    if (b->version != 2 && b->version != 3) {
        return ldapd_fail(d, ERR_INVAL, "unsupported LDAP version");
    }
    ber_tag_t tag = ldapd_ber_peek(ber);
    if (tag == LDAPD_TAG_AUTH_SIMPLE) {
        b->auth = LDAPD_AUTH_SIMPLE;
        if (ldapd_ber_octets(ber, tag, &b->password) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad bind request");
        }
    } else if (tag == LDAPD_TAG_AUTH_SASL) {
        b->auth = LDAPD_AUTH_SASL;
        struct str_view creds;
        if (ldapd_ber_enter(ber, tag, &sasl_end) != 0
                || ldapd_ber_octets(ber, LBER_OCTETSTRING, &b->sasl_mech) != 0
                || (ldapd_ber_more(ber, sasl_end)
                        && ldapd_ber_octets(ber, LBER_OCTETSTRING, &creds) != 0)
                || ldapd_ber_leave(ber, sasl_end) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad SASL credentials");
        }
    } else {
        b->auth = LDAPD_AUTH_UNKNOWN;
        if (!ldapd_ber_more(ber, end) || ldapd_ber_skip(ber) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad bind request");
        }
    }
    if (ldapd_ber_leave(ber, end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad bind request");
    }
    if (b->auth != LDAPD_AUTH_SIMPLE) {
        return ldapd_fail(d, ERR_UNSUPPORTED, "authentication method not supported");
    }
    return 0;
}

static int ldapd_read_attr_list(struct ldapd_decoder *d, struct ldapd_search *s)
{
    size_t end, cap = 0;
    if (ldapd_ber_enter(d->ber, LBER_SEQUENCE, &end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad attribute list");
    }
    while (ldapd_ber_more(d->ber, end)) {
        struct str_view v;
        if (s->n_attrs >= d->lim->max_attrs) {
            return ldapd_fail(d, ERR_TOO_LARGE, "too many attributes requested");
        }
        if (ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &v) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad attribute list");
        }
        s->attrs = ldapd_grow(d->a, s->attrs, s->n_attrs, &cap, sizeof(*s->attrs));
        ldapd_attr_desc_parse(v, &s->attrs[s->n_attrs++]);
    }
    return ldapd_ber_leave(d->ber, end) == 0 ? 0
                                              : ldapd_fail(d, ERR_INVAL, "bad attribute list");
}

/* RFC 4511 4.5.1. */
static int ldapd_read_search(struct ldapd_decoder *d)
{
    struct ldapd_search *s = &d->m->u.search;
    BerElement *ber = d->ber;
    size_t end;
    int32_t scope, deref;
    if (ldapd_ber_enter(ber, LDAPD_TAG_SEARCH, &end) != 0
            || ldapd_ber_octets(ber, LBER_OCTETSTRING, &s->base) != 0
            || ldapd_ber_int(ber, LBER_ENUMERATED, &scope) != 0
            || ldapd_ber_int(ber, LBER_ENUMERATED, &deref) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &s->size_limit) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &s->time_limit) != 0
            || ldapd_ber_bool(ber, LBER_BOOLEAN, &s->types_only) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad search request");
    }
    if (scope < LDAPD_SCOPE_BASE || scope > LDAPD_SCOPE_CHILDREN) {
        return ldapd_fail(d, ERR_INVAL, "bad search scope");
    }
    if (deref < LDAPD_DEREF_NEVER || deref > LDAPD_DEREF_ALWAYS) {
        return ldapd_fail(d, ERR_INVAL, "bad derefAliases");
    }
    if (s->size_limit < 0 || s->time_limit < 0) {
        return ldapd_fail(d, ERR_INVAL, "negative search limit");
    }
    s->scope = (enum ldapd_scope)scope;
    s->deref = (enum ldapd_deref)deref;
    const char *why = NULL;
    int rc = ldapd_filter_decode(d->a, ber, d->lim, &s->filter, &why);
    if (rc != 0) {
        return ldapd_fail(d, rc, why != NULL ? why : "bad filter");
    }
    rc = ldapd_read_attr_list(d, s);
    if (rc != 0) {
        return rc;
    }
    return ldapd_ber_leave(ber, end) == 0 ? 0 : ldapd_fail(d, ERR_INVAL, "bad search request");
}

/* RFC 4511 4.10. */
static int ldapd_read_compare(struct ldapd_decoder *d)
{
    struct ldapd_compare *c = &d->m->u.compare;
    size_t end, ava_end;
    struct str_view desc;
    if (ldapd_ber_enter(d->ber, LDAPD_TAG_COMPARE, &end) != 0
            || ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &c->dn) != 0
            || ldapd_ber_enter(d->ber, LBER_SEQUENCE, &ava_end) != 0
            || ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &desc) != 0
            || ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &c->value) != 0
            || ldapd_ber_leave(d->ber, ava_end) != 0 || ldapd_ber_leave(d->ber, end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad compare request");
    }
    ldapd_attr_desc_parse(desc, &c->attr);
    return 0;
}

/* RFC 4511 4.12. */
static int ldapd_read_extended(struct ldapd_decoder *d)
{
    struct ldapd_extended *x = &d->m->u.extended;
    size_t end;
    if (ldapd_ber_enter(d->ber, LDAPD_TAG_EXTENDED, &end) != 0
            || ldapd_ber_octets(d->ber, LDAPD_TAG_EXT_NAME, &x->oid) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad extended request");
    }
    if (ldapd_ber_more(d->ber, end)) {
        if (ldapd_ber_octets(d->ber, LDAPD_TAG_EXT_VALUE, &x->value) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad extended request");
        }
        x->has_value = true;
    }
    if (ldapd_ber_leave(d->ber, end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad extended request");
    }
    if (str_view_eq(x->oid, STR_VIEW_LIT(LDAPD_OID_STARTTLS))) {
        x->kind = LDAPD_EXT_STARTTLS;
    } else if (str_view_eq(x->oid, STR_VIEW_LIT(LDAPD_OID_WHOAMI))) {
        x->kind = LDAPD_EXT_WHOAMI;
    }
    return 0;
}

static int ldapd_read_op(struct ldapd_decoder *d)
{
    struct ldapd_message *m = d->m;
    size_t end;
    switch (ldapd_ber_peek(d->ber)) {
    case LDAPD_TAG_BIND:
        m->op = LDAPD_OP_BIND;
        return ldapd_read_bind(d);
    case LDAPD_TAG_UNBIND: /* [APPLICATION 2] NULL: no content */
        m->op = LDAPD_OP_UNBIND;
        if (ldapd_ber_enter(d->ber, LDAPD_TAG_UNBIND, &end) != 0
                || ldapd_ber_leave(d->ber, end) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad unbind request");
        }
        return 0;
    case LDAPD_TAG_SEARCH:
        m->op = LDAPD_OP_SEARCH;
        return ldapd_read_search(d);
    case LDAPD_TAG_COMPARE:
        m->op = LDAPD_OP_COMPARE;
        return ldapd_read_compare(d);
    case LDAPD_TAG_ABANDON:
        m->op = LDAPD_OP_ABANDON;
        if (ldapd_ber_int(d->ber, LDAPD_TAG_ABANDON, &m->u.abandon_id) != 0
                || m->u.abandon_id < 0) {
            return ldapd_fail(d, ERR_INVAL, "bad abandon request");
        }
        return 0;
    case LDAPD_TAG_EXTENDED:
        m->op = LDAPD_OP_EXTENDED;
        return ldapd_read_extended(d);
    case LDAPD_TAG_MODIFY:
        m->op = LDAPD_OP_MODIFY;
        break;
    case LDAPD_TAG_ADD:
        m->op = LDAPD_OP_ADD;
        break;
    case LDAPD_TAG_DELETE:
        m->op = LDAPD_OP_DELETE;
        break;
    case LDAPD_TAG_MODDN:
        m->op = LDAPD_OP_MODDN;
        break;
    default:
        return ldapd_fail(d, ERR_INVAL, "unknown operation");
    }
    /* Updates are refused as a whole (read-only view), so their contents are not read. */
    return ldapd_ber_skip(d->ber) == 0 ? 0 : ldapd_fail(d, ERR_INVAL, "bad update request");
}

/* ---- controls (RFC 4511 4.1.11) ---- */

static int ldapd_read_control(struct ldapd_decoder *d, struct ldapd_control *c)
{
    size_t end;
    if (ldapd_ber_enter(d->ber, LBER_SEQUENCE, &end) != 0
            || ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &c->oid) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad control");
    }
    if (ldapd_ber_more(d->ber, end) && ldapd_ber_peek(d->ber) == LBER_BOOLEAN
            && ldapd_ber_bool(d->ber, LBER_BOOLEAN, &c->critical) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad control criticality");
    }
    if (ldapd_ber_more(d->ber, end)) {
        if (ldapd_ber_octets(d->ber, LBER_OCTETSTRING, &c->value) != 0) {
            return ldapd_fail(d, ERR_INVAL, "bad control value");
        }
        c->has_value = true;
    }
    if (ldapd_ber_leave(d->ber, end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad control");
    }
    int rc = ldapd_control_classify(d->a, c, d->lim, d->m);
    return rc == 0 ? 0 : ldapd_fail(d, rc, "bad control value");
}

static int ldapd_read_controls(struct ldapd_decoder *d)
{
    struct ldapd_message *m = d->m;
    size_t end, cap = 0;
    if (ldapd_ber_enter(d->ber, LDAPD_TAG_CONTROLS, &end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bytes after the operation");
    }
    while (ldapd_ber_more(d->ber, end)) {
        if (m->n_controls >= d->lim->max_controls) {
            return ldapd_fail(d, ERR_TOO_LARGE, "too many controls");
        }
        m->controls = ldapd_grow(d->a, m->controls, m->n_controls, &cap, sizeof(*m->controls));
        struct ldapd_control *c = &m->controls[m->n_controls++];
        memset(c, 0, sizeof(*c));
        int rc = ldapd_read_control(d, c);
        if (rc != 0) {
            return rc;
        }
    }
    return ldapd_ber_leave(d->ber, end) == 0 ? 0 : ldapd_fail(d, ERR_INVAL, "bad controls");
}

/* ---- the message ---- */

static int ldapd_read_message(struct ldapd_decoder *d)
{
    size_t end;
    int32_t id;
    if (ldapd_ber_enter(d->ber, LBER_SEQUENCE, &end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "not an LDAPMessage");
    }
    if (end != 0) {
        return ldapd_fail(d, ERR_INVAL, "bytes after the LDAPMessage");
    }
    if (ldapd_ber_int(d->ber, LBER_INTEGER, &id) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bad message id");
    }
    /* RFC 4511 4.1.1.1: 0 is for unsolicited notifications, requests use 1 .. 2^31-1. */
    if (id <= 0) {
        return ldapd_fail(d, ERR_INVAL, "message id out of range");
    }
    d->m->msgid = id;
    int op_rc = ldapd_read_op(d);
    if (op_rc != 0 && op_rc != ERR_UNSUPPORTED) {
        return op_rc;
    }
    if (ldapd_ber_more(d->ber, end)) {
        int rc = ldapd_read_controls(d);
        if (rc != 0) {
            return rc;
        }
    }
    if (ldapd_ber_leave(d->ber, end) != 0) {
        return ldapd_fail(d, ERR_INVAL, "bytes after the LDAPMessage");
    }
    return op_rc;
}

int ldapd_message_decode(struct arena *a, const uint8_t *pdu, size_t len,
        const struct ldapd_limits *lim, struct ldapd_message **msg_out)
{
    struct ldapd_message *m = arena_new_obj(a, struct ldapd_message);
    *msg_out = m;
    struct ldapd_decoder d = { .a = a, .lim = lim, .m = m };
    d.ber = ldapd_ber_reader(pdu, len);
    if (d.ber == NULL) {
        return ldapd_fail(&d, ERR_NOMEM, "out of memory");
    }
    int rc = ldapd_read_message(&d);
    ber_free(d.ber, 0);
    if (rc == 0) {
        m->error = NULL;
    }
    return rc;
}

const struct ldapd_control *ldapd_message_unknown_critical(const struct ldapd_message *m)
{
    for (size_t i = 0; i < m->n_controls; i++) {
        if (m->controls[i].kind == LDAPD_CTRL_OTHER && m->controls[i].critical) {
            return &m->controls[i];
        }
    }
    return NULL;
}

int ldapd_result_for_error(int err, enum ldapd_op op)
{
    if (err == ERR_UNSUPPORTED && op == LDAPD_OP_BIND) {
        return LDAPD_AUTH_METHOD_NOT_SUPPORTED;
    }
    if (err == ERR_NOMEM) {
        return LDAPD_OTHER;
    }
    return LDAPD_PROTOCOL_ERROR;
}

int ldapd_response_tag_for(enum ldapd_op op)
{
    switch (op) {
    case LDAPD_OP_BIND:
        return LDAPD_RES_BIND;
    case LDAPD_OP_SEARCH:
        return LDAPD_RES_SEARCH_DONE;
    case LDAPD_OP_MODIFY:
        return LDAPD_RES_MODIFY;
    case LDAPD_OP_ADD:
        return LDAPD_RES_ADD;
    case LDAPD_OP_DELETE:
        return LDAPD_RES_DELETE;
    case LDAPD_OP_MODDN:
        return LDAPD_RES_MODDN;
    case LDAPD_OP_COMPARE:
        return LDAPD_RES_COMPARE;
    case LDAPD_OP_EXTENDED:
        return LDAPD_RES_EXTENDED;
    case LDAPD_OP_NONE:
    case LDAPD_OP_UNBIND:
    case LDAPD_OP_ABANDON:
        break;
    }
    return 0;
}
