/* Tests for protocols/ldap/ldap_decode.c: whole LDAPMessages as clients send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_test_pdu.h"
#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"
#include "src/err.h"

static struct arena *g_arena;
static struct tpdu g_pdu;

static int setup(void **state)
{
    g_arena = arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    tpdu_free(&g_pdu);
    arena_free(&g_arena);
    return 0;
}

/* Decode g_pdu (which the message's views point into; freed by teardown). */
static int decode(struct tpdu t, struct ldapd_message **m)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    tpdu_free(&g_pdu);
    g_pdu = t;
    return ldapd_message_decode(g_arena, g_pdu.p, g_pdu.len, &lim, m);
}

static void assert_view(struct str_view v, const char *s)
{
    assert_non_null(v.ptr);
    assert_int_equal(v.len, strlen(s));
    assert_memory_equal(v.ptr, s, v.len);
}

static void filter_string(const struct ldapd_filter *f, const char *expect)
{
    struct strbuf sb;
    strbuf_init(&sb, g_arena, 64);
    ldapd_filter_to_string(f, &sb);
    assert_string_equal(sb.ptr, expect);
}

static struct tpdu bind_pdu(int msgid, int version, const char *dn, const char *pw)
{
    BerElement *ber = tpdu_begin(msgid);
    ber_printf(ber, "t{ists}", (ber_tag_t)LDAP_REQ_BIND, (ber_int_t)version, dn,
            (ber_tag_t)LDAP_AUTH_SIMPLE, pw);
    return tpdu_end(ber);
}

static void test_decode_simple_bind_v3_and_v2(void **state)
{
    struct ldapd_message *m;
    assert_int_equal(decode(bind_pdu(1, 3, "uid=alice,ou=Users,dc=example,dc=com", "s3cret"), &m),
            0);
    assert_int_equal(m->msgid, 1);
    assert_int_equal(m->op, LDAPD_OP_BIND);
    assert_int_equal(m->u.bind.version, 3);
    assert_int_equal(m->u.bind.auth, LDAPD_AUTH_SIMPLE);
    assert_view(m->u.bind.name, "uid=alice,ou=Users,dc=example,dc=com");
    assert_view(m->u.bind.password, "s3cret");
    assert_null(m->error);
    /* Yealink and Grandstream may bind with version 2. */
    assert_int_equal(decode(bind_pdu(7, 2, "", ""), &m), 0);
    assert_int_equal(m->u.bind.version, 2);
    assert_int_equal(m->u.bind.name.len, 0);
}

static void test_decode_bind_with_unknown_version_is_protocol_error_with_msgid(void **state)
{
    struct ldapd_message *m;
    int rc = decode(bind_pdu(42, 4, "", ""), &m);
    assert_int_equal(rc, ERR_INVAL);
    assert_int_equal(m->msgid, 42);
    assert_int_equal(m->op, LDAPD_OP_BIND);
    assert_int_equal(ldapd_result_for_error(rc, m->op), LDAPD_PROTOCOL_ERROR);
    assert_non_null(m->error);
}

static void test_decode_sasl_bind_is_unsupported_auth_method(void **state)
{
    BerElement *ber = tpdu_begin(2);
    ber_printf(ber, "t{ist{s}}", (ber_tag_t)LDAP_REQ_BIND, (ber_int_t)3, "",
            (ber_tag_t)LDAP_AUTH_SASL, "GSSAPI");
    struct ldapd_message *m;
    int rc = decode(tpdu_end(ber), &m);
    assert_int_equal(rc, ERR_UNSUPPORTED);
    assert_int_equal(m->msgid, 2);
    assert_int_equal(m->u.bind.auth, LDAPD_AUTH_SASL);
    assert_view(m->u.bind.sasl_mech, "GSSAPI");
    assert_int_equal(ldapd_result_for_error(rc, m->op), LDAPD_AUTH_METHOD_NOT_SUPPORTED);
}

