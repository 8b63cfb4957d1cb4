/*
 * Storage contract: resources (store.h "resources"): exact bytes in and out, strong ETags
 * that change exactly when the stored representation does, If-Match / If-None-Match,
 * no-uid-conflict per collection (RFC 6352 6.3.2.1), lookups by name and UID, listing in
 * name order, name limits, and the collection's count/bytes counters.
 */
#include "tests/storage/store_fixture.h"

#include <time.h>

static const char card_crlf[] = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Anna M\xc3\xbcller\r\n"
                                "NOTE:line one\\nline two\r\n folded\r\nEND:VCARD\r\n";

static struct store_resource get(struct store_txn *t, uint64_t coll, const char *name, bool body)
{
    struct store_resource r;
    memset(&r, 0, sizeof(r));
    assert_ok(store_resource_get(t, coll, SV(name), body, &r));
    return r;
}

static void test_resource_put_then_get_returns_exact_bytes_and_metadata(void **state)
{
    struct fx *f = *state;
    uint64_t before = (uint64_t)time(NULL);
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("u1.vcf"),
                           .content_type = SV("text/vcard; charset=utf-8"),
                           .uid = SV("u1"),
                           .body = STR_VIEW_LIT(card_crlf) };
    struct store_resource out;
    bool changed = false;
    assert_ok(store_resource_put(t, f->book, &p, &out, &changed));
    assert_true(changed);
    assert_true(out.rev != 0);
    assert_int_equal(out.size, sizeof(card_crlf) - 1);
    assert_int_equal(out.coll_id, f->book);
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_resource r = get(t, f->book, "u1.vcf", true);
    assert_int_equal(r.coll_id, f->book);
    assert_view_eq(r.name, "u1.vcf");
    assert_view_eq(r.content_type, "text/vcard; charset=utf-8");
    assert_view_eq(r.uid, "u1");
    assert_int_equal(r.rev, out.rev);
    assert_int_equal(r.seq, out.seq);
    assert_int_equal(r.size, sizeof(card_crlf) - 1);
    assert_int_equal(r.body.len, sizeof(card_crlf) - 1);
    assert_memory_equal(r.body.ptr, card_crlf, sizeof(card_crlf) - 1);
    assert_true(r.created >= before && r.modified >= r.created);
    store_txn_abort(&t);
}

static void test_resource_get_without_body_gives_metadata_only(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_txn *t = fx_begin(f, false);
    struct store_resource r = get(t, f->book, "a.vcf", false);
    assert_int_equal(r.body.len, 0);
    assert_true(r.size > 0);
    assert_int_equal(r.rev, rev);
    assert_view_eq(r.uid, "uid-a");
    store_txn_abort(&t);
}

static void test_resource_binary_body_round_trips_byte_for_byte(void **state)
{
    struct fx *f = *state;
    uint8_t bin[4099];
    for (size_t i = 0; i < sizeof(bin); i++) {
        bin[i] = (uint8_t)(i * 7 + (i >> 8));
    }
    bin[0] = 0;
    bin[1] = 0xff;
    bin[sizeof(bin) - 1] = 0;
    struct store_txn *t = fx_begin(f, true);
    uint64_t files = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_FILES, "alice", "files", &files));
    struct store_put p = { .name = SV("photo.bin"),
                           .content_type = SV("application/octet-stream"),
                           .body = str_view_make(bin, sizeof(bin)) };
    assert_ok(store_resource_put(t, files, &p, NULL, NULL));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_resource r = get(t, files, "photo.bin", true);
    assert_int_equal(r.body.len, sizeof(bin));
    assert_memory_equal(r.body.ptr, bin, sizeof(bin));
    assert_int_equal(r.uid.len, 0);
    store_txn_abort(&t);
}

static void test_resource_large_body_round_trips(void **state)
{
    struct fx *f = *state;
    size_t n = 3u << 20; /* past LMDB's overflow-page threshold many times over */
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) {
        big[i] = (char)('A' + i % 23);
    }
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "big.vcf", "big", str_view_make(big, n), NULL, NULL));
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_resource r = get(t, f->book, "big.vcf", true);
    assert_int_equal(r.body.len, n);
    assert_memory_equal(r.body.ptr, big, n);
    store_txn_abort(&t);
    free(big);
    assert_int_equal(fx_coll(f, f->book).bytes, n);
}

