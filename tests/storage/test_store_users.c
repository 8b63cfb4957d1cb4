/*
 * Storage contract: users (store.h "users"): create, uniqueness of name and e-mail, lookup
 * by e-mail without regard to case, replace, delete with everything the user owns, and the
 * listing order.
 */
#include "tests/storage/store_fixture.h"

#include <time.h>

static void test_user_create_then_get_returns_every_field(void **state)
{
    struct fx *f = *state;
    uint64_t before = (uint64_t)time(NULL);
    struct store_txn *t = fx_begin(f, true);
    struct store_user u = { .name = SV("bob"),
                            .email = SV("Bob.Smith@Example.com"),
                            .display_name = SV("Bob Smith"),
                            .password_hash = SV("$y$j9T$salt$hash") };
    assert_ok(store_user_put(t, &u, true));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_ok(store_user_get(t, SV("bob"), &got));
    assert_view_eq(got.name, "bob");
    assert_view_eq(got.email, "Bob.Smith@Example.com");
    assert_view_eq(got.display_name, "Bob Smith");
    assert_view_eq(got.password_hash, "$y$j9T$salt$hash");
    assert_true(got.created >= before && got.created <= (uint64_t)time(NULL) + 1);
    store_txn_abort(&t);
}

static void test_user_get_of_missing_user_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    struct store_user got;
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("nobody"), &got));
    /* a name that is a prefix of an existing one is not that user */
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("alic"), &got));
    store_txn_abort(&t);
}

static void test_user_create_with_taken_name_is_exists(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_EXISTS, fx_add_user(t, "alice", "new@example.com"));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_ok(store_user_get(t, SV("alice"), &got));
    assert_view_eq(got.email, "alice@example.com");
    store_txn_abort(&t);
}

static void test_user_create_with_taken_email_is_exists(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_EXISTS, fx_add_user(t, "bob", "alice@example.com"));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("bob"), &got));
    store_txn_abort(&t);
}

/* Lookup by e-mail ignores case, so two users whose addresses differ only in case would make
 * that lookup ambiguous: the second one must be refused too. */
static void test_user_create_with_taken_email_in_other_case_is_exists(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_EXISTS, fx_add_user(t, "bob", "ALICE@Example.COM"));
    store_txn_abort(&t);
}

static void test_users_without_email_do_not_collide(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", ""));
    assert_ok(fx_add_user(t, "carol", ""));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_rc(ERR_NOT_FOUND, store_user_find_by_email(t, SV(""), &got));
    store_txn_abort(&t);
}

static void test_user_find_by_email_ignores_case(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", "Bob.Smith@Example.com"));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_ok(store_user_find_by_email(t, SV("bob.smith@example.com"), &got));
    assert_view_eq(got.name, "bob");
    assert_ok(store_user_find_by_email(t, SV("BOB.SMITH@EXAMPLE.COM"), &got));
    assert_view_eq(got.name, "bob");
    assert_view_eq(got.email, "Bob.Smith@Example.com"); /* kept as written */
    assert_ok(store_user_find_by_email(t, SV("ALICE@example.com"), &got));
    assert_view_eq(got.name, "alice");
    assert_rc(ERR_NOT_FOUND, store_user_find_by_email(t, SV("bob.smith@example.co"), &got));
    assert_rc(ERR_NOT_FOUND, store_user_find_by_email(t, SV("nobody@example.com"), &got));
    store_txn_abort(&t);
}

static void test_user_replace_changes_fields_and_email_index(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    struct store_user orig;
    assert_ok(store_user_get(t, SV("alice"), &orig));
    uint64_t created = orig.created;
    store_txn_abort(&t);

    t = fx_begin(f, true);
    struct store_user u = { .name = SV("alice"),
                            .email = SV("alice@new.example"),
                            .display_name = SV("Alice N."),
                            .password_hash = SV("$2b$12$abc"),
                            .created = created };
    assert_ok(store_user_put(t, &u, false));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_ok(store_user_get(t, SV("alice"), &got));
    assert_view_eq(got.email, "alice@new.example");
    assert_view_eq(got.display_name, "Alice N.");
    assert_view_eq(got.password_hash, "$2b$12$abc");
    assert_int_equal(got.created, created);
    assert_rc(ERR_NOT_FOUND, store_user_find_by_email(t, SV("alice@example.com"), &got));
    assert_ok(store_user_find_by_email(t, SV("Alice@New.Example"), &got));
    assert_view_eq(got.name, "alice");
    store_txn_abort(&t);

    /* the old address is free again */
    t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", "alice@example.com"));
    fx_commit(&t);
}

static void test_user_replace_with_email_of_another_user_is_exists(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    fx_commit(&t);

    t = fx_begin(f, true);
    struct store_user u = { .name = SV("alice"), .email = SV("bob@example.com") };
    assert_rc(ERR_EXISTS, store_user_put(t, &u, false));
    store_txn_abort(&t);
}

static void test_user_replace_of_missing_user_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_user u = { .name = SV("bob"), .email = SV("bob@example.com") };
    assert_rc(ERR_NOT_FOUND, store_user_put(t, &u, false));
    store_txn_abort(&t);

    t = fx_begin(f, false);
    struct store_user got;
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("bob"), &got));
    store_txn_abort(&t);
}

