/*
 * Storage contract: dead properties (store.h "dead properties", RFC 4918 PROPPATCH) on
 * collections and on resources: put, replace, list, delete, exact values, and removal with
 * the resource or collection they belong to.
 */
#include "tests/storage/store_fixture.h"

static struct fx_list props(struct fx *f, uint64_t coll, const char *name)
{
    struct fx_list l = { 0 };
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_prop_list(t, coll, SV(name), fx_collect_prop, &l));
    store_txn_abort(&t);
    return l;
}

static void test_prop_put_and_list_on_collection(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{DAV:}displayname"), SV("Kunden")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{http://apple.com/ns/ical/}calendar-color"),
                             SV("#FF0000FF")));
    fx_commit(&t);

    struct fx_list l = props(f, f->book, "");
    assert_int_equal(l.n, 2);
    assert_true(fx_list_has(&l, "{DAV:}displayname=Kunden"));
    assert_true(fx_list_has(&l, "{http://apple.com/ns/ical/}calendar-color=#FF0000FF"));
    fx_list_free(&l);
}

static void test_prop_put_again_replaces_value(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}p"), SV("one")));
    fx_commit(&t);
    t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}p"), SV("two")));
    fx_commit(&t);

    struct fx_list l = props(f, f->book, "");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "{urn:x}p=two");
    fx_list_free(&l);
}

static void test_prop_value_is_kept_exactly(void **state)
{
    struct fx *f = *state;
    const char *xml = "<x:a xmlns:x=\"urn:x\">Grüße &amp; <b/>\r\n  tab\there</x:a>";
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}xml"), SV(xml)));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}empty"), SV("")));
    fx_commit(&t);

    struct fx_list l = props(f, f->book, "");
    char want[256];
    snprintf(want, sizeof(want), "{urn:x}xml=%s", xml);
    assert_true(fx_list_has(&l, want));
    assert_true(fx_list_has(&l, "{urn:x}empty="));
    fx_list_free(&l);
}

/* Same local name in two namespaces: two properties. */
static void test_prop_qnames_differ_by_namespace(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:a}p"), SV("a")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:b}p"), SV("b")));
    fx_commit(&t);
    struct fx_list l = props(f, f->book, "");
    assert_int_equal(l.n, 2);
    assert_true(fx_list_has(&l, "{urn:a}p=a") && fx_list_has(&l, "{urn:b}p=b"));
    fx_list_free(&l);
}

static void test_prop_delete_removes_only_that_property(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}a"), SV("1")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}b"), SV("2")));
    fx_commit(&t);
    t = fx_begin(f, true);
    assert_ok(store_prop_delete(t, f->book, SV(""), SV("{urn:x}a")));
    fx_commit(&t);

    struct fx_list l = props(f, f->book, "");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "{urn:x}b=2");
    fx_list_free(&l);
}

/* Removing a property that does not exist: the store may say ERR_NOT_FOUND, but the txn
 * stays usable. */
static void test_prop_delete_of_missing_property(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    int rc = store_prop_delete(t, f->book, SV(""), SV("{urn:x}nope"));
    if (rc != 0) {
        assert_rc(ERR_NOT_FOUND, rc);
    }
    /* RFC 4918 14.23: removing an absent property is not an error, so a PROPPATCH that
     * also sets another property must still commit */
    assert_int_equal(store_txn_error(t), 0);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}set"), SV("v")));
    fx_commit(&t);
    struct fx_list l = props(f, f->book, "");
    assert_int_equal(l.n, 1);
    fx_list_free(&l);
}

static void test_prop_put_and_list_on_resource_separate_from_collection(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "x");
    fx_put_card(f, f->book, "ab.vcf", "uab", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}r"), SV("on a")));
    assert_ok(store_prop_put(t, f->book, SV("ab.vcf"), SV("{urn:x}r"), SV("on ab")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}c"), SV("on book")));
    fx_commit(&t);

    struct fx_list l = props(f, f->book, "a.vcf");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "{urn:x}r=on a");
    fx_list_free(&l);
    l = props(f, f->book, "ab.vcf");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "{urn:x}r=on ab");
    fx_list_free(&l);
    l = props(f, f->book, "");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "{urn:x}c=on book");
    fx_list_free(&l);

    t = fx_begin(f, true);
    assert_ok(store_prop_delete(t, f->book, SV("a.vcf"), SV("{urn:x}r")));
    fx_commit(&t);
    l = props(f, f->book, "a.vcf");
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    l = props(f, f->book, "ab.vcf");
    assert_int_equal(l.n, 1);
    fx_list_free(&l);
}

