/* Tests for protocols/ldap/ldap_encode.c: responses read back with liblber and libldap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "ldap_test_pdu.h"
#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"
#include "src/err.h"

/* libldap's reader for the Controls of a response: exported, private (not in ldap.h). */
int ldap_pvt_get_controls(BerElement *ber, LDAPControl ***ctrls);

static struct arena *g_arena;
static struct evbuffer *g_out;
static LDAP *g_ld; /* unconnected handle for libldap's response-control parsers */

static int setup(void **state)
{
    g_arena = arena_new(0);
    g_out = evbuffer_new();
    return ldap_initialize(&g_ld, "ldap://127.0.0.1:1") == LDAP_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    ldap_unbind_ext_s(g_ld, NULL, NULL);
    evbuffer_free(g_out);
    arena_free(&g_arena);
    return 0;
}

/* Take everything written so far as one BerElement reading it (free with ber_free(b, 1)). */
static BerElement *take_output(void)
{
    size_t len = evbuffer_get_length(g_out);
    struct berval bv = { len, ber_memalloc(len + 1) };
    evbuffer_remove(g_out, bv.bv_val, len);
    BerElement *ber = ber_init(&bv);
    ber_memfree(bv.bv_val);
    return ber;
}

static void assert_bv(struct berval *bv, const char *s)
{
    assert_int_equal(bv->bv_len, strlen(s));
    assert_memory_equal(bv->bv_val, s, bv->bv_len);
}

static void test_bind_success_has_exact_der_bytes(void **state)
{
    struct ldapd_result ok = { .code = LDAPD_SUCCESS };
    assert_int_equal(ldapd_encode_bind_response(g_out, 1, &ok), 0);
    const uint8_t expect[] = { 0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04,
        0x00, 0x04, 0x00 };
    assert_int_equal(evbuffer_get_length(g_out), sizeof(expect));
    assert_memory_equal(evbuffer_pullup(g_out, -1), expect, sizeof(expect));
    evbuffer_drain(g_out, sizeof(expect));
}

static void test_result_carries_code_matched_dn_and_message(void **state)
{
    struct ldapd_result res = { .code = LDAPD_NO_SUCH_OBJECT,
        .matched_dn = STR_VIEW_LIT("ou=People,dc=example,dc=com"),
        .diag = STR_VIEW_LIT("no such entry") };
    assert_int_equal(ldapd_encode_result(g_out, 77, LDAPD_RES_MODIFY, &res, NULL, 0), 0);
    BerElement *ber = take_output();
    ber_int_t id, code;
    ber_tag_t tag;
    struct berval matched, diag;
    ber_len_t len;
    assert_int_not_equal(ber_scanf(ber, "{i", &id), LBER_ERROR);
    tag = ber_peek_tag(ber, &len);
    assert_int_not_equal(ber_scanf(ber, "{eoo}}", &code, &matched, &diag), LBER_ERROR);
    assert_int_equal(id, 77);
    assert_int_equal(tag, LDAP_RES_MODIFY);
    assert_int_equal(code, 32);
    assert_bv(&matched, "ou=People,dc=example,dc=com");
    assert_bv(&diag, "no such entry");
    ber_memfree(matched.bv_val);
    ber_memfree(diag.bv_val);
    ber_free(ber, 1);
    assert_int_equal(ldapd_encode_result(g_out, 1, LDAPD_RES_SEARCH_ENTRY, &res, NULL, 0),
            ERR_INVAL);
    assert_int_equal(evbuffer_get_length(g_out), 0);
}

