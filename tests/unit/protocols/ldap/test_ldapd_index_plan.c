/* Tests for protocols/ldap/ldapd_index_plan.c: filters -> candidate ids from the indexes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ldapd_test_store.h"
#include "src/err.h"

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

/* -1: no index (walk); else the number of candidates. has: uuid that must be among them. */
static long plan(const char *filter, const char *has)
{
    struct ldapd_idset *set;
    assert_int_equal(ldapd_plan(&ts->op, tfilter(ts->a, filter), &set), 0);
    if (set == NULL) {
        return -1;
    }
    if (has != NULL) {
        struct store_id id;
        assert_true(ldapd_id_parse(str_view_of(has), &id));
        bool found = false;
        for (size_t i = 0; i < set->n; i++) {
            found = found || memcmp(&set->ids[i], &id, sizeof(id)) == 0;
        }
        assert_true(found);
    }
    for (size_t i = 1; i < set->n; i++) { /* unique */
        assert_memory_not_equal(&set->ids[i - 1], &set->ids[i], sizeof(set->ids[i]));
    }
    return (long)set->n;
}

static void test_caller_id_lookups_use_phone_indexes(void **state)
{
    assert_int_equal(plan("(telephoneNumber=030 9117-0000)", T_ANNA), 1);
    assert_int_equal(plan("(telephoneNumber=+49 30 91170000)", T_ANNA), 1);
    assert_int_equal(plan("(telephoneNumber=4930911*)", T_ANNA), 2); /* Anna and Bill */
    assert_int_equal(plan("(|(telephoneNumber=030 91170001)(mobile=030 91170001)"
                          "(ipPhone=030 91170001))", T_BILL), 1);
}

static void test_phone_assertion_without_digits_has_no_candidates(void **state)
{
    assert_int_equal(plan("(telephoneNumber=foo*)", NULL), 0);
    assert_int_equal(plan("(telephoneNumber=*)", NULL), -1); /* presence: walk */
}

static void test_thunderbird_or_uses_substring_index(void **state)
{
    assert_int_equal(plan("(|(cn=*ller*)(mail=*ller*)(sn=*ller*))", T_ANNA), 1);
    assert_int_equal(plan("(|(cn=ann*mü*)(mail=ann*mü*)(sn=ann*mü*))", T_ANNA), 1);
    assert_int_equal(plan("(mail=anna.mueller@ACME.example)", T_ANNA), 1);
    assert_int_equal(plan("(mail=*acme.example)", T_ANNA), 2);
}

static void test_and_takes_smallest_child_and_or_needs_every_child(void **state)
{
    assert_int_equal(plan("(&(objectClass=person)(sn=boss))", T_BILL), 1);
    assert_int_equal(plan("(&(telephoneNumber=030 91170000)(sn=*))", T_ANNA), 1);
    assert_int_equal(plan("(|(sn=boss)(title=*))", NULL), -1);
    assert_int_equal(plan("(!(sn=boss))", NULL), -1);
    assert_int_equal(plan("(objectClass=*)", NULL), -1);
    assert_int_equal(plan("(|(IMHandle=x)(o=acme*))", T_ACME), 3); /* Anna, Acme, Sales */
}

static void test_uid_and_kind_resolve_directly(void **state)
{
    assert_int_equal(plan("(uid=" T_ANNA ")", T_ANNA), 1);
    assert_int_equal(plan("(entryUUID=" T_BILL ")", T_BILL), 1);
    assert_int_equal(plan("(objectClass=organizationalUnit)", T_SALES), 1);
}

static int count(void *ctx, const struct store_id *id)
{
    (*(size_t *)ctx)++;
    return 0;
}

static void test_streaming_hands_each_candidate_once(void **state)
{
    size_t n = 0;
    assert_int_equal(ldapd_plan_stream(&ts->op,
                             tfilter(ts->a, "(|(cn=*a*)(sn=*a*)(mail=*a*))"), count, &n),
            0);
    assert_int_equal(n, 4); /* Anna, Acme, Acme Sales, Eve (visibility is the caller's) */
    assert_int_equal(ldapd_plan_stream(&ts->op, tfilter(ts->a, "(!(cn=x))"), count, &n),
            ERR_NOT_FOUND);
}

static void test_mail_infix_inside_an_address_part_is_found_by_index(void **state)
{
    /* "uell" starts inside "mueller": only the whole-address suffixes hold it. */
    assert_int_equal(plan("(mail=*uell*)", T_ANNA), 1);
    assert_int_equal(plan("(mail=*R@ACME.EX*)", T_ANNA), 1);
    assert_int_equal(plan("(mail=*ll@acme.example)", T_BILL), 1);
    /* A piece longer than the 64 indexed bytes is looked up by its first 64. */
    assert_int_equal(plan("(mail=*zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz*)",
                             NULL), 0);
    assert_int_equal(plan("(cn=*müllermüllermüllermüllermüllermüllermüllermüllermüllermüller*)",
                             NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caller_id_lookups_use_phone_indexes),
        cmocka_unit_test(test_phone_assertion_without_digits_has_no_candidates),
        cmocka_unit_test(test_thunderbird_or_uses_substring_index),
        cmocka_unit_test(test_and_takes_smallest_child_and_or_needs_every_child),
        cmocka_unit_test(test_uid_and_kind_resolve_directly),
        cmocka_unit_test(test_streaming_hands_each_candidate_once),
        cmocka_unit_test(test_mail_infix_inside_an_address_part_is_found_by_index),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
