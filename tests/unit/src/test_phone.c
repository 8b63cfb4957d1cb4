/*
 * test_phone.c: digits-only and E.164 forms of numbers as people type them, for Germany,
 * the United Kingdom, NANP (USA) and France, and inputs that have no E.164 form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/phone.h"

struct case_ {
    const char *typed;
    const char *want; /* "" for "not normalisable" */
};

static void expect_e164(const char *cc, const char *trunk, const struct case_ *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char out[PHONE_E164_SIZE];
        memset(out, 'Z', sizeof(out));
        size_t len = phone_e164(str_view_of(cases[i].typed), cc, trunk, out, sizeof(out));
        if (strcmp(out, cases[i].want) != 0 || len != strlen(cases[i].want)) {
            fail_msg("(+%s, trunk '%s') '%s' -> '%s' (%zu), want '%s'", cc, trunk, cases[i].typed,
                     out, len, cases[i].want);
        }
    }
}

#define EXPECT(cc, trunk, cases) \
    expect_e164((cc), (trunk), (cases), sizeof(cases) / sizeof(*(cases)))

static void test_germany_national_international_and_extension(void **state)
{
    static const struct case_ cases[] = {
        { "030 9117-0000", "493091170000" },
        { "+49 30 91170000", "493091170000" },
        { "0049 30 91170000", "493091170000" },
        { "(030) 9117 0000 ext. 12", "493091170000" },
        { "+49 (0)30 9117 0000", "493091170000" },
        { "0049 (0)30 9117 0000", "493091170000" },
        { "(0)30 9117 0000", "493091170000" },
        { "030/91170000", "493091170000" },
        { "  0171 1234567\r\n", "491711234567" },
        { "tel:+49-30-91170000", "493091170000" },
        { "TEL:+49.30.91170000;ext=12", "493091170000" },
        { "+33 1 23 45 67 89", "33123456789" }, /* a foreign number stays foreign */
        { "9117 0000", "" },                    /* local, no area code */
        { "011 49 30 91170000", "" },           /* not an international prefix here */
    };
    EXPECT("49", "0", cases);
}

static void test_united_kingdom(void **state)
{
    static const struct case_ cases[] = {
        { "020 7946 0000", "442079460000" },        { "+44 (0)20 7946 0000", "442079460000" },
        { "07700 900123", "447700900123" },         { "00 44 7700 900123", "447700900123" },
        { "+44 7700 900123 x 45", "447700900123" },
    };
    EXPECT("44", "0", cases);
}

static void test_nanp_trunk_optional_and_011(void **state)
{
    static const struct case_ cases[] = {
        { "(201) 555-0123", "12015550123" },
        { "201.555.0123", "12015550123" },
        { "1-201-555-0123", "12015550123" },
        { "+1 201 555 0123 x45", "12015550123" },
        { "+1 (201) 555-0123 Ext: 7", "12015550123" },
        { "011 49 30 91170000", "493091170000" },
        { "011-44-20-7946-0000", "442079460000" },
        { "555-0123", "" },                    /* 7 digits: no area code */
        { "1-800-FLOWERS", "" },               /* letters */
        { "201 555 0123, 45", "12015550123" }, /* dial pause, then extension */
    };
    EXPECT("1", "1", cases);
}

static void test_france(void **state)
{
    static const struct case_ cases[] = {
        { "01 23 45 67 89", "33123456789" },
        { "01.23.45.67.89", "33123456789" },
        { "+33 (0)1 23 45 67 89", "33123456789" },
        { "00 33 6 12 34 56 78", "33612345678" },
        { "06\xC2\xA0"
          "12\xC2\xA0"
          "34\xC2\xA0"
          "56\xC2\xA0"
          "78",
          "33612345678" }, /* NBSP */
        { "06\xE2\x80\x91"
          "12 34 56 78",
          "33612345678" }, /* U+2011 non-breaking hyphen */
    };
    EXPECT("33", "0", cases);
}

static void test_empty_trunk_keeps_leading_zero(void **state)
{
    static const struct case_ cases[] = {
        { "06 6982 1234", "390669821234" }, /* Italy: the 0 is part of the number */
        { "+39 06 6982 1234", "390669821234" },
        { "347 123 4567", "393471234567" },
    };
    EXPECT("39", "", cases);
}

