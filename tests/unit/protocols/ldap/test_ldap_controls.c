/* Tests for protocols/ldap/ldap_controls.c: paged, sort and VLV request values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_test_pdu.h"
#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"
#include "src/err.h"

static struct arena *g_arena;
static LDAP *g_ld; /* never connected: libldap's control encoders only need a handle */
static struct tpdu g_pdu;

static int setup(void **state)
{
    g_arena = arena_new(0);
    return ldap_initialize(&g_ld, "ldap://127.0.0.1:1") == LDAP_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    tpdu_free(&g_pdu);
    ldap_unbind_ext_s(g_ld, NULL, NULL);
    arena_free(&g_arena);
    return 0;
}

static void assert_view(struct str_view v, const char *s, size_t len)
{
    assert_non_null(v.ptr);
    assert_int_equal(v.len, len);
    assert_memory_equal(v.ptr, s, len);
}

/* A search for (cn=*) carrying ctrls (NULL-terminated), decoded. */
static int decode_with(LDAPControl **ctrls, struct ldapd_message **m)
{
    BerElement *ber = tpdu_begin(3);
    tpdu_search(ber, "ou=People,dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0, 0, 0,
            "(objectClass=person)", NULL);
    tpdu_controls(ber, ctrls);
    tpdu_free(&g_pdu);
    g_pdu = tpdu_end(ber);
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    return ldapd_message_decode(g_arena, g_pdu.p, g_pdu.len, &lim, m);
}

static void test_paged_search_with_cookie_as_evolution_sends_it(void **state)
{
    struct berval cookie = { 7, "ab\0cdef" };
    LDAPControl c = { LDAPD_OID_PAGED_RESULTS, { 0, NULL }, 0 };
    assert_int_equal(ldap_create_page_control_value(g_ld, 1000, &cookie, &c.ldctl_value), 0);
    LDAPControl *ctrls[] = { &c, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(ctrls, &m), 0);
    ber_memfree(c.ldctl_value.bv_val);
    assert_non_null(m->paged);
    assert_false(m->paged->critical);
    assert_int_equal(m->paged->size, 1000);
    assert_view(m->paged->cookie, "ab\0cdef", 7);
    assert_int_equal(m->n_controls, 1);
    assert_int_equal(m->controls[0].kind, LDAPD_CTRL_PAGED);
    assert_null(m->sort);
    assert_null(m->vlv);
}

static void test_first_page_has_an_empty_cookie(void **state)
{
    struct berval empty = { 0, NULL };
    LDAPControl c = { LDAPD_OID_PAGED_RESULTS, { 0, NULL }, 1 };
    assert_int_equal(ldap_create_page_control_value(g_ld, 200, &empty, &c.ldctl_value), 0);
    LDAPControl *ctrls[] = { &c, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(ctrls, &m), 0);
    ber_memfree(c.ldctl_value.bv_val);
    assert_true(m->paged->critical);
    assert_int_equal(m->paged->cookie.len, 0);
    assert_non_null(m->paged->cookie.ptr);
}

static void test_sort_and_vlv_by_offset_as_polycom_sends_them(void **state)
{
    LDAPSortKey **keys = NULL;
    assert_int_equal(ldap_create_sort_keylist(&keys, "sn -givenName:caseIgnoreOrderingMatch"), 0);
    LDAPControl sort = { LDAPD_OID_SORT_REQUEST, { 0, NULL }, 1 };
    assert_int_equal(ldap_create_sort_control_value(g_ld, keys, &sort.ldctl_value), 0);
    ldap_free_sort_keylist(keys);
    LDAPVLVInfo info = { .ldvlv_version = 1, .ldvlv_before_count = 0,
        .ldvlv_after_count = 19, .ldvlv_offset = 1, .ldvlv_count = 0 };
    LDAPControl vlv = { LDAPD_OID_VLV_REQUEST, { 0, NULL }, 1 };
    assert_int_equal(ldap_create_vlv_control_value(g_ld, &info, &vlv.ldctl_value), 0);
    LDAPControl *ctrls[] = { &sort, &vlv, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(ctrls, &m), 0);
    ber_memfree(sort.ldctl_value.bv_val);
    ber_memfree(vlv.ldctl_value.bv_val);

    assert_non_null(m->sort);
    assert_true(m->sort->critical);
    assert_int_equal(m->sort->n_keys, 2);
    assert_true(ldapd_attr_type_is(&m->sort->keys[0].attr, "sn"));
    assert_null(m->sort->keys[0].ordering_rule.ptr);
    assert_false(m->sort->keys[0].reverse);
    assert_true(ldapd_attr_type_is(&m->sort->keys[1].attr, "givenname"));
    assert_view(m->sort->keys[1].ordering_rule, "caseIgnoreOrderingMatch", 23);
    assert_true(m->sort->keys[1].reverse);

    assert_non_null(m->vlv);
    assert_true(m->vlv->by_offset);
    assert_int_equal(m->vlv->before_count, 0);
    assert_int_equal(m->vlv->after_count, 19);
    assert_int_equal(m->vlv->offset, 1);
    assert_int_equal(m->vlv->content_count, 0);
    assert_false(m->vlv->has_context);
    assert_null(ldapd_message_unknown_critical(m));
}

