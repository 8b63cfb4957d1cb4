/* Tests for protocols/ldap/ldap_filter_str.c: RFC 4515 string form of decoded filters. */
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

/* string -> libldap BER -> our tree -> string */
static void assert_round_trip(const char *in, const char *expect)
{
    struct arena *a = arena_new(0);
    struct tpdu t = tpdu_filter(in);
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    struct ldapd_filter *f = NULL;
    assert_int_equal(ldapd_filter_parse(a, t.p, t.len, &lim, &f, NULL), 0);
    struct strbuf sb;
    strbuf_init(&sb, a, 16);
    ldapd_filter_to_string(f, &sb);
    assert_string_equal(sb.ptr, expect);
    tpdu_free(&t);
    arena_free(&a);
}

static void test_filter_string_of_client_filters_is_unchanged(void **state)
{
    const char *same[] = {
        "(|(cn=*jo*)(mail=*jo*)(sn=*jo*)(givenName=*jo*))",
        "(&(mail=*)(|(mail=jo*)(cn=jo*)(sn=jo*)(givenName=jo*)))",
        "(|(telephoneNumber=+49 30 91170000)(mobile=+49 30 91170000)(ipPhone=+49 30 91170000))",
        "(&(objectClass=person)(sn>=M))",
        "(|(givenname=carmo)(sn=carmo)(cn=carmo)(mail=carmo))",
        "(|(fileAs=X*)(&(!(fileAs=*))(sn=X*)))",
        "(cn=ann*m\xc3\xbc*)",
        "(sn<=Z)",
        "(cn~=jon)",
        "(cn;lang-de=x)",
        "(2.5.4.3=*a*b*c)",
        "(cn:dn:caseExactMatch:=Foo)",
        "(:2.5.13.5:=x)",
        "(cn:=x)",
        "(&)",
        "(|)",
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        assert_round_trip(same[i], same[i]);
    }
}

static void test_filter_string_escapes_specials_and_non_utf8(void **state)
{
    assert_round_trip("(cn=a\\2ab\\28c\\29d\\5ce)", "(cn=a\\2ab\\28c\\29d\\5ce)");
    assert_round_trip("(cn=\\00x)", "(cn=\\00x)");
    assert_round_trip("(cn=line\\0abreak\\7f)", "(cn=line\\0abreak\\7f)");
    /* Valid UTF-8 stays readable; hex escapes of it come back as the characters. */
    assert_round_trip("(sn=M\\c3\\bcller)", "(sn=Müller)");
    /* A lone continuation byte, an overlong '/' and a surrogate are not UTF-8. */
    assert_round_trip("(sn=\\bf)", "(sn=\\bf)");
    assert_round_trip("(sn=\\c0\\af)", "(sn=\\c0\\af)");
    assert_round_trip("(sn=\\ed\\a0\\80)", "(sn=\\ed\\a0\\80)");
    assert_round_trip("(sn=\\f0\\9f\\98\\80)", "(sn=\xf0\x9f\x98\x80)");
    assert_round_trip("(sn=\\e2\\82)", "(sn=\\e2\\82)");
}

static void test_filter_string_escapes_an_invalid_attribute(void **state)
{
    /* (present "a)b") as raw BER: 87 03 'a' ')' 'b' */
    const uint8_t b[] = { 0x87, 0x03, 'a', ')', 'b' };
    struct arena *a = arena_new(0);
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    struct ldapd_filter *f = NULL;
    assert_int_equal(ldapd_filter_parse(a, b, sizeof(b), &lim, &f, NULL), 0);
    assert_false(f->attr.valid);
    struct strbuf sb;
    strbuf_init(&sb, a, 16);
    ldapd_filter_to_string(f, &sb);
    assert_string_equal(sb.ptr, "(a\\29b=*)");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_string_of_client_filters_is_unchanged),
        cmocka_unit_test(test_filter_string_escapes_specials_and_non_utf8),
        cmocka_unit_test(test_filter_string_escapes_an_invalid_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
