/*
 * test_vcard.c: the vCard reader: unfolding, groups, parameters (quoted, lists, RFC 6868,
 * 2.1 bare tokens), escapes, 2.1 QUOTED-PRINTABLE/CHARSET/BASE64, limits, and every error
 * with the line it names; the stream reader skipping bad cards and resuming.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/src/formats/test_vcard_util.h"

/* Parse text expecting failure rc with a message starting "line <line>: " and holding what. */
static void expect_error(const char *text, size_t len, int rc, unsigned line, const char *what)
{
    struct vcard *card = NULL;
    struct vcard_error err;
    char prefix[32];
    int got = vcard_parse(arena_, str_view_make(text, len), NULL, &card, &err);
    snprintf(prefix, sizeof(prefix), "line %u: ", line);
    if (got != rc || err.line != line || strncmp(err.message, prefix, strlen(prefix)) != 0 ||
        strstr(err.message, what) == NULL) {
        fail_msg("want rc %d '%s...%s', got rc %d line %u '%s'", rc, prefix, what, got, err.line,
                 err.message);
    }
}

static void test_unfolds_crlf_space_and_lf_tab(void **state)
{
    struct vcard *card = tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:4.0\r\nNOTE:one \r\n two\r\n"
                                          "  three\r\nFN:Bare\n\tLF\nEND:VCARD\n");
    assert_int_equal(card->version, VCARD_V40);
    assert_int_equal(card->n_props, 2);
    assert_view_equal(card->props[0].value, "one two three");
    assert_int_equal(card->props[0].line, 3);
    assert_view_equal(card->props[1].value, "BareLF");
    assert_int_equal(card->props[1].line, 6);
    assert_int_equal(card->first_line, 1);
    assert_int_equal(card->last_line, 8);
}

static void test_groups_and_raw_kept_byte_for_byte(void **state)
{
    struct vcard *card =
            tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:3.0\r\nitem1.X-ABLabel:Beach House\r\n"
                             "X-Odd;x-Param=\"Keep: this\";Other=1,2:v\\,al\r\nEND:VCARD\r\n");
    assert_view_equal(card->props[0].group, "item1");
    assert_view_equal(card->props[0].name, "X-ABLabel");
    assert_view_equal(card->props[1].raw, "X-Odd;x-Param=\"Keep: this\";Other=1,2:v\\,al");
    assert_view_equal(card->props[1].params[0].name, "x-Param");
    assert_view_equal(card->props[1].params[0].values[0], "Keep: this");
    assert_int_equal(card->props[1].params[1].n_values, 2);
    assert_view_equal(card->props[1].params[1].values[1], "2");
    assert_view_equal(card->props[1].value, "v\\,al");
}

static void test_type_list_split_inside_quotes_and_across_params(void **state)
{
    struct vcard *card =
            tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:4.0\r\n"
                             "TEL;TYPE=\"voice,home\";LABEL=\"a,b\":tel:+1\r\n"
                             "EMAIL;type=INTERNET;type=WORK;type=pref:x@y\r\nEND:VCARD\r\n");
    const struct vcard_prop *tel = &card->props[0];
    assert_int_equal(tel->params[0].n_values, 2);
    assert_view_equal(tel->params[0].values[1], "home");
    assert_int_equal(tel->params[1].n_values, 1); /* only TYPE lists split inside quotes */
    assert_view_equal(tel->params[1].values[0], "a,b");
    assert_true(vcard_param_has(&card->props[1], "TYPE", "pref"));
    assert_true(vcard_param_has(&card->props[1], "type", "work"));
    assert_false(vcard_param_has(&card->props[1], "TYPE", "home"));
}

static void test_rfc6868_caret_decoded(void **state)
{
    struct vcard *card =
            tv_parse(arena_, "BEGIN:VCARD\r\nVERSION:4.0\r\n"
                             "ADR;LABEL=\"Flat 2^n1 Mill ^'Lane^' ^^ ^x\":;;\r\nEND:VCARD\r\n");
    assert_view_equal(vcard_param_find(&card->props[0], "label")->values[0],
                      "Flat 2\n1 Mill \"Lane\" ^ ^x");
}

