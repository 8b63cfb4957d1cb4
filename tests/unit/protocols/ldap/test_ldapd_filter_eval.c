/* Tests for protocols/ldap/ldapd_filter_eval.c: matching rules and three-valued filters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ldapd_test_store.h"

static struct tstore *ts;

static int setup(void **state)
{
    ts = tstore_open();
    return 0;
}

static int teardown(void **state)
{
    tstore_close(&ts);
    return 0;
}

/* The result on the entity, checked to be the same with the filter prepared as a search
 * prepares it (assertions normalised once) and unprepared (compare, sort keys). */
static enum ldapd_tri eval_on(const char *uuid, const char *filter)
{
    struct store_entity ent;
    struct ldapd_entry *e = tentry(ts, uuid, &ent);
    assert_non_null(e);
    enum ldapd_tri r = ldapd_filter_eval(e, tfilter(ts->a, filter));
    ldapd_entry_free(&e);
    e = tentry(ts, uuid, &ent);
    struct ldapd_filter *f = tfilter(ts->a, filter);
    ldapd_filter_prepare(ts->a, &ts->cfg, f);
    enum ldapd_tri prepared = ldapd_filter_eval(e, f);
    ldapd_entry_free(&e);
    assert_int_equal(prepared, r);
    return r;
}

static void test_prepared_filters_evaluate_like_unprepared_ones(void **state)
{
    static const char *const filters[] = { "(cn=Anna Müller)", "(cn=*ÜLL*)", "(sn>=m)",
        "(sn<=b)", "(mail=*@acme.example)", "(mail=ANNA*)", "(telephoneNumber=030*)",
        "(telephoneNumber=*0000)", "(telephoneNumber=x*)", "(objectClass=inetOrgPerson)",
        "(objectClass=2.5.6.6)", "(crmFolder=cr*)", "(IMHandle=x)", "(cn;lang-de=x)",
        "(crmVCard=*)", "(jpegPhoto=x)", "(!(o=Acme*))", "(&(o=acme gmbh)(ou=sales))",
        "(|(cn=*ll*)(mail=*ll*)(sn=*ll*)(givenName=*ll*))", "(createTimestamp>=2000)",
        "(entryUUID=" T_ANNA ")", "(crmKind=department)", "(title~=einkäuferin)" };
    static const char *const ids[] = { T_ANNA, T_BILL, T_ACME, T_SALES };
    size_t true_seen = 0;
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
            true_seen += eval_on(ids[j], filters[i]) == LDAPD_TRUE;
        }
    }
    assert_true(true_seen > 10); /* the list exercises matches, not only misses */
}

static void test_case_ignore_matches_with_unicode_folding(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(sn=MÜLLER)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(cn=anna  müller)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(sn=müll*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(cn=*NA MÜ*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(sn=Mueller)"), LDAPD_FALSE);
}

static void test_phone_matches_digits_and_e164_forms(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=030 9117-0000)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=+49 30 91170000)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=493091170000)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=4930911*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=030911*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(ipPhone=03091170000)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(mobile=01715551234)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=030 9117-0001)"), LDAPD_FALSE);
}

static void test_phone_assertion_without_digits_is_false(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=foo*)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber=anna)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(!(telephoneNumber=foo*))"), LDAPD_TRUE);
}

static void test_unknown_attribute_and_extensible_are_undefined(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(IMHandle=foo*)"), LDAPD_UNDEF);
    assert_int_equal(eval_on(T_ANNA, "(!(unknownAttr=x))"), LDAPD_UNDEF);
    assert_int_equal(eval_on(T_ANNA, "(cn:caseExactMatch:=Anna Müller)"), LDAPD_UNDEF);
    assert_int_equal(eval_on(T_ANNA, "(|(IMHandle=x)(cn=anna*))"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(&(IMHandle=x)(cn=bob*))"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(&(IMHandle=x)(cn=anna*))"), LDAPD_UNDEF);
}

static void test_object_class_presence_and_ordering(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(objectClass=inetOrgPerson)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(objectclass=2.5.6.6)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ACME, "(objectClass=organization)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ACME, "(objectClass=person)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(mail=*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ACME, "(givenName=*)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(sn>=m)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(sn<=m)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(telephoneNumber>=0)"), LDAPD_UNDEF); /* no ORDERING */
}

static void test_card_attributes_and_relation_dns(void **state)
{
    assert_int_equal(eval_on(T_ANNA, "(l=berlin)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(description=*tea*)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(company=acme gmbh)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(department=sales)"), LDAPD_TRUE);
    assert_int_equal(eval_on(T_ANNA, "(manager=uid=" T_BILL ",ou=People,dc=example,dc=com)"),
            LDAPD_TRUE);
    /* Eve lives in bob's private book: alice's view has no secretary for Anna. */
    assert_int_equal(eval_on(T_ANNA, "(secretary=*)"), LDAPD_FALSE);
    assert_int_equal(eval_on(T_ANNA, "(userPassword=*)"), LDAPD_UNDEF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_ignore_matches_with_unicode_folding),
        cmocka_unit_test(test_phone_matches_digits_and_e164_forms),
        cmocka_unit_test(test_phone_assertion_without_digits_is_false),
        cmocka_unit_test(test_unknown_attribute_and_extensible_are_undefined),
        cmocka_unit_test(test_object_class_presence_and_ordering),
        cmocka_unit_test(test_card_attributes_and_relation_dns),
        cmocka_unit_test(test_prepared_filters_evaluate_like_unprepared_ones),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