/* An empty PUT is a legal WebDAV file (litmus creates some). */
static void test_resource_empty_body_is_stored_as_empty(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    uint64_t files = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_FILES, "alice", "files", &files));
    struct store_put p = { .name = SV("empty.txt"),
                           .content_type = SV("text/plain"),
                           .body = SV("") };
    assert_ok(store_resource_put(t, files, &p, NULL, NULL));
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_resource r = get(t, files, "empty.txt", true);
    assert_int_equal(r.size, 0);
    assert_int_equal(r.body.len, 0);
    store_txn_abort(&t);
}

static void test_resource_get_of_missing_name_is_not_found(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "ab.vcf", "uid-ab", "x");
    struct store_txn *t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("a"), false, &r));
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("ab.vcf2"), false, &r));
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("AB.vcf"), false, &r));
    store_txn_abort(&t);
}

static void test_resource_etag_changes_when_bytes_change(void **state)
{
    struct fx *f = *state;
    uint64_t r1 = fx_put_card(f, f->book, "a.vcf", "uid-a", "one");
    uint64_t r2 = fx_put_card(f, f->book, "a.vcf", "uid-a", "two");
    assert_true(r2 != r1);
    assert_true(r2 > r1);
    char e1[32], e2[32];
    store_etag(r1, e1, sizeof(e1));
    store_etag(r2, e2, sizeof(e2));
    assert_string_not_equal(e1, e2);

    struct store_txn *t = fx_begin(f, false);
    struct store_resource r = get(t, f->book, "a.vcf", true);
    assert_int_equal(r.rev, r2);
    assert_true(memmem(r.body.ptr, r.body.len, "NOTE:two", 8) != NULL);
    store_txn_abort(&t);
}

/* A one-byte change in the middle (same length) is a change too. */
static void test_resource_etag_changes_on_same_length_edit(void **state)
{
    struct fx *f = *state;
    uint64_t r1 = fx_put_card(f, f->book, "a.vcf", "uid-a", "abc");
    uint64_t r2 = fx_put_card(f, f->book, "a.vcf", "uid-a", "abd");
    assert_true(r2 != r1);
}

static void test_resource_content_type_change_is_a_change(void **state)
{
    struct fx *f = *state;
    uint64_t r1 = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("a.vcf"),
                           .content_type = SV("text/x-vcard"),
                           .uid = SV("uid-a"),
                           .body = fx_card(t, "uid-a", "x") };
    struct store_resource out;
    bool changed = false;
    assert_ok(store_resource_put(t, f->book, &p, &out, &changed));
    fx_commit(&t);
    assert_true(changed);
    assert_true(out.rev != r1);
}

static void test_resource_identical_put_changes_nothing(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "same");
    struct store_collection before = fx_coll(f, f->book);

    struct store_txn *t = fx_begin(f, true);
    struct store_resource out;
    bool changed = true;
    assert_ok(fx_put(t, f->book, "a.vcf", "uid-a", fx_card(t, "uid-a", "same"), &out, &changed));
    fx_commit(&t);
    assert_false(changed);
    assert_int_equal(out.rev, rev);

    struct store_collection after = fx_coll(f, f->book);
    assert_int_equal(after.sync_seq, before.sync_seq);
    assert_int_equal(after.count, before.count);
    assert_int_equal(after.bytes, before.bytes);

    t = fx_begin(f, false);
    assert_int_equal(get(t, f->book, "a.vcf", false).rev, rev);
    struct fx_list l = { 0 };
    uint64_t last = 0;
    bool trunc = true;
    assert_ok(store_changes_since(t, f->book, before.sync_seq, 0, fx_collect_change, &l, &last,
                                  &trunc));
    assert_int_equal(l.n, 0);
    assert_int_equal(last, before.sync_seq);
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_resource_revisions_are_store_wide_and_increasing(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    fx_commit(&t);
    uint64_t a = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    uint64_t b = fx_put_card(f, other, "a.vcf", "uid-a", "x");
    uint64_t c = fx_put_card(f, f->book, "c.vcf", "uid-c", "x");
    assert_true(a < b && b < c);
}