static void test_garbage_and_short_inputs_are_not_normalisable(void **state)
{
    static const struct case_ cases[] = {
        { "", "" },
        { "   ", "" },
        { "12", "" },
        { "+49", "" },
        { "call me", "" },
        { "030 9117 0000 please", "" },
        { "030 9117 0000 ext.", "" }, /* extension without digits */
        { "*31#030 9117 0000", "" },
        { "030 ++9117", "" },
        { "+0049 30 91170000", "" },          /* E.164 never starts with 0 */
        { "+49 30 9117 0000 1234 5678", "" }, /* more than 15 digits */
        { "0123456789012345678901234567890123456789", "" },
        { "tel:7042;phone-context=example.com", "" },
        { "030\xff"
          "9117",
          "" },
        { "tel:", "" },
    };
    EXPECT("49", "0", cases);
}

static void test_tel_uri_local_number_uses_global_context(void **state)
{
    static const struct case_ cases[] = {
        { "tel:863-1234;phone-context=+1-914-555", "19145558631234" },
        { "tel:+1-201-555-0123;phone-context=+49", "12015550123" },
    };
    EXPECT("49", "0", cases);
}

static void test_no_country_code_only_international_numbers(void **state)
{
    static const struct case_ cases[] = {
        { "+49 30 91170000", "493091170000" },
        { "030 91170000", "" },
    };
    EXPECT("", "0", cases);
    char out[PHONE_E164_SIZE];
    assert_int_equal(phone_e164(str_view_of("+49 30 91170000"), NULL, NULL, out, sizeof(out)), 12);
    assert_int_equal(phone_e164(str_view_of("030 91170000"), "4x", "0", out, sizeof(out)), 0);
}

static void test_e164_small_buffer_gives_zero_and_empty(void **state)
{
    char out[12];
    assert_int_equal(phone_e164(str_view_of("030 9117-0000"), "49", "0", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    char exact[13];
    assert_int_equal(phone_e164(str_view_of("030 9117-0000"), "49", "0", exact, sizeof(exact)), 12);
    assert_int_equal(phone_e164(str_view_of("030 9117-0000"), "49", "0", NULL, 0), 0);
}

static void test_view_is_not_read_past_its_length(void **state)
{
    char out[PHONE_E164_SIZE];
    const char *text = "030 9117-0000 x12 and then 555";
    assert_int_equal(phone_e164(str_view_make(text, 13), "49", "0", out, sizeof(out)), 12);
    assert_string_equal(out, "493091170000");
    assert_int_equal(phone_digits(str_view_make(text, 8), out, sizeof(out)), 7);
    assert_string_equal(out, "0309117");
}

static void test_digits_keeps_only_digits(void **state)
{
    char out[32];
    assert_int_equal(phone_digits(str_view_of("(030) 9117-0000"), out, sizeof(out)), 11);
    assert_string_equal(out, "03091170000");
    assert_int_equal(phone_digits(str_view_of("+1 (201) 555-0123 x45"), out, sizeof(out)), 13);
    assert_string_equal(out, "1201555012345");
    assert_int_equal(phone_digits(str_view_of("no digits"), out, sizeof(out)), 0);
    assert_string_equal(out, "");
    char tiny[4];
    assert_int_equal(phone_digits(str_view_of("1234"), tiny, sizeof(tiny)), 0);
    assert_string_equal(tiny, "");
    assert_int_equal(phone_digits(str_view_of("123"), tiny, sizeof(tiny)), 3);
    assert_int_equal(phone_digits(str_view_of("123"), NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_germany_national_international_and_extension),
        cmocka_unit_test(test_united_kingdom),
        cmocka_unit_test(test_nanp_trunk_optional_and_011),
        cmocka_unit_test(test_france),
        cmocka_unit_test(test_empty_trunk_keeps_leading_zero),
        cmocka_unit_test(test_garbage_and_short_inputs_are_not_normalisable),
        cmocka_unit_test(test_tel_uri_local_number_uses_global_context),
        cmocka_unit_test(test_no_country_code_only_international_numbers),
        cmocka_unit_test(test_e164_small_buffer_gives_zero_and_empty),
        cmocka_unit_test(test_view_is_not_read_past_its_length),
        cmocka_unit_test(test_digits_keeps_only_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
