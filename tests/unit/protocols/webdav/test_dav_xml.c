/*
 * test_dav_xml.c: the DAV request-body reader: good PROPFIND/PROPPATCH/MKCOL bodies with
 * any prefixes, and the hostile ones (DOCTYPE, entity bombs, external entities, depth and
 * width limits, undeclared prefixes) refused without expanding anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "protocols/webdav/dav-internal.h"
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

static struct str_view body(const char *s)
{
    return str_view_of(s);
}

static bool qname_is(struct dav_qname q, const char *ns, const char *name)
{
    return str_view_eq(q.ns, str_view_of(ns)) && str_view_eq(q.name, str_view_of(name));
}

static void test_propfind_prop_keeps_namespaces_whatever_the_prefix(void **state)
{
    struct dav_propfind pf;
    int rc = dav_xml_propfind(
            a,
            body("<?xml version=\"1.0\"?>\n"
                 "<x:propfind xmlns:x=\"DAV:\" xmlns:cs=\"http://calendarserver.org/ns/\">"
                 " <x:prop><x:getetag/><cs:getctag/><foo xmlns=\"urn:f\"/>"
                 "<bar/></x:prop></x:propfind>"),
            &pf);
    assert_int_equal(rc, 0);
    assert_int_equal(pf.kind, DAV_PROPFIND_PROP);
    assert_int_equal(pf.n_props, 4);
    assert_true(qname_is(pf.props[0], "DAV:", "getetag"));
    assert_true(qname_is(pf.props[1], DAV_NS_CS, "getctag"));
    assert_true(qname_is(pf.props[2], "urn:f", "foo"));
    assert_true(qname_is(pf.props[3], "", "bar"));
}

static void test_propfind_empty_body_is_allprop(void **state)
{
    struct dav_propfind pf;
    assert_int_equal(dav_xml_propfind(a, STR_VIEW_NULL, &pf), 0);
    assert_int_equal(pf.kind, DAV_PROPFIND_ALLPROP);
    assert_int_equal(pf.n_props, 0);
}

static void test_propfind_allprop_with_include_and_propname(void **state)
{
    struct dav_propfind pf;
    assert_int_equal(dav_xml_propfind(a,
                                      body("<D:propfind xmlns:D=\"DAV:\"><D:allprop/>"
                                           "<D:include><D:sync-token/></D:include></D:propfind>"),
                                      &pf),
                     0);
    assert_int_equal(pf.kind, DAV_PROPFIND_ALLPROP);
    assert_int_equal(pf.n_props, 1);
    assert_true(qname_is(pf.props[0], "DAV:", "sync-token"));
    assert_int_equal(
            dav_xml_propfind(a, body("<D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>"),
                             &pf),
            0);
    assert_int_equal(pf.kind, DAV_PROPFIND_PROPNAME);
}

static void test_propfind_wrong_root_or_malformed_is_inval(void **state)
{
    struct dav_propfind pf;
    assert_int_equal(
            dav_xml_propfind(a, body("<D:propfind xmlns:D=\"urn:not-dav\"><D:prop/></D:propfind>"),
                             &pf),
            ERR_INVAL);
    assert_int_equal(dav_xml_propfind(a, body("<D:propfind xmlns:D=\"DAV:\"><D:prop>"), &pf),
                     ERR_INVAL);
    /* litmus propfind_invalid2: an undeclared prefix is not namespace-well-formed */
    assert_int_equal(dav_xml_propfind(a,
                                      body("<D:propfind xmlns:D=\"DAV:\"><D:prop><bar:foo/>"
                                           "</D:prop></D:propfind>"),
                                      &pf),
                     ERR_INVAL);
    assert_int_equal(dav_xml_propfind(a, body("this is not xml"), &pf), ERR_INVAL);
}

static void test_doctype_is_refused(void **state)
{
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(a, body("<!DOCTYPE propfind><propfind xmlns=\"DAV:\"/>"), &root),
                     ERR_INVAL);
    assert_null(root);
}

