/*
 * test_vcard_convert.c: 3.0 <-> 4.0 (and 2.1 -> both) per MAPPING.md section 2: golden
 * conversions of the client-shaped cards, then one test per mapping rule in both
 * directions, unknown lines passing unchanged, and new itemN groups never reusing one (R2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/src/formats/test_vcard_util.h"

struct convert_all {
    struct strbuf out;
    enum vcard_version to;
};

static int convert_fn(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    struct convert_all *c = ctx;
    if (card == NULL) {
        fail_msg("golden card rejected: %s", err->message);
    }
    vcard_write(vcard_convert(arena_, card, c->to), &c->out);
    return 0;
}

static struct str_view convert_text(struct str_view in, enum vcard_version to)
{
    struct convert_all c = { .to = to };
    strbuf_init(&c.out, arena_, in.len * 2);
    assert_int_equal(vcard_parse_stream(arena_, in, NULL, convert_fn, &c), 0);
    return strbuf_view(&c.out);
}

/* Body of a one-card 3.0 or 4.0 text converted to the other version, written, unfolded. */
static const char *convert_body(const char *version, const char *body, enum vcard_version to)
{
    char *text = arena_alloc(arena_, strlen(body) + 64);
    sprintf(text, "BEGIN:VCARD\r\nVERSION:%s\r\n%sEND:VCARD\r\n", version, body);
    struct str_view out = tv_write(arena_, vcard_convert(arena_, tv_parse(arena_, text), to));
    const char *start = strstr(out.ptr, "\r\n") + 2;
    start = strstr(start, "\r\n") + 2; /* after VERSION */
    size_t len = out.len - (size_t)(start - out.ptr) - strlen("END:VCARD\r\n");
    char *body_out = arena_alloc(arena_, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && memcmp(start + i, "\r\n ", 3) == 0) {
            i += 2; /* compare content, not folding */
            continue;
        }
        body_out[n++] = start[i];
    }
    return body_out;
}

