/*
 * test_vcard_merge.c: a 3.0 (or 2.1) card put over a stored 4.0 card (MAPPING.md R4): what
 * the 3.0 rendering cannot carry stays, what the client changed or deleted is changed or
 * deleted, an unchanged rendering gives the stored card back, and no other pair of
 * versions is merged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/src/formats/test_vcard_util.h"

static const char stored_v4[] = "BEGIN:VCARD\r\nVERSION:4.0\r\n"
                                "UID:urn:uuid:6b1f3a52-7c1e-4f7a-9a57-3c2d8f0e4b11\r\n"
                                "KIND:individual\r\n"
                                "FN:Joe Bloggs\r\n"
                                "FN;ALTID=1;LANGUAGE=fr:Joseph Bloggs\r\n"
                                "N:Bloggs;Joe;;;\r\n"
                                "GENDER:M\r\n"
                                "TEL;TYPE=cell;PREF=1:+44 7700 900123\r\n"
                                "EMAIL;TYPE=work:joe@example.com\r\n"
                                "RELATED;TYPE=parent,father;X-CRM-REL=9a0e:urn:uuid:0e5a4c1d-0000-"
                                "4000-8000-000000000001\r\n"
                                "ADR;TYPE=home;CC=GB:;;1 Sea Rd;Brighton;;BN1 1AA;UK\r\n"
                                "X-ODD;Q=\"a:b\":kept as it was\r\n"
                                "END:VCARD\r\n";

/* What a 3.0 client reads for text (stored 4.0 card), unfolded, with CRLF line ends. */
static char *render_30(const char *text)
{
    struct vcard *v3 = vcard_convert(arena_, tv_parse(arena_, text), VCARD_V30);
    struct str_view out = tv_write(arena_, v3);
    struct strbuf sb;
    strbuf_init(&sb, arena_, out.len);
    for (size_t i = 0; i < out.len; i++) {
        if (i + 2 < out.len && memcmp(out.ptr + i, "\r\n ", 3) == 0) {
            i += 2;
            continue;
        }
        strbuf_append_view(&sb, str_view_make(out.ptr + i, 1));
    }
    return (char *)strbuf_view(&sb).ptr;
}

/* text with the first occurrence of from replaced by to (from must be there). */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (at == NULL) {
        fail_msg("'%s' not in:\n%s", from, text);
    }
    size_t head = (size_t)(at - text);
    char *out = arena_alloc(arena_, strlen(text) + strlen(to) + 1);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* The merge of put over stored, written and unfolded, LF line ends, without BEGIN/VERSION/END. */
static const char *merge_body(const char *stored, const char *put)
{
    struct vcard *out = vcard_merge(arena_, tv_parse(arena_, stored), tv_parse(arena_, put));
    assert_int_equal(out->version, VCARD_V40);
    struct str_view text = tv_unfold(arena_, tv_write(arena_, out));
    const char *body = strstr(text.ptr, "VERSION:4.0\n");
    assert_non_null(body);
    body += strlen("VERSION:4.0\n");
    return tv_cstr(arena_, str_view_make(body, strlen(body) - strlen("END:VCARD\n")));
}

static void test_tel_edit_keeps_what_30_cannot_carry(void **state)
{
    char *put = edit(render_30(stored_v4), "+44 7700 900123", "+44 7700 900999");
    assert_string_equal(
            merge_body(stored_v4, put),
            "UID:urn:uuid:6b1f3a52-7c1e-4f7a-9a57-3c2d8f0e4b11\n"
            "KIND:individual\n"
            "FN:Joe Bloggs\n"
            "FN;ALTID=1;LANGUAGE=fr:Joseph Bloggs\n"
            "N:Bloggs;Joe;;;\n"
            "GENDER:M\n"
            "TEL;TYPE=cell;PREF=1:+44 7700 900999\n"
            "EMAIL;TYPE=work:joe@example.com\n"
            "RELATED;TYPE=parent,father;X-CRM-REL=9a0e:urn:uuid:0e5a4c1d-0000-4000-8000-"
            "000000000001\n"
            "ADR;TYPE=home;CC=GB:;;1 Sea Rd;Brighton;;BN1 1AA;UK\n"
            "X-ODD;Q=\"a:b\":kept as it was\n");
}

static void test_unchanged_rendering_gives_the_stored_card(void **state)
{
    struct vcard *stored = tv_parse(arena_, stored_v4);
    assert_ptr_equal(vcard_merge(arena_, stored, tv_parse(arena_, render_30(stored_v4))), stored);
}

static void test_deleted_lines_are_deleted(void **state)
{
    const char *v3 = render_30(stored_v4);
    char *put = edit(v3, "EMAIL;TYPE=INTERNET,WORK:joe@example.com\r\n", "");
    const char *out = merge_body(stored_v4, put);
    assert_null(strstr(out, "EMAIL"));
    assert_non_null(strstr(out, "KIND:individual\n"));
    assert_non_null(strstr(out, "RELATED;TYPE=parent,father"));

    /* the RELATED pair (both lines) and the ADR whose CC 3.0 could not show */
    const char *rel = strstr(v3, "item1.X-ABRELATEDNAMES");
    const char *adr_end = strstr(strstr(v3, "\r\nADR"), "UK\r\n") + 4;
    put = edit(v3, tv_cstr(arena_, str_view_make(rel, (size_t)(adr_end - rel))), "");
    out = merge_body(stored_v4, put);
    assert_null(strstr(out, "RELATED"));
    assert_null(strstr(out, "ADR"));
    assert_non_null(strstr(out, "EMAIL;TYPE=work:joe@example.com\n"));
}