static void test_external_entity_is_refused(void **state)
{
    struct dav_xml_node *root;
    const char *xxe =
            "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:x>&x;</D:x></D:prop></D:propfind>";
    assert_int_equal(dav_xml_parse(a, body(xxe), &root), ERR_INVAL);
}

static void test_billion_laughs_is_refused_without_expanding(void **state)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 4096);
    strbuf_append_cstr(&sb, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for (int i = 1; i < 10; i++) {
        strbuf_appendf(&sb, "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++) {
            strbuf_appendf(&sb, "&lol%s;", i == 1 ? "" : (char[]){ (char)('0' + i - 1), 0 });
        }
        strbuf_append_cstr(&sb, "\">");
    }
    strbuf_append_cstr(&sb, "]><D:propfind xmlns:D=\"DAV:\"><D:prop><D:x>&lol9;</D:x></D:prop>"
                            "</D:propfind>");
    struct dav_xml_node *root;
    size_t before = arena_used(a);
    clock_t start = clock();
    assert_int_equal(dav_xml_parse(a, strbuf_view(&sb), &root), ERR_INVAL);
    assert_true((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
    assert_true(arena_used(a) - before < 64 * 1024);
}

static const char *nested(int depth)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 16 * (size_t)depth);
    strbuf_append_cstr(&sb, "<D:propfind xmlns:D=\"DAV:\">");
    for (int i = 1; i < depth; i++) {
        strbuf_append_cstr(&sb, "<D:a>");
    }
    for (int i = 1; i < depth; i++) {
        strbuf_append_cstr(&sb, "</D:a>");
    }
    strbuf_append_cstr(&sb, "</D:propfind>");
    return sb.ptr;
}

static void test_depth_limit(void **state)
{
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(a, body(nested(DAV_XML_MAX_DEPTH)), &root), 0);
    assert_int_equal(dav_xml_parse(a, body(nested(DAV_XML_MAX_DEPTH + 1)), &root), ERR_TOO_LARGE);
    assert_int_equal(dav_xml_parse(a, body(nested(5000)), &root), ERR_TOO_LARGE);
}

static void test_element_count_limit(void **state)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 5 * DAV_XML_MAX_ELEMENTS);
    strbuf_append_cstr(&sb, "<r>");
    for (int i = 0; i < DAV_XML_MAX_ELEMENTS; i++) {
        strbuf_append_cstr(&sb, "<a/>");
    }
    strbuf_append_cstr(&sb, "</r>");
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(a, strbuf_view(&sb), &root), ERR_TOO_LARGE);
}

static void test_proppatch_ops_in_order_with_serialised_values(void **state)
{
    struct dav_proppatch pp;
    int rc = dav_xml_proppatch(
            a,
            body("<D:propertyupdate xmlns:D=\"DAV:\" xmlns:Z=\"http://ex.com/ns/\">"
                 "<D:set><D:prop><Z:author>Jim <Z:b x=\"1\">&amp; co</Z:b></Z:author>"
                 "<D:displayname>Book</D:displayname></D:prop></D:set>"
                 "<D:remove><D:prop><Z:old/></D:prop></D:remove>"
                 "</D:propertyupdate>"),
            &pp);
    assert_int_equal(rc, 0);
    assert_int_equal(pp.n_ops, 3);
    assert_false(pp.ops[0].remove);
    assert_true(qname_is(pp.ops[0].qname, "http://ex.com/ns/", "author"));
    assert_string_equal(pp.ops[0].value.ptr,
                        "<author xmlns=\"http://ex.com/ns/\">Jim <b x=\"1\">&amp; co</b></author>");
    assert_true(qname_is(pp.ops[1].qname, "DAV:", "displayname"));
    assert_string_equal(dav_xml_text(a, pp.ops[1].elem).ptr, "Book");
    assert_true(pp.ops[2].remove);
    assert_true(qname_is(pp.ops[2].qname, "http://ex.com/ns/", "old"));
}