static void test_search_done_with_paged_sort_and_vlv_controls(void **state)
{
    struct ldapd_out_control ctrls[3] = {
        { .oid = LDAPD_OID_PAGED_RESULTS, .has_value = true },
        { .oid = LDAPD_OID_SORT_RESPONSE, .has_value = true },
        { .oid = LDAPD_OID_VLV_RESPONSE, .has_value = true },
    };
    struct str_view ctx = STR_VIEW_LIT("ctx1");
    assert_int_equal(ldapd_encode_paged_value(g_arena, 0, STR_VIEW_LIT("c\0ok"), &ctrls[0].value), 0);
    assert_int_equal(ldapd_encode_sort_value(g_arena, LDAPD_INAPPROPRIATE_MATCHING,
                             STR_VIEW_LIT("jpegPhoto"), &ctrls[1].value),
            0);
    assert_int_equal(ldapd_encode_vlv_value(g_arena, 383, 10000, 0, &ctx, &ctrls[2].value), 0);
    struct ldapd_result ok = { .code = LDAPD_SUCCESS };
    assert_int_equal(ldapd_encode_search_done(g_out, 9, &ok, ctrls, 3), 0);

    BerElement *ber = take_output();
    ber_int_t id, code;
    struct berval matched, diag;
    LDAPControl **got = NULL;
    assert_int_not_equal(ber_scanf(ber, "{i{eoo}", &id, &code, &matched, &diag), LBER_ERROR);
    ber_memfree(matched.bv_val);
    ber_memfree(diag.bv_val);
    /* libldap's own reader for the [0] Controls of a response */
    assert_int_equal(ldap_pvt_get_controls(ber, &got), LDAP_SUCCESS);
    ber_free(ber, 1);
    assert_non_null(got);

    ber_int_t count = -1;
    struct berval cookie = { 0, NULL };
    LDAPControl *c = ldap_control_find(LDAPD_OID_PAGED_RESULTS, got, NULL);
    assert_non_null(c);
    assert_int_equal(ldap_parse_pageresponse_control(g_ld, c, &count, &cookie), LDAP_SUCCESS);
    assert_int_equal(count, 0);
    assert_int_equal(cookie.bv_len, 4);
    assert_memory_equal(cookie.bv_val, "c\0ok", 4);
    ber_memfree(cookie.bv_val);

    ber_int_t sort_rc;
    char *attr = NULL;
    c = ldap_control_find(LDAPD_OID_SORT_RESPONSE, got, NULL);
    assert_int_equal(ldap_parse_sortresponse_control(g_ld, c, &sort_rc, &attr), LDAP_SUCCESS);
    assert_int_equal(sort_rc, 18);
    assert_string_equal(attr, "jpegPhoto");
    ldap_memfree(attr);

    ber_int_t target, content, vlv_rc;
    struct berval *context = NULL;
    c = ldap_control_find(LDAPD_OID_VLV_RESPONSE, got, NULL);
    assert_int_equal(ldap_parse_vlvresponse_control(g_ld, c, &target, &content, &context, &vlv_rc),
            LDAP_SUCCESS);
    assert_int_equal(target, 383);
    assert_int_equal(content, 10000);
    assert_int_equal(vlv_rc, 0);
    assert_bv(context, "ctx1");
    ber_bvfree(context);
    ldap_controls_free(got);
    assert_int_equal(id, 9);
    assert_int_equal(code, 0);
}

static void test_sort_value_without_attribute_omits_it(void **state)
{
    struct str_view v;
    assert_int_equal(ldapd_encode_sort_value(g_arena, 0, STR_VIEW_NULL, &v), 0);
    const uint8_t expect[] = { 0x30, 0x03, 0x0a, 0x01, 0x00 };
    assert_int_equal(v.len, sizeof(expect));
    assert_memory_equal(v.ptr, expect, sizeof(expect));
}

/* Read the next SearchResultEntry: dn, then "type=v1|v2;" per attribute into out. */
static void read_entry(BerElement *ber, ber_int_t *id, char *out, size_t cap)
{
    struct berval dn;
    ber_len_t len;
    char *last;
    assert_int_not_equal(ber_scanf(ber, "{it{m", id, &(ber_tag_t){ 0 }, &dn), LBER_ERROR);
    snprintf(out, cap, "%.*s:", (int)dn.bv_len, dn.bv_val);
    for (ber_tag_t t = ber_first_element(ber, &len, &last); t != LBER_DEFAULT;
            t = ber_next_element(ber, &len, last)) {
        struct berval type;
        BerVarray vals = NULL;
        assert_int_not_equal(ber_scanf(ber, "{m[W]}", &type, &vals), LBER_ERROR);
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%.*s=", (int)type.bv_len, type.bv_val);
        for (int i = 0; vals != NULL && vals[i].bv_val != NULL; i++) {
            n = strlen(out);
            snprintf(out + n, cap - n, "%s%.*s", i ? "|" : "", (int)vals[i].bv_len,
                    vals[i].bv_val);
        }
        strncat(out, ";", cap - strlen(out) - 1);
        ber_bvarray_free(vals);
    }
    assert_int_not_equal(ber_scanf(ber, "}}"), LBER_ERROR);
}

