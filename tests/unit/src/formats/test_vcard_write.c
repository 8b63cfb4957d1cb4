/*
 * test_vcard_write.c: the writer: GET -> PUT -> GET byte identity on the golden cards of
 * Apple, Thunderbird, DAVx5 and Google (also when they arrive folded differently), CRLF and
 * 75-octet folding that never splits UTF-8, parameter quoting, RFC 6868 in 4.0 output only,
 * decoded 2.1 lines re-composed, and the build helpers vcard_new/vcard_add/vcard_escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/src/formats/test_vcard_util.h"

static const char *const golden_same_version[] = {
    "apple-3.0.vcf", "apple-org-3.0.vcf", "apple-group-3.0.vcf", "thunderbird-4.0.vcf",
    "davx5-3.0.vcf", "davx5-4.0.vcf",     "google-3.0.vcf",
};

struct rewrite {
    struct strbuf out;
    unsigned cards, errors;
};

static int rewrite_fn(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    struct rewrite *r = ctx;
    if (card == NULL) {
        r->errors++;
        fail_msg("golden card rejected: %s", err->message);
    }
    r->cards++;
    vcard_write(card, &r->out);
    return 0;
}

/* Parse every card of text and write each back in its own version. */
static struct str_view rewrite_all(struct str_view text, unsigned *cards_out)
{
    struct rewrite r = { 0 };
    strbuf_init(&r.out, arena_, text.len + 64);
    assert_int_equal(vcard_parse_stream(arena_, text, NULL, rewrite_fn, &r), 0);
    *cards_out = r.cards;
    return strbuf_view(&r.out);
}

static void test_golden_cards_round_trip_byte_for_byte(void **state)
{
    for (size_t i = 0; i < sizeof(golden_same_version) / sizeof(golden_same_version[0]); i++) {
        struct str_view in = tv_read(arena_, golden_same_version[i]);
        unsigned cards = 0;
        struct str_view out = rewrite_all(in, &cards);
        assert_true(cards >= 1);
        if (!str_view_eq(in, out)) {
            fail_msg("%s: written card differs from the input:\n%s", golden_same_version[i],
                     tv_cstr(arena_, out));
        }
    }
}

/* The same cards folded at 40 octets with TAB continuations and bare LF line ends (as
 * other writers do) come out identical after unfolding, and in Kith's folding. */
static void test_golden_cards_refolded_input_gives_same_content(void **state)
{
    for (size_t i = 0; i < sizeof(golden_same_version) / sizeof(golden_same_version[0]); i++) {
        struct str_view in = tv_read(arena_, golden_same_version[i]);
        struct str_view flat = tv_unfold(arena_, in);
        struct strbuf refolded;
        strbuf_init(&refolded, arena_, flat.len * 2);
        size_t col = 0;
        for (size_t k = 0; k < flat.len; k++) {
            unsigned char ch = (unsigned char)flat.ptr[k];
            if (flat.ptr[k] == '\n') {
                col = 0;
            } else if (col >= 40 && (ch & 0xC0) != 0x80) {
                strbuf_append_cstr(&refolded, "\n\t");
                col = 1;
            }
            strbuf_append_char(&refolded, flat.ptr[k]);
            col += flat.ptr[k] != '\n';
        }
        unsigned cards = 0;
        struct str_view out = rewrite_all(strbuf_view(&refolded), &cards);
        assert_true(str_view_eq(tv_unfold(arena_, out), flat));
        assert_true(str_view_eq(out, in));
    }
}

static void test_output_uses_crlf_and_folds_at_75_octets(void **state)
{
    struct str_view out = rewrite_all(tv_read(arena_, "apple-3.0.vcf"), &(unsigned){ 0 });
    size_t start = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.ptr[i] == '\n') {
            assert_true(i > 0 && out.ptr[i - 1] == '\r');
            assert_true(i - 1 - start <= 75);
            start = i + 1;
        }
    }
    assert_int_equal(start, out.len);
}

static void test_fold_never_splits_utf8_sequences(void **state)
{
    struct vcard *card = vcard_new(arena_, VCARD_V40);
    struct strbuf text;
    strbuf_init(&text, arena_, 1024);
    for (int i = 0; i < 60; i++) {
        strbuf_append_cstr(&text, i % 3 == 0 ? "€" : i % 3 == 1 ? "Ø" : "😀");
    }
    assert_non_null(vcard_add(arena_, card, NULL, "NOTE", NULL, strbuf_view(&text)));
    assert_non_null(vcard_add(arena_, card, NULL, "FN", NULL,
                              STR_VIEW_LIT("a€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€")));
    struct str_view out = tv_write(arena_, card);
    size_t start = 0;
    unsigned folds = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.ptr[i] != '\n') {
            continue;
        }
        assert_true(i - 1 - start <= 75);
        assert_true(vcard_parse(arena_, out, NULL, &card, NULL) == 0);
        if (i + 1 < out.len && out.ptr[i + 1] == ' ') {
            folds++;
            /* the byte after the fold's space starts a character */
            assert_true(((unsigned char)out.ptr[i + 2] & 0xC0) != 0x80);
        }
        start = i + 1;
    }
    assert_true(folds >= 3);
    assert_view_equal(vcard_prop_find(card, "NOTE")->value, tv_cstr(arena_, strbuf_view(&text)));
}