static void test_etag_is_quoted_and_distinct_per_revision(void **state)
{
    (void)state;
    char buf[24], prev[24] = "";
    static const uint64_t revs[] = { 1, 2, 15, 16, 255, 1000000, UINT64_MAX };
    for (size_t i = 0; i < sizeof(revs) / sizeof(revs[0]); i++) {
        memset(buf, 'x', sizeof(buf));
        store_etag(revs[i], buf, sizeof(buf));
        size_t len = strnlen(buf, sizeof(buf));
        assert_true(len < sizeof(buf)); /* NUL-terminated in 24 bytes, even for UINT64_MAX */
        assert_true(len >= 3);
        assert_int_equal(buf[0], '"');
        assert_int_equal(buf[len - 1], '"');
        assert_null(memchr(buf + 1, '"', len - 2));
        assert_string_not_equal(buf, prev);
        memcpy(prev, buf, sizeof(buf));
    }
    /* The form store.h documents: lower-case hex in quotes. */
    store_etag(0x1a2b, buf, sizeof(buf));
    assert_string_equal(buf, "\"1a2b\"");
    store_etag(UINT64_MAX, buf, sizeof(buf));
    assert_string_equal(buf, "\"ffffffffffffffff\"");
}

static void test_resource_put_with_wrong_if_match_is_precondition_and_changes_nothing(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "one");
    struct store_collection before = fx_coll(f, f->book);

    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("a.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = SV("uid-a"),
                           .body = fx_card(t, "uid-a", "two"),
                           .if_match = rev + 1 };
    assert_rc(ERR_PRECONDITION, store_resource_put(t, f->book, &p, NULL, NULL));
    assert_rc(ERR_PRECONDITION, store_txn_commit(&t));

    t = fx_begin(f, false);
    struct store_resource r = get(t, f->book, "a.vcf", true);
    assert_int_equal(r.rev, rev);
    assert_true(memmem(r.body.ptr, r.body.len, "NOTE:one", 8) != NULL);
    store_txn_abort(&t);
    assert_int_equal(fx_coll(f, f->book).sync_seq, before.sync_seq);
}

static void test_resource_put_with_right_if_match_replaces(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "one");
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("a.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = SV("uid-a"),
                           .body = fx_card(t, "uid-a", "two"),
                           .if_match = rev };
    struct store_resource out;
    assert_ok(store_resource_put(t, f->book, &p, &out, NULL));
    fx_commit(&t);
    assert_true(out.rev != rev);
}

/* RFC 7232 3.1: If-Match on a resource that does not exist fails. */
static void test_resource_put_with_if_match_on_missing_is_precondition(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("new.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = SV("n"),
                           .body = SV("BEGIN:VCARD\r\nEND:VCARD\r\n"),
                           .if_match = 1 };
    assert_rc(ERR_PRECONDITION, store_resource_put(t, f->book, &p, NULL, NULL));
    store_txn_abort(&t);
}

static void test_resource_put_with_if_none_match_on_existing_is_precondition(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "one");
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = SV("a.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = SV("uid-a"),
                           .body = fx_card(t, "uid-a", "two"),
                           .if_none_match = true };
    assert_rc(ERR_PRECONDITION, store_resource_put(t, f->book, &p, NULL, NULL));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    assert_int_equal(get(t, f->book, "a.vcf", false).rev, rev);
    store_txn_abort(&t);

    /* and on a new name it creates */
    t = fx_begin(f, true);
    p.name = SV("b.vcf");
    p.uid = SV("uid-b");
    p.body = fx_card(t, "uid-b", "b");
    assert_ok(store_resource_put(t, f->book, &p, NULL, NULL));
    fx_commit(&t);
}

