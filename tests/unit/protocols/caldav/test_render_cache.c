/* Unit tests for protocols/caldav/render_cache.c: entries are found by (revision, ranges)
 * only, comp/prop selections are never cached, and the cache stays usable after clears. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/caldav/caldav-filter.h"

static struct caldav_data_req expand(int64_t from, int64_t to)
{
    struct caldav_data_req dq = { 0 };
    dq.expand = (struct caldav_tr){ true, from, to };
    return dq;
}

static void test_hit_needs_same_revision_and_range(void **state)
{
    (void)state;
    caldav_render_cache_clear();
    struct caldav_data_req a = expand(100, 200), b = expand(100, 300), verbatim = { 0 };
    struct str_view out;
    caldav_render_cache_put(&a, 7, STR_VIEW_LIT("seven"));
    caldav_render_cache_put(&verbatim, 7, STR_VIEW_LIT("bytes"));
    assert_true(caldav_render_cache_get(&a, 7, &out));
    assert_true(str_view_eq(out, STR_VIEW_LIT("seven")));
    assert_true(caldav_render_cache_get(&verbatim, 7, &out));
    assert_true(str_view_eq(out, STR_VIEW_LIT("bytes")));
    assert_false(caldav_render_cache_get(&a, 8, &out));
    assert_false(caldav_render_cache_get(&b, 7, &out));
    assert_false(caldav_render_cache_get(&a, 0, &out)); /* revision 0: unknown, never cached */
}

static void test_selection_is_not_cached(void **state)
{
    (void)state;
    caldav_render_cache_clear();
    struct caldav_comp_sel sel = { .name = "VCALENDAR", .all_props = true, .all_comps = true };
    struct caldav_data_req dq = expand(100, 200);
    dq.sel = &sel;
    struct str_view out;
    caldav_render_cache_put(&dq, 9, STR_VIEW_LIT("x"));
    assert_false(caldav_render_cache_get(&dq, 9, &out));
}

static void test_many_entries_clear_and_refill(void **state)
{
    (void)state;
    caldav_render_cache_clear();
    struct caldav_data_req dq = expand(0, 10);
    struct str_view out;
    for (uint64_t rev = 1; rev <= 200000; rev++) {
        caldav_render_cache_put(&dq, rev, STR_VIEW_LIT("text"));
    }
    struct caldav_render_stats st = caldav_render_cache_stats();
    assert_true(st.clears >= 1);
    assert_true(st.entries <= (1u << 16));
    assert_true(caldav_render_cache_get(&dq, 200000, &out));
    assert_false(caldav_render_cache_get(&dq, 1, &out));
    caldav_render_cache_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_needs_same_revision_and_range),
        cmocka_unit_test(test_selection_is_not_cached),
        cmocka_unit_test(test_many_entries_clear_and_refill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