static void test_entry_writer_builds_attributes_incrementally(void **state)
{
    struct ldapd_entry_writer w;
    struct str_view cns[] = { STR_VIEW_LIT("Jo Smith"), STR_VIEW_LIT("Joe") };
    ldapd_entry_begin(&w, 5, STR_VIEW_LIT("uid=1,ou=People,dc=example,dc=com"), false);
    ldapd_entry_attr(&w, STR_VIEW_LIT("cn"), cns, 2);
    ldapd_entry_attr_begin(&w, STR_VIEW_LIT("manager")); /* every value invisible: dropped */
    ldapd_entry_attr_end(&w);
    ldapd_entry_attr_begin(&w, STR_VIEW_LIT("mail"));
    ldapd_entry_value(&w, STR_VIEW_LIT("jo@example.com"));
    ldapd_entry_attr_end(&w);
    assert_int_equal(ldapd_entry_finish(&w, g_out), 0);
    /* typesOnly: the same attributes, no values, and the empty one listed too */
    ldapd_entry_begin(&w, 5, STR_VIEW_LIT("uid=2,ou=People,dc=example,dc=com"), true);
    ldapd_entry_attr(&w, STR_VIEW_LIT("cn"), cns, 2);
    ldapd_entry_attr(&w, STR_VIEW_LIT("manager"), NULL, 0);
    assert_int_equal(ldapd_entry_finish(&w, g_out), 0);

    BerElement *ber = take_output();
    char text[512];
    ber_int_t id;
    read_entry(ber, &id, text, sizeof(text));
    assert_int_equal(id, 5);
    assert_string_equal(text,
            "uid=1,ou=People,dc=example,dc=com:cn=Jo Smith|Joe;mail=jo@example.com;");
    read_entry(ber, &id, text, sizeof(text));
    assert_string_equal(text, "uid=2,ou=People,dc=example,dc=com:cn=;manager=;");
    ber_free(ber, 1);
}

/* The same entry DER-encoded by liblber, as the writer did before it encoded by itself. */
static struct berval *lber_entry(int32_t msgid, const char *dn, bool types_only, size_t n_attrs,
        const char *const *types, const struct str_view *vals, size_t n_vals)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    assert_int_not_equal(ber_printf(ber, "{it{s{", (ber_int_t)msgid, (ber_tag_t)0x64, dn), -1);
    for (size_t i = 0; i < n_attrs; i++) {
        if (types_only) {
            assert_int_not_equal(ber_printf(ber, "{s[]}", types[i]), -1);
            continue;
        }
        assert_int_not_equal(ber_printf(ber, "{s[", types[i]), -1);
        for (size_t j = 0; j < n_vals; j++) {
            assert_int_not_equal(ber_printf(ber, "o", vals[j].ptr, (ber_len_t)vals[j].len), -1);
        }
        assert_int_not_equal(ber_printf(ber, "]}"), -1);
    }
    assert_int_not_equal(ber_printf(ber, "}}}"), -1);
    struct berval *bv = NULL;
    assert_int_equal(ber_flatten(ber, &bv), 0);
    ber_free(ber, 1);
    return bv;
}