static void test_vlv_greater_than_or_equal_with_context(void **state)
{
    struct berval value = { 2, "Mi" }, context = { 3, "c42" };
    LDAPVLVInfo info = { .ldvlv_version = 1, .ldvlv_before_count = 5, .ldvlv_after_count = 5,
        .ldvlv_attrvalue = &value, .ldvlv_context = &context };
    LDAPControl vlv = { LDAPD_OID_VLV_REQUEST, { 0, NULL }, 0 };
    assert_int_equal(ldap_create_vlv_control_value(g_ld, &info, &vlv.ldctl_value), 0);
    LDAPControl *ctrls[] = { &vlv, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(ctrls, &m), 0);
    ber_memfree(vlv.ldctl_value.bv_val);
    assert_false(m->vlv->by_offset);
    assert_view(m->vlv->assertion, "Mi", 2);
    assert_true(m->vlv->has_context);
    assert_view(m->vlv->context_id, "c42", 3);
    assert_int_equal(m->vlv->before_count, 5);
}

static void test_known_controls_without_value_twice_or_malformed_are_refused(void **state)
{
    struct berval cookie = { 0, NULL };
    LDAPControl paged = { LDAPD_OID_PAGED_RESULTS, { 0, NULL }, 0 };
    assert_int_equal(ldap_create_page_control_value(g_ld, 10, &cookie, &paged.ldctl_value), 0);
    LDAPControl *twice[] = { &paged, &paged, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(twice, &m), ERR_INVAL);
    assert_int_equal(m->msgid, 3);
    assert_int_equal(m->op, LDAPD_OP_SEARCH);
    ber_memfree(paged.ldctl_value.bv_val);

    LDAPControl no_value = { LDAPD_OID_SORT_REQUEST, { 0, NULL }, 0 };
    LDAPControl *nv[] = { &no_value, NULL };
    assert_int_equal(decode_with(nv, &m), ERR_INVAL);

    /* paged { size -1, cookie "" } and a value with a trailing byte */
    const char neg[] = { 0x30, 0x05, 0x02, 0x01, (char)0xff, 0x04, 0x00 };
    const char trail[] = { 0x30, 0x05, 0x02, 0x01, 0x05, 0x04, 0x00, 0x00 };
    LDAPControl bad = { LDAPD_OID_PAGED_RESULTS, { sizeof(neg), (char *)neg }, 0 };
    LDAPControl *b[] = { &bad, NULL };
    assert_int_equal(decode_with(b, &m), ERR_INVAL);
    bad.ldctl_value = (struct berval){ sizeof(trail), (char *)trail };
    assert_int_equal(decode_with(b, &m), ERR_INVAL);

    /* an empty sort key list */
    const char empty_sort[] = { 0x30, 0x00 };
    LDAPControl es = { LDAPD_OID_SORT_REQUEST, { sizeof(empty_sort), (char *)empty_sort }, 0 };
    LDAPControl *e[] = { &es, NULL };
    assert_int_equal(decode_with(e, &m), ERR_INVAL);
}

static void test_sort_key_and_control_caps(void **state)
{
    LDAPSortKey **keys = NULL;
    char spec[512] = "";
    for (int i = 0; i < 17; i++) {
        strcat(spec, i ? " sn" : "sn");
    }
    assert_int_equal(ldap_create_sort_keylist(&keys, spec), 0);
    LDAPControl sort = { LDAPD_OID_SORT_REQUEST, { 0, NULL }, 0 };
    assert_int_equal(ldap_create_sort_control_value(g_ld, keys, &sort.ldctl_value), 0);
    ldap_free_sort_keylist(keys);
    LDAPControl *ctrls[] = { &sort, NULL };
    struct ldapd_message *m;
    assert_int_equal(decode_with(ctrls, &m), ERR_TOO_LARGE);
    ber_memfree(sort.ldctl_value.bv_val);

    LDAPControl other = { "1.2.3.4", { 0, NULL }, 0 };
    LDAPControl *many[34];
    for (int i = 0; i < 33; i++) {
        many[i] = &other;
    }
    many[33] = NULL;
    assert_int_equal(decode_with(many, &m), ERR_TOO_LARGE);
    many[32] = NULL;
    assert_int_equal(decode_with(many, &m), 0);
    assert_int_equal(m->n_controls, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paged_search_with_cookie_as_evolution_sends_it),
        cmocka_unit_test(test_first_page_has_an_empty_cookie),
        cmocka_unit_test(test_sort_and_vlv_by_offset_as_polycom_sends_them),
        cmocka_unit_test(test_vlv_greater_than_or_equal_with_context),
        cmocka_unit_test(test_known_controls_without_value_twice_or_malformed_are_refused),
        cmocka_unit_test(test_sort_key_and_control_caps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