static void test_resource_same_uid_in_same_collection_is_conflict(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "shared-uid", "one");
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_CONFLICT, fx_put(t, f->book, "b.vcf", "shared-uid",
                                   fx_card(t, "shared-uid", "two"), NULL, NULL));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("b.vcf"), false, &r));
    assert_ok(store_resource_find_uid(t, f->book, SV("shared-uid"), &r));
    assert_view_eq(r.name, "a.vcf");
    store_txn_abort(&t);
}

static void test_resource_same_uid_in_other_collection_is_fine(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "shared-uid", "one");
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    assert_ok(fx_put(t, other, "b.vcf", "shared-uid", fx_card(t, "shared-uid", "two"), NULL, NULL));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_resource r;
    assert_ok(store_resource_find_uid(t, other, SV("shared-uid"), &r));
    assert_view_eq(r.name, "b.vcf");
    assert_int_equal(r.coll_id, other);
    assert_ok(store_resource_find_uid(t, f->book, SV("shared-uid"), &r));
    assert_view_eq(r.name, "a.vcf");
    store_txn_abort(&t);
}

static void test_resource_uid_is_freed_by_uid_change_and_by_delete(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "u1", "x");
    fx_put_card(f, f->book, "a.vcf", "u2", "x"); /* same resource, new UID */
    fx_put_card(f, f->book, "b.vcf", "u1", "x"); /* u1 is free now */

    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_CONFLICT, fx_put(t, f->book, "c.vcf", "u2", fx_card(t, "u2", "x"), NULL, NULL));
    store_txn_abort(&t);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("a.vcf"), 0));
    fx_commit(&t);
    fx_put_card(f, f->book, "c.vcf", "u2", "x");

    t = fx_begin(f, false);
    struct store_resource r;
    assert_ok(store_resource_find_uid(t, f->book, SV("u2"), &r));
    assert_view_eq(r.name, "c.vcf");
    assert_ok(store_resource_find_uid(t, f->book, SV("u1"), &r));
    assert_view_eq(r.name, "b.vcf");
    store_txn_abort(&t);
}

/* Plain files carry no UID; any number of them may share the empty one. */
static void test_resources_without_uid_do_not_conflict(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    uint64_t files = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_FILES, "alice", "files", &files));
    assert_ok(fx_put(t, files, "a.txt", "", SV("a"), NULL, NULL));
    assert_ok(fx_put(t, files, "b.txt", "", SV("b"), NULL, NULL));
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_find_uid(t, files, SV(""), &r));
    store_txn_abort(&t);
}

static void test_resource_find_uid_of_missing_is_not_found(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "uid-abc", "x");
    struct store_txn *t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_find_uid(t, f->book, SV("uid-ab"), &r));
    assert_rc(ERR_NOT_FOUND, store_resource_find_uid(t, f->book, SV("UID-ABC"), &r));
    assert_ok(store_resource_find_uid(t, f->book, SV("uid-abc"), &r));
    assert_view_eq(r.name, "a.vcf");
    assert_view_eq(r.uid, "uid-abc");
    store_txn_abort(&t);
}

static void test_resource_delete_with_wrong_if_match_is_precondition(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_PRECONDITION, store_resource_delete(t, f->book, SV("a.vcf"), rev + 1));
    assert_rc(ERR_PRECONDITION, store_txn_commit(&t));

    t = fx_begin(f, false);
    assert_int_equal(get(t, f->book, "a.vcf", false).rev, rev);
    store_txn_abort(&t);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("a.vcf"), rev));
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("a.vcf"), false, &r));
    assert_rc(ERR_NOT_FOUND, store_resource_find_uid(t, f->book, SV("uid-a"), &r));
    store_txn_abort(&t);
}

static void test_resource_delete_of_missing_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_resource_delete(t, f->book, SV("nope.vcf"), 0));
    store_txn_abort(&t);
}

static void test_resource_recreated_after_delete_gets_a_new_revision(void **state)
{
    struct fx *f = *state;
    uint64_t r1 = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("a.vcf"), 0));
    fx_commit(&t);
    uint64_t r2 = fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    /* a client holding the old ETag must not see the new resource as unchanged */
    assert_true(r2 != r1);
}

