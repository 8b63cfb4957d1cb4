/* Tests for protocols/ldap/ldap_ber.c: the tag- and bounds-checked BER readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/ldap/ldap_codec-internal.h"
#include "src/err.h"

static void test_reader_never_writes_to_the_input(void **state)
{
    /* ber_scanf "m" would write a NUL over the 0x04 after "a"; our readers must not. */
    const uint8_t in[] = { 0x30, 0x06, 0x04, 0x01, 'a', 0x04, 0x01, 'b' };
    uint8_t buf[sizeof(in)];
    memcpy(buf, in, sizeof(in));
    BerElement *ber = ldapd_ber_reader(buf, sizeof(buf));
    size_t end;
    struct str_view a, b;
    assert_int_equal(ldapd_ber_enter(ber, LBER_SEQUENCE, &end), 0);
    assert_int_equal(end, 0);
    assert_int_equal(ldapd_ber_octets(ber, LBER_OCTETSTRING, &a), 0);
    assert_int_equal(ldapd_ber_octets(ber, LBER_OCTETSTRING, &b), 0);
    assert_int_equal(ldapd_ber_leave(ber, end), 0);
    assert_memory_equal(buf, in, sizeof(in));
    assert_int_equal(a.len, 1);
    assert_ptr_equal(a.ptr, (const char *)buf + 4);
    assert_ptr_equal(b.ptr, (const char *)buf + 7);
    ber_free(ber, 0);
}

static void test_readers_check_tags_and_lengths(void **state)
{
    /* INTEGER 5, BOOLEAN with 2 bytes, INTEGER with 0 bytes */
    const uint8_t in[] = { 0x02, 0x01, 0x05, 0x01, 0x02, 0xff, 0xff, 0x02, 0x00 };
    BerElement *ber = ldapd_ber_reader(in, sizeof(in));
    int32_t v;
    bool flag;
    struct str_view s;
    assert_int_equal(ldapd_ber_octets(ber, LBER_OCTETSTRING, &s), ERR_INVAL); /* wrong tag */
    assert_int_equal(ldapd_ber_int(ber, LBER_INTEGER, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(ldapd_ber_bool(ber, LBER_BOOLEAN, &flag), ERR_INVAL);
    ber_free(ber, 0);
    ber = ldapd_ber_reader(in + 7, 2);
    assert_int_equal(ldapd_ber_int(ber, LBER_INTEGER, &v), ERR_INVAL);
    ber_free(ber, 0);
}

static void test_enter_refuses_lengths_past_the_end(void **state)
{
    const uint8_t in[] = { 0x30, 0x05, 0x04, 0x01, 'a' };
    BerElement *ber = ldapd_ber_reader(in, sizeof(in));
    size_t end;
    assert_int_equal(ldapd_ber_enter(ber, LBER_SEQUENCE, &end), ERR_INVAL);
    ber_free(ber, 0);
    ber = ldapd_ber_reader(in, 0);
    assert_int_equal(ldapd_ber_peek(ber), LBER_DEFAULT);
    assert_int_equal(ldapd_ber_skip(ber), ERR_INVAL);
    ber_free(ber, 0);
}

static void test_leave_detects_unread_and_overrun_content(void **state)
{
    /* SEQUENCE of length 3 holding a 4-byte OCTET STRING: the inner read overruns. */
    const uint8_t over[] = { 0x30, 0x03, 0x04, 0x02, 'a', 'b' };
    BerElement *ber = ldapd_ber_reader(over, sizeof(over));
    size_t end;
    struct str_view s;
    assert_int_equal(ldapd_ber_enter(ber, LBER_SEQUENCE, &end), 0);
    assert_int_equal(ldapd_ber_octets(ber, LBER_OCTETSTRING, &s), 0);
    assert_false(ldapd_ber_more(ber, end));
    assert_int_equal(ldapd_ber_leave(ber, end), ERR_INVAL);
    ber_free(ber, 0);
    const uint8_t under[] = { 0x30, 0x04, 0x04, 0x00, 0x05, 0x00 };
    ber = ldapd_ber_reader(under, sizeof(under));
    assert_int_equal(ldapd_ber_enter(ber, LBER_SEQUENCE, &end), 0);
    assert_int_equal(ldapd_ber_octets(ber, LBER_OCTETSTRING, &s), 0);
    assert_non_null(s.ptr);
    assert_int_equal(s.len, 0);
    assert_true(ldapd_ber_more(ber, end));
    assert_int_equal(ldapd_ber_leave(ber, end), ERR_INVAL);
    ber_free(ber, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_never_writes_to_the_input),
        cmocka_unit_test(test_readers_check_tags_and_lengths),
        cmocka_unit_test(test_enter_refuses_lengths_past_the_end),
        cmocka_unit_test(test_leave_detects_unread_and_overrun_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
