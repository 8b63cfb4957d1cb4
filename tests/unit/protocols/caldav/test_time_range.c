/* Unit tests for protocols/caldav/time_range.c: our recurrence expansion (overrides,
 * EXDATE, RDATE, time zones), the RFC 4791 9.9 overlap table and the stored span. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/caldav/caldav-internal.h"
#include "src/arena.h"

#define CRLF "\r\n"

static int64_t utc(const char *s)
{
    int64_t t = 0;
    assert_true(caldav_parse_utc(str_view_of(s), &t));
    return t;
}

struct collect {
    int64_t starts[64];
    int64_t rids[64];
    bool overrides[64];
    size_t n;
};

static int collect_fn(void *ctx, const struct caldav_instance *in)
{
    struct collect *c = ctx;
    if (c->n < 64) {
        c->starts[c->n] = in->a;
        c->rids[c->n] = in->rid;
        c->overrides[c->n] = in->is_override;
        c->n++;
    }
    return 0;
}

static void parse(struct arena *a, const char *text, struct caldav_object *obj)
{
    assert_int_equal(caldav_object_parse(a, str_view_of(text), obj), 0);
}

/* Weekly in Berlin across the DST change, one EXDATE, one moved instance. */
static const char weekly_berlin[] =
        "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//test//EN" CRLF
        "BEGIN:VEVENT" CRLF "UID:w1" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;TZID=Europe/Berlin:20260316T100000" CRLF
        "DTEND;TZID=Europe/Berlin:20260316T110000" CRLF
        "RRULE:FREQ=WEEKLY;COUNT=5" CRLF
        "EXDATE;TZID=Europe/Berlin:20260323T100000" CRLF
        "SUMMARY:Standup" CRLF "END:VEVENT" CRLF
        "BEGIN:VEVENT" CRLF "UID:w1" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000" CRLF
        "DTSTART;TZID=Europe/Berlin:20260407T150000" CRLF
        "DTEND;TZID=Europe/Berlin:20260407T160000" CRLF
        "SUMMARY:Standup moved" CRLF "END:VEVENT" CRLF "END:VCALENDAR" CRLF;

static void test_expand_honours_exdate_override_and_dst(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, weekly_berlin, &obj);
    struct collect c = { 0 };
    struct caldav_expand_stats st;
    assert_int_equal(caldav_expand(&obj, INT64_MIN, INT64_MAX, collect_fn, &c, &st), 0);
    /* 5 instances minus the EXDATE = 4; the 6 April one replaced by the override. */
    assert_int_equal(c.n, 4);
    assert_int_equal(c.starts[0], utc("20260316T090000Z")); /* CET */
    assert_int_equal(c.starts[1], utc("20260330T080000Z")); /* CEST after 29 March */
    assert_int_equal(c.starts[2], utc("20260407T130000Z")); /* the override */
    assert_true(c.overrides[2]);
    assert_int_equal(c.rids[2], utc("20260406T080000Z"));
    assert_int_equal(c.starts[3], utc("20260413T080000Z"));
    assert_false(st.truncated);
    assert_false(st.unbounded);
    arena_free(&a);
}

static void test_expand_range_selects_overlapping_instances_only(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, weekly_berlin, &obj);
    struct collect c = { 0 };
    caldav_expand(&obj, utc("20260401T000000Z"), utc("20260410T000000Z"), collect_fn, &c, NULL);
    assert_int_equal(c.n, 1);
    assert_true(c.overrides[0]);
    /* The original 6 April slot is gone even though it lies in the range. */
    memset(&c, 0, sizeof(c));
    caldav_expand(&obj, utc("20260406T000000Z"), utc("20260407T000000Z"), collect_fn, &c, NULL);
    assert_int_equal(c.n, 0);
    arena_free(&a);
}

static const char ny_rdate[] =
        "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//test//EN" CRLF
        "BEGIN:VEVENT" CRLF "UID:ny" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART;TZID=America/New_York:20260305T090000" CRLF "DURATION:PT30M" CRLF
        "RDATE;TZID=America/New_York:20260312T090000" CRLF
        "END:VEVENT" CRLF "END:VCALENDAR" CRLF;