static void check_entry_bytes(int32_t msgid, bool types_only, size_t n_attrs,
        const struct str_view *vals, size_t n_vals)
{
    static char names[200][8];
    const char *types[200];
    for (size_t i = 0; i < n_attrs; i++) {
        snprintf(names[i], sizeof(names[i]), "a%zu", i);
        types[i] = names[i];
    }
    const char *dn = "uid=5f0c1a2b-0000-4000-8000-000000000001,ou=People,dc=example,dc=com";
    struct ldapd_entry_writer w;
    ldapd_entry_begin(&w, msgid, str_view_of(dn), types_only);
    for (size_t i = 0; i < n_attrs; i++) {
        ldapd_entry_attr(&w, str_view_of(types[i]), vals, n_vals);
    }
    assert_int_equal(ldapd_entry_finish(&w, g_out), 0);
    struct berval *want = lber_entry(msgid, dn, types_only, n_attrs, types, vals, n_vals);
    size_t len = evbuffer_get_length(g_out);
    assert_int_equal(len, want->bv_len);
    assert_memory_equal(evbuffer_pullup(g_out, (ev_ssize_t)len), want->bv_val, len);
    evbuffer_drain(g_out, len);
    ber_bvfree(want);
}

static void test_entry_writer_bytes_equal_liblber_der_for_every_length_form(void **state)
{
    static char big[70000];
    memset(big, 'x', sizeof(big));
    const size_t sizes[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, sizeof(big) };
    const int32_t ids[] = { 1, 127, 128, 255, 256, 32767, 32768, 8388608, 2147483647 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct str_view v[2] = { str_view_make(big, sizes[i]), STR_VIEW_LIT("second") };
        check_entry_bytes(ids[i], false, 1, v, 2);
        check_entry_bytes(ids[i], false, 3, v, 1);
    }
    /* More attributes and values than the writer holds inline, and typesOnly. */
    struct str_view many[60];
    for (size_t i = 0; i < 60; i++) {
        many[i] = str_view_make(big, i * 3);
    }
    check_entry_bytes(7, false, 120, many, 60);
    check_entry_bytes(7, true, 120, many, 60);
}

static void test_entry_writer_misuse_appends_nothing(void **state)
{
    struct ldapd_entry_writer w;
    ldapd_entry_begin(&w, 5, STR_VIEW_LIT("uid=1"), false);
    ldapd_entry_value(&w, STR_VIEW_LIT("orphan"));
    assert_int_equal(ldapd_entry_finish(&w, g_out), ERR_INVAL);
    ldapd_entry_begin(&w, 5, STR_VIEW_LIT("uid=1"), false);
    ldapd_entry_attr_begin(&w, STR_VIEW_LIT("cn"));
    assert_int_equal(ldapd_entry_finish(&w, g_out), ERR_INVAL); /* attribute left open */
    ldapd_entry_begin(&w, 5, STR_VIEW_LIT("uid=1"), false);
    ldapd_entry_attr_begin(&w, STR_VIEW_LIT("cn"));
    ldapd_entry_value(&w, STR_VIEW_LIT("x"));
    ldapd_entry_abort(&w);
    assert_int_equal(evbuffer_get_length(g_out), 0);
}

static void read_extended(ber_int_t *id, ber_int_t *code, char *name, struct berval *value,
        int *has_value)
{
    BerElement *ber = take_output();
    struct berval matched, diag, bv;
    ber_len_t len;
    ber_tag_t tag;
    assert_int_not_equal(ber_scanf(ber, "{i", id), LBER_ERROR);
    assert_int_equal(ber_peek_tag(ber, &len), LDAP_RES_EXTENDED);
    assert_int_not_equal(ber_scanf(ber, "{emm", code, &matched, &diag), LBER_ERROR);
    name[0] = '\0';
    *has_value = 0;
    tag = ber_peek_tag(ber, &len);
    if (tag == LDAP_TAG_EXOP_RES_OID) {
        assert_int_not_equal(ber_scanf(ber, "m", &bv), LBER_ERROR);
        memcpy(name, bv.bv_val, bv.bv_len);
        name[bv.bv_len] = '\0';
        tag = ber_peek_tag(ber, &len);
    }
    if (tag == LDAP_TAG_EXOP_RES_VALUE) {
        assert_int_not_equal(ber_scanf(ber, "o", value), LBER_ERROR);
        *has_value = 1;
    }
    assert_int_not_equal(ber_scanf(ber, "}}"), LBER_ERROR);
    ber_free(ber, 1);
}