static void test_decode_thunderbird_autocomplete_search(void **state)
{
    char *attrs[] = { "cn", "givenName", "sn", "mail", "mozillaSecondEmail", "telephoneNumber",
        NULL };
    BerElement *ber = tpdu_begin(5);
    tpdu_search(ber, "ou=People,dc=example,dc=com", LDAP_SCOPE_SUBTREE, 100, 0, 0,
            "(|(cn=*jo*)(mail=*jo*)(sn=*jo*)(givenName=*jo*))", attrs);
    struct ldapd_message *m;
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_SEARCH);
    const struct ldapd_search *s = &m->u.search;
    assert_view(s->base, "ou=People,dc=example,dc=com");
    assert_int_equal(s->scope, LDAPD_SCOPE_SUB);
    assert_int_equal(s->deref, LDAPD_DEREF_NEVER);
    assert_int_equal(s->size_limit, 100);
    assert_int_equal(s->time_limit, 0);
    assert_false(s->types_only);
    assert_int_equal(s->n_attrs, 6);
    assert_view(s->attrs[4].desc, "mozillaSecondEmail");
    assert_true(s->attrs[5].valid);
    filter_string(s->filter, "(|(cn=*jo*)(mail=*jo*)(sn=*jo*)(givenName=*jo*))");
    assert_int_equal(m->n_controls, 0);
    assert_null(m->paged);
}

static void test_decode_outlook_and_yealink_searches(void **state)
{
    struct ldapd_message *m;
    const char *outlook = "(&(mail=*)(|(mail=jo*)(cn=jo*)(sn=jo*)(givenName=jo*)))";
    assert_int_equal(decode(tpdu_simple_search(9, outlook), &m), 0);
    filter_string(m->u.search.filter, outlook);
    const char *yealink = "(|(telephoneNumber=0309117*)(mobile=0309117*)(ipPhone=0309117*))";
    assert_int_equal(decode(tpdu_simple_search(10, yealink), &m), 0);
    filter_string(m->u.search.filter, yealink);
    assert_int_equal(m->u.search.n_attrs, 0);
}

static void test_decode_root_dse_read_with_star_plus_and_types_only(void **state)
{
    char *attrs[] = { "*", "+", "1.1", NULL };
    BerElement *ber = tpdu_begin(1);
    tpdu_search(ber, "", LDAP_SCOPE_BASE, 0, 30, 1, "(objectClass=*)", attrs);
    struct ldapd_message *m;
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->u.search.base.len, 0);
    assert_int_equal(m->u.search.scope, LDAPD_SCOPE_BASE);
    assert_int_equal(m->u.search.time_limit, 30);
    assert_true(m->u.search.types_only);
    assert_int_equal(m->u.search.n_attrs, 3);
    assert_view(m->u.search.attrs[0].desc, "*");
    assert_false(m->u.search.attrs[0].valid);
    assert_view(m->u.search.attrs[2].desc, "1.1");
}

static void test_decode_unbind_abandon_compare_extended(void **state)
{
    struct ldapd_message *m;
    const uint8_t unbind[] = { 0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00 };
    assert_int_equal(decode(tpdu_bytes(unbind, sizeof(unbind)), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_UNBIND);
    assert_int_equal(ldapd_response_tag_for(m->op), 0);

    BerElement *ber = tpdu_begin(4);
    ber_printf(ber, "ti", (ber_tag_t)LDAP_REQ_ABANDON, (ber_int_t)3);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_ABANDON);
    assert_int_equal(m->u.abandon_id, 3);

    ber = tpdu_begin(5);
    ber_printf(ber, "t{s{ss}}", (ber_tag_t)LDAP_REQ_COMPARE, "uid=1,ou=People,dc=example,dc=com",
            "sn", "M\xc3\xbcller");
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_COMPARE);
    assert_view(m->u.compare.dn, "uid=1,ou=People,dc=example,dc=com");
    assert_true(ldapd_attr_type_is(&m->u.compare.attr, "SN"));
    assert_view(m->u.compare.value, "M\xc3\xbcller");
    assert_int_equal(ldapd_response_tag_for(m->op), LDAPD_RES_COMPARE);

    ber = tpdu_begin(6);
    ber_printf(ber, "t{ts}", (ber_tag_t)LDAP_REQ_EXTENDED, (ber_tag_t)LDAP_TAG_EXOP_REQ_OID,
            LDAP_EXOP_START_TLS);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->u.extended.kind, LDAPD_EXT_STARTTLS);
    assert_false(m->u.extended.has_value);

    ber = tpdu_begin(7);
    ber_printf(ber, "t{tsts}", (ber_tag_t)LDAP_REQ_EXTENDED, (ber_tag_t)LDAP_TAG_EXOP_REQ_OID,
            "1.3.6.1.4.1.4203.1.11.1", (ber_tag_t)LDAP_TAG_EXOP_REQ_VALUE, "x");
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->u.extended.kind, LDAPD_EXT_OTHER);
    assert_true(m->u.extended.has_value);
    assert_view(m->u.extended.value, "x");

    ber = tpdu_begin(8);
    ber_printf(ber, "t{ts}", (ber_tag_t)LDAP_REQ_EXTENDED, (ber_tag_t)LDAP_TAG_EXOP_REQ_OID,
            LDAP_EXOP_WHO_AM_I);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->u.extended.kind, LDAPD_EXT_WHOAMI);
}