static void test_value_text_and_split_undo_escapes(void **state)
{
    struct str_view t = vcard_value_text(arena_, STR_VIEW_LIT("a\\,b\\;c\\nd\\Ne\\\\f\\:g\\q"));
    assert_view_equal(t, "a,b;c\nd\ne\\f:g\\q");
    size_t n = 0;
    struct str_view *parts = vcard_value_split(
            arena_, STR_VIEW_LIT(";;1 Sea Rd\\; Flat 2;Brighton\\, East;"), ';', &n);
    assert_int_equal(n, 5);
    assert_view_equal(parts[0], "");
    assert_view_equal(parts[2], "1 Sea Rd; Flat 2");
    assert_view_equal(parts[3], "Brighton, East");
    assert_view_equal(parts[4], "");
    parts = vcard_value_split(arena_, STR_VIEW_LIT("a\\,b,c"), ',', &n);
    assert_int_equal(n, 2);
    assert_view_equal(parts[0], "a,b");
}

static void test_v21_quoted_printable_soft_breaks_and_charset(void **state)
{
    const char *text = "BEGIN:VCARD\r\nVERSION:2.1\r\n"
                       "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Br=F6tchen=0D=0A=\r\n"
                       "f=FCr alle=\r\n"
                       "!\r\n"
                       "FN;CHARSET=windows-1252:\x80 5 J\xfcrgen\r\n"
                       "TEL;WORK;VOICE:+49 1\r\nEND:VCARD\r\n";
    struct vcard *card = tv_parse(arena_, text);
    assert_int_equal(card->version, VCARD_V21);
    assert_int_equal(card->n_props, 3);
    assert_view_equal(card->props[0].value, "Brötchen\\nfür alle!");
    assert_int_equal(card->props[0].line, 3);
    assert_view_equal(card->props[1].value, "€ 5 Jürgen");
    assert_int_equal(card->props[1].line, 6);
    /* bare tokens become TYPE values */
    assert_true(vcard_param_has(&card->props[2], "TYPE", "WORK"));
    assert_true(vcard_param_has(&card->props[2], "TYPE", "VOICE"));
    assert_int_equal(card->props[2].line, 7);
}

static void test_v21_8bit_without_charset_read_as_windows_1252(void **state)
{
    struct vcard *card = tv_parse(
            arena_, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:M\xfcller;J\xfcrgen\r\nEND:VCARD\r\n");
    assert_view_equal(card->props[0].value, "Müller;Jürgen");
}

static void test_v21_base64_block_on_unindented_lines(void **state)
{
    struct vcard *card = tv_parse(
            arena_, "BEGIN:VCARD\r\nVERSION:2.1\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQ\r\n"
                    "SkZJRgAB\r\nAQEAYABg\r\n\r\nFN:X\r\nEND:VCARD\r\n");
    assert_int_equal(card->n_props, 2);
    assert_view_equal(card->props[0].value, "/9j/4AAQSkZJRgABAQEAYABg");
    assert_int_equal(card->props[1].line, 7);
}

static void test_golden_outlook_21_decodes(void **state)
{
    struct vcard *card = NULL;
    struct vcard_error err;
    assert_int_equal(vcard_parse(arena_, tv_read(arena_, "outlook-2.1.vcf"), NULL, &card, &err), 0);
    assert_view_equal(vcard_prop_find(card, "FN")->value, "Jürgen Müller");
    assert_view_equal(vcard_prop_find(card, "ADR")->value,
                      ";;Hauptstraße 12;München;Bayern;80331;Deutschland");
    assert_view_equal(vcard_prop_find(card, "LABEL")->value,
                      "Hauptstraße 12\\nMünchen, Bayern 80331\\nDeutschland");
    assert_true(vcard_prop_find(card, "PHOTO")->value.len > 200);
    assert_view_equal(vcard_prop_find(card, "REV")->value, "20240115T083000Z");
}

static void test_bom_and_blank_lines_ignored(void **state)
{
    struct vcard *card = tv_parse(
            arena_,
            "\xEF\xBB\xBF\r\n\r\nBEGIN:VCARD\r\nVERSION:3.0\r\n\r\nFN:A\r\nEND:VCARD\r\n\r\n");
    assert_int_equal(card->n_props, 1);
    assert_int_equal(card->first_line, 3);
    assert_int_equal(card->props[0].line, 6);
}

static void test_error_missing_end_names_begin_line(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 1, "no END:VCARD");
}