static void test_params_quoted_when_holding_colon_semicolon_comma(void **state)
{
    struct vcard *card = vcard_new(arena_, VCARD_V40);
    struct vcard_prop *p = vcard_add(arena_, card, "item1", "X-CRM-ACTIVITY",
                                     "X-CRM-HREF=\"https://k.example/a;b\";X-CRM-TYPE=call",
                                     STR_VIEW_LIT("Called"));
    assert_non_null(p);
    assert_view_equal(
            p->raw,
            "item1.X-CRM-ACTIVITY;X-CRM-HREF=\"https://k.example/a;b\";X-CRM-TYPE=call:Called");
    p = vcard_add(arena_, card, NULL, "ADR", "LABEL=\"1 Sea Rd, Brighton\"",
                  STR_VIEW_LIT(";;1 Sea Rd;Brighton;;;"));
    assert_view_equal(p->raw, "ADR;LABEL=\"1 Sea Rd, Brighton\":;;1 Sea Rd;Brighton;;;");
}

static void test_caret_encoding_in_40_output_only(void **state)
{
#define CARET_CARD(v) \
    "BEGIN:VCARD\r\nVERSION:" v "\r\nADR;LABEL=\"Mill ^'Lane^'^n2^^nd floor\":;;\r\nEND:VCARD\r\n"
    struct vcard *card = tv_parse(arena_, CARET_CARD("4.0"));
    card->props[0].raw = STR_VIEW_NULL; /* force composition from the parts */
    struct str_view out = tv_write(arena_, card);
    assert_non_null(strstr(out.ptr, "ADR;LABEL=Mill ^'Lane^'^n2^^nd floor:;;\r\n"));
    card = tv_parse(arena_, CARET_CARD("3.0"));
    card->props[0].raw = STR_VIEW_NULL;
    out = tv_write(arena_, card);
    assert_non_null(strstr(out.ptr, "ADR;LABEL=Mill 'Lane' 2^^nd floor:;;\r\n"));
}

static void test_decoded_21_lines_written_without_transfer_params(void **state)
{
    struct vcard *card =
            tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                             "NOTE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:caf=E9=0D=0Aok\r\n"
                             "X-KEEP;CHARSET=UTF-8:x\r\nEND:VCARD\r\n");
    struct str_view out = tv_write(arena_, card);
    assert_string_equal(
            out.ptr, "BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:café\\nok\r\nX-KEEP:x\r\nEND:VCARD\r\n");
}

static void test_build_helpers_compose_lines(void **state)
{
    struct vcard *card = vcard_new(arena_, VCARD_V40);
    struct str_view note = vcard_escape(arena_, STR_VIEW_LIT("Line 1\r\nA, B; C\\D"), false);
    assert_view_equal(note, "Line 1\\nA\\, B; C\\\\D");
    assert_view_equal(vcard_escape(arena_, STR_VIEW_LIT("Si3; Ltd"), true), "Si3\\; Ltd");
    assert_non_null(vcard_add(arena_, card, NULL, "UID", NULL, STR_VIEW_LIT("urn:uuid:5f0c")));
    assert_non_null(vcard_add(arena_, card, NULL, "FN", NULL, STR_VIEW_LIT("Joe Bloggs")));
    assert_non_null(vcard_add(arena_, card, NULL, "TEL", "TYPE=cell;PREF=1",
                              STR_VIEW_LIT("+44 7700 900123")));
    assert_non_null(vcard_add(arena_, card, NULL, "NOTE", NULL, note));
    /* a literal line break in a raw value cannot end the line */
    assert_non_null(vcard_add(arena_, card, NULL, "X-A", NULL, STR_VIEW_LIT("a\nEND:VCARD")));
    assert_null(vcard_add(arena_, card, NULL, "BAD NAME", NULL, STR_VIEW_LIT("x")));
    assert_null(vcard_add(arena_, card, NULL, "X-B", "P=\"open", STR_VIEW_LIT("x")));
    assert_null(vcard_add(arena_, card, NULL, "X-B", "P=a:b", STR_VIEW_LIT("x")));
    assert_true(vcard_param_has(&card->props[2], "TYPE", "cell"));
    struct str_view out = tv_write(arena_, card);
    assert_string_equal(out.ptr,
                        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:5f0c\r\nFN:Joe Bloggs\r\n"
                        "TEL;TYPE=cell;PREF=1:+44 7700 900123\r\n"
                        "NOTE:Line 1\\nA\\, B; C\\\\D\r\nX-A:a\\nEND:VCARD\r\nEND:VCARD\r\n");
    struct vcard *back = tv_parse(arena_, out.ptr);
    assert_int_equal(back->n_props, 5);
    assert_view_equal(vcard_value_text(arena_, back->props[3].value), "Line 1\nA, B; C\\D");
}

static void test_add_grows_a_parsed_card(void **state)
{
    struct vcard *card = tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n");
    for (int i = 0; i < 100; i++) {
        assert_non_null(vcard_add(arena_, card, NULL, "X-N", NULL, STR_VIEW_LIT("v")));
    }
    assert_int_equal(card->n_props, 101);
    assert_view_equal(card->props[0].value, "A");
    assert_view_equal(card->props[100].raw, "X-N:v");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_golden_cards_round_trip_byte_for_byte, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_golden_cards_refolded_input_gives_same_content, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_uses_crlf_and_folds_at_75_octets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fold_never_splits_utf8_sequences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_quoted_when_holding_colon_semicolon_comma,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_caret_encoding_in_40_output_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoded_21_lines_written_without_transfer_params,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_helpers_compose_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_grows_a_parsed_card, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
