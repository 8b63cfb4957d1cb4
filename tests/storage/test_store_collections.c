/*
 * Storage contract: collections (store.h "collections"): create and the three ways to get
 * one, uniqueness of (kind, owner, slug), slug rules, updates that touch only the
 * descriptive fields, filtered listing in (owner, kind, slug) order, and delete with
 * everything inside.
 */
#include "tests/storage/store_fixture.h"

#include <time.h>

static void test_collection_create_fills_id_created_and_zero_counters(void **state)
{
    struct fx *f = *state;
    uint64_t before = (uint64_t)time(NULL);
    struct store_txn *t = fx_begin(f, true);
    struct store_collection c = { .kind = STORE_COLL_CALENDAR,
                                  .owner = SV("alice"),
                                  .slug = SV("work"),
                                  .display_name = SV("Work"),
                                  .description = SV("Büro & Co"),
                                  .color = SV("#FF8800"),
                                  .components = STORE_COMP_VEVENT | STORE_COMP_VTODO,
                                  .flags = STORE_COLL_SHARED,
                                  .count = 77,
                                  .bytes = 77,
                                  .sync_seq = 77 };
    assert_ok(store_collection_create(t, &c));
    assert_true(c.id != 0);
    assert_true(c.id != f->book);
    assert_true(c.created >= before);
    assert_int_equal(c.count, 0);
    assert_int_equal(c.bytes, 0);
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_collection got;
    assert_ok(store_collection_get(t, STORE_COLL_CALENDAR, SV("alice"), SV("work"), &got));
    assert_int_equal(got.id, c.id);
    assert_int_equal(got.kind, STORE_COLL_CALENDAR);
    assert_view_eq(got.owner, "alice");
    assert_view_eq(got.slug, "work");
    assert_view_eq(got.display_name, "Work");
    assert_view_eq(got.description, "Büro & Co");
    assert_view_eq(got.color, "#FF8800");
    assert_int_equal(got.components, STORE_COMP_VEVENT | STORE_COMP_VTODO);
    assert_int_equal(got.flags, STORE_COLL_SHARED);
    assert_int_equal(got.created, c.created);
    assert_int_equal(got.count, 0);
    assert_int_equal(got.bytes, 0);
    assert_int_equal(got.sync_seq, c.sync_seq);

    struct store_collection by_id;
    assert_ok(store_collection_get_by_id(t, c.id, &by_id));
    assert_view_eq(by_id.slug, "work");
    assert_view_eq(by_id.owner, "alice");
    assert_int_equal(by_id.kind, STORE_COLL_CALENDAR);
    store_txn_abort(&t);
}

static void test_collection_get_of_missing_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    struct store_collection c;
    assert_rc(ERR_NOT_FOUND,
              store_collection_get(t, STORE_COLL_CALENDAR, SV("alice"), SV("book"), &c));
    assert_rc(ERR_NOT_FOUND,
              store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("bob"), SV("book"), &c));
    assert_rc(ERR_NOT_FOUND,
              store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("boo"), &c));
    assert_rc(ERR_NOT_FOUND, store_collection_get_by_id(t, f->book + 1000, &c));
    assert_rc(ERR_NOT_FOUND, store_collection_get_by_id(t, 0, &c));
    store_txn_abort(&t);
}

static void test_collection_create_with_taken_kind_owner_slug_is_exists(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_EXISTS, fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "book", NULL));
    store_txn_abort(&t);
}

static void test_collection_same_slug_in_other_kind_or_owner_is_fine(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    uint64_t cal = 0, bobs = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "book", &cal));
    assert_ok(fx_add_user(t, "bob", ""));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "bob", "book", &bobs));
    fx_commit(&t);
    assert_true(cal != f->book && bobs != f->book && cal != bobs);

    t = fx_begin(f, false);
    struct store_collection c;
    assert_ok(store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("bob"), SV("book"), &c));
    assert_int_equal(c.id, bobs);
    assert_ok(store_collection_get(t, STORE_COLL_CALENDAR, SV("alice"), SV("book"), &c));
    assert_int_equal(c.id, cal);
    assert_ok(store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("book"), &c));
    assert_int_equal(c.id, f->book);
    store_txn_abort(&t);
}