/* store.h: login names are [a-z0-9._-], 1..64 bytes. */
static void test_user_with_bad_name_is_refused(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "",
        "Bob",
        "bob smith",
        "bob/x",
        ("b\xc3\xb6" "b"), /* "böb": split so \xb6 does not swallow the b */
        "bob:1",
        "0123456789012345678901234567890123456789012345678901234567890123x"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct store_txn *t = fx_begin(f, true);
        int rc = fx_add_user(t, bad[i], "");
        if (rc == 0) {
            print_error("user name \"%s\" was accepted\n", bad[i]);
        }
        assert_int_not_equal(rc, 0);
        store_txn_abort(&t);
    }
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "a.b-c_9", ""));
    assert_ok(
            fx_add_user(t, "0123456789012345678901234567890123456789012345678901234567890123", ""));
    fx_commit(&t);
}

static void test_user_delete_removes_user_and_their_collections(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "uid-a", "x");
    struct store_txn *t = fx_begin(f, true);
    uint64_t cal = 0, bob_book = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_CALENDAR, "alice", "calendar", &cal));
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "bob", "book", &bob_book));
    fx_commit(&t);

    t = fx_begin(f, true);
    assert_ok(store_user_delete(t, SV("alice")));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct store_user u;
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("alice"), &u));
    assert_rc(ERR_NOT_FOUND, store_user_find_by_email(t, SV("alice@example.com"), &u));
    struct store_collection c;
    assert_rc(ERR_NOT_FOUND, store_collection_get_by_id(t, f->book, &c));
    assert_rc(ERR_NOT_FOUND, store_collection_get_by_id(t, cal, &c));
    assert_rc(ERR_NOT_FOUND,
              store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("book"), &c));
    struct store_resource r;
    assert_int_not_equal(store_resource_get(t, f->book, SV("a.vcf"), false, &r), 0);
    struct fx_list l = { 0 };
    assert_ok(store_collection_list(t, SV("alice"), 0, fx_collect_coll, &l));
    assert_int_equal(l.n, 0);
    assert_ok(store_collection_list(t, SV(""), 0, fx_collect_coll, &l));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "bob/1/book");
    fx_list_free(&l);
    store_txn_abort(&t);

    /* name and e-mail are free again, and a new alice starts with nothing */
    t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "alice", "alice@example.com"));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "book", NULL));
    fx_commit(&t);
}

static void test_user_delete_of_missing_user_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_user_delete(t, SV("nobody")));
    store_txn_abort(&t);
}

static void test_user_list_is_in_name_order(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "carol", ""));
    assert_ok(fx_add_user(t, "bob", ""));
    assert_ok(fx_add_user(t, "al", ""));
    assert_ok(fx_add_user(t, "alice2", ""));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_user_list(t, fx_collect_user, &l));
    assert_int_equal(l.n, 5);
    static const char *const want[] = { "al", "alice", "alice2", "bob", "carol" };
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(l.v[i], want[i]);
    }
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_user_list_stops_on_nonzero_and_returns_it(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", ""));
    assert_ok(fx_add_user(t, "carol", ""));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct fx_list l = { .stop_after = 2 };
    assert_int_equal(store_user_list(t, fx_collect_user, &l), 7);
    assert_int_equal(l.n, 2);
    fx_list_free(&l);
    store_txn_abort(&t);
}

/* created belongs to the store: a replace that does not carry it keeps the original. */
static void test_user_replace_keeps_created(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    struct store_user orig;
    assert_ok(store_user_get(t, SV("alice"), &orig));
    uint64_t created = orig.created;
    store_txn_abort(&t);
    assert_true(created != 0);

    t = fx_begin(f, true);
    struct store_user u = { .name = SV("alice"), .email = SV("alice@example.com") };
    assert_ok(store_user_put(t, &u, false));
    fx_commit(&t);
    t = fx_begin(f, false);
    assert_ok(store_user_get(t, SV("alice"), &orig));
    assert_int_equal(orig.created, created);
    store_txn_abort(&t);
}

/* "Case-insensitive e-mail lookup" holds for addresses beyond ASCII too (RFC 6531 local
 * parts; the entity index folds them with utf8_casefold). */
static void test_user_find_by_email_ignores_case_beyond_ascii(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "joerg", "J\xc3\xb6rg@Example.com")); /* Jörg */
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_user got;
    assert_ok(store_user_find_by_email(t, SV("j\xc3\xb6rg@example.com"), &got)); /* jörg */
    assert_view_eq(got.name, "joerg");
    assert_ok(store_user_find_by_email(t, SV("J\xc3\x96RG@EXAMPLE.COM"), &got)); /* JÖRG */
    assert_view_eq(got.name, "joerg");
    store_txn_abort(&t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_user_create_then_get_returns_every_field),
        T(test_user_get_of_missing_user_is_not_found),
        T(test_user_create_with_taken_name_is_exists),
        T(test_user_create_with_taken_email_is_exists),
        T(test_user_create_with_taken_email_in_other_case_is_exists),
        T(test_users_without_email_do_not_collide),
        T(test_user_find_by_email_ignores_case),
        T(test_user_replace_changes_fields_and_email_index),
        T(test_user_replace_with_email_of_another_user_is_exists),
        T(test_user_replace_of_missing_user_is_not_found),
        T(test_user_with_bad_name_is_refused),
        T(test_user_delete_removes_user_and_their_collections),
        T(test_user_delete_of_missing_user_is_not_found),
        T(test_user_list_is_in_name_order),
        T(test_user_list_stops_on_nonzero_and_returns_it),
        T(test_user_replace_keeps_created),
        T(test_user_find_by_email_ignores_case_beyond_ascii),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