static void test_decode_updates_are_recognised_by_tag_only(void **state)
{
    struct ldapd_message *m;
    BerElement *ber = tpdu_begin(3);
    ber_printf(ber, "ts", (ber_tag_t)LDAP_REQ_DELETE, "uid=1,dc=example,dc=com");
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_DELETE);
    assert_int_equal(ldapd_response_tag_for(m->op), LDAPD_RES_DELETE);

    ber = tpdu_begin(4);
    ber_printf(ber, "t{s{{s[s]}}}", (ber_tag_t)LDAP_REQ_ADD, "cn=x,dc=example,dc=com", "cn", "x");
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_ADD);

    ber = tpdu_begin(5);
    ber_printf(ber, "t{s{{e{s[s]}}}}", (ber_tag_t)LDAP_REQ_MODIFY, "cn=x,dc=example,dc=com",
            (ber_int_t)LDAP_MOD_REPLACE, "sn", "y");
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_MODIFY);

    ber = tpdu_begin(6);
    ber_printf(ber, "t{ssb}", (ber_tag_t)LDAP_REQ_MODDN, "cn=x,dc=example,dc=com", "cn=y",
            (ber_int_t)1);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->op, LDAPD_OP_MODDN);
}

static void test_decode_unknown_critical_control_is_reported(void **state)
{
    struct berval v = { 1, "x" };
    LDAPControl sync = { "1.3.6.1.4.1.4203.1.9.1.1", v, 1 };
    LDAPControl manage = { LDAPD_OID_MANAGE_DSA_IT, { 0, NULL }, 1 };
    LDAPControl lax = { "1.2.3.4", { 0, NULL }, 0 };
    LDAPControl *with_unknown[] = { &manage, &lax, &sync, NULL };
    LDAPControl *known_only[] = { &manage, &lax, NULL };
    struct ldapd_message *m;

    BerElement *ber = tpdu_begin(11);
    tpdu_search(ber, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0, 0, 0, "(cn=x)", NULL);
    tpdu_controls(ber, with_unknown);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->n_controls, 3);
    assert_int_equal(m->controls[0].kind, LDAPD_CTRL_MANAGE_DSA_IT);
    assert_true(m->controls[0].critical);
    assert_false(m->controls[1].critical);
    assert_true(m->controls[2].has_value);
    const struct ldapd_control *c = ldapd_message_unknown_critical(m);
    assert_non_null(c);
    assert_view(c->oid, "1.3.6.1.4.1.4203.1.9.1.1");

    ber = tpdu_begin(12);
    tpdu_search(ber, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0, 0, 0, "(cn=x)", NULL);
    tpdu_controls(ber, known_only);
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_null(ldapd_message_unknown_critical(m));
}

