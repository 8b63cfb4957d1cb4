/* Unit tests for protocols/caldav/ical_check.c: what a PUT body must be (RFC 4791 4.1,
 * 5.3.2.1) and how TZIDs resolve (VTIMEZONE, system zones, Windows names, vendor
 * prefixes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/caldav/caldav-internal.h"
#include "src/arena.h"
#include "src/err.h"
#include "storage/store.h"

#define CRLF "\r\n"
#define HEAD "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//t//EN" CRLF
#define TAIL "END:VCALENDAR" CRLF

static int check(const char *text, unsigned comps, struct caldav_refusal *why)
{
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    int rc = caldav_ical_check(a, str_view_of(text), comps, &obj, why);
    arena_free(&a);
    return rc;
}

static void test_event_with_system_zone_is_accepted(void **state)
{
    (void)state;
    struct caldav_refusal why;
    assert_int_equal(check(HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF
                                "DTSTART;TZID=America/New_York:20260310T090000" CRLF
                                "END:VEVENT" CRLF TAIL,
                             STORE_COMP_VEVENT, &why),
            0);
}

static void test_two_uids_are_valid_calendar_data_refusal(void **state)
{
    (void)state;
    struct caldav_refusal why;
    int rc = check(HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF "END:VEVENT" CRLF "BEGIN:VEVENT" CRLF
                        "UID:b" CRLF "END:VEVENT" CRLF TAIL,
            0, &why);
    assert_int_equal(rc, ERR_INVAL);
    assert_int_equal(why.status, 403);
    assert_string_equal(why.precondition, "<CAL:valid-calendar-data/>");
}

static void test_component_not_in_set_is_refused(void **state)
{
    (void)state;
    struct caldav_refusal why;
    int rc = check(HEAD "BEGIN:VTODO" CRLF "UID:a" CRLF "END:VTODO" CRLF TAIL, STORE_COMP_VEVENT,
            &why);
    assert_int_equal(rc, ERR_UNSUPPORTED);
    assert_string_equal(why.precondition, "<CAL:supported-calendar-component/>");
}

static void test_unknown_tzid_is_refused_windows_name_is_not(void **state)
{
    (void)state;
    struct caldav_refusal why;
    assert_int_equal(check(HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF
                                "DTSTART;TZID=Nowhere/Atlantis:20260310T090000" CRLF
                                "END:VEVENT" CRLF TAIL,
                             0, &why),
            ERR_INVAL);
    assert_int_equal(check(HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF
                                "DTSTART;TZID=Romance Standard Time:20260310T090000" CRLF
                                "END:VEVENT" CRLF TAIL,
                             0, &why),
            0);
}

static void test_garbage_and_oversize_are_refused(void **state)
{
    (void)state;
    struct caldav_refusal why;
    assert_int_equal(check("hello world", 0, &why), ERR_INVAL);
    size_t n = CALDAV_MAX_RESOURCE_SIZE + 10;
    char *big = test_malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    assert_int_equal(check(big, 0, &why), ERR_TOO_LARGE);
    assert_string_equal(why.precondition, "<CAL:max-resource-size/>");
    test_free(big);
}

static void test_tz_find_resolves_prefixed_and_windows_names(void **state)
{
    (void)state;
    assert_non_null(caldav_tz_find(NULL, "/mozilla.org/20050126_1/Europe/Berlin"));
    assert_non_null(caldav_tz_find(NULL, "W. Europe Standard Time"));
    assert_string_equal(caldav_tz_windows("Eastern Standard Time"), "America/New_York");
    assert_null(caldav_tz_find(NULL, "../../etc/passwd"));
}

static void test_utc_text_round_trip(void **state)
{
    (void)state;
    int64_t t;
    char buf[32];
    assert_true(caldav_parse_utc(STR_VIEW_LIT("20260301T120000Z"), &t));
    caldav_format_utc(t, buf, sizeof(buf));
    assert_string_equal(buf, "20260301T120000Z");
    assert_false(caldav_parse_utc(STR_VIEW_LIT("20260301T120000"), &t));
    assert_false(caldav_parse_utc(STR_VIEW_LIT("20261301T120000Z"), &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_with_system_zone_is_accepted),
        cmocka_unit_test(test_two_uids_are_valid_calendar_data_refusal),
        cmocka_unit_test(test_component_not_in_set_is_refused),
        cmocka_unit_test(test_unknown_tzid_is_refused_windows_name_is_not),
        cmocka_unit_test(test_garbage_and_oversize_are_refused),
        cmocka_unit_test(test_tz_find_resolves_prefixed_and_windows_names),
        cmocka_unit_test(test_utc_text_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
