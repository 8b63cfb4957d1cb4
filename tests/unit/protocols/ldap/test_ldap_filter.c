/* Tests for protocols/ldap/ldap_filter.c: BER filters into trees, attribute descriptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ldap_test_pdu.h"
#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"
#include "src/err.h"

static struct arena *g_arena;

static int setup(void **state)
{
    g_arena = arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    arena_free(&g_arena);
    return 0;
}

static int parse_str(const char *str, struct ldapd_filter **f)
{
    struct tpdu t = tpdu_filter(str);
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    /* The tree keeps views into the bytes: copy them into the arena first. */
    uint8_t *copy = arena_alloc(g_arena, t.len);
    memcpy(copy, t.p, t.len);
    int rc = ldapd_filter_parse(g_arena, copy, t.len, &lim, f, NULL);
    tpdu_free(&t);
    return rc;
}

static int parse_bytes(const uint8_t *b, size_t len, const struct ldapd_limits *lim,
        const char **why)
{
    struct ldapd_filter *f = NULL;
    return ldapd_filter_parse(g_arena, b, len, lim, &f, why);
}

static void assert_view(struct str_view v, const char *s)
{
    assert_non_null(v.ptr);
    assert_int_equal(v.len, strlen(s));
    assert_memory_equal(v.ptr, s, v.len);
}

static void test_filter_thunderbird_autocomplete_is_or_of_any_substrings(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(|(cn=*jo*)(mail=*jo*)(sn=*jo*)(givenName=*jo*))", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_OR);
    assert_int_equal(f->n_children, 4);
    const char *attrs[] = { "cn", "mail", "sn", "givenName" };
    size_t i = 0;
    for (struct ldapd_filter *c = f->children; c != NULL; c = c->next, i++) {
        assert_int_equal(c->kind, LDAPD_FILTER_SUBSTRINGS);
        assert_true(ldapd_attr_type_is(&c->attr, attrs[i]));
        assert_null(c->initial.ptr);
        assert_null(c->final.ptr);
        assert_int_equal(c->n_any, 1);
        assert_view(c->any[0], "jo");
    }
    assert_int_equal(i, 4);
}

static void test_filter_substrings_keep_initial_any_final_in_order(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(cn=ann*m\\c3\\bc*ll*er)", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_SUBSTRINGS);
    assert_view(f->initial, "ann");
    assert_int_equal(f->n_any, 2);
    assert_view(f->any[0], "m\xc3\xbc");
    assert_view(f->any[1], "ll");
    assert_view(f->final, "er");
}

static void test_filter_outlook_default_is_and_of_present_and_or(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(
            parse_str("(&(mail=*)(|(mail=jo*)(cn=jo*)(sn=jo*)(givenName=jo*)))", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_AND);
    assert_int_equal(f->n_children, 2);
    assert_int_equal(f->children->kind, LDAPD_FILTER_PRESENT);
    assert_true(ldapd_attr_type_is(&f->children->attr, "MAIL"));
    struct ldapd_filter *o = f->children->next;
    assert_int_equal(o->kind, LDAPD_FILTER_OR);
    assert_int_equal(o->n_children, 4);
    assert_view(o->children->initial, "jo");
    assert_int_equal(o->children->n_any, 0);
}

static void test_filter_item_kinds_and_values(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(&(sn>=M)(sn<=N)(cn~=jon)(!(ou=Sales))(telephoneNumber=+49 30 1))",
                             &f),
            0);
    struct ldapd_filter *c = f->children;
    assert_int_equal(c->kind, LDAPD_FILTER_GE);
    assert_view(c->value, "M");
    c = c->next;
    assert_int_equal(c->kind, LDAPD_FILTER_LE);
    c = c->next;
    assert_int_equal(c->kind, LDAPD_FILTER_APPROX);
    assert_view(c->value, "jon");
    c = c->next;
    assert_int_equal(c->kind, LDAPD_FILTER_NOT);
    assert_int_equal(c->n_children, 1);
    assert_int_equal(c->children->kind, LDAPD_FILTER_EQUALITY);
    assert_view(c->children->value, "Sales");
    c = c->next;
    assert_view(c->value, "+49 30 1");
}

static void test_filter_extensible_match_fields(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(cn:dn:caseExactMatch:=Foo)", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_EXTENSIBLE);
    assert_true(f->has_attr);
    assert_true(ldapd_attr_type_is(&f->attr, "cn"));
    assert_true(f->dn_attrs);
    assert_view(f->rule, "caseExactMatch");
    assert_view(f->value, "Foo");
    assert_int_equal(parse_str("(:2.5.13.5:=x)", &f), 0);
    assert_false(f->has_attr);
    assert_false(f->dn_attrs);
    assert_view(f->rule, "2.5.13.5");
}