static void test_error_no_begin(void **state)
{
    const char *t = "\r\nFN:x\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 2, "expected BEGIN:VCARD");
    expect_error("", 0, ERR_INVAL, 1, "expected BEGIN:VCARD");
}

static void test_error_garbage_line(void **state)
{
    const char *t =
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nthis is not a content line\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 4, "without ':'");
    t = "BEGIN:VCARD\r\nVERSION:3.0\r\n:no name\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 3, "property name");
    t = "BEGIN:VCARD\r\nVERSION:3.0\r\nX;P=\"open:v\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 3, "unterminated");
}

static void test_error_nul_byte(void **state)
{
    static const char t[] = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:a\0b\r\nEND:VCARD\r\n";
    expect_error(t, sizeof(t) - 1, ERR_INVAL, 3, "NUL");
    static const char qp[] =
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:a\r\nNOTE;QUOTED-PRINTABLE:a=00b\r\nEND:VCARD\r\n";
    expect_error(qp, sizeof(qp) - 1, ERR_INVAL, 4, "NUL");
}

static void test_error_invalid_utf8_in_30_and_40(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:ok\r\nN:M\xfcller;;;;\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 4, "invalid UTF-8");
    t = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\xe2\x82\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 3, "invalid UTF-8");
    t = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:\xed\xa0\x80 surrogate\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 3, "invalid UTF-8");
}

static void test_error_version_missing_or_unknown(void **state)
{
    const char *t = "BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 1, "without VERSION");
    t = "BEGIN:VCARD\r\nFN:x\r\nVERSION:5.0\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 3, "unsupported VERSION 5.0");
}

static void test_error_nested_begin_and_second_card(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:a\r\nBEGIN:VCARD\r\nEND:VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 4, "card begun on line 1");
    t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:a\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nEND:"
        "VCARD\r\n";
    expect_error(t, strlen(t), ERR_INVAL, 5, "one card expected");
}

static char *make_card(size_t *len_out, const char *name, size_t value_len, unsigned pad_lines)
{
    size_t cap = value_len + 64 + pad_lines * 16;
    char *buf = arena_alloc(arena_, cap);
    size_t n = (size_t)sprintf(buf, "BEGIN:VCARD\r\nVERSION:3.0\r\n");
    for (unsigned i = 0; i < pad_lines; i++) {
        n += (size_t)sprintf(buf + n, "X-P%u:v\r\n", i);
    }
    n += (size_t)sprintf(buf + n, "%s:", name);
    memset(buf + n, 'A', value_len);
    n += value_len;
    n += (size_t)sprintf(buf + n, "\r\nEND:VCARD\r\n");
    *len_out = n;
    return buf;
}

static void test_error_long_note_line_but_long_photo_ok(void **state)
{
    size_t len;
    char *t = make_card(&len, "NOTE", 100 * 1024, 0);
    expect_error(t, len, ERR_TOO_LARGE, 3, "over the limit of 65536");
    t = make_card(&len, "item1.PHOTO;ENCODING=b", 1024 * 1024, 0);
    struct vcard *card = NULL;
    struct vcard_error err;
    assert_int_equal(vcard_parse(arena_, str_view_make(t, len), NULL, &card, &err), 0);
    assert_int_equal(card->props[0].value.len, 1024 * 1024);
}

static void test_error_50mb_card(void **state)
{
    size_t len;
    char *t = make_card(&len, "PHOTO;ENCODING=b", 50u << 20, 0);
    expect_error(t, len, ERR_TOO_LARGE, 3, "card is over the size limit of 4194304");
}

static void test_error_too_many_properties(void **state)
{
    size_t len;
    char *t = make_card(&len, "FN", 1, 2000);
    expect_error(t, len, ERR_TOO_LARGE, 2003, "more than 2000 properties");
    t = make_card(&len, "FN", 1, 1999);
    struct vcard *card = NULL;
    struct vcard_error err;
    assert_int_equal(vcard_parse(arena_, str_view_make(t, len), NULL, &card, &err), 0);
    assert_int_equal(card->n_props, 2000);
}

