/*
 * test_dav_target.c: request paths split by the [dav] paths of the configuration (root,
 * principals, homes, collections, resources, the files tree), hrefs percent-encoded on
 * the way out, and Destination headers decoded on the way in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/webdav/dav-internal.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

static struct kith_config cfg;
static struct arena *a;

static int setup(void **state)
{
    config_defaults(&cfg);
    a = arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    arena_free(&a);
    return 0;
}

static struct dav_path parse_ok(const char *path)
{
    struct dav_path p;
    assert_int_equal(dav_path_parse(&cfg, path, &p), 0);
    return p;
}

static void assert_view(struct str_view v, const char *s)
{
    assert_int_equal(v.len, strlen(s));
    assert_memory_equal(v.ptr, s, v.len);
}

static void test_root_and_principals(void **state)
{
    assert_int_equal(parse_ok("/").node, DAV_NODE_ROOT);
    struct dav_path p = parse_ok("/principals/users/");
    assert_int_equal(p.node, DAV_NODE_PRINCIPALS);
    assert_false(p.principal_parent);
    p = parse_ok("/principals/");
    assert_int_equal(p.node, DAV_NODE_PRINCIPALS);
    assert_true(p.principal_parent);
    p = parse_ok("/principals/users/alice/");
    assert_int_equal(p.node, DAV_NODE_PRINCIPAL);
    assert_view(p.user, "alice");
    assert_int_equal(parse_ok("/principals/users/alice").node, DAV_NODE_PRINCIPAL);
}

static void test_homes_collections_and_resources(void **state)
{
    struct dav_path p = parse_ok("/dav/addressbooks/alice/");
    assert_int_equal(p.node, DAV_NODE_HOME);
    assert_int_equal(p.home, DAV_HOME_ADDRESSBOOKS);
    p = parse_ok("/dav/addressbooks/alice/contacts");
    assert_int_equal(p.node, DAV_NODE_COLLECTION);
    assert_view(p.slug, "contacts");
    p = parse_ok("/dav/calendars/bob/tasks/x.ics");
    assert_int_equal(p.node, DAV_NODE_RESOURCE);
    assert_int_equal(p.home, DAV_HOME_CALENDARS);
    assert_view(p.user, "bob");
    assert_view(p.slug, "tasks");
    assert_view(p.name, "x.ics");
}

static void test_files_root_is_the_collection_and_paths_are_names(void **state)
{
    struct dav_path p = parse_ok("/dav/files/alice/");
    assert_int_equal(p.node, DAV_NODE_COLLECTION);
    assert_int_equal(p.home, DAV_HOME_FILES);
    assert_view(p.slug, "files");
    assert_int_equal(parse_ok("/dav/files/alice").node, DAV_NODE_COLLECTION);
    p = parse_ok("/dav/files/alice/a/b/c.txt");
    assert_int_equal(p.node, DAV_NODE_RESOURCE);
    assert_view(p.name, "a/b/c.txt");
    p = parse_ok("/dav/files/alice/a/b/");
    assert_view(p.name, "a/b/");
}

static void test_paths_that_name_nothing(void **state)
{
    struct dav_path p;
    assert_int_equal(dav_path_parse(&cfg, "/nowhere", &p), ERR_NOT_FOUND);
    assert_int_equal(dav_path_parse(&cfg, "/dav/addressbooks/", &p), ERR_NOT_FOUND);
    assert_int_equal(dav_path_parse(&cfg, "/dav/addressbooks/alice/book/x/y", &p), ERR_NOT_FOUND);
    assert_int_equal(dav_path_parse(&cfg, "/dav/addressbooks/alice/book/x/", &p), ERR_NOT_FOUND);
    assert_int_equal(dav_path_parse(&cfg, "/dav/files/alice/a//b", &p), ERR_NOT_FOUND);
    assert_int_equal(dav_path_parse(&cfg, "/principals/users/alice/more", &p), ERR_NOT_FOUND);
}

static void test_configured_paths_are_used(void **state)
{
    struct kith_config c = cfg;
    snprintf(c.files_home, sizeof(c.files_home), "/webdav/");
    struct dav_path p;
    assert_int_equal(dav_path_parse(&c, "/webdav/alice/doc.txt", &p), 0);
    assert_int_equal(p.home, DAV_HOME_FILES);
    assert_view(p.name, "doc.txt");
    assert_int_equal(dav_path_parse(&c, "/dav/files/alice/doc.txt", &p), ERR_NOT_FOUND);
}

static void test_href_percent_encodes_all_but_unreserved_and_slash(void **state)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    dav_href_append(&sb, str_view_of("/dav/files/a/res-\xe2\x82\xac name&x@y.txt"));
    assert_string_equal(sb.ptr, "/dav/files/a/res-%E2%82%AC%20name%26x%40y.txt");
    assert_string_equal(dav_principal_href(a, &cfg, STR_VIEW_LIT("bob")), "/principals/users/bob/");
}

static void test_destination_absolute_or_path_decoded(void **state)
{
    const char *path;
    assert_int_equal(dav_destination_path(a, "http://h:8008/dav/files/a/x%20y?q=1", &path), 0);
    assert_string_equal(path, "/dav/files/a/x y");
    assert_int_equal(dav_destination_path(a, "/dav/files/a/b%2Fc", &path), 0);
    assert_string_equal(path, "/dav/files/a/b/c");
    assert_int_equal(dav_destination_path(a, "https://h", &path), 0);
    assert_string_equal(path, "/");
    assert_int_equal(dav_destination_path(a, "/dav/files/a/../b/x", &path), ERR_INVAL);
    assert_int_equal(dav_destination_path(a, "/dav/files/a/%2e%2e/x", &path), ERR_INVAL);
    assert_int_equal(dav_destination_path(a, "/dav/files/a/%00", &path), ERR_INVAL);
    assert_int_equal(dav_destination_path(a, "/dav/files/a/%4", &path), ERR_INVAL);
    assert_int_equal(dav_destination_path(a, "relative/path", &path), ERR_INVAL);
}

static void test_parent_names(void **state)
{
    assert_view(dav_parent_name(STR_VIEW_LIT("a/b/c.txt")), "a/b/");
    assert_view(dav_parent_name(STR_VIEW_LIT("a/b/")), "a/");
    assert_view(dav_parent_name(STR_VIEW_LIT("a")), "");
}

static void test_etag_lists(void **state)
{
    assert_true(dav_etag_list_match("*", "\"1a\""));
    assert_true(dav_etag_list_match("\"x\", \"1a\"", "\"1a\""));
    assert_true(dav_etag_list_match("W/\"1a\"", "\"1a\""));
    assert_false(dav_etag_list_match("\"1a0\"", "\"1a\""));
    assert_false(dav_etag_list_match("", "\"1a\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_and_principals),
        cmocka_unit_test(test_homes_collections_and_resources),
        cmocka_unit_test(test_files_root_is_the_collection_and_paths_are_names),
        cmocka_unit_test(test_paths_that_name_nothing),
        cmocka_unit_test(test_configured_paths_are_used),
        cmocka_unit_test(test_href_percent_encodes_all_but_unreserved_and_slash),
        cmocka_unit_test(test_destination_absolute_or_path_decoded),
        cmocka_unit_test(test_parent_names),
        cmocka_unit_test(test_etag_lists),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
