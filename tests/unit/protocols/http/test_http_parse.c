/*
 * test_http_parse.c: the pure helpers of the HTTP layer: request-target split,
 * percent-decoding with its refusals, Basic credentials, token lists, trusted proxies,
 * reason phrases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/http/http-internal.h"
#include "src/arena.h"
#include "src/err.h"

static struct arena *a;

static int setup(void **state)
{
    a = arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    arena_free(&a);
    return 0;
}

static void assert_view(struct str_view v, const char *expected)
{
    assert_int_equal(v.len, strlen(expected));
    assert_memory_equal(v.ptr, expected, v.len);
}

static void test_target_split_origin_absolute_and_asterisk_forms(void **state)
{
    struct str_view path, query;
    assert_int_equal(http_target_split(STR_VIEW_LIT("/a/b?x=1&y#frag"), &path, &query), 0);
    assert_view(path, "/a/b");
    assert_view(query, "x=1&y");
    assert_int_equal(http_target_split(STR_VIEW_LIT("https://h:8443/dav/x?q"), &path, &query), 0);
    assert_view(path, "/dav/x");
    assert_view(query, "q");
    assert_int_equal(http_target_split(STR_VIEW_LIT("http://h"), &path, &query), 0);
    assert_view(path, "/");
    assert_int_equal(http_target_split(STR_VIEW_LIT("*"), &path, &query), 0);
    assert_view(path, "*");
    assert_int_equal(http_target_split(STR_VIEW_LIT("relative/x"), &path, &query), ERR_INVAL);
    assert_int_equal(http_target_split(STR_VIEW_LIT(""), &path, &query), ERR_INVAL);
}

static void test_path_decode_percent_escapes(void **state)
{
    const char *p;
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/M%C3%BCller%20Co/x.vcf"), &p), 0);
    assert_string_equal(p, "/M\xc3\xbcller Co/x.vcf");
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a+b/"), &p), 0);
    assert_string_equal(p, "/a+b/"); /* '+' is not a space in paths */
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a..b/.x"), &p), 0);
}

static void test_path_decode_refuses_nul_dot_segments_and_bad_escapes(void **state)
{
    const char *p;
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a%00b"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a/../b"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a/%2E%2e/b"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a/.."), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/./a"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a%2"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("/a%zz"), &p), ERR_INVAL);
    assert_int_equal(http_path_decode(a, STR_VIEW_LIT("x"), &p), ERR_INVAL);
    assert_null(p);
}

static void test_basic_credentials_decode(void **state)
{
    const char *user, *pass;
    assert_int_equal(http_basic_decode(a, "Basic YWxpY2U6c2VjcmV0", &user, &pass), 0);
    assert_string_equal(user, "alice");
    assert_string_equal(pass, "secret");
    /* The password may contain ':' (RFC 7617 2); only the first one splits. */
    assert_int_equal(http_basic_decode(a, "basic  Ym9iOmE6Yg==", &user, &pass), 0);
    assert_string_equal(user, "bob");
    assert_string_equal(pass, "a:b");
}

static void test_basic_credentials_refuse_malformed(void **state)
{
    const char *user, *pass;
    assert_int_equal(http_basic_decode(a, "Bearer abc", &user, &pass), ERR_INVAL);
    assert_int_equal(http_basic_decode(a, "Basic !!!!", &user, &pass), ERR_INVAL);
    assert_int_equal(http_basic_decode(a, "Basic bm9jb2xvbg==", &user, &pass), ERR_INVAL);
    assert_int_equal(http_basic_decode(a, "Basic OnB3", &user, &pass), ERR_INVAL);     /* ":pw" */
    assert_int_equal(http_basic_decode(a, "Basic YQBiOmM=", &user, &pass), ERR_INVAL); /* NUL */
    assert_int_equal(http_basic_decode(a, "Basic", &user, &pass), ERR_INVAL);
    assert_null(user);
}

static void test_token_list_matching(void **state)
{
    assert_true(http_token_list_has("100-Continue", "100-continue"));
    assert_true(http_token_list_has("keep-alive, Upgrade", "upgrade"));
    assert_false(http_token_list_has("100-continuex", "100-continue"));
    assert_false(http_token_list_has("", "close"));
}

static void test_trusted_proxies_match_v4_and_v6(void **state)
{
    struct http_server hs = { 0 };
    assert_int_equal(http_trusted_parse("10.0.0.1, ::1,192.0.2.7", hs.trusted, HTTP_TRUSTED_MAX,
                                        &hs.ntrusted),
                     0);
    assert_int_equal(hs.ntrusted, 3);
    assert_true(http_trusted_has(&hs, "10.0.0.1"));
    assert_true(http_trusted_has(&hs, "::1"));
    assert_false(http_trusted_has(&hs, "10.0.0.2"));
    assert_false(http_trusted_has(&hs, "local"));
    assert_int_equal(http_trusted_parse("10.0.0.1, proxy.example", hs.trusted, HTTP_TRUSTED_MAX,
                                        &hs.ntrusted),
                     ERR_INVAL);
}

static void test_status_lines_use_registry_phrases(void **state)
{
    assert_string_equal(http_status_text(200), "OK");
    assert_string_equal(http_status_text(207), "Multi-Status");
    assert_string_equal(http_status_text(404), "Not Found");
    assert_string_equal(http_status_text(412), "Precondition Failed");
    assert_string_equal(http_status_text(507), "Insufficient Storage");
    assert_string_equal(http_status_text(799), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_target_split_origin_absolute_and_asterisk_forms, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_path_decode_percent_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_decode_refuses_nul_dot_segments_and_bad_escapes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_credentials_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_credentials_refuse_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_list_matching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_proxies_match_v4_and_v6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_lines_use_registry_phrases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
