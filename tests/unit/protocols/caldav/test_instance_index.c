/* Unit tests for protocols/caldav/instance_index.c: the index answers every time-range
 * exactly as the parse does (caldav_object_overlaps), for overrides, EXDATE, RDATE, two
 * time zones, rules without end, dated and dateless tasks; it refuses ranges outside its
 * window, records of another revision and damaged records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/caldav/caldav-internal.h"
#include "src/arena.h"
#include "storage/store.h"

#define CRLF "\r\n"
#define DAY  86400
#define CAL(body) \
    "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//test//EN" CRLF body "END:VCALENDAR" CRLF

static int64_t utc(const char *s)
{
    int64_t t = 0;
    assert_true(caldav_parse_utc(str_view_of(s), &t));
    return t;
}

/* Open-ended weekly in Berlin with an EXDATE and an override moved to the next day. */
static const char weekly_open[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:w" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;TZID=Europe/Berlin:20250106T100000" CRLF
        "DTEND;TZID=Europe/Berlin:20250106T110000" CRLF "RRULE:FREQ=WEEKLY" CRLF
        "EXDATE;TZID=Europe/Berlin:20260309T100000" CRLF "END:VEVENT" CRLF
        "BEGIN:VEVENT" CRLF "UID:w" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "RECURRENCE-ID;TZID=Europe/Berlin:20260316T100000" CRLF
        "DTSTART;TZID=America/New_York:20260317T090000" CRLF
        "DTEND;TZID=America/New_York:20260317T100000" CRLF "END:VEVENT" CRLF);

/* Monthly in New York without end, plus RDATEs; an override far in the future. */
static const char monthly_rdate[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:m" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;TZID=America/New_York:20240131T183000" CRLF "DURATION:PT90M" CRLF
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1" CRLF
        "RDATE;TZID=America/New_York:20260310T070000,20260402T070000" CRLF
        "EXDATE;TZID=America/New_York:20260430T183000" CRLF "END:VEVENT" CRLF
        "BEGIN:VEVENT" CRLF "UID:m" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "RECURRENCE-ID;TZID=America/New_York:20270531T183000" CRLF
        "DTSTART;TZID=America/New_York:20270601T183000" CRLF "DURATION:PT1H" CRLF
        "END:VEVENT" CRLF);

/* Counted daily rule with an override: indexed whole. */
static const char daily_count[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:d" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART:20260301T120000Z" CRLF "DTEND:20260301T123000Z" CRLF
        "RRULE:FREQ=DAILY;COUNT=20" CRLF "EXDATE:20260305T120000Z" CRLF "END:VEVENT" CRLF
        "BEGIN:VEVENT" CRLF "UID:d" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "RECURRENCE-ID:20260310T120000Z" CRLF "DTSTART:20260410T120000Z" CRLF
        "DTEND:20260410T130000Z" CRLF "END:VEVENT" CRLF);

/* Yearly all-day date without end (a birthday). */
static const char yearly_date[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:y" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;VALUE=DATE:19720415" CRLF "RRULE:FREQ=YEARLY" CRLF "END:VEVENT" CRLF);

static const char single[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:s" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART:20260320T080000Z" CRLF "DTEND:20260320T090000Z" CRLF "END:VEVENT" CRLF);

static const char todo_nodate[] = CAL(
        "BEGIN:VTODO" CRLF "UID:t" CRLF "DTSTAMP:20260101T000000Z" CRLF "SUMMARY:x" CRLF
        "END:VTODO" CRLF);