/* store_prop_get finds exactly the value store_prop_list hands out for that qname, on the
 * resource it was set on only; an unset, overlong or empty qname is ERR_NOT_FOUND and does
 * not spoil a write transaction. */
static void test_prop_get_by_qname_matches_list(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "x");
    fx_put_card(f, f->book, "ab.vcf", "uab", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}r"), SV("<r xmlns=\"urn:x\">1</r>")));
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}s"), SV("")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}r"), SV("on book")));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct str_view v;
    assert_ok(store_prop_get(t, f->book, SV("a.vcf"), SV("{urn:x}r"), &v));
    assert_true(str_view_eq(v, SV("<r xmlns=\"urn:x\">1</r>")));
    assert_ok(store_prop_get(t, f->book, SV("a.vcf"), SV("{urn:x}s"), &v));
    assert_int_equal(v.len, 0);
    assert_ok(store_prop_get(t, f->book, SV(""), SV("{urn:x}r"), &v));
    assert_true(str_view_eq(v, SV("on book")));
    assert_rc(ERR_NOT_FOUND, store_prop_get(t, f->book, SV("ab.vcf"), SV("{urn:x}r"), &v));
    assert_rc(ERR_NOT_FOUND, store_prop_get(t, f->book, SV("a.vcf"), SV("{urn:y}r"), &v));
    assert_rc(ERR_NOT_FOUND, store_prop_get(t, f->book, SV("a.vcf"), SV("{urn:x}"), &v));
    assert_rc(ERR_NOT_FOUND, store_prop_get(t, f->book, SV("a.vcf"), SV(""), &v));
    store_txn_abort(&t);

    char big[400];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_prop_get(t, f->book, SV("a.vcf"), SV(big), &v));
    assert_ok(store_prop_put(t, f->book, SV("ab.vcf"), SV("{urn:x}r"), SV("later")));
    assert_ok(store_prop_get(t, f->book, SV("ab.vcf"), SV("{urn:x}r"), &v));
    assert_true(str_view_eq(v, SV("later")));
    fx_commit(&t);
}

static void test_prop_put_on_missing_resource_is_not_found(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_prop_put(t, f->book, SV("nope.vcf"), SV("{urn:x}p"), SV("v")));
    store_txn_abort(&t);
    t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_prop_put(t, f->book + 1000, SV(""), SV("{urn:x}p"), SV("v")));
    store_txn_abort(&t);
}

static void test_prop_survives_replacing_the_resource(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "1");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}p"), SV("v")));
    fx_commit(&t);
    fx_put_card(f, f->book, "a.vcf", "ua", "2");
    struct fx_list l = props(f, f->book, "a.vcf");
    assert_int_equal(l.n, 1);
    fx_list_free(&l);
}

static void test_prop_removed_with_its_resource(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}p"), SV("v")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}c"), SV("v")));
    fx_commit(&t);
    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("a.vcf"), 0));
    fx_commit(&t);

    /* a new resource under the old name does not inherit them */
    fx_put_card(f, f->book, "a.vcf", "ua", "x");
    struct fx_list l = props(f, f->book, "a.vcf");
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    l = props(f, f->book, "");
    assert_int_equal(l.n, 1);
    fx_list_free(&l);
}

static void test_prop_removed_with_its_collection(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "x");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}p"), SV("v")));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}c"), SV("v")));
    fx_commit(&t);
    t = fx_begin(f, true);
    assert_ok(store_collection_delete(t, f->book));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    int rc = store_prop_list(t, f->book, SV(""), fx_collect_prop, &l);
    assert_true(rc == 0 || rc == ERR_NOT_FOUND);
    assert_int_equal(l.n, 0);
    rc = store_prop_list(t, f->book, SV("a.vcf"), fx_collect_prop, &l);
    assert_true(rc == 0 || rc == ERR_NOT_FOUND);
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    store_txn_abort(&t);
    /* teardown's store_check finds no orphaned property records */
}