static void test_decode_every_truncation_fails_cleanly(void **state)
{
    char *attrs[] = { "cn", "mail", NULL };
    BerElement *ber = tpdu_begin(77);
    tpdu_search(ber, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 10, 0, 0,
            "(&(mail=*)(|(mail=jo*)(cn=*o*n)))", attrs);
    struct tpdu full = tpdu_end(ber);
    for (size_t n = 0; n < full.len; n++) {
        struct ldapd_message *m;
        /* A fresh copy of exactly n bytes, so ASan sees any read past the end. */
        assert_int_not_equal(decode(tpdu_bytes(full.p, n), &m), 0);
    }
    tpdu_free(&full);
}

static void test_decode_rejects_indefinite_length_and_2_31_length(void **state)
{
    struct ldapd_message *m;
    const uint8_t indefinite[] = { 0x30, 0x80, 0x02, 0x01, 0x03, 0x42, 0x00, 0x00, 0x00 };
    assert_int_equal(decode(tpdu_bytes(indefinite, sizeof(indefinite)), &m), ERR_INVAL);
    assert_int_equal(m->msgid, 0);
    assert_int_equal(m->op, LDAPD_OP_NONE);
    const uint8_t huge[] = { 0x30, 0x84, 0x80, 0x00, 0x00, 0x00, 0x02, 0x01, 0x03, 0x42, 0x00 };
    assert_int_equal(decode(tpdu_bytes(huge, sizeof(huge)), &m), ERR_INVAL);
    /* An inner element claiming 2^31 bytes. */
    const uint8_t inner[] = { 0x30, 0x0a, 0x02, 0x01, 0x03, 0x63, 0x84, 0x80, 0x00, 0x00, 0x00,
        0x00 };
    assert_int_equal(decode(tpdu_bytes(inner, sizeof(inner)), &m), ERR_INVAL);
    assert_int_equal(m->msgid, 3);
}

static void test_decode_message_id_must_be_positive(void **state)
{
    struct ldapd_message *m;
    const uint8_t zero[] = { 0x30, 0x05, 0x02, 0x01, 0x00, 0x42, 0x00 };
    const uint8_t negative[] = { 0x30, 0x05, 0x02, 0x01, 0xff, 0x42, 0x00 };
    const uint8_t five_bytes[] = { 0x30, 0x09, 0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00, 0x42,
        0x00 };
    const uint8_t max[] = { 0x30, 0x08, 0x02, 0x04, 0x7f, 0xff, 0xff, 0xff, 0x42, 0x00 };
    assert_int_equal(decode(tpdu_bytes(zero, sizeof(zero)), &m), ERR_INVAL);
    assert_int_equal(m->msgid, 0);
    assert_string_equal(m->error, "message id out of range");
    assert_int_equal(decode(tpdu_bytes(negative, sizeof(negative)), &m), ERR_INVAL);
    assert_int_equal(decode(tpdu_bytes(five_bytes, sizeof(five_bytes)), &m), ERR_INVAL);
    assert_int_equal(decode(tpdu_bytes(max, sizeof(max)), &m), 0);
    assert_int_equal(m->msgid, INT32_MAX);
}

static void test_decode_bad_scope_deref_and_limits_keep_msgid(void **state)
{
    int cases[][4] = { /* scope, size, time, expect ok */
        { 3, 0, 0, 1 }, { 4, 0, 0, 0 }, { -1, 0, 0, 0 }, { 2, -1, 0, 0 }, { 2, 0, -5, 0 } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        BerElement *ber = tpdu_begin(21);
        tpdu_search(ber, "", cases[i][0], cases[i][1], cases[i][2], 0, "(cn=*)", NULL);
        struct ldapd_message *m;
        int rc = decode(tpdu_end(ber), &m);
        assert_int_equal(rc, cases[i][3] ? 0 : ERR_INVAL);
        assert_int_equal(m->msgid, 21);
        assert_int_equal(m->op, LDAPD_OP_SEARCH);
    }
    /* derefAliases 4 by hand */
    BerElement *ber = tpdu_begin(22);
    ber_printf(ber, "t{seeiib", (ber_tag_t)LDAP_REQ_SEARCH, "", (ber_int_t)0, (ber_int_t)4,
            (ber_int_t)0, (ber_int_t)0, (ber_int_t)0);
    ldap_pvt_put_filter(ber, "(cn=*)");
    ber_printf(ber, "{}}");
    struct ldapd_message *m;
    assert_int_equal(decode(tpdu_end(ber), &m), ERR_INVAL);
    assert_string_equal(m->error, "bad derefAliases");
}

