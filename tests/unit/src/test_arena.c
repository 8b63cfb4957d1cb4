/*
 * test_arena.c: the bump allocator's promises (src/arena.h): zero-filled memory, cleanups
 * run LIFO, and arena_reset() handing out zeroed memory again from the kept first block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/arena.h"

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

static void test_alloc_is_zero_filled_and_aligned(void **state)
{
    struct arena *a = arena_new(64);
    for (size_t size = 1; size < 300; size += 37) {
        unsigned char *p = arena_alloc(a, size);
        assert_true(all_zero(p, size));
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, size);
    }
    arena_free(&a);
    assert_null(a);
}

static int order[4];
static int n_order;

static void note(void *data)
{
    order[n_order++] = *(int *)data;
}

static void test_cleanups_run_last_registered_first(void **state)
{
    static int one = 1, two = 2;
    struct arena *a = arena_new(0);
    n_order = 0;
    arena_on_free(a, note, &one);
    arena_on_free(a, note, &two);
    arena_free(&a);
    assert_int_equal(n_order, 2);
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 1);
}

static void test_reset_hands_out_zeroed_memory_again(void **state)
{
    struct arena *a = arena_new(256);
    unsigned char *first = arena_alloc(a, 100);
    memset(first, 0xff, 100);
    /* Past the first block: further blocks that the reset releases. */
    for (int i = 0; i < 20; i++) {
        memset(arena_alloc(a, 200), 0xee, 200);
    }
    memset(arena_alloc(a, 10000), 0xdd, 10000);
    assert_true(arena_used(a) >= 14100);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    unsigned char *again = arena_alloc(a, 100);
    assert_ptr_equal(again, first); /* the first block is reused, not reallocated */
    assert_true(all_zero(again, 100));
    unsigned char *more = arena_alloc(a, 4000);
    assert_true(all_zero(more, 4000));
    arena_free(&a);
}

static void test_reset_runs_cleanups_once(void **state)
{
    static int three = 3;
    struct arena *a = arena_new(0);
    n_order = 0;
    arena_on_free(a, note, &three);
    arena_reset(a);
    assert_int_equal(n_order, 1);
    arena_free(&a);
    assert_int_equal(n_order, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_is_zero_filled_and_aligned),
        cmocka_unit_test(test_cleanups_run_last_registered_first),
        cmocka_unit_test(test_reset_hands_out_zeroed_memory_again),
        cmocka_unit_test(test_reset_runs_cleanups_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