static const char todo_due[] = CAL(
        "BEGIN:VTODO" CRLF "UID:td" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DUE:20260325T170000Z" CRLF "END:VTODO" CRLF);

static const char todo_weekly[] = CAL(
        "BEGIN:VTODO" CRLF "UID:tw" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;TZID=Europe/Berlin:20260102T090000" CRLF
        "DUE;TZID=Europe/Berlin:20260102T170000" CRLF "RRULE:FREQ=WEEKLY" CRLF "END:VTODO" CRLF);

static const char journal_nodate[] = CAL(
        "BEGIN:VJOURNAL" CRLF "UID:j" CRLF "DTSTAMP:20260101T000000Z" CRLF "END:VJOURNAL" CRLF);

static const char secondly[] = CAL(
        "BEGIN:VEVENT" CRLF "UID:b" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART:20260301T000000Z" CRLF "RRULE:FREQ=SECONDLY" CRLF "END:VEVENT" CRLF);

struct built {
    struct arena *a;
    struct caldav_object obj;
    struct caldav_index ix;
};

static void build(struct built *b, const char *text, int64_t now)
{
    b->a = arena_new(0);
    assert_int_equal(caldav_object_parse(b->a, str_view_of(text), &b->obj), 0);
    struct strbuf sb;
    strbuf_init(&sb, b->a, 64);
    caldav_index_build(&b->obj, 42, now, &sb);
    assert_true(caldav_index_read(strbuf_view(&sb), 42, &b->ix));
}

/* Compare index and parse over many ranges; returns how many the index answered. */
static size_t compare_ranges(const struct built *b, int64_t base)
{
    static const int64_t sizes[] = { 1, 3600, DAY, 7 * DAY, 31 * DAY, 400 * DAY };
    size_t answered = 0;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (int64_t from = base - 500 * DAY; from < base + 1200 * DAY; from += 3 * DAY + 1800) {
            int64_t to = from + sizes[s];
            int ix = caldav_index_overlaps(&b->ix, from, to);
            if (ix < 0) {
                continue;
            }
            answered++;
            bool parsed = caldav_object_overlaps(&b->obj, from, to);
            if ((ix == 1) != parsed) {
                fail_msg("range %lld..%lld: index %d, parse %d", (long long)from,
                        (long long)to, ix, parsed);
            }
        }
    }
    /* Open ends too. */
    int ix = caldav_index_overlaps(&b->ix, INT64_MIN, base);
    if (ix >= 0) {
        assert_int_equal(ix == 1, caldav_object_overlaps(&b->obj, INT64_MIN, base));
    }
    return answered;
}

static void check_object(const char *text, bool expect_answers)
{
    int64_t now = utc("20260301T000000Z");
    struct built b;
    build(&b, text, now);
    size_t answered = compare_ranges(&b, now);
    if (expect_answers) {
        assert_true(answered > 100);
    } else {
        assert_int_equal(answered, 0);
    }
    arena_free(&b.a);
}

static void test_open_weekly_with_exdate_and_override_in_other_zone_matches_parse(void **state)
{
    (void)state;
    check_object(weekly_open, true);
}

static void test_open_monthly_with_rdate_exdate_and_override_matches_parse(void **state)
{
    (void)state;
    check_object(monthly_rdate, true);
}

static void test_counted_rule_and_single_event_are_indexed_whole(void **state)
{
    (void)state;
    check_object(daily_count, true);
    check_object(single, true);
    struct built b;
    build(&b, single, utc("20260301T000000Z"));
    /* Whole: answered far outside any window too. */
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20990101T000000Z"),
                             utc("20990201T000000Z")), 0);
    assert_int_equal(caldav_index_overlaps(&b.ix, INT64_MIN, INT64_MAX), 1);
    arena_free(&b.a);
}

static void test_yearly_date_and_tasks_match_parse(void **state)
{
    (void)state;
    check_object(yearly_date, true);
    check_object(todo_nodate, true);
    check_object(todo_due, true);
    check_object(todo_weekly, true);
    check_object(journal_nodate, true);
}

static void test_open_rule_outside_window_is_unknown(void **state)
{
    (void)state;
    struct built b;
    build(&b, weekly_open, utc("20260301T000000Z"));
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20300101T000000Z"),
                             utc("20300201T000000Z")), -1);
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20260301T000000Z"), INT64_MAX), -1);
    /* The EXDATE'd week has no instance; the override moved its week's to Tuesday. */
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20260309T000000Z"),
                             utc("20260310T000000Z")), 0);
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20260316T000000Z"),
                             utc("20260317T000000Z")), 0);
    assert_int_equal(caldav_index_overlaps(&b.ix, utc("20260317T130000Z"),
                             utc("20260317T140000Z")), 1);
    arena_free(&b.a);
}

static void test_rrule_bomb_is_indexed_without_instances(void **state)
{
    (void)state;
    check_object(secondly, false);
}

static void test_record_of_other_revision_or_damaged_is_refused(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    assert_int_equal(caldav_object_parse(a, str_view_of(weekly_open), &obj), 0);
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    caldav_index_build(&obj, 7, utc("20260301T000000Z"), &sb);
    struct caldav_index ix;
    assert_false(caldav_index_read(strbuf_view(&sb), 8, &ix));
    assert_true(caldav_index_read(strbuf_view(&sb), 7, &ix));
    assert_int_equal(ix.comp_bit, STORE_COMP_VEVENT);
    assert_false(caldav_index_read(str_view_make(sb.ptr, 10), 7, &ix));
    assert_false(caldav_index_read(STR_VIEW_LIT("<x>not an index</x>"), 7, &ix));
    /* Truncated instance data: unknown, never a wrong "no". */
    assert_true(caldav_index_read(str_view_make(sb.ptr, 40), 7, &ix));
    assert_int_equal(caldav_index_overlaps(&ix, utc("20260601T000000Z"),
                             utc("20260701T000000Z")), -1);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_weekly_with_exdate_and_override_in_other_zone_matches_parse),
        cmocka_unit_test(test_open_monthly_with_rdate_exdate_and_override_matches_parse),
        cmocka_unit_test(test_counted_rule_and_single_event_are_indexed_whole),
        cmocka_unit_test(test_yearly_date_and_tasks_match_parse),
        cmocka_unit_test(test_open_rule_outside_window_is_unknown),
        cmocka_unit_test(test_rrule_bomb_is_indexed_without_instances),
        cmocka_unit_test(test_record_of_other_revision_or_damaged_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
