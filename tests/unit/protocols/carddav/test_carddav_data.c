/*
 * test_carddav_data.c: address-data requests (version, content type, property selection)
 * and the rendering of stored cards: bytes in, bytes out (MAPPING.md decision 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"
#include "src/err.h"

/* Folded oddly on purpose: the stored bytes must come back untouched. */
static const char card30[] = "BEGIN:VCARD\r\n"
                             "VERSION:3.0\r\n"
                             "UID:c-1\r\n"
                             "FN:Anna \r\n"
                             " Müller\r\n"
                             "N:Müller;Anna;;;\r\n"
                             "EMAIL;TYPE=INTERNET:anna@example.com\r\n"
                             "X-UNKNOWN;FOO=bar:keep me\r\n"
                             "END:VCARD\r\n";

static const struct dav_xml_node *address_data(struct arena *a, const char *xml)
{
    struct dav_xml_node *root;
    assert_int_equal(dav_xml_parse(a, str_view_of(xml), &root), 0);
    return root;
}

static void test_body_version_is_read_from_the_version_line(void **state)
{
    (void)state;
    assert_int_equal(carddav_body_version(STR_VIEW_LIT(card30)), VCARD_V30);
    assert_int_equal(carddav_body_version(STR_VIEW_LIT("BEGIN:VCARD\nversion:4.0\nEND:VCARD\n")),
                     VCARD_V40);
    assert_int_equal(carddav_body_version(STR_VIEW_LIT("garbage")), VCARD_V30);
}

static void test_accept_header_picks_the_version(void **state)
{
    (void)state;
    assert_int_equal(carddav_accept_version("text/vcard; version=4.0"), VCARD_V40);
    assert_int_equal(carddav_accept_version("text/vcard;version=\"3.0\", */*"), VCARD_V30);
    assert_int_equal(carddav_accept_version("text/vcard"), 0);
    assert_int_equal(carddav_accept_version(NULL), 0);
}

static void test_address_data_attributes_in_either_case(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct carddav_data_req dq;
    /* vdirsyncer's capital-C Content-Type (CLIENTS.md A1). */
    assert_int_equal(
            carddav_data_req_parse(
                    a,
                    address_data(a, "<C:address-data xmlns:C=\"urn:ietf:params:xml:ns:carddav\" "
                                    "Content-Type=\"text/vcard\" version=\"4.0\"/>"),
                    &dq),
            0);
    assert_int_equal(dq.version, VCARD_V40);
    assert_null(dq.props);
    assert_int_equal(carddav_data_req_parse(a, NULL, &dq), 0);
    assert_int_equal(dq.version, VCARD_V30);
    assert_int_equal(
            carddav_data_req_parse(
                    a,
                    address_data(a, "<C:address-data xmlns:C=\"urn:ietf:params:xml:ns:carddav\" "
                                    "content-type=\"application/vcard+json\"/>"),
                    &dq),
            ERR_UNSUPPORTED);
    assert_int_equal(
            carddav_data_req_parse(
                    a,
                    address_data(a, "<C:address-data xmlns:C=\"urn:ietf:params:xml:ns:carddav\" "
                                    "version=\"2.1\"/>"),
                    &dq),
            ERR_UNSUPPORTED);
    arena_free(&a);
}

static void test_same_version_renders_the_stored_bytes(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct carddav_data_req dq;
    carddav_data_req_parse(a, NULL, &dq);
    struct strbuf out;
    strbuf_init(&out, a, 256);
    assert_int_equal(carddav_render(a, &vcard_default_limits, STR_VIEW_LIT(card30), &dq, &out), 0);
    assert_string_equal(out.ptr, card30);
    arena_free(&a);
}

static void test_other_version_is_converted(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct carddav_data_req dq = { .version = VCARD_V40 };
    struct strbuf out;
    strbuf_init(&out, a, 256);
    assert_int_equal(carddav_render(a, &vcard_default_limits, STR_VIEW_LIT(card30), &dq, &out), 0);
    assert_non_null(strstr(out.ptr, "VERSION:4.0\r\n"));
    assert_non_null(strstr(out.ptr, "FN:Anna Müller\r\n"));
    assert_non_null(strstr(out.ptr, "X-UNKNOWN;FOO=bar:keep me\r\n"));
    arena_free(&a);
}

static void test_property_selection_keeps_only_named_properties(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct carddav_data_req dq;
    assert_int_equal(
            carddav_data_req_parse(
                    a,
                    address_data(a, "<C:address-data xmlns:C=\"urn:ietf:params:xml:ns:carddav\">"
                                    "<C:prop name=\"UID\"/><C:prop name=\"email\" "
                                    "novalue=\"yes\"/></C:address-data>"),
                    &dq),
            0);
    assert_int_equal(dq.n_props, 2);
    struct strbuf out;
    strbuf_init(&out, a, 256);
    assert_int_equal(carddav_render(a, &vcard_default_limits, STR_VIEW_LIT(card30), &dq, &out), 0);
    assert_non_null(strstr(out.ptr, "UID:c-1\r\n"));
    assert_null(strstr(out.ptr, "FN:"));
    assert_null(strstr(out.ptr, "anna@example.com"));
    assert_non_null(strstr(out.ptr, "EMAIL;TYPE=INTERNET:\r\n"));
    arena_free(&a);
}

static void test_unparseable_stored_body_is_an_error(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct carddav_data_req dq = { .version = VCARD_V40 };
    struct strbuf out;
    strbuf_init(&out, a, 64);
    assert_int_equal(
            carddav_render(a, &vcard_default_limits, STR_VIEW_LIT("not a card"), &dq, &out),
            ERR_INVAL);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_version_is_read_from_the_version_line),
        cmocka_unit_test(test_accept_header_picks_the_version),
        cmocka_unit_test(test_address_data_attributes_in_either_case),
        cmocka_unit_test(test_same_version_renders_the_stored_bytes),
        cmocka_unit_test(test_other_version_is_converted),
        cmocka_unit_test(test_property_selection_keeps_only_named_properties),
        cmocka_unit_test(test_unparseable_stored_body_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