static void test_resource_list_is_in_name_order_with_optional_bodies(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = { "b.vcf", "a.vcf", "A.vcf", "ab.vcf", "c d.vcf" };
    for (size_t i = 0; i < 5; i++) {
        char uid[16];
        snprintf(uid, sizeof(uid), "u%zu", i);
        fx_put_card(f, f->book, names[i], uid, "x");
    }
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    assert_ok(fx_put(t, other, "0.vcf", "u0", fx_card(t, "u0", "x"), NULL, NULL));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_resource_list(t, f->book, false, fx_collect_resource, &l));
    static const char *const want[] = { "A.vcf", "a.vcf", "ab.vcf", "b.vcf", "c d.vcf" };
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(l.v[i], want[i]);
        assert_false(l.flag[i]); /* no bodies */
    }
    fx_list_free(&l);
    assert_ok(store_resource_list(t, f->book, true, fx_collect_resource, &l));
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_true(l.flag[i]); /* bodies loaded */
    }
    fx_list_free(&l);
    l.stop_after = 2;
    assert_int_equal(store_resource_list(t, f->book, false, fx_collect_resource, &l), 7);
    assert_int_equal(l.n, 2);
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_resource_name_limits(void **state)
{
    struct fx *f = *state;
    char name[300];
    memset(name, 'n', sizeof(name));
    name[255] = '\0';
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, name, "u255", SV("x"), NULL, NULL));
    fx_commit(&t);

    name[255] = 'n';
    name[256] = '\0';
    t = fx_begin(f, true);
    assert_rc(ERR_TOO_LARGE, fx_put(t, f->book, name, "u256", SV("x"), NULL, NULL));
    store_txn_abort(&t);

    static const char *const bad[] = { "", "a/b", "/" };
    for (size_t i = 0; i < 3; i++) {
        t = fx_begin(f, true);
        int rc = fx_put(t, f->book, bad[i], "ub", SV("x"), NULL, NULL);
        if (rc == 0) {
            print_error("resource name \"%s\" was accepted\n", bad[i]);
        }
        assert_int_not_equal(rc, 0);
        store_txn_abort(&t);
    }
    assert_int_equal(fx_coll(f, f->book).count, 1);
}

static void test_resource_uid_over_limit_is_too_large(void **state)
{
    struct fx *f = *state;
    size_t n = 64 * 1024;
    char *uid = malloc(n + 1);
    assert_non_null(uid);
    memset(uid, 'u', n);
    uid[n] = '\0';
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_TOO_LARGE, fx_put(t, f->book, "a.vcf", uid, SV("x"), NULL, NULL));
    store_txn_abort(&t);
    free(uid);
}

static void test_resource_put_into_missing_collection_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, fx_put(t, f->book + 1000, "a.vcf", "u", SV("x"), NULL, NULL));
    store_txn_abort(&t);
}

static void assert_counters(struct fx *f, uint64_t count, uint64_t bytes)
{
    struct store_collection c = fx_coll(f, f->book);
    if (c.count != count || c.bytes != bytes) {
        print_error("count=%llu bytes=%llu, expected count=%llu bytes=%llu\n",
                    (unsigned long long)c.count, (unsigned long long)c.bytes,
                    (unsigned long long)count, (unsigned long long)bytes);
        fail();
    }
}

static void test_collection_counters_follow_put_replace_delete(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "a", "ua", SV("12345"), NULL, NULL));
    assert_ok(fx_put(t, f->book, "b", "ub", SV("1234567890"), NULL, NULL));
    fx_commit(&t);
    assert_counters(f, 2, 15);

    t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "a", "ua", SV("12"), NULL, NULL)); /* shrink */
    fx_commit(&t);
    assert_counters(f, 2, 12);

    t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "b", "ub", SV("1234567890abcdef"), NULL, NULL)); /* grow */
    assert_ok(fx_put(t, f->book, "b", "ub", SV("1234567890abcdef"), NULL, NULL)); /* no-op */
    fx_commit(&t);
    assert_counters(f, 2, 18);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("a"), 0));
    fx_commit(&t);
    assert_counters(f, 1, 16);

    /* a failed put and a failed delete leave the counters alone */
    t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "c", "uc", SV("123"), NULL, NULL));
    assert_rc(ERR_NOT_FOUND, store_resource_delete(t, f->book, SV("zz"), 0));
    store_txn_abort(&t);
    assert_counters(f, 1, 16);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("b"), 0));
    fx_commit(&t);
    assert_counters(f, 0, 0);
}