static void test_decode_filter_10000_deep_is_too_large_not_a_crash(void **state)
{
    size_t n = 10000, cap = n * 4 + 64, pos = cap;
    uint8_t *b = malloc(cap);
    const uint8_t leaf[] = { 0x87, 0x02, 'c', 'n' };
    pos -= sizeof(leaf);
    memcpy(b + pos, leaf, sizeof(leaf));
    for (size_t i = 0; i < n; i++) {
        size_t body = cap - pos;
        pos -= 4;
        b[pos] = 0xa2;
        b[pos + 1] = 0x82;
        b[pos + 2] = (uint8_t)(body >> 8);
        b[pos + 3] = (uint8_t)body;
    }
    /* liblber cannot splice raw bytes, so the envelope is written by hand:
       30 84 <len> 02 01 1f 63 84 <len> <base scope deref size time typesOnly> filter 30 00 */
    const uint8_t head[] = { 0x04, 0x00, 0x0a, 0x01, 0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00,
        0x02, 0x01, 0x00, 0x01, 0x01, 0x00 };
    size_t flen = cap - pos, op_len = sizeof(head) + flen + 2, msg_len = 3 + 6 + op_len;
    uint8_t *pdu = malloc(6 + msg_len), *p = pdu;
    *p++ = 0x30;
    *p++ = 0x84;
    for (int sh = 24; sh >= 0; sh -= 8) {
        *p++ = (uint8_t)(msg_len >> sh);
    }
    *p++ = 0x02;
    *p++ = 0x01;
    *p++ = 31;
    *p++ = 0x63;
    *p++ = 0x84;
    for (int sh = 24; sh >= 0; sh -= 8) {
        *p++ = (uint8_t)(op_len >> sh);
    }
    memcpy(p, head, sizeof(head));
    p += sizeof(head);
    memcpy(p, b + pos, flen);
    p += flen;
    *p++ = 0x30;
    *p++ = 0x00;
    free(b);
    struct tpdu t = { pdu, (size_t)(p - pdu) };
    struct ldapd_message *m;
    int rc = decode(t, &m);
    assert_int_equal(rc, ERR_TOO_LARGE);
    assert_int_equal(m->msgid, 31);
    assert_string_equal(m->error, "filter nested too deeply");
    assert_int_equal(ldapd_result_for_error(rc, m->op), LDAPD_PROTOCOL_ERROR);
}

static void test_decode_garbage_after_the_message_is_protocol_error(void **state)
{
    struct ldapd_message *m;
    /* Garbage inside the LDAPMessage SEQUENCE, after the unbind. */
    const uint8_t inside[] = { 0x30, 0x08, 0x02, 0x01, 0x03, 0x42, 0x00, 0x04, 0x01, 'x' };
    /* Garbage inside the frame but after the SEQUENCE. */
    const uint8_t after[] = { 0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00, 0xde, 0xad };
    /* Garbage inside a search, after the attribute list. */
    const uint8_t search[] = { 0x30, 0x1f, 0x02, 0x01, 0x05, 0x63, 0x1a, 0x04, 0x00, 0x0a, 0x01,
        0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00, 0x87, 0x02,
        'c', 'n', 0x30, 0x00, 0x04, 0x01, 'x' };
    assert_int_equal(decode(tpdu_bytes(inside, sizeof(inside)), &m), ERR_INVAL);
    assert_int_equal(m->msgid, 3);
    assert_int_equal(decode(tpdu_bytes(after, sizeof(after)), &m), ERR_INVAL);
    assert_int_equal(decode(tpdu_bytes(search, sizeof(search)), &m), ERR_INVAL);
    assert_int_equal(m->op, LDAPD_OP_SEARCH);
    assert_int_equal(decode(tpdu_bytes(search, sizeof(search) - 3), &m), ERR_INVAL);
    /* Without the garbage and with fixed lengths it decodes. */
    uint8_t fixed[sizeof(search) - 3];
    memcpy(fixed, search, sizeof(fixed));
    fixed[1] = 0x1c;
    fixed[6] = 0x17;
    assert_int_equal(decode(tpdu_bytes(fixed, sizeof(fixed)), &m), 0);
}

