/*
 * Unit tests for src/strbuf.c: what callers see in the buffer after the appenders the
 * multistatus writer uses per member (escaping, numbers, cutting back to a mark).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "src/arena.h"
#include "src/strbuf.h"

static void test_xml_escaped_replaces_the_five_specials_and_keeps_the_rest(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct strbuf sb;
    strbuf_init(&sb, a, 4);
    strbuf_append_xml_escaped(&sb, str_view_of("M\xc3\xbcller & S\xc3\xb6hne <\"x\"> 'y'"));
    assert_string_equal(sb.ptr,
                        "M\xc3\xbcller &amp; S\xc3\xb6hne &lt;&quot;x&quot;&gt; &apos;y&apos;");
    strbuf_reset(&sb);
    strbuf_append_xml_escaped(&sb, str_view_of("plain/path-1.vcf"));
    assert_string_equal(sb.ptr, "plain/path-1.vcf");
    strbuf_append_xml_escaped(&sb, STR_VIEW_NULL);
    assert_int_equal(sb.len, 16);
    strbuf_reset(&sb);
    strbuf_append_xml_escaped(&sb, str_view_of("&&"));
    assert_string_equal(sb.ptr, "&amp;&amp;");
    arena_free(&a);
}

static void test_u64_is_written_in_decimal(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct strbuf sb;
    strbuf_init(&sb, a, 4);
    strbuf_append_u64(&sb, 0);
    strbuf_append_char(&sb, ' ');
    strbuf_append_u64(&sb, 207);
    strbuf_append_char(&sb, ' ');
    strbuf_append_u64(&sb, UINT64_MAX);
    assert_string_equal(sb.ptr, "0 207 18446744073709551615");
    arena_free(&a);
}

static void test_truncate_cuts_back_to_a_mark(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    struct strbuf sb;
    strbuf_init(&sb, a, 8);
    strbuf_append_lit(&sb, "<D:prop>");
    size_t mark = sb.len;
    for (int i = 0; i < 100; i++) {
        strbuf_append_lit(&sb, "<D:getetag/>"); /* grows past the first block */
    }
    strbuf_truncate(&sb, mark);
    assert_int_equal(sb.len, 8);
    assert_string_equal(sb.ptr, "<D:prop>");
    strbuf_truncate(&sb, 100); /* past the end: nothing changes */
    assert_string_equal(sb.ptr, "<D:prop>");
    strbuf_append_char(&sb, 'x');
    assert_string_equal(sb.ptr, "<D:prop>x");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_escaped_replaces_the_five_specials_and_keeps_the_rest),
        cmocka_unit_test(test_u64_is_written_in_decimal),
        cmocka_unit_test(test_truncate_cuts_back_to_a_mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
