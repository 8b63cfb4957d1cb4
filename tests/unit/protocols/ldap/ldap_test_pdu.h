/*
 * ldap_test_pdu.h: build request PDUs the way a libldap client does (ber_printf with the
 * formats of libldap's request builders, ldap_pvt_put_filter for filters), for the LDAP codec
 * tests. Header-only; every test program includes it.
 */
#ifndef KITH_TESTS_LDAP_TEST_PDU_H
#define KITH_TESTS_LDAP_TEST_PDU_H

#include <lber.h>
#include <ldap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libldap's string -> BER filter encoder: exported, but private (not in ldap.h). */
int ldap_pvt_put_filter(BerElement *ber, const char *str);

struct tpdu {
    uint8_t *p;
    size_t len;
};

/* Start "LDAPMessage { messageID" */
static inline BerElement *tpdu_begin(int msgid)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL || ber_printf(ber, "{i", (ber_int_t)msgid) == -1) {
        abort();
    }
    return ber;
}

/* SearchRequest as libldap's ldap_build_search_req writes it. */
static inline void tpdu_search(BerElement *ber, const char *base, int scope, int sizelimit,
        int timelimit, int typesonly, const char *filter, char **attrs)
{
    if (ber_printf(ber, "t{seeiib", (ber_tag_t)LDAP_REQ_SEARCH, base, (ber_int_t)scope,
                (ber_int_t)LDAP_DEREF_NEVER, (ber_int_t)sizelimit, (ber_int_t)timelimit,
                (ber_int_t)typesonly)
            == -1) {
        abort();
    }
    if (ldap_pvt_put_filter(ber, filter) == -1) {
        abort();
    }
    if (ber_printf(ber, "{v}}", attrs) == -1) {
        abort();
    }
}

/* Controls [0] as ldap_int_put_controls writes them; ctrls is NULL-terminated. */
static inline void tpdu_controls(BerElement *ber, LDAPControl **ctrls)
{
    if (ber_printf(ber, "t{", (ber_tag_t)LDAP_TAG_CONTROLS) == -1) {
        abort();
    }
    for (LDAPControl **c = ctrls; *c != NULL; c++) {
        int rc = ber_printf(ber, "{s", (*c)->ldctl_oid);
        if (rc != -1 && (*c)->ldctl_iscritical) {
            rc = ber_printf(ber, "b", (ber_int_t)1);
        }
        if (rc != -1 && (*c)->ldctl_value.bv_val != NULL) {
            rc = ber_printf(ber, "O", &(*c)->ldctl_value);
        }
        if (rc == -1 || ber_printf(ber, "}") == -1) {
            abort();
        }
    }
    if (ber_printf(ber, "}") == -1) {
        abort();
    }
}

/* Close the LDAPMessage and copy its bytes out (free with tpdu_free). */
static inline struct tpdu tpdu_end(BerElement *ber)
{
    struct berval bv;
    if (ber_printf(ber, "}") == -1 || ber_flatten2(ber, &bv, 0) == -1) {
        abort();
    }
    struct tpdu t = { malloc(bv.bv_len + 1), bv.bv_len };
    memcpy(t.p, bv.bv_val, bv.bv_len);
    ber_free(ber, 1);
    return t;
}

/* The bytes of a finished BerElement that is not an LDAPMessage (a bare filter). */
static inline struct tpdu tpdu_take(BerElement *ber)
{
    struct berval bv;
    if (ber_flatten2(ber, &bv, 0) == -1) {
        abort();
    }
    struct tpdu t = { malloc(bv.bv_len + 1), bv.bv_len };
    memcpy(t.p, bv.bv_val, bv.bv_len);
    ber_free(ber, 1);
    return t;
}

/* A bare BER filter from its string form. */
static inline struct tpdu tpdu_filter(const char *str)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL || ldap_pvt_put_filter(ber, str) == -1) {
        abort();
    }
    return tpdu_take(ber);
}

/* A search PDU with only a filter and no controls. */
static inline struct tpdu tpdu_simple_search(int msgid, const char *filter)
{
    BerElement *ber = tpdu_begin(msgid);
    tpdu_search(ber, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0, 0, 0, filter, NULL);
    return tpdu_end(ber);
}

static inline struct tpdu tpdu_bytes(const void *bytes, size_t len)
{
    struct tpdu t = { malloc(len + 1), len };
    memcpy(t.p, bytes, len);
    return t;
}

static inline void tpdu_free(struct tpdu *t)
{
    free(t->p);
    t->p = NULL;
}

#endif