static void test_changed_label_takes_the_new_value_once(void **state)
{
    char *put = edit(render_30(stored_v4), "_$!<Father>!$_", "_$!<Spouse>!$_");
    const char *out = merge_body(stored_v4, put);
    assert_non_null(strstr(out, "RELATED;TYPE=spouse;X-CRM-REL=9a0e:urn:uuid:0e5a4c1d-"));
    assert_null(strstr(out, "father"));
    /* in the place of the stored RELATED, before ADR */
    assert_true(strstr(out, "RELATED") < strstr(out, "ADR"));
}

static void test_renumbered_groups_and_rewritten_types_still_match(void **state)
{
    /* DAVx5 writes its own itemN; clients reorder TYPE values and change their case */
    char *put = edit(render_30(stored_v4), "item1.X-ABRELATEDNAMES", "item7.X-ABRELATEDNAMES");
    put = edit(put, "item1.X-ABLabel", "item7.X-ABLabel");
    put = edit(put, "TYPE=CELL,VOICE,pref", "TYPE=voice;TYPE=pref,cell");
    struct vcard *stored = tv_parse(arena_, stored_v4);
    assert_ptr_equal(vcard_merge(arena_, stored, tv_parse(arena_, put)), stored);

    /* but a label moved to another group no longer belongs to the same line */
    put = edit(render_30(stored_v4), "item1.X-ABLabel", "item2.X-ABLabel");
    const char *out = merge_body(stored_v4, put);
    assert_null(strstr(out, "parent,father"));
}

static void test_new_lines_go_last_and_line_added_by_30_is_dropped(void **state)
{
    static const char org[] = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:org-1\r\nKIND:org\r\n"
                              "FN:Si3 Ltd\r\nORG:Si3 Ltd\r\nX-A:1\r\nEND:VCARD\r\n";
    const char *v3 = render_30(org);
    assert_non_null(strstr(v3, "N:;;;;\r\n")); /* RFC 2426: 3.0 needs N */
    char *put = edit(v3, "END:VCARD", "NOTE:new\r\nEND:VCARD");
    assert_string_equal(merge_body(org, put),
                        "UID:org-1\nKIND:org\nFN:Si3 Ltd\nORG:Si3 Ltd\nX-A:1\nNOTE:new\n");

    /* an N the client filled in is its data */
    put = edit(v3, "N:;;;;", "N:Ltd;Si3;;;");
    assert_non_null(strstr(merge_body(org, put), "N:Ltd;Si3;;;\n"));
}

static void test_duplicate_lines_are_claimed_one_each(void **state)
{
    static const char dup[] = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:d-1\r\nKIND:individual\r\n"
                              "FN:D\r\nN:D;;;;\r\nNOTE:same\r\nNOTE:same\r\nEND:VCARD\r\n";
    char *put = edit(render_30(dup), "NOTE:same\r\n", "");
    assert_string_equal(merge_body(dup, put),
                        "UID:d-1\nKIND:individual\nFN:D\nN:D;;;;\nNOTE:same\n");
}

static void test_21_put_is_merged(void **state)
{
    static const char v21[] = "BEGIN:VCARD\r\nVERSION:2.1\r\n"
                              "UID:6b1f3a52-7c1e-4f7a-9a57-3c2d8f0e4b11\r\n"
                              "FN:Joe Bloggs\r\nN:Bloggs;Joe;;;\r\nTEL;CELL;VOICE:+44 1\r\n"
                              "END:VCARD\r\n";
    const char *out = merge_body(stored_v4, v21);
    assert_non_null(strstr(out, "KIND:individual\n"));
    assert_non_null(strstr(out, "TEL;TYPE=cell:+44 1\n"));
    assert_null(strstr(out, "GENDER")); /* shown in 3.0, absent from the PUT: deleted */
    assert_null(strstr(out, "RELATED"));
}

static void test_other_versions_are_not_merged(void **state)
{
    struct vcard *stored = tv_parse(arena_, stored_v4);
    struct vcard *v4 =
            tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:x\r\nFN:A\r\nEND:VCARD\r\n");
    assert_ptr_equal(vcard_merge(arena_, stored, v4), v4);
    struct vcard *v3 = tv_parse(arena_, render_30(stored_v4));
    struct vcard *stored3 = tv_parse(arena_, render_30(stored_v4));
    assert_ptr_equal(vcard_merge(arena_, stored3, v3), v3);
}

/* The client-shaped 4.0 cards: their 3.0 rendering sent back unchanged changes nothing. */
static int golden_fn(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    if (card == NULL) {
        fail_msg("golden card rejected: %s", err->message);
    }
    struct str_view v3 = tv_write(arena_, vcard_convert(arena_, card, VCARD_V30));
    struct vcard *put = tv_parse(arena_, tv_cstr(arena_, v3));
    if (vcard_merge(arena_, card, put) != card) {
        fail_msg("%s: unchanged 3.0 rendering did not give the stored card:\n%s", (const char *)ctx,
                 tv_cstr(arena_, v3));
    }
    return 0;
}

static void test_golden_cards_unchanged_rendering_is_no_change(void **state)
{
    static const char *const files[] = { "thunderbird-4.0.vcf", "davx5-4.0.vcf" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        assert_int_equal(vcard_parse_stream(arena_, tv_read(arena_, files[i]), NULL, golden_fn,
                                            (void *)files[i]),
                         0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tel_edit_keeps_what_30_cannot_carry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unchanged_rendering_gives_the_stored_card, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deleted_lines_are_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_label_takes_the_new_value_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_renumbered_groups_and_rewritten_types_still_match,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_lines_go_last_and_line_added_by_30_is_dropped,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_lines_are_claimed_one_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_21_put_is_merged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_versions_are_not_merged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_cards_unchanged_rendering_is_no_change, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