static void test_custom_limits_apply(void **state)
{
    struct vcard_limits lim = { .max_line = 14, .max_card = 1000, .max_props = 3 };
    struct vcard *card = NULL;
    struct vcard_error err;
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:012345\r\nNOTE:0123456789\r\nEND:VCARD\r\n";
    assert_int_equal(vcard_parse(arena_, str_view_of(t), &lim, &card, &err), ERR_TOO_LARGE);
    assert_int_equal(err.line, 4);
}

struct collect {
    unsigned cards, errors;
    unsigned card_lines[8], error_lines[8];
    char last_error[160];
};

static int collect_fn(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    struct collect *c = ctx;
    if (card != NULL) {
        c->card_lines[c->cards++ % 8] = card->first_line;
    } else {
        c->error_lines[c->errors++ % 8] = err->line;
        snprintf(c->last_error, sizeof(c->last_error), "%s", err->message);
    }
    return 0;
}

static void test_stream_skips_bad_cards_and_resumes(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:One\r\nEND:VCARD\r\n"   /* 1-4 */
                    "junk between cards\r\n"                                  /* 5 */
                    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Two\r\n"                /* 6-8, no END */
                    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Three\r\nbad line\r\n"  /* 9-12 */
                    "TEL:1\r\nEND:VCARD\r\n"                                  /* 13-14 */
                    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Four\r\nEND:VCARD\r\n"; /* 15-18 */
    struct collect c = { 0 };
    assert_int_equal(vcard_parse_stream(arena_, str_view_of(t), NULL, collect_fn, &c), 0);
    assert_int_equal(c.cards, 2);
    assert_int_equal(c.card_lines[0], 1);
    assert_int_equal(c.card_lines[1], 15);
    assert_int_equal(c.errors, 3);
    assert_int_equal(c.error_lines[0], 5);  /* text outside cards */
    assert_int_equal(c.error_lines[1], 9);  /* BEGIN inside card 2 */
    assert_int_equal(c.error_lines[2], 12); /* bad line in card 3 */
    assert_non_null(strstr(c.last_error, "line 12: content line without ':'"));
}

static void test_stream_resumes_after_oversized_card(void **state)
{
    size_t len;
    char *big = make_card(&len, "NOTE", 70 * 1024, 0);
    struct strbuf sb;
    strbuf_init(&sb, arena_, len + 200);
    strbuf_append(&sb, big, len);
    strbuf_append_cstr(&sb, "BEGIN:VCARD\nVERSION:3.0\nFN:After\nEND:VCARD\n");
    struct collect c = { 0 };
    assert_int_equal(vcard_parse_stream(arena_, strbuf_view(&sb), NULL, collect_fn, &c), 0);
    assert_int_equal(c.errors, 1);
    assert_int_equal(c.error_lines[0], 3);
    assert_int_equal(c.cards, 1);
    assert_int_equal(c.card_lines[0], 5);
}

static int stop_fn(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    (*(unsigned *)ctx)++;
    return 7;
}

static void test_stream_stops_on_callback_return(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:1\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3."
                    "0\r\nFN:2\r\nEND:VCARD\r\n";
    unsigned calls = 0;
    assert_int_equal(vcard_parse_stream(arena_, str_view_of(t), NULL, stop_fn, &calls), 7);
    assert_int_equal(calls, 1);
}

static void test_card_text_spans_begin_to_end(void **state)
{
    const char *t = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:1\r\nEND:VCARD\r\n";
    struct vcard *card = tv_parse(arena_, t);
    assert_int_equal(card->text.len, strlen(t));
    assert_ptr_equal(card->text.ptr, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unfolds_crlf_space_and_lf_tab, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups_and_raw_kept_byte_for_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_list_split_inside_quotes_and_across_params, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rfc6868_caret_decoded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_text_and_split_undo_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v21_quoted_printable_soft_breaks_and_charset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_v21_8bit_without_charset_read_as_windows_1252, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_v21_base64_block_on_unindented_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_golden_outlook_21_decodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bom_and_blank_lines_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_missing_end_names_begin_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_no_begin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_garbage_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_nul_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_invalid_utf8_in_30_and_40, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_version_missing_or_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_nested_begin_and_second_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_long_note_line_but_long_photo_ok, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_50mb_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_too_many_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_limits_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_skips_bad_cards_and_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_resumes_after_oversized_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_stops_on_callback_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_card_text_spans_begin_to_end, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