static void test_rdate_in_new_york_follows_us_dst(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, ny_rdate, &obj);
    struct collect c = { 0 };
    caldav_expand(&obj, INT64_MIN, INT64_MAX, collect_fn, &c, NULL);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.starts[0], utc("20260305T140000Z")); /* EST */
    assert_int_equal(c.starts[1], utc("20260312T130000Z")); /* EDT from 8 March */
    arena_free(&a);
}

static const char secondly[] =
        "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//test//EN" CRLF
        "BEGIN:VEVENT" CRLF "UID:bomb" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "DTSTART:20260101T000000Z" CRLF "RRULE:FREQ=SECONDLY" CRLF
        "END:VEVENT" CRLF "END:VCALENDAR" CRLF;

static int count_fn(void *ctx, const struct caldav_instance *in)
{
    (void)in;
    (*(size_t *)ctx)++;
    return 0;
}

static void test_secondly_without_end_is_bounded_and_open_ended(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, secondly, &obj);
    int64_t s, e;
    caldav_object_span(&obj, &s, &e);
    assert_true(s <= utc("20260101T000000Z"));
    assert_true(e == INT64_MAX);
    size_t n = 0;
    struct caldav_expand_stats st;
    caldav_expand(&obj, utc("20260201T000000Z"), utc("20260301T000000Z"), count_fn, &n, &st);
    assert_true(n <= CALDAV_MAX_INSTANCES);
    assert_true(st.truncated);
    arena_free(&a);
}

static void test_span_of_counted_rule_ends_after_last_instance(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, weekly_berlin, &obj);
    int64_t s, e;
    caldav_object_span(&obj, &s, &e);
    assert_true(s <= utc("20260316T090000Z"));
    assert_true(e >= utc("20260413T090000Z"));
    assert_true(e < utc("20260414T000000Z"));
    arena_free(&a);
}

static void test_todo_table_rows(void **state)
{
    (void)state;
    struct caldav_instance due_only = { .shape = CALDAV_SHAPE_DUE_ONLY, .a = 100, .b = 100 };
    assert_true(caldav_instance_overlaps(&due_only, 50, 100));  /* end >= DUE */
    assert_false(caldav_instance_overlaps(&due_only, 100, 200)); /* start < DUE fails */
    struct caldav_instance always = { .shape = CALDAV_SHAPE_ALWAYS };
    assert_true(caldav_instance_overlaps(&always, 0, 1));
    struct caldav_instance point = { .shape = CALDAV_SHAPE_POINT, .a = 10, .b = 10 };
    assert_true(caldav_instance_overlaps(&point, 10, 11));
    assert_false(caldav_instance_overlaps(&point, 0, 10));
    struct caldav_instance span = { .shape = CALDAV_SHAPE_SPAN, .a = 10, .b = 20 };
    assert_false(caldav_instance_overlaps(&span, 20, 30));
    assert_true(caldav_instance_overlaps(&span, INT64_MIN, 11));
}

static const char journal_nodate[] =
        "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//test//EN" CRLF
        "BEGIN:VJOURNAL" CRLF "UID:j" CRLF "DTSTAMP:20260101T000000Z" CRLF
        "SUMMARY:note" CRLF "END:VJOURNAL" CRLF "END:VCALENDAR" CRLF;

static void test_journal_without_dtstart_matches_no_range(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    parse(a, journal_nodate, &obj);
    assert_false(caldav_object_overlaps(&obj, INT64_MIN, INT64_MAX));
    int64_t s, e;
    caldav_object_span(&obj, &s, &e);
    assert_int_equal(s, INT64_MIN);
    assert_int_equal(e, INT64_MIN);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_honours_exdate_override_and_dst),
        cmocka_unit_test(test_expand_range_selects_overlapping_instances_only),
        cmocka_unit_test(test_rdate_in_new_york_follows_us_dst),
        cmocka_unit_test(test_secondly_without_end_is_bounded_and_open_ended),
        cmocka_unit_test(test_span_of_counted_rule_ends_after_last_instance),
        cmocka_unit_test(test_todo_table_rows),
        cmocka_unit_test(test_journal_without_dtstart_matches_no_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
