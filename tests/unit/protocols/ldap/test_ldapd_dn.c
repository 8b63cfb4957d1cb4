/* Tests for protocols/ldap/ldapd_dn.c: DN parsing, normalised comparison, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "protocols/ldap/ldapd-internal.h"
#include "src/arena.h"
#include "src/err.h"

static struct str_view norm(struct arena *a, const char *dn)
{
    struct str_view out;
    assert_int_equal(ldapd_dn_normalize(a, str_view_of(dn), &out), 0);
    return out;
}

static void test_normalize_folds_types_aliases_and_values(void **state)
{
    struct arena *a = arena_new(0);
    struct str_view n = norm(a, "UID=Alice , OU=Users,DC=Example,dc=COM");
    assert_true(str_view_eq(n, STR_VIEW_LIT("uid=alice,ou=users,dc=example,dc=com")));
    n = norm(a, "commonName=MÜLLER,organizationName=Acme");
    assert_true(str_view_eq(n, STR_VIEW_LIT("cn=müller,o=acme")));
    n = norm(a, "2.5.4.3=x");
    assert_true(str_view_eq(n, STR_VIEW_LIT("cn=x")));
    arena_free(&a);
}

static void test_escapes_are_read_and_specials_hex_escaped(void **state)
{
    struct arena *a = arena_new(0);
    struct ldapd_dn dn;
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("o=Elbe\\, Weser & Partner,ou=x"), &dn), 0);
    assert_int_equal(dn.n, 2);
    assert_true(str_view_eq(dn.avas[0].value, STR_VIEW_LIT("Elbe, Weser & Partner")));
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("cn=M\\C3\\BCller"), &dn), 0);
    assert_true(str_view_eq(dn.avas[0].value, STR_VIEW_LIT("Müller")));
    struct str_view n = norm(a, "o=Elbe\\, Weser,dc=x");
    assert_true(str_view_eq(n, STR_VIEW_LIT("o=elbe\\2c weser,dc=x")));
    struct strbuf sb;
    strbuf_init(&sb, a, 16);
    ldapd_dn_escape_value(&sb, STR_VIEW_LIT("#a,b+c "));
    assert_string_equal(sb.ptr, "\\#a\\,b\\+c\\ ");
    arena_free(&a);
}

static void test_multi_valued_rdn_and_bad_dns(void **state)
{
    struct arena *a = arena_new(0);
    struct ldapd_dn dn;
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("o=Acme+crmId=X,ou=Organizations"), &dn), 0);
    assert_true(dn.avas[0].more);
    assert_false(dn.avas[1].more);
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("novalue"), &dn), ERR_INVAL);
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("dc=x,"), &dn), ERR_INVAL);
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("dc=x\\"), &dn), ERR_INVAL);
    assert_int_equal(ldapd_dn_parse(a, STR_VIEW_LIT("  "), &dn), 0);
    assert_int_equal(dn.n, 0);
    arena_free(&a);
}

static void test_under_counts_depth(void **state)
{
    size_t d;
    struct str_view base = STR_VIEW_LIT("dc=example,dc=com");
    assert_true(ldapd_dn_under(STR_VIEW_LIT("dc=example,dc=com"), base, &d));
    assert_int_equal(d, 0);
    assert_true(ldapd_dn_under(STR_VIEW_LIT("uid=1,ou=people,dc=example,dc=com"), base, &d));
    assert_int_equal(d, 2);
    assert_false(ldapd_dn_under(STR_VIEW_LIT("uid=1,ou=people,dc=xexample,dc=com"), base, &d));
    assert_false(ldapd_dn_under(STR_VIEW_LIT("dc=com"), base, &d));
    assert_true(ldapd_dn_under(STR_VIEW_LIT("o=a\\2cb,dc=x"), STR_VIEW_LIT(""), &d));
    assert_int_equal(d, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_folds_types_aliases_and_values),
        cmocka_unit_test(test_escapes_are_read_and_specials_hex_escaped),
        cmocka_unit_test(test_multi_valued_rdn_and_bad_dns),
        cmocka_unit_test(test_under_counts_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