/* A NUL inside a name (an HTTP path with %00) is refused: keys put a NUL after the name. */
static void test_resource_name_with_nul_byte_is_refused(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_put p = { .name = str_view_make("a\0b.vcf", 7),
                           .content_type = SV("text/vcard"),
                           .uid = SV("u"),
                           .body = SV("x") };
    assert_int_not_equal(store_resource_put(t, f->book, &p, NULL, NULL), 0);
    store_txn_abort(&t);
    assert_int_equal(fx_coll(f, f->book).count, 0);
}

/* UIDs up to the limit are stored and found; over it ERR_TOO_LARGE, never an I/O error. */
static void test_resource_uid_lengths_near_the_limit(void **state)
{
    struct fx *f = *state;
    static const size_t lens[] = { 200, 255, 256, 400, 600 };
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char uid[601], name[32];
        memset(uid, 'a' + (int)i, lens[i]);
        uid[lens[i]] = '\0';
        snprintf(name, sizeof(name), "u%zu.vcf", lens[i]);
        struct store_txn *t = fx_begin(f, true);
        int rc = fx_put(t, f->book, name, uid, SV("x"), NULL, NULL);
        if (rc == 0) {
            fx_commit(&t);
            t = fx_begin(f, false);
            struct store_resource r;
            assert_ok(store_resource_find_uid(t, f->book, SV(uid), &r));
            assert_view_eq(r.name, name);
            store_txn_abort(&t);
        } else {
            store_txn_abort(&t);
            assert_rc(ERR_TOO_LARGE, rc);
            assert_true(lens[i] > 255);
        }
    }
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_resource_put_then_get_returns_exact_bytes_and_metadata),
        T(test_resource_get_without_body_gives_metadata_only),
        T(test_resource_binary_body_round_trips_byte_for_byte),
        T(test_resource_large_body_round_trips),
        T(test_resource_empty_body_is_stored_as_empty),
        T(test_resource_get_of_missing_name_is_not_found),
        T(test_resource_etag_changes_when_bytes_change),
        T(test_resource_etag_changes_on_same_length_edit),
        T(test_resource_content_type_change_is_a_change),
        T(test_resource_identical_put_changes_nothing),
        T(test_resource_revisions_are_store_wide_and_increasing),
        cmocka_unit_test(test_etag_is_quoted_and_distinct_per_revision),
        T(test_resource_put_with_wrong_if_match_is_precondition_and_changes_nothing),
        T(test_resource_put_with_right_if_match_replaces),
        T(test_resource_put_with_if_match_on_missing_is_precondition),
        T(test_resource_put_with_if_none_match_on_existing_is_precondition),
        T(test_resource_same_uid_in_same_collection_is_conflict),
        T(test_resource_same_uid_in_other_collection_is_fine),
        T(test_resource_uid_is_freed_by_uid_change_and_by_delete),
        T(test_resources_without_uid_do_not_conflict),
        T(test_resource_find_uid_of_missing_is_not_found),
        T(test_resource_delete_with_wrong_if_match_is_precondition),
        T(test_resource_delete_of_missing_is_not_found),
        T(test_resource_recreated_after_delete_gets_a_new_revision),
        T(test_resource_list_is_in_name_order_with_optional_bodies),
        T(test_resource_name_limits),
        T(test_resource_uid_over_limit_is_too_large),
        T(test_resource_put_into_missing_collection_is_not_found),
        T(test_collection_counters_follow_put_replace_delete),
        T(test_resource_name_with_nul_byte_is_refused),
        T(test_resource_uid_lengths_near_the_limit),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
