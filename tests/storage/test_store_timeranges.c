/*
 * Storage contract: calendar time ranges (store.h "calendar time ranges"; RFC 4791 9.9):
 * which stored spans overlap a query, open ends, name order, and that replacing, deleting
 * or dropping the range of a resource updates what a query finds.
 */
#include "tests/storage/store_fixture.h"

static uint64_t cal_coll(struct fx *f)
{
    struct store_txn *t = fx_begin(f, true);
    uint64_t cal = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "cal", &cal));
    fx_commit(&t);
    return cal;
}

static int put_event(struct fx *f, uint64_t cal, const char *name, bool has, int64_t start,
                     int64_t end, const char *body, bool *changed)
{
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV(name),
                           .content_type = SV("text/calendar"),
                           .uid = SV(name),
                           .body = SV(body),
                           .has_timerange = has,
                           .tr_start = start,
                           .tr_end = end };
    int rc = store_resource_put(t, cal, &p, NULL, changed);
    if (rc == 0) {
        fx_commit(&t);
    } else {
        store_txn_abort(&t);
    }
    return rc;
}

static int collect_tr(void *ctx, struct str_view name, int64_t start, int64_t end)
{
    (void)end;
    fx_list_add(ctx, name, (uint64_t)start, false);
    return 0;
}

/* Names found for [start, end), joined with ',' for one comparison. */
static void assert_query(struct fx *f, uint64_t cal, int64_t start, int64_t end, const char *want)
{
    struct fx_list l = { 0 };
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_timerange_list(t, cal, start, end, collect_tr, &l));
    store_txn_abort(&t);
    char got[512] = "";
    for (size_t i = 0; i < l.n; i++) {
        strcat(got, i ? "," : "");
        strcat(got, l.v[i]);
    }
    fx_list_free(&l);
    if (strcmp(got, want) != 0) {
        print_error("range [%lld, %lld): expected \"%s\", got \"%s\"\n", (long long)start,
                    (long long)end, want, got);
        fail();
    }
}

static void test_timerange_overlap_follows_rfc4791(void **state)
{
    struct fx *f = *state;
    uint64_t cal = cal_coll(f);
    assert_ok(put_event(f, cal, "e1.ics", true, 100, 200, "e1", NULL));
    assert_ok(put_event(f, cal, "e2.ics", true, 200, 300, "e2", NULL));
    assert_ok(put_event(f, cal, "e3.ics", true, 50, INT64_MAX, "e3", NULL)); /* no end */
    assert_ok(put_event(f, cal, "e4.ics", false, 0, 0, "e4", NULL));         /* no range */
    assert_ok(put_event(f, cal, "e0.ics", true, -1000, -500, "e0", NULL));   /* before 1970 */

    assert_query(f, cal, 200, 300, "e2.ics,e3.ics"); /* e1 ends at 200: no overlap */
    assert_query(f, cal, 199, 200, "e1.ics,e3.ics");
    assert_query(f, cal, 0, 100, "e3.ics"); /* e1 starts at 100: no overlap */
    assert_query(f, cal, 0, 50, "");
    assert_query(f, cal, 300, 301, "e3.ics");
    assert_query(f, cal, -2000, 0, "e0.ics");
    assert_query(f, cal, -500, 0, "");
    assert_query(f, cal, INT64_MIN, INT64_MAX, "e0.ics,e1.ics,e2.ics,e3.ics");
    assert_query(f, cal, 250, INT64_MAX, "e2.ics,e3.ics");
    assert_query(f, cal, INT64_MIN, 100, "e0.ics,e3.ics");
}

static void test_timerange_is_per_collection(void **state)
{
    struct fx *f = *state;
    uint64_t cal = cal_coll(f);
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "other", &other));
    fx_commit(&t);
    assert_ok(put_event(f, cal, "a.ics", true, 100, 200, "a", NULL));
    assert_ok(put_event(f, other, "b.ics", true, 100, 200, "b", NULL));
    assert_query(f, cal, INT64_MIN, INT64_MAX, "a.ics");
    assert_query(f, other, INT64_MIN, INT64_MAX, "b.ics");
}

static void test_timerange_follows_replace_and_removal_of_range(void **state)
{
    struct fx *f = *state;
    uint64_t cal = cal_coll(f);
    assert_ok(put_event(f, cal, "a.ics", true, 100, 200, "v1", NULL));
    assert_ok(put_event(f, cal, "a.ics", true, 1000, 2000, "v2", NULL)); /* moved */
    assert_query(f, cal, 100, 200, "");
    assert_query(f, cal, 1500, 1600, "a.ics");
    assert_ok(put_event(f, cal, "a.ics", false, 0, 0, "v3", NULL)); /* dates removed */
    assert_query(f, cal, INT64_MIN, INT64_MAX, "");
}

/* The range is part of what a PUT stores: the same bytes with another range must not be
 * taken for a no-op that keeps the old range. */
static void test_timerange_change_with_same_bytes_is_stored(void **state)
{
    struct fx *f = *state;
    uint64_t cal = cal_coll(f);
    assert_ok(put_event(f, cal, "a.ics", true, 100, 200, "same", NULL));
    bool changed = true;
    assert_ok(put_event(f, cal, "a.ics", true, 100, 200, "same", &changed));
    assert_false(changed);
    assert_ok(put_event(f, cal, "a.ics", true, 500, 600, "same", &changed));
    assert_query(f, cal, 500, 600, "a.ics");
    assert_query(f, cal, 100, 200, "");
}

static void test_timerange_removed_with_resource_and_collection(void **state)
{
    struct fx *f = *state;
    uint64_t cal = cal_coll(f);
    assert_ok(put_event(f, cal, "a.ics", true, 100, 200, "a", NULL));
    assert_ok(put_event(f, cal, "b.ics", true, 100, 200, "b", NULL));
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, cal, SV("a.ics"), 0));
    fx_commit(&t);
    assert_query(f, cal, INT64_MIN, INT64_MAX, "b.ics");

    t = fx_begin(f, true);
    assert_ok(store_collection_delete(t, cal));
    fx_commit(&t);
    struct fx_list l = { 0 };
    t = fx_begin(f, false);
    int rc = store_timerange_list(t, cal, INT64_MIN, INT64_MAX, collect_tr, &l);
    store_txn_abort(&t);
    assert_true(rc == 0 || rc == ERR_NOT_FOUND);
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_timerange_overlap_follows_rfc4791),
        T(test_timerange_is_per_collection),
        T(test_timerange_follows_replace_and_removal_of_range),
        T(test_timerange_change_with_same_bytes_is_stored),
        T(test_timerange_removed_with_resource_and_collection),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