static void test_filter_absolute_true_and_false_are_empty_sets(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(&)", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_AND);
    assert_int_equal(f->n_children, 0);
    assert_int_equal(parse_str("(|)", &f), 0);
    assert_int_equal(f->kind, LDAPD_FILTER_OR);
}

static void test_filter_attribute_options_and_oids(void **state)
{
    struct ldapd_filter *f;
    assert_int_equal(parse_str("(cn;lang-de;x-foo=M\\c3\\bcller)", &f), 0);
    assert_view(f->attr.type, "cn");
    assert_view(f->attr.options, "lang-de;x-foo");
    assert_true(f->attr.valid);
    assert_false(f->attr.is_oid);
    assert_int_equal(parse_str("(2.5.4.3=x)", &f), 0);
    assert_true(f->attr.is_oid);
    assert_true(f->attr.valid);
    assert_true(ldapd_attr_type_is(&f->attr, "2.5.4.3"));
}

static void test_attr_desc_rejects_bad_syntax_but_keeps_the_text(void **state)
{
    const char *bad[] = { "", "1cn", "cn;", "cn;;x", "c_n", "2.5.04.3", "2.", "7", "cn;a_b" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ldapd_attr_desc d;
        ldapd_attr_desc_parse(str_view_of(bad[i]), &d);
        assert_false(d.valid);
        assert_int_equal(d.desc.len, strlen(bad[i]));
    }
    struct ldapd_attr_desc d;
    ldapd_attr_desc_parse(STR_VIEW_LIT("userCertificate;binary"), &d);
    assert_true(d.valid);
    assert_true(ldapd_attr_type_is(&d, "USERCERTIFICATE"));
    assert_false(ldapd_attr_type_is(&d, "userCertificate;binary"));
}

static void test_filter_empty_substring_components_are_dropped(void **state)
{
    /* (cn=*) as a substrings filter with an empty any plus "x" final. */
    const uint8_t b[] = { 0xa4, 0x0b, 0x04, 0x02, 'c', 'n', 0x30, 0x05, 0x81, 0x00, 0x82, 0x01,
        'x' };
    struct ldapd_filter *f;
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    assert_int_equal(ldapd_filter_parse(g_arena, b, sizeof(b), &lim, &f, NULL), 0);
    assert_int_equal(f->n_any, 0);
    assert_view(f->final, "x");
}