static void test_collection_create_for_missing_owner_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "nobody", "book", NULL));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_collection_list(t, SV("nobody"), 0, fx_collect_coll, &l));
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    store_txn_abort(&t);
}

/* store.h: slug is [A-Za-z0-9._-], 1..128 bytes. */
static void test_collection_create_with_bad_slug_is_inval(void **state)
{
    struct fx *f = *state;
    char long_slug[130];
    memset(long_slug, 'a', 129);
    long_slug[129] = '\0';
    const char *bad[] = { "", "a/b", "a b", "m\xc3\xbcller", "a%2Fb", "a\\b", long_slug };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct store_txn *t = fx_begin(f, true);
        int rc = fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", bad[i], NULL);
        if (rc != ERR_INVAL) {
            print_error("slug \"%s\": %s\n", bad[i], err_str(rc));
        }
        assert_rc(ERR_INVAL, rc);
        store_txn_abort(&t);
    }
    long_slug[128] = '\0';
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", long_slug, NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "Az09._-", NULL));
    fx_commit(&t);
}

static void test_collection_update_changes_descriptive_fields_only(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_collection before = fx_coll(f, f->book);

    struct store_txn *t = fx_begin(f, true);
    struct store_collection c = { .id = f->book,
                                  .kind = STORE_COLL_ADDRESSBOOK,
                                  .owner = SV("alice"),
                                  .slug = SV("book"),
                                  .display_name = SV("Kunden"),
                                  .description = SV("Alle Kunden"),
                                  .color = SV("#11223344"),
                                  .flags = STORE_COLL_PUBLIC | STORE_COLL_READONLY,
                                  .count = 999,
                                  .bytes = 999,
                                  .sync_seq = 999,
                                  .min_seq = 999,
                                  .created = 1 };
    assert_ok(store_collection_update(t, &c));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_collection got;
    assert_ok(store_collection_get_by_id(t, f->book, &got));
    assert_view_eq(got.display_name, "Kunden");
    assert_view_eq(got.description, "Alle Kunden");
    assert_view_eq(got.color, "#11223344");
    assert_int_equal(got.flags, STORE_COLL_PUBLIC | STORE_COLL_READONLY);
    assert_view_eq(got.slug, "book");
    assert_view_eq(got.owner, "alice");
    assert_int_equal(got.count, before.count);
    assert_int_equal(got.bytes, before.bytes);
    assert_int_equal(got.min_seq, before.min_seq);
    assert_int_equal(got.created, before.created);
    assert_true(got.sync_seq >= before.sync_seq && got.sync_seq != 999);
    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("a.vcf"), false, &r));
    store_txn_abort(&t);
}

static void test_collection_update_clears_fields_set_empty(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_collection c = {
        .id = f->book, .display_name = SV("x"), .color = SV("#000000"), .description = SV("d")
    };
    assert_ok(store_collection_update(t, &c));
    fx_commit(&t);
    t = fx_begin(f, true);
    struct store_collection c2 = { .id = f->book };
    assert_ok(store_collection_update(t, &c2));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_collection got;
    assert_ok(store_collection_get_by_id(t, f->book, &got));
    assert_int_equal(got.display_name.len, 0);
    assert_int_equal(got.description.len, 0);
    assert_int_equal(got.color.len, 0);
    store_txn_abort(&t);
}

static void test_collection_update_of_missing_id_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_collection c = { .id = f->book + 1000, .display_name = SV("x") };
    assert_rc(ERR_NOT_FOUND, store_collection_update(t, &c));
    store_txn_abort(&t);
}

static void make_several(struct fx *f)
{
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", ""));
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "bob", "cal", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "bob", "zz", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "bob", "aa", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_FILES, "alice", "docs", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "tasks", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "calendar", NULL));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "Arbeit", NULL));
    fx_commit(&t);
}