static void test_decode_unknown_operation_and_responses_are_refused(void **state)
{
    struct ldapd_message *m;
    const uint8_t response[] = { 0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00,
        0x04, 0x00, 0x04, 0x00 };
    const uint8_t unbind_content[] = { 0x30, 0x06, 0x02, 0x01, 0x03, 0x42, 0x01, 0x00 };
    assert_int_equal(decode(tpdu_bytes(response, sizeof(response)), &m), ERR_INVAL);
    assert_int_equal(m->msgid, 1);
    assert_int_equal(m->op, LDAPD_OP_NONE);
    assert_int_equal(decode(tpdu_bytes(unbind_content, sizeof(unbind_content)), &m), ERR_INVAL);
}

static void test_decode_too_many_attributes_is_too_large(void **state)
{
    static char names[300][8];
    char *attrs[301];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof(names[i]), "a%d", i);
        attrs[i] = names[i];
    }
    attrs[256] = NULL;
    BerElement *ber = tpdu_begin(1);
    tpdu_search(ber, "", 2, 0, 0, 0, "(cn=*)", attrs);
    struct ldapd_message *m;
    assert_int_equal(decode(tpdu_end(ber), &m), 0);
    assert_int_equal(m->u.search.n_attrs, 256);
    assert_view(m->u.search.attrs[255].desc, "a255");
    attrs[256] = names[256];
    attrs[257] = NULL;
    ber = tpdu_begin(1);
    tpdu_search(ber, "", 2, 0, 0, 0, "(cn=*)", attrs);
    assert_int_equal(decode(tpdu_end(ber), &m), ERR_TOO_LARGE);
}

static void test_decode_views_point_into_an_unmodified_pdu(void **state)
{
    struct tpdu t = bind_pdu(1, 3, "cn=a", "pw");
    struct tpdu copy = tpdu_bytes(t.p, t.len);
    struct ldapd_message *m;
    assert_int_equal(decode(t, &m), 0);
    assert_memory_equal(g_pdu.p, copy.p, copy.len);
    assert_true((const uint8_t *)m->u.bind.name.ptr > g_pdu.p);
    assert_true((const uint8_t *)m->u.bind.password.ptr < g_pdu.p + g_pdu.len);
    tpdu_free(&copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_simple_bind_v3_and_v2),
        cmocka_unit_test(test_decode_bind_with_unknown_version_is_protocol_error_with_msgid),
        cmocka_unit_test(test_decode_sasl_bind_is_unsupported_auth_method),
        cmocka_unit_test(test_decode_thunderbird_autocomplete_search),
        cmocka_unit_test(test_decode_outlook_and_yealink_searches),
        cmocka_unit_test(test_decode_root_dse_read_with_star_plus_and_types_only),
        cmocka_unit_test(test_decode_unbind_abandon_compare_extended),
        cmocka_unit_test(test_decode_updates_are_recognised_by_tag_only),
        cmocka_unit_test(test_decode_unknown_critical_control_is_reported),
        cmocka_unit_test(test_decode_every_truncation_fails_cleanly),
        cmocka_unit_test(test_decode_rejects_indefinite_length_and_2_31_length),
        cmocka_unit_test(test_decode_message_id_must_be_positive),
        cmocka_unit_test(test_decode_bad_scope_deref_and_limits_keep_msgid),
        cmocka_unit_test(test_decode_filter_10000_deep_is_too_large_not_a_crash),
        cmocka_unit_test(test_decode_garbage_after_the_message_is_protocol_error),
        cmocka_unit_test(test_decode_unknown_operation_and_responses_are_refused),
        cmocka_unit_test(test_decode_too_many_attributes_is_too_large),
        cmocka_unit_test(test_decode_views_point_into_an_unmodified_pdu),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
