/*
 * ldap_controls.c: values of the request controls the directory implements: simple paged
 * results (RFC 2696 2), server-side sort (RFC 2891 1.1) and virtual list view
 * (draft-ietf-ldapext-ldapv3-vlv-09 6.1). Each value is BER in its own right, read with its
 * own BerElement over the value bytes.
 */
#include "protocols/ldap/ldap_codec.h"

#include "protocols/ldap/ldap_codec-internal.h"
#include "src/arena.h"
#include "src/err.h"

enum {
    LDAPD_TAG_SORT_RULE = 0x80,
    LDAPD_TAG_SORT_REVERSE = 0x81,
    LDAPD_TAG_VLV_OFFSET = 0xa0,
    LDAPD_TAG_VLV_GE = 0x81,
};

/* realSearchControlValue ::= SEQUENCE { size INTEGER (0..maxInt), cookie OCTET STRING } */
static int ldapd_read_paged(BerElement *ber, struct ldapd_paged *p)
{
    size_t end;
    if (ldapd_ber_enter(ber, LBER_SEQUENCE, &end) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &p->size) != 0
            || ldapd_ber_octets(ber, LBER_OCTETSTRING, &p->cookie) != 0
            || ldapd_ber_leave(ber, end) != 0 || p->size < 0) {
        return ERR_INVAL;
    }
    return 0;
}

/* SortKeyList ::= SEQUENCE OF SEQUENCE { attributeType, [0] orderingRule OPTIONAL,
   [1] reverseOrder BOOLEAN DEFAULT FALSE } */
static int ldapd_read_sort(struct arena *a, BerElement *ber, const struct ldapd_limits *lim,
        struct ldapd_sort *s)
{
    size_t end, key_end;
    if (ldapd_ber_enter(ber, LBER_SEQUENCE, &end) != 0) {
        return ERR_INVAL;
    }
    s->keys = arena_new_array(a, struct ldapd_sort_key, lim->max_sort_keys);
    while (ldapd_ber_more(ber, end)) {
        if (s->n_keys >= lim->max_sort_keys) {
            return ERR_TOO_LARGE;
        }
        struct ldapd_sort_key *k = &s->keys[s->n_keys++];
        struct str_view desc;
        if (ldapd_ber_enter(ber, LBER_SEQUENCE, &key_end) != 0
                || ldapd_ber_octets(ber, LBER_OCTETSTRING, &desc) != 0) {
            return ERR_INVAL;
        }
        ldapd_attr_desc_parse(desc, &k->attr);
        if (ldapd_ber_more(ber, key_end) && ldapd_ber_peek(ber) == LDAPD_TAG_SORT_RULE
                && ldapd_ber_octets(ber, LDAPD_TAG_SORT_RULE, &k->ordering_rule) != 0) {
            return ERR_INVAL;
        }
        if (ldapd_ber_more(ber, key_end)
                && ldapd_ber_bool(ber, LDAPD_TAG_SORT_REVERSE, &k->reverse) != 0) {
            return ERR_INVAL;
        }
        if (ldapd_ber_leave(ber, key_end) != 0) {
            return ERR_INVAL;
        }
    }
    return s->n_keys > 0 && ldapd_ber_leave(ber, end) == 0 ? 0 : ERR_INVAL;
}

/* VirtualListViewRequest ::= SEQUENCE { beforeCount, afterCount, target CHOICE {
   byOffset [0] SEQUENCE { offset, contentCount }, greaterThanOrEqual [1] AssertionValue },
   contextID OCTET STRING OPTIONAL }, all INTEGERs 0..maxInt */