static void test_serialised_value_parses_back_to_the_same_names(void **state)
{
    struct dav_proppatch pp;
    assert_int_equal(dav_xml_proppatch(a,
                                       body("<propertyupdate xmlns=\"DAV:\"><set><prop>"
                                            "<q:p xmlns:q=\"urn:q\"><inner xmlns=\"\">t</inner>"
                                            "<q:x/></q:p></prop></set></propertyupdate>"),
                                       &pp),
                     0);
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(a, pp.ops[0].value, &root), 0);
    assert_true(dav_xml_is(root, "urn:q", "p"));
    const struct dav_xml_node *inner = dav_xml_child(root, NULL, NULL);
    assert_true(dav_xml_is(inner, "", "inner"));
    assert_true(dav_xml_is(dav_xml_next(inner), "urn:q", "x"));
}

static void test_proppatch_without_operations_is_inval(void **state)
{
    struct dav_proppatch pp;
    assert_int_equal(dav_xml_proppatch(a, body("<D:propertyupdate xmlns:D=\"DAV:\"/>"), &pp),
                     ERR_INVAL);
    assert_int_equal(dav_xml_proppatch(a,
                                       body("<D:propertyupdate xmlns:D=\"DAV:\"><D:bogus/>"
                                            "</D:propertyupdate>"),
                                       &pp),
                     ERR_INVAL);
}

static void test_mkcol_extended_body(void **state)
{
    struct dav_mkcol mk;
    int rc = dav_xml_mkcol(
            a,
            body("<D:mkcol xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
                 "<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/>"
                 "</D:resourcetype><D:displayname>Work</D:displayname></D:prop>"
                 "</D:set></D:mkcol>"),
            &mk);
    assert_int_equal(rc, 0);
    assert_int_equal(mk.n_types, 2);
    assert_true(qname_is(mk.types[1], DAV_NS_CARDDAV, "addressbook"));
    assert_int_equal(mk.n_ops, 1);
    assert_true(qname_is(mk.ops[0].qname, "DAV:", "displayname"));
    assert_int_equal(dav_xml_mkcol(a, body("afafafaf"), &mk), ERR_INVAL);
    assert_int_equal(dav_xml_mkcol(a, body("<x/>"), &mk), ERR_UNSUPPORTED);
}

static void test_qname_key_round_trip(void **state)
{
    struct dav_qname q = { STR_VIEW_LIT("urn:x"), STR_VIEW_LIT("p") }, back;
    struct str_view key = dav_qname_key(a, q);
    assert_string_equal(key.ptr, "{urn:x}p");
    assert_true(dav_qname_from_key(key, &back));
    assert_true(qname_is(back, "urn:x", "p"));
    assert_true(dav_qname_from_key(STR_VIEW_LIT("{}p"), &back));
    assert_int_equal(back.ns.len, 0);
    assert_false(dav_qname_from_key(STR_VIEW_LIT("p"), &back));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_propfind_prop_keeps_namespaces_whatever_the_prefix),
        cmocka_unit_test(test_propfind_empty_body_is_allprop),
        cmocka_unit_test(test_propfind_allprop_with_include_and_propname),
        cmocka_unit_test(test_propfind_wrong_root_or_malformed_is_inval),
        cmocka_unit_test(test_doctype_is_refused),
        cmocka_unit_test(test_external_entity_is_refused),
        cmocka_unit_test(test_billion_laughs_is_refused_without_expanding),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_element_count_limit),
        cmocka_unit_test(test_proppatch_ops_in_order_with_serialised_values),
        cmocka_unit_test(test_serialised_value_parses_back_to_the_same_names),
        cmocka_unit_test(test_proppatch_without_operations_is_inval),
        cmocka_unit_test(test_mkcol_extended_body),
        cmocka_unit_test(test_qname_key_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