static void test_whoami_answers_dn_user_and_anonymous(void **state)
{
    ber_int_t id, code;
    char name[64];
    struct berval v;
    int has;
    assert_int_equal(ldapd_encode_whoami_response(g_out, 4, LDAPD_WHOAMI_DN,
                             STR_VIEW_LIT("uid=alice,ou=Users,dc=example,dc=com")),
            0);
    read_extended(&id, &code, name, &v, &has);
    assert_int_equal(id, 4);
    assert_int_equal(code, 0);
    assert_string_equal(name, "");
    assert_true(has);
    assert_bv(&v, "dn:uid=alice,ou=Users,dc=example,dc=com");
    ber_memfree(v.bv_val);
    assert_int_equal(ldapd_encode_whoami_response(g_out, 5, LDAPD_WHOAMI_USER,
                             STR_VIEW_LIT("alice")),
            0);
    read_extended(&id, &code, name, &v, &has);
    assert_bv(&v, "u:alice");
    ber_memfree(v.bv_val);
    assert_int_equal(ldapd_encode_whoami_response(g_out, 6, LDAPD_WHOAMI_ANONYMOUS,
                             STR_VIEW_NULL),
            0);
    read_extended(&id, &code, name, &v, &has);
    assert_true(has);
    assert_int_equal(v.bv_len, 0);
    ber_memfree(v.bv_val);
}

static void test_notice_of_disconnection_is_unsolicited(void **state)
{
    ber_int_t id, code;
    char name[64];
    struct berval v;
    int has;
    assert_int_equal(ldapd_encode_notice_of_disconnection(g_out, LDAPD_PROTOCOL_ERROR,
                             STR_VIEW_LIT("filter nested too deeply")),
            0);
    read_extended(&id, &code, name, &v, &has);
    assert_int_equal(id, 0);
    assert_int_equal(code, 2);
    assert_string_equal(name, "1.3.6.1.4.1.1466.20036");
    assert_false(has);
}

static void test_extended_response_with_name_and_value_and_compare(void **state)
{
    ber_int_t id, code;
    char name[64];
    struct berval v;
    int has;
    struct ldapd_result ok = { .code = LDAPD_SUCCESS };
    struct str_view value = STR_VIEW_LIT("v");
    assert_int_equal(ldapd_encode_extended_response(g_out, 3, &ok, LDAPD_OID_STARTTLS, &value), 0);
    read_extended(&id, &code, name, &v, &has);
    assert_string_equal(name, LDAPD_OID_STARTTLS);
    assert_bv(&v, "v");
    ber_memfree(v.bv_val);

    struct ldapd_result t = { .code = LDAPD_COMPARE_TRUE };
    assert_int_equal(ldapd_encode_compare_response(g_out, 8, &t), 0);
    const uint8_t expect[] = { 0x30, 0x0c, 0x02, 0x01, 0x08, 0x6f, 0x07, 0x0a, 0x01, 0x06, 0x04,
        0x00, 0x04, 0x00 };
    assert_memory_equal(evbuffer_pullup(g_out, -1), expect, sizeof(expect));
    evbuffer_drain(g_out, sizeof(expect));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind_success_has_exact_der_bytes),
        cmocka_unit_test(test_result_carries_code_matched_dn_and_message),
        cmocka_unit_test(test_search_done_with_paged_sort_and_vlv_controls),
        cmocka_unit_test(test_sort_value_without_attribute_omits_it),
        cmocka_unit_test(test_entry_writer_builds_attributes_incrementally),
        cmocka_unit_test(test_entry_writer_misuse_appends_nothing),
        cmocka_unit_test(test_whoami_answers_dn_user_and_anonymous),
        cmocka_unit_test(test_entry_writer_bytes_equal_liblber_der_for_every_length_form),
        cmocka_unit_test(test_notice_of_disconnection_is_unsolicited),
        cmocka_unit_test(test_extended_response_with_name_and_value_and_compare),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