static int ldapd_read_vlv(BerElement *ber, struct ldapd_vlv *v)
{
    size_t end, off_end;
    if (ldapd_ber_enter(ber, LBER_SEQUENCE, &end) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &v->before_count) != 0
            || ldapd_ber_int(ber, LBER_INTEGER, &v->after_count) != 0) {
        return ERR_INVAL;
    }
    ber_tag_t tag = ldapd_ber_peek(ber);
    if (tag == LDAPD_TAG_VLV_OFFSET) {
        v->by_offset = true;
        if (ldapd_ber_enter(ber, tag, &off_end) != 0
                || ldapd_ber_int(ber, LBER_INTEGER, &v->offset) != 0
                || ldapd_ber_int(ber, LBER_INTEGER, &v->content_count) != 0
                || ldapd_ber_leave(ber, off_end) != 0) {
            return ERR_INVAL;
        }
    } else if (ldapd_ber_octets(ber, LDAPD_TAG_VLV_GE, &v->assertion) != 0) {
        return ERR_INVAL;
    }
    if (ldapd_ber_more(ber, end)) {
        if (ldapd_ber_octets(ber, LBER_OCTETSTRING, &v->context_id) != 0) {
            return ERR_INVAL;
        }
        v->has_context = true;
    }
    if (ldapd_ber_leave(ber, end) != 0 || v->before_count < 0 || v->after_count < 0
            || v->offset < 0 || v->content_count < 0) {
        return ERR_INVAL;
    }
    return 0;
}

static enum ldapd_control_kind ldapd_control_kind_of(struct str_view oid)
{
    if (str_view_eq(oid, STR_VIEW_LIT(LDAPD_OID_PAGED_RESULTS))) {
        return LDAPD_CTRL_PAGED;
    }
    if (str_view_eq(oid, STR_VIEW_LIT(LDAPD_OID_SORT_REQUEST))) {
        return LDAPD_CTRL_SORT;
    }
    if (str_view_eq(oid, STR_VIEW_LIT(LDAPD_OID_VLV_REQUEST))) {
        return LDAPD_CTRL_VLV;
    }
    if (str_view_eq(oid, STR_VIEW_LIT(LDAPD_OID_MANAGE_DSA_IT))) {
        return LDAPD_CTRL_MANAGE_DSA_IT;
    }
    return LDAPD_CTRL_OTHER;
}

static int ldapd_control_parse_value(struct arena *a, struct ldapd_control *c,
        const struct ldapd_limits *lim, struct ldapd_message *m, BerElement *ber)
{
    switch (c->kind) {
    case LDAPD_CTRL_PAGED:
        m->paged = arena_new_obj(a, struct ldapd_paged);
        m->paged->critical = c->critical;
        return ldapd_read_paged(ber, m->paged);
    case LDAPD_CTRL_SORT:
        m->sort = arena_new_obj(a, struct ldapd_sort);
        m->sort->critical = c->critical;
        return ldapd_read_sort(a, ber, lim, m->sort);
    case LDAPD_CTRL_VLV:
        m->vlv = arena_new_obj(a, struct ldapd_vlv);
        m->vlv->critical = c->critical;
        return ldapd_read_vlv(ber, m->vlv);
    case LDAPD_CTRL_MANAGE_DSA_IT:
    case LDAPD_CTRL_OTHER:
        break;
    }
    return 0;
}

int ldapd_control_classify(struct arena *a, struct ldapd_control *c,
        const struct ldapd_limits *lim, struct ldapd_message *m)
{
    c->kind = ldapd_control_kind_of(c->oid);
    bool dup = (c->kind == LDAPD_CTRL_PAGED && m->paged != NULL)
            || (c->kind == LDAPD_CTRL_SORT && m->sort != NULL)
            || (c->kind == LDAPD_CTRL_VLV && m->vlv != NULL);
    if (c->kind == LDAPD_CTRL_OTHER || c->kind == LDAPD_CTRL_MANAGE_DSA_IT) {
        return 0;
    }
    if (dup || !c->has_value) {
        return ERR_INVAL;
    }
    BerElement *ber = ldapd_ber_reader((const uint8_t *)c->value.ptr, c->value.len);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    int rc = ldapd_control_parse_value(a, c, lim, m, ber);
    if (rc == 0 && ldapd_ber_left(ber) != 0) {
        rc = ERR_INVAL;
    }
    ber_free(ber, 0);
    return rc;
}