static void test_filter_rejects_misordered_substrings(void **state)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    /* any then initial */
    const uint8_t any_initial[] = { 0xa4, 0x0c, 0x04, 0x02, 'c', 'n', 0x30, 0x06, 0x81, 0x01,
        'a', 0x80, 0x01, 'b' };
    /* final then any */
    const uint8_t final_any[] = { 0xa4, 0x0c, 0x04, 0x02, 'c', 'n', 0x30, 0x06, 0x82, 0x01, 'a',
        0x81, 0x01, 'b' };
    /* no component at all */
    const uint8_t none[] = { 0xa4, 0x06, 0x04, 0x02, 'c', 'n', 0x30, 0x00 };
    /* an unknown component tag */
    const uint8_t bad_tag[] = { 0xa4, 0x09, 0x04, 0x02, 'c', 'n', 0x30, 0x03, 0x83, 0x01, 'a' };
    assert_int_equal(parse_bytes(any_initial, sizeof(any_initial), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(final_any, sizeof(final_any), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(none, sizeof(none), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(bad_tag, sizeof(bad_tag), &lim, NULL), ERR_INVAL);
}

static void test_filter_rejects_malformed_elements(void **state)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    const uint8_t ext_empty[] = { 0xa9, 0x03, 0x83, 0x01, 'x' }; /* neither rule nor type */
    const uint8_t unknown[] = { 0xaa, 0x00 };
    const uint8_t eq_extra[] = { 0xa3, 0x09, 0x04, 0x02, 'c', 'n', 0x04, 0x01, 'x', 0x04, 0x00 };
    const uint8_t eq_short[] = { 0xa3, 0x06, 0x04, 0x02, 'c', 'n', 0x04, 0x01 };
    const uint8_t not_two[] = { 0xa2, 0x08, 0x87, 0x02, 'c', 'n', 0x87, 0x02, 's', 'n' };
    const uint8_t not_none[] = { 0xa2, 0x00 };
    const uint8_t trailing[] = { 0x87, 0x02, 'c', 'n', 0x00 };
    const uint8_t indefinite[] = { 0xa0, 0x80, 0x87, 0x02, 'c', 'n', 0x00, 0x00 };
    const char *why = NULL;
    assert_int_equal(parse_bytes(ext_empty, sizeof(ext_empty), &lim, &why), ERR_INVAL);
    assert_non_null(why);
    assert_int_equal(parse_bytes(unknown, sizeof(unknown), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(eq_extra, sizeof(eq_extra), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(eq_short, sizeof(eq_short), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(not_two, sizeof(not_two), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(not_none, sizeof(not_none), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(trailing, sizeof(trailing), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(indefinite, sizeof(indefinite), &lim, NULL), ERR_INVAL);
    assert_int_equal(parse_bytes(trailing, 0, &lim, NULL), ERR_INVAL);
}

/* n nested NOTs around (cn=*): each level is a2 + a 1..4 byte length. */
static uint8_t *nested_nots(size_t n, size_t *len_out)
{
    size_t cap = n * 6 + 4, pos = cap;
    uint8_t *buf = arena_alloc(g_arena, cap);
    const uint8_t leaf[] = { 0x87, 0x02, 'c', 'n' };
    pos -= sizeof(leaf);
    memcpy(buf + pos, leaf, sizeof(leaf));
    for (size_t i = 0; i < n; i++) {
        size_t body = cap - pos;
        uint8_t hdr[6];
        size_t h = 0;
        hdr[h++] = 0xa2;
        if (body < 0x80) {
            hdr[h++] = (uint8_t)body;
        } else if (body < 0x10000) {
            hdr[h++] = 0x82;
            hdr[h++] = (uint8_t)(body >> 8);
            hdr[h++] = (uint8_t)body;
        } else {
            hdr[h++] = 0x83;
            hdr[h++] = (uint8_t)(body >> 16);
            hdr[h++] = (uint8_t)(body >> 8);
            hdr[h++] = (uint8_t)body;
        }
        pos -= h;
        memcpy(buf + pos, hdr, h);
    }
    *len_out = cap - pos;
    return buf + pos;
}

static void test_filter_depth_limit_is_exact_and_configurable(void **state)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    size_t len;
    uint8_t *b = nested_nots(63, &len); /* 63 NOTs + leaf = depth 64 */
    assert_int_equal(parse_bytes(b, len, &lim, NULL), 0);
    b = nested_nots(64, &len);
    assert_int_equal(parse_bytes(b, len, &lim, NULL), ERR_TOO_LARGE);
    lim.max_filter_depth = 3;
    b = nested_nots(2, &len);
    assert_int_equal(parse_bytes(b, len, &lim, NULL), 0);
    b = nested_nots(3, &len);
    assert_int_equal(parse_bytes(b, len, &lim, NULL), ERR_TOO_LARGE);
}

static void test_filter_nested_10000_deep_fails_fast_with_depth_error(void **state)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    size_t len;
    uint8_t *b = nested_nots(10000, &len);
    const char *why = NULL;
    clock_t t0 = clock();
    assert_int_equal(parse_bytes(b, len, &lim, &why), ERR_TOO_LARGE);
    assert_true(clock() - t0 < CLOCKS_PER_SEC / 10);
    assert_string_equal(why, "filter nested too deeply");
}

static void test_filter_node_and_substring_caps(void **state)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    struct ldapd_filter *f;
    char str[4096] = "(|";
    for (int i = 0; i < 511; i++) {
        strcat(str, "(a=*)");
    }
    strcat(str, ")");
    assert_int_equal(parse_str(str, &f), 0); /* 512 nodes */
    str[strlen(str) - 1] = '\0';
    strcat(str, "(a=*))");
    assert_int_equal(parse_str(str, &f), ERR_TOO_LARGE);

    strcpy(str, "(cn=");
    for (int i = 0; i < 31; i++) {
        strcat(str, "x*");
    }
    strcat(str, ")");
    assert_int_equal(parse_str(str, &f), 0); /* 31 components: initial + 30 any */
    assert_int_equal(f->n_any, 30);
    lim.max_substrings = 4;
    struct tpdu t = tpdu_filter(str);
    assert_int_equal(parse_bytes(t.p, t.len, &lim, NULL), ERR_TOO_LARGE);
    tpdu_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_thunderbird_autocomplete_is_or_of_any_substrings),
        cmocka_unit_test(test_filter_substrings_keep_initial_any_final_in_order),
        cmocka_unit_test(test_filter_outlook_default_is_and_of_present_and_or),
        cmocka_unit_test(test_filter_item_kinds_and_values),
        cmocka_unit_test(test_filter_extensible_match_fields),
        cmocka_unit_test(test_filter_absolute_true_and_false_are_empty_sets),
        cmocka_unit_test(test_filter_attribute_options_and_oids),
        cmocka_unit_test(test_attr_desc_rejects_bad_syntax_but_keeps_the_text),
        cmocka_unit_test(test_filter_empty_substring_components_are_dropped),
        cmocka_unit_test(test_filter_rejects_misordered_substrings),
        cmocka_unit_test(test_filter_rejects_malformed_elements),
        cmocka_unit_test(test_filter_depth_limit_is_exact_and_configurable),
        cmocka_unit_test(test_filter_nested_10000_deep_fails_fast_with_depth_error),
        cmocka_unit_test(test_filter_node_and_substring_caps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