static void assert_list(struct fx *f, const char *owner, enum store_coll_kind kind,
                        const char *const *want, size_t n)
{
    struct store_txn *t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_collection_list(t, SV(owner), kind, fx_collect_coll, &l));
    if (l.n != n) {
        for (size_t i = 0; i < l.n; i++) {
            print_error("    got %s\n", l.v[i]);
        }
    }
    assert_int_equal(l.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l.v[i], want[i]);
    }
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_collection_list_orders_by_owner_kind_slug(void **state)
{
    struct fx *f = *state;
    make_several(f);
    /* slugs compare as bytes: "Arbeit" < "book" */
    static const char *const all[] = { "alice/1/Arbeit", "alice/1/book", "alice/2/calendar",
                                       "alice/2/tasks",  "alice/3/docs", "bob/1/aa",
                                       "bob/1/zz",       "bob/2/cal" };
    assert_list(f, "", 0, all, 8);
}

static void test_collection_list_filters_by_owner_and_kind(void **state)
{
    struct fx *f = *state;
    make_several(f);
    static const char *const alice[] = { "alice/1/Arbeit", "alice/1/book", "alice/2/calendar",
                                         "alice/2/tasks", "alice/3/docs" };
    assert_list(f, "alice", 0, alice, 5);
    static const char *const books[] = { "alice/1/Arbeit", "alice/1/book", "bob/1/aa", "bob/1/zz" };
    assert_list(f, "", STORE_COLL_ADDRESSBOOK, books, 4);
    static const char *const bob_cals[] = { "bob/2/cal" };
    assert_list(f, "bob", STORE_COLL_CALENDAR, bob_cals, 1);
    assert_list(f, "bob", STORE_COLL_FILES, NULL, 0);
    /* an owner that is a prefix of another is not that owner */
    assert_list(f, "bo", 0, NULL, 0);
}

static void test_collection_delete_removes_it_and_its_resources(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    fx_put_card(f, f->book, "b.vcf", "uid-b", "x");
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    assert_ok(fx_put(t, other, "a.vcf", "uid-a", SV("BEGIN:VCARD\r\nEND:VCARD\r\n"), NULL, NULL));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{DAV:}displayname"), SV("B")));
    fx_commit(&t);

    t = fx_begin(f, true);
    assert_ok(store_collection_delete(t, f->book));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_collection c;
    assert_rc(ERR_NOT_FOUND, store_collection_get_by_id(t, f->book, &c));
    assert_rc(ERR_NOT_FOUND,
              store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("book"), &c));
    struct store_resource r;
    assert_int_not_equal(store_resource_get(t, f->book, SV("a.vcf"), false, &r), 0);
    assert_int_not_equal(store_resource_find_uid(t, f->book, SV("uid-a"), &r), 0);
    /* the other collection is untouched */
    assert_ok(store_resource_get(t, other, SV("a.vcf"), false, &r));
    assert_ok(store_resource_find_uid(t, other, SV("uid-a"), &r));
    store_txn_abort(&t);
    assert_int_equal(fx_coll(f, other).count, 1);

    /* the slug is free again and the new collection starts empty, with a new id */
    t = fx_begin(f, true);
    uint64_t again = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "book", &again));
    fx_commit(&t);
    assert_true(again != f->book);
    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_resource_list(t, again, false, fx_collect_resource, &l));
    assert_int_equal(l.n, 0);
    assert_ok(store_prop_list(t, again, SV(""), fx_collect_prop, &l));
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_collection_delete_of_missing_id_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_collection_delete(t, f->book + 1000));
    store_txn_abort(&t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_collection_create_fills_id_created_and_zero_counters),
        T(test_collection_get_of_missing_is_not_found),
        T(test_collection_create_with_taken_kind_owner_slug_is_exists),
        T(test_collection_same_slug_in_other_kind_or_owner_is_fine),
        T(test_collection_create_for_missing_owner_is_not_found),
        T(test_collection_create_with_bad_slug_is_inval),
        T(test_collection_update_changes_descriptive_fields_only),
        T(test_collection_update_clears_fields_set_empty),
        T(test_collection_update_of_missing_id_is_not_found),
        T(test_collection_list_orders_by_owner_kind_slug),
        T(test_collection_list_filters_by_owner_and_kind),
        T(test_collection_delete_removes_it_and_its_resources),
        T(test_collection_delete_of_missing_id_is_not_found),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