/* A property name long enough to push the key past LMDB's 511-byte limit is refused with a
 * size error, not an I/O error, and the store stays consistent. */
static void test_prop_with_overlong_qname_is_too_large(void **state)
{
    struct fx *f = *state;
    char name[256];
    memset(name, 'n', 255);
    name[255] = '\0';
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, name, "u", SV("x"), NULL, NULL));
    fx_commit(&t);

    char qname[420];
    snprintf(qname, sizeof(qname), "{urn:x}");
    memset(qname + 7, 'q', 400);
    qname[407] = '\0';
    t = fx_begin(f, true);
    int rc = store_prop_put(t, f->book, SV(name), SV(qname), SV("v"));
    store_txn_abort(&t);
    assert_rc(ERR_TOO_LARGE, rc);
}

static int collect_value(void *ctx, struct str_view qname, struct str_view value)
{
    (void)qname;
    fx_list_add(ctx, value, 0, false);
    return 0;
}

static void test_prop_with_large_value_round_trips(void **state)
{
    struct fx *f = *state;
    size_t n = 200 * 1024;
    char *v = malloc(n + 1);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = (char)('a' + i % 26);
    }
    v[n] = '\0';
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{urn:x}big"), str_view_make(v, n)));
    fx_commit(&t);
    struct fx_list l = { 0 };
    t = fx_begin(f, false);
    assert_ok(store_prop_list(t, f->book, SV(""), collect_value, &l));
    store_txn_abort(&t);
    assert_int_equal(l.n, 1);
    assert_int_equal(strlen(l.v[0]), n);
    assert_memory_equal(l.v[0], v, n);
    fx_list_free(&l);
    free(v);
}

static struct fx_list user_props(struct fx *f, const char *user)
{
    struct fx_list l = { 0 };
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_user_prop_list(t, SV(user), fx_collect_prop, &l));
    store_txn_abort(&t);
    return l;
}

/* macOS Contacts sets CS:me-card on the address-book home: user properties. */
static void test_user_prop_put_list_delete_and_removal_with_user(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_user_prop_put(t, SV("alice"), SV("{http://calendarserver.org/ns/}me-card"),
                                  SV("<D:href>/dav/addressbooks/alice/contacts/me.vcf</D:href>")));
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    assert_ok(store_user_prop_put(t, SV("bob"), SV("{urn:x}p"), SV("b")));
    fx_commit(&t);
    struct fx_list l = user_props(f, "alice");
    assert_int_equal(l.n, 1);
    assert_true(fx_list_has(&l, "{http://calendarserver.org/ns/}me-card="
                                "<D:href>/dav/addressbooks/alice/contacts/me.vcf</D:href>"));
    fx_list_free(&l);

    t = fx_begin(f, true);
    assert_rc(ERR_NOT_FOUND, store_user_prop_put(t, SV("nobody"), SV("{urn:x}p"), SV("v")));
    store_txn_abort(&t);

    t = fx_begin(f, true);
    assert_ok(store_user_prop_delete(t, SV("alice"), SV("{http://calendarserver.org/ns/}me-card")));
    assert_ok(store_user_delete(t, SV("bob")));
    fx_commit(&t);
    l = user_props(f, "alice");
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
    l = user_props(f, "bob");
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_prop_put_and_list_on_collection),
        T(test_user_prop_put_list_delete_and_removal_with_user),
        T(test_prop_put_again_replaces_value),
        T(test_prop_value_is_kept_exactly),
        T(test_prop_qnames_differ_by_namespace),
        T(test_prop_delete_removes_only_that_property),
        T(test_prop_delete_of_missing_property),
        T(test_prop_put_and_list_on_resource_separate_from_collection),
        T(test_prop_get_by_qname_matches_list),
        T(test_prop_put_on_missing_resource_is_not_found),
        T(test_prop_survives_replacing_the_resource),
        T(test_prop_removed_with_its_resource),
        T(test_prop_removed_with_its_collection),
        T(test_prop_with_overlong_qname_is_too_large),
        T(test_prop_with_large_value_round_trips),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
