/* Tests for protocols/ldap/ldap_frame.c: LDAPMessage boundaries in a byte stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/ldap/ldap_codec.h"
#include "src/err.h"

#define MAX_PDU (256 * 1024 - 1)

static void test_frame_short_form_complete_pdu_reports_total_length(void **state)
{
    /* UnbindRequest, msgid 3: 30 05 02 01 03 42 00 */
    const uint8_t pdu[] = { 0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00 };
    size_t len = 0;
    assert_int_equal(ldapd_frame_check(pdu, sizeof(pdu), MAX_PDU, &len), 0);
    assert_int_equal(len, 7);
}

static void test_frame_every_prefix_of_a_pdu_needs_more(void **state)
{
    const uint8_t pdu[] = { 0x30, 0x82, 0x00, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00 };
    for (size_t n = 0; n < sizeof(pdu); n++) {
        size_t len = 12345;
        assert_int_equal(ldapd_frame_check(pdu, n, MAX_PDU, &len), ERR_AGAIN);
        assert_int_equal(len, 12345);
    }
    size_t len = 0;
    assert_int_equal(ldapd_frame_check(pdu, sizeof(pdu), MAX_PDU, &len), 0);
    assert_int_equal(len, 9);
}

static void test_frame_long_forms_one_to_four_bytes(void **state)
{
    uint8_t buf[300] = { 0x30, 0x81, 0xc8 };
    size_t len = 0;
    assert_int_equal(ldapd_frame_check(buf, 3 + 200, MAX_PDU, &len), 0);
    assert_int_equal(len, 203);
    const uint8_t three[] = { 0x30, 0x83, 0x01, 0x00, 0x00 };
    assert_int_equal(ldapd_frame_check(three, sizeof(three), MAX_PDU, &len), ERR_AGAIN);
    /* BER allows a non-minimal length (some encoders always use 0x84). */
    const uint8_t four[] = { 0x30, 0x84, 0x00, 0x00, 0x00, 0x00 };
    assert_int_equal(ldapd_frame_check(four, sizeof(four), MAX_PDU, &len), 0);
    assert_int_equal(len, 6);
}

static void test_frame_only_the_first_pdu_of_a_stream_is_measured(void **state)
{
    const uint8_t two[] = { 0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00,
        0x30, 0x05, 0x02, 0x01, 0x04, 0x42, 0x00 };
    size_t len = 0;
    assert_int_equal(ldapd_frame_check(two, sizeof(two), MAX_PDU, &len), 0);
    assert_int_equal(len, 7);
}

static void test_frame_rejects_a_first_byte_other_than_sequence(void **state)
{
    const uint8_t set[] = { 0x31, 0x00 };
    const uint8_t http[] = "GET / HTTP/1.1\r\n";
    size_t len;
    assert_int_equal(ldapd_frame_check(set, 1, MAX_PDU, &len), ERR_INVAL);
    assert_int_equal(ldapd_frame_check(set, 2, MAX_PDU, &len), ERR_INVAL);
    assert_int_equal(ldapd_frame_check(http, sizeof(http) - 1, MAX_PDU, &len), ERR_INVAL);
}

static void test_frame_rejects_indefinite_and_overlong_length(void **state)
{
    const uint8_t indefinite[] = { 0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00 };
    const uint8_t five[] = { 0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x05 };
    const uint8_t reserved[] = { 0x30, 0xff };
    size_t len;
    assert_int_equal(ldapd_frame_check(indefinite, sizeof(indefinite), MAX_PDU, &len), ERR_INVAL);
    assert_int_equal(ldapd_frame_check(indefinite, 2, MAX_PDU, &len), ERR_INVAL);
    assert_int_equal(ldapd_frame_check(five, 2, MAX_PDU, &len), ERR_INVAL);
    assert_int_equal(ldapd_frame_check(reserved, 2, MAX_PDU, &len), ERR_INVAL);
}

static void test_frame_refuses_a_2_31_byte_pdu_from_its_header_alone(void **state)
{
    const uint8_t huge[] = { 0x30, 0x84, 0x80, 0x00, 0x00, 0x00 };
    const uint8_t max32[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff };
    size_t len;
    assert_int_equal(ldapd_frame_check(huge, sizeof(huge), MAX_PDU, &len), ERR_TOO_LARGE);
    assert_int_equal(ldapd_frame_check(max32, sizeof(max32), SIZE_MAX, &len), ERR_AGAIN);
    assert_int_equal(ldapd_frame_check(max32, sizeof(max32), MAX_PDU, &len), ERR_TOO_LARGE);
}

static void test_frame_limit_counts_the_whole_pdu(void **state)
{
    uint8_t buf[200] = { 0x30, 0x81, 100 };
    size_t len;
    assert_int_equal(ldapd_frame_check(buf, 103, 103, &len), 0);
    assert_int_equal(ldapd_frame_check(buf, 103, 102, &len), ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_short_form_complete_pdu_reports_total_length),
        cmocka_unit_test(test_frame_every_prefix_of_a_pdu_needs_more),
        cmocka_unit_test(test_frame_long_forms_one_to_four_bytes),
        cmocka_unit_test(test_frame_only_the_first_pdu_of_a_stream_is_measured),
        cmocka_unit_test(test_frame_rejects_a_first_byte_other_than_sequence),
        cmocka_unit_test(test_frame_rejects_indefinite_and_overlong_length),
        cmocka_unit_test(test_frame_refuses_a_2_31_byte_pdu_from_its_header_alone),
        cmocka_unit_test(test_frame_limit_counts_the_whole_pdu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
