/*
 * test_vcard_util.h: helpers shared by the vCard unit tests: golden files from
 * $KITH_TEST_DATA/vcard, unfolding for comparisons, one-card parse with failure messages.
 */
#ifndef KITH_TEST_VCARD_UTIL_H
#define KITH_TEST_VCARD_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"
#include "src/formats/vcard.h"
#include "src/strbuf.h"

/* The arena each test of a file works in: made before and freed after every test
 * (cmocka_unit_test_setup_teardown(test, setup, teardown)). */
static struct arena *arena_;

static int setup(void **state)
{
    (void)state;
    arena_ = arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&arena_);
    return 0;
}

/* Whole file $KITH_TEST_DATA/vcard/<name> in a; fails the test when missing. */
static inline struct str_view tv_read(struct arena *a, const char *name)
{
    const char *dir = getenv("KITH_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof(path), "%s/vcard/%s", dir ? dir : "tests/data", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (set KITH_TEST_DATA)", path);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = arena_alloc(a, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fail_msg("short read on %s", path);
    }
    fclose(f);
    return str_view_make(buf, (size_t)n);
}

/* Text with folds undone and CRLF turned into LF, for comparing content, not folding. */
static inline struct str_view tv_unfold(struct arena *a, struct str_view in)
{
    char *buf = arena_alloc(a, in.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < in.len; i++) {
        if (in.ptr[i] == '\r' && i + 1 < in.len && in.ptr[i + 1] == '\n') {
            continue;
        }
        if (in.ptr[i] == '\n' && i + 1 < in.len &&
            (in.ptr[i + 1] == ' ' || in.ptr[i + 1] == '\t')) {
            i++;
            continue;
        }
        buf[n++] = in.ptr[i];
    }
    return str_view_make(buf, n);
}

/* Parse exactly one card or fail the test with the parser's message. */
static inline struct vcard *tv_parse(struct arena *a, const char *text)
{
    struct vcard *card = NULL;
    struct vcard_error err;
    int rc = vcard_parse(a, str_view_of(text), NULL, &card, &err);
    if (rc != 0) {
        fail_msg("parse failed (%d): %s", rc, err.message);
    }
    return card;
}

static inline struct str_view tv_write(struct arena *a, const struct vcard *card)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 1024);
    vcard_write(card, &sb);
    return strbuf_view(&sb);
}

static inline char *tv_cstr(struct arena *a, struct str_view v)
{
    return str_view_dup(a, v);
}

#define assert_view_equal(v, s) assert_string_equal(tv_cstr(arena_, (v)), (s))

#endif
