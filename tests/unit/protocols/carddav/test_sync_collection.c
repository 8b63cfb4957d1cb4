/*
 * test_sync_collection.c: sync tokens (RFC 6578) as dav_sync_token writes them are read
 * back, and tokens of other collections, other servers or malformed ones are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"

static void test_written_token_parses_back(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct store_collection c = { .id = 42, .sync_seq = 1234567 };
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    dav_sync_token(&sb, &c);
    uint64_t seq = 0;
    assert_true(dav_sync_token_parse(strbuf_view(&sb), &c, &seq));
    assert_int_equal(seq, 1234567);
    arena_free(&a);
}

static void test_empty_token_is_an_initial_sync(void **state)
{
    (void)state;
    struct store_collection c = { .id = 1, .sync_seq = 9 };
    uint64_t seq = 77;
    assert_true(dav_sync_token_parse(STR_VIEW_LIT(""), &c, &seq));
    assert_int_equal(seq, 0);
}

static void test_foreign_and_malformed_tokens_are_refused(void **state)
{
    (void)state;
    struct store_collection c = { .id = 7, .sync_seq = 9 };
    uint64_t seq;
    const char *bad[] = {
        "http://kith.invalid/sync/8-3",  /* another collection */
        "http://example.com/sync/7-3",   /* another server */
        "http://kith.invalid/sync/7-",   /* no seq */
        "http://kith.invalid/sync/7-3x", /* trailing junk */
        "http://kith.invalid/sync/-3",   /* no id */
        "http://kith.invalid/sync/7+3",  /* wrong separator */
        "12345",                         /* a ctag-looking token */
        "http://kith.invalid/sync/7-123456789012345678901234567890123456789012345",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(dav_sync_token_parse(str_view_of(bad[i]), &c, &seq));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_written_token_parses_back),
        cmocka_unit_test(test_empty_token_is_an_initial_sync),
        cmocka_unit_test(test_foreign_and_malformed_tokens_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