static void test_golden_conversions_match_expected_files(void **state)
{
    static const struct {
        const char *in;
        enum vcard_version to;
        const char *expected;
    } cases[] = {
        { "apple-3.0.vcf", VCARD_V40, "expected/apple-3.0.to40.vcf" },
        { "apple-org-3.0.vcf", VCARD_V40, "expected/apple-org-3.0.to40.vcf" },
        { "apple-group-3.0.vcf", VCARD_V40, "expected/apple-group-3.0.to40.vcf" },
        { "davx5-3.0.vcf", VCARD_V40, "expected/davx5-3.0.to40.vcf" },
        { "google-3.0.vcf", VCARD_V40, "expected/google-3.0.to40.vcf" },
        { "outlook-2.1.vcf", VCARD_V40, "expected/outlook-2.1.to40.vcf" },
        { "phone-2.1.vcf", VCARD_V40, "expected/phone-2.1.to40.vcf" },
        { "thunderbird-4.0.vcf", VCARD_V30, "expected/thunderbird-4.0.to30.vcf" },
        { "davx5-4.0.vcf", VCARD_V30, "expected/davx5-4.0.to30.vcf" },
        { "outlook-2.1.vcf", VCARD_V30, "expected/outlook-2.1.to30.vcf" },
        { "phone-2.1.vcf", VCARD_V30, "expected/phone-2.1.to30.vcf" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct str_view out = convert_text(tv_read(arena_, cases[i].in), cases[i].to);
        if (!str_view_eq(out, tv_read(arena_, cases[i].expected))) {
            fail_msg("%s -> %d differs from %s:\n%s", cases[i].in, (int)cases[i].to,
                     cases[i].expected, tv_cstr(arena_, out));
        }
    }
}

/* 3.0 -> 4.0 -> 3.0 of the client cards is stable from the first 4.0 rendering on. */
static void test_conversion_cycle_is_stable(void **state)
{
    static const char *const files[] = { "apple-3.0.vcf", "apple-org-3.0.vcf",
                                         "apple-group-3.0.vcf", "davx5-3.0.vcf", "google-3.0.vcf" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct str_view in = tv_read(arena_, files[i]);
        struct str_view v4 = convert_text(in, VCARD_V40);
        struct str_view v3 = convert_text(v4, VCARD_V30);
        struct str_view v4b = convert_text(v3, VCARD_V40);
        if (!str_view_eq(v4, v4b)) {
            fail_msg("%s: 4.0 after a 3.0 cycle differs:\n%s", files[i], tv_cstr(arena_, v4b));
        }
    }
}

static void test_same_version_returns_card_itself(void **state)
{
    struct vcard *card = tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEND:VCARD\r\n");
    assert_ptr_equal(vcard_convert(arena_, card, VCARD_V40), card);
}

static void test_kind_group_and_members(void **state)
{
    assert_string_equal(
            convert_body("4.0", "KIND:group\r\nFN:Team\r\nMEMBER:urn:uuid:a1\r\n", VCARD_V30),
            "X-ADDRESSBOOKSERVER-KIND:group\r\nFN:Team\r\nN:;;;;\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:"
            "uuid:a1\r\n");
    /* DAVx5 writes GROUP upper-case: compared case-insensitively */
    assert_string_equal(convert_body("3.0",
                                     "X-ADDRESSBOOKSERVER-KIND:GROUP\r\nFN:Team\r\nN:;;;;\r\n"
                                     "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a1\r\n",
                                     VCARD_V40),
                        "KIND:group\r\nFN:Team\r\nMEMBER:urn:uuid:a1\r\n");
}

static void test_kind_org_and_showas_company(void **state)
{
    assert_string_equal(convert_body("4.0", "KIND:org\r\nFN:Si3 Ltd\r\nORG:Si3 Ltd\r\n", VCARD_V30),
                        "X-ABShowAs:COMPANY\r\nFN:Si3 Ltd\r\nN:;;;;\r\nORG:Si3 Ltd\r\n");
    assert_string_equal(
            convert_body("3.0", "FN:Si3 Ltd\r\nN:;;;;\r\nORG:Si3 Ltd\r\nX-ABShowAs:COMPANY\r\n",
                         VCARD_V40),
            "FN:Si3 Ltd\r\nORG:Si3 Ltd\r\nKIND:org\r\n");
    assert_string_equal(convert_body("4.0", "KIND:individual\r\nFN:Jo\r\nN:Jo;;;;\r\n", VCARD_V30),
                        "FN:Jo\r\nN:Jo;;;;\r\n");
}

static void test_pref_and_tel_email_types(void **state)
{
    assert_string_equal(
            convert_body("4.0",
                         "FN:x\r\nN:;;;;\r\nTEL;TYPE=cell;PREF=1:+44 7700 900123\r\n"
                         "EMAIL;TYPE=work;PREF=1:a@b\r\nEMAIL:c@d\r\nURL;TYPE=work:https://x\r\n",
                         VCARD_V30),
            "FN:x\r\nN:;;;;\r\nTEL;TYPE=CELL,VOICE,pref:+44 7700 900123\r\n"
            "EMAIL;TYPE=INTERNET,WORK,pref:a@b\r\nEMAIL;TYPE=INTERNET:c@d\r\nURL;TYPE=WORK:https://"
            "x\r\n");
    assert_string_equal(
            convert_body("3.0",
                         "FN:x\r\nN:;;;;\r\nTEL;type=CELL;type=VOICE;type=pref:+44 1\r\n"
                         "EMAIL;TYPE=INTERNET,WORK,pref:a@b\r\nTEL;TYPE=FAX,WORK:+44 2\r\n",
                         VCARD_V40),
            "FN:x\r\nN:;;;;\r\nTEL;TYPE=cell;PREF=1:+44 1\r\nEMAIL;TYPE=work;PREF=1:a@b\r\n"
            "TEL;TYPE=fax,work:+44 2\r\n");
}

static void test_bday_forms(void **state)
{
    assert_string_equal(convert_body("4.0", "FN:x\r\nN:;;;;\r\nBDAY:19800415\r\n", VCARD_V30),
                        "FN:x\r\nN:;;;;\r\nBDAY:1980-04-15\r\n");
    assert_string_equal(convert_body("4.0", "FN:x\r\nN:;;;;\r\nBDAY:--0415\r\n", VCARD_V30),
                        "FN:x\r\nN:;;;;\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\r\n");
    assert_string_equal(convert_body("3.0", "FN:x\r\nN:;;;;\r\nBDAY:1980-04-15\r\n", VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nBDAY:19800415\r\n");
    assert_string_equal(convert_body("3.0",
                                     "FN:x\r\nN:;;;;\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-04-15\r\n",
                                     VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nBDAY:--0415\r\n");
    /* a real year that is not the omitted one stays */
    assert_string_equal(convert_body("3.0",
                                     "FN:x\r\nN:;;;;\r\nBDAY;X-APPLE-OMIT-YEAR=1604:1980-04-15\r\n",
                                     VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nBDAY:19800415\r\n");
    assert_string_equal(convert_body("3.0", "FN:x\r\nN:;;;;\r\nBDAY:--04-15\r\n", VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nBDAY:--0415\r\n");
}

static void test_anniversary_item_groups_never_reused(void **state)
{
    /* item1 and item7 exist: the new pair gets item8 (MAPPING.md R2) */
    assert_string_equal(convert_body("4.0",
                                     "FN:x\r\nN:;;;;\r\nitem1.EMAIL:a@b\r\nitem1.X-ABLabel:Club\r\n"
                                     "item7.URL:https://x\r\nANNIVERSARY:20050611\r\n",
                                     VCARD_V30),
                        "FN:x\r\nN:;;;;\r\nitem1.EMAIL;TYPE=INTERNET:a@b\r\nitem1.X-ABLabel:"
                        "Club\r\nitem7.URL:https://x\r\n"
                        "item8.X-ABDATE:2005-06-11\r\nitem8.X-ABLabel:_$!<Anniversary>!$_\r\n");
    assert_string_equal(
            convert_body("3.0",
                         "FN:x\r\nN:;;;;\r\nitem2.X-ABDATE;type=pref:2005-06-11\r\n"
                         "item2.X-ABLabel:_$!<Anniversary>!$_\r\nitem3.X-ABDATE:2020-01-31\r\n"
                         "item3.X-ABLabel:Pay review\r\n",
                         VCARD_V40),
            "FN:x\r\nN:;;;;\r\nANNIVERSARY:20050611\r\nitem3.X-ABDATE:2020-01-31\r\nitem3.X-"
            "ABLabel:Pay review\r\n");
}

static void test_uid_urn_uuid_form(void **state)
{
    assert_string_equal(
            convert_body("4.0",
                         "UID:urn:uuid:5f0c1e2a-1111-2222-3333-444455556666\r\nFN:x\r\nN:;;;;\r\n",
                         VCARD_V30),
            "UID:5f0c1e2a-1111-2222-3333-444455556666\r\nFN:x\r\nN:;;;;\r\n");
    assert_string_equal(
            convert_body("3.0", "UID:5f0c1e2a-1111-2222-3333-444455556666\r\nFN:x\r\nN:;;;;\r\n",
                         VCARD_V40),
            "UID:urn:uuid:5f0c1e2a-1111-2222-3333-444455556666\r\nFN:x\r\nN:;;;;\r\n");
    /* a client UID that is not a UUID is stored verbatim */
    assert_string_equal(convert_body("3.0", "UID:google-3a5f9c\r\nFN:x\r\nN:;;;;\r\n", VCARD_V40),
                        "UID:google-3a5f9c\r\nFN:x\r\nN:;;;;\r\n");
}

static void test_photo_data_uri_and_encoding_b(void **state)
{
    assert_string_equal(
            convert_body("4.0",
                         "FN:x\r\nN:;;;;\r\nPHOTO:data:image/jpeg;base64,/9j/4AAQ\r\n"
                         "KEY:data:application/pgp-keys;base64,mQIN\r\nLOGO:https://x/l.png\r\n",
                         VCARD_V30),
            "FN:x\r\nN:;;;;\r\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/"
            "4AAQ\r\nKEY;ENCODING=b;TYPE=PGP:mQIN\r\n"
            "LOGO;VALUE=uri:https://x/l.png\r\n");
    assert_string_equal(convert_body("3.0",
                                     "FN:x\r\nN:;;;;\r\nPHOTO;ENCODING=b;TYPE=JPEG;X-ABCROP-"
                                     "RECTANGLE=ABClipRect_1&0&0&96&96:/9j/4AAQ\r\n"
                                     "PHOTO;VALUE=uri;TYPE=PNG:https://x/p.png\r\n",
                                     VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nPHOTO;X-ABCROP-RECTANGLE=ABClipRect_1&0&0&96&96:data:"
                        "image/jpeg;base64,/9j/4AAQ\r\n"
                        "PHOTO;MEDIATYPE=image/png:https://x/p.png\r\n");
}

static void test_related_and_abrelatednames(void **state)
{
    assert_string_equal(convert_body("4.0",
                                     "FN:Joe\r\nN:;;;;\r\nitem1.X-ABLabel:x\r\nRELATED;TYPE="
                                     "manager;X-CRM-REL=9a0e:urn:uuid:b1\r\n"
                                     "RELATED;VALUE=text;TYPE=spouse:Lisa "
                                     "Bloggs\r\nRELATED;TYPE=parent,father:urn:uuid:c2\r\n"
                                     "RELATED;VALUE=text:Jane Doe\r\n",
                                     VCARD_V30),
                        "FN:Joe\r\nN:;;;;\r\nitem1.X-ABLabel:x\r\n"
                        "item2.X-ABRELATEDNAMES;X-CRM-REL=9a0e:urn:uuid:b1\r\nitem2.X-ABLabel:_$!<"
                        "Manager>!$_\r\n"
                        "item3.X-ABRELATEDNAMES:Lisa Bloggs\r\nitem3.X-ABLabel:_$!<Spouse>!$_\r\n"
                        "item4.X-ABRELATEDNAMES:urn:uuid:c2\r\nitem4.X-ABLabel:_$!<Father>!$_\r\n"
                        "X-ABRELATEDNAMES:Jane Doe\r\n");
    assert_string_equal(
            convert_body("3.0",
                         "FN:Joe\r\nN:;;;;\r\nitem2.X-ABRELATEDNAMES;X-CRM-REL=9a0e:urn:uuid:b1\r\n"
                         "item2.X-ABLabel:_$!<Manager>!$_\r\nitem3.X-ABRELATEDNAMES:Lisa Bloggs\r\n"
                         "item3.X-ABLabel:_$!<Spouse>!$_\r\nitem4.X-ABRELATEDNAMES:Tim\r\n"
                         "item4.X-ABLabel:Godfather\r\nX-ABRELATEDNAMES:Jane Doe\r\n",
                         VCARD_V40),
            "FN:Joe\r\nN:;;;;\r\nRELATED;TYPE=manager;X-CRM-REL=9a0e:urn:uuid:b1\r\n"
            "RELATED;TYPE=spouse;VALUE=text:Lisa Bloggs\r\n"
            "item4.X-ABRELATEDNAMES:Tim\r\nitem4.X-ABLabel:Godfather\r\n"
            "RELATED;VALUE=text:Jane Doe\r\n");
}

static void test_label_property_and_adr_label_param(void **state)
{
    assert_string_equal(convert_body("3.0",
                                     "FN:x\r\nN:;;;;\r\nADR;TYPE=HOME:;;2 Elm St;Leeds;;;\r\n"
                                     "ADR;TYPE=WORK,pref:;;1 Sea Rd;Brighton;;BN1;UK\r\n"
                                     "LABEL;TYPE=WORK,pref:1 Sea Rd\\nBrighton\\, BN1\r\n",
                                     VCARD_V40),
                        "FN:x\r\nN:;;;;\r\nADR;TYPE=home:;;2 Elm St;Leeds;;;\r\n"
                        "ADR;TYPE=work;PREF=1;LABEL=\"1 Sea Rd^nBrighton, BN1\":;;1 Sea "
                        "Rd;Brighton;;BN1;UK\r\n");
    assert_string_equal(convert_body("4.0",
                                     "FN:x\r\nN:;;;;\r\nADR;TYPE=work;PREF=1;LABEL=\"1 Sea "
                                     "Rd^nBrighton, BN1\";CC=GB:;;1 Sea Rd;Brighton;;BN1;UK\r\n",
                                     VCARD_V30),
                        "FN:x\r\nN:;;;;\r\nADR;TYPE=WORK,pref:;;1 Sea Rd;Brighton;;BN1;UK\r\n"
                        "LABEL;TYPE=WORK,pref:1 Sea Rd\\nBrighton\\, BN1\r\n");
}

static void test_sort_string_and_agent(void **state)
{
    assert_string_equal(
            convert_body("3.0",
                         "FN:x\r\nN:Ødegaard;Søren;;;\r\nSORT-STRING:Odegaard\r\n"
                         "AGENT;VALUE=uri:urn:uuid:a9\r\n",
                         VCARD_V40),
            "FN:x\r\nN;SORT-AS=Odegaard:Ødegaard;Søren;;;\r\nRELATED;TYPE=agent:urn:uuid:a9\r\n");
    assert_string_equal(
            convert_body("4.0", "FN:x\r\nN;SORT-AS=Odegaard:Ødegaard;Søren;;;\r\n", VCARD_V30),
            "FN:x\r\nN:Ødegaard;Søren;;;\r\nSORT-STRING:Odegaard\r\n");
}

static void test_unknown_lines_pass_unchanged_both_ways(void **state)
{
    const char *unknown = "X-CRM-FIELD;X-CRM-NAME=contract-no;VALUE=text:C-1234\r\n"
                          "X-EVOLUTION-BLOG-URL;x-Odd=\"a:b\":https://blog.example\r\n"
                          "item5.X-ABLabel:Beach House\r\nGENDER:F\r\nX-MOZILLA-HTML:FALSE\r\n";
    char body[512];
    snprintf(body, sizeof(body), "FN:x\r\nN:;;;;\r\n%s", unknown);
    char want[512];
    snprintf(want, sizeof(want), "FN:x\r\nN:;;;;\r\n%s", unknown);
    assert_string_equal(convert_body("3.0", body, VCARD_V40), want);
    assert_string_equal(convert_body("4.0", body, VCARD_V30), want);
}

static void test_v21_to_40_has_no_charset_or_encoding(void **state)
{
    struct str_view out = convert_text(tv_read(arena_, "outlook-2.1.vcf"), VCARD_V40);
    assert_null(strstr(out.ptr, "CHARSET"));
    assert_null(strstr(out.ptr, "ENCODING"));
    assert_null(strstr(out.ptr, "QUOTED-PRINTABLE"));
    struct vcard *card = tv_parse(arena_, out.ptr);
    assert_int_equal(card->version, VCARD_V40);
    assert_view_equal(vcard_prop_find(card, "FN")->value, "Jürgen Müller");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_golden_conversions_match_expected_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_conversion_cycle_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_version_returns_card_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_group_and_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_org_and_showas_company, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pref_and_tel_email_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bday_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anniversary_item_groups_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uid_urn_uuid_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_photo_data_uri_and_encoding_b, setup, teardown),
        cmocka_unit_test_setup_teardown(test_related_and_abrelatednames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_label_property_and_adr_label_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_string_and_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_lines_pass_unchanged_both_ways, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_v21_to_40_has_no_charset_or_encoding, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
