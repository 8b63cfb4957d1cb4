/*
 * test_carddav_filter.c: addressbook-query filters (RFC 6352 10.5) parsed from real
 * request bodies and evaluated on parsed cards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"
#include "src/err.h"

static const char card_anna[] = "BEGIN:VCARD\r\n"
                                "VERSION:3.0\r\n"
                                "UID:anna-1\r\n"
                                "FN:Anna Müller\r\n"
                                "N:Müller;Anna;;;\r\n"
                                "EMAIL;TYPE=INTERNET,WORK:anna.mueller@example.com\r\n"
                                "TEL;TYPE=CELL:+49 151 2345678\r\n"
                                "item1.X-ABLabel:Beach\r\n"
                                "END:VCARD\r\n";

static const char card_bob[] = "BEGIN:VCARD\r\n"
                               "VERSION:4.0\r\n"
                               "UID:urn:uuid:b0b\r\n"
                               "FN:Bob Builder\r\n"
                               "NICKNAME:bobby\r\n"
                               "END:VCARD\r\n";

struct fx {
    struct arena *a;
    struct vcard *anna, *bob;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    fx->a = arena_new(0);
    struct vcard_error err;
    assert_int_equal(
            vcard_parse(fx->a, STR_VIEW_LIT(card_anna), &vcard_default_limits, &fx->anna, &err), 0);
    assert_int_equal(
            vcard_parse(fx->a, STR_VIEW_LIT(card_bob), &vcard_default_limits, &fx->bob, &err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    arena_free(&fx->a);
    free(fx);
    return 0;
}

/* Parse a <C:filter> given as its inner XML and test anna and bob; returns the parse rc. */
static int run(struct fx *fx, const char *test, const char *inner, bool *anna, bool *bob,
               const char **pre)
{
    struct strbuf sb;
    strbuf_init(&sb, fx->a, 1024);
    strbuf_appendf(
            &sb,
            "<C:addressbook-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
            "<C:filter%s>%s</C:filter></C:addressbook-query>",
            test, inner);
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(fx->a, strbuf_view(&sb), &root), 0);
    const struct dav_xml_node *filter = dav_xml_child(root, DAV_NS_CARDDAV, "filter");
    struct carddav_filter *f;
    const char *p = NULL;
    int rc = carddav_filter_parse(fx->a, filter, &f, &p);
    if (pre) {
        *pre = p;
    }
    if (rc == 0) {
        *anna = carddav_filter_match(fx->a, f, fx->anna);
        *bob = carddav_filter_match(fx->a, f, fx->bob);
    }
    return rc;
}

static void test_contains_on_fn_folds_unicode_case(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match>MÜLL"
                         "</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
    assert_false(b);
}

static void test_ascii_casemap_does_not_fold_umlauts(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "collation=\"i;ascii-casemap\">ANNA Müller</C:text-match>"
                         "</C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "collation=\"i;ascii-casemap\">anna mÜller</C:text-match>"
                         "</C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
}

static void test_octet_is_case_sensitive(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "collation=\"i;octet\">anna</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "collation=\"i;octet\">Anna</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
}

static void test_match_types(void **state)
{
    bool a, b;
    const char *cases[][2] = {
        { "equals", "anna müller" },
        { "starts-with", "ANNA" },
        { "ends-with", "ller" },
        { "contains", "a m" },
    };
    for (size_t i = 0; i < 4; i++) {
        char inner[256];
        snprintf(inner, sizeof(inner),
                 "<C:prop-filter name=\"FN\"><C:text-match match-type=\"%s\">%s</C:text-match>"
                 "</C:prop-filter>",
                 cases[i][0], cases[i][1]);
        assert_int_equal(run(*state, "", inner, &a, &b, NULL), 0);
        assert_true(a);
        assert_false(b);
    }
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "match-type=\"equals\">anna</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
}

static void test_negate_condition_inverts(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "negate-condition=\"yes\">anna</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
    assert_true(b);
}

static void test_is_not_defined(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"EMAIL\"><C:is-not-defined/>"
                         "</C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
    assert_true(b);
}

static void test_param_filter_on_type(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"EMAIL\"><C:param-filter name=\"TYPE\">"
                         "<C:text-match match-type=\"equals\">work</C:text-match>"
                         "</C:param-filter></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
    assert_false(b);
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"EMAIL\"><C:param-filter name=\"PREF\">"
                         "<C:is-not-defined/></C:param-filter></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
}

static void test_anyof_and_allof_at_top(void **state)
{
    bool a, b;
    const char *two = "<C:prop-filter name=\"FN\"><C:text-match>bob</C:text-match></C:prop-filter>"
                      "<C:prop-filter name=\"NICKNAME\"/>";
    assert_int_equal(run(*state, "", two, &a, &b, NULL), 0);
    assert_false(a);
    assert_true(b);
    assert_int_equal(run(*state, " test=\"allof\"",
                         "<C:prop-filter name=\"FN\"><C:text-match>anna</C:text-match>"
                         "</C:prop-filter><C:prop-filter name=\"NICKNAME\"/>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
    assert_false(b);
}

static void test_allof_inside_prop_filter(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\" test=\"allof\">"
                         "<C:text-match>anna</C:text-match>"
                         "<C:text-match>bob</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_false(a);
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\" test=\"anyof\">"
                         "<C:text-match>anna</C:text-match>"
                         "<C:text-match>bob</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
    assert_true(b);
}

static void test_empty_filter_matches_every_card(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "", "", &a, &b, NULL), 0);
    assert_true(a);
    assert_true(b);
}

static void test_tel_text_and_group_names(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"TEL\"><C:text-match>151 234"
                         "</C:text-match></C:prop-filter>",
                         &a, &b, NULL),
                     0);
    assert_true(a);
    assert_int_equal(run(*state, "", "<C:prop-filter name=\"item1.X-ABLabel\"/>", &a, &b, NULL), 0);
    assert_true(a);
    assert_false(b);
}

static void test_unknown_collation_is_a_precondition(void **state)
{
    bool a, b;
    const char *pre;
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "collation=\"i;klingon\">x</C:text-match></C:prop-filter>",
                         &a, &b, &pre),
                     ERR_UNSUPPORTED);
    assert_string_equal(pre, "<C:supported-collation/>");
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"FN\"><C:text-match "
                         "match-type=\"sounds-like\">x</C:text-match></C:prop-filter>",
                         &a, &b, &pre),
                     ERR_UNSUPPORTED);
    assert_string_equal(pre, "<C:supported-filter/>");
}

static void test_malformed_filters_are_rejected(void **state)
{
    bool a, b;
    assert_int_equal(run(*state, " test=\"most\"", "", &a, &b, NULL), ERR_INVAL);
    assert_int_equal(run(*state, "", "<C:prop-filter/>", &a, &b, NULL), ERR_INVAL);
    assert_int_equal(run(*state, "",
                         "<C:prop-filter name=\"EMAIL\"><C:param-filter/>"
                         "</C:prop-filter>",
                         &a, &b, NULL),
                     ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contains_on_fn_folds_unicode_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ascii_casemap_does_not_fold_umlauts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_octet_is_case_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_negate_condition_inverts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_is_not_defined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_filter_on_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anyof_and_allof_at_top, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allof_inside_prop_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_filter_matches_every_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tel_text_and_group_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_collation_is_a_precondition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_filters_are_rejected, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
